//! Writes the deterministic synthetic camera frames of the scan benchmark as PNG files, each with a
//! sibling `NAME.txt` holding the code's text, for `bench/scan_compare.py`.
//!
//! `cargo run --release -p yima-qr --example synth_frames -- OUT_DIR [COUNT]` writes COUNT (default 10)
//! frames of each size, seeds 1..=COUNT: `OUT_DIR/1920x1080/frame-SEED.png` and
//! `OUT_DIR/640x480/frame-SEED.png` (the benchmark's frames are seed 1), and an empty
//! `OUT_DIR/SYNTHETIC` marker (scan_compare.py never holds synthetic frames out).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../benches/support/synth.rs"]
mod synth;

use std::path::PathBuf;

fn main() {
    let mut args = std::env::args().skip(1);
    let out = PathBuf::from(args.next().expect("usage: synth_frames OUT_DIR [COUNT]"));
    let count: u64 = args
        .next()
        .map_or(10, |c| c.parse().expect("COUNT is a number"));
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("SYNTHETIC"), "").unwrap();
    for (dir, make) in [
        ("1920x1080", synth::frame_1080p as fn(u64) -> synth::Frame),
        ("640x480", synth::frame_480p),
    ] {
        let dir = out.join(dir);
        std::fs::create_dir_all(&dir).unwrap();
        for seed in 1..=count {
            let frame = make(seed);
            let path = dir.join(format!("frame-{seed:02}.png"));
            std::fs::write(path.with_extension("txt"), frame.text()).unwrap();
            let img = image::GrayImage::from_raw(frame.width, frame.height, frame.pixels).unwrap();
            img.save(&path).unwrap();
        }
        println!("{count} frames in {}", dir.display());
    }
}
