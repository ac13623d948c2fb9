//! One action, one trace, over real HTTP: the real binary exports its spans
//! over OTLP/HTTP to a receiver in the test (`OTEL_EXPORTER_OTLP_ENDPOINT`),
//! and the blow that ends a duel is followed from the request that carried
//! it, through the combat component's call and the commit, across the bus
//! (the event's `traceparent`: the embedded log's column, or the Kafka
//! record's header), to each consumer group that applies the match's end;
//! a JSON log line of that request carries the trace's id.
//!
//! On the embedded log, and on Kafka (`IDEMPO_TEST_KAFKA`, as in the other
//! Kafka suites). And a host stopped by SIGTERM ends its requests, exits
//! cleanly and exports what it still held.

#[macro_use]
mod common;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::routing::post;
use common::players::signed_in;
use common::process::{HostProcess, free_port, host_command, wait_healthy};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value as Any;
use opentelemetry_proto::tonic::trace::v1::span::SpanKind;
use parking_lot::Mutex;
use prost::Message as _;
use reqwest::Client;
use serde_json::{Value, json};

const PATIENCE: Duration = Duration::from_secs(30);

// ------------------------------------------------------------ the receiver

/// One span as the receiver got it.
#[derive(Debug, Clone)]
struct Span {
    trace_id: String,
    span_id: String,
    /// Empty for a root.
    parent_span_id: String,
    name: String,
    kind: SpanKind,
    attributes: BTreeMap<String, String>,
    service: String,
}

/// An OTLP/HTTP receiver of traces on a free local port: what the exporter
/// sends to `/v1/traces`, decoded.
#[derive(Clone, Default)]
struct Receiver(Arc<Mutex<Vec<Span>>>);

impl Receiver {
    /// Serves until the test ends; the base URL to export to.
    async fn start(&self) -> String {
        let app = axum::Router::new()
            .route("/v1/traces", post(receive))
            .with_state(self.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a port for the receiver");
        let base = format!("http://{}", listener.local_addr().expect("bound"));
        tokio::spawn(async move { axum::serve(listener, app).await });
        base
    }

    fn of_trace(&self, trace_id: &str) -> Vec<Span> {
        self.0
            .lock()
            .iter()
            .filter(|s| s.trace_id == trace_id)
            .cloned()
            .collect()
    }
}

async fn receive(
    State(receiver): State<Receiver>,
    body: Bytes,
) -> (StatusCode, [(header::HeaderName, &'static str); 1], Vec<u8>) {
    let Ok(request) = ExportTraceServiceRequest::decode(body) else {
        return (
            StatusCode::BAD_REQUEST,
            [(header::CONTENT_TYPE, "text/plain")],
            b"not an OTLP trace export".to_vec(),
        );
    };
    let mut spans = receiver.0.lock();
    for resource in request.resource_spans {
        let service = resource
            .resource
            .iter()
            .flat_map(|r| r.attributes.iter())
            .find(|kv| kv.key == "service.name")
            .map(|kv| text(kv.value.as_ref().and_then(|v| v.value.as_ref())))
            .unwrap_or_default();
        for scope in resource.scope_spans {
            for span in scope.spans {
                spans.push(Span {
                    trace_id: hex::encode(&span.trace_id),
                    span_id: hex::encode(&span.span_id),
                    parent_span_id: hex::encode(&span.parent_span_id),
                    kind: SpanKind::try_from(span.kind).unwrap_or(SpanKind::Unspecified),
                    attributes: span
                        .attributes
                        .iter()
                        .map(|kv| {
                            let value = kv.value.as_ref().and_then(|v| v.value.as_ref());
                            (kv.key.clone(), text(value))
                        })
                        .collect(),
                    name: span.name,
                    service: service.clone(),
                });
            }
        }
    }
    // An empty ExportTraceServiceResponse: everything accepted.
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/x-protobuf")],
        Vec::new(),
    )
}

/// An attribute's value as text.
fn text(value: Option<&Any>) -> String {
    match value {
        Some(Any::StringValue(s)) => s.clone(),
        Some(Any::IntValue(i)) => i.to_string(),
        Some(Any::BoolValue(b)) => b.to_string(),
        Some(Any::DoubleValue(d)) => d.to_string(),
        Some(other) => format!("{other:?}"),
        None => String::new(),
    }
}

// ------------------------------------------------------------ the trace

/// The spans of one trace, read by their parent links.
struct Trace(Vec<Span>);

impl Trace {
    /// The one span named `name` whose attributes include `with`.
    fn find(&self, name: &str, with: &[(&str, &str)]) -> Option<&Span> {
        self.0.iter().find(|s| {
            s.name == name
                && with
                    .iter()
                    .all(|(k, v)| s.attributes.get(*k).map(String::as_str) == Some(*v))
        })
    }

    fn one(&self, name: &str, with: &[(&str, &str)]) -> &Span {
        self.find(name, with)
            .unwrap_or_else(|| panic!("no span {name} {with:?} in the trace: {:#?}", self.names()))
    }

    fn parent(&self, span: &Span) -> Option<&Span> {
        self.0.iter().find(|s| s.span_id == span.parent_span_id)
    }

    /// Whether `ancestor` is `span` or above it.
    fn descends(&self, span: &Span, ancestor: &Span) -> bool {
        let mut at = Some(span);
        // A chain is no longer than the trace.
        for _ in 0..=self.0.len() {
            match at {
                Some(s) if s.span_id == ancestor.span_id => return true,
                Some(s) => at = self.parent(s),
                None => return false,
            }
        }
        false
    }

    fn names(&self) -> Vec<(String, String, String)> {
        self.0
            .iter()
            .map(|s| (s.name.clone(), s.span_id.clone(), s.parent_span_id.clone()))
            .collect()
    }
}

// ------------------------------------------------------------ the host

/// The exporter's command: the host of `config` exporting to `collector`,
/// its JSON log lines into `stdout`.
fn exporting(
    dir: &std::path::Path,
    port: u16,
    config: &str,
    collector: &str,
    stdout: &std::path::Path,
) -> std::process::Command {
    let mut command = host_command(dir, port, config);
    command
        .args(["--log-format", "json"])
        .env("RUST_LOG", "info,wasmtime=warn,cranelift=warn")
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", collector)
        .env_remove("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
        .env_remove("OTEL_SERVICE_NAME")
        .stdout(std::fs::File::create(stdout).expect("stdout file"))
        .stderr(std::process::Stdio::inherit());
    command
}

/// A 4x4 pit with no resources (the duellists spawn side by side), quick
/// pipelines, spans exported every 50 ms; `bus` is the `[bus]` table's
/// backend lines.
fn config(bus: &str) -> String {
    format!(
        "[arena]\nmin_players = 2\nmax_players = 2\narena_width = 4\narena_height = 4\n\
         initial_resources = 0\n\
         [gateway]\nrate_limit_per_second = 100000.0\nrate_limit_burst = 100000\n\
         [telemetry]\nexport_every_ms = 50\n\
         [bus]\nrelay_poll_ms = 10\nconsumer_poll_ms = 10\n{bus}"
    )
}

/// A fresh `traceparent` of the test's own: (header, trace id, span id).
fn caller_traceparent() -> (String, String, String) {
    let trace_id = uuid::Uuid::now_v7().simple().to_string();
    let span_id = trace_id[16..].to_owned();
    (format!("00-{trace_id}-{span_id}-01"), trace_id, span_id)
}

/// Polls `check` until it gives a value, at most [`PATIENCE`]; `seen`
/// says what there was instead.
async fn eventually<T>(
    what: &str,
    seen: impl Fn() -> String,
    mut check: impl FnMut() -> Option<T>,
) -> T {
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Some(found) = check() {
            return found;
        }
        assert!(
            Instant::now() < deadline,
            "{what} never happened; seen: {}",
            seen()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The story, on the bus `bus` names.
async fn a_killing_blow_is_one_trace_from_the_request_to_each_consumer(bus: &str) {
    let receiver = Receiver::default();
    let collector = receiver.start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let port = free_port();
    let stdout = dir.path().join("stdout.log");
    let child = exporting(dir.path(), port, &config(bus), &collector, &stdout)
        .spawn()
        .expect("the host starts");
    let mut process = HostProcess::from(child);
    let client = Client::new();
    let base = format!("http://127.0.0.1:{port}");
    wait_healthy(&client, &base, PATIENCE).await;

    // A duel in the pit; ann strikes until bob falls, each blow under a
    // trace of the caller's.
    let ann = signed_in(&client, &base, "ann").await;
    let bob = signed_in(&client, &base, "bob").await;
    let lobby = format!("{base}/v1/lobby");
    let queued = client
        .post(&lobby)
        .bearer_auth(&ann.0)
        .send()
        .await
        .unwrap();
    assert_eq!(queued.status(), StatusCode::ACCEPTED);
    let matched: Value = client
        .post(&lobby)
        .bearer_auth(&bob.0)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let match_id = matched["match_id"].as_str().expect("a match").to_owned();
    let actions = format!("{base}/v1/matches/{match_id}/actions");
    let mut killing = None;
    for blow in 0..30 {
        let (traceparent, trace_id, caller_span) = caller_traceparent();
        let r = client
            .post(&actions)
            .bearer_auth(&ann.0)
            .header("Idempotency-Key", format!("blow-{blow}"))
            .header("traceparent", traceparent)
            .header("X-Correlation-Id", format!("blow-{blow}"))
            .json(&json!({ "action": { "type": "attack", "target": bob.1 } }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let outcome: Value = r.json().await.unwrap();
        if !outcome["finished"].is_null() {
            killing = Some((trace_id, caller_span, format!("blow-{blow}")));
            break;
        }
    }
    let (trace_id, caller_span, correlation) =
        killing.expect("30 blows of 12 or more kill a fighter of 100 hp");

    // The trace reaches both consumer groups, and the rewards component's
    // call under its group's handling (spans end in any order).
    let seen = || format!("{:#?}", receiver.0.lock());
    let trace = eventually("the consumers' spans of the killing blow", seen, || {
        let trace = Trace(receiver.of_trace(&trace_id));
        let rewards = trace.find("rewards consume", &[])?;
        trace.find("leaderboard consume", &[])?;
        let call = trace.find("component call", &[("world", "rewards")])?;
        trace.descends(call, rewards).then_some(())?;
        Some(trace)
    })
    .await;

    // The request continues the caller's trace: its span is the caller's
    // span's child, named by the route.
    let request = trace.one("POST /v1/matches/{match_id}/actions", &[]);
    assert_eq!(request.parent_span_id, caller_span, "{:#?}", trace.names());
    assert_eq!(request.kind, SpanKind::Server);
    assert_eq!(request.attributes["http.response.status_code"], "200");
    assert_eq!(request.attributes["correlation_id"], correlation);
    assert_eq!(request.service, "idempo");

    // The combat component's call and the commit, under the request.
    let combat = trace.one(
        "component call",
        &[
            ("world", "combat"),
            ("component", "classic"),
            ("version", "1.0.0"),
        ],
    );
    assert!(trace.descends(combat, request), "{:#?}", trace.names());
    let finish = trace.one(
        "publish",
        &[
            ("event_type", "MatchFinished"),
            ("messaging.destination.name", "match-events"),
        ],
    );
    assert_eq!(finish.kind, SpanKind::Producer);
    let commit = trace
        .parent(finish)
        .expect("the publish's parent is in the trace");
    assert_eq!(commit.name, "commit", "the event was born in a commit");
    assert!(trace.descends(commit, request), "{:#?}", trace.names());
    assert!(
        !trace.descends(commit, combat),
        "the commit follows the call"
    );

    // Across the bus: each group's handling is the publish's child.
    for group in ["rewards", "leaderboard"] {
        let consumed = trace.one(
            &format!("{group} consume"),
            &[("messaging.consumer.group.name", group)],
        );
        assert_eq!(consumed.kind, SpanKind::Consumer, "{group}");
        assert_eq!(
            consumed.parent_span_id,
            finish.span_id,
            "{group}: {:#?}",
            trace.names()
        );
        assert_eq!(
            consumed.attributes["event_type"], "MatchFinished",
            "{group}"
        );
        assert!(consumed.attributes.contains_key("event_id"), "{group}");
    }

    // A JSON log line of the blow's request carries the trace's id, beside
    // its correlation, player and match ids.
    let logged = || std::fs::read_to_string(&stdout).unwrap_or_default();
    let line = eventually("the match's end in the logs", logged, || {
        let text = std::fs::read_to_string(&stdout).ok()?;
        text.lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .find(|l| l["message"] == "match finished")
    })
    .await;
    process.kill();
    assert_eq!(line["trace_id"], trace_id.as_str(), "{line}");
    assert_eq!(line["span_id"], request.span_id.as_str(), "{line}");
    assert_eq!(
        line["span"]["correlation_id"],
        correlation.as_str(),
        "{line}"
    );
    assert_eq!(line["span"]["match_id"], match_id.as_str(), "{line}");
    assert_eq!(line["span"]["player_id"], ann.1.as_str(), "{line}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_the_embedded_log_a_killing_blow_is_one_trace_to_each_consumer() {
    a_killing_blow_is_one_trace_from_the_request_to_each_consumer("backend = \"embedded\"\n").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn through_kafka_a_killing_blow_is_one_trace_to_each_consumer() {
    let brokers = common::kafka::brokers();
    let prefix = format!("t{}.", uuid::Uuid::now_v7().simple());
    a_killing_blow_is_one_trace_from_the_request_to_each_consumer(&format!(
        "backend = \"kafka\"\n[bus.kafka]\nbootstrap_servers = \"{brokers}\"\n\
         topic_prefix = \"{prefix}\"\n"
    ))
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_stopped_by_sigterm_exits_cleanly_and_exports_what_it_held() {
    let receiver = Receiver::default();
    let collector = receiver.start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let port = free_port();
    let stdout = dir.path().join("stdout.log");
    // Spans are exported every ten minutes: only the stop exports them.
    let config = "[telemetry]\nexport_every_ms = 600000\n";
    let child = exporting(dir.path(), port, config, &collector, &stdout)
        .spawn()
        .expect("the host starts");
    let mut process = HostProcess::from(child);
    let client = Client::new();
    let base = format!("http://127.0.0.1:{port}");
    wait_healthy(&client, &base, PATIENCE).await;
    let (traceparent, trace_id, _) = caller_traceparent();
    let signed_up = client
        .post(format!("{base}/v1/players"))
        .header("traceparent", &traceparent)
        .json(&json!({ "name": "ann", "password": common::players::PASSWORD }))
        .send()
        .await
        .expect("signs up");
    assert_eq!(signed_up.status(), StatusCode::CREATED);
    assert!(
        receiver.of_trace(&trace_id).is_empty(),
        "nothing exported yet"
    );

    let (status, _process) =
        tokio::task::spawn_blocking(move || (process.terminate(PATIENCE), process))
            .await
            .expect("joined");
    let status = status.expect("the host stopped on SIGTERM");
    assert!(status.success(), "a clean exit: {status}");
    let spans = receiver.of_trace(&trace_id);
    assert!(
        spans.iter().any(|s| s.kind == SpanKind::Server),
        "the sign-up's server span was exported at the stop: {spans:?}"
    );
    let log = std::fs::read_to_string(&stdout).expect("log");
    assert!(
        log.lines()
            .any(|l| l.contains("finishing the requests in flight")),
        "the stop was logged"
    );
}
