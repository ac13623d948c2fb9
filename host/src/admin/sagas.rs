//! Sagas for operators: how many are in each status, one saga with its
//! log, and the breakers in front of the wallet, the inventory and the
//! market rules (state, consecutive failures, recent transitions, retries).
//!
//! - `GET /admin/v1/sagas`: `{"counts": {"running": n, ...}, "breakers": [...]}`;
//! - `GET /admin/v1/games/{game}/sagas/{id}`: the saga as a trade, with
//!   its owner, lease and version.

use std::sync::Arc;

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;

use crate::market::views::TradeView;
use crate::problem::{ApiPath, Param, Problem};
use crate::saga::{BreakerView, record};
use crate::server::AppState;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/admin/v1/sagas", get(overview))
        .route("/admin/v1/games/{game}/sagas/{id}", get(one))
}

#[derive(Serialize)]
struct Overview {
    counts: std::collections::BTreeMap<String, i64>,
    breakers: Vec<BreakerView>,
}

async fn overview(State(state): State<Arc<AppState>>) -> Result<Json<Overview>, Problem> {
    let counts = record::counts(&state.store)
        .await
        .map_err(|e| Problem::internal("counting sagas", &e))?;
    Ok(Json(Overview {
        counts: counts.into_iter().collect(),
        breakers: state.sagas.breakers(),
    }))
}

#[derive(Serialize)]
struct SagaAdmin {
    #[serde(flatten)]
    trade: TradeView,
    owner: String,
    lease_until_ms: i64,
    version: i64,
}

async fn one(
    State(state): State<Arc<AppState>>,
    ApiPath((game, id)): ApiPath<(Param, Param)>,
) -> Result<Json<SagaAdmin>, Problem> {
    let failed = |e: crate::store::StoreError| Problem::internal("reading a saga", &e);
    let saga = record::get(&state.store, game.as_str(), id.as_str())
        .await
        .map_err(failed)?
        .ok_or_else(|| {
            Problem::new(
                axum::http::StatusCode::NOT_FOUND,
                "unknown-trade",
                "No such saga",
                format!("no saga `{id}` in game `{game}`"),
            )
        })?;
    let log = record::log(&state.store, game.as_str(), id.as_str())
        .await
        .map_err(failed)?;
    Ok(Json(SagaAdmin {
        trade: TradeView::of(&saga, &log),
        owner: saga.owner,
        lease_until_ms: saga.lease_until_ms,
        version: saga.version,
    }))
}
