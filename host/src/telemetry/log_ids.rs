//! JSON log lines that name their trace: `trace_id` and `span_id` (the
//! span the line was written in, as log lines see spans) lead the object
//! when that span is an OpenTelemetry span, so a line found in the log
//! store leads to its trace, and a trace to its lines.
//!
//! [`WithTraceIds`] wraps the JSON event format: it writes the line as that
//! format does, then puts the ids in front. It reads the ids through the
//! dispatcher it runs in, which [`DispatchSlot`] hands it once the
//! subscriber is built ([`crate::logs::subscriber`]). Without telemetry it
//! adds nothing and costs one atomic load.

use std::fmt;
use std::sync::{Arc, OnceLock};

use opentelemetry::trace::{SpanId, TraceContextExt as _, TraceId};
use tracing::dispatcher::WeakDispatch;
use tracing::{Dispatch, Event, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// Where a formatter finds the dispatcher it runs in; filled once, after
/// the subscriber is built.
#[derive(Debug, Clone, Default)]
pub struct DispatchSlot(Arc<OnceLock<WeakDispatch>>);

impl DispatchSlot {
    /// Hands `dispatch` (weakly: the formatter lives inside it) to the
    /// formatters that share this slot.
    pub fn fill(&self, dispatch: &Dispatch) {
        let _ = self.0.set(dispatch.downgrade());
    }

    fn dispatch(&self) -> Option<Dispatch> {
        self.0.get()?.upgrade()
    }
}

/// An event format whose JSON objects begin with the trace and span ids.
pub struct WithTraceIds<F> {
    inner: F,
    slot: DispatchSlot,
}

impl<F> WithTraceIds<F> {
    /// `inner` (a JSON format), with the ids read through `slot`.
    pub fn new(inner: F, slot: DispatchSlot) -> Self {
        Self { inner, slot }
    }

    /// The trace and span ids of the span the event is written in, if it
    /// is an OpenTelemetry span.
    fn ids<S, N>(&self, ctx: &FmtContext<'_, S, N>) -> Option<(TraceId, SpanId)>
    where
        S: Subscriber + for<'a> LookupSpan<'a>,
        N: for<'a> FormatFields<'a> + 'static,
    {
        if !super::enabled() {
            return None;
        }
        let dispatch = self.slot.dispatch()?;
        let span = ctx.lookup_current()?;
        let context = tracing_opentelemetry::get_otel_context(&span.id(), &dispatch)?;
        let span = context.span();
        let ids = span.span_context();
        ids.is_valid().then(|| (ids.trace_id(), ids.span_id()))
    }
}

impl<S, N, F> FormatEvent<S, N> for WithTraceIds<F>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
    F: FormatEvent<S, N>,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let Some((trace_id, span_id)) = self.ids(ctx) else {
            return self.inner.format_event(ctx, writer, event);
        };
        let mut line = String::new();
        self.inner
            .format_event(ctx, Writer::new(&mut line), event)?;
        match line.strip_prefix('{') {
            Some(rest) => write!(
                writer,
                "{{\"trace_id\":\"{trace_id}\",\"span_id\":\"{span_id}\",{rest}"
            ),
            // Not a JSON object: left as it is.
            None => writer.write_str(&line),
        }
    }
}
