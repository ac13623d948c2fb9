//! The lobby: one queue per game, and the rule that turns a queue into
//! matches. Pure (no I/O, time passed in), so the rule is tested here.
//!
//! Rule: a queue that holds `max_players` starts a match of them at once; a
//! queue that reached `min_players` starts one with everyone waiting (up to
//! the maximum) `lobby_wait_ms` after it reached the minimum. Players leave
//! in the order they joined. A player waits at most once per game.

use std::collections::{BTreeMap, HashSet, VecDeque};

use serde::Serialize;

use super::error::ArenaError;

/// A game's queue as one of its players sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QueueView {
    /// Players waiting.
    pub size: usize,
    /// The player's place in it (1 goes first), if they wait.
    pub position: Option<usize>,
    /// A match starts with this many once the wait runs out, and at once
    /// with `max_players`.
    pub min_players: usize,
    pub max_players: usize,
    /// When the wait runs out (Unix ms), once the queue holds the minimum.
    pub forms_at_ms: Option<i64>,
    /// The first players waiting (as many as one match takes), in the
    /// order they joined.
    pub next: Vec<String>,
}

/// One game's queue.
#[derive(Debug, Default)]
struct Queue {
    waiting: VecDeque<String>,
    members: HashSet<String>,
    /// When the queue last reached the minimum; `None` below it.
    min_reached_at_ms: Option<i64>,
}

/// The queues of every game, with the bounds they form matches by.
#[derive(Debug)]
pub struct Lobby {
    min_players: usize,
    max_players: usize,
    wait_ms: i64,
    max_queued: usize,
    queues: BTreeMap<String, Queue>,
}

impl Lobby {
    pub fn new(min_players: usize, max_players: usize, wait_ms: u64, max_queued: usize) -> Self {
        Self {
            min_players: min_players.max(2),
            max_players: max_players.max(min_players.max(2)),
            wait_ms: i64::try_from(wait_ms).unwrap_or(i64::MAX),
            max_queued,
            queues: BTreeMap::new(),
        }
    }

    /// Queues `player` in `game` at `now_ms`.
    pub fn join(&mut self, game: &str, player: &str, now_ms: i64) -> Result<(), ArenaError> {
        let queue = self.queues.entry(game.to_owned()).or_default();
        if queue.members.contains(player) {
            return Err(ArenaError::AlreadyQueued {
                game: game.into(),
                player: player.into(),
            });
        }
        if queue.waiting.len() >= self.max_queued {
            return Err(ArenaError::QueueFull {
                game: game.into(),
                limit: self.max_queued,
            });
        }
        queue.members.insert(player.to_owned());
        queue.waiting.push_back(player.to_owned());
        Self::mark(queue, self.min_players, now_ms);
        Ok(())
    }

    /// Takes `player` out of `game`'s queue.
    pub fn leave(&mut self, game: &str, player: &str) -> Result<(), ArenaError> {
        let not_queued = || ArenaError::NotQueued {
            game: game.into(),
            player: player.into(),
        };
        let queue = self.queues.get_mut(game).ok_or_else(not_queued)?;
        if !queue.members.remove(player) {
            return Err(not_queued());
        }
        queue.waiting.retain(|p| p != player);
        if queue.waiting.len() < self.min_players {
            queue.min_reached_at_ms = None;
        }
        Ok(())
    }

    /// True if `player` waits in `game`'s queue.
    pub fn is_queued(&self, game: &str, player: &str) -> bool {
        self.queues
            .get(game)
            .is_some_and(|q| q.members.contains(player))
    }

    /// Players waiting in `game`'s queue.
    pub fn waiting(&self, game: &str) -> usize {
        self.queues.get(game).map_or(0, |q| q.waiting.len())
    }

    /// `game`'s queue as `player` sees it.
    pub fn view(&self, game: &str, player: &str) -> QueueView {
        let queue = self.queues.get(game);
        let waiting = queue.map(|q| &q.waiting);
        QueueView {
            size: waiting.map_or(0, VecDeque::len),
            position: waiting
                .and_then(|w| w.iter().position(|p| p == player))
                .map(|at| at + 1),
            min_players: self.min_players,
            max_players: self.max_players,
            forms_at_ms: queue
                .and_then(|q| q.min_reached_at_ms)
                .map(|at| at.saturating_add(self.wait_ms)),
            next: waiting.map_or_else(Vec::new, |w| {
                w.iter().take(self.max_players).cloned().collect()
            }),
        }
    }

    /// The matches due at `now_ms`, as (game, players in join order), taken
    /// out of their queues.
    pub fn form(&mut self, now_ms: i64) -> Vec<(String, Vec<String>)> {
        let mut formed = Vec::new();
        for (game, queue) in &mut self.queues {
            loop {
                let full = queue.waiting.len() >= self.max_players;
                let waited = queue
                    .min_reached_at_ms
                    .is_some_and(|at| now_ms.saturating_sub(at) >= self.wait_ms);
                if !full && !waited {
                    break;
                }
                let take = queue.waiting.len().min(self.max_players);
                let players: Vec<String> = queue.waiting.drain(..take).collect();
                for p in &players {
                    queue.members.remove(p);
                }
                queue.min_reached_at_ms = None;
                Self::mark(queue, self.min_players, now_ms);
                formed.push((game.clone(), players));
            }
        }
        formed
    }

    /// When the next match forms by waiting, if a queue is at its minimum.
    pub fn next_due_ms(&self) -> Option<i64> {
        self.queues
            .values()
            .filter_map(|q| q.min_reached_at_ms)
            .min()
            .map(|at| at.saturating_add(self.wait_ms))
    }

    fn mark(queue: &mut Queue, min_players: usize, now_ms: i64) {
        if queue.waiting.len() >= min_players && queue.min_reached_at_ms.is_none() {
            queue.min_reached_at_ms = Some(now_ms);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lobby() -> Lobby {
        Lobby::new(2, 6, 5_000, 100)
    }

    #[test]
    fn the_queue_shows_its_size_the_players_place_and_when_it_forms() {
        let mut l = lobby();
        assert_eq!(l.view("g", "ann").size, 0);
        l.join("g", "ann", 100).expect("joins");
        let alone = l.view("g", "ann");
        assert_eq!(
            (alone.size, alone.position, alone.forms_at_ms),
            (1, Some(1), None)
        );
        l.join("g", "bob", 200).expect("joins");
        let bob = l.view("g", "bob");
        assert_eq!(bob.size, 2);
        assert_eq!(bob.position, Some(2));
        assert_eq!(bob.forms_at_ms, Some(5_200));
        assert_eq!(bob.next, ["ann", "bob"]);
        assert_eq!((bob.min_players, bob.max_players), (2, 6));
        assert_eq!(l.view("g", "cid").position, None);
        l.leave("g", "ann").expect("leaves");
        let left = l.view("g", "bob");
        assert_eq!(
            (left.size, left.position, left.forms_at_ms),
            (1, Some(1), None)
        );
    }

    #[test]
    fn one_player_alone_never_gets_a_match() {
        let mut l = lobby();
        l.join("g", "ann", 0).expect("joins");
        assert!(l.form(1_000_000).is_empty());
        assert_eq!(l.next_due_ms(), None);
    }

    #[test]
    fn two_players_start_after_the_wait_counted_from_the_second_join() {
        let mut l = lobby();
        l.join("g", "ann", 0).expect("joins");
        l.join("g", "bob", 1_000).expect("joins");
        assert_eq!(l.next_due_ms(), Some(6_000));
        assert!(l.form(5_999).is_empty());
        let formed = l.form(6_000);
        assert_eq!(formed, vec![("g".into(), vec!["ann".into(), "bob".into()])]);
        assert_eq!(l.waiting("g"), 0);
    }

    #[test]
    fn a_full_queue_starts_at_once_and_the_seventh_waits() {
        let mut l = lobby();
        for (i, p) in ["a", "b", "c", "d", "e", "f", "g"].iter().enumerate() {
            l.join("g", p, i as i64).expect("joins");
        }
        let formed = l.form(6);
        assert_eq!(formed.len(), 1);
        assert_eq!(formed[0].1.len(), 6);
        assert_eq!(l.waiting("g"), 1);
        assert!(l.is_queued("g", "g"));
    }

    #[test]
    fn joining_twice_is_refused_and_leaving_resets_the_wait() {
        let mut l = lobby();
        l.join("g", "ann", 0).expect("joins");
        let err = l.join("g", "ann", 1).unwrap_err();
        assert!(matches!(err, ArenaError::AlreadyQueued { .. }), "{err}");
        l.join("g", "bob", 2).expect("joins");
        l.leave("g", "bob").expect("leaves");
        assert!(l.form(100_000).is_empty(), "below the minimum again");
        assert!(matches!(
            l.leave("g", "bob"),
            Err(ArenaError::NotQueued { .. })
        ));
    }

    #[test]
    fn a_full_queue_refuses_the_next_player() {
        let mut l = Lobby::new(2, 6, 5_000, 1);
        l.join("g", "ann", 0).expect("joins");
        assert!(matches!(
            l.join("g", "bob", 0),
            Err(ArenaError::QueueFull { limit: 1, .. })
        ));
    }
}
