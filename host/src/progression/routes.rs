//! `GET /v1/players/me/progress`: the signed-in player's xp and level on
//! the active level curve: `{xp, level, level_xp, next_level_xp}`
//! ([`Standing`]; `next_level_xp` is `null` at the top). 503
//! `component-unavailable` when there is no tournament component to give
//! the curve.

use std::sync::Arc;

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};

use super::{Standing, XP};
use crate::economy::wallet;
use crate::gateway::Player;
use crate::problem::Problem;
use crate::server::AppState;
use crate::tournament::TournamentError;

/// The routes, relative to `/v1`.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new().route("/players/me/progress", get(my_progress))
}

async fn my_progress(
    State(state): State<Arc<AppState>>,
    player: Player,
) -> Result<Json<Standing>, Problem> {
    Ok(Json(standing(&state, &player.game, &player.id).await?))
}

/// Where `player` stands on the active curve.
pub async fn standing(
    state: &AppState,
    game: &str,
    player: &str,
) -> Result<Standing, TournamentError> {
    let curve = state.tournaments.rules().curve(game).await?;
    let xp = wallet::balance(&state.store, game, player, XP).await?;
    Ok(curve.standing(xp.available.saturating_add(xp.held)))
}
