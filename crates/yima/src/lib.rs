//! # yima (一码)
//!
//! Signed, compact, offline-checkable credentials in QR codes: a health code shown at a venue gate, an
//! electronic social-security card, a business licence or food-business licence shown instead of the
//! paper original.
//!
//! This crate is the one to link from an application. It re-exports the pure format core
//! ([`yima_core`]: CBOR, COSE_Sign1, CWT claims, keys, verification) and, with the default `qr` feature,
//! QR rendering and photo scanning ([`qr`]).
//!
//! ```
//! use yima::{Claims, Credential, SigningKey, Unverified, VerifyOptions, issue, samples};
//!
//! // Issuer side: sign a health code and render it.
//! let key = SigningKey::from_seed(&[7u8; 32]);
//! let now = 1_767_225_600; // supplied by the caller: the core reads no clock
//! let claims: Claims = samples::claims(yima::Kind::HealthCode, now, [1, 2, 3, 4, 5, 6, 7, 8]);
//! let issued = issue(&claims, &key)?;
//! let png = yima::qr::encode(&issued.text, yima::qr::EcLevel::M)?.to_png(4, 4)?;
//!
//! // Venue side: scan the image, parse (unverified), verify with the trusted key at the current time.
//! let scanned = yima::qr::scan_image(&png, &yima::qr::ScanLimits::default())?;
//! let text = &scanned.first().ok_or("no code")?.text;
//! let verified = Unverified::parse(text)?.verify(&[key.verifying_key()], &VerifyOptions::at(now + 60))?;
//! assert!(matches!(verified.claims().credential, Credential::HealthCode(_)));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub use yima_core;
pub use yima_core::*;

/// QR rendering (PNG, SVG, terminal) and scanning of PNG/JPEG photos.
#[cfg(feature = "qr")]
pub mod qr {
    pub use yima_qr::*;
}

/// The README's Rust example is compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;
