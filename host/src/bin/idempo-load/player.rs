//! One load player: its session, its pool of stamps, the match it fights
//! in, and the workers ([`work`]) that send its actions, `concurrency` of
//! them at once.
//!
//! A stamp leaves the pool for one action and goes back if the action
//! changed nothing (refused by the rules, the match over, back-pressure);
//! it is dropped once spent, or when the answer leaves it unknown (a 5xx,
//! no answer). A pool that runs low is refilled by one background grant of
//! [`Plan::refill_batch`] stamps; a worker that finds it empty waits for it.
//! A match that ends (409 `match-over`, `dead-fighter`) sends the player
//! back to the lobby; one worker re-joins while the others wait for it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use serde_json::Value;

use crate::client::{Answer, Api, Seat, Session};
use crate::stats::Stats;

/// How often a queued player looks at the lobby.
const LOBBY_POLL: Duration = Duration::from_millis(50);
/// How long a player that joined the queue may be seen neither queued nor
/// seated (its match starting) before it joins again.
const REQUEUE_AFTER: Duration = Duration::from_secs(10);
/// How long a worker waits before it tries again after a failure.
const BACKOFF: Duration = Duration::from_millis(20);

/// The directions a moving fighter tries, in order; an accepted move is
/// followed by its opposite (`i ^ 1`), a refused one by the next.
const DIRECTIONS: [&str; 4] = ["north", "south", "east", "west"];

/// Which actions the players send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ActionMode {
    /// `defend` every time (the classic rules refuse it once the shield is
    /// full, at 30: most answers are then 422 `action-rejected`).
    Defend,
    /// Steps back and forth (north, south, ...; another way when refused):
    /// nearly every action is accepted.
    Move,
}

/// What every worker of a run shares.
pub struct Plan {
    pub stamped: bool,
    pub mode: ActionMode,
    /// When workers stop sending.
    pub deadline: Instant,
    /// A pool with fewer stamps than this is refilled.
    pub refill_below: usize,
    /// Stamps one refill grants (at most the host's grant limit).
    pub refill_batch: u64,
    /// Prefix of this run's names and grant keys.
    pub run_id: String,
}

/// One player of the run.
pub struct Player {
    pub index: usize,
    pub session: Session,
    stamps: Mutex<Vec<String>>,
    /// The match the player fights in, once found.
    seat: Mutex<Option<String>>,
    /// Held by the one worker that looks for a match.
    finding: tokio::sync::Mutex<()>,
    refilling: AtomicBool,
    refills: AtomicU64,
    refilled: AtomicU64,
    direction: AtomicUsize,
}

impl Player {
    pub fn new(index: usize, session: Session) -> Self {
        Self {
            index,
            session,
            stamps: Mutex::new(Vec::new()),
            seat: Mutex::new(None),
            finding: tokio::sync::Mutex::new(()),
            refilling: AtomicBool::new(false),
            refills: AtomicU64::new(0),
            refilled: AtomicU64::new(0),
            direction: AtomicUsize::new(0),
        }
    }

    pub fn add_stamps(&self, stamps: Vec<String>) {
        self.stamps.lock().extend(stamps);
    }

    pub fn match_id(&self) -> Option<String> {
        self.seat.lock().clone()
    }

    /// Stamps granted by refills during the run.
    pub fn refilled(&self) -> u64 {
        self.refilled.load(Ordering::Relaxed)
    }

    /// Seats the player in a running match other than `over` (the one that
    /// just ended, if any), joining the lobby and waiting in it; gives up
    /// at `deadline`. Another worker's find in the meantime counts.
    pub async fn find_match(
        &self,
        api: &Api,
        over: Option<&str>,
        deadline: Instant,
    ) -> anyhow::Result<()> {
        let _turn = self.finding.lock().await;
        {
            let mut seat = self.seat.lock();
            match seat.as_deref() {
                Some(id) if Some(id) != over => return Ok(()),
                _ => *seat = None,
            }
        }
        let mut seat = api.join(&self.session).await?;
        // When the player last joined the queue: while its match is being
        // started it is neither queued nor seated, and joining again then
        // would queue it for a second match.
        let mut queued_at = (seat == Seat::Queued).then(Instant::now);
        loop {
            match seat {
                Seat::Match(id) if Some(id.as_str()) != over => {
                    *self.seat.lock() = Some(id);
                    return Ok(());
                }
                Seat::Nowhere if queued_at.is_none_or(|at| at.elapsed() > REQUEUE_AFTER) => {
                    seat = api.join(&self.session).await?;
                    queued_at = (seat == Seat::Queued).then(Instant::now);
                }
                // Queued, starting, or the lobby still shows the match
                // that ended.
                Seat::Match(_) | Seat::Queued | Seat::Nowhere => {
                    if Instant::now() >= deadline {
                        return Ok(());
                    }
                    tokio::time::sleep(LOBBY_POLL).await;
                    seat = api.seat(&self.session).await?;
                    if seat == Seat::Queued {
                        queued_at = Some(Instant::now());
                    }
                }
            }
        }
    }

    fn take_stamp(&self) -> Option<String> {
        self.stamps.lock().pop()
    }

    fn put_back(&self, stamp: Option<String>) {
        if let Some(stamp) = stamp {
            self.stamps.lock().push(stamp);
        }
    }

    fn stamps_left(&self) -> usize {
        self.stamps.lock().len()
    }

    /// Starts one background refill unless one runs.
    fn refill(self: &Arc<Self>, api: &Api, plan: &Plan) {
        if self.refilling.swap(true, Ordering::AcqRel) {
            return;
        }
        let n = self.refills.fetch_add(1, Ordering::Relaxed);
        let key = format!("{}-{}-refill-{n}", plan.run_id, self.index);
        let (player, api, batch) = (self.clone(), api.clone(), plan.refill_batch);
        tokio::spawn(async move {
            match api
                .grant_stamps(&player.session.player_id, &key, batch)
                .await
            {
                Ok(stamps) => {
                    player
                        .refilled
                        .fetch_add(stamps.len() as u64, Ordering::Relaxed);
                    player.add_stamps(stamps);
                }
                Err(e) => eprintln!("idempo-load: refilling player {}: {e:#}", player.index),
            }
            player.refilling.store(false, Ordering::Release);
        });
    }

    /// The next action to send.
    fn action(&self, mode: ActionMode) -> Value {
        match mode {
            ActionMode::Defend => serde_json::json!({ "type": "defend" }),
            ActionMode::Move => {
                let d = self.direction.load(Ordering::Relaxed) % DIRECTIONS.len();
                serde_json::json!({ "type": "move", "direction": DIRECTIONS[d] })
            }
        }
    }

    /// Learns from an answer which way to move next.
    fn steer(&self, accepted: bool) {
        let d = self.direction.load(Ordering::Relaxed) % DIRECTIONS.len();
        let next = if accepted {
            d ^ 1
        } else {
            (d + 1) % DIRECTIONS.len()
        };
        self.direction.store(next, Ordering::Relaxed);
    }
}

/// What an answer means for the stamp it carried and the player's match.
enum After {
    /// The stamp was spent (or never sent).
    Spent,
    /// Nothing changed: the stamp goes back to the pool.
    Unchanged,
    /// The match is over for this player: back to the lobby.
    MatchOver,
    /// Unknown whether anything changed: the stamp is dropped.
    Unknown,
}

fn after(answer: &Answer) -> After {
    match answer {
        Answer::Accepted { .. } => After::Spent,
        Answer::Refused { status, kind } => match (*status, kind.as_str()) {
            (409, "match-over" | "dead-fighter") | (403, "not-a-member") => After::MatchOver,
            (404, "unknown-match") => After::MatchOver,
            (409, "stamp-unavailable") => After::Spent,
            (s, _) if s >= 500 && kind != "match-busy" => After::Unknown,
            _ => After::Unchanged,
        },
        Answer::Transport(_) => After::Unknown,
    }
}

/// One worker of `player`: actions until the plan's deadline; its counts.
pub async fn work(player: Arc<Player>, api: Api, plan: Arc<Plan>) -> Stats {
    let mut stats = Stats::default();
    while Instant::now() < plan.deadline {
        let Some(match_id) = player.match_id() else {
            if let Err(e) = player.find_match(&api, None, plan.deadline).await {
                eprintln!("idempo-load: player {} finds no match: {e:#}", player.index);
                tokio::time::sleep(BACKOFF).await;
            }
            continue;
        };
        let stamp = if plan.stamped {
            if player.stamps_left() < plan.refill_below {
                player.refill(&api, &plan);
            }
            match player.take_stamp() {
                Some(stamp) => Some(stamp),
                None => {
                    tokio::time::sleep(BACKOFF).await;
                    continue;
                }
            }
        } else {
            None
        };
        let action = player.action(plan.mode);
        let key = uuid::Uuid::now_v7().to_string();
        let started = Instant::now();
        let answer = api
            .act(&player.session, &match_id, &key, &action, stamp.as_deref())
            .await;
        stats.record(&answer, started.elapsed());
        player.steer(matches!(answer, Answer::Accepted { .. }));
        match after(&answer) {
            After::Spent => {}
            After::Unchanged => {
                player.put_back(stamp);
                if let Answer::Refused {
                    status: 429 | 503, ..
                } = answer
                {
                    tokio::time::sleep(BACKOFF).await;
                }
            }
            After::MatchOver => {
                player.put_back(stamp);
                stats.rejoins += 1;
                if let Err(e) = player
                    .find_match(&api, Some(&match_id), plan.deadline)
                    .await
                {
                    eprintln!("idempo-load: player {} cannot re-join: {e:#}", player.index);
                    tokio::time::sleep(BACKOFF).await;
                }
            }
            After::Unknown => {
                if matches!(answer, Answer::Transport(_)) {
                    tokio::time::sleep(BACKOFF).await;
                }
            }
        }
    }
    stats
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(status: u16, kind: &str) -> Answer {
        Answer::Refused {
            status,
            kind: kind.into(),
        }
    }

    #[test]
    fn a_stamp_goes_back_only_when_nothing_changed() {
        assert!(matches!(
            after(&Answer::Accepted { replayed: false }),
            After::Spent
        ));
        assert!(matches!(
            after(&refused(422, "action-rejected")),
            After::Unchanged
        ));
        assert!(matches!(
            after(&refused(503, "match-busy")),
            After::Unchanged
        ));
        assert!(matches!(
            after(&refused(409, "match-over")),
            After::MatchOver
        ));
        assert!(matches!(
            after(&refused(409, "dead-fighter")),
            After::MatchOver
        ));
        assert!(matches!(after(&refused(500, "internal")), After::Unknown));
        assert!(matches!(
            after(&Answer::Transport("reset".into())),
            After::Unknown
        ));
    }

    #[test]
    fn a_mover_steps_back_after_a_step_and_turns_when_refused() {
        let player = Player::new(
            0,
            Session {
                player_id: "p".into(),
                token: "t".into(),
            },
        );
        let dir = |p: &Player| p.action(ActionMode::Move)["direction"].clone();
        assert_eq!(dir(&player), "north");
        player.steer(true);
        assert_eq!(dir(&player), "south");
        player.steer(true);
        assert_eq!(dir(&player), "north");
        player.steer(false);
        assert_eq!(dir(&player), "south");
        player.steer(false);
        assert_eq!(dir(&player), "east");
        player.steer(true);
        assert_eq!(dir(&player), "west");
    }
}
