//! The arena's tables (migration `0004_matches.sql`): match rows, their
//! members, and reading the action log. Log entries are written only inside
//! a [`crate::store::CommitBatch`] (`match_actions`), with their effects;
//! this module writes the rows around them: a match's row and members when
//! it starts, and its `finished` projection once the log holds the finish.
//!
//! The SQL is written once and compiled for each database's concrete types,
//! like `bus/catalog.rs`; `store::on_db!` picks the module of the store's backend.

use super::error::ArenaError;
use super::record::MatchRecord;
use crate::runtime::bindings::types::MatchResult;
use crate::store::{MatchActionRow, Store, StoreError, on_db};

/// The error of a backend without a SQL database for the arena's tables.
pub(crate) fn no_pool() -> ArenaError {
    StoreError::invalid("arena store", "this backend has no SQL pool").into()
}

/// A match's row as lists read it (not its seed or config), with its
/// members.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchRow {
    pub match_id: String,
    pub component: String,
    pub version: String,
    /// `running` or `finished`.
    pub status: String,
    pub started_at_ms: i64,
    pub finished_at_ms: Option<i64>,
    /// The result as stored (JSON), once finished.
    pub result: Option<String>,
    /// The fighters, in setup order.
    pub players: Vec<String>,
}

/// The columns of `matches`, aliased `m`, a [`MatchRow`] is read from.
pub const MATCH_ROW_COLUMNS: &str =
    "m.match_id, m.component, m.version, m.status, m.started_at_ms, m.finished_at_ms, m.result";

/// Entries read per query when a log is replayed.
pub const LOG_PAGE_ROWS: u32 = 1_000;

/// Records a new match and its members, in one transaction.
pub async fn insert_match(store: &Store, record: &MatchRecord) -> Result<(), ArenaError> {
    let config = to_json(&record.config)?;
    on_db!(store, no_pool(), |pool, m| m::insert_match(
        pool, record, &config
    )
    .await)
}

/// A match's row and members.
pub async fn get_match(
    store: &Store,
    game: &str,
    match_id: &str,
) -> Result<Option<MatchRecord>, ArenaError> {
    on_db!(store, no_pool(), |pool, m| m::get_match(
        pool, game, match_id
    )
    .await)
}

/// Up to `limit` matches of `game` still running, by id.
pub async fn running_matches(
    store: &Store,
    game: &str,
    limit: u32,
) -> Result<Vec<String>, ArenaError> {
    on_db!(store, no_pool(), |pool, m| m::running_matches(
        pool, game, limit
    )
    .await)
}

/// Marks a match finished with `result` (a projection of its log's finish;
/// setting it again is harmless).
pub async fn mark_finished(
    store: &Store,
    game: &str,
    match_id: &str,
    result: &MatchResult,
    now_ms: i64,
) -> Result<(), ArenaError> {
    let result = to_json(result)?;
    on_db!(store, no_pool(), |pool, m| m::mark_finished(
        pool, game, match_id, &result, now_ms
    )
    .await)
}

/// Up to `limit` log entries of a match after `after_seq`, in order.
pub async fn read_log(
    store: &Store,
    game: &str,
    match_id: &str,
    after_seq: i64,
    limit: u32,
) -> Result<Vec<MatchActionRow>, ArenaError> {
    on_db!(store, no_pool(), |pool, m| m::read_log(
        pool, game, match_id, after_seq, limit
    )
    .await)
}

fn to_json(value: &impl serde::Serialize) -> Result<String, ArenaError> {
    serde_json::to_string(value).map_err(|e| ArenaError::invalid("match record", e.to_string()))
}

/// The arena's SQL for one database.
macro_rules! arena_sql {
    ($Db:ty) => {
        use sqlx::Row as _;

        use crate::arena::error::ArenaError;
        use super::MatchRow;
        use crate::arena::record::{MatchRecord, MatchStatus};
        use crate::store::in_list::push_in;
        use crate::store::{MatchActionRow, StoreError};

        pub(crate) type DbRow = <$Db as sqlx::Database>::Row;

        pub(crate) async fn insert_match(
            pool: &sqlx::Pool<$Db>,
            record: &MatchRecord,
            config: &str,
        ) -> Result<(), ArenaError> {
            let mut tx = pool.begin().await.map_err(StoreError::from)?;
            sqlx::query::<$Db>(
                "INSERT INTO matches (game, match_id, component, version, seed, config, status, \
                                      started_at_ms, finished_at_ms, result) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, NULL)",
            )
            .bind(&record.game)
            .bind(&record.match_id)
            .bind(&record.component)
            .bind(record.version.to_string())
            .bind(record.seed as i64)
            .bind(config)
            .bind(record.status.as_str())
            .bind(record.started_at_ms)
            .execute(&mut *tx)
            .await
            .map_err(StoreError::from)?;
            for (slot, player) in record.players.iter().enumerate() {
                sqlx::query::<$Db>(
                    "INSERT INTO match_members (game, match_id, player, slot) \
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(&record.game)
                .bind(&record.match_id)
                .bind(player)
                .bind(slot as i32)
                .execute(&mut *tx)
                .await
                .map_err(StoreError::from)?;
            }
            tx.commit().await.map_err(StoreError::from)?;
            Ok(())
        }

        pub(crate) async fn get_match(
            pool: &sqlx::Pool<$Db>,
            game: &str,
            match_id: &str,
        ) -> Result<Option<MatchRecord>, ArenaError> {
            let Some(row) = sqlx::query::<$Db>(
                "SELECT game, match_id, component, version, seed, config, status, \
                        started_at_ms, finished_at_ms, result \
                 FROM matches WHERE game = $1 AND match_id = $2",
            )
            .bind(game)
            .bind(match_id)
            .fetch_optional(pool)
            .await
            .map_err(StoreError::from)?
            else {
                return Ok(None);
            };
            let members = sqlx::query::<$Db>(
                "SELECT player FROM match_members WHERE game = $1 AND match_id = $2 ORDER BY slot",
            )
            .bind(game)
            .bind(match_id)
            .fetch_all(pool)
            .await
            .map_err(StoreError::from)?;
            let players = members
                .iter()
                .map(|r| r.try_get::<String, _>(0))
                .collect::<Result<Vec<_>, _>>()
                .map_err(StoreError::from)?;
            match_row(&row, players)
        }

        pub(crate) async fn running_matches(
            pool: &sqlx::Pool<$Db>,
            game: &str,
            limit: u32,
        ) -> Result<Vec<String>, ArenaError> {
            let rows = sqlx::query::<$Db>(
                "SELECT match_id FROM matches WHERE game = $1 AND status = 'running' \
                 ORDER BY match_id LIMIT $2",
            )
            .bind(game)
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await
            .map_err(StoreError::from)?;
            Ok(rows
                .iter()
                .map(|r| r.try_get::<String, _>(0))
                .collect::<Result<_, _>>()
                .map_err(StoreError::from)?)
        }

        /// `rows` (selecting [`super::MATCH_ROW_COLUMNS`]) as match rows,
        /// each with its members.
        pub(crate) async fn with_members(
            pool: &sqlx::Pool<$Db>,
            game: &str,
            rows: &[DbRow],
        ) -> Result<Vec<MatchRow>, ArenaError> {
            let mut found = rows
                .iter()
                .map(|r| {
                    Ok(MatchRow {
                        match_id: r.try_get("match_id")?,
                        component: r.try_get("component")?,
                        version: r.try_get("version")?,
                        status: r.try_get("status")?,
                        started_at_ms: r.try_get("started_at_ms")?,
                        finished_at_ms: r.try_get("finished_at_ms")?,
                        result: r.try_get("result")?,
                        players: Vec::new(),
                    })
                })
                .collect::<Result<Vec<_>, sqlx::Error>>()
                .map_err(StoreError::from)?;
            if found.is_empty() {
                return Ok(found);
            }
            let mut q = sqlx::QueryBuilder::<$Db>::new(
                "SELECT match_id, player FROM match_members WHERE game = ",
            );
            q.push_bind(game);
            q.push(" AND match_id");
            push_in(&mut q, found.iter().map(|f| f.match_id.as_str()));
            q.push(" ORDER BY match_id, slot");
            let members = q
                .build()
                .persistent(false)
                .fetch_all(pool)
                .await
                .map_err(StoreError::from)?;
            let mut by_match = std::collections::BTreeMap::<String, Vec<String>>::new();
            for r in &members {
                let match_id: String = r.try_get("match_id").map_err(StoreError::from)?;
                let member: String = r.try_get("player").map_err(StoreError::from)?;
                by_match.entry(match_id).or_default().push(member);
            }
            for f in &mut found {
                f.players = by_match.remove(&f.match_id).unwrap_or_default();
            }
            Ok(found)
        }

        pub(crate) async fn mark_finished(
            pool: &sqlx::Pool<$Db>,
            game: &str,
            match_id: &str,
            result: &str,
            now_ms: i64,
        ) -> Result<(), ArenaError> {
            sqlx::query::<$Db>(
                "UPDATE matches SET status = 'finished', result = $3, \
                        finished_at_ms = COALESCE(finished_at_ms, $4) \
                 WHERE game = $1 AND match_id = $2",
            )
            .bind(game)
            .bind(match_id)
            .bind(result)
            .bind(now_ms)
            .execute(pool)
            .await
            .map_err(StoreError::from)?;
            Ok(())
        }

        pub(crate) async fn read_log(
            pool: &sqlx::Pool<$Db>,
            game: &str,
            match_id: &str,
            after_seq: i64,
            limit: u32,
        ) -> Result<Vec<MatchActionRow>, ArenaError> {
            let rows = sqlx::query::<$Db>(
                "SELECT game, match_id, seq, kind, player, action_id, at_ms, body, effects, created_at_ms \
                 FROM match_actions WHERE game = $1 AND match_id = $2 AND seq > $3 \
                 ORDER BY seq LIMIT $4",
            )
            .bind(game)
            .bind(match_id)
            .bind(after_seq)
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await
            .map_err(StoreError::from)?;
            rows.iter()
                .map(|r| {
                    Ok(MatchActionRow {
                        game: r.try_get("game")?,
                        match_id: r.try_get("match_id")?,
                        seq: r.try_get("seq")?,
                        kind: r.try_get("kind")?,
                        player: r.try_get("player")?,
                        action_id: r.try_get("action_id")?,
                        at_ms: r.try_get("at_ms")?,
                        body: r.try_get("body")?,
                        effects: r.try_get("effects")?,
                        created_at_ms: r.try_get("created_at_ms")?,
                    })
                })
                .collect::<Result<_, sqlx::Error>>()
                .map_err(|e| StoreError::from(e).into())
        }

        fn match_row(row: &DbRow, players: Vec<String>) -> Result<Option<MatchRecord>, ArenaError> {
            let match_id: String = row.try_get("match_id").map_err(StoreError::from)?;
            let corrupt = |why: String| ArenaError::CorruptLog {
                match_id: match_id.clone(),
                why,
            };
            let get_text = |col: &str| row.try_get::<String, _>(col).map_err(StoreError::from);
            let version = get_text("version")?;
            let status = get_text("status")?;
            let config = get_text("config")?;
            let result: Option<String> = row.try_get("result").map_err(StoreError::from)?;
            Ok(Some(MatchRecord {
                game: get_text("game")?,
                match_id: match_id.clone(),
                component: get_text("component")?,
                version: semver::Version::parse(&version)
                    .map_err(|e| corrupt(format!("version `{version}`: {e}")))?,
                seed: row.try_get::<i64, _>("seed").map_err(StoreError::from)? as u64,
                config: serde_json::from_str(&config)
                    .map_err(|e| corrupt(format!("config: {e}")))?,
                players,
                status: MatchStatus::parse(&status)
                    .ok_or_else(|| corrupt(format!("status `{status}`")))?,
                started_at_ms: row.try_get("started_at_ms").map_err(StoreError::from)?,
                finished_at_ms: row.try_get("finished_at_ms").map_err(StoreError::from)?,
                result: result
                    .map(|r| serde_json::from_str(&r))
                    .transpose()
                    .map_err(|e| corrupt(format!("result: {e}")))?,
            }))
        }
    };
}

pub(crate) mod sqlite_sql {
    arena_sql!(sqlx::Sqlite);
}

pub(crate) mod postgres_sql {
    arena_sql!(sqlx::Postgres);
}
