//! QR render: a health-code transport text → 1-bit PNG bytes, one thread. Target: ≥ 2 000 PNGs per second
//! per core (≤ 500 µs each). Measured at the CLI's default of 8 px per module and at the test vectors' 4 px
//! (EC level M, quiet zone 4). The baseline is the straightforward path the fast one replaced, in the same
//! run: `qrcode::QrCode::with_error_correction_level` and the `png` crate's encoder fed row by row (both
//! give the same bytes; `crates/yima-qr/tests/fast_paths.rs` checks that).
//!
//! `cargo bench -p yima --bench render -- --warm-up-time 1 --measurement-time 3`

// Bench code: a failed setup is a failed bench.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    missing_docs
)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use yima::qr::{DEFAULT_QUIET_ZONE, EcLevel, encode};
use yima::{Kind, SigningKey, issue, samples};

mod common;

const NOW: u64 = 1_767_225_600;

/// The encoding path before the fast one: qrcode's own mask choice, png's row-by-row writer.
fn reference_png(text: &str, module_px: u32, quiet_zone: u32) -> Vec<u8> {
    let code =
        qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M).unwrap();
    let width = code.width();
    let colors = code.into_colors();
    let side_modules = width + 2 * quiet_zone as usize;
    let side_px = side_modules * module_px as usize;
    let row_bytes = side_px.div_ceil(8);
    let qz = quiet_zone as usize;
    let mut data = Vec::with_capacity(row_bytes * side_px);
    let mut row = vec![0u8; row_bytes];
    for my in 0..side_modules {
        row.fill(0);
        for x in 0..side_px {
            let mx = x / module_px as usize;
            let dark = mx >= qz
                && my >= qz
                && mx - qz < width
                && my - qz < width
                && colors[(my - qz) * width + mx - qz] == qrcode::Color::Dark;
            if !dark {
                row[x / 8] |= 0x80 >> (x % 8);
            }
        }
        for _ in 0..module_px {
            data.extend_from_slice(&row);
        }
    }
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, side_px as u32, side_px as u32);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::One);
    let mut writer = encoder.write_header().unwrap();
    writer.write_image_data(&data).unwrap();
    writer.finish().unwrap();
    out
}

fn benches(c: &mut Criterion) {
    let key = SigningKey::from_seed(&[7u8; 32]);
    let text = issue(
        &samples::claims(Kind::HealthCode, NOW, [1, 2, 3, 4, 5, 6, 7, 8]),
        &key,
    )
    .unwrap()
    .text;
    let symbol = encode(&text, EcLevel::M).unwrap();
    for px in [8, 4] {
        let png = symbol.to_png(px, DEFAULT_QUIET_ZONE).unwrap();
        assert_eq!(png, reference_png(&text, px, DEFAULT_QUIET_ZONE));
        // 1-bit greyscale: IHDR bit depth (byte 24) 1, colour type (byte 25) 0.
        assert_eq!((png[24], png[25]), (1, 0));
        println!(
            "health code: {} chars, QR version {}, PNG {} bytes at {px} px/module ({} px square, 1-bit greyscale)",
            text.len(),
            symbol.version(),
            png.len(),
            (symbol.width() as u32 + 2 * DEFAULT_QUIET_ZONE) * px
        );
    }

    for px in [8, 4] {
        let p = common::paired(
            &format!("render/health-code {px} px: text → PNG, fast path vs qrcode + png baseline"),
            31,
            20,
            || {
                black_box(reference_png(black_box(&text), px, DEFAULT_QUIET_ZONE));
            },
            || {
                let _ = black_box(
                    encode(black_box(&text), EcLevel::M)
                        .and_then(|s| s.to_png(px, DEFAULT_QUIET_ZONE)),
                );
            },
        );
        println!(
            "PAIRED render/health-code {px} px: {:.0} PNGs/s on one core (baseline {:.0}/s)",
            1.0 / p.candidate.as_secs_f64(),
            1.0 / p.baseline.as_secs_f64()
        );
    }

    for px in [8, 4] {
        common::per_core(
            &format!("render/health-code {px} px: text → PNG"),
            3.0,
            || {
                let _ = black_box(
                    encode(black_box(&text), EcLevel::M)
                        .and_then(|s| s.to_png(px, DEFAULT_QUIET_ZONE)),
                );
            },
        );
    }

    let mut g = c.benchmark_group("render/health-code");
    g.throughput(Throughput::Elements(1));
    g.bench_function("baseline_qrcode_png_8px", |b| {
        b.iter(|| reference_png(black_box(&text), 8, DEFAULT_QUIET_ZONE))
    });
    g.bench_function("qr_encode_only", |b| {
        b.iter(|| encode(black_box(&text), EcLevel::M))
    });
    g.bench_function("png_from_symbol_8px", |b| {
        b.iter(|| black_box(&symbol).to_png(8, DEFAULT_QUIET_ZONE))
    });
    g.bench_function("text_to_png_8px", |b| {
        b.iter(|| {
            encode(black_box(&text), EcLevel::M).and_then(|s| s.to_png(8, DEFAULT_QUIET_ZONE))
        })
    });
    g.bench_function("text_to_png_4px", |b| {
        b.iter(|| {
            encode(black_box(&text), EcLevel::M).and_then(|s| s.to_png(4, DEFAULT_QUIET_ZONE))
        })
    });
    g.finish();
}

criterion_group!(render, benches);
criterion_main!(render);
