//! Batch verify: many health-code texts → verdicts with `yima::batch::verify_texts`, against verifying the
//! same texts one by one with `verify_text` in the same run. Target: ≥ 1.8 × the one-by-one throughput.
//!
//! `cargo bench -p yima --bench batch_verify -- --warm-up-time 1 --measurement-time 3`

// Bench code: a failed setup is a failed bench.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use yima::{Kind, SigningKey, VerifyOptions, batch, issue, samples, verify_text};

mod common;

const NOW: u64 = 1_767_225_600;
const CODES: usize = 1024;

fn benches(c: &mut Criterion) {
    let key = SigningKey::from_seed(&[7u8; 32]);
    let keys = [key.verifying_key()];
    let opts = VerifyOptions::at(NOW + 60);
    let texts: Vec<String> = (0..CODES as u64)
        .map(|i| {
            issue(
                &samples::claims(Kind::HealthCode, NOW, i.to_be_bytes()),
                &key,
            )
            .unwrap()
            .text
        })
        .collect();
    assert!(
        batch::verify_texts(&texts, &keys, &opts)
            .iter()
            .all(Result::is_ok)
    );

    let one_by_one = || {
        for t in &texts {
            let _ = black_box(verify_text(black_box(t), &keys, &opts));
        }
    };
    let batched = || {
        black_box(batch::verify_texts(black_box(&texts), &keys, &opts));
    };
    let p = common::paired(
        &format!(
            "batch_verify: {CODES} health codes, batch::verify_texts vs one-by-one verify_text (per call of {CODES})"
        ),
        15,
        1,
        one_by_one,
        batched,
    );
    println!(
        "PAIRED batch_verify: throughput {:.0} codes/s batched vs {:.0} codes/s one by one: {:.2}x",
        CODES as f64 / p.candidate.as_secs_f64(),
        CODES as f64 / p.baseline.as_secs_f64(),
        1.0 / p.ratio
    );

    // With one bad signature among them (found by halving).
    let mut with_bad = texts.clone();
    if let Some(t) = with_bad.get_mut(CODES / 3) {
        let u = yima::Unverified::parse(t).unwrap();
        let mut sig = *u.signature();
        sig[7] ^= 1;
        *t = yima::transport::encode(&yima::cose::assemble(
            u.protected_bytes(),
            u.payload_bytes(),
            &sig,
        ));
    }
    let p_bad = common::paired(
        &format!("batch_verify: {CODES} codes with one bad signature, batched vs one by one"),
        15,
        1,
        || {
            for t in &with_bad {
                let _ = black_box(verify_text(black_box(t), &keys, &opts));
            }
        },
        || {
            black_box(batch::verify_texts(black_box(&with_bad), &keys, &opts));
        },
    );
    println!(
        "PAIRED batch_verify (one bad): {:.2}x the one-by-one throughput",
        1.0 / p_bad.ratio
    );

    let mut g = c.benchmark_group("batch_verify/health-code");
    g.throughput(Throughput::Elements(CODES as u64));
    g.sample_size(10);
    g.bench_function("baseline_one_by_one_verify_text", |b| b.iter(one_by_one));
    g.bench_function("batch_verify_texts", |b| b.iter(batched));
    g.finish();
}

criterion_group!(batch_verify, benches);
criterion_main!(batch_verify);
