//! Encoding: versions, modes, EC levels, errors.
// Test code: helpers outside #[test] fns may unwrap/index/panic too (clippy.toml only exempts #[test] fns).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use yima_qr::{EcLevel, encode, versions_at_all_levels};

/// Alphanumeric capacity of version 8 at L, M, Q, H (ISO/IEC 18004 table 7).
const V8_ALNUM: [(EcLevel, usize); 4] = [
    (EcLevel::L, 279),
    (EcLevel::M, 221),
    (EcLevel::Q, 157),
    (EcLevel::H, 122),
];

fn letters(n: usize) -> String {
    (0..n).map(|i| (b'A' + (i % 26) as u8) as char).collect()
}

#[test]
fn alphanumeric_mode_matches_capacity_table() {
    for (ec, cap) in V8_ALNUM {
        assert_eq!(
            encode(&letters(cap), ec).unwrap().version(),
            8,
            "{cap} chars at {ec}"
        );
        assert_eq!(
            encode(&letters(cap + 1), ec).unwrap().version(),
            9,
            "{} chars at {ec}",
            cap + 1
        );
    }
    // The same length in lowercase needs byte mode and therefore a larger symbol.
    let lower = letters(221).to_lowercase();
    assert!(encode(&lower, EcLevel::M).unwrap().version() > 8);
}

#[test]
fn ym1_text_of_215_chars_is_version_8_at_m() {
    let text = common::ym1_text(215, 1);
    let symbol = encode(&text, EcLevel::M).unwrap();
    assert_eq!(symbol.version(), 8);
    assert_eq!(symbol.width(), 17 + 4 * 8);
    assert_eq!(symbol.ec_level(), EcLevel::M);
}

#[test]
fn versions_at_all_levels_agrees_with_encode() {
    for text in [
        "",
        "YM1:ABC",
        &common::ym1_text(215, 2),
        &letters(221),
        "héllo wörld",
    ] {
        let all = versions_at_all_levels(text);
        for (i, (ec, v)) in all.iter().enumerate() {
            assert_eq!(*ec, EcLevel::ALL[i]);
            assert_eq!(
                *v,
                Some(encode(text, *ec).unwrap().version()),
                "{text:?} at {ec}"
            );
        }
    }
    let all = versions_at_all_levels(&letters(221));
    assert_eq!(all.map(|(_, v)| v), [Some(7), Some(8), Some(10), Some(12)]);
}

#[test]
fn too_long() {
    // Version 40-L holds 4296 alphanumeric characters; 40-H holds 1852.
    let fits_l = letters(4296);
    assert_eq!(encode(&fits_l, EcLevel::L).unwrap().version(), 40);
    let err = encode(&fits_l, EcLevel::H).unwrap_err();
    assert_eq!(err.code(), "qr.too-long");
    assert!(err.to_string().contains("level H"), "{err}");
    let err = encode(&letters(4297), EcLevel::L).unwrap_err();
    assert_eq!(err.code(), "qr.too-long");
    let all = versions_at_all_levels(&fits_l);
    assert_eq!(all.map(|(_, v)| v), [Some(40), None, None, None]);
}

#[test]
fn ec_level_parse_display_default() {
    assert_eq!(EcLevel::default(), EcLevel::M);
    for ec in EcLevel::ALL {
        assert_eq!(ec.to_string().parse::<EcLevel>().unwrap(), ec);
        assert_eq!(
            ec.to_string().to_lowercase().parse::<EcLevel>().unwrap(),
            ec
        );
    }
    assert_eq!(" q ".parse::<EcLevel>().unwrap(), EcLevel::Q);
    let err = "X".parse::<EcLevel>().unwrap_err();
    assert_eq!(err.code(), "qr.unknown-ec-level");
    assert!("".parse::<EcLevel>().is_err());
    assert!("MM".parse::<EcLevel>().is_err());
}

#[test]
fn module_access() {
    let s = encode("YM1:TEST", EcLevel::L).unwrap();
    assert_eq!(s.version(), 1);
    assert_eq!(s.width(), 21);
    // Finder pattern: dark outer ring, light ring, dark centre.
    assert!(s.module(0, 0) && s.module(6, 6) && s.module(3, 3));
    assert!(!s.module(1, 1) && !s.module(7, 7));
    // Outside the symbol is light.
    assert!(!s.module(21, 0) && !s.module(0, 21) && !s.module(usize::MAX, usize::MAX));
    let dark = (0..21)
        .flat_map(|y| (0..21).map(move |x| (x, y)))
        .filter(|&(x, y)| s.module(x, y))
        .count();
    assert_eq!(dark, s.dark_module_count());
}
