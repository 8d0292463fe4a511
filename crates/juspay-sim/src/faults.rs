//! Fault injection. Invariant: a fault fires only while it has calls left (or by its
//! probability) and is consumed as it fires, so tests can script "the next N calls".

use std::collections::VecDeque;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use crate::state::RefundStatus;

/// What happens to a matching API call.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EndpointFaultKind {
    /// Answer with this 5xx status and a JSON error body, without processing.
    ServerError {
        /// e.g. 500, 502, 503.
        status: u16,
    },
    /// Answer 429 with `Retry-After`, without processing.
    RateLimited {
        /// Seconds in the `Retry-After` header.
        retry_after_secs: u64,
    },
    /// Hold the request this long, then answer 504 without processing; a client with a
    /// shorter timeout sees a timeout.
    Timeout {
        /// Real milliseconds (not scaled).
        millis: u64,
    },
    /// Hold the request this long, then process it normally.
    Slow {
        /// Real milliseconds (not scaled).
        millis: u64,
    },
    /// Process the request (state changes happen), then hold and answer with `status`
    /// instead of the real response: "accepted but the client saw a timeout".
    AcceptThenFail {
        /// Status sent instead of the real answer, e.g. 504.
        status: u16,
        /// Real milliseconds to hold before answering.
        millis: u64,
    },
}

/// A fault on API calls matching `method` and `path`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EndpointFault {
    /// HTTP method to match; any when absent.
    #[serde(default)]
    pub method: Option<String>,
    /// Path pattern; `*` matches exactly one segment (`/orders/*/refunds`).
    pub path: String,
    /// What to do.
    pub kind: EndpointFaultKind,
    /// Fire on the next this-many matching calls; unlimited when absent.
    #[serde(default)]
    pub times: Option<u32>,
    /// Fire with this probability per matching call; always when absent.
    #[serde(default)]
    pub probability: Option<f64>,
}

/// What happens to the next webhook events.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum WebhookFaultKind {
    /// Never send the event; the attempt log records it as dropped.
    Drop,
    /// Deliver the event twice, same event id.
    Duplicate,
    /// Hold the event and deliver it after the next one.
    Reorder,
    /// Wait this long before the first attempt.
    Delay {
        /// Real milliseconds (not scaled).
        millis: u64,
    },
    /// Send the first attempt with a wrong password; retries use the right one.
    WrongCredentials,
}

/// A webhook fault for the next `times` events.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WebhookFault {
    /// What to do.
    pub kind: WebhookFaultKind,
    /// How many events it applies to.
    #[serde(default = "one")]
    pub times: u32,
}

fn one() -> u32 {
    1
}

/// All active faults.
pub struct Faults {
    endpoint: Vec<EndpointFault>,
    webhook: VecDeque<WebhookFault>,
    /// UPI payments stay PENDING_VBV this long before flipping to their outcome.
    pub upi_pending: Option<Duration>,
    /// Outcomes for the next refunds, in order; SUCCESS when empty.
    pub refund_outcomes: VecDeque<RefundStatus>,
    rng: StdRng,
}

impl Faults {
    /// No faults.
    pub fn new(seed: u64) -> Self {
        Self {
            endpoint: Vec::new(),
            webhook: VecDeque::new(),
            upi_pending: None,
            refund_outcomes: VecDeque::new(),
            rng: StdRng::seed_from_u64(seed ^ 0x5eed_fa17),
        }
    }

    /// Adds an endpoint fault after the existing ones.
    pub fn add_endpoint(&mut self, fault: EndpointFault) {
        // "The next 0 calls" means no call at all.
        if fault.times != Some(0) {
            self.endpoint.push(fault);
        }
    }

    /// Adds a webhook fault after the existing ones.
    pub fn add_webhook(&mut self, fault: WebhookFault) {
        if fault.times > 0 {
            self.webhook.push_back(fault);
        }
    }

    /// Removes every fault and queued refund outcome.
    pub fn clear(&mut self) {
        self.endpoint.clear();
        self.webhook.clear();
        self.upi_pending = None;
        self.refund_outcomes.clear();
    }

    /// The fault to apply to this call, consuming one use of it: the first matching fault
    /// that fires; a matching fault whose probability roll misses leaves the call to the
    /// next matching one, so several faults on one endpoint mix (a fault storm).
    pub fn take_endpoint(&mut self, method: &str, path: &str) -> Option<EndpointFaultKind> {
        let candidates: Vec<usize> = self
            .endpoint
            .iter()
            .enumerate()
            .filter(|(_, f)| matches(f, method, path))
            .map(|(i, _)| i)
            .collect();
        let index = candidates.into_iter().find(|&i| {
            self.endpoint
                .get(i)
                .and_then(|f| f.probability)
                .is_none_or(|p| self.rng.r#gen::<f64>() < p)
        })?;
        let fault = self.endpoint.get_mut(index)?;
        let kind = fault.kind.clone();
        if let Some(times) = fault.times.as_mut() {
            *times = times.saturating_sub(1);
            if *times == 0 {
                self.endpoint.remove(index);
            }
        }
        Some(kind)
    }

    /// The fault to apply to the next webhook event, consuming one use of it.
    pub fn take_webhook(&mut self) -> Option<WebhookFaultKind> {
        let fault = self.webhook.front_mut()?;
        let kind = fault.kind.clone();
        fault.times -= 1;
        if fault.times == 0 {
            self.webhook.pop_front();
        }
        Some(kind)
    }

    /// The planned outcome for a new refund.
    pub fn next_refund_outcome(&mut self) -> RefundStatus {
        self.refund_outcomes
            .pop_front()
            .unwrap_or(RefundStatus::Success)
    }
}

fn matches(fault: &EndpointFault, method: &str, path: &str) -> bool {
    if fault
        .method
        .as_deref()
        .is_some_and(|m| !m.eq_ignore_ascii_case(method))
    {
        return false;
    }
    let pattern: Vec<&str> = fault.path.trim_end_matches('/').split('/').collect();
    let actual: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    pattern.len() == actual.len()
        && pattern
            .iter()
            .zip(&actual)
            .all(|(p, a)| *p == "*" || p == a)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server_error(path: &str, times: Option<u32>) -> EndpointFault {
        EndpointFault {
            method: Some("POST".to_owned()),
            path: path.to_owned(),
            kind: EndpointFaultKind::ServerError { status: 503 },
            times,
            probability: None,
        }
    }

    #[test]
    fn a_fault_for_the_next_two_calls_fires_twice_and_then_disappears() {
        let mut faults = Faults::new(1);
        faults.add_endpoint(server_error("/orders/*/refunds", Some(2)));
        assert!(faults.take_endpoint("POST", "/orders/o1/refunds").is_some());
        assert!(faults.take_endpoint("GET", "/orders/o1/refunds").is_none());
        assert!(faults.take_endpoint("POST", "/orders/o1").is_none());
        assert!(faults.take_endpoint("POST", "/orders/o2/refunds").is_some());
        assert!(faults.take_endpoint("POST", "/orders/o3/refunds").is_none());
    }

    #[test]
    fn a_fault_with_probability_zero_never_fires_and_with_one_always_fires() {
        let mut faults = Faults::new(1);
        let mut never = server_error("/orders", None);
        never.probability = Some(0.0);
        faults.add_endpoint(never);
        assert!((0..20).all(|_| faults.take_endpoint("POST", "/orders").is_none()));
        faults.clear();
        let mut always = server_error("/orders", None);
        always.probability = Some(1.0);
        faults.add_endpoint(always);
        assert!((0..20).all(|_| faults.take_endpoint("POST", "/orders").is_some()));
    }

    #[test]
    fn a_missed_probability_roll_falls_through_to_the_next_matching_fault() {
        let mut faults = Faults::new(1);
        let mut never = server_error("/orders/*/refunds", None);
        never.probability = Some(0.0);
        faults.add_endpoint(never);
        faults.add_endpoint(EndpointFault {
            kind: EndpointFaultKind::RateLimited {
                retry_after_secs: 1,
            },
            ..server_error("/orders/*/refunds", Some(1))
        });
        assert_eq!(
            faults.take_endpoint("POST", "/orders/o1/refunds"),
            Some(EndpointFaultKind::RateLimited {
                retry_after_secs: 1
            })
        );
        assert!(faults.take_endpoint("POST", "/orders/o1/refunds").is_none());
    }
}
