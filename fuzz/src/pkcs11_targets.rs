//! Fuzz target body for `yima-pkcs11`'s RFC 7512 URI parser. Shared by the cargo-fuzz binary and the
//! stable replay test `crates/yima-pkcs11/tests/fuzz_corpus.rs` (which includes this file with
//! `#[path]`). Nothing here loads a module or touches a token.

use yima_pkcs11::Pkcs11Uri;

/// Arbitrary text → `Pkcs11Uri::parse`: never panics; every error has a `pkcs11.` code; a parsed URI's
/// accessors work, its `Debug` never shows a `pin-value`, and a relative module path never resolves.
pub fn pkcs11_uri(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    match Pkcs11Uri::parse(&text) {
        Err(e) => {
            assert!(e.code().starts_with("pkcs11."), "code {:?}", e.code());
            // The message must not show a PIN, even a misspelt `pin-value` attribute (no '=').
            let shown = e.to_string();
            if let Some(pin) = distinctive_pin(&text) {
                assert!(!shown.contains(pin), "PIN {pin:?} in the error: {shown}");
            }
        }
        Ok(uri) => {
            let _ = (
                uri.token(),
                uri.manufacturer(),
                uri.serial(),
                uri.model(),
                uri.slot_id(),
                uri.object(),
                uri.id(),
                uri.module_path(),
                uri.pin_source(),
            );
            let shown = format!("{uri:?}");
            if uri.has_pin_value() {
                assert!(shown.contains("<redacted>"), "{shown}");
                // The Debug output must not depend on the PIN: the same URI with another PIN shows
                // the same text.
                if let Some(other) = with_other_pin(&text)
                    && let Ok(other) = Pkcs11Uri::parse(&other)
                {
                    assert_eq!(format!("{other:?}"), shown, "Debug depends on the PIN");
                }
            }
            // A relative module path would be looked up on the loader's search path: never loaded.
            if uri.module_path().is_some_and(|p| !p.is_absolute()) {
                assert!(
                    uri.resolve_module().is_err(),
                    "relative module path resolved"
                );
            }
        }
    }
}

/// The same URI text with every query attribute that starts with `pin-value` (a PIN, or a misspelt
/// one such as `pin-value1234`) replaced by one of the same length made of other characters, or `None`
/// when there is none.
fn with_other_pin(text: &str) -> Option<String> {
    let (path, query) = text.split_once('?')?;
    let mut changed = false;
    let query: Vec<String> = query
        .split('&')
        .map(|a| match a.strip_prefix("pin-value") {
            Some(rest) => {
                changed = true;
                // Keep the '=' (or its absence) and the length; change every other character.
                let other: String = rest
                    .chars()
                    .enumerate()
                    .map(|(i, c)| {
                        if i == 0 && c == '=' {
                            '='
                        } else if c == '0' {
                            '1'
                        } else {
                            '0'
                        }
                    })
                    .collect();
                format!("pin-value{other}")
            }
            None => a.to_owned(),
        })
        .collect();
    changed.then(|| format!("{path}?{}", query.join("&")))
}

/// The value of a `pin-value` query attribute (or what follows a misspelt `pin-value`), when it is
/// distinctive enough that finding it in a message can only mean the message shows it: at least six
/// ASCII letters and digits with two of each, found once in the whole text, and not `pkcs11`.
fn distinctive_pin(text: &str) -> Option<&str> {
    let (_, query) = text.split_once('?')?;
    let rest = query.split('&').find_map(|a| a.strip_prefix("pin-value"))?;
    let pin = rest.strip_prefix(['=', ':']).unwrap_or(rest);
    let digits = pin.chars().filter(char::is_ascii_digit).count();
    let letters = pin.chars().filter(char::is_ascii_alphabetic).count();
    (pin.len() >= 6
        && digits >= 2
        && letters >= 2
        && pin.chars().all(|c| c.is_ascii_alphanumeric())
        && text.matches(pin).count() == 1
        && !pin.to_ascii_lowercase().contains("pkcs11"))
    .then_some(pin)
}
