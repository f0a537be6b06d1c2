//! Resource bounds of image scanning on hostile files: file size and declared dimensions are refused
//! before any pixel buffer exists. Each case prints the time and the peak heap memory the rejection
//! took (`cargo test -p yima-qr --test bounds -- --nocapture`), measured with a counting global
//! allocator; the input is built before the measurement starts.

// Test code: a failed unwrap is a failed test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use yima_qr::{ScanLimits, scan_image};
use yima_testkit::alloc::{Counting, KIB, measure, report};
use yima_testkit::image::png_claiming;

#[global_allocator]
static ALLOC: Counting = Counting;

/// Baseline greyscale JPEG headers declaring `w` x `h`, with no real scan data.
fn jpeg_claiming(w: u16, h: u16) -> Vec<u8> {
    let mut out = vec![0xff, 0xd8, 0xff, 0xdb, 0x00, 0x43, 0x00];
    out.extend_from_slice(&[1u8; 64]);
    out.extend_from_slice(&[0xff, 0xc0, 0x00, 0x0b, 0x08]);
    out.extend_from_slice(&h.to_be_bytes());
    out.extend_from_slice(&w.to_be_bytes());
    out.extend_from_slice(&[0x01, 0x01, 0x11, 0x00]);
    for class in [0x00u8, 0x10] {
        out.extend_from_slice(&[0xff, 0xc4, 0x00, 0x14, class, 1]);
        out.extend_from_slice(&[0u8; 16]);
    }
    out.extend_from_slice(&[0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3f, 0x00]);
    out.extend_from_slice(&[0x00, 0x00, 0xff, 0xd9]);
    out
}

#[test]
fn png_header_claiming_100000_squared_is_refused_before_allocation() {
    let png = png_claiming(100_000, 100_000);
    let (r, took, peak) = measure(|| scan_image(&png, &ScanLimits::default()));
    let code = r.unwrap_err().code();
    assert_eq!(code, "image.too-large");
    // Decoding would need 10^10 bytes of pixels.
    report("PNG 100000x100000 header", png.len(), code, took, peak, KIB);
}

#[test]
fn png_wider_than_8192_is_refused_although_tiny() {
    let png = png_claiming(9000, 1);
    let (r, took, peak) = measure(|| scan_image(&png, &ScanLimits::default()));
    let code = r.unwrap_err().code();
    assert_eq!(code, "image.too-large");
    report("PNG 9000x1 (side > 8192)", png.len(), code, took, peak, KIB);
}

#[test]
fn png_over_the_pixel_budget_is_refused() {
    let png = png_claiming(8000, 8000); // 64 M pixels > 40 M
    let (r, took, peak) = measure(|| scan_image(&png, &ScanLimits::default()));
    let code = r.unwrap_err().code();
    assert_eq!(code, "image.too-large");
    report(
        "PNG 8000x8000 (> 40 M pixels)",
        png.len(),
        code,
        took,
        peak,
        KIB,
    );
}

#[test]
fn jpeg_header_claiming_65500_squared_is_refused_before_decoding() {
    let jpeg = jpeg_claiming(65_500, 65_500);
    let (r, took, peak) = measure(|| scan_image(&jpeg, &ScanLimits::default()));
    let code = r.unwrap_err().code();
    assert_eq!(code, "image.too-large");
    // The JPEG header reader allocates its tables (no pixel buffer).
    report(
        "JPEG 65500x65500 header",
        jpeg.len(),
        code,
        took,
        peak,
        256 * KIB,
    );
}

#[test]
fn file_size_is_checked_first() {
    let big = [png_claiming(64, 64), vec![0u8; 21 * 1024 * 1024]].concat();
    let (r, took, peak) = measure(|| scan_image(&big, &ScanLimits::default()));
    let code = r.unwrap_err().code();
    assert_eq!(code, "image.too-large");
    report("image file (20 MiB)", big.len(), code, took, peak, KIB);
}
