//! `yima verify`: parse and verify every credential in INPUT against trusted keys.

use serde_json::{Value as Json, json};
use yima_core::{Unverified, VerifyOptions, VerifyingKey};

use crate::cli::VerifyArgs;
use crate::error::CliError;
use crate::input::{self, Found};
use crate::{clock, keys, output};

/// Outcome of verifying one text.
#[derive(Debug)]
pub struct Outcome {
    /// Where the text came from.
    pub source: String,
    /// The verified claims, or (code, stage, message).
    pub result: Result<yima_core::Verified, (String, String, String)>,
}

impl Outcome {
    /// JSON form: `valid`, `code` (when invalid), `kind`, `claims`.
    pub fn json(&self) -> Json {
        match &self.result {
            Ok(v) => json!({
                "source": self.source,
                "valid": true,
                "kind": v.claims().credential.kind().name(),
                "kid": hex::encode(v.key().kid()),
                "claims": output::claims_json(v.claims()),
            }),
            Err((code, stage, message)) => json!({
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
            Ok(v) => {
                let mut s = format!(
                    "✓ VALID {} ({}), signed by kid {}",
                    v.claims().credential.kind(),
                    self.source,
                    hex::encode(v.key().kid())
                );
                for line in output::claims_lines(v.claims()) {
                    s.push_str("\n    ");
                    s.push_str(&line);
                }
                s
            }
            Err((code, _, message)) => format!("✗ INVALID ({}): {code}: {message}", self.source),
        }
    }
}

/// Verifies one found input.
pub fn verify_found(found: &Found, keys: &[VerifyingKey], opts: &VerifyOptions) -> Outcome {
    let result = match &found.text {
        Err(u) => Err((u.code.to_owned(), "input".to_owned(), u.message.clone())),
        Ok(text) => Unverified::parse(text)
            .and_then(|u| u.verify(keys, opts))
            .map_err(|e| {
                (
                    e.code().to_owned(),
                    e.stage().as_str().to_owned(),
                    e.to_string(),
                )
            }),
    };
    Outcome {
        source: found.source.clone(),
        result,
    }
}

/// Runs `yima verify`; returns the exit status (0 all valid, 1 any invalid).
pub fn run(args: &VerifyArgs) -> Result<i32, CliError> {
    let keys = args
        .key
        .iter()
        .map(|p| keys::load_verifying(p))
        .collect::<Result<Vec<_>, _>>()?;
    let opts = VerifyOptions {
        now: clock::now_or(args.now.as_deref())?,
        leeway: clock::parse_duration(&args.leeway)?,
    };
    let mut status = 0;
    for found in input::resolve(&args.input)? {
        let outcome = verify_found(&found, &keys, &opts);
        if outcome.result.is_err() {
            status = 1;
        }
        if args.json {
            println!("{}", outcome.json());
        } else {
            println!("{}", outcome.human());
        }
    }
    Ok(status)
}
