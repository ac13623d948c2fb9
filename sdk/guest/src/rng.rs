//! The host's seeded, deterministic random numbers, fresh for every call.
//!
//! Never use another source of randomness in a component: replaying a match
//! (or shadow-running a new version on recorded inputs) only gives the same
//! outcome if every roll comes from here. The order of the calls is part of
//! the result: two versions that roll in a different order diverge.

use crate::bindings::base::idempo::game::rng as raw;

/// The next 64 random bits.
pub fn next_u64() -> u64 {
    raw::next_u64()
}

/// A uniform integer in `[lo, hi)`; `lo` when `hi <= lo`.
pub fn range(lo: u32, hi: u32) -> u32 {
    raw::range(lo, hi)
}

/// True with a probability of `percent` in 100 (one roll of
/// `range(0, 100)`): `chance(0)` is never, `chance(100)` always.
pub fn chance(percent: u32) -> bool {
    raw::range(0, 100) < percent
}
