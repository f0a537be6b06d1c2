//! Building QR symbols: [`EcLevel`], [`QrSymbol`], [`encode`], [`versions_at_all_levels`].

use std::fmt;
use std::str::FromStr;

use crate::QrError;

/// QR error-correction level: how much of the symbol may be damaged and still be read.
///
/// Higher levels need a larger symbol for the same text. The default is [`EcLevel::M`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum EcLevel {
    /// Low: recovers about 7% of the codewords.
    L,
    /// Medium (default): recovers about 15% of the codewords.
    #[default]
    M,
    /// Quartile: recovers about 25% of the codewords.
    Q,
    /// High: recovers about 30% of the codewords.
    H,
}

impl EcLevel {
    /// All four levels, lowest first.
    pub const ALL: [EcLevel; 4] = [EcLevel::L, EcLevel::M, EcLevel::Q, EcLevel::H];

    /// The one-letter name: `"L"`, `"M"`, `"Q"` or `"H"`.
    pub fn as_str(self) -> &'static str {
        match self {
            EcLevel::L => "L",
            EcLevel::M => "M",
            EcLevel::Q => "Q",
            EcLevel::H => "H",
        }
    }

    fn to_qrcode(self) -> qrcode::EcLevel {
        match self {
            EcLevel::L => qrcode::EcLevel::L,
            EcLevel::M => qrcode::EcLevel::M,
            EcLevel::Q => qrcode::EcLevel::Q,
            EcLevel::H => qrcode::EcLevel::H,
        }
    }
}

impl fmt::Display for EcLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for EcLevel {
    type Err = QrError;

    /// Parses `L`, `M`, `Q` or `H` (case-insensitive, surrounding whitespace ignored).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "L" | "l" => Ok(EcLevel::L),
            "M" | "m" => Ok(EcLevel::M),
            "Q" | "q" => Ok(EcLevel::Q),
            "H" | "h" => Ok(EcLevel::H),
            _ => Err(QrError::UnknownEcLevel(s.to_owned())),
        }
    }
}

/// An encoded QR code: a square grid of dark and light modules.
///
/// Build one with [`encode`]; render it with [`QrSymbol::to_png`], [`QrSymbol::to_svg`] or
/// [`QrSymbol::to_terminal`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrSymbol {
    version: u8,
    ec: EcLevel,
    width: usize,
    /// Row-major, `true` = dark.
    dark: Vec<bool>,
}

impl QrSymbol {
    /// The QR version, 1 to 40 (a version-`v` symbol is `17 + 4v` modules wide).
    pub fn version(&self) -> u8 {
        self.version
    }

    /// The error-correction level the symbol was built with.
    pub fn ec_level(&self) -> EcLevel {
        self.ec
    }

    /// The symbol's width (and height) in modules, without the quiet zone.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Whether the module at column `x`, row `y` is dark.
    ///
    /// Coordinates outside the symbol (for example in the quiet zone) are light (`false`).
    pub fn module(&self, x: usize, y: usize) -> bool {
        if x >= self.width || y >= self.width {
            return false;
        }
        y.checked_mul(self.width)
            .and_then(|row| row.checked_add(x))
            .and_then(|i| self.dark.get(i))
            .copied()
            .unwrap_or(false)
    }

    /// Number of dark modules in the symbol.
    pub fn dark_module_count(&self) -> usize {
        self.dark.iter().filter(|d| **d).count()
    }

    /// Whether the module at (`x`, `y`) in quiet-zone-padded coordinates is dark.
    ///
    /// `x` and `y` count from the top-left corner of the quiet zone.
    pub(crate) fn padded_module(&self, x: u64, y: u64, quiet_zone: u64) -> bool {
        match (x.checked_sub(quiet_zone), y.checked_sub(quiet_zone)) {
            (Some(mx), Some(my)) => match (usize::try_from(mx), usize::try_from(my)) {
                (Ok(mx), Ok(my)) => self.module(mx, my),
                _ => false,
            },
            _ => false,
        }
    }
}

/// Encodes `text` as a QR symbol of the smallest version that fits at error-correction level `ec`.
///
/// The encoder segments the text optimally: text made only of the QR alphanumeric set
/// (`0-9 A-Z space $ % * + - . / :`, which includes the Base45 alphabet and `YM1:`) is
/// stored in alphanumeric mode (5.5 bits per character) with digit runs in numeric mode;
/// other characters use byte mode (UTF-8 bytes, no ECI header).
///
/// # Errors
/// [`QrError::TooLong`] if the text does not fit in a version-40 symbol at that level.
pub fn encode(text: &str, ec: EcLevel) -> Result<QrSymbol, QrError> {
    // The steps of `qrcode::QrCode::with_error_correction_level`, with the mask chosen by `best_mask`
    // (the same choice, about ten times faster than `Canvas::apply_best_mask`).
    let level = ec.to_qrcode();
    let bits = qrcode::bits::encode_auto(text.as_bytes(), level)
        .map_err(|e| map_encode_error(e, text, ec))?;
    let qr_version = bits.version();
    let version = match qr_version {
        qrcode::Version::Normal(v) => u8::try_from(v).ok(),
        qrcode::Version::Micro(_) => None,
    }
    .ok_or_else(|| QrError::Encode(format!("unexpected QR version {qr_version:?}")))?;
    let (data, ec_data) = qrcode::ec::construct_codewords(&bits.into_bytes(), qr_version, level)
        .map_err(|e| map_encode_error(e, text, ec))?;
    let mut canvas = qrcode::canvas::Canvas::new(qr_version, level);
    canvas.draw_all_functional_patterns();
    canvas.draw_data(&data, &ec_data);
    let width = usize::try_from(qr_version.width())
        .map_err(|_| QrError::Encode("negative QR width".into()))?;
    let dark = best_mask(&canvas, width, level);
    if width.checked_mul(width) != Some(dark.len()) {
        return Err(QrError::Encode(
            "module count does not match the symbol width".into(),
        ));
    }
    Ok(QrSymbol {
        version,
        ec,
        width,
        dark,
    })
}

/// BCH-coded format information of normal QR codes (ISO/IEC 18004 Table C.1), indexed by
/// `(ec_level_bits << 3) | mask`, with the level bits of `qrcode`'s `(EcLevel as usize) ^ 1`.
const FORMAT_INFOS: [u16; 32] = [
    0x5412, 0x5125, 0x5e7c, 0x5b4b, 0x45f9, 0x40ce, 0x4f97, 0x4aa0, 0x77c4, 0x72f3, 0x7daa, 0x789d,
    0x662f, 0x6318, 0x6c41, 0x6976, 0x1689, 0x13be, 0x1ce7, 0x19d0, 0x0762, 0x0255, 0x0d0c, 0x083b,
    0x355f, 0x3068, 0x3f31, 0x3a06, 0x24b4, 0x2183, 0x2eda, 0x2bed,
];

/// Where the 15 format bits go, most significant first (negative coordinates count from the far side):
/// around the top-left finder, and split between the bottom-left and top-right finders.
const FORMAT_COORDS: [[(i32, i32); 15]; 2] = [
    [
        (0, 8),
        (1, 8),
        (2, 8),
        (3, 8),
        (4, 8),
        (5, 8),
        (7, 8),
        (8, 8),
        (8, 7),
        (8, 5),
        (8, 4),
        (8, 3),
        (8, 2),
        (8, 1),
        (8, 0),
    ],
    [
        (8, -1),
        (8, -2),
        (8, -3),
        (8, -4),
        (8, -5),
        (8, -6),
        (8, -7),
        (-8, 8),
        (-7, 8),
        (-6, 8),
        (-5, 8),
        (-4, 8),
        (-3, 8),
        (-2, 8),
        (-1, 8),
    ],
];

/// Mask pattern `mask` (0 to 7) at column `x`, row `y`: whether a data module is inverted.
fn mask_bit(mask: usize, x: usize, y: usize) -> bool {
    match mask {
        0 => (x + y).is_multiple_of(2),
        1 => y.is_multiple_of(2),
        2 => x.is_multiple_of(3),
        3 => (x + y).is_multiple_of(3),
        4 => (y / 2 + x / 3).is_multiple_of(2),
        5 => (x * y) % 2 + (x * y) % 3 == 0,
        6 => ((x * y) % 2 + (x * y) % 3).is_multiple_of(2),
        _ => ((x + y) % 2 + (x * y) % 3).is_multiple_of(2),
    }
}

/// Masks the data modules with each of the eight patterns (0 to 7, the order `qrcode` tries them), draws
/// the format information, and keeps the modules with the lowest [`penalty`], the first on ties: the
/// result of `qrcode::canvas::Canvas::apply_mask` with the pattern `Canvas::apply_best_mask` picks, for
/// normal QR codes.
fn best_mask(canvas: &qrcode::canvas::Canvas, width: usize, level: qrcode::EcLevel) -> Vec<bool> {
    use qrcode::canvas::Module;
    let side = i16::try_from(width).unwrap_or(i16::MAX);
    // 0: light, 1: dark (functional, never masked); 2: light, 3: dark (data); 4: empty (masked as light).
    let cells: Vec<u8> = (0..side)
        .flat_map(|y| (0..side).map(move |x| (x, y)))
        .map(|(x, y)| match canvas.get(x, y) {
            Module::Masked(c) => u8::from(c == qrcode::Color::Dark),
            Module::Unmasked(c) => 2 + u8::from(c == qrcode::Color::Dark),
            Module::Empty => 4,
        })
        .collect();
    let wrap = |v: i32| {
        let w = i32::try_from(width).unwrap_or(i32::MAX);
        usize::try_from(if v < 0 { v + w } else { v }).unwrap_or(usize::MAX)
    };
    let mut best: Option<(u16, Vec<bool>)> = None;
    for mask in 0..8 {
        let mut dark: Vec<bool> = Vec::with_capacity(cells.len());
        for (y, row) in cells.chunks_exact(width).enumerate() {
            dark.extend(row.iter().enumerate().map(|(x, &cell)| match cell {
                0 | 1 => cell == 1,
                2 | 3 => (cell == 3) != mask_bit(mask, x, y),
                _ => mask_bit(mask, x, y),
            }));
        }
        let format = FORMAT_INFOS
            .get((((level as usize) ^ 1) << 3) | mask)
            .copied()
            .unwrap_or(0);
        let mut put = |x: i32, y: i32, on: bool| {
            if let Some(m) = dark.get_mut(wrap(y).saturating_mul(width).saturating_add(wrap(x))) {
                *m = on;
            }
        };
        for coords in &FORMAT_COORDS {
            for (bit, &(x, y)) in coords.iter().enumerate() {
                put(x, y, format & (0x4000 >> bit) != 0);
            }
        }
        put(8, -8, true);
        let score = penalty(&dark, width);
        if best.as_ref().is_none_or(|(s, _)| score < *s) {
            best = Some((score, dark));
        }
    }
    best.map(|(_, dark)| dark).unwrap_or_default()
}

/// The total penalty `qrcode` 0.14 computes for a masked normal QR symbol (`dark` row-major, `width`
/// square), in its arithmetic: each part a `u16` (wrapping, as in its release build), summed wrapping.
///
/// - runs of 5 + k modules of one colour in a row or column: 3 + k each;
/// - 2×2 blocks of one colour (overlapping): 3 each;
/// - `#.###.#` in a row or column with 4 light (or outside) modules on at least one side: 40 each, minus
///   360 per direction (the finder patterns' own matches);
/// - balance: |dark × 200 / total − 100|.
fn penalty(dark: &[bool], width: usize) -> u16 {
    if width == 0 {
        0
    } else if width <= 128 {
        penalty_bits(dark, width)
    } else {
        penalty_scalar(dark, width)
    }
}

/// [`penalty`] one module at a time, for any width.
fn penalty_scalar(dark: &[bool], width: usize) -> u16 {
    let rows: Vec<u8> = dark.iter().map(|&d| u8::from(d)).collect();
    let mut columns = vec![0u8; rows.len()];
    for (y, row) in rows.chunks_exact(width).enumerate() {
        for (x, &m) in row.iter().enumerate() {
            if let Some(t) = columns.get_mut(x * width + y) {
                *t = m;
            }
        }
    }
    let mut runs = 0u32;
    let mut finder = [0u32; 2];
    for (lines, count) in [&rows, &columns].into_iter().zip(finder.iter_mut()) {
        for line in lines.chunks_exact(width) {
            runs += line_runs(line);
            *count += line_finder(line);
        }
    }
    let mut blocks = 0u32;
    for pair in rows.chunks_exact(width).collect::<Vec<_>>().windows(2) {
        if let [top, bottom] = pair {
            for (t, b) in top.windows(2).zip(bottom.windows(2)) {
                if let ([a, b1], [c, d]) = (t, b)
                    && a == b1
                    && a == c
                    && a == d
                {
                    blocks += 3;
                }
            }
        }
    }
    let ratio = rows.iter().filter(|&&d| d == 1).count() * 200 / rows.len();
    let balance = ratio.abs_diff(100);
    // Truncation to u16 is the wrapping of qrcode's u16 accumulators.
    (runs as u16)
        .wrapping_add(blocks as u16)
        .wrapping_add((finder[0] as u16).wrapping_sub(360))
        .wrapping_add((finder[1] as u16).wrapping_sub(360))
        .wrapping_add(balance as u16)
}

/// [`penalty`] for symbols up to 128 modules wide (versions 1 to 27), with each row and column packed in
/// a `u128` (bit x = module x, dark = 1; bits past the width are 0, i.e. light, as `qrcode` treats the
/// outside in the finder rule).
fn penalty_bits(dark: &[bool], width: usize) -> u16 {
    let mut rows = vec![0u128; width];
    let mut columns = vec![0u128; width];
    for (y, (line, row)) in dark.chunks_exact(width).zip(rows.iter_mut()).enumerate() {
        for (x, (&d, column)) in line.iter().zip(columns.iter_mut()).enumerate() {
            if d {
                *row |= 1 << x;
                *column |= 1 << y;
            }
        }
    }
    let all = if width >= 128 {
        u128::MAX
    } else {
        (1u128 << width) - 1
    };
    // Bit x: module x equals module x + 1 (x < width − 1).
    let pairs = |r: u128| !(r ^ (r >> 1)) & (all >> 1);
    let (mut runs, mut finder) = (0u32, [0u32; 2]);
    for (lines, count) in [&rows, &columns].into_iter().zip(finder.iter_mut()) {
        for &r in lines {
            // Windows of 5 equal modules; a run of length L ≥ 5 has L − 4 of them, and scores L − 2.
            let e = pairs(r);
            let five = e & (e >> 1) & (e >> 2) & (e >> 3);
            let starts = five & !(five << 1);
            runs += five.count_ones() + 2 * starts.count_ones();
            // #.###.# at j, and whether a dark module is among the 4 before / the 4 after it.
            let pattern = r & !(r >> 1) & (r >> 2) & (r >> 3) & (r >> 4) & !(r >> 5) & (r >> 6);
            let before = (r << 1) | (r << 2) | (r << 3) | (r << 4);
            let after = (r >> 7) | (r >> 8) | (r >> 9) | (r >> 10);
            *count += 40 * (pattern & !(before & after)).count_ones();
        }
    }
    let blocks: u32 = rows
        .windows(2)
        .map(|w| match w {
            [a, b] => 3 * (pairs(*a) & pairs(*b) & !(a ^ b)).count_ones(),
            _ => 0,
        })
        .sum();
    let dark_count: u32 = rows.iter().map(|r| r.count_ones()).sum();
    let ratio = dark_count as usize * 200 / dark.len().max(1);
    let balance = ratio.abs_diff(100);
    (runs as u16)
        .wrapping_add(blocks as u16)
        .wrapping_add((finder[0] as u16).wrapping_sub(360))
        .wrapping_add((finder[1] as u16).wrapping_sub(360))
        .wrapping_add(balance as u16)
}

/// Runs of 5 + k equal modules in one line: 3 + k each.
fn line_runs(line: &[u8]) -> u32 {
    let mut score = 0;
    let mut run = 0u32;
    let mut last = None;
    for &m in line {
        if Some(m) == last {
            run += 1;
        } else {
            if run >= 5 {
                score += run - 2;
            }
            last = Some(m);
            run = 1;
        }
    }
    if run >= 5 {
        score += run - 2;
    }
    score
}

/// `#.###.#` in one line with no dark module among the 4 before it or among the 4 after it (the line's
/// ends count as light): 40 each.
fn line_finder(line: &[u8]) -> u32 {
    const PATTERN: u8 = 0b101_1101;
    let mut score = 0;
    let mut window = 0u8;
    for (end, &m) in line.iter().enumerate() {
        window = ((window << 1) | m) & 0x7f;
        // The pattern occupies j..j + 7 with j + 6 == end.
        if end < 6 || window != PATTERN {
            continue;
        }
        let j = end - 6;
        let before = line.get(j.saturating_sub(4)..j).unwrap_or_default();
        let after = line
            .get(j + 7..(j + 11).min(line.len()))
            .unwrap_or_default();
        if !before.contains(&1) || !after.contains(&1) {
            score += 40;
        }
    }
    score
}

fn map_encode_error(e: qrcode::types::QrError, text: &str, ec: EcLevel) -> QrError {
    match e {
        qrcode::types::QrError::DataTooLong => QrError::TooLong {
            len: text.len(),
            ec,
        },
        other => QrError::Encode(other.to_string()),
    }
}

/// The smallest QR version that holds `text` at each error-correction level, lowest level first.
///
/// `None` means the text does not fit in version 40 at that level. This only computes the
/// segmentation, so it is much cheaper than calling [`encode`] four times.
pub fn versions_at_all_levels(text: &str) -> [(EcLevel, Option<u8>); 4] {
    EcLevel::ALL.map(|ec| {
        let version = qrcode::bits::encode_auto(text.as_bytes(), ec.to_qrcode())
            .ok()
            .and_then(|bits| match bits.version() {
                qrcode::Version::Normal(v) => u8::try_from(v).ok(),
                qrcode::Version::Micro(_) => None,
            });
        (ec, version)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_penalty_equals_module_by_module_penalty() {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for width in [1, 7, 11, 21, 25, 49, 64, 65, 101, 125, 127, 128] {
            for density in [2u64, 3, 7] {
                // Sparse, balanced and dense grids, with long runs and finder-like patterns likely.
                let dark: Vec<bool> = (0..width * width).map(|_| next() % density == 0).collect();
                assert_eq!(
                    penalty_bits(&dark, width),
                    penalty_scalar(&dark, width),
                    "width {width}, density 1/{density}"
                );
                let light: Vec<bool> = dark.iter().map(|d| !d).collect();
                assert_eq!(penalty_bits(&light, width), penalty_scalar(&light, width));
            }
        }
    }
}
