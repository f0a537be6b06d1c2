//! Deterministic, seeded "camera frames": a rendered QR code pasted into a photo-like background
//! with rotation, perspective, uneven light, blur and sensor noise.
//!
//! Shared by the scan benchmark (`benches/scan.rs`), the frame writer used by
//! `bench/scan_compare.py` (`examples/synth_frames.rs`) and the synthetic-frame tests
//! (`tests/synthetic.rs`) through `#[path]` includes, so all three see the very same pixels.
#![allow(dead_code)]
// Test-support code: the frame is built with in-bounds indexing and float casts by construction.
#![allow(
    clippy::indexing_slicing,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::unwrap_used,
    clippy::expect_used
)]

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{RngCore, SeedableRng};
use yima_qr::{EcLevel, encode};

/// The Base45 alphabet (RFC 9285).
const BASE45: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

/// A code pasted into a frame: its text and where its corners landed.
#[derive(Debug, Clone)]
pub struct Pasted {
    /// The text encoded in the code.
    pub text: String,
    /// Corners of the symbol proper (without quiet zone): top-left, top-right, bottom-right,
    /// bottom-left in the symbol's own orientation.
    pub corners: [(f64, f64); 4],
}

/// A grey frame and the codes in it.
#[derive(Debug, Clone)]
pub struct Frame {
    /// Frame width in pixels.
    pub width: u32,
    /// Frame height in pixels.
    pub height: u32,
    /// Row-major 8-bit grey pixels.
    pub pixels: Vec<u8>,
    /// The codes pasted in, in the order given.
    pub codes: Vec<Pasted>,
}

impl Frame {
    /// The text of the first code (frames made by [`camera_frame`] hold exactly one).
    pub fn text(&self) -> &str {
        self.codes.first().map_or("", |c| c.text.as_str())
    }
}

/// Where to paste one code: its centre and side (with quiet zone) in pixels, its rotation in
/// radians, and how far each corner may be moved at random (perspective), as a fraction of the side.
#[derive(Debug, Clone, Copy)]
pub struct Placement {
    /// Centre x.
    pub cx: f64,
    /// Centre y.
    pub cy: f64,
    /// Side of the code with its quiet zone.
    pub side: f64,
    /// Rotation in radians.
    pub angle: f64,
    /// Corner jitter as a fraction of the side.
    pub skew: f64,
}

struct Rng(ChaCha8Rng);

impl Rng {
    fn new(seed: u64) -> Self {
        Self(ChaCha8Rng::seed_from_u64(seed))
    }
    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.0.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }
}

/// A `YM1:` + Base45 text of `len` characters, the size of a realistic health code at 211.
pub fn ym1_text(len: usize, seed: u64) -> String {
    let mut rng = Rng::new(seed ^ 0x5EED_7E47);
    let mut s = String::from("YM1:");
    while s.len() < len {
        let i = (rng.0.next_u32() as usize) % BASE45.len();
        s.push(BASE45[i] as char);
    }
    s
}

/// Maps the unit square (u, v) onto a quad (perspective), per Heckbert's closed form.
#[derive(Debug, Clone, Copy)]
struct Homography([f64; 9]);

impl Homography {
    fn square_to_quad(q: [(f64, f64); 4]) -> Self {
        let [(x0, y0), (x1, y1), (x2, y2), (x3, y3)] = q;
        let (dx1, dx2, dx3) = (x1 - x2, x3 - x2, x0 - x1 + x2 - x3);
        let (dy1, dy2, dy3) = (y1 - y2, y3 - y2, y0 - y1 + y2 - y3);
        let den = dx1 * dy2 - dx2 * dy1;
        let g = (dx3 * dy2 - dx2 * dy3) / den;
        let h = (dx1 * dy3 - dx3 * dy1) / den;
        Self([
            x1 - x0 + g * x1,
            x3 - x0 + h * x3,
            x0,
            y1 - y0 + g * y1,
            y3 - y0 + h * y3,
            y0,
            g,
            h,
            1.0,
        ])
    }
    fn inverse(&self) -> Self {
        let [a, b, c, d, e, f, g, h, i] = self.0;
        let adj = [
            e * i - f * h,
            c * h - b * i,
            b * f - c * e,
            f * g - d * i,
            a * i - c * g,
            c * d - a * f,
            d * h - e * g,
            b * g - a * h,
            a * e - b * d,
        ];
        Self(adj)
    }
    fn apply(&self, x: f64, y: f64) -> (f64, f64) {
        let [a, b, c, d, e, f, g, h, i] = self.0;
        let w = g * x + h * y + i;
        ((a * x + b * y + c) / w, (d * x + e * y + f) / w)
    }
}

/// Lens blur: `passes` separable 3-tap box filters (2 passes: sigma 1.15 px, 3: 1.41 px),
/// edges repeated.
fn blur(img: &mut [f32], w: usize, h: usize, passes: usize) {
    let mut line = Vec::new();
    for _ in 0..passes {
        for row in img.chunks_exact_mut(w) {
            line.clear();
            line.extend_from_slice(row);
            for (x, v) in row.iter_mut().enumerate() {
                let (l, r) = (line[x.saturating_sub(1)], line[(x + 1).min(w - 1)]);
                *v = (l + line[x] + r) / 3.0;
            }
        }
        for x in 0..w {
            line.clear();
            line.extend((0..h).map(|y| img[y * w + x]));
            for y in 0..h {
                let (u, d) = (line[y.saturating_sub(1)], line[(y + 1).min(h - 1)]);
                img[y * w + x] = (u + line[y] + d) / 3.0;
            }
        }
    }
}

/// Fast per-pixel noise: xorshift64*, and a normal approximated by the sum of four uniforms
/// (Irwin-Hall, scaled to unit variance).
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> f64 {
        let mut sum = 0.0;
        for _ in 0..4 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            let v = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11;
            sum += v as f64 / (1u64 << 53) as f64;
        }
        (sum - 2.0) * 3f64.sqrt()
    }
}

/// A photo-like frame of `width` x `height` holding one code of `text` (EC level M) whose side
/// (with its quiet zone) is about `code_frac` of the frame height, at a random place and angle.
/// Same seed, same pixels.
pub fn camera_frame(width: u32, height: u32, text: &str, code_frac: f64, seed: u64) -> Frame {
    let mut rng = Rng::new(seed);
    let (wf, hf) = (f64::from(width), f64::from(height));
    let side = hf * code_frac;
    let placement = Placement {
        angle: rng.range(-std::f64::consts::PI, std::f64::consts::PI),
        cx: rng.range(side * 0.75, wf - side * 0.75),
        cy: rng.range(side * 0.75, hf - side * 0.75),
        side,
        skew: 0.08,
    };
    compose(width, height, &[(text, placement)], &mut rng)
}

/// A frame of `width` x `height` with the given codes (EC level M) at the given places.
pub fn sheet_frame(width: u32, height: u32, codes: &[(&str, Placement)], seed: u64) -> Frame {
    compose(width, height, codes, &mut Rng::new(seed))
}

/// The photo-like background alone (no code), same process as [`camera_frame`].
pub fn empty_frame(width: u32, height: u32, seed: u64) -> Frame {
    compose(width, height, &[], &mut Rng::new(seed))
}

fn compose(width: u32, height: u32, codes: &[(&str, Placement)], rng: &mut Rng) -> Frame {
    let (w, h) = (width as usize, height as usize);
    let (wf, hf) = (f64::from(width), f64::from(height));
    let mut img = background(w, h, rng);
    let pasted = codes
        .iter()
        .map(|(text, placement)| paste(&mut img, w, h, text, *placement, rng))
        .collect();

    // Global light falloff, lens blur, sensor noise.
    let (lx, ly) = (rng.range(-0.25, 0.25), rng.range(-0.25, 0.25));
    for y in 0..h {
        for x in 0..w {
            let (u, v) = (x as f64 / wf - 0.5, y as f64 / hf - 0.5);
            let light = 1.0 + lx * u + ly * v - 0.35 * (u * u + v * v);
            img[y * w + x] *= light as f32;
        }
    }
    blur(&mut img, w, h, if rng.unit() < 0.5 { 2 } else { 3 });
    let sigma = rng.range(3.0, 7.0);
    let mut noise = Noise(rng.0.next_u64() | 1);
    let pixels = img
        .iter()
        .map(|&v| {
            (f64::from(v) + sigma * noise.next())
                .round()
                .clamp(0.0, 255.0) as u8
        })
        .collect();
    Frame {
        width,
        height,
        pixels,
        codes: pasted,
    }
}

/// A coarse random grey field (bilinear) with a few flat "objects" on it.
fn background(w: usize, h: usize, rng: &mut Rng) -> Vec<f32> {
    let (wf, hf) = (w as f64, h as f64);
    let (gx, gy) = (12usize, 8usize);
    let field: Vec<f64> = (0..(gx + 1) * (gy + 1))
        .map(|_| rng.range(60.0, 190.0))
        .collect();
    let mut img = vec![0f32; w * h];
    for y in 0..h {
        for x in 0..w {
            let (fx, fy) = (x as f64 / wf * gx as f64, y as f64 / hf * gy as f64);
            let (ix, iy) = ((fx as usize).min(gx - 1), (fy as usize).min(gy - 1));
            let (tx, ty) = (fx - ix as f64, fy - iy as f64);
            let at = |i: usize, j: usize| field[j * (gx + 1) + i];
            let v = at(ix, iy) * (1.0 - tx) * (1.0 - ty)
                + at(ix + 1, iy) * tx * (1.0 - ty)
                + at(ix, iy + 1) * (1.0 - tx) * ty
                + at(ix + 1, iy + 1) * tx * ty;
            img[y * w + x] = v as f32;
        }
    }
    for _ in 0..24 {
        let (cx, cy) = (rng.range(0.0, wf), rng.range(0.0, hf));
        let (rw, rh) = (rng.range(10.0, wf / 5.0), rng.range(10.0, hf / 5.0));
        let shade = rng.range(20.0, 235.0) as f32;
        let ellipse = rng.unit() < 0.5;
        let (x0, x1) = ((cx - rw).max(0.0) as usize, ((cx + rw) as usize).min(w));
        let (y0, y1) = ((cy - rh).max(0.0) as usize, ((cy + rh) as usize).min(h));
        for y in y0..y1 {
            for x in x0..x1 {
                let (dx, dy) = ((x as f64 - cx) / rw, (y as f64 - cy) / rh);
                if !ellipse || dx * dx + dy * dy <= 1.0 {
                    img[y * w + x] = shade;
                }
            }
        }
    }
    img
}

/// Pastes one code printed on paper (uneven light on it) through a perspective mapping.
fn paste(img: &mut [f32], w: usize, h: usize, text: &str, at: Placement, rng: &mut Rng) -> Pasted {
    let symbol = encode(text, EcLevel::M).expect("text fits a QR code");
    let n = symbol.width();
    let qz = 4.0;
    let total = n as f64 + 2.0 * qz;
    let (sa, ca) = at.angle.sin_cos();
    let skew = at.side * at.skew;
    let quad: [(f64, f64); 4] =
        [(-0.5, -0.5), (0.5, -0.5), (0.5, 0.5), (-0.5, 0.5)].map(|(u, v)| {
            let (x, y) = (u * at.side, v * at.side);
            (
                at.cx + x * ca - y * sa + rng.range(-skew, skew),
                at.cy + x * sa + y * ca + rng.range(-skew, skew),
            )
        });
    let fwd = Homography::square_to_quad(quad);
    let inv = fwd.inverse();
    let paper = rng.range(190.0, 235.0);
    let ink = rng.range(20.0, 60.0);
    let (light_x, light_y) = (rng.range(-0.3, 0.3), rng.range(-0.3, 0.3));
    let dark = |u: f64, v: f64| -> Option<bool> {
        if !(0.0..1.0).contains(&u) || !(0.0..1.0).contains(&v) {
            return None;
        }
        let (mx, my) = (u * total - qz, v * total - qz);
        if mx < 0.0 || my < 0.0 || mx >= n as f64 || my >= n as f64 {
            return Some(false);
        }
        Some(symbol.module(mx as usize, my as usize))
    };
    let xs = quad.iter().map(|p| p.0);
    let ys = quad.iter().map(|p| p.1);
    let bx0 = xs.clone().fold(f64::MAX, f64::min).max(0.0) as usize;
    let bx1 = (xs.fold(f64::MIN, f64::max).ceil().max(0.0) as usize).min(w);
    let by0 = ys.clone().fold(f64::MAX, f64::min).max(0.0) as usize;
    let by1 = (ys.fold(f64::MIN, f64::max).ceil().max(0.0) as usize).min(h);
    const SS: usize = 2; // supersampling per axis
    for y in by0..by1 {
        for x in bx0..bx1 {
            let (mut sum, mut hits) = (0.0, 0);
            for sy in 0..SS {
                for sx in 0..SS {
                    let px = x as f64 + (sx as f64 + 0.5) / SS as f64;
                    let py = y as f64 + (sy as f64 + 0.5) / SS as f64;
                    let (u, v) = inv.apply(px, py);
                    if let Some(d) = dark(u, v) {
                        let shade = if d { ink } else { paper };
                        let light = 1.0 + light_x * (u - 0.5) + light_y * (v - 0.5);
                        sum += shade * light;
                        hits += 1;
                    }
                }
            }
            if hits > 0 {
                let cover = hits as f64 / (SS * SS) as f64;
                let bg = f64::from(img[y * w + x]);
                img[y * w + x] = (sum / hits as f64 * cover + bg * (1.0 - cover)) as f32;
            }
        }
    }
    let corner = |u: f64, v: f64| fwd.apply(u, v);
    let (a, b) = (qz / total, (qz + n as f64) / total);
    Pasted {
        text: text.to_owned(),
        corners: [corner(a, a), corner(b, a), corner(b, b), corner(a, b)],
    }
}

/// The benchmark's 1920x1080 frame: a 211-character health code (version 8) filling ~40% of the
/// frame height (about 7.5 px per module).
pub fn frame_1080p(seed: u64) -> Frame {
    camera_frame(1920, 1080, &ym1_text(211, seed), 0.40, seed)
}

/// The benchmark's 640x480 frame: the same kind of code filling ~55% of the height (about
/// 4.6 px per module).
pub fn frame_480p(seed: u64) -> Frame {
    camera_frame(640, 480, &ym1_text(211, seed), 0.55, seed)
}
