//! The tournament's refusals and failures, and how they read over HTTP:
//!
//! | error | status | `type` |
//! |---|---|---|
//! | `Invalid` | 400 | `invalid-request` |
//! | `NoTournament` | 404 | `no-tournament` (none that day, or not created yet) |
//! | `NotEntered` | 404 | `not-entered` |
//! | `UnknownGroup` | 404 | `unknown-group` |
//! | `AlreadyEntered` | 409 | `already-entered` |
//! | `NotFinal` | 409 | `tournament-not-final` (a claim before the end) |
//! | `EntryFailed` | 409 | `entry-failed` (its saga failed and refunded the fee) |
//! | `InFlight` | 409 | `idempotency-key-in-flight` |
//! | `LevelTooLow` | 422 | `level-too-low` |
//! | `InsufficientFunds` | 422 | `insufficient-funds` |
//! | `EntryClosed` | 422 | `entry-closed` (the cut-off passed, or not open yet) |
//! | `KeyReused` | 422 | `idempotency-key-reused` |
//! | `Component` | 503 + `Retry-After: 1` | `component-unavailable` |
//! | `Store` | 500 | `internal` (cause logged, not shown) |
//!
//! A refusal ([`TournamentError::is_refusal`]) is the request's answer: it
//! is stored under the request's idempotency key and replayed.

use axum::http::StatusCode;

use crate::gateway::command::CommandError;
use crate::problem::Problem;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum TournamentError {
    #[error("{0}")]
    Invalid(String),
    #[error("there is no tournament on {day}: {why}")]
    NoTournament { day: String, why: String },
    #[error("you have not entered the tournament of {day}")]
    NotEntered { day: String },
    #[error("the tournament of {day} has no group {group}")]
    UnknownGroup { day: String, group: i64 },
    #[error("you have already entered the tournament of {day}")]
    AlreadyEntered { day: String },
    #[error("the tournament of {day} is not over yet: ranks are final at {ends_at}")]
    NotFinal { day: String, ends_at: String },
    #[error("the entry did not complete and its fee was refunded: {0}")]
    EntryFailed(String),
    #[error("this Idempotency-Key's first request is still being served")]
    InFlight,
    #[error("level {min} is needed to enter; you are level {level}")]
    LevelTooLow { level: u32, min: u32 },
    #[error("the fee is {fee} {currency}; you have {available} {currency} available")]
    InsufficientFunds {
        fee: i64,
        available: i64,
        currency: String,
    },
    #[error("entries to the tournament of {day} are taken from {opens_at} until {closes_at}")]
    EntryClosed {
        day: String,
        opens_at: String,
        closes_at: String,
    },
    #[error("this Idempotency-Key was used for another request")]
    KeyReused,
    #[error("tournament component: {0}")]
    Component(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl CommandError for TournamentError {
    fn in_flight() -> Self {
        Self::InFlight
    }

    fn key_reused() -> Self {
        Self::KeyReused
    }

    fn is_refusal(&self) -> bool {
        !matches!(
            self,
            Self::InFlight | Self::KeyReused | Self::Component(_) | Self::Store(_)
        )
    }
}

impl From<TournamentError> for Problem {
    fn from(e: TournamentError) -> Self {
        use TournamentError as E;
        let detail = e.to_string();
        let problem =
            |status, kind: &str, title: &str| Problem::new(status, kind, title, detail.clone());
        match &e {
            E::Invalid(_) => problem(
                StatusCode::BAD_REQUEST,
                "invalid-request",
                "Invalid request",
            ),
            E::NoTournament { .. } => {
                problem(StatusCode::NOT_FOUND, "no-tournament", "No tournament")
            }
            E::NotEntered { .. } => problem(StatusCode::NOT_FOUND, "not-entered", "Not entered"),
            E::UnknownGroup { .. } => {
                problem(StatusCode::NOT_FOUND, "unknown-group", "No such group")
            }
            E::AlreadyEntered { .. } => {
                problem(StatusCode::CONFLICT, "already-entered", "Already entered")
            }
            E::NotFinal { .. } => problem(
                StatusCode::CONFLICT,
                "tournament-not-final",
                "The tournament is not over",
            ),
            E::EntryFailed(_) => problem(StatusCode::CONFLICT, "entry-failed", "Entry failed"),
            E::InFlight => problem(
                StatusCode::CONFLICT,
                "idempotency-key-in-flight",
                "Request in flight",
            ),
            E::LevelTooLow { .. } => problem(
                StatusCode::UNPROCESSABLE_ENTITY,
                "level-too-low",
                "Level too low",
            ),
            E::InsufficientFunds { .. } => problem(
                StatusCode::UNPROCESSABLE_ENTITY,
                "insufficient-funds",
                "Insufficient funds",
            ),
            E::EntryClosed { .. } => problem(
                StatusCode::UNPROCESSABLE_ENTITY,
                "entry-closed",
                "Entry closed",
            ),
            E::KeyReused => problem(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency-key-reused",
                "Idempotency-Key reused",
            ),
            E::Component(_) => problem(
                StatusCode::SERVICE_UNAVAILABLE,
                "component-unavailable",
                "Tournament rules unavailable",
            )
            .retry_after(1),
            E::Store(cause) => Problem::internal("the tournament", cause),
        }
    }
}
