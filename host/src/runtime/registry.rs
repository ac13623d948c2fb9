//! The registry: which components exist in which game, which versions are
//! loaded, which one is active, and who changed that when.
//!
//! A [`ComponentSlot`] is one component (game + name) of one world. It holds
//! every loaded version and an atomic pointer to the active one.
//!
//! Guarantees (DESIGN.md, "Hot swap"):
//! - activation swaps one `Arc` under a lock: a call that already took the
//!   active version keeps it to the end, a call that starts after sees the
//!   new one, and no call sees a half-swapped slot;
//! - versions are never unloaded, so a pinned caller (a running match)
//!   keeps its version for as long as it holds it, and rollback is one call;
//! - every activation and rollback is recorded with who, when, from and to.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use parking_lot::{Mutex, RwLock};
use semver::Version;
use serde::{Deserialize, Serialize};

use super::World;
use super::breaker::{Breaker, BreakerSnapshot, unix_ms};
use super::cache::Origin;
use super::error::RegistryError;
use super::world::WorldPre;
use crate::metrics::registry::{CALL_BUCKETS, Histogram};

/// One loaded, validated, compiled component version.
pub struct LoadedComponent {
    pub game: String,
    pub name: String,
    pub world: World,
    pub version: Version,
    /// sha-256 of the component's bytes, hex.
    pub hash: String,
    pub origin: Origin,
    pub loaded_at_unix_ms: u64,
    pub(super) pre: WorldPre,
    pub breaker: Breaker,
    pub stats: CallStats,
}

impl LoadedComponent {
    /// `name@version`, as errors and logs name a component.
    pub fn label(&self) -> String {
        format!("{}@{}", self.name, self.version)
    }
}

/// Counters of one component version's calls, since it was loaded (the
/// admin API shows them, `/metrics` serves them).
pub struct CallStats {
    pub calls: AtomicU64,
    pub fuel_used: AtomicU64,
    pub duration_us: AtomicU64,
    /// Call durations by bucket ([`crate::metrics::registry::CALL_BUCKETS`]).
    pub durations: Histogram,
    failures: Mutex<BTreeMap<&'static str, u64>>,
}

impl Default for CallStats {
    fn default() -> Self {
        Self {
            calls: AtomicU64::default(),
            fuel_used: AtomicU64::default(),
            duration_us: AtomicU64::default(),
            durations: Histogram::new(CALL_BUCKETS),
            failures: Mutex::default(),
        }
    }
}

impl CallStats {
    pub(super) fn record(&self, fuel: u64, duration_us: u64, failure: Option<&'static str>) {
        self.calls.fetch_add(1, Ordering::Relaxed);
        self.fuel_used.fetch_add(fuel, Ordering::Relaxed);
        self.duration_us.fetch_add(duration_us, Ordering::Relaxed);
        self.durations.observe(duration_us as f64 / 1e6);
        if let Some(kind) = failure {
            *self.failures.lock().entry(kind).or_default() += 1;
        }
    }

    /// Failures so far, by kind.
    pub fn failures(&self) -> BTreeMap<&'static str, u64> {
        self.failures.lock().clone()
    }
}

/// A change of the active version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Activation {
    pub world: World,
    pub component: String,
    pub kind: ActivationKind,
    pub from: Option<Version>,
    pub to: Version,
    pub by: String,
    pub at_unix_ms: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ActivationKind {
    Activate,
    Rollback,
}

/// One component of a game: its versions and the active one.
pub struct ComponentSlot {
    pub game: String,
    pub name: String,
    pub world: World,
    versions: RwLock<BTreeMap<Version, Arc<LoadedComponent>>>,
    active: RwLock<Option<Arc<LoadedComponent>>>,
    history: Mutex<Vec<Activation>>,
}

impl ComponentSlot {
    fn new(game: &str, name: &str, world: World) -> Self {
        Self {
            game: game.into(),
            name: name.into(),
            world,
            versions: RwLock::new(BTreeMap::new()),
            active: RwLock::new(None),
            history: Mutex::new(Vec::new()),
        }
    }

    /// The active version, taken for one call or pinned for longer.
    pub fn active(&self) -> Result<Arc<LoadedComponent>, RegistryError> {
        self.active
            .read()
            .clone()
            .ok_or_else(|| RegistryError::NoActiveVersion {
                name: self.name.clone(),
            })
    }

    /// A given version, whether active or not.
    pub fn version(&self, version: &Version) -> Result<Arc<LoadedComponent>, RegistryError> {
        let versions = self.versions.read();
        versions
            .get(version)
            .cloned()
            .ok_or_else(|| RegistryError::UnknownVersion {
                name: self.name.clone(),
                version: version.clone(),
                loaded: versions
                    .keys()
                    .map(Version::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    pub fn versions(&self) -> Vec<Arc<LoadedComponent>> {
        self.versions.read().values().cloned().collect()
    }

    pub fn history(&self) -> Vec<Activation> {
        self.history.lock().clone()
    }

    pub(super) fn insert(&self, loaded: Arc<LoadedComponent>) -> Result<(), RegistryError> {
        let mut versions = self.versions.write();
        if let Some(existing) = versions.get(&loaded.version)
            && existing.hash != loaded.hash
        {
            return Err(RegistryError::VersionConflict {
                name: self.name.clone(),
                version: loaded.version.clone(),
                existing: existing.hash.clone(),
            });
        }
        versions.entry(loaded.version.clone()).or_insert(loaded);
        Ok(())
    }

    /// Makes `version` the active one; records who did it.
    pub(super) fn activate(
        &self,
        version: &Version,
        by: &str,
        kind: ActivationKind,
    ) -> Result<Activation, RegistryError> {
        let next = self.version(version)?;
        let mut history = self.history.lock();
        let mut active = self.active.write();
        let from = active.as_ref().map(|a| a.version.clone());
        *active = Some(next);
        let record = Activation {
            world: self.world,
            component: self.name.clone(),
            kind,
            from,
            to: version.clone(),
            by: by.into(),
            at_unix_ms: unix_ms(),
        };
        history.push(record.clone());
        Ok(record)
    }

    /// The version active before the current one, per the history.
    pub(super) fn rollback_target(&self) -> Result<Version, RegistryError> {
        let current = self.active()?.version.clone();
        self.history
            .lock()
            .iter()
            .rev()
            .find(|a| a.to == current)
            .and_then(|a| a.from.clone())
            .ok_or_else(|| RegistryError::NothingToRollBack {
                name: self.name.clone(),
            })
    }

    /// Replaces the history, when the registry's state is read back at start.
    pub(super) fn restore_history(&self, history: Vec<Activation>) {
        *self.history.lock() = history;
    }

    pub fn summary(&self) -> SlotSummary {
        let active = self.active.read().as_ref().map(|a| a.version.clone());
        SlotSummary {
            game: self.game.clone(),
            name: self.name.clone(),
            world: self.world,
            active,
            versions: self
                .versions()
                .iter()
                .map(|v| VersionSummary {
                    version: v.version.clone(),
                    hash: v.hash.clone(),
                    origin: v.origin,
                    loaded_at_unix_ms: v.loaded_at_unix_ms,
                    calls: v.stats.calls.load(Ordering::Relaxed),
                    failures: v.stats.failures(),
                    fuel_used: v.stats.fuel_used.load(Ordering::Relaxed),
                    duration_us: v.stats.duration_us.load(Ordering::Relaxed),
                    breaker: v.breaker.snapshot(),
                })
                .collect(),
        }
    }
}

/// What the admin API shows of a component.
#[derive(Debug, Clone, Serialize)]
pub struct SlotSummary {
    pub game: String,
    pub name: String,
    pub world: World,
    pub active: Option<Version>,
    pub versions: Vec<VersionSummary>,
}

#[derive(Debug, Clone, Serialize)]
pub struct VersionSummary {
    pub version: Version,
    pub hash: String,
    pub origin: Origin,
    pub loaded_at_unix_ms: u64,
    pub calls: u64,
    pub failures: BTreeMap<&'static str, u64>,
    pub fuel_used: u64,
    pub duration_us: u64,
    pub breaker: BreakerSnapshot,
}

/// All components of all games, keyed by game, world and name: a game may
/// have a `standard` rewards component and a `standard` market component.
#[derive(Default)]
pub struct Registry {
    slots: RwLock<BTreeMap<SlotKey, Arc<ComponentSlot>>>,
}

type SlotKey = (String, World, String);

fn key(game: &str, world: World, name: &str) -> SlotKey {
    (game.to_owned(), world, name.to_owned())
}

impl Registry {
    pub fn slot(
        &self,
        game: &str,
        world: World,
        name: &str,
    ) -> Result<Arc<ComponentSlot>, RegistryError> {
        self.slots
            .read()
            .get(&key(game, world, name))
            .cloned()
            .ok_or_else(|| RegistryError::UnknownComponent {
                game: game.into(),
                world,
                name: name.into(),
            })
    }

    /// The slot for `name` in `world`, made if new.
    pub(super) fn slot_for(&self, game: &str, world: World, name: &str) -> Arc<ComponentSlot> {
        self.slots
            .write()
            .entry(key(game, world, name))
            .or_insert_with(|| Arc::new(ComponentSlot::new(game, name, world)))
            .clone()
    }

    /// Every game with a component, in order.
    pub fn games(&self) -> Vec<String> {
        let mut games: Vec<String> = self
            .slots
            .read()
            .keys()
            .map(|(g, _, _)| g.clone())
            .collect();
        games.dedup();
        games
    }

    pub fn slots(&self, game: &str) -> Vec<Arc<ComponentSlot>> {
        self.slots
            .read()
            .iter()
            .filter(|((g, _, _), _)| g == game)
            .map(|(_, s)| s.clone())
            .collect()
    }
}

/// Checks a component name: 1-64 of `a-z 0-9 - _`.
pub fn check_name(name: &str) -> Result<(), RegistryError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(RegistryError::BadName { name: name.into() })
    }
}
