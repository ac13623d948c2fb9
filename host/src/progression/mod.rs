//! Progression: xp makes a level, and reaching one is announced.
//!
//! Xp is a currency (`xp`), credited by the rewards component's grants
//! (`crate::economy::rewards`) and operator grants. A player's level is a
//! function of their xp through the tournament component's level curve
//! ([`curve`]). Every batch that credits xp carries a
//! [`crate::store::level_watch::LevelWatch`] per player: inside the
//! batch's transaction it reads the xp before the credit and, when the
//! credit crosses a threshold, writes a `UserLeveledUp` event (topic
//! [`PLAYER_EVENTS`], keyed by the player) to the outbox. So each level-up
//! is published exactly once, with the credit that caused it.
//!
//! - [`curve`]: thresholds and the level of an amount of xp;
//! - [`routes`]: `GET /v1/players/me/progress`.
//!
//! A host without a tournament component pays xp but announces no
//! level-ups (there is no curve to read).

pub mod curve;
pub mod routes;

use std::collections::BTreeMap;

pub use curve::{Curve, Standing};

use crate::store::level_watch::LevelWatch;
use crate::store::{Credit, EconomyOp, EventMeta};

/// The currency xp is kept in.
pub const XP: &str = crate::economy::rewards::XP;
/// The topic of a player's progression events.
pub const PLAYER_EVENTS: &str = "player-events";
/// The event of a level reached, v1: `{player, old_level, new_level, xp}`.
pub const USER_LEVELED_UP: &str = "UserLeveledUp";

/// The level watches of a batch that makes `credits`: one per player with
/// xp among them, dated and traced as `meta` says.
pub fn watches(curve: &Curve, credits: &[Credit], meta: &EventMeta) -> Vec<EconomyOp> {
    let mut xp: BTreeMap<(&str, &str), i64> = BTreeMap::new();
    for credit in credits.iter().filter(|c| c.currency == XP && c.amount > 0) {
        let sum = xp.entry((&credit.game, &credit.player)).or_default();
        *sum = sum.saturating_add(credit.amount);
    }
    xp.into_iter()
        .map(|((game, player), amount)| {
            EconomyOp::LevelWatch(LevelWatch {
                game: game.to_owned(),
                player: player.to_owned(),
                currency: XP.to_owned(),
                xp: amount,
                thresholds: curve.thresholds().to_vec(),
                correlation_id: meta.correlation_id.clone(),
                traceparent: meta.traceparent.clone(),
                at_ms: meta.created_at_ms,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn credit(player: &str, currency: &str, amount: i64) -> Credit {
        Credit {
            game: "default".into(),
            player: player.into(),
            currency: currency.into(),
            amount,
            reason: "test".into(),
            reference: "r".into(),
            key: format!("r/{player}/{currency}/{amount}"),
        }
    }

    #[test]
    fn a_batch_watches_each_player_it_gives_xp_once_with_their_whole_xp() {
        let curve = Curve::new(&[50, 150]).unwrap();
        let credits = [
            credit("bob", XP, 30),
            credit("ann", "gold", 100),
            credit("bob", XP, 40),
            credit("cid", XP, 10),
        ];
        let meta = EventMeta {
            game: "default".into(),
            correlation_id: Some("c-1".into()),
            traceparent: None,
            created_at_ms: 7,
        };
        let watched: Vec<(String, i64, i64)> = watches(&curve, &credits, &meta)
            .into_iter()
            .map(|op| match op {
                EconomyOp::LevelWatch(w) => (w.player, w.xp, w.at_ms),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            watched,
            [("bob".into(), 70, 7), ("cid".into(), 10, 7)],
            "ann got no xp"
        );
    }
}
