//! The arena's one error type, [`ArenaError`]: what a join, a submission or
//! a recovery can meet, each case typed so the HTTP layer maps it to its
//! status (noted per variant) and a player reads why.
//!
//! Every refusal changes nothing: no log entry, no event, and the action's
//! idempotency reservation is released so a corrected retry may run.

use crate::runtime::{CallError, RegistryError};
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ArenaError {
    /// A knob is out of range (at start).
    #[error("bad arena configuration: {0}")]
    Config(String),
    /// A field of the request is malformed (400).
    #[error("invalid {what}: {why}")]
    Invalid { what: &'static str, why: String },
    /// The player is already waiting in this game's queue (409).
    #[error("player {player} is already in the queue of game {game}")]
    AlreadyQueued { game: String, player: String },
    /// The player is already fighting in a match (409).
    #[error("player {player} is already in match {match_id}")]
    AlreadyInMatch { player: String, match_id: String },
    /// The player is not waiting in the queue (404).
    #[error("player {player} is not in the queue of game {game}")]
    NotQueued { game: String, player: String },
    /// The queue is full (503, back-pressure).
    #[error("the queue of game {game} is full ({limit} players)")]
    QueueFull { game: String, limit: usize },
    /// No such match in this game (404).
    #[error("no match {match_id} in game {game}")]
    UnknownMatch { game: String, match_id: String },
    /// The player does not fight in this match (403).
    #[error("player {player} is not a member of match {match_id}")]
    NotAMember { player: String, match_id: String },
    /// The player's fighter has fallen (409).
    #[error("player {player} is dead in match {match_id}")]
    DeadFighter { player: String, match_id: String },
    /// The match is over (409).
    #[error("match {match_id} is over")]
    MatchOver { match_id: String },
    /// The match runs on another host (503 with `Retry-After`: its owner
    /// answers, or this host once it takes the match over).
    #[error("match {match_id} is run by another host")]
    NotOwnedHere { match_id: String },
    /// The idempotency key was used for another request (422).
    #[error("idempotency key `{key}` was already used with another payload")]
    KeyReused { key: String },
    /// The same request is being served right now (409).
    #[error("a request with idempotency key `{key}` is in flight")]
    InFlight { key: String },
    /// The stamp is not the player's to spend: unknown, someone else's,
    /// locked, or spent already (409).
    #[error("stamp {stamp} cannot be spent: it is not an unspent stamp of this player")]
    StampUnavailable { stamp: String },
    /// The match's mailbox is full (503, back-pressure).
    #[error("match {match_id} is busy; retry shortly")]
    Busy { match_id: String },
    /// The match's actor stopped (crashed, lease lost); it is recovered by
    /// its owner's next takeover (503).
    #[error("match {match_id} is not running here now")]
    Stopped { match_id: String },
    /// The version a match is pinned to is not loaded: the match is not
    /// rebuilt on another version (503).
    #[error("match {match_id} is pinned to {component}@{version}, which is not loaded")]
    PinnedVersionMissing {
        match_id: String,
        component: String,
        version: String,
    },
    /// The combat component failed (trap, fuel, breaker) or refused setup
    /// (500/503); nothing was committed.
    #[error("combat component: {0}")]
    Component(String),
    /// The registry has no such component (503).
    #[error(transparent)]
    Registry(#[from] RegistryError),
    /// The store failed or refused; nothing is known committed unless the
    /// retry replays (500).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The durable log holds what this build cannot read (500).
    #[error("corrupt match log of {match_id}: {why}")]
    CorruptLog { match_id: String, why: String },
}

impl From<CallError> for ArenaError {
    fn from(e: CallError) -> Self {
        Self::Component(e.to_string())
    }
}

impl ArenaError {
    pub(crate) fn invalid(what: &'static str, why: impl Into<String>) -> Self {
        Self::Invalid {
            what,
            why: why.into(),
        }
    }
}
