//! The scale-out backend: PostgreSQL, shared by several host processes.
//!
//! Selected by a `postgres://` URL. Transactions run at READ COMMITTED: every
//! guard is a single `INSERT ... ON CONFLICT` or `UPDATE` whose row count is
//! the answer, which PostgreSQL makes atomic against concurrent writers (a
//! conflicting writer waits for the row, then sees the committed version),
//! so two hosts never both take a key, an event or a lease.

use std::time::Duration;

use sqlx::postgres::{PgPool, PgPoolOptions};

use super::error::{StoreError, redact};
use super::sql::sql_backend;
use crate::config::StorageConfig;

/// A PostgreSQL database.
pub struct PostgresBackend {
    pool: PgPool,
    /// The log that takes group commits' events (`in_commit.rs`).
    log: super::in_commit::InCommitSlot,
}

impl PostgresBackend {
    /// Connects to `url`; fails with a clear error if the server is not
    /// reachable.
    pub async fn connect(url: &str, config: &StorageConfig) -> Result<Self, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(config.max_connections.max(1))
            .acquire_timeout(Duration::from_millis(config.acquire_timeout_ms))
            .connect(url)
            .await
            .map_err(|e| StoreError::Open {
                url: redact(url),
                source: e.into(),
            })?;
        Ok(Self {
            pool,
            log: super::in_commit::InCommitSlot::new(),
        })
    }

    /// Writers share the pool with readers.
    fn writer(&self) -> &sqlx::PgPool {
        &self.pool
    }

    /// PostgreSQL takes writers side by side: no queue.
    async fn gate(&self) -> Option<super::backend::WriteGate> {
        None
    }

    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
        self.pool.begin().await
    }
}

sql_backend!(
    PostgresBackend,
    sqlx::Postgres,
    BackendKind::Postgres,
    crate::store::migrations::postgres,
    append_postgres
);
