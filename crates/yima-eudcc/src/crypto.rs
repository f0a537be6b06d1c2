//! Signature verification with `ring`, with each key bound to the one algorithm it can serve: ES256 needs
//! a P-256 key, PS256 an RSA key of 2048 to 8192 bits. A header naming ES256 over a P-384 key is refused
//! before any signature arithmetic (`dcc.alg-mismatch`), never "tried anyway".

use ring::signature::{ECDSA_P256_SHA256_FIXED, RSA_PSS_2048_8192_SHA256, UnparsedPublicKey};

use crate::cose::Alg;
use crate::trust::DscKey;

/// Smallest and largest RSA modulus accepted for PS256 (ring's limits).
pub const RSA_BITS: std::ops::RangeInclusive<usize> = 2048..=8192;

/// True if `key` can verify `alg` signatures.
pub fn key_fits(alg: Alg, key: &DscKey) -> bool {
    match (alg, key) {
        (Alg::Es256, DscKey::P256(_)) => true,
        (Alg::Ps256, DscKey::Rsa { bits, .. }) => RSA_BITS.contains(bits),
        _ => false,
    }
}

/// Verifies `sig` over `msg`. False for a mismatched key (see [`key_fits`]), a malformed key or
/// signature, or a signature that does not verify.
pub fn verify(alg: Alg, key: &DscKey, msg: &[u8], sig: &[u8]) -> bool {
    match (alg, key) {
        // ES256 in COSE is r || s, 32 bytes each (RFC 9053 §2.1), which is ring's FIXED form.
        (Alg::Es256, DscKey::P256(point)) => {
            sig.len() == 64
                && UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, point)
                    .verify(msg, sig)
                    .is_ok()
        }
        // RSASSA-PSS, SHA-256, MGF1-SHA-256, salt length 32 (ring's PSS verifier requires salt = hash
        // length, which is what the hcert spec mandates).
        (Alg::Ps256, DscKey::Rsa { der, bits }) => {
            RSA_BITS.contains(bits)
                && UnparsedPublicKey::new(&RSA_PSS_2048_8192_SHA256, der)
                    .verify(msg, sig)
                    .is_ok()
        }
        _ => false,
    }
}
