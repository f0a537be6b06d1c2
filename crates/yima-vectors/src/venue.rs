//! Venue vectors (`test-vectors/venue/`): a signed trust bundle, a venue policy, the scanner's accepted
//! sequence number, a time, a credential text, and the expected verdict (`accepted` or a stable code with
//! its stage).

use std::path::Path;

use rand_chacha::ChaCha20Rng;
use rand_core::RngCore;
use serde_json::json;
use yima_core::claims::{Claims, Credential, HealthStatus, StatusRef};
use yima_core::policy::Policy;
use yima_core::presentation::{assemble, digest, present, signed_bytes};
use yima_core::status::{CredentialStatus, StatusList, StatusListToken};
use yima_core::trust::{BundleContents, Issuer};
use yima_core::{Issued, Kind, SigningKey, issue, samples};

use crate::{NOW, rfc3339};

const DAY: u64 = 86_400;

struct Venue<'a> {
    out: &'a Path,
    bundle_key: SigningKey,
    names: Vec<String>,
}

struct Case<'a> {
    name: &'a str,
    description: &'a str,
    bundle: &'a [u8],
    policy: &'a Policy,
    accepted_seq: Option<u64>,
    now: u64,
    input: &'a str,
    expected: &'a str,
    stage: Option<&'a str>,
}

impl Venue<'_> {
    fn write(&mut self, c: Case<'_>) -> Result<(), Box<dyn std::error::Error>> {
        let pk = self.bundle_key.verifying_key();
        let v = json!({
            "name": c.name,
            "description": c.description,
            "bundle_hex": hex::encode(c.bundle),
            "bundle_key_pem": pk.to_public_key_pem()?,
            "bundle_key_hex": hex::encode(pk.to_bytes()),
            "policy": serde_json::to_value(c.policy)?,
            "accepted_seq": c.accepted_seq,
            "now": c.now,
            "now_rfc3339": rfc3339(c.now),
            "input": c.input,
            "expected": c.expected,
            "stage": c.stage,
        });
        let mut text = serde_json::to_string_pretty(&v)?;
        text.push('\n');
        std::fs::write(self.out.join(format!("{}.json", c.name)), text)?;
        self.names.push(format!("venue/{}.json", c.name));
        Ok(())
    }
}

fn seed(rng: &mut ChaCha20Rng) -> SigningKey {
    let mut s = [0u8; 32];
    rng.fill_bytes(&mut s);
    SigningKey::from_seed(&s)
}

fn health(
    status: HealthStatus,
    iat: u64,
    exp: u64,
    status_ref: Option<StatusRef>,
    iss: &str,
) -> Claims {
    let mut c = samples::claims(Kind::HealthCode, iat, [0; 8]);
    c.issuer = iss.into();
    c.expires_at = exp;
    // A health code with a status reference drops cti: the (list, index) pair identifies it.
    c.credential_id = None;
    c.status = status_ref;
    if let Credential::HealthCode(h) = &mut c.credential {
        h.status = status;
    }
    c
}

/// Writes the venue vectors; returns their paths relative to the vectors root.
pub fn generate(
    root: &Path,
    rng: &mut ChaCha20Rng,
) -> Result<Vec<String>, Box<dyn std::error::Error>> {
    let out = root.join("venue");
    if out.exists() {
        std::fs::remove_dir_all(&out)?;
    }
    std::fs::create_dir_all(&out)?;
    let mut v = Venue {
        out: &out,
        bundle_key: seed(rng),
        names: Vec::new(),
    };
    let sh = seed(rng); // health codes and social-security cards
    let biz = seed(rng); // business and food licences
    let old = seed(rng); // a health issuer whose key validity ended yesterday
    let stranger = seed(rng); // not in the bundle
    let rogue_bundle_key = seed(rng);

    let mut list = StatusList::new(64).ok_or("list")?;
    list.set(1, CredentialStatus::Revoked);
    list.set(2, CredentialStatus::Suspended);
    list.set(3, CredentialStatus::Changed);
    let fresh_list = StatusListToken {
        issuer: "SH".into(),
        list_id: 1,
        issued_at: NOW - 3600,
        expires_at: Some(NOW + 2 * DAY),
        ttl: Some(DAY),
        list: list.clone(),
    };
    let stale_list = StatusListToken {
        list_id: 2,
        issued_at: NOW - 3 * DAY,
        expires_at: Some(NOW + DAY),
        ttl: Some(DAY),
        ..fresh_list.clone()
    };
    let contents = BundleContents {
        seq: 5,
        issued_at: NOW - 3600,
        expires_at: NOW + 7 * DAY,
        issuers: vec![
            Issuer {
                name: "SH".into(),
                key: sh.verifying_key(),
                kinds: vec![Kind::HealthCode, Kind::SocialSecurityCard],
                valid_from: NOW - 365 * DAY,
                valid_until: NOW + 365 * DAY,
            },
            Issuer {
                name: "SHSC".into(),
                key: biz.verifying_key(),
                kinds: vec![
                    Kind::BusinessLicence,
                    Kind::FoodBusinessLicence,
                    Kind::ElectronicLicence,
                ],
                valid_from: NOW - 365 * DAY,
                valid_until: NOW + 365 * DAY,
            },
            Issuer {
                name: "OLD".into(),
                key: old.verifying_key(),
                kinds: vec![Kind::HealthCode],
                valid_from: NOW - 365 * DAY,
                valid_until: NOW - DAY,
            },
        ],
        status_lists: vec![fresh_list.sign(&sh), stale_list.sign(&sh)],
    };
    let bundle = contents.sign(&v.bundle_key);
    let policy = Policy::default();
    let at = NOW + 600;
    let r = |index| Some(StatusRef { list_id: 1, index });
    let text = |c: &Claims, k: &SigningKey| issue(c, k).map(|i| i.text);

    let green = text(
        &health(HealthStatus::Green, NOW, NOW + DAY, r(0), "SH"),
        &sh,
    )?;
    let simple = |v: &mut Venue<'_>,
                  name: &str,
                  description: &str,
                  input: &str,
                  expected: &str,
                  stage: Option<&str>| {
        v.write(Case {
            name,
            description,
            bundle: &bundle,
            policy: &policy,
            accepted_seq: Some(5),
            now: at,
            input,
            expected,
            stage,
        })
    };
    simple(
        &mut v,
        "accepted-green",
        "A green health code with a valid status entry, from a trusted issuer.",
        &green,
        "accepted",
        None,
    )?;
    let no_ref = text(
        &health(HealthStatus::Green, NOW, NOW + DAY, None, "SH"),
        &sh,
    )?;
    simple(
        &mut v,
        "accepted-no-status-reference",
        "A green health code without a status reference.",
        &no_ref,
        "accepted",
        None,
    )?;
    let t = text(
        &health(HealthStatus::Green, NOW, NOW + DAY, r(0), "SH"),
        &stranger,
    )?;
    simple(
        &mut v,
        "unknown-issuer",
        "Signed by a key that is not in the trust bundle.",
        &t,
        "key.unknown-kid",
        Some("issuer"),
    )?;
    let mut licence = samples::claims(Kind::BusinessLicence, NOW, [9; 8]);
    licence.issuer = "SH".into();
    let t = text(&licence, &sh)?;
    simple(
        &mut v,
        "kind-not-authorised",
        "The health-code issuer presents a business licence it may not issue.",
        &t,
        "issuer.kind-not-authorised",
        Some("issuer"),
    )?;
    let t = text(
        &health(HealthStatus::Green, NOW - 2 * DAY, NOW + DAY, None, "OLD"),
        &old,
    )?;
    simple(
        &mut v,
        "issuer-key-expired",
        "Issued while the key was valid, checked after its validity ended.",
        &t,
        "issuer.key-expired",
        Some("issuer"),
    )?;
    let t = text(
        &health(HealthStatus::Green, NOW, NOW + DAY, r(0), "BJ"),
        &sh,
    )?;
    simple(
        &mut v,
        "issuer-name-mismatch",
        "Signed by the SH key but claiming iss BJ.",
        &t,
        "issuer.name-mismatch",
        Some("issuer"),
    )?;
    for (idx, code, what) in [
        (1, "status.revoked", "revoked"),
        (2, "status.suspended", "suspended"),
        (3, "status.changed", "changed"),
    ] {
        let t = text(
            &health(HealthStatus::Green, NOW, NOW + DAY, r(idx), "SH"),
            &sh,
        )?;
        simple(
            &mut v,
            &format!("status-{what}"),
            &format!("The status list marks entry {idx} {what}."),
            &t,
            code,
            Some("status"),
        )?;
    }
    let missing = text(
        &health(
            HealthStatus::Green,
            NOW,
            NOW + DAY,
            Some(StatusRef {
                list_id: 9,
                index: 0,
            }),
            "SH",
        ),
        &sh,
    )?;
    simple(
        &mut v,
        "status-unknown-rejected",
        "The credential's status list (9) is not in the bundle; the default policy rejects unknown status.",
        &missing,
        "status.unknown",
        Some("status"),
    )?;
    let stale = text(
        &health(
            HealthStatus::Green,
            NOW,
            NOW + DAY,
            Some(StatusRef {
                list_id: 2,
                index: 0,
            }),
            "SH",
        ),
        &sh,
    )?;
    simple(
        &mut v,
        "status-list-stale",
        "The status list is past iat + ttl: status unknown.",
        &stale,
        "status.unknown",
        Some("status"),
    )?;
    let lenient = Policy {
        accept_unknown_status: true,
        ..Policy::default()
    };
    v.write(Case {
        name: "status-unknown-accepted",
        description: "Status list missing, and the venue policy accepts unknown status.",
        bundle: &bundle,
        policy: &lenient,
        accepted_seq: Some(5),
        now: at,
        input: &missing,
        expected: "accepted",
        stage: None,
    })?;
    let yellow = text(
        &health(HealthStatus::Yellow, NOW, NOW + DAY, r(0), "SH"),
        &sh,
    )?;
    simple(
        &mut v,
        "yellow-at-green-only",
        "A yellow code at a venue that accepts green only.",
        &yellow,
        "policy.health-status",
        Some("policy"),
    )?;
    let green_yellow = Policy {
        health_statuses: vec![HealthStatus::Green, HealthStatus::Yellow],
        ..Policy::default()
    };
    v.write(Case {
        name: "yellow-at-green-and-yellow",
        description: "A yellow code at a venue that accepts green and yellow.",
        bundle: &bundle,
        policy: &green_yellow,
        accepted_seq: Some(5),
        now: at,
        input: &yellow,
        expected: "accepted",
        stage: None,
    })?;
    let card_only = Policy {
        accepted_kinds: vec![Kind::SocialSecurityCard],
        ..Policy::default()
    };
    v.write(Case {
        name: "kind-not-accepted",
        description: "A health code at a venue that accepts social-security cards only.",
        bundle: &bundle,
        policy: &card_only,
        accepted_seq: Some(5),
        now: at,
        input: &green,
        expected: "policy.kind-not-accepted",
        stage: Some("policy"),
    })?;
    let fresh_only = Policy {
        max_credential_age: Some(3600),
        ..Policy::default()
    };
    v.write(Case {
        name: "credential-too-old",
        description: "Issued 2 h before the check; the venue accepts codes at most 1 h old (plus 5 min skew).",
        bundle: &bundle,
        policy: &fresh_only,
        accepted_seq: Some(5),
        now: NOW + 7200,
        input: &green,
        expected: "policy.too-old",
        stage: Some("policy"),
    })?;

    // Clock skew (300 s by default) at both edges of the credential's window.
    let skew = policy.clock_skew;
    let edge = |v: &mut Venue<'_>,
                name: &str,
                description: &str,
                now: u64,
                expected: &str,
                stage: Option<&str>| {
        v.write(Case {
            name,
            description,
            bundle: &bundle,
            policy: &policy,
            accepted_seq: Some(5),
            now,
            input: &no_ref,
            expected,
            stage,
        })
    };
    edge(
        &mut v,
        "skew-after-exp-inside",
        "A code without status reference checked skew-1 s after exp: accepted.",
        NOW + DAY + skew - 1,
        "accepted",
        None,
    )?;
    edge(
        &mut v,
        "skew-after-exp-outside",
        "Checked exactly skew after exp: expired.",
        NOW + DAY + skew,
        "time.expired",
        Some("time"),
    )?;
    edge(
        &mut v,
        "skew-before-iat-inside",
        "Checked skew s before iat (scanner clock behind): accepted.",
        NOW - skew,
        "accepted",
        None,
    )?;
    edge(
        &mut v,
        "skew-before-iat-outside",
        "Checked skew+1 s before iat: not yet valid.",
        NOW - skew - 1,
        "time.not-yet-valid",
        Some("time"),
    )?;

    // Bundle-level failures: the scanner cannot check anything with this bundle.
    let bundle_case = |v: &mut Venue<'_>,
                       name: &str,
                       description: &str,
                       b: &[u8],
                       seq: Option<u64>,
                       now: u64,
                       p: &Policy,
                       expected: &str| {
        v.write(Case {
            name,
            description,
            bundle: b,
            policy: p,
            accepted_seq: seq,
            now,
            input: &green,
            expected,
            stage: Some("bundle"),
        })
    };
    bundle_case(
        &mut v,
        "bundle-stale",
        "Checked after the bundle's exp (+ skew).",
        &bundle,
        Some(5),
        NOW + 8 * DAY,
        &policy,
        "bundle.stale",
    )?;
    let week = Policy {
        max_bundle_age: Some(3600),
        ..Policy::default()
    };
    bundle_case(
        &mut v,
        "bundle-older-than-policy",
        "The bundle is 2 h old; the policy allows 1 h.",
        &bundle,
        Some(5),
        NOW + 3600,
        &week,
        "bundle.stale",
    )?;
    bundle_case(
        &mut v,
        "bundle-rollback",
        "The scanner already accepted seq 6; this bundle is seq 5.",
        &bundle,
        Some(6),
        at,
        &policy,
        "bundle.rollback",
    )?;
    let mut flipped = bundle.clone();
    let n = flipped.len() - 10;
    if let Some(b) = flipped.get_mut(n) {
        *b ^= 0x01;
    }
    bundle_case(
        &mut v,
        "bundle-bad-signature",
        "One bit of the bundle signature flipped.",
        &flipped,
        Some(5),
        at,
        &policy,
        "bundle.signature",
    )?;
    let rogue = contents.sign(&rogue_bundle_key);
    bundle_case(
        &mut v,
        "bundle-wrong-signer",
        "The same contents signed by a key the scanner does not pin.",
        &rogue,
        Some(5),
        at,
        &policy,
        "bundle.signature",
    )?;
    let future = BundleContents {
        issued_at: NOW + DAY,
        expires_at: NOW + 8 * DAY,
        ..contents.clone()
    }
    .sign(&v.bundle_key);
    bundle_case(
        &mut v,
        "bundle-from-future",
        "The bundle's iat is a day ahead of the scanner clock.",
        &future,
        Some(5),
        at,
        &policy,
        "bundle.from-future",
    )?;
    let newer = BundleContents {
        seq: 7,
        ..contents.clone()
    }
    .sign(&v.bundle_key);
    v.write(Case {
        name: "bundle-newer-seq-accepted",
        description: "A bundle with a higher seq than the accepted one is taken.",
        bundle: &newer,
        policy: &policy,
        accepted_seq: Some(5),
        now: at,
        input: &green,
        expected: "accepted",
        stage: None,
    })?;
    presentations(&mut v, &bundle, &sh, rng)?;
    Ok(v.names)
}

/// Dynamic holder-bound presentation cases (issue: anti-screenshot codes).
fn presentations(
    v: &mut Venue<'_>,
    bundle: &[u8],
    sh: &SigningKey,
    rng: &mut ChaCha20Rng,
) -> Result<(), Box<dyn std::error::Error>> {
    let device = seed(rng);
    let thief = seed(rng);
    let bound = |iat: u64, device: &SigningKey| -> Result<Issued, yima_core::IssueError> {
        let mut c = health(HealthStatus::Green, iat, iat + DAY, None, "SH");
        c.confirmation = Some(device.verifying_key().to_bytes());
        issue(&c, sh)
    };
    let cred = bound(NOW, &device)?;
    let t = NOW + 600;
    let require = Policy {
        require_holder_binding: vec![Kind::HealthCode],
        ..Policy::default()
    };
    let at_venue = Policy {
        venue_id: Some("GATE-7".into()),
        ..require.clone()
    };
    let no_skew = Policy {
        presentation_skew: 0,
        ..require.clone()
    };
    let fresh = present(&cred.text, &device, t, None)?;
    let mut case = |name: &str,
                    description: &str,
                    policy: &Policy,
                    now: u64,
                    input: &str,
                    expected: &str,
                    stage: Option<&str>| {
        v.write(Case {
            name,
            description,
            bundle,
            policy,
            accepted_seq: Some(5),
            now,
            input,
            expected,
            stage,
        })
    };
    case(
        "presentation-valid",
        "A device-bound health code presented 10 s ago, at a venue that requires holder binding.",
        &require,
        t + 10,
        &fresh,
        "accepted",
        None,
    )?;
    case(
        "presentation-required",
        "The bound credential shown as a static code where a presentation is required.",
        &require,
        t + 10,
        &cred.text,
        "presentation.required",
        Some("holder"),
    )?;
    case(
        "presentation-screenshot-after-61s",
        "A screenshot of the presentation shown again 61 s later (freshness 60 s, no skew).",
        &no_skew,
        t + 61,
        &fresh,
        "presentation.stale",
        Some("holder"),
    )?;
    case(
        "presentation-stale-default-skew",
        "Shown 71 s later: past 60 s freshness plus the default 10 s skew.",
        &require,
        t + 71,
        &fresh,
        "presentation.stale",
        Some("holder"),
    )?;
    case(
        "presentation-from-future",
        "The device clock is 11 s ahead of the gate (skew 10 s).",
        &require,
        t - 11,
        &fresh,
        "presentation.from-future",
        Some("holder"),
    )?;
    let venue = present(&cred.text, &device, t, Some("GATE-7"))?;
    case(
        "presentation-venue-match",
        "Bound to venue GATE-7 at venue GATE-7.",
        &at_venue,
        t + 5,
        &venue,
        "accepted",
        None,
    )?;
    case(
        "presentation-wrong-venue",
        "A presentation without venue at a venue that requires GATE-7.",
        &at_venue,
        t + 5,
        &fresh,
        "presentation.wrong-venue",
        Some("holder"),
    )?;
    let other_venue = present(&cred.text, &device, t, Some("GATE-9"))?;
    case(
        "presentation-other-venue",
        "Bound to GATE-9, shown at GATE-7.",
        &at_venue,
        t + 5,
        &other_venue,
        "presentation.wrong-venue",
        Some("holder"),
    )?;
    // A credential lifted into another device's presentation: the thief's device signs it.
    let d = digest(&cred.cose);
    let lifted = assemble(
        &cred.cose,
        t,
        None,
        &d,
        &thief.sign(&signed_bytes(&d, t, None)),
    );
    case(
        "presentation-lifted-to-other-device",
        "The victim's credential in a presentation signed by another device.",
        &require,
        t + 5,
        &lifted,
        "presentation.bad-device-signature",
        Some("holder"),
    )?;
    // The device signed for one credential; another credential of the same holder was put in its place.
    let older = bound(NOW - 3600, &device)?;
    let Some(after_cred) = yima_core::base45::decode(fresh.strip_prefix("YP1:").ok_or("prefix")?)?
        .get(cred.cose.len()..)
        .map(<[u8]>::to_vec)
    else {
        return Err("short presentation".into());
    };
    let swapped = format!(
        "YP1:{}",
        yima_core::base45::encode(&[older.cose.clone(), after_cred].concat())
    );
    case(
        "presentation-credential-changed",
        "Another valid credential of the same holder swapped in under the device signature.",
        &require,
        t + 5,
        &swapped,
        "presentation.credential-changed",
        Some("holder"),
    )?;
    // A presentation around a credential that has no holder key.
    let unbound = issue(&health(HealthStatus::Green, NOW, NOW + DAY, None, "SH"), sh)?;
    let d = digest(&unbound.cose);
    let p = assemble(
        &unbound.cose,
        t,
        None,
        &d,
        &device.sign(&signed_bytes(&d, t, None)),
    );
    case(
        "presentation-binding-missing",
        "A presentation whose credential carries no holder key (cnf).",
        &require,
        t + 5,
        &p,
        "presentation.binding-missing",
        Some("holder"),
    )?;
    Ok(())
}
