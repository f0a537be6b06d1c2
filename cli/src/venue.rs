//! The venue side shared by `yima scan` and `yima verify --bundle`: load the pinned trust bundle with
//! rollback protection, build the policy from a file and flags, and check codes.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use yima_core::Kind;
use yima_core::claims::HealthStatus;
use yima_core::policy::{Policy, StatusOutcome, check_with_replay};
use yima_core::presentation::ReplayCache;
use yima_core::trust::{BundleCheck, TrustBundle};

use crate::cli::VenueArgs;
use crate::error::{CliError, usage};
use crate::fsutil::{Lock, read_bounded, write_atomic};
use crate::input::Found;
use crate::verify::{Failure, Outcome};
use crate::{clock, keys};

/// What the scanner remembers between runs.
#[derive(Debug, Default, Serialize, Deserialize)]
struct ScannerState {
    /// Highest trust-bundle sequence number accepted.
    bundle_seq: Option<u64>,
}

fn default_state_path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))?;
    Some(base.join("yima").join("trust-state.json"))
}

/// Builds the policy: the file (TOML or JSON by extension) if given, then the flags on top.
pub fn policy(args: &VenueArgs) -> Result<Policy, CliError> {
    let mut p = match &args.policy {
        None => Policy::default(),
        Some(path) => {
            let bytes = read_bounded(path, 1 << 20)?;
            let text = String::from_utf8(bytes)
                .map_err(|_| usage(format!("{}: not UTF-8", path.display())))?;
            let is_json = path.extension().and_then(|e| e.to_str()) == Some("json");
            if is_json {
                serde_json::from_str(&text)
                    .map_err(|e| usage(format!("{}: {e}", path.display())))?
            } else {
                toml::from_str(&text).map_err(|e| usage(format!("{}: {e}", path.display())))?
            }
        }
    };
    if !args.accept_kind.is_empty() {
        p.accepted_kinds = args
            .accept_kind
            .iter()
            .map(|k| Kind::from_name(k).ok_or_else(|| usage(format!("{k}: unknown kind"))))
            .collect::<Result<_, _>>()?;
    }
    if args.allow_yellow && !p.health_statuses.contains(&HealthStatus::Yellow) {
        p.health_statuses.push(HealthStatus::Yellow);
    }
    if args.accept_unknown_status {
        p.accept_unknown_status = true;
    }
    if let Some(a) = &args.max_age {
        p.max_credential_age = Some(clock::parse_duration(a)?);
    }
    if let Some(s) = &args.clock_skew {
        p.clock_skew = clock::parse_duration(s)?;
    }
    for k in &args.require_binding {
        let kind = Kind::from_name(k).ok_or_else(|| usage(format!("{k}: unknown kind")))?;
        if !p.require_holder_binding.contains(&kind) {
            p.require_holder_binding.push(kind);
        }
    }
    if let Some(v) = &args.venue_id {
        p.venue_id = Some(v.clone());
    }
    if let Some(f) = &args.freshness {
        p.presentation_freshness = clock::parse_duration(f)?;
    }
    // A `--venue-id` flag is checked here; one from the file was already checked when it was read.
    p.validate().map_err(|e| usage(e.to_string()))?;
    Ok(p)
}

/// A bundle that could not be used: reported with its stable code, exit status 2.
fn bundle_error(path: &Path, e: &yima_core::trust::BundleError) -> CliError {
    CliError::Bundle {
        code: e.code(),
        message: format!("{}: {e}", path.display()),
    }
}

/// Loads and checks the trust bundle, then records its sequence number in the scanner state.
pub fn load_bundle(
    args: &VenueArgs,
    policy: &Policy,
    now: u64,
) -> Result<Option<TrustBundle>, CliError> {
    let Some(path) = &args.bundle else {
        return Ok(None);
    };
    let pinned_path = args.bundle_key.as_ref().ok_or_else(|| {
        usage("--bundle needs --bundle-key (the pinned bundle-signing public key)")
    })?;
    let pinned = keys::load_verifying(pinned_path)?;
    let state_path = if args.no_state {
        None
    } else {
        args.state.clone().or_else(default_state_path)
    };
    if state_path.is_none() && !args.no_state {
        eprintln!(
            "warning: no scanner state file (set --state, XDG_STATE_HOME or HOME): bundle rollback \
             is not checked across runs"
        );
    }
    // Held from reading the state to writing it back, so two scanners sharing one state file cannot
    // lower the recorded sequence number between them.
    let _lock = match &state_path {
        Some(p) => {
            if let Some(dir) = p.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| CliError::io(dir, e))?;
            }
            match Lock::acquire(p) {
                Ok(lock) => Some(lock),
                // A read-only state directory: scanning works as long as the recorded seq stays; a
                // write of a higher one fails below with its own error.
                Err(CliError::Io { path, source })
                    if matches!(
                        source.kind(),
                        std::io::ErrorKind::PermissionDenied
                            | std::io::ErrorKind::ReadOnlyFilesystem
                    ) =>
                {
                    eprintln!(
                        "warning: {}: {source}; the scanner state is read without a lock",
                        path.display()
                    );
                    None
                }
                Err(e) => return Err(e),
            }
        }
        None => None,
    };
    let state: ScannerState = match &state_path {
        Some(p) if p.exists() => serde_json::from_slice(&read_bounded(p, 1 << 16)?)
            .map_err(|e| usage(format!("{}: {e}", p.display())))?,
        _ => ScannerState::default(),
    };
    let bytes = read_bounded(path, yima_core::trust::MAX_BUNDLE_BYTES as u64)?;
    let check = BundleCheck {
        now,
        skew: policy.clock_skew,
        accepted_seq: state.bundle_seq,
        max_age: policy.max_bundle_age,
    };
    let bundle =
        TrustBundle::verify(&bytes, &pinned, &check).map_err(|e| bundle_error(path, &e))?;
    if let Some(p) = &state_path
        && state.bundle_seq.is_none_or(|s| bundle.seq() > s)
    {
        let new = ScannerState {
            bundle_seq: Some(bundle.seq()),
        };
        let text = serde_json::to_string(&new).map_err(|e| usage(e.to_string()))?;
        write_atomic(p, text.as_bytes())?;
    }
    Ok(Some(bundle))
}

/// Checks one found input against the bundle and policy, flagging replays in `replay` if given.
pub fn check_found(
    found: &Found,
    bundle: &TrustBundle,
    policy: &Policy,
    now: u64,
    replay: Option<&mut ReplayCache>,
) -> Outcome {
    let result = match &found.text {
        Err(u) => Err(Failure {
            code: u.code.to_owned(),
            stage: "input".to_owned(),
            message: u.message.clone(),
        }),
        Ok(text) => check_with_replay(text, bundle, policy, now, replay)
            .map(|a| {
                let status = match a.status {
                    StatusOutcome::NotReferenced => "not-referenced",
                    StatusOutcome::Valid => "valid",
                    StatusOutcome::UnknownAccepted => "unknown-accepted",
                };
                (a.verified, Some((a.issuer, status)))
            })
            .map_err(|r| Failure {
                code: r.code.to_owned(),
                stage: r.stage.as_str().to_owned(),
                message: r.message,
            }),
    };
    Outcome {
        source: found.source.clone(),
        result,
    }
}
