//! One module per screen.

pub mod login;
pub mod not_found;
pub mod order;
pub mod sections;
pub mod users;
pub mod webhooks;
