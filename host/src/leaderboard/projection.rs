//! The projection: what the `leaderboard` consumer group does with each
//! event of `match-events`.
//!
//! A `MatchFinished` becomes ONE [`CommitBatch`]: per placing, a
//! [`LeaderboardDelta`] (score added, one match, a win for place 1, kills
//! added) and a `ScoreAdded` event on `leaderboard-events`, keyed by the
//! player. The runner commits it with the event's processed record, so a
//! redelivered or replayed event adds nothing (DESIGN.md invariant 5). The
//! handler reads nothing and writes nothing itself: the batch is a pure
//! function of the event.
//!
//! A `MatchStarted` is known (so it is not dead-lettered) and adds nothing:
//! an empty batch, which still records the event as processed. A payload
//! that is not a `MatchFinished` (missing fields, a player placed twice)
//! fails, and goes to the DLQ after the runner's attempts.
//!
//! `ScoreAdded` events get fresh ids: a rebuild ([`super::rebuild`]) emits
//! them again under new ids. A reader of `leaderboard-events` that must
//! count a match once per player dedupes by `(match_id, player)`.

use std::collections::BTreeSet;
use std::sync::Arc;

use async_trait::async_trait;
use serde::Deserialize;

use super::{GROUP, LEADERBOARD_EVENTS, TOPICS};
use crate::bus::{Bus, Consumer, Event, Handler, HandlerError, Schemas};
use crate::config::BusConfig;
use crate::runtime::bindings::types::Placing;
use crate::store::outbox::DEFAULT_SCHEMA_VERSION;
use crate::store::{CommitBatch, LeaderboardDelta, OutboxEvent, Store, new_event_id};

/// The event that adds a match to the board.
pub const MATCH_FINISHED: &str = "MatchFinished";
/// The event the board knows and skips.
pub const MATCH_STARTED: &str = "MatchStarted";
/// The event the board emits per player and match.
pub const SCORE_ADDED: &str = "ScoreAdded";
/// The newest schema version of `MatchFinished` and `MatchStarted` the
/// board reads.
pub const MATCH_EVENTS_VERSION: i32 = 1;

/// What the board reads: `MatchFinished` and `MatchStarted` up to
/// [`MATCH_EVENTS_VERSION`], payloads up to `max_payload_bytes`.
pub fn schemas(max_payload_bytes: usize) -> Schemas {
    Schemas::new(max_payload_bytes)
        .knows(MATCH_FINISHED, MATCH_EVENTS_VERSION)
        .knows(MATCH_STARTED, MATCH_EVENTS_VERSION)
}

/// The `leaderboard` group's runner of `game` over `match-events`; the host
/// runs it ([`Consumer::run`]), and shares it among processes with
/// [`Consumer::owned_by`].
pub fn consumer(bus: Arc<dyn Bus>, store: Store, game: &str, config: &BusConfig) -> Consumer {
    Consumer::new(
        bus,
        store,
        game,
        GROUP,
        &TOPICS,
        schemas(config.max_payload_bytes),
        Arc::new(Projection),
        config,
    )
}

/// The `leaderboard` group's [`Handler`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Projection;

#[async_trait]
impl Handler for Projection {
    async fn handle(&self, event: &Event) -> Result<CommitBatch, HandlerError> {
        match event.envelope.event_type.as_str() {
            MATCH_FINISHED => finished(event),
            MATCH_STARTED => Ok(CommitBatch::default()),
            other => Err(HandlerError(format!(
                "the leaderboard does not read `{other}` events"
            ))),
        }
    }

    /// Its batches add to rows and read nothing: a fetch commits together.
    fn batchable(&self) -> bool {
        true
    }
}

/// The part of a `MatchFinished` payload the board reads (the rest:
/// `duration_ms`, `component`, `version`, is ignored).
#[derive(Deserialize)]
struct MatchFinished {
    match_id: String,
    placings: Vec<Placing>,
}

/// The batch of a `MatchFinished`: per placing, its row addition and its
/// `ScoreAdded`, both in placing order.
fn finished(event: &Event) -> Result<CommitBatch, HandlerError> {
    let finished = MatchFinished::deserialize(&event.payload)
        .map_err(|e| HandlerError(format!("malformed {MATCH_FINISHED} payload: {e}")))?;
    let mut placed = BTreeSet::new();
    if let Some(twice) = finished
        .placings
        .iter()
        .find(|p| !placed.insert(p.player.as_str()))
    {
        return Err(HandlerError(format!(
            "match {} places player {} twice",
            finished.match_id, twice.player
        )));
    }
    let envelope = &event.envelope;
    let mut batch = CommitBatch::default();
    for p in &finished.placings {
        let won = p.place == 1;
        batch.leaderboard.push(LeaderboardDelta {
            game: envelope.game.clone(),
            player: p.player.clone(),
            score: i64::from(p.score),
            matches: 1,
            wins: i64::from(won),
            kills: i64::from(p.kills),
            match_id: finished.match_id.clone(),
            at_ms: envelope.occurred_at_ms,
        });
        let payload = serde_json::json!({
            "player": p.player,
            "match_id": finished.match_id,
            "points": p.score,
            "won": won,
            "kills": p.kills,
        });
        batch.events.push(OutboxEvent {
            id: new_event_id(),
            game: envelope.game.clone(),
            topic: LEADERBOARD_EVENTS.into(),
            key: p.player.clone(),
            event_type: SCORE_ADDED.into(),
            schema_version: DEFAULT_SCHEMA_VERSION,
            payload: payload.to_string(),
            correlation_id: envelope.correlation_id.clone(),
            // The span that writes the batch gives it (see `crate::telemetry`).
            traceparent: None,
            created_at_ms: envelope.occurred_at_ms,
        });
    }
    Ok(batch)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arena::MATCH_EVENTS;
    use crate::bus::{Envelope, Position};

    fn event(event_type: &str, payload: serde_json::Value) -> Event {
        Event {
            position: Position {
                topic: MATCH_EVENTS.into(),
                partition: 0,
                offset: 0,
            },
            envelope: Envelope {
                event_id: "e1".into(),
                event_type: event_type.into(),
                schema_version: 1,
                occurred_at_ms: 5_000,
                correlation_id: Some("c-1".into()),
                traceparent: None,
                key: "m1".into(),
                topic: MATCH_EVENTS.into(),
                game: "default".into(),
                payload: payload.to_string(),
            },
            payload,
        }
    }

    fn placing(player: &str, place: u32, score: i32, kills: u32) -> serde_json::Value {
        serde_json::json!({ "player": player, "place": place, "score": score, "kills": kills })
    }

    #[tokio::test]
    async fn a_finished_match_adds_each_placing_and_tells_each_player() {
        let payload = serde_json::json!({
            "match_id": "m1",
            "placings": [placing("ann", 1, 30, 2), placing("bob", 2, -5, 0)],
            "duration_ms": 90_000,
            "component": "combat",
            "version": "1.0.0",
        });
        let batch = Projection
            .handle(&event(MATCH_FINISHED, payload))
            .await
            .expect("applied");
        let rows: Vec<_> = batch
            .leaderboard
            .iter()
            .map(|d| (d.player.as_str(), d.score, d.matches, d.wins, d.kills))
            .collect();
        assert_eq!(rows, [("ann", 30, 1, 1, 2), ("bob", -5, 1, 0, 0)]);
        assert!(batch.leaderboard.iter().all(|d| d.at_ms == 5_000));
        assert_eq!(batch.events.len(), 2);
        let bob = &batch.events[1];
        assert_eq!(
            (bob.topic.as_str(), bob.key.as_str()),
            (LEADERBOARD_EVENTS, "bob")
        );
        assert_eq!(
            bob.correlation_id.as_deref(),
            Some("c-1"),
            "the trace goes on"
        );
        let told: serde_json::Value = serde_json::from_str(&bob.payload).expect("json");
        assert_eq!(
            told,
            serde_json::json!({ "player": "bob", "match_id": "m1", "points": -5, "won": false, "kills": 0 })
        );
        batch.validate().expect("a batch the store keeps");
    }

    #[tokio::test]
    async fn a_started_match_adds_nothing_and_a_bad_finish_is_refused() {
        let started = serde_json::json!({ "match_id": "m1", "players": ["ann"] });
        let batch = Projection
            .handle(&event(MATCH_STARTED, started))
            .await
            .expect("known");
        assert!(batch.is_empty());
        let twice = serde_json::json!({
            "match_id": "m1",
            "placings": [placing("ann", 1, 1, 0), placing("ann", 2, 1, 0)],
        });
        let err = Projection
            .handle(&event(MATCH_FINISHED, twice))
            .await
            .unwrap_err();
        assert!(err.0.contains("twice"), "{err}");
        let missing = serde_json::json!({ "match_id": "m1" });
        let err = Projection
            .handle(&event(MATCH_FINISHED, missing))
            .await
            .unwrap_err();
        assert!(err.0.contains("placings"), "{err}");
    }
}
