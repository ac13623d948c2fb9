//! idempo's host: runs game rules as sandboxed WebAssembly components that
//! an operator can replace while the game runs.
//!
//! Map:
//! - [`api`]: the player API's routes under `/v1`, and its OpenAPI
//!   document;
//! - [`arena`]: lobby and matchmaking, one actor per match, actions
//!   committed once behind idempotency keys, matches rebuilt from their logs;
//! - [`bus`]: the event bus: envelope, the embedded durable log and Kafka,
//!   the outbox relay, idempotent consumers with a DLQ, partition ownership
//!   across hosts;
//! - [`config`]: the one typed configuration, with defaults that run;
//! - [`economy`]: wallets and their ledger, items and stamps, notices, and
//!   the `rewards` consumer that pays finished matches;
//! - [`gateway`]: the player API under `/v1`: sign-up, sign-in, session
//!   tokens, the [`gateway::Player`] extractor, correlation ids, rate and
//!   body limits;
//! - [`leaderboard`]: the leaderboard read model, projected from
//!   `MatchFinished` events by an idempotent consumer, and its rebuild
//!   from the event log;
//! - [`market`]: listings, trades, player offers and crafting, with the
//!   market component's rules;
//! - [`progression`]: xp makes a level; a level reached is announced
//!   (`UserLeveledUp`) with the credit that caused it;
//! - [`tournament`]: the daily tournament: schedule, entry saga, groups,
//!   scores from matches and level-ups, boards, end-of-day ranks and
//!   rewards, with the tournament component's rules;
//! - [`logs`]: the log lines, as text or one JSON object per line;
//! - [`metrics`]: Prometheus metrics at `/metrics`: a small registry, the
//!   text format, request timing, and what is read from the host at scrape;
//! - [`readiness`]: `/readyz`: the database, the bus and the default game's
//!   components answer;
//! - [`saga`]: durable sagas (a trade's steps and compensations), their
//!   log, breakers and recovery after a crash;
//! - [`housekeeping`]: periodic purges: log retention, dedupe window,
//!   outbox, idempotency records;
//! - [`runtime`]: the component runtime: engine, sandbox, host imports,
//!   registry with hot swap and pinning, breakers, artifact cache;
//! - [`admin`]: the operator's HTTP API (components: upload, activate, roll
//!   back, breakers; events: dead letters, replay, group offsets and
//!   resets), guarded by the operator token;
//! - [`services`]: the host's background work, started and stopped
//!   together: relay, housekeeping, consumers, lobby, match takeover;
//! - [`server`]: the HTTP server: web pages, health, readiness, metrics,
//!   admin API;
//! - [`telemetry`]: traces: OpenTelemetry spans along an action's path,
//!   exported over OTLP when an endpoint is configured, the W3C
//!   `traceparent` across HTTP and the bus, trace ids in JSON log lines;
//! - [`store`]: durable state on SQLite or PostgreSQL: key-value state,
//!   outbox, idempotency records, processed events, leases, group commit.
//!
//! A call into a component: a caller takes a version from the registry
//! ([`runtime::Runtime::active`], or a pinned one), calls a typed entry point
//! ([`runtime::Runtime::combat_resolve`], ...) which runs it in a fresh store
//! ([`runtime::call`]), and commits the returned [`runtime::Effects`] itself.

pub mod admin;
pub mod api;
pub mod arena;
pub mod bus;
pub mod config;
pub mod economy;
pub mod gateway;
pub mod housekeeping;
pub mod leaderboard;
pub mod logs;
pub mod market;
pub mod metrics;
pub mod problem;
pub mod progression;
pub mod readiness;
pub mod runtime;
pub mod saga;
pub mod server;
pub mod services;
pub mod store;
pub mod telemetry;
pub mod tournament;

/// The game a default install serves.
pub const DEFAULT_GAME: &str = "default";
