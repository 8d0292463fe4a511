//! Orders: the model, the no-regression and amount rules, the snapshot plan for an order
//! report, its storage, timeline and list, the reconciler that polls Juspay for unresolved
//! orders, the support guide, and the staff actions at Juspay (create, sync, update).

pub mod actions;
pub mod guide;
pub mod leases;
pub mod list;
pub mod model;
pub mod preauth;
pub mod reconcile;
pub mod rules;
pub mod snapshot;
pub mod store;
pub mod timeline;
