//! Wall-clock time as the product stores it: UTC milliseconds since the Unix epoch.
//! Storing integers keeps comparisons and indexes identical on SQLite and PostgreSQL.

use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch, UTC.
pub fn now_millis() -> i64 {
    let elapsed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX)
}

/// Reads a time as Juspay writes it: RFC 3339 (`2023-08-10T07:00:48Z`), or the same without
/// a zone (`2023-08-10 07:00:48`, seen in order objects), which is UTC.
pub fn parse_juspay_time(text: &str) -> Option<i64> {
    use time::{
        OffsetDateTime, PrimitiveDateTime, format_description::well_known::Rfc3339,
        macros::format_description,
    };
    let text = text.trim();
    let at = OffsetDateTime::parse(text, &Rfc3339).ok().or_else(|| {
        let naive =
            format_description!("[year]-[month]-[day][first [T][ ]][hour]:[minute]:[second]");
        PrimitiveDateTime::parse(text, naive)
            .ok()
            .map(PrimitiveDateTime::assume_utc)
    })?;
    i64::try_from(at.unix_timestamp_nanos() / 1_000_000).ok()
}

/// Formats stored milliseconds as `YYYY-MM-DD HH:MM:SS UTC` for people to read.
pub fn format_utc(millis: i64) -> String {
    let Ok(at) = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000)
    else {
        return format!("{millis} ms since epoch (UTC)");
    };
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn juspay_times_are_read_with_or_without_a_zone() {
        let zoned = parse_juspay_time("2023-08-10T07:00:48Z").unwrap();
        assert_eq!(format_utc(zoned), "2023-08-10 07:00:48 UTC");
        assert_eq!(parse_juspay_time("2023-08-10 07:00:48"), Some(zoned));
        assert_eq!(parse_juspay_time("2023-08-10T12:30:48+05:30"), Some(zoned));
        assert_eq!(parse_juspay_time("yesterday"), None);
    }

    #[test]
    fn formatting_shows_the_utc_zone() {
        assert_eq!(format_utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(format_utc(1_700_000_000_123), "2023-11-14 22:13:20 UTC");
    }

    #[test]
    fn now_is_after_the_year_2020() {
        assert!(now_millis() > 1_577_836_800_000);
    }
}

/// Start of the UTC day `YYYY-MM-DD` in epoch milliseconds; `None` if not such a date.
pub fn parse_utc_date(text: &str) -> Option<i64> {
    let mut parts = text.trim().splitn(3, '-');
    let year: i32 = parts.next()?.parse().ok()?;
    let month: u8 = parts.next()?.parse().ok()?;
    let day: u8 = parts.next()?.parse().ok()?;
    let date =
        time::Date::from_calendar_date(year, time::Month::try_from(month).ok()?, day).ok()?;
    let start = date.midnight().assume_utc();
    i64::try_from(start.unix_timestamp_nanos() / 1_000_000).ok()
}

#[cfg(test)]
mod date_tests {
    use super::*;

    #[test]
    fn a_calendar_date_is_read_as_the_start_of_that_utc_day() {
        assert_eq!(parse_utc_date("1970-01-02"), Some(86_400_000));
        assert_eq!(
            format_utc(parse_utc_date("2026-11-23").unwrap()),
            "2026-11-23 00:00:00 UTC"
        );
        assert_eq!(parse_utc_date("2026-02-30"), None);
        assert_eq!(parse_utc_date("yesterday"), None);
    }
}
