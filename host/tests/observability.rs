//! What an operator watches, over real HTTP: `/metrics` after a short game
//! (a match played to its rewards, a trade that completes, a trade whose
//! steps keep failing, an event the consumers dead-letter) passes
//! `promtool check metrics` and shows every figure the dashboards and
//! alerts read, moved; `/readyz` says when a host can serve its game and,
//! when not, which check fails; the real binary's JSON logs are one object
//! per line and carry the request's correlation id.
//!
//! The hosts run in-process ([`Services::start`], on the embedded
//! backend), the arena on the test's clock; counted metrics are
//! process-wide, so each story asserts that what it caused is there, not
//! exact totals.

#[macro_use]
mod common;

use std::collections::BTreeMap;
use std::io::Write as _;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::hosted::{self, Host, START_MS, seed};
use common::players::signed_in;
use common::process::{HostProcess, components_dir, free_port, host_command, wait_healthy};
use common::{GAME, load};
use idempo_host::config::{BreakerConfig, Config};
use idempo_host::runtime::{Runtime, RuntimeOptions, World};
use idempo_host::store::{CommitBatch, OutboxEvent, new_event_id};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

const PATIENCE: Duration = Duration::from_secs(20);

/// A second game, with components of its own.
const ARCADE: &str = "arcade";

// ----------------------------------------------------------------- hosts

fn config() -> Config {
    let mut config = Config::default();
    config.arena.min_players = 2;
    config.arena.max_players = 2;
    config.bus.relay_poll_ms = 10;
    config.bus.consumer_poll_ms = 10;
    config.bus.backoff_base_ms = 5;
    config.bus.backoff_max_ms = 20;
    config.gateway.rate_limit_per_second = 100_000.0;
    config.gateway.rate_limit_burst = 100_000;
    config.saga.answer_wait_ms = 5_000;
    config
}

/// A runtime with the default game's components: combat, rewards, the
/// tournament and, unless `market` is false, the market.
fn runtime(market: bool) -> Runtime {
    let rt = common::runtime();
    load(&rt, World::Combat, "classic", "1.0.0", "combat_classic");
    load(&rt, World::Rewards, "standard", "1.0.0", "rewards_standard");
    load(
        &rt,
        World::Tournament,
        "standard",
        "1.0.0",
        "tournament_standard",
    );
    if market {
        load(&rt, World::Market, "standard", "1.0.0", "market_standard");
    }
    rt
}

async fn host(runtime: Runtime) -> Host {
    hosted::host(config(), runtime).await
}

// ----------------------------------------------------------------- calls

async fn get_json(client: &Client, url: &str, token: &str) -> Value {
    let r = client.get(url).bearer_auth(token).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{url}");
    r.json().await.unwrap()
}

async fn post(
    client: &Client,
    url: &str,
    token: &str,
    key: &str,
    body: Value,
) -> (StatusCode, Value) {
    let r = client
        .post(url)
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// Polls `check` until it holds.
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + PATIENCE;
    while !check().await {
        assert!(Instant::now() < deadline, "{what} never happened");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Lists `item_id` for 40 gold; the listing's id.
async fn list(client: &Client, base: &str, token: &str, item_id: &str) -> String {
    let (status, body) = post(
        client,
        &format!("{base}/v1/market/listings"),
        token,
        &format!("list-{item_id}"),
        json!({ "item_id": item_id, "currency": "gold", "price": 40 }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["id"].as_str().expect("a listing id").to_owned()
}

// --------------------------------------------------------------- metrics

/// One sample of an exposition: name, labels, value.
#[derive(Debug, Clone)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

/// The samples of a text exposition (comments skipped).
fn parse(text: &str) -> Vec<Sample> {
    text.lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|line| {
            let (series, value) = line.rsplit_once(' ').expect("`series value`");
            let value = match value {
                "+Inf" => f64::INFINITY,
                "-Inf" => f64::NEG_INFINITY,
                v => v.parse().unwrap_or_else(|_| panic!("a number: {line}")),
            };
            let (name, labels) = match series.split_once('{') {
                None => (series.to_owned(), BTreeMap::new()),
                Some((name, rest)) => (name.to_owned(), parse_labels(rest)),
            };
            Sample {
                name,
                labels,
                value,
            }
        })
        .collect()
}

/// `k="v",k2="v2"}` (values escaped) -> the labels.
fn parse_labels(text: &str) -> BTreeMap<String, String> {
    let mut labels = BTreeMap::new();
    let mut chars = text.chars();
    loop {
        let key: String = chars.by_ref().take_while(|c| *c != '=').collect();
        if key.is_empty() || key == "}" {
            return labels;
        }
        assert_eq!(chars.next(), Some('"'), "a quoted value in {text}");
        let mut value = String::new();
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some('n') => value.push('\n'),
                    Some(other) => value.push(other),
                    None => break,
                },
                '"' => break,
                c => value.push(c),
            }
        }
        labels.insert(key.trim_start_matches(',').to_owned(), value);
        // Past the `,` or `}`.
        if chars.next() != Some(',') {
            return labels;
        }
    }
}

/// The sum of `name`'s samples whose labels include `with`.
fn total(samples: &[Sample], name: &str, with: &[(&str, &str)]) -> Option<f64> {
    let matching: Vec<f64> = samples
        .iter()
        .filter(|s| s.name == name)
        .filter(|s| {
            with.iter()
                .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
        })
        .map(|s| s.value)
        .collect();
    (!matching.is_empty()).then(|| matching.iter().sum())
}

/// Asserts `name{with}` is served and above 0.
fn moved(samples: &[Sample], name: &str, with: &[(&str, &str)]) {
    let value = total(samples, name, with)
        .unwrap_or_else(|| panic!("no series {name}{with:?} in /metrics"));
    assert!(value > 0.0, "{name}{with:?} has not moved: {value}");
}

async fn scrape(client: &Client, base: &str) -> String {
    let r = client.get(format!("{base}/metrics")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let kind = r.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(kind.starts_with("text/plain; version=0.0.4"), "{kind}");
    r.text().await.unwrap()
}

/// `promtool check metrics` on `text`: fails the test with what it says.
fn promtool_accepts(text: &str) {
    let child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = child.unwrap_or_else(|e| {
        panic!(
            "promtool is needed to check /metrics and could not run ({e}); \
             `./dev test` installs it (apt-get install prometheus)"
        )
    });
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(text.as_bytes())
        .expect("the exposition written to promtool");
    let out = child.wait_with_output().expect("promtool ends");
    assert!(
        out.status.success(),
        "promtool check metrics refused /metrics:\n{}{}\n--- exposition ---\n{text}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
}

// ---------------------------------------------------------------- stories

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn after_a_game_and_trades_metrics_pass_promtool_and_every_watched_figure_moved() {
    let host = host(runtime(true)).await;
    let (client, base) = (Client::new(), host.base.clone());

    // A match: two players, a few actions (one refused by the rules, one
    // retried), the minutes pass, the rewards are paid.
    let ann = signed_in(&client, &base, "ann").await;
    let bob = signed_in(&client, &base, "bob").await;
    let lobby = format!("{base}/v1/lobby");
    let first = client
        .post(&lobby)
        .bearer_auth(&ann.0)
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), StatusCode::ACCEPTED);
    let second = client
        .post(&lobby)
        .bearer_auth(&bob.0)
        .send()
        .await
        .unwrap();
    assert_eq!(second.status(), StatusCode::CREATED);
    let match_id = second.json::<Value>().await.unwrap()["match_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let actions = format!("{base}/v1/matches/{match_id}/actions");
    let defend = json!({ "action": { "type": "defend" } });
    let (status, body) = post(&client, &actions, &ann.0, "ann-1", defend.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = post(&client, &actions, &ann.0, "ann-1", defend).await;
    assert_eq!(
        (status, body["replayed"].clone()),
        (StatusCode::OK, json!(true))
    );
    let dash = json!({ "action": { "type": "special", "ability": "dash" } });
    let (status, body) = post(&client, &actions, &ann.0, "ann-dash", dash).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, body) = post(
        &client,
        &actions,
        &bob.0,
        "bob-1",
        json!({ "action": { "type": "defend" } }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    host.clock.advance(181_000);
    let wallet = format!("{base}/v1/players/me/wallet");
    eventually("the match's rewards", || async {
        let w = get_json(&client, &wallet, &ann.0).await;
        w["balances"].as_array().is_some_and(|b| !b.is_empty())
    })
    .await;

    // A trade that completes.
    let (seller, buyer) = (&ann, &bob);
    seed(
        &host.store,
        &seller.1,
        0,
        &[("sword-1", "iron-sword"), ("gem-1", "crystal")],
    )
    .await;
    seed(&host.store, &buyer.1, 200, &[]).await;
    let listing = list(&client, &base, &seller.0, "sword-1").await;
    let trades = format!("{base}/v1/trades");
    let (status, trade) = post(
        &client,
        &trades,
        &buyer.0,
        "buy-1",
        json!({ "listing_id": listing }),
    )
    .await;
    assert_eq!(
        (status, trade["state"].clone()),
        (StatusCode::OK, json!("COMPLETED")),
        "{trade}"
    );

    // A trade on a host whose saga steps all fail (injected): retried,
    // then failed with nothing done.
    let mut faulty = config();
    faulty.saga.faults.fail_rate = 1.0;
    let rt = common::runtime();
    load(&rt, World::Market, "standard", "1.0.0", "market_standard");
    let other = common::serve_store(faulty, rt, host.store.clone(), None).await;
    let listing = list(&client, &base, &seller.0, "gem-1").await;
    let (status, trade) = post(
        &client,
        &format!("{}/v1/trades", other.base),
        &buyer.0,
        "buy-2",
        json!({ "listing_id": listing }),
    )
    .await;
    assert_eq!(
        (status, trade["state"].clone()),
        (StatusCode::OK, json!("FAILED")),
        "{trade}"
    );

    // A `MatchFinished` the rewards cannot read: retried, then sent to the
    // dead-letter queue.
    host.store
        .commit(CommitBatch {
            events: vec![OutboxEvent {
                id: new_event_id(),
                game: GAME.into(),
                topic: "match-events".into(),
                key: "m-broken".into(),
                event_type: "MatchFinished".into(),
                schema_version: 1,
                payload: json!({ "match_id": "m-broken", "placings": "none" }).to_string(),
                correlation_id: None,
                traceparent: None,
                created_at_ms: START_MS,
            }],
            ..CommitBatch::default()
        })
        .await
        .expect("the broken event is committed");
    let dlq = [("topic", "match-events"), ("group", "rewards")];
    eventually("the broken event's dead letter", || async {
        let samples = parse(&scrape(&client, &base).await);
        total(&samples, "dlq_message_count_total", &dlq).is_some_and(|n| n > 0.0)
    })
    .await;

    // A page no route serves.
    let missing = client
        .get(format!("{base}/no-such-page"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);

    // The scrape: valid, and every watched figure is there and moved.
    let text = scrape(&client, &base).await;
    promtool_accepts(&text);
    let samples = parse(&text);
    moved(
        &samples,
        "http_request_duration_seconds_count",
        &[
            ("route", "/v1/matches/{match_id}/actions"),
            ("method", "POST"),
            ("status", "200"),
        ],
    );
    moved(
        &samples,
        "http_request_duration_seconds_count",
        &[("route", "/v1/trades"), ("method", "POST")],
    );
    moved(
        &samples,
        "http_request_duration_seconds_count",
        &[("route", "unmatched"), ("status", "404")],
    );
    assert!(
        samples
            .iter()
            .filter_map(|s| s.labels.get("route"))
            .all(|route| !route.contains(&match_id) && route != "/no-such-page"),
        "routes are templates, never raw paths"
    );
    for group in ["rewards", "leaderboard"] {
        let lag = [("topic", "match-events"), ("group", group)];
        assert!(
            total(&samples, "kafka_consumer_lag", &lag).is_some(),
            "{group}'s lag is served"
        );
    }
    for breaker in [
        "saga:wallet",
        "saga:inventory",
        "saga:market",
        "component:combat/classic@1.0.0",
        "component:market/standard@1.0.0",
    ] {
        let state = total(&samples, "circuit_breaker_state", &[("breaker", breaker)]);
        assert_eq!(state, Some(0.0), "{breaker} is served, closed");
    }
    moved(
        &samples,
        "saga_duration_seconds_count",
        &[("outcome", "completed")],
    );
    moved(
        &samples,
        "saga_duration_seconds_count",
        &[("outcome", "failed")],
    );
    moved(&samples, "dlq_message_count_total", &dlq);
    moved(
        &samples,
        "retry_count_total",
        &[("target", "consumer:rewards")],
    );
    let saga_retries: f64 = ["wallet", "inventory", "market"]
        .iter()
        .filter_map(|t| total(&samples, "retry_count_total", &[("target", t)]))
        .sum();
    assert!(saga_retries > 0.0, "the failing trade's steps were retried");
    for outcome in ["accepted", "rejected", "replayed"] {
        moved(&samples, "idempo_actions_total", &[("outcome", outcome)]);
    }
    assert!(total(&samples, "idempo_matches_active", &[]).is_some());
    let combat = [
        ("world", "combat"),
        ("component", "classic"),
        ("version", "1.0.0"),
    ];
    moved(&samples, "idempo_component_calls_total", &combat);
    moved(&samples, "idempo_component_fuel_used_total", &combat);
    moved(
        &samples,
        "idempo_component_call_duration_seconds_count",
        &combat,
    );
    assert_eq!(
        total(&samples, "idempo_component_active_version", &combat),
        Some(1.0)
    );
    moved(
        &samples,
        "idempo_component_calls_total",
        &[("world", "rewards"), ("component", "standard")],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_whose_database_bus_and_components_answer_is_ready() {
    let host = host(runtime(true)).await;
    let r = Client::new()
        .get(format!("{}/readyz", host.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["status"], "ready", "{body}");
    for check in ["database", "bus", "components"] {
        assert_eq!(body["checks"][check]["status"], "ok", "{check}: {body}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_without_a_market_component_is_not_ready_and_names_the_check() {
    let host = host(runtime(false)).await;
    let client = Client::new();
    let r = client
        .get(format!("{}/readyz", host.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["status"], "not_ready", "{body}");
    assert_eq!(body["failing"], json!(["components"]), "{body}");
    let error = body["checks"]["components"]["error"]
        .as_str()
        .unwrap_or_default();
    assert!(error.contains("market"), "{body}");
    assert_eq!(body["checks"]["database"]["status"], "ok", "{body}");
    // Alive all the same.
    let live = client
        .get(format!("{}/healthz", host.base))
        .send()
        .await
        .unwrap();
    assert_eq!(live.status(), StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_logs_json_lines_that_carry_the_correlation_id() {
    let dir = tempfile::tempdir().expect("temp dir");
    let port = free_port();
    let stdout = dir.path().join("stdout.log");
    let stderr = dir.path().join("stderr.log");
    assert!(
        components_dir().join("market").is_dir(),
        "components staged"
    );
    let child = host_command(dir.path(), port, "")
        .args(["--log-format", "json"])
        .env("RUST_LOG", "info,wasmtime=warn,cranelift=warn")
        .stdout(std::fs::File::create(&stdout).expect("stdout file"))
        .stderr(std::fs::File::create(&stderr).expect("stderr file"))
        .spawn()
        .expect("the host starts");
    let mut process = HostProcess::from(child);
    let client = Client::new();
    let base = format!("http://127.0.0.1:{port}");
    wait_healthy(&client, &base, Duration::from_secs(20)).await;

    let registered = client
        .post(format!("{base}/v1/players"))
        .header("X-Correlation-Id", "obs-123")
        .json(&json!({ "name": "olga", "password": common::players::PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(registered.status(), StatusCode::CREATED);
    assert_eq!(registered.headers()["x-correlation-id"], "obs-123");
    let r = client.get(format!("{base}/readyz")).send().await.unwrap();
    assert_eq!(
        r.status(),
        StatusCode::OK,
        "the staged components are all there"
    );
    // The line is written before the answer; give the writer a moment.
    tokio::time::sleep(Duration::from_millis(200)).await;
    process.kill();

    let mut lines = Vec::new();
    for path in [&stdout, &stderr] {
        let text = std::fs::read_to_string(path).expect("log file");
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let value: Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"));
            lines.push(value);
        }
    }
    assert!(
        lines.iter().any(|l| l["message"] == "listening"),
        "the start is logged: {lines:?}"
    );
    let registered = lines
        .iter()
        .find(|l| l["span"]["correlation_id"] == "obs-123")
        .unwrap_or_else(|| panic!("no line carries obs-123: {lines:?}"));
    assert_eq!(registered["message"], "player registered");
    assert_eq!(registered["level"], "INFO");
    assert!(registered["player_id"].is_string(), "{registered}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_game_the_host_runs_is_served_and_a_cooled_down_breaker_reads_half_open() {
    // The default game, and an arcade whose combat an operator uploaded;
    // breakers that open at the first failure and cool down in 1.5 s.
    let rt = Runtime::new(RuntimeOptions {
        breaker: BreakerConfig {
            failure_threshold: 1,
            open_ms: 1_500,
            half_open_successes: 1,
        },
        ..RuntimeOptions::default()
    })
    .expect("runtime starts");
    load(&rt, World::Combat, "classic", "1.0.0", "combat_classic");
    load(&rt, World::Rewards, "standard", "1.0.0", "rewards_standard");
    load(&rt, World::Market, "standard", "1.0.0", "market_standard");
    rt.load(
        ARCADE,
        World::Combat,
        "classic",
        common::v("1.0.0"),
        &common::wasm("combat_classic"),
        false,
    )
    .expect("the arcade's combat loads");
    let combat = rt
        .active(GAME, World::Combat, "classic")
        .expect("the default game's combat");
    let host = host(rt).await;
    let (client, base) = (Client::new(), host.base.clone());

    // A match of the arcade ends; no consumer of this host applies the
    // arcade's events, so its groups fall one behind.
    host.store
        .commit(CommitBatch {
            events: vec![OutboxEvent {
                id: new_event_id(),
                game: ARCADE.into(),
                topic: "match-events".into(),
                key: "m-arcade".into(),
                event_type: "MatchFinished".into(),
                schema_version: 1,
                payload: json!({ "match_id": "m-arcade", "placings": [] }).to_string(),
                correlation_id: None,
                traceparent: None,
                created_at_ms: START_MS,
            }],
            ..CommitBatch::default()
        })
        .await
        .expect("the arcade's event is committed");
    for group in ["rewards", "leaderboard"] {
        let lag = [
            ("topic", "match-events"),
            ("group", group),
            ("game", ARCADE),
        ];
        eventually("the arcade's lag", || async {
            let samples = parse(&scrape(&client, &base).await);
            total(&samples, "kafka_consumer_lag", &lag) == Some(1.0)
        })
        .await;
    }
    let text = scrape(&client, &base).await;
    promtool_accepts(&text);
    let samples = parse(&text);
    for group in ["rewards", "leaderboard"] {
        let lag = [("topic", "match-events"), ("group", group), ("game", GAME)];
        assert!(
            total(&samples, "kafka_consumer_lag", &lag).is_some(),
            "{group}"
        );
    }
    for game in [GAME, ARCADE] {
        let combat = [
            ("world", "combat"),
            ("component", "classic"),
            ("game", game),
        ];
        assert_eq!(
            total(&samples, "idempo_component_active_version", &combat),
            Some(1.0),
            "{game}'s combat is served"
        );
        let breaker = [
            ("breaker", "component:combat/classic@1.0.0"),
            ("game", game),
        ];
        assert_eq!(
            total(&samples, "circuit_breaker_state", &breaker),
            Some(0.0),
            "{game}'s combat breaker is served, closed"
        );
    }

    // The default game's combat fails once: its breaker opens, and reads
    // open; once the cool-down has passed it reads half-open, with no call
    // made since (the next call would be the probe).
    let now = Instant::now();
    let permit = combat.breaker.admit(now).expect("a closed breaker admits");
    combat.breaker.record(permit, now, Some("trap"));
    let breaker = [
        ("breaker", "component:combat/classic@1.0.0"),
        ("game", GAME),
    ];
    let calls = [
        ("world", "combat"),
        ("component", "classic"),
        ("game", GAME),
    ];
    let samples = parse(&scrape(&client, &base).await);
    assert_eq!(
        total(&samples, "circuit_breaker_state", &breaker),
        Some(2.0)
    );
    let calls_before = total(&samples, "idempo_component_calls_total", &calls);
    eventually("the breaker's half-open reading", || async {
        let samples = parse(&scrape(&client, &base).await);
        total(&samples, "circuit_breaker_state", &breaker) == Some(1.0)
    })
    .await;
    assert!(
        now.elapsed() >= Duration::from_millis(1_500),
        "not before the cool-down"
    );
    let samples = parse(&scrape(&client, &base).await);
    assert_eq!(
        total(&samples, "idempo_component_calls_total", &calls),
        calls_before,
        "no call probed it"
    );
    let listed = get_json(
        &client,
        &format!("{base}/admin/v1/games/{GAME}/breakers"),
        "dev-operator-token",
    )
    .await;
    assert!(
        listed.to_string().contains("half_open"),
        "the admin API reads it the same: {listed}"
    );
}
