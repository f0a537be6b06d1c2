//! Replays every committed `scan_image` fuzz corpus file (`fuzz/corpus/scan_image/*`) through the same
//! target body the cargo-fuzz binary runs (`fuzz/src/qr_targets.rs`, included with `#[path]`), on stable
//! Rust, so `cargo test` exercises them.
//!
//! `write_seed_corpora` (ignored; run by `fuzz/seed.sh`) writes the seed images: the test-vector QR
//! PNGs, small renderings of short texts, the hostile image vectors (`test-vectors/hostile/img/`), and a
//! few crafted headers.

// Test code: a failed unwrap is a failed test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "../../../fuzz/src/qr_targets.rs"]
#[allow(dead_code)]
mod qr_targets;

use std::path::PathBuf;

use yima_qr::{EcLevel, encode};
use yima_testkit::image::png_chunk;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn corpus_dir() -> PathBuf {
    repo().join("fuzz/corpus/scan_image")
}

#[test]
fn every_committed_scan_image_corpus_file_replays() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(files.len() >= 5, "only {} corpus files", files.len());
    for path in files {
        let data = std::fs::read(&path).unwrap();
        let outcome = std::panic::catch_unwind(|| qr_targets::scan_image(&data));
        assert!(outcome.is_ok(), "{} panicked", path.display());
    }
}

#[test]
fn fuzz_limits_refuse_a_large_image() {
    // The vector PNGs fit the fuzz limits; a 600-pixel rendering does not.
    let png = encode("YM1:FUZZ-LIMITS", EcLevel::M)
        .unwrap()
        .to_png(20, 4)
        .unwrap();
    let err = yima_qr::scan_image(&png, &qr_targets::FUZZ_LIMITS).unwrap_err();
    assert_eq!(err.code(), "image.too-large");
}

/// A PNG signature and IHDR chunk declaring `w` x `h`, with a correct CRC, and nothing after it.
fn png_header(w: u32, h: u32) -> Vec<u8> {
    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]);
    [b"\x89PNG\r\n\x1a\n".to_vec(), png_chunk(b"IHDR", &ihdr)].concat()
}

#[test]
#[ignore = "writes fuzz/corpus/scan_image/seed-*; run by fuzz/seed.sh"]
fn write_seed_corpora() {
    let dir = corpus_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let mut seeds: Vec<(String, Vec<u8>)> = Vec::new();
    let png_dir = repo().join("test-vectors/png");
    let mut pngs: Vec<PathBuf> = std::fs::read_dir(&png_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    pngs.sort();
    for p in pngs {
        let name = p.file_stem().unwrap().to_string_lossy().into_owned();
        seeds.push((format!("vector-{name}"), std::fs::read(&p).unwrap()));
    }
    for (i, (text, scale, ec)) in [
        ("YM1:6BFOXN*TS0BI$ZD4N9:9S6RCVN5+O30K3", 2, EcLevel::M),
        ("YM1:A", 1, EcLevel::L),
        ("YM1Z:0000", 3, EcLevel::H),
        ("YP1:FUZZ", 2, EcLevel::Q),
    ]
    .into_iter()
    .enumerate()
    {
        let png = encode(text, ec).unwrap().to_png(scale, 4).unwrap();
        seeds.push((format!("render-{i}"), png));
    }
    seeds.push(("header-100000x100000".into(), png_header(100_000, 100_000)));
    seeds.push(("header-1x1".into(), png_header(1, 1)));
    seeds.push(("jpeg-soi-only".into(), vec![0xff, 0xd8, 0xff, 0xd9]));
    seeds.push(("not-an-image".into(), b"YM1:NOT AN IMAGE".to_vec()));
    let hostile = repo().join("test-vectors/hostile/img");
    if let Ok(entries) = std::fs::read_dir(&hostile) {
        let mut files: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
        files.sort();
        for p in files {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            seeds.push((format!("hostile-{name}"), std::fs::read(&p).unwrap()));
        }
    }
    seeds.truncate(50);
    for (name, data) in &seeds {
        std::fs::write(dir.join(format!("seed-{name}")), data).unwrap();
    }
    eprintln!("scan_image: {} seed files", seeds.len());
}
