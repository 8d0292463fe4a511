//! Fuzzing the doors deliveries come in by, with generated inputs (see the testkit's
//! `fuzz` module): a Juspay webhook body is always stored, as pending or as a parse error
//! with its reason; a JPSL callback is read or refused with a reason, and its `secureHash`
//! holds exactly for the fields it was made from; every stored body is processed to a
//! final outcome, with the reason when nothing was applied. No input may panic.
//! `PROPTEST_CASES` (and `FUZZ_CASES` for the processor) set how many; `scripts/fuzz`
//! runs each door 100 000 times.

use dashboard_status::Outcome;
use dashboard_testkit::fuzz;
use proptest::prelude::*;
use secrecy::SecretString;
use serde_json::{Value, json};

use super::{
    ingest::describe,
    jpsl::{self, Fields},
    processing::Processor,
};
use crate::config::ProcessorConfig;

/// A full Juspay order event: order, transaction, refund and gateway blocks to mutate.
fn juspay_sample() -> Value {
    json!({
        "id": "evt_fuzz",
        "event_name": "ORDER_SUCCEEDED",
        "date_created": "2026-11-23T07:00:00Z",
        "content": {"order": {
            "order_id": "ord_fuzz", "id": "ordeh_1", "status": "CHARGED", "status_id": 21,
            "amount": "100.00", "currency": "INR", "amount_refunded": 0,
            "customer_email": "a@example.com", "customer_phone": "9999999999",
            "payment_method_type": "UPI", "payment_method": "UPI", "gateway_id": 19,
            "txn_detail": {"txn_id": "t1", "txn_uuid": "u1", "status": "CHARGED", "gateway": "RAZORPAY"},
            "payment_gateway_response": {"rrn": "123", "epg_txn_id": "p1", "resp_code": "00"},
            "refunds": [{"id": "r1", "unique_request_id": "q1", "status": "SUCCESS", "amount": 10.0,
                         "initiated_by": "merchant"}],
        }},
    })
}

fn jpsl_sample() -> Value {
    json!({
        "merchantId": "JP1", "orderId": "ord_fuzz", "status": "SUCCESS", "amount": "100.00",
        "TransmissionDateTime": "20261123070000", "secureHash": "00",
    })
}

const JPSL_FIELDS: &[&str] = &[
    "merchantId",
    "orderId",
    "status",
    "amount",
    "TransmissionDateTime",
    "secureHash",
    "txnRefNo",
    "responseCode",
];

fn secret() -> SecretString {
    SecretString::from("fuzz secret for the callbacks")
}

proptest! {
    #[test]
    fn any_juspay_body_is_stored_pending_or_as_a_parse_error_with_its_reason(
        body in fuzz::body(juspay_sample())
    ) {
        let event = describe(&[("content-type".into(), "application/json".into())], &body, 1_000);
        prop_assert!(matches!(event.outcome, Outcome::Pending | Outcome::ParseError));
        if event.outcome == Outcome::ParseError {
            prop_assert!(event.outcome_detail.is_some_and(|d| !d.is_empty()));
        }
        prop_assert!(!event.dedup_key.is_empty());
        prop_assert_eq!(event.body, body, "the raw body is kept byte for byte");
    }

    #[test]
    fn any_jpsl_callback_is_read_or_refused_with_a_reason(
        content_type in prop_oneof![
            Just("application/json".to_owned()),
            Just("application/x-www-form-urlencoded".to_owned()),
            "\\PC{0,30}",
        ],
        body in prop_oneof![
            fuzz::body(jpsl_sample()),
            fuzz::form(JPSL_FIELDS).prop_map(String::into_bytes),
        ],
    ) {
        match jpsl::parse_callback(&content_type, &body) {
            Ok(fields) => {
                if let Err(e) = jpsl::verify(&fields, &secret()) {
                    prop_assert!(!e.to_string().is_empty());
                }
                let _ = (jpsl::status_of(&fields), jpsl::report_of(&fields), jpsl::order_id_of(&fields));
                prop_assert!(!jpsl::dedup_key(&fields).is_empty());
            }
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
    }

    #[test]
    fn a_secure_hash_holds_for_its_fields_and_fails_when_one_value_changes(
        pairs in prop::collection::btree_map(fuzz::key(), "[ -~]{1,16}", 1..8),
        pick in any::<prop::sample::Index>(),
    ) {
        let mut fields: Fields = pairs.into_iter().map(|(k, v)| (k, Value::String(v))).collect();
        fields.remove("secureHash");
        prop_assume!(!fields.is_empty());
        let hash = jpsl::secure_hash(&fields, &secret());
        fields.insert("secureHash".into(), Value::String(hash));
        prop_assert_eq!(jpsl::verify(&fields, &secret()), Ok(true));
        let keys: Vec<String> = fields.keys().filter(|k| *k != "secureHash").cloned().collect();
        let key = pick.get(&keys).clone();
        if let Some(Value::String(value)) = fields.get_mut(&key) {
            value.push('x');
        }
        prop_assert_eq!(jpsl::verify(&fields, &secret()), Ok(false));
    }

    #[test]
    fn any_return_query_is_verified_or_refused_and_a_signed_one_holds_until_changed(
        query in fuzz::form(&["order_id", "status", "status_id", "signature", "signature_algorithm"]),
        values in prop::collection::vec("[ -~]{0,12}", 1..5),
    ) {
        let key = secret();
        let _ = juspay::verify_return_query(&query, &key);
        let mut params: Vec<(String, String)> = values
            .into_iter()
            .enumerate()
            .map(|(i, v)| (format!("field_{i}"), v))
            .collect();
        params.push(("order_id".into(), "ord_fuzz".into()));
        let signature = juspay::sign_return_params(&params, &key, juspay::PercentEncoding::ALL[0]);
        let mut signed = params.clone();
        signed.push(("signature_algorithm".into(), "HMAC-SHA256".into()));
        signed.push(("signature".into(), signature));
        prop_assert!(juspay::verify_return_params(&signed, &key).is_ok());
        signed[0].1.push('x');
        prop_assert!(juspay::verify_return_params(&signed, &key).is_err());
    }
}

crate::test_on_both_backends! {
    async fn every_generated_body_is_processed_to_a_final_outcome_with_a_reason(db) {
        let store = db.store();
        let bodies = fuzz::draw(&fuzz::body(juspay_sample()), fuzz::cases(150));
        let mut ids = Vec::new();
        for (i, body) in bodies.iter().enumerate() {
            let mut event = describe(&[], body, 1_000 + i as i64);
            // Distinct keys, so every body is processed rather than counted as a repeat.
            event.dedup_key = format!("fuzz:{i}");
            ids.push(store.insert_webhook_event(&event).await.unwrap().id);
        }
        let processor = Processor::new(
            store.clone(),
            ProcessorConfig { enabled: true, max_attempts: 3, retry_base_seconds: 1, ready_max_backlog: 100, workers: 1 },
        );
        while processor.process_due().await.unwrap() > 0 {}
        for id in ids {
            let event = store.find_webhook_event(id).await.unwrap().unwrap();
            assert!(
                !matches!(event.outcome, Outcome::Pending | Outcome::Failed | Outcome::Other(_)),
                "event {id} ended {:?}: {:?}", event.outcome, event.outcome_detail,
            );
            if event.outcome.needs_attention() || event.outcome == Outcome::Ignored {
                assert!(event.outcome_detail.is_some_and(|d| !d.is_empty()), "event {id} has no reason");
            }
        }
    }
}
