//! Verifying many credentials at once with Ed25519 batch verification.
//!
//! [`verify_texts`] and [`verify_unverified`] give, for every input and in input order, exactly the result
//! [`Unverified::verify`] gives for it alone (same [`Verified`], same error and code), at a lower cost per
//! credential: the signatures that reach the signature stage are checked together with
//! `ed25519_dalek::verify_batch` in groups of [`BATCH_SIZE`], one multi-scalar multiplication per group
//! instead of one double-scalar multiplication per signature. A group that fails is split in halves
//! until the failing signatures are found; groups of [`SINGLE_BELOW`] or fewer are checked one by one
//! with the strict single verification.
//!
//! # Strictness
//!
//! yima verifies signatures with `verify_strict`, which refuses a non-canonical `S` (`S ≥ L`), a
//! small-order public key, a small-order `R`, and (because it compares the recomputed `R` with the
//! received bytes) a non-canonical encoding of `R`. The batch equation
//! `[−Σ zᵢsᵢ]B + Σ zᵢRᵢ + Σ zᵢhᵢAᵢ = 0` (random 128-bit `zᵢ`, cofactorless) checks none of the point
//! conditions by itself: dalek's `verify_batch` refuses `S ≥ L` (unless the `legacy_compatibility`
//! feature is enabled somewhere in the build) and decompresses `R` without checking its order or the
//! canonicity of its encoding. So before a signature joins a batch, this module checks, on bytes and
//! without curve arithmetic:
//!
//! - `S < L` (also when a build enables `legacy_compatibility`);
//! - `R` is a canonical encoding (`y < p`) and not one of the eight small-order points;
//! - the key is canonical and not small-order (a [`VerifyingKey`] cannot be otherwise; checked anyway).
//!
//! A signature failing a pre-check gets `signature.invalid`, as `verify_strict` would give it.
//!
//! What remains: a signature whose `R` (or key) has a small-order *component* (a mixed-order point) fails
//! `verify_strict` but passes the batch equation when `zᵢ` happens to cancel that component (probability
//! 1/2 to 1/8 per such signature). Making one needs the issuer's private key: the signature must satisfy
//! the equation up to the small-order part, with `hᵢ` bound to the `R` bytes, so it cannot be derived
//! from a genuine credential, and its claims are ones the key holder signed. Ruling it out too would need
//! a full scalar multiplication per `R` (a torsion check), which costs about as much as the batching saves.
//! The results for genuine credentials and for every input that an outsider can craft are identical to
//! one-by-one verification.

use crate::claims::to_hex;
use crate::credential::{Unverified, Verified, VerifyOptions};
use crate::error::VerifyError;
use crate::keys::VerifyingKey;

/// Signatures verified together in one batch equation. Larger groups cost less per signature (the
/// multi-scalar multiplication amortises better) but more when a group holds a bad signature.
pub const BATCH_SIZE: usize = 128;

/// Groups of at most this many signatures are verified one by one (when a larger group fails).
pub const SINGLE_BELOW: usize = 4;

/// The group order L = 2^252 + 27742317777372353535851937790883648493, little-endian.
const ORDER_L: [u8; 32] = [
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
];

/// The y-coordinates (canonical, little-endian, sign bit clear) of the eight small-order points of
/// edwards25519: 0 (order 4, two points), 1 (the identity), p − 1 (order 2), and the two y-coordinates of
/// the four points of order 8. A point is small-order iff its y is one of these.
const SMALL_ORDER_Y: [[u8; 32]; 5] = [
    [0; 32],
    [
        1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0,
    ],
    [
        0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0x7f,
    ],
    [
        0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98,
        0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53,
        0xfc, 0x05,
    ],
    [
        0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67,
        0x0f, 0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac,
        0x03, 0x7a,
    ],
];

/// `a < b` for 32-byte little-endian integers.
fn less_le(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.iter().rev().cmp(b.iter().rev()) == std::cmp::Ordering::Less
}

/// Whether `s` (little-endian) is a canonical scalar, `s < L`.
pub fn is_canonical_scalar(s: &[u8; 32]) -> bool {
    less_le(s, &ORDER_L)
}

/// Whether `p` is the canonical encoding (`y < p`) of a y-coordinate that is not one of a small-order
/// point. Says nothing about whether `y` is on the curve (decompression decides that).
pub fn is_canonical_non_small_order(p: &[u8; 32]) -> bool {
    let mut y = *p;
    if let Some(last) = y.last_mut() {
        *last &= 0x7f;
    }
    // y ≥ p = 2^255 − 19 iff the top 31 bytes are all ones (0x7f for the last) and the low byte ≥ 0xed.
    let high_all_ones =
        y.get(1..31).is_some_and(|m| m.iter().all(|&b| b == 0xff)) && y.get(31) == Some(&0x7f);
    let non_canonical = high_all_ones && y.first().is_some_and(|&b| b >= 0xed);
    !non_canonical && !SMALL_ORDER_Y.contains(&y)
}

/// The byte-level strictness pre-checks for one signature (see the module documentation).
pub fn passes_strict_prechecks(signature: &[u8; 64], key: &[u8; 32]) -> bool {
    let (mut r, mut s) = ([0u8; 32], [0u8; 32]);
    r.copy_from_slice(signature.get(..32).unwrap_or(&[0; 32]));
    s.copy_from_slice(signature.get(32..).unwrap_or(&[0; 32]));
    is_canonical_scalar(&s) && is_canonical_non_small_order(&r) && is_canonical_non_small_order(key)
}

/// Parses and verifies many transport texts; result `i` is what [`crate::verify_text`] gives for `texts[i]`.
pub fn verify_texts<S: AsRef<str>>(
    texts: &[S],
    keys: &[VerifyingKey],
    opts: &VerifyOptions,
) -> Vec<Result<Verified, VerifyError>> {
    let parsed: Vec<Result<Unverified, VerifyError>> = texts
        .iter()
        .map(|t| Unverified::parse(t.as_ref()))
        .collect();
    verify_inner(
        parsed.iter().map(|p| p.as_ref().map_err(Clone::clone)),
        keys,
        opts,
    )
}

/// Verifies many parsed credentials; result `i` is what `items[i].verify(keys, opts)` gives.
pub fn verify_unverified(
    items: &[Unverified],
    keys: &[VerifyingKey],
    opts: &VerifyOptions,
) -> Vec<Result<Verified, VerifyError>> {
    verify_inner(items.iter().map(Ok), keys, opts)
}

/// A credential waiting for its signature check.
struct Pending<'a> {
    slot: usize,
    item: &'a Unverified,
    key: usize,
    message: Vec<u8>,
}

fn verify_inner<'a>(
    items: impl Iterator<Item = Result<&'a Unverified, VerifyError>>,
    keys: &[VerifyingKey],
    opts: &VerifyOptions,
) -> Vec<Result<Verified, VerifyError>> {
    // The trusted keys in dalek's form, decompressed once; a key failing the pre-checks cannot join.
    let dalek_keys: Vec<Option<ed25519_dalek::VerifyingKey>> = keys
        .iter()
        .map(|k| {
            let bytes = k.to_bytes();
            if !is_canonical_non_small_order(&bytes) {
                return None;
            }
            ed25519_dalek::VerifyingKey::from_bytes(&bytes).ok()
        })
        .collect();

    let mut results: Vec<Option<Result<Verified, VerifyError>>> = Vec::new();
    let mut pending: Vec<Pending<'a>> = Vec::new();
    for (slot, item) in items.enumerate() {
        results.push(None);
        let item = match item {
            Ok(item) => item,
            Err(e) => {
                set(&mut results, slot, Err(e));
                continue;
            }
        };
        match single_key(item, keys) {
            Err(e) => set(&mut results, slot, Err(e)),
            // Several trusted keys share the kid and the alg: the one-by-one path tries each in turn.
            Ok(None) => set(&mut results, slot, item.verify(keys, opts)),
            Ok(Some(key)) => {
                let joins = dalek_keys.get(key).is_some_and(Option::is_some)
                    && keys
                        .get(key)
                        .is_some_and(|k| passes_strict_prechecks(item.signature(), &k.to_bytes()));
                if joins {
                    let message =
                        crate::cose::sig_structure(item.protected_bytes(), item.payload_bytes());
                    pending.push(Pending {
                        slot,
                        item,
                        key,
                        message,
                    });
                } else {
                    set(&mut results, slot, Err(VerifyError::BadSignature));
                }
            }
        }
    }

    let mut good = vec![false; pending.len()];
    for (group, flags) in pending.chunks(BATCH_SIZE).zip(good.chunks_mut(BATCH_SIZE)) {
        check_group(group, flags, keys, &dalek_keys);
    }
    for (p, ok) in pending.iter().zip(good) {
        let result = match keys.get(p.key) {
            Some(key) if ok => Verified::after_signature(p.item, key.clone(), opts),
            _ => Err(VerifyError::BadSignature),
        };
        set(&mut results, p.slot, result);
    }
    results
        .into_iter()
        .map(|r| r.unwrap_or(Err(VerifyError::BadSignature)))
        .collect()
}

fn set(
    results: &mut [Option<Result<Verified, VerifyError>>],
    slot: usize,
    value: Result<Verified, VerifyError>,
) {
    if let Some(r) = results.get_mut(slot) {
        *r = Some(value);
    }
}

/// The key lookup of [`Unverified::verify`]: the index of the one trusted key with the credential's kid
/// and alg, `None` when several qualify, or the lookup error.
fn single_key(item: &Unverified, keys: &[VerifyingKey]) -> Result<Option<usize>, VerifyError> {
    let mut candidates = keys
        .iter()
        .enumerate()
        .filter(|(_, k)| k.kid().as_slice() == item.kid())
        .peekable();
    let Some((_, first)) = candidates.peek() else {
        return Err(VerifyError::UnknownKid(to_hex(item.kid())));
    };
    let key_alg = first.algorithm().cose_id();
    let mut bound = candidates.filter(|(_, k)| k.algorithm().cose_id() == item.alg());
    match (bound.next(), bound.next()) {
        (None, _) => Err(VerifyError::AlgMismatch {
            alg: item.alg(),
            key_alg,
        }),
        (Some((i, _)), None) => Ok(Some(i)),
        (Some(_), Some(_)) => Ok(None),
    }
}

/// Sets `flags[i]` to whether `group[i]`'s signature verifies: the whole group in one batch equation,
/// halving on failure, one by one at [`SINGLE_BELOW`] or fewer.
fn check_group(
    group: &[Pending<'_>],
    flags: &mut [bool],
    keys: &[VerifyingKey],
    dalek_keys: &[Option<ed25519_dalek::VerifyingKey>],
) {
    if group.len() <= SINGLE_BELOW {
        for (p, flag) in group.iter().zip(flags.iter_mut()) {
            *flag = keys
                .get(p.key)
                .is_some_and(|k| k.verify_strict(&p.message, p.item.signature()));
        }
        return;
    }
    let messages: Vec<&[u8]> = group.iter().map(|p| p.message.as_slice()).collect();
    let signatures: Vec<ed25519_dalek::Signature> = group
        .iter()
        .map(|p| ed25519_dalek::Signature::from_bytes(p.item.signature()))
        .collect();
    let verifying: Option<Vec<ed25519_dalek::VerifyingKey>> = group
        .iter()
        .map(|p| dalek_keys.get(p.key).copied().flatten())
        .collect();
    if let Some(verifying) = verifying
        && ed25519_dalek::verify_batch(&messages, &signatures, &verifying).is_ok()
    {
        flags.fill(true);
        return;
    }
    let half = group.len() / 2;
    let (g1, g2) = group.split_at(half);
    let (f1, f2) = flags.split_at_mut(half);
    check_group(g1, f1, keys, dalek_keys);
    check_group(g2, f2, keys, dalek_keys);
}

#[cfg(test)]
mod tests {
    // Test code: a failed unwrap is a failed test.
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

    use super::*;
    use crate::keys::SigningKey;
    use crate::{Kind, cose, issue, samples, transport, verify_text};

    const NOW: u64 = 1_767_225_600;

    fn issued(key: &SigningKey, n: usize) -> Vec<String> {
        (0..n)
            .map(|i| {
                let cti = (i as u64).to_be_bytes();
                let kind = Kind::ALL[i % Kind::ALL.len()];
                issue(&samples::claims(kind, NOW, cti), key).unwrap().text
            })
            .collect()
    }

    /// The text with its signature replaced by `f(signature)`.
    fn resigned(text: &str, f: impl Fn(&mut [u8; 64])) -> String {
        let u = Unverified::parse(text).unwrap();
        let mut sig = *u.signature();
        f(&mut sig);
        transport::encode(&cose::assemble(
            u.protected_bytes(),
            u.payload_bytes(),
            &sig,
        ))
    }

    fn assert_same_as_one_by_one(texts: &[String], keys: &[VerifyingKey], opts: &VerifyOptions) {
        let batch = verify_texts(texts, keys, opts);
        assert_eq!(batch.len(), texts.len());
        for (i, (b, t)) in batch.iter().zip(texts).enumerate() {
            assert_eq!(b, &verify_text(t, keys, opts), "item {i}");
        }
        let parsed: Vec<Unverified> = texts
            .iter()
            .filter_map(|t| Unverified::parse(t).ok())
            .collect();
        let direct = verify_unverified(&parsed, keys, opts);
        for (b, u) in direct.iter().zip(&parsed) {
            assert_eq!(b, &u.verify(keys, opts));
        }
    }

    #[test]
    fn all_valid() {
        let key = SigningKey::from_seed(&[3; 32]);
        let keys = [key.verifying_key()];
        let texts = issued(&key, 3 * BATCH_SIZE + 5);
        let out = verify_texts(&texts, &keys, &VerifyOptions::at(NOW + 60));
        assert!(out.iter().all(Result::is_ok));
        assert_same_as_one_by_one(&texts, &keys, &VerifyOptions::at(NOW + 60));
        assert!(verify_texts::<&str>(&[], &keys, &VerifyOptions::at(NOW)).is_empty());
    }

    #[test]
    fn one_bad_among_many_is_identified() {
        let key = SigningKey::from_seed(&[4; 32]);
        let keys = [key.verifying_key()];
        let opts = VerifyOptions::at(NOW + 60);
        for bad in [0, 1, 37, BATCH_SIZE - 1, BATCH_SIZE, 2 * BATCH_SIZE + 3] {
            let mut texts = issued(&key, 2 * BATCH_SIZE + 10);
            texts[bad] = resigned(&texts[bad], |s| s[5] ^= 1);
            let out = verify_texts(&texts, &keys, &opts);
            for (i, r) in out.iter().enumerate() {
                if i == bad {
                    assert_eq!(r.as_ref().unwrap_err().code(), "signature.invalid");
                } else {
                    assert!(r.is_ok(), "item {i} (bad one at {bad})");
                }
            }
        }
    }

    #[test]
    fn mixed_errors_keep_their_codes() {
        let key = SigningKey::from_seed(&[5; 32]);
        let other = SigningKey::from_seed(&[6; 32]);
        let keys = [key.verifying_key()];
        let opts = VerifyOptions::at(NOW + 60);
        let good = issued(&key, 100);
        let expired = issue(
            &samples::claims(Kind::HealthCode, NOW - 200_000, [9; 8]),
            &key,
        )
        .unwrap()
        .text;
        let future = issue(
            &samples::claims(Kind::HealthCode, NOW + 3_600, [8; 8]),
            &key,
        )
        .unwrap()
        .text;
        let mut texts = good.clone();
        let inserts: Vec<(String, &str)> = vec![
            ("HC1:NOPE".into(), "prefix.unknown"),
            ("YM1:abc".into(), "base45.invalid-char"),
            (expired, "time.expired"),
            (future, "time.not-yet-valid"),
            (issued(&other, 1).remove(0), "key.unknown-kid"),
            (resigned(&good[3], |s| s[40] ^= 0x80), "signature.invalid"),
            (
                resigned(&good[4], |s| {
                    // S + L: the malleable twin of a valid signature.
                    let mut carry = 0u16;
                    for i in 0..32 {
                        let v = u16::from(s[32 + i]) + u16::from(ORDER_L[i]) + carry;
                        s[32 + i] = v as u8;
                        carry = v >> 8;
                    }
                }),
                "signature.invalid",
            ),
            (
                resigned(&good[5], |s| s[..32].copy_from_slice(&SMALL_ORDER_Y[1])),
                "signature.invalid",
            ),
            (
                resigned(&good[6], |s| {
                    // y = p + 1: a non-canonical encoding of the identity.
                    s[..32].copy_from_slice(&[0xff; 32]);
                    s[0] = 0xee;
                    s[31] = 0x7f;
                }),
                "signature.invalid",
            ),
        ];
        let mut expected = vec![None; texts.len()];
        for (n, (text, code)) in inserts.into_iter().enumerate() {
            let at = n * 11 + 2;
            texts.insert(at, text);
            expected.insert(at, Some(code));
        }
        let out = verify_texts(&texts, &keys, &opts);
        for (i, (r, e)) in out.iter().zip(&expected).enumerate() {
            match e {
                Some(code) => assert_eq!(r.as_ref().unwrap_err().code(), *code, "item {i}"),
                None => assert!(r.is_ok(), "item {i}: {r:?}"),
            }
        }
        assert_same_as_one_by_one(&texts, &keys, &opts);
        // Two trusted entries with the credential's kid and alg: the one-by-one path is used for each.
        let twice = [key.verifying_key(), key.verifying_key()];
        assert_same_as_one_by_one(&texts, &twice, &opts);
        // Trusting a second issuer changes only the unknown-kid one.
        assert_same_as_one_by_one(&texts, &[other.verifying_key(), key.verifying_key()], &opts);
    }

    #[test]
    fn small_order_encodings_are_the_eight_torsion_points() {
        let mut from_curve: Vec<[u8; 32]> = curve25519_dalek::constants::EIGHT_TORSION
            .iter()
            .map(|p| {
                let mut y = p.compress().to_bytes();
                y[31] &= 0x7f;
                y
            })
            .collect();
        from_curve.sort_unstable();
        from_curve.dedup();
        let mut ours = SMALL_ORDER_Y.to_vec();
        ours.sort_unstable();
        assert_eq!(ours, from_curve);
        for p in curve25519_dalek::constants::EIGHT_TORSION {
            let bytes = p.compress().to_bytes();
            assert!(!is_canonical_non_small_order(&bytes));
            let mut negated = bytes;
            negated[31] ^= 0x80;
            assert!(!is_canonical_non_small_order(&negated));
        }
        let basepoint = curve25519_dalek::constants::ED25519_BASEPOINT_COMPRESSED.to_bytes();
        assert!(is_canonical_non_small_order(&basepoint));
        let l = curve25519_dalek::scalar::Scalar::ZERO - curve25519_dalek::scalar::Scalar::ONE;
        assert!(is_canonical_scalar(&l.to_bytes()));
        assert!(!is_canonical_scalar(&ORDER_L));
        assert!(!is_canonical_scalar(&[0xff; 32]));
    }
}
