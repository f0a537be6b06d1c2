//! cargo-fuzz target `claims_signed`: see `yima_fuzz::core_targets::claims_signed`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| yima_fuzz::core_targets::claims_signed(data));
