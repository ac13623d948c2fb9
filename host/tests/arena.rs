//! The arena: matchmaking, a match played to its end, every outcome of an
//! idempotency key, bad inputs refused with no effect, actions racing in
//! one match (committed in rounds), a crashed match rebuilt from its log to
//! the same state, and pinning across a hot swap.
//! Time is a manual clock: nothing sleeps.

#[macro_use]
mod common;

use std::sync::Arc;

use common::db::{postgres, sqlite};
use common::{GAME, load, runtime, v};
use idempo_host::arena::{
    ActionOutcome, Arena, ArenaConfig, ArenaError, Clock, Joined, ManualClock, MatchStatus,
    MatchView, Submission, request_hash,
};
use idempo_host::runtime::bindings::types::{ActionKind, Direction};
use idempo_host::runtime::{Runtime, World};
use idempo_host::store::{CommitBatch, IdempotencyBegin, MatchActionRow, Store, StoreError};

const START_MS: i64 = 1_700_000_000_000;
const LOBBY_IDLE: i64 = idempo_host::arena::service::LOBBY_IDLE_MS;

fn classic() -> Arc<Runtime> {
    let rt = runtime();
    load(&rt, World::Combat, "classic", "1.0.0", "combat_classic");
    Arc::new(rt)
}

fn arena_on(store: &Store, rt: &Arc<Runtime>, clock: &ManualClock, host: &str) -> Arena {
    Arena::new(
        ArenaConfig::default(),
        rt.clone(),
        store.clone(),
        Arc::new(clock.clone()),
        host,
    )
    .expect("arena starts")
}

fn players(n: usize) -> Vec<String> {
    ["ann", "bob", "cid", "dan", "eve", "fay", "gus"][..n]
        .iter()
        .map(|p| p.to_string())
        .collect()
}

fn submission(player: &str, match_id: &str, key: &str, kind: ActionKind) -> Submission {
    Submission {
        game: GAME.into(),
        player: player.into(),
        match_id: match_id.into(),
        idempotency_key: key.into(),
        kind,
        stamp: None,
        correlation_id: Some(format!("request-{key}")),
    }
}

/// A move that is legal wherever `player` stands on the spawn ring: toward
/// the centre.
async fn inward(arena: &Arena, match_id: &str, player: &str) -> ActionKind {
    let view = arena.view(GAME, match_id).await.expect("view");
    let f = view
        .state
        .fighters
        .iter()
        .find(|f| f.id == player)
        .expect("fighter");
    let centre = view.state.config.width as i32 / 2;
    ActionKind::Move(if f.pos.x < centre {
        Direction::East
    } else {
        Direction::West
    })
}

async fn log_len(store: &Store, match_id: &str) -> usize {
    idempo_host::arena::db::read_log(store, GAME, match_id, 0, 10_000)
        .await
        .expect("log reads")
        .len()
}

async fn events(store: &Store, event_type: &str) -> Vec<serde_json::Value> {
    store
        .outbox_unsent(10_000)
        .await
        .expect("outbox reads")
        .into_iter()
        .filter(|r| r.event.event_type == event_type)
        .map(|r| {
            let mut payload: serde_json::Value =
                serde_json::from_str(&r.event.payload).expect("JSON payload");
            payload["_topic"] = r.event.topic.clone().into();
            payload["_key"] = r.event.key.clone().into();
            payload["_correlation_id"] = r.event.correlation_id.clone().into();
            payload
        })
        .collect()
}

// ---- matchmaking (SQLite) ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_players_start_a_match_once_the_lobby_wait_has_passed() {
    let db = sqlite().await;
    let clock = ManualClock::new(START_MS);
    let arena = arena_on(&db.store, &classic(), &clock, "host-a");
    assert_eq!(
        arena.join(GAME, "ann").await.expect("joins"),
        Joined::Queued
    );
    assert!(arena.form_due().await.expect("forms").is_empty(), "alone");
    assert_eq!(
        arena.join(GAME, "bob").await.expect("joins"),
        Joined::Queued
    );
    clock.advance(4_999);
    assert!(
        arena.form_due().await.expect("forms").is_empty(),
        "still waiting"
    );
    clock.advance(1);
    let started = arena.form_due().await.expect("forms");
    assert_eq!(started.len(), 1);
    let record = arena.record(GAME, &started[0]).await.expect("recorded");
    assert_eq!(record.players, players(2));
    assert_eq!(record.status, MatchStatus::Running);
    assert_eq!(record.version, v("1.0.0"), "pinned to the active version");
    assert_eq!(arena.match_of(GAME, "ann"), Some(started[0].clone()));
    assert!(!arena.is_queued(GAME, "ann"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lobby_loop_starts_a_match_when_the_clock_passes_the_wait() {
    let db = sqlite().await;
    let clock = ManualClock::new(START_MS);
    let arena = Arc::new(arena_on(&db.store, &classic(), &clock, "host-a"));
    let lobby = arena.spawn_lobby();
    arena.join(GAME, "ann").await.expect("joins");
    arena.join(GAME, "bob").await.expect("joins");
    assert_eq!(arena.match_of(GAME, "ann"), None);
    clock.advance(5_000);
    let mut matched = None;
    for _ in 0..500 {
        matched = arena.match_of(GAME, "ann");
        if matched.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let match_id = matched.expect("the loop formed the match");
    assert_eq!(arena.match_of(GAME, "bob"), Some(match_id));
    drop(arena);
    tokio::time::timeout(std::time::Duration::from_secs(5), async {
        clock.advance(LOBBY_IDLE);
        lobby.await
    })
    .await
    .expect("the loop ends with its arena")
    .expect("the loop does not panic");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sixth_player_starts_a_match_at_once_and_the_seventh_waits() {
    let db = sqlite().await;
    let clock = ManualClock::new(START_MS);
    let arena = arena_on(&db.store, &classic(), &clock, "host-a");
    let all = players(7);
    for p in &all[..5] {
        assert_eq!(arena.join(GAME, p).await.expect("joins"), Joined::Queued);
    }
    let Joined::Matched { match_id } = arena.join(GAME, &all[5]).await.expect("joins") else {
        panic!("a full queue starts a match without waiting");
    };
    let record = arena.record(GAME, &match_id).await.expect("recorded");
    assert_eq!(record.players, all[..6]);
    assert_eq!(
        arena.join(GAME, &all[6]).await.expect("joins"),
        Joined::Queued
    );
    assert!(arena.is_queued(GAME, &all[6]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn joining_twice_is_refused_and_a_player_may_leave_the_queue() {
    let db = sqlite().await;
    let clock = ManualClock::new(START_MS);
    let arena = arena_on(&db.store, &classic(), &clock, "host-a");
    arena.join(GAME, "ann").await.expect("joins");
    let err = arena.join(GAME, "ann").await.unwrap_err();
    assert!(matches!(err, ArenaError::AlreadyQueued { .. }), "{err}");
    arena.leave(GAME, "ann").expect("leaves");
    assert!(!arena.is_queued(GAME, "ann"));
    let err = arena.leave(GAME, "ann").unwrap_err();
    assert!(matches!(err, ArenaError::NotQueued { .. }), "{err}");

    let match_id = arena
        .start_match(GAME, players(2))
        .await
        .expect("match starts");
    let err = arena.join(GAME, "bob").await.unwrap_err();
    assert!(
        matches!(&err, ArenaError::AlreadyInMatch { match_id: m, .. } if *m == match_id),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_match_keeps_its_version_after_a_swap_and_the_next_match_takes_the_new_one() {
    let db = sqlite().await;
    let clock = ManualClock::new(START_MS);
    let rt = classic();
    load(&rt, World::Combat, "classic", "1.1.0", "combat_classic_v2");
    let arena = arena_on(&db.store, &rt, &clock, "host-a");
    let first = arena.start_match(GAME, players(2)).await.expect("starts");
    rt.activate(GAME, World::Combat, "classic", &v("1.1.0"), "ops")
        .expect("swap");
    let kind = inward(&arena, &first, "ann").await;
    let outcome = arena
        .submit(submission("ann", &first, "k1", kind))
        .await
        .expect("acts");
    assert!(outcome.accepted(), "{outcome:?}");
    clock.advance(3_000);
    let view = arena.view(GAME, &first).await.expect("view");
    assert_eq!(view.version, "1.0.0", "the running match stays pinned");
    assert_eq!(
        arena.replay(GAME, &first).await.expect("replay").version,
        "1.0.0",
        "and is rebuilt on its pin"
    );
    let second = arena
        .start_match(GAME, players(4)[2..].to_vec())
        .await
        .expect("starts");
    let view = arena.view(GAME, &second).await.expect("view");
    assert_eq!(
        view.version, "1.1.0",
        "the next match takes the new version"
    );
    assert_eq!(
        arena.record(GAME, &second).await.expect("row").version,
        v("1.1.0")
    );
}

// ---- storage stories, on SQLite and PostgreSQL ----

async fn a_whole_match_runs_to_its_finish_and_publishes_match_finished(store: &Store) {
    let clock = ManualClock::new(START_MS);
    let arena = arena_on(store, &classic(), &clock, "host-a");
    let match_id = arena.start_match(GAME, players(2)).await.expect("starts");
    for (i, player) in ["ann", "bob"].into_iter().enumerate() {
        clock.advance(1_500);
        let kind = inward(&arena, &match_id, player).await;
        let outcome = arena
            .submit(submission(player, &match_id, &format!("k{i}"), kind))
            .await
            .expect("acts");
        assert!(outcome.accepted() && !outcome.replayed, "{outcome:?}");
        assert!(outcome.seq.is_some());
    }
    // The closing zone or the clock ends it, whichever comes first.
    clock.advance(180_000);
    let view = arena.view(GAME, &match_id).await.expect("view");
    let result = view.finished.clone().expect("the match is over");
    assert_eq!(result.placings.len(), 2);
    assert!(result.duration_ms <= 180_000);
    let log = idempo_host::arena::db::read_log(store, GAME, &match_id, 0, 10_000)
        .await
        .expect("log reads");
    assert_eq!(view.logged as usize, log.len());
    assert_eq!(log.iter().filter(|r| r.kind == "action").count(), 2);
    assert_eq!(log.last().map(|r| r.kind.as_str()), Some("finish"));
    assert!(
        log.iter().zip(1..).all(|(r, seq)| r.seq == seq),
        "numbered 1, 2, ... without gaps"
    );

    // The actor wraps up: the row says finished, the lease is free.
    for _ in 0..200 {
        if arena.running().is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert!(arena.running().is_empty(), "the actor ended with its match");
    let record = arena.record(GAME, &match_id).await.expect("row");
    assert_eq!(record.status, MatchStatus::Finished);
    assert_eq!(record.result.as_ref(), Some(&result));

    let finished = events(store, "MatchFinished").await;
    assert_eq!(finished.len(), 1, "{finished:?}");
    assert_eq!(finished[0]["_topic"], "match-events");
    assert_eq!(finished[0]["_key"], match_id.as_str());
    assert_eq!(finished[0]["placings"].as_array().map(Vec::len), Some(2));
    assert_eq!(finished[0]["version"], "1.0.0");
    let actions = events(store, "ActionResolved").await;
    assert_eq!(actions.len(), 2);
    // Each carries the correlation id of the request that caused it.
    let correlations: Vec<_> = actions.iter().map(|a| &a["_correlation_id"]).collect();
    assert_eq!(correlations, ["request-k0", "request-k1"]);
    assert!(
        actions
            .iter()
            .all(|a| a["_topic"] == "player-actions" && a["_key"] == match_id.as_str())
    );

    let err = arena
        .submit(submission("ann", &match_id, "late", ActionKind::Defend))
        .await
        .unwrap_err();
    assert!(matches!(err, ArenaError::MatchOver { .. }), "{err}");
}

async fn every_outcome_of_an_idempotency_key(store: &Store) {
    let clock = ManualClock::new(START_MS);
    let arena = arena_on(store, &classic(), &clock, "host-a");
    let match_id = arena.start_match(GAME, players(2)).await.expect("starts");
    let kind = inward(&arena, &match_id, "ann").await;

    let first = arena
        .submit(submission("ann", &match_id, "k1", kind.clone()))
        .await
        .expect("acts");
    assert!(first.accepted() && !first.replayed);
    let logged = log_len(store, &match_id).await;

    // A retry with the same key and payload: the stored response, replayed.
    clock.advance(2_500);
    let again = arena
        .submit(submission("ann", &match_id, "k1", kind.clone()))
        .await
        .expect("replays");
    assert!(again.replayed);
    assert_eq!(
        ActionOutcome {
            replayed: false,
            ..again
        },
        first
    );

    // The same key with another payload: refused (422 later).
    let err = arena
        .submit(submission("ann", &match_id, "k1", ActionKind::Defend))
        .await
        .unwrap_err();
    assert!(matches!(err, ArenaError::KeyReused { .. }), "{err}");

    // The same key while another attempt holds it: in flight (409 later).
    let begun = store
        .idempotency_begin(&IdempotencyBegin {
            game: GAME.into(),
            scope: "ann".into(),
            key: "k2".into(),
            request_hash: request_hash(&match_id, &ActionKind::Defend, None),
            now_ms: clock.now_ms(),
            in_flight_ttl_ms: 30_000,
        })
        .await
        .expect("another attempt reserves k2");
    assert!(matches!(begun, idempo_host::store::Begun::New { .. }));
    let err = arena
        .submit(submission("ann", &match_id, "k2", ActionKind::Defend))
        .await
        .unwrap_err();
    assert!(matches!(err, ArenaError::InFlight { .. }), "{err}");

    // Keys are per player: bob's k1 is his own.
    let bobs = arena
        .submit(submission("bob", &match_id, "k1", ActionKind::Defend))
        .await
        .expect("bob acts");
    assert!(bobs.accepted() && !bobs.replayed, "{bobs:?}");

    // A rejected action is an outcome too: stored, replayed, never logged.
    let rejected = arena
        .submit(submission(
            "bob",
            &match_id,
            "k3",
            ActionKind::Attack("ann".into()),
        ))
        .await
        .expect("answered");
    assert!(
        rejected.rejected.is_some() && rejected.seq.is_none(),
        "{rejected:?}"
    );
    let replay = arena
        .submit(submission(
            "bob",
            &match_id,
            "k3",
            ActionKind::Attack("ann".into()),
        ))
        .await
        .expect("replays");
    assert!(replay.replayed && replay.rejected == rejected.rejected);

    let view = arena.view(GAME, &match_id).await.expect("view");
    let actions = idempo_host::arena::db::read_log(store, GAME, &match_id, 0, 10_000)
        .await
        .expect("log")
        .into_iter()
        .filter(|r| r.kind == "action")
        .map(|r| {
            (
                r.player.unwrap_or_default(),
                r.action_id.unwrap_or_default(),
            )
        })
        .collect::<Vec<_>>();
    assert_eq!(
        actions,
        [
            ("ann".to_string(), "k1".to_string()),
            ("bob".into(), "k1".into())
        ],
        "each acknowledged action once, nothing else"
    );
    assert!(view.logged as usize > logged);
    assert_eq!(events(store, "ActionResolved").await.len(), 2);
}

async fn bad_inputs_are_refused_and_change_nothing(store: &Store) {
    let clock = ManualClock::new(START_MS);
    let arena = arena_on(store, &classic(), &clock, "host-a");
    // Six fighters standing still: the closing zone kills those on the
    // north and west of the ring at 49 s, the others at 54 s.
    let match_id = arena.start_match(GAME, players(6)).await.expect("starts");
    clock.advance(50_000);
    let view = arena.view(GAME, &match_id).await.expect("view");
    assert!(view.finished.is_none());
    let dead = view
        .state
        .fighters
        .iter()
        .find(|f| !f.alive)
        .map(|f| f.id.clone())
        .expect("the zone killed someone by now");
    let logged = log_len(store, &match_id).await;
    let outbox = store.outbox_unsent(10_000).await.expect("outbox").len();

    type Expect = fn(&ArenaError) -> bool;
    let refusals: Vec<(Submission, Expect)> = vec![
        (
            submission("ann", "no-such-match", "b1", ActionKind::Defend),
            |e| matches!(e, ArenaError::UnknownMatch { .. }),
        ),
        (
            submission("gus", &match_id, "b2", ActionKind::Defend),
            |e| matches!(e, ArenaError::NotAMember { .. }),
        ),
        (
            submission(&dead, &match_id, "b3", ActionKind::Defend),
            |e| matches!(e, ArenaError::DeadFighter { .. }),
        ),
        (submission("ann", &match_id, "", ActionKind::Defend), |e| {
            matches!(e, ArenaError::Invalid { .. })
        }),
        (
            submission("ann", &match_id, &"k".repeat(300), ActionKind::Defend),
            |e| matches!(e, ArenaError::Invalid { .. }),
        ),
    ];
    for (bad, expected) in refusals {
        let err = arena.submit(bad.clone()).await.unwrap_err();
        assert!(expected(&err), "{bad:?}: {err}");
        let record = store
            .idempotency_get(GAME, &bad.player, &bad.idempotency_key, clock.now_ms())
            .await;
        assert!(
            matches!(record, Ok(None) | Err(_)),
            "no record of a refusal: {record:?}"
        );
    }
    assert_eq!(
        log_len(store, &match_id).await,
        logged,
        "the log is untouched"
    );
    assert_eq!(
        store.outbox_unsent(10_000).await.expect("outbox").len(),
        outbox,
        "no event"
    );
    // The dead player's key was released: it serves a valid request later.
    assert!(
        store
            .idempotency_get(GAME, &dead, "b3", clock.now_ms())
            .await
            .expect("reads")
            .is_none()
    );

    // The rest die at 54 s: the match is over, and says so.
    clock.advance(10_000);
    let view = arena.view(GAME, &match_id).await.expect("view");
    assert!(view.finished.is_some(), "at most one fighter is left");
    let alive = view
        .state
        .fighters
        .iter()
        .find(|f| f.alive)
        .map(|f| f.id.clone());
    let player = alive.unwrap_or_else(|| "ann".into());
    let err = arena
        .submit(submission(&player, &match_id, "b4", ActionKind::Defend))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            ArenaError::MatchOver { .. } | ArenaError::DeadFighter { .. }
        ),
        "{err}"
    );
}

async fn a_crashed_match_is_rebuilt_from_its_log_to_the_same_state(store: &Store) {
    let clock = ManualClock::new(START_MS);
    let rt = classic();
    let host_a = arena_on(store, &rt, &clock, "host-a");
    let match_id = host_a.start_match(GAME, players(3)).await.expect("starts");
    let script = [
        ("ann", None),
        ("bob", Some(ActionKind::Defend)),
        ("cid", None),
        ("ann", Some(ActionKind::Collect)),
        ("bob", None),
    ];
    for (i, (player, kind)) in script.into_iter().enumerate() {
        clock.advance(1_700);
        let kind = match kind {
            Some(k) => k,
            None => inward(&host_a, &match_id, player).await,
        };
        host_a
            .submit(submission(player, &match_id, &format!("c{i}"), kind))
            .await
            .expect("answered");
    }
    clock.advance(25_000);
    let live: MatchView = host_a.view(GAME, &match_id).await.expect("live view");
    assert!(
        live.logged > 25,
        "ticks and actions logged: {}",
        live.logged
    );

    let lease_a = store
        .lease_get(GAME, &format!("match/{match_id}"))
        .await
        .expect("reads")
        .expect("host a holds the match");

    // A crash: the host's actors vanish mid-match, the lease is not given back.
    drop(host_a);
    let host_b = arena_on(store, &rt, &clock, "host-b");
    let err = host_b.recover(GAME, &match_id).await.unwrap_err();
    assert!(matches!(err, ArenaError::NotOwnedHere { .. }), "{err}");

    // Same log, same version: the same match.
    let rebuilt = host_b.replay(GAME, &match_id).await.expect("rebuilt");
    assert_eq!(rebuilt, live);

    // Once the lease expired, host b takes the match over and plays on.
    clock.advance(11_000);
    assert_eq!(
        host_b.recover_all(GAME).await.expect("takes over"),
        vec![match_id.clone()]
    );
    // The old owner's writes are fenced off, and an entry is never written
    // twice: neither batch leaves a trace.
    host_b.view(GAME, &match_id).await.expect("caught up");
    let logged = log_len(store, &match_id).await;
    let row = |seq: i64| MatchActionRow {
        game: GAME.into(),
        match_id: match_id.clone(),
        seq,
        kind: "tick".into(),
        player: None,
        action_id: None,
        at_ms: 0,
        body: "{}".into(),
        effects: None,
        created_at_ms: 0,
    };
    let stale = store
        .commit(CommitBatch {
            match_actions: vec![row(logged as i64 + 1)],
            fence: Some(lease_a),
            ..CommitBatch::default()
        })
        .await
        .unwrap_err();
    assert!(matches!(stale, StoreError::LeaseLost { .. }), "{stale}");
    let twice = store
        .commit(CommitBatch {
            match_actions: vec![row(1)],
            ..CommitBatch::default()
        })
        .await;
    assert!(twice.is_err(), "entry 1 exists");
    assert_eq!(log_len(store, &match_id).await, logged);

    let kind = inward(&host_b, &match_id, "cid").await;
    let outcome = host_b
        .submit(submission("cid", &match_id, "after-crash", kind))
        .await
        .expect("acts on host b");
    assert!(outcome.seq.is_some_and(|s| s > live.logged), "{outcome:?}");
    // A retry of an action acknowledged before the crash is a replay.
    let retried = host_b
        .submit(submission("bob", &match_id, "c1", ActionKind::Defend))
        .await
        .expect("replays");
    assert!(retried.replayed);

    // A runtime without the pinned version does not rebuild on another one.
    let newer = runtime();
    load(
        &newer,
        World::Combat,
        "classic",
        "1.1.0",
        "combat_classic_v2",
    );
    let host_c = arena_on(store, &Arc::new(newer), &clock, "host-c");
    let err = host_c.replay(GAME, &match_id).await.unwrap_err();
    assert!(
        matches!(&err, ArenaError::PinnedVersionMissing { version, .. } if version == "1.0.0"),
        "{err}"
    );
}

async fn the_roster_lists_matches_newest_first_by_status_a_page_at_a_time(store: &Store) {
    use idempo_host::arena::roster::{self, RosterCursor};
    let clock = ManualClock::new(START_MS);
    let arena = arena_on(store, &classic(), &clock, "host-a");
    let first = arena.start_match(GAME, players(2)).await.expect("starts");
    // The clock ends the first match; two more start after it.
    clock.advance(200_000);
    arena.view(GAME, &first).await.expect("view");
    let mut finished = Vec::new();
    for _ in 0..200 {
        finished = roster::matches(store, GAME, Some(MatchStatus::Finished), None, 10)
            .await
            .expect("lists")
            .0;
        if !finished.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let ids: Vec<&str> = finished.iter().map(|m| m.match_id.as_str()).collect();
    assert_eq!(ids, [first.as_str()], "the finished one");
    assert_eq!(finished[0].status, "finished");
    assert!(finished[0].finished_at_ms.is_some());
    let second = arena.start_match(GAME, players(2)).await.expect("starts");
    clock.advance(1_000);
    let third = arena.start_match(GAME, players(2)).await.expect("starts");

    let (running, next) = roster::matches(store, GAME, Some(MatchStatus::Running), None, 10)
        .await
        .expect("lists");
    let ids: Vec<&str> = running.iter().map(|m| m.match_id.as_str()).collect();
    assert_eq!(ids, [third.as_str(), second.as_str()], "newest first");
    assert_eq!(next, None);
    for m in &running {
        assert_eq!(
            (m.component.as_str(), m.version.as_str()),
            ("classic", "1.0.0")
        );
        assert_eq!(m.players, players(2));
        assert_eq!(m.finished_at_ms, None);
    }

    // All of them, two a page: the cursor walks on to the oldest.
    let (page, next) = roster::matches(store, GAME, None, None, 2)
        .await
        .expect("lists");
    assert_eq!(page.len(), 2);
    let next = next.expect("a second page");
    assert_eq!(RosterCursor::parse(&next.format()), Some(next.clone()));
    let (rest, after) = roster::matches(store, GAME, None, Some(&next), 2)
        .await
        .expect("lists");
    let ids: Vec<&str> = rest.iter().map(|m| m.match_id.as_str()).collect();
    assert_eq!(ids, [first.as_str()]);
    assert_eq!(after, None);

    assert!(roster::matches(store, GAME, None, None, 0).await.is_err());
    assert!(
        roster::matches(store, "another-game", None, None, 10)
            .await
            .expect("lists")
            .0
            .is_empty()
    );
}

/// Actions sent at once queue for the match's actor, which steps them in
/// rounds and commits each round as one chain: whatever the rounds, each is
/// answered as it would be alone, a failed commit among them (a stamp that
/// does not exist, unless the rules refuse its action first) costs only its
/// own action, and the log holds every accepted action once, in `seq` order
/// without gaps.
async fn actions_racing_in_one_match_are_each_answered_as_if_alone(store: &Store) {
    let clock = ManualClock::new(START_MS);
    let arena = Arc::new(arena_on(store, &classic(), &clock, "host-a"));
    let match_id = arena.start_match(GAME, players(2)).await.expect("starts");
    // Defends: each fighter's first three raise the shield to its maximum
    // (accepted), the rest are refused by the rules (answered, not logged).
    let racing: Vec<Submission> = (0..12)
        .map(|i| {
            let player = if i % 2 == 0 { "ann" } else { "bob" };
            let mut s = submission(player, &match_id, &format!("k{i}"), ActionKind::Defend);
            if i == 2 {
                s.stamp = Some("no-such-stamp".into());
            }
            s
        })
        .collect();
    let mut sent = Vec::new();
    for s in racing.clone() {
        let arena = arena.clone();
        sent.push(tokio::spawn(async move { arena.submit(s).await }));
    }
    let mut answers = Vec::new();
    for handle in sent {
        answers.push(handle.await.expect("joins"));
    }

    let mut accepted = Vec::new();
    for (i, answer) in answers.iter().enumerate() {
        match answer {
            Err(ArenaError::StampUnavailable { stamp }) if i == 2 => {
                assert_eq!(stamp, "no-such-stamp");
            }
            // After three defends of hers it is refused by the rules, and
            // a refused action spends no stamp.
            Ok(outcome) if i == 2 => {
                assert!(outcome.rejected.is_some(), "{outcome:?}");
            }
            Ok(outcome) if !outcome.replayed => {
                if outcome.accepted() {
                    accepted.push((racing[i].player.clone(), outcome.clone()));
                } else {
                    assert!(outcome.seq.is_none(), "{outcome:?}");
                }
            }
            other => panic!("action {i}: {other:?}"),
        }
    }
    for player in ["ann", "bob"] {
        let theirs = accepted.iter().filter(|(p, _)| p == player).count();
        assert_eq!(theirs, 3, "{player}'s accepted defends: {accepted:?}");
    }
    let log = idempo_host::arena::db::read_log(store, GAME, &match_id, 0, 10_000)
        .await
        .expect("log");
    let seqs: Vec<i64> = log.iter().map(|r| r.seq).collect();
    assert_eq!(seqs, (1..=log.len() as i64).collect::<Vec<_>>(), "no gaps");
    let mut logged: Vec<(i64, String)> = log
        .iter()
        .filter(|r| r.kind == "action")
        .map(|r| (r.seq, r.action_id.clone().unwrap_or_default()))
        .collect();
    let mut answered: Vec<(i64, String)> = accepted
        .iter()
        .map(|(_, o)| {
            (
                o.seq.expect("an accepted action has a seq"),
                o.action_id.clone(),
            )
        })
        .collect();
    logged.sort();
    answered.sort();
    assert_eq!(
        logged, answered,
        "each accepted action logged once, at its seq"
    );
    assert_eq!(events(store, "ActionResolved").await.len(), 6);

    // Every answer was stored with its action: a retry replays it.
    for (s, first) in racing.iter().zip(&answers) {
        let Ok(first) = first else { continue };
        let again = arena.submit(s.clone()).await.expect("replays");
        assert!(again.replayed, "{again:?}");
        assert_eq!(again.seq, first.seq);
        assert_eq!(again.rejected, first.rejected);
    }
}

conformance!(
    the_roster_lists_matches_newest_first_by_status_a_page_at_a_time,
    a_whole_match_runs_to_its_finish_and_publishes_match_finished,
    every_outcome_of_an_idempotency_key,
    bad_inputs_are_refused_and_change_nothing,
    a_crashed_match_is_rebuilt_from_its_log_to_the_same_state,
    actions_racing_in_one_match_are_each_answered_as_if_alone,
);
