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

/// A policy file must be one map of settings: a JSON array (which serde would read as the fields in
/// order) is a usage error, exit 2, before any code is checked; the same settings as a map apply.
#[test]
fn a_json_policy_that_is_not_an_object_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let v = yima_testkit::vectors::read_json(
        &yima_testkit::vectors::root().join("venue/accepted-green.json"),
    );
    let d = dir.path();
    common::write_venue_bundle(&v, d);
    let run = |policy: &str| {
        std::fs::write(d.join("policy.json"), policy).unwrap();
        common::Run::of(
            common::yima_in(d)
                .arg("verify")
                .arg(v["input"].as_str().unwrap())
                .args(["--bundle", "bundle.cwt", "--bundle-key", "authority.pub"])
                .args(["--policy", "policy.json", "--no-state", "--json"])
                .args(["--now", v["now_rfc3339"].as_str().unwrap()]),
        )
    };
    for doc in [r#"[["social-security-card"]]"#, "[]", "7"] {
        let r = run(doc);
        assert_eq!(r.code, 2, "{doc}: {}{}", r.stdout, r.stderr);
        assert!(
            r.stderr.contains("a policy: a map of settings"),
            "{doc}: {}",
            r.stderr
        );
    }
    let r = run(r#"{"accepted_kinds": ["social-security-card"]}"#);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert_eq!(r.json()["code"], "policy.kind-not-accepted");
    assert_eq!(run("{}").code, 0);
}

/// A `--venue-id` no presentation could carry is a usage error, like one in a policy file.
#[test]
fn a_venue_id_flag_with_a_bidi_character_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let v = yima_testkit::vectors::read_json(
        &yima_testkit::vectors::root().join("venue/accepted-green.json"),
    );
    common::write_venue_bundle(&v, dir.path());
    for venue in ["GATE-7\u{202e}", "GATE\u{7}7", ""] {
        let out = common::yima_in(dir.path())
            .arg("verify")
            .arg(v["input"].as_str().unwrap())
            .args([
                "--bundle",
                "bundle.cwt",
                "--bundle-key",
                "authority.pub",
                "--no-state",
            ])
            .args([
                "--now",
                v["now_rfc3339"].as_str().unwrap(),
                "--venue-id",
                venue,
            ])
            .output()
            .unwrap();
        common::assert_usage_error(&out, "venue_id must be 1 to 32 bytes");
    }
}
