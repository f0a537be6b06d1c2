//! COSE_Sign1 (RFC 9052 §4.2) as yima uses it: tag 18, protected header `{1: alg, 4: kid}`, empty
//! unprotected header, embedded payload, 64-byte Ed25519 signature. The protected header and payload are
//! kept as the exact bytes received, and the signature is checked over those bytes.

use std::ops::Range;

use crate::cbor::{self, Value};
use crate::error::VerifyError;
use crate::keys;

/// CBOR tag of COSE_Sign1.
pub const TAG_COSE_SIGN1: u64 = 18;
/// Header label `alg`.
pub const HEADER_ALG: i64 = 1;
/// Header label `crit`.
pub const HEADER_CRIT: i64 = 2;
/// Header label `kid`.
pub const HEADER_KID: i64 = 4;
/// Longest `kid` accepted, in bytes.
pub const MAX_KID_BYTES: usize = 32;

/// A structurally valid COSE_Sign1, as positions into the bytes it was parsed from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedSign1 {
    /// Byte range of the serialized protected header (the bstr's content).
    pub protected: Range<usize>,
    /// Byte range of the payload (the bstr's content).
    pub payload: Range<usize>,
    /// The signature.
    pub signature: [u8; 64],
    /// `alg` from the protected header.
    pub alg: i64,
    /// `kid` from the protected header.
    pub kid: Vec<u8>,
}

fn range_of(whole: &[u8], part: &[u8]) -> Range<usize> {
    // `part` is a sub-slice of `whole` (it was borrowed from it by the CBOR reader), so the pointer
    // difference is its offset; computed without unsafe code.
    let start = (part.as_ptr() as usize).saturating_sub(whole.as_ptr() as usize);
    start..start + part.len()
}

/// Header label `typ` (RFC 9596): the content type of the whole COSE object.
pub const HEADER_TYP: i64 = 16;

/// Parses a tagged COSE_Sign1 credential: the protected header must not carry `typ`.
pub fn parse(bytes: &[u8]) -> Result<ParsedSign1, VerifyError> {
    parse_typed(bytes, None)
}

/// Parses a tagged COSE_Sign1 whose protected header must carry `typ` equal to `expected_typ` (or no
/// `typ` at all when `None`). Distinct `typ` values keep credentials, status lists and trust bundles from
/// being accepted in each other's place.
pub fn parse_typed(bytes: &[u8], expected_typ: Option<&str>) -> Result<ParsedSign1, VerifyError> {
    let v = cbor::decode(bytes).map_err(VerifyError::Cbor)?;
    let inner = match v {
        Value::Tag(TAG_COSE_SIGN1, inner) => inner,
        Value::Tag(other, _) => return Err(VerifyError::CoseWrongTag(other)),
        _ => return Err(VerifyError::CoseUntagged),
    };
    let Value::Array(items) = *inner else {
        return Err(VerifyError::CoseStructure("COSE_Sign1 must be an array"));
    };
    let [protected, unprotected, payload, signature] = items.as_slice() else {
        return Err(VerifyError::CoseStructure(
            "COSE_Sign1 must have 4 elements",
        ));
    };
    let Value::Bytes(protected) = protected else {
        return Err(VerifyError::CoseStructure(
            "protected header must be a byte string",
        ));
    };
    let Value::Map(unprotected) = unprotected else {
        return Err(VerifyError::CoseStructure(
            "unprotected header must be a map",
        ));
    };
    let Value::Bytes(payload) = payload else {
        return Err(VerifyError::CoseStructure(
            "payload must be an embedded byte string",
        ));
    };
    let Value::Bytes(signature) = signature else {
        return Err(VerifyError::CoseStructure(
            "signature must be a byte string",
        ));
    };
    let signature: [u8; 64] = (*signature)
        .try_into()
        .map_err(|_| VerifyError::CoseStructure("Ed25519 signature must be 64 bytes"))?;

    // Headers. Unknown labels anywhere are refused (the format defines no optional headers), and every
    // header must be protected.
    if let Some((label, _)) = unprotected.first() {
        return Err(match label.as_i64() {
            Some(l) if l == HEADER_ALG || l == HEADER_KID || l == HEADER_CRIT => {
                VerifyError::UnprotectedNotEmpty
            }
            Some(l) => VerifyError::UnknownHeader(l),
            None => VerifyError::HeaderInvalid("header label must be an integer"),
        });
    }
    if protected.is_empty() {
        return Err(VerifyError::AlgMissing);
    }
    let header = cbor::decode(protected).map_err(VerifyError::Cbor)?;
    let Value::Map(header) = header else {
        return Err(VerifyError::HeaderInvalid("protected header must be a map"));
    };
    let (mut alg, mut kid, mut typ) = (None, None, None);
    for (label, value) in &header {
        let Some(label) = label.as_i64() else {
            return Err(VerifyError::HeaderInvalid(
                "header label must be an integer",
            ));
        };
        match label {
            HEADER_ALG => {
                alg = Some(
                    value
                        .as_i64()
                        .ok_or(VerifyError::HeaderInvalid("alg must be an integer"))?,
                )
            }
            HEADER_KID => match value {
                Value::Bytes(k) if !k.is_empty() && k.len() <= MAX_KID_BYTES => kid = Some(*k),
                _ => {
                    return Err(VerifyError::HeaderInvalid(
                        "kid must be a byte string of 1 to 32 bytes",
                    ));
                }
            },
            HEADER_CRIT => {
                // Every critical parameter must be understood; yima defines no extension parameters,
                // and alg/kid may not be listed (RFC 9052 §3.1), so any entry is an unknown one.
                match value {
                    Value::Array(items) if !items.is_empty() => {
                        return Err(VerifyError::UnknownCritical);
                    }
                    _ => return Err(VerifyError::HeaderInvalid("crit must be a non-empty array")),
                }
            }
            HEADER_TYP if expected_typ.is_some() => match value {
                Value::Text(t) => typ = Some(*t),
                _ => return Err(VerifyError::HeaderInvalid("typ must be a text string")),
            },
            other => return Err(VerifyError::UnknownHeader(other)),
        }
    }
    if typ != expected_typ {
        return Err(VerifyError::HeaderInvalid(
            "wrong or missing typ for this kind of object",
        ));
    }
    let alg = alg.ok_or(VerifyError::AlgMissing)?;
    if !keys::is_known_cose_alg(alg) {
        return Err(VerifyError::AlgUnknown(alg));
    }
    let kid = kid.ok_or(VerifyError::KidMissing)?.to_vec();
    Ok(ParsedSign1 {
        protected: range_of(bytes, protected),
        payload: range_of(bytes, payload),
        signature,
        alg,
        kid,
    })
}

/// The encoded protected header `{1: alg, 4: kid}`.
pub fn protected_header(alg: i64, kid: &[u8]) -> Vec<u8> {
    protected_header_typed(alg, kid, None)
}

/// The encoded protected header `{1: alg, 4: kid, 16: typ}` (typ omitted when `None`).
pub fn protected_header_typed(alg: i64, kid: &[u8], typ: Option<&str>) -> Vec<u8> {
    let mut pairs = vec![
        (Value::int(HEADER_ALG), Value::int(alg)),
        (Value::int(HEADER_KID), Value::Bytes(kid)),
    ];
    if let Some(t) = typ {
        pairs.push((Value::int(HEADER_TYP), Value::Text(t)));
    }
    Value::Map(pairs).encode()
}

/// Signs `payload` with `key` as a tagged COSE_Sign1 with protected header `{alg, kid[, typ]}`.
pub fn sign(key: &crate::keys::SigningKey, payload: &[u8], typ: Option<&str>) -> Vec<u8> {
    let protected = protected_header_typed(key.algorithm().cose_id(), &key.kid(), typ);
    let signature = key.sign(&sig_structure(&protected, payload));
    assemble(&protected, payload, &signature)
}

/// Like [`sign`], through any [`Signer`](crate::keys::Signer) (an HSM, say). The header's `alg` and
/// `kid` come from the signer's public key; a signer whose signatures need checking has its signature
/// verified against that key before the COSE_Sign1 is assembled.
pub fn sign_with(
    signer: &dyn crate::keys::Signer,
    payload: &[u8],
    typ: Option<&str>,
) -> Result<Vec<u8>, crate::error::SignerError> {
    let public = signer.verifying_key();
    let protected = protected_header_typed(public.algorithm().cose_id(), &public.kid(), typ);
    let signature =
        crate::keys::sign_checked(signer, &public, &sig_structure(&protected, payload))?;
    Ok(assemble(&protected, payload, &signature))
}

/// The Sig_structure of RFC 9052 §4.4 for COSE_Sign1 with empty external AAD:
/// `["Signature1", protected, h'', payload]`, built from the exact received byte strings.
pub fn sig_structure(protected: &[u8], payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(protected.len() + payload.len() + 24);
    cbor::write_head(&mut out, 4, 4);
    cbor::write_head(&mut out, 3, 10);
    out.extend_from_slice(b"Signature1");
    cbor::write_head(&mut out, 2, protected.len() as u64);
    out.extend_from_slice(protected);
    cbor::write_head(&mut out, 2, 0);
    cbor::write_head(&mut out, 2, payload.len() as u64);
    out.extend_from_slice(payload);
    out
}

/// Assembles a tagged COSE_Sign1 from its parts.
pub fn assemble(protected: &[u8], payload: &[u8], signature: &[u8; 64]) -> Vec<u8> {
    Value::Tag(
        TAG_COSE_SIGN1,
        Box::new(Value::Array(vec![
            Value::Bytes(protected),
            Value::Map(Vec::new()),
            Value::Bytes(payload),
            Value::Bytes(signature),
        ])),
    )
    .encode()
}

/// Finds the key for a parsed COSE_Sign1 and checks its signature: every key whose kid matches is tried;
/// the key's algorithm must equal the header's `alg`; verification is strict Ed25519 over the Sig_structure
/// built from the received protected-header and payload bytes.
pub fn verify_signature<'k>(
    bytes: &[u8],
    parsed: &ParsedSign1,
    keys: &'k [crate::keys::VerifyingKey],
) -> Result<&'k crate::keys::VerifyingKey, VerifyError> {
    let mut candidates = keys
        .iter()
        .filter(|k| k.kid().as_slice() == parsed.kid.as_slice())
        .peekable();
    let Some(first) = candidates.peek() else {
        return Err(VerifyError::UnknownKid(crate::claims::to_hex(&parsed.kid)));
    };
    let key_alg = first.algorithm().cose_id();
    let mut bound = candidates
        .filter(|k| k.algorithm().cose_id() == parsed.alg)
        .peekable();
    if bound.peek().is_none() {
        return Err(VerifyError::AlgMismatch {
            alg: parsed.alg,
            key_alg,
        });
    }
    let protected = bytes.get(parsed.protected.clone()).unwrap_or_default();
    let payload = bytes.get(parsed.payload.clone()).unwrap_or_default();
    let msg = sig_structure(protected, payload);
    bound
        .find(|k| k.verify_strict(&msg, &parsed.signature))
        .ok_or(VerifyError::BadSignature)
}
