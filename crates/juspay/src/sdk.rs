//! SDK signed payloads (§11): the merchant server signs the JSON the HyperSDK needs to
//! `initiate` and to open the Payment Page (`process` with `action: "paymentPage"`).
//!
//! The merchant app fetches a signed payload from the merchant server before `initiate`, and
//! signed order details before opening the payment page (D-SIGN); Juspay checks them with
//! the public key uploaded to the dashboard under `merchantKeyId`.
//!
//! Invariants:
//! * Each payload is serialised to a JSON string exactly once; those bytes are signed with
//!   RSA-SHA256 (PKCS#1 v1.5), the signature is base64, and the string travels verbatim —
//!   it is embedded in the SDK request as a JSON string and never re-serialised.
//! * Amounts stay [`Amount`] (minor units) until the wire, where they become a major-unit
//!   string such as `"10.50"`; timestamps become epoch-millisecond strings.
//! * The private key never prints: [`SdkSigner`]'s `Debug` is redacted, and load errors
//!   describe the PEM's shape, never its contents.
//!
//! Section numbers (§) refer to docs/juspay.md, the wire format as this project implements it.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rsa::pkcs1::{DecodeRsaPrivateKey as _, DecodeRsaPublicKey as _};
use rsa::pkcs1v15::{Signature, SigningKey, VerifyingKey};
use rsa::pkcs8::{DecodePrivateKey as _, DecodePublicKey as _, EncodePublicKey as _, LineEnding};
use rsa::rand_core::OsRng;
use rsa::signature::{RandomizedSigner as _, SignatureEncoding as _, Verifier as _};
use rsa::traits::PublicKeyParts as _;
use rsa::{RsaPrivateKey, RsaPublicKey};
use secrecy::{ExposeSecret as _, SecretString};
use serde::Serialize;
use serde_json::{Value, json};
use sha2::Sha256;

use crate::error::JuspayError;
use crate::money::Amount;

/// `service` of every SDK request envelope (§11).
pub const HYPERPAY_SERVICE: &str = "in.juspay.hyperpay";

/// The key size D-SIGN asks for (`openssl genrsa 2048`); smaller keys are refused.
const MIN_KEY_BITS: usize = 2048;

const PKCS1_PRIVATE: &str = "-----BEGIN RSA PRIVATE KEY-----";
const PKCS8_PRIVATE: &str = "-----BEGIN PRIVATE KEY-----";
const PKCS8_ENCRYPTED: &str = "-----BEGIN ENCRYPTED PRIVATE KEY-----";
const SPKI_PUBLIC: &str = "-----BEGIN PUBLIC KEY-----";
const PKCS1_PUBLIC: &str = "-----BEGIN RSA PUBLIC KEY-----";

/// Which HyperSDK environment the app talks to (`environment` in the envelope).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SdkEnvironment {
    Sandbox,
    Production,
}

impl SdkEnvironment {
    /// The spelling the SDK expects.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sandbox => "sandbox",
            Self::Production => "production",
        }
    }
}

/// What the envelope needs besides the signed payload: the SDK client id Juspay shares
/// at onboarding and the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SdkClient {
    pub client_id: String,
    pub environment: SdkEnvironment,
}

impl SdkClient {
    /// Settings for one SDK client id.
    pub fn new(client_id: impl Into<String>, environment: SdkEnvironment) -> Self {
        Self {
            client_id: client_id.into(),
            environment,
        }
    }
}

/// The `signaturePayload` signed for `initiate` (§11): who is about to pay, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitiatePayload {
    pub merchant_id: String,
    pub customer_id: String,
    /// Sent as epoch milliseconds.
    pub timestamp: SystemTime,
}

impl InitiatePayload {
    /// A payload stamped with the current time.
    pub fn new(merchant_id: impl Into<String>, customer_id: impl Into<String>) -> Self {
        Self {
            merchant_id: merchant_id.into(),
            customer_id: customer_id.into(),
            timestamp: SystemTime::now(),
        }
    }
}

/// The `orderDetails` signed to open the Payment Page (§11). `None` fields are omitted
/// from the signed JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentPageOrder {
    pub order_id: String,
    pub merchant_id: String,
    /// Sent as a two-decimal major-unit string.
    pub amount: Amount,
    /// Sent as epoch milliseconds.
    pub timestamp: SystemTime,
    /// `None` for a guest; the envelope then carries `customerId: ""` (D-SIGN).
    pub customer_id: Option<String>,
    pub customer_email: Option<String>,
    pub customer_phone: Option<String>,
    pub return_url: Option<String>,
    pub description: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// `udfs[0]` is sent as `udf1`, …, `udfs[9]` as `udf10`.
    pub udfs: [Option<String>; 10],
}

impl PaymentPageOrder {
    /// An order with the required fields, stamped with the current time.
    pub fn new(
        order_id: impl Into<String>,
        merchant_id: impl Into<String>,
        amount: Amount,
    ) -> Self {
        Self {
            order_id: order_id.into(),
            merchant_id: merchant_id.into(),
            amount,
            timestamp: SystemTime::now(),
            customer_id: None,
            customer_email: None,
            customer_phone: None,
            return_url: None,
            description: None,
            first_name: None,
            last_name: None,
            udfs: Default::default(),
        }
    }
}

/// Wire form of [`InitiatePayload`].
#[derive(Serialize)]
struct InitiateWire<'a> {
    merchant_id: &'a str,
    customer_id: &'a str,
    timestamp: String,
}

/// Wire form of [`PaymentPageOrder`], in the order D-SIGN lists the fields.
#[derive(Serialize)]
struct OrderDetailsWire<'a> {
    order_id: &'a str,
    merchant_id: &'a str,
    amount: String,
    timestamp: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    customer_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    customer_email: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    customer_phone: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    return_url: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    first_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    udf1: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    udf2: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    udf3: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    udf4: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    udf5: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    udf6: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    udf7: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    udf8: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    udf9: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    udf10: Option<&'a str>,
}

impl<'a> OrderDetailsWire<'a> {
    fn new(order: &'a PaymentPageOrder) -> Result<Self, JuspayError> {
        let udf = |n: usize| order.udfs[n].as_deref();
        Ok(Self {
            order_id: &order.order_id,
            merchant_id: &order.merchant_id,
            amount: order.amount.to_major_string(),
            timestamp: epoch_millis(order.timestamp)?,
            customer_id: order.customer_id.as_deref(),
            customer_email: order.customer_email.as_deref(),
            customer_phone: order.customer_phone.as_deref(),
            return_url: order.return_url.as_deref(),
            description: order.description.as_deref(),
            first_name: order.first_name.as_deref(),
            last_name: order.last_name.as_deref(),
            udf1: udf(0),
            udf2: udf(1),
            udf3: udf(2),
            udf4: udf(3),
            udf5: udf(4),
            udf6: udf(5),
            udf7: udf(6),
            udf8: udf(7),
            udf9: udf(8),
            udf10: udf(9),
        })
    }
}

fn epoch_millis(at: SystemTime) -> Result<String, JuspayError> {
    at.duration_since(UNIX_EPOCH)
        .map(|since| since.as_millis().to_string())
        .map_err(|_| JuspayError::Config("SDK payload timestamp is before 1970".to_owned()))
}

fn to_json_string(wire: &impl Serialize) -> Result<String, JuspayError> {
    serde_json::to_string(wire)
        .map_err(|e| JuspayError::Config(format!("SDK payload could not be serialised: {e}")))
}

/// Signs SDK payloads with the merchant's RSA private key (§11).
///
/// Holds the key and the dashboard key id (`merchantKeyId`); `Debug` never shows the key.
#[derive(Clone)]
pub struct SdkSigner {
    key: SigningKey<Sha256>,
    merchant_key_id: String,
}

impl fmt::Debug for SdkSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SdkSigner")
            .field("merchant_key_id", &self.merchant_key_id)
            .field("private_key", &"[REDACTED]")
            .finish()
    }
}

impl SdkSigner {
    /// Loads a PEM private key, PKCS#1 (`BEGIN RSA PRIVATE KEY`, `openssl genrsa` before
    /// OpenSSL 3) or PKCS#8 (`BEGIN PRIVATE KEY`), of at least 2048 bits.
    pub fn from_pem(
        private_key_pem: &SecretString,
        merchant_key_id: impl Into<String>,
    ) -> Result<Self, JuspayError> {
        let key = parse_private_key(private_key_pem.expose_secret())?;
        let bits = key.size() * 8;
        if bits < MIN_KEY_BITS {
            return Err(key_error(format!(
                "the RSA key has {bits} bits; Juspay expects at least {MIN_KEY_BITS}"
            )));
        }
        Ok(Self {
            key: SigningKey::new(key),
            merchant_key_id: merchant_key_id.into(),
        })
    }

    /// The dashboard key id sent as `merchantKeyId`.
    pub fn merchant_key_id(&self) -> &str {
        &self.merchant_key_id
    }

    /// The matching public key as SPKI PEM (`BEGIN PUBLIC KEY`), the form the dashboard
    /// takes and [`verify_sdk_signature`] reads.
    pub fn public_key_pem(&self) -> Result<String, JuspayError> {
        let private: &RsaPrivateKey = self.key.as_ref();
        private
            .to_public_key()
            .to_public_key_pem(LineEnding::LF)
            .map_err(|e| key_error(format!("the public key could not be encoded: {e}")))
    }

    /// RSA-SHA256 (PKCS#1 v1.5) signature of exactly `message`'s bytes, base64-encoded.
    /// The private-key operation is blinded with OS randomness; the signature itself is
    /// deterministic.
    pub fn sign(&self, message: &str) -> Result<String, JuspayError> {
        let signature = self
            .key
            .try_sign_with_rng(&mut OsRng, message.as_bytes())
            .map_err(|e| key_error(format!("signing failed: {e}")))?;
        Ok(STANDARD.encode(signature.to_bytes()))
    }

    /// Serialises `payload` once and signs that string, for `initiate`.
    pub fn sign_initiate(
        &self,
        payload: &InitiatePayload,
    ) -> Result<SignedInitiatePayload, JuspayError> {
        let signature_payload = to_json_string(&InitiateWire {
            merchant_id: &payload.merchant_id,
            customer_id: &payload.customer_id,
            timestamp: epoch_millis(payload.timestamp)?,
        })?;
        Ok(SignedInitiatePayload {
            signature: self.sign(&signature_payload)?,
            signature_payload,
            merchant_key_id: self.merchant_key_id.clone(),
            merchant_id: payload.merchant_id.clone(),
            customer_id: payload.customer_id.clone(),
        })
    }

    /// Serialises `order` once and signs that string, for the Payment Page.
    pub fn sign_order_details(
        &self,
        order: &PaymentPageOrder,
    ) -> Result<SignedOrderDetails, JuspayError> {
        let order_details = to_json_string(&OrderDetailsWire::new(order)?)?;
        Ok(SignedOrderDetails {
            signature: self.sign(&order_details)?,
            order_details,
            merchant_key_id: self.merchant_key_id.clone(),
            order: order.clone(),
        })
    }
}

fn key_error(reason: String) -> JuspayError {
    JuspayError::Config(format!("SDK signing key: {reason}"))
}

/// Describes what went wrong without echoing any of the PEM.
fn parse_private_key(pem: &str) -> Result<RsaPrivateKey, JuspayError> {
    let pem = pem.trim();
    if pem.starts_with(PKCS1_PRIVATE) {
        RsaPrivateKey::from_pkcs1_pem(pem)
            .map_err(|e| key_error(format!("unreadable PKCS#1 RSA private key PEM: {e}")))
    } else if pem.starts_with(PKCS8_PRIVATE) {
        RsaPrivateKey::from_pkcs8_pem(pem)
            .map_err(|e| key_error(format!("unreadable PKCS#8 RSA private key PEM: {e}")))
    } else if pem.starts_with(PKCS8_ENCRYPTED) {
        Err(key_error(
            "encrypted private keys are not supported; store the key decrypted in the vault"
                .to_owned(),
        ))
    } else {
        Err(key_error(format!(
            "not a PEM RSA private key: expected `{PKCS8_PRIVATE}` (PKCS#8) or \
             `{PKCS1_PRIVATE}` (PKCS#1)"
        )))
    }
}

fn parse_public_key(pem: &str) -> Result<RsaPublicKey, JuspayError> {
    let pem = pem.trim();
    let invalid = |reason: String| JuspayError::Config(format!("SDK public key: {reason}"));
    if pem.starts_with(SPKI_PUBLIC) {
        RsaPublicKey::from_public_key_pem(pem)
            .map_err(|e| invalid(format!("unreadable public key PEM: {e}")))
    } else if pem.starts_with(PKCS1_PUBLIC) {
        RsaPublicKey::from_pkcs1_pem(pem)
            .map_err(|e| invalid(format!("unreadable PKCS#1 RSA public key PEM: {e}")))
    } else {
        Err(invalid(format!(
            "not a PEM RSA public key: expected `{SPKI_PUBLIC}` or `{PKCS1_PUBLIC}`"
        )))
    }
}

/// Checks a base64 RSA-SHA256 (PKCS#1 v1.5) signature over exactly `message`'s bytes with
/// a PEM public key (`BEGIN PUBLIC KEY` or `BEGIN RSA PUBLIC KEY`).
///
/// `Ok(false)` for a wrong or undecodable signature; `Err` only for an unreadable key.
pub fn verify_sdk_signature(
    public_key_pem: &str,
    message: &str,
    signature_base64: &str,
) -> Result<bool, JuspayError> {
    let key = VerifyingKey::<Sha256>::new(parse_public_key(public_key_pem)?);
    let Ok(bytes) = STANDARD.decode(signature_base64.trim()) else {
        return Ok(false);
    };
    let Ok(signature) = Signature::try_from(bytes.as_slice()) else {
        return Ok(false);
    };
    Ok(key.verify(message.as_bytes(), &signature).is_ok())
}

/// The signed `signaturePayload` for `initiate`, as the merchant server hands it to the
/// app: serialises to `{"signaturePayload", "signature", "merchantKeyId"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SignedInitiatePayload {
    signature_payload: String,
    signature: String,
    merchant_key_id: String,
    #[serde(skip)]
    merchant_id: String,
    #[serde(skip)]
    customer_id: String,
}

impl SignedInitiatePayload {
    /// The exact string that was signed.
    pub fn signature_payload(&self) -> &str {
        &self.signature_payload
    }

    /// Base64 RSA-SHA256 signature of [`Self::signature_payload`].
    pub fn signature(&self) -> &str {
        &self.signature
    }

    pub fn merchant_key_id(&self) -> &str {
        &self.merchant_key_id
    }

    /// The full `initiate` SDK request (§11) with a fresh random `requestId`.
    pub fn sdk_request(&self, client: &SdkClient) -> Value {
        json!({
            "requestId": request_id(),
            "service": HYPERPAY_SERVICE,
            "payload": {
                "action": "initiate",
                "merchantId": self.merchant_id,
                "clientId": client.client_id,
                "customerId": self.customer_id,
                "environment": client.environment.as_str(),
                "merchantKeyId": self.merchant_key_id,
                "signaturePayload": self.signature_payload,
                "signature": self.signature,
            }
        })
    }
}

/// The signed `orderDetails` for the Payment Page, as the merchant server hands it to the
/// app: serialises to `{"orderDetails", "signature", "merchantKeyId"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SignedOrderDetails {
    order_details: String,
    signature: String,
    merchant_key_id: String,
    #[serde(skip)]
    order: PaymentPageOrder,
}

impl SignedOrderDetails {
    /// The exact string that was signed.
    pub fn order_details(&self) -> &str {
        &self.order_details
    }

    /// Base64 RSA-SHA256 signature of [`Self::order_details`].
    pub fn signature(&self) -> &str {
        &self.signature
    }

    pub fn merchant_key_id(&self) -> &str {
        &self.merchant_key_id
    }

    /// The full `paymentPage` SDK request (§11) with a fresh random `requestId`. Besides
    /// the signed fields it repeats `orderId` and `amount` (and the customer's email and
    /// phone when known), which the process payload lists as required (D-SIGN).
    pub fn sdk_request(&self, client: &SdkClient) -> Value {
        let order = &self.order;
        let mut request = json!({
            "requestId": request_id(),
            "service": HYPERPAY_SERVICE,
            "payload": {
                "action": "paymentPage",
                "merchantId": order.merchant_id,
                "clientId": client.client_id,
                "orderId": order.order_id,
                "amount": order.amount.to_major_string(),
                "customerId": order.customer_id.as_deref().unwrap_or_default(),
                "environment": client.environment.as_str(),
                "merchantKeyId": self.merchant_key_id,
                "orderDetails": self.order_details,
                "signature": self.signature,
            }
        });
        if let Some(payload) = request.get_mut("payload").and_then(Value::as_object_mut) {
            if let Some(email) = &order.customer_email {
                payload.insert("customerEmail".to_owned(), Value::from(email.as_str()));
            }
            if let Some(phone) = &order.customer_phone {
                payload.insert("customerMobile".to_owned(), Value::from(phone.as_str()));
            }
        }
        request
    }
}

/// A random UUID v4, the shape of the `requestId` in Juspay's samples.
fn request_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    // TEST-ONLY key pair, generated for these tests with `openssl genrsa 2048` on a dev
    // machine (PKCS#8), converted with `openssl rsa -traditional` (PKCS#1) and
    // `openssl rsa -pubout`. Never configure it anywhere.
    const TEST_ONLY_PKCS8_PEM: &str = "-----BEGIN PRIVATE KEY-----
MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQDcrpgLSntCID95
dJwXkWaX17vJn1wvDc03HBuVG1WnUpJhMmg5fMQcA2FrpcyGnriZMZv7yteDGzHa
NMi6PBcBZibAb6B4Hbmm529EDTwdqlqf5s6qc7x5wxjP0rgzHkk6vPY1mZfOar4z
O2wo1vUlaG9XTHKBFZ36ed3qvc1eptSgDfNDJ1tvzdwN/0cGpgevfTr8v09Ht4wi
Iggo1GIBpzVa1sWmK+ZdxIv4GOmY0IbptKXwOTvZY8YTgSN5hvbCH02rhxfwuJS1
ssaDdb7LW5eGCYIWqJmK0PShX98wf/OPI2g3j0OM4sjKaPa2WY4rUS3jL52o71u7
MUZY4MWTAgMBAAECggEANi3/UjZVEKUOMGl6sSaXg4wJpLSlU0AWNAOImhD99HiH
S6mugP6qvx3tWxp3nk11kNbnLuhcBOo2URZIecCq/ULxHKnLQfI6VEnZvWFqcvYS
DdQCxUJo8ZP+kXdwlcxHuk4OPJaa+KioTbe3FEfCJA8B1vMD4cFG6enlm+5Bb40d
GaAPqNyykEEZNu6UPzblLOub1s4na8sSKBAihyLETNkqqhB+RdMVmNS3j0n354c6
tfrbzaCEsYcwgA3RCvO7cxdSGt/buLqyhUr5I7pvnxkfOPjG6U8uC2B9118B1Qnf
wXVjmGIvCmHYy6ElhFo/jURo3RbVT0jpdLKRj93gUQKBgQD8BIrMM/Oly1XKn/tE
SxGmXI3iAf54rJrjVmYu5A+TKBtmauqvlg8uE5g2ILI+nUmrCim3qZZsuw6tkaVk
oMCkKy6SsY0GflfWIhpL938dyL4K7x1029bhwashytACCYuay1li5yaRaFTOmsGz
VaigNELM86NFTlI/DjLuP+OuTwKBgQDgK0r/9+9mI3Cxrgr18ag682VT6dMZlwfx
1r09Sy0QBnxiBrAI2idrwvXybreqSlx4MMngTHxlYGUJoIde3MWVl2/uhf1mXiIR
qU47wLKS/AxokREoJiJUr66yu6C93xNT6CRwdYQKDiN0IfB/NYurLjPcmaLmXoYw
aTbizGeHfQKBgQCAlFywdO0hsM2TtO4A2QAnTd+B6RyJOx9HUASQdgFQRk08gt48
OaaDDrJBI4ttkNhOMMA6GYdK8GE7wyyMW8wNto5rf7UBFCMCeKHMEnlDm/ECKR9x
SNyokCQc+JoKAA6/KnLvmBnAZGeohaLAObrwCdnvMXsi2CP0Ue1AS06B1wKBgQC7
XjRQAvJM0u6M9MYgkB5nN63IF7bkusJfN3fxVXaS4Hjyjlhw7bbpcYmVW0mUwpbL
tyvlmMiZC5soEs9TUQCtamiaW9BT0fZ0AKltdEFObfIJLMfEYSts0XMZ3Y4bZeuH
xI9AmFkG9o5XsU6NZToamIGsr5XjK7rJmAfSRbt7GQKBgGCgPUEo6W2Q8kPCF2Vc
Zt4+2yElxakJiQM/n7DI4FjOUd/4GxuAWzSCDBr4WK0yNqLuh7ihkHLRDuRcFDX0
X07jTAwrSBKQm8xYhRb1mg0gBz0SUZNAFs3vjMocm54b+b/SFYU9k0ISwQcfFw4N
gQ/qLxyErZpIGmcXzhC8t/FK
-----END PRIVATE KEY-----";
    const TEST_ONLY_PKCS1_PEM: &str = "-----BEGIN RSA PRIVATE KEY-----
MIIEpAIBAAKCAQEA3K6YC0p7QiA/eXScF5Fml9e7yZ9cLw3NNxwblRtVp1KSYTJo
OXzEHANha6XMhp64mTGb+8rXgxsx2jTIujwXAWYmwG+geB25pudvRA08Hapan+bO
qnO8ecMYz9K4Mx5JOrz2NZmXzmq+MztsKNb1JWhvV0xygRWd+nnd6r3NXqbUoA3z
Qydbb83cDf9HBqYHr306/L9PR7eMIiIIKNRiAac1WtbFpivmXcSL+BjpmNCG6bSl
8Dk72WPGE4EjeYb2wh9Nq4cX8LiUtbLGg3W+y1uXhgmCFqiZitD0oV/fMH/zjyNo
N49DjOLIymj2tlmOK1Et4y+dqO9buzFGWODFkwIDAQABAoIBADYt/1I2VRClDjBp
erEml4OMCaS0pVNAFjQDiJoQ/fR4h0uproD+qr8d7Vsad55NdZDW5y7oXATqNlEW
SHnAqv1C8Rypy0HyOlRJ2b1hanL2Eg3UAsVCaPGT/pF3cJXMR7pODjyWmvioqE23
txRHwiQPAdbzA+HBRunp5ZvuQW+NHRmgD6jcspBBGTbulD825Szrm9bOJ2vLEigQ
IocixEzZKqoQfkXTFZjUt49J9+eHOrX6282ghLGHMIAN0Qrzu3MXUhrf27i6soVK
+SO6b58ZHzj4xulPLgtgfddfAdUJ38F1Y5hiLwph2MuhJYRaP41EaN0W1U9I6XSy
kY/d4FECgYEA/ASKzDPzpctVyp/7REsRplyN4gH+eKya41ZmLuQPkygbZmrqr5YP
LhOYNiCyPp1Jqwopt6mWbLsOrZGlZKDApCsukrGNBn5X1iIaS/d/Hci+Cu8ddNvW
4cGrIcrQAgmLmstZYucmkWhUzprBs1WooDRCzPOjRU5SPw4y7j/jrk8CgYEA4CtK
//fvZiNwsa4K9fGoOvNlU+nTGZcH8da9PUstEAZ8YgawCNona8L18m63qkpceDDJ
4Ex8ZWBlCaCHXtzFlZdv7oX9Zl4iEalOO8CykvwMaJERKCYiVK+usrugvd8TU+gk
cHWECg4jdCHwfzWLqy4z3Jmi5l6GMGk24sxnh30CgYEAgJRcsHTtIbDNk7TuANkA
J03fgekciTsfR1AEkHYBUEZNPILePDmmgw6yQSOLbZDYTjDAOhmHSvBhO8MsjFvM
DbaOa3+1ARQjAnihzBJ5Q5vxAikfcUjcqJAkHPiaCgAOvypy75gZwGRnqIWiwDm6
8AnZ7zF7Itgj9FHtQEtOgdcCgYEAu140UALyTNLujPTGIJAeZzetyBe25LrCXzd3
8VV2kuB48o5YcO226XGJlVtJlMKWy7cr5ZjImQubKBLPU1EArWpomlvQU9H2dACp
bXRBTm3yCSzHxGErbNFzGd2OG2Xrh8SPQJhZBvaOV7FOjWU6GpiBrK+V4yu6yZgH
0kW7exkCgYBgoD1BKOltkPJDwhdlXGbePtshJcWpCYkDP5+wyOBYzlHf+BsbgFs0
ggwa+FitMjai7oe4oZBy0Q7kXBQ19F9O40wMK0gSkJvMWIUW9ZoNIAc9ElGTQBbN
74zKHJueG/m/0hWFPZNCEsEHHxcODYEP6i8chK2aSBpnF84QvLfxSg==
-----END RSA PRIVATE KEY-----";
    const TEST_ONLY_PUBLIC_PEM: &str = "-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA3K6YC0p7QiA/eXScF5Fm
l9e7yZ9cLw3NNxwblRtVp1KSYTJoOXzEHANha6XMhp64mTGb+8rXgxsx2jTIujwX
AWYmwG+geB25pudvRA08Hapan+bOqnO8ecMYz9K4Mx5JOrz2NZmXzmq+MztsKNb1
JWhvV0xygRWd+nnd6r3NXqbUoA3zQydbb83cDf9HBqYHr306/L9PR7eMIiIIKNRi
Aac1WtbFpivmXcSL+BjpmNCG6bSl8Dk72WPGE4EjeYb2wh9Nq4cX8LiUtbLGg3W+
y1uXhgmCFqiZitD0oV/fMH/zjyNoN49DjOLIymj2tlmOK1Et4y+dqO9buzFGWODF
kwIDAQAB
-----END PUBLIC KEY-----";
    // TEST-ONLY 1024-bit key (`openssl genrsa 1024`), too small to be accepted.
    const TEST_ONLY_1024_BIT_PEM: &str = "-----BEGIN PRIVATE KEY-----
MIICdQIBADANBgkqhkiG9w0BAQEFAASCAl8wggJbAgEAAoGBAKYfFIqoiQvdIuPV
PruOSPf7+HIpj8EGG6hRTrBG+Rdbk4C9rMcvvLnsCi5l1pj4k2E586RDAwi/JO51
c3z3gyVuKZn8kk7fT0WQqO74v6irpak7yyGqOXa1bveKHZ7TQ9ASBROvYh9SOqFr
HNz2POjctOQfhbjOINb0cj8OBYBzAgMBAAECgYBefw+QUI6k0QYn1AX7atTXO934
EuxTQMY62QWKANVxFAa0FTFTnTQeDsc73XJVUhGEHRMbPYNcVl8LxoQLckCG/xDD
89koDAiZ5QpdOh5M9a/XVbOqVZwXlfD4gcuSwQpodBS9SnSmZyV7BZgoHuJkm8Re
Q/B2uQ5AIPq9OSOiAQJBAN1By4h67+EyfjgkszEiBkxDPixR8Aw7+hLQTER9XfVX
J5T/cZSxTIC5vDE2Tl6hvVvuA4RKFL+SsNA6VOQ+SEkCQQDANOpUP5y0YmV3eJJT
15kBk40VHHZVNhb9iNC4FXRrdUXVmPYNKckttrep1mvvNhB8woYD8vFXQYFzJCZ0
tFrbAkBVq8RDdFatu/9jfdJkk+gcX20TfCaWliKeZkkhu+lFthl9d+tix8P3k/Nq
mrx9p+LKVb7G2mhuRT5xYiS8u+EBAkBVjjhQUBB86t+nkm/wCiP9Y6SFJSo3O+B3
8pKVnlc4DfeL4I6FxXfbdV3Dp8JbtIEaR6xHzbhH0szAZ/MGN9HJAkBmco7UAfn2
hvpML4RIduVRO+wL+hVP8cy9yoOh4vUHyFx8g+V7U0m6tXvbzSVC/SZjkD1Ssr7f
3Aa5P54uSIfs
-----END PRIVATE KEY-----";

    /// `openssl dgst -sha256 -sign` of [`OPENSSL_MESSAGE`] with the test key, base64.
    const OPENSSL_MESSAGE: &str =
        r#"{"merchant_id":"m1","customer_id":"cst_42","timestamp":"1695029591000"}"#;
    const OPENSSL_SIGNATURE: &str = "yrZxdvGb18N0vEvNNgyVBKpxzf31ycqwTSPyWIpxx86WAZH2n2etu534T7YAxwFuvwb19LIidhIcvh2NxBQOEeflzGdcoOJ4G5ipJAoTDkvYbn8uvc39M9TOCg6lKmZ/rmO8Fv6rIEh5ULgW+/E6SFhiiNYjeA5o/tOkmu2hizIu5YYYcdZKW+5/QNNLLqXFuWIW11hNYl/q6zX0NwP1PDcS6E7b3uObstJHVKL7Xg5xWKCZz/WNH8Wl0h2tGgPL1jhUltb6d/wXb2MRoudy/jLXs9vD3clxDOmF0tJHcBcsjwNWKImqMbeX+/3pB7kDxLFt36CKlzkjZJ0D0CY9xA==";

    /// 2023-09-18T09:33:11Z, the example timestamp of D-SIGN.
    const AT_MS: u64 = 1_695_029_591_000;

    fn at() -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(AT_MS)
    }

    fn signer() -> SdkSigner {
        SdkSigner::from_pem(&SecretString::from(TEST_ONLY_PKCS8_PEM), "2980").unwrap()
    }

    fn order() -> PaymentPageOrder {
        let mut order = PaymentPageOrder::new("order_1001", "m1", Amount::from_minor(1050, "INR"));
        order.timestamp = at();
        order.customer_id = Some("cst_42".to_owned());
        order.customer_email = Some("a@example.com".to_owned());
        order.return_url = Some("https://shop.example/return?x=1&y=\"2\"".to_owned());
        order.description = Some("Café order — 2 items".to_owned());
        order.udfs[0] = Some("campaign-7".to_owned());
        order
    }

    fn client() -> SdkClient {
        SdkClient::new("m1_android", SdkEnvironment::Sandbox)
    }

    fn error_text(result: Result<SdkSigner, JuspayError>) -> String {
        match result {
            Ok(_) => panic!("the key was accepted"),
            Err(error) => {
                assert!(matches!(error, JuspayError::Config(_)));
                error.to_string()
            }
        }
    }

    #[test]
    fn a_signature_made_with_the_private_key_verifies_with_the_public_key() {
        let signed = signer().sign_order_details(&order()).unwrap();
        let valid = verify_sdk_signature(
            TEST_ONLY_PUBLIC_PEM,
            signed.order_details(),
            signed.signature(),
        );
        assert!(valid.unwrap());
    }

    #[test]
    fn signatures_match_what_openssl_produces_for_the_same_key_and_message() {
        assert_eq!(signer().sign(OPENSSL_MESSAGE).unwrap(), OPENSSL_SIGNATURE);
        let valid = verify_sdk_signature(TEST_ONLY_PUBLIC_PEM, OPENSSL_MESSAGE, OPENSSL_SIGNATURE);
        assert!(valid.unwrap());
    }

    #[test]
    fn pkcs1_and_pkcs8_pems_of_one_key_load_to_the_same_signer() {
        let pkcs1 = SdkSigner::from_pem(&SecretString::from(TEST_ONLY_PKCS1_PEM), "2980").unwrap();
        assert_eq!(pkcs1.sign(OPENSSL_MESSAGE).unwrap(), OPENSSL_SIGNATURE);
        assert_eq!(pkcs1.public_key_pem().unwrap().trim(), TEST_ONLY_PUBLIC_PEM);
        assert_eq!(
            signer().public_key_pem().unwrap().trim(),
            TEST_ONLY_PUBLIC_PEM
        );
    }

    #[test]
    fn changing_one_byte_of_the_signed_string_fails_verification() {
        let signed = signer().sign_initiate(&InitiatePayload {
            merchant_id: "m1".to_owned(),
            customer_id: "cst_42".to_owned(),
            timestamp: at(),
        });
        let signed = signed.unwrap();
        let mut bytes = signed.signature_payload().as_bytes().to_vec();
        let last_digit = bytes.iter().rposition(u8::is_ascii_digit).unwrap();
        bytes[last_digit] = if bytes[last_digit] == b'9' {
            b'8'
        } else {
            b'9'
        };
        let tampered = String::from_utf8(bytes).unwrap();
        assert_ne!(tampered, signed.signature_payload());
        let result = verify_sdk_signature(TEST_ONLY_PUBLIC_PEM, &tampered, signed.signature());
        assert!(!result.unwrap());
    }

    #[test]
    fn a_wrong_or_undecodable_signature_does_not_verify() {
        let mut other = OPENSSL_SIGNATURE.to_owned();
        other.replace_range(0..4, "AAAA");
        for signature in [other.as_str(), "not base64!", "", "AAAA"] {
            let result = verify_sdk_signature(TEST_ONLY_PUBLIC_PEM, OPENSSL_MESSAGE, signature);
            assert!(!result.unwrap(), "{signature:?} verified");
        }
    }

    #[test]
    fn the_payment_page_request_carries_the_signed_order_details_byte_for_byte() {
        let signed = signer().sign_order_details(&order()).unwrap();
        let request = signed.sdk_request(&client());
        assert_eq!(request["service"], HYPERPAY_SERVICE);
        let request_id = request["requestId"].as_str().unwrap();
        assert_eq!(
            uuid::Uuid::parse_str(request_id).unwrap().get_version_num(),
            4
        );
        let payload = &request["payload"];
        assert_eq!(payload["action"], "paymentPage");
        assert_eq!(payload["merchantId"], "m1");
        assert_eq!(payload["clientId"], "m1_android");
        assert_eq!(payload["customerId"], "cst_42");
        assert_eq!(payload["environment"], "sandbox");
        assert_eq!(payload["merchantKeyId"], "2980");
        assert_eq!(payload["signature"], signed.signature());
        assert_eq!(payload["orderId"], "order_1001");
        assert_eq!(payload["amount"], "10.50");

        let carried = payload["orderDetails"].as_str().unwrap();
        assert_eq!(carried, signed.order_details());
        assert!(verify_sdk_signature(TEST_ONLY_PUBLIC_PEM, carried, signed.signature()).unwrap());

        let details: Value = serde_json::from_str(carried).unwrap();
        assert_eq!(details["order_id"], "order_1001");
        assert_eq!(details["merchant_id"], "m1");
        assert_eq!(details["amount"], "10.50");
        assert_eq!(details["timestamp"], AT_MS.to_string());
        assert_eq!(details["customer_id"], "cst_42");
        assert_eq!(details["description"], "Café order — 2 items");
        assert_eq!(
            details["return_url"],
            "https://shop.example/return?x=1&y=\"2\""
        );
        assert_eq!(details["udf1"], "campaign-7");
        let keys: Vec<&str> = details
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        for absent in ["customer_phone", "first_name", "last_name", "udf2", "udf10"] {
            assert!(!keys.contains(&absent), "{absent} should be omitted");
        }
    }

    #[test]
    fn the_initiate_request_carries_the_signature_payload_byte_for_byte() {
        let mut payload = InitiatePayload::new("m1", "cst_42");
        payload.timestamp = at();
        let signed = signer().sign_initiate(&payload).unwrap();
        assert_eq!(
            signed.signature_payload(),
            format!(r#"{{"merchant_id":"m1","customer_id":"cst_42","timestamp":"{AT_MS}"}}"#)
        );
        let request = signed.sdk_request(&SdkClient::new("m1_ios", SdkEnvironment::Production));
        let body = &request["payload"];
        assert_eq!(body["action"], "initiate");
        assert_eq!(body["customerId"], "cst_42");
        assert_eq!(body["environment"], "production");
        assert_eq!(body["merchantKeyId"], "2980");
        assert_eq!(
            body["signaturePayload"].as_str().unwrap(),
            signed.signature_payload()
        );
        assert_eq!(body["signature"], signed.signature());
    }

    #[test]
    fn a_guest_order_opens_the_payment_page_with_an_empty_customer_id() {
        let mut guest = order();
        guest.customer_id = None;
        let signed = signer().sign_order_details(&guest).unwrap();
        assert_eq!(signed.sdk_request(&client())["payload"]["customerId"], "");
        assert!(!signed.order_details().contains("customer_id"));
    }

    #[test]
    fn the_signed_order_details_serialise_for_the_app_with_camel_case_keys() {
        let signed = signer().sign_order_details(&order()).unwrap();
        let handed_to_app = serde_json::to_value(&signed).unwrap();
        let keys: Vec<&str> = handed_to_app
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys.len(), 3);
        assert_eq!(
            handed_to_app["orderDetails"].as_str().unwrap(),
            signed.order_details()
        );
        assert_eq!(handed_to_app["signature"], signed.signature());
        assert_eq!(handed_to_app["merchantKeyId"], "2980");
    }

    #[test]
    fn debug_output_of_the_signer_does_not_contain_the_key() {
        let shown = format!("{:?}", signer());
        assert!(shown.contains("2980") && shown.contains("REDACTED"));
        for line in TEST_ONLY_PKCS8_PEM
            .lines()
            .chain(TEST_ONLY_PKCS1_PEM.lines())
            .skip(1)
        {
            assert!(!shown.contains(&line[..16]), "key material in {shown}");
        }
        assert!(shown.len() < 200);
    }

    #[test]
    fn a_malformed_pem_gives_a_clear_error() {
        let not_pem = error_text(SdkSigner::from_pem(&SecretString::from("hello"), "1"));
        assert!(not_pem.contains("not a PEM RSA private key"), "{not_pem}");

        let truncated: String = TEST_ONLY_PKCS8_PEM
            .lines()
            .take(5)
            .collect::<Vec<_>>()
            .join("\n");
        let cut = error_text(SdkSigner::from_pem(
            &SecretString::from(truncated.as_str()),
            "1",
        ));
        assert!(cut.contains("unreadable PKCS#8"), "{cut}");
        assert!(!cut.contains(&truncated.lines().nth(2).unwrap()[..16]));

        let public = error_text(SdkSigner::from_pem(
            &SecretString::from(TEST_ONLY_PUBLIC_PEM),
            "1",
        ));
        assert!(public.contains("not a PEM RSA private key"), "{public}");

        let small = error_text(SdkSigner::from_pem(
            &SecretString::from(TEST_ONLY_1024_BIT_PEM),
            "1",
        ));
        assert!(small.contains("1024 bits"), "{small}");

        let bad_public = verify_sdk_signature("garbage", OPENSSL_MESSAGE, OPENSSL_SIGNATURE);
        assert!(
            matches!(bad_public, Err(JuspayError::Config(m)) if m.contains("not a PEM RSA public key"))
        );
    }
}
