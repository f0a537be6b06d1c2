//! Document Signer Certificates (DSCs) and the trust list a verifier holds.
//!
//! A DSC is an X.509 certificate; an EU DCC names it by `kid`, the first 8 bytes of SHA-256 over the
//! certificate's DER. The certificate is parsed with `x509-parser`, which is lenient about DER details
//! that real DSCs get wrong (an encoded DEFAULT such as `cA FALSE`, an empty extended-key-usage list);
//! nothing from the certificate is used except the validity window, the public key and the extended key
//! usage. The certificate's own signature is not checked: the trust list is the trust anchor (as in the
//! EU gateway's distribution, where the list itself is what is authenticated).

use std::collections::HashMap;
use std::fmt;

use sha2::{Digest, Sha256};
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::error::TrustError;

/// Largest certificate accepted, in bytes (real DSCs are 0.5 to 2 KiB).
pub const MAX_CERT_BYTES: usize = 16 * 1024;
/// Largest PEM or JSON trust file accepted by [`TrustList::add_file_bytes`], in bytes.
pub const MAX_TRUST_FILE_BYTES: usize = 16 * 1024 * 1024;
/// Most certificates in one trust list.
pub const MAX_CERTS: usize = 100_000;

/// Extended-key-usage OIDs that restrict a DSC to certificate types (hcert spec §5.1.1), in the spelling of
/// the specification and the `.0.` variant used by early issuers (common/, CY, DK, GR, IE, NL in the
/// dgc-testdata corpus).
const EKU_TEST: [&str; 2] = ["1.3.6.1.4.1.1847.2021.1.1", "1.3.6.1.4.1.0.1847.2021.1.1"];
const EKU_VACCINATION: [&str; 2] = ["1.3.6.1.4.1.1847.2021.1.2", "1.3.6.1.4.1.0.1847.2021.1.2"];
const EKU_RECOVERY: [&str; 2] = ["1.3.6.1.4.1.1847.2021.1.3", "1.3.6.1.4.1.0.1847.2021.1.3"];

const OID_EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
const OID_RSA_ENCRYPTION: &str = "1.2.840.113549.1.1.1";
const OID_RSASSA_PSS: &str = "1.2.840.113549.1.1.10";
const OID_P256: &str = "1.2.840.10045.3.1.7";
const OID_P384: &str = "1.3.132.0.34";
const OID_P521: &str = "1.3.132.0.35";

/// A set of EU DCC certificate types: test (`t`), vaccination (`v`), recovery (`r`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct CertTypes {
    /// Test (`t`).
    pub test: bool,
    /// Vaccination (`v`).
    pub vaccination: bool,
    /// Recovery (`r`).
    pub recovery: bool,
}

impl CertTypes {
    /// All three types.
    pub const ALL: CertTypes = CertTypes {
        test: true,
        vaccination: true,
        recovery: true,
    };

    /// True if every type in `other` is in `self`.
    pub fn covers(&self, other: &CertTypes) -> bool {
        (self.test || !other.test)
            && (self.vaccination || !other.vaccination)
            && (self.recovery || !other.recovery)
    }

    /// True if no type is in the set.
    pub fn is_empty(&self) -> bool {
        !(self.test || self.vaccination || self.recovery)
    }
}

impl fmt::Display for CertTypes {
    /// The hcert keys, e.g. `v,t`; `none` for the empty set.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = [
            (self.vaccination, "v"),
            (self.test, "t"),
            (self.recovery, "r"),
        ]
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, n)| *n)
        .collect();
        if names.is_empty() {
            f.write_str("none")
        } else {
            f.write_str(&names.join(","))
        }
    }
}

/// The public key of a DSC, classified by what it can verify.
#[derive(Clone, PartialEq, Eq)]
pub enum DscKey {
    /// An EC key on P-256 (usable with ES256): the SEC1 point as encoded in the certificate.
    P256(Vec<u8>),
    /// An RSA key (usable with PS256 when at least 2048 bits): the DER `RSAPublicKey`.
    Rsa {
        /// DER `RSAPublicKey` (the SubjectPublicKeyInfo bit string).
        der: Vec<u8>,
        /// Modulus length in bits.
        bits: usize,
    },
    /// Any other key (another curve such as P-384, DSA, Ed25519, ...), described for messages.
    Other(String),
}

impl fmt::Debug for DscKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

impl DscKey {
    /// Short description, e.g. `EC P-256`, `RSA 2048`, `EC P-384`.
    pub fn describe(&self) -> String {
        match self {
            DscKey::P256(_) => "EC P-256".into(),
            DscKey::Rsa { bits, .. } => format!("RSA {bits}"),
            DscKey::Other(d) => d.clone(),
        }
    }
}

/// A parsed Document Signer Certificate.
#[derive(Clone, PartialEq, Eq)]
pub struct Dsc {
    der: Vec<u8>,
    kid: [u8; 8],
    key: DscKey,
    not_before: i64,
    not_after: i64,
    allowed: Option<CertTypes>,
    subject: String,
}

impl fmt::Debug for Dsc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Dsc")
            .field("kid", &hex(&self.kid))
            .field("subject", &self.subject)
            .field("key", &self.key)
            .field("not_before", &self.not_before)
            .field("not_after", &self.not_after)
            .field("allowed", &self.allowed)
            .finish()
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The `kid` of a DSC: the first 8 bytes of SHA-256 over its DER encoding.
pub fn kid_of(der: &[u8]) -> [u8; 8] {
    let digest = Sha256::digest(der);
    let mut kid = [0u8; 8];
    for (k, d) in kid.iter_mut().zip(digest.iter()) {
        *k = *d;
    }
    kid
}

impl Dsc {
    /// Parses a DER certificate. Bytes after the certificate are refused.
    pub fn from_der(der: &[u8]) -> Result<Dsc, TrustError> {
        if der.len() > MAX_CERT_BYTES {
            return Err(TrustError::TooLarge(format!(
                "certificate of {} bytes; the limit is {MAX_CERT_BYTES}",
                der.len()
            )));
        }
        let (rest, cert) =
            X509Certificate::from_der(der).map_err(|e| TrustError::Certificate(e.to_string()))?;
        if !rest.is_empty() {
            return Err(TrustError::Certificate(format!(
                "{} bytes after the certificate",
                rest.len()
            )));
        }
        let allowed = match cert.extended_key_usage() {
            Ok(None) => None,
            Ok(Some(eku)) => eku_types(&eku.value.other),
            Err(e) => {
                return Err(TrustError::Certificate(format!(
                    "unreadable extended key usage: {e}"
                )));
            }
        };
        Ok(Dsc {
            kid: kid_of(der),
            key: classify_key(&cert),
            not_before: cert.validity().not_before.timestamp(),
            not_after: cert.validity().not_after.timestamp(),
            allowed,
            subject: cert.subject().to_string(),
            der: der.to_vec(),
        })
    }

    /// The DER encoding.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The `kid` (first 8 bytes of SHA-256 of the DER).
    pub fn kid(&self) -> [u8; 8] {
        self.kid
    }

    /// The public key.
    pub fn key(&self) -> &DscKey {
        &self.key
    }

    /// Start of validity, seconds since the epoch.
    pub fn not_before(&self) -> i64 {
        self.not_before
    }

    /// End of validity (inclusive), seconds since the epoch.
    pub fn not_after(&self) -> i64 {
        self.not_after
    }

    /// The certificate types this DSC may sign: `None` when its extended key usage names none of the
    /// EU DCC type OIDs (or it has no such extension), which allows every type.
    pub fn allowed_types(&self) -> Option<CertTypes> {
        self.allowed
    }

    /// The subject distinguished name, for display.
    pub fn subject(&self) -> &str {
        &self.subject
    }
}

/// The EU DCC types named by an extended-key-usage list; `None` if it names none of them.
fn eku_types(oids: &[x509_parser::der_parser::oid::Oid<'_>]) -> Option<CertTypes> {
    let mut t = CertTypes::default();
    for oid in oids {
        let s = oid.to_id_string();
        t.test |= EKU_TEST.contains(&s.as_str());
        t.vaccination |= EKU_VACCINATION.contains(&s.as_str());
        t.recovery |= EKU_RECOVERY.contains(&s.as_str());
    }
    if t.is_empty() { None } else { Some(t) }
}

fn classify_key(cert: &X509Certificate<'_>) -> DscKey {
    let spki = cert.public_key();
    let alg = spki.algorithm.algorithm.to_id_string();
    let bits: &[u8] = &spki.subject_public_key.data;
    match alg.as_str() {
        OID_EC_PUBLIC_KEY => {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok())
                .map(|o| o.to_id_string());
            match curve.as_deref() {
                // ring takes the uncompressed SEC1 form (04 || x || y); name anything else plainly
                // instead of letting every signature fail.
                Some(OID_P256) if bits.len() == 65 && bits.first() == Some(&4) => {
                    DscKey::P256(bits.to_vec())
                }
                Some(OID_P256) => DscKey::Other("EC P-256 key not in uncompressed form".into()),
                Some(OID_P384) => DscKey::Other("EC P-384".into()),
                Some(OID_P521) => DscKey::Other("EC P-521".into()),
                Some(other) => DscKey::Other(format!("EC curve {other}")),
                None => DscKey::Other("EC key without a named curve".into()),
            }
        }
        OID_RSA_ENCRYPTION | OID_RSASSA_PSS => match spki.parsed() {
            Ok(x509_parser::public_key::PublicKey::RSA(rsa)) => {
                let m = rsa.modulus;
                let first = m.iter().position(|&b| b != 0).unwrap_or(m.len());
                let m = m.get(first..).unwrap_or(&[]);
                let top = m.first().map_or(0, |b| 8 - b.leading_zeros() as usize);
                DscKey::Rsa {
                    der: bits.to_vec(),
                    bits: m.len().saturating_sub(1) * 8 + top,
                }
            }
            _ => DscKey::Other("malformed RSA key".into()),
        },
        other => DscKey::Other(format!("key algorithm {other}")),
    }
}

/// The DSCs a verifier trusts, indexed by `kid`.
#[derive(Debug, Clone, Default)]
pub struct TrustList {
    by_kid: HashMap<[u8; 8], Vec<Dsc>>,
    len: usize,
}

impl TrustList {
    /// An empty trust list.
    pub fn new() -> Self {
        Self::default()
    }

    /// A trust list of these DSCs.
    pub fn from_dscs(dscs: impl IntoIterator<Item = Dsc>) -> Self {
        let mut t = Self::new();
        for d in dscs {
            t.add(d);
        }
        t
    }

    /// Adds a DSC (a certificate already present is not added twice).
    pub fn add(&mut self, dsc: Dsc) {
        let v = self.by_kid.entry(dsc.kid).or_default();
        if !v.contains(&dsc) {
            v.push(dsc);
            self.len += 1;
        }
    }

    /// Parses and adds one DER certificate.
    pub fn add_der(&mut self, der: &[u8]) -> Result<(), TrustError> {
        self.check_room(1)?;
        self.add(Dsc::from_der(der)?);
        Ok(())
    }

    /// Adds the contents of a trust file, recognised by its bytes: PEM (one or more `CERTIFICATE`
    /// blocks; other blocks are skipped), JSON (see [`TrustList::add_json`]) or a DER certificate. Returns how many certificates
    /// it held.
    pub fn add_file_bytes(&mut self, bytes: &[u8]) -> Result<usize, TrustError> {
        if bytes.len() > MAX_TRUST_FILE_BYTES {
            return Err(TrustError::TooLarge(format!(
                "trust file of {} bytes; the limit is {MAX_TRUST_FILE_BYTES}",
                bytes.len()
            )));
        }
        let text = bytes.trim_ascii_start();
        if bytes.windows(11).any(|w| w == b"-----BEGIN ") {
            // PEM, possibly with text before the first block (as `openssl x509 -text` writes).
            self.add_pem(bytes)
        } else if text.starts_with(b"{") || text.starts_with(b"[") {
            self.add_json(bytes)
        } else {
            self.add_der(bytes).map(|()| 1)
        }
    }

    /// Adds every `CERTIFICATE` block of a PEM file; returns how many.
    pub fn add_pem(&mut self, bytes: &[u8]) -> Result<usize, TrustError> {
        let mut n = 0;
        for pem in x509_parser::pem::Pem::iter_from_buffer(bytes) {
            let pem = pem.map_err(|e| TrustError::Pem(e.to_string()))?;
            if pem.label == "CERTIFICATE" {
                self.add_der(&pem.contents)?;
                n += 1;
            }
        }
        if n == 0 {
            return Err(TrustError::Pem("no CERTIFICATE block".into()));
        }
        Ok(n)
    }

    /// Adds the certificates of a JSON trust list; returns how many. Accepted shapes:
    /// an object with `CERTIFICATE` (Base64 DER: the `TESTCTX` of a dgc-testdata case), an object with
    /// `TESTCTX` (a whole test case), an object with `rawData` (an EU gateway trust-list entry), a
    /// Base64 string, or an array of any of these.
    pub fn add_json(&mut self, bytes: &[u8]) -> Result<usize, TrustError> {
        let v: serde_json::Value =
            serde_json::from_slice(bytes).map_err(|e| TrustError::Json(e.to_string()))?;
        let n = self.add_json_value(&v, 0)?;
        if n == 0 {
            return Err(TrustError::Json("no certificate found".into()));
        }
        Ok(n)
    }

    fn add_json_value(&mut self, v: &serde_json::Value, depth: u8) -> Result<usize, TrustError> {
        use serde_json::Value as J;
        // array → test case → TESTCTX → CERTIFICATE is the deepest shape accepted.
        if depth > 3 {
            return Err(TrustError::Json("certificate nested too deeply".into()));
        }
        match v {
            J::String(b64) => {
                let der = data_encoding::BASE64
                    .decode(b64.trim().as_bytes())
                    .map_err(|e| TrustError::Json(format!("certificate is not Base64: {e}")))?;
                self.add_der(&der).map(|()| 1)
            }
            J::Array(items) => {
                let mut n = 0;
                for item in items {
                    n += self.add_json_value(item, depth + 1)?;
                }
                Ok(n)
            }
            J::Object(m) => {
                if let Some(c) = m.get("CERTIFICATE").or_else(|| m.get("rawData")) {
                    match c {
                        J::String(_) => self.add_json_value(c, depth + 1),
                        _ => Err(TrustError::Json("certificate is not a string".into())),
                    }
                } else if let Some(ctx) = m.get("TESTCTX") {
                    self.add_json_value(ctx, depth + 1)
                } else {
                    Err(TrustError::Json(
                        "object has no CERTIFICATE, rawData or TESTCTX".into(),
                    ))
                }
            }
            _ => Err(TrustError::Json("unexpected JSON value".into())),
        }
    }

    fn check_room(&self, more: usize) -> Result<(), TrustError> {
        if self.len + more > MAX_CERTS {
            return Err(TrustError::TooLarge(format!(
                "more than {MAX_CERTS} certificates"
            )));
        }
        Ok(())
    }

    /// The DSCs with this `kid` (usually one).
    pub fn candidates(&self, kid: &[u8]) -> &[Dsc] {
        <[u8; 8]>::try_from(kid)
            .ok()
            .and_then(|k| self.by_kid.get(&k))
            .map_or(&[], Vec::as_slice)
    }

    /// Number of DSCs.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True if there is no DSC.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Every DSC, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = &Dsc> {
        self.by_kid.values().flatten()
    }
}
