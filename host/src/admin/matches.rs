//! The operator's view of matches and the leaderboard, under
//! `/admin/v1/games/{game}`:
//!
//! - `GET  .../matches/{id}/replay`: the match rebuilt from its durable log
//!   on its pinned version (an audit: nothing is taken over), the same
//!   shape as the player's `GET /v1/matches/{id}`; a live match's view and
//!   its replay at the same `logged` count are equal (DESIGN.md, "a match
//!   can be rebuilt, audited or re-run");
//! - `POST .../leaderboard/rebuild`: wipes the board and replays the
//!   retained `match-events` into it ([`crate::leaderboard::rebuild`]).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::arena::MatchView;
use crate::bus::relay::now_ms;
use crate::problem::Problem;
use crate::server::AppState;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/admin/v1/games/{game}/matches/{id}/replay", get(replay))
        .route("/admin/v1/games/{game}/leaderboard/rebuild", post(rebuild))
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
