//! The identity routes of the player API, under `/v1`:
//!
//! - `POST /v1/players` `{name, password}`: registers a player (201; 409 if
//!   the name is taken in any case; 422 if the name or password breaks the
//!   rules);
//! - `POST /v1/sessions` `{name, password}`: signs in, answering
//!   `{token, expires_at, player_id}` (401 for a wrong name or password,
//!   alike);
//! - `GET /v1/players/me`: the signed-in player.

use std::sync::Arc;
use std::time::SystemTime;

use axum::extract::{Extension, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse as _, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::Gateway;
use super::accounts::{self, AccountError, PlayerName, PlayerRecord};
use super::auth::{Player, refusal};
use super::json::ApiJson;
use super::passwords::{self, PasswordError};
use super::tokens;
use crate::problem::Problem;
use crate::server::AppState;

/// The identity routes, relative to `/v1`.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/players", post(register))
        .route("/players/me", get(me))
        .route("/sessions", post(sign_in))
}

/// A name and a password (never logged: no `Debug`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Credentials {
    name: String,
    password: String,
}

/// A player as the API shows it.
#[derive(Debug, Serialize)]
struct PlayerView {
    player_id: String,
    game: String,
    name: String,
    created_at_ms: i64,
}

impl From<PlayerRecord> for PlayerView {
    fn from(p: PlayerRecord) -> Self {
        Self {
            player_id: p.id,
            game: p.game,
            name: p.name,
            created_at_ms: p.created_at_ms,
        }
    }
}

/// A signed-in session.
#[derive(Debug, Serialize)]
struct Session {
    token: String,
    /// RFC 3339, UTC.
    expires_at: String,
    player_id: String,
}

async fn register(
    State(state): State<Arc<AppState>>,
    Extension(gateway): Extension<Arc<Gateway>>,
    ApiJson(credentials): ApiJson<Credentials>,
) -> Result<(StatusCode, Json<PlayerView>), Problem> {
    let name = PlayerName::parse(&credentials.name).map_err(|why| invalid("invalid-name", why))?;
    passwords::check_rules(&credentials.password)
        .map_err(|why| invalid("invalid-password", why))?;
    let password_hash = gateway.passwords.hash(credentials.password).await?;
    let player = PlayerRecord {
        id: crate::store::new_event_id(),
        game: gateway.game.clone(),
        name: name.as_str().to_owned(),
        password_hash,
        created_at_ms: crate::bus::relay::now_ms(),
    };
    accounts::insert(&state.store, &player).await?;
    tracing::info!(player_id = %player.id, name = %player.name, "player registered");
    Ok((StatusCode::CREATED, Json(player.into())))
}

async fn sign_in(
    State(state): State<Arc<AppState>>,
    Extension(gateway): Extension<Arc<Gateway>>,
    ApiJson(credentials): ApiJson<Credentials>,
) -> Result<Json<Session>, Response> {
    // A name that cannot exist is looked up as no one: the same answer, in
    // the same time, as a wrong password.
    let found = match PlayerName::parse(&credentials.name) {
        Ok(name) => accounts::by_name(&state.store, &gateway.game, &name)
            .await
            .map_err(|e| Problem::from(e).into_response())?,
        Err(_) => None,
    };
    let stored = found.as_ref().map(|p| p.password_hash.clone());
    let verified = gateway
        .passwords
        .verify(credentials.password, stored)
        .await
        .map_err(|e| Problem::from(e).into_response())?;
    let player = match found {
        Some(player) if verified => player,
        _ => {
            return Err(Problem::new(
                StatusCode::UNAUTHORIZED,
                "invalid-credentials",
                "Unauthorized",
                "the name or the password is wrong",
            )
            .into_response());
        }
    };
    let issued = gateway
        .tokens
        .issue(&player.id, &player.game, &player.name, SystemTime::now())
        .map_err(refusal)?;
    Ok(Json(Session {
        token: issued.token,
        expires_at: tokens::rfc3339(issued.expires_at_secs),
        player_id: player.id,
    }))
}

async fn me(
    State(state): State<Arc<AppState>>,
    player: Player,
) -> Result<Json<PlayerView>, Problem> {
    match accounts::by_id(&state.store, &player.game, &player.id).await? {
        Some(record) => Ok(Json(record.into())),
        None => Err(Problem::unauthorized(
            "the session's player does not exist (any more)",
        )),
    }
}

/// 422 problem+json for a name or password that breaks the rules.
fn invalid(kind: &str, why: String) -> Problem {
    Problem::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        kind,
        "Credentials break the rules",
        why,
    )
}

impl From<AccountError> for Problem {
    fn from(e: AccountError) -> Self {
        match e {
            AccountError::NameTaken(_) => Problem::new(
                StatusCode::CONFLICT,
                "name-taken",
                "Name taken",
                e.to_string(),
            ),
            AccountError::NoPool | AccountError::Storage(_) => {
                tracing::error!(error = %e, "player storage failed");
                Problem::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "storage",
                    "Player storage failed",
                    "player storage failed; the host's log has the details",
                )
            }
        }
    }
}

impl From<PasswordError> for Problem {
    fn from(e: PasswordError) -> Self {
        tracing::error!(error = %e, "password hashing failed");
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "password-hashing",
            "Password hashing failed",
            "password hashing failed; the host's log has the details",
        )
    }
}
