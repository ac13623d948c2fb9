//! One typed configuration for the whole host, with defaults that run.
//!
//! Every knob is documented here and only here. Values come from an optional
//! TOML file (`--config idempo.toml`), then from the command line / the
//! environment for the few that operators set per deployment.

use std::net::SocketAddr;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// The whole host's configuration.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address the HTTP server listens on.
    pub listen: SocketAddr,
    /// This host's id among the hosts that share a database: the owner of
    /// its leases. Empty: a new random id at every start.
    pub host_id: String,
    /// Directory for the host's own files: uploaded components, the compiled
    /// artifact cache, the registry's state.
    pub data_dir: PathBuf,
    /// Directory of components loaded at start, laid out as
    /// `<world>/<name>@<version>.wasm`.
    pub components_dir: PathBuf,
    /// Directory of the static web pages served at `/`.
    pub web_dir: PathBuf,
    /// Bearer token for the admin API. Operators only; never a player token.
    pub operator_token: String,
    /// The game served by default (tenant id).
    pub default_game: String,
    /// Limits of the component runtime.
    pub runtime: RuntimeLimits,
    /// Circuit breaker thresholds, one breaker per component version.
    pub breaker: BreakerConfig,
    /// Largest accepted upload of a component, in bytes.
    pub upload_limit_bytes: usize,
    /// Durable state: which database, its pool, group commit.
    pub storage: StorageConfig,
    /// The event bus: partitions, outbox relay, consumer retries.
    pub bus: BusConfig,
    /// Periodic purges (log retention, dedupe window, outbox, idempotency).
    pub housekeeping: crate::housekeeping::HousekeepingConfig,
    /// The player API: session tokens, rate limits, body limits.
    pub gateway: crate::gateway::GatewayConfig,
    /// The arena: lobby, matches, actions (see [`crate::arena::ArenaConfig`]).
    pub arena: crate::arena::ArenaConfig,
    /// Who pays finished matches (see [`crate::economy::rewards`]).
    pub rewards: crate::economy::rewards::RewardsConfig,
    /// The market's rules component and its idempotency windows (see
    /// [`crate::market`]).
    pub market: crate::market::MarketConfig,
    /// How sagas run: leases, retries, breakers, injected faults (see
    /// [`crate::saga`]).
    pub saga: crate::saga::SagaConfig,
    /// Traces over OTLP (see [`crate::telemetry::TelemetryConfig`]).
    pub telemetry: crate::telemetry::TelemetryConfig,
    /// The daily tournaments: their component, reservations, scheduler,
    /// boards (see [`crate::tournament`]).
    pub tournament: crate::tournament::TournamentConfig,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            host_id: String::new(),
            data_dir: PathBuf::from("data"),
            components_dir: PathBuf::from("target/components"),
            web_dir: PathBuf::from("web"),
            operator_token: String::from("dev-operator-token"),
            default_game: String::from(crate::DEFAULT_GAME),
            runtime: RuntimeLimits::default(),
            breaker: BreakerConfig::default(),
            upload_limit_bytes: 16 * 1024 * 1024,
            storage: StorageConfig::default(),
            bus: BusConfig::default(),
            housekeeping: crate::housekeeping::HousekeepingConfig::default(),
            gateway: crate::gateway::GatewayConfig::default(),
            arena: crate::arena::ArenaConfig::default(),
            rewards: crate::economy::rewards::RewardsConfig::default(),
            market: crate::market::MarketConfig::default(),
            saga: crate::saga::SagaConfig::default(),
            telemetry: crate::telemetry::TelemetryConfig::default(),
            tournament: crate::tournament::TournamentConfig::default(),
        }
    }
}

impl Config {
    /// Reads a TOML file; missing keys take their defaults.
    pub fn from_toml_file(path: &std::path::Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("cannot read config {}: {e}", path.display()))?;
        toml::from_str(&text).map_err(|e| anyhow::anyhow!("bad config {}: {e}", path.display()))
    }
}

/// Per-call limits of the sandbox. A call that hits one fails with a typed
/// [`crate::runtime::CallError`] and leaves no effect.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RuntimeLimits {
    /// Fuel (roughly, wasm instructions) one call may burn, instantiation
    /// included.
    pub call_fuel: u64,
    /// Largest linear memory of one instance, in bytes.
    pub memory_limit_bytes: usize,
    /// Bytes at the start of each pooled memory (and table) that are reset
    /// with `memset` instead of being given back to the kernel when a call
    /// ends: no page faults on the next call for what fits here.
    pub memory_keep_resident_bytes: usize,
    /// Largest wasm stack of one call, in bytes.
    pub stack_limit_bytes: usize,
    /// Period of the engine's epoch ticker, in milliseconds.
    pub epoch_tick_ms: u64,
    /// Wall-time backstop of one call, in milliseconds (rounded up to epoch
    /// ticks). Fuel is the budget; this only catches what fuel cannot.
    pub call_deadline_ms: u64,
    /// Instances the pooling allocator keeps slots for: the most calls that
    /// can run at once across all components.
    pub max_concurrent_instances: u32,
    /// Largest key a component may write through `kv`, in bytes.
    pub kv_max_key_bytes: usize,
    /// Largest value a component may write through `kv`, in bytes.
    pub kv_max_value_bytes: usize,
    /// Most `kv` writes and deletes one call may buffer.
    pub kv_max_writes_per_call: usize,
    /// Most events one call may emit.
    pub max_events_per_call: usize,
    /// Largest event payload, in bytes.
    pub max_event_payload_bytes: usize,
    /// Most log lines one call may write (through `log` or stdout/stderr);
    /// the rest are counted and dropped.
    pub max_log_lines_per_call: usize,
    /// Bytes of stdout and stderr kept per call.
    pub stdio_capture_bytes: usize,
}

impl Default for RuntimeLimits {
    fn default() -> Self {
        Self {
            call_fuel: 50_000_000,
            memory_limit_bytes: 32 * 1024 * 1024,
            memory_keep_resident_bytes: 128 * 1024,
            stack_limit_bytes: 512 * 1024,
            epoch_tick_ms: 10,
            call_deadline_ms: 500,
            max_concurrent_instances: 256,
            kv_max_key_bytes: 256,
            kv_max_value_bytes: 64 * 1024,
            kv_max_writes_per_call: 64,
            max_events_per_call: 64,
            max_event_payload_bytes: 16 * 1024,
            max_log_lines_per_call: 64,
            stdio_capture_bytes: 16 * 1024,
        }
    }
}

impl RuntimeLimits {
    /// The call deadline in epoch ticks (at least one).
    pub fn deadline_ticks(&self) -> u64 {
        self.call_deadline_ms
            .div_ceil(self.epoch_tick_ms.max(1))
            .max(1)
    }
}

/// Thresholds of a component's circuit breaker.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BreakerConfig {
    /// Consecutive failures (traps, fuel, deadline, memory, stack) that open
    /// the breaker.
    pub failure_threshold: u32,
    /// How long an open breaker fails fast before letting one probe through,
    /// in milliseconds.
    pub open_ms: u64,
    /// Successful probes in half-open needed to close again.
    pub half_open_successes: u32,
}

impl Default for BreakerConfig {
    fn default() -> Self {
        Self {
            failure_threshold: 5,
            open_ms: 10_000,
            half_open_successes: 1,
        }
    }
}

/// Where durable state lives and how it is written; see [`crate::store`].
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StorageConfig {
    /// The database. Empty: the embedded SQLite file
    /// `<data_dir>/idempo.sqlite3`, created at start. `sqlite://<path>`: another
    /// SQLite file. `postgres://user@host:port/db`: PostgreSQL (a schema of
    /// one's own can be chosen with `?options=-c%20search_path%3D<schema>`).
    pub database_url: String,
    /// Most open connections to the database (readers and writers together;
    /// on SQLite one of them, at least, is the writer's own).
    pub max_connections: u32,
    /// How long an operation waits for a free connection before failing, in
    /// milliseconds.
    pub acquire_timeout_ms: u64,
    /// SQLite: how long a writer waits for another writer's lock before
    /// failing, in milliseconds.
    pub sqlite_busy_timeout_ms: u64,
    /// SQLite: when a commit reaches the disk. `full` (the default) syncs the
    /// write-ahead log at every commit, so an acknowledged commit survives a
    /// power loss; group commit makes that one fsync per group. `normal` syncs
    /// only at checkpoints: faster, but a power loss (not a process crash) can
    /// lose the last acknowledged commits, which breaks DESIGN.md invariant 1.
    pub sqlite_synchronous: SqliteSynchronous,
    /// SQLite: how often a task copies the write-ahead log back into the
    /// database file, in milliseconds, so that no writer's commit does it
    /// (`host/src/store/checkpoint.rs`). 0: SQLite's automatic checkpoint,
    /// run by the commit that crosses 1000 pages of log.
    pub sqlite_checkpoint_ms: u64,
    /// Group commit: many callers' batches share one transaction.
    pub group_commit: GroupCommitConfig,
}

impl Default for StorageConfig {
    fn default() -> Self {
        Self {
            database_url: String::new(),
            max_connections: 8,
            acquire_timeout_ms: 5_000,
            sqlite_busy_timeout_ms: 5_000,
            sqlite_synchronous: SqliteSynchronous::Full,
            sqlite_checkpoint_ms: 200,
            group_commit: GroupCommitConfig::default(),
        }
    }
}

/// The event bus ([`crate::bus`]): its log, the outbox relay and the
/// consumers' retries.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BusConfig {
    /// Where the records travel: `embedded` (the default: a log in the
    /// store's database, nothing to install) or `kafka` (see `kafka`).
    pub backend: BusBackend,
    /// The Kafka cluster, when `backend = "kafka"`.
    pub kafka: KafkaConfig,
    /// Leases of the work one host does for all (the outbox relay) and of
    /// consumer groups' partitions, split between the hosts that share a
    /// database: how long a dead host's work waits for another.
    pub ownership: crate::bus::OwnershipOptions,
    /// How long the log keeps a record, in milliseconds (the embedded log
    /// purges older ones; Kafka topics are created with this `retention.ms`).
    /// Processed-event records, which dedupe redeliveries, live a day longer.
    pub retention_ms: u64,
    /// Partitions of every topic. A key's partition is a stable hash of the
    /// key modulo this, so changing it on a log that holds events breaks
    /// the order of keys that move; choose it before the first event.
    pub partitions_per_topic: u32,
    /// On SQLite, the embedded log takes the events of each commit in the
    /// commit's own transaction (true, the default), instead of through
    /// outbox rows that the relay publishes later (false). PostgreSQL and
    /// Kafka always go through the relay (`bus::EmbeddedBus::for_host`).
    pub append_in_commit: bool,
    /// Most outbox rows the relay publishes per round.
    pub relay_max_batch: u32,
    /// How long the relay sleeps when the outbox is empty, in milliseconds.
    pub relay_poll_ms: u64,
    /// Most records a consumer reads from one partition per round.
    pub consumer_max_batch: u32,
    /// How long an idle consumer waits for an append before it looks
    /// anyway (the backstop of in-process fan-out), in milliseconds.
    pub consumer_poll_ms: u64,
    /// Attempts at a failing event before it goes to the DLQ.
    pub dlq_after_attempts: u32,
    /// Backoff before the second attempt, in milliseconds; it doubles per
    /// attempt, and the actual sleep is uniform in [0, backoff] (full jitter).
    pub backoff_base_ms: u64,
    /// Largest backoff, in milliseconds.
    pub backoff_max_ms: u64,
    /// Largest payload a consumer accepts, in bytes; a larger one goes to
    /// the DLQ.
    pub max_payload_bytes: usize,
}

impl Default for BusConfig {
    fn default() -> Self {
        Self {
            backend: BusBackend::Embedded,
            kafka: KafkaConfig::default(),
            ownership: crate::bus::OwnershipOptions::default(),
            retention_ms: 7 * 86_400_000,
            partitions_per_topic: 4,
            append_in_commit: true,
            relay_max_batch: 500,
            relay_poll_ms: 50,
            consumer_max_batch: 256,
            consumer_poll_ms: 500,
            dlq_after_attempts: 3,
            backoff_base_ms: 100,
            backoff_max_ms: 10_000,
            max_payload_bytes: 64 * 1024,
        }
    }
}

/// Which log carries the bus's records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BusBackend {
    Embedded,
    Kafka,
}

/// A Kafka cluster ([`crate::bus::kafka`]). Topics are named
/// `<topic_prefix><game>.<topic>`, dead letters go to `<...>.dlq`; they are
/// created at first use with `partitions_per_topic` partitions.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KafkaConfig {
    /// `host:port[,host:port...]` of the brokers to bootstrap from.
    pub bootstrap_servers: String,
    /// Prefix of every topic name this host uses (e.g. per environment).
    pub topic_prefix: String,
    /// Replicas of each topic created by the host (3 in production).
    pub replication_factor: i32,
    /// How long a publish may take, retries included, before it fails and
    /// the outbox keeps the events for the next round, in milliseconds.
    pub delivery_timeout_ms: u64,
    /// How long the producer waits to fill a batch, in milliseconds.
    pub linger_ms: u64,
    /// Longest a broker holds a fetch open waiting for records, in
    /// milliseconds: the floor of publish-to-consume latency when idle.
    pub fetch_wait_ms: u64,
    /// Records a reader buffers per partition ahead of its consumer, in KiB.
    pub prefetch_kib: u32,
    /// Timeout of administrative requests (topics, offsets), in milliseconds.
    pub admin_timeout_ms: u64,
}

impl Default for KafkaConfig {
    fn default() -> Self {
        Self {
            bootstrap_servers: String::from("127.0.0.1:9092"),
            topic_prefix: String::from("idempo."),
            replication_factor: 1,
            delivery_timeout_ms: 30_000,
            linger_ms: 2,
            fetch_wait_ms: 10,
            prefetch_kib: 4_096,
            admin_timeout_ms: 10_000,
        }
    }
}

/// SQLite's `synchronous` pragma, in WAL mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SqliteSynchronous {
    Full,
    Normal,
}

/// Bounds of the group committer ([`crate::store::group`]).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GroupCommitConfig {
    /// Most batches committed in one transaction.
    pub max_batch: usize,
    /// How long the committer waits, after the first batch of a group, for
    /// more batches before committing, in milliseconds. 0: a group is what
    /// queued while the previous commit ran (no added latency).
    pub max_wait_ms: u64,
    /// Batches waiting for the committer. When full, a caller's `commit`
    /// waits for room (back-pressure); the queue never grows past this.
    pub queue_capacity: usize,
}

impl Default for GroupCommitConfig {
    fn default() -> Self {
        Self {
            max_batch: 256,
            max_wait_ms: 1,
            queue_capacity: 4_096,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_file_gives_the_defaults() {
        let config: Config = toml::from_str("").expect("empty config parses");
        assert_eq!(config.runtime.call_fuel, RuntimeLimits::default().call_fuel);
        assert_eq!(config.default_game, crate::DEFAULT_GAME);
        assert_eq!(config.storage.database_url, "", "SQLite in the data dir");
        assert_eq!(config.storage.sqlite_synchronous, SqliteSynchronous::Full);
    }

    #[test]
    fn traces_are_off_unless_an_endpoint_is_named() {
        let config: Config = toml::from_str("").expect("empty config parses");
        assert_eq!(config.telemetry.otlp_endpoint, "", "no export by default");
        let config: Config = toml::from_str(
            "[telemetry]\notlp_endpoint = \"http://jaeger:4318\"\nsample_ratio = 0.25",
        )
        .expect("telemetry config parses");
        assert_eq!(config.telemetry.otlp_endpoint, "http://jaeger:4318");
        assert_eq!(config.telemetry.sample_ratio, 0.25);
        assert_eq!(config.telemetry.service_name, "idempo");
    }

    #[test]
    fn storage_knobs_read_from_toml() {
        let config: Config = toml::from_str(
            "[storage]\ndatabase_url = \"postgres://postgres@127.0.0.1/idempo\"\n\
             sqlite_synchronous = \"normal\"\n[storage.group_commit]\nmax_batch = 8",
        )
        .expect("storage config parses");
        assert!(config.storage.database_url.starts_with("postgres://"));
        assert_eq!(config.storage.sqlite_synchronous, SqliteSynchronous::Normal);
        assert_eq!(config.storage.group_commit.max_batch, 8);
        assert_eq!(config.storage.group_commit.max_wait_ms, 1);
    }

    #[test]
    fn bus_knobs_read_from_toml_and_default_to_three_attempts() {
        assert_eq!(Config::default().bus.dlq_after_attempts, 3);
        let config: Config =
            toml::from_str("[bus]\npartitions_per_topic = 16\nbackoff_max_ms = 500")
                .expect("bus config parses");
        assert_eq!(config.bus.partitions_per_topic, 16);
        assert_eq!(config.bus.backoff_max_ms, 500);
        assert_eq!(config.bus.dlq_after_attempts, 3);
    }

    #[test]
    fn an_unknown_knob_is_refused() {
        let err = toml::from_str::<Config>("[runtime]\nfuel = 3").unwrap_err();
        assert!(err.to_string().contains("unknown field"), "{err}");
    }

    #[test]
    fn the_deadline_rounds_up_to_whole_ticks() {
        let limits = RuntimeLimits {
            epoch_tick_ms: 10,
            call_deadline_ms: 25,
            ..RuntimeLimits::default()
        };
        assert_eq!(limits.deadline_ticks(), 3);
    }
}
