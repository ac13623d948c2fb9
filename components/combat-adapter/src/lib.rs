//! # combat-adapter: arena-rules served as an idempo combat component
//!
//! The `classic` components are one line of rules each over this crate:
//!
//! ```ignore
//! struct WithCrits;
//! impl combat_adapter::Ruleset for WithCrits {
//!     const RULES: arena_rules::Rules = arena_rules::Rules::CLASSIC_WITH_CRITS;
//! }
//! type ClassicV2 = combat_adapter::Arena<WithCrits>;
//! idempo_sdk::export_combat!(ClassicV2);
//! ```
//!
//! - [`Arena`]: implements [`idempo_sdk::Combat`] for any [`Ruleset`];
//! - [`HostDice`]: every roll from the host's seeded rng, so a replay
//!   rolls the same numbers (never `std` randomness or time);
//! - [`convert`]: WIT types <-> arena-rules types.

pub mod convert;

use core::marker::PhantomData;

use arena_rules::{Dice, Rules};
use idempo_sdk::types::{Action, MatchConfig, MatchResult, MatchState, Resolution, TickOutcome};
use idempo_sdk::{Combat, log, rng};

use convert::{ToArena, ToWit};

/// A version's rules, as a type so it can parameterise [`Arena`].
pub trait Ruleset {
    const RULES: Rules;
}

/// The combat component for the rules `R`.
pub struct Arena<R>(PhantomData<R>);

/// Rolls through the host's `rng` import.
pub struct HostDice;

impl Dice for HostDice {
    fn range(&mut self, lo: u32, hi: u32) -> u32 {
        rng::range(lo, hi)
    }
}

impl<R: Ruleset> Combat for Arena<R> {
    fn setup(
        match_id: String,
        config: MatchConfig,
        players: Vec<String>,
        _seed: u64,
    ) -> Result<MatchState, String> {
        // `seed` already seeds the host's rng: HostDice rolls from it.
        match R::RULES.setup(config.to_arena(), &players, &mut HostDice) {
            Ok(state) => Ok(state.to_wit()),
            Err(error) => {
                log::write(
                    log::Level::Info,
                    "setup refused",
                    &[("match", &match_id), ("reason", &error.to_string())],
                );
                Err(error.to_string())
            }
        }
    }

    fn resolve(state: MatchState, action: Action) -> Resolution {
        R::RULES
            .resolve(state.to_arena(), &action.to_arena(), &mut HostDice)
            .to_wit()
    }

    fn tick(state: MatchState, now_ms: u64) -> TickOutcome {
        R::RULES
            .tick(state.to_arena(), now_ms, &mut HostDice)
            .to_wit()
    }

    fn finished(match_id: String, state: MatchState) -> Option<MatchResult> {
        R::RULES
            .finished(&match_id, &state.to_arena())
            .map(ToWit::to_wit)
    }
}
