//! cargo-fuzz target `status_list`: see `yima_fuzz::core_targets::status_list`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| yima_fuzz::core_targets::status_list(data));
