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

/// Both directions for a struct whose twins share their field names:
/// `plain` fields move as they are, `nested` ones convert.
macro_rules! twins {
    ($name:ident { $($plain:ident),* $(; $($nested:ident),*)? }) => {
        to_arena!($name { $($plain),* $(; $($nested),*)? });
        to_wit!($name { $($plain),* $(; $($nested),*)? });
    };
}

/// One direction's impl for a struct, as [`twins`] reads it: `$method` of
/// `$Trait` (whose output type is `$Out`) from `$from::$name` to `$to::$name`.
macro_rules! convert {
    ($Trait:ident, $Out:ident, $method:ident: $from:ident -> $to:ident,
     $name:ident { $($plain:ident),* $(; $($nested:ident),*)? }) => {
        impl $Trait for $from::$name {
            type $Out = $to::$name;
            fn $method(self) -> $to::$name {
                $to::$name {
                    $($plain: self.$plain,)*
                    $($($nested: self.$nested.$method(),)*)?
                }
            }
        }
    };
}

/// [`ToArena`] for a struct, as [`twins`] reads it.
macro_rules! to_arena {
    ($($struct:tt)*) => {
        convert!(ToArena, Arena, to_arena: wit -> arena, $($struct)*);
    };
}

/// [`ToWit`] for a struct, as [`twins`] reads it.
macro_rules! to_wit {
    ($($struct:tt)*) => {
        convert!(ToWit, Wit, to_wit: arena -> wit, $($struct)*);
    };
}

/// [`ToArena`] for an enum of unit variants of the same names.
macro_rules! unit_to_arena {
    ($name:ident { $($variant:ident),* }) => {
        impl ToArena for wit::$name {
            type Arena = arena::$name;
            fn to_arena(self) -> arena::$name {
                match self {
                    $(wit::$name::$variant => arena::$name::$variant,)*
                }
            }
        }
    };
}

twins!(Pos { x, y });
unit_to_arena!(Direction {
    North,
    South,
    East,
    West
});
unit_to_arena!(Ability {
    Whirlwind,
    Dash,
    Heal
});
twins!(Fighter {
    id, hp, max_hp, shield, attack, defence, energy, score, kills, alive, died_at_ms;
    pos
});
twins!(Resource { id, value; pos });
twins!(Zone { radius; center });
twins!(MatchConfig {
    width,
    height,
    duration_ms,
    tick_ms,
    initial_resources
});
twins!(MatchState { now_ms, ticks, next_resource_id, rules_data; config, fighters, resources, zone });
to_arena!(Action { id, actor, stamped, at_ms; kind });

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

to_wit!(Resolution { ; verdict, effects, state });
to_wit!(TickOutcome { ; effects, state });
to_wit!(Placing {
    player,
    place,
    score,
    kills
});
to_wit!(MatchResult { match_id, duration_ms; placings });
