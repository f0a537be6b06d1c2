//! Runs every published test vector through the real `yima` binary: `yima verify --json` on the text, and
//! on the QR PNG where the vector has one. Exit status and `code` must match the vector.

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

fn vectors() -> Vec<Json> {
    let index: Json =
        serde_json::from_str(&std::fs::read_to_string(root().join("index.json")).unwrap()).unwrap();
    index["vectors"]
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

fn verify(input: &str, v: &Json, dir: &std::path::Path) -> (i32, Json) {
    let mut cmd = Command::cargo_bin("yima").unwrap();
    cmd.arg("verify").arg(input).arg("--json");
    for (i, k) in v["keys"].as_array().unwrap().iter().enumerate() {
        let path = dir.join(format!("{}-{i}.pub", v["name"].as_str().unwrap()));
        std::fs::write(&path, k["public_key_pem"].as_str().unwrap()).unwrap();
        cmd.arg("--key").arg(&path);
    }
    cmd.arg("--now").arg(v["now_rfc3339"].as_str().unwrap());
    cmd.arg("--leeway")
        .arg(format!("{}s", v["leeway"].as_u64().unwrap()));
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let line = stdout
        .lines()
        .next()
        .unwrap_or_else(|| panic!("no output for {}", v["name"]));
    (
        out.status.code().unwrap(),
        serde_json::from_str(line).unwrap(),
    )
}

#[test]
fn cli_verify_agrees_with_every_vector() {
    let dir = tempfile::tempdir().unwrap();
    let mut pngs = 0;
    for v in vectors() {
        let name = v["name"].as_str().unwrap();
        let expected = v["expected"].as_str().unwrap();
        let mut inputs = vec![v["input"].as_str().unwrap().to_owned()];
        if let Some(png) = v["png"].as_str() {
            inputs.push(root().join(png).display().to_string());
            pngs += 1;
        }
        for input in inputs {
            let (status, json) = verify(&input, &v, dir.path());
            if expected == "valid" {
                assert_eq!(status, 0, "{name}: {json}");
                assert_eq!(json["valid"], true, "{name}");
                assert_eq!(json["kind"], v["claims"]["credential"]["kind"], "{name}");
                assert_eq!(json["claims"]["iss"], v["claims"]["issuer"], "{name}");
                assert_eq!(
                    json["claims"]["fields"], v["claims"]["credential"]["fields"],
                    "{name}"
                );
            } else {
                assert_eq!(status, 1, "{name}: {json}");
                assert_eq!(json["valid"], false, "{name}");
                assert_eq!(json["code"], expected, "{name}");
            }
        }
    }
    assert_eq!(pngs, 5, "one PNG per kind");
}
