//! Rendering: PNG format, SVG structure, terminal text.
// Test code: helpers outside #[test] fns may unwrap/index/panic too (clippy.toml only exempts #[test] fns).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use yima_qr::{DEFAULT_QUIET_ZONE, EcLevel, MAX_PNG_SIDE_PX, QrSymbol, encode};

fn sample() -> QrSymbol {
    encode(&common::ym1_text(120, 7), EcLevel::Q).unwrap()
}

#[test]
fn png_is_one_bit_greyscale_with_expected_pixels() {
    let s = sample();
    let (px, qz) = (3u32, DEFAULT_QUIET_ZONE);
    let png = s.to_png(px, qz).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(&png[12..16], b"IHDR");
    let side = (s.width() as u32 + 2 * qz) * px;
    assert_eq!(u32::from_be_bytes(png[16..20].try_into().unwrap()), side);
    assert_eq!(u32::from_be_bytes(png[20..24].try_into().unwrap()), side);
    assert_eq!(png[24], 1, "bit depth");
    assert_eq!(png[25], 0, "colour type greyscale");

    let img = common::to_gray(&png);
    assert_eq!(img.dimensions(), (side, side));
    for y in 0..side {
        for x in 0..side {
            let (mx, my) = ((x / px) as i64 - qz as i64, (y / px) as i64 - qz as i64);
            let dark = mx >= 0 && my >= 0 && s.module(mx as usize, my as usize);
            assert_eq!(
                img.get_pixel(x, y).0[0],
                if dark { 0 } else { 255 },
                "pixel {x},{y}"
            );
        }
    }
}

#[test]
fn png_size_errors() {
    let s = sample();
    assert_eq!(s.to_png(0, 4).unwrap_err().code(), "qr.render-size");
    assert_eq!(
        s.to_png(u32::MAX, u32::MAX).unwrap_err().code(),
        "qr.render-size"
    );
    let per_module = MAX_PNG_SIDE_PX / (s.width() as u32 + 8);
    assert!(s.to_png(per_module, 4).is_ok());
    assert_eq!(
        s.to_png(per_module + 1, 4).unwrap_err().code(),
        "qr.render-size"
    );
    // No quiet zone is allowed (the caller's choice).
    assert!(s.to_png(1, 0).is_ok());
}

/// Parses the `M x y h len v1 h-len z` runs of the SVG path.
fn svg_runs(svg: &str) -> Vec<(u64, u64, u64)> {
    let d_start = svg.find(" d=\"").unwrap() + 4;
    let d = &svg[d_start..d_start + svg[d_start..].find('"').unwrap()];
    d.split('M')
        .filter(|s| !s.is_empty())
        .map(|run| {
            let (xy, rest) = run.split_once('h').unwrap();
            let (x, y) = xy.split_once(' ').unwrap();
            let (len, tail) = rest.split_once("v1h-").unwrap();
            assert_eq!(tail, format!("{len}z"));
            (x.parse().unwrap(), y.parse().unwrap(), len.parse().unwrap())
        })
        .collect()
}

#[test]
fn svg_is_compact_and_matches_modules() {
    let s = sample();
    let qz = 4u64;
    let svg = s.to_svg(5, qz as u32);
    let n = s.width() as u64 + 2 * qz;
    assert!(svg.starts_with("<svg"));
    assert!(svg.trim_end().ends_with("</svg>"));
    assert!(svg.contains(&format!("viewBox=\"0 0 {n} {n}\"")));
    assert!(svg.contains(&format!("width=\"{}\"", n * 5)));
    assert!(svg.contains("shape-rendering=\"crispEdges\""));
    assert_eq!(svg.matches("<path").count(), 1);
    // Every tag that opens is closed (self-closing or </svg>).
    assert_eq!(svg.matches('<').count(), svg.matches('>').count());

    let runs = svg_runs(&svg);
    let area: u64 = runs.iter().map(|r| r.2).sum();
    assert_eq!(area, s.dark_module_count() as u64);
    // Runs are maximal and cover exactly the dark modules.
    for &(x, y, len) in &runs {
        let (mx, my) = ((x - qz) as usize, (y - qz) as usize);
        for i in 0..len as usize {
            assert!(s.module(mx + i, my));
        }
        assert!(mx == 0 || !s.module(mx - 1, my));
        assert!(!s.module(mx + len as usize, my));
    }
    // Merged runs: fewer path pieces than dark modules.
    assert!(runs.len() < s.dark_module_count() / 2);
    // module_px 0 is treated as 1.
    assert!(s.to_svg(0, 4).contains(&format!("width=\"{n}\"")));
}

#[test]
fn terminal_lines_and_polarity() {
    let s = sample();
    for qz in [0u32, 1, 2, 4] {
        let text = s.to_terminal(qz);
        let n = s.width() + 2 * qz as usize;
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), n.div_ceil(2), "quiet zone {qz}");
        assert!(text.ends_with('\n'));
        // Decode the half blocks back to light/dark modules (light = drawn).
        for (row, line) in lines.iter().enumerate() {
            let chars: Vec<char> = line.chars().collect();
            assert_eq!(chars.len(), n);
            for (x, c) in chars.iter().enumerate() {
                let (top, bottom) = match c {
                    '█' => (true, true),
                    '▀' => (true, false),
                    '▄' => (false, true),
                    ' ' => (false, false),
                    other => panic!("unexpected char {other:?}"),
                };
                let light = |y: usize| {
                    let (mx, my) = (x as i64 - qz as i64, y as i64 - qz as i64);
                    !(mx >= 0 && my >= 0 && s.module(mx as usize, my as usize))
                };
                assert_eq!(top, light(2 * row));
                if 2 * row + 1 < n {
                    assert_eq!(bottom, light(2 * row + 1));
                } else {
                    assert!(!bottom, "beyond the last row is left blank");
                }
            }
        }
    }
    // With a quiet zone the first line is the light border drawn as full blocks.
    let first = s.to_terminal(4).lines().next().unwrap().to_owned();
    assert!(first.chars().all(|c| c == '█'));
}
