//! The transactional outbox: events written in the transaction of the state
//! that caused them, handed to the bus afterwards.
//!
//! Keeps DESIGN.md invariant 5 from the producer's side: an event exists iff
//! its cause committed. The relay (the event bus, not this module) reads
//! unsent rows in commit order ([`super::Backend::outbox_unsent`]), publishes
//! them and marks them sent only on delivery confirmation
//! ([`super::Backend::outbox_mark_sent`]); a crash in between publishes the
//! row again, and consumers dedupe by event id. Order per key holds because
//! `seq` is commit order and each key has one writer at a time (its match
//! actor, under a lease); two writers committing events of one key
//! concurrently can interleave them.

use serde::{Deserialize, Serialize};

use crate::runtime::EmittedEvent;

/// The schema version of events whose emitter names none.
pub const DEFAULT_SCHEMA_VERSION: i32 = 1;

/// One event to publish, as committed; the envelope of DESIGN.md.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxEvent {
    /// Unique event id (consumers dedupe by it); see [`new_event_id`].
    pub id: String,
    pub game: String,
    pub topic: String,
    /// Partition key: the player or match id, so order holds per entity.
    pub key: String,
    pub event_type: String,
    pub schema_version: i32,
    /// The payload as JSON text.
    pub payload: String,
    pub correlation_id: Option<String>,
    /// W3C `traceparent` of the operation that caused the event.
    pub traceparent: Option<String>,
    /// When the cause happened, Unix milliseconds.
    pub created_at_ms: i64,
}

/// What the events of one operation share.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EventMeta {
    pub game: String,
    pub correlation_id: Option<String>,
    pub traceparent: Option<String>,
    pub created_at_ms: i64,
}

impl OutboxEvent {
    /// An event a component emitted, with a fresh id and the operation's
    /// envelope.
    pub fn from_emitted(event: &EmittedEvent, meta: &EventMeta) -> Self {
        Self {
            id: new_event_id(),
            game: meta.game.clone(),
            topic: event.topic.clone(),
            key: event.key.clone(),
            event_type: event.event_type.clone(),
            schema_version: DEFAULT_SCHEMA_VERSION,
            payload: event.payload.to_string(),
            correlation_id: meta.correlation_id.clone(),
            traceparent: meta.traceparent.clone(),
            created_at_ms: meta.created_at_ms,
        }
    }
}

/// An unsent event as the relay reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxRow {
    /// Commit order: rows are handed out by increasing `seq`.
    pub seq: i64,
    pub event: OutboxEvent,
}

/// The statement that marks the rows `ids` (not empty, at most the store's
/// `ROWS_PER_STATEMENT`) sent at `sent_at_ms`, for any database: the
/// store's own mark ([`super::Backend::outbox_mark_sent`]) and the embedded
/// log's, which marks in its append's transaction.
pub fn mark_sent_statement<'a, DB>(ids: &'a [String], sent_at_ms: i64) -> sqlx::QueryBuilder<DB>
where
    DB: sqlx::Database,
    i64: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    &'a str: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    let mut q = sqlx::QueryBuilder::<DB>::new("UPDATE outbox SET sent_at_ms = ");
    q.push_bind(sent_at_ms);
    q.push(" WHERE sent_at_ms IS NULL AND id");
    super::in_list::push_in(&mut q, ids.iter().map(String::as_str));
    q
}

/// A fresh event id: a UUIDv7 (time-ordered, random in its low bits).
pub fn new_event_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_emitted_event_keeps_its_route_and_takes_the_envelope() {
        let emitted = EmittedEvent {
            topic: "match-events".into(),
            key: "m1".into(),
            event_type: "MatchFinished".into(),
            payload: serde_json::json!({ "winner": "ann" }),
        };
        let meta = EventMeta {
            game: "default".into(),
            correlation_id: Some("c-1".into()),
            traceparent: None,
            created_at_ms: 7,
        };
        let a = OutboxEvent::from_emitted(&emitted, &meta);
        let b = OutboxEvent::from_emitted(&emitted, &meta);
        assert_ne!(a.id, b.id, "every event gets its own id");
        assert_eq!((a.topic.as_str(), a.key.as_str()), ("match-events", "m1"));
        assert_eq!(a.payload, r#"{"winner":"ann"}"#);
        assert_eq!(a.correlation_id.as_deref(), Some("c-1"));
        assert_eq!(a.schema_version, DEFAULT_SCHEMA_VERSION);
    }
}
