//! [`Pkcs11Error`]: why a PKCS#11 key could not be opened or generated. Each variant has a stable machine
//! code; the message never contains a PIN.

/// Why a `pkcs11:` URI could not be turned into a usable signer (or a key could not be generated).
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Pkcs11Error {
    /// The `pkcs11:` URI is malformed or asks for something yima does not support.
    #[error("bad pkcs11: URI: {0}")]
    Uri(String),
    /// The PIN could not be obtained (unreadable pin-source file, empty PIN, none given).
    #[error("PKCS#11 PIN: {0}")]
    Pin(String),
    /// The PKCS#11 module could not be loaded or initialised, or no module was named.
    #[error("PKCS#11 module: {0}")]
    Module(String),
    /// No token matches the URI's token attributes.
    #[error("PKCS#11 token not found: {0}")]
    TokenNotFound(String),
    /// More than one token matches the URI's token attributes.
    #[error("PKCS#11 token ambiguous: {0}")]
    TokenAmbiguous(String),
    /// Logging in to the token failed (wrong or locked PIN, say).
    #[error("PKCS#11 login failed: {0}")]
    Login(String),
    /// No key (or no matching public key object) matches the URI's object attributes.
    #[error("PKCS#11 key not found: {0}")]
    KeyNotFound(String),
    /// More than one key matches the URI's object attributes.
    #[error("PKCS#11 key ambiguous: {0}")]
    KeyAmbiguous(String),
    /// The key is not an Ed25519 key (or its public point or curve parameters cannot be read as one).
    #[error("PKCS#11 key type: {0}")]
    KeyType(String),
    /// Key generation refused: an object with the requested label or id already exists.
    #[error("PKCS#11 key exists: {0}")]
    KeyExists(String),
    /// Another PKCS#11 call failed (opening a session, searching objects, generating a key pair).
    #[error("PKCS#11 device: {0}")]
    Device(String),
}

impl Pkcs11Error {
    /// Stable machine code, e.g. `pkcs11.login`.
    pub fn code(&self) -> &'static str {
        match self {
            Pkcs11Error::Uri(_) => "pkcs11.uri",
            Pkcs11Error::Pin(_) => "pkcs11.pin",
            Pkcs11Error::Module(_) => "pkcs11.module",
            Pkcs11Error::TokenNotFound(_) => "pkcs11.token-not-found",
            Pkcs11Error::TokenAmbiguous(_) => "pkcs11.token-ambiguous",
            Pkcs11Error::Login(_) => "pkcs11.login",
            Pkcs11Error::KeyNotFound(_) => "pkcs11.key-not-found",
            Pkcs11Error::KeyAmbiguous(_) => "pkcs11.key-ambiguous",
            Pkcs11Error::KeyType(_) => "pkcs11.key-type",
            Pkcs11Error::KeyExists(_) => "pkcs11.key-exists",
            Pkcs11Error::Device(_) => "pkcs11.device",
        }
    }
}
