//! Durable state: component key-value state, the transactional outbox,
//! idempotency records, processed events and leases, on SQLite (embedded,
//! the default) or PostgreSQL, through one interface.
//!
//! - [`backend`]: the storage interface, [`Backend`]; [`sqlite`] and
//!   [`postgres`]: its two implementations ([`checkpoint`]: the SQLite
//!   write-ahead log's checkpointer); [`sql`]: the SQL both share,
//!   written once; [`migrations`]: the versioned schema of each, applied at
//!   start (`host/migrations/`);
//! - [`batch`]: a [`CommitBatch`], what one operation commits all or nothing;
//! - [`group`]: the group committer, many batches per transaction;
//!   [`bulk_guards`]: the guards of a group of independent batches, one
//!   statement per kind; [`chain`]: batches that commit only in order;
//!   [`in_commit`]: a log in the same database (the embedded bus) that
//!   takes a group's events in the group's transaction;
//! - [`outbox`], [`idempotency`], [`processed`], [`lease`]: the records and
//!   the invariant each keeps;
//! - [`kv`]: the `kv` import of component calls, read from the store;
//! - [`action_log`]: rows of matches' action logs, committed in batches;
//! - [`leaderboard_delta`]: additions to the leaderboard read model,
//!   committed in batches;
//! - [`economy`]: wallet credits, items, stamp spends and notices, committed
//!   in batches; [`economy_ops`]: guarded economy operations (holds, item
//!   locks and moves, listings, offers, the saga log); [`level_watch`]: the
//!   level-ups an xp credit causes, written with it; [`tournament_ops`]: a
//!   day's tournament, its groups, scores, ranks and claims;
//! - [`error`]: the one error type, [`StoreError`]; [`in_list`]: bound
//!   `IN (...)` lists of built queries.
//!
//! The path of a stamped action through here: the gateway looks up its
//! idempotency key ([`Backend::idempotency_get`] or
//! [`Backend::idempotency_begin`]), the call reads committed state through
//! [`StoreKv`], and the caller turns the call's [`crate::runtime::Effects`]
//! into a [`CommitBatch`] with the idempotency record and commits it with
//! [`Store::commit`]; the outbox relay then publishes its events (on SQLite
//! the commit appends them to the embedded log itself, [`in_commit`]).

pub mod action_log;
pub mod backend;
pub mod batch;
pub mod bulk_guards;
pub mod chain;
pub mod checkpoint;
pub mod economy;
pub mod economy_ops;
pub mod error;
pub mod group;
pub mod idempotency;
pub mod in_commit;
pub mod in_list;
pub mod kv;
pub mod leaderboard_delta;
pub mod lease;
pub mod level_watch;
pub mod migrations;
pub mod outbox;
pub mod postgres;
pub mod processed;
pub mod sql;
pub mod sqlite;
pub mod tournament_ops;

use std::ops::Deref;
use std::path::Path;
use std::sync::Arc;

/// Runs `$call` with the SQL module (`$m`: the caller's `sqlite_sql` or
/// `postgres_sql`) and the pool (`$pool`) of `$store`'s database, or gives
/// `$no_pool` for a backend without one. For modules that keep their own
/// tables with one SQL text compiled for each database. `on_db!(write
/// store, ...)` gives the pool of the writes that hold the write gate
/// ([`Backend::write_pool_ref`]).
macro_rules! on_db {
    (write $store:expr, $no_pool:expr, |$pool:ident, $m:ident| $call:expr) => {
        $crate::store::on_db!(@on $store.write_pool_ref(), $no_pool, |$pool, $m| $call)
    };
    ($store:expr, $no_pool:expr, |$pool:ident, $m:ident| $call:expr) => {
        $crate::store::on_db!(@on $store.pool_ref(), $no_pool, |$pool, $m| $call)
    };
    (@on $pool_ref:expr, $no_pool:expr, |$pool:ident, $m:ident| $call:expr) => {
        match $pool_ref {
            None => Err($no_pool),
            Some($crate::store::PoolRef::Sqlite($pool)) => {
                use sqlite_sql as $m;
                $call
            }
            Some($crate::store::PoolRef::Postgres($pool)) => {
                use postgres_sql as $m;
                $call
            }
        }
    };
}
pub(crate) use on_db;

pub use action_log::MatchActionRow;
pub use backend::{Backend, BackendKind, PoolRef, WriteGate};
pub use batch::{CommitBatch, KvWrite};
pub use chain::Chain;
pub use economy::{Credit, EconomyWrites, ItemGrant, ItemSpend, Notice, STAMP};
pub use economy_ops::{EconomyConflict, EconomyOp, HOUSE};
pub use error::StoreError;
pub use group::{Committed, GroupCommitter};
pub use idempotency::{
    Begun, IdempotencyBegin, IdempotencyDone, IdempotencyRecord, IdempotencyReserve,
};
pub use in_commit::InCommitLog;
pub use kv::StoreKv;
pub use leaderboard_delta::LeaderboardDelta;
pub use lease::{Lease, LeaseAcquire};
pub use outbox::{EventMeta, OutboxEvent, OutboxRow, new_event_id};
pub use processed::ProcessedEvent;

use crate::config::{GroupCommitConfig, StorageConfig};
use postgres::PostgresBackend;
use sqlite::SqliteBackend;

/// The wall clock, Unix milliseconds: when rows are written, leases run
/// out, events occur.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// The error of a read of `what` on a backend without a SQL database.
pub(crate) fn no_pool(what: &'static str) -> StoreError {
    StoreError::invalid(what, "this backend has no SQL pool")
}

/// The SQLite file of the embedded default, under the data directory.
pub const SQLITE_FILE: &str = "idempo.sqlite3";

/// The store the host uses: a backend and its group committer. Cheap to
/// clone. It derefs to the [`Backend`] for reads and single-statement
/// writes; batches go through [`Store::commit`].
#[derive(Clone)]
pub struct Store {
    backend: Arc<dyn Backend>,
    committer: GroupCommitter,
}

impl Store {
    /// Opens the configured database (see [`StorageConfig::database_url`]),
    /// applies its migrations and starts the group committer. Must run inside
    /// a tokio runtime.
    pub async fn open(config: &StorageConfig, data_dir: &Path) -> Result<Self, StoreError> {
        let backend = open_backend(config, data_dir).await?;
        backend.migrate().await?;
        Ok(Self::with_backend(backend, &config.group_commit))
    }

    /// A store over an opened, migrated backend. Must run inside a tokio
    /// runtime (it starts the committer there).
    pub fn with_backend(backend: Arc<dyn Backend>, config: &GroupCommitConfig) -> Self {
        let committer = GroupCommitter::start(backend.clone(), config);
        Self { backend, committer }
    }

    /// Makes `log` (the embedded event log, in this database) take the
    /// events of every later commit in the commit's own transaction instead
    /// of the outbox (`in_commit.rs`); false if the backend cannot, or a log
    /// was registered already.
    pub fn append_in_commits(&self, log: Arc<dyn InCommitLog>) -> bool {
        self.backend.append_in_commits(log)
    }

    /// Commits `batch` all or nothing, in a group with other callers'
    /// batches; returns once it is durable. A conflict (see
    /// [`StoreError::is_conflict`]) leaves nothing of the batch written.
    pub async fn commit(&self, batch: CommitBatch) -> Result<Committed, StoreError> {
        self.committer.commit(batch).await
    }

    /// Commits `batches` in their order, as [`Store::commit`] each, each in
    /// a `commit` span under the span it comes with
    /// ([`GroupCommitter::commit_each`]); chain them ([`Chain`]) when each
    /// is written on top of the one before.
    pub async fn commit_each(
        &self,
        batches: Vec<(CommitBatch, tracing::Span)>,
    ) -> Vec<Result<Committed, StoreError>> {
        self.committer.commit_each(batches).await
    }

    /// Commits `batches` in their order, each all or nothing (see
    /// [`GroupCommitter::commit_all`]); one result per batch.
    pub async fn commit_all(
        &self,
        batches: Vec<CommitBatch>,
    ) -> Vec<Result<Committed, StoreError>> {
        self.committer.commit_all(batches).await
    }

    /// The `kv` import of one component call, reading this store from a
    /// blocking thread through `runtime`.
    pub fn kv_reader(&self, runtime: tokio::runtime::Handle) -> StoreKv {
        StoreKv::new(self.clone(), runtime)
    }

    pub fn backend(&self) -> &Arc<dyn Backend> {
        &self.backend
    }

    /// True if `other` is this store's database, through the same backend.
    pub fn same_database(&self, other: &Store) -> bool {
        std::ptr::addr_eq(Arc::as_ptr(&self.backend), Arc::as_ptr(&other.backend))
    }
}

impl Deref for Store {
    type Target = dyn Backend;

    fn deref(&self) -> &Self::Target {
        &*self.backend
    }
}

/// Opens the backend `config` names, without migrating it: an empty URL is
/// `<data_dir>/idempo.sqlite3`, `sqlite:` a SQLite file, `postgres://` (or
/// `postgresql://`) a PostgreSQL server.
pub async fn open_backend(
    config: &StorageConfig,
    data_dir: &Path,
) -> Result<Arc<dyn Backend>, StoreError> {
    let url = config.database_url.trim();
    if url.is_empty() {
        std::fs::create_dir_all(data_dir).map_err(|e| StoreError::Open {
            url: data_dir.display().to_string(),
            source: Arc::new(sqlx::Error::Io(e)),
        })?;
        let path = data_dir.join(SQLITE_FILE);
        return Ok(Arc::new(SqliteBackend::open(&path, config).await?));
    }
    if url.starts_with("sqlite:") {
        return Ok(Arc::new(SqliteBackend::connect(url, config).await?));
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(Arc::new(PostgresBackend::connect(url, config).await?));
    }
    Err(StoreError::BadUrl {
        url: error::redact(url),
    })
}
