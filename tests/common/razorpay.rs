//! `FakeRazorpay`: an in-process stand-in for the parts of Razorpay's REST API that Kirana
//! calls (orders, payments, capture, refunds), plus Checkout results and signed webhooks.
//!
//! It listens on 127.0.0.1 with a random port, like `TestApp`, so start it inside
//! `#[actix_web::test]`. Point Kirana's Razorpay base URL at `base_url()`; Kirana appends
//! `/v1/...`. Behaviour follows Razorpay's public documentation (razorpay.com/docs/api/...);
//! each handler names the API it reproduces. Where the docs give no wording, the message
//! follows the Laravel validation style that Razorpay's documented messages use
//! ("The receipt may not be greater than 40 characters.") and is marked as assumed.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::net::TcpListener;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use actix_web::dev::ServerHandle;
use actix_web::http::StatusCode;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use base64::Engine as _;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

/// A webhook as Razorpay would POST it: the raw body, the `X-Razorpay-Signature` header and
/// the `x-razorpay-event-id` header. Deliver the same value twice to simulate a retry (the
/// event id stays the same across Razorpay's retries).
#[derive(Debug, Clone)]
pub struct FakeWebhook {
    pub body: String,
    pub signature: String,
    pub event_id: String,
}

pub struct FakeRazorpay {
    base: String,
    state: Arc<Mutex<State>>,
    handle: ServerHandle,
    client: reqwest::Client,
}

impl FakeRazorpay {
    /// Starts the fake with the merchant's API key pair (Basic auth on every call, and the key
    /// secret signs Checkout results) and the webhook secret (signs webhook bodies).
    pub async fn start(key_id: &str, key_secret: &str, webhook_secret: &str) -> FakeRazorpay {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the fake Razorpay");
        let port = listener.local_addr().expect("local address").port();
        let state = Arc::new(Mutex::new(State {
            key_id: key_id.to_string(),
            key_secret: key_secret.to_string(),
            webhook_secret: webhook_secret.to_string(),
            account_id: format!("acc_{}", random_base62(14)),
            ..State::default()
        }));
        let shared = web::Data::from(state.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(shared.clone())
                .default_service(web::to(dispatch))
        })
        .workers(1)
        .disable_signals()
        .shutdown_timeout(0)
        .listen(listener)
        .expect("listen")
        .run();
        let handle = server.handle();
        actix_web::rt::spawn(server);
        FakeRazorpay {
            base: format!("http://127.0.0.1:{port}"),
            state,
            handle,
            client: reqwest::Client::new(),
        }
    }

    /// `http://127.0.0.1:PORT`, without `/v1`.
    pub fn base_url(&self) -> String {
        self.base.clone()
    }

    pub fn key_id(&self) -> String {
        self.lock().key_id.clone()
    }

    /// The `account_id` webhooks carry.
    pub fn account_id(&self) -> String {
        self.lock().account_id.clone()
    }

    /// Simulates the shopper completing Razorpay Checkout for `order_id`, an order this fake
    /// created. The payment is "captured" when the order was created with
    /// `payment_capture` 1/true, else "authorized" (the merchant captures it with the Capture
    /// API). The order becomes "paid" once a payment on it is captured, else "attempted"
    /// (About Orders: order states). Returns `(razorpay_payment_id, razorpay_signature)` as
    /// Checkout hands them to the browser, the signature being
    /// hex(HMAC-SHA256(key_secret, order_id + "|" + payment_id)) (Payment Gateway
    /// integration: verify payment signature).
    ///
    /// `amount_override` makes a payment of another amount; Checkout itself never does this
    /// for a non-partial order (the order id pins the amount), so use it to test that Kirana
    /// checks the amount it was paid.
    ///
    /// Panics (a misuse of the fake) when the order is unknown, already paid, or has an
    /// authorised payment waiting for capture: Razorpay refuses another payment then.
    pub fn pay(&self, order_id: &str, amount_override: Option<i64>) -> (String, String) {
        let mut s = self.lock();
        let now = unix_now();
        let (amount, currency, auto_capture, notes) = {
            let order = s
                .order_mut(order_id)
                .unwrap_or_else(|| panic!("FakeRazorpay::pay: no order {order_id}"));
            assert_ne!(
                order.status, "paid",
                "FakeRazorpay::pay: order {order_id} is paid; Razorpay allows no further payments"
            );
            (
                amount_override.unwrap_or(order.amount - order.amount_paid),
                order.currency.clone(),
                order.auto_capture,
                order.notes.clone(),
            )
        };
        assert!(
            !s.payments
                .iter()
                .any(|p| p.order_id == order_id && p.status == "authorized"),
            "FakeRazorpay::pay: order {order_id} has an authorized payment; Razorpay allows no \
             further payments until it is captured or refunded"
        );
        let id = format!("pay_{}", random_base62(14));
        let mut payment = Payment {
            id: id.clone(),
            order_id: order_id.to_string(),
            amount,
            currency,
            status: "authorized",
            captured: false,
            amount_refunded: 0,
            notes,
            card_id: format!("card_{}", random_base62(14)),
            auth_code: random_digits(6),
            failure: None,
            created_at: now,
        };
        if let Some(order) = s.order_mut(order_id) {
            order.attempts += 1;
            if order.status == "created" {
                order.status = "attempted";
            }
            if auto_capture {
                payment.status = "captured";
                payment.captured = true;
                order.record_capture(amount);
            }
        }
        s.payments.push(payment);
        let signature = hex::encode(hmac_sha256(
            s.key_secret.as_bytes(),
            format!("{order_id}|{id}").as_bytes(),
        ));
        (id, signature)
    }

    /// Simulates a failed Checkout attempt on `order_id`: a payment with status "failed" and
    /// the error fields of Razorpay's documented sample (incorrect OTP). The order moves to
    /// "attempted" and can still be paid. Returns the payment id.
    pub fn fail(&self, order_id: &str) -> String {
        let mut s = self.lock();
        let now = unix_now();
        let (amount, currency, notes) = {
            let order = s
                .order_mut(order_id)
                .unwrap_or_else(|| panic!("FakeRazorpay::fail: no order {order_id}"));
            assert_ne!(
                order.status, "paid",
                "FakeRazorpay::fail: order {order_id} is paid; Razorpay allows no further payments"
            );
            order.attempts += 1;
            order.status = "attempted";
            (
                order.amount - order.amount_paid,
                order.currency.clone(),
                order.notes.clone(),
            )
        };
        let id = format!("pay_{}", random_base62(14));
        s.payments.push(Payment {
            id: id.clone(),
            order_id: order_id.to_string(),
            amount,
            currency,
            status: "failed",
            captured: false,
            amount_refunded: 0,
            notes,
            card_id: format!("card_{}", random_base62(14)),
            auth_code: String::new(),
            failure: Some(PaymentFailure {
                code: "BAD_REQUEST_ERROR",
                description: "Authentication failed due to incorrect otp",
                source: "customer",
                step: "payment_authentication",
                reason: "invalid_otp",
            }),
            created_at: now,
        });
        id
    }

    /// Builds the webhook Razorpay sends for `event` about `payment_id` (Webhooks: Payments,
    /// Orders and Refunds sample payloads): `{"entity":"event","account_id",...,"event",
    /// "contains","payload","created_at"}`, signed with the webhook secret over the exact
    /// body bytes (Validate and Test Webhooks: X-Razorpay-Signature), with a fresh
    /// `x-razorpay-event-id`.
    ///
    /// - `payment.authorized`: the payment as it was when authorised (Razorpay's payloads are
    ///   snapshots at the event's time, so a since-captured payment still shows "authorized").
    /// - `payment.captured`: the payment as captured, before any refund.
    /// - `payment.failed`: the failed payment.
    /// - `order.paid`: the captured payment and its order (`contains: ["payment","order"]`).
    /// - `refund.processed` / `refund.failed`: the payment's latest refund and the payment
    ///   (`contains: ["refund","payment"]`). `refund.failed` also marks that refund failed
    ///   in the fake and gives its amount back to the payment's refundable balance, so API
    ///   reads agree with the webhook.
    ///
    /// Panics when the event is unknown or the payment's state cannot have produced it.
    pub fn webhook(&self, event: &str, payment_id: &str) -> FakeWebhook {
        let mut s = self.lock();
        let payment = s
            .payment(payment_id)
            .unwrap_or_else(|| panic!("FakeRazorpay::webhook: no payment {payment_id}"))
            .clone();
        let (contains, payload) = match event {
            "payment.authorized" => {
                assert_ne!(payment.status, "failed", "{event} for a failed payment");
                let mut entity = payment.to_json();
                snapshot_unrefunded(&mut entity);
                entity["status"] = json!("authorized");
                entity["captured"] = json!(false);
                entity["fee"] = Value::Null;
                entity["tax"] = Value::Null;
                (vec!["payment"], json!({"payment": {"entity": entity}}))
            }
            "payment.captured" => {
                assert!(payment.captured, "{event} for an uncaptured payment");
                let mut entity = payment.to_json();
                snapshot_unrefunded(&mut entity);
                (vec!["payment"], json!({"payment": {"entity": entity}}))
            }
            "payment.failed" => {
                assert_eq!(
                    payment.status, "failed",
                    "{event} for a payment that did not fail"
                );
                (
                    vec!["payment"],
                    json!({"payment": {"entity": payment.to_json()}}),
                )
            }
            "order.paid" => {
                assert!(payment.captured, "{event} for an uncaptured payment");
                let order = s
                    .order(&payment.order_id)
                    .expect("the payment's order")
                    .to_json();
                assert_eq!(order["status"], "paid", "{event} for an order not yet paid");
                let mut entity = payment.to_json();
                snapshot_unrefunded(&mut entity);
                (
                    vec!["payment", "order"],
                    json!({"payment": {"entity": entity}, "order": {"entity": order}}),
                )
            }
            "refund.processed" | "refund.failed" => {
                let refund_index = s
                    .refunds
                    .iter()
                    .rposition(|r| r.payment_id == payment_id)
                    .unwrap_or_else(|| panic!("{event}: payment {payment_id} has no refund"));
                if event == "refund.failed" && s.refunds[refund_index].status != "failed" {
                    s.refunds[refund_index].status = "failed";
                    let amount = s.refunds[refund_index].amount;
                    if let Some(p) = s.payment_mut(payment_id) {
                        p.amount_refunded -= amount;
                        if p.captured {
                            p.status = if p.amount_refunded >= p.amount {
                                "refunded"
                            } else {
                                "captured"
                            };
                        }
                    }
                }
                let refund = s.refunds[refund_index].to_json();
                let payment = s.payment(payment_id).expect("payment").to_json();
                (
                    vec!["refund", "payment"],
                    json!({"refund": {"entity": refund}, "payment": {"entity": payment}}),
                )
            }
            other => panic!("FakeRazorpay::webhook: unsupported event {other}"),
        };
        let body = json!({
            "entity": "event",
            "account_id": s.account_id,
            "event": event,
            "contains": contains,
            "payload": payload,
            "created_at": unix_now(),
        })
        .to_string();
        let signature = hex::encode(hmac_sha256(s.webhook_secret.as_bytes(), body.as_bytes()));
        FakeWebhook {
            body,
            signature,
            event_id: random_base62(14),
        }
    }

    /// POSTs `hook` to `url` the way Razorpay delivers webhooks: the raw body with
    /// `Content-Type: application/json`, `X-Razorpay-Signature` and `x-razorpay-event-id`.
    /// Returns the HTTP status Kirana answered (Razorpay treats anything but 2xx as a failure
    /// and retries).
    ///
    /// The request is built at once, so the future borrows nothing: `url` may be a temporary
    /// even inside `tokio::join!`.
    pub fn deliver(
        &self,
        url: &str,
        hook: &FakeWebhook,
    ) -> impl std::future::Future<Output = u16> + use<> {
        let url = url.to_string();
        let request = self
            .client
            .post(&url)
            .header("Content-Type", "application/json")
            .header("X-Razorpay-Signature", &hook.signature)
            .header("x-razorpay-event-id", &hook.event_id)
            .body(hook.body.clone());
        async move {
            request
                .send()
                .await
                .unwrap_or_else(|e| panic!("delivering a webhook to {url}: {e}"))
                .status()
                .as_u16()
        }
    }

    /// While down, every API call answers 503 with a SERVER_ERROR body (after the delay, if
    /// one is set): for circuit-breaker and retry tests.
    pub fn set_down(&self, down: bool) {
        self.lock().down = down;
    }

    /// Every API call waits this long before answering (zero: no delay). Together with
    /// `set_down(true)` the gateway hangs, then fails: a client timeout shorter than the
    /// delay sees a timeout.
    pub fn set_delay(&self, delay: Duration) {
        self.lock().delay = delay;
    }

    /// How many orders `POST /v1/orders` created.
    pub fn orders_created(&self) -> usize {
        self.lock().orders.len()
    }

    /// The order as `GET /v1/orders/{id}` returns it.
    pub fn order(&self, order_id: &str) -> Option<Value> {
        self.lock().order(order_id).map(Order::to_json)
    }

    /// The payment as `GET /v1/payments/{id}` returns it.
    pub fn payment(&self, payment_id: &str) -> Option<Value> {
        self.lock().payment(payment_id).map(Payment::to_json)
    }

    /// The payment's refunds, oldest first (the API lists them newest first).
    pub fn refunds(&self, payment_id: &str) -> Vec<Value> {
        self.lock()
            .refunds
            .iter()
            .filter(|r| r.payment_id == payment_id)
            .map(Refund::to_json)
            .collect()
    }

    /// API calls received, including those refused (401, 503, 400).
    pub fn requests(&self) -> usize {
        self.lock().requests
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for FakeRazorpay {
    fn drop(&mut self) {
        // Sends the stop command now; the worker winds down on its own thread.
        drop(self.handle.stop(false));
    }
}

// ---------------------------------------------------------------------------------------
// State

#[derive(Default)]
struct State {
    key_id: String,
    key_secret: String,
    webhook_secret: String,
    account_id: String,
    orders: Vec<Order>,
    payments: Vec<Payment>,
    refunds: Vec<Refund>,
    /// (`X-Refund-Idempotency` key, payment id, request body, index of the refund it created).
    refund_keys: Vec<(String, String, Value, usize)>,
    down: bool,
    delay: Duration,
    requests: usize,
}

impl State {
    fn order(&self, id: &str) -> Option<&Order> {
        self.orders.iter().find(|o| o.id == id)
    }
    fn order_mut(&mut self, id: &str) -> Option<&mut Order> {
        self.orders.iter_mut().find(|o| o.id == id)
    }
    fn payment(&self, id: &str) -> Option<&Payment> {
        self.payments.iter().find(|p| p.id == id)
    }
    fn payment_mut(&mut self, id: &str) -> Option<&mut Payment> {
        self.payments.iter_mut().find(|p| p.id == id)
    }
}

struct Order {
    id: String,
    amount: i64,
    amount_paid: i64,
    currency: String,
    receipt: Option<String>,
    notes: Value,
    partial_payment: bool,
    auto_capture: bool,
    status: &'static str,
    attempts: u32,
    created_at: i64,
}

impl Order {
    /// About Orders: "After the payment is captured successfully, the order moves to the paid
    /// state". With partial payments the order stays "attempted" until nothing is due.
    fn record_capture(&mut self, amount: i64) {
        self.amount_paid += amount;
        if !self.partial_payment || self.amount_paid >= self.amount {
            self.status = "paid";
        }
    }

    /// Orders API: the order entity.
    fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "entity": "order",
            "amount": self.amount,
            "amount_paid": self.amount_paid,
            "amount_due": (self.amount - self.amount_paid).max(0),
            "currency": self.currency,
            "receipt": self.receipt,
            "offer_id": null,
            "status": self.status,
            "attempts": self.attempts,
            "notes": self.notes,
            "created_at": self.created_at,
        })
    }
}

#[derive(Clone)]
struct PaymentFailure {
    code: &'static str,
    description: &'static str,
    source: &'static str,
    step: &'static str,
    reason: &'static str,
}

#[derive(Clone)]
struct Payment {
    id: String,
    order_id: String,
    amount: i64,
    currency: String,
    /// created / authorized / captured / refunded / failed (Payments API: payment entity).
    status: &'static str,
    captured: bool,
    amount_refunded: i64,
    notes: Value,
    card_id: String,
    auth_code: String,
    failure: Option<PaymentFailure>,
    created_at: i64,
}

impl Payment {
    /// Payments API: the payment entity (fields as in the "Capture a Payment" and "Fetch a
    /// Payment With ID" responses). Fee and tax exist only once captured: Razorpay's standard
    /// 2% plus 18% GST on the fee.
    fn to_json(&self) -> Value {
        let (fee, tax) = if self.captured {
            let fee = (self.amount * 2 + 50) / 100;
            let tax = (fee * 18 + 50) / 100;
            (json!(fee + tax), json!(tax))
        } else {
            (Value::Null, Value::Null)
        };
        let refund_status = match self.amount_refunded {
            0 => Value::Null,
            r if r >= self.amount => json!("full"),
            _ => json!("partial"),
        };
        let f = self.failure.as_ref();
        json!({
            "id": self.id,
            "entity": "payment",
            "amount": self.amount,
            "currency": self.currency,
            "status": self.status,
            "order_id": self.order_id,
            "invoice_id": null,
            "international": false,
            "method": "card",
            "amount_refunded": self.amount_refunded,
            "refund_status": refund_status,
            "captured": self.captured,
            "description": null,
            "card_id": self.card_id,
            "bank": null,
            "wallet": null,
            "vpa": null,
            "email": "gaurav.kumar@example.com",
            "contact": "+919000090000",
            "notes": self.notes,
            "fee": fee,
            "tax": tax,
            "error_code": f.map(|f| f.code),
            "error_description": f.map(|f| f.description),
            "error_source": f.map(|f| f.source),
            "error_step": f.map(|f| f.step),
            "error_reason": f.map(|f| f.reason),
            "acquirer_data": {
                "auth_code": if self.auth_code.is_empty() { Value::Null } else { json!(self.auth_code) }
            },
            "created_at": self.created_at,
        })
    }
}

/// A webhook payload is a snapshot taken when the event happened: before any refund.
fn snapshot_unrefunded(entity: &mut Value) {
    if entity["status"] == "refunded" {
        entity["status"] = json!("captured");
    }
    entity["amount_refunded"] = json!(0);
    entity["refund_status"] = Value::Null;
}

struct Refund {
    id: String,
    payment_id: String,
    amount: i64,
    currency: String,
    notes: Value,
    receipt: Option<String>,
    status: &'static str,
    speed_requested: String,
    speed_processed: &'static str,
    created_at: i64,
}

impl Refund {
    /// Refunds API: the refund entity.
    fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "entity": "refund",
            "amount": self.amount,
            "currency": self.currency,
            "payment_id": self.payment_id,
            "notes": self.notes,
            "receipt": self.receipt,
            "acquirer_data": {"arn": null},
            "created_at": self.created_at,
            "batch_id": null,
            "status": self.status,
            "speed_processed": self.speed_processed,
            "speed_requested": self.speed_requested,
        })
    }
}

// ---------------------------------------------------------------------------------------
// Errors: About Errors (razorpay.com/docs/errors): every failure is
// {"error": {code, description, field, source, step, reason, metadata}}.

struct ApiError {
    status: StatusCode,
    code: &'static str,
    description: String,
    field: Option<String>,
    source: &'static str,
    step: &'static str,
    reason: &'static str,
}

impl ApiError {
    /// A request the API rejects, shaped as the documented validation samples
    /// (`"source": "business", "step": "payment_initiation", "reason": "input_validation_failed"`).
    fn invalid(description: impl Into<String>, field: Option<&str>) -> ApiError {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            code: "BAD_REQUEST_ERROR",
            description: description.into(),
            field: field.map(str::to_string),
            source: "business",
            step: "payment_initiation",
            reason: "input_validation_failed",
        }
    }

    fn field(field: &str, description: impl Into<String>) -> ApiError {
        ApiError::invalid(description, Some(field))
    }

    /// Errors Razorpay reports without a business context carry "NA" (as the idempotency
    /// mismatch and unknown-URL samples do).
    fn na(status: StatusCode, code: &'static str, description: &str) -> ApiError {
        ApiError {
            status,
            code,
            description: description.to_string(),
            field: None,
            source: "NA",
            step: "NA",
            reason: "NA",
        }
    }

    /// Fetch an Order With ID, errors: "The id provided does not exist" (400).
    fn no_such_id() -> ApiError {
        ApiError::invalid("The id provided does not exist", None)
    }

    fn response(&self) -> HttpResponse {
        HttpResponse::build(self.status).json(json!({
            "error": {
                "code": self.code,
                "description": self.description,
                "source": self.source,
                "step": self.step,
                "reason": self.reason,
                "metadata": {},
                "field": self.field,
            }
        }))
    }
}

type ApiResult = Result<Value, ApiError>;

// ---------------------------------------------------------------------------------------
// HTTP

async fn dispatch(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<Mutex<State>>,
) -> HttpResponse {
    let delay = {
        let mut s = state.lock().unwrap_or_else(PoisonError::into_inner);
        s.requests += 1;
        s.delay
    };
    if !delay.is_zero() {
        actix_web::rt::time::sleep(delay).await;
    }
    let mut s = state.lock().unwrap_or_else(PoisonError::into_inner);
    if s.down {
        return ApiError::na(
            StatusCode::SERVICE_UNAVAILABLE,
            "SERVER_ERROR",
            "The server encountered an error. The incident has been reported to admins.",
        )
        .response();
    }
    if !authenticated(&req, &s) {
        return ApiError::na(
            StatusCode::UNAUTHORIZED,
            "BAD_REQUEST_ERROR",
            "Authentication failed",
        )
        .response();
    }
    let path: Vec<&str> = req.path().trim_matches('/').split('/').collect();
    let result = match (req.method().as_str(), path.as_slice()) {
        ("POST", ["v1", "orders"]) => parse_body(&body).and_then(|b| create_order(&mut s, b)),
        ("GET", ["v1", "orders", id]) => fetch_order(&s, id),
        ("GET", ["v1", "orders", id, "payments"]) => order_payments(&s, id),
        ("GET", ["v1", "payments"]) => list_payments(&s, req.query_string()),
        ("GET", ["v1", "payments", id]) => fetch_payment(&s, id),
        ("POST", ["v1", "payments", id, "capture"]) => {
            parse_body(&body).and_then(|b| capture_payment(&mut s, id, b))
        }
        ("POST", ["v1", "payments", id, "refund"]) => {
            let key = req
                .headers()
                .get("X-Refund-Idempotency")
                .map(|v| v.to_str().unwrap_or_default().to_string());
            parse_body(&body).and_then(|b| refund_payment(&mut s, id, b, key))
        }
        ("GET", ["v1", "payments", id, "refunds"]) => payment_refunds(&s, id),
        _ => Err(ApiError::na(
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST_ERROR",
            "The requested URL was not found on the server.",
        )),
    };
    match result {
        Ok(v) => HttpResponse::Ok().json(v),
        Err(e) => e.response(),
    }
}

/// API Authentication: Basic auth, `Authorization: Basic base64(key_id:key_secret)`; the
/// scheme must be exactly "Basic" ("BASIC ..." or "basic ..." fail).
fn authenticated(req: &HttpRequest, s: &State) -> bool {
    let Some(header) = req
        .headers()
        .get("Authorization")
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let Some(token) = header.strip_prefix("Basic ") else {
        return false;
    };
    let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(token.trim()) else {
        return false;
    };
    decoded == format!("{}:{}", s.key_id, s.key_secret).as_bytes()
}

/// The fake speaks JSON only (Kirana sends JSON); an empty body is an empty object.
fn parse_body(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(ApiError::invalid(
            "The request body must be a JSON object (FakeRazorpay accepts JSON only).",
            None,
        )),
    }
}

/// Refunds API errors: "{any Extra field} is/are not required and should not be sent."
fn reject_extra_fields(body: &Map<String, Value>, allowed: &[&str]) -> Result<(), ApiError> {
    match body.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(extra) => Err(ApiError::field(
            extra,
            format!("{extra} is/are not required and should not be sent"),
        )),
        None => Ok(()),
    }
}

/// An integer amount in currency subunits. Razorpay's validation also takes numeric strings.
fn integer(body: &Map<String, Value>, name: &str) -> Result<Option<i64>, ApiError> {
    let not_integer = || ApiError::field(name, format!("The {name} must be an integer."));
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(not_integer),
        Some(Value::String(s)) => s.parse::<i64>().map(Some).map_err(|_| not_integer()),
        Some(_) => Err(not_integer()),
    }
}

fn required_integer(body: &Map<String, Value>, name: &str) -> Result<i64, ApiError> {
    integer(body, name)?
        .ok_or_else(|| ApiError::field(name, format!("The {name} field is required.")))
}

fn string(body: &Map<String, Value>, name: &str) -> Result<Option<String>, ApiError> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(ApiError::field(
            name,
            format!("The {name} must be a string."),
        )),
    }
}

fn boolean(body: &Map<String, Value>, name: &str) -> Result<Option<bool>, ApiError> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::Number(n)) if n.as_i64() == Some(1) => Ok(Some(true)),
        Some(Value::Number(n)) if n.as_i64() == Some(0) => Ok(Some(false)),
        Some(Value::String(s)) if s == "1" || s == "true" => Ok(Some(true)),
        Some(Value::String(s)) if s == "0" || s == "false" => Ok(Some(false)),
        Some(_) => Err(ApiError::field(
            name,
            format!("The {name} field must be true or false."),
        )),
    }
}

/// Orders/Refunds API: `receipt` is at most 40 characters.
fn receipt(body: &Map<String, Value>) -> Result<Option<String>, ApiError> {
    let receipt = string(body, "receipt")?;
    if receipt.as_ref().is_some_and(|r| r.chars().count() > 40) {
        return Err(ApiError::field(
            "receipt",
            "The receipt may not be greater than 40 characters.",
        ));
    }
    Ok(receipt)
}

/// `notes`: "Key-value pair ... Maximum 15 key-value pairs, 256 characters (maximum) each".
/// Razorpay returns `[]`, not `{}`, for an entity without notes (as in its sample
/// responses), so Kirana must accept both.
fn notes(body: &Map<String, Value>) -> Result<Value, ApiError> {
    match body.get("notes") {
        None | Some(Value::Null) => Ok(json!([])),
        Some(Value::Array(a)) if a.is_empty() => Ok(json!([])),
        Some(Value::Object(map)) => {
            if map.len() > 15 {
                return Err(ApiError::field(
                    "notes",
                    "The notes may not have more than 15 items.",
                ));
            }
            for (key, value) in map {
                let text = match value {
                    Value::String(s) => s.clone(),
                    Value::Number(n) => n.to_string(),
                    Value::Bool(b) => b.to_string(),
                    Value::Null => String::new(),
                    _ => {
                        return Err(ApiError::field(
                            "notes",
                            format!("The notes.{key} must be a string."),
                        ));
                    }
                };
                if text.chars().count() > 256 {
                    return Err(ApiError::field(
                        "notes",
                        format!("The notes.{key} may not be greater than 256 characters."),
                    ));
                }
            }
            if map.is_empty() {
                Ok(json!([]))
            } else {
                Ok(Value::Object(map.clone()))
            }
        }
        Some(_) => Err(ApiError::field("notes", "The notes must be an array.")),
    }
}

/// Orders API, Create an Order: the documented minimum "The amount must be at least INR
/// 1.00" (100 subunits).
fn check_minimum(amount: i64, currency: &str) -> Result<(), ApiError> {
    if amount < 100 {
        return Err(ApiError::field(
            "amount",
            format!("The amount must be at least {currency} 1.00"),
        ));
    }
    Ok(())
}

/// Ids look like Razorpay's: the entity prefix and 14 base62 characters. Fetch APIs answer
/// "{id} is not a valid id" for another shape, "The id provided does not exist" for an
/// unknown one.
fn check_id_shape(id: &str, prefix: &str) -> Result<(), ApiError> {
    let valid = id
        .strip_prefix(prefix)
        .is_some_and(|rest| rest.len() == 14 && rest.chars().all(|c| c.is_ascii_alphanumeric()));
    if valid {
        Ok(())
    } else {
        Err(ApiError::invalid(format!("{id} is not a valid id"), None))
    }
}

/// Orders API: POST /v1/orders.
fn create_order(s: &mut State, body: Map<String, Value>) -> ApiResult {
    reject_extra_fields(
        &body,
        &[
            "amount",
            "currency",
            "receipt",
            "notes",
            "partial_payment",
            "first_payment_min_amount",
            "payment_capture",
            "customer_id",
            "method",
            "bank_account",
            "token",
            "offer_id",
            "discount",
            "transfers",
        ],
    )?;
    let amount = required_integer(&body, "amount")?;
    let currency = string(&body, "currency")?
        .ok_or_else(|| ApiError::field("currency", "The currency field is required."))?;
    if currency.len() != 3 || !currency.chars().all(|c| c.is_ascii_uppercase()) {
        return Err(ApiError::field("currency", "The currency is invalid."));
    }
    check_minimum(amount, &currency)?;
    let receipt = receipt(&body)?;
    let notes = notes(&body)?;
    let partial_payment = boolean(&body, "partial_payment")?.unwrap_or(false);
    if let Some(min) = integer(&body, "first_payment_min_amount")? {
        if !partial_payment {
            return Err(ApiError::field(
                "first_payment_min_amount",
                "first_payment_min_amount is/are not required and should not be sent",
            ));
        }
        check_minimum(min, &currency)?;
    }
    let auto_capture = boolean(&body, "payment_capture")?.unwrap_or(false);
    let order = Order {
        id: format!("order_{}", random_base62(14)),
        amount,
        amount_paid: 0,
        currency,
        receipt,
        notes,
        partial_payment,
        auto_capture,
        status: "created",
        attempts: 0,
        created_at: unix_now(),
    };
    let json = order.to_json();
    s.orders.push(order);
    Ok(json)
}

/// Orders API: GET /v1/orders/:id.
fn fetch_order(s: &State, id: &str) -> ApiResult {
    check_id_shape(id, "order_")?;
    s.order(id)
        .map(Order::to_json)
        .ok_or_else(ApiError::no_such_id)
}

/// Orders API, Fetch Payments Based on Orders: GET /v1/orders/:id/payments.
fn order_payments(s: &State, id: &str) -> ApiResult {
    check_id_shape(id, "order_")?;
    if s.order(id).is_none() {
        return Err(ApiError::no_such_id());
    }
    let items: Vec<Value> = s
        .payments
        .iter()
        .filter(|p| p.order_id == id)
        .map(Payment::to_json)
        .collect();
    Ok(collection(items))
}

/// Payments API: GET /v1/payments/:id.
fn fetch_payment(s: &State, id: &str) -> ApiResult {
    check_id_shape(id, "pay_")?;
    s.payment(id)
        .map(Payment::to_json)
        .ok_or_else(ApiError::no_such_id)
}

/// Payments API, Fetch All Payments: GET /v1/payments?from=&to=&count=&skip=. `from`/`to`
/// are Unix seconds (inclusive); `count` defaults to 10, at most 100; newest first.
fn list_payments(s: &State, query: &str) -> ApiResult {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(query).map_err(|_| ApiError::invalid("Invalid query", None))?;
    let param = |name: &str| -> Result<Option<i64>, ApiError> {
        match pairs.iter().rev().find(|(k, _)| k == name) {
            None => Ok(None),
            Some((_, v)) => v
                .parse::<i64>()
                .map(Some)
                .map_err(|_| ApiError::field(name, format!("The {name} must be an integer."))),
        }
    };
    let (from, to) = (param("from")?, param("to")?);
    for (name, value) in [("from", from), ("to", to)] {
        if let Some(v) = value
            && !(946_684_800..=4_765_046_400).contains(&v)
        {
            return Err(ApiError::field(
                name,
                format!("{name} must be between 946684800 and 4765046400"),
            ));
        }
    }
    let count = param("count")?.unwrap_or(10);
    if count < 1 {
        return Err(ApiError::field("count", "The count must be at least 1."));
    }
    if count > 100 {
        return Err(ApiError::field(
            "count",
            "The count may not be greater than 100.",
        ));
    }
    let skip = param("skip")?.unwrap_or(0);
    if skip < 0 {
        return Err(ApiError::field("skip", "The skip must be at least 0."));
    }
    let items: Vec<Value> = s
        .payments
        .iter()
        .rev()
        .filter(|p| from.is_none_or(|f| p.created_at >= f) && to.is_none_or(|t| p.created_at <= t))
        .skip(skip as usize)
        .take(count as usize)
        .map(Payment::to_json)
        .collect();
    Ok(collection(items))
}

/// Payments API, Capture a Payment: POST /v1/payments/:id/capture with `amount` (equal to the
/// authorised amount) and `currency`; only an "authorized" payment can be captured.
fn capture_payment(s: &mut State, id: &str, body: Map<String, Value>) -> ApiResult {
    check_id_shape(id, "pay_")?;
    reject_extra_fields(&body, &["amount", "currency"])?;
    let amount = required_integer(&body, "amount")?;
    let currency = string(&body, "currency")?
        .ok_or_else(|| ApiError::field("currency", "The currency field is required."))?;
    let payment = s.payment_mut(id).ok_or_else(ApiError::no_such_id)?;
    match payment.status {
        "authorized" => {}
        "captured" | "refunded" => {
            return Err(ApiError::invalid(
                "This payment has already been captured",
                None,
            ));
        }
        _ => {
            return Err(ApiError::invalid(
                "Only payments which have been authorized and not yet captured can be captured",
                None,
            ));
        }
    }
    if amount != payment.amount {
        return Err(ApiError::field(
            "amount",
            "Capture amount must be equal to the amount authorized",
        ));
    }
    if currency != payment.currency {
        return Err(ApiError::field(
            "currency",
            "Currency should be same as payment currency",
        ));
    }
    payment.status = "captured";
    payment.captured = true;
    let order_id = payment.order_id.clone();
    let json = payment.to_json();
    if let Some(order) = s.order_mut(&order_id) {
        order.record_capture(amount);
    }
    Ok(json)
}

/// Refunds API, Create a Normal Refund: POST /v1/payments/:id/refund, and its idempotent
/// form (Create a Normal Refund (Idempotent Request)): with an `X-Refund-Idempotency` key
/// (at least 10 characters of letters, digits, hyphens and underscores) a retry with the same
/// body returns the first refund and refunds nothing more; the same key with another body is
/// a BAD_REQUEST.
fn refund_payment(
    s: &mut State,
    id: &str,
    body: Map<String, Value>,
    idempotency_key: Option<String>,
) -> ApiResult {
    check_id_shape(id, "pay_")?;
    if let Some(key) = &idempotency_key {
        let well_formed = key.len() >= 10
            && key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !well_formed {
            return Err(ApiError::na(
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST_ERROR",
                "The idempotency key must be at least 10 characters long and contain only \
                 alphabets, numbers, hyphens and underscores.",
            ));
        }
        let request = Value::Object(body.clone());
        if let Some((_, payment_id, first_body, refund)) =
            s.refund_keys.iter().find(|(k, ..)| k == key)
        {
            if payment_id == id && *first_body == request {
                return Ok(s.refunds[*refund].to_json());
            }
            return Err(ApiError::na(
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST_ERROR",
                "Different request with the same idempotency key has already been processed.",
            ));
        }
    }
    reject_extra_fields(&body, &["amount", "speed", "notes", "receipt"])?;
    let requested = integer(&body, "amount")?;
    let speed = string(&body, "speed")?.unwrap_or_else(|| "normal".to_string());
    let speed_processed = match speed.as_str() {
        "normal" => "normal",
        "optimum" => "instant",
        _ => return Err(ApiError::field("speed", "The selected speed is invalid.")),
    };
    let receipt = receipt(&body)?;
    let notes = notes(&body)?;
    let payment = s.payment_mut(id).ok_or_else(ApiError::no_such_id)?;
    if !payment.captured {
        return Err(ApiError::invalid("The payment has not been captured", None));
    }
    let refundable = payment.amount - payment.amount_refunded;
    if refundable <= 0 {
        return Err(ApiError::invalid(
            "The payment has been fully refunded already",
            None,
        ));
    }
    let amount = requested.unwrap_or(refundable);
    check_minimum(amount, &payment.currency)?;
    if amount > refundable {
        return Err(ApiError::field(
            "amount",
            "The refund amount provided is greater than amount captured",
        ));
    }
    payment.amount_refunded += amount;
    if payment.amount_refunded >= payment.amount {
        // Issue Refunds: a payment moves to "refunded" only when fully refunded.
        payment.status = "refunded";
    }
    let refund = Refund {
        id: format!("rfnd_{}", random_base62(14)),
        payment_id: id.to_string(),
        amount,
        currency: payment.currency.clone(),
        notes,
        receipt,
        status: "processed",
        speed_requested: speed,
        speed_processed,
        created_at: unix_now(),
    };
    let json = refund.to_json();
    s.refunds.push(refund);
    if let Some(key) = idempotency_key {
        s.refund_keys.push((
            key,
            id.to_string(),
            Value::Object(body),
            s.refunds.len() - 1,
        ));
    }
    Ok(json)
}

/// Refunds API, Fetch Multiple Refunds for a Payment: GET /v1/payments/:id/refunds, newest
/// first.
fn payment_refunds(s: &State, id: &str) -> ApiResult {
    check_id_shape(id, "pay_")?;
    if s.payment(id).is_none() {
        return Err(ApiError::no_such_id());
    }
    let items: Vec<Value> = s
        .refunds
        .iter()
        .rev()
        .filter(|r| r.payment_id == id)
        .map(Refund::to_json)
        .collect();
    Ok(collection(items))
}

fn collection(items: Vec<Value>) -> Value {
    json!({"entity": "collection", "count": items.len(), "items": items})
}

// ---------------------------------------------------------------------------------------
// Helpers

/// HMAC-SHA256 (RFC 2104) over `sha2`, which Kirana already depends on.
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut block_key = [0u8; BLOCK];
    if key.len() > BLOCK {
        block_key[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block_key[..key.len()].copy_from_slice(key);
    }
    let inner_pad: Vec<u8> = block_key.iter().map(|b| b ^ 0x36).collect();
    let outer_pad: Vec<u8> = block_key.iter().map(|b| b ^ 0x5c).collect();
    let inner = Sha256::new()
        .chain_update(&inner_pad)
        .chain_update(message)
        .finalize();
    Sha256::new()
        .chain_update(&outer_pad)
        .chain_update(inner)
        .finalize()
        .into()
}

/// `hex(HMAC-SHA256(key_secret, order_id|payment_id))`: what Checkout returns as
/// `razorpay_signature`, for tests that forge or tamper with one.
pub fn payment_signature(key_secret: &str, order_id: &str, payment_id: &str) -> String {
    hex::encode(hmac_sha256(
        key_secret.as_bytes(),
        format!("{order_id}|{payment_id}").as_bytes(),
    ))
}

fn random_base62(len: usize) -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut bytes = vec![0u8; len];
    getrandom::fill(&mut bytes).expect("randomness");
    bytes
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect()
}

fn random_digits(len: usize) -> String {
    let mut bytes = vec![0u8; len];
    getrandom::fill(&mut bytes).expect("randomness");
    bytes.iter().map(|b| char::from(b'0' + b % 10)).collect()
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}
