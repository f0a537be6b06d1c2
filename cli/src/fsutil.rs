//! Small file helpers: bounded reads, atomic replacement, and a lock file for read-modify-write.

use std::io::Read;
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

/// Replaces `path` with `contents` atomically (write a temporary file beside it, then rename).
pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<(), CliError> {
    let tmp = sibling(path, ".tmp");
    std::fs::write(&tmp, contents).map_err(|e| CliError::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| CliError::io(path, e))
}

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// An exclusive lock held while a state file is read, changed and written back: `PATH.lock`, created
/// with `create_new` (fails while another process holds it) and removed on drop.
#[derive(Debug)]
pub struct Lock {
    path: PathBuf,
}

impl Lock {
    /// Takes the lock for `path`, retrying for up to about 10 seconds.
    pub fn acquire(path: &Path) -> Result<Lock, CliError> {
        let lock = sibling(path, ".lock");
        for _ in 0..200 {
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&lock)
            {
                Ok(_) => return Ok(Lock { path: lock }),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
                Err(e) => return Err(CliError::io(&lock, e)),
            }
        }
        Err(usage(format!(
            "{} is locked by another yima process (remove the file if that process died)",
            lock.display()
        )))
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}
