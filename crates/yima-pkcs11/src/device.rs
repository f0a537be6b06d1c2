//! The token side: loading the module, finding the token and the key, logging in, signing, generating.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as CkError, RvError};
use cryptoki::mechanism::Mechanism;
use cryptoki::mechanism::eddsa::{EddsaParams, EddsaSignatureScheme};
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::{Slot, TokenInfo};
use yima_core::{Signer, SignerError, VerifyingKey};

use crate::error::Pkcs11Error;
use crate::uri::{ENV_PIN, Pkcs11Uri};

/// DER of the Ed25519 object identifier 1.3.101.112 (RFC 8410), the CKA_EC_PARAMS of PKCS#11 3.0.
pub const EC_PARAMS_ED25519_OID: &[u8] = &[0x06, 0x03, 0x2b, 0x65, 0x70];
/// DER PrintableString "edwards25519", the CKA_EC_PARAMS that SoftHSM and OpenSC use.
pub const EC_PARAMS_EDWARDS25519: &[u8] = b"\x13\x0cedwards25519";
/// DER of the GnuPG Ed25519 OID 1.3.6.1.4.1.11591.15.1, used by some OpenPGP-card tokens.
const EC_PARAMS_GNU_ED25519: &[u8] = &[
    0x06, 0x09, 0x2b, 0x06, 0x01, 0x04, 0x01, 0xda, 0x47, 0x0f, 0x01,
];

/// One context per module per process: PKCS#11 modules keep global state (C_Initialize once), so a
/// module is loaded once and shared by every signer opened on it.
static CONTEXTS: Mutex<Vec<(PathBuf, Pkcs11)>> = Mutex::new(Vec::new());

fn describe(err: &CkError) -> String {
    match err {
        CkError::Pkcs11(rv, function) => format!("{function:?}: {rv:?}"),
        other => other.to_string(),
    }
}

fn device(what: &str) -> impl FnOnce(CkError) -> Pkcs11Error + '_ {
    move |e| Pkcs11Error::Device(format!("{what}: {}", describe(&e)))
}

fn context(module: &Path) -> Result<Pkcs11, Pkcs11Error> {
    let mut cache = CONTEXTS
        .lock()
        .map_err(|_| Pkcs11Error::Module("module table poisoned by an earlier panic".into()))?;
    if let Some((_, ctx)) = cache.iter().find(|(path, _)| path == module) {
        return Ok(ctx.clone());
    }
    if !module.is_file() {
        return Err(Pkcs11Error::Module(format!(
            "{}: no such file",
            module.display()
        )));
    }
    let ctx = Pkcs11::new(module)
        .map_err(|e| Pkcs11Error::Module(format!("{}: {}", module.display(), describe(&e))))?;
    match ctx.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
        // Another part of this process may have initialised the module already: that is fine.
        Ok(()) | Err(CkError::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
        Err(e) => {
            return Err(Pkcs11Error::Module(format!(
                "{}: {}",
                module.display(),
                describe(&e)
            )));
        }
    }
    cache.push((module.to_owned(), ctx.clone()));
    Ok(ctx)
}

fn token_wanted(uri: &Pkcs11Uri) -> String {
    let mut parts = Vec::new();
    if let Some(v) = uri.token() {
        parts.push(format!("token={v:?}"));
    }
    if let Some(v) = uri.manufacturer() {
        parts.push(format!("manufacturer={v:?}"));
    }
    if let Some(v) = uri.serial() {
        parts.push(format!("serial={v:?}"));
    }
    if let Some(v) = uri.model() {
        parts.push(format!("model={v:?}"));
    }
    if let Some(v) = uri.slot_id() {
        parts.push(format!("slot-id={v}"));
    }
    if parts.is_empty() {
        "any initialised token".into()
    } else {
        parts.join(", ")
    }
}

fn find_token(ctx: &Pkcs11, uri: &Pkcs11Uri) -> Result<(Slot, TokenInfo), Pkcs11Error> {
    let slots = ctx
        .get_slots_with_token()
        .map_err(device("listing slots"))?;
    let mut found = Vec::new();
    for slot in slots {
        if uri.slot_id().is_some_and(|id| id != slot.id()) {
            continue;
        }
        let Ok(info) = ctx.get_token_info(slot) else {
            continue;
        };
        let matches = info.token_initialized()
            && uri.token().is_none_or(|v| v == info.label())
            && uri
                .manufacturer()
                .is_none_or(|v| v == info.manufacturer_id())
            && uri.serial().is_none_or(|v| v == info.serial_number())
            && uri.model().is_none_or(|v| v == info.model());
        if matches {
            found.push((slot, info));
        }
    }
    let count = found.len();
    let mut found = found.into_iter();
    match (found.next(), count) {
        (Some(one), 1) => Ok(one),
        (None, _) => Err(Pkcs11Error::TokenNotFound(format!(
            "no token matches {}",
            token_wanted(uri)
        ))),
        (Some(_), n) => Err(Pkcs11Error::TokenAmbiguous(format!(
            "{n} tokens match {}; add token=, serial= or slot-id= to the URI",
            token_wanted(uri)
        ))),
    }
}

fn login(session: &Session, info: &TokenInfo, uri: &Pkcs11Uri) -> Result<(), Pkcs11Error> {
    if !info.login_required() {
        return Ok(());
    }
    let pin = uri.resolve_pin()?;
    if pin.is_none() && !info.protected_authentication_path() {
        return Err(Pkcs11Error::Pin(format!(
            "token {:?} needs a PIN: add pin-source=FILE (or pin-value=) to the URI's query, or set {ENV_PIN}",
            info.label()
        )));
    }
    match session.login(UserType::User, pin.as_ref()) {
        // The module's login state is per process: another signer on the same token already logged in.
        Ok(()) | Err(CkError::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => Ok(()),
        Err(e) => Err(Pkcs11Error::Login(format!(
            "token {:?}: {}",
            info.label(),
            describe(&e)
        ))),
    }
}

/// Opens a session on the URI's token and logs in.
fn open_session(uri: &Pkcs11Uri, read_write: bool) -> Result<(Session, String), Pkcs11Error> {
    let module = uri.resolve_module()?;
    let ctx = context(&module)?;
    let (slot, info) = find_token(&ctx, uri)?;
    let session = if read_write {
        ctx.open_rw_session(slot)
    } else {
        ctx.open_ro_session(slot)
    }
    .map_err(device("opening a session"))?;
    login(&session, &info, uri)?;
    Ok((session, info.label().to_owned()))
}

fn selectors(uri: &Pkcs11Uri) -> Vec<Attribute> {
    let mut template = Vec::new();
    if let Some(label) = uri.object() {
        template.push(Attribute::Label(label.as_bytes().to_vec()));
    }
    if let Some(id) = uri.id() {
        template.push(Attribute::Id(id.to_vec()));
    }
    template
}

fn key_wanted(uri: &Pkcs11Uri, token: &str) -> String {
    let mut s = format!("in token {token:?}");
    if let Some(label) = uri.object() {
        s.push_str(&format!(", object={label:?}"));
    }
    if let Some(id) = uri.id() {
        let hex: String = id.iter().map(|b| format!("{b:02x}")).collect();
        s.push_str(&format!(", id={hex}"));
    }
    s
}

/// Exactly one object matching `template`.
fn find_one(
    session: &Session,
    template: &[Attribute],
    what: &str,
    wanted: &str,
) -> Result<Option<ObjectHandle>, Pkcs11Error> {
    let found = session
        .find_objects(template)
        .map_err(device("searching objects"))?;
    let mut iter = found.iter();
    match (iter.next(), found.len()) {
        (None, _) => Ok(None),
        (Some(&one), 1) => Ok(Some(one)),
        (Some(_), n) => Err(Pkcs11Error::KeyAmbiguous(format!(
            "{n} {what}s {wanted}; add object= or id= to the URI"
        ))),
    }
}

fn check_ec_params(params: &[u8], wanted: &str) -> Result<(), Pkcs11Error> {
    if params == EC_PARAMS_ED25519_OID
        || params == EC_PARAMS_EDWARDS25519
        || params == EC_PARAMS_GNU_ED25519
    {
        Ok(())
    } else {
        Err(Pkcs11Error::KeyType(format!(
            "key {wanted} is an EC-Edwards key on another curve than Ed25519 (CKA_EC_PARAMS not Ed25519)"
        )))
    }
}

/// CKA_EC_POINT: a DER OCTET STRING holding the 32-byte key (PKCS#11 3.0), or the raw 32 bytes that
/// some tokens return.
pub(crate) fn parse_ec_point(value: &[u8]) -> Option<[u8; 32]> {
    match value {
        [0x04, 0x20, rest @ ..] if rest.len() == 32 => <[u8; 32]>::try_from(rest).ok(),
        _ => <[u8; 32]>::try_from(value).ok(),
    }
}

/// Reads CKA_EC_POINT and CKA_EC_PARAMS of `object` as an Ed25519 public key; `Ok(None)` when the
/// object has no readable CKA_EC_POINT.
fn read_public(
    session: &Session,
    object: ObjectHandle,
    wanted: &str,
) -> Result<Option<VerifyingKey>, Pkcs11Error> {
    let attrs = session
        .get_attributes(object, &[AttributeType::EcPoint, AttributeType::EcParams])
        .map_err(device("reading the public key"))?;
    let mut point = None;
    for attr in attrs {
        match attr {
            Attribute::EcPoint(p) => point = Some(p),
            Attribute::EcParams(params) => check_ec_params(&params, wanted)?,
            _ => {}
        }
    }
    let Some(point) = point else {
        return Ok(None);
    };
    let bytes = parse_ec_point(&point).ok_or_else(|| {
        Pkcs11Error::KeyType(format!(
            "key {wanted}: CKA_EC_POINT is not a 32-byte Ed25519 point ({} bytes)",
            point.len()
        ))
    })?;
    VerifyingKey::from_bytes(&bytes)
        .map(Some)
        .map_err(|e| Pkcs11Error::KeyType(format!("key {wanted}: {e}")))
}

/// An Ed25519 private key in a PKCS#11 token, usable wherever yima signs ([`Signer`]).
///
/// `Send + Sync`: the session sits behind a mutex, so worker threads share one signer and sign in turn.
/// Every signature it returns is checked by yima against [`Signer::verifying_key`] before use (the
/// trait's default), so a faulty or substituted device key is caught when issuing.
pub struct Pkcs11Signer {
    session: Mutex<Session>,
    key: ObjectHandle,
    public: VerifyingKey,
    token: String,
    label: String,
}

impl std::fmt::Debug for Pkcs11Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pkcs11Signer")
            .field("token", &self.token)
            .field("label", &self.label)
            .field("public", &self.public)
            .finish_non_exhaustive()
    }
}

impl Pkcs11Signer {
    /// Loads the module, finds the one token and the one Ed25519 private key the URI names, logs in
    /// and reads the matching public key.
    pub fn open(uri: &Pkcs11Uri) -> Result<Self, Pkcs11Error> {
        let (session, token) = open_session(uri, false)?;
        let wanted = key_wanted(uri, &token);
        let mut template = vec![Attribute::Class(ObjectClass::PRIVATE_KEY)];
        template.extend(selectors(uri));
        let key = find_one(&session, &template, "private key", &wanted)?
            .ok_or_else(|| Pkcs11Error::KeyNotFound(format!("no private key {wanted}")))?;

        let attrs = session
            .get_attributes(
                key,
                &[
                    AttributeType::KeyType,
                    AttributeType::Id,
                    AttributeType::Label,
                    AttributeType::Sign,
                ],
            )
            .map_err(device("reading the private key"))?;
        let (mut key_type, mut id, mut label, mut can_sign) = (None, Vec::new(), Vec::new(), true);
        for attr in attrs {
            match attr {
                Attribute::KeyType(t) => key_type = Some(t),
                Attribute::Id(v) => id = v,
                Attribute::Label(v) => label = v,
                Attribute::Sign(v) => can_sign = v,
                _ => {}
            }
        }
        if key_type != Some(KeyType::EC_EDWARDS) {
            let shown = key_type.map_or_else(|| "unknown".to_owned(), |t| t.to_string());
            return Err(Pkcs11Error::KeyType(format!(
                "key {wanted} is of type {shown}, not an Ed25519 (CKK_EC_EDWARDS) key"
            )));
        }
        if !can_sign {
            return Err(Pkcs11Error::KeyType(format!(
                "key {wanted} may not sign (CKA_SIGN is false)"
            )));
        }

        // The public half: the public key object of the pair, with the same CKA_ID and label (then the
        // same CKA_ID alone, then the same label alone: tokens differ in what they copy to both halves).
        let mut candidates = Vec::new();
        match (id.is_empty(), label.is_empty()) {
            (false, false) => {
                candidates.push(vec![
                    Attribute::Id(id.clone()),
                    Attribute::Label(label.clone()),
                ]);
                candidates.push(vec![Attribute::Id(id)]);
                candidates.push(vec![Attribute::Label(label.clone())]);
            }
            (false, true) => candidates.push(vec![Attribute::Id(id)]),
            (true, false) => candidates.push(vec![Attribute::Label(label.clone())]),
            (true, true) => candidates.push(selectors(uri)),
        }
        let mut public = None;
        for selector in candidates {
            let mut template = vec![
                Attribute::Class(ObjectClass::PUBLIC_KEY),
                Attribute::KeyType(KeyType::EC_EDWARDS),
            ];
            template.extend(selector);
            if let Some(object) = find_one(&session, &template, "public key", &wanted)? {
                public = read_public(&session, object, &wanted)?;
                break;
            }
        }
        // Some tokens keep CKA_EC_POINT on the private key object instead.
        let public = match public {
            Some(public) => public,
            None => read_public(&session, key, &wanted)
                .ok()
                .flatten()
                .ok_or_else(|| {
                    Pkcs11Error::KeyNotFound(format!(
                        "no public key object (CKA_EC_POINT) for the private key {wanted}"
                    ))
                })?,
        };
        Ok(Pkcs11Signer {
            session: Mutex::new(session),
            key,
            public,
            token,
            label: String::from_utf8_lossy(&label).into_owned(),
        })
    }

    /// The label of the token the key is in.
    pub fn token_label(&self) -> &str {
        &self.token
    }

    /// The key's label (CKA_LABEL).
    pub fn key_label(&self) -> &str {
        &self.label
    }
}

impl Signer for Pkcs11Signer {
    fn verifying_key(&self) -> VerifyingKey {
        self.public.clone()
    }

    fn try_sign(&self, msg: &[u8]) -> Result<[u8; 64], SignerError> {
        let session = self
            .session
            .lock()
            .map_err(|_| SignerError::new("pkcs11.sign", "session poisoned by an earlier panic"))?;
        // Pure Ed25519 (RFC 8032): CKM_EDDSA without parameters.
        let mechanism = Mechanism::Eddsa(EddsaParams::new(EddsaSignatureScheme::Pure));
        let signature = session.sign(&mechanism, self.key, msg).map_err(|e| {
            SignerError::new(
                "pkcs11.sign",
                format!(
                    "token {:?}, key {:?}: {}",
                    self.token,
                    self.label,
                    describe(&e)
                ),
            )
        })?;
        <[u8; 64]>::try_from(signature.as_slice()).map_err(|_| {
            SignerError::new(
                "pkcs11.sign",
                format!(
                    "token {:?} returned a {}-byte signature, not 64",
                    self.token,
                    signature.len()
                ),
            )
        })
    }
}

/// Generates an Ed25519 key pair inside the token the URI names, labelled with the URI's `object`, with
/// the URI's `id` as CKA_ID (else, where the token allows setting it, the key's yima kid); the private key
/// is sensitive and not extractable.
/// Refuses when an object with that label or id already exists. Returns the public key.
pub fn generate(uri: &Pkcs11Uri) -> Result<VerifyingKey, Pkcs11Error> {
    let label = uri
        .object()
        .ok_or_else(|| Pkcs11Error::Uri("generating a key needs object=LABEL in the URI".into()))?;
    let (session, token) = open_session(uri, true)?;
    let wanted = key_wanted(uri, &token);
    let mut existing = vec![vec![Attribute::Label(label.as_bytes().to_vec())]];
    if let Some(id) = uri.id() {
        existing.push(vec![Attribute::Id(id.to_vec())]);
    }
    for template in existing {
        let found = session
            .find_objects(&template)
            .map_err(device("searching objects"))?;
        if !found.is_empty() {
            return Err(Pkcs11Error::KeyExists(format!(
                "an object {wanted} already exists"
            )));
        }
    }
    let common = selectors(uri);
    let private_template = {
        let mut t = vec![
            Attribute::Token(true),
            Attribute::Private(true),
            Attribute::Sensitive(true),
            Attribute::Extractable(false),
            Attribute::Sign(true),
        ];
        t.extend(common.iter().cloned());
        t
    };
    let public_template = |params: &[u8]| {
        let mut t = vec![
            Attribute::Token(true),
            Attribute::Verify(true),
            Attribute::EcParams(params.to_vec()),
        ];
        t.extend(common.iter().cloned());
        t
    };
    let mechanism = Mechanism::EccEdwardsKeyPairGen;
    let generated = match session.generate_key_pair(
        &mechanism,
        &public_template(EC_PARAMS_ED25519_OID),
        &private_template,
    ) {
        Ok(pair) => pair,
        // Tokens that predate PKCS#11 3.0 name the curve by its printable string only.
        Err(CkError::Pkcs11(
            RvError::AttributeValueInvalid
            | RvError::CurveNotSupported
            | RvError::DomainParamsInvalid
            | RvError::TemplateInconsistent,
            _,
        )) => session
            .generate_key_pair(
                &mechanism,
                &public_template(EC_PARAMS_EDWARDS25519),
                &private_template,
            )
            .map_err(device("generating an Ed25519 key pair"))?,
        Err(e) => return Err(device("generating an Ed25519 key pair")(e)),
    };
    let (public_handle, private_handle) = generated;
    let public = read_public(&session, public_handle, &wanted)?.ok_or_else(|| {
        Pkcs11Error::KeyType(format!(
            "the generated public key {wanted} has no CKA_EC_POINT"
        ))
    })?;
    if uri.id().is_none() {
        // Without an id in the URI the pair gets yima's kid as CKA_ID, so that tools which select keys
        // by id (pkcs11-tool --id, p11tool) find both halves.
        // Best effort: a token that refuses the change still holds a usable pair, found by its label.
        // Reporting a failure would leave the pair behind and make a retry `pkcs11.key-exists`.
        let id = vec![Attribute::Id(public.kid().to_vec())];
        for handle in [public_handle, private_handle] {
            if session.update_attributes(handle, &id).is_err() {
                break;
            }
        }
    }
    Ok(public)
}
