//! Where uploaded components and the registry's state are kept on disk, so
//! a restart serves what was uploaded and activated before it.
//!
//! Layout under the data directory:
//! `components/<game>/<world>/<name>@<version>.wasm` (uploads) and
//! `components/<game>/registry.json` (active versions and history).
//! Files are written to a temporary name and renamed into place.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use semver::Version;
use serde::{Deserialize, Serialize};

use super::World;
use super::registry::Activation;

/// A slot's id in the state file: `<world>/<name>`.
pub fn slot_id(world: World, name: &str) -> String {
    format!("{world}/{name}")
}

/// The inverse of [`slot_id`].
pub fn parse_slot_id(id: &str) -> Option<(World, &str)> {
    let (world, name) = id.split_once('/')?;
    Some((world.parse().ok()?, name))
}

/// The registry's state of one game, keyed by [`slot_id`].
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct GameState {
    pub active: BTreeMap<String, Version>,
    pub history: BTreeMap<String, Vec<Activation>>,
}

pub struct Depot {
    root: PathBuf,
}

impl Depot {
    pub fn new(data_dir: &Path) -> std::io::Result<Self> {
        let root = data_dir.join("components");
        std::fs::create_dir_all(&root)?;
        Ok(Self { root })
    }

    pub fn save_upload(
        &self,
        game: &str,
        world: World,
        name: &str,
        version: &Version,
        bytes: &[u8],
    ) -> std::io::Result<()> {
        let dir = self.root.join(game).join(world.as_str());
        std::fs::create_dir_all(&dir)?;
        write_atomic(&dir.join(format!("{name}@{version}.wasm")), bytes)
    }

    /// Directories of uploads, per game: `<game>` and its `<world>/` tree.
    pub fn upload_dirs(&self) -> Vec<(String, PathBuf)> {
        let Ok(entries) = std::fs::read_dir(&self.root) else {
            return Vec::new();
        };
        let mut dirs: Vec<_> = entries
            .flatten()
            .filter(|e| e.path().is_dir())
            .filter_map(|e| Some((e.file_name().to_str()?.to_owned(), e.path())))
            .collect();
        dirs.sort();
        dirs
    }

    pub fn save_state(&self, game: &str, state: &GameState) -> std::io::Result<()> {
        let dir = self.root.join(game);
        std::fs::create_dir_all(&dir)?;
        let json = serde_json::to_vec_pretty(state).map_err(std::io::Error::other)?;
        write_atomic(&dir.join("registry.json"), &json)
    }

    pub fn load_state(&self, game: &str) -> Option<GameState> {
        let bytes = std::fs::read(self.root.join(game).join("registry.json")).ok()?;
        match serde_json::from_slice(&bytes) {
            Ok(state) => Some(state),
            Err(e) => {
                tracing::warn!(game, error = %e, "unreadable registry state; starting from the defaults");
                None
            }
        }
    }
}

fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}
