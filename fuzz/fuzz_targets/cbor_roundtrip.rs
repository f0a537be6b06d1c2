//! cargo-fuzz target `cbor_roundtrip`: see `yima_fuzz::core_targets::cbor_roundtrip`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| yima_fuzz::core_targets::cbor_roundtrip(data));
