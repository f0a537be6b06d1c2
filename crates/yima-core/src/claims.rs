//! The CWT claims set (RFC 8392) and the five credential kinds, with their integer claim keys.
//!
//! Every kind validates the same way when issuing (a mistake names the JSON field) and when verifying
//! (a bad value in a received credential gets a stable code): one set of rules, two error mappings.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::cbor::Value;
use crate::date::Date;
use crate::error::{IssueError, VerifyError};
use crate::ident::{self, CitizenId, FoodLicenceNo, IdentError, LicenceId, RegionCode, Uscc};

/// CWT claim key `iss` (RFC 8392).
pub const CLAIM_ISS: i64 = 1;
/// CWT claim key `exp`.
pub const CLAIM_EXP: i64 = 4;
/// CWT claim key `nbf`.
pub const CLAIM_NBF: i64 = 5;
/// CWT claim key `iat`.
pub const CLAIM_IAT: i64 = 6;
/// CWT claim key `cti`.
pub const CLAIM_CTI: i64 = 7;
/// The yima credential claim (see `docs/format.md`, "Claim key registration").
pub const CLAIM_CREDENTIAL: i64 = -270;
/// CWT claim key `cnf` (RFC 8747): proof-of-possession key of the holder's device.
pub const CLAIM_CNF: i64 = 8;
/// The yima status-reference claim: `[list id, index]` into the issuer's status list (see `status.rs`).
pub const CLAIM_STATUS_REF: i64 = -271;
/// Sub-key of the credential claim holding the kind number.
pub const KEY_KIND: u64 = 0;

/// Longest `iss` accepted, in bytes.
pub const MAX_ISSUER_BYTES: usize = 32;
/// Longest `cti` accepted, in bytes.
pub const MAX_CTI_BYTES: usize = 16;

/// A full claims set: the standard CWT claims plus exactly one credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Claims {
    /// `iss`: who issued the credential (1 to 32 bytes of text).
    pub issuer: String,
    /// `iat`: issue time, seconds since the Unix epoch.
    pub issued_at: u64,
    /// `exp`: expiry, seconds since the Unix epoch; after `issued_at` (and after `not_before`).
    pub expires_at: u64,
    /// `nbf`: start of validity when later than `iat`; omitted from the encoding when equal to `iat`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_before: Option<u64>,
    /// `cti`: unique credential id (1 to 16 bytes), hex in JSON.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "hex_opt")]
    pub credential_id: Option<Vec<u8>>,
    /// `cnf` (RFC 8747): the holder device's Ed25519 public key (hex in JSON). A credential with it can be
    /// shown as a dynamic presentation signed by that device (see `presentation.rs`).
    #[serde(default, skip_serializing_if = "Option::is_none", with = "hex_key_opt")]
    pub confirmation: Option<[u8; 32]>,
    /// Status reference: where this credential's revocation/suspension status is published.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<StatusRef>,
    /// The credential claim.
    pub credential: Credential,
}

/// A pointer into an issuer's status list (claim -271, encoded as the array `[list_id, index]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusRef {
    /// Which of the issuer's lists (its URI is `urn:yima:status:<iss>:<list_id>`).
    pub list_id: u64,
    /// Index of this credential in the list.
    pub index: u64,
}

/// One of the five credential kinds.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "fields", rename_all = "kebab-case")]
pub enum Credential {
    /// Kind 1: health code.
    HealthCode(HealthCode),
    /// Kind 2: electronic social-security card.
    SocialSecurityCard(SocialSecurityCard),
    /// Kind 3: business licence.
    BusinessLicence(BusinessLicence),
    /// Kind 4: food business licence.
    FoodBusinessLicence(FoodBusinessLicence),
    /// Kind 5: electronic licence with a GB/T 36904 identifier.
    ElectronicLicence(ElectronicLicence),
}

/// The credential kinds by number and name.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// Health code (1).
    HealthCode,
    /// Social-security card (2).
    SocialSecurityCard,
    /// Business licence (3).
    BusinessLicence,
    /// Food business licence (4).
    FoodBusinessLicence,
    /// Electronic licence (5).
    ElectronicLicence,
}

impl Kind {
    /// All kinds in number order.
    pub const ALL: [Kind; 5] = [
        Kind::HealthCode,
        Kind::SocialSecurityCard,
        Kind::BusinessLicence,
        Kind::FoodBusinessLicence,
        Kind::ElectronicLicence,
    ];

    /// The kind number carried under sub-key 0.
    pub fn number(self) -> u64 {
        match self {
            Kind::HealthCode => 1,
            Kind::SocialSecurityCard => 2,
            Kind::BusinessLicence => 3,
            Kind::FoodBusinessLicence => 4,
            Kind::ElectronicLicence => 5,
        }
    }

    /// Stable kebab-case name (used on the command line and in JSON).
    pub fn name(self) -> &'static str {
        match self {
            Kind::HealthCode => "health-code",
            Kind::SocialSecurityCard => "social-security-card",
            Kind::BusinessLicence => "business-licence",
            Kind::FoodBusinessLicence => "food-business-licence",
            Kind::ElectronicLicence => "electronic-licence",
        }
    }

    /// Looks a kind up by its name.
    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == name)
    }

    fn from_number(n: u64) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.number() == n)
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl Credential {
    /// The kind of this credential.
    pub fn kind(&self) -> Kind {
        match self {
            Credential::HealthCode(_) => Kind::HealthCode,
            Credential::SocialSecurityCard(_) => Kind::SocialSecurityCard,
            Credential::BusinessLicence(_) => Kind::BusinessLicence,
            Credential::FoodBusinessLicence(_) => Kind::FoodBusinessLicence,
            Credential::ElectronicLicence(_) => Kind::ElectronicLicence,
        }
    }
}

/// Health-code colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HealthStatus {
    /// 0: green.
    Green,
    /// 1: yellow.
    Yellow,
    /// 2: red.
    Red,
}

impl HealthStatus {
    fn number(self) -> u64 {
        match self {
            HealthStatus::Green => 0,
            HealthStatus::Yellow => 1,
            HealthStatus::Red => 2,
        }
    }

    /// Lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            HealthStatus::Green => "green",
            HealthStatus::Yellow => "yellow",
            HealthStatus::Red => "red",
        }
    }
}

impl std::str::FromStr for HealthStatus {
    type Err = IssueError;
    fn from_str(s: &str) -> Result<Self, IssueError> {
        match s {
            "green" => Ok(HealthStatus::Green),
            "yellow" => Ok(HealthStatus::Yellow),
            "red" => Ok(HealthStatus::Red),
            _ => Err(IssueError::field("status", "expected green, yellow or red")),
        }
    }
}

/// Health code (kind 1). Its validity window is the CWT `nbf`/`iat`..`exp`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HealthCode {
    /// Sub-key 1: status colour.
    pub status: HealthStatus,
    /// Sub-key 2: masked display name such as `金*` (1 to 16 characters, at least one `*` and one other).
    pub holder_name: String,
    /// Sub-key 3: pseudonymous holder id, 8 to 32 bytes (hex in JSON). Never a citizen ID number. May
    /// be empty (and is then omitted) only when the credential is bound to a device key (`cnf`), which
    /// then serves as the pseudonymous holder identifier.
    #[serde(with = "hex_bytes", default, skip_serializing_if = "Vec::is_empty")]
    pub holder_id: Vec<u8>,
    /// Sub-key 4: GB/T 2260 region code (6 digits).
    pub region: u32,
    /// Sub-key 5: optional reason for the status (up to 64 bytes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Electronic social-security card (kind 2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SocialSecurityCard {
    /// Sub-key 1: card number, 1 to 20 characters of `0-9A-Z`.
    pub card_number: String,
    /// Sub-key 2: holder name (up to 64 bytes).
    pub holder_name: String,
    /// Sub-key 3: citizen ID number, GB 11643 with ISO 7064 MOD 11-2 check character.
    pub citizen_id: String,
    /// Sub-key 4: issuing region, GB/T 2260.
    pub region: u32,
    /// Sub-key 5: issue date.
    pub issued: Date,
    /// Sub-key 6: expiry date (after `issued`).
    pub expires: Date,
}

/// Business licence (kind 3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BusinessLicence {
    /// Sub-key 1: Unified Social Credit Code (GB 32100-2015).
    pub uscc: String,
    /// Sub-key 2: registered name.
    pub name: String,
    /// Sub-key 3: legal representative.
    pub legal_representative: String,
    /// Sub-key 4: entity type (e.g. 有限责任公司).
    pub entity_type: String,
    /// Sub-key 5: registered address.
    pub address: String,
    /// Sub-key 6: date established.
    pub established: Date,
    /// Sub-key 7: registration authority.
    pub authority: String,
}

/// Food business licence (kind 4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FoodBusinessLicence {
    /// Sub-key 1: licence number, `JY` followed by 14 digits.
    pub licence_number: String,
    /// Sub-key 2: operator name.
    pub operator: String,
    /// Sub-key 3: operator's Unified Social Credit Code.
    pub operator_uscc: String,
    /// Sub-key 4: business address.
    pub address: String,
    /// Sub-key 5: business categories (1 to 16 entries).
    pub categories: Vec<String>,
    /// Sub-key 6: first valid day.
    pub valid_from: Date,
    /// Sub-key 7: last valid day (not before `valid_from`).
    pub valid_until: Date,
}

/// Electronic licence identified per GB/T 36904 (kind 5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ElectronicLicence {
    /// Sub-key 1: licence identifier `1.2.156.3005.2.<type>.<issuer USCC>.<serial>.<version>.<check>`.
    pub identifier: String,
    /// Sub-key 2: holder name.
    pub holder_name: String,
    /// Sub-key 3: holder code (e.g. USCC or other registry code), 1 to 32 characters of `0-9A-Za-z`.
    pub holder_code: String,
    /// Sub-key 4: issuing authority code, 1 to 32 characters of `0-9A-Za-z`.
    pub authority_code: String,
    /// Sub-key 5: first valid day.
    pub valid_from: Date,
    /// Sub-key 6: last valid day, if the licence expires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<Date>,
    /// Sub-key 7: extra fields, at most 16, keys up to 32 bytes, values up to 256 bytes.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extra: BTreeMap<String, String>,
}

// ---------------------------------------------------------------------------------------------------
// Validation: one set of rules; issue maps failures to IssueError, verify to VerifyError.

/// A rule violation, before it is mapped for the issue or the verify side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Violation {
    /// Structural or range rule.
    Invalid(&'static str, &'static str),
    /// Identifier check failed.
    Ident(&'static str, IdentError),
}

impl Violation {
    pub(crate) fn into_issue(self) -> IssueError {
        match self {
            Violation::Invalid(field, reason) => IssueError::field(field, reason),
            Violation::Ident(field, e) => IssueError::field(field, e.to_string()),
        }
    }

    pub(crate) fn into_verify(self) -> VerifyError {
        match self {
            Violation::Invalid(field, reason) => VerifyError::ClaimInvalid { field, reason },
            Violation::Ident(field, reason) => VerifyError::Identifier { field, reason },
        }
    }
}

type Check = Result<(), Violation>;

fn text(field: &'static str, s: &str, max_bytes: usize) -> Check {
    if s.is_empty() {
        return Err(Violation::Invalid(field, "must not be empty"));
    }
    if s.len() > max_bytes {
        return Err(Violation::Invalid(field, "too long"));
    }
    if s.chars().any(misleading_char) {
        return Err(Violation::Invalid(
            field,
            "contains control or bidirectional formatting characters",
        ));
    }
    Ok(())
}

/// Control characters, and bidirectional formatting characters that could make a displayed name,
/// address or venue read differently from what was signed (U+200E/F, U+202A-U+202E, U+2066-U+2069).
pub(crate) fn misleading_char(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// The text rule T(`max_bytes`) of §6.3 as a verification error (`claims.invalid`), for text outside a
/// credential that must obey the rule of a claim (a trust bundle's issuer names follow `iss`).
pub(crate) fn text_rule(field: &'static str, s: &str, max_bytes: usize) -> Result<(), VerifyError> {
    text(field, s, max_bytes).map_err(Violation::into_verify)
}

fn code_chars(field: &'static str, s: &str, max: usize, lower_ok: bool) -> Check {
    if s.is_empty() || s.len() > max {
        return Err(Violation::Ident(field, IdentError::Length));
    }
    let ok = |c: char| {
        c.is_ascii_digit() || c.is_ascii_uppercase() || (lower_ok && c.is_ascii_lowercase())
    };
    if !s.chars().all(ok) {
        return Err(Violation::Ident(field, IdentError::Charset));
    }
    Ok(())
}

fn region(field: &'static str, code: u32) -> Check {
    RegionCode::new(code)
        .map(|_| ())
        .map_err(|e| Violation::Ident(field, e))
}

fn ident<T>(field: &'static str, r: Result<T, IdentError>) -> Check {
    r.map(|_| ()).map_err(|e| Violation::Ident(field, e))
}

impl HealthCode {
    /// Builds a health code, checking every field.
    pub fn new(
        status: HealthStatus,
        holder_name: impl Into<String>,
        holder_id: Vec<u8>,
        region: u32,
        reason: Option<String>,
    ) -> Result<Self, IssueError> {
        let hc = HealthCode {
            status,
            holder_name: holder_name.into(),
            holder_id,
            region,
            reason,
        };
        hc.check().map_err(Violation::into_issue)?;
        Ok(hc)
    }

    fn check(&self) -> Check {
        text("holder_name", &self.holder_name, 48)?;
        let chars = self.holder_name.chars().count();
        if chars > 16
            || !self.holder_name.contains('*')
            || self
                .holder_name
                .chars()
                .all(|c| c == '*' || c.is_whitespace())
        {
            return Err(Violation::Invalid(
                "holder_name",
                "must be a masked name: up to 16 characters with at least one '*' and one other letter",
            ));
        }
        if !self.holder_id.is_empty() && !(8..=32).contains(&self.holder_id.len()) {
            return Err(Violation::Invalid("holder_id", "must be 8 to 32 bytes"));
        }
        if ident::looks_like_citizen_id(&self.holder_id) {
            return Err(Violation::Invalid(
                "holder_id",
                "is a raw citizen ID number; use a pseudonymous id",
            ));
        }
        region("region", self.region)?;
        if let Some(r) = &self.reason {
            text("reason", r, 64)?;
        }
        Ok(())
    }
}

impl SocialSecurityCard {
    fn check(&self) -> Check {
        code_chars("card_number", &self.card_number, 20, false)?;
        text("holder_name", &self.holder_name, 64)?;
        ident("citizen_id", CitizenId::parse(&self.citizen_id))?;
        if self.citizen_id.contains('x') {
            return Err(Violation::Ident("citizen_id", IdentError::Charset));
        }
        region("region", self.region)?;
        if self.expires <= self.issued {
            return Err(Violation::Invalid("expires", "must be after issued"));
        }
        Ok(())
    }
}

impl BusinessLicence {
    fn check(&self) -> Check {
        ident("uscc", Uscc::parse(&self.uscc))?;
        text("name", &self.name, 128)?;
        text("legal_representative", &self.legal_representative, 64)?;
        text("entity_type", &self.entity_type, 64)?;
        text("address", &self.address, 192)?;
        text("authority", &self.authority, 128)
    }
}

impl FoodBusinessLicence {
    fn check(&self) -> Check {
        ident("licence_number", FoodLicenceNo::parse(&self.licence_number))?;
        text("operator", &self.operator, 128)?;
        ident("operator_uscc", Uscc::parse(&self.operator_uscc))?;
        text("address", &self.address, 192)?;
        if self.categories.is_empty() || self.categories.len() > 16 {
            return Err(Violation::Invalid(
                "categories",
                "must have 1 to 16 entries",
            ));
        }
        for c in &self.categories {
            text("categories", c, 64)?;
        }
        if self.valid_until < self.valid_from {
            return Err(Violation::Invalid(
                "valid_until",
                "must not be before valid_from",
            ));
        }
        Ok(())
    }
}

impl ElectronicLicence {
    fn check(&self) -> Check {
        ident("identifier", LicenceId::parse(&self.identifier))?;
        text("holder_name", &self.holder_name, 128)?;
        code_chars("holder_code", &self.holder_code, 32, true)?;
        code_chars("authority_code", &self.authority_code, 32, true)?;
        if let Some(until) = self.valid_until
            && until < self.valid_from
        {
            return Err(Violation::Invalid(
                "valid_until",
                "must not be before valid_from",
            ));
        }
        if self.extra.len() > 16 {
            return Err(Violation::Invalid("extra", "at most 16 entries"));
        }
        for (k, v) in &self.extra {
            text("extra", k, 32)?;
            text("extra", v, 256)?;
        }
        Ok(())
    }
}

macro_rules! kind_constructor {
    ($t:ty) => {
        impl $t {
            /// Checks every field of this credential against the format's rules.
            pub fn validate(&self) -> Result<(), IssueError> {
                self.check().map_err(Violation::into_issue)
            }
        }
    };
}
kind_constructor!(HealthCode);
kind_constructor!(SocialSecurityCard);
kind_constructor!(BusinessLicence);
kind_constructor!(FoodBusinessLicence);
kind_constructor!(ElectronicLicence);

impl Credential {
    pub(crate) fn check(&self) -> Check {
        match self {
            Credential::HealthCode(c) => c.check(),
            Credential::SocialSecurityCard(c) => c.check(),
            Credential::BusinessLicence(c) => c.check(),
            Credential::FoodBusinessLicence(c) => c.check(),
            Credential::ElectronicLicence(c) => c.check(),
        }
    }
}

impl Claims {
    /// Checks the whole claims set (times, issuer, id and the credential) as issuing does.
    pub fn validate(&self) -> Result<(), IssueError> {
        self.check().map_err(Violation::into_issue)
    }

    pub(crate) fn check(&self) -> Check {
        text("issuer", &self.issuer, MAX_ISSUER_BYTES)?;
        if self.expires_at <= self.issued_at {
            return Err(Violation::Invalid("expires_at", "must be after issued_at"));
        }
        if let Some(nbf) = self.not_before {
            if nbf >= self.expires_at {
                return Err(Violation::Invalid(
                    "not_before",
                    "must be before expires_at",
                ));
            }
            if nbf <= self.issued_at {
                return Err(Violation::Invalid(
                    "not_before",
                    "must be after issued_at (omit it when equal)",
                ));
            }
        }
        if let Some(cti) = &self.credential_id
            && (cti.is_empty() || cti.len() > MAX_CTI_BYTES)
        {
            return Err(Violation::Invalid("credential_id", "must be 1 to 16 bytes"));
        }
        if let Some(key) = &self.confirmation
            && crate::keys::VerifyingKey::from_bytes(key).is_err()
        {
            return Err(Violation::Invalid(
                "confirmation",
                "not a valid, non-small-order Ed25519 public key",
            ));
        }
        if let Credential::HealthCode(h) = &self.credential
            && h.holder_id.is_empty()
            && self.confirmation.is_none()
        {
            return Err(Violation::Invalid(
                "holder_id",
                "required unless the credential is bound to a holder device key (cnf)",
            ));
        }
        self.credential.check()
    }

    /// The effective start of validity: `nbf` if present, else `iat`.
    pub fn valid_from(&self) -> u64 {
        self.not_before.unwrap_or(self.issued_at)
    }

    // -------------------------------------------------------------------------------------------
    // Encoding

    /// Deterministic CBOR encoding of the claims set (the COSE payload). `nbf` equal to `iat` is omitted.
    pub fn to_cbor(&self) -> Vec<u8> {
        let mut pairs = vec![
            (Value::int(CLAIM_ISS), Value::Text(&self.issuer)),
            (Value::int(CLAIM_EXP), Value::Uint(self.expires_at)),
            (Value::int(CLAIM_IAT), Value::Uint(self.issued_at)),
            (Value::int(CLAIM_CREDENTIAL), self.credential.to_value()),
        ];
        if let Some(nbf) = self.not_before.filter(|&n| n != self.issued_at) {
            pairs.push((Value::int(CLAIM_NBF), Value::Uint(nbf)));
        }
        if let Some(cti) = &self.credential_id {
            pairs.push((Value::int(CLAIM_CTI), Value::Bytes(cti)));
        }
        if let Some(key) = &self.confirmation {
            pairs.push((Value::int(CLAIM_CNF), cnf_value(key)));
        }
        if let Some(st) = &self.status {
            pairs.push((
                Value::int(CLAIM_STATUS_REF),
                Value::Array(vec![Value::Uint(st.list_id), Value::Uint(st.index)]),
            ));
        }
        Value::Map(pairs).encode()
    }

    // -------------------------------------------------------------------------------------------
    // Decoding

    /// Decodes a payload: strict CBOR, known claim keys only, right types, then the format's rules.
    pub(crate) fn from_cbor(payload: &[u8]) -> Result<Claims, VerifyError> {
        let v = crate::cbor::decode(payload).map_err(VerifyError::PayloadCbor)?;
        let Value::Map(pairs) = v else {
            return Err(VerifyError::ClaimType("claims set"));
        };
        let (mut iss, mut exp, mut nbf, mut iat, mut cti, mut cred) =
            (None, None, None, None, None, None);
        let mut status = None;
        let mut confirmation = None;
        for (k, val) in &pairs {
            let key = k.as_i64().ok_or(VerifyError::ClaimType("claim key"))?;
            match key {
                CLAIM_ISS => iss = Some(as_text(val, "iss")?),
                CLAIM_EXP => exp = Some(as_uint(val, "exp")?),
                CLAIM_NBF => nbf = Some(as_uint(val, "nbf")?),
                CLAIM_IAT => iat = Some(as_uint(val, "iat")?),
                CLAIM_CTI => cti = Some(as_bytes(val, "cti")?),
                CLAIM_CREDENTIAL => cred = Some(val),
                CLAIM_CNF => confirmation = Some(cnf_from(val)?),
                CLAIM_STATUS_REF => match val {
                    Value::Array(items) => match items.as_slice() {
                        [Value::Uint(list_id), Value::Uint(index)] => {
                            status = Some(StatusRef {
                                list_id: *list_id,
                                index: *index,
                            })
                        }
                        _ => return Err(VerifyError::ClaimType("status")),
                    },
                    _ => return Err(VerifyError::ClaimType("status")),
                },
                other => return Err(VerifyError::ClaimUnknown(other)),
            }
        }
        let issued_at = iat.ok_or(VerifyError::ClaimMissing("iat"))?;
        if nbf == Some(issued_at) {
            return Err(VerifyError::ClaimInvalid {
                field: "nbf",
                reason: "must be omitted when equal to iat",
            });
        }
        let claims = Claims {
            issuer: iss.ok_or(VerifyError::ClaimMissing("iss"))?.to_owned(),
            issued_at,
            expires_at: exp.ok_or(VerifyError::ClaimMissing("exp"))?,
            not_before: nbf,
            credential_id: cti.map(<[u8]>::to_vec),
            confirmation,
            status,
            credential: Credential::from_value(
                cred.ok_or(VerifyError::ClaimMissing("credential"))?,
            )?,
        };
        claims.check().map_err(Violation::into_verify)?;
        Ok(claims)
    }
}

fn as_text<'a>(v: &Value<'a>, name: &'static str) -> Result<&'a str, VerifyError> {
    match v {
        Value::Text(t) => Ok(t),
        _ => Err(VerifyError::ClaimType(name)),
    }
}

fn as_uint(v: &Value<'_>, name: &'static str) -> Result<u64, VerifyError> {
    match v {
        Value::Uint(n) => Ok(*n),
        _ => Err(VerifyError::ClaimType(name)),
    }
}

fn as_bytes<'a>(v: &Value<'a>, name: &'static str) -> Result<&'a [u8], VerifyError> {
    match v {
        Value::Bytes(b) => Ok(b),
        _ => Err(VerifyError::ClaimType(name)),
    }
}

fn as_u32(v: &Value<'_>, name: &'static str) -> Result<u32, VerifyError> {
    u32::try_from(as_uint(v, name)?).map_err(|_| VerifyError::ClaimInvalid {
        field: name,
        reason: "out of range",
    })
}

fn as_date(v: &Value<'_>, name: &'static str) -> Result<Date, VerifyError> {
    Date::from_days(as_u32(v, name)?).map_err(|_| VerifyError::ClaimInvalid {
        field: name,
        reason: "date out of range",
    })
}

/// The sub-fields of a credential claim, indexed by sub-key (1..=MAX_SUBKEY).
struct Fields<'v, 'a> {
    slots: [Option<&'v Value<'a>>; MAX_SUBKEY + 1],
}

const MAX_SUBKEY: usize = 7;

impl<'v, 'a> Fields<'v, 'a> {
    fn req(&self, key: usize, name: &'static str) -> Result<&'v Value<'a>, VerifyError> {
        self.opt(key).ok_or(VerifyError::ClaimMissing(name))
    }

    fn opt(&self, key: usize) -> Option<&'v Value<'a>> {
        self.slots.get(key).copied().flatten()
    }

    fn text(&self, key: usize, name: &'static str) -> Result<String, VerifyError> {
        as_text(self.req(key, name)?, name).map(str::to_owned)
    }
}

fn text_map(v: &Value<'_>, name: &'static str) -> Result<BTreeMap<String, String>, VerifyError> {
    let Value::Map(pairs) = v else {
        return Err(VerifyError::ClaimType(name));
    };
    pairs
        .iter()
        .map(|(k, v)| Ok((as_text(k, name)?.to_owned(), as_text(v, name)?.to_owned())))
        .collect()
}

impl Credential {
    fn to_value(&self) -> Value<'_> {
        fn t(s: &str) -> Value<'_> {
            Value::Text(s)
        }
        fn u(n: impl Into<u64>) -> Value<'static> {
            Value::Uint(n.into())
        }
        let mut f: Vec<(u64, Value<'_>)> = Vec::with_capacity(8);
        match self {
            Credential::HealthCode(c) => {
                f.push((1, u(c.status.number())));
                f.push((2, t(&c.holder_name)));
                if !c.holder_id.is_empty() {
                    f.push((3, Value::Bytes(&c.holder_id)));
                }
                f.push((4, u(c.region)));
                if let Some(r) = &c.reason {
                    f.push((5, t(r)));
                }
            }
            Credential::SocialSecurityCard(c) => {
                f.push((1, t(&c.card_number)));
                f.push((2, t(&c.holder_name)));
                f.push((3, t(&c.citizen_id)));
                f.push((4, u(c.region)));
                f.push((5, u(c.issued.days())));
                f.push((6, u(c.expires.days())));
            }
            Credential::BusinessLicence(c) => {
                f.push((1, t(&c.uscc)));
                f.push((2, t(&c.name)));
                f.push((3, t(&c.legal_representative)));
                f.push((4, t(&c.entity_type)));
                f.push((5, t(&c.address)));
                f.push((6, u(c.established.days())));
                f.push((7, t(&c.authority)));
            }
            Credential::FoodBusinessLicence(c) => {
                f.push((1, t(&c.licence_number)));
                f.push((2, t(&c.operator)));
                f.push((3, t(&c.operator_uscc)));
                f.push((4, t(&c.address)));
                f.push((5, Value::Array(c.categories.iter().map(|s| t(s)).collect())));
                f.push((6, u(c.valid_from.days())));
                f.push((7, u(c.valid_until.days())));
            }
            Credential::ElectronicLicence(c) => {
                f.push((1, t(&c.identifier)));
                f.push((2, t(&c.holder_name)));
                f.push((3, t(&c.holder_code)));
                f.push((4, t(&c.authority_code)));
                f.push((5, u(c.valid_from.days())));
                if let Some(d) = c.valid_until {
                    f.push((6, u(d.days())));
                }
                if !c.extra.is_empty() {
                    f.push((
                        7,
                        Value::Map(c.extra.iter().map(|(k, v)| (t(k), t(v))).collect()),
                    ));
                }
            }
        }
        let mut pairs = vec![(Value::Uint(KEY_KIND), Value::Uint(self.kind().number()))];
        pairs.extend(f.into_iter().map(|(k, v)| (Value::Uint(k), v)));
        Value::Map(pairs)
    }

    fn from_value(v: &Value<'_>) -> Result<Credential, VerifyError> {
        let Value::Map(pairs) = v else {
            return Err(VerifyError::ClaimType("credential"));
        };
        let mut kind = None;
        let mut slots = [None; MAX_SUBKEY + 1];
        for (k, val) in pairs {
            let Value::Uint(key) = k else {
                return Err(VerifyError::ClaimType("credential key"));
            };
            if *key == KEY_KIND {
                kind = Some(as_uint(val, "kind")?);
                continue;
            }
            let idx = usize::try_from(*key).ok().filter(|&i| i <= MAX_SUBKEY);
            let slot = idx.and_then(|i| slots.get_mut(i));
            match slot {
                Some(s) => *s = Some(val),
                None => {
                    return Err(i64::try_from(*key)
                        .map_or(VerifyError::ClaimUnknownOther, VerifyError::ClaimUnknown));
                }
            }
        }
        let number = kind.ok_or(VerifyError::ClaimMissing("kind"))?;
        let kind = Kind::from_number(number).ok_or(VerifyError::UnknownKind(number))?;
        let f = Fields { slots };
        let allowed = match kind {
            Kind::HealthCode => 5,
            Kind::SocialSecurityCard => 6,
            Kind::BusinessLicence | Kind::FoodBusinessLicence | Kind::ElectronicLicence => 7,
        };
        if let Some(extra) = (allowed + 1..=MAX_SUBKEY).find(|&i| f.opt(i).is_some()) {
            return Err(VerifyError::ClaimUnknown(extra as i64));
        }
        Ok(match kind {
            Kind::HealthCode => {
                let status = match as_uint(f.req(1, "status")?, "status")? {
                    0 => HealthStatus::Green,
                    1 => HealthStatus::Yellow,
                    2 => HealthStatus::Red,
                    _ => {
                        return Err(VerifyError::ClaimInvalid {
                            field: "status",
                            reason: "unknown status",
                        });
                    }
                };
                Credential::HealthCode(HealthCode {
                    status,
                    holder_name: f.text(2, "holder_name")?,
                    holder_id: match f.opt(3) {
                        None => Vec::new(),
                        Some(v) => {
                            let id = as_bytes(v, "holder_id")?;
                            if id.is_empty() {
                                return Err(VerifyError::ClaimInvalid {
                                    field: "holder_id",
                                    reason: "must be 8 to 32 bytes",
                                });
                            }
                            id.to_vec()
                        }
                    },
                    region: as_u32(f.req(4, "region")?, "region")?,
                    reason: f
                        .opt(5)
                        .map(|v| as_text(v, "reason").map(str::to_owned))
                        .transpose()?,
                })
            }
            Kind::SocialSecurityCard => Credential::SocialSecurityCard(SocialSecurityCard {
                card_number: f.text(1, "card_number")?,
                holder_name: f.text(2, "holder_name")?,
                citizen_id: f.text(3, "citizen_id")?,
                region: as_u32(f.req(4, "region")?, "region")?,
                issued: as_date(f.req(5, "issued")?, "issued")?,
                expires: as_date(f.req(6, "expires")?, "expires")?,
            }),
            Kind::BusinessLicence => Credential::BusinessLicence(BusinessLicence {
                uscc: f.text(1, "uscc")?,
                name: f.text(2, "name")?,
                legal_representative: f.text(3, "legal_representative")?,
                entity_type: f.text(4, "entity_type")?,
                address: f.text(5, "address")?,
                established: as_date(f.req(6, "established")?, "established")?,
                authority: f.text(7, "authority")?,
            }),
            Kind::FoodBusinessLicence => {
                let Value::Array(items) = f.req(5, "categories")? else {
                    return Err(VerifyError::ClaimType("categories"));
                };
                Credential::FoodBusinessLicence(FoodBusinessLicence {
                    licence_number: f.text(1, "licence_number")?,
                    operator: f.text(2, "operator")?,
                    operator_uscc: f.text(3, "operator_uscc")?,
                    address: f.text(4, "address")?,
                    categories: items
                        .iter()
                        .map(|i| as_text(i, "categories").map(str::to_owned))
                        .collect::<Result<_, _>>()?,
                    valid_from: as_date(f.req(6, "valid_from")?, "valid_from")?,
                    valid_until: as_date(f.req(7, "valid_until")?, "valid_until")?,
                })
            }
            Kind::ElectronicLicence => Credential::ElectronicLicence(ElectronicLicence {
                identifier: f.text(1, "identifier")?,
                holder_name: f.text(2, "holder_name")?,
                holder_code: f.text(3, "holder_code")?,
                authority_code: f.text(4, "authority_code")?,
                valid_from: as_date(f.req(5, "valid_from")?, "valid_from")?,
                valid_until: f.opt(6).map(|v| as_date(v, "valid_until")).transpose()?,
                extra: match f.opt(7) {
                    None => BTreeMap::new(),
                    Some(v) => {
                        let m = text_map(v, "extra")?;
                        if m.is_empty() {
                            // The encoder omits an empty map; accepting one would make two encodings.
                            return Err(VerifyError::ClaimInvalid {
                                field: "extra",
                                reason: "must be omitted when empty",
                            });
                        }
                        m
                    }
                },
            }),
        })
    }
}

/// COSE_Key (RFC 9052 §7) labels and values for an Ed25519 public key.
const COSE_KEY_KTY: i64 = 1;
const COSE_KEY_CRV: i64 = -1;
const COSE_KEY_X: i64 = -2;
const KTY_OKP: i64 = 1;
const CRV_ED25519: i64 = 6;

/// `cnf` value: `{1: COSE_Key}` with COSE_Key `{1: 1 (OKP), -1: 6 (Ed25519), -2: x}`.
fn cnf_value(key: &[u8; 32]) -> Value<'_> {
    Value::Map(vec![(
        Value::Uint(1),
        Value::Map(vec![
            (Value::int(COSE_KEY_KTY), Value::int(KTY_OKP)),
            (Value::int(COSE_KEY_CRV), Value::int(CRV_ED25519)),
            (Value::int(COSE_KEY_X), Value::Bytes(key)),
        ]),
    )])
}

/// Parses `cnf`, accepting exactly an Ed25519 COSE_Key (no other members, no other confirmation methods).
fn cnf_from(v: &Value<'_>) -> Result<[u8; 32], VerifyError> {
    let invalid = VerifyError::ClaimInvalid {
        field: "cnf",
        reason: "must be {1: COSE_Key} with an Ed25519 OKP key",
    };
    let Value::Map(outer) = v else {
        return Err(VerifyError::ClaimType("cnf"));
    };
    let [(Value::Uint(1), Value::Map(key))] = outer.as_slice() else {
        return Err(invalid);
    };
    let [(k1, v1), (k2, v2), (k3, Value::Bytes(x))] = key.as_slice() else {
        return Err(invalid);
    };
    if k1.as_i64() != Some(COSE_KEY_KTY)
        || v1.as_i64() != Some(KTY_OKP)
        || k2.as_i64() != Some(COSE_KEY_CRV)
        || v2.as_i64() != Some(CRV_ED25519)
        || k3.as_i64() != Some(COSE_KEY_X)
    {
        return Err(invalid);
    }
    (*x).try_into().map_err(|_| invalid)
}

mod hex_key_opt {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(b: &Option<[u8; 32]>, s: S) -> Result<S::Ok, S::Error> {
        match b {
            Some(b) => super::hex_bytes::serialize(b, s),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<[u8; 32]>, D::Error> {
        let s = <Option<std::borrow::Cow<'de, str>>>::deserialize(d)?;
        s.map(|s| {
            super::from_hex(&s)
                .and_then(|v| <[u8; 32]>::try_from(v).ok())
                .ok_or_else(|| {
                    serde::de::Error::custom("expected 64 hex digits (an Ed25519 public key)")
                })
        })
        .transpose()
    }
}

mod hex_bytes {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(b: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::to_hex(b))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        super::from_hex(&s)
            .ok_or_else(|| serde::de::Error::custom("expected an even number of hex digits"))
    }
}

mod hex_opt {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(b: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
        match b {
            Some(b) => super::hex_bytes::serialize(b, s),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
        let s = <Option<std::borrow::Cow<'de, str>>>::deserialize(d)?;
        s.map(|s| super::from_hex(&s).ok_or_else(|| serde::de::Error::custom("expected hex")))
            .transpose()
    }
}

/// Lower-case hex of bytes.
pub fn to_hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Parses hex (either case, even length).
pub fn from_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    s.as_bytes()
        .chunks_exact(2)
        .map(|p| {
            let hi = char::from(*p.first()?).to_digit(16)?;
            let lo = char::from(*p.get(1)?).to_digit(16)?;
            u8::try_from(hi * 16 + lo).ok()
        })
        .collect()
}
