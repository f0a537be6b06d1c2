//! Runs every case of the EU dgc-testdata corpus (tests/data/dgc-testdata, 512 files) through yima's EU
//! DCC profile and compares yima's verdict with every EXPECTED flag yima can check:
//!
//! | flag | yima's opinion |
//! |---|---|
//! | UNPREFIX | `HC1:` removed, and the rest equals the case's `BASE45` (when given) |
//! | B45DECODE | the above, Base45-decoded, equals `COMPRESSED` (when given) |
//! | COMPRESSION | the above, inflated, equals `COSE` (when given) |
//! | VERIFY | the above parses as COSE_Sign1 and verifies under `TESTCTX.CERTIFICATE` (kid lookup, key/alg binding, signature) |
//! | DECODE | the payload decodes to the hcert claim, and its JSON equals the case's `JSON` (when given) |
//! | EXPIRATIONCHECK | DSC validity at `iat` and at `VALIDATIONCLOCK`, then `exp`/`iat` at `VALIDATIONCLOCK` |
//! | KEYUSAGE | the DSC's extended key usage allows the certificate's type |
//! | PICTUREDECODE | `yima_qr::scan_image` reads the `2DCODE` PNG and finds the `PREFIX` text |
//!
//! Not checked: SCHEMAVALIDATION, VALIDJSON, VALIDOBJECT (JSON-schema validation is not part of the
//! profile) and ENCODE (yima does not issue EU DCCs). Every disagreement must be listed, with its reason,
//! in tests/data/known_defects.json (explained in tests/data/KNOWN_DEFECTS.md); a listed entry that now
//! agrees fails the test too (except PICTUREDECODE, which depends on the scanner crate: it is reported).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::Value as Json;
use yima_eudcc::{
    Dsc, Options, TrustList, Unverified, check_dsc_validity, check_key_usage, check_time, transport,
};

const FLAGS: [&str; 8] = [
    "UNPREFIX",
    "B45DECODE",
    "COMPRESSION",
    "VERIFY",
    "DECODE",
    "EXPIRATIONCHECK",
    "KEYUSAGE",
    "PICTUREDECODE",
];

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/dgc-testdata")
}

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            json_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "json") {
            out.push(p);
        }
    }
}

/// Parses the corpus's VALIDATIONCLOCK shapes: `YYYY-MM-DDTHH:MM:SS`, optional `.` + 1..9 digits, optional
/// `Z`, `±HH:MM` or `±HHMM` (none means UTC). Returns whole seconds since the epoch, rounded down.
pub fn parse_clock(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> { s.get(r)?.parse().ok() };
    if b.len() < 19
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let mut rest = &s[19..];
    if let Some(r) = rest.strip_prefix('.') {
        let digits = r.bytes().take_while(u8::is_ascii_digit).count();
        if !(1..=9).contains(&digits) {
            return None;
        }
        rest = &r[digits..];
    }
    let offset = match rest {
        "" | "Z" => 0,
        _ => {
            let sign = match rest.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let z = rest[1..].replace(':', "");
            if z.len() != 4 {
                return None;
            }
            sign * (z[..2].parse::<i64>().ok()? * 3600 + z[2..].parse::<i64>().ok()? * 60)
        }
    };
    // days from civil (Howard Hinnant)
    let y = if mo <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (mo + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    u64::try_from(days * 86_400 + h * 3600 + mi * 60 + sec - offset).ok()
}

#[test]
fn clock_shapes() {
    let t = 1_620_064_800; // 2021-05-03T18:00:00Z
    for s in [
        "2021-05-03T18:00:00Z",
        "2021-05-03T18:00:00",
        "2021-05-03T18:00:00.123456",
        "2021-05-03T18:00:00.999999999Z",
        "2021-05-03T20:00:00+02:00",
        "2021-05-03T20:00:00+0200",
        "2021-05-03T20:00:00.1234567+02:00",
        "2021-05-03T17:00:00-01:00",
    ] {
        assert_eq!(parse_clock(s), Some(t), "{s}");
    }
    assert_eq!(parse_clock("2021-05-03 18:00:00"), None);
    assert_eq!(parse_clock("2021-05-03T18:00:00.Z"), None);
}

fn hex(s: &str) -> Option<Vec<u8>> {
    let s = s.trim();
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// JSON equality with numbers compared by value (the corpus writes `1` where CBOR held `1.0` and back).
fn json_eq(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Number(x), Json::Number(y)) => x.as_f64() == y.as_f64(),
        (Json::Array(x), Json::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| json_eq(p, q))
        }
        (Json::Object(x), Json::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

/// One corpus case and yima's opinion on each flag.
struct Case {
    /// Path relative to the corpus root, e.g. `common/2DCode/raw/CO5.json`.
    name: String,
    /// Expected flags (normalised names, e.g. `VERIFY`).
    expected: BTreeMap<&'static str, bool>,
    /// yima's opinion per flag; absent = cannot be checked for this case (e.g. no picture).
    actual: BTreeMap<&'static str, bool>,
    /// Why yima decided as it did (error codes per stage), for the report.
    notes: Vec<String>,
    /// The one-call `yima_eudcc::verify_with` on PREFIX at VALIDATIONCLOCK: `Ok` or the error code.
    full: Result<(), &'static str>,
    /// Whether the staged checks above (without the comparisons with the case's intermediate fields)
    /// all passed: must equal `full.is_ok()`.
    staged_ok: bool,
}

fn expected_flags(er: &Json) -> BTreeMap<&'static str, bool> {
    let mut out = BTreeMap::new();
    let Some(m) = er.as_object() else {
        return out;
    };
    for (k, v) in m {
        let Some(b) = v.as_bool() else { continue };
        let name = if k == "EXPTECTEDEXPIRED" {
            "EXPIRATIONCHECK"
        } else if let Some(f) = k.strip_prefix("EXPECTED") {
            match FLAGS.iter().find(|x| **x == f) {
                Some(x) => x,
                None => continue, // SCHEMAVALIDATION, VALIDJSON, VALIDOBJECT, ENCODE, nested RESULTS
            }
        } else {
            continue;
        };
        out.insert(name, b);
    }
    out
}

fn evaluate(root: &Path, path: &Path, scan_pictures: bool) -> Case {
    let name = path
        .strip_prefix(root)
        .unwrap()
        .to_string_lossy()
        .replace('\\', "/");
    let d: Json = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let expected = expected_flags(&d["EXPECTEDRESULTS"]);
    let mut actual = BTreeMap::new();
    let mut notes = Vec::new();
    let field = |k: &str| d.get(k).and_then(Json::as_str);
    let ctx = &d["TESTCTX"];

    let prefix = field("PREFIX").unwrap_or("");
    // UNPREFIX → B45DECODE → COMPRESSION: each layer, and the case's intermediate value when given.
    let stripped = transport::strip_prefix(prefix)
        .map_err(|e| e.code())
        .and_then(|s| match field("BASE45") {
            Some(b) if b != s => Err("differs from BASE45"),
            _ => Ok(s),
        });
    actual.insert("UNPREFIX", stripped.is_ok());
    let compressed = stripped.and_then(|s| {
        let z = transport::base45(s).map_err(|e| e.code())?;
        match field("COMPRESSED").map(hex) {
            Some(Some(c)) if c != z => Err("differs from COMPRESSED"),
            _ => Ok(z),
        }
    });
    actual.insert("B45DECODE", compressed.is_ok());
    let cose = compressed.and_then(|z| {
        let c = transport::inflate(&z).map_err(|e| e.code())?;
        match field("COSE").map(hex) {
            Some(Some(x)) if x != c => Err("differs from COSE"),
            _ => Ok(c),
        }
    });
    actual.insert("COMPRESSION", cose.is_ok());
    if let Err(code) = &cose {
        notes.push(format!("transport: {code}"));
    }

    // The DSC of the case.
    let dsc = ctx["CERTIFICATE"].as_str().map(|b64| {
        data_encoding::BASE64
            .decode(b64.trim().as_bytes())
            .map_err(|e| e.to_string())
            .and_then(|der| Dsc::from_der(&der).map_err(|e| e.to_string()))
    });
    let dsc = match dsc {
        Some(Ok(d)) => Some(d),
        Some(Err(e)) => {
            notes.push(format!("certificate: {e}"));
            None
        }
        None => None,
    };
    let trust = TrustList::from_dscs(dsc.clone());
    let clock = ctx["VALIDATIONCLOCK"]
        .as_str()
        .or_else(|| ctx["validationClockInstant"].as_str())
        .and_then(parse_clock);

    let unverified = cose
        .ok()
        .map(|c| Unverified::from_cose(&c).map_err(|e| e.code()));
    let verify = match &unverified {
        Some(Ok(u)) => u.verify_signature(&trust).map(|_| ()).map_err(|e| e.code()),
        Some(Err(code)) => Err(*code),
        None => Err("no COSE"),
    };
    actual.insert("VERIFY", verify.is_ok());
    if let Err(code) = verify {
        notes.push(format!("verify: {code}"));
    }

    let claims = match &unverified {
        Some(Ok(u)) => u.unverified_claims().map_err(|e| e.code()),
        _ => Err("no COSE"),
    };
    let decode = claims
        .as_ref()
        .map_err(|c| *c)
        .and_then(|c| match d.get("JSON") {
            Some(j) if !json_eq(j, &c.hcert) => Err("hcert differs from JSON"),
            _ => Ok(()),
        });
    actual.insert("DECODE", decode.is_ok());
    if let Err(code) = decode {
        notes.push(format!("decode: {code}"));
    }

    if let Ok(c) = &claims {
        let usage = dsc.as_ref().map_or(Err("no DSC"), |dsc| {
            check_key_usage(dsc, c).map_err(|e| e.code())
        });
        actual.insert("KEYUSAGE", usage.is_ok());
        if let Err(code) = usage {
            notes.push(format!("key usage: {code}"));
        }
        if let Some(now) = clock {
            let opts = Options::at(now);
            let time = dsc
                .as_ref()
                .map_or(Err("no DSC"), |dsc| {
                    check_dsc_validity(dsc, c, &opts).map_err(|e| e.code())
                })
                .and_then(|()| check_time(c, &opts).map_err(|e| e.code()));
            actual.insert("EXPIRATIONCHECK", time.is_ok());
            if let Err(code) = time {
                notes.push(format!("time: {code}"));
            }
        }
    } else {
        actual.insert("KEYUSAGE", false);
        actual.insert("EXPIRATIONCHECK", false);
    }

    let full = clock.map_or(Err("no clock"), |now| {
        yima_eudcc::verify_with(prefix, &trust, &Options::at(now))
            .map(|_| ())
            .map_err(|e| e.code())
    });
    let staged_ok = transport::decode(prefix).is_ok()
        && matches!(&unverified, Some(Ok(u)) if u.verify_signature(&trust).is_ok())
        && claims.is_ok()
        && actual.get("KEYUSAGE") == Some(&true)
        && actual.get("EXPIRATIONCHECK") == Some(&true);

    let picture = field("2DCODE").or_else(|| field("_2DCODE"));
    if let (true, Some(png_b64)) = (scan_pictures, picture) {
        let found = data_encoding::BASE64
            .decode(png_b64.trim().as_bytes())
            .map_err(|_| "not Base64".to_string())
            .and_then(|png| {
                yima_qr::scan_image(&png, &yima_qr::ScanLimits::default())
                    .map_err(|e| e.code().to_string())
            });
        let ok = match &found {
            Ok(codes) => codes.iter().any(|c| c.text == prefix),
            Err(_) => false,
        };
        actual.insert("PICTUREDECODE", ok);
        if !ok {
            notes.push(format!(
                "picture: {}",
                match found {
                    Ok(c) if c.is_empty() => "no QR code read".to_string(),
                    Ok(_) => "a different text was read".to_string(),
                    Err(e) => e,
                }
            ));
        }
    }
    Case {
        name,
        expected,
        actual,
        notes,
        full,
        staged_ok,
    }
}

struct KnownDefect {
    file: String,
    flag: String,
    reason: String,
}

#[test]
fn dgc_testdata_corpus() {
    let root = corpus_dir();
    let mut files = Vec::new();
    json_files(&root, &mut files);
    files.sort();
    assert_eq!(files.len(), 512, "the corpus copy is incomplete");
    let scan = std::env::var_os("YIMA_DCC_SKIP_PICTURES").is_none();

    // Two workers: picture scanning dominates the run time.
    let cases: Vec<Case> = std::thread::scope(|s| {
        let (a, b) = files.split_at(files.len() / 2);
        let root = &root;
        let ha = s.spawn(move || {
            a.iter()
                .map(|p| evaluate(root, p, scan))
                .collect::<Vec<_>>()
        });
        let hb = s.spawn(move || {
            b.iter()
                .map(|p| evaluate(root, p, scan))
                .collect::<Vec<_>>()
        });
        let mut v = ha.join().unwrap();
        v.extend(hb.join().unwrap());
        v
    });

    let known_json: Json = serde_json::from_slice(
        &std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/known_defects.json"))
            .unwrap(),
    )
    .expect("known_defects.json is JSON");
    let known: Vec<KnownDefect> = known_json
        .as_array()
        .expect("known_defects.json is an array")
        .iter()
        .map(|e| {
            let s = |k: &str| {
                e[k].as_str()
                    .expect("file, flag and reason are strings")
                    .to_owned()
            };
            KnownDefect {
                file: s("file"),
                flag: s("flag"),
                reason: s("reason"),
            }
        })
        .collect();
    let mut known_map: BTreeMap<(String, String), String> = BTreeMap::new();
    for k in &known {
        assert!(FLAGS.contains(&k.flag.as_str()), "unknown flag {}", k.flag);
        assert!(
            !k.reason.trim().is_empty(),
            "{} {}: no reason",
            k.file,
            k.flag
        );
        assert!(
            known_map
                .insert((k.file.clone(), k.flag.clone()), k.reason.clone())
                .is_none(),
            "{} {} listed twice",
            k.file,
            k.flag
        );
    }

    #[derive(Default)]
    struct Count {
        expected_true: usize,
        expected_false: usize,
        agree: usize,
        known: usize,
        unexpected: usize,
        unchecked: usize,
    }
    let mut counts: BTreeMap<&str, Count> = FLAGS.iter().map(|f| (*f, Count::default())).collect();
    let mut unexpected = Vec::new();
    let mut stale = Vec::new();
    let mut seen = BTreeSet::new();
    for case in &cases {
        for (flag, want) in &case.expected {
            let c = counts.get_mut(flag).unwrap();
            if *want {
                c.expected_true += 1;
            } else {
                c.expected_false += 1;
            }
            let key = (case.name.clone(), flag.to_string());
            let listed = known_map.contains_key(&key);
            if listed {
                seen.insert(key.clone());
            }
            match case.actual.get(flag) {
                None => c.unchecked += 1,
                Some(got) if got == want => {
                    c.agree += 1;
                    if listed {
                        stale.push(format!("{} {flag}", case.name));
                    }
                }
                Some(got) => {
                    if listed {
                        c.known += 1;
                    } else {
                        c.unexpected += 1;
                        unexpected.push(format!(
                            "{} {flag}: expected {want}, yima says {got} [{}]",
                            case.name,
                            case.notes.join("; ")
                        ));
                    }
                }
            }
        }
    }
    if std::env::var_os("YIMA_DCC_VERBOSE").is_some() {
        for case in &cases {
            if case.expected.values().any(|v| !v) || !case.notes.is_empty() {
                let flags: Vec<String> = case
                    .expected
                    .iter()
                    .map(|(f, w)| {
                        format!(
                            "{f}={w}/{}",
                            case.actual.get(f).map_or("-".into(), |a| a.to_string())
                        )
                    })
                    .collect();
                println!(
                    "{}: {} [{}]",
                    case.name,
                    flags.join(" "),
                    case.notes.join("; ")
                );
            }
        }
    }
    let missing: Vec<_> = known_map
        .keys()
        .filter(|k| !seen.contains(*k))
        .map(|(f, g)| format!("{f} {g}"))
        .collect();

    println!(
        "\ndgc-testdata: {} cases; per flag (expected true/false: agree, known defect, unexpected, not checkable)",
        cases.len()
    );
    println!(
        "{:<16} {:>6} {:>6} {:>6} {:>6} {:>10} {:>10}",
        "flag", "true", "false", "agree", "known", "unexpected", "unchecked"
    );
    for (flag, c) in &counts {
        println!(
            "{flag:<16} {:>6} {:>6} {:>6} {:>6} {:>10} {:>10}",
            c.expected_true, c.expected_false, c.agree, c.known, c.unexpected, c.unchecked
        );
    }
    let mut outcomes: BTreeMap<&str, usize> = BTreeMap::new();
    for case in &cases {
        *outcomes
            .entry(case.full.err().unwrap_or("valid"))
            .or_default() += 1;
        assert_eq!(
            case.full.is_ok(),
            case.staged_ok,
            "{}: verify_with says {:?} but the staged checks say {}",
            case.name,
            case.full,
            case.staged_ok
        );
    }
    println!("yima_eudcc::verify_with(PREFIX, TESTCTX.CERTIFICATE, VALIDATIONCLOCK) outcomes:");
    for (code, n) in &outcomes {
        println!("  {n:>3} × {code}");
    }
    let mut reasons: BTreeMap<&str, usize> = BTreeMap::new();
    for k in &known {
        *reasons.entry(k.reason.as_str()).or_default() += 1;
    }
    println!("known defects by reason:");
    for (r, n) in &reasons {
        println!("  {n:>3} × {r}");
    }
    let (stale_pictures, stale): (Vec<_>, Vec<_>) = stale
        .into_iter()
        .partition(|s| s.ends_with("PICTUREDECODE"));
    for s in &stale_pictures {
        println!("note: {s} is listed as a known defect but now agrees (scanner improved?)");
    }
    for u in &unexpected {
        println!("UNEXPECTED: {u}");
    }
    assert!(
        unexpected.is_empty(),
        "{} disagreements not in known_defects.json",
        unexpected.len()
    );
    assert!(
        stale.is_empty(),
        "known defects that now agree (remove them): {stale:?}"
    );
    assert!(
        missing.is_empty() || !scan,
        "known defects naming no checked flag: {missing:?}"
    );
}
