//! What stands between a saga step and the wallet, the inventory, the
//! market rules and the tournament's groups it calls: a circuit breaker per target, retries with
//! exponential backoff and full jitter (`crate::bus::retry`), and their
//! counts, for metrics and the admin API.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use parking_lot::Mutex;
use serde::Serialize;

use crate::bus::retry::{Backoff, Jitter, random_jitter};
use crate::runtime::breaker::{Breaker, BreakerSnapshot};

use super::SagaConfig;

/// What a step calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    Wallet,
    Inventory,
    Market,
    Tournament,
}

impl Target {
    pub const ALL: [Target; 4] = [
        Target::Wallet,
        Target::Inventory,
        Target::Market,
        Target::Tournament,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Target::Wallet => "wallet",
            Target::Inventory => "inventory",
            Target::Market => "market",
            Target::Tournament => "tournament",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// A breaker as the admin API shows it.
#[derive(Debug, Clone, Serialize)]
pub struct BreakerView {
    /// `saga:wallet`, `saga:inventory`, `saga:market`, `saga:tournament`.
    pub breaker: String,
    #[serde(flatten)]
    pub snapshot: BreakerSnapshot,
    /// Retries of calls to this target since the host started.
    pub retries: u64,
}

pub struct Resilience {
    breakers: [Breaker; 4],
    retries: [AtomicU64; 4],
    backoff: Backoff,
    jitter: Mutex<Jitter>,
}

impl Resilience {
    pub fn new(config: &SagaConfig) -> Self {
        Self {
            breakers: Target::ALL.map(|_| Breaker::new(config.breaker.clone())),
            retries: Target::ALL.map(|_| AtomicU64::new(0)),
            backoff: Backoff {
                attempts: config.forward_attempts.max(1),
                base_ms: config.backoff_base_ms,
                max_ms: config.backoff_max_ms,
            },
            jitter: Mutex::new(random_jitter()),
        }
    }

    pub fn breaker(&self, target: Target) -> &Breaker {
        &self.breakers[target.index()]
    }

    /// Counts one retry of a call to `target` (here for the admin API, and
    /// in `retry_count_total`).
    pub fn retried(&self, target: Target) {
        self.retries[target.index()].fetch_add(1, Ordering::Relaxed);
        crate::metrics::global()
            .retries
            .with(&[target.as_str()])
            .inc();
    }

    /// Attempts a forward step gets before the saga compensates.
    pub fn attempts(&self) -> u32 {
        self.backoff.attempts
    }

    /// The pause after failed attempt `failed` (from 1): full jitter under
    /// the exponential ceiling, and at least `floor` (an open breaker's
    /// remaining cool-down).
    pub fn pause(&self, failed: u32, floor: Duration) -> Duration {
        let ceiling = self.backoff.ceiling_ms(failed);
        let drawn = (self.jitter.lock())(ceiling);
        Duration::from_millis(drawn).max(floor)
    }

    pub fn views(&self) -> Vec<BreakerView> {
        Target::ALL
            .iter()
            .map(|t| BreakerView {
                breaker: format!("saga:{}", t.as_str()),
                snapshot: self.breaker(*t).snapshot(),
                retries: self.retries[t.index()].load(Ordering::Relaxed),
            })
            .collect()
    }
}
