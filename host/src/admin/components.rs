//! Component management: list, upload (validated, compiled once), activate,
//! roll back, history and breaker states.
//!
//! Compilation runs on a blocking thread so it never stalls the server.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use semver::Version;
use serde::{Deserialize, Serialize};

use super::OPERATOR;
use crate::problem::Problem;
use crate::runtime::{Activation, LoadReport, SlotSummary, World};
use crate::server::AppState;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/admin/v1/games/{game}/components", get(list))
        .route(
            "/admin/v1/games/{game}/components/{world}/{name}",
            get(show),
        )
        .route(
            "/admin/v1/games/{game}/components/{world}/{name}/versions/{version}",
            // The limit is enforced in `upload`, as a problem+json 413.
            put(upload).layer(DefaultBodyLimit::disable()),
        )
        .route(
            "/admin/v1/games/{game}/components/{world}/{name}/activate",
            post(activate),
        )
        .route(
            "/admin/v1/games/{game}/components/{world}/{name}/rollback",
            post(rollback),
        )
        .route("/admin/v1/games/{game}/breakers", get(breakers))
}

async fn list(
    State(state): State<Arc<AppState>>,
    Path(game): Path<String>,
) -> Json<Vec<SlotSummary>> {
    Json(state.runtime.summaries(&game))
}

#[derive(Serialize)]
struct ComponentDetail {
    #[serde(flatten)]
    summary: SlotSummary,
    history: Vec<Activation>,
}

/// A component's address in a path: game, world, name.
type ComponentPath = Path<(String, String, String)>;

fn world_of(text: &str) -> Result<World, Problem> {
    text.parse().map_err(Problem::bad_request)
}

async fn show(
    State(state): State<Arc<AppState>>,
    Path((game, world, name)): ComponentPath,
) -> Result<Json<ComponentDetail>, Problem> {
    let slot = state.runtime.slot(&game, world_of(&world)?, &name)?;
    Ok(Json(ComponentDetail {
        summary: slot.summary(),
        history: slot.history(),
    }))
}

#[derive(Deserialize)]
struct UploadQuery {
    #[serde(default)]
    activate: bool,
}

#[derive(Serialize)]
struct UploadResponse {
    #[serde(flatten)]
    report: LoadReport,
    activation: Option<Activation>,
}

async fn upload(
    State(state): State<Arc<AppState>>,
    Path((game, world, name, version)): Path<(String, String, String, String)>,
    Query(query): Query<UploadQuery>,
    body: Body,
) -> Result<(StatusCode, Json<UploadResponse>), Problem> {
    let limit = state.config.upload_limit_bytes;
    let body = axum::body::to_bytes(body, limit).await.map_err(|_| {
        Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too-large",
            "Component too large",
            format!("a component upload may be at most {limit} bytes"),
        )
    })?;
    let world = world_of(&world)?;
    let version = parse_version(&version)?;
    if body.is_empty() {
        return Err(Problem::bad_request(
            "the body must be the component's .wasm bytes",
        ));
    }
    let runtime = state.runtime.clone();
    let (load_game, load_name, load_version) = (game.clone(), name.clone(), version.clone());
    let report = tokio::task::spawn_blocking(move || {
        runtime.load(&load_game, world, &load_name, load_version, &body, true)
    })
    .await
    .map_err(|e| {
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Upload failed",
            e.to_string(),
        )
    })??;
    let activation = match (query.activate, &report.activated) {
        (true, None) => Some(
            state
                .runtime
                .activate(&game, world, &name, &version, OPERATOR)?,
        ),
        _ => report.activated.clone(),
    };
    let status = if report.new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(UploadResponse { report, activation })))
}

#[derive(Deserialize)]
struct ActivateBody {
    version: String,
}

async fn activate(
    State(state): State<Arc<AppState>>,
    Path((game, world, name)): ComponentPath,
    body: Bytes,
) -> Result<Json<Activation>, Problem> {
    let body: ActivateBody = serde_json::from_slice(&body).map_err(|e| {
        Problem::bad_request(format!(
            "the body must be {{\"version\": \"<semver>\"}}: {e}"
        ))
    })?;
    let version = parse_version(&body.version)?;
    let world = world_of(&world)?;
    Ok(Json(
        state
            .runtime
            .activate(&game, world, &name, &version, OPERATOR)?,
    ))
}

async fn rollback(
    State(state): State<Arc<AppState>>,
    Path((game, world, name)): ComponentPath,
) -> Result<Json<Activation>, Problem> {
    let world = world_of(&world)?;
    Ok(Json(state.runtime.rollback(&game, world, &name, OPERATOR)?))
}

#[derive(Serialize)]
struct BreakerView {
    world: World,
    component: String,
    version: Version,
    #[serde(flatten)]
    breaker: crate::runtime::breaker::BreakerSnapshot,
}

async fn breakers(
    State(state): State<Arc<AppState>>,
    Path(game): Path<String>,
) -> Json<Vec<BreakerView>> {
    let views = state
        .runtime
        .summaries(&game)
        .into_iter()
        .flat_map(|slot| {
            slot.versions.into_iter().map(move |v| BreakerView {
                world: slot.world,
                component: slot.name.clone(),
                version: v.version,
                breaker: v.breaker,
            })
        })
        .collect();
    Json(views)
}

fn parse_version(text: &str) -> Result<Version, Problem> {
    Version::parse(text)
        .map_err(|e| Problem::bad_request(format!("`{text}` is not a semantic version: {e}")))
}
