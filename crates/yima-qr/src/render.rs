//! Rendering a [`QrSymbol`] as PNG, SVG or terminal text.

use std::cell::RefCell;
use std::fmt::Write as _;

use flate2::{Compress, Compression, FlushCompress, Status};

use crate::{QrError, QrSymbol};

/// The recommended quiet zone (blank border) around a symbol, in modules (ISO/IEC 18004).
pub const DEFAULT_QUIET_ZONE: u32 = 4;

/// Largest PNG side [`QrSymbol::to_png`] will produce, in pixels (a 1-bit image of this size
/// is 32 MiB before compression).
pub const MAX_PNG_SIDE_PX: u32 = 16_384;

impl QrSymbol {
    /// Side of the symbol plus quiet zone on both sides, in modules.
    fn padded_side(&self, quiet_zone: u32) -> u64 {
        let width = u64::try_from(self.width()).unwrap_or(u64::MAX);
        width.saturating_add(u64::from(quiet_zone).saturating_mul(2))
    }

    /// Renders the symbol as a 1-bit greyscale PNG: black modules on a white background.
    ///
    /// Each module is `module_px` × `module_px` pixels and the symbol is surrounded by
    /// `quiet_zone` modules of white ([`DEFAULT_QUIET_ZONE`] = 4 is what scanners expect).
    ///
    /// # Errors
    /// [`QrError::RenderSize`] if `module_px` is 0 or the image side would exceed
    /// [`MAX_PNG_SIDE_PX`]; [`QrError::Png`] if the PNG encoder fails (not expected).
    pub fn to_png(&self, module_px: u32, quiet_zone: u32) -> Result<Vec<u8>, QrError> {
        let qz = u64::from(quiet_zone);
        let side_modules = self.padded_side(quiet_zone);
        let side_px_u64 = side_modules.saturating_mul(u64::from(module_px));
        let size_error = || QrError::RenderSize {
            module_px,
            quiet_zone,
            side_px: side_px_u64,
            max: MAX_PNG_SIDE_PX,
        };
        if module_px == 0 || side_px_u64 > u64::from(MAX_PNG_SIDE_PX) {
            return Err(size_error());
        }
        let side_px = u32::try_from(side_px_u64).map_err(|_| size_error())?;
        let side_usize = usize::try_from(side_px).map_err(|_| size_error())?;
        let row_bytes = side_usize.div_ceil(8);
        let px_per_module = u64::from(module_px);

        // One pixel row per module row (1-bit greyscale: 0 = black, 1 = white, MSB first), repeated
        // `module_px` times, filtered and compressed as the `png` crate's default encoder does.
        let mut filtered = Vec::with_capacity((row_bytes + 1).saturating_mul(side_usize));
        let mut previous = vec![0u8; row_bytes];
        let mut row = vec![0u8; row_bytes];
        let mut scratch = PngScratch::new(row_bytes);
        for my in 0..side_modules {
            row.fill(0);
            for mx in 0..side_modules {
                if self.padded_module(mx, my, qz) {
                    continue;
                }
                let first = mx.saturating_mul(px_per_module);
                for px in first..first.saturating_add(px_per_module) {
                    let x = usize::try_from(px).unwrap_or(usize::MAX);
                    if let Some(byte) = row.get_mut(x / 8) {
                        *byte |= 0x80 >> (x % 8);
                    }
                }
            }
            for _ in 0..module_px {
                scratch.filter_row(&previous, &row, &mut filtered);
                previous.copy_from_slice(&row);
            }
        }
        let idat = zlib_level6(&filtered).ok_or_else(|| QrError::Png("zlib failed".into()))?;

        let mut out = Vec::with_capacity(idat.len() + 64);
        let mut encoder = png::Encoder::new(&mut out, side_px, side_px);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::One);
        let png_err = |e: png::EncodingError| QrError::Png(e.to_string());
        let mut writer = encoder.write_header().map_err(png_err)?;
        writer
            .write_chunk(png::chunk::IDAT, &idat)
            .map_err(png_err)?;
        writer.finish().map_err(png_err)?;
        Ok(out)
    }

    /// Renders the symbol as a compact SVG document: black modules on a white background.
    ///
    /// The drawing uses one unit per module (`viewBox` covers the symbol plus `quiet_zone`
    /// modules on each side); `width`/`height` are `module_px` pixels per module (a
    /// `module_px` of 0 is treated as 1). The dark modules are a single `<path>` made of
    /// horizontal runs, with `shape-rendering="crispEdges"` so no seams appear between
    /// modules.
    pub fn to_svg(&self, module_px: u32, quiet_zone: u32) -> String {
        let qz = u64::from(quiet_zone);
        let n = self.padded_side(quiet_zone);
        let px = n.saturating_mul(u64::from(module_px.max(1)));
        let mut path = String::new();
        let width = self.width();
        for y in 0..width {
            let mut x = 0;
            while x < width {
                if !self.module(x, y) {
                    x += 1;
                    continue;
                }
                let start = x;
                while x < width && self.module(x, y) {
                    x += 1;
                }
                let len = x - start;
                // Writing to a String cannot fail.
                let _ = write!(
                    path,
                    "M{} {}h{len}v1h-{len}z",
                    qz.saturating_add(start as u64),
                    qz.saturating_add(y as u64)
                );
            }
        }
        format!(
            concat!(
                r#"<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{px}" height="{px}" "#,
                r#"viewBox="0 0 {n} {n}" shape-rendering="crispEdges">"#,
                r##"<rect width="{n}" height="{n}" fill="#fff"/>"##,
                r##"<path fill="#000" d="{path}"/></svg>"##,
                "\n"
            ),
            px = px,
            n = n,
            path = path
        )
    }

    /// Renders the symbol as Unicode half-block text for a terminal, two module rows per line.
    ///
    /// **Polarity:** *light* modules and the quiet zone are drawn as blocks (`█ ▀ ▄`) and dark
    /// modules are left blank, so the code takes its dark modules from the terminal background.
    /// On the usual light-text-on-dark-background terminal this shows dark modules on a light
    /// field, the polarity every scanner expects. On a light-background terminal the code
    /// appears inverted (light on dark), which most phone cameras still read. Use at least the
    /// default quiet zone of 4 so the light border is wide enough.
    ///
    /// The result has `ceil((width + 2 * quiet_zone) / 2)` lines, each ending in `\n`; when the
    /// padded side is odd the lower half of the last line is left blank.
    pub fn to_terminal(&self, quiet_zone: u32) -> String {
        let qz = u64::from(quiet_zone);
        let n = self.padded_side(quiet_zone);
        let light = |x: u64, y: u64| y < n && !self.padded_module(x, y, qz);
        let mut out = String::new();
        let mut y = 0;
        while y < n {
            for x in 0..n {
                out.push(match (light(x, y), light(x, y + 1)) {
                    (true, true) => '█',
                    (true, false) => '▀',
                    (false, true) => '▄',
                    (false, false) => ' ',
                });
            }
            out.push('\n');
            y += 2;
        }
        out
    }
}

// ---------------------------------------------------------------------------------------------------
// PNG image data, byte for byte as `png` 0.18 writes it with its defaults (adaptive filter, zlib level 6)
// but without its cost: it feeds the compressor one row at a time through `flate2::write::ZlibEncoder`,
// which zeroes a 32 KiB buffer per write (two writes per pixel row), and builds a new compressor per image.

/// PNG row filter types.
const FILTER_SUB: u8 = 1;
const FILTER_UP: u8 = 2;
const FILTER_AVG: u8 = 3;
const FILTER_PAETH: u8 = 4;

/// Buffers for choosing a row filter.
struct PngScratch {
    candidate: Vec<u8>,
    best: Vec<u8>,
}

impl PngScratch {
    fn new(row_bytes: usize) -> Self {
        PngScratch {
            candidate: vec![0; row_bytes],
            best: vec![0; row_bytes],
        }
    }

    /// Appends the filter type and the filtered `current` row: `png`'s adaptive choice for one byte per
    /// pixel, trying Up, Sub, Average, Paeth, keeping the lowest sum of |byte as i8| (the later one on
    /// ties) and stopping at the first filter that costs 0.
    fn filter_row(&mut self, previous: &[u8], current: &[u8], out: &mut Vec<u8>) {
        if previous == current {
            // Up gives all zeros: cost 0, chosen at once.
            out.push(FILTER_UP);
            out.resize(out.len() + current.len(), 0);
            return;
        }
        let mut best: Option<(u64, u8)> = None;
        for filter in [FILTER_UP, FILTER_SUB, FILTER_AVG, FILTER_PAETH] {
            apply_filter(filter, previous, current, &mut self.candidate);
            let cost: u64 = self
                .candidate
                .iter()
                .map(|&b| u64::from((b as i8).unsigned_abs()))
                .sum();
            if best.is_none_or(|(c, _)| cost <= c) {
                best = Some((cost, filter));
                std::mem::swap(&mut self.best, &mut self.candidate);
                if cost == 0 {
                    break;
                }
            }
        }
        out.push(best.map_or(FILTER_UP, |(_, f)| f));
        out.extend_from_slice(&self.best);
    }
}

/// PNG filtering (ISO/IEC 15948 §9.2) with one byte per pixel for prediction.
fn apply_filter(filter: u8, previous: &[u8], current: &[u8], out: &mut [u8]) {
    let mut left = 0u8;
    let mut up_left = 0u8;
    for ((o, &c), &up) in out.iter_mut().zip(current).zip(previous) {
        let predicted = match filter {
            FILTER_SUB => left,
            FILTER_UP => up,
            FILTER_AVG => ((u16::from(left) + u16::from(up)) / 2) as u8,
            _ => paeth(left, up, up_left),
        };
        *o = c.wrapping_sub(predicted);
        left = c;
        up_left = up;
    }
}

fn paeth(a: u8, b: u8, c: u8) -> u8 {
    let p = i16::from(a) + i16::from(b) - i16::from(c);
    let (pa, pb, pc) = (
        (p - i16::from(a)).abs(),
        (p - i16::from(b)).abs(),
        (p - i16::from(c)).abs(),
    );
    if pa <= pb && pa <= pc {
        a
    } else if pb <= pc {
        b
    } else {
        c
    }
}

thread_local! {
    /// One zlib compressor (level 6, `png`'s default) per thread, reset before each image.
    static DEFLATE: RefCell<Compress> = RefCell::new(Compress::new(Compression::new(6), true));
}

/// zlib at level 6, the same bytes as `flate2::write::ZlibEncoder` at that level.
fn zlib_level6(data: &[u8]) -> Option<Vec<u8>> {
    let reused = DEFLATE.try_with(|cell| match cell.try_borrow_mut() {
        Ok(mut c) => Some(zlib_with(&mut c, data)),
        Err(_) => None,
    });
    match reused {
        Ok(Some(out)) => out,
        _ => zlib_with(&mut Compress::new(Compression::new(6), true), data),
    }
}

fn zlib_with(c: &mut Compress, data: &[u8]) -> Option<Vec<u8>> {
    c.reset();
    let mut out = Vec::with_capacity(data.len() / 8 + 64);
    loop {
        let consumed = usize::try_from(c.total_in()).ok()?;
        let rest = data.get(consumed..)?;
        match c.compress_vec(rest, &mut out, FlushCompress::Finish).ok()? {
            Status::StreamEnd => return Some(out),
            Status::Ok | Status::BufError => out.reserve(out.capacity().max(64)),
        }
    }
}
