//! Real photos: the decode rate on `tests/data/photos/` (a copy of the shared QR photo corpus, see
//! its SOURCES.md) in all four 90-degree rotations must not fall below a floor set from
//! measurements, with no wrong text, no error and no panic on any image or rotation.
//!
//! Rotation 0 goes through `scan_image` (the file's bytes: PNG, JPEG or WebP); rotations 90, 180
//! and 270 through `scan_luma` on the rotated grey pixels.
//!
//! Held out while tuning the scanner (and reported separately): within each folder, sorted by
//! file name, every fourth image (positions 4, 8, 12, ...), the same split as
//! `bench/scan_compare.py --split holdout`. Run with `--nocapture` to see the counts.
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

use image::GrayImage;
use yima_qr::{ScanLimits, scan_image, scan_luma};

/// Images read, over all 143 images x 4 rotations = 572 reads. Measured 535 (93.5%); zxing-cpp
/// 3.1.1 reads 520 (90.9%) of the same 572 (BENCHMARKS.md, "QR scanning").
const FLOOR_ALL: usize = 530;
/// Of the 34 held-out images x 4 rotations = 136 reads. Measured 128 (94.1%); zxing-cpp 124.
const FLOOR_HELD_OUT: usize = 126;
const ROTATIONS: [u32; 4] = [0, 90, 180, 270];

fn photos_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/photos")
}

fn is_image(path: &Path) -> bool {
    matches!(
        path.extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref(),
        Some("png" | "jpg" | "jpeg" | "webp")
    )
}

/// One labelled image.
struct Labelled {
    path: PathBuf,
    folder: String,
    held_out: bool,
    expected: String,
    /// Texts of other codes really in the image (`NAME.also-N.txt`).
    also: Vec<String>,
}

fn labelled_images(dir: &Path, out: &mut Vec<Labelled>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    let folder = dir
        .strip_prefix(photos_dir())
        .unwrap()
        .display()
        .to_string();
    let images: Vec<&PathBuf> = entries
        .iter()
        .filter(|p| is_image(p) && p.with_extension("txt").is_file())
        .collect();
    for (i, path) in images.into_iter().enumerate() {
        let stem = path.file_stem().unwrap().to_str().unwrap();
        let also = (1..10)
            .map(|n| path.with_file_name(format!("{stem}.also-{n}.txt")))
            .take_while(|p| p.is_file())
            .map(|p| String::from_utf8(std::fs::read(p).unwrap()).unwrap())
            .collect();
        out.push(Labelled {
            path: path.clone(),
            folder: folder.clone(),
            held_out: i % 4 == 3,
            expected: String::from_utf8(std::fs::read(path.with_extension("txt")).unwrap())
                .unwrap(),
            also,
        });
    }
    for sub in entries.iter().filter(|p| p.is_dir()) {
        labelled_images(sub, out);
    }
}

/// What happened to one image in one rotation.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    Read,
    NoCode,
    Error(&'static str),
    Wrong(Vec<String>),
    EscapedPanic,
}

/// Grey pixels as `scan_image` makes them: transparent areas onto white.
fn gray(bytes: &[u8]) -> GrayImage {
    let img = image::load_from_memory(bytes).unwrap();
    if !img.color().has_alpha() {
        return img.into_luma8();
    }
    let la = img.into_luma_alpha8();
    GrayImage::from_fn(la.width(), la.height(), |x, y| {
        let [l, a] = la.get_pixel(x, y).0;
        let (l, a) = (u32::from(l), u32::from(a));
        image::Luma([((l * a + 255 * (255 - a) + 127) / 255) as u8])
    })
}

fn scan(image: &Labelled, bytes: &[u8], degrees: u32) -> Outcome {
    let result = std::panic::catch_unwind(|| {
        if degrees == 0 {
            return scan_image(bytes, &ScanLimits::default());
        }
        let g = gray(bytes);
        let r = match degrees {
            90 => image::imageops::rotate90(&g),
            180 => image::imageops::rotate180(&g),
            _ => image::imageops::rotate270(&g),
        };
        scan_luma(r.width(), r.height(), r.as_raw())
    });
    match result {
        Err(_) => Outcome::EscapedPanic,
        Ok(Err(e)) => Outcome::Error(e.code()),
        Ok(Ok(codes)) => {
            let wrong: Vec<String> = codes
                .iter()
                .map(|c| c.text.clone())
                .filter(|t| *t != image.expected && !image.also.contains(t))
                .collect();
            if !wrong.is_empty() {
                Outcome::Wrong(wrong)
            } else if codes.iter().any(|c| c.text == image.expected) {
                Outcome::Read
            } else {
                Outcome::NoCode
            }
        }
    }
}

#[test]
fn photo_decode_rate_all_rotations() {
    let mut images = Vec::new();
    labelled_images(&photos_dir(), &mut images);
    assert_eq!(
        images.len(),
        143,
        "tests/data/photos holds 143 labelled images"
    );

    // Debug builds decode slowly; spread the images over the available cores.
    let start = Instant::now();
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(1, 4);
    let outcomes: Vec<(usize, u32, Outcome)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|w| {
                let images = &images;
                scope.spawn(move || {
                    let mut out = Vec::new();
                    for (i, image) in images.iter().enumerate().skip(w).step_by(workers) {
                        let bytes = std::fs::read(&image.path).unwrap();
                        for degrees in ROTATIONS {
                            out.push((i, degrees, scan(image, &bytes, degrees)));
                        }
                    }
                    out
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });

    let mut per_folder: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let (mut read, mut read_held_out, mut reads_held_out) = (0, 0, 0);
    let mut problems = Vec::new();
    for (i, degrees, outcome) in &outcomes {
        let image = &images[*i];
        let entry = per_folder.entry(&image.folder).or_default();
        entry.0 += 1;
        reads_held_out += usize::from(image.held_out);
        match outcome {
            Outcome::Read => {
                read += 1;
                entry.1 += 1;
                read_held_out += usize::from(image.held_out);
            }
            Outcome::NoCode => {}
            other => problems.push(format!(
                "{} rotated {degrees}: {other:?}",
                image.path.display()
            )),
        }
    }
    let folders: Vec<String> = per_folder
        .iter()
        .map(|(f, (n, r))| format!("{f} {r}/{n}"))
        .collect();
    println!(
        "photos, 4 rotations: read {read}/{} (held out {read_held_out}/{reads_held_out}); {}; {:.1?} on {workers} threads",
        outcomes.len(),
        folders.join(", "),
        start.elapsed()
    );
    assert!(
        problems.is_empty(),
        "wrong texts, errors or panics:\n{}",
        problems.join("\n")
    );
    assert!(read >= FLOOR_ALL, "read {read}, floor {FLOOR_ALL}");
    assert!(
        read_held_out >= FLOOR_HELD_OUT,
        "held out: read {read_held_out}, floor {FLOOR_HELD_OUT}"
    );
}
