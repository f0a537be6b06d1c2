//! `yima demo`: the whole flow on built-in demo keys, for a first look and as an end-to-end smoke test.

use std::path::PathBuf;

use rand_core::RngCore;
use yima_core::claims::{Credential, HealthStatus};
use yima_core::{Kind, SigningKey, Unverified, VerifyOptions, cose, issue, samples, transport};
use yima_qr::EcLevel;

use crate::cli::DemoArgs;
use crate::error::{CliError, usage};
use crate::input;
use crate::output::{self, QUIET_ZONE};
use crate::{clock, verify};

/// Seed of the built-in demo issuer key. Public on purpose: never trust this key outside the demo.
pub const DEMO_SEED: [u8; 32] = *b"yima-demo-issuer-key-not-secret!";
/// Seed of a second demo key, standing for an issuer the venue does not trust.
const OTHER_SEED: [u8; 32] = *b"yima-demo-untrusted-issuer-key!!";

/// Runs the demo; exit status 0 when every step behaved as expected.
pub fn run(args: &DemoArgs) -> Result<i32, CliError> {
    let dir = args
        .out_dir
        .clone()
        .unwrap_or_else(|| std::env::temp_dir().join("yima-demo"));
    std::fs::create_dir_all(&dir).map_err(|e| CliError::io(&dir, e))?;
    let key = SigningKey::from_seed(&DEMO_SEED);
    let trusted = [key.verifying_key()];
    let now = clock::now_or(None)?;
    let opts = VerifyOptions::at(now);
    let mut ok = true;

    outln!("yima demo: issue → render PNG → scan the PNG → verify, with the built-in DEMO key");
    outln!(
        "issuer key kid {} (public demo seed: never trust it in production)",
        hex::encode(key.kid())
    );
    outln!("PNGs in {}\n", dir.display());
    outln!(
        "{:<22} {:>5} {:>6}  {:<8} verdict",
        "kind",
        "chars",
        "QR(M)",
        "scanned"
    );

    let mut health_text = None;
    for kind in Kind::ALL {
        let mut cti = [0u8; 8];
        rand_core::OsRng.fill_bytes(&mut cti);
        let claims = samples::claims(kind, now, cti);
        let issued = issue(&claims, &key)?;
        let symbol = output::symbol(&issued.text, EcLevel::M)?;
        let png = symbol.to_png(6, QUIET_ZONE)?;
        let path: PathBuf = dir.join(format!("{kind}.png"));
        std::fs::write(&path, &png).map_err(|e| CliError::io(&path, e))?;
        let found = input::scan(&path.display().to_string(), &png);
        let scanned_same = found.len() == 1
            && found.first().and_then(|f| f.text.as_ref().ok()) == Some(&issued.text);
        let verdict = found
            .first()
            .map(|f| verify::verify_found(f, &trusted, &opts))
            .map(|o| match o.result {
                Ok((v, _)) if v.claims() == &claims => "✓ VALID".to_owned(),
                Ok(_) => "✗ claims differ".to_owned(),
                Err(f) => format!("✗ {}", f.code),
            })
            .unwrap_or_else(|| "✗ nothing scanned".into());
        ok &= scanned_same && verdict == "✓ VALID";
        outln!(
            "{:<22} {:>5} {:>6}  {:<8} {verdict}",
            kind.name(),
            issued.text.len(),
            format!("v{}", symbol.version()),
            if scanned_same { "✓ same" } else { "✗" },
        );
        if kind == Kind::HealthCode {
            health_text = Some((issued, claims));
        }
    }
    let (health, claims) = health_text.ok_or_else(|| usage("demo issued no health code"))?;

    if !args.no_qr {
        outln!("\nThe health code as a phone would show it:\n");
        output::print_terminal_qr(&health.text, EcLevel::M)?;
        outln!("{}\n", health.text);
    }

    // A forger edits a red code to green: same header and signature, edited payload.
    let mut forged = claims.clone();
    if let Credential::HealthCode(h) = &mut forged.credential {
        h.status = HealthStatus::Red;
    }
    let u = Unverified::parse(&health.text).map_err(|e| usage(e.to_string()))?;
    let tampered_cose = cose::assemble(u.protected_bytes(), &forged.to_cbor(), u.signature());
    let tampered = transport::encode(&tampered_cose);
    ok &= expect_rejected(
        "tampered (status edited, signature kept)",
        &tampered,
        &trusted,
        &opts,
        "signature.invalid",
    );

    let later = VerifyOptions::at(claims.expires_at + 3600);
    ok &= expect_rejected(
        "expired (checked 25 h after issue)",
        &health.text,
        &trusted,
        &later,
        "time.expired",
    );

    let untrusted = [SigningKey::from_seed(&OTHER_SEED).verifying_key()];
    ok &= expect_rejected(
        "unknown issuer (venue trusts another key)",
        &health.text,
        &untrusted,
        &opts,
        "key.unknown-kid",
    );

    ok &= venue_demo(&key, now)?;

    outln!(
        "\n{}",
        if ok {
            "demo complete: every step behaved as expected"
        } else {
            "demo FAILED: see ✗ above"
        }
    );
    Ok(if ok { 0 } else { 1 })
}

fn expect_rejected(
    what: &str,
    text: &str,
    keys: &[yima_core::VerifyingKey],
    opts: &VerifyOptions,
    want: &str,
) -> bool {
    let got = Unverified::parse(text).and_then(|u| u.verify(keys, opts));
    match got {
        Err(e) if e.code() == want => {
            outln!("✓ rejected {what}: {} ({e})", e.code());
            true
        }
        Err(e) => {
            outln!("✗ {what}: expected {want}, got {}", e.code());
            false
        }
        Ok(_) => {
            outln!("✗ {what}: ACCEPTED, expected {want}");
            false
        }
    }
}

/// Seed of the demo authority's bundle-signing key (public on purpose).
const AUTHORITY_SEED: [u8; 32] = *b"yima-demo-trust-bundle-signer!!!";
/// Seed of the demo holder's device key (public on purpose).
const DEVICE_SEED: [u8; 32] = *b"yima-demo-holder-device-key-0001";

/// The venue side: a signed trust bundle with a status list, a green-only policy, and a dynamic
/// presentation bound to the holder's device.
fn venue_demo(issuer: &SigningKey, now: u64) -> Result<bool, CliError> {
    use yima_core::claims::StatusRef;
    use yima_core::policy::{Policy, check};
    use yima_core::presentation::present;
    use yima_core::status::{CredentialStatus, StatusList, StatusListToken};
    use yima_core::trust::{BundleCheck, BundleContents, Issuer, TrustBundle};

    outln!(
        "\nAt the venue gate: a signed trust bundle (issuer keys + status list), green-only policy"
    );
    let device = SigningKey::from_seed(&DEVICE_SEED);
    let code = |index: u64, status: HealthStatus, bound: bool| -> Result<String, CliError> {
        let mut c = samples::claims(Kind::HealthCode, now, [0; 8]);
        c.credential_id = None;
        c.status = Some(StatusRef { list_id: 1, index });
        if bound {
            c.confirmation = Some(device.verifying_key().to_bytes());
        }
        if let Credential::HealthCode(h) = &mut c.credential {
            h.status = status;
        }
        Ok(issue(&c, issuer)?.text)
    };
    let green = code(0, HealthStatus::Green, false)?;
    let revoked = code(1, HealthStatus::Green, false)?;
    let yellow = code(2, HealthStatus::Yellow, false)?;
    let bound = code(3, HealthStatus::Green, true)?;
    let mut list = StatusList::new(1000).ok_or_else(|| usage("status list"))?;
    list.set(1, CredentialStatus::Revoked);
    let token = StatusListToken {
        issuer: samples::ISSUER.into(),
        list_id: 1,
        issued_at: now,
        expires_at: Some(now + 2 * 86_400),
        ttl: Some(86_400),
        list,
    };
    let authority = SigningKey::from_seed(&AUTHORITY_SEED);
    let bundle_bytes = BundleContents {
        seq: 1,
        issued_at: now,
        expires_at: now + 7 * 86_400,
        issuers: vec![Issuer {
            name: samples::ISSUER.into(),
            key: issuer.verifying_key(),
            kinds: Kind::ALL.to_vec(),
            valid_from: now.saturating_sub(86_400),
            valid_until: now + 365 * 86_400,
        }],
        status_lists: vec![token.sign(issuer)],
    }
    .sign(&authority);
    let check_opts = BundleCheck {
        now,
        skew: 300,
        accepted_seq: None,
        max_age: None,
    };
    let bundle = TrustBundle::verify(&bundle_bytes, &authority.verifying_key(), &check_opts)
        .map_err(|e| usage(format!("demo bundle: {e}")))?;
    outln!(
        "bundle seq {} signed by the pinned authority key, {} bytes",
        bundle.seq(),
        bundle_bytes.len()
    );
    let policy = Policy::default();
    let presentation = present(&bound, &device, now, None).map_err(|e| usage(e.to_string()))?;
    let binding = Policy {
        require_holder_binding: vec![Kind::HealthCode],
        presentation_skew: 0,
        ..Policy::default()
    };
    let cases: [(&str, &str, &Policy, u64, Option<&str>); 6] = [
        ("green health code", &green, &policy, now, None),
        (
            "revoked in the status list",
            &revoked,
            &policy,
            now,
            Some("status.revoked"),
        ),
        (
            "yellow at a green-only venue",
            &yellow,
            &policy,
            now,
            Some("policy.health-status"),
        ),
        (
            "static code where a device presentation is required",
            &bound,
            &binding,
            now,
            Some("presentation.required"),
        ),
        (
            "fresh presentation signed by the holder's device",
            &presentation,
            &binding,
            now + 5,
            None,
        ),
        (
            "the same presentation as a screenshot 61 s later",
            &presentation,
            &binding,
            now + 61,
            Some("presentation.stale"),
        ),
    ];
    let mut ok = true;
    for (what, text, policy, at, want) in cases {
        match (check(text, &bundle, policy, at), want) {
            (Ok(_), None) => outln!("✓ accepted {what}"),
            (Err(r), Some(w)) if r.code == w => {
                outln!("✓ rejected {what}: {} [{}]", r.code, r.stage.as_str())
            }
            (Ok(_), Some(w)) => {
                ok = false;
                outln!("✗ {what}: ACCEPTED, expected {w}");
            }
            (Err(r), _) => {
                ok = false;
                outln!("✗ {what}: {} ({})", r.code, r.message);
            }
        }
    }
    outln!(
        "(dynamic presentation: {} characters, QR version {} at level M)",
        presentation.len(),
        output::symbol(&presentation, EcLevel::M)?.version()
    );
    Ok(ok)
}
