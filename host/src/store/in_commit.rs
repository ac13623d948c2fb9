//! A log that takes a commit's events in the commit's own transaction.
//!
//! The outbox bridges a database transaction and a bus that is not in it.
//! The embedded log is in the same database: when it registers here
//! ([`super::Store::append_in_commits`], `crate::bus::EmbeddedBus`), a group
//! commit does the relay's round itself, in its own transaction: it appends
//! its events to the log and writes their outbox rows already sent (the
//! relay's embedded round appends and marks in one transaction too). An
//! event is then on the bus exactly when the state that caused it is
//! committed: no relay round and no second transaction per event, and no
//! wait for the relay's poll.
//!
//! Order per key: a group appends in commit order under the database's
//! write lock (SQLite) or the log head's row lock (PostgreSQL). While the
//! outbox still holds unsent rows (written before the log registered, or by
//! a write outside the group commit), a group writes to the outbox as
//! before, so no event overtakes an older one of its key; once the relay has
//! drained them, groups append again (`sql.rs`, `write_events`).

use async_trait::async_trait;

use super::outbox::OutboxEvent;

/// A log in the store's own database that appends a group's events in the
/// group's transaction. Each `append_*` runs on its backend's transaction;
/// an error fails the group like any statement's.
#[async_trait]
pub trait InCommitLog: Send + Sync + 'static {
    /// Whether it carries every one of `events` (its topics); if not, the
    /// group writes them to the outbox.
    fn takes(&self, events: &[&OutboxEvent]) -> bool;

    /// Appends `events`, in order, in a SQLite transaction.
    async fn append_sqlite(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Sqlite>,
        events: &[&OutboxEvent],
        now_ms: i64,
    ) -> Result<(), sqlx::Error>;

    /// Appends `events`, in order, in a PostgreSQL transaction.
    async fn append_postgres(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Postgres>,
        events: &[&OutboxEvent],
        now_ms: i64,
    ) -> Result<(), sqlx::Error>;

    /// Told once the transaction that appended `events` committed (to wake
    /// the log's readers).
    fn committed(&self, events: &[&OutboxEvent]);
}

/// Where a backend keeps the log registered with it: set once.
pub type InCommitSlot = std::sync::OnceLock<std::sync::Arc<dyn InCommitLog>>;
