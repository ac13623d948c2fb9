//! The outbox relay: publishes committed outbox events to the bus, in commit
//! order, and marks them sent only after the bus confirmed them.
//!
//! Keeps DESIGN.md invariant 5 between the store and the bus: an event is
//! marked sent only after [`Bus::publish`] returned, so a crash in between
//! publishes it again; consumers dedupe by event id ([`Bus::relay`]; the
//! embedded log in the outbox's database appends and marks in one
//! transaction). Order per key holds
//! because rows are read by commit order and published in that order in one
//! call. Bound: at most `relay_max_batch` rows per round.
//!
//! On the embedded log with `bus.append_in_commit` (the default), a commit
//! runs this round itself, in its own transaction
//! (`crate::store::in_commit`): the relay is then left only the rows
//! written before that, or beside the group commit, and commits write to the
//! outbox behind them until it has published them.
//!
//! Each event that carries a `traceparent` is published in a `publish`
//! span (debug level) under the span that committed it; the event leaves
//! with the `publish` span's context, so its consumers are that span's
//! children ([`crate::telemetry`]).
//!
//! One relay per database at a time (a second one only duplicates, which
//! consumers tolerate, but breaks order per key between the two): a running
//! relay holds the lease [`RELAY_LEASE`] of game [`RELAY_LEASE_GAME`],
//! renewed while it runs, and relays only while it holds it; another host's
//! relay takes it over when it expires ([`super::ownership::SoleLease`]).

use std::sync::Arc;
use std::time::Duration;

use super::Bus;
use super::envelope::Envelope;
use super::error::BusError;
use super::ownership::{OwnershipOptions, SoleLease};
use crate::config::BusConfig;
use crate::store::{Store, new_event_id};
use crate::telemetry::traceparent;

/// The lease a running relay holds: one per database, so not any one
/// game's (the outbox holds every game's events).
pub const RELAY_LEASE: &str = "outbox-relay";
/// The game of [`RELAY_LEASE`]: none in particular.
pub const RELAY_LEASE_GAME: &str = "*";

/// The outbox relay of one store.
pub struct Relay {
    store: Store,
    bus: Arc<dyn Bus>,
    max_batch: u32,
    poll: Duration,
    lease: SoleLease,
}

impl Relay {
    /// A relay whose [`Relay::run`] holds [`RELAY_LEASE`] as a random owner
    /// with the lease timings of `config.ownership`.
    pub fn new(store: Store, bus: Arc<dyn Bus>, config: &BusConfig) -> Self {
        Self {
            store,
            bus,
            max_batch: config.relay_max_batch.max(1),
            poll: Duration::from_millis(config.relay_poll_ms),
            lease: Self::lease(&new_event_id(), config.ownership),
        }
    }

    /// Runs as `owner` (the process's id) with the lease timings `options`.
    pub fn owned_by(mut self, owner: &str, options: OwnershipOptions) -> Self {
        self.lease = Self::lease(owner, options);
        self
    }

    fn lease(owner: &str, options: OwnershipOptions) -> SoleLease {
        SoleLease::new(RELAY_LEASE_GAME, RELAY_LEASE, owner, options)
    }

    /// One round: publishes up to `relay_max_batch` unsent events and marks
    /// them sent; returns how many it published.
    pub async fn relay_once(&self, now_ms: i64) -> Result<usize, BusError> {
        let rows = self.store.outbox_unsent(self.max_batch).await?;
        if rows.is_empty() {
            return Ok(0);
        }
        let ids: Vec<String> = rows.iter().map(|r| r.event.id.clone()).collect();
        let mut events: Vec<Envelope> = rows.into_iter().map(|r| r.event.into()).collect();
        // Open until the bus confirmed the events.
        let _publishing = publish_spans(&mut events);
        self.bus.relay(&self.store, &events, &ids, now_ms).await?;
        Ok(events.len())
    }

    /// Relays until `stop` turns true, while it holds [`RELAY_LEASE`]: at
    /// once while there is a backlog, every `relay_poll_ms` when the outbox
    /// is empty or the bus failed; without the lease it tries to take it
    /// every `renew_every_ms`. Gives the lease away when it stops.
    pub async fn run(mut self, mut stop: tokio::sync::watch::Receiver<bool>) {
        let standby =
            Duration::from_millis(u64::try_from(self.lease.options().renew_ms()).unwrap_or(1));
        while !*stop.borrow() {
            let now_ms = now_ms();
            let held = self
                .lease
                .hold(&self.store, now_ms)
                .await
                .map(|l| l.is_some());
            let pause = match held {
                Ok(true) => match self.relay_once(now_ms).await {
                    Ok(0) => Some(self.poll),
                    Ok(_) => None,
                    Err(e) => {
                        tracing::warn!(error = %e, "outbox relay round failed; retrying");
                        Some(self.poll)
                    }
                },
                Ok(false) => Some(standby),
                Err(e) => {
                    tracing::warn!(error = %e, "outbox relay lease failed; retrying");
                    Some(self.poll)
                }
            };
            if let Some(pause) = pause {
                tokio::select! {
                    _ = tokio::time::sleep(pause) => {}
                    _ = stop.changed() => {}
                }
            }
        }
        if let Err(e) = self.lease.release(&self.store).await {
            tracing::warn!(error = %e, "could not release the relay lease; it will expire");
        }
    }
}

/// A `publish` span for each traced event (none without telemetry), each
/// a child of the event's `traceparent`, which becomes the span's own.
pub(super) fn publish_spans(events: &mut [Envelope]) -> Vec<tracing::Span> {
    if !crate::telemetry::enabled() {
        return Vec::new();
    }
    let mut spans = Vec::new();
    for event in events.iter_mut().filter(|e| e.traceparent.is_some()) {
        let span = tracing::debug_span!(
            "publish",
            otel.kind = "producer",
            messaging.destination.name = %event.topic,
            messaging.message.id = %event.event_id,
            event_type = %event.event_type,
            key = %event.key,
        );
        traceparent::continue_from(&span, event.traceparent.as_deref());
        if let Some(own) = traceparent::of(&span) {
            event.traceparent = Some(own);
        }
        spans.push(span);
    }
    spans
}

/// The wall clock, Unix milliseconds.
/// [`Bus::relay`] for a bus apart from the outbox's database: publishes,
/// then marks sent.
pub(crate) async fn publish_then_mark<B: Bus + ?Sized>(
    bus: &B,
    outbox: &Store,
    events: &[Envelope],
    ids: &[String],
    now_ms: i64,
) -> Result<Vec<super::Position>, BusError> {
    let positions = bus.publish(events, now_ms).await?;
    outbox.outbox_mark_sent(ids, now_ms).await?;
    Ok(positions)
}

pub(crate) use crate::store::now_ms;
