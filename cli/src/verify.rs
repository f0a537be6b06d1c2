//! `yima verify`: parse and verify every credential in INPUT against trusted keys.

use serde_json::{Value as Json, json};
use yima_core::{Unverified, VerifyOptions, VerifyingKey};

use crate::cli::VerifyArgs;
use crate::error::CliError;
use crate::input::{self, Found};
use crate::{clock, keys, output, venue};

/// `--profile eu-dcc`: EU Digital COVID Certificates against `--trust` DSCs.
mod eudcc;

/// Why a code was not accepted.
#[derive(Debug, Clone)]
pub struct Failure {
    /// Stable machine code.
    pub code: String,
    /// Stage that decided.
    pub stage: String,
    /// Human explanation.
    pub message: String,
}

/// A verified credential, with the trusted issuer's name and the status outcome when it was checked
/// against a trust bundle.
pub type Passed = (yima_core::Verified, Option<(String, &'static str)>);

/// Outcome of verifying one text.
#[derive(Debug)]
pub struct Outcome {
    /// Where the text came from.
    pub source: String,
    /// The verified credential (with the trusted issuer's name and status outcome when checked against
    /// a bundle), or why not.
    pub result: Result<Passed, Failure>,
}

impl Outcome {
    /// JSON form: `valid`, `code` (when invalid), `kind`, `claims`.
    pub fn json(&self) -> Json {
        match &self.result {
            Ok((v, venue)) => {
                let mut j = json!({
                    "source": self.source,
                    "valid": true,
                    "kind": v.claims().credential.kind().name(),
                    "kid": hex::encode(v.key().kid()),
                    "claims": output::claims_json(v.claims()),
                });
                if let (Some((issuer, status)), Some(m)) = (venue, j.as_object_mut()) {
                    m.insert("issuer".into(), json!(issuer));
                    m.insert("status".into(), json!(status));
                }
                j
            }
            Err(Failure {
                code,
                stage,
                message,
            }) => json!({
                "source": self.source,
                "valid": false,
                "code": code,
                "stage": stage,
                "message": message,
                "kind": Json::Null,
                "claims": Json::Null,
            }),
        }
    }

    /// Human form: a ✓/✗ line and, when valid, the claims.
    pub fn human(&self) -> String {
        match &self.result {
            Ok((v, venue)) => {
                let signer = match venue {
                    Some((issuer, _)) => format!("issuer {issuer}"),
                    None => format!("kid {}", hex::encode(v.key().kid())),
                };
                let mut s = format!(
                    "✓ VALID {} ({}), signed by {signer}",
                    v.claims().credential.kind(),
                    self.source,
                );
                for line in output::claims_lines(v.claims()) {
                    s.push_str("\n    ");
                    // Signed by a trusted issuer is not the same as safe for a terminal.
                    s.push_str(&output::printable(&line));
                }
                s
            }
            Err(f) => format!(
                "✗ INVALID ({}): [{}] {}: {}",
                self.source, f.stage, f.code, f.message
            ),
        }
    }
}

/// Verifies one found input.
pub fn verify_found(found: &Found, keys: &[VerifyingKey], opts: &VerifyOptions) -> Outcome {
    let result = match &found.text {
        Err(u) => Err(Failure {
            code: u.code.to_owned(),
            stage: "input".to_owned(),
            message: u.message.clone(),
        }),
        Ok(text) => Unverified::parse(text)
            .and_then(|u| u.verify(keys, opts))
            .map(|v| (v, None))
            .map_err(|e| Failure {
                code: e.code().to_owned(),
                stage: e.stage().as_str().to_owned(),
                message: e.to_string(),
            }),
    };
    Outcome {
        source: found.source.clone(),
        result,
    }
}

/// Runs `yima verify`; returns the exit status (0 all valid, 1 any invalid).
pub fn run(args: &VerifyArgs) -> Result<i32, CliError> {
    if args.profile == crate::cli::Profile::EuDcc || args.trust.is_some() {
        return eudcc::run(args);
    }
    if args.key.is_empty() && args.venue.bundle.is_none() {
        return Err(crate::error::usage("--key or --bundle is required"));
    }
    let now = clock::now_or(args.now.as_deref())?;
    if args.venue.bundle.is_some() {
        let policy = venue::policy(&args.venue)?;
        let bundle = venue::load_bundle(&args.venue, &policy, now)?
            .ok_or_else(|| crate::error::usage("--bundle is required"))?;
        let mut status = 0;
        for found in input::resolve(&args.input)? {
            let outcome = venue::check_found(&found, &bundle, &policy, now, None);
            status = status.max(print(&outcome, args.json));
        }
        return Ok(status);
    }
    let keys = args
        .key
        .iter()
        .map(|p| keys::load_verifying(p))
        .collect::<Result<Vec<_>, _>>()?;
    let opts = VerifyOptions {
        now,
        leeway: clock::parse_duration(&args.leeway)?,
    };
    let mut status = 0;
    for found in input::resolve(&args.input)? {
        status = status.max(print(&verify_found(&found, &keys, &opts), args.json));
    }
    Ok(status)
}

/// Prints one outcome; returns its exit status (0 valid, 1 not).
pub fn print(outcome: &Outcome, json: bool) -> i32 {
    if json {
        outln!("{}", outcome.json());
    } else {
        outln!("{}", outcome.human());
    }
    i32::from(outcome.result.is_err())
}
