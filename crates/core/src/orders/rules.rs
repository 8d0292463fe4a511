//! The "no regression" rule for an order's status, and the amount check that gates marking
//! an order paid.
//!
//! Webhooks are retried and duplicated (§9.4) and race with status polls and the browser
//! redirect, so reports about one order arrive in any order. Storing "the last report wins"
//! would let a late `PENDING_VBV` undo a `CHARGED`. Instead every incoming status is judged
//! against the stored one by [`transition`] (refunds and mandates have their own rule in
//! their domain).
//!
//! Invariant: a terminal status is never replaced by an earlier one, by an unknown one, or by
//! a different outcome that no documented path leads to. The only backward step allowed is
//! the one §4.4 documents: a failed attempt (`*` rows) may be followed by a new attempt.
//!
//! Section numbers (§) refer to docs/juspay.md, the wire format as this project implements it.

use dashboard_status::{OrderStatus, Stage};

use crate::reports::{AmountMismatch, IgnoreReason, Transition};

/// Decides whether `incoming` may replace the stored order status `current`.
///
/// Rules, in the order they are checked:
/// 1. Equal statuses are [`Transition::Same`] (duplicate deliveries, §9.4).
/// 2. An unknown incoming status (`Other`) is applied only over a non-terminal stored status,
///    so a new Juspay status is shown rather than hidden, but never overrides an outcome.
/// 3. Over an unknown stored status, a known status is applied unless it is `NOT_FOUND`,
///    `CREATED` or `NEW`: once Juspay reported anything, the order is past those.
/// 4. Within one stage, a different status is applied only if the stage is not terminal
///    (§4.4 does not order the pending sub-states, so the latest report wins there);
///    two terminal statuses of one stage are [`IgnoreReason::Conflicting`].
/// 5. A status of an earlier stage is [`IgnoreReason::Stale`], except that after
///    `AUTHENTICATION_FAILED` or `AUTHORIZATION_FAILED` a new payment attempt is applied:
///    §4.4 marks exactly these two rows `*` ("a failed order can be retried with a new txn
///    on the same order"). `JUSPAY_DECLINED` and the undocumented `DECLINED`/`ERROR` carry
///    no `*`, so a pending report after them is treated as stale.
/// 6. A status of a later stage is applied, except out of a settled outcome: `CHARGED` and
///    `PARTIAL_CHARGED` may only become `AUTO_REFUNDED` ("charged then auto-refunded", §4.4
///    id 36). Nothing else follows a payment — refunds leave the order `CHARGED` (§4.4) and a
///    captured payment cannot be voided (§5.3: `VOIDED` follows `AUTHORIZED`).
///
/// Consequences worth knowing: a success always replaces a failed attempt (the failure can
/// only be the earlier report, since nothing but auto-refund follows a success); so does a
/// pre-auth hold (`AUTHORIZED`, `CAPTURE_INITIATED`, `VOID_INITIATED`), because it exists
/// only after an authorization, and no attempt failure follows an authorization — hiding a
/// hold behind a decline would leave money held that nobody captures or voids. A failed
/// capture or void may still end `CHARGED` or `VOIDED` (§5.3).
pub fn transition(current: &OrderStatus, incoming: &OrderStatus) -> Transition {
    if current == incoming {
        return Transition::Same;
    }
    let Some(to) = Stage::of(incoming) else {
        // Rule 2: `is_terminal` of an unknown stored status is false, matching rule 3.
        return if Stage::of(current).is_some_and(Stage::is_terminal) {
            Transition::Ignore(IgnoreReason::Unknown)
        } else {
            Transition::Apply
        };
    };
    let Some(from) = Stage::of(current) else {
        return if to > Stage::New {
            Transition::Apply
        } else {
            Transition::Ignore(IgnoreReason::Stale)
        };
    };
    if to == from {
        return if from.is_terminal() {
            Transition::Ignore(IgnoreReason::Conflicting)
        } else {
            Transition::Apply
        };
    }
    if to < from {
        return if is_new_attempt_after_failure(current, to) {
            Transition::Apply
        } else {
            Transition::Ignore(IgnoreReason::Stale)
        };
    }
    if from.is_settled() && !is_documented_follow_up(current, incoming) {
        return Transition::Ignore(IgnoreReason::Conflicting);
    }
    Transition::Apply
}

/// Shorthand for `transition(current, incoming).is_apply()`.
pub fn may_replace(current: &OrderStatus, incoming: &OrderStatus) -> bool {
    transition(current, incoming).is_apply()
}

/// §4.4 `*`: only these failures are documented as followed by a new txn on the same order.
fn is_new_attempt_after_failure(current: &OrderStatus, to: Stage) -> bool {
    matches!(
        current,
        OrderStatus::AuthenticationFailed | OrderStatus::AuthorizationFailed
    ) && to == Stage::Attempting
}

/// The only documented moves out of a settled outcome (§4.4 id 36).
fn is_documented_follow_up(current: &OrderStatus, incoming: &OrderStatus) -> bool {
    matches!(
        (current, incoming),
        (
            OrderStatus::Charged | OrderStatus::PartialCharged,
            OrderStatus::AutoRefunded
        )
    )
}

/// Confirms that Juspay's amount and currency equal ours before an order is marked paid
/// (a mismatch is flagged, never fulfilled).
///
/// Amounts are `i64` minor units. Compare against the order's `amount`, not
/// `effective_amount`, which is after offers (§4.3). Currency codes are compared
/// ignoring ASCII case and surrounding spaces; a blank code on either side is a mismatch,
/// because it cannot confirm anything.
pub fn check_amount(
    our_minor_units: i64,
    our_currency: &str,
    juspay_minor_units: i64,
    juspay_currency: &str,
) -> Result<(), AmountMismatch> {
    let (ours, theirs) = (our_currency.trim(), juspay_currency.trim());
    if ours.is_empty() || !ours.eq_ignore_ascii_case(theirs) {
        return Err(AmountMismatch::Currency {
            ours: our_currency.to_owned(),
            juspay: juspay_currency.to_owned(),
        });
    }
    if our_minor_units != juspay_minor_units {
        return Err(AmountMismatch::Amount {
            currency: ours.to_ascii_uppercase(),
            ours: our_minor_units,
            juspay: juspay_minor_units,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        mandates::rules::mandate_transition,
        refunds::rules::{may_replace_refund, refund_transition},
    };
    use OrderStatus as S;
    use dashboard_status::{MandateStatus, RefundStatus};

    /// Every status of §4.4 that the `juspay` crate knows, listed by hand so that the test
    /// does not depend on the code under test to enumerate them.
    fn known_statuses() -> Vec<OrderStatus> {
        vec![
            S::Created,
            S::New,
            S::Started,
            S::Charged,
            S::JuspayDeclined,
            S::PendingVbv,
            S::VbvSuccessful,
            S::AuthenticationFailed,
            S::AuthorizationFailed,
            S::Authorizing,
            S::CodInitiated,
            S::Voided,
            S::VoidInitiated,
            S::CaptureInitiated,
            S::CaptureFailed,
            S::VoidFailed,
            S::AutoRefunded,
            S::NotFound,
            S::Authorized,
            S::PartialCharged,
            S::ToBeCharged,
            S::Declined,
            S::Error,
            S::PendingAuthentication,
        ]
    }

    fn unknown_statuses() -> Vec<OrderStatus> {
        vec![S::from("SOMETHING_NEW"), S::from("PARTIALLY_REFUNDED")]
    }

    /// §4.4 "terminal?" = yes / yes*, plus the `?` rows the juspay crate treats as failures.
    const TERMINAL: [OrderStatus; 12] = [
        S::Charged,
        S::JuspayDeclined,
        S::AuthenticationFailed,
        S::AuthorizationFailed,
        S::CodInitiated,
        S::Voided,
        S::CaptureFailed,
        S::VoidFailed,
        S::AutoRefunded,
        S::PartialCharged,
        S::Declined,
        S::Error,
    ];

    /// Final outcomes of the whole order: paid, or money returned / hold released.
    const SETTLED: [OrderStatus; 5] = [
        S::Charged,
        S::PartialCharged,
        S::CodInitiated,
        S::Voided,
        S::AutoRefunded,
    ];

    /// The only documented moves out of a settled outcome: auto-refund after a charge (§4.4).
    const SETTLED_FOLLOW_UPS: [(OrderStatus, OrderStatus); 2] = [
        (S::Charged, S::AutoRefunded),
        (S::PartialCharged, S::AutoRefunded),
    ];

    /// Statuses of a payment attempt in progress (§4.4 "no" rows up to `AUTHORIZING`, and
    /// the `?` rows that are plainly not outcomes): what may follow a `*` failure.
    const NEW_ATTEMPT: [OrderStatus; 6] = [
        S::Started,
        S::PendingVbv,
        S::VbvSuccessful,
        S::Authorizing,
        S::ToBeCharged,
        S::PendingAuthentication,
    ];

    /// Non-terminal statuses of a pre-auth hold (§5.3): they exist only once an attempt was
    /// authorized, and no attempt failure (`*_FAILED`, `*DECLINED`, `ERROR`) follows an
    /// authorization — capture and void failures have their own statuses.
    const HOLD: [OrderStatus; 3] = [S::Authorized, S::CaptureInitiated, S::VoidInitiated];

    /// Terminal for one payment attempt, not for the order.
    const FAILED_ATTEMPT: [OrderStatus; 5] = [
        S::JuspayDeclined,
        S::AuthenticationFailed,
        S::AuthorizationFailed,
        S::Declined,
        S::Error,
    ];

    /// The `*` rows of §4.4.
    const RETRIABLE: [OrderStatus; 2] = [S::AuthenticationFailed, S::AuthorizationFailed];

    /// Before any payment attempt, in this order.
    const PRE_ATTEMPT: [OrderStatus; 3] = [S::NotFound, S::Created, S::New];

    const MONEY_COLLECTED: [OrderStatus; 2] = [S::Charged, S::PartialCharged];

    #[test]
    fn every_pair_of_known_statuses_obeys_the_no_regression_properties() {
        let mut all = known_statuses();
        all.extend(unknown_statuses());
        let mut checked = 0;
        for current in &all {
            for incoming in &all {
                let decision = transition(current, incoming);
                let applied = decision.is_apply();
                let pair = format!("{current} -> {incoming}: {decision:?}");
                checked += 1;

                // The same status is a no-op, never a write.
                assert_eq!(
                    decision == Transition::Same,
                    current == incoming,
                    "same status must be a no-op: {pair}"
                );
                // A settled outcome only moves along a documented follow-up.
                if SETTLED.contains(current) && current != incoming {
                    let documented =
                        SETTLED_FOLLOW_UPS.contains(&(current.clone(), incoming.clone()));
                    assert_eq!(applied, documented, "settled outcome changed: {pair}");
                }
                // A pending status never replaces a terminal one, except a new attempt after
                // a `*` failure, and a hold (which only a newer, authorized attempt can
                // produce) after a failed attempt.
                if TERMINAL.contains(current) && NEW_ATTEMPT.contains(incoming) {
                    let retry = RETRIABLE.contains(current);
                    assert_eq!(applied, retry, "attempt over terminal: {pair}");
                }
                if TERMINAL.contains(current) && HOLD.contains(incoming) {
                    let newer = FAILED_ATTEMPT.contains(current);
                    assert_eq!(applied, newer, "hold over terminal: {pair}");
                }
                // Unknown statuses never replace terminal ones, and do replace non-terminal
                // known ones (so a new Juspay status is visible).
                if matches!(incoming, S::Other(_)) && current != incoming {
                    let expected = !TERMINAL.contains(current);
                    assert_eq!(applied, expected, "unknown incoming: {pair}");
                }
                // Create-order statuses never replace anything learnt after them, and only
                // move forward among themselves.
                if let Some(to) = PRE_ATTEMPT.iter().position(|s| s == incoming) {
                    let expected = PRE_ATTEMPT
                        .iter()
                        .position(|s| s == current)
                        .is_some_and(|from| from < to);
                    assert_eq!(applied, expected, "pre-attempt status: {pair}");
                }
                // Collected money outranks a failure: the failure must be the older report.
                if FAILED_ATTEMPT.contains(current) && MONEY_COLLECTED.contains(incoming) {
                    assert!(applied, "success must replace failure: {pair}");
                }
                // Two distinct terminal statuses never replace each other in both directions,
                // so no pair of reports can flip-flop between outcomes.
                if TERMINAL.contains(current) && TERMINAL.contains(incoming) {
                    assert!(
                        !(applied && may_replace(incoming, current)),
                        "terminal statuses replace each other both ways: {pair}"
                    );
                }
                // Whatever Juspay reports replaces "order not found".
                if *current == S::NotFound && current != incoming {
                    assert!(applied, "over NOT_FOUND: {pair}");
                }
            }
        }
        assert_eq!(checked, all.len() * all.len());
        assert_eq!(all.len(), 26, "24 known statuses and 2 unknown ones");
    }

    #[test]
    fn each_step_of_a_documented_flow_is_applied() {
        // §13 state machine and §5.3 pre-auth capture / void.
        let flows: [&[OrderStatus]; 7] = [
            &[
                S::NotFound,
                S::Created,
                S::New,
                S::Started,
                S::PendingVbv,
                S::VbvSuccessful,
                S::Authorizing,
                S::Charged,
                S::AutoRefunded,
            ],
            &[S::New, S::PendingVbv, S::AuthenticationFailed],
            &[
                S::New,
                S::PendingVbv,
                S::AuthorizationFailed,
                S::PendingVbv,
                S::Charged,
            ],
            &[S::New, S::PendingVbv, S::JuspayDeclined],
            &[
                S::New,
                S::PendingVbv,
                S::Authorized,
                S::CaptureInitiated,
                S::PartialCharged,
            ],
            &[S::Authorized, S::VoidInitiated, S::VoidFailed, S::Voided],
            &[
                S::Authorized,
                S::CaptureInitiated,
                S::CaptureFailed,
                S::Charged,
            ],
        ];
        for flow in flows {
            for step in flow.windows(2) {
                assert_eq!(
                    transition(&step[0], &step[1]),
                    Transition::Apply,
                    "{} -> {}",
                    step[0],
                    step[1]
                );
            }
        }
    }

    #[test]
    fn a_late_pending_webhook_does_not_undo_a_charge() {
        assert_eq!(
            transition(&S::Charged, &S::PendingVbv),
            Transition::Ignore(IgnoreReason::Stale)
        );
        assert_eq!(
            transition(&S::Charged, &S::New),
            Transition::Ignore(IgnoreReason::Stale)
        );
    }

    #[test]
    fn a_stale_failure_after_a_charge_is_ignored_and_a_charge_after_a_failure_is_applied() {
        assert_eq!(
            transition(&S::Charged, &S::AuthorizationFailed),
            Transition::Ignore(IgnoreReason::Stale)
        );
        assert!(may_replace(&S::AuthorizationFailed, &S::Charged));
        assert!(may_replace(&S::JuspayDeclined, &S::Charged));
    }

    #[test]
    fn a_new_attempt_is_applied_only_after_the_failures_section_4_4_marks_retriable() {
        assert!(may_replace(&S::AuthenticationFailed, &S::PendingVbv));
        assert!(may_replace(&S::AuthorizationFailed, &S::Started));
        assert_eq!(
            transition(&S::JuspayDeclined, &S::PendingVbv),
            Transition::Ignore(IgnoreReason::Stale)
        );
        assert!(!may_replace(&S::AuthorizationFailed, &S::New));
        // Only a newer attempt can place a hold, whatever the failure was.
        assert!(may_replace(&S::JuspayDeclined, &S::Authorized));
    }

    #[test]
    fn a_charge_may_be_auto_refunded_but_never_voided() {
        assert!(may_replace(&S::Charged, &S::AutoRefunded));
        assert_eq!(
            transition(&S::Charged, &S::Voided),
            Transition::Ignore(IgnoreReason::Conflicting)
        );
        assert_eq!(
            transition(&S::CodInitiated, &S::AutoRefunded),
            Transition::Ignore(IgnoreReason::Conflicting)
        );
        assert_eq!(
            transition(&S::Charged, &S::PartialCharged),
            Transition::Ignore(IgnoreReason::Conflicting)
        );
    }

    #[test]
    fn pending_sub_states_follow_the_latest_report() {
        assert!(may_replace(&S::Authorizing, &S::PendingVbv));
        assert!(may_replace(&S::PendingVbv, &S::Authorizing));
        assert!(!may_replace(&S::Authorized, &S::PendingVbv));
    }

    #[test]
    fn an_unknown_status_shows_over_a_pending_one_but_never_over_an_outcome() {
        let unknown = S::from("SOMETHING_NEW");
        assert!(may_replace(&S::PendingVbv, &unknown));
        assert_eq!(
            transition(&S::Charged, &unknown),
            Transition::Ignore(IgnoreReason::Unknown)
        );
        assert_eq!(
            transition(&S::AuthorizationFailed, &unknown),
            Transition::Ignore(IgnoreReason::Unknown)
        );
    }

    #[test]
    fn a_known_status_replaces_an_unknown_one_unless_it_precedes_any_attempt() {
        let unknown = S::from("SOMETHING_NEW");
        assert!(may_replace(&unknown, &S::Charged));
        assert!(may_replace(&unknown, &S::PendingVbv));
        assert_eq!(
            transition(&unknown, &S::New),
            Transition::Ignore(IgnoreReason::Stale)
        );
        assert!(may_replace(&unknown, &S::from("ANOTHER_NEW_ONE")));
    }

    #[test]
    fn the_stage_terminal_flag_agrees_with_the_juspay_crate_and_section_4_4() {
        for status in known_statuses() {
            let stage = Stage::of(&status).unwrap();
            assert_eq!(stage.is_terminal(), status.is_terminal(), "{status}");
            assert_eq!(stage.is_terminal(), TERMINAL.contains(&status), "{status}");
            assert_eq!(stage.is_settled(), SETTLED.contains(&status), "{status}");
        }
        for status in unknown_statuses() {
            assert_eq!(Stage::of(&status), None);
        }
    }

    /// All refund statuses of §6.3, listed by hand, plus unknown ones.
    fn refund_statuses() -> Vec<RefundStatus> {
        vec![
            RefundStatus::Pending,
            RefundStatus::Success,
            RefundStatus::Failure,
            RefundStatus::ManualReview,
            RefundStatus::from("PG_PROCESSING"),
            RefundStatus::from("SOMETHING_NEW"),
        ]
    }

    #[test]
    fn every_pair_of_refund_statuses_obeys_the_no_regression_properties() {
        let outcomes = [RefundStatus::Success, RefundStatus::Failure];
        for current in refund_statuses() {
            for incoming in refund_statuses() {
                let decision = refund_transition(&current, &incoming);
                let applied = decision.is_apply();
                let pair = format!("{current} -> {incoming}: {decision:?}");
                assert_eq!(decision == Transition::Same, current == incoming, "{pair}");
                // An outcome is final: nothing else replaces it.
                if outcomes.contains(&current) && current != incoming {
                    assert!(!applied, "refund outcome changed: {pair}");
                }
                // PENDING is the first status and never comes back over anything.
                if incoming == RefundStatus::Pending && current != incoming {
                    assert!(!applied, "refund went back to pending: {pair}");
                }
                // A pending refund moves to any outcome or to manual review.
                if current == RefundStatus::Pending && current != incoming {
                    assert!(applied, "pending refund not resolved: {pair}");
                }
                // Manual review is resolved by an outcome.
                if current == RefundStatus::ManualReview && outcomes.contains(&incoming) {
                    assert!(applied, "manual review not resolved: {pair}");
                }
            }
        }
    }

    #[test]
    fn a_refund_outcome_never_flips_or_returns_to_pending() {
        use RefundStatus as R;
        assert_eq!(
            refund_transition(&R::Success, &R::Failure),
            Transition::Ignore(IgnoreReason::Conflicting)
        );
        assert_eq!(
            refund_transition(&R::Failure, &R::Pending),
            Transition::Ignore(IgnoreReason::Stale)
        );
        assert_eq!(
            refund_transition(&R::ManualReview, &R::Pending),
            Transition::Ignore(IgnoreReason::Stale)
        );
        assert_eq!(
            refund_transition(&R::Success, &R::from("PG_PROCESSING")),
            Transition::Ignore(IgnoreReason::Unknown)
        );
        assert!(may_replace_refund(&R::Pending, &R::ManualReview));
        assert!(may_replace_refund(&R::ManualReview, &R::Success));
        assert!(may_replace_refund(&R::from("PG_PROCESSING"), &R::Success));
        assert!(!may_replace_refund(&R::from("PG_PROCESSING"), &R::Pending));
    }

    #[test]
    fn matching_amount_and_currency_confirm_the_payment() {
        assert_eq!(check_amount(10_050, "INR", 10_050, "INR"), Ok(()));
        assert_eq!(check_amount(10_050, "INR", 10_050, " inr "), Ok(()));
    }

    #[test]
    fn a_different_amount_is_reported_with_both_values() {
        let mismatch = check_amount(10_050, "INR", 10_000, "INR").unwrap_err();
        assert_eq!(
            mismatch,
            AmountMismatch::Amount {
                currency: "INR".to_owned(),
                ours: 10_050,
                juspay: 10_000
            }
        );
        assert_eq!(
            mismatch.to_string(),
            "amount mismatch in INR: ours 10050 minor units, Juspay's 10000"
        );
    }

    #[test]
    fn a_different_or_blank_currency_is_reported_before_the_amount() {
        assert_eq!(
            check_amount(100, "INR", 200, "USD"),
            Err(AmountMismatch::Currency {
                ours: "INR".to_owned(),
                juspay: "USD".to_owned()
            })
        );
        assert!(matches!(
            check_amount(100, "INR", 100, ""),
            Err(AmountMismatch::Currency { .. })
        ));
        assert!(matches!(
            check_amount(100, "", 100, ""),
            Err(AmountMismatch::Currency { .. })
        ));
    }

    #[test]
    fn a_mandate_outcome_is_never_replaced() {
        use MandateStatus as M;
        for terminal in [M::Revoked, M::Failure, M::Expired] {
            for incoming in [
                M::Created,
                M::Active,
                M::Paused,
                M::Revoked,
                M::Failure,
                M::Expired,
            ] {
                let verdict = mandate_transition(&terminal, Some(1), &incoming, Some(2));
                if incoming == terminal {
                    assert_eq!(verdict, Transition::Same);
                } else {
                    assert_eq!(
                        verdict,
                        Transition::Ignore(IgnoreReason::Conflicting),
                        "{terminal} -> {incoming}"
                    );
                }
            }
            assert_eq!(
                mandate_transition(&terminal, None, &M::Other("X".into()), None),
                Transition::Ignore(IgnoreReason::Unknown)
            );
        }
    }

    #[test]
    fn a_mandate_pauses_and_resumes_but_a_late_report_is_stale() {
        use MandateStatus as M;
        assert!(mandate_transition(&M::Created, None, &M::Active, None).is_apply());
        assert!(mandate_transition(&M::Active, Some(10), &M::Paused, Some(20)).is_apply());
        assert!(mandate_transition(&M::Paused, Some(20), &M::Active, Some(30)).is_apply());
        assert!(mandate_transition(&M::Active, Some(10), &M::Revoked, None).is_apply());
        assert_eq!(
            mandate_transition(&M::Paused, Some(20), &M::Active, Some(15)),
            Transition::Ignore(IgnoreReason::Stale)
        );
        assert_eq!(
            mandate_transition(&M::Active, None, &M::Created, None),
            Transition::Ignore(IgnoreReason::Stale)
        );
    }
}
