//! A fast local-average binariser: the algorithm of ZXing's `HybridBinarizer` (zxing-cpp's
//! `LocalAverage`), written for speed. It produces the same [`BitMatrix`] rxing's detector reads
//! (bit for bit when the sides are multiples of 8), about 3x faster than rxing's own
//! implementation, which sets one bit at a time (0.2 vs 0.65 ms for 640x480, 1.3 vs 4.4 ms for
//! 1920x1080, measured on the benchmark's frames).
//!
//! The image is cut into 8x8 blocks. Each block gets a black point: the mean of its pixels; or,
//! for a flat block (a range of at most 24 grey levels), half its minimum (taken to be light
//! background), unless that minimum is below the weighted mean black point of its upper, left
//! and upper-left neighbours, whose value it then takes (a flat block inside a dark area). A pixel
//! is black when it is at most the mean black point of the 5x5 blocks around its block (the
//! window clamped inside the image).

use rxing::common::{BitArray, BitMatrix};

const BLOCK: usize = 8;
const BLOCK_SHIFT: usize = 3;
/// Below this many pixels on a side there are too few blocks; callers use a global threshold.
pub(crate) const MIN_SIDE: usize = BLOCK * 5;
const MIN_DYNAMIC_RANGE: u8 = 24;
const WORD_BITS: usize = usize::BITS as usize;

/// Binarises `img`; `None` when it is smaller than [`MIN_SIDE`] on a side or rxing refuses the
/// dimensions.
pub(crate) fn local_average(width: u32, height: u32, pixels: &[u8]) -> Option<BitMatrix> {
    let (w, h) = (usize::try_from(width).ok()?, usize::try_from(height).ok()?);
    if w < MIN_SIDE || h < MIN_SIDE || pixels.len() != w.checked_mul(h)? {
        return None;
    }
    let (bw, bh) = (w.div_ceil(BLOCK), h.div_ceil(BLOCK));
    let points = black_points(pixels, w, h, bw, bh);
    let thresholds = block_thresholds(&points, bw, bh);

    let mut matrix = BitMatrix::new(width, height).ok()?;
    let mut row_bits = BitArray::with_size(w);
    const BLOCKS_PER_WORD: usize = WORD_BITS / BLOCK;
    for (y, row) in pixels.chunks_exact(w).enumerate() {
        let by = (y >> BLOCK_SHIFT).min(bh - 1);
        let row_thresholds = thresholds.get(by * bw..(by + 1) * bw)?;
        row_bits.clear();
        let mut word = 0usize;
        // Blocks of 8 pixels; a word holds 8 of them. `chunks` and `zip` keep it in bounds
        // (the number of chunks is bw).
        for (bx, (cells, &t)) in row.chunks(BLOCK).zip(row_thresholds).enumerate() {
            let slot = bx % BLOCKS_PER_WORD;
            word |= dark_mask(cells, t) << (slot * BLOCK);
            if slot == BLOCKS_PER_WORD - 1 || bx == bw - 1 {
                row_bits.setBulk((bx - slot) * BLOCK, word);
                word = 0;
            }
        }
        matrix.setRow(u32::try_from(y).ok()?, &row_bits);
    }
    Some(matrix)
}

/// Bit i set when `cells[i] <= t` (up to 8 cells).
#[inline]
fn dark_mask(cells: &[u8], t: u8) -> usize {
    if let Ok(cells) = <&[u8; BLOCK]>::try_from(cells) {
        // Eight 0/1 bytes gathered into one byte by a multiply (no carries: each product term
        // lands on its own bit).
        let mut flags = [0u8; BLOCK];
        for (f, &v) in flags.iter_mut().zip(cells) {
            *f = u8::from(v <= t);
        }
        let gathered = u64::from_le_bytes(flags).wrapping_mul(0x0102_0408_1020_4080) >> 56;
        // A byte's worth of bits always fits a usize.
        return usize::try_from(gathered).unwrap_or(0);
    }
    cells
        .iter()
        .enumerate()
        .fold(0, |mask, (i, &v)| mask | usize::from(v <= t) << i)
}

/// One black point per 8x8 block (row-major, `bw` x `bh`). The last block of a row/column is
/// the last 8 pixels of the image (overlapping its neighbour) as in ZXing.
fn black_points(pixels: &[u8], w: usize, h: usize, bw: usize, bh: usize) -> Vec<u8> {
    let mut points = vec![0u8; bw * bh];
    // Column-wise min, max and sum over the 8 rows of the current block row (element-wise over
    // whole rows, which the compiler vectorises), then reduced over each block's 8 columns.
    let mut col_min = vec![u8::MAX; w];
    let mut col_max = vec![0u8; w];
    let mut col_sum = vec![0u16; w];
    for by in 0..bh {
        let y0 = (by * BLOCK).min(h - BLOCK);
        col_min.fill(u8::MAX);
        col_max.fill(0);
        col_sum.fill(0);
        let rows = pixels.get(y0 * w..(y0 + BLOCK) * w).unwrap_or_default();
        for row in rows.chunks_exact(w) {
            let columns = col_min
                .iter_mut()
                .zip(col_max.iter_mut())
                .zip(col_sum.iter_mut());
            for (((lo, hi), sum), &v) in columns.zip(row) {
                *lo = (*lo).min(v);
                *hi = (*hi).max(v);
                *sum += u16::from(v);
            }
        }
        for bx in 0..bw {
            let x0 = (bx * BLOCK).min(w - BLOCK);
            let range = x0..x0 + BLOCK;
            let min = col_min
                .get(range.clone())
                .map_or(0, |c| c.iter().copied().min().unwrap_or(0));
            let max = col_max
                .get(range.clone())
                .map_or(0, |c| c.iter().copied().max().unwrap_or(0));
            let sum: u32 = col_sum
                .get(range)
                .map_or(0, |c| c.iter().map(|&v| u32::from(v)).sum());
            // The mean of 64 pixels fits a u8.
            let mut point = u8::try_from(sum >> (2 * BLOCK_SHIFT)).unwrap_or(u8::MAX);
            if max - min <= MIN_DYNAMIC_RANGE {
                point = min / 2;
                if by > 0 && bx > 0 {
                    let at = |x: usize, y: usize| {
                        u16::from(points.get(y * bw + x).copied().unwrap_or(0))
                    };
                    let neighbours = (at(bx, by - 1) + 2 * at(bx - 1, by) + at(bx - 1, by - 1)) / 4;
                    if u16::from(min) < neighbours {
                        point = u8::try_from(neighbours).unwrap_or(u8::MAX);
                    }
                }
            }
            if let Some(p) = points.get_mut(by * bw + bx) {
                *p = point;
            }
        }
    }
    points
}

/// Each block's threshold: the mean black point of the 5x5 blocks centred on it, the centre
/// clamped so the window stays inside the image.
fn block_thresholds(points: &[u8], bw: usize, bh: usize) -> Vec<u8> {
    // Sums over 5 consecutive blocks of each row, centred on the clamped column.
    let mut row_sums = vec![0u16; bw * bh];
    for by in 0..bh {
        let Some(row) = points.get(by * bw..(by + 1) * bw) else {
            continue;
        };
        for bx in 0..bw {
            let c = bx.clamp(2, bw - 3);
            let s: u16 = row
                .get(c - 2..=c + 2)
                .map_or(0, |cells| cells.iter().map(|&v| u16::from(v)).sum());
            if let Some(r) = row_sums.get_mut(by * bw + bx) {
                *r = s;
            }
        }
    }
    let mut out = vec![0u8; bw * bh];
    for by in 0..bh {
        let c = by.clamp(2, bh - 3);
        for bx in 0..bw {
            let s: u32 = (c - 2..=c + 2)
                .map(|y| u32::from(row_sums.get(y * bw + bx).copied().unwrap_or(0)))
                .sum();
            if let Some(o) = out.get_mut(by * bw + bx) {
                *o = u8::try_from(s / 25).unwrap_or(u8::MAX);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::GrayImage;
    use rxing::common::HybridBinarizer;
    use rxing::{Binarizer, Luma8Source};

    /// A deterministic test pattern: gradients, noise and hard edges.
    fn pattern(w: u32, h: u32) -> GrayImage {
        let mut state = 0x1234_5678u32;
        GrayImage::from_fn(w, h, |x, y| {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let noise = (state >> 27) as i32 - 16;
            let checker = if ((x / 7) + (y / 5)) % 2 == 0 {
                40
            } else {
                200
            };
            let gradient = (x * 60 / w) as i32;
            image::Luma([(checker + gradient + noise).clamp(0, 255) as u8])
        })
    }

    #[test]
    fn matches_rxing_hybrid_binarizer() {
        // Sizes that are and are not multiples of the block size.
        for (w, h) in [(64, 48), (77, 53), (130, 41)] {
            let img = pattern(w, h);
            let ours = local_average(w, h, img.as_raw()).unwrap();
            let source = Luma8Source::new_with_slice(img.as_raw(), w, h).unwrap();
            let binarizer = HybridBinarizer::new(source);
            let theirs = binarizer.get_black_matrix().unwrap();
            let differ = (0..h)
                .flat_map(|y| (0..w).map(move |x| (x, y)))
                .filter(|&(x, y)| ours.get(x, y) != theirs.get(x, y))
                .count();
            // Only pixels of the overlapping last block column/row may differ (ZXing ORs the
            // two thresholds there; we use the last block's).
            let overlap = (w % 8 != 0) as u32 * 8 * h + (h % 8 != 0) as u32 * 8 * w;
            assert!(differ as u32 <= overlap, "{w}x{h}: {differ} pixels differ");
            if w % 8 == 0 && h % 8 == 0 {
                assert_eq!(differ, 0, "{w}x{h}");
            }
        }
    }

    #[test]
    fn too_small_is_none() {
        assert!(local_average(39, 100, &[0; 3900]).is_none());
        assert!(local_average(40, 40, &[0; 1600]).is_some());
        assert!(local_average(40, 40, &[0; 1599]).is_none());
    }
}
