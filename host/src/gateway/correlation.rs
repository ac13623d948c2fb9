//! Correlation ids: every request gets one, so a player's call, the logs it
//! writes and the events it causes can be found together.
//!
//! The id is the caller's `X-Correlation-Id` when it is 1 to 128 printable
//! ASCII characters, otherwise a new uuid v7. The middleware ([`correlate`])
//! puts it in the request's extensions (handlers take it with the
//! [`CorrelationId`] extractor and pass it into the events they commit), runs
//! the request inside a tracing span that carries it, and echoes it in the
//! response header. The span also carries the player's id and the match's
//! once known: the [`super::Player`] extractor and the routes of one match
//! note them ([`note_player`], [`note_match`]), so every log line of the
//! request names them.
//!
//! The span is also the request's OpenTelemetry server span
//! ([`crate::telemetry`]): it continues the caller's `traceparent` header,
//! takes the route's template as its name once routed ([`note_route`]),
//! and records the response's status (an error status for a 5xx).

use std::convert::Infallible;

use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument as _;
use tracing::field::Empty;

use crate::telemetry::traceparent;

/// The header that carries the id, both ways.
pub const HEADER: HeaderName = HeaderName::from_static("x-correlation-id");

/// Most bytes of a caller's id.
pub const MAX_BYTES: usize = 128;

/// The correlation id of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorrelationId(pub String);

impl CorrelationId {
    /// A new id (a uuid v7).
    pub fn generate() -> Self {
        Self(crate::store::new_event_id())
    }

    /// The caller's id, if it is 1 to [`MAX_BYTES`] printable ASCII
    /// characters (space included).
    pub fn parse(given: &[u8]) -> Option<Self> {
        let printable = given.iter().all(|b| b.is_ascii_graphic() || *b == b' ');
        if given.is_empty() || given.len() > MAX_BYTES || !printable {
            return None;
        }
        std::str::from_utf8(given).ok().map(|s| Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for CorrelationId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The request's id; a fresh one where [`correlate`] did not run.
impl<S: Send + Sync> FromRequestParts<S> for CorrelationId {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Infallible> {
        Ok(parts
            .extensions
            .get::<CorrelationId>()
            .cloned()
            .unwrap_or_else(CorrelationId::generate))
    }
}

/// Middleware: gives the request its id, runs it in a span with that id,
/// and echoes the id in the response.
pub async fn correlate(mut request: Request, next: Next) -> Response {
    let id = request
        .headers()
        .get(&HEADER)
        .and_then(|v| CorrelationId::parse(v.as_bytes()))
        .unwrap_or_else(CorrelationId::generate);
    request.extensions_mut().insert(id.clone());
    let span = tracing::info_span!(
        "request",
        otel.name = %request.method(),
        otel.kind = "server",
        otel.status_code = Empty,
        http.request.method = %request.method(),
        url.path = %request.uri().path(),
        http.route = Empty,
        http.response.status_code = Empty,
        correlation_id = %id,
        player_id = Empty,
        match_id = Empty,
    );
    let caller = request
        .headers()
        .get(traceparent::HEADER)
        .and_then(|v| v.to_str().ok());
    traceparent::continue_from(&span, caller);
    let mut response = next.run(request).instrument(span.clone()).await;
    let status = response.status();
    span.record("http.response.status_code", status.as_u16());
    if status.is_server_error() {
        span.record("otel.status_code", "error");
    }
    if let Ok(value) = HeaderValue::from_str(id.as_str()) {
        response.headers_mut().insert(HEADER, value);
    }
    response
}

/// Names the request's span by its route's template (`POST
/// /v1/matches/{match_id}/actions`), once the router matched one.
pub fn note_route(method: &str, route: &str) {
    let span = tracing::Span::current();
    span.record("http.route", route);
    if crate::telemetry::enabled() {
        span.record("otel.name", format!("{method} {route}"));
    }
}

/// Adds the calling player's id to the request's span.
pub fn note_player(player_id: &str) {
    tracing::Span::current().record("player_id", player_id);
}

/// Adds the match the request is about to the request's span.
pub fn note_match(match_id: &str) {
    tracing::Span::current().record("match_id", match_id);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_printable_id_is_kept_and_others_are_not() {
        assert_eq!(
            CorrelationId::parse(b"trace 42/abc").map(|c| c.0),
            Some("trace 42/abc".to_owned())
        );
        assert_eq!(
            CorrelationId::parse(&[b'a'; MAX_BYTES]).map(|c| c.0.len()),
            Some(128)
        );
        assert!(CorrelationId::parse(&[b'a'; MAX_BYTES + 1]).is_none());
        assert!(CorrelationId::parse(b"").is_none());
        assert!(CorrelationId::parse(b"tab\there").is_none());
        assert!(CorrelationId::parse("café".as_bytes()).is_none());
    }

    /// Log lines written to memory.
    #[derive(Clone, Default)]
    struct Lines(std::sync::Arc<parking_lot::Mutex<Vec<u8>>>);

    impl std::io::Write for Lines {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// The one JSON log line a request to a route that logs writes, with
    /// `headers`, traced by `telemetry`.
    async fn json_line(
        telemetry: &crate::telemetry::Telemetry,
        headers: &[(&str, &str)],
    ) -> serde_json::Value {
        use crate::logs::{LogFormat, subscriber};
        use axum::routing::get;
        use tower::ServiceExt as _;

        let lines = Lines::default();
        let writer = lines.clone();
        let logs = subscriber(
            LogFormat::Json,
            "info".into(),
            move || writer.clone(),
            telemetry,
        );
        let _installed = tracing::dispatcher::set_default(&logs);
        let app = axum::Router::new()
            .route(
                "/act",
                get(|| async {
                    note_player("p-7");
                    note_match("m-9");
                    tracing::info!(damage = 3, "hit");
                }),
            )
            .layer(axum::middleware::from_fn(correlate));
        let mut request = axum::http::Request::get("/act");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = request.body(axum::body::Body::empty()).expect("a request");
        let response = app.oneshot(request).await.expect("an answer");
        assert_eq!(response.headers()[HEADER], "obs-1");
        let text = String::from_utf8(lines.0.lock().clone()).expect("UTF-8");
        serde_json::from_str(text.trim()).expect("one JSON line")
    }

    #[tokio::test]
    async fn a_json_log_line_of_a_request_carries_its_correlation_player_and_match_ids() {
        let untraced = crate::telemetry::Telemetry::default();
        let line = json_line(&untraced, &[("x-correlation-id", "obs-1")]).await;
        assert_eq!(line["message"], "hit");
        assert_eq!(line["damage"], 3, "the event's fields at the top: {line}");
        let span = &line["span"];
        assert_eq!(
            (
                &span["correlation_id"],
                &span["player_id"],
                &span["match_id"]
            ),
            (&"obs-1".into(), &"p-7".into(), &"m-9".into()),
            "{line}"
        );
        assert!(
            line.get("trace_id").is_none(),
            "no traces, no trace id: {line}"
        );
    }

    #[tokio::test]
    async fn a_json_log_line_of_a_traced_request_leads_with_the_callers_trace_id() {
        let provider = opentelemetry_sdk::trace::SdkTracerProvider::builder().build();
        let traced = crate::telemetry::Telemetry::with_provider(provider);
        let caller = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        let line = json_line(
            &traced,
            &[("x-correlation-id", "obs-1"), ("traceparent", caller)],
        )
        .await;
        assert_eq!(
            line["trace_id"], "0af7651916cd43dd8448eb211c80319c",
            "{line}"
        );
        let span_id = line["span_id"].as_str().expect("a span id");
        assert_eq!(span_id.len(), 16, "{line}");
        assert_ne!(
            span_id, "b7ad6b7169203331",
            "the request's own span: {line}"
        );
        assert_eq!(line["span"]["correlation_id"], "obs-1", "{line}");
        assert_eq!(line["span"]["http.request.method"], "GET", "{line}");
    }

    #[test]
    fn a_generated_id_is_a_uuid_v7() {
        let id = CorrelationId::generate();
        let uuid = uuid::Uuid::parse_str(id.as_str()).expect("a uuid");
        assert_eq!(uuid.get_version_num(), 7);
    }
}
