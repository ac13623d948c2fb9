//! The daily tournament, on SQLite and on PostgreSQL:
//!
//! - `tournament_entries/<db>` (criterion): entries per second through the
//!   entry saga, as the HTTP route runs it (the `Idempotency-Key` record,
//!   the checks, the saga's start and its three steps, each a group
//!   commit): [`ENTRIES`] players enter at once, timed from the first
//!   request until every answer came back entered;
//! - `tournament_boards/<db>/<read>` with [`PARTICIPANTS`] participants
//!   (written straight into the tables, in groups of 35): a group's board
//!   and the top 1000 read from the database (`group_db` over every group,
//!   `top_db`: what a board costs when its freshness window ran out), the
//!   same through the service (`group` over ten groups, `top`, `standing`
//!   of the players of those groups: from memory within the 5 s and 30 s
//!   windows, after a first read).
//!
//! ```text
//! cargo bench -p idempo-host --bench tournament
//! ... --bench tournament -- entries     # one group
//! ```
//!
//! The clock is driven (08:00 UTC, entries open); the database is fresh per
//! backend; seeding is outside the timed part, and ends with `ANALYZE` (on
//! PostgreSQL what autovacuum does after a bulk write: without statistics
//! its planner walks the wrong index, 70 ms instead of 0.7 ms a group).

use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode, Throughput};
use idempo_host::arena::ManualClock;
use idempo_host::gateway::Player;
use idempo_host::runtime::{Runtime, World};
use idempo_host::saga::{SagaConfig, Sagas};
use idempo_host::store::{CommitBatch, Credit, EconomyWrites, PoolRef, Store};
use idempo_host::tournament::db as tdb;
use idempo_host::tournament::routes::Order;
use idempo_host::tournament::{Day, TournamentConfig, TournamentRules, Tournaments};

#[path = "../tests/common/mod.rs"]
mod common;

const GAME: &str = "default";
const DAY: &str = "2026-05-01";
/// Players entering at once per measured iteration.
const ENTRIES: usize = 200;
/// Participants of the boards' tournament.
const PARTICIPANTS: usize = 100_000;
const GROUP_SIZE: usize = 35;
/// Rows per seeding statement.
const SEED_ROWS: usize = 500;
/// Groups the served reads cycle over (their boards stay in memory).
const HOT_GROUPS: i64 = 10;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

fn components() -> Arc<Runtime> {
    let rt = common::runtime();
    common::load(
        &rt,
        World::Tournament,
        "standard",
        "1.0.0",
        "tournament_standard",
    );
    Arc::new(rt)
}

/// The tournaments of one host on `store`, at 08:00 of [`DAY`].
fn tournaments(store: &Store) -> Arc<Tournaments> {
    let day: Day = DAY.parse().expect("a date");
    let clock = Arc::new(ManualClock::new(day.start_ms() + 8 * 3_600_000));
    let sagas = Sagas::new(
        store.clone(),
        "bench-host",
        SagaConfig {
            answer_wait_ms: 60_000,
            ..SagaConfig::default()
        },
    );
    Arc::new(Tournaments::new(
        store.clone(),
        TournamentRules::new(components(), "standard"),
        sagas,
        clock,
        TournamentConfig::default(),
    ))
}

/// A fresh store of each backend, and its name.
async fn stores() -> Vec<(&'static str, common::db::Fixture)> {
    vec![
        ("sqlite", common::db::sqlite().await),
        ("postgres", common::db::postgres().await),
    ]
}

/// Gives `players` 1 000 gold and level 10.
async fn seed_players(store: &Store, players: &[String]) {
    let credits: Vec<Credit> = players
        .iter()
        .flat_map(|p| {
            [("gold", 1_000), ("xp", 2_250)].map(|(currency, amount)| Credit {
                game: GAME.into(),
                player: p.clone(),
                currency: currency.into(),
                amount,
                reason: "bench".into(),
                reference: format!("seed:{p}"),
                key: format!("seed:{p}/{currency}"),
            })
        })
        .collect();
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
            .expect("seeded");
    }
}

// -------------------------------------------------------------- entries

fn entries(c: &mut Criterion) {
    let rt = runtime();
    let mut group = c.benchmark_group("tournament_entries");
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(20))
        .throughput(Throughput::Elements(ENTRIES as u64));
    for (name, fixture) in rt.block_on(stores()) {
        let t = tournaments(&fixture.store);
        let mut next = 0usize;
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                rt.block_on(async {
                    let mut took = Duration::ZERO;
                    for _ in 0..iters {
                        let players: Vec<String> =
                            (next..next + ENTRIES).map(|i| format!("e{i:07}")).collect();
                        next += ENTRIES;
                        seed_players(&fixture.store, &players).await;
                        let started = Instant::now();
                        let tasks: Vec<_> = players
                            .into_iter()
                            .map(|p| {
                                let t = t.clone();
                                tokio::spawn(async move {
                                    let who = Player {
                                        id: p.clone(),
                                        game: GAME.into(),
                                        name: p,
                                    };
                                    t.command(&who, None, "in", DAY, Order::Enter).await
                                })
                            })
                            .collect();
                        for task in tasks {
                            let answer = task.await.expect("an entry");
                            assert_eq!(answer.status().as_u16(), 201, "entered");
                        }
                        took += started.elapsed();
                    }
                    took
                })
            })
        });
    }
    group.finish();
}

// -------------------------------------------------------------- boards

/// Writes [`PARTICIPANTS`] participants of [`DAY`] straight into the
/// tables, in groups of [`GROUP_SIZE`], with scattered scores.
macro_rules! seed_board {
    ($pool:expr, $Db:ty, $start_ms:expr) => {{
        let pool = $pool;
        for chunk in (0..PARTICIPANTS).collect::<Vec<_>>().chunks(SEED_ROWS) {
            let mut q = sqlx::QueryBuilder::<$Db>::new(
                "INSERT INTO tournament_participants (game, tournament, player, group_no, \
                 saga_id, score, entered_at_ms, final_rank, reward, claimed_at_ms, updated_at_ms) ",
            );
            q.push_values(chunk, |mut row, &i| {
                let score = (i as i64 * 7_919) % 10_007;
                row.push_bind(GAME)
                    .push_bind(DAY)
                    .push_bind(format!("b{i:07}"))
                    .push_bind((i / GROUP_SIZE) as i64 + 1)
                    .push_bind(format!("saga-{i}"))
                    .push_bind(score)
                    .push_bind($start_ms + i as i64)
                    .push_bind(None::<i64>)
                    .push_bind(None::<i64>)
                    .push_bind(None::<i64>)
                    .push_bind($start_ms);
            });
            q.build().execute(pool).await.expect("participants");
        }
        let groups = PARTICIPANTS.div_ceil(GROUP_SIZE);
        for chunk in (0..groups).collect::<Vec<_>>().chunks(SEED_ROWS) {
            let mut q = sqlx::QueryBuilder::<$Db>::new(
                "INSERT INTO tournament_groups (game, tournament, group_no, members) ",
            );
            q.push_values(chunk, |mut row, &g| {
                let members = GROUP_SIZE.min(PARTICIPANTS - g * GROUP_SIZE);
                row.push_bind(GAME)
                    .push_bind(DAY)
                    .push_bind(g as i64 + 1)
                    .push_bind(members as i64);
            });
            q.build().execute(pool).await.expect("groups");
        }
        sqlx::query::<$Db>(
            "UPDATE tournaments SET entries = $1, group_count = $2 WHERE game = $3 AND tournament = $4",
        )
        .bind(PARTICIPANTS as i64)
        .bind(groups as i64)
        .bind(GAME)
        .bind(DAY)
        .execute(pool)
        .await
        .expect("the tournament's counts");
        // What autovacuum (PostgreSQL) would do after such a bulk write:
        // without statistics the planner walks the wrong index.
        sqlx::query::<$Db>("ANALYZE").execute(pool).await.expect("analyzed");
    }};
}

fn boards(c: &mut Criterion) {
    let rt = runtime();
    let mut group = c.benchmark_group("tournament_boards");
    group
        .sample_size(50)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    let groups = PARTICIPANTS.div_ceil(GROUP_SIZE) as i64;
    for (name, fixture) in rt.block_on(stores()) {
        let store = fixture.store.clone();
        let t = tournaments(&store);
        rt.block_on(async {
            let day: Day = DAY.parse().expect("a date");
            t.ensure(GAME, day).await.expect("the day's tournament");
            let start = day.start_ms();
            match store.pool_ref().expect("a SQL store") {
                PoolRef::Sqlite(pool) => seed_board!(pool, sqlx::Sqlite, start),
                PoolRef::Postgres(pool) => seed_board!(pool, sqlx::Postgres, start),
            }
        });
        let mut g = 0i64;
        let mut next_group = move || {
            g = g % groups + 1;
            g
        };
        group.bench_function(format!("{name}/group_db"), |b| {
            b.iter(|| {
                let n = next_group();
                rt.block_on(tdb::group_board(&store, GAME, DAY, n, GROUP_SIZE as u32))
                    .expect("a group")
            })
        });
        group.bench_function(format!("{name}/top_db"), |b| {
            b.iter(|| {
                rt.block_on(tdb::top(&store, GAME, DAY, 1_000))
                    .expect("the top")
            })
        });
        // Many players read the groups they are in: a few hot groups.
        let mut hot = 0i64;
        group.bench_function(format!("{name}/group"), |b| {
            b.iter(|| {
                hot = hot % HOT_GROUPS + 1;
                rt.block_on(t.group_board(GAME, DAY, hot)).expect("a group")
            })
        });
        group.bench_function(format!("{name}/top"), |b| {
            b.iter(|| rt.block_on(t.top(GAME, DAY)).expect("the top"))
        });
        let mut i = 0usize;
        let hot_players = HOT_GROUPS as usize * GROUP_SIZE;
        group.bench_function(format!("{name}/standing"), |b| {
            b.iter(|| {
                i = (i + 7) % hot_players;
                rt.block_on(t.standing(GAME, DAY, &format!("b{i:07}")))
                    .expect("a standing")
            })
        });
        drop(fixture);
    }
    group.finish();
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let only = |name: &str| args.iter().any(|a| a == name);
    let mut criterion = Criterion::default().configure_from_args();
    if !only("boards") {
        entries(&mut criterion);
    }
    if !only("entries") {
        boards(&mut criterion);
    }
    criterion.final_summary();
}
