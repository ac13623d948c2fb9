//! Whole matches, through the public API only, the way a component or the
//! host's benchmark drives the rules.

use arena_rules::{
    Ability, Action, ActionKind, Direction, Effect, MatchConfig, MatchState, Rules, SplitMix64,
    Verdict,
};

fn config() -> MatchConfig {
    MatchConfig {
        width: 12,
        height: 12,
        duration_ms: 180_000,
        tick_ms: 1_000,
        initial_resources: 4,
    }
}

/// A scripted brawl: each second every fighter walks toward the nearest
/// enemy or hits it, then the arena ticks. Returns the final state, every
/// effect and the number of accepted actions.
fn brawl(rules: &Rules, seed: u64) -> (MatchState, Vec<Effect>, usize) {
    let mut dice = SplitMix64::new(seed);
    let names: Vec<String> = ["ann", "bob", "cid", "dan"].map(String::from).to_vec();
    let mut state = rules
        .setup(config(), &names, &mut dice)
        .expect("valid setup");
    let mut log = Vec::new();
    let mut accepted = 0;
    for second in 1..=180u64 {
        let now = second * 1_000;
        for name in &names {
            let me = state
                .fighters
                .iter()
                .find(|f| &f.id == name)
                .expect("fighter");
            if !me.alive {
                continue;
            }
            let Some(enemy) = state
                .fighters
                .iter()
                .filter(|f| f.alive && &f.id != name)
                .min_by_key(|f| (f.pos.chebyshev(me.pos), f.id.clone()))
            else {
                break;
            };
            let kind = if me.pos.chebyshev(enemy.pos) <= 1 {
                if second % 7 == 0 {
                    ActionKind::Special(Ability::Whirlwind)
                } else {
                    ActionKind::Attack(enemy.id.clone())
                }
            } else if (enemy.pos.x - me.pos.x).abs() >= (enemy.pos.y - me.pos.y).abs() {
                ActionKind::Move(if enemy.pos.x > me.pos.x {
                    Direction::East
                } else {
                    Direction::West
                })
            } else {
                ActionKind::Move(if enemy.pos.y > me.pos.y {
                    Direction::South
                } else {
                    Direction::North
                })
            };
            let action = Action {
                id: format!("{name}-{second}"),
                actor: name.clone(),
                kind,
                stamped: second % 7 == 0,
                at_ms: now,
            };
            let r = rules.resolve(state, &action, &mut dice);
            if r.verdict == Verdict::Accepted {
                accepted += 1;
            }
            log.extend(r.effects);
            state = r.state;
        }
        let out = rules.tick(state, now, &mut dice);
        log.extend(out.effects);
        state = out.state;
        if rules.finished("m", &state).is_some() {
            break;
        }
    }
    (state, log, accepted)
}

#[test]
fn the_same_seed_gives_the_same_match() {
    for rules in [Rules::CLASSIC, Rules::CLASSIC_WITH_CRITS] {
        let first = brawl(&rules, 7);
        let again = brawl(&rules, 7);
        assert_eq!(first, again);
        assert!(first.2 > 10, "the fighters did fight");
    }
    assert_ne!(brawl(&Rules::CLASSIC, 7).1, brawl(&Rules::CLASSIC, 8).1);
}

#[test]
fn a_brawl_ends_with_a_winner_and_everyone_placed() {
    let (state, log, _) = brawl(&Rules::CLASSIC, 3);
    let result = Rules::CLASSIC
        .finished("m", &state)
        .expect("the brawl ends");
    assert_eq!(result.placings.len(), 4);
    assert_eq!(result.placings[0].place, 1);
    let deaths = log.iter().filter(|e| matches!(e, Effect::Died(_))).count();
    let alive = state.fighters.iter().filter(|f| f.alive).count();
    assert_eq!(deaths + alive, 4);
    let kills: u32 = state.fighters.iter().map(|f| f.kills).sum();
    assert!(kills as usize <= deaths, "the zone kills without credit");
}

#[test]
fn critical_hits_show_up_only_in_the_version_that_has_them() {
    let crits = |rules: &Rules| {
        (0..5)
            .flat_map(|seed| brawl(rules, seed).1)
            .filter(|e| matches!(e, Effect::Damaged(d) if d.critical))
            .count()
    };
    assert_eq!(crits(&Rules::CLASSIC), 0);
    assert!(crits(&Rules::CLASSIC_WITH_CRITS) > 0);
}
