//! Hostile and malformed input: limits are enforced before decoding; errors are typed.
// Test code: helpers outside #[test] fns may unwrap/index/panic too (clippy.toml only exempts #[test] fns).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::time::{Duration, Instant};

use proptest::prelude::*;
use yima_qr::{EcLevel, ScanError, ScanLimits, encode, scan_image};

fn sample_png() -> Vec<u8> {
    encode("YM1:LIMITS", EcLevel::M)
        .unwrap()
        .to_png(4, 4)
        .unwrap()
}

#[test]
fn crafted_huge_png_header_is_refused_quickly() {
    let png = common_png_claiming();
    let start = Instant::now();
    let err = scan_image(&png, &ScanLimits::default()).unwrap_err();
    assert!(
        start.elapsed() < Duration::from_millis(500),
        "took {:?}",
        start.elapsed()
    );
    assert_eq!(err.code(), "image.too-large");
    assert_eq!(
        err,
        ScanError::TooLarge {
            width: 100_000,
            height: 100_000
        }
    );
}

fn common_png_claiming() -> Vec<u8> {
    let png = common::png_claiming(100_000, 100_000);
    // The IHDR CRC must be right, so a decoder would accept the header.
    assert_eq!(&png[12..16], b"IHDR");
    let crc = u32::from_be_bytes(png[29..33].try_into().unwrap());
    assert_eq!(crc, common::crc32(&png[12..29]));
    png
}

#[test]
fn pixel_count_limit_and_custom_limits() {
    // Within each side limit but over the pixel budget.
    let png = common::png_claiming(8000, 8000);
    assert_eq!(
        scan_image(&png, &ScanLimits::default()).unwrap_err(),
        ScanError::TooLarge {
            width: 8000,
            height: 8000
        }
    );
    // A real image over tighter custom limits (header checked, nothing decoded).
    let png = sample_png();
    let limits = ScanLimits {
        max_width: 50,
        ..ScanLimits::default()
    };
    assert_eq!(
        scan_image(&png, &limits).unwrap_err().code(),
        "image.too-large"
    );
    let limits = ScanLimits {
        max_pixels: 100,
        ..ScanLimits::default()
    };
    assert_eq!(
        scan_image(&png, &limits).unwrap_err().code(),
        "image.too-large"
    );
    // JPEG dimensions come from the decoder's header parser.
    let img = common::to_gray(&png);
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 85)
        .encode(
            img.as_raw(),
            img.width(),
            img.height(),
            image::ExtendedColorType::L8,
        )
        .unwrap();
    let limits = ScanLimits {
        max_height: 10,
        ..ScanLimits::default()
    };
    assert_eq!(
        scan_image(&jpeg, &limits).unwrap_err(),
        ScanError::TooLarge {
            width: img.width(),
            height: img.height()
        }
    );
}

#[test]
fn file_size_is_checked_first() {
    let limits = ScanLimits {
        max_file_bytes: 100,
        ..ScanLimits::default()
    };
    let png = sample_png();
    assert!(png.len() > 100);
    assert_eq!(
        scan_image(&png, &limits).unwrap_err(),
        ScanError::FileTooLarge {
            len: png.len(),
            max: 100
        }
    );
    // Even bytes that are not an image at all are refused on size alone.
    let junk = vec![b'x'; 101];
    assert_eq!(
        scan_image(&junk, &limits).unwrap_err().code(),
        "image.too-large"
    );
    assert_eq!(
        scan_image(&junk[..100], &limits).unwrap_err().code(),
        "image.unsupported-format"
    );
}

#[test]
fn unsupported_formats() {
    let limits = ScanLimits::default();
    for bytes in [
        &b""[..],
        b"YM1:NOT AN IMAGE\n",
        b"GIF89a\x01\x00\x01\x00",
        b"BM\x00\x00",
        b"RIFF\x00\x00\x00\x00WAVEfmt ",
        b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
    ] {
        let err = scan_image(bytes, &limits).unwrap_err();
        assert_eq!(err.code(), "image.unsupported-format", "{bytes:?}");
        assert_eq!(err, ScanError::UnsupportedFormat);
    }
}

/// A lossless WebP (VP8L) header claiming `width` x `height`, with no image data after it.
fn webp_claiming(width: u32, height: u32) -> Vec<u8> {
    let bits = (width - 1) | ((height - 1) << 14);
    let mut chunk = vec![0x2f];
    chunk.extend_from_slice(&bits.to_le_bytes());
    let mut out = b"RIFF".to_vec();
    out.extend_from_slice(&(4 + 8 + chunk.len() as u32).to_le_bytes());
    out.extend_from_slice(b"WEBPVP8L");
    out.extend_from_slice(&(chunk.len() as u32).to_le_bytes());
    out.extend_from_slice(&chunk);
    out
}

#[test]
fn crafted_huge_webp_header_is_refused_quickly() {
    let start = Instant::now();
    let err = scan_image(&webp_claiming(16_000, 16_000), &ScanLimits::default()).unwrap_err();
    assert!(start.elapsed() < Duration::from_millis(500));
    assert_eq!(
        err,
        ScanError::TooLarge {
            width: 16_000,
            height: 16_000
        }
    );
    // Within the limits the same header decodes (and fails for want of data).
    let err = scan_image(&webp_claiming(64, 64), &ScanLimits::default()).unwrap_err();
    assert_eq!(err.code(), "image.decode", "{err}");
}

#[test]
fn truncated_webp_gives_a_decode_error() {
    let limits = ScanLimits::default();
    let err = scan_image(b"RIFF\x00\x00\x00\x00WEBPVP8 ", &limits).unwrap_err();
    assert_eq!(err.code(), "image.decode", "{err}");
}

#[test]
fn truncated_and_corrupt_files_give_decode_errors() {
    let limits = ScanLimits::default();
    let png = sample_png();
    for cut in [8, 16, 30, 40, png.len() / 2, png.len() - 13] {
        let err = scan_image(&png[..cut], &limits).unwrap_err();
        assert_eq!(err.code(), "image.decode", "cut at {cut}: {err}");
    }
    // Corrupt IHDR CRC.
    let mut bad = png.clone();
    bad[30] ^= 0xFF;
    assert_eq!(
        scan_image(&bad, &limits).unwrap_err().code(),
        "image.decode"
    );
    // A JPEG start marker followed by junk.
    let err = scan_image(&[0xFF, 0xD8, 0xFF, 0x00, 0x12, 0x34], &limits).unwrap_err();
    assert_eq!(err.code(), "image.decode");
    // The crafted header claiming a small size but with no pixel data.
    let err = scan_image(&common::png_claiming(64, 64), &limits).unwrap_err();
    assert_eq!(err.code(), "image.decode");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = scan_image(&bytes, &ScanLimits::default());
    }

    #[test]
    fn arbitrary_bytes_after_png_signature_never_panic(tail in proptest::collection::vec(any::<u8>(), 0..512)) {
        let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
        bytes.extend(tail);
        let err = scan_image(&bytes, &ScanLimits::default());
        prop_assert!(err.is_err());
    }

    #[test]
    fn mutated_png_never_panics(
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut png = sample_png();
        for (i, v) in flips {
            let i = i.index(png.len());
            png[i] = v;
        }
        let len = cut.index(png.len() + 1);
        match scan_image(&png[..len.max(1)], &ScanLimits::default()) {
            Ok(codes) => prop_assert!(codes.iter().all(|c| c.text == "YM1:LIMITS")),
            Err(e) => prop_assert!(!e.code().is_empty()),
        }
    }
}

/// A 311x80 image (a partly cut-off, sheared code at the left edge, found by fuzzing) on which
/// rqrr 0.11 panics in `detect_grids` ("rotated perspective can't fail", identify/grid.rs).
const RQRR_PANIC_PNG: &[u8] = include_bytes!("data/rqrr-panic-rotate-capstone.png");

#[test]
fn decoder_panic_is_caught_and_typed() {
    let err = scan_image(RQRR_PANIC_PNG, &ScanLimits::default()).unwrap_err();
    assert_eq!(err, ScanError::DecoderPanic);
    assert_eq!(err.code(), "qr.decoder-panic");
    // Same through the in-memory entry point.
    let img = common::to_gray(RQRR_PANIC_PNG);
    let err = yima_qr::scan_luma(img.width(), img.height(), img.as_raw()).unwrap_err();
    assert_eq!(err.code(), "qr.decoder-panic");
}
