//! `idempo-sdk build`: compiles components to `wasm32-wasip2` and lays them
//! out as the host loads them.
//!
//! `<out>/<world>/<name>@<version>.wasm` for components the host loads at
//! start (`--components-dir <out>`), `<out>/extra/<world>/...` for those with
//! `preload = false`, which reach a host only by upload.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};
use idempo_host::runtime::World;

use crate::manifest::{self, ComponentCrate, Workspace};

/// The target components are built for.
pub const TARGET: &str = "wasm32-wasip2";

/// One built component, copied to its place in the output folder.
#[derive(Debug, Clone)]
pub struct Artifact {
    pub component: ComponentCrate,
    /// Where it was copied: `<out>/[extra/]<world>/<name>@<version>.wasm`.
    pub path: PathBuf,
    pub size_bytes: u64,
}

/// The default output folder of the crate or workspace at `path`.
pub fn default_out(workspace: &Workspace) -> PathBuf {
    workspace
        .manifest
        .parent()
        .unwrap_or(Path::new("."))
        .join("target")
        .join("idempo")
}

/// Where a component goes under `out`.
pub fn output_path(out: &Path, component: &ComponentCrate) -> PathBuf {
    let base = if component.preload {
        out.to_owned()
    } else {
        out.join("extra")
    };
    base.join(component.world.as_str())
        .join(format!("{}.wasm", component.label()))
}

/// Where cargo leaves a component's `.wasm`.
pub fn cargo_output(workspace: &Workspace, component: &ComponentCrate) -> PathBuf {
    workspace
        .target_dir
        .join(TARGET)
        .join("release")
        .join(format!("{}.wasm", component.lib_name))
}

/// Whether the Rust installation at `sysroot` has the standard library for
/// [`TARGET`].
pub fn target_installed(sysroot: &Path) -> bool {
    sysroot.join("lib").join("rustlib").join(TARGET).is_dir()
}

/// Fails, saying how to fix it, when the toolchain used in `dir` lacks
/// [`TARGET`]. A `rustc` that cannot be asked is left for cargo to report.
pub fn check_target(dir: &Path) -> anyhow::Result<()> {
    let Ok(output) = Command::new("rustc")
        .args(["--print", "sysroot"])
        .current_dir(dir)
        .output()
    else {
        return Ok(());
    };
    if !output.status.success() {
        return Ok(());
    }
    let sysroot = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
    if !target_installed(&sysroot) {
        bail!(
            "the {TARGET} target is not installed for the toolchain at {}; run `rustup target add {TARGET}`",
            sysroot.display()
        );
    }
    Ok(())
}

/// Refuses two crates that would write the same `name@version` of a world.
fn check_unique(components: &[ComponentCrate]) -> anyhow::Result<()> {
    let mut seen: BTreeMap<(World, String), &str> = BTreeMap::new();
    for c in components {
        if let Some(other) = seen.insert((c.world, c.label()), &c.package) {
            bail!(
                "crates `{other}` and `{}` both build {} {}; give one of them a new version in its Cargo.toml",
                c.package,
                c.world,
                c.label()
            );
        }
    }
    Ok(())
}

/// Builds the components at `path` (a component crate or a workspace of
/// them) and copies each to its place under `out` (default
/// `<path>/target/idempo`).
pub fn build(path: &Path, out: Option<&Path>) -> anyhow::Result<(Workspace, Vec<Artifact>)> {
    let workspace = manifest::read(path)?;
    check_unique(&workspace.components)?;
    let dir = workspace.manifest.parent().unwrap_or(Path::new("."));
    check_target(dir)?;
    let out = out.map_or_else(|| default_out(&workspace), Path::to_owned);
    let mut artifacts = Vec::new();
    for component in &workspace.components {
        println!(
            "==> building {} ({}) from {} …",
            component.label(),
            component.world,
            component.package
        );
        let status = Command::new(manifest::cargo())
            .args(["build", "--release", "--target", TARGET, "--manifest-path"])
            .arg(&workspace.manifest)
            .args(["-p", &component.package])
            .current_dir(dir)
            .status()
            .context("cannot run cargo; is Rust installed (https://rustup.rs)?")?;
        if !status.success() {
            bail!(
                "cargo could not build `{}` (its errors are above); fix them and run `idempo-sdk build` again",
                component.package
            );
        }
        let built = cargo_output(&workspace, component);
        let dest = output_path(&out, component);
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        let size_bytes = std::fs::copy(&built, &dest).with_context(|| {
            format!(
                "cargo built `{}` but {} cannot be copied to {}; is its [lib] crate-type [\"cdylib\"]?",
                component.package,
                built.display(),
                dest.display()
            )
        })?;
        println!(
            "    wrote {} ({} KiB)",
            dest.display(),
            size_bytes.div_ceil(1024)
        );
        artifacts.push(Artifact {
            component: component.clone(),
            path: dest,
            size_bytes,
        });
    }
    Ok((workspace, artifacts))
}

#[cfg(test)]
mod tests {
    use semver::Version;

    use super::*;

    fn component(name: &str, version: &str, world: World, preload: bool) -> ComponentCrate {
        ComponentCrate {
            package: format!("{name}-crate"),
            name: name.into(),
            world,
            version: Version::parse(version).unwrap(),
            preload,
            lib_name: format!("{name}_crate"),
            manifest_dir: PathBuf::from("/src").join(name),
        }
    }

    #[test]
    fn a_preloaded_component_lands_where_the_host_loads_components_at_start() {
        let out = Path::new("/src/target/idempo");
        assert_eq!(
            output_path(out, &component("classic", "1.0.0", World::Combat, true)),
            Path::new("/src/target/idempo/combat/classic@1.0.0.wasm")
        );
    }

    #[test]
    fn a_component_that_is_not_preloaded_lands_under_extra() {
        let out = Path::new("/src/target/idempo");
        assert_eq!(
            output_path(out, &component("classic", "1.1.0", World::Combat, false)),
            Path::new("/src/target/idempo/extra/combat/classic@1.1.0.wasm")
        );
    }

    #[test]
    fn the_host_reads_back_the_name_and_version_of_a_built_file() {
        let c = component("standard", "2.0.1-beta.1", World::Rewards, true);
        let path = output_path(Path::new("out"), &c);
        let (name, version) = idempo_host::runtime::parse_file_name(&path).unwrap();
        assert_eq!((name.as_str(), version), ("standard", c.version));
    }

    #[test]
    fn cargo_leaves_the_wasm_in_the_release_folder_of_the_target() {
        let ws = Workspace {
            manifest: PathBuf::from("/src/components/Cargo.toml"),
            target_dir: PathBuf::from("/src/target"),
            components: vec![],
        };
        let c = component("classic", "1.0.0", World::Combat, true);
        assert_eq!(
            cargo_output(&ws, &c),
            Path::new("/src/target/wasm32-wasip2/release/classic_crate.wasm")
        );
        assert_eq!(default_out(&ws), Path::new("/src/components/target/idempo"));
    }

    #[test]
    fn two_crates_that_build_the_same_version_are_refused_before_building() {
        let mut a = component("classic", "1.0.0", World::Combat, true);
        let b = component("classic", "1.0.0", World::Combat, false);
        a.package = "combat-classic".into();
        let e = check_unique(&[a, b]).unwrap_err().to_string();
        assert!(e.contains("both build combat classic@1.0.0"), "{e}");
    }

    #[test]
    fn a_rewards_and_a_market_component_may_share_a_name_and_version() {
        let rewards = component("standard", "1.0.0", World::Rewards, true);
        let market = component("standard", "1.0.0", World::Market, true);
        assert!(check_unique(&[rewards, market]).is_ok());
    }

    #[test]
    fn a_toolchain_without_the_target_is_detected() {
        let sysroot = tempfile::tempdir().unwrap();
        assert!(!target_installed(sysroot.path()));
        std::fs::create_dir_all(sysroot.path().join("lib/rustlib/wasm32-wasip2")).unwrap();
        assert!(target_installed(sysroot.path()));
    }
}
