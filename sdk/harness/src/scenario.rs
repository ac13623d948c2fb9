//! The scenario file: a world, a seed and steps, each one call with an
//! optional expectation.
//!
//! ```json
//! { "world": "combat", "seed": 7,
//!   "steps": [
//!     { "setup": { "match_id": "m1", "config": { "width": 12, "height": 12, "duration_ms": 180000,
//!                  "tick_ms": 1000, "initial_resources": 4 }, "players": ["ann", "bob"], "seed": 7 },
//!       "expect": { "Ok": { "fighters": [ { "id": "ann", "hp": 100 } ] } } },
//!     { "resolve": { "id": "a1", "actor": "ann", "kind": { "Move": "North" }, "stamped": false, "at_ms": 1000 },
//!       "expect": { "verdict": "Accepted" } },
//!     { "tick": { "now_ms": 2000 }, "expect": { "state": { "ticks": 1 } } },
//!     { "finished": { "match_id": "m1" }, "expect": null }
//!   ] }
//! ```
//!
//! Calls: `setup`, `resolve`, `tick`, `finished` (combat); `grants`
//! (rewards); `validate_listing`, `quote_trade`, `recipes` (market);
//! `rules_for`, `level_curve`, `match_points`, `level_up_bonus`
//! (tournament). Their
//! arguments and results are the WIT types in serde's default spelling.
//! A step may also carry:
//! - `expect`: a partial match of the call's result (see [`crate::matcher`]);
//!   `"expect": null` expects `null` (e.g. a match that is not finished),
//!   while leaving `expect` out checks nothing;
//! - `expect_events`: a partial match of the events the call emitted
//!   (`[{"topic": .., "key": .., "event_type": .., "payload": ..}]`);
//! - `expect_error`: the call must fail with this kind of error (`fuel`,
//!   `trap`, `memory`, `stack`, `deadline`, ...);
//! - `description`: a note for the reader.

use idempo_host::runtime::World;
use idempo_host::runtime::bindings::{market_api, tournament_api, types};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::HarnessError;

/// The kinds `expect_error` may name: [`idempo_host::runtime::CallError::kind`].
pub const ERROR_KINDS: [&str; 8] = [
    "fuel",
    "trap",
    "memory",
    "stack",
    "deadline",
    "instantiation",
    "breaker_open",
    "overloaded",
];

/// A parsed scenario.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Where it came from, for messages: a file name or `<inline>`.
    pub name: String,
    pub description: Option<String>,
    /// The world the scenario is written for; `None` fits any component whose
    /// world has every call the steps make.
    pub world: Option<World>,
    /// Mixed with each step's index to seed that step's call.
    pub seed: u64,
    pub steps: Vec<Step>,
}

/// One call and what it should do.
#[derive(Debug, Clone)]
pub struct Step {
    pub call: Call,
    pub description: Option<String>,
    pub expect: Option<Value>,
    pub expect_events: Option<Value>,
    pub expect_error: Option<String>,
}

/// One entry point of a world, with its arguments.
#[derive(Debug, Clone)]
pub enum Call {
    Setup(Setup),
    Resolve(types::Action),
    Tick {
        now_ms: u64,
    },
    /// `match_id` defaults to the one of the last `setup`.
    Finished {
        match_id: Option<String>,
    },
    Grants(types::MatchResult),
    ValidateListing(market_api::Listing),
    QuoteTrade(market_api::Trade),
    Recipes,
    RulesFor(tournament_api::Day),
    LevelCurve,
    MatchPoints(types::Placing),
    LevelUpBonus {
        level: u32,
    },
}

/// The arguments of `setup`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Setup {
    pub match_id: String,
    pub config: types::MatchConfig,
    pub players: Vec<String>,
    /// Defaults to the scenario's seed.
    pub seed: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Tick {
    now_ms: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Finished {
    match_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Recipes {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LevelCurve {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LevelUpBonus {
    level: u32,
}

/// The call keys a step may use.
pub const CALLS: [&str; 12] = [
    "setup",
    "resolve",
    "tick",
    "finished",
    "grants",
    "validate_listing",
    "quote_trade",
    "recipes",
    "rules_for",
    "level_curve",
    "match_points",
    "level_up_bonus",
];

const STEP_KEYS: [&str; 4] = ["description", "expect", "expect_events", "expect_error"];

impl Call {
    /// The call's name, as a scenario spells it.
    pub fn name(&self) -> &'static str {
        match self {
            Call::Setup(_) => "setup",
            Call::Resolve(_) => "resolve",
            Call::Tick { .. } => "tick",
            Call::Finished { .. } => "finished",
            Call::Grants(_) => "grants",
            Call::ValidateListing(_) => "validate_listing",
            Call::QuoteTrade(_) => "quote_trade",
            Call::Recipes => "recipes",
            Call::RulesFor(_) => "rules_for",
            Call::LevelCurve => "level_curve",
            Call::MatchPoints(_) => "match_points",
            Call::LevelUpBonus { .. } => "level_up_bonus",
        }
    }

    /// The world that exports this call.
    pub fn world(&self) -> World {
        match self {
            Call::Setup(_) | Call::Resolve(_) | Call::Tick { .. } | Call::Finished { .. } => {
                World::Combat
            }
            Call::Grants(_) => World::Rewards,
            Call::ValidateListing(_) | Call::QuoteTrade(_) | Call::Recipes => World::Market,
            Call::RulesFor(_)
            | Call::LevelCurve
            | Call::MatchPoints(_)
            | Call::LevelUpBonus { .. } => World::Tournament,
        }
    }

    fn parse(name: &str, args: Value) -> Result<Self, String> {
        Ok(match name {
            "setup" => Call::Setup(args_of(name, args)?),
            "resolve" => Call::Resolve(args_of(name, args)?),
            "tick" => {
                let Tick { now_ms } = args_of(name, args)?;
                Call::Tick { now_ms }
            }
            "finished" => {
                let args = if args.is_null() {
                    Value::Object(Map::new())
                } else {
                    args
                };
                let Finished { match_id } = args_of(name, args)?;
                Call::Finished { match_id }
            }
            "grants" => Call::Grants(args_of(name, args)?),
            "validate_listing" => Call::ValidateListing(args_of(name, args)?),
            "quote_trade" => Call::QuoteTrade(args_of(name, args)?),
            "recipes" => {
                let args = if args.is_null() {
                    Value::Object(Map::new())
                } else {
                    args
                };
                let Recipes {} = args_of(name, args)?;
                Call::Recipes
            }
            "rules_for" => Call::RulesFor(args_of(name, args)?),
            "level_curve" => {
                let LevelCurve {} = args_of(name, no_args(args))?;
                Call::LevelCurve
            }
            "match_points" => Call::MatchPoints(args_of(name, args)?),
            "level_up_bonus" => {
                let LevelUpBonus { level } = args_of(name, args)?;
                Call::LevelUpBonus { level }
            }
            other => return Err(format!("unknown call `{other}`")),
        })
    }
}

/// `null` as an empty object, for calls without arguments.
fn no_args(args: Value) -> Value {
    if args.is_null() {
        Value::Object(Map::new())
    } else {
        args
    }
}

fn args_of<T: DeserializeOwned>(call: &str, args: Value) -> Result<T, String> {
    serde_json::from_value(args).map_err(|e| format!("bad arguments of `{call}`: {e}"))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    world: Option<World>,
    #[serde(default)]
    seed: u64,
    steps: Vec<Map<String, Value>>,
}

impl Scenario {
    /// Parses a scenario's JSON text. `name` labels it in messages.
    pub fn parse(name: &str, text: &str) -> Result<Self, HarnessError> {
        let raw: RawScenario = serde_json::from_str(text).map_err(|e| {
            HarnessError::bad(
                name,
                format!(
                    "not a scenario: {e} (a scenario is {{\"world\", \"seed\", \"steps\": [..]}})"
                ),
            )
        })?;
        if raw.steps.is_empty() {
            return Err(HarnessError::bad(name, "the scenario has no steps"));
        }
        let steps = raw
            .steps
            .into_iter()
            .enumerate()
            .map(|(index, step)| {
                parse_step(step).map_err(|message| {
                    HarnessError::bad(name, format!("steps[{index}]: {message}"))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            name: name.to_owned(),
            description: raw.description,
            world: raw.world,
            seed: raw.seed,
            steps,
        })
    }

    /// The one world whose calls the steps make, if they agree on one.
    pub fn call_world(&self) -> Result<World, String> {
        let first = self.steps[0].call.world();
        match self.steps.iter().find(|s| s.call.world() != first) {
            None => Ok(first),
            Some(other) => Err(format!(
                "it mixes {} calls (`{}`) and {} calls (`{}`); a scenario runs against one component",
                first,
                self.steps[0].call.name(),
                other.call.world(),
                other.call.name()
            )),
        }
    }
}

fn parse_step(mut step: Map<String, Value>) -> Result<Step, String> {
    let calls: Vec<String> = step
        .keys()
        .filter(|k| CALLS.contains(&k.as_str()))
        .cloned()
        .collect();
    let unknown: Vec<&String> = step
        .keys()
        .filter(|k| !CALLS.contains(&k.as_str()) && !STEP_KEYS.contains(&k.as_str()))
        .collect();
    if !unknown.is_empty() {
        let unknown: Vec<&str> = unknown.iter().map(|k| k.as_str()).collect();
        return Err(format!(
            "unknown key {}; a step has one call ({}) and may have {}",
            unknown.join(", "),
            CALLS.join(", "),
            STEP_KEYS.join(", ")
        ));
    }
    let name = match calls.as_slice() {
        [one] => one.clone(),
        [] => return Err(format!("no call; a step has one of {}", CALLS.join(", "))),
        many => {
            return Err(format!(
                "{} calls ({}) in one step; split them into steps",
                many.len(),
                many.join(", ")
            ));
        }
    };
    let args = step.remove(&name).unwrap_or(Value::Null);
    let call = Call::parse(&name, args)?;
    let description = match step.remove("description") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s),
        Some(other) => return Err(format!("`description` must be a string, got {other}")),
    };
    let expect = step.remove("expect");
    let expect_events = step.remove("expect_events");
    let expect_error = match step.remove("expect_error") {
        None => None,
        Some(Value::String(kind)) if ERROR_KINDS.contains(&kind.as_str()) => Some(kind),
        Some(other) => {
            return Err(format!(
                "`expect_error` must be one of {}, got {other}",
                ERROR_KINDS.join(", ")
            ));
        }
    };
    if expect_error.is_some() && (expect.is_some() || expect_events.is_some()) {
        return Err(
            "a step expects a result or an error, not both: drop `expect` or `expect_error`".into(),
        );
    }
    Ok(Step {
        call,
        description,
        expect,
        expect_events,
        expect_error,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Scenario, String> {
        Scenario::parse("s.json", text).map_err(|e| e.to_string())
    }

    #[test]
    fn the_documented_combat_scenario_parses() {
        let s = parse(
            r#"{ "world": "combat", "seed": 7, "steps": [
              { "setup": { "match_id": "m1", "config": {"width":12,"height":12,"duration_ms":180000,"tick_ms":1000,"initial_resources":4}, "players": ["ann","bob"], "seed": 7 },
                "expect": { "Ok": { "fighters": [ {"id":"ann","hp":100} ] } } },
              { "resolve": { "id":"a1", "actor":"ann", "kind": {"Move":"North"}, "stamped": false, "at_ms": 1000 },
                "expect": { "verdict": "Accepted", "effects": [ {"Moved": {"player":"ann"}} ] } },
              { "tick": { "now_ms": 2000 }, "expect": { "state": { "ticks": 1 } } },
              { "finished": { "match_id": "m1" }, "expect": null } ] }"#,
        )
        .unwrap();
        assert_eq!(s.world, Some(World::Combat));
        assert_eq!(s.seed, 7);
        let names: Vec<_> = s.steps.iter().map(|s| s.call.name()).collect();
        assert_eq!(names, ["setup", "resolve", "tick", "finished"]);
        assert_eq!(
            s.steps[3].expect,
            Some(Value::Null),
            "an explicit null is an expectation"
        );
        assert_eq!(s.steps[2].expect_events, None);
        assert_eq!(s.call_world(), Ok(World::Combat));
    }

    #[test]
    fn a_step_without_expect_checks_nothing() {
        let s = parse(r#"{ "steps": [ { "recipes": {} } ] }"#).unwrap();
        assert_eq!(s.steps[0].expect, None);
        assert_eq!(s.world, None);
        assert_eq!(s.call_world(), Ok(World::Market));
    }

    #[test]
    fn a_misspelt_expect_is_refused_instead_of_silently_passing() {
        let e = parse(r#"{ "steps": [ { "recipes": {}, "expcet": [] } ] }"#).unwrap_err();
        assert!(e.contains("steps[0]: unknown key expcet"), "{e}");
    }

    #[test]
    fn a_step_with_two_calls_is_refused() {
        let e = parse(r#"{ "steps": [ { "recipes": {}, "tick": {"now_ms": 1} } ] }"#).unwrap_err();
        assert!(e.contains("2 calls"), "{e}");
    }

    #[test]
    fn bad_arguments_name_the_call_and_the_field() {
        let e = parse(r#"{ "steps": [ { "tick": {"now": 1} } ] }"#).unwrap_err();
        assert!(e.contains("steps[0]: bad arguments of `tick`"), "{e}");
        assert!(e.contains("now"), "{e}");
    }

    #[test]
    fn an_unknown_error_kind_lists_the_known_ones() {
        let e = parse(r#"{ "steps": [ { "recipes": {}, "expect_error": "oom" } ] }"#).unwrap_err();
        assert!(e.contains("fuel, trap"), "{e}");
    }

    #[test]
    fn a_scenario_cannot_mix_worlds() {
        let s = parse(r#"{ "steps": [ { "recipes": {} }, { "tick": {"now_ms": 1} } ] }"#).unwrap();
        assert!(s.call_world().unwrap_err().contains("mixes market calls"));
    }

    #[test]
    fn an_empty_scenario_is_refused() {
        assert!(
            parse(r#"{ "steps": [] }"#)
                .unwrap_err()
                .contains("no steps")
        );
    }
}
