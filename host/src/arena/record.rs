//! What the arena stores and answers: a match's row ([`MatchRecord`]), the
//! entries of its durable action log ([`LogEntry`]), and the response to an
//! action ([`ActionOutcome`]), which an idempotency record keeps for replay.
//!
//! Entries are JSON in the log (`match_actions.body`); the WIT types derive
//! serde, so a log written by this build reads back field for field.

use semver::Version;
use serde::{Deserialize, Serialize};

use super::error::ArenaError;
use crate::runtime::bindings::types::{Action, ActionKind, Effect, MatchConfig, MatchResult};
use crate::store::MatchActionRow;

/// Where a match is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchStatus {
    Running,
    Finished,
}

impl MatchStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Finished => "finished",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Self> {
        match s {
            "running" => Some(Self::Running),
            "finished" => Some(Self::Finished),
            _ => None,
        }
    }
}

/// A match's row: who plays, and what it is pinned to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatchRecord {
    pub game: String,
    pub match_id: String,
    /// The combat component and the version the match started with; it is
    /// run and rebuilt on this version only.
    pub component: String,
    pub version: Version,
    /// Seeds setup and, mixed with each entry's `seq`, every later call.
    pub seed: u64,
    pub config: MatchConfig,
    /// The fighters, in setup order.
    pub players: Vec<String>,
    pub status: MatchStatus,
    /// Match time 0, Unix milliseconds.
    pub started_at_ms: i64,
    pub finished_at_ms: Option<i64>,
    pub result: Option<MatchResult>,
}

impl MatchRecord {
    /// The name of the lease its single writer holds.
    pub fn lease_name(&self) -> String {
        lease_name(&self.match_id)
    }

    pub fn is_member(&self, player: &str) -> bool {
        self.players.iter().any(|p| p == player)
    }
}

/// The name of match `match_id`'s lease.
pub fn lease_name(match_id: &str) -> String {
    format!("match/{match_id}")
}

/// One step that changed a match, as its log keeps it. Replaying a log's
/// entries in `seq` order through the pinned version rebuilds the match.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LogEntry {
    /// An accepted action (a rejected one changes nothing and is not logged).
    Action { action: Action },
    /// Time passing, at match time `at_ms`.
    Tick { at_ms: u64 },
    /// The end, with the placings the component gave.
    Finish { result: MatchResult },
}

impl LogEntry {
    /// The entry a stored log row holds.
    pub fn from_row(row: &MatchActionRow) -> Result<Self, ArenaError> {
        serde_json::from_str(&row.body).map_err(|e| corrupt(row, &e))
    }

    /// The `kind` column.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Action { .. } => "action",
            Self::Tick { .. } => "tick",
            Self::Finish { .. } => "finish",
        }
    }
}

/// The error of a stored log row this build cannot read.
pub(crate) fn corrupt(row: &MatchActionRow, why: &dyn std::fmt::Display) -> ArenaError {
    ArenaError::CorruptLog {
        match_id: row.match_id.clone(),
        why: format!("entry {}: {why}", row.seq),
    }
}

/// What a player submits: one action in one match, under an idempotency key
/// that is theirs (keys of two players never collide).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Submission {
    pub game: String,
    pub player: String,
    pub match_id: String,
    pub idempotency_key: String,
    pub kind: ActionKind,
    /// The stamp (an item id) that seals the action, if any.
    #[serde(default)]
    pub stamp: Option<String>,
    /// The correlation id of the request that carried it: the events of
    /// its step carry it too. Not part of what a retry must repeat.
    #[serde(default)]
    pub correlation_id: Option<String>,
}

/// The response to an action, stored with its idempotency record and
/// replayed, marked `replayed`, to a retry with the same key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionOutcome {
    pub match_id: String,
    /// The action's id: its stamp's id if stamped, else its idempotency key.
    pub action_id: String,
    /// Its place in the match's log, if it was accepted.
    pub seq: Option<i64>,
    /// Match time the action happened at, in milliseconds.
    pub at_ms: u64,
    /// `None` if accepted; why the rules refused it otherwise.
    pub rejected: Option<String>,
    pub effects: Vec<Effect>,
    /// Set if this action ended the match.
    pub finished: Option<MatchResult>,
    /// True when this is the stored response of an earlier attempt.
    #[serde(default)]
    pub replayed: bool,
}

impl ActionOutcome {
    pub fn accepted(&self) -> bool {
        self.rejected.is_none()
    }
}
