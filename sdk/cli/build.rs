//! Embeds `sdk/templates/<world>/` in the binary, so `idempo-sdk new` works
//! from anywhere, not only from a checkout.
//!
//! Walks each world's template folder (dotfiles included, `target/` and
//! `Cargo.lock` left out) and writes `$OUT_DIR/templates.rs`: one
//! `include_str!` per file. A folder that does not exist yet embeds nothing;
//! `idempo-sdk new` then says the template is missing.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

const WORLDS: [&str; 4] = ["combat", "rewards", "market", "tournament"];
/// A template is a small crate; anything past this is a mistake.
const MAX_TEMPLATE_FILES: usize = 64;

fn main() {
    let manifest_dir =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let templates = manifest_dir.join("..").join("templates");
    println!("cargo:rerun-if-changed={}", templates.display());
    let mut code = String::from("pub static TEMPLATE_FILES: &[TemplateFile] = &[\n");
    for world in WORLDS {
        let root = templates.join(world);
        let mut files = Vec::new();
        walk(&root, &root, &mut files);
        files.sort();
        assert!(
            files.len() <= MAX_TEMPLATE_FILES,
            "template {world} has over {MAX_TEMPLATE_FILES} files"
        );
        for (relative, absolute) in files {
            if std::fs::read_to_string(&absolute).is_err() {
                println!(
                    "cargo:warning=template file {} is not UTF-8 text; left out",
                    absolute.display()
                );
                continue;
            }
            let _ = writeln!(
                code,
                "    TemplateFile {{ world: {world:?}, path: {relative:?}, contents: include_str!({:?}) }},",
                absolute.display().to_string()
            );
        }
    }
    code.push_str("];\n");
    let out =
        PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("templates.rs");
    std::fs::write(&out, code).expect("write templates.rs");
}

/// Files under `dir`, as (path relative to `root` with `/`, absolute path).
fn walk(root: &Path, dir: &Path, files: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name == "target" || name == "Cargo.lock" {
            continue;
        }
        if path.is_dir() {
            walk(root, &path, files);
        } else if let Ok(relative) = path.strip_prefix(root) {
            let relative: Vec<String> = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            files.push((relative.join("/"), path.canonicalize().unwrap_or(path)));
        }
    }
}
