//! Plain mirrors of the WIT `types` interface (`wit/types.wit`).
//!
//! Field for field the same as the WIT records, so an adapter converts them
//! one to one. The only difference: a rejected [`Verdict`] carries a typed
//! [`Rejection`] instead of a string.

use crate::reject::Rejection;

/// A player's id, as the host's identity service assigns it.
pub type PlayerId = String;

/// A cell of the arena. `x` grows east, `y` grows south; `(0, 0)` is the
/// north-west corner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Pos {
    pub x: i32,
    pub y: i32,
}

/// One of the four moves. North is `y - 1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    North,
    South,
    East,
    West,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fighter {
    pub id: PlayerId,
    pub pos: Pos,
    pub hp: i32,
    pub max_hp: i32,
    /// Damage absorbed before hit points, raised by `defend`.
    pub shield: i32,
    pub attack: i32,
    pub defence: i32,
    /// Charge for the special ability; a stamped special ignores it.
    pub energy: i32,
    pub score: i32,
    pub kills: u32,
    pub alive: bool,
    /// Logical time of death, for placings.
    pub died_at_ms: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resource {
    pub id: u32,
    pub pos: Pos,
    pub value: i32,
}

/// The safe area: every cell within Chebyshev distance `radius` of `center`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Zone {
    pub center: Pos,
    pub radius: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MatchConfig {
    pub width: u32,
    pub height: u32,
    /// Match length in logical milliseconds.
    pub duration_ms: u64,
    /// Period of `tick` in logical milliseconds.
    pub tick_ms: u64,
    /// Resources placed at setup.
    pub initial_resources: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchState {
    pub config: MatchConfig,
    /// Logical time of the last applied action or tick.
    pub now_ms: u64,
    pub ticks: u64,
    pub fighters: Vec<Fighter>,
    pub resources: Vec<Resource>,
    pub zone: Zone,
    pub next_resource_id: u32,
    /// Free-form rule data kept across calls; the classic rules keep none.
    pub rules_data: Vec<u8>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ability {
    /// Hits every adjacent enemy.
    Whirlwind,
    /// Charges up to three cells toward the nearest enemy.
    Dash,
    /// Restores hit points.
    Heal,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionKind {
    Move(Direction),
    Attack(PlayerId),
    Defend,
    Collect,
    Special(Ability),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    /// The action id; for a stamped action, the stamp's id.
    pub id: String,
    pub actor: PlayerId,
    pub kind: ActionKind,
    /// True when the action is sealed with a stamp.
    pub stamped: bool,
    /// Logical time the host assigns to this action.
    pub at_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Moved {
    pub player: PlayerId,
    pub from: Pos,
    pub to: Pos,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Damaged {
    pub target: PlayerId,
    /// The attacker; `None` for the zone.
    pub source: Option<PlayerId>,
    /// The whole hit, including what the shield absorbed.
    pub amount: i32,
    /// Hit points left.
    pub hp: i32,
    pub critical: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Collected {
    pub player: PlayerId,
    pub resource: u32,
    pub value: i32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scored {
    pub player: PlayerId,
    pub points: i32,
    pub total: i32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Healed {
    pub player: PlayerId,
    pub amount: i32,
    pub hp: i32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shielded {
    pub player: PlayerId,
    /// The shield after the change (raised by defend, worn down by hits).
    pub shield: i32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    Moved(Moved),
    Damaged(Damaged),
    Died(PlayerId),
    Collected(Collected),
    Scored(Scored),
    Healed(Healed),
    Shielded(Shielded),
    ZoneShrunk(Zone),
    ResourceSpawned(Resource),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Accepted,
    /// Why the action was refused; the state is unchanged.
    Rejected(Rejection),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolution {
    pub verdict: Verdict,
    pub effects: Vec<Effect>,
    pub state: MatchState,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TickOutcome {
    pub effects: Vec<Effect>,
    pub state: MatchState,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placing {
    pub player: PlayerId,
    /// 1 is the winner.
    pub place: u32,
    pub score: i32,
    pub kills: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchResult {
    pub match_id: String,
    pub placings: Vec<Placing>,
    /// Match length in logical milliseconds.
    pub duration_ms: u64,
}
