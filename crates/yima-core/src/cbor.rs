//! A strict, bounded reader and a deterministic writer for the subset of CBOR (RFC 8949) that yima uses.
//!
//! Why not a general CBOR crate: the format requires that every accepted input is already in the
//! deterministic encoding of RFC 8949 §4.2.1 (shortest-form arguments, definite lengths, map keys in
//! bytewise order, no duplicates), so that parse → re-encode gives the received bytes back. General
//! decoders accept non-preferred encodings silently. This reader is small, borrows from the input, checks
//! every declared length against the bytes that remain before using it, and caps depth and item count.
//!
//! Supported data items: unsigned and negative integers, byte strings, UTF-8 text strings, arrays, maps,
//! tags, and the simple values `false`, `true` and `null`. Floats, `undefined` and other simple values
//! are rejected as unexpected types.

use std::fmt;

/// Deepest nesting of arrays, maps and tags accepted by [`decode`].
pub const MAX_DEPTH: usize = 16;
/// Most elements (array items or map pairs) accepted in one array or map.
pub const MAX_ITEMS: u64 = 256;
/// Most data items (nested ones included) accepted in one call of [`decode`] or [`decode_sequence`].
/// Each decoded item costs 32 to 80 bytes of tree; without this cap a 64 MiB trust bundle could make
/// the reader build a tree of about 2 GB before any signature is checked. Real objects need far fewer
/// (a credential, at most 8192 bytes, cannot hold more than 8192 items).
pub const MAX_TOTAL_ITEMS: u64 = 65_536;

/// A decoded CBOR data item, borrowing strings from the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value<'a> {
    /// Major type 0: an unsigned integer.
    Uint(u64),
    /// Major type 1: the negative integer `-1 - n`, holding `n`.
    Nint(u64),
    /// Major type 2: a byte string.
    Bytes(&'a [u8]),
    /// Major type 3: a text string (valid UTF-8).
    Text(&'a str),
    /// Major type 4: an array.
    Array(Vec<Value<'a>>),
    /// Major type 5: a map, pairs in the order received (which the reader checks is canonical).
    Map(Vec<(Value<'a>, Value<'a>)>),
    /// Major type 6: a tagged item.
    Tag(u64, Box<Value<'a>>),
    /// Simple values 20 and 21.
    Bool(bool),
    /// Simple value 22.
    Null,
}

/// Why a byte sequence is not acceptable CBOR.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CborError {
    /// The input ended inside a data item.
    #[error("CBOR input ends inside a data item")]
    Truncated,
    /// Bytes remain after the top-level data item.
    #[error("bytes remain after the CBOR data item")]
    TrailingBytes,
    /// An indefinite-length string, array or map.
    #[error("indefinite-length CBOR item")]
    Indefinite,
    /// An integer or length not in its shortest form, or map keys out of canonical order.
    #[error("CBOR item not in deterministic (canonical) encoding")]
    NonCanonical,
    /// The same key appears twice in one map.
    #[error("duplicate key in a CBOR map")]
    DuplicateKey,
    /// A reserved additional-information value, a float, or an unsupported simple value.
    #[error("unsupported CBOR item (float, reserved or unknown simple value)")]
    Unsupported,
    /// A text string that is not valid UTF-8.
    #[error("CBOR text string is not valid UTF-8")]
    InvalidUtf8,
    /// Arrays, maps and tags nested deeper than [`MAX_DEPTH`].
    #[error("CBOR nesting deeper than {MAX_DEPTH}")]
    TooDeep,
    /// An array or map declaring more than [`MAX_ITEMS`] elements, or more than the input could hold;
    /// or more than [`MAX_TOTAL_ITEMS`] items in one decode.
    #[error("CBOR array or map too large")]
    TooManyItems,
}

impl CborError {
    /// Stable machine code for this error.
    pub fn code(&self) -> &'static str {
        match self {
            CborError::Truncated => "cbor.truncated",
            CborError::TrailingBytes => "cbor.trailing-bytes",
            CborError::Indefinite => "cbor.indefinite-length",
            CborError::NonCanonical => "cbor.non-canonical",
            CborError::DuplicateKey => "cbor.duplicate-key",
            CborError::Unsupported => "cbor.unsupported",
            CborError::InvalidUtf8 => "cbor.invalid-utf8",
            CborError::TooDeep => "cbor.too-deep",
            CborError::TooManyItems => "cbor.too-many-items",
        }
    }
}

/// Decodes exactly one data item that spans all of `input`.
pub fn decode(input: &[u8]) -> Result<Value<'_>, CborError> {
    let mut r = Reader {
        buf: input,
        pos: 0,
        items: 0,
    };
    let v = r.item(0)?;
    if r.pos != input.len() {
        return Err(CborError::TrailingBytes);
    }
    Ok(v)
}

/// Decodes a CBOR sequence (RFC 8742): consecutive data items filling all of `input`, at most
/// `max_items` of them. Returns each item with its byte range in `input`.
pub fn decode_sequence(
    input: &[u8],
    max_items: usize,
) -> Result<Vec<(Value<'_>, std::ops::Range<usize>)>, CborError> {
    let mut r = Reader {
        buf: input,
        pos: 0,
        items: 0,
    };
    let mut items = Vec::new();
    while r.pos < input.len() {
        if items.len() >= max_items {
            return Err(CborError::TrailingBytes);
        }
        let start = r.pos;
        let v = r.item(0)?;
        items.push((v, start..r.pos));
    }
    Ok(items)
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    /// Data items started so far, checked against [`MAX_TOTAL_ITEMS`].
    items: u64,
}

impl<'a> Reader<'a> {
    fn remaining(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }

    fn byte(&mut self) -> Result<u8, CborError> {
        let b = *self.buf.get(self.pos).ok_or(CborError::Truncated)?;
        self.pos += 1;
        Ok(b)
    }

    fn take(&mut self, n: u64) -> Result<&'a [u8], CborError> {
        // The declared length is checked against what remains before anything is sliced or allocated.
        if n > self.remaining() as u64 {
            return Err(CborError::Truncated);
        }
        let n = n as usize; // fits: n <= remaining, which is a usize
        let s = self
            .buf
            .get(self.pos..self.pos + n)
            .ok_or(CborError::Truncated)?;
        self.pos += n;
        Ok(s)
    }

    /// Reads the argument of an initial byte with additional information `ai`, insisting on the shortest form.
    fn argument(&mut self, ai: u8) -> Result<u64, CborError> {
        let v = match ai {
            0..=23 => return Ok(u64::from(ai)),
            24 => {
                let v = u64::from(self.byte()?);
                if v < 24 {
                    return Err(CborError::NonCanonical);
                }
                v
            }
            25 => {
                let v = be(self.take(2)?);
                if v <= 0xff {
                    return Err(CborError::NonCanonical);
                }
                v
            }
            26 => {
                let v = be(self.take(4)?);
                if v <= 0xffff {
                    return Err(CborError::NonCanonical);
                }
                v
            }
            27 => {
                let v = be(self.take(8)?);
                if v <= 0xffff_ffff {
                    return Err(CborError::NonCanonical);
                }
                v
            }
            31 => return Err(CborError::Indefinite),
            _ => return Err(CborError::Unsupported),
        };
        Ok(v)
    }

    fn item(&mut self, depth: usize) -> Result<Value<'a>, CborError> {
        self.items += 1;
        if self.items > MAX_TOTAL_ITEMS {
            return Err(CborError::TooManyItems);
        }
        let ib = self.byte()?;
        let major = ib >> 5;
        let ai = ib & 0x1f;
        if major == 7 {
            return match ai {
                20 => Ok(Value::Bool(false)),
                21 => Ok(Value::Bool(true)),
                22 => Ok(Value::Null),
                31 => Err(CborError::Indefinite),
                _ => Err(CborError::Unsupported),
            };
        }
        let arg = self.argument(ai)?;
        match major {
            0 => Ok(Value::Uint(arg)),
            1 => Ok(Value::Nint(arg)),
            2 => Ok(Value::Bytes(self.take(arg)?)),
            3 => {
                let s = self.take(arg)?;
                std::str::from_utf8(s)
                    .map(Value::Text)
                    .map_err(|_| CborError::InvalidUtf8)
            }
            4 => {
                let n = self.count(arg, 1, depth)?;
                let mut items = Vec::with_capacity(n);
                for _ in 0..n {
                    items.push(self.item(depth + 1)?);
                }
                Ok(Value::Array(items))
            }
            5 => {
                let n = self.count(arg, 2, depth)?;
                let mut pairs: Vec<(Value<'a>, Value<'a>)> = Vec::with_capacity(n);
                let mut keys = MapKeys::with_capacity(n);
                for _ in 0..n {
                    let start = self.pos;
                    let k = self.item(depth + 1)?;
                    let key_bytes = self.buf.get(start..self.pos).ok_or(CborError::Truncated)?;
                    keys.insert(key_bytes)?;
                    let v = self.item(depth + 1)?;
                    pairs.push((k, v));
                }
                // Canonical order (RFC 8949 §4.2.1), reported only after the whole map was read.
                if keys.out_of_order {
                    return Err(CborError::NonCanonical);
                }
                Ok(Value::Map(pairs))
            }
            6 => {
                if depth + 1 > MAX_DEPTH {
                    return Err(CborError::TooDeep);
                }
                let inner = self.item(depth + 1)?;
                Ok(Value::Tag(arg, Box::new(inner)))
            }
            // major is 3 bits wide and 7 was handled above.
            _ => Err(CborError::Unsupported),
        }
    }

    /// Checks a declared element count against the caps and the bytes left (each element takes at
    /// least `min_bytes_each` bytes) before any allocation.
    fn count(&self, declared: u64, min_bytes_each: u64, depth: usize) -> Result<usize, CborError> {
        if depth + 1 > MAX_DEPTH {
            return Err(CborError::TooDeep);
        }
        if declared > MAX_ITEMS || declared.saturating_mul(min_bytes_each) > self.remaining() as u64
        {
            return Err(CborError::TooManyItems);
        }
        Ok(declared as usize) // fits: declared <= MAX_ITEMS
    }
}

/// The encoded keys of one map as they are read: duplicate detection and the canonical-order check
/// (RFC 8949 §4.2.1: keys in strictly increasing bytewise lexicographic order of their encodings) with
/// O(log n) key comparisons per key, never a comparison with every earlier key.
///
/// While the keys arrive in canonical order, a key equal to an earlier one can only equal the previous
/// one, so one comparison per key settles both rules. The first key that is not greater than the
/// previous one marks the map out of order (`cbor.non-canonical`, reported only after the whole map has
/// been read, §4.4 of docs/format.md); from then on each key is looked up by binary search in the
/// sorted keys, so that a duplicate anywhere in the map is still reported as `cbor.duplicate-key` as
/// soon as it is read, exactly as before.
struct MapKeys<'a> {
    /// Every key read so far, in increasing order (the order received while the map is canonical).
    sorted: Vec<&'a [u8]>,
    /// Set once a key was not greater than the previous one.
    out_of_order: bool,
}

impl<'a> MapKeys<'a> {
    fn with_capacity(n: usize) -> Self {
        MapKeys {
            sorted: Vec::with_capacity(n),
            out_of_order: false,
        }
    }

    fn insert(&mut self, key: &'a [u8]) -> Result<(), CborError> {
        if !self.out_of_order {
            match self.sorted.last() {
                Some(&prev) if key == prev => return Err(CborError::DuplicateKey),
                Some(&prev) if key < prev => self.out_of_order = true,
                _ => {
                    self.sorted.push(key);
                    return Ok(());
                }
            }
        }
        match self.sorted.binary_search(&key) {
            Ok(_) => Err(CborError::DuplicateKey),
            Err(at) => {
                // `at` <= len by the contract of `binary_search`: the insertion cannot panic.
                self.sorted.insert(at, key);
                Ok(())
            }
        }
    }
}

fn be(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b))
}

/// Appends the initial byte(s) for `major` with argument `arg` in shortest form.
pub fn write_head(out: &mut Vec<u8>, major: u8, arg: u64) {
    let mt = major << 5;
    if arg < 24 {
        out.push(mt | arg as u8);
    } else if arg <= 0xff {
        out.push(mt | 24);
        out.push(arg as u8);
    } else if arg <= 0xffff {
        out.push(mt | 25);
        out.extend_from_slice(&(arg as u16).to_be_bytes());
    } else if arg <= 0xffff_ffff {
        out.push(mt | 26);
        out.extend_from_slice(&(arg as u32).to_be_bytes());
    } else {
        out.push(mt | 27);
        out.extend_from_slice(&arg.to_be_bytes());
    }
}

impl Value<'_> {
    /// Encodes this value deterministically (RFC 8949 §4.2.1): shortest forms, definite lengths, map
    /// entries sorted by the bytewise order of their encoded keys.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode_into(&mut out);
        out
    }

    /// Appends the deterministic encoding of this value to `out`.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        match self {
            Value::Uint(n) => write_head(out, 0, *n),
            Value::Nint(n) => write_head(out, 1, *n),
            Value::Bytes(b) => {
                write_head(out, 2, b.len() as u64);
                out.extend_from_slice(b);
            }
            Value::Text(t) => {
                write_head(out, 3, t.len() as u64);
                out.extend_from_slice(t.as_bytes());
            }
            Value::Array(items) => {
                write_head(out, 4, items.len() as u64);
                for i in items {
                    i.encode_into(out);
                }
            }
            Value::Map(pairs) => {
                write_head(out, 5, pairs.len() as u64);
                let mut encoded: Vec<(Vec<u8>, Vec<u8>)> = pairs
                    .iter()
                    .map(|(k, v)| (k.encode(), v.encode()))
                    .collect();
                encoded.sort_by(|a, b| a.0.cmp(&b.0));
                for (k, v) in encoded {
                    out.extend_from_slice(&k);
                    out.extend_from_slice(&v);
                }
            }
            Value::Tag(t, inner) => {
                write_head(out, 6, *t);
                inner.encode_into(out);
            }
            Value::Bool(false) => out.push(0xf4),
            Value::Bool(true) => out.push(0xf5),
            Value::Null => out.push(0xf6),
        }
    }

    /// A signed integer view of `Uint`/`Nint`, if it fits in `i64`.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Uint(n) => i64::try_from(*n).ok(),
            Value::Nint(n) => i64::try_from(*n).ok().map(|n| -1 - n),
            _ => None,
        }
    }

    /// Builds an integer value from an `i64`.
    pub fn int(n: i64) -> Value<'static> {
        if n >= 0 {
            Value::Uint(n as u64)
        } else {
            Value::Nint((-1 - n) as u64)
        }
    }

    /// A short name of this value's CBOR type, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Uint(_) | Value::Nint(_) => "integer",
            Value::Bytes(_) => "byte string",
            Value::Text(_) => "text string",
            Value::Array(_) => "array",
            Value::Map(_) => "map",
            Value::Tag(..) => "tag",
            Value::Bool(_) => "bool",
            Value::Null => "null",
        }
    }
}

impl fmt::Display for Value<'_> {
    /// CBOR diagnostic notation (RFC 8949 §8).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Uint(n) => write!(f, "{n}"),
            Value::Nint(n) => write!(f, "-{}", u128::from(*n) + 1),
            Value::Bytes(b) => {
                f.write_str("h'")?;
                for x in *b {
                    write!(f, "{x:02x}")?;
                }
                f.write_str("'")
            }
            Value::Text(t) => write!(f, "{t:?}"),
            Value::Array(items) => {
                f.write_str("[")?;
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{v}")?;
                }
                f.write_str("]")
            }
            Value::Map(pairs) => {
                f.write_str("{")?;
                for (i, (k, v)) in pairs.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{k}: {v}")?;
                }
                f.write_str("}")
            }
            Value::Tag(t, v) => write!(f, "{t}({v})"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Null => f.write_str("null"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn h(s: &str) -> Vec<u8> {
        hex::decode(s).unwrap()
    }

    #[test]
    fn rfc8949_appendix_a_examples() {
        for (hex, diag) in [
            ("00", "0"),
            ("17", "23"),
            ("1818", "24"),
            ("1903e8", "1000"),
            ("1a000f4240", "1000000"),
            ("1b000000e8d4a51000", "1000000000000"),
            ("20", "-1"),
            ("3903e7", "-1000"),
            ("3bffffffffffffffff", "-18446744073709551616"),
            ("40", "h''"),
            ("4401020304", "h'01020304'"),
            ("60", "\"\""),
            ("6449455446", "\"IETF\""),
            ("80", "[]"),
            ("83010203", "[1, 2, 3]"),
            ("a201020304", "{1: 2, 3: 4}"),
            ("c11a514b67b0", "1(1363896240)"),
            ("f4", "false"),
            ("f6", "null"),
        ] {
            let bytes = h(hex);
            let v = decode(&bytes).unwrap();
            assert_eq!(v.to_string(), diag, "{hex}");
            assert_eq!(v.encode(), bytes, "{hex}");
        }
    }

    #[test]
    fn rejects_each_violation_with_its_code() {
        for (hex, err) in [
            ("", CborError::Truncated),
            ("1a0000", CborError::Truncated),
            ("0000", CborError::TrailingBytes),
            ("5f4101ff", CborError::Indefinite),
            ("9f01ff", CborError::Indefinite),
            ("bf0102ff", CborError::Indefinite),
            ("1817", CborError::NonCanonical),
            ("190017", CborError::NonCanonical),
            ("1a0000ffff", CborError::NonCanonical),
            ("1b00000000ffffffff", CborError::NonCanonical),
            ("a203040102", CborError::NonCanonical),
            ("a201020103", CborError::DuplicateKey),
            ("fb3ff0000000000000", CborError::Unsupported),
            ("f7", CborError::Unsupported),
            ("1c", CborError::Unsupported),
            ("62c328", CborError::InvalidUtf8),
            ("9bffffffffffffffff", CborError::TooManyItems),
            ("5bffffffffffffffff", CborError::Truncated),
            ("8501", CborError::TooManyItems),
        ] {
            assert_eq!(decode(&h(hex)), Err(err), "{hex}");
            assert!(err.code().starts_with("cbor."));
        }
    }

    #[test]
    fn duplicate_and_order_errors_keep_their_precedence() {
        for (hex, err, why) in [
            // Out of order, then a key equal to a non-adjacent earlier one: the duplicate is reported
            // when it is read, although the map was already out of order.
            ("a302000100020a", CborError::DuplicateKey, "{2, 1, 2}"),
            (
                "a40100030002000100",
                CborError::DuplicateKey,
                "{1, 3, 2, 1}",
            ),
            (
                "a40300010002000300",
                CborError::DuplicateKey,
                "{3, 1, 2, 3}",
            ),
            // Adjacent duplicate in an otherwise sorted map.
            ("a3010002000200", CborError::DuplicateKey, "{1, 2, 2}"),
            // A duplicate is reported before its value is read (the value here is truncated).
            (
                "a20100015affffffff",
                CborError::DuplicateKey,
                "{1, 1: <truncated>}",
            ),
            // Out of order, no duplicate: non-canonical, but only after the whole map was read, so
            // a later error inside the map wins.
            ("a3030001000200", CborError::NonCanonical, "{3, 1, 2}"),
            (
                "a20200015affffffff",
                CborError::Truncated,
                "{2, 1: <truncated>}",
            ),
            ("a2020001ff", CborError::Indefinite, "{2, 1: break}"),
        ] {
            assert_eq!(decode(&h(hex)), Err(err), "{why}: {hex}");
        }
        // Bytewise order of the encodings: -1 (0x20) sorts after 24 (0x18 0x18).
        assert!(
            decode(&h("a21818002000")).is_ok(),
            "{{24, -1}} is canonical"
        );
        assert_eq!(
            decode(&h("a22000181800")),
            Err(CborError::NonCanonical),
            "{{-1, 24}}"
        );
        assert!(decode(&h("a241000042000000")).is_ok(), "{{h'00', h'0000'}}");
        assert_eq!(
            decode(&h("a242000000410000")),
            Err(CborError::NonCanonical),
            "{{h'0000', h'00'}}"
        );
    }

    /// The quadratic check the reader used before: every key against every earlier one, then the order
    /// of neighbours after the whole map. The reader must agree with it on every map.
    fn reference_map_error(keys: &[Vec<u8>]) -> Option<CborError> {
        for (i, k) in keys.iter().enumerate() {
            if keys.iter().take(i).any(|e| e == k) {
                return Some(CborError::DuplicateKey);
            }
        }
        keys.windows(2)
            .any(|w| w[0] >= w[1])
            .then_some(CborError::NonCanonical)
    }

    #[test]
    fn many_long_keys_out_of_order_are_checked_quickly() {
        // 256 keys of 4 KiB that share all but their last two bytes, in descending order with a
        // duplicate of the first at the end: about 8 comparisons per key instead of up to 255.
        let key = |i: u16| {
            let mut k = vec![0x59, 0x10, 0x00];
            k.extend(std::iter::repeat_n(0xaa, 4094));
            k.extend_from_slice(&i.to_be_bytes());
            k
        };
        let mut map = vec![0xb9, 0x01, 0x00];
        for i in (1..256u16).rev() {
            map.extend(key(i));
            map.push(0);
        }
        map.extend(key(255));
        map.push(0);
        let start = std::time::Instant::now();
        assert_eq!(decode(&map), Err(CborError::DuplicateKey));
        assert!(start.elapsed() < std::time::Duration::from_secs(2));
    }
    #[test]
    fn depth_is_capped() {
        let mut deep = vec![0x81u8; MAX_DEPTH + 1];
        deep.push(0x00);
        assert_eq!(decode(&deep), Err(CborError::TooDeep));
        let mut ok = vec![0x81u8; MAX_DEPTH];
        ok.push(0x00);
        assert!(decode(&ok).is_ok());
        let tags = [vec![0xc1u8; 1000], vec![0x00]].concat();
        assert_eq!(decode(&tags), Err(CborError::TooDeep));
    }

    #[test]
    fn total_items_are_capped_per_decode() {
        // An array of 256 arrays of zeros, with `leaves` zeros in all.
        let tree = |leaves: usize| {
            let mut t = vec![0x99, 0x01, 0x00];
            for i in 0..256 {
                let n = (leaves / 256 + usize::from(i < leaves % 256)) as u64;
                write_head(&mut t, 4, n);
                t.extend(std::iter::repeat_n(0u8, n as usize));
            }
            t
        };
        // 1 + 256 + 65279 = 65536 items: accepted.
        let ok = tree(65_279);
        assert!(decode(&ok).is_ok());
        // One item more is refused, however many bytes remain.
        assert_eq!(decode(&tree(65_280)), Err(CborError::TooManyItems));
        // The budget spans a whole CBOR sequence.
        let seq = [ok.clone(), vec![0x00]].concat();
        assert_eq!(
            decode_sequence(&seq, 4).map(|v| v.len()),
            Err(CborError::TooManyItems)
        );
    }

    fn arb_value() -> impl Strategy<Value = Value<'static>> {
        let leaf = prop_oneof![
            any::<u64>().prop_map(Value::Uint),
            any::<u64>().prop_map(Value::Nint),
            proptest::collection::vec(any::<u8>(), 0..40)
                .prop_map(|v| Value::Bytes(Box::leak(v.into_boxed_slice()))),
            ".{0,20}".prop_map(|s: String| Value::Text(Box::leak(s.into_boxed_str()))),
            any::<bool>().prop_map(Value::Bool),
            Just(Value::Null),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                proptest::collection::btree_map(any::<i32>(), inner.clone(), 0..6).prop_map(|m| {
                    Value::Map(
                        m.into_iter()
                            .map(|(k, v)| (Value::int(k.into()), v))
                            .collect(),
                    )
                }),
                (0u64..100000, inner).prop_map(|(t, v)| Value::Tag(t, Box::new(v))),
            ]
        })
    }

    proptest! {
        #[test]
        fn encode_then_decode_is_identity_on_bytes(v in arb_value()) {
            let bytes = v.encode();
            let back = decode(&bytes).unwrap();
            prop_assert_eq!(back.encode(), bytes);
        }

        #[test]
        fn map_key_checks_agree_with_the_quadratic_reference(
            keys in proptest::collection::vec(proptest::collection::vec(0u8..4, 0..3), 0..12)
        ) {
            // Each key a byte string of 0 to 2 bytes from a small alphabet: many duplicates and ties.
            let mut map = Vec::new();
            write_head(&mut map, 5, keys.len() as u64);
            let mut encoded = Vec::new();
            for k in &keys {
                let mut e = Vec::new();
                write_head(&mut e, 2, k.len() as u64);
                e.extend_from_slice(k);
                map.extend_from_slice(&e);
                map.push(0xf6);
                encoded.push(e);
            }
            let got = decode(&map).err();
            prop_assert_eq!(got, reference_map_error(&encoded));
        }

        #[test]
        fn arbitrary_bytes_never_panic_and_accepted_input_is_canonical(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            if let Ok(v) = decode(&bytes) {
                prop_assert_eq!(v.encode(), bytes);
            }
        }
    }
}
