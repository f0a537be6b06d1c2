//! Scan a photo or PNG of a yima QR code and verify every code in it against a trusted issuer key.
//!
//! Run: `cargo run -p yima --example verify_scanned -- IMAGE ISSUER.pub [UNIX_TIME]`
//! With no arguments it verifies the published test vector `test-vectors/png/valid-health-code.png`.

use std::time::{SystemTime, UNIX_EPOCH};

use yima::qr::{ScanLimits, scan_image};
use yima::{Unverified, VerifyOptions, VerifyingKey};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (image, key, now) = match args.as_slice() {
        [image, key, rest @ ..] => {
            let now = match rest.first() {
                Some(t) => t.parse()?,
                None => SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs(),
            };
            (
                std::fs::read(image)?,
                VerifyingKey::from_public_key_pem(&std::fs::read_to_string(key)?)?,
                now,
            )
        }
        _ => {
            // The published vector: its key and "now" are in the JSON next to the PNG.
            let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../test-vectors");
            let vector: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(
                format!("{dir}/vectors/valid-health-code.json"),
            )?)?;
            let pem = vector
                .pointer("/keys/0/public_key_pem")
                .and_then(|v| v.as_str())
                .ok_or("no key")?;
            let now = vector
                .get("now")
                .and_then(|v| v.as_u64())
                .ok_or("no time")?;
            (
                std::fs::read(format!("{dir}/png/valid-health-code.png"))?,
                VerifyingKey::from_public_key_pem(pem)?,
                now,
            )
        }
    };
    let codes = scan_image(&image, &ScanLimits::default())?;
    if codes.is_empty() {
        println!("no QR code found");
        std::process::exit(1);
    }
    let mut all_valid = true;
    for code in codes {
        // Parsing gives an Unverified credential: nothing in it is trusted until verify() succeeds.
        match Unverified::parse(&code.text)
            .and_then(|u| u.verify(std::slice::from_ref(&key), &VerifyOptions::at(now)))
        {
            Ok(v) => println!(
                "VALID {} from {}: {:?}",
                v.claims().credential.kind(),
                v.claims().issuer,
                v.claims().credential
            ),
            Err(e) => {
                all_valid = false;
                println!(
                    "INVALID at stage {}: {} ({e})",
                    e.stage().as_str(),
                    e.code()
                );
            }
        }
    }
    std::process::exit(if all_valid { 0 } else { 1 });
}
