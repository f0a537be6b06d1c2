//! Error types. [`VerifyError`] is for untrusted input (anything read from a code); [`IssueError`] and
//! [`KeyError`] are for the caller's own mistakes (invalid claims, bad key material). Every variant has a
//! stable machine code used in test vectors and `--json` output; the display text is for people and may
//! change.

use crate::base45::Base45Error;
use crate::cbor::CborError;
use crate::ident::IdentError;

/// The stage of decoding and verification at which an input was rejected, in processing order.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stage {
    /// Length cap and versioned prefix of the transport text.
    Prefix,
    /// Base45 decoding.
    Base45,
    /// zlib decompression.
    Decompress,
    /// COSE_Sign1 structure (CBOR, tag, array shape).
    Cose,
    /// Protected and unprotected headers.
    Header,
    /// Finding the verification key by `kid` and checking its algorithm.
    KeyLookup,
    /// The Ed25519 signature.
    Signature,
    /// The CWT claims set and the credential claim.
    Claims,
    /// Check characters of identifiers inside the credential.
    Identifier,
    /// `nbf` / `iat` / `exp` against the caller's clock.
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
            Stage::Header => "header",
            Stage::KeyLookup => "key",
            Stage::Signature => "signature",
            Stage::Claims => "claims",
            Stage::Identifier => "identifier",
            Stage::Time => "time",
        }
    }
}

/// Why a received code was rejected. Produced only from untrusted input.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// The transport text is longer than the format allows.
    #[error("text is {len} bytes; the limit is {max}")]
    TextTooLong {
        /// Length received.
        len: usize,
        /// Limit.
        max: usize,
    },
    /// The text does not start with a known yima prefix (`YM1:` or `YM1Z:`).
    #[error("text does not start with a yima prefix (YM1: or YM1Z:)")]
    UnknownPrefix,
    /// The text after the prefix is not valid Base45.
    #[error("invalid Base45: {0}")]
    Base45(Base45Error),
    /// The compressed payload is not a valid zlib stream (or has bytes after it).
    #[error("compressed payload is not a valid zlib stream")]
    Decompress,
    /// Decompression would exceed the size cap (a decompression bomb, or simply too large).
    #[error("decompressed payload exceeds {max} bytes")]
    DecompressTooLarge {
        /// The cap in bytes.
        max: usize,
    },
    /// Raw COSE bytes larger than the format allows.
    #[error("COSE object is {len} bytes; the limit is {max}")]
    CoseTooLarge {
        /// Size received.
        len: usize,
        /// Limit.
        max: usize,
    },
    /// Malformed or non-deterministic CBOR in the COSE structure or the protected header.
    #[error("CBOR: {0}")]
    Cbor(CborError),
    /// Malformed or non-deterministic CBOR in the signed payload (checked after the signature).
    #[error("payload CBOR: {0}")]
    PayloadCbor(CborError),
    /// The COSE object carries no CBOR tag (COSE_Sign1 must be tagged 18).
    #[error("COSE object is not tagged (expected tag 18, COSE_Sign1)")]
    CoseUntagged,
    /// The COSE object carries a tag other than 18 (e.g. COSE_Sign 98, COSE_Mac0 17, CWT 61).
    #[error("COSE tag {0} is not COSE_Sign1 (18)")]
    CoseWrongTag(u64),
    /// The tagged item is not a 4-element array of bstr, map, bstr, bstr(64).
    #[error("malformed COSE_Sign1: {0}")]
    CoseStructure(&'static str),
    /// A header parameter has the wrong type or the header map is malformed.
    #[error("invalid header: {0}")]
    HeaderInvalid(&'static str),
    /// The protected header has no `alg`.
    #[error("protected header has no alg")]
    AlgMissing,
    /// The `alg` value is not a COSE algorithm this format knows.
    #[error("unknown algorithm {0}")]
    AlgUnknown(i64),
    /// The protected header has no `kid`.
    #[error("protected header has no kid")]
    KidMissing,
    /// The `crit` header lists a parameter this implementation does not understand.
    #[error("unknown critical header parameter")]
    UnknownCritical,
    /// A header label this format does not define (in either bucket).
    #[error("unknown header label {0}")]
    UnknownHeader(i64),
    /// The unprotected header is not empty (every header of a yima credential is protected).
    #[error("unprotected header must be empty")]
    UnprotectedNotEmpty,
    /// No supplied key has the credential's `kid`.
    #[error("no trusted key has kid {0}")]
    UnknownKid(String),
    /// The key with this `kid` is bound to a different algorithm than the credential's `alg`.
    #[error("credential alg {alg} does not match the key's algorithm {key_alg}")]
    AlgMismatch {
        /// `alg` in the credential.
        alg: i64,
        /// Algorithm the key is bound to.
        key_alg: i64,
    },
    /// The signature does not verify (strict Ed25519: canonical S, no small-order keys).
    #[error("signature does not verify")]
    BadSignature,
    /// A required claim is absent.
    #[error("missing claim: {0}")]
    ClaimMissing(&'static str),
    /// A claim has the wrong CBOR type.
    #[error("claim {0} has the wrong type")]
    ClaimType(&'static str),
    /// A claim key this format does not define.
    #[error("unknown claim key {0}")]
    ClaimUnknown(i64),
    /// A map key this format does not define that is not an integer of 64 bits (a text key, say) where
    /// only integer keys are defined (`claims.unknown-key`, like [`ClaimUnknown`](Self::ClaimUnknown)).
    #[error("unknown claim key (not a 64-bit integer)")]
    ClaimUnknownOther,
    /// A claim value is out of range or malformed.
    #[error("invalid claim {field}: {reason}")]
    ClaimInvalid {
        /// Claim or field name.
        field: &'static str,
        /// What is wrong.
        reason: &'static str,
    },
    /// The credential kind number is not one this version knows.
    #[error("unknown credential kind {0}")]
    UnknownKind(u64),
    /// An identifier inside the credential fails its check (check digit, charset, structure).
    #[error("identifier {field} is invalid: {reason}")]
    Identifier {
        /// Field holding the identifier.
        field: &'static str,
        /// Why it failed.
        reason: IdentError,
    },
    /// The credential expired (`exp` is not after now, minus leeway).
    #[error("credential expired")]
    Expired,
    /// The credential is not valid yet (`nbf`, or `iat` when no `nbf`, is after now plus leeway).
    #[error("credential not valid yet")]
    NotYetValid,
}

impl VerifyError {
    /// Stable machine code, e.g. `signature.invalid`. The part before the dot names the stage family.
    pub fn code(&self) -> &'static str {
        match self {
            VerifyError::TextTooLong { .. } => "text.too-long",
            VerifyError::UnknownPrefix => "prefix.unknown",
            VerifyError::Base45(Base45Error::InvalidChar(_)) => "base45.invalid-char",
            VerifyError::Base45(Base45Error::InvalidLength) => "base45.invalid-length",
            VerifyError::Base45(_) => "base45.out-of-range",
            VerifyError::Decompress => "decompress.invalid",
            VerifyError::DecompressTooLarge { .. } => "decompress.too-large",
            VerifyError::Cbor(e) | VerifyError::PayloadCbor(e) => e.code(),
            VerifyError::CoseTooLarge { .. } => "cose.too-large",
            VerifyError::CoseUntagged => "cose.untagged",
            VerifyError::CoseWrongTag(_) => "cose.wrong-tag",
            VerifyError::CoseStructure(_) => "cose.structure",
            VerifyError::HeaderInvalid(_) => "header.invalid",
            VerifyError::AlgMissing => "header.alg-missing",
            VerifyError::AlgUnknown(_) => "header.alg-unknown",
            VerifyError::KidMissing => "header.kid-missing",
            VerifyError::UnknownCritical => "header.unknown-critical",
            VerifyError::UnknownHeader(_) => "header.unknown-label",
            VerifyError::UnprotectedNotEmpty => "header.unprotected-not-empty",
            VerifyError::UnknownKid(_) => "key.unknown-kid",
            VerifyError::AlgMismatch { .. } => "key.alg-mismatch",
            VerifyError::BadSignature => "signature.invalid",
            VerifyError::ClaimMissing(_) => "claims.missing",
            VerifyError::ClaimType(_) => "claims.wrong-type",
            VerifyError::ClaimUnknown(_) | VerifyError::ClaimUnknownOther => "claims.unknown-key",
            VerifyError::ClaimInvalid { .. } => "claims.invalid",
            VerifyError::UnknownKind(_) => "claims.unknown-kind",
            VerifyError::Identifier { .. } => "identifier.invalid",
            VerifyError::Expired => "time.expired",
            VerifyError::NotYetValid => "time.not-yet-valid",
        }
    }
}

/// Issuing failed: claims that do not satisfy the format's rules (a mistake by the caller), or a signer
/// that could not sign.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IssueError {
    /// A field holds a value the format does not allow; `field` names it.
    #[error("invalid {field}: {reason}")]
    InvalidField {
        /// Field name as used in claims JSON (e.g. `citizen_id`).
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The encoded credential would exceed the transport limits.
    #[error("credential too large: {len} bytes, limit {max}")]
    TooLarge {
        /// Size that would be produced.
        len: usize,
        /// Limit.
        max: usize,
    },
    /// The signer (e.g. an HSM) failed to sign; the code is the signer's.
    #[error(transparent)]
    Signer(#[from] SignerError),
}

impl IssueError {
    /// Stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            IssueError::InvalidField { .. } => "issue.invalid-field",
            IssueError::TooLarge { .. } => "issue.too-large",
            IssueError::Signer(e) => e.code(),
        }
    }

    pub(crate) fn field(field: &'static str, reason: impl Into<String>) -> Self {
        IssueError::InvalidField {
            field,
            reason: reason.into(),
        }
    }
}

/// A [`Signer`](crate::keys::Signer) could not sign: the device refused or failed, or returned a
/// signature that does not verify under its own public key. An operational failure on the issuing
/// side, not hostile input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("signing failed ({code}): {message}")]
pub struct SignerError {
    code: &'static str,
    message: String,
}

impl SignerError {
    /// An error with a stable machine `code` (e.g. `pkcs11.sign`) and a human-readable message.
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        SignerError {
            code,
            message: message.into(),
        }
    }

    /// Stable machine code: `signer.bad-signature` when yima's check of the returned signature
    /// failed, otherwise the code the signer gave.
    pub fn code(&self) -> &'static str {
        self.code
    }

    /// The human-readable message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

/// Key material that cannot be used.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// Not a PEM-encoded PKCS#8 Ed25519 private key.
    #[error("not a PKCS#8 PEM Ed25519 private key")]
    InvalidPrivateKey,
    /// Not a PEM-encoded SPKI Ed25519 public key.
    #[error("not an SPKI PEM Ed25519 public key")]
    InvalidPublicKey,
    /// The public key is a small-order ("weak") point, which would let anyone forge signatures.
    #[error("public key is a small-order point")]
    WeakPublicKey,
}

impl KeyError {
    /// Stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            KeyError::InvalidPrivateKey => "key.invalid-private",
            KeyError::InvalidPublicKey => "key.invalid-public",
            KeyError::WeakPublicKey => "key.weak-public",
        }
    }
}

impl VerifyError {
    /// The processing stage this error belongs to.
    pub fn stage(&self) -> Stage {
        match self {
            VerifyError::TextTooLong { .. } | VerifyError::UnknownPrefix => Stage::Prefix,
            VerifyError::Base45(_) => Stage::Base45,
            VerifyError::Decompress | VerifyError::DecompressTooLarge { .. } => Stage::Decompress,
            VerifyError::Cbor(_)
            | VerifyError::CoseTooLarge { .. }
            | VerifyError::CoseUntagged
            | VerifyError::CoseWrongTag(_)
            | VerifyError::CoseStructure(_) => Stage::Cose,
            VerifyError::HeaderInvalid(_)
            | VerifyError::AlgMissing
            | VerifyError::AlgUnknown(_)
            | VerifyError::KidMissing
            | VerifyError::UnknownCritical
            | VerifyError::UnknownHeader(_)
            | VerifyError::UnprotectedNotEmpty => Stage::Header,
            VerifyError::UnknownKid(_) | VerifyError::AlgMismatch { .. } => Stage::KeyLookup,
            VerifyError::BadSignature => Stage::Signature,
            VerifyError::PayloadCbor(_)
            | VerifyError::ClaimMissing(_)
            | VerifyError::ClaimType(_)
            | VerifyError::ClaimUnknown(_)
            | VerifyError::ClaimUnknownOther
            | VerifyError::ClaimInvalid { .. }
            | VerifyError::UnknownKind(_) => Stage::Claims,
            VerifyError::Identifier { .. } => Stage::Identifier,
            VerifyError::Expired | VerifyError::NotYetValid => Stage::Time,
        }
    }
}
