//! `idempo-sdk build` and `idempo-sdk test` on the default components, as a
//! designer would run them in `components/`.
//!
//! They build with cargo, so they need the `wasm32-wasip2` target. Where the
//! components were never built (no `target/wasm32-wasip2/release/*.wasm`),
//! a test says so and skips, unless `IDEMPO_REQUIRE_COMPONENTS` is set (CI
//! sets it), in which case it runs.

use std::path::{Path, PathBuf};

use idempo_cli::testing;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn should_run() -> bool {
    let built = repo().join("target/wasm32-wasip2/release/combat_classic.wasm");
    if built.is_file() || std::env::var_os("IDEMPO_REQUIRE_COMPONENTS").is_some() {
        return true;
    }
    eprintln!(
        "SKIP: the components were never built ({} is missing); run `cargo build --release` in components/ or ./dev test",
        built.display()
    );
    false
}

#[test]
fn testing_the_default_components_builds_each_into_the_host_layout_and_passes_their_scenarios() {
    if !should_run() {
        return;
    }
    let out = tempfile::tempdir().unwrap();
    let run = testing::test(&repo().join("components"), Some(out.path())).unwrap();
    assert!(run.passed(), "failed: {:?}", run.errors);
    assert!(
        run.untested.is_empty(),
        "without scenarios: {:?}",
        run.untested
    );
    for file in [
        "combat/classic@1.0.0.wasm",
        "rewards/standard@1.0.0.wasm",
        "market/standard@1.1.0.wasm",
        "tournament/standard@1.0.0.wasm",
    ] {
        assert!(out.path().join(file).is_file(), "{file} was not written");
    }
    let scenarios: Vec<&str> = run.reports.iter().map(|r| r.scenario.as_str()).collect();
    assert!(scenarios.contains(&"duel-in-the-pit.json"), "{scenarios:?}");
}

#[test]
fn building_one_member_of_a_workspace_builds_only_that_component() {
    if !should_run() {
        return;
    }
    let out = tempfile::tempdir().unwrap();
    let (_, artifacts) =
        idempo_cli::build::build(&repo().join("components/market-standard"), Some(out.path()))
            .unwrap();
    let labels: Vec<String> = artifacts.iter().map(|a| a.component.label()).collect();
    assert_eq!(labels, ["standard@1.1.0"]);
    assert_eq!(
        artifacts[0].path,
        out.path().join("market/standard@1.1.0.wasm")
    );
    assert!(artifacts[0].size_bytes > 0);
}
