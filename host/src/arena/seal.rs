//! Sealing an action: the one place that decides an action's id and
//! whether it is stamped.
//!
//! Today the action's id is its idempotency key and no action is stamped.
//! The stamp plugs in here (next): a [`Submission`] names the stamp it
//! spends; sealing checks the player owns it, makes the stamp's id the
//! action's id and sets `stamped`; and the actor's batch
//! (`super::actor`, `Actor::batch`) gains the stamp's consumption, guarded
//! like the idempotency record, so the stamp is spent exactly once, in the
//! transaction that logs the action.

use super::record::Submission;
use crate::runtime::bindings::types::Action;

/// The action `submission` asks for, at match time `at_ms`.
pub fn seal(submission: &Submission, at_ms: u64) -> Action {
    Action {
        id: submission.idempotency_key.clone(),
        actor: submission.player.clone(),
        kind: submission.kind.clone(),
        stamped: false,
        at_ms,
    }
}
