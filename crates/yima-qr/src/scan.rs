//! Finding and reading QR codes in images: [`scan_image`] and [`scan_luma`].

use std::io::Cursor;
use std::panic::{AssertUnwindSafe, catch_unwind};

use image::{DynamicImage, GrayImage, ImageError, ImageFormat, ImageReader};

use crate::ScanError;
use crate::detect::{Gray, Scan};

/// Images whose longer side exceeds this many pixels are read first at reduced resolution:
/// halved (2x2 averaging) until the longer side is at most this. Each finer resolution up to
/// the original is then read only if nothing was found yet, or if the coarser one found finder
/// patterns it could not decode (smaller codes beside the ones read). A 1920x1080 frame with
/// one code is read at 960x540 only, which is both faster and more robust to noise and very
/// large modules.
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

/// Finds and decodes every QR code in a PNG, JPEG or WebP file.
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
/// [`ScanError::UnsupportedFormat`] for anything but PNG/JPEG/WebP, [`ScanError::Decode`] for a
/// corrupt or truncated file, [`ScanError::DecoderPanic`] if the QR decoder failed internally
/// and nothing was read.
pub fn scan_image(bytes: &[u8], limits: &ScanLimits) -> Result<Vec<ScannedCode>, ScanError> {
    let gray = decode_image(bytes, limits)?;
    let (width, height) = gray.dimensions();
    let invalid = ScanError::InvalidBuffer {
        expected: gray.len(),
        actual: gray.len(),
    };
    let view = Gray::new(width, height, gray.as_raw().as_slice()).ok_or(invalid)?;
    scan_gray(&view)
}

/// Finds and decodes every QR code in an 8-bit greyscale image already in memory.
///
/// `pixels` is row-major, one byte per pixel (0 = black, 255 = white), and must hold exactly
/// `width * height` bytes.
///
/// Every readable code is returned with its corners, deduplicated (same text at about the
/// same place) and sorted top-to-bottom, then left-to-right (codes whose centres are within
/// half a code height of each other count as one row). Codes may be rotated to any angle,
/// photographed at a slant, light-on-dark, or cropped without a quiet zone.
///
/// The reader is rxing's port of zxing-cpp's QR detector behind a pipeline of passes: a
/// resolution pyramid for frames larger than [`DOWNSCALE_RETRY_ABOVE_PX`] (coarsest first),
/// both polarities, and, only if those read nothing, fixes for hard photos (an added quiet
/// zone, a global-histogram threshold, a further downscale, a 2x upscale of small images, and
/// rqrr as a second opinion on small images). A photo of a sheet of codes yields all of them
/// (up to about 150 per image). Work is bounded: the caller's buffer is never copied or grown
/// by more than a small factor, and the finder patterns and candidate symbols examined are
/// capped, so a hostile image cannot make the search run away.
///
/// Payload bytes are decoded as ZXing does: by ECI when present, otherwise UTF-8 when valid,
/// else the likeliest legacy character set (ISO 8859-1, Shift_JIS); Kanji segments as
/// Shift_JIS. `Ok` with an empty list means "no readable code": either no code was
/// detected, or codes were detected but none could be decoded (damaged). Codes that fail to
/// decode are skipped.
///
/// # Errors
/// [`ScanError::InvalidBuffer`] if `pixels.len() != width * height`;
/// [`ScanError::DecoderPanic`] if a third-party QR detector/decoder panicked (the panic is
/// caught) and no code was read by any pass. The global panic hook is left alone, so the
/// panic message is still printed to stderr by the default hook.
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
    let view = Gray::new(width, height, pixels).ok_or_else(invalid)?;
    scan_gray(&view)
}

/// The supported container formats, recognised by their magic bytes.
fn sniff_format(bytes: &[u8]) -> Option<ImageFormat> {
    const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
    const JPEG_SOI: &[u8] = &[0xFF, 0xD8, 0xFF];
    if bytes.starts_with(PNG_SIGNATURE) {
        Some(ImageFormat::Png)
    } else if bytes.starts_with(JPEG_SOI) {
        Some(ImageFormat::Jpeg)
    } else if bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WEBP".as_slice()) {
        Some(ImageFormat::WebP)
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

fn scan_gray(img: &Gray<'_>) -> Result<Vec<ScannedCode>, ScanError> {
    let mut scan = Scan::new();
    let codes = scan.run(img);
    if codes.is_empty() && scan.panicked {
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
        assert_eq!(
            sniff_format(b"RIFF\x10\x00\x00\x00WEBPVP8 "),
            Some(ImageFormat::WebP)
        );
        assert_eq!(sniff_format(b"RIFF\x10\x00\x00\x00WAVE"), None);
        assert_eq!(sniff_format(b"GIF89a"), None);
        assert_eq!(sniff_format(b""), None);
        assert_eq!(png_ihdr_dimensions(b"\x89PNG\r\n\x1a\n\x00\x00"), None);
    }
}
