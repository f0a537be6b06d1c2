//! The CWT claims set of an EU DCC (hcert spec §3.3): `iss` (1, optional), `exp` (4), `iat` (6) and the
//! hcert claim (-260) whose key 1 holds the EU DCC itself, returned as JSON.

use serde_json::Value as Json;

use crate::cbor::{self, Value};
use crate::error::DccError;
use crate::trust::CertTypes;

/// Claim key `iss`.
pub const CLAIM_ISS: i128 = 1;
/// Claim key `exp`.
pub const CLAIM_EXP: i128 = 4;
/// Claim key `iat`.
pub const CLAIM_IAT: i128 = 6;
/// Claim key `hcert`.
pub const CLAIM_HCERT: i128 = -260;
/// Key of the EU DCC inside the hcert claim.
pub const HCERT_EU_DCC: i128 = 1;

/// The claims of an EU DCC.
#[derive(Debug, Clone, PartialEq)]
pub struct Claims {
    /// `iss`: the issuing country (ISO 3166-1 alpha-2), when present.
    pub issuer: Option<String>,
    /// `iat`, seconds since the epoch (a fractional value is rounded down).
    pub issued_at: i64,
    /// `exp`, seconds since the epoch (a fractional value is rounded down).
    pub expires_at: i64,
    /// The EU DCC (hcert claim, key 1) as JSON: `ver`, `nam`, `dob` and one of `v`, `t`, `r`.
    pub hcert: Json,
    /// Which certificate types the DCC holds (its `t`, `v` and `r` members).
    pub types: CertTypes,
}

fn claims_err(what: &str) -> DccError {
    DccError::Claims(what.to_owned())
}

/// A NumericDate (RFC 8392 §2): an integer, or a float (some issuers send `iat`/`exp` with milliseconds).
fn numeric_date(v: Option<&Value<'_>>, name: &'static str) -> Result<i64, DccError> {
    match v {
        None => Err(DccError::Claims(format!("{name} is missing"))),
        Some(Value::Int(n)) => {
            i64::try_from(*n).map_err(|_| DccError::Claims(format!("{name} is out of range")))
        }
        Some(Value::Float(f)) if f.is_finite() && f.abs() < 1e15 => {
            // safe: |f| < 1e15 < 2^63, so the floored value fits in i64 exactly.
            Ok(f.floor() as i64)
        }
        Some(_) => Err(DccError::Claims(format!(
            "{name} is not a number within range"
        ))),
    }
}

/// Decodes the payload bytes (after the signature was checked, or for display marked unverified).
pub fn parse(payload: &[u8]) -> Result<Claims, DccError> {
    let map = cbor::decode(payload).map_err(DccError::Cbor)?;
    if !matches!(map, Value::Map(_)) {
        return Err(claims_err("the payload is not a map"));
    }
    let issuer = match map.get_int(CLAIM_ISS) {
        None => None,
        Some(Value::Text(s)) => Some(s.to_string()),
        Some(_) => return Err(claims_err("iss is not text")),
    };
    let issued_at = numeric_date(map.get_int(CLAIM_IAT), "iat")?;
    let expires_at = numeric_date(map.get_int(CLAIM_EXP), "exp")?;
    let hcert = match map.get_int(CLAIM_HCERT) {
        None => return Err(claims_err("the hcert claim (-260) is missing")),
        Some(h @ Value::Map(_)) => h,
        Some(_) => return Err(claims_err("the hcert claim (-260) is not a map")),
    };
    let dcc = match hcert.get_int(HCERT_EU_DCC) {
        None => return Err(claims_err("the hcert claim has no EU DCC (key 1)")),
        Some(d @ Value::Map(_)) => d,
        Some(_) => return Err(claims_err("the EU DCC (hcert key 1) is not a map")),
    };
    let hcert = cbor::to_json(dcc).map_err(DccError::Cbor)?;
    let types = CertTypes {
        test: hcert.get("t").is_some(),
        vaccination: hcert.get("v").is_some(),
        recovery: hcert.get("r").is_some(),
    };
    // The one structural rule of the DCC schema that verification depends on: key usage and what a
    // verifier shows are decided by the type, so a certificate must hold exactly one of `v`, `t`, `r`,
    // as a non-empty array (full JSON-schema validation is not part of this profile).
    let present = [types.vaccination, types.test, types.recovery]
        .iter()
        .filter(|p| **p)
        .count();
    if present != 1 {
        return Err(DccError::Claims(format!(
            "the EU DCC holds {types} instead of exactly one of v, t, r"
        )));
    }
    let entries_ok = ["v", "t", "r"]
        .iter()
        .filter_map(|k| hcert.get(*k))
        .all(|e| e.as_array().is_some_and(|a| !a.is_empty()));
    if !entries_ok {
        return Err(claims_err(
            "the certificate entry (v, t or r) is not a non-empty array",
        ));
    }
    Ok(Claims {
        issuer,
        issued_at,
        expires_at,
        hcert,
        types,
    })
}
