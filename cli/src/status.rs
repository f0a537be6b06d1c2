//! `yima status`: an issuer's status list state file, index assignment at issue time, and publishing
//! the signed list for the trust bundle.

use std::path::Path;

use serde::{Deserialize, Serialize};
use yima_core::claims::StatusRef;
use yima_core::status::{CredentialStatus, StatusList, StatusListToken};

use crate::cli::StatusCommand;
use crate::error::{CliError, usage};
use crate::fsutil::{Lock, note_written, read_bounded, write_atomic, write_binary_output};
use crate::{clock, keys};

/// The state file of one status list (JSON).
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListState {
    issuer: String,
    list_id: u64,
    size: u64,
    /// Next index `yima issue --status-list` assigns.
    next_index: u64,
    /// The 2-bit array, zlib-compressed, hex.
    lst: String,
}

/// Largest state file read (a fully random 128M-entry list is 32 MiB, 64 MiB as hex).
const MAX_STATE: u64 = 80 << 20;

impl ListState {
    fn load(path: &Path) -> Result<(Self, StatusList), CliError> {
        let bytes = read_bounded(path, MAX_STATE)?;
        let state: ListState = serde_json::from_slice(&bytes)
            .map_err(|e| usage(format!("{}: {e}", path.display())))?;
        let lst = hex::decode(&state.lst)
            .map_err(|_| usage(format!("{}: lst is not hex", path.display())))?;
        let list = StatusList::from_compressed(&lst)
            .map_err(|e| usage(format!("{}: {e}", path.display())))?;
        if list.len() < state.size {
            return Err(usage(format!(
                "{}: list shorter than its size",
                path.display()
            )));
        }
        Ok((state, list))
    }

    fn save(&mut self, path: &Path, list: &StatusList) -> Result<(), CliError> {
        self.lst = hex::encode(list.compress());
        let text = serde_json::to_string_pretty(self).map_err(|e| usage(e.to_string()))?;
        write_atomic(path, text.as_bytes())
    }
}

/// Assigns the next free index of the list in `path` (under a lock, so concurrent issuers never share
/// an index) and returns the status reference for the credential.
pub fn assign_index(path: &Path) -> Result<StatusRef, CliError> {
    let _lock = Lock::acquire(path)?;
    let (mut state, list) = ListState::load(path)?;
    if state.next_index >= state.size {
        return Err(usage(format!(
            "{}: all {} indexes are assigned; create a new list with `yima status new`",
            path.display(),
            state.size
        )));
    }
    let r = StatusRef {
        list_id: state.list_id,
        index: state.next_index,
    };
    state.next_index += 1;
    state.save(path, &list)?;
    Ok(r)
}

/// Runs `yima status`.
pub fn run(cmd: &StatusCommand) -> Result<(), CliError> {
    match cmd {
        StatusCommand::New {
            out,
            issuer,
            list_id,
            size,
        } => {
            let list = StatusList::new(*size).ok_or_else(|| {
                usage(format!(
                    "--size must be 1 to {}",
                    yima_core::status::MAX_ENTRIES
                ))
            })?;
            if out.exists() {
                return Err(usage(format!("{} exists", out.display())));
            }
            let mut state = ListState {
                issuer: issuer.clone(),
                list_id: *list_id,
                size: *size,
                next_index: 0,
                lst: String::new(),
            };
            state.save(out, &list)?;
            outln!(
                "created status list {} of {issuer} with {size} entries in {}",
                list_id,
                out.display()
            );
            Ok(())
        }
        StatusCommand::Set {
            list: path,
            index,
            status,
        } => {
            let status: CredentialStatus = status.parse().map_err(usage)?;
            let _lock = Lock::acquire(path)?;
            let (mut state, mut list) = ListState::load(path)?;
            if *index >= state.size || !list.set(*index, status) {
                return Err(usage(format!(
                    "index {index} is outside the list (size {})",
                    state.size
                )));
            }
            state.save(path, &list)?;
            outln!(
                "entry {index} of list {} is now {}",
                state.list_id,
                status.name()
            );
            Ok(())
        }
        StatusCommand::Publish {
            list: path,
            key,
            out,
            valid_for,
            ttl,
            now,
        } => {
            let key = keys::load_signer(key)?;
            let (state, list) = ListState::load(path)?;
            let now = clock::now_or(now.as_deref())?;
            let token = StatusListToken {
                issuer: state.issuer.clone(),
                list_id: state.list_id,
                issued_at: now,
                expires_at: Some(now.saturating_add(clock::parse_duration(valid_for)?)),
                ttl: Some(clock::parse_duration(ttl)?),
                list,
            };
            let bytes = token.sign_with(&*key)?;
            write_binary_output(out, &bytes)?;
            let note = format!(
                "published list {} of {} ({} entries, {} bytes signed) to {}",
                state.list_id,
                state.issuer,
                state.size,
                bytes.len(),
                out.display()
            );
            note_written(out, &note);
            Ok(())
        }
    }
}

/// Largest signed status list file read.
pub const MAX_TOKEN_FILE: u64 = yima_core::status::MAX_TOKEN_BYTES as u64;
