//! The match actor: one tokio task per running match, the single writer of
//! its state. Commands come in over a bounded channel ([`Command`]); time
//! comes from the arena's clock, which wakes it for each tick.
//!
//! Each step (the ticks due, an action) is computed by the pinned combat
//! component, then committed in ONE [`CommitBatch`]: the log entries, the
//! idempotency record of the action, the events (the component's own,
//! `ActionResolved` on `player-actions`, `MatchFinished` on `match-events`,
//! keyed by the match id), fenced by the match's lease. Only a committed
//! step reaches the state in memory (DESIGN.md, "components decide, the
//! host commits"). The actions queued together run as a round
//! (`super::round`): stepped in turn, their batches committed as one chain. An action's step runs in the span of the request that
//! asked ([`Command::Submit`]), so it belongs to that request's trace. A
//! lost lease or a failed commit stops the actor; the match is then rebuilt
//! from its log by whoever takes its lease.

use std::sync::Arc;

use serde::Serialize;
use tokio::sync::{mpsc, oneshot};

use super::clock::Clock;
use super::config::ArenaConfig;
use super::error::ArenaError;
use super::feed::{FeedItem, FeedSender};
use super::live::{Live, Step};
use super::record::{ActionOutcome, LogEntry, MatchRecord, Submission};
use super::round::Pending;
use super::seal::seal;
use crate::bus::ownership::SoleLease;
use crate::runtime::EmittedEvent;
use crate::runtime::bindings::types::{Effect, MatchResult, MatchState};
use crate::store::{
    CommitBatch, EventMeta, IdempotencyDone, Lease, MatchActionRow, OutboxEvent, Store,
};

/// The topic of player actions.
pub const PLAYER_ACTIONS: &str = "player-actions";
/// The topic of match lifecycle events.
pub const MATCH_EVENTS: &str = "match-events";

/// What a match's actor is asked.
#[allow(
    clippy::large_enum_variant,
    reason = "nearly every command is a submit; boxing it would cost each action an allocation"
)]
pub enum Command {
    /// Resolve and commit one action; its key is reserved on this host.
    Submit {
        submission: Submission,
        request_hash: String,
        reply: oneshot::Sender<Result<ActionOutcome, ArenaError>>,
        /// The span of the request that asked: the action's step runs in
        /// it, so its component call and commit join the request's trace.
        span: tracing::Span,
    },
    /// The match as it stands, after the ticks due.
    Snapshot {
        reply: oneshot::Sender<Result<MatchView, ArenaError>>,
    },
    /// Stop cleanly: give the lease back.
    Stop { reply: oneshot::Sender<()> },
}

/// A match as seen from outside: live, or rebuilt from its log.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MatchView {
    pub match_id: String,
    pub component: String,
    /// The version the match is pinned to.
    pub version: String,
    /// Entries in its log.
    pub logged: i64,
    pub state: MatchState,
    pub finished: Option<MatchResult>,
}

impl MatchView {
    /// The players it mentions: its fighters and those it placed.
    pub fn players(&self) -> impl Iterator<Item = &str> {
        let placed = self.finished.iter().flat_map(|r| r.placings.iter());
        self.state
            .fighters
            .iter()
            .map(|f| f.id.as_str())
            .chain(placed.map(|p| p.player.as_str()))
    }

    pub fn of(live: &Live) -> Self {
        Self {
            match_id: live.record.match_id.clone(),
            component: live.record.component.clone(),
            version: live.combat.version().to_string(),
            logged: live.next_seq - 1,
            state: live.state.clone(),
            finished: live.finished.clone(),
        }
    }
}

/// What the actor needs besides its match.
pub struct ActorDeps {
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    pub config: Arc<ArenaConfig>,
    pub lease: SoleLease,
    /// Where committed entries go live (see `super::feed`).
    pub feed: FeedSender,
    /// Called once when the actor ends (finished, stopped, failed).
    pub on_exit: Box<dyn FnOnce() + Send>,
}

/// One running match.
pub struct Actor {
    pub(super) live: Live,
    pub(super) deps: ActorDeps,
    pub(super) rx: mpsc::Receiver<Command>,
    /// A failing tick waits until then (Unix ms) before it is tried again.
    retry_at_ms: i64,
    /// A command taken from the channel while gathering a round of
    /// submits (`super::round`): served next.
    pub(super) held: Option<Command>,
}

impl Actor {
    pub fn new(live: Live, deps: ActorDeps, rx: mpsc::Receiver<Command>) -> Self {
        Self {
            live,
            deps,
            rx,
            retry_at_ms: 0,
            held: None,
        }
    }

    /// Serves commands and ticks until the match ends or the actor stops.
    pub async fn run(mut self) {
        let match_id = self.live.record.match_id.clone();
        loop {
            if let Some(result) = self.live.finished.clone() {
                self.wrap_up(&result).await;
                break;
            }
            let next = match self.held.take() {
                Some(command) => Some(command),
                None => {
                    let wake_at = self.tick_due_at().max(self.retry_at_ms);
                    let sleep = self.deps.clock.sleep_until(wake_at);
                    tokio::select! {
                        command = self.rx.recv() => match command {
                            None => break,
                            command => command,
                        },
                        () = sleep => None,
                    }
                }
            };
            let outcome = match next {
                None => self.catch_up().await,
                Some(Command::Stop { reply }) => {
                    if let Err(e) = self.deps.lease.release(&self.deps.store).await {
                        tracing::warn!(%match_id, error = %e, "could not release the match lease");
                    }
                    let _ = reply.send(());
                    break;
                }
                Some(command) => self.handle(command).await,
            };
            if let Err(e) = outcome {
                if is_fatal(&e) {
                    tracing::error!(%match_id, error = %e,
                        "match actor stops; the match is rebuilt from its log on takeover");
                    break;
                }
                tracing::warn!(%match_id, error = %e, "a match step failed; retried next tick");
                self.retry_at_ms = self.now_ms().saturating_add(self.tick_ms());
            }
        }
        (self.deps.on_exit)();
    }

    async fn handle(&mut self, command: Command) -> Result<(), ArenaError> {
        match command {
            Command::Submit {
                submission,
                request_hash,
                reply,
                span,
            } => {
                let first = Pending {
                    submission,
                    request_hash,
                    reply,
                    span,
                };
                let round = self.gather(first);
                self.submit_round(round).await
            }
            Command::Snapshot { reply } => {
                let caught_up = self.catch_up().await;
                let fatal = caught_up.as_ref().err().is_some_and(is_fatal);
                let _ = reply.send(caught_up.map(|()| MatchView::of(&self.live)));
                if fatal {
                    return Err(ArenaError::Stopped {
                        match_id: self.live.record.match_id.clone(),
                    });
                }
                Ok(())
            }
            Command::Stop { reply } => {
                let _ = reply.send(());
                Ok(())
            }
        }
    }

    /// One action of a round, on `spec` (the match with the round's
    /// earlier steps taken in): the checks, the pinned `resolve`, and the
    /// batch that commits it under `lease`. `spec` is not moved.
    pub(super) async fn prepare(
        &mut self,
        spec: &Live,
        submission: &Submission,
        request_hash: String,
        lease: &Lease,
        now_ms: i64,
    ) -> Result<(ActionOutcome, Step, CommitBatch), ArenaError> {
        let match_id = &spec.record.match_id;
        if spec.finished.is_some() {
            return Err(ArenaError::MatchOver {
                match_id: match_id.clone(),
            });
        }
        let Some(fighter) = spec
            .state
            .fighters
            .iter()
            .find(|f| f.id == submission.player)
        else {
            return Err(ArenaError::NotAMember {
                player: submission.player.clone(),
                match_id: match_id.clone(),
            });
        };
        if !fighter.alive {
            return Err(ArenaError::DeadFighter {
                player: submission.player.clone(),
                match_id: match_id.clone(),
            });
        }
        let at_ms = self.match_time_ms().max(spec.state.now_ms);
        let action = seal(submission, at_ms);
        let action_id = action.id.clone();
        let stepping = spec.clone();
        let step = spec
            .combat
            .blocking(move |_| stepping.step_action(action))
            .await?;
        let outcome = ActionOutcome {
            match_id: match_id.clone(),
            action_id: action_id.clone(),
            seq: (step.rejected.is_none()).then_some(spec.next_seq),
            at_ms,
            rejected: step.rejected.clone(),
            effects: step.effects.clone(),
            finished: finish_of(&step).cloned(),
            replayed: false,
        };
        let response = serde_json::to_string(&outcome)
            .map_err(|e| ArenaError::invalid("action outcome", e.to_string()))?;
        let mut batch = self.batch(
            spec,
            &step,
            lease,
            now_ms,
            submission.correlation_id.as_deref(),
        )?;
        batch.idempotency = Some(IdempotencyDone {
            game: submission.game.clone(),
            scope: submission.player.clone(),
            key: submission.idempotency_key.clone(),
            request_hash,
            response,
            attempt: None,
            now_ms,
            expires_at_ms: now_ms.saturating_add(ms(self.deps.config.replay_ttl_ms)),
        });
        if let (Some(stamp), Some(seq)) = (&submission.stamp, outcome.seq) {
            batch.spend = Some(super::seal::spend(submission, stamp, seq));
        }
        if outcome.accepted() {
            let payload = serde_json::json!({
                "match_id": outcome.match_id,
                "seq": outcome.seq,
                "action_id": outcome.action_id,
                "player": submission.player,
                "stamped": submission.stamp.is_some(),
                "at_ms": at_ms,
                "action": submission.kind,
                "effects": outcome.effects,
            });
            let event = OutboxEvent::from_emitted(
                &self.emitted(PLAYER_ACTIONS, "ActionResolved", payload),
                &self.meta(now_ms, submission.correlation_id.as_deref()),
            );
            // The action's event before the finish it caused.
            let at = batch
                .events
                .iter()
                .position(|e| e.event_type == "MatchFinished")
                .unwrap_or(batch.events.len());
            batch.events.insert(at, event);
        }
        Ok((outcome, step, batch))
    }

    /// Commits the ticks due by now (and the finish they cause), if any.
    pub(super) async fn catch_up(&mut self) -> Result<(), ArenaError> {
        let now = self.match_time_ms();
        if self.live.finished.is_some() || self.live.next_tick_ms > now {
            return Ok(());
        }
        let live = self.live.clone();
        let step = self
            .live
            .combat
            .blocking(move |_| live.step_ticks(now))
            .await?;
        if step.entries.is_empty() {
            return Ok(());
        }
        let now_ms = self.now_ms();
        let lease = self.lease(now_ms).await?;
        let batch = self.batch(&self.live, &step, &lease, now_ms, None)?;
        self.deps.store.commit(batch).await?;
        self.committed(step);
        Ok(())
    }

    /// A committed step goes live: to the match's feed, then into its state.
    /// The match's end is logged in the span of the step that ended it (the
    /// request of a finishing action, with its trace).
    pub(super) fn committed(&mut self, step: Step) {
        self.publish(&step);
        if let Some(result) = finish_of(&step) {
            let winner = result.placings.first().map(|p| p.player.as_str());
            tracing::info!(match_id = %self.live.record.match_id, winner, duration_ms = result.duration_ms,
                "match finished");
        }
        self.live.commit(step);
    }

    /// Sends a committed step's entries to the match's live feed (before
    /// `Live::commit` moves `next_seq` past them).
    fn publish(&self, step: &Step) {
        if self.deps.feed.receiver_count() == 0 {
            return;
        }
        for (i, (entry, effects)) in step.entries.iter().zip(&step.entry_effects).enumerate() {
            let at_ms = match entry {
                LogEntry::Action { action } => action.at_ms,
                LogEntry::Tick { at_ms } => *at_ms,
                LogEntry::Finish { result } => result.duration_ms,
            };
            let _ = self.deps.feed.send(Arc::new(FeedItem {
                match_id: self.live.record.match_id.clone(),
                seq: self.live.next_seq + i as i64,
                at_ms,
                entry: entry.clone(),
                effects: effects.clone(),
            }));
        }
    }

    /// The match's lease, renewed if due; an error if it is not held.
    pub(super) async fn lease(&mut self, now_ms: i64) -> Result<Lease, ArenaError> {
        match self.deps.lease.hold(&self.deps.store, now_ms).await? {
            Some(lease) => Ok(lease.clone()),
            None => Err(ArenaError::NotOwnedHere {
                match_id: self.live.record.match_id.clone(),
            }),
        }
    }

    /// The batch of `step`, taken on `live`: its log entries, the
    /// component's effects, the finish event, fenced by `lease`; its events
    /// carry `correlation_id`, the request's that caused the step, if one did.
    fn batch(
        &self,
        live: &Live,
        step: &Step,
        lease: &Lease,
        now_ms: i64,
        correlation_id: Option<&str>,
    ) -> Result<CommitBatch, ArenaError> {
        let record = &live.record;
        let mut batch = CommitBatch {
            fence: Some(lease.clone()),
            ..CommitBatch::default()
        };
        let meta = self.meta(now_ms, correlation_id);
        for effects in &step.component_effects {
            batch.add_effects(effects.clone(), &meta)?;
        }
        for (i, (entry, effects)) in step.entries.iter().zip(&step.entry_effects).enumerate() {
            batch.match_actions.push(log_row(
                record,
                live.next_seq + i as i64,
                entry,
                effects,
                now_ms,
            )?);
        }
        if let Some(result) = finish_of(step) {
            let payload = serde_json::json!({
                "match_id": record.match_id,
                "placings": result.placings,
                "duration_ms": result.duration_ms,
                "component": record.component,
                "version": record.version.to_string(),
            });
            batch.events.push(OutboxEvent::from_emitted(
                &self.emitted(MATCH_EVENTS, "MatchFinished", payload),
                &meta,
            ));
        }
        Ok(batch)
    }

    fn emitted(&self, topic: &str, event_type: &str, payload: serde_json::Value) -> EmittedEvent {
        EmittedEvent {
            topic: topic.into(),
            key: self.live.record.match_id.clone(),
            event_type: event_type.into(),
            payload,
        }
    }

    fn meta(&self, now_ms: i64, correlation_id: Option<&str>) -> EventMeta {
        EventMeta {
            game: self.live.record.game.clone(),
            correlation_id: correlation_id.map(str::to_owned),
            traceparent: None,
            created_at_ms: now_ms,
        }
    }

    /// The end: the match row's projection, then the lease back.
    async fn wrap_up(&mut self, result: &MatchResult) {
        let record = &self.live.record;
        let now_ms = self.now_ms();
        if let Err(e) = super::db::mark_finished(
            &self.deps.store,
            &record.game,
            &record.match_id,
            result,
            now_ms,
        )
        .await
        {
            tracing::warn!(match_id = %record.match_id, error = %e,
                "could not mark the match finished; its log says it is");
        }
        if let Err(e) = self.deps.lease.release(&self.deps.store).await {
            tracing::warn!(match_id = %record.match_id, error = %e, "could not release the match lease");
        }
    }

    pub(super) fn now_ms(&self) -> i64 {
        self.deps.clock.now_ms()
    }

    fn tick_ms(&self) -> i64 {
        ms(self.live.record.config.tick_ms).max(1)
    }

    /// Milliseconds since the match started, by the arena's clock.
    fn match_time_ms(&self) -> u64 {
        u64::try_from(self.now_ms().saturating_sub(self.live.record.started_at_ms)).unwrap_or(0)
    }

    /// When the next tick is due, Unix ms.
    fn tick_due_at(&self) -> i64 {
        self.live
            .record
            .started_at_ms
            .saturating_add(ms(self.live.next_tick_ms))
    }
}

/// The log row of `entry` at `seq`.
fn log_row(
    record: &MatchRecord,
    seq: i64,
    entry: &LogEntry,
    effects: &[Effect],
    now_ms: i64,
) -> Result<MatchActionRow, ArenaError> {
    let (player, action_id, at_ms) = match entry {
        LogEntry::Action { action } => (
            Some(action.actor.clone()),
            Some(action.id.clone()),
            action.at_ms,
        ),
        LogEntry::Tick { at_ms } => (None, None, *at_ms),
        LogEntry::Finish { result } => (None, None, result.duration_ms),
    };
    Ok(MatchActionRow {
        game: record.game.clone(),
        match_id: record.match_id.clone(),
        seq,
        kind: entry.kind().into(),
        player,
        action_id,
        at_ms: ms(at_ms),
        body: serde_json::to_string(entry)
            .map_err(|e| ArenaError::invalid("log entry", e.to_string()))?,
        effects: Some(
            serde_json::to_string(effects)
                .map_err(|e| ArenaError::invalid("log entry effects", e.to_string()))?,
        ),
        created_at_ms: now_ms,
    })
}

fn finish_of(step: &Step) -> Option<&MatchResult> {
    step.entries.iter().find_map(|e| match e {
        LogEntry::Finish { result } => Some(result),
        _ => None,
    })
}

/// Errors after which the actor's memory may differ from its log, or it may
/// no longer write: it stops.
pub(super) fn is_fatal(e: &ArenaError) -> bool {
    matches!(
        e,
        ArenaError::Store(_) | ArenaError::NotOwnedHere { .. } | ArenaError::Stopped { .. }
    )
}

/// Milliseconds as the store's i64.
fn ms(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}
