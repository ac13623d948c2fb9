//! What running a scenario found: one line per step, `✓` or `✗`.

use std::fmt;

use idempo_host::runtime::{CallError, World};
use serde_json::Value;

use crate::matcher::truncate;

/// Longest rendering of a failed step's actual result, in characters.
const MAX_ACTUAL_CHARS: usize = 1_000;

/// The outcome of one scenario against one component.
#[derive(Debug, Clone)]
pub struct Report {
    /// The scenario's name (its file name).
    pub scenario: String,
    /// `name@version` of the component that ran it.
    pub component: String,
    pub world: World,
    pub steps: Vec<StepReport>,
}

/// The outcome of one step.
#[derive(Debug, Clone)]
pub struct StepReport {
    pub index: usize,
    /// The call's name: `setup`, `resolve`, ...
    pub call: &'static str,
    pub ok: bool,
    /// On success, a one-line summary of the result; on failure, why.
    pub message: String,
    /// Fuel the call burned; `None` when it failed before reporting it.
    pub fuel_used: Option<u64>,
    /// The call's result as JSON, when it returned one.
    pub actual: Option<Value>,
    /// The call's failure, when it failed.
    pub error: Option<CallError>,
}

impl Report {
    /// True when every step passed.
    pub fn passed(&self) -> bool {
        self.steps.iter().all(|s| s.ok)
    }

    /// The steps that failed.
    pub fn failures(&self) -> impl Iterator<Item = &StepReport> {
        self.steps.iter().filter(|s| !s.ok)
    }

    /// Fuel burned by all steps together.
    pub fn fuel_used(&self) -> u64 {
        self.steps.iter().filter_map(|s| s.fuel_used).sum()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "scenario {} against {} ({})",
            self.scenario, self.component, self.world
        )?;
        for step in &self.steps {
            writeln!(f, "  {step}")?;
        }
        let failed = self.failures().count();
        write!(
            f,
            "  steps: {} passed, {} failed; fuel {}",
            self.steps.len() - failed,
            failed,
            self.fuel_used()
        )
    }
}

impl fmt::Display for StepReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mark = if self.ok { '✓' } else { '✗' };
        write!(
            f,
            "{mark} steps[{}] {}: {}",
            self.index, self.call, self.message
        )?;
        if let Some(fuel) = self.fuel_used {
            write!(f, " (fuel {fuel})")?;
        }
        if !self.ok
            && let Some(actual) = &self.actual
        {
            write!(
                f,
                "\n      actual: {}",
                truncate(&actual.to_string(), MAX_ACTUAL_CHARS)
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn step(index: usize, ok: bool, message: &str) -> StepReport {
        StepReport {
            index,
            call: "resolve",
            ok,
            message: message.into(),
            fuel_used: Some(100),
            actual: Some(json!({ "verdict": "Accepted" })),
            error: None,
        }
    }

    #[test]
    fn a_report_prints_a_tick_per_passed_step_and_a_cross_with_the_actual_value_per_failure() {
        let report = Report {
            scenario: "duel.json".into(),
            component: "classic@1.0.0".into(),
            world: World::Combat,
            steps: vec![
                step(0, true, "Accepted, 1 effect"),
                step(
                    1,
                    false,
                    "steps[1].expect.verdict: expected \"Rejected\", got \"Accepted\"",
                ),
            ],
        };
        assert!(!report.passed());
        let text = report.to_string();
        assert_eq!(
            text,
            "scenario duel.json against classic@1.0.0 (combat)\n\
             \x20 ✓ steps[0] resolve: Accepted, 1 effect (fuel 100)\n\
             \x20 ✗ steps[1] resolve: steps[1].expect.verdict: expected \"Rejected\", got \"Accepted\" (fuel 100)\n\
             \x20     actual: {\"verdict\":\"Accepted\"}\n\
             \x20 steps: 1 passed, 1 failed; fuel 200"
        );
    }
}
