//! The host's metrics, served at `GET /metrics` in the Prometheus text
//! format (0.0.4). The names, types and labels are a contract: the
//! dashboards (`infra/grafana`) and the alert rules (`infra/prometheus`)
//! query exactly those of `infra/prometheus/metrics.txt`.
//!
//! - [`registry`]: counters, gauges and histograms in labelled families,
//!   bounded in series;
//! - [`render`]: the text format: HELP, TYPE, escaped labels, histograms
//!   as cumulative buckets;
//! - [`http`]: the middleware that times every request by its route
//!   template;
//! - [`scrape`]: the `/metrics` handler: the process's [`Metrics`], and
//!   what is read from the host's state at each scrape (consumer lag,
//!   breakers, components, running matches).
//!
//! Counted where it happens, into [`global`]: request durations
//! ([`http`]), saga durations (`saga::runner`), dead letters and consumer
//! retries (`bus::consumer`), saga retries (`saga::resilience`), actions
//! (`arena::service::submit`). Read at scrape: everything else. The
//! registry is process-wide, so hosts sharing a process (tests) share its
//! counters; what is read at scrape is each host's own.

pub mod http;
pub mod registry;
pub mod render;
pub mod scrape;

use std::sync::{Arc, OnceLock};

use registry::{Counter, Family, FamilySnapshot, Histogram, Registry};

/// The `outcome` of an action ([`ACTIONS`]).
pub const ACCEPTED: &str = "accepted";
pub const REJECTED: &str = "rejected";
pub const REPLAYED: &str = "replayed";

pub const HTTP_REQUEST_DURATION: &str = "http_request_duration_seconds";
pub const SAGA_DURATION: &str = "saga_duration_seconds";
pub const DLQ_MESSAGES: &str = "dlq_message_count_total";
pub const RETRIES: &str = "retry_count_total";
pub const ACTIONS: &str = "idempo_actions_total";

/// The metrics counted as things happen, in this process.
pub struct Metrics {
    registry: Registry,
    /// `route` (the matched template, or `unmatched`), `method`, `status`.
    pub http_requests: Arc<Family<Histogram>>,
    /// `kind`, `outcome` (`completed` | `failed`): from a saga's start to
    /// its end, observed by the host that ended it.
    pub sagas: Arc<Family<Histogram>>,
    /// `topic`, `group`: events a consumer group sent to the DLQ.
    pub dead_letters: Arc<Family<Counter>>,
    /// `target`: `wallet`, `inventory`, `market` (saga steps) or
    /// `consumer:<group>` (an event's handler).
    pub retries: Arc<Family<Counter>>,
    /// `outcome`: [`ACCEPTED`], [`REJECTED`] (by the rules), [`REPLAYED`].
    pub actions: Arc<Family<Counter>>,
}

impl Metrics {
    fn new() -> Self {
        let registry = Registry::default();
        let metrics = Self {
            http_requests: registry.histogram(
                HTTP_REQUEST_DURATION,
                "Time to answer an HTTP request, by route template, method and status.",
                &["route", "method", "status"],
                registry::REQUEST_BUCKETS,
            ),
            sagas: registry.histogram(
                SAGA_DURATION,
                "Time from a saga's start to its end on the host that ended it, by kind and outcome.",
                &["kind", "outcome"],
                registry::SAGA_BUCKETS,
            ),
            dead_letters: registry.counter(
                DLQ_MESSAGES,
                "Events a consumer group gave up on and sent to the dead-letter queue.",
                &["topic", "group"],
            ),
            retries: registry.counter(
                RETRIES,
                "Retried calls: saga steps by target, event handlers by consumer group.",
                &["target"],
            ),
            actions: registry.counter(
                ACTIONS,
                "Match actions answered, by outcome: accepted, rejected by the rules, replayed.",
                &["outcome"],
            ),
            registry,
        };
        // Known series start at 0, so a rate is defined from the first scrape.
        for outcome in [ACCEPTED, REJECTED, REPLAYED] {
            metrics.actions.with(&[outcome]);
        }
        for target in crate::saga::Target::ALL {
            metrics.retries.with(&[target.as_str()]);
        }
        metrics
    }

    /// Every family counted so far.
    pub fn collect(&self) -> Vec<FamilySnapshot> {
        self.registry.collect()
    }

    /// `retry_count_total`'s target for a consumer group's retries.
    pub fn consumer_target(group: &str) -> String {
        format!("consumer:{group}")
    }
}

/// This process's metrics.
pub fn global() -> &'static Metrics {
    static METRICS: OnceLock<Metrics> = OnceLock::new();
    METRICS.get_or_init(Metrics::new)
}
