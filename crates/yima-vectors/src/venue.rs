//! Venue vectors (`test-vectors/venue/`): a signed trust bundle, a venue policy, the scanner's accepted
//! sequence number, a time, a credential text, and the expected verdict (`accepted` or a stable code with
//! its stage).

use std::path::Path;

use rand_chacha::ChaCha20Rng;
use serde_json::{Value as Json, json};
use yima_core::claims::{Claims, Credential, HealthStatus, StatusRef};
use yima_core::policy::Policy;
use yima_core::presentation::{assemble, digest, present, signed_bytes};
use yima_core::status::{CredentialStatus, StatusList, StatusListToken};
use yima_core::trust::{BundleContents, Issuer};
use yima_core::{Issued, Kind, SigningKey, VerifyingKey, issue, samples};

use crate::{NOW, Res, flip, rfc3339, sign_raw, signing_key, write_json};

const DAY: u64 = 86_400;

struct Venue<'a> {
    out: &'a Path,
    bundle_key: SigningKey,
    names: Vec<String>,
}

/// The verdict a scanner must reach.
#[derive(Clone, Copy)]
pub(crate) enum Expected {
    Accepted,
    /// Refused with this stable code, reported by this stage.
    Refused(&'static str, &'static str),
}

use Expected::{Accepted, Refused};

impl Expected {
    /// `accepted` or the stable code.
    pub(crate) fn code(self) -> &'static str {
        match self {
            Accepted => "accepted",
            Refused(code, _) => code,
        }
    }

    fn stage(self) -> Option<&'static str> {
        match self {
            Accepted => None,
            Refused(_, stage) => Some(stage),
        }
    }
}

/// One venue vector. The cases below change a few fields of a base case with struct-update syntax.
#[derive(Clone, Copy)]
pub(crate) struct Case<'a> {
    pub(crate) name: &'a str,
    pub(crate) description: &'a str,
    pub(crate) bundle: &'a [u8],
    pub(crate) policy: &'a Policy,
    pub(crate) accepted_seq: Option<u64>,
    pub(crate) now: u64,
    pub(crate) input: &'a str,
    pub(crate) expected: Expected,
}

impl Case<'_> {
    /// The vector's JSON, for a bundle signed by `bundle_key`.
    pub(crate) fn json(self, bundle_key: &VerifyingKey) -> Res<Json> {
        Ok(json!({
            "name": self.name,
            "description": self.description,
            "bundle_hex": hex::encode(self.bundle),
            "bundle_key_pem": bundle_key.to_public_key_pem()?,
            "bundle_key_hex": hex::encode(bundle_key.to_bytes()),
            "policy": serde_json::to_value(self.policy)?,
            "accepted_seq": self.accepted_seq,
            "now": self.now,
            "now_rfc3339": rfc3339(self.now),
            "input": self.input,
            "expected": self.expected.code(),
            "stage": self.expected.stage(),
        }))
    }
}

impl Venue<'_> {
    fn write(&mut self, c: Case<'_>) -> Res<()> {
        let v = c.json(&self.bundle_key.verifying_key())?;
        write_json(&self.out.join(format!("{}.json", c.name)), &v)?;
        self.names.push(format!("venue/{}.json", c.name));
        Ok(())
    }
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
pub fn generate(root: &Path, rng: &mut ChaCha20Rng) -> Res<Vec<String>> {
    let out = root.join("venue");
    if out.exists() {
        std::fs::remove_dir_all(&out)?;
    }
    std::fs::create_dir_all(&out)?;
    let mut v = Venue {
        out: &out,
        bundle_key: signing_key(rng),
        names: Vec::new(),
    };
    let sh = signing_key(rng); // health codes and social-security cards
    let biz = signing_key(rng); // business and food licences
    let old = signing_key(rng); // a health issuer whose key validity ended yesterday
    let stranger = signing_key(rng); // not in the bundle
    let rogue_bundle_key = signing_key(rng);

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
    let text = |c: &Claims, k: &SigningKey| issue(c, k).map(|i| i.text);
    let r = |list_id, index| Some(StatusRef { list_id, index });
    // A day-long health code from SH, issued at NOW.
    let sh_code = |status, status_ref| text(&health(status, NOW, NOW + DAY, status_ref, "SH"), &sh);

    let green = sh_code(HealthStatus::Green, r(1, 0))?;
    // Every case changes some fields of this one: the green code, checked ten minutes after issue
    // with the signed bundle, the default policy and accepted seq 5.
    let base = Case {
        name: "",
        description: "",
        bundle: &bundle,
        policy: &policy,
        accepted_seq: Some(5),
        now: NOW + 600,
        input: &green,
        expected: Accepted,
    };
    v.write(Case {
        name: "accepted-green",
        description: "A green health code with a valid status entry, from a trusted issuer.",
        ..base
    })?;
    let no_ref = sh_code(HealthStatus::Green, None)?;
    v.write(Case {
        name: "accepted-no-status-reference",
        description: "A green health code without a status reference.",
        input: &no_ref,
        ..base
    })?;
    let t = text(
        &health(HealthStatus::Green, NOW, NOW + DAY, r(1, 0), "SH"),
        &stranger,
    )?;
    v.write(Case {
        name: "unknown-issuer",
        description: "Signed by a key that is not in the trust bundle.",
        input: &t,
        expected: Refused("key.unknown-kid", "issuer"),
        ..base
    })?;
    let mut licence = samples::claims(Kind::BusinessLicence, NOW, [9; 8]);
    licence.issuer = "SH".into();
    let t = text(&licence, &sh)?;
    v.write(Case {
        name: "kind-not-authorised",
        description: "The health-code issuer presents a business licence it may not issue.",
        input: &t,
        expected: Refused("issuer.kind-not-authorised", "issuer"),
        ..base
    })?;
    let t = text(
        &health(HealthStatus::Green, NOW - 2 * DAY, NOW + DAY, None, "OLD"),
        &old,
    )?;
    v.write(Case {
        name: "issuer-key-expired",
        description: "Issued while the key was valid, checked after its validity ended.",
        input: &t,
        expected: Refused("issuer.key-expired", "issuer"),
        ..base
    })?;
    let t = text(
        &health(HealthStatus::Green, NOW, NOW + DAY, r(1, 0), "BJ"),
        &sh,
    )?;
    v.write(Case {
        name: "issuer-name-mismatch",
        description: "Signed by the SH key but claiming iss BJ.",
        input: &t,
        expected: Refused("issuer.name-mismatch", "issuer"),
        ..base
    })?;
    for (idx, code, what) in [
        (1, "status.revoked", "revoked"),
        (2, "status.suspended", "suspended"),
        (3, "status.changed", "changed"),
    ] {
        let t = sh_code(HealthStatus::Green, r(1, idx))?;
        v.write(Case {
            name: &format!("status-{what}"),
            description: &format!("The status list marks entry {idx} {what}."),
            input: &t,
            expected: Refused(code, "status"),
            ..base
        })?;
    }
    let missing = sh_code(HealthStatus::Green, r(9, 0))?;
    v.write(Case {
        name: "status-unknown-rejected",
        description: "The credential's status list (9) is not in the bundle; the default policy rejects unknown status.",
        input: &missing,
        expected: Refused("status.unknown", "status"),
        ..base
    })?;
    let stale = sh_code(HealthStatus::Green, r(2, 0))?;
    v.write(Case {
        name: "status-list-stale",
        description: "The status list is past iat + ttl: status unknown.",
        input: &stale,
        expected: Refused("status.unknown", "status"),
        ..base
    })?;
    let lenient = Policy {
        accept_unknown_status: true,
        ..Policy::default()
    };
    v.write(Case {
        name: "status-unknown-accepted",
        description: "Status list missing, and the venue policy accepts unknown status.",
        policy: &lenient,
        input: &missing,
        ..base
    })?;
    let yellow = sh_code(HealthStatus::Yellow, r(1, 0))?;
    v.write(Case {
        name: "yellow-at-green-only",
        description: "A yellow code at a venue that accepts green only.",
        input: &yellow,
        expected: Refused("policy.health-status", "policy"),
        ..base
    })?;
    let green_yellow = Policy {
        health_statuses: vec![HealthStatus::Green, HealthStatus::Yellow],
        ..Policy::default()
    };
    v.write(Case {
        name: "yellow-at-green-and-yellow",
        description: "A yellow code at a venue that accepts green and yellow.",
        policy: &green_yellow,
        input: &yellow,
        ..base
    })?;
    let card_only = Policy {
        accepted_kinds: vec![Kind::SocialSecurityCard],
        ..Policy::default()
    };
    v.write(Case {
        name: "kind-not-accepted",
        description: "A health code at a venue that accepts social-security cards only.",
        policy: &card_only,
        expected: Refused("policy.kind-not-accepted", "policy"),
        ..base
    })?;
    let fresh_only = Policy {
        max_credential_age: Some(3600),
        ..Policy::default()
    };
    v.write(Case {
        name: "credential-too-old",
        description: "Issued 2 h before the check; the venue accepts codes at most 1 h old (plus 5 min skew).",
        policy: &fresh_only,
        now: NOW + 7200,
        expected: Refused("policy.too-old", "policy"),
        ..base
    })?;

    // The green code with one bit of its signature flipped.
    let green_cose = yima_core::transport::decode(&green)?.0;
    let bad_sig = yima_core::transport::encode(&flip(&green_cose, green_cose.len() - 1, 0x01));
    v.write(Case {
        name: "signature-invalid",
        description: "The green code with one bit of its signature flipped.",
        input: &bad_sig,
        expected: Refused("signature.invalid", "signature"),
        ..base
    })?;
    // Signed by SH under the fully specified algorithm id -19 (Ed25519), which no key is bound to.
    let alg_19 = {
        let payload = health(HealthStatus::Green, NOW, NOW + DAY, r(1, 0), "SH").to_cbor();
        let protected = yima_core::cose::protected_header(-19, &sh.kid());
        yima_core::transport::encode(&sign_raw(&sh, &protected, &payload))
    };
    v.write(Case {
        name: "key-alg-mismatch",
        description: "Signed by SH's key, but the header says alg -19 (Ed25519, fully specified); SH's key is bound to -8.",
        input: &alg_19,
        expected: Refused("key.alg-mismatch", "issuer"),
        ..base
    })?;
    let past_end = sh_code(HealthStatus::Green, r(1, 64))?;
    v.write(Case {
        name: "status-index-past-end",
        description: "The status reference names entry 64 of list 1, which has 64 entries (0 to 63): status unknown, rejected by the default policy.",
        input: &past_end,
        expected: Refused("status.unknown", "status"),
        ..base
    })?;

    // Clock skew (300 s by default) at both edges of the credential's window.
    let skew = policy.clock_skew;
    for (name, description, now, expected) in [
        (
            "skew-after-exp-inside",
            "A code without status reference checked skew-1 s after exp: accepted.",
            NOW + DAY + skew - 1,
            Accepted,
        ),
        (
            "skew-after-exp-outside",
            "Checked exactly skew after exp: expired.",
            NOW + DAY + skew,
            Refused("time.expired", "time"),
        ),
        (
            "skew-before-iat-inside",
            "Checked skew s before iat (scanner clock behind): accepted.",
            NOW - skew,
            Accepted,
        ),
        (
            "skew-before-iat-outside",
            "Checked skew+1 s before iat: not yet valid.",
            NOW - skew - 1,
            Refused("time.not-yet-valid", "time"),
        ),
    ] {
        v.write(Case {
            name,
            description,
            now,
            input: &no_ref,
            expected,
            ..base
        })?;
    }

    // Bundle-level failures: the scanner cannot check anything with this bundle.
    let week = Policy {
        max_bundle_age: Some(3600),
        ..Policy::default()
    };
    let flipped = flip(&bundle, bundle.len() - 10, 0x01);
    let rogue = contents.sign(&rogue_bundle_key);
    let future = BundleContents {
        issued_at: NOW + DAY,
        expires_at: NOW + 8 * DAY,
        ..contents.clone()
    }
    .sign(&v.bundle_key);
    for case in [
        Case {
            name: "bundle-stale",
            description: "Checked after the bundle's exp (+ skew).",
            now: NOW + 8 * DAY,
            expected: Refused("bundle.stale", "bundle"),
            ..base
        },
        Case {
            name: "bundle-older-than-policy",
            description: "The bundle is 2 h old; the policy allows 1 h.",
            policy: &week,
            now: NOW + 3600,
            expected: Refused("bundle.stale", "bundle"),
            ..base
        },
        Case {
            name: "bundle-rollback",
            description: "The scanner already accepted seq 6; this bundle is seq 5.",
            accepted_seq: Some(6),
            expected: Refused("bundle.rollback", "bundle"),
            ..base
        },
        Case {
            name: "bundle-bad-signature",
            description: "One bit of the bundle signature flipped.",
            bundle: &flipped,
            expected: Refused("bundle.signature", "bundle"),
            ..base
        },
        Case {
            name: "bundle-wrong-signer",
            description: "The same contents signed by a key the scanner does not pin.",
            bundle: &rogue,
            expected: Refused("bundle.signature", "bundle"),
            ..base
        },
        Case {
            name: "bundle-from-future",
            description: "The bundle's iat is a day ahead of the scanner clock.",
            bundle: &future,
            expected: Refused("bundle.from-future", "bundle"),
            ..base
        },
    ] {
        v.write(case)?;
    }
    // The bundle's exp with the default skew (300 s): a bundle is fresh while now < exp + skew. A code
    // without status reference valid for eight days is checked around that edge.
    let week_code = text(
        &health(HealthStatus::Green, NOW, NOW + 8 * DAY, None, "SH"),
        &sh,
    )?;
    for (name, description, now, expected) in [
        (
            "bundle-exp-skew-inside",
            "Checked skew - 1 s after the bundle's exp: still fresh.",
            contents.expires_at + skew - 1,
            Accepted,
        ),
        (
            "bundle-exp-skew-outside",
            "Checked exactly skew after the bundle's exp: stale.",
            contents.expires_at + skew,
            Refused("bundle.stale", "bundle"),
        ),
    ] {
        v.write(Case {
            name,
            description,
            now,
            input: &week_code,
            expected,
            ..base
        })?;
    }
    bundle_contents_cases(&mut v, base, &contents, &fresh_list, [&sh, &old, &biz])?;
    let newer = BundleContents {
        seq: 7,
        ..contents.clone()
    }
    .sign(&v.bundle_key);
    v.write(Case {
        name: "bundle-newer-seq-accepted",
        description: "A bundle with a higher seq than the accepted one is taken.",
        bundle: &newer,
        ..base
    })?;
    presentations(&mut v, base, &sh, rng)?;
    Ok(v.names)
}

/// Bundles whose signature, time and sequence number pass but whose contents a scanner must refuse:
/// status lists that disagree with their issuer entry or the clock (§15.4 step 8), and issuer entries
/// that break §15.3.
fn bundle_contents_cases(
    v: &mut Venue<'_>,
    base: Case<'_>,
    contents: &BundleContents,
    fresh_list: &StatusListToken,
    [sh, old, biz]: [&SigningKey; 3],
) -> Res<()> {
    let with_lists = |lists: Vec<Vec<u8>>| {
        BundleContents {
            status_lists: lists,
            ..contents.clone()
        }
        .sign(&v.bundle_key)
    };
    let future = with_lists(vec![
        fresh_list.sign(sh),
        StatusListToken {
            list_id: 3,
            issued_at: NOW + DAY,
            ..fresh_list.clone()
        }
        .sign(sh),
    ]);
    // OLD's key validity ended a day before NOW; this list was signed an hour before NOW.
    let expired_key = with_lists(vec![
        fresh_list.sign(sh),
        StatusListToken {
            issuer: "OLD".into(),
            ..fresh_list.clone()
        }
        .sign(old),
    ]);
    // A list of SH signed by SHSC's key (a trusted issuer key, but not the key of the issuer its sub
    // names).
    let other_issuer_key = with_lists(vec![fresh_list.sign(biz)]);
    let twice = with_lists(vec![
        fresh_list.sign(sh),
        StatusListToken {
            issued_at: NOW - 1800,
            ..fresh_list.clone()
        }
        .sign(sh),
    ]);
    // List 1 of SH spelled with a leading zero (which `StatusListToken::sign` cannot write).
    let lst = fresh_list.list.compress();
    let leading_zero = {
        use yima_core::cbor::Value;
        let payload = Value::Map(vec![
            (Value::Uint(2), Value::Text("urn:yima:status:SH:01")),
            (Value::Uint(6), Value::Uint(fresh_list.issued_at)),
            (
                Value::Uint(65533),
                Value::Map(vec![
                    (Value::Text("bits"), Value::Uint(2)),
                    (Value::Text("lst"), Value::Bytes(&lst)),
                ]),
            ),
        ])
        .encode();
        with_lists(vec![yima_core::cose::sign(
            sh,
            &payload,
            Some(yima_core::status::TYP),
        )])
    };
    let with_issuers = |change: &dyn Fn(&mut Vec<Issuer>)| {
        let mut c = contents.clone();
        change(&mut c.issuers);
        c.sign(&v.bundle_key)
    };
    let key_twice = with_issuers(&|i| {
        if let Some(first) = i.first().cloned() {
            i.push(Issuer {
                name: "SH2".into(),
                ..first
            });
        }
    });
    let bidi_name = with_issuers(&|i| {
        if let Some(last) = i.last_mut() {
            last.name = "OLD\u{202e}".into();
        }
    });
    let no_kinds = with_issuers(&|i| {
        if let Some(last) = i.last_mut() {
            last.kinds.clear();
        }
    });
    let inverted = with_issuers(&|i| {
        if let Some(last) = i.last_mut() {
            last.valid_from = NOW + DAY;
        }
    });
    let list_invalid = Refused("bundle.status-list-invalid", "bundle");
    let invalid = Refused("bundle.invalid", "bundle");
    for (name, description, bundle, expected) in [
        (
            "bundle-status-list-from-future",
            "SH's list 3 has iat a day ahead of the scanner clock (beyond the 300 s skew).",
            &future,
            list_invalid,
        ),
        (
            "bundle-status-list-key-expired",
            "A list of OLD signed an hour ago, while OLD's key validity ended a day ago.",
            &expired_key,
            list_invalid,
        ),
        (
            "bundle-status-list-other-issuer-key",
            "The only list's sub names SH, but it is signed by SHSC's key (trusted for SHSC only).",
            &other_issuer_key,
            list_invalid,
        ),
        (
            "bundle-status-list-twice",
            "Two tokens for list 1 of SH (iat an hour and half an hour ago).",
            &twice,
            list_invalid,
        ),
        (
            "bundle-status-list-leading-zero",
            "The only list's sub is urn:yima:status:SH:01, a second spelling of list 1.",
            &leading_zero,
            list_invalid,
        ),
        (
            "bundle-issuer-key-twice",
            "SH's key is listed a second time, under the name SH2.",
            &key_twice,
            invalid,
        ),
        (
            "bundle-issuer-name-bidi",
            "The issuer name OLD ends in U+202E (right-to-left override), which no iss may contain.",
            &bidi_name,
            invalid,
        ),
        (
            "bundle-issuer-no-kinds",
            "The issuer OLD may issue no kind (empty kinds array).",
            &no_kinds,
            invalid,
        ),
        (
            "bundle-issuer-window-inverted",
            "OLD's key valid from is after its key valid until.",
            &inverted,
            invalid,
        ),
    ] {
        v.write(Case {
            name,
            description,
            bundle,
            expected,
            ..base
        })?;
    }
    Ok(())
}

/// A presentation of `cose` at time `at` (no venue) signed by `device`, whether or not the credential
/// is bound to that device.
fn presentation(cose: &[u8], device: &SigningKey, at: u64) -> String {
    let d = digest(cose);
    assemble(
        cose,
        at,
        None,
        &d,
        &device.sign(&signed_bytes(&d, at, None)),
    )
}

/// Dynamic holder-bound presentation cases (issue: anti-screenshot codes).
fn presentations(
    v: &mut Venue<'_>,
    base: Case<'_>,
    sh: &SigningKey,
    rng: &mut ChaCha20Rng,
) -> Res<()> {
    let device = signing_key(rng);
    let thief = signing_key(rng);
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
    // The cases below change some fields of this one: the fresh presentation shown 5 s after it was
    // made, where holder binding is required.
    let base = Case {
        policy: &require,
        now: t + 5,
        input: &fresh,
        ..base
    };
    let refused = |code| Refused(code, "holder");
    v.write(Case {
        name: "presentation-valid",
        description: "A device-bound health code presented 10 s ago, at a venue that requires holder binding.",
        now: t + 10,
        ..base
    })?;
    v.write(Case {
        name: "presentation-required",
        description: "The bound credential shown as a static code where a presentation is required.",
        now: t + 10,
        input: &cred.text,
        expected: refused("presentation.required"),
        ..base
    })?;
    v.write(Case {
        name: "presentation-screenshot-after-61s",
        description: "A screenshot of the presentation shown again 61 s later (freshness 60 s, no skew).",
        policy: &no_skew,
        now: t + 61,
        expected: refused("presentation.stale"),
        ..base
    })?;
    v.write(Case {
        name: "presentation-stale-default-skew",
        description: "Shown 71 s later: past 60 s freshness plus the default 10 s skew.",
        now: t + 71,
        expected: refused("presentation.stale"),
        ..base
    })?;
    v.write(Case {
        name: "presentation-from-future",
        description: "The device clock is 11 s ahead of the gate (skew 10 s).",
        now: t - 11,
        expected: refused("presentation.from-future"),
        ..base
    })?;
    let venue = present(&cred.text, &device, t, Some("GATE-7"))?;
    v.write(Case {
        name: "presentation-venue-match",
        description: "Bound to venue GATE-7 at venue GATE-7.",
        policy: &at_venue,
        input: &venue,
        ..base
    })?;
    v.write(Case {
        name: "presentation-wrong-venue",
        description: "A presentation without venue at a venue that requires GATE-7.",
        policy: &at_venue,
        expected: refused("presentation.wrong-venue"),
        ..base
    })?;
    let other_venue = present(&cred.text, &device, t, Some("GATE-9"))?;
    v.write(Case {
        name: "presentation-other-venue",
        description: "Bound to GATE-9, shown at GATE-7.",
        policy: &at_venue,
        input: &other_venue,
        expected: refused("presentation.wrong-venue"),
        ..base
    })?;
    // A credential lifted into another device's presentation: the thief's device signs it.
    let lifted = presentation(&cred.cose, &thief, t);
    v.write(Case {
        name: "presentation-lifted-to-other-device",
        description: "The victim's credential in a presentation signed by another device.",
        input: &lifted,
        expected: refused("presentation.bad-device-signature"),
        ..base
    })?;
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
    v.write(Case {
        name: "presentation-credential-changed",
        description: "Another valid credential of the same holder swapped in under the device signature.",
        input: &swapped,
        expected: refused("presentation.credential-changed"),
        ..base
    })?;
    // Presentations that do not decode: malformed, reported with stage `format` like every other
    // decoding failure. The venue ids are signed by the device: only their form is wrong.
    let format = |code| Refused(code, "format");
    let with_venue = |venue: &str| {
        let d = digest(&cred.cose);
        assemble(
            &cred.cose,
            t,
            Some(venue),
            &d,
            &device.sign(&signed_bytes(&d, t, Some(venue))),
        )
    };
    let control = with_venue("GATE\u{7}7");
    let long = with_venue(&"V".repeat(33));
    let bidi = with_venue("GATE-7\u{202e}");
    let three_items = {
        let body = yima_core::base45::decode(fresh.strip_prefix("YP1:").ok_or("prefix")?)?;
        // Drop the device signature (58 40 and 64 bytes), the last item.
        let cut = body.len().checked_sub(66).ok_or("short presentation")?;
        format!(
            "YP1:{}",
            yima_core::base45::encode(body.get(..cut).unwrap_or_default())
        )
    };
    // A fifth item after the device signature: the four items decode, then bytes remain.
    let five_items = {
        let body = yima_core::base45::decode(fresh.strip_prefix("YP1:").ok_or("prefix")?)?;
        format!(
            "YP1:{}",
            yima_core::base45::encode(&[body, vec![0x00]].concat())
        )
    };
    v.write(Case {
        name: "presentation-five-items",
        description: "The fresh presentation with a fifth item (the integer 0) after the device signature.",
        input: &five_items,
        expected: format("cbor.trailing-bytes"),
        ..base
    })?;
    for (name, description, input) in [
        (
            "presentation-venue-control-char",
            "The device signed a venue id with a control character (GATE, BEL, 7).",
            &control,
        ),
        (
            "presentation-venue-bidi",
            "The device signed a venue id ending in U+202E (right-to-left override), which would make a displayed venue read differently.",
            &bidi,
        ),
        (
            "presentation-venue-33-bytes",
            "The device signed a venue id of 33 bytes, one more than a presentation may carry.",
            &long,
        ),
        (
            "presentation-three-items",
            "The presentation without its device signature: three items instead of four.",
            &three_items,
        ),
    ] {
        v.write(Case {
            name,
            description,
            input,
            expected: format("presentation.malformed"),
            ..base
        })?;
    }
    // A presentation around a credential that has no holder key.
    let unbound = issue(&health(HealthStatus::Green, NOW, NOW + DAY, None, "SH"), sh)?;
    let p = presentation(&unbound.cose, &device, t);
    v.write(Case {
        name: "presentation-binding-missing",
        description: "A presentation whose credential carries no holder key (cnf).",
        input: &p,
        expected: refused("presentation.binding-missing"),
        ..base
    })?;
    Ok(())
}
