//! Runs every published test vector through the real `yima` binary: `yima verify --json` on the text, and
//! on the QR PNG where the vector has one. Exit status and `code` must match the vector.

// Test code: a failed unwrap is a failed test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use yima_testkit::vectors;

#[test]
fn cli_verify_agrees_with_every_vector() {
    let dir = tempfile::tempdir().unwrap();
    let mut pngs = 0;
    for v in vectors::load("vectors") {
        let name = v["name"].as_str().unwrap();
        let expected = v["expected"].as_str().unwrap();
        let d = dir.path().join(name);
        std::fs::create_dir_all(&d).unwrap();
        let mut inputs = vec![v["input"].as_str().unwrap().to_owned()];
        if let Some(png) = v["png"].as_str() {
            inputs.push(vectors::root().join(png).display().to_string());
            pngs += 1;
        }
        for input in inputs {
            let run = common::Run::of(&mut common::verify_vector(&input, &v, &d));
            let (status, json) = (run.code, run.json());
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
