//! End-to-end tests: the simulator on 127.0.0.1:0 driven by reqwest like a real client.

mod chargebacks;
mod faults;
mod mandates;
mod orders;
mod payment_page;
mod receiver;
mod refunds;
mod support;
mod webhooks;
