//! The fast encoding paths give exactly what the straightforward ones gave: the same modules as
//! `qrcode::QrCode::with_error_correction_level` (mask choice included) and the same PNG bytes as the `png`
//! crate's default encoder fed row by row.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use yima_qr::{EcLevel, QrSymbol, encode};

fn qrcode_level(ec: EcLevel) -> qrcode::EcLevel {
    match ec {
        EcLevel::L => qrcode::EcLevel::L,
        EcLevel::M => qrcode::EcLevel::M,
        EcLevel::Q => qrcode::EcLevel::Q,
        EcLevel::H => qrcode::EcLevel::H,
    }
}

/// Texts of many lengths and modes: Base45-like, digits, bytes, UTF-8.
fn texts() -> Vec<String> {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    const B45: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
    let mut out = vec![
        "YM1:6BFOXN*TS0BI$ZD4N9:9S6RCVN5+O30K3".to_owned(),
        "1".to_owned(),
        "上海市杨浦区国定路335号".to_owned(),
    ];
    for len in (2..700).step_by(41).chain([1200]) {
        let alnum: String = (0..len)
            .map(|_| char::from(B45[(next() % 45) as usize]))
            .collect();
        out.push(format!("YM1:{alnum}"));
        if len % 3 == 0 {
            out.push(
                (0..len)
                    .map(|_| char::from(b'0' + (next() % 10) as u8))
                    .collect(),
            );
            out.push(
                (0..len / 2)
                    .map(|_| char::from(b'a' + (next() % 26) as u8))
                    .collect(),
            );
        }
    }
    out
}

#[test]
fn modules_and_mask_match_qrcode() {
    for text in texts() {
        for ec in EcLevel::ALL {
            let Ok(reference) =
                qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode_level(ec))
            else {
                assert!(encode(&text, ec).is_err());
                continue;
            };
            let ours = encode(&text, ec).unwrap();
            let width = reference.width();
            assert_eq!(ours.width(), width);
            let colors = reference.to_colors();
            for y in 0..width {
                for x in 0..width {
                    assert_eq!(
                        ours.module(x, y),
                        colors[y * width + x] == qrcode::Color::Dark,
                        "{} chars at {ec}: module ({x}, {y})",
                        text.len()
                    );
                }
            }
        }
    }
}

/// The PNG path as it was: pixel rows built one by one, written through the `png` crate's defaults.
fn reference_png(symbol: &QrSymbol, module_px: u32, quiet_zone: u32) -> Vec<u8> {
    let side_modules = symbol.width() + 2 * quiet_zone as usize;
    let side_px = side_modules * module_px as usize;
    let row_bytes = side_px.div_ceil(8);
    let mut data = Vec::new();
    for my in 0..side_modules {
        let mut row = vec![0u8; row_bytes];
        for x in 0..side_px {
            let mx = x / module_px as usize;
            let dark = mx >= quiet_zone as usize
                && my >= quiet_zone as usize
                && symbol.module(mx - quiet_zone as usize, my - quiet_zone as usize);
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

#[test]
fn png_bytes_match_the_png_crate() {
    let all = texts();
    for (i, text) in all.iter().enumerate().step_by(5) {
        let symbol = encode(text, EcLevel::M).unwrap();
        for (module_px, quiet_zone) in [
            (1, 0),
            (2, 1),
            (3, 4),
            (4, 4),
            (5, 2),
            (7, 3),
            (8, 4),
            (9, 0),
        ] {
            if i % 2 == 1 && module_px > 4 {
                continue;
            }
            assert_eq!(
                symbol.to_png(module_px, quiet_zone).unwrap(),
                reference_png(&symbol, module_px, quiet_zone),
                "{} chars, {module_px} px, quiet zone {quiet_zone}",
                text.len()
            );
        }
    }
}
