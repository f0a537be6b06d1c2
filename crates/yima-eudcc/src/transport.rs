//! The transport layers of an EU DCC: `HC1:` + Base45(zlib(COSE_Sign1)).
//!
//! Limits are checked before work: the text length before Base45 decoding, the decompressed size while
//! inflating (a zlib bomb stops after [`MAX_COSE_BYTES`] + 1 output bytes).

use yima_core::error::VerifyError;

use crate::error::DccError;

/// The context identifier of an EU DCC (hcert spec §4.3): version 1 of the Health Certificate.
pub const PREFIX: &str = "HC1:";
/// Longest text accepted: the alphanumeric capacity of a version 40 QR code at level L.
pub const MAX_TEXT_LEN: usize = 4296;
/// Largest COSE_Sign1 accepted after decompression. Real certificates are under 4 KiB; a full QR code
/// (2864 compressed bytes) of ordinary JSON-like CBOR inflates to well under this.
pub const MAX_COSE_BYTES: usize = 32 * 1024;

/// Checks the length cap and removes the `HC1:` prefix.
pub fn strip_prefix(text: &str) -> Result<&str, DccError> {
    if text.len() > MAX_TEXT_LEN {
        return Err(DccError::TooLong {
            len: text.len(),
            max: MAX_TEXT_LEN,
        });
    }
    text.strip_prefix(PREFIX).ok_or(DccError::Prefix)
}

/// Decodes the Base45 text after the prefix (strict RFC 9285).
pub fn base45(text: &str) -> Result<Vec<u8>, DccError> {
    yima_core::base45::decode(text).map_err(DccError::Base45)
}

/// Inflates the zlib stream to the COSE bytes: one stream, nothing after it, at most [`MAX_COSE_BYTES`].
/// An uncompressed COSE object is refused (the spec requires zlib; the corpus case `Z2` expects that).
pub fn inflate(z: &[u8]) -> Result<Vec<u8>, DccError> {
    yima_core::transport::inflate_capped(z, MAX_COSE_BYTES).map_err(|e| match e {
        VerifyError::DecompressTooLarge { max } => DccError::TooLarge { max },
        _ => DccError::Decompress,
    })
}

/// All three layers: text → COSE bytes.
pub fn decode(text: &str) -> Result<Vec<u8>, DccError> {
    inflate(&base45(strip_prefix(text)?)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layers_and_codes() {
        assert_eq!(strip_prefix("HC1:ABC").unwrap(), "ABC");
        assert_eq!(strip_prefix("HC2:ABC").unwrap_err().code(), "dcc.prefix");
        assert_eq!(strip_prefix("hc1:ABC").unwrap_err().code(), "dcc.prefix");
        let long = format!("HC1:{}", "0".repeat(MAX_TEXT_LEN));
        assert_eq!(strip_prefix(&long).unwrap_err().code(), "dcc.too-long");
        assert_eq!(base45("ab").unwrap_err().code(), "dcc.base45");
        assert_eq!(inflate(b"\xd2\x84").unwrap_err().code(), "dcc.decompress");
        assert_eq!(decode("HC1:").unwrap_err().code(), "dcc.decompress");
    }
}
