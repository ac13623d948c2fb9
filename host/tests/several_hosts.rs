//! Several host processes on one PostgreSQL: each partition of a consumer
//! group and the outbox relay are owned by one process at a time, and when a
//! process dies its work moves to the others with no event lost or applied
//! twice (DESIGN.md invariant 5).
//!
//! The story runs real OS processes: it starts this test binary twice on
//! [`host_process`] (ignored when run alone), each one a host with an outbox
//! relay and a consumer owned by its own id, and kills one with SIGKILL
//! under load, on the embedded log and on Kafka (`IDEMPO_TEST_KAFKA`, as in
//! the bus suite). What happened is read from the database: the leases, and
//! the effects the consumers committed, one row per application of an event.
//! A second story pauses a host in-process, on a clock the test moves.

#[macro_use]
mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use common::db::{admin_url, postgres};
use common::kafka::{brokers, on_kafka};
use idempo_host::bus::catalog;
use idempo_host::bus::ownership::{Unit, unit_lease};
use idempo_host::bus::relay::{RELAY_LEASE, RELAY_LEASE_GAME};
use idempo_host::bus::{
    Bus, Consumer, EmbeddedBus, Event, Handler, HandlerError, OwnershipOptions, Relay, Schemas,
};
use idempo_host::config::{BusBackend, BusConfig, Config, StorageConfig};
use idempo_host::runtime::KvScope;
use idempo_host::store::{CommitBatch, KvWrite, OutboxEvent, PoolRef, Store, new_event_id};
use tokio::sync::Semaphore;

const GAME: &str = "default";
const GROUP: &str = "leaderboard";
const TOPIC: &str = "leaderboard-events";
/// The component scope of the consumers' effects.
const BOARD: &str = "board";
const PLAYERS: u32 = 200;
/// Events committed before the kill, and while it happens.
const EVENTS_BEFORE: u32 = 1_000;
const EVENTS_DURING: u32 = 2_000;
/// How many of the events of the second wave are in when a host is killed.
const KILL_AFTER: usize = 500;
/// The longest any wait of the story lasts.
const PATIENCE: Duration = Duration::from_secs(90);

/// What the story passes to a host process.
const ENV_DATABASE: &str = "IDEMPO_SEVERAL_HOSTS_DATABASE_URL";
const ENV_OWNER: &str = "IDEMPO_SEVERAL_HOSTS_OWNER";
/// Set when the hosts' bus is Kafka: the brokers, and the story's topic
/// prefix.
const ENV_KAFKA: &str = "IDEMPO_SEVERAL_HOSTS_KAFKA";
const ENV_KAFKA_PREFIX: &str = "IDEMPO_SEVERAL_HOSTS_KAFKA_PREFIX";
/// The test a host process runs.
const HOST_PROCESS: &str = "host_process";

fn bus_config() -> BusConfig {
    BusConfig {
        partitions_per_topic: 4,
        relay_poll_ms: 20,
        consumer_poll_ms: 50,
        consumer_max_batch: 64,
        ..BusConfig::default()
    }
}

/// Short leases, so a dead host's work moves within seconds.
fn ownership() -> OwnershipOptions {
    OwnershipOptions {
        lease_ttl_ms: 1_500,
        renew_every_ms: 300,
        max_members: 8,
    }
}

fn schemas() -> Schemas {
    Schemas::new(bus_config().max_payload_bytes).knows("PointsScored", 1)
}

fn board() -> KvScope {
    KvScope {
        game: GAME.into(),
        component: BOARD.into(),
    }
}

fn units() -> Vec<Unit> {
    (0..i32::try_from(bus_config().partitions_per_topic).expect("few partitions"))
        .map(|partition| Unit {
            topic: TOPIC.into(),
            partition,
        })
        .collect()
}

fn now_ms() -> i64 {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970");
    i64::try_from(since.as_millis()).expect("in range")
}

// ------------------------------------------------------- the host process

/// The consumer of the story: records each application of an event as a
/// row of its own (`applied/<event id>/<application id>` = host), so an
/// event applied twice shows two rows, and checks each player's events
/// arrive in the order they were committed (`disorder/<event id>` if not).
struct Counter {
    store: Store,
    owner: String,
    /// Set in the paused-host story: where this host stops.
    pause: Option<Arc<Pause>>,
}

/// A host that stops for good while applying its first event, after its
/// handler decided and before the commit, until `resume`.
struct Pause {
    entered: Semaphore,
    resume: Semaphore,
    used: AtomicBool,
}

impl Pause {
    fn new() -> Arc<Self> {
        Arc::new(Self {
            entered: Semaphore::new(0),
            resume: Semaphore::new(0),
            used: AtomicBool::new(false),
        })
    }
}

#[async_trait]
impl Handler for Counter {
    async fn handle(&self, event: &Event) -> Result<CommitBatch, HandlerError> {
        let player = event.payload["player"].as_str().unwrap_or("?");
        let seq = event.payload["seq"].as_i64().unwrap_or(-1);
        let last_key = format!("last/{player}");
        let last = self
            .store
            .kv_get(&board(), &last_key)
            .await
            .map_err(|e| HandlerError(e.to_string()))?
            .and_then(|v| String::from_utf8(v).ok())
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or(-1);
        let id = &event.envelope.event_id;
        let mut kv = vec![
            write(format!("applied/{id}/{}", new_event_id()), &self.owner),
            write(last_key, &seq.to_string()),
        ];
        if seq <= last {
            kv.push(write(
                format!("disorder/{id}"),
                &format!("{seq} after {last}"),
            ));
        }
        if let Some(pause) = &self.pause
            && !pause.used.swap(true, Ordering::SeqCst)
        {
            pause.entered.add_permits(1);
            let resumed = pause.resume.acquire().await;
            resumed.map_err(|e| HandlerError(e.to_string()))?.forget();
        }
        Ok(CommitBatch {
            kv,
            ..CommitBatch::default()
        })
    }
}

fn write(key: String, value: &str) -> KvWrite {
    KvWrite {
        scope: board(),
        key,
        value: Some(value.as_bytes().to_vec()),
    }
}

/// One host of the story, started by it as a process of its own: an outbox
/// relay and a consumer of `leaderboard`, both owned by `$OWNER`, until the
/// story kills it (or its parent is gone). Does nothing when run alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a host process of the several-hosts story, which starts it"]
async fn host_process() {
    let (Ok(url), Ok(owner)) = (std::env::var(ENV_DATABASE), std::env::var(ENV_OWNER)) else {
        return;
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter("info")
        .with_writer(std::io::stderr)
        .try_init();
    let config = StorageConfig {
        database_url: url,
        max_connections: 6,
        ..StorageConfig::default()
    };
    let store = Store::open(&config, Path::new("unused"))
        .await
        .expect("the host reaches the story's database");
    let bus_config = match (std::env::var(ENV_KAFKA), std::env::var(ENV_KAFKA_PREFIX)) {
        (Ok(brokers), Ok(prefix)) => {
            let mut config = on_kafka(bus_config(), &brokers);
            config.kafka.topic_prefix = prefix;
            config
        }
        _ => bus_config(),
    };
    let host = Config {
        bus: bus_config.clone(),
        ..Config::default()
    };
    let bus = idempo_host::bus::open(&host, store.clone()).expect("the host's bus opens");
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let relay = Relay::new(store.clone(), bus.clone(), &bus_config).owned_by(&owner, ownership());
    let relay = tokio::spawn(relay.run(stopped.clone()));
    let handler = Arc::new(Counter {
        store: store.clone(),
        owner: owner.clone(),
        pause: None,
    });
    let consumer = Consumer::new(
        bus,
        store,
        GAME,
        GROUP,
        &[TOPIC],
        schemas(),
        handler,
        &bus_config,
    )
    .owned_by(&owner, ownership());
    let consumer = tokio::spawn(consumer.run(stopped));
    eprintln!("host {owner} runs");
    // Until killed; an orphan (its story gone) stops by itself.
    let parent = std::os::unix::process::parent_id();
    let started = Instant::now();
    while std::os::unix::process::parent_id() == parent && started.elapsed() < 2 * PATIENCE {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let _ = stop.send(true);
    let _ = relay.await;
    let _ = consumer.await;
}

/// The host processes of the story, killed when it ends however it ends.
struct Hosts {
    /// What every host is told: its database, its bus.
    env: Vec<(&'static str, String)>,
    logs: tempfile::TempDir,
    running: BTreeMap<String, Child>,
}

impl Hosts {
    /// Hosts on the database at `url` and the bus `bus` describes.
    fn new(url: &str, bus: &BusConfig) -> Self {
        let mut env = vec![(ENV_DATABASE, url.to_owned())];
        if bus.backend == BusBackend::Kafka {
            env.push((ENV_KAFKA, bus.kafka.bootstrap_servers.clone()));
            env.push((ENV_KAFKA_PREFIX, bus.kafka.topic_prefix.clone()));
        }
        Self {
            env,
            logs: tempfile::tempdir().expect("a log directory"),
            running: BTreeMap::new(),
        }
    }

    fn log_of(&self, owner: &str) -> PathBuf {
        self.logs.path().join(format!("{owner}.log"))
    }

    /// Starts host `owner`.
    fn start(&mut self, owner: &str) {
        let log = std::fs::File::create(self.log_of(owner)).expect("a host log");
        let exe = std::env::current_exe().expect("the test binary");
        let child = Command::new(exe)
            .args(["--exact", HOST_PROCESS, "--ignored", "--nocapture"])
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .env(ENV_OWNER, owner)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("a host log"))
            .stderr(log)
            .spawn()
            .expect("a host process starts");
        self.running.insert(owner.to_owned(), child);
    }

    /// Kills host `owner` with SIGKILL: no clean stop, no lease given back.
    fn kill(&mut self, owner: &str) {
        let mut child = self.running.remove(owner).expect("a running host");
        child.kill().expect("SIGKILL");
        child.wait().expect("the killed host is reaped");
    }

    /// The end of every host's log, for a failure message.
    fn tails(&self) -> String {
        let mut out = String::new();
        for owner in ["host-a", "host-b"] {
            let text = std::fs::read_to_string(self.log_of(owner)).unwrap_or_default();
            let lines: Vec<&str> = text.lines().collect();
            let tail = lines[lines.len().saturating_sub(30)..].join("\n");
            let _ = write!(out, "\n--- {owner} (last lines)\n{tail}");
        }
        out
    }
}

impl Drop for Hosts {
    fn drop(&mut self) {
        for child in self.running.values_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

// ------------------------------------------------------------- the story

/// The story's database URL: the fixture's server, the fixture's database.
async fn database_url(store: &Store) -> String {
    let Some(PoolRef::Postgres(pool)) = store.pool_ref() else {
        panic!("the story runs on PostgreSQL");
    };
    let name: String = sqlx::query_scalar("SELECT current_database()")
        .fetch_one(pool)
        .await
        .expect("the database's name");
    let admin = admin_url();
    let (server, _) = admin.rsplit_once('/').expect("a URL with a database");
    format!("{server}/{name}")
}

/// Commits events to the outbox, 10 per commit, each player's numbered in
/// commit order; remembers every event's id.
struct Producer {
    store: Store,
    next: AtomicUsize,
    ids: parking_lot::Mutex<Vec<String>>,
}

impl Producer {
    fn new(store: &Store) -> Arc<Self> {
        Arc::new(Self {
            store: store.clone(),
            next: AtomicUsize::new(0),
            ids: parking_lot::Mutex::new(Vec::new()),
        })
    }

    async fn produce(&self, count: u32) {
        for _ in 0..count / 10 {
            let events: Vec<OutboxEvent> = (0..10)
                .map(|_| {
                    let n = self.next.fetch_add(1, Ordering::SeqCst);
                    let n = u32::try_from(n).expect("few events");
                    let player = format!("player-{}", n % PLAYERS);
                    OutboxEvent {
                        id: new_event_id(),
                        game: GAME.into(),
                        topic: TOPIC.into(),
                        key: player.clone(),
                        event_type: "PointsScored".into(),
                        schema_version: 1,
                        payload: serde_json::json!({
                            "player": player, "points": 1, "seq": n / PLAYERS,
                        })
                        .to_string(),
                        correlation_id: None,
                        traceparent: None,
                        created_at_ms: now_ms(),
                    }
                })
                .collect();
            let ids: Vec<String> = events.iter().map(|e| e.id.clone()).collect();
            self.store
                .commit(CommitBatch {
                    events,
                    ..CommitBatch::default()
                })
                .await
                .expect("a service commits its events");
            self.ids.lock().extend(ids);
        }
    }

    fn committed(&self) -> usize {
        self.ids.lock().len()
    }
}

/// Who holds each partition of the group now (live leases only), and with
/// which fence.
async fn partition_owners(store: &Store) -> BTreeMap<i32, (String, i64)> {
    let mut owners = BTreeMap::new();
    for unit in units() {
        let lease = store
            .lease_get(GAME, &unit_lease(GROUP, &unit))
            .await
            .expect("leases read");
        if let Some(lease) = lease.filter(|l| l.expires_at_ms > now_ms()) {
            owners.insert(unit.partition, (lease.owner, lease.fence));
        }
    }
    owners
}

fn count_by_owner(owners: &BTreeMap<i32, (String, i64)>) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for (owner, _) in owners.values() {
        *counts.entry(owner.clone()).or_default() += 1;
    }
    counts
}

async fn relay_owner(store: &Store) -> Option<String> {
    let lease = store
        .lease_get(RELAY_LEASE_GAME, RELAY_LEASE)
        .await
        .expect("leases read");
    lease
        .filter(|l| l.expires_at_ms > now_ms())
        .map(|l| l.owner)
}

/// Every effect row under `prefix` of the board.
async fn effects(store: &Store, prefix: &str) -> Vec<(String, String)> {
    let mut rows = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = store
            .kv_scan(&board(), prefix, after.as_deref(), 1_000)
            .await
            .expect("the board scans");
        let Some((last, _)) = page.last() else {
            return rows;
        };
        after = Some(last.clone());
        rows.extend(
            page.into_iter()
                .map(|(k, v)| (k, String::from_utf8_lossy(&v).into_owned())),
        );
    }
}

/// How many times each event was applied, and by which hosts.
struct Applied {
    times: BTreeMap<String, usize>,
    by_host: BTreeMap<String, usize>,
}

async fn applied(store: &Store) -> Applied {
    let mut times = BTreeMap::new();
    let mut by_host = BTreeMap::new();
    for (key, host) in effects(store, "applied/").await {
        let event = key.split('/').nth(1).unwrap_or_default().to_owned();
        *times.entry(event).or_default() += 1;
        *by_host.entry(host).or_default() += 1;
    }
    Applied { times, by_host }
}

/// Polls `done` until it holds, for at most [`PATIENCE`]; then fails with
/// `what`, the last observation and the hosts' logs.
async fn wait_until<F, Fut>(hosts: &Hosts, what: &str, mut done: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<(), String>>,
{
    let started = Instant::now();
    loop {
        let seen = match done().await {
            Ok(()) => return,
            Err(seen) => seen,
        };
        assert!(
            started.elapsed() < PATIENCE,
            "{what}: not after {PATIENCE:?}; last seen: {seen}{}",
            hosts.tails()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The story on each bus: the log in the database, and Kafka (offsets and
/// leases in the database either way).
mod on {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_embedded_log() {
        two_hosts_split_the_partitions_and_a_killed_ones_move_to_the_other_with_every_event_applied_once(
            bus_config(),
        )
        .await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn kafka() {
        two_hosts_split_the_partitions_and_a_killed_ones_move_to_the_other_with_every_event_applied_once(
            on_kafka(bus_config(), &brokers()),
        )
        .await;
    }
}

async fn two_hosts_split_the_partitions_and_a_killed_ones_move_to_the_other_with_every_event_applied_once(
    bus: BusConfig,
) {
    let fixture = postgres().await;
    let store = fixture.store.clone();
    let url = database_url(&store).await;
    let mut hosts = Hosts::new(&url, &bus);
    hosts.start("host-a");
    hosts.start("host-b");
    let producer = Producer::new(&store);

    // Both hosts run: the partitions split two and two; then both apply.
    wait_until(&hosts, "the hosts split the partitions 2/2", || async {
        let counts = count_by_owner(&partition_owners(&store).await);
        let split = counts.len() == 2 && counts.values().all(|n| *n == 2);
        if split {
            Ok(())
        } else {
            Err(format!("{counts:?}"))
        }
    })
    .await;
    producer.produce(EVENTS_BEFORE).await;
    let before = EVENTS_BEFORE as usize;
    wait_until(
        &hosts,
        "the first wave is applied by both hosts",
        || async {
            let seen = applied(&store).await;
            if seen.times.len() == before && seen.by_host.len() == 2 {
                Ok(())
            } else {
                Err(format!(
                    "{} applied, by {:?}",
                    seen.times.len(),
                    seen.by_host
                ))
            }
        },
    )
    .await;

    // Under load, the host that runs the relay is killed.
    let load = tokio::spawn({
        let producer = producer.clone();
        async move { producer.produce(EVENTS_DURING).await }
    });
    while producer.committed() < before + KILL_AFTER && !load.is_finished() {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let victim = relay_owner(&store).await.unwrap_or_else(|| "host-a".into());
    let survivor = if victim == "host-a" {
        "host-b"
    } else {
        "host-a"
    };
    let owned_before = partition_owners(&store).await;
    hosts.kill(&victim);
    let killed = Instant::now();
    load.await.expect("the load goes on");
    let total = producer.committed();
    assert_eq!(total, (EVENTS_BEFORE + EVENTS_DURING) as usize);

    // The survivor takes over every partition and the relay, and catches up.
    wait_until(
        &hosts,
        "the survivor owns every partition and the relay",
        || async {
            let owners = partition_owners(&store).await;
            let counts = count_by_owner(&owners);
            let relay = relay_owner(&store).await;
            if counts.get(survivor) == Some(&4) && relay.as_deref() == Some(survivor) {
                Ok(())
            } else {
                Err(format!("partitions {counts:?}, relay {relay:?}"))
            }
        },
    )
    .await;
    let took_over = killed.elapsed();
    wait_until(&hosts, "every event is applied", || async {
        let seen = applied(&store).await;
        if seen.times.len() == total {
            Ok(())
        } else {
            Err(format!("{} of {total} applied", seen.times.len()))
        }
    })
    .await;
    let caught_up = killed.elapsed();

    // Counted in the database: each committed event applied exactly once,
    // each player's events in the order they were committed.
    let seen = applied(&store).await;
    let expected: BTreeSet<String> = producer.ids.lock().iter().cloned().collect();
    let got: BTreeSet<String> = seen.times.keys().cloned().collect();
    assert_eq!(got, expected, "no event lost, none invented");
    let twice: Vec<(&String, &usize)> = seen.times.iter().filter(|(_, n)| **n != 1).collect();
    assert!(twice.is_empty(), "applied more than once: {twice:?}");
    assert!(
        seen.by_host.get(survivor).is_some_and(|n| *n > 0) && seen.by_host.contains_key(&victim),
        "both hosts did work: {:?}",
        seen.by_host
    );
    let disorder = effects(&store, "disorder/").await;
    assert!(disorder.is_empty(), "out of order: {disorder:?}");
    let dead = catalog::dlq_list(&store, GAME, 0, 10)
        .await
        .expect("the DLQ lists");
    assert!(dead.is_empty(), "nothing dead-lettered: {dead:?}");

    // The partitions the victim held moved: new tenures, higher fences.
    let owned_after = partition_owners(&store).await;
    for (partition, (owner, fence)) in &owned_before {
        if *owner == victim {
            let (now_owner, now_fence) = &owned_after[partition];
            assert_eq!(now_owner, survivor);
            assert!(now_fence > fence, "partition {partition}: a new tenure");
        }
    }
    eprintln!(
        "{total} events; applied by host: {:?}; {victim} killed holding {:?}; \
         the survivor held everything {took_over:?} after the kill, had applied \
         everything {caught_up:?} after it",
        seen.by_host, owned_before
    );
    hosts.kill(survivor);
}

/// A consumer of the paused-host story, as host `owner`, on `clock`.
fn paused_story_consumer(
    store: &Store,
    bus: &Arc<dyn Bus>,
    owner: &str,
    clock: &Arc<AtomicI64>,
    pause: Option<Arc<Pause>>,
) -> Consumer {
    let handler = Arc::new(Counter {
        store: store.clone(),
        owner: owner.into(),
        pause,
    });
    let clock = clock.clone();
    let options = OwnershipOptions {
        lease_ttl_ms: 3_000,
        renew_every_ms: 1_000,
        max_members: 8,
    };
    Consumer::new(
        bus.clone(),
        store.clone(),
        GAME,
        GROUP,
        &[TOPIC],
        schemas(),
        handler,
        &bus_config(),
    )
    .owned_by(owner, options)
    .with_clock(Arc::new(move || clock.load(Ordering::SeqCst)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_paused_past_its_lease_cannot_commit_into_the_partitions_it_lost() {
    let fixture = postgres().await;
    let store = fixture.store.clone();
    let bus: Arc<dyn Bus> = EmbeddedBus::new(store.clone(), &bus_config());
    let producer = Producer::new(&store);
    producer.produce(20).await;
    let relay = Relay::new(store.clone(), bus.clone(), &bus_config());
    while relay.relay_once(1_000).await.expect("relayed") > 0 {}

    // Host a, alone, owns every partition, and stops mid-event (a long GC
    // pause, a frozen VM) with its batch decided but not committed.
    let clock = Arc::new(AtomicI64::new(10_000));
    let pause = Pause::new();
    let mut a = paused_story_consumer(&store, &bus, "host-a", &clock, Some(pause.clone()));
    let paused = tokio::spawn(async move {
        let round = a.run_once().await;
        (a, round)
    });
    pause
        .entered
        .acquire()
        .await
        .expect("host a pauses")
        .forget();

    // Its leases run out. Host b takes every partition and starts on the
    // same event; host a wakes and commits first: refused, the partition is
    // b's now, so a's decision (made on what it read before) never lands.
    clock.store(20_000, Ordering::SeqCst);
    let b_pause = Pause::new();
    let mut b = paused_story_consumer(&store, &bus, "host-b", &clock, Some(b_pause.clone()));
    let b_first = tokio::spawn(async move {
        let round = b.run_once().await;
        (b, round)
    });
    b_pause
        .entered
        .acquire()
        .await
        .expect("host b starts")
        .forget();
    pause.resume.add_permits(1);
    let (mut a, round) = paused.await.expect("host a's round ends");
    let round = round.expect("a lost lease ends a round quietly");
    assert_eq!((round.applied, round.dead), (0, 0), "host a wrote nothing");

    b_pause.resume.add_permits(1);
    let (mut b, round) = b_first.await.expect("host b's round ends");
    let mut applied_by_b = round.expect("host b's round").applied;
    for _ in 0..100 {
        let round = b.run_once().await.expect("host b's round");
        if round.read == 0 {
            break;
        }
        applied_by_b += round.applied;
    }
    assert_eq!(applied_by_b, 20, "host b applied every event");
    let next = a.run_once().await.expect("host a's next round");
    assert_eq!(next.read, 0, "host a reads no partition it lost");

    let seen = applied(&store).await;
    assert_eq!(seen.times.len(), 20);
    assert!(seen.times.values().all(|n| *n == 1), "{:?}", seen.times);
    assert_eq!(seen.by_host.keys().collect::<Vec<_>>(), ["host-b"]);
    for unit in units() {
        let (p, t) = (unit.partition, &unit.topic);
        let end = bus.end_offset(GAME, t, p).await.expect("end offset");
        let at = bus.next_offset(GAME, GROUP, t, p).await.expect("offset");
        assert_eq!(at, end, "partition {p}: host a moved no offset back");
    }
    let dead = bus.dlq_list(GAME, 0, 10).await.expect("the DLQ lists");
    assert!(dead.is_empty(), "nothing dead-lettered: {dead:?}");
}
