//! Issue a health code and write it as text, a 1-bit PNG and an SVG.
//!
//! Run: `cargo run -p yima --example issue_health_code -- [OUT_DIR]`
//! (A real issuer loads its key with `SigningKey::from_pkcs8_pem` from the file `yima keygen` wrote.)

use std::time::{SystemTime, UNIX_EPOCH};

use yima::claims::{Claims, Credential, HealthCode, HealthStatus};
use yima::qr::{EcLevel, encode};
use yima::{SigningKey, issue};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| std::env::temp_dir().display().to_string());
    let key = SigningKey::generate(&mut rand_core::OsRng);
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();

    let claims = Claims {
        issuer: "SH".into(),
        issued_at: now,
        expires_at: now + 24 * 3600,
        not_before: None,
        credential_id: Some(now.to_be_bytes().to_vec()),
        confirmation: None,
        status: None,
        credential: Credential::HealthCode(HealthCode::new(
            HealthStatus::Green,
            "金*",
            // A pseudonymous holder id (e.g. a keyed hash of the citizen ID), never the ID itself.
            vec![0x3f, 0x9c, 0x51, 0x0e, 0xa2, 0x47, 0xd8, 0x6b],
            310104,
            None,
        )?),
    };
    let issued = issue(&claims, &key)?;
    let symbol = encode(&issued.text, EcLevel::M)?;
    let png = std::path::Path::new(&out).join("health-code.png");
    let svg = std::path::Path::new(&out).join("health-code.svg");
    std::fs::write(&png, symbol.to_png(8, 4)?)?;
    std::fs::write(&svg, symbol.to_svg(8, 4))?;
    println!("{}", issued.text);
    println!(
        "{} characters, QR version {} at level M; wrote {} and {}",
        issued.text.len(),
        symbol.version(),
        png.display(),
        svg.display()
    );
    println!(
        "issuer public key:\n{}",
        key.verifying_key().to_public_key_pem()?
    );
    Ok(())
}
