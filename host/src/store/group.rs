//! Group commit: many callers' batches share one transaction and one fsync.
//!
//! Callers hand batches to [`GroupCommitter::commit`]; one task takes them
//! from a bounded queue in arrival order, up to `max_batch` at a time,
//! waiting at most `max_wait_ms` after the first for more, and commits them
//! with [`Backend::commit_group`]. Each caller gets its own batch's result,
//! and only after the transaction that holds it committed: acknowledged
//! means durable (DESIGN.md invariant 1). A batch whose guard conflicts
//! fails alone. Under load a group is what queued while the previous commit
//! ran, so the cost of an fsync is shared by up to `max_batch` operations.
//!
//! A writer that runs ahead of its commits queues its batches in order
//! with [`GroupCommitter::commit_each`], chained (`super::chain`): a batch
//! refused before queueing breaks its chain like one that failed in a group.
//!
//! Each call is a `commit` span (debug level) under the caller's, with the
//! group that took its batch; the events it writes that have no
//! `traceparent` take the span's, so their consumers join its trace
//! ([`crate::telemetry`]).
//!
//! Bounds: at most `queue_capacity` batches wait; a caller that finds the
//! queue full waits for room (back-pressure), so memory never grows past
//! `queue_capacity + max_batch` batches. Dropping a caller's future after
//! its batch was queued does not cancel the commit.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tracing::Instrument as _;
use tracing::field::Empty;

use super::backend::Backend;
use super::batch::CommitBatch;
use super::error::StoreError;
use crate::config::GroupCommitConfig;

/// What a caller learns once its batch committed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Committed {
    /// The group's number, counted from 1 since the committer started.
    pub group: u64,
    /// How many batches the group held (conflicting ones included).
    pub group_size: usize,
}

struct Job {
    batch: CommitBatch,
    reply: oneshot::Sender<Result<Committed, StoreError>>,
}

/// The handle of a running committer. Cheap to clone; the committer stops
/// when the last handle is dropped and the queue is drained.
#[derive(Clone)]
pub struct GroupCommitter {
    queue: mpsc::Sender<Job>,
}

impl GroupCommitter {
    /// Starts a committer for `backend` on the current tokio runtime.
    pub fn start(backend: Arc<dyn Backend>, config: &GroupCommitConfig) -> Self {
        let (queue, jobs) = mpsc::channel(config.queue_capacity.max(1));
        tokio::spawn(run(
            backend,
            jobs,
            config.max_batch.max(1),
            Duration::from_millis(config.max_wait_ms),
        ));
        Self { queue }
    }

    /// Commits `batch` with whatever else is queued, and returns once it is
    /// durable (or failed). An invalid batch is refused before queueing.
    pub async fn commit(&self, batch: CommitBatch) -> Result<Committed, StoreError> {
        self.commit_all(vec![batch])
            .await
            .pop()
            .unwrap_or(Err(StoreError::Closed))
    }

    /// Commits `batches` as [`GroupCommitter::commit`] would, queued in
    /// their order, so they share groups in that order (a later batch's
    /// write of a key wins); each gets its own result, once durable.
    pub async fn commit_all(
        &self,
        mut batches: Vec<CommitBatch>,
    ) -> Vec<Result<Committed, StoreError>> {
        let span = commit_span(&tracing::Span::current(), batches.len());
        trace(&span, &mut batches);
        let mut waiting = Vec::with_capacity(batches.len());
        for batch in batches {
            waiting.push(self.queue(batch).instrument(span.clone()).await);
        }
        let mut results = Vec::with_capacity(waiting.len());
        for queued in waiting {
            results.push(wait(queued).await);
        }
        record(&span, results.first());
        results
    }

    /// Commits `batches` in their order as [`GroupCommitter::commit_all`]
    /// does, each in a `commit` span of its own under the span it comes
    /// with: a writer that gathers several requests' batches keeps each in
    /// its request's trace.
    pub async fn commit_each(
        &self,
        batches: Vec<(CommitBatch, tracing::Span)>,
    ) -> Vec<Result<Committed, StoreError>> {
        let mut waiting = Vec::with_capacity(batches.len());
        for (mut batch, parent) in batches {
            let span = commit_span(&parent, 1);
            trace(&span, std::slice::from_mut(&mut batch));
            let queued = self.queue(batch).instrument(span.clone()).await;
            waiting.push((queued, span));
        }
        let mut results = Vec::with_capacity(waiting.len());
        for (queued, span) in waiting {
            let result = wait(queued).await;
            record(&span, Some(&result));
            results.push(result);
        }
        results
    }

    /// Queues `batch` (refused before queueing if invalid): where its
    /// result will come.
    async fn queue(&self, batch: CommitBatch) -> Result<Reply, StoreError> {
        if let Err(invalid) = batch.validate() {
            // Nothing written on top of it may commit either.
            super::chain::settle(batch.chain.as_ref(), &Err::<(), _>(invalid.clone()));
            return Err(invalid);
        }
        let (reply, result) = oneshot::channel();
        self.queue
            .send(Job { batch, reply })
            .await
            .map_err(|_| StoreError::Closed)?;
        Ok(result)
    }
}

type Reply = oneshot::Receiver<Result<Committed, StoreError>>;

/// A queued batch's result, once its group is done.
async fn wait(queued: Result<Reply, StoreError>) -> Result<Committed, StoreError> {
    queued?.await.unwrap_or(Err(StoreError::Closed))
}

/// The `commit` span of `batches` batches, under `parent`.
fn commit_span(parent: &tracing::Span, batches: usize) -> tracing::Span {
    tracing::debug_span!(
        parent: parent,
        "commit",
        batches,
        group = Empty,
        group_size = Empty
    )
}

/// Gives the events of `batches` that have no `traceparent` yet `span`'s.
fn trace(span: &tracing::Span, batches: &mut [CommitBatch]) {
    if crate::telemetry::enabled() && batches.iter().any(CommitBatch::has_untraced_events) {
        let traceparent = crate::telemetry::traceparent::of(span);
        for batch in batches {
            batch.trace_events(traceparent.as_deref());
        }
    }
}

/// Records the group that took a batch in its span.
fn record(span: &tracing::Span, result: Option<&Result<Committed, StoreError>>) {
    if let Some(Ok(committed)) = result {
        span.record("group", committed.group);
        span.record("group_size", committed.group_size);
    }
}

async fn run(
    backend: Arc<dyn Backend>,
    mut queue: mpsc::Receiver<Job>,
    max_batch: usize,
    max_wait: Duration,
) {
    let mut group = 0u64;
    let mut jobs = Vec::with_capacity(max_batch);
    loop {
        if queue.recv_many(&mut jobs, max_batch).await == 0 {
            return; // every handle is gone and the queue is empty
        }
        if !max_wait.is_zero() {
            let deadline = tokio::time::Instant::now() + max_wait;
            while jobs.len() < max_batch {
                let room = max_batch - jobs.len();
                match tokio::time::timeout_at(deadline, queue.recv_many(&mut jobs, room)).await {
                    Ok(n) if n > 0 => {}
                    _ => break,
                }
            }
        }
        group += 1;
        let group_size = jobs.len();
        let (batches, replies): (Vec<_>, Vec<_>) =
            jobs.drain(..).map(|j| (j.batch, j.reply)).unzip();
        let mut results = backend.commit_group(&batches).await;
        if results.len() != group_size {
            // A backend that breaks its contract fails the whole group loudly.
            tracing::error!(
                expected = group_size,
                got = results.len(),
                "commit_group returned the wrong number of results"
            );
            let broken = StoreError::invalid("group commit", "backend returned wrong results");
            results = vec![Err(broken); group_size];
        }
        for (reply, result) in replies.into_iter().zip(results) {
            // A caller that went away still had its batch committed.
            let _ = reply.send(result.map(|()| Committed { group, group_size }));
        }
    }
}
