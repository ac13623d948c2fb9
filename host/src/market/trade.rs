//! Buying a listing: the seed's trade saga. The market component quotes
//! the fee and may add steps; the plan is fixed then and stored with the
//! saga, which the host runs (`crate::saga`):
//!
//! INITIATED -> reserve the buyer's funds -> FUNDS_RESERVED -> lock the item
//! (from the listing, which goes `pending`) -> ITEM_LOCKED -> the extra
//! steps -> transfer: the hold paid to the seller and the fee to the house,
//! the item to the buyer, the listing `sold` -> COMPLETED. A failure undoes
//! the done steps in reverse (unlock the item back to its listing, release
//! the funds) to FAILED, and the buyer is told.

use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::command::{Command, Stored};
use super::listings::{self, not_open};
use super::views::TradeView;
use super::{Caller, Market, MarketError};
use crate::runtime::bindings::market_api;
use crate::saga::plan::{Capture, Handover, Plan, Settlement, Step};
use crate::saga::{SagaRecord, record};
use crate::store::economy_ops::{EconomyOp, HOUSE, Payout};
use crate::store::{CommitBatch, StoreError};

/// The body of `POST /v1/trades`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewTrade {
    pub listing_id: String,
}

/// The kind of a listing's trade saga.
pub use crate::saga::kinds::MARKET;
/// The kind of an accepted offer's saga.
pub use crate::saga::kinds::OFFER;

impl Market {
    /// Starts the trade saga for a listing and waits a little for its end:
    /// 200 with the trade if it ended, 202 with it as it stands if not. A
    /// refusal before the saga starts (unknown or closed listing, the rules
    /// say no) is the answer instead.
    pub async fn buy(
        &self,
        caller: &Caller,
        cmd: &Command,
        body: NewTrade,
    ) -> Result<Stored, MarketError> {
        let listing = listings::get(&self.store, &caller.game, &body.listing_id)
            .await?
            .ok_or_else(|| MarketError::Unknown {
                what: "listing",
                id: body.listing_id.clone(),
            })?;
        if listing.state != "open" {
            return Err(not_open(&listing));
        }
        let price = u64::try_from(listing.price).unwrap_or_default();
        let quote = self
            .rules
            .quote(
                &caller.game,
                market_api::Trade {
                    buyer: caller.player.clone(),
                    seller: listing.seller.clone(),
                    item_type: listing.item_type.clone(),
                    currency: listing.currency.clone(),
                    price,
                },
            )
            .await?;
        if quote.fee.checked_add(quote.seller_receives) != Some(price) {
            return Err(MarketError::Component(format!(
                "the quote's fee {} and seller's share {} do not add up to the price {price}",
                quote.fee, quote.seller_receives
            )));
        }
        let mut payouts = Vec::new();
        for (player, amount, reason) in [
            (&listing.seller, quote.seller_receives, "sale"),
            (&HOUSE.to_owned(), quote.fee, "market-fee"),
        ] {
            if amount > 0 {
                payouts.push(Payout {
                    player: player.clone(),
                    amount: i64::try_from(amount).unwrap_or_default(),
                    reason: reason.into(),
                });
            }
        }
        let mut steps = vec![
            Step::ReserveFunds {
                player: caller.player.clone(),
                currency: listing.currency.clone(),
                amount: listing.price,
            },
            Step::LockItem {
                item_id: listing.item_id.clone(),
                owner: listing.seller.clone(),
                listing: Some(listing.id.clone()),
            },
        ];
        steps.extend(
            quote
                .extra_steps
                .iter()
                .map(|name| Step::Check { name: name.clone() }),
        );
        steps.push(Step::Settle(Settlement {
            captures: vec![Capture { step: 0, payouts }],
            items: vec![Handover {
                item_id: listing.item_id.clone(),
                from: listing.seller.clone(),
                to: caller.player.clone(),
            }],
            listing: Some(listing.id.clone()),
        }));
        let plan = Plan {
            steps,
            terms: json!({
                "buyer": caller.player, "seller": listing.seller, "listing_id": listing.id,
                "item_id": listing.item_id, "item_type": listing.item_type,
                "currency": listing.currency, "price": listing.price, "fee": quote.fee,
                "seller_receives": quote.seller_receives,
            }),
            correlation_id: caller.correlation_id.clone(),
        };
        plan.check().map_err(|why| {
            MarketError::Component(format!("the market component's plan is unusable: {why}"))
        })?;
        let parties = (caller.player.as_str(), listing.seller.as_str());
        let unexpected = || MarketError::Component("the saga could not start".into());
        let saga_id = crate::store::new_event_id();
        let ops = (Vec::new(), unexpected);
        self.start(caller, cmd, (MARKET, &saga_id), plan, parties, ops)
            .await
    }

    /// Starts saga `saga_id` of `kind` (with `ops` in its first batch, refused as
    /// `refused` says if one of them does not apply), then answers with the
    /// trade once it ended or `answer_wait_ms` passed.
    pub(crate) async fn start(
        &self,
        caller: &Caller,
        cmd: &Command,
        (kind, saga_id): (&str, &str),
        plan: Plan,
        parties: (&str, &str),
        (ops, refused): (Vec<EconomyOp>, impl FnOnce() -> MarketError),
    ) -> Result<Stored, MarketError> {
        let row = self
            .sagas
            .row(&caller.game, saga_id, kind, &plan, parties)
            .map_err(|e| MarketError::Component(e.to_string()))?;
        // What a retry of the request replays: the trade's id (the replay
        // shows the trade as it stands then).
        let answer = Stored::ok(StatusCode::ACCEPTED, &json!({ "id": saga_id }));
        let mut all_ops = vec![EconomyOp::SagaStart(row)];
        all_ops.extend(ops);
        let event = caller.event(
            &caller.player,
            "TradeInitiated",
            json!({ "saga_id": saga_id, "kind": kind, "terms": plan.terms }),
        );
        let batch = CommitBatch {
            idempotency: Some(cmd.done(&answer)),
            ops: all_ops,
            events: vec![event],
            ..CommitBatch::default()
        };
        let watch = match self.sagas.begin(batch).await {
            Ok(watch) => watch,
            Err(StoreError::Economy(_)) => return Err(refused()),
            Err(StoreError::IdempotencyConflict { .. }) => return Err(MarketError::InFlight),
            Err(e) => return Err(e.into()),
        };
        let saga = self.sagas.settle(watch).await;
        self.answer(&caller.game, saga_id, saga).await
    }

    /// 200 with an ended trade, 202 with a running one.
    async fn answer(
        &self,
        game: &str,
        saga_id: &str,
        seen: Option<SagaRecord>,
    ) -> Result<Stored, MarketError> {
        let saga = match seen {
            Some(saga) => saga,
            None => record::get(&self.store, game, saga_id)
                .await?
                .ok_or_else(|| MarketError::Unknown {
                    what: "trade",
                    id: saga_id.to_owned(),
                })?,
        };
        let log = record::log(&self.store, game, saga_id).await?;
        let status = if saga.is_terminal() {
            StatusCode::OK
        } else {
            StatusCode::ACCEPTED
        };
        Ok(Stored::ok(status, &TradeView::of(&saga, &log)))
    }

    /// A trade the caller is party to, as it stands.
    pub async fn trade(&self, caller: &Caller, saga_id: &str) -> Result<Stored, MarketError> {
        let saga = record::get(&self.store, &caller.game, saga_id)
            .await?
            .filter(|s| s.initiator == caller.player || s.counterparty == caller.player)
            .ok_or_else(|| MarketError::Unknown {
                what: "trade",
                id: saga_id.to_owned(),
            })?;
        self.answer(&caller.game, saga_id, Some(saga)).await
    }

    /// The trade a replayed start answer names, as it stands now.
    pub async fn replayed_trade(
        &self,
        caller: &Caller,
        stored: &Stored,
    ) -> Option<Result<Stored, MarketError>> {
        let id = stored.body.get("id")?.as_str()?;
        if stored.problem || stored.body.as_object()?.len() != 1 {
            return None;
        }
        Some(self.trade(caller, id).await)
    }

    /// Newest first: the caller's trades older than `before` (creation
    /// time, id).
    pub async fn trades(
        &self,
        caller: &Caller,
        before: Option<&(i64, String)>,
        limit: u32,
    ) -> Result<Vec<TradeView>, MarketError> {
        let kinds = [MARKET, OFFER];
        let sagas = record::of_player(
            &self.store,
            &caller.game,
            &caller.player,
            kinds,
            before,
            limit,
        )
        .await?;
        let mut views = Vec::with_capacity(sagas.len());
        for saga in sagas {
            let log = record::log(&self.store, &caller.game, &saga.saga_id).await?;
            views.push(TradeView::of(&saga, &log));
        }
        Ok(views)
    }
}
