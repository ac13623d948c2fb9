//! The market's refusals and failures, and how they read over HTTP:
//!
//! | error | status | `type` |
//! |---|---|---|
//! | `Invalid` | 400 | `invalid-request` |
//! | `Unknown` | 404 | `unknown-listing`, `unknown-offer`, `unknown-trade`, `unknown-item`, `unknown-recipe`, `unknown-player` |
//! | `NotYours` | 403 | `not-yours` |
//! | `ItemUnavailable` | 409 | `item-unavailable` |
//! | `NotOpen` | 409 | `listing-not-open`, `offer-not-open` |
//! | `InFlight` | 409 | `idempotency-key-in-flight` |
//! | `Refused` | 422 | `market-refused` (the market component said no) |
//! | `InsufficientFunds` | 422 | `insufficient-funds` |
//! | `MissingIngredients` | 422 | `missing-ingredients` |
//! | `KeyReused` | 422 | `idempotency-key-reused` |
//! | `Component` | 503 + `Retry-After: 1` | `component-unavailable` |
//! | `Store` | 500 | `internal` (cause logged, not shown) |
//!
//! A refusal (`is_refusal`) is the request's answer: it is stored under the
//! request's idempotency key and replayed. A failure is not: the key is
//! freed and a retry runs anew.

use axum::http::StatusCode;

use crate::problem::Problem;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum MarketError {
    #[error("{0}")]
    Invalid(String),
    /// `what` is `listing`, `offer`, `trade`, `item`, `recipe` or `player`.
    #[error("no {what} `{id}`")]
    Unknown { what: &'static str, id: String },
    #[error("{0}")]
    NotYours(String),
    #[error("{0}")]
    ItemUnavailable(String),
    /// `what` is `listing` or `offer`.
    #[error("{what} `{id}` is {state}, not open")]
    NotOpen {
        what: &'static str,
        id: String,
        state: String,
    },
    #[error("this Idempotency-Key's first request is still being served")]
    InFlight,
    #[error("{0}")]
    Refused(String),
    #[error("{0}")]
    InsufficientFunds(String),
    #[error("{0}")]
    MissingIngredients(String),
    #[error("this Idempotency-Key was used for another request")]
    KeyReused,
    #[error("market component: {0}")]
    Component(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl MarketError {
    /// True for an answer the client gets again on a retry of the request.
    pub fn is_refusal(&self) -> bool {
        !matches!(
            self,
            Self::InFlight | Self::KeyReused | Self::Component(_) | Self::Store(_)
        )
    }
}

impl crate::gateway::command::CommandError for MarketError {
    fn in_flight() -> Self {
        Self::InFlight
    }

    fn key_reused() -> Self {
        Self::KeyReused
    }

    fn is_refusal(&self) -> bool {
        MarketError::is_refusal(self)
    }
}

impl From<MarketError> for Problem {
    fn from(e: MarketError) -> Self {
        use MarketError as E;
        let detail = e.to_string();
        let problem =
            |status, kind: &str, title: &str| Problem::new(status, kind, title, detail.clone());
        match &e {
            E::Invalid(_) => problem(
                StatusCode::BAD_REQUEST,
                "invalid-request",
                "Invalid request",
            ),
            E::Unknown { what, .. } => problem(
                StatusCode::NOT_FOUND,
                &format!("unknown-{what}"),
                &format!("No such {what}"),
            ),
            E::NotYours(_) => problem(StatusCode::FORBIDDEN, "not-yours", "Not yours"),
            E::ItemUnavailable(_) => {
                problem(StatusCode::CONFLICT, "item-unavailable", "Item unavailable")
            }
            E::NotOpen { what, .. } => problem(
                StatusCode::CONFLICT,
                &format!("{what}-not-open"),
                &format!("The {what} is not open"),
            ),
            E::InFlight => problem(
                StatusCode::CONFLICT,
                "idempotency-key-in-flight",
                "Request in flight",
            ),
            E::Refused(_) => problem(
                StatusCode::UNPROCESSABLE_ENTITY,
                "market-refused",
                "Refused by the market's rules",
            ),
            E::InsufficientFunds(_) => problem(
                StatusCode::UNPROCESSABLE_ENTITY,
                "insufficient-funds",
                "Insufficient funds",
            ),
            E::MissingIngredients(_) => problem(
                StatusCode::UNPROCESSABLE_ENTITY,
                "missing-ingredients",
                "Missing ingredients",
            ),
            E::KeyReused => problem(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency-key-reused",
                "Idempotency-Key reused",
            ),
            E::Component(_) => problem(
                StatusCode::SERVICE_UNAVAILABLE,
                "component-unavailable",
                "Market rules unavailable",
            )
            .retry_after(1),
            E::Store(cause) => Problem::internal("the market", cause),
        }
    }
}
