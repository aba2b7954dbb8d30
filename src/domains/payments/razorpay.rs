//! The Razorpay REST API as Kirana uses it (orders, payments, capture) and Razorpay's two
//! signatures: a payment's (HMAC-SHA256 with the key secret over `order_id|payment_id`)
//! and a webhook's (HMAC-SHA256 of the raw body with the webhook secret), both hex.

use std::sync::Arc;
use std::time::Duration;

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::breaker::CircuitBreaker;
use crate::config::RazorpaySettings;
use crate::http::AppError;

type HmacSha256 = Hmac<Sha256>;

/// Whether `signature` (hex) is the HMAC-SHA256 of `message` with `secret`; compared in
/// constant time.
fn hmac_matches(secret: &[u8], message: &[u8], signature: &str) -> bool {
    let Ok(expected) = hex::decode(signature.trim()) else {
        return false;
    };
    let Ok(mut mac) = HmacSha256::new_from_slice(secret) else {
        return false;
    };
    mac.update(message);
    mac.verify_slice(&expected).is_ok()
}

/// A payment's signature from Razorpay Checkout, over the Razorpay order id *Kirana
/// stored* and the payment id.
pub fn payment_signature_ok(
    key_secret: &str,
    order_id: &str,
    payment_id: &str,
    signature: &str,
) -> bool {
    let message = format!("{order_id}|{payment_id}");
    hmac_matches(key_secret.as_bytes(), message.as_bytes(), signature)
}

/// A webhook's `X-Razorpay-Signature` under any of the accepted secrets.
pub fn webhook_signature_ok(secrets: &[String], body: &[u8], signature: &str) -> bool {
    secrets
        .iter()
        .filter(|s| !s.is_empty())
        .any(|s| hmac_matches(s.as_bytes(), body, signature))
}

#[derive(Debug, Clone, Deserialize)]
pub struct RzpOrder {
    pub id: String,
    pub amount: i64,
    pub currency: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RzpPayment {
    pub id: String,
    pub order_id: Option<String>,
    pub amount: i64,
    pub currency: String,
    /// `created`, `authorized`, `captured`, `refunded` or `failed`.
    pub status: String,
    #[serde(default)]
    pub error_description: Option<String>,
    #[serde(default)]
    pub amount_refunded: i64,
}

#[derive(Debug, Clone, Deserialize)]
struct Collection<T> {
    items: Vec<T>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RzpRefund {
    pub id: String,
    pub amount: i64,
}

/// How a call failed: the service is down (counts against the circuit; the outcome is
/// unknown) or it refused (nothing happened).
pub enum Failure {
    Down(AppError),
    Refused(AppError),
}

impl Failure {
    pub fn into_error(self) -> AppError {
        match self {
            Failure::Down(e) | Failure::Refused(e) => e,
        }
    }
}

#[derive(Serialize)]
struct NewOrder<'a> {
    amount: i64,
    currency: &'a str,
    receipt: &'a str,
    notes: serde_json::Value,
    payment_capture: bool,
}

#[derive(Deserialize)]
struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Deserialize)]
struct ErrorDetail {
    #[serde(default)]
    code: String,
    #[serde(default)]
    description: String,
}

/// The API client. Every call has the configured timeout; errors never carry the secret.
pub struct Razorpay {
    http: reqwest::Client,
    base: String,
    key_id: String,
    checkout_script_url: String,
    key_secret: String,
    pub auto_capture: bool,
    breaker: Arc<CircuitBreaker>,
}

/// Whether a call may be repeated: reads, and writes Razorpay de-duplicates itself.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Retry {
    Safe,
    Once,
}

/// Up to 100 ms × 2^attempt, at random (so retrying clients do not march in step).
fn backoff(attempt: u32) -> Duration {
    let mut byte = [0u8; 2];
    let random = getrandom::fill(&mut byte).map_or(0, |_| u16::from_le_bytes(byte));
    let cap = 100u64 << attempt.min(4);
    Duration::from_millis(cap / 2 + u64::from(random) % (cap / 2 + 1))
}

impl Razorpay {
    pub fn new(settings: &RazorpaySettings) -> Result<Razorpay, AppError> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_millis(settings.timeout_ms))
            .build()
            .map_err(|e| AppError::internal(format!("HTTP client: {e}")))?;
        Ok(Razorpay {
            http,
            base: settings.base_url.trim_end_matches('/').to_string(),
            key_id: settings.key_id.clone(),
            checkout_script_url: settings.checkout_script_url.clone(),
            key_secret: settings.key_secret.expose().to_string(),
            auto_capture: settings.auto_capture,
            breaker: Arc::new(CircuitBreaker::new(
                "razorpay",
                settings.breaker_failures,
                Duration::from_secs(settings.breaker_open_secs),
            )),
        })
    }

    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    pub fn checkout_script_url(&self) -> &str {
        &self.checkout_script_url
    }

    pub fn key_secret(&self) -> &str {
        &self.key_secret
    }

    pub fn breaker(&self) -> Arc<CircuitBreaker> {
        self.breaker.clone()
    }

    /// Sends through the circuit breaker, retrying safe calls twice on a timeout or a 5xx.
    async fn call<T: for<'de> Deserialize<'de>>(
        &self,
        build: impl Fn() -> reqwest::RequestBuilder,
        what: &str,
        retry: Retry,
    ) -> Result<T, AppError> {
        self.call_telling(build, what, retry)
            .await
            .map_err(Failure::into_error)
    }

    /// `call`, telling a refusal (Razorpay answered no: nothing happened) from a failure
    /// whose outcome is unknown (no answer: it may have happened).
    async fn call_telling<T: for<'de> Deserialize<'de>>(
        &self,
        build: impl Fn() -> reqwest::RequestBuilder,
        what: &str,
        retry: Retry,
    ) -> Result<T, Failure> {
        let attempts = if retry == Retry::Safe { 3 } else { 1 };
        let mut last = None;
        for attempt in 0..attempts {
            if attempt > 0 {
                tokio::time::sleep(backoff(attempt)).await;
            }
            let Some(permit) = self.breaker.permit() else {
                // Nothing was sent.
                return Err(Failure::Refused(AppError::Unavailable(
                    "Razorpay is not answering; please choose another payment method".into(),
                )));
            };
            match self.send(build(), what).await {
                Ok(v) => {
                    permit.success();
                    return Ok(v);
                }
                Err(Failure::Down(e)) => {
                    permit.failure();
                    last = Some(e);
                }
                Err(refused) => {
                    // Razorpay answered: it is up, the request was wrong.
                    permit.success();
                    return Err(refused);
                }
            }
        }
        Err(Failure::Down(last.unwrap_or_else(|| {
            AppError::BadGateway(format!("Razorpay failed ({what})"))
        })))
    }

    async fn send<T: for<'de> Deserialize<'de>>(
        &self,
        request: reqwest::RequestBuilder,
        what: &str,
    ) -> Result<T, Failure> {
        let response = request
            .basic_auth(&self.key_id, Some(&self.key_secret))
            .send()
            .await
            .map_err(|e| {
                Failure::Down(AppError::BadGateway(format!(
                    "Razorpay did not answer ({what}): {}",
                    if e.is_timeout() {
                        "timed out"
                    } else {
                        "unreachable"
                    }
                )))
            })?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(|_| {
            Failure::Down(AppError::BadGateway(format!(
                "Razorpay's answer was cut ({what})"
            )))
        })?;
        if status.is_success() {
            return serde_json::from_slice(&bytes).map_err(|_| {
                Failure::Refused(AppError::BadGateway(format!(
                    "Razorpay answered something unexpected ({what})"
                )))
            });
        }
        let detail = serde_json::from_slice::<ErrorBody>(&bytes)
            .map(|b| format!("{}: {}", b.error.code, b.error.description))
            .unwrap_or_else(|_| format!("HTTP {status}"));
        let error = AppError::BadGateway(format!("Razorpay refused ({what}): {detail}"));
        Err(if status.is_server_error() {
            Failure::Down(error)
        } else {
            Failure::Refused(error)
        })
    }

    /// Orders API: `POST /v1/orders`.
    pub async fn create_order(
        &self,
        amount: i64,
        currency: &str,
        receipt: &str,
        kirana_order_id: &str,
    ) -> Result<RzpOrder, AppError> {
        let body = NewOrder {
            amount,
            currency,
            receipt,
            notes: serde_json::json!({ "kirana_order_id": kirana_order_id }),
            payment_capture: self.auto_capture,
        };
        // Not retried: a second call would make a second (unpaid) Razorpay order.
        self.call(
            || {
                self.http
                    .post(format!("{}/v1/orders", self.base))
                    .json(&body)
            },
            "create order",
            Retry::Once,
        )
        .await
    }

    /// Payments API: `GET /v1/payments/{id}`.
    pub async fn payment(&self, id: &str) -> Result<RzpPayment, AppError> {
        self.call(
            || self.http.get(format!("{}/v1/payments/{id}", self.base)),
            "fetch payment",
            Retry::Safe,
        )
        .await
    }

    /// Payments API: `POST /v1/payments/{id}/capture` of an authorized payment.
    pub async fn capture(
        &self,
        id: &str,
        amount: i64,
        currency: &str,
    ) -> Result<RzpPayment, AppError> {
        // Not retried: after a lost answer a repeat is refused as "already captured",
        // and the webhook settles the payment anyway.
        self.call(
            || {
                self.http
                    .post(format!("{}/v1/payments/{id}/capture", self.base))
                    .json(&serde_json::json!({ "amount": amount, "currency": currency }))
            },
            "capture payment",
            Retry::Once,
        )
        .await
    }
}

impl Razorpay {
    /// Refunds API: `POST /v1/payments/{id}/refund`, with `X-Refund-Idempotency` so a
    /// retried call (after a timeout) returns the first refund instead of refunding again.
    pub async fn refund(
        &self,
        payment_id: &str,
        amount: i64,
        idempotency_key: &str,
        receipt: &str,
    ) -> Result<RzpRefund, Failure> {
        self.call_telling(
            || {
                self.http
                    .post(format!("{}/v1/payments/{payment_id}/refund", self.base))
                    .header("X-Refund-Idempotency", idempotency_key)
                    .json(&serde_json::json!({ "amount": amount, "receipt": receipt }))
            },
            "refund payment",
            Retry::Safe,
        )
        .await
    }
}

impl Razorpay {
    /// Payments API: `GET /v1/payments?from=&to=&count=&skip=`, every page of a window
    /// (Unix seconds), at most `limit` payments.
    pub async fn payments_between(
        &self,
        from: i64,
        to: i64,
        limit: usize,
    ) -> Result<Vec<RzpPayment>, AppError> {
        let mut out: Vec<RzpPayment> = Vec::new();
        loop {
            let skip = out.len();
            let page: Collection<RzpPayment> = self
                .call(
                    || {
                        self.http.get(format!(
                            "{}/v1/payments?from={from}&to={to}&count=100&skip={skip}",
                            self.base
                        ))
                    },
                    "list payments",
                    Retry::Safe,
                )
                .await?;
            let got = page.items.len();
            out.extend(page.items);
            if got < 100 || out.len() >= limit {
                return Ok(out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign(secret: &str, message: &str) -> String {
        let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(message.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    #[test]
    fn payment_signatures_cover_the_stored_order_and_the_payment() {
        let sig = sign("s3cret", "order_ABC|pay_XYZ");
        assert!(payment_signature_ok("s3cret", "order_ABC", "pay_XYZ", &sig));
        assert!(!payment_signature_ok(
            "s3cret",
            "order_OTHER",
            "pay_XYZ",
            &sig
        ));
        assert!(!payment_signature_ok("wrong", "order_ABC", "pay_XYZ", &sig));
        assert!(!payment_signature_ok(
            "s3cret",
            "order_ABC",
            "pay_XYZ",
            "zz"
        ));
    }

    #[test]
    fn webhooks_verify_under_any_current_secret() {
        let body = br#"{"event":"payment.captured"}"#;
        let old = sign("old", std::str::from_utf8(body).unwrap());
        let secrets = vec!["new".to_string(), "old".to_string()];
        assert!(webhook_signature_ok(&secrets, body, &old));
        assert!(!webhook_signature_ok(&["new".to_string()], body, &old));
        assert!(!webhook_signature_ok(&secrets, b"{}", &old));
    }
}
