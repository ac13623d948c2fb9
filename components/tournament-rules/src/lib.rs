//! # The standard daily tournament ("Good Swipe")
//!
//! Every UTC day has a tournament, in [`CURRENCY`] (the economy's coins):
//!
//! - **Entry**: level [`MIN_LEVEL`] or more, a fee of [`ENTRY_FEE`], before
//!   12:00 UTC ([`ENTRY_CLOSES_AT_MS`]); it opens at 00:00 and ends at
//!   23:59 UTC ([`ENDS_AT_MS`]).
//! - **Groups** of at most [`GROUP_SIZE`] players.
//! - **Score**: each match a participant finishes during the tournament
//!   scores its match score (never below 0); reaching a level during it
//!   adds the new level x [`LEVEL_UP_BONUS_PER_LEVEL`].
//! - **Rewards** by rank within the group: 1st 5000, 2nd 3000, 3rd 2000,
//!   4th to 10th 1000 each ([`REWARDS`]).
//! - **Levels**: level `n` (up to [`MAX_LEVEL`]) needs `25 * n * (n - 1)`
//!   xp: 50 for level 2, 2 250 for level 10 ([`xp_for_level`]).
//!
//! The versions of the `standard` tournament component export these
//! (`tournament-standard`), or change some of them
//! (`tournament-standard-v2`: a weekend cup).

use idempo_sdk::prelude::*;

/// The currency of the fee and the rewards: the economy's gold.
pub const CURRENCY: &str = "gold";
pub const ENTRY_FEE: u64 = 500;
pub const MIN_LEVEL: u32 = 10;
pub const GROUP_SIZE: u32 = 35;
/// 12:00 UTC, from the day's start.
pub const ENTRY_CLOSES_AT_MS: u64 = 12 * HOUR_MS;
/// 23:59 UTC, from the day's start.
pub const ENDS_AT_MS: u64 = 23 * HOUR_MS + 59 * MINUTE_MS;
pub const LEVEL_UP_BONUS_PER_LEVEL: u64 = 10;
/// (first rank, last rank, amount each).
pub const REWARDS: [(u32, u32, u64); 4] =
    [(1, 1, 5_000), (2, 2, 3_000), (3, 3, 2_000), (4, 10, 1_000)];
/// The highest level the curve reaches.
pub const MAX_LEVEL: u64 = 100;

pub const MINUTE_MS: u64 = 60_000;
pub const HOUR_MS: u64 = 60 * MINUTE_MS;

/// The standard rules of any day.
pub fn rules() -> Rules {
    Rules {
        currency: CURRENCY.to_owned(),
        entry_fee: ENTRY_FEE,
        min_level: MIN_LEVEL,
        group_size: GROUP_SIZE,
        schedule: Schedule {
            opens_at_ms: 0,
            entry_closes_at_ms: ENTRY_CLOSES_AT_MS,
            ends_at_ms: ENDS_AT_MS,
        },
        rewards: tiers(&REWARDS),
    }
}

/// Reward tiers from (first rank, last rank, amount each).
pub fn tiers(table: &[(u32, u32, u64)]) -> Vec<RewardTier> {
    table
        .iter()
        .map(|&(first_rank, last_rank, amount)| RewardTier {
            first_rank,
            last_rank,
            amount,
        })
        .collect()
}

/// The xp of level 2 to [`MAX_LEVEL`].
pub fn level_curve() -> Vec<u64> {
    (2..=MAX_LEVEL).map(xp_for_level).collect()
}

/// The xp level `level` needs: `25 * level * (level - 1)`.
pub fn xp_for_level(level: u64) -> u64 {
    25 * level * level.saturating_sub(1)
}

/// A placing's points: its match score, never below 0.
pub fn match_points(placing: &Placing) -> u64 {
    u64::try_from(placing.score).unwrap_or(0)
}

/// The bonus for reaching `level`.
pub fn level_up_bonus(level: u32) -> u64 {
    u64::from(level) * LEVEL_UP_BONUS_PER_LEVEL
}
