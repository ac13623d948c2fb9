//! [`ApiJson`]: axum's `Json` extractor whose refusals are problem+json,
//! for every JSON body of the player API.
//!
//! A body that is not JSON is 400, JSON of the wrong shape 422, a missing
//! `Content-Type: application/json` 415, a body over the limit 413
//! ([`super::body_limit`]).

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use crate::problem::Problem;

/// A JSON request body of type `T`.
#[derive(Debug, Clone)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = Problem;

    async fn from_request(request: Request, state: &S) -> Result<Self, Problem> {
        match Json::<T>::from_request(request, state).await {
            Ok(Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(problem(&rejection)),
        }
    }
}

/// The problem+json of a refused JSON body.
fn problem(rejection: &JsonRejection) -> Problem {
    let status = rejection.status();
    let detail = rejection.body_text();
    match status {
        StatusCode::PAYLOAD_TOO_LARGE => super::body_limit::too_large(detail),
        StatusCode::UNPROCESSABLE_ENTITY => Problem::new(
            status,
            "invalid-body",
            "Request body has the wrong shape",
            detail,
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => Problem::new(
            status,
            "unsupported-media-type",
            "Request body must be JSON",
            detail,
        ),
        _ => Problem::new(
            status,
            "malformed-body",
            "Request body is not valid JSON",
            detail,
        ),
    }
}
