//! The event pipeline end to end: a service commits events into the outbox,
//! the running [`Relay`] publishes them, a running idempotent [`Consumer`]
//! applies each (one small key-value write with its processed-event record)
//! and moves the group's offset. On every bus: the embedded log on SQLite
//! and on PostgreSQL, and Kafka on the broker of `IDEMPO_TEST_KAFKA`
//! (offsets in PostgreSQL; skipped, with a note, when the variable is
//! unset).
//!
//! - `pipeline_throughput/<bus>` (criterion): events per second, from the
//!   first commit of `THROUGHPUT_EVENTS` events (in outbox batches of
//!   `COMMIT_BATCH_EVENTS`) until the consumer acknowledged the last; then
//!   where a consumed event's time went, printed per bus;
//! - latency (a plain loop, printed after criterion's groups): events
//!   committed one per commit at each of `LATENCY_RATES_PER_S` for
//!   `LATENCY_RUN_S`, with p50 / p99 / max of publish-to-consume (the
//!   service's commit call until the handler is called) and consume-to-ack
//!   (the handler is called until the consumer committed the handler's
//!   batch with the processed record, then moved the group's offset).
//!
//! ```text
//! IDEMPO_TEST_KAFKA=127.0.0.1:19092 cargo bench -p idempo-host --bench pipeline
//! ... --bench pipeline -- throughput    # only the criterion groups
//! ... --bench pipeline -- latency       # only the latency report
//! ```
//!
//! Fixtures (databases, topics, the running relay and consumer, one event
//! through them) are set up outside the timed part. The pipeline is tuned
//! by [`bus_config`] and [`group_commit`]: existing configuration knobs
//! only.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use criterion::{Criterion, SamplingMode, Throughput};
use idempo_host::bus::{
    Bus, BusError, Consumer, DeadLetter, EmbeddedBus, Envelope, Event, Handler, HandlerError,
    KafkaBus, NewDeadLetter, Position, Record, Relay, Schemas,
};
use idempo_host::config::{BusConfig, GroupCommitConfig, KafkaConfig};
use idempo_host::runtime::KvScope;
use idempo_host::store::{CommitBatch, KvWrite, OutboxEvent, Store, new_event_id};
use parking_lot::Mutex;
use tokio::sync::watch;

#[path = "../tests/common/mod.rs"]
mod common;

const GAME: &str = "default";
const TOPIC: &str = "leaderboard-events";
const EVENT_TYPE: &str = "PointsScored";
const GROUP: &str = "leaderboard";

/// Events committed per measured iteration of the throughput groups.
const THROUGHPUT_EVENTS: u32 = 2_000;
/// Events per outbox commit (one `CommitBatch`) in the throughput groups.
const COMMIT_BATCH_EVENTS: u32 = 100;
/// Players the events' keys spread over (so over every partition).
const PLAYERS: u32 = 1_000;
/// Events per second committed in the latency runs, one per commit: one
/// rate every bus keeps up with, and the issue's example rate.
const LATENCY_RATES_PER_S: [u32; 2] = [200, 500];
/// Seconds each latency run commits for.
const LATENCY_RUN_S: u32 = 4;
/// Longest wait for the pipeline to drain what was committed.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(300);

/// The bus's tuning, through its configuration only.
fn bus_config() -> BusConfig {
    let defaults = BusConfig::default();
    BusConfig {
        partitions_per_topic: 4,
        // The relay is not woken by a commit: it polls an empty outbox, so
        // its poll is the floor of publish-to-consume latency.
        relay_poll_ms: 2,
        relay_max_batch: 1_000,
        consumer_max_batch: 500,
        kafka: KafkaConfig {
            linger_ms: 1,
            fetch_wait_ms: 5,
            ..defaults.kafka.clone()
        },
        ..defaults
    }
}

/// The group committer's tuning: the consumer commits one event at a time
/// and waits for it, so a group never fills while it waits; no added wait.
fn group_commit() -> GroupCommitConfig {
    GroupCommitConfig {
        max_wait_ms: 0,
        ..GroupCommitConfig::default()
    }
}

// ------------------------------------------------------------------ clocks

/// Microseconds since the bench started, on the monotonic clock.
fn now_us() -> u64 {
    static START: OnceLock<Instant> = OnceLock::new();
    let start = *START.get_or_init(Instant::now);
    u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX)
}

// ------------------------------------------------------------------- probe

/// What the handler and the bus see of each event: when it was consumed,
/// when it was acknowledged, and the latencies of the run.
#[derive(Default)]
struct Probe {
    /// When the handler was called, by the record's partition and offset.
    consumed_at_us: Mutex<HashMap<(i32, i64), u64>>,
    samples: Mutex<Samples>,
    /// Records whose offset the consumer committed.
    acked: watch::Sender<u64>,
    /// When the last one was (the consumer applies one event at a time).
    last_acked_at_us: Mutex<Option<u64>>,
}

/// Latencies of one run, in microseconds.
#[derive(Default)]
struct Samples {
    /// The service's commit call until the handler is called.
    publish_to_consume: Vec<u64>,
    /// The handler is called until the group's offset moved past the event.
    consume_to_ack: Vec<u64>,
    /// Of which: the handler's batch and the processed record committed.
    batch_commit: Vec<u64>,
    /// Of which: the group's offset moved.
    offset_move: Vec<u64>,
    /// The previous event acknowledged until the handler is called: the
    /// consumer's dedupe read and schema check, and its fetch at the start
    /// of a round (counted only while the consumer is busy).
    before_handler: Vec<u64>,
}

impl Probe {
    fn consumed(&self, position: &Position, committed_at_us: Option<u64>) {
        let now = now_us();
        self.consumed_at_us
            .lock()
            .insert((position.partition, position.offset), now);
        let last_acked = self.last_acked_at_us.lock().take();
        let mut samples = self.samples.lock();
        if let Some(committed) = committed_at_us {
            samples
                .publish_to_consume
                .push(now.saturating_sub(committed));
        }
        if let Some(acked) = last_acked {
            samples.before_handler.push(now.saturating_sub(acked));
        }
    }

    /// The group's offset in `partition` moved from `from` to `next`, a move
    /// that began at `moving_since_us`: the records in between are
    /// acknowledged (one, or a batchable handler's whole run).
    fn acked(&self, partition: i32, from: i64, next: i64, moving_since_us: u64) {
        let now = now_us();
        let mut acked = 0;
        for offset in from..next {
            let consumed = self.consumed_at_us.lock().remove(&(partition, offset));
            if let Some(consumed) = consumed {
                acked += 1;
                let mut samples = self.samples.lock();
                samples.consume_to_ack.push(now.saturating_sub(consumed));
                samples
                    .batch_commit
                    .push(moving_since_us.saturating_sub(consumed));
                samples
                    .offset_move
                    .push(now.saturating_sub(moving_since_us));
            }
        }
        *self.last_acked_at_us.lock() = Some(now);
        self.acked.send_modify(|n| *n += acked);
    }

    /// The run's samples; the next run starts afresh.
    fn take_samples(&self) -> Samples {
        self.last_acked_at_us.lock().take();
        std::mem::take(&mut *self.samples.lock())
    }
}

/// The bus under test, seen through the [`Probe`]: the consumer moves the
/// group's offset past a record right after the record's handler batch
/// committed, so that move is the record's acknowledgement. Every method is
/// the inner bus's.
struct Probed {
    inner: Arc<dyn Bus>,
    probe: Arc<Probe>,
}

#[async_trait]
impl Bus for Probed {
    fn partitions(&self) -> u32 {
        self.inner.partitions()
    }

    fn catalog(&self) -> &Store {
        self.inner.catalog()
    }

    async fn publish(&self, events: &[Envelope], now_ms: i64) -> Result<Vec<Position>, BusError> {
        self.inner.publish(events, now_ms).await
    }

    async fn relay(
        &self,
        outbox: &Store,
        events: &[Envelope],
        ids: &[String],
        now_ms: i64,
    ) -> Result<Vec<Position>, BusError> {
        self.inner.relay(outbox, events, ids, now_ms).await
    }

    async fn fetch(
        &self,
        game: &str,
        group: &str,
        topic: &str,
        partition: i32,
        max: u32,
    ) -> Result<Vec<Record>, BusError> {
        self.inner.fetch(game, group, topic, partition, max).await
    }

    async fn next_offset(
        &self,
        game: &str,
        group: &str,
        topic: &str,
        partition: i32,
    ) -> Result<i64, BusError> {
        self.inner.next_offset(game, group, topic, partition).await
    }

    async fn end_offset(&self, game: &str, topic: &str, partition: i32) -> Result<i64, BusError> {
        self.inner.end_offset(game, topic, partition).await
    }

    async fn commit_offset(
        &self,
        game: &str,
        group: &str,
        position: &Position,
        now_ms: i64,
    ) -> Result<(), BusError> {
        let since = now_us();
        self.inner
            .commit_offset(game, group, position, now_ms)
            .await?;
        self.probe.acked(
            position.partition,
            position.offset - 1,
            position.offset,
            since,
        );
        Ok(())
    }

    async fn advance_offset(
        &self,
        game: &str,
        group: &str,
        from: &Position,
        next: i64,
        now_ms: i64,
    ) -> Result<bool, BusError> {
        let since = now_us();
        let moved = self
            .inner
            .advance_offset(game, group, from, next, now_ms)
            .await?;
        if moved {
            self.probe.acked(from.partition, from.offset, next, since);
        }
        Ok(moved)
    }

    async fn reset_to_time(
        &self,
        game: &str,
        group: &str,
        topic: &str,
        at_ms: i64,
        now_ms: i64,
    ) -> Result<(), BusError> {
        self.inner
            .reset_to_time(game, group, topic, at_ms, now_ms)
            .await
    }

    async fn dead_letter(&self, letter: &NewDeadLetter) -> Result<i64, BusError> {
        self.inner.dead_letter(letter).await
    }

    async fn dlq_list(
        &self,
        game: &str,
        after: i64,
        limit: u32,
    ) -> Result<Vec<DeadLetter>, BusError> {
        self.inner.dlq_list(game, after, limit).await
    }

    async fn dlq_get(&self, id: i64) -> Result<Option<DeadLetter>, BusError> {
        self.inner.dlq_get(id).await
    }

    async fn dlq_replay(&self, id: i64, now_ms: i64) -> Result<Position, BusError> {
        self.inner.dlq_replay(id, now_ms).await
    }

    async fn purge_before(&self, before_ms: i64, limit: u32) -> Result<u64, BusError> {
        self.inner.purge_before(before_ms, limit).await
    }

    fn appended(&self) -> idempo_host::bus::AppendWatch {
        self.inner.appended()
    }
}

// ----------------------------------------------------------------- handler

/// A leaderboard read model: the last points of each player, one key-value
/// write per event.
struct LastScore {
    probe: Arc<Probe>,
}

fn scope() -> KvScope {
    KvScope {
        game: GAME.into(),
        component: "bench-board".into(),
    }
}

#[async_trait]
impl Handler for LastScore {
    async fn handle(&self, event: &Event) -> Result<CommitBatch, HandlerError> {
        self.probe
            .consumed(&event.position, event.payload["committed_us"].as_u64());
        let player = event.payload["player"]
            .as_str()
            .ok_or_else(|| HandlerError("no player".into()))?;
        Ok(CommitBatch {
            kv: vec![KvWrite {
                scope: scope(),
                key: format!("last/{player}"),
                value: Some(event.payload["points"].to_string().into_bytes()),
            }],
            ..CommitBatch::default()
        })
    }

    /// It writes one key per event and reads nothing.
    fn batchable(&self) -> bool {
        true
    }
}

/// The `n`th event of a run; `committed_us` when the latency run stamps it.
fn scored(n: u32, committed_us: Option<u64>) -> OutboxEvent {
    let player = format!("p{}", n % PLAYERS);
    let mut payload = serde_json::json!({ "player": player, "points": n % 100 });
    if let Some(at) = committed_us {
        payload["committed_us"] = at.into();
    }
    OutboxEvent {
        id: new_event_id(),
        game: GAME.into(),
        topic: TOPIC.into(),
        key: player,
        event_type: EVENT_TYPE.into(),
        schema_version: 1,
        payload: payload.to_string(),
        correlation_id: None,
        traceparent: None,
        created_at_ms: 0,
    }
}

// ---------------------------------------------------------------- pipeline

/// The buses measured.
enum Kind {
    Sqlite,
    Postgres,
    /// On the broker at this address, offsets in PostgreSQL.
    Kafka(String),
}

impl Kind {
    fn name(&self) -> &'static str {
        match self {
            Kind::Sqlite => "embedded_sqlite",
            Kind::Postgres => "embedded_postgres",
            Kind::Kafka(_) => "kafka",
        }
    }
}

fn kinds() -> Vec<Kind> {
    let mut kinds = vec![Kind::Sqlite, Kind::Postgres];
    match std::env::var("IDEMPO_TEST_KAFKA") {
        Ok(brokers) if !brokers.is_empty() => kinds.push(Kind::Kafka(brokers)),
        _ => eprintln!(
            "note: IDEMPO_TEST_KAFKA is unset, the Kafka bus is skipped \
             (start a broker with `infra/kafka/broker start 19092` and set \
             IDEMPO_TEST_KAFKA=127.0.0.1:19092)"
        ),
    }
    kinds
}

/// A store and bus with a relay and a consumer running on them.
struct Pipeline {
    store: Store,
    probe: Arc<Probe>,
    stop: watch::Sender<bool>,
    runners: Vec<tokio::task::JoinHandle<()>>,
    /// Applied events so far (what the next wait adds to).
    expected: u64,
    _fixture: common::db::Fixture,
}

impl Pipeline {
    /// Starts the runners and waits until one event went through, so topics
    /// exist and readers are assigned before anything is timed.
    async fn start(kind: &Kind) -> Self {
        let fixture = match kind {
            Kind::Sqlite => common::db::sqlite().await,
            Kind::Postgres | Kind::Kafka(_) => common::db::postgres().await,
        };
        // The fixture's database with the bench's group commit.
        let store = Store::with_backend(fixture.store.backend().clone(), &group_commit());
        let config = bus_config();
        let inner: Arc<dyn Bus> = match kind {
            // As the host opens it (`bus::open`).
            Kind::Sqlite | Kind::Postgres => EmbeddedBus::for_host(store.clone(), &config),
            Kind::Kafka(brokers) => {
                let config = common::kafka::on_kafka(config.clone(), brokers);
                KafkaBus::connect(store.clone(), &config).expect("a Kafka bus")
            }
        };
        let probe = Arc::new(Probe::default());
        let bus: Arc<dyn Bus> = Arc::new(Probed {
            inner,
            probe: probe.clone(),
        });
        let (stop, stopped) = watch::channel(false);
        let relay = Relay::new(store.clone(), bus.clone(), &config);
        let consumer = Consumer::new(
            bus,
            store.clone(),
            GAME,
            GROUP,
            &[TOPIC],
            Schemas::new(config.max_payload_bytes).knows(EVENT_TYPE, 1),
            Arc::new(LastScore {
                probe: probe.clone(),
            }),
            &config,
        );
        let runners = vec![
            tokio::spawn(relay.run(stopped.clone())),
            tokio::spawn(consumer.run(stopped)),
        ];
        let mut pipeline = Self {
            store,
            probe,
            stop,
            runners,
            expected: 0,
            _fixture: fixture,
        };
        pipeline.commit(vec![scored(0, None)]).await;
        pipeline.drained(1).await;
        pipeline.probe.take_samples();
        pipeline
    }

    async fn commit(&self, events: Vec<OutboxEvent>) {
        self.store
            .commit(CommitBatch {
                events,
                ..CommitBatch::default()
            })
            .await
            .expect("the service's events commit");
    }

    /// Waits until the consumer acknowledged `more` events beyond the last
    /// wait.
    async fn drained(&mut self, more: u64) {
        self.expected += more;
        let expected = self.expected;
        let mut acked = self.probe.acked.subscribe();
        tokio::time::timeout(DRAIN_TIMEOUT, acked.wait_for(|n| *n >= expected))
            .await
            .expect("the pipeline drains in time")
            .expect("the probe lives");
    }

    async fn stop(self) {
        self.stop.send(true).expect("runners listen");
        for runner in self.runners {
            runner.await.expect("a runner stops");
        }
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

// -------------------------------------------------------------- throughput

fn throughput(c: &mut Criterion) {
    let rt = runtime();
    let mut group = c.benchmark_group("pipeline_throughput");
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(10))
        .throughput(Throughput::Elements(u64::from(THROUGHPUT_EVENTS)));
    for kind in kinds() {
        let mut pipeline = rt.block_on(Pipeline::start(&kind));
        let mut n = 0u32;
        let mut under_load = Samples::default();
        group.bench_function(kind.name(), |b| {
            b.iter_custom(|iters| {
                rt.block_on(async {
                    let mut took = Duration::ZERO;
                    for _ in 0..iters {
                        let started = Instant::now();
                        for _ in 0..THROUGHPUT_EVENTS / COMMIT_BATCH_EVENTS {
                            let batch = (0..COMMIT_BATCH_EVENTS)
                                .map(|_| {
                                    n = n.wrapping_add(1);
                                    scored(n, None)
                                })
                                .collect();
                            pipeline.commit(batch).await;
                        }
                        pipeline.drained(u64::from(THROUGHPUT_EVENTS)).await;
                        took += started.elapsed();
                        let samples = pipeline.probe.take_samples();
                        under_load.consume_to_ack.extend(samples.consume_to_ack);
                        under_load.batch_commit.extend(samples.batch_commit);
                        under_load.offset_move.extend(samples.offset_move);
                        under_load.before_handler.extend(samples.before_handler);
                    }
                    took
                })
            })
        });
        rt.block_on(pipeline.stop());
        println!("{} under load, per event:", kind.name());
        print_latencies(&under_load);
    }
    group.finish();
}

// ----------------------------------------------------------------- latency

fn latency() {
    let rt = runtime();
    println!("\npipeline latency: one event per commit, {LATENCY_RUN_S} s at each rate");
    for kind in kinds() {
        rt.block_on(async {
            let mut pipeline = Pipeline::start(&kind).await;
            for rate in LATENCY_RATES_PER_S {
                let sent = steady_run(&pipeline, rate).await;
                pipeline.drained(u64::from(sent)).await;
                let mut samples = pipeline.probe.take_samples();
                // At a rate the consumer keeps up with, it waits for the
                // next event: idle time, not work.
                samples.before_handler.clear();
                println!("{} at {rate} events/s ({sent} events)", kind.name());
                print_latencies(&samples);
            }
            pipeline.stop().await;
        });
    }
}

fn print_latencies(samples: &Samples) {
    let rows = [
        ("publish-to-consume", &samples.publish_to_consume),
        ("consume-to-ack", &samples.consume_to_ack),
        ("  batch commit", &samples.batch_commit),
        ("  offset move", &samples.offset_move),
        ("before the handler", &samples.before_handler),
    ];
    for (name, us) in rows {
        if !us.is_empty() {
            println!("  {name:<20} {}", percentiles(us));
        }
    }
}

/// Commits one event per tick at `rate` per second for `LATENCY_RUN_S`,
/// each commit on a task of its own so a slow commit does not slow the
/// rate; returns how many.
async fn steady_run(pipeline: &Pipeline, rate: u32) -> u32 {
    let total = rate * LATENCY_RUN_S;
    let period = Duration::from_secs(1) / rate;
    let mut ticks = tokio::time::interval(period);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut commits = tokio::task::JoinSet::new();
    for n in 0..total {
        ticks.tick().await;
        let store = pipeline.store.clone();
        commits.spawn(async move {
            let event = scored(n, Some(now_us()));
            store
                .commit(CommitBatch {
                    events: vec![event],
                    ..CommitBatch::default()
                })
                .await
                .expect("the service's event commits");
        });
    }
    while let Some(done) = commits.join_next().await {
        done.expect("a commit task");
    }
    total
}

/// `p50 a ms  p99 b ms  max c ms` of samples in microseconds.
fn percentiles(us: &[u64]) -> String {
    let mut us = us.to_vec();
    if us.is_empty() {
        return "(no samples)".into();
    }
    us.sort_unstable();
    let at = |q: f64| {
        // The nearest-rank percentile.
        let rank = (q * us.len() as f64).ceil() as usize;
        us[rank.clamp(1, us.len()) - 1]
    };
    let ms = |v: u64| v as f64 / 1_000.0;
    format!(
        "p50 {:.1} ms  p99 {:.1} ms  max {:.1} ms",
        ms(at(0.50)),
        ms(at(0.99)),
        ms(us[us.len() - 1]),
    )
}

// -------------------------------------------------------------------- main

/// Criterion's groups, then the latency report: `-- throughput` runs only
/// the first, `-- latency` only the second. Outside `cargo bench` (no
/// `--bench` argument: `cargo test --benches`), criterion runs each group
/// once and the latency report is left out.
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let has = |arg: &str| args.iter().any(|a| a == arg);
    if !has("latency") {
        let mut criterion = Criterion::default().configure_from_args();
        throughput(&mut criterion);
        criterion.final_summary();
    }
    if has("--bench") && !has("throughput") {
        latency();
    }
}
