//! `GET /readyz`: whether this host can serve its default game now (a load
//! balancer or Kubernetes sends it traffic only then). `/healthz` is
//! liveness: the process answers.
//!
//! Three checks, run together, each within [`CHECK_TIMEOUT`]:
//! - `database`: the store answers a read;
//! - `bus`: the event bus answers the end offset of `match-events`;
//! - `components`: every world (combat, rewards, market, tournament) has an active
//!   component in the default game.
//!
//! 200 `{"status": "ready", "checks": {<name>: {"status": "ok"}, ...}}`
//! when all pass; else 503 `{"status": "not_ready", "failing": [<name>,
//! ...], "checks": {<name>: {"status": "failing", "error": "..."}, ...}}`.
//! No authentication, like `/healthz`.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::runtime::{KvScope, World};
use crate::server::AppState;

/// Longest one check may take before it counts as failing.
pub const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// One check's verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Check {
    Ok,
    Failing { error: String },
}

/// The body of `/readyz`.
#[derive(Debug, Clone, Serialize)]
pub struct Readiness {
    /// `ready` or `not_ready`.
    pub status: &'static str,
    /// The checks that failed, by name (absent when ready).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub failing: Vec<&'static str>,
    pub checks: BTreeMap<&'static str, Check>,
}

impl Readiness {
    pub fn is_ready(&self) -> bool {
        self.failing.is_empty()
    }
}

/// The handler of `GET /readyz`.
pub async fn readyz(State(state): State<Arc<AppState>>) -> Response {
    let readiness = check(&state).await;
    let status = if readiness.is_ready() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(readiness)).into_response()
}

/// Runs every check.
pub async fn check(state: &AppState) -> Readiness {
    let (database, bus) = tokio::join!(
        within(CHECK_TIMEOUT, database(state)),
        within(CHECK_TIMEOUT, bus(state)),
    );
    let checks = BTreeMap::from([
        ("database", database),
        ("bus", bus),
        ("components", components(state)),
    ]);
    let failing: Vec<&'static str> = checks
        .iter()
        .filter(|(_, c)| matches!(c, Check::Failing { .. }))
        .map(|(name, _)| *name)
        .collect();
    Readiness {
        status: if failing.is_empty() {
            "ready"
        } else {
            "not_ready"
        },
        failing,
        checks,
    }
}

async fn within(limit: Duration, check: impl Future<Output = Check>) -> Check {
    tokio::time::timeout(limit, check)
        .await
        .unwrap_or_else(|_| Check::Failing {
            error: format!("no answer within {} ms", limit.as_millis()),
        })
}

fn failing(error: impl ToString) -> Check {
    Check::Failing {
        error: error.to_string(),
    }
}

/// A read of a key no one writes.
async fn database(state: &AppState) -> Check {
    let scope = KvScope {
        game: state.config.default_game.clone(),
        component: "readyz".into(),
    };
    match state.store.kv_get(&scope, "ping").await {
        Ok(_) => Check::Ok,
        Err(e) => failing(e),
    }
}

async fn bus(state: &AppState) -> Check {
    let game = &state.config.default_game;
    match state
        .bus
        .end_offset(game, crate::arena::MATCH_EVENTS, 0)
        .await
    {
        Ok(_) => Check::Ok,
        Err(e) => failing(e),
    }
}

fn components(state: &AppState) -> Check {
    let game = &state.config.default_game;
    let slots = state.runtime.slots(game);
    let missing: Vec<&str> = World::ALL
        .iter()
        .filter(|world| {
            !slots
                .iter()
                .any(|s| s.world == **world && s.active().is_ok())
        })
        .map(|world| world.as_str())
        .collect();
    if missing.is_empty() {
        Check::Ok
    } else {
        failing(format!(
            "no active {} component in game `{game}`",
            missing.join(", ")
        ))
    }
}
