//! Disputes (chargebacks): what Juspay reports of them, the rule that they only move
//! forward, their storage, and what staff record about them (a decision, notes, evidence
//! files). Fed by the `CHARGEBACK_*` webhooks and by an order's `chargebacks[]`, through
//! the same processing path as every other report.

pub mod evidence;
pub mod model;
pub mod responses;
pub mod rules;
pub mod snapshot;
pub mod store;
