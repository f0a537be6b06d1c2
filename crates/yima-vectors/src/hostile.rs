//! Hostile-case vectors (`test-vectors/hostile/`): malformed, malicious and borderline inputs for every
//! layer, each with the stable code a verifier must report.
//!
//! Same shape as the credential vectors (`vectors/*.json`) plus `group` (the layer attacked). Three
//! variants:
//!
//! - **key-load cases**: a listed key is itself refused when loaded (`key.weak-public`,
//!   `key.invalid-public`); `expected` is that key error, and a verifier never gets to the credential
//!   (the command line exits with status 2, like any unusable key file);
//! - **venue cases** (group `issuer-kind`): the venue-vector fields (`bundle_hex`, `bundle_key_pem`,
//!   `policy`, `accepted_seq`, `stage`) instead of `keys`, for rules that only a trust bundle expresses;
//! - **image cases** (group `image`): `file`, a path relative to `test-vectors/` of a committed image to
//!   scan; `input` is the same path.
//!
//! Every case's expected code was decided by hand, and generation fails if the library disagrees (see
//! [`check`]); bit-flip cases say which structure each flipped bit belongs to.

use std::io::Write;
use std::path::{Path, PathBuf};

use flate2::Compression;
use flate2::write::ZlibEncoder;
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};
use serde_json::{Value as Json, json};
use yima_core::claims::Claims;
use yima_core::policy::Policy;
use yima_core::trust::{BundleCheck, BundleContents, Issuer, TrustBundle};
use yima_core::{
    Kind, SigningKey, Unverified, VerifyOptions, VerifyingKey, base45, cose, samples, transport,
};

use crate::venue::Expected::{self, Accepted, Refused};
use crate::{Res, eddsa_header, flip, rfc3339, sign_raw, signing_key, zlib};

/// Issue time of the credentials: 2026-01-01T00:00:00Z (as the other vectors).
const T0: u64 = 1_767_225_600;
/// Verification time: one hour later.
const NOW: u64 = T0 + 3600;
/// Seed of this generator's own RNG (independent of the other vector sets).
const SEED: [u8; 32] = *b"yima hostile vectors v1 seed 001";

// ---- a small owned CBOR builder (canonical maps, plus raw bytes for non-canonical pieces) -------------

/// An owned CBOR item. `Map` is written in canonical key order; `MapAsIs` in the order given;
/// `Raw` is copied verbatim.
#[derive(Clone, Debug)]
enum C {
    U(u64),
    N(u64),
    B(Vec<u8>),
    T(String),
    A(Vec<C>),
    Map(Vec<(C, C)>),
    MapAsIs(Vec<(C, C)>),
    Tag(u64, Box<C>),
    Raw(Vec<u8>),
}

fn int(n: i64) -> C {
    if n >= 0 {
        C::U(n.unsigned_abs())
    } else {
        C::N((-1 - n).unsigned_abs())
    }
}

fn t(s: &str) -> C {
    C::T(s.to_owned())
}

fn head(out: &mut Vec<u8>, major: u8, arg: u64) {
    yima_core::cbor::write_head(out, major, arg);
}

impl C {
    fn enc(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut Vec<u8>) {
        match self {
            C::U(n) => head(out, 0, *n),
            C::N(n) => head(out, 1, *n),
            C::B(b) => {
                head(out, 2, b.len() as u64);
                out.extend_from_slice(b);
            }
            C::T(s) => {
                head(out, 3, s.len() as u64);
                out.extend_from_slice(s.as_bytes());
            }
            C::A(items) => {
                head(out, 4, items.len() as u64);
                for i in items {
                    i.write(out);
                }
            }
            C::Map(pairs) => {
                let mut enc: Vec<(Vec<u8>, Vec<u8>)> =
                    pairs.iter().map(|(k, v)| (k.enc(), v.enc())).collect();
                enc.sort();
                head(out, 5, enc.len() as u64);
                for (k, v) in enc {
                    out.extend_from_slice(&k);
                    out.extend_from_slice(&v);
                }
            }
            C::MapAsIs(pairs) => {
                head(out, 5, pairs.len() as u64);
                for (k, v) in pairs {
                    k.write(out);
                    v.write(out);
                }
            }
            C::Tag(tag, inner) => {
                head(out, 6, *tag);
                inner.write(out);
            }
            C::Raw(b) => out.extend_from_slice(b),
        }
    }
}

/// Replaces (or inserts, or with `None` removes) the entry with key `k`.
fn with(mut pairs: Vec<(C, C)>, k: C, v: Option<C>) -> Vec<(C, C)> {
    let key = k.enc();
    pairs.retain(|(x, _)| x.enc() != key);
    if let Some(v) = v {
        pairs.push((k, v));
    }
    pairs
}

// ---- helpers --------------------------------------------------------------------------------------

/// `flg` with its FCHECK bits (the low five) set so that the zlib header `cmf flg` is a multiple of 31.
fn with_fcheck(cmf: u8, flg: u8) -> u8 {
    let f = flg & 0xe0;
    let rem = ((u16::from(cmf) << 8) | u16::from(f)) % 31;
    f + if rem == 0 { 0 } else { (31 - rem) as u8 }
}

fn base64(data: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                let idx = (n >> (18 - 6 * i)) & 63;
                out.push(char::from(A.get(idx as usize).copied().unwrap_or(b'A')));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// SPKI PEM of 32 raw bytes, whether or not they are a usable key.
fn spki_pem(raw: &[u8; 32]) -> String {
    let mut der = hex::decode("302a300506032b6570032100").unwrap_or_default();
    der.extend_from_slice(raw);
    format!(
        "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
        base64(&der)
    )
}

fn key_json(raw: &[u8; 32]) -> Json {
    json!({
        "kid": hex::encode(yima_core::keys::kid_of(raw)),
        "alg": -8,
        "public_key_hex": hex::encode(raw),
        "public_key_pem": spki_pem(raw),
    })
}

const PNG_SIGNATURE: &[u8; 8] = b"\x89PNG\r\n\x1a\n";

fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let mut body = kind.to_vec();
    body.extend_from_slice(data);
    out.extend_from_slice(&body);
    out.extend_from_slice(&crc32fast::hash(&body).to_be_bytes());
}

/// An 8-bit greyscale PNG of `w` x `h` pixels of value `grey`, or only its header when `pixels` is false.
fn png(w: u32, h: u32, grey: u8, pixels: bool) -> Res<Vec<u8>> {
    let mut out = PNG_SIGNATURE.to_vec();
    let mut ihdr = w.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]);
    png_chunk(&mut out, b"IHDR", &ihdr);
    if pixels {
        let row = [vec![0u8], vec![grey; w as usize]].concat();
        let raw: Vec<u8> = std::iter::repeat_n(row, h as usize).flatten().collect();
        png_chunk(&mut out, b"IDAT", &zlib(&raw)?);
        png_chunk(&mut out, b"IEND", &[]);
    }
    Ok(out)
}

/// The headers of a baseline greyscale JPEG declaring `w` x `h` (SOI, DQT, SOF0, DHT, DHT, SOS), two
/// bytes of scan data and EOI: far too little data for that size.
fn jpeg_header(w: u16, h: u16) -> Vec<u8> {
    let mut out = vec![0xff, 0xd8];
    out.extend_from_slice(&[0xff, 0xdb, 0x00, 0x43, 0x00]);
    out.extend_from_slice(&[1u8; 64]);
    out.extend_from_slice(&[0xff, 0xc0, 0x00, 0x0b, 0x08]);
    out.extend_from_slice(&h.to_be_bytes());
    out.extend_from_slice(&w.to_be_bytes());
    out.extend_from_slice(&[0x01, 0x01, 0x11, 0x00]);
    for class in [0x00u8, 0x10] {
        out.extend_from_slice(&[0xff, 0xc4, 0x00, 0x14, class, 1]);
        out.extend_from_slice(&[0u8; 15]);
        out.push(0);
    }
    out.extend_from_slice(&[0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3f, 0x00]);
    out.extend_from_slice(&[0x00, 0x00, 0xff, 0xd9]);
    out
}

// ---- the generator ----------------------------------------------------------------------------------

/// Where a case's keys come from.
enum Keys {
    /// Loadable keys.
    Good(Vec<VerifyingKey>),
    /// Raw bytes, some of which a verifier refuses to load.
    Raw(Vec<[u8; 32]>),
}

struct Case {
    name: String,
    group: &'static str,
    description: String,
    input: String,
    cose: Option<Vec<u8>>,
    keys: Keys,
    now: u64,
    leeway: u64,
    expected: &'static str,
    claims: Option<Claims>,
    file: Option<String>,
}

struct Hostile {
    /// The vector root (`test-vectors/`); image cases name their files relative to it.
    root: PathBuf,
    out: PathBuf,
    issuer: SigningKey,
    other: SigningKey,
    names: Vec<String>,
}

impl Hostile {
    fn issuer_pub(&self) -> VerifyingKey {
        self.issuer.verifying_key()
    }

    /// Signs `payload` under the issuer's usual protected header.
    fn sign(&self, payload: &[u8]) -> Vec<u8> {
        sign_raw(&self.issuer, &eddsa_header(&self.issuer), payload)
    }

    /// A text case (fails before a COSE object exists, or carries its own text), verified with the
    /// issuer key at NOW. The other case builders start from this one.
    fn text_case(
        &self,
        name: &str,
        group: &'static str,
        description: &str,
        input: String,
        expected: &'static str,
    ) -> Case {
        Case {
            name: name.to_owned(),
            group,
            description: description.to_owned(),
            input,
            cose: None,
            keys: Keys::Good(vec![self.issuer_pub()]),
            now: NOW,
            leeway: 0,
            expected,
            claims: None,
            file: None,
        }
    }

    /// A credential case: `cose_bytes` in a `YM1:` text.
    fn case(
        &self,
        name: &str,
        group: &'static str,
        description: &str,
        cose_bytes: Vec<u8>,
        expected: &'static str,
    ) -> Case {
        let input = transport::encode(&cose_bytes);
        Case {
            cose: Some(cose_bytes),
            ..self.text_case(name, group, description, input, expected)
        }
    }

    /// A validly signed payload given as bytes.
    fn signed(
        &self,
        name: &str,
        group: &'static str,
        description: &str,
        payload: &[u8],
        expected: &'static str,
    ) -> Case {
        let description = format!("{description} Validly signed.");
        self.case(name, group, &description, self.sign(payload), expected)
    }

    /// A COSE_Sign1 with the given (raw) protected header over the reference payload, validly signed.
    fn with_header(
        &self,
        name: &str,
        description: &str,
        protected: &C,
        expected: &'static str,
    ) -> Case {
        let c = sign_raw(&self.issuer, &protected.enc(), &hc_payload().enc());
        let description = format!("{description} Validly signed.");
        self.case(name, "header", &description, c, expected)
    }

    /// Checks a case against the library, then writes it.
    fn write(&mut self, c: Case) -> Res<()> {
        check(&c, &self.root)?;
        let keys: Vec<Json> = match &c.keys {
            Keys::Good(ks) => ks.iter().map(|k| key_json(&k.to_bytes())).collect(),
            Keys::Raw(raw) => raw.iter().map(key_json).collect(),
        };
        let mut v = json!({
            "name": c.name,
            "description": c.description,
            "group": c.group,
            "input": c.input,
            "cose_hex": c.cose.as_ref().map(hex::encode),
            "claims": c.claims,
            "keys": keys,
            "now": c.now,
            "now_rfc3339": rfc3339(c.now),
            "leeway": c.leeway,
            "expected": c.expected,
        });
        if let (Some(f), Some(m)) = (&c.file, v.as_object_mut()) {
            m.insert("file".into(), json!(f));
        }
        self.put(&c.name, &v)
    }

    fn put(&mut self, name: &str, v: &Json) -> Res<()> {
        if self.names.iter().any(|n| n == name) {
            return Err(format!("duplicate hostile vector name {name}").into());
        }
        crate::write_json(&self.out.join(format!("{name}.json")), v)?;
        self.names.push(name.to_owned());
        Ok(())
    }
}

/// Writes cases named `{group}-{name}`, each payload validly signed by the issuer.
fn write_signed(
    h: &mut Hostile,
    group: &'static str,
    cases: Vec<(&str, &str, C, &'static str)>,
) -> Res<()> {
    for (name, description, payload, expected) in cases {
        let name = format!("{group}-{name}");
        h.write(h.signed(&name, group, description, &payload.enc(), expected))?;
    }
    Ok(())
}

/// What a verifier gives for a case: `valid` or the stable code (key loading first). Image files are
/// read relative to `root`.
fn outcome(c: &Case, root: &Path) -> Res<String> {
    let keys = match &c.keys {
        Keys::Good(k) => k.clone(),
        Keys::Raw(raw) => {
            let mut ks = Vec::new();
            for r in raw {
                match VerifyingKey::from_bytes(r) {
                    Ok(k) => ks.push(k),
                    Err(e) => return Ok(e.code().to_owned()),
                }
            }
            ks
        }
    };
    let opts = VerifyOptions {
        now: c.now,
        leeway: c.leeway,
    };
    let text = if let Some(f) = &c.file {
        let bytes = std::fs::read(root.join(f))?;
        match yima_qr::scan_image(&bytes, &yima_qr::ScanLimits::default()) {
            Err(e) => return Ok(e.code().to_owned()),
            Ok(codes) => match codes.into_iter().next() {
                None => return Ok("scan.no-code".to_owned()),
                Some(code) => code.text,
            },
        }
    } else {
        c.input.clone()
    };
    let parsed = Unverified::parse(&text);
    if let (Ok(u), Some(cose_bytes)) = (&parsed, &c.cose)
        && u.cose_bytes() != cose_bytes.as_slice()
    {
        return Err(format!("{}: input does not decode to cose_hex", c.name).into());
    }
    Ok(match parsed.and_then(|u| u.verify(&keys, &opts)) {
        Ok(v) => {
            if c.claims.as_ref() != Some(v.claims()) {
                return Err(format!("{}: valid, but claims differ", c.name).into());
            }
            "valid".to_owned()
        }
        Err(e) => e.code().to_owned(),
    })
}

/// Cases whose expected result the library did not give; generation fails at the end if any.
static MISMATCHES: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

fn mismatch(name: &str, expected: &str, got: &str) {
    if let Ok(mut m) = MISMATCHES.lock() {
        m.push(format!(
            "{name}: expected {expected}, the library gives {got}"
        ));
    }
}

/// Records a mismatch when the library does not give a case's expected result.
fn check(c: &Case, root: &Path) -> Res<()> {
    let got = outcome(c, root)?;
    if got != c.expected {
        mismatch(&c.name, c.expected, &got);
    }
    Ok(())
}

// ---- the reference credential as editable CBOR ------------------------------------------------------

const HOLDER_ID: [u8; 8] = [0x3f, 0x9c, 0x51, 0x0e, 0xa2, 0x47, 0xd8, 0x6b];
/// The `cti` of the reference health code (as in `vectors/valid-health-code.json`).
const CTI: [u8; 8] = [0x98, 0x77, 0x65, 0x1a, 0x09, 0x98, 0x95, 0x3a];

fn hc_cred() -> Vec<(C, C)> {
    vec![
        (C::U(0), C::U(1)),
        (C::U(1), C::U(0)),
        (C::U(2), t("金*")),
        (C::U(3), C::B(HOLDER_ID.to_vec())),
        (C::U(4), C::U(310_104)),
    ]
}

fn top(cred: C) -> Vec<(C, C)> {
    vec![
        (int(1), t("SH")),
        (int(4), C::U(T0 + 86_400)),
        (int(6), C::U(T0)),
        (int(7), C::B(CTI.to_vec())),
        (int(-270), cred),
    ]
}

fn hc_top() -> Vec<(C, C)> {
    top(C::Map(hc_cred()))
}

fn hc_payload() -> C {
    C::Map(hc_top())
}

fn cred_with(k: u64, v: Option<C>) -> C {
    C::Map(top(C::Map(with(hc_cred(), C::U(k), v))))
}

fn top_with(k: i64, v: Option<C>) -> C {
    C::Map(with(hc_top(), int(k), v))
}

// ---- generation ---------------------------------------------------------------------------------

/// Writes `OUT/hostile/*.json` and `OUT/hostile/img/*`; returns the paths for index.json.
pub fn generate(out: &Path) -> Res<Vec<Json>> {
    let dir = out.join("hostile");
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    std::fs::create_dir_all(dir.join("img"))?;
    let mut rng = ChaCha20Rng::from_seed(SEED);
    let issuer = signing_key(&mut rng);
    let other = signing_key(&mut rng);
    let mut h = Hostile {
        root: out.to_path_buf(),
        out: dir,
        issuer,
        other,
        names: Vec::new(),
    };

    let mut cti = [0u8; 8];
    rng.fill_bytes(&mut cti);
    let reference = h.sign(&hc_payload().enc());
    let ref_claims = Unverified::from_cose(reference.clone())?.unverified_claims()?;

    transport_cases(&mut h, &reference)?;
    bitflip_cases(&mut h, &reference)?;
    cbor_cases(&mut h)?;
    claims_cases(&mut h)?;
    identifier_cases(&mut h)?;
    header_cases(&mut h, &reference)?;
    key_cases(&mut h, &ref_claims)?;
    signature_cases(&mut h, &reference, cti)?;
    time_cases(&mut h, &reference, &ref_claims)?;
    issuer_kind_cases(&mut h, &mut rng)?;
    image_cases(&mut h, &reference)?;
    let mismatches = MISMATCHES.lock().map(|m| m.clone()).unwrap_or_default();
    if !mismatches.is_empty() {
        return Err(format!(
            "hostile vectors disagree with the library:\n{}",
            mismatches.join("\n")
        )
        .into());
    }

    Ok(h.names
        .iter()
        .map(|n| json!(format!("hostile/{n}.json")))
        .collect())
}

/// Bits of a raw DEFLATE stream (RFC 1951 §3.1.1): packed from the least significant bit of each byte;
/// header fields and extra bits as numbers (least significant bit first), Huffman codes most
/// significant bit first.
#[derive(Default)]
struct BitWriter {
    bytes: Vec<u8>,
    used: u32,
}

impl BitWriter {
    fn bit(&mut self, b: u32) {
        if self.used.is_multiple_of(8) {
            self.bytes.push(0);
        }
        if let Some(last) = self.bytes.last_mut() {
            *last |= ((b & 1) as u8) << (self.used % 8);
        }
        self.used += 1;
    }
    fn value(&mut self, v: u32, n: u32) {
        for i in 0..n {
            self.bit(v >> i);
        }
    }
    fn code(&mut self, c: u32, n: u32) {
        for i in (0..n).rev() {
            self.bit(c >> i);
        }
    }
    fn finish(self) -> Vec<u8> {
        self.bytes
    }
}

fn transport_cases(h: &mut Hostile, reference: &[u8]) -> Res<()> {
    let g = "transport";
    let body = base45::encode(reference);
    let zl = zlib(reference)?;
    let cases: Vec<(&str, &str, String, &'static str)> = vec![
        (
            "transport-empty",
            "The empty text.",
            String::new(),
            "prefix.unknown",
        ),
        (
            "transport-prefix-only",
            "`YM1:` and nothing after it: zero COSE bytes.",
            "YM1:".into(),
            "cbor.truncated",
        ),
        (
            "transport-prefix-lowercase",
            "`ym1:`: prefixes are case-sensitive.",
            format!("ym1:{body}"),
            "prefix.unknown",
        ),
        (
            "transport-prefix-leading-nul",
            "A NUL character before the prefix.",
            format!("\u{0}YM1:{body}"),
            "prefix.unknown",
        ),
        (
            "transport-prefix-zlib-lowercase",
            "`YM1z:`.",
            format!("YM1z:{}", base45::encode(&zl)),
            "prefix.unknown",
        ),
        (
            "transport-prefix-ym2",
            "`YM2:`: a future version is an unknown prefix.",
            format!("YM2:{body}"),
            "prefix.unknown",
        ),
        (
            "transport-base45-nul",
            "A NUL character inside the Base45.",
            format!("YM1:{}\u{0}AB", body.get(..3).unwrap_or_default()),
            "base45.invalid-char",
        ),
        (
            "transport-base45-non-ascii",
            "A two-byte UTF-8 character (é) completing a triple: not in the alphabet.",
            format!("YM1:{}Aé", body.get(..3).unwrap_or_default()),
            "base45.invalid-char",
        ),
        (
            "transport-base45-pair-out-of-range",
            "A final pair 'ZZ' = 1610 > 255.",
            format!("YM1:{body}ZZ"),
            "base45.out-of-range",
        ),
        (
            "transport-base45-triple-65536",
            "The triple 'GGW' = 65536, one past the largest.",
            format!("YM1:GGW{body}"),
            "base45.out-of-range",
        ),
        (
            "transport-base45-dangling-after-zlib",
            "YM1Z: with a dangling Base45 character.",
            {
                let b = base45::encode(&zl);
                let pad = if b.len() % 3 == 2 { "00" } else { "0" };
                format!("YM1Z:{b}{pad}")
            },
            "base45.invalid-length",
        ),
        (
            "transport-text-4297-bytes",
            "4297 bytes: one over the cap, refused before Base45.",
            format!("YM1:{}", "0".repeat(transport::MAX_TEXT_LEN - 3)),
            "text.too-long",
        ),
        (
            "transport-text-4296-bytes",
            "Exactly 4296 bytes (the cap): decoded, 2861 zero bytes: the first 0x00 is a whole CBOR item.",
            format!("YM1:{}", "0".repeat(transport::MAX_TEXT_LEN - 4)),
            "cbor.trailing-bytes",
        ),
        (
            "transport-text-multibyte-over-cap",
            "1433 three-byte characters: 1437 characters but 4303 bytes: the cap counts bytes.",
            format!("YM1:{}", "中".repeat(1433)),
            "text.too-long",
        ),
        (
            "transport-zlib-empty",
            "YM1Z: with nothing after it.",
            "YM1Z:".into(),
            "decompress.invalid",
        ),
    ];
    for (name, description, input, expected) in cases {
        h.write(h.text_case(name, g, description, input, expected))?;
    }
    // zlib header and trailer violations.
    let mut fdict = zl.clone();
    if let [cmf, flg, ..] = fdict.as_mut_slice() {
        // FDICT set, FCHECK recomputed so only the dictionary flag is wrong.
        *flg = with_fcheck(*cmf, (*flg & 0xc0) | 0x20);
    }
    let mut window = zl.clone();
    if let [cmf, flg, ..] = window.as_mut_slice() {
        *cmf = 0x88; // CINFO 8: a 64 KiB window, not allowed
        *flg = with_fcheck(*cmf, *flg);
    }
    let fcheck = flip(&zl, 1, 0x01);
    let adler = flip(&zl, zl.len() - 1, 0x01);
    let no_adler = zl.get(..zl.len() - 4).unwrap_or_default().to_vec();
    let trailing = [zl.clone(), vec![0]].concat();
    let stored = {
        // A stored (uncompressed) block with a wrong LEN/NLEN complement.
        let mut s = vec![0x78, 0x01, 0x01, 0x05, 0x00, 0xfa, 0xff];
        s.extend_from_slice(b"hello");
        s
    };
    let exact_8193 = zlib(&vec![0x41; transport::MAX_COSE_BYTES + 1])?;
    let exact_8192 = zlib(&vec![0x00; transport::MAX_COSE_BYTES])?;
    let mut bomb_n = 1usize << 16;
    while transport::PREFIX_ZLIB.len() + transport::base45_len(zlib(&vec![0u8; bomb_n * 2])?.len())
        <= transport::MAX_TEXT_LEN
    {
        bomb_n *= 2;
    }
    let bomb = zlib(&vec![0u8; bomb_n])?;
    // `n` zeros up to a sync flush, then a block of the reserved type 3: with n > 8192 the cap is
    // reached before the corruption, which errors in stream order report first (§3.5).
    let zeros_then_garbage = |n: usize| -> Res<Vec<u8>> {
        let mut e = ZlibEncoder::new(Vec::new(), Compression::best());
        e.write_all(&vec![0u8; n])?;
        e.flush()?;
        let mut z = e.get_ref().clone();
        z.extend_from_slice(&[0xff, 0xff, 0xff]);
        Ok(z)
    };
    let bomb_then_garbage = zeros_then_garbage(100_000)?;
    let cap_then_garbage = zeros_then_garbage(transport::MAX_COSE_BYTES + 2000)?;
    let too_far_back = {
        // A fixed-Huffman block (RFC 1951 §3.2.6) of the literal 'a', then a copy of length 3 from
        // distance 2, one byte before the start of the output, then end of block; the Adler-32 is
        // that of "a\0a\0", what an inflater that fills the missing history with zeros produces.
        let mut bits = BitWriter::default();
        bits.value(1, 1); // BFINAL
        bits.value(0b01, 2); // BTYPE: fixed Huffman codes
        bits.code(0x30 + u32::from(b'a'), 8); // literals 0-143: codes 0x30-0xbf, 8 bits
        bits.code(0b000_0001, 7); // length code 257: length 3
        bits.code(1, 5); // distance code 1: distance 2
        bits.code(0, 7); // end of block (256)
        let mut z = vec![0x78, 0x01];
        z.extend(bits.finish());
        // The Adler-32 trailer of a real zlib stream of those bytes: its last 4 bytes.
        let real = zlib(b"a\0a\0")?;
        z.extend_from_slice(real.get(real.len().saturating_sub(4)..).unwrap_or_default());
        z
    };
    for (name, description, z, expected) in [
        (
            "transport-zlib-preset-dictionary",
            "FDICT set (with a correct FCHECK): preset dictionaries are not supported.",
            fdict,
            "decompress.invalid",
        ),
        (
            "transport-zlib-window-64k",
            "CINFO = 8 (a 64 KiB window): not a valid zlib header.",
            window,
            "decompress.invalid",
        ),
        (
            "transport-zlib-bad-fcheck",
            "FCHECK wrong (header not a multiple of 31).",
            fcheck,
            "decompress.invalid",
        ),
        (
            "transport-zlib-bad-adler32",
            "The Adler-32 trailer does not match.",
            adler,
            "decompress.invalid",
        ),
        (
            "transport-zlib-no-adler32",
            "The stream ends without its Adler-32 trailer.",
            no_adler,
            "decompress.invalid",
        ),
        (
            "transport-zlib-trailing-byte",
            "One byte after the end of the zlib stream.",
            trailing,
            "decompress.invalid",
        ),
        (
            "transport-zlib-stored-bad-nlen",
            "A stored block whose NLEN is not the complement of LEN.",
            stored,
            "decompress.invalid",
        ),
        (
            "transport-zlib-8193-bytes",
            "Inflates to 8193 bytes: one over the cap.",
            exact_8193,
            "decompress.too-large",
        ),
        (
            "transport-zlib-8192-zero-bytes",
            "Inflates to exactly 8192 zero bytes (allowed): then a CBOR error.",
            exact_8192,
            "cbor.trailing-bytes",
        ),
        (
            "transport-zlib-largest-bomb",
            "The largest zlib bomb that fits a text (zeros): refused after 8193 bytes of output.",
            bomb,
            "decompress.too-large",
        ),
        (
            "transport-zlib-bomb-then-corrupt",
            "100 000 zeros, then a corrupt block: the cap is met first.",
            bomb_then_garbage,
            "decompress.too-large",
        ),
        (
            "transport-zlib-cap-then-corrupt",
            "10 192 zeros, then a corrupt block within the first 32 KiB: the cap is met first, in stream order.",
            cap_then_garbage,
            "decompress.too-large",
        ),
        (
            "transport-zlib-distance-too-far",
            "A back-reference to one byte before the start of the output (literal 'a', then length 3 at distance 2), with the Adler-32 of the output an inflater that fills missing history with zeros gives.",
            too_far_back,
            "decompress.invalid",
        ),
    ] {
        let input = format!("{}{}", transport::PREFIX_ZLIB, base45::encode(&z));
        h.write(h.text_case(name, g, description, input, expected))?;
    }
    Ok(())
}

/// One-bit changes in every structure of the reference credential (138 bytes: tag 0, array head 1,
/// protected bstr head 2 and map 3-11, unprotected 12, payload head 13-14 and map 15-71, signature head
/// 72-73, R 74-105, S 106-137).
fn bitflip_cases(h: &mut Hostile, reference: &[u8]) -> Res<()> {
    if reference.len() != 138 {
        return Err(format!(
            "reference credential is {} bytes, expected 138",
            reference.len()
        )
        .into());
    }
    let flips: &[(&str, usize, u8, &str, &'static str)] = &[
        (
            "tag-18-to-19",
            0,
            0x01,
            "tag 18 becomes 19",
            "cose.wrong-tag",
        ),
        ("tag-18-to-2", 0, 0x10, "tag 18 becomes 2", "cose.wrong-tag"),
        (
            "tag-to-simple",
            0,
            0x20,
            "the tag byte becomes simple value 18 (major type 7)",
            "cbor.unsupported",
        ),
        (
            "array-4-to-5",
            1,
            0x01,
            "array(4) becomes array(5): a fifth element is missing",
            "cbor.truncated",
        ),
        (
            "array-4-to-6",
            1,
            0x02,
            "array(4) becomes array(6)",
            "cbor.truncated",
        ),
        (
            "array-to-map",
            1,
            0x20,
            "array(4) becomes map(4): the COSE body is read as map pairs",
            "cbor.truncated",
        ),
        (
            "protected-len-9-to-25",
            2,
            0x10,
            "the protected header's length 9 becomes a 1-byte length field, 0xa2 = 162 bytes",
            "cbor.truncated",
        ),
        (
            "protected-bstr-to-tstr",
            2,
            0x20,
            "the protected header becomes a text string (0xa2 starts no UTF-8 character)",
            "cbor.invalid-utf8",
        ),
        (
            "protected-map-2-to-3",
            3,
            0x01,
            "the protected map declares 3 pairs and has 2",
            "cbor.truncated",
        ),
        (
            "protected-map-2-to-0",
            3,
            0x02,
            "the protected map declares 0 pairs: 8 bytes left over",
            "cbor.trailing-bytes",
        ),
        (
            "alg-label-1-to-3",
            4,
            0x02,
            "the alg label becomes 3 (content type)",
            "header.unknown-label",
        ),
        (
            "alg-label-1-to-0",
            4,
            0x01,
            "the alg label becomes 0 (reserved)",
            "header.unknown-label",
        ),
        (
            "alg-minus-8-to-minus-7",
            5,
            0x01,
            "alg -8 (EdDSA) becomes -7 (ES256), a known algorithm the key is not bound to",
            "key.alg-mismatch",
        ),
        (
            "alg-minus-8-to-minus-16",
            5,
            0x08,
            "alg -8 becomes -16 (not a signature algorithm)",
            "header.alg-unknown",
        ),
        (
            "alg-minus-8-to-plus-7",
            5,
            0x20,
            "alg -8 becomes +7 (HMAC 512/512, a MAC algorithm, not a signature algorithm)",
            "header.alg-unknown",
        ),
        (
            "alg-minus-8-to-minus-4",
            5,
            0x04,
            "alg -8 becomes -4 (unassigned)",
            "header.alg-unknown",
        ),
        (
            "kid-label-4-to-5",
            6,
            0x01,
            "the kid label becomes 5 (IV)",
            "header.unknown-label",
        ),
        (
            "kid-label-4-to-6",
            6,
            0x02,
            "the kid label becomes 6 (partial IV)",
            "header.unknown-label",
        ),
        (
            "kid-len-4-to-5",
            7,
            0x01,
            "the kid declares 5 bytes inside a 9-byte header",
            "cbor.truncated",
        ),
        (
            "kid-bstr-to-array",
            7,
            0x80,
            "the kid's byte string head becomes an array head",
            "cbor.too-many-items",
        ),
        (
            "kid-first-byte",
            8,
            0x01,
            "one bit of the kid",
            "key.unknown-kid",
        ),
        (
            "kid-last-byte",
            11,
            0x80,
            "the top bit of the kid's last byte",
            "key.unknown-kid",
        ),
        (
            "unprotected-map-0-to-1",
            12,
            0x01,
            "the empty unprotected map declares one pair",
            "cbor.truncated",
        ),
        (
            "unprotected-map-to-array",
            12,
            0x20,
            "the unprotected header becomes an empty array",
            "cose.structure",
        ),
        (
            "unprotected-map-to-bstr",
            12,
            0xe0,
            "the unprotected header becomes an empty byte string",
            "cose.structure",
        ),
        (
            "payload-head-1-to-2-byte-length",
            13,
            0x01,
            "the payload's 1-byte length head becomes a 2-byte one (0x39a5 bytes)",
            "cbor.truncated",
        ),
        (
            "payload-bstr-to-tstr",
            13,
            0x20,
            "the payload becomes a text string (not valid UTF-8)",
            "cbor.invalid-utf8",
        ),
        (
            "payload-map-head",
            15,
            0x01,
            "the claims map head (opaque until the signature verifies)",
            "signature.invalid",
        ),
        (
            "payload-iss",
            18,
            0x01,
            "a character of iss",
            "signature.invalid",
        ),
        (
            "payload-exp",
            24,
            0x80,
            "a byte of exp",
            "signature.invalid",
        ),
        (
            "payload-kind",
            47,
            0x02,
            "the kind number",
            "signature.invalid",
        ),
        (
            "payload-last-byte",
            71,
            0x01,
            "the last byte of the payload",
            "signature.invalid",
        ),
        (
            "signature-head-64-to-65",
            73,
            0x01,
            "the signature declares 65 bytes",
            "cbor.truncated",
        ),
        (
            "signature-head-64-to-0",
            73,
            0x40,
            "the signature's length 64 becomes 0 in a 1-byte argument (0x58 0x00): not the shortest form",
            "cbor.non-canonical",
        ),
        (
            "signature-head-to-short-form",
            72,
            0x10,
            "the signature head 0x58 becomes 0x48: an 8-byte string ends the array, 57 bytes are left over",
            "cbor.trailing-bytes",
        ),
        (
            "signature-r-first",
            74,
            0x01,
            "the first bit of R",
            "signature.invalid",
        ),
        (
            "signature-r-sign-bit",
            105,
            0x80,
            "the sign bit of R's x coordinate",
            "signature.invalid",
        ),
        (
            "signature-s-first",
            106,
            0x01,
            "the lowest bit of S",
            "signature.invalid",
        ),
        (
            "signature-s-top",
            137,
            0x80,
            "the top bit of S (S >= L, non-canonical)",
            "signature.invalid",
        ),
    ];
    for (name, at, mask, what, expected) in flips {
        h.write(h.case(
            &format!("bitflip-{name}"),
            "bitflip",
            &format!("Byte {at} of the reference health code XOR 0x{mask:02x}: {what}."),
            flip(reference, *at, *mask),
            expected,
        ))?;
    }
    // Truncations at structure boundaries.
    for cut in [1usize, 2, 3, 12, 13, 15, 72, 74, 137] {
        let c = reference.get(..cut).unwrap_or_default().to_vec();
        // Cut right after the array head, the 4 declared elements cannot fit in what remains.
        let (expected, why) = if (2..=3).contains(&cut) {
            (
                "cbor.too-many-items",
                " array(4) needs at least 4 more bytes: refused before reading them.",
            )
        } else {
            ("cbor.truncated", "")
        };
        h.write(h.case(
            &format!("truncated-at-{cut}"),
            "truncation",
            &format!("The reference credential cut to its first {cut} bytes.{why}"),
            c,
            expected,
        ))?;
    }
    Ok(())
}

fn cbor_cases(h: &mut Hostile) -> Res<()> {
    // Indefinite-length items inside the signed payload.
    let indef_text = C::Map(with(
        hc_top(),
        int(1),
        Some(C::Raw(vec![0x7f, 0x62, b'S', b'H', 0xff])),
    ));
    let indef_cred = C::Map(with(
        hc_top(),
        int(-270),
        Some(C::Raw({
            let mut v = vec![0xbf];
            for (k, val) in hc_cred() {
                v.extend(k.enc());
                v.extend(val.enc());
            }
            v.push(0xff);
            v
        })),
    ));
    let unsorted_cred = C::Map(with(
        hc_top(),
        int(-270),
        Some(C::MapAsIs(vec![
            (C::U(0), C::U(1)),
            (C::U(2), t("金*")),
            (C::U(1), C::U(0)),
            (C::U(3), C::B(HOLDER_ID.to_vec())),
            (C::U(4), C::U(310_104)),
        ])),
    ));
    let long_form_text = top_with(1, Some(C::Raw(vec![0x78, 0x02, b'S', b'H'])));
    let long_form_key = C::MapAsIs(vec![
        (int(1), t("SH")),
        (int(4), C::U(T0 + 86_400)),
        (int(6), C::U(T0)),
        (
            C::Raw(vec![0x3a, 0x00, 0x00, 0x01, 0x0d]),
            C::Map(hc_cred()),
        ),
    ]);
    let dup_sub_key = C::Map(with(
        hc_top(),
        int(-270),
        Some(C::MapAsIs(
            [hc_cred(), vec![(C::U(4), C::U(310_105))]].concat(),
        )),
    ));
    let float_exp = top_with(
        4,
        Some(C::Raw(
            [vec![0xfb], (1.767_312e9f64).to_be_bytes().to_vec()].concat(),
        )),
    );
    let half_float = top_with(4, Some(C::Raw(vec![0xf9, 0x3c, 0x00])));
    let undefined = top_with(1, Some(C::Raw(vec![0xf7])));
    let simple_32 = top_with(1, Some(C::Raw(vec![0xf8, 0x20])));
    let reserved_ai = top_with(1, Some(C::Raw(vec![0x1c])));
    let lone_break = top_with(1, Some(C::Raw(vec![0xff])));
    let bad_utf8 = top_with(1, Some(C::Raw(vec![0x62, 0xc3, 0x28])));
    let overlong_utf8 = C::Map(top(C::Map(with(
        hc_cred(),
        C::U(2),
        Some(C::Raw(vec![0x63, 0xc0, 0xaa, b'*'])),
    )))); // overlong '*'
    let surrogate = C::Map(top(C::Map(with(
        hc_cred(),
        C::U(2),
        Some(C::Raw(vec![0x64, 0xed, 0xa0, 0x80, b'*'])),
    )))); // U+D800
    // The status reference as `n` nested one-element arrays. The claims map is at depth 0, so the
    // innermost array is at depth n: 15 is within MAX_DEPTH (the claims rule then refuses the value),
    // 16 and 17 are not.
    let nested = |n: usize| {
        let mut deep = C::U(0);
        for _ in 0..n {
            deep = C::A(vec![deep]);
        }
        top_with(-271, Some(deep))
    };
    let too_deep = nested(17);
    // At the item caps: 256 elements or pairs are decoded (and the claims rule refuses the value).
    let array_256 = top_with(
        -271,
        Some(C::Raw([vec![0x99, 0x01, 0x00], vec![0u8; 256]].concat())),
    );
    let map_256 = top_with(
        -271,
        Some(C::Map((0..256).map(|k| (C::U(k), C::U(0))).collect())),
    );
    let mut tags = C::U(T0 + 86_400);
    for _ in 0..20 {
        tags = C::Tag(1, Box::new(tags));
    }
    let tag_chain = top_with(4, Some(tags));
    let array_257 = top_with(
        -271,
        Some(C::Raw([vec![0x99, 0x01, 0x01], vec![0u8; 257]].concat())),
    );
    let map_declares_more = top_with(-271, Some(C::Raw(vec![0xb9, 0x01, 0x00, 0x00, 0x00])));
    let huge_bstr = top_with(
        7,
        Some(C::Raw(vec![
            0x5b, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        ])),
    );
    let huge_text = top_with(1, Some(C::Raw(vec![0x7a, 0xff, 0xff, 0xff, 0xff])));
    let trailing = C::Raw([hc_payload().enc(), vec![0x00]].concat());
    let two_maps = C::Raw([hc_payload().enc(), hc_payload().enc()].concat());
    let cases: Vec<(&str, &str, C, &'static str)> = vec![
        (
            "indefinite-text",
            "iss as an indefinite-length text string (0x7f ... 0xff), validly signed.",
            indef_text,
            "cbor.indefinite-length",
        ),
        (
            "indefinite-credential-map",
            "The credential map with indefinite length (0xbf ... 0xff), validly signed.",
            indef_cred,
            "cbor.indefinite-length",
        ),
        (
            "unsorted-credential-keys",
            "Credential sub-keys 0, 2, 1, 3, 4: not in canonical order.",
            unsorted_cred,
            "cbor.non-canonical",
        ),
        (
            "long-form-text-length",
            "iss \"SH\" with its length in a 1-byte argument (0x78 0x02) instead of the initial byte.",
            long_form_text,
            "cbor.non-canonical",
        ),
        (
            "long-form-negative-key",
            "Claim key -270 as a 4-byte argument (0x3a 0000010d) instead of 2 bytes.",
            long_form_key,
            "cbor.non-canonical",
        ),
        (
            "duplicate-sub-key",
            "The credential map has sub-key 4 (region) twice.",
            dup_sub_key,
            "cbor.duplicate-key",
        ),
        (
            "float-exp",
            "exp as a double-precision float.",
            float_exp,
            "cbor.unsupported",
        ),
        (
            "half-float-exp",
            "exp as a half-precision float 1.0.",
            half_float,
            "cbor.unsupported",
        ),
        (
            "undefined",
            "iss is `undefined` (0xf7).",
            undefined,
            "cbor.unsupported",
        ),
        (
            "simple-value-32",
            "iss is the simple value 32 (0xf8 0x20).",
            simple_32,
            "cbor.unsupported",
        ),
        (
            "reserved-additional-info",
            "iss starts with 0x1c (additional information 28 is reserved).",
            reserved_ai,
            "cbor.unsupported",
        ),
        (
            "lone-break",
            "iss is a lone break byte (0xff).",
            lone_break,
            "cbor.indefinite-length",
        ),
        (
            "invalid-utf8-issuer",
            "iss is the bytes c3 28: not UTF-8.",
            bad_utf8,
            "cbor.invalid-utf8",
        ),
        (
            "overlong-utf8-name",
            "holder_name with an over-long UTF-8 encoding (c0 aa).",
            overlong_utf8,
            "cbor.invalid-utf8",
        ),
        (
            "surrogate-utf8-name",
            "holder_name containing an encoded surrogate (ed a0 80): not UTF-8.",
            surrogate,
            "cbor.invalid-utf8",
        ),
        (
            "nesting-15-within-cap",
            "The status reference as 15 nested one-element arrays: within the nesting cap, so the CBOR decodes and the claims rule refuses the value.",
            nested(15),
            "claims.wrong-type",
        ),
        (
            "nesting-16",
            "The status reference as 16 nested one-element arrays: the innermost array is at depth 16.",
            nested(16),
            "cbor.too-deep",
        ),
        (
            "nesting-17",
            "The status reference as 17 nested one-element arrays.",
            too_deep,
            "cbor.too-deep",
        ),
        (
            "array-256-within-cap",
            "The status reference as an array of 256 zeros: at the item cap, so the CBOR decodes and the claims rule refuses the value.",
            array_256,
            "claims.wrong-type",
        ),
        (
            "map-256-pairs-within-cap",
            "The status reference as a map of 256 pairs: at the item cap, so the CBOR decodes and the claims rule refuses the value.",
            map_256,
            "claims.wrong-type",
        ),
        (
            "tag-chain-20",
            "exp wrapped in 20 nested tags.",
            tag_chain,
            "cbor.too-deep",
        ),
        (
            "array-257",
            "An array declaring 257 elements (the cap is 256).",
            array_257,
            "cbor.too-many-items",
        ),
        (
            "map-declares-256-pairs",
            "A map declaring 256 pairs with 3 bytes left.",
            map_declares_more,
            "cbor.too-many-items",
        ),
        (
            "huge-bstr-length",
            "cti declaring 2^63-1 bytes.",
            huge_bstr,
            "cbor.truncated",
        ),
        (
            "huge-text-length",
            "iss declaring 2^32-1 bytes.",
            huge_text,
            "cbor.truncated",
        ),
        (
            "payload-trailing-byte",
            "A 0x00 after the claims map.",
            trailing,
            "cbor.trailing-bytes",
        ),
        (
            "payload-two-maps",
            "Two claims maps one after the other.",
            two_maps,
            "cbor.trailing-bytes",
        ),
        (
            "payload-empty",
            "An empty payload.",
            C::Raw(Vec::new()),
            "cbor.truncated",
        ),
    ];
    write_signed(h, "cbor", cases)
}

fn claims_cases(h: &mut Hostile) -> Res<()> {
    let citizen = "11010519491231002X";
    let cases: Vec<(&str, &str, C, &'static str)> = vec![
        // Wrong major types.
        (
            "type-payload-array",
            "The payload is an array, not a map.",
            C::A(vec![t("SH")]),
            "claims.wrong-type",
        ),
        (
            "type-payload-tagged",
            "The claims map wrapped in CWT tag 61.",
            C::Tag(61, Box::new(hc_payload())),
            "claims.wrong-type",
        ),
        (
            "type-iss-bstr",
            "iss as a byte string.",
            top_with(1, Some(C::B(b"SH".to_vec()))),
            "claims.wrong-type",
        ),
        (
            "type-iss-null",
            "iss is null.",
            top_with(1, Some(C::Raw(vec![0xf6]))),
            "claims.wrong-type",
        ),
        (
            "type-exp-negative",
            "exp as a negative integer.",
            top_with(4, Some(C::N(5))),
            "claims.wrong-type",
        ),
        (
            "type-exp-text",
            "exp as text.",
            top_with(4, Some(t("1767312000"))),
            "claims.wrong-type",
        ),
        (
            "type-exp-tagged",
            "exp as tag 1 (epoch time) around the integer.",
            top_with(4, Some(C::Tag(1, Box::new(C::U(T0 + 86_400))))),
            "claims.wrong-type",
        ),
        (
            "type-iat-bool",
            "iat is true.",
            top_with(6, Some(C::Raw(vec![0xf5]))),
            "claims.wrong-type",
        ),
        (
            "type-cti-text",
            "cti as text.",
            top_with(7, Some(t("abc"))),
            "claims.wrong-type",
        ),
        (
            "type-claim-key-text",
            "A text claim key \"iss\".",
            C::Map(with(hc_top(), t("iss"), Some(t("SH")))),
            "claims.wrong-type",
        ),
        (
            "type-claim-key-huge-negative",
            "Claim key -2^64 (does not fit a signed 64-bit integer).",
            C::Map(with(hc_top(), C::N(u64::MAX), Some(C::U(0)))),
            "claims.wrong-type",
        ),
        (
            "type-credential-array",
            "The credential claim is an array.",
            top_with(-270, Some(C::A(vec![C::U(1)]))),
            "claims.wrong-type",
        ),
        (
            "type-credential-key-text",
            "A text key inside the credential map.",
            C::Map(top(C::Map(with(hc_cred(), t("kind"), Some(C::U(1)))))),
            "claims.wrong-type",
        ),
        (
            "type-kind-text",
            "kind as text \"health-code\".",
            cred_with(0, Some(t("health-code"))),
            "claims.wrong-type",
        ),
        (
            "type-status-ref-map",
            "The status reference (-271) as a map.",
            top_with(-271, Some(C::Map(vec![(C::U(1), C::U(2))]))),
            "claims.wrong-type",
        ),
        (
            "type-status-ref-three",
            "The status reference with three numbers.",
            top_with(-271, Some(C::A(vec![C::U(1), C::U(2), C::U(3)]))),
            "claims.wrong-type",
        ),
        (
            "type-region-text",
            "region as text.",
            cred_with(4, Some(t("310104"))),
            "claims.wrong-type",
        ),
        (
            "type-holder-id-text",
            "holder_id as text.",
            cred_with(3, Some(t("3f9c510ea247d86b"))),
            "claims.wrong-type",
        ),
        (
            "type-status-bool",
            "The health status is false.",
            cred_with(1, Some(C::Raw(vec![0xf4]))),
            "claims.wrong-type",
        ),
        // Keys.
        (
            "unknown-claim-sub",
            "The registered CWT claim sub (2): not part of the format.",
            top_with(2, Some(t("someone"))),
            "claims.unknown-key",
        ),
        (
            "unknown-claim-aud",
            "The registered CWT claim aud (3).",
            top_with(3, Some(t("venue"))),
            "claims.unknown-key",
        ),
        (
            "unknown-claim-hcert",
            "The EU DCC claim -260 (hcert).",
            top_with(-260, Some(C::Map(vec![]))),
            "claims.unknown-key",
        ),
        (
            "unknown-sub-key-8",
            "Credential sub-key 8: above 7 for every kind.",
            cred_with(8, Some(C::U(0))),
            "claims.unknown-key",
        ),
        (
            "unknown-sub-key-6-health",
            "Sub-key 6 in a health code (its highest is 5).",
            cred_with(6, Some(C::U(0))),
            "claims.unknown-key",
        ),
        (
            "unknown-kind-0",
            "Kind 0.",
            cred_with(0, Some(C::U(0))),
            "claims.unknown-kind",
        ),
        (
            "unknown-kind-6",
            "Kind 6.",
            cred_with(0, Some(C::U(6))),
            "claims.unknown-kind",
        ),
        (
            "unknown-kind-max",
            "Kind 2^64-1.",
            cred_with(0, Some(C::U(u64::MAX))),
            "claims.unknown-kind",
        ),
        (
            "missing-iat",
            "No iat.",
            top_with(6, None),
            "claims.missing",
        ),
        (
            "missing-iss",
            "No iss.",
            top_with(1, None),
            "claims.missing",
        ),
        (
            "missing-exp",
            "No exp.",
            top_with(4, None),
            "claims.missing",
        ),
        (
            "missing-credential",
            "No credential claim (-270).",
            top_with(-270, None),
            "claims.missing",
        ),
        (
            "missing-kind",
            "The credential map has no kind (sub-key 0).",
            cred_with(0, None),
            "claims.missing",
        ),
        (
            "missing-health-status",
            "A health code without its status (sub-key 1).",
            cred_with(1, None),
            "claims.missing",
        ),
        (
            "payload-empty-map",
            "The payload is an empty map.",
            C::Map(vec![]),
            "claims.missing",
        ),
        // Values.
        (
            "value-issuer-empty",
            "An empty iss.",
            top_with(1, Some(t(""))),
            "claims.invalid",
        ),
        (
            "value-issuer-33-bytes",
            "iss of 33 bytes (the limit is 32).",
            top_with(1, Some(t(&"S".repeat(33)))),
            "claims.invalid",
        ),
        (
            "value-issuer-control-char",
            "iss containing U+0007 (BEL).",
            top_with(1, Some(t("S\u{7}H"))),
            "claims.invalid",
        ),
        (
            "value-name-bidi-override",
            "holder_name with U+202E (right-to-left override).",
            cred_with(2, Some(t("\u{202e}*金"))),
            "claims.invalid",
        ),
        (
            "value-name-49-bytes",
            "holder_name of 49 bytes (the limit is 48).",
            cred_with(2, Some(t(&format!("金*{}", "a".repeat(45))))),
            "claims.invalid",
        ),
        (
            "value-name-not-masked",
            "holder_name without a '*': a full name.",
            cred_with(2, Some(t("金三"))),
            "claims.invalid",
        ),
        (
            "value-name-mask-and-ideographic-space",
            "holder_name '*' U+3000 '*': nothing but '*' and White_Space (U+3000 IDEOGRAPHIC SPACE), so not a masked name.",
            cred_with(2, Some(t("*\u{3000}*"))),
            "claims.invalid",
        ),
        (
            "value-name-17-characters",
            "holder_name of 17 characters (the limit is 16) and 19 bytes (within 48).",
            cred_with(2, Some(t(&format!("金{}", "*".repeat(16))))),
            "claims.invalid",
        ),
        (
            "value-holder-id-citizen-id",
            "holder_id that is a valid citizen ID number.",
            cred_with(3, Some(C::B(citizen.as_bytes().to_vec()))),
            "claims.invalid",
        ),
        (
            "value-holder-id-7-bytes",
            "holder_id of 7 bytes (the minimum is 8).",
            cred_with(3, Some(C::B(vec![1; 7]))),
            "claims.invalid",
        ),
        (
            "value-health-status-3",
            "Health status 3.",
            cred_with(1, Some(C::U(3))),
            "claims.invalid",
        ),
        (
            "value-region-over-u32",
            "region 2^32 (above 2^32-1).",
            cred_with(4, Some(C::U(1 << 32))),
            "claims.invalid",
        ),
        (
            "value-exp-equals-iat",
            "exp equal to iat.",
            top_with(4, Some(C::U(T0))),
            "claims.invalid",
        ),
        (
            "value-exp-before-iat",
            "exp before iat.",
            top_with(4, Some(C::U(T0 - 1))),
            "claims.invalid",
        ),
        (
            "value-nbf-equals-iat",
            "nbf present and equal to iat (must be omitted).",
            top_with(5, Some(C::U(T0))),
            "claims.invalid",
        ),
        (
            "value-nbf-after-exp",
            "nbf after exp.",
            top_with(5, Some(C::U(T0 + 2 * 86_400))),
            "claims.invalid",
        ),
        (
            "value-cti-empty",
            "An empty cti.",
            top_with(7, Some(C::B(vec![]))),
            "claims.invalid",
        ),
        (
            "value-cti-17-bytes",
            "cti of 17 bytes (the limit is 16).",
            top_with(7, Some(C::B(vec![7; 17]))),
            "claims.invalid",
        ),
        (
            "value-reason-65-bytes",
            "reason of 65 bytes (the limit is 64).",
            cred_with(5, Some(t(&"r".repeat(65)))),
            "claims.invalid",
        ),
    ];
    write_signed(h, "claims", cases)
}

fn identifier_cases(h: &mut Hostile) -> Res<()> {
    let mut cases: Vec<(&str, &str, C, &'static str)> = vec![
        (
            "region-province-99",
            "region 990101: 99 is not a province code.",
            cred_with(4, Some(C::U(990_101))),
            "identifier.invalid",
        ),
        (
            "region-five-digits",
            "region 31010: not six digits.",
            cred_with(4, Some(C::U(31_010))),
            "identifier.invalid",
        ),
        (
            "region-83-not-a-region",
            "region 830000: 83 appears in citizen IDs but is not a region.",
            cred_with(4, Some(C::U(830_000))),
            "identifier.invalid",
        ),
    ];
    // Other kinds, from the samples with one field replaced.
    let kinds: Vec<(&str, &str, Kind, u64, C)> = vec![
        (
            "uscc-lowercase",
            "A business licence whose USCC is in lower case.",
            Kind::BusinessLicence,
            1,
            t("91310110666007217t"),
        ),
        (
            "citizen-id-lowercase-x",
            "A social-security card whose citizen ID ends in a lower-case x.",
            Kind::SocialSecurityCard,
            3,
            t("11010519491231002x"),
        ),
        (
            "citizen-id-feb-30",
            "A citizen ID with birth date 1990-02-30.",
            Kind::SocialSecurityCard,
            3,
            t("110105199002300011"),
        ),
        (
            "food-licence-prefix",
            "A food-business licence number starting JX.",
            Kind::FoodBusinessLicence,
            1,
            t("JX13101150012345"),
        ),
        (
            "licence-id-129-bytes",
            "An electronic-licence identifier of 129 bytes (the limit is 128).",
            Kind::ElectronicLicence,
            1,
            t(&format!("1.2.156.3005.2.{}", "1".repeat(114))),
        ),
        (
            "card-number-lowercase",
            "A social-security card number with lower-case letters.",
            Kind::SocialSecurityCard,
            1,
            t("a12345678"),
        ),
    ];
    for (name, description, kind, sub, value) in kinds {
        let claims = samples::claims(kind, T0, [2; 8]);
        let payload = claims.to_cbor();
        let v = yima_core::cbor::decode(&payload)?;
        let edited = edit_credential(&v, sub, &value)?;
        cases.push((name, description, C::Raw(edited), "identifier.invalid"));
    }
    write_signed(h, "identifier", cases)
}

/// Re-encodes a claims map with credential sub-key `sub` replaced by `value`.
fn edit_credential(v: &yima_core::cbor::Value<'_>, sub: u64, value: &C) -> Res<Vec<u8>> {
    use yima_core::cbor::Value;
    let Value::Map(pairs) = v else {
        return Err("claims are not a map".into());
    };
    let mut out = Vec::new();
    for (k, val) in pairs {
        let kc = C::Raw(k.encode());
        if k.as_i64() == Some(-270) {
            let Value::Map(cred) = val else {
                return Err("credential is not a map".into());
            };
            let cpairs: Vec<(C, C)> = cred
                .iter()
                .map(|(ck, cv)| {
                    if matches!(ck, Value::Uint(n) if *n == sub) {
                        (C::Raw(ck.encode()), value.clone())
                    } else {
                        (C::Raw(ck.encode()), C::Raw(cv.encode()))
                    }
                })
                .collect();
            out.push((kc, C::Map(cpairs)));
        } else {
            out.push((kc, C::Raw(val.encode())));
        }
    }
    Ok(C::Map(out).enc())
}

fn header_cases(h: &mut Hostile, reference: &[u8]) -> Res<()> {
    let kid = C::B(h.issuer.kid().to_vec());
    let hdr = |pairs: Vec<(C, C)>| C::Map(pairs);
    let alg = |a: C| (int(1), a);
    let k = || (int(4), kid.clone());
    let cases: Vec<(&str, &str, C, &'static str)> = vec![
        (
            "alg-zero",
            "alg 0 (reserved: the closest COSE has to \"none\").",
            hdr(vec![alg(C::U(0)), k()]),
            "header.alg-unknown",
        ),
        (
            "alg-text-none",
            "alg as the text \"none\".",
            hdr(vec![alg(t("none")), k()]),
            "header.invalid",
        ),
        (
            "alg-text-eddsa",
            "alg as the text \"EdDSA\" (a JOSE-style name).",
            hdr(vec![alg(t("EdDSA")), k()]),
            "header.invalid",
        ),
        (
            "alg-ed25519-fully-specified",
            "alg -19 (Ed25519, fully specified): recognised, but the key is bound to -8.",
            hdr(vec![alg(int(-19)), k()]),
            "key.alg-mismatch",
        ),
        (
            "alg-es384",
            "alg -35 (ES384) with the kid of an Ed25519 key.",
            hdr(vec![alg(int(-35)), k()]),
            "key.alg-mismatch",
        ),
        (
            "alg-hmac",
            "alg 5 (HMAC 256/256, a MAC algorithm, not a signature algorithm) with an Ed25519 kid.",
            hdr(vec![alg(C::U(5)), k()]),
            "header.alg-unknown",
        ),
        (
            "alg-below-i64",
            "alg -2^64: does not fit a signed 64-bit integer.",
            hdr(vec![alg(C::N(u64::MAX)), k()]),
            "header.invalid",
        ),
        (
            "alg-missing",
            "A protected header with kid only.",
            hdr(vec![k()]),
            "header.alg-missing",
        ),
        (
            "protected-empty-map",
            "An empty protected map.",
            hdr(vec![]),
            "header.alg-missing",
        ),
        (
            "crit-empty",
            "crit as an empty array.",
            hdr(vec![alg(int(-8)), (int(2), C::A(vec![])), k()]),
            "header.invalid",
        ),
        (
            "crit-lists-alg",
            "crit lists alg (1), which RFC 9052 forbids; nothing critical is understood.",
            hdr(vec![alg(int(-8)), (int(2), C::A(vec![C::U(1)])), k()]),
            "header.unknown-critical",
        ),
        (
            "crit-integer",
            "crit as an integer.",
            hdr(vec![alg(int(-8)), (int(2), C::U(1)), k()]),
            "header.invalid",
        ),
        (
            "crit-text-label",
            "crit lists the text label \"exp\".",
            hdr(vec![alg(int(-8)), (int(2), C::A(vec![t("exp")])), k()]),
            "header.unknown-critical",
        ),
        (
            "typ-trust-bundle",
            "typ \"application/yima-trust+cwt\" on a credential: a bundle's type.",
            hdr(vec![
                alg(int(-8)),
                k(),
                (int(16), t("application/yima-trust+cwt")),
            ]),
            "header.unknown-label",
        ),
        (
            "typ-status-list",
            "typ \"application/statuslist+cwt\" on a credential.",
            hdr(vec![
                alg(int(-8)),
                k(),
                (int(16), t("application/statuslist+cwt")),
            ]),
            "header.unknown-label",
        ),
        (
            "content-type",
            "content type (3) \"application/cwt\".",
            hdr(vec![alg(int(-8)), (int(3), t("application/cwt")), k()]),
            "header.unknown-label",
        ),
        (
            "x5chain",
            "An x5chain (33) certificate.",
            hdr(vec![alg(int(-8)), k(), (int(33), C::B(vec![0x30, 0x00]))]),
            "header.unknown-label",
        ),
        (
            "private-label",
            "A private-use label -65537.",
            hdr(vec![alg(int(-8)), k(), (int(-65_537), C::U(1))]),
            "header.unknown-label",
        ),
        (
            "text-label",
            "A text label \"kid\".",
            hdr(vec![alg(int(-8)), k(), (t("kid"), C::B(vec![1]))]),
            "header.invalid",
        ),
        (
            "kid-empty",
            "An empty kid.",
            hdr(vec![alg(int(-8)), (int(4), C::B(vec![]))]),
            "header.invalid",
        ),
        (
            "kid-33-bytes",
            "A kid of 33 bytes (the limit is 32).",
            hdr(vec![alg(int(-8)), (int(4), C::B(vec![7; 33]))]),
            "header.invalid",
        ),
        (
            "kid-text",
            "kid as text.",
            hdr(vec![alg(int(-8)), (int(4), t("437fffd3"))]),
            "header.invalid",
        ),
        (
            "kid-8-bytes",
            "A kid of 8 bytes: accepted by the parser, matches no 4-byte kid.",
            hdr(vec![
                alg(int(-8)),
                (int(4), C::B([h.issuer.kid().to_vec(), vec![0; 4]].concat())),
            ]),
            "key.unknown-kid",
        ),
        (
            "kid-missing",
            "alg only.",
            hdr(vec![alg(int(-8))]),
            "header.kid-missing",
        ),
        (
            "protected-array",
            "The protected header is an array [1, -8].",
            C::A(vec![C::U(1), int(-8)]),
            "header.invalid",
        ),
        (
            "protected-unsorted",
            "The protected map with kid before alg.",
            C::MapAsIs(vec![k(), alg(int(-8))]),
            "cbor.non-canonical",
        ),
        (
            "protected-trailing-byte",
            "A 0x00 after the protected map.",
            C::Raw([hdr(vec![alg(int(-8)), k()]).enc(), vec![0]].concat()),
            "cbor.trailing-bytes",
        ),
        (
            "protected-duplicate-alg",
            "alg twice in the protected map.",
            C::MapAsIs(vec![alg(int(-8)), alg(int(-8)), k()]),
            "cbor.duplicate-key",
        ),
    ];
    for (name, description, protected, expected) in cases {
        let name = format!("header-{name}");
        h.write(h.with_header(&name, description, &protected, expected))?;
    }
    // Empty protected bstr (RFC 9052's encoding of no protected header).
    h.write(h.case(
        "header-protected-zero-length",
        "header",
        "A zero-length protected header (alg nowhere).",
        sign_raw(&h.issuer, &[], &hc_payload().enc()),
        "header.alg-missing",
    ))?;

    // The unprotected header and the COSE structure, built by hand.
    let p = eddsa_header(&h.issuer);
    let payload = hc_payload().enc();
    let sig = h.issuer.sign(&cose::sig_structure(&p, &payload));
    let body = |items: Vec<C>| C::Tag(18, Box::new(C::A(items))).enc();
    let pb = || C::B(p.clone());
    let plb = || C::B(payload.clone());
    let sb = || C::B(sig.to_vec());
    let structure: Vec<(&str, &'static str, &str, Vec<u8>, &'static str)> = vec![
        (
            "header-unprotected-kid",
            "header",
            "The kid repeated in the unprotected header.",
            body(vec![
                pb(),
                C::Map(vec![(int(4), C::B(h.issuer.kid().to_vec()))]),
                plb(),
                sb(),
            ]),
            "header.unprotected-not-empty",
        ),
        (
            "header-unprotected-alg",
            "header",
            "alg in the unprotected header.",
            body(vec![pb(), C::Map(vec![(int(1), int(-8))]), plb(), sb()]),
            "header.unprotected-not-empty",
        ),
        (
            "header-unprotected-crit",
            "header",
            "crit in the unprotected header.",
            body(vec![
                pb(),
                C::Map(vec![(int(2), C::A(vec![C::U(99)]))]),
                plb(),
                sb(),
            ]),
            "header.unprotected-not-empty",
        ),
        (
            "header-unprotected-iv",
            "header",
            "An IV (5) in the unprotected header.",
            body(vec![
                pb(),
                C::Map(vec![(int(5), C::B(vec![0; 12]))]),
                plb(),
                sb(),
            ]),
            "header.unknown-label",
        ),
        (
            "header-unprotected-text-label",
            "header",
            "A text label in the unprotected header.",
            body(vec![pb(), C::Map(vec![(t("x"), C::U(1))]), plb(), sb()]),
            "header.invalid",
        ),
        (
            "cose-detached-payload",
            "cose",
            "A nil (detached) payload.",
            body(vec![pb(), C::Map(vec![]), C::Raw(vec![0xf6]), sb()]),
            "cose.structure",
        ),
        (
            "cose-signature-63-bytes",
            "cose",
            "A 63-byte signature.",
            body(vec![
                pb(),
                C::Map(vec![]),
                plb(),
                C::B(sig.get(..63).unwrap_or_default().to_vec()),
            ]),
            "cose.structure",
        ),
        (
            "cose-signature-text",
            "cose",
            "The signature as a text string.",
            body(vec![pb(), C::Map(vec![]), plb(), t("signature")]),
            "cose.structure",
        ),
        (
            "cose-array-3",
            "cose",
            "A COSE_Sign1 array of 3 elements.",
            body(vec![pb(), C::Map(vec![]), plb()]),
            "cose.structure",
        ),
        (
            "cose-array-5",
            "cose",
            "A COSE_Sign1 array of 5 elements.",
            body(vec![pb(), C::Map(vec![]), plb(), sb(), C::U(0)]),
            "cose.structure",
        ),
        (
            "cose-tag-inside-tag",
            "cose",
            "18(18([...])): a second tag inside tag 18.",
            C::Tag(
                18,
                Box::new(C::Tag(
                    18,
                    Box::new(C::A(vec![pb(), C::Map(vec![]), plb(), sb()])),
                )),
            )
            .enc(),
            "cose.structure",
        ),
        (
            "cose-tagged-map",
            "cose",
            "Tag 18 around a map.",
            C::Tag(18, Box::new(C::Map(vec![(C::U(1), pb())]))).enc(),
            "cose.structure",
        ),
        (
            "cose-protected-as-map",
            "cose",
            "The protected header as a map instead of a byte string.",
            body(vec![
                C::Map(vec![(int(1), int(-8))]),
                C::Map(vec![]),
                plb(),
                sb(),
            ]),
            "cose.structure",
        ),
        (
            "tag-cose-sign-98",
            "tag",
            "Tag 98 (COSE_Sign) around the same array.",
            C::Tag(98, Box::new(C::A(vec![pb(), C::Map(vec![]), plb(), sb()]))).enc(),
            "cose.wrong-tag",
        ),
        (
            "tag-cose-sign-98-shaped",
            "tag",
            "A real COSE_Sign shape: tag 98, 4th element an array of [protected, unprotected, signature].",
            C::Tag(
                98,
                Box::new(C::A(vec![
                    C::B(vec![]),
                    C::Map(vec![]),
                    plb(),
                    C::A(vec![C::A(vec![pb(), C::Map(vec![]), sb()])]),
                ])),
            )
            .enc(),
            "cose.wrong-tag",
        ),
        (
            "tag-cose-mac0-17",
            "tag",
            "Tag 17 (COSE_Mac0) around a 4-element array.",
            C::Tag(17, Box::new(C::A(vec![pb(), C::Map(vec![]), plb(), sb()]))).enc(),
            "cose.wrong-tag",
        ),
        (
            "tag-cose-encrypt0-16",
            "tag",
            "Tag 16 (COSE_Encrypt0).",
            C::Tag(16, Box::new(C::A(vec![pb(), C::Map(vec![]), plb()]))).enc(),
            "cose.wrong-tag",
        ),
        (
            "tag-cwt-61-around-18",
            "tag",
            "CWT tag 61 around the tagged COSE_Sign1 (yima credentials are not wrapped).",
            C::Tag(61, Box::new(C::Raw(reference.to_vec()))).enc(),
            "cose.wrong-tag",
        ),
        (
            "tag-self-describe-55799",
            "tag",
            "Self-described CBOR tag 55799 around the credential.",
            C::Tag(55_799, Box::new(C::Raw(reference.to_vec()))).enc(),
            "cose.wrong-tag",
        ),
        (
            "tag-missing-map",
            "tag",
            "An untagged map.",
            C::Map(vec![(C::U(1), C::U(2))]).enc(),
            "cose.untagged",
        ),
    ];
    for (name, group, description, bytes, expected) in structure {
        h.write(h.case(name, group, description, bytes, expected))?;
    }
    Ok(())
}

/// Two seeds whose Ed25519 public keys share the 4-byte kid `b7985f8d` (the pair of
/// `crates/yima-core/tests/common/mod.rs`).
fn colliding() -> (SigningKey, SigningKey) {
    let seed = |i: u64| {
        let mut s = [0u8; 32];
        for (d, b) in s.iter_mut().zip(i.to_le_bytes()) {
            *d = b;
        }
        if let Some(last) = s.last_mut() {
            *last = 0x4b;
        }
        SigningKey::from_seed(&s)
    };
    (seed(39_540), seed(74_367))
}

fn key_cases(h: &mut Hostile, claims: &Claims) -> Res<()> {
    let g = "key";
    let (a, b) = colliding();
    if a.kid() != b.kid() {
        return Err("the colliding seeds no longer collide".into());
    }
    let payload = hc_payload().enc();
    let by_a = sign_raw(&a, &eddsa_header(&a), &payload);
    for (name, description, keys, expected) in [
        (
            "key-kid-collision-wrong-key-only",
            "Signed by key A; the verifier trusts only key B, whose kid is the same (b7985f8d).",
            vec![b.verifying_key()],
            "signature.invalid",
        ),
        (
            "key-kid-collision-both",
            "Signed by key A; the verifier trusts B and A (same kid): every key with the kid is tried.",
            vec![b.verifying_key(), a.verifying_key()],
            "valid",
        ),
        (
            "key-kid-collision-both-reversed",
            "As key-kid-collision-both with the keys in the other order.",
            vec![a.verifying_key(), b.verifying_key()],
            "valid",
        ),
        (
            "key-no-trusted-keys",
            "No trusted keys at all.",
            vec![],
            "key.unknown-kid",
        ),
    ] {
        h.write(Case {
            keys: Keys::Good(keys),
            claims: (expected == "valid").then(|| claims.clone()),
            ..h.case(name, g, description, by_a.clone(), expected)
        })?;
    }
    // Keys the verifier must refuse to load. Small-order points (the 8-torsion): the identity (y = 1),
    // the point of order 2 (y = -1), and one of order 4 (y = 0). And non-canonical / off-curve encodings.
    let mut identity = [0u8; 32];
    identity[0] = 1;
    let mut minus_one = [0xffu8; 32];
    minus_one[0] = 0xec;
    minus_one[31] = 0x7f;
    let order4 = [0u8; 32];
    let mut y_is_p = [0xffu8; 32]; // y = p = 2^255 - 19: non-canonical encoding of y = 0
    y_is_p[0] = 0xed;
    y_is_p[31] = 0x7f;
    let mut not_on_curve = [0u8; 32];
    not_on_curve[0] = 2; // y = 2 has no x on the curve
    let good = h.issuer_pub().to_bytes();
    let load: Vec<(&str, &str, [u8; 32], &'static str)> = vec![
        (
            "key-small-order-identity",
            "A trusted key that is the identity point (small order): refused when loaded.",
            identity,
            "key.weak-public",
        ),
        (
            "key-small-order-2",
            "A trusted key of order 2 (y = -1): refused when loaded.",
            minus_one,
            "key.weak-public",
        ),
        (
            "key-small-order-4",
            "A trusted key of order 4 (y = 0): refused when loaded.",
            order4,
            "key.weak-public",
        ),
        (
            "key-non-canonical-y",
            "A trusted key whose y is encoded as p (non-canonical): refused when loaded.",
            y_is_p,
            "key.invalid-public",
        ),
        (
            "key-not-on-curve",
            "A trusted key that is not the encoding of a curve point: refused when loaded.",
            not_on_curve,
            "key.invalid-public",
        ),
    ];
    let reference = h.sign(&payload);
    for (name, description, raw, expected) in load {
        let description = format!(
            "{description} The credential is the valid reference health code; the good key is listed first."
        );
        h.write(Case {
            keys: Keys::Raw(vec![good, raw]),
            ..h.case(name, g, &description, reference.clone(), expected)
        })?;
    }
    Ok(())
}

const L: [u8; 32] = [
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
];

fn signature_cases(h: &mut Hostile, reference: &[u8], cti: [u8; 8]) -> Res<()> {
    let g = "signature";
    let u = Unverified::from_cose(reference.to_vec())?;
    let sig = *u.signature();
    let with_sig = |s: [u8; 64]| cose::assemble(u.protected_bytes(), u.payload_bytes(), &s);
    let mut plus_l = sig;
    let mut carry = 0u16;
    for (i, l) in L.iter().enumerate() {
        if let Some(b) = plus_l.get_mut(32 + i) {
            let v = u16::from(*b) + u16::from(*l) + carry;
            *b = (v & 0xff) as u8;
            carry = v >> 8;
        }
    }
    let mut zero_s = sig;
    for b in zero_s.iter_mut().skip(32) {
        *b = 0;
    }
    let mut identity_r = sig;
    for (i, b) in identity_r.iter_mut().take(32).enumerate() {
        *b = u8::from(i == 0);
    }
    let mut r_non_canonical = sig;
    for (i, b) in r_non_canonical.iter_mut().take(32).enumerate() {
        *b = match i {
            0 => 0xee, // y = p + 1, i.e. 1 (the identity) encoded non-canonically
            31 => 0x7f,
            _ => 0xff,
        };
    }
    // Payload swapped between two valid credentials (both signed by the issuer).
    let licence = samples::claims(Kind::BusinessLicence, T0, cti);
    let licence_cose = h.sign(&licence.to_cbor());
    let lu = Unverified::from_cose(licence_cose.clone())?;
    let swapped = cose::assemble(lu.protected_bytes(), u.payload_bytes(), lu.signature());
    let other_sig = cose::assemble(u.protected_bytes(), u.payload_bytes(), lu.signature());
    // Re-keyed: the header names the other key (trusted too), the signature is the issuer's.
    let other_header = cose::protected_header(-8, &h.other.kid());
    let rekeyed = cose::assemble(&other_header, u.payload_bytes(), &sig);
    let cases: Vec<(&str, &str, Vec<u8>, &'static str)> = vec![
        (
            "signature-s-plus-l",
            "S replaced by S + L (the malleable twin): strict verification refuses S >= L.",
            with_sig(plus_l).to_vec(),
            "signature.invalid",
        ),
        (
            "signature-s-zero",
            "S = 0.",
            with_sig(zero_s),
            "signature.invalid",
        ),
        (
            "signature-r-identity",
            "R is the identity point (small order).",
            with_sig(identity_r),
            "signature.invalid",
        ),
        (
            "signature-r-non-canonical",
            "R is a non-canonical encoding (y = p + 1).",
            with_sig(r_non_canonical),
            "signature.invalid",
        ),
        (
            "signature-all-zero",
            "64 zero bytes.",
            with_sig([0; 64]),
            "signature.invalid",
        ),
        (
            "signature-payload-swapped",
            "The health code's payload under a business licence's protected header and signature (both valid credentials of the same issuer).",
            swapped,
            "signature.invalid",
        ),
        (
            "signature-from-other-credential",
            "The health code with the signature of another valid credential of the same issuer.",
            other_sig,
            "signature.invalid",
        ),
    ];
    for (name, description, bytes, expected) in cases {
        h.write(h.case(name, g, description, bytes, expected))?;
    }
    strict_ed25519_cases(h)?;
    h.write(Case {
        keys: Keys::Good(vec![h.issuer_pub(), h.other.verifying_key()]),
        ..h.case(
            "signature-rekeyed-header",
            g,
            "The protected header changed to name another trusted key; signature and payload unchanged.",
            rekeyed,
            "signature.invalid",
        )
    })
}

/// Signatures that satisfy a weaker Ed25519 check but not the strict one of §5.4, made with the
/// signer's secret scalar: one whose R is of small order yet satisfies the cofactorless equation (only
/// step 3 refuses it), and one whose R has a small-order component, so that only the cofactored
/// equation holds (only step 5 refuses it). A library that verifies the cofactored way, or omits the
/// small-order check of R, accepts them.
fn strict_ed25519_cases(h: &mut Hostile) -> Res<()> {
    use curve25519_dalek::constants::EIGHT_TORSION;
    use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
    use curve25519_dalek::scalar::{Scalar, clamp_integer};
    use sha2::{Digest, Sha512};

    let g = "signature";
    let seed = *b"yima hostile strict ed25519 key1";
    let key = SigningKey::from_seed(&seed);
    let a_bytes = key.verifying_key().to_bytes();
    // RFC 8032 §5.1.5: the secret scalar is the clamped first half of SHA-512(seed).
    let half: [u8; 32] = Sha512::digest(seed)
        .get(..32)
        .and_then(|h| h.try_into().ok())
        .ok_or("SHA-512 is 64 bytes")?;
    let a = Scalar::from_bytes_mod_order(clamp_integer(half));
    let big_a = EdwardsPoint::mul_base(&a);
    if big_a.compress().to_bytes() != a_bytes {
        return Err("strict Ed25519 cases: the secret scalar does not match the public key".into());
    }
    let protected = eddsa_header(&key);
    let payload = hc_payload().enc();
    let message = cose::sig_structure(&protected, &payload);
    let challenge = |r: &[u8; 32]| {
        let mut hash = Sha512::new();
        hash.update(r);
        hash.update(a_bytes);
        hash.update(&message);
        Scalar::from_hash(hash)
    };
    let signature = |r: &[u8; 32], s: &Scalar| {
        let mut sig = [0u8; 64];
        let (r_half, s_half) = sig.split_at_mut(32);
        r_half.copy_from_slice(r);
        s_half.copy_from_slice(s.as_bytes());
        cose::assemble(&protected, &payload, &sig)
    };

    // 1. R = the identity, S = k·a: [S]B = R + [k]A holds exactly.
    let identity = EdwardsPoint::default();
    let r1 = identity.compress().to_bytes();
    let k1 = challenge(&r1);
    let s1 = k1 * a;
    if EdwardsPoint::mul_base(&s1) != identity + k1 * big_a {
        return Err(
            "strict Ed25519 cases: the small-order R signature does not satisfy the equation"
                .into(),
        );
    }
    // 2. R = [r]B + T with T of order 8, S = r + k·a: [8][S]B = [8]R + [8][k]A, but [S]B - [k]A ≠ R.
    let r = Scalar::from_bytes_mod_order(*b"yima hostile mixed-order nonce 1");
    let torsion = EIGHT_TORSION.get(1).ok_or("no 8-torsion point")?;
    let big_r = EdwardsPoint::mul_base(&r) + torsion;
    let r2 = big_r.compress().to_bytes();
    let k2 = challenge(&r2);
    let s2 = r + k2 * a;
    let cofactored =
        (EdwardsPoint::mul_base(&s2) - k2 * big_a).mul_by_cofactor() == big_r.mul_by_cofactor();
    let cofactorless =
        (EdwardsPoint::mul_base(&s2) - k2 * big_a).compress() == CompressedEdwardsY(r2);
    if !cofactored || cofactorless || big_r.is_small_order() {
        return Err(
            "strict Ed25519 cases: the mixed-order R signature is not what it should be".into(),
        );
    }

    let cases = [
        (
            "signature-small-order-r-equation-holds",
            "R is the identity and S = k·a (made with the signer's secret scalar), so [S]B = R + [k]A holds: only the small-order check of R (§5.4 step 3) refuses it.",
            signature(&r1, &s1),
        ),
        (
            "signature-mixed-order-r-cofactored-only",
            "R = [r]B + T with T of order 8 and S = r + k·a (made with the signer's secret scalar): the cofactored equation holds, the cofactorless one of §5.4 step 5 does not.",
            signature(&r2, &s2),
        ),
    ];
    for (name, description, bytes) in cases {
        h.write(Case {
            keys: Keys::Good(vec![key.verifying_key()]),
            ..h.case(name, g, description, bytes, "signature.invalid")
        })?;
    }
    Ok(())
}

fn time_cases(h: &mut Hostile, reference: &[u8], claims: &Claims) -> Res<()> {
    let g = "time";
    let exp = T0 + 86_400;
    let cases: Vec<(&str, &str, u64, u64, &'static str)> = vec![
        (
            "time-expired-a-year",
            "Otherwise valid, checked a year after exp.",
            exp + 365 * 86_400,
            0,
            "time.expired",
        ),
        (
            "time-expired-at-exp-plus-leeway",
            "Checked exactly at exp + leeway (300 s): expired.",
            exp + 300,
            300,
            "time.expired",
        ),
        (
            "time-valid-just-inside-leeway",
            "Checked at exp + leeway - 1: valid.",
            exp + 299,
            300,
            "valid",
        ),
        (
            "time-before-iat-beyond-leeway",
            "Checked 301 s before iat with 300 s leeway.",
            T0 - 301,
            300,
            "time.not-yet-valid",
        ),
        (
            "time-epoch",
            "Checked at time 0.",
            0,
            0,
            "time.not-yet-valid",
        ),
        (
            "time-max-leeway",
            "Leeway 2^64-1 at 9999-12-31T23:59:59Z: the window's ends saturate instead of wrapping around, so the (infinitely lenient) check passes.",
            253_402_300_799,
            u64::MAX,
            "valid",
        ),
    ];
    for (name, description, now, leeway, expected) in cases {
        h.write(Case {
            now,
            leeway,
            claims: (expected == "valid").then(|| claims.clone()),
            ..h.case(name, g, description, reference.to_vec(), expected)
        })?;
    }
    Ok(())
}

/// Venue-shaped cases: claims of one kind under a key whose issuer may only issue another kind.
fn issuer_kind_cases(h: &mut Hostile, rng: &mut ChaCha20Rng) -> Res<()> {
    let bundle_key = signing_key(rng);
    let health_issuer = h.issuer.verifying_key();
    let card_issuer = h.other.verifying_key();
    let contents = BundleContents {
        seq: 1,
        issued_at: T0 - 3600,
        expires_at: T0 + 30 * 86_400,
        issuers: vec![
            Issuer {
                name: "SH".into(),
                key: health_issuer,
                kinds: vec![Kind::HealthCode],
                valid_from: 0,
                valid_until: T0 + 365 * 86_400,
            },
            Issuer {
                name: "HRSS".into(),
                key: card_issuer,
                kinds: vec![Kind::SocialSecurityCard],
                valid_from: 0,
                valid_until: T0 + 365 * 86_400,
            },
        ],
        status_lists: Vec::<Vec<u8>>::new(),
    };
    let bundle = contents.sign(&bundle_key);
    let policy = Policy::default();
    let check_bundle = TrustBundle::verify(
        &bundle,
        &bundle_key.verifying_key(),
        &BundleCheck {
            now: NOW,
            skew: policy.clock_skew,
            accepted_seq: Some(1),
            max_age: None,
        },
    )
    .map_err(|e| format!("issuer-kind bundle: {e}"))?;
    let mk = |kind: Kind, iss: &str, key: &SigningKey| -> Res<String> {
        let mut c = samples::claims(kind, T0, [9; 8]);
        c.issuer = iss.to_owned();
        Ok(yima_core::issue(&c, key)?.text)
    };
    let cases: Vec<(&str, &str, String, Expected)> = vec![
        (
            "issuer-kind-licence-from-health-issuer",
            "A business licence signed by SH, whom the bundle allows health codes only.",
            mk(Kind::BusinessLicence, "SH", &h.issuer)?,
            Refused("issuer.kind-not-authorised", "issuer"),
        ),
        (
            "issuer-kind-health-from-card-issuer",
            "A health code signed by HRSS, whom the bundle allows social-security cards only.",
            mk(Kind::HealthCode, "HRSS", &h.other)?,
            Refused("issuer.kind-not-authorised", "issuer"),
        ),
        (
            "issuer-kind-name-of-other-issuer",
            "A health code signed by HRSS's key but naming SH as iss.",
            mk(Kind::HealthCode, "SH", &h.other)?,
            Refused("issuer.name-mismatch", "issuer"),
        ),
        (
            "issuer-kind-card-accepted",
            "Control: a social-security card from HRSS is accepted.",
            mk(Kind::SocialSecurityCard, "HRSS", &h.other)?,
            Accepted,
        ),
    ];
    for (name, description, input, expected) in cases {
        let got = match yima_core::policy::check(&input, &check_bundle, &policy, NOW) {
            Ok(_) => "accepted",
            Err(r) => r.code,
        };
        if got != expected.code() {
            mismatch(name, expected.code(), got);
        }
        // A venue vector (venue/*.json) plus its group.
        let case = crate::venue::Case {
            name,
            description,
            bundle: &bundle,
            policy: &policy,
            accepted_seq: Some(1),
            now: NOW,
            input: &input,
            expected,
        };
        let mut v = case.json(&bundle_key.verifying_key())?;
        if let Some(m) = v.as_object_mut() {
            m.insert("group".into(), json!("issuer-kind"));
        }
        h.put(name, &v)?;
    }
    Ok(())
}

fn image_cases(h: &mut Hostile, reference: &[u8]) -> Res<()> {
    let g = "image";
    let img = |name: &str| format!("hostile/img/{name}");
    let truncated = {
        let full =
            yima_qr::encode(&transport::encode(reference), yima_qr::EcLevel::M)?.to_png(2, 4)?;
        full.get(..full.len() / 2).unwrap_or_default().to_vec()
    };
    let qr = |text: &str| -> Res<Vec<u8>> {
        Ok(yima_qr::encode(text, yima_qr::EcLevel::M)?.to_png(3, 4)?)
    };
    let truncated_cose = reference.get(..100).unwrap_or_default();
    let webp = {
        let mut w = b"RIFF".to_vec();
        w.extend_from_slice(&26u32.to_le_bytes());
        w.extend_from_slice(b"WEBPVP8 ");
        w.extend_from_slice(&14u32.to_le_bytes());
        w.extend_from_slice(&[
            0x30, 0x01, 0x00, 0x9d, 0x01, 0x2a, 0x01, 0x00, 0x01, 0x00, 0x02, 0x00, 0x34, 0x25,
        ]);
        w
    };
    let files: Vec<(&str, &str, Vec<u8>, &'static str)> = vec![
        (
            "png-header-100000x100000.png",
            "A PNG whose header claims 100000 x 100000 pixels (and has no image data): refused before decoding.",
            png(100_000, 100_000, 255, false)?,
            "image.too-large",
        ),
        (
            "png-9000x1.png",
            "A PNG 9000 pixels wide and 1 high: over the 8192-pixel side limit although tiny.",
            png(9000, 1, 255, true)?,
            "image.too-large",
        ),
        (
            "jpeg-header-65500x65500.jpg",
            "A JPEG whose frame header claims 65500 x 65500 pixels: refused before decoding.",
            jpeg_header(65_500, 65_500),
            "image.too-large",
        ),
        (
            "png-signature-then-garbage.png",
            "The PNG signature followed by text.",
            [PNG_SIGNATURE.to_vec(), b"this is not a PNG".to_vec()].concat(),
            "image.decode",
        ),
        (
            "png-truncated.png",
            "A QR code PNG cut in half (inside the image data).",
            truncated,
            "image.decode",
        ),
        (
            "png-zero-width.png",
            "A PNG declaring width 0.",
            png(0, 10, 255, true)?,
            "image.decode",
        ),
        (
            "jpeg-soi-then-garbage.jpg",
            "The JPEG start-of-image marker followed by text.",
            [vec![0xff, 0xd8, 0xff], b"not a JPEG".to_vec()].concat(),
            "image.decode",
        ),
        (
            "webp-corrupt.webp",
            "A WebP file whose VP8 data is corrupt.",
            webp,
            "image.decode",
        ),
        (
            "blank-64x64.png",
            "A valid white 64 x 64 PNG: no QR code in it.",
            png(64, 64, 255, true)?,
            "scan.no-code",
        ),
        (
            "black-1x1.png",
            "A valid 1 x 1 PNG.",
            png(1, 1, 0, true)?,
            "scan.no-code",
        ),
        (
            "qr-not-yima.png",
            "A readable QR code whose text is not a yima text.",
            qr("HELLO, WORLD")?,
            "prefix.unknown",
        ),
        (
            "qr-truncated-cose.png",
            "A readable QR code of a YM1: text whose COSE bytes are cut short.",
            qr(&transport::encode(truncated_cose))?,
            "cbor.truncated",
        ),
        (
            "qr-bad-signature.png",
            "A readable QR code of a credential with one signature bit flipped.",
            qr(&transport::encode(&flip(reference, 100, 0x04)))?,
            "signature.invalid",
        ),
    ];
    for (file, description, bytes, expected) in files {
        let rel = img(file);
        std::fs::write(h.root.join(&rel), &bytes)?;
        let stem = file.split('.').next().unwrap_or(file);
        let name = format!("image-{stem}");
        h.write(Case {
            file: Some(rel.clone()),
            ..h.text_case(&name, g, description, rel, expected)
        })?;
    }
    Ok(())
}
