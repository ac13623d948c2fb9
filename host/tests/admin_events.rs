//! The event bus through the admin API, over real HTTP: an operator lists,
//! inspects and replays dead letters (a replay is applied once, and only
//! once), and resets a consumer group to an offset or a time so it reads
//! again. Every refusal is problem+json.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use async_trait::async_trait;
use common::{Served, runtime, serve};
use idempo_host::bus::{
    Consumer, Envelope, Event, Handler, HandlerError, Progress, Relay, Schemas, partition_of,
};
use idempo_host::config::{BusConfig, Config};
use idempo_host::runtime::KvScope;
use idempo_host::store::{CommitBatch, KvWrite, OutboxEvent, Store, new_event_id};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const TOKEN: &str = "events-operator-token";
const GAME: &str = "default";
const TOPIC: &str = "leaderboard-events";

fn bus_config() -> BusConfig {
    BusConfig {
        partitions_per_topic: 4,
        dlq_after_attempts: 3,
        // The stories append through the relay at the times they choose
        // (`relay`), which the resets to a time then find.
        append_in_commit: false,
        ..BusConfig::default()
    }
}

async fn host() -> Served {
    let config = Config {
        operator_token: TOKEN.into(),
        bus: bus_config(),
        ..Config::default()
    };
    serve(config, runtime()).await
}

/// An operator's call; the status, the content type and the JSON body.
async fn call(
    method: Method,
    url: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> (StatusCode, String, Value) {
    let mut request = reqwest::Client::new().request(method, url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body.to_owned());
    }
    let response = request.send().await.expect("the host answers");
    let status = response.status();
    let kind = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, kind, response.json().await.unwrap_or(Value::Null))
}

async fn get(url: &str) -> (StatusCode, Value) {
    let (status, _, body) = call(Method::GET, url, Some(TOKEN), None).await;
    (status, body)
}

async fn post(url: &str, body: Option<Value>) -> (StatusCode, Value) {
    let text = body.map(|b| b.to_string());
    let (status, _, body) = call(Method::POST, url, Some(TOKEN), text.as_deref()).await;
    (status, body)
}

/// Asserts a problem+json answer of `status` whose detail says `says`.
async fn assert_problem(method: Method, url: &str, body: Option<&str>, status: u16, says: &str) {
    let (got, kind, problem) = call(method, url, Some(TOKEN), body).await;
    assert_eq!(got.as_u16(), status, "{url} {body:?}: {problem}");
    assert_eq!(kind, "application/problem+json", "{url}");
    let detail = problem["detail"].as_str().unwrap_or_default();
    assert!(detail.contains(says), "{url} {body:?}: {detail}");
}

fn events(base: &str) -> String {
    format!("{base}/admin/v1/games/{GAME}/events")
}

/// A player scoring: `PointsScored` on the leaderboard topic.
fn scored(player: &str, points: i64, poison: bool) -> OutboxEvent {
    OutboxEvent {
        id: new_event_id(),
        game: GAME.into(),
        topic: TOPIC.into(),
        key: player.into(),
        event_type: "PointsScored".into(),
        schema_version: 1,
        payload: json!({ "player": player, "points": points, "poison": poison }).to_string(),
        correlation_id: None,
        traceparent: None,
        created_at_ms: 1,
    }
}

async fn commit(store: &Store, events: Vec<OutboxEvent>) {
    store
        .commit(CommitBatch {
            events,
            ..CommitBatch::default()
        })
        .await
        .expect("the service's events commit");
}

/// Relays the whole outbox, appended at `now_ms`.
async fn relay(served: &Served, now_ms: i64) {
    let relay = Relay::new(served.store.clone(), served.bus.clone(), &bus_config());
    while relay.relay_once(now_ms).await.expect("relay round") > 0 {}
}

/// The rewards read model: each player's points, and how many times each
/// event was applied. While `broken`, a poisoned event fails.
struct Rewards {
    store: Store,
    broken: AtomicBool,
}

impl Rewards {
    fn scope() -> KvScope {
        KvScope {
            game: GAME.into(),
            component: "rewards".into(),
        }
    }

    async fn number(&self, key: &str) -> i64 {
        let value = self.store.kv_get(&Self::scope(), key).await.expect("reads");
        String::from_utf8(value.unwrap_or_default())
            .ok()
            .and_then(|t| t.parse().ok())
            .unwrap_or(0)
    }

    fn set(key: String, value: i64) -> KvWrite {
        KvWrite {
            scope: Self::scope(),
            key,
            value: Some(value.to_string().into_bytes()),
        }
    }
}

#[async_trait]
impl Handler for Rewards {
    async fn handle(&self, event: &Event) -> Result<CommitBatch, HandlerError> {
        if event.payload["poison"] == true && self.broken.load(Ordering::SeqCst) {
            return Err(HandlerError("the rewards table has no row for this".into()));
        }
        let player = event.payload["player"].as_str().unwrap_or("?");
        let points = self.number(&format!("points/{player}")).await
            + event.payload["points"].as_i64().unwrap_or(0);
        let applied_key = format!("applied/{}", event.envelope.event_id);
        let applied = self.number(&applied_key).await + 1;
        Ok(CommitBatch {
            kv: vec![
                Self::set(format!("points/{player}"), points),
                Self::set(applied_key, applied),
            ],
            ..CommitBatch::default()
        })
    }
}

fn consumer(served: &Served, group: &str, handler: Arc<Rewards>) -> Consumer {
    Consumer::new(
        served.bus.clone(),
        served.store.clone(),
        GAME,
        group,
        &[TOPIC],
        Schemas::new(64 * 1024).knows("PointsScored", 1),
        handler,
        &bus_config(),
    )
    .with_sleeper(Arc::new(|_| Box::pin(async {})))
}

/// Runs rounds until one reads nothing; the sum of what they did.
async fn drain(consumer: &mut Consumer) -> Progress {
    let mut total = Progress::default();
    loop {
        let p = consumer.run_once().await.expect("a consumer round");
        if p.read == 0 {
            return total;
        }
        total += p;
    }
}

/// The group's `(next_offset, end_offset, lag)` in `partition` of a view.
fn offsets(view: &Value, partition: i32) -> (i64, i64, i64) {
    let p = &view["topics"][0]["partitions"][partition as usize];
    assert_eq!(p["partition"], partition, "{view}");
    (
        p["next_offset"].as_i64().unwrap(),
        p["end_offset"].as_i64().unwrap(),
        p["lag"].as_i64().unwrap(),
    )
}

// ----------------------------------------------------------------- stories

#[tokio::test]
async fn an_operator_lists_inspects_and_replays_a_dead_letter_and_it_is_applied_once() {
    let served = host().await;
    let poison = scored("bob", 7, true);
    commit(&served.store, vec![poison.clone(), scored("bob", 1, false)]).await;
    relay(&served, 1_000).await;
    let rewards = Arc::new(Rewards {
        store: served.store.clone(),
        broken: AtomicBool::new(true),
    });
    let mut c = consumer(&served, "rewards", rewards.clone());
    let p = drain(&mut c).await;
    assert_eq!((p.applied, p.dead), (1, 1), "the consumer went on");

    let base = events(&served.base);
    let (status, page) = get(&format!("{base}/dlq")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let letters = page["dead_letters"].as_array().unwrap();
    assert_eq!(letters.len(), 1, "{page}");
    assert_eq!(page["next_after"], Value::Null, "one page");
    let letter = &letters[0];
    assert_eq!(letter["consumer_group"], "rewards");
    assert_eq!(letter["topic"], TOPIC);
    assert_eq!(letter["partition"], partition_of("bob", 4));
    assert_eq!(letter["offset"], 0);
    assert_eq!(letter["event_id"], poison.id.as_str());
    assert_eq!(letter["event_type"], "PointsScored");
    assert_eq!(letter["schema_version"], 1);
    assert_eq!(letter["attempts"], 3);
    assert_eq!(letter["replayed_at_ms"], Value::Null);
    assert!(letter["dead_at_ms"].as_i64().unwrap() > 0);
    assert!(
        letter["error"].as_str().unwrap().contains("no row"),
        "{letter}"
    );
    assert!(
        letter.get("envelope").is_none(),
        "a list carries no payloads"
    );
    let id = letter["id"].as_i64().unwrap();

    let (status, shown) = get(&format!("{base}/dlq/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(shown["envelope"]["event_id"], poison.id.as_str());
    assert_eq!(shown["envelope"]["payload"], poison.payload.as_str());
    assert_eq!(shown["attempts"], 3);

    // The fix ships; the operator replays the letter, twice by mistake.
    rewards.broken.store(false, Ordering::SeqCst);
    let (status, replayed) = post(&format!("{base}/dlq/{id}/replay"), None).await;
    assert_eq!(status, StatusCode::OK, "{replayed}");
    assert_eq!(replayed["position"]["topic"], TOPIC);
    assert_eq!(replayed["position"]["offset"], 2, "appended after the two");
    assert_problem(
        Method::POST,
        &format!("{base}/dlq/{id}/replay"),
        None,
        409,
        "already replayed",
    )
    .await;
    let p = drain(&mut c).await;
    assert_eq!((p.read, p.applied), (1, 1));
    assert_eq!(rewards.number(&format!("applied/{}", poison.id)).await, 1);
    assert_eq!(rewards.number("points/bob").await, 8);
    let (_, shown) = get(&format!("{base}/dlq/{id}")).await;
    assert_eq!(shown["replayed_at_ms"], replayed["replayed_at_ms"]);
    assert_eq!(drain(&mut c).await, Progress::default(), "once, only once");
}

#[tokio::test]
async fn unknown_dead_letters_are_404_and_the_token_guards_the_queue() {
    let served = host().await;
    let base = events(&served.base);
    assert_problem(Method::GET, &format!("{base}/dlq/999"), None, 404, "999").await;
    assert_problem(
        Method::POST,
        &format!("{base}/dlq/999/replay"),
        None,
        404,
        "no dead letter 999",
    )
    .await;
    assert_problem(
        Method::GET,
        &format!("{base}/dlq/seventeen"),
        None,
        400,
        "whole number",
    )
    .await;
    for (method, url) in [
        (Method::GET, format!("{base}/dlq")),
        (Method::POST, format!("{base}/dlq/1/replay")),
        (Method::GET, format!("{base}/groups/rewards")),
        (Method::POST, format!("{base}/groups/rewards/reset")),
    ] {
        for token in [None, Some("a-player-token")] {
            let (status, kind, _) = call(method.clone(), &url, token, None).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{url}");
            assert_eq!(kind, "application/problem+json");
        }
    }
}

#[tokio::test]
async fn the_dead_letter_list_pages_with_a_cursor_and_keeps_to_its_game() {
    let served = host().await;
    // Three events of a type no reader knows: refused, dead at once.
    let envelopes: Vec<Envelope> = (0..3)
        .map(|i| {
            let mut e: Envelope = scored(&format!("p{i}"), 1, false).into();
            e.event_type = "PointsStolen".into();
            e
        })
        .collect();
    served
        .bus
        .publish(&envelopes, 1_000)
        .await
        .expect("published");
    let rewards = Arc::new(Rewards {
        store: served.store.clone(),
        broken: AtomicBool::new(false),
    });
    assert_eq!(
        drain(&mut consumer(&served, "rewards", rewards)).await.dead,
        3
    );

    let base = events(&served.base);
    let (_, first) = get(&format!("{base}/dlq?limit=2")).await;
    let ids: Vec<i64> = first["dead_letters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids.len(), 2);
    assert_eq!(first["next_after"], ids[1]);
    let (_, second) = get(&format!("{base}/dlq?limit=2&after={}", ids[1])).await;
    assert_eq!(second["dead_letters"].as_array().unwrap().len(), 1);
    assert_eq!(second["next_after"], Value::Null, "the last page");
    assert_eq!(second["dead_letters"][0]["attempts"], 0);

    let other = format!("{}/admin/v1/games/arena/events", served.base);
    let (_, theirs) = get(&format!("{other}/dlq")).await;
    assert_eq!(theirs["dead_letters"], json!([]), "another game's queue");
    assert_problem(
        Method::GET,
        &format!("{other}/dlq/{}", ids[0]),
        None,
        404,
        "no dead letter",
    )
    .await;
    for query in ["limit=0", "limit=501", "limit=many", "colour=red"] {
        assert_problem(
            Method::GET,
            &format!("{base}/dlq?{query}"),
            None,
            400,
            "limit",
        )
        .await;
    }
}

#[tokio::test]
async fn a_group_reset_to_an_offset_or_a_time_reads_the_log_again() {
    let served = host().await;
    // Six of ann's events, one partition, appended at 1_000 .. 1_005.
    let mut ids = Vec::new();
    for at in 0..6 {
        let event = scored("ann", 1, false);
        ids.push(event.id.clone());
        commit(&served.store, vec![event]).await;
        relay(&served, 1_000 + at).await;
    }
    let rewards = Arc::new(Rewards {
        store: served.store.clone(),
        broken: AtomicBool::new(false),
    });
    let mut c = consumer(&served, "live", rewards.clone());
    assert_eq!(drain(&mut c).await.applied, 6);

    let group = format!("{}/groups/live", events(&served.base));
    let partition = partition_of("ann", 4);
    let (status, view) = get(&format!("{group}?topic={TOPIC}")).await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert_eq!(view["topics"].as_array().unwrap().len(), 1);
    assert_eq!(offsets(&view, partition), (6, 6, 0), "caught up");
    let (_, all) = get(&group).await;
    assert_eq!(
        all["topics"].as_array().unwrap().len(),
        idempo_host::runtime::effects::TOPICS.len(),
        "every topic"
    );
    assert_eq!(all["lag"], 0);

    // To an offset: the partition is read again, and applied never twice.
    let reset = format!("{group}/reset");
    let (status, view) = post(
        &reset,
        Some(json!({ "topic": TOPIC, "partition": partition, "to_offset": 0 })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert_eq!(offsets(&view, partition), (0, 6, 6));
    assert_eq!(view["lag"], 6);
    let p = drain(&mut c).await;
    assert_eq!((p.read, p.applied, p.skipped), (6, 0, 6), "re-read");

    // To a time: what was appended at or after 1_003.
    let (_, view) = post(&reset, Some(json!({ "topic": TOPIC, "to_time_ms": 1_003 }))).await;
    assert_eq!(offsets(&view, partition), (3, 6, 3));
    let (_, view) = get(&format!("{group}?topic={TOPIC}")).await;
    assert_eq!(
        offsets(&view, partition),
        (3, 6, 3),
        "as the group view says"
    );
    assert_eq!(drain(&mut c).await.read, 3);

    // To the edges.
    let (_, view) = post(&reset, Some(json!({ "topic": TOPIC, "to": "earliest" }))).await;
    assert_eq!(offsets(&view, partition), (0, 6, 6));
    let (_, view) = post(&reset, Some(json!({ "topic": TOPIC, "to": "latest" }))).await;
    assert_eq!(offsets(&view, partition), (6, 6, 0));
    for id in &ids {
        assert_eq!(rewards.number(&format!("applied/{id}")).await, 1);
    }
    assert_eq!(rewards.number("points/ann").await, 6);
}

#[tokio::test]
async fn a_bad_reset_is_refused_with_a_problem_that_says_why() {
    let served = host().await;
    let base = events(&served.base);
    let reset = format!("{base}/groups/live/reset");
    let bad: [(&str, u16, &str); 8] = [
        ("{oops", 400, "the body is"),
        ("", 400, "the body is"),
        (
            r#"{"topic":"nope","to_time_ms":1}"#,
            422,
            "unknown topic `nope`",
        ),
        (r#"{"to_time_ms":1}"#, 422, "missing field `topic`"),
        (r#"{"topic":"leaderboard-events"}"#, 422, "exactly one of"),
        (
            r#"{"topic":"leaderboard-events","to_offset":1}"#,
            422,
            "needs the partition",
        ),
        (
            r#"{"topic":"leaderboard-events","partition":9,"to_offset":0}"#,
            422,
            "partitions 0 to 3",
        ),
        (
            r#"{"topic":"leaderboard-events","partition":0,"to_offset":5}"#,
            422,
            "past the end",
        ),
    ];
    for (body, status, says) in bad {
        assert_problem(Method::POST, &reset, Some(body), status, says).await;
    }
    assert_problem(
        Method::GET,
        &format!("{base}/groups/live?topic=nope"),
        None,
        422,
        "unknown topic",
    )
    .await;
    let (_, view) = get(&format!("{base}/groups/live")).await;
    assert_eq!(view["lag"], 0, "nothing moved");
}
