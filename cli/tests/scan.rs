//! `yima scan` end to end: the authority builds and signs a bundle, an issuer publishes a status list,
//! and a venue scans a directory of mixed images offline. Every output line and the exit code are checked.

// Test code: a failed unwrap is a failed test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::path::Path;

use common::{assert_usage_error, health_code_args, json_lines, ok_in as ok, yima_in as yima};
use serde_json::Value as Json;

const NOW: &str = "2026-03-01T08:00:00Z";
const LATER: &str = "2026-03-01T09:00:00Z";

fn health(dir: &Path, name: &str, id: &str, status: &str, out: &str) {
    let mut args = health_code_args("sh.key", name, id, status);
    args.extend(["--status-list", "sh-1.json", "--now", NOW, "--out", out]);
    ok(dir, &args);
}

/// In `dir`: a new status list `sh-1.json` of issuer SH with `size` entries.
fn status_new(dir: &Path, size: &str) {
    ok(
        dir,
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
            size,
        ],
    );
}

/// In `dir`: sets entry `index` of `sh-1.json` to `status`.
fn status_set(dir: &Path, index: &str, status: &str) {
    ok(
        dir,
        &[
            "status",
            "set",
            "--list",
            "sh-1.json",
            "--index",
            index,
            status,
        ],
    );
}

/// In `dir`: `yima scan --bundle BUNDLE --bundle-key authority.pub --state state.json ARGS...`.
fn scan_with_state(dir: &Path, bundle: &str, args: &[&str]) -> std::process::Output {
    common::scan_in(dir, bundle)
        .args(["--state", "state.json"])
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn authority_bundle_then_venue_scans_a_directory_offline() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    for k in ["authority", "sh", "rogue"] {
        ok(d, &["keygen", "--out", k]);
    }
    status_new(d, "100");
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
    let mut rogue = health_code_args("rogue.key", "钱*", "3f9c510ea247d86f", "green");
    rogue.extend(["--now", NOW, "--out", "gate/5-rogue.png"]);
    ok(d, &rogue);
    std::fs::write(
        d.join("gate/6-not-a-qr.png"),
        b"\x89PNG\r\n\x1a\nnot really",
    )
    .unwrap();
    std::fs::write(d.join("gate/notes.txt"), b"ignored: not an image extension").unwrap();
    status_set(d, "1", "revoked");
    status_set(d, "3", "suspended");
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
    common::trust_add_sh(d, "health-code,social-security-card");
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
    common::trust_sign(d, "bundle-1.cwt", NOW);
    common::trust_sign(d, "bundle-2.cwt", NOW);

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
    let out = scan_with_state(
        d,
        "bundle-2.cwt",
        &[
            "--now",
            LATER,
            "--json",
            "gate",
            "gate/sub/4-suspended.jpg.txt",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines = json_lines(&out.stdout);
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
    let out = scan_with_state(
        d,
        "bundle-2.cwt",
        &["--now", LATER, "--allow-yellow", "gate/3-yellow.png"],
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .contains("✓ VALID health-code")
    );

    // The state remembers seq 2: the older bundle is a rollback, and nothing is checked.
    let out = scan_with_state(d, "bundle-1.cwt", &["--now", LATER, "gate/1-green.png"]);
    assert_usage_error(&out, "bundle.rollback");

    // A week later the bundle is stale: distinct from an invalid credential.
    let out = scan_with_state(
        d,
        "bundle-2.cwt",
        &["--now", "2026-03-09T08:00:00Z", "gate/1-green.png"],
    );
    assert_usage_error(&out, "bundle.stale");

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
    assert_usage_error(&out, "bundle.signature");

    // stdin: one code text per line, for a camera pipeline. A line that names a file or a directory is
    // still just a text: a code held up to the camera must not make the gate read files.
    let text = std::fs::read_to_string(d.join("gate/sub/4-suspended.jpg.txt")).unwrap();
    let (code, lines) = common::scan_stdin(
        d,
        "bundle-2.cwt",
        LATER,
        format!("{text}\nGARBAGE\ngate/1-green.png\n/\n"),
    );
    assert_eq!(lines.len(), 5, "{lines:?}");
    assert_eq!(lines[0]["code"], "status.suspended");
    assert_eq!(lines[1]["code"], "prefix.unknown");
    assert_eq!(lines[2]["code"], "prefix.unknown");
    assert_eq!(lines[3]["code"], "prefix.unknown");
    assert_eq!(lines[4]["summary"]["total"], 4);
    assert_eq!(code, Some(1));
    // --stdin-paths: image files written by a frame grabber; a directory is not walked.
    let (code, lines) = common::scan_stdin_with(
        d,
        "bundle-2.cwt",
        LATER,
        "gate/1-green.png\ngate\n".to_owned(),
        &["--stdin-paths"],
    );
    assert_eq!(lines[0]["valid"], true, "{lines:?}");
    assert_eq!(lines[1]["code"], "input.io", "{lines:?}");
    assert_eq!(lines[2]["summary"]["total"], 2, "{lines:?}");
    assert_eq!(code, Some(1));

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
    status_new(d, "1000");
    let handles: Vec<_> = (0..8)
        .map(|i| {
            let d = d.to_owned();
            std::thread::spawn(move || {
                let id = format!("3f9c510ea247d8{i:02x}");
                let mut args = health_code_args("sh.key", "金*", &id, "green");
                args.extend(["--status-list", "sh-1.json", "--now", NOW]);
                ok(&d, &args).trim().to_owned()
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

/// `yima scan ... -` fed line by line, as a gate pipeline does: `send` writes one line and returns the
/// verdict printed for it (within 60 s, while standard input stays open); `finish` closes the input and
/// returns the summary line and the exit code.
struct LiveScan {
    child: std::process::Child,
    stdin: Option<std::process::ChildStdin>,
    lines: std::sync::mpsc::Receiver<String>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl LiveScan {
    fn start(d: &Path, extra: &[&str]) -> Self {
        use std::io::{BufRead, BufReader};
        use std::process::Stdio;
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("yima"))
            .current_dir(d)
            .args([
                "scan",
                "--bundle",
                "bundle.cwt",
                "--bundle-key",
                "authority.pub",
                "--no-state",
                "--json",
            ])
            .args(extra)
            .arg("-")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let (tx, lines) = std::sync::mpsc::channel();
        let reader = std::thread::spawn(move || {
            for line in stdout.lines() {
                if tx.send(line.unwrap()).is_err() {
                    break;
                }
            }
        });
        LiveScan {
            child,
            stdin,
            lines,
            reader: Some(reader),
        }
    }

    fn next(&self) -> Json {
        let line = self
            .lines
            .recv_timeout(std::time::Duration::from_secs(60))
            .expect("no output line while standard input is still open");
        serde_json::from_str(&line).unwrap()
    }

    fn send(&mut self, line: &str) -> Json {
        use std::io::Write;
        let stdin = self.stdin.as_mut().unwrap();
        writeln!(stdin, "{line}").unwrap();
        stdin.flush().unwrap();
        self.next()
    }

    fn finish(mut self) -> (Json, Option<i32>) {
        drop(self.stdin.take());
        let summary = self.next();
        let code = self.child.wait().unwrap().code();
        self.reader.take().unwrap().join().unwrap();
        (summary, code)
    }
}

/// Keys, one health code (`code.txt`, issued at `now` or the real time) and a bundle `bundle.cwt` valid
/// for `valid_for`, in `d`; returns the code's text.
fn live_setup(d: &Path, now: Option<&str>, valid_for: &str) -> String {
    for k in ["authority", "sh"] {
        ok(d, &["keygen", "--out", k]);
    }
    let mut args = health_code_args("sh.key", "金*", "3f9c510ea247d86b", "green");
    if let Some(now) = now {
        args.extend(["--now", now]);
    }
    args.extend(["--out", "code.txt"]);
    ok(d, &args);
    ok(
        d,
        &[
            "trust",
            "init",
            "--out",
            "trust.json",
            "--valid-for",
            valid_for,
        ],
    );
    common::trust_add_sh(d, "health-code");
    let mut sign = vec![
        "trust",
        "sign",
        "--draft",
        "trust.json",
        "--key",
        "authority.key",
        "--out",
        "bundle.cwt",
    ];
    if let Some(now) = now {
        sign.extend(["--now", now]);
    }
    ok(d, &sign);
    std::fs::read_to_string(d.join("code.txt"))
        .unwrap()
        .trim()
        .to_owned()
}

/// A gate pipeline writes one line at a time and waits: each verdict must come out as soon as its line
/// is read, not when standard input ends.
#[test]
fn scan_stdin_answers_each_line_as_it_arrives() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let text = live_setup(d, Some(NOW), "7d");
    let mut scan = LiveScan::start(d, &["--now", NOW]);
    let first = scan.send(&text);
    assert_eq!(first["valid"], true, "{first}");
    let second = scan.send("YM1:NOT-A-CODE");
    assert_eq!(second["valid"], false, "{second}");
    let (summary, code) = scan.finish();
    assert_eq!(summary["summary"]["total"], 2, "{summary}");
    assert_eq!(summary["summary"]["accepted"], 1, "{summary}");
    assert_eq!(code, Some(1));
}

/// A gate runs for hours on the real clock: a bundle that goes stale while it runs refuses every code
/// (fail closed, stage `bundle`), a fresh bundle dropped in place of the file is picked up without a
/// restart, and the run ends with exit status 2 because the bundle failed on the way.
#[test]
fn a_live_scan_fails_closed_when_its_bundle_goes_stale_and_picks_up_a_fresh_one() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    // Real time: the bundle is valid for 3 seconds from now.
    let text = live_setup(d, None, "3s");
    let mut scan = LiveScan::start(d, &["--clock-skew", "0s"]);
    let first = scan.send(&text);
    assert_eq!(first["valid"], true, "{first}");
    std::thread::sleep(std::time::Duration::from_secs(4));
    let stale = scan.send(&text);
    assert_eq!(stale["valid"], false, "{stale}");
    assert_eq!(stale["code"], "bundle.stale", "{stale}");
    assert_eq!(stale["stage"], "bundle", "{stale}");
    // The authority publishes a fresh bundle (a new draft, a higher seq); the gate replaces the file.
    ok(
        d,
        &[
            "trust",
            "init",
            "--out",
            "fresh.json",
            "--valid-for",
            "1h",
            "--seq",
            "5",
        ],
    );
    let draft: Json =
        serde_json::from_slice(&std::fs::read(d.join("trust.json")).unwrap()).unwrap();
    let mut fresh: Json =
        serde_json::from_slice(&std::fs::read(d.join("fresh.json")).unwrap()).unwrap();
    fresh["issuers"] = draft["issuers"].clone();
    std::fs::write(d.join("fresh.json"), fresh.to_string()).unwrap();
    ok(
        d,
        &[
            "trust",
            "sign",
            "--draft",
            "fresh.json",
            "--key",
            "authority.key",
            "--out",
            "new.cwt",
        ],
    );
    std::fs::rename(d.join("new.cwt"), d.join("bundle.cwt")).unwrap();
    let again = scan.send(&text);
    assert_eq!(again["valid"], true, "{again}");
    // An older bundle (seq 3, fresh, but trusting nobody) put in its place is refused even without a
    // state file: the gate keeps seq 5, so the code is still accepted.
    ok(
        d,
        &[
            "trust",
            "init",
            "--out",
            "old.json",
            "--valid-for",
            "1h",
            "--seq",
            "3",
        ],
    );
    ok(
        d,
        &[
            "trust",
            "sign",
            "--draft",
            "old.json",
            "--key",
            "authority.key",
            "--out",
            "old.cwt",
        ],
    );
    std::fs::rename(d.join("old.cwt"), d.join("bundle.cwt")).unwrap();
    let after_rollback = scan.send(&text);
    assert_eq!(after_rollback["valid"], true, "{after_rollback}");
    let (summary, code) = scan.finish();
    assert_eq!(summary["summary"]["total"], 4, "{summary}");
    assert_eq!(summary["summary"]["accepted"], 3, "{summary}");
    assert_eq!(code, Some(2));
}
