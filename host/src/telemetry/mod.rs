//! Traces: OpenTelemetry spans along an action's path, exported over OTLP
//! when an endpoint is configured, and the W3C `traceparent` that carries a
//! trace across the bus.
//!
//! - [`config`]: the `[telemetry]` knobs ([`TelemetryConfig`]): the OTLP
//!   endpoint, the service name, sampling and the exporter's bounds;
//! - [`export`]: the tracer provider, its OTLP/HTTP exporter and the layer
//!   that turns the host's tracing spans into OpenTelemetry spans;
//!   [`Telemetry::shutdown`] flushes what is queued;
//! - [`traceparent`]: a span's context as a W3C `traceparent`, and a span
//!   continued from one (an HTTP header, an event's envelope);
//! - [`log_ids`]: JSON log lines that carry the trace and span ids of the
//!   span they were written in.
//!
//! The spans of a stamped action, one trace: `request` (the HTTP server
//! span, [`crate::gateway::correlation`]; it continues the caller's
//! `traceparent`) -> `component call` ([`crate::runtime::call`]) and
//! `commit` ([`crate::store::group`]), whose context the events it writes
//! carry in their envelope -> `publish` (the outbox relay,
//! [`crate::bus::relay`]), whose context travels with the event (a Kafka
//! header, the embedded log's column) -> `consume` (each consumer group,
//! [`crate::bus::consumer`]) -> that group's own `commit`.
//!
//! Without an endpoint nothing is installed: no layer, no exporter, no
//! thread; [`enabled`] is false and the helpers return at once, so the
//! spans cost what a log line's span costs.

pub mod config;
pub mod export;
pub mod log_ids;
pub mod traceparent;

use std::sync::atomic::{AtomicBool, Ordering};

pub use config::TelemetryConfig;
pub use export::{Telemetry, TelemetryError};

/// Set once a tracing layer that makes OpenTelemetry spans is built.
static ENABLED: AtomicBool = AtomicBool::new(false);

/// Whether spans become OpenTelemetry spans in this process: false until
/// [`export::layer`] built one, and the helpers skip their work.
pub fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

fn set_enabled() {
    ENABLED.store(true, Ordering::Relaxed);
}

/// `tokio::task::spawn_blocking`, with `f` run in the caller's span: a
/// component call made on a blocking thread stays in its action's trace.
pub fn spawn_blocking<F, R>(f: F) -> tokio::task::JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || span.in_scope(f))
}
