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
pub mod orders;
pub mod outbound;
pub mod refunds;
pub mod users;
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

/// A staff member as the browser sees them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserView {
    pub id: i64,
    pub username: String,
    pub role: Role,
    pub disabled: bool,
    /// Creation time, formatted in UTC with its zone.
    pub created: String,
    /// Signs in with a second factor.
    pub two_factor: bool,
}

impl UserView {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

#[cfg(feature = "ssr")]
impl From<dashboard_core::staff::users::User> for UserView {
    fn from(u: dashboard_core::staff::users::User) -> Self {
        Self {
            id: u.id,
            username: u.username,
            role: u.role,
            disabled: u.disabled,
            created: dashboard_core::clock::format_utc(u.created_at),
            two_factor: u.two_factor,
        }
    }
}
