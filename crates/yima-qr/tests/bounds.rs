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
// `#![forbid(unsafe_code)]` is a property of the library crates; this test binary needs `unsafe` for
// exactly one thing, the `GlobalAlloc` impl below, which only forwards to `System` and counts.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::time::{Duration, Instant};

use yima_qr::{ScanLimits, scan_image};

thread_local! {
    static CURRENT: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn record(delta: isize) {
    let _ = CURRENT.try_with(|c| {
        let now = c.get() + delta;
        c.set(now);
        let _ = PEAK.try_with(|p| {
            if now > p.get() {
                p.set(now);
            }
        });
    });
}

struct Counting;

// SAFETY: every method forwards to `System` with the caller's arguments unchanged (so `System`'s
// guarantees carry over) and only adds bookkeeping in const-initialised thread-locals, which never
// allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        record(layout.size() as isize);
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        record(layout.size() as isize);
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        record(-(layout.size() as isize));
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        record(new_size as isize);
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        record(-(layout.size() as isize));
        p
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

fn measure<T>(f: impl FnOnce() -> T) -> (T, Duration, usize) {
    CURRENT.with(|c| c.set(0));
    PEAK.with(|p| p.set(0));
    let start = Instant::now();
    let out = f();
    let took = start.elapsed();
    (
        out,
        took,
        usize::try_from(PEAK.with(Cell::get)).unwrap_or(0),
    )
}

const KIB: usize = 1024;

fn report(bound: &str, input_len: usize, code: &str, took: Duration, peak: usize, max_peak: usize) {
    println!(
        "BOUND | {bound} | input {input_len} B | {code} | {:.3} ms | peak {peak} B",
        took.as_secs_f64() * 1000.0
    );
    assert!(peak <= max_peak, "{bound}: peak {peak} B over {max_peak} B");
    assert!(took < Duration::from_secs(2), "{bound}: took {took:?}");
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A PNG signature and a valid IHDR for `w` x `h` 8-bit grey, then a tiny IDAT and IEND.
fn png_claiming(w: u32, h: u32) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut chunk = |kind: &[u8], data: &[u8]| {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let body = [kind, data].concat();
        out.extend_from_slice(&body);
        out.extend_from_slice(&crc32(&body).to_be_bytes());
    };
    let ihdr = [w.to_be_bytes(), h.to_be_bytes()].concat();
    chunk(b"IHDR", &[ihdr.as_slice(), &[8, 0, 0, 0, 0]].concat());
    chunk(b"IDAT", &[0x78, 0x01, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
    chunk(b"IEND", &[]);
    out
}

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
