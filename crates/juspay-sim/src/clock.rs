//! Wall-clock formatting and delay scaling. Invariant: timestamps on the wire are
//! ISO-8601 UTC with a trailing `Z` (§4.3) and mandate/notification dates are epoch-second
//! strings (§7.2); every simulated delay goes through [`scale`].
//!
//! Section numbers (§) refer to docs/juspay.md, the wire format as this project implements it.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch, `0` if the system clock is before 1970.
pub fn epoch_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The current time as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn now_iso() -> String {
    format_iso(epoch_secs())
}

/// Formats epoch seconds as `YYYY-MM-DDTHH:MM:SSZ` (civil-from-days, proleptic Gregorian).
pub fn format_iso(secs: u64) -> String {
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3_600,
        (rem % 3_600) / 60,
        rem % 60
    )
}

/// The current India time (UTC+05:30) as `YYYYMMDDHHMMSS`, the way JPSL writes times.
pub fn compact_ist_now() -> String {
    format_iso(epoch_secs() + 19_800)
        .chars()
        .filter(char::is_ascii_digit)
        .collect()
}

/// Scales a simulated delay by the configured factor; non-positive or invalid
/// factors collapse delays to zero rather than panicking.
pub fn scale(delay: Duration, factor: f64) -> Duration {
    if !factor.is_finite() || factor <= 0.0 {
        return Duration::ZERO;
    }
    Duration::try_from_secs_f64(delay.as_secs_f64() * factor).unwrap_or(Duration::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_seconds_format_as_utc_calendar_time() {
        assert_eq!(format_iso(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_iso(1_687_530_412), "2023-06-23T14:26:52Z");
        assert_eq!(format_iso(951_782_400), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn a_time_scale_of_one_hundredth_turns_ten_seconds_into_a_hundred_milliseconds() {
        assert_eq!(
            scale(Duration::from_secs(10), 0.01),
            Duration::from_millis(100)
        );
        assert_eq!(scale(Duration::from_secs(10), -1.0), Duration::ZERO);
    }
}
