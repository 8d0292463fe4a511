//! The hosted test payment page at `payment_links.web` = `/pay/{merchant}/{order}` (§4.2, §13): a plain HTML form
//! that works without JavaScript. Invariant: submitting it applies exactly the outcome
//! picked, then answers 303 to the order's `return_url` with the §10 signed query.
//!
//! Section numbers (§) refer to docs/juspay.md, the wire format as this project implements it.

use std::sync::Arc;

use axum::Form;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

use crate::amount;
use crate::error::ApiError;
use crate::payments::{self, FailureReason, Outcome, PaymentRequest};
use crate::server::Shared;
use crate::state::PaymentMethod;

/// The submitted form: `choice` is `charged`, `pending_then_charged`, `user_aborted` or
/// a failure code such as `DECLINED`; `method` a `payment_method_type`.
#[derive(Debug, Deserialize)]
pub struct PageForm {
    /// Picked outcome.
    pub choice: String,
    /// Picked instrument.
    #[serde(default)]
    pub method: Option<String>,
}

impl PageForm {
    /// Converts the form into a payment request, or `None` for an unknown choice.
    pub fn to_request(&self) -> Option<PaymentRequest> {
        let method = match self.method.as_deref() {
            Some(m) => PaymentMethod::from_type_name(m)?,
            None => PaymentMethod::Card,
        };
        let (outcome, reason) = match self.choice.as_str() {
            "charged" => (Outcome::Charged, None),
            "pending_then_charged" => (Outcome::PendingThenCharged, None),
            "user_aborted" => (Outcome::UserAborted, None),
            code => (Outcome::Failed, Some(FailureReason::from_code(code)?)),
        };
        Some(PaymentRequest {
            outcome,
            reason,
            method,
        })
    }
}

/// `GET /pay/{merchant_id}/{order_id}`.
pub async fn show(
    State(shared): State<Arc<Shared>>,
    Path((merchant_id, order_id)): Path<(String, String)>,
) -> Response {
    let Ok(store) = shared.store_of(&merchant_id) else {
        return unknown_order();
    };
    let Some(order) = store.order(&order_id) else {
        return unknown_order();
    };
    let mut choices = String::from(
        r#"<label><input type="radio" name="choice" value="charged" checked> Charged</label><br>"#,
    );
    for reason in FailureReason::ALL {
        choices.push_str(&format!(
            r#"<label><input type="radio" name="choice" value="{code}"> Failed: {code}</label><br>"#,
            code = reason.code()
        ));
    }
    choices.push_str(r#"<label><input type="radio" name="choice" value="pending_then_charged"> Pending, then charged</label><br>"#);
    choices.push_str(r#"<label><input type="radio" name="choice" value="user_aborted"> User aborted</label><br>"#);
    let methods: String = PaymentMethod::ALL
        .iter()
        .map(|m| format!(r#"<option value="{0}">{0}</option>"#, m.type_name()))
        .collect();
    let body = format!(
        r#"<p>Order <b>{id}</b>: {amount} {currency}</p>
<form method="post" action="{action}">
<p><label>Payment method <select name="method">{methods}</select></label></p>
<fieldset><legend>Outcome</legend>{choices}</fieldset>
<p><button type="submit">Pay</button></p>
</form>"#,
        id = escape(&order.order_id),
        amount = amount::to_decimal_string(order.amount, &order.currency),
        currency = escape(&order.currency),
        action = escape(&store.payment_link(&order.order_id)),
    );
    Html(page("Juspay simulator — test payment", &body)).into_response()
}

/// `POST /pay/{order_id}`: applies the outcome and redirects (303) to the signed return
/// URL, or shows the result when the order has no `return_url`.
pub async fn submit(
    State(shared): State<Arc<Shared>>,
    Path((merchant_id, order_id)): Path<(String, String)>,
    Form(form): Form<PageForm>,
) -> Response {
    let Some(request) = form.to_request() else {
        return (
            StatusCode::BAD_REQUEST,
            Html(page("Bad choice", "<p>Unknown outcome or method.</p>")),
        )
            .into_response();
    };
    match payments::pay(&shared, &merchant_id, &order_id, &request) {
        Ok(result) => match result.redirect_url {
            Some(url) => (StatusCode::SEE_OTHER, [(header::LOCATION, url)]).into_response(),
            None => Html(page(
                "Payment finished",
                &format!(
                    "<p>Order {} is {}.</p>",
                    escape(&result.order_id),
                    result.status
                ),
            ))
            .into_response(),
        },
        Err(ApiError { http, body }) => (
            http,
            Html(page(
                "Payment refused",
                &format!("<pre>{}</pre>", escape(&body.to_string())),
            )),
        )
            .into_response(),
    }
}

fn unknown_order() -> Response {
    (
        StatusCode::NOT_FOUND,
        Html(page("Unknown order", "<p>No such order.</p>")),
    )
        .into_response()
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{title}</title></head><body><h1>{title}</h1>{body}</body></html>"
    )
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
