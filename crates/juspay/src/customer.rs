//! Customers (§8): the create request and the customer object.
//!
//! Invariant: the customer id doubles as the `x-routing-id` header value (§2.3), so every
//! customer call routes to the same Juspay shard.
//!
//! Section numbers (§) refer to docs/juspay.md, the wire format as this project implements it.

use serde::Deserialize;

use crate::encoding::{Fields, push, push_opt};
use crate::lenient;
use crate::order::ClientAuth;

/// Body of `POST /customers` (§8).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CreateCustomerRequest {
    /// Merchant's own customer key; required and unique.
    pub object_reference_id: String,
    pub mobile_number: String,
    /// Without a leading `+`.
    pub mobile_country_code: Option<String>,
    pub email_address: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub get_client_auth_token: bool,
}

impl CreateCustomerRequest {
    pub(crate) fn to_fields(&self) -> Fields {
        let mut fields = Fields::new();
        push(
            &mut fields,
            "object_reference_id",
            self.object_reference_id.as_str(),
        );
        push(&mut fields, "mobile_number", self.mobile_number.as_str());
        push_opt(
            &mut fields,
            "mobile_country_code",
            self.mobile_country_code.as_deref(),
        );
        push_opt(&mut fields, "email_address", self.email_address.as_deref());
        push_opt(&mut fields, "first_name", self.first_name.as_deref());
        push_opt(&mut fields, "last_name", self.last_name.as_deref());
        if self.get_client_auth_token {
            push(&mut fields, "options.get_client_auth_token", "true");
        }
        fields
    }
}

/// The customer object (§8).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Customer {
    /// Juspay id, `cst_…` or `cth_…`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub object_reference_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub mobile_country_code: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub mobile_number: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub email_address: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub first_name: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub last_name: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub date_created: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub last_updated: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_object")]
    pub juspay: Option<ClientAuth>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_customer_with_numeric_mobile_and_null_names_is_read() {
        let customer: Customer = serde_json::from_value(json!({"id":"cst_pcxaymwoh9vbse97",
            "object":"customer","object_reference_id":"customer@gmail.com",
            "mobile_country_code":91,"mobile_number":9988776655_i64,"first_name":null,
            "date_created":"2016-08-02T08:07:52+0000",
            "juspay":{"client_auth_token":"tkn_2454"}}))
        .unwrap();
        assert_eq!(customer.mobile_number.as_deref(), Some("9988776655"));
        assert_eq!(customer.mobile_country_code.as_deref(), Some("91"));
        assert_eq!(customer.first_name, None);
        assert_eq!(
            customer.date_created.as_deref(),
            Some("2016-08-02T08:07:52+0000")
        );
        let token = customer.juspay.and_then(|j| j.client_auth_token);
        assert_eq!(token.as_deref(), Some("tkn_2454"));
    }

    #[test]
    fn the_create_request_asks_for_a_token_only_when_told() {
        let mut request = CreateCustomerRequest {
            object_reference_id: "cust-0001".to_owned(),
            mobile_number: "9988776655".to_owned(),
            ..CreateCustomerRequest::default()
        };
        assert!(
            !request
                .to_fields()
                .iter()
                .any(|(k, _)| k.starts_with("options."))
        );
        request.get_client_auth_token = true;
        assert!(request.to_fields().contains(&(
            "options.get_client_auth_token".to_owned(),
            "true".to_owned()
        )));
    }
}
