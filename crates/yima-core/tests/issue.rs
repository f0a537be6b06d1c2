//! Issue-side misuse: `issue` refuses every invalid field with `IssueError::InvalidField` naming the
//! field (as spelled in claims JSON), and a verifier given the same invalid claims (signed by hand)
//! refuses them naming the same field: one set of rules, two error mappings.

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
use yima_core::claims::*;
use yima_core::credential::{Unverified, VerifyOptions, issue};
use yima_core::error::{IssueError, VerifyError};

fn health(f: impl FnOnce(&mut HealthCode)) -> Claims {
    let mut c = health_code();
    f(&mut c);
    claims_with(Credential::HealthCode(c))
}

fn ssc(f: impl FnOnce(&mut SocialSecurityCard)) -> Claims {
    let mut c = social_security_card();
    f(&mut c);
    claims_with(Credential::SocialSecurityCard(c))
}

fn business(f: impl FnOnce(&mut BusinessLicence)) -> Claims {
    let mut c = business_licence();
    f(&mut c);
    claims_with(Credential::BusinessLicence(c))
}

fn food(f: impl FnOnce(&mut FoodBusinessLicence)) -> Claims {
    let mut c = food_business_licence();
    f(&mut c);
    claims_with(Credential::FoodBusinessLicence(c))
}

fn electronic(f: impl FnOnce(&mut ElectronicLicence)) -> Claims {
    let mut c = electronic_licence();
    f(&mut c);
    claims_with(Credential::ElectronicLicence(c))
}

fn top(f: impl FnOnce(&mut Claims)) -> Claims {
    let mut c = health_claims();
    f(&mut c);
    c
}

/// The field `issue` names when refusing `claims`; also checks that `Claims::validate` and the kind's
/// own `validate` agree, and that a verifier refuses the same claims for the same field.
fn refused_field(claims: &Claims) -> &'static str {
    let err = issue(claims, &key()).unwrap_err();
    assert_eq!(err.code(), "issue.invalid-field");
    assert!(!err.to_string().is_empty());
    let IssueError::InvalidField { field, reason } = &err else {
        panic!("expected InvalidField, got {err:?}");
    };
    assert!(!reason.is_empty());
    assert_eq!(claims.validate().unwrap_err(), err);
    let kind_result = match &claims.credential {
        Credential::HealthCode(c) => c.validate(),
        Credential::SocialSecurityCard(c) => c.validate(),
        Credential::BusinessLicence(c) => c.validate(),
        Credential::FoodBusinessLicence(c) => c.validate(),
        Credential::ElectronicLicence(c) => c.validate(),
        _ => unreachable!("five kinds"),
    };
    if let Err(e) = kind_result {
        assert_eq!(e, err, "kind-level validate disagrees");
    }

    // The verifier, given these claims signed by a trusted key, names the same field.
    let cose = sign_payload(&claims.to_cbor(), &key());
    let verify_err = Unverified::from_cose(cose)
        .unwrap()
        .verify(&[key().verifying_key()], &VerifyOptions::at(T0 + 10))
        .unwrap_err();
    let verify_field = match &verify_err {
        VerifyError::ClaimInvalid { field, .. } | VerifyError::Identifier { field, .. } => *field,
        other => panic!("verifier refused with {} instead", other.code()),
    };
    assert_eq!(
        verify_field, *field,
        "issue and verify name different fields"
    );
    field
}

macro_rules! misuse {
    ($($name:ident: $field:literal => $claims:expr;)*) => {
        $(
            #[test]
            fn $name() {
                assert_eq!(refused_field(&$claims), $field);
            }
        )*
    };
}

misuse! {
    // ---- CWT claims ---------------------------------------------------------------------------
    issuer_empty: "issuer" => top(|c| c.issuer.clear());
    issuer_too_long: "issuer" => top(|c| c.issuer = "S".repeat(MAX_ISSUER_BYTES + 1));
    issuer_control_char: "issuer" => top(|c| c.issuer = "S\nH".into());
    expires_at_equal_to_issued_at: "expires_at" => top(|c| c.expires_at = c.issued_at);
    expires_at_before_issued_at: "expires_at" => top(|c| c.expires_at = c.issued_at - 1);
    not_before_at_expiry: "not_before" => top(|c| c.not_before = Some(c.expires_at));
    not_before_before_issued_at: "not_before" => top(|c| c.not_before = Some(c.issued_at - 1));
    credential_id_empty: "credential_id" => top(|c| c.credential_id = Some(vec![]));
    credential_id_too_long: "credential_id" => top(|c| c.credential_id = Some(vec![1; MAX_CTI_BYTES + 1]));

    // ---- health code --------------------------------------------------------------------------
    health_name_not_masked: "holder_name" => health(|c| c.holder_name = "金晓明".into());
    health_name_only_stars: "holder_name" => health(|c| c.holder_name = "**".into());
    health_name_empty: "holder_name" => health(|c| c.holder_name.clear());
    health_name_17_chars: "holder_name" => health(|c| c.holder_name = format!("金{}", "*".repeat(16)));
    health_name_control_char: "holder_name" => health(|c| c.holder_name = "金*\u{0}".into());
    health_name_too_many_bytes: "holder_name" => health(|c| c.holder_name = format!("*{}", "\u{1f600}".repeat(12)));
    health_holder_id_7_bytes: "holder_id" => health(|c| c.holder_id = vec![1; 7]);
    health_holder_id_33_bytes: "holder_id" => health(|c| c.holder_id = vec![1; 33]);
    health_holder_id_raw_citizen_id: "holder_id" => health(|c| c.holder_id = citizen_id(CITIZEN_BODY).into_bytes());
    health_holder_id_raw_citizen_id_lower_x: "holder_id" => health(|c| c.holder_id = citizen_id(CITIZEN_BODY).to_lowercase().into_bytes());
    health_region_bad_province: "region" => health(|c| c.region = 990_000);
    health_region_taiwan_permit_prefix: "region" => health(|c| c.region = 830_000);
    health_region_five_digits: "region" => health(|c| c.region = 31_010);
    health_region_seven_digits: "region" => health(|c| c.region = 3_101_040);
    health_reason_empty: "reason" => health(|c| c.reason = Some(String::new()));
    health_reason_too_long: "reason" => health(|c| c.reason = Some("x".repeat(65)));
    health_reason_control_char: "reason" => health(|c| c.reason = Some("密接\u{7}".into()));

    // ---- social-security card -----------------------------------------------------------------
    ssc_card_number_lower_case: "card_number" => ssc(|c| c.card_number = "s31010423".into());
    ssc_card_number_too_long: "card_number" => ssc(|c| c.card_number = "1".repeat(21));
    ssc_card_number_empty: "card_number" => ssc(|c| c.card_number.clear());
    ssc_card_number_punctuation: "card_number" => ssc(|c| c.card_number = "S-1".into());
    ssc_holder_name_empty: "holder_name" => ssc(|c| c.holder_name.clear());
    ssc_holder_name_too_long: "holder_name" => ssc(|c| c.holder_name = "x".repeat(65));
    ssc_citizen_id_check_digit: "citizen_id" => ssc(|c| c.citizen_id = citizen_id_bad_check(CITIZEN_BODY));
    ssc_citizen_id_lower_x: "citizen_id" => ssc(|c| c.citizen_id = citizen_id(CITIZEN_BODY).to_lowercase());
    ssc_citizen_id_17_chars: "citizen_id" => ssc(|c| c.citizen_id = CITIZEN_BODY.into());
    ssc_citizen_id_bad_birth_date: "citizen_id" => ssc(|c| c.citizen_id = citizen_id("11010520230230002"));
    ssc_citizen_id_bad_province: "citizen_id" => ssc(|c| c.citizen_id = citizen_id("99010519491231002"));
    ssc_citizen_id_full_width_digits: "citizen_id" => ssc(|c| c.citizen_id = "１１０１０５１９４９１２３１００２Ｘ".into());
    ssc_region: "region" => ssc(|c| c.region = 100_000);
    ssc_expires_equal_to_issued: "expires" => ssc(|c| c.expires = c.issued);

    // ---- business licence ---------------------------------------------------------------------
    business_uscc_check_digit: "uscc" => business(|c| c.uscc = uscc_bad_check(USCC_BODY));
    business_uscc_lower_case: "uscc" => business(|c| c.uscc = c.uscc.to_lowercase());
    business_uscc_letter_i: "uscc" => business(|c| c.uscc = "9131011066600721I".to_owned() + "T");
    business_uscc_region_not_digits: "uscc" => business(|c| c.uscc = uscc("913A0110666007217"));
    business_uscc_17_chars: "uscc" => business(|c| c.uscc = USCC_BODY.into());
    business_name_empty: "name" => business(|c| c.name.clear());
    business_name_too_long: "name" => business(|c| c.name = "名".repeat(43));
    business_legal_representative_too_long: "legal_representative" => business(|c| c.legal_representative = "x".repeat(65));
    business_entity_type_empty: "entity_type" => business(|c| c.entity_type.clear());
    business_address_too_long: "address" => business(|c| c.address = "x".repeat(193));
    business_authority_empty: "authority" => business(|c| c.authority.clear());

    // ---- food business licence ----------------------------------------------------------------
    food_licence_number_prefix: "licence_number" => food(|c| c.licence_number = "SC13101150012345".into());
    food_licence_number_short: "licence_number" => food(|c| c.licence_number = "JY1310115001234".into());
    food_licence_number_letter: "licence_number" => food(|c| c.licence_number = "JY1310115001234A".into());
    food_operator_empty: "operator" => food(|c| c.operator.clear());
    food_operator_uscc: "operator_uscc" => food(|c| c.operator_uscc = uscc_bad_check("91310115591693856"));
    food_address_empty: "address" => food(|c| c.address.clear());
    food_no_categories: "categories" => food(|c| c.categories.clear());
    food_17_categories: "categories" => food(|c| c.categories = vec!["热食".into(); 17]);
    food_category_too_long: "categories" => food(|c| c.categories.push("x".repeat(65)));
    food_category_empty: "categories" => food(|c| c.categories.push(String::new()));
    food_valid_until_before_valid_from: "valid_until" => food(|c| c.valid_until = date(2023, 5, 31));

    // ---- electronic licence -------------------------------------------------------------------
    electronic_identifier_check: "identifier" => electronic(|c| {
        let id = licence_id("2430599");
        let (body, check) = id.split_at(id.len() - 1);
        c.identifier = format!("{body}{}", if check == "0" { "1" } else { "0" });
    });
    electronic_identifier_lower_case: "identifier" => electronic(|c| c.identifier = c.identifier.to_lowercase());
    electronic_identifier_wrong_root: "identifier" => electronic(|c| c.identifier = c.identifier.replacen("3005.2", "3005.3", 1));
    electronic_holder_name_empty: "holder_name" => electronic(|c| c.holder_name.clear());
    electronic_holder_code_punctuation: "holder_code" => electronic(|c| c.holder_code = "A-1".into());
    electronic_holder_code_too_long: "holder_code" => electronic(|c| c.holder_code = "a".repeat(33));
    electronic_holder_code_empty: "holder_code" => electronic(|c| c.holder_code.clear());
    electronic_authority_code_non_ascii: "authority_code" => electronic(|c| c.authority_code = "市监局".into());
    electronic_valid_until_before_valid_from: "valid_until" => electronic(|c| c.valid_until = Some(date(2023, 12, 31)));
    electronic_17_extra: "extra" => electronic(|c| c.extra = (0..17).map(|i| (format!("k{i}"), "v".into())).collect());
    electronic_extra_key_too_long: "extra" => electronic(|c| { c.extra.insert("k".repeat(33), "v".into()); });
    electronic_extra_value_too_long: "extra" => electronic(|c| { c.extra.insert("k".into(), "v".repeat(257)); });
    electronic_extra_empty_key: "extra" => electronic(|c| { c.extra.insert(String::new(), "v".into()); });
    electronic_extra_empty_value: "extra" => electronic(|c| { c.extra.insert("k".into(), String::new()); });
}

#[test]
fn constructors_and_parsers_name_the_field() {
    let err = HealthCode::new(HealthStatus::Red, "金晓明", vec![1; 10], 310_104, None).unwrap_err();
    assert!(
        matches!(
            err,
            IssueError::InvalidField {
                field: "holder_name",
                ..
            }
        ),
        "{err:?}"
    );
    let err = HealthCode::new(
        HealthStatus::Red,
        "金*",
        citizen_id(CITIZEN_BODY).into_bytes(),
        310_104,
        None,
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            IssueError::InvalidField {
                field: "holder_id",
                ..
            }
        ),
        "{err:?}"
    );
    let err = "blue".parse::<HealthStatus>().unwrap_err();
    assert!(
        matches!(
            err,
            IssueError::InvalidField {
                field: "status",
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!("red".parse::<HealthStatus>().unwrap(), HealthStatus::Red);
    assert_eq!(Kind::from_name("health"), None);
}

/// A credential whose encoding exceeds the transport limits is refused as too large (random CJK text
/// does not compress enough to fit 16 maximal extra fields).
#[test]
fn oversized_credential_is_too_large() {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut random_text = |bytes: usize| -> String {
        (0..bytes / 3)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                char::from_u32(0x4e00 + (state % 20_000) as u32).unwrap()
            })
            .collect()
    };
    let claims = electronic(|c| {
        c.extra = (0..16)
            .map(|i| (format!("{i:02}{}", random_text(30)), random_text(256)))
            .collect();
    });
    claims.validate().unwrap();
    let err = issue(&claims, &key()).unwrap_err();
    assert_eq!(err.code(), "issue.too-large");
    let IssueError::TooLarge { len, max } = err else {
        panic!("{err:?}")
    };
    assert!(len > max);
}

/// Claims JSON with a wrong shape is refused by serde (unknown kind, unknown field, bad hex, bad date).
#[test]
fn malformed_claims_json_is_refused() {
    let good = serde_json::to_value(health_claims()).unwrap();
    assert!(serde_json::from_value::<Claims>(good.clone()).is_ok());
    let cases: [(&str, serde_json::Value); 5] = [
        ("/credential/kind", "health".into()),
        ("/credential/fields/holder_id", "5a5".into()),
        ("/credential/fields/holder_id", "zz".into()),
        ("/credential/fields/status", "blue".into()),
        ("/issued_at", (-1).into()),
    ];
    for (pointer, value) in cases {
        let mut bad = good.clone();
        *bad.pointer_mut(pointer).unwrap() = value;
        assert!(serde_json::from_value::<Claims>(bad).is_err(), "{pointer}");
    }
    let ssc = serde_json::to_value(claims_with(Credential::SocialSecurityCard(
        social_security_card(),
    )))
    .unwrap();
    for date in ["2023-02-29", "2021-3-15", "1969-12-31", ""] {
        let mut bad = ssc.clone();
        bad["credential"]["fields"]["issued"] = date.into();
        assert!(serde_json::from_value::<Claims>(bad).is_err(), "{date}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Any citizen ID with a wrong check character is refused as `citizen_id`, and as a health-code
    /// holder id any VALID citizen ID (raw bytes) is refused as `holder_id`.
    #[test]
    fn citizen_ids(id in citizen_id_strategy(), bad in 0usize..10) {
        let (body, check) = id.split_at(17);
        let wrong = "0123456789X".chars().filter(|c| c.to_string() != check).nth(bad).unwrap();
        let claims = ssc(|c| c.citizen_id = format!("{body}{wrong}"));
        prop_assert_eq!(claims.validate().unwrap_err(), issue(&claims, &key()).unwrap_err());
        let IssueError::InvalidField { field, .. } = claims.validate().unwrap_err() else { unreachable!() };
        prop_assert_eq!(field, "citizen_id");

        let claims = health(|c| c.holder_id = id.clone().into_bytes());
        let IssueError::InvalidField { field, .. } = issue(&claims, &key()).unwrap_err() else { unreachable!() };
        prop_assert_eq!(field, "holder_id");
    }

    /// Any USCC with a wrong check character is refused as `uscc` (business licence) and as
    /// `operator_uscc` (food licence).
    #[test]
    fn usccs(code in uscc_strategy(), bad in 0usize..30) {
        let (body, check) = code.split_at(17);
        let wrong = USCC_ALPHABET.chars().filter(|c| c.to_string() != check).nth(bad).unwrap();
        let wrong = format!("{body}{wrong}");
        let claims = business(|c| c.uscc = wrong.clone());
        let IssueError::InvalidField { field, .. } = issue(&claims, &key()).unwrap_err() else { unreachable!() };
        prop_assert_eq!(field, "uscc");
        let claims = food(|c| c.operator_uscc = wrong.clone());
        let IssueError::InvalidField { field, .. } = issue(&claims, &key()).unwrap_err() else { unreachable!() };
        prop_assert_eq!(field, "operator_uscc");
    }

    /// Regions: exactly the 6-digit codes with a province prefix are accepted.
    #[test]
    fn regions(region in any::<u32>()) {
        let claims = health(|c| c.region = region);
        let valid = (100_000..=999_999).contains(&region) && PROVINCES.contains(&(region / 10_000));
        match claims.validate() {
            Ok(()) => prop_assert!(valid, "{} accepted", region),
            Err(IssueError::InvalidField { field, .. }) => {
                prop_assert!(!valid, "{} refused", region);
                prop_assert_eq!(field, "region");
            }
            Err(e) => prop_assert!(false, "{:?}", e),
        }
    }

    /// Any generated valid claims become invalid, naming `expires_at`, when exp is moved to or
    /// before iat.
    #[test]
    fn expiry_not_after_issue((claims, _now) in claims_strategy(any_credential()), back in 0u64..1000) {
        let mut claims = claims;
        claims.not_before = None;
        claims.expires_at = claims.issued_at.saturating_sub(back);
        let IssueError::InvalidField { field, .. } = claims.validate().unwrap_err() else { unreachable!() };
        prop_assert_eq!(field, "expires_at");
    }
}
