//! Generates the published test vectors in `test-vectors/` from fixed seeds.
//!
//! Usage: `cargo run -p yima-vectors -- [OUT_DIR]` (default `test-vectors`). Ed25519 signing is
//! deterministic and every random value comes from a seeded ChaCha20 stream, so the output is byte-for-byte
//! stable; CI regenerates the vectors and fails if the committed files differ.
#![forbid(unsafe_code)]

mod hostile;
mod venue;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use flate2::Compression;
use flate2::write::ZlibEncoder;
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};
use serde_json::{Value as Json, json};
use yima_core::cbor::Value;
use yima_core::claims::{Claims, Credential, ElectronicLicence};
use yima_core::{Kind, SigningKey, VerifyingKey, base45, cose, issue, samples, transport};

/// Fixed "now" of the vectors: 2026-01-01T00:00:00Z.
const NOW: u64 = 1_767_225_600;
/// Seed of the vector RNG.
const SEED: [u8; 32] = *b"yima test vectors v1 seed 000001";

struct Gen {
    rng: ChaCha20Rng,
    issuer: SigningKey,
    other: SigningKey,
    out: PathBuf,
    names: Vec<String>,
}

/// One vector before it is written.
struct Case<'a> {
    name: &'a str,
    description: &'a str,
    input: String,
    cose: Option<Vec<u8>>,
    claims: Option<&'a Claims>,
    keys: Vec<&'a VerifyingKey>,
    now: u64,
    leeway: u64,
    expected: &'a str,
    png: Option<String>,
}

fn rfc3339(secs: u64) -> String {
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let date = yima_core::date::Date::from_days(u32::try_from(days).unwrap_or(0))
        .unwrap_or(yima_core::date::Date::EPOCH);
    format!(
        "{date}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

impl Gen {
    fn cti(&mut self) -> [u8; 8] {
        let mut s = [0u8; 8];
        self.rng.fill_bytes(&mut s);
        s
    }

    fn write(&mut self, c: Case<'_>) -> Result<(), Box<dyn std::error::Error>> {
        let keys: Vec<Json> = c
            .keys
            .iter()
            .map(|k| {
                Ok(json!({
                    "kid": hex::encode(k.kid()),
                    "alg": k.algorithm().cose_id(),
                    "public_key_hex": hex::encode(k.to_bytes()),
                    "public_key_pem": k.to_public_key_pem()?,
                }))
            })
            .collect::<Result<_, yima_core::KeyError>>()?;
        let v = json!({
            "name": c.name,
            "description": c.description,
            "input": c.input,
            "cose_hex": c.cose.as_ref().map(hex::encode),
            "claims": c.claims,
            "keys": keys,
            "now": c.now,
            "now_rfc3339": rfc3339(c.now),
            "leeway": c.leeway,
            "expected": c.expected,
            "png": c.png,
        });
        let path = self.out.join(format!("{}.json", c.name));
        let mut text = serde_json::to_string_pretty(&v)?;
        text.push('\n');
        std::fs::write(path, text)?;
        self.names.push(c.name.to_owned());
        Ok(())
    }

    /// Signs an arbitrary payload under an arbitrary protected header with the issuer key.
    fn sign_raw(&self, protected: &[u8], payload: &[u8]) -> Vec<u8> {
        let sig = self.issuer.sign(&cose::sig_structure(protected, payload));
        cose::assemble(protected, payload, &sig)
    }

    fn protected(&self) -> Vec<u8> {
        cose::protected_header(-8, &self.issuer.kid())
    }
}

fn zlib(data: &[u8]) -> Result<Vec<u8>, std::io::Error> {
    let mut e = ZlibEncoder::new(Vec::new(), Compression::best());
    e.write_all(data)?;
    e.finish()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::args_os()
        .nth(1)
        .map_or_else(|| PathBuf::from("test-vectors"), PathBuf::from);
    let vectors = out.join("vectors");
    let png_dir = out.join("png");
    for d in [&vectors, &png_dir] {
        if d.exists() {
            std::fs::remove_dir_all(d)?;
        }
        std::fs::create_dir_all(d)?;
    }
    let mut rng = ChaCha20Rng::from_seed(SEED);
    let mut s1 = [0u8; 32];
    let mut s2 = [0u8; 32];
    rng.fill_bytes(&mut s1);
    rng.fill_bytes(&mut s2);
    let mut g = Gen {
        rng,
        issuer: SigningKey::from_seed(&s1),
        other: SigningKey::from_seed(&s2),
        out: vectors,
        names: Vec::new(),
    };
    let issuer_pub = g.issuer.verifying_key();
    let other_pub = g.other.verifying_key();

    // ---- valid: one per kind, each with a QR PNG -------------------------------------------------
    let mut valid: BTreeMap<&str, (Claims, String, Vec<u8>)> = BTreeMap::new();
    for kind in Kind::ALL {
        let cti = g.cti();
        let claims = samples::claims(kind, NOW, cti);
        let issued = issue(&claims, &g.issuer)?;
        let png = yima_qr::encode(&issued.text, yima_qr::EcLevel::M)?.to_png(4, 4)?;
        let png_name = format!("valid-{kind}.png");
        std::fs::write(png_dir.join(&png_name), &png)?;
        let name = format!("valid-{kind}");
        g.write(Case {
            name: &name,
            description: &format!("A valid {kind} (sample claims), verified one hour after issue."),
            input: issued.text.clone(),
            cose: Some(issued.cose.clone()),
            claims: Some(&claims),
            keys: vec![&issuer_pub],
            now: NOW + 3600,
            leeway: 0,
            expected: "valid",
            png: Some(format!("png/{png_name}")),
        })?;
        valid.insert(kind.name(), (claims, issued.text, issued.cose));
    }
    let (hc_claims, hc_text, hc_cose) =
        valid.get("health-code").cloned().ok_or("no health code")?;

    // A compressed one: an electronic licence whose extra fields repeat, so zlib wins.
    let mut big = samples::claims(Kind::ElectronicLicence, NOW, g.cti());
    if let Credential::ElectronicLicence(ElectronicLicence { extra, .. }) = &mut big.credential {
        for i in 0..8 {
            extra.insert(
                format!("备注{i}"),
                "本证照仅用于一码通办示例，复印无效。".repeat(3),
            );
        }
    }
    let issued = issue(&big, &g.issuer)?;
    if !issued.text.starts_with(transport::PREFIX_ZLIB) {
        return Err("expected the repetitive licence to be compressed".into());
    }
    g.write(Case {
        name: "valid-compressed-electronic-licence",
        description: "A valid electronic licence with repetitive extra fields: zlib makes the text shorter, so it uses the YM1Z: prefix.",
        input: issued.text,
        cose: Some(issued.cose),
        claims: Some(&big),
        keys: vec![&issuer_pub],
        now: NOW + 3600,
        leeway: 0,
        expected: "valid",
        png: None,
    })?;

    // Two trusted keys: the right one is found by kid.
    g.write(Case {
        name: "valid-two-trusted-keys",
        description: "The health code verified with two trusted issuer keys; the right one is selected by kid.",
        input: hc_text.clone(),
        cose: Some(hc_cose.clone()),
        claims: Some(&hc_claims),
        keys: vec![&other_pub, &issuer_pub],
        now: NOW + 3600,
        leeway: 0,
        expected: "valid",
        png: None,
    })?;

    // ---- transport stage ------------------------------------------------------------------------
    let body = hc_text
        .strip_prefix(transport::PREFIX)
        .ok_or("health code not plain")?
        .to_owned();
    let simple = |g: &mut Gen,
                  name: &str,
                  description: &str,
                  input: String,
                  cose: Option<Vec<u8>>,
                  expected: &str| {
        g.write(Case {
            name,
            description,
            input,
            cose,
            claims: None,
            keys: vec![&issuer_pub],
            now: NOW + 3600,
            leeway: 0,
            expected,
            png: None,
        })
    };
    simple(
        &mut g,
        "bad-prefix-hc1",
        "The EU prefix HC1: instead of YM1:.",
        format!("HC1:{body}"),
        None,
        "prefix.unknown",
    )?;
    simple(
        &mut g,
        "bad-prefix-version",
        "An unknown format version YM9:.",
        format!("YM9:{body}"),
        None,
        "prefix.unknown",
    )?;
    simple(
        &mut g,
        "bad-prefix-missing",
        "Base45 without any prefix.",
        body.clone(),
        None,
        "prefix.unknown",
    )?;
    simple(
        &mut g,
        "bad-base45-lowercase",
        "Lower-case letters are outside the Base45 alphabet.",
        format!("YM1:{}", body.to_lowercase()),
        None,
        "base45.invalid-char",
    )?;
    simple(
        &mut g,
        "bad-base45-dangling",
        "One character too many: length mod 3 == 1.",
        format!("YM1:{body}0"),
        None,
        "base45.invalid-length",
    )?;
    simple(
        &mut g,
        "bad-base45-out-of-range",
        "A triple encoding 65535+ (':::' = 91124).",
        format!("YM1:{}:::", &body),
        None,
        "base45.out-of-range",
    )?;
    simple(
        &mut g,
        "oversized-text",
        "A text longer than the 4296-character cap is refused before decoding.",
        format!("YM1:{}", "0".repeat(transport::MAX_TEXT_LEN)),
        None,
        "text.too-long",
    )?;
    let bomb = zlib(&vec![0u8; 1 << 20])?;
    simple(
        &mut g,
        "decompression-bomb",
        "YM1Z: with 1 MiB of zeros compressed to about 1 KiB: refused after 8 KiB of output.",
        format!("YM1Z:{}", base45::encode(&bomb)),
        None,
        "decompress.too-large",
    )?;
    simple(
        &mut g,
        "bad-zlib",
        "YM1Z: followed by bytes that are not a zlib stream.",
        format!("YM1Z:{}", base45::encode(&hc_cose)),
        None,
        "decompress.invalid",
    )?;

    // ---- COSE structure -------------------------------------------------------------------------
    let mut truncated = hc_cose.clone();
    truncated.truncate(hc_cose.len() - 10);
    simple(
        &mut g,
        "truncated-cose",
        "The COSE bytes cut 10 bytes short.",
        transport::encode(&truncated),
        Some(truncated.clone()),
        "cbor.truncated",
    )?;
    let mut trailing = hc_cose.clone();
    trailing.push(0x00);
    simple(
        &mut g,
        "trailing-bytes",
        "One 0x00 byte after the COSE_Sign1.",
        transport::encode(&trailing),
        Some(trailing.clone()),
        "cbor.trailing-bytes",
    )?;
    let untagged = hc_cose.get(1..).ok_or("short")?.to_vec();
    simple(
        &mut g,
        "untagged-cose",
        "The COSE_Sign1 array without tag 18.",
        transport::encode(&untagged),
        Some(untagged.clone()),
        "cose.untagged",
    )?;
    let mut mac0 = hc_cose.clone();
    if let Some(b) = mac0.first_mut() {
        *b = 0xd1; // tag 17
    }
    simple(
        &mut g,
        "wrong-tag-mac0",
        "Tag 17 (COSE_Mac0) instead of 18.",
        transport::encode(&mac0),
        Some(mac0.clone()),
        "cose.wrong-tag",
    )?;

    // Indefinite-length payload map, validly signed.
    let protected = g.protected();
    let payload = hc_claims.to_cbor();
    let mut indefinite = vec![0xbf];
    indefinite.extend_from_slice(payload.get(1..).ok_or("short")?);
    indefinite.push(0xff);
    let c = g.sign_raw(&protected, &indefinite);
    simple(
        &mut g,
        "indefinite-length-payload",
        "The claims map re-encoded with indefinite length (0xbf ... 0xff) and validly signed.",
        transport::encode(&c),
        Some(c.clone()),
        "cbor.indefinite-length",
    )?;

    // Duplicate claim key, validly signed.
    let dup = Value::Map(vec![
        (Value::int(1), Value::Text("SH")),
        (Value::int(1), Value::Text("XX")),
        (Value::int(4), Value::Uint(hc_claims.expires_at)),
        (Value::int(6), Value::Uint(hc_claims.issued_at)),
    ])
    .encode();
    let c = g.sign_raw(&protected, &dup);
    simple(
        &mut g,
        "duplicate-map-key",
        "The claims map has `iss` (1) twice; validly signed.",
        transport::encode(&c),
        Some(c.clone()),
        "cbor.duplicate-key",
    )?;

    // Non-canonical integer in the payload (iat as a 64-bit integer), validly signed.
    let mut noncanon = Vec::new();
    yima_core::cbor::write_head(&mut noncanon, 5, 3);
    Value::int(1).encode_into(&mut noncanon);
    Value::Text("SH").encode_into(&mut noncanon);
    Value::int(4).encode_into(&mut noncanon);
    Value::Uint(hc_claims.expires_at).encode_into(&mut noncanon);
    Value::int(6).encode_into(&mut noncanon);
    noncanon.push(0x1b);
    noncanon.extend_from_slice(&hc_claims.issued_at.to_be_bytes());
    let c = g.sign_raw(&protected, &noncanon);
    simple(
        &mut g,
        "non-canonical-integer",
        "`iat` encoded in 9 bytes instead of 5; validly signed.",
        transport::encode(&c),
        Some(c.clone()),
        "cbor.non-canonical",
    )?;

    // ---- headers ---------------------------------------------------------------------------------
    let kid = g.issuer.kid();
    let wrong_alg = cose::protected_header(-7, &kid);
    let c = g.sign_raw(&wrong_alg, &payload);
    simple(
        &mut g,
        "wrong-alg-es256",
        "alg -7 (ES256) on a credential whose kid names an Ed25519 key: the key is bound to EdDSA.",
        transport::encode(&c),
        Some(c.clone()),
        "key.alg-mismatch",
    )?;
    let unknown_alg = cose::protected_header(-65_000, &kid);
    let c = g.sign_raw(&unknown_alg, &payload);
    simple(
        &mut g,
        "unknown-alg",
        "alg -65000, not a known COSE algorithm.",
        transport::encode(&c),
        Some(c.clone()),
        "header.alg-unknown",
    )?;
    let crit = Value::Map(vec![
        (Value::int(1), Value::int(-8)),
        (Value::int(2), Value::Array(vec![Value::int(-70_000)])),
        (Value::int(4), Value::Bytes(&kid)),
        (Value::int(-70_000), Value::Uint(1)),
    ])
    .encode();
    let c = g.sign_raw(&crit, &payload);
    simple(
        &mut g,
        "unknown-critical-header",
        "crit lists label -70000, which this format does not define.",
        transport::encode(&c),
        Some(c.clone()),
        "header.unknown-critical",
    )?;
    let no_kid = Value::Map(vec![(Value::int(1), Value::int(-8))]).encode();
    let c = g.sign_raw(&no_kid, &payload);
    simple(
        &mut g,
        "missing-kid",
        "Protected header without kid.",
        transport::encode(&c),
        Some(c.clone()),
        "header.kid-missing",
    )?;

    // ---- keys and signatures -----------------------------------------------------------------------
    let mut bad_sig = hc_cose.clone();
    let last = bad_sig.len() - 1;
    if let Some(b) = bad_sig.get_mut(last - 20) {
        *b ^= 0x01;
    }
    simple(
        &mut g,
        "bad-signature",
        "One bit of the signature flipped.",
        transport::encode(&bad_sig),
        Some(bad_sig.clone()),
        "signature.invalid",
    )?;
    // Payload swapped: the social-security card's payload under the health code's signature.
    let (ssc_claims, _, _) = valid
        .get("social-security-card")
        .cloned()
        .ok_or("no card")?;
    let u = yima_core::Unverified::from_cose(hc_cose.clone())?;
    let swapped = cose::assemble(u.protected_bytes(), &ssc_claims.to_cbor(), u.signature());
    simple(
        &mut g,
        "payload-swapped",
        "Another credential's payload under this credential's header and signature.",
        transport::encode(&swapped),
        Some(swapped.clone()),
        "signature.invalid",
    )?;
    g.write(Case {
        name: "wrong-key",
        description: "A valid health code checked against a different issuer's key only.",
        input: hc_text.clone(),
        cose: Some(hc_cose.clone()),
        claims: None,
        keys: vec![&other_pub],
        now: NOW + 3600,
        leeway: 0,
        expected: "key.unknown-kid",
        png: None,
    })?;

    // ---- claims and identifiers ------------------------------------------------------------------
    let mut bad_id = ssc_claims.clone();
    if let Credential::SocialSecurityCard(c) = &mut bad_id.credential {
        c.citizen_id = "110105194912310021".into();
    }
    let c = g.sign_raw(&protected, &bad_id.to_cbor());
    simple(
        &mut g,
        "bad-citizen-id-check",
        "A signed social-security card whose citizen ID has a wrong MOD 11-2 check character.",
        transport::encode(&c),
        Some(c.clone()),
        "identifier.invalid",
    )?;
    let (bl_claims, _, _) = valid.get("business-licence").cloned().ok_or("no licence")?;
    let mut bad_uscc = bl_claims.clone();
    if let Credential::BusinessLicence(c) = &mut bad_uscc.credential {
        c.uscc = "91310110666007217A".into();
    }
    let c = g.sign_raw(&protected, &bad_uscc.to_cbor());
    simple(
        &mut g,
        "bad-uscc-check",
        "A signed business licence whose USCC check character is wrong.",
        transport::encode(&c),
        Some(c.clone()),
        "identifier.invalid",
    )?;
    let unknown_claim = Value::Map(vec![
        (Value::int(1), Value::Text("SH")),
        (Value::int(4), Value::Uint(hc_claims.expires_at)),
        (Value::int(6), Value::Uint(hc_claims.issued_at)),
        (Value::int(99), Value::Uint(1)),
    ])
    .encode();
    let c = g.sign_raw(&protected, &unknown_claim);
    simple(
        &mut g,
        "unknown-claim",
        "Claim key 99 is not defined by the format; validly signed.",
        transport::encode(&c),
        Some(c.clone()),
        "claims.unknown-key",
    )?;
    let Credential::HealthCode(hc) = &hc_claims.credential else {
        return Err("sample is not a health code".into());
    };
    let status7 = Value::Map(vec![
        (Value::int(1), Value::Text(&hc_claims.issuer)),
        (Value::int(4), Value::Uint(hc_claims.expires_at)),
        (Value::int(6), Value::Uint(hc_claims.issued_at)),
        (
            Value::int(yima_core::claims::CLAIM_CREDENTIAL),
            Value::Map(vec![
                (Value::Uint(0), Value::Uint(1)),
                (Value::Uint(1), Value::Uint(7)),
                (Value::Uint(2), Value::Text(&hc.holder_name)),
                (Value::Uint(3), Value::Bytes(&hc.holder_id)),
                (Value::Uint(4), Value::Uint(hc.region.into())),
            ]),
        ),
    ]);
    let bytes = status7.encode();
    let c = g.sign_raw(&protected, &bytes);
    simple(
        &mut g,
        "unknown-health-status",
        "Health status 7 (only 0 green, 1 yellow, 2 red exist); validly signed.",
        transport::encode(&c),
        Some(c.clone()),
        "claims.invalid",
    )?;

    // ---- time --------------------------------------------------------------------------------------
    let time_case =
        |g: &mut Gen, name: &str, description: &str, now: u64, leeway: u64, expected: &str| {
            g.write(Case {
                name,
                description,
                input: hc_text.clone(),
                cose: Some(hc_cose.clone()),
                claims: (expected == "valid").then_some(&hc_claims),
                keys: vec![&issuer_pub],
                now,
                leeway,
                expected,
                png: None,
            })
        };
    time_case(
        &mut g,
        "expired",
        "Checked one hour after exp.",
        hc_claims.expires_at + 3600,
        0,
        "time.expired",
    )?;
    time_case(
        &mut g,
        "expired-at-exp",
        "Checked exactly at exp: a credential is not valid on or after exp.",
        hc_claims.expires_at,
        0,
        "time.expired",
    )?;
    time_case(
        &mut g,
        "valid-last-second",
        "Checked one second before exp.",
        hc_claims.expires_at - 1,
        0,
        "valid",
    )?;
    time_case(
        &mut g,
        "valid-expired-within-leeway",
        "Checked 60 s after exp with 300 s clock-skew leeway.",
        hc_claims.expires_at + 60,
        300,
        "valid",
    )?;
    time_case(
        &mut g,
        "not-yet-valid-before-iat",
        "Checked one hour before iat (no nbf).",
        NOW - 3600,
        0,
        "time.not-yet-valid",
    )?;
    let mut later = hc_claims.clone();
    later.not_before = Some(NOW + 7200);
    later.expires_at = NOW + 7200 + 86_400;
    let issued = issue(&later, &g.issuer)?;
    g.write(Case {
        name: "not-yet-valid-nbf",
        description: "nbf two hours after iat, checked one hour after iat.",
        input: issued.text,
        cose: Some(issued.cose),
        claims: None,
        keys: vec![&issuer_pub],
        now: NOW + 3600,
        leeway: 0,
        expected: "time.not-yet-valid",
        png: None,
    })?;

    let venue = venue::generate(&out, &mut g.rng)?;
    let hostile = hostile::generate(&out)?;
    let index: Vec<Json> = g
        .names
        .iter()
        .map(|n| json!(format!("vectors/{n}.json")))
        .collect();
    let mut text = serde_json::to_string_pretty(&json!({
        "format": "yima test vectors v1",
        "generator": "cargo run -p yima-vectors -- test-vectors",
        "count": index.len(),
        "vectors": index,
        "venue_count": venue.len(),
        "venue": venue,
        "hostile_count": hostile.len(),
        "hostile": hostile,
    }))?;
    text.push('\n');
    std::fs::write(out.join("index.json"), text)?;
    eprintln!(
        "wrote {} vectors to {}",
        g.names.len(),
        Path::new(&out).display()
    );
    Ok(())
}
