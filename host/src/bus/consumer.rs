//! The idempotent consumer runner: applies each event of a group's
//! partitions once, in order, and never stops on a bad one.
//!
//! Keeps DESIGN.md invariant 5 on the consumer's side. For each record, in
//! offset order per partition:
//! 1. the reader's [`Schemas`] check it; a refused one (malformed envelope or
//!    payload, unknown type, newer schema version, oversized payload, or a
//!    record the bus could not read, [`Record::unreadable`]) goes to the DLQ
//!    with the reason, 0 attempts;
//! 2. an event the group already processed is skipped;
//! 3. the [`Handler`] turns it into a [`CommitBatch`]; the runner adds the
//!    processed-event record and commits both in one store commit, so a
//!    redelivered or replayed event changes nothing;
//! 4. a handler failure is retried up to `dlq_after_attempts` attempts in
//!    all, sleeping with exponential backoff and full jitter in between
//!    ([`super::retry`]); then the event goes to the DLQ with the last
//!    error, the attempt count and its topic, partition and offset;
//!    retries and dead letters are counted in `retry_count_total`
//!    (`consumer:<group>`) and `dlq_message_count_total` ([`crate::metrics`]);
//! 5. the group's offset moves past it, from where the round read, unless
//!    it was moved meanwhile (an operator's reset): then the reset stands
//!    and the next round reads from there ([`Bus::advance_offset`]).
//!
//! A store failure (the database, not the event) stops the round with an
//! error and leaves the offset where it was: the next round reads the event
//! again. Bounds: `consumer_max_batch` records per partition per round.
//!
//! Each record is handled in a `consume` span ([`Consumer::consume_span`]),
//! the child of the `traceparent` its envelope carries, so a trace goes on
//! from the producer across the bus (the Kafka header, the embedded log's
//! column); its log lines carry the event's ids ([`crate::telemetry`]).
//!
//! With several processes ([`Consumer::owned_by`]), a runner reads only the
//! partitions its [`Ownership`] holds, and each partition under its lease:
//! the handler's commit carries the lease as its fence, so a runner that
//! lost the partition (paused, slow) cannot commit into it
//! ([`StoreError::LeaseLost`] ends the partition's round, with no dead
//! letter and no offset moved); its offset and dead letters, which are not
//! fenced, are written only while the lease is
//! [`OwnershipOptions::usable`]. Without it, one runner owns everything.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use tracing::Instrument as _;

mod batch;

use super::envelope::{Envelope, Schemas};
use super::error::BusError;
use super::ownership::{Owned, Ownership, OwnershipOptions, Unit};
use super::retry::{Backoff, Jitter, Sleeper, random_jitter, tokio_sleeper};
use super::{Bus, NewDeadLetter, Position, Record};
use crate::config::BusConfig;
use crate::metrics::registry::Counter;
use crate::store::{CommitBatch, Lease, ProcessedEvent, Store, StoreError};
use crate::telemetry::traceparent;

/// An event a handler is given: the record, and its checked payload.
#[derive(Debug, Clone)]
pub struct Event {
    pub position: Position,
    pub envelope: Envelope,
    pub payload: serde_json::Value,
}

/// Why a handler could not apply an event (the DLQ keeps the text).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct HandlerError(pub String);

/// What a consumer group does with an event: decide its write, not commit
/// it. It may read the store; it must not write outside the batch it
/// returns, or a retried event could take effect twice.
#[async_trait]
pub trait Handler: Send + Sync {
    async fn handle(&self, event: &Event) -> Result<CommitBatch, HandlerError>;

    /// True if the handler never reads what its group's earlier events
    /// wrote (its batches may be decided before those commit): the runner
    /// then decides a whole fetch first and commits it in order in shared
    /// groups, with one offset move (`consumer/batch.rs`). False (the default): one
    /// event at a time, each committed before the next is handled.
    fn batchable(&self) -> bool {
        false
    }
}

/// What one round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    /// Records read.
    pub read: usize,
    /// Events applied (their batch committed).
    pub applied: usize,
    /// Events skipped: the group had processed them already.
    pub skipped: usize,
    /// Events sent to the DLQ.
    pub dead: usize,
}

impl std::ops::AddAssign for Progress {
    /// Sums rounds.
    fn add_assign(&mut self, round: Self) {
        self.read += round.read;
        self.applied += round.applied;
        self.skipped += round.skipped;
        self.dead += round.dead;
    }
}

/// Which partitions a runner reads.
enum Claim {
    /// Every partition, unfenced: the only process of its group.
    Everything,
    /// What `owned` shows; `ownership` is here until [`Consumer::run`]
    /// moves it to a task of its own, and ticks between rounds until then.
    Owned {
        ownership: Option<Box<Ownership>>,
        owned: tokio::sync::watch::Receiver<Owned>,
        options: OwnershipOptions,
    },
}

/// How a record's processing ended.
enum Step {
    /// Applied, skipped or dead-lettered: the offset may move past it.
    Done,
    /// The partition's lease is gone: stop reading it, leave its offset.
    Lost,
}

/// One consumer group's runner over some topics, all their partitions (or
/// the share its process owns).
pub struct Consumer {
    bus: Arc<dyn Bus>,
    store: Store,
    game: String,
    group: String,
    topics: Vec<String>,
    schemas: Schemas,
    handler: Arc<dyn Handler>,
    backoff: Backoff,
    max_batch: u32,
    poll: Duration,
    sleep: Sleeper,
    jitter: Jitter,
    clock: Arc<dyn Fn() -> i64 + Send + Sync>,
    claim: Claim,
    /// `retry_count_total{target="consumer:<group>"}`.
    retries: Arc<Counter>,
    /// The name of its `consume` spans: `<group> consume`.
    span_name: String,
}

impl Consumer {
    /// A runner of `group` of `game` over `topics`, with tokio's sleep, random
    /// jitter and the wall clock.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        bus: Arc<dyn Bus>,
        store: Store,
        game: &str,
        group: &str,
        topics: &[&str],
        schemas: Schemas,
        handler: Arc<dyn Handler>,
        config: &BusConfig,
    ) -> Self {
        let metrics = crate::metrics::global();
        // The group's series exist from its start, at 0.
        for topic in topics {
            metrics.dead_letters.with(&[topic, group]);
        }
        let retries = metrics
            .retries
            .with(&[&crate::metrics::Metrics::consumer_target(group)]);
        Self {
            bus,
            store,
            game: game.to_owned(),
            group: group.to_owned(),
            topics: topics.iter().map(|t| (*t).to_owned()).collect(),
            schemas,
            handler,
            backoff: Backoff::from_config(config),
            max_batch: config.consumer_max_batch.max(1),
            poll: Duration::from_millis(config.consumer_poll_ms),
            sleep: tokio_sleeper(),
            jitter: random_jitter(),
            clock: Arc::new(super::relay::now_ms),
            claim: Claim::Everything,
            retries,
            span_name: format!("{group} consume"),
        }
    }

    /// The span `record` is handled in: the group's, the record's place and
    /// the event's ids, continued from the event's `traceparent`.
    pub(super) fn consume_span(&self, record: &Record) -> tracing::Span {
        let envelope = &record.envelope;
        let span = tracing::info_span!(
            "consume",
            otel.name = self.span_name.as_str(),
            otel.kind = "consumer",
            messaging.consumer.group.name = %self.group,
            messaging.destination.name = %record.position.topic,
            partition = record.position.partition,
            offset = record.position.offset,
            event_id = %envelope.event_id,
            event_type = %envelope.event_type,
            correlation_id = envelope.correlation_id.as_deref(),
        );
        traceparent::continue_from(&span, envelope.traceparent.as_deref());
        span
    }

    /// Shares the group's partitions with the other processes that run it:
    /// this runner, as member `owner`, reads only those it holds a lease on
    /// (see [`super::ownership`]). `owner` must be unique per process.
    pub fn owned_by(mut self, owner: &str, options: OwnershipOptions) -> Self {
        let ownership = Ownership::new(
            self.store.clone(),
            &self.game,
            &self.group,
            owner,
            self.units(),
            options,
        );
        self.claim = Claim::Owned {
            owned: ownership.watch(),
            ownership: Some(Box::new(ownership)),
            options,
        };
        self
    }

    /// Every partition of every topic of the runner.
    fn units(&self) -> Vec<Unit> {
        let partitions = i32::try_from(self.bus.partitions()).unwrap_or(i32::MAX);
        self.topics
            .iter()
            .flat_map(|topic| {
                (0..partitions).map(|partition| Unit {
                    topic: topic.clone(),
                    partition,
                })
            })
            .collect()
    }

    /// Whether the runner may read `unit`: `Some(fence)` if so, with the
    /// lease its commits carry (none when it owns everything).
    fn claim_of(&self, unit: &Unit) -> Option<Option<Lease>> {
        match &self.claim {
            Claim::Everything => Some(None),
            Claim::Owned { owned, .. } => owned.borrow().get(unit).cloned().map(Some),
        }
    }

    /// Whether the runner still holds `unit` in the tenure of `fence` with
    /// time to spare: the check before an unfenced write.
    fn still_holds(&self, unit: &Unit, fence: Option<&Lease>) -> bool {
        match (&self.claim, fence) {
            (Claim::Everything, _) => true,
            (Claim::Owned { owned, options, .. }, Some(fence)) => owned
                .borrow()
                .get(unit)
                .is_some_and(|now| now.fence == fence.fence && options.usable(now, (self.clock)())),
            (Claim::Owned { .. }, None) => false,
        }
    }

    /// Replaces how the runner sleeps between attempts (tests record).
    pub fn with_sleeper(mut self, sleep: Sleeper) -> Self {
        self.sleep = sleep;
        self
    }

    /// Replaces the jitter draw (tests make it predictable).
    pub fn with_jitter(mut self, jitter: Jitter) -> Self {
        self.jitter = jitter;
        self
    }

    /// Replaces the clock (Unix milliseconds).
    pub fn with_clock(mut self, clock: Arc<dyn Fn() -> i64 + Send + Sync>) -> Self {
        self.clock = clock;
        self
    }

    /// One round over every partition of every topic it may read: reads up
    /// to `consumer_max_batch` records of each and processes them in order.
    pub async fn run_once(&mut self) -> Result<Progress, BusError> {
        if let Claim::Owned {
            ownership: Some(ownership),
            ..
        } = &mut self.claim
        {
            ownership.tick_if_due((self.clock)()).await?;
        }
        let mut progress = Progress::default();
        for unit in self.units() {
            let Some(fence) = self.claim_of(&unit) else {
                continue;
            };
            // Where this round reads from: each record's offset move must
            // start there (offsets may skip, e.g. past a broker's retention).
            let mut from = Position {
                topic: unit.topic.clone(),
                partition: unit.partition,
                offset: self
                    .bus
                    .next_offset(&self.game, &self.group, &unit.topic, unit.partition)
                    .await?,
            };
            let records = self
                .bus
                .fetch(
                    &self.game,
                    &self.group,
                    &unit.topic,
                    unit.partition,
                    self.max_batch,
                )
                .await?;
            let mut rest = records.as_slice();
            // A batchable run's failed attempt at a record (its offset).
            let mut failed: Option<(i64, String)> = None;
            while let Some((record, after)) = rest.split_first() {
                if !self.still_holds(&unit, fence.as_ref()) {
                    break;
                }
                let offset = record.position.offset;
                let mut failed_first = failed.take().filter(|(o, _)| *o == offset);
                if self.handler.batchable() && failed_first.is_none() {
                    let run = self
                        .apply_run(&unit, rest, fence.as_ref(), &mut from, &mut progress)
                        .await?;
                    if run.stop {
                        break;
                    }
                    failed = run.failed;
                    if run.done > 0 {
                        rest = &rest[run.done..];
                        continue;
                    }
                    // The first record needs the one-by-one path below.
                    failed_first = failed.take().filter(|(o, _)| *o == offset);
                }
                let failed_first = failed_first.map(|(_, why)| why);
                rest = after;
                progress.read += 1;
                let span = self.consume_span(record);
                let step = self
                    .process(&unit, record, fence.as_ref(), &mut progress, failed_first)
                    .instrument(span)
                    .await?;
                // Only the partition's holder moves its offset: a runner
                // that lost it leaves it to the new owner.
                if matches!(step, Step::Lost) || !self.still_holds(&unit, fence.as_ref()) {
                    break;
                }
                // From where it read to past the record, unless the group
                // was reset meanwhile: then the reset stands, and the next
                // round reads from there.
                let next = record.position.offset + 1;
                let moved = self
                    .bus
                    .advance_offset(&self.game, &self.group, &from, next, (self.clock)())
                    .await?;
                if !moved {
                    break;
                }
                from.offset = next;
            }
        }
        Ok(progress)
    }

    /// Runs rounds until `stop` turns true; an idle runner sleeps until the
    /// next append, a change of the partitions it owns, or
    /// `consumer_poll_ms`, whichever comes first. An owned runner's
    /// [`Ownership`] runs beside it, renewing its leases while rounds run,
    /// and gives them away when it stops.
    pub async fn run(mut self, mut stop: tokio::sync::watch::Receiver<bool>) {
        let mut appended = self.bus.appended();
        let (ownership, mut owned) = match &mut self.claim {
            Claim::Everything => (None, None),
            Claim::Owned {
                ownership, owned, ..
            } => {
                let task = ownership
                    .take()
                    .map(|o| tokio::spawn(o.run(stop.clone(), self.clock.clone())));
                (task, Some(owned.clone()))
            }
        };
        while !*stop.borrow() {
            let mark = appended.mark(&self.topics);
            let idle = match self.run_once().await {
                Ok(p) => p.read == 0,
                Err(e) => {
                    tracing::warn!(group = %self.group, error = %e, "consumer round failed; retrying");
                    true
                }
            };
            if idle {
                let moved = async {
                    match owned.as_mut() {
                        Some(owned) => {
                            if owned.changed().await.is_err() {
                                std::future::pending::<()>().await;
                            }
                        }
                        None => std::future::pending::<()>().await,
                    }
                };
                tokio::select! {
                    _ = tokio::time::sleep(self.poll) => {}
                    _ = appended.past(mark, &self.topics) => {}
                    _ = stop.changed() => {}
                    _ = moved => {}
                }
            }
        }
        if let Some(task) = ownership
            && let Err(e) = task.await
        {
            tracing::warn!(group = %self.group, error = %e, "ownership task failed");
        }
    }

    /// One record: checked, deduped, handled with retries, committed, or
    /// dead-lettered. `failed_first` is the failure of an attempt already
    /// made (by a batchable run), which counts as the first.
    async fn process(
        &mut self,
        unit: &Unit,
        record: &Record,
        fence: Option<&Lease>,
        progress: &mut Progress,
        failed_first: Option<String>,
    ) -> Result<Step, BusError> {
        if let Some(why) = &record.unreadable {
            return self
                .dead(unit, record, fence, why.clone(), 0, progress)
                .await;
        }
        let payload = match self.schemas.check(&record.envelope) {
            Ok(payload) => payload,
            Err(refusal) => {
                let why = refusal.to_string();
                return self.dead(unit, record, fence, why, 0, progress).await;
            }
        };
        let event_id = &record.envelope.event_id;
        if self.store.is_processed(&self.group, event_id).await? {
            progress.skipped += 1;
            return Ok(Step::Done);
        }
        let event = Event {
            position: record.position.clone(),
            envelope: record.envelope.clone(),
            payload,
        };
        // A batchable run's attempt counts (`consumer/batch.rs`).
        let mut attempt = u32::from(failed_first.is_some());
        let mut failed = failed_first;
        loop {
            if let Some(failure) = failed.take() {
                if attempt >= self.backoff.attempts {
                    return self
                        .dead(unit, record, fence, failure, attempt, progress)
                        .await;
                }
                let ceiling = self.backoff.ceiling_ms(attempt);
                let delay = (self.jitter)(ceiling).min(ceiling);
                (self.sleep)(Duration::from_millis(delay)).await;
                self.retries.inc();
            }
            attempt += 1;
            let failure = match self.handler.handle(&event).await {
                Ok(mut batch) => {
                    batch.processed = Some(ProcessedEvent {
                        consumer_group: self.group.clone(),
                        event_id: event_id.clone(),
                        game: self.game.clone(),
                        processed_at_ms: (self.clock)(),
                    });
                    // A handler's own fence (a match's lease) wins; the
                    // processed record still makes the event apply once.
                    if batch.fence.is_none() {
                        batch.fence = fence.cloned();
                    }
                    match self.store.commit(batch).await {
                        Ok(_) => {
                            progress.applied += 1;
                            return Ok(Step::Done);
                        }
                        Err(StoreError::AlreadyProcessed { .. }) => {
                            progress.skipped += 1;
                            return Ok(Step::Done);
                        }
                        Err(e @ StoreError::LeaseLost { .. }) => {
                            tracing::info!(group = %self.group, error = %e,
                                "partition lost while applying an event; its new owner goes on");
                            return Ok(Step::Lost);
                        }
                        // The handler's batch itself is refused: the event's
                        // fault, like a handler error.
                        Err(e @ StoreError::Invalid { .. }) => e.to_string(),
                        Err(e) => return Err(e.into()),
                    }
                }
                Err(e) => e.0,
            };
            failed = Some(failure);
        }
    }

    /// Sends `record` to the DLQ, if the runner still holds its partition
    /// (else the partition's new owner decides).
    async fn dead(
        &self,
        unit: &Unit,
        record: &Record,
        fence: Option<&Lease>,
        error: String,
        attempts: u32,
        progress: &mut Progress,
    ) -> Result<Step, BusError> {
        if !self.still_holds(unit, fence) {
            return Ok(Step::Lost);
        }
        self.to_dlq(record, error, attempts).await?;
        progress.dead += 1;
        Ok(Step::Done)
    }

    async fn to_dlq(&self, record: &Record, error: String, attempts: u32) -> Result<(), BusError> {
        tracing::warn!(
            group = %self.group,
            topic = %record.position.topic,
            partition = record.position.partition,
            offset = record.position.offset,
            attempts,
            %error,
            "event sent to the dead-letter queue"
        );
        self.bus
            .dead_letter(&NewDeadLetter {
                game: self.game.clone(),
                consumer_group: self.group.clone(),
                position: record.position.clone(),
                envelope: record.envelope.clone(),
                error,
                attempts: i32::try_from(attempts).unwrap_or(i32::MAX),
                dead_at_ms: (self.clock)(),
            })
            .await?;
        crate::metrics::global()
            .dead_letters
            .with(&[&record.position.topic, &self.group])
            .inc();
        Ok(())
    }
}
