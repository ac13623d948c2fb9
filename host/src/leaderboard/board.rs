//! Reading the board: its top, and one player's standing.
//!
//! The order is total: score descending, then player id ascending (bytes,
//! on both databases). A player's rank is 1 + the number of players of the
//! game ahead of them in that order, so two players never share a rank and
//! the top's ranks are 1, 2, 3, ... The board is a projection: it lags the
//! matches by the `leaderboard` group's lag.

use serde::{Deserialize, Serialize};

use super::db;
use super::error::LeaderboardError;
use crate::store::Store;

/// Most rows one read of the top returns.
pub const MAX_TOP: u32 = 100;

/// One player's row of the board, and their place on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Standing {
    pub player: String,
    /// 1 is first.
    pub rank: u64,
    /// The sum of the player's match scores.
    pub score: i64,
    pub matches: i64,
    /// First places.
    pub wins: i64,
    pub kills: i64,
    /// The last match applied to the row.
    pub last_match_id: String,
    /// When that match finished, Unix milliseconds.
    pub updated_at_ms: i64,
}

/// The first `limit` players of `game` (1 to [`MAX_TOP`]), in board order.
pub async fn top(store: &Store, game: &str, limit: u32) -> Result<Vec<Standing>, LeaderboardError> {
    if !(1..=MAX_TOP).contains(&limit) {
        return Err(LeaderboardError::invalid(
            "limit",
            format!("the top holds 1 to {MAX_TOP} players; got {limit}"),
        ));
    }
    db::top(store, game, limit).await
}

/// `player`'s standing in `game`; `None` if no finished match of theirs was
/// applied yet.
pub async fn standing(
    store: &Store,
    game: &str,
    player: &str,
) -> Result<Option<Standing>, LeaderboardError> {
    db::standing(store, game, player).await
}
