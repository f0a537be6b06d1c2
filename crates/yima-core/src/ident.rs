//! Pure validators for Chinese identifiers used when issuing and verifying credentials.
//!
//! Everything here is a total function over untrusted input: no panics, no unchecked
//! indexing, and over-long input is rejected by a length check before any other work.
//! The only allocation is the owned copy of an identifier that has passed validation.
//!
//! | type | standard | shape |
//! |---|---|---|
//! | [`RegionCode`] | GB/T 2260 | 6 digits, valid province-level prefix |
//! | [`CitizenId`] | GB 11643-1999 | 17 digits + ISO 7064 MOD 11-2 check (`0-9`/`X`) |
//! | [`Uscc`] | GB 32100-2015 | 18 chars of `0-9A-HJ-NPQRTUWXY`, MOD 31 weighted check |
//! | [`FoodLicenceNo`] | 食品经营许可证编号 | `JY` + 14 digits (format only) |
//! | [`LicenceId`] | GB/T 36904-2018 | `1.2.156.3005.2.<type>.<issuer>.<serial>.<version>.<check>`, ISO 7064 MOD 37,36 |
//!
//! Errors are reported with the coarse [`IdentError`] classification. Each parser checks
//! the length first, then the alphabet, then structural fields, then the check character,
//! and reports the first problem found; for [`LicenceId`] the whole-string length and
//! alphabet come first, then the root and the number of fields, then each field in turn,
//! then the final check character.

use core::fmt;
use core::str::FromStr;

/// Why an identifier was refused.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum IdentError {
    /// Wrong length (of the whole identifier, or of one of its fields).
    #[error("identifier has the wrong length")]
    Length,
    /// A character outside the identifier's alphabet.
    #[error("identifier contains a character outside its alphabet")]
    Charset,
    /// The check character does not match.
    #[error("identifier check character does not match")]
    CheckDigit,
    /// A structural field (region, date, type, prefix) is not valid.
    #[error("identifier has an invalid structural field")]
    Structure,
}

impl IdentError {
    /// A short stable machine-readable name: `"length"`, `"charset"`, `"check-digit"` or
    /// `"structure"`.
    #[must_use]
    pub const fn as_str(&self) -> &'static str {
        match self {
            Self::Length => "length",
            Self::Charset => "charset",
            Self::CheckDigit => "check-digit",
            Self::Structure => "structure",
        }
    }
}

// ---------------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------------

/// GB/T 2260 province-level codes (first two digits of an administrative division code).
const PROVINCES: [u32; 34] = [
    11, 12, 13, 14, 15, // 北京 天津 河北 山西 内蒙古
    21, 22, 23, // 辽宁 吉林 黑龙江
    31, 32, 33, 34, 35, 36, 37, // 上海 江苏 浙江 安徽 福建 江西 山东
    41, 42, 43, 44, 45, 46, // 河南 湖北 湖南 广东 广西 海南
    50, 51, 52, 53, 54, // 重庆 四川 贵州 云南 西藏
    61, 62, 63, 64, 65, // 陕西 甘肃 青海 宁夏 新疆
    71, // 台湾
    81, 82, // 香港 澳门
];

/// Address-code prefix used in the citizen ID numbers printed on residence permits for
/// Taiwan residents (830000). It is not a GB/T 2260 province code, so [`RegionCode`]
/// refuses it, but [`CitizenId`] accepts it.
const TAIWAN_RESIDENCE_PERMIT_PREFIX: u32 = 83;

fn is_province(p: u32) -> bool {
    PROVINCES.contains(&p)
}

fn digit_value(b: u8) -> Option<u32> {
    char::from(b).to_digit(10)
}

/// Decimal value of a run of ASCII digits; `None` on a non-digit or overflow.
fn decimal(bytes: &[u8]) -> Option<u32> {
    bytes.iter().try_fold(0u32, |acc, &b| {
        acc.checked_mul(10)?.checked_add(digit_value(b)?)
    })
}

fn all_digits(bytes: &[u8]) -> bool {
    bytes.iter().all(u8::is_ascii_digit)
}

use crate::date::days_in_month;

/// `YYYYMMDD` as a real Gregorian calendar date with year 1800..=2199.
fn is_valid_birth_date(yyyymmdd: &[u8]) -> bool {
    let field = |r: core::ops::Range<usize>| yyyymmdd.get(r).and_then(decimal);
    if yyyymmdd.len() != 8 {
        return false;
    }
    match (field(0..4), field(4..6), field(6..8)) {
        (Some(y), Some(m), Some(d)) => {
            (1800..=2199).contains(&y) && d >= 1 && d <= days_in_month(y, m)
        }
        _ => false,
    }
}

fn to_char(b: u8) -> char {
    char::from(b)
}

// ---------------------------------------------------------------------------------------
// RegionCode
// ---------------------------------------------------------------------------------------

/// A GB/T 2260 administrative division code (行政区划代码): 6 digits whose first two are a
/// province-level code (11-15, 21-23, 31-37, 41-46, 50-54, 61-65, 71, 81, 82).
///
/// Only the province prefix is checked against the standard; the prefecture and county
/// digits are not looked up in a table (codes change every year).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RegionCode(u32);

impl RegionCode {
    /// Validates a numeric code.
    ///
    /// # Errors
    /// [`IdentError::Length`] if `code` is not in `100000..=999999` (not 6 digits),
    /// [`IdentError::Structure`] if its first two digits are not a province-level code.
    pub fn new(code: u32) -> Result<Self, IdentError> {
        if !(100_000..=999_999).contains(&code) {
            return Err(IdentError::Length);
        }
        if !is_province(code / 10_000) {
            return Err(IdentError::Structure);
        }
        Ok(Self(code))
    }

    /// Parses exactly six ASCII digits.
    ///
    /// # Errors
    /// [`IdentError::Length`] unless `s` is 6 bytes, [`IdentError::Charset`] on a
    /// non-digit, then as [`RegionCode::new`].
    pub fn parse(s: &str) -> Result<Self, IdentError> {
        let bytes = s.as_bytes();
        if bytes.len() != 6 {
            return Err(IdentError::Length);
        }
        let code = decimal(bytes).ok_or(IdentError::Charset)?;
        Self::new(code)
    }

    /// The numeric code, e.g. `110105`.
    #[must_use]
    pub const fn get(self) -> u32 {
        self.0
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:06}", self.0)
    }
}

impl FromStr for RegionCode {
    type Err = IdentError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

// ---------------------------------------------------------------------------------------
// CitizenId (GB 11643-1999)
// ---------------------------------------------------------------------------------------

/// ISO 7064 MOD 11-2 weights 2^(17-i) mod 11 for the 17 body digits.
const CITIZEN_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// Check character indexed by `sum % 11`.
const CITIZEN_CHECK: &[u8; 11] = b"10X98765432";

fn citizen_check_byte(first17: &[u8]) -> Option<u8> {
    if first17.len() != 17 {
        return None;
    }
    let mut sum = 0u32;
    for (&b, &w) in first17.iter().zip(CITIZEN_WEIGHTS.iter()) {
        sum = sum.checked_add(digit_value(b)?.checked_mul(w)?)?;
    }
    CITIZEN_CHECK.get(usize::try_from(sum % 11).ok()?).copied()
}

/// Full validation of an 18-byte citizen ID; returns the check byte normalised to
/// upper case.
fn validate_citizen_id(bytes: &[u8]) -> Result<u8, IdentError> {
    if bytes.len() != 18 {
        return Err(IdentError::Length);
    }
    let (&check, body) = bytes.split_last().ok_or(IdentError::Length)?;
    if !all_digits(body) {
        return Err(IdentError::Charset);
    }
    let check = match check {
        b'0'..=b'9' | b'X' => check,
        b'x' => b'X',
        _ => return Err(IdentError::Charset),
    };
    let prefix = body
        .get(0..2)
        .and_then(decimal)
        .ok_or(IdentError::Structure)?;
    if !(is_province(prefix) || prefix == TAIWAN_RESIDENCE_PERMIT_PREFIX) {
        return Err(IdentError::Structure);
    }
    if !body.get(6..14).is_some_and(is_valid_birth_date) {
        return Err(IdentError::Structure);
    }
    let expected = citizen_check_byte(body).ok_or(IdentError::Charset)?;
    if expected != check {
        return Err(IdentError::CheckDigit);
    }
    Ok(check)
}

/// A GB 11643-1999 citizen identity number (公民身份号码), 18 characters.
///
/// Rules: 17 ASCII digits then a check character (digit or `X`; a lowercase `x` is
/// accepted and normalised to `X`); the ISO 7064 MOD 11-2 check (weights
/// `7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2`, check `"10X98765432"[sum % 11]`); the first two
/// digits a province-level code (the [`RegionCode`] list, plus `83`, the address code used
/// on residence permits of Taiwan residents, which follow GB 11643 with 830000); digits
/// 7–14 a real calendar date `YYYYMMDD` with year 1800..=2199.
///
/// `Debug` masks everything after the 6-digit address code, so the number does not end
/// up in logs by accident; use [`CitizenId::as_str`] for the full value.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct CitizenId(String);

impl CitizenId {
    /// Parses and validates a citizen ID.
    ///
    /// # Errors
    /// [`IdentError::Length`] unless 18 bytes; [`IdentError::Charset`] for a non-digit
    /// body or a check character other than `0-9`, `X`, `x`; [`IdentError::Structure`]
    /// for a bad province prefix or birth date; [`IdentError::CheckDigit`] if the check
    /// character does not match.
    pub fn parse(s: &str) -> Result<Self, IdentError> {
        let bytes = s.as_bytes();
        let check = validate_citizen_id(bytes)?;
        let body = s.get(..17).ok_or(IdentError::Length)?;
        let mut out = String::with_capacity(18);
        out.push_str(body);
        out.push(to_char(check));
        Ok(Self(out))
    }

    /// The normalised 18-character number (check character `X` in upper case).
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for CitizenId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = self.0.get(..6).unwrap_or("");
        write!(f, "CitizenId(\"{shown}************\")")
    }
}

impl FromStr for CitizenId {
    type Err = IdentError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// The GB 11643 check character for a 17-digit body, for test-vector generators.
///
/// Returns `None` unless `first17` is exactly 17 ASCII digits. The province prefix and
/// birth date are *not* checked here.
#[must_use]
pub fn check_citizen_id_char(first17: &str) -> Option<char> {
    citizen_check_byte(first17.as_bytes()).map(to_char)
}

/// `true` if `bytes` are (ASCII) a valid citizen ID as accepted by [`CitizenId::parse`].
///
/// Used to refuse raw identity numbers where a pseudonym is required. It answers in
/// constant time for any input length other than 18 and never allocates.
#[must_use]
pub fn looks_like_citizen_id(bytes: &[u8]) -> bool {
    validate_citizen_id(bytes).is_ok()
}

// ---------------------------------------------------------------------------------------
// Uscc (GB 32100-2015)
// ---------------------------------------------------------------------------------------

/// The 31-character USCC alphabet (no `I O S V Z`); the index is the character's value.
const USCC_ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// `3^i mod 31` for i = 0..17.
const USCC_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

fn uscc_value(b: u8) -> Option<u32> {
    let pos = USCC_ALPHABET.iter().position(|&c| c == b)?;
    u32::try_from(pos).ok()
}

fn uscc_check_byte(first17: &[u8]) -> Option<u8> {
    if first17.len() != 17 {
        return None;
    }
    let mut sum = 0u32;
    for (&b, &w) in first17.iter().zip(USCC_WEIGHTS.iter()) {
        sum = sum.checked_add(uscc_value(b)?.checked_mul(w)?)?;
    }
    // c = 31 - (sum mod 31), with 31 mapped to 0.
    let c = (31 - sum % 31) % 31;
    USCC_ALPHABET.get(usize::try_from(c).ok()?).copied()
}

fn validate_uscc(bytes: &[u8]) -> Result<(), IdentError> {
    if bytes.len() != 18 {
        return Err(IdentError::Length);
    }
    if !bytes.iter().all(|&b| uscc_value(b).is_some()) {
        return Err(IdentError::Charset);
    }
    if !bytes.get(2..8).is_some_and(all_digits) {
        return Err(IdentError::Structure);
    }
    let (&check, body) = bytes.split_last().ok_or(IdentError::Length)?;
    if uscc_check_byte(body) != Some(check) {
        return Err(IdentError::CheckDigit);
    }
    Ok(())
}

/// A GB 32100-2015 Unified Social Credit Code (统一社会信用代码), 18 characters.
///
/// Rules: upper-case alphabet `0123456789ABCDEFGHJKLMNPQRTUWXY` (no `I O S V Z`, no lower
/// case); characters 3–8 are digits (the registering authority's GB/T 2260 region, which
/// may be the national code `100000`, so the province is not checked); the 18th is the
/// check character: with weights `W_i = 3^i mod 31`, `c = 31 - (Σ value_i·W_i mod 31)`,
/// `31 → 0`, check = `alphabet[c]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Uscc(String);

impl Uscc {
    /// Parses and validates a USCC.
    ///
    /// # Errors
    /// [`IdentError::Length`] unless 18 bytes; [`IdentError::Charset`] for any character
    /// outside the alphabet (including lower case and `I O S V Z`);
    /// [`IdentError::Structure`] if characters 3–8 are not digits;
    /// [`IdentError::CheckDigit`] if the check character does not match.
    pub fn parse(s: &str) -> Result<Self, IdentError> {
        validate_uscc(s.as_bytes())?;
        Ok(Self(s.to_owned()))
    }

    /// The 18-character code.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Uscc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Uscc {
    type Err = IdentError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// The GB 32100 check character for the first 17 characters of a USCC.
///
/// Returns `None` unless `first17` is exactly 17 characters of the USCC alphabet. The
/// digits-only rule for characters 3–8 is *not* checked here (see [`Uscc::parse`]).
#[must_use]
pub fn check_uscc_char(first17: &str) -> Option<char> {
    uscc_check_byte(first17.as_bytes()).map(to_char)
}

// ---------------------------------------------------------------------------------------
// FoodLicenceNo
// ---------------------------------------------------------------------------------------

/// A food business licence number (食品经营许可证编号): `JY` followed by 14 digits.
///
/// Format only: the digits encode the business type, the region and a serial with a
/// check digit whose algorithm is not published, so no check is made.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FoodLicenceNo(String);

impl FoodLicenceNo {
    /// Parses a food business licence number.
    ///
    /// # Errors
    /// [`IdentError::Length`] unless 16 bytes; [`IdentError::Structure`] unless it starts
    /// with upper-case `JY`; [`IdentError::Charset`] if the remaining 14 are not digits.
    pub fn parse(s: &str) -> Result<Self, IdentError> {
        let bytes = s.as_bytes();
        if bytes.len() != 16 {
            return Err(IdentError::Length);
        }
        let digits = bytes.strip_prefix(b"JY").ok_or(IdentError::Structure)?;
        if !all_digits(digits) {
            return Err(IdentError::Charset);
        }
        Ok(Self(s.to_owned()))
    }

    /// The 16-character number.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for FoodLicenceNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for FoodLicenceNo {
    type Err = IdentError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

// ---------------------------------------------------------------------------------------
// ISO/IEC 7064 MOD 37,36
// ---------------------------------------------------------------------------------------

/// `0-9A-Z`; the index is the character's value (0..=35).
const ALNUM36: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

const fn alnum36_value(b: u8) -> Option<u32> {
    match b {
        b'0'..=b'9' => Some((b - b'0') as u32),
        b'A'..=b'Z' => Some((b - b'A') as u32 + 10),
        _ => None,
    }
}

/// Runs the hybrid MOD 37,36 recursion and returns the final `P` (in 1..=36).
fn mod37_36_state(bytes: impl IntoIterator<Item = u8>) -> Option<u32> {
    let mut p = 36u32;
    for b in bytes {
        let mut s = (p + alnum36_value(b)?) % 36;
        if s == 0 {
            s = 36;
        }
        p = (s * 2) % 37;
    }
    Some(p)
}

fn mod37_36_check_byte(bytes: impl IntoIterator<Item = u8>) -> Option<u8> {
    let p = mod37_36_state(bytes)?;
    // The check value c makes the next S equal 1: (p + c) mod 36 == 1.
    let c = (37 - p) % 36;
    ALNUM36.get(usize::try_from(c).ok()?).copied()
}

/// The ISO/IEC 7064 hybrid MOD 37,36 check character for `s` (alphabet `0-9A-Z`, values
/// 0..=35).
///
/// Recursion: `P = 36`; for each value `v`: `S = (P + v) mod 36` (0 → 36),
/// `P = 2·S mod 37`; the check value is `(37 - P) mod 36`. Returns `None` if `s` contains
/// a character outside `0-9A-Z` (lower case included). For the empty string the result
/// is `'1'`.
#[must_use]
pub fn mod37_36_check(s: &str) -> Option<char> {
    mod37_36_check_byte(s.bytes()).map(to_char)
}

/// `true` if the last character of `s` is the MOD 37,36 check character of the rest
/// (`false` for an empty string or a character outside `0-9A-Z`).
#[must_use]
pub fn mod37_36_is_valid(s: &str) -> bool {
    match s.as_bytes().split_last() {
        Some((&check, body)) => mod37_36_check_byte(body.iter().copied()) == Some(check),
        None => false,
    }
}

// ---------------------------------------------------------------------------------------
// LicenceId (GB/T 36904-2018)
// ---------------------------------------------------------------------------------------

/// The object identifier root of electronic licence identifiers (电子证照根代码).
pub const LICENCE_ID_ROOT: &str = "1.2.156.3005.2";
/// Upper bound on the length of a [`LicenceId`] string; longer input is refused before any
/// other work. (With the field rules below the longest valid identifier is 94 bytes.)
pub const LICENCE_ID_MAX_LEN: usize = 128;
/// Length of the licence type code (证照类型代码).
pub const LICENCE_TYPE_LEN: usize = 21;
/// Maximum length of the serial (流水号); the minimum is 1.
pub const LICENCE_SERIAL_MAX_LEN: usize = 32;
/// Length of the version (版本号).
pub const LICENCE_VERSION_LEN: usize = 3;

const LICENCE_ID_PREFIX: &str = "1.2.156.3005.2.";
/// Shortest possible identifier: prefix, type, issuer, 1-char serial, version, check and
/// the four separating dots.
const LICENCE_ID_MIN_LEN: usize =
    LICENCE_ID_PREFIX.len() + LICENCE_TYPE_LEN + 18 + 1 + LICENCE_VERSION_LEN + 1 + 4;

/// Maps an error of a USCC embedded in a licence identifier field to the field's error.
fn embedded_uscc(bytes: &[u8]) -> Result<(), IdentError> {
    validate_uscc(bytes).map_err(|e| match e {
        IdentError::Length => IdentError::Length,
        IdentError::Charset => IdentError::Charset,
        _ => IdentError::Structure,
    })
}

fn validate_licence_type(t: &[u8]) -> Result<(), IdentError> {
    if t.len() != LICENCE_TYPE_LEN {
        return Err(IdentError::Length);
    }
    let (Some(definer), Some(seq)) = (t.get(..18), t.get(18..)) else {
        return Err(IdentError::Length);
    };
    embedded_uscc(definer)?;
    if !all_digits(seq) {
        return Err(IdentError::Charset);
    }
    Ok(())
}

fn validate_licence_serial(s: &[u8]) -> Result<(), IdentError> {
    if s.is_empty() || s.len() > LICENCE_SERIAL_MAX_LEN {
        return Err(IdentError::Length);
    }
    if !s.iter().all(|&b| alnum36_value(b).is_some()) {
        return Err(IdentError::Charset);
    }
    Ok(())
}

fn validate_licence_version(v: &[u8]) -> Result<(), IdentError> {
    if v.len() != LICENCE_VERSION_LEN {
        return Err(IdentError::Length);
    }
    if !all_digits(v) {
        return Err(IdentError::Charset);
    }
    Ok(())
}

fn licence_check_byte(licence_type: &str, issuer: &str, serial: &str, version: &str) -> Option<u8> {
    mod37_36_check_byte(
        licence_type
            .bytes()
            .chain(issuer.bytes())
            .chain(serial.bytes())
            .chain(version.bytes()),
    )
}

/// A GB/T 36904-2018 electronic licence identifier (电子证照标识).
///
/// Shape: `1.2.156.3005.2.<type>.<issuer>.<serial>.<version>.<check>` where `check` is the
/// ISO/IEC 7064 MOD 37,36 check character ([`mod37_36_check`]) over the concatenation
/// `type + issuer + serial + version` (without the dots).
///
/// The text of GB/T 36904 was not available while this was written. The field rules
/// below are inferred from published implementations and from identifiers seen in
/// government systems (all of which have a 21-character type made of an 18-character
/// USCC plus 3 digits, an 18-character USCC issuer and a 3-digit version), and the serial
/// bound is ours:
///
/// * `type` (证照类型代码, GB/T 36902): exactly 21 characters, a valid [`Uscc`] (the
///   defining authority) followed by 3 digits, e.g. `11100000000013338W032`;
/// * `issuer` (证照颁发机构代码): a valid [`Uscc`];
/// * `serial` (流水号): 1..=32 characters of `0-9A-Z` (a 32-character upper-case hex UUID
///   is common);
/// * `version` (版本号): exactly 3 digits, e.g. `001`;
/// * the whole string is at most [`LICENCE_ID_MAX_LEN`] bytes (in practice at most 94).
///
/// Upper case only.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LicenceId(String);

impl LicenceId {
    /// Parses and validates an electronic licence identifier.
    ///
    /// # Errors
    /// [`IdentError::Length`] if the string is shorter than the shortest or longer than
    /// [`LICENCE_ID_MAX_LEN`], or a field has the wrong length; [`IdentError::Charset`]
    /// for a character outside `0-9A-Z.` or outside a field's alphabet;
    /// [`IdentError::Structure`] for a wrong root, a wrong number of fields, or an invalid
    /// embedded USCC (including its check character); [`IdentError::CheckDigit`] if the
    /// final MOD 37,36 check character does not match.
    pub fn parse(s: &str) -> Result<Self, IdentError> {
        let bytes = s.as_bytes();
        if bytes.len() > LICENCE_ID_MAX_LEN || bytes.len() < LICENCE_ID_MIN_LEN {
            return Err(IdentError::Length);
        }
        if !bytes
            .iter()
            .all(|&b| b == b'.' || alnum36_value(b).is_some())
        {
            return Err(IdentError::Charset);
        }
        let rest = s
            .strip_prefix(LICENCE_ID_PREFIX)
            .ok_or(IdentError::Structure)?;
        let mut fields = rest.split('.');
        let (Some(licence_type), Some(issuer), Some(serial), Some(version), Some(check), None) = (
            fields.next(),
            fields.next(),
            fields.next(),
            fields.next(),
            fields.next(),
            fields.next(),
        ) else {
            return Err(IdentError::Structure);
        };
        validate_licence_type(licence_type.as_bytes())?;
        embedded_uscc(issuer.as_bytes())?;
        validate_licence_serial(serial.as_bytes())?;
        validate_licence_version(version.as_bytes())?;
        if check.len() != 1 {
            return Err(IdentError::Length);
        }
        let expected =
            licence_check_byte(licence_type, issuer, serial, version).ok_or(IdentError::Charset)?;
        if check.as_bytes() != [expected] {
            return Err(IdentError::CheckDigit);
        }
        Ok(Self(s.to_owned()))
    }

    /// Builds an identifier from its fields, computing the check character.
    ///
    /// # Errors
    /// [`IdentError::Length`], [`IdentError::Charset`] or [`IdentError::Structure`] if
    /// `licence_type`, `serial` or `version` break the field rules of [`LicenceId`].
    pub fn new(
        licence_type: &str,
        issuer: &Uscc,
        serial: &str,
        version: &str,
    ) -> Result<Self, IdentError> {
        validate_licence_type(licence_type.as_bytes())?;
        validate_licence_serial(serial.as_bytes())?;
        validate_licence_version(version.as_bytes())?;
        let issuer = issuer.as_str();
        let check =
            licence_check_byte(licence_type, issuer, serial, version).ok_or(IdentError::Charset)?;
        let mut out = String::with_capacity(
            LICENCE_ID_PREFIX.len()
                + licence_type.len()
                + issuer.len()
                + serial.len()
                + version.len()
                + 5,
        );
        out.push_str(LICENCE_ID_PREFIX);
        for field in [licence_type, issuer, serial, version] {
            out.push_str(field);
            out.push('.');
        }
        out.push(to_char(check));
        Ok(Self(out))
    }

    /// The whole identifier.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Field `n` after the root (0 = type … 4 = check). The root has 5 dots.
    fn field(&self, n: usize) -> &str {
        self.0.split('.').nth(5 + n).unwrap_or("")
    }

    /// The 21-character licence type code (证照类型代码).
    #[must_use]
    pub fn licence_type(&self) -> &str {
        self.field(0)
    }

    /// The issuing authority's USCC (证照颁发机构代码).
    #[must_use]
    pub fn issuer(&self) -> &str {
        self.field(1)
    }

    /// The serial (流水号).
    #[must_use]
    pub fn serial(&self) -> &str {
        self.field(2)
    }

    /// The 3-digit version (版本号).
    #[must_use]
    pub fn version(&self) -> &str {
        self.field(3)
    }

    /// The MOD 37,36 check character (校验位).
    #[must_use]
    pub fn check_char(&self) -> char {
        self.field(4).chars().next().unwrap_or('0')
    }
}

impl fmt::Display for LicenceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for LicenceId {
    type Err = IdentError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

// ---------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const CITIZEN_OK: &str = "11010519491231002X";
    const USCC_OK: [&str; 2] = ["91310110666007217T", "91310115591693856A"];

    /// Identifiers seen in published government-system code (GitHub), each checked here
    /// against MOD 37,36 and the USCC rule independently of the code that produced them.
    const LICENCE_IDS_OK: [&str; 5] = [
        "1.2.156.3005.2.11100000000013338W032.11220000013544541J.2430599.001.F",
        "1.2.156.3005.2.11100000000013338W087.11370800MB28559184.37080001202411010001.001.3",
        "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.002.S",
        "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U",
        "1.2.156.3005.2.11100000000013338W009.11330105002500287C.2025052201.002.0",
    ];

    // ---- IdentError ------------------------------------------------------------------

    #[test]
    fn error_names_and_messages() {
        assert_eq!(IdentError::Length.as_str(), "length");
        assert_eq!(IdentError::Charset.as_str(), "charset");
        assert_eq!(IdentError::CheckDigit.as_str(), "check-digit");
        assert_eq!(IdentError::Structure.as_str(), "structure");
        for e in [
            IdentError::Length,
            IdentError::Charset,
            IdentError::CheckDigit,
            IdentError::Structure,
        ] {
            assert!(!e.to_string().is_empty());
        }
    }

    // ---- RegionCode ------------------------------------------------------------------

    #[test]
    fn region_code() {
        let r = RegionCode::new(110_105).unwrap();
        assert_eq!(r.get(), 110_105);
        assert_eq!(r.to_string(), "110105");
        assert_eq!(RegionCode::parse("820000").unwrap().get(), 820_000);
        assert_eq!("650102".parse::<RegionCode>().unwrap().get(), 650_102);
        for p in PROVINCES {
            assert!(RegionCode::new(p * 10_000).is_ok(), "{p}");
        }
        assert_eq!(RegionCode::new(99_999), Err(IdentError::Length));
        assert_eq!(RegionCode::new(1_000_000), Err(IdentError::Length));
        assert_eq!(RegionCode::new(0), Err(IdentError::Length));
        assert_eq!(RegionCode::new(990_000), Err(IdentError::Structure));
        assert_eq!(RegionCode::new(160_000), Err(IdentError::Structure));
        assert_eq!(RegionCode::new(830_000), Err(IdentError::Structure));
        assert_eq!(RegionCode::parse("11010"), Err(IdentError::Length));
        assert_eq!(RegionCode::parse("1101050"), Err(IdentError::Length));
        assert_eq!(RegionCode::parse("11010a"), Err(IdentError::Charset));
        assert_eq!(RegionCode::parse("+11010"), Err(IdentError::Charset));
        assert_eq!(RegionCode::parse("110\u{0661}05"), Err(IdentError::Length)); // 7 bytes
        assert_eq!(RegionCode::parse("11\u{0661}05"), Err(IdentError::Charset)); // 6 bytes
        assert_eq!(RegionCode::parse("990000"), Err(IdentError::Structure));
        assert_eq!(RegionCode::parse("000000"), Err(IdentError::Length));
    }

    // ---- CitizenId -------------------------------------------------------------------

    #[test]
    fn citizen_id_valid() {
        let id = CitizenId::parse(CITIZEN_OK).unwrap();
        assert_eq!(id.as_str(), CITIZEN_OK);
        let lower = CitizenId::parse("11010519491231002x").unwrap();
        assert_eq!(lower.as_str(), CITIZEN_OK);
        assert_eq!(lower, id);
        assert_eq!(check_citizen_id_char("11010519491231002"), Some('X'));
        assert!(looks_like_citizen_id(CITIZEN_OK.as_bytes()));
        assert!(looks_like_citizen_id(b"11010519491231002x"));
        // Debug does not leak the birth date or sequence.
        let dbg = format!("{id:?}");
        assert!(dbg.contains("110105") && !dbg.contains("1949"), "{dbg}");
    }

    fn citizen_with_check(first17: &str) -> String {
        format!("{first17}{}", check_citizen_id_char(first17).unwrap())
    }

    #[test]
    fn citizen_id_errors() {
        let p = CitizenId::parse;
        assert_eq!(p(""), Err(IdentError::Length));
        assert_eq!(p("11010519491231002"), Err(IdentError::Length));
        assert_eq!(p("11010519491231002X0"), Err(IdentError::Length));
        assert_eq!(p("1101051949123100 X"), Err(IdentError::Charset));
        assert_eq!(p("11010519491231002Y"), Err(IdentError::Charset));
        assert_eq!(p("A1010519491231002X"), Err(IdentError::Charset));
        assert_eq!(p("1101051949123100\u{e9}"), Err(IdentError::Charset)); // 18 bytes
        // Wrong check character.
        assert_eq!(p("110105194912310021"), Err(IdentError::CheckDigit));
        assert_eq!(p("110105194912310020"), Err(IdentError::CheckDigit));
        // Bad province 99 / 00 / 16 (with a matching check character).
        for body in [
            "99010519491231002",
            "00010519491231002",
            "16010519491231002",
        ] {
            assert_eq!(
                p(&citizen_with_check(body)),
                Err(IdentError::Structure),
                "{body}"
            );
        }
        // Bad birth dates, all with matching check characters.
        for date in [
            "19490230", "20230229", "19000229", "21000229", "19491232", "19491300", "19490001",
            "19490100", "17991231", "22000101", "00000101",
        ] {
            let body = format!("110105{date}002");
            assert_eq!(
                p(&citizen_with_check(&body)),
                Err(IdentError::Structure),
                "{date}"
            );
        }
        // Good edge dates.
        for date in ["20000229", "20240229", "18000101", "21991231", "19960229"] {
            let body = format!("110105{date}002");
            assert!(p(&citizen_with_check(&body)).is_ok(), "{date}");
        }
        // Taiwan residents' residence permits (830000) are citizen IDs; 81/82 too.
        for prefix in ["830000", "810000", "820000", "710000"] {
            let body = format!("{prefix}19800101001");
            assert!(p(&citizen_with_check(&body)).is_ok(), "{prefix}");
        }
        assert!(!looks_like_citizen_id(b"110105194912310021"));
        assert!(!looks_like_citizen_id(b""));
        assert!(!looks_like_citizen_id(&[0xff; 18]));
        assert_eq!(check_citizen_id_char("1101051949123100"), None);
        assert_eq!(check_citizen_id_char("1101051949123100A"), None);
        assert_eq!(check_citizen_id_char("110105194912310020"), None);
    }

    // ---- Uscc ------------------------------------------------------------------------

    #[test]
    fn uscc_weights_are_powers_of_three() {
        let mut w = 1u32;
        for &expected in &USCC_WEIGHTS {
            assert_eq!(w, expected);
            w = w * 3 % 31;
        }
    }

    #[test]
    fn uscc_valid() {
        for s in USCC_OK {
            let u = Uscc::parse(s).unwrap();
            assert_eq!(u.as_str(), s);
            assert_eq!(u.to_string(), s);
            assert_eq!(check_uscc_char(&s[..17]), s.chars().last());
        }
        // Issuers and type-code prefixes from the licence identifiers.
        for s in [
            "11100000000013338W",
            "11100000000013661B",
            "11220000013544541J",
            "11370800MB28559184",
            "113700000045046442",
            "11430000006122244L",
            "11330105002500287C",
        ] {
            assert!(Uscc::parse(s).is_ok(), "{s}");
        }
    }

    #[test]
    fn uscc_errors() {
        let p = Uscc::parse;
        assert_eq!(p(""), Err(IdentError::Length));
        assert_eq!(p("91310110666007217"), Err(IdentError::Length));
        assert_eq!(p("91310110666007217TT"), Err(IdentError::Length));
        assert_eq!(p("91310110666007217t"), Err(IdentError::Charset));
        assert_eq!(p("91310110666oo7217T"), Err(IdentError::Charset));
        for bad in ['I', 'O', 'S', 'V', 'Z'] {
            let s = format!("9131011066600721{bad}T");
            assert_eq!(p(&s), Err(IdentError::Charset), "{bad}");
        }
        assert_eq!(p("9131011066600721\u{e9}"), Err(IdentError::Charset));
        assert_eq!(p("91310110666007217A"), Err(IdentError::CheckDigit));
        // Letters in the region field (3..8), with a matching check character.
        let body = "913A0110666007217";
        let s = format!("{body}{}", check_uscc_char(body).unwrap());
        assert_eq!(p(&s), Err(IdentError::Structure));
        assert_eq!(check_uscc_char("9131011066600721"), None);
        assert_eq!(check_uscc_char("9131011066600721I"), None);
        assert_eq!(check_uscc_char("9131011066600721t"), None);
    }

    // ---- FoodLicenceNo ---------------------------------------------------------------

    #[test]
    fn food_licence() {
        let f = FoodLicenceNo::parse("JY14403050123456").unwrap();
        assert_eq!(f.as_str(), "JY14403050123456");
        assert_eq!(f.to_string(), "JY14403050123456");
        let p = FoodLicenceNo::parse;
        assert_eq!(p("JY1440305012345"), Err(IdentError::Length));
        assert_eq!(p("JY144030501234567"), Err(IdentError::Length));
        assert_eq!(p(""), Err(IdentError::Length));
        assert_eq!(p("jy14403050123456"), Err(IdentError::Structure));
        assert_eq!(p("SP14403050123456"), Err(IdentError::Structure));
        assert_eq!(p("JY1440305012345A"), Err(IdentError::Charset));
        assert_eq!(p("JY144030501234\u{e9}"), Err(IdentError::Charset));
    }

    // ---- MOD 37,36 ---------------------------------------------------------------------

    /// ISO 7064 formulation used by python-stdnum: the final `S` over the string with its
    /// check character must be 1.
    fn iso_checksum(s: &str) -> u32 {
        let mut check = 18u32; // python-stdnum starts from M / 2
        for b in s.bytes() {
            let v = alnum36_value(b).unwrap();
            let c = if check == 0 { 36 } else { check };
            check = (c * 2 % 37 + v) % 36;
        }
        check
    }

    #[test]
    fn mod37_36_known_vectors() {
        // python-stdnum stdnum/iso7064/mod_37_36.py docstring.
        assert_eq!(mod37_36_check("A12425GABC1234002"), Some('M'));
        assert!(mod37_36_is_valid("A12425GABC1234002M"));
        assert_eq!(iso_checksum("A12425GABC1234002M"), 1);
        assert!(!mod37_36_is_valid("A12425GABC1234002N"));
        assert_eq!(mod37_36_check(""), Some('1'));
        assert!(!mod37_36_is_valid(""));
        assert_eq!(mod37_36_check("a"), None);
        assert_eq!(mod37_36_check("A-1"), None);
        assert!(!mod37_36_is_valid("a1"));
        // Seen in published code with a 6-digit region code as issuer (so not a valid
        // LicenceId here), but its check character is right.
        let extra = "1.2.156.3005.2.11100000MB03271699022.340100.000000016.001.9";
        assert_eq!(LicenceId::parse(extra), Err(IdentError::Length));
        for id in LICENCE_IDS_OK.into_iter().chain([extra]) {
            let body: String = id[LICENCE_ID_PREFIX.len()..].split('.').collect();
            assert!(mod37_36_is_valid(&body), "{id}");
            assert_eq!(iso_checksum(&body), 1, "{id}");
        }
    }

    // ---- LicenceId ---------------------------------------------------------------------

    #[test]
    fn licence_id_valid() {
        for s in LICENCE_IDS_OK {
            let id = LicenceId::parse(s).unwrap();
            assert_eq!(id.as_str(), s);
            let issuer = Uscc::parse(id.issuer()).unwrap();
            let rebuilt = LicenceId::new(id.licence_type(), &issuer, id.serial(), id.version());
            assert_eq!(rebuilt.as_ref(), Ok(&id), "{s}");
        }
        let id = LicenceId::parse(LICENCE_IDS_OK[0]).unwrap();
        assert_eq!(id.licence_type(), "11100000000013338W032");
        assert_eq!(id.issuer(), "11220000013544541J");
        assert_eq!(id.serial(), "2430599");
        assert_eq!(id.version(), "001");
        assert_eq!(id.check_char(), 'F');
        assert_eq!(id.to_string(), LICENCE_IDS_OK[0]);
        assert!(id.as_str().starts_with(LICENCE_ID_ROOT));

        let issuer = Uscc::parse(USCC_OK[0]).unwrap();
        let built = LicenceId::new("11100000000013338W050", &issuer, "A", "000").unwrap();
        assert_eq!(LicenceId::parse(built.as_str()).unwrap(), built);
        let long_serial = "Z".repeat(LICENCE_SERIAL_MAX_LEN);
        let built = LicenceId::new("11100000000013338W050", &issuer, &long_serial, "999").unwrap();
        assert!(built.as_str().len() <= LICENCE_ID_MAX_LEN);
        assert_eq!(LicenceId::parse(built.as_str()).unwrap(), built);
    }

    #[test]
    fn licence_id_errors() {
        let ok = LICENCE_IDS_OK[0];
        let p = LicenceId::parse;
        let with = |from: &str, to: &str| ok.replacen(from, to, 1);
        // Length.
        assert_eq!(p(""), Err(IdentError::Length));
        assert_eq!(p(&ok[..40]), Err(IdentError::Length));
        assert_eq!(p(&"1".repeat(129)), Err(IdentError::Length));
        assert_eq!(p(&"1".repeat(1_000_000)), Err(IdentError::Length));
        assert_eq!(
            p(&with(".2430599.", &format!(".{}.", "1".repeat(33)))),
            Err(IdentError::Length)
        );
        assert_eq!(p(&with("W032", "W0321")), Err(IdentError::Length));
        assert_eq!(p(&with(".001.", ".0001.")), Err(IdentError::Length));
        assert_eq!(p(&with(".001.", ".01.")), Err(IdentError::Length));
        assert_eq!(p(&with(".001.F", ".001.FF")), Err(IdentError::Length));
        assert_eq!(p(&with(".001.F", ".001.")), Err(IdentError::Length));
        assert_eq!(p(&with(".2430599.", "..")), Err(IdentError::Length));
        // Charset.
        assert_eq!(p(&ok.to_lowercase()), Err(IdentError::Charset));
        assert_eq!(p(&with("2430599", "2430-99")), Err(IdentError::Charset));
        assert_eq!(p(&with("2430599", "2430_99")), Err(IdentError::Charset));
        assert_eq!(p(&with("2430599", "2430\u{e9}9")), Err(IdentError::Charset));
        assert_eq!(p(&with(".001.", ".0A1.")), Err(IdentError::Charset));
        assert_eq!(p(&with("W032", "W03A")), Err(IdentError::Charset));
        assert_eq!(
            p(&with("11220000013544541J", "1122000001354454IJ")),
            Err(IdentError::Charset)
        );
        // Structure.
        assert_eq!(
            p(&with("1.2.156.3005.2.", "1.2.156.3005.3.")),
            Err(IdentError::Structure)
        );
        assert_eq!(p(&with(".001.F", ".001.F.0")), Err(IdentError::Structure));
        assert_eq!(
            p(&with(".2430599.", ".2430599")),
            Err(IdentError::Structure)
        );
        // Issuer USCC with a wrong check character, and the type's USCC prefix too.
        assert_eq!(
            p(&with("11220000013544541J", "11220000013544541K")),
            Err(IdentError::Structure)
        );
        assert_eq!(
            p(&with("13338W032", "13338X032")),
            Err(IdentError::Structure)
        );
        // Check digit.
        assert_eq!(p(&with(".001.F", ".001.G")), Err(IdentError::CheckDigit));
        assert_eq!(p(&with("2430599", "2430598")), Err(IdentError::CheckDigit));
        assert_eq!(p(&with(".001.", ".002.")), Err(IdentError::CheckDigit));

        let issuer = Uscc::parse(USCC_OK[0]).unwrap();
        let t = "11100000000013338W032";
        assert_eq!(
            LicenceId::new("ABC", &issuer, "1", "001"),
            Err(IdentError::Length)
        );
        assert_eq!(
            LicenceId::new(t, &issuer, "", "001"),
            Err(IdentError::Length)
        );
        assert_eq!(
            LicenceId::new(t, &issuer, &"1".repeat(33), "001"),
            Err(IdentError::Length)
        );
        assert_eq!(
            LicenceId::new(t, &issuer, "1", "1"),
            Err(IdentError::Length)
        );
        assert_eq!(
            LicenceId::new(t, &issuer, "a", "001"),
            Err(IdentError::Charset)
        );
        assert_eq!(
            LicenceId::new(t, &issuer, "1.2", "001"),
            Err(IdentError::Charset)
        );
        assert_eq!(
            LicenceId::new(t, &issuer, "1", "00A"),
            Err(IdentError::Charset)
        );
        assert_eq!(
            LicenceId::new("11100000000013338X032", &issuer, "1", "001"),
            Err(IdentError::Structure)
        );
        assert_eq!(
            LicenceId::new("11100000000013338WA32", &issuer, "1", "001"),
            Err(IdentError::Charset)
        );
    }

    // ---- Single-substitution detection: algebraic check ------------------------------

    #[test]
    fn weights_detect_every_single_substitution() {
        // A substitution changes one value by d != 0; it goes undetected only if
        // w * d == 0 (mod m). For prime m and w != 0 (mod m) that never happens.
        for &w in &CITIZEN_WEIGHTS {
            for d in 1..=9u32 {
                assert_ne!(w * d % 11, 0);
            }
        }
        for &w in &USCC_WEIGHTS {
            for d in 1..=30u32 {
                assert_ne!(w * d % 31, 0);
            }
        }
    }

    // ---- Property tests ----------------------------------------------------------------

    fn citizen_body() -> impl Strategy<Value = String> {
        (
            proptest::sample::select(PROVINCES.to_vec()),
            0..10_000u32,
            1800..=2199u32,
            1..=12u32,
            1..=31u32,
            0..1000u32,
        )
            .prop_map(|(prov, rest, y, m, d, seq)| {
                let d = d.min(days_in_month(y, m));
                format!("{prov:02}{rest:04}{y:04}{m:02}{d:02}{seq:03}")
            })
    }

    /// 17-character USCC body: alphabet, digits in positions 3..8.
    const USCC_BODY: &str = "[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{9}";

    fn replace_at(s: &str, i: usize, c: char) -> String {
        let mut out = String::with_capacity(s.len());
        for (j, orig) in s.chars().enumerate() {
            out.push(if j == i { c } else { orig });
        }
        out
    }

    proptest! {
        // Each case tries every single substitution (150 to 1,400 variants), so fewer
        // cases keep the suite fast.
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn citizen_round_trip_and_substitutions(body in citizen_body()) {
            let check = check_citizen_id_char(&body).unwrap();
            let full = format!("{body}{check}");
            let parsed = CitizenId::parse(&full).unwrap();
            prop_assert_eq!(parsed.as_str(), full.as_str());
            prop_assert!(looks_like_citizen_id(full.as_bytes()));
            for i in 0..18 {
                let alphabet = if i < 17 { "0123456789" } else { "0123456789X" };
                let orig = full.chars().nth(i).unwrap();
                for c in alphabet.chars().filter(|&c| c != orig) {
                    let changed = replace_at(&full, i, c);
                    if i < 17 {
                        prop_assert_ne!(check_citizen_id_char(&changed[..17]), Some(check));
                    }
                    prop_assert!(CitizenId::parse(&changed).is_err(), "{}", changed);
                    prop_assert!(!looks_like_citizen_id(changed.as_bytes()));
                }
            }
        }

        #[test]
        fn uscc_round_trip_and_substitutions(body in USCC_BODY) {
            let check = check_uscc_char(&body).unwrap();
            let full = format!("{body}{check}");
            let parsed = Uscc::parse(&full).unwrap();
            prop_assert_eq!(parsed.as_str(), full.as_str());
            for i in 0..18 {
                let orig = full.chars().nth(i).unwrap();
                for c in "0123456789ABCDEFGHJKLMNPQRTUWXY".chars().filter(|&c| c != orig) {
                    let changed = replace_at(&full, i, c);
                    if i < 17 {
                        prop_assert_ne!(check_uscc_char(&changed[..17]), Some(check));
                    }
                    prop_assert!(Uscc::parse(&changed).is_err(), "{}", changed);
                }
            }
        }

        #[test]
        fn mod37_36_detects_substitutions(body in "[0-9A-Z]{0,40}") {
            let check = mod37_36_check(&body).unwrap();
            let full = format!("{body}{check}");
            prop_assert!(mod37_36_is_valid(&full));
            prop_assert_eq!(iso_checksum(&full), 1);
            for i in 0..full.len() {
                let orig = full.chars().nth(i).unwrap();
                for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ".chars().filter(|&c| c != orig) {
                    let changed = replace_at(&full, i, c);
                    prop_assert!(!mod37_36_is_valid(&changed), "{}", changed);
                }
            }
        }

    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        #[test]
        fn licence_id_new_parse_round_trip(
            definer in USCC_BODY,
            seq in "[0-9]{3}",
            issuer in USCC_BODY,
            serial in "[0-9A-Z]{1,32}",
            version in "[0-9]{3}",
        ) {
            let licence_type = format!("{definer}{}{seq}", check_uscc_char(&definer).unwrap());
            let issuer = Uscc::parse(&format!("{issuer}{}", check_uscc_char(&issuer).unwrap())).unwrap();
            let id = LicenceId::new(&licence_type, &issuer, &serial, &version).unwrap();
            let parsed = LicenceId::parse(id.as_str()).unwrap();
            prop_assert_eq!(&parsed, &id);
            prop_assert_eq!(parsed.licence_type(), licence_type.as_str());
            prop_assert_eq!(parsed.issuer(), issuer.as_str());
            prop_assert_eq!(parsed.serial(), serial.as_str());
            prop_assert_eq!(parsed.version(), version.as_str());
            prop_assert!(id.as_str().len() <= LICENCE_ID_MAX_LEN);
        }

        #[test]
        fn arbitrary_strings_never_panic(s in "\\PC{0,200}") {
            let _ = RegionCode::parse(&s);
            let _ = CitizenId::parse(&s);
            let _ = Uscc::parse(&s);
            let _ = FoodLicenceNo::parse(&s);
            let _ = LicenceId::parse(&s);
            let _ = check_citizen_id_char(&s);
            let _ = check_uscc_char(&s);
            let _ = mod37_36_check(&s);
            let _ = mod37_36_is_valid(&s);
            let _ = looks_like_citizen_id(s.as_bytes());
        }

        #[test]
        fn near_valid_strings_never_panic(s in "[0-9A-Zxa-z.JY]{0,100}") {
            let _ = CitizenId::parse(&s);
            let _ = Uscc::parse(&s);
            let _ = FoodLicenceNo::parse(&s);
            let _ = LicenceId::parse(&s);
            let _ = LicenceId::parse(&format!("{LICENCE_ID_PREFIX}{s}"));
            let _ = check_citizen_id_char(&s);
            let _ = check_uscc_char(&s);
            let _ = mod37_36_is_valid(&s);
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..40)) {
            let _ = looks_like_citizen_id(&bytes);
            if let Ok(s) = core::str::from_utf8(&bytes) {
                let _ = CitizenId::parse(s);
            }
        }

        #[test]
        fn region_code_numbers(code in any::<u32>()) {
            match RegionCode::new(code) {
                Ok(r) => {
                    prop_assert_eq!(r.get(), code);
                    prop_assert_eq!(RegionCode::parse(&r.to_string()), Ok(r));
                }
                Err(e) => prop_assert!(e == IdentError::Length || e == IdentError::Structure),
            }
        }
    }
}
