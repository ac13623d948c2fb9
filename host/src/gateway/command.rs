//! An idempotent player command (the market's, the tournament's): the
//! `Idempotency-Key` record reserved before the work (in a group commit, so
//! reservations share their fsync with other writes), committed as done in
//! the work's own batch ([`Command::done`]), or holding the refusal
//! ([`Command::conclude`]), or freed after a failure that changed nothing.
//! Each service brings its error type ([`CommandError`]) and its key
//! windows ([`KeyWindows`]).
//!
//! | the request | the answer |
//! |---|---|
//! | new | the command's answer, stored under the key |
//! | a retry of a completed one | the stored answer, `Idempotency-Replayed: true` |
//! | a retry while the first runs | 409 `idempotency-key-in-flight` |
//! | the same key, another request | 422 `idempotency-key-reused` |

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::gateway::Player;
use crate::gateway::idempotency_key::IDEMPOTENCY_REPLAYED;
use crate::problem::Problem;
use crate::store::{
    Begun, CommitBatch, IdempotencyBegin, IdempotencyDone, IdempotencyReserve, Store, StoreError,
};

/// The errors of a service's commands.
pub trait CommandError: From<StoreError> + Into<Problem> {
    /// The key's first request is still being served (409).
    fn in_flight() -> Self;
    /// The key was used for another request (422).
    fn key_reused() -> Self;
    /// True for an answer the client gets again on a retry of the request
    /// (stored under the key); false for a failure after which the key is
    /// freed.
    fn is_refusal(&self) -> bool;
}

/// How long a service keeps its commands' keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyWindows {
    /// How long a completed request's answer is replayed, in milliseconds.
    pub replay_ttl_ms: u64,
    /// How long a key stays reserved by a request that never completes (a
    /// host that died mid-request), in milliseconds.
    pub in_flight_ttl_ms: u64,
}

/// An answer as stored under a key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stored {
    pub status: u16,
    pub body: Value,
    /// The body is problem+json.
    #[serde(default)]
    pub problem: bool,
}

impl Stored {
    pub fn ok(status: StatusCode, body: &impl Serialize) -> Self {
        Self {
            status: status.as_u16(),
            body: serde_json::to_value(body).unwrap_or_default(),
            problem: false,
        }
    }

    pub fn of_problem(problem: &Problem) -> Self {
        Self {
            status: problem.status,
            body: serde_json::to_value(problem).unwrap_or_default(),
            problem: true,
        }
    }

    pub fn response(&self, replayed: bool) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::OK);
        let mut response = (status, axum::Json(&self.body)).into_response();
        let headers = response.headers_mut();
        if self.problem {
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/problem+json"),
            );
        }
        if replayed {
            headers.insert(IDEMPOTENCY_REPLAYED, HeaderValue::from_static("true"));
        }
        response
    }
}

/// A command whose key is reserved for this attempt.
pub struct Command {
    store: Store,
    game: String,
    player: String,
    key: String,
    request_hash: String,
    attempt: String,
    replay_ttl_ms: u64,
}

/// What [`begin`] found.
pub enum Started {
    New(Command),
    Replay(Stored),
}

/// Reserves `key` of `player` for the request `what` (method and path)
/// with `body`.
pub async fn begin<E: CommandError>(
    store: &Store,
    windows: KeyWindows,
    player: &Player,
    key: &str,
    what: &str,
    body: &Value,
) -> Result<Started, E> {
    let request = serde_json::json!({ "request": what, "body": body });
    let request_hash = hex::encode(Sha256::digest(request.to_string().as_bytes()));
    let begin = IdempotencyBegin {
        game: player.game.clone(),
        scope: player.id.clone(),
        key: key.to_owned(),
        request_hash: request_hash.clone(),
        now_ms: crate::store::now_ms(),
        in_flight_ttl_ms: windows.in_flight_ttl_ms as i64,
    };
    // Reserved in a group commit (one fsync for many), not alone.
    let attempt = crate::store::new_event_id();
    let batch = CommitBatch {
        reserve: Some(IdempotencyReserve {
            begin: begin.clone(),
            attempt: attempt.clone(),
        }),
        ..CommitBatch::default()
    };
    let found = match store.commit(batch).await {
        Ok(_) => Begun::New { attempt },
        Err(StoreError::IdempotencyConflict { .. }) => {
            let record = store
                .idempotency_get(&begin.game, &begin.scope, &begin.key, begin.now_ms)
                .await?;
            // A record that lapsed since the conflict: its request is gone,
            // a retry will reserve the key.
            record.map_or(Begun::InFlight, |r| r.answer(&request_hash))
        }
        Err(e) => return Err(e.into()),
    };
    match found {
        Begun::New { attempt } => Ok(Started::New(Command {
            store: store.clone(),
            game: player.game.clone(),
            player: player.id.clone(),
            key: key.to_owned(),
            request_hash,
            attempt,
            replay_ttl_ms: windows.replay_ttl_ms,
        })),
        Begun::Replay { response } => serde_json::from_str(&response)
            .map(Started::Replay)
            .map_err(|e| E::from(StoreError::invalid("stored answer", e.to_string()))),
        Begun::InFlight => Err(E::in_flight()),
        Begun::Mismatch => Err(E::key_reused()),
    }
}

impl Command {
    /// The record that marks the command done with `answer`: commit it in
    /// the command's batch.
    pub fn done(&self, answer: &Stored) -> IdempotencyDone {
        let now_ms = crate::store::now_ms();
        IdempotencyDone {
            game: self.game.clone(),
            scope: self.player.clone(),
            key: self.key.clone(),
            request_hash: self.request_hash.clone(),
            response: serde_json::to_string(answer).unwrap_or_default(),
            attempt: Some(self.attempt.clone()),
            now_ms,
            expires_at_ms: now_ms.saturating_add(self.replay_ttl_ms as i64),
        }
    }

    /// The answer to send: the command's own (already stored by its batch),
    /// or its refusal, stored now so a retry gets it again, or its failure,
    /// after which the key is freed.
    pub async fn conclude<E: CommandError>(self, outcome: Result<Stored, E>) -> Response {
        match outcome {
            Ok(answer) => answer.response(false),
            Err(e) if e.is_refusal() => {
                let answer = Stored::of_problem(&e.into());
                let batch = CommitBatch {
                    idempotency: Some(self.done(&answer)),
                    ..Default::default()
                };
                if let Err(cause) = self.store.commit(batch).await {
                    tracing::warn!(error = %cause, "storing a refusal failed; freeing its key");
                    self.abandon().await;
                }
                answer.response(false)
            }
            Err(e) => {
                self.abandon().await;
                let problem: Problem = e.into();
                problem.into_response()
            }
        }
    }

    /// Frees the key: nothing of the command was committed.
    async fn abandon(self) {
        let freed = self
            .store
            .idempotency_release(&self.game, &self.player, &self.key, &self.attempt)
            .await;
        if let Err(e) = freed {
            tracing::warn!(error = %e, "freeing an idempotency key failed; it expires");
        }
    }
}
