//! A whole match over real HTTP and WebSocket, from two clients: sign-up,
//! the lobby, actions (one sealed by a stamp), the live stream, the finish,
//! the rewards paid through the `rewards` consumer (stamps included), the
//! leaderboard read model, match history and notices.
//!
//! The host runs in-process with everything `idempo` starts
//! ([`Services::start`]: relay, consumers, lobby, takeover) on the embedded
//! backend; only the arena's clock is the test's, so the match's minutes
//! pass at once.

#[macro_use]
mod common;

use std::time::{Duration, Instant};

use common::hosted::{self, Host, START_MS};
use common::players::signed_in;
use futures_util::{SinkExt as _, StreamExt as _};
use idempo_host::arena::Clock as _;
use idempo_host::config::Config;
use idempo_host::runtime::World;
use idempo_host::store::{CommitBatch, EconomyWrites, ItemGrant, STAMP};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

const PATIENCE: Duration = Duration::from_secs(30);

async fn host() -> Host {
    let mut config = Config::default();
    config.arena.min_players = 2;
    config.arena.max_players = 2;
    config.bus.relay_poll_ms = 10;
    config.bus.consumer_poll_ms = 10;
    let runtime = common::runtime();
    common::load(
        &runtime,
        World::Combat,
        "classic",
        "1.0.0",
        "combat_classic",
    );
    common::load(
        &runtime,
        World::Rewards,
        "standard",
        "1.0.0",
        "rewards_standard",
    );
    hosted::host(config, runtime).await
}

async fn get(client: &Client, url: String, token: &str) -> Value {
    let r = client.get(&url).bearer_auth(token).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{url}");
    r.json().await.unwrap()
}

/// Polls `url` until `done` holds.
async fn eventually(
    client: &Client,
    url: String,
    token: &str,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let v = get(client, url.clone(), token).await;
        if done(&v) {
            return v;
        }
        assert!(Instant::now() < deadline, "{url} never got there: {v}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn ws(base: &str, token: &str) -> Ws {
    let url = format!("{}/v1/ws?token={token}", base.replace("http://", "ws://"));
    tokio_tungstenite::connect_async(url)
        .await
        .expect("WebSocket")
        .0
}

/// The next JSON frame of `socket` with `type` in `types`.
async fn next_of(socket: &mut Ws, types: &[&str]) -> Value {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let message = tokio::time::timeout(left, socket.next())
            .await
            .expect("a frame in time")
            .expect("open")
            .expect("a frame");
        if let Message::Text(text) = message {
            let v: Value = serde_json::from_str(&text).expect("JSON");
            if types.contains(&v["type"].as_str().unwrap_or("")) {
                return v;
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_players_play_a_whole_match_to_rewards_leaderboard_and_history() {
    let host = host().await;
    let (client, base) = (Client::new(), host.base.clone());
    let ann = signed_in(&client, &base, "ann").await;
    let bob = signed_in(&client, &base, "bob").await;
    let mut ann_ws = ws(&base, &ann.0).await;
    let mut bob_ws = ws(&base, &bob.0).await;
    assert_eq!(next_of(&mut ann_ws, &["hello"]).await["player_id"], ann.1);
    next_of(&mut bob_ws, &["hello"]).await;

    // The lobby: the second join fills the match.
    let first = client
        .post(format!("{base}/v1/lobby"))
        .bearer_auth(&ann.0)
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), StatusCode::ACCEPTED);
    // The queue shows: Ann waits first; Bob, not queued, sees her by name.
    let lobby = get(&client, format!("{base}/v1/lobby"), &ann.0).await;
    assert_eq!(lobby["queued"], true);
    assert_eq!(lobby["queue"]["size"], 1);
    assert_eq!(lobby["queue"]["position"], 1);
    let seen = get(&client, format!("{base}/v1/lobby"), &bob.0).await;
    assert_eq!(seen["queued"], false);
    assert_eq!(seen["queue"]["position"], Value::Null);
    assert_eq!(seen["queue"]["next"], json!([ann.1]));
    assert_eq!(seen["queue"]["min_players"], 2);
    assert_eq!(seen["names"][&ann.1], "ann");
    let second = client
        .post(format!("{base}/v1/lobby"))
        .bearer_auth(&bob.0)
        .send()
        .await
        .unwrap();
    assert_eq!(second.status(), StatusCode::CREATED);
    let match_id = second.json::<Value>().await.unwrap()["match_id"]
        .as_str()
        .unwrap()
        .to_owned();
    for socket in [&mut ann_ws, &mut bob_ws] {
        assert_eq!(
            next_of(socket, &["matched"]).await["match_id"],
            match_id.as_str()
        );
    }

    // The match names its fighters; the operator lists it as running,
    // pinned to the version it started on.
    let view = get(&client, format!("{base}/v1/matches/{match_id}"), &ann.0).await;
    assert_eq!(
        view["names"],
        json!({ (ann.1.as_str()): "ann", (bob.1.as_str()): "bob" })
    );
    let listed: Value = client
        .get(format!(
            "{base}/admin/v1/games/default/matches?status=running"
        ))
        .bearer_auth(Config::default().operator_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let running = &listed["matches"][0];
    assert_eq!(running["match_id"], match_id.as_str());
    assert_eq!(running["version"], "1.0.0");
    assert_eq!(running["status"], "running");
    assert_eq!(running["players"], json!([ann.1, bob.1]));
    assert_eq!(listed["names"][&bob.1], "bob");
    assert_eq!(listed["next_before"], Value::Null);

    // Ann's plain action, then a special sealed by a stamp she owns.
    let act = |token: String, key: &'static str, body: Value| {
        let (client, url) = (
            client.clone(),
            format!("{base}/v1/matches/{match_id}/actions"),
        );
        async move {
            client
                .post(url)
                .bearer_auth(token)
                .header("Idempotency-Key", key)
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };
    let defend = act(
        ann.0.clone(),
        "ann-1",
        json!({ "action": { "type": "defend" } }),
    )
    .await;
    assert_eq!(defend.status(), StatusCode::OK);
    let defend: Value = defend.json().await.unwrap();
    host.store
        .commit(CommitBatch {
            economy: EconomyWrites {
                grants: vec![ItemGrant {
                    game: "default".into(),
                    item_id: "stamp-ann-1".into(),
                    owner: ann.1.clone(),
                    item_type: STAMP.into(),
                    source: "test".into(),
                }],
                ..EconomyWrites::default()
            },
            ..CommitBatch::default()
        })
        .await
        .expect("a stamp for ann");
    // Unsealed, a dash needs a charge ann lacks; sealed, it ignores it.
    let unsealed = act(
        ann.0.clone(),
        "ann-dash",
        json!({ "action": { "type": "special", "ability": "dash" } }),
    )
    .await;
    assert_eq!(unsealed.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let special = act(
        ann.0.clone(),
        "ann-2",
        json!({ "action": { "type": "special", "ability": "dash" }, "stamp": "stamp-ann-1" }),
    )
    .await;
    assert_eq!(special.status(), StatusCode::OK);
    let special: Value = special.json().await.unwrap();
    assert_eq!(
        special["action_id"], "stamp-ann-1",
        "the stamp's id is the action's id"
    );

    // Both sockets see the same committed entries, in order.
    for socket in [&mut ann_ws, &mut bob_ws] {
        let one = next_of(socket, &["entry"]).await;
        assert_eq!(
            (one["seq"].as_i64(), &one["entry"]["action"]["id"]),
            (defend["seq"].as_i64(), &json!("ann-1"))
        );
        let two = next_of(socket, &["entry"]).await;
        assert_eq!(two["seq"], special["seq"]);
        assert_eq!(two["entry"]["action"]["stamped"], true);
    }

    // The match's minutes pass: ticks, then the finish, streamed live.
    host.clock.advance(181_000);
    let finish = loop {
        let e = next_of(&mut bob_ws, &["entry"]).await;
        if e["entry"]["kind"] == "finish" {
            break e;
        }
    };
    let placings = finish["entry"]["result"]["placings"].as_array().unwrap();
    assert_eq!(placings.len(), 2);
    let winner = placings.iter().find(|p| p["place"] == 1).unwrap()["player"].clone();

    // Rewards: paid once, stamps included, announced as a notice.
    let wallet = eventually(
        &client,
        format!("{base}/v1/players/me/wallet"),
        &ann.0,
        |w| w["balances"].as_array().is_some_and(|b| !b.is_empty()),
    )
    .await;
    let gold = wallet["balances"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["currency"] == "gold")
        .expect("gold paid");
    assert!(gold["available"].as_i64().unwrap() >= 20);
    let notice = next_of(&mut ann_ws, &["notice"]).await;
    assert_eq!(notice["kind"], "rewards");
    assert_eq!(notice["body"]["match_id"], match_id.as_str());
    let (winner_token, winner_id) = if winner == json!(ann.1) {
        (&ann.0, &ann.1)
    } else {
        (&bob.0, &bob.1)
    };
    let stamps = eventually(
        &client,
        format!("{base}/v1/players/me/inventory?type=stamp"),
        winner_token,
        |i| i["items"].as_array().is_some_and(|items| !items.is_empty()),
    )
    .await;
    assert_eq!(
        stamps["items"].as_array().unwrap().len(),
        2,
        "the winner's two stamps"
    );

    // The leaderboard, from events.
    let board = eventually(&client, format!("{base}/v1/leaderboard"), &ann.0, |b| {
        b["top"].as_array().is_some_and(|t| t.len() == 2)
    })
    .await;
    assert_eq!(board["top"][0]["player"], winner);
    assert_eq!(
        board["names"],
        json!({ (ann.1.as_str()): "ann", (bob.1.as_str()): "bob" })
    );
    let standing = get(
        &client,
        format!("{base}/v1/leaderboard/players/{winner_id}"),
        &ann.0,
    )
    .await;
    assert_eq!(standing["rank"], 1);
    assert_eq!(standing["wins"], 1);

    // History, with placing and rewards.
    let history = get(
        &client,
        format!("{base}/v1/players/me/matches"),
        winner_token,
    )
    .await;
    let past = &history["matches"][0];
    assert_eq!(past["match_id"], match_id.as_str());
    assert_eq!(past["place"], 1);
    assert!(
        past["rewards"].as_array().is_some_and(|r| !r.is_empty()),
        "rewards listed: {past}"
    );

    // A resumed socket gets the match again from where it says, no more.
    let url = format!(
        "{}/v1/ws?token={}&match_id={match_id}&after={}",
        base.replace("http://", "ws://"),
        ann.0,
        finish["seq"].as_i64().unwrap() - 1
    );
    let mut resumed = tokio_tungstenite::connect_async(url).await.unwrap().0;
    let last = next_of(&mut resumed, &["entry"]).await;
    assert_eq!(last["seq"], finish["seq"]);
    let _ = resumed.close(None).await;
    let _ = ann_ws.send(Message::Close(None)).await;
    assert!(host.clock.now_ms() > START_MS);
}
