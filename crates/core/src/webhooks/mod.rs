//! Webhooks and callbacks in: authentication and durable group-commit ingest, JPSL
//! callbacks, the unstored-rejection budget, storage, the processor that takes stored events
//! in order, and what applying one does (through each aggregate's snapshot path).

mod apply;
#[cfg(test)]
mod fuzz;
pub mod ingest;
pub mod jpsl;
pub mod processing;
pub mod rejections;
pub mod retention;
pub mod store;
