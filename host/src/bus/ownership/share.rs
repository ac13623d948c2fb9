//! The fair-share rule of a consumer group's members, pure: how many units
//! (partitions) each member should hold, and what one member does at a tick
//! to get there.

use std::collections::{BTreeMap, BTreeSet};

use crate::store::Lease;

/// A unit of a group's work that one process owns at a time: one partition
/// of one topic.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Unit {
    pub topic: String,
    pub partition: i32,
}

/// What a member does at one tick: give away `release`, and take from
/// `candidates`, in order, until it holds `target` units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub target: usize,
    pub release: Vec<Unit>,
    pub candidates: Vec<Unit>,
}

/// The fair share of the member at `rank` (0-based) among `members`:
/// `units / members`, plus one for the first `units % members` ranks, so the
/// shares add up to `units` and differ by at most one.
pub fn share(units: usize, members: usize, rank: usize) -> usize {
    let members = members.max(1);
    units / members + usize::from(rank < units % members)
}

/// The tick of member `me`: `units` of the group, the live `members` (owner
/// ids, `me` among them), the group's unit lease `records` and what `me`
/// `held` at `now_ms`. Releases the highest units above the share; candidates
/// are units that are free, expired or already `me`'s, starting at a place
/// that depends on the rank, so members that start together try different
/// units first.
pub fn plan(
    me: &str,
    units: &[Unit],
    members: &BTreeSet<String>,
    records: &BTreeMap<Unit, Lease>,
    held: &BTreeSet<Unit>,
    now_ms: i64,
) -> Plan {
    let rank = members
        .iter()
        .position(|m| m == me)
        .unwrap_or(members.len());
    let count = members.len() + usize::from(!members.contains(me));
    let target = share(units.len(), count, rank);
    let release = held
        .iter()
        .rev()
        .take(held.len().saturating_sub(target))
        .cloned()
        .collect();
    let start = if units.is_empty() {
        0
    } else {
        rank * units.len() / count % units.len()
    };
    let candidates = if held.len() < target {
        units[start..]
            .iter()
            .chain(&units[..start])
            .filter(|unit| !held.contains(*unit))
            .filter(|unit| {
                records
                    .get(*unit)
                    .is_none_or(|l| l.expires_at_ms <= now_ms || l.owner == me)
            })
            .cloned()
            .collect()
    } else {
        Vec::new()
    };
    Plan {
        target,
        release,
        candidates,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bus::ownership::testing::units;

    fn members(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|n| (*n).to_owned()).collect()
    }

    fn lease(owner: &str, expires_at_ms: i64) -> Lease {
        Lease {
            game: "default".into(),
            name: "n".into(),
            owner: owner.into(),
            fence: 1,
            expires_at_ms,
        }
    }

    #[test]
    fn shares_add_up_to_every_unit_and_differ_by_at_most_one() {
        for units in 0..20 {
            for members in 1..8 {
                let shares: Vec<usize> = (0..members).map(|r| share(units, members, r)).collect();
                assert_eq!(shares.iter().sum::<usize>(), units, "{units}/{members}");
                let (lo, hi) = (shares.iter().min(), shares.iter().max());
                assert!(hi.zip(lo).is_some_and(|(h, l)| h - l <= 1), "{shares:?}");
            }
        }
        assert_eq!(share(4, 0, 0), 4, "no members counts as one");
    }

    #[test]
    fn a_lone_member_takes_every_free_or_expired_unit() {
        let mut records = BTreeMap::new();
        records.insert(units(4)[1].clone(), lease("dead-host", 900));
        let plan = plan(
            "a",
            &units(4),
            &members(&["a"]),
            &records,
            &BTreeSet::new(),
            1_000,
        );
        assert_eq!(plan.target, 4);
        assert_eq!(plan.candidates, units(4));
        assert!(plan.release.is_empty());
    }

    #[test]
    fn a_member_gives_away_what_is_above_its_share_when_another_joins() {
        let held: BTreeSet<Unit> = units(4).into_iter().collect();
        let records: BTreeMap<Unit, Lease> = units(4)
            .into_iter()
            .map(|u| (u, lease("a", 5_000)))
            .collect();
        let plan = plan(
            "a",
            &units(4),
            &members(&["a", "b"]),
            &records,
            &held,
            1_000,
        );
        assert_eq!(plan.target, 2);
        assert_eq!(plan.release, vec![units(4)[3].clone(), units(4)[2].clone()]);
        assert!(plan.candidates.is_empty());
        // The newcomer waits for them: nothing live is a candidate.
        let plan = super::plan(
            "b",
            &units(4),
            &members(&["a", "b"]),
            &records,
            &BTreeSet::new(),
            1_000,
        );
        assert_eq!(plan.target, 2);
        assert!(plan.candidates.is_empty());
    }

    #[test]
    fn members_starting_together_try_different_units_first() {
        let all = members(&["a", "b"]);
        let none = BTreeMap::new();
        let a = plan("a", &units(4), &all, &none, &BTreeSet::new(), 0);
        let b = plan("b", &units(4), &all, &none, &BTreeSet::new(), 0);
        assert_eq!(a.candidates[..2], units(4)[..2]);
        assert_eq!(b.candidates[..2], units(4)[2..]);
    }
}
