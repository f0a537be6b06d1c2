//! Signature backends for the EU DCC profile, measured on real corpus signatures: ECDSA P-256 with `ring`
//! (the backend yima-eudcc uses) against RustCrypto `p256` 0.13, and RSA-PSS-2048 with `ring`.
//!
//! `cargo bench -p yima-eudcc --bench backend -- --warm-up-time 1 --measurement-time 3`

// Bench code: a failed setup is a failed bench.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use ring::signature::{ECDSA_P256_SHA256_FIXED, RSA_PSS_2048_8192_SHA256, UnparsedPublicKey};
use yima_eudcc::{Dsc, DscKey, Unverified};

/// (COSE Sig_structure, signature, DSC) of one corpus case.
fn case(rel: &str) -> (Vec<u8>, Vec<u8>, Dsc) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/dgc-testdata")
        .join(rel);
    let d: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let u = Unverified::parse(d["PREFIX"].as_str().unwrap()).unwrap();
    let der = data_encoding::BASE64
        .decode(d["TESTCTX"]["CERTIFICATE"].as_str().unwrap().as_bytes())
        .unwrap();
    (
        u.sign1().sig_structure(),
        u.sign1().signature().to_vec(),
        Dsc::from_der(&der).unwrap(),
    )
}

fn es256(c: &mut Criterion) {
    use p256::ecdsa::signature::Verifier;

    let (msg, sig, dsc) = case("common/2DCode/raw/CO3.json");
    let DscKey::P256(point) = dsc.key() else {
        panic!("CO3 is not a P-256 case")
    };
    let ring_key = UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, point.clone());
    assert!(ring_key.verify(&msg, &sig).is_ok());
    let rc_key = p256::ecdsa::VerifyingKey::from_sec1_bytes(point).unwrap();
    let rc_sig = p256::ecdsa::Signature::from_slice(&sig).unwrap();
    assert!(rc_key.verify(&msg, &rc_sig).is_ok());

    let mut g = c.benchmark_group("es256_verify");
    g.bench_function("ring", |b| {
        b.iter(|| black_box(&ring_key).verify(black_box(&msg), black_box(&sig)))
    });
    g.bench_function("p256_0.13", |b| {
        b.iter(|| black_box(&rc_key).verify(black_box(&msg), black_box(&rc_sig)))
    });
    // p256 including key and signature parsing, as a verifier without a key cache would run it.
    g.bench_function("p256_0.13_with_parsing", |b| {
        b.iter(|| {
            let k = p256::ecdsa::VerifyingKey::from_sec1_bytes(black_box(point)).unwrap();
            let s = p256::ecdsa::Signature::from_slice(black_box(&sig)).unwrap();
            k.verify(black_box(&msg), &s)
        })
    });
    g.finish();
}

fn ps256(c: &mut Criterion) {
    let (msg, sig, dsc) = case("common/2DCode/raw/CO1.json");
    let DscKey::Rsa { der, bits } = dsc.key() else {
        panic!("CO1 is not an RSA case")
    };
    assert_eq!(*bits, 2048);
    let key = UnparsedPublicKey::new(&RSA_PSS_2048_8192_SHA256, der.clone());
    assert!(key.verify(&msg, &sig).is_ok());
    let mut g = c.benchmark_group("ps256_verify");
    g.bench_function("ring_rsa2048", |b| {
        b.iter(|| black_box(&key).verify(black_box(&msg), black_box(&sig)))
    });
    g.finish();
}

criterion_group!(backend, es256, ps256);
criterion_main!(backend);
