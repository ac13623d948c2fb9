//! The embedded backend's checkpointer: copies the write-ahead log back
//! into the database file beside the writers, not inside their commits.
//!
//! SQLite's own automatic checkpoint runs in the connection that commits
//! the transaction which crossed `wal_autocheckpoint` pages: the writer whose
//! group happened to cross it waits for the copy (and its syncs), and so
//! does every writer queued behind it. Here a task runs a `PASSIVE` checkpoint on
//! a pooled connection every `sqlite_checkpoint_ms`: it copies what no reader
//! still needs and never blocks a writer or a reader. Once a checkpoint has
//! copied the whole log, the next writer starts it over from its beginning,
//! so the log file grows only to what is written between two checkpoints
//! (SQLite reuses the file; it does not shrink it).
//!
//! The automatic checkpoint stays on as a backstop, at [`BACKSTOP_PAGES`]
//! (ten times SQLite's default): it runs only if the task falls behind.
//!
//! The task holds the pool only while the backend lives: it stops at the
//! first tick after the backend is dropped or its pool closed.

use std::sync::Weak;
use std::time::Duration;

use sqlx::SqlitePool;

/// Pages of log past which a commit checkpoints by itself (SQLite's
/// `wal_autocheckpoint`): the backstop of a checkpointer that fell behind.
pub const BACKSTOP_PAGES: u32 = 10_000;

/// Starts the checkpointer of `pool` on the current tokio runtime; it runs
/// while `alive` can be upgraded. `every` zero: no checkpointer (SQLite's
/// automatic checkpoint alone).
pub fn start(pool: SqlitePool, alive: Weak<()>, every: Duration) {
    if every.is_zero() {
        return;
    }
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tick.tick().await;
        loop {
            tick.tick().await;
            if alive.upgrade().is_none() || pool.is_closed() {
                return;
            }
            if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                .execute(&pool)
                .await
            {
                // The next tick tries again; the backstop keeps the log bounded.
                tracing::debug!(error = %e, "write-ahead log checkpoint failed");
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::time::{Duration, Instant};

    use sqlx::sqlite::SqliteConnectOptions;
    use sqlx::{ConnectOptions as _, Row as _};

    use crate::config::StorageConfig;
    use crate::runtime::KvScope;
    use crate::store::{CommitBatch, KvWrite, SQLITE_FILE, Store};

    /// Rows of `kv` in the database file itself, its write-ahead log
    /// ignored (`immutable`): what a checkpoint copied there (0 while not
    /// even the table is).
    async fn in_file(path: &Path) -> i64 {
        let mut conn = SqliteConnectOptions::new()
            .filename(path)
            .immutable(true)
            .read_only(true)
            .connect()
            .await
            .expect("the file opens");
        sqlx::query("SELECT COUNT(*) FROM kv")
            .fetch_one(&mut conn)
            .await
            .map_or(0, |row| row.get(0))
    }

    /// Commits 10 small writes with the checkpointer at `every_ms`, then
    /// waits up to `wait` for them to reach the database file; returns how
    /// many did.
    async fn copied(every_ms: u64, wait: Duration) -> i64 {
        let dir = tempfile::tempdir().expect("temp dir");
        let config = StorageConfig {
            sqlite_checkpoint_ms: every_ms,
            ..StorageConfig::default()
        };
        let store = Store::open(&config, dir.path()).await.expect("opens");
        let scope = KvScope {
            game: "default".into(),
            component: "c".into(),
        };
        for n in 0..10 {
            let write = KvWrite {
                scope: scope.clone(),
                key: format!("k{n}"),
                value: Some(vec![1]),
            };
            store
                .commit(CommitBatch {
                    kv: vec![write],
                    ..CommitBatch::default()
                })
                .await
                .expect("commits");
        }
        let path = dir.path().join(SQLITE_FILE);
        let deadline = Instant::now() + wait;
        loop {
            let rows = in_file(&path).await;
            if rows == 10 || Instant::now() >= deadline {
                return rows;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    #[tokio::test]
    async fn the_checkpointer_copies_the_log_into_the_file_without_a_commit_doing_it() {
        assert_eq!(
            copied(20, Duration::from_secs(10)).await,
            10,
            "copied by the checkpointer"
        );
        // Without it, SQLite's own checkpoint waits for 1000 pages of log,
        // which 10 small commits are far from.
        assert_eq!(
            copied(0, Duration::from_millis(300)).await,
            0,
            "still only in the log"
        );
    }
}
