//! A sole lease: one lease a process holds for as long as it can, for a
//! task only one process may run at a time (the outbox relay). Whoever takes
//! it after it expired starts a new tenure (a higher fence).

use super::{OwnershipOptions, renew_if_due};
use crate::store::{Lease, Store, StoreError};

/// One lease a process holds for as long as it can, for a task only one
/// process may run at a time. Whoever takes it after it expired starts a new
/// tenure (a higher fence).
pub struct SoleLease {
    game: String,
    name: String,
    owner: String,
    options: OwnershipOptions,
    held: Option<Lease>,
}

impl SoleLease {
    pub fn new(game: &str, name: &str, owner: &str, options: OwnershipOptions) -> Self {
        Self {
            game: game.to_owned(),
            name: name.to_owned(),
            owner: owner.to_owned(),
            options,
            held: None,
        }
    }

    pub fn options(&self) -> &OwnershipOptions {
        &self.options
    }

    /// Takes the lease if it is free or expired, renews it if held and due;
    /// the lease if it is held and [`OwnershipOptions::usable`] at `now_ms`.
    /// Cheap when nothing is due (no query). On an error the lease is kept
    /// as it was, to be renewed at the next call.
    pub async fn hold(&mut self, store: &Store, now_ms: i64) -> Result<Option<&Lease>, StoreError> {
        let next = match &self.held {
            Some(lease) => renew_if_due(store, lease, now_ms, &self.options).await?,
            None => store
                .lease_acquire(
                    &self.game,
                    &self.name,
                    &self.owner,
                    now_ms,
                    self.options.ttl_ms(),
                )
                .await?
                .acquired(),
        };
        if self.held.is_some() && next.is_none() {
            tracing::warn!(lease = %self.name, owner = %self.owner, "lease lost to another process");
        }
        self.held = next;
        let options = self.options;
        Ok(self.held.as_ref().filter(|l| options.usable(l, now_ms)))
    }

    /// Lets the lease go, so another process takes it at once.
    pub async fn release(&mut self, store: &Store) -> Result<(), StoreError> {
        if let Some(lease) = self.held.take() {
            store.lease_release(&lease).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bus::ownership::testing::sqlite;

    #[tokio::test]
    async fn one_sole_lease_holder_at_a_time() {
        let (_dir, store) = sqlite().await;
        let options = OwnershipOptions::default();
        let mut a = SoleLease::new("*", "outbox-relay", "host-a", options);
        let mut b = SoleLease::new("*", "outbox-relay", "host-b", options);
        assert!(a.hold(&store, 1_000).await.expect("hold").is_some());
        assert!(b.hold(&store, 1_000).await.expect("hold").is_none());
        assert!(a.hold(&store, 2_000).await.expect("renewed").is_some());
        assert!(
            b.hold(&store, 4_500).await.expect("hold").is_none(),
            "renewed at 2 s"
        );
        assert!(
            b.hold(&store, 5_001).await.expect("hold").is_some(),
            "expired: b takes it"
        );
        assert!(
            a.hold(&store, 5_002).await.expect("hold").is_none(),
            "a lost it"
        );
        b.release(&store).await.expect("release");
        assert!(
            a.hold(&store, 5_003).await.expect("hold").is_some(),
            "released: a takes it"
        );
    }
}
