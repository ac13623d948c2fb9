//! The host's log lines, on stdout, filtered by `RUST_LOG` (default
//! [`DEFAULT_FILTER`]), in one of two forms ([`LogFormat`]):
//!
//! - `human` (the default): text for a person at a terminal;
//! - `json`: one JSON object per line, for a log store (Loki): `timestamp`,
//!   `level`, `target`, `message` and the event's own fields at the top
//!   level, and under `span` the fields of the span the event happened in.
//!   A request's span ([`crate::gateway::correlation`]) carries its
//!   `correlation_id`, and its `player_id` and `match_id` once known, so
//!   every line a request writes can be found by any of them; an event's
//!   handling by a consumer group ([`crate::bus::consumer`]) carries the
//!   event's. When traces are exported ([`crate::telemetry`]), a line
//!   written in a traced span begins with its `trace_id` and `span_id`
//!   ([`crate::telemetry::log_ids`]).
//!
//! The same subscriber carries the trace layer ([`Telemetry::layer`]),
//! with a filter of its own: `RUST_LOG` decides what is logged, not what is
//! traced.

use tracing::Dispatch;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::format::JsonFields;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;
use tracing_subscriber::{EnvFilter, Layer, Registry};

use crate::telemetry::log_ids::{DispatchSlot, WithTraceIds};
use crate::telemetry::{Telemetry, TelemetryConfig, TelemetryError};

/// What `RUST_LOG` is when unset: the host at `info`, the compiler quiet.
pub const DEFAULT_FILTER: &str = "info,wasmtime=warn,cranelift=warn";

/// The form of the log lines.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Text for a person.
    #[default]
    Human,
    /// One JSON object per line.
    Json,
}

/// A subscriber writing `format` lines that `filter` lets through to
/// `writer`, and turning spans into `telemetry`'s traces if it runs.
pub fn subscriber<W>(
    format: LogFormat,
    filter: EnvFilter,
    writer: W,
    telemetry: &Telemetry,
) -> Dispatch
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let slot = DispatchSlot::default();
    let lines = tracing_subscriber::fmt::layer().with_writer(writer);
    let lines = match format {
        LogFormat::Human => lines.with_filter(filter).boxed(),
        LogFormat::Json => {
            let json = tracing_subscriber::fmt::format()
                .json()
                .flatten_event(true)
                .with_current_span(true)
                .with_span_list(false);
            lines
                .with_ansi(false)
                .fmt_fields(JsonFields::new())
                .event_format(WithTraceIds::new(json, slot.clone()))
                .with_filter(filter)
                .boxed()
        }
    };
    let layers: Vec<Box<dyn Layer<Registry> + Send + Sync>> =
        telemetry.layer().into_iter().chain([lines]).collect();
    let dispatch = Dispatch::new(tracing_subscriber::registry().with(layers));
    slot.fill(&dispatch);
    dispatch
}

/// Installs the process's subscriber: `format` lines on stdout, filtered
/// by `RUST_LOG` (else [`DEFAULT_FILTER`]), and the trace pipeline
/// `telemetry` and the environment ask for. Call once, first thing; keep
/// what it returns and shut it down last.
pub fn init(format: LogFormat, telemetry: &TelemetryConfig) -> Result<Telemetry, TelemetryError> {
    let telemetry = Telemetry::start(telemetry)?;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| DEFAULT_FILTER.into());
    subscriber(format, filter, std::io::stdout, &telemetry).init();
    Ok(telemetry)
}
