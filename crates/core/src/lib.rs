//! Server-side product logic of the merchant dashboard, free of Leptos so that none of it
//! reaches the browser bundle: configuration, storage on SQLite or PostgreSQL, staff
//! accounts and sessions, and the audit trail.

pub mod auth;
pub mod clock;
pub mod config;
pub mod ingest;
pub mod order_state;
pub mod sessions;
pub mod store;
#[cfg(any(test, feature = "test-support"))]
pub mod testing;

pub use store::{Store, StoreError};
