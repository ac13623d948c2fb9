//! What a call asks of the world, buffered until the host commits it.
//!
//! A component never touches state: its `kv` writes and its events land
//! here, and only a call that returns normally hands them back to its caller
//! as [`Effects`]. The caller commits them in the same transaction as the
//! record that makes the operation idempotent (DESIGN.md, "components
//! decide, the host commits"). A failed call's effects are dropped.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// The topics of the event bus. A component may emit only to these.
pub const TOPICS: [&str; 5] = [
    "player-actions",
    "match-events",
    "economy-events",
    "leaderboard-events",
    "player-events",
];

/// Where a component's key-value pairs live: its game and its name, so two
/// components (or two games) never see each other's keys. Versions of one
/// component share a scope, so a new version reads what the old one wrote.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct KvScope {
    pub game: String,
    pub component: String,
}

/// Read access to committed key-value state, as of the call's start.
///
/// A failed read is an error, never a missing key: the `kv` import turns it
/// into a [`HostFailure`] that fails the whole call, so a component never
/// decides on a read that did not happen and nothing of the call commits.
pub trait KvRead: Send + Sync {
    fn get(&self, scope: &KvScope, key: &str) -> Result<Option<Vec<u8>>, HostFailure>;
}

/// The host could not serve an import (e.g. the database failed). It ends
/// the call with [`super::CallError::HostFailure`]; it is not the
/// component's fault and does not count against its breaker.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct HostFailure(pub String);

/// A store with nothing in it, for calls that have no state.
#[derive(Debug, Default)]
pub struct NoState;

impl KvRead for NoState {
    fn get(&self, _scope: &KvScope, _key: &str) -> Result<Option<Vec<u8>>, HostFailure> {
        Ok(None)
    }
}

/// One event a component emitted, as the outbox will store it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmittedEvent {
    pub topic: String,
    pub key: String,
    pub event_type: String,
    pub payload: serde_json::Value,
}

/// A log line written through `log`, stdout or stderr.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogLine {
    pub level: String,
    pub message: String,
    pub fields: Vec<(String, String)>,
}

/// Everything a successful call asks the host to commit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Effects {
    pub scope: Option<KvScope>,
    /// Final value per key; `None` deletes. Ordered, so commits are stable.
    pub kv_writes: BTreeMap<String, Option<Vec<u8>>>,
    pub events: Vec<EmittedEvent>,
}

impl Effects {
    pub fn is_empty(&self) -> bool {
        self.kv_writes.is_empty() && self.events.is_empty()
    }
}

/// The committed state a call reads: a shared reader and the call's scope.
#[derive(Clone)]
pub struct StateView {
    pub reader: Arc<dyn KvRead>,
    pub scope: KvScope,
}
