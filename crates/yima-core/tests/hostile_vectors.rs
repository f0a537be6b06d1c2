//! Runs every hostile vector (`test-vectors/hostile/`, listed under `"hostile"` in index.json) through
//! the library: the listed keys are loaded (a key that is refused gives the vector's result), the text
//! is parsed and verified, and the outcome must be the vector's `expected` code. Venue-shaped vectors
//! (group `issuer-kind`) go through the trust bundle and the venue check. Image vectors (`file`) are
//! scanned by `crates/yima/tests/hostile_images.rs`, which has the QR scanner.

// Test code: a failed unwrap is a failed test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeMap;

use serde_json::Value as Json;
use yima_core::policy::{Policy, check};
use yima_core::trust::{BundleCheck, TrustBundle};
use yima_core::{Claims, Unverified, VerifyOptions, VerifyingKey};

use yima_testkit::vectors::{self, load, root};

fn hostile() -> Vec<Json> {
    let list = load("hostile");
    let index = vectors::read_json(&root().join("index.json"));
    assert_eq!(index["hostile_count"].as_u64(), Some(list.len() as u64));
    list
}

/// Loads the listed keys from both their raw and PEM forms (which must agree), or returns the code
/// of the first key that is refused.
fn load_keys(v: &Json) -> Result<Vec<VerifyingKey>, &'static str> {
    let mut keys = Vec::new();
    for k in v["keys"].as_array().unwrap() {
        let raw: [u8; 32] = hex::decode(k["public_key_hex"].as_str().unwrap())
            .unwrap()
            .try_into()
            .unwrap();
        let from_raw = VerifyingKey::from_bytes(&raw);
        let from_pem = VerifyingKey::from_public_key_pem(k["public_key_pem"].as_str().unwrap());
        assert_eq!(
            from_raw.as_ref().map_err(|e| e.code()),
            from_pem.as_ref().map_err(|e| e.code()),
            "{}: raw and PEM forms of a key disagree",
            v["name"]
        );
        let key = from_raw.map_err(|e| e.code())?;
        assert_eq!(hex::encode(key.kid()), k["kid"].as_str().unwrap());
        keys.push(key);
    }
    Ok(keys)
}

fn venue_outcome(v: &Json) -> String {
    let pinned = VerifyingKey::from_public_key_pem(v["bundle_key_pem"].as_str().unwrap()).unwrap();
    let policy: Policy = serde_json::from_value(v["policy"].clone()).unwrap();
    let now = v["now"].as_u64().unwrap();
    let bundle = TrustBundle::verify(
        &hex::decode(v["bundle_hex"].as_str().unwrap()).unwrap(),
        &pinned,
        &BundleCheck {
            now,
            skew: policy.clock_skew,
            accepted_seq: v["accepted_seq"].as_u64(),
            max_age: policy.max_bundle_age,
        },
    )
    .unwrap();
    match check(v["input"].as_str().unwrap(), &bundle, &policy, now) {
        Ok(_) => "accepted".into(),
        Err(r) => {
            assert_eq!(Some(r.stage.as_str()), v["stage"].as_str(), "{}", v["name"]);
            r.code.into()
        }
    }
}

fn outcome(v: &Json) -> String {
    let name = v["name"].as_str().unwrap();
    if v["bundle_hex"].is_string() {
        return venue_outcome(v);
    }
    let keys = match load_keys(v) {
        Ok(k) => k,
        Err(code) => return code.into(),
    };
    let opts = VerifyOptions {
        now: v["now"].as_u64().unwrap(),
        leeway: v["leeway"].as_u64().unwrap(),
    };
    let parsed = Unverified::parse(v["input"].as_str().unwrap());
    if let (Ok(u), Some(cose)) = (&parsed, v["cose_hex"].as_str()) {
        assert_eq!(hex::encode(u.cose_bytes()), cose, "{name}: cose_hex");
    }
    match parsed.and_then(|u| u.verify(&keys, &opts)) {
        Ok(verified) => {
            let want: Claims = serde_json::from_value(v["claims"].clone()).unwrap();
            assert_eq!(verified.claims(), &want, "{name}: claims");
            "valid".into()
        }
        Err(e) => {
            assert!(
                v["claims"].is_null(),
                "{name}: claims given for an invalid vector"
            );
            e.code().into()
        }
    }
}

#[test]
fn every_hostile_vector_gives_its_expected_code() {
    let vectors = hostile();
    assert!(
        vectors.len() >= 100,
        "only {} hostile vectors",
        vectors.len()
    );
    let mut groups: BTreeMap<String, usize> = BTreeMap::new();
    let mut images = 0;
    for v in &vectors {
        let name = v["name"].as_str().unwrap();
        let file = root().join("hostile").join(format!("{name}.json"));
        assert!(file.is_file(), "{name}: name does not match its file");
        for field in [
            "name",
            "description",
            "group",
            "input",
            "now",
            "now_rfc3339",
            "expected",
        ] {
            assert!(!v[field].is_null(), "{name}: no {field}");
        }
        *groups
            .entry(v["group"].as_str().unwrap().to_owned())
            .or_default() += 1;
        if let Some(f) = v["file"].as_str() {
            assert!(root().join(f).is_file(), "{name}: {f} missing");
            images += 1;
            continue;
        }
        assert_eq!(outcome(v), v["expected"].as_str().unwrap(), "{name}");
    }
    for g in [
        "transport",
        "bitflip",
        "truncation",
        "cbor",
        "claims",
        "identifier",
        "header",
        "cose",
        "tag",
        "key",
        "signature",
        "time",
        "issuer-kind",
        "image",
    ] {
        assert!(groups.contains_key(g), "no hostile vector in group {g}");
    }
    assert!(images >= 10, "only {images} image vectors");
}

#[test]
fn no_hostile_vector_depends_on_the_clock_unless_it_says_so() {
    // Everything except the time and key-collision cases fails the same way at another time.
    for v in hostile() {
        let group = v["group"].as_str().unwrap();
        let expected = v["expected"].as_str().unwrap();
        if matches!(group, "time" | "issuer-kind") || v["file"].is_string() || expected == "valid" {
            continue;
        }
        let mut later = v.clone();
        later["now"] = Json::from(v["now"].as_u64().unwrap() + 7);
        assert_eq!(outcome(&later), expected, "{}", v["name"]);
    }
}
