//! Test helpers: configs, scripted dice and hand-placed fighters.

use crate::dice::Dice;
use crate::rules::Rules;
use crate::types::{Action, ActionKind, Fighter, MatchConfig, MatchState, Pos, Zone};

pub fn classic_config() -> MatchConfig {
    MatchConfig {
        width: 12,
        height: 12,
        duration_ms: 180_000,
        tick_ms: 1_000,
        initial_resources: 4,
    }
}

pub fn players(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| (*n).to_owned()).collect()
}

/// Always rolls the middle of the range: no damage variance, no crits at
/// 20%.
pub struct Middle;

impl Dice for Middle {
    fn range(&mut self, lo: u32, hi: u32) -> u32 {
        if hi <= lo { lo } else { lo + (hi - lo) / 2 }
    }
}

/// Always rolls the low end: the weakest damage, and every crit.
pub struct Lowest;

impl Dice for Lowest {
    fn range(&mut self, lo: u32, _hi: u32) -> u32 {
        lo
    }
}

/// A 12x12 arena with no resources and fighters standing where asked.
pub fn arena(fighters: &[(&str, (i32, i32))]) -> MatchState {
    let config = MatchConfig {
        initial_resources: 0,
        ..classic_config()
    };
    let base = Rules::CLASSIC.fighter;
    MatchState {
        config,
        now_ms: 0,
        ticks: 0,
        fighters: fighters
            .iter()
            .map(|(id, (x, y))| Fighter {
                id: (*id).to_owned(),
                pos: Pos::new(*x, *y),
                hp: base.hp,
                max_hp: base.hp,
                shield: 0,
                attack: base.attack,
                defence: base.defence,
                energy: 0,
                score: 0,
                kills: 0,
                alive: true,
                died_at_ms: None,
            })
            .collect(),
        resources: Vec::new(),
        zone: Zone::covering(&config),
        next_resource_id: 0,
        rules_data: Vec::new(),
    }
}

pub fn fighter<'a>(state: &'a MatchState, id: &str) -> &'a Fighter {
    state
        .fighters
        .iter()
        .find(|f| f.id == id)
        .expect("fighter in the match")
}

pub fn fighter_mut<'a>(state: &'a mut MatchState, id: &str) -> &'a mut Fighter {
    state
        .fighters
        .iter_mut()
        .find(|f| f.id == id)
        .expect("fighter in the match")
}

pub fn act(actor: &str, kind: ActionKind, at_ms: u64) -> Action {
    Action {
        id: format!("{actor}@{at_ms}"),
        actor: actor.to_owned(),
        kind,
        stamped: false,
        at_ms,
    }
}

pub fn stamped(actor: &str, kind: ActionKind, at_ms: u64) -> Action {
    Action {
        stamped: true,
        id: format!("stamp-{actor}@{at_ms}"),
        ..act(actor, kind, at_ms)
    }
}
