//! Durable sagas: multi-step economy operations (a market trade, a player
//! trade, a tournament entry) that end `COMPLETED` or fully compensated `FAILED`, also across
//! crashes (DESIGN.md invariant 4).
//!
//! - [`plan`]: a saga's steps and terms, fixed when it starts; [`kinds`]:
//!   the kinds of saga (trade, offer, tournament entry) and how each is
//!   told to its players;
//! - [`steps`]: what each step writes forward and backward;
//! - [`runner`]: [`Sagas`], which starts, runs and resumes them, one step
//!   per batch with the saga's log row;
//! - [`resilience`]: breakers and retry pacing per target (wallet,
//!   inventory, market); [`faults`]: injected faults for fault runs;
//! - [`record`] and [`db`]: a saga as stored, and its reads.
//!
//! The host owns the log and runs the steps; the market component only
//! decides the plan (validation, fees, extra steps) before a saga starts,
//! and the tournament component the fee and group size of an entry's.
//! [`Sagas::abort`] turns a running saga back from outside (a tournament
//! reservation that expired unconfirmed).

pub mod db;
pub mod faults;
pub mod kinds;
pub mod plan;
pub mod record;
pub mod resilience;
pub mod runner;
pub mod steps;

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::config::BreakerConfig;

pub use faults::FaultConfig;
pub use plan::{Plan, Step};
pub use record::{LogEntry, Phase, SagaRecord, Status};
pub use resilience::{BreakerView, Target};
pub use runner::{SagaWatch, Sagas};

/// The label of a saga that has not done a step yet.
pub const INITIATED: &str = "INITIATED";
/// The label of a saga undoing its steps.
pub const COMPENSATING: &str = "COMPENSATING";
pub const COMPLETED: &str = "COMPLETED";
pub const FAILED: &str = "FAILED";

/// The `[saga]` table.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SagaConfig {
    /// How long a host owns a saga after its last step, in milliseconds:
    /// after that another host (or this one, restarted) resumes it.
    pub lease_ms: u64,
    /// Attempts of a forward step that fails transiently before the saga
    /// compensates.
    pub forward_attempts: u32,
    /// How long a step's commit may take before its outcome counts as
    /// unknown and is read back, in milliseconds.
    pub step_timeout_ms: u64,
    /// Backoff between attempts: full jitter under
    /// `min(backoff_max_ms, backoff_base_ms * 2^(n-1))`.
    pub backoff_base_ms: u64,
    pub backoff_max_ms: u64,
    /// How often a host looks for sagas whose owner died, in milliseconds.
    pub recover_every_ms: u64,
    /// How long `POST /v1/trades` waits for the saga to end before it
    /// answers 202 with the saga as it stands, in milliseconds.
    pub answer_wait_ms: u64,
    /// The breakers in front of the wallet, the inventory and the market.
    pub breaker: BreakerConfig,
    /// Injected faults (off by default).
    pub faults: FaultConfig,
}

impl Default for SagaConfig {
    fn default() -> Self {
        Self {
            lease_ms: 10_000,
            forward_attempts: 3,
            step_timeout_ms: 5_000,
            backoff_base_ms: 10,
            backoff_max_ms: 1_000,
            recover_every_ms: 1_000,
            answer_wait_ms: 2_000,
            breaker: BreakerConfig::default(),
            faults: FaultConfig::default(),
        }
    }
}

/// Resumes orphaned sagas at start (this host's own, after a crash, once
/// their lease ran out) and every `recover_every_ms`, until `stopped`.
pub async fn recover_until(sagas: Sagas, mut stopped: tokio::sync::watch::Receiver<bool>) {
    let every = Duration::from_millis(sagas.config().recover_every_ms.max(10));
    loop {
        match sagas.recover(100).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(resumed = n, "sagas resumed"),
            Err(e) => tracing::warn!(error = %e, "looking for orphaned sagas failed"),
        }
        tokio::select! {
            () = tokio::time::sleep(every) => {}
            _ = stopped.changed() => return,
        }
    }
}
