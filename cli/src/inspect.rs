//! `yima inspect`: decode without verifying, and say so.

use serde_json::{Value as Json, json};
use yima_core::Unverified;
use yima_core::transport::Encoding;
use yima_qr::versions_at_all_levels;

use crate::cli::InspectArgs;
use crate::error::CliError;
use crate::input::{self, Found};
use crate::output;

/// Runs `yima inspect`; returns the exit status (0 decoded, 1 not decodable).
pub fn run(args: &InspectArgs) -> Result<i32, CliError> {
    let mut status = 0;
    for found in input::resolve(&args.input)? {
        let report = inspect_one(&found);
        if report.get("error").is_some() {
            status = 1;
        }
        if args.json {
            println!("{report}");
        } else {
            print_human(&found, &report);
        }
    }
    Ok(status)
}

fn inspect_one(found: &Found) -> Json {
    let text = match &found.text {
        Ok(t) => t,
        Err(u) => {
            return json!({"source": found.source, "verified": false,
                          "error": {"code": u.code, "message": u.message}});
        }
    };
    let mut report = json!({
        "source": found.source,
        "verified": false,
        "text_chars": text.chars().count(),
        "qr_versions": qr_versions(text),
    });
    match Unverified::parse(text) {
        Err(e) => {
            report["error"] = json!({"code": e.code(), "stage": e.stage().as_str(), "message": e.to_string()});
        }
        Ok(u) => {
            report["compressed"] = json!(u.encoding() == Some(Encoding::Zlib));
            report["cose_bytes"] = json!(u.cose_bytes().len());
            report["protected_bytes"] = json!(u.protected_bytes().len());
            report["payload_bytes"] = json!(u.payload_bytes().len());
            report["signature_bytes"] = json!(u.signature().len());
            report["header"] = json!({"alg": u.alg(), "kid": hex::encode(u.kid())});
            match u.unverified_claims() {
                Ok(c) => report["claims"] = output::claims_json(&c),
                Err(e) => {
                    report["error"] = json!({"code": e.code(), "stage": e.stage().as_str(), "message": e.to_string()});
                }
            }
        }
    }
    report
}

fn qr_versions(text: &str) -> Json {
    let mut m = serde_json::Map::new();
    for (level, version) in versions_at_all_levels(text) {
        m.insert(level.to_string(), version.map_or(Json::Null, |v| json!(v)));
    }
    Json::Object(m)
}

fn print_human(found: &Found, r: &Json) {
    println!("── {} ── UNVERIFIED: signature not checked (use `yima verify`)", found.source);
    if let Some(n) = r.get("text_chars") {
        let versions = r["qr_versions"]
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(l, v)| format!("{l}:{}", v.as_u64().map_or("-".into(), |v| v.to_string())))
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .unwrap_or_default();
        println!("text:       {n} characters; QR version by EC level {versions}");
    }
    if let Some(b) = r.get("cose_bytes") {
        println!(
            "COSE:       {b} bytes (protected header {}, payload {}, signature {}){}",
            r["protected_bytes"],
            r["payload_bytes"],
            r["signature_bytes"],
            if r["compressed"] == json!(true) { ", zlib-compressed" } else { "" }
        );
        println!("header:     alg {} kid {}", r["header"]["alg"], r["header"]["kid"].as_str().unwrap_or(""));
    }
    if let Some(c) = r.get("claims") {
        if let Ok(claims) = serde_json::to_string_pretty(c) {
            println!("claims (UNVERIFIED):");
            for line in claims.lines() {
                println!("  {line}");
            }
        }
    }
    if let Some(e) = r.get("error") {
        println!("error:      {} ({})", e["code"].as_str().unwrap_or(""), e["message"].as_str().unwrap_or(""));
    }
}
