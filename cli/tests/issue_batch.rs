//! `yima issue-batch`: bad rows are reported and skipped, order is kept, every line verifies, and an
//! interrupted run resumes from a truncated output.

// Test code: a failed unwrap is a failed test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::path::{Path, PathBuf};

use common::{assert_success, keygen, yima};
use serde_json::Value as Json;
use tempfile::TempDir;

const NOW: &str = "2026-03-01T08:00:00+08:00";
const LATER: &str = "2026-03-01T09:00:00+08:00";

/// A temporary directory with an issuer key pair, the path `INPUT` in it and the output path
/// `codes.jsonl`: (dir, private key, public key, input, output).
fn setup(input: &str) -> (TempDir, PathBuf, PathBuf, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let (key, public) = keygen(dir.path(), "issuer");
    let input = dir.path().join(input);
    let out_path = dir.path().join("codes.jsonl");
    (dir, key, public, input, out_path)
}

fn holder_id(i: usize) -> String {
    format!("{:08x}{:08x}", i, i * 7 + 12345)
}

/// A health-code CSV of `n` good rows.
fn people_csv(path: &Path, n: usize) {
    let mut s = String::from("holder_name,holder_id,region,status\n");
    for i in 0..n {
        let status = ["green", "yellow", "red"][i % 3];
        s.push_str(&format!("金*,{},310104,{status}\n", holder_id(i)));
    }
    std::fs::write(path, s).unwrap();
}

fn batch(key: &Path, input: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    yima()
        .args(["issue-batch", "--key"])
        .arg(key)
        .args(["--issuer", "SH", "--now", NOW, "--input"])
        .arg(input)
        .arg("--out")
        .arg(out)
        .args(extra)
        .output()
        .unwrap()
}

fn lines(out: &Path) -> Vec<Json> {
    std::fs::read_to_string(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Verifies `text` with `yima verify --json` and returns the claims.
fn verify(text: &str, public: &Path) -> Json {
    let out = common::verify_json(text, LATER, public);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let v: Json = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["valid"], true);
    v["claims"].clone()
}

#[test]
fn bad_rows_are_reported_and_skipped_without_losing_good_ones() {
    let (_dir, key, public, input, out_path) = setup("people.csv");
    std::fs::write(
        &input,
        "holder_name,holder_id,region,status,reason\n\
         金*,3f9c510ea247d86b,310104,green,\n\
         李*,nothex,310104,green,\n\
         王*,3f9c510ea247d86d,999999,red,\n\
         赵*,3f9c510ea247d86e,310104,purple,\n\
         张*,11010519491231002X,310104,green,\n\
         钱*,3f9c510ea247d86f,310104,yellow\n\
         孙*,3f9c510ea247d870,310104,red,close contact\n",
    )
    .unwrap();
    let out = batch(&key, &input, &out_path, &[]);
    assert_eq!(out.status.code(), Some(1), "some rows rejected: exit 1");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let got = lines(&out_path);
    assert_eq!(got.len(), 7, "one line per input row");
    let expected = [
        None,
        Some("row.invalid-field"),
        Some("issue.invalid-field"),
        Some("issue.invalid-field"),
        Some("row.invalid-field"),
        Some("row.unreadable"),
        None,
    ];
    for (i, (line, code)) in got.iter().zip(expected).enumerate() {
        assert_eq!(line["row"], i + 1);
        match code {
            Some(code) => {
                assert_eq!(line["error"]["code"], code, "row {}", i + 1);
                assert!(line["error"]["message"].as_str().unwrap().len() > 3);
                assert!(line.get("text").is_none());
                assert!(
                    stderr.contains(&format!("row {} rejected ({code})", i + 1)),
                    "{stderr}"
                );
            }
            None => {
                verify(line["text"].as_str().unwrap(), &public);
            }
        }
    }
    assert!(stderr.contains("2 issued, 5 rejected"), "{stderr}");
}

#[test]
fn order_is_kept_and_every_line_verifies() {
    let (dir, key, public, input, out_path) = setup("people.csv");
    let n = 40;
    people_csv(&input, n);
    let pngs = dir.path().join("png");
    let out = batch(
        &key,
        &input,
        &out_path,
        &["--threads", "3", "--png-dir", pngs.to_str().unwrap()],
    );
    assert_success(&out);
    let got = lines(&out_path);
    assert_eq!(got.len(), n);
    for (i, line) in got.iter().enumerate() {
        assert_eq!(line["row"], i + 1);
        assert_eq!(line["kind"], "health-code");
        let claims = verify(line["text"].as_str().unwrap(), &public);
        assert_eq!(claims["fields"]["holder_id"], holder_id(i), "row {}", i + 1);
        assert_eq!(claims["cti"], line["cti"]);
    }
    // The PNG of a row scans back to that row's text.
    let png = pngs.join("00000007.png");
    assert_eq!(got[6]["png"], png.display().to_string());
    let claims = verify(png.to_str().unwrap(), &public);
    assert_eq!(claims["fields"]["holder_id"], holder_id(6));
}

#[test]
fn resume_after_a_truncated_write() {
    let (_dir, key, public, input, out_path) = setup("people.csv");
    let n = 300;
    people_csv(&input, n);
    assert!(batch(&key, &input, &out_path, &[]).status.success());
    let full = std::fs::read_to_string(&out_path).unwrap();

    // Cut the file in the middle of line 121, as a killed run would leave it.
    let keep: usize = full.lines().take(120).map(|l| l.len() + 1).sum();
    let cut = keep + full.lines().nth(120).unwrap().len() / 2;
    std::fs::write(&out_path, &full[..cut]).unwrap();

    // Without --resume the existing output is refused.
    assert_eq!(batch(&key, &input, &out_path, &[]).status.code(), Some(2));

    let out = batch(&key, &input, &out_path, &["--resume"]);
    assert_success(&out);
    assert!(String::from_utf8_lossy(&out.stderr).contains("after 120 already done"));
    let resumed = std::fs::read_to_string(&out_path).unwrap();
    assert_eq!(
        &resumed[..keep],
        &full[..keep],
        "complete lines are kept as they were"
    );
    let got = lines(&out_path);
    assert_eq!(got.len(), n);
    for (i, line) in got.iter().enumerate() {
        assert_eq!(line["row"], i + 1);
    }
    for i in [0, 119, 120, 121, n - 1] {
        let claims = verify(got[i]["text"].as_str().unwrap(), &public);
        assert_eq!(claims["fields"]["holder_id"], holder_id(i));
    }

    // Resuming a finished run issues nothing more.
    let again = batch(&key, &input, &out_path, &["--resume"]);
    assert!(again.status.success());
    assert_eq!(std::fs::read_to_string(&out_path).unwrap(), resumed);

    // An output whose lines are not this command's rows is refused.
    std::fs::write(&out_path, "{\"row\": 5}\n").unwrap();
    assert_eq!(
        batch(&key, &input, &out_path, &["--resume"]).status.code(),
        Some(2)
    );
}

#[test]
fn json_lines_carry_any_kind() {
    let (dir, key, public, input, out_path) = setup("rows.jsonl");
    std::fs::write(
        &input,
        concat!(
            r#"{"holder_name":"金*","holder_id":"3f9c510ea247d86b","region":310104,"status":"green"}"#,
            "\n\n",
            r#"{"kind":"business-licence","issuer":"BJ","fields":{"uscc":"91310110666007217T","name":"上海一码示例科技有限公司","legal_representative":"李华","entity_type":"有限责任公司","address":"上海市杨浦区国定路335号","established":"2007-08-20","authority":"上海市杨浦区市场监督管理局"}}"#,
            "\n",
            r#"{"kind":"pet-licence","fields":{}}"#,
            "\n",
            r#"{"holder_name":"金*","holder_id":"3f9c510ea247d86b","region":310104,"status":"green","colour":1}"#,
            "\n",
        ),
    )
    .unwrap();
    let out = batch(&key, &input, &out_path, &[]);
    assert_eq!(out.status.code(), Some(1));
    let got = lines(&out_path);
    assert_eq!(got.len(), 4, "the blank line is not a row");
    let hc = verify(got[0]["text"].as_str().unwrap(), &public);
    assert_eq!(hc["iss"], "SH");
    let bl = verify(got[1]["text"].as_str().unwrap(), &public);
    assert_eq!(bl["kind"], "business-licence");
    assert_eq!(bl["iss"], "BJ", "a row's issuer wins over --issuer");
    assert_eq!(got[2]["error"]["code"], "row.unreadable");
    assert_eq!(got[3]["error"]["code"], "row.unreadable");

    // Without --issuer, a row without one is rejected.
    let out_path = dir.path().join("no-issuer.jsonl");
    let out = yima()
        .args(["issue-batch", "--key"])
        .arg(&key)
        .arg("--input")
        .arg(&input)
        .arg("--out")
        .arg(&out_path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let got = lines(&out_path);
    assert_eq!(got[0]["error"]["code"], "row.missing-issuer");
    assert_eq!(got[1]["kind"], "business-licence");
}

#[test]
fn csv_is_for_health_codes_only() {
    let (_dir, key, _, input, out_path) = setup("rows.csv");
    std::fs::write(&input, "kind,holder_name\nbusiness-licence,x\n").unwrap();
    let out = batch(&key, &input, &out_path, &[]);
    common::assert_usage_error(&out, "JSON Lines");
}

#[test]
fn png_render_errors_carry_the_librarys_code() {
    let (dir, key, _public, input, out_path) = setup("people.csv");
    people_csv(&input, 2);
    let pngs = dir.path().join("png");
    // 1000 px per module makes every symbol wider than the renderer's 16384 px: each row is rejected
    // with the yima-qr code (not a blanket `qr`), the run exits 1.
    let out = batch(
        &key,
        &input,
        &out_path,
        &["--png-dir", pngs.to_str().unwrap(), "--scale", "1000"],
    );
    assert_eq!(out.status.code(), Some(1));
    let got = lines(&out_path);
    assert_eq!(got.len(), 2);
    for (i, line) in got.iter().enumerate() {
        assert_eq!(line["row"], i + 1);
        assert_eq!(line["error"]["code"], "qr.render-size", "{line}");
    }
    assert!(String::from_utf8_lossy(&out.stderr).contains("qr.render-size"));
}
