//! The marketplace: listings, trades through the saga machinery, player to
//! player offers, and crafting, over the wallet and inventory of
//! `crate::economy` and the market component's rules.
//!
//! - [`listings`]: list an item (it is locked to the listing), cancel,
//!   browse with filters, sort and pages;
//! - [`trade`]: buy a listing: a saga INITIATED -> FUNDS_RESERVED ->
//!   ITEM_LOCKED -> (the component's extra steps) -> COMPLETED, or
//!   compensated to FAILED; [`views`]: a trade as the API shows it;
//! - [`offers`]: one player offers items and currency, the other accepts
//!   (a saga of the same machinery), declines, or the offerer cancels;
//! - [`craft`]: inputs and a cost into an output, in one batch;
//! - [`rules`]: the market component's validation, quotes and recipes;
//! - [`command`]: the `Idempotency-Key` record of every mutating call
//!   (`crate::gateway::command`);
//! - [`routes`], [`error`]: the HTTP routes, and their problem+json;
//! - [`db`]: the reads.
//!
//! Every change commits its `economy-events` in its own batch (outbox).

pub use crate::gateway::command;
pub mod craft;
pub mod db;
pub mod error;
pub mod listings;
pub mod offers;
pub mod routes;
pub mod rules;
pub mod trade;
pub mod views;

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::economy::rewards::ECONOMY_EVENTS;
use crate::gateway::inflight::InFlightKeys;
use crate::runtime::{EmittedEvent, Runtime};
use crate::saga::Sagas;
use crate::store::{EventMeta, OutboxEvent, Store, StoreError};

pub use error::MarketError;

/// The `[market]` table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MarketConfig {
    /// The market component's name; its active version rules.
    pub component: String,
    /// How long a completed request's answer is replayed for its
    /// `Idempotency-Key`, in milliseconds (24 h by default).
    pub replay_ttl_ms: u64,
    /// Most items plus currency lines on one side of an offer.
    pub max_offer_lines: usize,
}

impl MarketConfig {
    /// How long the market's command keys are kept.
    pub fn windows(&self) -> command::KeyWindows {
        command::KeyWindows {
            replay_ttl_ms: self.replay_ttl_ms,
        }
    }
}

impl Default for MarketConfig {
    fn default() -> Self {
        Self {
            component: "standard".into(),
            replay_ttl_ms: 86_400_000,
            max_offer_lines: 16,
        }
    }
}

/// The market of one host.
pub struct Market {
    store: Store,
    rules: rules::Rules,
    sagas: Sagas,
    config: MarketConfig,
    /// The keys of the commands running on this host.
    running: InFlightKeys,
}

/// Who calls, and the request's correlation id.
#[derive(Debug, Clone)]
pub struct Caller {
    pub game: String,
    pub player: String,
    pub correlation_id: Option<String>,
}

impl Market {
    pub fn new(store: Store, runtime: Arc<Runtime>, sagas: Sagas, config: MarketConfig) -> Self {
        Self {
            rules: rules::Rules::new(runtime, &config.component),
            store,
            sagas,
            config,
            running: InFlightKeys::default(),
        }
    }

    pub fn config(&self) -> &MarketConfig {
        &self.config
    }

    pub fn running(&self) -> &InFlightKeys {
        &self.running
    }

    pub fn sagas(&self) -> &Sagas {
        &self.sagas
    }

    pub fn store(&self) -> &Store {
        &self.store
    }
}

impl Caller {
    /// An `economy-events` event of this caller's request, keyed by `key`.
    pub(crate) fn event(
        &self,
        key: &str,
        event_type: &str,
        payload: serde_json::Value,
    ) -> OutboxEvent {
        let meta = EventMeta {
            game: self.game.clone(),
            correlation_id: self.correlation_id.clone(),
            traceparent: None,
            created_at_ms: crate::store::now_ms(),
        };
        let emitted = EmittedEvent {
            topic: ECONOMY_EVENTS.into(),
            key: key.into(),
            event_type: event_type.into(),
            payload,
        };
        OutboxEvent::from_emitted(&emitted, &meta)
    }
}

fn no_pool() -> StoreError {
    crate::store::no_pool("market store")
}
