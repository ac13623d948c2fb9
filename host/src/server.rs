//! The HTTP server: the web pages at `/`, liveness at `/healthz`,
//! readiness at `/readyz` ([`crate::readiness`]), Prometheus metrics at
//! `/metrics` ([`crate::metrics`]), the admin API under `/admin/v1`, the
//! player API under `/v1` ([`crate::gateway`] around [`crate::api`]); every
//! request gets a correlation id and is timed by its route.

use std::sync::Arc;

use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use tower_http::services::ServeDir;

use crate::arena::{Arena, ArenaError, Clock};
use crate::bus::Bus;
use crate::config::Config;
use crate::runtime::Runtime;
use crate::store::Store;

/// What every handler can reach.
pub struct AppState {
    pub config: Config,
    pub runtime: Arc<Runtime>,
    /// Durable state (cheap to clone).
    pub store: Store,
    /// The event bus over `store` (see [`crate::bus::open`]).
    pub bus: Arc<dyn Bus>,
    /// This host's id: the owner of its leases.
    pub host_id: String,
    /// Lobby and matches of this host.
    pub arena: Arc<Arena>,
    /// The sagas this host runs.
    pub sagas: crate::saga::Sagas,
    /// Listings, trades, offers, crafting.
    pub market: Arc<crate::market::Market>,
    /// The names of the players answers mention.
    pub names: crate::gateway::names::PlayerNames,
    /// The daily tournaments (and the level curve of progression).
    pub tournaments: Arc<crate::tournament::Tournaments>,
    /// The host's clock (the arena's; a driven one in tests).
    pub clock: Arc<dyn Clock>,
}

impl AppState {
    /// The state of a host: its arena runs on `clock`, its leases are
    /// `config.host_id`'s (a fresh id if empty).
    pub fn new(
        config: Config,
        runtime: Arc<Runtime>,
        store: Store,
        bus: Arc<dyn Bus>,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, ArenaError> {
        let host_id = match config.host_id.as_str() {
            "" => crate::store::new_event_id(),
            id => id.to_owned(),
        };
        let arena = Arena::new(
            config.arena.clone(),
            runtime.clone(),
            store.clone(),
            clock.clone(),
            &host_id,
        )?;
        let sagas = crate::saga::Sagas::new(store.clone(), &host_id, config.saga.clone());
        let market = crate::market::Market::new(
            store.clone(),
            runtime.clone(),
            sagas.clone(),
            config.market.clone(),
        );
        let tournaments = crate::tournament::Tournaments::new(
            store.clone(),
            crate::tournament::TournamentRules::new(runtime.clone(), &config.tournament.component),
            sagas.clone(),
            clock.clone(),
            config.tournament.clone(),
        );
        Ok(Self {
            config,
            runtime,
            store,
            bus,
            host_id,
            arena: Arc::new(arena),
            sagas,
            market: Arc::new(market),
            names: Default::default(),
            tournaments: Arc::new(tournaments),
            clock,
        })
    }

    /// The games this host runs: its default game, and every game it has
    /// components of (uploaded through the admin API), in order.
    pub fn games(&self) -> Vec<String> {
        let mut games = self.runtime.games();
        games.push(self.config.default_game.clone());
        games.sort();
        games.dedup();
        games
    }
}

/// The whole application's routes.
pub fn app(state: Arc<AppState>) -> Router {
    let web = ServeDir::new(&state.config.web_dir);
    Router::new()
        .route(
            "/healthz",
            get(|| async { Json(json!({ "status": "ok" })) }),
        )
        .route("/readyz", get(crate::readiness::readyz))
        .route("/metrics", get(crate::metrics::scrape::metrics))
        .merge(crate::admin::router(state.clone()))
        .merge(crate::gateway::router(&state, crate::api::routes()))
        .fallback_service(web)
        // Wraps each route once it matched: the route's template is known.
        .layer(axum::middleware::from_fn(crate::metrics::http::time))
        .layer(axum::middleware::from_fn(
            crate::gateway::correlation::correlate,
        ))
        .with_state(state)
}

/// Serves `app` on the configured address until ctrl-c or SIGTERM.
pub async fn serve(state: Arc<AppState>) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(state.config.listen).await?;
    serve_on(listener, state).await
}

/// Serves `app` on a bound listener until ctrl-c or SIGTERM (what
/// Kubernetes and compose send to stop a container), then lets the requests
/// in flight finish.
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    state: Arc<AppState>,
) -> anyhow::Result<()> {
    let addr = listener.local_addr()?;
    tracing::info!(%addr, "listening");
    // Connection info gives the rate limiter the caller's address.
    let app = app(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(stop_signal())
        .await?;
    Ok(())
}

/// Resolves on ctrl-c (SIGINT) or SIGTERM.
async fn stop_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                term.recv().await;
            }
            // No SIGTERM handler: ctrl-c alone stops the host.
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
    tracing::info!("stopping: finishing the requests in flight");
}
