//! A saga's plan: its ordered steps and the terms people read, fixed when
//! it starts and stored with it (`sagas.plan`), so a host that resumes it
//! runs exactly what was planned, whatever the market component says now.
//!
//! Steps before [`Step::Settle`] can be undone; `Settle` is the pivot, the
//! one step that moves money and items between players (or a tournament's
//! fee to the house), all in one transaction, and always the last.

use serde::{Deserialize, Serialize};

use crate::store::economy_ops::Payout;

/// One step of a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "kebab-case")]
pub enum Step {
    /// Holds `amount` of `player`'s `currency` (undo: release it).
    ReserveFunds {
        player: String,
        currency: String,
        amount: i64,
    },
    /// Locks `owner`'s item to the saga, taking it from `listing`'s lock
    /// when there is one (undo: give it back to `owner` or to the listing).
    LockItem {
        item_id: String,
        owner: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        listing: Option<String>,
    },
    /// A step the market component added by name (see [`CHECKS`]).
    Check { name: String },
    /// Puts `player` in the first group of `tournament` with room for
    /// them (at most `group_size` players), entered at `entered_at_ms`
    /// (undo: takes them out again).
    JoinGroup {
        tournament: String,
        player: String,
        group_size: u32,
        entered_at_ms: i64,
    },
    /// Pays the holds out and gives the items to their new owners (the
    /// pivot: never undone).
    Settle(Settlement),
}

/// What [`Step::Settle`] moves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settlement {
    /// For each `ReserveFunds` step (by index), who is paid what.
    pub captures: Vec<Capture>,
    pub items: Vec<Handover>,
    /// The listing sold by this saga.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listing: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Capture {
    pub step: usize,
    pub payouts: Vec<Payout>,
}

/// An item locked by a `LockItem` step, going from `from` to `to`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Handover {
    pub item_id: String,
    pub from: String,
    pub to: String,
}

/// The extra steps a market component may add, by name. `audit` records
/// the trade's terms as an `economy-events` event before it settles.
pub const CHECKS: &[&str] = &["audit"];

/// A saga's plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub steps: Vec<Step>,
    /// What the saga is about, as its API shows it (e.g. the listing, the
    /// price and the fee of a market trade).
    pub terms: serde_json::Value,
    /// The correlation id of the request that started it, carried into
    /// every event it emits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
}

impl Step {
    /// The step's name in the saga log.
    pub fn name(&self) -> String {
        match self {
            Step::ReserveFunds { .. } => "reserve-funds".into(),
            Step::LockItem { .. } => "lock-item".into(),
            Step::Check { name } => format!("check:{name}"),
            Step::JoinGroup { .. } => "join-group".into(),
            Step::Settle(_) => "transfer".into(),
        }
    }

    /// The saga's label once this step is done (the seed's state names).
    pub fn label_after(&self) -> String {
        match self {
            Step::ReserveFunds { .. } => "FUNDS_RESERVED".into(),
            Step::LockItem { .. } => "ITEM_LOCKED".into(),
            Step::Check { name } => format!("{}_DONE", name.to_ascii_uppercase()),
            Step::JoinGroup { .. } => "GROUPED".into(),
            Step::Settle(_) => crate::saga::COMPLETED.into(),
        }
    }

    /// What the step calls: `wallet`, `inventory`, `market` or
    /// `tournament` (each has its breaker).
    pub fn target(&self) -> super::Target {
        match self {
            Step::ReserveFunds { .. } | Step::Settle(_) => super::Target::Wallet,
            Step::LockItem { .. } => super::Target::Inventory,
            Step::Check { .. } => super::Target::Market,
            Step::JoinGroup { .. } => super::Target::Tournament,
        }
    }
}

impl Plan {
    /// Refuses a plan the runner could not run: no steps, a `Settle` that
    /// is not last or not alone, a capture of a step that reserves nothing,
    /// an unknown check.
    pub fn check(&self) -> Result<(), String> {
        let Some(Step::Settle(settle)) = self.steps.last() else {
            return Err("a plan ends with its transfer step".into());
        };
        let settles = self
            .steps
            .iter()
            .filter(|s| matches!(s, Step::Settle(_)))
            .count();
        if settles != 1 {
            return Err("a plan has exactly one transfer step".into());
        }
        for capture in &settle.captures {
            let Some(Step::ReserveFunds { amount, .. }) = self.steps.get(capture.step) else {
                return Err(format!(
                    "step {} reserves no funds to pay out",
                    capture.step
                ));
            };
            let paid: i64 = capture.payouts.iter().map(|p| p.amount).sum();
            if paid != *amount {
                return Err(format!(
                    "step {} reserved {amount} but pays out {paid}",
                    capture.step
                ));
            }
        }
        for step in &self.steps {
            if let Step::Check { name } = step
                && !CHECKS.contains(&name.as_str())
            {
                return Err(format!(
                    "unknown extra step `{name}` (known: {})",
                    CHECKS.join(", ")
                ));
            }
        }
        Ok(())
    }
}

/// The id of the hold of step `step` of saga `saga_id`.
pub fn hold_id(saga_id: &str, step: usize) -> String {
    format!("{saga_id}/{step}")
}

/// What an item locked by saga `saga_id` is locked to.
pub fn lock_ref(saga_id: &str) -> String {
    format!("trade:{saga_id}")
}

/// What an item listed by `listing_id` is locked to.
pub fn listing_ref(listing_id: &str) -> String {
    format!("listing:{listing_id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settle(amount: i64) -> Plan {
        Plan {
            steps: vec![
                Step::ReserveFunds {
                    player: "b".into(),
                    currency: "gold".into(),
                    amount: 10,
                },
                Step::Settle(Settlement {
                    captures: vec![Capture {
                        step: 0,
                        payouts: vec![Payout {
                            player: "s".into(),
                            amount,
                            reason: "sale".into(),
                        }],
                    }],
                    items: vec![],
                    listing: None,
                }),
            ],
            terms: serde_json::Value::Null,
            correlation_id: None,
        }
    }

    #[test]
    fn a_plan_pays_out_exactly_what_it_reserved() {
        assert_eq!(settle(10).check(), Ok(()));
        let err = settle(9).check().unwrap_err();
        assert!(err.contains("reserved 10 but pays out 9"), "{err}");
    }

    #[test]
    fn a_plan_must_end_in_its_one_transfer_and_know_its_checks() {
        let mut plan = settle(10);
        plan.steps.push(Step::Check {
            name: "audit".into(),
        });
        assert!(plan.check().is_err(), "transfer is last");
        let mut plan = settle(10);
        plan.steps.insert(
            1,
            Step::Check {
                name: "bribe".into(),
            },
        );
        assert!(plan.check().unwrap_err().contains("unknown extra step"));
    }

    #[test]
    fn a_plan_reads_back_what_it_wrote() {
        let plan = settle(10);
        let text = serde_json::to_string(&plan).unwrap();
        assert!(text.contains(r#""step":"reserve-funds""#), "{text}");
        assert_eq!(serde_json::from_str::<Plan>(&text).unwrap(), plan);
    }
}
