//! What an order status means in plain language, and what a merchant's support staff should
//! do about it.
//!
//! Juspay reports some two dozen order statuses (§4.4); people answering a customer think in
//! four outcomes (SUCCESS, PENDING, FAILED, CANCELLED), which [`OrderGroup`] files every
//! status under. [`guide`] explains one order's status and, for a failed payment attempt,
//! its error code, in words a support person can repeat to a customer.
//!
//! The support playbook it follows is described in docs/architecture.md ("Status guide").
//!
//! Invariants: a payment that is still in progress is never
//! advised as failed, whatever error code accompanies it; an error code this module does
//! not know never hides the status's own advice, and is named in the text so nothing
//! Juspay said is lost. The texts say only what Juspay's public order-status and
//! error-code documentation says.
//!
//! Section numbers (§) refer to docs/juspay.md, the wire format as this project implements it.

use dashboard_status::{OrderGroup, OrderStatus, Stage};
use serde::{Deserialize, Serialize};

/// What an order's status means and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusGuide {
    /// The status's group, ignoring refunds (see [`guide`]).
    pub group: OrderGroup,
    /// What happened, in plain language.
    pub meaning: String,
    /// The suggested next step for support staff.
    pub action: String,
}

/// Explains `status` (any ASCII case) with the order's `error_code` and `error_message`
/// (`bank_error_code`/`txn_detail.error_code` and their messages, §4.3).
///
/// An error code refines the advice only for a failed payment attempt (`Stage::AttemptFailed`):
/// there it says why the attempt failed. On a pending or paid order it is only mentioned,
/// never acted on — a pending payment must not be advised as failed. On a failed capture or
/// void the customer-facing reasons of the support playbook do not apply, so the code is mentioned and
/// the status's advice kept. Codes match ignoring ASCII case and surrounding spaces; an
/// empty code or message counts as absent (Juspay sends `""`, §4.3 example).
///
/// The group is [`OrderGroup::of`] without amounts, so a fully refunded `CHARGED` order reads
/// Paid here; its refunds are shown elsewhere on the order page.
pub fn guide(
    parsed: &OrderStatus,
    error_code: Option<&str>,
    error_message: Option<&str>,
) -> StatusGuide {
    let group = OrderGroup::of(parsed, 0, 0);
    let code = error_code.map(str::trim).filter(|code| !code.is_empty());
    let message = error_message
        .map(str::trim)
        .filter(|message| !message.is_empty());
    let (mut meaning, mut action) = match status_advice(parsed) {
        Some(advice) => (advice.meaning.to_owned(), advice.action.to_owned()),
        None => unknown_status_advice(parsed.as_str().trim()),
    };
    let detail = reported_detail(code, message);
    let attempt_failed = parsed.stage() == Some(Stage::AttemptFailed);
    match (attempt_failed, code.and_then(reason_of_code), detail) {
        (_, _, None) => {}
        (true, Some(reason), Some(detail)) => {
            let advice = reason.advice();
            meaning = format!("{meaning} Reason: {} {detail}.", advice.meaning);
            action = advice.action.to_owned();
        }
        (true, None, Some(detail)) => {
            meaning = format!(
                "{meaning} Juspay reported {detail}, for which this guide has no specific \
                 advice."
            );
        }
        (false, _, Some(detail)) => {
            meaning = format!(
                "{meaning} Juspay also reported {detail}; it does not change the advice for \
                 this status."
            );
        }
    }
    StatusGuide {
        group,
        meaning,
        action,
    }
}

/// A meaning and an action, as static text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Advice {
    meaning: &'static str,
    action: &'static str,
}

/// The support playbook's PENDING row ("Wait, don't fulfil yet. Check again in 5 min"), its UPI notes
/// ("wait 5-10 minutes"; "after 24h, assume cancelled") and its dual webhook-plus-polling
/// advice.
const PENDING_ACTION: &str = "Do not fulfil the order yet, and do not tell the customer the \
     payment failed: it is still in progress. Wait for Juspay's notification or sync the \
     order status; UPI payments can take 5 to 10 minutes. If nothing changes within 24 \
     hours, the customer most likely abandoned the payment.";

/// The support playbook's SUCCESS row ("Fulfill order immediately"); §4.4: refunds leave it CHARGED.
const PAID_ACTION: &str = "Fulfil the order. Refunds, if any, do not change this status; \
     check the refunds on the order before fulfilling again.";

/// The status's own advice; `None` for a status the `juspay` crate does not know.
///
/// Exhaustive on purpose, like `Stage::of`: a new status does not compile until someone
/// writes its advice.
fn status_advice(status: &OrderStatus) -> Option<Advice> {
    let advice = match status {
        // §4.4 id 1: only in the create-order response; becomes NEW.
        OrderStatus::Created | OrderStatus::New => Advice {
            meaning: "The order was created, but the customer has not started paying yet.",
            action: "Do not fulfil: nothing has been paid. If the customer says they paid, \
                     sync the order status with Juspay before answering.",
        },
        OrderStatus::Started => Advice {
            meaning: "The customer started a payment; Juspay has not yet passed it to a \
                      payment gateway.",
            action: PENDING_ACTION,
        },
        OrderStatus::PendingVbv => Advice {
            meaning: "The customer is confirming the payment: entering an OTP or 3-D Secure \
                      code, or approving it in their UPI app.",
            action: PENDING_ACTION,
        },
        OrderStatus::VbvSuccessful => Advice {
            meaning: "The customer confirmed the payment; the bank is now authorising it.",
            action: PENDING_ACTION,
        },
        OrderStatus::Authorizing => Advice {
            meaning: "The payment is waiting for the customer's bank to answer.",
            action: PENDING_ACTION,
        },
        // §4.4: seen only in Juspay's Saleor app enum; the sources do not define them.
        // The order rules treat both as an attempt in progress.
        OrderStatus::PendingAuthentication | OrderStatus::ToBeCharged => Advice {
            meaning: "The payment is in progress. Juspay does not document this status \
                      further.",
            action: PENDING_ACTION,
        },
        // §5.3: pre-auth success; capture collects, void releases.
        OrderStatus::Authorized => Advice {
            meaning: "The amount is held on the customer's card, but not yet collected \
                      (pre-authorisation).",
            action: "Capture the payment to collect the money, or void it to release the \
                     hold. Nothing is collected until it is captured.",
        },
        OrderStatus::CaptureInitiated => Advice {
            meaning: "A capture of the held amount was requested and is waiting for the \
                      gateway.",
            action: "Wait for Juspay's notification or sync the order status before \
                     requesting another capture; the money is not collected yet.",
        },
        OrderStatus::VoidInitiated => Advice {
            meaning: "A release of the held amount was requested and is waiting for the \
                      gateway.",
            action: "Do not fulfil: the hold is being released. Wait for Juspay's \
                     notification or sync the order status before requesting another void.",
        },
        OrderStatus::Charged => Advice {
            meaning: "The customer paid: Juspay confirmed the money was collected.",
            action: PAID_ACTION,
        },
        // §5.3: partial capture of a pre-authorised amount.
        OrderStatus::PartialCharged => Advice {
            meaning: "Part of the held amount was captured and collected.",
            action: "Fulfil what was paid for: compare the captured amount with the order \
                     before fulfilling it in full.",
        },
        // §4.4 id 29, terminal; `OrderStatus::is_success` excludes it because no money is
        // in yet. The sources describe no later status for it.
        OrderStatus::CodInitiated => Advice {
            meaning: "The customer chose cash on delivery: nothing has been collected online.",
            action: "Fulfil the order as cash on delivery and collect the payment on \
                     delivery.",
        },
        // §4.4 id 22: "input rejected by Juspay/PG (also merchant declined after cancel of
        // mandate execution)".
        OrderStatus::JuspayDeclined => Advice {
            meaning: "Juspay or the payment gateway rejected the payment request, so no \
                      money was taken.",
            action: Reason::Rejected.advice().action,
        },
        // §4.4 id 26, "user did not complete auth": the support playbook's 3D_SECURE_FAILED.
        OrderStatus::AuthenticationFailed => Advice {
            meaning: "The customer did not complete the OTP or 3-D Secure check, so no \
                      money was taken.",
            action: Reason::ThreeDSecureFailed.advice().action,
        },
        // §4.4 id 27, "bank refused": the support playbook's DECLINED.
        OrderStatus::AuthorizationFailed => Advice {
            meaning: "The customer's bank refused the payment, so no money was taken.",
            action: Reason::Declined.advice().action,
        },
        // §4.4: seen only in the Saleor app enum; read like AUTHORIZATION_FAILED.
        OrderStatus::Declined => Advice {
            meaning: "The payment was declined, so no money was taken.",
            action: Reason::Declined.advice().action,
        },
        // §4.4: seen only in the Saleor app enum; the sources do not say what failed.
        OrderStatus::Error => Advice {
            meaning: "The payment ended with an error. Juspay does not document this status \
                      further.",
            action: "Sync the order status and read the error message before advising the \
                     customer; if the status stays the same, the customer can try again.",
        },
        // §5.3: a failed capture may still end CHARGED or VOIDED.
        OrderStatus::CaptureFailed => Advice {
            meaning: "Collecting the held amount failed: the money has not been collected.",
            action: "Sync the order status, then capture again or void the hold. Do not \
                     fulfil until the payment is captured.",
        },
        OrderStatus::VoidFailed => Advice {
            meaning: "Releasing the held amount failed: the amount may still be held on the \
                      customer's card.",
            action: "Sync the order status and try the void again. If it keeps failing, \
                     contact Juspay support with the transaction id.",
        },
        // §4.4 id 36, "charged then auto-refunded"; the sources do not say why Juspay
        // refunds automatically. AUTO_REFUND_SUCCEEDED/FAILED report the outcome (§9.2).
        OrderStatus::AutoRefunded => Advice {
            meaning: "The customer was charged, then Juspay refunded the payment \
                      automatically.",
            action: "Do not fulfil: the money went back to the customer. If the customer \
                     still wants the order, they need to pay again.",
        },
        OrderStatus::Voided => Advice {
            meaning: "The held amount was released: the payment was cancelled and nothing \
                      was collected.",
            action: "Do not fulfil. If the customer still wants the order, they need to pay \
                     again.",
        },
        // §4.4 id 40, "order id not created".
        OrderStatus::NotFound => Advice {
            meaning: "Juspay has no order with this id, so no payment was made for it.",
            action: "Do not fulfil. Check the order id with the customer.",
        },
        OrderStatus::Other(_) => return None,
    };
    Some(advice)
}

/// Meaning and action for a status this dashboard does not know, naming it.
fn unknown_status_advice(status: &str) -> (String, String) {
    (
        format!("Juspay reported the status \"{status}\", which this dashboard does not know."),
        "Do not fulfil or refund on this status alone. Sync the order status, and if it stays \
         unknown, look the order up in Juspay's dashboard."
            .to_owned(),
    )
}

/// "error code `X` ("message")", "error code `X`" or "the message "…"".
fn reported_detail(code: Option<&str>, message: Option<&str>) -> Option<String> {
    match (code, message) {
        (Some(code), Some(message)) => Some(format!("error code {code} (\"{message}\")")),
        (Some(code), None) => Some(format!("error code {code}")),
        (None, Some(message)) => Some(format!("the message \"{message}\"")),
        (None, None) => None,
    }
}

/// Why a payment attempt failed, as far as its error code tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reason {
    Declined,
    InsufficientFunds,
    ExpiredCard,
    InvalidCvv,
    ThreeDSecureFailed,
    GatewayTimeout,
    DuplicateTransaction,
    /// The customer left the payment page: the support playbook's CANCELLED row.
    Abandoned,
    /// Juspay or the gateway rejected the request (`JUSPAY_DECLINED`, §4.4 id 22).
    Rejected,
    /// A mandate execution refused or cancelled (`JP_852`, §7.3).
    MandateNotActive,
    /// A mandate's pre-debit notification failed (`JP_851`, §7.3).
    NotificationFailed,
}

/// The reason an error code names, ignoring ASCII case and surrounding spaces.
///
/// The support playbook's codes are matched as they are (the simulator sends them verbatim). The
/// reference documents few real codes, so the aliases are only these:
/// * `AUTHORIZATION_FAILED` (§4.4 id 27 "bank refused") is DECLINED, and
///   `AUTHENTICATION_FAILED` (id 26 "user did not complete auth") is 3D_SECURE_FAILED, for
///   gateways that repeat the status in the error code; `JUSPAY_DECLINED` likewise.
/// * `DUPLICATE_REQUEST` (§3.1 `error_info.code`) and `DUPLICATE_ORDER_ID` (§3.1, mandate
///   execution) are DUPLICATE_TRANSACTION.
/// * `USER_ABORTED` and `BACKPRESSED` are the SDK results for a customer who left the page
///   (§4.4, [weak], client side); the simulator sends `USER_ABORTED` as the error code of an
///   `AUTHENTICATION_FAILED` order. They get the support playbook's CANCELLED advice.
/// * `JP_852` (§7.3: mandate not active, or an execution the merchant cancelled) and `JP_851`
///   (§7.3: pre-debit notification failed).
///
/// Not mapped: §3.1's `EXPIRED`, an API error category the sources do not tie to cards, and
/// the refund codes of §6.1, which are not payment failures.
fn reason_of_code(code: &str) -> Option<Reason> {
    let reason = match code.trim().to_ascii_uppercase().as_str() {
        "DECLINED" | "AUTHORIZATION_FAILED" => Reason::Declined,
        "INSUFFICIENT_FUNDS" => Reason::InsufficientFunds,
        "EXPIRED_CARD" => Reason::ExpiredCard,
        "INVALID_CVV" => Reason::InvalidCvv,
        "3D_SECURE_FAILED" | "AUTHENTICATION_FAILED" => Reason::ThreeDSecureFailed,
        "GATEWAY_TIMEOUT" => Reason::GatewayTimeout,
        "DUPLICATE_TRANSACTION" | "DUPLICATE_REQUEST" | "DUPLICATE_ORDER_ID" => {
            Reason::DuplicateTransaction
        }
        "USER_ABORTED" | "BACKPRESSED" => Reason::Abandoned,
        "JUSPAY_DECLINED" => Reason::Rejected,
        "JP_852" => Reason::MandateNotActive,
        "JP_851" => Reason::NotificationFailed,
        _ => return None,
    };
    Some(reason)
}

impl Reason {
    /// The support playbook's "What it means" and "Action" columns, in plain words; for the codes the
    /// playbook lacks, what the reference says about them.
    fn advice(self) -> Advice {
        match self {
            // Seed: "Customer needs to try different card/method"; checklist: "permanent
            // (DECLINED): customer needs different method".
            Self::Declined => Advice {
                meaning: "the customer's bank declined the card or account.",
                action: "Ask the customer to pay with a different card or payment method; \
                         retrying the same card is unlikely to work.",
            },
            // Seed: "Customer needs to add funds"; best practice 3: offer other methods.
            Self::InsufficientFunds => Advice {
                meaning: "the customer does not have enough balance.",
                action: "Ask the customer to add funds or to pay with another payment \
                         method.",
            },
            Self::ExpiredCard => Advice {
                meaning: "the card's expiry date has passed.",
                action: "Ask the customer to pay with a valid card or another payment \
                         method.",
            },
            Self::InvalidCvv => Advice {
                meaning: "the CVV entered does not match the card.",
                action: "The customer can try again with the correct CVV.",
            },
            // Seed: "OTP verification failed — Customer re-enter OTP"; §4.4 `*`: a new
            // attempt may follow on the same order.
            Self::ThreeDSecureFailed => Advice {
                meaning: "the OTP or 3-D Secure verification failed.",
                action: "The customer can try again and re-enter the OTP; the same order \
                         accepts a new payment attempt.",
            },
            // Seed: "External gateway didn't respond in time — JusPay auto-retries, or
            // customer retries"; guardrails: "only customer-initiated retries, automatic
            // retries can lead to duplicate charges"; issues table: "marked FAILED but money
            // deducted … contact JusPay support with TX ID. Can refund manually."
            Self::GatewayTimeout => Advice {
                meaning: "the payment gateway did not answer in time.",
                action: "Sync the order status before the customer tries again, so they are \
                         not charged twice. If it is still failed, the customer can retry. \
                         If they say money was taken, contact Juspay support with the \
                         transaction id; it can be refunded.",
            },
            // Seed: "Same transaction sent twice — Check idempotency key, don't retry";
            // issues table: "Don't retry with same request ID".
            Self::DuplicateTransaction => Advice {
                meaning: "the same transaction was sent twice.",
                action: "Check whether the customer already has a successful payment for \
                         this purchase before anything else, and do not retry this request. \
                         A genuinely new attempt needs a new request.",
            },
            // Seed CANCELLED: "Customer abandoned payment — Show error, allow restart".
            Self::Abandoned => Advice {
                meaning: "the customer left the payment page without finishing.",
                action: "Nothing was charged. The customer can start the payment again when \
                         ready.",
            },
            // §4.4 id 22; the sources do not list which inputs are rejected.
            Self::Rejected => Advice {
                meaning: "Juspay or the payment gateway rejected the payment request.",
                action: "Read the error message for the cause. The customer can try again, \
                         correcting their details or using another payment method.",
            },
            // §7.3: JP_852 "mandate not active"; also the code of an execution the merchant
            // cancelled with cancel_recurring_transaction.
            Self::MandateNotActive => Advice {
                meaning: "the recurring payment was not executed: the mandate was not \
                          active, or the scheduled execution was cancelled by the merchant.",
                action: "Check the mandate's status. If the execution was cancelled on \
                         purpose, nothing needs doing; otherwise the customer must set up \
                         the mandate again before the next charge.",
            },
            // §7.3: JP_851 "PDN Failed. <reason>"; a notification must precede execution.
            Self::NotificationFailed => Advice {
                meaning: "the customer could not be notified before the recurring payment, \
                          so it was not executed.",
                action: "Read the error message for the cause, then schedule the payment \
                         again with a new pre-debit notification.",
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use OrderGroup as G;

    fn guide_for(status: &str, code: Option<&str>, message: Option<&str>) -> StatusGuide {
        guide(&OrderStatus::from(status), code, message)
    }

    fn group_of(status: &str, amount_refunded: i64, amount: i64) -> OrderGroup {
        OrderGroup::of(&OrderStatus::from(status), amount_refunded, amount)
    }

    fn statuses_in(group: OrderGroup) -> Vec<&'static str> {
        group.statuses().map(OrderStatus::as_str).collect()
    }

    /// Every status of §4.4 (and `juspay::OrderStatus`), with its group, written by hand.
    const EXPECTED: [(&str, OrderGroup); 24] = [
        ("CREATED", G::Pending),
        ("NEW", G::Pending),
        ("STARTED", G::Pending),
        ("CHARGED", G::Paid),
        ("JUSPAY_DECLINED", G::Failed),
        ("PENDING_VBV", G::Pending),
        ("VBV_SUCCESSFUL", G::Pending),
        ("AUTHENTICATION_FAILED", G::Failed),
        ("AUTHORIZATION_FAILED", G::Failed),
        ("AUTHORIZING", G::Pending),
        ("COD_INITIATED", G::Paid),
        ("VOIDED", G::Cancelled),
        ("VOID_INITIATED", G::Pending),
        ("CAPTURE_INITIATED", G::Pending),
        ("CAPTURE_FAILED", G::Failed),
        ("VOID_FAILED", G::Failed),
        ("AUTO_REFUNDED", G::Refunded),
        ("NOT_FOUND", G::Other),
        ("AUTHORIZED", G::Pending),
        ("PARTIAL_CHARGED", G::Paid),
        ("TO_BE_CHARGED", G::Pending),
        ("DECLINED", G::Failed),
        ("ERROR", G::Failed),
        ("PENDING_AUTHENTICATION", G::Pending),
    ];

    const PENDING: [&str; 11] = [
        "CREATED",
        "NEW",
        "STARTED",
        "PENDING_VBV",
        "VBV_SUCCESSFUL",
        "AUTHORIZING",
        "PENDING_AUTHENTICATION",
        "TO_BE_CHARGED",
        "AUTHORIZED",
        "CAPTURE_INITIATED",
        "VOID_INITIATED",
    ];

    #[test]
    fn every_known_status_belongs_to_exactly_one_group() {
        for (status, expected) in EXPECTED {
            assert_eq!(group_of(status, 0, 1_000), expected, "{status}");
            let holders: Vec<_> = OrderGroup::ALL
                .into_iter()
                .filter(|group| statuses_in(*group).contains(&status))
                .collect();
            assert_eq!(holders, vec![expected], "{status}");
            // The juspay crate spells it the same way, so the filter matches stored rows.
            assert_eq!(OrderStatus::from(status).as_str(), status);
        }
        let listed: Vec<_> = OrderGroup::ALL.into_iter().flat_map(statuses_in).collect();
        assert_eq!(listed.len(), EXPECTED.len());
    }

    #[test]
    fn statuses_match_in_any_case_and_unknown_ones_are_other() {
        assert_eq!(group_of("charged", 0, 100), G::Paid);
        assert_eq!(group_of(" Pending_Vbv ", 0, 100), G::Pending);
        assert_eq!(group_of("SOMETHING_NEW", 0, 100), G::Other);
        assert_eq!(group_of("", 0, 100), G::Other);
        // The support playbook's words are not Juspay order statuses.
        assert_eq!(group_of("SUCCESS", 0, 100), G::Other);
        assert_eq!(group_of("CANCELLED", 0, 100), G::Other);
    }

    #[test]
    fn a_paid_order_is_refunded_only_once_refunds_cover_its_whole_amount() {
        assert_eq!(group_of("CHARGED", 0, 1_000), G::Paid);
        assert_eq!(group_of("CHARGED", 999, 1_000), G::Paid);
        assert_eq!(group_of("CHARGED", 1_000, 1_000), G::Refunded);
        assert_eq!(group_of("CHARGED", 1_200, 1_000), G::Refunded);
        assert_eq!(group_of("PARTIAL_CHARGED", 500, 500), G::Refunded);
        // A zero amount proves nothing.
        assert_eq!(group_of("CHARGED", 0, 0), G::Paid);
        // Refund amounts never turn an unpaid order into a refunded one.
        assert_eq!(group_of("AUTHORIZATION_FAILED", 1_000, 1_000), G::Failed);
        assert_eq!(group_of("VOIDED", 1_000, 1_000), G::Cancelled);
        assert_eq!(group_of("PENDING_VBV", 1_000, 1_000), G::Pending);
        assert_eq!(group_of("AUTO_REFUNDED", 0, 1_000), G::Refunded);
    }

    #[test]
    fn groups_have_lowercase_names_human_labels_and_serde_names() {
        assert_eq!(G::Paid.as_str(), "paid");
        assert_eq!(G::Cancelled.as_str(), "cancelled");
        assert_eq!(G::Refunded.label(), "Refunded");
        assert_eq!(G::parse(" Failed "), Some(G::Failed));
        assert_eq!(G::parse("nope"), None);
        assert_eq!(serde_json::to_string(&G::Pending).unwrap(), "\"pending\"");
        assert_eq!(
            serde_json::from_str::<OrderGroup>("\"other\"").unwrap(),
            G::Other
        );
        for group in OrderGroup::ALL {
            assert_eq!(G::parse(group.as_str()), Some(group));
        }
    }

    #[test]
    fn a_pending_payment_is_never_advised_as_failed() {
        for status in PENDING {
            for code in [
                None,
                Some("GATEWAY_TIMEOUT"),
                Some("DECLINED"),
                Some("INSUFFICIENT_FUNDS"),
            ] {
                let advice = guide_for(status, code, Some("Transaction failed"));
                assert_eq!(advice.group, G::Pending, "{status} {code:?}");
                let action = advice.action.to_lowercase();
                assert!(action.contains("do not fulfil") || action.contains("capture"));
                for failure_advice in ["different card", "another payment method", "try again"] {
                    assert!(
                        !action.contains(failure_advice),
                        "{status} {code:?}: {action}"
                    );
                }
            }
        }
        let upi = guide_for("PENDING_VBV", None, None);
        assert!(
            upi.action
                .contains("do not tell the customer the payment failed")
        );
        assert!(upi.action.contains("sync the order status"));
    }

    #[test]
    fn each_error_code_of_the_playbook_has_its_own_advice() {
        let expected = [
            ("DECLINED", "declined", "different card or payment method"),
            ("INSUFFICIENT_FUNDS", "enough balance", "add funds"),
            ("EXPIRED_CARD", "expiry date has passed", "valid card"),
            ("INVALID_CVV", "CVV", "correct CVV"),
            ("3D_SECURE_FAILED", "3-D Secure", "re-enter the OTP"),
            (
                "GATEWAY_TIMEOUT",
                "did not answer in time",
                "not charged twice",
            ),
            (
                "DUPLICATE_TRANSACTION",
                "sent twice",
                "already has a successful payment",
            ),
        ];
        let mut actions = Vec::new();
        for (code, meaning, action) in expected {
            let advice = guide_for("AUTHORIZATION_FAILED", Some(code), None);
            assert_eq!(advice.group, G::Failed);
            assert!(advice.meaning.contains(meaning), "{code}: {advice:?}");
            assert!(advice.meaning.contains(code), "{code}: {advice:?}");
            assert!(advice.action.contains(action), "{code}: {advice:?}");
            actions.push(advice.action);
        }
        actions.sort();
        actions.dedup();
        assert_eq!(actions.len(), expected.len(), "two codes share an action");
    }

    #[test]
    fn codes_match_in_any_case_and_with_surrounding_spaces() {
        let exact = guide_for("AUTHORIZATION_FAILED", Some("INSUFFICIENT_FUNDS"), None);
        let loose = guide_for("authorization_failed", Some(" insufficient_funds "), None);
        assert_eq!(loose.action, exact.action);
        assert!(loose.action.contains("add funds"));
    }

    #[test]
    fn juspay_statuses_and_documented_codes_get_the_playbook_advice_they_correspond_to() {
        // AUTHENTICATION_FAILED is the support playbook's 3D_SECURE_FAILED, AUTHORIZATION_FAILED its DECLINED.
        assert!(
            guide_for("AUTHENTICATION_FAILED", None, None)
                .action
                .contains("re-enter the OTP")
        );
        assert!(
            guide_for("AUTHORIZATION_FAILED", None, None)
                .action
                .contains("different card or payment method")
        );
        assert!(
            guide_for("JUSPAY_DECLINED", Some("authentication_failed"), None)
                .action
                .contains("re-enter the OTP")
        );
        assert!(
            guide_for("JUSPAY_DECLINED", Some("DUPLICATE_REQUEST"), None)
                .action
                .contains("already has a successful payment")
        );
        let aborted = guide_for("AUTHENTICATION_FAILED", Some("USER_ABORTED"), None);
        assert_eq!(aborted.group, G::Failed);
        assert!(aborted.meaning.contains("left the payment page"));
        assert!(aborted.action.contains("start the payment again"));
        let mandate = guide_for(
            "JUSPAY_DECLINED",
            Some("JP_852"),
            Some("Mandate not active"),
        );
        assert!(mandate.meaning.contains("mandate was not active"));
        assert!(mandate.action.contains("mandate's status"));
    }

    #[test]
    fn an_unknown_code_falls_back_to_the_status_advice_and_names_the_code() {
        let plain = guide_for("AUTHORIZATION_FAILED", None, None);
        let unknown = guide_for(
            "AUTHORIZATION_FAILED",
            Some("XYZ_42"),
            Some("Do not honour"),
        );
        assert_eq!(unknown.group, G::Failed);
        assert_eq!(unknown.action, plain.action);
        assert!(unknown.meaning.starts_with(&plain.meaning));
        assert!(unknown.meaning.contains("XYZ_42"), "{unknown:?}");
        assert!(unknown.meaning.contains("Do not honour"), "{unknown:?}");
        let message_only = guide_for("AUTHORIZATION_FAILED", None, Some("Do not honour"));
        assert!(message_only.meaning.contains("Do not honour"));
        // Juspay sends empty strings for "no error" (§4.3 example).
        assert_eq!(
            guide_for("AUTHORIZATION_FAILED", Some(""), Some("  ")),
            plain
        );
    }

    #[test]
    fn a_code_on_an_order_that_did_not_fail_is_mentioned_but_not_acted_on() {
        let paid = guide_for("CHARGED", Some("DECLINED"), None);
        assert_eq!(paid.group, G::Paid);
        assert!(paid.action.starts_with("Fulfil the order"));
        assert!(paid.meaning.contains("DECLINED"));
        // A failed void is not a customer's card problem.
        let void_failed = guide_for("VOID_FAILED", Some("DECLINED"), None);
        assert!(void_failed.action.contains("void again"));
        assert!(!void_failed.action.contains("different card"));
        assert!(void_failed.meaning.contains("DECLINED"));
    }

    #[test]
    fn every_known_status_has_advice_of_its_own_group() {
        for (status, expected) in EXPECTED {
            let advice = guide_for(status, None, None);
            assert_eq!(advice.group, expected, "{status}");
            assert!(!advice.meaning.is_empty() && !advice.action.is_empty());
            assert!(!advice.meaning.contains(status), "{status} fell back");
        }
        assert!(
            guide_for("CHARGED", None, None)
                .action
                .starts_with("Fulfil")
        );
        assert!(
            guide_for("COD_INITIATED", None, None)
                .meaning
                .contains("cash on delivery")
        );
        assert!(
            guide_for("AUTHORIZED", None, None)
                .action
                .contains("Capture")
        );
        assert!(
            guide_for("VOIDED", None, None)
                .action
                .starts_with("Do not fulfil")
        );
        assert!(
            guide_for("AUTO_REFUNDED", None, None)
                .action
                .starts_with("Do not fulfil")
        );
        assert!(
            guide_for("NOT_FOUND", None, None)
                .meaning
                .contains("no order with this id")
        );
    }

    #[test]
    fn an_unknown_status_is_named_and_never_advised_to_fulfil() {
        let advice = guide_for("SOMETHING_NEW", Some("DECLINED"), None);
        assert_eq!(advice.group, G::Other);
        assert!(advice.meaning.contains("\"SOMETHING_NEW\""));
        assert!(advice.meaning.contains("DECLINED"));
        assert!(advice.action.starts_with("Do not fulfil"));
    }
}
