//! cargo-fuzz target `credential_roundtrip`: see `yima_fuzz::core_targets::credential_roundtrip`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| yima_fuzz::core_targets::credential_roundtrip(data));
