//! Shared fixtures and proptest strategies for the yima-core integration tests.
//!
//! Every strategy here produces values that satisfy the format's rules, so `issue` must accept every
//! `Claims` built from them.
#![allow(dead_code)]

use std::collections::BTreeMap;

use proptest::prelude::*;
use yima_core::cbor::{self, Value};
use yima_core::claims::*;
use yima_core::cose;
use yima_core::date::Date;
use yima_core::ident::{self, LicenceId, Uscc};
use yima_core::keys::SigningKey;
use yima_core::transport;

/// GB/T 2260 province-level codes (the first two digits of a region code).
pub const PROVINCES: [u32; 34] = [
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
    53, 54, 61, 62, 63, 64, 65, 71, 81, 82,
];

/// The USCC alphabet (GB 32100-2015): no I, O, S, V, Z.
pub const USCC_ALPHABET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/// The QR alphanumeric-mode character set.
pub const QR_ALPHANUMERIC: &str = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

/// Largest day number accepted by `Date::from_days` (9999-12-31).
pub const MAX_DAYS: u32 = 2_932_896;

/// 2026-01-01T00:00:00Z.
pub const T0: u64 = 1_767_225_600;

/// A fixed issuer key.
pub fn key() -> SigningKey {
    SigningKey::from_seed(&[1u8; 32])
}

/// Another fixed key (different kid).
pub fn other_key() -> SigningKey {
    SigningKey::from_seed(&[2u8; 32])
}

/// Two seeds whose public keys share the 4-byte kid `b7985f8d` (found by a birthday search over
/// seeds `i.to_le_bytes() ++ zeros ++ [0x4b]`).
pub fn colliding_keys() -> (SigningKey, SigningKey) {
    let seed = |i: u64| {
        let mut s = [0u8; 32];
        s[..8].copy_from_slice(&i.to_le_bytes());
        s[31] = 0x4b;
        SigningKey::from_seed(&s)
    };
    (seed(39_540), seed(74_367))
}

// ------------------------------------------------------------------------------------------------
// Identifier builders

/// A citizen ID with a correct check character.
pub fn citizen_id(body17: &str) -> String {
    let c = ident::check_citizen_id_char(body17).expect("17 digits");
    format!("{body17}{c}")
}

/// A USCC with a correct check character.
pub fn uscc(body17: &str) -> String {
    let c = ident::check_uscc_char(body17).expect("17 USCC chars");
    format!("{body17}{c}")
}

/// A citizen ID with a WRONG check character (every other one is tried until one differs).
pub fn citizen_id_bad_check(body17: &str) -> String {
    let good = ident::check_citizen_id_char(body17).expect("17 digits");
    let bad = "0123456789X"
        .chars()
        .find(|&c| c != good)
        .expect("alphabet has 11 chars");
    format!("{body17}{bad}")
}

/// A USCC with a WRONG check character.
pub fn uscc_bad_check(body17: &str) -> String {
    let good = ident::check_uscc_char(body17).expect("17 USCC chars");
    let bad = USCC_ALPHABET
        .chars()
        .find(|&c| c != good)
        .expect("alphabet");
    format!("{body17}{bad}")
}

pub const CITIZEN_BODY: &str = "11010519491231002";
pub const USCC_BODY: &str = "91310110666007217";
pub const LICENCE_TYPE: &str = "11100000000013338W032";

/// A valid electronic licence identifier.
pub fn licence_id(serial: &str) -> String {
    let issuer = Uscc::parse(&uscc(USCC_BODY)).expect("valid USCC");
    LicenceId::new(LICENCE_TYPE, &issuer, serial, "001")
        .expect("valid fields")
        .as_str()
        .to_owned()
}

pub fn date(y: u32, m: u32, d: u32) -> Date {
    Date::from_ymd(y, m, d).expect("real date")
}

// ------------------------------------------------------------------------------------------------
// Fixed valid claims of each kind

pub fn health_code() -> HealthCode {
    HealthCode {
        status: HealthStatus::Green,
        holder_name: "金*".into(),
        holder_id: vec![0x5a; 10],
        region: 310_104,
        reason: None,
    }
}

pub fn social_security_card() -> SocialSecurityCard {
    SocialSecurityCard {
        card_number: "S31010423".into(),
        holder_name: "金晓明".into(),
        citizen_id: citizen_id(CITIZEN_BODY),
        region: 310_104,
        issued: date(2021, 3, 15),
        expires: date(2031, 3, 15),
    }
}

pub fn business_licence() -> BusinessLicence {
    BusinessLicence {
        uscc: uscc(USCC_BODY),
        name: "上海一码示例科技有限公司".into(),
        legal_representative: "李华".into(),
        entity_type: "有限责任公司".into(),
        address: "上海市杨浦区国定路335号".into(),
        established: date(2007, 8, 20),
        authority: "上海市杨浦区市场监督管理局".into(),
    }
}

pub fn food_business_licence() -> FoodBusinessLicence {
    FoodBusinessLicence {
        licence_number: "JY13101150012345".into(),
        operator: "上海一码示例餐饮管理有限公司".into(),
        operator_uscc: uscc("91310115591693856"),
        address: "上海市浦东新区张江路100号".into(),
        categories: vec!["热食类食品制售".into(), "冷食类食品制售".into()],
        valid_from: date(2023, 6, 1),
        valid_until: date(2028, 5, 31),
    }
}

pub fn electronic_licence() -> ElectronicLicence {
    let mut extra = BTreeMap::new();
    extra.insert("经营范围".to_owned(), "技术开发、技术咨询".to_owned());
    ElectronicLicence {
        identifier: licence_id("2430599"),
        holder_name: "上海一码示例科技有限公司".into(),
        holder_code: uscc(USCC_BODY),
        authority_code: "11310110MB2F12345X".into(),
        valid_from: date(2024, 1, 1),
        valid_until: Some(date(2029, 12, 31)),
        extra,
    }
}

/// Claims around a credential: iat = T0, exp = T0 + 1 day.
pub fn claims_with(credential: Credential) -> Claims {
    Claims {
        issuer: "SH".into(),
        issued_at: T0,
        expires_at: T0 + 86_400,
        not_before: None,
        credential_id: None,
        confirmation: None,
        status: None,
        credential,
    }
}

pub fn health_claims() -> Claims {
    claims_with(Credential::HealthCode(health_code()))
}

/// One valid claims set of each kind.
pub fn sample_claims() -> Vec<Claims> {
    vec![
        health_claims(),
        claims_with(Credential::SocialSecurityCard(social_security_card())),
        claims_with(Credential::BusinessLicence(business_licence())),
        claims_with(Credential::FoodBusinessLicence(food_business_licence())),
        claims_with(Credential::ElectronicLicence(electronic_licence())),
    ]
}

// ------------------------------------------------------------------------------------------------
// Hand-built COSE

/// Encodes a map with its pairs in the given order (no sorting, duplicates kept): for hostile input.
pub fn raw_map(pairs: &[(Value<'_>, Value<'_>)]) -> Vec<u8> {
    let mut out = Vec::new();
    cbor::write_head(&mut out, 5, pairs.len() as u64);
    for (k, v) in pairs {
        k.encode_into(&mut out);
        v.encode_into(&mut out);
    }
    out
}

/// The protected header `{1: alg, 4: kid}` of `key`.
pub fn protected_of(key: &SigningKey) -> Vec<u8> {
    cose::protected_header(key.algorithm().cose_id(), &key.kid())
}

/// A tagged COSE_Sign1 with a VALID signature by `key` over `protected` and `payload`.
pub fn sign1(protected: &[u8], payload: &[u8], key: &SigningKey) -> Vec<u8> {
    let sig = key.sign(&cose::sig_structure(protected, payload));
    cose::assemble(protected, payload, &sig)
}

/// `sign1` with the normal protected header of `key`.
pub fn sign_payload(payload: &[u8], key: &SigningKey) -> Vec<u8> {
    sign1(&protected_of(key), payload, key)
}

/// `YM1:` + Base45 of COSE bytes (never compressed).
pub fn plain_text(cose: &[u8]) -> String {
    format!("{}{}", transport::PREFIX, yima_core::base45::encode(cose))
}

/// Decodes a canonical claims payload, lets `f` edit its top-level pairs, and re-encodes it
/// canonically (so the only defect is the one `f` introduces). Call as
/// `edit_claims(&claims.to_cbor(), |pairs| ...)`.
pub fn edit_claims<'a>(
    payload: &'a [u8],
    f: impl FnOnce(&mut Vec<(Value<'a>, Value<'a>)>),
) -> Vec<u8> {
    let Value::Map(mut pairs) = cbor::decode(payload).expect("canonical") else {
        panic!("claims are a map");
    };
    f(&mut pairs);
    Value::Map(pairs).encode()
}

/// Like [`edit_claims`], but edits the pairs of the credential claim (-270).
pub fn edit_credential<'a>(
    payload: &'a [u8],
    f: impl FnOnce(&mut Vec<(Value<'a>, Value<'a>)>),
) -> Vec<u8> {
    edit_claims(payload, |pairs| {
        let cred = pairs
            .iter_mut()
            .find(|(k, _)| k.as_i64() == Some(CLAIM_CREDENTIAL))
            .expect("credential claim");
        let Value::Map(inner) = &mut cred.1 else {
            panic!("credential is a map");
        };
        f(inner);
    })
}

/// Sets (or inserts) `key` in a list of pairs.
pub fn set<'a>(pairs: &mut Vec<(Value<'a>, Value<'a>)>, key: i64, value: Value<'a>) {
    match pairs.iter_mut().find(|(k, _)| k.as_i64() == Some(key)) {
        Some(p) => p.1 = value,
        None => pairs.push((Value::int(key), value)),
    }
}

/// Removes `key` from a list of pairs.
pub fn remove(pairs: &mut Vec<(Value<'_>, Value<'_>)>, key: i64) {
    pairs.retain(|(k, _)| k.as_i64() != Some(key));
}

// ------------------------------------------------------------------------------------------------
// Strategies

/// A character for free text: mostly CJK, some ASCII, some arbitrary non-control Unicode.
pub fn text_char() -> impl Strategy<Value = char> {
    prop_oneof![
        5 => proptest::char::range('\u{4e00}', '\u{9fa5}'),
        3 => proptest::char::range(' ', '~'),
        1 => any::<char>().prop_filter("no control or bidi formatting chars", |c| {
            !c.is_control()
                && !matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        }),
    ]
}

/// Non-empty text without control characters, at most `max_bytes` bytes of UTF-8.
pub fn text(max_bytes: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(text_char(), 1..=max_bytes).prop_map(move |chars| {
        let mut s = String::new();
        for c in chars {
            if s.len() + c.len_utf8() > max_bytes {
                break;
            }
            s.push(c);
        }
        s
    })
}

/// A masked name: 1 to 16 characters, at least one `*` and at least one other character.
pub fn masked_name() -> impl Strategy<Value = String> {
    let other = prop_oneof![
        4 => proptest::char::range('\u{4e00}', '\u{9fa5}'),
        2 => proptest::char::range('A', 'Z'),
        1 => Just('·'),
    ];
    (proptest::collection::vec(other, 1..=15), 1usize..=15)
        .prop_flat_map(|(others, stars)| {
            let stars = stars.min(16 - others.len());
            let mut all = others;
            all.extend(std::iter::repeat_n('*', stars));
            Just(all).prop_shuffle()
        })
        .prop_map(|chars| chars.into_iter().collect())
}

/// A region code with a valid province prefix.
pub fn region() -> impl Strategy<Value = u32> {
    (proptest::sample::select(PROVINCES.to_vec()), 0u32..10_000).prop_map(|(p, r)| p * 10_000 + r)
}

/// A valid citizen ID (province or Taiwan-permit prefix, real birth date, right check char).
pub fn citizen_id_strategy() -> impl Strategy<Value = String> {
    let mut prefixes = PROVINCES.to_vec();
    prefixes.push(83);
    (
        proptest::sample::select(prefixes),
        0u32..10_000,
        1800u32..=2199,
        1u32..=12,
        1u32..=31,
        0u32..1000,
    )
        .prop_map(|(p, rest, y, m, d, seq)| {
            let d = d.min(yima_core::date::days_in_month(y, m));
            citizen_id(&format!("{p:02}{rest:04}{y:04}{m:02}{d:02}{seq:03}"))
        })
}

/// A valid USCC: body from the USCC alphabet, characters 3..8 digits, computed check char.
pub fn uscc_strategy() -> impl Strategy<Value = String> {
    "[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{9}".prop_map(|b| uscc(&b))
}

/// A valid GB/T 36904 identifier built with `LicenceId::new`.
pub fn licence_id_strategy() -> impl Strategy<Value = String> {
    (
        uscc_strategy(),
        "[0-9]{3}",
        uscc_strategy(),
        "[0-9A-Z]{1,32}",
        "[0-9]{3}",
    )
        .prop_map(|(definer, seq, issuer, serial, version)| {
            let issuer = Uscc::parse(&issuer).expect("valid USCC");
            LicenceId::new(&format!("{definer}{seq}"), &issuer, &serial, &version)
                .expect("valid fields")
                .as_str()
                .to_owned()
        })
}

pub fn date_strategy() -> impl Strategy<Value = Date> {
    prop_oneof![
        // Realistic dates (1990..2100) most of the time, the whole range sometimes.
        3 => 7_305u32..47_482,
        1 => 0u32..=MAX_DAYS,
    ]
    .prop_map(|d| Date::from_days(d).expect("in range"))
}

/// Two dates with `a < b` (strict) or `a <= b`.
pub fn date_pair(strict: bool) -> impl Strategy<Value = (Date, Date)> {
    let lo = u32::from(strict);
    (0u32..MAX_DAYS, lo..=20_000).prop_map(move |(a, gap)| {
        let b = a.saturating_add(gap).min(MAX_DAYS);
        let a = if strict && b == a { a - 1 } else { a };
        (
            Date::from_days(a).expect("range"),
            Date::from_days(b).expect("range"),
        )
    })
}

pub fn holder_id() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any::<u8>(), 8..=32)
        .prop_filter("not a raw citizen ID", |b| !ident::looks_like_citizen_id(b))
}

pub fn health_code_strategy() -> impl Strategy<Value = Credential> {
    (
        prop_oneof![
            Just(HealthStatus::Green),
            Just(HealthStatus::Yellow),
            Just(HealthStatus::Red)
        ],
        masked_name(),
        holder_id(),
        region(),
        proptest::option::of(text(64)),
    )
        .prop_map(|(status, holder_name, holder_id, region, reason)| {
            Credential::HealthCode(HealthCode {
                status,
                holder_name,
                holder_id,
                region,
                reason,
            })
        })
}

pub fn social_security_card_strategy() -> impl Strategy<Value = Credential> {
    (
        "[0-9A-Z]{1,20}",
        text(64),
        citizen_id_strategy(),
        region(),
        date_pair(true),
    )
        .prop_map(
            |(card_number, holder_name, citizen_id, region, (issued, expires))| {
                Credential::SocialSecurityCard(SocialSecurityCard {
                    card_number,
                    holder_name,
                    citizen_id,
                    region,
                    issued,
                    expires,
                })
            },
        )
}

pub fn business_licence_strategy() -> impl Strategy<Value = Credential> {
    (
        uscc_strategy(),
        text(128),
        text(64),
        text(64),
        text(192),
        date_strategy(),
        text(128),
    )
        .prop_map(
            |(uscc, name, legal_representative, entity_type, address, established, authority)| {
                Credential::BusinessLicence(BusinessLicence {
                    uscc,
                    name,
                    legal_representative,
                    entity_type,
                    address,
                    established,
                    authority,
                })
            },
        )
}

pub fn food_business_licence_strategy() -> impl Strategy<Value = Credential> {
    (
        "JY[0-9]{14}",
        text(128),
        uscc_strategy(),
        text(192),
        proptest::collection::vec(text(64), 1..=16),
        date_pair(false),
    )
        .prop_map(
            |(licence_number, operator, operator_uscc, address, categories, (from, until))| {
                Credential::FoodBusinessLicence(FoodBusinessLicence {
                    licence_number,
                    operator,
                    operator_uscc,
                    address,
                    categories,
                    valid_from: from,
                    valid_until: until,
                })
            },
        )
}

/// Extra fields: either a few with long values, or up to the maximum count with short values, so
/// that the credential always fits the transport limits.
pub fn extra_strategy() -> impl Strategy<Value = BTreeMap<String, String>> {
    prop_oneof![
        proptest::collection::btree_map(text(32), text(256), 0..=5),
        proptest::collection::btree_map(text(32), text(48), 0..=16),
    ]
}

pub fn electronic_licence_strategy() -> impl Strategy<Value = Credential> {
    (
        licence_id_strategy(),
        text(128),
        "[0-9A-Za-z]{1,32}",
        "[0-9A-Za-z]{1,32}",
        date_pair(false),
        any::<bool>(),
        extra_strategy(),
    )
        .prop_map(
            |(
                identifier,
                holder_name,
                holder_code,
                authority_code,
                (from, until),
                expires,
                extra,
            )| {
                Credential::ElectronicLicence(ElectronicLicence {
                    identifier,
                    holder_name,
                    holder_code,
                    authority_code,
                    valid_from: from,
                    valid_until: expires.then_some(until),
                    extra,
                })
            },
        )
}

pub fn any_credential() -> impl Strategy<Value = Credential> {
    prop_oneof![
        health_code_strategy(),
        social_security_card_strategy(),
        business_licence_strategy(),
        food_business_licence_strategy(),
        electronic_licence_strategy(),
    ]
}

/// Valid claims around `credential`, plus a time `now` inside the validity window.
pub fn claims_strategy(
    credential: impl Strategy<Value = Credential>,
) -> impl Strategy<Value = (Claims, u64)> {
    (
        text(32),
        prop_oneof![3 => T0 - 1_000_000_000..T0 + 1_000_000_000, 1 => 0u64..u64::MAX / 2],
        prop_oneof![3 => 1u64..=400 * 86_400, 1 => 1u64..u64::MAX / 4],
        any::<bool>(),
        any::<u64>(),
        proptest::option::of(proptest::collection::vec(any::<u8>(), 1..=16)),
        any::<u64>(),
        proptest::option::of((any::<u64>(), any::<u64>())),
        credential,
    )
        .prop_map(
            |(issuer, iat, span, with_nbf, nbf_pick, cti, now_pick, status, credential)| {
                let exp = iat + span;
                // nbf strictly between iat and exp (nbf == iat is not representable: it is omitted).
                let not_before = (with_nbf && span >= 2).then(|| iat + 1 + nbf_pick % (span - 1));
                let from = not_before.unwrap_or(iat);
                let now = from + now_pick % (exp - from);
                let claims = Claims {
                    issuer,
                    issued_at: iat,
                    expires_at: exp,
                    not_before,
                    credential_id: cti,
                    confirmation: None,
                    status: status.map(|(list_id, index)| StatusRef { list_id, index }),
                    credential,
                };
                (claims, now)
            },
        )
}
