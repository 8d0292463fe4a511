//! A second gateway for demos and tests: JPSL (JioPay, PayPhi stack) server-to-server
//! payment advice, signed with `secureHash` as JioPay's payment-advice documentation describes
//! (HMAC-SHA256 over the values of every non-empty field, keys in byte order, lowercase
//! hex). Invariant: the simulator signs independently of the dashboard's verifier; faults
//! (bad hash, duplicate, delay) are per callback.
//!
//! Section numbers (§) refer to docs/jpsl.md, the wire format as this project implements it.

use std::{collections::BTreeMap, sync::Arc, time::Duration};

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::server::Shared;

/// Where and how the simulator sends JPSL callbacks.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JpslConfig {
    pub callback_url: Option<String>,
    pub merchant_id: String,
    pub secret: String,
}

/// One advice to send (`POST /__sim/jpsl/callbacks`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JpslCallback {
    pub order_id: String,
    /// Major units, e.g. `"250.00"`.
    pub amount: String,
    /// `success`, `pending` or `failed`.
    #[serde(default = "success")]
    pub outcome: String,
    /// Send form-encoded instead of JSON.
    #[serde(default)]
    pub form: bool,
    /// `bad_hash` or `duplicate`.
    #[serde(default)]
    pub fault: Option<String>,
    /// Wait this long (real milliseconds) before sending.
    #[serde(default)]
    pub delay_ms: u64,
}

fn success() -> String {
    "success".to_owned()
}

/// The HTTP statuses the dashboard answered, one per delivery.
pub async fn send(shared: &Arc<Shared>, callback: &JpslCallback) -> Result<Vec<u16>, String> {
    let config = &shared.jpsl;
    let url = config
        .callback_url
        .clone()
        .ok_or_else(|| "no JPSL callback URL configured".to_owned())?;
    let fields = advice(shared, callback);
    let secret = match callback.fault.as_deref() {
        Some("bad_hash") => format!("{}-wrong", config.secret),
        _ => config.secret.clone(),
    };
    let mut signed = fields.clone();
    signed.insert(
        "secureHash".to_owned(),
        Value::String(secure_hash(&fields, &secret)),
    );
    if callback.delay_ms > 0 {
        shared
            .sleep_real(Duration::from_millis(callback.delay_ms))
            .await;
    }
    let copies = if callback.fault.as_deref() == Some("duplicate") {
        2
    } else {
        1
    };
    let mut statuses = Vec::new();
    for _ in 0..copies {
        let request = shared.http.post(&url);
        let request = if callback.form {
            let pairs: Vec<(String, String)> = signed
                .iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_owned())))
                .collect();
            request.form(&pairs)
        } else {
            request.json(&signed)
        };
        let status = request
            .send()
            .await
            .map_err(|e| format!("JPSL callback not delivered: {e}"))?
            .status()
            .as_u16();
        statuses.push(status);
    }
    Ok(statuses)
}

fn advice(shared: &Arc<Shared>, callback: &JpslCallback) -> BTreeMap<String, Value> {
    let n = shared.elapsed_ms();
    let (code, description) = match callback.outcome.as_str() {
        "pending" => ("P0030", "Awaiting user action"),
        "failed" => ("039", "Transaction rejected"),
        _ => ("0000", "Transaction successful"),
    };
    let now = crate::clock::compact_ist_now();
    let fields = json!({
        "acqName": "PayPhi",
        "TransmissionDateTime": now,
        "paymentDateTime": now,
        "paymentInstId": "demo@upi",
        "paymentMode": "UPI",
        "paymentSubInstType": "SAVINGS",
        "amount": callback.amount,
        "responseCode": code,
        "respDescription": description,
        "merchantId": shared.jpsl.merchant_id,
        "merchantTxnNo": callback.order_id,
        "txnID": format!("77{n:011}"),
        "paymentID": format!("55{n:09}"),
        "userID": null,
    });
    fields
        .as_object()
        .map(|o| o.clone().into_iter().collect())
        .unwrap_or_default()
}

/// §1.2: values of the non-empty fields (null, `""` and `false` left out), keys in byte
/// order, HMAC-SHA256 with the secret, lowercase hex.
pub fn secure_hash(fields: &BTreeMap<String, Value>, secret: &str) -> String {
    let message: String = fields
        .iter()
        .filter(|(k, _)| k.as_str() != "secureHash")
        .filter_map(|(_, v)| match v {
            Value::Null | Value::Bool(false) => None,
            Value::String(s) if s.is_empty() => None,
            Value::String(s) => Some(s.clone()),
            other => Some(other.to_string()),
        })
        .collect();
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return String::new();
    };
    mac.update(message.as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_published_vector_is_signed_the_same_way() {
        let fields: BTreeMap<String, Value> = json!({"responseCode":"R1000","merchantId":"T_70002",
            "aggregatorID":null,"merchantTxnNo":"TEST8203808038",
            "redirectURI":"https://qa.phicommerce.com/pg/api/v2/authRedirect",
            "showOTPCapturePage":"N","generateOTPURI":null,"verifyOTPURI":null,
            "authorizeURI":null,"tranCtx":"R6f25b783-24f0-42b8-bc2d-ff97669cf871"})
        .as_object()
        .unwrap()
        .clone()
        .into_iter()
        .collect();
        assert_eq!(
            secure_hash(&fields, "abc"),
            "52f2a2c024a0393462e19f98cb7aa7518cd4a6d4312d0be65007c8f3f1cdb1d8"
        );
    }
}
