//! Verify: credential text → verdict, against a bare `ed25519_dalek::VerifyingKey::verify_strict` over the
//! same message (the COSE Sig_structure) in the same run. Target: `verify_text` ≤ 1.10 × the baseline.
//!
//! `cargo bench -p yima --bench verify -- --warm-up-time 1 --measurement-time 3`

// Bench code: a failed setup is a failed bench.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};

mod common;
use yima::{Kind, SigningKey, Unverified, VerifyOptions, cose, issue, samples, verify_text};

const NOW: u64 = 1_767_225_600;

fn bench_kind(c: &mut Criterion, kind: Kind) {
    let key = SigningKey::from_seed(&[7u8; 32]);
    let keys = [key.verifying_key()];
    let text = issue(&samples::claims(kind, NOW, [1, 2, 3, 4, 5, 6, 7, 8]), &key)
        .unwrap()
        .text;
    let opts = VerifyOptions::at(NOW + 60);
    let unverified = Unverified::parse(&text).unwrap();
    let msg = cose::sig_structure(unverified.protected_bytes(), unverified.payload_bytes());
    let sig = ed25519_dalek::Signature::from_bytes(unverified.signature());
    // The baseline key is built the way yima builds its own (from the signing key), and equals it.
    let dalek = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]).verifying_key();
    assert_eq!(dalek.to_bytes(), keys[0].to_bytes());
    assert!(dalek.verify_strict(&msg, &sig).is_ok());
    assert!(verify_text(&text, &keys, &opts).is_ok());

    common::paired(
        &format!("verify/{kind}: verify_text vs bare verify_strict"),
        41,
        200,
        || {
            let _ = black_box(black_box(&dalek).verify_strict(black_box(&msg), black_box(&sig)));
        },
        || {
            let _ = black_box(verify_text(
                black_box(&text),
                black_box(&keys),
                black_box(&opts),
            ));
        },
    );

    let mut g = c.benchmark_group(format!("verify/{kind}"));
    g.bench_function("baseline_dalek_verify_strict", |b| {
        b.iter(|| black_box(&dalek).verify_strict(black_box(&msg), black_box(&sig)))
    });
    g.bench_function("verify_text", |b| {
        b.iter(|| verify_text(black_box(&text), black_box(&keys), black_box(&opts)))
    });
    // Breakdown of the non-signature work, for profiling.
    g.bench_function("parse_only", |b| {
        b.iter(|| Unverified::parse(black_box(&text)))
    });
    g.bench_function("claims_only", |b| {
        b.iter(|| black_box(&unverified).unverified_claims())
    });
    g.finish();
}

fn benches(c: &mut Criterion) {
    bench_kind(c, Kind::HealthCode);
    bench_kind(c, Kind::BusinessLicence);
}

criterion_group!(verify, benches);
criterion_main!(verify);
