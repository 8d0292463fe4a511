//! Building blocks shared by pages.

pub mod filters;
pub mod ids;
pub mod shell;
pub mod shortcuts;
pub mod step_up;
pub mod views;
pub mod when;
