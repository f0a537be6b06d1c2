//! `yima trust`: the authority builds a bundle draft, signs it as a trust bundle, and shows bundles.

use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::json;
use yima_core::status::StatusListToken;
use yima_core::trust::{BundleCheck, BundleContents, Issuer, TrustBundle};
use yima_core::{Kind, VerifyingKey};

use crate::cli::TrustCommand;
use crate::error::{CliError, usage};
use crate::fsutil::{Lock, note_written, read_bounded, write_atomic, write_binary_output};
use crate::{clock, keys, status};

/// An unsigned bundle draft (JSON), edited by `trust add-issuer` / `add-status`, signed by `trust sign`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Draft {
    /// Sequence number the next `trust sign` uses.
    next_seq: u64,
    /// Validity of each signed bundle, seconds.
    valid_for: u64,
    issuers: Vec<DraftIssuer>,
    /// Signed status list tokens, hex.
    status_lists: Vec<String>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct DraftIssuer {
    name: String,
    public_key_pem: String,
    kinds: Vec<Kind>,
    valid_from: u64,
    valid_until: u64,
}

const MAX_DRAFT: u64 = 200 << 20;

fn load(path: &Path) -> Result<Draft, CliError> {
    let bytes = read_bounded(path, MAX_DRAFT)?;
    serde_json::from_slice(&bytes).map_err(|e| usage(format!("{}: {e}", path.display())))
}

fn save(path: &Path, d: &Draft) -> Result<(), CliError> {
    let text = serde_json::to_string_pretty(d).map_err(|e| usage(e.to_string()))?;
    write_atomic(path, text.as_bytes())
}

fn issuers(d: &Draft) -> Result<Vec<Issuer>, CliError> {
    d.issuers
        .iter()
        .map(|i| {
            Ok(Issuer {
                name: i.name.clone(),
                key: VerifyingKey::from_public_key_pem(&i.public_key_pem)
                    .map_err(|e| usage(format!("issuer {}: {e}", i.name)))?,
                kinds: i.kinds.clone(),
                valid_from: i.valid_from,
                valid_until: i.valid_until,
            })
        })
        .collect()
}

fn parse_kinds(kinds: &[String]) -> Result<Vec<Kind>, CliError> {
    kinds
        .iter()
        .map(|k| {
            Kind::from_name(k.trim()).ok_or_else(|| {
                let all: Vec<_> = Kind::ALL.iter().map(|k| k.name()).collect();
                usage(format!(
                    "{k}: unknown kind; expected one of {}",
                    all.join(", ")
                ))
            })
        })
        .collect()
}

/// The draft's status list tokens, decoded from hex, in order.
fn lists(d: &Draft) -> Result<Vec<Vec<u8>>, CliError> {
    d.status_lists
        .iter()
        .map(|h| hex::decode(h).map_err(|_| usage("draft: status list is not hex")))
        .collect()
}

/// The bundle the draft gives when signed at `now`.
fn contents(d: &Draft, now: u64) -> Result<BundleContents, CliError> {
    Ok(BundleContents {
        seq: d.next_seq,
        issued_at: now,
        expires_at: now.saturating_add(d.valid_for.max(1)),
        issuers: issuers(d)?,
        status_lists: lists(d)?,
    })
}

/// Checks signed bundle bytes the way a scanner will at `now` (everything but rollback, which needs a
/// scanner's state); a refusal is a `bundle.*` error whose message starts with `what`.
fn check_as_scanner(
    bytes: &[u8],
    signer: &VerifyingKey,
    now: u64,
    what: &str,
) -> Result<(), CliError> {
    let check = BundleCheck {
        now,
        skew: 0,
        accepted_seq: None,
        max_age: None,
    };
    TrustBundle::verify(bytes, signer, &check)
        .map(|_| ())
        .map_err(|e| CliError::Bundle {
            code: e.code(),
            message: format!("{what}: {e}"),
        })
}

/// Checks the draft the way a scanner will (issuer names, kinds, key windows, count, and every status
/// list against the entry whose key signed it), by signing it with a throwaway key and verifying the
/// result at `now`, so a bad entry is refused when it is added rather than when every gate refuses the
/// bundle.
fn dry_run(d: &Draft, now: u64) -> Result<(), CliError> {
    let throwaway = yima_core::SigningKey::generate(&mut rand_core::OsRng);
    check_as_scanner(
        &contents(d, now)?.sign(&throwaway),
        &throwaway.verifying_key(),
        now,
        "the draft would give a bundle scanners refuse, draft unchanged",
    )
}

/// Runs `yima trust`.
pub fn run(cmd: &TrustCommand) -> Result<(), CliError> {
    match cmd {
        TrustCommand::Init {
            out,
            valid_for,
            seq,
        } => {
            if out.exists() {
                return Err(usage(format!("{} exists", out.display())));
            }
            let d = Draft {
                next_seq: *seq,
                valid_for: clock::parse_duration(valid_for)?,
                issuers: Vec::new(),
                status_lists: Vec::new(),
            };
            save(out, &d)?;
            outln!("created bundle draft {}", out.display());
            Ok(())
        }
        TrustCommand::AddIssuer {
            draft,
            name,
            key,
            kinds,
            valid_from,
            valid_for,
        } => {
            let _lock = Lock::acquire(draft)?;
            let mut d = load(draft)?;
            let public = keys::load_verifying(key)?;
            let pem = public
                .to_public_key_pem()
                .map_err(|e| usage(e.to_string()))?;
            // Re-adding a key (new name or kinds) keeps its start unless --valid-from says otherwise:
            // moving it to now would reject every credential and status list it signed before.
            let previous = d.issuers.iter().find(|i| i.public_key_pem == pem);
            let from = match (valid_from, previous) {
                (None, Some(p)) => p.valid_from,
                (v, _) => clock::now_or(v.as_deref())?,
            };
            let entry = DraftIssuer {
                name: name.clone(),
                public_key_pem: pem,
                kinds: parse_kinds(kinds)?,
                valid_from: from,
                valid_until: from.saturating_add(clock::parse_duration(valid_for)?),
            };
            d.issuers
                .retain(|i| i.public_key_pem != entry.public_key_pem);
            d.issuers.push(entry);
            // A renamed issuer (same key, new name) orphans the status lists published under the old
            // name: scanners would refuse the whole bundle, so they leave the draft now, with a note.
            // A list stays only if the entry whose key signed it carries the list's issuer name.
            let entries = issuers(&d)?;
            let keys: Vec<VerifyingKey> = entries.iter().map(|i| i.key.clone()).collect();
            let mut kept = Vec::new();
            for (h, bytes) in d.status_lists.iter().zip(lists(&d)?) {
                match StatusListToken::verify(&bytes, &keys) {
                    Ok((t, signer))
                        if entries
                            .iter()
                            .any(|i| &i.key == signer && i.name == t.issuer) =>
                    {
                        kept.push(h.clone());
                    }
                    Ok((t, _)) => eprintln!(
                        "note: dropped status list {} of {} from the draft: the key that signed it is no longer {}'s",
                        t.list_id, t.issuer, t.issuer
                    ),
                    Err(e) => eprintln!(
                        "note: dropped a status list from the draft: no issuer in the draft signed it ({e})"
                    ),
                }
            }
            d.status_lists = kept;
            dry_run(&d, clock::now_or(None)?)?;
            save(draft, &d)?;
            outln!(
                "issuer {name} (kid {}) in {}",
                hex::encode(public.kid()),
                draft.display()
            );
            Ok(())
        }
        TrustCommand::AddStatus { draft, list } => {
            let _lock = Lock::acquire(draft)?;
            let mut d = load(draft)?;
            let token = read_bounded(list, status::MAX_TOKEN_FILE)?;
            let keys: Vec<VerifyingKey> = issuers(&d)?.into_iter().map(|i| i.key).collect();
            let (t, _) = StatusListToken::verify(&token, &keys).map_err(|e| {
                usage(format!(
                    "{}: not a status list signed by an issuer in the draft: {e}",
                    list.display()
                ))
            })?;
            // Replace an older publication of the same list.
            let mut kept = Vec::new();
            for (h, bytes) in d.status_lists.iter().zip(lists(&d)?) {
                match StatusListToken::verify(&bytes, &keys) {
                    Ok((old, _)) if old.issuer == t.issuer && old.list_id == t.list_id => {}
                    _ => kept.push(h.clone()),
                }
            }
            kept.push(hex::encode(&token));
            d.status_lists = kept;
            save(draft, &d)?;
            outln!(
                "status list {} of {} in {}",
                t.list_id,
                t.issuer,
                draft.display()
            );
            Ok(())
        }
        TrustCommand::Sign {
            draft,
            key,
            out,
            now,
        } => {
            let _lock = Lock::acquire(draft)?;
            let mut d = load(draft)?;
            let key = keys::load_signer(key)?;
            let now = clock::now_or(now.as_deref())?;
            let contents = contents(&d, now)?;
            let bytes = contents.sign_with(&*key)?;
            // Check the bundle as a scanner will, before anything is written or the sequence number
            // is spent: a bundle every gate would refuse must not be published.
            check_as_scanner(
                &bytes,
                &key.verifying_key(),
                now,
                &format!(
                    "{}: the signed bundle would be refused by scanners, not written",
                    draft.display()
                ),
            )?;
            // Spend the sequence number before the bundle leaves: if saving fails nothing is published,
            // and a failed write only leaves a gap. Never two different bundles under one seq.
            d.next_seq = d.next_seq.saturating_add(1);
            save(draft, &d)?;
            write_binary_output(out, &bytes)?;
            let note = format!(
                "signed bundle seq {} ({} issuers, {} status lists, {} bytes), valid until {}: {}",
                contents.seq,
                contents.issuers.len(),
                contents.status_lists.len(),
                bytes.len(),
                clock::format(contents.expires_at),
                out.display()
            );
            note_written(out, &note);
            Ok(())
        }
        TrustCommand::Show {
            bundle,
            bundle_key,
            json,
        } => {
            let pinned = keys::load_verifying(bundle_key)?;
            let bytes = read_bounded(bundle, yima_core::trust::MAX_BUNDLE_BYTES as u64)?;
            let c = BundleContents::verify_signature(&bytes, &pinned)
                .map_err(|e| usage(format!("{}: {} ({e})", bundle.display(), e.code())))?;
            let issuer_keys: Vec<VerifyingKey> = c.issuers.iter().map(|i| i.key.clone()).collect();
            let lists: Vec<_> = c
                .status_lists
                .iter()
                .filter_map(|t| StatusListToken::verify(t, &issuer_keys).ok())
                .map(|(t, _)| {
                    json!({"issuer": t.issuer, "list_id": t.list_id, "entries": t.list.len(),
                           "iat": clock::format(t.issued_at),
                           "stale_after": t.stale_after().map(clock::format)})
                })
                .collect();
            let issuers: Vec<_> = c
                .issuers
                .iter()
                .map(|i| {
                    json!({"name": i.name, "kid": hex::encode(i.key.kid()), "alg": i.key.algorithm().cose_id(),
                           "kinds": i.kinds, "valid_from": clock::format(i.valid_from),
                           "valid_until": clock::format(i.valid_until)})
                })
                .collect();
            let report = json!({"seq": c.seq, "iat": clock::format(c.issued_at), "exp": clock::format(c.expires_at),
                                "signature": "valid", "issuers": issuers, "status_lists": lists});
            if *json {
                outln!("{report}");
            } else {
                outln!(
                    "trust bundle seq {} (signature valid), issued {}, expires {}",
                    c.seq,
                    clock::format(c.issued_at),
                    clock::format(c.expires_at)
                );
                for i in &c.issuers {
                    let kinds: Vec<_> = i.kinds.iter().map(|k| k.name()).collect();
                    outln!(
                        "  issuer {:<8} kid {}  {}  key valid {} .. {}",
                        i.name,
                        hex::encode(i.key.kid()),
                        kinds.join(","),
                        clock::format(i.valid_from),
                        clock::format(i.valid_until)
                    );
                }
                for l in &lists {
                    let f = |k: &str| {
                        l.get(k)
                            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                            .unwrap_or_default()
                    };
                    outln!(
                        "  status list {} of {}: {} entries, issued {}, stale after {}",
                        f("list_id"),
                        f("issuer"),
                        f("entries"),
                        f("iat"),
                        f("stale_after")
                    );
                }
            }
            Ok(())
        }
    }
}
