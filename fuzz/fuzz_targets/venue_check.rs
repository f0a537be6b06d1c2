//! cargo-fuzz target `venue_check`: see `yima_fuzz::core_targets::venue_check`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| yima_fuzz::core_targets::venue_check(data));
