//! `application/problem+json` (RFC 9457): the one shape of every HTTP error,
//! and the request pieces whose refusals take that shape.
//!
//! - [`Problem`]: the error itself, with optional extension members
//!   ([`Problem::with`]) and an optional `Retry-After` header
//!   ([`Problem::retry_after`]); [`Problem::internal`] is the 500 that logs
//!   the cause and shows the client none of it (no SQL, no paths);
//! - [`ApiQuery`] and [`ApiPath`]: axum's `Query` and `Path` extractors whose
//!   refusals are 400 problem+json instead of plain text (the player API's
//!   JSON bodies have [`crate::gateway::ApiJson`]);
//! - [`Param`]: a text parameter (an id, a currency) that can reach a
//!   database; [`page_limit`] and [`non_negative`]: the one check of a
//!   page's `limit`, and of a sequence number to resume after.

use axum::extract::{FromRequestParts, Path, Query};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::runtime::{CallError, RegistryError};
use crate::store::StoreError;

/// An HTTP error, rendered as problem+json.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Extension members (RFC 9457 section 3.2), beside the standard ones;
    /// none unless a caller adds them with [`Problem::with`].
    #[serde(flatten)]
    pub extensions: Map<String, Value>,
    /// Sent as the `Retry-After` header (whole seconds), not in the body.
    #[serde(skip)]
    pub retry_after_secs: Option<u64>,
}

impl Problem {
    pub fn new(status: StatusCode, kind: &str, title: &str, detail: impl Into<String>) -> Self {
        Self {
            kind: format!("https://idempo.dev/problems/{kind}"),
            title: title.into(),
            status: status.as_u16(),
            detail: detail.into(),
            extensions: Map::new(),
            retry_after_secs: None,
        }
    }

    /// This problem with the extension member `name` (a standard member's
    /// name is refused: the member is not added).
    pub fn with(mut self, name: &str, value: impl Serialize) -> Self {
        if !matches!(name, "type" | "title" | "status" | "detail" | "instance") {
            let value = serde_json::to_value(value).unwrap_or_default();
            self.extensions.insert(name.to_owned(), value);
        }
        self
    }

    /// This problem, telling the client to retry after `secs` seconds.
    pub fn retry_after(mut self, secs: u64) -> Self {
        self.retry_after_secs = Some(secs);
        self
    }

    /// 500 `internal` for a failure the client can do nothing about: the
    /// cause goes to the log (with the request's correlation id, from its
    /// span), the client reads only that the host failed.
    pub fn internal(what: &str, cause: &dyn std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "{what} failed");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Internal error",
            format!("{what} failed; the host's log has the details"),
        )
    }

    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "bad-request",
            "Bad request",
            detail,
        )
    }

    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Unauthorized",
            detail,
        )
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut response = (status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Some(secs) = self.retry_after_secs {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

/// A query string of type `T`; one that does not parse is 400
/// `invalid-query`.
#[derive(Debug, Clone)]
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Problem> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(value)) => Ok(Self(value)),
            Err(e) => Err(refused(e.status(), "invalid-query", e.body_text())),
        }
    }
}

/// Path parameters of type `T`; ones that do not parse are 400
/// `invalid-path`.
#[derive(Debug, Clone)]
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Problem> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(Self(value)),
            Err(e) => Err(refused(e.status(), "invalid-path", e.body_text())),
        }
    }
}

/// The problem of a refused query string or path (a 500 of axum's stays a
/// 500: a route declared without its parameter is the host's fault).
fn refused(status: StatusCode, kind: &str, detail: String) -> Problem {
    if status.is_server_error() {
        return Problem::internal("reading the request's path", &detail);
    }
    Problem::new(
        StatusCode::BAD_REQUEST,
        kind,
        "Request parameters are malformed",
        detail,
    )
}

/// Longest text parameter (an id, a currency, an item type), in bytes.
pub const MAX_PARAM_BYTES: usize = 255;

/// A text parameter of a path or a query: 1 to [`MAX_PARAM_BYTES`] bytes
/// without control characters (no NUL reaches a database). Read through
/// [`ApiPath`] or [`ApiQuery`], a bad one is their 400.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(try_from = "String")]
pub struct Param(String);

impl Param {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Param {
    type Error = String;

    fn try_from(value: String) -> Result<Self, String> {
        if value.is_empty() || value.len() > MAX_PARAM_BYTES || value.chars().any(char::is_control)
        {
            return Err(format!(
                "a parameter has 1 to {MAX_PARAM_BYTES} bytes without control characters"
            ));
        }
        Ok(Self(value))
    }
}

impl std::fmt::Display for Param {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::ops::Deref for Param {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

/// A page's `limit` parameter: `given`, or `default` if absent; 400
/// `invalid-limit` outside `1..=max`.
pub fn page_limit(given: Option<u32>, default: u32, max: u32) -> Result<u32, Problem> {
    let limit = given.unwrap_or(default);
    if (1..=max).contains(&limit) {
        return Ok(limit);
    }
    Err(Problem::new(
        StatusCode::BAD_REQUEST,
        "invalid-limit",
        "Page limit out of range",
        format!("limit must be 1 to {max}; got {limit}"),
    ))
}

/// A sequence number or version from a query: `given`, 0 if absent; 400
/// `invalid-query` if negative.
pub fn non_negative(what: &str, given: Option<i64>) -> Result<i64, Problem> {
    match given.unwrap_or(0) {
        n if n >= 0 => Ok(n),
        n => Err(Problem::new(
            StatusCode::BAD_REQUEST,
            "invalid-query",
            "Request parameters are malformed",
            format!("{what} must be at least 0; got {n}"),
        )),
    }
}

/// A store failure is the host's: 500, its cause logged, not shown.
impl From<StoreError> for Problem {
    fn from(e: StoreError) -> Self {
        Self::internal("storage", &e)
    }
}

impl From<RegistryError> for Problem {
    fn from(e: RegistryError) -> Self {
        use RegistryError as E;
        let (status, kind, title) = match &e {
            E::Invalid { .. } => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid-component",
                "Component does not match its world",
            ),
            E::VersionConflict { .. } => (
                StatusCode::CONFLICT,
                "version-conflict",
                "Version already loaded with other content",
            ),
            E::UnknownComponent { .. } | E::UnknownVersion { .. } => (
                StatusCode::NOT_FOUND,
                "not-found",
                "No such component or version",
            ),
            E::NothingToRollBack { .. } | E::NoActiveVersion { .. } => (
                StatusCode::CONFLICT,
                "no-rollback",
                "Nothing to roll back to",
            ),
            E::BadFileName { .. } | E::BadName { .. } => {
                (StatusCode::BAD_REQUEST, "bad-name", "Bad component name")
            }
            E::Storage(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "storage",
                "Component storage failed",
            ),
        };
        Self::new(status, kind, title, e.to_string())
    }
}

impl From<CallError> for Problem {
    fn from(e: CallError) -> Self {
        let status = match e {
            CallError::BreakerOpen { .. }
            | CallError::Overloaded { .. }
            | CallError::HostFailure { .. } => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::BAD_GATEWAY,
        };
        Self::new(
            status,
            &format!("component-{}", e.kind()),
            "Component call failed",
            e.to_string(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensions_sit_beside_the_standard_members_and_retry_after_is_a_header() {
        let problem = Problem::new(StatusCode::CONFLICT, "x", "X", "why")
            .with("match_id", "m1")
            .with("status", 200)
            .retry_after(3);
        let body = serde_json::to_value(&problem).unwrap();
        assert_eq!(body["match_id"], "m1");
        assert_eq!(body["status"], 409, "a standard member is not overwritten");
        assert!(body.get("retry_after_secs").is_none());
        let response = problem.into_response();
        assert_eq!(response.headers()[header::RETRY_AFTER], "3");
        let plain = serde_json::to_value(Problem::bad_request("no")).unwrap();
        assert_eq!(plain.as_object().map(|o| o.len()), Some(4), "{plain}");
    }

    #[test]
    fn parameters_are_checked_once() {
        assert_eq!(page_limit(None, 20, 100).unwrap(), 20);
        assert_eq!(page_limit(Some(100), 20, 100).unwrap(), 100);
        assert!(page_limit(Some(0), 20, 100).is_err());
        assert!(page_limit(Some(101), 20, 100).is_err());
        assert_eq!(non_negative("after", None).unwrap(), 0);
        assert!(non_negative("after", Some(-1)).is_err());
        assert_eq!(Param::try_from("gold".to_owned()).unwrap().as_str(), "gold");
        for bad in [
            String::new(),
            "a\0b".into(),
            "tab\t".into(),
            "x".repeat(256),
        ] {
            assert!(Param::try_from(bad.clone()).is_err(), "{bad:?}");
        }
    }
}
