//! The host killed with SIGKILL in the middle of a match, under load, and
//! restarted: every acknowledged action is in the match's log exactly once,
//! a retry of any request (acknowledged or cut off) resolves it at most
//! once, and the match resumes in the state a replay of its log gives
//! (DESIGN.md invariant 1).
//!
//! The story runs the real `idempo` binary on a SQLite data directory, with
//! the components the test command builds (`target/components`), and talks
//! to it over real HTTP only.

#[macro_use]
mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::players::signed_in;
use common::process::{self, HostProcess, free_port};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use tokio::sync::Mutex;

const OPERATOR: &str = "crash-test-operator-token";
/// Actions acknowledged before the kill, per player, at least.
const ACKED_BEFORE_KILL: usize = 40;
const PATIENCE: Duration = Duration::from_secs(60);

/// A host process on `dir`, listening on `port`, with a fixed host id (the
/// restarted process is the same host) and short match leases.
fn start_host(dir: &Path, port: u16) -> HostProcess {
    process::start_host(
        dir,
        port,
        &format!(
            r#"
host_id = "crash-host"
operator_token = "{OPERATOR}"

[arena]
min_players = 2
max_players = 2
lobby_wait_ms = 50
match_duration_ms = 300000
tick_ms = 1000

[arena.lease]
lease_ttl_ms = 1500
renew_every_ms = 300
max_members = 8

[gateway]
rate_limit_per_second = 100000.0
rate_limit_burst = 100000
"#
        ),
    )
}

async fn wait_healthy(client: &Client, base: &str) {
    process::wait_healthy(client, base, PATIENCE).await;
}

/// What one request ended as.
#[derive(Debug, Clone)]
enum Fate {
    /// Answered for good: 200 with its log seq, or 422 refused by the rules
    /// (`None`: nothing logged; its answer is kept for its key all the same).
    Acked { seq: Option<i64> },
    /// No answer (the host died), or a 5xx: unknown.
    Unknown,
}

/// Per (player, key): the action's number and what became of it.
type Fates = BTreeMap<(String, String), (usize, Fate)>;

/// Plain moves, east and west in turn: mostly legal, and a refused one (an
/// edge, a fighter in the way) is an answer too.
fn action(i: usize) -> Value {
    let direction = if i.is_multiple_of(2) { "east" } else { "west" };
    json!({ "action": { "type": "move", "direction": direction } })
}

async fn act(
    client: &Client,
    base: &str,
    token: &str,
    match_id: &str,
    key: &str,
    body: &Value,
) -> Fate {
    let sent = client
        .post(format!("{base}/v1/matches/{match_id}/actions"))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(body)
        .timeout(Duration::from_secs(5))
        .send()
        .await;
    let Ok(response) = sent else {
        return Fate::Unknown;
    };
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    if status == StatusCode::OK {
        return Fate::Acked {
            seq: Some(body["seq"].as_i64().expect("an accepted action has a seq")),
        };
    }
    if status == StatusCode::UNPROCESSABLE_ENTITY && body["outcome"]["rejected"].is_string() {
        return Fate::Acked { seq: None };
    }
    // A request still running (its key reserved on the host).
    let in_flight = status == StatusCode::CONFLICT
        && body["type"]
            .as_str()
            .is_some_and(|t| t.ends_with("/idempotency-key-in-flight"));
    assert!(
        status.is_server_error() || in_flight,
        "a move is refused only by the rules or an unavailable match: {status} {body}"
    );
    Fate::Unknown
}

/// The match's whole log over the API: (seq, action id) of its actions.
async fn logged_actions(
    client: &Client,
    base: &str,
    token: &str,
    match_id: &str,
) -> Vec<(i64, String)> {
    let mut actions = Vec::new();
    let mut after = 0;
    loop {
        let page: Value = client
            .get(format!(
                "{base}/v1/matches/{match_id}/feed?after={after}&limit=1000"
            ))
            .bearer_auth(token)
            .send()
            .await
            .expect("the feed answers")
            .json()
            .await
            .expect("a feed page");
        let items = page["items"].as_array().expect("items");
        if items.is_empty() {
            return actions;
        }
        for item in items {
            let seq = item["seq"].as_i64().expect("seq");
            assert_eq!(seq, after + 1, "the log has no gap");
            after = seq;
            if item["entry"]["kind"] == "action" {
                let id = item["entry"]["action"]["id"].as_str().expect("id");
                actions.push((seq, id.to_owned()));
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_host_killed_mid_match_under_load_loses_no_acknowledged_action_and_resumes_its_log() {
    let dir = tempfile::tempdir().expect("temp dir");
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let client = Client::new();
    let mut host = start_host(dir.path(), port);
    wait_healthy(&client, &base).await;

    let ann = signed_in(&client, &base, "ann").await;
    let bob = signed_in(&client, &base, "bob").await;
    let mut match_id = None;
    for (token, _) in [&ann, &bob] {
        let joined: Value = client
            .post(format!("{base}/v1/lobby"))
            .bearer_auth(token)
            .send()
            .await
            .expect("joins")
            .json()
            .await
            .expect("a join answer");
        if let Some(id) = joined["match_id"].as_str() {
            match_id = Some(id.to_owned());
        }
    }
    let match_id = match_id.expect("the second join starts the match");

    // Load: each player sends defends back to back, under keys of its own.
    let fates: Arc<Mutex<Fates>> = Arc::default();
    let mut loaders = Vec::new();
    for (token, player) in [ann.clone(), bob.clone()] {
        let (client, base, match_id, fates) = (
            client.clone(),
            base.clone(),
            match_id.clone(),
            fates.clone(),
        );
        loaders.push(tokio::spawn(async move {
            for i in 0.. {
                let key = format!("{player}-{i}");
                let fate = act(&client, &base, &token, &match_id, &key, &action(i)).await;
                let cut = matches!(fate, Fate::Unknown);
                fates.lock().await.insert((player.clone(), key), (i, fate));
                if cut {
                    return;
                }
            }
        }));
    }
    let deadline = Instant::now() + PATIENCE;
    loop {
        let acked = fates
            .lock()
            .await
            .values()
            .filter(|(_, f)| matches!(f, Fate::Acked { seq: Some(_) }))
            .count();
        if acked >= 2 * ACKED_BEFORE_KILL {
            break;
        }
        assert!(Instant::now() < deadline, "the load did not get going");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // SIGKILL: no shutdown, no lease released, requests cut mid-flight.
    host.kill();
    for loader in loaders {
        loader.await.expect("a loader ends when its request is cut");
    }

    let mut host = start_host(dir.path(), port);
    wait_healthy(&client, &base).await;
    let fates = fates.lock().await.clone();
    let acked: BTreeMap<&(String, String), i64> = fates
        .iter()
        .filter_map(|(k, (_, f))| match f {
            Fate::Acked { seq: Some(seq) } => Some((k, *seq)),
            _ => None,
        })
        .collect();
    let token_of = |player: &str| if player == ann.1 { &ann.0 } else { &bob.0 };

    // Once the match is taken over, every retry resolves: an acknowledged
    // key replays its seq; a cut-off key either replays or runs once now.
    let mut retried = BTreeMap::new();
    for ((player, key), (i, fate)) in &fates {
        let deadline = Instant::now() + PATIENCE;
        let seq = loop {
            match act(
                &client,
                &base,
                token_of(player),
                &match_id,
                key,
                &action(*i),
            )
            .await
            {
                Fate::Acked { seq } => break seq,
                Fate::Unknown => {
                    assert!(Instant::now() < deadline, "the match was not taken over");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        };
        if let Fate::Acked { seq: first } = fate {
            assert_eq!(
                seq, *first,
                "{key}: a retry answers the acknowledged outcome"
            );
        }
        if let Some(seq) = seq {
            retried.insert(key.clone(), seq);
        }
    }

    let log = logged_actions(&client, &base, &ann.0, &match_id).await;
    let mut seen = BTreeSet::new();
    for (_, id) in &log {
        assert!(seen.insert(id.clone()), "action {id} is logged twice");
    }
    let by_id: BTreeMap<&str, i64> = log.iter().map(|(s, id)| (id.as_str(), *s)).collect();
    for ((_, key), seq) in &acked {
        assert_eq!(
            by_id.get(key.as_str()),
            Some(seq),
            "acknowledged {key} is in the log at its seq"
        );
    }
    for (key, seq) in &retried {
        assert_eq!(
            by_id.get(key.as_str()),
            Some(seq),
            "{key} is in the log once"
        );
    }
    assert_eq!(
        log.len(),
        retried.len(),
        "the log holds the accepted actions and nothing else"
    );

    // The live match is the match its log replays to.
    let deadline = Instant::now() + PATIENCE;
    loop {
        let live: Value = client
            .get(format!("{base}/v1/matches/{match_id}"))
            .bearer_auth(&ann.0)
            .send()
            .await
            .expect("view")
            .json()
            .await
            .expect("a view");
        let replayed: Value = client
            .get(format!(
                "{base}/admin/v1/games/default/matches/{match_id}/replay"
            ))
            .bearer_auth(OPERATOR)
            .send()
            .await
            .expect("replay")
            .json()
            .await
            .expect("a replay");
        if live["logged"] == replayed["logged"] {
            assert_eq!(live["state"], replayed["state"], "same log, same state");
            assert_eq!(live["version"], replayed["version"], "same pinned version");
            break;
        }
        // A tick landed between the two reads: read again.
        assert!(
            Instant::now() < deadline,
            "live {live} vs replay {replayed}"
        );
    }
    host.kill();
}
