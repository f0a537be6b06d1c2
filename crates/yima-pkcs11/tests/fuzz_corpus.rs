//! Replays every committed `pkcs11_uri` fuzz corpus file (`fuzz/corpus/pkcs11_uri/`) through the body
//! the cargo-fuzz binary runs (`fuzz/src/pkcs11_targets.rs`, included with `#[path]`), on stable Rust,
//! so `cargo test` exercises it.

// Test code: a failed unwrap is a failed test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

#[path = "../../../fuzz/src/pkcs11_targets.rs"]
mod pkcs11_targets;

use std::path::{Path, PathBuf};

#[test]
fn every_committed_pkcs11_uri_corpus_file_replays() {
    let dir: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/pkcs11_uri");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(files.len() >= 10, "only {} corpus files", files.len());
    for path in files {
        let data = std::fs::read(&path).unwrap();
        let outcome = std::panic::catch_unwind(|| pkcs11_targets::pkcs11_uri(&data));
        assert!(outcome.is_ok(), "{} panicked", path.display());
    }
}
