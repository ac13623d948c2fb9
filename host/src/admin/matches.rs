//! The operator's view of matches and the leaderboard, under
//! `/admin/v1/games/{game}`:
//!
//! - `GET  .../matches?status=running|finished&limit=&before=`: the game's
//!   matches on every host, newest started first, each with the version it
//!   is pinned to and its fighters, and the players' `names`; `next_before`
//!   is the next page's `before` ([`crate::arena::roster`]);
//! - `GET  .../matches/{id}/replay`: the match rebuilt from its durable log
//!   on its pinned version (an audit: nothing is taken over), the same
//!   shape as the player's `GET /v1/matches/{id}`; a live match's view and
//!   its replay at the same `logged` count are equal (DESIGN.md, "a match
//!   can be rebuilt, audited or re-run");
//! - `POST .../leaderboard/rebuild`: wipes the board and replays the
//!   retained `match-events` into it ([`crate::leaderboard::rebuild`]).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::arena::roster::{self, MatchSummary, RosterCursor};
use crate::arena::{MatchStatus, MatchView};
use crate::bus::relay::now_ms;
use crate::gateway::names::Named;
use crate::problem::{ApiQuery, Problem, page_limit};
use crate::server::AppState;

/// Matches one page lists unless asked otherwise.
pub const DEFAULT_ROSTER_PAGE: u32 = 100;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/admin/v1/games/{game}/matches", get(list))
        .route("/admin/v1/games/{game}/matches/{id}/replay", get(replay))
        .route("/admin/v1/games/{game}/leaderboard/rebuild", post(rebuild))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    status: Option<String>,
    limit: Option<u32>,
    /// A page's `next_before`.
    before: Option<String>,
}

#[derive(Debug, Serialize)]
struct MatchList {
    matches: Vec<MatchSummary>,
    /// The `before` of the next page, `null` on the last.
    next_before: Option<String>,
}

async fn list(
    State(state): State<Arc<AppState>>,
    Path(game): Path<String>,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<Named<MatchList>>, Problem> {
    let status = match query.status.as_deref() {
        None => None,
        Some(text) => Some(
            MatchStatus::parse(text)
                .ok_or_else(|| Problem::bad_request("`status` is `running` or `finished`"))?,
        ),
    };
    let before = match query.before.as_deref() {
        None => None,
        Some(text) => Some(RosterCursor::parse(text).ok_or_else(|| {
            Problem::new(
                StatusCode::BAD_REQUEST,
                "invalid-cursor",
                "Page cursor malformed",
                "`before` must be a `next_before` this API returned",
            )
        })?),
    };
    let limit = page_limit(query.limit, DEFAULT_ROSTER_PAGE, roster::MAX_ROSTER_PAGE)?;
    let (matches, next) =
        roster::matches(&state.store, &game, status, before.as_ref(), limit).await?;
    let names = state
        .names
        .of(
            &state.store,
            &game,
            matches
                .iter()
                .flat_map(|m| m.players.iter().map(String::as_str)),
        )
        .await?;
    Ok(Json(Named {
        body: MatchList {
            matches,
            next_before: next.as_ref().map(RosterCursor::format),
        },
        names,
    }))
}

async fn replay(
    State(state): State<Arc<AppState>>,
    Path((game, match_id)): Path<(String, String)>,
) -> Result<Json<MatchView>, Problem> {
    Ok(Json(state.arena.replay(&game, &match_id).await?))
}

async fn rebuild(
    State(state): State<Arc<AppState>>,
    Path(game): Path<String>,
) -> Result<Json<Value>, Problem> {
    let rebuilt = crate::leaderboard::rebuild(&state.store, state.bus.as_ref(), &game, now_ms())
        .await
        .map_err(|e| Problem::internal("rebuilding the leaderboard", &e))?;
    Ok(Json(json!({
        "game": game,
        "rows_deleted": rebuilt.rows_deleted,
        "processed_deleted": rebuilt.processed_deleted,
    })))
}
