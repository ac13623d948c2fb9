//! `idempo-sdk new`: a new component crate from an embedded template.
//!
//! The templates live in `sdk/templates/<world>/` and are embedded at build
//! time (see `build.rs`), so the binary needs no checkout to scaffold. Three
//! placeholders are filled in every file: `{{crate_name}}`,
//! `{{component_name}}` and `{{sdk_path}}` (the absolute path of the guest
//! SDK crate, `sdk/guest`), plus `{{world}}`.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use idempo_host::runtime::World;

/// One embedded template file.
#[derive(Debug)]
pub struct TemplateFile {
    pub world: &'static str,
    /// Path inside the template, with `/`.
    pub path: &'static str,
    pub contents: &'static str,
}

include!(concat!(env!("OUT_DIR"), "/templates.rs"));

/// A name is 1 to this many characters, as the host's registry allows.
const MAX_NAME_CHARS: usize = 64;

/// The files of a world's template.
pub fn template(world: World) -> impl Iterator<Item = &'static TemplateFile> {
    TEMPLATE_FILES
        .iter()
        .filter(move |f| f.world == world.as_str())
}

/// The values the placeholders take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placeholders {
    pub crate_name: String,
    pub component_name: String,
    pub sdk_path: String,
    pub world: World,
}

impl Placeholders {
    /// Fills every placeholder of `text`. Anything else in braces is left
    /// alone, so Rust format strings in a template survive.
    pub fn fill(&self, text: &str) -> String {
        text.replace("{{crate_name}}", &self.crate_name)
            .replace("{{component_name}}", &self.component_name)
            .replace("{{sdk_path}}", &self.sdk_path)
            .replace("{{world}}", self.world.as_str())
    }
}

/// What `new` made.
#[derive(Debug)]
pub struct Created {
    pub dir: PathBuf,
    pub name: String,
    pub files: Vec<PathBuf>,
}

/// Checks a component name as the host's registry does: 1-64 of a-z, 0-9,
/// `-` and `_`, starting with a letter (so it is also a crate name).
pub fn check_name(name: &str) -> anyhow::Result<()> {
    let valid = (1..=MAX_NAME_CHARS).contains(&name.chars().count())
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if !valid {
        bail!(
            "`{name}` is not a valid component name: use 1-{MAX_NAME_CHARS} of a-z, 0-9, `-` and `_`, \
             starting with a letter; pass one with --name"
        );
    }
    Ok(())
}

/// The component's name: `--name`, or else the last part of `path`.
pub fn component_name(path: &Path, name: Option<&str>) -> anyhow::Result<String> {
    let name = match name {
        Some(name) => name.to_owned(),
        None => path
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .with_context(|| {
                format!(
                    "cannot name a component after `{}`; pass --name",
                    path.display()
                )
            })?,
    };
    check_name(&name)?;
    Ok(name)
}

/// The guest SDK crate the new component depends on: `IDEMPO_SDK_PATH`, or
/// `sdk/guest` next to this CLI's sources.
pub fn sdk_path() -> anyhow::Result<PathBuf> {
    let (path, origin) = match std::env::var_os("IDEMPO_SDK_PATH") {
        Some(p) => (PathBuf::from(p), "IDEMPO_SDK_PATH"),
        None => (
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("..")
                .join("guest"),
            "the idempo checkout this CLI was built from",
        ),
    };
    let path = path.canonicalize().with_context(|| {
        format!(
            "the guest SDK is not at {} (from {origin}); set IDEMPO_SDK_PATH to the sdk/guest folder of an idempo checkout",
            path.display()
        )
    })?;
    if !path.join("Cargo.toml").is_file() {
        bail!(
            "{} (from {origin}) holds no Cargo.toml; set IDEMPO_SDK_PATH to the sdk/guest folder of an idempo checkout",
            path.display()
        );
    }
    Ok(path)
}

/// Where a template file lands: its path under `dir`, without a `.tmpl`
/// suffix (a template may name `Cargo.toml.tmpl` so cargo ignores it).
pub fn output_file(dir: &Path, template_path: &str) -> PathBuf {
    let path = template_path.strip_suffix(".tmpl").unwrap_or(template_path);
    path.split('/').fold(dir.to_owned(), |p, part| p.join(part))
}

/// Creates a `world` component crate at `dir` from the embedded template.
/// Refuses a `dir` that exists and is not empty.
pub fn new_component(world: World, dir: &Path, name: Option<&str>) -> anyhow::Result<Created> {
    let name = component_name(dir, name)?;
    let files: Vec<&TemplateFile> = template(world).collect();
    if files.is_empty() {
        bail!(
            "this idempo-sdk has no {world} template (sdk/templates/{world}/ was missing when it was built); \
             rebuild it from a checkout that has one: cargo install --path sdk/cli"
        );
    }
    if dir.exists() && dir.read_dir().map_or(true, |mut d| d.next().is_some()) {
        bail!(
            "{} already exists and is not empty; choose a new path",
            dir.display()
        );
    }
    let placeholders = Placeholders {
        crate_name: name.clone(),
        component_name: name.clone(),
        sdk_path: sdk_path()?.to_string_lossy().replace('\\', "/"),
        world,
    };
    println!("==> creating {name} ({world}) in {}", dir.display());
    let mut written = Vec::new();
    for file in files {
        let path = output_file(dir, file.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        std::fs::write(&path, placeholders.fill(file.contents))
            .with_context(|| format!("cannot write {}", path.display()))?;
        println!("    wrote {}", path.display());
        written.push(path);
    }
    Ok(Created {
        dir: dir.to_owned(),
        name,
        files: written,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn placeholders() -> Placeholders {
        Placeholders {
            crate_name: "fire-arena".into(),
            component_name: "fire-arena".into(),
            sdk_path: "/opt/idempo/sdk/guest".into(),
            world: World::Combat,
        }
    }

    #[test]
    fn a_template_manifest_gets_the_crate_name_and_the_sdk_path() {
        let manifest = "[package]\nname = \"{{crate_name}}\"\n\n[package.metadata.idempo]\nname = \"{{component_name}}\"\nworld = \"{{world}}\"\n\n[dependencies]\nidempo-sdk = { path = \"{{sdk_path}}\" }\n";
        assert_eq!(
            placeholders().fill(manifest),
            "[package]\nname = \"fire-arena\"\n\n[package.metadata.idempo]\nname = \"fire-arena\"\nworld = \"combat\"\n\n[dependencies]\nidempo-sdk = { path = \"/opt/idempo/sdk/guest\" }\n"
        );
    }

    #[test]
    fn rust_format_strings_in_a_template_are_left_alone() {
        let code = r#"format!("{{}} hit {target} for {{amount}}")"#;
        assert_eq!(placeholders().fill(code), code);
    }

    #[test]
    fn the_component_is_named_after_its_folder_unless_told_otherwise() {
        assert_eq!(
            component_name(Path::new("games/fire-arena"), None).unwrap(),
            "fire-arena"
        );
        assert_eq!(
            component_name(Path::new("x"), Some("ice_arena")).unwrap(),
            "ice_arena"
        );
    }

    #[test]
    fn a_name_the_host_would_refuse_is_refused_at_once_with_the_rule() {
        let e = component_name(Path::new("My Rules"), None)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("`My Rules` is not a valid component name"),
            "{e}"
        );
        assert!(e.contains("--name"), "{e}");
        assert!(check_name("9lives").is_err());
        assert!(check_name(&"a".repeat(65)).is_err());
        assert!(check_name(&"a".repeat(64)).is_ok());
    }

    #[test]
    fn template_files_land_under_the_new_folder_without_a_tmpl_suffix() {
        let dir = Path::new("/tmp/new");
        assert_eq!(output_file(dir, "Cargo.toml.tmpl"), dir.join("Cargo.toml"));
        assert_eq!(
            output_file(dir, ".cargo/config.toml"),
            dir.join(".cargo").join("config.toml")
        );
        assert_eq!(
            output_file(dir, "scenarios/basic.json"),
            dir.join("scenarios").join("basic.json")
        );
    }

    #[test]
    fn new_refuses_to_write_into_a_folder_that_has_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("keep.txt"), "mine").unwrap();
        let target = dir.path().to_owned();
        let result = new_component(World::Combat, &target, Some("fire"));
        let e = result.unwrap_err().to_string();
        assert!(e.contains("already exists and is not empty"), "{e}");
        assert_eq!(
            std::fs::read_to_string(dir.path().join("keep.txt")).unwrap(),
            "mine"
        );
    }

    #[test]
    fn every_world_has_a_template_with_a_manifest_its_rules_and_a_scenario() {
        for world in World::ALL {
            let paths: Vec<String> = template(world)
                .map(|f| f.path.trim_end_matches(".tmpl").to_owned())
                .collect();
            for needed in ["Cargo.toml", "src/lib.rs", "scenarios/basic.json"] {
                assert!(
                    paths.iter().any(|p| p == needed),
                    "the {world} template has no {needed}: {paths:?}"
                );
            }
        }
    }

    #[test]
    fn a_new_component_has_every_placeholder_filled_and_is_one_the_build_recognises() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gold-market");
        let created = new_component(World::Market, &path, None).unwrap();
        assert_eq!(created.name, "gold-market");
        for file in &created.files {
            let text = std::fs::read_to_string(file).unwrap();
            for placeholder in [
                "{{crate_name}}",
                "{{component_name}}",
                "{{sdk_path}}",
                "{{world}}",
            ] {
                assert!(
                    !text.contains(placeholder),
                    "{} keeps {placeholder}",
                    file.display()
                );
            }
        }
        let workspace = crate::manifest::read(&path).unwrap();
        let [component] = &workspace.components[..] else {
            panic!("one component: {:?}", workspace.components);
        };
        assert_eq!(component.name, "gold-market");
        assert_eq!(component.world, World::Market);
        assert!(component.preload);
        assert_eq!(
            component.scenarios_dir(),
            path.canonicalize().unwrap().join("scenarios")
        );
    }

    #[test]
    fn the_guest_sdk_is_found_next_to_the_cli_in_a_checkout() {
        if std::env::var_os("IDEMPO_SDK_PATH").is_none() {
            let path = sdk_path().unwrap();
            assert!(path.ends_with("sdk/guest"), "{}", path.display());
        }
    }
}
