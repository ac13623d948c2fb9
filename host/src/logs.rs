//! The host's log lines, on stdout, filtered by `RUST_LOG` (default
//! [`DEFAULT_FILTER`]), in one of two forms ([`LogFormat`]):
//!
//! - `human` (the default): text for a person at a terminal;
//! - `json`: one JSON object per line, for a log store (Loki): `timestamp`,
//!   `level`, `target`, `message` and the event's own fields at the top
//!   level, and under `span` the fields of the span the event happened in.
//!   A request's span ([`crate::gateway::correlation`]) carries its
//!   `correlation_id`, and its `player_id` and `match_id` once known, so
//!   every line a request writes can be found by any of them.

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::util::SubscriberInitExt as _;

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
/// `writer`.
pub fn subscriber<W>(
    format: LogFormat,
    filter: EnvFilter,
    writer: W,
) -> Box<dyn tracing::Subscriber + Send + Sync>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer);
    match format {
        LogFormat::Human => Box::new(logs.finish()),
        LogFormat::Json => Box::new(
            logs.json()
                .flatten_event(true)
                .with_current_span(true)
                .with_span_list(false)
                .with_ansi(false)
                .finish(),
        ),
    }
}

/// Installs the process's subscriber: `format` lines on stdout, filtered
/// by `RUST_LOG` (else [`DEFAULT_FILTER`]). Call once, first thing.
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| DEFAULT_FILTER.into());
    subscriber(format, filter, std::io::stdout).init();
}
