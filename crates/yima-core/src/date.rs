//! Calendar dates as days since 1970-01-01 (the integer form of RFC 8943's tag 100, sent untagged).

use std::fmt;
use std::str::FromStr;

/// A proleptic Gregorian calendar date, stored as days since 1970-01-01.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(u32);

/// Largest accepted date: 9999-12-31.
const MAX_DAYS: u32 = 2_932_896;

/// Why a date string was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a date in YYYY-MM-DD form between 1970-01-01 and 9999-12-31")]
pub struct DateError;

impl Date {
    /// 1970-01-01.
    pub const EPOCH: Date = Date(0);

    /// Builds a date from days since 1970-01-01 (at most 9999-12-31).
    pub fn from_days(days: u32) -> Result<Self, DateError> {
        if days > MAX_DAYS {
            return Err(DateError);
        }
        Ok(Date(days))
    }

    /// Builds a date from year, month and day, checking that it exists.
    pub fn from_ymd(year: u32, month: u32, day: u32) -> Result<Self, DateError> {
        if !(1970..=9999).contains(&year) || !(1..=12).contains(&month) {
            return Err(DateError);
        }
        if day == 0 || day > days_in_month(year, month) {
            return Err(DateError);
        }
        // Howard Hinnant's days_from_civil, in unsigned arithmetic (year >= 1970).
        let y = if month <= 2 { year - 1 } else { year };
        let era = y / 400;
        let yoe = y - era * 400;
        let mp = (month + 9) % 12;
        let doy = (153 * mp + 2) / 5 + day - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        let days = era * 146_097 + doe;
        Date::from_days(days - 719_468)
    }

    /// Days since 1970-01-01.
    pub fn days(self) -> u32 {
        self.0
    }

    /// (year, month, day).
    pub fn ymd(self) -> (u32, u32, u32) {
        let z = self.0 + 719_468;
        let era = z / 146_097;
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = doy - (153 * mp + 2) / 5 + 1;
        let m = if mp < 10 { mp + 3 } else { mp - 9 };
        let y = yoe + era * 400 + u32::from(m <= 2);
        (y, m, d)
    }

    /// Seconds since the Unix epoch at 00:00:00 UTC of this date.
    pub fn start_unix(self) -> u64 {
        u64::from(self.0) * 86_400
    }
}

/// True for Gregorian leap years.
pub fn is_leap(year: u32) -> bool {
    (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
}

/// Number of days in a month (1-12) of a year.
pub fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

impl FromStr for Date {
    type Err = DateError;
    fn from_str(s: &str) -> Result<Self, DateError> {
        let b = s.as_bytes();
        if b.len() != 10 || b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
            return Err(DateError);
        }
        let num = |r: std::ops::Range<usize>| -> Result<u32, DateError> {
            let part = s.get(r).ok_or(DateError)?;
            if !part.bytes().all(|c| c.is_ascii_digit()) {
                return Err(DateError);
            }
            part.parse().map_err(|_| DateError)
        };
        Date::from_ymd(num(0..4)?, num(5..7)?, num(8..10)?)
    }
}

impl serde::Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Date {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_dates() {
        assert_eq!(Date::from_ymd(1970, 1, 1).unwrap().days(), 0);
        assert_eq!(Date::from_ymd(2000, 3, 1).unwrap().days(), 11_017);
        assert_eq!(Date::from_ymd(9999, 12, 31).unwrap().days(), MAX_DAYS);
        assert_eq!(
            "2024-02-29".parse::<Date>().unwrap().to_string(),
            "2024-02-29"
        );
        for bad in [
            "2023-02-29",
            "2024-13-01",
            "1969-12-31",
            "2024-1-01",
            "2024-01-0a",
            "+024-01-01",
        ] {
            assert!(bad.parse::<Date>().is_err(), "{bad}");
        }
        assert!(Date::from_days(MAX_DAYS + 1).is_err());
    }

    proptest! {
        #[test]
        fn days_round_trip(days in 0u32..=MAX_DAYS) {
            let d = Date::from_days(days).unwrap();
            let (y, m, dd) = d.ymd();
            prop_assert_eq!(Date::from_ymd(y, m, dd).unwrap(), d);
            prop_assert_eq!(d.to_string().parse::<Date>().unwrap(), d);
        }
    }
}
