//! Runs every venue vector (test-vectors/venue/) through the real binary: `yima verify --bundle ...
//! --policy ... --state ... --json`. Accepted → exit 0; rejected → exit 1 with the vector's code and stage;
//! an unusable bundle → exit 2 with the bundle code on stderr.

// Test code: a failed unwrap is a failed test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

#[test]
fn cli_verify_with_bundle_agrees_with_every_venue_vector() {
    let dir = tempfile::tempdir().unwrap();
    let mut n = 0;
    for v in yima_testkit::vectors::load("venue") {
        let d = dir.path().join(v["name"].as_str().unwrap());
        std::fs::create_dir_all(&d).unwrap();
        common::check_venue_vector(&v, &d);
        n += 1;
    }
    assert!(n >= 25);
}
