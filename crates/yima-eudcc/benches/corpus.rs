//! yima's EU DCC profile on the dgc-testdata corpus: decode + verify per certificate, over every corpus
//! case that verifies (one trust list holding every corpus DSC, each case at its own VALIDATIONCLOCK).
//! With `--features bench-dgc`, the `dgc` 0.0.7 crate's `validate` (decode + signature, no time, key
//! usage or DSC checks) runs on the cases both accept, in the same run, as a baseline.
//!
//! `cargo bench -p yima-eudcc --bench corpus [--features bench-dgc] -- --warm-up-time 1 --measurement-time 3`

// Bench code: a failed setup is a failed bench.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::hint::black_box;
use std::path::{Path, PathBuf};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use yima_eudcc::{Options, TrustList, Unverified, verify_with};

struct Case {
    text: String,
    #[cfg_attr(not(feature = "bench-dgc"), allow(dead_code))]
    cert_b64: String,
    now: u64,
}

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            json_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "json") {
            out.push(p);
        }
    }
}

/// VALIDATIONCLOCK to whole seconds (the corpus test has the full parser; here only the shapes of the
/// cases that verify matter, and a wrong clock would only drop a case from the set).
fn clock(s: &str) -> Option<u64> {
    let date = s.get(..10)?;
    let (y, m, d): (i64, i64, i64) = (
        date.get(0..4)?.parse().ok()?,
        date.get(5..7)?.parse().ok()?,
        date.get(8..10)?.parse().ok()?,
    );
    let (h, mi, sec): (i64, i64, i64) = (
        s.get(11..13)?.parse().ok()?,
        s.get(14..16)?.parse().ok()?,
        s.get(17..19)?.parse().ok()?,
    );
    let rest = s
        .get(19..)?
        .trim_start_matches(|c: char| c == '.' || c.is_ascii_digit());
    let off = match rest {
        "" | "Z" => 0,
        r => {
            let sign = if r.starts_with('-') { -1 } else { 1 };
            let z = r.get(1..)?.replace(':', "");
            sign * (z.get(..2)?.parse::<i64>().ok()? * 3600
                + z.get(2..4)?.parse::<i64>().ok()? * 60)
        }
    };
    let y2 = if m <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    let days = era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468;
    u64::try_from(days * 86_400 + h * 3600 + mi * 60 + sec - off).ok()
}

fn load() -> (Vec<Case>, TrustList) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/dgc-testdata");
    let mut files = Vec::new();
    json_files(&root, &mut files);
    files.sort();
    let mut all = Vec::new();
    let mut trust = TrustList::new();
    for f in files {
        let d: serde_json::Value = serde_json::from_slice(&std::fs::read(&f).unwrap()).unwrap();
        let (Some(text), Some(cert), Some(now)) = (
            d["PREFIX"].as_str(),
            d["TESTCTX"]["CERTIFICATE"].as_str(),
            d["TESTCTX"]["VALIDATIONCLOCK"].as_str().and_then(clock),
        ) else {
            continue;
        };
        if let Ok(der) = data_encoding::BASE64.decode(cert.trim().as_bytes()) {
            let _ = trust.add_der(&der);
        }
        all.push(Case {
            text: text.to_owned(),
            cert_b64: cert.trim().to_owned(),
            now,
        });
    }
    let valid: Vec<Case> = all
        .into_iter()
        .filter(|c| verify_with(&c.text, &trust, &Options::at(c.now)).is_ok())
        .collect();
    (valid, trust)
}

fn corpus(c: &mut Criterion) {
    let (cases, trust) = load();
    assert!(
        cases.len() > 350,
        "only {} corpus cases verify",
        cases.len()
    );
    println!(
        "corpus bench: {} certificates that verify, {} DSCs",
        cases.len(),
        trust.len()
    );

    let mut g = c.benchmark_group("eudcc_corpus");
    g.throughput(Throughput::Elements(cases.len() as u64));
    g.bench_function("yima_verify_with", |b| {
        b.iter(|| {
            for case in &cases {
                black_box(verify_with(
                    black_box(&case.text),
                    &trust,
                    &Options::at(case.now),
                ))
                .unwrap();
            }
        })
    });
    // Breakdown: prefix + Base45 + zlib + COSE structure only.
    g.bench_function("yima_parse_only", |b| {
        b.iter(|| {
            for case in &cases {
                black_box(Unverified::parse(black_box(&case.text))).unwrap();
            }
        })
    });
    g.finish();

    #[cfg(feature = "bench-dgc")]
    dgc_baseline(c, &cases, &trust);
}

#[cfg(feature = "bench-dgc")]
fn dgc_baseline(c: &mut Criterion, cases: &[Case], trust: &TrustList) {
    let mut dgc_trust = dgc::TrustList::default();
    for case in cases {
        let _ = dgc_trust.add_key_from_certificate(&case.cert_b64);
    }
    let both: Vec<&Case> = cases
        .iter()
        .filter(|c| {
            dgc::validate(&c.text, &dgc_trust).is_ok_and(|(_, validity)| validity.is_valid())
        })
        .collect();
    println!(
        "dgc 0.0.7 baseline: {} of {} certificates verify with dgc too",
        both.len(),
        cases.len()
    );
    let mut g = c.benchmark_group("eudcc_corpus_vs_dgc");
    g.throughput(Throughput::Elements(both.len() as u64));
    g.bench_function("yima_verify_with", |b| {
        b.iter(|| {
            for case in &both {
                black_box(verify_with(
                    black_box(&case.text),
                    trust,
                    &Options::at(case.now),
                ))
                .unwrap();
            }
        })
    });
    g.bench_function("dgc_0.0.7_validate", |b| {
        b.iter(|| {
            for case in &both {
                let (_, v) = dgc::validate(black_box(&case.text), &dgc_trust).unwrap();
                assert!(v.is_valid());
            }
        })
    });
    g.finish();
}

criterion_group!(benches, corpus);
criterion_main!(benches);
