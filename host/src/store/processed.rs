//! Idempotent consumers: the record that a consumer group applied an event.
//!
//! Keeps DESIGN.md invariant 5 on the consumer's side: a consumer commits a
//! [`ProcessedEvent`] in the same [`super::CommitBatch`] as the effect of the
//! event, so a redelivered event finds its record and the batch fails with
//! [`super::StoreError::AlreadyProcessed`], changing nothing. A consumer that
//! writes its effect in another transaction breaks this.

use serde::{Deserialize, Serialize};

/// "`consumer_group` applied `event_id`", committed with the effect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessedEvent {
    pub consumer_group: String,
    pub event_id: String,
    pub game: String,
    pub processed_at_ms: i64,
}
