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

use super::error::ArenaError;
use super::record::MatchStatus;
use crate::store::{Store, StoreError, on_db};

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
    let no_pool = || StoreError::invalid("arena store", "this backend has no SQL pool").into();
    // One more than asked tells whether another page follows.
    let mut found = on_db!(store, no_pool(), |pool, m| m::matches(
        pool,
        game,
        status.map(|s| s.as_str()),
        before,
        limit + 1
    )
    .await)?;
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

/// The roster's SQL for one database.
macro_rules! roster_sql {
    ($Db:ty, $m:ident) => {
        use sqlx::Row as _;

        use super::{MatchSummary, RosterCursor};
        use crate::arena::error::ArenaError;
        use crate::store::StoreError;

        pub(super) async fn matches(
            pool: &sqlx::Pool<$Db>,
            game: &str,
            status: Option<&str>,
            before: Option<&RosterCursor>,
            limit: u32,
        ) -> Result<Vec<MatchSummary>, ArenaError> {
            let rows = sqlx::query::<$Db>(
                "SELECT match_id, component, version, status, started_at_ms, finished_at_ms \
                 FROM matches \
                 WHERE game = $1 AND ($2 IS NULL OR status = $2) \
                   AND ($3 IS NULL OR started_at_ms < $3 \
                        OR (started_at_ms = $3 AND match_id < $4)) \
                 ORDER BY started_at_ms DESC, match_id DESC LIMIT $5",
            )
            .bind(game)
            .bind(status)
            .bind(before.map(|c| c.started_at_ms))
            .bind(before.map(|c| c.match_id.as_str()))
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await
            .map_err(StoreError::from)?;
            let mut found = rows
                .iter()
                .map(|r| {
                    Ok(MatchSummary {
                        match_id: r.try_get("match_id")?,
                        component: r.try_get("component")?,
                        version: r.try_get("version")?,
                        status: r.try_get("status")?,
                        players: Vec::new(),
                        started_at_ms: r.try_get("started_at_ms")?,
                        finished_at_ms: r.try_get("finished_at_ms")?,
                    })
                })
                .collect::<Result<Vec<_>, sqlx::Error>>()
                .map_err(StoreError::from)?;
            let ids: Vec<&str> = found.iter().map(|f| f.match_id.as_str()).collect();
            let mut by_match = crate::arena::db::$m::members_of(pool, game, &ids).await?;
            for f in &mut found {
                f.players = by_match.remove(&f.match_id).unwrap_or_default();
            }
            Ok(found)
        }
    };
}

mod sqlite_sql {
    roster_sql!(sqlx::Sqlite, sqlite_sql);
}

mod postgres_sql {
    roster_sql!(sqlx::Postgres, postgres_sql);
}
