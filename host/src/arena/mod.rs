//! The arena: lobby and matchmaking, one actor per running match, actions
//! committed exactly once behind idempotency keys, and matches rebuilt from
//! their durable action logs on their pinned combat version.
//!
//! - [`routes`]: its HTTP routes under `/v1`; [`ws`]: the player's
//!   WebSocket;
//! - [`problems`]: how an [`ArenaError`] reads over HTTP (status,
//!   problem+json `type`);
//! - [`service`]: [`Arena`], the service the HTTP layer calls: join, leave,
//!   submit, view, recover;
//! - [`lobby`]: the queues and the rule that forms matches (pure);
//! - [`actor`]: the match actor, single writer of a match: ticks, actions,
//!   one fenced commit per step; [`round`]: the actions queued for it,
//!   stepped in turn and committed as one chain;
//! - [`live`]: a match in memory and how log entries move it;
//! - [`combat`]: the pinned combat component's calls, seeded from the log;
//! - [`replay`]: rebuilding a match from its log;
//! - [`history`]: a player's finished matches, newest first, keyset pages;
//! - [`roster`]: a game's matches for operators, running or finished,
//!   each with its pinned version;
//! - [`seal`]: an action's id, and the stamp that seals it;
//! - [`feed`]: a match's committed entries as clients stream them, live
//!   and from the log;
//! - [`record`]: the match row, log entries, submissions and outcomes;
//! - [`db`]: the arena's tables (migration `0004_matches.sql`);
//! - [`clock`]: the injectable clock; [`config`]: the knobs;
//!   [`error`]: [`ArenaError`].
//!
//! A stamped action, here: [`Arena::submit`] -> idempotency record
//! (`crate::store::idempotency`) -> the match's actor -> [`seal`] ->
//! `combat.resolve` on the pinned version -> one `CommitBatch` (log entry,
//! idempotency record, outbox events, lease fence) -> the outcome.

pub mod actor;
pub mod clock;
pub mod combat;
pub mod config;
pub mod db;
pub mod error;
pub mod feed;
pub mod history;
pub mod live;
pub mod lobby;
pub mod problems;
pub mod record;
pub mod replay;
pub mod roster;
pub mod round;
pub mod routes;
pub mod seal;
pub mod service;
pub mod ws;

pub use actor::{MATCH_EVENTS, MatchView, PLAYER_ACTIONS};
pub use clock::{Clock, ManualClock, SystemClock};
pub use config::ArenaConfig;
pub use error::ArenaError;
pub use feed::FeedItem;
pub use record::{ActionOutcome, LogEntry, MatchRecord, MatchStatus, Submission};
pub use service::{Arena, Joined, Started, request_hash};
