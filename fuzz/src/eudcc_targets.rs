//! Fuzz target bodies for `yima-eudcc` (the EU DCC profile). Shared by the cargo-fuzz binaries and the
//! stable replay test `crates/yima-eudcc/tests/fuzz_corpus.rs` (which includes this file with `#[path]`).

use yima_eudcc::{Options, TrustList, Unverified};

/// A clock inside the validity of most dgc-testdata cases (2021-05-03).
const NOW: u64 = 1_620_000_000;

/// Every error must carry a stable `dcc.` code and render.
fn touch(e: &yima_eudcc::DccError) {
    assert!(e.code().starts_with("dcc."), "code {:?}", e.code());
    let _ = (e.stage(), e.to_string());
}

/// `HC1:` text → verdict, with an empty trust list (nothing can verify): prefix, Base45, zlib, lenient
/// COSE and the claims decoder (through `unverified_claims`).
pub fn eudcc_text(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let trust = TrustList::new();
    match Unverified::parse(&text) {
        Ok(u) => {
            if let Err(e) = u.unverified_claims() {
                touch(&e);
            }
            match u.verify(&trust, &Options::at(NOW)) {
                Ok(_) => panic!("verified with an empty trust list"),
                Err(e) => touch(&e),
            }
        }
        Err(e) => touch(&e),
    }
    assert!(yima_eudcc::verify(&text, &trust, NOW).is_err());
}

/// Raw COSE bytes → lenient COSE_Sign1 parse → claims; the same bytes as a bare payload.
pub fn eudcc_cose(data: &[u8]) {
    match Unverified::from_cose(data) {
        Ok(u) => {
            if let Err(e) = u.unverified_claims() {
                touch(&e);
            }
        }
        Err(e) => touch(&e),
    }
    if let Err(e) = yima_eudcc::claims::parse(data) {
        touch(&e);
    }
    if let Ok(v) = yima_eudcc::cbor::decode(data) {
        let _ = yima_eudcc::cbor::to_json(&v);
    }
}

/// Trust files (PEM, JSON trust lists, DER certificates).
pub fn eudcc_trust(data: &[u8]) {
    let mut trust = TrustList::new();
    match trust.add_file_bytes(data) {
        Ok(n) => assert!(n > 0),
        Err(e) => {
            let _ = (e.code(), e.to_string());
        }
    }
}
