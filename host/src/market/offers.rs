//! Player-to-player trades: one player offers items and currency for
//! items and currency of another; the other accepts (a saga of the same
//! machinery as a market trade: every side's funds reserved and items
//! locked, then one transfer), declines, or the offerer cancels.

use std::collections::BTreeSet;

use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::command::{Command, Stored};
use super::db::{postgres_sql, sqlite_sql};
use super::trade::OFFER;
use super::{Caller, Market, MarketError, no_pool};
use crate::economy::items::{self, ItemState};
use crate::gateway::accounts;
use crate::runtime::bindings::market_api::Trade;
use crate::saga::plan::{Capture, Handover, Plan, Settlement, Step};
use crate::store::economy_ops::{EconomyOp, OfferMove, OfferParty, OfferRow, Payout};
use crate::store::{CommitBatch, Notice, Store, StoreError, on_db};

/// The item type an offer's currency line is quoted as.
const OFFER_LINE: &str = "offer";

/// An amount of one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Amount {
    pub currency: String,
    pub amount: i64,
}

/// One side of an offer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Side {
    #[serde(default)]
    pub items: Vec<String>,
    #[serde(default)]
    pub currency: Vec<Amount>,
}

/// One offer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Offer {
    pub id: String,
    pub from: String,
    pub to: String,
    pub give: Side,
    pub want: Side,
    /// `open`, `accepted`, `declined` or `cancelled`.
    pub state: String,
    pub trade_id: Option<String>,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

/// The body of `POST /v1/offers`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewOffer {
    pub to: String,
    #[serde(default)]
    pub give: Side,
    #[serde(default)]
    pub want: Side,
}

pub async fn get(store: &Store, game: &str, offer_id: &str) -> Result<Option<Offer>, StoreError> {
    on_db!(store, no_pool(), |pool, m| m::offer(pool, game, offer_id)
        .await)
}

/// Newest first: offers `player` made or received.
pub async fn of_player(
    store: &Store,
    game: &str,
    player: &str,
    limit: u32,
) -> Result<Vec<Offer>, StoreError> {
    on_db!(store, no_pool(), |pool, m| m::offers_of(
        pool, game, player, limit
    )
    .await)
}

impl Market {
    /// Makes an offer to another player. Its items must be the offerer's
    /// and the asked ones the other's, now (they are locked only when the
    /// offer is accepted). 201 with the offer; the other player gets a
    /// notice.
    pub async fn offer(
        &self,
        caller: &Caller,
        cmd: &Command,
        body: NewOffer,
    ) -> Result<Stored, MarketError> {
        if body.to == caller.player {
            return Err(MarketError::Invalid(
                "an offer goes to another player".into(),
            ));
        }
        self.check_side("give", &body.give)?;
        self.check_side("want", &body.want)?;
        if body.give == Side::default() && body.want == Side::default() {
            return Err(MarketError::Invalid(
                "an offer gives or asks for something".into(),
            ));
        }
        let known = accounts::by_id(&self.store, &caller.game, &body.to)
            .await
            .map_err(|e| MarketError::Store(StoreError::invalid("players", e.to_string())))?;
        if known.is_none() {
            return Err(MarketError::Unknown {
                what: "player",
                id: body.to.clone(),
            });
        }
        self.owned(caller, &caller.player, &body.give.items).await?;
        self.owned(caller, &body.to, &body.want.items).await?;
        self.traded(caller, &caller.player, &body.to, &body.give)
            .await?;
        self.traded(caller, &body.to, &caller.player, &body.want)
            .await?;
        let now = crate::store::now_ms();
        let offer = Offer {
            id: crate::store::new_event_id(),
            from: caller.player.clone(),
            to: body.to,
            give: body.give,
            want: body.want,
            state: "open".into(),
            trade_id: None,
            created_at_ms: now,
            updated_at_ms: now,
        };
        let answer = Stored::ok(StatusCode::CREATED, &offer);
        let mut batch = CommitBatch {
            idempotency: Some(cmd.done(&answer)),
            ops: vec![EconomyOp::OfferOpen(OfferRow {
                game: caller.game.clone(),
                offer_id: offer.id.clone(),
                from: offer.from.clone(),
                to: offer.to.clone(),
                give: json!(offer.give).to_string(),
                want: json!(offer.want).to_string(),
            })],
            events: vec![caller.event(&offer.to, "OfferMade", json!(offer))],
            ..CommitBatch::default()
        };
        batch.economy.notices.push(Notice {
            game: caller.game.clone(),
            player: offer.to.clone(),
            kind: "offer".into(),
            body: json!({ "offer_id": offer.id, "from": offer.from, "state": "open" }).to_string(),
        });
        self.store.commit(batch).await.map_err(|e| match e {
            StoreError::IdempotencyConflict { .. } => MarketError::InFlight,
            e => e.into(),
        })?;
        Ok(answer)
    }

    /// Accepts an offer made to the caller: the offer is `accepted` in the
    /// saga's first batch, then the saga runs (see [`Market::buy`] for the
    /// answer).
    pub async fn accept(
        &self,
        caller: &Caller,
        cmd: &Command,
        offer_id: &str,
    ) -> Result<Stored, MarketError> {
        let offer = self.offer_to(caller, offer_id).await?;
        let mut steps = Vec::new();
        let mut captures = Vec::new();
        let mut items = Vec::new();
        for (side, payer, payee) in [
            (&offer.give, &offer.from, &offer.to),
            (&offer.want, &offer.to, &offer.from),
        ] {
            for line in &side.currency {
                captures.push(Capture {
                    step: steps.len(),
                    payouts: vec![Payout {
                        player: payee.clone(),
                        amount: line.amount,
                        reason: "trade".into(),
                    }],
                });
                steps.push(Step::ReserveFunds {
                    player: payer.clone(),
                    currency: line.currency.clone(),
                    amount: line.amount,
                });
            }
            for item_id in &side.items {
                steps.push(Step::LockItem {
                    item_id: item_id.clone(),
                    owner: payer.clone(),
                    listing: None,
                });
                items.push(Handover {
                    item_id: item_id.clone(),
                    from: payer.clone(),
                    to: payee.clone(),
                });
            }
        }
        steps.push(Step::Settle(Settlement {
            captures,
            items,
            listing: None,
        }));
        let plan = Plan {
            steps,
            terms: json!({ "offer_id": offer.id, "from": offer.from, "to": offer.to,
                           "give": offer.give, "want": offer.want }),
            correlation_id: caller.correlation_id.clone(),
        };
        let saga_id = crate::store::new_event_id();
        let accept = EconomyOp::OfferMove(OfferMove {
            game: caller.game.clone(),
            offer_id: offer.id.clone(),
            from: "open".into(),
            to: "accepted".into(),
            trade: Some(saga_id.clone()),
            by: Some(OfferParty::To(caller.player.clone())),
        });
        let taken = || MarketError::NotOpen {
            what: "offer",
            id: offer.id.clone(),
            state: "no longer open".into(),
        };
        let parties = (offer.to.as_str(), offer.from.as_str());
        let ops = (vec![accept], taken);
        self.start(caller, cmd, (OFFER, &saga_id), plan, parties, ops)
            .await
    }

    /// Declines an offer made to the caller (`to` = `declined`) or cancels
    /// one the caller made (`cancelled`). 200 with the offer.
    pub async fn close_offer(
        &self,
        caller: &Caller,
        cmd: &Command,
        offer_id: &str,
        to: &str,
    ) -> Result<Stored, MarketError> {
        let offer = get(&self.store, &caller.game, offer_id)
            .await?
            .ok_or_else(|| MarketError::Unknown {
                what: "offer",
                id: offer_id.to_owned(),
            })?;
        let (party, allowed) = if to == "declined" {
            (
                OfferParty::To(caller.player.clone()),
                offer.to == caller.player,
            )
        } else {
            (
                OfferParty::From(caller.player.clone()),
                offer.from == caller.player,
            )
        };
        if !allowed {
            return Err(MarketError::NotYours(format!(
                "offer `{offer_id}` is not yours to mark {to}"
            )));
        }
        if offer.state != "open" {
            return Err(not_open(&offer));
        }
        let closed = Offer {
            state: to.into(),
            updated_at_ms: crate::store::now_ms(),
            ..offer
        };
        let answer = Stored::ok(StatusCode::OK, &closed);
        let other = if closed.from == caller.player {
            &closed.to
        } else {
            &closed.from
        };
        let mut batch = CommitBatch {
            idempotency: Some(cmd.done(&answer)),
            ops: vec![EconomyOp::OfferMove(OfferMove {
                game: caller.game.clone(),
                offer_id: closed.id.clone(),
                from: "open".into(),
                to: to.into(),
                trade: None,
                by: Some(party),
            })],
            events: vec![caller.event(other, "OfferClosed", json!(closed))],
            ..CommitBatch::default()
        };
        batch.economy.notices.push(Notice {
            game: caller.game.clone(),
            player: other.clone(),
            kind: "offer".into(),
            body: json!({ "offer_id": closed.id, "state": to }).to_string(),
        });
        match self.store.commit(batch).await {
            Ok(_) => Ok(answer),
            Err(StoreError::Economy(_)) => Err(MarketError::NotOpen {
                what: "offer",
                id: closed.id.clone(),
                state: "no longer open".into(),
            }),
            Err(StoreError::IdempotencyConflict { .. }) => Err(MarketError::InFlight),
            Err(e) => Err(e.into()),
        }
    }

    /// The open offer `offer_id` made to the caller.
    async fn offer_to(&self, caller: &Caller, offer_id: &str) -> Result<Offer, MarketError> {
        let offer = get(&self.store, &caller.game, offer_id)
            .await?
            .ok_or_else(|| MarketError::Unknown {
                what: "offer",
                id: offer_id.to_owned(),
            })?;
        if offer.to != caller.player {
            return Err(MarketError::NotYours(format!(
                "offer `{offer_id}` was made to another player"
            )));
        }
        if offer.state != "open" {
            return Err(not_open(&offer));
        }
        Ok(offer)
    }

    /// Refuses a side with too many lines, a repeated item or currency, or
    /// an amount that is not positive.
    fn check_side(&self, which: &str, side: &Side) -> Result<(), MarketError> {
        let lines = side.items.len() + side.currency.len();
        if lines > self.config.max_offer_lines {
            return Err(MarketError::Invalid(format!(
                "`{which}` has {lines} lines; at most {} are allowed",
                self.config.max_offer_lines
            )));
        }
        let distinct: BTreeSet<_> = side.items.iter().collect();
        let currencies: BTreeSet<_> = side.currency.iter().map(|a| &a.currency).collect();
        if distinct.len() != side.items.len() || currencies.len() != side.currency.len() {
            return Err(MarketError::Invalid(format!(
                "`{which}` names an item or a currency twice"
            )));
        }
        let names_ok = side
            .items
            .iter()
            .chain(currencies.iter().copied())
            .all(|n| !n.is_empty() && n.len() <= 128 && !n.contains('\0'));
        if !names_ok {
            return Err(MarketError::Invalid(format!(
                "`{which}` holds an empty or overlong name"
            )));
        }
        if side.currency.iter().any(|a| a.amount <= 0) {
            return Err(MarketError::Invalid(format!(
                "`{which}` amounts are more than 0"
            )));
        }
        Ok(())
    }

    /// Refuses a currency line the market's rules would not trade: each is
    /// quoted as a trade of its amount from `payer` to `payee`, so a
    /// currency the market does not trade (xp, which makes levels) cannot
    /// change hands through an offer either.
    async fn traded(
        &self,
        caller: &Caller,
        payer: &str,
        payee: &str,
        side: &Side,
    ) -> Result<(), MarketError> {
        for line in &side.currency {
            let trade = Trade {
                buyer: payer.to_owned(),
                seller: payee.to_owned(),
                item_type: OFFER_LINE.to_owned(),
                currency: line.currency.clone(),
                price: u64::try_from(line.amount).unwrap_or_default(),
            };
            self.rules.quote(&caller.game, trade).await?;
        }
        Ok(())
    }

    /// Refuses unless every item is `owner`'s, owned and unlocked.
    async fn owned(&self, caller: &Caller, owner: &str, ids: &[String]) -> Result<(), MarketError> {
        for id in ids {
            let item = items::get(&self.store, &caller.game, id).await?;
            match item {
                Some(item) if item.owner == owner && item.state == ItemState::Owned => {}
                Some(item) if item.owner == owner => {
                    return Err(MarketError::ItemUnavailable(format!(
                        "item `{id}` is {:?}, not free to trade",
                        item.state
                    )));
                }
                _ => {
                    return Err(MarketError::Unknown {
                        what: "item",
                        id: format!("{id} of {owner}"),
                    });
                }
            }
        }
        Ok(())
    }
}

fn not_open(offer: &Offer) -> MarketError {
    MarketError::NotOpen {
        what: "offer",
        id: offer.id.clone(),
        state: offer.state.clone(),
    }
}
