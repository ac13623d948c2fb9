//! The HTTP server: the web pages at `/`, health at `/healthz`, the admin
//! API under `/admin/v1`.

use std::sync::Arc;

use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use tower_http::services::ServeDir;

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
}

/// The whole application's routes.
pub fn app(state: Arc<AppState>) -> Router {
    let web = ServeDir::new(&state.config.web_dir);
    Router::new()
        .route(
            "/healthz",
            get(|| async { Json(json!({ "status": "ok" })) }),
        )
        .merge(crate::admin::router(state.clone()))
        .fallback_service(web)
        .with_state(state)
}

/// Serves `app` on the configured address until ctrl-c.
pub async fn serve(state: Arc<AppState>) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(state.config.listen).await?;
    serve_on(listener, state).await
}

/// Serves `app` on a bound listener until ctrl-c.
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    state: Arc<AppState>,
) -> anyhow::Result<()> {
    let addr = listener.local_addr()?;
    tracing::info!(%addr, "listening");
    println!("idempo is listening on http://{addr}/ (admin API under /admin/v1)");
    axum::serve(listener, app(state))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
