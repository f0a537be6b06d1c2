//! `yima scan` end to end: the authority builds and signs a bundle, an issuer publishes a status list,
//! and a venue scans a directory of mixed images offline. Every output line and the exit code are checked.

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

const NOW: &str = "2026-03-01T08:00:00Z";
const LATER: &str = "2026-03-01T09:00:00Z";

fn yima(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("yima").unwrap();
    c.current_dir(dir);
    c
}

fn ok(dir: &Path, args: &[&str]) {
    let out = yima(dir).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn health(dir: &Path, name: &str, id: &str, status: &str, out: &str) {
    ok(
        dir,
        &[
            "issue",
            "health-code",
            "--key",
            "sh.key",
            "--issuer",
            "SH",
            "--holder-name",
            name,
            "--holder-id",
            id,
            "--region",
            "310104",
            "--status",
            status,
            "--status-list",
            "sh-1.json",
            "--now",
            NOW,
            "--out",
            out,
        ],
    );
}

#[test]
fn authority_bundle_then_venue_scans_a_directory_offline() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    ok(d, &["keygen", "--out", "authority"]);
    ok(d, &["keygen", "--out", "sh"]);
    ok(d, &["keygen", "--out", "rogue"]);
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
            "100",
        ],
    );
    std::fs::create_dir_all(d.join("gate/sub")).unwrap();
    health(d, "金*", "3f9c510ea247d86b", "green", "gate/1-green.png"); // index 0
    health(d, "李*", "3f9c510ea247d86c", "green", "gate/2-revoked.png"); // index 1
    health(d, "王*", "3f9c510ea247d86d", "yellow", "gate/3-yellow.png"); // index 2
    health(
        d,
        "赵*",
        "3f9c510ea247d86e",
        "green",
        "gate/sub/4-suspended.jpg.txt",
    ); // index 3, a text file
    ok(
        d,
        &[
            "issue",
            "health-code",
            "--key",
            "rogue.key",
            "--issuer",
            "SH",
            "--holder-name",
            "钱*",
            "--holder-id",
            "3f9c510ea247d86f",
            "--region",
            "310104",
            "--status",
            "green",
            "--now",
            NOW,
            "--out",
            "gate/5-rogue.png",
        ],
    );
    std::fs::write(
        d.join("gate/6-not-a-qr.png"),
        b"\x89PNG\r\n\x1a\nnot really",
    )
    .unwrap();
    std::fs::write(d.join("gate/notes.txt"), b"ignored: not an image extension").unwrap();
    ok(
        d,
        &[
            "status",
            "set",
            "--list",
            "sh-1.json",
            "--index",
            "1",
            "revoked",
        ],
    );
    ok(
        d,
        &[
            "status",
            "set",
            "--list",
            "sh-1.json",
            "--index",
            "3",
            "suspended",
        ],
    );
    ok(
        d,
        &[
            "status",
            "publish",
            "--list",
            "sh-1.json",
            "--key",
            "sh.key",
            "--out",
            "sh-1.status",
            "--now",
            NOW,
        ],
    );
    ok(
        d,
        &["trust", "init", "--out", "trust.json", "--valid-for", "7d"],
    );
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
            "--valid-from",
            "2026-01-01T00:00:00Z",
        ],
    );
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
            "bundle-1.cwt",
            "--now",
            NOW,
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
            "bundle-2.cwt",
            "--now",
            NOW,
        ],
    );

    let show = yima(d)
        .args([
            "trust",
            "show",
            "bundle-2.cwt",
            "--bundle-key",
            "authority.pub",
            "--json",
        ])
        .output()
        .unwrap();
    let show: Json = serde_json::from_slice(&show.stdout).unwrap();
    assert_eq!(show["seq"], 2);
    assert_eq!(show["issuers"][0]["name"], "SH");
    assert_eq!(show["status_lists"][0]["entries"], 100);

    // Scan the directory and the suspended code's text file given explicitly.
    let out = yima(d)
        .args([
            "scan",
            "--bundle",
            "bundle-2.cwt",
            "--bundle-key",
            "authority.pub",
            "--state",
            "state.json",
        ])
        .args([
            "--now",
            LATER,
            "--json",
            "gate",
            "gate/sub/4-suspended.jpg.txt",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<Json> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let by_source = |suffix: &str| {
        lines
            .iter()
            .find(|l| l["source"].as_str().is_some_and(|s| s.ends_with(suffix)))
            .unwrap_or_else(|| panic!("no line for {suffix}: {lines:?}"))
    };
    assert_eq!(by_source("1-green.png")["valid"], true);
    assert_eq!(by_source("1-green.png")["status"], "valid");
    assert_eq!(by_source("2-revoked.png")["code"], "status.revoked");
    assert_eq!(by_source("3-yellow.png")["code"], "policy.health-status");
    assert_eq!(by_source("4-suspended.jpg.txt")["code"], "status.suspended");
    assert_eq!(by_source("5-rogue.png")["code"], "key.unknown-kid");
    assert!(
        by_source("6-not-a-qr.png")["code"]
            .as_str()
            .unwrap()
            .starts_with("image.")
    );
    assert!(!lines.iter().any(|l| {
        l["source"]
            .as_str()
            .is_some_and(|s| s.ends_with("notes.txt"))
    }));
    let summary = &lines.last().unwrap()["summary"];
    assert_eq!(summary["total"], 6);
    assert_eq!(summary["accepted"], 1);
    assert_eq!(summary["rejected"], 5);
    assert_eq!(lines.len(), 7);

    // Flags relax the policy: yellow accepted.
    let out = yima(d)
        .args([
            "scan",
            "--bundle",
            "bundle-2.cwt",
            "--bundle-key",
            "authority.pub",
            "--state",
            "state.json",
        ])
        .args(["--now", LATER, "--allow-yellow", "gate/3-yellow.png"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .contains("✓ VALID health-code")
    );

    // The state remembers seq 2: the older bundle is a rollback, and nothing is checked.
    let out = yima(d)
        .args([
            "scan",
            "--bundle",
            "bundle-1.cwt",
            "--bundle-key",
            "authority.pub",
            "--state",
            "state.json",
        ])
        .args(["--now", LATER, "gate/1-green.png"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bundle.rollback"));

    // A week later the bundle is stale: distinct from an invalid credential.
    let out = yima(d)
        .args([
            "scan",
            "--bundle",
            "bundle-2.cwt",
            "--bundle-key",
            "authority.pub",
            "--state",
            "state.json",
        ])
        .args(["--now", "2026-03-09T08:00:00Z", "gate/1-green.png"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bundle.stale"));

    // A bundle not signed by the pinned key.
    let out = yima(d)
        .args([
            "scan",
            "--bundle",
            "bundle-2.cwt",
            "--bundle-key",
            "rogue.pub",
            "--no-state",
            "gate/1-green.png",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bundle.signature"));

    // stdin: one text or path per line, for a camera pipeline.
    let text = std::fs::read_to_string(d.join("gate/sub/4-suspended.jpg.txt")).unwrap();
    let out = yima(d)
        .args([
            "scan",
            "--bundle",
            "bundle-2.cwt",
            "--bundle-key",
            "authority.pub",
            "--no-state",
            "--now",
            LATER,
            "--json",
            "-",
        ])
        .write_stdin(format!("gate/1-green.png\n{text}\nGARBAGE\n"))
        .output()
        .unwrap();
    let lines: Vec<Json> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[0]["valid"], true);
    assert_eq!(lines[1]["code"], "status.suspended");
    assert_eq!(lines[2]["code"], "prefix.unknown");
    assert_eq!(out.status.code(), Some(1));

    // --raw prints the texts, no bundle needed.
    let out = yima(d)
        .args(["scan", "--raw", "gate/1-green.png"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8(out.stdout).unwrap().starts_with("YM1:"));
}

#[test]
fn status_indexes_are_unique_under_concurrent_issuance() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    ok(d, &["keygen", "--out", "sh"]);
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
            "1000",
        ],
    );
    let handles: Vec<_> = (0..8)
        .map(|i| {
            let d = d.to_owned();
            std::thread::spawn(move || {
                let out = yima(&d)
                    .args([
                        "issue",
                        "health-code",
                        "--key",
                        "sh.key",
                        "--issuer",
                        "SH",
                        "--holder-name",
                        "金*",
                    ])
                    .args([
                        "--holder-id",
                        &format!("3f9c510ea247d8{i:02x}"),
                        "--region",
                        "310104",
                        "--status",
                        "green",
                    ])
                    .args(["--status-list", "sh-1.json", "--now", NOW])
                    .output()
                    .unwrap();
                assert!(
                    out.status.success(),
                    "{}",
                    String::from_utf8_lossy(&out.stderr)
                );
                String::from_utf8(out.stdout).unwrap().trim().to_owned()
            })
        })
        .collect();
    let mut indexes = std::collections::BTreeSet::new();
    for h in handles {
        let text = h.join().unwrap();
        let out = yima(d).args(["inspect", &text, "--json"]).output().unwrap();
        let j: Json = serde_json::from_slice(&out.stdout).unwrap();
        assert!(
            indexes.insert(j["claims"]["status"]["index"].as_u64().unwrap()),
            "index reused"
        );
    }
    assert_eq!(indexes, (0..8).collect());
}
