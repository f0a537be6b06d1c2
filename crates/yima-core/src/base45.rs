//! Base45 (RFC 9285): the QR alphanumeric-mode friendly encoding of bytes.
//!
//! Hand-written rather than taken from a crate because decoding must be strict (reject a triple above
//! 65535 and a pair above 255, reject a dangling single character, reject characters outside the alphabet)
//! and allocation-bounded (output size is computed from the already length-capped input). The tests
//! cross-check it against the `base45` crate.

/// The 45-character alphabet of RFC 9285 §4.
pub const ALPHABET: &[u8; 45] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

/// Why a string is not valid Base45.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Base45Error {
    /// A character outside the Base45 alphabet, at this byte offset.
    #[error("character at offset {0} is not in the Base45 alphabet")]
    InvalidChar(usize),
    /// The length leaves one dangling character (length mod 3 == 1).
    #[error("Base45 length leaves a dangling character")]
    InvalidLength,
    /// A group decodes to a value too large for its byte count (RFC 9285 §4.2).
    #[error("Base45 group at offset {0} encodes a value out of range")]
    OutOfRange(usize),
}

/// Encodes bytes as Base45 text.
pub fn encode(input: &[u8]) -> String {
    let mut out = String::with_capacity(input.len().div_ceil(2) * 3);
    let mut chunks = input.chunks_exact(2);
    for pair in &mut chunks {
        if let [a, b] = pair {
            let n = u32::from(*a) * 256 + u32::from(*b);
            push(&mut out, n % 45);
            push(&mut out, (n / 45) % 45);
            push(&mut out, n / 2025);
        }
    }
    if let [a] = chunks.remainder() {
        let n = u32::from(*a);
        push(&mut out, n % 45);
        push(&mut out, n / 45);
    }
    out
}

fn push(out: &mut String, digit: u32) {
    // safe: every caller passes digit < 45 (n <= 65535 so n / 2025 <= 32), so the lookup never misses.
    if let Some(&c) = ALPHABET.get(digit as usize) {
        out.push(char::from(c));
    }
}

fn value(c: u8) -> Option<u32> {
    let v = match c {
        b'0'..=b'9' => c - b'0',
        b'A'..=b'Z' => c - b'A' + 10,
        b' ' => 36,
        b'$' => 37,
        b'%' => 38,
        b'*' => 39,
        b'+' => 40,
        b'-' => 41,
        b'.' => 42,
        b'/' => 43,
        b':' => 44,
        _ => return None,
    };
    Some(u32::from(v))
}

/// Decodes Base45 text strictly. The output is at most two thirds of the input length.
pub fn decode(input: &str) -> Result<Vec<u8>, Base45Error> {
    let bytes = input.as_bytes();
    if bytes.len() % 3 == 1 {
        return Err(Base45Error::InvalidLength);
    }
    let mut out = Vec::with_capacity(bytes.len() / 3 * 2 + 1);
    let digit = |i: usize| -> Result<u32, Base45Error> {
        bytes
            .get(i)
            .and_then(|&c| value(c))
            .ok_or(Base45Error::InvalidChar(i))
    };
    let mut i = 0;
    while i + 3 <= bytes.len() {
        let n = digit(i)? + digit(i + 1)? * 45 + digit(i + 2)? * 2025;
        if n > 0xffff {
            return Err(Base45Error::OutOfRange(i));
        }
        out.extend_from_slice(&(n as u16).to_be_bytes());
        i += 3;
    }
    if i + 2 == bytes.len() {
        let n = digit(i)? + digit(i + 1)? * 45;
        if n > 0xff {
            return Err(Base45Error::OutOfRange(i));
        }
        out.push(n as u8);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn rfc9285_examples() {
        assert_eq!(encode(b"AB"), "BB8");
        assert_eq!(encode(b"Hello!!"), "%69 VD92EX0");
        assert_eq!(encode(b"base-45"), "UJCLQE7W581");
        assert_eq!(decode("QED8WEX0").unwrap(), b"ietf!");
        assert_eq!(encode(b""), "");
        assert_eq!(decode("").unwrap(), b"");
    }

    #[test]
    fn strict_rejections() {
        assert_eq!(decode("GGW"), Err(Base45Error::OutOfRange(0))); // 65536
        assert_eq!(decode("ZZZ"), Err(Base45Error::OutOfRange(0)));
        assert_eq!(decode("00ZZ"), Err(Base45Error::InvalidLength));
        assert_eq!(decode("AB8Z6"), Err(Base45Error::OutOfRange(3))); // 'Z6' = 35 + 6*45 = 305 > 255
        assert_eq!(decode("ab8"), Err(Base45Error::InvalidChar(0)));
        assert_eq!(decode("BB8a0"), Err(Base45Error::InvalidChar(3)));
        assert_eq!(decode("B"), Err(Base45Error::InvalidLength));
        assert_eq!(decode("BB\u{e9}"), Err(Base45Error::InvalidLength)); // 4 bytes of UTF-8
    }

    proptest! {
        #[test]
        fn round_trip_and_agrees_with_base45_crate(data in proptest::collection::vec(any::<u8>(), 0..300)) {
            let text = encode(&data);
            prop_assert_eq!(&text, &base45::encode(&data));
            prop_assert_eq!(decode(&text).unwrap(), data);
        }

        #[test]
        fn arbitrary_text_never_panics(s in ".{0,64}") {
            if let Ok(bytes) = decode(&s) {
                prop_assert_eq!(encode(&bytes), s);
            }
        }
    }
}
