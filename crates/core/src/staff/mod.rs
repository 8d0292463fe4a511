//! Staff: sign-in with throttling and second factors, sessions and their register, users,
//! the audit trail, and masking for viewers.

pub mod audit;
pub mod auth;
pub mod privacy;
pub mod second_factor;
pub mod second_factor_store;
pub mod session_register;
pub mod sessions;
pub mod throttle;
pub mod users;
pub mod views;
