//! Errors. [`DccError`] is for untrusted input (anything read from a code): every variant has a stable
//! machine code (`dcc.*`) and belongs to one [`Stage`]. [`TrustError`] is for the verifier's own trust
//! material (certificates, trust-list files). The display texts are for people and may change.

use crate::cbor::CborError;

/// The stage of decoding and verification at which a certificate was rejected, in processing order.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stage {
    /// Length cap and the `HC1:` context prefix.
    Prefix,
    /// Base45 decoding.
    Base45,
    /// zlib decompression.
    Decompress,
    /// COSE_Sign1 structure, headers, `alg` and `kid`.
    Cose,
    /// Finding the DSC by `kid` and checking its key type against `alg`.
    Key,
    /// The ES256 / PS256 signature.
    Signature,
    /// The CWT claims set (payload CBOR, `iat`, `exp`, the hcert claim).
    Claims,
    /// The DSC's extended key usage against the certificate type (test / vaccination / recovery).
    KeyUsage,
    /// The DSC's validity window against the signing time and the clock.
    DscValidity,
    /// `iat` / `exp` against the clock.
    Time,
}

impl Stage {
    /// Stable lower-case name of the stage.
    pub fn as_str(&self) -> &'static str {
        match self {
            Stage::Prefix => "prefix",
            Stage::Base45 => "base45",
            Stage::Decompress => "decompress",
            Stage::Cose => "cose",
            Stage::Key => "key",
            Stage::Signature => "signature",
            Stage::Claims => "claims",
            Stage::KeyUsage => "key-usage",
            Stage::DscValidity => "dsc-validity",
            Stage::Time => "time",
        }
    }
}

/// Why an EU DCC was rejected. Produced only from untrusted input.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DccError {
    /// The text is longer than a QR code can carry.
    #[error("text is {len} bytes; the limit is {max}")]
    TooLong {
        /// Length received.
        len: usize,
        /// Limit.
        max: usize,
    },
    /// The text does not start with the `HC1:` context identifier.
    #[error("text does not start with the HC1: prefix")]
    Prefix,
    /// The text after the prefix is not valid Base45.
    #[error("invalid Base45: {0}")]
    Base45(yima_core::base45::Base45Error),
    /// The payload is not a single valid zlib stream (or is not compressed at all).
    #[error("payload is not a valid zlib stream")]
    Decompress,
    /// Decompression would exceed the size cap (a decompression bomb, or simply too large).
    #[error("decompressed payload exceeds {max} bytes")]
    TooLarge {
        /// The cap in bytes.
        max: usize,
    },
    /// The COSE_Sign1 structure, a header or its CBOR is malformed.
    #[error("malformed COSE_Sign1: {0}")]
    Cose(String),
    /// `alg` is missing, or is not ES256 (-7) or PS256 (-37).
    #[error("unsupported or missing alg: {0}")]
    AlgUnsupported(String),
    /// `kid` is missing from both headers, or is not a byte string of 1 to 64 bytes.
    #[error("missing or malformed kid: {0}")]
    Kid(&'static str),
    /// No trusted DSC has the certificate's `kid`.
    #[error("no trusted DSC has kid {0}")]
    KeyUnknown(String),
    /// The DSC with this `kid` holds a key that cannot produce `alg` (e.g. ES256 over a P-384 key).
    #[error("alg {alg} does not match the DSC's key ({key})")]
    AlgMismatch {
        /// `alg` of the certificate.
        alg: &'static str,
        /// The DSC's key type.
        key: String,
    },
    /// The signature does not verify under any trusted DSC with this `kid`.
    #[error("signature does not verify")]
    Signature,
    /// The signed payload is not well-formed CBOR within the limits.
    #[error("payload CBOR: {0}")]
    Cbor(CborError),
    /// The CWT claims set lacks `iat`, `exp` or the hcert claim, or one has the wrong type.
    #[error("invalid claims: {0}")]
    Claims(String),
    /// The DSC's extended key usage does not cover this certificate type.
    #[error("the DSC may sign {allowed} certificates only, not {found}")]
    KeyUsage {
        /// Certificate types the DSC may sign (e.g. `t`).
        allowed: String,
        /// Certificate types in the hcert claim (e.g. `v`).
        found: String,
    },
    /// The DSC had expired when the certificate was signed, or has expired by now.
    #[error("the signing certificate (DSC) expired: {0}")]
    DscExpired(&'static str),
    /// The DSC was not yet valid when the certificate was signed, or is not valid yet now.
    #[error("the signing certificate (DSC) is not valid yet: {0}")]
    DscNotYetValid(&'static str),
    /// `exp` is before the clock.
    #[error("certificate expired")]
    Expired,
    /// `iat` is after the clock.
    #[error("certificate not valid yet (issued in the future)")]
    NotYetValid,
}

impl DccError {
    /// Stable machine code, e.g. `dcc.signature`.
    pub fn code(&self) -> &'static str {
        match self {
            DccError::TooLong { .. } => "dcc.too-long",
            DccError::Prefix => "dcc.prefix",
            DccError::Base45(_) => "dcc.base45",
            DccError::Decompress => "dcc.decompress",
            DccError::TooLarge { .. } => "dcc.too-large",
            DccError::Cose(_) => "dcc.cose",
            DccError::AlgUnsupported(_) => "dcc.alg-unsupported",
            DccError::Kid(_) => "dcc.kid",
            DccError::KeyUnknown(_) => "dcc.key-unknown",
            DccError::AlgMismatch { .. } => "dcc.alg-mismatch",
            DccError::Signature => "dcc.signature",
            DccError::Cbor(_) => "dcc.cbor",
            DccError::Claims(_) => "dcc.claims",
            DccError::KeyUsage { .. } => "dcc.key-usage",
            DccError::DscExpired(_) => "dcc.dsc-expired",
            DccError::DscNotYetValid(_) => "dcc.dsc-not-yet-valid",
            DccError::Expired => "dcc.expired",
            DccError::NotYetValid => "dcc.not-yet-valid",
        }
    }

    /// The processing stage this error belongs to.
    pub fn stage(&self) -> Stage {
        match self {
            DccError::TooLong { .. } | DccError::Prefix => Stage::Prefix,
            DccError::Base45(_) => Stage::Base45,
            DccError::Decompress | DccError::TooLarge { .. } => Stage::Decompress,
            DccError::Cose(_) | DccError::AlgUnsupported(_) | DccError::Kid(_) => Stage::Cose,
            DccError::KeyUnknown(_) | DccError::AlgMismatch { .. } => Stage::Key,
            DccError::Signature => Stage::Signature,
            DccError::Cbor(_) | DccError::Claims(_) => Stage::Claims,
            DccError::KeyUsage { .. } => Stage::KeyUsage,
            DccError::DscExpired(_) | DccError::DscNotYetValid(_) => Stage::DscValidity,
            DccError::Expired | DccError::NotYetValid => Stage::Time,
        }
    }
}

/// Trust material (a DSC, a PEM file, a JSON trust list) that cannot be used.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TrustError {
    /// The bytes are not a DER X.509 certificate (or bytes follow it).
    #[error("not an X.509 certificate: {0}")]
    Certificate(String),
    /// A PEM file holds no `CERTIFICATE` block, or a block is malformed.
    #[error("invalid PEM: {0}")]
    Pem(String),
    /// A JSON trust list is malformed or has no certificate in a known place.
    #[error("invalid JSON trust list: {0}")]
    Json(String),
    /// Trust material larger than the caps.
    #[error("trust material too large: {0}")]
    TooLarge(String),
}

impl TrustError {
    /// Stable machine code, e.g. `trust.certificate`.
    pub fn code(&self) -> &'static str {
        match self {
            TrustError::Certificate(_) => "trust.certificate",
            TrustError::Pem(_) => "trust.pem",
            TrustError::Json(_) => "trust.json",
            TrustError::TooLarge(_) => "trust.too-large",
        }
    }
}
