//! The `[telemetry]` knobs: where traces go and what bounds their export.

use serde::{Deserialize, Serialize};

/// Traces over OTLP ([`super::export`]).
///
/// Export is on when an endpoint is set: `otlp_endpoint` here, or the
/// standard `OTEL_EXPORTER_OTLP_ENDPOINT` (the collector's base URL, to which
/// `/v1/traces` is added) or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (the full
/// URL) in the environment, which win over the file. `OTEL_SERVICE_NAME`
/// likewise wins over `service_name`. Off, the host installs no exporter.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TelemetryConfig {
    /// The OTLP/HTTP collector's base URL, e.g. `http://jaeger:4318`
    /// (spans go to `<url>/v1/traces`, as protobuf). Empty: no export
    /// unless the environment names one.
    pub otlp_endpoint: String,
    /// The `service.name` of the spans.
    pub service_name: String,
    /// Share of new traces kept, from 0 to 1 (a trace continued from a
    /// caller's `traceparent` follows the caller's choice).
    pub sample_ratio: f64,
    /// Spans waiting for export; past this, new spans are dropped (and
    /// counted by the SDK), never queued without bound.
    pub max_queued_spans: usize,
    /// Most spans in one export request.
    pub max_export_batch_spans: usize,
    /// How often queued spans are exported, in milliseconds.
    pub export_every_ms: u64,
    /// How long one export request may take, in milliseconds.
    pub export_timeout_ms: u64,
}

impl Default for TelemetryConfig {
    fn default() -> Self {
        Self {
            otlp_endpoint: String::new(),
            service_name: String::from("idempo"),
            sample_ratio: 1.0,
            max_queued_spans: 8_192,
            max_export_batch_spans: 512,
            export_every_ms: 1_000,
            export_timeout_ms: 10_000,
        }
    }
}
