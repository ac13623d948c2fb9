//! Leases: single-writer ownership of a named unit of work (a match, the
//! outbox relay) across host processes that share one database.
//!
//! A lease has one owner until it expires; then anyone may take it, and the
//! taking starts a new tenure with a higher `fence`. Every change is a
//! compare-and-set in one statement, so two hosts never both win. Expiry is
//! judged by the caller's clock (`now_ms`): lease durations must dwarf the
//! clock skew between hosts. Fencing covers the rest: a writer puts its
//! [`Lease`] in [`super::CommitBatch::fence`], and a batch whose writer lost
//! the lease (another tenure began) fails with
//! [`super::StoreError::LeaseLost`] instead of writing.

use serde::{Deserialize, Serialize};

/// A held lease, as returned by acquire and renew.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lease {
    pub game: String,
    pub name: String,
    pub owner: String,
    /// Grows by one with every new tenure (never on renewal).
    pub fence: i64,
    pub expires_at_ms: i64,
}

/// The outcome of an attempt to take a lease.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum LeaseAcquire {
    /// The caller holds it now (a new tenure, or its live one extended).
    Acquired(Lease),
    /// Someone else holds it until `expires_at_ms`.
    Held(Lease),
}

impl LeaseAcquire {
    /// The lease if the caller got it.
    pub fn acquired(self) -> Option<Lease> {
        match self {
            Self::Acquired(lease) => Some(lease),
            Self::Held(_) => None,
        }
    }
}
