//! Time passing: the zone closes in, hurts those outside, resources appear.

use crate::dice::Dice;
use crate::resolve::kill;
use crate::rules::Rules;
use crate::setup::spawn_resource;
use crate::types::{Damaged, Effect, MatchState, TickOutcome};

/// One tick at `now_ms`. Once the match is over a tick only moves the clock.
///
/// In order: the tick count goes up; after `grace_ticks`, every
/// `shrink_every_ticks` the zone's radius drops by one (not below
/// `min_radius`); every live fighter outside the zone takes
/// `damage_per_tick` straight to hit points (source `None`) and may die;
/// every `spawn_every_ticks` a resource appears on a rolled free cell inside
/// the zone, unless `max_on_field` already lie there.
pub fn tick(
    rules: &Rules,
    mut state: MatchState,
    now_ms: u64,
    dice: &mut impl Dice,
) -> TickOutcome {
    let mut effects = Vec::new();
    state.now_ms = state.now_ms.max(now_ms);
    state.ticks = state.ticks.saturating_add(1);
    if crate::finish::is_over(&state, state.now_ms) {
        return TickOutcome { effects, state };
    }

    let zone = &rules.zone;
    let every = zone.shrink_every_ticks.max(1);
    if state.ticks > zone.grace_ticks
        && (state.ticks - zone.grace_ticks).is_multiple_of(every)
        && state.zone.radius > zone.min_radius
    {
        state.zone.radius -= 1;
        effects.push(Effect::ZoneShrunk(state.zone));
    }

    for index in 0..state.fighters.len() {
        let fighter = &mut state.fighters[index];
        if !fighter.alive || state.zone.contains(fighter.pos) {
            continue;
        }
        fighter.hp = (fighter.hp - zone.damage_per_tick).max(0);
        effects.push(Effect::Damaged(Damaged {
            target: fighter.id.clone(),
            source: None,
            amount: zone.damage_per_tick,
            hp: fighter.hp,
            critical: false,
        }));
        if fighter.hp == 0 {
            let at_ms = state.now_ms;
            kill(&mut state, index, at_ms, &mut effects);
        }
    }

    let spawn = &rules.resources;
    if state.ticks.is_multiple_of(spawn.spawn_every_ticks.max(1))
        && state.resources.len() < spawn.max_on_field
        && let Some(resource) = spawn_resource(rules, &mut state, dice)
    {
        effects.push(Effect::ResourceSpawned(resource));
    }

    TickOutcome { effects, state }
}

#[cfg(test)]
mod tests {
    use crate::Rules;
    use crate::testkit::{Middle, arena, fighter, fighter_mut};
    use crate::types::*;

    fn ticks(rules: &Rules, mut state: MatchState, n: u64) -> (MatchState, Vec<Effect>) {
        let mut all = Vec::new();
        for _ in 0..n {
            let at = state.now_ms + state.config.tick_ms;
            let out = rules.tick(state, at, &mut Middle);
            all.extend(out.effects);
            state = out.state;
        }
        (state, all)
    }

    #[test]
    fn the_zone_holds_through_the_grace_period_then_shrinks_every_five_ticks() {
        let state = arena(&[("ann", (6, 6)), ("bob", (7, 7))]);
        let (state, effects) = ticks(&Rules::CLASSIC, state, 20);
        assert_eq!(state.zone.radius, 6);
        assert!(!effects.iter().any(|e| matches!(e, Effect::ZoneShrunk(_))));
        let (state, effects) = ticks(&Rules::CLASSIC, state, 5);
        assert_eq!(state.zone.radius, 5);
        assert!(effects.contains(&Effect::ZoneShrunk(Zone {
            center: Pos::new(6, 6),
            radius: 5,
        })));
        let (state, _) = ticks(&Rules::CLASSIC, state, 100);
        assert_eq!(state.zone.radius, 1, "never below 1");
    }

    #[test]
    fn the_zone_shrinks_and_hurts_those_outside_through_their_shields() {
        let mut state = arena(&[("ann", (6, 6)), ("bob", (0, 0)), ("cid", (11, 6))]);
        fighter_mut(&mut state, "bob").shield = 30;
        let (state, effects) = ticks(&Rules::CLASSIC, state, 25);
        assert_eq!(state.zone.radius, 5);
        let bob = fighter(&state, "bob");
        assert_eq!(
            (bob.hp, bob.shield),
            (95, 30),
            "outside: 5 through the shield"
        );
        assert_eq!(
            fighter(&state, "cid").hp,
            100,
            "(11, 6) is on the zone's edge: inside"
        );
        assert_eq!(fighter(&state, "ann").hp, 100);
        assert!(effects.contains(&Effect::Damaged(Damaged {
            target: "bob".into(),
            source: None,
            amount: 5,
            hp: 95,
            critical: false,
        })));
    }

    #[test]
    fn the_zone_kills_those_who_stay_out() {
        let mut state = arena(&[("ann", (6, 6)), ("bob", (0, 0)), ("cid", (7, 7))]);
        fighter_mut(&mut state, "bob").hp = 5;
        state.ticks = 24;
        state.now_ms = 24_000;
        let out = Rules::CLASSIC.tick(state, 25_000, &mut Middle);
        assert!(out.effects.contains(&Effect::Died("bob".into())));
        assert_eq!(fighter(&out.state, "bob").died_at_ms, Some(25_000));
    }

    #[test]
    fn a_resource_appears_inside_the_zone_every_five_ticks() {
        let state = arena(&[("ann", (6, 6)), ("bob", (7, 7))]);
        let (state, effects) = ticks(&Rules::CLASSIC, state, 10);
        let spawned: Vec<&Resource> = effects
            .iter()
            .filter_map(|e| match e {
                Effect::ResourceSpawned(r) => Some(r),
                _ => None,
            })
            .collect();
        assert_eq!(spawned.len(), 2);
        assert_eq!((spawned[0].id, spawned[1].id), (0, 1));
        assert_eq!(state.resources.len(), 2);
        assert_eq!(state.next_resource_id, 2);
        assert!(spawned.iter().all(|r| state.zone.contains(r.pos)));
    }

    #[test]
    fn once_the_match_is_over_a_tick_only_moves_the_clock() {
        let mut state = arena(&[("ann", (6, 6)), ("bob", (0, 0))]);
        fighter_mut(&mut state, "bob").alive = false;
        let (state, effects) = ticks(&Rules::CLASSIC, state, 30);
        assert!(effects.is_empty());
        assert_eq!((state.ticks, state.now_ms), (30, 30_000));
    }
}
