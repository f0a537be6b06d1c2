//! encode -> render -> scan round trips.
// Test code: helpers outside #[test] fns may unwrap/index/panic too (clippy.toml only exempts #[test] fns).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use image::GrayImage;
use yima_qr::{DEFAULT_QUIET_ZONE, EcLevel, ScanLimits, encode, scan_image, scan_luma};

fn texts(codes: &[yima_qr::ScannedCode]) -> Vec<&str> {
    codes.iter().map(|c| c.text.as_str()).collect()
}

#[test]
fn png_round_trip_every_level() {
    let limits = ScanLimits::default();
    for (i, ec) in EcLevel::ALL.into_iter().enumerate() {
        for text in [
            "YM1:ABC",
            &common::ym1_text(60, i as u64),
            &common::ym1_text(215, 9),
        ] {
            let s = encode(text, ec).unwrap();
            let png = s.to_png(4, DEFAULT_QUIET_ZONE).unwrap();
            let codes = scan_image(&png, &limits).unwrap();
            assert_eq!(texts(&codes), [text], "{ec}");
        }
    }
}

#[test]
fn png_round_trip_ym1_215_chars_version_8() {
    let text = common::ym1_text(215, 42);
    let s = encode(&text, EcLevel::M).unwrap();
    assert_eq!(s.version(), 8);
    let png = s.to_png(4, DEFAULT_QUIET_ZONE).unwrap();
    let codes = scan_image(&png, &ScanLimits::default()).unwrap();
    assert_eq!(texts(&codes), [text.as_str()]);
    // Corners lie on the symbol (4 px per module, quiet zone of 4 modules = 16 px).
    let side = (s.width() * 4) as i32;
    let (x0, y0) = codes[0].corners[0];
    assert!(
        (x0 - 16).abs() <= 4 && (y0 - 16).abs() <= 4,
        "{:?}",
        codes[0].corners
    );
    let (x2, y2) = codes[0].corners[2];
    assert!(
        (x2 - 16 - side).abs() <= 4 && (y2 - 16 - side).abs() <= 4,
        "{:?}",
        codes[0].corners
    );
}

#[test]
fn two_codes_side_by_side() {
    let left = common::ym1_text(80, 10);
    let right = common::ym1_text(50, 11);
    let a = common::to_gray(&encode(&left, EcLevel::M).unwrap().to_png(4, 4).unwrap());
    let b = common::to_gray(&encode(&right, EcLevel::M).unwrap().to_png(4, 4).unwrap());
    let (w, h) = (a.width() + b.width() + 40, a.height().max(b.height()) + 30);
    let mut sheet = GrayImage::from_pixel(w, h, image::Luma([255]));
    image::imageops::overlay(&mut sheet, &a, 0, 0);
    image::imageops::overlay(&mut sheet, &b, i64::from(a.width()) + 40, 30);
    let codes = scan_image(&common::gray_png(&sheet), &ScanLimits::default()).unwrap();
    assert_eq!(texts(&codes), [left.as_str(), right.as_str()]);
    assert!(codes[0].corners[0].0 < codes[1].corners[0].0);
}

#[test]
fn jpeg_round_trip() {
    let text = common::ym1_text(150, 5);
    let s = encode(&text, EcLevel::M).unwrap();
    let img = common::to_gray(&s.to_png(8, DEFAULT_QUIET_ZONE).unwrap());
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 85)
        .encode(
            img.as_raw(),
            img.width(),
            img.height(),
            image::ExtendedColorType::L8,
        )
        .unwrap();
    assert_eq!(&jpeg[..3], &[0xFF, 0xD8, 0xFF]);
    let codes = scan_image(&jpeg, &ScanLimits::default()).unwrap();
    assert_eq!(texts(&codes), [text.as_str()]);
}

#[test]
fn webp_round_trip() {
    let text = common::ym1_text(120, 6);
    let img = common::to_gray(&encode(&text, EcLevel::Q).unwrap().to_png(5, 4).unwrap());
    let mut webp = Vec::new();
    image::codecs::webp::WebPEncoder::new_lossless(&mut webp)
        .encode(
            img.as_raw(),
            img.width(),
            img.height(),
            image::ExtendedColorType::L8,
        )
        .unwrap();
    assert_eq!(&webp[..4], b"RIFF");
    assert_eq!(&webp[8..12], b"WEBP");
    let codes = scan_image(&webp, &ScanLimits::default()).unwrap();
    assert_eq!(texts(&codes), [text.as_str()]);
}

#[test]
fn colour_png_with_transparent_background() {
    let text = "YM1:TRANSPARENT";
    let grey = common::to_gray(&encode(text, EcLevel::M).unwrap().to_png(4, 4).unwrap());
    // Dark modules opaque dark blue, light ones fully transparent black.
    let rgba = image::RgbaImage::from_fn(grey.width(), grey.height(), |x, y| {
        if grey.get_pixel(x, y).0[0] < 128 {
            image::Rgba([0, 0, 90, 255])
        } else {
            image::Rgba([0, 0, 0, 0])
        }
    });
    let mut png = std::io::Cursor::new(Vec::new());
    rgba.write_to(&mut png, image::ImageFormat::Png).unwrap();
    let codes = scan_image(png.get_ref(), &ScanLimits::default()).unwrap();
    assert_eq!(texts(&codes), [text]);
}

#[test]
fn inverted_code_is_found_on_retry() {
    let text = "YM1:LIGHT ON DARK";
    let mut img = common::to_gray(&encode(text, EcLevel::M).unwrap().to_png(4, 4).unwrap());
    image::imageops::invert(&mut img);
    let codes = scan_luma(img.width(), img.height(), img.as_raw()).unwrap();
    assert_eq!(texts(&codes), [text]);
}

#[test]
fn scan_luma_round_trip_and_buffer_checks() {
    let text = "YM1:LUMA";
    let img = common::to_gray(&encode(text, EcLevel::H).unwrap().to_png(3, 4).unwrap());
    let codes = scan_luma(img.width(), img.height(), img.as_raw()).unwrap();
    assert_eq!(texts(&codes), [text]);

    let err = scan_luma(img.width(), img.height(), &img.as_raw()[1..]).unwrap_err();
    assert_eq!(err.code(), "image.invalid-buffer");
    assert_eq!(
        scan_luma(u32::MAX, u32::MAX, &[0; 4]).unwrap_err().code(),
        "image.invalid-buffer"
    );
    // Empty and blank images: no code, not an error.
    assert!(scan_luma(0, 0, &[]).unwrap().is_empty());
    assert!(scan_luma(64, 48, &[255; 64 * 48]).unwrap().is_empty());
    assert!(scan_luma(64, 48, &[0; 64 * 48]).unwrap().is_empty());
}

#[test]
fn image_wider_than_downscale_threshold_scans() {
    // 1700 px wide image with one code: the large-image path end to end.
    let text = "YM1:BIG";
    let code = common::to_gray(&encode(text, EcLevel::M).unwrap().to_png(20, 4).unwrap());
    let mut img = GrayImage::from_pixel(1700, code.height(), image::Luma([255]));
    image::imageops::overlay(&mut img, &code, 600, 0);
    let codes = scan_luma(img.width(), img.height(), img.as_raw()).unwrap();
    assert_eq!(texts(&codes), [text]);
}
