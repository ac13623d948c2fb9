//! Runs a scenario's steps, in order, through the host's typed calls.
//!
//! The runner keeps what the host would keep between calls: the match state
//! (a successful `setup` makes it, `resolve` and `tick` replace it,
//! `finished` reads it) and the committed key-value state. Each call gets the
//! context the host would give it: the action's or tick's logical time (the
//! state's otherwise), and a seed mixed from the scenario's seed and the
//! step's index. A failing step does not stop the run: later steps run
//! against whatever state the earlier ones left.

use std::sync::Arc;

use idempo_host::runtime::bindings::types;
use idempo_host::runtime::rng::DetRng;
use idempo_host::runtime::{
    CallContext, CallError, CallOutput, EmittedEvent, KvRead, KvScope, LoadedComponent, Runtime,
    StateView,
};
use serde::Serialize;
use serde_json::Value;

use crate::error::HarnessError;
use crate::kv::MemoryKv;
use crate::matcher;
use crate::report::{Report, StepReport};
use crate::scenario::{Call, Scenario, Step};

/// Runs every step of `scenario` against `component` and reports each.
///
/// Fails only when the scenario cannot run against this component at all
/// (another world); a step that fails is a failed [`StepReport`].
pub fn run_scenario(
    runtime: &Runtime,
    component: &Arc<LoadedComponent>,
    scenario: &Scenario,
) -> Result<Report, HarnessError> {
    let scenario_world = match scenario.world {
        Some(world) => world,
        None => scenario
            .call_world()
            .map_err(|m| HarnessError::bad(&scenario.name, m))?,
    };
    if scenario_world != component.world {
        return Err(HarnessError::WorldMismatch {
            scenario: scenario.name.clone(),
            scenario_world,
            component_world: component.world,
        });
    }
    if let Some((index, step)) = scenario
        .steps
        .iter()
        .enumerate()
        .find(|(_, s)| s.call.world() != scenario_world)
    {
        return Err(HarnessError::bad(
            &scenario.name,
            format!(
                "steps[{index}]: `{}` is a {} call; a {scenario_world} scenario cannot make it",
                step.call.name(),
                step.call.world()
            ),
        ));
    }
    let mut runner = Runner {
        runtime,
        component,
        seed: scenario.seed,
        kv: Arc::new(MemoryKv::default()),
        scope: KvScope {
            game: component.game.clone(),
            component: component.name.clone(),
        },
        state: None,
        match_id: None,
    };
    let steps = scenario
        .steps
        .iter()
        .enumerate()
        .map(|(index, step)| runner.step(index, step))
        .collect();
    Ok(Report {
        scenario: scenario.name.clone(),
        component: component.label(),
        world: component.world,
        steps,
    })
}

struct Runner<'a> {
    runtime: &'a Runtime,
    component: &'a Arc<LoadedComponent>,
    seed: u64,
    kv: Arc<MemoryKv>,
    scope: KvScope,
    state: Option<types::MatchState>,
    match_id: Option<String>,
}

/// What one call did.
enum Outcome {
    Returned(Returned),
    Failed(CallError),
    /// The call could not be made: the scenario left out what it needs.
    NotRun(String),
}

struct Returned {
    value: Value,
    events: Vec<EmittedEvent>,
    fuel_used: u64,
    summary: String,
}

impl Runner<'_> {
    fn step(&mut self, index: usize, step: &Step) -> StepReport {
        let outcome = self.call(index, &step.call);
        let mut report = StepReport {
            index,
            call: step.call.name(),
            ok: false,
            message: String::new(),
            fuel_used: None,
            actual: None,
            error: None,
        };
        match outcome {
            Outcome::NotRun(message) => report.message = message,
            Outcome::Failed(error) => {
                let kind = error.kind();
                match step.expect_error.as_deref() {
                    Some(expected) if expected == kind => {
                        report.ok = true;
                        report.message = format!("failed as expected ({kind}): {error}");
                    }
                    Some(expected) => {
                        report.message =
                            format!("expected a {expected} error, got {kind}: {error}");
                    }
                    None => report.message = format!("call failed ({kind}): {error}"),
                }
                report.error = Some(error);
            }
            Outcome::Returned(returned) => {
                report.fuel_used = Some(returned.fuel_used);
                let verdict = check_returned(index, step, &returned);
                report.actual = Some(returned.value);
                match verdict {
                    Ok(()) => {
                        report.ok = true;
                        report.message = returned.summary;
                    }
                    Err(message) => report.message = message,
                }
            }
        }
        report
    }

    fn context(&self, index: usize, now_ms: u64) -> CallContext {
        let reader: Arc<dyn KvRead> = self.kv.clone();
        CallContext {
            now_ms,
            seed: DetRng::derive(self.seed, index as u64).next_u64(),
            state: StateView {
                reader,
                scope: self.scope.clone(),
            },
        }
    }

    /// Logical time of a call that carries none: the match's, or 0.
    fn state_now_ms(&self) -> u64 {
        self.state.as_ref().map_or(0, |s| s.now_ms)
    }

    /// Commits a successful call's writes and renders its result.
    fn returned<T: Serialize>(&self, output: CallOutput<T>, summary: String) -> Returned {
        self.kv.commit(&self.scope, &output.effects);
        Returned {
            value: to_json(&output.value),
            events: output.effects.events,
            fuel_used: output.fuel_used,
            summary,
        }
    }

    fn call(&mut self, index: usize, call: &Call) -> Outcome {
        let (runtime, c) = (self.runtime, self.component);
        match call {
            Call::Setup(setup) => {
                let ctx = self.context(index, 0);
                let seed = setup.seed.unwrap_or(self.seed);
                let result = runtime.combat_setup(
                    c,
                    ctx,
                    &setup.match_id,
                    setup.config,
                    &setup.players,
                    seed,
                );
                match result {
                    Err(e) => Outcome::Failed(e),
                    Ok(out) => {
                        let summary = match &out.value {
                            Ok(state) => {
                                self.state = Some(state.clone());
                                self.match_id = Some(setup.match_id.clone());
                                format!(
                                    "match {} set up with {}",
                                    setup.match_id,
                                    count(state.fighters.len(), "fighter")
                                )
                            }
                            Err(why) => format!("setup refused: {why}"),
                        };
                        Outcome::Returned(self.returned(out, summary))
                    }
                }
            }
            Call::Resolve(action) => {
                let Some(state) = &self.state else {
                    return no_state("resolve");
                };
                let ctx = self.context(index, action.at_ms);
                match runtime.combat_resolve(c, ctx, state, action) {
                    Err(e) => Outcome::Failed(e),
                    Ok(out) => {
                        let verdict = match &out.value.verdict {
                            types::Verdict::Accepted => "Accepted".to_owned(),
                            types::Verdict::Rejected(why) => format!("Rejected: {why}"),
                        };
                        let summary =
                            format!("{verdict}, {}", count(out.value.effects.len(), "effect"));
                        self.state = Some(out.value.state.clone());
                        Outcome::Returned(self.returned(out, summary))
                    }
                }
            }
            Call::Tick { now_ms } => {
                let Some(state) = &self.state else {
                    return no_state("tick");
                };
                let ctx = self.context(index, *now_ms);
                match runtime.combat_tick(c, ctx, state, *now_ms) {
                    Err(e) => Outcome::Failed(e),
                    Ok(out) => {
                        let summary = format!(
                            "tick {} at {} ms, {}",
                            out.value.state.ticks,
                            now_ms,
                            count(out.value.effects.len(), "effect")
                        );
                        self.state = Some(out.value.state.clone());
                        Outcome::Returned(self.returned(out, summary))
                    }
                }
            }
            Call::Finished { match_id } => {
                let Some(state) = &self.state else {
                    return no_state("finished");
                };
                let Some(match_id) = match_id.as_ref().or(self.match_id.as_ref()) else {
                    return Outcome::NotRun("no match id: give `finished` a `match_id`".to_owned());
                };
                let ctx = self.context(index, state.now_ms);
                match runtime.combat_finished(c, ctx, match_id, state) {
                    Err(e) => Outcome::Failed(e),
                    Ok(out) => {
                        let summary = match &out.value {
                            None => "not finished".to_owned(),
                            Some(result) => match result.placings.iter().find(|p| p.place == 1) {
                                Some(winner) => format!(
                                    "finished: {} wins with {} points",
                                    winner.player, winner.score
                                ),
                                None => "finished without a winner".to_owned(),
                            },
                        };
                        Outcome::Returned(self.returned(out, summary))
                    }
                }
            }
            Call::Grants(result) => {
                let ctx = self.context(index, self.state_now_ms());
                match runtime.rewards_grants(c, ctx, result) {
                    Err(e) => Outcome::Failed(e),
                    Ok(out) => {
                        let summary = count(out.value.len(), "grant");
                        Outcome::Returned(self.returned(out, summary))
                    }
                }
            }
            Call::ValidateListing(listing) => {
                let ctx = self.context(index, self.state_now_ms());
                match runtime.market_validate_listing(c, ctx, listing) {
                    Err(e) => Outcome::Failed(e),
                    Ok(out) => {
                        let summary = match &out.value {
                            Ok(()) => "listing valid".to_owned(),
                            Err(why) => format!("listing refused: {why}"),
                        };
                        Outcome::Returned(self.returned(out, summary))
                    }
                }
            }
            Call::QuoteTrade(trade) => {
                let ctx = self.context(index, self.state_now_ms());
                match runtime.market_quote_trade(c, ctx, trade) {
                    Err(e) => Outcome::Failed(e),
                    Ok(out) => {
                        let summary = match &out.value {
                            Ok(q) => {
                                format!("fee {}, seller receives {}", q.fee, q.seller_receives)
                            }
                            Err(why) => format!("trade refused: {why}"),
                        };
                        Outcome::Returned(self.returned(out, summary))
                    }
                }
            }
            Call::Recipes => {
                let ctx = self.context(index, self.state_now_ms());
                match runtime.market_recipes(c, ctx) {
                    Err(e) => Outcome::Failed(e),
                    Ok(out) => {
                        let summary = count(out.value.len(), "recipe");
                        Outcome::Returned(self.returned(out, summary))
                    }
                }
            }
            Call::RulesFor(day) => {
                let ctx = self.context(index, self.state_now_ms());
                match runtime.tournament_rules(c, ctx, day) {
                    Err(e) => Outcome::Failed(e),
                    Ok(out) => {
                        let summary = match &out.value {
                            Ok(r) => format!(
                                "a tournament on {}: fee {} {}, level {}+, groups of {}",
                                day.date, r.entry_fee, r.currency, r.min_level, r.group_size
                            ),
                            Err(why) => format!("no tournament on {}: {why}", day.date),
                        };
                        Outcome::Returned(self.returned(out, summary))
                    }
                }
            }
            Call::LevelCurve => {
                let ctx = self.context(index, self.state_now_ms());
                match runtime.tournament_level_curve(c, ctx) {
                    Err(e) => Outcome::Failed(e),
                    Ok(out) => {
                        let summary = count(out.value.len(), "level threshold");
                        Outcome::Returned(self.returned(out, summary))
                    }
                }
            }
            Call::MatchPoints(placing) => {
                let ctx = self.context(index, self.state_now_ms());
                match runtime.tournament_match_points(c, ctx, placing) {
                    Err(e) => Outcome::Failed(e),
                    Ok(out) => {
                        let summary = format!("{} points to {}", out.value, placing.player);
                        Outcome::Returned(self.returned(out, summary))
                    }
                }
            }
            Call::LevelUpBonus { level } => {
                let ctx = self.context(index, self.state_now_ms());
                match runtime.tournament_level_up_bonus(c, ctx, *level) {
                    Err(e) => Outcome::Failed(e),
                    Ok(out) => {
                        let summary = format!("a bonus of {} for level {level}", out.value);
                        Outcome::Returned(self.returned(out, summary))
                    }
                }
            }
        }
    }
}

/// Checks a returned call against the step's expectations.
fn check_returned(index: usize, step: &Step, returned: &Returned) -> Result<(), String> {
    if let Some(kind) = &step.expect_error {
        return Err(format!(
            "expected a {kind} error, but the call returned: {}",
            returned.summary
        ));
    }
    if let Some(expected) = &step.expect {
        matcher::check(expected, &returned.value, &format!("steps[{index}].expect"))
            .map_err(|m| m.to_string())?;
    }
    if let Some(expected) = &step.expect_events {
        let events = to_json(&returned.events);
        matcher::check(expected, &events, &format!("steps[{index}].expect_events"))
            .map_err(|m| m.to_string())?;
    }
    Ok(())
}

fn no_state(call: &str) -> Outcome {
    Outcome::NotRun(format!(
        "no match state for `{call}`: a `setup` step must succeed before it"
    ))
}

/// `1 effect`, `2 effects`.
fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// The WIT types serialize without fail (no maps with non-string keys); a
/// failure would still be reported, not panic.
fn to_json<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value)
        .unwrap_or_else(|e| Value::String(format!("<the harness cannot render this result: {e}>")))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::scenario::Call;

    fn step(expect_events: Option<Value>, expect_error: Option<&str>) -> Step {
        Step {
            call: Call::Recipes,
            description: None,
            expect: Some(json!([])),
            expect_events,
            expect_error: expect_error.map(str::to_owned),
        }
    }

    fn returned_with_event() -> Returned {
        Returned {
            value: json!([]),
            events: vec![EmittedEvent {
                topic: "economy-events".into(),
                key: "ann".into(),
                event_type: "RecipeViewed".into(),
                payload: json!({ "player": "ann" }),
            }],
            fuel_used: 10,
            summary: "0 recipes".into(),
        }
    }

    #[test]
    fn an_emitted_event_is_matched_by_topic_and_payload() {
        let step = step(
            Some(json!([ { "topic": "economy-events", "payload": { "player": "ann" } } ])),
            None,
        );
        assert_eq!(check_returned(4, &step, &returned_with_event()), Ok(()));
    }

    #[test]
    fn an_event_that_was_not_emitted_fails_at_the_path_of_expect_events() {
        let step = step(Some(json!([ { "event_type": "ItemCrafted" } ])), None);
        let message = check_returned(4, &step, &returned_with_event()).unwrap_err();
        assert!(
            message.starts_with(
                r#"steps[4].expect_events[0].event_type: expected "ItemCrafted", got "RecipeViewed""#
            ),
            "{message}"
        );
    }

    #[test]
    fn a_call_that_returns_when_an_error_was_expected_fails() {
        let step = Step {
            expect: None,
            ..step(None, Some("fuel"))
        };
        let message = check_returned(0, &step, &returned_with_event()).unwrap_err();
        assert_eq!(
            message,
            "expected a fuel error, but the call returned: 0 recipes"
        );
    }
}
