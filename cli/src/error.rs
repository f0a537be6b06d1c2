//! Errors of the command line itself: usage, I/O, keys and issuing mistakes. All exit with status 2.
//! A credential that fails verification is not an error here: it is a result, reported with exit 1.

use std::path::{Path, PathBuf};

use yima_core::{IssueError, KeyError, SignerError};
use yima_pkcs11::Pkcs11Error;
use yima_qr::QrError;

/// A failure that stops the command with exit status 2.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Bad arguments or input that is not a credential at all.
    #[error("{0}")]
    Usage(String),
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A key file could not be used.
    #[error("{path}: {err}")]
    Key {
        /// The key file.
        path: PathBuf,
        /// Why.
        err: KeyError,
    },
    /// The claims given to `issue` break the format's rules.
    #[error("cannot issue: {0}")]
    Issue(#[from] IssueError),
    /// The trust bundle cannot be used (stale, rolled back, bad signature, ...): nothing can be checked.
    #[error("{message}")]
    Bundle {
        /// Stable code, e.g. `bundle.stale`.
        code: &'static str,
        /// Explanation.
        message: String,
    },
    /// Encoding or rendering a QR code failed. The code is the `yima-qr` library's (`qr.too-long`,
    /// `qr.encode`, `qr.render-size`, `qr.png-encode`, `qr.unknown-ec-level`), not a blanket `qr`.
    #[error("{message}")]
    Qr {
        /// Stable code from [`QrError::code`], e.g. `qr.render-size`.
        code: &'static str,
        /// Explanation.
        message: String,
    },
    /// A key in an HSM (a `pkcs11:` URI) could not be opened or generated.
    #[error("{0}")]
    Pkcs11(#[from] Pkcs11Error),
    /// The signer (a key in an HSM) failed to sign, or returned a bad signature.
    #[error("{0}")]
    Signer(#[from] SignerError),
}

impl CliError {
    /// Stable machine code, for `--json` output.
    pub fn code(&self) -> &'static str {
        match self {
            CliError::Usage(_) => "usage",
            CliError::Io { .. } => "io",
            CliError::Key { err, .. } => err.code(),
            CliError::Issue(e) => e.code(),
            CliError::Bundle { code, .. } => code,
            CliError::Qr { code, .. } => code,
            CliError::Pkcs11(e) => e.code(),
            CliError::Signer(e) => e.code(),
        }
    }

    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: &Path, source: std::io::Error) -> Self {
        CliError::Io {
            path: path.to_owned(),
            source,
        }
    }
}

impl From<QrError> for CliError {
    fn from(e: QrError) -> Self {
        CliError::Qr {
            code: e.code(),
            message: e.to_string(),
        }
    }
}

/// Shorthand for a usage error.
pub fn usage(msg: impl Into<String>) -> CliError {
    CliError::Usage(msg.into())
}
