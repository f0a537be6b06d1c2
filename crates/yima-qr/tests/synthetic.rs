//! Synthetic camera frames (the benchmark's generator, `benches/support/synth.rs`): every code is
//! read, in all four 90-degree rotations, with corners where the code was pasted; a sheet of
//! several codes yields all of them in reading order; an empty frame yields nothing.
// Test code: helpers outside #[test] fns may unwrap/index/panic too (clippy.toml only exempts #[test] fns).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[path = "../benches/support/synth.rs"]
mod synth;

use image::GrayImage;
use synth::{Frame, Placement};
use yima_qr::{ScannedCode, scan_luma};

/// Rotates the frame clockwise by `degrees`, and the expected corners with it.
fn rotated(frame: &Frame, degrees: u32) -> (GrayImage, Vec<[(f64, f64); 4]>) {
    let img = GrayImage::from_raw(frame.width, frame.height, frame.pixels.clone()).unwrap();
    let (w, h) = (f64::from(frame.width), f64::from(frame.height));
    // Pixel centres map as (x, y) -> (h - 1 - y, x) for 90 degrees clockwise; corners are
    // continuous coordinates, so edges map as (x, y) -> (h - y, x).
    let map = |(x, y): (f64, f64)| match degrees {
        90 => (h - y, x),
        180 => (w - x, h - y),
        270 => (y, w - x),
        _ => (x, y),
    };
    let img = match degrees {
        90 => image::imageops::rotate90(&img),
        180 => image::imageops::rotate180(&img),
        270 => image::imageops::rotate270(&img),
        _ => img,
    };
    let corners = frame.codes.iter().map(|c| c.corners.map(map)).collect();
    (img, corners)
}

/// Every found corner within `tolerance` pixels of the expected one, in the same order.
fn assert_corners(found: &ScannedCode, expected: &[(f64, f64); 4], tolerance: f64, what: &str) {
    for (i, (&(fx, fy), &(ex, ey))) in found.corners.iter().zip(expected).enumerate() {
        let d = (f64::from(fx) - ex).hypot(f64::from(fy) - ey);
        assert!(
            d <= tolerance,
            "{what}: corner {i} at ({fx}, {fy}), expected ({ex:.1}, {ey:.1}) (off by {d:.1} px)\n\
             found {:?}\nexpected {expected:?}",
            found.corners
        );
    }
}

fn check_frame(frame: &Frame, what: &str) {
    let module_px = {
        let [a, b, ..] = frame.codes[0].corners;
        (a.0 - b.0).hypot(a.1 - b.1) / 49.0 // version 8: 49 modules
    };
    for degrees in [0, 90, 180, 270] {
        let (img, corners) = rotated(frame, degrees);
        let codes = scan_luma(img.width(), img.height(), img.as_raw()).unwrap();
        let what = format!("{what} rotated {degrees}");
        assert_eq!(codes.len(), 1, "{what}: {codes:?}");
        assert_eq!(codes[0].text, frame.text(), "{what}");
        // Within a module and a half (the detector reports the module grid's outer corners).
        assert_corners(&codes[0], &corners[0], 1.5 * module_px + 2.0, &what);
    }
}

#[test]
fn camera_frames_640x480_every_rotation() {
    for seed in 1..=4 {
        check_frame(&synth::frame_480p(seed), &format!("640x480 seed {seed}"));
    }
}

#[test]
fn camera_frames_1920x1080_every_rotation() {
    for seed in 1..=2 {
        check_frame(&synth::frame_1080p(seed), &format!("1920x1080 seed {seed}"));
    }
}

#[test]
fn sheet_of_codes_all_found_in_reading_order_with_positions() {
    // Two rows of three codes of different sizes and angles on one 1920x1080 photo; the small
    // ones (about 3.3 px per module) are only readable at full resolution, the large ones at
    // the pyramid's coarser layer too.
    let texts: Vec<String> = (0..6)
        .map(|i| synth::ym1_text(60 + 30 * i, 100 + i as u64))
        .collect();
    let spots = [
        (330.0, 280.0, 380.0, 0.10),
        (960.0, 250.0, 230.0, -0.20),
        (1560.0, 290.0, 300.0, 0.35),
        (300.0, 800.0, 220.0, -0.05),
        (950.0, 790.0, 360.0, 0.25),
        (1600.0, 820.0, 250.0, -0.30),
    ];
    let codes: Vec<(&str, Placement)> = texts
        .iter()
        .zip(spots)
        .map(|(t, (cx, cy, side, angle))| {
            let placement = Placement {
                cx,
                cy,
                side,
                angle,
                skew: 0.04,
            };
            (t.as_str(), placement)
        })
        .collect();
    let frame = synth::sheet_frame(1920, 1080, &codes, 7);
    let found = scan_luma(frame.width, frame.height, &frame.pixels).unwrap();
    let found_texts: Vec<&str> = found.iter().map(|c| c.text.as_str()).collect();
    let expected: Vec<&str> = texts.iter().map(String::as_str).collect();
    assert_eq!(
        found_texts, expected,
        "all six, rows top to bottom, left to right"
    );
    for (code, pasted) in found.iter().zip(&frame.codes) {
        let side = (pasted.corners[0].0 - pasted.corners[1].0)
            .hypot(pasted.corners[0].1 - pasted.corners[1].1);
        assert_corners(code, &pasted.corners, side / 12.0 + 2.0, &code.text[..12]);
    }
}

#[test]
fn empty_frames_have_no_code() {
    for (w, h) in [(640, 480), (1920, 1080)] {
        let frame = synth::empty_frame(w, h, 3);
        assert!(
            scan_luma(frame.width, frame.height, &frame.pixels)
                .unwrap()
                .is_empty()
        );
    }
}

#[test]
fn a_sheet_of_a_hundred_codes() {
    // A 10 x 10 grid of distinct version-2..4 codes at 3 px per module (a printed sheet).
    let texts: Vec<String> = (0..100)
        .map(|i| synth::ym1_text(20 + i % 40, 1000 + i as u64))
        .collect();
    let (cell, px) = (120u32, 3u32);
    let mut img = GrayImage::from_pixel(10 * cell, 10 * cell, image::Luma([255]));
    for (i, text) in texts.iter().enumerate() {
        let symbol = yima_qr::encode(text, yima_qr::EcLevel::M).unwrap();
        let (x0, y0) = ((i as u32 % 10) * cell + 8, (i as u32 / 10) * cell + 8);
        for my in 0..symbol.width() {
            for mx in 0..symbol.width() {
                if symbol.module(mx, my) {
                    for d in 0..px * px {
                        let (x, y) = (x0 + mx as u32 * px + d % px, y0 + my as u32 * px + d / px);
                        img.put_pixel(x, y, image::Luma([0]));
                    }
                }
            }
        }
    }
    let found = scan_luma(img.width(), img.height(), img.as_raw()).unwrap();
    let found_texts: Vec<&str> = found.iter().map(|c| c.text.as_str()).collect();
    let expected: Vec<&str> = texts.iter().map(String::as_str).collect();
    assert_eq!(found_texts, expected);
}
