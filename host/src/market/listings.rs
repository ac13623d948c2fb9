//! Listings: an item offered at a price. Listing locks the item to the
//! listing (so it cannot be crafted, traded or listed again); cancelling
//! gives it back; a trade saga takes it over (`crate::saga::plan`).

use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::command::{Command, Stored};
use super::db::{postgres_sql, sqlite_sql};
use super::{Caller, Market, MarketError, no_pool};
use crate::economy::items::{self, ItemState};
use crate::runtime::bindings::market_api;
use crate::saga::plan::listing_ref;
use crate::store::economy_ops::{EconomyOp, ItemLock, ItemUnlock, ListingMove, ListingRow};
use crate::store::{CommitBatch, EconomyConflict, Store, StoreError, on_db};

/// One listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Listing {
    pub id: String,
    pub seller: String,
    pub item_id: String,
    pub item_type: String,
    pub currency: String,
    pub price: i64,
    /// `open`, `pending` (a trade is buying it), `sold` or `cancelled`.
    pub state: String,
    /// The trade it is pending on or sold to.
    pub trade_id: Option<String>,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

/// The body of `POST /v1/market/listings`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewListing {
    pub item_id: String,
    pub currency: String,
    pub price: i64,
}

/// The order of a browse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    #[default]
    PriceAsc,
    PriceDesc,
    CreatedAsc,
    CreatedDesc,
}

impl Sort {
    /// `price`, `-price`, `created` or `-created`.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "price" => Some(Self::PriceAsc),
            "-price" => Some(Self::PriceDesc),
            "created" => Some(Self::CreatedAsc),
            "-created" => Some(Self::CreatedDesc),
            _ => None,
        }
    }

    /// The value of `listing` this order sorts by.
    pub fn key_of(self, listing: &Listing) -> i64 {
        match self {
            Self::PriceAsc | Self::PriceDesc => listing.price,
            Self::CreatedAsc | Self::CreatedDesc => listing.created_at_ms,
        }
    }
}

/// A browse: filters, order, and where the page starts.
#[derive(Debug, Clone)]
pub struct Browse {
    pub state: String,
    pub item_type: Option<String>,
    pub seller: Option<String>,
    pub currency: Option<String>,
    pub min_price: i64,
    pub max_price: i64,
    pub sort: Sort,
    /// After this (sort value, listing id).
    pub after: Option<(i64, String)>,
    pub limit: u32,
}

/// One listing of `game`.
pub async fn get(
    store: &Store,
    game: &str,
    listing_id: &str,
) -> Result<Option<Listing>, StoreError> {
    on_db!(store, no_pool(), |pool, m| m::listing(
        pool, game, listing_id
    )
    .await)
}

/// A page of `game`'s listings.
pub async fn browse(store: &Store, game: &str, b: &Browse) -> Result<Vec<Listing>, StoreError> {
    on_db!(store, no_pool(), |pool, m| m::browse(pool, game, b).await)
}

impl Market {
    /// Lists the caller's item: checked against the inventory, validated by
    /// the market component, then the listing and the item's lock in one
    /// batch with the command's record. 201 with the listing.
    pub async fn list(
        &self,
        caller: &Caller,
        cmd: &Command,
        body: NewListing,
    ) -> Result<Stored, MarketError> {
        let item = items::get(&self.store, &caller.game, &body.item_id)
            .await?
            .filter(|item| item.owner == caller.player)
            .ok_or_else(|| MarketError::Unknown {
                what: "item",
                id: body.item_id.clone(),
            })?;
        if item.state != ItemState::Owned {
            return Err(MarketError::ItemUnavailable(format!(
                "item `{}` is {:?}: only an owned, unlocked item can be listed",
                item.item_id, item.state
            )));
        }
        let price = u64::try_from(body.price)
            .ok()
            .filter(|p| *p > 0)
            .ok_or_else(|| MarketError::Invalid("a price is more than 0".into()))?;
        self.rules
            .validate_listing(
                &caller.game,
                market_api::Listing {
                    seller: caller.player.clone(),
                    item_id: item.item_id.clone(),
                    item_type: item.item_type.clone(),
                    currency: body.currency.clone(),
                    price,
                },
            )
            .await?;
        let now = crate::store::now_ms();
        let listing = Listing {
            id: crate::store::new_event_id(),
            seller: caller.player.clone(),
            item_id: item.item_id.clone(),
            item_type: item.item_type.clone(),
            currency: body.currency,
            price: body.price,
            state: "open".into(),
            trade_id: None,
            created_at_ms: now,
            updated_at_ms: now,
        };
        let answer = Stored::ok(StatusCode::CREATED, &listing);
        let batch = CommitBatch {
            idempotency: Some(cmd.done(&answer)),
            ops: vec![
                EconomyOp::ListingOpen(ListingRow {
                    game: caller.game.clone(),
                    listing_id: listing.id.clone(),
                    seller: listing.seller.clone(),
                    item_id: listing.item_id.clone(),
                    item_type: listing.item_type.clone(),
                    currency: listing.currency.clone(),
                    price: listing.price,
                }),
                EconomyOp::Lock(ItemLock {
                    game: caller.game.clone(),
                    item_id: listing.item_id.clone(),
                    owner: caller.player.clone(),
                    lock_ref: listing_ref(&listing.id),
                    from_ref: None,
                }),
            ],
            events: vec![caller.event(&caller.player, "ListingCreated", json!(listing))],
            ..CommitBatch::default()
        };
        self.commit(batch, &listing.item_id).await?;
        Ok(answer)
    }

    /// Cancels the caller's open listing: the listing ends and its item is
    /// unlocked, in one batch. 200 with the listing.
    pub async fn cancel(
        &self,
        caller: &Caller,
        cmd: &Command,
        listing_id: &str,
    ) -> Result<Stored, MarketError> {
        let listing = self.own_listing(caller, listing_id).await?;
        if listing.state != "open" {
            return Err(not_open(&listing));
        }
        let cancelled = Listing {
            state: "cancelled".into(),
            updated_at_ms: crate::store::now_ms(),
            ..listing
        };
        let answer = Stored::ok(StatusCode::OK, &cancelled);
        let batch = CommitBatch {
            idempotency: Some(cmd.done(&answer)),
            ops: vec![
                EconomyOp::ListingMove(ListingMove {
                    game: caller.game.clone(),
                    listing_id: cancelled.id.clone(),
                    from: "open".into(),
                    to: "cancelled".into(),
                    trade: None,
                    expect_trade: None,
                }),
                EconomyOp::Unlock(ItemUnlock {
                    game: caller.game.clone(),
                    item_id: cancelled.item_id.clone(),
                    lock_ref: listing_ref(&cancelled.id),
                    to_ref: None,
                }),
            ],
            events: vec![caller.event(&caller.player, "ListingCancelled", json!(cancelled))],
            ..CommitBatch::default()
        };
        self.commit(batch, &cancelled.item_id).await?;
        Ok(answer)
    }

    /// The listing, if it is the caller's.
    async fn own_listing(&self, caller: &Caller, listing_id: &str) -> Result<Listing, MarketError> {
        let listing = get(&self.store, &caller.game, listing_id)
            .await?
            .ok_or_else(|| MarketError::Unknown {
                what: "listing",
                id: listing_id.to_owned(),
            })?;
        if listing.seller != caller.player {
            return Err(MarketError::NotYours(format!(
                "listing `{listing_id}` is another player's"
            )));
        }
        Ok(listing)
    }

    /// Commits a listing's batch; a guard that did not apply is the
    /// refusal it stands for.
    async fn commit(&self, batch: CommitBatch, item_id: &str) -> Result<(), MarketError> {
        match self.store.commit(batch).await {
            Ok(_) => Ok(()),
            Err(StoreError::Economy(EconomyConflict::ListingUnavailable { listing_id })) => {
                Err(MarketError::ItemUnavailable(format!(
                    "listing `{listing_id}` changed meanwhile, or item `{item_id}` is listed \
                     already"
                )))
            }
            Err(StoreError::Economy(_)) => Err(MarketError::ItemUnavailable(format!(
                "item `{item_id}` changed meanwhile (locked, traded or spent)"
            ))),
            Err(StoreError::IdempotencyConflict { .. }) => Err(MarketError::InFlight),
            Err(e) => Err(e.into()),
        }
    }
}

/// The refusal for a listing that is not open.
pub(crate) fn not_open(listing: &Listing) -> MarketError {
    MarketError::NotOpen {
        what: "listing",
        id: listing.id.clone(),
        state: listing.state.clone(),
    }
}
