//! Runs every published test vector (test-vectors/) through the library: parse, verify, and compare the
//! outcome with the vector's expected result (`valid` or a stable error code).

// Test code: a failed unwrap is a failed test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use serde_json::Value as Json;
use yima_core::{Claims, Unverified, VerifyOptions, VerifyingKey};

use yima_testkit::vectors::load;

fn keys(v: &Json) -> Vec<VerifyingKey> {
    v["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            let raw: [u8; 32] = hex::decode(k["public_key_hex"].as_str().unwrap())
                .unwrap()
                .try_into()
                .unwrap();
            let key = VerifyingKey::from_bytes(&raw).unwrap();
            // The PEM and the raw form name the same key, and the kid is derived as specified.
            assert_eq!(
                VerifyingKey::from_public_key_pem(k["public_key_pem"].as_str().unwrap()).unwrap(),
                key
            );
            assert_eq!(hex::encode(key.kid()), k["kid"].as_str().unwrap());
            key
        })
        .collect()
}

#[test]
fn every_vector_gives_its_expected_result() {
    let vectors = load("vectors");
    assert!(vectors.len() >= 30, "only {} vectors", vectors.len());
    let mut valid = 0;
    for v in &vectors {
        let name = v["name"].as_str().unwrap();
        let expected = v["expected"].as_str().unwrap();
        let opts = VerifyOptions {
            now: v["now"].as_u64().unwrap(),
            leeway: v["leeway"].as_u64().unwrap(),
        };
        let input = v["input"].as_str().unwrap();
        let parsed = Unverified::parse(input);
        if let (Ok(u), Some(cose)) = (&parsed, v["cose_hex"].as_str()) {
            assert_eq!(hex::encode(u.cose_bytes()), cose, "{name}: cose_hex");
        }
        let outcome = parsed.and_then(|u| u.verify(&keys(v), &opts));
        match (expected, outcome) {
            ("valid", Ok(verified)) => {
                let want: Claims = serde_json::from_value(v["claims"].clone()).unwrap();
                assert_eq!(verified.claims(), &want, "{name}: claims");
                valid += 1;
            }
            ("valid", Err(e)) => panic!("{name}: expected valid, got {}", e.code()),
            (code, Ok(_)) => panic!("{name}: expected {code}, but it verified"),
            (code, Err(e)) => assert_eq!(e.code(), code, "{name}"),
        }
    }
    assert!(valid >= 5);
}

#[test]
fn every_error_vector_is_rejected_at_its_stage_only() {
    // Error vectors other than key/time cases must fail the same way whatever the time and key set.
    for v in load("vectors") {
        let expected = v["expected"].as_str().unwrap();
        if expected == "valid" || expected.starts_with("time.") || expected.starts_with("key.") {
            continue;
        }
        let err = Unverified::parse(v["input"].as_str().unwrap())
            .and_then(|u| {
                u.verify(
                    &keys(&v),
                    &VerifyOptions::at(v["now"].as_u64().unwrap() + 1),
                )
            })
            .unwrap_err();
        assert_eq!(err.code(), expected, "{}", v["name"]);
    }
}
