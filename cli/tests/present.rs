//! Dynamic holder-bound presentations end to end: the issuer binds the device key, the device presents,
//! the venue verifies with `--require-binding`, a replayed screenshot is refused.

// Test code: a failed unwrap is a failed test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value as Json;

fn yima(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("yima").unwrap();
    c.current_dir(dir);
    c
}

fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = yima(dir).args(args).output().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let (code, out, err) = run(dir, args);
    assert_eq!(code, 0, "{args:?}: {err}");
    out
}

fn first_json(s: &str) -> Json {
    serde_json::from_str(s.lines().next().unwrap()).unwrap()
}

#[test]
fn issue_bound_present_verify_and_reject_screenshots() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    for k in ["authority", "sh", "device", "thief"] {
        ok(d, &["keygen", "--out", k]);
    }
    ok(
        d,
        &[
            "issue",
            "health-code",
            "--key",
            "sh.key",
            "--issuer",
            "SH",
            "--holder-name",
            "张*明",
            "--holder-id",
            "3f9c510ea247d86b",
            "--region",
            "310104",
            "--status",
            "green",
            "--holder-key",
            "device.pub",
            "--now",
            "2026-03-01T08:00:00Z",
            "--out",
            "code.txt",
        ],
    );
    ok(d, &["trust", "init", "--out", "trust.json"]);
    ok(
        d,
        &[
            "trust",
            "add-issuer",
            "--draft",
            "trust.json",
            "--name",
            "SH",
            "--key",
            "sh.pub",
            "--kinds",
            "health-code",
            "--valid-from",
            "2026-01-01T00:00:00Z",
        ],
    );
    ok(
        d,
        &[
            "trust",
            "sign",
            "--draft",
            "trust.json",
            "--key",
            "authority.key",
            "--out",
            "bundle.cwt",
            "--now",
            "2026-03-01T08:00:00Z",
        ],
    );

    let p = ok(
        d,
        &[
            "present",
            "--credential",
            "code.txt",
            "--device-key",
            "device.key",
            "--now",
            "2026-03-01T09:00:00Z",
        ],
    );
    let p = p.trim();
    assert!(p.starts_with("YP1:"));
    let inspect = first_json(&ok(d, &["inspect", p, "--json"]));
    assert!(
        inspect["qr_versions"]["M"].as_u64().unwrap() <= 12,
        "{inspect}"
    );
    assert_eq!(inspect["presentation"]["time"], "2026-03-01T09:00:00Z");
    assert_eq!(inspect["claims"]["kind"], "health-code");

    let venue = |input: &str, now: &str, extra: &[&str]| {
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
    let (code, out, _) = venue(p, "2026-03-01T09:00:30Z", &[]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(first_json(&out)["valid"], true);
    // The static code is refused where a presentation is required.
    let code_txt = std::fs::read_to_string(d.join("code.txt")).unwrap();
    let (code, out, _) = venue(code_txt.trim(), "2026-03-01T09:00:30Z", &[]);
    assert_eq!(code, 1);
    assert_eq!(first_json(&out)["code"], "presentation.required");
    // A screenshot shown 61 s later with no presentation skew.
    let (code, out, _) = venue(p, "2026-03-01T09:01:01Z", &["--policy", "strict.toml"]);
    assert_eq!(code, 2, "missing policy file is a usage error: {out}");
    std::fs::write(
        d.join("strict.toml"),
        "presentation_skew = 0\nrequire_holder_binding = [\"health-code\"]\n",
    )
    .unwrap();
    let (code, out, _) = venue(p, "2026-03-01T09:01:01Z", &["--policy", "strict.toml"]);
    assert_eq!(code, 1);
    assert_eq!(first_json(&out)["code"], "presentation.stale");
    // Venue binding.
    let pv = ok(
        d,
        &[
            "present",
            "--credential",
            "code.txt",
            "--device-key",
            "device.key",
            "--venue",
            "GATE-7",
            "--now",
            "2026-03-01T09:00:00Z",
        ],
    );
    let (code, _, _) = venue(pv.trim(), "2026-03-01T09:00:10Z", &["--venue-id", "GATE-7"]);
    assert_eq!(code, 0);
    let (code, out, _) = venue(p, "2026-03-01T09:00:10Z", &["--venue-id", "GATE-7"]);
    assert_eq!(code, 1);
    assert_eq!(first_json(&out)["code"], "presentation.wrong-venue");
    // Another device cannot present this credential.
    let (code, _, err) = run(
        d,
        &[
            "present",
            "--credential",
            "code.txt",
            "--device-key",
            "thief.key",
        ],
    );
    assert_eq!(code, 2);
    assert!(err.contains("present.wrong-device"), "{err}");

    // The scanner flags the same presentation shown twice within the window.
    let out = yima(d)
        .args([
            "scan",
            "--bundle",
            "bundle.cwt",
            "--bundle-key",
            "authority.pub",
            "--no-state",
            "--json",
            "--now",
            "2026-03-01T09:00:20Z",
            "-",
        ])
        .write_stdin(format!("{p}\n{p}\n"))
        .output()
        .unwrap();
    let lines: Vec<Json> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[0]["valid"], true);
    assert_eq!(lines[1]["code"], "presentation.replayed");
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn watch_redraws_fresh_codes() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    ok(d, &["keygen", "--out", "sh"]);
    ok(d, &["keygen", "--out", "device"]);
    ok(
        d,
        &[
            "issue",
            "health-code",
            "--key",
            "sh.key",
            "--issuer",
            "SH",
            "--holder-name",
            "金*",
            "--holder-id",
            "3f9c510ea247d86b",
            "--region",
            "310104",
            "--status",
            "green",
            "--holder-key",
            "device.pub",
            "--out",
            "code.txt",
        ],
    );
    let out = ok(
        d,
        &[
            "present",
            "--credential",
            "code.txt",
            "--device-key",
            "device.key",
            "--watch",
            "--interval",
            "1s",
            "--count",
            "2",
        ],
    );
    assert_eq!(out.matches("\x1b[2J").count(), 2);
    assert_eq!(out.matches("yima presentation, signed").count(), 2);
    assert!(out.contains('▀') || out.contains('▄'));
}
