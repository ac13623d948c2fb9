//! Sealing an action: the one place that decides an action's id and
//! whether it is stamped.
//!
//! An unsealed action's id is its idempotency key. A [`Submission`] that
//! names a stamp (an item of type `stamp` the player owns) is sealed by it:
//! the stamp's id becomes the action's id and the action is `stamped`, which
//! the rules may honour (the classic special ability ignores its charge).
//! The stamp is spent in the batch that logs the action ([`spend`], a guard
//! of `crate::store::economy`), so it is spent exactly once, and only by an
//! accepted action: a refused one leaves it unspent. The guard alone decides
//! (no read beforehand): a stamp that is not the player's to spend fails
//! the commit, and nothing of the action remains.

use super::record::Submission;
use crate::runtime::bindings::types::Action;
use crate::store::{ItemSpend, STAMP};

/// The action `submission` asks for, at match time `at_ms`.
pub fn seal(submission: &Submission, at_ms: u64) -> Action {
    Action {
        id: submission
            .stamp
            .clone()
            .unwrap_or_else(|| submission.idempotency_key.clone()),
        actor: submission.player.clone(),
        kind: submission.kind.clone(),
        stamped: submission.stamp.is_some(),
        at_ms,
    }
}

/// The guard that spends `stamp` for the action logged at `seq`.
pub fn spend(submission: &Submission, stamp: &str, seq: i64) -> ItemSpend {
    ItemSpend {
        game: submission.game.clone(),
        item_id: stamp.to_owned(),
        owner: submission.player.clone(),
        item_type: STAMP.to_owned(),
        reference: format!("match:{}/{seq}", submission.match_id),
    }
}
