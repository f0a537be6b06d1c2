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

type Res<T> = Result<T, Box<dyn std::error::Error>>;

// ---- helpers shared by the three vector sets ---------------------------------------------------------

/// `secs` after the Unix epoch as an RFC 3339 UTC timestamp.
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

/// `data` as a zlib stream at the best compression level.
fn zlib(data: &[u8]) -> Result<Vec<u8>, std::io::Error> {
    let mut e = ZlibEncoder::new(Vec::new(), Compression::best());
    e.write_all(data)?;
    e.finish()
}

/// An Ed25519 key from the next 32 bytes of `rng`.
fn signing_key(rng: &mut ChaCha20Rng) -> SigningKey {
    let mut s = [0u8; 32];
    rng.fill_bytes(&mut s);
    SigningKey::from_seed(&s)
}

/// The protected header of an EdDSA credential signed by `key`.
fn eddsa_header(key: &SigningKey) -> Vec<u8> {
    cose::protected_header(-8, &key.kid())
}

/// Signs an arbitrary payload under arbitrary protected-header bytes with `key`.
fn sign_raw(key: &SigningKey, protected: &[u8], payload: &[u8]) -> Vec<u8> {
    let sig = key.sign(&cose::sig_structure(protected, payload));
    cose::assemble(protected, payload, &sig)
}

/// A copy of `bytes` with byte `at` XOR `mask`.
fn flip(bytes: &[u8], at: usize, mask: u8) -> Vec<u8> {
    let mut out = bytes.to_vec();
    if let Some(b) = out.get_mut(at) {
        *b ^= mask;
    }
    out
}

/// Writes `v` pretty-printed, with a final newline.
fn write_json(path: &Path, v: &Json) -> Res<()> {
    let mut text = serde_json::to_string_pretty(v)?;
    text.push('\n');
    std::fs::write(path, text)?;
    Ok(())
}

// ---- the credential vectors (`vectors/`) --------------------------------------------------------------

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
    keys: Vec<VerifyingKey>,
    now: u64,
    leeway: u64,
    expected: &'a str,
    png: Option<String>,
}

impl Gen {
    fn cti(&mut self) -> [u8; 8] {
        let mut s = [0u8; 8];
        self.rng.fill_bytes(&mut s);
        s
    }

    /// A case checked with the issuer's key one hour after issue, without leeway; no claims, no PNG.
    fn case<'a>(
        &self,
        name: &'a str,
        description: &'a str,
        input: String,
        cose: Option<Vec<u8>>,
        expected: &'a str,
    ) -> Case<'a> {
        Case {
            name,
            description,
            input,
            cose,
            claims: None,
            keys: vec![self.issuer.verifying_key()],
            now: NOW + 3600,
            leeway: 0,
            expected,
            png: None,
        }
    }

    /// Writes a [`Gen::case`] whose input is `cose` in a `YM1:` text.
    fn write_cose(
        &mut self,
        name: &str,
        description: &str,
        cose: Vec<u8>,
        expected: &str,
    ) -> Res<()> {
        let input = transport::encode(&cose);
        self.write(self.case(name, description, input, Some(cose), expected))
    }

    /// Writes a [`Gen::case`] of `payload` under the `protected` header bytes, validly signed by the
    /// issuer.
    fn write_signed(
        &mut self,
        name: &str,
        description: &str,
        protected: &[u8],
        payload: &[u8],
        expected: &str,
    ) -> Res<()> {
        let cose = sign_raw(&self.issuer, protected, payload);
        self.write_cose(name, description, cose, expected)
    }

    fn write(&mut self, c: Case<'_>) -> Res<()> {
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
        write_json(&self.out.join(format!("{}.json", c.name)), &v)?;
        self.names.push(c.name.to_owned());
        Ok(())
    }
}

fn main() -> Res<()> {
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
    let issuer = signing_key(&mut rng);
    let other = signing_key(&mut rng);
    let mut g = Gen {
        rng,
        issuer,
        other,
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
        let description = format!("A valid {kind} (sample claims), verified one hour after issue.");
        let input = issued.text.clone();
        let case = g.case(
            &name,
            &description,
            input,
            Some(issued.cose.clone()),
            "valid",
        );
        g.write(Case {
            claims: Some(&claims),
            png: Some(format!("png/{png_name}")),
            ..case
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
    let case = g.case(
        "valid-compressed-electronic-licence",
        "A valid electronic licence with repetitive extra fields: zlib makes the text shorter, so it uses the YM1Z: prefix.",
        issued.text,
        Some(issued.cose),
        "valid",
    );
    g.write(Case {
        claims: Some(&big),
        ..case
    })?;

    // Two trusted keys: the right one is found by kid.
    let case = g.case(
        "valid-two-trusted-keys",
        "The health code verified with two trusted issuer keys; the right one is selected by kid.",
        hc_text.clone(),
        Some(hc_cose.clone()),
        "valid",
    );
    g.write(Case {
        claims: Some(&hc_claims),
        keys: vec![other_pub.clone(), issuer_pub],
        ..case
    })?;

    // ---- transport stage ------------------------------------------------------------------------
    let body = hc_text
        .strip_prefix(transport::PREFIX)
        .ok_or("health code not plain")?
        .to_owned();
    let bomb = zlib(&vec![0u8; 1 << 20])?;
    for (name, description, input, expected) in [
        (
            "bad-prefix-hc1",
            "The EU prefix HC1: instead of YM1:.",
            format!("HC1:{body}"),
            "prefix.unknown",
        ),
        (
            "bad-prefix-version",
            "An unknown format version YM9:.",
            format!("YM9:{body}"),
            "prefix.unknown",
        ),
        (
            "bad-prefix-missing",
            "Base45 without any prefix.",
            body.clone(),
            "prefix.unknown",
        ),
        (
            "bad-base45-lowercase",
            "Lower-case letters are outside the Base45 alphabet.",
            format!("YM1:{}", body.to_lowercase()),
            "base45.invalid-char",
        ),
        (
            "bad-base45-dangling",
            "One character too many: length mod 3 == 1.",
            format!("YM1:{body}0"),
            "base45.invalid-length",
        ),
        (
            "bad-base45-out-of-range",
            "A triple encoding 65535+ (':::' = 91124).",
            format!("YM1:{}:::", &body),
            "base45.out-of-range",
        ),
        (
            "oversized-text",
            "A text longer than the 4296-character cap is refused before decoding.",
            format!("YM1:{}", "0".repeat(transport::MAX_TEXT_LEN)),
            "text.too-long",
        ),
        (
            "decompression-bomb",
            "YM1Z: with 1 MiB of zeros compressed to about 1 KiB: refused after 8 KiB of output.",
            format!("YM1Z:{}", base45::encode(&bomb)),
            "decompress.too-large",
        ),
        (
            "bad-zlib",
            "YM1Z: followed by bytes that are not a zlib stream.",
            format!("YM1Z:{}", base45::encode(&hc_cose)),
            "decompress.invalid",
        ),
    ] {
        g.write(g.case(name, description, input, None, expected))?;
    }

    // ---- COSE structure -------------------------------------------------------------------------
    let truncated = hc_cose.get(..hc_cose.len() - 10).ok_or("short")?.to_vec();
    g.write_cose(
        "truncated-cose",
        "The COSE bytes cut 10 bytes short.",
        truncated,
        "cbor.truncated",
    )?;
    g.write_cose(
        "trailing-bytes",
        "One 0x00 byte after the COSE_Sign1.",
        [hc_cose.clone(), vec![0x00]].concat(),
        "cbor.trailing-bytes",
    )?;
    g.write_cose(
        "untagged-cose",
        "The COSE_Sign1 array without tag 18.",
        hc_cose.get(1..).ok_or("short")?.to_vec(),
        "cose.untagged",
    )?;
    let mut mac0 = hc_cose.clone();
    if let Some(b) = mac0.first_mut() {
        *b = 0xd1; // tag 17
    }
    g.write_cose(
        "wrong-tag-mac0",
        "Tag 17 (COSE_Mac0) instead of 18.",
        mac0,
        "cose.wrong-tag",
    )?;

    // Indefinite-length payload map, validly signed.
    let protected = eddsa_header(&g.issuer);
    let payload = hc_claims.to_cbor();
    let mut indefinite = vec![0xbf];
    indefinite.extend_from_slice(payload.get(1..).ok_or("short")?);
    indefinite.push(0xff);
    g.write_signed(
        "indefinite-length-payload",
        "The claims map re-encoded with indefinite length (0xbf ... 0xff) and validly signed.",
        &protected,
        &indefinite,
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
    g.write_signed(
        "duplicate-map-key",
        "The claims map has `iss` (1) twice; validly signed.",
        &protected,
        &dup,
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
    g.write_signed(
        "non-canonical-integer",
        "`iat` encoded in 9 bytes instead of 5; validly signed.",
        &protected,
        &noncanon,
        "cbor.non-canonical",
    )?;

    // ---- headers ---------------------------------------------------------------------------------
    let kid = g.issuer.kid();
    g.write_signed(
        "wrong-alg-es256",
        "alg -7 (ES256) on a credential whose kid names an Ed25519 key: the key is bound to EdDSA.",
        &cose::protected_header(-7, &kid),
        &payload,
        "key.alg-mismatch",
    )?;
    g.write_signed(
        "unknown-alg",
        "alg -65000, not a known COSE algorithm.",
        &cose::protected_header(-65_000, &kid),
        &payload,
        "header.alg-unknown",
    )?;
    let crit = Value::Map(vec![
        (Value::int(1), Value::int(-8)),
        (Value::int(2), Value::Array(vec![Value::int(-70_000)])),
        (Value::int(4), Value::Bytes(&kid)),
        (Value::int(-70_000), Value::Uint(1)),
    ])
    .encode();
    g.write_signed(
        "unknown-critical-header",
        "crit lists label -70000, which this format does not define.",
        &crit,
        &payload,
        "header.unknown-critical",
    )?;
    g.write_signed(
        "missing-kid",
        "Protected header without kid.",
        &Value::Map(vec![(Value::int(1), Value::int(-8))]).encode(),
        &payload,
        "header.kid-missing",
    )?;

    // ---- keys and signatures -----------------------------------------------------------------------
    g.write_cose(
        "bad-signature",
        "One bit of the signature flipped.",
        flip(&hc_cose, hc_cose.len() - 21, 0x01),
        "signature.invalid",
    )?;
    // Payload swapped: the social-security card's payload under the health code's signature.
    let (ssc_claims, _, _) = valid
        .get("social-security-card")
        .cloned()
        .ok_or("no card")?;
    let u = yima_core::Unverified::from_cose(hc_cose.clone())?;
    g.write_cose(
        "payload-swapped",
        "Another credential's payload under this credential's header and signature.",
        cose::assemble(u.protected_bytes(), &ssc_claims.to_cbor(), u.signature()),
        "signature.invalid",
    )?;
    let case = g.case(
        "wrong-key",
        "A valid health code checked against a different issuer's key only.",
        hc_text.clone(),
        Some(hc_cose.clone()),
        "key.unknown-kid",
    );
    g.write(Case {
        keys: vec![other_pub],
        ..case
    })?;

    // ---- claims and identifiers ------------------------------------------------------------------
    let mut bad_id = ssc_claims.clone();
    if let Credential::SocialSecurityCard(c) = &mut bad_id.credential {
        c.citizen_id = "110105194912310021".into();
    }
    g.write_signed(
        "bad-citizen-id-check",
        "A signed social-security card whose citizen ID has a wrong MOD 11-2 check character.",
        &protected,
        &bad_id.to_cbor(),
        "identifier.invalid",
    )?;
    let (bl_claims, _, _) = valid.get("business-licence").cloned().ok_or("no licence")?;
    let mut bad_uscc = bl_claims.clone();
    if let Credential::BusinessLicence(c) = &mut bad_uscc.credential {
        c.uscc = "91310110666007217A".into();
    }
    g.write_signed(
        "bad-uscc-check",
        "A signed business licence whose USCC check character is wrong.",
        &protected,
        &bad_uscc.to_cbor(),
        "identifier.invalid",
    )?;
    let unknown_claim = Value::Map(vec![
        (Value::int(1), Value::Text("SH")),
        (Value::int(4), Value::Uint(hc_claims.expires_at)),
        (Value::int(6), Value::Uint(hc_claims.issued_at)),
        (Value::int(99), Value::Uint(1)),
    ])
    .encode();
    g.write_signed(
        "unknown-claim",
        "Claim key 99 is not defined by the format; validly signed.",
        &protected,
        &unknown_claim,
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
    g.write_signed(
        "unknown-health-status",
        "Health status 7 (only 0 green, 1 yellow, 2 red exist); validly signed.",
        &protected,
        &status7.encode(),
        "claims.invalid",
    )?;

    // ---- time --------------------------------------------------------------------------------------
    for (name, description, now, leeway, expected) in [
        (
            "expired",
            "Checked one hour after exp.",
            hc_claims.expires_at + 3600,
            0,
            "time.expired",
        ),
        (
            "expired-at-exp",
            "Checked exactly at exp: a credential is not valid on or after exp.",
            hc_claims.expires_at,
            0,
            "time.expired",
        ),
        (
            "valid-last-second",
            "Checked one second before exp.",
            hc_claims.expires_at - 1,
            0,
            "valid",
        ),
        (
            "valid-expired-within-leeway",
            "Checked 60 s after exp with 300 s clock-skew leeway.",
            hc_claims.expires_at + 60,
            300,
            "valid",
        ),
        (
            "not-yet-valid-before-iat",
            "Checked one hour before iat (no nbf).",
            NOW - 3600,
            0,
            "time.not-yet-valid",
        ),
    ] {
        let case = g.case(
            name,
            description,
            hc_text.clone(),
            Some(hc_cose.clone()),
            expected,
        );
        g.write(Case {
            claims: (expected == "valid").then_some(&hc_claims),
            now,
            leeway,
            ..case
        })?;
    }
    let mut later = hc_claims.clone();
    later.not_before = Some(NOW + 7200);
    later.expires_at = NOW + 7200 + 86_400;
    let issued = issue(&later, &g.issuer)?;
    g.write(g.case(
        "not-yet-valid-nbf",
        "nbf two hours after iat, checked one hour after iat.",
        issued.text,
        Some(issued.cose),
        "time.not-yet-valid",
    ))?;

    let venue = venue::generate(&out, &mut g.rng)?;
    let hostile = hostile::generate(&out)?;
    let index: Vec<Json> = g
        .names
        .iter()
        .map(|n| json!(format!("vectors/{n}.json")))
        .collect();
    let v = json!({
        "format": "yima test vectors v1",
        "generator": "cargo run -p yima-vectors -- test-vectors",
        "count": index.len(),
        "vectors": index,
        "venue_count": venue.len(),
        "venue": venue,
        "hostile_count": hostile.len(),
        "hostile": hostile,
    });
    write_json(&out.join("index.json"), &v)?;
    eprintln!(
        "wrote {} vectors to {}",
        g.names.len(),
        Path::new(&out).display()
    );
    Ok(())
}
