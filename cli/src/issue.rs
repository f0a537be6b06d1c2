//! `yima issue <kind>`: build claims from flags or a JSON file, sign, and write the credential.

use std::io::Read;
use std::path::Path;

use rand_core::RngCore;
use serde::de::DeserializeOwned;
use yima_core::claims::{
    BusinessLicence, Claims, Credential, ElectronicLicence, FoodBusinessLicence, HealthCode,
    HealthStatus, SocialSecurityCard,
};
use yima_core::ident::CitizenId;
use yima_core::{IssueError, issue_with, samples};

use crate::cli::{ClaimsFileArgs, CommonIssueArgs, HealthCodeArgs, IssueKind, Status};
use crate::error::{CliError, usage};
use crate::{clock, keys, output, status};

/// Largest claims file read.
const MAX_CLAIMS_FILE: u64 = 64 * 1024;

/// Runs `yima issue`.
pub fn run(kind: &IssueKind) -> Result<(), CliError> {
    let (common, credential) = match kind {
        IssueKind::HealthCode(a) => (&a.common, health_code(a)?),
        IssueKind::SocialSecurityCard(a) => (
            &a.common,
            Credential::SocialSecurityCard(from_file::<SocialSecurityCard>(a)?),
        ),
        IssueKind::BusinessLicence(a) => (
            &a.common,
            Credential::BusinessLicence(from_file::<BusinessLicence>(a)?),
        ),
        IssueKind::FoodBusinessLicence(a) => (
            &a.common,
            Credential::FoodBusinessLicence(from_file::<FoodBusinessLicence>(a)?),
        ),
        IssueKind::ElectronicLicence(a) => (
            &a.common,
            Credential::ElectronicLicence(from_file::<ElectronicLicence>(a)?),
        ),
    };
    let key = keys::load_signer(&common.key)?;
    let claims = build_claims(common, credential)?;
    let issued = issue_with(&claims, &*key)?;
    let ec = common.ec.into();
    if common.qr {
        output::print_terminal_qr(&issued.text, ec)?;
    }
    match &common.out {
        Some(out) => output::write_credential(&issued.text, out, common.format, ec, common.scale)?,
        None => output::write_credential(
            &issued.text,
            Path::new("-"),
            common.format,
            ec,
            common.scale,
        )?,
    }
    Ok(())
}

fn build_claims(common: &CommonIssueArgs, credential: Credential) -> Result<Claims, CliError> {
    let now = clock::now_or(common.now.as_deref())?;
    let kind = credential.kind();
    let validity = match &common.valid_for {
        Some(d) => clock::parse_duration(d)?,
        None => samples::validity(kind),
    };
    if validity == 0 {
        return Err(usage("--valid-for must be longer than zero"));
    }
    let not_before = common
        .not_before
        .as_deref()
        .map(clock::parse_rfc3339)
        .transpose()?
        .filter(|&nbf| nbf != now);
    let status = common
        .status_list
        .as_deref()
        .map(status::assign_index)
        .transpose()?;
    let confirmation = common
        .holder_key
        .as_deref()
        .map(|p| keys::load_verifying(p).map(|k| k.to_bytes()))
        .transpose()?;
    // With a status reference the (list, index) pair identifies the credential, and with a holder key
    // the device key does; dropping cti then keeps health codes (and their presentations) small.
    let credential_id = if common.no_id || status.is_some() || confirmation.is_some() {
        None
    } else {
        let mut id = [0u8; 8];
        rand_core::OsRng.fill_bytes(&mut id);
        Some(id.to_vec())
    };
    Ok(Claims {
        issuer: common.issuer.clone(),
        issued_at: now,
        expires_at: not_before.unwrap_or(now).saturating_add(validity),
        not_before,
        credential_id,
        confirmation,
        status,
        credential,
    })
}

fn health_code(a: &HealthCodeArgs) -> Result<Credential, CliError> {
    if let Some(path) = &a.claims {
        return Ok(Credential::HealthCode(read_json::<HealthCode>(path)?));
    }
    let (Some(name), Some(region), Some(status)) = (&a.holder_name, &a.region, a.status) else {
        return Err(usage(
            "health-code needs --holder-name, --region, --status and --holder-id (or --holder-key), \
             or --claims",
        ));
    };
    let id = match (&a.holder_id, &a.common.holder_key) {
        (Some(id), _) => id.as_str(),
        // Device-bound: the library requires `cnf` when holder_id is left out, and build_claims sets it.
        (None, Some(_)) => "",
        (None, None) => return Err(usage("health-code needs --holder-id (or --holder-key)")),
    };
    let region: u32 = region
        .parse()
        .map_err(|_| usage("--region must be a 6-digit GB/T 2260 code such as 310104"))?;
    let status = match status {
        Status::Green => HealthStatus::Green,
        Status::Yellow => HealthStatus::Yellow,
        Status::Red => HealthStatus::Red,
    };
    let reason = a.reason.clone();
    if CitizenId::parse(id).is_ok() {
        return Err(citizen_id_as_holder_id(status, name, id, region, reason));
    }
    let holder_id =
        hex::decode(id).map_err(|_| usage("--holder-id must be hex (16 to 64 hex digits)"))?;
    Ok(Credential::HealthCode(HealthCode::new(
        status,
        name.as_str(),
        holder_id,
        region,
        reason,
    )?))
}

/// The error for a `--holder-id` that is a citizen ID number as typed.
///
/// The library's rule refuses a `holder_id` whose bytes are such a number, but it never sees this one
/// as typed: an ID ending in `X` is not hex, and an all-digit ID is valid hex that decodes to 9 bytes the
/// library would accept. So the command line takes the text as the holder id, lets the library's rules
/// run in their own field order (a bad `holder_name` is still reported first) and, when the library
/// refuses `holder_id` as expected, keeps the library's code (`issue.invalid-field`, field `holder_id`)
/// with a message that names the option and says what to give instead.
fn citizen_id_as_holder_id(
    status: HealthStatus,
    name: &str,
    id: &str,
    region: u32,
    reason: Option<String>,
) -> CliError {
    let ours = || {
        CliError::Issue(IssueError::InvalidField {
            field: "holder_id",
            reason: "--holder-id looks like a citizen ID number; a health code carries only a \
                     pseudonymous id (e.g. a keyed hash of the ID, as hex)"
                .into(),
        })
    };
    match HealthCode::new(status, name, id.as_bytes().to_vec(), region, reason) {
        Err(IssueError::InvalidField {
            field: "holder_id", ..
        })
        | Ok(_) => ours(),
        Err(other) => CliError::Issue(other),
    }
}

fn from_file<T: DeserializeOwned>(a: &ClaimsFileArgs) -> Result<T, CliError> {
    read_json(&a.claims)
}

fn read_json<T: DeserializeOwned>(path: &Path) -> Result<T, CliError> {
    let mut buf = Vec::new();
    let res = if path == Path::new("-") {
        std::io::stdin()
            .take(MAX_CLAIMS_FILE + 1)
            .read_to_end(&mut buf)
    } else {
        std::fs::File::open(path).and_then(|f| f.take(MAX_CLAIMS_FILE + 1).read_to_end(&mut buf))
    };
    res.map_err(|e| CliError::io(path, e))?;
    if buf.len() as u64 > MAX_CLAIMS_FILE {
        return Err(usage(format!(
            "{}: claims file larger than 64 KiB",
            path.display()
        )));
    }
    serde_json::from_slice(&buf).map_err(|e| usage(format!("{}: {e}", path.display())))
}
