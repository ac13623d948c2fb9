//! # {{component_name}}: a sparring ring
//!
//! A small but complete combat component, to grow into your own rules:
//!
//! - fighters line up on the middle row, three cells apart, 50 hp each;
//! - `move` one cell (not off the ring, not onto a live fighter);
//! - `attack` a neighbour for 8 to 12 damage, rolled by the host's rng;
//! - `defend` raises a shield of 5, up to 10, that absorbs damage first;
//! - `collect` and specials are not in these rules and are refused;
//! - the last one standing, or the best score when time is up, wins.
//!
//! Take time from `clock` or the arguments and randomness from `rng`, never
//! from `std`: the host replays matches and expects the same outcome.

use idempo_sdk::prelude::*;

const HP: i32 = 50;
const MAX_SHIELD: i32 = 10;
const SHIELD_GAIN: i32 = 5;
const MAX_PLAYERS: usize = 8;

struct Sparring;

impl Combat for Sparring {
    fn setup(
        match_id: String,
        config: MatchConfig,
        players: Vec<PlayerId>,
        _seed: u64,
    ) -> Result<MatchState, String> {
        if players.len() < 2 || players.len() > MAX_PLAYERS {
            return Err(format!("a sparring match takes 2 to {MAX_PLAYERS} players"));
        }
        let config = MatchConfig {
            width: config.width.max(3 * players.len() as u32),
            height: config.height.max(3),
            duration_ms: if config.duration_ms == 0 {
                60_000
            } else {
                config.duration_ms
            },
            ..config
        };
        let row = (config.height / 2) as i32;
        let fighters = players
            .into_iter()
            .enumerate()
            .map(|(i, id)| Fighter {
                id,
                pos: Pos {
                    x: 3 * i as i32 + 1,
                    y: row,
                },
                hp: HP,
                max_hp: HP,
                shield: 0,
                attack: 10,
                defence: 0,
                energy: 0,
                score: 0,
                kills: 0,
                alive: true,
                died_at_ms: None,
            })
            .collect();
        log::info(&format!("sparring match {match_id} laid out"));
        Ok(MatchState {
            config,
            now_ms: 0,
            ticks: 0,
            fighters,
            resources: Vec::new(),
            zone: Zone {
                center: Pos {
                    x: (config.width / 2) as i32,
                    y: row,
                },
                radius: config.width.max(config.height),
            },
            next_resource_id: 0,
            rules_data: Vec::new(),
        })
    }

    fn resolve(state: MatchState, action: Action) -> Resolution {
        let mut next = state.clone();
        match act(&mut next, &action) {
            Ok(effects) => {
                next.now_ms = next.now_ms.max(action.at_ms);
                Resolution {
                    verdict: Verdict::Accepted,
                    effects,
                    state: next,
                }
            }
            // A rejected action leaves the state exactly as it was.
            Err(why) => Resolution {
                verdict: Verdict::Rejected(why),
                effects: Vec::new(),
                state,
            },
        }
    }

    fn tick(mut state: MatchState, now_ms: u64) -> TickOutcome {
        state.now_ms = state.now_ms.max(now_ms);
        state.ticks += 1;
        TickOutcome {
            effects: Vec::new(),
            state,
        }
    }

    fn finished(match_id: String, state: MatchState) -> Option<MatchResult> {
        let alive = state.fighters.iter().filter(|f| f.alive).count();
        if alive > 1 && state.now_ms < state.config.duration_ms {
            return None;
        }
        let mut order = state.fighters;
        order.sort_by(|a, b| {
            b.alive
                .cmp(&a.alive)
                .then(b.score.cmp(&a.score))
                .then(a.id.cmp(&b.id))
        });
        let placings = order
            .into_iter()
            .zip(1..)
            .map(|(f, place)| Placing {
                player: f.id,
                place,
                score: f.score,
                kills: f.kills,
            })
            .collect();
        Some(MatchResult {
            match_id,
            placings,
            duration_ms: state.now_ms.min(state.config.duration_ms),
        })
    }
}

/// Applies one action to `state`, or says why not.
fn act(state: &mut MatchState, action: &Action) -> Result<Vec<Effect>, String> {
    let me = find(state, &action.actor)?;
    if !state.fighters[me].alive {
        return Err(format!("`{}` is down and cannot act", action.actor));
    }
    match &action.kind {
        ActionKind::Move(direction) => {
            let from = state.fighters[me].pos;
            let (dx, dy) = match direction {
                Direction::North => (0, -1),
                Direction::South => (0, 1),
                Direction::East => (1, 0),
                Direction::West => (-1, 0),
            };
            let to = Pos {
                x: from.x + dx,
                y: from.y + dy,
            };
            let (w, h) = (state.config.width as i32, state.config.height as i32);
            if to.x < 0 || to.y < 0 || to.x >= w || to.y >= h {
                return Err("that would leave the ring".to_owned());
            }
            if state.fighters.iter().any(|f| f.alive && f.pos == to) {
                return Err("someone stands there".to_owned());
            }
            state.fighters[me].pos = to;
            Ok(vec![Effect::Moved(Moved {
                player: action.actor.clone(),
                from,
                to,
            })])
        }
        ActionKind::Attack(target) => {
            let them = find(state, target)?;
            let (a, b) = (state.fighters[me].pos, state.fighters[them].pos);
            if me == them
                || !state.fighters[them].alive
                || a.x.abs_diff(b.x).max(a.y.abs_diff(b.y)) != 1
            {
                return Err(format!("`{target}` is not a standing neighbour"));
            }
            let damage = state.fighters[me].attack - 2 + rng::range(0, 5) as i32;
            let victim = &mut state.fighters[them];
            let absorbed = damage.min(victim.shield);
            victim.shield -= absorbed;
            victim.hp = (victim.hp - (damage - absorbed)).max(0);
            let mut effects = vec![Effect::Damaged(Damaged {
                target: target.clone(),
                source: Some(action.actor.clone()),
                amount: damage,
                hp: victim.hp,
                critical: false,
            })];
            if victim.hp == 0 {
                victim.alive = false;
                victim.died_at_ms = Some(action.at_ms);
                state.fighters[me].kills += 1;
                effects.push(Effect::Died(target.clone()));
            }
            let attacker = &mut state.fighters[me];
            attacker.score += damage;
            effects.push(Effect::Scored(Scored {
                player: attacker.id.clone(),
                points: damage,
                total: attacker.score,
            }));
            Ok(effects)
        }
        ActionKind::Defend => {
            let fighter = &mut state.fighters[me];
            if fighter.shield >= MAX_SHIELD {
                return Err(format!("the shield is already at {MAX_SHIELD}"));
            }
            fighter.shield = (fighter.shield + SHIELD_GAIN).min(MAX_SHIELD);
            Ok(vec![Effect::Shielded(Shielded {
                player: fighter.id.clone(),
                shield: fighter.shield,
            })])
        }
        ActionKind::Collect | ActionKind::Special(_) => Err("not in the sparring rules".to_owned()),
    }
}

fn find(state: &MatchState, id: &str) -> Result<usize, String> {
    state
        .fighters
        .iter()
        .position(|f| f.id == id)
        .ok_or_else(|| format!("no fighter `{id}` in this match"))
}

idempo_sdk::export_combat!(Sparring);
