//! Resolving a command-line INPUT into credential texts: a literal text, a file holding the text, a
//! PNG/JPEG/WebP image (every QR code in it), or `-` for standard input.

use std::io::Read;
use std::path::Path;

use yima_qr::{ScanLimits, scan_image};

use crate::error::{CliError, usage};

/// Largest input read from a file or stdin (the image cap of the scanner).
const MAX_INPUT_BYTES: u64 = 20 * 1024 * 1024;

/// One credential text found in an input, with a label saying where it came from.
#[derive(Debug)]
pub struct Found {
    /// "text", "stdin", a path, or `path#N` for the N-th code in an image.
    pub source: String,
    /// The text, or why no text could be read from this input.
    pub text: Result<String, Unreadable>,
    /// Corners of the QR code in the image (pixels), when the text came from an image.
    pub corners: Option<[(i32, i32); 4]>,
}

/// An input that holds no readable credential text (reported per input, exit status 1).
#[derive(Debug, Clone)]
pub struct Unreadable {
    /// Stable machine code (e.g. `scan.no-code`, `image.too-large`).
    pub code: &'static str,
    /// Human explanation.
    pub message: String,
}

/// True if `s` is not an existing file and looks like a scanned text rather than a path: it starts with
/// the yima prefix letters, or consists only of QR alphanumeric-mode characters (so `HC1:...` or bare
/// Base45 is reported as an invalid credential, not as a missing file).
fn looks_like_text(s: &str) -> bool {
    const QR_ALNUM: &str = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
    !Path::new(s).exists()
        && (s.starts_with("YM") || (s.len() >= 8 && s.chars().all(|c| QR_ALNUM.contains(c))))
}

/// PNG, JPEG or WebP magic.
fn is_image(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\x89PNG\r\n\x1a\n")
        || bytes.starts_with(&[0xff, 0xd8, 0xff])
        || (bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WEBP"))
}

/// Reads INPUT and returns every credential text in it.
pub fn resolve(input: &str) -> Result<Vec<Found>, CliError> {
    if looks_like_text(input) {
        return Ok(vec![Found {
            source: "text".into(),
            text: Ok(input.trim().to_owned()),
            corners: None,
        }]);
    }
    if input == "-" {
        let mut buf = Vec::new();
        std::io::stdin()
            .take(MAX_INPUT_BYTES + 1)
            .read_to_end(&mut buf)
            .map_err(|e| CliError::io(Path::new("-"), e))?;
        return Ok(classify("stdin".to_owned(), buf));
    }
    let path = Path::new(input);
    if !path.exists() {
        return Err(usage(format!(
            "{input}: no such file, and not a yima text (texts start with YM1: or YM1Z:)"
        )));
    }
    from_path(path)
}

fn unreadable(source: String, code: &'static str, message: String) -> Vec<Found> {
    vec![Found {
        source,
        text: Err(Unreadable { code, message }),
        corners: None,
    }]
}

/// Reads a file: every code in it if it is an image, else its text.
pub fn from_path(path: &Path) -> Result<Vec<Found>, CliError> {
    let label = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|e| CliError::io(path, e))?;
    if meta.len() > MAX_INPUT_BYTES {
        return Ok(unreadable(
            label,
            "input.too-large",
            format!(
                "file is {} bytes; the limit is {MAX_INPUT_BYTES}",
                meta.len()
            ),
        ));
    }
    // The size from metadata is only a fast path: devices, pipes and /proc files report 0 (or lie),
    // so the read itself stops one byte past the limit and `classify` refuses what went over.
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_INPUT_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| CliError::io(path, e))?;
    Ok(classify(label, bytes))
}

fn classify(label: String, bytes: Vec<u8>) -> Vec<Found> {
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return unreadable(
            label,
            "input.too-large",
            format!("input exceeds {MAX_INPUT_BYTES} bytes"),
        );
    }
    if is_image(&bytes) {
        return scan(&label, &bytes);
    }
    match String::from_utf8(bytes) {
        Ok(s) => vec![Found {
            source: label,
            text: Ok(s.trim().to_owned()),
            corners: None,
        }],
        Err(_) => unreadable(
            label,
            "input.not-text",
            "neither a PNG/JPEG/WebP image nor UTF-8 text".into(),
        ),
    }
}

/// Scans an image and returns one entry per code (or one entry saying why there is none).
pub fn scan(label: &str, bytes: &[u8]) -> Vec<Found> {
    match scan_image(bytes, &ScanLimits::default()) {
        Ok(codes) if codes.is_empty() => unreadable(
            label.to_owned(),
            "scan.no-code",
            "no readable QR code in the image".into(),
        ),
        Ok(codes) => {
            let many = codes.len() > 1;
            codes
                .into_iter()
                .enumerate()
                .map(|(i, c)| Found {
                    source: if many {
                        format!("{label}#{}", i + 1)
                    } else {
                        label.to_owned()
                    },
                    text: Ok(c.text),
                    corners: Some(c.corners),
                })
                .collect()
        }
        Err(e) => unreadable(label.to_owned(), e.code(), e.to_string()),
    }
}
