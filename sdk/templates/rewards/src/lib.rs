//! # {{component_name}}: rewards for a finished match
//!
//! A small but complete rewards component, to grow into your own economy:
//!
//! - everyone who played gets 10 gold, plus 5 per kill;
//! - the winner gets a stamp and 25 more gold;
//! - xp is 20, plus 10 per kill;
//! - one in three players finds a potion (rolled by the host's rng, so a
//!   replay of the match finds the same potions).

use idempo_sdk::prelude::*;

const GOLD: u64 = 10;
const GOLD_PER_KILL: u64 = 5;
const WINNER_GOLD: u64 = 25;
const XP: u64 = 20;
const XP_PER_KILL: u64 = 10;
const POTION_CHANCE_PERCENT: u32 = 33;

struct Participation;

impl Rewards for Participation {
    fn grants(result: MatchResult) -> Vec<Grant> {
        log::write(
            log::Level::Info,
            "granting rewards",
            &[
                ("match", &result.match_id),
                ("players", &result.placings.len().to_string()),
            ],
        );
        result.placings.iter().map(grant).collect()
    }
}

fn grant(placing: &Placing) -> Grant {
    let kills = u64::from(placing.kills);
    let winner = placing.place == 1;
    let mut gold = GOLD + GOLD_PER_KILL * kills;
    if winner {
        gold += WINNER_GOLD;
    }
    let items = if rng::chance(POTION_CHANCE_PERCENT) {
        vec![ItemGrant {
            item_type: "potion".to_owned(),
            count: 1,
        }]
    } else {
        Vec::new()
    };
    Grant {
        player: placing.player.clone(),
        currency: vec![("gold".to_owned(), gold)],
        items,
        stamps: u32::from(winner),
        xp: XP + XP_PER_KILL * kills,
    }
}

idempo_sdk::export_rewards!(Participation);
