//! End-to-end tests of the `yima` binary: keys, issuing every kind, inspect, verify, exit codes, demo.

// Test code: a failed unwrap is a failed test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::path::Path;

use assert_cmd::Command;
use common::{assert_success, assert_usage_error, json_lines, keygen, yima};
use serde_json::{Value as Json, json};

const NOW: &str = "2026-03-01T08:00:00+08:00";

fn issue_health(key: &Path, extra: &[&str]) -> std::process::Output {
    yima()
        .args(common::health_code_args(
            key.to_str().unwrap(),
            "金*",
            "3f9c510ea247d86b",
            "green",
        ))
        .args(["--valid-for", "24h", "--now", NOW])
        .args(extra)
        .output()
        .unwrap()
}

/// The text of a health code issued with `key`.
fn health_text(key: &Path) -> String {
    let out = issue_health(key, &[]);
    assert_success(&out);
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// `yima verify INPUT --json --now NOW --key PUBLIC`, which must exit 0; returns its first JSON line.
fn verified(input: &str, now: &str, public: &Path) -> Json {
    let out = common::verify_json(input, now, public);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{input}: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    json_lines(&out.stdout).swap_remove(0)
}

/// `yima issue KIND --issuer SH --key KEY --claims CLAIMS`.
fn issue_from_claims(kind: &str, key: &Path, claims: &Path) -> Command {
    let mut c = yima();
    c.args(["issue", kind, "--issuer", "SH", "--key"])
        .arg(key)
        .arg("--claims")
        .arg(claims);
    c
}

#[test]
fn keygen_writes_private_key_0600_and_refuses_to_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let (key, public) = keygen(dir.path(), "issuer");
    let pem = std::fs::read_to_string(&key).unwrap();
    assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"));
    assert!(
        std::fs::read_to_string(&public)
            .unwrap()
            .starts_with("-----BEGIN PUBLIC KEY-----")
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let out = yima()
        .arg("keygen")
        .arg("--out")
        .arg(dir.path().join("issuer"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        std::fs::read_to_string(&key).unwrap(),
        pem,
        "key must not change"
    );
    yima()
        .arg("keygen")
        .arg("--out")
        .arg(dir.path().join("issuer"))
        .arg("--force")
        .assert()
        .success();
    assert_ne!(std::fs::read_to_string(&key).unwrap(), pem);
}

#[test]
fn issue_health_code_then_verify_text_txt_png_svg_and_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let (key, public) = keygen(dir.path(), "issuer");
    let text = health_text(&key);
    assert!(text.starts_with("YM1:"));
    assert!(
        text.len() <= 221,
        "health code must fit QR version 8-M: {} chars",
        text.len()
    );

    let png = dir.path().join("code.png");
    let txt = dir.path().join("code.txt");
    let svg = dir.path().join("code.svg");
    for f in [&png, &txt, &svg] {
        assert_success(&issue_health(&key, &["--out", f.to_str().unwrap()]));
    }
    assert!(std::fs::read(&png).unwrap().starts_with(b"\x89PNG"));
    assert!(std::fs::read_to_string(&svg).unwrap().contains("<svg"));

    for input in [text.as_str(), txt.to_str().unwrap(), png.to_str().unwrap()] {
        let j = &verified(input, "2026-03-01T12:00:00+08:00", &public);
        assert_eq!(j["valid"], true);
        assert_eq!(j["kind"], "health-code");
        assert_eq!(j["claims"]["fields"]["holder_name"], "金*");
        assert_eq!(j["claims"]["fields"]["status"], "green");
        assert_eq!(j["claims"]["iat"], "2026-03-01T00:00:00Z");
        assert_eq!(j["claims"]["exp"], "2026-03-02T00:00:00Z");
        assert!(j.get("code").is_none() || j["code"].is_null());
    }
    // `-` reads the text from stdin.
    let out = yima()
        .args(["verify", "-", "--now", "2026-03-01T12:00:00+08:00", "--key"])
        .arg(&public)
        .write_stdin(format!("{text}\n"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .starts_with("✓ VALID health-code")
    );
}

#[test]
fn verify_exit_codes_invalid_is_1_usage_is_2() {
    let dir = tempfile::tempdir().unwrap();
    let (key, public) = keygen(dir.path(), "issuer");
    let (_, other) = keygen(dir.path(), "other");
    let text = health_text(&key);
    let run = |args: &[&str], key: &Path| {
        let out = yima()
            .arg("verify")
            .args(args)
            .arg("--key")
            .arg(key)
            .output()
            .unwrap();
        (
            out.status.code().unwrap(),
            String::from_utf8(out.stdout).unwrap(),
        )
    };
    // Expired.
    let (code, out) = run(&[&text, "--json", "--now", "2026-03-05T00:00:00Z"], &public);
    assert_eq!(code, 1);
    assert_eq!(json_lines(out.as_bytes())[0]["code"], "time.expired");
    // Within leeway it passes.
    let (code, _) = run(
        &[&text, "--now", "2026-03-02T00:04:00Z", "--leeway", "5m"],
        &public,
    );
    assert_eq!(code, 0);
    // Wrong key.
    let (code, out) = run(&[&text, "--json", "--now", "2026-03-01T12:00:00Z"], &other);
    assert_eq!(code, 1);
    assert_eq!(json_lines(out.as_bytes())[0]["code"], "key.unknown-kid");
    // Tampered text (one Base45 character of the signature changed).
    let mut tampered = text.clone().into_bytes();
    let i = tampered.len() - 5;
    tampered[i] = if tampered[i] == b'0' { b'1' } else { b'0' };
    let tampered = String::from_utf8(tampered).unwrap();
    let (code, out) = run(
        &[&tampered, "--json", "--now", "2026-03-01T12:00:00Z"],
        &public,
    );
    assert_eq!(code, 1);
    let j = &json_lines(out.as_bytes())[0];
    assert_eq!(j["valid"], false);
    assert!(j["kind"].is_null() && j["claims"].is_null());
    // Usage errors: missing file, bad time, missing --key.
    let (code, _) = run(&["/nonexistent/code.png"], &public);
    assert_eq!(code, 2);
    let (code, _) = run(&[&text, "--now", "yesterday"], &public);
    assert_eq!(code, 2);
    assert_eq!(
        yima()
            .args(["verify", &text])
            .output()
            .unwrap()
            .status
            .code(),
        Some(2)
    );
    // A private key is not a public key.
    let (code, _) = run(&[&text], &key);
    assert_eq!(code, 2);
}

#[test]
fn issue_every_kind_from_claims_json_and_verify() {
    let dir = tempfile::tempdir().unwrap();
    let (key, public) = keygen(dir.path(), "issuer");
    let kinds = [
        (
            "social-security-card",
            json!({"card_number": "S31010423", "holder_name": "金晓明", "citizen_id": "11010519491231002X", "region": 310104, "issued": "2021-03-15", "expires": "2031-03-15"}),
        ),
        (
            "business-licence",
            json!({"uscc": "91310110666007217T", "name": "上海一码示例科技有限公司", "legal_representative": "李华", "entity_type": "有限责任公司", "address": "上海市杨浦区国定路335号", "established": "2007-08-20", "authority": "上海市杨浦区市场监督管理局"}),
        ),
        (
            "food-business-licence",
            json!({"licence_number": "JY13101150012345", "operator": "示例餐饮", "operator_uscc": "91310115591693856A", "address": "上海市浦东新区张江路100号", "categories": ["热食类食品制售"], "valid_from": "2023-06-01", "valid_until": "2028-05-31"}),
        ),
        (
            "electronic-licence",
            json!({"identifier": yima_core_sample_licence_id(), "holder_name": "示例公司", "holder_code": "91310110666007217T", "authority_code": "113100000024202824", "valid_from": "2024-01-01", "extra": {"范围": "技术开发"}}),
        ),
        (
            "health-code",
            json!({"status": "yellow", "holder_name": "张*明", "holder_id": "00112233445566778899", "region": 310115, "reason": "密接"}),
        ),
    ];
    for (kind, fields) in kinds {
        let claims = dir.path().join(format!("{kind}.json"));
        std::fs::write(&claims, fields.to_string()).unwrap();
        let png = dir.path().join(format!("{kind}.png"));
        let out = issue_from_claims(kind, &key, &claims)
            .args(["--now", NOW, "--out"])
            .arg(&png)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{kind}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let j = &verified(png.to_str().unwrap(), "2026-03-01T12:00:00Z", &public);
        assert_eq!(j["kind"], kind);
        assert_eq!(j["claims"]["fields"], fields, "{kind}");
    }
}

fn yima_core_sample_licence_id() -> String {
    // The sample identifier printed by the demo data (check character computed by the library).
    "1.2.156.3005.2.11100000000013338W032.113100000024202824.0000000000000123.001.".to_owned()
        + &check_char("11100000000013338W032113100000024202824".to_owned() + "0000000000000123001")
}

fn check_char(s: String) -> String {
    // ISO/IEC 7064 MOD 37,36 (independent re-implementation for the test).
    const A: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut p = 36u32;
    for c in s.bytes() {
        let v = A.iter().position(|&a| a == c).unwrap() as u32;
        let mut t = (p + v) % 36;
        if t == 0 {
            t = 36;
        }
        p = (t * 2) % 37;
    }
    let c = (37 - p) % 36;
    (A[c as usize] as char).to_string()
}

#[test]
fn issue_refuses_bad_identifiers_naming_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let (key, _) = keygen(dir.path(), "issuer");
    let claims = dir.path().join("bad.json");
    std::fs::write(
        &claims,
        json!({"card_number": "S31010423", "holder_name": "金晓明", "citizen_id": "110105194912310021", "region": 310104, "issued": "2021-03-15", "expires": "2031-03-15"}).to_string(),
    )
    .unwrap();
    let out = issue_from_claims("social-security-card", &key, &claims)
        .output()
        .unwrap();
    assert_usage_error(&out, "citizen_id");
    // A raw citizen ID as the health-code holder id is refused (more in
    // `citizen_id_as_holder_id_is_the_librarys_invalid_field`).
    let out = yima()
        .args(common::health_code_args(
            key.to_str().unwrap(),
            "金*",
            "11010519491231002X",
            "green",
        ))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("yima: error (issue.invalid-field)"));
    // Unknown JSON fields are refused too.
    std::fs::write(
        &claims,
        json!({"uscc": "91310110666007217T", "nmae": "typo"}).to_string(),
    )
    .unwrap();
    let out = issue_from_claims("business-licence", &key, &claims)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// `yima issue health-code` for `name` with `--holder-id ID` and `extra`: (exit code, stderr).
fn issue_holder(key: &Path, name: &str, id: &str, extra: &[&str]) -> (Option<i32>, String) {
    let out = yima()
        .args(common::health_code_args(
            key.to_str().unwrap(),
            name,
            id,
            "green",
        ))
        .args(extra)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8(out.stderr).unwrap().trim_end().to_owned(),
    )
}

#[test]
fn citizen_id_as_holder_id_is_the_librarys_invalid_field() {
    let dir = tempfile::tempdir().unwrap();
    let (key, _) = keygen(dir.path(), "issuer");
    let ours = "yima: error (issue.invalid-field): cannot issue: invalid holder_id: --holder-id looks \
                like a citizen ID number; a health code carries only a pseudonymous id (e.g. a keyed \
                hash of the ID, as hex)";
    // Typed as is: with an X check character (not hex, so the library never sees bytes to refuse) and
    // all digits (valid hex for 9 bytes, which the library alone would accept). The command line's
    // message, which names the option and what to give instead, with the library's code and field.
    for id in ["11010519491231002X", "110105194912310003"] {
        assert_eq!(
            issue_holder(&key, "金*", id, &[]),
            (Some(2), ours.into()),
            "{id}"
        );
    }
    // The same number's ASCII bytes given as hex are refused by the library's rule itself.
    let as_hex = hex_of("11010519491231002X");
    assert_eq!(
        issue_holder(&key, "金*", &as_hex, &[]),
        (
            Some(2),
            "yima: error (issue.invalid-field): cannot issue: invalid holder_id: is a raw citizen ID \
             number; use a pseudonymous id"
                .into()
        )
    );
    // The library's field order holds: a bad holder_name (checked before holder_id) is reported first.
    let (code, stderr) = issue_holder(&key, "金晓明", "11010519491231002X", &[]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.starts_with("yima: error (issue.invalid-field): cannot issue: invalid holder_name:"),
        "{stderr}"
    );
    // A number whose check character is wrong is not a citizen ID: it is a pseudonymous id like any other.
    assert_eq!(
        issue_holder(&key, "金*", "110105194912310021", &[]).0,
        Some(0)
    );
    // Still usage errors: text that is neither hex nor a citizen ID, and an empty id without a holder key.
    let (code, stderr) = issue_holder(&key, "金*", "not-hex-at-all", &[]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.starts_with("yima: error (usage): --holder-id must be hex"),
        "{stderr}"
    );
    let (code, stderr) = issue_holder(&key, "金*", "", &[]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.starts_with(
            "yima: error (issue.invalid-field): cannot issue: invalid holder_id: required unless"
        ),
        "{stderr}"
    );
}

fn hex_of(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn qr_errors_carry_the_librarys_code() {
    let dir = tempfile::tempdir().unwrap();
    let (key, _) = keygen(dir.path(), "issuer");
    let png = dir.path().join("code.png");
    let png = png.to_str().unwrap();
    // A zero module size and an image side past the renderer's 16384 px limit: `qr.render-size`, exit 2.
    for scale in ["0", "1000"] {
        let out = issue_health(&key, &["--out", png, "--scale", scale]);
        assert_eq!(out.status.code(), Some(2), "--scale {scale}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.starts_with("yima: error (qr.render-size): cannot render: module size"),
            "--scale {scale}: {stderr}"
        );
        assert!(!Path::new(png).exists());
    }
    // A scale the renderer accepts writes the image.
    assert_success(&issue_health(&key, &["--out", png, "--scale", "8"]));
}

#[test]
fn inspect_reports_sizes_versions_and_is_marked_unverified() {
    let dir = tempfile::tempdir().unwrap();
    let (key, _) = keygen(dir.path(), "issuer");
    let text = health_text(&key);
    let out = yima().args(["inspect", &text, "--json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let j = &json_lines(&out.stdout)[0];
    assert_eq!(j["verified"], false);
    assert_eq!(j["text_chars"].as_u64().unwrap() as usize, text.len());
    assert!(j["qr_versions"]["M"].as_u64().unwrap() <= 8);
    assert!(j["qr_versions"]["L"].as_u64().unwrap() <= j["qr_versions"]["H"].as_u64().unwrap());
    assert_eq!(j["header"]["alg"], -8);
    assert_eq!(j["claims"]["kind"], "health-code");
    assert_eq!(
        j["cose_bytes"].as_u64().unwrap(),
        j["protected_bytes"].as_u64().unwrap() + j["payload_bytes"].as_u64().unwrap() + 64 + 8
    );
    let human = yima().args(["inspect", &text]).output().unwrap();
    assert!(
        String::from_utf8(human.stdout)
            .unwrap()
            .contains("UNVERIFIED")
    );
    let bad = yima()
        .args(["inspect", "YM1:abc", "--json"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(1));
    assert_eq!(
        json_lines(&bad.stdout)[0]["error"]["code"],
        "base45.invalid-char"
    );
}

#[test]
fn not_an_image_and_no_code_are_reported_not_crashed() {
    let dir = tempfile::tempdir().unwrap();
    let (_, public) = keygen(dir.path(), "issuer");
    let verify = |input: &Path| {
        yima()
            .args(["verify", input.to_str().unwrap(), "--json", "--key"])
            .arg(&public)
            .output()
            .unwrap()
    };
    let fake = dir.path().join("fake.png");
    std::fs::write(&fake, b"\x89PNG\r\n\x1a\nthis is not really a png").unwrap();
    let out = verify(&fake);
    assert_eq!(out.status.code(), Some(1));
    let j = &json_lines(&out.stdout)[0];
    assert_eq!(j["valid"], false);
    assert!(j["code"].as_str().unwrap().starts_with("image."), "{j}");
    let garbage = dir.path().join("garbage.bin");
    std::fs::write(&garbage, [0xffu8, 0xfe, 0x00, 0x80]).unwrap();
    let out = verify(&garbage);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json_lines(&out.stdout)[0]["code"], "input.not-text");
}

#[test]
fn demo_runs_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let out = yima()
        .args(["demo", "--no-qr", "--out-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("demo complete"));
    assert_eq!(stdout.matches("✓ VALID").count(), 5);
    assert!(stdout.contains("signature.invalid") && stdout.contains("time.expired"));
    for code in [
        "status.revoked",
        "policy.health-status",
        "presentation.required",
        "presentation.stale",
    ] {
        assert!(stdout.contains(code), "demo shows {code}");
    }
    assert!(stdout.contains("✓ accepted fresh presentation"));
    for kind in [
        "health-code",
        "social-security-card",
        "business-licence",
        "food-business-licence",
        "electronic-licence",
    ] {
        assert!(dir.path().join(format!("{kind}.png")).exists());
    }
}

#[test]
fn help_man_and_completions() {
    for sub in ["keygen", "issue", "inspect", "verify", "demo"] {
        let out = yima().args([sub, "--help"]).output().unwrap();
        assert!(out.status.success());
        assert!(
            String::from_utf8(out.stdout).unwrap().contains("Example"),
            "{sub} --help has an example"
        );
    }
    let man = yima().arg("man").output().unwrap();
    assert!(String::from_utf8(man.stdout).unwrap().contains(".TH yima"));
    let bash = yima().args(["completions", "bash"]).output().unwrap();
    assert!(String::from_utf8(bash.stdout).unwrap().contains("_yima"));
}

/// Duration flags take the policy file's syntax: seconds, or a number with one unit s, m, h or d. Other
/// forms (`500ms`, which would round down to 0, `1h30m`, `2days`) are usage errors, not guesses.
#[test]
fn duration_flags_take_the_policy_syntax() {
    let dir = tempfile::tempdir().unwrap();
    let (key, public) = keygen(dir.path(), "issuer");
    let text = health_text(&key);
    // Issued at NOW for 24 h: checked 24 h + 90 s later it is valid only with a leeway over 90 s.
    let late = "2026-03-02T00:01:30Z";
    let leeway = |l: &str| {
        yima()
            .args(["verify", &text, "--json", "--now", late, "--leeway", l])
            .arg("--key")
            .arg(&public)
            .output()
            .unwrap()
    };
    for ok in ["91", "91s", "2m", "1h", "1d"] {
        assert_success(&leeway(ok));
    }
    assert_eq!(leeway("90").status.code(), Some(1));
    for bad in ["500ms", "1h30m", "2days", "5 min", "1.5h", ""] {
        common::assert_usage_error(&leeway(bad), "not a duration");
    }
}
