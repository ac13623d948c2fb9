//! Fixtures shared by the benchmarks.

use std::path::PathBuf;
use std::sync::Arc;

use idempo_host::runtime::bindings::types;
use idempo_host::runtime::{CallContext, KvScope, NoState, StateView};

pub fn wasm(crate_name: &str) -> Vec<u8> {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let path = target
        .join("wasm32-wasip2/release")
        .join(format!("{crate_name}.wasm"));
    std::fs::read(&path)
        .unwrap_or_else(|e| panic!("build the components first ({}: {e})", path.display()))
}

pub fn ctx(now_ms: u64, seed: u64) -> CallContext {
    CallContext {
        now_ms,
        seed,
        state: StateView {
            reader: Arc::new(NoState),
            scope: KvScope {
                game: "default".into(),
                component: "classic".into(),
            },
        },
    }
}

pub fn config() -> types::MatchConfig {
    types::MatchConfig {
        width: 12,
        height: 12,
        duration_ms: 180_000,
        tick_ms: 1_000,
        initial_resources: 4,
    }
}

pub fn players() -> Vec<String> {
    ["ann", "bob", "cid", "dee"].map(String::from).to_vec()
}
