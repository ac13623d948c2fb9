//! A restart loads compiled artifacts from disk instead of compiling, and
//! serves the uploads and activations made before it.

mod common;

use common::*;
use idempo_host::runtime::cache::Origin;
use idempo_host::runtime::{Runtime, RuntimeOptions, World};

fn runtime_in(dir: &std::path::Path) -> Runtime {
    Runtime::new(RuntimeOptions {
        data_dir: Some(dir.to_path_buf()),
        ..RuntimeOptions::default()
    })
    .unwrap()
}

#[test]
fn a_restart_with_a_cached_artifact_does_not_recompile() {
    let data = tempfile::tempdir().unwrap();
    let first = runtime_in(data.path());
    let report = first
        .load(
            GAME,
            World::Combat,
            "classic",
            v("1.0.0"),
            &wasm("combat_classic"),
            false,
        )
        .unwrap();
    assert_eq!(report.origin, Origin::Compiled);
    assert_eq!(first.compiled_count(), 1);
    drop(first);

    let second = runtime_in(data.path());
    let report = second
        .load(
            GAME,
            World::Combat,
            "classic",
            v("1.0.0"),
            &wasm("combat_classic"),
            false,
        )
        .unwrap();
    assert_eq!(report.origin, Origin::Cached);
    assert_eq!(
        second.compiled_count(),
        0,
        "nothing was compiled after the restart"
    );
    assert_eq!(second.cache_hits(), 1);
    // The cached artifact runs.
    let state = setup(&second, "classic", 5);
    assert_eq!(state.fighters.len(), 2);
}

#[test]
fn a_restart_serves_what_was_uploaded_and_activated_before_it() {
    let data = tempfile::tempdir().unwrap();
    let shipped = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(shipped.path().join("combat")).unwrap();
    std::fs::write(
        shipped.path().join("combat/classic@1.0.0.wasm"),
        wasm("combat_classic"),
    )
    .unwrap();

    let first = runtime_in(data.path());
    first.boot(GAME, shipped.path()).unwrap();
    first
        .load(
            GAME,
            World::Combat,
            "classic",
            v("1.1.0"),
            &wasm("combat_classic_v2"),
            true,
        )
        .unwrap();
    first
        .activate(GAME, World::Combat, "classic", &v("1.1.0"), "ops")
        .unwrap();
    drop(first);

    let second = runtime_in(data.path());
    second.boot(GAME, shipped.path()).unwrap();
    assert_eq!(
        second
            .active(GAME, World::Combat, "classic")
            .unwrap()
            .version,
        v("1.1.0")
    );
    assert_eq!(second.compiled_count(), 0);
    let history = second
        .slot(GAME, World::Combat, "classic")
        .unwrap()
        .history();
    assert_eq!(history.last().map(|a| a.by.as_str()), Some("ops"));
    // Rollback still knows where to go.
    second
        .rollback(GAME, World::Combat, "classic", "ops")
        .unwrap();
    assert_eq!(
        second
            .active(GAME, World::Combat, "classic")
            .unwrap()
            .version,
        v("1.0.0")
    );
}
