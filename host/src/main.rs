//! `idempo`: starts the host with the components of a directory on the
//! embedded backend (or PostgreSQL), runs its background work (the event
//! pipeline, the consumers, the lobby, match takeover:
//! [`idempo_host::services`]), and serves the web arena, the player API and
//! the admin API.
//!
//! Logs go to stdout as text for a person, or with `--log-format json`
//! (`IDEMPO_LOG_FORMAT=json`) as one JSON object per line
//! ([`idempo_host::logs`]). Traces go to an OTLP collector when one is
//! named (`[telemetry] otlp_endpoint`, or `OTEL_EXPORTER_OTLP_ENDPOINT`:
//! [`idempo_host::telemetry`]); what is queued is exported before exit.

use std::path::PathBuf;
use std::sync::Arc;

use clap::Parser;
use idempo_host::config::Config;
use idempo_host::logs::LogFormat;
use idempo_host::runtime::{Runtime, RuntimeOptions};
use idempo_host::server::{self, AppState};
use idempo_host::services::Services;
use idempo_host::store::Store;

/// The idempo game host.
#[derive(Debug, Parser)]
#[command(name = "idempo", version)]
struct Args {
    /// A TOML configuration file; every knob has a default.
    #[arg(long, env = "IDEMPO_CONFIG")]
    config: Option<PathBuf>,
    /// Address to listen on (overrides the file).
    #[arg(long, env = "IDEMPO_LISTEN")]
    listen: Option<std::net::SocketAddr>,
    /// Directory of components to load at start, as `<world>/<name>@<version>.wasm`.
    #[arg(long, env = "IDEMPO_COMPONENTS_DIR")]
    components_dir: Option<PathBuf>,
    /// Data directory (uploads, compiled artifacts, registry state).
    #[arg(long, env = "IDEMPO_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// Web pages served at `/`.
    #[arg(long, env = "IDEMPO_WEB_DIR")]
    web_dir: Option<PathBuf>,
    /// The operator token guarding the admin API.
    #[arg(long, env = "IDEMPO_OPERATOR_TOKEN", hide_env_values = true)]
    operator_token: Option<String>,
    /// The secret that signs player session tokens (HS256; at least 32
    /// bytes; overrides the file).
    #[arg(long, env = "IDEMPO_JWT_SECRET", hide_env_values = true)]
    jwt_secret: Option<String>,
    /// The database (overrides the file): empty for SQLite in the data dir,
    /// `sqlite://<path>` or `postgres://<user>@<host>/<db>`.
    #[arg(long, env = "IDEMPO_DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,
    /// Run the bus on Kafka at these brokers (`host:port[,...]`) instead of
    /// the embedded log (overrides the file).
    #[arg(long, env = "IDEMPO_KAFKA_BROKERS")]
    kafka_brokers: Option<String>,
    /// This host's id among hosts sharing a database (e.g. the pod's name);
    /// random at every start by default.
    #[arg(long, env = "IDEMPO_HOST_ID")]
    host_id: Option<String>,
    /// How log lines are written: `human` text, or `json` (one object per
    /// line).
    #[arg(long, env = "IDEMPO_LOG_FORMAT", value_enum, default_value_t = LogFormat::Human)]
    log_format: LogFormat,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let log_format = args.log_format;
    let mut config = match &args.config {
        Some(path) => Config::from_toml_file(path)?,
        None => Config::default(),
    };
    if let Some(v) = args.listen {
        config.listen = v;
    }
    if let Some(v) = args.components_dir {
        config.components_dir = v;
    }
    if let Some(v) = args.data_dir {
        config.data_dir = v;
    }
    if let Some(v) = args.web_dir {
        config.web_dir = v;
    }
    if let Some(v) = args.operator_token {
        config.operator_token = v;
    }
    if let Some(v) = args.jwt_secret {
        config.gateway.jwt_secret = v;
    }
    if let Some(v) = args.database_url {
        config.storage.database_url = v;
    }
    if let Some(v) = args.host_id {
        config.host_id = v;
    }
    if let Some(v) = args.kafka_brokers {
        config.bus.backend = idempo_host::config::BusBackend::Kafka;
        config.bus.kafka.bootstrap_servers = v;
    }
    let telemetry = idempo_host::logs::init(log_format, &config.telemetry)?;
    if telemetry.is_on() {
        tracing::info!("traces are exported over OTLP");
    }
    let served = run(config, log_format);
    telemetry.shutdown();
    served
}

/// Runs the host until the server stops.
fn run(config: Config, log_format: LogFormat) -> anyhow::Result<()> {
    if config.operator_token == Config::default().operator_token {
        tracing::warn!(
            "using the development operator token; set IDEMPO_OPERATOR_TOKEN in production"
        );
    }

    let runtime = Runtime::new(RuntimeOptions {
        limits: config.runtime.clone(),
        breaker: config.breaker.clone(),
        data_dir: Some(config.data_dir.clone()),
    })?;
    let reports = runtime.boot(&config.default_game, &config.components_dir)?;
    for r in &reports {
        tracing::info!(game = %r.game, world = %r.world, component = %r.name, version = %r.version, origin = ?r.origin, "component loaded");
    }
    if reports.is_empty() {
        tracing::warn!(dir = %config.components_dir.display(), "no components found; build them with the README's first command");
    }
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(async move {
            // Opening the store applies its migrations.
            let store = Store::open(&config.storage, &config.data_dir).await?;
            tracing::info!(backend = ?store.kind(), "store open and migrated");
            let bus = idempo_host::bus::open(&config, store.clone())?;
            tracing::info!(backend = ?config.bus.backend, "event bus open");
            let state = Arc::new(AppState::new(
                config,
                Arc::new(runtime),
                store.clone(),
                bus,
                Arc::new(idempo_host::arena::SystemClock),
            )?);
            tracing::info!(host_id = %state.host_id, "host id (owner of this host's leases)");
            // The relay, the consumers, the lobby and match takeover run
            // until the server stops.
            let services = Services::start(&state).await;
            let served = match tokio::net::TcpListener::bind(state.config.listen).await {
                Ok(listener) => {
                    // A person reading text logs gets the address at a
                    // glance; a log store gets the `listening` line only.
                    if log_format == LogFormat::Human
                        && let Ok(addr) = listener.local_addr()
                    {
                        println!(
                            "idempo is listening on http://{addr}/ (admin API under /admin/v1)"
                        );
                    }
                    server::serve_on(listener, state).await
                }
                Err(e) => Err(e.into()),
            };
            services.stop().await;
            store.close().await;
            served
        })
}
