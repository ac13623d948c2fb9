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
//! so they do not poll it through SQLite's busy handler. Readers run beside
//! the writer (WAL). The log is copied back into the file by a task of
//! its own (`checkpoint.rs`), not inside a writer's commit.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};

use super::checkpoint;
use super::error::{StoreError, redact};
use super::sql::sql_backend;
use crate::config::{SqliteSynchronous, StorageConfig};

/// A SQLite database file.
pub struct SqliteBackend {
    pool: SqlitePool,
    /// The queue of this process's writers (see [`Backend::write_gate`]).
    gate: std::sync::Arc<tokio::sync::Mutex<()>>,
    /// Its checkpointer runs while this lives (`checkpoint.rs`).
    _alive: std::sync::Arc<()>,
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
        let pool = SqlitePoolOptions::new()
            .max_connections(config.max_connections.max(1))
            .acquire_timeout(Duration::from_millis(config.acquire_timeout_ms))
            .connect_with(options)
            .await
            .map_err(|e| StoreError::Open {
                url: redact(label),
                source: e.into(),
            })?;
        let alive = std::sync::Arc::new(());
        checkpoint::start(pool.clone(), std::sync::Arc::downgrade(&alive), every);
        Ok(Self {
            pool,
            gate: std::sync::Arc::default(),
            _alive: alive,
        })
    }

    /// A place in the queue of writers.
    async fn gate(&self) -> Option<super::backend::WriteGate> {
        Some(self.gate.clone().lock_owned().await)
    }

    /// A write transaction, holding the write lock from its first statement.
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
        self.pool.begin_with("BEGIN IMMEDIATE").await
    }
}

sql_backend!(
    SqliteBackend,
    sqlx::Sqlite,
    BackendKind::Sqlite,
    crate::store::migrations::sqlite
);
