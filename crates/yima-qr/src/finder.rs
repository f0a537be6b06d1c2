//! Finder-pattern search: zxing-cpp's `FindFinderPatterns` (as ported by rxing) with a fast
//! run-length encoding of each scanned row.
//!
//! rxing's version turns every third row into run lengths one bit at a time, which costs about as
//! much as binarising the frame; here runs are read 64 pixels at a time from the bit matrix's words
//! (`trailing_ones`). Everything else (the 1:1:3:1:1 test, locating the concentric pattern) calls
//! rxing's own functions, so the patterns found are the same.

use std::ops::RangeInclusive;

use rxing::Point;
use rxing::common::BitMatrix;
use rxing::common::cpp_essentials::{
    ConcentricPattern, FindLeftGuardBy, FixedPattern, IsPattern, LocateConcentricPattern,
    PatternRow, PatternType, PatternView,
};

const LEN: usize = 5;
const SUM: usize = 7;
/// Dark, light, dark (3 wide), light, dark.
const PATTERN: FixedPattern<LEN, SUM, false> = FixedPattern::new([1, 1, 3, 1, 1]);
const PATTERN_BARS: [PatternType; LEN] = [1, 1, 3, 1, 1];
/// Rows scanned: every third (zxing-cpp's "try harder": codes down to 1 pixel per module).
const ROW_SKIP: u32 = 3;
const WORD_BITS: usize = usize::BITS as usize;

/// The five bar widths at the start of `view` (shorter views give `None`).
fn bars(view: &PatternView<'_>) -> Option<[PatternType; LEN]> {
    let mut it = view.iter();
    Some([it.next()?, it.next()?, it.next()?, it.next()?, it.next()?])
}

/// The next 1:1:3:1:1 candidate in `view` (zxing-cpp's `FindPattern` for QR finder patterns)
/// at least `min_width` pixels wide.
fn find_pattern(view: PatternView<'_>, min_width: u32) -> Option<PatternView<'_>> {
    FindLeftGuardBy::<LEN, _>(view, LEN, |window: &PatternView, space: Option<f32>| {
        let Some([a, b, c, d, e]) = bars(window) else {
            return false;
        };
        // Fast plausibility tests before the exact one.
        if c < 3 || c < 2 * a.max(e) || c < b.max(d) {
            return false;
        }
        let width = [a, b, c, d, e].iter().map(|&v| u32::from(v)).sum::<u32>();
        if width < min_width {
            return false;
        }
        IsPattern::<true, LEN, SUM, false>(window, &PATTERN, space, 0.1, 0.0, 0.0) != 0.0
    })
    .ok()
}

/// Run lengths of row `y`, starting with a (possibly empty) light run and ending with a light
/// run (0 if the row ends dark), as zxing-cpp's `GetPatternRow` makes them. Runs longer than
/// `PatternType::MAX` are cut there (no finder pattern is that wide).
fn row_runs(bits: &BitMatrix, y: u32, out: &mut Vec<PatternType>) {
    out.clear();
    let width = bits.getWidth() as usize;
    let row = bits.getRow(y);
    let words = row.getBitArray();
    let mut dark = false;
    let mut run = 0usize;
    let mut x = 0usize;
    let push = |out: &mut Vec<PatternType>, run: usize| {
        out.push(PatternType::try_from(run).unwrap_or(PatternType::MAX));
    };
    while x < width {
        let Some(&word) = words.get(x / WORD_BITS) else {
            break;
        };
        let offset = x % WORD_BITS;
        let available = (WORD_BITS - offset).min(width - x);
        // Bits of the current colour become ones.
        let same = if dark { word } else { !word } >> offset;
        let len = (same.trailing_ones() as usize).min(available);
        run += len;
        x += len;
        if len < available {
            push(out, run);
            run = 0;
            dark = !dark;
        }
    }
    if run != 0 {
        push(out, run);
    }
    if dark {
        out.push(0);
    }
}

/// The finder patterns on every third row of `bits` whose 1:1:3:1:1 cut along the row is
/// `widths` pixels wide, at most `max_count` of them (the first found, top to bottom).
///
/// The width bounds are ours (zxing-cpp has none). A wide candidate makes the concentric check
/// walk edges up to three times its width, and large shapes in a cluttered photo produce many
/// such candidates, row after row; sensor noise in a large frame produces a great many tiny
/// ones (1:1:3:1:1 pixels). A caller that also reads a coarser layer of the same image bounds
/// the width from above (large patterns are found, faster, at the coarser layer), and one
/// reading a large image from below (modules of about a pixel are unreadable in a camera frame).
/// The count cap bounds the search on hostile images: each candidate is checked against every
/// pattern found so far.
pub(crate) fn find_finder_patterns(
    bits: &BitMatrix,
    widths: RangeInclusive<u32>,
    max_count: usize,
) -> Vec<ConcentricPattern> {
    let height = bits.getHeight();
    let mut found: Vec<ConcentricPattern> = Vec::new();
    let mut runs = Vec::new();
    let mut y = ROW_SKIP - 1;
    while y < height {
        row_runs(bits, y, &mut runs);
        let row = PatternRow::new(runs.clone());
        let mut next = PatternView::new(&row);
        while let Some(view) = find_pattern(next, *widths.start()) {
            next = view;
            if !next.isValid() {
                break;
            }
            let Some([a, b, c, _, _]) = bars(&next) else {
                break;
            };
            let x =
                f32::from(next.pixelsInFront()) + f32::from(a) + f32::from(b) + f32::from(c) / 2.0;
            // Rows fit f32 exactly up to 2^24 pixels.
            let p = Point::new(x, y as f32 + 0.5);
            let inside_known = found
                .iter()
                .any(|old| Point::distance(p, old.p) < old.size as f32 / 2.0);
            let width: i32 = next.iter().map(i32::from).sum();
            let narrow_enough = u32::try_from(width).is_ok_and(|w| w <= *widths.end());
            if !inside_known && narrow_enough {
                // 3x the width: room for very skewed patterns.
                if let Some(pattern) =
                    LocateConcentricPattern::<true, LEN, SUM>(bits, &PATTERN_BARS, p, width * 3)
                {
                    found.push(pattern);
                    if found.len() >= max_count {
                        return found;
                    }
                }
            }
            next.skipPair();
            next.skipPair();
            next.extend();
        }
        y += ROW_SKIP;
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matrix(rows: &[&str]) -> BitMatrix {
        let h = rows.len() as u32;
        let w = rows.first().map_or(0, |r| r.len()) as u32;
        let mut m = BitMatrix::new(w, h).unwrap();
        for (y, row) in rows.iter().enumerate() {
            for (x, c) in row.chars().enumerate() {
                if c == '#' {
                    m.set(x as u32, y as u32);
                }
            }
        }
        m
    }

    #[test]
    fn runs_start_light_and_end_light() {
        let mut out = Vec::new();
        row_runs(&matrix(&["..##.#"]), 0, &mut out);
        assert_eq!(out, [2, 2, 1, 1, 0]);
        row_runs(&matrix(&["#..."]), 0, &mut out);
        assert_eq!(out, [0, 1, 3]);
        row_runs(&matrix(&["...."]), 0, &mut out);
        assert_eq!(out, [4]);
        // Across word boundaries.
        let long = format!("{}{}{}", ".".repeat(70), "#".repeat(100), ".".repeat(3));
        row_runs(&matrix(&[&long]), 0, &mut out);
        assert_eq!(out, [70, 100, 3]);
    }

    #[test]
    fn same_patterns_as_rxing() {
        // Two codes at different scales, one shifted off the word grid, on a noisy field.
        let a = crate::encode("YM1:FINDER PATTERNS", crate::EcLevel::M).unwrap();
        let b = crate::encode("YM1:ANOTHER ONE 0123456789", crate::EcLevel::Q).unwrap();
        let (w, h) = (400u32, 260u32);
        let mut state = 7u32;
        let mut m = BitMatrix::new(w, h).unwrap();
        for y in 0..h {
            for x in 0..w {
                state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                let in_code = |s: &crate::QrSymbol, x0: u32, y0: u32, px: u32| {
                    let n = s.width() as u32;
                    (x >= x0 && y >= y0 && x < x0 + n * px && y < y0 + n * px)
                        .then(|| s.module(((x - x0) / px) as usize, ((y - y0) / px) as usize))
                };
                let dark = in_code(&a, 13, 20, 4)
                    .or_else(|| in_code(&b, 201, 37, 6))
                    .unwrap_or(state >> 29 == 0);
                if dark {
                    m.set(x, y);
                }
            }
        }
        let ours = find_finder_patterns(&m, 0..=u32::MAX, usize::MAX);
        let theirs = rxing::qrcode::cpp_port::detector::FindFinderPatterns(&m, true, 0);
        assert!(ours.len() >= 6, "{ours:?}");
        assert_eq!(ours, theirs);
        // The 6-pixel modules' patterns are 42 pixels wide, the 4-pixel ones 28.
        let narrow = find_finder_patterns(&m, 0..=30, usize::MAX);
        assert_eq!(narrow.len(), 3, "{narrow:?}");
        assert!(narrow.iter().all(|p| p.p.x < 200.0));
        let wide = find_finder_patterns(&m, 35..=u32::MAX, usize::MAX);
        assert_eq!(wide.len(), 3, "{wide:?}");
        assert!(wide.iter().all(|p| p.p.x > 200.0));
        assert_eq!(find_finder_patterns(&m, 0..=u32::MAX, 2), theirs[..2]);
    }
}
