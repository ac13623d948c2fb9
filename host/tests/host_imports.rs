//! The host's side of the imports: a failed state read ends the call with a
//! typed error and nothing of the call commits; it does not count against
//! the component.

mod common;

use std::sync::Arc;

use common::*;
use idempo_host::runtime::bindings::host::idempo::game::kv::Host as _;
use idempo_host::runtime::{
    CallContext, CallError, HostFailure, KvRead, KvScope, StateView, World,
};

/// A state store whose every read fails, like a database that went away.
struct BrokenStore;

impl KvRead for BrokenStore {
    fn get(&self, _: &KvScope, _: &str) -> Result<Option<Vec<u8>>, HostFailure> {
        Err(HostFailure("database unreachable".into()))
    }
}

#[test]
fn a_failed_state_read_fails_the_call_and_commits_nothing() {
    let rt = runtime();
    load(&rt, World::Combat, "classic", "1.0.0", "combat_classic");
    let classic = rt.active(GAME, World::Combat, "classic").unwrap();
    let ctx = CallContext {
        now_ms: 0,
        seed: 1,
        state: StateView {
            reader: Arc::new(BrokenStore),
            scope: KvScope {
                game: GAME.into(),
                component: "classic".into(),
            },
        },
    };
    let err = rt
        .invoke(&classic, ctx, |_pre, store| {
            let state = store.data_mut();
            state
                .set("written-first".into(), b"1".to_vec())
                .expect("buffered");
            state.get("visits".into())
        })
        .unwrap_err();
    assert!(
        matches!(&err, CallError::HostFailure { message, .. } if message.contains("database unreachable")),
        "{err:?}"
    );
    assert!(!err.counts_against_component());
    assert_eq!(classic.breaker.snapshot().consecutive_failures, 0);
}
