//! Masks customers' personal data in stored deliveries for staff who need the shape of a
//! body but not the person behind it (viewers): e-mail addresses, phone numbers, UPI
//! addresses (VPAs) and card fields.
//!
//! Invariant: masking is decided by the field's name, at any depth, so a field Juspay adds
//! later under a known name is masked too; a body that is not JSON cannot be walked and
//! is withheld whole rather than shown unmasked.

use serde_json::Value;

/// What a viewer sees of a body that is not JSON.
pub const WITHHELD_BODY: &str =
    "(Not shown: this body is not JSON, so its personal fields cannot be masked for viewers.)";

/// The body as a viewer may see it: pretty JSON with personal fields masked, or
/// [`WITHHELD_BODY`].
pub fn mask_body_for_viewer(body: &[u8]) -> String {
    match serde_json::from_slice::<Value>(body) {
        Ok(mut value) => {
            mask_personal_fields(&mut value);
            serde_json::to_string_pretty(&value).unwrap_or_else(|_| WITHHELD_BODY.to_owned())
        }
        Err(_) => WITHHELD_BODY.to_owned(),
    }
}

/// Masks, in place and at any depth, every string or number under a personal field name.
pub fn mask_personal_fields(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, field) in map.iter_mut() {
                match personal_kind(key) {
                    Some(kind) => mask_leaf(field, kind),
                    None => mask_personal_fields(field),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(mask_personal_fields),
        _ => {}
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Personal {
    Email,
    Phone,
    Vpa,
    Card,
}

/// The kind of personal data a field holds, by its name.
fn personal_kind(key: &str) -> Option<Personal> {
    let key = key.to_ascii_lowercase();
    if key.contains("email") {
        Some(Personal::Email)
    } else if key.contains("phone") || key.contains("mobile") {
        Some(Personal::Phone)
    } else if key.contains("vpa") {
        Some(Personal::Vpa)
    } else if key.starts_with("card_")
        || key.contains("name_on_card")
        || key.contains("card_holder")
        || key.contains("last_four")
        || key == "card"
    {
        Some(Personal::Card)
    } else {
        None
    }
}

fn mask_leaf(value: &mut Value, kind: Personal) {
    match value {
        Value::String(text) if !text.is_empty() => *text = mask_text(text, kind),
        Value::Number(number) => *value = Value::String(mask_text(&number.to_string(), kind)),
        Value::Object(_) | Value::Array(_) => mask_all(value, kind),
        _ => {}
    }
}

/// Masks every leaf below a personal field (a `card` object, a list of phones).
fn mask_all(value: &mut Value, kind: Personal) {
    match value {
        Value::Object(map) => map.values_mut().for_each(|v| mask_leaf(v, kind)),
        Value::Array(items) => items.iter_mut().for_each(|v| mask_leaf(v, kind)),
        _ => mask_leaf(value, kind),
    }
}

/// Keeps just enough to tell two customers apart on a call: an address's first letter and
/// domain or handle, a phone's last two digits.
fn mask_text(text: &str, kind: Personal) -> String {
    match kind {
        Personal::Email | Personal::Vpa => match text.split_once('@') {
            Some((local, domain)) => {
                let first: String = local.chars().take(1).collect();
                format!("{first}***@{domain}")
            }
            None => "***".to_owned(),
        },
        Personal::Phone => {
            let digits: Vec<char> = text.chars().filter(char::is_ascii_digit).collect();
            let tail: String = digits[digits.len().saturating_sub(2)..].iter().collect();
            format!("***{tail}")
        }
        Personal::Card => "***".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn emails_phones_vpas_and_card_fields_are_masked_at_any_depth() {
        let mut body = json!({
            "event_name": "ORDER_SUCCEEDED",
            "content": {"order": {
                "order_id": "ord_1",
                "amount": 100.0,
                "customer_email": "ana@example.com",
                "customer_phone": "9876543210",
                "payment_method": "UPI",
                "payer_vpa": "ana.lee@okbank",
                "card": {"last_four_digits": "4242", "card_isin": "424242", "name_on_card": "Ana"},
                "upi": {"payer_vpa": "ana@upi"},
                "txn_detail": [{"customer_mobile": 9876543210_i64, "card_number": "4242424242424242"}],
            }}
        });
        mask_personal_fields(&mut body);
        let order = &body["content"]["order"];
        assert_eq!(order["order_id"], "ord_1");
        assert_eq!(order["amount"], 100.0);
        assert_eq!(order["payment_method"], "UPI");
        assert_eq!(order["customer_email"], "a***@example.com");
        assert_eq!(order["customer_phone"], "***10");
        assert_eq!(order["payer_vpa"], "a***@okbank");
        assert_eq!(order["upi"]["payer_vpa"], "a***@upi");
        assert_eq!(
            order["card"],
            json!({"last_four_digits": "***", "card_isin": "***", "name_on_card": "***"})
        );
        assert_eq!(order["txn_detail"][0]["customer_mobile"], "***10");
        assert_eq!(order["txn_detail"][0]["card_number"], "***");
        let shown = body.to_string();
        for secret in ["ana@example.com", "9876543210", "4242", "ana.lee"] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
    }

    #[test]
    fn a_body_that_is_not_json_is_withheld_from_viewers() {
        assert_eq!(
            mask_body_for_viewer(b"email=ana@example.com"),
            WITHHELD_BODY
        );
        assert!(
            mask_body_for_viewer(br#"{"email":"ana@example.com"}"#).contains("a***@example.com")
        );
    }
}
