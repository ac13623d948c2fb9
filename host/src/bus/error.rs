//! The one error type of the bus.

use crate::store::StoreError;

/// What can go wrong on the bus. Cheap to clone.
#[derive(Debug, Clone, thiserror::Error)]
pub enum BusError {
    /// The database under the embedded log failed, or a consumer's commit.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// An event names a topic the bus does not carry.
    #[error("unknown topic `{0}`: the topics are {topics}", topics = crate::runtime::effects::TOPICS.join(", "))]
    UnknownTopic(String),
    /// No dead letter has this id.
    #[error("no dead letter {0}")]
    NoDeadLetter(i64),
    /// The dead letter was replayed already.
    #[error("dead letter {0} was already replayed")]
    AlreadyReplayed(i64),
    /// The store's backend has no SQL pool to keep the log in.
    #[error("the store's backend keeps no SQL database for the embedded log")]
    NoPool,
    /// The Kafka cluster failed or refused a request.
    #[error("kafka {what} failed: {why}")]
    Broker { what: &'static str, why: String },
    /// A stored row could not be read back.
    #[error("corrupt {what}: {why}")]
    Corrupt { what: &'static str, why: String },
}

impl From<sqlx::Error> for BusError {
    fn from(e: sqlx::Error) -> Self {
        Self::Store(e.into())
    }
}
