//! Daily tournaments ("Good Swipe", seed 003): one per UTC day, entered for
//! a fee through a reservation saga, played in groups, scored from matches
//! and level-ups, ranked at the end of the day and paid by rank.
//!
//! - [`day`]: the UTC day a tournament is, and its `YYYY-MM-DD` id;
//! - [`rules`]: the tournament component's answers (the day's rules, the
//!   level curve, points, bonuses), checked;
//! - [`schedule`]: the scheduler: the day's tournament made at 00:00 UTC,
//!   ended (ranks final) at its end, expired reservations refunded;
//! - [`entry`]: entering: the checks, then the reservation saga (hold the
//!   fee, join a group, pay the house);
//! - [`scores`]: the `tournament` consumer group: points from finished
//!   matches and level-ups;
//! - [`boards`]: a group's standings and the top, fresh within their
//!   windows; [`views`]: a tournament and a player's standing;
//! - [`claim`]: the reward of a final rank, once;
//! - [`routes`], [`error`]: the HTTP routes, and their problem+json;
//! - [`db`]: the reads.
//!
//! The path of an entry: `POST /v1/tournaments/{day}/entries` ([`routes`])
//! -> [`Tournaments::enter`] checks the rules and starts the saga
//! (`crate::saga`) -> each step commits with its guarded operation
//! (`crate::store::tournament_ops`: the group join) -> the answer names the
//! group. The path of a point: `MatchFinished` or `UserLeveledUp` ->
//! [`scores::Scores`] -> a score addition, once per event -> [`boards`].
//!
//! Time comes from the host's [`Clock`] (a driven one in tests), shifted by
//! [`TournamentConfig::clock_offset_ms`].

pub mod boards;
pub mod claim;
pub mod day;
pub mod db;
pub mod entry;
pub mod error;
pub mod routes;
pub mod rules;
pub mod schedule;
pub mod scores;
pub mod views;

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::arena::Clock;
use crate::arena::clock::Sleep;
use crate::gateway::inflight::InFlightKeys;
use crate::saga::Sagas;
use crate::store::Store;

pub use day::Day;
pub use error::TournamentError;
pub use rules::{Rules, TournamentRules};

/// The `[tournament]` table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TournamentConfig {
    /// The tournament component's name: its active version makes each
    /// day's rules and the level curve.
    pub component: String,
    /// How long an entry's reservation (its held fee) may stay unconfirmed
    /// before the scheduler refunds it, in milliseconds of the clock.
    pub reservation_ttl_ms: u64,
    /// How often the scheduler looks at the clock (creation at 00:00 UTC,
    /// expired reservations, the end of the day), in milliseconds of the
    /// clock.
    pub scheduler_every_ms: u64,
    /// Added to the host's clock for the tournament's schedule, in
    /// milliseconds: 0 in production; a rehearsal plays a day at another
    /// hour with it. Matches are dated by the unshifted clock.
    pub clock_offset_ms: i64,
    /// How long a group's standings are served from memory, in
    /// milliseconds (the seed's 5 s).
    pub group_board_fresh_ms: u64,
    /// How long the global standings are served from memory, in
    /// milliseconds (the seed's 30 s).
    pub global_board_fresh_ms: u64,
    /// Rows of the global standings (the seed's top 1000).
    pub global_board_size: u32,
    /// Boards kept in memory, groups and global together.
    pub max_cached_boards: usize,
    /// How long an entry's or claim's answer is replayed for its
    /// `Idempotency-Key`, in milliseconds (24 h).
    pub replay_ttl_ms: u64,
}

impl Default for TournamentConfig {
    fn default() -> Self {
        Self {
            component: "standard".into(),
            reservation_ttl_ms: 300_000,
            scheduler_every_ms: 1_000,
            clock_offset_ms: 0,
            group_board_fresh_ms: 5_000,
            global_board_fresh_ms: 30_000,
            global_board_size: 1_000,
            max_cached_boards: 4_096,
            replay_ttl_ms: 86_400_000,
        }
    }
}

/// The host's clock shifted by [`TournamentConfig::clock_offset_ms`].
pub struct ShiftedClock {
    inner: Arc<dyn Clock>,
    offset_ms: i64,
}

impl ShiftedClock {
    pub fn new(inner: Arc<dyn Clock>, offset_ms: i64) -> Self {
        Self { inner, offset_ms }
    }
}

impl Clock for ShiftedClock {
    fn now_ms(&self) -> i64 {
        self.inner.now_ms().saturating_add(self.offset_ms)
    }

    fn sleep_until(&self, at_ms: i64) -> Sleep {
        self.inner.sleep_until(at_ms.saturating_sub(self.offset_ms))
    }
}

/// The tournaments of one host. Cheap to share behind an `Arc`.
pub struct Tournaments {
    store: Store,
    rules: TournamentRules,
    sagas: Sagas,
    clock: Arc<dyn Clock>,
    config: TournamentConfig,
    boards: boards::Boards,
    /// The keys of the entries and claims running on this host.
    running: InFlightKeys,
}

impl Tournaments {
    /// The tournaments of a host whose clock is `clock` (shifted here by
    /// the configured offset).
    pub fn new(
        store: Store,
        rules: TournamentRules,
        sagas: Sagas,
        clock: Arc<dyn Clock>,
        config: TournamentConfig,
    ) -> Self {
        let clock: Arc<dyn Clock> = match config.clock_offset_ms {
            0 => clock,
            offset => Arc::new(ShiftedClock::new(clock, offset)),
        };
        Self {
            store,
            rules,
            sagas,
            clock,
            boards: boards::Boards::new(config.max_cached_boards),
            config,
            running: InFlightKeys::default(),
        }
    }

    /// Tournament `id` (a date): today's is made if missing; another day's
    /// is read (`NoTournament` if there is none).
    pub async fn read(
        &self,
        game: &str,
        id: &str,
    ) -> Result<db::TournamentRecord, TournamentError> {
        let day: Day = id.parse().map_err(TournamentError::Invalid)?;
        self.ensure(game, day).await
    }

    pub fn rules(&self) -> &TournamentRules {
        &self.rules
    }

    pub fn config(&self) -> &TournamentConfig {
        &self.config
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn sagas(&self) -> &Sagas {
        &self.sagas
    }

    /// Now, on the tournament's clock.
    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }
}
