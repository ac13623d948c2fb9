//! A player's match history: their finished matches, newest first, one
//! keyset page at a time, read from the arena's tables (`matches`,
//! `match_members`, migration `0004_matches.sql`).
//!
//! Pages are ordered by `(finished_at_ms, match_id)` descending; a page's
//! [`HistoryPage::next`] is the cursor of its last match, and the next page
//! holds the matches strictly before it. A match that finishes meanwhile
//! lands on the first page, never in the middle of a walk, and no match is
//! shown twice. Bounds: [`MAX_HISTORY_PAGE`] matches per page. A running
//! match is not history yet.
//!
//! The SQL is written once and compiled for each database's concrete types,
//! like [`super::db`]; `store::on_db!` picks the module of the store's backend.

use serde::{Deserialize, Serialize};

use super::db::MatchRow;
use super::error::ArenaError;
use crate::runtime::bindings::types::MatchResult;
use crate::store::{Store, on_db};

/// Most matches one page holds.
pub const MAX_HISTORY_PAGE: u32 = 100;

/// Where a page ends: the next page holds the matches before this one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryCursor {
    pub finished_at_ms: i64,
    pub match_id: String,
}

/// One line of what a match granted the player.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RewardLine {
    /// `currency`, `item` or `stamp`.
    pub kind: String,
    /// The currency, item type or stamp kind.
    pub code: String,
    pub amount: i64,
}

/// One finished match, as its player sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PastMatch {
    pub match_id: String,
    /// Unix milliseconds.
    pub started_at_ms: i64,
    pub finished_at_ms: i64,
    /// Match length in logical milliseconds, as the combat component gave it.
    pub duration_ms: u64,
    /// The fighters, in setup order.
    pub players: Vec<String>,
    /// The player's place (1 is the winner), score and kills; `None` if the
    /// combat component placed them nowhere.
    pub place: Option<u32>,
    pub score: Option<i32>,
    pub kills: Option<u32>,
    /// The combat component and the version the match was pinned to.
    pub component: String,
    pub version: String,
    /// What the match granted the player. Empty for now: it will be read
    /// from the rewards consumer's grants (wallet ledger and inventory) of
    /// this match and player, once they are kept.
    pub rewards: Vec<RewardLine>,
}

/// One page of a player's history, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryPage {
    pub matches: Vec<PastMatch>,
    /// Pass as `before` for the next page; `None` on the last one.
    pub next: Option<HistoryCursor>,
}

/// Up to `limit` (1 to [`MAX_HISTORY_PAGE`]) finished matches of `player`
/// in `game`, newest first, before `before` (from the newest if `None`).
pub async fn history(
    store: &Store,
    game: &str,
    player: &str,
    before: Option<&HistoryCursor>,
    limit: u32,
) -> Result<HistoryPage, ArenaError> {
    if !(1..=MAX_HISTORY_PAGE).contains(&limit) {
        return Err(ArenaError::invalid(
            "limit",
            format!("a page holds 1 to {MAX_HISTORY_PAGE} matches; got {limit}"),
        ));
    }
    // One more than asked tells whether another page follows.
    let mut rows = on_db!(store, super::db::no_pool(), |pool, m| m::finished_of(
        pool,
        game,
        player,
        before,
        limit + 1
    )
    .await)?;
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let matches = rows
        .into_iter()
        .map(|row| past_match(row, player))
        .collect::<Result<Vec<_>, _>>()?;
    let next = more
        .then(|| {
            matches.last().map(|m| HistoryCursor {
                finished_at_ms: m.finished_at_ms,
                match_id: m.match_id.clone(),
            })
        })
        .flatten();
    Ok(HistoryPage { matches, next })
}

/// `row` as `player` sees it.
fn past_match(row: MatchRow, player: &str) -> Result<PastMatch, ArenaError> {
    let corrupt = |why: String| ArenaError::CorruptLog {
        match_id: row.match_id.clone(),
        why,
    };
    let finished_at_ms = row
        .finished_at_ms
        .ok_or_else(|| corrupt("finished without a finish time".into()))?;
    let result: MatchResult = serde_json::from_str(
        row.result
            .as_deref()
            .ok_or_else(|| corrupt("finished without a result".into()))?,
    )
    .map_err(|e| corrupt(format!("result: {e}")))?;
    let placing = result.placings.iter().find(|p| p.player == player);
    Ok(PastMatch {
        started_at_ms: row.started_at_ms,
        finished_at_ms,
        duration_ms: result.duration_ms,
        place: placing.map(|p| p.place),
        score: placing.map(|p| p.score),
        kills: placing.map(|p| p.kills),
        rewards: Vec::new(),
        match_id: row.match_id,
        players: row.players,
        component: row.component,
        version: row.version,
    })
}

/// The history's SQL for one database.
macro_rules! history_sql {
    ($Db:ty, $m:ident) => {
        use super::HistoryCursor;
        use crate::arena::db::{MATCH_ROW_COLUMNS, MatchRow};
        use crate::arena::error::ArenaError;
        use crate::store::StoreError;

        /// `player`'s finished matches before `before`, newest first, with
        /// their members.
        pub(super) async fn finished_of(
            pool: &sqlx::Pool<$Db>,
            game: &str,
            player: &str,
            before: Option<&HistoryCursor>,
            limit: u32,
        ) -> Result<Vec<MatchRow>, ArenaError> {
            let sql = format!(
                "SELECT {MATCH_ROW_COLUMNS} \
                 FROM match_members mm \
                 JOIN matches m ON m.game = mm.game AND m.match_id = mm.match_id \
                 WHERE mm.game = $1 AND mm.player = $2 AND m.status = 'finished' \
                   AND ($3 IS NULL OR m.finished_at_ms < $3 \
                        OR (m.finished_at_ms = $3 AND m.match_id < $4)) \
                 ORDER BY m.finished_at_ms DESC, m.match_id DESC LIMIT $5"
            );
            let rows = sqlx::query::<$Db>(sqlx::AssertSqlSafe(sql))
                .bind(game)
                .bind(player)
                .bind(before.map(|c| c.finished_at_ms))
                .bind(before.map(|c| c.match_id.as_str()))
                .bind(i64::from(limit))
                .fetch_all(pool)
                .await
                .map_err(StoreError::from)?;
            crate::arena::db::$m::with_members(pool, game, &rows).await
        }
    };
}

mod sqlite_sql {
    history_sql!(sqlx::Sqlite, sqlite_sql);
}

mod postgres_sql {
    history_sql!(sqlx::Postgres, postgres_sql);
}
