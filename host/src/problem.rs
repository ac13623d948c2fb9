//! `application/problem+json` (RFC 9457): the one shape of every HTTP error.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::runtime::{CallError, RegistryError};

/// An HTTP error, rendered as problem+json.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
}

impl Problem {
    pub fn new(status: StatusCode, kind: &str, title: &str, detail: impl Into<String>) -> Self {
        Self {
            kind: format!("https://idempo.dev/problems/{kind}"),
            title: title.into(),
            status: status.as_u16(),
            detail: detail.into(),
        }
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
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        response
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
