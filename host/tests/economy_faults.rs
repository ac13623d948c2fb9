//! A fault-injection run in the spirit of the Jepsen bank test, on both
//! backends: many players list, cancel, buy, offer, accept and craft at
//! once against the real `idempo` binary, while its saga steps fail,
//! time out after committing, or are refused (injected, seeded), and the
//! host is killed with SIGKILL while sagas are between steps, and
//! restarted. Every request is retried with its key until it is answered.
//!
//! Afterwards, read straight from the database (`common::audit`): money is
//! conserved, each balance is the sum of its ledger, every item has one
//! owner and none is both sold and still listed, no hold outlives its
//! saga, and every saga ended. The run prints its seed; set
//! `IDEMPO_FAULT_SEED` to replay one.

#[macro_use]
mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use common::audit::{tally, violations};
use common::db::postgres;
use common::players::signed_in;
use common::process::{HostProcess, free_port, start_host, wait_healthy};
use idempo_host::config::StorageConfig;
use idempo_host::store::Store;
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};
use tokio::sync::RwLock;

const OPERATOR: &str = "fault-run-operator-token";
const PLAYERS: usize = 8;
/// How long the players trade.
const LOAD: Duration = Duration::from_secs(12);
/// SIGKILLs during the load.
const KILLS: usize = 3;
const PATIENCE: Duration = Duration::from_secs(60);
const RECIPES: &[&str] = &["iron-sword", "elixir", "stamp"];

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_survives_faults_and_kills_with_every_invariant() {
    run(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_survives_faults_and_kills_with_every_invariant() {
    let fixture = postgres().await;
    run(Some((fixture.store.clone(), fixture.database_url.clone()))).await;
}

/// A SplitMix64 stream: the run's only randomness.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// The host under test, restarted in place after each kill.
struct Host {
    dir: tempfile::TempDir,
    port: u16,
    config: String,
    process: RwLock<Option<HostProcess>>,
    client: Client,
}

impl Host {
    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    async fn start(&self) {
        let process = start_host(self.dir.path(), self.port, &self.config);
        *self.process.write().await = Some(process);
        wait_healthy(&self.client, &self.base(), PATIENCE).await;
    }

    async fn kill(&self) {
        if let Some(mut process) = self.process.write().await.take() {
            process.kill();
        }
    }

    /// Sends a request until the host answers it (through kills and
    /// restarts: the same idempotency key each time), and gives up only
    /// after [`PATIENCE`].
    async fn call(
        &self,
        token: &str,
        method: Method,
        path: &str,
        key: Option<&str>,
        body: Option<&Value>,
    ) -> (StatusCode, Value) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let mut request = self
                .client
                .request(method.clone(), format!("{}{path}", self.base()))
                .bearer_auth(token)
                .timeout(Duration::from_secs(10));
            if let Some(key) = key {
                request = request.header("Idempotency-Key", key);
            }
            if let Some(body) = body {
                request = request.json(body);
            }
            match request.send().await {
                Ok(r) if r.status() == StatusCode::SERVICE_UNAVAILABLE => {}
                Ok(r) => {
                    let status = r.status();
                    let body = r.json().await.unwrap_or(Value::Null);
                    // The key's first request still runs (its host
                    // answers 409 meanwhile).
                    let in_flight = body["type"]
                        .as_str()
                        .is_some_and(|t| t.ends_with("/idempotency-key-in-flight"));
                    if !in_flight {
                        return (status, body);
                    }
                }
                Err(_) => {} // the host is down or was killed mid-request
            }
            assert!(Instant::now() < deadline, "{method} {path} never answered");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

struct Player {
    id: String,
    token: String,
}

/// The run, on the host's own SQLite file (`None`), or on a PostgreSQL
/// database (its store and URL).
async fn run(postgres: Option<(Store, String)>) {
    let seed: u64 = std::env::var("IDEMPO_FAULT_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(7, |d| d.as_nanos() as u64)
        });
    eprintln!("fault run seed: {seed} (replay with IDEMPO_FAULT_SEED={seed})");
    let storage = postgres
        .as_ref()
        .map(|(_, url)| format!("[storage]\ndatabase_url = \"{url}\"\n"))
        .unwrap_or_default();
    let config = format!(
        r#"
host_id = "fault-host"
operator_token = "{OPERATOR}"

[gateway]
rate_limit_per_second = 100000.0
rate_limit_burst = 100000

[saga]
lease_ms = 1000
recover_every_ms = 200
answer_wait_ms = 300
step_timeout_ms = 3000
backoff_base_ms = 5
backoff_max_ms = 100

[saga.faults]
seed = {seed}
fail_rate = 0.1
lost_ack_rate = 0.05
refuse_rate = 0.05
step_delay_ms = 25

{storage}"#
    );
    let host = Arc::new(Host {
        dir: tempfile::tempdir().expect("temp dir"),
        port: free_port(),
        config,
        process: RwLock::new(None),
        client: Client::new(),
    });
    host.start().await;
    let base = host.base();

    let mut players = Vec::new();
    for i in 0..PLAYERS {
        let (token, id) = signed_in(&host.client, &base, &format!("trader{i}")).await;
        let grant = json!({
            "key": format!("seed-{i}"),
            "currency": [{ "code": "gold", "amount": 1000 }],
            "items": [
                { "item_type": "iron-ore", "count": 4 },
                { "item_type": "crystal", "count": 4 },
                { "item_type": "potion", "count": 3 },
            ],
        });
        let (status, body) = host
            .call(
                OPERATOR,
                Method::POST,
                &format!("/admin/v1/games/default/players/{id}/grants"),
                None,
                Some(&grant),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        players.push(Player { id, token });
    }
    let players = Arc::new(players);
    let requests = Arc::new(AtomicU64::new(0));

    let until = Instant::now() + LOAD;
    let mut workers = Vec::new();
    for me in 0..PLAYERS {
        let (host, players, requests) = (host.clone(), players.clone(), requests.clone());
        let rng = Rng(seed ^ (me as u64).wrapping_mul(0x5851_f42d_4c95_7f2d));
        workers.push(tokio::spawn(trade(host, players, me, rng, until, requests)));
    }
    let mut killer_rng = Rng(seed.rotate_left(17));
    for _ in 0..KILLS {
        tokio::time::sleep(Duration::from_millis(1_500 + killer_rng.below(1_500))).await;
        wait_for_running_sagas(&host).await;
        host.kill().await;
        tokio::time::sleep(Duration::from_millis(killer_rng.below(300))).await;
        host.start().await;
    }
    for w in workers {
        w.await.expect("a trader's task ends");
    }
    wait_until_quiet(&host, seed).await;
    host.kill().await;
    let store = match postgres {
        Some((store, _)) => store,
        None => Store::open(&StorageConfig::default(), &host.dir.path().join("data"))
            .await
            .expect("the host's SQLite file opens"),
    };

    let found = violations(&store, true).await;
    let tally = tally(&store).await;
    eprintln!(
        "fault run {seed}: {} requests; sagas {tally:?}",
        requests.load(Ordering::Relaxed)
    );
    assert!(
        found.is_empty(),
        "seed {seed}: invariants broken:\n{}",
        found.join("\n")
    );
    assert!(
        tally.completed >= 10,
        "seed {seed}: too few trades completed: {tally:?}"
    );
    assert!(
        tally.compensated >= 1,
        "seed {seed}: no saga compensated: {tally:?}"
    );
    assert!(
        tally.resumed >= 1,
        "seed {seed}: no saga was resumed after a kill: {tally:?}"
    );
}

/// Waits (briefly) until some saga is between steps, so the kill lands
/// there.
async fn wait_for_running_sagas(host: &Host) {
    for _ in 0..100 {
        let (status, overview) = host
            .call(OPERATOR, Method::GET, "/admin/v1/sagas", None, None)
            .await;
        if status == StatusCode::OK && overview["counts"]["running"].as_i64().unwrap_or(0) > 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Waits until no saga is running: the survivors resumed every one.
async fn wait_until_quiet(host: &Host, seed: u64) {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let (_, overview) = host
            .call(OPERATOR, Method::GET, "/admin/v1/sagas", None, None)
            .await;
        if overview["counts"]["running"].as_i64().unwrap_or(0) == 0 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "seed {seed}: sagas still running: {overview}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// One player's load until `until`: a random mix of every market call.
async fn trade(
    host: Arc<Host>,
    players: Arc<Vec<Player>>,
    me: usize,
    mut rng: Rng,
    until: Instant,
    requests: Arc<AtomicU64>,
) {
    let player = &players[me];
    let mut n = 0u64;
    while Instant::now() < until {
        n += 1;
        let key = format!("t{me}-{n}");
        let roll = rng.below(100);
        let call = |method: Method, path: String, body: Option<Value>| {
            let (host, token, key) = (host.clone(), player.token.clone(), key.clone());
            let mutating = method != Method::GET;
            async move {
                let key = mutating.then_some(key);
                host.call(&token, method, &path, key.as_deref(), body.as_ref())
                    .await
            }
        };
        requests.fetch_add(1, Ordering::Relaxed);
        match roll {
            0..=24 => {
                let (_, inventory) = call(
                    Method::GET,
                    "/v1/players/me/inventory?limit=100".into(),
                    None,
                )
                .await;
                let owned = free_items(&inventory);
                if !owned.is_empty() {
                    let item = &owned[rng.below(owned.len() as u64) as usize];
                    let price = 1 + rng.below(150);
                    let body = json!({ "item_id": item, "currency": "gold", "price": price });
                    call(Method::POST, "/v1/market/listings".into(), Some(body)).await;
                }
            }
            25..=34 => {
                let path = format!("/v1/market/listings?seller={}&limit=20", player.id);
                let (_, page) = call(Method::GET, path, None).await;
                if let Some(id) = pick(&mut rng, &page["listings"], |_| true) {
                    call(Method::DELETE, format!("/v1/market/listings/{id}"), None).await;
                }
            }
            35..=64 => {
                let (_, page) = call(
                    Method::GET,
                    "/v1/market/listings?sort=-created&limit=50".into(),
                    None,
                )
                .await;
                if let Some(id) = pick(&mut rng, &page["listings"], |l| {
                    l["seller"] != player.id.as_str()
                }) {
                    call(
                        Method::POST,
                        "/v1/trades".into(),
                        Some(json!({ "listing_id": id })),
                    )
                    .await;
                }
            }
            65..=74 => {
                let other = &players[(me + 1 + rng.below(PLAYERS as u64 - 1) as usize) % PLAYERS];
                let (_, inventory) = call(
                    Method::GET,
                    "/v1/players/me/inventory?limit=100".into(),
                    None,
                )
                .await;
                let owned = free_items(&inventory);
                let give_items: Vec<_> =
                    owned.iter().take(rng.below(2) as usize).cloned().collect();
                let body = json!({
                    "to": other.id,
                    "give": { "items": give_items, "currency": [{ "currency": "gold", "amount": 1 + rng.below(40) }] },
                    "want": { "currency": [{ "currency": "gold", "amount": 1 + rng.below(20) }] },
                });
                call(Method::POST, "/v1/offers".into(), Some(body)).await;
            }
            75..=84 => {
                let (_, offers) = call(Method::GET, "/v1/offers".into(), None).await;
                let to_me = |o: &Value| o["to"] == player.id.as_str() && o["state"] == "open";
                if let Some(id) = pick(&mut rng, &offers["offers"], to_me) {
                    let verb = if rng.below(5) == 0 {
                        "decline"
                    } else {
                        "accept"
                    };
                    call(Method::POST, format!("/v1/offers/{id}/{verb}"), None).await;
                }
            }
            _ => {
                let recipe = RECIPES[rng.below(RECIPES.len() as u64) as usize];
                call(
                    Method::POST,
                    "/v1/crafts".into(),
                    Some(json!({ "recipe": recipe })),
                )
                .await;
            }
        }
    }
}

/// The ids of the owned, unlocked items of an inventory page.
fn free_items(inventory: &Value) -> Vec<String> {
    inventory["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter(|i| i["state"] == "owned")
                .filter_map(|i| i["item_id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The id of a random element of `list` that `keep` keeps.
fn pick(rng: &mut Rng, list: &Value, keep: impl Fn(&Value) -> bool) -> Option<String> {
    let kept: Vec<_> = list.as_array()?.iter().filter(|v| keep(v)).collect();
    if kept.is_empty() {
        return None;
    }
    let chosen = kept[rng.below(kept.len() as u64) as usize];
    chosen["id"].as_str().map(str::to_owned)
}
