//! Which components a crate or workspace builds, from `cargo metadata`.
//!
//! A component crate says what it is under `[package.metadata.idempo]`:
//!
//! ```toml
//! [package.metadata.idempo]
//! name = "classic"     # the component's name in the host (default: the package name)
//! world = "combat"     # combat, rewards, market or tournament
//! preload = true       # false: built to `extra/`, not loaded by the host at start
//! ```
//!
//! Its version is the package version, and it builds a `cdylib`.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};
use idempo_host::runtime::World;
use semver::Version;
use serde::Deserialize;

use crate::scaffold::check_name;

/// One component crate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComponentCrate {
    /// The cargo package.
    pub package: String,
    /// The component's name in the host.
    pub name: String,
    pub world: World,
    pub version: Version,
    /// Whether the host loads it at start (it goes to `<world>/`), or only
    /// on upload (it goes to `extra/<world>/`).
    pub preload: bool,
    /// The cdylib's file stem: the lib target's name with `-` as `_`.
    pub lib_name: String,
    /// The folder of the package's Cargo.toml; its scenarios are in
    /// `scenarios/` there.
    pub manifest_dir: PathBuf,
}

impl ComponentCrate {
    /// `name@version`, as the host names it.
    pub fn label(&self) -> String {
        format!("{}@{}", self.name, self.version)
    }

    /// Its scenario files' folder.
    pub fn scenarios_dir(&self) -> PathBuf {
        self.manifest_dir.join("scenarios")
    }
}

/// The components found at a path, and where cargo puts what it builds.
#[derive(Debug, Clone)]
pub struct Workspace {
    /// The Cargo.toml given (the crate's or the workspace's).
    pub manifest: PathBuf,
    pub target_dir: PathBuf,
    pub components: Vec<ComponentCrate>,
}

#[derive(Deserialize)]
struct Metadata {
    packages: Vec<Package>,
    workspace_root: PathBuf,
    target_directory: PathBuf,
}

#[derive(Deserialize)]
struct Package {
    name: String,
    version: Version,
    manifest_path: PathBuf,
    targets: Vec<Target>,
    #[serde(default)]
    metadata: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct Target {
    name: String,
    crate_types: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IdempoMetadata {
    name: Option<String>,
    world: String,
    #[serde(default = "yes")]
    preload: bool,
}

fn yes() -> bool {
    true
}

/// The Cargo.toml at `path`: `path` itself if it names one, else
/// `path/Cargo.toml`.
pub fn manifest_of(path: &Path) -> anyhow::Result<PathBuf> {
    let manifest = if path.file_name().is_some_and(|f| f == "Cargo.toml") {
        path.to_owned()
    } else {
        path.join("Cargo.toml")
    };
    manifest.canonicalize().with_context(|| {
        format!(
            "no Cargo.toml at {}; run this in a component crate or workspace, or create one with `idempo-sdk new combat <path>`",
            manifest.display()
        )
    })
}

/// Runs `cargo metadata` at `path` and picks its components.
pub fn read(path: &Path) -> anyhow::Result<Workspace> {
    let manifest = manifest_of(path)?;
    let dir = manifest.parent().unwrap_or(Path::new("."));
    let output = Command::new(cargo())
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--manifest-path",
        ])
        .arg(&manifest)
        // Cargo reads .cargo/config.toml (e.g. target-dir) from the
        // working directory, so run it where the crate is.
        .current_dir(dir)
        .output()
        .context("cannot run cargo; is Rust installed (https://rustup.rs)?")?;
    if !output.status.success() {
        bail!(
            "`cargo metadata` failed for {}:\n{}\nfix the manifest and run again",
            manifest.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    let json = String::from_utf8_lossy(&output.stdout);
    parse(&json, &manifest)
}

/// Picks the components of a `cargo metadata --no-deps` output. At the
/// workspace root every member with `[package.metadata.idempo]` is one (the
/// others are helper crates); at a member, only that member, which must be
/// one.
pub fn parse(metadata_json: &str, manifest: &Path) -> anyhow::Result<Workspace> {
    let metadata: Metadata =
        serde_json::from_str(metadata_json).context("cannot read cargo metadata's output")?;
    let at_root = manifest
        .parent()
        .is_some_and(|dir| same_path(dir, &metadata.workspace_root));
    let mut components = Vec::new();
    for package in &metadata.packages {
        let selected = at_root || same_path(&package.manifest_path, manifest);
        if !selected {
            continue;
        }
        match component_of(package)? {
            Some(component) => components.push(component),
            None if !at_root => bail!(
                "{} is not an idempo component: add\n\n[package.metadata.idempo]\nname = \"{}\"\nworld = \"combat\"   # or rewards, market, tournament\n\nto its Cargo.toml",
                manifest.display(),
                package.name
            ),
            None => {}
        }
    }
    if components.is_empty() {
        bail!(
            "no idempo component in {}: a component crate has [package.metadata.idempo] with name and world; \
             create one with `idempo-sdk new combat <path>`",
            manifest.display()
        );
    }
    Ok(Workspace {
        manifest: manifest.to_owned(),
        target_dir: metadata.target_directory,
        components,
    })
}

fn component_of(package: &Package) -> anyhow::Result<Option<ComponentCrate>> {
    let Some(idempo) = package.metadata.as_ref().and_then(|m| m.get("idempo")) else {
        return Ok(None);
    };
    let manifest = package.manifest_path.display();
    let idempo: IdempoMetadata = serde_json::from_value(idempo.clone()).with_context(|| {
        format!(
            "bad [package.metadata.idempo] in {manifest}: it takes name, world (combat, rewards, market, tournament) and preload (true or false)"
        )
    })?;
    let world: World = idempo
        .world
        .parse()
        .map_err(|e: String| anyhow::anyhow!("{manifest}: {e}"))?;
    let name = idempo.name.unwrap_or_else(|| package.name.clone());
    check_name(&name).with_context(|| format!("bad component name in {manifest}"))?;
    let Some(lib) = package
        .targets
        .iter()
        .find(|t| t.crate_types.iter().any(|c| c == "cdylib"))
    else {
        bail!(
            "{manifest} builds no cdylib, so no component: add\n\n[lib]\ncrate-type = [\"cdylib\"]\n\nto it"
        );
    };
    Ok(Some(ComponentCrate {
        package: package.name.clone(),
        name,
        world,
        version: package.version.clone(),
        preload: idempo.preload,
        lib_name: lib.name.replace('-', "_"),
        manifest_dir: package
            .manifest_path
            .parent()
            .map(Path::to_owned)
            .unwrap_or_default(),
    }))
}

/// Equal paths, also when one of them goes through a symlink.
fn same_path(a: &Path, b: &Path) -> bool {
    a == b
        || match (a.canonicalize(), b.canonicalize()) {
            (Ok(a), Ok(b)) => a == b,
            _ => false,
        }
}

/// The cargo to run: the one running us (under `cargo run`/`cargo test`),
/// else the one on `PATH`.
pub fn cargo() -> std::ffi::OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn package(
        name: &str,
        dir: &str,
        idempo: serde_json::Value,
        crate_type: &str,
    ) -> serde_json::Value {
        json!({
            "name": name,
            "version": "1.2.0",
            "manifest_path": format!("{dir}/Cargo.toml"),
            "targets": [ { "name": name, "kind": [crate_type], "crate_types": [crate_type] } ],
            "metadata": if idempo.is_null() { json!(null) } else { json!({ "idempo": idempo }) },
        })
    }

    fn metadata(packages: Vec<serde_json::Value>) -> String {
        json!({
            "packages": packages,
            "workspace_root": "/src/components",
            "target_directory": "/src/target",
            "version": 1,
        })
        .to_string()
    }

    fn components_workspace() -> String {
        metadata(vec![
            package(
                "arena-rules",
                "/src/components/arena-rules",
                json!(null),
                "lib",
            ),
            package(
                "combat-classic",
                "/src/components/combat-classic",
                json!({ "name": "classic", "world": "combat" }),
                "cdylib",
            ),
            package(
                "combat-classic-v2",
                "/src/components/combat-classic-v2",
                json!({ "name": "classic", "world": "combat", "preload": false }),
                "cdylib",
            ),
        ])
    }

    #[test]
    fn at_the_workspace_root_every_component_is_built_and_helper_crates_are_skipped() {
        let ws = parse(
            &components_workspace(),
            Path::new("/src/components/Cargo.toml"),
        )
        .unwrap();
        let names: Vec<_> = ws
            .components
            .iter()
            .map(|c| (c.package.as_str(), c.name.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                ("combat-classic", "classic"),
                ("combat-classic-v2", "classic")
            ]
        );
        assert_eq!(ws.target_dir, Path::new("/src/target"));
        let classic = &ws.components[0];
        assert_eq!(classic.world, World::Combat);
        assert_eq!(classic.version, Version::new(1, 2, 0));
        assert!(classic.preload, "preload defaults to true");
        assert_eq!(classic.lib_name, "combat_classic");
        assert_eq!(
            classic.scenarios_dir(),
            Path::new("/src/components/combat-classic/scenarios")
        );
        assert!(!ws.components[1].preload);
    }

    #[test]
    fn in_one_member_only_that_member_is_built() {
        let ws = parse(
            &components_workspace(),
            Path::new("/src/components/combat-classic-v2/Cargo.toml"),
        )
        .unwrap();
        assert_eq!(ws.components.len(), 1);
        assert_eq!(ws.components[0].package, "combat-classic-v2");
    }

    #[test]
    fn a_member_without_idempo_metadata_is_told_what_to_add() {
        let e = parse(
            &components_workspace(),
            Path::new("/src/components/arena-rules/Cargo.toml"),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("[package.metadata.idempo]"), "{e}");
        assert!(e.contains("world = \"combat\""), "{e}");
    }

    #[test]
    fn the_component_name_defaults_to_the_package_name() {
        let json = metadata(vec![package(
            "fire-arena",
            "/src/components",
            json!({ "world": "rewards" }),
            "cdylib",
        )]);
        let ws = parse(&json, Path::new("/src/components/Cargo.toml")).unwrap();
        assert_eq!(ws.components[0].name, "fire-arena");
        assert_eq!(ws.components[0].lib_name, "fire_arena");
        assert_eq!(ws.components[0].world, World::Rewards);
    }

    #[test]
    fn an_unknown_world_lists_the_worlds() {
        let json = metadata(vec![package(
            "x",
            "/src/components",
            json!({ "world": "chess" }),
            "cdylib",
        )]);
        let e = format!(
            "{:#}",
            parse(&json, Path::new("/src/components/Cargo.toml")).unwrap_err()
        );
        assert!(
            e.contains("unknown world `chess`; worlds are combat, rewards, market, tournament"),
            "{e}"
        );
    }

    #[test]
    fn a_component_that_is_not_a_cdylib_is_told_how_to_become_one() {
        let json = metadata(vec![package(
            "x",
            "/src/components",
            json!({ "world": "market" }),
            "lib",
        )]);
        let e = parse(&json, Path::new("/src/components/Cargo.toml"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("crate-type = [\"cdylib\"]"), "{e}");
    }

    #[test]
    fn a_workspace_without_components_says_how_to_make_one() {
        let json = metadata(vec![package(
            "lib",
            "/src/components/lib",
            json!(null),
            "lib",
        )]);
        let e = parse(&json, Path::new("/src/components/Cargo.toml"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("idempo-sdk new"), "{e}");
    }

    #[test]
    fn a_misspelt_metadata_key_is_refused() {
        let json = metadata(vec![package(
            "x",
            "/src/components",
            json!({ "world": "combat", "prelaod": false }),
            "cdylib",
        )]);
        let e = format!(
            "{:#}",
            parse(&json, Path::new("/src/components/Cargo.toml")).unwrap_err()
        );
        assert!(e.contains("prelaod"), "{e}");
    }
}
