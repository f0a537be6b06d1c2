//! Issue: claims → signed transport text, one thread. Target: ≥ 35 000 health codes per second per core
//! (≤ 28.6 µs each). The bare Ed25519 signature over the same Sig_structure is measured alongside.
//!
//! `cargo bench -p yima --bench issue -- --warm-up-time 1 --measurement-time 3`

// Bench code: a failed setup is a failed bench.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

mod common;
use yima::{Kind, SigningKey, Unverified, cose, issue, samples};

const NOW: u64 = 1_767_225_600;

fn bench_kind(c: &mut Criterion, kind: Kind) {
    let key = SigningKey::from_seed(&[7u8; 32]);
    let claims = samples::claims(kind, NOW, [1, 2, 3, 4, 5, 6, 7, 8]);
    let text = issue(&claims, &key).unwrap().text;
    let u = Unverified::parse(&text).unwrap();
    let msg = cose::sig_structure(u.protected_bytes(), u.payload_bytes());

    let p = common::paired(
        &format!("issue/{kind}: issue vs bare Ed25519 sign of the Sig_structure"),
        41,
        200,
        || {
            black_box(black_box(&key).sign(black_box(&msg)));
        },
        || {
            let _ = black_box(issue(black_box(&claims), black_box(&key)));
        },
    );
    println!(
        "PAIRED issue/{kind}: {:.0} credentials/s on one core (sign alone {:.0}/s)",
        1.0 / p.candidate.as_secs_f64(),
        1.0 / p.baseline.as_secs_f64()
    );

    common::per_core(&format!("issue/{kind}: bare Ed25519 sign"), 3.0, || {
        black_box(black_box(&key).sign(black_box(&msg)));
    });
    common::per_core(&format!("issue/{kind}: issue"), 3.0, || {
        let _ = black_box(issue(black_box(&claims), black_box(&key)));
    });

    let mut g = c.benchmark_group(format!("issue/{kind}"));
    g.throughput(Throughput::Elements(1));
    g.bench_function("baseline_sign_only", |b| {
        b.iter(|| black_box(&key).sign(black_box(&msg)))
    });
    g.bench_function("issue", |b| {
        b.iter(|| issue(black_box(&claims), black_box(&key)))
    });
    g.finish();
}

fn benches(c: &mut Criterion) {
    bench_kind(c, Kind::HealthCode);
    bench_kind(c, Kind::BusinessLicence);
}

criterion_group!(issue_benches, benches);
criterion_main!(issue_benches);
