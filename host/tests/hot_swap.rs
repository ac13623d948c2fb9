//! Hot swap: activation is atomic, calls in flight finish on the version
//! they started on, a pinned caller keeps its version, rollback is one call,
//! and a mismatched upload changes nothing.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use common::*;
use idempo_host::runtime::bindings::types::{ActionKind, Effect, MatchState, Pos};
use idempo_host::runtime::{ActivationKind, RegistryError, Runtime, World};

fn arena() -> Runtime {
    let rt = runtime();
    load(&rt, World::Combat, "classic", "1.0.0", "combat_classic");
    load(&rt, World::Combat, "classic", "1.1.0", "combat_classic_v2");
    rt
}

/// A match where ann stands next to bob, so attacks land.
fn face_to_face(rt: &Runtime) -> MatchState {
    let mut state = setup(rt, "classic", 11);
    let ann = state.fighters.iter().find(|f| f.id == "ann").unwrap().pos;
    let bob = state.fighters.iter_mut().find(|f| f.id == "bob").unwrap();
    let x = if ann.x > 0 { ann.x - 1 } else { ann.x + 1 };
    bob.pos = Pos { x, y: ann.y };
    state
}

fn criticals(effects: &[Effect]) -> usize {
    effects
        .iter()
        .filter(|e| matches!(e, Effect::Damaged(d) if d.critical))
        .count()
}

#[test]
fn the_first_version_loaded_is_active_until_an_operator_activates_another() {
    let rt = arena();
    assert_eq!(
        rt.active(GAME, World::Combat, "classic").unwrap().version,
        v("1.0.0")
    );
    let record = rt
        .activate(GAME, World::Combat, "classic", &v("1.1.0"), "ops@studio")
        .unwrap();
    assert_eq!(
        (record.from, record.to.clone()),
        (Some(v("1.0.0")), v("1.1.0"))
    );
    assert_eq!(record.by, "ops@studio");
    assert_eq!(
        rt.active(GAME, World::Combat, "classic").unwrap().version,
        v("1.1.0")
    );
}

#[test]
fn a_swap_under_concurrent_calls_loses_no_call_and_mixes_no_versions() {
    let rt = Arc::new(arena());
    let state = Arc::new(face_to_face(&rt));
    let activated = Arc::new(AtomicBool::new(false));
    let calls_before = Arc::new(AtomicUsize::new(0));
    let pinned = rt
        .pinned(GAME, World::Combat, "classic", &v("1.0.0"))
        .unwrap();

    // Each worker calls until it has made CALLS_AFTER calls that started after
    // the swap was announced (bounded by MAX_CALLS), so both sides of the swap
    // are exercised however the threads are scheduled.
    const CALLS_AFTER: usize = 30;
    const MAX_CALLS: u64 = 100_000;
    let workers: Vec<_> = (0..4u64)
        .map(|w| {
            let (rt, state, activated, pinned, calls_before) = (
                rt.clone(),
                state.clone(),
                activated.clone(),
                pinned.clone(),
                calls_before.clone(),
            );
            std::thread::spawn(move || {
                let mut seen = Vec::new();
                let mut after = 0;
                for i in 0..MAX_CALLS {
                    let after_swap = activated.load(Ordering::SeqCst);
                    // Worker 0 is a running match: it pinned 1.0.0 at start.
                    let component = if w == 0 {
                        pinned.clone()
                    } else {
                        rt.active(GAME, World::Combat, "classic").unwrap()
                    };
                    let attack = action(
                        &format!("w{w}-{i}"),
                        "ann",
                        ActionKind::Attack("bob".into()),
                        1_000,
                    );
                    let out = rt
                        .combat_resolve(&component, ctx(1_000, w * 1_000 + i), &state, &attack)
                        .expect("no call fails during a swap");
                    seen.push((
                        w,
                        after_swap,
                        component.version.clone(),
                        out.version.clone(),
                        criticals(&out.value.effects),
                    ));
                    if after_swap {
                        after += 1;
                        if after == CALLS_AFTER {
                            break;
                        }
                    } else if w != 0 {
                        // Calls on the active version, before the swap.
                        calls_before.fetch_add(1, Ordering::SeqCst);
                    }
                }
                seen
            })
        })
        .collect();

    // Swap while calls are running: once the workers on the active version
    // have made some calls (however the threads are scheduled).
    while calls_before.load(Ordering::SeqCst) < 40 {
        std::thread::yield_now();
    }
    rt.activate(GAME, World::Combat, "classic", &v("1.1.0"), "ops")
        .unwrap();
    activated.store(true, Ordering::SeqCst);

    let results: Vec<_> = workers
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    let after: Vec<_> = results.iter().filter(|r| r.1).collect();
    assert_eq!(
        after.len(),
        4 * CALLS_AFTER,
        "every worker called after the swap"
    );
    assert!(
        results.iter().any(|r| r.3 == v("1.0.0") && r.0 != 0),
        "calls ran before the swap"
    );
    for (worker, after_swap, started_on, served_by, crits) in &results {
        assert_eq!(
            started_on, served_by,
            "a call is served by the version it started on"
        );
        if *served_by == v("1.0.0") {
            assert_eq!(*crits, 0, "1.0.0 has no critical hits");
        }
        if *worker == 0 {
            assert_eq!(*served_by, v("1.0.0"), "a pinned caller keeps its version");
        } else if *after_swap {
            assert_eq!(
                *served_by,
                v("1.1.0"),
                "a call that starts after activation sees the new version"
            );
        }
    }
    let v2_crits: usize = results
        .iter()
        .filter(|r| r.3 == v("1.1.0"))
        .map(|r| r.4)
        .sum();
    assert!(v2_crits > 0, "1.1.0's critical hits show in its results");
}

#[test]
fn rollback_is_one_call_and_every_change_is_recorded() {
    let rt = arena();
    rt.activate(GAME, World::Combat, "classic", &v("1.1.0"), "alice")
        .unwrap();
    let back = rt.rollback(GAME, World::Combat, "classic", "bob").unwrap();
    assert_eq!(
        (back.kind, back.from.clone(), back.to.clone()),
        (ActivationKind::Rollback, Some(v("1.1.0")), v("1.0.0"))
    );
    assert_eq!(
        rt.active(GAME, World::Combat, "classic").unwrap().version,
        v("1.0.0")
    );
    let history = rt.slot(GAME, World::Combat, "classic").unwrap().history();
    let who: Vec<_> = history
        .iter()
        .map(|a| (a.by.as_str(), a.to.to_string()))
        .collect();
    assert_eq!(
        who,
        [
            ("loader", "1.0.0".into()),
            ("alice", "1.1.0".into()),
            ("bob", "1.0.0".into())
        ]
    );
    assert!(history.iter().all(|a| a.at_unix_ms > 0));
}

#[test]
fn a_mismatched_upload_is_rejected_with_what_is_missing_and_the_active_version_stays() {
    let rt = arena();
    let err = rt
        .load(
            GAME,
            World::Combat,
            "classic",
            v("2.0.0"),
            &wasm("rewards_standard"),
            false,
        )
        .unwrap_err();
    assert!(
        matches!(
            err,
            RegistryError::Invalid {
                world: World::Combat,
                ..
            }
        ),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains("idempo:game/combat"),
        "the error names the missing export: {text}"
    );
    assert_eq!(
        rt.active(GAME, World::Combat, "classic").unwrap().version,
        v("1.0.0")
    );
    assert!(
        rt.pinned(GAME, World::Combat, "classic", &v("2.0.0"))
            .is_err()
    );
}

#[test]
fn the_same_version_with_other_content_is_refused() {
    let rt = arena();
    let err = rt
        .load(
            GAME,
            World::Combat,
            "classic",
            v("1.0.0"),
            &wasm("combat_classic_v2"),
            false,
        )
        .unwrap_err();
    assert!(
        matches!(err, RegistryError::VersionConflict { .. }),
        "{err:?}"
    );
}

#[test]
fn components_of_different_worlds_may_share_a_name() {
    let rt = arena();
    load(&rt, World::Rewards, "standard", "1.0.0", "rewards_standard");
    load(&rt, World::Market, "standard", "1.0.0", "market_standard");
    assert_eq!(
        rt.active(GAME, World::Rewards, "standard").unwrap().world,
        World::Rewards
    );
    assert_eq!(
        rt.active(GAME, World::Market, "standard").unwrap().world,
        World::Market
    );
    assert!(rt.active(GAME, World::Combat, "standard").is_err());
}
