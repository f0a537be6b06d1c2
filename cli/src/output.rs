//! Writing issued credentials (text, PNG, SVG, terminal QR) and showing claims to people and machines.

use std::path::Path;

use serde_json::{Value as Json, json};
use yima_core::Claims;
use yima_qr::{EcLevel, QrSymbol};

use crate::cli::{Ec, Format};
use crate::clock;
use crate::error::{CliError, usage};
use crate::fsutil::{is_stdout, write_stdout};

impl From<Ec> for EcLevel {
    fn from(e: Ec) -> Self {
        match e {
            Ec::L => EcLevel::L,
            Ec::M => EcLevel::M,
            Ec::Q => EcLevel::Q,
            Ec::H => EcLevel::H,
        }
    }
}

/// Quiet zone around rendered codes, in modules (ISO/IEC 18004 asks for 4).
pub const QUIET_ZONE: u32 = 4;

/// Encodes `text` as a QR symbol.
pub fn symbol(text: &str, ec: EcLevel) -> Result<QrSymbol, CliError> {
    Ok(yima_qr::encode(text, ec)?)
}

/// Writes the credential to `out` (`-` is stdout) in `format`, or by the file extension when `None`.
pub fn write_credential(
    text: &str,
    out: &Path,
    format: Option<Format>,
    ec: EcLevel,
    scale: u32,
) -> Result<(), CliError> {
    let to_stdout = is_stdout(out);
    let format = match format {
        Some(f) => f,
        None if to_stdout => Format::Text,
        None => match out
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("png") => Format::Png,
            Some("svg") => Format::Svg,
            Some("txt") => Format::Text,
            _ => {
                return Err(usage(format!(
                    "{}: unknown output type; use .png, .svg or .txt, or --format",
                    out.display()
                )));
            }
        },
    };
    let bytes = match format {
        Format::Png => symbol(text, ec)?.to_png(scale, QUIET_ZONE)?,
        Format::Svg => symbol(text, ec)?.to_svg(scale, QUIET_ZONE).into_bytes(),
        Format::Text => format!("{text}\n").into_bytes(),
    };
    if to_stdout {
        return write_stdout(
            &bytes,
            (format == Format::Png).then_some(
                "refusing to write a PNG to a terminal; redirect stdout or use --out FILE.png",
            ),
        );
    }
    std::fs::write(out, bytes).map_err(|e| CliError::io(out, e))
}

/// Writes text to stdout as-is.
pub fn print_raw(s: &str) -> Result<(), CliError> {
    write_stdout(s.as_bytes(), None)
}

/// Prints a terminal QR code.
pub fn print_terminal_qr(text: &str, ec: EcLevel) -> Result<(), CliError> {
    write_stdout(symbol(text, ec)?.to_terminal(2).as_bytes(), None)
}

/// Claims as JSON: standard claims with RFC 3339 times, the kind, and the credential's fields.
pub fn claims_json(c: &Claims) -> Json {
    let fields = serde_json::to_value(&c.credential)
        .ok()
        .and_then(|v| v.get("fields").cloned())
        .unwrap_or(Json::Null);
    let mut j = serde_json::Map::new();
    j.insert("iss".into(), json!(c.issuer));
    j.insert("iat".into(), json!(clock::format(c.issued_at)));
    j.insert("exp".into(), json!(clock::format(c.expires_at)));
    if let Some(nbf) = c.not_before {
        j.insert("nbf".into(), json!(clock::format(nbf)));
    }
    if let Some(cti) = &c.credential_id {
        j.insert("cti".into(), json!(hex::encode(cti)));
    }
    if let Some(st) = &c.status {
        j.insert(
            "status".into(),
            json!({"list_id": st.list_id, "index": st.index}),
        );
    }
    if let Some(device) = &c.confirmation {
        // RFC 8747 `cnf`: the device key a presentation of this credential must be signed with.
        j.insert(
            "cnf".into(),
            json!({"kid": hex::encode(yima_core::keys::kid_of(device)), "key": hex::encode(device)}),
        );
    }
    j.insert("kind".into(), json!(c.credential.kind().name()));
    j.insert("fields".into(), fields);
    Json::Object(j)
}

/// Human-readable claims, one `key: value` per line, indented.
pub fn claims_lines(c: &Claims) -> Vec<String> {
    let mut lines = vec![
        format!("kind:       {}", c.credential.kind()),
        format!("issuer:     {}", c.issuer),
        format!("issued:     {}", clock::format(c.issued_at)),
    ];
    if let Some(nbf) = c.not_before {
        lines.push(format!("not before: {}", clock::format(nbf)));
    }
    lines.push(format!("expires:    {}", clock::format(c.expires_at)));
    if let Some(cti) = &c.credential_id {
        lines.push(format!("id:         {}", hex::encode(cti)));
    }
    if let Some(st) = &c.status {
        lines.push(format!(
            "status ref: list {} index {}",
            st.list_id, st.index
        ));
    }
    if let Some(device) = &c.confirmation {
        lines.push(format!(
            "holder key: kid {} (cnf: presentations must be signed with this device key)",
            hex::encode(yima_core::keys::kid_of(device))
        ));
    }
    if let Some(Json::Object(fields)) = serde_json::to_value(&c.credential)
        .ok()
        .and_then(|v| v.get("fields").cloned())
    {
        for (k, v) in fields {
            let v = match v {
                Json::String(s) => s,
                other => other.to_string(),
            };
            lines.push(format!("  {k}: {v}"));
        }
    }
    lines
}

/// Untrusted text (a decoded QR code, a field of an unverified credential) made safe to print on a line
/// of its own: control characters (C0, DEL, C1) and Unicode bidirectional controls are shown as `\u{..}` escapes, so a hostile code cannot move the
/// cursor, retitle the terminal or reorder what the operator reads. `--json` gives the exact text.
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char = |c: char| {
        c.is_control()
            || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    if !text.chars().any(unsafe_char) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if unsafe_char(c) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_texts_cannot_drive_the_terminal() {
        assert_eq!(printable("YM1:ABC 一码"), "YM1:ABC 一码");
        assert_eq!(
            printable("a\u{1b}]0;owned\u{7}b\u{1b}[2J"),
            "a\\u{1b}]0;owned\\u{7}b\\u{1b}[2J"
        );
        assert_eq!(printable("x\u{202e}gnp.exe"), "x\\u{202e}gnp.exe");
        assert_eq!(
            printable("\u{9b}31m\u{7f}\r\n"),
            "\\u{9b}31m\\u{7f}\\u{d}\\u{a}"
        );
    }
}
