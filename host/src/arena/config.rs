//! The arena's knobs ([`ArenaConfig`], the `[arena]` table of the host's
//! configuration), with defaults that run and one check of their ranges.

use serde::{Deserialize, Serialize};

use super::error::ArenaError;
use crate::bus::OwnershipOptions;

/// Shortest match the arena accepts, in milliseconds (3 minutes).
pub const MIN_MATCH_DURATION_MS: u64 = 180_000;
/// Longest match the arena accepts, in milliseconds (5 minutes).
pub const MAX_MATCH_DURATION_MS: u64 = 300_000;
/// Most fighters a match may hold (the classic rules take 2 to 16).
pub const MAX_PLAYERS_LIMIT: usize = 16;

/// Lobby, matches and actions of the arena ([`crate::arena`]).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ArenaConfig {
    /// Fewest players a match starts with (at least 2).
    pub min_players: usize,
    /// Most players of one match; a queue that reaches it starts a match at
    /// once (at most 16).
    pub max_players: usize,
    /// How long a queue that reached `min_players` waits for more before
    /// its match starts, in milliseconds.
    pub lobby_wait_ms: u64,
    /// Most players waiting in one game's queue; a join beyond is refused.
    pub max_queued_players: usize,
    /// The combat component matches run (the version active when a match
    /// starts, pinned for its whole life).
    pub combat_component: String,
    /// Match length, in milliseconds of match time (3 to 5 minutes).
    pub match_duration_ms: u64,
    /// Period of the combat component's `tick`, in milliseconds of match time.
    pub tick_ms: u64,
    /// Arena width in cells (0: the rules' default).
    pub arena_width: u32,
    /// Arena height in cells (0: the rules' default).
    pub arena_height: u32,
    /// Resources placed at setup.
    pub initial_resources: u32,
    /// Commands waiting for one match's actor; a full mailbox refuses with
    /// [`ArenaError::Busy`] (back-pressure, never growth).
    pub mailbox_capacity: usize,
    /// How long a completed action's response is replayed for its key, in
    /// milliseconds.
    pub replay_ttl_ms: u64,
    /// The match leases: how long a crashed host's matches wait before
    /// another host takes them over, and how often a match renews its lease.
    pub lease: OwnershipOptions,
}

impl Default for ArenaConfig {
    fn default() -> Self {
        Self {
            min_players: 2,
            max_players: 6,
            lobby_wait_ms: 5_000,
            max_queued_players: 10_000,
            combat_component: String::from("classic"),
            match_duration_ms: MIN_MATCH_DURATION_MS,
            tick_ms: 1_000,
            arena_width: 12,
            arena_height: 12,
            initial_resources: 4,
            mailbox_capacity: 256,
            replay_ttl_ms: 86_400_000,
            lease: OwnershipOptions {
                lease_ttl_ms: 10_000,
                renew_every_ms: 2_000,
                max_members: 64,
            },
        }
    }
}

impl ArenaConfig {
    /// Refuses knobs outside their ranges, with the knob's name.
    pub fn validate(&self) -> Result<(), ArenaError> {
        let bad = |why: String| Err(ArenaError::Config(why));
        if self.min_players < 2 || self.min_players > self.max_players {
            return bad(format!(
                "min_players must be 2..=max_players, got {}",
                self.min_players
            ));
        }
        if self.max_players > MAX_PLAYERS_LIMIT {
            return bad(format!(
                "max_players must be at most {MAX_PLAYERS_LIMIT}, got {}",
                self.max_players
            ));
        }
        if !(MIN_MATCH_DURATION_MS..=MAX_MATCH_DURATION_MS).contains(&self.match_duration_ms) {
            return bad(format!(
                "match_duration_ms must be {MIN_MATCH_DURATION_MS}..={MAX_MATCH_DURATION_MS}, got {}",
                self.match_duration_ms
            ));
        }
        if self.tick_ms == 0 || self.tick_ms > self.match_duration_ms {
            return bad(format!(
                "tick_ms must be 1..=match_duration_ms, got {}",
                self.tick_ms
            ));
        }
        if self.mailbox_capacity == 0 || self.max_queued_players == 0 {
            return bad("mailbox_capacity and max_queued_players must be at least 1".into());
        }
        if self.combat_component.is_empty() {
            return bad("combat_component must name a component".into());
        }
        Ok(())
    }

    /// Ticks due in a whole match: the most log entries time alone adds.
    pub fn ticks_per_match(&self) -> u64 {
        self.match_duration_ms.div_ceil(self.tick_ms.max(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_valid_and_match_the_brief() {
        let config = ArenaConfig::default();
        config.validate().expect("defaults run");
        assert_eq!((config.min_players, config.max_players), (2, 6));
        assert_eq!(config.match_duration_ms, 180_000);
    }

    #[test]
    fn the_arena_table_of_the_host_config_reads_from_toml() {
        let config: crate::config::Config =
            toml::from_str("[arena]\nmin_players = 3\nlobby_wait_ms = 2000")
                .expect("arena config parses");
        assert_eq!(config.arena.min_players, 3);
        assert_eq!(config.arena.lobby_wait_ms, 2_000);
        assert_eq!(config.arena.max_players, 6);
        assert!(toml::from_str::<crate::config::Config>("[arena]\nplayers = 3").is_err());
    }

    #[test]
    fn a_match_shorter_than_three_minutes_or_a_lone_fighter_is_refused() {
        for config in [
            ArenaConfig {
                match_duration_ms: 60_000,
                ..ArenaConfig::default()
            },
            ArenaConfig {
                min_players: 1,
                ..ArenaConfig::default()
            },
            ArenaConfig {
                min_players: 7,
                ..ArenaConfig::default()
            },
        ] {
            let err = config.validate().unwrap_err().to_string();
            assert!(err.contains("must be"), "{err}");
        }
    }
}
