//! cargo-fuzz target `eudcc_trust`: see `yima_fuzz::eudcc_targets::eudcc_trust`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| yima_fuzz::eudcc_targets::eudcc_trust(data));
