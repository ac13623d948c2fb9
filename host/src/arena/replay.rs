//! Rebuilding a match from its durable action log: setup, then every logged
//! entry in `seq` order, through the version the match is pinned to and no
//! other ([`Combat::pinned`]). Same log, same version: same state, because
//! the component is deterministic and every call's seed and time come from
//! the log (DESIGN.md, "components decide, the host commits").
//!
//! Used when a host starts or takes over a match whose lease expired
//! (crash recovery), and to audit a match without owning it.

use std::sync::Arc;

use super::combat::Combat;
use super::db;
use super::error::ArenaError;
use super::live::Live;
use super::record::{LogEntry, MatchRecord};
use crate::runtime::Runtime;
use crate::store::Store;

/// The match `record` describes, rebuilt from its log.
pub async fn rebuild(
    runtime: Arc<Runtime>,
    store: &Store,
    record: MatchRecord,
) -> Result<Live, ArenaError> {
    let combat = Combat::pinned(runtime, &record)?;
    let (game, match_id) = (record.game.clone(), record.match_id.clone());
    let mut live = combat
        .blocking(move |combat| Live::start(record, combat.clone()))
        .await?;
    loop {
        let rows = db::read_log(
            store,
            &game,
            &match_id,
            live.next_seq - 1,
            db::LOG_PAGE_ROWS,
        )
        .await?;
        if rows.is_empty() {
            return Ok(live);
        }
        let entries = rows
            .iter()
            .map(|row| Ok((row.seq, LogEntry::from_row(row)?)))
            .collect::<Result<Vec<_>, ArenaError>>()?;
        live = live
            .combat
            .clone()
            .blocking(move |_| {
                for (seq, entry) in entries {
                    live.apply(seq, entry)?;
                }
                Ok(live)
            })
            .await?;
    }
}
