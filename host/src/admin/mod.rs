//! The operator's admin API, under `/admin/v1`, guarded by the operator
//! token (a bearer token that is never a player's).
//!
//! - [`components`]: list, upload, activate, roll back, history, breakers;
//! - [`events`]: the event bus: dead letters (list, inspect, replay) and
//!   consumer groups (offsets, lag, reset);
//! - [`grants`]: currency, items and stamps given to a player;
//! - [`matches`]: the game's matches with their pinned versions; a match
//!   replayed from its log; the leaderboard rebuilt;
//! - [`sagas`]: saga counts, one saga's log, the saga breakers.

pub mod components;
pub mod events;
pub mod grants;
pub mod matches;
pub mod sagas;

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};

use crate::problem::Problem;
use crate::server::AppState;

/// The principal recorded for actions taken with the operator token.
pub const OPERATOR: &str = "operator";

/// The admin routes, token-guarded.
pub fn router(state: Arc<AppState>) -> Router<Arc<AppState>> {
    components::routes()
        .merge(events::routes())
        .merge(grants::routes())
        .merge(matches::routes())
        .merge(sagas::routes())
        .route_layer(middleware::from_fn_with_state(state, require_operator))
}

async fn require_operator(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match presented {
        Some(token)
            if constant_time_eq(token.as_bytes(), state.config.operator_token.as_bytes()) =>
        {
            next.run(request).await
        }
        Some(_) => Problem::unauthorized("this token is not the operator token").into_response(),
        None => Problem::unauthorized("send the operator token as `Authorization: Bearer <token>`")
            .into_response(),
    }
}

/// Whether `a` equals `b`, in a time that does not depend on where they
/// differ (so a token cannot be guessed byte by byte).
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
