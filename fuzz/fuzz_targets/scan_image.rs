//! cargo-fuzz target `scan_image`: see `yima_fuzz::qr_targets::scan_image`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    // yima-qr deliberately catches panics of the third-party QR decoder (`qr.decoder-panic`), but
    // libfuzzer-sys installs a panic hook that aborts on *every* panic, caught or not. Replace it with
    // a quiet one; a panic that escapes `scan_image` is still caught by libfuzzer-sys and aborts.
    yima_fuzz::qr_targets::quiet_caught_panics();
    yima_fuzz::qr_targets::scan_image(data);
});
