//! Targeted checks of the EU DCC profile on corpus certificates: the signature covers the received
//! bytes, keys are bound to algorithms, the time windows, trust-list loading, and no panic on mutated or
//! truncated input.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::path::Path;

use serde_json::Value as Json;
use yima_eudcc::{Options, TrustList, Unverified, transport, verify, verify_with};

fn case(rel: &str) -> Json {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/dgc-testdata")
        .join(rel);
    serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
}

fn cert_der(c: &Json) -> Vec<u8> {
    data_encoding::BASE64
        .decode(c["TESTCTX"]["CERTIFICATE"].as_str().unwrap().as_bytes())
        .unwrap()
}

fn trust_of(c: &Json) -> TrustList {
    let mut t = TrustList::new();
    t.add_der(&cert_der(c)).unwrap();
    t
}

/// zlib with one stored (uncompressed) block, to re-wrap edited COSE bytes.
fn zlib_stored(data: &[u8]) -> Vec<u8> {
    assert!(data.len() < 65_536);
    let mut out = vec![0x78, 0x01, 0x01];
    let n = data.len() as u16;
    out.extend_from_slice(&n.to_le_bytes());
    out.extend_from_slice(&(!n).to_le_bytes());
    out.extend_from_slice(data);
    let (mut a, mut b) = (1u32, 0u32);
    for &x in data {
        a = (a + u32::from(x)) % 65_521;
        b = (b + a) % 65_521;
    }
    out.extend_from_slice(&((b << 16) | a).to_be_bytes());
    out
}

fn text_of(cose: &[u8]) -> String {
    format!("HC1:{}", yima_core::base45::encode(&zlib_stored(cose)))
}

/// CO3: ES256, iat 2021-05-03T18:00:00Z, exp 2021-05-05T18:00:00Z, DSC valid 2021-05-03T18:00:00Z to
/// 2021-06-02T18:00:00Z, vaccination.
const CO3: &str = "common/2DCode/raw/CO3.json";
const CO3_IAT: u64 = 1_620_064_800;
const CO3_EXP: u64 = 1_620_237_600;

#[test]
fn verifies_and_exposes_the_claims() {
    let c = case(CO3);
    let text = c["PREFIX"].as_str().unwrap();
    let v = verify(text, &trust_of(&c), CO3_IAT + 60).unwrap();
    assert_eq!(v.claims().issuer.as_deref(), Some("AT"));
    assert_eq!(v.claims().issued_at, CO3_IAT as i64);
    assert_eq!(v.claims().expires_at, CO3_EXP as i64);
    assert!(v.claims().types.vaccination && !v.claims().types.test);
    assert_eq!(v.kid(), v.dsc().kid());
    assert_eq!(&v.claims().hcert, &c["JSON"]);
}

#[test]
fn time_windows() {
    let c = case(CO3);
    let (text, trust) = (c["PREFIX"].as_str().unwrap(), trust_of(&c));
    let code = |now: u64, leeway: u64| {
        verify_with(text, &trust, &Options { now, leeway })
            .err()
            .map(|e| e.code())
    };
    assert_eq!(code(CO3_EXP, 0), None, "exp itself is still valid");
    assert_eq!(code(CO3_EXP + 1, 0), Some("dcc.expired"));
    assert_eq!(code(CO3_EXP + 1, 1), None);
    // One second before iat is also before the DSC's notBefore: the DSC stage answers first.
    assert_eq!(code(CO3_IAT - 1, 0), Some("dcc.dsc-not-yet-valid"));
    assert_eq!(code(CO3_IAT - 1, 1), None);
    // After the DSC's notAfter (2021-06-02T18:00:00Z).
    assert_eq!(code(1_622_656_801, 0), Some("dcc.dsc-expired"));
}

#[test]
fn the_signature_covers_the_received_bytes() {
    let c = case(CO3);
    let cose = transport::decode(c["PREFIX"].as_str().unwrap()).unwrap();
    let trust = trust_of(&c);
    assert!(verify(&text_of(&cose), &trust, CO3_IAT).is_ok());
    let u = Unverified::from_cose(&cose).unwrap();
    let payload = u.sign1().payload_bytes().to_vec();
    let at = cose
        .windows(payload.len())
        .position(|w| w == payload)
        .unwrap();
    // Change one byte of the name inside the payload: the structure stays valid, the signature fails.
    let name = payload.windows(4).position(|w| w == b"Gabr").unwrap();
    let mut edited = cose.clone();
    edited[at + name] = b'X';
    let e = verify(&text_of(&edited), &trust, CO3_IAT).unwrap_err();
    assert_eq!(e.code(), "dcc.signature");
    // Same claims, different encoding (exp as a 64-bit integer instead of 32-bit): the signature was
    // made over the received form, so a re-encoded payload must not verify.
    let exp32 = [0x04, 0x1a];
    let p = payload.windows(2).position(|w| w == exp32).unwrap();
    let mut widened = payload[..p + 1].to_vec();
    widened.push(0x1b);
    widened.extend_from_slice(&[0, 0, 0, 0]);
    widened.extend_from_slice(&payload[p + 2..]);
    let mut re = cose[..at - 3].to_vec(); // bstr head of the payload is 59 xx xx
    re.extend_from_slice(&[0x59]);
    re.extend_from_slice(&(widened.len() as u16).to_be_bytes());
    re.extend_from_slice(&widened);
    re.extend_from_slice(&cose[at + payload.len()..]);
    let u2 = Unverified::from_cose(&re).unwrap();
    assert_eq!(
        u2.unverified_claims().unwrap().expires_at,
        CO3_EXP as i64,
        "same claims"
    );
    assert_eq!(
        verify(&text_of(&re), &trust, CO3_IAT).unwrap_err().code(),
        "dcc.signature"
    );
}

#[test]
fn keys_are_bound_to_their_algorithm() {
    // ES256 header, DSC with an RSA key: CO3's certificate with its kid replaced by that of CO1's RSA DSC
    // (the kid is a hash of the DER, so the header is edited, not the trust list).
    let es = case(CO3);
    let rsa = case("common/2DCode/raw/CO1.json");
    let rsa_der = cert_der(&rsa);
    let rsa_kid = yima_eudcc::trust::kid_of(&rsa_der);
    let cose = transport::decode(es["PREFIX"].as_str().unwrap()).unwrap();
    let es_kid = Unverified::from_cose(&cose).unwrap().sign1().kid().to_vec();
    let at = cose.windows(8).position(|w| w == es_kid).unwrap();
    let mut swapped = cose.clone();
    swapped[at..at + 8].copy_from_slice(&rsa_kid);
    let mut trust = TrustList::new();
    trust.add_der(&rsa_der).unwrap();
    let e = verify(&text_of(&swapped), &trust, CO3_IAT).unwrap_err();
    assert_eq!(e.code(), "dcc.alg-mismatch");
    assert!(e.to_string().contains("RSA 2048"), "{e}");

    // ES256 header over a P-384 DSC (corpus ES/401): refused before any signature arithmetic.
    let p384 = case("ES/2DCode/raw/401.json");
    let e = verify(
        p384["PREFIX"].as_str().unwrap(),
        &trust_of(&p384),
        1_639_132_494,
    )
    .unwrap_err();
    assert_eq!(e.code(), "dcc.alg-mismatch");
    assert!(e.to_string().contains("P-384"), "{e}");
}

#[test]
fn key_usage_restricts_the_certificate_type() {
    // CO6: DSC restricted to tests (OID ...1847.2021.1.1), certificate is a vaccination.
    let c = case("common/2DCode/raw/CO6.json");
    let e = verify(c["PREFIX"].as_str().unwrap(), &trust_of(&c), CO3_IAT).unwrap_err();
    assert_eq!(e.code(), "dcc.key-usage");
    assert_eq!(e.stage().as_str(), "key-usage");
    assert!(e.to_string().contains("t certificates only, not v"), "{e}");
    // CO12: the same kind of test-only DSC signing a test: fine.
    let c = case("common/2DCode/raw/CO12.json");
    assert!(verify(c["PREFIX"].as_str().unwrap(), &trust_of(&c), CO3_IAT).is_ok());
}

#[test]
fn a_certificate_holds_exactly_one_type() {
    // DGC1: no v/t/r at all; DGC2: all three. Both are signed correctly.
    for (rel, holds) in [
        ("common/2DCode/raw/DGC1.json", "none"),
        ("common/2DCode/raw/DGC2.json", "v,t,r"),
    ] {
        let c = case(rel);
        let e = verify(c["PREFIX"].as_str().unwrap(), &trust_of(&c), CO3_IAT).unwrap_err();
        assert_eq!(e.code(), "dcc.claims", "{rel}");
        assert!(e.to_string().contains(holds), "{rel}: {e}");
        let u = Unverified::parse(c["PREFIX"].as_str().unwrap()).unwrap();
        assert!(u.verify_signature(&trust_of(&c)).is_ok(), "{rel}");
    }
}

#[test]
fn trust_list_formats() {
    let c = case(CO3);
    let der = cert_der(&c);
    let b64 = c["TESTCTX"]["CERTIFICATE"].as_str().unwrap();
    let other = cert_der(&case("common/2DCode/raw/CO1.json"));
    let other_b64 = data_encoding::BASE64.encode(&other);

    let mut t = TrustList::new();
    assert_eq!(t.add_file_bytes(&der).unwrap(), 1);
    t.add_der(&der).unwrap(); // the same certificate twice counts once
    assert_eq!(t.len(), 1);

    let pem = format!(
        "junk before\n-----BEGIN CERTIFICATE-----\n{b64}\n-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\n{other_b64}\n-----END CERTIFICATE-----\n"
    );
    let mut t = TrustList::new();
    assert_eq!(t.add_file_bytes(pem.as_bytes()).unwrap(), 2);

    for json in [
        serde_json::json!({"CERTIFICATE": b64}),
        serde_json::json!({"TESTCTX": {"CERTIFICATE": b64}}),
        serde_json::json!([{"kid": "x", "rawData": b64}, other_b64]),
    ] {
        let mut t = TrustList::new();
        assert!(
            t.add_file_bytes(json.to_string().as_bytes()).unwrap() >= 1,
            "{json}"
        );
        assert!(!t.candidates(&yima_eudcc::trust::kid_of(&der)).is_empty() || t.len() == 2);
    }
    let whole_case = serde_json::to_vec(&c).unwrap();
    assert_eq!(TrustList::new().add_file_bytes(&whole_case).unwrap(), 1);
    let cases = serde_json::to_vec(&[&c, &case("common/2DCode/raw/CO1.json")]).unwrap();
    assert_eq!(TrustList::new().add_file_bytes(&cases).unwrap(), 2);
    let too_deep = serde_json::json!([[[{"CERTIFICATE": b64}]]]).to_string();
    assert_eq!(
        TrustList::new()
            .add_file_bytes(too_deep.as_bytes())
            .unwrap_err()
            .code(),
        "trust.json"
    );

    let mut trailing = der.clone();
    trailing.push(0);
    for (bad, code) in [
        (trailing, "trust.certificate"),
        (b"not a certificate".to_vec(), "trust.certificate"),
        (b"{\"nothing\": 1}".to_vec(), "trust.json"),
        (b"[\"!!\"]".to_vec(), "trust.json"),
        (
            b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n".to_vec(),
            "trust.pem",
        ),
    ] {
        let e = TrustList::new().add_file_bytes(&bad).unwrap_err();
        assert_eq!(e.code(), code, "{e}");
    }
}

#[test]
fn mutated_and_truncated_inputs_never_panic() {
    let c = case(CO3);
    let trust = trust_of(&c);
    let cose = transport::decode(c["PREFIX"].as_str().unwrap()).unwrap();
    // Every truncation of the COSE bytes, and every single-byte change to a few values at each offset.
    for cut in 0..cose.len() {
        assert!(verify(&text_of(&cose[..cut]), &trust, CO3_IAT).is_err());
    }
    let mut accepted = 0;
    for i in 0..cose.len() {
        for x in [0x00, 0x18, 0x1b, 0x5f, 0x7f, 0x9f, 0xbf, 0xff] {
            let mut m = cose.clone();
            if m[i] == x {
                continue;
            }
            m[i] = x;
            if verify(&text_of(&m), &trust, CO3_IAT).is_ok() {
                accepted += 1;
            }
        }
    }
    // A changed byte can only be accepted where it does not change what is signed or checked, e.g. the
    // unprotected header; CO3's unprotected header is empty, so nothing is accepted.
    assert_eq!(accepted, 0);
    // Text-level garbage.
    for t in [
        "", "HC1", "HC1:", "HC1:%%%", "HC1:0", "HC1:00", "HC1:ZZZ", "YM1:ABC",
    ] {
        assert!(verify(t, &trust, CO3_IAT).is_err(), "{t}");
    }
}
