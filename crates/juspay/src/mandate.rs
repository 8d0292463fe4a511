//! Mandates (§7): registration parameters, `POST /mandates/{id}` commands, the mandate
//! object (order block §7.2, webhook `content.mandate` §9.1) and pre-debit notifications.
//!
//! Invariant: dates are UNIX epoch seconds (sent as text, kept as text when read) and
//! amounts are minor units, formatted with two decimals on the way out.
//!
//! Section numbers (§) refer to docs/juspay.md, the wire format as this project implements it.

use serde::Deserialize;

use crate::encoding::{Fields, push, push_opt};
use crate::lenient;
use crate::money::{Amount, opt_amount};
pub use dashboard_status::MandateStatus;
use dashboard_status::OrderStatus;

wire_enum! {
    /// Pre-debit notification status (§7.2).
    NotificationStatus {
        Created => "CREATED",
        Pending => "PENDING",
        Success => "SUCCESS",
        Failure => "FAILURE",
    }
}

impl NotificationStatus {
    /// `SUCCESS` and `FAILURE` are final.
    pub fn is_terminal(&self) -> bool {
        matches!(self, Self::Success | Self::Failure)
    }
}

wire_enum! {
    /// `mandate.amount_rule` (§7.1).
    AmountRule {
        Fixed => "FIXED",
        Variable => "VARIABLE",
    }
}

/// `options.create_mandate` (§7.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MandateOption {
    /// Only mandate-capable instruments are offered.
    Required,
    /// The customer may opt in.
    Optional,
}

impl MandateOption {
    fn as_str(self) -> &'static str {
        match self {
            Self::Required => "REQUIRED",
            Self::Optional => "OPTIONAL",
        }
    }
}

/// Mandate registration parameters for `/orders`, `/session` or `/txns` (§7.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MandateRegistration {
    pub option: MandateOption,
    /// Required for `VARIABLE` mandates.
    pub max_amount: Option<Amount>,
    pub amount_rule: Option<AmountRule>,
    /// `ONETIME`, `DAILY`, `WEEKLY`, `MONTHLY`, `ASPRESENTED`, …
    pub frequency: Option<String>,
    /// `ON`, `BEFORE` or `AFTER`.
    pub rule_type: Option<String>,
    pub rule_value: Option<u32>,
    /// Epoch seconds (UTC).
    pub start_date: Option<i64>,
    /// Epoch seconds (UTC).
    pub end_date: Option<i64>,
    pub revokable_by_customer: Option<bool>,
    pub block_funds: Option<bool>,
    pub description: Option<String>,
}

impl MandateRegistration {
    /// A registration with only `options.create_mandate` set.
    pub fn new(option: MandateOption) -> Self {
        Self {
            option,
            max_amount: None,
            amount_rule: None,
            frequency: None,
            rule_type: None,
            rule_value: None,
            start_date: None,
            end_date: None,
            revokable_by_customer: None,
            block_funds: None,
            description: None,
        }
    }

    /// Appends the dotted fields; `prefix` is `""` or `"order."` for `/txns` (§7.1).
    pub(crate) fn push_fields(&self, prefix: &str, fields: &mut Fields) {
        let key = |name: &str| format!("{prefix}{name}");
        push(fields, &key("options.create_mandate"), self.option.as_str());
        let max_amount = self.max_amount.map(Amount::to_major_string);
        push_opt(fields, &key("mandate.max_amount"), max_amount.as_deref());
        push_opt(
            fields,
            &key("mandate.amount_rule"),
            self.amount_rule.as_ref().map(AmountRule::as_str),
        );
        push_opt(fields, &key("mandate.frequency"), self.frequency.as_deref());
        push_opt(fields, &key("mandate.rule_type"), self.rule_type.as_deref());
        let numbers = [
            ("mandate.rule_value", self.rule_value.map(i64::from)),
            ("mandate.start_date", self.start_date),
            ("mandate.end_date", self.end_date),
        ];
        for (name, value) in numbers {
            if let Some(value) = value {
                push(fields, &key(name), value.to_string());
            }
        }
        let flags = [
            ("mandate.revokable_by_customer", self.revokable_by_customer),
            ("mandate.block_funds", self.block_funds),
        ];
        for (name, value) in flags {
            if let Some(value) = value {
                push(fields, &key(name), value.to_string());
            }
        }
        push_opt(
            fields,
            &key("mandate.description"),
            self.description.as_deref(),
        );
    }
}

/// A `command` for `POST /mandates/{mandate_id}` with its parameters (§7.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MandateCommand {
    Revoke,
    /// Only for ACTIVE mandates; dates in epoch seconds.
    Pause {
        start_date: i64,
        end_date: i64,
    },
    /// Only for PAUSED mandates; epoch seconds.
    Resume {
        resume_date: i64,
    },
    /// May sync with the payment gateway.
    CheckStatus,
    /// Decoupled pre-debit notification; `object_reference_id` is the merchant's unique id
    /// (≤ 25 alphanumerics) later used with `GET /notifications/{id}`.
    PreDebitNotify {
        object_reference_id: String,
        amount: Amount,
        /// Planned debit date, epoch seconds.
        txn_date: i64,
        description: Option<String>,
    },
    /// Cancels a scheduled execution for `order_id`.
    CancelRecurringTransaction {
        order_id: String,
    },
}

impl MandateCommand {
    /// The `command` form value.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Revoke => "revoke",
            Self::Pause { .. } => "pause",
            Self::Resume { .. } => "resume",
            Self::CheckStatus => "check_status",
            Self::PreDebitNotify { .. } => "pre_debit_notify",
            Self::CancelRecurringTransaction { .. } => "cancel_recurring_transaction",
        }
    }

    pub(crate) fn to_fields(&self) -> Fields {
        let mut fields = Fields::new();
        push(&mut fields, "command", self.name());
        match self {
            Self::Revoke | Self::CheckStatus => {}
            Self::Pause {
                start_date,
                end_date,
            } => {
                push(&mut fields, "pause_start_date", start_date.to_string());
                push(&mut fields, "pause_end_date", end_date.to_string());
            }
            Self::Resume { resume_date } => {
                push(&mut fields, "resume_date", resume_date.to_string());
            }
            Self::PreDebitNotify {
                object_reference_id,
                amount,
                txn_date,
                description,
            } => {
                push(
                    &mut fields,
                    "object_reference_id",
                    object_reference_id.as_str(),
                );
                // §7.3: source_info is a JSON *string* inside the form body.
                let source_info = serde_json::json!({
                    "amount": amount.to_major_string(),
                    "txn_date": txn_date.to_string(),
                });
                push(&mut fields, "source_info", source_info.to_string());
                push_opt(&mut fields, "description", description.as_deref());
            }
            Self::CancelRecurringTransaction { order_id } => {
                push(&mut fields, "order_id", order_id.as_str());
            }
        }
        fields
    }
}

/// A mandate as found in order status (§7.2), command answers and `content.mandate`
/// webhooks (§9.1), which name the status `status` instead of `mandate_status`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Mandate {
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub mandate_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub mandate_token: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_from_text")]
    pub mandate_status: Option<MandateStatus>,
    #[serde(default, deserialize_with = "lenient::opt_from_text")]
    pub status: Option<MandateStatus>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub mandate_type: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub order_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub customer_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub frequency: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_from_text")]
    pub amount_rule: Option<AmountRule>,
    #[serde(default, deserialize_with = "opt_amount")]
    pub max_amount: Option<Amount>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub currency: Option<String>,
    /// Epoch seconds as text.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub start_date: Option<String>,
    /// Epoch seconds as text.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub end_date: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub rule_type: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub rule_value: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub revokable_by_customer: Option<bool>,
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub block_fund: Option<bool>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub activated_at: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub last_activated_at: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub pause_start_date: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub pause_end_date: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_json")]
    pub payment_info: Option<serde_json::Value>,
}

impl Mandate {
    /// The status under whichever key this payload used.
    pub fn resolved_status(&self) -> Option<&MandateStatus> {
        self.mandate_status.as_ref().or(self.status.as_ref())
    }
}

/// `GET /customers/{customer_id}/mandates` envelope (§7.3; keys inferred, open question 8).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct MandateList {
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub total: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub count: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub offset: Option<i64>,
    #[serde(default, deserialize_with = "lenient::list")]
    pub list: Vec<Mandate>,
}

/// A pre-debit notification (§7.3), also `content.notification` in webhooks (§9.1).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Notification {
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub object_reference_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub provider_name: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub notification_type: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_from_text")]
    pub status: Option<NotificationStatus>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub date_created: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub last_updated: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub source_object: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub source_object_id: Option<String>,
    /// `{"amount": …, "txn_date": …}`; sent as a JSON string, parsed when possible.
    #[serde(default, deserialize_with = "lenient::opt_json")]
    pub source_info: Option<serde_json::Value>,
    #[serde(default, deserialize_with = "lenient::opt_object")]
    pub mandate: Option<Mandate>,
    #[serde(default, deserialize_with = "lenient::opt_json")]
    pub provider_response: Option<serde_json::Value>,
}

/// Answer of `command=cancel_recurring_transaction` (§7.3).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct RecurringCancellation {
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub order_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub txn_uuid: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_from_text")]
    pub txn_status: Option<OrderStatus>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub response_message: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn value_of<'a>(fields: &'a Fields, key: &str) -> Option<&'a str> {
        fields
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn the_order_block_mandate_is_read_with_its_status_key() {
        let mandate: Mandate =
            serde_json::from_value(json!({"mandate_id":"3XMEcS1z2212Gq7fbfVYbzj",
            "mandate_status":"ACTIVE","max_amount":1000,"start_date":"1598745600",
            "rule_value":30,"revokable_by_customer":true,"block_fund":false}))
            .unwrap();
        assert_eq!(mandate.resolved_status(), Some(&MandateStatus::Active));
        assert_eq!(mandate.max_amount, Some(Amount::from_minor(100_000, "INR")));
        assert_eq!(mandate.rule_value, Some(30));
    }

    #[test]
    fn the_webhook_mandate_uses_status_and_string_typed_values() {
        let mandate: Mandate =
            serde_json::from_value(json!({"status":"REVOKED","max_amount":"2500.00",
            "revokable_by_customer":"true","amount_rule":"VARIABLE","unknown":[1]}))
            .unwrap();
        let status = mandate.resolved_status().unwrap();
        assert!(status.is_terminal() && !status.is_active());
        assert_eq!(mandate.max_amount, Some(Amount::from_minor(250_000, "INR")));
        assert_eq!(mandate.revokable_by_customer, Some(true));
        assert_eq!(mandate.amount_rule, Some(AmountRule::Variable));
    }

    #[test]
    fn pause_sends_both_dates_as_epoch_seconds() {
        let fields = MandateCommand::Pause {
            start_date: 1_700_000_000,
            end_date: 1_700_086_400,
        }
        .to_fields();
        assert_eq!(value_of(&fields, "command"), Some("pause"));
        assert_eq!(value_of(&fields, "pause_start_date"), Some("1700000000"));
        assert_eq!(value_of(&fields, "pause_end_date"), Some("1700086400"));
    }

    #[test]
    fn pre_debit_notify_sends_source_info_as_a_json_string() {
        let fields = MandateCommand::PreDebitNotify {
            object_reference_id: "pdn001".to_owned(),
            amount: Amount::from_minor(49_900, "INR"),
            txn_date: 1_700_000_000,
            description: None,
        }
        .to_fields();
        let info: serde_json::Value =
            serde_json::from_str(value_of(&fields, "source_info").unwrap()).unwrap();
        assert_eq!(info, json!({"amount": "499.00", "txn_date": "1700000000"}));
        assert_eq!(value_of(&fields, "description"), None);
    }

    #[test]
    fn every_command_sends_its_documented_name() {
        let names: Vec<&str> = [
            MandateCommand::Revoke,
            MandateCommand::Resume { resume_date: 1 },
            MandateCommand::CheckStatus,
            MandateCommand::CancelRecurringTransaction {
                order_id: "o".to_owned(),
            },
        ]
        .iter()
        .map(MandateCommand::name)
        .collect();
        assert_eq!(
            names,
            [
                "revoke",
                "resume",
                "check_status",
                "cancel_recurring_transaction"
            ]
        );
    }

    #[test]
    fn registration_fields_can_carry_the_order_prefix_for_txns() {
        let mut registration = MandateRegistration::new(MandateOption::Required);
        registration.max_amount = Some(Amount::from_minor(100_000, "INR"));
        registration.start_date = Some(1_598_745_600);
        let mut fields = Fields::new();
        registration.push_fields("order.", &mut fields);
        assert_eq!(
            value_of(&fields, "order.options.create_mandate"),
            Some("REQUIRED")
        );
        assert_eq!(
            value_of(&fields, "order.mandate.max_amount"),
            Some("1000.00")
        );
        assert_eq!(
            value_of(&fields, "order.mandate.start_date"),
            Some("1598745600")
        );
        assert_eq!(value_of(&fields, "order.mandate.frequency"), None);
    }

    #[test]
    fn a_notification_with_epoch_strings_and_json_string_source_info_is_read() {
        let notification: Notification = serde_json::from_value(json!({"id":"nt_1",
            "object_reference_id":"pdn001","status":"SUCCESS","date_created":"1700000000",
            "source_info":"{\"amount\":\"499.00\",\"txn_date\":\"1700090000\"}",
            "mandate":{"mandate_id":"m1"}}))
        .unwrap();
        assert_eq!(notification.status, Some(NotificationStatus::Success));
        assert_eq!(notification.source_info.unwrap()["amount"], "499.00");
        assert_eq!(
            notification.mandate.and_then(|m| m.mandate_id).as_deref(),
            Some("m1")
        );
    }
}
