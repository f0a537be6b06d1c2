//! Key files: generation (`yima keygen`) and loading.

use std::io::Write;
use std::path::{Path, PathBuf};

use yima_core::{Signer, SigningKey, VerifyingKey};
use yima_pkcs11::{Pkcs11Signer, Pkcs11Uri};

use crate::cli::KeygenArgs;
use crate::error::CliError;

/// Largest key file read.
const MAX_KEY_FILE: u64 = 16 * 1024;

fn read_small(path: &Path) -> Result<zeroize::Zeroizing<String>, CliError> {
    // Bounded by the read itself, not by metadata: `--key /dev/stdin` or a FIFO reports length 0.
    let bytes = zeroize::Zeroizing::new(crate::fsutil::read_bounded(path, MAX_KEY_FILE)?);
    std::str::from_utf8(&bytes)
        .map(|text| zeroize::Zeroizing::new(text.to_owned()))
        .map_err(|_| CliError::Usage(format!("{}: a key file is PEM text", path.display())))
}

/// Loads a PKCS#8 PEM private key.
pub fn load_signing(path: &Path) -> Result<SigningKey, CliError> {
    let pem = read_small(path)?;
    SigningKey::from_pkcs8_pem(&pem).map_err(|err| CliError::Key {
        path: path.to_owned(),
        err,
    })
}

/// A signing key, in memory or in an HSM, shareable across worker threads.
pub type BoxSigner = Box<dyn Signer + Send + Sync>;

/// The `pkcs11:` URI in a `--key` argument, if it is one (the scheme is case-insensitive).
fn pkcs11_uri(arg: &Path) -> Option<&str> {
    arg.to_str().filter(|text| {
        text.get(..7)
            .is_some_and(|s| s.eq_ignore_ascii_case("pkcs11:"))
    })
}

/// Parses a `pkcs11:` URI given on the command line, warning when it carries the PIN itself: a command
/// line is visible to every local user (`ps`, `/proc/PID/cmdline`).
fn parse_uri(text: &str) -> Result<Pkcs11Uri, CliError> {
    let uri = Pkcs11Uri::parse(text)?;
    if uri.has_pin_value() {
        eprintln!(
            "warning: pin-value puts the PIN on the command line, where other local users can read it; \
             prefer pin-source=FILE or the environment variable YIMA_PKCS11_PIN"
        );
    }
    Ok(uri)
}

/// Loads the private signing key a `--key` argument names: an RFC 7512 `pkcs11:` URI opens the key in
/// an HSM (its signatures are checked before use); anything else is a PKCS#8 PEM file.
pub fn load_signer(arg: &Path) -> Result<BoxSigner, CliError> {
    match pkcs11_uri(arg) {
        Some(text) => {
            let uri = parse_uri(text)?;
            Ok(Box::new(Pkcs11Signer::open(&uri)?))
        }
        None => Ok(Box::new(load_signing(arg)?)),
    }
}

/// Loads an SPKI PEM public key.
pub fn load_verifying(path: &Path) -> Result<VerifyingKey, CliError> {
    let pem = read_small(path)?;
    VerifyingKey::from_public_key_pem(&pem).map_err(|err| CliError::Key {
        path: path.to_owned(),
        err,
    })
}

fn with_ext(base: &Path, ext: &str) -> PathBuf {
    let mut s = base.as_os_str().to_owned();
    s.push(".");
    s.push(ext);
    PathBuf::from(s)
}

/// Writes `contents` to a new file with mode 0600 (owner read/write only) on Unix.
fn write_private(path: &Path, contents: &[u8], force: bool) -> Result<(), CliError> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true);
    if force {
        opts.create(true).truncate(true);
    } else {
        opts.create_new(true);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path).map_err(|e| CliError::io(path, e))?;
    #[cfg(unix)]
    {
        // An existing file overwritten with --force keeps its old mode; tighten it.
        use std::os::unix::fs::PermissionsExt;
        f.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(|e| CliError::io(path, e))?;
    }
    f.write_all(contents).map_err(|e| CliError::io(path, e))
}

/// Refuses to overwrite any of `paths` unless `--force` was given.
fn refuse_existing(paths: &[&Path], force: bool) -> Result<(), CliError> {
    match paths.iter().find(|p| p.exists()) {
        Some(p) if !force => Err(CliError::Usage(format!(
            "{} exists; use --force to overwrite",
            p.display()
        ))),
        _ => Ok(()),
    }
}

/// Writes the public key as SPKI PEM.
fn write_public(path: &Path, public: &VerifyingKey) -> Result<(), CliError> {
    let pem = public.to_public_key_pem().map_err(|err| CliError::Key {
        path: path.to_owned(),
        err,
    })?;
    std::fs::write(path, pem).map_err(|e| CliError::io(path, e))
}

/// `yima keygen --pkcs11 URI`: generates the key pair in the token and writes only NAME.pub.
fn keygen_pkcs11(args: &KeygenArgs, text: &str) -> Result<(), CliError> {
    let uri = parse_uri(text)?;
    let pub_path = with_ext(&args.out, "pub");
    refuse_existing(&[&pub_path], args.force)?;
    let public = yima_pkcs11::generate(&uri)?;
    write_public(&pub_path, &public)?;
    outln!(
        "generated an Ed25519 key pair in token {:?} as {:?} (the private key stays there); wrote {} (public); kid {}",
        uri.token().unwrap_or(""),
        uri.object().unwrap_or(""),
        pub_path.display(),
        hex::encode(public.kid())
    );
    Ok(())
}

/// `yima keygen`.
pub fn keygen(args: &KeygenArgs) -> Result<(), CliError> {
    if let Some(text) = &args.pkcs11 {
        return keygen_pkcs11(args, text);
    }
    let key = SigningKey::generate(&mut rand_core::OsRng);
    let key_path = with_ext(&args.out, "key");
    let pub_path = with_ext(&args.out, "pub");
    refuse_existing(&[&key_path, &pub_path], args.force)?;
    let pem = key.to_pkcs8_pem().map_err(|err| CliError::Key {
        path: key_path.clone(),
        err,
    })?;
    write_private(&key_path, pem.as_bytes(), args.force)?;
    let public = key.verifying_key();
    write_public(&pub_path, &public)?;
    outln!(
        "wrote {} (private, mode 0600) and {} (public); kid {}",
        key_path.display(),
        pub_path.display(),
        hex::encode(public.kid())
    );
    Ok(())
}
