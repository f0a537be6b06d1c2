//! # yima-eudcc
//!
//! The EU Digital COVID Certificate (DCC, "hcert") verification profile of yima: `HC1:` + Base45 +
//! zlib + COSE_Sign1 (ES256 or PS256) over a CWT whose claim -260 carries the certificate, signed by a
//! Document Signer Certificate (DSC) that the verifier trusts.
//!
//! This crate does no file, clock or network I/O: the caller supplies the text, the [`TrustList`] and
//! the time. Every rejection is a [`DccError`] with a stable code (`dcc.*`) and a [`Stage`].
//!
//! ```no_run
//! use yima_eudcc::{TrustList, verify};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let dsc_der: Vec<u8> = Vec::new(); let scanned = "HC1:...";
//! let mut trust = TrustList::new();
//! trust.add_der(&dsc_der)?; // a DSC; its kid is the first 8 bytes of SHA-256 of the DER
//! let now = 1_620_064_800; // the caller supplies the time
//! match verify(scanned, &trust, now) {
//!     Ok(v) => println!("valid: {}", v.claims().hcert),
//!     Err(e) => println!("invalid: {} ({})", e.code(), e),
//! }
//! # Ok(()) }
//! ```
//!
//! ## Stages and their order
//!
//! | # | stage | checks | codes |
//! |---|---|---|---|
//! | 1 | `prefix` | text ≤ 4296 bytes; `HC1:` | `dcc.too-long`, `dcc.prefix` |
//! | 2 | `base45` | strict RFC 9285 | `dcc.base45` |
//! | 3 | `decompress` | one zlib stream, nothing after it, ≤ 32 KiB out (uncompressed COSE is refused) | `dcc.decompress`, `dcc.too-large` |
//! | 4 | `cose` | COSE_Sign1 (tag 18, untagged, or 61(18)); lenient bounded CBOR, no trailing bytes; `alg` ES256/PS256; `kid` (protected wins over unprotected) | `dcc.cose`, `dcc.alg-unsupported`, `dcc.kid` |
//! | 5 | `key` | trusted DSCs with this `kid`; one whose key fits `alg` (ES256 → P-256, PS256 → RSA 2048–8192) | `dcc.key-unknown`, `dcc.alg-mismatch` |
//! | 6 | `signature` | over `["Signature1", protected, h'', payload]` built from the **received** bytes | `dcc.signature` |
//! | 7 | `claims` | payload CBOR; `iat`, `exp` (integer or float), hcert -260 → 1 as JSON holding exactly one of `v`/`t`/`r` (a non-empty array) | `dcc.cbor`, `dcc.claims` |
//! | 8 | `key-usage` | the DSC's extended key usage, if it names DCC types, covers every type present (`t`/`v`/`r`) | `dcc.key-usage` |
//! | 9 | `dsc-validity` | the DSC was valid at `iat` and is valid now (± leeway) | `dcc.dsc-not-yet-valid`, `dcc.dsc-expired` |
//! | 10 | `time` | `now ≤ exp` then `iat ≤ now` (± leeway); `exp` itself is still valid | `dcc.expired`, `dcc.not-yet-valid` |
//!
//! ### Decisions
//!
//! - **DSC validity.** A DSC must have been valid when it signed (`notBefore ≤ iat ≤ notAfter`), so a
//!   back-dated or post-expiry signature is refused, and must still be valid at verification time: DSC
//!   expiry is how a signer is retired. A DCC's `exp` may lie beyond its DSC's `notAfter` (FR and HU
//!   issue such certificates); it simply stops verifying when the DSC expires.
//! - **`exp` is inclusive**: a certificate verified at exactly `exp` is valid (the dgc-testdata cases set
//!   the clock to `exp` and expect a pass). Fractional `iat`/`exp` are rounded down.
//! - **Key usage**: the OIDs `1.3.6.1.4.1.1847.2021.1.{1,2,3}` (test, vaccination, recovery) and the
//!   variant `1.3.6.1.4.1.0.1847.2021.1.{1,2,3}` found in real DSCs restrict a DSC; a DSC whose extended
//!   key usage names none of them (or has none) may sign every type.
//! - **Header buckets**: `kid` and `alg` are read from the protected header, else the unprotected one.
//!   That is safe because a kid only selects candidates and each key is bound to one algorithm.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod cbor;
pub mod claims;
pub mod cose;
pub mod crypto;
pub mod error;
pub mod transport;
pub mod trust;

pub use claims::Claims;
pub use cose::{Alg, KidLocation, Sign1};
pub use error::{DccError, Stage, TrustError};
pub use trust::{CertTypes, Dsc, DscKey, TrustList};

/// The clock and tolerance of a verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// The current time, seconds since the epoch.
    pub now: u64,
    /// Clock-skew tolerance applied to every comparison with `now`, in seconds.
    pub leeway: u64,
}

impl Options {
    /// Verification at `now` with no leeway.
    pub fn at(now: u64) -> Self {
        Options { now, leeway: 0 }
    }
}

/// A parsed but not yet verified EU DCC (stages 1–4). Its claims are readable only through
/// [`Unverified::unverified_claims`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unverified {
    sign1: Sign1,
}

impl Unverified {
    /// Parses an `HC1:` text: prefix, Base45, zlib, COSE_Sign1 structure and headers.
    pub fn parse(text: &str) -> Result<Self, DccError> {
        Self::from_cose(&transport::decode(text)?)
    }

    /// Parses COSE bytes (already decompressed).
    pub fn from_cose(cose: &[u8]) -> Result<Self, DccError> {
        if cose.len() > transport::MAX_COSE_BYTES {
            return Err(DccError::TooLarge {
                max: transport::MAX_COSE_BYTES,
            });
        }
        Ok(Unverified {
            sign1: Sign1::parse(cose)?,
        })
    }

    /// The COSE_Sign1 (headers, received bytes).
    pub fn sign1(&self) -> &Sign1 {
        &self.sign1
    }

    /// The claims, decoded WITHOUT checking the signature: for display marked as unverified only.
    pub fn unverified_claims(&self) -> Result<Claims, DccError> {
        claims::parse(self.sign1.payload_bytes())
    }

    /// Stages 5–6: finds the DSCs with this `kid` whose key fits `alg`, and returns the first under which
    /// the signature verifies.
    pub fn verify_signature<'t>(&self, trust: &'t TrustList) -> Result<&'t Dsc, DccError> {
        let s = &self.sign1;
        let candidates = trust.candidates(s.kid());
        let Some(first) = candidates.first() else {
            return Err(DccError::KeyUnknown(hex(s.kid())));
        };
        let mut fitting = candidates
            .iter()
            .filter(|d| crypto::key_fits(s.alg(), d.key()))
            .peekable();
        if fitting.peek().is_none() {
            return Err(DccError::AlgMismatch {
                alg: s.alg().name(),
                key: first.key().describe(),
            });
        }
        let msg = s.sig_structure();
        fitting
            .find(|d| crypto::verify(s.alg(), d.key(), &msg, s.signature()))
            .ok_or(DccError::Signature)
    }

    /// Every stage: signature, claims, key usage, DSC validity, time.
    pub fn verify(&self, trust: &TrustList, opts: &Options) -> Result<Verified, DccError> {
        let dsc = self.verify_signature(trust)?;
        let claims = claims::parse(self.sign1.payload_bytes())?;
        check_key_usage(dsc, &claims)?;
        check_dsc_validity(dsc, &claims, opts)?;
        check_time(&claims, opts)?;
        Ok(Verified {
            alg: self.sign1.alg(),
            kid: self.sign1.kid().to_vec(),
            dsc: dsc.clone(),
            claims,
        })
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Stage 8: a DSC whose extended key usage names DCC types may sign only those types.
pub fn check_key_usage(dsc: &Dsc, claims: &Claims) -> Result<(), DccError> {
    match dsc.allowed_types() {
        Some(allowed) if !allowed.covers(&claims.types) => Err(DccError::KeyUsage {
            allowed: allowed.to_string(),
            found: claims.types.to_string(),
        }),
        _ => Ok(()),
    }
}

/// Stage 9: the DSC was valid when it signed (`iat`) and is valid at `opts.now` (± leeway).
pub fn check_dsc_validity(dsc: &Dsc, claims: &Claims, opts: &Options) -> Result<(), DccError> {
    let (nb, na) = (i128::from(dsc.not_before()), i128::from(dsc.not_after()));
    let iat = i128::from(claims.issued_at);
    let (now, leeway) = (i128::from(opts.now), i128::from(opts.leeway));
    if iat < nb {
        return Err(DccError::DscNotYetValid(
            "the certificate was signed before the DSC's validity began",
        ));
    }
    if iat > na {
        return Err(DccError::DscExpired(
            "the certificate was signed after the DSC expired",
        ));
    }
    if now + leeway < nb {
        return Err(DccError::DscNotYetValid(
            "the DSC is not valid yet at the verification time",
        ));
    }
    if now - leeway > na {
        return Err(DccError::DscExpired(
            "the DSC has expired at the verification time",
        ));
    }
    Ok(())
}

/// Stage 10: `exp` (inclusive) and `iat` against `opts.now` (± leeway).
pub fn check_time(claims: &Claims, opts: &Options) -> Result<(), DccError> {
    let (now, leeway) = (i128::from(opts.now), i128::from(opts.leeway));
    if now - leeway > i128::from(claims.expires_at) {
        return Err(DccError::Expired);
    }
    if now + leeway < i128::from(claims.issued_at) {
        return Err(DccError::NotYetValid);
    }
    Ok(())
}

/// A verified EU DCC: its claims and the DSC that signed it.
#[derive(Debug, Clone, PartialEq)]
pub struct Verified {
    alg: Alg,
    kid: Vec<u8>,
    dsc: Dsc,
    claims: Claims,
}

impl Verified {
    /// The claims (`iss`, `iat`, `exp`, the hcert JSON, its types).
    pub fn claims(&self) -> &Claims {
        &self.claims
    }

    /// The signature algorithm.
    pub fn alg(&self) -> Alg {
        self.alg
    }

    /// The `kid` the certificate named.
    pub fn kid(&self) -> &[u8] {
        &self.kid
    }

    /// The DSC that signed it.
    pub fn dsc(&self) -> &Dsc {
        &self.dsc
    }
}

/// Verifies an `HC1:` text against `trust` at `now` (seconds since the epoch, no leeway).
pub fn verify(text: &str, trust: &TrustList, now: u64) -> Result<Verified, DccError> {
    verify_with(text, trust, &Options::at(now))
}

/// Verifies an `HC1:` text against `trust` with the given clock and leeway.
pub fn verify_with(text: &str, trust: &TrustList, opts: &Options) -> Result<Verified, DccError> {
    Unverified::parse(text)?.verify(trust, opts)
}
