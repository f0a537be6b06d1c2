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

use std::path::PathBuf;

use assert_cmd::Command;
use serde_json::Value as Json;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../test-vectors")
}

#[test]
fn cli_verify_with_bundle_agrees_with_every_venue_vector() {
    let index: Json =
        serde_json::from_str(&std::fs::read_to_string(root().join("index.json")).unwrap()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut n = 0;
    for path in index["venue"].as_array().unwrap() {
        let v: Json = serde_json::from_str(
            &std::fs::read_to_string(root().join(path.as_str().unwrap())).unwrap(),
        )
        .unwrap();
        let name = v["name"].as_str().unwrap();
        let expected = v["expected"].as_str().unwrap();
        let d = dir.path().join(name);
        std::fs::create_dir_all(&d).unwrap();
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
        let code = out.status.code().unwrap();
        let stdout = String::from_utf8(out.stdout).unwrap();
        let stderr = String::from_utf8(out.stderr).unwrap();
        match (expected, v["stage"].as_str()) {
            ("accepted", _) => {
                assert_eq!(code, 0, "{name}: {stdout}{stderr}");
                let j: Json = serde_json::from_str(stdout.lines().next().unwrap()).unwrap();
                assert_eq!(j["valid"], true, "{name}");
                assert!(j["issuer"].is_string(), "{name}");
            }
            (want, Some("bundle")) => {
                assert_eq!(code, 2, "{name}: {stdout}{stderr}");
                assert!(stderr.contains(want), "{name}: {stderr}");
            }
            (want, Some(stage)) => {
                assert_eq!(code, 1, "{name}: {stdout}{stderr}");
                let j: Json = serde_json::from_str(stdout.lines().next().unwrap()).unwrap();
                assert_eq!(j["code"], want, "{name}");
                assert_eq!(j["stage"], stage, "{name}");
            }
            (want, None) => panic!("{name}: expected {want} without a stage"),
        }
        n += 1;
    }
    assert!(n >= 25);
}
