//! Status list at city scale: a list for 24 million credentials (2 bits each: 6 MB uncompressed) with
//! 0.5% of entries revoked/suspended/changed at random. Measures loading the signed token (signature
//! check and zlib inflate) and one lookup, with a bare slice read as the lookup baseline, and the
//! bounded inflate alone against flate2's streaming reader (unbounded, the decoder used before) on the
//! same list.
//!
//! Run: `cargo bench -p yima-core --bench status_list`

#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use std::hint::black_box;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};
use yima_core::SigningKey;
use yima_core::status::{CredentialStatus, MAX_LIST_BYTES, StatusList, StatusListToken};
use yima_core::transport;

const ENTRIES: u64 = 24_000_000;

fn build() -> (Vec<u8>, SigningKey) {
    let key = SigningKey::from_seed(&[5; 32]);
    let mut rng = ChaCha20Rng::from_seed([6; 32]);
    let mut list = StatusList::new(ENTRIES).unwrap();
    for i in 0..(ENTRIES / 200) {
        let idx = rng.next_u64() % ENTRIES;
        let s = match i % 3 {
            0 => CredentialStatus::Revoked,
            1 => CredentialStatus::Suspended,
            _ => CredentialStatus::Changed,
        };
        list.set(idx, s);
    }
    let token = StatusListToken {
        issuer: "SH".into(),
        list_id: 1,
        issued_at: 1_767_225_600,
        expires_at: Some(1_767_225_600 + 2 * 86_400),
        ttl: Some(86_400),
        list,
    };
    (token.sign(&key), key)
}

fn bench(c: &mut Criterion) {
    let (token, key) = build();
    let keys = [key.verifying_key()];
    eprintln!("signed token for {ENTRIES} entries: {} bytes", token.len());
    let mut g = c.benchmark_group("status_list_24m");
    g.sample_size(10);
    g.bench_function("load (verify + inflate 6 MB)", |b| {
        b.iter(|| StatusListToken::verify(black_box(&token), &keys).unwrap())
    });
    g.finish();

    let (loaded, _) = StatusListToken::verify(&token, &keys).unwrap();
    let raw = loaded.list.as_bytes().to_vec();

    let lst = loaded.list.compress();
    let mut g = c.benchmark_group("inflate_6mb");
    g.sample_size(10);
    g.bench_function("transport::inflate_capped (one buffer, capped)", |b| {
        b.iter(|| {
            let out = transport::inflate_capped(black_box(&lst), MAX_LIST_BYTES).unwrap();
            assert_eq!(out.len(), raw.len());
            out
        })
    });
    g.bench_function(
        "baseline: flate2 ZlibDecoder::read_to_end (streaming, unbounded)",
        |b| {
            b.iter(|| {
                use std::io::Read;
                let mut out = Vec::new();
                flate2::read::ZlibDecoder::new(black_box(&lst[..]))
                    .read_to_end(&mut out)
                    .unwrap();
                assert_eq!(out.len(), raw.len());
                out
            })
        },
    );
    g.finish();
    let mut rng = ChaCha20Rng::from_seed([7; 32]);
    let mut g = c.benchmark_group("status_lookup");
    g.bench_function("StatusList::get (random index)", |b| {
        b.iter_batched(
            || rng.next_u64() % ENTRIES,
            |i| loaded.list.get(black_box(i)),
            BatchSize::SmallInput,
        )
    });
    g.bench_function("baseline: bare byte read (random index)", |b| {
        b.iter_batched(
            || rng.next_u64() % ENTRIES,
            |i| (raw[(black_box(i) / 4) as usize] >> ((i % 4) * 2)) & 3,
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
