//! Signing with Ed25519 keys that never leave a hardware security module: a [`Pkcs11Signer`] opened from
//! an RFC 7512 `pkcs11:` URI implements [`yima_core::Signer`], so credentials, trust bundles and status
//! lists can be signed in the HSM. [`generate`] makes a new key pair inside the token.
//!
//! ```no_run
//! use yima_pkcs11::{Pkcs11Signer, Pkcs11Uri};
//! let uri = Pkcs11Uri::parse(
//!     "pkcs11:token=issuer;object=sh-2026?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=/run/secrets/pin",
//! )?;
//! let signer = Pkcs11Signer::open(&uri)?;
//! # Ok::<(), yima_pkcs11::Pkcs11Error>(())
//! ```
//!
//! The PKCS#11 module is native code loaded into this process from the path the operator gives
//! (`module-path` or `$YIMA_PKCS11_MODULE`); only absolute paths are accepted.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod device;
mod error;
mod uri;

pub use device::{EC_PARAMS_ED25519_OID, EC_PARAMS_EDWARDS25519, Pkcs11Signer, generate};
pub use error::Pkcs11Error;
pub use uri::{ENV_MODULE, ENV_PIN, MAX_PIN_FILE, MAX_URI_LEN, Pkcs11Uri};

#[cfg(test)]
mod tests {
    // Pure unit tests: URI parsing, percent-decoding, PIN sources and redaction, error codes.

    use std::ffi::OsString;
    use std::io::Write;

    use proptest::prelude::*;

    use crate::device::parse_ec_point;
    use crate::uri::percent_decode;
    use crate::{Pkcs11Error, Pkcs11Signer, Pkcs11Uri};

    fn parse(text: &str) -> Pkcs11Uri {
        match Pkcs11Uri::parse(text) {
            Ok(uri) => uri,
            Err(e) => panic!("{text}: {e}"),
        }
    }

    fn err(text: &str) -> Pkcs11Error {
        match Pkcs11Uri::parse(text) {
            Ok(uri) => panic!("{text} parsed: {uri:?}"),
            Err(e) => e,
        }
    }

    fn no_env(_: &str) -> Option<OsString> {
        None
    }

    #[test]
    fn full_uri() {
        let uri = parse(
            "pkcs11:token=yima%20test;manufacturer=SoftHSM%20project;serial=1234;model=SoftHSM%20v2;\
             slot-id=7;object=issuer;id=%01%02%ff;type=private\
             ?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=file:///run/pin&x-vendor=1",
        );
        assert_eq!(uri.token(), Some("yima test"));
        assert_eq!(uri.manufacturer(), Some("SoftHSM project"));
        assert_eq!(uri.serial(), Some("1234"));
        assert_eq!(uri.model(), Some("SoftHSM v2"));
        assert_eq!(uri.slot_id(), Some(7));
        assert_eq!(uri.object(), Some("issuer"));
        assert_eq!(uri.id(), Some(&[1u8, 2, 0xff][..]));
        assert_eq!(
            uri.module_path(),
            Some(std::path::Path::new("/usr/lib/softhsm/libsofthsm2.so"))
        );
        assert_eq!(uri.pin_source(), Some(std::path::Path::new("/run/pin")));
        assert!(!uri.has_pin_value());
    }

    #[test]
    fn minimal_uris() {
        let uri = parse("pkcs11:");
        assert_eq!(uri.token(), None);
        assert_eq!(uri.object(), None);
        assert_eq!(uri.module_path(), None);
        let uri = parse("PKCS11:object=k");
        assert_eq!(uri.object(), Some("k"));
        let uri = parse("pkcs11:?pin-value=1234");
        assert!(uri.has_pin_value());
        // Non-ASCII labels are accepted unescaped (UTF-8) as well as percent-encoded.
        assert_eq!(parse("pkcs11:object=签名").object(), Some("签名"));
        assert_eq!(
            parse("pkcs11:object=%E7%AD%BE%E5%90%8D").object(),
            Some("签名")
        );
        // The query may hold '/', '?' and '|'.
        let uri = parse("pkcs11:object=a?module-path=/opt/x?y|z.so");
        assert_eq!(
            uri.module_path(),
            Some(std::path::Path::new("/opt/x?y|z.so"))
        );
    }

    #[test]
    fn pin_source_forms() {
        for (text, path) in [
            ("pkcs11:?pin-source=/etc/pin", "/etc/pin"),
            ("pkcs11:?pin-source=file:/etc/pin", "/etc/pin"),
            ("pkcs11:?pin-source=file:///etc/pin", "/etc/pin"),
            ("pkcs11:?pin-source=file://localhost/etc/pin", "/etc/pin"),
            ("pkcs11:?pin-source=pin.txt", "pin.txt"),
            ("pkcs11:?pin-source=%2Fetc%2Fmy%20pin", "/etc/my pin"),
        ] {
            assert_eq!(
                parse(text).pin_source(),
                Some(std::path::Path::new(path)),
                "{text}"
            );
        }
        assert_eq!(
            err("pkcs11:?pin-source=file://host/etc/pin").code(),
            "pkcs11.uri"
        );
        assert_eq!(err("pkcs11:?pin-source=").code(), "pkcs11.uri");
    }

    #[test]
    fn malformed_uris() {
        for text in [
            "",
            "pkcs11",
            "pkcs12:token=a",
            "file:///key.pem",
            "pkcs11:token",                          // no '='
            "pkcs11:token=a;;object=b",              // empty attribute
            "pkcs11:token=a;",                       // trailing empty attribute
            "pkcs11:token=a;token=b",                // duplicate
            "pkcs11:object=a;object=a",              // duplicate, same value
            "pkcs11:id=%01;id=%01",                  // duplicate id
            "pkcs11:?module-path=/a&module-path=/b", // duplicate query attribute
            "pkcs11:?pin-value=1&pin-value=2",
            "pkcs11:?pin-value=1&pin-source=/p", // both PIN forms
            "pkcs11:object=a%",                  // truncated escape
            "pkcs11:object=a%4",
            "pkcs11:object=a%zz",
            "pkcs11:object=a%G0",
            "pkcs11:object=%ff%fe", // not UTF-8
            "pkcs11:object=a b",    // space must be escaped
            "pkcs11:object=a/b",    // '/' not allowed in the path
            "pkcs11:object=a#frag",
            "pkcs11:object=a\nb",
            "pkcs11:object=a\"b",
            "pkcs11:foo=bar",                     // unknown path attribute
            "pkcs11:x-vendor=1",                  // vendor path attribute: refused, not ignored
            "pkcs11:library-manufacturer=OpenSC", // RFC attribute not supported
            "pkcs11:slot-description=x",
            "pkcs11:slot-id=abc",
            "pkcs11:slot-id=-1",
            "pkcs11:slot-id=",
            "pkcs11:slot-id=99999999999999999999999",
            "pkcs11:type=public",
            "pkcs11:type=cert",
            "pkcs11:type=secret-key",
            "pkcs11:?foo=bar", // unknown query attribute
            "pkcs11:?module-name=softhsm2",
            "pkcs11:?module-path=",
            "pkcs11:?pin-value",
            "pkcs11:?", // empty query attribute
            "pkcs11:?module-path=/a b",
        ] {
            let e = err(text);
            assert_eq!(e.code(), "pkcs11.uri", "{text:?}: {e}");
        }
        let long = format!("pkcs11:object={}", "a".repeat(crate::MAX_URI_LEN));
        assert_eq!(err(&long).code(), "pkcs11.uri");
        assert!(err(&long).to_string().contains("longer than"));
    }

    #[test]
    fn percent_decoding() {
        let decode = |s: &str| percent_decode(s).map(|v| v.to_vec());
        assert_eq!(decode("abc").ok(), Some(b"abc".to_vec()));
        assert_eq!(decode("%41%62%2f%2F").ok(), Some(b"Ab//".to_vec()));
        assert_eq!(decode("%00%ff").ok(), Some(vec![0, 0xff]));
        assert_eq!(decode("").ok(), Some(Vec::new()));
        // Decoding happens once: %2541 is "%41", not "A".
        assert_eq!(decode("%2541").ok(), Some(b"%41".to_vec()));
        for bad in ["%", "%4", "%4g", "%g4", "a%", "%%41", "%\u{e9}1"] {
            assert!(decode(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn pin_is_redacted_in_debug_and_errors() {
        let uri =
            parse("pkcs11:token=t;object=k?pin-value=s3cr3t-%50IN&module-path=/nonexistent/m.so");
        let debug = format!("{uri:?}");
        assert!(!debug.contains("s3cr3t"), "{debug}");
        assert!(!debug.contains("PIN"), "{debug}");
        assert!(debug.contains("redacted"), "{debug}");
        let e = match Pkcs11Signer::open(&uri) {
            Ok(s) => panic!("opened {s:?}"),
            Err(e) => e,
        };
        assert_eq!(e.code(), "pkcs11.module");
        assert!(!format!("{e} {e:?}").contains("s3cr3t"));
        // A malformed URI's error does not echo a PIN either.
        let e = err("pkcs11:object=k?pin-value=s3cr3t&pin-source=/p");
        assert!(!format!("{e} {e:?}").contains("s3cr3t"));
        // Nor a typo that leaves out the '=' (the attribute would be the PIN).
        for typo in [
            "pkcs11:object=k?pin-values3cr3t",
            "pkcs11:object=k?pin-value:s3cr3t",
        ] {
            let e = err(typo);
            assert_eq!(e.code(), "pkcs11.uri");
            assert!(!format!("{e} {e:?}").contains("s3cr3t"), "{e}");
        }
    }

    #[test]
    fn module_resolution() {
        let uri = parse("pkcs11:object=k");
        let e = uri.resolve_module_with(no_env).map(|_| ()).unwrap_err();
        assert_eq!(e.code(), "pkcs11.module");
        assert!(e.to_string().contains("YIMA_PKCS11_MODULE"));
        let from_env = uri
            .resolve_module_with(|name| {
                (name == crate::ENV_MODULE).then(|| OsString::from("/opt/hsm/module.so"))
            })
            .unwrap();
        assert_eq!(from_env, std::path::PathBuf::from("/opt/hsm/module.so"));
        // The URI wins over the environment.
        let uri = parse("pkcs11:object=k?module-path=/usr/lib/m.so");
        let path = uri
            .resolve_module_with(|_| Some(OsString::from("/other.so")))
            .unwrap();
        assert_eq!(path, std::path::PathBuf::from("/usr/lib/m.so"));
        // Relative paths would be searched on the loader path: refused.
        let uri = parse("pkcs11:object=k?module-path=libsofthsm2.so");
        assert_eq!(
            uri.resolve_module_with(no_env).unwrap_err().code(),
            "pkcs11.module"
        );
        let uri = parse("pkcs11:object=k");
        assert_eq!(
            uri.resolve_module_with(|_| Some(OsString::from("rel.so")))
                .unwrap_err()
                .code(),
            "pkcs11.module"
        );
    }

    #[test]
    fn missing_module_file() {
        let uri = parse("pkcs11:object=k?module-path=/nonexistent/yima/module.so&pin-value=1");
        let e = Pkcs11Signer::open(&uri).unwrap_err();
        assert_eq!(e.code(), "pkcs11.module");
        assert!(e.to_string().contains("/nonexistent/yima/module.so"));
        // A file that is not a shared library.
        let dir = tempfile::tempdir().unwrap();
        let fake = dir.path().join("fake.so");
        std::fs::write(&fake, b"not an ELF file").unwrap();
        let uri = parse(&format!(
            "pkcs11:object=k?module-path={}&pin-value=1",
            fake.display()
        ));
        let e = crate::generate(&uri).unwrap_err();
        assert_eq!(e.code(), "pkcs11.module");
        // generate needs a label before anything is loaded.
        let e = crate::generate(&parse("pkcs11:id=%01?module-path=/x.so")).unwrap_err();
        assert_eq!(e.code(), "pkcs11.uri");
    }

    fn pin_text(
        uri: &Pkcs11Uri,
        env: impl Fn(&str) -> Option<OsString>,
    ) -> Result<Option<String>, Pkcs11Error> {
        use secrecy::ExposeSecret;
        uri.resolve_pin_with(env)
            .map(|pin| pin.map(|p| p.expose_secret().to_owned()))
    }

    #[test]
    fn pin_sources() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, body: &[u8]| {
            let path = dir.path().join(name);
            let mut f = std::fs::File::create(&path).unwrap();
            f.write_all(body).unwrap();
            path
        };
        let env_pin = |name: &str| (name == crate::ENV_PIN).then(|| OsString::from("from-env"));

        // pin-value: the URI's own.
        let uri = parse("pkcs11:?pin-value=12%2034");
        assert_eq!(pin_text(&uri, env_pin).unwrap().as_deref(), Some("12 34"));

        // pin-source: one trailing newline (LF or CRLF) is removed, nothing else.
        for (body, want) in [
            (&b"123456\n"[..], Some("123456")),
            (b"123456\r\n", Some("123456")),
            (b"123456", Some("123456")),
            (b"123456\n\n", Some("123456\n")),
            (b" 123456 \n", Some(" 123456 ")),
            (b"\n", None),
            (b"", None),
            (b"\xff\xfe\n", None),
        ] {
            let path = write("pin", body);
            let uri = parse(&format!("pkcs11:?pin-source={}", path.display()));
            match (pin_text(&uri, env_pin), want) {
                (Ok(got), Some(want)) => assert_eq!(got.as_deref(), Some(want)),
                (Err(e), None) => assert_eq!(e.code(), "pkcs11.pin"),
                (got, want) => panic!("{body:?}: {got:?}, wanted {want:?}"),
            }
        }
        // Too large a file.
        let path = write("big", &[b'1'; crate::MAX_PIN_FILE as usize + 1]);
        let uri = parse(&format!("pkcs11:?pin-source=file://{}", path.display()));
        let e = uri.resolve_pin_with(no_env).unwrap_err();
        assert_eq!(e.code(), "pkcs11.pin");
        assert!(e.to_string().contains("larger"));
        // Exactly the limit is fine.
        let path = write("limit", &[b'1'; crate::MAX_PIN_FILE as usize]);
        let uri = parse(&format!("pkcs11:?pin-source={}", path.display()));
        assert!(uri.resolve_pin_with(no_env).unwrap().is_some());
        // Missing file.
        let uri = parse("pkcs11:?pin-source=/nonexistent/yima/pin");
        assert_eq!(
            uri.resolve_pin_with(no_env).unwrap_err().code(),
            "pkcs11.pin"
        );

        // Neither: the environment, else none.
        let uri = parse("pkcs11:object=k");
        assert_eq!(
            pin_text(&uri, env_pin).unwrap().as_deref(),
            Some("from-env")
        );
        assert_eq!(pin_text(&uri, no_env).unwrap(), None);
        let empty = |_: &str| Some(OsString::new());
        assert_eq!(
            uri.resolve_pin_with(empty).unwrap_err().code(),
            "pkcs11.pin"
        );
    }

    #[test]
    fn ec_point_encodings() {
        let key = [7u8; 32];
        let mut der = vec![0x04, 0x20];
        der.extend_from_slice(&key);
        assert_eq!(parse_ec_point(&der), Some(key));
        assert_eq!(parse_ec_point(&key), Some(key));
        assert_eq!(parse_ec_point(&der[..33]), None);
        assert_eq!(parse_ec_point(&[0x04, 0x21, 0]), None);
        assert_eq!(parse_ec_point(&[]), None);
        let mut long = der.clone();
        long.push(0);
        assert_eq!(parse_ec_point(&long), None);
    }

    #[test]
    fn error_codes_are_stable() {
        let all = [
            (Pkcs11Error::Uri(String::new()), "pkcs11.uri"),
            (Pkcs11Error::Pin(String::new()), "pkcs11.pin"),
            (Pkcs11Error::Module(String::new()), "pkcs11.module"),
            (
                Pkcs11Error::TokenNotFound(String::new()),
                "pkcs11.token-not-found",
            ),
            (
                Pkcs11Error::TokenAmbiguous(String::new()),
                "pkcs11.token-ambiguous",
            ),
            (Pkcs11Error::Login(String::new()), "pkcs11.login"),
            (
                Pkcs11Error::KeyNotFound(String::new()),
                "pkcs11.key-not-found",
            ),
            (
                Pkcs11Error::KeyAmbiguous(String::new()),
                "pkcs11.key-ambiguous",
            ),
            (Pkcs11Error::KeyType(String::new()), "pkcs11.key-type"),
            (Pkcs11Error::KeyExists(String::new()), "pkcs11.key-exists"),
            (Pkcs11Error::Device(String::new()), "pkcs11.device"),
        ];
        for (e, code) in all {
            assert_eq!(e.code(), code);
        }
    }

    #[test]
    fn signer_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Pkcs11Signer>();
        assert_send_sync::<Pkcs11Uri>();
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn parse_never_panics(text in ".{0,200}") {
            let _ = Pkcs11Uri::parse(&text);
            let _ = Pkcs11Uri::parse(&format!("pkcs11:{text}"));
        }

        #[test]
        fn parse_never_panics_on_uri_like(text in "pkcs11:[a-z=;?&%0-9A-F/:._~-]{0,120}") {
            if let Ok(uri) = Pkcs11Uri::parse(&text) {
                let _ = format!("{uri:?}");
            }
        }

        #[test]
        fn escaped_labels_round_trip(label in proptest::collection::vec(any::<u8>(), 0..40)) {
            let escaped: String = label.iter().map(|b| format!("%{b:02X}")).collect();
            let uri = Pkcs11Uri::parse(&format!("pkcs11:id={escaped}"));
            prop_assert!(uri.is_ok());
            if let Ok(uri) = uri {
                prop_assert_eq!(uri.id(), Some(&label[..]));
            }
        }
    }
}
