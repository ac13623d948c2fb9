//! A hostile component cannot crash or stall the host, nor slow the others:
//! each misbehaviour fails its own call with a typed error within its
//! budget, and the next call to a well-behaved component succeeds.

mod common;

use std::time::{Duration, Instant};

use common::*;
use idempo_host::config::RuntimeLimits;
use idempo_host::runtime::bindings::types::{ActionKind, MatchState, Verdict};
use idempo_host::runtime::{CallError, Runtime, World};

/// A wall-clock backstop for "ended within its budget": far above what a
/// fuel-bounded call takes, far below "stalled".
const STALL: Duration = Duration::from_secs(5);

fn limits() -> RuntimeLimits {
    RuntimeLimits {
        call_fuel: 20_000_000,
        memory_limit_bytes: 16 * 1024 * 1024,
        ..RuntimeLimits::default()
    }
}

fn arena(limits: RuntimeLimits) -> Runtime {
    let rt = runtime_with(limits);
    load(&rt, World::Combat, "hostile", "0.1.0", "hostile");
    load(&rt, World::Combat, "classic", "1.0.0", "combat_classic");
    rt
}

/// Runs the hostile `resolve` named `id`; returns its result and duration.
fn provoke(rt: &Runtime, id: &str) -> (Result<Verdict, CallError>, Duration) {
    provoke_in(rt, &setup(rt, "hostile", 1), id)
}

fn provoke_in(
    rt: &Runtime,
    state: &MatchState,
    id: &str,
) -> (Result<Verdict, CallError>, Duration) {
    let hostile = rt.active(GAME, World::Combat, "hostile").unwrap();
    let started = Instant::now();
    let result = rt
        .combat_resolve(
            &hostile,
            ctx(1_000, 1),
            state,
            &action(id, "ann", ActionKind::Defend, 1_000),
        )
        .map(|out| out.value.verdict);
    (result, started.elapsed())
}

fn the_others_still_play(rt: &Runtime) {
    let classic = rt.active(GAME, World::Combat, "classic").unwrap();
    let state = setup(rt, "classic", 3);
    let out = rt
        .combat_resolve(
            &classic,
            ctx(1_000, 3),
            &state,
            &action("a1", "ann", ActionKind::Defend, 1_000),
        )
        .expect("a well-behaved component still answers");
    assert_eq!(out.value.verdict, Verdict::Accepted);
}

fn fuel_within_budget(rt: &Runtime, budget: u64) {
    let hostile = rt.active(GAME, World::Combat, "hostile").unwrap();
    let calls = hostile
        .stats
        .calls
        .load(std::sync::atomic::Ordering::Relaxed);
    let fuel = hostile
        .stats
        .fuel_used
        .load(std::sync::atomic::Ordering::Relaxed);
    assert!(
        fuel <= budget * calls,
        "used {fuel} fuel over {calls} calls, budget {budget} each"
    );
}

#[test]
fn a_component_that_loops_forever_runs_out_of_fuel() {
    let rt = arena(limits());
    let (result, took) = provoke(&rt, "loop");
    assert!(
        matches!(
            result,
            Err(CallError::FuelExhausted {
                budget: 20_000_000,
                ..
            })
        ),
        "{result:?}"
    );
    assert!(took < STALL, "took {took:?}");
    fuel_within_budget(&rt, 20_000_000);
    the_others_still_play(&rt);
}

#[test]
fn a_loop_that_fuel_cannot_stop_hits_the_epoch_deadline() {
    let rt = arena(RuntimeLimits {
        call_fuel: u64::MAX / 4,
        call_deadline_ms: 100,
        ..limits()
    });
    let (result, took) = provoke(&rt, "loop");
    assert!(
        matches!(
            result,
            Err(CallError::DeadlineExceeded {
                deadline_ms: 100,
                ..
            })
        ),
        "{result:?}"
    );
    assert!(
        took >= Duration::from_millis(90) && took < STALL,
        "took {took:?}"
    );
    the_others_still_play(&rt);
}

#[test]
fn a_component_that_grows_memory_without_bound_is_stopped_at_its_cap() {
    let rt = arena(limits());
    let (result, took) = provoke(&rt, "grow");
    assert!(
        matches!(result, Err(CallError::MemoryExhausted { limit_bytes, .. }) if limit_bytes == 16 * 1024 * 1024),
        "{result:?}"
    );
    assert!(took < STALL, "took {took:?}");
    the_others_still_play(&rt);
}

#[test]
fn a_component_that_recurses_without_bound_exhausts_its_stack() {
    let rt = arena(limits());
    let (result, took) = provoke(&rt, "recurse");
    assert!(
        matches!(result, Err(CallError::StackExhausted { .. })),
        "{result:?}"
    );
    assert!(took < STALL, "took {took:?}");
    the_others_still_play(&rt);
}

#[test]
fn a_component_that_traps_on_every_call_opens_its_breaker_and_then_fails_fast() {
    let rt = arena(limits());
    let state = setup(&rt, "hostile", 1);
    for _ in 0..5 {
        let (result, _) = provoke_in(&rt, &state, "trap");
        assert!(
            matches!(result, Err(CallError::Trapped { .. })),
            "{result:?}"
        );
    }
    let (result, took) = provoke_in(&rt, &state, "trap");
    assert!(
        matches!(result, Err(CallError::BreakerOpen { .. })),
        "{result:?}"
    );
    assert!(took < Duration::from_secs(1));
    let hostile = rt.active(GAME, World::Combat, "hostile").unwrap();
    let snapshot = hostile.breaker.snapshot();
    assert_eq!(
        snapshot.state,
        idempo_host::runtime::breaker::BreakerState::Open
    );
    assert!(
        snapshot
            .transitions
            .iter()
            .any(|t| t.reason.contains("trap"))
    );
    the_others_still_play(&rt);
}

fn probe(rt: &Runtime, id: &str) -> String {
    match provoke(rt, id).0 {
        Ok(Verdict::Rejected(report)) => report,
        other => panic!("probe {id}: {other:?}"),
    }
}

#[test]
fn files_are_not_there_for_a_component() {
    let rt = arena(limits());
    let report = probe(&rt, "fs");
    assert!(
        report.contains("read_dir=Err") && report.contains("open=Err"),
        "{report}"
    );
    the_others_still_play(&rt);
}

#[test]
fn the_environment_is_empty_for_a_component() {
    let rt = arena(limits());
    let report = probe(&rt, "env");
    assert_eq!(report, "env: vars=0 args=0 home=None");
    the_others_still_play(&rt);
}

#[test]
fn a_component_cannot_open_a_socket() {
    let rt = arena(limits());
    let report = probe(&rt, "socket");
    assert!(report.starts_with("socket: Err"), "{report}");
    the_others_still_play(&rt);
}

#[test]
fn the_system_clock_reads_the_calls_logical_time() {
    let rt = arena(limits());
    assert_eq!(probe(&rt, "clock"), "clock: 1000");
}

#[test]
fn stdout_and_stderr_go_to_the_components_log() {
    let rt = arena(limits());
    let hostile = rt.active(GAME, World::Combat, "hostile").unwrap();
    let state = setup(&rt, "hostile", 1);
    let out = rt
        .combat_resolve(
            &hostile,
            ctx(0, 1),
            &state,
            &action("print", "ann", ActionKind::Defend, 0),
        )
        .unwrap();
    let messages: Vec<_> = out.logs.iter().map(|l| l.message.as_str()).collect();
    assert!(messages.contains(&"hello from stdout"), "{messages:?}");
    assert!(messages.contains(&"hello from stderr"), "{messages:?}");
}

#[test]
fn a_component_importing_something_not_granted_is_refused_at_load() {
    let rt = runtime();
    let evil = wat::parse_str(
        r#"(component
             (import "evil:net/socket" (instance (export "connect" (func))))
           )"#,
    )
    .unwrap();
    let err = rt
        .load(GAME, World::Combat, "evil", v("0.1.0"), &evil, false)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("evil:net/socket"),
        "the error names the import: {err}"
    );
    assert!(
        rt.slot(GAME, World::Combat, "evil").is_err(),
        "nothing was registered"
    );
}
