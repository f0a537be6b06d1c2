//! A lenient but bounded CBOR (RFC 8949) reader for the EU DCC profile, and CBOR → JSON conversion.
//!
//! Why not yima-core's strict reader: EU certificates are not in deterministic encoding (indefinite-length
//! maps, floats for `iat`/`exp`, non-preferred integer widths, unsorted keys), so this reader accepts any
//! well-formed CBOR. It is still bounded: [`minicbor`] tokenizes (checking every string length against the
//! bytes that remain), and this module caps nesting ([`MAX_DEPTH`]), the total number of data items
//! ([`MAX_ITEMS`]) and the pairs in one map ([`MAX_MAP_PAIRS`]), checks every declared array/map length
//! against the bytes that remain before allocating, rejects duplicate map keys (two readers could
//! disagree on which one counts), and rejects bytes after the top-level item.

use std::borrow::Cow;

use minicbor::data::{Token, Type};
use serde_json::Value as Json;

/// Deepest nesting of arrays, maps and tags accepted.
pub const MAX_DEPTH: usize = 16;
/// Most data items (including map keys, tags and string chunks) in one decoded input.
pub const MAX_ITEMS: usize = 8192;
/// Most key/value pairs in one map (an EU DCC map has fewer than 20).
pub const MAX_MAP_PAIRS: usize = 256;

/// A decoded CBOR data item, borrowing definite-length strings from the input.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    /// Major types 0 and 1: an integer in -2^64 ..= 2^64 - 1.
    Int(i128),
    /// Major type 2: a byte string (indefinite-length strings are concatenated).
    Bytes(Cow<'a, [u8]>),
    /// Major type 3: a UTF-8 text string (indefinite-length strings are concatenated).
    Text(Cow<'a, str>),
    /// Major type 4: an array.
    Array(Vec<Value<'a>>),
    /// Major type 5: a map, pairs in the order received (keys are unique).
    Map(Vec<(Value<'a>, Value<'a>)>),
    /// Major type 6: a tagged item.
    Tag(u64, Box<Value<'a>>),
    /// Half, single or double precision float, widened to f64.
    Float(f64),
    /// Simple values 20 and 21.
    Bool(bool),
    /// Simple value 22.
    Null,
    /// Simple value 23.
    Undefined,
    /// Any other simple value.
    Simple(u8),
}

impl<'a> Value<'a> {
    /// The value under integer key `key` if this is a map.
    pub fn get_int(&self, key: i128) -> Option<&Value<'a>> {
        match self {
            Value::Map(pairs) => pairs
                .iter()
                .find(|(k, _)| *k == Value::Int(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }
}

/// Why bytes are not acceptable CBOR.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CborError {
    /// The input ended inside a data item.
    #[error("CBOR ends inside a data item")]
    Truncated,
    /// Not well-formed CBOR (reserved values, a stray break, invalid UTF-8, a bad string chunk).
    #[error("malformed CBOR: {0}")]
    Malformed(String),
    /// Bytes remain after the top-level data item.
    #[error("bytes remain after the CBOR data item")]
    TrailingBytes,
    /// Arrays, maps and tags nested deeper than [`MAX_DEPTH`].
    #[error("CBOR nested deeper than {MAX_DEPTH}")]
    TooDeep,
    /// More than [`MAX_ITEMS`] items, more than [`MAX_MAP_PAIRS`] pairs in a map, or a declared length
    /// longer than the input could hold.
    #[error("CBOR has too many items")]
    TooManyItems,
    /// The same key twice in one map.
    #[error("duplicate key in a CBOR map")]
    DuplicateKey,
    /// A value with no JSON equivalent (non-text map key, non-finite float, integer out of range).
    #[error("CBOR value has no JSON form: {0}")]
    NotJson(&'static str),
}

fn map_err(e: minicbor::decode::Error) -> CborError {
    if e.is_end_of_input() {
        CborError::Truncated
    } else {
        CborError::Malformed(e.to_string())
    }
}

struct Reader<'a> {
    d: minicbor::Decoder<'a>,
    len: usize,
    items_left: usize,
}

impl<'a> Reader<'a> {
    fn take_item(&mut self) -> Result<(), CborError> {
        self.items_left = self
            .items_left
            .checked_sub(1)
            .ok_or(CborError::TooManyItems)?;
        Ok(())
    }

    fn remaining(&self) -> usize {
        self.len.saturating_sub(self.d.position())
    }

    fn token(&mut self) -> Result<Token<'a>, CborError> {
        self.d.decode::<Token<'a>>().map_err(map_err)
    }

    fn at_break(&self) -> Result<bool, CborError> {
        Ok(self.d.datatype().map_err(map_err)? == Type::Break)
    }

    /// Checks a declared element count (`per` bytes at least per element) against the input and caps.
    fn check_len(&self, n: u64, per: usize) -> Result<usize, CborError> {
        let n = usize::try_from(n).map_err(|_| CborError::TooManyItems)?;
        if n.saturating_mul(per) > self.remaining() || n > self.items_left {
            return Err(CborError::TooManyItems);
        }
        Ok(n)
    }

    fn item(&mut self, depth: usize) -> Result<Value<'a>, CborError> {
        self.take_item()?;
        let v = match self.token()? {
            Token::Bool(b) => Value::Bool(b),
            Token::U8(n) => Value::Int(n.into()),
            Token::U16(n) => Value::Int(n.into()),
            Token::U32(n) => Value::Int(n.into()),
            Token::U64(n) => Value::Int(n.into()),
            Token::I8(n) => Value::Int(n.into()),
            Token::I16(n) => Value::Int(n.into()),
            Token::I32(n) => Value::Int(n.into()),
            Token::I64(n) => Value::Int(n.into()),
            Token::Int(n) => Value::Int(n.into()),
            Token::F16(f) | Token::F32(f) => Value::Float(f.into()),
            Token::F64(f) => Value::Float(f),
            Token::Bytes(b) => Value::Bytes(Cow::Borrowed(b)),
            Token::String(s) => Value::Text(Cow::Borrowed(s)),
            Token::BeginBytes => {
                let mut out = Vec::new();
                loop {
                    self.take_item()?;
                    match self.token()? {
                        Token::Bytes(b) => out.extend_from_slice(b),
                        Token::Break => break,
                        _ => return Err(CborError::Malformed("bad byte string chunk".into())),
                    }
                }
                Value::Bytes(Cow::Owned(out))
            }
            Token::BeginString => {
                let mut out = String::new();
                loop {
                    self.take_item()?;
                    match self.token()? {
                        Token::String(s) => out.push_str(s),
                        Token::Break => break,
                        _ => return Err(CborError::Malformed("bad text string chunk".into())),
                    }
                }
                Value::Text(Cow::Owned(out))
            }
            Token::Array(n) => {
                let n = self.check_len(n, 1)?;
                let depth = nest(depth)?;
                let mut items = Vec::with_capacity(n);
                for _ in 0..n {
                    items.push(self.item(depth)?);
                }
                Value::Array(items)
            }
            Token::BeginArray => {
                let depth = nest(depth)?;
                let mut items = Vec::new();
                while !self.at_break()? {
                    items.push(self.item(depth)?);
                }
                self.token()?; // the break
                Value::Array(items)
            }
            Token::Map(n) => {
                let n = self.check_len(n, 2)?;
                if n > MAX_MAP_PAIRS {
                    return Err(CborError::TooManyItems);
                }
                let depth = nest(depth)?;
                let mut pairs = Vec::with_capacity(n);
                for _ in 0..n {
                    self.pair(depth, &mut pairs)?;
                }
                Value::Map(pairs)
            }
            Token::BeginMap => {
                let depth = nest(depth)?;
                let mut pairs = Vec::new();
                while !self.at_break()? {
                    if pairs.len() >= MAX_MAP_PAIRS {
                        return Err(CborError::TooManyItems);
                    }
                    self.pair(depth, &mut pairs)?;
                }
                self.token()?; // the break
                Value::Map(pairs)
            }
            Token::Tag(t) => {
                let depth = nest(depth)?;
                Value::Tag(t.as_u64(), Box::new(self.item(depth)?))
            }
            Token::Null => Value::Null,
            Token::Undefined => Value::Undefined,
            Token::Simple(n) => Value::Simple(n),
            Token::Break => return Err(CborError::Malformed("unexpected break".into())),
        };
        Ok(v)
    }

    fn pair(
        &mut self,
        depth: usize,
        pairs: &mut Vec<(Value<'a>, Value<'a>)>,
    ) -> Result<(), CborError> {
        let k = self.item(depth)?;
        if pairs.iter().any(|(existing, _)| *existing == k) {
            return Err(CborError::DuplicateKey);
        }
        let v = self.item(depth)?;
        pairs.push((k, v));
        Ok(())
    }
}

fn nest(depth: usize) -> Result<usize, CborError> {
    let d = depth + 1;
    if d > MAX_DEPTH {
        return Err(CborError::TooDeep);
    }
    Ok(d)
}

/// Decodes exactly one CBOR data item from `bytes` (no bytes may follow it), within the limits above.
pub fn decode(bytes: &[u8]) -> Result<Value<'_>, CborError> {
    let mut r = Reader {
        d: minicbor::Decoder::new(bytes),
        len: bytes.len(),
        items_left: MAX_ITEMS,
    };
    let v = r.item(0)?;
    if r.d.position() != bytes.len() {
        return Err(CborError::TrailingBytes);
    }
    Ok(v)
}

/// Converts a decoded value to JSON: text keys stay, integer keys become decimal strings, tags are
/// dropped (their content is kept), byte strings become standard Base64, `undefined` becomes `null`.
/// Depth is already bounded by [`decode`].
pub fn to_json(v: &Value<'_>) -> Result<Json, CborError> {
    Ok(match v {
        Value::Int(n) => {
            if let Ok(u) = u64::try_from(*n) {
                Json::from(u)
            } else if let Ok(i) = i64::try_from(*n) {
                Json::from(i)
            } else {
                return Err(CborError::NotJson("integer beyond 64 bits"));
            }
        }
        Value::Float(f) => serde_json::Number::from_f64(*f)
            .map(Json::Number)
            .ok_or(CborError::NotJson("non-finite float"))?,
        Value::Bytes(b) => Json::String(data_encoding::BASE64.encode(b)),
        Value::Text(s) => Json::String(s.to_string()),
        Value::Array(items) => Json::Array(items.iter().map(to_json).collect::<Result<_, _>>()?),
        Value::Map(pairs) => {
            let mut m = serde_json::Map::with_capacity(pairs.len());
            for (k, v) in pairs {
                let key = match k {
                    Value::Text(s) => s.to_string(),
                    Value::Int(n) => n.to_string(),
                    _ => return Err(CborError::NotJson("map key is not text or an integer")),
                };
                if m.insert(key, to_json(v)?).is_some() {
                    // e.g. text key "1" next to integer key 1
                    return Err(CborError::NotJson("two map keys with the same JSON name"));
                }
            }
            Json::Object(m)
        }
        Value::Tag(_, inner) => to_json(inner)?,
        Value::Bool(b) => Json::Bool(*b),
        Value::Null | Value::Undefined => Json::Null,
        Value::Simple(_) => return Err(CborError::NotJson("simple value")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.split_whitespace().collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn lenient_forms_decode() {
        // indefinite map {"a": [_ 1, 2]}, with a non-preferred integer width
        let bytes = hex("bf61619f011802ffff");
        let v = decode(&bytes).unwrap();
        assert_eq!(to_json(&v).unwrap(), serde_json::json!({"a": [1, 2]}));
        // float iat (ES corpus files): 1621852495.926
        assert_eq!(
            decode(&hex("fb 41d82ae053fb4396")).unwrap(),
            Value::Float(1_621_852_495.926)
        );
        // half float 1.5
        assert_eq!(decode(&hex("f93e00")).unwrap(), Value::Float(1.5));
        // indefinite text "ab" + "c"
        assert_eq!(
            decode(&hex("7f6261626163ff")).unwrap(),
            Value::Text(Cow::Owned("abc".into()))
        );
        // -2^64
        assert_eq!(
            decode(&hex("3bffffffffffffffff")).unwrap(),
            Value::Int(-(1i128 << 64))
        );
    }

    #[test]
    fn bounds_and_malformed() {
        assert_eq!(decode(&hex("0100")), Err(CborError::TrailingBytes));
        assert_eq!(decode(&hex("")), Err(CborError::Truncated));
        assert_eq!(decode(&hex("62")), Err(CborError::Truncated));
        // array claiming 2^32 items in 5 bytes: refused before allocating
        assert_eq!(decode(&hex("9affffffff")), Err(CborError::TooManyItems));
        assert_eq!(
            decode(&hex("bbffffffffffffffff")),
            Err(CborError::TooManyItems)
        );
        // 17 nested arrays
        let mut deep = vec![0x81u8; 17];
        deep.push(0x01);
        assert_eq!(decode(&deep), Err(CborError::TooDeep));
        let mut ok = vec![0x81u8; 16];
        ok.push(0x01);
        assert!(decode(&ok).is_ok());
        // unbounded indefinite array of nothing but nesting
        assert_eq!(decode(&[0x9f; 100]), Err(CborError::TooDeep));
        // duplicate key, also across encodings (1 and 0x1801)
        assert_eq!(decode(&hex("a2010201 03")), Err(CborError::DuplicateKey));
        assert_eq!(decode(&hex("a201021801 03")), Err(CborError::DuplicateKey));
        assert!(matches!(decode(&hex("ff")), Err(CborError::Malformed(_))));
        assert!(matches!(
            decode(&hex("5f01ff")),
            Err(CborError::Malformed(_))
        ));
        // invalid UTF-8 text
        assert!(decode(&hex("62c328")).is_err());
        // many items: an indefinite array of 9000 zeros exceeds MAX_ITEMS
        let mut many = vec![0x9f];
        many.extend(std::iter::repeat_n(0u8, 9000));
        many.push(0xff);
        assert_eq!(decode(&many), Err(CborError::TooManyItems));
    }

    #[test]
    fn json_conversion_limits() {
        assert_eq!(
            to_json(&decode(&hex("f97e00")).unwrap()),
            Err(CborError::NotJson("non-finite float"))
        );
        assert_eq!(
            to_json(&decode(&hex("a1 01 6161")).unwrap()).unwrap(),
            serde_json::json!({"1": "a"})
        );
        // {"1": 1, 1: 2}: two keys with the same JSON name
        assert!(to_json(&decode(&hex("a2 6131 01 01 02")).unwrap()).is_err());
        // {h'': 1}
        assert!(to_json(&decode(&hex("a1 40 01")).unwrap()).is_err());
        // tags are transparent, bytes become Base64
        assert_eq!(
            to_json(&decode(&hex("c1 43 010203")).unwrap()).unwrap(),
            serde_json::json!("AQID")
        );
    }
}
