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
            let _ = e.to_string();
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
                if let Some((path, query)) = text.split_once('?') {
                    let query: Vec<&str> = query
                        .split('&')
                        .map(|a| {
                            if a.starts_with("pin-value=") {
                                "pin-value=0000"
                            } else {
                                a
                            }
                        })
                        .collect();
                    let other = format!("{path}?{}", query.join("&"));
                    if let Ok(other) = Pkcs11Uri::parse(&other) {
                        assert_eq!(format!("{other:?}"), shown, "Debug depends on the PIN");
                    }
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
