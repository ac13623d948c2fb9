//! The tournament's boards: a group's standings (every member, at most the
//! group size) and the whole tournament's top ([`TournamentConfig::global_board_size`],
//! the seed's 1000), each with the rank of every row (score descending,
//! then the earlier entry, then the player id: no ties).
//!
//! A board is read from the participants' rows and kept in memory for its
//! freshness window on the tournament's clock (a group's
//! `group_board_fresh_ms`, the seed's 5 s; the top's
//! `global_board_fresh_ms`, 30 s): a score is on its board at most that
//! long after its consumer applied it. A board carries `as_of_ms`, the
//! instant it was read. At most `max_cached_boards` are kept (the stale
//! ones go first, then all); a tournament's boards are dropped when it is
//! made final, so final ranks show at once.
//!
//! [`TournamentConfig::global_board_size`]: super::TournamentConfig::global_board_size

use std::collections::HashMap;
use std::sync::Arc;

use parking_lot::Mutex;
use serde::Serialize;

use super::Tournaments;
use super::db::{self, BoardRow};
use super::error::TournamentError;

/// One row of a board.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Standing {
    /// 1 is first.
    pub rank: u64,
    pub player: String,
    pub name: Option<String>,
    pub group: i64,
    pub score: i64,
}

/// A board as read at `as_of_ms`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Board {
    pub tournament: String,
    /// The group, or `None` for the whole tournament's top.
    pub group: Option<i64>,
    /// True once the tournament is final: the ranks are its final ranks.
    #[serde(rename = "final")]
    pub is_final: bool,
    pub as_of_ms: i64,
    pub standings: Vec<Standing>,
}

impl Board {
    fn of(
        tournament: &str,
        group: Option<i64>,
        is_final: bool,
        at: i64,
        rows: Vec<BoardRow>,
    ) -> Self {
        Self {
            tournament: tournament.to_owned(),
            group,
            is_final,
            as_of_ms: at,
            standings: rows
                .into_iter()
                .zip(1u64..)
                .map(|(r, rank)| Standing {
                    rank,
                    player: r.player,
                    name: r.name,
                    group: r.group,
                    score: r.score,
                })
                .collect(),
        }
    }

    /// `player`'s row, if they are on the board.
    pub fn standing_of(&self, player: &str) -> Option<&Standing> {
        self.standings.iter().find(|s| s.player == player)
    }
}

/// Which board: a game's tournament, one group or (`None`) the top.
type Key = (String, String, Option<i64>);

/// The boards kept in memory.
pub(crate) struct Boards {
    kept: Mutex<HashMap<Key, Arc<Board>>>,
    max: usize,
}

impl Boards {
    pub(crate) fn new(max: usize) -> Self {
        Self {
            kept: Mutex::new(HashMap::new()),
            max: max.max(1),
        }
    }

    /// The board of `key` read within `fresh_ms` before `now`.
    fn fresh(&self, key: &Key, now: i64, fresh_ms: u64) -> Option<Arc<Board>> {
        let kept = self.kept.lock();
        let board = kept.get(key)?;
        (now.saturating_sub(board.as_of_ms) < fresh_ms as i64).then(|| board.clone())
    }

    fn keep(&self, key: Key, board: Arc<Board>, now: i64, fresh_ms: u64) {
        let mut kept = self.kept.lock();
        if kept.len() >= self.max {
            kept.retain(|_, b| now.saturating_sub(b.as_of_ms) < fresh_ms as i64);
            if kept.len() >= self.max {
                kept.clear();
            }
        }
        kept.insert(key, board);
    }

    /// Drops every board of `tournament` of `game`.
    pub(crate) fn forget(&self, game: &str, tournament: &str) {
        self.kept
            .lock()
            .retain(|(g, t, _), _| g != game || t != tournament);
    }
}

impl Tournaments {
    /// Group `group` of tournament `id`, at most `group_board_fresh_ms` old.
    pub async fn group_board(
        &self,
        game: &str,
        id: &str,
        group: i64,
    ) -> Result<Arc<Board>, TournamentError> {
        self.board(game, id, Some(group), false).await
    }

    /// The top of tournament `id`, at most `global_board_fresh_ms` old.
    pub async fn top(&self, game: &str, id: &str) -> Result<Arc<Board>, TournamentError> {
        self.board(game, id, None, false).await
    }

    /// A board from memory if fresh (and `reread` is false), else read now.
    pub(crate) async fn board(
        &self,
        game: &str,
        id: &str,
        group: Option<i64>,
        reread: bool,
    ) -> Result<Arc<Board>, TournamentError> {
        let fresh_ms = match group {
            Some(_) => self.config.group_board_fresh_ms,
            None => self.config.global_board_fresh_ms,
        };
        let now = self.now_ms();
        let key = (game.to_owned(), id.to_owned(), group);
        if !reread && let Some(board) = self.boards.fresh(&key, now, fresh_ms) {
            return Ok(board);
        }
        let t = self.read(game, id).await?;
        if let Some(g) = group
            && !(1..=t.group_count).contains(&g)
        {
            return Err(TournamentError::UnknownGroup {
                day: t.tournament.clone(),
                group: g,
            });
        }
        let key = (game.to_owned(), t.tournament.clone(), group);
        let rows = match group {
            Some(g) => {
                db::group_board(&self.store, game, &t.tournament, g, t.rules.group_size).await?
            }
            None => {
                db::top(
                    &self.store,
                    game,
                    &t.tournament,
                    self.config.global_board_size,
                )
                .await?
            }
        };
        let board = Arc::new(Board::of(&t.tournament, group, t.is_final(), now, rows));
        self.boards.keep(key, board.clone(), now, fresh_ms);
        Ok(board)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn board(at: i64) -> Arc<Board> {
        Arc::new(Board::of("2026-05-01", Some(1), false, at, Vec::new()))
    }

    fn key(group: i64) -> Key {
        ("default".into(), "2026-05-01".into(), Some(group))
    }

    #[test]
    fn a_board_is_served_from_memory_only_while_fresh_and_memory_is_bounded() {
        let boards = Boards::new(2);
        boards.keep(key(1), board(1_000), 1_000, 5_000);
        assert!(boards.fresh(&key(1), 5_999, 5_000).is_some());
        assert!(boards.fresh(&key(1), 6_000, 5_000).is_none(), "5 s old");
        boards.keep(key(2), board(1_000), 1_000, 5_000);
        boards.keep(key(3), board(9_000), 9_000, 5_000);
        assert!(boards.kept.lock().len() <= 2, "bounded");
        assert!(boards.fresh(&key(3), 9_000, 5_000).is_some());
        boards.forget("default", "2026-05-01");
        assert!(boards.kept.lock().is_empty());
    }

    #[test]
    fn ranks_follow_the_rows_order_without_ties() {
        let rows = (0..3)
            .map(|i| BoardRow {
                player: format!("p{i}"),
                name: None,
                group: 1,
                score: 10,
            })
            .collect();
        let b = Board::of("2026-05-01", Some(1), true, 0, rows);
        let ranks: Vec<u64> = b.standings.iter().map(|s| s.rank).collect();
        assert_eq!(ranks, [1, 2, 3]);
        assert_eq!(b.standing_of("p2").map(|s| s.rank), Some(3));
    }
}
