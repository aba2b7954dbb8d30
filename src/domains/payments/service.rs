//! Payment rules: a Razorpay order for a Kirana order (amount from the database), the
//! browser's callback verified by signature and confirmed with the API, webhooks verified
//! and recorded before anything is parsed into state, and one place where a captured
//! payment is applied (once, whoever reports it first) or flagged when its amount is wrong.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::razorpay::{Failure, Razorpay, RzpPayment, payment_signature_ok, webhook_signature_ok};
use super::store::{self, PaymentRow, RefundRow};
use crate::contracts::events::{Event, PaymentCaptured, PaymentFailed, RefundProcessed};
use crate::contracts::orders::OrdersApi;
use crate::db::{Db, DbConnection, new_id, now};
use crate::events::enqueue;
use crate::http::idempotency::Answer;
use crate::http::pagination::{Page, PageQuery, PageRequest};
use crate::http::{AppError, FieldError};

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartInput {
    /// The Kirana order to pay.
    pub order_id: String,
}

/// What the storefront passes to Razorpay Checkout.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CheckoutOptions {
    pub key_id: String,
    pub razorpay_order_id: String,
    pub amount_minor: i64,
    pub currency: String,
    pub order_number: String,
    /// Razorpay Checkout's script, to load before opening it.
    pub script_url: String,
}

/// What Razorpay Checkout hands the browser after payment.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CallbackInput {
    pub order_id: String,
    pub razorpay_order_id: String,
    pub razorpay_payment_id: String,
    pub razorpay_signature: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefundInput {
    /// In minor units; at most what is left of the captured amount.
    #[schema(minimum = 1, maximum = 10_000_000_000_000_i64)]
    pub amount_minor: i64,
    #[schema(max_length = 500)]
    pub reason: Option<String>,
    /// The received return this refund pays out (its credit note exists already).
    pub return_id: Option<String>,
}

/// A difference between Razorpay's records and Kirana's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Difference {
    /// `not_recorded` (captured at Razorpay, not in Kirana), `not_captured` (captured in
    /// Kirana, not at Razorpay), `amount` or `refunded` (the figures differ).
    pub kind: String,
    pub order_id: Option<String>,
    pub provider_payment_id: String,
    pub kirana: String,
    pub razorpay: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Reconciliation {
    pub from: chrono::DateTime<chrono::Utc>,
    pub to: chrono::DateTime<chrono::Utc>,
    /// Razorpay payments of Kirana's orders looked at.
    pub checked: usize,
    pub differences: Vec<Difference>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CallbackOutcome {
    pub order_id: String,
    /// `captured` (the order becomes paid), `authorized`, `failed` or `flagged`.
    pub status: String,
}

/// A verified webhook, recorded and waiting in the outbox to be applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookReceived {
    pub event_id: String,
}

impl Event for WebhookReceived {
    const TYPE: &'static str = "payments.razorpay_webhook";
}

#[derive(Deserialize)]
struct WebhookBody {
    event: String,
    #[serde(default)]
    payload: WebhookPayload,
}

#[derive(Deserialize, Default)]
struct WebhookPayload {
    payment: Option<Wrapped>,
    refund: Option<WrappedRefund>,
}

#[derive(Deserialize)]
struct WrappedRefund {
    entity: RefundEntity,
}

#[derive(Deserialize)]
struct RefundEntity {
    id: String,
    /// Kirana sends its refund id as the receipt.
    #[serde(default)]
    receipt: Option<String>,
}

#[derive(Deserialize)]
struct Wrapped {
    entity: RzpPayment,
}

pub struct Payments {
    db: Db,
    orders: Arc<dyn OrdersApi>,
    razorpay: Option<Razorpay>,
    webhook_secrets: Vec<String>,
    /// Whether cash on delivery is offered, as the merchant last set it.
    profile: crate::profile::LiveProfile,
}

/// A way to pay offered at checkout.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MethodView {
    /// `razorpay` or `cod`.
    pub method: String,
    /// False while the provider fails (its circuit is open): offer the others.
    pub available: bool,
}

/// A store that does not offer online payment is not a server fault (monitoring reads a
/// 5xx as one): the request conflicts with how the store is set up.
fn unavailable() -> AppError {
    AppError::FieldConflict(
        "online payment is not offered by this store".into(),
        vec![FieldError::new(
            "payment_method",
            "razorpay is not offered here; choose another way to pay",
        )],
    )
}

/// A payment staff took by hand: a bank transfer (`manual`), cash, a card terminal, UPI,
/// or the cash a courier collected (`cod`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ManualInput {
    pub order_id: String,
    /// `manual` (bank transfer), `cash`, `card`, `upi` or `cod`.
    #[schema(pattern = "^(manual|cash|card|upi|cod)$")]
    pub method: String,
    /// The whole balance due, in paise.
    #[schema(minimum = 1, maximum = 10_000_000_000_000_i64)]
    pub amount_minor: i64,
    /// The UTR, the terminal's or UPI reference (required for `manual`, `card`, `upi`).
    #[schema(max_length = 100)]
    pub reference: Option<String>,
}

/// The methods staff may record by hand.
const HAND_METHODS: [&str; 5] = ["manual", "cash", "card", "upi", "cod"];
const PAYMENT_STATUSES: [&str; 5] = ["created", "authorized", "captured", "failed", "flagged"];
const PAYMENT_METHODS: [&str; 6] = ["razorpay", "manual", "cash", "card", "upi", "cod"];

/// Filters of `GET /payments/recent`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct RecentQuery {
    /// Only payments in this state (`flagged`: those waiting for staff).
    #[param(pattern = "^(created|authorized|captured|failed|flagged)$")]
    pub status: Option<String>,
    /// Only payments taken this way.
    #[param(pattern = "^(razorpay|manual|cash|card|upi|cod)$")]
    pub method: Option<String>,
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<usize>,
    pub cursor: Option<String>,
}

/// A payment in the back office's list: with its order's number.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ListedPayment {
    #[serde(flatten)]
    pub payment: PaymentRow,
    /// `KR-000123`; absent only if the order is gone.
    pub order_number: Option<String>,
}

/// Records a captured hand payment in the caller's transaction (see
/// `PaymentsApi::record_in`).
pub fn record_in(
    conn: &mut DbConnection,
    p: &crate::contracts::payments::RecordPayment,
) -> Result<String, AppError> {
    if !HAND_METHODS.contains(&p.method.as_str()) {
        return Err(AppError::invalid(
            "method",
            "must be manual, cash, card, upi or cod",
        ));
    }
    let now = now();
    let row = PaymentRow {
        id: new_id(),
        order_id: p.order_id.clone(),
        method: p.method.clone(),
        status: "captured".into(),
        amount_minor: p.amount_minor,
        currency: p.currency.clone(),
        provider_order_id: None,
        provider_payment_id: None,
        refunded_minor: 0,
        flag_reason: None,
        created_at: now,
        updated_at: now,
        reference: p.reference.clone(),
        recorded_by: Some(p.actor.clone()),
        session_id: p.session_id.clone(),
    };
    store::insert(conn, &row)?;
    if p.announce {
        enqueue(
            conn,
            &PaymentCaptured {
                payment_id: row.id.clone(),
                order_id: row.order_id.clone(),
                amount_minor: row.amount_minor,
                currency: row.currency.clone(),
                method: row.method.clone(),
                reference: row.reference.clone(),
            },
        )?;
    }
    Ok(row.id)
}

/// Applies what Razorpay says of a payment to the attempt it belongs to, in the caller's
/// transaction: captured with the right amount and currency → `PaymentCaptured` (once);
/// a different amount → flagged for staff, never paid; failed → `PaymentFailed`.
/// Returns the attempt's status afterwards.
pub fn apply_in(
    conn: &mut DbConnection,
    attempt: &PaymentRow,
    payment: &RzpPayment,
) -> Result<String, AppError> {
    let now = now();
    let matches = payment.amount == attempt.amount_minor && payment.currency == attempt.currency;
    let settle_as = match payment.status.as_str() {
        "captured" | "refunded" if !matches => {
            let why = format!(
                "Razorpay reports {} {} for an order of {} {}",
                payment.amount, payment.currency, attempt.amount_minor, attempt.currency
            );
            store::settle(conn, &attempt.id, "flagged", &payment.id, Some(&why), now)?;
            tracing::warn!(payment = %attempt.id, "payment amount mismatch; flagged for staff");
            None
        }
        "captured" | "refunded" => Some("captured"),
        "failed" => Some("failed"),
        _ => None,
    };
    if let Some(status) = settle_as
        && store::settle(conn, &attempt.id, status, &payment.id, None, now)?
    {
        if status == "captured" {
            enqueue(
                conn,
                &PaymentCaptured {
                    payment_id: attempt.id.clone(),
                    order_id: attempt.order_id.clone(),
                    amount_minor: payment.amount,
                    currency: payment.currency.clone(),
                    method: "razorpay".into(),
                    reference: Some(payment.id.clone()),
                },
            )?;
        } else {
            enqueue(
                conn,
                &PaymentFailed {
                    payment_id: attempt.id.clone(),
                    order_id: attempt.order_id.clone(),
                    reason: payment.error_description.clone(),
                },
            )?;
        }
    }
    Ok(store::of_order(conn, &attempt.order_id)?
        .into_iter()
        .find(|p| p.id == attempt.id)
        .map_or_else(|| "created".to_string(), |p| p.status))
}

/// A refund's fate reported by webhook: a refund still pending (its API call got no
/// answer) becomes processed, with its `RefundProcessed`, or failed, freeing its hold.
fn apply_refund_event_in(
    conn: &mut DbConnection,
    event: &str,
    refund: &RefundEntity,
) -> Result<(), AppError> {
    let Some(mine) = refund
        .receipt
        .as_deref()
        .map(|id| store::refund(conn, id))
        .transpose()?
        .flatten()
    else {
        return Ok(());
    };
    let now = now();
    if event == "refund.failed" {
        if mine.status == "processed" {
            tracing::warn!(refund = %mine.id, "Razorpay failed a processed refund; staff must look");
        }
        return store::refund_failed(conn, &mine.id, now);
    }
    if store::refund_processed(conn, &mine.id, &refund.id, now)? {
        enqueue(
            conn,
            &RefundProcessed {
                refund_id: mine.id.clone(),
                payment_id: mine.payment_id.clone(),
                order_id: mine.order_id.clone(),
                amount_minor: mine.amount_minor,
                return_id: mine.return_id.clone(),
            },
        )?;
    }
    Ok(())
}

/// Applies a recorded webhook (the outbox delivers it; a crash before this loses nothing).
pub fn process_webhook_in(conn: &mut DbConnection, event_id: &str) -> Result<(), AppError> {
    let Some(payload) = store::webhook_payload(conn, event_id)? else {
        return Ok(());
    };
    let Ok(body) = serde_json::from_str::<WebhookBody>(&payload) else {
        tracing::warn!(event = %event_id, "unreadable Razorpay webhook ignored");
        return Ok(());
    };
    if matches!(body.event.as_str(), "refund.processed" | "refund.failed") {
        let Some(refund) = body.payload.refund.map(|w| w.entity) else {
            return Ok(());
        };
        return apply_refund_event_in(conn, &body.event, &refund);
    }
    let relevant = matches!(
        body.event.as_str(),
        "payment.captured" | "payment.authorized" | "payment.failed" | "order.paid"
    );
    let Some(payment) = body.payload.payment.map(|w| w.entity).filter(|_| relevant) else {
        return Ok(());
    };
    let Some(order_id) = payment.order_id.clone() else {
        return Ok(());
    };
    // Payments for orders Kirana did not create are none of its business.
    let Some(attempt) = store::by_provider_order(conn, &order_id)? else {
        return Ok(());
    };
    apply_in(conn, &attempt, &payment)?;
    Ok(())
}

impl crate::contracts::payments::PaymentsApi for Payments {
    fn record_in(
        &self,
        conn: &mut DbConnection,
        payment: &crate::contracts::payments::RecordPayment,
    ) -> Result<String, AppError> {
        record_in(conn, payment)
    }
}

impl Payments {
    pub fn new(
        db: Db,
        orders: Arc<dyn OrdersApi>,
        settings: &crate::config::RazorpaySettings,
        profile: crate::profile::LiveProfile,
    ) -> Result<Payments, AppError> {
        let razorpay = if settings.key_id.is_empty() {
            None
        } else {
            Some(Razorpay::new(settings)?)
        };
        Ok(Payments {
            db,
            orders,
            razorpay,
            webhook_secrets: settings
                .webhook_secrets
                .iter()
                .map(|s| s.expose().to_string())
                .collect(),
            profile,
        })
    }

    pub fn breakers(&self) -> Vec<Arc<crate::breaker::CircuitBreaker>> {
        self.razorpay.iter().map(Razorpay::breaker).collect()
    }

    /// The methods checkout may offer now.
    pub fn methods(&self) -> Vec<MethodView> {
        let mut out = Vec::new();
        if let Some(rzp) = &self.razorpay {
            out.push(MethodView {
                method: "razorpay".into(),
                available: rzp.breaker().state() != crate::breaker::BreakerState::Open,
            });
        }
        if self.profile.get().cod_enabled {
            out.push(MethodView {
                method: "cod".into(),
                available: true,
            });
        }
        out
    }

    fn razorpay(&self) -> Result<&Razorpay, AppError> {
        self.razorpay.as_ref().ok_or_else(unavailable)
    }

    /// The Razorpay order to pay `order_id` with: the open one, or a new one for the
    /// order's grand total as the database has it.
    pub async fn start(&self, input: StartInput) -> Result<CheckoutOptions, AppError> {
        let rzp = self.razorpay()?;
        let order = self
            .orders
            .payable(&input.order_id)
            .await?
            .ok_or_else(|| AppError::NotFound("no such order".into()))?;
        if order.status != "pending_payment" {
            return Err(AppError::FieldConflict(
                "the order does not wait for payment".into(),
                vec![FieldError::new(
                    "order_id",
                    format!("the order is {}", order.status),
                )],
            ));
        }
        let id = order.id.clone();
        let open = self.db.read(move |c| store::open_attempt(c, &id)).await?;
        let attempt = match open {
            Some(a) if a.amount_minor == order.grand_total_minor => a,
            _ => {
                let created = rzp
                    .create_order(
                        order.grand_total_minor,
                        &order.currency,
                        &order.number,
                        &order.id,
                    )
                    .await?;
                if created.amount != order.grand_total_minor || created.currency != order.currency {
                    return Err(AppError::BadGateway(
                        "Razorpay created an order for another amount".into(),
                    ));
                }
                let now = now();
                let row = PaymentRow {
                    id: new_id(),
                    order_id: order.id.clone(),
                    method: "razorpay".into(),
                    status: "created".into(),
                    amount_minor: order.grand_total_minor,
                    currency: order.currency.clone(),
                    provider_order_id: Some(created.id),
                    provider_payment_id: None,
                    refunded_minor: 0,
                    flag_reason: None,
                    created_at: now,
                    updated_at: now,
                    reference: None,
                    recorded_by: None,
                    session_id: None,
                };
                let insert = row.clone();
                self.db.write(move |c| store::insert(c, &insert)).await?;
                row
            }
        };
        Ok(CheckoutOptions {
            key_id: rzp.key_id().to_string(),
            razorpay_order_id: attempt.provider_order_id.unwrap_or_default(),
            amount_minor: attempt.amount_minor,
            currency: attempt.currency,
            order_number: order.number,
            script_url: rzp.checkout_script_url().to_string(),
        })
    }

    /// The browser's report of a payment: trusted only once its signature verifies over
    /// the Razorpay order id Kirana stored, and then only as far as the API confirms.
    pub async fn callback(&self, input: CallbackInput) -> Result<CallbackOutcome, AppError> {
        let rzp = self.razorpay()?;
        let id = input.order_id.clone();
        let attempt = self
            .db
            .read(move |c| store::latest_attempt(c, &id))
            .await?
            .ok_or_else(|| {
                AppError::FieldConflict(
                    "no payment of this order is waiting".into(),
                    vec![FieldError::new("order_id", "has no open Razorpay payment")],
                )
            })?;
        let stored = attempt.provider_order_id.clone().unwrap_or_default();
        if !payment_signature_ok(
            rzp.key_secret(),
            &stored,
            &input.razorpay_payment_id,
            &input.razorpay_signature,
        ) {
            return Err(AppError::invalid(
                "razorpay_signature",
                "does not match this order's payment",
            ));
        }
        // Already settled (by the webhook, or an earlier callback): say how.
        if !matches!(attempt.status.as_str(), "created" | "authorized") {
            if attempt.provider_payment_id.as_deref() != Some(input.razorpay_payment_id.as_str()) {
                return Err(AppError::FieldConflict(
                    "the order's payment was settled with another payment".into(),
                    vec![FieldError::new(
                        "razorpay_payment_id",
                        "is not the settled payment",
                    )],
                ));
            }
            if attempt.status == "flagged" {
                return Err(AppError::FieldConflict(
                    "the amount paid differs from the order total; staff will look at it".into(),
                    vec![FieldError::new("amount", "differs from the order total")],
                ));
            }
            return Ok(CallbackOutcome {
                order_id: input.order_id,
                status: attempt.status,
            });
        }
        let mut payment = rzp.payment(&input.razorpay_payment_id).await?;
        if payment.order_id.as_deref() != Some(stored.as_str()) {
            return Err(AppError::invalid(
                "razorpay_payment_id",
                "belongs to another order",
            ));
        }
        if payment.status == "authorized"
            && !rzp.auto_capture
            && payment.amount == attempt.amount_minor
            && payment.currency == attempt.currency
        {
            payment = rzp
                .capture(&payment.id, payment.amount, &payment.currency)
                .await?;
        }
        let status = self
            .db
            .write(move |c| apply_in(c, &attempt, &payment))
            .await?;
        if status == "flagged" {
            return Err(AppError::FieldConflict(
                "the amount paid differs from the order total; staff will look at it".into(),
                vec![FieldError::new("amount", "differs from the order total")],
            ));
        }
        Ok(CallbackOutcome {
            order_id: input.order_id,
            status,
        })
    }

    /// A webhook: verified against the raw body before anything is parsed, recorded by its
    /// event id with its processing queued in the same transaction, answered at once.
    /// Returns false for a replay.
    pub async fn webhook(
        &self,
        body: bytes::Bytes,
        signature: Option<String>,
        event_id: Option<String>,
    ) -> Result<bool, AppError> {
        let Some(signature) = signature else {
            return Err(AppError::invalid("X-Razorpay-Signature", "is missing"));
        };
        if !webhook_signature_ok(&self.webhook_secrets, &body, &signature) {
            return Err(AppError::invalid("X-Razorpay-Signature", "does not verify"));
        }
        let Some(event_id) = event_id.filter(|e| !e.is_empty() && e.len() <= 100) else {
            return Err(AppError::invalid("x-razorpay-event-id", "is missing"));
        };
        let text = String::from_utf8(body.to_vec())
            .map_err(|_| AppError::BadRequest("the webhook body is not UTF-8".into()))?;
        let event_type = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| v.get("event").and_then(|e| e.as_str()).map(str::to_string))
            .unwrap_or_default();
        self.db
            .write(move |c| {
                if !store::record_webhook(c, &event_id, &event_type, &text, now())? {
                    return Ok(false);
                }
                enqueue(c, &WebhookReceived { event_id })?;
                Ok(true)
            })
            .await
    }

    /// Refunds part or all of a captured payment. The refund row (whose id is derived
    /// from the request's `Idempotency-Key`) holds the amount before Razorpay is asked,
    /// under the same id as Razorpay's idempotency key: a retry after a timeout asks again
    /// with that key and can never refund twice. Processed refunds go to orders as
    /// `RefundProcessed`, which issue the credit note.
    pub async fn refund(
        &self,
        payment_id: &str,
        input: RefundInput,
        idempotency_key: &str,
    ) -> Result<RefundRow, AppError> {
        if !(1..=crate::contracts::money::MAX_AMOUNT_MINOR).contains(&input.amount_minor) {
            return Err(AppError::invalid(
                "amount_minor",
                format!(
                    "must be between 1 and {}",
                    crate::contracts::money::MAX_AMOUNT_MINOR
                ),
            ));
        }
        let reason =
            crate::contracts::fields::optional_text(input.reason.as_deref(), "reason", 500)
                .map_err(|e| AppError::Validation(vec![e]))?;
        if let Some(return_id) = &input.return_id {
            // The return must exist and be of the order the payment paid for.
            let pid = payment_id.to_string();
            let paid_order = self
                .db
                .read(move |c| store::payment(c, &pid))
                .await?
                .map(|p| p.order_id)
                .ok_or_else(|| AppError::NotFound("no such payment".into()))?;
            let of_order = if return_id.len() <= 36 {
                self.orders.return_order_id(return_id).await?
            } else {
                None
            };
            if of_order.as_deref() != Some(paid_order.as_str()) {
                return Err(AppError::invalid(
                    "return_id",
                    "is not a return of the order this payment paid for",
                ));
            }
        }
        let refund_id = {
            use sha2::Digest;
            let digest = sha2::Sha256::digest(format!("{payment_id}\n{idempotency_key}"));
            format!("rf_{}", &hex::encode(digest)[..32])
        };
        let (pid, rid) = (payment_id.to_string(), refund_id.clone());
        let answer = Answer::current();
        let first_answer = answer.clone();
        let row: (RefundRow, Option<String>) = self
            .db
            .write(move |c| {
                if let Some(existing) = store::refund(c, &rid)? {
                    let provider = store::payment(c, &existing.payment_id)?
                        .and_then(|p| p.provider_payment_id);
                    return Ok((existing, provider));
                }
                let payment = store::payment(c, &pid)?
                    .ok_or_else(|| AppError::NotFound("no such payment".into()))?;
                if payment.status != "captured" {
                    return Err(AppError::FieldConflict(
                        "only a captured payment can be refunded".into(),
                        vec![FieldError::new("payment", format!("is {}", payment.status))],
                    ));
                }
                if !store::hold_refund(c, &pid, input.amount_minor)? {
                    return Err(AppError::FieldConflict(
                        "more than is left to refund".into(),
                        vec![FieldError::new(
                            "amount_minor",
                            format!(
                                "is more than the {} left of the captured {}",
                                payment.amount_minor - payment.refunded_minor,
                                payment.amount_minor
                            ),
                        )],
                    ));
                }
                let now = now();
                // Money taken by hand goes back by hand: the refund is done when recorded.
                let by_hand = payment.method != "razorpay";
                let row = RefundRow {
                    id: rid,
                    payment_id: pid,
                    order_id: payment.order_id,
                    amount_minor: input.amount_minor,
                    status: if by_hand { "processed" } else { "pending" }.into(),
                    provider_refund_id: None,
                    reason,
                    return_id: input.return_id,
                    created_at: now,
                    updated_at: now,
                };
                store::insert_refund(c, &row)?;
                if by_hand {
                    first_answer.record_in(c, &row)?;
                    enqueue(
                        c,
                        &RefundProcessed {
                            refund_id: row.id.clone(),
                            payment_id: row.payment_id.clone(),
                            order_id: row.order_id.clone(),
                            amount_minor: row.amount_minor,
                            return_id: row.return_id.clone(),
                        },
                    )?;
                }
                Ok((row, payment.provider_payment_id))
            })
            .await?;
        let (row, provider_payment) = row;
        if row.status == "processed" {
            return Ok(row);
        }
        let rzp = self.razorpay()?;
        let provider_payment =
            provider_payment.ok_or_else(|| AppError::internal("captured payment without id"))?;
        let done = match rzp
            .refund(&provider_payment, row.amount_minor, &row.id, &row.id)
            .await
        {
            Ok(done) => done,
            // Razorpay said no: nothing was refunded, so the held amount is free again.
            Err(Failure::Refused(e)) => {
                let id = row.id.clone();
                self.db
                    .write(move |c| store::refund_failed(c, &id, now()))
                    .await?;
                return Err(e);
            }
            // No answer: the refund may have happened. It stays pending and held; a retry
            // with the same key asks again under the same Razorpay idempotency key.
            Err(Failure::Down(e)) => return Err(e),
        };
        if done.amount != row.amount_minor {
            return Err(AppError::BadGateway(
                "Razorpay refunded another amount than asked".into(),
            ));
        }
        let id = row.id.clone();
        self.db
            .write(move |c| {
                let now = now();
                if store::refund_processed(c, &id, &done.id, now)? {
                    let r = store::refund(c, &id)?
                        .ok_or_else(|| AppError::internal("refund vanished"))?;
                    enqueue(
                        c,
                        &RefundProcessed {
                            refund_id: r.id.clone(),
                            payment_id: r.payment_id.clone(),
                            order_id: r.order_id.clone(),
                            amount_minor: r.amount_minor,
                            return_id: r.return_id.clone(),
                        },
                    )?;
                }
                let row =
                    store::refund(c, &id)?.ok_or_else(|| AppError::internal("refund vanished"))?;
                answer.record_in(c, &row)?;
                Ok(row)
            })
            .await
    }

    pub async fn refunds(&self, payment_id: &str) -> Result<Vec<RefundRow>, AppError> {
        let id = payment_id.to_string();
        self.db.read(move |c| store::refunds_of(c, &id)).await
    }

    pub async fn reconcile(
        &self,
        from: chrono::DateTime<chrono::Utc>,
        to: chrono::DateTime<chrono::Utc>,
    ) -> Result<Reconciliation, AppError> {
        reconcile(&self.db, self.razorpay()?, from, to).await
    }

    /// Records a payment staff took by hand for the order's whole balance; the order
    /// becomes paid from its `PaymentCaptured`.
    pub async fn manual(&self, actor: &str, input: ManualInput) -> Result<PaymentRow, AppError> {
        let mut problems = Vec::new();
        if !HAND_METHODS.contains(&input.method.as_str()) {
            problems.push(FieldError::new(
                "method",
                "must be manual, cash, card, upi or cod",
            ));
        }
        let reference = input
            .reference
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(str::to_string);
        match &reference {
            Some(r) if r.chars().count() > 100 => {
                problems.push(FieldError::new(
                    "reference",
                    "must be at most 100 characters",
                ));
            }
            None if matches!(input.method.as_str(), "manual" | "card" | "upi") => {
                problems.push(FieldError::new(
                    "reference",
                    "is required for a bank transfer, card or UPI payment",
                ));
            }
            _ => {}
        }
        if input.amount_minor < 1 {
            problems.push(FieldError::new("amount_minor", "must be at least 1"));
        }
        if !problems.is_empty() {
            return Err(AppError::Validation(problems));
        }
        let order = self
            .orders
            .payable(&input.order_id)
            .await?
            .ok_or_else(|| AppError::NotFound("no such order".into()))?;
        if !order.balance_due {
            return Err(AppError::FieldConflict(
                "the order has nothing to pay".into(),
                vec![FieldError::new(
                    "order_id",
                    format!("the order is {}", order.status),
                )],
            ));
        }
        let actor = actor.to_string();
        let answer = Answer::current();
        self.db
            .write(move |c| {
                let taken: i64 = store::of_order(c, &order.id)?
                    .iter()
                    .filter(|p| p.status == "captured")
                    .map(|p| p.amount_minor)
                    .sum();
                let due = order.grand_total_minor - taken;
                if input.amount_minor != due {
                    return Err(AppError::invalid(
                        "amount_minor",
                        format!("must equal the balance due ({due})"),
                    ));
                }
                let id = record_in(
                    c,
                    &crate::contracts::payments::RecordPayment {
                        order_id: order.id.clone(),
                        method: input.method.clone(),
                        amount_minor: due,
                        currency: order.currency.clone(),
                        reference,
                        session_id: None,
                        actor,
                        announce: true,
                    },
                )?;
                let row = store::payment(c, &id)?
                    .ok_or_else(|| AppError::internal("payment vanished"))?;
                answer.record_in(c, &row)?;
                Ok(row)
            })
            .await
    }

    /// Every payment, newest first, with its order's number: the back office's list.
    pub async fn recent(&self, q: RecentQuery) -> Result<Page<ListedPayment>, AppError> {
        let page: PageRequest<String> = PageQuery {
            limit: q.limit,
            cursor: q.cursor.clone(),
        }
        .parse()?;
        if let Some(s) = q.status.as_deref()
            && !PAYMENT_STATUSES.contains(&s)
        {
            return Err(AppError::invalid(
                "status",
                "must be created, authorized, captured, failed or flagged",
            ));
        }
        if let Some(m) = q.method.as_deref()
            && !PAYMENT_METHODS.contains(&m)
        {
            return Err(AppError::invalid(
                "method",
                "must be razorpay, manual, cash, card, upi or cod",
            ));
        }
        let rows = self
            .db
            .read(move |c| {
                store::recent(
                    c,
                    q.status.as_deref(),
                    q.method.as_deref(),
                    page.after.as_deref(),
                    page.limit,
                )
            })
            .await?;
        let page = Page::from_rows(rows, page.limit, |p| p.id.clone());
        let mut ids: Vec<String> = page.items.iter().map(|p| p.order_id.clone()).collect();
        ids.sort();
        ids.dedup();
        let numbers = self.orders.numbers(ids).await?;
        Ok(page.map(|payment| ListedPayment {
            order_number: numbers.get(&payment.order_id).cloned(),
            payment,
        }))
    }

    pub async fn of_order(&self, order_id: &str) -> Result<Vec<PaymentRow>, AppError> {
        let id = order_id.to_string();
        self.db.read(move |c| store::of_order(c, &id)).await
    }
}

/// The differences between Razorpay's payments and Kirana's attempts. Payments of orders
/// Kirana did not create are left out.
fn compare(remote: &[RzpPayment], known: &[PaymentRow], local: &[PaymentRow]) -> Vec<Difference> {
    let mut out = Vec::new();
    for p in remote {
        let Some(mine) = known.iter().find(|k| k.provider_order_id == p.order_id) else {
            continue;
        };
        let captured = matches!(p.status.as_str(), "captured" | "refunded");
        let diff = |kind: &str, kirana: String, razorpay: String| Difference {
            kind: kind.into(),
            order_id: Some(mine.order_id.clone()),
            provider_payment_id: p.id.clone(),
            kirana,
            razorpay,
        };
        let same_payment = mine.provider_payment_id.as_deref() == Some(p.id.as_str());
        if captured && !(same_payment && mine.status == "captured") {
            out.push(diff(
                "not_recorded",
                mine.status.clone(),
                format!("{} {} {}", p.status, p.amount, p.currency),
            ));
            continue;
        }
        if !same_payment {
            continue;
        }
        if captured && p.amount != mine.amount_minor {
            out.push(diff(
                "amount",
                mine.amount_minor.to_string(),
                p.amount.to_string(),
            ));
        }
        if captured && p.amount_refunded != mine.refunded_minor {
            out.push(diff(
                "refunded",
                mine.refunded_minor.to_string(),
                p.amount_refunded.to_string(),
            ));
        }
    }
    for mine in local.iter().filter(|m| m.status == "captured") {
        let at_provider = remote.iter().any(|p| {
            Some(p.id.as_str()) == mine.provider_payment_id.as_deref()
                && matches!(p.status.as_str(), "captured" | "refunded")
        });
        if !at_provider {
            out.push(Difference {
                kind: "not_captured".into(),
                order_id: Some(mine.order_id.clone()),
                provider_payment_id: mine.provider_payment_id.clone().unwrap_or_default(),
                kirana: format!("captured {}", mine.amount_minor),
                razorpay: "no captured payment in the window".into(),
            });
        }
    }
    out
}

/// Compares Razorpay's payments of `[from, to)` with Kirana's records: captured and
/// refunded amounts, and payments either side lacks.
pub async fn reconcile(
    db: &Db,
    rzp: &Razorpay,
    from: chrono::DateTime<chrono::Utc>,
    to: chrono::DateTime<chrono::Utc>,
) -> Result<Reconciliation, AppError> {
    if to <= from {
        return Err(AppError::invalid("to", "must be after from"));
    }
    let remote = rzp
        .payments_between(from.timestamp(), to.timestamp(), 10_000)
        .await?;
    let order_ids: Vec<String> = remote.iter().filter_map(|p| p.order_id.clone()).collect();
    let (naive_from, naive_to) = (from.naive_utc(), to.naive_utc());
    let (known, local) = db
        .read(move |c| {
            Ok((
                store::by_provider_orders(c, &order_ids)?,
                store::attempts_between(c, naive_from, naive_to)?,
            ))
        })
        .await?;
    Ok(Reconciliation {
        from,
        to,
        checked: remote
            .iter()
            .filter(|p| known.iter().any(|k| k.provider_order_id == p.order_id))
            .count(),
        differences: compare(&remote, &known, &local),
    })
}
