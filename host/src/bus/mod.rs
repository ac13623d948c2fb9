//! The event bus: events leave a service through the transactional outbox,
//! travel on a partitioned log, and are applied exactly once by each
//! consumer group (DESIGN.md invariant 5).
//!
//! - [`envelope`]: the event envelope, its wire form and the versioning rule
//!   ([`Schemas`]);
//! - [`Bus`] (here): the bus interface every implementation keeps: publish,
//!   read a group's partitions, commit offsets, DLQ, resets;
//! - [`embedded`]: the embedded implementation, a durable log in the store's
//!   database with in-process fan-out (on SQLite, appended to by the store's
//!   own commits: `embedded/in_commit.rs`);
//! - [`appends`]: appends seen in this process per topic, which wake idle
//!   consumers;
//! - [`catalog`]: what every bus keeps in the database: group offsets and
//!   the dead-letter catalog;
//! - [`lag`]: how far a consumer group is behind, per partition and topic;
//! - [`kafka`]: the Kafka implementation, through rdkafka;
//! - [`relay`]: the outbox relay, outbox -> bus;
//! - [`ownership`]: which process owns which partitions of a group, and
//!   the relay, by leases in the store;
//! - [`consumer`]: the idempotent consumer runner, with retries and the DLQ;
//! - [`retry`]: exponential backoff with full jitter;
//! - [`error`]: the one error type, [`BusError`];
//! - [`open`] (here): the bus a host runs, chosen by its configuration.
//!
//! The path of an event: a service commits it in a [`crate::store::CommitBatch`]
//! -> [`relay::Relay`] appends it and marks it sent ([`Bus::relay`]) ->
//! each group's [`consumer::Consumer`] reads it ([`Bus::fetch`]), commits the
//! handler's batch with the processed-event record, and advances the group's
//! offset ([`Bus::commit_offset`]).

pub mod appends;
pub mod catalog;
pub mod consumer;
pub mod embedded;
pub mod envelope;
pub mod error;
pub mod kafka;
pub mod lag;
pub mod ownership;
pub mod relay;
pub mod retry;

use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

pub use appends::{AppendWatch, Appends};
pub use consumer::{Consumer, Event, Handler, HandlerError, Progress};
pub use embedded::EmbeddedBus;
pub use envelope::{Envelope, Refusal, Schemas};
pub use error::BusError;
pub use kafka::KafkaBus;
pub use ownership::{Ownership, OwnershipOptions};
pub use relay::Relay;
pub use retry::{Backoff, Jitter, Sleeper};

use crate::config::{BusBackend, Config};
use crate::store::Store;

/// The bus the host runs, as `bus.backend` says: the embedded log in
/// `store`'s database, or Kafka (offsets and dead letters in `store`).
pub fn open(config: &Config, store: Store) -> Result<Arc<dyn Bus>, BusError> {
    Ok(match config.bus.backend {
        BusBackend::Embedded => EmbeddedBus::for_host(store, &config.bus),
        BusBackend::Kafka => KafkaBus::connect(store, &config.bus)?,
    })
}

/// Refuses a topic the bus does not carry.
pub(crate) fn known_topic(topic: &str) -> Result<(), BusError> {
    if crate::runtime::effects::TOPICS.contains(&topic) {
        Ok(())
    } else {
        Err(BusError::UnknownTopic(topic.to_owned()))
    }
}

/// Where a record sits: topic, partition, offset.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Position {
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
}

/// One record read from the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub position: Position,
    /// When the bus appended it, Unix milliseconds.
    pub appended_at_ms: i64,
    pub envelope: Envelope,
    /// Why the bus could not read the record as an envelope (a broker record
    /// written by a foreign producer, say); `envelope` then holds what could
    /// be read, and the consumer sends the record to the DLQ with this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unreadable: Option<String>,
}

/// A dead letter: an event a group gave up on, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadLetter {
    pub id: i64,
    pub game: String,
    pub consumer_group: String,
    /// Where it was read.
    pub position: Position,
    pub envelope: Envelope,
    pub error: String,
    /// Attempts at applying it (0: refused before any, e.g. a newer schema).
    pub attempts: i32,
    pub dead_at_ms: i64,
    pub replayed_at_ms: Option<i64>,
}

/// A dead letter to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDeadLetter {
    pub game: String,
    pub consumer_group: String,
    pub position: Position,
    pub envelope: Envelope,
    pub error: String,
    pub attempts: i32,
    pub dead_at_ms: i64,
}

/// The partition of `key` among `partitions`: FNV-1a of its bytes, so it is
/// the same on every host and every build, and one key's events stay in one
/// partition, in order.
pub fn partition_of(key: &str, partitions: u32) -> i32 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in key.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    let partitions = u64::from(partitions.max(1));
    // Below `partitions`, itself a u32: fits an i32 only if under 2^31, which
    // `partitions_per_topic` is in any sane config; saturate otherwise.
    i32::try_from(hash % partitions).unwrap_or(i32::MAX)
}

/// The bus, as a service and a consumer see it: the embedded log and Kafka
/// implement it with the same meaning (the conformance suite holds both to
/// it). Times are Unix milliseconds passed in by the caller. Every group and
/// offset is per game.
#[async_trait]
pub trait Bus: Send + Sync + 'static {
    /// Partitions of every topic.
    fn partitions(&self) -> u32;

    /// The database that keeps the groups' offsets and the dead-letter
    /// catalog ([`catalog`]), whichever log carries the records.
    fn catalog(&self) -> &Store;

    /// Appends `events` (to each one's topic, at the partition of its key),
    /// in order; returns where each landed once all are durable. On an
    /// error, the embedded log appended none of them, a broker perhaps some:
    /// the caller publishes them again, and an event published twice is
    /// appended twice (consumers dedupe by id).
    async fn publish(&self, events: &[Envelope], now_ms: i64) -> Result<Vec<Position>, BusError>;

    /// Up to `max` records of `topic`/`partition` from the group's next
    /// offset on, in offset order.
    async fn fetch(
        &self,
        game: &str,
        group: &str,
        topic: &str,
        partition: i32,
        max: u32,
    ) -> Result<Vec<Record>, BusError>;

    /// The group's next offset in `topic`/`partition` (0 if it never read).
    async fn next_offset(
        &self,
        game: &str,
        group: &str,
        topic: &str,
        partition: i32,
    ) -> Result<i64, BusError> {
        catalog::next_offset(self.catalog(), game, group, topic, partition).await
    }

    /// The next offset that will be appended to `topic`/`partition` of
    /// `game` (the high watermark): 0 for an empty partition. A group's lag
    /// is this minus its [`Bus::next_offset`].
    async fn end_offset(&self, game: &str, topic: &str, partition: i32) -> Result<i64, BusError>;

    /// Sets the group's next offset, after it processed what lies before;
    /// also how a group is reset to an offset.
    async fn commit_offset(
        &self,
        game: &str,
        group: &str,
        position: &Position,
        now_ms: i64,
    ) -> Result<(), BusError> {
        known_topic(&position.topic)?;
        catalog::set_offset(self.catalog(), game, group, position, now_ms).await
    }

    /// Moves the group's offset from `from` (where it read) to `next`, after
    /// it processed what lies between; false, and nothing moved, if the
    /// offset is no longer `from.offset` (an operator reset the group, or
    /// another host moved it): the consumer then reads from where it is.
    async fn advance_offset(
        &self,
        game: &str,
        group: &str,
        from: &Position,
        next: i64,
        now_ms: i64,
    ) -> Result<bool, BusError> {
        known_topic(&from.topic)?;
        catalog::advance_offset(self.catalog(), game, group, from, next, now_ms).await
    }

    /// Resets the group, in every partition of `topic`, to the first record
    /// appended at or after `at_ms` (the end of the partition if none).
    async fn reset_to_time(
        &self,
        game: &str,
        group: &str,
        topic: &str,
        at_ms: i64,
        now_ms: i64,
    ) -> Result<(), BusError>;

    /// Records a dead letter; returns its id.
    async fn dead_letter(&self, letter: &NewDeadLetter) -> Result<i64, BusError> {
        catalog::dead_letter(self.catalog(), letter).await
    }

    /// Up to `limit` dead letters of `game` after id `after`, oldest first.
    async fn dlq_list(
        &self,
        game: &str,
        after: i64,
        limit: u32,
    ) -> Result<Vec<DeadLetter>, BusError> {
        catalog::dlq_list(self.catalog(), game, after, limit).await
    }

    /// One dead letter.
    async fn dlq_get(&self, id: i64) -> Result<Option<DeadLetter>, BusError> {
        catalog::dlq_get(self.catalog(), id).await
    }

    /// Appends the dead letter's event to its original topic again (same
    /// event id) and marks it replayed, at once. A group that already applied
    /// the event skips it; a second replay is refused.
    async fn dlq_replay(&self, id: i64, now_ms: i64) -> Result<Position, BusError>;

    /// Deletes up to `limit` records appended before `before_ms` (the log's
    /// retention); returns how many. A broker keeps its own retention, set
    /// on its topics: there this deletes nothing.
    async fn purge_before(&self, before_ms: i64, limit: u32) -> Result<u64, BusError> {
        let _ = (before_ms, limit);
        Ok(0)
    }

    /// Publishes `events`, the unsent rows `ids` of `outbox`, and marks the
    /// rows sent once the bus confirmed delivery: a crash in between
    /// publishes them again, and consumers dedupe by event id. The embedded
    /// log over the outbox's own database does both in one transaction.
    async fn relay(
        &self,
        outbox: &Store,
        events: &[Envelope],
        ids: &[String],
        now_ms: i64,
    ) -> Result<Vec<Position>, BusError> {
        relay::publish_then_mark(self, outbox, events, ids, now_ms).await
    }

    /// A watch over what this process saw appended, per topic, so idle
    /// consumers wake at once instead of polling fast ([`appends`]).
    fn appended(&self) -> AppendWatch;
}

#[cfg(test)]
mod tests {
    use super::partition_of;

    #[test]
    fn a_key_always_lands_in_the_same_partition() {
        assert_eq!(partition_of("ann", 4), partition_of("ann", 4));
        assert!((0..4).contains(&partition_of("bob", 4)));
        assert_eq!(partition_of("anything", 1), 0);
        assert_eq!(partition_of("anything", 0), 0, "no partitions is one");
        // Pinned: a change of hash would reorder every existing log.
        assert_eq!(partition_of("m1", 1024), partition_of("m1", 1024));
        let spread: std::collections::BTreeSet<i32> =
            (0..64).map(|i| partition_of(&format!("p{i}"), 4)).collect();
        assert_eq!(spread.len(), 4, "keys spread over every partition");
    }
}
