//! An envelope as a Kafka record, and back.
//!
//! The record's key is the envelope's key (the player or match id), its
//! value the encoded envelope (JSON, [`Envelope::encode`]), its timestamp
//! the time of the append (what a reset to a time looks up), and its headers
//! carry the W3C `traceparent` and the event's id, type and schema version,
//! so tools and other clients can route and trace without parsing the value.
//!
//! Reading never fails: a record that is not an envelope of the topic it was
//! read from (a foreign producer's) becomes a [`Record`] marked `unreadable`
//! with the reason, and the consumer sends it to the DLQ.

use rdkafka::Message;
use rdkafka::message::{BorrowedMessage, Header, Headers, OwnedHeaders};

use crate::bus::envelope::Envelope;
use crate::bus::{Position, Record};

pub const TRACEPARENT: &str = "traceparent";
pub const EVENT_ID: &str = "event-id";
pub const EVENT_TYPE: &str = "event-type";
pub const SCHEMA_VERSION: &str = "schema-version";

/// Most bytes of an unreadable value kept for the DLQ.
const UNREADABLE_KEEP: usize = 4096;

/// The headers of `envelope`'s record.
pub fn headers(envelope: &Envelope) -> OwnedHeaders {
    let version = envelope.schema_version.to_string();
    let mut headers = OwnedHeaders::new_with_capacity(4)
        .insert(Header {
            key: EVENT_ID,
            value: Some(envelope.event_id.as_str()),
        })
        .insert(Header {
            key: EVENT_TYPE,
            value: Some(envelope.event_type.as_str()),
        })
        .insert(Header {
            key: SCHEMA_VERSION,
            value: Some(version.as_str()),
        });
    if let Some(traceparent) = &envelope.traceparent {
        headers = headers.insert(Header {
            key: TRACEPARENT,
            value: Some(traceparent.as_str()),
        });
    }
    headers
}

/// The header `key` of `message`, as text.
fn header(message: &BorrowedMessage<'_>, key: &str) -> Option<String> {
    let headers = message.headers()?;
    headers
        .iter()
        .find(|h| h.key == key)
        .and_then(|h| h.value)
        .map(|v| String::from_utf8_lossy(v).into_owned())
}

/// The record read at `message`, from bus topic `topic` of `game`.
pub fn record(message: &BorrowedMessage<'_>, game: &str, topic: &str) -> Record {
    let position = Position {
        topic: topic.to_owned(),
        partition: message.partition(),
        offset: message.offset(),
    };
    let appended_at_ms = message.timestamp().to_millis().unwrap_or(0);
    let value = message.payload().unwrap_or_default();
    let decoded = Envelope::decode(value).map_err(|e| e.to_string());
    let checked = decoded.and_then(|mut envelope| {
        if envelope.topic != topic || envelope.game != game {
            return Err(format!(
                "envelope of game `{}`, topic `{}` read from game `{game}`, topic `{topic}`",
                envelope.game, envelope.topic
            ));
        }
        if envelope.traceparent.is_none() {
            envelope.traceparent = header(message, TRACEPARENT);
        }
        Ok(envelope)
    });
    match checked {
        Ok(envelope) => Record {
            position,
            appended_at_ms,
            envelope,
            unreadable: None,
        },
        Err(why) => {
            let kept = &value[..value.len().min(UNREADABLE_KEEP)];
            Record {
                position,
                appended_at_ms,
                envelope: Envelope {
                    event_id: header(message, EVENT_ID).unwrap_or_default(),
                    event_type: header(message, EVENT_TYPE).unwrap_or_default(),
                    schema_version: header(message, SCHEMA_VERSION)
                        .and_then(|v| v.parse().ok())
                        .unwrap_or(0),
                    occurred_at_ms: appended_at_ms,
                    correlation_id: None,
                    traceparent: header(message, TRACEPARENT),
                    key: message
                        .key()
                        .map(|k| String::from_utf8_lossy(k).into_owned())
                        .unwrap_or_default(),
                    topic: topic.to_owned(),
                    game: game.to_owned(),
                    payload: String::from_utf8_lossy(kept).into_owned(),
                },
                unreadable: Some(format!("unreadable record: {why}")),
            }
        }
    }
}
