//! Laying out a match: effective config, spawns, first resources.

use crate::dice::Dice;
use crate::grid::{self, in_arena};
use crate::reject::SetupError;
use crate::rules::Rules;
use crate::types::{Fighter, MatchConfig, MatchState, Pos, Resource, Zone};

/// Validates `config` and `players` and lays out the match.
///
/// Zero fields of `config` take the rules' defaults; the returned state holds
/// the effective config. Fighters stand on the ring one cell inside the edge,
/// evenly spaced in the order given, the ring's starting point rolled once.
/// Then `initial_resources` resources land on free cells (as many as fit).
pub fn setup(
    rules: &Rules,
    config: MatchConfig,
    players: &[String],
    dice: &mut impl Dice,
) -> Result<MatchState, SetupError> {
    let arena = &rules.arena;
    let config = effective(rules, config);
    if players.len() < arena.min_players {
        return Err(SetupError::TooFewPlayers {
            got: players.len(),
            min: arena.min_players,
        });
    }
    if players.len() > arena.max_players {
        return Err(SetupError::TooManyPlayers {
            got: players.len(),
            max: arena.max_players,
        });
    }
    for (i, id) in players.iter().enumerate() {
        if id.is_empty() || id.len() > arena.max_player_id_bytes {
            return Err(SetupError::BadPlayerId {
                id: id.clone(),
                max_bytes: arena.max_player_id_bytes,
            });
        }
        if players[..i].contains(id) {
            return Err(SetupError::DuplicatePlayer(id.clone()));
        }
    }
    let sides = arena.min_side_cells..=arena.max_side_cells;
    if !sides.contains(&config.width) || !sides.contains(&config.height) {
        return Err(SetupError::ArenaSize {
            width: config.width,
            height: config.height,
            min: arena.min_side_cells,
            max: arena.max_side_cells,
        });
    }
    if config.initial_resources > arena.max_initial_resources {
        return Err(SetupError::TooManyResources {
            asked: config.initial_resources,
            max: arena.max_initial_resources,
        });
    }
    let ring = grid::spawn_ring(&config);
    if ring.len() < players.len() {
        return Err(SetupError::ArenaTooSmall {
            players: players.len(),
            spawns: ring.len(),
        });
    }

    let offset = dice.range(0, ring.len() as u32) as usize;
    let fighters = players
        .iter()
        .enumerate()
        .map(|(i, id)| Fighter {
            id: id.clone(),
            pos: ring[(offset + i * ring.len() / players.len()) % ring.len()],
            hp: rules.fighter.hp,
            max_hp: rules.fighter.hp,
            shield: 0,
            attack: rules.fighter.attack,
            defence: rules.fighter.defence,
            energy: 0,
            score: 0,
            kills: 0,
            alive: true,
            died_at_ms: None,
        })
        .collect();

    let zone = Zone::covering(&config);
    let mut state = MatchState {
        config,
        now_ms: 0,
        ticks: 0,
        fighters,
        resources: Vec::new(),
        zone,
        next_resource_id: 0,
        rules_data: Vec::new(),
    };
    for _ in 0..config.initial_resources {
        if spawn_resource(rules, &mut state, dice).is_none() {
            break;
        }
    }
    Ok(state)
}

/// `config` with zero fields replaced by the rules' defaults.
pub fn effective(rules: &Rules, config: MatchConfig) -> MatchConfig {
    let arena = &rules.arena;
    let or = |v: u32, d: u32| if v == 0 { d } else { v };
    let or_ms = |v: u64, d: u64| if v == 0 { d } else { v };
    MatchConfig {
        width: or(config.width, arena.default_side_cells),
        height: or(config.height, arena.default_side_cells),
        duration_ms: or_ms(config.duration_ms, arena.default_duration_ms),
        tick_ms: or_ms(config.tick_ms, arena.default_tick_ms),
        initial_resources: config.initial_resources,
    }
}

/// Places a resource of rolled value on a rolled free cell inside the zone
/// (no fighter, no resource there). `None` when no cell is free.
pub(crate) fn spawn_resource(
    rules: &Rules,
    state: &mut MatchState,
    dice: &mut impl Dice,
) -> Option<Resource> {
    let free: Vec<Pos> = grid::cells(&state.config)
        .filter(|p| state.zone.contains(*p) && in_arena(&state.config, *p))
        .filter(|p| !state.fighters.iter().any(|f| f.alive && f.pos == *p))
        .filter(|p| !state.resources.iter().any(|r| r.pos == *p))
        .collect();
    if free.is_empty() {
        return None;
    }
    let pos = free[dice.range(0, free.len() as u32) as usize];
    let (lo, hi) = (rules.resources.min_value, rules.resources.max_value);
    let value = lo + dice.range(0, (hi - lo + 1).max(0) as u32) as i32;
    let resource = Resource {
        id: state.next_resource_id,
        pos,
        value,
    };
    state.next_resource_id = state.next_resource_id.wrapping_add(1);
    state.resources.push(resource);
    Some(resource)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dice::SplitMix64;
    use crate::testkit::{classic_config, players};

    #[test]
    fn two_players_spawn_far_apart_at_full_health_with_resources_around() {
        let state = Rules::CLASSIC
            .setup(
                classic_config(),
                &players(&["ann", "bob"]),
                &mut SplitMix64::new(7),
            )
            .expect("a valid match");
        let [ann, bob] = &state.fighters[..] else {
            panic!("two fighters")
        };
        assert_eq!((ann.id.as_str(), bob.id.as_str()), ("ann", "bob"));
        assert!(
            ann.pos.chebyshev(bob.pos) >= 6,
            "{:?} vs {:?}",
            ann.pos,
            bob.pos
        );
        for f in &state.fighters {
            assert_eq!((f.hp, f.max_hp, f.attack, f.defence), (100, 100, 20, 5));
            assert!(f.alive && in_arena(&state.config, f.pos));
        }
        assert_eq!(state.resources.len(), 4);
        assert_eq!(state.next_resource_id, 4);
        assert!(state.resources.iter().all(|r| (5..=15).contains(&r.value)));
        assert!(
            state
                .resources
                .iter()
                .all(|r| state.fighters.iter().all(|f| f.pos != r.pos))
        );
    }

    #[test]
    fn sixteen_fighters_each_get_a_cell_of_their_own() {
        let names: Vec<String> = (0..16).map(|i| format!("p{i}")).collect();
        let state = Rules::CLASSIC
            .setup(classic_config(), &names, &mut SplitMix64::new(1))
            .expect("a full arena");
        let mut cells: Vec<Pos> = state.fighters.iter().map(|f| f.pos).collect();
        cells.sort_by_key(|p| (p.x, p.y));
        cells.dedup();
        assert_eq!(cells.len(), 16);
    }

    #[test]
    fn zero_config_fields_mean_the_classic_defaults() {
        let zero = MatchConfig {
            width: 0,
            height: 0,
            duration_ms: 0,
            tick_ms: 0,
            initial_resources: 0,
        };
        let state = Rules::CLASSIC
            .setup(zero, &players(&["ann", "bob"]), &mut SplitMix64::new(1))
            .expect("defaults are valid");
        assert_eq!((state.config.width, state.config.height), (12, 12));
        assert_eq!(
            (state.config.duration_ms, state.config.tick_ms),
            (180_000, 1_000)
        );
        assert_eq!(
            state.zone,
            Zone {
                center: Pos::new(6, 6),
                radius: 6
            }
        );
    }

    #[test]
    fn a_match_needs_two_distinct_named_players_in_a_sane_arena() {
        let rules = Rules::CLASSIC;
        let mut dice = SplitMix64::new(1);
        let setup = |cfg: MatchConfig, names: &[&str], dice: &mut SplitMix64| {
            rules.setup(cfg, &players(names), dice).map(|_| ())
        };
        assert_eq!(
            setup(classic_config(), &["ann"], &mut dice),
            Err(SetupError::TooFewPlayers { got: 1, min: 2 })
        );
        assert_eq!(
            setup(classic_config(), &["ann", "ann"], &mut dice),
            Err(SetupError::DuplicatePlayer("ann".into()))
        );
        assert!(matches!(
            setup(classic_config(), &["ann", ""], &mut dice),
            Err(SetupError::BadPlayerId { .. })
        ));
        let huge = MatchConfig {
            width: 1000,
            ..classic_config()
        };
        assert!(matches!(
            setup(huge, &["ann", "bob"], &mut dice),
            Err(SetupError::ArenaSize { .. })
        ));
        let tiny = MatchConfig {
            width: 4,
            height: 4,
            ..classic_config()
        };
        assert_eq!(
            setup(tiny, &["a", "b", "c", "d", "e"], &mut dice),
            Err(SetupError::ArenaTooSmall {
                players: 5,
                spawns: 4
            })
        );
        assert_eq!(
            SetupError::TooFewPlayers { got: 1, min: 2 }.to_string(),
            "a match needs at least 2 players, got 1"
        );
    }
}
