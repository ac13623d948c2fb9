//! The real `idempo` binary killed with SIGKILL between an entry's
//! reservation and its group insert, on both backends. The host's saga
//! runner is made to hang before `join-group` (an injected stall), so
//! every entry is caught with its fee held and no group yet when the host
//! dies. After a restart the player is either entered and charged, or not
//! entered and refunded; never charged without an entry:
//!
//! 1. restarted without the stall, the host resumes the sagas it finds
//!    orphaned: the players are entered, each charged the fee once;
//! 2. restarted still hanging, the sagas stall again until their
//!    reservation expires (`reservation_ttl_ms`, 4 s here): the scheduler
//!    turns them back and the players are refunded, in no group.
//!
//! Afterwards the database itself is audited (`common::audit`): money is
//! conserved, each balance is its ledger's sum, no hold outlives its saga.
//! The host's tournament clock is shifted to 08:00 UTC of today
//! (`tournament.clock_offset_ms`), so entries are open whenever this runs.

#[macro_use]
mod common;

use std::time::{Duration, Instant};

use common::audit::violations;
use common::db::postgres;
use common::players::signed_in;
use common::process::{HostProcess, free_port, start_host, wait_healthy};
use idempo_host::config::StorageConfig;
use idempo_host::store::Store;
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};

const OPERATOR: &str = "crash-run-operator-token";
const PATIENCE: Duration = Duration::from_secs(60);
/// Players caught in each phase.
const CAUGHT: usize = 3;
/// How long the second phase's reservations last: past their checks,
/// short of the patience.
const RESERVATION_TTL_MS: u64 = 4_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_an_entry_killed_mid_saga_is_entered_and_charged_or_refunded() {
    run(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_an_entry_killed_mid_saga_is_entered_and_charged_or_refunded() {
    let fixture = postgres().await;
    run(Some((fixture.store.clone(), fixture.database_url.clone()))).await;
}

/// The host under test, restarted in place with another configuration.
struct Host {
    dir: tempfile::TempDir,
    port: u16,
    storage: String,
    offset_ms: i64,
    process: Option<HostProcess>,
    client: Client,
}

impl Host {
    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Starts the host; `hangs`: its saga runner stalls before `join-group`.
    async fn start(&mut self, hangs: bool, reservation_ttl_ms: u64) {
        let stall = if hangs { r#"["join-group"]"# } else { "[]" };
        let config = format!(
            r#"
host_id = "crash-host"
operator_token = "{OPERATOR}"

[gateway]
rate_limit_per_second = 100000.0
rate_limit_burst = 100000

[saga]
lease_ms = 1000
recover_every_ms = 200
answer_wait_ms = 300

[saga.faults]
stall_before = {stall}

[tournament]
clock_offset_ms = {offset}
reservation_ttl_ms = {reservation_ttl_ms}
scheduler_every_ms = 200

{storage}"#,
            offset = self.offset_ms,
            storage = self.storage,
        );
        self.process = Some(start_host(self.dir.path(), self.port, &config));
        wait_healthy(&self.client, &self.base(), PATIENCE).await;
    }

    fn kill(&mut self) {
        if let Some(mut process) = self.process.take() {
            process.kill();
        }
    }

    async fn call(
        &self,
        token: &str,
        method: Method,
        path: &str,
        key: Option<&str>,
        body: Option<&Value>,
    ) -> (StatusCode, Value) {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.base()))
            .bearer_auth(token)
            .timeout(Duration::from_secs(10));
        if let Some(key) = key {
            request = request.header("Idempotency-Key", key);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let r = request.send().await.expect("the host answers");
        let status = r.status();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// Waits until no saga runs.
    async fn quiet(&self) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let (_, overview) = self
                .call(OPERATOR, Method::GET, "/admin/v1/sagas", None, None)
                .await;
            if overview["counts"].is_object()
                && overview["counts"]["running"].as_i64().unwrap_or(0) == 0
            {
                return;
            }
            assert!(Instant::now() < deadline, "sagas still run: {overview}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

struct Player {
    id: String,
    token: String,
}

/// (available, held) gold of `p`.
async fn gold(host: &Host, p: &Player) -> (i64, i64) {
    let (_, wallet) = host
        .call(&p.token, Method::GET, "/v1/players/me/wallet", None, None)
        .await;
    wallet["balances"]
        .as_array()
        .and_then(|b| b.iter().find(|b| b["currency"] == "gold"))
        .map_or((0, 0), |b| {
            (
                b["available"].as_i64().unwrap_or(0),
                b["held"].as_i64().unwrap_or(0),
            )
        })
}

/// Whether `p` is in a group of today's tournament.
async fn entered(host: &Host, p: &Player) -> bool {
    let (status, _) = host
        .call(
            &p.token,
            Method::GET,
            "/v1/tournaments/current/me",
            None,
            None,
        )
        .await;
    status == StatusCode::OK
}

/// Enters each of `players`: each answer is pending, its fee held.
async fn enter_and_hang(host: &Host, players: &[Player]) {
    for p in players {
        let (status, body) = host
            .call(
                &p.token,
                Method::POST,
                "/v1/tournaments/current/entries",
                Some("in"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
        assert_eq!(
            body["state"], "FUNDS_RESERVED",
            "caught after the reservation: {body}"
        );
        assert_eq!(gold(host, p).await, (500, 500), "{}: the fee is held", p.id);
        assert!(!entered(host, p).await, "no group yet");
    }
}

async fn run(postgres: Option<(Store, String)>) {
    let now = idempo_host::store::now_ms();
    let day = idempo_host::tournament::Day::of(now);
    let mut host = Host {
        dir: tempfile::tempdir().expect("temp dir"),
        port: free_port(),
        storage: postgres
            .as_ref()
            .map(|(_, url)| format!("[storage]\ndatabase_url = \"{url}\"\n"))
            .unwrap_or_default(),
        offset_ms: day.start_ms() + 8 * 3_600_000 - now,
        process: None,
        client: Client::new(),
    };
    host.start(true, 600_000).await;
    let mut players = Vec::new();
    for i in 0..2 * CAUGHT {
        let (token, id) = signed_in(&host.client, &host.base(), &format!("entrant{i}")).await;
        let grant = json!({
            "key": format!("seed-{i}"),
            "currency": [{ "code": "gold", "amount": 1000 }, { "code": "xp", "amount": 2250 }],
        });
        let path = format!("/admin/v1/games/default/players/{id}/grants");
        let (status, body) = host
            .call(OPERATOR, Method::POST, &path, None, Some(&grant))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        players.push(Player { id, token });
    }
    let (resumed, expired) = players.split_at(CAUGHT);

    // 1. Caught, killed, restarted well: the sagas are resumed to the end.
    enter_and_hang(&host, resumed).await;
    host.kill();
    host.start(false, 600_000).await;
    host.quiet().await;
    for p in resumed {
        assert!(entered(&host, p).await, "{} was entered", p.id);
        assert_eq!(gold(&host, p).await, (500, 0), "{} charged once", p.id);
        let (status, replay) = host
            .call(
                &p.token,
                Method::POST,
                "/v1/tournaments/current/entries",
                Some("in"),
                None,
            )
            .await;
        assert_eq!(
            (status, &replay["status"]),
            (StatusCode::CREATED, &json!("entered"))
        );
    }

    // 2. Caught, killed, restarted still hanging: the reservations expire
    //    (a reservation's expiry is fixed when its entry is made).
    host.kill();
    host.start(true, RESERVATION_TTL_MS).await;
    enter_and_hang(&host, expired).await;
    host.kill();
    host.start(true, RESERVATION_TTL_MS).await;
    host.quiet().await;
    for p in expired {
        assert!(!entered(&host, p).await, "{} is in no group", p.id);
        assert_eq!(gold(&host, p).await, (1_000, 0), "{} refunded", p.id);
        let (status, replay) = host
            .call(
                &p.token,
                Method::POST,
                "/v1/tournaments/current/entries",
                Some("in"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{replay}");
        assert!(
            replay["type"]
                .as_str()
                .unwrap_or_default()
                .ends_with("/entry-failed")
        );
    }
    let house_fees = 500 * CAUGHT as i64;
    let (_, me) = host
        .call(
            &players[0].token,
            Method::GET,
            "/v1/tournaments/current",
            None,
            None,
        )
        .await;
    assert_eq!(me["entries"], CAUGHT, "{me}");
    host.kill();

    let store = match postgres {
        Some((store, _)) => store,
        None => Store::open(&StorageConfig::default(), &host.dir.path().join("data"))
            .await
            .expect("the host's SQLite file opens"),
    };
    let found = violations(&store, true).await;
    assert!(found.is_empty(), "invariants broken:\n{}", found.join("\n"));
    let house = idempo_host::economy::wallet::balance(&store, "default", "@house", "gold")
        .await
        .expect("the house's gold");
    assert_eq!(
        house.available, house_fees,
        "the house has each entered player's fee once"
    );
}
