//! `idempo-sdk publish`: builds, uploads every component to a host, and
//! with `--activate` makes the highest published version of each active.

use std::collections::BTreeMap;

use idempo_host::runtime::World;
use std::path::Path;

use anyhow::Context;
use semver::Version;

use crate::admin::{Activation, AdminClient, Uploaded};
use crate::build::{Artifact, build};

/// What a publish did.
#[derive(Debug, Default)]
pub struct Published {
    pub uploads: Vec<Uploaded>,
    pub activations: Vec<Activation>,
}

/// Builds the components at `path` and publishes them through `client`.
pub fn publish(
    path: &Path,
    out: Option<&Path>,
    client: &AdminClient,
    activate: bool,
) -> anyhow::Result<Published> {
    let (_, artifacts) = build(path, out)?;
    publish_artifacts(&artifacts, client, activate)
}

/// Uploads built components, then activates the highest version of each
/// when asked.
pub fn publish_artifacts(
    artifacts: &[Artifact],
    client: &AdminClient,
    activate: bool,
) -> anyhow::Result<Published> {
    let mut published = Published::default();
    for artifact in artifacts {
        let c = &artifact.component;
        println!(
            "==> uploading {} ({}) to {} (game {}) …",
            c.label(),
            c.world,
            client.host(),
            client.game()
        );
        let wasm = std::fs::read(&artifact.path)
            .with_context(|| format!("cannot read {}", artifact.path.display()))?;
        let uploaded = client
            .upload(&c.name, &c.version, c.world, wasm)
            .with_context(|| format!("uploading {} failed", c.label()))?;
        let hash: String = uploaded.hash.chars().take(12).collect();
        if uploaded.new {
            println!(
                "    loaded {} (sha256 {hash}…, {})",
                c.label(),
                uploaded.origin
            );
        } else {
            println!("    {} was already loaded with this content", c.label());
        }
        if let Some(activation) = uploaded.activated.as_ref().or(uploaded.activation.as_ref()) {
            println!("    active now: {activation}");
        }
        published.uploads.push(uploaded);
    }
    if activate {
        for ((world, name), version) in highest_versions(artifacts) {
            println!("==> activating {name}@{version} …");
            let activation = client
                .activate(world, name, version)
                .with_context(|| format!("activating {name}@{version} failed"))?;
            println!("    {activation}");
            published.activations.push(activation);
        }
    }
    Ok(published)
}

/// The highest version built of each component (world and name).
pub fn highest_versions(artifacts: &[Artifact]) -> BTreeMap<(World, &str), &Version> {
    let mut highest: BTreeMap<(World, &str), &Version> = BTreeMap::new();
    for a in artifacts {
        let c = &a.component;
        let entry = highest
            .entry((c.world, c.name.as_str()))
            .or_insert(&c.version);
        if c.version > **entry {
            *entry = &c.version;
        }
    }
    highest
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use idempo_host::runtime::World;

    use super::*;
    use crate::manifest::ComponentCrate;

    fn artifact(name: &str, version: &str) -> Artifact {
        Artifact {
            component: ComponentCrate {
                package: format!("{name}-{version}"),
                name: name.into(),
                world: World::Combat,
                version: Version::parse(version).unwrap(),
                preload: true,
                lib_name: name.into(),
                manifest_dir: PathBuf::new(),
            },
            path: PathBuf::new(),
            size_bytes: 0,
        }
    }

    #[test]
    fn activate_picks_the_highest_version_of_each_component() {
        let artifacts = [
            artifact("classic", "1.1.0"),
            artifact("classic", "1.0.0"),
            artifact("standard", "0.3.0"),
        ];
        let highest = highest_versions(&artifacts);
        assert_eq!(highest.len(), 2);
        assert_eq!(highest[&(World::Combat, "classic")].to_string(), "1.1.0");
        assert_eq!(highest[&(World::Combat, "standard")].to_string(), "0.3.0");
    }
}
