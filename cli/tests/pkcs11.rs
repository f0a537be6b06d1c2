//! `--key pkcs11:...` and `yima keygen --pkcs11`: the parts that need no HSM (URI errors, a missing
//! module). The live token tests are in crates/yima-pkcs11/tests/softhsm.rs and interop/pkcs11.sh.

// Test helpers outside #[test] functions fail loudly, like the tests themselves.
#![allow(clippy::unwrap_used)]

use assert_cmd::Command;

fn yima() -> Command {
    let mut cmd = Command::cargo_bin("yima").unwrap();
    cmd.env_remove("YIMA_PKCS11_MODULE")
        .env_remove("YIMA_PKCS11_PIN");
    cmd
}

fn issue_with_key(key: &str) -> assert_cmd::assert::Assert {
    yima()
        .args([
            "issue",
            "health-code",
            "--key",
            key,
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
        ])
        .assert()
}

fn stderr(assert: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&assert.get_output().stderr).into_owned()
}

#[test]
fn malformed_uri_is_a_usage_error() {
    for key in [
        "pkcs11:object=issuer;object=other",
        "pkcs11:object=a%zz",
        "pkcs11:foo=bar",
        "pkcs11:type=public",
        "PKCS11:object=a b",
    ] {
        let assert = issue_with_key(key).code(2);
        let err = stderr(&assert);
        assert!(err.contains("(pkcs11.uri)"), "{key}: {err}");
        assert!(assert.get_output().stdout.is_empty(), "{key}");
    }
}

#[test]
fn missing_module_is_a_module_error() {
    let assert = issue_with_key(
        "pkcs11:token=t;object=issuer?module-path=/nonexistent/yima/libhsm.so&pin-value=s3cr3t",
    )
    .code(2);
    let err = stderr(&assert);
    assert!(err.contains("(pkcs11.module)"), "{err}");
    assert!(err.contains("/nonexistent/yima/libhsm.so"), "{err}");
    assert!(
        !err.contains("s3cr3t"),
        "the PIN must not be printed: {err}"
    );

    // No module-path and no YIMA_PKCS11_MODULE.
    let assert = issue_with_key("pkcs11:object=issuer").code(2);
    let err = stderr(&assert);
    assert!(
        err.contains("(pkcs11.module)") && err.contains("YIMA_PKCS11_MODULE"),
        "{err}"
    );

    // The environment variable is used when the URI has no module-path.
    let assert = yima()
        .env("YIMA_PKCS11_MODULE", "/nonexistent/yima/from-env.so")
        .args([
            "status",
            "publish",
            "--list",
            "l.json",
            "--key",
            "pkcs11:object=k",
        ])
        .args(["--out", "l.status"])
        .assert()
        .code(2);
    let err = stderr(&assert);
    assert!(
        err.contains("(pkcs11.module)") && err.contains("from-env.so"),
        "{err}"
    );
}

#[test]
fn every_signing_command_takes_a_uri() {
    let dir = tempfile::tempdir().unwrap();
    let key = "pkcs11:object=k?module-path=/nonexistent/yima/m.so";
    yima()
        .current_dir(dir.path())
        .args(["trust", "init", "--out", "d.json", "--valid-for", "7d"])
        .assert()
        .success();
    let assert = yima()
        .current_dir(dir.path())
        .args([
            "trust", "sign", "--draft", "d.json", "--key", key, "--out", "b.cwt",
        ])
        .assert()
        .code(2);
    assert!(
        stderr(&assert).contains("(pkcs11.module)"),
        "{}",
        stderr(&assert)
    );
    assert!(!dir.path().join("b.cwt").exists());
    // issue-batch opens the key before reading its input.
    std::fs::write(
        dir.path().join("in.csv"),
        "holder_name,holder_id,region,status\n",
    )
    .unwrap();
    let assert = yima()
        .current_dir(dir.path())
        .args([
            "issue-batch",
            "--key",
            key,
            "--input",
            "in.csv",
            "--out",
            "out.jsonl",
        ])
        .assert()
        .code(2);
    assert!(
        stderr(&assert).contains("(pkcs11.module)"),
        "{}",
        stderr(&assert)
    );
}

#[test]
fn keygen_pkcs11_errors() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("hsm");
    let assert = yima()
        .args(["keygen", "--pkcs11", "pkcs11:object=a;object=b", "--out"])
        .arg(&out)
        .assert()
        .code(2);
    assert!(
        stderr(&assert).contains("(pkcs11.uri)"),
        "{}",
        stderr(&assert)
    );
    let assert = yima()
        .args([
            "keygen",
            "--pkcs11",
            "pkcs11:object=k?module-path=/nonexistent/yima/m.so",
        ])
        .arg("--out")
        .arg(&out)
        .assert()
        .code(2);
    assert!(
        stderr(&assert).contains("(pkcs11.module)"),
        "{}",
        stderr(&assert)
    );
    // Nothing written, and never a private key file.
    assert!(!dir.path().join("hsm.pub").exists());
    assert!(!dir.path().join("hsm.key").exists());
    // --out is required.
    yima()
        .args(["keygen", "--pkcs11", "pkcs11:object=k"])
        .assert()
        .code(2);
}

#[test]
fn help_mentions_pkcs11() {
    let out = yima()
        .args(["issue", "health-code", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("pkcs11: URI"), "{help}");
    let out = yima().args(["keygen", "--help"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("--pkcs11"));
}
