//! cargo-fuzz target `eudcc_text`: see `yima_fuzz::eudcc_targets::eudcc_text`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| yima_fuzz::eudcc_targets::eudcc_text(data));
