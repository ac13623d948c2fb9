//! A game's matches as operators list them: newest started first, running
//! or finished or both, each with the combat version it is pinned to and
//! its fighters, one keyset page at a time (the `matches` and
//! `match_members` tables of migration `0004_matches.sql`, which every host
//! writes, so the list covers every host's matches).
//!
//! Pages are ordered by `(started_at_ms, match_id)` descending; the next
//! page holds the matches strictly before a page's last ([`RosterCursor`]).
//!
//! The SQL is written once and compiled for each database's concrete types,
//! like [`super::db`]; `store::on_db!` picks the module of the store's backend.

use serde::Serialize;

use super::db::MatchRow;
use super::error::ArenaError;
use super::record::MatchStatus;
use crate::store::{Store, on_db};

/// Most matches one page holds.
pub const MAX_ROSTER_PAGE: u32 = 500;

/// One match of the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MatchSummary {
    pub match_id: String,
    /// The combat component and the version the match is pinned to.
    pub component: String,
    pub version: String,
    /// `running` or `finished`.
    pub status: String,
    /// The fighters, in setup order.
    pub players: Vec<String>,
    /// Unix milliseconds.
    pub started_at_ms: i64,
    pub finished_at_ms: Option<i64>,
}

/// Where a page ends: the next page holds the matches started before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterCursor {
    pub started_at_ms: i64,
    pub match_id: String,
}

impl RosterCursor {
    /// The cursor as the API passes it: `<started_at_ms>:<match_id>`.
    pub fn format(&self) -> String {
        format!("{}:{}", self.started_at_ms, self.match_id)
    }

    /// A cursor [`Self::format`] wrote, or `None`.
    pub fn parse(text: &str) -> Option<Self> {
        let (ms, id) = text.split_once(':')?;
        Some(Self {
            started_at_ms: ms.parse().ok()?,
            match_id: id.to_owned(),
        })
    }
}

/// Up to `limit` (1 to [`MAX_ROSTER_PAGE`]) matches of `game`, of `status`
/// if given, started before `before` (from the newest if `None`), and the
/// cursor of the next page if one follows.
pub async fn matches(
    store: &Store,
    game: &str,
    status: Option<MatchStatus>,
    before: Option<&RosterCursor>,
    limit: u32,
) -> Result<(Vec<MatchSummary>, Option<RosterCursor>), ArenaError> {
    if !(1..=MAX_ROSTER_PAGE).contains(&limit) {
        return Err(ArenaError::invalid(
            "limit",
            format!("a page holds 1 to {MAX_ROSTER_PAGE} matches; got {limit}"),
        ));
    }
    // One more than asked tells whether another page follows.
    let mut found: Vec<MatchSummary> = on_db!(store, super::db::no_pool(), |pool, m| m::matches(
        pool,
        game,
        status.map(|s| s.as_str()),
        before,
        limit + 1
    )
    .await)?
    .into_iter()
    .map(MatchSummary::from)
    .collect();
    let more = found.len() > limit as usize;
    found.truncate(limit as usize);
    let next = more
        .then(|| {
            found.last().map(|m| RosterCursor {
                started_at_ms: m.started_at_ms,
                match_id: m.match_id.clone(),
            })
        })
        .flatten();
    Ok((found, next))
}

impl From<MatchRow> for MatchSummary {
    fn from(row: MatchRow) -> Self {
        Self {
            match_id: row.match_id,
            component: row.component,
            version: row.version,
            status: row.status,
            players: row.players,
            started_at_ms: row.started_at_ms,
            finished_at_ms: row.finished_at_ms,
        }
    }
}

/// The roster's SQL for one database.
macro_rules! roster_sql {
    ($Db:ty, $m:ident) => {
        use super::RosterCursor;
        use crate::arena::db::{MATCH_ROW_COLUMNS, MatchRow};
        use crate::arena::error::ArenaError;
        use crate::store::StoreError;

        pub(super) async fn matches(
            pool: &sqlx::Pool<$Db>,
            game: &str,
            status: Option<&str>,
            before: Option<&RosterCursor>,
            limit: u32,
        ) -> Result<Vec<MatchRow>, ArenaError> {
            let sql = format!(
                "SELECT {MATCH_ROW_COLUMNS} FROM matches m \
                 WHERE m.game = $1 AND ($2 IS NULL OR m.status = $2) \
                   AND ($3 IS NULL OR m.started_at_ms < $3 \
                        OR (m.started_at_ms = $3 AND m.match_id < $4)) \
                 ORDER BY m.started_at_ms DESC, m.match_id DESC LIMIT $5"
            );
            let rows = sqlx::query::<$Db>(sqlx::AssertSqlSafe(sql))
                .bind(game)
                .bind(status)
                .bind(before.map(|c| c.started_at_ms))
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
    roster_sql!(sqlx::Sqlite, sqlite_sql);
}

mod postgres_sql {
    roster_sql!(sqlx::Postgres, postgres_sql);
}
