//! cargo-fuzz target `transport_decode`: see `yima_fuzz::core_targets::transport_decode`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| yima_fuzz::core_targets::transport_decode(data));
