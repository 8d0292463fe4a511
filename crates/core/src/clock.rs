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

/// A time zone people read times in: an IANA name (`Asia/Kolkata`) found in the time-zone
/// database built into the binary, so every machine shows the same local times whatever
/// its installed `tzdata`.
#[derive(Debug, Clone)]
pub struct Zone {
    name: String,
    tz: jiff::tz::TimeZone,
}

/// A zone name the time-zone database does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("\"{0}\" is not a time zone; use a name like Asia/Kolkata, Europe/London or UTC")]
pub struct UnknownZone(pub String);

impl Zone {
    /// The zone called `name` (IANA, case as the database spells it or not).
    pub fn named(name: &str) -> Result<Self, UnknownZone> {
        let name = name.trim();
        let tz = jiff::tz::db()
            .get(name)
            .map_err(|_| UnknownZone(name.to_owned()))?;
        let name = tz.iana_name().unwrap_or(name).to_owned();
        Ok(Self { name, tz })
    }

    pub fn utc() -> Self {
        Self {
            name: "UTC".to_owned(),
            tz: jiff::tz::TimeZone::UTC,
        }
    }

    /// The IANA name, as the database spells it.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The calendar day `YYYY-MM-DD` as this zone lives it: its first millisecond and the
    /// first of the next day (a day is 23 or 25 hours where the clocks change). `None` if
    /// the text is not such a date.
    pub fn day_bounds(&self, text: &str) -> Option<(i64, i64)> {
        // jiff would also read a date and time as its date; only a plain date is a day.
        let text = text.trim();
        if text.len() != "YYYY-MM-DD".len() {
            return None;
        }
        let date: jiff::civil::Date = text.parse().ok()?;
        let start_of = |date: jiff::civil::Date| {
            date.to_zoned(self.tz.clone())
                .ok()
                .map(|zoned| zoned.timestamp().as_millisecond())
        };
        Some((start_of(date)?, start_of(date.tomorrow().ok()?)?))
    }

    /// Stored milliseconds as `YYYY-MM-DD HH:MM:SS IST`: local time with the zone's
    /// abbreviation, or its offset (`UTC+04`) where the zone has no letters.
    pub fn format(&self, millis: i64) -> String {
        let Ok(at) = jiff::Timestamp::from_millisecond(millis) else {
            return format_utc(millis);
        };
        let zoned = at.to_zoned(self.tz.clone());
        let abbreviation = zoned.strftime("%Z").to_string();
        let zone = if abbreviation.starts_with(['+', '-']) {
            format!("UTC{abbreviation}")
        } else {
            abbreviation
        };
        format!("{} {zone}", zoned.strftime("%Y-%m-%d %H:%M:%S"))
    }
}

#[cfg(test)]
mod zone_day_tests {
    use super::*;

    #[test]
    fn a_date_is_the_day_the_readers_zone_lives() {
        let kolkata = Zone::named("Asia/Kolkata").unwrap();
        let (start, end) = kolkata.day_bounds("2026-11-23").unwrap();
        assert_eq!(format_utc(start), "2026-11-22 18:30:00 UTC");
        assert_eq!(end - start, 86_400_000);
        assert_eq!(
            Zone::utc().day_bounds(" 2026-11-23 ").unwrap().0,
            parse_utc_date("2026-11-23").unwrap()
        );
        // The day the clocks go forward in New York has 23 hours, the day they go back 25.
        let new_york = Zone::named("America/New_York").unwrap();
        let (start, end) = new_york.day_bounds("2026-03-08").unwrap();
        assert_eq!(
            (format_utc(start).as_str(), end - start),
            ("2026-03-08 05:00:00 UTC", 23 * 3_600_000)
        );
        let (start, end) = new_york.day_bounds("2026-11-01").unwrap();
        assert_eq!(end - start, 25 * 3_600_000);
        for bad in ["2026-02-30", "yesterday", "", "2026-11-23T00:00"] {
            assert_eq!(kolkata.day_bounds(bad), None, "{bad:?}");
        }
    }
}

/// Every zone name the built-in database knows, sorted, for a picker.
pub fn zone_names() -> Vec<String> {
    let mut names: Vec<String> = jiff::tz::db()
        .available()
        .map(|name| name.to_string())
        .collect();
    names.sort();
    names
}

/// Stored milliseconds as ISO 8601 in UTC (`2026-12-07T19:41:15.123Z`): what a spreadsheet
/// or another program reads without guessing a zone.
pub fn format_iso_utc(millis: i64) -> String {
    jiff::Timestamp::from_millisecond(millis)
        .map(|at| format!("{at:.3}"))
        .unwrap_or_else(|_| millis.to_string())
}

/// How long ago `millis` was at `now`, the way people say it: `just now`, `3 min ago`,
/// `5 h ago`, `2 days ago`, or `in 4 min` for a time still to come.
pub fn format_ago(millis: i64, now: i64) -> String {
    let seconds = (now - millis) / 1000;
    let (future, seconds) = (seconds < 0, seconds.saturating_abs());
    let span = match seconds {
        0..45 => return "just now".to_owned(),
        45..3_600 => format!("{} min", (seconds + 30) / 60),
        3_600..86_400 => format!("{} h", (seconds + 1_800) / 3_600),
        86_400..172_800 => "1 day".to_owned(),
        _ => format!("{} days", seconds / 86_400),
    };
    if future {
        format!("in {span}")
    } else {
        format!("{span} ago")
    }
}

#[cfg(test)]
mod zone_tests {
    use super::*;

    #[test]
    fn a_zone_shows_local_time_with_its_abbreviation_or_offset() {
        let kolkata = Zone::named("asia/kolkata").unwrap();
        assert_eq!(kolkata.name(), "Asia/Kolkata");
        assert_eq!(kolkata.format(1_700_000_000_123), "2023-11-15 03:43:20 IST");
        assert_eq!(Zone::utc().format(0), "1970-01-01 00:00:00 UTC");
        let dubai = Zone::named("Asia/Dubai").unwrap();
        assert_eq!(dubai.format(0), "1970-01-01 04:00:00 UTC+04");
        let london = Zone::named("Europe/London").unwrap();
        assert_eq!(london.format(1_719_835_200_000), "2024-07-01 13:00:00 BST");
        assert_eq!(
            Zone::named("Mars/Olympus").unwrap_err().to_string(),
            "\"Mars/Olympus\" is not a time zone; use a name like Asia/Kolkata, Europe/London or UTC"
        );
        assert!(zone_names().iter().any(|n| n == "Asia/Kolkata"));
    }

    #[test]
    fn times_read_as_iso_8601_utc_and_as_how_long_ago() {
        assert_eq!(
            format_iso_utc(1_700_000_000_123),
            "2023-11-14T22:13:20.123Z"
        );
        let now = 1_700_000_000_000;
        assert_eq!(format_ago(now - 10_000, now), "just now");
        assert_eq!(format_ago(now - 180_000, now), "3 min ago");
        assert_eq!(format_ago(now - 5 * 3_600_000, now), "5 h ago");
        assert_eq!(format_ago(now - 30 * 3_600_000, now), "1 day ago");
        assert_eq!(format_ago(now - 3 * 86_400_000, now), "3 days ago");
        assert_eq!(format_ago(now + 240_000, now), "in 4 min");
    }
}
