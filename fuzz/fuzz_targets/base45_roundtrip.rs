//! cargo-fuzz target `base45_roundtrip`: see `yima_fuzz::core_targets::base45_roundtrip`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| yima_fuzz::core_targets::base45_roundtrip(data));
