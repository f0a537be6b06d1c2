//! Replays every committed fuzz corpus file (`fuzz/corpus/<target>/*`) through the same target bodies the
//! cargo-fuzz binaries run (`fuzz/src/core_targets.rs`, included here with `#[path]`), on stable Rust,
//! so `cargo test` checks that nothing the fuzzer once found (or was seeded with) panics again.
//!
//! `write_seed_corpora` (ignored; run by `fuzz/seed.sh`) writes the seed files from the published test
//! vectors (`test-vectors/`): it is deterministic, and leaves files it did not write alone.

// Test code: a failed unwrap is a failed test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "../../../fuzz/src/core_targets.rs"]
#[allow(dead_code)]
mod core_targets;

use std::collections::BTreeMap;
use std::path::PathBuf;

use yima_core::trust::BundleContents;
use yima_core::{Unverified, VerifyingKey, cose, status};
use yima_testkit::vectors::load;

/// A fuzz target body.
type Body = fn(&[u8]);

/// Every yima-core fuzz target and its body. (`scan_image` is replayed by yima-qr's own test.)
const TARGETS: &[(&str, Body)] = &[
    ("transport_decode", core_targets::transport_decode),
    ("cose_parse", core_targets::cose_parse),
    ("claims_signed", core_targets::claims_signed),
    ("verify_text", core_targets::verify_text),
    ("trust_bundle", core_targets::trust_bundle),
    ("status_list", core_targets::status_list),
    ("venue_check", core_targets::venue_check),
    ("cbor_roundtrip", core_targets::cbor_roundtrip),
    ("base45_roundtrip", core_targets::base45_roundtrip),
    ("credential_roundtrip", core_targets::credential_roundtrip),
    ("presentation_parse", core_targets::presentation_parse),
];

/// Most seed files written per target (libFuzzer adds its own finds elsewhere; see fuzz/README.md).
const MAX_SEEDS: usize = 50;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn corpus_files(target: &str) -> Vec<PathBuf> {
    let dir = repo().join("fuzz/corpus").join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

#[test]
fn every_committed_corpus_file_replays() {
    let mut total = 0;
    for (target, body) in TARGETS {
        let files = corpus_files(target);
        assert!(!files.is_empty(), "fuzz/corpus/{target} is empty");
        for path in files {
            let data = std::fs::read(&path).unwrap();
            let outcome = std::panic::catch_unwind(|| body(&data));
            assert!(outcome.is_ok(), "{target}: {} panicked", path.display());
            total += 1;
        }
    }
    assert!(total >= TARGETS.len() * 5, "only {total} corpus files");
}

#[test]
fn the_fixture_is_the_test_vector_issuer() {
    let f = core_targets::fixture();
    assert_eq!(hex::encode(f.issuer_pub.kid()), "437fffd3");
    assert_eq!(hex::encode(f.other_pub.kid()), "8b29d782");
    assert!(f.bundle.status_list("SH", 1).is_some());
}

// ---- seed writer -------------------------------------------------------------------------------

#[derive(Default)]
struct Seeds(BTreeMap<&'static str, BTreeMap<String, Vec<u8>>>);

impl Seeds {
    fn add(&mut self, target: &'static str, name: &str, data: Vec<u8>) {
        let files = self.0.entry(target).or_default();
        if !files.values().any(|d| d == &data) {
            files.insert(format!("seed-{name}"), data);
        }
    }

    /// At most [`MAX_SEEDS`] files per target, spread evenly over the candidates (in name order).
    fn thinned(files: &BTreeMap<String, Vec<u8>>) -> Vec<(&String, &Vec<u8>)> {
        let all: Vec<_> = files.iter().collect();
        if all.len() <= MAX_SEEDS {
            return all;
        }
        (0..MAX_SEEDS)
            .filter_map(|i| all.get(i * all.len() / MAX_SEEDS).copied())
            .collect()
    }

    fn with_mode(mode: u8, data: &[u8]) -> Vec<u8> {
        let mut v = vec![mode];
        v.extend_from_slice(data);
        v
    }
}

fn payload_of(cose_bytes: &[u8], typ: Option<&str>) -> Option<Vec<u8>> {
    let p = cose::parse_typed(cose_bytes, typ).ok()?;
    cose_bytes.get(p.payload).map(<[u8]>::to_vec)
}

#[test]
#[ignore = "writes fuzz/corpus/*/seed-*; run by fuzz/seed.sh"]
fn write_seed_corpora() {
    let mut s = Seeds::default();
    let mut vectors = load("vectors");
    vectors.extend(load("hostile"));
    for v in &vectors {
        let name = v["name"].as_str().unwrap();
        let Some(input) = v["input"].as_str() else {
            continue;
        };
        if v["file"].is_string() {
            continue; // image vectors: yima-qr's seeder
        }
        s.add("transport_decode", name, input.as_bytes().to_vec());
        s.add("verify_text", name, input.as_bytes().to_vec());
        if let Some(b45) = input
            .strip_prefix("YM1:")
            .or_else(|| input.strip_prefix("YM1Z:"))
        {
            s.add("base45_roundtrip", name, b45.as_bytes().to_vec());
        }
        if input.starts_with("YP1:") {
            s.add("presentation_parse", name, input.as_bytes().to_vec());
        }
        if let Some(cose_bytes) = v["cose_hex"].as_str().map(|h| hex::decode(h).unwrap()) {
            s.add("cose_parse", name, cose_bytes.clone());
            s.add("credential_roundtrip", name, cose_bytes.clone());
            s.add("cbor_roundtrip", name, cose_bytes.clone());
            if let Ok(u) = Unverified::from_cose(cose_bytes.clone()) {
                let payload = u.payload_bytes().to_vec();
                s.add("claims_signed", name, payload.clone());
                s.add(
                    "cbor_roundtrip",
                    &format!("{name}-payload"),
                    payload.clone(),
                );
                s.add(
                    "venue_check",
                    &format!("{name}-signed"),
                    Seeds::with_mode(1, &payload),
                );
            }
        }
    }
    for v in load("venue") {
        let name = v["name"].as_str().unwrap();
        let bundle = hex::decode(v["bundle_hex"].as_str().unwrap()).unwrap();
        s.add("trust_bundle", name, Seeds::with_mode(0, &bundle));
        if let Some(payload) = payload_of(&bundle, Some(yima_core::trust::TYP)) {
            s.add(
                "trust_bundle",
                &format!("{name}-payload"),
                Seeds::with_mode(1, &payload),
            );
        }
        let pinned =
            VerifyingKey::from_public_key_pem(v["bundle_key_pem"].as_str().unwrap()).unwrap();
        if let Ok(contents) = BundleContents::verify_signature(&bundle, &pinned) {
            for (i, token) in contents.status_lists.iter().enumerate() {
                s.add(
                    "status_list",
                    &format!("{name}-{i}"),
                    Seeds::with_mode(0, token),
                );
                if let Some(payload) = payload_of(token, Some(status::TYP)) {
                    s.add(
                        "status_list",
                        &format!("{name}-{i}-payload"),
                        Seeds::with_mode(1, &payload),
                    );
                }
            }
        }
        let input = v["input"].as_str().unwrap();
        s.add(
            "venue_check",
            &format!("venue-{name}"),
            Seeds::with_mode(0, input.as_bytes()),
        );
        if let Ok(u) = Unverified::parse(input) {
            for m in [1u8, 3, 5, 9] {
                s.add(
                    "venue_check",
                    &format!("venue-{name}-signed-{m}"),
                    Seeds::with_mode(m, u.payload_bytes()),
                );
            }
        }
    }
    // The fixture's own bundle and status list (these verify with the fuzz targets' fixed keys).
    let f = core_targets::fixture();
    let bundle = f.bundle.contents().sign(&f.bundle_key);
    s.add("trust_bundle", "fixture", Seeds::with_mode(0, &bundle));
    if let Some(payload) = payload_of(&bundle, Some(yima_core::trust::TYP)) {
        s.add(
            "trust_bundle",
            "fixture-payload",
            Seeds::with_mode(1, &payload),
        );
    }
    for token in &f.bundle.contents().status_lists {
        s.add("status_list", "fixture", Seeds::with_mode(0, token));
        if let Some(payload) = payload_of(token, Some(status::TYP)) {
            s.add(
                "status_list",
                "fixture-payload",
                Seeds::with_mode(1, &payload),
            );
        }
    }
    // Presentations of a device-bound health code from the fixture issuer.
    let device = yima_core::SigningKey::from_seed(&[0xd0; 32]);
    let mut claims = yima_core::samples::claims(
        yima_core::Kind::HealthCode,
        core_targets::NOW - 3600,
        [7; 8],
    );
    claims.confirmation = Some(device.verifying_key().to_bytes());
    let issued = yima_core::issue(&claims, &f.issuer).unwrap();
    for (name, venue) in [("present-plain", None), ("present-venue", Some("GATE-7"))] {
        let text =
            yima_core::presentation::present(&issued.text, &device, core_targets::NOW, venue)
                .unwrap();
        s.add("presentation_parse", name, text.into_bytes());
    }
    s.add(
        "presentation_parse",
        "credential",
        issued.text.clone().into_bytes(),
    );
    // Fixed small inputs every target gets: empty, one byte.
    for (target, _) in TARGETS {
        s.add(target, "empty", Vec::new());
        s.add(target, "zero", vec![0]);
    }

    for (target, files) in &s.0 {
        let dir = repo().join("fuzz/corpus").join(target);
        std::fs::create_dir_all(&dir).unwrap();
        // Replace the previous seeds; files the fuzzer found (not named seed-*) stay.
        for old in corpus_files(target) {
            if old
                .file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("seed-")
            {
                std::fs::remove_file(old).unwrap();
            }
        }
        let chosen = Seeds::thinned(files);
        for (name, data) in &chosen {
            std::fs::write(dir.join(name), data).unwrap();
        }
        eprintln!(
            "{target}: {} seed files of {} candidates",
            chosen.len(),
            files.len()
        );
    }
}
