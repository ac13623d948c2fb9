//! The player API's routes under `/v1`, beside the gateway's own (sign-up,
//! sign-in): each service's routes, merged here and served behind the
//! gateway's layers ([`crate::gateway::router`]).
//!
//! - [`crate::arena::routes`]: lobby, matches, actions, a match's feed,
//!   match history;
//! - [`crate::arena::ws`]: the player's WebSocket;
//! - [`crate::economy::routes`]: wallet, ledger, inventory, notices;
//! - [`crate::market::routes`]: listings, trades, offers, crafting;
//! - [`crate::progression::routes`]: the player's xp and level;
//! - [`crate::tournament::routes`]: the daily tournament: entry, standings,
//!   boards, the reward claim;
//! - [`leaderboard`]: the top and a player's rank;
//! - [`openapi`]: the OpenAPI document of all of it.

pub mod leaderboard;
pub mod openapi;

use std::sync::Arc;

use axum::Router;

use crate::server::AppState;

/// Every service's `/v1` routes, paths relative to `/v1`.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .merge(crate::arena::routes::routes())
        .merge(crate::arena::ws::routes())
        .merge(crate::economy::routes::routes())
        .merge(crate::market::routes::routes())
        .merge(crate::progression::routes::routes())
        .merge(crate::tournament::routes::routes())
        .merge(leaderboard::routes())
        .merge(openapi::routes())
}
