//! What each step writes, forward and backward: the guarded operations
//! (`crate::store::economy_ops`) and the `economy-events` a step commits
//! with its saga log row. Pure: the runner adds the saga's own move.

use serde_json::json;

use super::plan::{Plan, Step, hold_id, listing_ref, lock_ref};
use crate::economy::rewards::ECONOMY_EVENTS;
use crate::runtime::EmittedEvent;
use crate::store::economy_ops::{
    Capture, EconomyOp, Hold, ItemLock, ItemMove, ItemUnlock, ListingMove, Release,
};
use crate::store::tournament_ops::{GroupJoin, GroupLeave, TournamentOp};

/// What one step writes besides the saga's move.
#[derive(Debug, Default)]
pub struct StepWrites {
    pub ops: Vec<EconomyOp>,
    pub events: Vec<EmittedEvent>,
}

/// The reference of every ledger entry a saga causes.
pub fn reference(saga_id: &str) -> String {
    format!("saga:{saga_id}")
}

/// Step `i` forward. A `ReserveFunds` needs the wallet's `version` as read.
pub fn forward(game: &str, saga_id: &str, plan: &Plan, i: usize, version: i64) -> StepWrites {
    let mut w = StepWrites::default();
    let Some(step) = plan.steps.get(i) else {
        return w;
    };
    match step {
        Step::ReserveFunds {
            player,
            currency,
            amount,
        } => {
            let hold_id = hold_id(saga_id, i);
            w.ops.push(EconomyOp::Hold(Hold {
                game: game.into(),
                hold_id: hold_id.clone(),
                player: player.clone(),
                currency: currency.clone(),
                amount: *amount,
                version,
                reference: reference(saga_id),
            }));
            w.events.push(event(
                player,
                "FundsReserved",
                json!({ "saga_id": saga_id, "player": player, "currency": currency,
                        "amount": amount, "hold_id": hold_id }),
            ));
        }
        Step::LockItem {
            item_id,
            owner,
            listing,
        } => {
            w.ops.push(EconomyOp::Lock(ItemLock {
                game: game.into(),
                item_id: item_id.clone(),
                owner: owner.clone(),
                lock_ref: lock_ref(saga_id),
                from_ref: listing.as_deref().map(listing_ref),
            }));
            if let Some(listing) = listing {
                w.ops.push(EconomyOp::ListingMove(ListingMove {
                    game: game.into(),
                    listing_id: listing.clone(),
                    from: "open".into(),
                    to: "pending".into(),
                    trade: Some(saga_id.into()),
                    expect_trade: None,
                }));
            }
            w.events.push(event(
                owner,
                "ItemLocked",
                json!({ "saga_id": saga_id, "item_id": item_id, "owner": owner }),
            ));
        }
        Step::Check { name } => {
            w.events.push(event(
                saga_id,
                "TradeAudited",
                json!({ "saga_id": saga_id, "check": name, "terms": plan.terms }),
            ));
        }
        Step::JoinGroup {
            tournament,
            player,
            group_size,
            entered_at_ms,
        } => {
            w.ops
                .push(EconomyOp::Tournament(TournamentOp::Join(GroupJoin {
                    game: game.into(),
                    tournament: tournament.clone(),
                    player: player.clone(),
                    group_size: i64::from(*group_size),
                    saga_id: saga_id.into(),
                    entered_at_ms: *entered_at_ms,
                })));
            w.events.push(event(
                player,
                "TournamentGroupJoined",
                json!({ "saga_id": saga_id, "tournament": tournament, "player": player }),
            ));
        }
        Step::Settle(settle) => {
            for capture in &settle.captures {
                let amount = match plan.steps.get(capture.step) {
                    Some(Step::ReserveFunds { amount, .. }) => *amount,
                    _ => 0, // refused by `Plan::check` before the saga starts
                };
                w.ops.push(EconomyOp::Capture(Capture {
                    game: game.into(),
                    hold_id: hold_id(saga_id, capture.step),
                    amount,
                    payouts: capture.payouts.clone(),
                    reference: reference(saga_id),
                }));
                for payout in &capture.payouts {
                    w.events.push(event(
                        &payout.player,
                        "FundsTransferred",
                        json!({ "saga_id": saga_id, "to": payout.player,
                                "amount": payout.amount, "reason": payout.reason }),
                    ));
                }
            }
            for item in &settle.items {
                w.ops.push(EconomyOp::MoveItem(ItemMove {
                    game: game.into(),
                    item_id: item.item_id.clone(),
                    from: item.from.clone(),
                    to: item.to.clone(),
                    lock_ref: lock_ref(saga_id),
                }));
                w.events.push(event(
                    &item.to,
                    "ItemTransferred",
                    json!({ "saga_id": saga_id, "item_id": item.item_id,
                            "from": item.from, "to": item.to }),
                ));
            }
            if let Some(listing) = &settle.listing {
                w.ops.push(EconomyOp::ListingMove(ListingMove {
                    game: game.into(),
                    listing_id: listing.clone(),
                    from: "pending".into(),
                    to: "sold".into(),
                    trade: Some(saga_id.into()),
                    expect_trade: Some(saga_id.into()),
                }));
            }
        }
    }
    w
}

/// Step `j` backward (its compensation). The transfer has none: it is
/// never undone.
pub fn backward(game: &str, saga_id: &str, plan: &Plan, j: usize) -> StepWrites {
    let mut w = StepWrites::default();
    match plan.steps.get(j) {
        Some(Step::ReserveFunds {
            player,
            currency,
            amount,
        }) => {
            let hold_id = hold_id(saga_id, j);
            w.ops.push(EconomyOp::Release(Release {
                game: game.into(),
                hold_id: hold_id.clone(),
            }));
            w.events.push(event(
                player,
                "FundsReleased",
                json!({ "saga_id": saga_id, "player": player, "currency": currency,
                        "amount": amount, "hold_id": hold_id }),
            ));
        }
        Some(Step::LockItem {
            item_id,
            owner,
            listing,
        }) => {
            w.ops.push(EconomyOp::Unlock(ItemUnlock {
                game: game.into(),
                item_id: item_id.clone(),
                lock_ref: lock_ref(saga_id),
                to_ref: listing.as_deref().map(listing_ref),
            }));
            if let Some(listing) = listing {
                w.ops.push(EconomyOp::ListingMove(ListingMove {
                    game: game.into(),
                    listing_id: listing.clone(),
                    from: "pending".into(),
                    to: "open".into(),
                    trade: None,
                    expect_trade: Some(saga_id.into()),
                }));
            }
            w.events.push(event(
                owner,
                "ItemUnlocked",
                json!({ "saga_id": saga_id, "item_id": item_id, "owner": owner }),
            ));
        }
        Some(Step::JoinGroup {
            tournament, player, ..
        }) => {
            w.ops
                .push(EconomyOp::Tournament(TournamentOp::Leave(GroupLeave {
                    game: game.into(),
                    tournament: tournament.clone(),
                    player: player.clone(),
                    saga_id: saga_id.into(),
                })));
            w.events.push(event(
                player,
                "TournamentGroupLeft",
                json!({ "saga_id": saga_id, "tournament": tournament, "player": player }),
            ));
        }
        Some(Step::Check { .. } | Step::Settle(_)) | None => {}
    }
    w
}

fn event(key: &str, event_type: &str, payload: serde_json::Value) -> EmittedEvent {
    EmittedEvent {
        topic: ECONOMY_EVENTS.into(),
        key: key.into(),
        event_type: event_type.into(),
        payload,
    }
}
