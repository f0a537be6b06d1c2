//! Runs the image vectors of `test-vectors/hostile/` (those with a `file`) through the library: scan the
//! file with the default limits, then verify the first code found with the vector's keys. The outcome
//! (`scan.no-code` for an image without a readable code, else a scanner or verifier code) must be the
//! vector's `expected`. The other hostile vectors are run by `crates/yima-core/tests/hostile_vectors.rs`.
#![cfg(feature = "qr")]
// Test code: a failed unwrap is a failed test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use yima::qr::{ScanLimits, scan_image};
use yima::{Unverified, VerifyOptions, VerifyingKey};

use yima_testkit::vectors::{load, root};

#[test]
fn every_hostile_image_gives_its_expected_code() {
    let mut n = 0;
    for v in &load("hostile") {
        let Some(file) = v["file"].as_str() else {
            continue;
        };
        let name = v["name"].as_str().unwrap();
        let bytes = std::fs::read(root().join(file)).unwrap();
        let start = std::time::Instant::now();
        let got = match scan_image(&bytes, &ScanLimits::default()) {
            Err(e) => e.code().to_owned(),
            Ok(codes) => match codes.first() {
                None => "scan.no-code".to_owned(),
                Some(code) => {
                    let keys: Vec<VerifyingKey> = v["keys"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|k| {
                            VerifyingKey::from_public_key_pem(k["public_key_pem"].as_str().unwrap())
                                .unwrap()
                        })
                        .collect();
                    let opts = VerifyOptions {
                        now: v["now"].as_u64().unwrap(),
                        leeway: v["leeway"].as_u64().unwrap(),
                    };
                    match Unverified::parse(&code.text).and_then(|u| u.verify(&keys, &opts)) {
                        Ok(_) => "valid".to_owned(),
                        Err(e) => e.code().to_owned(),
                    }
                }
            },
        };
        assert_eq!(got, v["expected"].as_str().unwrap(), "{name}");
        assert!(
            start.elapsed() < std::time::Duration::from_secs(5),
            "{name}: took {:?}",
            start.elapsed()
        );
        n += 1;
    }
    assert!(n >= 10, "only {n} image vectors");
}
