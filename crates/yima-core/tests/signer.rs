//! Signing through the `Signer` trait (the path an HSM takes): the same bytes as an in-memory key,
//! signer failures passed through with their codes, and a faulty signer caught before its signature is
//! used.

// Test code: a failed unwrap is a failed test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use yima_core::status::{StatusList, StatusListToken};
use yima_core::trust::BundleContents;
use yima_core::{
    IssueError, Kind, Signer, SignerError, SigningKey, Unverified, VerifyOptions, VerifyingKey,
    issue, issue_with, samples,
};

const NOW: u64 = 1_767_225_600;

/// Stands in for an HSM: signs with `key` but, like any external signer, has its output checked.
struct External {
    key: SigningKey,
    /// Signs with this key instead, while claiming `key`'s public key (a faulty or swapped device).
    sign_with: Option<SigningKey>,
    /// Flips a bit of every signature.
    corrupt: bool,
    /// Fails every request.
    fail: bool,
}

impl External {
    fn honest(seed: u8) -> Self {
        External {
            key: SigningKey::from_seed(&[seed; 32]),
            sign_with: None,
            corrupt: false,
            fail: false,
        }
    }
}

impl Signer for External {
    fn verifying_key(&self) -> VerifyingKey {
        self.key.verifying_key()
    }

    fn try_sign(&self, msg: &[u8]) -> Result<[u8; 64], SignerError> {
        if self.fail {
            return Err(SignerError::new(
                "test.device-offline",
                "the device is offline",
            ));
        }
        let mut sig = self.sign_with.as_ref().unwrap_or(&self.key).sign(msg);
        if self.corrupt {
            sig[10] ^= 0x01;
        }
        Ok(sig)
    }
}

#[test]
fn an_external_signer_produces_the_same_credential_as_the_key_in_memory() {
    let signer = External::honest(7);
    assert!(signer.signatures_need_check());
    assert!(!signer.key.signatures_need_check());
    for kind in Kind::ALL {
        let claims = samples::claims(kind, NOW, [kind.number() as u8; 8]);
        let a = issue(&claims, &signer.key).unwrap();
        let b = issue_with(&claims, &signer).unwrap();
        // Ed25519 is deterministic: the same key gives the same bytes by either path.
        assert_eq!(a, b, "{kind:?}");
        let verified = Unverified::parse(&b.text)
            .unwrap()
            .verify(&[signer.verifying_key()], &VerifyOptions::at(NOW + 1))
            .unwrap();
        assert_eq!(verified.claims(), &claims);
    }
}

#[test]
fn a_failing_signer_gives_its_own_code() {
    let signer = External {
        fail: true,
        ..External::honest(7)
    };
    let claims = samples::claims(Kind::HealthCode, NOW, [1; 8]);
    let err = issue_with(&claims, &signer).unwrap_err();
    assert!(matches!(err, IssueError::Signer(_)));
    assert_eq!(err.code(), "test.device-offline");
}

#[test]
fn a_signature_under_another_key_is_caught_at_issue_time() {
    let swapped = External {
        sign_with: Some(SigningKey::from_seed(&[8; 32])),
        ..External::honest(7)
    };
    let corrupt = External {
        corrupt: true,
        ..External::honest(7)
    };
    let claims = samples::claims(Kind::BusinessLicence, NOW, [2; 8]);
    for signer in [&swapped, &corrupt] {
        let err = issue_with(&claims, signer).unwrap_err();
        assert_eq!(err.code(), "signer.bad-signature");
    }
}

#[test]
fn bundles_and_status_lists_sign_through_the_trait() {
    let authority = External::honest(3);
    let bundle = BundleContents {
        seq: 4,
        issued_at: NOW,
        expires_at: NOW + 86_400,
        issuers: Vec::new(),
        status_lists: Vec::new(),
    };
    assert_eq!(
        bundle.sign_with(&authority).unwrap(),
        bundle.sign(&authority.key)
    );
    let token = StatusListToken {
        issuer: "SH".into(),
        list_id: 1,
        issued_at: NOW,
        expires_at: Some(NOW + 86_400),
        ttl: None,
        list: StatusList::new(16).unwrap(),
    };
    assert_eq!(
        token.sign_with(&authority).unwrap(),
        token.sign(&authority.key)
    );
    let faulty = External {
        corrupt: true,
        ..External::honest(3)
    };
    assert_eq!(
        bundle.sign_with(&faulty).unwrap_err().code(),
        "signer.bad-signature"
    );
    assert_eq!(
        token.sign_with(&faulty).unwrap_err().code(),
        "signer.bad-signature"
    );
}
