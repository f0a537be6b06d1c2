//! Error types for encoding/rendering ([`QrError`]) and scanning ([`ScanError`]).

use crate::EcLevel;

/// Errors from building or rendering a QR symbol.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QrError {
    /// The text does not fit in a version-40 symbol at the requested error-correction level.
    #[error(
        "text of {len} bytes does not fit in a QR code (version 40) at error-correction level {ec}"
    )]
    TooLong {
        /// Length of the text in bytes.
        len: usize,
        /// The requested error-correction level.
        ec: EcLevel,
    },
    /// The QR encoder rejected the input for another reason (not expected for UTF-8 text).
    #[error("QR encoding failed: {0}")]
    Encode(String),
    /// The module size is zero or the rendered image would be larger than the supported maximum.
    #[error(
        "cannot render: module size {module_px} px with quiet zone {quiet_zone} gives an image side of {side_px} px (must be 1..={max} px)"
    )]
    RenderSize {
        /// Requested pixels per module.
        module_px: u32,
        /// Requested quiet zone in modules.
        quiet_zone: u32,
        /// Resulting image side in pixels (0 when `module_px` is 0).
        side_px: u64,
        /// Largest supported image side in pixels.
        max: u32,
    },
    /// The PNG encoder failed (not expected when writing to memory).
    #[error("PNG encoding failed: {0}")]
    Png(String),
    /// A string is not one of the error-correction level names `L`, `M`, `Q`, `H`.
    #[error("unknown error-correction level {0:?} (expected L, M, Q or H)")]
    UnknownEcLevel(String),
}

impl QrError {
    /// A stable machine-readable code for this error, e.g. `"qr.too-long"`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::TooLong { .. } => "qr.too-long",
            Self::Encode(_) => "qr.encode",
            Self::RenderSize { .. } => "qr.render-size",
            Self::Png(_) => "qr.png-encode",
            Self::UnknownEcLevel(_) => "qr.unknown-ec-level",
        }
    }
}

/// Errors from reading an image and looking for QR codes in it.
///
/// "No code found" is not an error: the scan functions return `Ok` with an empty list.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ScanError {
    /// The file is larger than [`ScanLimits::max_file_bytes`](crate::ScanLimits::max_file_bytes); it was not decoded.
    #[error("image file is {len} bytes, more than the limit of {max} bytes")]
    FileTooLarge {
        /// Size of the file in bytes.
        len: usize,
        /// The configured limit in bytes.
        max: usize,
    },
    /// The image's declared dimensions exceed the [`ScanLimits`](crate::ScanLimits); it was not decoded.
    #[error("image is {width}x{height} pixels, more than the configured limits allow")]
    TooLarge {
        /// Declared width in pixels.
        width: u32,
        /// Declared height in pixels.
        height: u32,
    },
    /// The bytes are not a PNG, JPEG or WebP file.
    #[error("unsupported image format (only PNG, JPEG and WebP are supported)")]
    UnsupportedFormat,
    /// The PNG, JPEG or WebP file is corrupt, truncated or uses an unsupported feature.
    #[error("cannot decode image: {0}")]
    Decode(String),
    /// The pixel buffer length does not match `width * height`.
    #[error("pixel buffer has {actual} bytes, expected {expected} for the given dimensions")]
    InvalidBuffer {
        /// `width * height`, or `usize::MAX` if that overflows.
        expected: usize,
        /// The buffer's actual length.
        actual: usize,
    },
    /// The QR detector/decoder panicked on this image and no code could be read.
    #[error("the QR decoder failed internally on this image (no code could be read)")]
    DecoderPanic,
}

impl ScanError {
    /// A stable machine-readable code for this error, e.g. `"image.too-large"`.
    ///
    /// Both size limits ([`ScanError::FileTooLarge`] and [`ScanError::TooLarge`]) share the
    /// code `"image.too-large"`; the message tells them apart.
    pub fn code(&self) -> &'static str {
        match self {
            Self::FileTooLarge { .. } | Self::TooLarge { .. } => "image.too-large",
            Self::UnsupportedFormat => "image.unsupported-format",
            Self::Decode(_) => "image.decode",
            Self::InvalidBuffer { .. } => "image.invalid-buffer",
            Self::DecoderPanic => "qr.decoder-panic",
        }
    }
}
