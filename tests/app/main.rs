//! The one integration-test binary: every test boots the real app on port 0 with a fresh
//! database, on SQLite and on PostgreSQL (`TEST_POSTGRES_URL`, set by `scripts/test`).

mod access;
mod auth;
mod currencies;
mod display;
mod disputes;
mod fuzz;
mod health;
mod helpers;
mod jpsl;
mod mandate_events;
mod mandates;
mod merchant_api;
mod ops;
mod orders;
mod outbound;
mod preauth;
mod processing;
mod refund_events;
mod refunds;
mod search;
mod security;
mod traces;
mod views;
mod webhooks;
