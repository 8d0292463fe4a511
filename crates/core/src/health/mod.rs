//! Health: payment outcome figures and their hourly roll-ups, and the alerts evaluated from
//! them.

pub mod alert_store;
pub mod alerts;
pub mod store;
