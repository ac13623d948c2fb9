//! The embedded backend: one SQLite file, in WAL mode.
//!
//! `synchronous=FULL` by default: the write-ahead log is synced at every
//! commit, so an acknowledged commit survives a power loss (DESIGN.md
//! invariant 1), and group commit makes that one fsync per group, not per
//! action. `NORMAL` is a knob ([`SqliteSynchronous`]) for those who accept
//! losing the last commits on power loss. Writers serialize on SQLite's one
//! write lock; a write transaction takes it up front (`BEGIN IMMEDIATE`), so
//! a transaction that reads before it writes never fails with SQLITE_BUSY
//! halfway, and waits up to `sqlite_busy_timeout_ms` for it. This process's
//! own writers queue for it first, in the process ([`Backend::write_gate`]),
//! so they do not poll it through SQLite's busy handler, and they run on one
//! connection of their own (`writer`). SQLite empties a connection's page
//! cache whenever another connection committed; the writer's is emptied
//! only by the writes that do not queue (rare ones: sign-ups, match
//! creation), so the pages a group commit touches stay cached between
//! groups, in a cache larger than SQLite's default. Readers run beside the
//! writer (WAL), on the other `max_connections - 1` connections. The log is
//! copied back into the file by a task of its own (`checkpoint.rs`), not
//! inside a writer's commit.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};

use super::checkpoint;
use super::error::{StoreError, redact};
use super::sql::sql_backend;
use crate::config::{SqliteSynchronous, StorageConfig};

/// The writer connection's page cache (SQLite's `cache_size`, negative:
/// KiB): 64 MiB, where the default is 2 MiB.
const WRITER_CACHE: &str = "-65536";

/// A SQLite database file.
pub struct SqliteBackend {
    /// The readers, and the writes that do not queue at the gate.
    pool: SqlitePool,
    /// The one connection of the writes that queue at the gate.
    writer: SqlitePool,
    /// The queue of this process's writers (see [`Backend::write_gate`]).
    gate: std::sync::Arc<tokio::sync::Mutex<()>>,
    /// Its checkpointer runs while this lives (`checkpoint.rs`).
    _alive: std::sync::Arc<()>,
    /// The log that takes group commits' events (`in_commit.rs`).
    log: super::in_commit::InCommitSlot,
}

impl SqliteBackend {
    /// Opens (creating it if missing) the database file at `path`.
    pub async fn open(path: &Path, config: &StorageConfig) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::new().filename(path);
        Self::with_options(options, &path.display().to_string(), config).await
    }

    /// Opens a `sqlite://<path>` URL (the file is created if missing).
    pub async fn connect(url: &str, config: &StorageConfig) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str(url).map_err(|e| StoreError::Open {
            url: redact(url),
            source: e.into(),
        })?;
        Self::with_options(options, url, config).await
    }

    async fn with_options(
        options: SqliteConnectOptions,
        label: &str,
        config: &StorageConfig,
    ) -> Result<Self, StoreError> {
        let synchronous = match config.sqlite_synchronous {
            SqliteSynchronous::Full => sqlx::sqlite::SqliteSynchronous::Full,
            SqliteSynchronous::Normal => sqlx::sqlite::SqliteSynchronous::Normal,
        };
        let options = options
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(synchronous)
            .busy_timeout(Duration::from_millis(config.sqlite_busy_timeout_ms))
            .foreign_keys(true);
        let every = Duration::from_millis(config.sqlite_checkpoint_ms);
        let options = if every.is_zero() {
            options
        } else {
            options.pragma("wal_autocheckpoint", checkpoint::BACKSTOP_PAGES.to_string())
        };
        let open = |connections: u32, options: SqliteConnectOptions| {
            SqlitePoolOptions::new()
                .max_connections(connections)
                .acquire_timeout(Duration::from_millis(config.acquire_timeout_ms))
                .connect_with(options)
        };
        let failed = |e: sqlx::Error| StoreError::Open {
            url: redact(label),
            source: e.into(),
        };
        let writer = open(1, options.clone().pragma("cache_size", WRITER_CACHE))
            .await
            .map_err(failed)?;
        let pool = open(config.max_connections.saturating_sub(1).max(1), options)
            .await
            .map_err(failed)?;
        let alive = std::sync::Arc::new(());
        checkpoint::start(pool.clone(), std::sync::Arc::downgrade(&alive), every);
        Ok(Self {
            pool,
            writer,
            gate: std::sync::Arc::default(),
            _alive: alive,
            log: super::in_commit::InCommitSlot::new(),
        })
    }

    /// A place in the queue of writers.
    async fn gate(&self) -> Option<super::backend::WriteGate> {
        Some(self.gate.clone().lock_owned().await)
    }

    /// The writer's connection.
    fn writer(&self) -> &SqlitePool {
        &self.writer
    }

    /// A write transaction on the writer's connection, holding the write
    /// lock from its first statement.
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
        self.writer.begin_with("BEGIN IMMEDIATE").await
    }
}

sql_backend!(
    SqliteBackend,
    sqlx::Sqlite,
    BackendKind::Sqlite,
    crate::store::migrations::sqlite,
    append_sqlite
);
