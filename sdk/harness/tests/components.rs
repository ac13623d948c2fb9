//! The harness against real components: the default components pass their
//! own scenarios, and the harness reports what a designer needs when they do
//! not.
//!
//! These need the components built (`cargo build --release` in
//! `components/`, which `./dev test` does). Without them a test says so and
//! skips, unless `IDEMPO_REQUIRE_COMPONENTS` is set (CI sets it), in which
//! case it fails.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use idempo_harness::{
    HarnessError, Report, Scenario, load_component_as, run_file, run_scenario, scenario_files,
};
use idempo_host::runtime::{LoadedComponent, Runtime, RuntimeOptions, World};
use semver::Version;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The built component `stem.wasm`, or `None` (after saying why) when the
/// test should skip.
fn built(stem: &str) -> Option<PathBuf> {
    let path = repo()
        .join("target/wasm32-wasip2/release")
        .join(format!("{stem}.wasm"));
    if path.is_file() {
        return Some(path);
    }
    let how = "build them with `cargo build --release` in components/ (or run ./dev test)";
    if std::env::var_os("IDEMPO_REQUIRE_COMPONENTS").is_some() {
        panic!(
            "{} is missing and IDEMPO_REQUIRE_COMPONENTS is set; {how}",
            path.display()
        );
    }
    eprintln!("SKIP: {} is not built; {how}", path.display());
    None
}

fn load(runtime: &Runtime, stem: &str, world: World) -> Option<Arc<LoadedComponent>> {
    let path = built(stem)?;
    let name = stem.replace('_', "-");
    Some(load_component_as(runtime, world, &name, &Version::new(1, 0, 0), &path).unwrap())
}

fn runtime() -> Runtime {
    Runtime::new(RuntimeOptions::default()).unwrap()
}

/// Runs the scenarios a component ships (`components/<crate>/scenarios/`).
fn passes_its_scenarios(stem: &str, crate_dir: &str, world: World) {
    let runtime = runtime();
    let Some(component) = load(&runtime, stem, world) else {
        return;
    };
    let files =
        scenario_files(&repo().join("components").join(crate_dir).join("scenarios")).unwrap();
    assert!(!files.is_empty(), "{stem} has no scenarios");
    let reports: Vec<Report> = files
        .iter()
        .map(|f| run_file(&runtime, &component, f).unwrap())
        .collect();
    for report in &reports {
        println!("{report}");
    }
    let failed: Vec<&str> = reports
        .iter()
        .filter(|r| !r.passed())
        .map(|r| r.scenario.as_str())
        .collect();
    assert!(
        failed.is_empty(),
        "{stem} failed {failed:?}; the reports are above"
    );
}

#[test]
fn classic_combat_passes_its_scenarios() {
    passes_its_scenarios("combat_classic", "combat-classic", World::Combat);
}

#[test]
fn classic_combat_with_critical_hits_passes_its_scenarios() {
    passes_its_scenarios("combat_classic_v2", "combat-classic-v2", World::Combat);
}

#[test]
fn standard_rewards_pass_their_scenarios() {
    passes_its_scenarios("rewards_standard", "rewards-standard", World::Rewards);
}

#[test]
fn the_standard_market_passes_its_scenarios() {
    passes_its_scenarios("market_standard", "market-standard", World::Market);
}

#[test]
fn the_standard_tournament_passes_its_scenarios() {
    passes_its_scenarios(
        "tournament_standard",
        "tournament-standard",
        World::Tournament,
    );
}

#[test]
fn the_standard_tournament_with_a_weekend_cup_passes_its_scenarios() {
    passes_its_scenarios(
        "tournament_standard_v2",
        "tournament-standard-v2",
        World::Tournament,
    );
}

const SETUP: &str = r#"{ "setup": { "match_id": "m1", "players": ["ann", "bob"],
    "config": { "width": 8, "height": 8, "duration_ms": 60000, "tick_ms": 1000, "initial_resources": 2 } } }"#;

fn scenario(steps: &[&str]) -> Scenario {
    let text = format!(
        r#"{{ "world": "combat", "seed": 3, "steps": [ {} ] }}"#,
        steps.join(",")
    );
    Scenario::parse("inline.json", &text).unwrap()
}

#[test]
fn a_wrong_expectation_fails_its_step_with_the_json_path_and_the_actual_value() {
    let runtime = runtime();
    let Some(classic) = load(&runtime, "combat_classic", World::Combat) else {
        return;
    };
    let setup = SETUP.replace(
        "} } }",
        r#"} }, "expect": { "Ok": { "fighters": [ { "id": "zed" } ] } } }"#,
    );
    let report = run_scenario(&runtime, &classic, &scenario(&[&setup])).unwrap();
    assert!(!report.passed());
    let step = &report.steps[0];
    assert!(
        step.message
            .starts_with(r#"steps[0].expect.Ok.fighters[0].id: expected "zed", got "ann""#),
        "{}",
        step.message
    );
    assert!(
        step.actual.is_some(),
        "the report carries the actual result"
    );
    assert!(report.to_string().contains("✗ steps[0] setup"), "{report}");
    assert!(report.to_string().contains("actual: {\"Ok\":"), "{report}");
}

#[test]
fn the_match_state_flows_from_setup_through_actions_and_ticks_to_finished() {
    let runtime = runtime();
    let Some(classic) = load(&runtime, "combat_classic", World::Combat) else {
        return;
    };
    let s = scenario(&[
        SETUP,
        r#"{ "resolve": { "id": "a1", "actor": "ann", "kind": "Defend", "stamped": false, "at_ms": 1000 },
             "expect": { "state": { "now_ms": 1000 } } }"#,
        r#"{ "tick": { "now_ms": 2000 }, "expect": { "state": { "ticks": 1, "now_ms": 2000 } } }"#,
        r#"{ "tick": { "now_ms": 3000 }, "expect": { "state": { "ticks": 2 } } }"#,
        r#"{ "finished": {}, "expect": null, "description": "the match id comes from setup" }"#,
    ]);
    let report = run_scenario(&runtime, &classic, &s).unwrap();
    assert!(report.passed(), "{report}");
    assert!(
        report
            .steps
            .iter()
            .all(|s| s.fuel_used.is_some_and(|f| f > 0))
    );
}

#[test]
fn an_action_before_setup_fails_and_says_setup_must_come_first() {
    let runtime = runtime();
    let Some(classic) = load(&runtime, "combat_classic", World::Combat) else {
        return;
    };
    let s = scenario(&[r#"{ "tick": { "now_ms": 1000 } }"#]);
    let report = run_scenario(&runtime, &classic, &s).unwrap();
    assert!(
        report.steps[0]
            .message
            .contains("a `setup` step must succeed before it")
    );
}

#[test]
fn the_same_scenario_gives_the_same_results_every_run() {
    let runtime = runtime();
    let Some(classic) = load(&runtime, "combat_classic", World::Combat) else {
        return;
    };
    let s = scenario(&[
        SETUP,
        r#"{ "resolve": { "id": "a1", "actor": "ann", "kind": { "Move": "North" }, "stamped": false, "at_ms": 1000 } }"#,
        r#"{ "tick": { "now_ms": 5000 } }"#,
    ]);
    let actual = |r: Report| r.steps.into_iter().map(|s| s.actual).collect::<Vec<_>>();
    let first = actual(run_scenario(&runtime, &classic, &s).unwrap());
    let second = actual(run_scenario(&runtime, &classic, &s).unwrap());
    assert_eq!(first, second);
}

#[test]
fn a_market_scenario_is_refused_by_a_combat_component() {
    let runtime = runtime();
    let Some(classic) = load(&runtime, "combat_classic", World::Combat) else {
        return;
    };
    let s = Scenario::parse(
        "shop.json",
        r#"{ "world": "market", "steps": [ { "recipes": {} } ] }"#,
    )
    .unwrap();
    let e = run_scenario(&runtime, &classic, &s).unwrap_err();
    assert!(matches!(e, HarnessError::WorldMismatch { .. }), "{e}");
    assert!(
        e.to_string().contains("shop.json is a market scenario"),
        "{e}"
    );
}

#[test]
fn a_component_that_spins_forever_fails_its_step_with_a_fuel_error_unless_expected() {
    let runtime = runtime();
    let Some(hostile) = load(&runtime, "hostile", World::Combat) else {
        return;
    };
    let s = scenario(&[
        SETUP,
        r#"{ "resolve": { "id": "loop", "actor": "ann", "kind": "Defend", "stamped": false, "at_ms": 1 } }"#,
        r#"{ "resolve": { "id": "loop", "actor": "ann", "kind": "Defend", "stamped": false, "at_ms": 2 },
             "expect_error": "fuel" }"#,
        r#"{ "resolve": { "id": "trap", "actor": "ann", "kind": "Defend", "stamped": false, "at_ms": 3 },
             "expect_error": "fuel" }"#,
        r#"{ "resolve": { "id": "calm", "actor": "ann", "kind": "Defend", "stamped": false, "at_ms": 4 },
             "expect": { "verdict": "Accepted" } }"#,
    ]);
    let report = run_scenario(&runtime, &hostile, &s).unwrap();
    println!("{report}");
    let [_, unexpected, expected, wrong_kind, calm] = &report.steps[..] else {
        panic!("five steps: {report}");
    };
    assert!(!unexpected.ok);
    assert_eq!(unexpected.error.as_ref().map(|e| e.kind()), Some("fuel"));
    assert!(
        unexpected.message.starts_with("call failed (fuel)"),
        "{}",
        unexpected.message
    );
    assert!(expected.ok, "{}", expected.message);
    assert!(!wrong_kind.ok);
    assert!(
        wrong_kind
            .message
            .starts_with("expected a fuel error, got trap"),
        "{}",
        wrong_kind.message
    );
    assert!(
        calm.ok,
        "a failed call leaves the state as it was: {}",
        calm.message
    );
}
