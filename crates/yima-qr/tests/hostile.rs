//! Hostile pixels: images built to make the detector work hard (thousands of finder-pattern look-
//! alikes, noise, fine checkerboards) finish quickly, find nothing wrong and do not panic.
//! The caps on finder patterns per pass and candidate triples per scan (src/detect.rs) bound the
//! combinatorial search: without them the 1280x720 finder-pattern flood below took 32 s in a release
//! build (measured), with them 0.26 s.
// Test code: helpers outside #[test] fns may unwrap/index/panic too (clippy.toml only exempts #[test] fns).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::time::{Duration, Instant};

use image::GrayImage;
use yima_qr::scan_luma;

/// Generous for a debug build on a busy machine; a release build takes well under a second.
const LIMIT: Duration = Duration::from_secs(20);

fn scan_timed(img: &GrayImage, what: &str) -> usize {
    let start = Instant::now();
    let result = scan_luma(img.width(), img.height(), img.as_raw());
    let took = start.elapsed();
    println!("{what}: {took:.1?}, {result:?}");
    assert!(took < LIMIT, "{what} took {took:?}");
    match result {
        Ok(codes) => codes.len(),
        // A caught decoder panic is an acceptable outcome for junk; an escaped one fails the test.
        Err(e) => {
            assert_eq!(e.code(), "qr.decoder-panic", "{what}: {e}");
            0
        }
    }
}

/// A finder pattern (7x7 modules: dark ring, light ring, 3x3 dark centre) at `module` px.
fn finder(img: &mut GrayImage, x0: u32, y0: u32, module: u32) {
    for my in 0..7 {
        for mx in 0..7 {
            let ring = mx.min(my).min(6 - mx).min(6 - my);
            let dark = ring != 1;
            for dy in 0..module {
                for dx in 0..module {
                    let (x, y) = (x0 + mx * module + dx, y0 + my * module + dy);
                    if x < img.width() && y < img.height() {
                        img.put_pixel(x, y, image::Luma([if dark { 0 } else { 255 }]));
                    }
                }
            }
        }
    }
}

#[test]
fn a_flood_of_finder_patterns_is_bounded() {
    // About 3 000 finder patterns at two sizes, all forming plausible triples with their
    // neighbours: every triple is sampled and decoded unless the caps hold.
    let mut img = GrayImage::from_pixel(1280, 720, image::Luma([255]));
    for (i, y) in (4..720).step_by(19).enumerate() {
        for x in (4 + (i as u32 % 2) * 9..1280).step_by(19) {
            finder(&mut img, x, y, 2);
        }
    }
    assert_eq!(scan_timed(&img, "finder flood 1280x720"), 0);

    let mut img = GrayImage::from_pixel(640, 480, image::Luma([255]));
    for y in (2..480).step_by(10) {
        for x in (2..640).step_by(10) {
            finder(&mut img, x, y, 1);
        }
    }
    assert_eq!(scan_timed(&img, "1-pixel finder flood 640x480"), 0);
}

#[test]
fn noise_and_patterns_find_nothing() {
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let noise = GrayImage::from_fn(800, 600, |_, _| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        image::Luma([(state >> 56) as u8])
    });
    assert_eq!(scan_timed(&noise, "noise 800x600"), 0);
    for cell in [1, 2, 3] {
        let board = GrayImage::from_fn(640, 480, |x, y| {
            image::Luma([if (x / cell + y / cell) % 2 == 0 {
                0
            } else {
                255
            }])
        });
        assert_eq!(scan_timed(&board, &format!("checkerboard {cell} px")), 0);
    }
    let stripes = GrayImage::from_fn(1000, 300, |x, _| {
        image::Luma([[0, 0, 255, 0, 0, 0, 255, 0, 0][x as usize % 9]])
    });
    assert_eq!(scan_timed(&stripes, "1:1:3:1:1 stripes"), 0);
    // Degenerate shapes.
    for (w, h) in [(1, 1), (1, 5000), (5000, 1), (21, 21), (20, 400), (3, 3)] {
        let img = GrayImage::from_pixel(w, h, image::Luma([0]));
        assert_eq!(scan_timed(&img, &format!("black {w}x{h}")), 0);
    }
}

#[test]
fn large_hostile_images_stay_bounded() {
    // Large images that hold no code, as noise and as a flood of 1-pixel finder patterns: every
    // pyramid layer is read, then the fallbacks. (An 8192x4880 noise image, the largest
    // ScanLimits::default() lets through, took 0.9 s in a release build; this is a quarter of it,
    // to keep the debug-build test short.)
    let (w, h) = (4096u32, 2440u32);
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let noise = GrayImage::from_fn(w, h, |_, _| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        image::Luma([if state >> 63 == 0 { 0 } else { 255 }])
    });
    assert_eq!(scan_timed(&noise, "binary noise 4096x2440"), 0);
    let mut flood = GrayImage::from_pixel(2048, 2048, image::Luma([255]));
    for y in (2..2048).step_by(10) {
        for x in (2..2048).step_by(10) {
            finder(&mut flood, x, y, 1);
        }
    }
    assert_eq!(scan_timed(&flood, "1-pixel finder flood 2048x2048"), 0);
    // Long and thin: the quiet-zone fix must not pad it by its long side.
    let thin = GrayImage::from_pixel(200_000, 30, image::Luma([200]));
    assert_eq!(scan_timed(&thin, "200000x30"), 0);
}
