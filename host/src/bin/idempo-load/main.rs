//! `idempo-load`: the arena load generator. It drives a running host over
//! real HTTP, as players would, and reports actions per second and their
//! latencies.
//!
//! A run: sign up `--players` players (`POST /v1/players`, `POST
//! /v1/sessions`); grant each its stamps through the operator's grants
//! (`POST /admin/v1/games/{game}/players/{id}/grants`, enough for
//! `--duration-secs` at `--expected-rate`, refilled in the background if
//! they run low); seat every player in a match (`POST /v1/lobby`, then
//! `GET /v1/lobby` until matched); then, for `--duration-secs`, each player
//! keeps `--concurrency` actions in flight (`POST
//! /v1/matches/{id}/actions` with a fresh `Idempotency-Key`, each sealed by
//! one of its stamps unless `--unstamped`). A player whose match ends joins
//! the lobby again. Only actions are timed; setup is reported apart.
//!
//! - [`client`]: the host's API as the generator calls it;
//! - [`player`]: one player's stamps, match and workers;
//! - [`trades`]: the trades scenario's traders and workers;
//! - [`stats`]: counts, latency histograms, the report (a table, or JSON
//!   with `--json`).
//!
//! With `--scenario trades` it drives market trades instead ([`trades`]):
//! the "accepted" figures are completed trades, their latency the trade
//! saga's.
//!
//! `infra/load/run` builds the host, starts it with `infra/load/arena.toml`
//! and runs this against it.

mod client;
mod player;
mod stats;
mod trades;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use clap::Parser;
use idempo_host::admin::grants::MAX_GRANTED_ITEMS;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use client::{Api, Session};
use player::{ActionMode, Plan, Player};
use stats::{Report, Setup, Stats};

/// Sign-ups and grants in flight at once during setup.
const SETUP_PARALLELISM: usize = 8;
/// Stamps beyond the expected need granted up front, as a fraction.
const STAMP_MARGIN: f64 = 0.25;
/// Fewest stamps a player is granted up front.
const MIN_STAMPS: u64 = 100;

/// Drive a running idempo host with stamped arena actions.
#[derive(Debug, Parser)]
#[command(name = "idempo-load", version)]
struct Args {
    /// The host.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    base_url: String,
    /// Players to sign up and seat in matches.
    #[arg(long, default_value_t = 64)]
    players: usize,
    /// Actions each player keeps in flight.
    #[arg(long, default_value_t = 1)]
    concurrency: usize,
    /// How long to send actions, in seconds.
    #[arg(long, default_value_t = 30)]
    duration_secs: u64,
    /// Send plain actions (an Idempotency-Key only, no stamp).
    #[arg(long)]
    unstamped: bool,
    /// Which actions to send.
    #[arg(long, value_enum, default_value_t = ActionMode::Move)]
    action: ActionMode,
    /// The admin API's operator token (default: the host's development
    /// token).
    #[arg(long, env = "IDEMPO_OPERATOR_TOKEN", hide_env_values = true)]
    operator_token: Option<String>,
    /// The game to play.
    #[arg(long, default_value = idempo_host::DEFAULT_GAME)]
    game: String,
    /// What to drive: arena actions, or market trades.
    #[arg(long, value_enum, default_value_t = Scenario::Arena)]
    scenario: Scenario,
    /// Accepted actions (or completed trades) per second all players
    /// together are expected to reach: sizes the stamps (or items) granted
    /// up front. Default: 20 000 actions, 2 000 trades.
    #[arg(long)]
    expected_rate: Option<u64>,
    /// Stamps granted to each player up front (default: from
    /// `--expected-rate`).
    #[arg(long)]
    stamps_per_player: Option<u64>,
    /// Stamps one refill grants when a player runs low.
    #[arg(long, default_value_t = 2_000)]
    refill_batch: u64,
    /// How long sign-up, grants and matchmaking may take, in seconds.
    #[arg(long, default_value_t = 300)]
    setup_timeout_secs: u64,
    /// Print the report as JSON instead of a table.
    #[arg(long)]
    json: bool,
    /// Threads of the generator's runtime (default: one per core).
    #[arg(long)]
    threads: Option<usize>,
}

/// What a run drives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Scenario {
    Arena,
    Trades,
}

impl Args {
    fn expected_rate(&self) -> u64 {
        self.expected_rate.unwrap_or(match self.scenario {
            Scenario::Arena => 20_000,
            Scenario::Trades => 2_000,
        })
    }

    /// Of each player, what a run of `--duration-secs` at the expected rate
    /// needs, with a margin, and at least `floor`.
    fn per_player(&self, floor: u64) -> u64 {
        let need = self.expected_rate() as f64 * self.duration_secs as f64 / self.players as f64;
        ((need * (1.0 + STAMP_MARGIN)).ceil() as u64).max(floor)
    }
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if args.players == 0 || args.concurrency == 0 || args.duration_secs == 0 {
        bail!("--players, --concurrency and --duration-secs must be at least 1");
    }
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    if let Some(threads) = args.threads {
        runtime.worker_threads(threads.max(1));
    }
    let report = runtime.enable_all().build()?.block_on(run(&args))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report.table());
    }
    Ok(())
}

async fn run(args: &Args) -> anyhow::Result<Report> {
    let operator_token = args
        .operator_token
        .clone()
        .unwrap_or_else(|| idempo_host::config::Config::default().operator_token);
    let connections = args.players * args.concurrency + SETUP_PARALLELISM;
    let api = Api::new(&args.base_url, &operator_token, &args.game, connections)?;
    let setup_started = Instant::now();
    let setup_deadline = setup_started + Duration::from_secs(args.setup_timeout_secs);
    // The tail of a uuid v7 is random: a fresh prefix for names and keys.
    let uuid = uuid::Uuid::now_v7().simple().to_string();
    let run_id = format!("ld{}", &uuid[uuid.len() - 8..]);

    eprintln!("idempo-load: signing up {} players", args.players);
    let sessions = sign_up(&api, &run_id, args.players).await?;
    if args.scenario == Scenario::Trades {
        return run_trades(args, &api, &run_id, sessions, setup_started).await;
    }
    let players: Vec<Arc<Player>> = sessions
        .into_iter()
        .enumerate()
        .map(|(i, s)| Arc::new(Player::new(i, s)))
        .collect();

    let stamps = if args.unstamped {
        0
    } else {
        args.stamps_per_player
            .unwrap_or_else(|| args.per_player(MIN_STAMPS))
    };
    if stamps > 0 {
        eprintln!("idempo-load: granting {stamps} stamps to each player");
        grant_all(&api, &run_id, &players, stamps).await?;
    }

    eprintln!("idempo-load: seating the players in matches");
    let mut seating = JoinSet::new();
    for p in &players {
        let (p, api) = (p.clone(), api.clone());
        seating.spawn(async move { p.find_match(&api, None, setup_deadline).await });
    }
    while let Some(done) = seating.join_next().await {
        done.context("a seating task failed")??;
    }
    let matches: BTreeSet<String> = players.iter().filter_map(|p| p.match_id()).collect();
    let unseated = players.iter().filter(|p| p.match_id().is_none()).count();
    if unseated > 0 {
        bail!("{unseated} players found no match within the setup timeout");
    }
    let setup_secs = setup_started.elapsed().as_secs_f64();

    eprintln!(
        "idempo-load: {} matches; sending actions for {} s",
        matches.len(),
        args.duration_secs
    );
    let started = Instant::now();
    let plan = Arc::new(Plan {
        stamped: !args.unstamped,
        mode: args.action,
        deadline: started + Duration::from_secs(args.duration_secs),
        // Low water: a quarter of a refill, or of the first grant if smaller.
        refill_below: usize::try_from((args.refill_batch.min(stamps.max(1)) / 4).max(1))
            .unwrap_or(usize::MAX),
        refill_batch: args.refill_batch.clamp(1, MAX_GRANTED_ITEMS),
        run_id,
    });
    let mut workers = JoinSet::new();
    for p in &players {
        for _ in 0..args.concurrency {
            workers.spawn(player::work(p.clone(), api.clone(), plan.clone()));
        }
    }
    let mut stats = Stats::default();
    while let Some(done) = workers.join_next().await {
        stats.merge(&done.context("a worker failed")?);
    }
    let elapsed = started.elapsed();
    stats.refill_stamps = players.iter().map(|p| p.refilled()).sum();
    let setup = Setup {
        base_url: args.base_url.clone(),
        players: args.players,
        concurrency: args.concurrency,
        stamped: !args.unstamped,
        action: format!("{:?}", args.action).to_lowercase(),
        duration_secs: 0.0,
        matches: matches.len(),
        setup_secs,
        stamps_granted_before: stamps * args.players as u64,
    };
    Ok(Report::new(setup, &stats, elapsed))
}

/// The `trades` scenario ([`trades`]): players equipped with gold and
/// items, then pairs trading until `--duration-secs` ran out.
async fn run_trades(
    args: &Args,
    api: &Api,
    run_id: &str,
    sessions: Vec<Session>,
    setup_started: Instant,
) -> anyhow::Result<Report> {
    if args.players < 2 {
        bail!("the trades scenario needs at least 2 players");
    }
    let items = args.per_player(MIN_STAMPS);
    // Every listing is priced 10 gold; a player buys about as much as it sells.
    let gold = items * 10 * 2;
    eprintln!("idempo-load: granting {items} items and {gold} gold to each player");
    let traders = trades::equip(api, run_id, sessions, gold, items, SETUP_PARALLELISM).await?;
    let setup_secs = setup_started.elapsed().as_secs_f64();
    eprintln!("idempo-load: trading for {} s", args.duration_secs);
    let started = Instant::now();
    let deadline = started + Duration::from_secs(args.duration_secs);
    let mut workers = JoinSet::new();
    for (i, seller) in traders.iter().enumerate() {
        let buyer = traders[(i + 1) % traders.len()].clone();
        for c in 0..args.concurrency {
            workers.spawn(trades::work(
                api.clone(),
                seller.clone(),
                buyer.clone(),
                run_id.to_owned(),
                i * args.concurrency + c,
                deadline,
            ));
        }
    }
    let mut stats = Stats::default();
    while let Some(done) = workers.join_next().await {
        stats.merge(&done.context("a worker failed")?);
    }
    let setup = Setup {
        base_url: args.base_url.clone(),
        players: args.players,
        concurrency: args.concurrency,
        stamped: false,
        action: "trade".into(),
        duration_secs: 0.0,
        matches: 0,
        setup_secs,
        stamps_granted_before: 0,
    };
    Ok(Report::new(setup, &stats, started.elapsed()))
}

/// Signs up `count` players named after `run_id`, a few at a time.
async fn sign_up(api: &Api, run_id: &str, count: usize) -> anyhow::Result<Vec<Session>> {
    let gate = Arc::new(Semaphore::new(SETUP_PARALLELISM));
    let mut tasks = JoinSet::new();
    for i in 0..count {
        let (api, gate, name) = (api.clone(), gate.clone(), format!("{run_id}-{i}"));
        tasks.spawn(async move {
            let _permit = gate.acquire_owned().await?;
            Ok::<_, anyhow::Error>((i, api.sign_up(&name).await?))
        });
    }
    let mut sessions = Vec::with_capacity(count);
    while let Some(done) = tasks.join_next().await {
        sessions.push(done.context("a sign-up task failed")??);
    }
    sessions.sort_by_key(|(i, _)| *i);
    Ok(sessions.into_iter().map(|(_, s)| s).collect())
}

/// Grants every player `stamps` stamps, in grants of at most the host's
/// limit, a few at a time.
async fn grant_all(
    api: &Api,
    run_id: &str,
    players: &[Arc<Player>],
    stamps: u64,
) -> anyhow::Result<()> {
    let gate = Arc::new(Semaphore::new(SETUP_PARALLELISM));
    let mut tasks = JoinSet::new();
    for p in players {
        let mut left = stamps;
        let mut n = 0;
        while left > 0 {
            let batch = left.min(MAX_GRANTED_ITEMS);
            left -= batch;
            let key = format!("{run_id}-{}-setup-{n}", p.index);
            n += 1;
            let (api, gate, p) = (api.clone(), gate.clone(), p.clone());
            tasks.spawn(async move {
                let _permit = gate.acquire_owned().await?;
                let ids = api.grant_stamps(&p.session.player_id, &key, batch).await?;
                p.add_stamps(ids);
                Ok::<_, anyhow::Error>(())
            });
        }
    }
    while let Some(done) = tasks.join_next().await {
        done.context("a grant task failed")??;
    }
    Ok(())
}
