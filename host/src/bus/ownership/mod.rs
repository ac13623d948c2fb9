//! Ownership across host processes that share one database: which process
//! consumes which partitions of a consumer group, and which one runs a
//! host-wide task (the outbox relay), by leases in the store
//! ([`crate::store::lease`]). Offsets and leases both live in the database,
//! so this works the same on the embedded log and on a broker.
//!
//! - [`OwnershipOptions`] (here): lease lifetime, renew period, member bound;
//! - [`sole`]: [`SoleLease`], one lease a process holds for as long as it
//!   can (the relay's `outbox-relay`);
//! - [`group`]: [`Ownership`], one process's membership of a consumer group
//!   and the share of the group's partitions it holds, published to its
//!   consumer as [`Owned`];
//! - [`share`]: the fair-share rule over [`Unit`]s, pure.
//!
//! No unit of work has two holders: a take is a compare-and-set in the
//! store, and a consumer's commits carry the partition's lease as their
//! fence, so a process that lost a partition (paused, slow) cannot commit
//! into it; its unfenced writes (offset, dead letter) wait for
//! [`OwnershipOptions::usable`]. A dead process's leases expire after
//! `lease_ttl_ms` and the others take them.

pub mod group;
pub mod share;
pub mod sole;

pub use group::{Owned, Ownership, member_lease, unit_lease};
pub use share::{Plan, Unit, plan, share};
pub use sole::SoleLease;

use crate::store::{Lease, Store, StoreError};

/// Lease timings of a group member or a sole-lease holder. The defaults
/// suit production; tests shorten them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OwnershipOptions {
    /// How long a lease lives unrenewed, in milliseconds: how long the work
    /// of a process that died waits before another takes it. Must dwarf the
    /// clock skew between hosts. At least 4.
    pub lease_ttl_ms: u64,
    /// How often a holder renews its leases and a member looks at its group,
    /// in milliseconds; kept within [1, `lease_ttl_ms` / 2].
    pub renew_every_ms: u64,
    /// Most members a group counts (its member slots); a process beyond them
    /// takes only units nobody holds.
    pub max_members: u32,
}

impl Default for OwnershipOptions {
    fn default() -> Self {
        Self {
            lease_ttl_ms: 3_000,
            renew_every_ms: 1_000,
            max_members: 64,
        }
    }
}

impl OwnershipOptions {
    /// The lease lifetime, in milliseconds.
    pub fn ttl_ms(&self) -> i64 {
        i64::try_from(self.lease_ttl_ms.max(4)).unwrap_or(i64::MAX)
    }

    /// The renew period, in milliseconds.
    pub fn renew_ms(&self) -> i64 {
        i64::try_from(self.renew_every_ms)
            .unwrap_or(i64::MAX)
            .clamp(1, self.ttl_ms() / 2)
    }

    /// True if `lease` has more than a quarter of its lifetime left at
    /// `now_ms`: long enough that no other process can take it before an
    /// unfenced write made now lands (a fenced commit needs no such check).
    pub fn usable(&self, lease: &Lease, now_ms: i64) -> bool {
        lease.expires_at_ms.saturating_sub(now_ms) > self.ttl_ms() / 4
    }

    /// True if `lease` is due for renewal at `now_ms`: half a renew period
    /// after its last one, so a tick each period always renews.
    fn due(&self, lease: &Lease, now_ms: i64) -> bool {
        lease.expires_at_ms.saturating_sub(now_ms) <= self.ttl_ms() - self.renew_ms() / 2
    }
}
/// Renews `lease` if it is due; `None` if it was lost (a new tenure began).
async fn renew_if_due(
    store: &Store,
    lease: &Lease,
    now_ms: i64,
    options: &OwnershipOptions,
) -> Result<Option<Lease>, StoreError> {
    if !options.due(lease, now_ms) {
        return Ok(Some(lease.clone()));
    }
    store.lease_renew(lease, now_ms, options.ttl_ms()).await
}

#[cfg(test)]
pub(crate) mod testing {
    use super::Unit;
    use crate::config::StorageConfig;
    use crate::store::Store;

    /// Partitions 0..`n` of one topic.
    pub fn units(n: i32) -> Vec<Unit> {
        (0..n)
            .map(|partition| Unit {
                topic: "match-events".into(),
                partition,
            })
            .collect()
    }

    /// A store on a SQLite file of its own, removed with the directory.
    pub async fn sqlite() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(&StorageConfig::default(), dir.path())
            .await
            .expect("store opens");
        (dir, store)
    }
}
