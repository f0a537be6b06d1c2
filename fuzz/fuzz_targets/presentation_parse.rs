//! cargo-fuzz target `presentation_parse`: see `yima_fuzz::core_targets::presentation_parse`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| yima_fuzz::core_targets::presentation_parse(data));
