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

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value as Json;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../test-vectors")
}

fn hostile() -> Vec<Json> {
    let index: Json =
        serde_json::from_str(&std::fs::read_to_string(root().join("index.json")).unwrap()).unwrap();
    index["hostile"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            serde_json::from_str(
                &std::fs::read_to_string(root().join(p.as_str().unwrap())).unwrap(),
            )
            .unwrap()
        })
        .collect()
}

fn run_venue(v: &Json, d: &Path) {
    let name = v["name"].as_str().unwrap();
    let expected = v["expected"].as_str().unwrap();
    std::fs::write(
        d.join("bundle.cwt"),
        hex::decode(v["bundle_hex"].as_str().unwrap()).unwrap(),
    )
    .unwrap();
    std::fs::write(
        d.join("authority.pub"),
        v["bundle_key_pem"].as_str().unwrap(),
    )
    .unwrap();
    std::fs::write(d.join("policy.json"), v["policy"].to_string()).unwrap();
    let state = d.join("state.json");
    if let Some(seq) = v["accepted_seq"].as_u64() {
        std::fs::write(&state, format!("{{\"bundle_seq\":{seq}}}")).unwrap();
    }
    let out = Command::cargo_bin("yima")
        .unwrap()
        .arg("verify")
        .arg(v["input"].as_str().unwrap())
        .arg("--bundle")
        .arg(d.join("bundle.cwt"))
        .arg("--bundle-key")
        .arg(d.join("authority.pub"))
        .arg("--policy")
        .arg(d.join("policy.json"))
        .arg("--state")
        .arg(&state)
        .args(["--now", v["now_rfc3339"].as_str().unwrap(), "--json"])
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let j: Json = serde_json::from_str(stdout.lines().next().unwrap()).unwrap();
    if expected == "accepted" {
        assert_eq!(out.status.code(), Some(0), "{name}: {stdout}");
        assert_eq!(j["valid"], true, "{name}");
    } else {
        assert_eq!(out.status.code(), Some(1), "{name}: {stdout}");
        assert_eq!(j["code"], expected, "{name}");
        assert_eq!(j["stage"], v["stage"], "{name}");
    }
}

#[test]
fn cli_verify_agrees_with_every_hostile_vector() {
    let dir = tempfile::tempdir().unwrap();
    let vectors = hostile();
    assert!(
        vectors.len() >= 100,
        "only {} hostile vectors",
        vectors.len()
    );
    let (mut images, mut key_loads) = (0, 0);
    for v in &vectors {
        let name = v["name"].as_str().unwrap();
        let expected = v["expected"].as_str().unwrap();
        let d = dir.path().join(name);
        std::fs::create_dir_all(&d).unwrap();
        if v["bundle_hex"].is_string() {
            run_venue(v, &d);
            continue;
        }
        let input = if let Some(file) = v["file"].as_str() {
            images += 1;
            root().join(file)
        } else {
            let text = v["input"].as_str().unwrap();
            // The command line trims surrounding white space from texts it reads; no vector relies
            // on white space at either end.
            assert_eq!(text.trim(), text, "{name}: surrounding white space");
            let path = d.join("input.txt");
            std::fs::write(&path, text).unwrap();
            path
        };
        let mut cmd = Command::cargo_bin("yima").unwrap();
        cmd.arg("verify").arg(&input).arg("--json");
        for (i, k) in v["keys"].as_array().unwrap().iter().enumerate() {
            let path = d.join(format!("key-{i}.pub"));
            std::fs::write(&path, k["public_key_pem"].as_str().unwrap()).unwrap();
            cmd.arg("--key").arg(&path);
        }
        if v["keys"].as_array().unwrap().is_empty() {
            // The command line needs at least one key: trust an unrelated one (the credential
            // vectors' "other" key).
            let other: Json = serde_json::from_str(
                &std::fs::read_to_string(root().join("vectors/wrong-key.json")).unwrap(),
            )
            .unwrap();
            let path = d.join("unrelated.pub");
            std::fs::write(&path, other["keys"][0]["public_key_pem"].as_str().unwrap()).unwrap();
            cmd.arg("--key").arg(&path);
        }
        cmd.arg("--now").arg(v["now_rfc3339"].as_str().unwrap());
        cmd.arg("--leeway")
            .arg(format!("{}s", v["leeway"].as_u64().unwrap()));
        let out = cmd.output().unwrap();
        let stdout = String::from_utf8(out.stdout).unwrap();
        let stderr = String::from_utf8(out.stderr).unwrap();
        if expected.starts_with("key.weak-public") || expected.starts_with("key.invalid-public") {
            // A refused key file is a usage-level failure: nothing is verified.
            assert_eq!(out.status.code(), Some(2), "{name}: {stdout}{stderr}");
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
            assert_eq!(out.status.code(), Some(0), "{name}: {line}");
            assert_eq!(j["valid"], true, "{name}");
            assert_eq!(j["claims"]["iss"], v["claims"]["issuer"], "{name}");
        } else {
            assert_eq!(out.status.code(), Some(1), "{name}: {line} {stderr}");
            assert_eq!(j["valid"], false, "{name}");
            assert_eq!(j["code"], expected, "{name}: {line}");
        }
    }
    assert!(images >= 10, "only {images} image vectors");
    assert!(key_loads >= 3, "only {key_loads} key-load vectors");
}
