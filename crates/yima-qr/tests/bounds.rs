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

/// The published hostile vector `img/jpeg-header-65500x65500.jpg`: the headers of a baseline greyscale
/// JPEG declaring 65500 x 65500 with two bytes of scan data (written by the vector generator).
fn jpeg_claiming_65500_squared() -> Vec<u8> {
    let path = yima_testkit::vectors::root().join("hostile/img/jpeg-header-65500x65500.jpg");
    let jpeg = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    // SOF0 (ff c0, length 00 0b, precision 08) then height and width, big-endian.
    let sof = jpeg
        .windows(5)
        .position(|w| w == [0xff, 0xc0, 0x00, 0x0b, 0x08])
        .unwrap()
        + 5;
    assert_eq!(
        jpeg[sof..sof + 4],
        [0xff, 0xdc, 0xff, 0xdc],
        "declares 65500 x 65500"
    );
    jpeg
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
    let jpeg = jpeg_claiming_65500_squared();
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
