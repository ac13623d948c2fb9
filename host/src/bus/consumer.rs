//! The idempotent consumer runner: applies each event of a group's
//! partitions once, in order, and never stops on a bad one.
//!
//! Keeps DESIGN.md invariant 5 on the consumer's side. For each record, in
//! offset order per partition:
//! 1. the reader's [`Schemas`] check it; a refused one (malformed envelope or
//!    payload, unknown type, newer schema version, oversized payload) goes
//!    to the DLQ with the reason, 0 attempts;
//! 2. an event the group already processed is skipped;
//! 3. the [`Handler`] turns it into a [`CommitBatch`]; the runner adds the
//!    processed-event record and commits both in one store commit, so a
//!    redelivered or replayed event changes nothing;
//! 4. a handler failure is retried up to `dlq_after_attempts` attempts in
//!    all, sleeping with exponential backoff and full jitter in between
//!    ([`super::retry`]); then the event goes to the DLQ with the last
//!    error, the attempt count and its topic, partition and offset;
//! 5. the group's offset moves past it.
//!
//! A store failure (the database, not the event) stops the round with an
//! error and leaves the offset where it was: the next round reads the event
//! again. Bounds: `consumer_max_batch` records per partition per round.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use super::envelope::{Envelope, Schemas};
use super::error::BusError;
use super::retry::{Backoff, Jitter, Sleeper, random_jitter, tokio_sleeper};
use super::{Bus, NewDeadLetter, Position, Record};
use crate::config::BusConfig;
use crate::store::{CommitBatch, ProcessedEvent, Store, StoreError};

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

/// One consumer group's runner over some topics, all their partitions.
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

    /// One round over every partition of every topic: reads up to
    /// `consumer_max_batch` records of each and processes them in order.
    pub async fn run_once(&mut self) -> Result<Progress, BusError> {
        let mut progress = Progress::default();
        let partitions = i32::try_from(self.bus.partitions()).unwrap_or(i32::MAX);
        for topic in self.topics.clone() {
            for partition in 0..partitions {
                let records = self
                    .bus
                    .fetch(&self.game, &self.group, &topic, partition, self.max_batch)
                    .await?;
                for record in records {
                    progress.read += 1;
                    self.process(&record, &mut progress).await?;
                    let next = Position {
                        offset: record.position.offset + 1,
                        ..record.position
                    };
                    self.bus
                        .commit_offset(&self.game, &self.group, &next, (self.clock)())
                        .await?;
                }
            }
        }
        Ok(progress)
    }

    /// Runs rounds until `stop` turns true; an idle runner sleeps until the
    /// next append or `consumer_poll_ms`, whichever comes first.
    pub async fn run(mut self, mut stop: tokio::sync::watch::Receiver<bool>) {
        let mut appended = self.bus.appended();
        while !*stop.borrow() {
            let idle = match self.run_once().await {
                Ok(p) => p.read == 0,
                Err(e) => {
                    tracing::warn!(group = %self.group, error = %e, "consumer round failed; retrying");
                    true
                }
            };
            if idle {
                tokio::select! {
                    _ = tokio::time::sleep(self.poll) => {}
                    _ = appended.changed() => {}
                    _ = stop.changed() => {}
                }
            }
        }
    }

    async fn process(&mut self, record: &Record, progress: &mut Progress) -> Result<(), BusError> {
        let payload = match self.schemas.check(&record.envelope) {
            Ok(payload) => payload,
            Err(refusal) => {
                self.to_dlq(record, refusal.to_string(), 0).await?;
                progress.dead += 1;
                return Ok(());
            }
        };
        let event_id = &record.envelope.event_id;
        if self.store.is_processed(&self.group, event_id).await? {
            progress.skipped += 1;
            return Ok(());
        }
        let event = Event {
            position: record.position.clone(),
            envelope: record.envelope.clone(),
            payload,
        };
        let mut attempt = 0;
        loop {
            attempt += 1;
            let failure = match self.handler.handle(&event).await {
                Ok(mut batch) => {
                    batch.processed = Some(ProcessedEvent {
                        consumer_group: self.group.clone(),
                        event_id: event_id.clone(),
                        game: self.game.clone(),
                        processed_at_ms: (self.clock)(),
                    });
                    match self.store.commit(batch).await {
                        Ok(_) => {
                            progress.applied += 1;
                            return Ok(());
                        }
                        Err(StoreError::AlreadyProcessed { .. }) => {
                            progress.skipped += 1;
                            return Ok(());
                        }
                        // The handler's batch itself is refused: the event's
                        // fault, like a handler error.
                        Err(e @ StoreError::Invalid { .. }) => e.to_string(),
                        Err(e) => return Err(e.into()),
                    }
                }
                Err(e) => e.0,
            };
            if attempt >= self.backoff.attempts {
                self.to_dlq(record, failure, attempt).await?;
                progress.dead += 1;
                return Ok(());
            }
            let ceiling = self.backoff.ceiling_ms(attempt);
            let delay = (self.jitter)(ceiling).min(ceiling);
            (self.sleep)(Duration::from_millis(delay)).await;
        }
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
        Ok(())
    }
}
