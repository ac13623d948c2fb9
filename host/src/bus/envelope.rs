//! The event envelope: what every event carries on the bus, whichever bus.
//!
//! An [`Envelope`] is the outbox row's event as published: id (consumers
//! dedupe by it), type, schema version, when it occurred, correlation id,
//! W3C `traceparent`, key, topic, game and the JSON payload (kept as text,
//! so a malformed payload reaches a consumer as it is and is refused there,
//! not lost). [`Envelope::encode`] / [`Envelope::decode`] give its wire form
//! (JSON), used by the DLQ and by a broker.
//!
//! Versioning rule ([`Schemas`]): a reader declares, per event type, the
//! newest schema version it knows. A known type at that version or an older
//! one is accepted (the reader upgrades old shapes); an unknown type, a
//! newer version, a malformed envelope or payload, or an oversized payload is
//! refused with a [`Refusal`] that says why, and the event goes to the DLQ.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::store::OutboxEvent;

/// One event on the bus.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    pub event_id: String,
    pub event_type: String,
    pub schema_version: i32,
    /// When the cause happened, Unix milliseconds.
    pub occurred_at_ms: i64,
    pub correlation_id: Option<String>,
    /// W3C `traceparent` of the operation that caused the event.
    pub traceparent: Option<String>,
    /// Partition key: the player or match id, so order holds per entity.
    pub key: String,
    pub topic: String,
    pub game: String,
    /// The payload as JSON text (checked by the reader, not the writer).
    pub payload: String,
}

impl From<OutboxEvent> for Envelope {
    fn from(e: OutboxEvent) -> Self {
        Self {
            event_id: e.id,
            event_type: e.event_type,
            schema_version: e.schema_version,
            occurred_at_ms: e.created_at_ms,
            correlation_id: e.correlation_id,
            traceparent: e.traceparent,
            key: e.key,
            topic: e.topic,
            game: e.game,
            payload: e.payload,
        }
    }
}

impl Envelope {
    /// The wire form: JSON.
    pub fn encode(&self) -> String {
        // A struct of strings and integers always serializes.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads the wire form; a malformed one is a [`Refusal::Malformed`].
    pub fn decode(bytes: &[u8]) -> Result<Self, Refusal> {
        serde_json::from_slice(bytes).map_err(|e| Refusal::Malformed(format!("envelope: {e}")))
    }
}

/// Why a reader refused an event (the DLQ keeps the text of it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("malformed {0}")]
    Malformed(String),
    #[error("unknown event type `{0}`")]
    UnknownType(String),
    #[error(
        "schema version {version} of `{event_type}` is newer than the newest this reader knows ({known})"
    )]
    NewerVersion {
        event_type: String,
        version: i32,
        known: i32,
    },
    #[error("payload of {bytes} bytes is over the limit of {limit} bytes")]
    Oversized { bytes: usize, limit: usize },
}

/// What a reader knows: the newest schema version of each event type, and
/// the largest payload it accepts.
#[derive(Debug, Clone, Default)]
pub struct Schemas {
    newest: BTreeMap<String, i32>,
    max_payload_bytes: usize,
}

impl Schemas {
    pub fn new(max_payload_bytes: usize) -> Self {
        Self {
            newest: BTreeMap::new(),
            max_payload_bytes,
        }
    }

    /// Declares that this reader knows `event_type` up to `newest_version`.
    pub fn knows(mut self, event_type: &str, newest_version: i32) -> Self {
        self.newest.insert(event_type.to_owned(), newest_version);
        self
    }

    /// Accepts `envelope` and returns its parsed payload, or says why not.
    pub fn check(&self, envelope: &Envelope) -> Result<serde_json::Value, Refusal> {
        if envelope.event_id.is_empty() {
            return Err(Refusal::Malformed("envelope: empty event id".into()));
        }
        if envelope.payload.len() > self.max_payload_bytes {
            return Err(Refusal::Oversized {
                bytes: envelope.payload.len(),
                limit: self.max_payload_bytes,
            });
        }
        let Some(&known) = self.newest.get(&envelope.event_type) else {
            return Err(Refusal::UnknownType(envelope.event_type.clone()));
        };
        if envelope.schema_version > known {
            return Err(Refusal::NewerVersion {
                event_type: envelope.event_type.clone(),
                version: envelope.schema_version,
                known,
            });
        }
        if envelope.schema_version < 1 {
            return Err(Refusal::Malformed(format!(
                "envelope: schema version {}",
                envelope.schema_version
            )));
        }
        serde_json::from_str(&envelope.payload)
            .map_err(|e| Refusal::Malformed(format!("payload: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn envelope(version: i32, payload: &str) -> Envelope {
        Envelope {
            event_id: "e1".into(),
            event_type: "MatchFinished".into(),
            schema_version: version,
            occurred_at_ms: 1,
            correlation_id: None,
            traceparent: Some("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01".into()),
            key: "m1".into(),
            topic: "match-events".into(),
            game: "default".into(),
            payload: payload.into(),
        }
    }

    #[test]
    fn an_envelope_survives_its_wire_form() {
        let e = envelope(1, r#"{"winner":"ann"}"#);
        assert_eq!(Envelope::decode(e.encode().as_bytes()), Ok(e));
        assert!(matches!(
            Envelope::decode(b"{not json"),
            Err(Refusal::Malformed(_))
        ));
    }

    #[test]
    fn a_reader_accepts_older_versions_and_refuses_newer_ones_with_a_reason() {
        let schemas = Schemas::new(1024).knows("MatchFinished", 2);
        assert!(schemas.check(&envelope(1, "{}")).is_ok(), "older is known");
        assert!(schemas.check(&envelope(2, "{}")).is_ok());
        let refused = schemas.check(&envelope(3, "{}")).unwrap_err();
        assert!(refused.to_string().contains("newer"), "{refused}");
        let big = format!(r#""{}""#, "x".repeat(2000));
        assert!(matches!(
            schemas.check(&envelope(1, &big)),
            Err(Refusal::Oversized { .. })
        ));
        assert!(matches!(
            schemas.check(&envelope(1, "{oops")),
            Err(Refusal::Malformed(_))
        ));
        let mut other = envelope(1, "{}");
        other.event_type = "Unheard".into();
        assert!(matches!(
            schemas.check(&other),
            Err(Refusal::UnknownType(_))
        ));
    }
}
