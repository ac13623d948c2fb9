//! Idempotency records: the stored outcome of a mutating request, keyed by
//! (game, scope, key), after the IETF httpapi idempotency-key draft.
//!
//! Keeps DESIGN.md invariant 1 ("never takes effect twice"): the record that
//! makes an operation done is committed in the same transaction as its
//! effects ([`super::CommitBatch::idempotency`]), so a retry either finds it
//! or finds nothing happened. Two ways to use it:
//!
//! - with a reservation: [`super::Backend::idempotency_begin`] marks the key
//!   in flight for one attempt (a concurrent duplicate gets
//!   [`Begun::InFlight`], a different request [`Begun::Mismatch`], a retry
//!   after completion [`Begun::Replay`]); the attempt's batch carries an
//!   [`IdempotencyDone`] with its `attempt` token, which commits only if the
//!   reservation is still that attempt's;
//! - without one (a single writer that tracks in-flight work in memory):
//!   look the key up with [`super::Backend::idempotency_get`], then commit an
//!   [`IdempotencyDone`] without `attempt`, which commits only if no live
//!   record exists.
//!
//! Either way a conflicting batch fails with
//! [`super::StoreError::IdempotencyConflict`] and writes nothing. A record
//! counts as absent once `expires_at_ms` passed: an abandoned reservation
//! frees its key, and a done record is kept as long as the caller promises
//! replays. Breaking it: committing effects in a batch without the record.

use serde::{Deserialize, Serialize};

/// The state of a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdempotencyStatus {
    InFlight,
    Done,
}

impl IdempotencyStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InFlight => "in_flight",
            Self::Done => "done",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Self> {
        match s {
            "in_flight" => Some(Self::InFlight),
            "done" => Some(Self::Done),
            _ => None,
        }
    }
}

/// Reserve a key for one attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdempotencyBegin {
    pub game: String,
    /// Whose key it is: the player (keys of two players never collide).
    pub scope: String,
    pub key: String,
    /// A digest of the request (method, path, body): the same key with
    /// another request is a mismatch.
    pub request_hash: String,
    pub now_ms: i64,
    /// How long the reservation holds if the attempt never completes, in
    /// milliseconds.
    pub in_flight_ttl_ms: i64,
}

/// A key reserved for one attempt by a batch's guard
/// ([`super::CommitBatch::reserve`]): [`super::Backend::idempotency_begin`]
/// in a group commit, sharing its fsync. A key held by a live record fails
/// the batch with [`super::StoreError::IdempotencyConflict`]; read the record
/// to learn why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdempotencyReserve {
    pub begin: IdempotencyBegin,
    /// The attempt's token, which its done record names.
    pub attempt: String,
}

/// The outcome of [`super::Backend::idempotency_begin`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Begun {
    /// The key is reserved for this attempt; complete it with this token.
    New { attempt: String },
    /// The same request already completed: here is its response (JSON).
    Replay { response: String },
    /// The same request is being served by another attempt (HTTP 409).
    InFlight,
    /// The key was used for another request (HTTP 422).
    Mismatch,
}

/// The record that makes an operation done, committed with its effects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdempotencyDone {
    pub game: String,
    pub scope: String,
    pub key: String,
    pub request_hash: String,
    /// The response to replay (JSON).
    pub response: String,
    /// The reservation's token, if the key was reserved with begin.
    pub attempt: Option<String>,
    pub now_ms: i64,
    /// Until when replays are served, Unix milliseconds.
    pub expires_at_ms: i64,
}

/// A stored record, as [`super::Backend::idempotency_get`] reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdempotencyRecord {
    pub game: String,
    pub scope: String,
    pub key: String,
    pub request_hash: String,
    pub status: IdempotencyStatus,
    pub response: Option<String>,
    pub created_at_ms: i64,
    pub expires_at_ms: i64,
}

impl IdempotencyRecord {
    /// What a new request with `request_hash` finds in this live record.
    pub fn answer(&self, request_hash: &str) -> Begun {
        if self.request_hash != request_hash {
            return Begun::Mismatch;
        }
        match (self.status, &self.response) {
            (IdempotencyStatus::Done, Some(response)) => Begun::Replay {
                response: response.clone(),
            },
            _ => Begun::InFlight,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(status: IdempotencyStatus, response: Option<&str>) -> IdempotencyRecord {
        IdempotencyRecord {
            game: "default".into(),
            scope: "ann".into(),
            key: "k1".into(),
            request_hash: "h1".into(),
            status,
            response: response.map(Into::into),
            created_at_ms: 0,
            expires_at_ms: 10,
        }
    }

    #[test]
    fn a_live_record_answers_replay_in_flight_or_mismatch() {
        let done = record(IdempotencyStatus::Done, Some("{}"));
        assert_eq!(
            done.answer("h1"),
            Begun::Replay {
                response: "{}".into()
            }
        );
        assert_eq!(done.answer("h2"), Begun::Mismatch);
        let running = record(IdempotencyStatus::InFlight, None);
        assert_eq!(running.answer("h1"), Begun::InFlight);
        assert_eq!(running.answer("h2"), Begun::Mismatch);
    }

    #[test]
    fn statuses_read_back_as_written() {
        for s in [IdempotencyStatus::InFlight, IdempotencyStatus::Done] {
            assert_eq!(IdempotencyStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(IdempotencyStatus::parse("maybe"), None);
    }
}
