//! The economy's HTTP routes under `/v1`: a signed-in player ([`Player`])
//! reads their own wallet, ledger, inventory and notices. Reads only: the
//! economy is written by the rewards consumer, sagas and stamped actions.
//!
//! - `GET /players/me/wallet`: `{"balances"}` ([`wallet::Balance`]);
//! - `GET /players/me/wallet/{currency}/ledger?before=&limit=`: the
//!   currency's ledger, newest first, `{"entries", "next_before"}`;
//! - `GET /players/me/inventory?type=&after=&limit=`: the items not spent,
//!   by id, `{"items", "next_after"}`;
//! - `GET /players/me/notices?after=&limit=`: the notices after a `seq`,
//!   `{"notices", "next_after"}`.
//!
//! Pages hold 1 to [`MAX_PAGE`] rows ([`DEFAULT_PAGE`] by default); a
//! `next_*` of `null` means there is nothing further.

use std::sync::Arc;

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::MAX_PAGE;
use super::items::{self, Item};
use super::notices::{self, PlayerNotice};
use super::wallet::{self, Balance, LedgerEntry};
use crate::gateway::Player;
use crate::problem::{ApiPath, ApiQuery, Param, Problem, non_negative, page_limit};
use crate::server::AppState;

/// Rows a page holds unless the client asks otherwise.
pub const DEFAULT_PAGE: u32 = 50;

/// The routes, relative to `/v1`.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/players/me/wallet", get(my_wallet))
        .route("/players/me/wallet/{currency}/ledger", get(my_ledger))
        .route("/players/me/inventory", get(my_inventory))
        .route("/players/me/notices", get(my_notices))
}

#[derive(Debug, Serialize)]
struct WalletAnswer {
    balances: Vec<Balance>,
}

async fn my_wallet(
    State(state): State<Arc<AppState>>,
    player: Player,
) -> Result<Json<WalletAnswer>, Problem> {
    let balances = wallet::balances(&state.store, &player.game, &player.id).await?;
    Ok(Json(WalletAnswer { balances }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LedgerQuery {
    /// A page's `next_before`: entries of lower versions.
    before: Option<i64>,
    limit: Option<u32>,
}

#[derive(Debug, Serialize)]
struct LedgerAnswer {
    entries: Vec<LedgerEntry>,
    /// The version to pass as `before` next; `null` once version 1 is shown.
    next_before: Option<i64>,
}

async fn my_ledger(
    State(state): State<Arc<AppState>>,
    player: Player,
    ApiPath(currency): ApiPath<Param>,
    ApiQuery(query): ApiQuery<LedgerQuery>,
) -> Result<Json<LedgerAnswer>, Problem> {
    let before = query
        .before
        .map(|before| non_negative("before", Some(before)))
        .transpose()?;
    let limit = page_limit(query.limit, DEFAULT_PAGE, MAX_PAGE)?;
    let entries = wallet::ledger(
        &state.store,
        &player.game,
        &player.id,
        &currency,
        before,
        limit,
    )
    .await?;
    // Versions run 1, 2, ... per currency: a full page whose last entry is
    // above 1 has older ones behind it.
    let next_before = entries
        .last()
        .filter(|last| entries.len() == limit as usize && last.version > 1)
        .map(|last| last.version);
    Ok(Json(LedgerAnswer {
        entries,
        next_before,
    }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct InventoryQuery {
    /// Only items of this type (`stamp`, ...).
    #[serde(rename = "type")]
    item_type: Option<Param>,
    /// A page's `next_after`: items of greater ids.
    after: Option<Param>,
    limit: Option<u32>,
}

#[derive(Debug, Serialize)]
struct InventoryAnswer {
    items: Vec<Item>,
    /// The item id to pass as `after` next; `null` after a page that was
    /// not full.
    next_after: Option<String>,
}

async fn my_inventory(
    State(state): State<Arc<AppState>>,
    player: Player,
    ApiQuery(query): ApiQuery<InventoryQuery>,
) -> Result<Json<InventoryAnswer>, Problem> {
    let limit = page_limit(query.limit, DEFAULT_PAGE, MAX_PAGE)?;
    let items = items::inventory(
        &state.store,
        &player.game,
        &player.id,
        query.item_type.as_deref(),
        query.after.as_deref(),
        limit,
    )
    .await?;
    let next_after = items
        .last()
        .filter(|_| items.len() == limit as usize)
        .map(|last| last.item_id.clone());
    Ok(Json(InventoryAnswer { items, next_after }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NoticesQuery {
    /// The last `seq` the client has; 0 (the default) reads from the first.
    after: Option<i64>,
    limit: Option<u32>,
}

#[derive(Debug, Serialize)]
struct NoticesAnswer {
    notices: Vec<PlayerNotice>,
    /// The `seq` to pass as `after` next: the page's last, or the `after`
    /// given if the page is empty.
    next_after: i64,
}

async fn my_notices(
    State(state): State<Arc<AppState>>,
    player: Player,
    ApiQuery(query): ApiQuery<NoticesQuery>,
) -> Result<Json<NoticesAnswer>, Problem> {
    let after = non_negative("after", query.after)?;
    let limit = page_limit(query.limit, DEFAULT_PAGE, MAX_PAGE)?;
    let notices = notices::since(&state.store, &player.game, &player.id, after, limit).await?;
    let next_after = notices.last().map_or(after, |n| n.seq);
    Ok(Json(NoticesAnswer {
        notices,
        next_after,
    }))
}
