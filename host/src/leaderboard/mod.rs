//! The leaderboard: a read model (CQRS) of each player's totals over the
//! finished matches of a game, projected from the `match-events` topic by the
//! consumer group [`GROUP`], and rebuilt from that log on demand.
//!
//! - [`projection`]: the group's handler, [`Projection`]: a `MatchFinished`
//!   becomes one batch of row additions and `ScoreAdded` events, committed
//!   with the event's processed record (exactly once per event); and
//!   [`consumer`], the runner a host starts for a game;
//! - [`board`]: reads: the top of the board, one player's [`Standing`];
//! - [`rebuild`]: wipes the board and replays the retained log into it;
//! - [`db`]: the board's SQL (migration `0006_leaderboard.sql`); its writes
//!   go through `crate::store::CommitBatch::leaderboard` only;
//! - [`error`]: the one error type, [`LeaderboardError`].
//!
//! The path of a finished match, here: the match actor commits
//! `MatchFinished` (`crate::arena::actor`) -> the relay publishes it -> the
//! `leaderboard` group's [`crate::bus::Consumer`] hands it to [`Projection`]
//! -> one store commit adds each placing to its player's row
//! (`crate::store::LeaderboardDelta`) and emits `ScoreAdded` on
//! [`LEADERBOARD_EVENTS`] -> [`board::top`] and [`board::standing`] read it.

pub mod board;
pub mod db;
pub mod error;
pub mod projection;
pub mod rebuild;

pub use board::{MAX_TOP, Standing, standing, top};
pub use error::LeaderboardError;
pub use projection::{Projection, consumer, schemas};
pub use rebuild::{Rebuilt, rebuild};

/// The consumer group that keeps the board.
pub const GROUP: &str = "leaderboard";
/// The topics the group reads.
pub const TOPICS: [&str; 1] = [crate::arena::MATCH_EVENTS];
/// The topic of the board's own events (`ScoreAdded`, keyed by player).
pub const LEADERBOARD_EVENTS: &str = "leaderboard-events";
