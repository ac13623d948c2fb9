//! A chain of batches: each written on top of the one before it, so each
//! may commit only if the one before it did.
//!
//! A single writer that runs ahead of its commits (the match actor steps
//! its next action while the last one commits) hands the batches of one
//! run to the committer in order, each holding a clone of the same
//! [`Chain`]. The first that fails breaks the chain; every later batch of
//! it then fails with [`StoreError::ChainBroken`] without being tried, so
//! nothing written on top of a failed batch is ever committed. The checks
//! happen where a group is committed (`sql.rs`: in the group, in its
//! one-by-one retry, and when the whole group fails) and where a batch is
//! refused before queueing (`group.rs`).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::error::StoreError;

/// One run of chained batches; clones share it.
#[derive(Debug, Clone, Default)]
pub struct Chain(Arc<AtomicBool>);

impl Chain {
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether a batch of the chain failed.
    pub fn is_broken(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }

    pub(crate) fn break_off(&self) {
        self.0.store(true, Ordering::Release);
    }
}

/// Chains compare by identity: two batches are of one chain if they share it.
impl PartialEq for Chain {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for Chain {}

/// `Err(ChainBroken)` if `chain` is broken: its batch is not to be tried.
pub(crate) fn intact(chain: Option<&Chain>) -> Result<(), StoreError> {
    match chain {
        Some(chain) if chain.is_broken() => Err(StoreError::ChainBroken),
        _ => Ok(()),
    }
}

/// Takes a batch's result in: a failure breaks its chain.
pub(crate) fn settle<T>(chain: Option<&Chain>, result: &Result<T, StoreError>) {
    if let (Some(chain), Err(_)) = (chain, result) {
        chain.break_off();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_breaks_the_chain_for_every_later_batch() {
        let chain = Chain::new();
        let later = chain.clone();
        settle(Some(&chain), &Ok(()));
        assert!(intact(Some(&later)).is_ok());
        settle::<()>(Some(&chain), &Err(StoreError::Closed));
        assert!(matches!(intact(Some(&later)), Err(StoreError::ChainBroken)));
        assert!(intact(None).is_ok(), "an unchained batch");
        assert_ne!(chain, Chain::new());
        assert_eq!(chain, later);
    }
}
