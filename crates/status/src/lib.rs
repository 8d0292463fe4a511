//! The product's status vocabulary (orders, refunds, mandates, disputes), shared by the
//! Juspay client, the core, the store, the server functions and the browser build.
//!
//! Every status that is stored, compared or shown is a type here, with its wire or stored
//! spelling (`as_str`), a lenient parse (`From<&str>`: any ASCII case; text this crate does
//! not know is kept verbatim in `Other`, never dropped), a label for people, and the rules
//! that classify it (paid, terminal, group). Nothing outside this crate compares a status
//! with a string literal.
//!
//! Invariant: `as_str` and `From<&str>` round-trip for every known value, and the lists
//! used by SQL (`OrderGroup::statuses`) hold every known order status exactly once.

#[macro_use]
mod text_enum;

mod dispute;
mod mandate;
mod order;
mod refund;
mod role;
mod webhook;

pub use dispute::{DisputeDecision, DisputeStage, DisputeStatus};
pub use mandate::MandateStatus;
pub use order::{OrderGroup, OrderStatus, Stage};
pub use refund::{RefundRequestState, RefundStatus};
pub use role::Role;
pub use webhook::{AuthVerdict, Outcome};
