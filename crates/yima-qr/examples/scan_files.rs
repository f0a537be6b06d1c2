//! Scans image files with `yima_qr::scan_luma` and prints one JSON object per image and rotation:
//! the texts and corners found and the median time of the scan alone (file decoding excluded),
//! both wall-clock and this thread's CPU time (which leaves out time spent waiting for a core on
//! a busy machine), for `bench/scan_compare.py`.
//!
//! ```text
//! cargo run --release -p yima-qr --example scan_files -- [--repeat N] [--rotations 0,90,180,270] PATH...
//! ```
//!
//! A PATH that is a folder is searched recursively for `.png`, `.jpg`, `.jpeg` and `.webp` files.
//! Rotations are clockwise, in degrees. Each line is
//! `{"file": ..., "rotation": 90, "width": ..., "height": ..., "texts": [...], "corners": [[[x, y], ...]],
//! "ms": 1.23, "cpu_ms": 1.20, "error": null}`; `error` is a stable error code, `"panic"` if a panic escaped the
//! scanner (never expected), and `"load"` if the file could not be read as an image.
// Bench tool: a failed setup is a failed run; `repeat` is at least 1, so the median index is in bounds.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};
use std::time::Instant;

use image::GrayImage;
use serde_json::json;

fn collect(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .collect();
        entries.sort();
        for e in entries {
            collect(&e, out);
        }
    } else if matches!(
        path.extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref(),
        Some("png" | "jpg" | "jpeg" | "webp")
    ) {
        out.push(path.to_owned());
    }
}

/// This thread's CPU time in milliseconds.
fn thread_cpu_ms() -> f64 {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    t.tv_sec as f64 * 1e3 + t.tv_nsec as f64 / 1e6
}

fn rotate(img: &GrayImage, degrees: u32) -> GrayImage {
    match degrees {
        90 => image::imageops::rotate90(img),
        180 => image::imageops::rotate180(img),
        270 => image::imageops::rotate270(img),
        _ => img.clone(),
    }
}

fn main() {
    let mut repeat = 5usize;
    let mut rotations = vec![0u32];
    let mut files = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--repeat" => repeat = args.next().unwrap().parse().unwrap(),
            "--rotations" => {
                rotations = args
                    .next()
                    .unwrap()
                    .split(',')
                    .map(|r| r.parse().unwrap())
                    .collect();
            }
            _ => collect(Path::new(&arg), &mut files),
        }
    }
    let repeat = repeat.max(1);
    for file in &files {
        let loaded = std::fs::read(file)
            .ok()
            .and_then(|bytes| image::load_from_memory(&bytes).ok());
        let Some(loaded) = loaded else {
            let line = json!({"file": file, "rotation": 0, "texts": [], "corners": [], "ms": null, "error": "load"});
            println!("{line}");
            continue;
        };
        // As yima_qr::scan_image does: transparent pixels count as white.
        let gray = if loaded.color().has_alpha() {
            let la = loaded.into_luma_alpha8();
            GrayImage::from_fn(la.width(), la.height(), |x, y| {
                let [l, a] = la.get_pixel(x, y).0;
                let (l, a) = (u32::from(l), u32::from(a));
                image::Luma([((l * a + 255 * (255 - a) + 127) / 255) as u8])
            })
        } else {
            loaded.into_luma8()
        };
        for &degrees in &rotations {
            let img = rotate(&gray, degrees);
            let mut times = Vec::with_capacity(repeat);
            let mut cpu_times = Vec::with_capacity(repeat);
            let mut outcome = None;
            for _ in 0..repeat {
                let start = Instant::now();
                let cpu_start = thread_cpu_ms();
                let result = std::panic::catch_unwind(|| {
                    yima_qr::scan_luma(img.width(), img.height(), img.as_raw())
                });
                cpu_times.push(thread_cpu_ms() - cpu_start);
                times.push(start.elapsed().as_secs_f64() * 1e3);
                outcome = Some(result);
            }
            times.sort_by(f64::total_cmp);
            let ms = times[times.len() / 2];
            cpu_times.sort_by(f64::total_cmp);
            let cpu_ms = cpu_times[cpu_times.len() / 2];
            let (texts, corners, error) = match outcome.unwrap() {
                Ok(Ok(codes)) => (
                    codes.iter().map(|c| c.text.clone()).collect::<Vec<_>>(),
                    codes
                        .iter()
                        .map(|c| c.corners.map(|(x, y)| [x, y]).to_vec())
                        .collect::<Vec<_>>(),
                    None,
                ),
                Ok(Err(e)) => (Vec::new(), Vec::new(), Some(e.code().to_owned())),
                Err(_) => (Vec::new(), Vec::new(), Some("panic".to_owned())),
            };
            let line = json!({
                "file": file, "rotation": degrees, "width": img.width(), "height": img.height(),
                "texts": texts, "corners": corners, "ms": ms, "cpu_ms": cpu_ms, "error": error,
            });
            println!("{line}");
        }
    }
}
