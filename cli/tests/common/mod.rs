//! Helpers shared by the `yima` integration tests: running the binary, reading its output, the
//! health-code and trust-bundle commands several tests set up, and the runners for the published
//! credential and venue vectors.
//!
//! Each test binary compiles this module and uses only part of it; items some binary does not use carry
//! a narrow `#[allow(dead_code)]`.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use serde_json::Value as Json;

/// The `yima` binary of this package.
pub fn yima() -> Command {
    Command::cargo_bin("yima").unwrap()
}

/// The `yima` binary, run in `dir` (relative paths in the arguments are below it).
#[allow(dead_code)]
pub fn yima_in(dir: &Path) -> Command {
    let mut c = yima();
    c.current_dir(dir);
    c
}

/// A finished run: exit code and output as text.
#[allow(dead_code)]
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

#[allow(dead_code)]
impl Run {
    /// Runs `cmd` to completion.
    pub fn of(cmd: &mut Command) -> Self {
        let out = cmd.output().unwrap();
        Self {
            code: out.status.code().unwrap(),
            stdout: String::from_utf8(out.stdout).unwrap(),
            stderr: String::from_utf8(out.stderr).unwrap(),
        }
    }

    /// The first stdout line as JSON (`--json` output); panics with stderr when there is none.
    pub fn json(&self) -> Json {
        let line = self
            .stdout
            .lines()
            .next()
            .unwrap_or_else(|| panic!("no output; stderr: {}", self.stderr));
        serde_json::from_str(line).unwrap()
    }
}

/// `yima ARGS` in `dir`.
#[allow(dead_code)]
pub fn run_in(dir: &Path, args: &[&str]) -> Run {
    Run::of(yima_in(dir).args(args))
}

/// `yima ARGS` in `dir`, which must exit 0; returns stdout.
#[allow(dead_code)]
pub fn ok_in(dir: &Path, args: &[&str]) -> String {
    let run = run_in(dir, args);
    assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
    run.stdout
}

/// Asserts that a run exited 0, showing its stderr otherwise.
#[allow(dead_code)]
pub fn assert_success(out: &Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Asserts that a run failed as a usage error (exit 2) naming `needle` on stderr.
#[allow(dead_code)]
pub fn assert_usage_error(out: &Output, needle: &str) {
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains(needle));
}

/// Every line of `out` parsed as JSON.
#[allow(dead_code)]
pub fn json_lines(out: &[u8]) -> Vec<Json> {
    std::str::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// `yima keygen --out DIR/NAME`, which must succeed; returns the private and public key paths.
#[allow(dead_code)]
pub fn keygen(dir: &Path, name: &str) -> (PathBuf, PathBuf) {
    yima()
        .arg("keygen")
        .arg("--out")
        .arg(dir.join(name))
        .assert()
        .success();
    (
        dir.join(format!("{name}.key")),
        dir.join(format!("{name}.pub")),
    )
}

/// `yima issue health-code --key KEY --issuer SH` for one holder in region 310104; callers append the
/// rest (`--now`, `--out`, ...).
#[allow(dead_code)]
pub fn health_code_args<'a>(
    key: &'a str,
    name: &'a str,
    id: &'a str,
    status: &'a str,
) -> Vec<&'a str> {
    vec![
        "issue",
        "health-code",
        "--key",
        key,
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
    ]
}

/// `yima verify INPUT --json --now NOW --key PUBLIC`.
#[allow(dead_code)]
pub fn verify_json(input: &str, now: &str, public: &Path) -> Output {
    yima()
        .args(["verify", input, "--json", "--now", now, "--key"])
        .arg(public)
        .output()
        .unwrap()
}

/// In `dir`: adds issuer SH (key `sh.pub`, valid from 2026-01-01) for `kinds` to the draft `trust.json`.
#[allow(dead_code)]
pub fn trust_add_sh(dir: &Path, kinds: &str) {
    ok_in(
        dir,
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
            kinds,
            "--valid-from",
            "2026-01-01T00:00:00Z",
        ],
    );
}

/// In `dir`: signs the draft `trust.json` with `authority.key` into the bundle `out`.
#[allow(dead_code)]
pub fn trust_sign(dir: &Path, out: &str, now: &str) {
    ok_in(
        dir,
        &[
            "trust",
            "sign",
            "--draft",
            "trust.json",
            "--key",
            "authority.key",
            "--out",
            out,
            "--now",
            now,
        ],
    );
}

/// In `dir`: `yima scan --bundle BUNDLE --bundle-key authority.pub`; callers add the state option and
/// the rest.
#[allow(dead_code)]
pub fn scan_in(dir: &Path, bundle: &str) -> Command {
    let mut c = yima_in(dir);
    c.args(["scan", "--bundle", bundle, "--bundle-key", "authority.pub"]);
    c
}

/// In `dir`: `yima scan --bundle BUNDLE --bundle-key authority.pub --no-state --json --now NOW -`, fed
/// `stdin`; returns the exit code and every output line as JSON.
#[allow(dead_code)]
pub fn scan_stdin(dir: &Path, bundle: &str, now: &str, stdin: String) -> (Option<i32>, Vec<Json>) {
    scan_stdin_with(dir, bundle, now, stdin, &[])
}

/// [`scan_stdin`] with `extra` options before the `-`.
#[allow(dead_code)]
pub fn scan_stdin_with(
    dir: &Path,
    bundle: &str,
    now: &str,
    stdin: String,
    extra: &[&str],
) -> (Option<i32>, Vec<Json>) {
    let out = scan_in(dir, bundle)
        .args(["--no-state", "--json", "--now", now])
        .args(extra)
        .arg("-")
        .write_stdin(stdin)
        .output()
        .unwrap();
    (out.status.code(), json_lines(&out.stdout))
}

/// `yima verify INPUT --json --key ... --now ... --leeway ...` for a credential vector (groups
/// `vectors` and `hostile`): its keys are written to `dir` as `key-N.pub`.
#[allow(dead_code)]
pub fn verify_vector(input: impl AsRef<OsStr>, v: &Json, dir: &Path) -> Command {
    let mut cmd = yima();
    cmd.arg("verify").arg(input).arg("--json");
    for (i, k) in v["keys"].as_array().unwrap().iter().enumerate() {
        let path = dir.join(format!("key-{i}.pub"));
        std::fs::write(&path, k["public_key_pem"].as_str().unwrap()).unwrap();
        cmd.arg("--key").arg(&path);
    }
    cmd.arg("--now").arg(v["now_rfc3339"].as_str().unwrap());
    cmd.arg("--leeway")
        .arg(format!("{}s", v["leeway"].as_u64().unwrap()));
    cmd
}

/// Writes a venue vector's signed bundle and pinned key to `dir` as `bundle.cwt` and `authority.pub`.
#[allow(dead_code)]
pub fn write_venue_bundle(v: &Json, dir: &Path) {
    std::fs::write(
        dir.join("bundle.cwt"),
        hex::decode(v["bundle_hex"].as_str().unwrap()).unwrap(),
    )
    .unwrap();
    std::fs::write(
        dir.join("authority.pub"),
        v["bundle_key_pem"].as_str().unwrap(),
    )
    .unwrap();
}

/// Runs a venue vector (a `bundle_hex` with its key, policy and accepted sequence number) through
/// `yima verify TEXT --bundle ... --bundle-key ... --policy ... --state ... --json`, with its files in
/// `dir`. Accepted: exit 0, valid, an issuer. Refused by the bundle: exit 2 with the code on stderr.
/// Any other refusal: exit 1 with the vector's code and stage.
#[allow(dead_code)]
pub fn check_venue_vector(v: &Json, dir: &Path) {
    let name = v["name"].as_str().unwrap();
    let expected = v["expected"].as_str().unwrap();
    write_venue_bundle(v, dir);
    std::fs::write(dir.join("policy.json"), v["policy"].to_string()).unwrap();
    let state = dir.join("state.json");
    if let Some(seq) = v["accepted_seq"].as_u64() {
        std::fs::write(&state, format!("{{\"bundle_seq\":{seq}}}")).unwrap();
    }
    let run = Run::of(
        yima()
            .arg("verify")
            .arg(v["input"].as_str().unwrap())
            .arg("--bundle")
            .arg(dir.join("bundle.cwt"))
            .arg("--bundle-key")
            .arg(dir.join("authority.pub"))
            .arg("--policy")
            .arg(dir.join("policy.json"))
            .arg("--state")
            .arg(&state)
            .args(["--now", v["now_rfc3339"].as_str().unwrap(), "--json"]),
    );
    let Run {
        code,
        stdout,
        stderr,
    } = &run;
    match (expected, v["stage"].as_str()) {
        ("accepted", _) => {
            assert_eq!(*code, 0, "{name}: {stdout}{stderr}");
            let j = run.json();
            assert_eq!(j["valid"], true, "{name}");
            assert!(j["issuer"].is_string(), "{name}");
        }
        (want, Some("bundle")) => {
            assert_eq!(*code, 2, "{name}: {stdout}{stderr}");
            assert!(stderr.contains(want), "{name}: {stderr}");
        }
        (want, Some(stage)) => {
            assert_eq!(*code, 1, "{name}: {stdout}{stderr}");
            let j = run.json();
            assert_eq!(j["code"], want, "{name}");
            assert_eq!(j["stage"], stage, "{name}");
        }
        (want, None) => panic!("{name}: expected {want} without a stage"),
    }
}
