//! The daily tournament on SQLite and on PostgreSQL (a fresh database per
//! story; see `common/db.rs`), as its players and its scheduler meet it:
//! entries refused for each reason and replayed by key, a thousand entries
//! at once filling groups of exactly 35, a reservation stuck after its hold
//! refunded once its five minutes pass on the driven clock, scores from
//! matches and a level-up counted once however often their events come,
//! the day ending with final ranks and rewards claimed once, and one
//! tournament a day however many hosts make it.
//!
//! The service is driven as the HTTP routes drive it
//! ([`Tournaments::command`] answers as HTTP does); its clock is a
//! [`ManualClock`], never slept on. Events go the whole way: outbox, relay,
//! the embedded bus, the real `tournament` consumer.

#[macro_use]
mod common;

use std::sync::Arc;
use std::time::Duration;

use common::db::{postgres, sqlite};
use common::pipeline::Pipeline;
use common::{GAME, load, runtime};
use idempo_host::arena::{Clock, MATCH_EVENTS, ManualClock};
use idempo_host::bus::Envelope;
use idempo_host::economy::wallet;
use idempo_host::gateway::Player;
use idempo_host::progression::{self, Curve, PLAYER_EVENTS, USER_LEVELED_UP};
use idempo_host::runtime::{Runtime, World};
use idempo_host::saga::{FaultConfig, SagaConfig, Sagas, Status};
use idempo_host::store::{
    CommitBatch, Credit, EconomyWrites, EventMeta, HOUSE, OutboxEvent, Store, new_event_id,
};
use idempo_host::tournament::db as tdb;
use idempo_host::tournament::routes::Order;
use idempo_host::tournament::{Day, TournamentConfig, TournamentRules, Tournaments, scores};
use serde_json::{Value, json};

conformance!(
    entries_are_refused_for_each_reason_and_a_replay_shows_the_same_group,
    a_thousand_entries_at_once_fill_groups_of_exactly_35_and_conserve_coins,
    a_reservation_stuck_after_its_hold_is_refunded_once_five_minutes_pass,
    matches_and_a_level_up_score_once_however_often_their_events_come,
    the_day_ends_with_final_ranks_and_each_reward_is_claimed_once,
    one_tournament_a_day_however_many_hosts_make_it,
    a_designer_changes_the_rules_by_hot_swap_and_a_made_tournament_keeps_its_own,
);

// ----------------------------------------------------------------- fixtures

/// The day the stories play.
const DAY: &str = "2026-05-01";

/// `hh:mm` of [`DAY`], UTC, in Unix milliseconds.
fn at(hh: i64, mm: i64) -> i64 {
    let day: Day = DAY.parse().expect("a date");
    day.start_ms() + (hh * 60 + mm) * 60_000
}

/// The xp of level 9 and of level 10 on the standard curve.
const LEVEL_9_XP: i64 = 1_800;
const LEVEL_10_XP: i64 = 2_250;

fn tournament_runtime() -> Arc<Runtime> {
    let rt = runtime();
    load(
        &rt,
        World::Tournament,
        "standard",
        "1.0.0",
        "tournament_standard",
    );
    Arc::new(rt)
}

/// One host's tournaments over `store`, on `clock`.
struct Host {
    store: Store,
    clock: Arc<ManualClock>,
    tournaments: Arc<Tournaments>,
}

fn host_on(
    store: &Store,
    rt: &Arc<Runtime>,
    clock: &Arc<ManualClock>,
    id: &str,
    faults: FaultConfig,
) -> Host {
    // A host that hangs answers soon: its sagas will not end.
    let answer_wait_ms = if faults.stall_before.is_empty() {
        20_000
    } else {
        100
    };
    let sagas = Sagas::new(
        store.clone(),
        id,
        SagaConfig {
            answer_wait_ms,
            backoff_base_ms: 1,
            backoff_max_ms: 20,
            faults,
            ..SagaConfig::default()
        },
    );
    let tournaments = Tournaments::new(
        store.clone(),
        TournamentRules::new(rt.clone(), "standard"),
        sagas,
        clock.clone(),
        TournamentConfig::default(),
    );
    Host {
        store: store.clone(),
        clock: clock.clone(),
        tournaments: Arc::new(tournaments),
    }
}

/// A host at 08:00 of [`DAY`].
fn host(store: &Store) -> Host {
    let clock = Arc::new(ManualClock::new(at(8, 0)));
    host_on(
        store,
        &tournament_runtime(),
        &clock,
        "host-a",
        FaultConfig::default(),
    )
}

fn player(id: &str) -> Player {
    Player {
        id: id.into(),
        game: GAME.into(),
        name: id.into(),
    }
}

fn credit(player: &str, currency: &str, amount: i64) -> Credit {
    Credit {
        game: GAME.into(),
        player: player.into(),
        currency: currency.into(),
        amount,
        reason: "test".into(),
        reference: format!("seed:{player}"),
        key: format!("seed:{player}/{currency}"),
    }
}

/// Gives each of `players` `gold` and `xp`, in one commit.
async fn seed(store: &Store, players: &[String], gold: i64, xp: i64) {
    let mut credits = Vec::new();
    for p in players {
        if gold > 0 {
            credits.push(credit(p, "gold", gold));
        }
        if xp > 0 {
            credits.push(credit(p, "xp", xp));
        }
    }
    for chunk in credits.chunks(1_000) {
        store
            .commit(CommitBatch {
                economy: EconomyWrites {
                    credits: chunk.to_vec(),
                    ..EconomyWrites::default()
                },
                ..CommitBatch::default()
            })
            .await
            .expect("the players are seeded");
    }
}

/// An answer: status, whether it was replayed, its body.
#[derive(Debug)]
struct Answer {
    status: u16,
    replayed: bool,
    body: Value,
}

impl Answer {
    fn ok(self, status: u16) -> Value {
        assert_eq!(self.status, status, "{}", self.body);
        self.body
    }

    /// A problem+json of `status` whose type ends in `/kind`.
    fn refused(self, status: u16, kind: &str) -> Value {
        assert_eq!(self.status, status, "{}", self.body);
        let got = self.body["type"].as_str().unwrap_or_default();
        assert!(got.ends_with(&format!("/{kind}")), "{kind}: {}", self.body);
        self.body
    }
}

impl Host {
    async fn command(&self, who: &str, key: &str, order: Order) -> Answer {
        let response = self
            .tournaments
            .command(&player(who), None, key, DAY, order)
            .await;
        let status = response.status().as_u16();
        let replayed = response
            .headers()
            .get("idempotency-replayed")
            .is_some_and(|v| v == "true");
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .expect("a body");
        Answer {
            status,
            replayed,
            body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        }
    }

    async fn enter(&self, who: &str, key: &str) -> Answer {
        self.command(who, key, Order::Enter).await
    }

    async fn claim(&self, who: &str, key: &str) -> Answer {
        self.command(who, key, Order::Claim).await
    }

    /// (available, held) of `who`'s gold.
    async fn gold(&self, who: &str) -> (i64, i64) {
        let b = wallet::balance(&self.store, GAME, who, "gold")
            .await
            .expect("a balance");
        (b.available, b.held)
    }

    async fn participant(&self, who: &str) -> Option<tdb::Participant> {
        tdb::participant(&self.store, GAME, DAY, who)
            .await
            .expect("a participant read")
    }
}

/// Waits (up to 60 s of real time, for the host's saga tasks; the
/// tournament's clock does not move) for `check` to hold.
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..3_000 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{what} did not happen within 60 s");
}

/// The outbox, the embedded bus and the `tournament` group's runner.
fn scores_pipeline(host: &Host) -> Pipeline {
    Pipeline::new(&host.store, |bus, config| {
        scores::consumer(
            host.tournaments.clone(),
            bus,
            host.store.clone(),
            GAME,
            config,
        )
    })
}

/// `MatchFinished` of `match_id` at `at_ms`: (player, place, score).
fn finished(match_id: &str, places: &[(&str, u32, i32)], at_ms: i64) -> OutboxEvent {
    let placings: Vec<Value> = places
        .iter()
        .map(|(p, place, score)| json!({ "player": p, "place": place, "score": score, "kills": 0 }))
        .collect();
    OutboxEvent {
        id: new_event_id(),
        game: GAME.into(),
        topic: MATCH_EVENTS.into(),
        key: match_id.into(),
        event_type: "MatchFinished".into(),
        schema_version: 1,
        payload: json!({ "match_id": match_id, "placings": placings, "duration_ms": 60_000,
                         "component": "classic", "version": "1.0.0" })
        .to_string(),
        correlation_id: None,
        traceparent: None,
        created_at_ms: at_ms,
    }
}

async fn score_of(host: &Host, who: &str) -> i64 {
    host.participant(who).await.map_or(-1, |p| p.score)
}

// ----------------------------------------------------------------- stories

async fn entries_are_refused_for_each_reason_and_a_replay_shows_the_same_group(store: &Store) {
    let h = host(store);
    seed(store, &["low".into()], 1_000, LEVEL_9_XP).await;
    seed(store, &["poor".into()], 499, LEVEL_10_XP).await;
    seed(store, &["ann".into(), "late".into()], 1_000, LEVEL_10_XP).await;

    let low = h.enter("low", "low-1").await.refused(422, "level-too-low");
    assert!(
        low["detail"].as_str().unwrap().contains("level 10"),
        "{low}"
    );
    let poor = h
        .enter("poor", "poor-1")
        .await
        .refused(422, "insufficient-funds");
    assert!(poor["detail"].as_str().unwrap().contains("499"), "{poor}");
    // A refusal is the key's answer: the same key gets it again.
    let again = h.enter("poor", "poor-1").await;
    assert!(again.replayed);
    again.refused(422, "insufficient-funds");
    assert_eq!(h.gold("low").await, (1_000, 0), "a refusal costs nothing");
    assert_eq!(h.gold("poor").await, (499, 0));

    let entered = h.enter("ann", "ann-1").await.ok(201);
    assert_eq!(entered["status"], "entered", "{entered}");
    assert_eq!(entered["state"], "COMPLETED");
    assert_eq!(entered["group"], 1);
    assert_eq!(
        (entered["fee"].as_i64(), entered["currency"].as_str()),
        (Some(500), Some("gold"))
    );
    assert_eq!(h.gold("ann").await, (500, 0), "charged the fee once");
    assert_eq!(h.gold(HOUSE).await, (500, 0), "the fee went to the house");

    h.enter("ann", "ann-2")
        .await
        .refused(409, "already-entered");
    let replay = h.enter("ann", "ann-1").await;
    assert!(replay.replayed, "the same key replays");
    let replay = replay.ok(201);
    assert_eq!(replay["group"], entered["group"], "the same group");
    assert_eq!(replay["entry_id"], entered["entry_id"]);
    assert_eq!(h.gold("ann").await, (500, 0), "and charges nothing more");

    h.clock.set(at(12, 0));
    let closed = h.enter("late", "late-1").await.refused(422, "entry-closed");
    assert!(
        closed["detail"].as_str().unwrap().contains("12:00:00Z"),
        "{closed}"
    );
    assert_eq!(h.gold("late").await, (1_000, 0));
    assert_eq!(
        h.enter("ann", "ann-1").await.ok(201)["group"],
        1,
        "replays still answer"
    );
    common::audit::assert_sound(store, true).await;
}

async fn a_thousand_entries_at_once_fill_groups_of_exactly_35_and_conserve_coins(store: &Store) {
    const PLAYERS: usize = 1_000;
    let h = host(store);
    let players: Vec<String> = (0..PLAYERS).map(|i| format!("p{i:04}")).collect();
    seed(store, &players, 800, LEVEL_10_XP).await;
    let h = Arc::new(h);
    let mut tasks = Vec::new();
    for p in &players {
        let (h, p) = (h.clone(), p.clone());
        tasks.push(tokio::spawn(async move {
            let answer = h.enter(&p, &format!("{p}-entry")).await;
            (p, answer)
        }));
    }
    for task in tasks {
        let (p, answer) = task.await.expect("an entry task");
        assert!(
            answer.status == 201 || answer.status == 202,
            "{p}: {} {}",
            answer.status,
            answer.body
        );
    }
    eventually("every entry saga ended", || async {
        let counts = idempo_host::saga::record::counts(store)
            .await
            .expect("counts");
        !counts
            .iter()
            .any(|(status, n)| status == "running" && *n > 0)
    })
    .await;
    let groups = tdb::groups(store, GAME, DAY).await.expect("groups");
    let sizes: Vec<i64> = groups.iter().map(|(_, members)| *members).collect();
    let mut expected = vec![35; PLAYERS / 35];
    expected.push((PLAYERS % 35) as i64);
    assert_eq!(sizes, expected, "28 groups of 35, then the remainder of 20");
    for (group, members) in &groups {
        let board = tdb::group_board(store, GAME, DAY, *group, 1_000)
            .await
            .expect("a group's board");
        assert_eq!(board.len() as i64, *members, "group {group}'s rows");
    }
    let t = tdb::tournament(store, GAME, DAY)
        .await
        .expect("read")
        .expect("made");
    assert_eq!(t.entries, PLAYERS as i64);
    for p in players.iter().step_by(97) {
        assert_eq!(h.gold(p).await, (300, 0), "{p} paid 500 of 800");
    }
    assert_eq!(
        h.gold(HOUSE).await,
        (500 * PLAYERS as i64, 0),
        "every fee, once"
    );
    common::audit::assert_sound(store, true).await;
}

async fn a_reservation_stuck_after_its_hold_is_refunded_once_five_minutes_pass(store: &Store) {
    let clock = Arc::new(ManualClock::new(at(8, 0)));
    let hung = FaultConfig {
        stall_before: vec!["join-group".into()],
        ..FaultConfig::default()
    };
    let h = host_on(store, &tournament_runtime(), &clock, "hung-host", hung);
    seed(store, &["ann".into()], 1_000, LEVEL_10_XP).await;
    let pending = h.enter("ann", "ann-1").await.ok(202);
    assert_eq!(pending["status"], "pending", "{pending}");
    eventually("the fee is held", || async {
        h.gold("ann").await == (500, 500)
    })
    .await;
    let saga_id = {
        let sagas = idempo_host::saga::record::forward_of_kind(store, GAME, "tournament-entry", 10)
            .await
            .expect("sagas");
        assert_eq!(sagas.len(), 1);
        assert_eq!(
            sagas[0].label, "FUNDS_RESERVED",
            "stuck after its reservation"
        );
        sagas[0].saga_id.clone()
    };
    assert!(h.participant("ann").await.is_none(), "not in a group");

    // 4:59 later the scheduler leaves it be.
    clock.set(at(8, 4) + 59_000);
    h.tournaments.tick(GAME).await;
    assert_eq!(h.gold("ann").await, (500, 500), "still held");

    // At 5:00 it expires: the saga is turned back and the fee refunded.
    clock.set(at(8, 5));
    h.tournaments.tick(GAME).await;
    eventually("the entry is refunded", || async {
        let saga = idempo_host::saga::record::get(store, GAME, &saga_id)
            .await
            .expect("a saga read")
            .expect("the saga");
        saga.status == Status::Failed
    })
    .await;
    assert_eq!(h.gold("ann").await, (1_000, 0), "refunded in full");
    assert_eq!(h.gold(HOUSE).await, (0, 0), "the house took nothing");
    assert!(h.participant("ann").await.is_none());
    let replay = h.enter("ann", "ann-1").await;
    assert!(replay.replayed);
    let refused = replay.refused(409, "entry-failed");
    assert!(
        refused["detail"].as_str().unwrap().contains("expired"),
        "{refused}"
    );
    // Refunded, ann may enter again (before noon, on a host that does not
    // hang).
    let well = host_on(
        store,
        &tournament_runtime(),
        &clock,
        "host-b",
        FaultConfig::default(),
    );
    assert_eq!(well.enter("ann", "ann-2").await.ok(201)["group"], 1);
    assert_eq!(well.gold("ann").await, (500, 0));
    common::audit::assert_sound(store, true).await;
}

async fn matches_and_a_level_up_score_once_however_often_their_events_come(store: &Store) {
    let h = host(store);
    seed(store, &["ann".into(), "bob".into()], 1_000, LEVEL_10_XP).await;
    seed(store, &["cid".into()], 1_000, LEVEL_10_XP).await;
    h.enter("ann", "ann-1").await.ok(201);
    h.enter("bob", "bob-1").await.ok(201);
    let mut pipeline = scores_pipeline(&h);

    // A match before the tournament (yesterday) and one during it.
    let yesterday = at(0, 0) - 60_000;
    pipeline
        .commit(vec![
            finished("m0", &[("ann", 1, 99)], yesterday),
            finished(
                "m1",
                &[("ann", 1, 40), ("bob", 2, -5), ("cid", 3, 12)],
                at(9, 0),
            ),
        ])
        .await;
    assert_eq!(pipeline.drain().await.applied, 2);
    assert_eq!(score_of(&h, "ann").await, 40, "only the day's match counts");
    assert_eq!(
        score_of(&h, "bob").await,
        0,
        "a negative score counts nothing"
    );
    assert_eq!(score_of(&h, "cid").await, -1, "cid did not enter");

    // Ann reaches level 11 at 10:00: the xp credit's watch writes the event.
    let curve = Curve::new(&(2..=100u64).map(|n| 25 * n * (n - 1)).collect::<Vec<_>>()).unwrap();
    let credits = vec![Credit {
        key: "match:m2/ann/xp".into(),
        ..credit("ann", "xp", 500)
    }];
    let meta = EventMeta {
        game: GAME.into(),
        created_at_ms: at(10, 0),
        ..EventMeta::default()
    };
    let ops = progression::watches(&curve, &credits, &meta);
    store
        .commit(CommitBatch {
            economy: EconomyWrites {
                credits,
                ..EconomyWrites::default()
            },
            ops,
            ..CommitBatch::default()
        })
        .await
        .expect("ann's xp");
    pipeline.relay().await;
    assert_eq!(pipeline.drain().await.applied, 1);
    assert_eq!(score_of(&h, "ann").await, 40 + 110, "level 11 x 10");

    // The same level-up delivered again (a redelivery, a replay) and the
    // same match again: nothing more.
    let mut again = Vec::new();
    for topic in [PLAYER_EVENTS, MATCH_EVENTS] {
        again.extend(pipeline.on_topic(topic).await);
    }
    let level_ups = again
        .iter()
        .filter(|e| e.event_type == USER_LEVELED_UP)
        .count();
    assert_eq!(level_ups, 1, "one level-up published");
    let envelopes: Vec<Envelope> = again;
    pipeline
        .bus
        .publish(&envelopes, h.clock.now_ms())
        .await
        .expect("published again");
    let progress = pipeline.drain().await;
    assert_eq!(progress.applied, 0, "{progress:?}");
    assert_eq!(progress.skipped, envelopes.len());
    assert_eq!(score_of(&h, "ann").await, 150, "the bonus, once");
    assert_eq!(score_of(&h, "bob").await, 0);
}

async fn the_day_ends_with_final_ranks_and_each_reward_is_claimed_once(store: &Store) {
    let h = host(store);
    let players: Vec<String> = (1..=12).map(|i| format!("r{i:02}")).collect();
    seed(store, &players, 500, LEVEL_10_XP).await;
    seed(store, &["eve".into()], 500, LEVEL_10_XP).await;
    for p in &players {
        h.enter(p, &format!("{p}-in")).await.ok(201);
    }
    // r01 scores 120, r02 115, ... r12 65 (r12 last).
    let places: Vec<(&str, u32, i32)> = players
        .iter()
        .enumerate()
        .map(|(i, p)| (p.as_str(), i as u32 + 1, 120 - 5 * i as i32))
        .collect();
    let mut pipeline = scores_pipeline(&h);
    pipeline
        .commit(vec![finished("m1", &places, at(15, 0))])
        .await;
    pipeline.drain().await;

    let early = h
        .claim("r01", "r01-early")
        .await
        .refused(409, "tournament-not-final");
    assert!(
        early["detail"].as_str().unwrap().contains("23:59:00Z"),
        "{early}"
    );
    let live = h
        .tournaments
        .standing(GAME, DAY, "r03")
        .await
        .expect("r03's standing");
    assert_eq!((live.rank, live.score, live.is_final), (3, 110, false));

    // 23:59: the scheduler ends the day; a match after that counts nothing.
    h.clock.set(at(23, 59));
    h.tournaments.tick(GAME).await;
    let t = tdb::tournament(store, GAME, DAY).await.unwrap().unwrap();
    assert!(t.is_final());
    pipeline
        .commit(vec![finished(
            "m2",
            &[("r12", 1, 500)],
            at(23, 59) + 30_000,
        )])
        .await;
    pipeline.drain().await;
    assert_eq!(score_of(&h, "r12").await, 65, "ranks are final");
    let ranks: Vec<Option<i64>> = {
        let mut ranks = Vec::new();
        for p in &players {
            ranks.push(h.participant(p).await.unwrap().final_rank);
        }
        ranks
    };
    assert_eq!(ranks, (1..=12).map(Some).collect::<Vec<_>>());
    let board = h
        .tournaments
        .group_board(GAME, DAY, 1)
        .await
        .expect("the board");
    assert!(board.is_final);
    assert_eq!(board.standings[0].player, "r01");

    let paid = [
        5_000, 3_000, 2_000, 1_000, 1_000, 1_000, 1_000, 1_000, 1_000, 1_000, 0, 0,
    ];
    for (p, reward) in players.iter().zip(paid) {
        let claim = h.claim(p, &format!("{p}-claim")).await.ok(200);
        assert_eq!(claim["reward"], reward, "{p}: {claim}");
        assert_eq!(h.gold(p).await, (reward, 0), "{p} paid once");
    }
    // Retried with the same key: the same answer, replayed.
    let first = h.claim("r01", "r01-claim").await;
    assert!(first.replayed);
    let first = first.ok(200);
    // Claimed again with another key: the same claim, nothing paid.
    let second = h.claim("r01", "r01-again").await.ok(200);
    assert_eq!(first, second);
    assert_eq!(
        (first["rank"].as_i64(), first["reward"].as_i64()),
        (Some(1), Some(5_000))
    );
    assert_eq!(h.gold("r01").await, (5_000, 0));
    h.claim("eve", "eve-claim")
        .await
        .refused(404, "not-entered");
    let mine = h.tournaments.standing(GAME, DAY, "r02").await.unwrap();
    assert_eq!((mine.rank, mine.is_final, mine.reward), (2, true, 3_000));
    assert!(mine.claimed_at_ms.is_some());
    common::audit::assert_sound(store, true).await;
}

async fn one_tournament_a_day_however_many_hosts_make_it(store: &Store) {
    let rt = tournament_runtime();
    let clock = Arc::new(ManualClock::new(at(0, 0)));
    let a = host_on(store, &rt, &clock, "host-a", FaultConfig::default());
    let b = host_on(store, &rt, &clock, "host-b", FaultConfig::default());
    let day: Day = DAY.parse().unwrap();
    let mut tasks = Vec::new();
    for i in 0..8 {
        let t = if i % 2 == 0 {
            a.tournaments.clone()
        } else {
            b.tournaments.clone()
        };
        tasks.push(tokio::spawn(async move { t.ensure(GAME, day).await }));
    }
    let mut made = Vec::new();
    for task in tasks {
        made.push(task.await.expect("a task").expect("the day's tournament"));
    }
    assert!(
        made.windows(2).all(|w| w[0] == w[1]),
        "all read the same one"
    );
    let created = store
        .outbox_unsent(1_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.event.event_type == "TournamentCreated")
        .count();
    assert_eq!(created, 1, "made once");
    let t = &made[0];
    assert_eq!(
        (t.rules.entry_fee, t.rules.group_size, t.rules.min_level),
        (500, 35, 10)
    );
    assert_eq!(t.rules.entry_closes_at_ms, at(12, 0));
    assert_eq!(t.rules.ends_at_ms, at(23, 59));

    // The next day is made at its midnight, by whichever scheduler looks.
    assert!(
        b.tournaments.ensure(GAME, day.next()).await.is_err(),
        "not yet"
    );
    clock.set(day.next().start_ms());
    a.tournaments.tick(GAME).await;
    b.tournaments.tick(GAME).await;
    let next = tdb::tournament(store, GAME, &day.next().to_string())
        .await
        .unwrap();
    assert!(next.is_some(), "made at 00:00 UTC");
    assert!(
        tdb::tournament(store, GAME, DAY)
            .await
            .unwrap()
            .unwrap()
            .is_final(),
        "yesterday's ended"
    );
}

async fn a_designer_changes_the_rules_by_hot_swap_and_a_made_tournament_keeps_its_own(
    store: &Store,
) {
    let rt = tournament_runtime();
    let clock = Arc::new(ManualClock::new(at(8, 0)));
    let h = host_on(store, &rt, &clock, "host-a", FaultConfig::default());
    // Level 6 (750 xp): below Friday's level 10.
    seed(store, &["ann".into()], 1_000, 750).await;
    let friday = h.tournaments.view(GAME, DAY).await.expect("Friday's");
    assert_eq!((friday.entry_fee, friday.version.as_str()), (500, "1.0.0"));
    h.enter("ann", "fri-1").await.refused(422, "level-too-low");

    // The weekend cup is published and made active while the game runs.
    rt.load(
        GAME,
        World::Tournament,
        "standard",
        common::v("1.1.0"),
        &common::wasm("tournament_standard_v2"),
        false,
    )
    .expect("1.1.0 loads");
    rt.activate(
        GAME,
        World::Tournament,
        "standard",
        &common::v("1.1.0"),
        "designer",
    )
    .expect("1.1.0 is active");
    let friday = h.tournaments.view(GAME, DAY).await.expect("Friday's");
    assert_eq!(
        (friday.min_level, friday.version.as_str()),
        (10, "1.0.0"),
        "kept"
    );
    h.enter("ann", "fri-2").await.refused(422, "level-too-low");

    // Saturday's tournament is made by 1.1.0: the cup.
    let saturday: Day = "2026-05-02".parse().unwrap();
    clock.set(saturday.start_ms() + 8 * 3_600_000);
    h.tournaments.tick(GAME).await;
    let cup = h
        .tournaments
        .view(GAME, "2026-05-02")
        .await
        .expect("Saturday's");
    assert_eq!(
        (
            cup.entry_fee,
            cup.min_level,
            cup.group_size,
            cup.version.as_str()
        ),
        (250, 5, 20, "1.1.0")
    );
    let response = h
        .tournaments
        .command(&player("ann"), None, "sat-1", "2026-05-02", Order::Enter)
        .await;
    assert_eq!(response.status().as_u16(), 201);
    assert_eq!(h.gold("ann").await, (750, 0), "the cup's fee");
}

/// Two hosts, each with its own pool and group committer, enter players
/// into one PostgreSQL database at once: their joins are concurrent
/// transactions, and still no group holds more than 35.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_entries_from_two_hosts_at_once_never_overfill_a_group() {
    const EACH: usize = 300;
    let fixture = postgres().await;
    let config = idempo_host::config::StorageConfig {
        database_url: fixture.database_url.clone(),
        ..common::db::test_config()
    };
    let other = Store::open(&config, std::path::Path::new("unused"))
        .await
        .expect("a second host's store");
    let rt = tournament_runtime();
    let clock = Arc::new(ManualClock::new(at(8, 0)));
    let a = Arc::new(host_on(
        &fixture.store,
        &rt,
        &clock,
        "host-a",
        FaultConfig::default(),
    ));
    let b = Arc::new(host_on(
        &other,
        &rt,
        &clock,
        "host-b",
        FaultConfig::default(),
    ));
    let players: Vec<String> = (0..2 * EACH).map(|i| format!("q{i:04}")).collect();
    seed(&fixture.store, &players, 500, LEVEL_10_XP).await;
    let mut tasks = Vec::new();
    for (i, p) in players.iter().enumerate() {
        let h = if i % 2 == 0 { a.clone() } else { b.clone() };
        let p = p.clone();
        tasks.push(tokio::spawn(async move { h.enter(&p, "in").await.status }));
    }
    for task in tasks {
        let status = task.await.expect("an entry");
        assert!(status == 201 || status == 202, "{status}");
    }
    eventually("every entry saga ended", || async {
        let counts = idempo_host::saga::record::counts(&fixture.store)
            .await
            .expect("counts");
        !counts
            .iter()
            .any(|(status, n)| status == "running" && *n > 0)
    })
    .await;
    let groups = tdb::groups(&fixture.store, GAME, DAY)
        .await
        .expect("groups");
    let sizes: Vec<i64> = groups.iter().map(|(_, m)| *m).collect();
    let mut expected = vec![35; 2 * EACH / 35];
    expected.push((2 * EACH % 35) as i64);
    assert_eq!(sizes, expected, "filled in order, none over 35");
    assert_eq!(a.gold(HOUSE).await, (500 * 2 * EACH as i64, 0));
    common::audit::assert_sound(&fixture.store, true).await;
}
