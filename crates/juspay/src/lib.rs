//! Typed client for the Juspay Express Checkout API.
//!
//! The crate is the single boundary between the dashboard and Juspay: requests are built
//! from typed structs (form bodies with flat dotted keys, JSON for `/session`), responses
//! are decoded leniently (unknown fields and values kept), money is converted to integer minor
//! units, and incoming webhooks and return-URL redirects can be authenticated.
//! Invariant: the API key never leaves [`JuspayConfig`] except inside the
//! `Authorization` header, which is marked sensitive.
//!
//! ```no_run
//! use juspay::{Amount, CreateOrderRequest, JuspayClient, JuspayConfig, OrderStatusOptions};
//! use secrecy::SecretString;
//!
//! # async fn demo() -> Result<(), juspay::JuspayError> {
//! let config = JuspayConfig::new(
//!     "https://sandbox.juspay.in",
//!     SecretString::from("api-key-from-the-vault"),
//!     "merchant_id",
//! );
//! let client = JuspayClient::new(&config)?;
//! let mut request = CreateOrderRequest::new("order_1001", Amount::parse_major("499.00")?);
//! request.customer_id = Some("cst_42".to_owned());
//! client.create_order(&request).await?;
//! let order = client.get_order("order_1001", &OrderStatusOptions::default()).await?;
//! // Fulfil only when the status is a success and the amount is what was charged (§4.3).
//! let paid = order.resolved_status().is_some_and(|s| s.is_success())
//!     && order.amount == Some(Amount::from_minor(49_900, "INR"));
//! # let _ = paid;
//! # Ok(())
//! # }
//! ```
//!
//! Section numbers (§) refer to docs/juspay.md, the wire format as this project implements it.

/// Declares a string-backed wire enum with an `Other(String)` fallback so that values
/// Juspay adds later are kept instead of failing the decode (§14).
macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $wire:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
            /// A value this crate does not know, kept verbatim.
            Other(String),
        }

        impl $name {
            /// Every value this crate knows, as Juspay spells it, in declaration order.
            pub const WIRE_NAMES: &'static [&'static str] = &[$($wire),+];

            /// The spelling Juspay uses on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $wire,)+
                    Self::Other(other) => other,
                }
            }
        }

        impl From<&str> for $name {
            /// Matches case-insensitively; unknown text becomes `Other` unchanged.
            fn from(text: &str) -> Self {
                match text.trim().to_ascii_uppercase().as_str() {
                    $($wire => Self::$variant,)+
                    _ => Self::Other(text.to_owned()),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

mod chargeback;
mod client;
mod config;
mod customer;
mod encoding;
mod error;
mod lenient;
mod mandate;
mod money;
mod order;
mod refund;
mod sdk;
mod signature;
pub mod trace_context;
mod txn;
mod webhook;

pub use chargeback::{Chargeback, ChargebackTxn};
pub use client::JuspayClient;
pub use config::{DEFAULT_API_VERSION, DEFAULT_TIMEOUT, JuspayConfig};
pub use customer::{CreateCustomerRequest, Customer};
pub use dashboard_status::OrderStatus;
pub use encoding::PercentEncoding;
pub use error::{ApiErrorBody, JuspayError};
pub use mandate::{
    AmountRule, Mandate, MandateCommand, MandateList, MandateOption, MandateRegistration,
    MandateStatus, Notification, NotificationStatus, RecurringCancellation,
};
pub use money::{Amount, DEFAULT_CURRENCY, currency_exponent, is_known_currency};
pub use order::{
    Card, ClientAuth, CreateOrderRequest, CreateOrderResponse, CreatedOrderSummary, Order,
    OrderStatusOptions, PaymentGatewayResponse, PaymentLinks, SdkPayload, SdkPayloadDetails,
    SessionRequest, SessionResponse, TxnDetail, UpdateOrderRequest, Upi,
};
pub use refund::{Refund, RefundRequest, RefundStatus};
pub use sdk::{
    HYPERPAY_SERVICE, InitiatePayload, PaymentPageOrder, SdkClient, SdkEnvironment, SdkSigner,
    SignedInitiatePayload, SignedOrderDetails, verify_sdk_signature,
};
pub use signature::{sign_return_params, verify_return_params, verify_return_query};
pub use txn::{Authentication, CaptureRequest, MandateExecutionRequest, TxnPayment, TxnResponse};
pub use webhook::{
    EventName, WebhookAuth, WebhookContent, WebhookEvent, WebhookIdentity, WebhookTxn,
    identify_webhook, parse_webhook,
};
