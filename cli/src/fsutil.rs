//! Small file helpers: bounded reads, atomic replacement, and a lock file for read-modify-write.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use crate::error::{CliError, usage};

/// Reads a whole file, refusing files larger than `max` bytes.
pub fn read_bounded(path: &Path, max: u64) -> Result<Vec<u8>, CliError> {
    let f = std::fs::File::open(path).map_err(|e| CliError::io(path, e))?;
    let mut buf = Vec::new();
    f.take(max + 1)
        .read_to_end(&mut buf)
        .map_err(|e| CliError::io(path, e))?;
    if buf.len() as u64 > max {
        return Err(usage(format!(
            "{}: larger than {max} bytes",
            path.display()
        )));
    }
    Ok(buf)
}

/// Whether an output argument means standard output.
pub fn is_stdout(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// Reports what was written to `path`: on stdout, or on stderr when stdout carries the artefact itself
/// (`--out -`).
pub fn note_written(path: &Path, note: &str) {
    if is_stdout(path) {
        eprintln!("{note}");
    } else {
        outln!("{note}");
    }
}

/// Writes a binary artefact (a signed bundle or status list) to `path` atomically, or to stdout for
/// `-`, refusing a terminal: signed CBOR on a terminal is garbage and may carry escape sequences.
pub fn write_binary_output(path: &Path, contents: &[u8]) -> Result<(), CliError> {
    if is_stdout(path) {
        write_stdout(
            contents,
            Some(
                "refusing to write binary output to a terminal; redirect stdout or use --out FILE",
            ),
        )
    } else {
        write_atomic(path, contents)
    }
}

/// Writes `contents` to stdout and flushes it; with `refuse_terminal`, a terminal on stdout is a usage
/// error with that message instead.
pub fn write_stdout(contents: &[u8], refuse_terminal: Option<&str>) -> Result<(), CliError> {
    use std::io::IsTerminal;
    let stdout = std::io::stdout();
    if let Some(message) = refuse_terminal
        && stdout.is_terminal()
    {
        return Err(usage(message));
    }
    let mut lock = stdout.lock();
    lock.write_all(contents)
        .and_then(|()| lock.flush())
        .map_err(|e| CliError::io(Path::new("-"), e))
}

/// Replaces `path` with `contents` atomically: write a temporary file beside it (named for this process
/// and call, created with `create_new`, so two writers never share one), then rename it over `path`.
pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<(), CliError> {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = sibling(path, &format!(".tmp.{}.{n}", std::process::id()));
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&tmp)
        .and_then(|mut f| f.write_all(contents).and_then(|()| f.sync_all()));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(CliError::io(&tmp, e));
    }
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        CliError::io(path, e)
    })
}

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// An exclusive lock held while a state file is read, changed and written back: an OS advisory lock
/// (`flock` on Unix) on `PATH.lock`. The operating system releases it when the holder exits, however it
/// exits (killed, power loss), so a crashed process never leaves a gate unable to start. The lock file
/// itself stays; it is empty.
#[derive(Debug)]
pub struct Lock {
    /// Held open for as long as the lock is held; closing it releases the lock.
    _file: std::fs::File,
}

impl Lock {
    /// Takes the lock for `path`, retrying for up to about 10 seconds.
    pub fn acquire(path: &Path) -> Result<Lock, CliError> {
        let lock = sibling(path, ".lock");
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .open(&lock)
            .map_err(|e| CliError::io(&lock, e))?;
        for _ in 0..200 {
            match file.try_lock() {
                Ok(()) => return Ok(Lock { _file: file }),
                Err(std::fs::TryLockError::WouldBlock) => {
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
                Err(std::fs::TryLockError::Error(e)) => return Err(CliError::io(&lock, e)),
            }
        }
        Err(usage(format!(
            "{} is locked by another running yima process",
            lock.display()
        )))
    }
}
