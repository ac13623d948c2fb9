//! Rows of a match's durable action log (table `match_actions`, migration
//! `0004_matches.sql`), carried by a [`super::CommitBatch`] so an entry
//! commits in the one transaction of its effects, its idempotency record and
//! its events.
//!
//! Keeps DESIGN.md invariant 1 for matches: an acknowledged action is in the
//! log, and a match rebuilt from its log (`crate::arena::replay`) is the
//! match that acknowledged it. `(game, match_id, seq)` is the primary key: a
//! second writer of the same entry fails its whole batch instead of forking
//! the log. Breaking it: writing an entry outside the batch of its effects,
//! or committing a match's entries without its lease as the batch's fence.

use serde::{Deserialize, Serialize};

/// One entry of a match's action log, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchActionRow {
    pub game: String,
    pub match_id: String,
    /// 1, 2, ... per match, without gaps.
    pub seq: i64,
    /// `action`, `tick` or `finish`.
    pub kind: String,
    /// Who acted (an action only).
    pub player: Option<String>,
    /// The action's id (an action only): its idempotency key, later its
    /// stamp's id.
    pub action_id: Option<String>,
    /// Match time of the entry, in milliseconds.
    pub at_ms: i64,
    /// The entry as JSON.
    pub body: String,
    /// What the entry did (the component's effects) as JSON, so a client
    /// resumes from the log alone.
    #[serde(default)]
    pub effects: Option<String>,
    /// When it was committed, Unix milliseconds.
    pub created_at_ms: i64,
}
