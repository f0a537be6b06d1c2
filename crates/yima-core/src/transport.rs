//! Transport text: a versioned prefix and Base45 (RFC 9285) of the COSE bytes, optionally zlib-compressed.
//!
//! - `YM1:` + Base45(COSE_Sign1)
//! - `YM1Z:` + Base45(zlib(COSE_Sign1)), used only when it gives a shorter text.
//!
//! Limits are checked before work: the text length before Base45 decoding, the decompressed size while
//! inflating (a zlib bomb stops after [`MAX_COSE_BYTES`] + 1 output bytes).

use std::io::Read;

use flate2::Compression;
use flate2::read::ZlibDecoder;
use flate2::write::ZlibEncoder;

use crate::base45;
use crate::error::VerifyError;

/// Prefix of an uncompressed yima text, format version 1.
pub const PREFIX: &str = "YM1:";
/// Prefix of a zlib-compressed yima text, format version 1.
pub const PREFIX_ZLIB: &str = "YM1Z:";
/// Longest transport text accepted: the alphanumeric capacity of a version 40 QR code at level L.
pub const MAX_TEXT_LEN: usize = 4296;
/// Largest COSE_Sign1 accepted, after decompression.
pub const MAX_COSE_BYTES: usize = 8192;

/// How a text's payload was carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// `YM1:`, Base45 of the COSE bytes.
    Plain,
    /// `YM1Z:`, Base45 of zlib-compressed COSE bytes.
    Zlib,
}

/// Encodes COSE bytes as transport text, compressing only when that makes the text shorter.
pub fn encode(cose: &[u8]) -> String {
    let plain_len = PREFIX.len() + base45_len(cose.len());
    let compressed = zlib(cose);
    if let Some(z) = compressed
        && PREFIX_ZLIB.len() + base45_len(z.len()) < plain_len
    {
        return format!("{PREFIX_ZLIB}{}", base45::encode(&z));
    }
    format!("{PREFIX}{}", base45::encode(cose))
}

/// Length of the Base45 text for `n` bytes.
pub fn base45_len(n: usize) -> usize {
    n / 2 * 3 + (n % 2) * 2
}

fn zlib(data: &[u8]) -> Option<Vec<u8>> {
    use std::io::Write;
    let mut enc = ZlibEncoder::new(Vec::with_capacity(data.len()), Compression::best());
    enc.write_all(data).ok()?;
    enc.finish().ok()
}

/// Decodes a transport text to COSE bytes, enforcing every limit.
pub fn decode(text: &str) -> Result<(Vec<u8>, Encoding), VerifyError> {
    if text.len() > MAX_TEXT_LEN {
        return Err(VerifyError::TextTooLong {
            len: text.len(),
            max: MAX_TEXT_LEN,
        });
    }
    if let Some(rest) = text.strip_prefix(PREFIX_ZLIB) {
        let z = base45::decode(rest).map_err(VerifyError::Base45)?;
        Ok((inflate(&z)?, Encoding::Zlib))
    } else if let Some(rest) = text.strip_prefix(PREFIX) {
        let cose = base45::decode(rest).map_err(VerifyError::Base45)?;
        Ok((cose, Encoding::Plain))
    } else {
        Err(VerifyError::UnknownPrefix)
    }
}

/// Inflates a zlib stream, refusing output beyond [`MAX_COSE_BYTES`] and bytes after the stream's end.
pub fn inflate(z: &[u8]) -> Result<Vec<u8>, VerifyError> {
    inflate_capped(z, MAX_COSE_BYTES)
}

/// Inflates a zlib stream, refusing output beyond `max` bytes (stopping after `max + 1` bytes of output,
/// so a bomb costs little time and memory) and bytes after the stream's end.
pub fn inflate_capped(z: &[u8], max: usize) -> Result<Vec<u8>, VerifyError> {
    let mut dec = ZlibDecoder::new(z);
    let mut out = Vec::with_capacity(z.len().saturating_mul(4).min(max).min(1 << 20));
    let limit = max as u64 + 1;
    (&mut dec)
        .take(limit)
        .read_to_end(&mut out)
        .map_err(|_| VerifyError::Decompress)?;
    if out.len() > max {
        return Err(VerifyError::DecompressTooLarge { max });
    }
    if dec.total_in() != z.len() as u64 {
        return Err(VerifyError::Decompress);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compresses_only_when_shorter() {
        let random: Vec<u8> = (0..150u32)
            .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
            .collect();
        assert!(encode(&random).starts_with(PREFIX));
        let repetitive = vec![b'a'; 300];
        let t = encode(&repetitive);
        assert!(t.starts_with(PREFIX_ZLIB));
        assert_eq!(decode(&t).unwrap(), (repetitive, Encoding::Zlib));
        assert_eq!(decode(&encode(&random)).unwrap(), (random, Encoding::Plain));
    }

    #[test]
    fn limits() {
        let long = format!("{PREFIX}{}", "0".repeat(MAX_TEXT_LEN));
        assert_eq!(decode(&long).unwrap_err().code(), "text.too-long");
        assert_eq!(decode("HC1:ABC").unwrap_err().code(), "prefix.unknown");
        let bomb = zlib(&vec![0u8; 10_000_000]).unwrap();
        let start = std::time::Instant::now();
        assert_eq!(inflate(&bomb).unwrap_err().code(), "decompress.too-large");
        assert!(start.elapsed().as_millis() < 500);
        let mut trailing = zlib(b"hello").unwrap();
        trailing.push(0);
        assert_eq!(inflate(&trailing).unwrap_err().code(), "decompress.invalid");
        assert_eq!(
            inflate(b"not zlib").unwrap_err().code(),
            "decompress.invalid"
        );
        let full = zlib(b"a stream that is cut short must not decode to a prefix").unwrap();
        for cut in 1..full.len() {
            assert!(
                inflate(&full[..cut]).is_err(),
                "truncated at {cut} accepted"
            );
        }
        let ok = zlib(&vec![1u8; MAX_COSE_BYTES]).unwrap();
        assert_eq!(inflate(&ok).unwrap().len(), MAX_COSE_BYTES);
    }
}
