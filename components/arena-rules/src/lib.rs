//! # arena-rules: the combat rules of the idempo arena, in plain Rust
//!
//! No bindings and no dependencies: the `classic` combat components wrap
//! this crate (through `combat-adapter`), and the host's benchmark links it
//! natively to compare native and component speed. Randomness comes in
//! through the [`Dice`] trait, so the caller decides where rolls come from
//! (the host's seeded rng in a component).
//!
//! ## Map
//!
//! | module | what |
//! |---|---|
//! | [`types`] | plain mirrors of the WIT `types` records |
//! | [`rules`] | [`Rules`]: every number of the game; [`Rules::CLASSIC`], [`Rules::CLASSIC_WITH_CRITS`] |
//! | [`dice`] | [`Dice`], and [`SplitMix64`] for tests and benchmarks |
//! | [`setup`] | laying out a match |
//! | `resolve` | actions (through [`Rules::resolve`]) |
//! | [`tick`] | the zone and resource spawns |
//! | [`finish`] | the end of a match and its placings |
//! | [`grid`] | cells, steps, distances, the zone's shape |
//! | [`reject`] | [`Rejection`] and [`SetupError`], with the messages players read |
//!
//! ## The classic rules
//!
//! **Arena.** `width` x `height` cells from the config (a zero means the
//! default 12x12; 4 to 64 cells a side), `(0, 0)` north-west, north is
//! `y - 1`. 2 to 16 players with distinct ids. A match lasts `duration-ms`
//! (default 180 000) of logical time, ticked every `tick-ms` (default 1 000).
//!
//! **Setup.** Fighters spawn on the ring one cell inside the edge, evenly
//! spaced in the order given, from a rolled starting point: two fighters
//! start on opposite sides. Each has 100 hp, attack 20, defence 5, no
//! shield, no energy. `initial-resources` (at most 32) resources worth 5 to
//! 15 land on rolled free cells. The zone is centred and covers the arena.
//!
//! **Actions.** Only a live fighter acts, and only while the match runs.
//! A rejected action changes nothing and says why.
//! - *move*: one cell north, south, east or west; not off the arena, not
//!   onto a live fighter (the fallen do not block).
//! - *attack*: a live enemy at Chebyshev distance 1 (the eight neighbours).
//!   Damage is `max(1, attack - defence + v)`, `v` rolled in `[-3, 3]`
//!   (15 +- 3 between classic fighters). The shield absorbs first (a
//!   `shielded` effect shows what is left), the rest comes off hit points.
//!   The attacker scores the damage; at 0 hp the target `died`, and the
//!   killer gets a kill and 50 more points.
//! - *defend*: shield +10, up to 30; refused at 30.
//! - *collect*: takes the resource on your cell: its value in points and
//!   1 energy (at most 10).
//! - *special*: costs 3 energy, or nothing when the action is stamped (a
//!   stamp lets a player do what an unsealed action cannot). *Whirlwind*
//!   hits every adjacent live enemy, each with its own roll; *dash* charges
//!   up to 3 cells toward the nearest live enemy along the axis where it is
//!   farther, never past it, stopping before the edge or a fighter; *heal*
//!   restores 25 hp, up to the maximum. A special that cannot happen (no
//!   one to hit, nowhere to go, full health) is refused and costs nothing.
//!
//! **Ticks.** After 20 ticks of grace the zone's radius (Chebyshev, around
//! the centre) drops by 1 every 5 ticks, down to 1. Every live fighter
//! outside takes 5 damage per tick, through any shield, from no one. Every
//! 5 ticks a resource appears on a rolled free cell inside the zone, while
//! fewer than 12 lie on the field.
//!
//! **End.** The match is over when at most one fighter is alive or the
//! logical time reaches the duration. Placings: the living before the dead,
//! then score, then the later death, then id.
//!
//! **Critical hits** ([`Rules::CLASSIC_WITH_CRITS`], `classic` 1.1.0): after
//! the damage roll, a 20% roll doubles the hit and marks it `critical`.
//!
//! **Rolls**, in order, so a replay with the same rng stream is identical:
//! setup rolls the ring offset, then per resource its cell and its value;
//! each hit rolls its variance, then its crit (only with a crit rule); a
//! tick that spawns rolls the cell, then the value.

pub mod dice;
pub mod finish;
pub mod grid;
pub mod reject;
mod resolve;
pub mod rules;
pub mod setup;
pub mod tick;
pub mod types;

#[cfg(test)]
mod testkit;

pub use dice::{Dice, SplitMix64};
pub use reject::{Rejection, SetupError};
pub use rules::{
    ArenaRule, AttackRule, CritRule, DefendRule, FighterRule, ResourceRule, Rules, SpecialRule,
    ZoneRule,
};
pub use types::*;
