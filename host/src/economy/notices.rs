//! A player's notices, numbered 1, 2, ... without gaps: a client resumes
//! after the last `seq` it saw and misses none.

use serde::Serialize;

use super::db::{postgres_sql, sqlite_sql};
use super::{MAX_PAGE, no_pool};
use crate::store::{Store, StoreError, on_db};

/// One notice.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlayerNotice {
    pub seq: i64,
    pub kind: String,
    pub body: serde_json::Value,
    pub created_at_ms: i64,
}

/// Up to `limit` (at most [`MAX_PAGE`]) notices of `player` after `after_seq`.
pub async fn since(
    store: &Store,
    game: &str,
    player: &str,
    after_seq: i64,
    limit: u32,
) -> Result<Vec<PlayerNotice>, StoreError> {
    let limit = limit.clamp(1, MAX_PAGE);
    on_db!(store, no_pool(), |pool, m| m::notices(
        pool, game, player, after_seq, limit
    )
    .await)
}
