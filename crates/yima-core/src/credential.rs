//! Issuing, parsing and verifying credentials.
//!
//! [`issue`] turns claims into a signed transport text. [`Unverified::parse`] decodes a received text into a
//! credential whose contents are reachable only through methods named `unverified_*`. Only
//! [`Unverified::verify`] produces a [`Verified`], and it checks the signature over the bytes received.

use crate::claims::Claims;
use crate::cose::{self, ParsedSign1};
use crate::error::{IssueError, VerifyError};
use crate::keys::{Signer, SigningKey, VerifyingKey};
use crate::transport::{self, Encoding};

/// A freshly issued credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issued {
    /// The COSE_Sign1 bytes.
    pub cose: Vec<u8>,
    /// The transport text (`YM1:...`), ready for a QR code.
    pub text: String,
}

/// Signs `claims` with `key`: checks the claims, encodes them deterministically, signs, and encodes the
/// transport text.
pub fn issue(claims: &Claims, key: &SigningKey) -> Result<Issued, IssueError> {
    issue_with(claims, key)
}

/// Like [`issue`], through any [`Signer`] (a key in an HSM, say). A signer that fails gives
/// [`IssueError::Signer`]; a signature from an external signer is verified before it is used.
pub fn issue_with(claims: &Claims, signer: &dyn Signer) -> Result<Issued, IssueError> {
    claims.validate()?;
    let cose = cose::sign_with(signer, &claims.to_cbor(), None)?;
    if cose.len() > transport::MAX_COSE_BYTES {
        return Err(IssueError::TooLarge {
            len: cose.len(),
            max: transport::MAX_COSE_BYTES,
        });
    }
    let text = transport::encode(&cose);
    if text.len() > transport::MAX_TEXT_LEN {
        return Err(IssueError::TooLarge {
            len: text.len(),
            max: transport::MAX_TEXT_LEN,
        });
    }
    Ok(Issued { cose, text })
}

/// Options for [`Unverified::verify`]. The caller supplies the clock: the core reads none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifyOptions {
    /// The current time, seconds since the Unix epoch.
    pub now: u64,
    /// Clock-skew tolerance in seconds, applied to both ends of the validity window.
    pub leeway: u64,
}

impl VerifyOptions {
    /// Options at time `now` with no clock-skew tolerance.
    pub fn at(now: u64) -> Self {
        VerifyOptions { now, leeway: 0 }
    }
}

/// A credential whose structure has been checked but whose signature has not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unverified {
    cose: Vec<u8>,
    parsed: ParsedSign1,
    encoding: Option<Encoding>,
    text_len: Option<usize>,
}

impl Unverified {
    /// Decodes a transport text: prefix, Base45, decompression, COSE structure and headers.
    pub fn parse(text: &str) -> Result<Self, VerifyError> {
        let (cose, encoding) = transport::decode(text)?;
        let mut u = Self::from_cose(cose)?;
        u.encoding = Some(encoding);
        u.text_len = Some(text.len());
        Ok(u)
    }

    /// Parses raw COSE_Sign1 bytes (no transport text).
    pub fn from_cose(cose: Vec<u8>) -> Result<Self, VerifyError> {
        if cose.len() > transport::MAX_COSE_BYTES {
            return Err(VerifyError::CoseTooLarge {
                len: cose.len(),
                max: transport::MAX_COSE_BYTES,
            });
        }
        let parsed = cose::parse(&cose)?;
        Ok(Unverified {
            cose,
            parsed,
            encoding: None,
            text_len: None,
        })
    }

    /// The COSE_Sign1 bytes as received.
    pub fn cose_bytes(&self) -> &[u8] {
        &self.cose
    }

    /// The serialized protected header as received.
    pub fn protected_bytes(&self) -> &[u8] {
        self.cose
            .get(self.parsed.protected.clone())
            .unwrap_or_default()
    }

    /// The payload (CWT claims set) bytes as received.
    pub fn payload_bytes(&self) -> &[u8] {
        self.cose
            .get(self.parsed.payload.clone())
            .unwrap_or_default()
    }

    /// The signature bytes.
    pub fn signature(&self) -> &[u8; 64] {
        &self.parsed.signature
    }

    /// `alg` from the protected header (not yet checked against any key).
    pub fn alg(&self) -> i64 {
        self.parsed.alg
    }

    /// `kid` from the protected header (a hint, not yet checked).
    pub fn kid(&self) -> &[u8] {
        &self.parsed.kid
    }

    /// Whether the text was compressed (`None` when parsed from raw COSE bytes).
    pub fn encoding(&self) -> Option<Encoding> {
        self.encoding
    }

    /// Length of the transport text parsed, if any.
    pub fn text_len(&self) -> Option<usize> {
        self.text_len
    }

    /// Decodes the claims WITHOUT checking the signature. For display (`yima inspect`) only: nothing
    /// here is authentic.
    pub fn unverified_claims(&self) -> Result<Claims, VerifyError> {
        Claims::from_cbor(self.payload_bytes())
    }

    /// Verifies against a set of trusted keys at the caller's time.
    ///
    /// Stages in order: key lookup by `kid` (every key with that kid is tried), algorithm binding (the
    /// key's algorithm must equal `alg`), strict Ed25519 signature over the received protected header and
    /// payload, claims, identifiers, time window.
    pub fn verify(
        &self,
        keys: &[VerifyingKey],
        opts: &VerifyOptions,
    ) -> Result<Verified, VerifyError> {
        let mut candidates = keys
            .iter()
            .filter(|k| k.kid().as_slice() == self.kid())
            .peekable();
        let Some(first) = candidates.peek() else {
            return Err(VerifyError::UnknownKid(crate::claims::to_hex(self.kid())));
        };
        let key_alg = first.algorithm().cose_id();
        let mut bound = candidates
            .filter(|k| k.algorithm().cose_id() == self.alg())
            .peekable();
        if bound.peek().is_none() {
            return Err(VerifyError::AlgMismatch {
                alg: self.alg(),
                key_alg,
            });
        }
        let sig_structure = cose::sig_structure(self.protected_bytes(), self.payload_bytes());
        let key = bound
            .find(|k| k.verify_strict(&sig_structure, self.signature()))
            .ok_or(VerifyError::BadSignature)?
            .clone();
        Verified::after_signature(self, key, opts)
    }
}

fn check_time(claims: &Claims, opts: &VerifyOptions) -> Result<(), VerifyError> {
    if opts.now >= claims.expires_at.saturating_add(opts.leeway) {
        return Err(VerifyError::Expired);
    }
    if opts.now.saturating_add(opts.leeway) < claims.valid_from() {
        return Err(VerifyError::NotYetValid);
    }
    Ok(())
}

/// A credential whose signature, claims, identifiers and validity window have been checked. Only
/// [`Unverified::verify`] creates one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    claims: Claims,
    key: VerifyingKey,
}

impl Verified {
    /// The stages after the signature (claims, identifiers, time window), once `key` has verified the
    /// signature of `u`: shared by [`Unverified::verify`] and [`crate::batch`].
    pub(crate) fn after_signature(
        u: &Unverified,
        key: VerifyingKey,
        opts: &VerifyOptions,
    ) -> Result<Verified, VerifyError> {
        let claims = u.unverified_claims()?;
        check_time(&claims, opts)?;
        Ok(Verified { claims, key })
    }

    /// The verified claims.
    pub fn claims(&self) -> &Claims {
        &self.claims
    }

    /// The trusted key that verified the signature.
    pub fn key(&self) -> &VerifyingKey {
        &self.key
    }

    /// Consumes the proof and returns the claims.
    pub fn into_claims(self) -> Claims {
        self.claims
    }
}

/// Parses and verifies a transport text in one call.
pub fn verify_text(
    text: &str,
    keys: &[VerifyingKey],
    opts: &VerifyOptions,
) -> Result<Verified, VerifyError> {
    Unverified::parse(text)?.verify(keys, opts)
}
