//! The component runtime: sandboxed, metered, hot-swappable game rules.
//!
//! - [`engine`]: the one wasmtime `Engine` (pooling, fuel, epochs, NaN
//!   canonicalization, stack cap) and its epoch ticker;
//! - [`bindings`]: host-side bindings of `wit/`;
//! - [`world`]: the worlds and the load-time check against them;
//! - [`host_api`]: a call's state and the imports (`log`, `clock`, `rng`,
//!   `kv`, `events`); [`wasi`]: virtualized WASI; [`rng`]: the seeded stream;
//! - [`effects`]: what a call asks the host to commit;
//! - [`limits`]: the memory limiter; [`call`]: one call and its verdict;
//! - [`registry`]: slots, versions, activation history; [`breaker`]: the
//!   circuit breakers; [`cache`]: compiled artifacts on disk; [`depot`]:
//!   uploads and registry state on disk;
//! - [`calls`]: typed entry points per world (`setup`, `resolve`, ...).
//!
//! [`Runtime`] ties them together: load, activate, roll back, call.

pub mod bindings;
pub mod breaker;
pub mod cache;
pub mod call;
pub mod calls;
pub mod depot;
pub mod effects;
pub mod engine;
pub mod error;
pub mod host_api;
pub mod limits;
pub mod registry;
pub mod rng;
pub mod wasi;
pub mod world;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use semver::Version;
use serde::Serialize;
use sha2::{Digest, Sha256};
use wasmtime::component::{HasSelf, Linker};
use wasmtime::{Engine, Store};

pub use call::CallOutput;
pub use effects::{Effects, EmittedEvent, HostFailure, KvRead, KvScope, NoState, StateView};
pub use error::{CallError, RegistryError};
pub use host_api::{CallContext, CallState};
pub use registry::{Activation, ActivationKind, ComponentSlot, LoadedComponent, SlotSummary};
pub use world::World;

use crate::config::{BreakerConfig, RuntimeLimits};
use cache::{ArtifactCache, Origin};
use depot::{Depot, GameState};
use registry::Registry;
use world::WorldPre;

/// What the runtime needs to start.
#[derive(Debug, Clone, Default)]
pub struct RuntimeOptions {
    pub limits: RuntimeLimits,
    pub breaker: BreakerConfig,
    /// Where the artifact cache, uploads and registry state live. `None`
    /// keeps everything in memory (tests, the SDK's harness).
    pub data_dir: Option<PathBuf>,
}

/// The result of loading one component version.
#[derive(Debug, Clone, Serialize)]
pub struct LoadReport {
    pub game: String,
    pub name: String,
    pub world: World,
    pub version: Version,
    pub hash: String,
    pub origin: Origin,
    /// False when this exact version and content were already loaded.
    pub new: bool,
    /// Set when loading made this version active (a component's first).
    pub activated: Option<Activation>,
}

/// The component runtime. Cheap to share behind an `Arc`; every method takes
/// `&self` and is safe to call from many threads.
pub struct Runtime {
    engine: Engine,
    linker: Linker<CallState>,
    cache: ArtifactCache,
    registry: Registry,
    depot: Option<Depot>,
    options: RuntimeOptions,
    _ticker: engine::EpochTicker,
}

/// The principal that loads components found at start.
pub const LOADER: &str = "loader";

impl Runtime {
    pub fn new(options: RuntimeOptions) -> anyhow::Result<Self> {
        let engine = engine::build(&options.limits)?;
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
        bindings::host::HostApi::add_to_linker::<_, HasSelf<_>>(&mut linker, |s| s)?;
        bindings::types::add_to_linker::<_, HasSelf<_>>(&mut linker, |s| s)?;
        let cache_dir = options.data_dir.as_ref().map(|d| d.join("cache"));
        let cache = ArtifactCache::new(&engine, cache_dir)?;
        let depot = options.data_dir.as_deref().map(Depot::new).transpose()?;
        let ticker = engine::EpochTicker::start(&engine, options.limits.epoch_tick_ms)?;
        Ok(Self {
            engine,
            linker,
            cache,
            registry: Registry::default(),
            depot,
            options,
            _ticker: ticker,
        })
    }

    pub fn limits(&self) -> &RuntimeLimits {
        &self.options.limits
    }

    /// Components compiled since start (a cache hit does not count).
    pub fn compiled_count(&self) -> u64 {
        self.cache.compiled_count()
    }

    /// Components loaded from the artifact cache since start.
    pub fn cache_hits(&self) -> u64 {
        self.cache.reused_count()
    }

    /// Loads one component version: validates it against `world`, compiles
    /// it (or takes it from the cache) and adds it to its slot. The first
    /// version of a component becomes active. With `persist`, an upload is
    /// kept on disk so a restart serves it again.
    pub fn load(
        &self,
        game: &str,
        world: World,
        name: &str,
        version: Version,
        bytes: &[u8],
        persist: bool,
    ) -> Result<LoadReport, RegistryError> {
        registry::check_name(game)?;
        registry::check_name(name)?;
        let hash = hex::encode(Sha256::digest(bytes));
        if let Ok(slot) = self.registry.slot(game, world, name)
            && let Ok(existing) = slot.version(&version)
            && existing.hash == hash
        {
            return Ok(self.report(&existing, false, None));
        }
        let (component, origin) =
            self.cache
                .load(&self.engine, &hash, bytes)
                .map_err(|e| RegistryError::Invalid {
                    world,
                    reason: format!("{e:#}"),
                })?;
        let pre = WorldPre::check(world, &self.linker, &component)?;
        let loaded = Arc::new(LoadedComponent {
            game: game.into(),
            name: name.into(),
            world,
            version: version.clone(),
            hash,
            origin,
            loaded_at_unix_ms: breaker::unix_ms(),
            pre,
            breaker: breaker::Breaker::new(self.options.breaker.clone()),
            stats: Default::default(),
        });
        // Only a valid component gets a slot.
        let slot = self.registry.slot_for(game, world, name);
        slot.insert(loaded.clone())?;
        if persist && let Some(depot) = &self.depot {
            depot
                .save_upload(game, world, name, &version, bytes)
                .map_err(|e| RegistryError::Storage(e.to_string()))?;
        }
        let activated = match slot.active() {
            Ok(_) => None,
            Err(_) => Some(self.activate(game, world, name, &version, LOADER)?),
        };
        Ok(self.report(&loaded, true, activated))
    }

    fn report(
        &self,
        loaded: &LoadedComponent,
        new: bool,
        activated: Option<Activation>,
    ) -> LoadReport {
        LoadReport {
            game: loaded.game.clone(),
            name: loaded.name.clone(),
            world: loaded.world,
            version: loaded.version.clone(),
            hash: loaded.hash.clone(),
            origin: loaded.origin,
            new,
            activated,
        }
    }

    /// Loads every `<world>/<name>@<version>.wasm` under `dir` into `game`.
    /// Of a component's versions, the highest becomes active if none is.
    pub fn load_dir(&self, game: &str, dir: &Path) -> Result<Vec<LoadReport>, RegistryError> {
        let mut found = Vec::new();
        for world in World::ALL {
            let Ok(entries) = std::fs::read_dir(dir.join(world.as_str())) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.extension().is_some_and(|e| e == "wasm") {
                    let (name, version) = parse_file_name(&path)?;
                    found.push((world, name, version, path));
                }
            }
        }
        // Highest version first, so it is the one activated.
        found.sort_by(|a, b| (a.1.as_str(), &b.2).cmp(&(b.1.as_str(), &a.2)));
        let mut reports = Vec::new();
        for (world, name, version, path) in found {
            let bytes = std::fs::read(&path).map_err(|e| {
                RegistryError::Storage(format!("cannot read {}: {e}", path.display()))
            })?;
            reports.push(self.load(game, world, &name, version, &bytes, false)?);
        }
        Ok(reports)
    }

    /// Start-up: the components shipped in `components_dir`, then every
    /// upload kept in the data directory, then the activations recorded
    /// before the restart.
    pub fn boot(
        &self,
        game: &str,
        components_dir: &Path,
    ) -> Result<Vec<LoadReport>, RegistryError> {
        let Some(depot) = &self.depot else {
            return self.load_dir(game, components_dir);
        };
        // Read the recorded state first: loading activates first versions,
        // which records anew.
        let uploads = depot.upload_dirs();
        let states: Vec<_> = uploads
            .iter()
            .filter_map(|(g, _)| Some((g.clone(), depot.load_state(g)?)))
            .collect();
        let mut reports = self.load_dir(game, components_dir)?;
        for (upload_game, dir) in &uploads {
            reports.extend(self.load_dir(upload_game, dir)?);
        }
        for (game, state) in states {
            for (id, version) in &state.active {
                let Some((world, name)) = depot::parse_slot_id(id) else {
                    continue;
                };
                if let Ok(slot) = self.registry.slot(&game, world, name) {
                    match slot.activate(version, LOADER, ActivationKind::Activate) {
                        Ok(_) => {
                            slot.restore_history(state.history.get(id).cloned().unwrap_or_default())
                        }
                        Err(e) => {
                            tracing::warn!(game, name, error = %e, "recorded active version is gone")
                        }
                    }
                }
            }
            self.save_state(&game)?;
        }
        Ok(reports)
    }

    /// Makes `version` active. Calls in flight finish on their version.
    pub fn activate(
        &self,
        game: &str,
        world: World,
        name: &str,
        version: &Version,
        by: &str,
    ) -> Result<Activation, RegistryError> {
        let slot = self.registry.slot(game, world, name)?;
        let record = slot.activate(version, by, ActivationKind::Activate)?;
        self.save_state(game)?;
        tracing::info!(game, %world, component = name, from = ?record.from, to = %record.to, by, "activated");
        Ok(record)
    }

    /// Goes back to the version active before the current one.
    pub fn rollback(
        &self,
        game: &str,
        world: World,
        name: &str,
        by: &str,
    ) -> Result<Activation, RegistryError> {
        let slot = self.registry.slot(game, world, name)?;
        let target = slot.rollback_target()?;
        let record = slot.activate(&target, by, ActivationKind::Rollback)?;
        self.save_state(game)?;
        tracing::info!(game, %world, component = name, from = ?record.from, to = %record.to, by, "rolled back");
        Ok(record)
    }

    fn save_state(&self, game: &str) -> Result<(), RegistryError> {
        let Some(depot) = &self.depot else {
            return Ok(());
        };
        let mut state = GameState::default();
        for slot in self.registry.slots(game) {
            let id = depot::slot_id(slot.world, &slot.name);
            if let Ok(active) = slot.active() {
                state.active.insert(id.clone(), active.version.clone());
            }
            state.history.insert(id, slot.history());
        }
        depot
            .save_state(game, &state)
            .map_err(|e| RegistryError::Storage(e.to_string()))
    }

    /// A component of a game.
    pub fn slot(
        &self,
        game: &str,
        world: World,
        name: &str,
    ) -> Result<Arc<ComponentSlot>, RegistryError> {
        self.registry.slot(game, world, name)
    }

    /// The active version of a component: take it per call, or keep it to
    /// pin the version (a match keeps the one it started with).
    pub fn active(
        &self,
        game: &str,
        world: World,
        name: &str,
    ) -> Result<Arc<LoadedComponent>, RegistryError> {
        self.registry.slot(game, world, name)?.active()
    }

    /// A given version of a component.
    pub fn pinned(
        &self,
        game: &str,
        world: World,
        name: &str,
        version: &Version,
    ) -> Result<Arc<LoadedComponent>, RegistryError> {
        self.registry.slot(game, world, name)?.version(version)
    }

    /// Every game that has a component, in order.
    pub fn games(&self) -> Vec<String> {
        self.registry.games()
    }

    /// Every component of `game`, with its versions (`/metrics` reads
    /// their stats and breakers).
    pub fn slots(&self, game: &str) -> Vec<Arc<ComponentSlot>> {
        self.registry.slots(game)
    }

    /// Every component of `game`, for the admin API.
    pub fn summaries(&self, game: &str) -> Vec<SlotSummary> {
        self.registry
            .slots(game)
            .iter()
            .map(|s| s.summary())
            .collect()
    }

    /// Runs `f` against a fresh instance of `component`; see [`call`].
    pub fn invoke<R>(
        &self,
        component: &Arc<LoadedComponent>,
        ctx: CallContext,
        f: impl FnOnce(&WorldPre, &mut Store<CallState>) -> wasmtime::Result<R>,
    ) -> Result<CallOutput<R>, CallError> {
        call::invoke(&self.engine, &self.options.limits, component, ctx, f)
    }
}

/// `<name>@<version>.wasm` -> (name, version).
pub fn parse_file_name(path: &Path) -> Result<(String, Version), RegistryError> {
    let file = path
        .file_name()
        .and_then(|f| f.to_str())
        .unwrap_or_default()
        .to_owned();
    let bad = || RegistryError::BadFileName { file: file.clone() };
    let stem = file.strip_suffix(".wasm").ok_or_else(bad)?;
    let (name, version) = stem.split_once('@').ok_or_else(bad)?;
    let version = Version::parse(version).map_err(|_| bad())?;
    registry::check_name(name)?;
    Ok((name.to_owned(), version))
}
