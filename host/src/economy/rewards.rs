//! The `rewards` consumer group: a finished match pays its players.
//!
//! `MatchFinished` (on `match-events`) -> the active rewards component's
//! `grants` of the match's result -> one batch: a wallet credit per currency
//! (xp included, as currency `xp`), one item per granted item and stamp, a
//! `rewards` notice per player, and `RewardsGranted` on `economy-events`,
//! committed by the consumer runner with the processed-event record. So a
//! redelivered or replayed `MatchFinished` grants nothing twice (DESIGN.md
//! invariant 5); and should that record be purged, every credit's ledger key
//! and every item's id derive from the match id, so the batch still fails
//! rather than paying twice.
//!
//! The component's rng is seeded from the match id: a re-run of the same
//! match's rewards drops the same items.
//!
//! The batch also watches each paid player's xp
//! (`crate::progression::watches`): a credit that reaches a level writes
//! `UserLeveledUp`, dated when the match finished, in the same transaction.

use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::arena::MATCH_EVENTS;
use crate::bus::consumer::{Event, Handler, HandlerError};
use crate::bus::envelope::Schemas;
use crate::runtime::bindings::rewards_api::Grant;
use crate::runtime::bindings::types::MatchResult;
use crate::runtime::{CallContext, EmittedEvent, KvScope, NoState, Runtime, StateView, World};
use crate::store::{
    CommitBatch, Credit, EconomyWrites, EventMeta, ItemGrant, Notice, OutboxEvent, STAMP,
};

/// The consumer group.
pub const GROUP: &str = "rewards";
/// The topic of economy changes.
pub const ECONOMY_EVENTS: &str = "economy-events";
/// The currency xp is credited in.
pub const XP: &str = "xp";
/// The ledger reason of a match reward.
pub const REASON: &str = "match-reward";

/// Which rewards component pays (the `[rewards]` table).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RewardsConfig {
    /// The rewards component's name; its active version pays.
    pub component: String,
}

impl Default for RewardsConfig {
    fn default() -> Self {
        Self {
            component: "standard".into(),
        }
    }
}

/// What the group reads: `MatchFinished` (v1), and `MatchStarted` (v1),
/// which pays nothing.
pub fn schemas(max_payload_bytes: usize) -> Schemas {
    Schemas::new(max_payload_bytes)
        .knows("MatchFinished", 1)
        .knows("MatchStarted", 1)
}

/// The topics the group reads.
pub const TOPICS: [&str; 1] = [MATCH_EVENTS];

/// The reference of a match's rewards in the ledger and on items.
pub fn reference(match_id: &str) -> String {
    format!("match:{match_id}")
}

/// The handler of the `rewards` group.
#[derive(Clone)]
pub struct Rewards {
    runtime: Arc<Runtime>,
    config: RewardsConfig,
    /// Where the level curve comes from (none: no level-ups announced).
    curves: Option<crate::tournament::TournamentRules>,
}

/// The part of `MatchFinished` the rewards need.
#[derive(Deserialize)]
struct Finished {
    match_id: String,
    placings: Vec<crate::runtime::bindings::types::Placing>,
    duration_ms: u64,
}

impl Rewards {
    pub fn new(runtime: Arc<Runtime>, config: RewardsConfig) -> Self {
        Self {
            runtime,
            config,
            curves: None,
        }
    }

    /// Announces the level-ups the paid xp causes, on `curves`' curve.
    pub fn with_levels(mut self, curves: crate::tournament::TournamentRules) -> Self {
        self.curves = Some(curves);
        self
    }

    /// The grants of `result` by the active rewards component of `game`.
    fn grants(&self, game: &str, result: &MatchResult) -> Result<Vec<Grant>, HandlerError> {
        let component = self
            .runtime
            .active(game, World::Rewards, &self.config.component)
            .map_err(|e| HandlerError(format!("rewards component: {e}")))?;
        let ctx = CallContext {
            now_ms: result.duration_ms,
            seed: seed_of(&result.match_id),
            state: StateView {
                reader: Arc::new(NoState),
                scope: KvScope {
                    game: game.to_owned(),
                    component: component.name.clone(),
                },
            },
        };
        let out = self
            .runtime
            .rewards_grants(&component, ctx, result)
            .map_err(|e| HandlerError(format!("rewards component: {e}")))?;
        Ok(out.value)
    }
}

#[async_trait]
impl Handler for Rewards {
    async fn handle(&self, event: &Event) -> Result<CommitBatch, HandlerError> {
        if event.envelope.event_type != "MatchFinished" {
            return Ok(CommitBatch::default());
        }
        let finished: Finished = serde_json::from_value(event.payload.clone())
            .map_err(|e| HandlerError(format!("MatchFinished payload: {e}")))?;
        let game = event.envelope.game.clone();
        let result = MatchResult {
            match_id: finished.match_id,
            placings: finished.placings,
            duration_ms: finished.duration_ms,
        };
        let this = self.clone();
        let (game_for_call, result_for_call) = (game.clone(), result.clone());
        let grants =
            crate::telemetry::spawn_blocking(move || this.grants(&game_for_call, &result_for_call))
                .await
                .map_err(|e| HandlerError(format!("rewards call did not complete: {e}")))??;
        let meta = EventMeta {
            game: game.clone(),
            correlation_id: event.envelope.correlation_id.clone(),
            // The span that writes the batch gives it (see `crate::telemetry`).
            traceparent: None,
            created_at_ms: crate::store::now_ms(),
        };
        let mut batch = batch_of(&game, &result, &grants, &meta)?;
        if let Some(curves) = &self.curves {
            match curves.curve(&game).await {
                Ok(curve) => {
                    let at_finish = EventMeta {
                        created_at_ms: event.envelope.occurred_at_ms,
                        ..meta
                    };
                    batch.ops.extend(crate::progression::watches(
                        &curve,
                        &batch.economy.credits,
                        &at_finish,
                    ));
                }
                Err(e) => {
                    tracing::debug!(%game, error = %e, "no level curve: level-ups unannounced")
                }
            }
        }
        Ok(batch)
    }

    /// Its batches read nothing the group wrote (the component runs on no
    /// state): a fetch commits together.
    fn batchable(&self) -> bool {
        true
    }
}

/// The batch that pays `grants` for `result`.
pub fn batch_of(
    game: &str,
    result: &MatchResult,
    grants: &[Grant],
    meta: &EventMeta,
) -> Result<CommitBatch, HandlerError> {
    let reference = reference(&result.match_id);
    let mut economy = EconomyWrites::default();
    let mut events = Vec::new();
    for grant in grants {
        if !result.placings.iter().any(|p| p.player == grant.player) {
            return Err(HandlerError(format!(
                "the rewards component granted to {}, who did not play",
                grant.player
            )));
        }
        let player = &grant.player;
        let mut currencies: Vec<(String, u64)> = grant.currency.clone();
        currencies.push((XP.to_owned(), grant.xp));
        for (currency, amount) in currencies.iter().filter(|(_, a)| *a > 0) {
            let amount = i64::try_from(*amount).map_err(|_| {
                HandlerError(format!("a grant of {amount} {currency} is too large"))
            })?;
            economy.credits.push(Credit {
                game: game.to_owned(),
                player: player.clone(),
                currency: currency.clone(),
                amount,
                reason: REASON.into(),
                reference: reference.clone(),
                key: credit_key(&reference, player, currency),
            });
        }
        let mut items = Vec::new();
        for line in &grant.items {
            items.extend(std::iter::repeat_n(
                line.item_type.as_str(),
                line.count as usize,
            ));
        }
        items.extend(std::iter::repeat_n(STAMP, grant.stamps as usize));
        let mut item_ids = Vec::with_capacity(items.len());
        for (i, item_type) in items.into_iter().enumerate() {
            let item_id = item_id(&reference, player, i);
            item_ids.push(serde_json::json!({ "item_id": item_id, "item_type": item_type }));
            economy.grants.push(ItemGrant {
                game: game.to_owned(),
                item_id,
                owner: player.clone(),
                item_type: item_type.to_owned(),
                source: reference.clone(),
            });
        }
        let place = result
            .placings
            .iter()
            .find(|p| p.player == *player)
            .map(|p| p.place);
        let body = serde_json::json!({
            "match_id": result.match_id,
            "place": place,
            "currency": currencies,
            "items": item_ids,
        });
        economy.notices.push(Notice {
            game: game.to_owned(),
            player: player.clone(),
            kind: "rewards".into(),
            body: body.to_string(),
        });
        events.push(OutboxEvent::from_emitted(
            &EmittedEvent {
                topic: ECONOMY_EVENTS.into(),
                key: player.clone(),
                event_type: "RewardsGranted".into(),
                payload: serde_json::json!({ "player": player, "reference": reference, "grant": body }),
            },
            meta,
        ));
    }
    Ok(CommitBatch {
        events,
        economy,
        ..CommitBatch::default()
    })
}

/// The ledger key of `player`'s credit in `currency` caused by
/// `reference`: the same on every retry, so a second credit fails.
pub(crate) fn credit_key(reference: &str, player: &str, currency: &str) -> String {
    format!("{reference}/{player}/{currency}")
}

/// The id of the `i`-th item granted to `player` by `reference`: the same
/// on every retry.
pub(crate) fn item_id(reference: &str, player: &str, i: usize) -> String {
    let digest = Sha256::digest(format!("{reference}\0{player}\0{i}").as_bytes());
    format!("itm-{}", hex::encode(&digest[..12]))
}

/// The rewards rng's seed for a match.
fn seed_of(match_id: &str) -> u64 {
    let digest = Sha256::digest(match_id.as_bytes());
    u64::from_le_bytes(digest[..8].try_into().unwrap_or_default())
}

/// The `rewards` group's runner for `game`.
pub fn consumer(
    runtime: Arc<Runtime>,
    bus: Arc<dyn crate::bus::Bus>,
    store: crate::store::Store,
    game: &str,
    config: &crate::config::Config,
) -> crate::bus::Consumer {
    crate::bus::Consumer::new(
        bus,
        store,
        game,
        GROUP,
        &TOPICS,
        schemas(config.bus.max_payload_bytes),
        Arc::new(
            Rewards::new(runtime.clone(), config.rewards.clone()).with_levels(
                crate::tournament::TournamentRules::new(runtime, &config.tournament.component),
            ),
        ),
        &config.bus,
    )
}
