//! # standard 1.0.0: what a finished match pays
//!
//! One [`Grant`] per placed player, in placing order (a player listed twice
//! is paid once):
//!
//! | | 1st | 2nd | 3rd | others |
//! |---|---|---|---|---|
//! | gold | 100 | 60 | 40 | 20 |
//! | stamps | 2 | 1 | 0 | 0 |
//! | xp bonus | 50 | 30 | 15 | 0 |
//!
//! plus 10 gold per kill and xp = 50 + 10 per kill + the bonus. Items drop
//! from [`DROPS`], each entry rolled on its own through the host's rng (a
//! chance roll, then a count roll when the count can vary), so a replayed
//! match drops the same items.

use idempo_sdk::prelude::*;

/// The currency this component pays in.
pub const CURRENCY: &str = "gold";
/// Gold for 1st, 2nd, 3rd; [`GOLD_OTHERS`] below that.
pub const GOLD_BY_PLACE: [u64; 3] = [100, 60, 40];
pub const GOLD_OTHERS: u64 = 20;
pub const GOLD_PER_KILL: u64 = 10;
/// Stamps for 1st and 2nd.
pub const STAMPS_BY_PLACE: [u32; 2] = [2, 1];
pub const XP_BASE: u64 = 50;
pub const XP_PER_KILL: u64 = 10;
/// Extra xp for 1st, 2nd, 3rd.
pub const XP_BONUS_BY_PLACE: [u64; 3] = [50, 30, 15];

/// One line of the drop table: `count_min..=count_max` of `item_type`, with
/// a chance of `chance_percent`.
pub struct Drop {
    pub item_type: &'static str,
    pub chance_percent: u32,
    pub count_min: u32,
    pub count_max: u32,
}

/// The drop table, rolled in this order for every player.
pub const DROPS: [Drop; 3] = [
    Drop {
        item_type: "potion",
        chance_percent: 50,
        count_min: 1,
        count_max: 1,
    },
    Drop {
        item_type: "iron-ore",
        chance_percent: 40,
        count_min: 1,
        count_max: 3,
    },
    Drop {
        item_type: "crystal",
        chance_percent: 15,
        count_min: 1,
        count_max: 1,
    },
];

/// The standard rewards.
pub struct Standard;

impl Rewards for Standard {
    fn grants(result: MatchResult) -> Vec<Grant> {
        let mut paid: Vec<&str> = Vec::with_capacity(result.placings.len());
        let mut grants = Vec::with_capacity(result.placings.len());
        for placing in &result.placings {
            if paid.contains(&placing.player.as_str()) {
                log::write(
                    log::Level::Warn,
                    "player placed twice; paid once",
                    &[("match", &result.match_id), ("player", &placing.player)],
                );
                continue;
            }
            paid.push(&placing.player);
            grants.push(grant(placing));
        }
        log::write(
            log::Level::Debug,
            "rewards granted",
            &[
                ("match", &result.match_id),
                ("players", &grants.len().to_string()),
            ],
        );
        grants
    }
}

/// What one placing earns.
fn grant(placing: &Placing) -> Grant {
    let rank = (placing.place as usize).checked_sub(1);
    let by_place = |table: &[u64], otherwise: u64| {
        rank.and_then(|r| table.get(r).copied())
            .unwrap_or(otherwise)
    };
    let kills = u64::from(placing.kills);
    Grant {
        player: placing.player.clone(),
        currency: vec![(
            CURRENCY.to_owned(),
            by_place(&GOLD_BY_PLACE, GOLD_OTHERS) + GOLD_PER_KILL * kills,
        )],
        items: DROPS.iter().filter_map(roll).collect(),
        stamps: rank
            .and_then(|r| STAMPS_BY_PLACE.get(r).copied())
            .unwrap_or(0),
        xp: XP_BASE + XP_PER_KILL * kills + by_place(&XP_BONUS_BY_PLACE, 0),
    }
}

/// Rolls one line of the drop table.
fn roll(drop: &Drop) -> Option<ItemGrant> {
    if !rng::chance(drop.chance_percent) {
        return None;
    }
    let count = if drop.count_max > drop.count_min {
        rng::range(drop.count_min, drop.count_max + 1)
    } else {
        drop.count_min
    };
    Some(ItemGrant {
        item_type: drop.item_type.to_owned(),
        count,
    })
}

idempo_sdk::export_rewards!(Standard);
