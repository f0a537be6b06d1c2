//! Dynamic holder-bound presentations: a credential that carries the holder device's key (`cnf`), shown
//! together with a fresh signature by that device. A screenshot goes stale within the freshness window; a
//! copied credential without the device key cannot produce one.
//!
//! Transport text: `YP1:` + Base45 of a CBOR sequence (RFC 8742) of exactly these items:
//!
//! 1. the credential's COSE_Sign1, byte for byte as issued (tag 18);
//! 2. the context: the presentation time `t` (uint, seconds since the epoch), or the array `[t, venue]`
//!    when the presentation is bound to a venue id / nonce shown by the verifier (text, 1 to 32 bytes);
//! 3. a 4-byte tag: the first 4 bytes of SHA-256 over the credential's COSE bytes (lets a verifier tell
//!    "credential changed" from "bad device signature");
//! 4. the device's Ed25519 signature (bstr, 64 bytes) over the deterministic CBOR encoding of
//!    `["yima-presentation-1", h'SHA-256(credential COSE bytes)', t, venue or null]`.

use sha2::{Digest, Sha256};

use crate::base45;
use crate::cbor::{self, Value};
use crate::credential::Unverified;
use crate::error::VerifyError;
use crate::keys::{SigningKey, VerifyingKey};
use crate::transport::MAX_TEXT_LEN;

/// Prefix of a presentation text, version 1.
pub const PREFIX: &str = "YP1:";
/// Domain-separation string of the signed structure.
pub const CONTEXT: &str = "yima-presentation-1";
/// Longest venue id / nonce, in bytes.
pub const MAX_VENUE_BYTES: usize = 32;
/// Length of the credential digest tag.
pub const TAG_LEN: usize = 4;

/// Why a presentation could not be made (the caller's mistake).
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PresentError {
    /// The credential text does not parse.
    #[error("credential does not parse: {0}")]
    Credential(VerifyError),
    /// The credential carries no holder key (`cnf`): it was not issued for a device.
    #[error("credential is not bound to a holder device key (no cnf)")]
    NotBound,
    /// The device key is not the one the credential is bound to.
    #[error("device key does not match the credential's holder key")]
    WrongDevice,
    /// The venue id is empty, longer than 32 bytes, or has a control or bidirectional formatting
    /// character.
    #[error(
        "venue id must be 1 to 32 bytes without control or bidirectional formatting characters"
    )]
    BadVenue,
}

impl PresentError {
    /// Stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            PresentError::Credential(e) => e.code(),
            PresentError::NotBound => "present.not-bound",
            PresentError::WrongDevice => "present.wrong-device",
            PresentError::BadVenue => "present.bad-venue",
        }
    }
}

/// Why a presentation was rejected (untrusted input).
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PresentationError {
    /// The text is not a well-formed presentation (prefix, Base45, CBOR sequence shape).
    #[error("malformed presentation: {0}")]
    Malformed(&'static str),
    /// The embedded credential failed to parse or verify.
    #[error("{0}")]
    Credential(VerifyError),
    /// The credential carries no holder key, so no device signature can be checked.
    #[error("credential is not bound to a holder device key")]
    BindingMissing,
    /// The credential bytes differ from those the device signed for (digest tag mismatch).
    #[error("credential changed since the device signed the presentation")]
    CredentialChanged,
    /// The device signature does not verify with the credential's holder key.
    #[error("device signature does not verify with the credential's holder key")]
    BadDeviceSignature,
    /// The presentation time is older than the freshness window (plus clock skew).
    #[error("presentation is stale (older than the freshness window)")]
    Stale,
    /// The presentation time is in the future beyond the clock skew.
    #[error("presentation time is in the future")]
    FromFuture,
    /// The venue id differs from the verifier's (or is missing where required).
    #[error("presentation is for another venue")]
    WrongVenue,
    /// The same presentation was seen before within the freshness window.
    #[error("presentation already seen (replay)")]
    Replayed,
    /// The venue requires a holder-bound presentation for this kind, and a plain credential was shown.
    #[error("a dynamic presentation is required for this kind")]
    Required,
}

impl PresentationError {
    /// Stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            PresentationError::Malformed(_) => "presentation.malformed",
            PresentationError::Credential(e) => e.code(),
            PresentationError::BindingMissing => "presentation.binding-missing",
            PresentationError::CredentialChanged => "presentation.credential-changed",
            PresentationError::BadDeviceSignature => "presentation.bad-device-signature",
            PresentationError::Stale => "presentation.stale",
            PresentationError::FromFuture => "presentation.from-future",
            PresentationError::WrongVenue => "presentation.wrong-venue",
            PresentationError::Replayed => "presentation.replayed",
            PresentationError::Required => "presentation.required",
        }
    }
}

/// SHA-256 of the credential's COSE bytes, as the device signs it.
pub fn digest(cose: &[u8]) -> [u8; 32] {
    Sha256::digest(cose).into()
}

/// The bytes the device signs: `["yima-presentation-1", digest, time, venue or null]`, deterministic CBOR.
pub fn signed_bytes(credential_digest: &[u8; 32], time: u64, venue: Option<&str>) -> Vec<u8> {
    Value::Array(vec![
        Value::Text(CONTEXT),
        Value::Bytes(credential_digest),
        Value::Uint(time),
        venue.map_or(Value::Null, Value::Text),
    ])
    .encode()
}

/// Makes a presentation of `credential` (its transport text) signed by `device` at time `now`, optionally
/// bound to `venue`.
pub fn present(
    credential: &str,
    device: &SigningKey,
    now: u64,
    venue: Option<&str>,
) -> Result<String, PresentError> {
    let u = Unverified::parse(credential).map_err(PresentError::Credential)?;
    let claims = u.unverified_claims().map_err(PresentError::Credential)?;
    let bound = claims.confirmation.ok_or(PresentError::NotBound)?;
    if bound != device.verifying_key().to_bytes() {
        return Err(PresentError::WrongDevice);
    }
    if let Some(v) = venue
        && !valid_venue(v)
    {
        return Err(PresentError::BadVenue);
    }
    let cose = u.cose_bytes();
    let d = digest(cose);
    let signature = device.sign(&signed_bytes(&d, now, venue));
    Ok(assemble(cose, now, venue, &d, &signature))
}

/// Encodes a presentation text from its parts (no checks: [`present`] is the checked way to make one;
/// this exists for test vectors and other implementations' interop tests).
pub fn assemble(
    cose: &[u8],
    time: u64,
    venue: Option<&str>,
    credential_digest: &[u8; 32],
    signature: &[u8; 64],
) -> String {
    let mut body = cose.to_vec();
    match venue {
        None => Value::Uint(time).encode_into(&mut body),
        Some(v) => Value::Array(vec![Value::Uint(time), Value::Text(v)]).encode_into(&mut body),
    }
    Value::Bytes(credential_digest.get(..TAG_LEN).unwrap_or_default()).encode_into(&mut body);
    Value::Bytes(signature).encode_into(&mut body);
    format!("{PREFIX}{}", base45::encode(&body))
}

/// A parsed presentation; nothing in it is trusted until [`Presentation::verify_device`] and the
/// credential's own verification succeed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Presentation {
    /// The embedded credential.
    pub credential: Unverified,
    /// Presentation time claimed by the device.
    pub time: u64,
    /// Venue id / nonce, if bound to one.
    pub venue: Option<String>,
    tag: [u8; TAG_LEN],
    signature: [u8; 64],
}

/// Whether `v` is an acceptable venue id / nonce: 1 to [`MAX_VENUE_BYTES`] bytes, no control or
/// bidirectional formatting characters (the characters the text rule of a claim refuses).
pub fn valid_venue(v: &str) -> bool {
    !v.is_empty() && v.len() <= MAX_VENUE_BYTES && !v.chars().any(crate::claims::misleading_char)
}

/// Whether `text` is a presentation (by its prefix).
pub fn is_presentation(text: &str) -> bool {
    text.starts_with(PREFIX)
}

impl Presentation {
    /// Parses a presentation text: prefix, Base45, the CBOR sequence shape, and the embedded credential's
    /// structure.
    pub fn parse(text: &str) -> Result<Self, PresentationError> {
        if text.len() > MAX_TEXT_LEN {
            return Err(PresentationError::Credential(VerifyError::TextTooLong {
                len: text.len(),
                max: MAX_TEXT_LEN,
            }));
        }
        let rest = text
            .strip_prefix(PREFIX)
            .ok_or(PresentationError::Malformed("missing YP1: prefix"))?;
        let body = base45::decode(rest)
            .map_err(|e| PresentationError::Credential(VerifyError::Base45(e)))?;
        let items = cbor::decode_sequence(&body, 4)
            .map_err(|e| PresentationError::Credential(VerifyError::Cbor(e)))?;
        let [
            (_, cred_range),
            (context, _),
            (Value::Bytes(tag), _),
            (Value::Bytes(sig), _),
        ] = items.as_slice()
        else {
            return Err(PresentationError::Malformed(
                "expected credential, context, tag and signature",
            ));
        };
        let (time, venue) = match context {
            Value::Uint(t) => (*t, None),
            Value::Array(a) => match a.as_slice() {
                [Value::Uint(t), Value::Text(v)] if valid_venue(v) => (*t, Some((*v).to_owned())),
                _ => {
                    return Err(PresentationError::Malformed(
                        "context must be t or [t, venue]",
                    ));
                }
            },
            _ => {
                return Err(PresentationError::Malformed(
                    "context must be t or [t, venue]",
                ));
            }
        };
        let tag: [u8; TAG_LEN] = (*tag)
            .try_into()
            .map_err(|_| PresentationError::Malformed("digest tag must be 4 bytes"))?;
        let signature: [u8; 64] = (*sig)
            .try_into()
            .map_err(|_| PresentationError::Malformed("device signature must be 64 bytes"))?;
        let cose = body.get(cred_range.clone()).unwrap_or_default().to_vec();
        let credential = Unverified::from_cose(cose).map_err(PresentationError::Credential)?;
        Ok(Presentation {
            credential,
            time,
            venue,
            tag,
            signature,
        })
    }

    /// Checks the device's proof: the credential (already verified by the caller, whose `cnf` is
    /// `holder_key`) is the one the device signed for, and the device signature verifies.
    pub fn verify_device(&self, holder_key: &[u8; 32]) -> Result<(), PresentationError> {
        let d = digest(self.credential.cose_bytes());
        if d.get(..TAG_LEN) != Some(self.tag.as_slice()) {
            return Err(PresentationError::CredentialChanged);
        }
        let key = VerifyingKey::from_bytes(holder_key)
            .map_err(|_| PresentationError::BadDeviceSignature)?;
        if key.verify_strict(
            &signed_bytes(&d, self.time, self.venue.as_deref()),
            &self.signature,
        ) {
            Ok(())
        } else {
            Err(PresentationError::BadDeviceSignature)
        }
    }

    /// Checks the presentation time against `now`: not older than `freshness` and not in the future,
    /// each with `skew` tolerance.
    pub fn check_time(&self, now: u64, freshness: u64, skew: u64) -> Result<(), PresentationError> {
        if self.time > now.saturating_add(skew) {
            return Err(PresentationError::FromFuture);
        }
        if now > self.time.saturating_add(freshness).saturating_add(skew) {
            return Err(PresentationError::Stale);
        }
        Ok(())
    }

    /// The device signature (identifies this presentation for replay detection).
    pub fn signature(&self) -> &[u8; 64] {
        &self.signature
    }
}

/// Remembers presentations seen within the freshness window, to flag the same one shown twice.
#[derive(Debug, Default, Clone)]
pub struct ReplayCache {
    seen: std::collections::HashMap<[u8; 64], u64>,
}

impl ReplayCache {
    /// Bound on remembered presentations (oldest evicted first).
    pub const CAPACITY: usize = 100_000;

    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records `p` at `now`; returns false if it was already seen and not yet expired. Entries older than
    /// `window` seconds are dropped.
    pub fn check_and_insert(&mut self, p: &Presentation, now: u64, window: u64) -> bool {
        self.seen
            .retain(|_, &mut t| now <= t.saturating_add(window));
        if self.seen.contains_key(p.signature()) {
            return false;
        }
        if self.seen.len() >= Self::CAPACITY
            && let Some(oldest) = self.seen.iter().min_by_key(|(_, t)| **t).map(|(k, _)| *k)
        {
            self.seen.remove(&oldest);
        }
        self.seen.insert(*p.signature(), now);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Kind, issue, samples};

    const T: u64 = 1_767_225_600;

    fn bound_health_code(device: &SigningKey, issuer: &SigningKey) -> String {
        let mut c = samples::claims(Kind::HealthCode, T, [0; 8]);
        c.credential_id = None;
        if let crate::Credential::HealthCode(h) = &mut c.credential {
            // The device key is the pseudonymous holder id of a bound code.
            h.holder_id.clear();
            h.holder_name = "张*明".into();
        }
        c.confirmation = Some(device.verifying_key().to_bytes());
        issue(&c, issuer).unwrap().text
    }

    #[test]
    fn presentation_round_trip_fits_qr_version_12_m() {
        let (issuer, device) = (
            SigningKey::from_seed(&[1; 32]),
            SigningKey::from_seed(&[2; 32]),
        );
        let cred = bound_health_code(&device, &issuer);
        let text = present(&cred, &device, T + 10, None).unwrap();
        // QR version 12 at level M holds 419 alphanumeric characters.
        assert!(text.len() <= 419, "{} chars", text.len());
        let p = Presentation::parse(&text).unwrap();
        assert_eq!(p.time, T + 10);
        let key = p
            .credential
            .unverified_claims()
            .unwrap()
            .confirmation
            .unwrap();
        p.verify_device(&key).unwrap();
        p.check_time(T + 70, 60, 0).unwrap();
        assert_eq!(p.check_time(T + 71, 60, 0), Err(PresentationError::Stale));
        assert_eq!(
            p.check_time(T + 9, 60, 0),
            Err(PresentationError::FromFuture)
        );
        let with_venue = present(&cred, &device, T + 10, Some("GATE-7")).unwrap();
        assert_eq!(
            Presentation::parse(&with_venue).unwrap().venue.as_deref(),
            Some("GATE-7")
        );
    }

    #[test]
    fn misuse_and_forgery() {
        let (issuer, device, other) = (
            SigningKey::from_seed(&[1; 32]),
            SigningKey::from_seed(&[2; 32]),
            SigningKey::from_seed(&[3; 32]),
        );
        let cred = bound_health_code(&device, &issuer);
        assert_eq!(
            present(&cred, &other, T, None),
            Err(PresentError::WrongDevice)
        );
        let unbound = issue(&samples::claims(Kind::HealthCode, T, [0; 8]), &issuer)
            .unwrap()
            .text;
        assert_eq!(
            present(&unbound, &device, T, None),
            Err(PresentError::NotBound)
        );
        // A credential lifted into another device's presentation: the other device signs, the holder key
        // in cnf does not verify it.
        let mut p = Presentation::parse(&present(&cred, &device, T, None).unwrap()).unwrap();
        let key = device.verifying_key().to_bytes();
        p.signature = other.sign(&signed_bytes(
            &digest(p.credential.cose_bytes()),
            p.time,
            None,
        ));
        assert_eq!(
            p.verify_device(&key),
            Err(PresentationError::BadDeviceSignature)
        );
        // A different credential of the same holder under this presentation's signature.
        let other_cred = {
            let mut c = samples::claims(Kind::HealthCode, T + 1, [0; 8]);
            c.credential_id = None;
            c.confirmation = Some(key);
            issue(&c, &issuer).unwrap().cose
        };
        let mut p = Presentation::parse(&present(&cred, &device, T, None).unwrap()).unwrap();
        p.credential = Unverified::from_cose(other_cred).unwrap();
        assert_eq!(
            p.verify_device(&key),
            Err(PresentationError::CredentialChanged)
        );
        assert_eq!(
            Presentation::parse("YP1:00").unwrap_err().code(),
            "presentation.malformed"
        );
    }

    #[test]
    fn replay_cache_flags_the_same_presentation_within_the_window() {
        let (issuer, device) = (
            SigningKey::from_seed(&[1; 32]),
            SigningKey::from_seed(&[2; 32]),
        );
        let cred = bound_health_code(&device, &issuer);
        let p = Presentation::parse(&present(&cred, &device, T, None).unwrap()).unwrap();
        let mut cache = ReplayCache::new();
        assert!(cache.check_and_insert(&p, T, 60));
        assert!(!cache.check_and_insert(&p, T + 30, 60));
        assert!(cache.check_and_insert(&p, T + 100, 60));
    }
}
