//! The bound on request bodies of the player API (`body_limit_bytes`).
//!
//! Two layers keep it: [`refuse_oversized`] refuses a request whose
//! `Content-Length` is over the bound before anything reads it, and axum's
//! `DefaultBodyLimit` stops a body without a length (chunked) when an
//! extractor reads past the bound, which [`super::json::ApiJson`] reports
//! the same way. Both answer 413 problem+json.

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::problem::Problem;

/// 413 problem+json.
pub fn too_large(detail: impl Into<String>) -> Problem {
    Problem::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "body-too-large",
        "Request body too large",
        detail,
    )
}

/// Middleware: refuses a declared body over `limit` bytes with 413.
pub async fn refuse_oversized(
    State(limit): State<usize>,
    request: Request,
    next: Next,
) -> Response {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    match declared {
        Some(length) if length > limit as u64 => too_large(format!(
            "the body has {length} bytes; the player API takes at most {limit}"
        ))
        .into_response(),
        _ => next.run(request).await,
    }
}
