//! Time from publish to serving the new version: load (validate, compile or
//! take from the artifact cache), activate, first call on the new version.
//!
//! `cargo bench -p idempo-host --bench publish`

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use idempo_host::runtime::{Runtime, RuntimeOptions, World};
use semver::Version;

#[path = "../tests/common/mod.rs"]
mod common;

fn publish_and_serve(rt: &Runtime, bytes: &[u8], version: Version) {
    rt.load(
        "default",
        World::Combat,
        "classic",
        version.clone(),
        bytes,
        false,
    )
    .unwrap();
    rt.activate("default", World::Combat, "classic", &version, "bench")
        .unwrap();
    let classic = rt.active("default", World::Combat, "classic").unwrap();
    let out = rt
        .combat_setup(
            &classic,
            common::ctx(0, 1),
            "m",
            common::match_config(),
            &players(),
            1,
        )
        .unwrap();
    assert_eq!(out.version, version, "the new version serves");
}

fn bench(c: &mut Criterion) {
    let bytes = common::wasm("combat_classic_v2");
    let mut group = c.benchmark_group("publish_to_serving");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));

    let data = tempfile::tempdir().unwrap();
    let cached = Runtime::new(RuntimeOptions {
        data_dir: Some(data.path().to_path_buf()),
        ..RuntimeOptions::default()
    })
    .unwrap();
    // Warm the artifact cache once: every later version has the same bytes.
    publish_and_serve(&cached, &bytes, Version::new(0, 0, 1));
    let mut n = 1;
    group.bench_function("cached_artifact", |b| {
        b.iter(|| {
            n += 1;
            publish_and_serve(&cached, &bytes, Version::new(0, 0, n));
        })
    });
    assert!(
        cached.cache_hits() >= 1,
        "the cached path really hit the cache"
    );

    let fresh = Runtime::new(RuntimeOptions::default()).unwrap();
    let mut m = 0;
    group.bench_function("with_compilation", |b| {
        b.iter(|| {
            m += 1;
            publish_and_serve(&fresh, &bytes, Version::new(0, 0, m));
        })
    });
    group.finish();
}

fn players() -> Vec<String> {
    ["ann", "bob", "cid", "dee"].map(String::from).to_vec()
}

criterion_group!(benches, bench);
criterion_main!(benches);
