//! The runtime's errors: one type for loading and managing components, one
//! for calling them. Both name what went wrong and what to do; neither is
//! ever a panic.

use semver::Version;
use serde::Serialize;

use super::World;

/// Why a component could not be loaded, activated or found.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("not a valid component for world `{world}`: {reason}")]
    Invalid { world: World, reason: String },
    #[error(
        "`{name}@{version}` is already loaded with other content (hash {existing}); publish a new version"
    )]
    VersionConflict {
        name: String,
        version: Version,
        existing: String,
    },
    #[error("no {world} component `{name}` in game `{game}`")]
    UnknownComponent {
        game: String,
        world: World,
        name: String,
    },
    #[error("component `{name}` has no version {version}; loaded: {loaded}")]
    UnknownVersion {
        name: String,
        version: Version,
        loaded: String,
    },
    #[error("component `{name}` has no earlier activation to roll back to")]
    NothingToRollBack { name: String },
    #[error("component `{name}` has no active version")]
    NoActiveVersion { name: String },
    #[error("bad component file name `{file}`: expected `<name>@<semver>.wasm`")]
    BadFileName { file: String },
    #[error("bad component name `{name}`: use 1-64 of a-z, 0-9, `-` and `_`")]
    BadName { name: String },
    #[error("component storage failed: {0}")]
    Storage(String),
}

/// How one call into a component failed. Every variant leaves no effect:
/// buffered writes and events of a failed call are dropped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CallError {
    #[error("`{component}` is failing and its circuit breaker is open; retry in {retry_in_ms} ms")]
    BreakerOpen { component: String, retry_in_ms: u64 },
    #[error("`{component}` used its whole fuel budget ({budget}) without finishing")]
    FuelExhausted { component: String, budget: u64 },
    #[error("`{component}` ran past its {deadline_ms} ms deadline")]
    DeadlineExceeded { component: String, deadline_ms: u64 },
    #[error("`{component}` tried to grow its memory past {limit_bytes} bytes")]
    MemoryExhausted {
        component: String,
        limit_bytes: usize,
    },
    #[error("`{component}` exhausted its {limit_bytes}-byte stack")]
    StackExhausted {
        component: String,
        limit_bytes: usize,
    },
    #[error("`{component}` trapped: {message}")]
    Trapped { component: String, message: String },
    #[error("`{component}` could not be instantiated: {message}")]
    Instantiation { component: String, message: String },
    #[error("no free instance slot for `{component}`; the host is at its concurrency limit")]
    Overloaded { component: String },
    #[error("the host failed while serving `{component}`: {message}")]
    HostFailure { component: String, message: String },
}

impl CallError {
    /// A short, stable label for metrics and the breaker.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::BreakerOpen { .. } => "breaker_open",
            Self::FuelExhausted { .. } => "fuel",
            Self::DeadlineExceeded { .. } => "deadline",
            Self::MemoryExhausted { .. } => "memory",
            Self::StackExhausted { .. } => "stack",
            Self::Trapped { .. } => "trap",
            Self::Instantiation { .. } => "instantiation",
            Self::Overloaded { .. } => "overloaded",
            Self::HostFailure { .. } => "host_failure",
        }
    }

    /// Whether this failure counts against the component's breaker. Load on
    /// the host is not the component's fault, and neither is an open breaker.
    pub fn counts_against_component(&self) -> bool {
        !matches!(
            self,
            Self::BreakerOpen { .. } | Self::Overloaded { .. } | Self::HostFailure { .. }
        )
    }
}
