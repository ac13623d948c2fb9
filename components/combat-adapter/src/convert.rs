//! WIT types <-> arena-rules types, field for field.
//!
//! Two local traits, because neither side's types belong to this crate:
//! [`ToArena`] for what the host sends in, [`ToWit`] for what goes back.

use arena_rules as arena;
use idempo_sdk::types as wit;

/// Converts a WIT value into its arena-rules twin.
pub trait ToArena {
    type Arena;
    fn to_arena(self) -> Self::Arena;
}

/// Converts an arena-rules value into its WIT twin.
pub trait ToWit {
    type Wit;
    fn to_wit(self) -> Self::Wit;
}

impl<T: ToArena> ToArena for Vec<T> {
    type Arena = Vec<T::Arena>;
    fn to_arena(self) -> Self::Arena {
        self.into_iter().map(ToArena::to_arena).collect()
    }
}

impl<T: ToWit> ToWit for Vec<T> {
    type Wit = Vec<T::Wit>;
    fn to_wit(self) -> Self::Wit {
        self.into_iter().map(ToWit::to_wit).collect()
    }
}

impl ToArena for wit::Pos {
    type Arena = arena::Pos;
    fn to_arena(self) -> arena::Pos {
        arena::Pos {
            x: self.x,
            y: self.y,
        }
    }
}

impl ToWit for arena::Pos {
    type Wit = wit::Pos;
    fn to_wit(self) -> wit::Pos {
        wit::Pos {
            x: self.x,
            y: self.y,
        }
    }
}

impl ToArena for wit::Direction {
    type Arena = arena::Direction;
    fn to_arena(self) -> arena::Direction {
        match self {
            wit::Direction::North => arena::Direction::North,
            wit::Direction::South => arena::Direction::South,
            wit::Direction::East => arena::Direction::East,
            wit::Direction::West => arena::Direction::West,
        }
    }
}

impl ToArena for wit::Ability {
    type Arena = arena::Ability;
    fn to_arena(self) -> arena::Ability {
        match self {
            wit::Ability::Whirlwind => arena::Ability::Whirlwind,
            wit::Ability::Dash => arena::Ability::Dash,
            wit::Ability::Heal => arena::Ability::Heal,
        }
    }
}

impl ToArena for wit::Fighter {
    type Arena = arena::Fighter;
    fn to_arena(self) -> arena::Fighter {
        arena::Fighter {
            id: self.id,
            pos: self.pos.to_arena(),
            hp: self.hp,
            max_hp: self.max_hp,
            shield: self.shield,
            attack: self.attack,
            defence: self.defence,
            energy: self.energy,
            score: self.score,
            kills: self.kills,
            alive: self.alive,
            died_at_ms: self.died_at_ms,
        }
    }
}

impl ToWit for arena::Fighter {
    type Wit = wit::Fighter;
    fn to_wit(self) -> wit::Fighter {
        wit::Fighter {
            id: self.id,
            pos: self.pos.to_wit(),
            hp: self.hp,
            max_hp: self.max_hp,
            shield: self.shield,
            attack: self.attack,
            defence: self.defence,
            energy: self.energy,
            score: self.score,
            kills: self.kills,
            alive: self.alive,
            died_at_ms: self.died_at_ms,
        }
    }
}

impl ToArena for wit::Resource {
    type Arena = arena::Resource;
    fn to_arena(self) -> arena::Resource {
        arena::Resource {
            id: self.id,
            pos: self.pos.to_arena(),
            value: self.value,
        }
    }
}

impl ToWit for arena::Resource {
    type Wit = wit::Resource;
    fn to_wit(self) -> wit::Resource {
        wit::Resource {
            id: self.id,
            pos: self.pos.to_wit(),
            value: self.value,
        }
    }
}

impl ToArena for wit::Zone {
    type Arena = arena::Zone;
    fn to_arena(self) -> arena::Zone {
        arena::Zone {
            center: self.center.to_arena(),
            radius: self.radius,
        }
    }
}

impl ToWit for arena::Zone {
    type Wit = wit::Zone;
    fn to_wit(self) -> wit::Zone {
        wit::Zone {
            center: self.center.to_wit(),
            radius: self.radius,
        }
    }
}

impl ToArena for wit::MatchConfig {
    type Arena = arena::MatchConfig;
    fn to_arena(self) -> arena::MatchConfig {
        arena::MatchConfig {
            width: self.width,
            height: self.height,
            duration_ms: self.duration_ms,
            tick_ms: self.tick_ms,
            initial_resources: self.initial_resources,
        }
    }
}

impl ToWit for arena::MatchConfig {
    type Wit = wit::MatchConfig;
    fn to_wit(self) -> wit::MatchConfig {
        wit::MatchConfig {
            width: self.width,
            height: self.height,
            duration_ms: self.duration_ms,
            tick_ms: self.tick_ms,
            initial_resources: self.initial_resources,
        }
    }
}

impl ToArena for wit::MatchState {
    type Arena = arena::MatchState;
    fn to_arena(self) -> arena::MatchState {
        arena::MatchState {
            config: self.config.to_arena(),
            now_ms: self.now_ms,
            ticks: self.ticks,
            fighters: self.fighters.to_arena(),
            resources: self.resources.to_arena(),
            zone: self.zone.to_arena(),
            next_resource_id: self.next_resource_id,
            rules_data: self.rules_data,
        }
    }
}

impl ToWit for arena::MatchState {
    type Wit = wit::MatchState;
    fn to_wit(self) -> wit::MatchState {
        wit::MatchState {
            config: self.config.to_wit(),
            now_ms: self.now_ms,
            ticks: self.ticks,
            fighters: self.fighters.to_wit(),
            resources: self.resources.to_wit(),
            zone: self.zone.to_wit(),
            next_resource_id: self.next_resource_id,
            rules_data: self.rules_data,
        }
    }
}

impl ToArena for wit::ActionKind {
    type Arena = arena::ActionKind;
    fn to_arena(self) -> arena::ActionKind {
        match self {
            wit::ActionKind::Move(d) => arena::ActionKind::Move(d.to_arena()),
            wit::ActionKind::Attack(target) => arena::ActionKind::Attack(target),
            wit::ActionKind::Defend => arena::ActionKind::Defend,
            wit::ActionKind::Collect => arena::ActionKind::Collect,
            wit::ActionKind::Special(a) => arena::ActionKind::Special(a.to_arena()),
        }
    }
}

impl ToArena for wit::Action {
    type Arena = arena::Action;
    fn to_arena(self) -> arena::Action {
        arena::Action {
            id: self.id,
            actor: self.actor,
            kind: self.kind.to_arena(),
            stamped: self.stamped,
            at_ms: self.at_ms,
        }
    }
}

impl ToWit for arena::Effect {
    type Wit = wit::Effect;
    fn to_wit(self) -> wit::Effect {
        use arena::Effect as A;
        use wit::Effect as W;
        match self {
            A::Moved(m) => W::Moved(wit::Moved {
                player: m.player,
                from: m.from.to_wit(),
                to: m.to.to_wit(),
            }),
            A::Damaged(d) => W::Damaged(wit::Damaged {
                target: d.target,
                source: d.source,
                amount: d.amount,
                hp: d.hp,
                critical: d.critical,
            }),
            A::Died(id) => W::Died(id),
            A::Collected(c) => W::Collected(wit::Collected {
                player: c.player,
                resource: c.resource,
                value: c.value,
            }),
            A::Scored(s) => W::Scored(wit::Scored {
                player: s.player,
                points: s.points,
                total: s.total,
            }),
            A::Healed(h) => W::Healed(wit::Healed {
                player: h.player,
                amount: h.amount,
                hp: h.hp,
            }),
            A::Shielded(s) => W::Shielded(wit::Shielded {
                player: s.player,
                shield: s.shield,
            }),
            A::ZoneShrunk(z) => W::ZoneShrunk(z.to_wit()),
            A::ResourceSpawned(r) => W::ResourceSpawned(r.to_wit()),
        }
    }
}

impl ToWit for arena::Verdict {
    type Wit = wit::Verdict;
    fn to_wit(self) -> wit::Verdict {
        match self {
            arena::Verdict::Accepted => wit::Verdict::Accepted,
            arena::Verdict::Rejected(why) => wit::Verdict::Rejected(why.to_string()),
        }
    }
}

impl ToWit for arena::Resolution {
    type Wit = wit::Resolution;
    fn to_wit(self) -> wit::Resolution {
        wit::Resolution {
            verdict: self.verdict.to_wit(),
            effects: self.effects.to_wit(),
            state: self.state.to_wit(),
        }
    }
}

impl ToWit for arena::TickOutcome {
    type Wit = wit::TickOutcome;
    fn to_wit(self) -> wit::TickOutcome {
        wit::TickOutcome {
            effects: self.effects.to_wit(),
            state: self.state.to_wit(),
        }
    }
}

impl ToWit for arena::Placing {
    type Wit = wit::Placing;
    fn to_wit(self) -> wit::Placing {
        wit::Placing {
            player: self.player,
            place: self.place,
            score: self.score,
            kills: self.kills,
        }
    }
}

impl ToWit for arena::MatchResult {
    type Wit = wit::MatchResult;
    fn to_wit(self) -> wit::MatchResult {
        wit::MatchResult {
            match_id: self.match_id,
            placings: self.placings.to_wit(),
            duration_ms: self.duration_ms,
        }
    }
}
