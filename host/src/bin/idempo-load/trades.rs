//! The `trades` scenario: market trades end to end. Every player is
//! granted gold and items up front; then each worker of player `i` lists
//! one of its items and player `i + 1` buys it (`POST /v1/trades`, which
//! answers once the trade saga ended). Only the purchase is timed: its
//! latency is the saga's, from the request to `COMPLETED`.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use idempo_host::admin::grants::{CurrencyLine, ItemLine, MAX_GRANTED_ITEMS};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::client::{Api, Session};
use crate::stats::Stats;

/// One trader: a session and the items it may still list.
pub struct Trader {
    pub session: Session,
    items: Vec<String>,
    next: AtomicUsize,
}

impl Trader {
    fn take_item(&self) -> Option<&str> {
        let i = self.next.fetch_add(1, Ordering::Relaxed);
        self.items.get(i).map(String::as_str)
    }
}

/// Grants each session `gold` and `items` crystals, a few at a time.
pub async fn equip(
    api: &Api,
    run_id: &str,
    sessions: Vec<Session>,
    gold: u64,
    items: u64,
    parallelism: usize,
) -> anyhow::Result<Vec<Arc<Trader>>> {
    let gate = Arc::new(Semaphore::new(parallelism));
    let mut tasks = JoinSet::new();
    for (i, session) in sessions.into_iter().enumerate() {
        let (api, gate, run_id) = (api.clone(), gate.clone(), run_id.to_owned());
        tasks.spawn(async move {
            let _permit = gate.acquire_owned().await?;
            let mut owned = Vec::new();
            let (mut left, mut n) = (items, 0);
            let mut currency = vec![CurrencyLine {
                code: "gold".into(),
                amount: gold,
            }];
            while left > 0 || !currency.is_empty() {
                let count = left.min(MAX_GRANTED_ITEMS);
                left -= count;
                let lines = if count > 0 {
                    vec![ItemLine {
                        item_type: "crystal".into(),
                        count,
                    }]
                } else {
                    Vec::new()
                };
                let key = format!("{run_id}-{i}-equip-{n}");
                n += 1;
                let player = session.player_id.clone();
                let granted = api
                    .grant(&player, &key, std::mem::take(&mut currency), lines, 0)
                    .await?;
                owned.extend(granted);
            }
            Ok::<_, anyhow::Error>((
                i,
                Arc::new(Trader {
                    session,
                    items: owned,
                    next: AtomicUsize::new(0),
                }),
            ))
        });
    }
    let mut traders = Vec::new();
    while let Some(done) = tasks.join_next().await {
        traders.push(done.context("an equip task failed")??);
    }
    traders.sort_by_key(|(i, _)| *i);
    Ok(traders.into_iter().map(|(_, t)| t).collect())
}

/// One worker: until `deadline`, `seller` lists an item and `buyer` buys it.
pub async fn work(
    api: Api,
    seller: Arc<Trader>,
    buyer: Arc<Trader>,
    run_id: String,
    worker: usize,
    deadline: Instant,
) -> Stats {
    let mut stats = Stats::default();
    let mut n = 0u64;
    while Instant::now() < deadline {
        let Some(item) = seller.take_item() else {
            break; // out of items: the run was sized too small
        };
        n += 1;
        let key = format!("{run_id}-w{worker}-{n}");
        let listing = match api
            .list(&seller.session, &format!("{key}-l"), item, 10)
            .await
        {
            Ok(id) => id,
            Err(e) => {
                stats.record(
                    &crate::client::Answer::Transport(e.to_string()),
                    Duration::ZERO,
                );
                continue;
            }
        };
        let started = Instant::now();
        let answer = api.buy(&buyer.session, &format!("{key}-b"), &listing).await;
        stats.record(&answer, started.elapsed());
    }
    stats
}
