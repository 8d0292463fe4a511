//! Building blocks shared by pages.

pub mod shell;
pub mod step_up;
pub mod when;
pub mod ids;
