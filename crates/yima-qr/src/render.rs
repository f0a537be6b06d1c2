//! Rendering a [`QrSymbol`] as PNG, SVG or terminal text.

use std::fmt::Write as _;

use crate::{QrError, QrSymbol};

/// The recommended quiet zone (blank border) around a symbol, in modules (ISO/IEC 18004).
pub const DEFAULT_QUIET_ZONE: u32 = 4;

/// Largest PNG side [`QrSymbol::to_png`] will produce, in pixels (a 1-bit image of this size
/// is 32 MiB before compression).
pub const MAX_PNG_SIDE_PX: u32 = 16_384;

impl QrSymbol {
    /// Side of the symbol plus quiet zone on both sides, in modules.
    fn padded_side(&self, quiet_zone: u32) -> u64 {
        let width = u64::try_from(self.width()).unwrap_or(u64::MAX);
        width.saturating_add(u64::from(quiet_zone).saturating_mul(2))
    }

    /// Renders the symbol as a 1-bit greyscale PNG: black modules on a white background.
    ///
    /// Each module is `module_px` × `module_px` pixels and the symbol is surrounded by
    /// `quiet_zone` modules of white ([`DEFAULT_QUIET_ZONE`] = 4 is what scanners expect).
    ///
    /// # Errors
    /// [`QrError::RenderSize`] if `module_px` is 0 or the image side would exceed
    /// [`MAX_PNG_SIDE_PX`]; [`QrError::Png`] if the PNG encoder fails (not expected).
    pub fn to_png(&self, module_px: u32, quiet_zone: u32) -> Result<Vec<u8>, QrError> {
        let qz = u64::from(quiet_zone);
        let side_modules = self.padded_side(quiet_zone);
        let side_px_u64 = side_modules.saturating_mul(u64::from(module_px));
        let size_error = || QrError::RenderSize {
            module_px,
            quiet_zone,
            side_px: side_px_u64,
            max: MAX_PNG_SIDE_PX,
        };
        if module_px == 0 || side_px_u64 > u64::from(MAX_PNG_SIDE_PX) {
            return Err(size_error());
        }
        let side_px = u32::try_from(side_px_u64).map_err(|_| size_error())?;
        let side_usize = usize::try_from(side_px).map_err(|_| size_error())?;
        let row_bytes = side_usize.div_ceil(8);
        let px_per_module = u64::from(module_px);

        let mut data = Vec::with_capacity(row_bytes.saturating_mul(side_usize));
        let mut row = vec![0u8; row_bytes];
        for my in 0..side_modules {
            // 1-bit greyscale: 0 = black, 1 = white; pixels are packed MSB first.
            row.fill(0);
            for (x, px) in (0..side_px_u64).enumerate() {
                let mx = px / px_per_module;
                if !self.padded_module(mx, my, qz)
                    && let Some(byte) = row.get_mut(x / 8)
                {
                    *byte |= 0x80 >> (x % 8);
                }
            }
            for _ in 0..module_px {
                data.extend_from_slice(&row);
            }
        }

        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, side_px, side_px);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::One);
        let png_err = |e: png::EncodingError| QrError::Png(e.to_string());
        let mut writer = encoder.write_header().map_err(png_err)?;
        writer.write_image_data(&data).map_err(png_err)?;
        writer.finish().map_err(png_err)?;
        Ok(out)
    }

    /// Renders the symbol as a compact SVG document: black modules on a white background.
    ///
    /// The drawing uses one unit per module (`viewBox` covers the symbol plus `quiet_zone`
    /// modules on each side); `width`/`height` are `module_px` pixels per module (a
    /// `module_px` of 0 is treated as 1). The dark modules are a single `<path>` made of
    /// horizontal runs, with `shape-rendering="crispEdges"` so no seams appear between
    /// modules.
    pub fn to_svg(&self, module_px: u32, quiet_zone: u32) -> String {
        let qz = u64::from(quiet_zone);
        let n = self.padded_side(quiet_zone);
        let px = n.saturating_mul(u64::from(module_px.max(1)));
        let mut path = String::new();
        let width = self.width();
        for y in 0..width {
            let mut x = 0;
            while x < width {
                if !self.module(x, y) {
                    x += 1;
                    continue;
                }
                let start = x;
                while x < width && self.module(x, y) {
                    x += 1;
                }
                let len = x - start;
                // Writing to a String cannot fail.
                let _ = write!(
                    path,
                    "M{} {}h{len}v1h-{len}z",
                    qz.saturating_add(start as u64),
                    qz.saturating_add(y as u64)
                );
            }
        }
        format!(
            concat!(
                r#"<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{px}" height="{px}" "#,
                r#"viewBox="0 0 {n} {n}" shape-rendering="crispEdges">"#,
                r##"<rect width="{n}" height="{n}" fill="#fff"/>"##,
                r##"<path fill="#000" d="{path}"/></svg>"##,
                "\n"
            ),
            px = px,
            n = n,
            path = path
        )
    }

    /// Renders the symbol as Unicode half-block text for a terminal, two module rows per line.
    ///
    /// **Polarity:** *light* modules and the quiet zone are drawn as blocks (`█ ▀ ▄`) and dark
    /// modules are left blank, so the code takes its dark modules from the terminal background.
    /// On the usual light-text-on-dark-background terminal this shows dark modules on a light
    /// field, the polarity every scanner expects. On a light-background terminal the code
    /// appears inverted (light on dark), which most phone cameras still read. Use at least the
    /// default quiet zone of 4 so the light border is wide enough.
    ///
    /// The result has `ceil((width + 2 * quiet_zone) / 2)` lines, each ending in `\n`; when the
    /// padded side is odd the lower half of the last line is left blank.
    pub fn to_terminal(&self, quiet_zone: u32) -> String {
        let qz = u64::from(quiet_zone);
        let n = self.padded_side(quiet_zone);
        let light = |x: u64, y: u64| y < n && !self.padded_module(x, y, qz);
        let mut out = String::new();
        let mut y = 0;
        while y < n {
            for x in 0..n {
                out.push(match (light(x, y), light(x, y + 1)) {
                    (true, true) => '█',
                    (true, false) => '▀',
                    (false, true) => '▄',
                    (false, false) => ' ',
                });
            }
            out.push('\n');
            y += 2;
        }
        out
    }
}
