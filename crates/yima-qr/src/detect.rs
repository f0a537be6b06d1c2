//! The detection pipeline behind [`scan_luma`](crate::scan_luma): a resolution pyramid, two
//! binarisers, both polarities and a few image fixes, read by rxing's port of zxing-cpp's QR
//! detector, with rqrr as a last second opinion.
//!
//! Passes run cheapest and most likely first; the fixes only run when the pyramid read nothing,
//! so a clear camera frame with one code costs one binarisation and one finder search of one
//! (possibly downscaled) layer.
//!
//! 1. **Pyramid, coarse to fine.** Frames whose longer side exceeds
//!    [`DOWNSCALE_RETRY_ABOVE_PX`] are halved (2x2 box filter) until it no longer does. The
//!    coarsest layer is binarised with the local-average ("hybrid") binariser and read as
//!    dark-on-light, then (if nothing was read) inverted and read as light-on-dark; each finer
//!    layer in turn the same way if nothing was read yet, or if the coarser layer found finder
//!    patterns it could not decode a symbol with (smaller codes beside the ones it read). All
//!    codes found are kept. Coarse layers are fast and robust to noise and large modules; the
//!    full resolution catches small codes.
//! 2. **Fixes, on the coarsest layer only** (so their cost stays bounded on big frames), dark-on-
//!    light: a white border added and a global histogram threshold (glare, low contrast, a code
//!    cropped without its quiet zone); the global threshold alone; the layer halved once more
//!    with each binariser (noisy, dotted or "designer" modules); the layer with a white border and
//!    the local binariser; a 2x upscale of small images (modules of 1-2 pixels); rqrr's detector
//!    (its own binariser and grid fitting), both polarities.
//!
//! **Bounded work.** Every third-party call runs under `catch_unwind`; a panic only loses that
//! pass. The finder patterns kept per pass and the candidate finder-pattern triples tried per
//! scan are capped, so a hostile image full of finder-like squares cannot make the
//! combinatorial search run away in time or memory; rqrr only sees images up to 400x400.

use std::borrow::Cow;
use std::cmp::Reverse;
use std::panic::{AssertUnwindSafe, catch_unwind};

use image::GrayImage;
use rxing::common::{BitMatrix, DetectorRXingResult, GlobalHistogramBinarizer};
use rxing::qrcode::cpp_port::decoder::Decode;
use rxing::qrcode::cpp_port::detector::{GenerateFinderPatternSets, SampleQR};
use rxing::{Binarizer, Luma8Source};

use crate::ScannedCode;
use crate::scan::DOWNSCALE_RETRY_ABOVE_PX;
use crate::{binarize, finder};

/// Finder patterns kept per pass (largest first). Three per code: a sheet of 150 codes fits.
const MAX_FINDER_PATTERNS: usize = 450;
/// Finder patterns looked for per pass before the search stops (each new candidate is compared
/// with all found so far, so this bounds a quadratic cost on images made of finder patterns).
const MAX_FINDER_PATTERNS_FOUND: usize = 1500;
/// Candidate finder-pattern triples sampled and decoded per scan, over all passes.
const MAX_TRIPLES_PER_SCAN: usize = 6000;
/// The white border added by the quiet-zone fixes: this fraction of the longer side, at least
/// [`MIN_PAD_PX`].
const PAD_FRACTION: u32 = 32;
const MIN_PAD_PX: u32 = 8;
/// Images up to this longer side get the 2x upscale fix.
const UPSCALE_BELOW_PX: u32 = 480;
/// Images up to this many pixels (400x400) get rqrr's second opinion (it costs several ms per
/// polarity on larger ones, only when everything else failed).
const RQRR_MAX_PIXELS: u64 = 160_000;
/// Unused finder patterns at a pyramid layer that make the next finer layer worth reading even
/// though codes were read: two of a symbol's three patterns may be all a coarse layer resolves.
const MIN_UNUSED_PATTERNS: usize = 2;
/// The smallest side worth a pass (a version-1 symbol is 21 modules).
const MIN_SIDE_PX: u32 = 21;

/// An 8-bit grey image, borrowed (the caller's pixels) or owned (a derived layer).
#[derive(Debug, Clone)]
pub(crate) struct Gray<'a> {
    width: u32,
    height: u32,
    pixels: Cow<'a, [u8]>,
}

impl<'a> Gray<'a> {
    /// `None` unless `pixels` holds exactly `width * height` bytes.
    pub(crate) fn new(width: u32, height: u32, pixels: impl Into<Cow<'a, [u8]>>) -> Option<Self> {
        let pixels = pixels.into();
        let len = usize::try_from(width)
            .ok()?
            .checked_mul(usize::try_from(height).ok()?)?;
        (pixels.len() == len).then_some(Self {
            width,
            height,
            pixels,
        })
    }

    fn borrowed(&self) -> Gray<'_> {
        Gray {
            width: self.width,
            height: self.height,
            pixels: Cow::Borrowed(&self.pixels),
        }
    }

    fn long_side(&self) -> u32 {
        self.width.max(self.height)
    }

    fn short_side(&self) -> u32 {
        self.width.min(self.height)
    }

    fn rows(&self) -> std::slice::ChunksExact<'_, u8> {
        // `max(1)`: chunks_exact panics on 0; an empty image has no pixels anyway.
        self.pixels.chunks_exact((self.width as usize).max(1))
    }
}

/// Which binariser turns grey into black and white.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Binariser {
    /// zxing's hybrid binariser: thresholds from 8x8 blocks averaged over 5x5 neighbourhoods.
    Local,
    /// One threshold from the image's histogram.
    Global,
}

/// How wide (along a row) a finder pattern may be for a pass to look at it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Width {
    /// Anything that fits in the image: half its shorter side (a finder pattern is 7/21 of a
    /// version-1 symbol's side, up to sqrt(2) times that when cut diagonally).
    Any,
    /// The image is a finer layer of a pyramid: patterns of modules wider than
    /// [`MAX_MODULE_BELOW_COARSER_PX`] are read at the coarser layer.
    CoarserLayerAbove,
}

/// Finder-pattern modules up to this wide are looked for at a layer below a coarser one (where
/// they are at most half as wide, still easily found).
const MAX_MODULE_BELOW_COARSER_PX: u32 = 10;

impl Width {
    fn max_pattern_width(self, img: &Gray<'_>) -> u32 {
        let fits = img.short_side() / 2;
        match self {
            Self::Any => fits,
            // 7 modules, and room for a diagonal cut.
            Self::CoarserLayerAbove => fits.min(7 * MAX_MODULE_BELOW_COARSER_PX * 3 / 2),
        }
    }
}

/// A layer's pixel coordinates map to the original image by `original = layer * num / den - offset`.
#[derive(Debug, Clone, Copy)]
struct Mapping {
    num: f32,
    den: f32,
    offset: f32,
}

impl Mapping {
    const IDENTITY: Self = Self {
        num: 1.0,
        den: 1.0,
        offset: 0.0,
    };

    fn scaled(self, factor: f32) -> Self {
        Self {
            num: self.num * factor,
            ..self
        }
    }

    /// After `border` pixels were added on every side of the layer.
    fn padded(self, border: u32) -> Self {
        Self {
            offset: self.offset + border as f32 * self.num / self.den,
            ..self
        }
    }

    /// After the layer was upscaled by `factor`.
    fn upscaled(self, factor: f32) -> Self {
        Self {
            den: self.den * factor,
            ..self
        }
    }

    fn point(self, x: f32, y: f32) -> (i32, i32) {
        let map = |v: f32| {
            let r = (v * self.num / self.den - self.offset).round();
            // `as` saturates for out-of-range floats and maps NaN to 0.
            r as i32
        };
        (map(x), map(y))
    }
}

/// State shared by all passes of one scan.
#[derive(Debug)]
pub(crate) struct Scan {
    triples_left: usize,
    /// Finder patterns the last pass found but decoded no symbol with.
    unused_patterns: usize,
    /// A decoder panicked in some pass (caught).
    pub(crate) panicked: bool,
}

impl Scan {
    pub(crate) fn new() -> Self {
        Self {
            triples_left: MAX_TRIPLES_PER_SCAN,
            unused_patterns: 0,
            panicked: false,
        }
    }

    /// Runs the pipeline: the pyramid's codes, or else those of the first fix that reads any.
    pub(crate) fn run(&mut self, img: &Gray<'_>) -> Vec<ScannedCode> {
        if img.width == 0 || img.height == 0 {
            return Vec::new();
        }
        // Pyramid: layers[0] is the original, each next one half the size.
        let mut layers: Vec<(Gray<'_>, f32)> = vec![(img.borrowed(), 1.0)];
        while let Some((last, factor)) = layers.last() {
            if last.long_side() <= DOWNSCALE_RETRY_ABOVE_PX || last.short_side() < 2 * MIN_SIDE_PX {
                break;
            }
            let next = (downscale_2x(last), factor * 2.0);
            layers.push(next);
        }
        // A finer layer is read when the coarser ones read nothing, or left finder patterns
        // unused (codes too small to decode there, next to the ones read). Codes found at a
        // finer layer come first (their corners are more precise); the caller drops the same
        // code found again at a coarser one.
        let mut found: Vec<ScannedCode> = Vec::new();
        let coarsest = layers.len().saturating_sub(1);
        for (i, (layer, factor)) in layers.iter().enumerate().rev() {
            // Below the coarsest layer, wide finder patterns were already looked for above.
            let limit = if i == coarsest {
                Width::Any
            } else {
                Width::CoarserLayerAbove
            };
            if !found.is_empty() && self.unused_patterns < MIN_UNUSED_PATTERNS {
                break;
            }
            let map = Mapping::IDENTITY.scaled(*factor);
            let mut codes = self.read(layer, Binariser::Local, map, limit);
            codes.append(&mut found);
            found = codes;
        }
        if !found.is_empty() {
            return found;
        }
        let Some((base, factor)) = layers.last() else {
            return Vec::new();
        };
        self.fixes(base, Mapping::IDENTITY.scaled(*factor))
    }

    /// The fallback passes, on the coarsest layer; each reads dark-on-light only.
    fn fixes(&mut self, base: &Gray<'_>, map: Mapping) -> Vec<ScannedCode> {
        // At most the short side: a long thin image must not grow by its long side.
        let border = (base.long_side() / PAD_FRACTION)
            .max(MIN_PAD_PX)
            .min(base.short_side().max(MIN_PAD_PX));
        let padded = pad(base, border, u8::MAX);
        let half = (base.short_side() >= 2 * MIN_SIDE_PX).then(|| downscale_2x(base));
        let attempts: [(Option<&Gray<'_>>, Binariser, Mapping); 5] = [
            // Glare, low contrast, or a code cropped without its quiet zone.
            (Some(&padded), Binariser::Global, map.padded(border)),
            (Some(base), Binariser::Global, map),
            // Noisy, dotted or "designer" modules: averaging 2x2 merges them.
            (half.as_ref(), Binariser::Local, map.scaled(2.0)),
            (half.as_ref(), Binariser::Global, map.scaled(2.0)),
            (Some(&padded), Binariser::Local, map.padded(border)),
        ];
        for (img, binariser, map) in attempts {
            if let Some(img) = img {
                let found = self.read_one(img, binariser, map, false, Width::Any);
                if !found.is_empty() {
                    return found;
                }
            }
        }
        if base.long_side() <= UPSCALE_BELOW_PX {
            // Modules of 1-2 pixels: the local binariser's 8x8 blocks are too coarse for them.
            let big = upscale_2x(base);
            let found = self.read_one(&big, Binariser::Local, map.upscaled(2.0), false, Width::Any);
            if !found.is_empty() {
                return found;
            }
        }
        if u64::from(base.width) * u64::from(base.height) <= RQRR_MAX_PIXELS {
            for inverted in [false, true] {
                let found = self.rqrr(base, inverted, map);
                if !found.is_empty() {
                    return found;
                }
            }
        }
        Vec::new()
    }

    /// Reads `img` as dark-on-light, then (if nothing was read) as light-on-dark.
    fn read(
        &mut self,
        img: &Gray<'_>,
        binariser: Binariser,
        map: Mapping,
        limit: Width,
    ) -> Vec<ScannedCode> {
        let found = self.read_one(img, binariser, map, false, limit);
        if !found.is_empty() {
            return found;
        }
        self.read_one(img, binariser, map, true, limit)
    }

    /// Binarises `img` (inverted first if asked: light-on-dark codes) and reads it.
    fn read_one(
        &mut self,
        img: &Gray<'_>,
        binariser: Binariser,
        map: Mapping,
        inverted: bool,
        limit: Width,
    ) -> Vec<ScannedCode> {
        if img.width < MIN_SIDE_PX || img.height < MIN_SIDE_PX {
            return Vec::new();
        }
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            if inverted {
                binarise(&invert(img), binariser)
            } else {
                binarise(img, binariser)
            }
        }));
        match outcome {
            Ok(Some(bits)) => {
                let max_width = limit.max_pattern_width(img);
                self.read_bits(&bits, map, max_width)
            }
            Ok(None) => Vec::new(),
            Err(_) => {
                self.panicked = true;
                Vec::new()
            }
        }
    }

    /// Finds finder-pattern triples in a binary image and decodes the symbols they frame.
    ///
    /// This is rxing's `QrReader` loop (zxing-cpp's `QRCode::Reader::decode`) restricted to QR
    /// Model 1/2 symbols, with the number of patterns and of triples tried bounded.
    fn read_bits(&mut self, bits: &BitMatrix, map: Mapping, max_width: u32) -> Vec<ScannedCode> {
        let triples_left = self.triples_left;
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            let mut patterns =
                finder::find_finder_patterns(bits, 0..=max_width, MAX_FINDER_PATTERNS_FOUND);
            patterns.sort_by_key(|p| Reverse(p.size));
            patterns.truncate(MAX_FINDER_PATTERNS);
            let sets = GenerateFinderPatternSets(&mut patterns);
            let mut used = Vec::new();
            let mut codes = Vec::new();
            let mut tried = 0usize;
            for set in &sets {
                if tried >= triples_left {
                    break;
                }
                // A pattern belongs to at most one symbol.
                if used.contains(&set.bl) || used.contains(&set.tl) || used.contains(&set.tr) {
                    continue;
                }
                tried += 1;
                let Ok(detected) = SampleQR(bits, set) else {
                    continue;
                };
                let Ok(decoded) = Decode(detected.getBits()) else {
                    continue;
                };
                if !decoded.isValid() {
                    continue;
                }
                used.extend([set.bl, set.tl, set.tr]);
                if let Some(code) = to_code(decoded.text(), detected.getPoints(), map) {
                    codes.push(code);
                }
            }
            let leftover = patterns.len().saturating_sub(used.len());
            (codes, tried, leftover)
        }));
        match outcome {
            Ok((codes, tried, leftover)) => {
                self.triples_left = self.triples_left.saturating_sub(tried);
                self.unused_patterns = leftover;
                codes
            }
            Err(_) => {
                self.panicked = true;
                self.unused_patterns = 0;
                // The pass's work is unknown: charge a quarter of what was left.
                self.triples_left = self.triples_left.saturating_sub(triples_left / 4);
                Vec::new()
            }
        }
    }

    /// rqrr's detector and decoder, as a second opinion.
    fn rqrr(&mut self, img: &Gray<'_>, inverted: bool, map: Mapping) -> Vec<ScannedCode> {
        let input = if inverted {
            invert(img)
        } else {
            img.borrowed()
        };
        let Some(input) = GrayImage::from_raw(input.width, input.height, input.pixels.into_owned())
        else {
            return Vec::new();
        };
        let outcome = catch_unwind(AssertUnwindSafe(move || {
            let mut prepared = rqrr::PreparedImage::prepare(input);
            let grids = prepared.detect_grids();
            let mut codes = Vec::new();
            for grid in &grids {
                // A panic while decoding one grid must not lose the others.
                if let Ok(Ok((_meta, text))) = catch_unwind(AssertUnwindSafe(|| grid.decode())) {
                    // Grid corners are whole pixels, exact in f32 for any supported size.
                    let corners = grid.bounds.map(|p| map.point(p.x as f32, p.y as f32));
                    codes.push(ScannedCode { text, corners });
                }
            }
            codes
        }));
        outcome.unwrap_or_else(|_| {
            self.panicked = true;
            Vec::new()
        })
    }
}

/// A decoded symbol with its corners mapped back to the original image.
///
/// rxing reports the corners as top-left, top-right, bottom-left, bottom-right (in the symbol's
/// own orientation); [`ScannedCode::corners`] goes round: top-left, top-right, bottom-right,
/// bottom-left.
fn to_code(text: String, points: &[rxing::Point], map: Mapping) -> Option<ScannedCode> {
    let corner = |i: usize| points.get(i).map(|p| map.point(p.x, p.y));
    Some(ScannedCode {
        text,
        corners: [corner(0)?, corner(1)?, corner(3)?, corner(2)?],
    })
}

/// Binarises with the chosen method; `None` if rxing refuses the dimensions. Images too small
/// for the local binariser's blocks get the global threshold.
fn binarise(img: &Gray<'_>, binariser: Binariser) -> Option<BitMatrix> {
    if binariser == Binariser::Local
        && let Some(bits) = binarize::local_average(img.width, img.height, &img.pixels)
    {
        return Some(bits);
    }
    let source = Luma8Source::new_with_slice(&img.pixels, img.width, img.height).ok()?;
    GlobalHistogramBinarizer::new(source)
        .get_black_matrix()
        .ok()
        .cloned()
}

/// Inverts grey levels (for light-on-dark codes).
fn invert(img: &Gray<'_>) -> Gray<'static> {
    Gray {
        width: img.width,
        height: img.height,
        pixels: Cow::Owned(img.pixels.iter().map(|&v| u8::MAX - v).collect()),
    }
}

/// Halves both dimensions by averaging 2x2 blocks (a trailing odd row/column is dropped).
pub(crate) fn downscale_2x(img: &Gray<'_>) -> Gray<'static> {
    let (w, h) = (img.width / 2, img.height / 2);
    let src_w = img.width as usize;
    let mut out = Vec::with_capacity(w as usize * h as usize);
    if src_w > 0 {
        for rows in img.pixels.chunks_exact(src_w * 2) {
            let (top, bottom) = rows.split_at(src_w);
            for (a, b) in top.chunks_exact(2).zip(bottom.chunks_exact(2)) {
                let sum: u16 = a.iter().chain(b).map(|&v| u16::from(v)).sum();
                // (4 * 255 + 2) / 4 fits a u8.
                out.push(u8::try_from((sum + 2) / 4).unwrap_or(u8::MAX));
            }
        }
    }
    Gray {
        width: w,
        height: h,
        pixels: Cow::Owned(out),
    }
}

/// Doubles both dimensions, each new pixel 3/4 its source pixel and 1/4 the neighbour it
/// faces (bilinear interpolation at the new pixel centres; edges repeat).
fn upscale_2x(img: &Gray<'_>) -> Gray<'static> {
    let w = img.width as usize;
    let mix = |a: u8, b: u8| u8::try_from((3 * u16::from(a) + u16::from(b) + 2) / 4).unwrap_or(0);
    let wide: Vec<Vec<u8>> = img
        .rows()
        .map(|row| {
            let mut out = Vec::with_capacity(2 * w);
            for (i, &v) in row.iter().enumerate() {
                let left = row.get(i.wrapping_sub(1)).copied().unwrap_or(v);
                let right = row.get(i + 1).copied().unwrap_or(v);
                out.push(mix(v, left));
                out.push(mix(v, right));
            }
            out
        })
        .collect();
    let mut out = Vec::with_capacity(4 * img.pixels.len());
    for (i, row) in wide.iter().enumerate() {
        let up = wide.get(i.wrapping_sub(1)).unwrap_or(row);
        let down = wide.get(i + 1).unwrap_or(row);
        out.extend(row.iter().zip(up).map(|(&v, &u)| mix(v, u)));
        out.extend(row.iter().zip(down).map(|(&v, &d)| mix(v, d)));
    }
    Gray {
        width: img.width.saturating_mul(2),
        height: img.height.saturating_mul(2),
        pixels: Cow::Owned(out),
    }
}

/// Surrounds the image with `border` pixels of `value` on every side.
fn pad(img: &Gray<'_>, border: u32, value: u8) -> Gray<'static> {
    let (pw, ph) = (img.width + 2 * border, img.height + 2 * border);
    let (b, pw_us) = (border as usize, pw as usize);
    let total = pw_us * ph as usize;
    let mut out = Vec::with_capacity(total);
    out.resize(pw_us * b, value);
    if img.width > 0 {
        for row in img.rows() {
            out.resize(out.len() + b, value);
            out.extend_from_slice(row);
            out.resize(out.len() + b, value);
        }
    }
    out.resize(total, value);
    Gray {
        width: pw,
        height: ph,
        pixels: Cow::Owned(out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gray(w: u32, h: u32, px: Vec<u8>) -> Gray<'static> {
        Gray::new(w, h, px).unwrap()
    }

    #[test]
    fn downscale_averages() {
        let small = downscale_2x(&gray(3, 2, vec![0, 255, 7, 255, 0, 7]));
        assert_eq!((small.width, small.height), (1, 1));
        assert_eq!(&*small.pixels, &[128]);
    }

    #[test]
    fn pad_invert_and_upscale() {
        let img = gray(2, 1, vec![0, 200]);
        let p = pad(&img, 2, 255);
        assert_eq!((p.width, p.height), (6, 5));
        assert_eq!(p.pixels.get(2 * 6 + 2..2 * 6 + 4), Some(&[0u8, 200][..]));
        assert_eq!(p.pixels.iter().filter(|&&v| v == 255).count(), 28);
        let u = upscale_2x(&img);
        assert_eq!((u.width, u.height), (4, 2));
        assert_eq!(&*u.pixels, &[0, 50, 150, 200, 0, 50, 150, 200]);
        assert_eq!(&*invert(&img).pixels, &[255, 55]);
    }

    #[test]
    fn gray_checks_its_buffer() {
        assert!(Gray::new(2, 2, vec![0; 3]).is_none());
        assert!(Gray::new(u32::MAX, u32::MAX, vec![]).is_none());
        assert!(Gray::new(0, 5, vec![]).is_some());
    }

    #[test]
    fn mapping_round_trips() {
        let m = Mapping::IDENTITY.scaled(2.0);
        assert_eq!(m.point(10.0, 20.5), (20, 41));
        assert_eq!(m.padded(8).point(10.0, 8.0), (4, 0));
        assert_eq!(Mapping::IDENTITY.upscaled(2.0).point(9.0, 20.0), (5, 10));
    }
}
