//! A process's membership of a consumer group, and the partitions it holds.
//!
//! Leases of group `g` of a game: `bus/g/member/<slot>` (a member's slot,
//! `slot < max_members`, so dead members leave no growing trail) and
//! `bus/g/partition/<topic>/<partition>`. A group name holds no `/`.
//!
//! Every tick (each `renew_every_ms`) a member renews what it holds, reads
//! the group's leases in one query, keeps or takes a member slot, and with
//! `n` live members ranked by owner id takes its share
//! ([`super::share()`]). Above it, it releases units at once (a new member
//! then finds them free); below it, it takes free or expired units.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use super::share::{Unit, plan};
use super::{OwnershipOptions, renew_if_due};
use crate::store::{Lease, Store, StoreError};

/// Most lease records one tick reads for a group: its member slots and its
/// units, with room to spare.
const LISTED_LEASES_MAX: u32 = 4096;

/// The units a process holds, each with its lease (the fence of its commits).
pub type Owned = Arc<BTreeMap<Unit, Lease>>;

/// The name of the lease on `unit` of `group`.
pub fn unit_lease(group: &str, unit: &Unit) -> String {
    format!("bus/{group}/partition/{}/{}", unit.topic, unit.partition)
}

/// The name of member slot `slot` of `group`.
pub fn member_lease(group: &str, slot: u32) -> String {
    format!("bus/{group}/member/{slot}")
}

/// The prefix of every lease of `group`.
fn group_leases(group: &str) -> String {
    format!("bus/{group}/")
}

/// One process's membership of a consumer group and the units it holds.
/// Run it with [`Ownership::run`] (a task of its own, so leases are renewed
/// while the consumer is busy) or call [`Ownership::tick_if_due`] between
/// rounds; read what it holds from [`Ownership::watch`].
pub struct Ownership {
    store: Store,
    game: String,
    group: String,
    owner: String,
    units: Vec<Unit>,
    options: OwnershipOptions,
    member: Option<Lease>,
    held: BTreeMap<Unit, Lease>,
    published: watch::Sender<Owned>,
    next_tick_ms: i64,
}

impl Ownership {
    /// Member `owner` of `group` of `game`, over `units`.
    pub fn new(
        store: Store,
        game: &str,
        group: &str,
        owner: &str,
        units: Vec<Unit>,
        options: OwnershipOptions,
    ) -> Self {
        let mut units = units;
        units.sort();
        units.dedup();
        Self {
            store,
            game: game.to_owned(),
            group: group.to_owned(),
            owner: owner.to_owned(),
            units,
            options,
            member: None,
            held: BTreeMap::new(),
            published: watch::Sender::new(Owned::default()),
            next_tick_ms: i64::MIN,
        }
    }

    pub fn owner(&self) -> &str {
        &self.owner
    }

    pub fn options(&self) -> &OwnershipOptions {
        &self.options
    }

    /// What this member holds, updated at every tick; it changes (wakes a
    /// receiver) when the set of units changes.
    pub fn watch(&self) -> watch::Receiver<Owned> {
        self.published.subscribe()
    }

    /// A tick if one is due at `now_ms` (one per `renew_every_ms`).
    pub async fn tick_if_due(&mut self, now_ms: i64) -> Result<(), StoreError> {
        if now_ms < self.next_tick_ms {
            return Ok(());
        }
        self.tick(now_ms).await
    }

    /// Renews what this member holds, then takes or gives away units to
    /// match its share (see the module doc), and publishes the result. A
    /// failed query ends the tick early; what it held stays held.
    pub async fn tick(&mut self, now_ms: i64) -> Result<(), StoreError> {
        self.next_tick_ms = now_ms.saturating_add(self.options.renew_ms());
        let result = self.step(now_ms).await;
        self.publish();
        result
    }

    async fn step(&mut self, now_ms: i64) -> Result<(), StoreError> {
        if let Some(member) = &self.member {
            self.member = renew_if_due(&self.store, member, now_ms, &self.options).await?;
        }
        for (unit, lease) in self.held.clone() {
            match renew_if_due(&self.store, &lease, now_ms, &self.options).await? {
                Some(renewed) => {
                    self.held.insert(unit, renewed);
                }
                None => {
                    tracing::warn!(lease = %lease.name, owner = %self.owner, "partition lost to another process");
                    self.held.remove(&unit);
                }
            }
        }

        let listed = self
            .store
            .lease_list(&self.game, &group_leases(&self.group), LISTED_LEASES_MAX)
            .await?;
        let by_name: BTreeMap<&str, &Lease> = listed.iter().map(|l| (l.name.as_str(), l)).collect();
        if self.member.is_none() {
            self.member = self.take_slot(&by_name, now_ms).await?;
        }
        let mut members: BTreeSet<String> = (0..self.options.max_members)
            .filter_map(|slot| {
                by_name
                    .get(member_lease(&self.group, slot).as_str())
                    .copied()
            })
            .filter(|l| l.expires_at_ms > now_ms)
            .map(|l| l.owner.clone())
            .collect();
        members.insert(self.owner.clone());
        let records: BTreeMap<Unit, Lease> = self
            .units
            .iter()
            .filter_map(|u| {
                let lease = by_name.get(unit_lease(&self.group, u).as_str())?;
                Some((u.clone(), (*lease).clone()))
            })
            .collect();
        let held: BTreeSet<Unit> = self.held.keys().cloned().collect();
        let plan = plan(&self.owner, &self.units, &members, &records, &held, now_ms);

        for unit in &plan.release {
            if let Some(lease) = self.held.remove(unit) {
                tracing::info!(lease = %lease.name, owner = %self.owner, "partition given away to a new member");
                self.store.lease_release(&lease).await?;
            }
        }
        for unit in &plan.candidates {
            if self.held.len() >= plan.target {
                break;
            }
            let name = unit_lease(&self.group, unit);
            let ttl = self.options.ttl_ms();
            let taken = self
                .store
                .lease_acquire(&self.game, &name, &self.owner, now_ms, ttl)
                .await?;
            if let Some(lease) = taken.acquired() {
                tracing::info!(lease = %name, owner = %self.owner, fence = lease.fence, "partition taken");
                self.held.insert(unit.clone(), lease);
            }
        }
        Ok(())
    }

    /// Takes the lowest free member slot, if there is one.
    async fn take_slot(
        &self,
        by_name: &BTreeMap<&str, &Lease>,
        now_ms: i64,
    ) -> Result<Option<Lease>, StoreError> {
        for slot in 0..self.options.max_members {
            let name = member_lease(&self.group, slot);
            let free = by_name
                .get(name.as_str())
                .is_none_or(|l| l.expires_at_ms <= now_ms || l.owner == self.owner);
            if !free {
                continue;
            }
            let taken = self
                .store
                .lease_acquire(
                    &self.game,
                    &name,
                    &self.owner,
                    now_ms,
                    self.options.ttl_ms(),
                )
                .await?;
            if let Some(lease) = taken.acquired() {
                return Ok(Some(lease));
            }
        }
        tracing::warn!(owner = %self.owner, max_members = self.options.max_members,
            "every member slot of the group is taken; taking only free partitions");
        Ok(None)
    }

    fn publish(&self) {
        let now = Arc::new(self.held.clone());
        self.published.send_if_modified(|shown| {
            let moved = !shown.keys().eq(now.keys());
            *shown = now;
            moved
        });
    }

    /// Gives every unit and the member slot away (a clean stop), so the
    /// others take them at once instead of after `lease_ttl_ms`.
    pub async fn release_all(&mut self) {
        let leases: Vec<Lease> = std::mem::take(&mut self.held)
            .into_values()
            .chain(self.member.take())
            .collect();
        self.publish();
        for lease in leases {
            if let Err(e) = self.store.lease_release(&lease).await {
                tracing::warn!(lease = %lease.name, error = %e, "could not release a lease; it will expire");
            }
        }
    }

    /// Ticks every `renew_every_ms` (clock: Unix milliseconds) until `stop`
    /// turns true, then releases everything.
    pub async fn run(
        mut self,
        mut stop: watch::Receiver<bool>,
        clock: Arc<dyn Fn() -> i64 + Send + Sync>,
    ) {
        let period = Duration::from_millis(u64::try_from(self.options.renew_ms()).unwrap_or(1));
        while !*stop.borrow() {
            if let Err(e) = self.tick(clock()).await {
                tracing::warn!(owner = %self.owner, error = %e, "ownership tick failed; retrying");
            }
            tokio::select! {
                _ = tokio::time::sleep(period) => {}
                _ = stop.changed() => {}
            }
        }
        self.release_all().await;
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::bus::ownership::testing::{sqlite, units};

    fn member(store: &Store, owner: &str) -> Ownership {
        let options = OwnershipOptions {
            lease_ttl_ms: 3_000,
            renew_every_ms: 1_000,
            max_members: 8,
        };
        Ownership::new(
            store.clone(),
            "default",
            "rewards",
            owner,
            units(4),
            options,
        )
    }

    fn holds(o: &Ownership) -> usize {
        o.watch().borrow().len()
    }

    #[tokio::test]
    async fn two_members_split_four_partitions_and_a_survivor_takes_them_all() {
        let (_dir, store) = sqlite().await;
        let (mut a, mut b) = (member(&store, "host-a"), member(&store, "host-b"));
        a.tick(1_000).await.expect("tick");
        assert_eq!(holds(&a), 4, "alone, a takes everything");
        b.tick(1_000).await.expect("tick");
        assert_eq!(holds(&b), 0, "b waits for a to give some away");
        a.tick(2_000).await.expect("tick");
        assert_eq!(holds(&a), 2, "a gives away what is above its share");
        b.tick(2_000).await.expect("tick");
        assert_eq!((holds(&a), holds(&b)), (2, 2));
        let of_a: BTreeSet<Unit> = a.watch().borrow().keys().cloned().collect();
        let of_b: BTreeSet<Unit> = b.watch().borrow().keys().cloned().collect();
        assert!(of_a.is_disjoint(&of_b), "{of_a:?} / {of_b:?}");
        for t in [3_000, 4_000] {
            a.tick(t).await.expect("tick");
            b.tick(t).await.expect("tick");
            assert_eq!((holds(&a), holds(&b)), (2, 2), "stable at {t}");
        }

        // a dies (stops ticking); its leases run out 3 s after its last renewal.
        b.tick(5_000).await.expect("tick");
        assert_eq!(holds(&b), 2, "a's leases are still live");
        b.tick(8_000).await.expect("tick");
        assert_eq!(holds(&b), 4, "the survivor takes the expired partitions");
        let fences: Vec<i64> = b.watch().borrow().values().map(|l| l.fence).collect();
        assert!(
            fences.iter().any(|f| *f > 1),
            "a taken partition is a new tenure: {fences:?}"
        );

        // a paused host wakes: its tenure is over.
        let stale = a
            .watch()
            .borrow()
            .values()
            .next()
            .cloned()
            .expect("a held one");
        assert!(!a.options().usable(&stale, 8_000));
        a.tick(8_000).await.expect("tick");
        assert_eq!(holds(&a), 0, "its leases were lost");
    }

    #[tokio::test]
    async fn a_stopped_member_hands_its_partitions_over_at_once() {
        let (_dir, store) = sqlite().await;
        let (mut a, mut b) = (member(&store, "host-a"), member(&store, "host-b"));
        a.tick(1_000).await.expect("tick");
        b.tick(1_000).await.expect("tick");
        a.tick(2_000).await.expect("tick");
        b.tick(2_000).await.expect("tick");
        assert_eq!((holds(&a), holds(&b)), (2, 2));
        a.release_all().await;
        assert_eq!(holds(&a), 0);
        b.tick(2_100).await.expect("tick");
        assert_eq!(holds(&b), 4, "no wait for expiry");
    }
}
