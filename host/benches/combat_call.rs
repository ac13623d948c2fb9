//! One combat resolution through the host (pooled instantiate, call, lift
//! and lower) against the same rule compiled natively.
//!
//! `cargo bench -p idempo-host --bench combat_call`

use criterion::{Criterion, criterion_group, criterion_main};
use idempo_host::runtime::bindings::types::{self, ActionKind};
use idempo_host::runtime::{Runtime, RuntimeOptions, World};

#[path = "../tests/common/mod.rs"]
mod common;

/// A four-fighter match where ann stands next to bob, so the attack lands.
fn component_input(rt: &Runtime) -> (types::MatchState, types::Action) {
    let classic = rt.active("default", World::Combat, "classic").unwrap();
    let mut state = rt
        .combat_setup(
            &classic,
            common::ctx(0, 9),
            "bench",
            common::match_config(),
            &players(),
            9,
        )
        .unwrap()
        .value
        .unwrap();
    let ann = state.fighters[0].pos;
    state.fighters[1].pos = types::Pos {
        x: ann.x + if ann.x > 0 { -1 } else { 1 },
        y: ann.y,
    };
    let action = types::Action {
        id: "a1".into(),
        actor: state.fighters[0].id.clone(),
        kind: ActionKind::Attack(state.fighters[1].id.clone()),
        stamped: false,
        at_ms: 1_000,
    };
    (state, action)
}

fn native_input() -> (arena_rules::MatchState, arena_rules::Action) {
    let config = arena_rules::MatchConfig {
        width: 12,
        height: 12,
        duration_ms: 180_000,
        tick_ms: 1_000,
        initial_resources: 4,
    };
    let mut dice = arena_rules::SplitMix64::new(9);
    let mut state = arena_rules::Rules::CLASSIC
        .setup(config, &players(), &mut dice)
        .unwrap();
    let ann = state.fighters[0].pos;
    state.fighters[1].pos = arena_rules::Pos {
        x: ann.x + if ann.x > 0 { -1 } else { 1 },
        y: ann.y,
    };
    let action = arena_rules::Action {
        id: "a1".into(),
        actor: state.fighters[0].id.clone(),
        kind: arena_rules::ActionKind::Attack(state.fighters[1].id.clone()),
        stamped: false,
        at_ms: 1_000,
    };
    (state, action)
}

fn bench(c: &mut Criterion) {
    let rt = Runtime::new(RuntimeOptions::default()).unwrap();
    rt.load(
        "default",
        World::Combat,
        "classic",
        semver::Version::new(1, 0, 0),
        &common::wasm("combat_classic"),
        false,
    )
    .unwrap();
    let classic = rt.active("default", World::Combat, "classic").unwrap();
    let (state, action) = component_input(&rt);
    let check = rt
        .combat_resolve(&classic, common::ctx(1_000, 1), &state, &action)
        .unwrap();
    assert_eq!(
        check.value.verdict,
        types::Verdict::Accepted,
        "the benchmarked attack lands"
    );

    let (native_state, native_action) = native_input();
    let check = arena_rules::Rules::CLASSIC.resolve(
        native_state.clone(),
        &native_action,
        &mut arena_rules::SplitMix64::new(1),
    );
    assert_eq!(
        check.verdict,
        arena_rules::Verdict::Accepted,
        "the native attack lands"
    );

    let mut group = c.benchmark_group("combat_resolve");
    let mut seed = 0u64;
    group.bench_function("component", |b| {
        b.iter(|| {
            seed += 1;
            rt.combat_resolve(&classic, common::ctx(1_000, seed), &state, &action)
                .unwrap()
        })
    });
    group.bench_function("native", |b| {
        b.iter(|| {
            seed += 1;
            arena_rules::Rules::CLASSIC.resolve(
                native_state.clone(),
                &native_action,
                &mut arena_rules::SplitMix64::new(seed),
            )
        })
    });
    group.finish();
}

fn players() -> Vec<String> {
    ["ann", "bob", "cid", "dee"].map(String::from).to_vec()
}

criterion_group!(benches, bench);
criterion_main!(benches);
