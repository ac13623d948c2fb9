//! `idempo-sdk test`: builds, then runs each component's
//! `scenarios/*.json` through the harness, in the host's own runtime.

use std::path::Path;

use anyhow::Context;
use idempo_harness::{Report, load_component_as, run_file, scenario_files};
use idempo_host::runtime::{Runtime, RuntimeOptions};

use crate::build::{Artifact, build};

/// What a test run found.
#[derive(Debug, Default)]
pub struct TestRun {
    pub reports: Vec<Report>,
    /// Scenarios or components that could not run at all, with why.
    pub errors: Vec<String>,
    /// Components that have no scenario.
    pub untested: Vec<String>,
}

impl TestRun {
    /// True when every scenario ran and passed.
    pub fn passed(&self) -> bool {
        self.errors.is_empty() && self.reports.iter().all(Report::passed)
    }

    fn failed_scenarios(&self) -> usize {
        self.errors.len() + self.reports.iter().filter(|r| !r.passed()).count()
    }
}

/// Builds the components at `path`, then runs their scenarios.
pub fn test(path: &Path, out: Option<&Path>) -> anyhow::Result<TestRun> {
    let (_, artifacts) = build(path, out)?;
    test_artifacts(&artifacts)
}

/// Runs the scenarios of built components, printing each report.
pub fn test_artifacts(artifacts: &[Artifact]) -> anyhow::Result<TestRun> {
    let runtime =
        Runtime::new(RuntimeOptions::default()).context("cannot start the component runtime")?;
    let runtime = &runtime;
    let mut run = TestRun::default();
    for artifact in artifacts {
        let c = &artifact.component;
        let dir = c.scenarios_dir();
        let files = scenario_files(&dir)?;
        println!(
            "==> testing {} ({}) against {} scenario{} in {}",
            c.label(),
            c.world,
            files.len(),
            if files.len() == 1 { "" } else { "s" },
            dir.display()
        );
        if files.is_empty() {
            println!(
                "    no scenarios: add JSON scenarios to {} (`idempo-sdk new` writes an example)",
                dir.display()
            );
            run.untested.push(c.label());
            continue;
        }
        let component =
            match load_component_as(runtime, c.world, &c.name, &c.version, &artifact.path) {
                Ok(component) => component,
                Err(e) => {
                    println!("  ✗ {e}");
                    run.errors.push(e.to_string());
                    continue;
                }
            };
        for file in files {
            match run_file(runtime, &component, &file) {
                Ok(report) => {
                    println!("{report}");
                    run.reports.push(report);
                }
                Err(e) => {
                    println!("  ✗ {e}");
                    run.errors.push(e.to_string());
                }
            }
        }
    }
    let failed = run.failed_scenarios();
    let total = run.reports.len() + run.errors.len();
    println!("scenarios: {} passed, {failed} failed", total - failed);
    Ok(run)
}
