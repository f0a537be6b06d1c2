//! Status lists: revocation, suspension and status change, after the IETF Token Status List
//! (draft-ietf-oauth-status-list) in its CWT form.
//!
//! A list is a bit array with 2 bits per credential (0 valid, 1 revoked, 2 suspended, 3 "status changed:
//! fetch a new code"), least significant bits first within each byte, zlib-compressed, inside a CWT signed
//! by the issuer: protected header `typ` = `application/statuslist+cwt`, claims `sub` (2, the list URI),
//! `iat` (6), optional `exp` (4), optional `ttl` (65534), and `status_list` (65533) = `{"bits": 2, "lst":
//! bstr}`. A credential points into a list with the yima status-reference claim (see `claims.rs`).
//!
//! The list URI of list `id` of issuer `iss` is `urn:yima:status:<iss>:<id>`.

use crate::cbor::{self, Value};
use crate::cose;
use crate::error::SignerError;
use crate::error::VerifyError;
use crate::keys::{Signer, SigningKey, VerifyingKey};
use crate::transport;

/// `typ` of a status list token.
pub const TYP: &str = "application/statuslist+cwt";
/// CWT claim key `sub`.
pub const CLAIM_SUB: i64 = 2;
/// CWT claim key `ttl` (draft-ietf-oauth-status-list).
pub const CLAIM_TTL: i64 = 65534;
/// CWT claim key `status_list` (draft-ietf-oauth-status-list).
pub const CLAIM_STATUS_LIST: i64 = 65533;
/// Bits per credential in yima lists.
pub const BITS: u8 = 2;
/// Most credentials one list may hold (a 32 MiB bit array): enough for 128 million.
pub const MAX_ENTRIES: u64 = 1 << 27;
/// Largest signed status list token accepted, in bytes.
pub const MAX_TOKEN_BYTES: usize = 16 << 20;
/// Largest inflated bit array of one list, in bytes ([`MAX_ENTRIES`] entries at 2 bits: 32 MiB).
pub const MAX_LIST_BYTES: usize = (MAX_ENTRIES / 4) as usize;

/// The status of one credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CredentialStatus {
    /// 0: valid.
    Valid,
    /// 1: revoked (permanently).
    Revoked,
    /// 2: suspended (temporarily).
    Suspended,
    /// 3: the holder's status changed; a new code must be fetched.
    Changed,
}

impl CredentialStatus {
    /// The 2-bit value.
    pub fn value(self) -> u8 {
        match self {
            CredentialStatus::Valid => 0,
            CredentialStatus::Revoked => 1,
            CredentialStatus::Suspended => 2,
            CredentialStatus::Changed => 3,
        }
    }

    fn from_value(v: u8) -> Self {
        match v & 3 {
            0 => CredentialStatus::Valid,
            1 => CredentialStatus::Revoked,
            2 => CredentialStatus::Suspended,
            _ => CredentialStatus::Changed,
        }
    }

    /// Lower-case name (`valid`, `revoked`, `suspended`, `changed`).
    pub fn name(self) -> &'static str {
        match self {
            CredentialStatus::Valid => "valid",
            CredentialStatus::Revoked => "revoked",
            CredentialStatus::Suspended => "suspended",
            CredentialStatus::Changed => "changed",
        }
    }
}

impl std::str::FromStr for CredentialStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "valid" => Ok(CredentialStatus::Valid),
            "revoked" => Ok(CredentialStatus::Revoked),
            "suspended" => Ok(CredentialStatus::Suspended),
            "changed" => Ok(CredentialStatus::Changed),
            _ => Err(format!(
                "{s}: expected valid, revoked, suspended or changed"
            )),
        }
    }
}

/// A 2-bit-per-entry status array. Lookup and update are constant time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusList {
    bytes: Vec<u8>,
    len: u64,
}

impl StatusList {
    /// A list of `len` entries, all valid. `len` is capped at [`MAX_ENTRIES`].
    pub fn new(len: u64) -> Option<Self> {
        if len == 0 || len > MAX_ENTRIES {
            return None;
        }
        let bytes = vec![0u8; usize::try_from(len.div_ceil(4)).ok()?];
        Some(StatusList { bytes, len })
    }

    /// Number of entries.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the list has no entries (never true for a constructed list).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Status at `index`, or `None` if the index is outside the list.
    pub fn get(&self, index: u64) -> Option<CredentialStatus> {
        if index >= self.len {
            return None;
        }
        let byte = *self.bytes.get(usize::try_from(index / 4).ok()?)?;
        let shift = (index % 4) * 2;
        Some(CredentialStatus::from_value(byte >> shift))
    }

    /// Sets the status at `index`; returns false if the index is outside the list.
    pub fn set(&mut self, index: u64, status: CredentialStatus) -> bool {
        if index >= self.len {
            return false;
        }
        let Some(byte) = usize::try_from(index / 4)
            .ok()
            .and_then(|i| self.bytes.get_mut(i))
        else {
            return false;
        };
        let shift = (index % 4) * 2;
        *byte = (*byte & !(3 << shift)) | (status.value() << shift);
        true
    }

    /// The raw bit array (entry 0 in the two least significant bits of byte 0).
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// zlib-compressed bit array (the `lst` of the draft).
    pub fn compress(&self) -> Vec<u8> {
        use std::io::Write;
        let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        // Writing to a Vec cannot fail.
        if e.write_all(&self.bytes).is_err() {
            return Vec::new();
        }
        e.finish().unwrap_or_default()
    }

    /// Decompresses `lst`, refusing more than [`MAX_ENTRIES`] entries' worth of output. The list length
    /// is the decompressed size times 4.
    pub fn from_compressed(lst: &[u8]) -> Result<Self, VerifyError> {
        Self::from_compressed_capped(lst, MAX_LIST_BYTES)
    }

    /// As [`from_compressed`](Self::from_compressed), refusing more than `max` bytes of output (at most
    /// [`MAX_LIST_BYTES`]): inflating stops at the first byte past the cap, and the output buffer never
    /// grows past it.
    pub(crate) fn from_compressed_capped(lst: &[u8], max: usize) -> Result<Self, VerifyError> {
        let mut bytes = transport::inflate_capped(lst, max.min(MAX_LIST_BYTES))?;
        // The buffer grew geometrically and may hold up to twice the list: keep only the list, so that
        // what a scanner retains is what the bundle's budget counted. (A buffer at most a page over the
        // list, such as one that reached the inflater's cap of `max + 1`, is kept as it is: shrinking
        // it would copy the whole list for a few bytes.)
        if bytes.capacity() > bytes.len().saturating_add(4096) {
            bytes.shrink_to_fit();
        }
        if bytes.is_empty() {
            return Err(VerifyError::ClaimInvalid {
                field: "lst",
                reason: "empty status list",
            });
        }
        let len = bytes.len() as u64 * 4;
        Ok(StatusList { bytes, len })
    }
}

/// The URI of list `id` of issuer `iss`.
pub fn list_uri(issuer: &str, id: u64) -> String {
    format!("urn:yima:status:{issuer}:{id}")
}

/// A status list token's contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusListToken {
    /// Issuer name (from the URI).
    pub issuer: String,
    /// List number within the issuer.
    pub list_id: u64,
    /// `iat`.
    pub issued_at: u64,
    /// `exp`, if any.
    pub expires_at: Option<u64>,
    /// `ttl` in seconds, if any: the list should not be relied on after `iat + ttl`.
    pub ttl: Option<u64>,
    /// The statuses.
    pub list: StatusList,
}

impl StatusListToken {
    /// Encodes and signs the token with the issuer's key.
    pub fn sign(&self, key: &SigningKey) -> Vec<u8> {
        cose::sign(key, &self.payload(), Some(TYP))
    }

    /// Like [`sign`](Self::sign), through any [`Signer`] (a key in an HSM, say); a signature from an
    /// external signer is verified before it is used.
    pub fn sign_with(&self, signer: &dyn Signer) -> Result<Vec<u8>, SignerError> {
        cose::sign_with(signer, &self.payload(), Some(TYP))
    }

    /// The deterministic CBOR payload that is signed.
    fn payload(&self) -> Vec<u8> {
        let uri = list_uri(&self.issuer, self.list_id);
        let lst = self.list.compress();
        let mut claims = vec![
            (Value::int(CLAIM_SUB), Value::Text(&uri)),
            (
                Value::int(crate::claims::CLAIM_IAT),
                Value::Uint(self.issued_at),
            ),
            (
                Value::int(CLAIM_STATUS_LIST),
                Value::Map(vec![
                    (Value::Text("bits"), Value::Uint(u64::from(BITS))),
                    (Value::Text("lst"), Value::Bytes(&lst)),
                ]),
            ),
        ];
        if let Some(exp) = self.expires_at {
            claims.push((Value::int(crate::claims::CLAIM_EXP), Value::Uint(exp)));
        }
        if let Some(ttl) = self.ttl {
            claims.push((Value::int(CLAIM_TTL), Value::Uint(ttl)));
        }
        Value::Map(claims).encode()
    }

    /// The time after which the list is stale: the earlier of `exp` and `iat + ttl`, if either is set.
    pub fn stale_after(&self) -> Option<u64> {
        let ttl_end = self.ttl.map(|t| self.issued_at.saturating_add(t));
        match (self.expires_at, ttl_end) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Whether the list may be relied on at `now`, with `skew` seconds of clock tolerance: not issued in
    /// the future and not yet stale.
    pub fn is_fresh(&self, now: u64, skew: u64) -> bool {
        self.issued_at <= now.saturating_add(skew)
            && self
                .stale_after()
                .is_none_or(|t| now < t.saturating_add(skew))
    }

    /// Parses a signed token and verifies it with one of `keys` (the issuer's keys from the trust bundle).
    /// Returns the token and the key that verified it.
    pub fn verify<'k>(
        bytes: &[u8],
        keys: &'k [VerifyingKey],
    ) -> Result<(StatusListToken, &'k VerifyingKey), VerifyError> {
        Self::verify_capped(bytes, keys, MAX_LIST_BYTES)
    }

    /// As [`verify`](Self::verify), with the inflated list capped at `max_list_bytes` (at most
    /// [`MAX_LIST_BYTES`]); a longer list is `decompress.too-large` with that cap.
    pub(crate) fn verify_capped<'k>(
        bytes: &[u8],
        keys: &'k [VerifyingKey],
        max_list_bytes: usize,
    ) -> Result<(StatusListToken, &'k VerifyingKey), VerifyError> {
        let (sealed, key) = Self::open(bytes, keys)?;
        Ok((sealed.inflate(max_list_bytes)?, key))
    }

    /// Checks a token up to, but not including, inflating its list (§14.4 steps 1–8): size, COSE
    /// structure and headers, signature with one of `keys`, and every claim. The trust bundle checks the
    /// result against its issuer entries before it spends any work on the list.
    pub(crate) fn open<'b, 'k>(
        bytes: &'b [u8],
        keys: &'k [VerifyingKey],
    ) -> Result<(SealedToken<'b>, &'k VerifyingKey), VerifyError> {
        if bytes.len() > MAX_TOKEN_BYTES {
            return Err(VerifyError::CoseTooLarge {
                len: bytes.len(),
                max: MAX_TOKEN_BYTES,
            });
        }
        let parsed = cose::parse_typed(bytes, Some(TYP))?;
        let key = cose::verify_signature(bytes, &parsed, keys)?;
        let payload = bytes.get(parsed.payload.clone()).unwrap_or_default();
        Ok((SealedToken::from_payload(payload)?, key))
    }
}

/// A verified status list token whose claims have all been checked but whose list is still compressed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SealedToken<'b> {
    /// Issuer name (from the URI).
    pub(crate) issuer: &'b str,
    /// List number within the issuer.
    pub(crate) list_id: u64,
    /// `iat`.
    pub(crate) issued_at: u64,
    expires_at: Option<u64>,
    ttl: Option<u64>,
    lst: &'b [u8],
}

impl<'b> SealedToken<'b> {
    /// Decodes the claims in the order of §14.4 steps 4–7: the cheap claims (`sub`, `iat`) and the shape
    /// of `status_list` are checked before anything is inflated.
    fn from_payload(payload: &'b [u8]) -> Result<Self, VerifyError> {
        let Value::Map(pairs) = cbor::decode(payload).map_err(VerifyError::PayloadCbor)? else {
            return Err(VerifyError::ClaimType("status list claims"));
        };
        let (mut sub, mut iat, mut exp, mut ttl, mut sl) = (None, None, None, None, None);
        for (k, v) in &pairs {
            match k.as_i64() {
                Some(CLAIM_SUB) => sub = Some(text(v, "sub")?),
                Some(crate::claims::CLAIM_IAT) => iat = Some(uint(v, "iat")?),
                Some(crate::claims::CLAIM_EXP) => exp = Some(uint(v, "exp")?),
                Some(CLAIM_TTL) => ttl = Some(uint(v, "ttl")?),
                Some(CLAIM_STATUS_LIST) => sl = Some(v),
                Some(other) => return Err(VerifyError::ClaimUnknown(other)),
                None => return Err(VerifyError::ClaimType("claim key")),
            }
        }
        let sub = sub.ok_or(VerifyError::ClaimMissing("sub"))?;
        let (issuer, list_id) = parse_uri(sub).ok_or(VerifyError::ClaimInvalid {
            field: "sub",
            reason: "not a urn:yima:status:<issuer>:<id> URI",
        })?;
        let issued_at = iat.ok_or(VerifyError::ClaimMissing("iat"))?;
        let sl = match sl {
            Some(Value::Map(sl)) => sl,
            Some(_) => return Err(VerifyError::ClaimType("status_list")),
            None => return Err(VerifyError::ClaimMissing("status_list")),
        };
        let (mut bits, mut lst) = (None, None);
        for (k, v) in sl {
            match k {
                Value::Text("bits") => bits = Some(uint(v, "bits")?),
                Value::Text("lst") => match v {
                    Value::Bytes(b) => lst = Some(*b),
                    _ => return Err(VerifyError::ClaimType("lst")),
                },
                _ => return Err(VerifyError::ClaimType("status_list key")),
            }
        }
        if bits != Some(u64::from(BITS)) {
            return Err(VerifyError::ClaimInvalid {
                field: "bits",
                reason: "yima status lists use 2 bits per credential",
            });
        }
        let lst = lst.ok_or(VerifyError::ClaimMissing("lst"))?;
        Ok(SealedToken {
            issuer,
            list_id,
            issued_at,
            expires_at: exp,
            ttl,
            lst,
        })
    }

    /// Inflates the list (§14.4 step 9) with an output cap of `max_list_bytes` (at most
    /// [`MAX_LIST_BYTES`]).
    pub(crate) fn inflate(self, max_list_bytes: usize) -> Result<StatusListToken, VerifyError> {
        let list = StatusList::from_compressed_capped(self.lst, max_list_bytes)?;
        Ok(StatusListToken {
            issuer: self.issuer.to_owned(),
            list_id: self.list_id,
            issued_at: self.issued_at,
            expires_at: self.expires_at,
            ttl: self.ttl,
            list,
        })
    }
}

fn parse_uri(uri: &str) -> Option<(&str, u64)> {
    let rest = uri.strip_prefix("urn:yima:status:")?;
    let (issuer, id) = rest.rsplit_once(':')?;
    // Canonical decimal only: "01" would name list 1 a second way.
    if issuer.is_empty()
        || !id.bytes().all(|b| b.is_ascii_digit())
        || id.len() > 20
        || id.is_empty()
        || (id.len() > 1 && id.starts_with('0'))
    {
        return None;
    }
    Some((issuer, id.parse().ok()?))
}

fn text<'a>(v: &Value<'a>, name: &'static str) -> Result<&'a str, VerifyError> {
    match v {
        Value::Text(t) => Ok(t),
        _ => Err(VerifyError::ClaimType(name)),
    }
}

fn uint(v: &Value<'_>, name: &'static str) -> Result<u64, VerifyError> {
    match v {
        Value::Uint(n) => Ok(*n),
        _ => Err(VerifyError::ClaimType(name)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_uri_is_canonical() {
        assert_eq!(parse_uri(&list_uri("SH", 1)), Some(("SH", 1)));
        assert_eq!(parse_uri("urn:yima:status:SH:01"), None);
        assert_eq!(parse_uri("urn:yima:status:SH:0"), Some(("SH", 0)));
        assert_eq!(parse_uri("urn:yima:status::1"), None);
        assert_eq!(parse_uri("urn:yima:status:SH:"), None);
        assert_eq!(parse_uri("urn:yima:status:SH:18446744073709551616"), None);
        // Every list number a credential can reference has its URI.
        assert_eq!(parse_uri(&list_uri("SH", u64::MAX)), Some(("SH", u64::MAX)));
        assert_eq!(parse_uri("urn:yima:status:SH:018446744073709551615"), None);
    }

    /// A token with the given claims, signed by `key` (for claims `sign` cannot produce).
    fn raw_token(key: &SigningKey, claims: Vec<(Value<'_>, Value<'_>)>) -> Vec<u8> {
        cose::sign(key, &Value::Map(claims).encode(), Some(TYP))
    }

    #[test]
    fn cheap_claims_are_checked_before_the_list_is_inflated() {
        let key = SigningKey::from_seed(&[3; 32]);
        let keys = [key.verifying_key()];
        let code = |claims| {
            StatusListToken::verify(&raw_token(&key, claims), &keys)
                .unwrap_err()
                .code()
        };
        let sub = || (Value::int(CLAIM_SUB), Value::Text("urn:yima:status:SH:1"));
        let iat = || (Value::int(crate::claims::CLAIM_IAT), Value::Uint(100));
        // `lst` is not a zlib stream: any error other than decompress.invalid was found before inflating.
        let garbage = [0xffu8; 8];
        let sl = || {
            (
                Value::int(CLAIM_STATUS_LIST),
                Value::Map(vec![
                    (Value::Text("bits"), Value::Uint(2)),
                    (Value::Text("lst"), Value::Bytes(&garbage)),
                ]),
            )
        };
        assert_eq!(code(vec![sub(), iat(), sl()]), "decompress.invalid");
        // A missing iat is found before the list is inflated.
        assert_eq!(code(vec![sub(), sl()]), "claims.missing");
        // A status_list that is present but not a map is the wrong type, not missing.
        let not_map = (Value::int(CLAIM_STATUS_LIST), Value::Bytes(&garbage));
        assert_eq!(code(vec![sub(), iat(), not_map]), "claims.wrong-type");
        assert_eq!(code(vec![sub(), iat()]), "claims.missing");
        // The list number has one spelling: a leading zero is not list 1.
        let zero = (Value::int(CLAIM_SUB), Value::Text("urn:yima:status:SH:01"));
        assert_eq!(code(vec![zero, iat(), sl()]), "claims.invalid");
    }

    #[test]
    fn bits_are_lsb_first_as_in_the_draft() {
        // draft-ietf-oauth-status-list §4.1 example layout for 2-bit statuses:
        // status[0]=1 status[1]=2 status[2]=0 status[3]=3 -> byte 0 = 0b11_00_10_01 = 0xC9.
        let mut l = StatusList::new(8).unwrap();
        l.set(0, CredentialStatus::Revoked);
        l.set(1, CredentialStatus::Suspended);
        l.set(3, CredentialStatus::Changed);
        assert_eq!(l.as_bytes(), &[0xC9, 0x00]);
        assert_eq!(l.get(1), Some(CredentialStatus::Suspended));
        assert_eq!(l.get(8), None);
        assert!(!l.set(8, CredentialStatus::Revoked));
        l.set(0, CredentialStatus::Valid);
        assert_eq!(l.get(0), Some(CredentialStatus::Valid));
    }

    #[test]
    fn token_round_trip_and_wrong_key() {
        let key = SigningKey::from_seed(&[3; 32]);
        let mut list = StatusList::new(1000).unwrap();
        list.set(999, CredentialStatus::Revoked);
        let t = StatusListToken {
            issuer: "SH".into(),
            list_id: 7,
            issued_at: 100,
            expires_at: Some(1000),
            ttl: Some(500),
            list,
        };
        let bytes = t.sign(&key);
        let (back, _) = StatusListToken::verify(&bytes, &[key.verifying_key()]).unwrap();
        assert_eq!(back.list.get(999), Some(CredentialStatus::Revoked));
        assert_eq!(back.list_id, 7);
        assert_eq!(back.stale_after(), Some(600));
        let other = SigningKey::from_seed(&[4; 32]).verifying_key();
        assert_eq!(
            StatusListToken::verify(&bytes, &[other])
                .unwrap_err()
                .code(),
            "key.unknown-kid"
        );
        // A credential is not a status list (typ binds the object type).
        let cred = crate::issue(
            &crate::samples::claims(crate::Kind::HealthCode, 100, [0; 8]),
            &key,
        )
        .unwrap();
        assert_eq!(
            StatusListToken::verify(&cred.cose, &[key.verifying_key()])
                .unwrap_err()
                .code(),
            "header.invalid"
        );
    }
}
