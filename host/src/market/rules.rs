//! The market component's answers: listing validation, trade quotes and
//! recipes, from the active version of the configured component. Calls run
//! on a blocking thread (a component call is synchronous and bounded by
//! fuel and a deadline); the component reads no state.

use std::sync::Arc;

use super::error::MarketError;
use crate::runtime::bindings::market_api::{Listing, Quote, Recipe, Trade};
use crate::runtime::{CallContext, KvScope, NoState, Runtime, StateView, World};

/// The market rules of one host.
#[derive(Clone)]
pub struct Rules {
    runtime: Arc<Runtime>,
    component: String,
}

impl Rules {
    pub fn new(runtime: Arc<Runtime>, component: &str) -> Self {
        Self {
            runtime,
            component: component.to_owned(),
        }
    }

    /// `Err(Refused)` with the component's reason if it refuses `listing`.
    pub async fn validate_listing(&self, game: &str, listing: Listing) -> Result<(), MarketError> {
        self.call(game, move |runtime, c, ctx| {
            runtime
                .market_validate_listing(c, ctx, &listing)
                .map(|out| out.value)
        })
        .await?
        .map_err(MarketError::Refused)
    }

    /// The fee and the extra steps of `trade`, or its refusal.
    pub async fn quote(&self, game: &str, trade: Trade) -> Result<Quote, MarketError> {
        self.call(game, move |runtime, c, ctx| {
            runtime
                .market_quote_trade(c, ctx, &trade)
                .map(|out| out.value)
        })
        .await?
        .map_err(MarketError::Refused)
    }

    pub async fn recipes(&self, game: &str) -> Result<Vec<Recipe>, MarketError> {
        self.call(game, |runtime, c, ctx| {
            runtime.market_recipes(c, ctx).map(|out| out.value)
        })
        .await
    }

    async fn call<R: Send + 'static>(
        &self,
        game: &str,
        f: impl FnOnce(
            &Runtime,
            &Arc<crate::runtime::LoadedComponent>,
            CallContext,
        ) -> Result<R, crate::runtime::CallError>
        + Send
        + 'static,
    ) -> Result<R, MarketError> {
        let runtime = self.runtime.clone();
        let (game, name) = (game.to_owned(), self.component.clone());
        crate::telemetry::spawn_blocking(move || {
            let component = runtime
                .active(&game, World::Market, &name)
                .map_err(|e| MarketError::Component(e.to_string()))?;
            let ctx = CallContext {
                now_ms: u64::try_from(crate::store::now_ms()).unwrap_or_default(),
                seed: 0,
                state: StateView {
                    reader: Arc::new(NoState),
                    scope: KvScope {
                        game: game.clone(),
                        component: component.name.clone(),
                    },
                },
            };
            f(&runtime, &component, ctx).map_err(|e| MarketError::Component(e.to_string()))
        })
        .await
        .map_err(|e| MarketError::Component(format!("the call did not complete: {e}")))?
    }
}
