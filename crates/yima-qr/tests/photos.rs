//! Real photos from the shared corpus (`../shared/corpus/qr-photos/` next to the workspace).
//!
//! Skipped with a message when the folder is absent. Asserts that no panic escapes the scanner
//! and that no decoded text is wrong; the decode rate is only printed (the current detector
//! is known to be weak on photos). Run with `--nocapture` to see the counts.
// Test code: helpers outside #[test] fns may unwrap/index/panic too (clippy.toml only exempts #[test] fns).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use yima_qr::{ScanLimits, scan_image};

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/qr-photos")
}

fn images_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            images_under(&path, out);
        } else if matches!(
            path.extension()
                .and_then(|e| e.to_str())
                .map(str::to_ascii_lowercase)
                .as_deref(),
            Some("png" | "jpg" | "jpeg" | "webp")
        ) && path.with_extension("txt").is_file()
        {
            out.push(path);
        }
    }
}

/// What happened to one image.
enum Outcome {
    Decoded,
    NoCode,
    Error(&'static str),
    Wrong(String),
    EscapedPanic,
}

fn scan_one(image: &Path, limits: &ScanLimits) -> Outcome {
    let expected = std::fs::read_to_string(image.with_extension("txt")).unwrap();
    let bytes = std::fs::read(image).unwrap();
    match std::panic::catch_unwind(|| scan_image(&bytes, limits)) {
        Err(_) => Outcome::EscapedPanic,
        Ok(Err(e)) => Outcome::Error(e.code()),
        Ok(Ok(codes)) if codes.is_empty() => Outcome::NoCode,
        Ok(Ok(codes)) => match codes.iter().find(|c| c.text != expected) {
            None => Outcome::Decoded,
            Some(bad) => Outcome::Wrong(format!("got {:?}, expected {expected:?}", bad.text)),
        },
    }
}

#[test]
fn corpus_photos() {
    let dir = corpus_dir();
    if !dir.is_dir() {
        println!(
            "SKIPPED corpus_photos: photo corpus not found at {}",
            dir.display()
        );
        return;
    }
    let mut images = Vec::new();
    images_under(&dir, &mut images);
    images.sort();
    assert!(!images.is_empty(), "corpus folder has no labelled images");

    // Debug builds decode slowly; spread the images over the available cores.
    let start = Instant::now();
    let limits = ScanLimits::default();
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(1, 4);
    let outcomes: Vec<(PathBuf, Outcome)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|w| {
                let (images, limits) = (&images, &limits);
                scope.spawn(move || {
                    images
                        .iter()
                        .skip(w)
                        .step_by(workers)
                        .map(|p| (p.clone(), scan_one(p, limits)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });

    // Per folder: (images, decoded).
    let mut per_folder: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut errors: BTreeMap<&'static str, usize> = BTreeMap::new();
    let (mut decoded, mut no_code, mut panics) = (0, 0, 0);
    let mut wrong = Vec::new();
    for (path, outcome) in &outcomes {
        let folder = path
            .parent()
            .and_then(|p| p.file_name())
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let entry = per_folder.entry(folder).or_default();
        entry.0 += 1;
        match outcome {
            Outcome::Decoded => {
                decoded += 1;
                entry.1 += 1;
            }
            Outcome::NoCode => no_code += 1,
            Outcome::Error(code) => *errors.entry(code).or_default() += 1,
            Outcome::Wrong(msg) => wrong.push(format!("{}: {msg}", path.display())),
            Outcome::EscapedPanic => panics += 1,
        }
    }
    let folders: Vec<String> = per_folder
        .iter()
        .map(|(f, (n, d))| format!("{f} {d}/{n}"))
        .collect();
    println!(
        "qr-photos: decoded {decoded}/{} ({}), no code found {no_code}, errors {errors:?}, wrong {}, \
         escaped panics {panics}, {:.1?} on {workers} threads",
        outcomes.len(),
        folders.join(", "),
        wrong.len(),
        start.elapsed()
    );
    assert_eq!(panics, 0, "panics escaped scan_image");
    assert!(wrong.is_empty(), "wrong texts:\n{}", wrong.join("\n"));
}
