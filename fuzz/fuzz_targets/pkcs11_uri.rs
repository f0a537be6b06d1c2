//! cargo-fuzz target `pkcs11_uri`: see `yima_fuzz::pkcs11_targets::pkcs11_uri`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| yima_fuzz::pkcs11_targets::pkcs11_uri(data));
