//! Bodies of the cargo-fuzz targets of yima. Each function takes the fuzzer's bytes, runs one
//! decoder on them, and panics (fails) only when an invariant the library promises is broken.
//!
//! The same files are compiled into the stable replay tests (`#[path]` modules in
//! `crates/yima-core/tests/fuzz_corpus.rs`, `crates/yima-qr/tests/fuzz_corpus.rs`,
//! `crates/yima-eudcc/tests/fuzz_corpus.rs` and `crates/yima-pkcs11/tests/fuzz_corpus.rs`), so
//! `cargo test` runs every committed corpus file through exactly these entry points.

pub mod core_targets;
pub mod eudcc_targets;
pub mod pkcs11_targets;
pub mod qr_targets;
