//! # standard 1.1.0: the daily tournament with a weekend cup
//!
//! Weekdays as in 1.0.0 (`tournament-rules`). On Saturdays and Sundays the
//! cup is open to more players: level [`WEEKEND_MIN_LEVEL`] and
//! [`WEEKEND_FEE`] gold to enter, until 18:00 UTC, in groups of
//! [`WEEKEND_GROUP_SIZE`], the top three paid ([`WEEKEND_REWARDS`]).
//! Scores, bonuses and the level curve are the standard ones.

use idempo_sdk::prelude::*;
use tournament_rules::HOUR_MS;

pub const WEEKEND_FEE: u64 = 250;
pub const WEEKEND_MIN_LEVEL: u32 = 5;
pub const WEEKEND_GROUP_SIZE: u32 = 20;
/// (first rank, last rank, amount each).
pub const WEEKEND_REWARDS: [(u32, u32, u64); 3] = [(1, 1, 2_500), (2, 2, 1_500), (3, 3, 1_000)];
/// ISO weekdays of the weekend.
const SATURDAY: u8 = 6;
const SUNDAY: u8 = 7;

/// The standard tournament, with a weekend cup.
pub struct Standard;

impl Tournament for Standard {
    fn rules_for(day: Day) -> Result<Rules, String> {
        let mut rules = tournament_rules::rules();
        if matches!(day.weekday, SATURDAY | SUNDAY) {
            rules.entry_fee = WEEKEND_FEE;
            rules.min_level = WEEKEND_MIN_LEVEL;
            rules.group_size = WEEKEND_GROUP_SIZE;
            rules.schedule.entry_closes_at_ms = 18 * HOUR_MS;
            rules.rewards = tournament_rules::tiers(&WEEKEND_REWARDS);
        }
        Ok(rules)
    }

    fn level_curve() -> Vec<u64> {
        tournament_rules::level_curve()
    }

    fn match_points(placing: Placing) -> u64 {
        tournament_rules::match_points(&placing)
    }

    fn level_up_bonus(level: u32) -> u64 {
        tournament_rules::level_up_bonus(level)
    }
}

idempo_sdk::export_tournament!(Standard);
