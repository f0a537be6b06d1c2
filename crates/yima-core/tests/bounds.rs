//! Resource bounds on hostile input: each documented limit (docs/format.md §4.3, §3, §14, SECURITY.md)
//! is shown to hold, and the time and the peak heap memory the rejection took are measured and
//! printed (`cargo test -p yima-core --test bounds -- --nocapture`).
//!
//! Memory is measured with a counting global allocator (`yima_testkit::alloc`) that tracks, per
//! thread, the bytes currently allocated since the measurement started and their peak. The input is
//! built before the measurement starts, so the figures are what the decoder itself allocated.

// Test code: a failed unwrap is a failed test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::Write;

use yima_core::cbor::{self, Value};
use yima_core::keys::SigningKey;
use yima_core::status::{self, StatusListToken};
use yima_core::trust::{self, BundleCheck, BundleContents, TrustBundle};
use yima_core::{Unverified, VerifyOptions, base45, cose, transport, verify_text};
use yima_testkit::alloc::{Counting, KIB, MIB, measure, report};

#[global_allocator]
static ALLOC: Counting = Counting;

fn zlib(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn key() -> SigningKey {
    SigningKey::from_seed(&[0x42; 32])
}

// ---- transport text ----------------------------------------------------------------------------

#[test]
fn text_length_is_checked_before_any_work() {
    let text = format!("{}{}", transport::PREFIX, "0".repeat(8 * MIB));
    let (r, took, peak) = measure(|| verify_text(&text, &[], &VerifyOptions::at(0)));
    let code = r.unwrap_err().code();
    assert_eq!(code, "text.too-long");
    report(
        "text length (4296 bytes)",
        text.len(),
        code,
        took,
        peak,
        KIB,
    );
}

#[test]
fn zlib_bomb_in_a_text_stops_at_8193_bytes_of_output() {
    // The largest bomb that fits a text: zeros, compressed until Base45 fills 4296 characters.
    let mut n = 1 << 20;
    let bomb = loop {
        let z = zlib(&vec![0u8; n * 2]);
        if transport::PREFIX_ZLIB.len() + transport::base45_len(z.len()) > transport::MAX_TEXT_LEN {
            break zlib(&vec![0u8; n]);
        }
        n *= 2;
    };
    let text = format!("{}{}", transport::PREFIX_ZLIB, base45::encode(&bomb));
    assert!(text.len() <= transport::MAX_TEXT_LEN);
    let (r, took, peak) = measure(|| Unverified::parse(&text));
    let code = r.unwrap_err().code();
    assert_eq!(code, "decompress.too-large");
    report(
        &format!("zlib bomb in a text ({n} bytes declared)"),
        text.len(),
        code,
        took,
        peak,
        MIB,
    );
    // The same through the whole verifier.
    let (r, _, peak) =
        measure(|| verify_text(&text, &[key().verifying_key()], &VerifyOptions::at(0)));
    assert_eq!(r.unwrap_err().code(), "decompress.too-large");
    assert!(peak < MIB, "verify_text peak {peak}");
}

#[test]
fn base45_output_is_two_thirds_of_the_capped_input() {
    let text = format!("{}{}", transport::PREFIX, "00".repeat(2146)); // 4296 characters
    let (r, took, peak) = measure(|| transport::decode(&text));
    let (cose_bytes, _) = r.unwrap();
    assert_eq!(cose_bytes.len(), 2861);
    report(
        "Base45 of a maximal text",
        text.len(),
        "ok",
        took,
        peak,
        4 * KIB,
    );
}

#[test]
fn raw_cose_is_capped_at_8192_bytes_before_parsing() {
    let big = vec![0u8; 16 * MIB];
    let (r, took, peak) = measure(|| Unverified::from_cose(big));
    let code = r.unwrap_err().code();
    assert_eq!(code, "cose.too-large");
    // The input vector itself is moved in and dropped: the decoder allocates nothing.
    report("raw COSE (8192 bytes)", 16 * MIB, code, took, peak, KIB);
}

// ---- CBOR ----------------------------------------------------------------------------------------

#[test]
fn nesting_is_capped_at_16_levels() {
    let mut deep = vec![0x81u8; MIB];
    deep.push(0);
    let (r, took, peak) = measure(|| cbor::decode(&deep).map(|_| ()));
    let code = r.unwrap_err().code();
    assert_eq!(code, "cbor.too-deep");
    report("CBOR nesting (16)", deep.len(), code, took, peak, 4 * KIB);
    // Tags count as nesting too.
    let mut tags = vec![0xc1u8; MIB];
    tags.push(0);
    let (r, _, peak) = measure(|| cbor::decode(&tags).map(|_| ()));
    assert_eq!(r.unwrap_err().code(), "cbor.too-deep");
    assert!(peak < 4 * KIB);
}

#[test]
fn huge_declared_lengths_allocate_nothing() {
    for (what, bytes, code) in [
        ("bstr 2^64-1", "5bffffffffffffffff", "cbor.truncated"),
        ("tstr 2^32-1", "7affffffff", "cbor.truncated"),
        ("array 2^64-1", "9bffffffffffffffff", "cbor.too-many-items"),
        ("map 2^64-1", "bbffffffffffffffff", "cbor.too-many-items"),
        ("array 256, no elements", "990100", "cbor.too-many-items"),
        ("array 257", "990101", "cbor.too-many-items"),
    ] {
        let input = hex::decode(bytes).unwrap();
        let (r, took, peak) = measure(|| cbor::decode(&input).map(|_| ()));
        let got = r.unwrap_err().code();
        assert_eq!(got, code, "{what}");
        report(
            &format!("CBOR declared {what}"),
            input.len(),
            got,
            took,
            peak,
            256,
        );
    }
}

/// A COSE_Sign1 of about `target` bytes whose unprotected header holds a tree of about `target`
/// one-byte integers (arrays of 256 arrays of 256 arrays of 256 zeros): the most decoded values per
/// input byte.
fn cose_with_huge_unprotected_header(typ: &str, target: usize) -> Vec<u8> {
    // Blocks of 256 x 256 arrays of `k` zeros (each about 65536 * (k + 3) bytes).
    let full = 65_536 * (256 + 3);
    let (blocks, k) = if target >= full {
        (target / full, 256)
    } else {
        (1, target / 65_536 - 4)
    };
    let mut tree = Vec::with_capacity(target + 1024);
    cbor::write_head(&mut tree, 4, blocks as u64);
    for _ in 0..blocks {
        cbor::write_head(&mut tree, 4, 256);
        for _ in 0..256 {
            cbor::write_head(&mut tree, 4, 256);
            for _ in 0..256 {
                cbor::write_head(&mut tree, 4, k as u64);
                tree.extend(std::iter::repeat_n(0u8, k));
            }
        }
    }
    let protected = cose::protected_header_typed(-8, &key().kid(), Some(typ));
    let mut out = vec![0xd2, 0x84];
    cbor::write_head(&mut out, 2, protected.len() as u64);
    out.extend_from_slice(&protected);
    out.push(0xa1); // unprotected: {0: tree}
    out.push(0x00);
    out.extend_from_slice(&tree);
    out.push(0x40); // empty payload
    out.extend_from_slice(&[0x58, 0x40]);
    out.extend_from_slice(&[0u8; 64]);
    out
}

#[test]
fn total_items_per_decode_are_capped() {
    // A 50 MiB trust bundle (the cap is 64 MiB) that is almost entirely unprotected-header items:
    // without a cap on the items of one decode, the reader built a tree of about 50 million values
    // (measured before the cap: 539 MB for a 16 MiB header, 2.7 s) before looking at the header.
    let bundle = cose_with_huge_unprotected_header(trust::TYP, 60 * MIB);
    assert!(bundle.len() <= trust::MAX_BUNDLE_BYTES);
    let pinned = key().verifying_key();
    let (r, took, peak) = measure(|| BundleContents::verify_signature(&bundle, &pinned));
    let e = r.unwrap_err();
    assert_eq!(e.code(), "bundle.invalid");
    assert!(e.to_string().contains("too large"), "{e}");
    report(
        "CBOR items per decode (65536), trust bundle",
        bundle.len(),
        "cbor.too-many-items",
        took,
        peak,
        8 * MIB,
    );
    // The same for a status list token (cap 16 MiB).
    let token = cose_with_huge_unprotected_header(status::TYP, 15 * MIB);
    assert!(token.len() <= status::MAX_TOKEN_BYTES);
    let keys = [pinned.clone()];
    let (r, took, peak) = measure(|| StatusListToken::verify(&token, &keys).map(|_| ()));
    let code = r.unwrap_err().code();
    assert_eq!(code, "cbor.too-many-items");
    report(
        "CBOR items per decode (65536), status list",
        token.len(),
        code,
        took,
        peak,
        8 * MIB,
    );
}

// ---- signed objects of the venue scanner ---------------------------------------------------------

#[test]
fn status_list_and_bundle_sizes_are_checked_before_parsing() {
    let token = vec![0u8; status::MAX_TOKEN_BYTES + 1];
    let (r, took, peak) =
        measure(|| StatusListToken::verify(&token, &[key().verifying_key()]).map(|_| ()));
    let code = r.unwrap_err().code();
    assert_eq!(code, "cose.too-large");
    report(
        "status list token (16 MiB)",
        token.len(),
        code,
        took,
        peak,
        KIB,
    );

    let bundle = vec![0u8; trust::MAX_BUNDLE_BYTES + 1];
    let check = BundleCheck {
        now: 0,
        skew: 0,
        accepted_seq: None,
        max_age: None,
    };
    let (r, took, peak) =
        measure(|| TrustBundle::verify(&bundle, &key().verifying_key(), &check).map(|_| ()));
    let e = r.unwrap_err();
    assert_eq!(e.code(), "bundle.invalid");
    report(
        "trust bundle (64 MiB)",
        bundle.len(),
        "cose.too-large",
        took,
        peak,
        KIB,
    );
}

#[test]
fn status_list_bomb_stops_at_32_mib() {
    // A validly signed token whose list inflates to 64 MiB: refused after 2^25 + 1 bytes of output.
    let lst = zlib(&vec![0u8; 64 * MIB]);
    let payload = Value::Map(vec![
        (Value::int(2), Value::Text("urn:yima:status:SH:1")),
        (Value::int(6), Value::Uint(1)),
        (
            Value::int(status::CLAIM_STATUS_LIST),
            Value::Map(vec![
                (Value::Text("bits"), Value::Uint(2)),
                (Value::Text("lst"), Value::Bytes(&lst)),
            ]),
        ),
    ])
    .encode();
    let token = cose::sign(&key(), &payload, Some(status::TYP));
    let (r, took, peak) =
        measure(|| StatusListToken::verify(&token, &[key().verifying_key()]).map(|_| ()));
    let code = r.unwrap_err().code();
    assert_eq!(code, "decompress.too-large");
    // The output buffer grows geometrically but never past the cap; while it moves, the old and the
    // new block exist together, so the peak stays under 1.5 times the cap (it was 100 MB, three times
    // the cap, before the growth was clamped).
    report(
        "status list zlib bomb (32 MiB)",
        token.len(),
        code,
        took,
        peak,
        49 * MIB,
    );
}

/// A status list token of issuer `SH`, list `list_id`, signed by `key`, carrying `lst` as is.
fn status_token(key: &SigningKey, list_id: u64, lst: &[u8]) -> Vec<u8> {
    let uri = status::list_uri("SH", list_id);
    let payload = Value::Map(vec![
        (Value::int(2), Value::Text(&uri)),
        (Value::int(6), Value::Uint(1)),
        (
            Value::int(status::CLAIM_STATUS_LIST),
            Value::Map(vec![
                (Value::Text("bits"), Value::Uint(2)),
                (Value::Text("lst"), Value::Bytes(lst)),
            ]),
        ),
    ])
    .encode();
    cose::sign(key, &payload, Some(status::TYP))
}

/// A bundle signed by `authority` with issuer `SH` (key `sh`) and one status list token per entry of
/// `lsts`.
fn bundle_with_lists(authority: &SigningKey, sh: &SigningKey, lsts: &[&[u8]]) -> Vec<u8> {
    BundleContents {
        seq: 1,
        issued_at: 1,
        expires_at: 1 << 40,
        issuers: vec![trust::Issuer {
            name: "SH".into(),
            key: sh.verifying_key(),
            kinds: vec![yima_core::Kind::HealthCode],
            valid_from: 0,
            valid_until: 1 << 40,
        }],
        status_lists: lsts
            .iter()
            .zip(1..)
            .map(|(lst, id)| status_token(sh, id, lst))
            .collect(),
    }
    .sign(authority)
}

#[test]
fn status_lists_of_one_bundle_share_a_64_mib_budget() {
    // The attack: 256 tokens (the most one CBOR array holds), each a valid list of the largest size,
    // 2^27 entries = 32 MiB of zeros compressed to 32 KiB. Every list is fine on its own; before the
    // budget the scanner inflated all of them, 8 GiB, while loading the bundle. Now the first two fill
    // the budget and the third is refused before it is inflated.
    let (authority, sh) = (
        SigningKey::from_seed(&[0x51; 32]),
        SigningKey::from_seed(&[0x52; 32]),
    );
    let check = BundleCheck {
        now: 2,
        skew: 0,
        accepted_seq: None,
        max_age: None,
    };
    let full = zlib(&vec![0u8; status::MAX_LIST_BYTES]);
    let bundle = bundle_with_lists(&authority, &sh, &vec![full.as_slice(); 256]);
    assert!(bundle.len() < 10 * MIB, "{}", bundle.len());
    let pinned = authority.verifying_key();
    let (r, took, peak) = measure(|| TrustBundle::verify(&bundle, &pinned, &check).map(|_| ()));
    let code = r.unwrap_err().code();
    assert_eq!(code, "bundle.status-too-large");
    // The budget itself, the tokens copied out of the payload, and while the list being inflated
    // grows, its previous block (at most half the per-list cap): nowhere near 8 GiB.
    let tokens: usize = 256 * (full.len() + 200);
    let bound = trust::MAX_BUNDLE_STATUS_BYTES + status::MAX_LIST_BYTES / 2 + tokens + MIB;
    assert!(peak <= bound, "peak {peak} > {bound}");
    report(
        "status lists per bundle (64 MiB), 256 x 32 MiB",
        bundle.len(),
        code,
        took,
        peak,
        bound,
    );

    // Lists of 24 MiB: the third runs into the 16 MiB that remain and is stopped there.
    let part = zlib(&vec![0u8; 24 * MIB]);
    let bundle = bundle_with_lists(&authority, &sh, &[&part, &part, &part]);
    let (r, took, peak) = measure(|| TrustBundle::verify(&bundle, &pinned, &check).map(|_| ()));
    let code = r.unwrap_err().code();
    assert_eq!(code, "bundle.status-too-large");
    let bound = trust::MAX_BUNDLE_STATUS_BYTES + status::MAX_LIST_BYTES / 2 + MIB;
    assert!(peak <= bound, "peak {peak} > {bound}");
    report(
        "status lists per bundle (64 MiB), 3 x 24 MiB",
        bundle.len(),
        code,
        took,
        peak,
        bound,
    );

    // Two lists of the largest size fill the budget exactly and are accepted.
    let bundle = bundle_with_lists(&authority, &sh, &[&full, &full]);
    let b = TrustBundle::verify(&bundle, &pinned, &check).unwrap();
    assert_eq!(
        b.status_list("SH", 2).unwrap().list.len(),
        status::MAX_ENTRIES
    );
}

#[test]
fn presentation_text_is_capped() {
    let text = format!("{}{}", yima_core::presentation::PREFIX, "0".repeat(4 * MIB));
    let (r, took, peak) =
        measure(|| yima_core::presentation::Presentation::parse(&text).map(|_| ()));
    let code = r.unwrap_err().code();
    assert_eq!(code, "text.too-long");
    report(
        "presentation text (4296 bytes)",
        text.len(),
        code,
        took,
        peak,
        KIB,
    );
}
