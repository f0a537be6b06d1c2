//! Venue policy and the verdict of checking one credential at a venue with a trust bundle.
//!
//! A policy is a small declarative document (TOML or JSON on the command line):
//!
//! ```toml
//! accepted_kinds = ["health-code"]          # default: every kind
//! health_statuses = ["green"]               # default: ["green"]
//! max_credential_age = "36h"                # optional: refuse credentials issued longer ago
//! clock_skew = "5m"                         # default: 5 minutes, both ends of every window
//! accept_unknown_status = false             # default: false (status list missing or stale -> reject)
//! max_bundle_age = "7d"                     # optional: refuse trust bundles issued longer ago
//! require_holder_binding = ["health-code"]  # default: none; these kinds only as device presentations
//! presentation_freshness = "60s"            # default: 60 s
//! presentation_skew = "10s"                 # default: 10 s, both sides of the freshness window
//! venue_id = "GATE-7"                       # optional: presentations must be bound to this venue
//! ```
//!
//! Durations are seconds (a number) or a number with a unit `s`, `m`, `h` or `d`.

use serde::{Deserialize, Deserializer, Serialize};

use crate::claims::{Claims, Credential, HealthStatus, Kind};
use crate::credential::{Unverified, Verified, VerifyOptions};
use crate::error::{Stage, VerifyError};
use crate::presentation::{
    Presentation, PresentationError, ReplayCache, is_presentation, valid_venue,
};
use crate::status::CredentialStatus;
use crate::trust::TrustBundle;

/// Defines [`Policy`] and, from the same field list, the private `PolicyDoc` that serde's derive
/// deserializes: `Policy`'s own `Deserialize` accepts only a map and reads it as a `PolicyDoc` (the
/// derived deserializer would also take a sequence of the fields in order, and a derive on `Policy`
/// itself with `remote = "Self"` would leave that path public as an inherent `Policy::deserialize`).
macro_rules! policy_struct {
    (
        $(#[$meta:meta])*
        pub struct Policy { $( $(#[$fmeta:meta])* pub $field:ident : $ty:ty, )* }
    ) => {
        $(#[$meta])*
        pub struct Policy { $( $(#[$fmeta])* pub $field: $ty, )* }

        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct PolicyDoc { $( $(#[$fmeta])* $field: $ty, )* }

        impl From<PolicyDoc> for Policy {
            fn from(d: PolicyDoc) -> Self {
                Policy { $( $field: d.$field, )* }
            }
        }
    };
}

policy_struct! {
    /// A venue's acceptance rules.
    ///
    /// As a document (TOML, JSON) a policy is one map of the settings below; any other value, such as a
    /// JSON array of the settings in field order, is refused.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize)]
    pub struct Policy {
        /// Kinds accepted at this venue.
        #[serde(default = "all_kinds")]
        pub accepted_kinds: Vec<Kind>,
        /// Health-code colours accepted.
        #[serde(default = "green_only")]
        pub health_statuses: Vec<HealthStatus>,
        /// Refuse credentials whose `iat` is older than this many seconds.
        #[serde(
            default,
            deserialize_with = "opt_duration",
            skip_serializing_if = "Option::is_none"
        )]
        pub max_credential_age: Option<u64>,
        /// Clock-skew tolerance in seconds, applied at both ends of every time window.
        #[serde(default = "default_skew", deserialize_with = "duration")]
        pub clock_skew: u64,
        /// Accept a credential whose status cannot be determined (list missing from the bundle, or stale).
        #[serde(default)]
        pub accept_unknown_status: bool,
        /// Refuse trust bundles issued longer ago than this many seconds.
        #[serde(
            default,
            deserialize_with = "opt_duration",
            skip_serializing_if = "Option::is_none"
        )]
        pub max_bundle_age: Option<u64>,
        /// Kinds accepted only as holder-bound dynamic presentations (`YP1:`), not as static codes.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        pub require_holder_binding: Vec<Kind>,
        /// How old a presentation may be, in seconds (plus clock skew).
        #[serde(default = "default_freshness", deserialize_with = "duration")]
        pub presentation_freshness: u64,
        /// Clock-skew tolerance for presentation times, in seconds, on both sides of the freshness window
        /// (kept separate from `clock_skew`: minutes of tolerance would defeat a 60-second window).
        #[serde(default = "default_presentation_skew", deserialize_with = "duration")]
        pub presentation_skew: u64,
        /// Presentations must be bound to this venue id / nonce: 1 to
        /// [`MAX_VENUE_BYTES`](crate::presentation::MAX_VENUE_BYTES) bytes without control or
        /// bidirectional formatting characters, as a presentation can carry (refused when the policy is
        /// deserialized, and by [`Policy::validate`]).
        #[serde(
            default,
            deserialize_with = "opt_venue_id",
            skip_serializing_if = "Option::is_none"
        )]
        pub venue_id: Option<String>,
    }
}

/// A policy that no scanner may use: it would refuse (or accept) credentials for a reason unrelated to
/// them.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// `venue_id` is empty, longer than 32 bytes or contains a control or bidirectional formatting
    /// character: no presentation can carry it, so every presentation would be
    /// `presentation.wrong-venue`.
    #[error(
        "venue_id must be 1 to 32 bytes without control or bidirectional formatting characters"
    )]
    InvalidVenueId,
}

impl PolicyError {
    /// Stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            PolicyError::InvalidVenueId => "policy.invalid-venue-id",
        }
    }
}

impl Policy {
    /// Checks the fields whose values a scanner cannot use (today `venue_id`, §16.1). Deserializing a
    /// policy applies the same checks; a policy built or changed in code should be validated before
    /// use, and the verdict functions refuse every input under a policy that fails this (stage
    /// `policy`, with this error's code).
    pub fn validate(&self) -> Result<(), PolicyError> {
        if let Some(v) = &self.venue_id
            && !valid_venue(v)
        {
            return Err(PolicyError::InvalidVenueId);
        }
        Ok(())
    }
}

fn default_freshness() -> u64 {
    60
}

fn default_presentation_skew() -> u64 {
    10
}

fn all_kinds() -> Vec<Kind> {
    Kind::ALL.to_vec()
}

fn green_only() -> Vec<HealthStatus> {
    vec![HealthStatus::Green]
}

fn default_skew() -> u64 {
    300
}

impl<'de> Deserialize<'de> for Policy {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct MapOnly;
        impl<'de> serde::de::Visitor<'de> for MapOnly {
            type Value = Policy;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a policy: a map of settings")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Policy, A::Error> {
                PolicyDoc::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(Policy::from)
            }
        }
        d.deserialize_map(MapOnly)
    }
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            accepted_kinds: all_kinds(),
            health_statuses: green_only(),
            max_credential_age: None,
            clock_skew: default_skew(),
            accept_unknown_status: false,
            max_bundle_age: None,
            require_holder_binding: Vec::new(),
            presentation_freshness: default_freshness(),
            presentation_skew: default_presentation_skew(),
            venue_id: None,
        }
    }
}

/// Parses `90`, `90s`, `15m`, `24h` or `7d` into seconds.
pub fn parse_duration(s: &str) -> Option<u64> {
    let s = s.trim();
    let (num, mult) = match s.char_indices().last()? {
        (i, 's') => (s.get(..i)?, 1),
        (i, 'm') => (s.get(..i)?, 60),
        (i, 'h') => (s.get(..i)?, 3600),
        (i, 'd') => (s.get(..i)?, 86_400),
        _ => (s, 1),
    };
    if num.is_empty() || !num.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    num.parse::<u64>().ok()?.checked_mul(mult)
}

#[derive(Deserialize)]
#[serde(untagged)]
enum DurationRepr {
    Secs(u64),
    Text(String),
}

fn duration<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    match DurationRepr::deserialize(d)? {
        DurationRepr::Secs(n) => Ok(n),
        DurationRepr::Text(t) => parse_duration(&t).ok_or_else(|| {
            serde::de::Error::custom(format!("{t}: not a duration such as 90s, 15m, 24h, 7d"))
        }),
    }
}

fn opt_duration<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    duration(d).map(Some)
}

fn opt_venue_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    match Option::<String>::deserialize(d)? {
        Some(v) if !valid_venue(&v) => Err(serde::de::Error::custom(format!(
            "{}: {}",
            PolicyError::InvalidVenueId.code(),
            PolicyError::InvalidVenueId
        ))),
        v => Ok(v),
    }
}

/// The stage at which a venue check decided.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VerdictStage {
    /// Transport, CBOR, COSE, header, claims or identifier format.
    Format,
    /// The signature.
    Signature,
    /// Issuer trust: unknown key, kind not authorised, key outside its validity, name mismatch.
    Issuer,
    /// Validity window.
    Time,
    /// Revocation / suspension / status change / unknown status.
    Status,
    /// The venue's own rules.
    Policy,
    /// Holder binding: device signature, freshness and venue of a dynamic presentation.
    Holder,
}

impl VerdictStage {
    /// Stable lower-case name.
    pub fn as_str(&self) -> &'static str {
        match self {
            VerdictStage::Format => "format",
            VerdictStage::Signature => "signature",
            VerdictStage::Issuer => "issuer",
            VerdictStage::Time => "time",
            VerdictStage::Status => "status",
            VerdictStage::Policy => "policy",
            VerdictStage::Holder => "holder",
        }
    }
}

/// Why a venue refused a credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// The deciding stage.
    pub stage: VerdictStage,
    /// Stable machine code (e.g. `status.revoked`, `policy.health-status`, or a [`VerifyError`] code).
    pub code: &'static str,
    /// Human explanation.
    pub message: String,
    /// The claims, when the signature verified (for display: "red code for 金*"), else `None`.
    pub claims: Option<Box<Claims>>,
}

/// What the status check found for an accepted credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusOutcome {
    /// The credential carries no status reference.
    NotReferenced,
    /// The status list says valid.
    Valid,
    /// The status could not be determined and the policy accepts that.
    UnknownAccepted,
}

/// An accepted credential.
#[derive(Debug, Clone)]
pub struct Accepted {
    /// The verified credential.
    pub verified: Verified,
    /// Name of the trusted issuer.
    pub issuer: String,
    /// What the status check found.
    pub status: StatusOutcome,
}

/// The verdict on one credential at a venue.
pub type Verdict = Result<Accepted, Rejection>;

fn reject(
    stage: VerdictStage,
    code: &'static str,
    message: impl Into<String>,
    claims: Option<&Claims>,
) -> Rejection {
    Rejection {
        stage,
        code,
        message: message.into(),
        claims: claims.map(|c| Box::new(c.clone())),
    }
}

fn from_verify_error(e: VerifyError) -> Rejection {
    let stage = match e.stage() {
        Stage::KeyLookup => VerdictStage::Issuer,
        Stage::Signature => VerdictStage::Signature,
        Stage::Time => VerdictStage::Time,
        _ => VerdictStage::Format,
    };
    reject(stage, e.code(), e.to_string(), None)
}

/// Checks one transport text at a venue: the policy itself ([`Policy::validate`]; an invalid policy
/// refuses every input with stage `policy`), then parse, verify with the bundle's issuer keys (with the
/// policy's clock skew), issuer authorisation, status, the venue policy, and holder binding (a `YP1:`
/// presentation's device signature, freshness and venue; or whether the kind requires one).
pub fn check(text: &str, bundle: &TrustBundle, policy: &Policy, now: u64) -> Verdict {
    check_with_replay(text, bundle, policy, now, None)
}

/// Refuses every input under a policy that fails [`Policy::validate`], before the input is looked at.
fn valid_policy(policy: &Policy) -> Result<(), Rejection> {
    policy
        .validate()
        .map_err(|e| reject(VerdictStage::Policy, e.code(), e.to_string(), None))
}

fn holder_reject(e: PresentationError, claims: Option<&Claims>) -> Rejection {
    match e {
        PresentationError::Credential(v) => from_verify_error(v),
        PresentationError::Malformed(_) => {
            reject(VerdictStage::Format, e.code(), e.to_string(), None)
        }
        other => reject(
            VerdictStage::Holder,
            other.code(),
            other.to_string(),
            claims,
        ),
    }
}

/// As [`check`], also flagging a presentation already seen within the freshness window in `replay`.
pub fn check_with_replay(
    text: &str,
    bundle: &TrustBundle,
    policy: &Policy,
    now: u64,
    replay: Option<&mut ReplayCache>,
) -> Verdict {
    valid_policy(policy)?;
    if !is_presentation(text) {
        let unverified = Unverified::parse(text).map_err(from_verify_error)?;
        return check_unverified(&unverified, bundle, policy, now);
    }
    let p = Presentation::parse(text).map_err(|e| holder_reject(e, None))?;
    let accepted = check_credential(&p.credential, bundle, policy, now)?;
    let claims = accepted.verified.claims();
    let holder_key = claims
        .confirmation
        .ok_or_else(|| holder_reject(PresentationError::BindingMissing, Some(claims)))?;
    p.verify_device(&holder_key)
        .map_err(|e| holder_reject(e, Some(claims)))?;
    p.check_time(now, policy.presentation_freshness, policy.presentation_skew)
        .map_err(|e| holder_reject(e, Some(claims)))?;
    if let Some(want) = &policy.venue_id
        && p.venue.as_deref() != Some(want.as_str())
    {
        return Err(holder_reject(PresentationError::WrongVenue, Some(claims)));
    }
    if let Some(cache) = replay {
        let window = policy
            .presentation_freshness
            .saturating_add(policy.presentation_skew.saturating_mul(2));
        if !cache.check_and_insert(&p, now, window) {
            return Err(holder_reject(PresentationError::Replayed, Some(claims)));
        }
    }
    Ok(accepted)
}

/// As [`check`], for an already parsed static credential (one that is not wrapped in a device
/// presentation): a credential whose kind the policy lists in `require_holder_binding` is refused with
/// `presentation.required` (stage `holder`) once every other check has passed, as [`check`] refuses a
/// static code of that kind. A holder-bound presentation is checked with [`check`] or
/// [`check_with_replay`] on its `YP1:` text, which verify the device signature.
pub fn check_unverified(
    unverified: &Unverified,
    bundle: &TrustBundle,
    policy: &Policy,
    now: u64,
) -> Verdict {
    valid_policy(policy)?;
    let accepted = check_credential(unverified, bundle, policy, now)?;
    let claims = accepted.verified.claims();
    if policy
        .require_holder_binding
        .contains(&claims.credential.kind())
    {
        return Err(holder_reject(PresentationError::Required, Some(claims)));
    }
    Ok(accepted)
}

/// Every check of a venue verdict on one credential except holder binding: signature with the bundle's
/// issuer keys, issuer authorisation, status and the venue policy. The caller decides whether the
/// credential came as a static code or inside a verified presentation.
fn check_credential(
    unverified: &Unverified,
    bundle: &TrustBundle,
    policy: &Policy,
    now: u64,
) -> Verdict {
    let opts = VerifyOptions {
        now,
        leeway: policy.clock_skew,
    };
    let verified = unverified
        .verify(&bundle.keys(), &opts)
        .map_err(from_verify_error)?;
    let claims = verified.claims();
    let issuer = bundle.issuer_for(verified.key()).ok_or_else(|| {
        reject(
            VerdictStage::Issuer,
            "issuer.unknown",
            "key not in the bundle",
            Some(claims),
        )
    })?;
    if issuer.name != claims.issuer {
        return Err(reject(
            VerdictStage::Issuer,
            "issuer.name-mismatch",
            format!(
                "iss {:?} is not the key's issuer {:?}",
                claims.issuer, issuer.name
            ),
            Some(claims),
        ));
    }
    let kind = claims.credential.kind();
    if !issuer.kinds.contains(&kind) {
        return Err(reject(
            VerdictStage::Issuer,
            "issuer.kind-not-authorised",
            format!("issuer {} may not issue {kind}", issuer.name),
            Some(claims),
        ));
    }
    let skew = policy.clock_skew;
    if claims.issued_at.saturating_add(skew) < issuer.valid_from
        || claims.issued_at > issuer.valid_until.saturating_add(skew)
        || now > issuer.valid_until.saturating_add(skew)
    {
        return Err(reject(
            VerdictStage::Issuer,
            "issuer.key-expired",
            "the issuer key was not valid when the credential was issued, or is no longer valid",
            Some(claims),
        ));
    }
    let status = match &claims.status {
        None => StatusOutcome::NotReferenced,
        Some(r) => match bundle.status_list(&issuer.name, r.list_id) {
            // The policy's clock skew applies to the list's freshness window too.
            Some(list) if list.is_fresh(now, skew) => match list.list.get(r.index) {
                Some(CredentialStatus::Valid) => StatusOutcome::Valid,
                Some(CredentialStatus::Revoked) => {
                    return Err(reject(
                        VerdictStage::Status,
                        "status.revoked",
                        "credential revoked",
                        Some(claims),
                    ));
                }
                Some(CredentialStatus::Suspended) => {
                    return Err(reject(
                        VerdictStage::Status,
                        "status.suspended",
                        "credential suspended",
                        Some(claims),
                    ));
                }
                Some(CredentialStatus::Changed) => {
                    return Err(reject(
                        VerdictStage::Status,
                        "status.changed",
                        "holder's status changed: fetch a new code",
                        Some(claims),
                    ));
                }
                None => unknown_status(policy, claims, "index outside the status list")?,
            },
            Some(list) if list.issued_at > now.saturating_add(skew) => {
                unknown_status(policy, claims, "status list issued in the future")?
            }
            Some(_) => unknown_status(policy, claims, "status list is stale")?,
            None => unknown_status(policy, claims, "status list not in the trust bundle")?,
        },
    };
    if !policy.accepted_kinds.contains(&kind) {
        return Err(reject(
            VerdictStage::Policy,
            "policy.kind-not-accepted",
            format!("{kind} is not accepted here"),
            Some(claims),
        ));
    }
    if let Credential::HealthCode(h) = &claims.credential
        && !policy.health_statuses.contains(&h.status)
    {
        return Err(reject(
            VerdictStage::Policy,
            "policy.health-status",
            format!("{} health code not accepted here", h.status.name()),
            Some(claims),
        ));
    }
    if let Some(max_age) = policy.max_credential_age
        && now
            > claims
                .issued_at
                .saturating_add(max_age)
                .saturating_add(skew)
    {
        return Err(reject(
            VerdictStage::Policy,
            "policy.too-old",
            "credential issued longer ago than the venue accepts",
            Some(claims),
        ));
    }
    let issuer = issuer.name.clone();
    Ok(Accepted {
        verified,
        issuer,
        status,
    })
}

fn unknown_status(policy: &Policy, claims: &Claims, why: &str) -> Result<StatusOutcome, Rejection> {
    if policy.accept_unknown_status {
        Ok(StatusOutcome::UnknownAccepted)
    } else {
        Err(reject(
            VerdictStage::Status,
            "status.unknown",
            format!("status unknown: {why}"),
            Some(claims),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credential::issue;
    use crate::keys::SigningKey;
    use crate::presentation::present;
    use crate::samples;
    use crate::trust::{BundleCheck, BundleContents, Issuer};

    const T: u64 = 1_767_225_600;

    fn bundle(issuer: &SigningKey) -> TrustBundle {
        let authority = SigningKey::from_seed(&[7; 32]);
        let contents = BundleContents {
            seq: 1,
            issued_at: T - 60,
            expires_at: T + 86_400,
            issuers: vec![Issuer {
                name: samples::ISSUER.into(),
                key: issuer.verifying_key(),
                kinds: Kind::ALL.to_vec(),
                valid_from: T - 86_400,
                valid_until: T + 86_400,
            }],
            status_lists: Vec::new(),
        };
        let check = BundleCheck {
            now: T,
            skew: 0,
            accepted_seq: None,
            max_age: None,
        };
        TrustBundle::verify(
            &contents.sign(&authority),
            &authority.verifying_key(),
            &check,
        )
        .unwrap()
    }

    /// A device key, a bundle trusting the issuer, and a health code bound to that device (cnf).
    fn bound_health_code() -> (SigningKey, TrustBundle, String) {
        let (issuer, device) = (
            SigningKey::from_seed(&[1; 32]),
            SigningKey::from_seed(&[2; 32]),
        );
        let bundle = bundle(&issuer);
        let mut claims = samples::claims(Kind::HealthCode, T, [0; 8]);
        claims.confirmation = Some(device.verifying_key().to_bytes());
        let text = issue(&claims, &issuer).unwrap().text;
        (device, bundle, text)
    }

    #[test]
    fn check_unverified_enforces_require_holder_binding() {
        let (device, bundle, text) = bound_health_code();
        let unverified = Unverified::parse(&text).unwrap();
        let policy = Policy {
            require_holder_binding: vec![Kind::HealthCode],
            ..Policy::default()
        };
        // The static code of a kind that requires a device presentation is refused by the public
        // entry point for parsed credentials too, not only by `check`.
        let e = check_unverified(&unverified, &bundle, &policy, T).unwrap_err();
        assert_eq!(
            (e.code, e.stage),
            ("presentation.required", VerdictStage::Holder)
        );
        assert!(e.claims.is_some(), "the refusal shows whom it refused");
        let e = check(&text, &bundle, &policy, T).unwrap_err();
        assert_eq!(e.code, "presentation.required");
        // Other checks still come first: an untrusted issuer is an issuer error, not a holder error.
        let other = bundle_with_other_issuer();
        let e = check_unverified(&unverified, &other, &policy, T).unwrap_err();
        assert_eq!(e.code, "key.unknown-kid");
        // The device presentation of the same credential is accepted.
        let p = present(&text, &device, T, None).unwrap();
        assert!(check(&p, &bundle, &policy, T).is_ok());
        // Without the requirement, the static code is accepted by both entry points.
        let lax = Policy::default();
        assert!(check_unverified(&unverified, &bundle, &lax, T).is_ok());
        assert!(check(&text, &bundle, &lax, T).is_ok());
        // A kind not listed is unaffected.
        let other_kind = Policy {
            require_holder_binding: vec![Kind::SocialSecurityCard],
            ..Policy::default()
        };
        assert!(check_unverified(&unverified, &bundle, &other_kind, T).is_ok());
    }

    #[test]
    fn a_policy_document_is_a_map_only() {
        // serde's derived deserializer would read an array as the fields in order.
        for doc in ["[]", "[[\"social-security-card\"]]", "\"x\"", "7", "null"] {
            let e = serde_json::from_str::<Policy>(doc).unwrap_err();
            assert!(
                e.to_string().contains("a policy: a map of settings"),
                "{doc}: {e}"
            );
        }
        // Called by its path, `Policy::deserialize` is the trait's (no inherent function shadows it).
        let e = Policy::deserialize(serde_json::json!([["social-security-card"]])).unwrap_err();
        assert!(e.to_string().contains("a policy: a map of settings"), "{e}");
        let p: Policy =
            serde_json::from_str(r#"{"accepted_kinds": ["social-security-card"]}"#).unwrap();
        assert_eq!(p.accepted_kinds, vec![Kind::SocialSecurityCard]);
        // Unknown fields are still refused, and a policy survives a JSON round trip.
        assert!(serde_json::from_str::<Policy>(r#"{"accepted_kind": []}"#).is_err());
        let back: Policy = serde_json::from_str(&serde_json::to_string(&p).unwrap()).unwrap();
        assert_eq!(back, p);
    }

    #[test]
    fn venue_ids_are_validated_in_the_policy_and_in_presentations() {
        // Deserializing refuses a venue id no presentation can carry.
        for bad in ["", &"V".repeat(33), "GATE\u{7}7", "GATE\n7", "\u{2067}GATE"] {
            let json = serde_json::json!({ "venue_id": bad });
            let e = serde_json::from_value::<Policy>(json).unwrap_err();
            assert!(
                e.to_string().contains("policy.invalid-venue-id"),
                "{bad:?}: {e}"
            );
        }
        let ok: Policy =
            serde_json::from_value(serde_json::json!({ "venue_id": "V".repeat(32) })).unwrap();
        assert_eq!(ok.validate(), Ok(()));
        let unset: Policy =
            serde_json::from_value(serde_json::json!({ "venue_id": null })).unwrap();
        assert_eq!(unset.venue_id, None);

        // A policy built in code is validated by every verdict function: a policy error (stage
        // `policy`) for every input, not `presentation.wrong-venue` for every presentation.
        let (device, bundle, text) = bound_health_code();
        let p = present(&text, &device, T, Some("GATE-7")).unwrap();
        for bad in ["", &"V".repeat(33), "GATE\u{1b}7"] {
            let policy = Policy {
                venue_id: Some(bad.to_owned()),
                ..Policy::default()
            };
            assert_eq!(
                policy.validate().unwrap_err().code(),
                "policy.invalid-venue-id"
            );
            for input in [&text, &p] {
                let e = check(input, &bundle, &policy, T).unwrap_err();
                assert_eq!(
                    (e.code, e.stage),
                    ("policy.invalid-venue-id", VerdictStage::Policy),
                    "{bad:?}"
                );
            }
            let u = Unverified::parse(&text).unwrap();
            let e = check_unverified(&u, &bundle, &policy, T).unwrap_err();
            assert_eq!(e.code, "policy.invalid-venue-id");
        }
        let at_gate = Policy {
            venue_id: Some("GATE-7".into()),
            ..Policy::default()
        };
        assert!(check(&p, &bundle, &at_gate, T).is_ok());

        // A received presentation whose venue id has a control character or is too long is malformed,
        // and a malformed presentation is a format failure like any other decoding failure.
        let cose = Unverified::parse(&text).unwrap().cose_bytes().to_vec();
        let d = crate::presentation::digest(&cose);
        for venue in ["GATE\u{7}7", &"V".repeat(33), "GATE-7\u{202e}"] {
            let sig = device.sign(&crate::presentation::signed_bytes(&d, T, Some(venue)));
            let forged = crate::presentation::assemble(&cose, T, Some(venue), &d, &sig);
            let e = check(&forged, &bundle, &Policy::default(), T).unwrap_err();
            assert_eq!(
                (e.code, e.stage),
                ("presentation.malformed", VerdictStage::Format),
                "{venue:?}"
            );
        }
        let e = check("YP1:00", &bundle, &Policy::default(), T).unwrap_err();
        assert_eq!(
            (e.code, e.stage),
            ("presentation.malformed", VerdictStage::Format)
        );
    }

    fn bundle_with_other_issuer() -> TrustBundle {
        bundle(&SigningKey::from_seed(&[9; 32]))
    }
}
