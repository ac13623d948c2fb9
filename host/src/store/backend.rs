//! The storage interface: what every backend (SQLite, PostgreSQL) does, with
//! the same meaning, proven by one conformance suite
//! (`host/tests/store_conformance.rs`).
//!
//! Times are Unix milliseconds passed in by the caller, so behaviour never
//! depends on a hidden clock. Every method is one transaction or less.

use async_trait::async_trait;

use super::batch::CommitBatch;
use super::error::StoreError;
use super::idempotency::{Begun, IdempotencyBegin, IdempotencyRecord};
use super::lease::{Lease, LeaseAcquire};
use super::outbox::OutboxRow;
use crate::runtime::KvScope;

/// Which database a backend talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendKind {
    Sqlite,
    Postgres,
}

/// A held place in a backend's queue of writers ([`Backend::write_gate`]).
pub type WriteGate = tokio::sync::OwnedMutexGuard<()>;

/// A backend's connection pool, for the SQL of other modules over the same
/// database (the embedded event bus, `crate::bus::embedded`), which keep
/// their own tables and their own transactions.
#[derive(Clone, Copy)]
pub enum PoolRef<'a> {
    Sqlite(&'a sqlx::SqlitePool),
    Postgres(&'a sqlx::PgPool),
}

impl<'a> From<&'a sqlx::SqlitePool> for PoolRef<'a> {
    fn from(pool: &'a sqlx::SqlitePool) -> Self {
        Self::Sqlite(pool)
    }
}

impl<'a> From<&'a sqlx::PgPool> for PoolRef<'a> {
    fn from(pool: &'a sqlx::PgPool) -> Self {
        Self::Postgres(pool)
    }
}

/// One storage backend. Implementations are cheap to share (`Arc`) and safe
/// to call from many tasks.
#[async_trait]
pub trait Backend: Send + Sync + 'static {
    fn kind(&self) -> BackendKind;

    /// The connection pool, for modules with tables of their own (the
    /// embedded bus); `None` for a backend without one (a test double).
    fn pool_ref(&self) -> Option<PoolRef<'_>> {
        None
    }

    /// The pool of the writes that hold the [`Backend::write_gate`]: on
    /// SQLite one connection of their own, whose page cache no other
    /// connection's commit empties; elsewhere [`Backend::pool_ref`].
    fn write_pool_ref(&self) -> Option<PoolRef<'_>> {
        self.pool_ref()
    }

    /// A place in this process's queue of writers, where the database has
    /// one write lock (SQLite): a writer holds it across its write, so
    /// writers wait their turn here instead of sleeping in SQLite's busy
    /// handler. `None` where writers need no queue (PostgreSQL).
    async fn write_gate(&self) -> Option<WriteGate> {
        None
    }

    /// Makes `log` take the events of every later group commit in the
    /// group's transaction (`super::in_commit`); false if a log was
    /// registered already (it stays) or the backend has no SQL database.
    fn append_in_commits(&self, log: std::sync::Arc<dyn super::InCommitLog>) -> bool {
        let _ = log;
        false
    }

    /// Applies the versioned migrations this build ships that the database
    /// lacks. Running it again is a no-op; a database migrated by a newer
    /// build is refused.
    async fn migrate(&self) -> Result<(), StoreError>;

    /// The committed value of `key`.
    async fn kv_get(&self, scope: &KvScope, key: &str) -> Result<Option<Vec<u8>>, StoreError>;

    /// Up to `limit` pairs whose key starts with `prefix`, in byte order of
    /// the key, after the key `after` (for paging).
    async fn kv_scan(
        &self,
        scope: &KvScope,
        prefix: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<(String, Vec<u8>)>, StoreError>;

    /// Commits `batches` in one transaction, in order, and returns one result
    /// per batch. A batch whose guard conflicts (or whose data is refused)
    /// fails alone; the others commit. If the transaction itself fails, every
    /// batch gets the error and nothing is committed. Callers normally go
    /// through [`super::Store::commit`], which groups batches of many callers.
    async fn commit_group(&self, batches: &[CommitBatch]) -> Vec<Result<(), StoreError>>;

    /// Up to `limit` unsent events, in commit order (so in order per key).
    async fn outbox_unsent(&self, limit: u32) -> Result<Vec<OutboxRow>, StoreError>;

    /// Marks events sent (after the bus confirmed delivery). Returns how many
    /// were unsent until now.
    async fn outbox_mark_sent(&self, ids: &[String], sent_at_ms: i64) -> Result<u64, StoreError>;

    /// Deletes up to `limit` events sent before `sent_before_ms`.
    async fn outbox_purge_sent(&self, sent_before_ms: i64, limit: u32) -> Result<u64, StoreError>;

    /// Reserves an idempotency key for one attempt; see
    /// [`super::idempotency`].
    async fn idempotency_begin(&self, begin: &IdempotencyBegin) -> Result<Begun, StoreError>;

    /// The live (unexpired at `now_ms`) record of a key.
    async fn idempotency_get(
        &self,
        game: &str,
        scope: &str,
        key: &str,
        now_ms: i64,
    ) -> Result<Option<IdempotencyRecord>, StoreError>;

    /// Gives up an attempt's reservation (the attempt failed without effect),
    /// so a retry may run. True if it was still that attempt's.
    async fn idempotency_release(
        &self,
        game: &str,
        scope: &str,
        key: &str,
        attempt: &str,
    ) -> Result<bool, StoreError>;

    /// Deletes up to `limit` records expired at `now_ms`.
    async fn idempotency_purge_expired(&self, now_ms: i64, limit: u32) -> Result<u64, StoreError>;

    /// Whether `consumer_group` already applied `event_id`.
    async fn is_processed(&self, consumer_group: &str, event_id: &str) -> Result<bool, StoreError>;

    /// Deletes up to `limit` processed-event records older than
    /// `before_ms`: the dedupe window ends there.
    async fn processed_purge(&self, before_ms: i64, limit: u32) -> Result<u64, StoreError>;

    /// Takes the lease `name` for `owner` until `now_ms + ttl_ms`, if it is
    /// free, expired, or already `owner`'s (then it is extended).
    async fn lease_acquire(
        &self,
        game: &str,
        name: &str,
        owner: &str,
        now_ms: i64,
        ttl_ms: i64,
    ) -> Result<LeaseAcquire, StoreError>;

    /// Extends a held lease to `now_ms + ttl_ms`; `None` if it was lost (a
    /// new tenure began).
    async fn lease_renew(
        &self,
        lease: &Lease,
        now_ms: i64,
        ttl_ms: i64,
    ) -> Result<Option<Lease>, StoreError>;

    /// Lets a lease go at once. True if it was still this tenure's.
    async fn lease_release(&self, lease: &Lease) -> Result<bool, StoreError>;

    /// The lease's current record, expired or not.
    async fn lease_get(&self, game: &str, name: &str) -> Result<Option<Lease>, StoreError>;

    /// Up to `limit` lease records of `game` whose name starts with
    /// `prefix`, expired or not, by name: how the members of a group find
    /// each other and who holds what (`crate::bus::ownership`). Reads every
    /// lease of the game; keep the count of a game's leases modest. A
    /// backend without a lease table (a test double) refuses.
    async fn lease_list(
        &self,
        game: &str,
        prefix: &str,
        limit: u32,
    ) -> Result<Vec<Lease>, StoreError> {
        let _ = (game, prefix, limit);
        Err(StoreError::invalid(
            "lease list",
            "this backend cannot list leases",
        ))
    }

    /// Closes every connection; later calls fail.
    async fn close(&self);
}
