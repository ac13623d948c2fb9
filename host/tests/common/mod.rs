//! Shared fixtures of the host's integration tests: built components, a
//! runtime with test limits, call contexts, a host served over real HTTP.
#![allow(dead_code)]

#[macro_use]
pub mod db;
pub mod audit;
pub mod hosted;
pub mod kafka;
pub mod pipeline;
pub mod players;
pub mod process;

use std::path::PathBuf;
use std::sync::Arc;

use idempo_host::bus::Bus;
use idempo_host::config::{Config, RuntimeLimits};
use idempo_host::runtime::bindings::types;
use idempo_host::runtime::{
    CallContext, KvScope, NoState, Runtime, RuntimeOptions, StateView, World,
};
use idempo_host::server::{self, AppState};
use idempo_host::store::Store;
use semver::Version;

pub const GAME: &str = "default";

/// The build's target directory (`CARGO_TARGET_DIR`, else the workspace's).
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"))
}

/// Bytes of a component built by the test command into
/// `target/wasm32-wasip2/release/<crate>.wasm`.
pub fn wasm(crate_name: &str) -> Vec<u8> {
    let path = target_dir()
        .join("wasm32-wasip2/release")
        .join(format!("{crate_name}.wasm"));
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "component {} is not built ({e}); the README's test command builds it (cd components && cargo build --release)",
            path.display()
        )
    })
}

pub fn runtime_with(limits: RuntimeLimits) -> Runtime {
    Runtime::new(RuntimeOptions {
        limits,
        ..RuntimeOptions::default()
    })
    .expect("runtime starts")
}

pub fn runtime() -> Runtime {
    runtime_with(RuntimeLimits::default())
}

pub fn v(text: &str) -> Version {
    Version::parse(text).expect("version")
}

/// Loads `crate_name`'s wasm as component `name@version`.
pub fn load(rt: &Runtime, world: World, name: &str, version: &str, crate_name: &str) {
    rt.load(GAME, world, name, v(version), &wasm(crate_name), false)
        .unwrap_or_else(|e| panic!("{crate_name} loads: {e}"));
}

pub fn ctx(now_ms: u64, seed: u64) -> CallContext {
    CallContext {
        now_ms,
        seed,
        state: StateView {
            reader: Arc::new(NoState),
            scope: KvScope {
                game: GAME.into(),
                component: "test".into(),
            },
        },
    }
}

pub fn match_config() -> types::MatchConfig {
    types::MatchConfig {
        width: 12,
        height: 12,
        duration_ms: 180_000,
        tick_ms: 1_000,
        initial_resources: 4,
    }
}

pub fn action(id: &str, actor: &str, kind: types::ActionKind, at_ms: u64) -> types::Action {
    types::Action {
        id: id.into(),
        actor: actor.into(),
        kind,
        stamped: false,
        at_ms,
    }
}

/// Sets up a two-player match on the active version of `name`.
pub fn setup(rt: &Runtime, name: &str, seed: u64) -> types::MatchState {
    let combat = rt.active(GAME, World::Combat, name).expect("active");
    rt.combat_setup(
        &combat,
        ctx(0, seed),
        "m1",
        match_config(),
        &["ann".into(), "bob".into()],
        seed,
    )
    .expect("setup call")
    .value
    .expect("setup accepted")
}

/// A host served over real HTTP on a random local port, and the store and
/// bus under it (a test drives the event pipeline itself).
pub struct Served {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    pub store: Store,
    pub bus: Arc<dyn Bus>,
}

/// Serves `runtime` with `config` over a SQLite store in a temporary
/// directory, which lives as long as the server task.
pub async fn serve(config: Config, runtime: Runtime) -> Served {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&db::test_config(), dir.path())
        .await
        .expect("SQLite store opens in a temp dir");
    serve_store(config, runtime, store, Some(dir)).await
}

/// Serves `runtime` with `config` over `store` (keeping `dir` as long as
/// the server task); the host's background services are not started (a
/// story that needs them starts them).
pub async fn serve_store(
    config: Config,
    runtime: Runtime,
    store: Store,
    dir: Option<tempfile::TempDir>,
) -> Served {
    let clock = Arc::new(idempo_host::arena::SystemClock);
    serve_state(config, runtime, store, dir, clock).await.0
}

/// Serves `runtime` with `config` over a SQLite store in a temporary
/// directory on `clock`, with every background service started (they run
/// as long as the returned [`Services`]).
pub async fn serve_running(
    config: Config,
    runtime: Runtime,
    clock: Arc<dyn idempo_host::arena::Clock>,
) -> (Served, idempo_host::services::Services) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&db::test_config(), dir.path())
        .await
        .expect("SQLite store opens in a temp dir");
    let (served, state) = serve_state(config, runtime, store, Some(dir), clock).await;
    let services = idempo_host::services::Services::start(&state).await;
    (served, services)
}

/// Serves the state of `runtime`, `config`, `store` and `clock`; the
/// served host and its state.
async fn serve_state(
    config: Config,
    runtime: Runtime,
    store: Store,
    dir: Option<tempfile::TempDir>,
    clock: Arc<dyn idempo_host::arena::Clock>,
) -> (Served, Arc<AppState>) {
    let bus = idempo_host::bus::open(&config, store.clone()).expect("the bus opens");
    let state = Arc::new(
        AppState::new(config, Arc::new(runtime), store.clone(), bus.clone(), clock)
            .expect("the arena's configuration is valid"),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free port");
    let base = format!("http://{}", listener.local_addr().expect("bound"));
    let served_state = state.clone();
    tokio::spawn(async move {
        let _dir = dir;
        server::serve_on(listener, served_state).await
    });
    (Served { base, store, bus }, state)
}

/// The types of the events committed on `topic`, wherever they are now:
/// still in the outbox, or already on `bus`'s log (the embedded log takes
/// commits' events itself, `bus.append_in_commit`). The log is read from
/// its start by a group of its own.
pub async fn committed_event_types(store: &Store, bus: &Arc<dyn Bus>, topic: &str) -> Vec<String> {
    let mut types = Vec::new();
    for partition in 0..i32::try_from(bus.partitions()).expect("partitions") {
        let records = bus
            .fetch(GAME, "test-inspector", topic, partition, 10_000)
            .await
            .expect("the log reads");
        types.extend(records.into_iter().map(|r| r.envelope.event_type));
    }
    let unsent = store.outbox_unsent(10_000).await.expect("outbox reads");
    types.extend(
        unsent
            .into_iter()
            .filter(|row| row.event.topic == topic)
            .map(|row| row.event.event_type),
    );
    types
}
