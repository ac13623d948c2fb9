//! A designer's whole path against a running host: `new` scaffolds a combat
//! component, `build` and `test` pass its own scenario, `publish --activate`
//! uploads it, and the host then serves it; `rollback` and `activate` move
//! between versions.

mod common;

use std::path::Path;

use idempo_cli::admin::AdminClient;
use idempo_cli::{build, publish, scaffold, testing};
use idempo_host::runtime::World;
use semver::Version;

const TOKEN: &str = "flow-operator-token";

fn set_version(dir: &Path, version: &str) {
    let manifest = dir.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let text = text.replacen(
        "version = \"0.1.0\"",
        &format!("version = \"{version}\""),
        1,
    );
    assert!(
        text.contains(&format!("version = \"{version}\"")),
        "the template's version moved: {text}"
    );
    std::fs::write(manifest, text).unwrap();
}

#[test]
fn new_build_test_publish_and_activate_against_a_running_host() {
    let host = common::start_host(TOKEN);
    let (url, runtime) = (host.url.clone(), host.runtime.clone());
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("sparring");

    let created = scaffold::new_component(World::Combat, &dir, None).unwrap();
    assert_eq!(created.name, "sparring");

    let (_, artifacts) = build::build(&dir, None).unwrap();
    assert_eq!(artifacts.len(), 1);
    assert!(artifacts[0].path.is_file());

    let run = testing::test(&dir, None).unwrap();
    assert!(
        run.passed(),
        "the template passes its own scenario: {:?}",
        run.errors
    );
    assert!(!run.reports.is_empty());

    let client = AdminClient::new(&url, Some(TOKEN.into()), "default").unwrap();
    let published = publish::publish(&dir, None, &client, true).unwrap();
    assert_eq!(published.uploads.len(), 1);
    let active = runtime
        .active("default", World::Combat, "sparring")
        .unwrap();
    assert_eq!(active.version, Version::new(0, 1, 0));

    // A second version, published then activated by name.
    set_version(&dir, "0.2.0");
    publish::publish(&dir, None, &client, false).unwrap();
    assert_eq!(
        runtime
            .active("default", World::Combat, "sparring")
            .unwrap()
            .version,
        Version::new(0, 1, 0),
        "publishing without --activate leaves the active version"
    );
    client
        .activate(World::Combat, "sparring", &Version::new(0, 2, 0))
        .unwrap();
    assert_eq!(
        runtime
            .active("default", World::Combat, "sparring")
            .unwrap()
            .version,
        Version::new(0, 2, 0)
    );
    client.rollback(World::Combat, "sparring").unwrap();
    assert_eq!(
        runtime
            .active("default", World::Combat, "sparring")
            .unwrap()
            .version,
        Version::new(0, 1, 0)
    );
    let listed = client.list().unwrap();
    assert!(
        listed
            .iter()
            .any(|c| c.name == "sparring" && c.versions.len() == 2)
    );

    let refused = AdminClient::new(&url, Some("not-the-token".into()), "default")
        .unwrap()
        .list()
        .unwrap_err();
    assert!(
        refused.to_string().contains("401")
            || refused.to_string().to_lowercase().contains("unauthorized"),
        "{refused}"
    );
}
