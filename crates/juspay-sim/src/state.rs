//! The simulator's memory: orders with their payment attempts, refunds and chargebacks,
//! mandates, notifications and customers. Invariant: order keys are the lower-cased
//! merchant order id (order ids are case-insensitive at Juspay, §4.1) and amounts are
//! minor units of the order's currency.
//!
//! Section numbers (§) refer to docs/juspay.md, the wire format as this project implements it.

use std::collections::BTreeMap;

use rand::distributions::Alphanumeric;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Order and transaction statuses with their §4.4 `status_id`s.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OrderStatus {
    /// 10: created, no payment attempt.
    New,
    /// 23: authentication in progress.
    PendingVbv,
    /// 21: success.
    Charged,
    /// 22: declined by Juspay (also a cancelled mandate execution, §7.3).
    JuspayDeclined,
    /// 26: the customer did not complete authentication.
    AuthenticationFailed,
    /// 27: the bank refused.
    AuthorizationFailed,
    /// 29: cash on delivery.
    CodInitiated,
    /// Pre-auth success; §4.4 gives no id, the simulator uses 25 (unused in the table).
    Authorized,
    /// Partial capture; §4.4 gives no id, the simulator uses 37 (unused in the table).
    PartialCharged,
    /// 31: pre-auth voided.
    Voided,
    /// 36: a payment that succeeded after its order had failed, given back by Juspay.
    AutoRefunded,
}

impl OrderStatus {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "NEW",
            Self::PendingVbv => "PENDING_VBV",
            Self::Charged => "CHARGED",
            Self::JuspayDeclined => "JUSPAY_DECLINED",
            Self::AuthenticationFailed => "AUTHENTICATION_FAILED",
            Self::AuthorizationFailed => "AUTHORIZATION_FAILED",
            Self::CodInitiated => "COD_INITIATED",
            Self::Authorized => "AUTHORIZED",
            Self::PartialCharged => "PARTIAL_CHARGED",
            Self::Voided => "VOIDED",
            Self::AutoRefunded => "AUTO_REFUNDED",
        }
    }

    /// The §4.4 `status_id`.
    pub fn id(self) -> u16 {
        match self {
            Self::New => 10,
            Self::PendingVbv => 23,
            Self::Charged => 21,
            Self::JuspayDeclined => 22,
            Self::AuthenticationFailed => 26,
            Self::AuthorizationFailed => 27,
            Self::CodInitiated => 29,
            Self::Authorized => 25,
            Self::PartialCharged => 37,
            Self::Voided => 31,
            Self::AutoRefunded => 36,
        }
    }

    /// Failed attempts may be retried on the same order with a new txn suffix (§4.4).
    pub fn is_retryable_failure(self) -> bool {
        matches!(
            self,
            Self::JuspayDeclined | Self::AuthenticationFailed | Self::AuthorizationFailed
        )
    }

    /// Statuses a refund may be taken against (§6.1).
    pub fn is_refundable(self) -> bool {
        matches!(
            self,
            Self::Charged | Self::PartialCharged | Self::CodInitiated
        )
    }
}

/// The instrument used for a payment attempt, named by Juspay's `payment_method_type`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum PaymentMethod {
    /// Card (VISA via RAZORPAY).
    #[default]
    #[serde(rename = "CARD")]
    Card,
    /// UPI collect/intent.
    #[serde(rename = "UPI")]
    Upi,
    /// Wallet (PAYTM).
    #[serde(rename = "WALLET")]
    Wallet,
    /// Net banking (`NB_HDFC`).
    #[serde(rename = "NB", alias = "NET_BANKING")]
    NetBanking,
    /// Pay later (`CONSUMER_FINANCE`).
    #[serde(rename = "CONSUMER_FINANCE", alias = "PAY_LATER")]
    PayLater,
    /// Cash on delivery (`CASH`).
    #[serde(rename = "CASH", alias = "COD")]
    Cod,
}

impl PaymentMethod {
    /// Every method, for the payment page and demo traffic.
    pub const ALL: [Self; 6] = [
        Self::Card,
        Self::Upi,
        Self::Wallet,
        Self::NetBanking,
        Self::PayLater,
        Self::Cod,
    ];

    /// `payment_method_type` on the wire (§4.3).
    pub fn type_name(self) -> &'static str {
        match self {
            Self::Card => "CARD",
            Self::Upi => "UPI",
            Self::Wallet => "WALLET",
            Self::NetBanking => "NB",
            Self::PayLater => "CONSUMER_FINANCE",
            Self::Cod => "CASH",
        }
    }

    /// Parses a `payment_method_type`, accepting the aliases above.
    pub fn from_type_name(name: &str) -> Option<Self> {
        serde_json::from_value(Value::from(name.to_uppercase())).ok()
    }

    /// `payment_method` on the wire (§4.3).
    pub fn method_name(self) -> &'static str {
        match self {
            Self::Card => "VISA",
            Self::Upi => "UPI",
            Self::Wallet => "PAYTM",
            Self::NetBanking => "NB_HDFC",
            Self::PayLater => "SIMPL",
            Self::Cod => "CASH",
        }
    }

    /// Gateway name and numeric id (§4.1: 23 = RAZORPAY, 19 = PAYTM_V2).
    pub fn gateway(self) -> (&'static str, u16) {
        match self {
            Self::Wallet => ("PAYTM_V2", 19),
            Self::Cod => ("CASH", 0),
            Self::Card | Self::Upi | Self::NetBanking | Self::PayLater => ("RAZORPAY", 23),
        }
    }
}

/// One payment attempt; its txn id is `<merchant>-<order>-<n>` (§4.3).
#[derive(Clone, Debug)]
pub struct Attempt {
    /// 1-based attempt number, the txn id suffix.
    pub number: u32,
    /// ~19-char Juspay txn id.
    pub txn_uuid: String,
    /// Attempt status (mirrors the order's while this is the latest attempt).
    pub status: OrderStatus,
    /// Instrument.
    pub method: PaymentMethod,
    /// Failure code such as `DECLINED`, if failed.
    pub error_code: Option<String>,
    /// Failure text, if failed.
    pub error_message: Option<String>,
    /// ISO creation time.
    pub created: String,
    /// Gateway's own payment id.
    pub epg_txn_id: String,
    /// Retrieval reference number.
    pub rrn: String,
    /// Created by `POST /txns` and still waiting for the hosted page to finish it.
    pub awaiting_page: bool,
}

/// Refund statuses (§6.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RefundStatus {
    /// Accepted, not settled.
    Pending,
    /// Settled.
    Success,
    /// Refused by the gateway.
    Failure,
    /// Ambiguous, needs a human.
    ManualReview,
}

impl RefundStatus {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "PENDING",
            Self::Success => "SUCCESS",
            Self::Failure => "FAILURE",
            Self::ManualReview => "MANUAL_REVIEW",
        }
    }
}

/// One refund inside an order's `refunds[]` (§6.3).
#[derive(Clone, Debug)]
pub struct Refund {
    /// The merchant's idempotency key (§6.1).
    pub unique_request_id: String,
    /// Minor units of the order's currency.
    pub amount: i64,
    /// The `amount` text exactly as the refund request carried it (before trimming or
    /// truncation); `None` when the request left it out to refund what was left (§6.1).
    pub requested_amount: Option<String>,
    /// Current status.
    pub status: RefundStatus,
    /// ISO creation time.
    pub created: String,
    /// ISO time of the last change.
    pub last_updated: String,
    /// Gateway refund id once sent (`rfnd_…`).
    pub gateway_ref: Option<String>,
    /// Started by Juspay itself (an auto-refund), not by a merchant's request.
    pub auto: bool,
}

/// Chargeback (dispute) statuses; the `CHARGEBACK_<status>` event names (§9.2), see
/// [`crate::chargebacks`] for the wire this project chose.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ChargebackStatus {
    /// Raised by the customer's bank.
    Received,
    /// The merchant must send evidence before `respond_by`.
    EvidenceRequired,
    /// Evidence is with the bank.
    UnderReview,
    /// Terminal: the merchant keeps the money.
    ResolvedInMerchantFavour,
    /// Terminal: the customer gets the money back.
    ResolvedInCustomerFavour,
    /// Terminal: withdrawn.
    Canceled,
    /// Terminal: nobody answered in time.
    Expired,
    /// Terminal: the payment had already been refunded.
    AlreadyRefunded,
}

impl ChargebackStatus {
    /// Every status, in lifecycle order.
    pub const ALL: [Self; 8] = [
        Self::Received,
        Self::EvidenceRequired,
        Self::UnderReview,
        Self::ResolvedInMerchantFavour,
        Self::ResolvedInCustomerFavour,
        Self::Canceled,
        Self::Expired,
        Self::AlreadyRefunded,
    ];

    /// `chargeback_status` on the wire: the event name without `CHARGEBACK_`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Received => "RECEIVED",
            Self::EvidenceRequired => "EVIDENCE_REQUIRED",
            Self::UnderReview => "UNDER_REVIEW",
            Self::ResolvedInMerchantFavour => "RESOLVED_IN_MERCHANT_FAVOUR",
            Self::ResolvedInCustomerFavour => "RESOLVED_IN_CUSTOMER_FAVOUR",
            Self::Canceled => "CANCELED",
            Self::Expired => "EXPIRED",
            Self::AlreadyRefunded => "ALREADY_REFUNDED",
        }
    }

    /// The webhook event announcing this status, `CHARGEBACK_<status>`.
    pub fn event_name(self) -> String {
        format!("CHARGEBACK_{}", self.as_str())
    }

    /// Parses a status name, case ignored, with or without the `CHARGEBACK_` prefix.
    pub fn parse(name: &str) -> Option<Self> {
        let upper = name.trim().to_ascii_uppercase();
        let bare = upper.strip_prefix("CHARGEBACK_").unwrap_or(&upper);
        Self::ALL.into_iter().find(|s| s.as_str() == bare)
    }

    /// Whether the dispute is over (`date_resolved` is set).
    pub fn is_resolved(self) -> bool {
        matches!(
            self,
            Self::ResolvedInMerchantFavour
                | Self::ResolvedInCustomerFavour
                | Self::Canceled
                | Self::Expired
                | Self::AlreadyRefunded
        )
    }

    /// Whether the merchant is expected to answer (`respond_by` is set).
    pub fn awaits_merchant(self) -> bool {
        matches!(self, Self::Received | Self::EvidenceRequired)
    }
}

/// One chargeback (dispute) raised against an order.
#[derive(Clone, Debug)]
pub struct Chargeback {
    /// `cb_<32 hex>`.
    pub id: String,
    /// Minor units of `currency`.
    pub amount: i64,
    /// The order's currency.
    pub currency: String,
    /// Current status.
    pub status: ChargebackStatus,
    /// Free text.
    pub reason: String,
    /// ISO creation time.
    pub created: String,
    /// ISO time the merchant must answer by: seven days after creation.
    pub respond_by: String,
    /// ISO time of the last change.
    pub updated: String,
    /// ISO time the dispute ended, while its status is a resolved one.
    pub resolved: Option<String>,
}

/// Mandate statuses (§7.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MandateStatus {
    /// Registered and usable.
    Active,
    /// Temporarily not executable.
    Paused,
    /// Terminal: revoked.
    Revoked,
    /// Terminal: registration failed.
    Failure,
    /// Terminal: past its end date.
    Expired,
}

impl MandateStatus {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "ACTIVE",
            Self::Paused => "PAUSED",
            Self::Revoked => "REVOKED",
            Self::Failure => "FAILURE",
            Self::Expired => "EXPIRED",
        }
    }
}

/// A mandate created by a successful registration order (§7.1, §7.2).
#[derive(Clone, Debug)]
pub struct Mandate {
    /// 22-char id.
    pub mandate_id: String,
    /// 32-hex token.
    pub mandate_token: String,
    /// Status.
    pub status: MandateStatus,
    /// The registration order's merchant id.
    pub order_id: String,
    /// Owner.
    pub customer_id: Option<String>,
    /// The registration order's currency; executions are charged in it.
    pub currency: String,
    /// Minor units of `currency`.
    pub max_amount: i64,
    /// `FIXED` or `VARIABLE`.
    pub amount_rule: String,
    /// e.g. `MONTHLY`.
    pub frequency: String,
    /// Epoch-second string.
    pub start_date: String,
    /// Epoch-second string.
    pub end_date: String,
    /// Instrument of the registration.
    pub method: PaymentMethod,
    /// Epoch-second strings of a scheduled pause.
    pub pause: Option<(String, String)>,
    /// ISO time of activation.
    pub activated_at: String,
}

/// A pre-debit notification (§7.3).
#[derive(Clone, Debug)]
pub struct Notification {
    /// Juspay id.
    pub id: String,
    /// Merchant's reference, used to look it up.
    pub object_reference_id: String,
    /// Owning mandate.
    pub mandate_id: String,
    /// `{amount, txn_date}` as sent.
    pub source_info: Value,
    /// Free text.
    pub description: String,
    /// `CREATED`, `PENDING`, `SUCCESS` or `FAILURE`.
    pub status: String,
    /// ISO creation time.
    pub created: String,
    /// ISO time of the last change.
    pub last_updated: String,
}

/// A customer (§8).
#[derive(Clone, Debug)]
pub struct Customer {
    /// `cst_` id.
    pub id: String,
    /// Merchant's key for the customer.
    pub object_reference_id: String,
    /// Phone.
    pub mobile_number: String,
    /// Country code without `+`.
    pub mobile_country_code: Option<String>,
    /// Email.
    pub email_address: Option<String>,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// ISO creation time.
    pub created: String,
    /// ISO time of the last change.
    pub updated: String,
}

/// An order and everything that happened to it.
#[derive(Clone, Debug)]
pub struct Order {
    /// `ordeh_<32 hex>`.
    pub id: String,
    /// Merchant order id as first sent.
    pub order_id: String,
    /// Minor units of `currency` (its ISO 4217 exponent, see [`crate::amount`]).
    pub amount: i64,
    /// Captured amount for partial captures; `None` means the whole amount.
    pub captured: Option<i64>,
    /// The idempotence key of the capture that moved the order out of `AUTHORIZED`: the
    /// same capture sent again is answered with the order, not refused.
    pub capture_key: Option<String>,
    /// e.g. `INR`.
    pub currency: String,
    /// Customer fields, `null` on the wire when unset (§4.3).
    pub customer_id: Option<String>,
    /// Customer email.
    pub customer_email: Option<String>,
    /// Customer phone.
    pub customer_phone: Option<String>,
    /// Description.
    pub description: String,
    /// Product id.
    pub product_id: String,
    /// Where the hosted page redirects (§10).
    pub return_url: Option<String>,
    /// `udf1`..`udf10`, empty strings when unset.
    pub udfs: [String; 10],
    /// `metadata.*` parameters with the prefix removed.
    pub metadata: BTreeMap<String, String>,
    /// Parsed `basket`, echoed back as an array (§4.1).
    pub basket: Option<Value>,
    /// ISO creation time.
    pub created: String,
    /// Current status.
    pub status: OrderStatus,
    /// Payment attempts, oldest first.
    pub attempts: Vec<Attempt>,
    /// Refunds, oldest first.
    pub refunds: Vec<Refund>,
    /// Chargebacks, oldest first.
    pub chargebacks: Vec<Chargeback>,
    /// `mandate.*` parameters when the order registers a mandate (§7.1).
    pub mandate_params: Option<BTreeMap<String, String>>,
    /// The mandate this order registered or executes.
    pub mandate_id: Option<String>,
    /// True for mandate executions (`EMANDATE_PAYMENT`).
    pub is_mandate_execution: bool,
    /// False when `metadata.txns.auto_capture=false` asks for pre-auth (§5.3).
    pub auto_capture: bool,
    /// `(token, expiry)` when `options.get_client_auth_token` was set.
    pub client_auth_token: Option<(String, String)>,
}

impl Order {
    /// Amount that counts as paid: the captured part of a partial capture, else all.
    pub fn paid_amount(&self) -> i64 {
        self.captured.unwrap_or(self.amount)
    }

    /// Refunds that still count against the paid amount (all but failed ones).
    pub fn refunded_amount(&self) -> i64 {
        self.refunds
            .iter()
            .filter(|r| r.status != RefundStatus::Failure)
            .map(|r| r.amount)
            .sum()
    }
}

/// All simulator data for one merchant; merchants never share a store.
pub struct Store {
    /// The merchant these records belong to.
    pub merchant_id: String,
    /// `http://127.0.0.1:PORT`, for payment links.
    pub base_url: String,
    /// Orders keyed by lower-cased order id.
    pub orders: BTreeMap<String, Order>,
    /// Customers keyed by `cst_` id.
    pub customers: BTreeMap<String, Customer>,
    /// Mandates keyed by mandate id.
    pub mandates: BTreeMap<String, Mandate>,
    /// Notifications keyed by object reference id.
    pub notifications: BTreeMap<String, Notification>,
    rng: StdRng,
}

impl Store {
    /// An empty store with a seeded id generator.
    pub fn new(merchant_id: &str, base_url: &str, seed: u64) -> Self {
        Self {
            merchant_id: merchant_id.to_owned(),
            base_url: base_url.to_owned(),
            orders: BTreeMap::new(),
            customers: BTreeMap::new(),
            mandates: BTreeMap::new(),
            notifications: BTreeMap::new(),
            rng: StdRng::seed_from_u64(seed),
        }
    }

    /// `n` random alphanumeric characters.
    pub fn alnum(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(self.rng.sample(Alphanumeric)))
            .collect()
    }

    /// 32 lower-case hex digits.
    pub fn hex32(&mut self) -> String {
        format!("{:032x}", self.rng.r#gen::<u128>())
    }

    /// A uniform float in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        self.rng.r#gen::<f64>()
    }

    /// The key an order id is stored under.
    pub fn order_key(order_id: &str) -> String {
        order_id.to_lowercase()
    }

    /// Looks an order up by merchant order id, case-insensitively.
    pub fn order(&self, order_id: &str) -> Option<&Order> {
        self.orders.get(&Self::order_key(order_id))
    }

    /// Mutable lookup by merchant order id.
    pub fn order_mut(&mut self, order_id: &str) -> Option<&mut Order> {
        self.orders.get_mut(&Self::order_key(order_id))
    }

    /// The order owning the attempt with this txn uuid.
    pub fn order_key_by_txn_uuid(&self, txn_uuid: &str) -> Option<String> {
        self.orders
            .iter()
            .find(|(_, o)| o.attempts.iter().any(|a| a.txn_uuid == txn_uuid))
            .map(|(k, _)| k.clone())
    }

    /// The hosted payment page for an order (§4.2 `payment_links.web`).
    pub fn payment_link(&self, order_id: &str) -> String {
        let merchant: String =
            form_urlencoded::byte_serialize(self.merchant_id.as_bytes()).collect();
        let order: String = form_urlencoded::byte_serialize(order_id.as_bytes()).collect();
        format!("{}/pay/{merchant}/{order}", self.base_url)
    }
}
