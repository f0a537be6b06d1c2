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
    let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), ec.to_qrcode())
        .map_err(|e| map_encode_error(e, text, ec))?;
    let version = match code.version() {
        qrcode::Version::Normal(v) => u8::try_from(v).ok(),
        qrcode::Version::Micro(_) => None,
    }
    .ok_or_else(|| QrError::Encode(format!("unexpected QR version {:?}", code.version())))?;
    let width = code.width();
    let dark = code
        .into_colors()
        .into_iter()
        .map(|c| c == qrcode::Color::Dark)
        .collect::<Vec<_>>();
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
