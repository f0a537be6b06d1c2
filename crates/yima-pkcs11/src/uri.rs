//! RFC 7512 `pkcs11:` URIs: which module, token and key to sign with, and where the PIN comes from.

use std::ffi::OsString;
use std::io::Read;
use std::path::{Path, PathBuf};

use cryptoki::types::AuthPin;
use zeroize::Zeroizing;

use crate::error::Pkcs11Error;

/// Longest `pkcs11:` URI accepted, in bytes.
pub const MAX_URI_LEN: usize = 4096;
/// Largest PIN file read (`pin-source`), in bytes.
pub const MAX_PIN_FILE: u64 = 256;
/// Environment variable naming the PKCS#11 module when the URI has no `module-path`.
pub const ENV_MODULE: &str = "YIMA_PKCS11_MODULE";
/// Environment variable holding the PIN when the URI has neither `pin-value` nor `pin-source`.
pub const ENV_PIN: &str = "YIMA_PKCS11_PIN";

/// Where the user PIN comes from.
enum PinSpec {
    /// Neither `pin-value` nor `pin-source`: the environment ([`ENV_PIN`]), or no PIN at all.
    Unset,
    /// `pin-value`: the PIN itself, in the URI.
    Value(AuthPin),
    /// `pin-source`: a file holding the PIN.
    Source(PathBuf),
}

/// A parsed RFC 7512 `pkcs11:` URI naming one Ed25519 private key in one token.
///
/// Supported path attributes: `token`, `manufacturer`, `serial`, `model`, `slot-id` (which token),
/// `object`, `id` (which key; `object` is the key's label), `type` (only `private`). Query attributes:
/// `module-path` (else the environment variable `YIMA_PKCS11_MODULE`), `pin-value` or `pin-source` (a
/// file path or a `file:` URI; else the environment variable `YIMA_PKCS11_PIN`); vendor attributes
/// (`x-...`) in the query are ignored. Any other attribute is refused rather than silently ignored, so
/// that a URI never selects a different key than its author meant.
///
/// The `Debug` output never shows the PIN.
pub struct Pkcs11Uri {
    token: Option<String>,
    manufacturer: Option<String>,
    serial: Option<String>,
    model: Option<String>,
    slot_id: Option<u64>,
    object: Option<String>,
    id: Option<Vec<u8>>,
    module_path: Option<PathBuf>,
    pin: PinSpec,
}

impl std::fmt::Debug for Pkcs11Uri {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let pin: &dyn std::fmt::Debug = match &self.pin {
            PinSpec::Unset => &"unset",
            PinSpec::Value(_) => &"pin-value <redacted>",
            PinSpec::Source(path) => path,
        };
        f.debug_struct("Pkcs11Uri")
            .field("token", &self.token)
            .field("manufacturer", &self.manufacturer)
            .field("serial", &self.serial)
            .field("model", &self.model)
            .field("slot_id", &self.slot_id)
            .field("object", &self.object)
            .field("id", &self.id)
            .field("module_path", &self.module_path)
            .field("pin", pin)
            .finish()
    }
}

fn uri_err(msg: impl Into<String>) -> Pkcs11Error {
    Pkcs11Error::Uri(msg.into())
}

/// RFC 7512 `pk11-res-avail`, plus RFC 3986 unreserved characters: what may stand unescaped in a path
/// attribute value, and the `;` between path attributes. The query adds `/`, `?`, `|` and its `&`.
fn allowed_ascii(c: char, query: bool) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(
            c,
            '-' | '.'
                | '_'
                | '~'
                | ':'
                | '['
                | ']'
                | '@'
                | '!'
                | '$'
                | '\''
                | '('
                | ')'
                | '*'
                | '+'
                | ','
                | '='
                | '%'
        )
        || (query && matches!(c, '/' | '?' | '|' | '&'))
        || (!query && c == ';')
}

fn check_chars(part: &str, query: bool) -> Result<(), Pkcs11Error> {
    // Non-ASCII text (a Chinese key label, say) is accepted as UTF-8, leniently; ASCII outside the RFC's
    // sets must be percent-encoded.
    match part
        .chars()
        .find(|&c| c.is_ascii() && !allowed_ascii(c, query))
    {
        None => Ok(()),
        Some(c) => Err(uri_err(format!(
            "character {c:?} must be percent-encoded in the {}",
            if query { "query" } else { "path" }
        ))),
    }
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// RFC 3986 percent-decoding; a `%` not followed by two hex digits is an error.
pub(crate) fn percent_decode(s: &str) -> Result<Zeroizing<Vec<u8>>, Pkcs11Error> {
    let mut out = Zeroizing::new(Vec::with_capacity(s.len()));
    let mut bytes = s.bytes();
    while let Some(b) = bytes.next() {
        if b == b'%' {
            let hi = bytes.next().and_then(hex_value);
            let lo = bytes.next().and_then(hex_value);
            match (hi, lo) {
                (Some(hi), Some(lo)) => out.push((hi << 4) | lo),
                _ => {
                    return Err(uri_err(
                        "malformed percent-escape (needs % and two hex digits)",
                    ));
                }
            }
        } else {
            out.push(b);
        }
    }
    Ok(out)
}

fn decode_text(name: &str, value: &str) -> Result<String, Pkcs11Error> {
    let bytes = percent_decode(value)?;
    std::str::from_utf8(&bytes)
        .map(str::to_owned)
        .map_err(|_| uri_err(format!("{name}: not UTF-8 after percent-decoding")))
}

fn set_once<T>(slot: &mut Option<T>, name: &str, value: T) -> Result<(), Pkcs11Error> {
    if slot.is_some() {
        return Err(uri_err(format!("attribute {name} given twice")));
    }
    *slot = Some(value);
    Ok(())
}

fn split_attribute(attr: &str) -> Result<(&str, &str), Pkcs11Error> {
    if attr.is_empty() {
        return Err(uri_err("empty attribute"));
    }
    // The attribute is not echoed: a typo such as `pin-value1234` would put the PIN in the message.
    attr.split_once('=').ok_or_else(|| {
        uri_err(format!(
            "an attribute of {} characters has no '='",
            attr.chars().count()
        ))
    })
}

/// Turns a `pin-source` value (a path or a `file:` URI) into a path.
fn pin_source_path(value: &str) -> Result<PathBuf, Pkcs11Error> {
    let path = match value.strip_prefix("file:") {
        None => value,
        Some(rest) => match rest.strip_prefix("//") {
            // file:///abs, file://localhost/abs
            Some(authority_and_path) => {
                let (host, path) = authority_and_path
                    .find('/')
                    .map_or((authority_and_path, ""), |i| authority_and_path.split_at(i));
                if !(host.is_empty() || host == "localhost") {
                    return Err(uri_err("pin-source: a file: URI must name a local file"));
                }
                path
            }
            // file:/abs or file:relative
            None => rest,
        },
    };
    if path.is_empty() {
        return Err(uri_err("pin-source is empty"));
    }
    Ok(PathBuf::from(path))
}

impl Pkcs11Uri {
    /// Parses an RFC 7512 `pkcs11:` URI. Pure: nothing is read (a `pin-source` file is read only when
    /// the key is opened), and the environment is not consulted.
    pub fn parse(text: &str) -> Result<Self, Pkcs11Error> {
        if text.len() > MAX_URI_LEN {
            return Err(uri_err(format!("longer than {MAX_URI_LEN} bytes")));
        }
        let rest = match text.get(..7) {
            Some(scheme) if scheme.eq_ignore_ascii_case("pkcs11:") => text.get(7..).unwrap_or(""),
            _ => return Err(uri_err("does not start with pkcs11:")),
        };
        let (path, query) = match rest.split_once('?') {
            Some((path, query)) => (path, Some(query)),
            None => (rest, None),
        };
        check_chars(path, false)?;
        let mut uri = Pkcs11Uri {
            token: None,
            manufacturer: None,
            serial: None,
            model: None,
            slot_id: None,
            object: None,
            id: None,
            module_path: None,
            pin: PinSpec::Unset,
        };
        if !path.is_empty() {
            for attr in path.split(';') {
                uri.path_attribute(attr)?;
            }
        }
        if let Some(query) = query {
            check_chars(query, true)?;
            let mut pin_value: Option<AuthPin> = None;
            let mut pin_source: Option<PathBuf> = None;
            for attr in query.split('&') {
                let (name, value) = split_attribute(attr)?;
                match name {
                    "module-path" => {
                        let path = decode_text(name, value)?;
                        if path.is_empty() {
                            return Err(uri_err("module-path is empty"));
                        }
                        set_once(&mut uri.module_path, name, PathBuf::from(path))?;
                    }
                    "pin-value" => {
                        let bytes = percent_decode(value)?;
                        let pin = std::str::from_utf8(&bytes)
                            .map_err(|_| uri_err("pin-value: not UTF-8 after percent-decoding"))?;
                        set_once(&mut pin_value, name, AuthPin::from(pin))?;
                    }
                    "pin-source" => {
                        let source = decode_text(name, value)?;
                        set_once(&mut pin_source, name, pin_source_path(&source)?)?;
                    }
                    "module-name" => {
                        return Err(uri_err(
                            "module-name is not supported; give module-path (an absolute path)",
                        ));
                    }
                    _ if name.starts_with("x-") => {}
                    _ => return Err(uri_err(format!("unknown query attribute {name:?}"))),
                }
            }
            uri.pin = match (pin_value, pin_source) {
                (Some(_), Some(_)) => {
                    return Err(uri_err("give pin-value or pin-source, not both"));
                }
                (Some(pin), None) => PinSpec::Value(pin),
                (None, Some(path)) => PinSpec::Source(path),
                (None, None) => PinSpec::Unset,
            };
        }
        Ok(uri)
    }

    fn path_attribute(&mut self, attr: &str) -> Result<(), Pkcs11Error> {
        let (name, value) = split_attribute(attr)?;
        match name {
            "token" => set_once(&mut self.token, name, decode_text(name, value)?),
            "manufacturer" => set_once(&mut self.manufacturer, name, decode_text(name, value)?),
            "serial" => set_once(&mut self.serial, name, decode_text(name, value)?),
            "model" => set_once(&mut self.model, name, decode_text(name, value)?),
            "object" => set_once(&mut self.object, name, decode_text(name, value)?),
            "id" => set_once(&mut self.id, name, percent_decode(value)?.to_vec()),
            "slot-id" => {
                let text = decode_text(name, value)?;
                let id = if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
                    text.parse::<u64>().ok()
                } else {
                    None
                };
                let id = id.ok_or_else(|| uri_err("slot-id must be a decimal number"))?;
                set_once(&mut self.slot_id, name, id)
            }
            "type" => match decode_text(name, value)?.as_str() {
                "private" => Ok(()),
                other => Err(uri_err(format!(
                    "type={other} cannot sign; use type=private or leave type out"
                ))),
            },
            "library-manufacturer"
            | "library-description"
            | "library-version"
            | "slot-description"
            | "slot-manufacturer" => Err(uri_err(format!(
                "path attribute {name} is not supported; select the token with token, \
                 manufacturer, serial, model or slot-id"
            ))),
            _ => Err(uri_err(format!("unknown path attribute {name:?}"))),
        }
    }

    /// The token label (`token`).
    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// The token manufacturer (`manufacturer`).
    pub fn manufacturer(&self) -> Option<&str> {
        self.manufacturer.as_deref()
    }

    /// The token serial number (`serial`).
    pub fn serial(&self) -> Option<&str> {
        self.serial.as_deref()
    }

    /// The token model (`model`).
    pub fn model(&self) -> Option<&str> {
        self.model.as_deref()
    }

    /// The slot (`slot-id`).
    pub fn slot_id(&self) -> Option<u64> {
        self.slot_id
    }

    /// The key's label (`object`).
    pub fn object(&self) -> Option<&str> {
        self.object.as_deref()
    }

    /// The key's CKA_ID (`id`), decoded.
    pub fn id(&self) -> Option<&[u8]> {
        self.id.as_deref()
    }

    /// The module named in the URI (`module-path`), if any.
    pub fn module_path(&self) -> Option<&Path> {
        self.module_path.as_deref()
    }

    /// Whether the URI carries the PIN itself (`pin-value`).
    pub fn has_pin_value(&self) -> bool {
        matches!(self.pin, PinSpec::Value(_))
    }

    /// The `pin-source` file, if any.
    pub fn pin_source(&self) -> Option<&Path> {
        match &self.pin {
            PinSpec::Source(path) => Some(path),
            _ => None,
        }
    }

    /// The module to load: `module-path`, else `$YIMA_PKCS11_MODULE`; it must be an absolute path (a
    /// bare library name would be looked up on the loader's search path).
    pub fn resolve_module(&self) -> Result<PathBuf, Pkcs11Error> {
        self.resolve_module_with(|name| std::env::var_os(name))
    }

    pub(crate) fn resolve_module_with(
        &self,
        env: impl Fn(&str) -> Option<OsString>,
    ) -> Result<PathBuf, Pkcs11Error> {
        let path = match &self.module_path {
            Some(path) => path.clone(),
            None => match env(ENV_MODULE) {
                Some(value) if !value.is_empty() => PathBuf::from(value),
                _ => {
                    return Err(Pkcs11Error::Module(format!(
                        "no module: add ?module-path=/path/to/module.so to the URI or set {ENV_MODULE}"
                    )));
                }
            },
        };
        if !path.is_absolute() {
            return Err(Pkcs11Error::Module(format!(
                "{}: the module path must be absolute",
                path.display()
            )));
        }
        Ok(path)
    }

    /// The user PIN: `pin-value`, else the contents of the `pin-source` file (at most 256 bytes, one
    /// trailing newline removed), else `$YIMA_PKCS11_PIN`, else none.
    pub fn resolve_pin(&self) -> Result<Option<AuthPin>, Pkcs11Error> {
        self.resolve_pin_with(|name| std::env::var_os(name))
    }

    pub(crate) fn resolve_pin_with(
        &self,
        env: impl Fn(&str) -> Option<OsString>,
    ) -> Result<Option<AuthPin>, Pkcs11Error> {
        match &self.pin {
            PinSpec::Value(pin) => Ok(Some(pin.clone())),
            PinSpec::Source(path) => read_pin_file(path).map(Some),
            PinSpec::Unset => match env(ENV_PIN) {
                None => Ok(None),
                Some(value) => {
                    let value = Zeroizing::new(value.into_encoded_bytes());
                    pin_from_bytes(&value, ENV_PIN).map(Some)
                }
            },
        }
    }
}

fn pin_from_bytes(bytes: &[u8], from: &str) -> Result<AuthPin, Pkcs11Error> {
    let pin = std::str::from_utf8(bytes)
        .map_err(|_| Pkcs11Error::Pin(format!("{from}: the PIN is not UTF-8")))?;
    if pin.is_empty() {
        return Err(Pkcs11Error::Pin(format!("{from}: the PIN is empty")));
    }
    Ok(AuthPin::from(pin))
}

fn read_pin_file(path: &Path) -> Result<AuthPin, Pkcs11Error> {
    let shown = path.display();
    let file = std::fs::File::open(path)
        .map_err(|e| Pkcs11Error::Pin(format!("pin-source {shown}: {e}")))?;
    // Sized up front so `read_to_end` never reallocates and leaves PIN bytes in freed memory.
    let mut buf = Zeroizing::new(Vec::with_capacity(
        usize::try_from(MAX_PIN_FILE + 1).unwrap_or(usize::MAX),
    ));
    file.take(MAX_PIN_FILE + 1)
        .read_to_end(&mut buf)
        .map_err(|e| Pkcs11Error::Pin(format!("pin-source {shown}: {e}")))?;
    if buf.len() as u64 > MAX_PIN_FILE {
        return Err(Pkcs11Error::Pin(format!(
            "pin-source {shown}: larger than {MAX_PIN_FILE} bytes"
        )));
    }
    let mut pin: &[u8] = &buf;
    if let Some(rest) = pin.strip_suffix(b"\n") {
        pin = rest.strip_suffix(b"\r").unwrap_or(rest);
    }
    pin_from_bytes(pin, &format!("pin-source {shown}"))
}
