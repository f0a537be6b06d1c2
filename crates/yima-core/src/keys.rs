//! Ed25519 signing and verifying keys, bound to their COSE algorithm, with short key identifiers.
//!
//! Key identifier (`kid`): the first [`KID_LEN`] bytes of SHA-256 over the 32-byte raw Ed25519 public key
//! (RFC 8032 encoding). It is a lookup hint only: a verifier tries every trusted key with a matching kid.

use ed25519_dalek::Signer as _;
use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use rand_core::CryptoRngCore;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::error::{KeyError, SignerError};

/// Length of a key identifier in bytes.
pub const KID_LEN: usize = 4;

/// A key identifier: the first 4 bytes of SHA-256 of the raw public key.
pub type Kid = [u8; KID_LEN];

/// A COSE signature algorithm (RFC 9053 / IANA "COSE Algorithms").
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// EdDSA (COSE -8), used with Ed25519 keys.
    EdDsa,
}

impl Algorithm {
    /// The COSE algorithm identifier.
    pub fn cose_id(self) -> i64 {
        match self {
            Algorithm::EdDsa => -8,
        }
    }

    /// Human-readable name.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::EdDsa => "EdDSA",
        }
    }
}

/// COSE algorithm identifiers recognised in headers: signature algorithms of the IANA registry that a
/// producer might plausibly write (EdDSA, Ed25519, ECDSA, RSASSA-PSS). Any other value is rejected as
/// unknown; a known one that is not the key's algorithm is rejected as a mismatch. MAC algorithms
/// (HMAC 4 to 7, AES-MAC 14 to 26) are not signature algorithms and cannot head a COSE_Sign1, so they
/// are unknown here.
pub(crate) fn is_known_cose_alg(alg: i64) -> bool {
    matches!(
        alg,
        -8 | -7 | -19 | -35 | -36 | -37 | -38 | -39 | -47 | -257 | -258 | -259
    )
}

/// Computes the key identifier of a raw Ed25519 public key.
pub fn kid_of(public_key: &[u8; 32]) -> Kid {
    let digest = Sha256::digest(public_key);
    let mut kid = [0u8; KID_LEN];
    for (k, d) in kid.iter_mut().zip(digest.iter()) {
        *k = *d;
    }
    kid
}

/// An Ed25519 private key. Zeroized on drop; its `Debug` output shows only the kid.
pub struct SigningKey {
    inner: ed25519_dalek::SigningKey,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &hex_kid(&self.kid()))
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// Generates a new key from a cryptographically secure RNG.
    pub fn generate(rng: &mut impl CryptoRngCore) -> Self {
        SigningKey {
            inner: ed25519_dalek::SigningKey::generate(rng),
        }
    }

    /// Builds a key from its 32-byte seed (RFC 8032 private key). For test vectors and demos.
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        SigningKey {
            inner: ed25519_dalek::SigningKey::from_bytes(seed),
        }
    }

    /// Reads a PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`) Ed25519 key.
    pub fn from_pkcs8_pem(pem: &str) -> Result<Self, KeyError> {
        ed25519_dalek::SigningKey::from_pkcs8_pem(pem)
            .map(|inner| SigningKey { inner })
            .map_err(|_| KeyError::InvalidPrivateKey)
    }

    /// Writes the key as PKCS#8 PEM. The returned string is zeroized on drop.
    pub fn to_pkcs8_pem(&self) -> Result<Zeroizing<String>, KeyError> {
        self.inner
            .to_pkcs8_pem(Default::default())
            .map_err(|_| KeyError::InvalidPrivateKey)
    }

    /// The matching public key.
    pub fn verifying_key(&self) -> VerifyingKey {
        VerifyingKey::from_dalek(self.inner.verifying_key())
    }

    /// Key identifier of the public key.
    pub fn kid(&self) -> Kid {
        kid_of(self.inner.verifying_key().as_bytes())
    }

    /// The algorithm this key signs with.
    pub fn algorithm(&self) -> Algorithm {
        Algorithm::EdDsa
    }

    /// Signs `msg` (deterministic Ed25519).
    pub fn sign(&self, msg: &[u8]) -> [u8; 64] {
        self.inner.sign(msg).to_bytes()
    }
}

/// Something that holds an Ed25519 private key and signs with it: a [`SigningKey`] in memory, or a key
/// that never leaves a hardware security module (the `yima-pkcs11` crate). Everything yima signs
/// (credentials, trust bundles, status lists) can be signed through this trait.
///
/// A signer that is not an in-memory key may fail, and may be faulty: unless
/// [`signatures_need_check`](Signer::signatures_need_check) says otherwise, yima verifies each
/// signature it returns against [`verifying_key`](Signer::verifying_key) before using it, so a device
/// that signs with another key or returns garbage is caught at issue time, not at the gate.
pub trait Signer {
    /// The public half of the signing key.
    fn verifying_key(&self) -> VerifyingKey;

    /// Signs `msg` with pure Ed25519 (RFC 8032).
    fn try_sign(&self, msg: &[u8]) -> Result<[u8; 64], SignerError>;

    /// Whether yima must check each signature against [`verifying_key`](Signer::verifying_key) before
    /// using it: true by default (external devices); an in-memory [`SigningKey`] says false.
    fn signatures_need_check(&self) -> bool {
        true
    }
}

impl Signer for SigningKey {
    fn verifying_key(&self) -> VerifyingKey {
        SigningKey::verifying_key(self)
    }

    fn try_sign(&self, msg: &[u8]) -> Result<[u8; 64], SignerError> {
        Ok(self.sign(msg))
    }

    fn signatures_need_check(&self) -> bool {
        false
    }
}

/// Signs `msg` with `signer` and, where the signer asks for it, checks the signature against the
/// signer's own public key (strict RFC 8032 verification) before returning it.
pub(crate) fn sign_checked(
    signer: &dyn Signer,
    public: &VerifyingKey,
    msg: &[u8],
) -> Result<[u8; 64], SignerError> {
    let signature = signer.try_sign(msg)?;
    if signer.signatures_need_check() && !public.verify_strict(msg, &signature) {
        return Err(SignerError::new(
            "signer.bad-signature",
            "the signer returned a signature that does not verify under its own public key",
        ));
    }
    Ok(signature)
}

/// An Ed25519 public key bound to the EdDSA algorithm, with its kid.
#[derive(Clone, PartialEq, Eq)]
pub struct VerifyingKey {
    inner: ed25519_dalek::VerifyingKey,
    kid: Kid,
}

impl std::fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifyingKey")
            .field("alg", &self.algorithm().name())
            .field("kid", &hex_kid(&self.kid))
            .finish()
    }
}

fn hex_kid(kid: &Kid) -> String {
    kid.iter().map(|b| format!("{b:02x}")).collect()
}

impl VerifyingKey {
    fn from_dalek(inner: ed25519_dalek::VerifyingKey) -> Self {
        let kid = kid_of(inner.as_bytes());
        VerifyingKey { inner, kid }
    }

    /// Builds a key from its 32 raw bytes, refusing invalid encodings and small-order points.
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<Self, KeyError> {
        let inner = ed25519_dalek::VerifyingKey::from_bytes(bytes)
            .map_err(|_| KeyError::InvalidPublicKey)?;
        // RFC 8032 §5.1.3: an encoding with y >= p (or x = 0 with the sign bit set) must not decode;
        // dalek reduces it silently, which would give one key two encodings (and two kids).
        if inner.to_edwards().compress().as_bytes() != bytes {
            return Err(KeyError::InvalidPublicKey);
        }
        if inner.is_weak() {
            return Err(KeyError::WeakPublicKey);
        }
        Ok(Self::from_dalek(inner))
    }

    /// Reads an SPKI PEM (`-----BEGIN PUBLIC KEY-----`) Ed25519 key.
    pub fn from_public_key_pem(pem: &str) -> Result<Self, KeyError> {
        let inner = ed25519_dalek::VerifyingKey::from_public_key_pem(pem)
            .map_err(|_| KeyError::InvalidPublicKey)?;
        Self::from_bytes(inner.as_bytes())
    }

    /// Writes the key as SPKI PEM.
    pub fn to_public_key_pem(&self) -> Result<String, KeyError> {
        self.inner
            .to_public_key_pem(Default::default())
            .map_err(|_| KeyError::InvalidPublicKey)
    }

    /// The raw 32-byte public key.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.inner.to_bytes()
    }

    /// Key identifier.
    pub fn kid(&self) -> Kid {
        self.kid
    }

    /// The one algorithm this key may be used with.
    pub fn algorithm(&self) -> Algorithm {
        Algorithm::EdDsa
    }

    /// Strict Ed25519 verification (rejects non-canonical S and small-order components).
    pub fn verify_strict(&self, msg: &[u8], signature: &[u8; 64]) -> bool {
        let sig = ed25519_dalek::Signature::from_bytes(signature);
        self.inner.verify_strict(msg, &sig).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_round_trip_and_kid() {
        let sk = SigningKey::from_seed(&[7u8; 32]);
        let pem = sk.to_pkcs8_pem().unwrap();
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"));
        let back = SigningKey::from_pkcs8_pem(&pem).unwrap();
        assert_eq!(back.kid(), sk.kid());
        let pk = sk.verifying_key();
        let pub_pem = pk.to_public_key_pem().unwrap();
        assert!(pub_pem.starts_with("-----BEGIN PUBLIC KEY-----"));
        assert_eq!(VerifyingKey::from_public_key_pem(&pub_pem).unwrap(), pk);
        assert_eq!(pk.kid(), kid_of(&pk.to_bytes()));
        assert!(!format!("{sk:?}").contains(&hex::encode([7u8; 32])));
    }

    #[test]
    fn rejects_bad_and_weak_keys() {
        assert_eq!(
            SigningKey::from_pkcs8_pem("nope").unwrap_err(),
            KeyError::InvalidPrivateKey
        );
        assert_eq!(
            VerifyingKey::from_public_key_pem("nope").unwrap_err(),
            KeyError::InvalidPublicKey
        );
        // The identity point (small order): y = 1.
        let mut ident = [0u8; 32];
        ident[0] = 1;
        assert_eq!(
            VerifyingKey::from_bytes(&ident).unwrap_err(),
            KeyError::WeakPublicKey
        );
    }

    #[test]
    fn strict_verification_rejects_non_canonical_s() {
        let sk = SigningKey::from_seed(&[9u8; 32]);
        let pk = sk.verifying_key();
        let sig = sk.sign(b"msg");
        assert!(pk.verify_strict(b"msg", &sig));
        // S + L is the malleable twin of S; strict verification must refuse it.
        let l: [u8; 32] = [
            0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9,
            0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
        ];
        let mut twin = sig;
        let mut carry = 0u16;
        for i in 0..32 {
            let v = u16::from(twin[32 + i]) + u16::from(l[i]) + carry;
            twin[32 + i] = v as u8;
            carry = v >> 8;
        }
        assert!(!pk.verify_strict(b"msg", &twin));
    }
}
