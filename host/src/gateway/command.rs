//! An idempotent player command (the market's, the tournament's): the
//! `Idempotency-Key` reserved on this host while the command runs (in
//! memory, [`InFlightKeys`]: no write on the way in), looked up, then
//! committed as done in the work's own batch ([`Command::done`]), which
//! commits only if no live record holds the key, on any host; or holding
//! the refusal ([`Command::conclude`]); after a failure that changed
//! nothing the key is simply free again. Each service brings its error
//! type ([`CommandError`]) and its key windows ([`KeyWindows`]).
//!
//! | the request | the answer |
//! |---|---|
//! | new | the command's answer, stored under the key |
//! | a retry of a completed one | the stored answer, `Idempotency-Replayed: true` |
//! | a retry while the first runs | 409 `idempotency-key-in-flight` |
//! | the same key, another request | 422 `idempotency-key-reused` |
//!
//! A duplicate running on another host at the same time fails its commit
//! (409 in flight) and changes nothing; its retry replays the answer.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::gateway::Player;
use crate::gateway::idempotency_key::IDEMPOTENCY_REPLAYED;
use crate::gateway::inflight::{Clash, InFlightKeys, Reserved};
use crate::problem::Problem;
use crate::store::{Begun, CommitBatch, IdempotencyDone, Store, StoreError};

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

/// A command whose key is reserved on this host while it runs.
pub struct Command {
    store: Store,
    game: String,
    player: String,
    key: String,
    request_hash: String,
    replay_ttl_ms: u64,
    _reserved: Reserved,
}

/// What [`begin`] found.
pub enum Started {
    New(Command),
    Replay(Stored),
}

/// Reserves `key` of `player` on this host for the request `what` (method
/// and path) with `body`, and looks its record up.
pub async fn begin<E: CommandError>(
    store: &Store,
    running: &InFlightKeys,
    windows: KeyWindows,
    player: &Player,
    key: &str,
    what: &str,
    body: &Value,
) -> Result<Started, E> {
    let request = serde_json::json!({ "request": what, "body": body });
    let request_hash = hex::encode(Sha256::digest(request.to_string().as_bytes()));
    let reserved = running
        .reserve(&player.game, &player.id, key, &request_hash)
        .map_err(|clash| match clash {
            Clash::InFlight => E::in_flight(),
            Clash::Reused => E::key_reused(),
        })?;
    let now_ms = crate::store::now_ms();
    if let Some(record) = store
        .idempotency_get(&player.game, &player.id, key, now_ms)
        .await?
    {
        return answer_of(record.answer(&request_hash)).map(Started::Replay);
    }
    Ok(Started::New(Command {
        store: store.clone(),
        game: player.game.clone(),
        player: player.id.clone(),
        key: key.to_owned(),
        request_hash,
        replay_ttl_ms: windows.replay_ttl_ms,
        _reserved: reserved,
    }))
}

/// The answer a key's live record gives: its stored answer to replay, or
/// why there is none yet.
fn answer_of<E: CommandError>(found: Begun) -> Result<Stored, E> {
    match found {
        Begun::Replay { response } => serde_json::from_str(&response)
            .map_err(|e| E::from(StoreError::invalid("stored answer", e.to_string()))),
        // A record in flight (another host's reservation) holds the key too.
        Begun::InFlight | Begun::New { .. } => Err(E::in_flight()),
        Begun::Mismatch => Err(E::key_reused()),
    }
}

impl Command {
    /// The record that marks the command done with `answer`: commit it in
    /// the command's batch (it commits only if no live record holds the key).
    pub fn done(&self, answer: &Stored) -> IdempotencyDone {
        let now_ms = crate::store::now_ms();
        IdempotencyDone {
            game: self.game.clone(),
            scope: self.player.clone(),
            key: self.key.clone(),
            request_hash: self.request_hash.clone(),
            response: serde_json::to_string(answer).unwrap_or_default(),
            attempt: None,
            now_ms,
            expires_at_ms: now_ms.saturating_add(self.replay_ttl_ms as i64),
        }
    }

    /// The answer to send: the command's own (already stored by its batch),
    /// or its refusal, stored now so a retry gets it again (unless another
    /// host's request recorded the key meanwhile: then that one's answer),
    /// or its failure, after which the key is free.
    pub async fn conclude<E: CommandError>(self, outcome: Result<Stored, E>) -> Response {
        match outcome {
            Ok(answer) => answer.response(false),
            Err(e) if e.is_refusal() => {
                let answer = Stored::of_problem(&e.into());
                let batch = CommitBatch {
                    idempotency: Some(self.done(&answer)),
                    ..Default::default()
                };
                match self.store.commit(batch).await {
                    Ok(_) => answer.response(false),
                    Err(StoreError::IdempotencyConflict { .. }) => self.recorded::<E>().await,
                    Err(cause) => {
                        tracing::warn!(error = %cause, "storing a refusal failed; its key stays free");
                        answer.response(false)
                    }
                }
            }
            Err(e) => {
                let problem: Problem = e.into();
                problem.into_response()
            }
        }
    }

    /// The answer of the record another request committed under the key.
    async fn recorded<E: CommandError>(&self) -> Response {
        let now_ms = crate::store::now_ms();
        let found = self
            .store
            .idempotency_get(&self.game, &self.player, &self.key, now_ms)
            .await
            .map_err(E::from)
            .and_then(|record| match record {
                Some(record) => answer_of::<E>(record.answer(&self.request_hash)),
                None => Err(E::in_flight()),
            });
        match found {
            Ok(stored) => stored.response(true),
            Err(e) => {
                let problem: Problem = e.into();
                problem.into_response()
            }
        }
    }
}
