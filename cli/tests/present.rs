//! Dynamic holder-bound presentations end to end: the issuer binds the device key, the device presents,
//! the venue verifies with `--require-binding`, a replayed screenshot is refused.

// Test code: a failed unwrap is a failed test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::path::Path;

use common::{Run, ok_in as ok, run_in as run};

/// In `dir`: issues `code.txt`, a green health code for `name` bound to `device.pub`; `extra` goes last.
fn issue_bound(dir: &Path, name: &str, extra: &[&str]) {
    let mut args = common::health_code_args("sh.key", name, "3f9c510ea247d86b", "green");
    args.extend(["--holder-key", "device.pub", "--out", "code.txt"]);
    args.extend_from_slice(extra);
    ok(dir, &args);
}

/// `yima present --credential code.txt --device-key DEVICE_KEY EXTRA...`.
fn present<'a>(device_key: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "present",
        "--credential",
        "code.txt",
        "--device-key",
        device_key,
    ];
    args.extend_from_slice(extra);
    args
}

#[test]
fn issue_bound_present_verify_and_reject_screenshots() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    for k in ["authority", "sh", "device", "thief"] {
        ok(d, &["keygen", "--out", k]);
    }
    issue_bound(d, "张*明", &["--now", "2026-03-01T08:00:00Z"]);
    ok(d, &["trust", "init", "--out", "trust.json"]);
    common::trust_add_sh(d, "health-code");
    common::trust_sign(d, "bundle.cwt", "2026-03-01T08:00:00Z");

    let p = ok(
        d,
        &present("device.key", &["--now", "2026-03-01T09:00:00Z"]),
    );
    let p = p.trim();
    assert!(p.starts_with("YP1:"));
    let inspect = run(d, &["inspect", p, "--json"]);
    assert_eq!(inspect.code, 0, "{}", inspect.stderr);
    let inspect = inspect.json();
    assert!(
        inspect["qr_versions"]["M"].as_u64().unwrap() <= 12,
        "{inspect}"
    );
    assert_eq!(inspect["presentation"]["time"], "2026-03-01T09:00:00Z");
    assert_eq!(inspect["claims"]["kind"], "health-code");

    let venue = |input: &str, now: &str, extra: &[&str]| -> Run {
        let mut args = vec![
            "verify",
            input,
            "--bundle",
            "bundle.cwt",
            "--bundle-key",
            "authority.pub",
            "--no-state",
            "--json",
            "--require-binding",
            "health-code",
            "--now",
            now,
        ];
        args.extend_from_slice(extra);
        run(d, &args)
    };
    let r = venue(p, "2026-03-01T09:00:30Z", &[]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(r.json()["valid"], true);
    // The static code is refused where a presentation is required.
    let code_txt = std::fs::read_to_string(d.join("code.txt")).unwrap();
    let r = venue(code_txt.trim(), "2026-03-01T09:00:30Z", &[]);
    assert_eq!(r.code, 1);
    assert_eq!(r.json()["code"], "presentation.required");
    // A screenshot shown 61 s later with no presentation skew.
    let r = venue(p, "2026-03-01T09:01:01Z", &["--policy", "strict.toml"]);
    assert_eq!(
        r.code, 2,
        "missing policy file is a usage error: {}",
        r.stdout
    );
    std::fs::write(
        d.join("strict.toml"),
        "presentation_skew = 0\nrequire_holder_binding = [\"health-code\"]\n",
    )
    .unwrap();
    let r = venue(p, "2026-03-01T09:01:01Z", &["--policy", "strict.toml"]);
    assert_eq!(r.code, 1);
    assert_eq!(r.json()["code"], "presentation.stale");
    // Venue binding.
    let pv = ok(
        d,
        &present(
            "device.key",
            &["--venue", "GATE-7", "--now", "2026-03-01T09:00:00Z"],
        ),
    );
    let r = venue(pv.trim(), "2026-03-01T09:00:10Z", &["--venue-id", "GATE-7"]);
    assert_eq!(r.code, 0);
    let r = venue(p, "2026-03-01T09:00:10Z", &["--venue-id", "GATE-7"]);
    assert_eq!(r.code, 1);
    assert_eq!(r.json()["code"], "presentation.wrong-venue");
    // Another device cannot present this credential.
    let r = run(d, &present("thief.key", &[]));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("present.wrong-device"), "{}", r.stderr);

    // The scanner flags the same presentation shown twice within the window.
    let (code, lines) = common::scan_stdin(
        d,
        "bundle.cwt",
        "2026-03-01T09:00:20Z",
        format!("{p}\n{p}\n"),
    );
    assert_eq!(lines[0]["valid"], true);
    assert_eq!(lines[1]["code"], "presentation.replayed");
    assert_eq!(code, Some(1));
}

#[test]
fn watch_redraws_fresh_codes() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    ok(d, &["keygen", "--out", "sh"]);
    ok(d, &["keygen", "--out", "device"]);
    issue_bound(d, "金*", &[]);
    let out = ok(
        d,
        &present(
            "device.key",
            &["--watch", "--interval", "1s", "--count", "2"],
        ),
    );
    assert_eq!(out.matches("\x1b[2J").count(), 2);
    assert_eq!(out.matches("yima presentation, signed").count(), 2);
    assert!(out.contains('▀') || out.contains('▄'));
}

#[test]
fn holder_key_without_holder_id_issues_a_device_bound_code() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let mut device_kid = String::new();
    for k in ["authority", "sh", "device"] {
        let out = ok(d, &["keygen", "--out", k]);
        device_kid = out.trim().rsplit("kid ").next().unwrap().to_owned();
    }
    assert_eq!(device_kid.len(), 8, "{device_kid}");
    let issue = |extra: &[&str]| {
        let mut args = vec![
            "issue",
            "health-code",
            "--key",
            "sh.key",
            "--issuer",
            "SH",
            "--holder-name",
            "金*",
            "--region",
            "310104",
            "--status",
            "green",
            "--now",
            "2026-03-01T08:00:00Z",
            "--out",
            "code.txt",
        ];
        args.extend_from_slice(extra);
        run(d, &args)
    };
    // Neither --holder-id nor --holder-key: refused by the argument parser (exit 2), nothing written.
    let r = issue(&[]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--holder-id"), "{}", r.stderr);
    assert!(!d.join("code.txt").exists());
    // --holder-key alone: a health code without holder_id; the device key is the pseudonym.
    let r = issue(&["--holder-key", "device.pub"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let code_txt = std::fs::read_to_string(d.join("code.txt")).unwrap();
    let code_txt = code_txt.trim();
    let inspect = run(d, &["inspect", code_txt, "--json"]).json();
    let fields = &inspect["claims"]["fields"];
    assert_eq!(fields["holder_name"], "金*", "{inspect}");
    assert!(fields.get("holder_id").is_none(), "{inspect}");
    // The binding is shown: the device key and its kid.
    assert_eq!(
        inspect["claims"]["cnf"]["kid"],
        device_kid.as_str(),
        "{inspect}"
    );
    assert_eq!(
        inspect["claims"]["cnf"]["key"].as_str().unwrap().len(),
        64,
        "{inspect}"
    );
    let human = run(
        d,
        &[
            "verify",
            code_txt,
            "--key",
            "sh.pub",
            "--now",
            "2026-03-01T09:00:00Z",
        ],
    )
    .stdout;
    assert!(
        human.contains(&format!("holder key: kid {device_kid}")),
        "{human}"
    );
    // It verifies with the issuer key...
    let r = run(
        d,
        &[
            "verify",
            code_txt,
            "--key",
            "sh.pub",
            "--json",
            "--now",
            "2026-03-01T09:00:00Z",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(r.json()["valid"], true);
    assert!(r.json()["claims"]["fields"].get("holder_id").is_none());
    // ...and the device presents it to a venue that requires holder binding.
    ok(d, &["trust", "init", "--out", "trust.json"]);
    common::trust_add_sh(d, "health-code");
    common::trust_sign(d, "bundle.cwt", "2026-03-01T08:00:00Z");
    let p = ok(
        d,
        &present("device.key", &["--now", "2026-03-01T09:00:00Z"]),
    );
    let p = p.trim();
    assert!(p.starts_with("YP1:"));
    let r = run(
        d,
        &[
            "verify",
            p,
            "--bundle",
            "bundle.cwt",
            "--bundle-key",
            "authority.pub",
            "--no-state",
            "--json",
            "--require-binding",
            "health-code",
            "--now",
            "2026-03-01T09:00:30Z",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(r.json()["valid"], true);
    // An empty --holder-id without a holder key is the library's rule: holder_id is required without cnf.
    std::fs::remove_file(d.join("code.txt")).unwrap();
    let r = issue(&["--holder-id", ""]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.starts_with(
            "yima: error (issue.invalid-field): cannot issue: invalid holder_id: required unless"
        ),
        "{}",
        r.stderr
    );
}
