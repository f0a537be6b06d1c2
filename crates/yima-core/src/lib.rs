//! # yima-core
//!
//! The pure format core of yima (一码): signed, compact, offline-checkable credentials carried as
//! QR-friendly text. A credential is a COSE_Sign1 (RFC 9052, tag 18) signed with Ed25519, whose payload is
//! a CWT claims set (RFC 8392) with one credential claim; the transport text is `YM1:` + Base45 (RFC 9285).
//! The wire format is specified in `docs/format.md`.
//!
//! This crate performs no file, clock, terminal or image I/O: callers supply keys, time and text.
//!
//! ```
//! use yima_core::{claims::*, credential::*, keys::SigningKey};
//!
//! let key = SigningKey::from_seed(&[1u8; 32]);
//! let claims = Claims {
//!     issuer: "SH".into(),
//!     issued_at: 1_767_225_600,
//!     expires_at: 1_767_225_600 + 86_400,
//!     not_before: None,
//!     credential_id: None,
//!     confirmation: None,
//!     status: None,
//!     credential: Credential::HealthCode(HealthCode::new(
//!         HealthStatus::Green, "金*", vec![0x5a; 10], 310104, None,
//!     )?),
//! };
//! let issued = issue(&claims, &key)?;
//! assert!(issued.text.starts_with("YM1:"));
//!
//! // At the gate: parse (unverified), then verify with the issuer's public key and the current time.
//! let unverified = Unverified::parse(&issued.text)?;
//! let verified = unverified.verify(&[key.verifying_key()], &VerifyOptions::at(1_767_230_000))?;
//! assert_eq!(verified.claims(), &claims);
//!
//! // One hour after expiry the same code is refused with a stable code.
//! let err = unverified.verify(&[key.verifying_key()], &VerifyOptions::at(1_767_315_600)).unwrap_err();
//! assert_eq!(err.code(), "time.expired");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod base45;
pub mod batch;
pub mod cbor;
pub mod claims;
pub mod cose;
pub mod credential;
pub mod date;
pub mod error;
pub mod ident;
pub mod keys;
pub mod policy;
pub mod presentation;
pub mod samples;
pub mod status;
pub mod transport;
pub mod trust;

pub use claims::{Claims, Credential, Kind};
pub use credential::{Issued, Unverified, Verified, VerifyOptions, issue, issue_with, verify_text};
pub use error::{IssueError, KeyError, SignerError, Stage, VerifyError};
pub use keys::{Signer, SigningKey, VerifyingKey};
