//! Time on the command line: RFC 3339 instants and human durations. The library core reads no clock;
//! the CLI supplies one.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::error::{CliError, usage};

/// Seconds since the Unix epoch: `--now` if given, else the system clock.
pub fn now_or(arg: Option<&str>) -> Result<u64, CliError> {
    match arg {
        Some(s) => parse_rfc3339(s),
        None => {
            let secs = OffsetDateTime::now_utc().unix_timestamp();
            u64::try_from(secs).map_err(|_| usage("system clock is before 1970"))
        }
    }
}

/// Parses an RFC 3339 timestamp such as `2026-01-01T08:00:00+08:00`.
pub fn parse_rfc3339(s: &str) -> Result<u64, CliError> {
    let t = OffsetDateTime::parse(s, &Rfc3339).map_err(|e| {
        usage(format!(
            "{s}: not an RFC 3339 time ({e}); e.g. 2026-01-01T08:00:00Z"
        ))
    })?;
    u64::try_from(t.unix_timestamp()).map_err(|_| usage(format!("{s}: before 1970")))
}

/// Parses a duration: seconds (`90`) or a number with one unit `s`, `m`, `h` or `d` (`90s`, `5m`, `24h`,
/// `30d`), the same syntax as in a policy file (`yima_core::policy::parse_duration`), so a flag and a
/// policy setting never read one text differently.
pub fn parse_duration(s: &str) -> Result<u64, CliError> {
    yima_core::policy::parse_duration(s).ok_or_else(|| {
        usage(format!(
            "{s}: not a duration: seconds, or a number with one unit s, m, h or d (e.g. 90, 5m, 24h, 30d)"
        ))
    })
}

/// Formats seconds since the epoch as RFC 3339 UTC.
pub fn format(secs: u64) -> String {
    i64::try_from(secs)
        .ok()
        .and_then(|s| OffsetDateTime::from_unix_timestamp(s).ok())
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| secs.to_string())
}
