//! Resolving one action: move, attack, defend, collect, specials.
//!
//! [`apply`] works on a scratch copy of the state; on `Err` the caller
//! throws the copy away, so a rejection never changes anything.

use crate::dice::Dice;
use crate::grid::in_arena;
use crate::reject::Rejection;
use crate::rules::Rules;
use crate::types::{
    Ability, Action, ActionKind, Collected, Damaged, Direction, Effect, Healed, MatchState, Moved,
    Pos, Scored, Shielded,
};

/// Applies `action` to `state`, pushing what happened to `effects`.
pub(crate) fn apply(
    rules: &Rules,
    state: &mut MatchState,
    action: &Action,
    dice: &mut impl Dice,
    effects: &mut Vec<Effect>,
) -> Result<(), Rejection> {
    let actor = actor_index(state, action)?;
    match &action.kind {
        ActionKind::Move(direction) => step(state, actor, *direction, effects)?,
        ActionKind::Attack(target) => {
            let target = attackable(rules, state, actor, target)?;
            hit(rules, state, actor, target, action.at_ms, dice, effects);
        }
        ActionKind::Defend => defend(rules, state, actor, effects)?,
        ActionKind::Collect => collect(rules, state, actor, effects)?,
        ActionKind::Special(ability) => {
            special(rules, state, actor, *ability, action, dice, effects)?
        }
    }
    state.now_ms = state.now_ms.max(action.at_ms);
    Ok(())
}

/// The actor's index, once the match is known to run and the actor to be a
/// live fighter of it.
fn actor_index(state: &MatchState, action: &Action) -> Result<usize, Rejection> {
    if crate::finish::is_over(state, action.at_ms) {
        return Err(Rejection::MatchOver);
    }
    let index = state
        .fighters
        .iter()
        .position(|f| f.id == action.actor)
        .ok_or_else(|| Rejection::UnknownFighter(action.actor.clone()))?;
    if !state.fighters[index].alive {
        return Err(Rejection::Dead(action.actor.clone()));
    }
    Ok(index)
}

/// Moves the actor one cell: not off the arena, not onto a live fighter.
fn step(
    state: &mut MatchState,
    actor: usize,
    direction: Direction,
    effects: &mut Vec<Effect>,
) -> Result<(), Rejection> {
    let from = state.fighters[actor].pos;
    let to = from.step(direction);
    if !in_arena(&state.config, to) {
        return Err(Rejection::OffArena(direction));
    }
    if let Some(other) = live_fighter_at(state, to) {
        return Err(Rejection::CellTaken {
            direction,
            by: state.fighters[other].id.clone(),
        });
    }
    state.fighters[actor].pos = to;
    effects.push(Effect::Moved(Moved {
        player: state.fighters[actor].id.clone(),
        from,
        to,
    }));
    Ok(())
}

/// The index of a live enemy within the actor's reach.
fn attackable(
    rules: &Rules,
    state: &MatchState,
    actor: usize,
    target: &str,
) -> Result<usize, Rejection> {
    if state.fighters[actor].id == target {
        return Err(Rejection::SelfTarget);
    }
    let index = state
        .fighters
        .iter()
        .position(|f| f.id == target)
        .ok_or_else(|| Rejection::UnknownTarget(target.to_owned()))?;
    let victim = &state.fighters[index];
    if !victim.alive {
        return Err(Rejection::TargetDead(victim.id.clone()));
    }
    let distance = state.fighters[actor].pos.chebyshev(victim.pos);
    if distance > rules.attack.reach_cells {
        return Err(Rejection::OutOfReach {
            target: victim.id.clone(),
            distance,
            reach: rules.attack.reach_cells,
        });
    }
    Ok(index)
}

/// One blow from `attacker` to `target`: roll, shield, hit points, points,
/// and death. Rolls the variance, then (with a crit rule) the crit.
pub(crate) fn hit(
    rules: &Rules,
    state: &mut MatchState,
    attacker: usize,
    target: usize,
    at_ms: u64,
    dice: &mut impl Dice,
    effects: &mut Vec<Effect>,
) {
    let spread = rules.attack.variance.max(0);
    let roll = dice.range(0, (2 * spread + 1) as u32) as i32 - spread;
    let base = state.fighters[attacker].attack - state.fighters[target].defence + roll;
    let mut damage = base.max(rules.attack.min_damage);
    let mut critical = false;
    if let Some(crit) = rules.crit
        && dice.chance(crit.chance_percent)
    {
        damage = damage.saturating_mul(crit.multiplier);
        critical = true;
    }

    let attacker_id = state.fighters[attacker].id.clone();
    let victim = &mut state.fighters[target];
    let absorbed = damage.min(victim.shield).max(0);
    if absorbed > 0 {
        victim.shield -= absorbed;
        effects.push(Effect::Shielded(Shielded {
            player: victim.id.clone(),
            shield: victim.shield,
        }));
    }
    victim.hp = (victim.hp - (damage - absorbed)).max(0);
    effects.push(Effect::Damaged(Damaged {
        target: victim.id.clone(),
        source: Some(attacker_id),
        amount: damage,
        hp: victim.hp,
        critical,
    }));
    let killed = victim.hp == 0;
    if killed {
        kill(state, target, at_ms, effects);
    }

    score(state, attacker, damage, effects);
    if killed {
        state.fighters[attacker].kills += 1;
        score(state, attacker, rules.attack.kill_points, effects);
    }
}

/// Marks `index` dead at `at_ms` and says so.
pub(crate) fn kill(state: &mut MatchState, index: usize, at_ms: u64, effects: &mut Vec<Effect>) {
    let fighter = &mut state.fighters[index];
    fighter.hp = 0;
    fighter.shield = 0;
    fighter.alive = false;
    fighter.died_at_ms = Some(at_ms);
    effects.push(Effect::Died(fighter.id.clone()));
}

fn score(state: &mut MatchState, index: usize, points: i32, effects: &mut Vec<Effect>) {
    let fighter = &mut state.fighters[index];
    fighter.score = fighter.score.saturating_add(points);
    effects.push(Effect::Scored(Scored {
        player: fighter.id.clone(),
        points,
        total: fighter.score,
    }));
}

/// Raises the shield, up to its maximum.
fn defend(
    rules: &Rules,
    state: &mut MatchState,
    actor: usize,
    effects: &mut Vec<Effect>,
) -> Result<(), Rejection> {
    let fighter = &mut state.fighters[actor];
    let max = rules.defend.max_shield;
    if fighter.shield >= max {
        return Err(Rejection::ShieldFull { max });
    }
    fighter.shield = (fighter.shield + rules.defend.shield_gain).min(max);
    effects.push(Effect::Shielded(Shielded {
        player: fighter.id.clone(),
        shield: fighter.shield,
    }));
    Ok(())
}

/// Picks up the resource on the actor's cell: its value in points, energy.
fn collect(
    rules: &Rules,
    state: &mut MatchState,
    actor: usize,
    effects: &mut Vec<Effect>,
) -> Result<(), Rejection> {
    let pos = state.fighters[actor].pos;
    let index = state
        .resources
        .iter()
        .position(|r| r.pos == pos)
        .ok_or(Rejection::NothingToCollect(pos))?;
    let resource = state.resources.remove(index);
    let fighter = &mut state.fighters[actor];
    fighter.energy = (fighter.energy + rules.resources.energy_gain).min(rules.fighter.max_energy);
    effects.push(Effect::Collected(Collected {
        player: fighter.id.clone(),
        resource: resource.id,
        value: resource.value,
    }));
    score(state, actor, resource.value, effects);
    Ok(())
}

/// Whirlwind, dash or heal. An unstamped special spends energy; a stamped
/// one spends none. Energy is only spent when the special goes through.
fn special(
    rules: &Rules,
    state: &mut MatchState,
    actor: usize,
    ability: Ability,
    action: &Action,
    dice: &mut impl Dice,
    effects: &mut Vec<Effect>,
) -> Result<(), Rejection> {
    let cost = if action.stamped {
        0
    } else {
        rules.special.energy_cost
    };
    let has = state.fighters[actor].energy;
    if has < cost {
        return Err(Rejection::NotEnoughEnergy {
            ability,
            needed: cost,
            has,
        });
    }
    match ability {
        Ability::Whirlwind => whirlwind(rules, state, actor, action.at_ms, dice, effects)?,
        Ability::Dash => dash(rules, state, actor, effects)?,
        Ability::Heal => heal(rules, state, actor, effects)?,
    }
    state.fighters[actor].energy -= cost;
    Ok(())
}

/// Hits every live enemy next to the actor, in the state's order, each with
/// its own roll.
fn whirlwind(
    rules: &Rules,
    state: &mut MatchState,
    actor: usize,
    at_ms: u64,
    dice: &mut impl Dice,
    effects: &mut Vec<Effect>,
) -> Result<(), Rejection> {
    let center = state.fighters[actor].pos;
    let targets: Vec<usize> = (0..state.fighters.len())
        .filter(|&i| i != actor)
        .filter(|&i| {
            let f = &state.fighters[i];
            f.alive && f.pos.chebyshev(center) <= rules.attack.reach_cells
        })
        .collect();
    if targets.is_empty() {
        return Err(Rejection::NoEnemyInReach);
    }
    for target in targets {
        hit(rules, state, actor, target, at_ms, dice, effects);
    }
    Ok(())
}

/// Charges toward the nearest live enemy (ties: lowest id) along the axis
/// where it is farther away (ties: east-west), up to `dash_cells`, never
/// past it, stopping before the edge or a live fighter.
fn dash(
    rules: &Rules,
    state: &mut MatchState,
    actor: usize,
    effects: &mut Vec<Effect>,
) -> Result<(), Rejection> {
    let from = state.fighters[actor].pos;
    let nearest = state
        .fighters
        .iter()
        .enumerate()
        .filter(|&(i, f)| i != actor && f.alive)
        .min_by(|(_, a), (_, b)| {
            (a.pos.chebyshev(from), &a.id).cmp(&(b.pos.chebyshev(from), &b.id))
        })
        .map(|(_, f)| f.pos)
        .ok_or(Rejection::DashNowhere)?;
    let (dx, dy) = (nearest.x - from.x, nearest.y - from.y);
    let (direction, gap) = if dx.abs() >= dy.abs() {
        (
            if dx > 0 {
                Direction::East
            } else {
                Direction::West
            },
            dx.unsigned_abs(),
        )
    } else {
        (
            if dy > 0 {
                Direction::South
            } else {
                Direction::North
            },
            dy.unsigned_abs(),
        )
    };
    let mut to = from;
    for _ in 0..rules.special.dash_cells.min(gap) {
        let next = to.step(direction);
        if !in_arena(&state.config, next) || live_fighter_at(state, next).is_some() {
            break;
        }
        to = next;
    }
    if to == from {
        return Err(Rejection::DashNowhere);
    }
    state.fighters[actor].pos = to;
    effects.push(Effect::Moved(Moved {
        player: state.fighters[actor].id.clone(),
        from,
        to,
    }));
    Ok(())
}

/// Restores hit points, up to the maximum.
fn heal(
    rules: &Rules,
    state: &mut MatchState,
    actor: usize,
    effects: &mut Vec<Effect>,
) -> Result<(), Rejection> {
    let fighter = &mut state.fighters[actor];
    if fighter.hp >= fighter.max_hp {
        return Err(Rejection::FullHealth);
    }
    let amount = rules.special.heal_hp.min(fighter.max_hp - fighter.hp);
    fighter.hp += amount;
    effects.push(Effect::Healed(Healed {
        player: fighter.id.clone(),
        amount,
        hp: fighter.hp,
    }));
    Ok(())
}

fn live_fighter_at(state: &MatchState, pos: Pos) -> Option<usize> {
    state.fighters.iter().position(|f| f.alive && f.pos == pos)
}

#[cfg(test)]
mod tests {
    use crate::testkit::{Lowest, Middle, act, arena, fighter, fighter_mut, stamped};
    use crate::types::{Ability::*, ActionKind::*, Direction::*, *};
    use crate::{Rejection, Rules};

    const CLASSIC: Rules = Rules::CLASSIC;

    fn rejected(resolution: &Resolution) -> &Rejection {
        match &resolution.verdict {
            Verdict::Rejected(why) => why,
            Verdict::Accepted => panic!("expected a rejection, got {:?}", resolution.effects),
        }
    }

    fn accepted(resolution: &Resolution) {
        assert_eq!(
            resolution.verdict,
            Verdict::Accepted,
            "{:?}",
            resolution.verdict
        );
    }

    #[test]
    fn a_fighter_steps_one_cell_north_and_the_clock_follows() {
        let state = arena(&[("ann", (3, 3)), ("bob", (8, 8))]);
        let r = CLASSIC.resolve(state, &act("ann", Move(North), 1_500), &mut Middle);
        accepted(&r);
        assert_eq!(
            r.effects,
            vec![Effect::Moved(Moved {
                player: "ann".into(),
                from: Pos::new(3, 3),
                to: Pos::new(3, 2),
            })]
        );
        assert_eq!(fighter(&r.state, "ann").pos, Pos::new(3, 2));
        assert_eq!(r.state.now_ms, 1_500);
    }

    #[test]
    fn a_fighter_cannot_walk_off_the_arena() {
        let state = arena(&[("ann", (0, 5)), ("bob", (8, 8))]);
        let r = CLASSIC.resolve(state.clone(), &act("ann", Move(West), 1), &mut Middle);
        assert_eq!(rejected(&r), &Rejection::OffArena(West));
        assert_eq!(
            rejected(&r).to_string(),
            "cannot move west: the arena ends there"
        );
        assert_eq!(
            r.state, state,
            "a rejection changes nothing, not even the clock"
        );
        assert!(r.effects.is_empty());
    }

    #[test]
    fn a_fighter_cannot_walk_onto_a_live_fighter_but_may_onto_a_fallen_one() {
        let mut state = arena(&[("ann", (3, 3)), ("bob", (4, 3)), ("cid", (9, 9))]);
        let r = CLASSIC.resolve(state.clone(), &act("ann", Move(East), 1), &mut Middle);
        assert_eq!(
            rejected(&r).to_string(),
            "cannot move east: `bob` stands there"
        );

        fighter_mut(&mut state, "bob").alive = false;
        let r = CLASSIC.resolve(state, &act("ann", Move(East), 1), &mut Middle);
        accepted(&r);
        assert_eq!(fighter(&r.state, "ann").pos, Pos::new(4, 3));
    }

    #[test]
    fn an_attack_deals_attack_minus_defence_give_or_take_three() {
        let state = arena(&[("ann", (3, 3)), ("bob", (4, 4))]);
        let r = CLASSIC.resolve(state, &act("ann", Attack("bob".into()), 1), &mut Middle);
        accepted(&r);
        assert_eq!(
            r.effects,
            vec![
                Effect::Damaged(Damaged {
                    target: "bob".into(),
                    source: Some("ann".into()),
                    amount: 15,
                    hp: 85,
                    critical: false,
                }),
                Effect::Scored(Scored {
                    player: "ann".into(),
                    points: 15,
                    total: 15,
                }),
            ]
        );
        let weakest = CLASSIC.resolve(
            arena(&[("ann", (3, 3)), ("bob", (4, 4))]),
            &act("ann", Attack("bob".into()), 1),
            &mut Lowest,
        );
        assert_eq!(fighter(&weakest.state, "bob").hp, 88, "15 - 3");
    }

    #[test]
    fn an_attack_on_a_shielded_fighter_hits_the_shield_first() {
        let mut state = arena(&[("ann", (3, 3)), ("bob", (3, 4))]);
        fighter_mut(&mut state, "bob").shield = 10;
        let r = CLASSIC.resolve(state, &act("ann", Attack("bob".into()), 1), &mut Middle);
        accepted(&r);
        let bob = fighter(&r.state, "bob");
        assert_eq!(
            (bob.shield, bob.hp),
            (0, 95),
            "10 of 15 absorbed, 5 through"
        );
        assert_eq!(
            r.effects[0],
            Effect::Shielded(Shielded {
                player: "bob".into(),
                shield: 0,
            })
        );
        assert!(matches!(&r.effects[1], Effect::Damaged(d) if d.amount == 15 && d.hp == 95));
    }

    #[test]
    fn an_enemy_two_cells_away_is_out_of_reach() {
        let state = arena(&[("ann", (3, 3)), ("bob", (5, 3))]);
        let r = CLASSIC.resolve(state, &act("ann", Attack("bob".into()), 1), &mut Middle);
        assert_eq!(
            rejected(&r).to_string(),
            "`bob` is out of reach: 2 cells away, attacks reach 1"
        );
        let state = arena(&[("ann", (3, 3)), ("bob", (5, 3))]);
        let r = CLASSIC.resolve(state, &act("ann", Attack("ann".into()), 1), &mut Middle);
        assert_eq!(rejected(&r), &Rejection::SelfTarget);
    }

    #[test]
    fn a_killing_blow_kills_and_credits_the_killer() {
        let mut state = arena(&[("ann", (3, 3)), ("bob", (4, 3)), ("cid", (9, 9))]);
        fighter_mut(&mut state, "bob").hp = 10;
        let r = CLASSIC.resolve(state, &act("ann", Attack("bob".into()), 7_000), &mut Middle);
        accepted(&r);
        let bob = fighter(&r.state, "bob");
        assert!(!bob.alive);
        assert_eq!((bob.hp, bob.died_at_ms), (0, Some(7_000)));
        let ann = fighter(&r.state, "ann");
        assert_eq!((ann.kills, ann.score), (1, 15 + 50));
        assert!(r.effects.contains(&Effect::Died("bob".into())));
        assert_eq!(
            r.effects.last(),
            Some(&Effect::Scored(Scored {
                player: "ann".into(),
                points: 50,
                total: 65,
            }))
        );
    }

    #[test]
    fn a_dead_fighter_cannot_act() {
        let mut state = arena(&[("ann", (3, 3)), ("bob", (4, 3)), ("cid", (9, 9))]);
        fighter_mut(&mut state, "ann").alive = false;
        for kind in [
            Move(North),
            Attack("bob".into()),
            Defend,
            Collect,
            Special(Heal),
        ] {
            let r = CLASSIC.resolve(state.clone(), &stamped("ann", kind, 1), &mut Middle);
            assert_eq!(rejected(&r).to_string(), "`ann` is dead and cannot act");
        }
        let r = CLASSIC.resolve(
            state.clone(),
            &act("bob", Attack("ann".into()), 1),
            &mut Middle,
        );
        assert_eq!(rejected(&r), &Rejection::TargetDead("ann".into()));
    }

    #[test]
    fn a_stranger_cannot_act_in_someone_elses_match() {
        let state = arena(&[("ann", (3, 3)), ("bob", (4, 3))]);
        let r = CLASSIC.resolve(state, &act("eve", Defend, 1), &mut Middle);
        assert_eq!(rejected(&r).to_string(), "no fighter `eve` in this match");
    }

    #[test]
    fn defending_raises_the_shield_by_ten_up_to_thirty() {
        let mut state = arena(&[("ann", (3, 3)), ("bob", (8, 8))]);
        for expected in [10, 20, 30] {
            let r = CLASSIC.resolve(state, &act("ann", Defend, 1), &mut Middle);
            accepted(&r);
            assert_eq!(
                r.effects,
                vec![Effect::Shielded(Shielded {
                    player: "ann".into(),
                    shield: expected,
                })]
            );
            state = r.state;
        }
        let r = CLASSIC.resolve(state, &act("ann", Defend, 1), &mut Middle);
        assert_eq!(
            rejected(&r).to_string(),
            "the shield is already at its maximum of 30"
        );
    }

    #[test]
    fn collecting_takes_the_resource_underfoot_for_points_and_energy() {
        let mut state = arena(&[("ann", (3, 3)), ("bob", (8, 8))]);
        state.resources.push(Resource {
            id: 4,
            pos: Pos::new(3, 3),
            value: 12,
        });
        let r = CLASSIC.resolve(state, &act("ann", Collect, 1), &mut Middle);
        accepted(&r);
        assert!(r.state.resources.is_empty());
        let ann = fighter(&r.state, "ann");
        assert_eq!((ann.score, ann.energy), (12, 1));
        assert_eq!(
            r.effects[0],
            Effect::Collected(Collected {
                player: "ann".into(),
                resource: 4,
                value: 12,
            })
        );
        let r = CLASSIC.resolve(r.state, &act("ann", Collect, 2), &mut Middle);
        assert_eq!(rejected(&r).to_string(), "nothing to collect at (3, 3)");
    }

    #[test]
    fn a_special_needs_three_energy_unless_the_action_is_stamped() {
        let mut state = arena(&[("ann", (3, 3)), ("bob", (4, 3))]);
        fighter_mut(&mut state, "ann").hp = 50;
        let r = CLASSIC.resolve(state.clone(), &act("ann", Special(Heal), 1), &mut Middle);
        assert_eq!(
            rejected(&r).to_string(),
            "heal needs 3 energy, you have 0 (a stamped special needs none)"
        );

        let r = CLASSIC.resolve(
            state.clone(),
            &stamped("ann", Special(Heal), 1),
            &mut Middle,
        );
        accepted(&r);
        assert_eq!(
            fighter(&r.state, "ann").energy,
            0,
            "a stamp spends no energy"
        );

        fighter_mut(&mut state, "ann").energy = 4;
        let r = CLASSIC.resolve(state, &act("ann", Special(Heal), 1), &mut Middle);
        accepted(&r);
        assert_eq!(fighter(&r.state, "ann").energy, 1);
    }

    #[test]
    fn heal_restores_twenty_five_up_to_the_maximum() {
        let mut state = arena(&[("ann", (3, 3)), ("bob", (8, 8))]);
        fighter_mut(&mut state, "ann").hp = 90;
        let r = CLASSIC.resolve(state, &stamped("ann", Special(Heal), 1), &mut Middle);
        assert_eq!(
            r.effects,
            vec![Effect::Healed(Healed {
                player: "ann".into(),
                amount: 10,
                hp: 100,
            })]
        );
        let r = CLASSIC.resolve(r.state, &stamped("ann", Special(Heal), 2), &mut Middle);
        assert_eq!(rejected(&r), &Rejection::FullHealth);
    }

    #[test]
    fn whirlwind_hits_every_adjacent_enemy_and_no_one_further() {
        let state = arena(&[
            ("ann", (5, 5)),
            ("bob", (4, 4)),
            ("cid", (6, 5)),
            ("dan", (7, 5)),
        ]);
        let r = CLASSIC.resolve(state, &stamped("ann", Special(Whirlwind), 1), &mut Middle);
        accepted(&r);
        let hit: Vec<&str> = r
            .effects
            .iter()
            .filter_map(|e| match e {
                Effect::Damaged(d) => Some(d.target.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(hit, ["bob", "cid"]);
        assert_eq!(fighter(&r.state, "dan").hp, 100);
        assert_eq!(fighter(&r.state, "ann").score, 30);

        let alone = arena(&[("ann", (1, 1)), ("bob", (8, 8))]);
        let r = CLASSIC.resolve(alone, &stamped("ann", Special(Whirlwind), 1), &mut Middle);
        assert_eq!(rejected(&r), &Rejection::NoEnemyInReach);
    }

    #[test]
    fn dash_charges_up_to_three_cells_toward_the_nearest_enemy() {
        let state = arena(&[("ann", (1, 5)), ("bob", (9, 6)), ("cid", (1, 11))]);
        let r = CLASSIC.resolve(state, &stamped("ann", Special(Dash), 1), &mut Middle);
        accepted(&r);
        assert_eq!(
            fighter(&r.state, "ann").pos,
            Pos::new(1, 8),
            "toward cid, south"
        );

        let close = arena(&[("ann", (1, 5)), ("bob", (3, 5))]);
        let r = CLASSIC.resolve(close, &stamped("ann", Special(Dash), 1), &mut Middle);
        assert_eq!(
            fighter(&r.state, "ann").pos,
            Pos::new(2, 5),
            "stops next to bob"
        );

        let adjacent = arena(&[("ann", (1, 5)), ("bob", (2, 5))]);
        let r = CLASSIC.resolve(adjacent, &stamped("ann", Special(Dash), 1), &mut Middle);
        assert_eq!(rejected(&r), &Rejection::DashNowhere);
    }

    #[test]
    fn a_critical_hit_doubles_the_damage_and_says_so() {
        let state = arena(&[("ann", (3, 3)), ("bob", (4, 4))]);
        let action = act("ann", Attack("bob".into()), 1);
        let r = Rules::CLASSIC_WITH_CRITS.resolve(state.clone(), &action, &mut Lowest);
        assert!(matches!(
            &r.effects[0],
            Effect::Damaged(d) if d.critical && d.amount == 24 && d.hp == 76
        ));
        let r = Rules::CLASSIC_WITH_CRITS.resolve(state.clone(), &action, &mut Middle);
        assert!(matches!(&r.effects[0], Effect::Damaged(d) if !d.critical && d.amount == 15));
        let r = Rules::CLASSIC.resolve(state, &action, &mut Lowest);
        assert!(matches!(&r.effects[0], Effect::Damaged(d) if !d.critical && d.amount == 12));
    }

    #[test]
    fn no_one_acts_once_the_match_is_over() {
        let state = arena(&[("ann", (3, 3)), ("bob", (4, 4))]);
        let r = CLASSIC.resolve(state, &act("ann", Defend, 180_000), &mut Middle);
        assert_eq!(rejected(&r).to_string(), "the match is over");
    }
}
