//! Runs every venue vector (test-vectors/venue/) through the library: verify the trust bundle against the
//! pinned key with the scanner's accepted sequence number, then check the credential with the policy.

// Test code: a failed unwrap is a failed test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use yima_core::VerifyingKey;
use yima_core::policy::{Policy, check};
use yima_core::trust::{BundleCheck, TrustBundle};

use yima_testkit::vectors::load;

#[test]
fn every_venue_vector_gives_its_expected_verdict() {
    let list = load("venue");
    assert!(list.len() >= 25, "only {} venue vectors", list.len());
    let mut stages = std::collections::BTreeSet::new();
    for v in &list {
        let name = v["name"].as_str().unwrap();
        let expected = v["expected"].as_str().unwrap();
        let pinned =
            VerifyingKey::from_public_key_pem(v["bundle_key_pem"].as_str().unwrap()).unwrap();
        let policy: Policy = serde_json::from_value(v["policy"].clone()).unwrap();
        let now = v["now"].as_u64().unwrap();
        let bundle_bytes = hex::decode(v["bundle_hex"].as_str().unwrap()).unwrap();
        let bundle = TrustBundle::verify(
            &bundle_bytes,
            &pinned,
            &BundleCheck {
                now,
                skew: policy.clock_skew,
                accepted_seq: v["accepted_seq"].as_u64(),
                max_age: policy.max_bundle_age,
            },
        );
        let bundle = match (bundle, v["stage"].as_str()) {
            (Err(e), Some("bundle")) => {
                assert_eq!(e.code(), expected, "{name}");
                stages.insert("bundle".to_owned());
                continue;
            }
            (Err(e), _) => panic!("{name}: bundle refused with {}", e.code()),
            (Ok(_), Some("bundle")) => panic!("{name}: bundle accepted, expected {expected}"),
            (Ok(b), _) => b,
        };
        match (
            check(v["input"].as_str().unwrap(), &bundle, &policy, now),
            expected,
        ) {
            (Ok(_), "accepted") => {}
            (Ok(_), code) => panic!("{name}: accepted, expected {code}"),
            (Err(r), "accepted") => panic!("{name}: rejected with {} ({})", r.code, r.message),
            (Err(r), code) => {
                assert_eq!(r.code, code, "{name}: {}", r.message);
                assert_eq!(Some(r.stage.as_str()), v["stage"].as_str(), "{name}");
                stages.insert(r.stage.as_str().to_owned());
            }
        }
    }
    for s in ["bundle", "issuer", "time", "status", "policy", "holder"] {
        assert!(stages.contains(s), "no vector decided at stage {s}");
    }
}
