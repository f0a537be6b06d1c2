//! cargo-fuzz target `cose_parse`: see `yima_fuzz::core_targets::cose_parse`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| yima_fuzz::core_targets::cose_parse(data));
