//! Transport text: a versioned prefix and Base45 (RFC 9285) of the COSE bytes, optionally zlib-compressed.
//!
//! - `YM1:` + Base45(COSE_Sign1)
//! - `YM1Z:` + Base45(zlib(COSE_Sign1)), used only when it gives a shorter text.
//!
//! Limits are checked before work: the text length before Base45 decoding, the decompressed size while
//! inflating (a zlib bomb stops after [`MAX_COSE_BYTES`] + 1 output bytes).

use std::cell::RefCell;

use flate2::{Compress, Compression, FlushCompress, Status};

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
    if zlib_cannot_help(cose, plain_len) {
        return format!("{PREFIX}{}", base45::encode(cose));
    }
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

/// True when zlib provably cannot give a text shorter than `plain_len`, so [`encode`] may skip running the
/// compressor (which costs about as much as the signature). It never changes the result: it answers
/// `true` only when every zlib stream the compressor could produce is too long, from this lower bound.
///
/// - Without a 3-byte sequence that occurs twice, no LZ77 match is possible (a match of length ≥ 3 at
///   distance d repeats the 3 bytes d positions back), so the one DEFLATE block (inputs under 31 KiB are
///   one block) codes every byte as a literal.
/// - A stored block costs 8n + 35 bits; a static block at least 3 + 8 or 9 bits per byte + 7 (EOB).
/// - A dynamic block costs at least: 3 (block header) + 14 (HLIT, HDIST, HCLEN) + 12 (at least four 3-bit
///   code-length code lengths) + the code-length sequence for literals 0..=256 and one distance code, where
///   every code-length symbol costs at least one bit (a run of z zeros at least min(z, 3) bits, a run of r
///   used symbols at least min(r, 1 + 3·⌈(r − 1)/6⌉) bits when r > 3, else r) + the literal bits, at least the
///   optimal (Huffman) cost of the byte histogram plus one end-of-block symbol.
/// - zlib adds 6 bytes (header and Adler-32) to the DEFLATE stream, rounded up to whole bytes.
fn zlib_cannot_help(data: &[u8], plain_len: usize) -> bool {
    const MIN_LEN: usize = 48;
    const MAX_LEN: usize = MAX_COSE_BYTES;
    let n = data.len();
    if !(MIN_LEN..=MAX_LEN).contains(&n) {
        return false;
    }
    // Any repeated 3-byte sequence allows a match: then only the compressor can tell. A 13-bit hash of
    // each 3-byte sequence marks a bitset; only on a marked bit are the earlier sequences compared.
    let mut seen = [0u64; 128];
    for (i, w) in data.windows(3).enumerate() {
        let gram = w.iter().fold(0u32, |acc, &b| (acc << 8) | u32::from(b));
        let h = (gram.wrapping_mul(0x9E37_79B1) >> 19) as usize;
        let (word, bit) = (h / 64, 1u64 << (h % 64));
        let Some(slot) = seen.get_mut(word) else {
            return false;
        };
        if *slot & bit != 0 && data.windows(3).take(i).any(|earlier| earlier == w) {
            return false;
        }
        *slot |= bit;
    }
    let mut hist = [0u64; 256];
    let mut static_bits: u64 = 3 + 7;
    for &b in data {
        if let Some(h) = hist.get_mut(usize::from(b)) {
            *h += 1;
        }
        static_bits += if b < 144 { 8 } else { 9 };
    }
    let stored_bits = 8 * n as u64 + 35;
    let mut weights: Vec<u64> = hist.iter().copied().filter(|&c| c > 0).collect();
    weights.push(1); // end of block
    let used: Vec<bool> = hist.iter().map(|&c| c > 0).chain([true]).collect();
    let runs =
        code_length_runs_lower_bound(&used, false).min(code_length_runs_lower_bound(&used, true));
    let dynamic_bits = 3 + 14 + 12 + runs + huffman_cost(weights);
    let bits = stored_bits.min(static_bits).min(dynamic_bits);
    let min_z = usize::try_from(6 + bits.div_ceil(8)).unwrap_or(usize::MAX);
    PREFIX_ZLIB.len() + base45_len(min_z) >= plain_len
}

/// Lower bound in bits on the code-length sequence `used` (then one distance code, used or not).
fn code_length_runs_lower_bound(used: &[bool], distance_used: bool) -> u64 {
    let mut total = 0u64;
    let mut iter = used.iter().copied().chain([distance_used]).peekable();
    while let Some(kind) = iter.next() {
        let mut run = 1u64;
        while iter.next_if_eq(&kind).is_some() {
            run += 1;
        }
        total += match (kind, run) {
            (false, r) => r.min(3),
            (true, r) if r <= 3 => r,
            (true, r) => r.min(1 + 3 * (r - 1).div_ceil(6)),
        };
    }
    total
}

/// Total cost of an optimal prefix code for `weights` (the sum of the internal node weights of a Huffman
/// tree), by the two-queue method: leaves sorted ascending, merged nodes appended in ascending order.
fn huffman_cost(mut leaves: Vec<u64>) -> u64 {
    leaves.sort_unstable();
    let mut nodes: Vec<u64> = Vec::with_capacity(leaves.len());
    let (mut li, mut ni, mut cost) = (0, 0, 0);
    let take =
        |li: &mut usize, ni: &mut usize, nodes: &[u64]| match (leaves.get(*li), nodes.get(*ni)) {
            (Some(&l), Some(&n)) if n < l => {
                *ni += 1;
                Some(n)
            }
            (Some(&l), _) => {
                *li += 1;
                Some(l)
            }
            (None, Some(&n)) => {
                *ni += 1;
                Some(n)
            }
            (None, None) => None,
        };
    while let (Some(a), Some(b)) = (
        take(&mut li, &mut ni, &nodes),
        take(&mut li, &mut ni, &nodes),
    ) {
        cost += a + b;
        nodes.push(a + b);
    }
    cost
}

thread_local! {
    /// One zlib compressor per thread, reset before each use. Building a compressor allocates and zeroes
    /// about 300 KB of tables, which cost more than the Ed25519 signature when issuing; a reset compressor
    /// produces the same bytes as a new one.
    static DEFLATE: RefCell<Compress> = RefCell::new(Compress::new(Compression::best(), true));
}

/// zlib (RFC 1950) at the best compression level: the same bytes as `flate2::write::ZlibEncoder` with
/// `Compression::best()`, from the thread's reused compressor.
fn zlib(data: &[u8]) -> Option<Vec<u8>> {
    let reused = DEFLATE.try_with(|cell| match cell.try_borrow_mut() {
        Ok(mut c) => Some(zlib_with(&mut c, data)),
        Err(_) => None,
    });
    match reused {
        Ok(Some(out)) => out,
        // Re-entered, or called while the thread is exiting: a fresh compressor gives the same bytes.
        _ => zlib_with(&mut Compress::new(Compression::best(), true), data),
    }
}

fn zlib_with(c: &mut Compress, data: &[u8]) -> Option<Vec<u8>> {
    c.reset();
    let mut out = Vec::with_capacity(data.len() + 64);
    loop {
        let consumed = usize::try_from(c.total_in()).ok()?;
        let rest = data.get(consumed..)?;
        match c.compress_vec(rest, &mut out, FlushCompress::Finish).ok()? {
            Status::StreamEnd => return Some(out),
            Status::Ok | Status::BufError => out.reserve(out.capacity().max(64)),
        }
    }
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
/// so a bomb costs little time and memory) and bytes after the stream's end. The output buffer never
/// grows past `max + 1` bytes (no doubling beyond the cap).
///
/// The whole output is one buffer (miniz_oxide's non-wrapping mode), so a back-reference is checked
/// against the output produced so far: one that reaches before the start of the output is
/// `decompress.invalid`, as RFC 1951 requires. (A streaming inflater with a 32 KiB history window, such
/// as flate2's reader, fills such a reference with zeros instead.) Errors come in stream order: a
/// stream is refused at the first byte of output past the cap, whatever follows.
pub fn inflate_capped(z: &[u8], max: usize) -> Result<Vec<u8>, VerifyError> {
    use miniz_oxide::inflate::TINFLStatus;
    use miniz_oxide::inflate::core::inflate_flags::{
        TINFL_FLAG_PARSE_ZLIB_HEADER, TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF,
    };
    use miniz_oxide::inflate::core::{DecompressorOxide, decompress};

    // The zlib header (CM 8, CINFO <= 7, FCHECK, no preset dictionary) and the Adler-32 trailer are
    // checked by the decompressor; the input is complete, so running out of it is an error.
    let flags = TINFL_FLAG_PARSE_ZLIB_HEADER | TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF;
    let limit = max.saturating_add(1);
    let mut out = vec![0u8; z.len().saturating_mul(4).clamp(64, 1 << 20).min(limit)];
    let mut state = Box::<DecompressorOxide>::default();
    let (mut in_pos, mut out_pos) = (0usize, 0usize);
    loop {
        let rest = z.get(in_pos..).ok_or(VerifyError::Decompress)?;
        let (status, read, written) = decompress(&mut state, rest, &mut out, out_pos, flags);
        in_pos = in_pos.saturating_add(read);
        out_pos = out_pos.saturating_add(written);
        if out_pos > max {
            return Err(VerifyError::DecompressTooLarge { max });
        }
        match status {
            TINFLStatus::Done => break,
            TINFLStatus::HasMoreOutput if out.len() < limit => {
                // Geometric growth that never passes the cap: when doubling once more would leave
                // less than another doubling of room, take all the room in this step (so growing to
                // the cap never holds a block of about the cap next to another of about the cap).
                let grown = if out.len().saturating_mul(4) > limit {
                    limit
                } else {
                    out.len().saturating_mul(2)
                };
                // `resize` alone reserves amortized (up to twice the old capacity), which could pass
                // the cap: reserve exactly what the cap allows first.
                out.reserve_exact(grown.saturating_sub(out.len()));
                out.resize(grown, 0);
            }
            // The buffer holds `max + 1` bytes and more output is pending.
            TINFLStatus::HasMoreOutput => return Err(VerifyError::DecompressTooLarge { max }),
            _ => return Err(VerifyError::Decompress),
        }
    }
    if in_pos != z.len() {
        return Err(VerifyError::Decompress);
    }
    out.truncate(out_pos);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_inflate_buffer_never_passes_the_cap() {
        // Incompressible starts padded with zeros: compressed sizes around max / 4 to max / 2, where
        // the first growth step from the initial buffer (4 x the input) goes straight to the cap.
        for (noise, max) in [
            (1_200, 8192),
            (1_600, 8192),
            (2_000, 8192),
            (300, 2000),
            (0, 8192),
        ] {
            let mut data: Vec<u8> = (0..noise as u32)
                .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
                .collect();
            data.resize(max, 0);
            let out = inflate_capped(&zlib(&data).unwrap(), max).unwrap();
            assert_eq!(out, data);
            assert!(
                out.capacity() <= max + 1,
                "{noise}: capacity {}",
                out.capacity()
            );
            data.push(1);
            assert_eq!(
                inflate_capped(&zlib(&data).unwrap(), max),
                Err(VerifyError::DecompressTooLarge { max })
            );
        }
    }

    #[test]
    fn reused_compressor_matches_a_fresh_zlib_encoder() {
        use std::io::Write;
        let fresh = |data: &[u8]| {
            let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), Compression::best());
            enc.write_all(data).unwrap();
            enc.finish().unwrap()
        };
        let mut inputs: Vec<Vec<u8>> = vec![Vec::new(), b"a".to_vec(), vec![b'a'; 300]];
        inputs.push(
            (0..5000u32)
                .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
                .collect(),
        );
        inputs.push("上海市杨浦区国定路335号".repeat(40).into_bytes());
        inputs.push(vec![0u8; 200_000]);
        for data in inputs.iter().chain(inputs.iter()) {
            assert_eq!(zlib(data).unwrap(), fresh(data), "len {}", data.len());
        }
    }

    #[test]
    fn skipping_the_compressor_never_changes_the_text() {
        // Pseudo-random bytes mixed with structured runs of several sizes: whenever the bound says zlib
        // cannot help, the compressor agrees.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let (mut skipped, mut total) = (0, 0);
        for len in (48..700).step_by(7) {
            for alphabet in [256u64, 200, 128, 64, 40] {
                let data: Vec<u8> = (0..len).map(|_| (next() % alphabet) as u8).collect();
                let plain_len = PREFIX.len() + base45_len(data.len());
                let z = zlib(&data).unwrap();
                let helps = PREFIX_ZLIB.len() + base45_len(z.len()) < plain_len;
                total += 1;
                if zlib_cannot_help(&data, plain_len) {
                    skipped += 1;
                    assert!(
                        !helps,
                        "len {len} alphabet {alphabet}: {} < {}",
                        z.len(),
                        data.len()
                    );
                }
            }
        }
        assert!(
            skipped > total / 4,
            "the bound should skip most random inputs ({skipped}/{total})"
        );
        assert_eq!(huffman_cost(vec![1, 1]), 2);
        // Code lengths 1, 2, 3, 3 for weights 5, 2, 1, 1.
        assert_eq!(huffman_cost(vec![5, 1, 1, 2]), 5 + 2 * 2 + 3 + 3);
    }

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
