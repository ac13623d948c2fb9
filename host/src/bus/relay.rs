//! The outbox relay: publishes committed outbox events to the bus, in commit
//! order, and marks them sent only after the bus confirmed them.
//!
//! Keeps DESIGN.md invariant 5 between the store and the bus: an event is
//! marked sent only after [`Bus::publish`] returned, so a crash in between
//! publishes it again; consumers dedupe by event id. Order per key holds
//! because rows are read by commit order and published in that order in one
//! call. Bound: at most `relay_max_batch` rows per round.
//!
//! One relay per database at a time (a second one only duplicates, which
//! consumers tolerate, but breaks order per key between the two).

use std::sync::Arc;
use std::time::Duration;

use super::Bus;
use super::envelope::Envelope;
use super::error::BusError;
use crate::config::BusConfig;
use crate::store::Store;

/// The outbox relay of one store.
pub struct Relay {
    store: Store,
    bus: Arc<dyn Bus>,
    max_batch: u32,
    poll: Duration,
}

impl Relay {
    pub fn new(store: Store, bus: Arc<dyn Bus>, config: &BusConfig) -> Self {
        Self {
            store,
            bus,
            max_batch: config.relay_max_batch.max(1),
            poll: Duration::from_millis(config.relay_poll_ms),
        }
    }

    /// One round: publishes up to `relay_max_batch` unsent events and marks
    /// them sent; returns how many it published.
    pub async fn relay_once(&self, now_ms: i64) -> Result<usize, BusError> {
        let rows = self.store.outbox_unsent(self.max_batch).await?;
        if rows.is_empty() {
            return Ok(0);
        }
        let ids: Vec<String> = rows.iter().map(|r| r.event.id.clone()).collect();
        let events: Vec<Envelope> = rows.into_iter().map(|r| r.event.into()).collect();
        self.bus.publish(&events, now_ms).await?;
        self.store.outbox_mark_sent(&ids, now_ms).await?;
        Ok(events.len())
    }

    /// Relays until `stop` turns true: at once while there is a backlog,
    /// every `relay_poll_ms` when the outbox is empty or the bus failed.
    pub async fn run(self, mut stop: tokio::sync::watch::Receiver<bool>) {
        while !*stop.borrow() {
            let now_ms = now_ms();
            let idle = match self.relay_once(now_ms).await {
                Ok(n) => n == 0,
                Err(e) => {
                    tracing::warn!(error = %e, "outbox relay round failed; retrying");
                    true
                }
            };
            if idle {
                tokio::select! {
                    _ = tokio::time::sleep(self.poll) => {}
                    _ = stop.changed() => {}
                }
            }
        }
    }
}

/// The wall clock, Unix milliseconds.
pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
