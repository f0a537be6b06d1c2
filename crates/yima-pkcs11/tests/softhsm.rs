//! Live tests against SoftHSM2, with OpenSC's `pkcs11-tool` as an independent peer: keys it generates
//! sign through yima, and keys yima generates sign through it. Ignored by default; `interop/pkcs11.sh`
//! prepares a fresh token and runs them with:
//!
//! - `YIMA_TEST_PKCS11_MODULE`: the module (e.g. /usr/lib/softhsm/libsofthsm2.so);
//! - `SOFTHSM2_CONF`: a SoftHSM configuration whose token directory holds the token below;
//! - `YIMA_TEST_PKCS11_TOKEN` (default `yima-test`) and `YIMA_TEST_PKCS11_PIN` (default `123456`).
//!
//! The tests run one at a time (a PKCS#11 module's login state is per process, so a wrong-PIN test
//! must not run while another test holds a logged-in session).

// Test helpers outside #[test] functions fail loudly, like the tests themselves.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, Mutex, MutexGuard};

use yima_core::{Kind, Signer, VerifyOptions, VerifyingKey, issue_with, samples, verify_text};
use yima_pkcs11::{Pkcs11Signer, Pkcs11Uri, generate};

static SERIAL: Mutex<()> = Mutex::new(());

struct Env {
    module: PathBuf,
    token: String,
    pin: String,
    _guard: MutexGuard<'static, ()>,
}

fn env() -> Env {
    let guard = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let module = std::env::var_os("YIMA_TEST_PKCS11_MODULE")
        .map(PathBuf::from)
        .expect("YIMA_TEST_PKCS11_MODULE must name the PKCS#11 module (run interop/pkcs11.sh)");
    assert!(module.is_file(), "{} does not exist", module.display());
    assert!(
        std::env::var_os("SOFTHSM2_CONF").is_some(),
        "SOFTHSM2_CONF must point at the test token's configuration (run interop/pkcs11.sh)"
    );
    Env {
        module,
        token: std::env::var("YIMA_TEST_PKCS11_TOKEN").unwrap_or_else(|_| "yima-test".into()),
        pin: std::env::var("YIMA_TEST_PKCS11_PIN").unwrap_or_else(|_| "123456".into()),
        _guard: guard,
    }
}

/// A label no earlier run used, so the tests can run again on the same token.
fn fresh_label(what: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{what}-{}-{nanos}", std::process::id())
}

impl Env {
    fn uri(&self, object: &str, pin: &str) -> Pkcs11Uri {
        let text = format!(
            "pkcs11:token={};object={object}?module-path={}&pin-value={pin}",
            self.token,
            self.module.display()
        );
        Pkcs11Uri::parse(&text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    fn tool(&self, args: &[&str]) -> std::process::Output {
        let out = Command::new("pkcs11-tool")
            .arg("--module")
            .arg(&self.module)
            .args(["--token-label", &self.token])
            .args(args)
            .output()
            .expect("running pkcs11-tool (apt-get install opensc)");
        assert!(
            out.status.success(),
            "pkcs11-tool {args:?} failed: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }
}

fn health_code_at(now: u64) -> yima_core::Claims {
    samples::claims(Kind::HealthCode, now, [9; 8])
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// (a) A key pair made by pkcs11-tool signs through yima; the credential verifies under the public key
/// pkcs11-tool exports (SPKI), from many threads sharing one signer.
#[test]
#[ignore = "needs SoftHSM2; run by interop/run.sh"]
fn pkcs11_tool_key_signs_through_yima() {
    let env = env();
    let label = fresh_label("peer");
    // An id of this run's own, so that selecting by id finds this key only.
    let id: String = label
        .bytes()
        .rev()
        .take(6)
        .map(|b| format!("{b:02x}"))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    env.tool(&[
        "--login",
        "--pin",
        &env.pin,
        "--keypairgen",
        "--key-type",
        "EC:edwards25519",
        "--label",
        &label,
        "--id",
        &id,
    ]);
    let pub_path = dir.path().join("pub.pem");
    env.tool(&[
        "--read-object",
        "--type",
        "pubkey",
        "--label",
        &label,
        "-o",
        pub_path.to_str().unwrap(),
    ]);
    let exported = std::fs::read_to_string(&pub_path).unwrap();
    let peer_key = VerifyingKey::from_public_key_pem(&exported)
        .unwrap_or_else(|e| panic!("pkcs11-tool's export is not an SPKI PEM Ed25519 key: {e}"));

    // Selected by label; by id (and type=private) too.
    let signer = Pkcs11Signer::open(&env.uri(&label, &env.pin)).unwrap();
    assert_eq!(signer.verifying_key(), peer_key);
    assert_eq!(signer.key_label(), label);
    assert_eq!(signer.token_label(), env.token);
    let by_id = Pkcs11Uri::parse(&format!(
        "pkcs11:token={};id={};type=private?module-path={}&pin-value={}",
        env.token,
        id.as_bytes()
            .chunks(2)
            .map(|pair| format!("%{}", String::from_utf8_lossy(pair)))
            .collect::<String>(),
        env.module.display(),
        env.pin
    ))
    .unwrap();
    assert_eq!(
        Pkcs11Signer::open(&by_id).unwrap().verifying_key(),
        peer_key
    );
    assert!(signer.signatures_need_check());

    let now = now();
    let issued = issue_with(&health_code_at(now), &signer).unwrap();
    let verified = verify_text(
        &issued.text,
        std::slice::from_ref(&peer_key),
        &VerifyOptions::at(now),
    )
    .unwrap();
    assert_eq!(verified.claims(), &health_code_at(now));

    // Raw signatures are pure Ed25519 (RFC 8032) under the exported key.
    let sig = signer.try_sign(b"yima").unwrap();
    assert!(peer_key.verify_strict(b"yima", &sig));

    // Batch issuance shares one signer across worker threads.
    let signer: Arc<dyn Signer + Send + Sync> = Arc::new(signer);
    let handles: Vec<_> = (0..4u64)
        .map(|i| {
            let signer = Arc::clone(&signer);
            std::thread::spawn(move || {
                (0..5u64)
                    .map(|j| {
                        issue_with(&health_code_at(now + i * 10 + j), &*signer)
                            .unwrap()
                            .text
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    for handle in handles {
        for text in handle.join().unwrap() {
            verify_text(
                &text,
                std::slice::from_ref(&peer_key),
                &VerifyOptions { now, leeway: 3600 },
            )
            .unwrap();
        }
    }
}

/// (b) A key yima generates in the token signs through pkcs11-tool (CKM_EDDSA), and the signature
/// verifies under yima's VerifyingKey; the private key is sensitive and not extractable.
#[test]
#[ignore = "needs SoftHSM2; run by interop/run.sh"]
fn yima_generated_key_signs_through_pkcs11_tool() {
    let env = env();
    let label = fresh_label("gen");
    let dir = tempfile::tempdir().unwrap();
    let uri = env.uri(&label, &env.pin);
    let public = generate(&uri).unwrap();
    // Without an id in the URI, the pair's CKA_ID is the kid; pkcs11-tool selects the key by it.
    let id: String = public.kid().iter().map(|b| format!("{b:02x}")).collect();

    // Generating again under the same label is refused.
    let again = generate(&uri).unwrap_err();
    assert_eq!(again.code(), "pkcs11.key-exists", "{again}");

    let msg = dir.path().join("msg");
    let sig = dir.path().join("sig");
    let message = b"signed by pkcs11-tool with a key yima generated";
    std::fs::write(&msg, message).unwrap();
    env.tool(&[
        "--login",
        "--pin",
        &env.pin,
        "--sign",
        "--mechanism",
        "EDDSA",
        "--id",
        &id,
        "-i",
        msg.to_str().unwrap(),
        "-o",
        sig.to_str().unwrap(),
    ]);
    let sig: [u8; 64] = std::fs::read(&sig)
        .unwrap()
        .try_into()
        .expect("pkcs11-tool wrote a 64-byte Ed25519 signature");
    assert!(public.verify_strict(message, &sig));

    // pkcs11-tool sees the attributes yima asked for.
    let listing = env.tool(&[
        "--login",
        "--pin",
        &env.pin,
        "--list-objects",
        "--type",
        "privkey",
    ]);
    let listing = String::from_utf8_lossy(&listing.stdout);
    let ours = listing
        .split("Private Key Object")
        .find(|block| block.contains(&label))
        .expect("the generated private key is listed");
    assert!(ours.contains("EC_EDWARDS"), "{ours}");
    assert!(ours.contains("never extractable"), "{ours}");
    assert!(ours.contains("sensitive"), "{ours}");
    assert!(ours.contains(&format!("ID:         {id}")), "{ours}");

    // An explicit id in the URI becomes the CKA_ID; an id already taken is refused.
    let with_id = Pkcs11Uri::parse(&format!(
        "pkcs11:token={};object={label}-b;id=%ee%{}?module-path={}&pin-value={}",
        env.token,
        &id[..2],
        env.module.display(),
        env.pin
    ))
    .unwrap();
    let second = generate(&with_id).unwrap();
    assert_eq!(
        Pkcs11Signer::open(&with_id).unwrap().verifying_key(),
        second
    );
    let taken = Pkcs11Uri::parse(&format!(
        "pkcs11:token={};object={label}-c;id=%ee%{}?module-path={}&pin-value={}",
        env.token,
        &id[..2],
        env.module.display(),
        env.pin
    ))
    .unwrap();
    assert_eq!(generate(&taken).unwrap_err().code(), "pkcs11.key-exists");

    // And yima opens it again and signs with it.
    let signer = Pkcs11Signer::open(&uri).unwrap();
    assert_eq!(signer.verifying_key(), public);
    let issued = issue_with(&health_code_at(now()), &signer).unwrap();
    verify_text(&issued.text, &[public], &VerifyOptions::at(now())).unwrap();
}

/// (c) Errors a real token gives: wrong PIN, unknown label, unknown token, an RSA key.
#[test]
#[ignore = "needs SoftHSM2; run by interop/run.sh"]
fn token_errors() {
    let env = env();
    let label = fresh_label("err");
    generate(&env.uri(&label, &env.pin)).unwrap();

    let wrong = Pkcs11Signer::open(&env.uri(&label, "000000")).unwrap_err();
    assert_eq!(wrong.code(), "pkcs11.login", "{wrong}");
    assert!(!wrong.to_string().contains("000000"));

    let missing = Pkcs11Signer::open(&env.uri("no-such-key", &env.pin)).unwrap_err();
    assert_eq!(missing.code(), "pkcs11.key-not-found", "{missing}");

    let no_token = Pkcs11Uri::parse(&format!(
        "pkcs11:token=no-such-token;object={label}?module-path={}&pin-value={}",
        env.module.display(),
        env.pin
    ))
    .unwrap();
    let e = Pkcs11Signer::open(&no_token).unwrap_err();
    assert_eq!(e.code(), "pkcs11.token-not-found", "{e}");

    // A PIN from a pin-source file (with its trailing newline) works.
    let dir = tempfile::tempdir().unwrap();
    let pin_file = dir.path().join("pin");
    std::fs::write(&pin_file, format!("{}\n", env.pin)).unwrap();
    let from_file = Pkcs11Uri::parse(&format!(
        "pkcs11:token={};object={label}?module-path={}&pin-source=file://{}",
        env.token,
        env.module.display(),
        pin_file.display()
    ))
    .unwrap();
    drop(Pkcs11Signer::open(&from_file).unwrap());

    // An RSA key under the label: not an Ed25519 key.
    let rsa = fresh_label("rsa");
    env.tool(&[
        "--login",
        "--pin",
        &env.pin,
        "--keypairgen",
        "--key-type",
        "rsa:2048",
        "--label",
        &rsa,
    ]);
    let e = Pkcs11Signer::open(&env.uri(&rsa, &env.pin)).unwrap_err();
    assert_eq!(e.code(), "pkcs11.key-type", "{e}");

    // Two keys under one label: ambiguous.
    let twin = fresh_label("twin");
    for id in ["7e01", "7e02"] {
        env.tool(&[
            "--login",
            "--pin",
            &env.pin,
            "--keypairgen",
            "--key-type",
            "EC:edwards25519",
            "--label",
            &twin,
            "--id",
            id,
        ]);
    }
    let e = Pkcs11Signer::open(&env.uri(&twin, &env.pin)).unwrap_err();
    assert_eq!(e.code(), "pkcs11.key-ambiguous", "{e}");
}
