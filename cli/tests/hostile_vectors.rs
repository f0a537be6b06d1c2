//! Runs every hostile vector (`test-vectors/hostile/`) through the real `yima` binary.
//!
//! - Credential vectors: the text is written to a file and verified with `yima verify FILE --key ...
//!   --now ... --leeway ... --json` (a file, because some hostile texts are empty, contain NUL or
//!   cannot be told from a path on the command line). Exit status 1 and the vector's `code`, or 0 for
//!   `valid`.
//! - Key-load vectors (a listed key is refused): exit status 2 and the key error code on stderr.
//! - Image vectors: `yima verify IMAGE ...` on the committed file.
//! - Venue vectors (group `issuer-kind`): `yima verify TEXT --bundle ... --policy ...`.

// Test code: a failed unwrap is a failed test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use serde_json::Value as Json;
use yima_testkit::vectors;

#[test]
fn cli_verify_agrees_with_every_hostile_vector() {
    let dir = tempfile::tempdir().unwrap();
    let hostile = vectors::load("hostile");
    assert!(
        hostile.len() >= 100,
        "only {} hostile vectors",
        hostile.len()
    );
    let (mut images, mut key_loads) = (0, 0);
    for v in &hostile {
        let name = v["name"].as_str().unwrap();
        let expected = v["expected"].as_str().unwrap();
        let d = dir.path().join(name);
        std::fs::create_dir_all(&d).unwrap();
        if v["bundle_hex"].is_string() {
            common::check_venue_vector(v, &d);
            continue;
        }
        let input = if let Some(file) = v["file"].as_str() {
            images += 1;
            vectors::root().join(file)
        } else {
            let text = v["input"].as_str().unwrap();
            // The command line trims surrounding white space from texts it reads; no vector relies
            // on white space at either end.
            assert_eq!(text.trim(), text, "{name}: surrounding white space");
            let path = d.join("input.txt");
            std::fs::write(&path, text).unwrap();
            path
        };
        let mut cmd = common::verify_vector(&input, v, &d);
        if v["keys"].as_array().unwrap().is_empty() {
            // The command line needs at least one key: trust an unrelated one (the credential
            // vectors' "other" key).
            let other = vectors::read_json(&vectors::root().join("vectors/wrong-key.json"));
            let path = d.join("unrelated.pub");
            std::fs::write(&path, other["keys"][0]["public_key_pem"].as_str().unwrap()).unwrap();
            cmd.arg("--key").arg(&path);
        }
        let common::Run {
            code,
            stdout,
            stderr,
        } = common::Run::of(&mut cmd);
        if expected.starts_with("key.weak-public") || expected.starts_with("key.invalid-public") {
            // A refused key file is a usage-level failure: nothing is verified.
            assert_eq!(code, 2, "{name}: {stdout}{stderr}");
            assert!(stderr.contains(expected), "{name}: {stderr}");
            key_loads += 1;
            continue;
        }
        let line = stdout
            .lines()
            .next()
            .unwrap_or_else(|| panic!("{name}: no output; stderr: {stderr}"));
        let j: Json = serde_json::from_str(line).unwrap();
        if expected == "valid" {
            assert_eq!(code, 0, "{name}: {line}");
            assert_eq!(j["valid"], true, "{name}");
            assert_eq!(j["claims"]["iss"], v["claims"]["issuer"], "{name}");
        } else {
            assert_eq!(code, 1, "{name}: {line} {stderr}");
            assert_eq!(j["valid"], false, "{name}");
            assert_eq!(j["code"], expected, "{name}: {line}");
        }
    }
    assert!(images >= 10, "only {images} image vectors");
    assert!(key_loads >= 3, "only {key_loads} key-load vectors");
}
