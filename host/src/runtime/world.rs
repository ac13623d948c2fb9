//! The worlds a component can implement, and the check that it does.
//!
//! Validation happens once, at load: the linker refuses any import that is
//! not granted (naming it), and the world's typed `Pre` refuses a missing or
//! mistyped export (naming it). A component that passes can be instantiated
//! with no further checks, call after call.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use wasmtime::component::{Component, Linker};

use super::bindings::{combat, market, rewards, tournament};
use super::error::RegistryError;
use super::host_api::CallState;

/// A contract in `wit/` that components implement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum World {
    Combat,
    Rewards,
    Market,
    Tournament,
}

impl World {
    pub const ALL: [World; 4] = [
        World::Combat,
        World::Rewards,
        World::Market,
        World::Tournament,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            World::Combat => "combat",
            World::Rewards => "rewards",
            World::Market => "market",
            World::Tournament => "tournament",
        }
    }

    /// Every world's name, comma-separated, for messages.
    pub fn names() -> String {
        World::ALL.map(World::as_str).join(", ")
    }

    /// The world's name in `wit/worlds.wit`.
    pub fn wit_name(self) -> &'static str {
        match self {
            World::Combat => "idempo:game/combat-world",
            World::Rewards => "idempo:game/rewards-world",
            World::Market => "idempo:game/market-world",
            World::Tournament => "idempo:game/tournament-world",
        }
    }
}

impl fmt::Display for World {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for World {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        World::ALL
            .into_iter()
            .find(|w| w.as_str() == s)
            .ok_or_else(|| format!("unknown world `{s}`; worlds are {}", World::names()))
    }
}

/// A component checked against its world, ready to instantiate.
#[derive(Clone)]
pub enum WorldPre {
    Combat(combat::CombatWorldPre<CallState>),
    Rewards(rewards::RewardsWorldPre<CallState>),
    Market(market::MarketWorldPre<CallState>),
    Tournament(tournament::TournamentWorldPre<CallState>),
}

impl WorldPre {
    /// Checks `component`'s imports against what the linker grants and its
    /// exports against `world`.
    pub fn check(
        world: World,
        linker: &Linker<CallState>,
        component: &Component,
    ) -> Result<Self, RegistryError> {
        let invalid = |e: wasmtime::Error| RegistryError::Invalid {
            world,
            reason: format!("{e:#}"),
        };
        let pre = linker.instantiate_pre(component).map_err(invalid)?;
        Ok(match world {
            World::Combat => Self::Combat(combat::CombatWorldPre::new(pre).map_err(invalid)?),
            World::Rewards => Self::Rewards(rewards::RewardsWorldPre::new(pre).map_err(invalid)?),
            World::Market => Self::Market(market::MarketWorldPre::new(pre).map_err(invalid)?),
            World::Tournament => {
                Self::Tournament(tournament::TournamentWorldPre::new(pre).map_err(invalid)?)
            }
        })
    }
}
