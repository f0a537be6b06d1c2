//! cargo-fuzz target `trust_bundle`: see `yima_fuzz::core_targets::trust_bundle`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| yima_fuzz::core_targets::trust_bundle(data));
