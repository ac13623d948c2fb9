//! The leaderboard's one error type, [`LeaderboardError`], each case noted
//! with the HTTP status it maps to.

use crate::bus::BusError;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum LeaderboardError {
    /// A parameter is out of range, such as a page over [`super::MAX_TOP`]
    /// (400).
    #[error("invalid {what}: {why}")]
    Invalid { what: &'static str, why: String },
    /// The store failed, or its backend keeps no SQL database (500/503).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The bus failed to move the group's offsets (503).
    #[error(transparent)]
    Bus(#[from] BusError),
}

impl LeaderboardError {
    pub(crate) fn invalid(what: &'static str, why: impl Into<String>) -> Self {
        Self::Invalid {
            what,
            why: why.into(),
        }
    }
}
