//! QR codes for yima transport texts: encoding, rendering and scanning.
//!
//! yima credentials travel as short alphanumeric texts (`YM1:` followed by Base45), which
//! fit the QR *alphanumeric* mode. This crate
//!
//! * encodes a text into the smallest QR symbol at a chosen error-correction level
//!   ([`encode`], [`versions_at_all_levels`]);
//! * renders a symbol as a 1-bit PNG, a compact SVG or Unicode terminal text
//!   ([`QrSymbol::to_png`], [`QrSymbol::to_svg`], [`QrSymbol::to_terminal`]);
//! * finds and reads every QR code in a PNG/JPEG/WebP photo or a grey pixel buffer
//!   ([`scan_image`], [`scan_luma`]) with rxing's port of zxing-cpp's detector (rqrr as a
//!   second opinion), refusing oversized files before decoding them ([`ScanLimits`]) and
//!   turning a panic inside a third-party decoder into [`ScanError::DecoderPanic`].
//!
//! ```
//! use yima_qr::{EcLevel, ScanLimits, encode, scan_image, DEFAULT_QUIET_ZONE};
//!
//! let symbol = encode("YM1:6BFOXN*TS0BI$ZD4N9:9S6RCVN5+O30K3", EcLevel::M)?;
//! assert_eq!(symbol.version(), 2);
//! let png = symbol.to_png(4, DEFAULT_QUIET_ZONE)?;
//! let codes = scan_image(&png, &ScanLimits::default())?;
//! assert_eq!(codes[0].text, "YM1:6BFOXN*TS0BI$ZD4N9:9S6RCVN5+O30K3");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod binarize;
mod detect;
mod error;
mod finder;
mod render;
mod scan;
mod symbol;

pub use error::{QrError, ScanError};
pub use render::{DEFAULT_QUIET_ZONE, MAX_PNG_SIDE_PX};
pub use scan::{DOWNSCALE_RETRY_ABOVE_PX, ScanLimits, ScannedCode, scan_image, scan_luma};
pub use symbol::{EcLevel, QrSymbol, encode, versions_at_all_levels};
