//! cargo-fuzz target `eudcc_cose`: see `yima_fuzz::eudcc_targets::eudcc_cose`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| yima_fuzz::eudcc_targets::eudcc_cose(data));
