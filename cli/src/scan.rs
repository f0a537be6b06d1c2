//! `yima scan`: the venue gate. Every code in every input is checked against the signed trust bundle and
//! the venue policy; unreadable inputs are reported and scanning goes on.

use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};

use serde_json::json;

use crate::cli::ScanArgs;
use crate::error::{CliError, usage};
use crate::input::{self, Found, Unreadable};
use crate::verify::print;
use crate::{clock, venue};

/// Image extensions picked up when walking a directory.
const IMAGE_EXTENSIONS: [&str; 4] = ["png", "jpg", "jpeg", "webp"];
/// Most lines read from stdin, and most files taken from directories, in one run.
const MAX_ITEMS: usize = 1_000_000;

enum Item {
    Path(PathBuf),
    Text(String),
}

fn walk(dir: &Path, out: &mut Vec<Item>) -> Result<(), CliError> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| CliError::io(dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in entries {
        if out.len() >= MAX_ITEMS {
            break;
        }
        if p.is_dir() {
            walk(&p, out)?;
        } else if p
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| IMAGE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
        {
            out.push(Item::Path(p));
        }
    }
    Ok(())
}

fn expand(inputs: &[String]) -> Result<Vec<Item>, CliError> {
    let mut items = Vec::new();
    for input in inputs {
        if input == "-" {
            for line in std::io::stdin().lock().lines().take(MAX_ITEMS) {
                let line = line.map_err(|e| CliError::io(Path::new("-"), e))?;
                let line = line.trim();
                if line.is_empty() {
                    continue;
                }
                let p = Path::new(line);
                if p.is_dir() {
                    walk(p, &mut items)?;
                } else if p.is_file() {
                    items.push(Item::Path(p.to_owned()));
                } else {
                    items.push(Item::Text(line.to_owned()));
                }
            }
            continue;
        }
        let p = Path::new(input);
        if p.is_dir() {
            walk(p, &mut items)?;
        } else if p.is_file() {
            items.push(Item::Path(p.to_owned()));
        } else {
            items.push(Item::Text(input.clone()));
        }
    }
    Ok(items)
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

/// Runs `yima scan`; returns the exit status.
pub fn run(args: &ScanArgs) -> Result<i32, CliError> {
    let items = expand(&args.inputs)?;
    if args.raw {
        return Ok(raw(&items, args.json));
    }
    let now = clock::now_or(args.now.as_deref())?;
    let policy = venue::policy(&args.venue)?;
    let bundle = venue::load_bundle(&args.venue, &policy, now)?
        .ok_or_else(|| usage("yima scan needs --bundle and --bundle-key (or --raw)"))?;
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    // The same dynamic presentation shown twice within its freshness window is flagged.
    let mut replay = yima_core::presentation::ReplayCache::new();
    let mut status = 0;
    for item in &items {
        for f in found(item) {
            let outcome = venue::check_found(&f, &bundle, &policy, now, Some(&mut replay));
            let key = match &outcome.result {
                Ok(_) => "accepted".to_owned(),
                Err(e) => e.code.clone(),
            };
            *counts.entry(key).or_default() += 1;
            status = status.max(print(&outcome, args.json));
        }
    }
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
    Ok(status)
}

/// `--raw`: print every QR text found, uninterpreted.
fn raw(items: &[Item], json: bool) -> i32 {
    let mut status = 0;
    for item in items {
        for f in found(item) {
            match (&f.text, json) {
                (Ok(t), false) => outln!("{t}"),
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
    }
    status
}
