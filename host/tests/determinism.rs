//! The same inputs and seed give the same outcomes, run after run and
//! runtime after runtime: the basis of replay.

mod common;

use common::*;
use idempo_host::runtime::bindings::types::{Ability, ActionKind, Direction};
use idempo_host::runtime::{Runtime, World};

/// Plays a scripted match and returns every output as JSON.
fn play(rt: &Runtime, seed: u64) -> Vec<String> {
    let classic = rt.active(GAME, World::Combat, "classic").unwrap();
    let mut state = setup(rt, "classic", seed);
    let mut log = vec![serde_json::to_string(&state).unwrap()];
    let script = [
        ActionKind::Move(Direction::North),
        ActionKind::Move(Direction::East),
        ActionKind::Defend,
        ActionKind::Collect,
        ActionKind::Attack("bob".into()),
        ActionKind::Special(Ability::Dash),
    ];
    for (i, kind) in script.into_iter().cycle().take(40).enumerate() {
        let at = 500 * (i as u64 + 1);
        let actor = if i % 2 == 0 { "ann" } else { "bob" };
        let kind = match (actor, kind) {
            ("bob", ActionKind::Attack(_)) => ActionKind::Attack("ann".into()),
            (_, k) => k,
        };
        let out = rt
            .combat_resolve(
                &classic,
                ctx(at, seed ^ i as u64),
                &state,
                &action(&format!("a{i}"), actor, kind, at),
            )
            .unwrap();
        log.push(serde_json::to_string(&out.value).unwrap());
        state = out.value.state;
        if i % 4 == 3 {
            let tick = rt.combat_tick(&classic, ctx(at, seed), &state, at).unwrap();
            log.push(serde_json::to_string(&tick.value).unwrap());
            state = tick.value.state;
        }
    }
    log
}

fn arena() -> Runtime {
    let rt = runtime();
    load(&rt, World::Combat, "classic", "1.1.0", "combat_classic_v2");
    rt
}

#[test]
fn the_same_seed_plays_the_same_match_on_every_run() {
    let (a, b) = (arena(), arena());
    let first = play(&a, 42);
    assert_eq!(first, play(&a, 42), "same runtime, same seed");
    assert_eq!(first, play(&b, 42), "another runtime, same seed");
}

#[test]
fn another_seed_plays_another_match() {
    let rt = arena();
    assert_ne!(play(&rt, 42), play(&rt, 43));
}
