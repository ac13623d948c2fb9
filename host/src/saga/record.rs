//! A saga as stored (`sagas`, `saga_log`), and its reads.

use serde::Serialize;

use super::db::{postgres_sql, sqlite_sql};
use super::plan::Plan;
use crate::store::{Store, StoreError, on_db};

/// Where a saga is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Running,
    Completed,
    Failed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Running => "running",
            Status::Completed => "completed",
            Status::Failed => "failed",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Self> {
        match s {
            "running" => Some(Status::Running),
            "completed" => Some(Status::Completed),
            "failed" => Some(Status::Failed),
            _ => None,
        }
    }
}

/// Doing steps, or undoing them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Forward,
    Backward,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Forward => "forward",
            Phase::Backward => "backward",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Self> {
        match s {
            "forward" => Some(Phase::Forward),
            "backward" => Some(Phase::Backward),
            _ => None,
        }
    }
}

/// One saga row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SagaRecord {
    pub game: String,
    pub saga_id: String,
    pub kind: String,
    pub status: Status,
    pub phase: Phase,
    /// Forward: the next step to do. Backward: steps below it are still to
    /// undo, the highest first.
    pub cursor: usize,
    pub label: String,
    pub plan: Plan,
    pub initiator: String,
    pub counterparty: String,
    pub failure: Option<String>,
    pub owner: String,
    pub lease_until_ms: i64,
    pub version: i64,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

impl SagaRecord {
    pub fn is_terminal(&self) -> bool {
        self.status != Status::Running
    }
}

/// One row of a saga's log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogEntry {
    pub seq: i64,
    pub step: String,
    /// `forward`, `backward` or `claim`.
    pub phase: String,
    pub outcome: String,
    pub error: Option<String>,
    pub at_ms: i64,
}

fn no_pool() -> StoreError {
    crate::store::no_pool("saga store")
}

/// The saga `saga_id` of `game`.
pub async fn get(
    store: &Store,
    game: &str,
    saga_id: &str,
) -> Result<Option<SagaRecord>, StoreError> {
    on_db!(store, no_pool(), |pool, m| m::saga(pool, game, saga_id)
        .await)
}

/// The log of a saga, oldest first.
pub async fn log(store: &Store, game: &str, saga_id: &str) -> Result<Vec<LogEntry>, StoreError> {
    on_db!(store, no_pool(), |pool, m| m::saga_log(pool, game, saga_id)
        .await)
}

/// Newest first: up to `limit` sagas of one of `kinds` that `player`
/// started or is party to, older than `before` (creation time, saga id;
/// all if `None`).
pub async fn of_player(
    store: &Store,
    game: &str,
    player: &str,
    kinds: [&str; 2],
    before: Option<&(i64, String)>,
    limit: u32,
) -> Result<Vec<SagaRecord>, StoreError> {
    on_db!(store, no_pool(), |pool, m| m::sagas_of(
        pool, game, player, kinds, before, limit
    )
    .await)
}

/// Oldest first: up to `limit` sagas of `kind` in `game` still going
/// forward.
pub async fn forward_of_kind(
    store: &Store,
    game: &str,
    kind: &str,
    limit: u32,
) -> Result<Vec<SagaRecord>, StoreError> {
    on_db!(store, no_pool(), |pool, m| m::forward_of_kind(
        pool, game, kind, limit
    )
    .await)
}

/// Running sagas, in every game, whose owner's lease ran out before
/// `now_ms`: the ones a host may claim.
pub async fn orphaned(
    store: &Store,
    now_ms: i64,
    limit: u32,
) -> Result<Vec<(String, String)>, StoreError> {
    on_db!(store, no_pool(), |pool, m| m::orphaned(pool, now_ms, limit)
        .await)
}

/// How many sagas are in each status, over every game.
pub async fn counts(store: &Store) -> Result<Vec<(String, i64)>, StoreError> {
    on_db!(store, no_pool(), |pool, m| m::counts(pool).await)
}
