//! Webhooks and callbacks in: authentication and durable group-commit ingest, JPSL
//! callbacks, the unstored-rejection budget, storage, and the processor that applies stored
//! events through the snapshot path.

pub mod ingest;
pub mod jpsl;
pub mod processing;
pub mod rejections;
pub mod store;
