//! The WebSocket's handshake, `GET /v1/ws`: everything is checked before
//! the upgrade, and every refusal is problem+json.
//!
//! 1. The query ([`WsQuery`]): `token`, `match_id`, `after`,
//!    `notices_after`; an unknown, repeated or malformed one, or a negative
//!    sequence number, is 400 `invalid-query`.
//! 2. The player: `Authorization: Bearer <token>`, else `?token=` (a
//!    browser cannot set a WebSocket's headers), checked as every `/v1`
//!    route checks it ([`authenticate`]): 401.
//! 3. The match: the one named (404 `unknown-match` if the game has none),
//!    else the player's running match, else none.
//! 4. The upgrade itself (426 `websocket-required` for a plain request).

use std::sync::Arc;

use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::{Extension, State, WebSocketUpgrade};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tokio::sync::broadcast;

use super::session::Session;
use super::{MAX_CLIENT_FRAME_BYTES, MAX_WRITE_BUFFER_BYTES};
use crate::arena::Started;
use crate::gateway::auth::{authenticate, bearer, refusal};
use crate::gateway::{Gateway, Player};
use crate::problem::{ApiQuery, Problem, non_negative};
use crate::server::AppState;

/// The query of `GET /v1/ws`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WsQuery {
    /// The player's token, for clients that cannot send a header.
    pub token: Option<String>,
    /// The match to watch (default: the player's running match).
    pub match_id: Option<String>,
    /// The last `seq` of that match the client saw (default 0).
    pub after: Option<i64>,
    /// The last notice `seq` the client saw (default 0).
    pub notices_after: Option<i64>,
}

/// What a checked handshake opens.
pub struct Opening {
    pub player: Player,
    /// The match watched first, if any.
    pub match_id: Option<String>,
    pub after: i64,
    pub notices_after: i64,
    /// The arena's match starts, subscribed before the player's match was
    /// looked up, so a start in between is not missed.
    pub started: broadcast::Receiver<Arc<Started>>,
}

/// `GET /v1/ws`.
pub async fn connect(
    State(state): State<Arc<AppState>>,
    Extension(gateway): Extension<Arc<Gateway>>,
    headers: HeaderMap,
    ApiQuery(query): ApiQuery<WsQuery>,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    let opening = match open(&state, &gateway, &headers, query).await {
        Ok(opening) => opening,
        Err(refusal) => return refusal,
    };
    match upgrade {
        Ok(upgrade) => upgrade
            .max_message_size(MAX_CLIENT_FRAME_BYTES)
            .max_frame_size(MAX_CLIENT_FRAME_BYTES)
            .max_write_buffer_size(MAX_WRITE_BUFFER_BYTES)
            .on_upgrade(move |socket| Session::new(socket, &state, opening).run()),
        Err(e) => {
            let mut response = Problem::new(
                StatusCode::UPGRADE_REQUIRED,
                "websocket-required",
                "WebSocket required",
                format!("GET /v1/ws opens a WebSocket: {}", e.body_text()),
            )
            .into_response();
            response
                .headers_mut()
                .insert(header::UPGRADE, HeaderValue::from_static("websocket"));
            response
        }
    }
}

/// Steps 1 to 3 of the module doc.
async fn open(
    state: &AppState,
    gateway: &Gateway,
    headers: &HeaderMap,
    query: WsQuery,
) -> Result<Opening, Response> {
    let after = non_negative("after", query.after).map_err(IntoResponse::into_response)?;
    let notices_after =
        non_negative("notices_after", query.notices_after).map_err(IntoResponse::into_response)?;
    let token = bearer(headers).or(query.token.as_deref());
    let player = authenticate(gateway, token).map_err(refusal)?;
    let started = state.arena.started();
    let match_id = match query.match_id {
        Some(match_id) => {
            state
                .arena
                .record(&player.game, &match_id)
                .await
                .map_err(|e| Problem::from(e).into_response())?;
            Some(match_id)
        }
        None => state.arena.match_of(&player.game, &player.id),
    };
    Ok(Opening {
        player,
        match_id,
        after,
        notices_after,
        started,
    })
}
