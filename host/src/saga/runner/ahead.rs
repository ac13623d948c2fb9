//! A saga's forward steps run ahead: every remaining step's batch queued at
//! once, each chained on the one before it ([`crate::store::Chain`]), so
//! they share group commits and the saga waits for one commit instead of
//! one a step.
//!
//! Each batch is the one the step-by-step path would commit, built on the
//! saga as the steps before it leave it (its version, cursor and label),
//! so a step still commits with its log row or not at all, and only on top
//! of the step before it: the first that does not apply breaks the chain
//! and nothing after it is tried. What applied stands; the rest goes step
//! by step (`super::Sagas::advance`) from the saga as stored, which then
//! meets the refusal, conflict or failure itself and handles it as it
//! always does (turn back, retry, read back). A chain broken by a wallet
//! that moved since its hold read it runs ahead again at once, as a step
//! retries a stale read (`super::MAX_STALE` times at most).
//!
//! Runs only where nothing would tell the two paths apart: no injected
//! faults, delays or stalls, and every breaker a step calls closed.

use std::time::{Duration, Instant};

use crate::runtime::breaker::{Breaker, BreakerState};
use crate::saga::record::{Phase, SagaRecord};
use crate::saga::resilience::Target;
use crate::saga::steps;
use crate::store::economy_ops::{EconomyConflict, SagaPosition};
use crate::store::{Chain, CommitBatch, StoreError};

use super::{Sagas, apply};

impl Sagas {
    /// Whether `saga`'s remaining forward steps may run ahead: two or more
    /// of them, and nothing injected or open on their way.
    pub(super) fn runs_ahead(&self, saga: &SagaRecord) -> bool {
        let steps = &saga.plan.steps;
        saga.phase == Phase::Forward
            && saga.cursor + 1 < steps.len()
            && self.inner.config.faults.is_off()
            && steps[saga.cursor..].iter().all(|step| {
                let breaker = self.inner.resilience.breaker(step.target());
                breaker.state() == BreakerState::Closed
            })
    }

    /// Commits `saga`'s remaining forward steps as one chain: the positions
    /// of those that applied, in order (none if a breaker opened meanwhile,
    /// the funds a hold needs are short or unreadable, or the commit's answer
    /// did not come in time), and whether the chain broke on a wallet that
    /// moved since it was read (worth running ahead again at once).
    pub(super) async fn advance_ahead(&self, saga: &SagaRecord) -> (Vec<SagaPosition>, bool) {
        let breakers: Vec<&Breaker> = saga.plan.steps[saga.cursor..]
            .iter()
            .map(|step| self.inner.resilience.breaker(step.target()))
            .collect();
        let Ok(permits) = breakers
            .iter()
            .map(|breaker| breaker.admit(Instant::now()))
            .collect::<Result<Vec<_>, _>>()
        else {
            return (Vec::new(), false);
        };
        let Some(batches) = self.ahead_batches(saga).await else {
            return (Vec::new(), false);
        };
        let (batches, positions): (Vec<CommitBatch>, Vec<SagaPosition>) =
            batches.into_iter().unzip();
        let timeout = Duration::from_millis(self.inner.config.step_timeout_ms);
        let Ok(results) = tokio::time::timeout(timeout, self.inner.store.commit_all(batches)).await
        else {
            return (Vec::new(), false); // possibly done: the saga is read back
        };
        let mut applied = Vec::new();
        let mut stale = false;
        let steps = results
            .into_iter()
            .zip(positions)
            .zip(permits)
            .zip(breakers);
        for (((result, to), permit), breaker) in steps {
            let failure = match result {
                Ok(_) => {
                    breaker.record(permit, Instant::now(), None);
                    applied.push(to);
                    continue;
                }
                // Not tried: left to what comes next. Its permit, and those
                // after it, came from closed breakers (checked just before,
                // with no wait between): not probes, so dropping them
                // unrecorded changes nothing.
                Err(StoreError::ChainBroken) => break,
                Err(StoreError::Economy(EconomyConflict::WalletMoved { .. })) => {
                    self.inner.resilience.retried(Target::Wallet);
                    stale = true;
                    None
                }
                // Refused, or the saga moved: the step-by-step path meets
                // it again and handles it.
                Err(e) if e.is_conflict() => None,
                Err(_) => Some("store"),
            };
            breaker.record(permit, Instant::now(), failure);
            break;
        }
        (applied, stale)
    }

    /// Each remaining forward step's batch, chained, with the position it
    /// moves the saga to.
    async fn ahead_batches(&self, saga: &SagaRecord) -> Option<Vec<(CommitBatch, SagaPosition)>> {
        let chain = Chain::new();
        let mut at = saga.clone();
        let mut batches = Vec::new();
        for (index, step) in saga.plan.steps.iter().enumerate().skip(saga.cursor) {
            let version = self.hold_version(saga, step).await.ok()?;
            let writes = steps::forward(&saga.game, &saga.saga_id, &saga.plan, index, version);
            let to = self.forward_to(&at, index);
            let mut batch = self.step_batch(
                &at,
                &step.name(),
                (Phase::Forward, "done"),
                None,
                to.clone(),
                writes,
            );
            batch.chain = Some(chain.clone());
            apply(&mut at, to.clone());
            batches.push((batch, to));
        }
        Some(batches)
    }
}
