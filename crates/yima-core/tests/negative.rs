//! Hostile input: one case per error code yima-core produces from untrusted input, each asserting the
//! exact code and stage; property tests that nothing panics and that no altered credential verifies.

// Test code: a failed unwrap is a failed test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::io::Write;

use common::*;
use proptest::prelude::*;
use yima_core::base45;
use yima_core::base45::Base45Error;
use yima_core::cbor::{self, CborError, Value};
use yima_core::claims::*;
use yima_core::cose;
use yima_core::credential::{Issued, Unverified, VerifyOptions, issue, verify_text};
use yima_core::error::{IssueError, KeyError, Stage, VerifyError};
use yima_core::ident::IdentError;
use yima_core::keys::{SigningKey, VerifyingKey};
use yima_core::transport::{self, MAX_COSE_BYTES, MAX_TEXT_LEN};

/// A time inside the window of [`health_claims`].
const NOW: u64 = T0 + 10;

fn trusted() -> Vec<VerifyingKey> {
    vec![key().verifying_key()]
}

fn valid() -> Issued {
    issue(&health_claims(), &key()).unwrap()
}

fn zlib(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

fn zlib_text(data: &[u8]) -> String {
    format!("{}{}", transport::PREFIX_ZLIB, base45::encode(&zlib(data)))
}

/// The error of a text that must fail to parse.
fn parse_err(text: &str) -> VerifyError {
    match Unverified::parse(text) {
        Ok(u) => panic!("parsed: {u:?}"),
        Err(e) => e,
    }
}

/// The error of COSE bytes that must fail to parse; raw bytes and `YM1:` text must agree.
fn cose_err(cose: &[u8]) -> VerifyError {
    let raw = Unverified::from_cose(cose.to_vec()).unwrap_err();
    assert_eq!(parse_err(&plain_text(cose)), raw);
    raw
}

/// The error of COSE bytes that parse but must fail to verify with `keys` at `now`.
fn verify_err_with(cose: &[u8], keys: &[VerifyingKey], now: u64) -> VerifyError {
    let u = Unverified::from_cose(cose.to_vec())
        .unwrap_or_else(|e| panic!("expected to parse, got {}", e.code()));
    match u.verify(keys, &VerifyOptions::at(now)) {
        Ok(v) => panic!("verified: {:?}", v.claims()),
        Err(e) => e,
    }
}

fn verify_err(cose: &[u8]) -> VerifyError {
    verify_err_with(cose, &trusted(), NOW)
}

/// Signs a hostile payload VALIDLY with the trusted key and returns the verification error. For
/// claim-stage errors, `unverified_claims` must report the same error.
fn payload_err(payload: &[u8]) -> VerifyError {
    let cose = sign_payload(payload, &key());
    let e = verify_err(&cose);
    if matches!(e.stage(), Stage::Claims | Stage::Identifier) {
        let u = Unverified::from_cose(cose).unwrap();
        assert_eq!(u.unverified_claims().unwrap_err(), e);
    }
    e
}

/// A COSE_Sign1 with a valid signature over `protected` and the valid health payload.
fn with_protected(protected: &[u8]) -> Vec<u8> {
    sign1(protected, &health_claims().to_cbor(), &key())
}

fn protected_map(pairs: Vec<(Value<'_>, Value<'_>)>) -> Vec<u8> {
    Value::Map(pairs).encode()
}

/// A COSE_Sign1 (tag 18) with arbitrary items.
fn cose_items(items: Vec<Value<'_>>) -> Vec<u8> {
    Value::Tag(cose::TAG_COSE_SIGN1, Box::new(Value::Array(items))).encode()
}

/// The four items of the valid credential, with the unprotected header replaced.
fn with_unprotected(unprotected: Value<'_>) -> Vec<u8> {
    let protected = protected_of(&key());
    let payload = health_claims().to_cbor();
    let sig = key().sign(&cose::sig_structure(&protected, &payload));
    cose_items(vec![
        Value::Bytes(&protected),
        unprotected,
        Value::Bytes(&payload),
        Value::Bytes(&sig),
    ])
}

fn valid_parts() -> (Vec<u8>, Vec<u8>, [u8; 64]) {
    let issued = valid();
    let u = Unverified::from_cose(issued.cose).unwrap();
    (
        u.protected_bytes().to_vec(),
        u.payload_bytes().to_vec(),
        *u.signature(),
    )
}

fn int(n: i64) -> Value<'static> {
    Value::int(n)
}

/// The group order L of Ed25519, little-endian.
const L: [u8; 32] = [
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
];

fn expect(e: VerifyError, code: &str, stage: Stage) {
    assert_eq!((e.code(), e.stage()), (code, stage), "{e:?}: {e}");
    assert!(!e.to_string().is_empty());
}

/// Declares one `#[test]` per hostile input, and [`all_cases`] listing every one of them.
macro_rules! hostile {
    ($($(#[doc = $doc:literal])* $name:ident: $code:literal @ $stage:ident => $input:expr;)*) => {
        $(
            $(#[doc = $doc])*
            #[test]
            fn $name() {
                expect($input, $code, Stage::$stage);
            }
        )*

        /// (name, expected code, expected stage, builder) for every hostile case.
        fn all_cases() -> Vec<(&'static str, &'static str, Stage, fn() -> VerifyError)> {
            vec![$((stringify!($name), $code, Stage::$stage, (|| $input) as fn() -> VerifyError)),*]
        }
    };
}

hostile! {
    // ---- prefix -------------------------------------------------------------------------------
    text_too_long: "text.too-long" @ Prefix => parse_err(&format!("YM1:{}", "0".repeat(MAX_TEXT_LEN)));
    /// The limit counts bytes, not characters.
    text_too_long_in_bytes: "text.too-long" @ Prefix => parse_err(&"金".repeat(MAX_TEXT_LEN / 3 + 1));
    /// Base45 of zlib of 10 MB of zeros is ~14.6 kB of text: refused by the length cap before inflating.
    ten_megabyte_bomb_is_too_long_text: "text.too-long" @ Prefix => parse_err(&zlib_text(&vec![0u8; 10_000_000]));
    prefix_unknown: "prefix.unknown" @ Prefix => parse_err(&valid().text.replacen("YM1:", "HC1:", 1));
    prefix_empty_text: "prefix.unknown" @ Prefix => parse_err("");
    prefix_lower_case: "prefix.unknown" @ Prefix => parse_err(&valid().text.to_lowercase());
    prefix_future_version: "prefix.unknown" @ Prefix => parse_err(&valid().text.replacen("YM1:", "YM2:", 1));
    prefix_without_colon: "prefix.unknown" @ Prefix => parse_err(&valid().text.replacen("YM1:", "YM1", 1));
    prefix_leading_space: "prefix.unknown" @ Prefix => parse_err(&format!(" {}", valid().text));

    // ---- base45 -------------------------------------------------------------------------------
    base45_lower_case: "base45.invalid-char" @ Base45 => {
        let text = valid().text;
        let body = text.strip_prefix("YM1:").unwrap().to_lowercase();
        parse_err(&format!("YM1:{body}"))
    };
    base45_char_outside_alphabet: "base45.invalid-char" @ Base45 => parse_err("YM1:AB#");
    base45_non_ascii: "base45.invalid-char" @ Base45 => parse_err("YM1:A\u{e9}");
    base45_triple_out_of_range: "base45.out-of-range" @ Base45 => parse_err("YM1:GGW");
    base45_pair_out_of_range: "base45.out-of-range" @ Base45 => parse_err("YM1:BB8Z6");
    base45_out_of_range_compressed: "base45.out-of-range" @ Base45 => parse_err("YM1Z::::");
    base45_dangling_char: "base45.invalid-length" @ Base45 => parse_err(&format!("{}0", valid().text));
    base45_single_char: "base45.invalid-length" @ Base45 => parse_err("YM1:B");

    // ---- decompress ---------------------------------------------------------------------------
    decompress_not_zlib: "decompress.invalid" @ Decompress => parse_err(&format!("YM1Z:{}", base45::encode(b"not zlib")));
    decompress_empty: "decompress.invalid" @ Decompress => parse_err("YM1Z:");
    decompress_truncated_stream: "decompress.invalid" @ Decompress => {
        let mut z = zlib(&valid().cose);
        z.pop();
        parse_err(&format!("YM1Z:{}", base45::encode(&z)))
    };
    decompress_trailing_byte: "decompress.invalid" @ Decompress => {
        let mut z = zlib(&valid().cose);
        z.push(0);
        parse_err(&format!("YM1Z:{}", base45::encode(&z)))
    };
    decompress_bad_checksum: "decompress.invalid" @ Decompress => {
        let mut z = zlib(&valid().cose);
        *z.last_mut().unwrap() ^= 1;
        parse_err(&format!("YM1Z:{}", base45::encode(&z)))
    };
    /// A zlib bomb that fits in the text limit: 2 MB of zeros in ~2 kB.
    decompress_bomb: "decompress.too-large" @ Decompress => {
        let text = zlib_text(&vec![0u8; 2_000_000]);
        assert!(text.len() <= MAX_TEXT_LEN);
        let start = std::time::Instant::now();
        let e = parse_err(&text);
        assert!(start.elapsed() < std::time::Duration::from_secs(2));
        e
    };
    decompress_one_byte_over_cap: "decompress.too-large" @ Decompress => parse_err(&zlib_text(&vec![0u8; MAX_COSE_BYTES + 1]));
    /// Raw COSE bytes over the cap are refused before parsing (no transport text involved).
    raw_cose_over_cap: "cose.too-large" @ Cose => Unverified::from_cose(vec![0u8; MAX_COSE_BYTES + 1]).unwrap_err();

    // ---- COSE structure (CBOR errors here are stage "cose") -----------------------------------
    cose_empty: "cbor.truncated" @ Cose => cose_err(&[]);
    cose_truncated: "cbor.truncated" @ Cose => {
        let mut c = valid().cose;
        c.pop();
        cose_err(&c)
    };
    cose_trailing_byte: "cbor.trailing-bytes" @ Cose => {
        let mut c = valid().cose;
        c.push(0);
        cose_err(&c)
    };
    cose_indefinite_array: "cbor.indefinite-length" @ Cose => {
        let c = valid().cose;
        assert_eq!(&c[..2], &[0xd2, 0x84]);
        let mut bad = vec![0xd2, 0x9f];
        bad.extend_from_slice(&c[2..]);
        bad.push(0xff);
        cose_err(&bad)
    };
    cose_non_canonical_length: "cbor.non-canonical" @ Cose => {
        let c = valid().cose;
        let mut bad = vec![0xd2, 0x98, 0x04]; // array(4) with a one-byte length argument
        bad.extend_from_slice(&c[2..]);
        cose_err(&bad)
    };
    cose_float: "cbor.unsupported" @ Cose => cose_err(&[0xd2, 0xfb, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0]);
    cose_invalid_utf8: "cbor.invalid-utf8" @ Cose => cose_err(&[0xd2, 0x84, 0x62, 0xc3, 0x28, 0xa0, 0x40, 0x40]);
    cose_too_deep: "cbor.too-deep" @ Cose => {
        let mut c = vec![0xd2];
        c.extend(std::iter::repeat_n(0x81, 40));
        c.push(0);
        cose_err(&c)
    };
    cose_too_many_items: "cbor.too-many-items" @ Cose => cose_err(&[0xd2, 0x9a, 0x00, 0x01, 0x00, 0x00]);
    cose_duplicate_key_in_unprotected: "cbor.duplicate-key" @ Cose => cose_err(&[0xd2, 0x84, 0x40, 0xa2, 0x01, 0x01, 0x01, 0x01, 0x40, 0x40]);
    cose_untagged: "cose.untagged" @ Cose => cose_err(&valid().cose[1..]);
    cose_untagged_map: "cose.untagged" @ Cose => cose_err(&[0xa0]);
    cose_sign_tag: "cose.wrong-tag" @ Cose => {
        let mut c = valid().cose;
        c.splice(0..1, [0xd8, 98]);
        cose_err(&c)
    };
    cose_mac0_tag: "cose.wrong-tag" @ Cose => {
        let mut c = valid().cose;
        c[0] = 0xd1; // tag 17
        cose_err(&c)
    };
    /// A CWT tag (61) around a valid COSE_Sign1 is not accepted either.
    cose_cwt_tag_wrapper: "cose.wrong-tag" @ Cose => {
        let mut c = vec![0xd8, 61];
        c.extend_from_slice(&valid().cose);
        cose_err(&c)
    };
    cose_three_elements: "cose.structure" @ Cose => {
        let (p, pl, _) = valid_parts();
        cose_err(&cose_items(vec![Value::Bytes(&p), Value::Map(vec![]), Value::Bytes(&pl)]))
    };
    cose_five_elements: "cose.structure" @ Cose => {
        let (p, pl, s) = valid_parts();
        cose_err(&cose_items(vec![Value::Bytes(&p), Value::Map(vec![]), Value::Bytes(&pl), Value::Bytes(&s), Value::Null]))
    };
    cose_not_an_array: "cose.structure" @ Cose => cose_err(&Value::Tag(18, Box::new(Value::Map(vec![]))).encode());
    cose_signature_63_bytes: "cose.structure" @ Cose => {
        let (p, pl, s) = valid_parts();
        cose_err(&cose_items(vec![Value::Bytes(&p), Value::Map(vec![]), Value::Bytes(&pl), Value::Bytes(&s[..63])]))
    };
    cose_signature_65_bytes: "cose.structure" @ Cose => {
        let (p, pl, s) = valid_parts();
        let long = [s.as_slice(), &[0]].concat();
        cose_err(&cose_items(vec![Value::Bytes(&p), Value::Map(vec![]), Value::Bytes(&pl), Value::Bytes(&long)]))
    };
    cose_detached_payload: "cose.structure" @ Cose => {
        let (p, _, s) = valid_parts();
        cose_err(&cose_items(vec![Value::Bytes(&p), Value::Map(vec![]), Value::Null, Value::Bytes(&s)]))
    };
    cose_protected_not_bstr: "cose.structure" @ Cose => {
        let (_, pl, s) = valid_parts();
        let kid = key().kid();
        let header = Value::Map(vec![(int(1), int(-8)), (int(4), Value::Bytes(&kid))]);
        cose_err(&cose_items(vec![header, Value::Map(vec![]), Value::Bytes(&pl), Value::Bytes(&s)]))
    };
    cose_unprotected_not_map: "cose.structure" @ Cose => cose_err(&with_unprotected(Value::Array(vec![])));

    // ---- headers ------------------------------------------------------------------------------
    header_protected_not_a_map: "header.invalid" @ Header => cose_err(&with_protected(&Value::Array(vec![int(1), int(-8)]).encode()));
    header_protected_bstr_in_bstr: "header.invalid" @ Header => cose_err(&with_protected(&Value::Bytes(&protected_of(&key())).encode()));
    /// Malformed CBOR inside the protected bstr is a CBOR error (stage "cose").
    header_protected_bad_cbor: "cbor.truncated" @ Cose => cose_err(&with_protected(&[0x42, 0x01]));
    /// A map declaring more pairs than the bytes left could hold is refused before allocation.
    header_protected_overlong_map: "cbor.too-many-items" @ Cose => cose_err(&with_protected(&[0xa2, 0x01, 0x27]));
    header_protected_non_canonical: "cbor.non-canonical" @ Cose => {
        let kid = key().kid();
        let mut h = vec![0xa2, 0x04, 0x44];
        h.extend_from_slice(&kid);
        h.extend_from_slice(&[0x01, 0x27]); // kid before alg
        cose_err(&with_protected(&h))
    };
    header_alg_missing: "header.alg-missing" @ Header => {
        let kid = key().kid();
        cose_err(&with_protected(&protected_map(vec![(int(4), Value::Bytes(&kid))])))
    };
    header_empty_protected: "header.alg-missing" @ Header => cose_err(&with_protected(&[]));
    header_empty_map: "header.alg-missing" @ Header => cose_err(&with_protected(&[0xa0]));
    header_alg_unknown: "header.alg-unknown" @ Header => cose_err(&with_protected(&cose::protected_header(99_999, &key().kid())));
    header_alg_none_zero: "header.alg-unknown" @ Header => cose_err(&with_protected(&cose::protected_header(0, &key().kid())));
    /// HMAC 256/64 (4) is a MAC algorithm: it cannot head a COSE_Sign1, so it is unknown, not a mismatch.
    header_alg_hmac_4: "header.alg-unknown" @ Header => cose_err(&with_protected(&cose::protected_header(4, &key().kid())));
    /// HMAC 256/256 (5).
    header_alg_hmac_5: "header.alg-unknown" @ Header => cose_err(&with_protected(&cose::protected_header(5, &key().kid())));
    /// HMAC 384/384 (6).
    header_alg_hmac_6: "header.alg-unknown" @ Header => cose_err(&with_protected(&cose::protected_header(6, &key().kid())));
    /// HMAC 512/512 (7).
    header_alg_hmac_7: "header.alg-unknown" @ Header => cose_err(&with_protected(&cose::protected_header(7, &key().kid())));
    /// AES-MAC 128/64 (14), another MAC algorithm.
    header_alg_aes_mac: "header.alg-unknown" @ Header => cose_err(&with_protected(&cose::protected_header(14, &key().kid())));
    header_alg_text: "header.invalid" @ Header => {
        let kid = key().kid();
        cose_err(&with_protected(&protected_map(vec![(int(1), Value::Text("EdDSA")), (int(4), Value::Bytes(&kid))])))
    };
    header_kid_missing: "header.kid-missing" @ Header => cose_err(&with_protected(&protected_map(vec![(int(1), int(-8))])));
    header_kid_empty: "header.invalid" @ Header => cose_err(&with_protected(&cose::protected_header(-8, &[])));
    header_kid_too_long: "header.invalid" @ Header => cose_err(&with_protected(&cose::protected_header(-8, &[7; 33])));
    header_kid_text: "header.invalid" @ Header => cose_err(&with_protected(&protected_map(vec![(int(1), int(-8)), (int(4), Value::Text("kid"))])));
    header_crit_present: "header.unknown-critical" @ Header => {
        let kid = key().kid();
        cose_err(&with_protected(&protected_map(vec![
            (int(1), int(-8)),
            (int(2), Value::Array(vec![int(99)])),
            (int(4), Value::Bytes(&kid)),
        ])))
    };
    header_crit_lists_alg: "header.unknown-critical" @ Header => {
        let kid = key().kid();
        cose_err(&with_protected(&protected_map(vec![
            (int(1), int(-8)),
            (int(2), Value::Array(vec![int(1)])),
            (int(4), Value::Bytes(&kid)),
        ])))
    };
    header_crit_empty: "header.invalid" @ Header => {
        let kid = key().kid();
        cose_err(&with_protected(&protected_map(vec![
            (int(1), int(-8)),
            (int(2), Value::Array(vec![])),
            (int(4), Value::Bytes(&kid)),
        ])))
    };
    /// Content type (3) is a registered COSE header, but not one yima defines.
    header_unknown_label: "header.unknown-label" @ Header => {
        let kid = key().kid();
        cose_err(&with_protected(&protected_map(vec![
            (int(1), int(-8)),
            (int(3), Value::Text("application/cwt")),
            (int(4), Value::Bytes(&kid)),
        ])))
    };
    header_unknown_negative_label: "header.unknown-label" @ Header => {
        let kid = key().kid();
        cose_err(&with_protected(&protected_map(vec![
            (int(1), int(-8)),
            (int(4), Value::Bytes(&kid)),
            (int(-65_537), Value::Null),
        ])))
    };
    header_text_label: "header.invalid" @ Header => {
        let kid = key().kid();
        cose_err(&with_protected(&protected_map(vec![
            (int(1), int(-8)),
            (int(4), Value::Bytes(&kid)),
            (Value::Text("alg"), int(-8)),
        ])))
    };
    /// `typ` (16) is used by other signed objects; a credential must not carry it.
    header_typ_on_credential: "header.unknown-label" @ Header => cose_err(&with_protected(&cose::protected_header_typed(-8, &key().kid(), Some("application/yima-status"))));
    header_unknown_label_unprotected: "header.unknown-label" @ Header => cose_err(&with_unprotected(Value::Map(vec![(int(33), Value::Bytes(&[1]))])));
    header_kid_unprotected: "header.unprotected-not-empty" @ Header => {
        let kid = key().kid();
        cose_err(&with_unprotected(Value::Map(vec![(int(4), Value::Bytes(&kid))])))
    };
    header_alg_unprotected: "header.unprotected-not-empty" @ Header => cose_err(&with_unprotected(Value::Map(vec![(int(1), int(-8))])));
    header_text_label_unprotected: "header.invalid" @ Header => cose_err(&with_unprotected(Value::Map(vec![(Value::Text("kid"), Value::Null)])));

    // ---- key lookup ---------------------------------------------------------------------------
    key_unknown_kid: "key.unknown-kid" @ KeyLookup => verify_err_with(&valid().cose, &[other_key().verifying_key()], NOW);
    key_no_trusted_keys: "key.unknown-kid" @ KeyLookup => verify_err_with(&valid().cose, &[], NOW);
    /// Validly signed by an untrusted key (and labelled with that key's kid).
    key_signed_by_untrusted_key: "key.unknown-kid" @ KeyLookup => verify_err(&issue(&health_claims(), &other_key()).unwrap().cose);
    key_alg_mismatch: "key.alg-mismatch" @ KeyLookup => verify_err(&with_protected(&cose::protected_header(-7, &key().kid())));

    // ---- signature ----------------------------------------------------------------------------
    signature_bit_flipped: "signature.invalid" @ Signature => {
        let (p, pl, mut s) = valid_parts();
        s[17] ^= 0x04;
        verify_err(&cose::assemble(&p, &pl, &s))
    };
    signature_s_bit_flipped: "signature.invalid" @ Signature => {
        let (p, pl, mut s) = valid_parts();
        s[40] ^= 0x01;
        verify_err(&cose::assemble(&p, &pl, &s))
    };
    signature_all_zero: "signature.invalid" @ Signature => {
        let (p, pl, _) = valid_parts();
        verify_err(&cose::assemble(&p, &pl, &[0; 64]))
    };
    /// Two valid credentials from the same key; the payload of one with the signature of the other.
    signature_payload_swapped: "signature.invalid" @ Signature => {
        let (p, _, s) = valid_parts();
        let mut other = health_claims();
        other.credential = Credential::HealthCode(HealthCode { status: HealthStatus::Red, ..health_code() });
        let other = Unverified::from_cose(issue(&other, &key()).unwrap().cose).unwrap();
        verify_err(&cose::assemble(&p, other.payload_bytes(), &s))
    };
    /// The payload bytes altered after signing (the one-char change of a name).
    signature_payload_edited: "signature.invalid" @ Signature => {
        let (p, pl, s) = valid_parts();
        let edited = pl.as_slice().replace_bytes("金".as_bytes(), "全".as_bytes());
        verify_err(&cose::assemble(&p, &edited, &s))
    };
    /// S + L is the malleable twin of S; strict verification refuses it.
    signature_non_canonical_s: "signature.invalid" @ Signature => {
        let (p, pl, mut s) = valid_parts();
        let mut carry = 0u16;
        for (b, l) in s[32..].iter_mut().zip(L) {
            let v = u16::from(*b) + u16::from(l) + carry;
            *b = v as u8;
            carry = v >> 8;
        }
        assert_eq!(carry, 0);
        verify_err(&cose::assemble(&p, &pl, &s))
    };
    /// A key whose kid collides with the signer's (found by search) does not verify the signature.
    signature_kid_collision: "signature.invalid" @ Signature => {
        let (a, b) = colliding_keys();
        verify_err_with(&issue(&health_claims(), &b).unwrap().cose, &[a.verifying_key()], NOW)
    };
    /// The payload is looked at only after the signature: garbage under a bad signature is a
    /// signature error, not a CBOR one.
    signature_checked_before_payload: "signature.invalid" @ Signature => {
        let (p, _, s) = valid_parts();
        verify_err(&cose::assemble(&p, &[0xff, 0x00], &s))
    };

    // ---- payload CBOR (stage "claims": checked after the signature) ---------------------------
    payload_indefinite_map: "cbor.indefinite-length" @ Claims => {
        let mut pl = health_claims().to_cbor();
        assert_eq!(pl[0], 0xa4);
        pl[0] = 0xbf;
        pl.push(0xff);
        payload_err(&pl)
    };
    payload_indefinite_text: "cbor.indefinite-length" @ Claims => payload_err(&[0xa1, 0x01, 0x7f, 0x61, 0x41, 0xff]);
    payload_duplicate_key: "cbor.duplicate-key" @ Claims => {
        let pl = health_claims().to_cbor();
        let Value::Map(mut pairs) = cbor::decode(&pl).unwrap() else { unreachable!() };
        pairs.push(pairs[0].clone());
        payload_err(&raw_map(&pairs))
    };
    payload_duplicate_credential_subkey: "cbor.duplicate-key" @ Claims => {
        payload_err(&edit_raw_credential((Value::Uint(1), Value::Uint(2))))
    };
    payload_non_canonical_integer: "cbor.non-canonical" @ Claims => {
        let pl = health_claims().to_cbor();
        let t0 = u32::try_from(T0).unwrap().to_be_bytes();
        let short = [&[0x06, 0x1a][..], &t0].concat();
        let long = [&[0x06, 0x1b, 0, 0, 0, 0][..], &t0].concat();
        payload_err(&pl.as_slice().replace_bytes(&short, &long))
    };
    payload_keys_out_of_order: "cbor.non-canonical" @ Claims => {
        let pl = health_claims().to_cbor();
        let Value::Map(mut pairs) = cbor::decode(&pl).unwrap() else { unreachable!() };
        pairs.reverse();
        payload_err(&raw_map(&pairs))
    };
    payload_invalid_utf8: "cbor.invalid-utf8" @ Claims => {
        let pl = health_claims().to_cbor();
        let iss = [0x01, 0x62, b'S', b'H'];
        payload_err(&pl.as_slice().replace_bytes(&iss, &[0x01, 0x62, 0xc3, 0x28]))
    };
    payload_float: "cbor.unsupported" @ Claims => payload_err(&[0xa1, 0x06, 0xfa, 0x4e, 0xd2, 0xa8, 0x80]);
    payload_trailing_bytes: "cbor.trailing-bytes" @ Claims => {
        let mut pl = health_claims().to_cbor();
        pl.push(0);
        payload_err(&pl)
    };
    payload_empty: "cbor.truncated" @ Claims => payload_err(&[]);
    payload_too_deep: "cbor.too-deep" @ Claims => {
        let mut pl = vec![0xa1, 0x01];
        pl.extend(std::iter::repeat_n(0x81, 40));
        pl.push(0);
        payload_err(&pl)
    };
    payload_too_many_items: "cbor.too-many-items" @ Claims => {
        let mut pl = vec![0x99, 0x01, 0x01]; // array(257)
        pl.extend(std::iter::repeat_n(0, 257));
        payload_err(&pl)
    };

    // ---- claims -------------------------------------------------------------------------------
    claims_not_a_map: "claims.wrong-type" @ Claims => payload_err(&Value::Array(vec![]).encode());
    claims_tagged_cwt: "claims.wrong-type" @ Claims => payload_err(&Value::Tag(61, Box::new(Value::Map(vec![]))).encode());
    claims_missing_iat: "claims.missing" @ Claims => payload_err(&edit_claims(&health_claims().to_cbor(), |p| remove(p, CLAIM_IAT)));
    claims_missing_iss: "claims.missing" @ Claims => payload_err(&edit_claims(&health_claims().to_cbor(), |p| remove(p, CLAIM_ISS)));
    claims_missing_exp: "claims.missing" @ Claims => payload_err(&edit_claims(&health_claims().to_cbor(), |p| remove(p, CLAIM_EXP)));
    claims_missing_credential: "claims.missing" @ Claims => payload_err(&edit_claims(&health_claims().to_cbor(), |p| remove(p, CLAIM_CREDENTIAL)));
    claims_missing_kind: "claims.missing" @ Claims => payload_err(&edit_credential(&health_claims().to_cbor(), |p| remove(p, 0)));
    /// A health code without holder id is only valid when bound to a device key (cnf).
    claims_missing_holder_id: "claims.invalid" @ Claims => payload_err(&edit_credential(&health_claims().to_cbor(), |p| remove(p, 3)));
    claims_empty_map: "claims.missing" @ Claims => payload_err(&[0xa0]);
    claims_iat_wrong_type: "claims.wrong-type" @ Claims => payload_err(&edit_claims(&health_claims().to_cbor(), |p| set(p, CLAIM_IAT, Value::Text("2026-01-01"))));
    claims_exp_negative: "claims.wrong-type" @ Claims => payload_err(&edit_claims(&health_claims().to_cbor(), |p| set(p, CLAIM_EXP, int(-1))));
    claims_iss_bytes: "claims.wrong-type" @ Claims => payload_err(&edit_claims(&health_claims().to_cbor(), |p| set(p, CLAIM_ISS, Value::Bytes(b"SH"))));
    claims_cti_text: "claims.wrong-type" @ Claims => payload_err(&edit_claims(&health_claims().to_cbor(), |p| set(p, CLAIM_CTI, Value::Text("01"))));
    claims_credential_not_map: "claims.wrong-type" @ Claims => payload_err(&edit_claims(&health_claims().to_cbor(), |p| set(p, CLAIM_CREDENTIAL, Value::Array(vec![]))));
    claims_text_claim_key: "claims.wrong-type" @ Claims => payload_err(&edit_claims(&health_claims().to_cbor(), |p| p.push((Value::Text("iss"), Value::Text("SH")))));
    claims_huge_claim_key: "claims.wrong-type" @ Claims => payload_err(&edit_claims(&health_claims().to_cbor(), |p| p.push((Value::Uint(u64::MAX), Value::Null))));
    claims_credential_key_negative: "claims.wrong-type" @ Claims => payload_err(&edit_credential(&health_claims().to_cbor(), |p| p.push((int(-1), Value::Null))));
    claims_kind_text: "claims.wrong-type" @ Claims => payload_err(&edit_credential(&health_claims().to_cbor(), |p| set(p, 0, Value::Text("health-code"))));
    claims_holder_name_bytes: "claims.wrong-type" @ Claims => payload_err(&edit_credential(&health_claims().to_cbor(), |p| set(p, 2, Value::Bytes(b"x*"))));
    claims_categories_not_array: "claims.wrong-type" @ Claims => {
        let food = claims_with(Credential::FoodBusinessLicence(food_business_licence()));
        payload_err(&edit_credential(&food.to_cbor(), |p| set(p, 5, Value::Text("热食类食品制售"))))
    };
    claims_extra_not_text: "claims.wrong-type" @ Claims => {
        let el = claims_with(Credential::ElectronicLicence(electronic_licence()));
        payload_err(&edit_credential(&el.to_cbor(), |p| set(p, 7, Value::Map(vec![(Value::Text("k"), Value::Uint(1))]))))
    };
    /// `sub` (2) is a registered CWT claim, but not one yima defines.
    claims_unknown_key: "claims.unknown-key" @ Claims => payload_err(&edit_claims(&health_claims().to_cbor(), |p| p.push((int(2), Value::Text("subject")))));
    claims_unknown_negative_key: "claims.unknown-key" @ Claims => payload_err(&edit_claims(&health_claims().to_cbor(), |p| p.push((int(-272), Value::Null))));
    claims_status_ref_not_array: "claims.wrong-type" @ Claims => payload_err(&edit_claims(&health_claims().to_cbor(), |p| set(p, CLAIM_STATUS_REF, Value::Uint(1))));
    claims_status_ref_one_element: "claims.wrong-type" @ Claims => payload_err(&edit_claims(&health_claims().to_cbor(), |p| set(p, CLAIM_STATUS_REF, Value::Array(vec![Value::Uint(1)]))));
    claims_status_ref_negative_index: "claims.wrong-type" @ Claims => payload_err(&edit_claims(&health_claims().to_cbor(), |p| set(p, CLAIM_STATUS_REF, Value::Array(vec![Value::Uint(1), int(-1)]))));
    claims_unknown_credential_subkey: "claims.unknown-key" @ Claims => payload_err(&edit_credential(&health_claims().to_cbor(), |p| p.push((Value::Uint(6), Value::Null))));
    claims_credential_subkey_beyond_all_kinds: "claims.unknown-key" @ Claims => {
        let el = claims_with(Credential::ElectronicLicence(electronic_licence()));
        payload_err(&edit_credential(&el.to_cbor(), |p| p.push((Value::Uint(8), Value::Null))))
    };
    claims_credential_subkey_huge: "claims.unknown-key" @ Claims => payload_err(&edit_credential(&health_claims().to_cbor(), |p| p.push((Value::Uint(u64::MAX), Value::Null))));
    claims_unknown_kind: "claims.unknown-kind" @ Claims => payload_err(&edit_credential(&health_claims().to_cbor(), |p| set(p, 0, Value::Uint(9))));
    claims_kind_zero: "claims.unknown-kind" @ Claims => payload_err(&edit_credential(&health_claims().to_cbor(), |p| set(p, 0, Value::Uint(0))));
    claims_health_status_7: "claims.invalid" @ Claims => payload_err(&edit_credential(&health_claims().to_cbor(), |p| set(p, 1, Value::Uint(7))));
    claims_nbf_equal_to_iat: "claims.invalid" @ Claims => payload_err(&edit_claims(&health_claims().to_cbor(), |p| set(p, CLAIM_NBF, Value::Uint(T0))));
    claims_nbf_before_iat: "claims.invalid" @ Claims => payload_err(&edit_claims(&health_claims().to_cbor(), |p| set(p, CLAIM_NBF, Value::Uint(T0 - 1))));
    claims_exp_not_after_iat: "claims.invalid" @ Claims => payload_err(&edit_claims(&health_claims().to_cbor(), |p| set(p, CLAIM_EXP, Value::Uint(T0))));
    claims_cti_too_long: "claims.invalid" @ Claims => payload_err(&edit_claims(&health_claims().to_cbor(), |p| set(p, CLAIM_CTI, Value::Bytes(&[1; 17]))));
    claims_cti_empty: "claims.invalid" @ Claims => payload_err(&edit_claims(&health_claims().to_cbor(), |p| set(p, CLAIM_CTI, Value::Bytes(&[]))));
    claims_issuer_empty: "claims.invalid" @ Claims => payload_err(&edit_claims(&health_claims().to_cbor(), |p| set(p, CLAIM_ISS, Value::Text(""))));
    claims_issuer_control_char: "claims.invalid" @ Claims => payload_err(&edit_claims(&health_claims().to_cbor(), |p| set(p, CLAIM_ISS, Value::Text("S\u{7}H"))));
    claims_unmasked_name: "claims.invalid" @ Claims => payload_err(&edit_credential(&health_claims().to_cbor(), |p| set(p, 2, Value::Text("金晓明"))));
    claims_region_over_u32: "claims.invalid" @ Claims => payload_err(&edit_credential(&health_claims().to_cbor(), |p| set(p, 4, Value::Uint(1 << 32))));
    claims_raw_citizen_id_as_holder_id: "claims.invalid" @ Claims => {
        let id = citizen_id(CITIZEN_BODY);
        payload_err(&edit_credential(&health_claims().to_cbor(), |p| set(p, 3, Value::Bytes(id.as_bytes()))))
    };
    claims_date_out_of_range: "claims.invalid" @ Claims => {
        let ssc = claims_with(Credential::SocialSecurityCard(social_security_card()));
        payload_err(&edit_credential(&ssc.to_cbor(), |p| set(p, 6, Value::Uint(u64::from(MAX_DAYS) + 1))))
    };
    claims_expires_before_issued: "claims.invalid" @ Claims => {
        let ssc = claims_with(Credential::SocialSecurityCard(social_security_card()));
        let issued = u64::from(social_security_card().issued.days());
        payload_err(&edit_credential(&ssc.to_cbor(), |p| set(p, 6, Value::Uint(issued))))
    };
    claims_no_categories: "claims.invalid" @ Claims => {
        let food = claims_with(Credential::FoodBusinessLicence(food_business_licence()));
        payload_err(&edit_credential(&food.to_cbor(), |p| set(p, 5, Value::Array(vec![]))))
    };

    // ---- identifiers --------------------------------------------------------------------------
    identifier_citizen_id_check_digit: "identifier.invalid" @ Identifier => {
        let ssc = claims_with(Credential::SocialSecurityCard(social_security_card()));
        let bad = citizen_id_bad_check(CITIZEN_BODY);
        payload_err(&edit_credential(&ssc.to_cbor(), |p| set(p, 3, Value::Text(&bad))))
    };
    identifier_citizen_id_lower_x: "identifier.invalid" @ Identifier => {
        let ssc = claims_with(Credential::SocialSecurityCard(social_security_card()));
        let id = citizen_id(CITIZEN_BODY).to_lowercase();
        assert!(id.ends_with('x'));
        payload_err(&edit_credential(&ssc.to_cbor(), |p| set(p, 3, Value::Text(&id))))
    };
    identifier_uscc_check_digit: "identifier.invalid" @ Identifier => {
        let bl = claims_with(Credential::BusinessLicence(business_licence()));
        let bad = uscc_bad_check(USCC_BODY);
        payload_err(&edit_credential(&bl.to_cbor(), |p| set(p, 1, Value::Text(&bad))))
    };
    identifier_operator_uscc: "identifier.invalid" @ Identifier => {
        let food = claims_with(Credential::FoodBusinessLicence(food_business_licence()));
        payload_err(&edit_credential(&food.to_cbor(), |p| set(p, 3, Value::Text("91310115591693856O"))))
    };
    identifier_food_licence_number: "identifier.invalid" @ Identifier => {
        let food = claims_with(Credential::FoodBusinessLicence(food_business_licence()));
        payload_err(&edit_credential(&food.to_cbor(), |p| set(p, 1, Value::Text("SC13101150012345"))))
    };
    identifier_licence_id_check: "identifier.invalid" @ Identifier => {
        let el = claims_with(Credential::ElectronicLicence(electronic_licence()));
        let id = licence_id("2430599");
        let (body, check) = id.split_at(id.len() - 1);
        let bad = format!("{body}{}", if check == "0" { "1" } else { "0" });
        payload_err(&edit_credential(&el.to_cbor(), |p| set(p, 1, Value::Text(&bad))))
    };
    identifier_region_province: "identifier.invalid" @ Identifier => payload_err(&edit_credential(&health_claims().to_cbor(), |p| set(p, 4, Value::Uint(990_000))));
    identifier_region_digits: "identifier.invalid" @ Identifier => payload_err(&edit_credential(&health_claims().to_cbor(), |p| set(p, 4, Value::Uint(31_010))));
    identifier_card_number_lower_case: "identifier.invalid" @ Identifier => {
        let ssc = claims_with(Credential::SocialSecurityCard(social_security_card()));
        payload_err(&edit_credential(&ssc.to_cbor(), |p| set(p, 1, Value::Text("s31010423"))))
    };

    // ---- time ---------------------------------------------------------------------------------
    time_expired_at_exp: "time.expired" @ Time => verify_err_with(&valid().cose, &trusted(), health_claims().expires_at);
    time_expired_long_after: "time.expired" @ Time => verify_err_with(&valid().cose, &trusted(), u64::MAX);
    time_not_yet_valid_before_iat: "time.not-yet-valid" @ Time => verify_err_with(&valid().cose, &trusted(), T0 - 1);
    time_not_yet_valid_before_nbf: "time.not-yet-valid" @ Time => {
        let mut claims = health_claims();
        claims.not_before = Some(T0 + 3600);
        verify_err_with(&issue(&claims, &key()).unwrap().cose, &trusted(), T0 + 3599)
    };
}

// ---------------------------------------------------------------------------------------------
// Small helpers used by the cases

trait ReplaceBytes {
    fn replace_bytes(&self, from: &[u8], to: &[u8]) -> Vec<u8>;
}

impl ReplaceBytes for &[u8] {
    /// Replaces the single occurrence of `from` (which must occur exactly once).
    fn replace_bytes(&self, from: &[u8], to: &[u8]) -> Vec<u8> {
        let hits: Vec<usize> = self
            .windows(from.len())
            .enumerate()
            .filter(|(_, w)| *w == from)
            .map(|(i, _)| i)
            .collect();
        assert_eq!(hits.len(), 1, "pattern must occur once");
        let i = hits[0];
        [&self[..i], to, &self[i + from.len()..]].concat()
    }
}

/// The health payload with the credential map's pairs edited and written in the given order,
/// without canonical sorting or duplicate removal.
fn edit_raw_credential(extra: (Value<'_>, Value<'_>)) -> Vec<u8> {
    let pl = health_claims().to_cbor();
    let Value::Map(pairs) = cbor::decode(&pl).unwrap() else {
        unreachable!()
    };
    let mut out = Vec::new();
    cbor::write_head(&mut out, 5, pairs.len() as u64);
    for (k, v) in &pairs {
        k.encode_into(&mut out);
        match v {
            Value::Map(inner) if k.as_i64() == Some(CLAIM_CREDENTIAL) => {
                let mut inner = inner.clone();
                inner.push(extra.clone());
                out.extend_from_slice(&raw_map(&inner));
            }
            _ => v.encode_into(&mut out),
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Completeness and format of the codes

/// Every `VerifyError` variant, with each CBOR error both in the COSE and in the payload.
fn every_variant() -> Vec<VerifyError> {
    let cbor_errors = [
        CborError::Truncated,
        CborError::TrailingBytes,
        CborError::Indefinite,
        CborError::NonCanonical,
        CborError::DuplicateKey,
        CborError::Unsupported,
        CborError::InvalidUtf8,
        CborError::TooDeep,
        CborError::TooManyItems,
    ];
    let mut all = vec![
        VerifyError::TextTooLong {
            len: 5000,
            max: MAX_TEXT_LEN,
        },
        VerifyError::UnknownPrefix,
        VerifyError::Base45(Base45Error::InvalidChar(0)),
        VerifyError::Base45(Base45Error::InvalidLength),
        VerifyError::Base45(Base45Error::OutOfRange(0)),
        VerifyError::Decompress,
        VerifyError::DecompressTooLarge {
            max: MAX_COSE_BYTES,
        },
        VerifyError::CoseTooLarge {
            len: MAX_COSE_BYTES + 1,
            max: MAX_COSE_BYTES,
        },
        VerifyError::CoseUntagged,
        VerifyError::CoseWrongTag(98),
        VerifyError::CoseStructure("x"),
        VerifyError::HeaderInvalid("x"),
        VerifyError::AlgMissing,
        VerifyError::AlgUnknown(99_999),
        VerifyError::KidMissing,
        VerifyError::UnknownCritical,
        VerifyError::UnknownHeader(3),
        VerifyError::UnprotectedNotEmpty,
        VerifyError::UnknownKid("00".into()),
        VerifyError::AlgMismatch {
            alg: -7,
            key_alg: -8,
        },
        VerifyError::BadSignature,
        VerifyError::ClaimMissing("iat"),
        VerifyError::ClaimType("iat"),
        VerifyError::ClaimUnknown(2),
        VerifyError::ClaimInvalid {
            field: "status",
            reason: "x",
        },
        VerifyError::UnknownKind(9),
        VerifyError::Identifier {
            field: "citizen_id",
            reason: IdentError::CheckDigit,
        },
        VerifyError::Expired,
        VerifyError::NotYetValid,
    ];
    all.extend(cbor_errors.iter().map(|&e| VerifyError::Cbor(e)));
    all.extend(cbor_errors.iter().map(|&e| VerifyError::PayloadCbor(e)));
    all
}

/// `^[a-z0-9]+\.[a-z0-9-]+$`
fn is_well_formed_code(code: &str) -> bool {
    let Some((family, rest)) = code.split_once('.') else {
        return false;
    };
    !family.is_empty()
        && family
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && !rest.is_empty()
        && rest
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

#[test]
fn code_pattern_checker_works() {
    for good in ["a.b", "cbor.non-canonical", "base45.out-of-range", "x1.y-2"] {
        assert!(is_well_formed_code(good), "{good}");
    }
    for bad in [
        "", "a", ".b", "a.", "A.b", "a.b.c", "a_b.c", "a.B", "a-b.c", "a. b",
    ] {
        assert!(!is_well_formed_code(bad), "{bad}");
    }
}

#[test]
fn every_error_code_is_well_formed_and_matches_its_stage() {
    for e in every_variant() {
        let code = e.code();
        assert!(is_well_formed_code(code), "{code}");
        assert!(!e.to_string().is_empty());
        let family = code.split_once('.').unwrap().0;
        let expected_stage = match (family, &e) {
            ("text" | "prefix", _) => Stage::Prefix,
            ("base45", _) => Stage::Base45,
            ("decompress", _) => Stage::Decompress,
            ("cbor", VerifyError::Cbor(_)) | ("cose", _) => Stage::Cose,
            ("cbor", VerifyError::PayloadCbor(_)) | ("claims", _) => Stage::Claims,
            ("header", _) => Stage::Header,
            ("key", _) => Stage::KeyLookup,
            ("signature", _) => Stage::Signature,
            ("identifier", _) => Stage::Identifier,
            ("time", _) => Stage::Time,
            _ => panic!("unexpected code family {code}"),
        };
        assert_eq!(e.stage(), expected_stage, "{code}");
        if !matches!(family, "text" | "cbor") {
            assert_eq!(e.stage().as_str(), family, "{code}");
        }
    }
    for e in [
        IssueError::InvalidField {
            field: "uscc",
            reason: "x".into(),
        },
        IssueError::TooLarge { len: 1, max: 0 },
    ] {
        assert!(is_well_formed_code(e.code()), "{}", e.code());
    }
    for e in [
        KeyError::InvalidPrivateKey,
        KeyError::InvalidPublicKey,
        KeyError::WeakPublicKey,
    ] {
        assert!(is_well_formed_code(e.code()), "{}", e.code());
    }
}

/// Every code a `VerifyError` can carry is produced by at least one hostile input above, at the stage
/// the variant declares (CBOR codes at both the COSE and the payload stage).
#[test]
fn every_code_is_reached_by_a_hostile_input() {
    let mut reached = std::collections::BTreeSet::new();
    for (name, code, stage, build) in all_cases() {
        let e = build();
        assert_eq!((e.code(), e.stage()), (code, stage), "{name}");
        reached.insert((code, stage));
    }
    let mut missing = Vec::new();
    for e in every_variant() {
        if !reached.contains(&(e.code(), e.stage())) {
            missing.push((e.code(), e.stage()));
        }
    }
    assert!(
        missing.is_empty(),
        "codes no hostile input reaches: {missing:?}"
    );
    // And every well-formed stage appears.
    let stages: std::collections::BTreeSet<Stage> = reached.iter().map(|&(_, s)| s).collect();
    assert_eq!(stages.len(), 10);
}

// ---------------------------------------------------------------------------------------------
// Time window edges

fn verify_at(cose: &[u8], now: u64, leeway: u64) -> Result<Claims, &'static str> {
    Unverified::from_cose(cose.to_vec())
        .unwrap()
        .verify(&trusted(), &VerifyOptions { now, leeway })
        .map(|v| v.into_claims())
        .map_err(|e| e.code())
}

#[test]
fn expiry_edge_without_leeway() {
    let claims = health_claims();
    let cose = valid().cose;
    assert_eq!(
        verify_at(&cose, claims.expires_at - 1, 0),
        Ok(claims.clone())
    );
    assert_eq!(verify_at(&cose, claims.expires_at, 0), Err("time.expired"));
    assert_eq!(verify_at(&cose, claims.issued_at, 0), Ok(claims.clone()));
    assert_eq!(
        verify_at(&cose, claims.issued_at - 1, 0),
        Err("time.not-yet-valid")
    );
}

#[test]
fn not_before_edges() {
    let mut claims = health_claims();
    let nbf = T0 + 3600;
    claims.not_before = Some(nbf);
    let cose = issue(&claims, &key()).unwrap().cose;
    assert_eq!(verify_at(&cose, nbf, 0), Ok(claims.clone()));
    assert_eq!(verify_at(&cose, nbf - 1, 0), Err("time.not-yet-valid"));
    // Between iat and nbf is not valid yet.
    assert_eq!(verify_at(&cose, T0 + 1, 0), Err("time.not-yet-valid"));
}

#[test]
fn leeway_widens_both_edges_by_exactly_its_amount() {
    let mut claims = health_claims();
    let nbf = T0 + 3600;
    claims.not_before = Some(nbf);
    let exp = claims.expires_at;
    let cose = issue(&claims, &key()).unwrap().cose;
    let leeway = 300;
    assert_eq!(
        verify_at(&cose, exp + leeway - 1, leeway),
        Ok(claims.clone())
    );
    assert_eq!(verify_at(&cose, exp + leeway, leeway), Err("time.expired"));
    assert_eq!(verify_at(&cose, nbf - leeway, leeway), Ok(claims.clone()));
    assert_eq!(
        verify_at(&cose, nbf - leeway - 1, leeway),
        Err("time.not-yet-valid")
    );
    // A leeway near u64::MAX saturates instead of overflowing.
    assert_eq!(verify_at(&cose, 0, u64::MAX), Ok(claims.clone()));
    assert_eq!(verify_at(&cose, u64::MAX - 1, u64::MAX), Ok(claims));
}

/// Stages run in order: a credential that is both expired and signed by an unknown key reports the
/// key; one with a bad signature and bad claims reports the signature.
#[test]
fn earliest_stage_wins() {
    let late = health_claims().expires_at + 1;
    let e = verify_err_with(&valid().cose, &[other_key().verifying_key()], late);
    assert_eq!(e.code(), "key.unknown-kid");
    let (p, _, s) = valid_parts();
    let bad_claims = edit_credential(&health_claims().to_cbor(), |p| set(p, 0, Value::Uint(9)));
    let e = verify_err_with(&cose::assemble(&p, &bad_claims, &s), &trusted(), late);
    assert_eq!(e.code(), "signature.invalid");
    // The unverified view still decodes (and refuses) the payload without any key.
    let u = Unverified::from_cose(cose::assemble(&p, &bad_claims, &s)).unwrap();
    assert_eq!(
        u.unverified_claims().unwrap_err().code(),
        "claims.unknown-kind"
    );
    // Expired and with a bad identifier: the identifier is reported first.
    let ssc = claims_with(Credential::SocialSecurityCard(social_security_card()));
    let bad = citizen_id_bad_check(CITIZEN_BODY);
    let payload = edit_credential(&ssc.to_cbor(), |p| set(p, 3, Value::Text(&bad)));
    let e = verify_err_with(&sign_payload(&payload, &key()), &trusted(), late);
    assert_eq!(e.code(), "identifier.invalid");
}

#[test]
fn text_of_exactly_the_maximum_length_is_not_too_long() {
    let body_len = MAX_TEXT_LEN - transport::PREFIX.len();
    assert_ne!(body_len % 3, 1);
    let e = parse_err(&format!("YM1:{}", "0".repeat(body_len)));
    assert_eq!(e.code(), "cbor.trailing-bytes");
}

// ---------------------------------------------------------------------------------------------
// The canonical-encoding invariant: whatever is accepted re-encodes to the bytes received.

/// Small owned CBOR values to put in a field.
fn replacement_values() -> Vec<Value<'static>> {
    vec![
        Value::Uint(0),
        Value::Uint(1),
        Value::Uint(9),
        Value::Uint(T0 + 100),
        Value::Uint(u64::MAX),
        Value::Nint(0),
        Value::Text(""),
        Value::Text("*"),
        Value::Text("A1"),
        Value::Text("金*"),
        Value::Bytes(&[]),
        Value::Bytes(&[1; 8]),
        Value::Array(vec![]),
        Value::Array(vec![Value::Text("x")]),
        Value::Array(vec![Value::Uint(3), Value::Uint(70_000)]),
        Value::Map(vec![]),
        Value::Map(vec![(Value::Text("k"), Value::Text("v"))]),
        Value::Bool(true),
        Value::Null,
        Value::Tag(100, Box::new(Value::Uint(1))),
    ]
}

const TOP_KEYS: [i64; 11] = [1, 2, 4, 5, 6, 7, 8, -1, -270, -271, -272];

/// Every single edit (remove or replace one claim or one credential field, or add one) of a valid
/// payload of each kind: if `unverified_claims` accepts it, the claims must be valid and re-encode to
/// exactly the received payload. (Signature-free, so it can be exhaustive.)
#[test]
fn every_single_field_edit_is_rejected_or_canonical() {
    let (p, _, s) = valid_parts();
    let mut failures = Vec::new();
    let mut accepted = 0usize;
    let mut check = |what: String, payload: Vec<u8>| {
        let u = Unverified::from_cose(cose::assemble(&p, &payload, &s)).unwrap();
        if let Ok(claims) = u.unverified_claims() {
            accepted += 1;
            if claims.to_cbor() != payload || claims.validate().is_err() {
                failures.push(what);
            }
        }
    };
    for claims in sample_claims() {
        let kind = claims.credential.kind();
        for key in TOP_KEYS {
            check(
                format!("{kind}: remove {key}"),
                edit_claims(&claims.to_cbor(), |p| remove(p, key)),
            );
            for v in replacement_values() {
                check(
                    format!("{kind}: {key} = {v}"),
                    edit_claims(&claims.to_cbor(), |p| set(p, key, v)),
                );
            }
        }
        for key in 0..=8 {
            check(
                format!("{kind}: remove sub-key {key}"),
                edit_credential(&claims.to_cbor(), |p| remove(p, key)),
            );
            for v in replacement_values() {
                check(
                    format!("{kind}: sub-key {key} = {v}"),
                    edit_credential(&claims.to_cbor(), |p| set(p, key, v)),
                );
            }
        }
    }
    assert!(
        accepted > 20,
        "the edits should include some valid ones ({accepted})"
    );
    assert!(
        failures.is_empty(),
        "accepted but not canonical: {failures:#?}"
    );
}

/// Regression: an electronic licence whose `extra` (sub-key 7) is an EMPTY map used to be accepted,
/// but `to_cbor` omits an empty `extra`, so the verified claims did not re-encode to the signed
/// payload (two signed byte strings for the same claims, against the "parse → re-encode gives the
/// received bytes" rule).
#[test]
fn empty_extra_map_is_refused_because_it_is_not_canonical() {
    let el = claims_with(Credential::ElectronicLicence(electronic_licence()));
    let payload = edit_credential(&el.to_cbor(), |p| set(p, 7, Value::Map(vec![])));
    let cose = sign_payload(&payload, &key());
    match Unverified::from_cose(cose)
        .unwrap()
        .verify(&trusted(), &VerifyOptions::at(NOW))
    {
        Err(e) => assert_eq!((e.code(), e.stage()), ("claims.invalid", Stage::Claims)),
        Ok(v) => panic!(
            "accepted; claims re-encode to {} bytes, payload was {} bytes",
            v.claims().to_cbor().len(),
            payload.len()
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// Property tests: no panics, nothing altered verifies

/// Parses and (if it parses) verifies; nothing may panic and nothing may verify unless its COSE bytes
/// are exactly `original`. An altered credential must be stopped at or before the signature.
fn never_verifies_unless_identical(
    text: &str,
    original: Option<&[u8]>,
) -> Result<(), TestCaseError> {
    if let Ok(u) = Unverified::parse(text) {
        let _ = u.unverified_claims();
        let identical = original == Some(u.cose_bytes());
        match u.verify(
            &trusted(),
            &VerifyOptions {
                now: NOW,
                leeway: u64::MAX,
            },
        ) {
            Ok(_) => prop_assert!(identical, "altered credential verified: {text}"),
            Err(e) => prop_assert!(
                identical || e.stage() <= Stage::Signature,
                "{}: {text}",
                e.code()
            ),
        }
    }
    Ok(())
}

fn cose_never_verifies_unless_identical(
    bytes: &[u8],
    original: &[u8],
) -> Result<(), TestCaseError> {
    if let Ok(u) = Unverified::from_cose(bytes.to_vec()) {
        let _ = u.unverified_claims();
        let opts = VerifyOptions {
            now: NOW,
            leeway: u64::MAX,
        };
        match u.verify(&trusted(), &opts) {
            Ok(_) => prop_assert_eq!(bytes, original),
            Err(e) => prop_assert!(
                bytes == original || e.stage() <= Stage::Signature,
                "{}",
                e.code()
            ),
        }
    }
    // The same bytes through the transport text parse identically (verified once above).
    if let Ok(u) = Unverified::parse(&plain_text(bytes)) {
        prop_assert_eq!(u.cose_bytes(), bytes);
    }
    Ok(())
}

/// Valid credentials to mutate: one of each kind, one with nbf and cti, one compressed.
fn corpus() -> Vec<Issued> {
    let mut all = sample_claims();
    let mut with_opts = health_claims();
    with_opts.not_before = Some(T0 + 1);
    with_opts.credential_id = Some(vec![0xab; 16]);
    with_opts.status = Some(StatusRef {
        list_id: 3,
        index: 1_000_000,
    });
    all.push(with_opts);
    let mut el = electronic_licence();
    for i in 0..8 {
        el.extra.insert(format!("字段{i}"), "重复".repeat(20));
    }
    all.push(claims_with(Credential::ElectronicLicence(el)));
    let issued: Vec<Issued> = all.iter().map(|c| issue(c, &key()).unwrap()).collect();
    assert!(issued.iter().any(|i| i.text.starts_with("YM1Z:")));
    issued
}

#[derive(Debug, Clone)]
enum Mutation {
    Replace(prop::sample::Index, u8),
    Insert(prop::sample::Index, u8),
    Delete(prop::sample::Index),
    Truncate(prop::sample::Index),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        6 => (any::<prop::sample::Index>(), 1u8..=255).prop_map(|(i, x)| Mutation::Replace(i, x)),
        1 => (any::<prop::sample::Index>(), any::<u8>()).prop_map(|(i, b)| Mutation::Insert(i, b)),
        1 => any::<prop::sample::Index>().prop_map(Mutation::Delete),
        1 => any::<prop::sample::Index>().prop_map(Mutation::Truncate),
    ]
}

fn apply(bytes: &[u8], m: &Mutation) -> Vec<u8> {
    let mut out = bytes.to_vec();
    match m {
        Mutation::Replace(i, x) => out[i.index(bytes.len())] ^= x,
        Mutation::Insert(i, b) => out.insert(i.index(bytes.len() + 1), *b),
        Mutation::Delete(i) => {
            out.remove(i.index(bytes.len()));
        }
        Mutation::Truncate(i) => out.truncate(i.index(bytes.len())),
    }
    out
}

proptest! {
    #[test]
    fn arbitrary_strings_never_panic(s in any::<String>()) {
        never_verifies_unless_identical(&s, None)?;
    }

    #[test]
    fn arbitrary_printable_text_never_panics(s in "\\PC{0,300}") {
        never_verifies_unless_identical(&s, None)?;
        never_verifies_unless_identical(&format!("YM1:{s}"), None)?;
    }

    #[test]
    fn prefixed_base45_alphabet_text_never_panics(s in "[0-9A-Z $%*+./:-]{0,400}") {
        never_verifies_unless_identical(&format!("YM1:{s}"), None)?;
        never_verifies_unless_identical(&format!("YM1Z:{s}"), None)?;
    }

    #[test]
    fn prefixed_base45_of_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        never_verifies_unless_identical(&plain_text(&bytes), None)?;
        never_verifies_unless_identical(&format!("YM1Z:{}", base45::encode(&bytes)), None)?;
        never_verifies_unless_identical(&zlib_text(&bytes), None)?;
        if let Ok(u) = Unverified::from_cose(bytes) {
            let _ = u.unverified_claims();
            prop_assert!(u.verify(&trusted(), &VerifyOptions::at(NOW)).is_err());
        }
    }

    /// Arbitrary bytes behind a correct tag and array header reach the deeper parsers more often.
    #[test]
    fn cose_shaped_bytes_never_panic(
        protected in proptest::collection::vec(any::<u8>(), 0..40),
        unprotected in proptest::collection::vec(any::<u8>(), 0..8),
        payload in proptest::collection::vec(any::<u8>(), 0..80),
    ) {
        let mut c = vec![0xd2, 0x84];
        cbor::write_head(&mut c, 2, protected.len() as u64);
        c.extend_from_slice(&protected);
        c.extend_from_slice(&unprotected);
        cbor::write_head(&mut c, 2, payload.len() as u64);
        c.extend_from_slice(&payload);
        c.extend_from_slice(&[0x58, 0x40]);
        c.extend_from_slice(&[0; 64]);
        cose_never_verifies_unless_identical(&c, &[])?;
    }
}

/// Every byte of a credential is protected: changing any one byte (low bit flipped) is refused at or
/// before the signature check.
#[test]
fn every_byte_of_a_credential_is_protected() {
    let original = valid().cose;
    let mut reached_signature = 0;
    for i in 0..original.len() {
        let mut mutant = original.clone();
        mutant[i] ^= 0x01;
        let Ok(u) = Unverified::from_cose(mutant) else {
            continue;
        };
        let e = u
            .verify(
                &trusted(),
                &VerifyOptions {
                    now: NOW,
                    leeway: u64::MAX,
                },
            )
            .expect_err("a mutant verified");
        assert!(e.stage() <= Stage::Signature, "byte {i}: {}", e.code());
        reached_signature += usize::from(e.code() == "signature.invalid");
    }
    // The payload and signature bytes (most of the credential) parse and fail only at the signature.
    assert!(
        reached_signature > original.len() / 2,
        "{reached_signature}"
    );
}

proptest! {
    // Most mutants parse and cost a ~10 ms (debug build) signature check each.
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn mutated_cose_never_verifies(which in any::<prop::sample::Index>(), m in mutation()) {
        let corpus = corpus();
        let original = &corpus[which.index(corpus.len())].cose;
        let mutant = apply(original, &m);
        prop_assume!(&mutant != original);
        cose_never_verifies_unless_identical(&mutant, original)?;
    }

    #[test]
    fn mutated_text_never_verifies(which in any::<prop::sample::Index>(), pos in any::<prop::sample::Index>(), c in proptest::sample::select(QR_ALPHANUMERIC.chars().collect::<Vec<_>>())) {
        let corpus = corpus();
        let issued = &corpus[which.index(corpus.len())];
        let prefix = if issued.text.starts_with("YM1Z:") { 5 } else { 4 };
        let body_len = issued.text.len() - prefix;
        let i = prefix + pos.index(body_len);
        let mut mutant = issued.text.clone();
        mutant.replace_range(i..=i, &c.to_string());
        prop_assume!(mutant != issued.text);
        never_verifies_unless_identical(&mutant, Some(&issued.cose))?;
    }

    /// A validly re-signed payload with one byte changed: never panics, and if it verifies, the claims
    /// are valid and re-encode to exactly the signed payload.
    #[test]
    fn resigned_mutated_payload_verifies_only_if_canonical(which in any::<prop::sample::Index>(), m in mutation()) {
        let claims = sample_claims();
        let payload = apply(&claims[which.index(claims.len())].to_cbor(), &m);
        let cose = sign_payload(&payload, &key());
        let u = Unverified::from_cose(cose).unwrap();
        let unverified = u.unverified_claims();
        match u.verify(&trusted(), &VerifyOptions { now: NOW, leeway: u64::MAX }) {
            Ok(v) => {
                prop_assert_eq!(v.claims().to_cbor(), payload);
                prop_assert!(v.claims().validate().is_ok());
                prop_assert_eq!(unverified.as_ref(), Ok(v.claims()));
            }
            Err(e) => {
                prop_assert!(e.stage() >= Stage::Claims, "{}", e.code());
                prop_assert_eq!(unverified.unwrap_err(), e);
            }
        }
    }
}

#[test]
fn verify_text_agrees_with_parse_then_verify() {
    let text = valid().text;
    let opts = VerifyOptions::at(NOW);
    assert_eq!(
        verify_text(&text, &trusted(), &opts).unwrap().claims(),
        &health_claims()
    );
    assert_eq!(
        verify_text("YM1:B", &trusted(), &opts).unwrap_err().code(),
        "base45.invalid-length"
    );
    let late = VerifyOptions::at(T0 + 86_400);
    assert_eq!(
        verify_text(&text, &trusted(), &late).unwrap_err().code(),
        "time.expired"
    );
}

/// Keys: weak and malformed public keys are refused when loaded, so they can never be trusted.
#[test]
fn weak_and_malformed_public_keys_are_refused() {
    let mut identity = [0u8; 32];
    identity[0] = 1;
    assert_eq!(
        VerifyingKey::from_bytes(&identity).unwrap_err().code(),
        "key.weak-public"
    );
    assert_eq!(
        VerifyingKey::from_bytes(&[0; 32]).unwrap_err().code(),
        "key.weak-public"
    );
    // y = 2 is not the y coordinate of any curve point.
    let mut off_curve = [0u8; 32];
    off_curve[0] = 2;
    assert_eq!(
        VerifyingKey::from_bytes(&off_curve).unwrap_err().code(),
        "key.invalid-public"
    );
    assert_eq!(
        VerifyingKey::from_public_key_pem("-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n")
            .unwrap_err()
            .code(),
        "key.invalid-public"
    );
    assert_eq!(
        SigningKey::from_pkcs8_pem("").unwrap_err().code(),
        "key.invalid-private"
    );
}

/// BUG (src/keys.rs, `VerifyingKey::from_bytes`): RFC 8032 §5.1.3 says decoding fails when the
/// encoded y is >= p, but curve25519-dalek reduces it silently. `ff..ff7f` (y = 2^255 - 1, i.e.
/// y = 18 mod p) is accepted as a second encoding of the point whose canonical encoding is
/// `12 00..00`, with a different kid. No forgery follows (the encoding is hashed into every
/// signature check), but "refusing invalid encodings" is not what happens.
#[test]
fn non_canonical_public_key_encoding_is_refused() {
    let mut canonical = [0u8; 32];
    canonical[0] = 18;
    let k = VerifyingKey::from_bytes(&canonical).unwrap();
    assert_eq!(k.to_bytes(), canonical);
    let mut alias = [0xff; 32];
    alias[31] = 0x7f;
    assert_eq!(
        VerifyingKey::from_bytes(&alias).map(|k| k.kid()),
        Err(KeyError::InvalidPublicKey),
        "y >= p must be refused"
    );
}
