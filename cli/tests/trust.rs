//! `yima trust` as an authority uses it: entries scanners would refuse are refused when they are added,
//! a signed bundle is checked before it is written (and before its sequence number is spent), a renamed
//! issuer's orphaned status lists leave the draft, and `--out -` streams the bundle to a pipe.

// Test code: a failed unwrap is a failed test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::path::Path;

use common::{Run, ok_in as ok, run_in};
use serde_json::Value as Json;

const NOW: &str = "2026-03-01T08:00:00Z";

fn draft(d: &Path) -> Json {
    serde_json::from_slice(&std::fs::read(d.join("trust.json")).unwrap()).unwrap()
}

fn setup(d: &Path) {
    for k in ["authority", "sh"] {
        ok(d, &["keygen", "--out", k]);
    }
    ok(
        d,
        &["trust", "init", "--out", "trust.json", "--valid-for", "7d"],
    );
}

fn add_issuer(d: &Path, name: &str, kinds: &str, valid_for: &str) -> Run {
    run_in(
        d,
        &[
            "trust",
            "add-issuer",
            "--draft",
            "trust.json",
            "--name",
            name,
            "--key",
            "sh.pub",
            "--kinds",
            kinds,
            "--valid-from",
            "2026-01-01T00:00:00Z",
            "--valid-for",
            valid_for,
        ],
    )
}

/// Issuer SH publishes status list 1 (64 entries, signed with `sh.key` at `now` or the real time) and
/// the authority adds it to the draft.
fn publish_sh_list(d: &Path, now: Option<&str>) {
    ok(
        d,
        &[
            "status",
            "new",
            "--out",
            "sh-1.json",
            "--issuer",
            "SH",
            "--list-id",
            "1",
            "--size",
            "64",
        ],
    );
    let mut publish = vec![
        "status",
        "publish",
        "--list",
        "sh-1.json",
        "--key",
        "sh.key",
        "--out",
        "sh-1.status",
    ];
    if let Some(now) = now {
        publish.extend(["--now", now]);
    }
    ok(d, &publish);
    ok(
        d,
        &[
            "trust",
            "add-status",
            "--draft",
            "trust.json",
            "--list",
            "sh-1.status",
        ],
    );
}

#[test]
fn issuers_scanners_would_refuse_are_refused_when_added() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    setup(d);
    let before = draft(d);
    // Issuer names are 1 to 32 bytes on the wire.
    let long = "上海市卫生健康委员会发证中心";
    assert!(long.len() > 32);
    let r = add_issuer(d, long, "health-code", "365d");
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("(bundle.invalid)"), "{}", r.stderr);
    assert!(r.stderr.contains("issuer name"), "{}", r.stderr);
    assert!(r.stderr.contains("draft unchanged"), "{}", r.stderr);
    assert_eq!(draft(d), before, "the draft must not change");
    // A good entry goes in.
    let r = add_issuer(d, "SH", "health-code", "365d");
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(draft(d)["issuers"].as_array().unwrap().len(), 1);
}

#[test]
fn a_renamed_issuer_drops_its_orphaned_status_lists_and_the_bundle_still_loads() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    setup(d);
    assert_eq!(add_issuer(d, "SH", "health-code", "365d").code, 0);
    publish_sh_list(d, Some(NOW));
    assert_eq!(draft(d)["status_lists"].as_array().unwrap().len(), 1);
    // Same key, new name: the list published as "SH" no longer belongs to any issuer.
    let r = add_issuer(d, "SHANGHAI", "health-code", "365d");
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("dropped status list 1 of SH"),
        "{}",
        r.stderr
    );
    assert_eq!(draft(d)["status_lists"].as_array().unwrap().len(), 0);
    common::trust_sign(d, "bundle.cwt", NOW);
    let shown = ok(
        d,
        &[
            "trust",
            "show",
            "bundle.cwt",
            "--bundle-key",
            "authority.pub",
            "--json",
        ],
    );
    assert!(shown.contains("SHANGHAI"), "{shown}");
}

#[test]
fn sign_to_stdout_writes_the_bundle_and_moves_the_note_to_stderr() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    setup(d);
    assert_eq!(add_issuer(d, "SH", "health-code", "365d").code, 0);
    let out = common::yima_in(d)
        .args([
            "trust",
            "sign",
            "--draft",
            "trust.json",
            "--key",
            "authority.key",
            "--out",
            "-",
            "--now",
            NOW,
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A tagged COSE_Sign1 (tag 18), not a file named "-".
    assert_eq!(out.stdout.first(), Some(&0xd2));
    assert!(!d.join("-").exists());
    assert!(String::from_utf8_lossy(&out.stderr).contains("signed bundle seq"));
    std::fs::write(d.join("piped.cwt"), &out.stdout).unwrap();
    ok(
        d,
        &[
            "trust",
            "show",
            "piped.cwt",
            "--bundle-key",
            "authority.pub",
        ],
    );
    assert_eq!(draft(d)["next_seq"], 2);
}

#[cfg(unix)]
#[test]
fn a_key_read_from_an_endless_device_is_refused_not_slurped() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let r = run_in(
        d,
        &[
            "issue",
            "health-code",
            "--key",
            "/dev/zero",
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
        ],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("larger than"), "{}", r.stderr);
}

/// A lock file left by a process that was killed does not block the next run: the lock is the OS's
/// (released when its holder exits), not the file's existence.
#[test]
fn a_leftover_lock_file_does_not_block() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    setup(d);
    std::fs::write(d.join("trust.json.lock"), b"").unwrap();
    let start = std::time::Instant::now();
    let r = add_issuer(d, "SH", "health-code", "365d");
    assert_eq!(r.code, 0, "{}", r.stderr);
    // The old lock gave up only after about 10 seconds.
    assert!(start.elapsed() < std::time::Duration::from_secs(8));
}

/// Re-adding a key (here: more kinds) keeps its start date unless `--valid-from` is given: moving it to
/// now would put the status lists (and credentials) it signed before outside its window.
#[test]
fn re_adding_a_key_keeps_its_start_and_the_bundle_still_signs() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    setup(d);
    assert_eq!(add_issuer(d, "SH", "health-code", "365d").code, 0);
    publish_sh_list(d, None);
    let start = draft(d)["issuers"][0]["valid_from"].clone();
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
            "health-code,social-security-card",
        ],
    );
    let after = draft(d);
    assert_eq!(after["issuers"][0]["valid_from"], start, "{after}");
    assert_eq!(after["issuers"][0]["kinds"].as_array().unwrap().len(), 2);
    assert_eq!(after["status_lists"].as_array().unwrap().len(), 1);
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
        ],
    );
}
