//! Server functions, grouped by area. Each is thin: authorise → core → a DTO for the page.
//! Every mutating one is a POST (the CSRF guard covers it) and is audited.

pub mod account;
pub mod audit;
pub mod auth;
pub mod disputes;
pub mod health;
pub mod mandates;
#[cfg(feature = "ssr")]
mod order_detail;
pub mod order_view;
pub mod orders;
pub mod outbound;
pub mod refunds;
pub mod search;
pub mod users;
pub mod views;
pub mod webhooks;

use dashboard_status::Role;
use serde::{Deserialize, Serialize};

/// What a server function that made something reports: a sentence for people, and the id
/// of what it made (an order, a debit) for the code that called it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Created {
    pub id: String,
    pub message: String,
}

impl std::fmt::Display for Created {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// Percent-encodes a value for a page address (query values and path segments).
pub fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The keyset cursor `created_at:id` of a list page's "older" link, as the store takes it.
#[cfg(feature = "ssr")]
fn read_cursor(before: Option<&str>) -> Option<(i64, String)> {
    let (at, id) = before?.split_once(':')?;
    Some((at.parse().ok()?, id.to_owned()))
}

/// Cuts a page read one row long (`page_size + 1`) to `page_size`, and returns the cursor
/// of the next page when there is one.
#[cfg(feature = "ssr")]
fn cut_page<T>(
    rows: &mut Vec<T>,
    page_size: i64,
    cursor_of: impl Fn(&T) -> (i64, &str),
) -> Option<String> {
    let size = usize::try_from(page_size).unwrap_or(usize::MAX);
    (rows.len() > size).then(|| {
        rows.truncate(size);
        rows.last()
            .map(|r| {
                let (at, id) = cursor_of(r);
                format!("{at}:{id}")
            })
            .unwrap_or_default()
    })
}

/// A stored time as its reader sees it: local time in their zone with the zone named, how
/// long ago it was when the page was made, and the same instant in UTC (shown on hover) and
/// as ISO 8601 (for the `<time>` element).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Moment {
    pub local: String,
    pub ago: String,
    pub utc: String,
    pub iso: String,
}

impl std::fmt::Display for Moment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.local)
    }
}

/// Formats stored times for one request's reader (see [`Moment`]).
#[cfg(feature = "ssr")]
pub struct Times {
    zone: dashboard_core::clock::Zone,
    now: i64,
}

#[cfg(feature = "ssr")]
impl Times {
    pub fn new(zone: dashboard_core::clock::Zone) -> Self {
        Self {
            zone,
            now: dashboard_core::clock::now_millis(),
        }
    }

    /// A time for a table cell or a fact line.
    pub fn moment(&self, millis: i64) -> Moment {
        use dashboard_core::clock::{format_ago, format_iso_utc, format_utc};
        Moment {
            local: self.zone.format(millis),
            ago: format_ago(millis, self.now),
            utc: format_utc(millis),
            iso: format_iso_utc(millis),
        }
    }

    /// The reader's zone, in which the dates they type are read too.
    pub fn zone(&self) -> &dashboard_core::clock::Zone {
        &self.zone
    }

    /// A time inside a sentence: local, with the zone named.
    pub fn text(&self, millis: i64) -> String {
        self.zone.format(millis)
    }
}

/// A staff member as the browser sees them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserView {
    pub id: i64,
    pub username: String,
    pub role: Role,
    pub disabled: bool,
    pub created: Moment,
    /// Signs in with a second factor.
    pub two_factor: bool,
}

impl UserView {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

#[cfg(feature = "ssr")]
impl UserView {
    pub fn of(u: dashboard_core::staff::users::User, times: &Times) -> Self {
        Self {
            id: u.id,
            username: u.username,
            role: u.role,
            disabled: u.disabled,
            created: times.moment(u.created_at),
            two_factor: u.two_factor,
        }
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    #[test]
    fn a_page_read_one_row_long_is_cut_and_names_the_next_page_which_reads_back() {
        let mut rows = vec![(30, "c"), (20, "b"), (10, "a")];
        let next = cut_page(&mut rows, 2, |r| (r.0, r.1));
        assert_eq!(rows, [(30, "c"), (20, "b")]);
        assert_eq!(next.as_deref(), Some("20:b"));
        assert_eq!(read_cursor(next.as_deref()), Some((20, "b".to_owned())));
        let mut last = vec![(5, "z")];
        assert_eq!(cut_page(&mut last, 2, |r| (r.0, r.1)), None);
        assert_eq!(
            read_cursor(Some("x:1")),
            None,
            "a cursor typed by hand is ignored"
        );
    }
}
