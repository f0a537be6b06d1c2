//! `yima verify --profile eu-dcc --trust DIR_OR_FILE INPUT`: EU Digital COVID Certificates (`HC1:`)
//! checked against trusted Document Signer Certificates with `yima_eudcc`.

use std::path::Path;

use serde_json::{Value as Json, json};
use yima_eudcc::{Options, TrustList, Verified, trust::MAX_TRUST_FILE_BYTES, verify_with};

use crate::cli::{Profile, VerifyArgs};
use crate::clock;
use crate::error::{CliError, usage};
use crate::input::{self, Found};

/// File names read from a `--trust` directory.
const TRUST_EXTENSIONS: [&str; 5] = ["der", "cer", "crt", "pem", "json"];

/// Loads `--trust`: one file, or every certificate / trust-list file directly in a directory.
pub fn load_trust(path: &Path) -> Result<TrustList, CliError> {
    let meta = std::fs::metadata(path).map_err(|e| CliError::io(path, e))?;
    let mut trust = TrustList::new();
    if meta.is_dir() {
        let mut files: Vec<_> = std::fs::read_dir(path)
            .map_err(|e| CliError::io(path, e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.is_file()
                    && p.extension().and_then(|x| x.to_str()).is_some_and(|x| {
                        TRUST_EXTENSIONS.contains(&x.to_ascii_lowercase().as_str())
                    })
            })
            .collect();
        files.sort();
        for f in files {
            add_file(&mut trust, &f)?;
        }
    } else {
        add_file(&mut trust, path)?;
    }
    if trust.is_empty() {
        return Err(usage(format!(
            "{}: no signing certificates found (expected .der/.cer/.crt/.pem/.json files)",
            path.display()
        )));
    }
    Ok(trust)
}

fn add_file(trust: &mut TrustList, path: &Path) -> Result<(), CliError> {
    let meta = std::fs::metadata(path).map_err(|e| CliError::io(path, e))?;
    if meta.len() > MAX_TRUST_FILE_BYTES as u64 {
        return Err(CliError::Bundle {
            code: "trust.too-large",
            message: format!(
                "{}: {} bytes; the limit is {MAX_TRUST_FILE_BYTES}",
                path.display(),
                meta.len()
            ),
        });
    }
    let bytes = std::fs::read(path).map_err(|e| CliError::io(path, e))?;
    trust
        .add_file_bytes(&bytes)
        .map(|_| ())
        .map_err(|e| CliError::Bundle {
            code: e.code(),
            message: format!("{}: {e}", path.display()),
        })
}

/// Outcome of one input.
struct Outcome<'a> {
    source: &'a str,
    result: Result<Verified, (String, String, String)>,
}

fn verify_found(
    found: &Found,
    trust: &TrustList,
    opts: &Options,
) -> Result<Verified, (String, String, String)> {
    match &found.text {
        Err(u) => Err((u.code.to_owned(), "input".to_owned(), u.message.clone())),
        Ok(text) => verify_with(text, trust, opts).map_err(|e| {
            (
                e.code().to_owned(),
                e.stage().as_str().to_owned(),
                e.to_string(),
            )
        }),
    }
}

fn secs(t: i64) -> String {
    u64::try_from(t).map_or_else(|_| t.to_string(), clock::format)
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The certificate types as words, e.g. `vaccination`.
fn kinds(v: &Verified) -> String {
    let t = v.claims().types;
    let words: Vec<&str> = [
        (t.vaccination, "vaccination"),
        (t.test, "test"),
        (t.recovery, "recovery"),
    ]
    .iter()
    .filter(|(on, _)| *on)
    .map(|(_, w)| *w)
    .collect();
    if words.is_empty() {
        "certificate".into()
    } else {
        words.join("+")
    }
}

impl Outcome<'_> {
    fn json(&self) -> Json {
        match &self.result {
            Ok(v) => {
                let c = v.claims();
                json!({
                    "source": self.source,
                    "valid": true,
                    "kind": "eu-dcc",
                    "alg": v.alg().name(),
                    "kid": hex(v.kid()),
                    "dsc": v.dsc().subject(),
                    "iss": c.issuer,
                    "iat": secs(c.issued_at),
                    "exp": secs(c.expires_at),
                    "claims": c.hcert,
                })
            }
            Err((code, stage, message)) => json!({
                "source": self.source,
                "valid": false,
                "code": code,
                "stage": stage,
                "message": message,
                "kind": "eu-dcc",
                "claims": Json::Null,
            }),
        }
    }

    fn human(&self) -> String {
        match &self.result {
            Ok(v) => {
                let c = v.claims();
                let mut s = format!(
                    "✓ VALID EU DCC {} ({}), {} signed by DSC kid {} ({})",
                    kinds(v),
                    self.source,
                    v.alg().name(),
                    hex(v.kid()),
                    v.dsc().subject()
                );
                let h = &c.hcert;
                let text = |p: &str| {
                    h.pointer(p)
                        .and_then(Json::as_str)
                        .unwrap_or_default()
                        .to_owned()
                };
                let name = format!("{} {}", text("/nam/gn"), text("/nam/fn"));
                let mut lines = vec![
                    format!("name:       {}", name.trim()),
                    format!("born:       {}", text("/dob")),
                ];
                if let Some(iss) = &c.issuer {
                    lines.push(format!("issuer:     {iss}"));
                }
                lines.push(format!("issued:     {}", secs(c.issued_at)));
                lines.push(format!("expires:    {}", secs(c.expires_at)));
                for key in ["v", "t", "r"] {
                    let entries = h.get(key).and_then(Json::as_array).into_iter().flatten();
                    for (i, entry) in entries.enumerate() {
                        let fields: Vec<String> = entry
                            .as_object()
                            .into_iter()
                            .flatten()
                            .map(|(k, v)| match v {
                                Json::String(s) => format!("{k}={s}"),
                                other => format!("{k}={other}"),
                            })
                            .collect();
                        lines.push(format!("{key}[{i}]:       {}", fields.join(" ")));
                    }
                }
                for l in lines {
                    s.push_str("\n    ");
                    s.push_str(&l);
                }
                s
            }
            Err((code, stage, message)) => format!(
                "✗ INVALID EU DCC ({}): [{stage}] {code}: {message}",
                self.source
            ),
        }
    }
}

/// Runs `yima verify --profile eu-dcc`; returns the exit status (0 all valid, 1 any invalid).
pub fn run(args: &VerifyArgs) -> Result<i32, CliError> {
    if args.profile != Profile::EuDcc {
        return Err(usage("--trust is for --profile eu-dcc"));
    }
    if !args.key.is_empty() || args.venue.bundle.is_some() {
        return Err(usage(
            "--profile eu-dcc takes --trust (DSC certificates), not --key or --bundle",
        ));
    }
    let Some(trust_path) = &args.trust else {
        return Err(usage(
            "--profile eu-dcc needs --trust: a DSC certificate (DER/PEM), a directory of them, or a JSON trust list",
        ));
    };
    let trust = load_trust(trust_path)?;
    let opts = Options {
        now: clock::now_or(args.now.as_deref())?,
        leeway: clock::parse_duration(&args.leeway)?,
    };
    let mut status = 0;
    for found in input::resolve(&args.input)? {
        let outcome = Outcome {
            source: &found.source,
            result: verify_found(&found, &trust, &opts),
        };
        if args.json {
            outln!("{}", outcome.json());
        } else {
            outln!("{}", outcome.human());
        }
        status = status.max(i32::from(outcome.result.is_err()));
    }
    Ok(status)
}
