//! The player's WebSocket over real HTTP with a real client: both fighters
//! of a match see the same entries in order; a client that drops and
//! comes back with the last `seq` it saw misses nothing and sees nothing
//! twice, for a match's entries and for its notices alike; a player hears
//! of their match as it starts; a match run by another host, or over, is
//! read from its log; and every refusal is clear. Match time is a manual
//! clock: ticks happen when the story says.

#[macro_use]
mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{GAME, load, runtime};
use futures_util::{SinkExt as _, StreamExt as _};
use idempo_host::arena::{Arena, ArenaConfig, Joined, ManualClock, Submission};
use idempo_host::config::Config;
use idempo_host::gateway::GatewayConfig;
use idempo_host::gateway::tokens::Tokens;
use idempo_host::runtime::World;
use idempo_host::runtime::bindings::types::{ActionKind, Direction};
use idempo_host::server::{self, AppState};
use idempo_host::store::{CommitBatch, EconomyWrites, Notice, Store};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::http::header::AUTHORIZATION;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

const OPERATOR_TOKEN: &str = "test-operator-token";
const SECRET: &str = "a-test-secret-that-is-long-enough-0123";
const START_MS: i64 = 1_700_000_000_000;
/// Short ticks: a whole match logs more than one page of entries.
const TICK_MS: i64 = 250;
/// The longest a frame that is due may take to arrive.
const PATIENCE: Duration = Duration::from_secs(10);

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A host served over real HTTP whose arena runs on a manual clock and
/// starts a match as soon as two players wait.
struct Host {
    /// `ws://127.0.0.1:<port>/v1/ws`.
    url: String,
    /// `http://127.0.0.1:<port>`.
    base: String,
    state: Arc<AppState>,
    clock: ManualClock,
}

async fn host() -> Host {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&common::db::test_config(), dir.path())
        .await
        .expect("SQLite store opens in a temp dir");
    let config = Config {
        operator_token: OPERATOR_TOKEN.into(),
        gateway: GatewayConfig {
            jwt_secret: SECRET.into(),
            rate_limit_burst: 1_000,
            ..GatewayConfig::default()
        },
        arena: two_player_arena(),
        ..Config::default()
    };
    let rt = runtime();
    load(&rt, World::Combat, "classic", "1.0.0", "combat_classic");
    let bus = idempo_host::bus::open(&config, store.clone()).expect("the bus opens");
    let clock = ManualClock::new(START_MS);
    let state = Arc::new(
        AppState::new(config, Arc::new(rt), store, bus, Arc::new(clock.clone()))
            .expect("the arena's configuration is valid"),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free port");
    let addr = listener.local_addr().expect("bound");
    let served = state.clone();
    tokio::spawn(async move {
        let _dir = dir;
        server::serve_on(listener, served).await
    });
    Host {
        url: format!("ws://{addr}/v1/ws"),
        base: format!("http://{addr}"),
        state,
        clock,
    }
}

fn two_player_arena() -> ArenaConfig {
    ArenaConfig {
        max_players: 2,
        tick_ms: TICK_MS as u64,
        ..ArenaConfig::default()
    }
}

/// A session token of player `id`, signed as the host signs them.
fn token(id: &str) -> String {
    Tokens::new(SECRET, Duration::from_secs(3_600), OPERATOR_TOKEN)
        .issue(id, GAME, id, std::time::SystemTime::now())
        .expect("a token")
        .token
}

impl Host {
    /// Ann and Bob join; the second join starts their match.
    async fn match_of_ann_and_bob(&self) -> String {
        let arena = &self.state.arena;
        assert_eq!(
            arena.join(GAME, "ann").await.expect("joins"),
            Joined::Queued
        );
        match arena.join(GAME, "bob").await.expect("joins") {
            Joined::Matched { match_id } => match_id,
            Joined::Queued => panic!("two players fill a two-player match"),
        }
    }

    /// `ticks` ticks of match time, committed when this returns.
    async fn tick(&self, match_id: &str, ticks: i64) {
        self.clock.advance(ticks * TICK_MS);
        self.state
            .arena
            .view(GAME, match_id)
            .await
            .expect("the match's view commits the ticks due");
    }

    /// `player` raises their shield (refused, and not logged, once full).
    async fn defend(&self, match_id: &str, player: &str, key: &str) {
        self.act(match_id, player, key, ActionKind::Defend).await;
    }

    /// `player` acts; true if the action was accepted (and logged).
    async fn act(&self, match_id: &str, player: &str, key: &str, kind: ActionKind) -> bool {
        self.state
            .arena
            .submit(Submission {
                game: GAME.into(),
                player: player.into(),
                match_id: match_id.into(),
                idempotency_key: key.into(),
                kind,
                stamp: None,
                correlation_id: None,
            })
            .await
            .expect("the action is answered")
            .accepted()
    }

    /// The match's committed entries as `entry` frames, from its log.
    async fn logged(&self, match_id: &str) -> Vec<Value> {
        let items = self
            .state
            .arena
            .feed_since(GAME, match_id, 0, 10_000)
            .await
            .expect("the log reads");
        assert!(
            items.iter().zip(1..).all(|(item, seq)| item.seq == seq),
            "the log is numbered 1, 2, ... without gaps"
        );
        items
            .iter()
            .map(|item| {
                let mut frame = serde_json::to_value(item).expect("JSON");
                frame["type"] = "entry".into();
                frame
            })
            .collect()
    }

    /// Commits notices for `player`, one per kind.
    async fn notify(&self, player: &str, kinds: &[&str]) {
        let notices = kinds
            .iter()
            .map(|kind| Notice {
                game: GAME.into(),
                player: player.into(),
                kind: (*kind).into(),
                body: json!({ "about": kind }).to_string(),
            })
            .collect();
        self.state
            .store
            .commit(CommitBatch {
                economy: EconomyWrites {
                    notices,
                    ..EconomyWrites::default()
                },
                ..CommitBatch::default()
            })
            .await
            .expect("the notices commit");
    }

    /// Waits until the match's actor has ended here.
    async fn until_not_running(&self, match_id: &str) {
        for _ in 0..500 {
            if !self.state.arena.running().contains(&match_id.to_owned()) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("match {match_id} still runs");
    }
}

// ---- the client ----

/// Opens the WebSocket with `Authorization: Bearer <token>` and `query`.
async fn connect(host: &Host, token: &str, query: &str) -> Ws {
    let mut request = format!("{}?{query}", host.url)
        .into_client_request()
        .expect("a request");
    request.headers_mut().insert(
        AUTHORIZATION,
        format!("Bearer {token}").parse().expect("a header"),
    );
    let (ws, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("the WebSocket opens");
    ws
}

/// Opens the WebSocket with the token in the query, as a browser does.
async fn connect_by_query(host: &Host, token: &str, query: &str) -> Ws {
    let (ws, _) = tokio_tungstenite::connect_async(format!("{}?token={token}&{query}", host.url))
        .await
        .expect("the WebSocket opens");
    ws
}

/// The status and problem+json body of a refused handshake.
async fn refused(host: &Host, bearer: Option<&str>, query: &str) -> (u16, Value) {
    let mut request = format!("{}?{query}", host.url)
        .into_client_request()
        .expect("a request");
    if let Some(token) = bearer {
        request.headers_mut().insert(
            AUTHORIZATION,
            format!("Bearer {token}").parse().expect("a header"),
        );
    }
    match tokio_tungstenite::connect_async(request).await {
        Ok(_) => panic!("the handshake of `{query}` was accepted"),
        Err(tungstenite::Error::Http(response)) => {
            let content_type = response.headers()["content-type"].to_str().unwrap_or("");
            assert_eq!(content_type, "application/problem+json");
            let body = response.body().as_deref().unwrap_or_default();
            (
                response.status().as_u16(),
                serde_json::from_slice(body).expect("a JSON body"),
            )
        }
        Err(e) => panic!("the handshake failed otherwise: {e}"),
    }
}

/// The next text frame, as JSON (pongs and pings skipped).
async fn next(ws: &mut Ws) -> Value {
    loop {
        let message = tokio::time::timeout(PATIENCE, ws.next())
            .await
            .expect("a frame arrives in time")
            .expect("the connection is open")
            .expect("a frame reads");
        match message {
            Message::Text(text) => return serde_json::from_str(&text).expect("JSON text"),
            Message::Ping(_) | Message::Pong(_) => {}
            other => panic!("unexpected frame {other:?}"),
        }
    }
}

/// The `hello` frame; the match it says is watched.
async fn hello(ws: &mut Ws, player: &str) -> Value {
    let frame = next(ws).await;
    assert_eq!(frame["type"], "hello", "{frame}");
    assert_eq!(frame["player_id"], player, "{frame}");
    frame["match_id"].clone()
}

/// `entry` frames up to the one of `last_seq`.
async fn entries_through(ws: &mut Ws, last_seq: i64) -> Vec<Value> {
    let mut got = Vec::new();
    loop {
        let frame = next(ws).await;
        assert_eq!(frame["type"], "entry", "{frame}");
        let seq = frame["seq"].as_i64().expect("a seq");
        got.push(frame);
        if seq >= last_seq {
            return got;
        }
    }
}

/// Asserts nothing arrives for a while.
async fn silence(ws: &mut Ws) {
    if let Ok(Some(Ok(message))) = tokio::time::timeout(Duration::from_millis(700), ws.next()).await
    {
        panic!("nothing more was due, got {message:?}");
    }
}

fn seqs(frames: &[Value]) -> Vec<i64> {
    frames
        .iter()
        .map(|f| f["seq"].as_i64().unwrap_or(-1))
        .collect()
}

fn last_seq(frames: &[Value]) -> i64 {
    frames.last().and_then(|f| f["seq"].as_i64()).unwrap_or(0)
}

// ---- stories ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_fighters_see_the_same_entries_in_order() {
    let host = host().await;
    let match_id = host.match_of_ann_and_bob().await;
    let mut ann = connect(&host, &token("ann"), "").await;
    let mut bob = connect_by_query(&host, &token("bob"), "").await;
    assert_eq!(hello(&mut ann, "ann").await, match_id.as_str());
    assert_eq!(hello(&mut bob, "bob").await, match_id.as_str());

    host.tick(&match_id, 2).await;
    host.defend(&match_id, "ann", "a1").await;
    host.defend(&match_id, "bob", "b1").await;
    host.tick(&match_id, 3).await;

    let logged = host.logged(&match_id).await;
    assert!(
        logged.len() >= 5,
        "ticks and actions were logged: {logged:?}"
    );
    let last = last_seq(&logged);
    let anns = entries_through(&mut ann, last).await;
    let bobs = entries_through(&mut bob, last).await;
    assert_eq!(anns, logged, "ann sees every committed entry, in order");
    assert_eq!(bobs, logged, "and bob the very same");
    silence(&mut ann).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_reconnects_after_seq_n_gets_n_plus_one_onward_once() {
    let host = host().await;
    let match_id = host.match_of_ann_and_bob().await;
    let mut ann = connect(&host, &token("ann"), "").await;
    hello(&mut ann, "ann").await;
    host.tick(&match_id, 3).await;
    host.defend(&match_id, "ann", "a1").await;
    let seen = entries_through(&mut ann, last_seq(&host.logged(&match_id).await)).await;
    let n = last_seq(&seen);
    ann.close(None).await.expect("ann leaves");
    drop(ann);

    // The match goes on without her.
    host.defend(&match_id, "bob", "b1").await;
    host.tick(&match_id, 4).await;
    let m = last_seq(&host.logged(&match_id).await);
    assert!(m > n + 2, "entries were committed while ann was away");

    let mut ann = connect(&host, &token("ann"), &format!("after={n}")).await;
    assert_eq!(hello(&mut ann, "ann").await, match_id.as_str());
    let missed = entries_through(&mut ann, m).await;
    assert_eq!(seqs(&missed), ((n + 1)..=m).collect::<Vec<_>>());
    assert_eq!(missed, host.logged(&match_id).await[n as usize..]);

    // From the log to the live feed, with no seam: the next entries once.
    host.tick(&match_id, 2).await;
    let live = entries_through(&mut ann, last_seq(&host.logged(&match_id).await)).await;
    assert_eq!(seqs(&live), vec![m + 1, m + 2]);
    silence(&mut ann).await;

    // Naming the match does the same.
    let mut again = connect(
        &host,
        &token("ann"),
        &format!("match_id={match_id}&after={}", m + 1),
    )
    .await;
    hello(&mut again, "ann").await;
    assert_eq!(seqs(&entries_through(&mut again, m + 2).await), vec![m + 2]);
    silence(&mut again).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notices_resume_after_the_last_one_seen() {
    let host = host().await;
    host.notify("ann", &["rewards", "welcome"]).await;
    host.notify("bob", &["rewards"]).await;
    let mut ann = connect(&host, &token("ann"), "").await;
    assert_eq!(
        hello(&mut ann, "ann").await,
        Value::Null,
        "ann fights nowhere"
    );
    let first = [next(&mut ann).await, next(&mut ann).await];
    assert_eq!(first[0]["type"], "notice");
    assert_eq!(
        (first[0]["seq"].as_i64(), first[0]["kind"].as_str()),
        (Some(1), Some("rewards"))
    );
    assert_eq!(first[0]["body"], json!({ "about": "rewards" }));
    assert!(first[0]["created_at_ms"].is_i64());
    assert_eq!(
        (first[1]["seq"].as_i64(), first[1]["kind"].as_str()),
        (Some(2), Some("welcome"))
    );
    silence(&mut ann).await;
    drop(ann);

    host.notify("ann", &["third", "fourth"]).await;
    let mut ann = connect_by_query(&host, &token("ann"), "notices_after=2").await;
    hello(&mut ann, "ann").await;
    let missed = [next(&mut ann).await, next(&mut ann).await];
    assert_eq!(
        missed.iter().map(|n| n["seq"].as_i64()).collect::<Vec<_>>(),
        [Some(3), Some(4)]
    );
    host.notify("ann", &["fifth"]).await;
    let live = next(&mut ann).await;
    assert_eq!(
        (live["seq"].as_i64(), live["kind"].as_str()),
        (Some(5), Some("fifth"))
    );
    silence(&mut ann).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_player_hears_of_their_match_as_it_starts_and_watches_it_from_the_first_entry() {
    let host = host().await;
    let mut ann = connect(&host, &token("ann"), "").await;
    let mut bob = connect(&host, &token("bob"), "").await;
    let mut cid = connect(&host, &token("cid"), "").await;
    assert_eq!(hello(&mut ann, "ann").await, Value::Null);
    assert_eq!(hello(&mut bob, "bob").await, Value::Null);
    hello(&mut cid, "cid").await;

    let match_id = host.match_of_ann_and_bob().await;
    for ws in [&mut ann, &mut bob] {
        let matched = next(ws).await;
        assert_eq!(matched, json!({ "type": "matched", "match_id": match_id }));
    }
    host.tick(&match_id, 2).await;
    host.defend(&match_id, "bob", "b1").await;
    let logged = host.logged(&match_id).await;
    assert_eq!(entries_through(&mut ann, last_seq(&logged)).await, logged);
    assert_eq!(entries_through(&mut bob, last_seq(&logged)).await, logged);
    silence(&mut cid).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_finished_match_is_read_from_its_log_up_to_its_finish() {
    let host = host().await;
    let match_id = host.match_of_ann_and_bob().await;
    // Ann paces to and fro, then time runs out: more than a page of log.
    let mut paced = 0;
    for step in 0..120 {
        let way = if step % 2 == 0 {
            Direction::East
        } else {
            Direction::West
        };
        if host
            .act(
                &match_id,
                "ann",
                &format!("pace-{step}"),
                ActionKind::Move(way),
            )
            .await
        {
            paced += 1;
        }
    }
    host.tick(&match_id, 180_000 / TICK_MS + 1).await;
    host.until_not_running(&match_id).await;
    let logged = host.logged(&match_id).await;
    assert_eq!(
        logged.last().map(|f| f["entry"]["kind"].clone()),
        Some(json!("finish"))
    );
    assert!(
        logged.len() > idempo_host::arena::ws::LOG_PAGE as usize,
        "more than one page of the log: {} entries, {paced} paces",
        logged.len()
    );

    // Watching is public: cid fights in no match.
    let mut cid = connect(&host, &token("cid"), &format!("match_id={match_id}")).await;
    assert_eq!(hello(&mut cid, "cid").await, match_id.as_str());
    assert_eq!(entries_through(&mut cid, last_seq(&logged)).await, logged);
    silence(&mut cid).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_match_run_by_another_host_is_followed_through_its_log() {
    let host = host().await;
    let other = Arena::new(
        two_player_arena(),
        host.state.runtime.clone(),
        host.state.store.clone(),
        Arc::new(host.clock.clone()),
        "host-b",
    )
    .expect("another host's arena");
    let match_id = other
        .start_match(GAME, vec!["ann".into(), "bob".into()])
        .await
        .expect("host b runs the match");
    assert_eq!(host.state.arena.match_of(GAME, "ann"), None, "not here");

    let mut ann = connect(&host, &token("ann"), &format!("match_id={match_id}")).await;
    hello(&mut ann, "ann").await;
    host.clock.advance(3 * TICK_MS);
    other.view(GAME, &match_id).await.expect("host b commits");
    let logged = host.logged(&match_id).await;
    assert_eq!(logged.len(), 3);
    assert_eq!(entries_through(&mut ann, 3).await, logged);
    host.clock.advance(TICK_MS);
    other.view(GAME, &match_id).await.expect("host b commits");
    assert_eq!(seqs(&entries_through(&mut ann, 4).await), vec![4]);
    silence(&mut ann).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handshake_without_a_player_or_with_a_bad_query_is_refused_before_the_upgrade() {
    let host = host().await;
    let (status, body) = refused(&host, None, "").await;
    assert_eq!(status, 401);
    assert!(
        body["type"]
            .as_str()
            .unwrap_or("")
            .ends_with("/token-missing"),
        "{body}"
    );

    let (status, body) = refused(&host, Some(OPERATOR_TOKEN), "").await;
    assert_eq!(status, 401);
    assert!(
        body["type"]
            .as_str()
            .unwrap_or("")
            .ends_with("/operator-token"),
        "{body}"
    );
    let (status, _) = refused(&host, None, &format!("token={OPERATOR_TOKEN}")).await;
    assert_eq!(
        status, 401,
        "the operator token is refused in the query too"
    );
    let (status, _) = refused(&host, None, "token=forged").await;
    assert_eq!(status, 401);

    let ann = token("ann");
    let (status, body) = refused(&host, Some(&ann), "match_id=no-such-match").await;
    assert_eq!(status, 404, "{body}");
    for bad in [
        "after=-1",
        "after=soon",
        "notices_after=",
        "mtach_id=x",
        "after=1&after=2",
    ] {
        let (status, body) = refused(&host, Some(&ann), bad).await;
        assert_eq!(status, 400, "{bad}: {body}");
        assert!(!body["detail"].as_str().unwrap_or("").is_empty());
    }

    // A plain request is told to upgrade.
    let response = reqwest::Client::new()
        .get(format!("{}/v1/ws", host.base))
        .bearer_auth(&ann)
        .send()
        .await
        .expect("answered");
    assert_eq!(response.status().as_u16(), 426);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_frame_gets_an_error_and_the_connection_stays_usable() {
    let host = host().await;
    let match_id = host.match_of_ann_and_bob().await;
    host.tick(&match_id, 2).await;
    let logged = host.logged(&match_id).await;
    let mut cid = connect(&host, &token("cid"), "").await;
    assert_eq!(hello(&mut cid, "cid").await, Value::Null);

    for bad in [
        Message::text("not json"),
        Message::text(r#"{"type":"attack","target":"ann"}"#),
        Message::text(r#"{"type":"watch","match_id":"m","after":-3}"#),
        Message::text(r#"{"type":"watch","match_id":"no-such-match"}"#),
        Message::binary(b"\x00\x01".to_vec()),
    ] {
        cid.send(bad.clone()).await.expect("sent");
        let error = next(&mut cid).await;
        assert_eq!(error["type"], "error", "{bad:?}: {error}");
        assert!(!error["detail"].as_str().unwrap_or("").is_empty());
    }

    cid.send(Message::Ping(b"still there?".to_vec().into()))
        .await
        .expect("sent");
    let pong = tokio::time::timeout(PATIENCE, cid.next())
        .await
        .expect("answered in time")
        .expect("open")
        .expect("reads");
    assert_eq!(pong, Message::Pong(b"still there?".to_vec().into()));

    let watch = json!({ "type": "watch", "match_id": match_id, "after": 0 });
    cid.send(Message::text(watch.to_string()))
        .await
        .expect("sent");
    assert_eq!(entries_through(&mut cid, last_seq(&logged)).await, logged);
    host.tick(&match_id, 1).await;
    assert_eq!(
        seqs(&entries_through(&mut cid, last_seq(&logged) + 1).await),
        vec![last_seq(&logged) + 1]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_frame_or_a_flood_of_bad_ones_closes_the_connection() {
    let host = host().await;
    let mut big = connect(&host, &token("ann"), "").await;
    hello(&mut big, "ann").await;
    big.send(Message::text("x".repeat(5_000)))
        .await
        .expect("sent");
    assert_closed_by_policy(&mut big).await;

    let mut flood = connect(&host, &token("bob"), "").await;
    hello(&mut flood, "bob").await;
    for _ in 0..idempo_host::arena::ws::MAX_BAD_FRAMES {
        flood.send(Message::text("?")).await.expect("sent");
        assert_eq!(next(&mut flood).await["type"], "error");
    }
    flood.send(Message::text("?")).await.expect("sent");
    assert_closed_by_policy(&mut flood).await;
}

/// The server closed the connection with 1008 (policy).
async fn assert_closed_by_policy(ws: &mut Ws) {
    loop {
        match tokio::time::timeout(PATIENCE, ws.next())
            .await
            .expect("closed in time")
        {
            Some(Ok(Message::Close(frame))) => {
                let frame = frame.expect("a close frame with a code");
                assert_eq!(frame.code, CloseCode::Policy, "{frame:?}");
                return;
            }
            Some(Ok(Message::Text(text))) => panic!("no frame was due, got {text}"),
            Some(Ok(_)) => {}
            Some(Err(e)) => panic!("closed without a close frame: {e}"),
            None => panic!("closed without a close frame"),
        }
    }
}
