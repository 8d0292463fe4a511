//! Server-side product logic of the merchant dashboard, free of Leptos so that none of it
//! reaches the browser bundle: configuration, storage on SQLite or PostgreSQL, staff
//! accounts and sessions, the audit trail, webhook ingest and processing, and the order,
//! refund and mandate state built from Juspay's reports.

pub mod clock;
pub mod config;
pub mod disputes;
pub mod health;
pub mod mandates;
pub mod money;
pub mod orders;
pub mod outbound;
pub mod refunds;
pub mod report;
pub mod reports;
pub mod search;
pub mod staff;
pub mod store;
pub mod telemetry;
#[cfg(any(test, feature = "test-support"))]
pub mod testing;
pub mod webhooks;

pub use store::{Store, StoreError};
