//! Why a scenario could not be run at all.
//!
//! A step that runs and fails (a mismatch, a trap) is not an error here: it
//! is a failed [`crate::StepReport`] in the report. A [`HarnessError`] means
//! the harness could not get that far: the file is missing or malformed, the
//! component does not load, or the scenario is for another world.

use std::path::PathBuf;

use idempo_host::runtime::{RegistryError, World};

/// A scenario or a component the harness cannot use. Each message says what
/// to fix.
#[derive(Debug, thiserror::Error)]
pub enum HarnessError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{scenario}: {message}")]
    BadScenario { scenario: String, message: String },
    #[error(
        "{scenario} is a {scenario_world} scenario but the component is a {component_world} component; \
         run it against a {scenario_world} component or fix its \"world\""
    )]
    WorldMismatch {
        scenario: String,
        scenario_world: World,
        component_world: World,
    },
    #[error("{}: the component does not load: {source}", path.display())]
    Load {
        path: PathBuf,
        source: RegistryError,
    },
}

impl HarnessError {
    pub(crate) fn bad(scenario: &str, message: impl Into<String>) -> Self {
        Self::BadScenario {
            scenario: scenario.to_owned(),
            message: message.into(),
        }
    }
}
