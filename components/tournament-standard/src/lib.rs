//! # standard 1.0.0: the daily tournament ("Good Swipe")
//!
//! The seed's numbers, every day (`tournament-rules`): level 10 and 500
//! gold to enter before 12:00 UTC, groups of 35, ends at 23:59 UTC, ranks
//! 1 to 10 paid (5000, 3000, 2000, then 1000 each), a match scores its
//! score, a level-up the new level x 10; level n needs 25 x n x (n - 1)
//! xp.

use idempo_sdk::prelude::*;

/// The standard tournament.
pub struct Standard;

impl Tournament for Standard {
    fn rules_for(_day: Day) -> Result<Rules, String> {
        Ok(tournament_rules::rules())
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
