//! Events for the merchant's own systems: every change of an order, refund or mandate
//! writes an event in the same transaction (the outbox), and a worker on every instance
//! delivers it to the endpoints admins added, signed as Standard Webhooks, with retries
//! and a log of every attempt. The same events can be pulled through the merchant API,
//! whose tokens (named, scoped, revocable) are kept here too.
//!
//! Invariants: no event without its committed change and no change without its event; a
//! subject's events reach an endpoint in the order they were written; an event keeps its
//! `webhook-id` across retries and replays. See docs/outbound.md.

pub mod delivery;
pub mod endpoints;
pub mod events;
pub mod signing;
pub mod store;
pub mod tokens;
