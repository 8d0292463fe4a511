//! Refunds: the model, the rules (status order, what can still be refunded), the snapshot
//! plan for a refund in an order report, storage, and the refund action with its
//! idempotency key.

pub mod actions;
pub mod model;
pub mod rules;
pub mod snapshot;
pub mod store;
