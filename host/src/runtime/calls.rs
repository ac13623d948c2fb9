//! Typed calls, one per export of each world.
//!
//! Each takes the component version to run (the active one, or a pinned
//! one) and a [`CallContext`], and returns the export's value with the
//! effects to commit. A component of the wrong world is refused with
//! [`CallError::Instantiation`], never a panic.

use std::sync::Arc;

use wasmtime::Store;

use super::Runtime;
use super::bindings::{combat, market, rewards, tournament};
use super::bindings::{market_api, rewards_api, tournament_api, types};
use super::call::CallOutput;
use super::error::CallError;
use super::host_api::{CallContext, CallState};
use super::registry::LoadedComponent;
use super::world::WorldPre;

/// A world's instance, made from its checked `Pre`.
pub trait Instantiate: Sized {
    fn instantiate(pre: &WorldPre, store: &mut Store<CallState>) -> wasmtime::Result<Self>;
}

fn wrong_world(expected: &str) -> wasmtime::Error {
    wasmtime::Error::msg(format!("not a {expected} component"))
}

impl Instantiate for combat::CombatWorld {
    fn instantiate(pre: &WorldPre, store: &mut Store<CallState>) -> wasmtime::Result<Self> {
        match pre {
            WorldPre::Combat(pre) => pre.instantiate(store),
            _ => Err(wrong_world("combat")),
        }
    }
}

impl Instantiate for rewards::RewardsWorld {
    fn instantiate(pre: &WorldPre, store: &mut Store<CallState>) -> wasmtime::Result<Self> {
        match pre {
            WorldPre::Rewards(pre) => pre.instantiate(store),
            _ => Err(wrong_world("rewards")),
        }
    }
}

impl Instantiate for market::MarketWorld {
    fn instantiate(pre: &WorldPre, store: &mut Store<CallState>) -> wasmtime::Result<Self> {
        match pre {
            WorldPre::Market(pre) => pre.instantiate(store),
            _ => Err(wrong_world("market")),
        }
    }
}

impl Instantiate for tournament::TournamentWorld {
    fn instantiate(pre: &WorldPre, store: &mut Store<CallState>) -> wasmtime::Result<Self> {
        match pre {
            WorldPre::Tournament(pre) => pre.instantiate(store),
            _ => Err(wrong_world("tournament")),
        }
    }
}

impl Runtime {
    /// Instantiates world `W` of `c` in a fresh store and runs `f` on it.
    fn with<W: Instantiate, R>(
        &self,
        c: &Arc<LoadedComponent>,
        ctx: CallContext,
        f: impl FnOnce(&W, &mut Store<CallState>) -> wasmtime::Result<R>,
    ) -> Result<CallOutput<R>, CallError> {
        self.invoke(c, ctx, |pre, store| {
            let instance = W::instantiate(pre, store)?;
            f(&instance, store)
        })
    }

    /// combat.setup
    pub fn combat_setup(
        &self,
        c: &Arc<LoadedComponent>,
        ctx: CallContext,
        match_id: &str,
        config: types::MatchConfig,
        players: &[String],
        seed: u64,
    ) -> Result<CallOutput<Result<types::MatchState, String>>, CallError> {
        self.with(c, ctx, |i: &combat::CombatWorld, s| {
            i.idempo_game_combat()
                .call_setup(s, match_id, config, players, seed)
        })
    }

    /// combat.resolve
    pub fn combat_resolve(
        &self,
        c: &Arc<LoadedComponent>,
        ctx: CallContext,
        state: &types::MatchState,
        action: &types::Action,
    ) -> Result<CallOutput<types::Resolution>, CallError> {
        self.with(c, ctx, |i: &combat::CombatWorld, s| {
            i.idempo_game_combat().call_resolve(s, state, action)
        })
    }

    /// combat.tick
    pub fn combat_tick(
        &self,
        c: &Arc<LoadedComponent>,
        ctx: CallContext,
        state: &types::MatchState,
        now_ms: u64,
    ) -> Result<CallOutput<types::TickOutcome>, CallError> {
        self.with(c, ctx, |i: &combat::CombatWorld, s| {
            i.idempo_game_combat().call_tick(s, state, now_ms)
        })
    }

    /// combat.finished
    pub fn combat_finished(
        &self,
        c: &Arc<LoadedComponent>,
        ctx: CallContext,
        match_id: &str,
        state: &types::MatchState,
    ) -> Result<CallOutput<Option<types::MatchResult>>, CallError> {
        self.with(c, ctx, |i: &combat::CombatWorld, s| {
            i.idempo_game_combat().call_finished(s, match_id, state)
        })
    }

    /// rewards.grants
    pub fn rewards_grants(
        &self,
        c: &Arc<LoadedComponent>,
        ctx: CallContext,
        result: &types::MatchResult,
    ) -> Result<CallOutput<Vec<rewards_api::Grant>>, CallError> {
        self.with(c, ctx, |i: &rewards::RewardsWorld, s| {
            i.idempo_game_rewards().call_grants(s, result)
        })
    }

    /// market.validate-listing
    pub fn market_validate_listing(
        &self,
        c: &Arc<LoadedComponent>,
        ctx: CallContext,
        listing: &market_api::Listing,
    ) -> Result<CallOutput<Result<(), String>>, CallError> {
        self.with(c, ctx, |i: &market::MarketWorld, s| {
            i.idempo_game_market().call_validate_listing(s, listing)
        })
    }

    /// market.quote-trade
    pub fn market_quote_trade(
        &self,
        c: &Arc<LoadedComponent>,
        ctx: CallContext,
        trade: &market_api::Trade,
    ) -> Result<CallOutput<Result<market_api::Quote, String>>, CallError> {
        self.with(c, ctx, |i: &market::MarketWorld, s| {
            i.idempo_game_market().call_quote_trade(s, trade)
        })
    }

    /// market.recipes
    pub fn market_recipes(
        &self,
        c: &Arc<LoadedComponent>,
        ctx: CallContext,
    ) -> Result<CallOutput<Vec<market_api::Recipe>>, CallError> {
        self.with(c, ctx, |i: &market::MarketWorld, s| {
            i.idempo_game_market().call_recipes(s)
        })
    }

    /// tournament.rules-for
    pub fn tournament_rules(
        &self,
        c: &Arc<LoadedComponent>,
        ctx: CallContext,
        day: &tournament_api::Day,
    ) -> Result<CallOutput<Result<tournament_api::Rules, String>>, CallError> {
        self.with(c, ctx, |i: &tournament::TournamentWorld, s| {
            i.idempo_game_tournament().call_rules_for(s, day)
        })
    }

    /// tournament.level-curve
    pub fn tournament_level_curve(
        &self,
        c: &Arc<LoadedComponent>,
        ctx: CallContext,
    ) -> Result<CallOutput<Vec<u64>>, CallError> {
        self.with(c, ctx, |i: &tournament::TournamentWorld, s| {
            i.idempo_game_tournament().call_level_curve(s)
        })
    }

    /// tournament.match-points
    pub fn tournament_match_points(
        &self,
        c: &Arc<LoadedComponent>,
        ctx: CallContext,
        placing: &types::Placing,
    ) -> Result<CallOutput<u64>, CallError> {
        self.with(c, ctx, |i: &tournament::TournamentWorld, s| {
            i.idempo_game_tournament().call_match_points(s, placing)
        })
    }

    /// tournament.level-up-bonus
    pub fn tournament_level_up_bonus(
        &self,
        c: &Arc<LoadedComponent>,
        ctx: CallContext,
        level: u32,
    ) -> Result<CallOutput<u64>, CallError> {
        self.with(c, ctx, |i: &tournament::TournamentWorld, s| {
            i.idempo_game_tournament().call_level_up_bonus(s, level)
        })
    }
}
