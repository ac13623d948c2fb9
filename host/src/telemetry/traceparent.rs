//! The W3C `traceparent` (trace-context level 1): how a trace crosses a
//! process boundary. Written from a span's context ([`of`]),
//! read back as a span's remote parent ([`continue_from`]); the format and
//! its checks are the OpenTelemetry SDK's propagator's.
//!
//! Where it travels: the `traceparent` header of an HTTP request (its
//! server span continues it), and an event's envelope
//! ([`crate::bus::Envelope::traceparent`]): the outbox row, the embedded
//! log's column, the Kafka record's header.
//!
//! Cost: nothing unless [`super::enabled`]; then one string per written
//! `traceparent`. A malformed value is ignored (the span starts a trace of
//! its own), never an error: it comes from a client or a message.

use opentelemetry::Context;
use opentelemetry::propagation::{Extractor, Injector, TextMapPropagator as _};
use opentelemetry::trace::TraceContextExt as _;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use tracing_opentelemetry::OpenTelemetrySpanExt as _;

/// The header and field name.
pub const HEADER: &str = "traceparent";

/// The `traceparent` of `span`: its trace and span ids, if it is an
/// OpenTelemetry span.
pub fn of(span: &tracing::Span) -> Option<String> {
    if !super::enabled() || span.is_disabled() {
        return None;
    }
    let context = span.context();
    if !context.span().span_context().is_valid() {
        return None;
    }
    let mut written = Written(None);
    TraceContextPropagator::new().inject_context(&context, &mut written);
    written.0
}

/// Makes `span`, before it is entered, the child of the remote span that
/// `traceparent` names; a missing or malformed value leaves it as it was.
pub fn continue_from(span: &tracing::Span, traceparent: Option<&str>) {
    let Some(value) = traceparent.filter(|_| super::enabled()) else {
        return;
    };
    let remote = parse(value);
    if remote.span().span_context().is_valid() {
        // Fails only for a span no layer traces: nothing to continue then.
        let _ = span.set_parent(remote);
    }
}

/// The remote context `traceparent` names (an empty one if malformed).
fn parse(traceparent: &str) -> Context {
    TraceContextPropagator::new().extract(&One(traceparent))
}

/// A carrier of one `traceparent`, read.
struct One<'a>(&'a str);

impl Extractor for One<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        (key == HEADER).then_some(self.0)
    }

    fn keys(&self) -> Vec<&str> {
        vec![HEADER]
    }
}

/// A carrier of one `traceparent`, written (the `tracestate` is dropped: the
/// host keeps none).
struct Written(Option<String>);

impl Injector for Written {
    fn set(&mut self, key: &str, value: String) {
        if key == HEADER {
            self.0 = Some(value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry_sdk::trace::SdkTracerProvider;
    use tracing_subscriber::layer::SubscriberExt as _;

    const CALLER: &str = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    /// Runs `f` under a subscriber whose spans are OpenTelemetry spans (of
    /// a provider that exports nowhere).
    fn traced<R>(f: impl FnOnce() -> R) -> R {
        let provider = SdkTracerProvider::builder().build();
        let subscriber =
            tracing_subscriber::registry().with(super::super::export::layer(&provider));
        tracing::subscriber::with_default(subscriber, f)
    }

    #[test]
    fn a_span_continued_from_a_callers_traceparent_is_its_child_in_its_trace() {
        let written = traced(|| {
            let span = tracing::info_span!("request");
            continue_from(&span, Some(CALLER));
            of(&span)
        })
        .expect("a traced span has a traceparent");
        let parts: Vec<&str> = written.split('-').collect();
        assert_eq!(parts.len(), 4, "{written}");
        assert_eq!(parts[0], "00");
        assert_eq!(
            parts[1], "0af7651916cd43dd8448eb211c80319c",
            "the caller's trace"
        );
        assert_ne!(parts[2], "b7ad6b7169203331", "a span of its own");
        assert_eq!(parts[3], "01", "sampled, as the caller asked");
    }

    #[test]
    fn a_malformed_traceparent_starts_a_trace_of_its_own() {
        for bad in [
            "",
            "nonsense",
            "00-00000000000000000000000000000000-b7ad6b7169203331-01",
        ] {
            let written = traced(|| {
                let span = tracing::info_span!("request");
                continue_from(&span, Some(bad));
                of(&span)
            })
            .expect("still traced");
            assert!(
                !written.contains("0af7651916cd43dd8448eb211c80319c"),
                "{bad:?} -> {written}"
            );
            assert_eq!(written.len(), 55, "{written}");
        }
    }

    #[test]
    fn a_child_span_writes_its_parents_trace() {
        let (parent, child) = traced(|| {
            let parent = tracing::info_span!("commit");
            let child = parent.in_scope(|| {
                let child = tracing::debug_span!("publish");
                of(&child)
            });
            (of(&parent), child)
        });
        let (parent, child) = (parent.expect("parent"), child.expect("child"));
        assert_eq!(parent[3..35], child[3..35], "one trace: {parent} {child}");
        assert_ne!(parent[36..52], child[36..52], "two spans");
    }

    #[test]
    fn an_untraced_span_has_no_traceparent() {
        let span = tracing::Span::none();
        assert_eq!(of(&span), None);
        continue_from(&span, Some(CALLER));
        assert_eq!(of(&span), None);
    }
}
