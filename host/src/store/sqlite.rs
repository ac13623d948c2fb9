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
//! the writer (WAL).

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};

use super::error::{StoreError, redact};
use super::sql::sql_backend;
use crate::config::{SqliteSynchronous, StorageConfig};

/// A SQLite database file.
pub struct SqliteBackend {
    pool: SqlitePool,
    /// The queue of this process's writers (see [`Backend::write_gate`]).
    gate: std::sync::Arc<tokio::sync::Mutex<()>>,
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
        let pool = SqlitePoolOptions::new()
            .max_connections(config.max_connections.max(1))
            .acquire_timeout(Duration::from_millis(config.acquire_timeout_ms))
            .connect_with(options)
            .await
            .map_err(|e| StoreError::Open {
                url: redact(label),
                source: e.into(),
            })?;
        Ok(Self {
            pool,
            gate: std::sync::Arc::default(),
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
