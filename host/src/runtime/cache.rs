//! The on-disk cache of compiled components.
//!
//! An artifact is keyed by the component's content hash and the engine's
//! compatibility hash (wasmtime version, target, compiler settings), so a
//! restart loads machine code instead of compiling, and an engine that
//! compiles differently never loads an artifact it cannot run.
//!
//! Loading an artifact is `unsafe` in wasmtime: the bytes are trusted to be
//! machine code wasmtime produced. The cache only ever loads files it wrote
//! itself into its own directory (written to a temporary name, then renamed,
//! so a crash never leaves a half-written artifact under a real name).
//! Whoever can write that directory can run code in the host: keep it the
//! host's own.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use wasmtime::Engine;
use wasmtime::component::Component;

/// Compiled-artifact cache. Counts what it compiled and what it reused.
pub struct ArtifactCache {
    dir: Option<PathBuf>,
    engine_hash: String,
    compiled: AtomicU64,
    reused: AtomicU64,
}

/// Whether [`ArtifactCache::load`] compiled or reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    Compiled,
    Cached,
}

impl ArtifactCache {
    /// A cache in `dir`, or no disk cache at all with `None`.
    pub fn new(engine: &Engine, dir: Option<PathBuf>) -> std::io::Result<Self> {
        if let Some(dir) = &dir {
            std::fs::create_dir_all(dir)?;
        }
        let mut hasher = DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut hasher);
        Ok(Self {
            dir,
            engine_hash: format!("{:016x}", hasher.finish()),
            compiled: AtomicU64::new(0),
            reused: AtomicU64::new(0),
        })
    }

    /// Components compiled since start.
    pub fn compiled_count(&self) -> u64 {
        self.compiled.load(Ordering::Relaxed)
    }

    /// Components loaded from the disk cache since start.
    pub fn reused_count(&self) -> u64 {
        self.reused.load(Ordering::Relaxed)
    }

    fn path_for(&self, dir: &Path, content_hash: &str) -> PathBuf {
        dir.join(format!("{content_hash}-{}.cwasm", self.engine_hash))
    }

    /// The compiled form of `bytes` (whose sha-256 is `content_hash`), from
    /// the cache if present, else compiled now and stored.
    pub fn load(
        &self,
        engine: &Engine,
        content_hash: &str,
        bytes: &[u8],
    ) -> wasmtime::Result<(Component, Origin)> {
        let Some(dir) = &self.dir else {
            return self.compile(engine, bytes);
        };
        let path = self.path_for(dir, content_hash);
        if path.is_file() {
            // SAFETY: `path` is inside the cache directory and was written by
            // `store` below from `Component::serialize` of this engine's
            // configuration (the engine hash is in the name).
            match unsafe { Component::deserialize_file(engine, &path) } {
                Ok(component) => {
                    self.reused.fetch_add(1, Ordering::Relaxed);
                    return Ok((component, Origin::Cached));
                }
                Err(e) => {
                    tracing::warn!(path = %path.display(), error = %e, "unusable cached artifact; recompiling");
                }
            }
        }
        let (component, origin) = self.compile(engine, bytes)?;
        if let Err(e) = store(&path, &component) {
            tracing::warn!(path = %path.display(), error = %e, "could not cache a compiled component");
        }
        Ok((component, origin))
    }

    fn compile(&self, engine: &Engine, bytes: &[u8]) -> wasmtime::Result<(Component, Origin)> {
        let component = Component::new(engine, bytes)?;
        self.compiled.fetch_add(1, Ordering::Relaxed);
        Ok((component, Origin::Compiled))
    }
}

fn store(path: &Path, component: &Component) -> anyhow::Result<()> {
    let bytes = component.serialize()?;
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}
