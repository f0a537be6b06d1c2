//! `yima issue-batch`: issue many credentials from a CSV or JSON Lines file on all cores.
//!
//! # Input
//!
//! - **CSV** (`.csv`): health codes only, one per record after a header row naming the columns
//!   `holder_name`, `holder_id` (hex, 8 to 32 bytes, never a citizen ID number), `region` (GB/T 2260),
//!   `status` (`green`, `yellow`, `red`) and optionally `reason` and `issuer`, in any order. Other kinds
//!   have list and map fields that do not fit flat columns, so a `kind` column (or any other unknown
//!   column) is refused up front: use JSON Lines for them.
//! - **JSON Lines** (`.jsonl`, `.ndjson`): one object per line, either a health code's fields
//!   (`{"holder_name": "金*", "holder_id": "3f9c…", "region": 310104, "status": "green"}`) or any kind in
//!   the serde form of `yima_core::Credential` (`{"kind": "business-licence", "fields": {…}}`). Either
//!   may carry `"issuer"`. Blank lines are not rows.
//!
//! Rows are numbered from 1: CSV records after the header, non-blank JSON lines.
//!
//! # Output
//!
//! One JSON line per input row, in input order: `{"row": N, "kind": …, "text": "YM1:…", "cti": "<hex>"}`
//! (plus `"png": "<path>"` with `--png-dir`). A row that cannot be issued is skipped, not fatal: its line
//! is `{"row": N, "error": {"code": …, "message": …}}`, the same is printed on stderr, and the run exits
//! with status 1 after issuing every other row. Error codes: `row.unreadable` (not a CSV record / not a
//! JSON object of the right shape), `row.invalid-field` (a field the CLI parses: hex id, region number,
//! a citizen ID used as holder id), `row.missing-issuer` (no `issuer` and no `--issuer`), the `yima-qr`
//! library's `qr.*` code when the PNG could not be rendered (e.g. `qr.render-size` for a `--scale` too
//! large for the symbol), and the core's `issue.invalid-field` / `issue.too-large`.
//!
//! # Restarting
//!
//! Lines are written in input order and flushed after every chunk of rows. `--resume` keeps the complete
//! lines the output already holds (a final line without its newline, from an interrupted write, is cut
//! off), checks that line K is row K, skips that many input rows and appends the rest. PNGs of rows being
//! redone are overwritten.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, BufWriter, IsTerminal, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rand_core::RngCore;
use serde_json::{Value as Json, json};
use yima_core::claims::{Claims, Credential, HealthCode, HealthStatus};
use yima_core::ident::CitizenId;
use yima_core::{IssueError, issue_with, samples};
use yima_qr::EcLevel;

use crate::cli::{BatchInput, IssueBatchArgs};
use crate::error::{CliError, usage};
use crate::{clock, keys, output};

/// Rows read, issued in parallel and written per round. Output is flushed after each round, so an
/// interrupted run loses at most this many rows of work.
const CHUNK_ROWS: usize = 4096;

/// Why one row was not issued.
#[derive(Debug)]
struct RowError {
    code: &'static str,
    message: String,
}

impl RowError {
    fn new(code: &'static str, message: impl Into<String>) -> Self {
        RowError {
            code,
            message: message.into(),
        }
    }
}

impl From<IssueError> for RowError {
    fn from(e: IssueError) -> Self {
        RowError::new(e.code(), e.to_string())
    }
}

/// One input row as read, before parsing (parsing happens on the worker threads).
enum Raw {
    Csv(csv::StringRecord),
    Json(String),
    Unreadable(String),
}

/// Column positions of a CSV header.
#[derive(Debug, Clone, Copy)]
struct Columns {
    holder_name: usize,
    holder_id: usize,
    region: usize,
    status: usize,
    reason: Option<usize>,
    issuer: Option<usize>,
}

impl Columns {
    fn from_header(header: &csv::StringRecord) -> Result<Self, CliError> {
        let find = |name: &str| header.iter().position(|h| h == name);
        for h in header.iter() {
            if !matches!(
                h,
                "holder_name" | "holder_id" | "region" | "status" | "reason" | "issuer"
            ) {
                let hint = if h == "kind" {
                    "CSV input carries health codes only; use JSON Lines ({\"kind\": ..., \"fields\": {...}}) for other kinds"
                } else {
                    "the columns are holder_name, holder_id, region, status and optionally reason and issuer"
                };
                return Err(usage(format!("CSV column {h:?} is not supported: {hint}")));
            }
        }
        let required = |name: &str| {
            find(name).ok_or_else(|| usage(format!("the CSV header has no {name:?} column")))
        };
        Ok(Columns {
            holder_name: required("holder_name")?,
            holder_id: required("holder_id")?,
            region: required("region")?,
            status: required("status")?,
            reason: find("reason"),
            issuer: find("issuer"),
        })
    }
}

/// Everything a worker needs to turn a row into an output line.
struct Job {
    /// A key file's SigningKey (signatures not re-checked) or an HSM key (each signature checked).
    key: keys::BoxSigner,
    issuer: Option<String>,
    now: u64,
    valid_for: Option<u64>,
    columns: Option<Columns>,
    png: Option<(PathBuf, EcLevel, u32)>,
}

/// What a row became.
struct Line {
    row: u64,
    json: String,
    error: Option<RowError>,
}

impl Job {
    fn line(&self, row: u64, raw: &Raw) -> Result<Line, CliError> {
        match self.issue_row(row, raw) {
            Ok(json) => Ok(Line {
                row,
                json,
                error: None,
            }),
            Err(Fatal::Row(e)) => Ok(Line {
                row,
                json: format!(
                    r#"{{"row":{row},"error":{}}}"#,
                    json!({"code": e.code, "message": e.message})
                ),
                error: Some(e),
            }),
            Err(Fatal::Cli(e)) => Err(e),
        }
    }

    fn issue_row(&self, row: u64, raw: &Raw) -> Result<String, Fatal> {
        let (issuer, credential) = match raw {
            Raw::Unreadable(m) => return Err(RowError::new("row.unreadable", m.clone()).into()),
            Raw::Csv(record) => self.csv_row(record)?,
            Raw::Json(line) => from_json(line)?,
        };
        let issuer = issuer.or_else(|| self.issuer.clone()).ok_or_else(|| {
            RowError::new("row.missing-issuer", "no issuer in the row and no --issuer")
        })?;
        let validity = self
            .valid_for
            .unwrap_or_else(|| samples::validity(credential.kind()));
        let mut cti = [0u8; 8];
        rand_core::OsRng.fill_bytes(&mut cti);
        let claims = Claims {
            issuer,
            issued_at: self.now,
            expires_at: self.now.saturating_add(validity),
            not_before: None,
            credential_id: Some(cti.to_vec()),
            confirmation: None,
            status: None,
            credential,
        };
        let issued = issue_with(&claims, &*self.key).map_err(|e| match e {
            // The HSM failing is not the row's fault: stop rather than reject every row that follows.
            IssueError::Signer(_) => Fatal::Cli(CliError::Issue(e)),
            other => Fatal::Row(other.into()),
        })?;
        // Written by hand to keep "row" first; strings go through serde_json for escaping.
        let text = Json::from(issued.text.as_str());
        let kind = claims.credential.kind().name();
        let cti = hex::encode(cti);
        let mut line = format!(r#"{{"row":{row},"kind":"{kind}","text":{text},"cti":"{cti}""#);
        if let Some((dir, ec, scale)) = &self.png {
            let png = yima_qr::encode(&issued.text, *ec)
                .and_then(|s| s.to_png(*scale, output::QUIET_ZONE))
                .map_err(|e| RowError::new(e.code(), e.to_string()))?;
            let path = dir.join(format!("{row:08}.png"));
            std::fs::write(&path, png).map_err(|e| Fatal::Cli(CliError::io(&path, e)))?;
            line.push_str(&format!(
                r#","png":{}"#,
                Json::from(path.display().to_string())
            ));
        }
        line.push('}');
        Ok(line)
    }

    fn csv_row(
        &self,
        record: &csv::StringRecord,
    ) -> Result<(Option<String>, Credential), RowError> {
        let Some(c) = self.columns else {
            return Err(RowError::new("row.unreadable", "no CSV header"));
        };
        let field = |i: usize| record.get(i).unwrap_or_default();
        let optional = |i: Option<usize>| i.map(field).filter(|s| !s.is_empty()).map(str::to_owned);
        let status: HealthStatus = field(c.status).parse()?;
        let region: u32 = field(c.region).parse().map_err(|_| {
            RowError::new(
                "row.invalid-field",
                format!(
                    "region {:?} is not a 6-digit GB/T 2260 code",
                    field(c.region)
                ),
            )
        })?;
        let holder_id = holder_id(field(c.holder_id))?;
        let hc = HealthCode::new(
            status,
            field(c.holder_name),
            holder_id,
            region,
            optional(c.reason),
        )?;
        Ok((optional(c.issuer), Credential::HealthCode(hc)))
    }
}

/// A row error, or a failure that stops the run (a PNG that cannot be written).
enum Fatal {
    Row(RowError),
    Cli(CliError),
}

impl From<RowError> for Fatal {
    fn from(e: RowError) -> Self {
        Fatal::Row(e)
    }
}

impl From<IssueError> for Fatal {
    fn from(e: IssueError) -> Self {
        Fatal::Row(e.into())
    }
}

fn holder_id(hex_id: &str) -> Result<Vec<u8>, RowError> {
    if CitizenId::parse(hex_id).is_ok() {
        return Err(RowError::new(
            "row.invalid-field",
            "holder_id looks like a citizen ID number; a health code carries only a pseudonymous id",
        ));
    }
    hex::decode(hex_id).map_err(|_| {
        RowError::new(
            "row.invalid-field",
            "holder_id must be hex (16 to 64 hex digits)",
        )
    })
}

fn from_json(line: &str) -> Result<(Option<String>, Credential), RowError> {
    let unreadable = |m: String| RowError::new("row.unreadable", m);
    let value: Json =
        serde_json::from_str(line).map_err(|e| unreadable(format!("not JSON: {e}")))?;
    let Json::Object(mut object) = value else {
        return Err(unreadable("a row must be a JSON object".into()));
    };
    let issuer = match object.remove("issuer") {
        None | Some(Json::Null) => None,
        Some(Json::String(s)) => Some(s),
        Some(_) => return Err(unreadable("issuer must be a string".into())),
    };
    let credential = if object.contains_key("kind") {
        serde_json::from_value::<Credential>(Json::Object(object))
            .map_err(|e| unreadable(format!("not a credential of that kind: {e}")))?
    } else {
        if let Some(Json::String(id)) = object.get("holder_id") {
            holder_id(id)?;
        }
        Credential::HealthCode(
            serde_json::from_value::<HealthCode>(Json::Object(object))
                .map_err(|e| unreadable(format!("not a health code: {e}")))?,
        )
    };
    Ok((issuer, credential))
}

/// Reads rows one at a time from a CSV or JSON Lines file.
enum Rows {
    Csv(Box<csv::Reader<BufReader<File>>>),
    Json(BufReader<File>),
}

impl Rows {
    /// The next row, or `None` at the end of the input.
    fn next(&mut self, path: &Path) -> Result<Option<Raw>, CliError> {
        match self {
            Rows::Csv(reader) => {
                let mut record = csv::StringRecord::new();
                match reader.read_record(&mut record) {
                    Ok(true) => Ok(Some(Raw::Csv(record))),
                    Ok(false) => Ok(None),
                    Err(e) => match e.kind() {
                        csv::ErrorKind::Io(_) => Err(usage(format!("{}: {e}", path.display()))),
                        _ => Ok(Some(Raw::Unreadable(format!("not a CSV record: {e}")))),
                    },
                }
            }
            Rows::Json(reader) => loop {
                let mut buf = Vec::new();
                let n = reader
                    .read_until(b'\n', &mut buf)
                    .map_err(|e| CliError::io(path, e))?;
                if n == 0 {
                    return Ok(None);
                }
                if buf.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                return Ok(Some(match String::from_utf8(buf) {
                    Ok(s) => Raw::Json(s),
                    Err(_) => Raw::Unreadable("the line is not UTF-8".into()),
                }));
            },
        }
    }
}

fn input_format(args: &IssueBatchArgs) -> Result<BatchInput, CliError> {
    if let Some(f) = args.input_format {
        return Ok(f);
    }
    match args
        .input
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("csv") => Ok(BatchInput::Csv),
        Some("jsonl" | "ndjson") => Ok(BatchInput::Jsonl),
        _ => Err(usage(format!(
            "{}: unknown input type; use .csv or .jsonl, or --input-format",
            args.input.display()
        ))),
    }
}

/// Opens the output for writing; with `resume`, keeps its complete lines and returns how many rows they
/// cover.
fn open_output(args: &IssueBatchArgs) -> Result<(File, u64), CliError> {
    let out = &args.out;
    if !out.exists() || args.force {
        let f = File::create(out).map_err(|e| CliError::io(out, e))?;
        return Ok((f, 0));
    }
    if !args.resume {
        return Err(usage(format!(
            "{} exists; use --resume to continue it or --force to overwrite it",
            out.display()
        )));
    }
    let mut f = OpenOptions::new()
        .read(true)
        .write(true)
        .open(out)
        .map_err(|e| CliError::io(out, e))?;
    let (mut rows, mut keep) = (0u64, 0u64);
    {
        let mut reader = BufReader::new(&mut f);
        let mut line = Vec::new();
        loop {
            line.clear();
            let n = reader
                .read_until(b'\n', &mut line)
                .map_err(|e| CliError::io(out, e))?;
            if n == 0 || line.last() != Some(&b'\n') {
                break; // end, or a final line cut short by an interrupted write
            }
            let row = serde_json::from_slice::<Json>(&line)
                .ok()
                .and_then(|v| v.get("row").and_then(Json::as_u64));
            if row != Some(rows + 1) {
                return Err(usage(format!(
                    "{}: line {} is not row {}; it was not written by issue-batch for this input",
                    out.display(),
                    rows + 1,
                    rows + 1
                )));
            }
            rows += 1;
            keep += n as u64;
        }
    }
    f.set_len(keep).map_err(|e| CliError::io(out, e))?;
    f.seek(SeekFrom::Start(keep))
        .map_err(|e| CliError::io(out, e))?;
    Ok((f, rows))
}

/// Rows in the input, estimated from its line count, for the progress bar.
fn estimate_rows(path: &Path, format: BatchInput) -> u64 {
    let Ok(mut f) = File::open(path) else {
        return 0;
    };
    let mut buf = vec![0u8; 1 << 16];
    let mut lines = 0u64;
    while let Ok(n) = f.read(&mut buf) {
        if n == 0 {
            break;
        }
        lines += buf
            .get(..n)
            .unwrap_or_default()
            .iter()
            .filter(|&&b| b == b'\n')
            .count() as u64;
    }
    match format {
        BatchInput::Csv => lines.saturating_sub(1),
        BatchInput::Jsonl => lines,
    }
}

fn progress_bar(total: u64, done: u64) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total.max(done)), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template(
        "{elapsed_precise} [{wide_bar}] {human_pos}/{human_len} rows  {per_sec}  ETA {eta}",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_position(done);
    bar
}

/// Issues `rows` on `threads` threads, keeping their order.
fn issue_chunk(job: &Job, rows: &[(u64, Raw)], threads: usize) -> Vec<Result<Line, CliError>> {
    if threads <= 1 || rows.len() < 2 * threads {
        return rows.iter().map(|(n, raw)| job.line(*n, raw)).collect();
    }
    let per = rows.len().div_ceil(threads);
    std::thread::scope(|s| {
        let handles: Vec<_> = rows
            .chunks(per)
            .map(|part| {
                s.spawn(move || {
                    part.iter()
                        .map(|(n, raw)| job.line(*n, raw))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| {
                h.join()
                    .unwrap_or_else(|_| vec![Err(usage("a worker thread failed"))])
            })
            .collect()
    })
}

/// Runs `yima issue-batch`; exit status 0 when every row was issued, 1 when some were rejected.
pub fn run(args: &IssueBatchArgs) -> Result<i32, CliError> {
    let format = input_format(args)?;
    let key = keys::load_signer(&args.key)?;
    let now = clock::now_or(args.now.as_deref())?;
    let valid_for = args
        .valid_for
        .as_deref()
        .map(clock::parse_duration)
        .transpose()?;
    if valid_for == Some(0) {
        return Err(usage("--valid-for must be longer than zero"));
    }
    if args.scale == 0 {
        return Err(usage("--scale must be at least 1"));
    }
    if let Some(dir) = &args.png_dir {
        std::fs::create_dir_all(dir).map_err(|e| CliError::io(dir, e))?;
    }
    let file = File::open(&args.input).map_err(|e| CliError::io(&args.input, e))?;
    let (mut rows, columns) = match format {
        BatchInput::Csv => {
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(true)
                .trim(csv::Trim::All)
                .from_reader(BufReader::new(file));
            let header = reader
                .headers()
                .map_err(|e| usage(format!("{}: {e}", args.input.display())))?
                .clone();
            (
                Rows::Csv(Box::new(reader)),
                Some(Columns::from_header(&header)?),
            )
        }
        BatchInput::Jsonl => (Rows::Json(BufReader::new(file)), None),
    };
    let (out_file, done) = open_output(args)?;
    let mut out = BufWriter::new(out_file);
    for skipped in 0..done {
        if rows.next(&args.input)?.is_none() {
            return Err(usage(format!(
                "{} already holds {done} rows but {} has only {skipped}: not the same input",
                args.out.display(),
                args.input.display()
            )));
        }
    }
    let job = Job {
        key,
        issuer: args.issuer.clone(),
        now,
        valid_for,
        columns,
        png: args
            .png_dir
            .clone()
            .map(|d| (d, EcLevel::from(args.ec), args.scale)),
    };
    let threads = args
        .threads
        .map(std::num::NonZeroUsize::get)
        .or_else(|| {
            std::thread::available_parallelism()
                .ok()
                .map(std::num::NonZeroUsize::get)
        })
        .unwrap_or(1);
    let bar = progress_bar(estimate_rows(&args.input, format), done);
    let start = Instant::now();
    let (mut next_row, mut issued, mut rejected) = (done + 1, 0u64, 0u64);
    loop {
        let mut chunk = Vec::with_capacity(CHUNK_ROWS);
        while chunk.len() < CHUNK_ROWS {
            let Some(raw) = rows.next(&args.input)? else {
                break;
            };
            chunk.push((next_row, raw));
            next_row += 1;
        }
        if chunk.is_empty() {
            break;
        }
        for line in issue_chunk(&job, &chunk, threads) {
            let line = line?;
            match &line.error {
                Some(e) => {
                    rejected += 1;
                    bar.suspend(|| {
                        eprintln!(
                            "yima: row {} rejected ({}): {}",
                            line.row, e.code, e.message
                        )
                    });
                }
                None => issued += 1,
            }
            writeln!(out, "{}", line.json).map_err(|e| CliError::io(&args.out, e))?;
        }
        out.flush().map_err(|e| CliError::io(&args.out, e))?;
        bar.inc(chunk.len() as u64);
    }
    bar.finish_and_clear();
    let secs = start.elapsed().as_secs_f64();
    let total = issued + rejected;
    eprintln!(
        "yima: {issued} issued, {rejected} rejected ({total} rows{}) in {secs:.1} s, {:.0} rows/s on {threads} threads",
        if done > 0 {
            format!(" after {done} already done")
        } else {
            String::new()
        },
        total as f64 / secs.max(1e-9),
    );
    Ok(if rejected > 0 { 1 } else { 0 })
}
