//! A match's feed: its committed log entries, each with what it did, as
//! clients stream them ([`FeedItem`]).
//!
//! Two sources, one sequence: the actor broadcasts each entry once its
//! commit returned ([`FeedSender`], live), and [`read`] reads the same
//! entries back from the durable log (resume, audit). Both carry the
//! entry's `seq`, so a client that subscribes first, then reads the log
//! after the last `seq` it saw, then takes live items past the log's last,
//! misses none and sees none twice. Only committed entries are ever sent:
//! a client never sees what a crash could undo.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

use super::db;
use super::error::ArenaError;
use super::record::{LogEntry, corrupt};
use crate::runtime::bindings::types::Effect;
use crate::store::{MatchActionRow, Store};

/// Live items a slow subscriber may fall behind by before it is told it
/// lagged (it then reads the log instead).
pub const FEED_CAPACITY: usize = 1_024;

/// One committed entry of a match's log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeedItem {
    pub match_id: String,
    /// 1, 2, ... per match, without gaps.
    pub seq: i64,
    /// Match time of the entry, in milliseconds.
    pub at_ms: u64,
    pub entry: LogEntry,
    /// What the entry did, as the pinned combat version reported it.
    pub effects: Vec<Effect>,
}

/// The live side of a match's feed.
pub type FeedSender = broadcast::Sender<Arc<FeedItem>>;

/// A new live feed.
pub fn channel() -> FeedSender {
    broadcast::channel(FEED_CAPACITY).0
}

impl FeedItem {
    /// The item of a stored log row.
    pub fn from_row(row: &MatchActionRow) -> Result<Self, ArenaError> {
        let entry = LogEntry::from_row(row)?;
        let effects = match &row.effects {
            Some(json) => serde_json::from_str(json).map_err(|e| corrupt(row, &e))?,
            None => Vec::new(),
        };
        Ok(Self {
            match_id: row.match_id.clone(),
            seq: row.seq,
            at_ms: u64::try_from(row.at_ms).unwrap_or(0),
            entry,
            effects,
        })
    }
}

/// Up to `limit` committed items of a match after `after_seq`, in order.
pub async fn read(
    store: &Store,
    game: &str,
    match_id: &str,
    after_seq: i64,
    limit: u32,
) -> Result<Vec<FeedItem>, ArenaError> {
    db::read_log(store, game, match_id, after_seq, limit)
        .await?
        .iter()
        .map(FeedItem::from_row)
        .collect()
}
