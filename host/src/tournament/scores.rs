//! The `tournament` consumer group: scores from the events of the day.
//!
//! It reads `match-events` and `player-events`. A `MatchFinished` gives
//! each placed player the points the tournament component (the version
//! that made the day's tournament) gives their placing; a `UserLeveledUp`
//! gives its player the component's bonus for the new level (the standard
//! rules: the new level x 10). Each is one [`CommitBatch`] of score
//! additions ([`ScoreAdd`]), committed with the event's processed record,
//! so a redelivered or replayed event adds nothing twice (DESIGN.md
//! invariant 5).
//!
//! What counts: the event's time (`occurred_at_ms`: when the match
//! finished, when the level was reached) must fall within the running
//! tournament of its UTC day, and the player must have entered by then; an
//! addition for a player who did not enter, or after the ranks are final,
//! changes nothing. `MatchStarted` is known and adds nothing.

use std::sync::Arc;

use async_trait::async_trait;
use serde::Deserialize;

use super::Tournaments;
use super::day::Day;
use super::db;
use crate::bus::{Bus, Consumer, Event, Handler, HandlerError, Schemas};
use crate::config::BusConfig;
use crate::progression::{PLAYER_EVENTS, USER_LEVELED_UP};
use crate::runtime::bindings::types::Placing;
use crate::store::economy_ops::EconomyOp;
use crate::store::tournament_ops::{ScoreAdd, TournamentOp};
use crate::store::{CommitBatch, Store};

/// The consumer group.
pub const GROUP: &str = "tournament";
/// The topics it reads.
pub const TOPICS: [&str; 2] = [crate::arena::MATCH_EVENTS, PLAYER_EVENTS];

/// What the group reads: `MatchFinished`, `MatchStarted` and
/// `UserLeveledUp`, v1.
pub fn schemas(max_payload_bytes: usize) -> Schemas {
    Schemas::new(max_payload_bytes)
        .knows(crate::leaderboard::projection::MATCH_FINISHED, 1)
        .knows(crate::leaderboard::projection::MATCH_STARTED, 1)
        .knows(USER_LEVELED_UP, 1)
}

/// The group's runner of `game`.
pub fn consumer(
    tournaments: Arc<Tournaments>,
    bus: Arc<dyn Bus>,
    store: Store,
    game: &str,
    config: &BusConfig,
) -> Consumer {
    Consumer::new(
        bus,
        store,
        game,
        GROUP,
        &TOPICS,
        schemas(config.max_payload_bytes),
        Arc::new(Scores { tournaments }),
        config,
    )
}

/// The group's handler.
pub struct Scores {
    tournaments: Arc<Tournaments>,
}

#[derive(Deserialize)]
struct MatchFinished {
    placings: Vec<Placing>,
}

#[derive(Deserialize)]
struct LeveledUp {
    player: String,
    new_level: u32,
}

/// What an event scores: a placing, or a level reached.
enum Scoring {
    Placings(Vec<Placing>),
    Level { player: String, level: u32 },
}

#[async_trait]
impl Handler for Scores {
    async fn handle(&self, event: &Event) -> Result<CommitBatch, HandlerError> {
        let bad = |e: serde_json::Error| {
            HandlerError(format!(
                "malformed {} payload: {e}",
                event.envelope.event_type
            ))
        };
        let scoring = match event.envelope.event_type.as_str() {
            crate::leaderboard::projection::MATCH_FINISHED => {
                let finished = MatchFinished::deserialize(&event.payload).map_err(bad)?;
                Scoring::Placings(finished.placings)
            }
            USER_LEVELED_UP => {
                let up = LeveledUp::deserialize(&event.payload).map_err(bad)?;
                Scoring::Level {
                    player: up.player,
                    level: up.new_level,
                }
            }
            _ => return Ok(CommitBatch::default()),
        };
        let game = &event.envelope.game;
        let at_ms = event.envelope.occurred_at_ms;
        let day = Day::of(at_ms).to_string();
        let fail = |e: super::TournamentError| HandlerError(e.to_string());
        let t = db::tournament(self.tournaments.store(), game, &day)
            .await
            .map_err(fail)?;
        let Some(t) = t.filter(|t| !t.is_final() && t.rules.running(at_ms)) else {
            return Ok(CommitBatch::default());
        };
        let rules = self.tournaments.rules();
        let component = rules.pinned(game, &t.version).map_err(fail)?;
        let mut points = Vec::new();
        match scoring {
            Scoring::Placings(placings) => {
                for placing in placings {
                    let player = placing.player.clone();
                    let p = rules
                        .match_points(component.clone(), placing)
                        .await
                        .map_err(fail)?;
                    points.push((player, p));
                }
            }
            Scoring::Level { player, level } => {
                let bonus = rules.level_up_bonus(component, level).await.map_err(fail)?;
                points.push((player, bonus));
            }
        }
        let ops = points
            .into_iter()
            .filter(|(_, p)| *p > 0)
            .map(|(player, points)| {
                EconomyOp::Tournament(TournamentOp::Score(ScoreAdd {
                    game: game.clone(),
                    tournament: day.clone(),
                    player,
                    points,
                    at_ms,
                }))
            })
            .collect();
        Ok(CommitBatch {
            ops,
            ..CommitBatch::default()
        })
    }

    /// Its batches add to scores and read only what other writers keep
    /// (the tournaments, the component): a fetch commits together.
    fn batchable(&self) -> bool {
        true
    }
}
