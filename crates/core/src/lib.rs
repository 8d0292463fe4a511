//! Server-side product logic of the merchant dashboard, free of Leptos so that none of it
//! reaches the browser bundle: configuration, storage on SQLite or PostgreSQL, staff
//! accounts and sessions, the audit trail, webhook ingest and processing, and the order,
//! refund and mandate state built from Juspay's reports.

pub mod actions;
pub mod alerts;
pub mod auth;
pub mod clock;
pub mod config;
pub mod ingest;
pub mod jpsl;
pub mod mandates;
pub mod money;
pub mod order_state;
pub mod privacy;
pub mod processing;
pub mod reconcile;
pub mod records;
pub mod refunds;
pub mod rejections;
pub mod report;
pub mod second_factor;
pub mod sessions;
pub mod snapshot;
pub mod status_guide;
pub mod store;
#[cfg(any(test, feature = "test-support"))]
pub mod testing;

pub use store::{Store, StoreError};
