//! Runs sagas to a terminal state: each step, forward or backward, is one
//! batch holding the step's writes and the saga's move from the version
//! it read (`SagaStep`), so a step and its log row commit together or not
//! at all, and only one runner's step can follow a given version.
//!
//! - A forward step refused by what it calls (funds short, item gone, an
//!   injected refusal) turns the saga backward at once; one that fails
//!   transiently is retried with backoff and jitter through its target's
//!   breaker, [`SagaConfig::forward_attempts`] times, then turns it
//!   backward. Backward steps (compensations) are retried until they apply.
//! - A step whose outcome is unknown (its commit timed out or failed with
//!   the connection) is "possibly done": the runner reads the saga back and
//!   goes on from what the log says, never from a guess.
//! - The host whose run ends a saga counts its duration, start to end, in
//!   `saga_duration_seconds` ([`crate::metrics`]).
//! - Where nothing is injected, a run first queues every remaining forward
//!   step at once, chained ([`ahead`]): one commit to wait for, not one a
//!   step; what did not apply then goes step by step as above.
//! - A saga belongs to one host at a time (`owner` until `lease_until_ms`,
//!   renewed by every step). [`Sagas::recover`] claims the running sagas
//!   whose owner's lease ran out (a host that died), bumping their version,
//!   so a late step of the old owner cannot apply.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use serde_json::json;
use tokio::sync::watch;

use super::faults::Fault;
use super::plan::Step;
use super::record::{self, Phase, SagaRecord, Status};
use super::resilience::{BreakerView, Resilience, Target};
use super::steps::{self, StepWrites};
use super::{COMPENSATING, FAILED, SagaConfig};
use crate::economy::wallet;
use crate::store::economy_ops::{EconomyConflict, EconomyOp, SagaPosition, SagaRow, SagaStep};
use crate::store::{CommitBatch, EventMeta, Notice, OutboxEvent, Store, StoreError};

mod ahead;

/// The sagas of this host. Cheap to clone.
#[derive(Clone)]
pub struct Sagas {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    host_id: String,
    config: SagaConfig,
    resilience: Resilience,
    /// `game/saga` of the sagas a task of this host runs now.
    running: Mutex<HashSet<String>>,
}

/// A saga's record as it moves (`None` until first read).
pub type SagaWatch = watch::Receiver<Option<SagaRecord>>;

/// How a step attempt ended.
enum Attempt {
    /// Applied: the saga is at this position, one version on.
    Applied(SagaPosition),
    /// The saga moved past the version the attempt read (another runner, or
    /// this attempt's own commit whose acknowledgement was lost).
    Moved,
    /// What the step calls refused it, for good.
    Refused(String),
    /// It failed and may be retried; wait at least this long.
    Transient(String, Duration),
    /// A wallet it read moved before the write (optimistic locking): read
    /// again and retry at once, without using up an attempt.
    Stale,
}

/// Stale reads in a row after which a step counts a failed attempt.
const MAX_STALE: u32 = 32;

impl Sagas {
    pub fn new(store: Store, host_id: &str, config: SagaConfig) -> Self {
        let resilience = Resilience::new(&config);
        Self {
            inner: Arc::new(Inner {
                store,
                host_id: host_id.to_owned(),
                config,
                resilience,
                running: Mutex::new(HashSet::new()),
            }),
        }
    }

    pub fn config(&self) -> &SagaConfig {
        &self.inner.config
    }

    pub fn host_id(&self) -> &str {
        &self.inner.host_id
    }

    /// The lease a step or a start takes: until `lease_ms` from now.
    pub fn lease_until(&self) -> i64 {
        crate::store::now_ms().saturating_add(self.inner.config.lease_ms as i64)
    }

    /// The row of a new saga owned by this host, its plan as JSON.
    pub fn row(
        &self,
        game: &str,
        saga_id: &str,
        kind: &str,
        plan: &super::plan::Plan,
        parties: (&str, &str),
    ) -> Result<SagaRow, StoreError> {
        plan.check()
            .map_err(|why| StoreError::invalid("saga plan", why))?;
        Ok(SagaRow {
            game: game.into(),
            saga_id: saga_id.into(),
            kind: kind.into(),
            label: super::INITIATED.into(),
            plan: serde_json::to_string(plan)
                .map_err(|e| StoreError::invalid("saga plan", e.to_string()))?,
            initiator: parties.0.into(),
            counterparty: parties.1.into(),
            owner: self.inner.host_id.clone(),
            lease_until_ms: self.lease_until(),
        })
    }

    /// Commits `batch` (which must hold `row`'s `SagaStart` and whatever the
    /// start writes with it, e.g. an idempotency record), then runs the saga
    /// in a task of its own.
    pub async fn begin(&self, batch: CommitBatch) -> Result<SagaWatch, StoreError> {
        let Some(EconomyOp::SagaStart(row)) = batch
            .ops
            .iter()
            .find(|op| matches!(op, EconomyOp::SagaStart(_)))
            .cloned()
        else {
            return Err(StoreError::invalid(
                "saga start",
                "the batch starts no saga",
            ));
        };
        self.inner.store.commit(batch).await?;
        Ok(self.spawn(&row.game, &row.saga_id))
    }

    /// Runs saga `saga_id` in a task unless this host runs it already (then
    /// the watch sees nothing new).
    pub fn spawn(&self, game: &str, saga_id: &str) -> SagaWatch {
        let (tx, rx) = watch::channel(None);
        let key = format!("{game}/{saga_id}");
        if !self.inner.running.lock().insert(key.clone()) {
            return rx;
        }
        let this = self.clone();
        let (game, saga_id) = (game.to_owned(), saga_id.to_owned());
        tokio::spawn(async move {
            this.run(&game, &saga_id, &tx).await;
            this.inner.running.lock().remove(&key);
        });
        rx
    }

    /// Claims and resumes up to `limit` running sagas whose owner's lease
    /// ran out; how many it resumed.
    pub async fn recover(&self, limit: u32) -> Result<usize, StoreError> {
        let now = crate::store::now_ms();
        let mut resumed = 0;
        for (game, saga_id) in record::orphaned(&self.inner.store, now, limit).await? {
            if self
                .inner
                .running
                .lock()
                .contains(&format!("{game}/{saga_id}"))
            {
                continue;
            }
            let Some(saga) = record::get(&self.inner.store, &game, &saga_id).await? else {
                continue;
            };
            if saga.is_terminal() || saga.lease_until_ms >= now {
                continue;
            }
            let mut to = position(&saga);
            to.owner = self.inner.host_id.clone();
            to.lease_until_ms = self.lease_until();
            let claim = SagaStep {
                game: game.clone(),
                saga_id: saga_id.clone(),
                version: saga.version,
                to,
                step: "claim".into(),
                phase: "claim".into(),
                outcome: "claimed".into(),
                error: Some(format!("resumed from {}", saga.owner)),
            };
            let batch = CommitBatch {
                ops: vec![EconomyOp::SagaStep(claim)],
                ..CommitBatch::default()
            };
            match self.inner.store.commit(batch).await {
                Ok(_) => {
                    tracing::info!(%game, %saga_id, from = %saga.owner, "resuming a saga");
                    self.spawn(&game, &saga_id);
                    resumed += 1;
                }
                Err(e) if e.is_conflict() => {} // another host claimed it first
                Err(e) => return Err(e),
            }
        }
        Ok(resumed)
    }

    /// The saga `watch` follows once it ended, or as it stands after
    /// `answer_wait_ms` (`None` if it was never read).
    pub async fn settle(&self, mut watch: SagaWatch) -> Option<SagaRecord> {
        let wait = Duration::from_millis(self.inner.config.answer_wait_ms);
        let ended = tokio::time::timeout(wait, async {
            loop {
                if let Some(saga) = watch.borrow_and_update().clone()
                    && saga.is_terminal()
                {
                    return Some(saga);
                }
                if watch.changed().await.is_err() {
                    return watch.borrow().clone();
                }
            }
        })
        .await;
        match ended {
            Ok(saga) => saga,
            Err(_) => watch.borrow().clone(),
        }
    }

    pub fn breakers(&self) -> Vec<BreakerView> {
        self.inner.resilience.views()
    }

    /// Drives the saga until it ends, or another host owns it, or the store
    /// closes.
    async fn run(&self, game: &str, saga_id: &str, tx: &watch::Sender<Option<SagaRecord>>) {
        let mut saga = match self.read(game, saga_id).await {
            Some(saga) => saga,
            None => return,
        };
        let ended_before = saga.is_terminal();
        // The forward steps ahead, again at once while a wallet moved under
        // them, then whatever is left step by step.
        let mut ahead = MAX_STALE;
        loop {
            tx.send_replace(Some(saga.clone()));
            if saga.is_terminal() || saga.owner != self.inner.host_id {
                // This host's run ended it (the move that did may have been
                // read back, after a lost acknowledgement).
                if saga.is_terminal() && !ended_before && saga.owner == self.inner.host_id {
                    observe_end(&saga);
                }
                return;
            }
            if saga.phase == Phase::Forward && self.inner.config.faults.stalls(&step_name(&saga)) {
                tracing::warn!(saga_id = %saga.saga_id, step = %step_name(&saga),
                    "the saga's run stalls here (injected)");
                return;
            }
            if ahead > 0 && self.runs_ahead(&saga) {
                let left = saga.plan.steps.len() - saga.cursor;
                let (applied, stale) = self.advance_ahead(&saga).await;
                ahead = if stale { ahead - 1 } else { 0 };
                let all = applied.len() == left;
                for to in applied {
                    apply(&mut saga, to);
                }
                if !all {
                    // The rest from the saga as stored (an answer that did
                    // not come may hide steps that applied).
                    match self.read(game, saga_id).await {
                        Some(read) => saga = read,
                        None => return,
                    }
                }
                continue;
            }
            match self.advance(&saga).await {
                Some(to) => apply(&mut saga, to),
                None => match self.read(game, saga_id).await {
                    Some(read) => saga = read,
                    None => return,
                },
            }
        }
    }

    /// Reads the saga, retrying a failing store with backoff; `None` if it
    /// is gone or the store closed.
    async fn read(&self, game: &str, saga_id: &str) -> Option<SagaRecord> {
        let mut failed = 0;
        loop {
            match record::get(&self.inner.store, game, saga_id).await {
                Ok(found) => return found,
                Err(StoreError::Closed) => return None,
                Err(e) => {
                    failed += 1;
                    tracing::warn!(%game, %saga_id, error = %e, "reading a saga failed");
                    tokio::time::sleep(self.inner.resilience.pause(failed, Duration::ZERO)).await;
                }
            }
        }
    }

    /// One move of the saga: the next step forward or backward, or the turn
    /// backward. `Some(position)` once applied; `None` when the saga must be
    /// read again (it moved, or the outcome is unknown).
    async fn advance(&self, saga: &SagaRecord) -> Option<SagaPosition> {
        let steps = &saga.plan.steps;
        match saga.phase {
            Phase::Forward if saga.cursor < steps.len() => {
                let (mut failed, mut stale) = (0, 0);
                loop {
                    let attempt = match self.attempt(saga, true, failed + 1).await {
                        Attempt::Stale if stale < MAX_STALE => {
                            stale += 1;
                            continue;
                        }
                        Attempt::Stale => {
                            stale = 0;
                            Attempt::Transient("the wallet kept changing".into(), Duration::ZERO)
                        }
                        other => other,
                    };
                    match attempt {
                        Attempt::Applied(to) => return Some(to),
                        Attempt::Moved => return None,
                        Attempt::Refused(why) => return self.turn_back(saga, why).await,
                        Attempt::Stale => {}
                        Attempt::Transient(why, floor) => {
                            failed += 1;
                            if failed >= self.inner.resilience.attempts() {
                                let why =
                                    format!("{} failed {failed} times: {why}", step_name(saga));
                                return self.turn_back(saga, why).await;
                            }
                            self.retry_after(saga, failed, floor).await;
                        }
                    }
                }
            }
            Phase::Backward if saga.cursor > 0 && saga.cursor <= steps.len() => {
                let mut failed = 0;
                loop {
                    match self.attempt(saga, false, failed + 1).await {
                        Attempt::Applied(to) => return Some(to),
                        Attempt::Moved => return None,
                        Attempt::Stale => {}
                        Attempt::Refused(why) | Attempt::Transient(why, _) => {
                            // A compensation must apply: it waits, however long.
                            failed += 1;
                            tracing::warn!(saga_id = %saga.saga_id, error = %why,
                                "a compensation failed; retrying");
                            self.retry_after(saga, failed, Duration::ZERO).await;
                        }
                    }
                }
            }
            // A running saga past its last step or before its first undo:
            // only a broken row looks like this; end it as it stands.
            _ => {
                let why = "the saga's position is past its plan".to_owned();
                self.finish_broken(saga, why).await
            }
        }
    }

    async fn retry_after(&self, saga: &SagaRecord, failed: u32, floor: Duration) {
        let target = current_target(saga);
        self.inner.resilience.retried(target);
        tokio::time::sleep(self.inner.resilience.pause(failed, floor)).await;
    }

    /// One attempt at the saga's next step (`forward`) or next undo.
    async fn attempt(&self, saga: &SagaRecord, forward: bool, attempt: u32) -> Attempt {
        let config = &self.inner.config;
        let (index, step) = if forward {
            (saga.cursor, &saga.plan.steps[saga.cursor])
        } else {
            (saga.cursor - 1, &saga.plan.steps[saga.cursor - 1])
        };
        let target = step.target();
        let breaker = self.inner.resilience.breaker(target);
        let permit = match breaker.admit(Instant::now()) {
            Ok(permit) => permit,
            Err(wait) => {
                let why = format!("the {} breaker is open", target.as_str());
                return Attempt::Transient(why, wait);
            }
        };
        if config.faults.step_delay_ms > 0 {
            tokio::time::sleep(Duration::from_millis(config.faults.step_delay_ms)).await;
        }
        let refusable = forward && !matches!(step, Step::Settle(_));
        let fault = config
            .faults
            .draw(&saga.saga_id, &step.name(), attempt, refusable);
        match fault {
            Fault::FailBefore => {
                breaker.record(permit, Instant::now(), Some("injected failure"));
                return Attempt::Transient("injected failure".into(), Duration::ZERO);
            }
            Fault::Refuse => {
                breaker.record(permit, Instant::now(), None);
                return Attempt::Refused(format!("{} refused (injected)", target.as_str()));
            }
            Fault::None | Fault::LostAck => {}
        }
        let (writes, to, log) = if forward {
            let version = match self.hold_version(saga, step).await {
                Ok(version) => version,
                Err(attempt) => {
                    breaker.record(permit, Instant::now(), None);
                    return attempt;
                }
            };
            let writes = steps::forward(&saga.game, &saga.saga_id, &saga.plan, index, version);
            (
                writes,
                self.forward_to(saga, index),
                (Phase::Forward, "done"),
            )
        } else {
            let writes = steps::backward(&saga.game, &saga.saga_id, &saga.plan, index);
            let done = index == 0;
            let to = SagaPosition {
                status: if done {
                    Status::Failed
                } else {
                    Status::Running
                }
                .as_str()
                .into(),
                cursor: index as i64,
                label: if done { FAILED } else { COMPENSATING }.into(),
                ..self.moved(saga)
            };
            (writes, to, (Phase::Backward, "undone"))
        };
        let batch = self.step_batch(saga, &step.name(), log, None, to.clone(), writes);
        let committed = tokio::time::timeout(
            Duration::from_millis(config.step_timeout_ms),
            self.inner.store.commit(batch),
        )
        .await;
        let outcome = match committed {
            Ok(Ok(_)) if fault == Fault::LostAck => Err("acknowledgement lost (injected)".into()),
            Ok(Ok(_)) => Ok(()),
            Ok(Err(StoreError::Economy(EconomyConflict::SagaMoved { .. }))) => {
                breaker.record(permit, Instant::now(), None);
                return Attempt::Moved;
            }
            Ok(Err(StoreError::Economy(EconomyConflict::WalletMoved { .. }))) => {
                // Optimistic locking: the wallet moved between read and write.
                breaker.record(permit, Instant::now(), None);
                self.inner.resilience.retried(Target::Wallet);
                return Attempt::Stale;
            }
            Ok(Err(e)) if e.is_conflict() => {
                breaker.record(permit, Instant::now(), None);
                return Attempt::Refused(e.to_string());
            }
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err(format!("no answer within {} ms", config.step_timeout_ms)),
        };
        match outcome {
            Ok(()) => {
                breaker.record(permit, Instant::now(), None);
                Attempt::Applied(to)
            }
            Err(why) => {
                breaker.record(permit, Instant::now(), Some("store"));
                // Possibly done: the log says whether it was.
                match record::get(&self.inner.store, &saga.game, &saga.saga_id).await {
                    Ok(Some(now)) if now.version > saga.version => Attempt::Moved,
                    _ => Attempt::Transient(why, Duration::ZERO),
                }
            }
        }
    }

    /// The wallet version a `ReserveFunds` step's hold names (0 for any
    /// other step), or why the hold cannot be taken.
    async fn hold_version(&self, saga: &SagaRecord, step: &Step) -> Result<i64, Attempt> {
        match step {
            Step::ReserveFunds {
                player,
                currency,
                amount,
            } => self.funds(saga, player, currency, *amount).await,
            _ => Ok(0),
        }
    }

    /// Where forward step `index` moves `saga`: on, or `COMPLETED` after
    /// the last.
    fn forward_to(&self, saga: &SagaRecord, index: usize) -> SagaPosition {
        let last = index + 1 == saga.plan.steps.len();
        SagaPosition {
            status: if last {
                Status::Completed
            } else {
                Status::Running
            }
            .as_str()
            .into(),
            cursor: (index + 1) as i64,
            label: saga.plan.steps[index].label_after(),
            ..self.moved(saga)
        }
    }

    /// The wallet version a hold of `amount` names, or why it cannot be taken.
    async fn funds(
        &self,
        saga: &SagaRecord,
        player: &str,
        currency: &str,
        amount: i64,
    ) -> Result<i64, Attempt> {
        match wallet::balance(&self.inner.store, &saga.game, player, currency).await {
            Ok(b) if b.available >= amount => Ok(b.version),
            Ok(b) => Err(Attempt::Refused(format!(
                "insufficient funds: {player} has {} {currency} available, needs {amount}",
                b.available
            ))),
            Err(e) => Err(Attempt::Transient(e.to_string(), Duration::ZERO)),
        }
    }

    /// Turns the saga backward after forward step `cursor` failed for
    /// `why` (straight to `FAILED` if nothing is done yet).
    async fn turn_back(&self, saga: &SagaRecord, why: String) -> Option<SagaPosition> {
        let to = self.backward_from(saga, &why);
        let step = step_name(saga);
        self.settle_move(saga, &step, (Phase::Forward, "failed"), Some(why), to)
            .await
    }

    /// Where a saga going forward goes when it turns back for `why`, owned
    /// by this host.
    fn backward_from(&self, saga: &SagaRecord, why: &str) -> SagaPosition {
        let nothing_done = saga.cursor == 0;
        SagaPosition {
            status: if nothing_done {
                Status::Failed
            } else {
                Status::Running
            }
            .as_str()
            .into(),
            phase: Phase::Backward.as_str().into(),
            cursor: saga.cursor as i64,
            label: if nothing_done { FAILED } else { COMPENSATING }.into(),
            failure: Some(why.to_owned()),
            ..self.moved(saga)
        }
    }

    /// Turns saga `saga_id` back for `why` from outside its run, whoever
    /// owns it (a live owner's next step then finds it moved, and the
    /// undoing is this host's): its done steps are undone in reverse, to
    /// `FAILED`. `Ok(true)` once it turned (or had turned, or ended);
    /// `Ok(false)` if it moved meanwhile (read it again to decide).
    pub async fn abort(&self, game: &str, saga_id: &str, why: &str) -> Result<bool, StoreError> {
        let Some(saga) = record::get(&self.inner.store, game, saga_id).await? else {
            return Ok(false);
        };
        if saga.is_terminal() || saga.phase == Phase::Backward {
            return Ok(true);
        }
        let to = self.backward_from(&saga, why);
        let step = step_name(&saga);
        let log = (Phase::Forward, "aborted");
        let batch = self.step_batch(
            &saga,
            &step,
            log,
            Some(why.to_owned()),
            to,
            StepWrites::default(),
        );
        match self.inner.store.commit(batch).await {
            Ok(_) => {
                tracing::info!(%game, %saga_id, from = %saga.owner, reason = %why, "saga turned back");
                self.spawn(game, saga_id);
                Ok(true)
            }
            Err(e) if e.is_conflict() => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Ends a saga whose row cannot be run, as failed.
    async fn finish_broken(&self, saga: &SagaRecord, why: String) -> Option<SagaPosition> {
        tracing::error!(saga_id = %saga.saga_id, error = %why, "a saga cannot run");
        let to = SagaPosition {
            status: Status::Failed.as_str().into(),
            label: FAILED.into(),
            failure: Some(why.clone()),
            ..self.moved(saga)
        };
        self.settle_move(saga, "end", (saga.phase, "failed"), Some(why), to)
            .await
    }

    /// Commits a move that writes nothing but the saga's own row and log
    /// (and its notices and events), retrying until it applies.
    async fn settle_move(
        &self,
        saga: &SagaRecord,
        step: &str,
        log: (Phase, &str),
        error: Option<String>,
        to: SagaPosition,
    ) -> Option<SagaPosition> {
        let mut failed = 0;
        loop {
            let writes = StepWrites::default();
            let batch = self.step_batch(saga, step, log, error.clone(), to.clone(), writes);
            match self.inner.store.commit(batch).await {
                Ok(_) => return Some(to),
                Err(e) if e.is_conflict() => return None,
                Err(StoreError::Closed) => return None,
                Err(e) => {
                    failed += 1;
                    tracing::warn!(saga_id = %saga.saga_id, error = %e, "a saga move failed");
                    if let Ok(Some(now)) =
                        record::get(&self.inner.store, &saga.game, &saga.saga_id).await
                        && now.version > saga.version
                    {
                        return None;
                    }
                    tokio::time::sleep(self.inner.resilience.pause(failed, Duration::ZERO)).await;
                }
            }
        }
    }

    /// The saga's position as it stands, owned by this host for another
    /// lease.
    fn moved(&self, saga: &SagaRecord) -> SagaPosition {
        SagaPosition {
            owner: self.inner.host_id.clone(),
            lease_until_ms: self.lease_until(),
            ..position(saga)
        }
    }

    /// One step's batch: the saga's move first (nothing else applies if
    /// the saga moved), the step's writes, its events, and a notice to the
    /// players it concerns.
    fn step_batch(
        &self,
        saga: &SagaRecord,
        step: &str,
        (phase, outcome): (Phase, &str),
        error: Option<String>,
        to: SagaPosition,
        writes: StepWrites,
    ) -> CommitBatch {
        let meta = EventMeta {
            game: saga.game.clone(),
            correlation_id: saga.plan.correlation_id.clone(),
            traceparent: None,
            created_at_ms: crate::store::now_ms(),
        };
        let mut events: Vec<OutboxEvent> = writes
            .events
            .iter()
            .map(|e| OutboxEvent::from_emitted(e, &meta))
            .collect();
        let ended = to.status != Status::Running.as_str();
        let words = super::kinds::vocabulary(&saga.kind);
        if ended {
            let event_type = if to.status == Status::Completed.as_str() {
                words.completed
            } else {
                words.failed
            };
            let emitted = crate::runtime::EmittedEvent {
                topic: crate::economy::rewards::ECONOMY_EVENTS.into(),
                key: saga.initiator.clone(),
                event_type: event_type.into(),
                payload: json!({ "saga_id": saga.saga_id, "kind": saga.kind,
                                 "failure": to.failure, "terms": saga.plan.terms }),
            };
            events.push(OutboxEvent::from_emitted(&emitted, &meta));
        }
        let body = json!({ words.id_field: saga.saga_id, "kind": saga.kind, "state": to.label,
                           "status": to.status, "step": step, "failure": to.failure })
        .to_string();
        let mut notices = vec![Notice {
            game: saga.game.clone(),
            player: saga.initiator.clone(),
            kind: words.notice.into(),
            body: body.clone(),
        }];
        if ended && saga.counterparty != saga.initiator {
            notices.push(Notice {
                game: saga.game.clone(),
                player: saga.counterparty.clone(),
                kind: words.notice.into(),
                body,
            });
        }
        let mut ops = vec![EconomyOp::SagaStep(SagaStep {
            game: saga.game.clone(),
            saga_id: saga.saga_id.clone(),
            version: saga.version,
            to,
            step: step.into(),
            phase: phase.as_str().into(),
            outcome: outcome.into(),
            error,
        })];
        ops.extend(writes.ops);
        let mut batch = CommitBatch {
            events,
            ops,
            ..CommitBatch::default()
        };
        batch.economy.notices = notices;
        batch
    }
}

/// Counts a saga's time from its start to its end into
/// `saga_duration_seconds`.
fn observe_end(saga: &SagaRecord) {
    let elapsed_ms = crate::store::now_ms()
        .saturating_sub(saga.created_at_ms)
        .max(0);
    crate::metrics::global()
        .sagas
        .with(&[&saga.kind, saga.status.as_str()])
        .observe(elapsed_ms as f64 / 1_000.0);
}

/// The saga's columns as they stand.
fn position(saga: &SagaRecord) -> SagaPosition {
    SagaPosition {
        status: saga.status.as_str().into(),
        phase: saga.phase.as_str().into(),
        cursor: saga.cursor as i64,
        label: saga.label.clone(),
        failure: saga.failure.clone(),
        owner: saga.owner.clone(),
        lease_until_ms: saga.lease_until_ms,
    }
}

/// `saga` after a move to `to` applied.
fn apply(saga: &mut SagaRecord, to: SagaPosition) {
    saga.version += 1;
    saga.status = record::Status::parse(&to.status).unwrap_or(Status::Running);
    saga.phase = Phase::parse(&to.phase).unwrap_or(saga.phase);
    saga.cursor = usize::try_from(to.cursor).unwrap_or(saga.cursor);
    saga.label = to.label;
    saga.failure = to.failure;
    saga.owner = to.owner;
    saga.lease_until_ms = to.lease_until_ms;
    saga.updated_at_ms = crate::store::now_ms();
}

/// The step the saga is at (forward) or undoing next (backward).
fn current_step(saga: &SagaRecord) -> Option<&Step> {
    let index = match saga.phase {
        Phase::Forward => saga.cursor,
        Phase::Backward => saga.cursor.checked_sub(1)?,
    };
    saga.plan.steps.get(index)
}

fn step_name(saga: &SagaRecord) -> String {
    current_step(saga).map_or_else(|| "end".into(), Step::name)
}

fn current_target(saga: &SagaRecord) -> Target {
    current_step(saga).map_or(Target::Wallet, Step::target)
}
