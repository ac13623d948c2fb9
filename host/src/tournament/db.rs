//! The tournament's reads (migration `0008_tournaments.sql`), written once
//! and compiled for each database's concrete types; `store::on_db!` picks
//! the module of the store's backend. Writes go through `CommitBatch` only
//! (`crate::store::tournament_ops`).
//!
//! Boards are in rank order: score descending, then the earlier entry, then
//! the player id (bytes, on both databases), so ranks never tie; the same
//! order makes the final ranks.

use serde::Serialize;

use super::error::TournamentError;
use super::rules::Rules;
use crate::store::{Store, on_db};

/// A day's tournament as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TournamentRecord {
    pub game: String,
    /// The date, `YYYY-MM-DD`.
    pub tournament: String,
    pub component: String,
    pub version: String,
    pub rules: Rules,
    /// `open` or `final`.
    pub state: String,
    pub entries: i64,
    pub group_count: i64,
    pub created_at_ms: i64,
    pub finalized_at_ms: Option<i64>,
}

impl TournamentRecord {
    pub fn is_final(&self) -> bool {
        self.state == "final"
    }
}

/// A participant as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Participant {
    pub player: String,
    pub group_no: i64,
    pub saga_id: String,
    pub score: i64,
    pub entered_at_ms: i64,
    pub final_rank: Option<i64>,
    pub reward: Option<i64>,
    pub claimed_at_ms: Option<i64>,
}

/// One row of a board, in rank order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BoardRow {
    pub player: String,
    /// The player's name (`null` for an id the game does not know).
    pub name: Option<String>,
    pub group: i64,
    pub score: i64,
}

fn no_pool() -> TournamentError {
    crate::store::no_pool("tournament store").into()
}

/// The tournament of `game` on `tournament` (a date).
pub async fn tournament(
    store: &Store,
    game: &str,
    tournament: &str,
) -> Result<Option<TournamentRecord>, TournamentError> {
    on_db!(store, no_pool(), |pool, m| m::tournament(
        pool, game, tournament
    )
    .await)
}

/// Up to `limit` open tournaments of `game` whose end is at or before
/// `now_ms`, oldest first.
pub async fn due(
    store: &Store,
    game: &str,
    now_ms: i64,
    limit: u32,
) -> Result<Vec<String>, TournamentError> {
    on_db!(store, no_pool(), |pool, m| m::due(
        pool, game, now_ms, limit
    )
    .await)
}

/// `player`'s participation, if they are in a group.
pub async fn participant(
    store: &Store,
    game: &str,
    tournament: &str,
    player: &str,
) -> Result<Option<Participant>, TournamentError> {
    on_db!(store, no_pool(), |pool, m| m::participant(
        pool, game, tournament, player
    )
    .await)
}

/// Group `group` of the tournament, in rank order.
pub async fn group_board(
    store: &Store,
    game: &str,
    tournament: &str,
    group: i64,
    limit: u32,
) -> Result<Vec<BoardRow>, TournamentError> {
    on_db!(store, no_pool(), |pool, m| m::board(
        pool,
        game,
        tournament,
        Some(group),
        limit
    )
    .await)
}

/// The first `limit` of the whole tournament, in rank order.
pub async fn top(
    store: &Store,
    game: &str,
    tournament: &str,
    limit: u32,
) -> Result<Vec<BoardRow>, TournamentError> {
    on_db!(store, no_pool(), |pool, m| m::board(
        pool, game, tournament, None, limit
    )
    .await)
}

/// Every group of the tournament: (number, members), by number.
pub async fn groups(
    store: &Store,
    game: &str,
    tournament: &str,
) -> Result<Vec<(i64, i64)>, TournamentError> {
    on_db!(store, no_pool(), |pool, m| m::groups(
        pool, game, tournament
    )
    .await)
}

macro_rules! tournament_reads {
    ($Db:ty) => {
        use sqlx::Row as _;

        use super::{BoardRow, Participant, TournamentRecord};
        use crate::store::StoreError;
        use crate::tournament::error::TournamentError;

        type DbRow = <$Db as sqlx::Database>::Row;

        pub(crate) async fn tournament(
            pool: &sqlx::Pool<$Db>,
            game: &str,
            tournament: &str,
        ) -> Result<Option<TournamentRecord>, TournamentError> {
            let row = sqlx::query::<$Db>(
                "SELECT game, tournament, component, version, rules, state, entries, group_count, \
                        created_at_ms, finalized_at_ms \
                 FROM tournaments WHERE game = $1 AND tournament = $2",
            )
            .bind(game)
            .bind(tournament)
            .fetch_optional(pool)
            .await
            .map_err(StoreError::from)?;
            row.as_ref().map(tournament_row).transpose()
        }

        pub(crate) async fn due(
            pool: &sqlx::Pool<$Db>,
            game: &str,
            now_ms: i64,
            limit: u32,
        ) -> Result<Vec<String>, TournamentError> {
            let rows = sqlx::query::<$Db>(
                "SELECT tournament FROM tournaments \
                 WHERE state = 'open' AND ends_at_ms <= $2 AND game = $1 \
                 ORDER BY ends_at_ms LIMIT $3",
            )
            .bind(game)
            .bind(now_ms)
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await
            .map_err(StoreError::from)?;
            rows.iter()
                .map(|r| r.try_get("tournament"))
                .collect::<Result<_, sqlx::Error>>()
                .map_err(|e| StoreError::from(e).into())
        }

        pub(crate) async fn participant(
            pool: &sqlx::Pool<$Db>,
            game: &str,
            tournament: &str,
            player: &str,
        ) -> Result<Option<Participant>, TournamentError> {
            let row = sqlx::query::<$Db>(
                "SELECT player, group_no, saga_id, score, entered_at_ms, final_rank, reward, \
                        claimed_at_ms \
                 FROM tournament_participants \
                 WHERE game = $1 AND tournament = $2 AND player = $3",
            )
            .bind(game)
            .bind(tournament)
            .bind(player)
            .fetch_optional(pool)
            .await
            .map_err(StoreError::from)?;
            let read = |r: &DbRow| -> Result<Participant, sqlx::Error> {
                Ok(Participant {
                    player: r.try_get("player")?,
                    group_no: r.try_get("group_no")?,
                    saga_id: r.try_get("saga_id")?,
                    score: r.try_get("score")?,
                    entered_at_ms: r.try_get("entered_at_ms")?,
                    final_rank: r.try_get("final_rank")?,
                    reward: r.try_get("reward")?,
                    claimed_at_ms: r.try_get("claimed_at_ms")?,
                })
            };
            row.as_ref()
                .map(read)
                .transpose()
                .map_err(|e| StoreError::from(e).into())
        }

        /// A group's board (`group`), or the whole tournament's: each a
        /// walk of its index in rank order.
        pub(crate) async fn board(
            pool: &sqlx::Pool<$Db>,
            game: &str,
            tournament: &str,
            group: Option<i64>,
            limit: u32,
        ) -> Result<Vec<BoardRow>, TournamentError> {
            const SELECT: &str = "SELECT p.player, a.name, p.group_no, p.score \
                 FROM tournament_participants p \
                 LEFT JOIN players a ON a.game = p.game AND a.id = p.player \
                 WHERE p.game = $1 AND p.tournament = $2";
            const ORDER: &str = "ORDER BY p.score DESC, p.entered_at_ms, p.player LIMIT $3";
            let sql = match group {
                Some(_) => format!("{SELECT} AND p.group_no = $4 {ORDER}"),
                None => format!("{SELECT} {ORDER}"),
            };
            let mut query = sqlx::query::<$Db>(sqlx::AssertSqlSafe(sql))
                .bind(game)
                .bind(tournament)
                .bind(i64::from(limit));
            if let Some(g) = group {
                query = query.bind(g);
            }
            let rows = query.fetch_all(pool).await.map_err(StoreError::from)?;
            rows.iter()
                .map(|r| {
                    Ok(BoardRow {
                        player: r.try_get("player")?,
                        name: r.try_get("name")?,
                        group: r.try_get("group_no")?,
                        score: r.try_get("score")?,
                    })
                })
                .collect::<Result<_, sqlx::Error>>()
                .map_err(|e| StoreError::from(e).into())
        }

        pub(crate) async fn groups(
            pool: &sqlx::Pool<$Db>,
            game: &str,
            tournament: &str,
        ) -> Result<Vec<(i64, i64)>, TournamentError> {
            let rows = sqlx::query::<$Db>(
                "SELECT group_no, members FROM tournament_groups \
                 WHERE game = $1 AND tournament = $2 ORDER BY group_no",
            )
            .bind(game)
            .bind(tournament)
            .fetch_all(pool)
            .await
            .map_err(StoreError::from)?;
            rows.iter()
                .map(|r| Ok((r.try_get("group_no")?, r.try_get("members")?)))
                .collect::<Result<_, sqlx::Error>>()
                .map_err(|e| StoreError::from(e).into())
        }

        fn tournament_row(r: &DbRow) -> Result<TournamentRecord, TournamentError> {
            let text: String = r.try_get("rules").map_err(StoreError::from)?;
            let rules = serde_json::from_str(&text)
                .map_err(|e| StoreError::invalid("stored tournament rules", e.to_string()))?;
            let read = move || -> Result<TournamentRecord, sqlx::Error> {
                Ok(TournamentRecord {
                    game: r.try_get("game")?,
                    tournament: r.try_get("tournament")?,
                    component: r.try_get("component")?,
                    version: r.try_get("version")?,
                    rules,
                    state: r.try_get("state")?,
                    entries: r.try_get("entries")?,
                    group_count: r.try_get("group_count")?,
                    created_at_ms: r.try_get("created_at_ms")?,
                    finalized_at_ms: r.try_get("finalized_at_ms")?,
                })
            };
            read().map_err(|e| StoreError::from(e).into())
        }
    };
}

pub(crate) mod sqlite_sql {
    tournament_reads!(sqlx::Sqlite);
}

pub(crate) mod postgres_sql {
    tournament_reads!(sqlx::Postgres);
}
