//! Orders and sessions: request builders for §4.1, §4.2, §4.5 and the order object of §4.3.
//!
//! Invariant: requests are flattened to dotted keys with amounts formatted as two-decimal
//! major units; responses are read with the lenient decoders, so every field is optional.
//!
//! Section numbers (§) refer to docs/juspay.md, the wire format as this project implements it.

use serde::{Deserialize, Deserializer};

use crate::encoding::{Fields, push, push_opt};
use crate::lenient;
use crate::mandate::{Mandate, MandateRegistration};
use crate::money::{Amount, opt_amount};
use crate::refund::Refund;
use dashboard_status::OrderStatus;

/// Body of `POST /orders` (§4.1).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CreateOrderRequest {
    pub order_id: String,
    pub amount: Amount,
    pub currency: Option<String>,
    pub customer_id: Option<String>,
    pub customer_email: Option<String>,
    pub customer_phone: Option<String>,
    pub description: Option<String>,
    pub product_id: Option<String>,
    pub return_url: Option<String>,
    /// `options.get_client_auth_token=true`: the response carries `juspay.client_auth_token`.
    pub get_client_auth_token: bool,
    /// Per-order webhook override, sent as `metadata.webhook_url`.
    pub webhook_url: Option<String>,
    /// Mandate registration parameters (§7.1).
    pub mandate: Option<MandateRegistration>,
    /// Further flat fields passed through verbatim, e.g. `udf1` or
    /// `metadata.RAZORPAY:gateway_reference_id`.
    pub extra: Vec<(String, String)>,
}

impl CreateOrderRequest {
    /// A request with the two required fields.
    pub fn new(order_id: impl Into<String>, amount: Amount) -> Self {
        Self {
            order_id: order_id.into(),
            amount,
            ..Self::default()
        }
    }

    pub(crate) fn to_fields(&self) -> Fields {
        let mut fields = Fields::new();
        push(&mut fields, "order_id", self.order_id.as_str());
        push(&mut fields, "amount", self.amount.to_major_string());
        push_opt(&mut fields, "currency", self.currency.as_deref());
        push_opt(&mut fields, "customer_id", self.customer_id.as_deref());
        push_opt(
            &mut fields,
            "customer_email",
            self.customer_email.as_deref(),
        );
        push_opt(
            &mut fields,
            "customer_phone",
            self.customer_phone.as_deref(),
        );
        push_opt(&mut fields, "description", self.description.as_deref());
        push_opt(&mut fields, "product_id", self.product_id.as_deref());
        push_opt(&mut fields, "return_url", self.return_url.as_deref());
        if self.get_client_auth_token {
            push(&mut fields, "options.get_client_auth_token", "true");
        }
        push_opt(
            &mut fields,
            "metadata.webhook_url",
            self.webhook_url.as_deref(),
        );
        if let Some(mandate) = &self.mandate {
            mandate.push_fields("", &mut fields);
        }
        fields.extend(self.extra.iter().cloned());
        fields
    }
}

/// Body of `POST /session` (§4.2), sent as JSON with literal dotted keys.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionRequest {
    pub order_id: String,
    pub amount: Amount,
    pub currency: Option<String>,
    pub customer_id: Option<String>,
    pub customer_email: Option<String>,
    pub customer_phone: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub description: Option<String>,
    pub payment_page_client_id: String,
    /// `paymentPage` when unset.
    pub action: Option<String>,
    pub return_url: Option<String>,
    pub webhook_url: Option<String>,
    pub mandate: Option<MandateRegistration>,
    pub extra: Vec<(String, String)>,
}

impl SessionRequest {
    /// A request with the required fields.
    pub fn new(
        order_id: impl Into<String>,
        amount: Amount,
        payment_page_client_id: impl Into<String>,
    ) -> Self {
        Self {
            order_id: order_id.into(),
            amount,
            payment_page_client_id: payment_page_client_id.into(),
            ..Self::default()
        }
    }

    pub(crate) fn to_fields(&self) -> Fields {
        let mut fields = Fields::new();
        push(&mut fields, "order_id", self.order_id.as_str());
        push(&mut fields, "amount", self.amount.to_major_string());
        push_opt(&mut fields, "currency", self.currency.as_deref());
        // §4.2: customer_id is expected; guests send "".
        push(
            &mut fields,
            "customer_id",
            self.customer_id.as_deref().unwrap_or(""),
        );
        push_opt(
            &mut fields,
            "customer_email",
            self.customer_email.as_deref(),
        );
        push_opt(
            &mut fields,
            "customer_phone",
            self.customer_phone.as_deref(),
        );
        push_opt(&mut fields, "first_name", self.first_name.as_deref());
        push_opt(&mut fields, "last_name", self.last_name.as_deref());
        push_opt(&mut fields, "description", self.description.as_deref());
        push(
            &mut fields,
            "payment_page_client_id",
            self.payment_page_client_id.as_str(),
        );
        push(
            &mut fields,
            "action",
            self.action.as_deref().unwrap_or("paymentPage"),
        );
        push_opt(&mut fields, "return_url", self.return_url.as_deref());
        push_opt(
            &mut fields,
            "metadata.webhook_url",
            self.webhook_url.as_deref(),
        );
        if let Some(mandate) = &self.mandate {
            mandate.push_fields("", &mut fields);
        }
        fields.extend(self.extra.iter().cloned());
        fields
    }
}

/// Body of `POST /orders/{order_id}` (§4.5): only amount, addresses and udfs may change.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UpdateOrderRequest {
    pub amount: Option<Amount>,
    /// Address fields and udfs as flat keys, e.g. `udf1`, `billing_address_city`.
    pub extra: Vec<(String, String)>,
    /// Customer id for the `x-routing-id` header (§2.3), when known.
    pub routing_id: Option<String>,
}

impl UpdateOrderRequest {
    pub(crate) fn to_fields(&self) -> Fields {
        let mut fields = Fields::new();
        if let Some(amount) = self.amount {
            push(&mut fields, "amount", amount.to_major_string());
        }
        fields.extend(self.extra.iter().cloned());
        fields
    }
}

/// Options for `GET /orders/{order_id}` (§4.3).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderStatusOptions {
    /// Adds `options.add_full_gateway_response=true`, filling
    /// `payment_gateway_response.gateway_response`.
    pub full_gateway_response: bool,
    /// Customer id for the `x-routing-id` header (§2.3), when known.
    pub routing_id: Option<String>,
}

/// `payment_links` (§4.1, §4.3).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct PaymentLinks {
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub web: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub mobile: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub iframe: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub expiry: Option<String>,
}

/// `juspay` block: a 15-minute client auth token (§4.1).
#[derive(Clone, Default, PartialEq, Eq, Deserialize)]
pub struct ClientAuth {
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub client_auth_token: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub client_auth_token_expiry: Option<String>,
}

impl std::fmt::Debug for ClientAuth {
    // The token authorises payment-page calls for its lifetime, so it stays out of logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientAuth")
            .field(
                "client_auth_token",
                &self.client_auth_token.as_ref().map(|_| "[REDACTED]"),
            )
            .field("client_auth_token_expiry", &self.client_auth_token_expiry)
            .finish()
    }
}

/// `card` block of an order (§4.3).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Card {
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub card_isin: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub last_four_digits: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub card_brand: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub card_type: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub card_issuer: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub expiry_month: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub expiry_year: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub name_on_card: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub card_fingerprint: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub card_reference: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub saved_to_locker: Option<bool>,
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub using_saved_card: Option<bool>,
}

/// `upi` block of an order (§4.3).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Upi {
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub payer_vpa: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub payer_app: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub payer_app_name: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub txn_flow_type: Option<String>,
}

/// `txn_detail` block of an order (§4.3).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct TxnDetail {
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub txn_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub txn_uuid: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub order_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_from_text")]
    pub status: Option<OrderStatus>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub gateway: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub gateway_id: Option<i64>,
    #[serde(default, deserialize_with = "opt_amount")]
    pub txn_amount: Option<Amount>,
    #[serde(default, deserialize_with = "opt_amount")]
    pub net_amount: Option<Amount>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub currency: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub error_code: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub error_message: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub created: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub txn_flow_type: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub txn_object_type: Option<String>,
}

/// `payment_gateway_response` block (§4.3).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct PaymentGatewayResponse {
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub txn_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub rrn: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub epg_txn_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub auth_id_code: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub resp_code: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub resp_message: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub created: Option<String>,
    /// Raw gateway payload, only with `options.add_full_gateway_response=true`.
    #[serde(default, deserialize_with = "lenient::opt_json")]
    pub gateway_response: Option<serde_json::Value>,
}

/// The order object of `GET /orders/{id}` (§4.3), also returned by update, refund,
/// capture/void and carried in `content.order` webhooks.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Order {
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub order_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub merchant_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_from_text")]
    pub status: Option<OrderStatus>,
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub status_id: Option<i64>,
    #[serde(default, deserialize_with = "opt_amount")]
    pub amount: Option<Amount>,
    #[serde(default, deserialize_with = "opt_amount")]
    pub effective_amount: Option<Amount>,
    #[serde(default, deserialize_with = "opt_amount")]
    pub amount_refunded: Option<Amount>,
    #[serde(default, deserialize_with = "opt_amount")]
    pub maximum_eligible_refund_amount: Option<Amount>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub currency: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub refunded: Option<bool>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub customer_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub customer_email: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub customer_phone: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub date_created: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub return_url: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub product_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_object")]
    pub payment_links: Option<PaymentLinks>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub txn_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub txn_uuid: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub payment_method_type: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub payment_method: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub auth_type: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub gateway_id: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub gateway_reference_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub bank_error_code: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub bank_error_message: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_object")]
    pub card: Option<Card>,
    #[serde(default, deserialize_with = "lenient::opt_object")]
    pub upi: Option<Upi>,
    #[serde(default, deserialize_with = "lenient::opt_object")]
    pub txn_detail: Option<TxnDetail>,
    #[serde(default, deserialize_with = "lenient::opt_object")]
    pub payment_gateway_response: Option<PaymentGatewayResponse>,
    #[serde(default, deserialize_with = "lenient::list")]
    pub refunds: Vec<Refund>,
    /// Disputes raised on the order (webhook API version 2017-07-26 and later, §9.5).
    #[serde(default, deserialize_with = "lenient::list")]
    pub chargebacks: Vec<crate::Chargeback>,
    #[serde(default, deserialize_with = "lenient::opt_object")]
    pub mandate: Option<Mandate>,
    #[serde(default, deserialize_with = "lenient::opt_json")]
    pub metadata: Option<serde_json::Value>,
    #[serde(default, deserialize_with = "lenient::opt_object")]
    pub juspay: Option<ClientAuth>,
    /// The merchant's own fields `udf1`…`udf10`, as text.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub udf1: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub udf2: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub udf3: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub udf4: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub udf5: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub udf6: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub udf7: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub udf8: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub udf9: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub udf10: Option<String>,
}

impl Order {
    /// The udfs that are set, as (`udf1`…`udf10`, value).
    pub fn udfs(&self) -> impl Iterator<Item = (String, &str)> {
        [
            &self.udf1,
            &self.udf2,
            &self.udf3,
            &self.udf4,
            &self.udf5,
            &self.udf6,
            &self.udf7,
            &self.udf8,
            &self.udf9,
            &self.udf10,
        ]
        .into_iter()
        .enumerate()
        .filter_map(|(i, value)| Some((format!("udf{}", i + 1), value.as_deref()?)))
    }

    /// `status`, or the status named by `status_id` when the text is missing.
    pub fn resolved_status(&self) -> Option<OrderStatus> {
        self.status
            .clone()
            .or_else(|| self.status_id.and_then(OrderStatus::from_status_id))
    }
}

/// The short `POST /orders` answer (§4.1): `{"status":"CREATED","status_id":1,…}`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CreatedOrderSummary {
    pub id: Option<String>,
    pub order_id: Option<String>,
    pub status_id: Option<i64>,
    pub payment_links: Option<PaymentLinks>,
}

/// `POST /orders` answers in one of two shapes depending on the `version` header (§4.1,
/// §2.4); both are accepted.
#[derive(Debug, Clone, PartialEq)]
pub enum CreateOrderResponse {
    /// Old versions: `status: CREATED`, `status_id: 1`, ids and payment links only.
    Short(CreatedOrderSummary),
    /// Newer versions: the full order object with `status: NEW`.
    Full(Box<Order>),
}

impl<'de> Deserialize<'de> for CreateOrderResponse {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let order = Order::deserialize(deserializer)?;
        if order.resolved_status() == Some(OrderStatus::Created) {
            Ok(Self::Short(CreatedOrderSummary {
                id: order.id,
                order_id: order.order_id,
                status_id: order.status_id,
                payment_links: order.payment_links,
            }))
        } else {
            Ok(Self::Full(Box::new(order)))
        }
    }
}

impl CreateOrderResponse {
    /// Juspay's own order id (`ordeh_…`).
    pub fn id(&self) -> Option<&str> {
        match self {
            Self::Short(short) => short.id.as_deref(),
            Self::Full(order) => order.id.as_deref(),
        }
    }

    /// The merchant's order id.
    pub fn order_id(&self) -> Option<&str> {
        match self {
            Self::Short(short) => short.order_id.as_deref(),
            Self::Full(order) => order.order_id.as_deref(),
        }
    }

    /// The order status; the short shape's `CREATED` means the same as `NEW`.
    pub fn status(&self) -> Option<OrderStatus> {
        match self {
            Self::Short(_) => Some(OrderStatus::Created),
            Self::Full(order) => order.resolved_status(),
        }
    }

    /// Hosted payment page links.
    pub fn payment_links(&self) -> Option<&PaymentLinks> {
        match self {
            Self::Short(short) => short.payment_links.as_ref(),
            Self::Full(order) => order.payment_links.as_ref(),
        }
    }

    /// The full order, when the long shape came back.
    pub fn order(&self) -> Option<&Order> {
        match self {
            Self::Short(_) => None,
            Self::Full(order) => Some(order),
        }
    }
}

/// Inner `sdk_payload.payload` of a session (§4.2); keys are camelCase on the wire.
#[derive(Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SdkPayloadDetails {
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub client_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub merchant_id: Option<String>,
    #[serde(default, deserialize_with = "opt_amount")]
    pub amount: Option<Amount>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub currency: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub order_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub customer_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub client_auth_token: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub client_auth_token_expiry: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub environment: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub action: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub return_url: Option<String>,
}

impl std::fmt::Debug for SdkPayloadDetails {
    // Same reason as `ClientAuth`: the token must not end up in logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SdkPayloadDetails")
            .field("client_id", &self.client_id)
            .field("merchant_id", &self.merchant_id)
            .field("amount", &self.amount)
            .field("currency", &self.currency)
            .field("order_id", &self.order_id)
            .field("customer_id", &self.customer_id)
            .field(
                "client_auth_token",
                &self.client_auth_token.as_ref().map(|_| "[REDACTED]"),
            )
            .field("client_auth_token_expiry", &self.client_auth_token_expiry)
            .field("environment", &self.environment)
            .field("action", &self.action)
            .field("return_url", &self.return_url)
            .finish()
    }
}

/// `sdk_payload` of a session (§4.2).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct SdkPayload {
    #[serde(
        default,
        rename = "requestId",
        deserialize_with = "lenient::opt_string"
    )]
    pub request_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub service: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub expiry: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_object")]
    pub payload: Option<SdkPayloadDetails>,
}

/// Answer of `POST /session` (§4.2).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct SessionResponse {
    #[serde(default, deserialize_with = "lenient::opt_from_text")]
    pub status: Option<OrderStatus>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub order_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_object")]
    pub payment_links: Option<PaymentLinks>,
    #[serde(default, deserialize_with = "lenient::opt_object")]
    pub sdk_payload: Option<SdkPayload>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub order_expiry: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::refund::RefundStatus;
    use serde_json::json;

    fn fields_map(fields: &Fields) -> std::collections::HashMap<&str, &str> {
        fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }

    #[test]
    fn the_short_create_order_shape_is_recognised() {
        let body = json!({"status":"CREATED","status_id":1,"id":"ordeh_52669cab",
            "order_id":"ord_001","payment_links":{"iframe":"https://x/r/KT5tcs",
            "web":"https://x/r/1m8rmM","mobile":"https://x/r/DY7e9b"}});
        let parsed: CreateOrderResponse = serde_json::from_value(body).unwrap();
        assert!(matches!(parsed, CreateOrderResponse::Short(_)));
        assert_eq!(parsed.order_id(), Some("ord_001"));
        assert_eq!(parsed.id(), Some("ordeh_52669cab"));
        assert_eq!(
            parsed.payment_links().and_then(|l| l.web.as_deref()),
            Some("https://x/r/1m8rmM")
        );
        assert!(parsed.order().is_none());
    }

    #[test]
    fn udfs_are_read_as_text_whatever_their_json_type_and_unset_ones_are_skipped() {
        let order: Order = serde_json::from_value(json!({"order_id":"o1","udf1":"gold",
            "udf2":"","udf3":7,"udf4":null,"udf5":"FILTERED","udf10":true}))
        .unwrap();
        let udfs: Vec<(String, &str)> = order.udfs().collect();
        assert_eq!(
            udfs,
            [
                ("udf1".to_owned(), "gold"),
                ("udf2".to_owned(), ""),
                ("udf3".to_owned(), "7"),
                ("udf10".to_owned(), "true"),
            ]
        );
    }

    #[test]
    fn the_full_create_order_shape_keeps_the_order_and_token() {
        let body = json!({"status":"NEW","status_id":"10","id":"ordeh_1","order_id":"o1",
            "amount":"100.5","currency":"INR","customer_id":null,"new_field":{"x":1},
            "juspay":{"client_auth_token":"tkn_abc","client_auth_token_expiry":"2024-01-01T10:43:35Z"}});
        let parsed: CreateOrderResponse = serde_json::from_value(body).unwrap();
        let order = parsed.order().unwrap();
        assert_eq!(parsed.status(), Some(OrderStatus::New));
        assert_eq!(order.amount, Some(Amount::from_minor(10050, "INR")));
        assert_eq!(order.customer_id, None);
        let token = order
            .juspay
            .as_ref()
            .and_then(|j| j.client_auth_token.as_deref());
        assert_eq!(token, Some("tkn_abc"));
        assert!(!format!("{order:?}").contains("tkn_abc"));
    }

    #[test]
    fn a_charged_order_with_string_numbers_and_filtered_fields_is_read() {
        let body = json!({
            "id": "ordeh_3dae", "order_id": "order_2134032852", "merchant_id": "azhar_test",
            "status": "CHARGED", "status_id": "21", "amount": 10, "currency": "INR",
            "refunded": "true", "amount_refunded": "10.00", "customer_email": "FILTERED",
            "gateway_id": "23", "card": {"card_isin": "411111", "last_four_digits": "FILTERED",
            "saved_to_locker": false}, "upi": "FILTERED",
            "txn_detail": {"txn_id": "t-1", "status": "CHARGED", "txn_amount": 10,
                           "surcharge_amount": null, "gateway_id": 23},
            "payment_gateway_response": {"rrn": 586109, "resp_code": "SUCCESS",
                "gateway_response": {"raw": "yes"}},
            "refunds": [{"id": "uniq_1", "unique_request_id": "uniq_1", "ref": "rfnd_M5",
                "amount": 10, "status": "SUCCESS", "sent_to_gateway": true}],
            "mandate": null, "offers": [], "metadata": {"payment_page_client_id": "ngk"}
        });
        let order: Order = serde_json::from_value(body).unwrap();
        assert_eq!(order.resolved_status(), Some(OrderStatus::Charged));
        assert_eq!(order.status_id, Some(21));
        assert_eq!(order.refunded, Some(true));
        assert_eq!(order.amount_refunded, Some(Amount::from_minor(1000, "INR")));
        assert_eq!(order.customer_email, None);
        assert_eq!(order.gateway_id, Some(23));
        assert_eq!(order.upi, None);
        let card = order.card.as_ref().unwrap();
        assert_eq!(
            (card.card_isin.as_deref(), card.last_four_digits.as_deref()),
            (Some("411111"), None)
        );
        assert_eq!(
            order.txn_detail.as_ref().and_then(|t| t.txn_amount),
            Some(Amount::from_minor(1000, "INR"))
        );
        let pg = order.payment_gateway_response.as_ref().unwrap();
        assert_eq!(pg.rrn.as_deref(), Some("586109"));
        assert_eq!(pg.gateway_response, Some(json!({"raw": "yes"})));
        assert_eq!(order.refunds.len(), 1);
        assert_eq!(order.refunds[0].status, Some(RefundStatus::Success));
        assert_eq!(order.amount, Some(Amount::from_minor(1000, "INR")));
    }

    #[test]
    fn a_missing_status_text_is_resolved_from_status_id() {
        let order: Order = serde_json::from_value(json!({"status_id": 23})).unwrap();
        assert_eq!(order.resolved_status(), Some(OrderStatus::PendingVbv));
    }

    #[test]
    fn a_garbage_amount_fails_the_decode_instead_of_passing_silently() {
        assert!(serde_json::from_value::<Order>(json!({"amount": "ten rupees"})).is_err());
    }

    #[test]
    fn a_session_response_exposes_the_sdk_payload() {
        let body = json!({"status":"NEW","id":"ordeh_a4ed","order_id":"order_1099351650",
            "payment_links":{"web":"https://x/r/IHJWwC","expiry":"2023-06-26T07:33:41Z"},
            "sdk_payload":{"requestId":"2280edfb","service":"in.juspay.hyperpay",
              "payload":{"clientId":"azhar_test","amount":"10.0","merchantId":"azhar_test",
              "clientAuthToken":"tkn_5c8d","environment":"sandbox","action":"paymentPage",
              "orderId":"order_1099351650"},"expiry":"2023-06-26T07:33:41Z"}});
        let session: SessionResponse = serde_json::from_value(body).unwrap();
        let sdk = session.sdk_payload.unwrap();
        assert_eq!(sdk.request_id.as_deref(), Some("2280edfb"));
        let payload = sdk.payload.unwrap();
        assert_eq!(payload.amount, Some(Amount::from_minor(1000, "INR")));
        assert_eq!(payload.client_auth_token.as_deref(), Some("tkn_5c8d"));
        assert!(!format!("{payload:?}").contains("tkn_5c8d"));
        assert_eq!(payload.order_id.as_deref(), Some("order_1099351650"));
    }

    #[test]
    fn a_create_order_request_is_flattened_to_dotted_keys() {
        let mut request = CreateOrderRequest::new("ord 1", Amount::from_minor(10050, "INR"));
        request.customer_id = Some("cst_1".to_owned());
        request.get_client_auth_token = true;
        request.webhook_url = Some("https://m.example/hook".to_owned());
        request.extra.push(("udf1".to_owned(), "x".to_owned()));
        let fields = request.to_fields();
        let map = fields_map(&fields);
        assert_eq!(map["amount"], "100.50");
        assert_eq!(map["order_id"], "ord 1");
        assert_eq!(map["options.get_client_auth_token"], "true");
        assert_eq!(map["metadata.webhook_url"], "https://m.example/hook");
        assert_eq!(map["udf1"], "x");
        assert!(!map.contains_key("currency"));
    }
}
