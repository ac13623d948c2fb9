//! The leaderboard's HTTP routes under `/v1`, for a signed-in player
//! ([`Player`]), read from the board's projection
//! ([`crate::leaderboard::board`]; it lags finished matches by the
//! `leaderboard` group's lag):
//!
//! - `GET /leaderboard?limit=`: `{"top"}`, the first 1 to
//!   [`MAX_TOP`] standings ([`DEFAULT_TOP`] by default);
//! - `GET /leaderboard/players/{player_id}`: one player's [`Standing`], 404
//!   `not-ranked` until a finished match of theirs is applied.
//!
//! Both carry the players' `names` ([`Named`]).

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use crate::gateway::Player;
use crate::gateway::names::Named;
use crate::leaderboard::{self, LeaderboardError, MAX_TOP, Standing};
use crate::problem::{ApiPath, ApiQuery, Param, Problem, page_limit};
use crate::server::AppState;

/// Standings the top shows unless the client asks otherwise.
pub const DEFAULT_TOP: u32 = 10;

/// The routes, relative to `/v1`.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/leaderboard", get(top))
        .route("/leaderboard/players/{player_id}", get(standing))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TopQuery {
    limit: Option<u32>,
}

#[derive(Debug, Serialize)]
struct TopAnswer {
    top: Vec<Standing>,
}

async fn top(
    State(state): State<Arc<AppState>>,
    player: Player,
    ApiQuery(query): ApiQuery<TopQuery>,
) -> Result<Json<Named<TopAnswer>>, Problem> {
    let limit = page_limit(query.limit, DEFAULT_TOP, MAX_TOP)?;
    let top = leaderboard::top(&state.store, &player.game, limit).await?;
    let names = state
        .names
        .of(
            &state.store,
            &player.game,
            top.iter().map(|s| s.player.as_str()),
        )
        .await?;
    Ok(Json(Named {
        body: TopAnswer { top },
        names,
    }))
}

async fn standing(
    State(state): State<Arc<AppState>>,
    player: Player,
    ApiPath(player_id): ApiPath<Param>,
) -> Result<Json<Named<Standing>>, Problem> {
    match leaderboard::standing(&state.store, &player.game, &player_id).await? {
        Some(standing) => {
            let names = state
                .names
                .of(&state.store, &player.game, [standing.player.as_str()])
                .await?;
            Ok(Json(Named {
                body: standing,
                names,
            }))
        }
        None => Err(Problem::new(
            StatusCode::NOT_FOUND,
            "not-ranked",
            "Not on the leaderboard",
            format!("player {player_id} has no finished match on the leaderboard yet"),
        )),
    }
}

impl From<LeaderboardError> for Problem {
    fn from(e: LeaderboardError) -> Self {
        match e {
            LeaderboardError::Invalid { .. } => Problem::new(
                StatusCode::BAD_REQUEST,
                "invalid-request",
                "Invalid request",
                e.to_string(),
            ),
            LeaderboardError::Store(e) => e.into(),
            LeaderboardError::Bus(_) => {
                tracing::warn!(error = %e, "the leaderboard's bus failed");
                Problem::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "leaderboard-unavailable",
                    "The leaderboard is unavailable",
                    "the leaderboard could not be read; retry shortly",
                )
                .retry_after(1)
            }
        }
    }
}
