//! The `Idempotency-Key` request header (IETF httpapi idempotency-key
//! draft) of every mutating player call, and the header that marks a
//! replayed answer.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderName, StatusCode};

use crate::problem::Problem;

/// Longest key accepted, in bytes.
pub const MAX_KEY_BYTES: usize = 255;

/// The request header that makes an action idempotent.
pub const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
/// The response header that marks a replayed answer.
pub const IDEMPOTENCY_REPLAYED: HeaderName = HeaderName::from_static("idempotency-replayed");

/// The `Idempotency-Key` header of a mutating call (IETF httpapi
/// idempotency-key draft): 1 to [`MAX_KEY_BYTES`] visible ASCII
/// characters, taken verbatim, one per player. Missing: 400
/// `idempotency-key-missing`; malformed or repeated: 400
/// `idempotency-key-invalid`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey(pub String);

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKey {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Problem> {
        let mut values = parts.headers.get_all(IDEMPOTENCY_KEY).iter();
        let Some(value) = values.next() else {
            return Err(Problem::new(
                StatusCode::BAD_REQUEST,
                "idempotency-key-missing",
                "Idempotency-Key header missing",
                "this call needs an `Idempotency-Key` header: a key of your choice, new for each \
                 new request and the same for each retry of it",
            ));
        };
        let bytes = value.as_bytes();
        let visible = bytes.iter().all(|b| (0x21..=0x7e).contains(b));
        if values.next().is_some() || bytes.is_empty() || bytes.len() > MAX_KEY_BYTES || !visible {
            return Err(Problem::new(
                StatusCode::BAD_REQUEST,
                "idempotency-key-invalid",
                "Idempotency-Key header malformed",
                format!(
                    "the `Idempotency-Key` header must appear once and hold 1 to {MAX_KEY_BYTES} \
                     visible ASCII characters (no spaces)"
                ),
            ));
        }
        Ok(Self(String::from_utf8_lossy(bytes).into_owned()))
    }
}
