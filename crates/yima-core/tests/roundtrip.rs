//! Round trips of arbitrary valid claims of every kind: issue → parse → verify gives the same claims,
//! the payload is the canonical encoding, and the text is QR-alphanumeric.

// Test code: a failed unwrap is a failed test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use proptest::prelude::*;
use yima_core::cbor;
use yima_core::claims::*;
use yima_core::credential::{Unverified, VerifyOptions, issue, verify_text};
use yima_core::keys::SigningKey;
use yima_core::transport::{self, Encoding};

/// Issues `claims` and checks every round-trip property; returns the parsed credential.
fn check_round_trip(claims: &Claims, key: &SigningKey, now: u64, leeway: u64) -> Unverified {
    let issued = issue(claims, key).unwrap_or_else(|e| panic!("issue refused valid claims: {e}"));

    // Transport text: known prefix, QR alphanumeric charset only, within the length limit.
    let encoding = if issued.text.starts_with(transport::PREFIX_ZLIB) {
        Encoding::Zlib
    } else {
        assert!(
            issued.text.starts_with(transport::PREFIX),
            "{}",
            issued.text
        );
        Encoding::Plain
    };
    assert!(
        issued.text.chars().all(|c| QR_ALPHANUMERIC.contains(c)),
        "non-alphanumeric char in {}",
        issued.text
    );
    assert!(issued.text.len() <= transport::MAX_TEXT_LEN);
    assert!(issued.cose.len() <= transport::MAX_COSE_BYTES);

    // Parse: the bytes are the issued COSE, the header names the key.
    let u = Unverified::parse(&issued.text).unwrap();
    assert_eq!(u.cose_bytes(), issued.cose.as_slice());
    assert_eq!(u.kid(), key.kid().as_slice());
    assert_eq!(u.alg(), key.algorithm().cose_id());
    assert_eq!(u.encoding(), Some(encoding));
    assert_eq!(u.text_len(), Some(issued.text.len()));
    assert_eq!(u.protected_bytes(), protected_of(key).as_slice());

    // The payload is exactly the deterministic encoding of the claims.
    assert_eq!(claims.to_cbor(), u.payload_bytes());
    assert_eq!(u.unverified_claims().unwrap(), *claims);

    // COSE bytes re-parse, both through the strict CBOR reader and as a credential.
    let decoded = cbor::decode(&issued.cose).unwrap();
    assert_eq!(decoded.encode(), issued.cose);
    let again = Unverified::from_cose(issued.cose.clone()).unwrap();
    assert_eq!(again.payload_bytes(), u.payload_bytes());
    assert_eq!(again.signature(), u.signature());
    assert_eq!(again.encoding(), None);

    // Verify with the right key inside the window, among decoy keys (one with a different kid, one
    // whose kid collides with nothing here). Ed25519 verification takes ~10 ms in a debug build, so
    // each case verifies once.
    let opts = VerifyOptions { now, leeway };
    let vk = key.verifying_key();
    let trusted = [
        other_key().verifying_key(),
        vk.clone(),
        colliding_keys().0.verifying_key(),
    ];
    let verified = verify_text(&issued.text, &trusted, &opts).unwrap();
    assert_eq!(verified.claims(), claims);
    assert_eq!(verified.key(), &vk);
    assert_eq!(verified.into_claims(), *claims);

    // Issuing is deterministic (Ed25519 is deterministic; no randomness in the encoding).
    assert_eq!(issue(claims, key).unwrap(), issued);
    u
}

/// serde_json round trip, and the JSON shape promised to CLI users.
fn check_json(claims: &Claims) {
    let json = serde_json::to_string(claims).unwrap();
    let back: Claims = serde_json::from_str(&json).unwrap();
    assert_eq!(&back, claims, "{json}");
    let value = serde_json::to_value(claims).unwrap();
    assert_eq!(
        serde_json::from_value::<Claims>(value.clone()).unwrap(),
        *claims
    );
    assert_eq!(value["credential"]["kind"], claims.credential.kind().name());
    assert_eq!(
        value.get("not_before").is_some(),
        claims.not_before.is_some()
    );
    assert_eq!(value.get("status").is_some(), claims.status.is_some());
    if let Some(cti) = &claims.credential_id {
        assert_eq!(value["credential_id"], to_hex(cti));
    }
    let pretty = serde_json::to_string_pretty(claims).unwrap();
    assert_eq!(serde_json::from_str::<Claims>(&pretty).unwrap(), *claims);
}

fn seeded_key(seed: [u8; 32]) -> SigningKey {
    SigningKey::from_seed(&seed)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn health_code_round_trip((claims, now) in claims_strategy(health_code_strategy()), seed in any::<[u8; 32]>(), leeway in 0u64..600) {
        check_round_trip(&claims, &seeded_key(seed), now, leeway);
        check_json(&claims);
    }

    #[test]
    fn social_security_card_round_trip((claims, now) in claims_strategy(social_security_card_strategy()), seed in any::<[u8; 32]>(), leeway in 0u64..600) {
        check_round_trip(&claims, &seeded_key(seed), now, leeway);
        check_json(&claims);
    }

    #[test]
    fn business_licence_round_trip((claims, now) in claims_strategy(business_licence_strategy()), seed in any::<[u8; 32]>(), leeway in 0u64..600) {
        check_round_trip(&claims, &seeded_key(seed), now, leeway);
        check_json(&claims);
    }

    #[test]
    fn food_business_licence_round_trip((claims, now) in claims_strategy(food_business_licence_strategy()), seed in any::<[u8; 32]>(), leeway in 0u64..600) {
        check_round_trip(&claims, &seeded_key(seed), now, leeway);
        check_json(&claims);
    }

    #[test]
    fn electronic_licence_round_trip((claims, now) in claims_strategy(electronic_licence_strategy()), seed in any::<[u8; 32]>(), leeway in 0u64..600) {
        check_round_trip(&claims, &seeded_key(seed), now, leeway);
        check_json(&claims);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    /// Window edges: valid at the first second (`nbf`, or `iat`) and the last (`exp - 1`); invalid one
    /// second outside. (Four Ed25519 verifications per case, hence fewer cases.)
    #[test]
    fn valid_at_both_edges_of_the_window((claims, _now) in claims_strategy(any_credential())) {
        let key = key();
        let issued = issue(&claims, &key).unwrap();
        let u = Unverified::parse(&issued.text).unwrap();
        let keys = [key.verifying_key()];
        prop_assert!(u.verify(&keys, &VerifyOptions::at(claims.valid_from())).is_ok());
        prop_assert!(u.verify(&keys, &VerifyOptions::at(claims.expires_at - 1)).is_ok());
        prop_assert_eq!(u.verify(&keys, &VerifyOptions::at(claims.expires_at)).unwrap_err().code(), "time.expired");
        if claims.valid_from() > 0 {
            prop_assert_eq!(
                u.verify(&keys, &VerifyOptions::at(claims.valid_from() - 1)).unwrap_err().code(),
                "time.not-yet-valid"
            );
        }
    }

}

proptest! {
    /// The validation each kind exposes agrees with `issue`.
    #[test]
    fn kind_validate_accepts_generated_credentials(cred in any_credential()) {
        match &cred {
            Credential::HealthCode(c) => {
                c.validate().unwrap();
                let built = HealthCode::new(c.status, c.holder_name.clone(), c.holder_id.clone(), c.region, c.reason.clone()).unwrap();
                prop_assert_eq!(&built, c);
            }
            Credential::SocialSecurityCard(c) => c.validate().unwrap(),
            Credential::BusinessLicence(c) => c.validate().unwrap(),
            Credential::FoodBusinessLicence(c) => c.validate().unwrap(),
            Credential::ElectronicLicence(c) => c.validate().unwrap(),
            _ => unreachable!("five kinds"),
        }
        prop_assert_eq!(Kind::from_name(cred.kind().name()), Some(cred.kind()));
    }
}

#[test]
fn fixed_samples_round_trip_for_every_kind() {
    let key = key();
    let samples = sample_claims();
    let kinds: Vec<Kind> = samples.iter().map(|c| c.credential.kind()).collect();
    assert_eq!(kinds, Kind::ALL);
    for claims in &samples {
        let u = check_round_trip(claims, &key, T0 + 10, 0);
        check_json(claims);
        // The kind number is carried under sub-key 0 of claim -270.
        let payload = cbor::decode(u.payload_bytes()).unwrap();
        let cbor::Value::Map(pairs) = payload else {
            panic!("map")
        };
        let (_, cred) = pairs
            .iter()
            .find(|(k, _)| k.as_i64() == Some(CLAIM_CREDENTIAL))
            .unwrap();
        let cbor::Value::Map(fields) = cred else {
            panic!("map")
        };
        assert_eq!(
            fields[0],
            (
                cbor::Value::Uint(KEY_KIND),
                cbor::Value::Uint(claims.credential.kind().number())
            )
        );
    }
}

#[test]
fn both_transport_encodings_round_trip() {
    let key = key();
    // A short credential travels uncompressed.
    let plain = health_claims();
    let issued = issue(&plain, &key).unwrap();
    assert!(issued.text.starts_with("YM1:"), "{}", issued.text);
    check_round_trip(&plain, &key, T0, 0);
    // A repetitive one is compressed.
    let mut cred = electronic_licence();
    for i in 0..15 {
        cred.extra
            .insert(format!("字段{i:02}"), "重复重复重复重复".repeat(8));
    }
    let zipped = claims_with(Credential::ElectronicLicence(cred));
    let issued = issue(&zipped, &key).unwrap();
    assert!(issued.text.starts_with("YM1Z:"), "{}", issued.text);
    let u = check_round_trip(&zipped, &key, T0, 0);
    assert_eq!(u.encoding(), Some(Encoding::Zlib));
    assert!(issued.text.len() < transport::PREFIX.len() + transport::base45_len(issued.cose.len()));
}

#[test]
fn extreme_but_valid_values_round_trip() {
    let key = key();
    let mut claims = health_claims();
    claims.issued_at = 0;
    claims.expires_at = u64::MAX;
    claims.not_before = Some(u64::MAX - 1);
    claims.credential_id = Some(vec![0xff; MAX_CTI_BYTES]);
    claims.status = Some(StatusRef {
        list_id: u64::MAX,
        index: u64::MAX,
    });
    claims.issuer = "x".repeat(MAX_ISSUER_BYTES);
    check_round_trip(&claims, &key, u64::MAX - 1, 0);
    check_json(&claims);

    claims.not_before = None;
    claims.credential_id = Some(vec![0]);
    claims.issuer = "上海市卫生健康委员会一".to_owned(); // 11 CJK chars = 33 bytes: too long
    assert!(issue(&claims, &key).is_err());
    claims.issuer = "上海市卫生健康委员会".to_owned(); // 30 bytes
    check_round_trip(&claims, &key, 0, 0);

    let mut ssc = social_security_card();
    ssc.issued = yima_core::date::Date::from_days(0).unwrap();
    ssc.expires = yima_core::date::Date::from_days(MAX_DAYS).unwrap();
    ssc.citizen_id = citizen_id("83000018000101000"); // Taiwan residence permit prefix, year 1800
    ssc.card_number = "Z".repeat(20);
    check_round_trip(
        &claims_with(Credential::SocialSecurityCard(ssc)),
        &key,
        T0,
        0,
    );

    let mut food = food_business_licence();
    food.valid_until = food.valid_from; // one-day licence
    food.categories = (0..16).map(|i| format!("类别{i}")).collect();
    check_round_trip(
        &claims_with(Credential::FoodBusinessLicence(food)),
        &key,
        T0,
        0,
    );

    let mut el = electronic_licence();
    el.valid_until = None;
    el.extra.clear();
    el.identifier = licence_id(&"Z".repeat(32));
    el.holder_code = "a".repeat(32);
    check_round_trip(&claims_with(Credential::ElectronicLicence(el)), &key, T0, 0);
}

/// `not_before == issued_at` would be omitted from the encoding and come back as `None`, so `issue`
/// refuses it: every issued claims set round-trips exactly.
#[test]
fn not_before_equal_to_issued_at_is_refused() {
    let key = key();
    let mut claims = health_claims();
    claims.not_before = Some(claims.issued_at);
    match issue(&claims, &key).unwrap_err() {
        yima_core::IssueError::InvalidField { field, .. } => assert_eq!(field, "not_before"),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn kid_collision_every_matching_key_is_tried() {
    let (a, b) = colliding_keys();
    assert_eq!(a.kid(), b.kid());
    assert_ne!(a.verifying_key(), b.verifying_key());
    let claims = health_claims();
    let issued = issue(&claims, &b).unwrap();
    let u = Unverified::parse(&issued.text).unwrap();
    let opts = VerifyOptions::at(T0);
    // The wrong key with the same kid comes first; the right one must still be found.
    let v = u
        .verify(&[a.verifying_key(), b.verifying_key()], &opts)
        .unwrap();
    assert_eq!(v.key(), &b.verifying_key());
    assert_eq!(v.claims(), &claims);
    // Only the wrong key with that kid: the signature does not verify.
    let err = u.verify(&[a.verifying_key()], &opts).unwrap_err();
    assert_eq!(err.code(), "signature.invalid");
}

#[test]
fn json_field_names_are_stable() {
    let claims = claims_with(Credential::HealthCode(health_code()));
    let json = serde_json::to_value(&claims).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "issuer": "SH",
            "issued_at": T0,
            "expires_at": T0 + 86_400,
            "credential": {
                "kind": "health-code",
                "fields": {
                    "status": "green",
                    "holder_name": "金*",
                    "holder_id": "5a5a5a5a5a5a5a5a5a5a",
                    "region": 310104,
                }
            }
        })
    );
    // Unknown JSON fields are refused, at both levels.
    let mut bad = json.clone();
    bad["subject"] = "x".into();
    assert!(serde_json::from_value::<Claims>(bad).is_err());
    let mut bad = json;
    bad["credential"]["fields"]["colour"] = "green".into();
    assert!(serde_json::from_value::<Claims>(bad).is_err());
}
