//! idempo's test harness: runs a built component through the host's own
//! runtime against scenario files, so what passes here behaves the same in
//! the host.
//!
//! Map:
//! - [`scenario`]: the scenario file (world, seed, steps of calls with
//!   expectations) and its parser;
//! - [`matcher`]: partial matching of expected JSON against a result, with
//!   the JSON path of the first difference;
//! - [`run`]: the runner, which threads match state and key-value state
//!   between calls as the host does;
//! - [`kv`]: the in-memory committed key-value state;
//! - [`report`]: the per-step outcome, printed as `✓`/`✗` lines;
//! - [`error`]: why a scenario could not run at all.
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use idempo_harness::{load_component, run_file};
//! use idempo_host::runtime::{Runtime, RuntimeOptions, World};
//!
//! let runtime = Runtime::new(RuntimeOptions::default())?;
//! let combat = load_component(&runtime, World::Combat, "target/wasm32-wasip2/release/combat_classic.wasm".as_ref())?;
//! let report = run_file(&runtime, &combat, "scenarios/duel.json".as_ref())?;
//! println!("{report}");
//! assert!(report.passed());
//! # Ok(()) }
//! ```

pub mod error;
pub mod kv;
pub mod matcher;
pub mod report;
pub mod run;
pub mod scenario;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use idempo_host::DEFAULT_GAME;
use idempo_host::runtime::{LoadedComponent, Runtime, World};
use semver::Version;

pub use error::HarnessError;
pub use report::{Report, StepReport};
pub use run::run_scenario;
pub use scenario::Scenario;

/// The name [`load_component`] registers a component under.
pub const HARNESS_COMPONENT: &str = "harness";

/// Reads, parses and runs one scenario file.
pub fn run_file(
    runtime: &Runtime,
    component: &Arc<LoadedComponent>,
    scenario: &Path,
) -> Result<Report, HarnessError> {
    let text = std::fs::read_to_string(scenario).map_err(|source| HarnessError::Read {
        path: scenario.to_owned(),
        source,
    })?;
    let name = scenario.file_name().map_or_else(
        || scenario.display().to_string(),
        |f| f.to_string_lossy().into_owned(),
    );
    run_scenario(runtime, component, &Scenario::parse(&name, &text)?)
}

/// The scenario files of a directory (`*.json`), sorted by name. A missing
/// directory has none.
pub fn scenario_files(dir: &Path) -> Result<Vec<PathBuf>, HarnessError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(HarnessError::Read {
                path: dir.to_owned(),
                source,
            });
        }
    };
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    Ok(files)
}

/// Loads a built component as `harness@0.0.0` of the default game.
///
/// A runtime holds one `harness@0.0.0`: loading other content under that
/// name fails with a version conflict. To test several components in one
/// runtime, give each its own name with [`load_component_as`].
pub fn load_component(
    runtime: &Runtime,
    world: World,
    wasm_path: &Path,
) -> Result<Arc<LoadedComponent>, HarnessError> {
    load_component_as(
        runtime,
        world,
        HARNESS_COMPONENT,
        &Version::new(0, 0, 0),
        wasm_path,
    )
}

/// Loads a built component under its own name and version into the default
/// game, validated against `world` exactly as the host validates an upload.
pub fn load_component_as(
    runtime: &Runtime,
    world: World,
    name: &str,
    version: &Version,
    wasm_path: &Path,
) -> Result<Arc<LoadedComponent>, HarnessError> {
    let bytes = std::fs::read(wasm_path).map_err(|source| HarnessError::Read {
        path: wasm_path.to_owned(),
        source,
    })?;
    let load_error = |source| HarnessError::Load {
        path: wasm_path.to_owned(),
        source,
    };
    runtime
        .load(DEFAULT_GAME, world, name, version.clone(), &bytes, false)
        .map_err(load_error)?;
    runtime
        .pinned(DEFAULT_GAME, world, name, version)
        .map_err(load_error)
}
