//! Mandates (recurring payments): the model, the status rule, the snapshot plan, storage
//! and history, and the mandate actions (revoke, pause, resume, notify, debit).

pub mod actions;
pub mod model;
pub mod rules;
pub mod snapshot;
pub mod store;
