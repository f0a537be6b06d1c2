//! Finding and reading QR codes in images: [`scan_image`] and [`scan_luma`].

use std::io::Cursor;
use std::panic::{AssertUnwindSafe, catch_unwind};

use image::{DynamicImage, GrayImage, ImageError, ImageFormat, ImageReader};

use crate::ScanError;

/// Images whose longer side exceeds this many pixels get one extra attempt at half size when
/// nothing is found at full size (the detector struggles with very large modules and noise).
pub const DOWNSCALE_RETRY_ABOVE_PX: u32 = 1600;

/// Extra decoder allocation allowed on top of 8 bytes per pixel (16-bit RGBA output).
const ALLOC_SLACK_BYTES: u64 = 64 * 1024 * 1024;

/// Resource limits checked before an image file is decoded.
///
/// The file size is checked first, then the dimensions declared in the file header; only
/// then is the image decoded, with the decoder's allocation capped accordingly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScanLimits {
    /// Largest accepted file, in bytes. Default 20 MiB.
    pub max_file_bytes: usize,
    /// Largest accepted width, in pixels. Default 8192.
    pub max_width: u32,
    /// Largest accepted height, in pixels. Default 8192.
    pub max_height: u32,
    /// Largest accepted `width * height`. Default 40 000 000.
    pub max_pixels: u64,
}

impl Default for ScanLimits {
    fn default() -> Self {
        Self {
            max_file_bytes: 20 * 1024 * 1024,
            max_width: 8192,
            max_height: 8192,
            max_pixels: 40_000_000,
        }
    }
}

impl ScanLimits {
    fn check_dimensions(&self, width: u32, height: u32) -> Result<(), ScanError> {
        let pixels = u64::from(width).saturating_mul(u64::from(height));
        if width > self.max_width || height > self.max_height || pixels > self.max_pixels {
            return Err(ScanError::TooLarge { width, height });
        }
        Ok(())
    }

    fn image_limits(&self) -> image::Limits {
        let mut limits = image::Limits::default();
        limits.max_image_width = Some(self.max_width);
        limits.max_image_height = Some(self.max_height);
        limits.max_alloc = Some(
            self.max_pixels
                .saturating_mul(8)
                .saturating_add(ALLOC_SLACK_BYTES),
        );
        limits
    }
}

/// A QR code found in an image.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct ScannedCode {
    /// The decoded text (the payload must be valid UTF-8).
    pub text: String,
    /// The symbol's corners in image pixels (x, y), as located by the detector: top-left,
    /// top-right, bottom-right, bottom-left in the symbol's own orientation (so for a rotated
    /// code they need not be the image's top-left etc.). Approximate for skewed photos.
    pub corners: [(i32, i32); 4],
}

impl ScannedCode {
    fn center(&self) -> (f64, f64) {
        let (sx, sy) = self.corners.iter().fold((0.0, 0.0), |(sx, sy), &(x, y)| {
            (sx + f64::from(x), sy + f64::from(y))
        });
        (sx / 4.0, sy / 4.0)
    }

    /// Rough side length in pixels (mean of the top and left edges).
    fn size(&self) -> f64 {
        let [a, b, _, d] = self.corners;
        let dist = |p: (i32, i32), q: (i32, i32)| {
            (f64::from(p.0) - f64::from(q.0)).hypot(f64::from(p.1) - f64::from(q.1))
        };
        (dist(a, b) + dist(a, d)) / 2.0
    }
}

/// Finds and decodes every QR code in a PNG or JPEG file.
///
/// The format is recognised by its magic bytes (not a file name). Before any pixel is
/// decoded, the file size is checked against [`ScanLimits::max_file_bytes`] and the
/// dimensions declared in the header against the other limits, so an oversized or hostile
/// file is refused quickly without allocating its pixel buffer. Colour images are converted
/// to grey; transparent pixels are treated as white.
///
/// Detection then works as [`scan_luma`] describes.
///
/// # Errors
/// [`ScanError::FileTooLarge`] / [`ScanError::TooLarge`] (code `image.too-large`),
/// [`ScanError::UnsupportedFormat`] for anything but PNG/JPEG, [`ScanError::Decode`] for a
/// corrupt or truncated file, [`ScanError::DecoderPanic`] if the QR decoder failed internally
/// and nothing was read.
pub fn scan_image(bytes: &[u8], limits: &ScanLimits) -> Result<Vec<ScannedCode>, ScanError> {
    let gray = decode_image(bytes, limits)?;
    scan_gray(gray)
}

/// Finds and decodes every QR code in an 8-bit greyscale image already in memory.
///
/// `pixels` is row-major, one byte per pixel (0 = black, 255 = white), and must hold exactly
/// `width * height` bytes.
///
/// Every readable code is returned, deduplicated (same text at about the same place) and
/// sorted top-to-bottom, then left-to-right (codes whose centres are within half a code
/// height of each other count as one row). If nothing is found, the scan is retried once on
/// the inverted image (light-on-dark codes) and, for images larger than
/// [`DOWNSCALE_RETRY_ABOVE_PX`] on a side, once at half size.
///
/// `Ok` with an empty list means "no readable code": either no code was detected, or codes
/// were detected but none could be decoded (damaged, unsupported content such as non-UTF-8
/// text). Codes that fail to decode are skipped.
///
/// # Errors
/// [`ScanError::InvalidBuffer`] if `pixels.len() != width * height`;
/// [`ScanError::DecoderPanic`] if the QR detector/decoder panicked (it is known to on some
/// inputs; the panic is caught) and no code was read by any attempt. The global panic hook
/// is left alone, so the panic message is still printed to stderr by the default hook.
pub fn scan_luma(width: u32, height: u32, pixels: &[u8]) -> Result<Vec<ScannedCode>, ScanError> {
    let expected = usize::try_from(width)
        .ok()
        .zip(usize::try_from(height).ok())
        .and_then(|(w, h)| w.checked_mul(h))
        .unwrap_or(usize::MAX);
    let invalid = || ScanError::InvalidBuffer {
        expected,
        actual: pixels.len(),
    };
    if pixels.len() != expected {
        return Err(invalid());
    }
    let gray = GrayImage::from_raw(width, height, pixels.to_vec()).ok_or_else(invalid)?;
    scan_gray(gray)
}

/// The two supported container formats, recognised by their magic bytes.
fn sniff_format(bytes: &[u8]) -> Option<ImageFormat> {
    const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
    const JPEG_SOI: &[u8] = &[0xFF, 0xD8, 0xFF];
    if bytes.starts_with(PNG_SIGNATURE) {
        Some(ImageFormat::Png)
    } else if bytes.starts_with(JPEG_SOI) {
        Some(ImageFormat::Jpeg)
    } else {
        None
    }
}

/// Width and height from a PNG's IHDR chunk, which must directly follow the signature.
fn png_ihdr_dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    if bytes.get(8..16)? != b"\x00\x00\x00\x0DIHDR" {
        return None;
    }
    let width = u32::from_be_bytes(bytes.get(16..20)?.try_into().ok()?);
    let height = u32::from_be_bytes(bytes.get(20..24)?.try_into().ok()?);
    Some((width, height))
}

fn map_image_error(e: ImageError, width: u32, height: u32) -> ScanError {
    match e {
        ImageError::Limits(_) => ScanError::TooLarge { width, height },
        other => ScanError::Decode(other.to_string()),
    }
}

/// Checks limits, then decodes the file to a grey image (transparent areas become white).
fn decode_image(bytes: &[u8], limits: &ScanLimits) -> Result<GrayImage, ScanError> {
    if bytes.len() > limits.max_file_bytes {
        return Err(ScanError::FileTooLarge {
            len: bytes.len(),
            max: limits.max_file_bytes,
        });
    }
    let format = sniff_format(bytes).ok_or(ScanError::UnsupportedFormat)?;

    // Cheapest possible check for PNG: the header fields themselves.
    if format == ImageFormat::Png
        && let Some((w, h)) = png_ihdr_dimensions(bytes)
    {
        limits.check_dimensions(w, h)?;
    }
    // Header-declared dimensions as the decoder sees them (reads headers only).
    // No width/height limit here (we check them ourselves below, reporting the real size),
    // but the allocation budget still applies to whatever the header parser reads.
    let mut header_limits = limits.image_limits();
    header_limits.max_image_width = None;
    header_limits.max_image_height = None;
    let mut header_reader = ImageReader::with_format(Cursor::new(bytes), format);
    header_reader.limits(header_limits);
    let (width, height) = catch_unwind(AssertUnwindSafe(|| header_reader.into_dimensions()))
        .map_err(|_| ScanError::Decode("image header decoder panicked".into()))?
        .map_err(|e| ScanError::Decode(e.to_string()))?;
    limits.check_dimensions(width, height)?;

    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(limits.image_limits());
    let image = catch_unwind(AssertUnwindSafe(|| reader.decode()))
        .map_err(|_| ScanError::Decode("image decoder panicked".into()))?
        .map_err(|e| map_image_error(e, width, height))?;
    Ok(to_gray_on_white(image))
}

fn to_gray_on_white(image: DynamicImage) -> GrayImage {
    if !image.color().has_alpha() {
        return image.into_luma8();
    }
    let la = image.into_luma_alpha8();
    let (w, h) = la.dimensions();
    // safe: from_fn only visits coordinates inside (w, h), the dimensions of `la`.
    GrayImage::from_fn(w, h, |x, y| {
        let [l, a] = la.get_pixel(x, y).0;
        let (l, a) = (u32::from(l), u32::from(a));
        let v = (l * a + 255 * (255 - a) + 127) / 255;
        image::Luma([u8::try_from(v).unwrap_or(u8::MAX)])
    })
}

/// One detection pass over `img`; corners are multiplied by `scale`.
///
/// Returns the decoded codes and whether the detector/decoder panicked.
fn scan_pass(img: GrayImage, scale: i32) -> (Vec<ScannedCode>, bool) {
    let result = catch_unwind(AssertUnwindSafe(move || {
        let mut prepared = rqrr::PreparedImage::prepare(img);
        let grids = prepared.detect_grids();
        let mut codes = Vec::new();
        let mut grid_panicked = false;
        for grid in &grids {
            match catch_unwind(AssertUnwindSafe(|| grid.decode())) {
                Ok(Ok((_meta, text))) => codes.push(ScannedCode {
                    text,
                    corners: grid
                        .bounds
                        .map(|p| (p.x.saturating_mul(scale), p.y.saturating_mul(scale))),
                }),
                Ok(Err(_)) => {}
                Err(_) => grid_panicked = true,
            }
        }
        (codes, grid_panicked)
    }));
    result.unwrap_or((Vec::new(), true))
}

fn invert(img: &GrayImage) -> GrayImage {
    let mut out = img.clone();
    image::imageops::invert(&mut out);
    out
}

/// Halves both dimensions by averaging 2x2 blocks (a trailing odd row/column is dropped).
fn downscale_2x(img: &GrayImage) -> GrayImage {
    let (w, h) = (img.width() / 2, img.height() / 2);
    // safe: for x < w, y < h, the source coordinates 2x+1 < img.width() and 2y+1 < img.height().
    GrayImage::from_fn(w, h, |x, y| {
        let sum: u32 = [(0, 0), (1, 0), (0, 1), (1, 1)]
            .iter()
            .map(|&(dx, dy)| u32::from(img.get_pixel(2 * x + dx, 2 * y + dy).0[0]))
            .sum();
        image::Luma([u8::try_from((sum + 2) / 4).unwrap_or(u8::MAX)])
    })
}

fn scan_gray(img: GrayImage) -> Result<Vec<ScannedCode>, ScanError> {
    let (width, height) = img.dimensions();
    if width == 0 || height == 0 {
        return Ok(Vec::new());
    }
    let mut any_panic = false;

    let (mut codes, panicked) = scan_pass(img.clone(), 1);
    any_panic |= panicked;
    if codes.is_empty() {
        let (found, panicked) = scan_pass(invert(&img), 1);
        codes = found;
        any_panic |= panicked;
    }
    if codes.is_empty() && width.max(height) > DOWNSCALE_RETRY_ABOVE_PX {
        let (found, panicked) = scan_pass(downscale_2x(&img), 2);
        codes = found;
        any_panic |= panicked;
    }
    if codes.is_empty() && any_panic {
        return Err(ScanError::DecoderPanic);
    }
    Ok(order_codes(dedup_codes(codes)))
}

/// Drops codes with the same text whose centres are within half a code size of each other.
fn dedup_codes(codes: Vec<ScannedCode>) -> Vec<ScannedCode> {
    let mut kept: Vec<ScannedCode> = Vec::with_capacity(codes.len());
    for code in codes {
        let (cx, cy) = code.center();
        let duplicate = kept.iter().any(|k| {
            let (kx, ky) = k.center();
            let tolerance = code.size().max(k.size()) / 2.0;
            k.text == code.text && (cx - kx).hypot(cy - ky) <= tolerance
        });
        if !duplicate {
            kept.push(code);
        }
    }
    kept
}

/// Sorts codes into reading order: rows top-to-bottom, each row left-to-right.
fn order_codes(mut codes: Vec<ScannedCode>) -> Vec<ScannedCode> {
    let key = |c: &ScannedCode| {
        let (x, y) = c.center();
        (y, x)
    };
    codes.sort_by(|a, b| {
        let (ay, ax) = key(a);
        let (by, bx) = key(b);
        ay.total_cmp(&by)
            .then(ax.total_cmp(&bx))
            .then_with(|| a.text.cmp(&b.text))
    });

    let mut rows: Vec<Vec<ScannedCode>> = Vec::new();
    let mut row_start: Option<(f64, f64)> = None; // (centre y, size) of the row's first code
    for code in codes {
        let (_, cy) = code.center();
        let size = code.size();
        let same_row = row_start.is_some_and(|(ry, rsize)| cy - ry <= rsize.max(size) / 2.0);
        match rows.last_mut() {
            Some(row) if same_row => row.push(code),
            _ => {
                row_start = Some((cy, size));
                rows.push(vec![code]);
            }
        }
    }
    rows.into_iter()
        .flat_map(|mut row| {
            row.sort_by(|a, b| {
                let (ax, ay) = a.center();
                let (bx, by) = b.center();
                ax.total_cmp(&bx)
                    .then(ay.total_cmp(&by))
                    .then_with(|| a.text.cmp(&b.text))
            });
            row
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(text: &str, x: i32, y: i32, s: i32) -> ScannedCode {
        ScannedCode {
            text: text.into(),
            corners: [(x, y), (x + s, y), (x + s, y + s), (x, y + s)],
        }
    }

    #[test]
    fn reading_order_groups_rows() {
        // Second row codes; first row with slight vertical jitter.
        let codes = vec![
            code("D", 10, 300, 100),
            code("B", 200, 8, 100),
            code("A", 10, 12, 100),
            code("C", 390, 0, 100),
        ];
        let texts: Vec<_> = order_codes(codes).into_iter().map(|c| c.text).collect();
        assert_eq!(texts, ["A", "B", "C", "D"]);
    }

    #[test]
    fn dedup_same_text_same_place() {
        let codes = vec![
            code("A", 10, 10, 100),
            code("A", 12, 11, 100),
            code("A", 300, 10, 100),
            code("B", 10, 10, 100),
        ];
        assert_eq!(dedup_codes(codes).len(), 3);
    }

    #[test]
    fn sniff_and_ihdr() {
        assert_eq!(sniff_format(b"\x89PNG\r\n\x1a\n"), Some(ImageFormat::Png));
        assert_eq!(
            sniff_format(&[0xFF, 0xD8, 0xFF, 0xE0]),
            Some(ImageFormat::Jpeg)
        );
        assert_eq!(sniff_format(b"GIF89a"), None);
        assert_eq!(sniff_format(b""), None);
        assert_eq!(png_ihdr_dimensions(b"\x89PNG\r\n\x1a\n\x00\x00"), None);
    }

    fn rendered(text: &str, module_px: u32) -> GrayImage {
        let symbol = crate::encode(text, crate::EcLevel::M).unwrap();
        let side = (symbol.width() as u32 + 8) * module_px;
        GrayImage::from_fn(side, side, |x, y| {
            let (mx, my) = (u64::from(x / module_px), u64::from(y / module_px));
            image::Luma([if symbol.padded_module(mx, my, 4) {
                0
            } else {
                255
            }])
        })
    }

    #[test]
    fn downscaled_pass_reports_full_size_corners() {
        let img = rendered("YM1:HALF", 8);
        let (full, panicked) = scan_pass(img.clone(), 1);
        assert!(!panicked);
        let (half, panicked) = scan_pass(downscale_2x(&img), 2);
        assert!(!panicked);
        assert_eq!(full.len(), 1);
        assert_eq!(half.len(), 1);
        assert_eq!(half[0].text, "YM1:HALF");
        for (a, b) in full[0].corners.iter().zip(half[0].corners.iter()) {
            assert!(
                (a.0 - b.0).abs() <= 8 && (a.1 - b.1).abs() <= 8,
                "{full:?} vs {half:?}"
            );
        }
    }

    #[test]
    fn downscale_averages() {
        let img = GrayImage::from_raw(3, 2, vec![0, 255, 7, 255, 0, 7]).unwrap();
        let small = downscale_2x(&img);
        assert_eq!(small.dimensions(), (1, 1));
        assert_eq!(small.get_pixel(0, 0).0[0], 128);
    }
}
