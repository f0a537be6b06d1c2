//! `yima inspect`: decode without verifying, and say so.

use serde_json::{Value as Json, json};
use yima_core::Unverified;
use yima_core::presentation::{self, Presentation};
use yima_core::transport::Encoding;
use yima_qr::versions_at_all_levels;

use crate::cli::InspectArgs;
use crate::error::CliError;
use crate::input::{self, Found};
use crate::{clock, output};

/// Runs `yima inspect`; returns the exit status (0 decoded, 1 not decodable).
pub fn run(args: &InspectArgs) -> Result<i32, CliError> {
    let mut status = 0;
    for found in input::resolve(&args.input)? {
        let report = inspect_one(&found);
        if report.get("error").is_some() {
            status = 1;
        }
        if args.json {
            outln!("{report}");
        } else {
            print_human(&found, &report);
        }
    }
    Ok(status)
}

fn error_json(e: &yima_core::VerifyError) -> Json {
    json!({"code": e.code(), "stage": e.stage().as_str(), "message": e.to_string()})
}

fn inspect_one(found: &Found) -> Json {
    let mut r = serde_json::Map::new();
    r.insert("source".into(), json!(found.source));
    r.insert("verified".into(), json!(false));
    let text = match &found.text {
        Ok(t) => t,
        Err(u) => {
            r.insert(
                "error".into(),
                json!({"code": u.code, "message": u.message}),
            );
            return Json::Object(r);
        }
    };
    r.insert("text_chars".into(), json!(text.chars().count()));
    r.insert("qr_versions".into(), qr_versions(text));
    if text.starts_with(yima_eudcc::transport::PREFIX) {
        inspect_eu_dcc(text, &mut r);
        return Json::Object(r);
    }
    let parsed = if presentation::is_presentation(text) {
        match Presentation::parse(text) {
            Ok(p) => {
                r.insert(
                    "presentation".into(),
                    json!({"time": clock::format(p.time), "venue": p.venue}),
                );
                Ok(p.credential)
            }
            Err(e) => {
                r.insert(
                    "error".into(),
                    json!({"code": e.code(), "stage": "holder", "message": e.to_string()}),
                );
                return Json::Object(r);
            }
        }
    } else {
        Unverified::parse(text)
    };
    match parsed {
        Err(e) => {
            r.insert("error".into(), error_json(&e));
        }
        Ok(u) => {
            r.insert(
                "compressed".into(),
                json!(u.encoding() == Some(Encoding::Zlib)),
            );
            r.insert("cose_bytes".into(), json!(u.cose_bytes().len()));
            r.insert("protected_bytes".into(), json!(u.protected_bytes().len()));
            r.insert("payload_bytes".into(), json!(u.payload_bytes().len()));
            r.insert("signature_bytes".into(), json!(u.signature().len()));
            r.insert(
                "header".into(),
                json!({"alg": u.alg(), "kid": hex::encode(u.kid())}),
            );
            match u.unverified_claims() {
                Ok(c) => {
                    r.insert("claims".into(), output::claims_json(&c));
                }
                Err(e) => {
                    r.insert("error".into(), error_json(&e));
                }
            }
        }
    }
    Json::Object(r)
}

/// An EU Digital COVID Certificate (`HC1:`): the same decode-only view, through the EU DCC profile
/// (`yima verify --profile eu-dcc --trust ...` checks it).
fn inspect_eu_dcc(text: &str, r: &mut serde_json::Map<String, Json>) {
    r.insert("profile".into(), json!("eu-dcc"));
    let dcc_error = |e: &yima_eudcc::DccError| json!({"code": e.code(), "stage": e.stage().as_str(), "message": e.to_string()});
    let u = match yima_eudcc::Unverified::parse(text) {
        Ok(u) => u,
        Err(e) => {
            r.insert("error".into(), dcc_error(&e));
            return;
        }
    };
    let s = u.sign1();
    r.insert("protected_bytes".into(), json!(s.protected_bytes().len()));
    r.insert("payload_bytes".into(), json!(s.payload_bytes().len()));
    r.insert("signature_bytes".into(), json!(s.signature().len()));
    let kid_in = match s.kid_location() {
        yima_eudcc::KidLocation::Protected => "protected",
        yima_eudcc::KidLocation::Unprotected => "unprotected",
    };
    r.insert(
        "header".into(),
        json!({"alg": s.alg().name(), "kid": hex::encode(s.kid()), "kid_header": kid_in}),
    );
    let time = |t: i64| u64::try_from(t).map_or_else(|_| json!(t), |t| json!(clock::format(t)));
    match u.unverified_claims() {
        Ok(c) => {
            r.insert(
                "claims".into(),
                json!({"iss": c.issuer, "iat": time(c.issued_at), "exp": time(c.expires_at), "hcert": c.hcert}),
            );
        }
        Err(e) => {
            r.insert("error".into(), dcc_error(&e));
        }
    }
}

fn qr_versions(text: &str) -> Json {
    let mut m = serde_json::Map::new();
    for (level, version) in versions_at_all_levels(text) {
        m.insert(level.to_string(), version.map_or(Json::Null, |v| json!(v)));
    }
    Json::Object(m)
}

fn field<'a>(r: &'a Json, pointer: &str) -> &'a Json {
    r.pointer(pointer).unwrap_or(&Json::Null)
}

fn print_human(found: &Found, r: &Json) {
    outln!(
        "── {} ── UNVERIFIED: signature not checked (use `yima verify`)",
        found.source
    );
    if let Some(n) = r.get("text_chars") {
        let versions = field(r, "/qr_versions")
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(l, v)| {
                        format!("{l}:{}", v.as_u64().map_or("-".into(), |v| format!("v{v}")))
                    })
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .unwrap_or_default();
        outln!("text:       {n} characters; QR version by EC level {versions}");
    }
    if r.get("presentation").is_some() {
        outln!(
            "presentation: signed by the holder device at {} for venue {}",
            field(r, "/presentation/time").as_str().unwrap_or(""),
            field(r, "/presentation/venue").as_str().unwrap_or("(any)")
        );
    }
    if r.get("profile").is_some() {
        outln!(
            "profile:    EU Digital COVID Certificate (check with `yima verify --profile eu-dcc --trust ...`)"
        );
        outln!(
            "COSE:       protected header {}, payload {}, signature {} bytes",
            field(r, "/protected_bytes"),
            field(r, "/payload_bytes"),
            field(r, "/signature_bytes"),
        );
        outln!(
            "header:     alg {} kid {} (in the {} header)",
            field(r, "/header/alg").as_str().unwrap_or(""),
            field(r, "/header/kid").as_str().unwrap_or(""),
            field(r, "/header/kid_header").as_str().unwrap_or("")
        );
    }
    if let Some(b) = r.get("cose_bytes") {
        outln!(
            "COSE:       {b} bytes (protected header {}, payload {}, signature {}){}",
            field(r, "/protected_bytes"),
            field(r, "/payload_bytes"),
            field(r, "/signature_bytes"),
            if field(r, "/compressed") == &json!(true) {
                ", zlib-compressed"
            } else {
                ""
            }
        );
        outln!(
            "header:     alg {} kid {}",
            field(r, "/header/alg"),
            field(r, "/header/kid").as_str().unwrap_or("")
        );
    }
    if let Some(c) = r.get("claims")
        && let Ok(claims) = serde_json::to_string_pretty(c)
    {
        outln!("claims (UNVERIFIED):");
        for line in claims.lines() {
            // JSON escapes only C0 controls; C1 and bidi controls from an unverified code are escaped
            // here before they reach a terminal.
            outln!("  {}", output::printable(line));
        }
    }
    if r.get("error").is_some() {
        outln!(
            "error:      {} ({})",
            field(r, "/error/code").as_str().unwrap_or(""),
            output::printable(field(r, "/error/message").as_str().unwrap_or(""))
        );
    }
}
