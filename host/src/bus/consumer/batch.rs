//! A batchable handler's run ([`Handler::batchable`]): the records of a
//! fetch, from the first, are decided by the handler, then committed in
//! their order through [`Store::commit_all`] (so they share group commits:
//! one transaction and one fsync for many events), then the group's offset
//! moves once past all of them.
//!
//! The run stops before the first record that needs the one-by-one path (a
//! record the bus could not read or the schemas refuse, a handler failure):
//! the runner gives that one its retries or its dead letter, then starts a
//! new run after it. A batch the store refuses as invalid ends the run
//! there too; batches after it that committed are skipped as processed
//! when they are read again. Every batch carries its processed-event
//! record, so nothing applies twice whatever ends a run early.
//!
//! Each record is decided in its `consume` span, whose context the events
//! its batch writes take (the shared commit is no one event's); the spans
//! stay open until the commit that holds their batches returns, and that
//! commit runs in a `consume run` span linked to each of them.

use tracing::Instrument as _;

use super::{Consumer, Event, Progress};
use crate::bus::error::BusError;
use crate::bus::ownership::Unit;
use crate::bus::{Position, Record};
use crate::store::{Lease, ProcessedEvent, StoreError};
use crate::telemetry::traceparent;

/// How a run ended.
pub(super) struct Run {
    /// Records from the first that are done (applied or skipped); the
    /// offset has moved past them.
    pub done: usize,
    /// Stop reading the partition this round (lease lost, or a reset).
    pub stop: bool,
    /// The offset of the record the run stopped at and why it failed, when
    /// a handler failure or a refused batch stopped it: that attempt counts
    /// as the record's first on the one-by-one path.
    pub failed: Option<(i64, String)>,
}

impl Consumer {
    /// Applies a run of `records` (see the module doc), moving `from`.
    pub(super) async fn apply_run(
        &self,
        unit: &Unit,
        records: &[Record],
        fence: Option<&Lease>,
        from: &mut Position,
        progress: &mut Progress,
    ) -> Result<Run, BusError> {
        let mut batches = Vec::with_capacity(records.len());
        let mut spans = Vec::with_capacity(records.len());
        let mut failed = None;
        for record in records {
            if record.unreadable.is_some() {
                break;
            }
            let Ok(payload) = self.schemas.check(&record.envelope) else {
                break;
            };
            let event = Event {
                position: record.position.clone(),
                envelope: record.envelope.clone(),
                payload,
            };
            let span = self.consume_span(record);
            let mut batch = match self.handler.handle(&event).instrument(span.clone()).await {
                Ok(batch) => batch,
                Err(e) => {
                    failed = Some((record.position.offset, e.0));
                    break;
                }
            };
            if crate::telemetry::enabled() && batch.has_untraced_events() {
                batch.trace_events(traceparent::of(&span).as_deref());
            }
            spans.push(span);
            batch.processed = Some(ProcessedEvent {
                consumer_group: self.group.clone(),
                event_id: record.envelope.event_id.clone(),
                game: self.game.clone(),
                processed_at_ms: (self.clock)(),
            });
            if batch.fence.is_none() {
                batch.fence = fence.cloned();
            }
            batches.push(batch);
        }
        if batches.is_empty() {
            return Ok(Run {
                done: 0,
                stop: false,
                failed,
            });
        }
        let mut done = 0;
        let mut stop = false;
        let mut failure = None;
        let run = tracing::debug_span!(
            "consume run",
            messaging.consumer.group.name = %self.group,
            records = batches.len()
        );
        for span in &spans {
            run.follows_from(span);
        }
        let results = self.store.commit_all(batches).instrument(run).await;
        drop(spans);
        for result in results {
            match result {
                Ok(_) => progress.applied += 1,
                Err(StoreError::AlreadyProcessed { .. }) => progress.skipped += 1,
                Err(e @ StoreError::LeaseLost { .. }) => {
                    tracing::info!(group = %self.group, error = %e,
                        "partition lost while applying events; its new owner goes on");
                    stop = true;
                    break;
                }
                // The batch itself is refused: the event's fault, like a
                // handler failure.
                Err(e @ StoreError::Invalid { .. }) => {
                    failed = Some((records[done].position.offset, e.to_string()));
                    break;
                }
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            }
            done += 1;
        }
        progress.read += done;
        if done > 0 && !self.still_holds(unit, fence) {
            stop = true;
        } else if done > 0 {
            let next = records[done - 1].position.offset + 1;
            let moved = self
                .bus
                .advance_offset(&self.game, &self.group, from, next, (self.clock)())
                .await?;
            if moved {
                from.offset = next;
            } else {
                stop = true;
            }
        }
        if let Some(e) = failure {
            return Err(e.into());
        }
        Ok(Run { done, stop, failed })
    }
}
