//! Test-only helpers shared by the yima crates' integration tests (a dev-dependency only; never linked
//! into the library or the `yima` binary):
//!
//! - [`vectors`]: the published test vectors in `test-vectors/`, by group of `index.json`;
//! - [`alloc`]: a counting global allocator and the measurement the bounds tests print;
//! - [`image`]: PNG chunks and PNG files that declare whatever dimensions a hostile-image test needs.
//!
//! Test code: a failed read of a committed file is a failed test, so these helpers panic with the path
//! in the message rather than returning errors.

#![deny(missing_docs)]
// `#![forbid]` would also forbid the one `#[allow]` the counting allocator needs (see `alloc`).
#![deny(unsafe_code)]
#![allow(clippy::panic, clippy::expect_used)]

pub mod alloc;
pub mod image;
pub mod vectors;
