//! One match's committed entries after a `seq`, for one client: strictly
//! in `seq` order, without a gap and without a duplicate
//! ([`MatchEntries`]).
//!
//! It subscribes to the match's live feed first (if the match runs here),
//! then reads the durable log after the client's last `seq`, page by page,
//! then takes live items past the last one sent. A live item older than
//! that is skipped; one that jumps past the next `seq`, or a feed that
//! reports it lagged, sends it back to the log for the gap. A match with
//! no feed here (finished, or run by another host) is read from its log to
//! its end: a finished match up to its `finish` entry, a running one again
//! every [`LOG_POLL_MS`], watching for its feed to appear here.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::broadcast::{self, error::RecvError};
use tokio::time::Instant;

use super::{LOG_PAGE, LOG_POLL_MS};
use crate::arena::feed::FeedItem;
use crate::arena::record::{LogEntry, MatchStatus};
use crate::arena::{Arena, ArenaError};

/// Where the stream of a match stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Read the log after the last `seq` sent.
    Log,
    /// Take items from the live feed.
    Live,
    /// Read the log again at this instant (no feed here, or after an error).
    Wait(Instant),
    /// The `finish` entry is sent: nothing follows.
    Done,
}

/// Where a live item falls against the last `seq` sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// Sent already.
    Old,
    /// The next one.
    Next,
    /// Past the next one: the entries between are read from the log.
    Gap,
}

/// Where the item `seq` falls after `last`.
pub fn place(last: i64, seq: i64) -> Place {
    if seq <= last {
        Place::Old
    } else if seq - 1 == last {
        Place::Next
    } else {
        Place::Gap
    }
}

/// The entries of one match after a `seq`, as one client receives them.
///
/// [`MatchEntries::next`] is cancel-safe: its state changes only once an
/// await has completed, so a `select!` may drop it at any await.
pub struct MatchEntries {
    game: String,
    match_id: String,
    /// The last `seq` handed out.
    last: i64,
    live: Option<broadcast::Receiver<Arc<FeedItem>>>,
    mode: Mode,
}

impl MatchEntries {
    /// The entries of `match_id` after `after`: subscribes to its live feed
    /// now, before any read of its log.
    pub fn new(arena: &Arena, game: &str, match_id: &str, after: i64) -> Self {
        Self {
            game: game.to_owned(),
            match_id: match_id.to_owned(),
            last: after.max(0),
            live: arena.subscribe(game, match_id),
            mode: Mode::Log,
        }
    }

    pub fn match_id(&self) -> &str {
        &self.match_id
    }

    /// The next entries, at least one, in order; pending for ever once the
    /// match's `finish` entry was handed out. An error leaves the stream
    /// where it was; it is read again after [`LOG_POLL_MS`].
    pub async fn next(&mut self, arena: &Arena) -> Result<Vec<Arc<FeedItem>>, ArenaError> {
        loop {
            match self.mode {
                Mode::Done => return std::future::pending().await,
                Mode::Wait(at) => {
                    tokio::time::sleep_until(at).await;
                    if self.live.is_none() {
                        // Taken over by this host since?
                        self.live = arena.subscribe(&self.game, &self.match_id);
                    }
                    self.mode = Mode::Log;
                }
                Mode::Log => match self.read_log(arena).await {
                    Ok(items) if items.is_empty() => {}
                    Ok(items) => return Ok(items),
                    Err(e) => {
                        self.mode = Mode::Wait(poll_at());
                        return Err(e);
                    }
                },
                Mode::Live => {
                    let Some(live) = self.live.as_mut() else {
                        self.mode = Mode::Log;
                        continue;
                    };
                    match live.recv().await {
                        Ok(item) => match place(self.last, item.seq) {
                            Place::Old => {}
                            Place::Next => return Ok(self.hand_out(vec![item])),
                            Place::Gap => self.mode = Mode::Log,
                        },
                        Err(RecvError::Lagged(_)) => self.mode = Mode::Log,
                        Err(RecvError::Closed) => {
                            // The actor ended (finished, stopped, moved):
                            // the log has the rest.
                            self.live = None;
                            self.mode = Mode::Log;
                        }
                    }
                }
            }
        }
    }

    /// One page of the log after the last `seq`, and the mode after it.
    async fn read_log(&mut self, arena: &Arena) -> Result<Vec<Arc<FeedItem>>, ArenaError> {
        // With no feed, the status is read before the log: a match that was
        // finished then has its `finish` entry in the page that follows.
        let finished = match self.live {
            Some(_) => false,
            None => arena.record(&self.game, &self.match_id).await?.status == MatchStatus::Finished,
        };
        let page = arena
            .feed_since(&self.game, &self.match_id, self.last, LOG_PAGE)
            .await?;
        if page.len() < LOG_PAGE as usize {
            self.mode = match (&self.live, finished) {
                (Some(_), _) => Mode::Live,
                (None, true) => Mode::Done,
                (None, false) => Mode::Wait(poll_at()),
            };
        }
        let fresh = page
            .into_iter()
            .filter(|item| item.seq > self.last)
            .map(Arc::new)
            .collect();
        Ok(self.hand_out(fresh))
    }

    /// Records `items` as handed out, up to a `finish` entry.
    fn hand_out(&mut self, mut items: Vec<Arc<FeedItem>>) -> Vec<Arc<FeedItem>> {
        if let Some(end) = items
            .iter()
            .position(|item| matches!(item.entry, LogEntry::Finish { .. }))
        {
            items.truncate(end + 1);
            self.mode = Mode::Done;
            self.live = None;
        }
        if let Some(item) = items.last() {
            self.last = item.seq;
        }
        items
    }
}

fn poll_at() -> Instant {
    Instant::now() + Duration::from_millis(LOG_POLL_MS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_live_item_is_skipped_if_sent_taken_if_next_and_a_gap_otherwise() {
        assert_eq!(place(4, 3), Place::Old);
        assert_eq!(place(4, 4), Place::Old);
        assert_eq!(place(4, 5), Place::Next);
        assert_eq!(place(4, 7), Place::Gap);
        assert_eq!(place(0, 1), Place::Next);
        assert_eq!(place(i64::MAX, i64::MAX), Place::Old, "no overflow");
        assert_eq!(place(i64::MIN, i64::MAX), Place::Gap, "no overflow");
    }
}
