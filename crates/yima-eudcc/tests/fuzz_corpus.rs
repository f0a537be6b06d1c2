//! Replays every committed EU DCC fuzz corpus file (`fuzz/corpus/eudcc_*/`) through the same target
//! bodies the cargo-fuzz binaries run (`fuzz/src/eudcc_targets.rs`, included with `#[path]`), on
//! stable Rust, so `cargo test` exercises them.
//!
//! `write_seed_corpora` (ignored; run by `fuzz/seed.sh`) writes the seeds from the dgc-testdata corpus
//! in tests/data: `HC1:` texts, COSE and CBOR bytes, and DSC certificates (DER, PEM and JSON).

// Test code: a failed unwrap is a failed test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

#[path = "../../../fuzz/src/eudcc_targets.rs"]
mod eudcc_targets;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value as Json;

type Body = fn(&[u8]);

const TARGETS: &[(&str, Body)] = &[
    ("eudcc_text", eudcc_targets::eudcc_text),
    ("eudcc_cose", eudcc_targets::eudcc_cose),
    ("eudcc_trust", eudcc_targets::eudcc_trust),
];

fn corpus(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target)
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut f: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    f.sort();
    f
}

#[test]
fn every_committed_eudcc_corpus_file_replays() {
    for (target, body) in TARGETS {
        let list = files(&corpus(target));
        assert!(
            list.len() >= 5,
            "fuzz/corpus/{target}: only {} files",
            list.len()
        );
        for path in list {
            let data = std::fs::read(&path).unwrap();
            let outcome = std::panic::catch_unwind(|| body(&data));
            assert!(outcome.is_ok(), "{target}: {} panicked", path.display());
        }
    }
}

fn hex(s: &str) -> Option<Vec<u8>> {
    data_encoding::HEXLOWER_PERMISSIVE.decode(s.as_bytes()).ok()
}

#[test]
#[ignore = "writes fuzz/corpus/eudcc_*/seed-*; run by fuzz/seed.sh"]
fn write_seed_corpora() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/dgc-testdata");
    let mut cases = Vec::new();
    let mut stack = vec![data.clone()];
    while let Some(d) = stack.pop() {
        for p in files_and_dirs(&d) {
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "json") {
                cases.push(p);
            }
        }
    }
    cases.sort();
    // 50 cases spread over the corpus (every country's and every kind of defect's files).
    let step = cases.len().div_ceil(50).max(1);
    let mut seeds: BTreeMap<&str, BTreeMap<String, Vec<u8>>> = BTreeMap::new();
    let mut add = |target: &'static str, name: String, bytes: Vec<u8>| {
        let m = seeds.entry(target).or_default();
        if m.len() < 50 && !m.values().any(|v| v == &bytes) {
            m.insert(name, bytes);
        }
    };
    for path in cases.iter().step_by(step) {
        let Ok(v) = serde_json::from_str::<Json>(&std::fs::read_to_string(path).unwrap()) else {
            continue;
        };
        let name = path
            .strip_prefix(&data)
            .unwrap()
            .to_string_lossy()
            .replace(['/', '.'], "-");
        if let Some(t) = v["PREFIX"].as_str() {
            add("eudcc_text", format!("seed-{name}"), t.as_bytes().to_vec());
        }
        if let Some(c) = v["COSE"].as_str().and_then(hex) {
            add("eudcc_cose", format!("seed-{name}-cose"), c);
        }
        if let Some(c) = v["CBOR"].as_str().and_then(hex) {
            add("eudcc_cose", format!("seed-{name}-cbor"), c);
        }
        if let Some(cert) = v["TESTCTX"]["CERTIFICATE"].as_str() {
            if let Ok(der) = data_encoding::BASE64.decode(cert.as_bytes()) {
                add("eudcc_trust", format!("seed-{name}-der"), der);
            }
            let pem = format!("-----BEGIN CERTIFICATE-----\n{cert}\n-----END CERTIFICATE-----\n");
            add("eudcc_trust", format!("seed-{name}-pem"), pem.into_bytes());
            let json = serde_json::json!({ "CERTIFICATE": cert }).to_string();
            add(
                "eudcc_trust",
                format!("seed-{name}-json"),
                json.into_bytes(),
            );
        }
    }
    for (target, m) in &seeds {
        let dir = corpus(target);
        std::fs::create_dir_all(&dir).unwrap();
        for old in files(&dir) {
            if old
                .file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("seed-")
            {
                std::fs::remove_file(old).unwrap();
            }
        }
        for (name, bytes) in m {
            std::fs::write(dir.join(name), bytes).unwrap();
        }
        eprintln!("{target}: {} seed files", m.len());
    }
}

fn files_and_dirs(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}
