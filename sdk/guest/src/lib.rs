//! # idempo-sdk: write idempo components in plain Rust
//!
//! An idempo component is a WebAssembly component that decides (a match's
//! combat, a match's rewards, the market's rules, the daily tournament's
//! rules) while the host commits.
//! This crate hides the generated bindings: implement one trait on a type of
//! yours, export it with one macro, and reach the host through small
//! functions.
//!
//! ## Map
//!
//! | where | what |
//! |---|---|
//! | [`types`] | the arena's vocabulary: [`types::MatchState`], [`types::Action`], [`types::Effect`], ... |
//! | [`Combat`], [`export_combat!`] | the combat world: `setup`, `resolve`, `tick`, `finished` |
//! | [`Rewards`], [`export_rewards!`], [`rewards`] | the rewards world and its records ([`rewards::Grant`], ...) |
//! | [`Market`], [`export_market!`], [`market`] | the market world and its records ([`market::Quote`], ...) |
//! | [`Tournament`], [`export_tournament!`], [`tournament`] | the tournament world and its records ([`tournament::Rules`], ...) |
//! | [`log`] | structured log lines: [`log::info`], [`log::write`] with fields |
//! | [`clock`] | the call's logical time: [`clock::now_ms`] |
//! | [`rng`] | seeded randomness: [`rng::range`], [`rng::chance`], [`rng::next_u64`] |
//! | [`kv`] | the component's key-value store, raw or JSON |
//! | [`events`] | events for the host's bus, JSON payloads |
//! | [`Error`] | what a failing host import returns |
//! | [`prelude`] | all of the above a component usually needs, in one `use` |
//! | [`bindings`] | the raw wit-bindgen output, if you need it |
//!
//! ## Rules of the sandbox
//!
//! A component must be a deterministic function of its input and of what it
//! reads through these imports: take time from [`clock`] and randomness from
//! [`rng`], never from `std`. Everything it asks for ([`kv`] writes,
//! [`events`]) is buffered and committed with the call's result, or not at
//! all. The host meters fuel and memory; a panic traps the call and changes
//! nothing.
//!
//! ## Example: a rewards component
//!
//! ```no_run
//! use idempo_sdk::prelude::*;
//!
//! struct Participation;
//!
//! impl Rewards for Participation {
//!     /// 10 gold to everyone, a potion to one in four, xp by place.
//!     fn grants(result: MatchResult) -> Vec<Grant> {
//!         log::info(&format!("rewarding {}", result.match_id));
//!         let grant = |p: Placing| Grant {
//!             currency: vec![("gold".to_owned(), 10)],
//!             items: rng::chance(25)
//!                 .then(|| ItemGrant { item_type: "potion".to_owned(), count: 1 })
//!                 .into_iter()
//!                 .collect(),
//!             stamps: 0,
//!             xp: 100 / u64::from(p.place.max(1)),
//!             player: p.player,
//!         };
//!         result.placings.into_iter().map(grant).collect()
//!     }
//! }
//!
//! idempo_sdk::export_rewards!(Participation);
//! ```
//!
//! A crate exports one world. Build with `cargo build --release --target
//! wasm32-wasip2`: the `.wasm` is the component. The crate's `Cargo.toml`
//! names it under `[package.metadata.idempo]` (`name`, `world`); its version
//! is the package version.

pub mod bindings;
pub mod clock;
mod error;
pub mod events;
pub mod kv;
pub mod log;
pub mod rng;

pub use error::{Error, Result};

/// The arena's shared vocabulary (WIT `idempo:game/types`).
pub mod types {
    pub use crate::bindings::base::idempo::game::types::*;
}

/// The records of the rewards world (WIT `idempo:game/rewards`).
pub mod rewards {
    pub use crate::bindings::rewards::exports::idempo::game::rewards::{
        Grant, Guest as Rewards, ItemGrant,
    };
}

/// The records of the market world (WIT `idempo:game/market`).
pub mod market {
    pub use crate::bindings::market::exports::idempo::game::market::{
        Guest as Market, Ingredient, Listing, Quote, Recipe, Trade,
    };
}

/// The records of the tournament world (WIT `idempo:game/tournament`).
pub mod tournament {
    pub use crate::bindings::tournament::exports::idempo::game::tournament::{
        Day, Guest as Tournament, RewardTier, Rules, Schedule,
    };
}

/// The combat world: implement it, then [`export_combat!`] your type.
///
/// Each function gets the whole state and returns the next one; the host
/// stores it. A rejected action must leave the state unchanged.
pub use bindings::combat::exports::idempo::game::combat::Guest as Combat;
/// The market world: implement it, then [`export_market!`] your type.
pub use market::Market;
/// The rewards world: implement it, then [`export_rewards!`] your type.
pub use rewards::Rewards;
/// The tournament world: implement it, then [`export_tournament!`] your
/// type.
pub use tournament::Tournament;

/// Everything a component usually needs: the traits, the types, the
/// records of rewards, market and tournament, and the import modules.
pub mod prelude {
    pub use crate::market::{Ingredient, Listing, Quote, Recipe, Trade};
    pub use crate::rewards::{Grant, ItemGrant};
    pub use crate::tournament::{Day, RewardTier, Rules, Schedule};
    pub use crate::types::*;
    pub use crate::{Combat, Error, Market, Rewards, Tournament};
    pub use crate::{clock, events, kv, log, rng};
}

/// Exports `$ty`, which implements [`Combat`], as this component's combat
/// world. Call it once, at the crate root. `$ty` is a plain name: alias a
/// generic type with `type Name = Generic<Args>;` first.
#[macro_export]
macro_rules! export_combat {
    ($ty:ident) => {
        $crate::bindings::combat::export_combat_world!(
            $ty with_types_in $crate::bindings::combat
        );
    };
}

/// Exports `$ty`, which implements [`Rewards`], as this component's rewards
/// world. Call it once, at the crate root.
#[macro_export]
macro_rules! export_rewards {
    ($ty:ident) => {
        $crate::bindings::rewards::export_rewards_world!(
            $ty with_types_in $crate::bindings::rewards
        );
    };
}

/// Exports `$ty`, which implements [`Market`], as this component's market
/// world. Call it once, at the crate root.
#[macro_export]
macro_rules! export_market {
    ($ty:ident) => {
        $crate::bindings::market::export_market_world!(
            $ty with_types_in $crate::bindings::market
        );
    };
}

/// Exports `$ty`, which implements [`Tournament`], as this component's
/// tournament world. Call it once, at the crate root.
#[macro_export]
macro_rules! export_tournament {
    ($ty:ident) => {
        $crate::bindings::tournament::export_tournament_world!(
            $ty with_types_in $crate::bindings::tournament
        );
    };
}
