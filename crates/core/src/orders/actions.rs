//! Actions that call Juspay on someone's behalf — create an order (payment link, SDK
//! checkout), sync an order, update an order before payment — and apply Juspay's answer
//! through the order-snapshot function (data flow step 4).
//!
//! Invariants: the caller has authorised the action; its audit entry is written in the
//! same transaction as the state change; an order we create is stored locally (as NEW)
//! before Juspay is called, so a timeout never leaves an order only Juspay knows — the
//! reconciler settles it; Juspay's error bodies never reach [`ActionError::public_message`].
//!
//! Section numbers (§) refer to docs/juspay.md, the wire format as this project implements it.

use std::sync::Arc;

use juspay::{
    Amount, CreateOrderRequest, JuspayClient, JuspayError, OrderStatus, OrderStatusOptions,
    SessionRequest, SessionResponse, UpdateOrderRequest,
};

use crate::{
    clock::now_millis,
    orders::{
        model::OrderRow, snapshot::OrderReport, store::AppliedOrder, timeline::ReportContext,
    },
    reports::{DEFAULT_CURRENCY, Via},
    staff::audit::AuditEntry,
    store::{Store, StoreError},
};

use dashboard_status::Stage;

/// Why an action did not complete.
#[derive(Debug, thiserror::Error)]
pub enum ActionError {
    #[error("Juspay is not configured")]
    NotConfigured,
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    #[error("order not found")]
    NotFound,
    #[error("Juspay call failed: {0}")]
    Juspay(#[from] JuspayError),
    #[error("storage failed: {0}")]
    Store(#[from] StoreError),
}

impl ActionError {
    /// Logs the failure with its cause chain, at the level it deserves: a refused input is
    /// the caller's mistake (not logged), a storage failure is ours (error), a Juspay refusal
    /// or an unconfigured client is worth a warning. `origin` names who asked.
    pub fn log(&self, origin: &str) {
        match self {
            Self::Invalid { .. } | Self::NotFound => {}
            Self::Store(_) => {
                tracing::error!(origin, error = %crate::report::Chain(self), "action failed");
            }
            Self::NotConfigured | Self::Juspay(_) => {
                tracing::warn!(origin, error = %crate::report::Chain(self), "Juspay action failed");
            }
        }
    }

    /// A message safe to show staff: no upstream body, no internals.
    pub fn public_message(&self) -> String {
        match self {
            Self::NotConfigured => {
                "Juspay is not configured (juspay.api_key and juspay.merchant_id).".to_owned()
            }
            Self::Invalid { message, .. } => message.clone(),
            Self::NotFound => "No such order.".to_owned(),
            Self::Juspay(e) => describe_juspay_error(e),
            Self::Store(_) => "The database is unavailable; try again.".to_owned(),
        }
    }
}

/// Juspay's refusal in words for staff, naming Juspay's error code (a code, not its body).
pub fn describe_juspay_error(error: &JuspayError) -> String {
    let code = error
        .api_error()
        .and_then(|b| b.error_code.clone())
        .map(|c| format!(" ({c})"))
        .unwrap_or_default();
    match error {
        JuspayError::Timeout | JuspayError::Transport(_) => {
            "Juspay did not answer in time; the outcome is unknown and will be checked again."
                .to_owned()
        }
        JuspayError::RateLimited { .. } => {
            format!("Juspay asked us to slow down{code}; try again shortly.")
        }
        JuspayError::Server { .. } => format!("Juspay had an internal error{code}; try again."),
        JuspayError::Unauthorized(_) => {
            format!("Juspay refused our API key{code}; check juspay.api_key.")
        }
        JuspayError::NotFound(_) => format!("Juspay does not know this order{code}."),
        JuspayError::Rejected { .. } => format!("Juspay refused the request{code}."),
        _ => "Juspay's answer could not be read.".to_owned(),
    }
}

/// The order field that asks for authorisation only (§5.3).
pub const PRE_AUTH_FIELD: &str = "metadata.txns.auto_capture";

/// An order the merchant asks Juspay to create.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewOrder {
    pub order_id: String,
    /// Minor units.
    pub amount: i64,
    pub currency: String,
    pub customer_id: Option<String>,
    pub customer_email: Option<String>,
    pub customer_phone: Option<String>,
    pub description: Option<String>,
    pub return_url: Option<String>,
    /// Authorise only: the payment ends `AUTHORIZED` and is captured or voided later
    /// (`metadata.txns.auto_capture=false`, §5.3).
    pub pre_auth: bool,
}

/// A new order as it arrives from outside (a staff form or the merchant's app): text,
/// trimmed and read by [`NewOrder::parse`].
#[derive(Debug, Clone, Default)]
pub struct NewOrderText<'a> {
    /// Minted with `id_prefix` when absent.
    pub order_id: Option<&'a str>,
    /// Major units, e.g. `499.00`.
    pub amount: &'a str,
    /// INR when absent.
    pub currency: Option<&'a str>,
    pub customer_id: Option<&'a str>,
    pub customer_email: Option<&'a str>,
    pub customer_phone: Option<&'a str>,
    pub description: Option<&'a str>,
    pub pre_auth: bool,
}

impl NewOrder {
    /// Reads an order from outside: blank fields are absent, the currency and e-mail are
    /// normalised, a missing order id is minted with `id_prefix`, and every field is
    /// validated, so what comes back can be stored and sent as it is.
    pub fn parse(
        text: &NewOrderText<'_>,
        id_prefix: &str,
        return_url: Option<String>,
    ) -> Result<Self, ActionError> {
        let field = |value: Option<&str>| {
            value
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let currency = field(text.currency)
            .map_or_else(|| DEFAULT_CURRENCY.to_owned(), |c| c.to_ascii_uppercase());
        let amount = crate::money::AmountInput::parse_positive(text.amount, &currency)
            .map_err(|e| invalid("amount", e.message()))?
            .minor();
        let order = Self {
            order_id: field(text.order_id).unwrap_or_else(|| mint_order_id(id_prefix)),
            amount,
            currency,
            customer_id: field(text.customer_id),
            customer_email: field(text.customer_email).map(|e| e.to_lowercase()),
            customer_phone: field(text.customer_phone),
            description: field(text.description),
            return_url,
            pre_auth: text.pre_auth,
        };
        order.validate()?;
        Ok(order)
    }

    /// Checks every field that came from outside (a staff form or the merchant's app)
    /// before it is stored or sent: what is stored is later shown, exported and sent to
    /// Juspay, so a phone must be a phone and no text may carry control characters.
    pub fn validate(&self) -> Result<(), ActionError> {
        validate_order_id(&self.order_id)?;
        if self.amount <= 0 {
            return Err(invalid("amount", "The amount must be more than zero."));
        }
        // Amounts are typed and stored in the currency's ISO 4217 minor unit, so a code the
        // standard does not know cannot be taken from a person (Juspay's own reports keep
        // theirs, read with two decimals).
        if !(self.currency.len() == 3
            && self.currency.bytes().all(|b| b.is_ascii_uppercase())
            && juspay::is_known_currency(&self.currency))
        {
            return Err(invalid(
                "currency",
                "Use an ISO 4217 currency code like INR or USD.",
            ));
        }
        if let Some(email) = &self.customer_email {
            validate_email(email)?;
        }
        if let Some(phone) = &self.customer_phone {
            validate_phone(phone)?;
        }
        validate_text("customer_id", self.customer_id.as_deref(), 128)?;
        validate_text("description", self.description.as_deref(), 255)?;
        Ok(())
    }
}

/// An e-mail address as Juspay and mail servers take it: at most 254 characters, one `@`
/// between a non-empty local part and a dotted domain, no spaces or control characters.
fn validate_email(email: &str) -> Result<(), ActionError> {
    let shaped = email.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty()
            && !domain.contains('@')
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
    });
    let clean = !email.chars().any(|c| c.is_whitespace() || c.is_control());
    if shaped && clean && email.len() <= 254 {
        Ok(())
    } else {
        Err(invalid("customer_email", "That is not an email address."))
    }
}

/// A phone number as E.164 allows it: 6 to 15 digits, optionally after a `+`.
fn validate_phone(phone: &str) -> Result<(), ActionError> {
    let digits = phone.strip_prefix('+').unwrap_or(phone);
    if (6..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(invalid(
            "customer_phone",
            "Use 6–15 digits, optionally starting with +.",
        ))
    }
}

/// Free text of at most `max` characters with no control characters.
fn validate_text(field: &'static str, value: Option<&str>, max: usize) -> Result<(), ActionError> {
    match value {
        Some(text) if text.chars().count() > max => {
            Err(invalid(field, &format!("Use at most {max} characters.")))
        }
        Some(text) if text.chars().any(char::is_control) => Err(invalid(
            field,
            "Remove the line breaks and control characters.",
        )),
        _ => Ok(()),
    }
}

#[derive(Clone)]
pub struct Actions {
    store: Store,
    client: Option<Arc<JuspayClient>>,
    first_check_ms: i64,
}

impl Actions {
    pub fn new(store: Store, client: Option<Arc<JuspayClient>>, first_check_ms: i64) -> Self {
        Self {
            store,
            client,
            first_check_ms,
        }
    }

    pub(crate) fn client(&self) -> Result<&JuspayClient, ActionError> {
        self.client.as_deref().ok_or(ActionError::NotConfigured)
    }

    pub(crate) fn store(&self) -> Store {
        self.store.clone()
    }

    pub(crate) fn first_check_ms(&self) -> i64 {
        self.first_check_ms
    }

    pub(crate) fn context(&self, via: Via, trace_id: &str) -> ReportContext {
        ReportContext {
            via: Some(via),
            at: now_millis(),
            trace_id: Some(trace_id.to_owned()),
            first_check_ms: self.first_check_ms,
            ..ReportContext::default()
        }
    }

    /// Creates an order at Juspay (`POST /orders`, §4.1), storing it as NEW first. Returns
    /// the stored order, with the payment link when Juspay gave one.
    pub async fn create_order(
        &self,
        order: &NewOrder,
        audit: &AuditEntry,
    ) -> Result<OrderRow, ActionError> {
        order.validate()?;
        let client = self.client()?;
        self.register_order(order, audit).await?;
        let ctx = self.context(Via::Action, &audit.trace_id);
        let mut request = CreateOrderRequest::new(
            &order.order_id,
            Amount::from_minor(order.amount, &order.currency),
        );
        request.currency = Some(order.currency.clone());
        request.customer_id = order.customer_id.clone();
        request.customer_email = order.customer_email.clone();
        request.customer_phone = order.customer_phone.clone();
        request.description = order.description.clone();
        request.return_url = order.return_url.clone();
        if order.pre_auth {
            request
                .extra
                .push((PRE_AUTH_FIELD.to_owned(), "false".to_owned()));
        }
        let created = match client.create_order(&request).await {
            Ok(created) => created,
            Err(e) => {
                let mut tx = self.store.begin().await?;
                tx.note_order_event(
                    &order.order_id,
                    &ctx,
                    "juspay_error",
                    &describe_juspay_error(&e),
                )
                .await?;
                tx.commit().await?;
                return Err(e.into());
            }
        };
        // The short answer says CREATED, which is NEW for us (§4.1); keep NEW and take the ids
        // and the link, which are what it adds.
        // An answer whose amount cannot be read still carries the ids and the link.
        let report = match created
            .order()
            .and_then(|o| OrderReport::from_order(o).ok().flatten())
        {
            Some(report) => report,
            None => OrderReport {
                order_id: order.order_id.clone(),
                juspay_id: created.id().map(str::to_owned),
                payment_link: created.payment_links().and_then(|l| l.web.clone()),
                ..OrderReport::default()
            },
        };
        self.store.apply_order_report(&report, &ctx).await?.ok();
        self.store
            .find_order(&order.order_id)
            .await?
            .ok_or(ActionError::NotFound)
    }

    /// Stores a new order as NEW, audited, before anything is sent to Juspay. Used alone
    /// for the SDK's signed-payload flow, where the merchant's app opens Juspay's page with
    /// the signed order itself (§11).
    pub async fn register_order(
        &self,
        order: &NewOrder,
        audit: &AuditEntry,
    ) -> Result<(), ActionError> {
        order.validate()?;
        let ctx = self.context(Via::Action, &audit.trace_id);
        let local = OrderReport {
            order_id: order.order_id.clone(),
            status: Some(OrderStatus::New),
            amount: Some(order.amount),
            currency: Some(order.currency.clone()),
            customer_id: order.customer_id.clone(),
            customer_email: order.customer_email.clone(),
            customer_phone: order.customer_phone.clone(),
            description: order.description.clone(),
            ..OrderReport::default()
        };
        let mut tx = self.store.begin().await?;
        // Two submits of one key on PostgreSQL: the second waits here, then finds the first.
        tx.lock_key(&format!("order:{}", order.order_id)).await?;
        if tx.load_order(&order.order_id).await?.is_some() {
            return Err(invalid("order_id", "An order with this id exists already."));
        }
        tx.apply_order_report(&local, &ctx)
            .await?
            .map_err(|e| invalid("order", &e.to_string()))?;
        tx.audit(audit).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Creates the order through Juspay's `/session` (§4.2), storing it as NEW first, and
    /// returns Juspay's answer with the SDK payload (client-auth-token scheme).
    pub async fn create_session(
        &self,
        order: &NewOrder,
        payment_page_client_id: &str,
        audit: &AuditEntry,
    ) -> Result<SessionResponse, ActionError> {
        order.validate()?;
        let client = self.client()?;
        self.register_order(order, audit).await?;
        let ctx = self.context(Via::Action, &audit.trace_id);
        let mut request = SessionRequest::new(
            &order.order_id,
            Amount::from_minor(order.amount, &order.currency),
            payment_page_client_id,
        );
        request.currency = Some(order.currency.clone());
        request.customer_id = order.customer_id.clone();
        request.customer_email = order.customer_email.clone();
        request.customer_phone = order.customer_phone.clone();
        request.description = order.description.clone();
        request.return_url = order.return_url.clone();
        if order.pre_auth {
            request
                .extra
                .push((PRE_AUTH_FIELD.to_owned(), "false".to_owned()));
        }
        let session = match client.create_session(&request).await {
            Ok(session) => session,
            Err(e) => {
                let mut tx = self.store.begin().await?;
                tx.note_order_event(
                    &order.order_id,
                    &ctx,
                    "juspay_error",
                    &describe_juspay_error(&e),
                )
                .await?;
                tx.commit().await?;
                return Err(e.into());
            }
        };
        let report = OrderReport {
            order_id: order.order_id.clone(),
            juspay_id: session.id.clone(),
            payment_link: session.payment_links.as_ref().and_then(|l| l.web.clone()),
            ..OrderReport::default()
        };
        self.store.apply_order_report(&report, &ctx).await?.ok();
        Ok(session)
    }

    /// Asks Juspay for the order's status now and applies it (`Via::Sync`), audited. An
    /// order Juspay knows but we do not is created from its answer.
    pub async fn sync_order(
        &self,
        order_id: &str,
        audit: &AuditEntry,
    ) -> Result<AppliedOrder, ActionError> {
        self.refresh_order(order_id, &audit.trace_id, Some(audit))
            .await
    }

    /// Like [`Self::sync_order`] for a request no staff member made (the customer's return
    /// from the payment page): nothing to audit, the timeline still records it.
    pub async fn refresh_order(
        &self,
        order_id: &str,
        trace_id: &str,
        audit: Option<&AuditEntry>,
    ) -> Result<AppliedOrder, ActionError> {
        let client = self.client()?;
        let order = client
            .get_order(order_id, &OrderStatusOptions::default())
            .await?;
        let report = read_answer(&order, order_id)?;
        let ctx = self.context(Via::Sync, trace_id);
        let mut tx = self.store.begin().await?;
        let applied = tx
            .apply_order_report(&report, &ctx)
            .await?
            .map_err(|e| invalid("order", &e.to_string()))?;
        if let Some(audit) = audit {
            tx.audit(audit).await?;
        }
        tx.commit().await?;
        Ok(applied)
    }

    /// Changes the amount and/or udfs of an order not yet paid (`POST /orders/{id}`, §4.5),
    /// audited.
    pub async fn update_order(
        &self,
        order_id: &str,
        amount: Option<i64>,
        udfs: &[(String, String)],
        audit: &AuditEntry,
    ) -> Result<AppliedOrder, ActionError> {
        let client = self.client()?;
        let current = self
            .store
            .find_order(order_id)
            .await?
            .ok_or(ActionError::NotFound)?;
        let stage = Stage::of(&OrderStatus::from(current.status.as_str()));
        if !matches!(stage, Some(Stage::Created | Stage::New)) {
            return Err(invalid(
                "order",
                "Only an order with no payment attempt yet can be updated.",
            ));
        }
        if amount.is_some_and(|a| a <= 0) {
            return Err(invalid("amount", "The amount must be more than zero."));
        }
        if amount.is_none() && udfs.is_empty() {
            return Err(invalid("amount", "Nothing to change."));
        }
        let request = UpdateOrderRequest {
            amount: amount.map(|a| Amount::from_minor(a, &current.currency)),
            extra: udfs.to_vec(),
            routing_id: current.customer_id.clone(),
        };
        let order = client.update_order(order_id, &request).await?;
        let mut report = read_answer(&order, order_id)?;
        // Juspay's answer need not echo the udfs (§4.5); we know what we set.
        report.udfs.extend(udfs.iter().cloned());
        let ctx = self.context(Via::Action, &audit.trace_id);
        let mut tx = self.store.begin().await?;
        let applied = tx
            .apply_order_report(&report, &ctx)
            .await?
            .map_err(|e| invalid("order", &e.to_string()))?;
        tx.audit(audit).await?;
        tx.commit().await?;
        Ok(applied)
    }
}

/// Juspay's answer about `order_id` as a report; refused when it names another order or
/// holds an amount that cannot be read in the order's currency.
fn read_answer(order: &juspay::Order, order_id: &str) -> Result<OrderReport, ActionError> {
    OrderReport::from_order(order)
        .map_err(|e| invalid("order", &format!("Juspay's answer cannot be read: {e}.")))?
        .filter(|r| r.order_id == order_id)
        .ok_or_else(|| invalid("order", "Juspay's answer names another order."))
}

/// A fresh order id: `prefix_` and 12 lowercase letters and digits (within Juspay's
/// rule, and unique enough that a collision is refused by the store, not overwritten).
pub fn mint_order_id(prefix: &str) -> String {
    mint_key(prefix, 12)
}

/// `prefix_` and `len` random lowercase letters and digits: order ids, refund request ids
/// and capture keys.
pub(crate) fn mint_key(prefix: &str, len: usize) -> String {
    use rand::{Rng, distributions::Alphanumeric};
    let suffix: String = rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(|c| char::from(c).to_ascii_lowercase())
        .collect();
    format!("{prefix}_{suffix}")
}

pub(crate) fn invalid(field: &'static str, message: &str) -> ActionError {
    ActionError::Invalid {
        field,
        message: message.to_owned(),
    }
}

/// Juspay order ids: an alphanumeric first character, fewer than 21 characters
/// recommended (§4.1 table); we allow only `-` and `_` besides letters and digits, the
/// subset every Juspay variant accepts.
fn validate_order_id(order_id: &str) -> Result<(), ActionError> {
    let ok = order_id.len() <= 20
        && order_id
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphanumeric())
        && order_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(invalid(
            "order_id",
            "Use 1–20 letters, digits, '-' or '_', starting with a letter or digit.",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_order() -> NewOrder {
        NewOrder {
            order_id: "ord-1".into(),
            amount: 100,
            currency: "INR".into(),
            customer_email: Some("ana@example.com".into()),
            customer_phone: Some("+919876543210".into()),
            description: Some("A book".into()),
            ..NewOrder::default()
        }
    }

    fn refused_field(order: &NewOrder) -> Option<&'static str> {
        match order.validate() {
            Err(ActionError::Invalid { field, .. }) => Some(field),
            _ => None,
        }
    }

    #[test]
    fn a_new_order_from_outside_is_checked_field_by_field() {
        assert_eq!(refused_field(&new_order()), None);
        type Change = fn(&mut NewOrder);
        let cases: [(&str, Change); 10] = [
            ("customer_phone", |o| {
                o.customer_phone = Some("=HYPERLINK(\"x\")".into())
            }),
            ("customer_phone", |o| {
                o.customer_phone = Some("12345".into())
            }),
            ("customer_phone", |o| {
                o.customer_phone = Some("+1234567890123456".into())
            }),
            ("customer_email", |o| o.customer_email = Some("ana".into())),
            ("customer_email", |o| {
                o.customer_email = Some("ana@example".into())
            }),
            ("customer_email", |o| {
                o.customer_email = Some("a b@example.com".into())
            }),
            ("customer_email", |o| {
                o.customer_email = Some(format!("{}@example.com", "a".repeat(250)))
            }),
            ("description", |o| o.description = Some("x".repeat(256))),
            ("description", |o| {
                o.description = Some("line\nbreak".into())
            }),
            ("currency", |o| o.currency = "RUPEES".into()),
        ];
        for (field, change) in cases {
            let mut order = new_order();
            change(&mut order);
            assert_eq!(refused_field(&order), Some(field), "{order:?}");
        }
    }

    #[test]
    fn order_ids_follow_juspays_rule() {
        assert!(validate_order_id("ord_2026-11-23_01").is_ok());
        assert!(validate_order_id(&mint_order_id("pl")).is_ok());
        for bad in ["", "has space", "x".repeat(21).as_str(), "ord/1", "_ord"] {
            assert!(validate_order_id(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn juspay_refusals_name_the_code_but_never_the_body() {
        let body = juspay::ApiErrorBody::from_body(
            br#"{"status":"error","error_code":"invalid.order.not_successful","error_message":"secret internals"}"#,
        );
        let error = JuspayError::Rejected {
            status: 400,
            body: Box::new(body),
        };
        let message = describe_juspay_error(&error);
        assert!(message.contains("invalid.order.not_successful"));
        assert!(!message.contains("secret internals"));
        assert!(describe_juspay_error(&JuspayError::Timeout).contains("unknown"));
    }
}
