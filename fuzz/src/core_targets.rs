//! Fuzz target bodies for `yima-core`, one per decoding layer plus round trips where the format is
//! canonical. Shared by the cargo-fuzz binaries (`fuzz/fuzz_targets/*.rs`) and the stable replay test
//! `crates/yima-core/tests/fuzz_corpus.rs` (which includes this file with `#[path]`).
//!
//! Every function accepts any bytes. It panics only if the library breaks a promise: a decoder that
//! accepts input which does not re-encode to the same bytes, a verifier whose parts disagree, a
//! result that escapes a documented bound. Errors are the expected outcome for almost every input.
//!
//! Targets that need a valid signature to reach a deeper layer (claims, trust-bundle payload, status
//! list payload, venue checks) take a mode byte first: mode 0 feeds the rest of the input to the
//! layer as received bytes; mode 1 treats it as a payload and signs it with a fixed key first, so the
//! fuzzer explores the payload parser behind the signature.

use std::sync::OnceLock;

use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};
use yima_core::claims::{HealthStatus, Kind};
use yima_core::credential::{Unverified, VerifyOptions, verify_text as verify_text_api};
use yima_core::keys::{SigningKey, VerifyingKey};
use yima_core::policy::{self, Policy};
use yima_core::status::{self, CredentialStatus, StatusList, StatusListToken};
use yima_core::trust::{self, BundleCheck, BundleContents, Issuer, TrustBundle};
use yima_core::{base45, cbor, cose, transport};

/// The fixed "now" of the fuzz fixtures: one hour after the test vectors' issue time
/// (2026-01-01T01:00:00Z), so that corpus files taken from the vectors verify.
pub const NOW: u64 = 1_767_225_600 + 3600;

/// Seed of the test-vector generator (`crates/yima-vectors`): the first 32 bytes of its ChaCha20
/// stream are the issuer key's seed, the next 32 the "other" key's.
const VECTOR_SEED: [u8; 32] = *b"yima test vectors v1 seed 000001";

/// Fixed keys and a valid trust bundle, built once.
pub struct Fixture {
    /// The test-vector issuer key (kid 437fffd3), trusted as issuer `SH` in the bundle.
    pub issuer: SigningKey,
    /// Its public key.
    pub issuer_pub: VerifyingKey,
    /// The test-vector "other" key (kid 8b29d782), trusted as issuer `OLD` for social-security cards.
    pub other_pub: VerifyingKey,
    /// The pinned bundle-signing key.
    pub bundle_key: SigningKey,
    /// Its public key.
    pub bundle_pub: VerifyingKey,
    /// A verified bundle: issuers `SH` (all kinds) and `OLD`, status list 1 of `SH` (1000 entries;
    /// index 1 revoked, 2 suspended, 3 changed).
    pub bundle: TrustBundle,
}

impl std::fmt::Debug for Fixture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Fixture")
    }
}

/// The shared fixture.
pub fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(build_fixture)
}

fn build_fixture() -> Fixture {
    let mut rng = ChaCha20Rng::from_seed(VECTOR_SEED);
    let (mut s1, mut s2) = ([0u8; 32], [0u8; 32]);
    rng.fill_bytes(&mut s1);
    rng.fill_bytes(&mut s2);
    let issuer = SigningKey::from_seed(&s1);
    let other = SigningKey::from_seed(&s2);
    let bundle_key = SigningKey::from_seed(&[0xb0; 32]);
    let mut list = StatusList::new(1000).unwrap_or_else(|| unreachable!("1000 entries fit"));
    list.set(1, CredentialStatus::Revoked);
    list.set(2, CredentialStatus::Suspended);
    list.set(3, CredentialStatus::Changed);
    let token = StatusListToken {
        issuer: "SH".into(),
        list_id: 1,
        issued_at: NOW - 3600,
        expires_at: Some(NOW + 86_400),
        ttl: None,
        list,
    }
    .sign(&issuer);
    let contents = BundleContents {
        seq: 1,
        issued_at: NOW - 3600,
        expires_at: NOW + 30 * 86_400,
        issuers: vec![
            Issuer {
                name: "SH".into(),
                key: issuer.verifying_key(),
                kinds: Kind::ALL.to_vec(),
                valid_from: 0,
                valid_until: NOW + 365 * 86_400,
            },
            Issuer {
                name: "OLD".into(),
                key: other.verifying_key(),
                kinds: vec![Kind::SocialSecurityCard],
                valid_from: 0,
                valid_until: NOW - 86_400,
            },
        ],
        status_lists: vec![token],
    };
    let bytes = contents.sign(&bundle_key);
    let bundle = TrustBundle::verify(&bytes, &bundle_key.verifying_key(), &bundle_check())
        .unwrap_or_else(|e| unreachable!("the fixture bundle verifies: {e}"));
    Fixture {
        issuer_pub: issuer.verifying_key(),
        other_pub: other.verifying_key(),
        bundle_pub: bundle_key.verifying_key(),
        issuer,
        bundle_key,
        bundle,
    }
}

fn bundle_check() -> BundleCheck {
    BundleCheck {
        now: NOW,
        skew: 300,
        accepted_seq: Some(1),
        max_age: None,
    }
}

/// Splits off the mode byte (0 when the input is empty).
fn mode(data: &[u8]) -> (u8, &[u8]) {
    match data.split_first() {
        Some((m, rest)) => (*m, rest),
        None => (0, data),
    }
}

/// Every error must render and carry a non-empty stable code.
fn touch(e: &yima_core::VerifyError) {
    assert!(!e.code().is_empty());
    assert!(e.code().contains('.'), "code {:?} has no family", e.code());
    let _ = (e.stage().as_str(), e.to_string());
}

/// Transport text: length cap, prefix, Base45, zlib. Accepted output is bounded, and a plain text is
/// exactly the canonical encoding of what it decodes to.
pub fn transport_decode(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    match transport::decode(&text) {
        Ok((cose, encoding)) => {
            assert!(text.len() <= transport::MAX_TEXT_LEN);
            assert!(cose.len() <= transport::MAX_COSE_BYTES);
            match encoding {
                transport::Encoding::Plain => {
                    let again = format!("{}{}", transport::PREFIX, base45::encode(&cose));
                    assert_eq!(again, text, "plain text is not canonical Base45");
                }
                transport::Encoding::Zlib => assert!(text.starts_with(transport::PREFIX_ZLIB)),
            }
        }
        Err(e) => touch(&e),
    }
}

/// COSE_Sign1 structure and headers (no key needed), for credentials and the two other object types.
/// An accepted credential re-assembles from its parts to exactly the received bytes.
pub fn cose_parse(data: &[u8]) {
    for typ in [None, Some(status::TYP), Some(trust::TYP)] {
        match cose::parse_typed(data, typ) {
            Ok(p) => {
                let protected = data.get(p.protected.clone()).expect("protected in bounds");
                let payload = data.get(p.payload.clone()).expect("payload in bounds");
                assert!(!p.kid.is_empty() && p.kid.len() <= cose::MAX_KID_BYTES);
                let again = cose::assemble(protected, payload, &p.signature);
                assert_eq!(again, data, "accepted COSE_Sign1 is not canonical");
            }
            Err(e) => touch(&e),
        }
    }
    match Unverified::from_cose(data.to_vec()) {
        Ok(u) => {
            assert!(data.len() <= transport::MAX_COSE_BYTES);
            assert_eq!(u.cose_bytes(), data);
            let f = fixture();
            let keys = [f.issuer_pub.clone(), f.other_pub.clone()];
            match u.verify(&keys, &VerifyOptions::at(NOW)) {
                Ok(v) => assert_eq!(Some(v.claims()), u.unverified_claims().ok().as_ref()),
                Err(e) => touch(&e),
            }
        }
        Err(e) => touch(&e),
    }
}

/// Claims behind a valid signature: the input is a payload, signed with the fixed issuer key, then
/// parsed, decoded and verified. Decoding is canonical (claims re-encode to the payload), verification
/// agrees with decoding, and claims that verify are claims the issuer would sign.
pub fn claims_signed(data: &[u8]) {
    let f = fixture();
    let signed = cose::sign(&f.issuer, data, None);
    let u = match Unverified::from_cose(signed.clone()) {
        Ok(u) => u,
        Err(e) => {
            // Only the size cap can refuse our own well-formed COSE_Sign1.
            assert_eq!(e.code(), "cose.too-large");
            return;
        }
    };
    assert_eq!(u.payload_bytes(), data);
    let decoded = u.unverified_claims();
    if let Ok(c) = &decoded {
        assert_eq!(c.to_cbor(), data, "claims do not re-encode to the payload");
        let json = serde_json::to_value(c).expect("claims serialise to JSON");
        let back: yima_core::Claims = serde_json::from_value(json).expect("claims JSON reads back");
        assert_eq!(&back, c, "JSON round trip changed the claims");
    }
    let keys = [f.issuer_pub.clone()];
    for opts in [
        VerifyOptions {
            now: NOW,
            leeway: 300,
        },
        VerifyOptions {
            now: u64::MAX,
            leeway: u64::MAX,
        },
    ] {
        match (u.verify(&keys, &opts), &decoded) {
            (Ok(v), Ok(c)) => {
                assert_eq!(v.claims(), c);
                // What a verifier accepts, the issuer can issue, to the same bytes.
                match yima_core::issue(c, &f.issuer) {
                    Ok(issued) => assert_eq!(issued.cose, signed),
                    // A verifier takes raw COSE up to 8192 bytes; an issuer also caps the text.
                    Err(e) if e.code() == "issue.too-large" => {}
                    Err(e) => panic!("verified claims refused at issue: {e}"),
                }
            }
            (Ok(_), Err(e)) => panic!("verified although the claims do not decode: {e}"),
            (Err(e), Err(d)) => assert_eq!(e, d.clone()),
            (Err(e), Ok(_)) => {
                touch(&e);
                assert!(e.code().starts_with("time."), "decoded claims refused: {e}");
            }
        }
    }
}

/// The whole verifier: transport text → verdict with the fixed trusted keys.
pub fn verify_text(data: &[u8]) {
    let f = fixture();
    let text = String::from_utf8_lossy(data);
    let keys = [f.other_pub.clone(), f.issuer_pub.clone()];
    let opts = VerifyOptions::at(NOW);
    let split = Unverified::parse(&text).and_then(|u| u.verify(&keys, &opts));
    let whole = verify_text_api(&text, &keys, &opts);
    match (&split, &whole) {
        (Ok(a), Ok(b)) => assert_eq!(a.claims(), b.claims()),
        (Err(a), Err(b)) => {
            assert_eq!(a, b);
            touch(a);
        }
        _ => panic!("parse+verify and verify_text disagree"),
    }
}

/// Trust bundle parsing and checks with the fixed pinned key. Mode 1 signs the input as the bundle
/// payload. An accepted bundle re-signs to the same bytes.
pub fn trust_bundle(data: &[u8]) {
    let f = fixture();
    let (m, rest) = mode(data);
    let bytes = if m & 1 == 1 {
        cose::sign(&f.bundle_key, rest, Some(trust::TYP))
    } else {
        rest.to_vec()
    };
    let contents = BundleContents::verify_signature(&bytes, &f.bundle_pub);
    if let Ok(c) = &contents {
        assert_eq!(
            c.sign(&f.bundle_key),
            bytes,
            "bundle does not re-sign to its bytes"
        );
    }
    match TrustBundle::verify(&bytes, &f.bundle_pub, &bundle_check()) {
        Ok(b) => {
            let c = contents.expect("verify succeeded, so verify_signature must");
            assert_eq!(b.contents(), &c);
            for i in &c.issuers {
                assert!(b.issuer_for(&i.key).is_some());
            }
            let _ = b.status_list("SH", 1).map(|t| t.list.get(0));
        }
        Err(e) => {
            let _ = (e.code(), e.to_string());
            if contents.is_err() {
                assert!(matches!(e.code(), "bundle.signature" | "bundle.invalid"));
            }
        }
    }
}

/// Status list tokens with the fixed issuer key. Mode 1 signs the input as the token payload. An
/// accepted token re-signs to a token that decodes to the same contents.
pub fn status_list(data: &[u8]) {
    let f = fixture();
    let (m, rest) = mode(data);
    let bytes = if m & 1 == 1 {
        cose::sign(&f.issuer, rest, Some(status::TYP))
    } else {
        rest.to_vec()
    };
    let keys = [f.issuer_pub.clone()];
    match StatusListToken::verify(&bytes, &keys) {
        Ok((t, key)) => {
            assert_eq!(key, &f.issuer_pub);
            let len = t.list.len();
            assert!(len > 0 && len <= status::MAX_ENTRIES);
            assert_eq!(len, t.list.as_bytes().len() as u64 * 4);
            assert!(t.list.get(0).is_some());
            assert!(t.list.get(len - 1).is_some());
            assert!(t.list.get(len).is_none());
            let _ = (t.stale_after(), t.is_fresh(NOW, 300));
            let again = t.sign(&f.issuer);
            let (back, _) =
                StatusListToken::verify(&again, &keys).expect("re-signed token verifies");
            assert_eq!(back, t);
        }
        Err(e) => touch(&e),
    }
}

/// The venue check against the fixed bundle. Mode 0: the rest is a transport text. Mode 1: the rest
/// is a claims payload, signed by the bundle's issuer `SH` and sent as a transport text. Bits 1-3 of
/// the mode byte vary the policy.
pub fn venue_check(data: &[u8]) {
    let f = fixture();
    let (m, rest) = mode(data);
    let text = if m & 1 == 1 {
        transport::encode(&cose::sign(&f.issuer, rest, None))
    } else {
        String::from_utf8_lossy(rest).into_owned()
    };
    let policy = Policy {
        accepted_kinds: if m & 2 == 2 {
            vec![Kind::HealthCode]
        } else {
            Kind::ALL.to_vec()
        },
        health_statuses: vec![HealthStatus::Green],
        max_credential_age: (m & 4 == 4).then_some(86_400),
        clock_skew: 300,
        accept_unknown_status: m & 8 == 8,
        ..Policy::default()
    };
    match policy::check(&text, &f.bundle, &policy, NOW) {
        Ok(a) => {
            assert_eq!(
                a.issuer, "SH",
                "only SH's keys can sign for a current issuer"
            );
            assert_eq!(a.verified.claims().issuer, a.issuer);
        }
        Err(r) => {
            assert!(r.code.contains('.'), "code {:?}", r.code);
            let _ = (r.stage.as_str(), &r.message);
        }
    }
}

/// CBOR round trip: whatever the strict reader accepts is already in deterministic encoding, so it
/// re-encodes to exactly the input.
pub fn cbor_roundtrip(data: &[u8]) {
    match cbor::decode(data) {
        Ok(v) => {
            assert_eq!(v.encode(), data, "accepted CBOR is not canonical");
            let _ = (v.to_string(), v.type_name(), v.as_i64());
        }
        Err(e) => assert!(e.code().starts_with("cbor.")),
    }
}

/// Base45 round trip in both directions: accepted text re-encodes to itself; any bytes encode to text
/// that decodes back to them.
pub fn base45_roundtrip(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Ok(bytes) = base45::decode(&text) {
        assert_eq!(
            base45::encode(&bytes),
            text,
            "accepted Base45 is not canonical"
        );
    }
    let encoded = base45::encode(data);
    assert_eq!(encoded.len(), transport::base45_len(data.len()));
    assert_eq!(base45::decode(&encoded).as_deref(), Ok(data));
}

/// Credential round trip from raw COSE bytes (no signature needed to reach the claims decoder): when
/// the claims decode, they re-encode to exactly the payload bytes.
pub fn credential_roundtrip(data: &[u8]) {
    let Ok(u) = Unverified::from_cose(data.to_vec()) else {
        return;
    };
    match u.unverified_claims() {
        Ok(c) => {
            assert_eq!(c.to_cbor(), u.payload_bytes(), "claims are not canonical");
            let _ = (c.credential.kind(), c.valid_from());
        }
        Err(e) => touch(&e),
    }
}

/// Holder-bound presentations (`YP1:`): the parser, then the device check with the fixed issuer key
/// standing in for a device key, the time window, and the venue check (which routes `YP1:` texts
/// through the holder-binding stage).
pub fn presentation_parse(data: &[u8]) {
    use yima_core::presentation::Presentation;
    let f = fixture();
    let text = String::from_utf8_lossy(data);
    match Presentation::parse(&text) {
        Ok(p) => {
            assert!(text.starts_with(yima_core::presentation::PREFIX));
            assert!(p.credential.cose_bytes().len() <= transport::MAX_COSE_BYTES);
            if let Some(v) = &p.venue {
                assert!(!v.is_empty() && v.len() <= yima_core::presentation::MAX_VENUE_BYTES);
            }
            let _ = p
                .verify_device(&f.issuer_pub.to_bytes())
                .map_err(|e| e.code());
            let _ = p.check_time(NOW, 60, 10).map_err(|e| e.code());
        }
        Err(e) => {
            assert!(e.code().contains('.'), "code {:?}", e.code());
            let _ = e.to_string();
        }
    }
    if let Err(r) = policy::check(&text, &f.bundle, &Policy::default(), NOW) {
        assert!(r.code.contains('.'), "code {:?}", r.code);
    }
}
