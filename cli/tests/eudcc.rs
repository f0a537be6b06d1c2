//! `yima verify --profile eu-dcc`: EU Digital COVID Certificates from the dgc-testdata corpus copy in
//! crates/yima-eudcc/tests/data, through the binary (texts, a QR PNG, DER / PEM / JSON / directory trust).

// Test code: a failed unwrap is a failed test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::path::{Path, PathBuf};

use common::yima;
use serde_json::Value as Json;

fn corpus(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../crates/yima-eudcc/tests/data/dgc-testdata")
        .join(rel)
}

fn case(rel: &str) -> Json {
    serde_json::from_slice(&std::fs::read(corpus(rel)).unwrap()).unwrap()
}

fn b64decode(s: &str) -> Vec<u8> {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let (mut acc, mut n) = (0u32, 0);
    for c in s.bytes().filter(|c| !c.is_ascii_whitespace() && *c != b'=') {
        acc = acc << 6 | A.iter().position(|&x| x == c).unwrap() as u32;
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((acc >> n) as u8);
        }
    }
    out
}

fn prefix(c: &Json) -> String {
    c["PREFIX"].as_str().unwrap().to_owned()
}

fn cert(c: &Json) -> String {
    c["TESTCTX"]["CERTIFICATE"].as_str().unwrap().to_owned()
}

/// Runs `yima verify --profile eu-dcc --json` and returns (exit code, the one JSON line).
fn verify_json(input: &str, trust: &Path, now: &str) -> (i32, Json) {
    let run = common::Run::of(
        yima()
            .args([
                "verify",
                "--profile",
                "eu-dcc",
                "--json",
                "--now",
                now,
                "--trust",
            ])
            .arg(trust)
            .arg(input),
    );
    (run.code, run.json())
}

#[test]
fn valid_es256_with_the_test_case_as_trust_list() {
    let rel = "common/2DCode/raw/CO3.json";
    let (code, j) = verify_json(&prefix(&case(rel)), &corpus(rel), "2021-05-03T18:00:00Z");
    assert_eq!(code, 0, "{j}");
    assert_eq!(j["valid"], true);
    assert_eq!(j["kind"], "eu-dcc");
    assert_eq!(j["alg"], "ES256");
    assert_eq!(j["iss"], "AT");
    assert_eq!(j["claims"]["nam"]["fnt"], "MUSTERFRAU<GOESSINGER");
    assert_eq!(j["claims"]["v"][0]["dn"], 1);
}

#[test]
fn valid_ps256_with_a_der_trust_file_and_human_output() {
    let c = case("common/2DCode/raw/CO1.json");
    let dir = tempfile::tempdir().unwrap();
    let der = dir.path().join("dsc.der");
    std::fs::write(&der, b64decode(&cert(&c))).unwrap();
    let out = yima()
        .args([
            "verify",
            "--profile",
            "eu-dcc",
            "--now",
            "2021-05-03T20:00:00+02:00",
            "--trust",
        ])
        .arg(&der)
        .arg(prefix(&c))
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.starts_with("✓ VALID EU DCC"), "{stdout}");
    assert!(stdout.contains("PS256"), "{stdout}");
    assert!(stdout.contains("Musterfrau-Gößinger"), "{stdout}");
}

#[test]
fn pem_directory_trust_and_kid_in_the_unprotected_header() {
    // CZ puts the kid in the unprotected header.
    let c = case("CZ/2DCode/raw/1.json");
    let dir = tempfile::tempdir().unwrap();
    let b64 = cert(&c);
    let mut pem = String::from("-----BEGIN CERTIFICATE-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        pem.push_str(std::str::from_utf8(chunk).unwrap());
        pem.push('\n');
    }
    pem.push_str("-----END CERTIFICATE-----\n");
    std::fs::write(dir.path().join("cz.pem"), pem).unwrap();
    std::fs::write(dir.path().join("notes.txt"), "not a certificate").unwrap(); // ignored
    let (code, j) = verify_json(&prefix(&c), dir.path(), "2021-06-08T00:00:00Z");
    assert_eq!(code, 0, "{j}");
    assert_eq!(j["valid"], true);
}

#[test]
fn cwt_tag_and_untagged_cose_verify() {
    for (rel, now) in [
        ("common/2DCode/raw/CO28.json", "2021-05-21T12:26:07.390079Z"),
        ("ES/2DCode/raw/1501.json", "2026-04-25T01:10:37+02:00"),
    ] {
        let (code, j) = verify_json(&prefix(&case(rel)), &corpus(rel), now);
        assert_eq!((code, &j["valid"]), (0, &Json::Bool(true)), "{rel}: {j}");
    }
}

#[test]
fn rejections_carry_their_stage_code() {
    for (rel, now, want_code, want_stage) in [
        (
            "common/2DCode/raw/CO5.json",
            "2021-05-03T18:00:00Z",
            "dcc.signature",
            "signature",
        ),
        (
            "common/2DCode/raw/CO6.json",
            "2021-05-03T18:00:00Z",
            "dcc.key-usage",
            "key-usage",
        ),
        (
            "common/2DCode/raw/CO17.json",
            "2021-05-03T18:00:00Z",
            "dcc.dsc-expired",
            "dsc-validity",
        ),
        (
            "common/2DCode/raw/CO22.json",
            "2021-05-03T18:00:00Z",
            "dcc.key-unknown",
            "key",
        ),
        (
            "common/2DCode/raw/Z2.json",
            "2021-05-03T18:00:00Z",
            "dcc.decompress",
            "decompress",
        ),
        (
            "common/2DCode/raw/H2.json",
            "2021-05-03T18:00:00Z",
            "dcc.prefix",
            "prefix",
        ),
        (
            "ES/2DCode/raw/401.json",
            "2021-12-10T10:34:54Z",
            "dcc.alg-mismatch",
            "key",
        ),
        // valid certificate, one second after exp
        (
            "common/2DCode/raw/CO3.json",
            "2021-05-05T18:00:01Z",
            "dcc.expired",
            "time",
        ),
    ] {
        let (code, j) = verify_json(&prefix(&case(rel)), &corpus(rel), now);
        assert_eq!(code, 1, "{rel}: {j}");
        assert_eq!(j["valid"], false, "{rel}");
        assert_eq!(j["code"], want_code, "{rel}: {j}");
        assert_eq!(j["stage"], want_stage, "{rel}: {j}");
        assert_eq!(j["kind"], "eu-dcc");
    }
}

#[test]
fn qr_png_input() {
    let rel = "AT/2DCode/raw/1.json";
    let c = case(rel);
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("dcc.png");
    std::fs::write(&png, b64decode(c["2DCODE"].as_str().unwrap())).unwrap();
    let (code, j) = verify_json(png.to_str().unwrap(), &corpus(rel), "2021-05-06T18:00:00Z");
    assert_eq!(code, 0, "{j}");
    assert_eq!(j["source"], png.to_str().unwrap());
    assert_eq!(j["iss"], "AT");
}

#[test]
fn usage_errors_exit_2() {
    let c = case("common/2DCode/raw/CO3.json");
    // no --trust
    yima()
        .args(["verify", "--profile", "eu-dcc"])
        .arg(prefix(&c))
        .assert()
        .code(2);
    // --trust without the profile
    yima()
        .args(["verify", "--trust"])
        .arg(corpus("common/2DCode/raw/CO3.json"))
        .arg(prefix(&c))
        .assert()
        .code(2);
    // a trust file that is not a certificate
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.der");
    std::fs::write(&bad, b"not a certificate").unwrap();
    let out = yima()
        .args(["verify", "--profile", "eu-dcc", "--trust"])
        .arg(&bad)
        .arg(prefix(&c))
        .output()
        .unwrap();
    common::assert_usage_error(&out, "trust.certificate");
    // --key with the EU profile
    yima()
        .args(["verify", "--profile", "eu-dcc", "--key", "x.pub", "--trust"])
        .arg(corpus("common/2DCode/raw/CO3.json"))
        .arg(prefix(&c))
        .assert()
        .code(2);
}

/// `yima inspect` decodes an `HC1:` text through the EU DCC profile, unverified and saying so; a broken
/// one is exit 1 with its `dcc.*` code.
#[test]
fn inspect_decodes_an_hc1_text_without_verifying_it() {
    let c = case("common/2DCode/raw/CO1.json");
    let text = prefix(&c);
    let run = common::Run::of(yima().args(["inspect", "--json", &text]));
    assert_eq!(run.code, 0, "{}", run.stderr);
    let j = run.json();
    assert_eq!(j["verified"], false, "{j}");
    assert_eq!(j["profile"], "eu-dcc", "{j}");
    assert_eq!(j["text_chars"], text.chars().count(), "{j}");
    assert!(j["header"]["alg"].as_str().unwrap().len() >= 5, "{j}");
    assert_eq!(j["header"]["kid_header"], "protected", "{j}");
    // The hcert as the corpus's own JSON has it.
    assert_eq!(j["claims"]["hcert"]["nam"], c["JSON"]["nam"], "{j}");
    assert_eq!(j["claims"]["hcert"]["dob"], c["JSON"]["dob"], "{j}");

    let human = common::Run::of(yima().args(["inspect", &text]));
    assert_eq!(human.code, 0);
    assert!(human.stdout.contains("UNVERIFIED"), "{}", human.stdout);
    assert!(
        human.stdout.contains("EU Digital COVID Certificate"),
        "{}",
        human.stdout
    );

    // A truncated Base45 body (37 characters: a dangling single character): exit 1, a dcc.* code.
    let broken = &text[..41];
    let run = common::Run::of(yima().args(["inspect", "--json", broken]));
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.json()["error"]["code"]
            .as_str()
            .unwrap()
            .starts_with("dcc."),
        "{}",
        run.stdout
    );
}
