//! The gateway: the player API under `/v1` and what every request of it
//! goes through (DESIGN.md, "Gateway (auth, rate limit, correlation id)").
//!
//! - [`correlation`]: a correlation id per request (the whole app's
//!   outermost layer), in a tracing span, the response and the handlers'
//!   reach ([`CorrelationId`]);
//! - [`rate_limit`]: a token bucket per player (or per IP before sign-in),
//!   429 with `Retry-After` over it;
//! - [`body_limit`]: 413 for a body over `body_limit_bytes`;
//! - [`auth`]: the [`Player`] extractor a handler takes to require a
//!   signed-in player; [`tokens`]: the HS256 session tokens it verifies;
//! - [`accounts`]: players in the database; [`passwords`]: their Argon2id
//!   hashes;
//! - [`routes`]: register, sign in, `me`; [`json`]: JSON bodies whose
//!   refusals are problem+json ([`ApiJson`]);
//! - [`idempotency_key`]: the `Idempotency-Key` header of mutating calls;
//! - [`names`]: player names beside the ids in answers ([`names::Named`]);
//!   [`command`]: the key's record around a service's command (looked up,
//!   done with the answer, replayed); [`inflight`]: the keys of the requests
//!   running on this host;
//! - [`config`]: the `[gateway]` knobs.
//!
//! A request to `/v1`: [`correlation::correlate`] -> [`rate_limit::limit`]
//! -> [`body_limit::refuse_oversized`] -> the handler, which takes a
//! [`Player`] and an [`ApiJson`] body. Other services add their `/v1` routes
//! through [`router`]'s `api` argument, so they run behind the same layers.

pub mod accounts;
pub mod auth;
pub mod body_limit;
pub mod command;
pub mod config;
pub mod correlation;
pub mod idempotency_key;
pub mod inflight;
pub mod json;
pub mod names;
pub mod passwords;
pub mod rate_limit;
pub mod routes;
pub mod tokens;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, Extension};
use axum::http::StatusCode;
use axum::routing::any;
use axum::{Router, middleware};

pub use auth::Player;
pub use config::GatewayConfig;
pub use correlation::CorrelationId;
pub use json::ApiJson;

use crate::problem::Problem;
use crate::server::AppState;
use passwords::Passwords;
use rate_limit::RateLimiter;
use tokens::Tokens;

/// What the gateway's layers and routes share; one per served app, reached
/// by handlers as an `Extension<Arc<Gateway>>`.
pub struct Gateway {
    /// The game players register into and sign in to.
    game: String,
    tokens: Tokens,
    passwords: Passwords,
    limiter: RateLimiter,
}

impl Gateway {
    /// The gateway of `config`.
    pub fn new(config: &crate::config::Config) -> Self {
        let g = &config.gateway;
        Self {
            game: config.default_game.clone(),
            tokens: Tokens::new(
                &g.jwt_secret,
                Duration::from_secs(g.token_ttl_secs),
                &config.operator_token,
            ),
            passwords: Passwords::new(g.max_concurrent_password_hashes),
            limiter: RateLimiter::new(
                g.rate_limit_per_second,
                g.rate_limit_burst,
                g.rate_limit_max_clients,
            ),
        }
    }
}

/// The player API: the identity routes and `api` (other services' routes,
/// with paths relative to `/v1`), nested under `/v1` behind the rate limit
/// and the body limit. Warns if the JWT secret is weak.
pub fn router(state: &Arc<AppState>, api: Router<Arc<AppState>>) -> Router<Arc<AppState>> {
    let config = &state.config.gateway;
    config.warn_if_weak();
    let gateway = Arc::new(Gateway::new(&state.config));
    let body_limit = config.body_limit_bytes;
    let v1 = routes::routes()
        .merge(api)
        .route("/{*rest}", any(not_found))
        .method_not_allowed_fallback(method_not_allowed);
    Router::new()
        .nest("/v1", v1)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(middleware::from_fn_with_state(
            body_limit,
            body_limit::refuse_oversized,
        ))
        .layer(middleware::from_fn_with_state(
            gateway.clone(),
            rate_limit::limit,
        ))
        .layer(Extension(gateway))
}

async fn not_found() -> Problem {
    Problem::new(
        StatusCode::NOT_FOUND,
        "not-found",
        "No such route",
        "the player API has no such route",
    )
}

async fn method_not_allowed() -> Problem {
    Problem::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method-not-allowed",
        "Method not allowed",
        "this route does not take this method",
    )
}
