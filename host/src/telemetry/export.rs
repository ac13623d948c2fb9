//! The trace pipeline: the host's tracing spans -> OpenTelemetry spans
//! ([`layer`]) -> a batch span processor, on a thread of its own -> the
//! OTLP/HTTP exporter (protobuf, through a blocking HTTP client on that
//! thread, so the async runtime never waits on a collector).
//!
//! Bounds: at most `max_queued_spans` spans wait (later ones are dropped),
//! `max_export_batch_spans` per request, one request every
//! `export_every_ms`, each within `export_timeout_ms`. A collector that is
//! down costs dropped spans, not memory or latency.
//!
//! [`Telemetry::shutdown`] exports what is queued and stops the thread; the
//! binary calls it when the server stops.

use std::time::Duration;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::{Protocol, SpanExporter, WithExportConfig as _};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::{
    BatchConfigBuilder, BatchSpanProcessor, Sampler, SdkTracerProvider,
};
use tracing_subscriber::Layer;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::registry::LookupSpan;

use super::TelemetryConfig;

/// The environment variables that name an OTLP endpoint (the exporter reads
/// them itself): the base URL of every signal, or the traces' own URL.
pub const ENDPOINT_VARS: [&str; 2] = [
    opentelemetry_otlp::OTEL_EXPORTER_OTLP_TRACES_ENDPOINT,
    opentelemetry_otlp::OTEL_EXPORTER_OTLP_ENDPOINT,
];

/// The path of the traces under an OTLP/HTTP base URL.
pub const TRACES_PATH: &str = "/v1/traces";

/// The targets whose spans are exported: the host's own (`idempo_host`, the
/// `idempo` binaries), down to `debug`, the level of the inner spans
/// (component call, commit, publish) that log lines do not show by default.
pub const TRACED_TARGET: &str = "idempo";

/// Why the trace pipeline could not start.
#[derive(Debug, thiserror::Error)]
pub enum TelemetryError {
    #[error("the OTLP exporter could not be built: {0}")]
    Exporter(#[from] opentelemetry_otlp::ExporterBuildError),
    #[error("telemetry.sample_ratio must be between 0 and 1, not {0}")]
    SampleRatio(f64),
}

/// The running trace pipeline of a process, or none. Keep it until the end,
/// then [`Telemetry::shutdown`].
#[derive(Debug, Default)]
pub struct Telemetry {
    provider: Option<SdkTracerProvider>,
}

impl Telemetry {
    /// The pipeline `config` and the environment ask for: none if neither
    /// names an endpoint.
    pub fn start(config: &TelemetryConfig) -> Result<Self, TelemetryError> {
        let from_env = ENDPOINT_VARS
            .iter()
            .any(|var| std::env::var(var).is_ok_and(|v| !v.trim().is_empty()));
        let from_file = config.otlp_endpoint.trim();
        if !from_env && from_file.is_empty() {
            return Ok(Self::default());
        }
        if !(0.0..=1.0).contains(&config.sample_ratio) {
            return Err(TelemetryError::SampleRatio(config.sample_ratio));
        }
        let mut exporter = SpanExporter::builder()
            .with_http()
            .with_protocol(Protocol::HttpBinary)
            .with_timeout(Duration::from_millis(config.export_timeout_ms));
        // The environment wins: the exporter reads it when given no endpoint.
        if !from_env {
            let base = from_file.trim_end_matches('/');
            exporter = exporter.with_endpoint(format!("{base}{TRACES_PATH}"));
        }
        let batches = BatchConfigBuilder::default()
            .with_max_queue_size(config.max_queued_spans.max(1))
            .with_max_export_batch_size(config.max_export_batch_spans.max(1))
            .with_scheduled_delay(Duration::from_millis(config.export_every_ms.max(1)))
            .build();
        let processor = BatchSpanProcessor::builder(exporter.build()?)
            .with_batch_config(batches)
            .build();
        let mut resource = Resource::builder();
        if std::env::var_os("OTEL_SERVICE_NAME").is_none() {
            resource = resource.with_service_name(config.service_name.clone());
        }
        let provider = SdkTracerProvider::builder()
            .with_span_processor(processor)
            .with_sampler(Sampler::ParentBased(Box::new(Sampler::TraceIdRatioBased(
                config.sample_ratio,
            ))))
            .with_resource(resource.build())
            .build();
        Ok(Self {
            provider: Some(provider),
        })
    }

    /// A pipeline over `provider` (tests give one with an exporter of
    /// their own).
    pub fn with_provider(provider: SdkTracerProvider) -> Self {
        Self {
            provider: Some(provider),
        }
    }

    /// Whether spans are exported.
    pub fn is_on(&self) -> bool {
        self.provider.is_some()
    }

    /// The layer that makes the host's spans OpenTelemetry spans, if the
    /// pipeline runs.
    pub fn layer<S>(&self) -> Option<Box<dyn Layer<S> + Send + Sync>>
    where
        S: tracing::Subscriber + for<'span> LookupSpan<'span> + Send + Sync,
    {
        self.provider.as_ref().map(layer)
    }

    /// Exports what is queued and stops the export thread.
    pub fn shutdown(self) {
        if let Some(provider) = self.provider
            && let Err(e) = provider.shutdown()
        {
            tracing::warn!(error = %e, "traces not all exported at shutdown");
        }
    }
}

/// The tracing layer that turns the spans of [`TRACED_TARGET`] into
/// OpenTelemetry spans of `provider`. Lean: no thread, source-location or
/// busy/idle attributes. A span starts (and takes its name) when it is
/// first needed, not when it is entered, so a request's span is named by
/// its route once routed ([`crate::gateway::correlation::note_route`]).
pub fn layer<S>(provider: &SdkTracerProvider) -> Box<dyn Layer<S> + Send + Sync>
where
    S: tracing::Subscriber + for<'span> LookupSpan<'span> + Send + Sync,
{
    super::set_enabled();
    let traced = Targets::new().with_target(TRACED_TARGET, tracing::Level::DEBUG);
    tracing_opentelemetry::layer()
        .with_tracer(provider.tracer("idempo"))
        .with_location(false)
        .with_threads(false)
        .with_target(false)
        .with_tracked_inactivity(false)
        .with_context_activation(false)
        .with_filter(traced)
        .boxed()
}
