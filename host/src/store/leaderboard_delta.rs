//! Additions to the leaderboard read model (table `leaderboard`, migration
//! `0006_leaderboard.sql`), carried by a [`super::CommitBatch`] so that they
//! commit in the one transaction of the consumed event's processed record.
//!
//! Keeps DESIGN.md invariant 5 for the leaderboard (`crate::leaderboard`):
//! a `MatchFinished` event adds to the board exactly once, because its
//! additions and its [`super::ProcessedEvent`] commit together or not at all.
//! A delta is added to the row (`score = score + delta`), never set: applying
//! one outside such a batch, or twice, counts twice.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::batch::name;
use super::error::StoreError;

/// What one match adds to one player's row; the row is created at the
/// first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaderboardDelta {
    pub game: String,
    pub player: String,
    /// Points to add (a match score may be negative).
    pub score: i64,
    /// Matches to add (1 per match).
    pub matches: i64,
    /// First places to add.
    pub wins: i64,
    pub kills: i64,
    /// The match it comes from: the row's `last_match_id`.
    pub match_id: String,
    /// When that match finished, Unix milliseconds: the row's `updated_at_ms`.
    pub at_ms: i64,
}

impl LeaderboardDelta {
    /// Refuses what the board cannot keep: empty names, NUL characters,
    /// negative counts, more wins than matches.
    pub fn validate(&self) -> Result<(), StoreError> {
        name("leaderboard game", &self.game)?;
        name("leaderboard player", &self.player)?;
        name("leaderboard match id", &self.match_id)?;
        if self.matches < 0 || self.wins < 0 || self.kills < 0 || self.wins > self.matches {
            return Err(StoreError::invalid(
                "leaderboard delta",
                format!(
                    "counts must be at least 0 and wins at most matches; got {} matches, {} wins, {} kills",
                    self.matches, self.wins, self.kills
                ),
            ));
        }
        Ok(())
    }
}

/// `deltas` summed per `(game, player)`, in key order (one row per player
/// per statement, and rows locked in one order by every writer); the last
/// delta of a player gives its `match_id` and `at_ms`.
pub(crate) fn fold<'a>(
    deltas: impl IntoIterator<Item = &'a LeaderboardDelta>,
) -> Vec<LeaderboardDelta> {
    let mut rows: BTreeMap<(&str, &str), LeaderboardDelta> = BTreeMap::new();
    for d in deltas {
        rows.entry((&d.game, &d.player))
            .and_modify(|row| {
                row.score = row.score.saturating_add(d.score);
                row.matches = row.matches.saturating_add(d.matches);
                row.wins = row.wins.saturating_add(d.wins);
                row.kills = row.kills.saturating_add(d.kills);
                row.match_id.clone_from(&d.match_id);
                row.at_ms = d.at_ms;
            })
            .or_insert_with(|| d.clone());
    }
    rows.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn delta(player: &str, score: i64, won: bool, match_id: &str) -> LeaderboardDelta {
        LeaderboardDelta {
            game: "default".into(),
            player: player.into(),
            score,
            matches: 1,
            wins: i64::from(won),
            kills: 2,
            match_id: match_id.into(),
            at_ms: match_id.len() as i64,
        }
    }

    #[test]
    fn two_matches_of_one_player_in_a_group_become_one_row() {
        let deltas = [
            delta("bob", 5, false, "m1"),
            delta("ann", 10, true, "m1"),
            delta("bob", -3, true, "m22"),
        ];
        let rows = fold(&deltas);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0], deltas[1], "ann alone, first in key order");
        let bob = &rows[1];
        assert_eq!((bob.score, bob.matches, bob.wins, bob.kills), (2, 2, 1, 4));
        assert_eq!((bob.match_id.as_str(), bob.at_ms), ("m22", 3), "the last");
    }

    #[test]
    fn a_delta_with_more_wins_than_matches_is_refused() {
        let mut d = delta("ann", 1, true, "m1");
        d.validate().expect("a plain win");
        d.matches = 0;
        let err = d.validate().unwrap_err().to_string();
        assert!(err.contains("wins at most matches"), "{err}");
        d = delta("", 1, false, "m1");
        assert!(d.validate().is_err(), "no player");
    }
}
