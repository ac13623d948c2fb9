//! Why an action or a setup is refused, in words a player can read.
//!
//! The adapter turns these into the WIT strings with `Display`; the scenario
//! files quote those strings, so change a message and its scenarios together.

use core::fmt;

use crate::types::{Ability, Direction, PlayerId, Pos};

/// Why `resolve` refused an action. The state is left unchanged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    /// The match has a winner or its time is up.
    MatchOver,
    UnknownFighter(PlayerId),
    /// The actor is dead; the dead cannot act.
    Dead(PlayerId),
    OffArena(Direction),
    CellTaken {
        direction: Direction,
        by: PlayerId,
    },
    SelfTarget,
    UnknownTarget(PlayerId),
    TargetDead(PlayerId),
    OutOfReach {
        target: PlayerId,
        distance: u32,
        reach: u32,
    },
    ShieldFull {
        max: i32,
    },
    NothingToCollect(Pos),
    NotEnoughEnergy {
        ability: Ability,
        needed: i32,
        has: i32,
    },
    NoEnemyInReach,
    DashNowhere,
    FullHealth,
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rejection::MatchOver => write!(f, "the match is over"),
            Rejection::UnknownFighter(id) => write!(f, "no fighter `{id}` in this match"),
            Rejection::Dead(id) => write!(f, "`{id}` is dead and cannot act"),
            Rejection::OffArena(d) => write!(f, "cannot move {}: the arena ends there", name(*d)),
            Rejection::CellTaken { direction, by } => {
                write!(f, "cannot move {}: `{by}` stands there", name(*direction))
            }
            Rejection::SelfTarget => write!(f, "a fighter cannot attack itself"),
            Rejection::UnknownTarget(id) => write!(f, "no fighter `{id}` to attack"),
            Rejection::TargetDead(id) => write!(f, "`{id}` is already dead"),
            Rejection::OutOfReach {
                target,
                distance,
                reach,
            } => write!(
                f,
                "`{target}` is out of reach: {distance} cells away, attacks reach {reach}"
            ),
            Rejection::ShieldFull { max } => {
                write!(f, "the shield is already at its maximum of {max}")
            }
            Rejection::NothingToCollect(p) => write!(f, "nothing to collect at ({}, {})", p.x, p.y),
            Rejection::NotEnoughEnergy {
                ability,
                needed,
                has,
            } => write!(
                f,
                "{} needs {needed} energy, you have {has} (a stamped special needs none)",
                ability_name(*ability)
            ),
            Rejection::NoEnemyInReach => write!(f, "whirlwind needs an enemy next to you"),
            Rejection::DashNowhere => write!(f, "dash has nowhere to go toward the nearest enemy"),
            Rejection::FullHealth => write!(f, "already at full health"),
        }
    }
}

/// Why `setup` refused to lay out a match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SetupError {
    TooFewPlayers {
        got: usize,
        min: usize,
    },
    TooManyPlayers {
        got: usize,
        max: usize,
    },
    BadPlayerId {
        id: PlayerId,
        max_bytes: usize,
    },
    DuplicatePlayer(PlayerId),
    ArenaSize {
        width: u32,
        height: u32,
        min: u32,
        max: u32,
    },
    ArenaTooSmall {
        players: usize,
        spawns: usize,
    },
    TooManyResources {
        asked: u32,
        max: u32,
    },
}

impl fmt::Display for SetupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SetupError::TooFewPlayers { got, min } => {
                write!(f, "a match needs at least {min} players, got {got}")
            }
            SetupError::TooManyPlayers { got, max } => {
                write!(f, "a match takes at most {max} players, got {got}")
            }
            SetupError::BadPlayerId { id, max_bytes } => {
                write!(f, "player id `{id}` must be 1 to {max_bytes} bytes")
            }
            SetupError::DuplicatePlayer(id) => write!(f, "player `{id}` is listed twice"),
            SetupError::ArenaSize {
                width,
                height,
                min,
                max,
            } => write!(
                f,
                "an arena of {width}x{height} is outside {min}..={max} cells a side"
            ),
            SetupError::ArenaTooSmall { players, spawns } => write!(
                f,
                "this arena has {spawns} spawn points for {players} players"
            ),
            SetupError::TooManyResources { asked, max } => {
                write!(f, "{asked} initial resources asked, at most {max}")
            }
        }
    }
}

impl std::error::Error for Rejection {}
impl std::error::Error for SetupError {}

fn name(d: Direction) -> &'static str {
    match d {
        Direction::North => "north",
        Direction::South => "south",
        Direction::East => "east",
        Direction::West => "west",
    }
}

fn ability_name(a: Ability) -> &'static str {
    match a {
        Ability::Whirlwind => "whirlwind",
        Ability::Dash => "dash",
        Ability::Heal => "heal",
    }
}
