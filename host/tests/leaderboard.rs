//! The leaderboard read model and match history, on SQLite and on
//! PostgreSQL (a fresh database per test; see `common/db.rs`).
//!
//! Leaderboard stories go the whole way: `MatchFinished` events committed to
//! the outbox, relayed onto the embedded bus, applied by the real
//! `leaderboard` consumer runner; the board is then read back through the
//! module's own reads. History stories write matches through the arena's own
//! `insert_match` and `mark_finished`.

#[macro_use]
mod common;

use common::db::{postgres, sqlite};
use common::pipeline::Pipeline;
use idempo_host::arena::db::{insert_match, mark_finished};
use idempo_host::arena::history::{HistoryCursor, MAX_HISTORY_PAGE, history};
use idempo_host::arena::{ArenaError, MATCH_EVENTS, MatchRecord, MatchStatus};
use idempo_host::bus::{Envelope, Progress};
use idempo_host::leaderboard::{
    self, GROUP, LEADERBOARD_EVENTS, LeaderboardError, MAX_TOP, Rebuilt, Standing,
};
use idempo_host::runtime::bindings::types::{MatchResult, Placing};
use idempo_host::store::{CommitBatch, LeaderboardDelta, OutboxEvent, Store, new_event_id};

const GAME: &str = "default";

conformance!(
    scores_add_up_over_finished_matches_through_the_consumer,
    a_redelivered_match_finished_changes_nothing,
    the_top_orders_by_score_then_by_player_id,
    a_players_rank_counts_everyone_ahead_of_them,
    a_rebuild_after_a_wipe_gives_the_same_board,
    two_additions_to_one_player_in_one_commit_add_up,
    a_match_started_is_skipped_not_dead_lettered,
    a_players_history_pages_newest_first_over_finished_matches,
);

// ----------------------------------------------------------------- helpers

/// One placing: (player, place, score, kills).
type Place<'a> = (&'a str, u32, i32, u32);

fn placings(places: &[Place]) -> Vec<Placing> {
    places
        .iter()
        .map(|&(player, place, score, kills)| Placing {
            player: player.into(),
            place,
            score,
            kills,
        })
        .collect()
}

/// A match-events event as the match actor commits it.
fn match_event(
    event_type: &str,
    match_id: &str,
    payload: serde_json::Value,
    at_ms: i64,
) -> OutboxEvent {
    OutboxEvent {
        id: new_event_id(),
        game: GAME.into(),
        topic: MATCH_EVENTS.into(),
        key: match_id.into(),
        event_type: event_type.into(),
        schema_version: 1,
        payload: payload.to_string(),
        correlation_id: Some(format!("corr-{match_id}")),
        traceparent: None,
        created_at_ms: at_ms,
    }
}

fn finished(match_id: &str, places: &[Place], at_ms: i64) -> OutboxEvent {
    let payload = serde_json::json!({
        "match_id": match_id,
        "placings": placings(places),
        "duration_ms": 60_000,
        "component": "combat",
        "version": "1.0.0",
    });
    match_event("MatchFinished", match_id, payload, at_ms)
}

fn started(match_id: &str, players: &[&str], at_ms: i64) -> OutboxEvent {
    let payload = serde_json::json!({
        "match_id": match_id,
        "players": players,
        "component": "combat",
        "version": "1.0.0",
    });
    match_event("MatchStarted", match_id, payload, at_ms)
}

/// The outbox, the embedded bus and the `leaderboard` group's runner.
fn leaderboard_pipeline(store: &Store) -> Pipeline {
    Pipeline::new(store, |bus, config| {
        leaderboard::consumer(bus, store.clone(), GAME, config)
    })
}

async fn board(store: &Store) -> Vec<Standing> {
    leaderboard::top(store, GAME, MAX_TOP)
        .await
        .expect("the board reads")
}

/// (player, score, matches, wins, kills) of each row, in board order.
async fn totals(store: &Store) -> Vec<(String, i64, i64, i64, i64)> {
    board(store)
        .await
        .into_iter()
        .map(|s| (s.player, s.score, s.matches, s.wins, s.kills))
        .collect()
}

fn row(
    player: &str,
    score: i64,
    matches: i64,
    wins: i64,
    kills: i64,
) -> (String, i64, i64, i64, i64) {
    (player.into(), score, matches, wins, kills)
}

/// A board with ties: three players on 40, upper case before lower case
/// (player ids compare as bytes on both databases).
async fn tied_board(store: &Store) -> Pipeline {
    let mut pipeline = leaderboard_pipeline(store);
    let places: &[Place] = &[
        ("dee", 1, 50, 4),
        ("bob", 2, 40, 1),
        ("Zed", 3, 40, 0),
        ("ann", 4, 40, 2),
        ("eve", 5, 10, 0),
        ("fay", 6, -3, 0),
    ];
    pipeline.commit(vec![finished("m1", places, 10_000)]).await;
    assert_eq!(pipeline.drain().await.applied, 1);
    pipeline
}

// ----------------------------------------------------------------- stories

async fn scores_add_up_over_finished_matches_through_the_consumer(store: &Store) {
    let mut pipeline = leaderboard_pipeline(store);
    let m1 = finished(
        "m1",
        &[("ann", 1, 30, 3), ("bob", 2, 10, 1), ("cy", 3, -5, 0)],
        10_000,
    );
    pipeline.commit(vec![m1]).await;
    assert_eq!(pipeline.drain().await.applied, 1);
    let m2 = finished("m2", &[("bob", 1, 25, 2), ("ann", 2, 5, 0)], 20_000);
    pipeline.commit(vec![m2]).await;
    assert_eq!(pipeline.drain().await.applied, 1);

    assert_eq!(
        totals(store).await,
        [
            row("ann", 35, 2, 1, 3),
            row("bob", 35, 2, 1, 3),
            row("cy", -5, 1, 0, 0)
        ]
    );
    let ann = leaderboard::standing(store, GAME, "ann")
        .await
        .expect("reads")
        .expect("ann is on the board");
    assert_eq!(
        (ann.last_match_id.as_str(), ann.updated_at_ms),
        ("m2", 20_000)
    );

    // Each player of each match is told, on leaderboard-events, keyed by player.
    pipeline.relay().await;
    let told = pipeline.on_topic(LEADERBOARD_EVENTS).await;
    assert_eq!(told.len(), 5);
    assert!(told.iter().all(|e| e.event_type == "ScoreAdded"));
    let mut cy: Vec<serde_json::Value> = told
        .iter()
        .filter(|e| e.key == "cy")
        .map(|e| serde_json::from_str(&e.payload).expect("json"))
        .collect();
    assert_eq!(
        cy.pop(),
        Some(
            serde_json::json!({ "player": "cy", "match_id": "m1", "points": -5, "won": false, "kills": 0 })
        )
    );
    assert_eq!(
        told.iter()
            .find(|e| e.key == "cy")
            .and_then(|e| e.correlation_id.as_deref()),
        Some("corr-m1")
    );
}

async fn a_redelivered_match_finished_changes_nothing(store: &Store) {
    let mut pipeline = leaderboard_pipeline(store);
    let m1 = finished("m1", &[("ann", 1, 30, 3), ("bob", 2, 10, 1)], 10_000);
    pipeline.commit(vec![m1.clone()]).await;
    // The relay crashed after publishing, before marking the row sent: the
    // same event (same id) is on the log twice.
    let envelope: Envelope = m1.into();
    pipeline
        .bus
        .publish(&[envelope], 1_001)
        .await
        .expect("published again");

    let p = pipeline.drain().await;
    assert_eq!((p.read, p.applied, p.skipped, p.dead), (2, 1, 1, 0));
    assert_eq!(
        totals(store).await,
        [row("ann", 30, 1, 1, 3), row("bob", 10, 1, 0, 1)]
    );
    let unsent = store.outbox_unsent(100).await.expect("outbox reads");
    let told = unsent
        .iter()
        .filter(|r| r.event.topic == LEADERBOARD_EVENTS)
        .count();
    assert_eq!(told, 2, "one ScoreAdded per player, not per delivery");

    // A third delivery, later: still nothing.
    pipeline
        .bus
        .publish(&[logged_finish(&pipeline).await], 2_000)
        .await
        .expect("published a third time");
    assert_eq!(pipeline.drain().await.skipped, 1);
    assert_eq!(
        totals(store).await,
        [row("ann", 30, 1, 1, 3), row("bob", 10, 1, 0, 1)]
    );
}

/// The `MatchFinished` on the log, as it was published first.
async fn logged_finish(pipeline: &Pipeline) -> Envelope {
    pipeline
        .on_topic(MATCH_EVENTS)
        .await
        .into_iter()
        .find(|e| e.event_type == "MatchFinished")
        .expect("the finish is on the log")
}

async fn the_top_orders_by_score_then_by_player_id(store: &Store) {
    let _pipeline = tied_board(store).await;
    let ranked: Vec<(u64, String, i64)> = board(store)
        .await
        .into_iter()
        .map(|s| (s.rank, s.player, s.score))
        .collect();
    let expected = [
        (1, "dee", 50),
        (2, "Zed", 40),
        (3, "ann", 40),
        (4, "bob", 40),
        (5, "eve", 10),
        (6, "fay", -3),
    ]
    .map(|(rank, player, score)| (rank, player.to_owned(), score));
    assert_eq!(ranked, expected);

    let two = leaderboard::top(store, GAME, 2).await.expect("reads");
    let names: Vec<&str> = two.iter().map(|s| s.player.as_str()).collect();
    assert_eq!(names, ["dee", "Zed"]);
    assert!(
        leaderboard::top(store, "another-game", 10)
            .await
            .expect("reads")
            .is_empty(),
        "boards are per game"
    );
    for limit in [0, MAX_TOP + 1] {
        let err = leaderboard::top(store, GAME, limit).await.unwrap_err();
        assert!(matches!(err, LeaderboardError::Invalid { .. }), "{err}");
    }
}

async fn a_players_rank_counts_everyone_ahead_of_them(store: &Store) {
    let _pipeline = tied_board(store).await;
    let rank = async |player: &str| {
        leaderboard::standing(store, GAME, player)
            .await
            .expect("reads")
            .map(|s| s.rank)
    };
    assert_eq!(rank("dee").await, Some(1));
    assert_eq!(
        rank("ann").await,
        Some(3),
        "behind dee, and Zed on the same score"
    );
    assert_eq!(rank("bob").await, Some(4));
    assert_eq!(rank("fay").await, Some(6));
    assert_eq!(rank("nobody").await, None, "no finished match, no row");
    let elsewhere = leaderboard::standing(store, "another-game", "dee")
        .await
        .expect("reads");
    assert_eq!(elsewhere, None);
    // A player's standing is their row of the top, rank included.
    let top = board(store).await;
    let bob = leaderboard::standing(store, GAME, "bob")
        .await
        .expect("reads");
    assert_eq!(bob.as_ref(), top.iter().find(|s| s.player == "bob"));
}

async fn a_rebuild_after_a_wipe_gives_the_same_board(store: &Store) {
    let mut pipeline = leaderboard_pipeline(store);
    let players = ["ann", "bob", "cy", "dee"];
    for i in 0..8u32 {
        let match_id = format!("m{i}");
        let (a, b) = (players[i as usize % 4], players[(i as usize + 1) % 4]);
        let at = 10_000 + i64::from(i);
        let score = i32::try_from(i).expect("small") * 7 - 10;
        pipeline
            .commit(vec![
                started(&match_id, &[a, b], at - 1),
                finished(&match_id, &[(a, 1, score, i), (b, 2, 3, 1)], at),
            ])
            .await;
    }
    let p = pipeline.drain().await;
    assert_eq!((p.applied, p.dead), (16, 0));
    let live = board(store).await;
    assert_eq!(live.len(), 4);

    let wiped = leaderboard::rebuild(store, pipeline.bus.as_ref(), GAME, 5_000)
        .await
        .expect("rebuild starts");
    assert_eq!(
        wiped,
        Rebuilt {
            rows_deleted: 4,
            processed_deleted: 16
        }
    );
    assert!(board(store).await.is_empty(), "wiped first");

    let p = pipeline.drain().await;
    assert_eq!(
        (p.applied, p.skipped, p.dead),
        (16, 0, 0),
        "every retained event again"
    );
    assert_eq!(board(store).await, live, "the same board");
    assert_eq!(pipeline.drain().await, Progress::default(), "and no more");
}

async fn two_additions_to_one_player_in_one_commit_add_up(store: &Store) {
    // One statement per group may not touch a row twice (PostgreSQL): the
    // store sums a player's additions first.
    let add = |match_id: &str, score: i64, wins: i64, at_ms: i64| LeaderboardDelta {
        game: GAME.into(),
        player: "ann".into(),
        score,
        matches: 1,
        wins,
        kills: 2,
        match_id: match_id.into(),
        at_ms,
    };
    let batch = CommitBatch {
        leaderboard: vec![add("m1", 10, 1, 100), add("m2", -4, 0, 200)],
        ..CommitBatch::default()
    };
    store.commit(batch.clone()).await.expect("commits");
    store.commit(batch).await.expect("commits again");
    assert_eq!(totals(store).await, [row("ann", 12, 4, 2, 8)]);
    let ann = leaderboard::standing(store, GAME, "ann")
        .await
        .expect("reads")
        .expect("a row");
    assert_eq!((ann.last_match_id.as_str(), ann.updated_at_ms), ("m2", 200));
    // Two wins out of one match: refused before it reaches a database.
    let refused = add("m3", 1, 2, 300);
    let err = store
        .commit(CommitBatch {
            leaderboard: vec![refused],
            ..CommitBatch::default()
        })
        .await
        .unwrap_err();
    assert!(err.to_string().contains("wins at most matches"), "{err}");
}

async fn a_match_started_is_skipped_not_dead_lettered(store: &Store) {
    let mut pipeline = leaderboard_pipeline(store);
    let start = started("m1", &["ann", "bob"], 9_000);
    pipeline.commit(vec![start.clone()]).await;
    let p = pipeline.drain().await;
    assert_eq!((p.read, p.applied, p.dead), (1, 1, 0));
    assert!(board(store).await.is_empty(), "a start scores nothing");
    assert!(
        pipeline
            .bus
            .dlq_list(GAME, 0, 10)
            .await
            .expect("DLQ lists")
            .is_empty(),
        "known, so not dead"
    );
    assert!(store.is_processed(GROUP, &start.id).await.expect("reads"));
}

async fn a_players_history_pages_newest_first_over_finished_matches(store: &Store) {
    // m3 and m4 finish in the same millisecond: the match id breaks the tie.
    let finishes = [
        ("m1", 20_000),
        ("m2", 21_000),
        ("m3", 22_000),
        ("m4", 22_000),
        ("m5", 23_000),
    ];
    for (i, (match_id, finished_at)) in finishes.iter().enumerate() {
        let players = ["ann", if i % 2 == 0 { "bob" } else { "cy" }];
        let places = [(players[0], 2, 10 + i as i32, 1), (players[1], 1, 50, 3)];
        play(
            store,
            match_id,
            &players,
            Some(&places),
            *finished_at - 5_000,
            *finished_at,
        )
        .await;
    }
    play(store, "m6", &["ann", "bob"], None, 24_000, 0).await;
    play(
        store,
        "m7",
        &["bob", "cy"],
        Some(&[("bob", 1, 9, 0), ("cy", 2, 1, 0)]),
        1_000,
        30_000,
    )
    .await;

    let mut seen = Vec::new();
    let mut before: Option<HistoryCursor> = None;
    let mut pages = 0;
    loop {
        let page = history(store, GAME, "ann", before.as_ref(), 2)
            .await
            .expect("history reads");
        pages += 1;
        assert!(page.matches.len() <= 2);
        seen.extend(page.matches.iter().map(|m| m.match_id.clone()));
        match page.next {
            Some(cursor) => before = Some(cursor),
            None => break,
        }
    }
    assert_eq!(
        seen,
        ["m5", "m4", "m3", "m2", "m1"],
        "newest first, no running match, no one else's"
    );
    assert_eq!(pages, 3);

    let first = history(store, GAME, "ann", None, 1).await.expect("reads");
    let m5 = &first.matches[0];
    assert_eq!(m5.match_id, "m5");
    assert_eq!(
        (m5.started_at_ms, m5.finished_at_ms, m5.duration_ms),
        (18_000, 23_000, 5_000)
    );
    assert_eq!(m5.players, ["ann", "bob"], "in setup order");
    assert_eq!((m5.place, m5.score, m5.kills), (Some(2), Some(14), Some(1)));
    assert_eq!(
        (m5.component.as_str(), m5.version.as_str()),
        ("combat", "1.2.3")
    );
    assert!(m5.rewards.is_empty());
    assert_eq!(
        first.next,
        Some(HistoryCursor {
            finished_at_ms: 23_000,
            match_id: "m5".into()
        })
    );

    let cy = history(store, GAME, "cy", None, MAX_HISTORY_PAGE)
        .await
        .expect("reads");
    let ids: Vec<&str> = cy.matches.iter().map(|m| m.match_id.as_str()).collect();
    assert_eq!(ids, ["m7", "m4", "m2"]);
    assert_eq!(cy.next, None);
    assert!(
        history(store, GAME, "nobody", None, 10)
            .await
            .expect("reads")
            .matches
            .is_empty()
    );
    for limit in [0, MAX_HISTORY_PAGE + 1] {
        let err = history(store, GAME, "ann", None, limit).await.unwrap_err();
        assert!(matches!(err, ArenaError::Invalid { .. }), "{err}");
    }
}

/// Records match `match_id` of `players`, started at `started_at`; with
/// `places`, finished at `finished_at` with them.
async fn play(
    store: &Store,
    match_id: &str,
    players: &[&str],
    places: Option<&[Place<'_>]>,
    started_at: i64,
    finished_at: i64,
) {
    let record = MatchRecord {
        game: GAME.into(),
        match_id: match_id.into(),
        component: "combat".into(),
        version: common::v("1.2.3"),
        seed: 7,
        config: common::match_config(),
        players: players.iter().map(|p| (*p).to_owned()).collect(),
        status: MatchStatus::Running,
        started_at_ms: started_at,
        finished_at_ms: None,
        result: None,
    };
    insert_match(store, &record)
        .await
        .expect("the match is recorded");
    if let Some(places) = places {
        let result = MatchResult {
            match_id: match_id.into(),
            placings: placings(places),
            duration_ms: u64::try_from(finished_at - started_at).expect("after its start"),
        };
        mark_finished(store, GAME, match_id, &result, finished_at)
            .await
            .expect("the match is finished");
    }
}
