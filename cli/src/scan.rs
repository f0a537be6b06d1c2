//! `yima scan`: the venue gate. Every code in every input is checked against the signed trust bundle and
//! the venue policy; unreadable inputs are reported and scanning goes on.

use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};

use serde_json::json;

use yima_core::policy::Policy;
use yima_core::trust::BundleCheck;

use crate::cli::ScanArgs;
use crate::error::{CliError, usage};
use crate::input::{self, Found, Unreadable};
use crate::verify::{Failure, Outcome, print};
use crate::{clock, output, venue};

/// Image extensions picked up when walking a directory.
const IMAGE_EXTENSIONS: [&str; 4] = ["png", "jpg", "jpeg", "webp"];
/// Most files taken from directories in one run (stdin lines are not counted: a gate streams them).
const MAX_ITEMS: usize = 1_000_000;

enum Item {
    Path(PathBuf),
    Text(String),
}

/// Calls `f` on every image under `dir`, in sorted order, recursively; `budget` counts down the files
/// a run may take from directories.
fn walk(
    dir: &Path,
    budget: &mut usize,
    f: &mut dyn FnMut(Item) -> Result<(), CliError>,
) -> Result<(), CliError> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| CliError::io(dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in entries {
        if *budget == 0 {
            break;
        }
        if p.is_dir() {
            walk(&p, budget, f)?;
        } else if p
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| IMAGE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
        {
            *budget -= 1;
            f(Item::Path(p))?;
        }
    }
    Ok(())
}

/// One argument or stdin line: a directory (walked), a file, or else a transport text.
fn visit_one(
    arg: &str,
    budget: &mut usize,
    f: &mut dyn FnMut(Item) -> Result<(), CliError>,
) -> Result<(), CliError> {
    let p = Path::new(arg);
    if p.is_dir() {
        walk(p, budget, f)
    } else if p.is_file() {
        f(Item::Path(p.to_owned()))
    } else {
        f(Item::Text(arg.to_owned()))
    }
}

/// Calls `f` on every input as it comes: arguments in order, and for `-` each line of stdin as soon
/// as it is read, so a camera pipeline feeding `yima scan -` gets each verdict at once. A stdin line is
/// a credential text, never a path: the text of a code held up to the camera must not make the gate
/// walk a directory or read a file. With `stdin_paths` the lines are image files (only regular files,
/// never directories), for a pipeline that writes frames to disk.
fn visit(
    inputs: &[String],
    stdin_paths: bool,
    f: &mut dyn FnMut(Item) -> Result<(), CliError>,
) -> Result<(), CliError> {
    let mut budget = MAX_ITEMS;
    for input in inputs {
        if input != "-" {
            visit_one(input, &mut budget, f)?;
            continue;
        }
        let mut stdin = std::io::stdin().lock();
        let mut buf = Vec::new();
        while read_line_bounded(&mut stdin, &mut buf)? {
            let line = String::from_utf8_lossy(&buf);
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            if stdin_paths {
                f(Item::Path(PathBuf::from(line)))?;
            } else {
                f(Item::Text(line.to_owned()))?;
            }
        }
    }
    Ok(())
}

fn found(item: &Item) -> Vec<Found> {
    match item {
        Item::Text(t) => vec![Found {
            source: "text".into(),
            text: Ok(t.clone()),
            corners: None,
        }],
        Item::Path(p) => input::from_path(p).unwrap_or_else(|e| {
            vec![Found {
                source: p.display().to_string(),
                text: Err(Unreadable {
                    code: "input.io",
                    message: e.to_string(),
                }),
                corners: None,
            }]
        }),
    }
}

/// The trust bundle of a scan that may run for hours (`yima scan -` on a camera feed): before each code
/// it is reloaded if its file was replaced, and checked for freshness at that code's time, so a gate
/// never goes on accepting codes on a bundle that has gone stale (each code is then refused with the
/// bundle's code, stage `bundle`, and the run ends with exit status 2).
struct LiveBundle {
    bundle: yima_core::trust::TrustBundle,
    path: PathBuf,
    modified: FileVersion,
}

/// What identifies one version of the bundle file: its modification time, length and (on Unix) inode,
/// so a replacement is noticed even within the file system's time resolution.
type FileVersion = Option<(Option<std::time::SystemTime>, u64, u64)>;

fn modified(path: &Path) -> FileVersion {
    let m = std::fs::metadata(path).ok()?;
    #[cfg(unix)]
    let inode = std::os::unix::fs::MetadataExt::ino(&m);
    #[cfg(not(unix))]
    let inode = 0;
    Some((m.modified().ok(), m.len(), inode))
}

impl LiveBundle {
    fn load(args: &ScanArgs, policy: &Policy, now: u64) -> Result<Self, CliError> {
        let missing = || usage("yima scan needs --bundle and --bundle-key (or --raw)");
        let path = args.venue.bundle.clone().ok_or_else(missing)?;
        let modified = modified(&path);
        let bundle = venue::load_bundle(&args.venue, policy, now)?.ok_or_else(missing)?;
        Ok(LiveBundle {
            bundle,
            path,
            modified,
        })
    }

    /// The bundle to check a code read at `now` against.
    fn current(
        &mut self,
        args: &ScanArgs,
        policy: &Policy,
        now: u64,
    ) -> Result<&yima_core::trust::TrustBundle, Failure> {
        let on_disk = modified(&self.path);
        if on_disk != self.modified {
            // Replaced on disk: take the new bundle if it passes every check (signature, freshness,
            // no rollback); otherwise keep the one in use, which is still checked below.
            self.modified = on_disk;
            match venue::load_bundle(&args.venue, policy, now) {
                // Never backwards, state file or not: an older bundle may predate a revocation.
                Ok(Some(b)) if b.seq() < self.bundle.seq() => eprintln!(
                    "{}: replaced by an older bundle (seq {} < {}): refused (bundle.rollback); keeping seq {}",
                    self.path.display(),
                    b.seq(),
                    self.bundle.seq(),
                    self.bundle.seq()
                ),
                Ok(Some(b)) => {
                    eprintln!(
                        "{}: reloaded the trust bundle (seq {} -> {})",
                        self.path.display(),
                        self.bundle.seq(),
                        b.seq()
                    );
                    self.bundle = b;
                }
                Ok(None) => {}
                Err(e) => eprintln!(
                    "{}: changed on disk but cannot be used ({}: {e}); keeping seq {}",
                    self.path.display(),
                    e.code(),
                    self.bundle.seq()
                ),
            }
        }
        let check = BundleCheck {
            now,
            skew: policy.clock_skew,
            accepted_seq: None,
            max_age: policy.max_bundle_age,
        };
        self.bundle.check_fresh(&check).map_err(|e| Failure {
            code: e.code().to_owned(),
            stage: "bundle".to_owned(),
            message: format!(
                "{}: the trust bundle (seq {}) can no longer be relied on at {}: {e}; replace the file \
                 with a fresh bundle (a running scan picks it up)",
                self.path.display(),
                self.bundle.seq(),
                clock::format(now)
            ),
        })?;
        Ok(&self.bundle)
    }
}

/// Runs `yima scan`; returns the exit status.
pub fn run(args: &ScanArgs) -> Result<i32, CliError> {
    if args.raw {
        let mut status = 0;
        visit(&args.inputs, args.stdin_paths, &mut |item| {
            status = status.max(raw(&item, args.json));
            Ok(())
        })?;
        return Ok(status);
    }
    let start = clock::now_or(args.now.as_deref())?;
    let policy = venue::policy(&args.venue)?;
    let mut live = LiveBundle::load(args, &policy, start)?;
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    // The same dynamic presentation shown twice within its freshness window is flagged.
    let mut replay = yima_core::presentation::ReplayCache::new();
    let mut status = 0;
    let mut bundle_failed = false;
    visit(&args.inputs, args.stdin_paths, &mut |item| {
        // A gate runs for hours: each code is checked at the time it is read (or at --now).
        let now = match args.now {
            Some(_) => start,
            None => clock::now_or(None)?,
        };
        let bundle = live.current(args, &policy, now);
        for f in found(&item) {
            let outcome = match &bundle {
                Ok(bundle) => venue::check_found(&f, bundle, &policy, now, Some(&mut replay)),
                // Fail closed, and keep answering: every code is refused until a fresh bundle is
                // dropped in; the run then ends with exit status 2.
                Err(failure) => {
                    bundle_failed = true;
                    Outcome {
                        source: f.source.clone(),
                        result: Err(failure.clone()),
                    }
                }
            };
            let key = match &outcome.result {
                Ok(_) => "accepted".to_owned(),
                Err(e) => e.code.clone(),
            };
            *counts.entry(key).or_default() += 1;
            status = status.max(print(&outcome, args.json));
        }
        Ok(())
    })?;
    let accepted = counts.get("accepted").copied().unwrap_or(0);
    let total: usize = counts.values().sum();
    if args.json {
        outln!(
            "{}",
            json!({"summary": {"total": total, "accepted": accepted, "rejected": total - accepted, "by_code": counts}})
        );
    } else {
        let detail: Vec<String> = counts.iter().map(|(k, v)| format!("{k}: {v}")).collect();
        outln!(
            "summary: {total} codes, {accepted} accepted, {} rejected ({})",
            total - accepted,
            detail.join(", ")
        );
    }
    if bundle_failed {
        status = 2;
    }
    Ok(status)
}

/// Longest line read from stdin: a path or a transport text (texts are capped at 4296 bytes).
const MAX_LINE: u64 = 64 * 1024;

/// Reads one line (without its newline) into `buf`; false at end of input. A line longer than
/// [`MAX_LINE`] is a usage error, so a stream without newlines cannot grow memory without bound.
fn read_line_bounded(r: &mut impl BufRead, buf: &mut Vec<u8>) -> Result<bool, CliError> {
    buf.clear();
    let n = std::io::Read::take(&mut *r, MAX_LINE + 1)
        .read_until(b'\n', buf)
        .map_err(|e| CliError::io(Path::new("-"), e))?;
    if n == 0 {
        return Ok(false);
    }
    if buf.last() == Some(&b'\n') {
        buf.pop();
    } else if n as u64 > MAX_LINE {
        return Err(usage(format!(
            "-: a line of standard input is longer than {MAX_LINE} bytes"
        )));
    }
    Ok(true)
}

/// `--raw`: print every QR text found in one input, uninterpreted; returns 1 if none could be read.
fn raw(item: &Item, json: bool) -> i32 {
    let mut status = 0;
    for f in found(item) {
        match (&f.text, json) {
            (Ok(t), false) => outln!("{}", output::printable(t)),
            (Ok(t), true) => outln!(
                "{}",
                json!({"source": f.source, "text": t, "corners": f.corners})
            ),
            (Err(u), false) => {
                status = 1;
                eprintln!("{}: {} ({})", f.source, u.code, u.message);
            }
            (Err(u), true) => {
                status = 1;
                outln!(
                    "{}",
                    json!({"source": f.source, "error": {"code": u.code, "message": u.message}})
                );
            }
        }
    }
    status
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;

    #[test]
    fn stdin_lines_are_bounded() {
        let mut input = std::io::Cursor::new(b"YM1:ABC\r\n\nlast".to_vec());
        let mut buf = Vec::new();
        assert!(read_line_bounded(&mut input, &mut buf).unwrap());
        assert_eq!(buf, b"YM1:ABC\r");
        assert!(read_line_bounded(&mut input, &mut buf).unwrap());
        assert_eq!(buf, b"");
        assert!(read_line_bounded(&mut input, &mut buf).unwrap());
        assert_eq!(buf, b"last");
        assert!(!read_line_bounded(&mut input, &mut buf).unwrap());

        // Exactly MAX_LINE bytes is fine; one more without a newline is refused after reading
        // MAX_LINE + 1 bytes, not the whole stream.
        let mut ok = std::io::Cursor::new(vec![b'A'; MAX_LINE as usize]);
        assert!(read_line_bounded(&mut ok, &mut buf).unwrap());
        let mut endless = std::io::repeat(b'A');
        let mut reader = std::io::BufReader::new(&mut endless);
        let err = read_line_bounded(&mut reader, &mut buf).unwrap_err();
        assert_eq!(err.code(), "usage");
        assert_eq!(buf.len() as u64, MAX_LINE + 1);
    }
}
