//! [`Rules`]: every number of the game in one value.
//!
//! A component version is a `Rules` value: v1 is [`Rules::CLASSIC`], v2 is
//! the same with a [`CritRule`]. The code that applies them is shared.

use crate::dice::Dice;
use crate::reject::SetupError;
use crate::types::{
    Action, MatchConfig, MatchResult, MatchState, Resolution, TickOutcome, Verdict,
};

/// The options of one version of the rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    pub arena: ArenaRule,
    pub fighter: FighterRule,
    pub attack: AttackRule,
    /// Critical hits; `None` means none.
    pub crit: Option<CritRule>,
    pub defend: DefendRule,
    pub special: SpecialRule,
    pub zone: ZoneRule,
    pub resources: ResourceRule,
}

/// Arena size, match length and their bounds. A zero in a
/// [`MatchConfig`] field means the default here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArenaRule {
    pub default_side_cells: u32,
    pub min_side_cells: u32,
    pub max_side_cells: u32,
    pub min_players: usize,
    pub max_players: usize,
    pub max_player_id_bytes: usize,
    pub default_duration_ms: u64,
    pub default_tick_ms: u64,
    pub max_initial_resources: u32,
}

/// What every fighter starts with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FighterRule {
    pub hp: i32,
    pub attack: i32,
    pub defence: i32,
    pub max_energy: i32,
}

/// Melee: reach, damage spread and points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttackRule {
    /// Chebyshev distance an attack reaches (1: the eight neighbours).
    pub reach_cells: u32,
    /// A hit is `attack - defence + v`, `v` uniform in `[-variance, variance]`.
    pub variance: i32,
    /// The smallest hit, whatever the defence.
    pub min_damage: i32,
    /// Points for a kill, on top of the points for the damage dealt.
    pub kill_points: i32,
}

/// A critical hit: rolled after the damage, multiplies it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CritRule {
    pub chance_percent: u32,
    pub multiplier: i32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DefendRule {
    pub shield_gain: i32,
    pub max_shield: i32,
}

/// Specials: cost and strength.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpecialRule {
    /// Energy an unstamped special spends; a stamped one spends none.
    pub energy_cost: i32,
    pub dash_cells: u32,
    pub heal_hp: i32,
}

/// The shrinking safe area.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ZoneRule {
    /// Ticks before the first shrink.
    pub grace_ticks: u64,
    /// After the grace period, the radius drops by one every this many ticks.
    pub shrink_every_ticks: u64,
    pub min_radius: u32,
    /// Damage per tick to each fighter outside; shields do not stop it.
    pub damage_per_tick: i32,
}

/// Resources: their value and how often they appear.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResourceRule {
    pub spawn_every_ticks: u64,
    pub min_value: i32,
    pub max_value: i32,
    /// No spawn while this many lie on the field.
    pub max_on_field: usize,
    /// Energy a fighter gains by collecting one.
    pub energy_gain: i32,
}

impl Rules {
    /// The classic rules (component `classic` 1.0.0), documented in the
    /// crate's top doc.
    pub const CLASSIC: Rules = Rules {
        arena: ArenaRule {
            default_side_cells: 12,
            min_side_cells: 4,
            max_side_cells: 64,
            min_players: 2,
            max_players: 16,
            max_player_id_bytes: 64,
            default_duration_ms: 180_000,
            default_tick_ms: 1_000,
            max_initial_resources: 32,
        },
        fighter: FighterRule {
            hp: 100,
            attack: 20,
            defence: 5,
            max_energy: 10,
        },
        attack: AttackRule {
            reach_cells: 1,
            variance: 3,
            min_damage: 1,
            kill_points: 50,
        },
        crit: None,
        defend: DefendRule {
            shield_gain: 10,
            max_shield: 30,
        },
        special: SpecialRule {
            energy_cost: 3,
            dash_cells: 3,
            heal_hp: 25,
        },
        zone: ZoneRule {
            grace_ticks: 20,
            shrink_every_ticks: 5,
            min_radius: 1,
            damage_per_tick: 5,
        },
        resources: ResourceRule {
            spawn_every_ticks: 5,
            min_value: 5,
            max_value: 15,
            max_on_field: 12,
            energy_gain: 1,
        },
    };

    /// The classic rules with critical hits: 20% of hits deal double damage
    /// (component `classic` 1.1.0).
    pub const CLASSIC_WITH_CRITS: Rules = Rules {
        crit: Some(CritRule {
            chance_percent: 20,
            multiplier: 2,
        }),
        ..Rules::CLASSIC
    };

    /// Lays out a new match: arena, spawns, resources. See [`crate::setup`].
    pub fn setup(
        &self,
        config: MatchConfig,
        players: &[String],
        dice: &mut impl Dice,
    ) -> Result<MatchState, SetupError> {
        crate::setup::setup(self, config, players, dice)
    }

    /// Resolves one action. A rejected action returns the state unchanged.
    pub fn resolve(&self, state: MatchState, action: &Action, dice: &mut impl Dice) -> Resolution {
        let mut next = state.clone();
        let mut effects = Vec::new();
        match crate::resolve::apply(self, &mut next, action, dice, &mut effects) {
            Ok(()) => Resolution {
                verdict: Verdict::Accepted,
                effects,
                state: next,
            },
            Err(rejection) => Resolution {
                verdict: Verdict::Rejected(rejection),
                effects: Vec::new(),
                state,
            },
        }
    }

    /// Advances time: zone, zone damage, resource spawns.
    pub fn tick(&self, state: MatchState, now_ms: u64, dice: &mut impl Dice) -> TickOutcome {
        crate::tick::tick(self, state, now_ms, dice)
    }

    /// `Some` once the match is over, with placings.
    pub fn finished(&self, match_id: &str, state: &MatchState) -> Option<MatchResult> {
        crate::finish::finished(match_id, state)
    }
}

impl Default for Rules {
    fn default() -> Self {
        Rules::CLASSIC
    }
}
