//! The market's HTTP routes under `/v1`, each for a signed-in player.
//! Every mutating call takes an `Idempotency-Key` ([`super::command`]);
//! refusals are problem+json ([`super::error`]).
//!
//! - `GET /market/listings?item_type=&seller=&currency=&min_price=&max_price=
//!   &state=&sort=price|-price|created|-created&limit=&cursor=`: a page of
//!   listings and the `next` cursor; `GET /market/listings/{id}`;
//! - `POST /market/listings` `{item_id, currency, price}`: 201 listing;
//!   `DELETE /market/listings/{id}`: 200 listing, cancelled;
//! - `POST /trades` `{listing_id}`: the trade saga; 200 with the trade if it
//!   ended within `saga.answer_wait_ms`, else 202 (poll `GET /trades/{id}`
//!   or read the `trade` notices); a replay shows the trade as it stands;
//!   `GET /trades`, `GET /trades/{id}`;
//! - `POST /offers` `{to, give, want}`: 201 offer; `GET /offers`;
//!   `POST /offers/{id}/accept`: the offer's saga, answered as a trade;
//!   `POST /offers/{id}/decline`; `DELETE /offers/{id}` (cancel);
//! - `GET /crafting/recipes`; `POST /crafts` `{recipe}`: 201 craft.
//!
//! The reads of listings, trades and offers carry the players' `names`
//! ([`Named`]); a command's answer is stored and replayed as it was, so it
//! names players by id only.

use std::sync::Arc;

use axum::extract::{Extension, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::command::{self, Command, Started, Stored};
use super::craft::{NewCraft, RecipeView};
use super::listings::{self, Browse, Listing, NewListing, Sort};
use super::offers::{self, NewOffer, Offer};
use super::trade::NewTrade;
use super::views::TradeView;
use super::{Caller, MarketError};
use crate::gateway::correlation::CorrelationId;
use crate::gateway::idempotency_key::IdempotencyKey;
use crate::gateway::names::Named;
use crate::gateway::{ApiJson, Player};
use crate::problem::{ApiPath, ApiQuery, Param, Problem, page_limit};
use crate::server::AppState;

/// Listings one page holds at most, and by default.
pub const MAX_LISTING_PAGE: u32 = 100;
pub const DEFAULT_LISTING_PAGE: u32 = 20;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/market/listings", get(browse).post(list))
        .route("/market/listings/{id}", get(listing).delete(cancel))
        .route("/trades", get(trades).post(buy))
        .route("/trades/{id}", get(trade))
        .route("/offers", get(my_offers).post(offer))
        .route("/offers/{id}", axum::routing::delete(cancel_offer))
        .route("/offers/{id}/accept", post(accept))
        .route("/offers/{id}/decline", post(decline))
        .route("/crafting/recipes", get(recipes))
        .route("/crafts", post(craft))
}

fn caller(player: &Player, correlation: &CorrelationId) -> Caller {
    Caller {
        game: player.game.clone(),
        player: player.id.clone(),
        correlation_id: Some(correlation.as_str().to_owned()),
    }
}

/// What reserving a request's key found.
enum Begun {
    Run(Command),
    Replay(Stored),
    Refused(MarketError),
}

/// Reserves the request's key: the command to run, or a replay, or the
/// key's refusal (in flight, reused, the store failing).
async fn started(state: &AppState, player: &Player, key: &str, what: &str, body: &Value) -> Begun {
    let windows = state.market.config().windows();
    match command::begin(
        &state.store,
        state.market.running(),
        windows,
        player,
        key,
        what,
        body,
    )
    .await
    {
        Ok(Started::New(cmd)) => Begun::Run(cmd),
        Ok(Started::Replay(stored)) => Begun::Replay(stored),
        Err(e) => Begun::Refused(e),
    }
}

/// Runs a command under its key.
macro_rules! command {
    ($state:expr, $player:expr, $key:expr, $what:expr, $body:expr, |$cmd:ident| $run:expr) => {{
        match started(&$state, &$player, &$key, &$what, &json!($body)).await {
            Begun::Run($cmd) => {
                let outcome = $run;
                $cmd.conclude(outcome).await
            }
            Begun::Replay(stored) => stored.response(true),
            Begun::Refused(e) => Problem::from(e).into_response(),
        }
    }};
}

// ---- listings ----

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BrowseQuery {
    item_type: Option<String>,
    seller: Option<String>,
    currency: Option<String>,
    min_price: Option<i64>,
    max_price: Option<i64>,
    state: Option<String>,
    sort: Option<String>,
    limit: Option<u32>,
    cursor: Option<String>,
}

#[derive(Debug, Serialize)]
struct ListingPage {
    listings: Vec<Listing>,
    /// The `cursor` of the next page, `null` on the last.
    next: Option<String>,
}

async fn browse(
    State(state): State<Arc<AppState>>,
    player: Player,
    ApiQuery(q): ApiQuery<BrowseQuery>,
) -> Result<Json<Named<ListingPage>>, Problem> {
    let sort = match q.sort.as_deref() {
        None => Sort::default(),
        Some(text) => Sort::parse(text).ok_or_else(|| {
            Problem::bad_request("`sort` is one of price, -price, created, -created")
        })?,
    };
    let state_filter = q.state.unwrap_or_else(|| "open".into());
    if !["open", "pending", "sold", "cancelled"].contains(&state_filter.as_str()) {
        return Err(Problem::bad_request(
            "`state` is one of open, pending, sold, cancelled",
        ));
    }
    let limit = page_limit(q.limit, DEFAULT_LISTING_PAGE, MAX_LISTING_PAGE)?;
    let after = q.cursor.as_deref().map(parse_cursor).transpose()?;
    let text = |v: Option<String>| -> Result<Option<String>, Problem> {
        v.filter(|s| !s.is_empty())
            .map(|s| {
                Param::try_from(s)
                    .map(|p| p.to_string())
                    .map_err(Problem::bad_request)
            })
            .transpose()
    };
    let b = Browse {
        state: state_filter,
        item_type: text(q.item_type)?,
        seller: text(q.seller)?,
        currency: text(q.currency)?,
        min_price: q.min_price.unwrap_or(0),
        max_price: q.max_price.unwrap_or(i64::MAX),
        sort,
        after,
        limit,
    };
    let listings = listings::browse(&state.store, &player.game, &b)
        .await
        .map_err(MarketError::from)?;
    let next = (listings.len() == limit as usize)
        .then(|| {
            listings
                .last()
                .map(|l| format!("{}:{}", sort.key_of(l), l.id))
        })
        .flatten();
    let names = state
        .names
        .of(
            &state.store,
            &player.game,
            listings.iter().map(|l| l.seller.as_str()),
        )
        .await?;
    Ok(Json(Named {
        body: ListingPage { listings, next },
        names,
    }))
}

fn parse_cursor(text: &str) -> Result<(i64, String), Problem> {
    text.split_once(':')
        .and_then(|(value, id)| {
            let value = value.parse().ok()?;
            let id = Param::try_from(id.to_owned()).ok()?;
            Some((value, id.to_string()))
        })
        .ok_or_else(|| Problem::bad_request("a page cursor must be one this API returned"))
}

async fn listing(
    State(state): State<Arc<AppState>>,
    player: Player,
    ApiPath(id): ApiPath<Param>,
) -> Result<Json<Named<Listing>>, Problem> {
    let found = listings::get(&state.store, &player.game, id.as_str())
        .await
        .map_err(MarketError::from)?;
    let listing = found.ok_or_else(|| MarketError::Unknown {
        what: "listing",
        id: id.to_string(),
    })?;
    let names = state
        .names
        .of(&state.store, &player.game, [listing.seller.as_str()])
        .await?;
    Ok(Json(Named {
        body: listing,
        names,
    }))
}

async fn list(
    State(state): State<Arc<AppState>>,
    player: Player,
    Extension(corr): Extension<CorrelationId>,
    IdempotencyKey(key): IdempotencyKey,
    ApiJson(body): ApiJson<NewListing>,
) -> Response {
    let caller = caller(&player, &corr);
    command!(
        state,
        player,
        key,
        "POST /v1/market/listings",
        body,
        |cmd| { state.market.list(&caller, &cmd, body).await }
    )
}

async fn cancel(
    State(state): State<Arc<AppState>>,
    player: Player,
    Extension(corr): Extension<CorrelationId>,
    IdempotencyKey(key): IdempotencyKey,
    ApiPath(id): ApiPath<Param>,
) -> Response {
    let caller = caller(&player, &corr);
    let what = format!("DELETE /v1/market/listings/{id}");
    command!(state, player, key, what, Value::Null, |cmd| {
        state.market.cancel(&caller, &cmd, id.as_str()).await
    })
}

// ---- trades ----

async fn buy(
    State(state): State<Arc<AppState>>,
    player: Player,
    Extension(corr): Extension<CorrelationId>,
    IdempotencyKey(key): IdempotencyKey,
    ApiJson(body): ApiJson<NewTrade>,
) -> Response {
    let caller = caller(&player, &corr);
    let what = "POST /v1/trades";
    match started(&state, &player, &key, what, &json!(body)).await {
        Begun::Run(cmd) => {
            let outcome = state.market.buy(&caller, &cmd, body).await;
            cmd.conclude(outcome).await
        }
        Begun::Replay(stored) => replay_trade(&state, &caller, stored).await,
        Begun::Refused(e) => Problem::from(e).into_response(),
    }
}

/// A replayed trade start shows the trade as it stands now.
async fn replay_trade(state: &AppState, caller: &Caller, stored: Stored) -> Response {
    match state.market.replayed_trade(caller, &stored).await {
        Some(Ok(now)) => now.response(true),
        Some(Err(e)) => Problem::from(e).into_response(),
        None => stored.response(true),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TradesQuery {
    /// A page's `next_before`.
    before: Option<String>,
    limit: Option<u32>,
}

#[derive(Debug, Serialize)]
struct TradePage {
    trades: Vec<TradeView>,
    /// The `before` of the next page (`<created_at_ms>:<id>`), `null` on
    /// the last.
    next_before: Option<String>,
}

async fn trades(
    State(state): State<Arc<AppState>>,
    player: Player,
    Extension(corr): Extension<CorrelationId>,
    ApiQuery(q): ApiQuery<TradesQuery>,
) -> Result<Json<Named<TradePage>>, Problem> {
    let limit = page_limit(q.limit, DEFAULT_LISTING_PAGE, MAX_LISTING_PAGE)?;
    let before = q.before.as_deref().map(parse_cursor).transpose()?;
    let trades = state
        .market
        .trades(&caller(&player, &corr), before.as_ref(), limit)
        .await?;
    let next_before = (trades.len() == limit as usize)
        .then(|| {
            trades
                .last()
                .map(|t| format!("{}:{}", t.created_at_ms, t.id))
        })
        .flatten();
    let names = state
        .names
        .of(
            &state.store,
            &player.game,
            trades
                .iter()
                .flat_map(|t| [t.initiator.as_str(), t.counterparty.as_str()]),
        )
        .await?;
    Ok(Json(Named {
        body: TradePage {
            trades,
            next_before,
        },
        names,
    }))
}

async fn trade(
    State(state): State<Arc<AppState>>,
    player: Player,
    Extension(corr): Extension<CorrelationId>,
    ApiPath(id): ApiPath<Param>,
) -> Response {
    match state
        .market
        .trade(&caller(&player, &corr), id.as_str())
        .await
    {
        Ok(stored) => stored.response(false),
        Err(e) => Problem::from(e).into_response(),
    }
}

// ---- offers ----

async fn offer(
    State(state): State<Arc<AppState>>,
    player: Player,
    Extension(corr): Extension<CorrelationId>,
    IdempotencyKey(key): IdempotencyKey,
    ApiJson(body): ApiJson<NewOffer>,
) -> Response {
    let caller = caller(&player, &corr);
    command!(state, player, key, "POST /v1/offers", body, |cmd| {
        state.market.offer(&caller, &cmd, body).await
    })
}

#[derive(Debug, Serialize)]
struct OfferList {
    offers: Vec<Offer>,
}

async fn my_offers(
    State(state): State<Arc<AppState>>,
    player: Player,
) -> Result<Json<Named<OfferList>>, Problem> {
    let offers = offers::of_player(&state.store, &player.game, &player.id, MAX_LISTING_PAGE)
        .await
        .map_err(MarketError::from)?;
    let names = state
        .names
        .of(
            &state.store,
            &player.game,
            offers.iter().flat_map(|o| [o.from.as_str(), o.to.as_str()]),
        )
        .await?;
    Ok(Json(Named {
        body: OfferList { offers },
        names,
    }))
}

async fn accept(
    State(state): State<Arc<AppState>>,
    player: Player,
    Extension(corr): Extension<CorrelationId>,
    IdempotencyKey(key): IdempotencyKey,
    ApiPath(id): ApiPath<Param>,
) -> Response {
    let caller = caller(&player, &corr);
    let what = format!("POST /v1/offers/{id}/accept");
    match started(&state, &player, &key, &what, &Value::Null).await {
        Begun::Run(cmd) => {
            let outcome = state.market.accept(&caller, &cmd, id.as_str()).await;
            cmd.conclude(outcome).await
        }
        Begun::Replay(stored) => replay_trade(&state, &caller, stored).await,
        Begun::Refused(e) => Problem::from(e).into_response(),
    }
}

async fn decline(
    State(state): State<Arc<AppState>>,
    player: Player,
    Extension(corr): Extension<CorrelationId>,
    IdempotencyKey(key): IdempotencyKey,
    ApiPath(id): ApiPath<Param>,
) -> Response {
    let what = format!("POST /v1/offers/{id}/decline");
    close_offer(&state, &player, &corr, &key, (&what, "declined"), &id).await
}

async fn cancel_offer(
    State(state): State<Arc<AppState>>,
    player: Player,
    Extension(corr): Extension<CorrelationId>,
    IdempotencyKey(key): IdempotencyKey,
    ApiPath(id): ApiPath<Param>,
) -> Response {
    let what = format!("DELETE /v1/offers/{id}");
    close_offer(&state, &player, &corr, &key, (&what, "cancelled"), &id).await
}

/// Declines or cancels offer `id` (request `what`, the offer's state `to`).
async fn close_offer(
    state: &AppState,
    player: &Player,
    corr: &CorrelationId,
    key: &str,
    (what, to): (&str, &str),
    id: &Param,
) -> Response {
    let caller = caller(player, corr);
    command!(state, player, key, what, Value::Null, |cmd| {
        state
            .market
            .close_offer(&caller, &cmd, id.as_str(), to)
            .await
    })
}

// ---- crafting ----

#[derive(Debug, Serialize)]
struct RecipeList {
    recipes: Vec<RecipeView>,
}

async fn recipes(
    State(state): State<Arc<AppState>>,
    player: Player,
) -> Result<Json<RecipeList>, Problem> {
    let recipes = state.market.recipes(&player.game).await?;
    Ok(Json(RecipeList { recipes }))
}

async fn craft(
    State(state): State<Arc<AppState>>,
    player: Player,
    Extension(corr): Extension<CorrelationId>,
    IdempotencyKey(key): IdempotencyKey,
    ApiJson(body): ApiJson<NewCraft>,
) -> Response {
    let caller = caller(&player, &corr);
    command!(state, player, key, "POST /v1/crafts", body, |cmd| {
        state.market.craft(&caller, &cmd, body).await
    })
}
