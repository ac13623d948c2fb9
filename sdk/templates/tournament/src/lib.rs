//! # {{component_name}}: daily tournament rules
//!
//! A small but complete tournament component, to grow into your own
//! events:
//!
//! - every day a tournament in gold: level 5 or more and 200 gold to enter,
//!   from 06:00 until 18:00 UTC, ending at 22:00 UTC; none on Mondays;
//! - groups of 20; the top three of a group win 2 000, 1 000 and 500 gold;
//! - a match scores its score plus 10 for a win; a level-up scores the new
//!   level x 5;
//! - level n needs 100 x (n - 1) xp, up to level 50.

use idempo_sdk::prelude::*;

const CURRENCY: &str = "gold";
const HOUR_MS: u64 = 3_600_000;
const MONDAY: u8 = 1;
const MAX_LEVEL: u64 = 50;

struct Cup;

impl Tournament for Cup {
    fn rules_for(day: Day) -> Result<Rules, String> {
        if day.weekday == MONDAY {
            return Err(format!("{} is a Monday: the cup rests", day.date));
        }
        let tier = |rank: u32, amount: u64| RewardTier {
            first_rank: rank,
            last_rank: rank,
            amount,
        };
        Ok(Rules {
            currency: CURRENCY.to_owned(),
            entry_fee: 200,
            min_level: 5,
            group_size: 20,
            schedule: Schedule {
                opens_at_ms: 6 * HOUR_MS,
                entry_closes_at_ms: 18 * HOUR_MS,
                ends_at_ms: 22 * HOUR_MS,
            },
            rewards: vec![tier(1, 2_000), tier(2, 1_000), tier(3, 500)],
        })
    }

    fn level_curve() -> Vec<u64> {
        (2..=MAX_LEVEL).map(|level| 100 * (level - 1)).collect()
    }

    fn match_points(placing: Placing) -> u64 {
        let score = u64::try_from(placing.score).unwrap_or(0);
        if placing.place == 1 { score + 10 } else { score }
    }

    fn level_up_bonus(level: u32) -> u64 {
        u64::from(level) * 5
    }
}

idempo_sdk::export_tournament!(Cup);
