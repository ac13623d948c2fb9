//! The board's SQL (migration `0006_leaderboard.sql`): reads, and the wipe
//! of a rebuild. Rows are added to only through a
//! [`crate::store::CommitBatch`] (`leaderboard`, applied by `store/sql.rs`),
//! with the processed record of the event they come from.
//!
//! The SQL is written once and compiled for each database's concrete types,
//! like `arena/db.rs`; `store::on_db!` picks the module of the store's backend.

use super::board::Standing;
use super::error::LeaderboardError;
use crate::store::{Store, StoreError, on_db};

/// The error of a backend without a SQL database for the board.
fn no_pool() -> LeaderboardError {
    StoreError::invalid("leaderboard store", "this backend has no SQL pool").into()
}

/// The first `limit` rows of `game`'s board, ranked.
pub(super) async fn top(
    store: &Store,
    game: &str,
    limit: u32,
) -> Result<Vec<Standing>, LeaderboardError> {
    on_db!(store, no_pool(), |pool, m| m::top(pool, game, limit).await)
}

/// `player`'s row of `game`'s board, ranked.
pub(super) async fn standing(
    store: &Store,
    game: &str,
    player: &str,
) -> Result<Option<Standing>, LeaderboardError> {
    on_db!(store, no_pool(), |pool, m| m::standing(pool, game, player)
        .await)
}

/// Deletes, in one transaction, every row of `game`'s board and the
/// records of the events `group` processed in `game`; returns how many of
/// each.
pub(super) async fn wipe(
    store: &Store,
    game: &str,
    group: &str,
) -> Result<(u64, u64), LeaderboardError> {
    on_db!(store, no_pool(), |pool, m| m::wipe(pool, game, group).await)
}

/// The board's SQL for one database.
macro_rules! leaderboard_sql {
    ($Db:ty) => {
        use sqlx::Row as _;

        use crate::leaderboard::board::Standing;
        use crate::leaderboard::error::LeaderboardError;
        use crate::store::StoreError;

        type DbRow = <$Db as sqlx::Database>::Row;

        /// A row's columns, as both reads select them.
        const COLUMNS: &str =
            "l.player, l.score, l.matches, l.wins, l.kills, l.last_match_id, l.updated_at_ms";

        pub(crate) async fn top(
            pool: &sqlx::Pool<$Db>,
            game: &str,
            limit: u32,
        ) -> Result<Vec<Standing>, LeaderboardError> {
            let rows = sqlx::query::<$Db>(sqlx::AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM leaderboard l WHERE l.game = $1 \
                 ORDER BY l.score DESC, l.player LIMIT $2"
            )))
            .bind(game)
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await
            .map_err(StoreError::from)?;
            rows.iter()
                .zip(1..)
                .map(|(row, rank)| standing_row(row, rank))
                .collect()
        }

        pub(crate) async fn standing(
            pool: &sqlx::Pool<$Db>,
            game: &str,
            player: &str,
        ) -> Result<Option<Standing>, LeaderboardError> {
            // The row and the count of those ahead, in one statement: one
            // snapshot of the board.
            let row = sqlx::query::<$Db>(sqlx::AssertSqlSafe(format!(
                "SELECT {COLUMNS}, \
                        (SELECT COUNT(*) FROM leaderboard o \
                         WHERE o.game = l.game \
                           AND (o.score > l.score OR (o.score = l.score AND o.player < l.player))) \
                        AS ahead \
                 FROM leaderboard l WHERE l.game = $1 AND l.player = $2"
            )))
            .bind(game)
            .bind(player)
            .fetch_optional(pool)
            .await
            .map_err(StoreError::from)?;
            let Some(row) = row else {
                return Ok(None);
            };
            let ahead: i64 = row.try_get("ahead").map_err(StoreError::from)?;
            let rank = u64::try_from(ahead).unwrap_or(0).saturating_add(1);
            standing_row(&row, rank).map(Some)
        }

        pub(crate) async fn wipe(
            pool: &sqlx::Pool<$Db>,
            game: &str,
            group: &str,
        ) -> Result<(u64, u64), LeaderboardError> {
            let mut tx = pool.begin().await.map_err(StoreError::from)?;
            let rows = sqlx::query::<$Db>("DELETE FROM leaderboard WHERE game = $1")
                .bind(game)
                .execute(&mut *tx)
                .await
                .map_err(StoreError::from)?;
            let processed = sqlx::query::<$Db>(
                "DELETE FROM processed_events WHERE consumer_group = $1 AND game = $2",
            )
            .bind(group)
            .bind(game)
            .execute(&mut *tx)
            .await
            .map_err(StoreError::from)?;
            tx.commit().await.map_err(StoreError::from)?;
            Ok((rows.rows_affected(), processed.rows_affected()))
        }

        fn standing_row(row: &DbRow, rank: u64) -> Result<Standing, LeaderboardError> {
            let read = || -> Result<Standing, sqlx::Error> {
                Ok(Standing {
                    player: row.try_get("player")?,
                    rank,
                    score: row.try_get("score")?,
                    matches: row.try_get("matches")?,
                    wins: row.try_get("wins")?,
                    kills: row.try_get("kills")?,
                    last_match_id: row.try_get("last_match_id")?,
                    updated_at_ms: row.try_get("updated_at_ms")?,
                })
            };
            read().map_err(|e| StoreError::from(e).into())
        }
    };
}

pub(crate) mod sqlite_sql {
    leaderboard_sql!(sqlx::Sqlite);
}

pub(crate) mod postgres_sql {
    leaderboard_sql!(sqlx::Postgres);
}
