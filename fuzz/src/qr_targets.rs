//! Fuzz target bodies for `yima-qr`. Shared by the cargo-fuzz binary `scan_image` and the stable
//! replay test `crates/yima-qr/tests/fuzz_corpus.rs` (which includes this file with `#[path]`).

use yima_qr::ScanLimits;

/// Small limits so that each run stays fast: 256 KiB files, 512 × 512 pixels at most.
pub const FUZZ_LIMITS: ScanLimits = ScanLimits {
    max_file_bytes: 256 * 1024,
    max_width: 512,
    max_height: 512,
    max_pixels: 512 * 512,
};

/// Replaces the panic hook with a quiet one (once). yima-qr catches panics of the third-party QR
/// decoder on purpose and reports `qr.decoder-panic`; libfuzzer-sys's hook would abort on those.
/// Panics that escape `scan_image` still abort the fuzzer (libfuzzer-sys catches and aborts).
pub fn quiet_caught_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| std::panic::set_hook(Box::new(|_| {})));
}

/// Image scanning with small limits: any bytes give either codes or an error with a stable code;
/// oversized images are refused with `image.too-large`.
pub fn scan_image(data: &[u8]) {
    match yima_qr::scan_image(data, &FUZZ_LIMITS) {
        Ok(codes) => {
            for c in codes {
                let _ = (c.text.len(), c.corners);
            }
        }
        Err(e) => {
            let code = e.code();
            assert!(code.contains('.'), "code {code:?}");
            let _ = e.to_string();
        }
    }
}
