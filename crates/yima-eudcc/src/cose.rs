//! COSE_Sign1 (RFC 9052 §4.2) as EU DCCs use it: tagged 18, untagged, or CWT tag 61 around tag 18;
//! `alg` and `kid` in the protected header or the unprotected one (the protected value wins); ES256 or
//! PS256. The protected header and payload are kept as the exact bytes received, and the signature is
//! checked over those bytes, never over a re-encoding.

use crate::cbor::{self, Value};
use crate::error::DccError;

/// CBOR tag of COSE_Sign1.
pub const TAG_COSE_SIGN1: u64 = 18;
/// CBOR tag of a CWT (RFC 8392 §6), allowed around the COSE_Sign1 tag.
pub const TAG_CWT: u64 = 61;
/// Header label `alg`.
pub const HEADER_ALG: i128 = 1;
/// Header label `crit`.
pub const HEADER_CRIT: i128 = 2;
/// Header label `kid`.
pub const HEADER_KID: i128 = 4;
/// Longest `kid` accepted, in bytes (EU kids are 8).
pub const MAX_KID_BYTES: usize = 64;

/// The two signature algorithms of the EU DCC (hcert spec §3.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Alg {
    /// ECDSA with P-256 and SHA-256 (COSE -7); the signature is r || s, 64 bytes.
    Es256,
    /// RSASSA-PSS with SHA-256, MGF1-SHA-256 and a 32-byte salt (COSE -37).
    Ps256,
}

impl Alg {
    /// The algorithm for a COSE algorithm identifier, if it is one of the two.
    pub fn from_cose(id: i128) -> Option<Alg> {
        match id {
            -7 => Some(Alg::Es256),
            -37 => Some(Alg::Ps256),
            _ => None,
        }
    }

    /// The COSE algorithm identifier.
    pub fn cose_id(&self) -> i64 {
        match self {
            Alg::Es256 => -7,
            Alg::Ps256 => -37,
        }
    }

    /// The JOSE/COSE name, `ES256` or `PS256`.
    pub fn name(&self) -> &'static str {
        match self {
            Alg::Es256 => "ES256",
            Alg::Ps256 => "PS256",
        }
    }
}

/// Which header bucket the `kid` was taken from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KidLocation {
    /// The protected header (integrity-protected).
    Protected,
    /// The unprotected header (a lookup hint only; allowed by the hcert spec).
    Unprotected,
}

/// How the COSE_Sign1 was wrapped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Envelope {
    /// `18(...)`.
    Tagged,
    /// No tag.
    Untagged,
    /// `61(18(...))`.
    Cwt,
}

/// A structurally valid COSE_Sign1 with the bytes needed to check its signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sign1 {
    protected: Vec<u8>,
    payload: Vec<u8>,
    signature: Vec<u8>,
    alg: Alg,
    kid: Vec<u8>,
    kid_location: KidLocation,
    envelope: Envelope,
}

fn cose_err(what: impl Into<String>) -> DccError {
    DccError::Cose(what.into())
}

fn bytes<'v>(v: &'v Value<'_>, what: &str) -> Result<&'v [u8], DccError> {
    match v {
        Value::Bytes(b) => Ok(b),
        _ => Err(cose_err(format!("{what} is not a byte string"))),
    }
}

impl Sign1 {
    /// Parses COSE bytes (the decompressed payload of an `HC1:` text).
    pub fn parse(cose: &[u8]) -> Result<Sign1, DccError> {
        let top = cbor::decode(cose).map_err(|e| cose_err(format!("CBOR: {e}")))?;
        let (item, envelope) = match &top {
            Value::Tag(TAG_CWT, inner) => match inner.as_ref() {
                Value::Tag(TAG_COSE_SIGN1, item) => (item.as_ref(), Envelope::Cwt),
                _ => return Err(cose_err("CWT tag 61 not around COSE_Sign1 tag 18")),
            },
            Value::Tag(TAG_COSE_SIGN1, item) => (item.as_ref(), Envelope::Tagged),
            Value::Tag(t, _) => return Err(cose_err(format!("tag {t} is not COSE_Sign1 (18)"))),
            other => (other, Envelope::Untagged),
        };
        let [protected, unprotected, payload, signature] = match item {
            Value::Array(a) => match a.as_slice() {
                [p, u, pl, s] => [p, u, pl, s],
                _ => return Err(cose_err("not an array of 4 elements")),
            },
            _ => return Err(cose_err("not an array")),
        };
        let protected = bytes(protected, "protected header")?;
        let payload = match payload {
            Value::Null => return Err(cose_err("detached payload")),
            p => bytes(p, "payload")?,
        };
        let signature = bytes(signature, "signature")?;
        if !matches!(unprotected, Value::Map(_)) {
            return Err(cose_err("unprotected header is not a map"));
        }
        let prot_map = if protected.is_empty() {
            Value::Map(Vec::new())
        } else {
            match cbor::decode(protected) {
                Ok(m @ Value::Map(_)) => m,
                Ok(_) => return Err(cose_err("protected header is not a map")),
                Err(e) => return Err(cose_err(format!("protected header CBOR: {e}"))),
            }
        };
        if prot_map.get_int(HEADER_CRIT).is_some() || unprotected.get_int(HEADER_CRIT).is_some() {
            return Err(cose_err("critical header parameters are not supported"));
        }
        // `alg` belongs in the protected header (RFC 9052 §3.1). Some issuers put it in the unprotected
        // one only, which is accepted for interop (the key must still fit the algorithm, see
        // `key_fits`), but two different values are refused rather than picking one.
        let (prot_alg, unprot_alg) = (
            prot_map.get_int(HEADER_ALG),
            unprotected.get_int(HEADER_ALG),
        );
        if let (Some(a), Some(b)) = (prot_alg, unprot_alg)
            && a != b
        {
            return Err(DccError::AlgUnsupported(
                "the protected and unprotected headers name different algorithms".into(),
            ));
        }
        let alg = match prot_alg.or(unprot_alg) {
            None => return Err(DccError::AlgUnsupported("no alg header".into())),
            Some(Value::Int(id)) => Alg::from_cose(*id).ok_or_else(|| {
                DccError::AlgUnsupported(format!("COSE algorithm {id} (only ES256 and PS256)"))
            })?,
            Some(_) => return Err(DccError::AlgUnsupported("alg is not an integer".into())),
        };
        let (kid, kid_location) = match prot_map.get_int(HEADER_KID) {
            Some(k) => (k, KidLocation::Protected),
            None => match unprotected.get_int(HEADER_KID) {
                Some(k) => (k, KidLocation::Unprotected),
                None => return Err(DccError::Kid("no kid in either header")),
            },
        };
        let kid = match kid {
            Value::Bytes(k) if (1..=MAX_KID_BYTES).contains(&k.len()) => k.to_vec(),
            Value::Bytes(_) => return Err(DccError::Kid("kid must be 1 to 64 bytes")),
            _ => return Err(DccError::Kid("kid is not a byte string")),
        };
        Ok(Sign1 {
            protected: protected.to_vec(),
            payload: payload.to_vec(),
            signature: signature.to_vec(),
            alg,
            kid,
            kid_location,
            envelope,
        })
    }

    /// The serialized protected header, as received.
    pub fn protected_bytes(&self) -> &[u8] {
        &self.protected
    }

    /// The payload (the CWT claims set), as received.
    pub fn payload_bytes(&self) -> &[u8] {
        &self.payload
    }

    /// The signature, as received.
    pub fn signature(&self) -> &[u8] {
        &self.signature
    }

    /// The signature algorithm.
    pub fn alg(&self) -> Alg {
        self.alg
    }

    /// The key identifier.
    pub fn kid(&self) -> &[u8] {
        &self.kid
    }

    /// Where the key identifier was found.
    pub fn kid_location(&self) -> KidLocation {
        self.kid_location
    }

    /// How the structure was tagged.
    pub fn envelope(&self) -> Envelope {
        self.envelope
    }

    /// The bytes that are signed: `["Signature1", protected, h'', payload]` (RFC 9052 §4.4).
    pub fn sig_structure(&self) -> Vec<u8> {
        sig_structure(&self.protected, &self.payload)
    }
}

fn push_head(out: &mut Vec<u8>, major: u8, n: usize) {
    let m = major << 5;
    let n = n as u64;
    match n {
        0..=23 => out.push(m | n as u8),
        24..=0xff => out.extend_from_slice(&[m | 24, n as u8]),
        0x100..=0xffff => {
            out.push(m | 25);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        0x1_0000..=0xffff_ffff => {
            out.push(m | 26);
            out.extend_from_slice(&(n as u32).to_be_bytes());
        }
        _ => {
            out.push(m | 27);
            out.extend_from_slice(&n.to_be_bytes());
        }
    }
}

/// `["Signature1", protected, h'', payload]`, deterministically encoded.
pub fn sig_structure(protected: &[u8], payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(protected.len() + payload.len() + 24);
    out.push(0x84);
    out.push(0x6a);
    out.extend_from_slice(b"Signature1");
    push_head(&mut out, 2, protected.len());
    out.extend_from_slice(protected);
    out.push(0x40);
    push_head(&mut out, 2, payload.len());
    out.extend_from_slice(payload);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign1(prot: &[u8], unprot: &[u8], tags: &[u8]) -> Vec<u8> {
        let mut v = tags.to_vec();
        v.push(0x84);
        push_head(&mut v, 2, prot.len());
        v.extend_from_slice(prot);
        v.extend_from_slice(unprot);
        v.extend_from_slice(&[0x41, 0xa0]); // payload h'a0'
        v.extend_from_slice(&[0x42, 1, 2]); // signature
        v
    }

    const PROT_ES256_KID: &[u8] = &[0xa2, 0x01, 0x26, 0x04, 0x42, 0xaa, 0xbb];

    #[test]
    fn envelopes() {
        let t = Sign1::parse(&sign1(PROT_ES256_KID, &[0xa0], &[0xd2])).unwrap();
        assert_eq!(
            (t.alg(), t.kid(), t.envelope()),
            (Alg::Es256, &[0xaa, 0xbb][..], Envelope::Tagged)
        );
        let u = Sign1::parse(&sign1(PROT_ES256_KID, &[0xa0], &[])).unwrap();
        assert_eq!(u.envelope(), Envelope::Untagged);
        let c = Sign1::parse(&sign1(PROT_ES256_KID, &[0xa0], &[0xd8, 0x3d, 0xd2])).unwrap();
        assert_eq!(c.envelope(), Envelope::Cwt);
        for bad in [&[0xd1][..], &[0xd8, 0x3d], &[0xd8, 0x62]] {
            assert_eq!(
                Sign1::parse(&sign1(PROT_ES256_KID, &[0xa0], bad))
                    .unwrap_err()
                    .code(),
                "dcc.cose"
            );
        }
        let mut trailing = sign1(PROT_ES256_KID, &[0xa0], &[0xd2]);
        trailing.push(0);
        assert_eq!(Sign1::parse(&trailing).unwrap_err().code(), "dcc.cose");
    }

    #[test]
    fn header_buckets() {
        // kid only unprotected
        let s = Sign1::parse(&sign1(
            &[0xa1, 0x01, 0x26],
            &[0xa1, 0x04, 0x41, 0x07],
            &[0xd2],
        ))
        .unwrap();
        assert_eq!(
            (s.kid(), s.kid_location()),
            (&[7u8][..], KidLocation::Unprotected)
        );
        // protected wins
        let s = Sign1::parse(&sign1(PROT_ES256_KID, &[0xa1, 0x04, 0x41, 0x07], &[0xd2])).unwrap();
        assert_eq!(
            (s.kid(), s.kid_location()),
            (&[0xaa, 0xbb][..], KidLocation::Protected)
        );
        // alg only unprotected (corpus CO22/CO23), empty protected bstr
        let s = Sign1::parse(&sign1(
            &[],
            &[0xa2, 0x01, 0x38, 0x24, 0x04, 0x41, 0x07],
            &[0xd2],
        ))
        .unwrap();
        assert_eq!(s.alg(), Alg::Ps256);
        // the same alg in both buckets is accepted
        let s = Sign1::parse(&sign1(PROT_ES256_KID, &[0xa1, 0x01, 0x26], &[0xd2])).unwrap();
        assert_eq!(s.alg(), Alg::Es256);
        // no kid; EdDSA; text alg; crit; kid too long
        let codes = [
            (sign1(&[0xa1, 0x01, 0x26], &[0xa0], &[0xd2]), "dcc.kid"),
            (
                sign1(&[0xa2, 0x01, 0x27, 0x04, 0x41, 0x01], &[0xa0], &[0xd2]),
                "dcc.alg-unsupported",
            ),
            (
                sign1(
                    &[
                        0xa2, 0x01, 0x65, b'E', b'S', b'2', b'5', b'6', 0x04, 0x41, 0x01,
                    ],
                    &[0xa0],
                    &[0xd2],
                ),
                "dcc.alg-unsupported",
            ),
            (
                sign1(
                    &[0xa3, 0x01, 0x26, 0x02, 0x81, 0x04, 0x04, 0x41, 0x01],
                    &[0xa0],
                    &[0xd2],
                ),
                "dcc.cose",
            ),
            (
                sign1(&[0xa2, 0x01, 0x26, 0x04, 0x40], &[0xa0], &[0xd2]),
                "dcc.kid",
            ),
            (
                sign1(&[0xa2, 0x01, 0x26, 0x04, 0x61, 0x61], &[0xa0], &[0xd2]),
                "dcc.kid",
            ),
            (sign1(&[0x01], &[0xa0], &[0xd2]), "dcc.cose"),
            (sign1(PROT_ES256_KID, &[0x80], &[0xd2]), "dcc.cose"),
            // crit in the unprotected header
            (
                sign1(PROT_ES256_KID, &[0xa1, 0x02, 0x81, 0x04], &[0xd2]),
                "dcc.cose",
            ),
            // ES256 protected, PS256 unprotected: refused, not resolved either way
            (
                sign1(PROT_ES256_KID, &[0xa1, 0x01, 0x38, 0x24], &[0xd2]),
                "dcc.alg-unsupported",
            ),
        ];
        for (bytes, code) in codes {
            assert_eq!(
                Sign1::parse(&bytes).unwrap_err().code(),
                code,
                "{bytes:02x?}"
            );
        }
    }

    #[test]
    fn sig_structure_encoding() {
        assert_eq!(
            sig_structure(&[0xa0], &[1, 2]),
            [
                &[0x84, 0x6a][..],
                b"Signature1",
                &[0x41, 0xa0, 0x40, 0x42, 1, 2]
            ]
            .concat()
        );
        let long = vec![0u8; 300];
        let s = sig_structure(&[], &long);
        assert_eq!(s.get(12..16), Some(&[0x40, 0x40, 0x59, 0x01][..]));
    }
}
