//! cargo-fuzz target `verify_text`: see `yima_fuzz::core_targets::verify_text`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| yima_fuzz::core_targets::verify_text(data));
