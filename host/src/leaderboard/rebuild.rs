//! Rebuilding the board from the event log: the read model is disposable,
//! the log is the truth.
//!
//! [`rebuild`], in order: deletes the game's rows and the records of the
//! events the `leaderboard` group processed in that game (one transaction),
//! then moves the group's offsets in `match-events` back to the first record
//! the bus still keeps, the operator's "earliest" reset
//! ([`Bus::reset_to_time`] at time 0, as `crate::admin::events` does). The
//! running consumer notices the reset (its next offset move fails,
//! [`Bus::advance_offset`]) and applies every retained `MatchFinished` again.
//!
//! It reaches as far back as the bus's retention keeps events
//! (`bus.retention_ms`, or the broker's topic retention): matches finished
//! before that are gone from the rebuilt board. Their processed records,
//! kept a day longer than the log, are deleted with the rest, so nothing
//! retained is skipped.
//!
//! While it runs the board is partial; reads see it fill up again. The
//! `ScoreAdded` events are emitted again, under new ids (see
//! [`super::projection`]). One race is left to the operator: an event at
//! the very offset a partition is reset to, committed by a round of the
//! running consumer just before the wipe and moved past just after the
//! reset, is not applied again (the reset left the offset where that round
//! expects it). Rebuilding while the group's consumer is stopped or caught
//! up rules it out.

use super::error::LeaderboardError;
use super::{GROUP, db};
use crate::arena::MATCH_EVENTS;
use crate::bus::Bus;
use crate::store::Store;

/// What a rebuild deleted before the group reads the log again.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Rebuilt {
    /// Rows of the board.
    pub rows_deleted: u64,
    /// Records of events the group had applied.
    pub processed_deleted: u64,
}

/// Wipes `game`'s board and sends the `leaderboard` group back to the start
/// of the retained log, which the running consumer then applies again.
/// `store` is the database of the board (and of `bus`'s offsets).
pub async fn rebuild(
    store: &Store,
    bus: &dyn Bus,
    game: &str,
    now_ms: i64,
) -> Result<Rebuilt, LeaderboardError> {
    let (rows_deleted, processed_deleted) = db::wipe(store, game, GROUP).await?;
    bus.reset_to_time(game, GROUP, MATCH_EVENTS, 0, now_ms)
        .await?;
    tracing::info!(%game, rows_deleted, processed_deleted,
        "leaderboard wiped; its group reads match-events again from the earliest retained event");
    Ok(Rebuilt {
        rows_deleted,
        processed_deleted,
    })
}
