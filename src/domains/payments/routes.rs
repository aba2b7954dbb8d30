//! HTTP handlers of the payments domain: thin; parse, call the service.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

use super::service::{
    CallbackInput, CallbackOutcome, CheckoutOptions, ListedPayment, ManualInput, MethodView,
    Payments, RecentQuery, Reconciliation, RefundInput, StartInput,
};
use super::store::{PaymentRow, RefundRow};
use crate::gateway::rbac::{Authorized, perm};
use crate::http::AppError;
use crate::http::extract::{Json, Query};
use crate::http::idempotency::{Idempotency, IdempotencyKey};
use crate::http::pagination::Page;

type PaymentsData = web::Data<Payments>;

/// Start paying an order with Razorpay: the options for Razorpay Checkout (the amount is
/// the order's, from the database).
#[utoipa::path(post, path = "/api/v1/payments/razorpay/orders", tag = "payments", request_body = StartInput,
    responses((status = 200, body = CheckoutOptions), (status = 404, body = crate::http::Problem),
        (status = 409, body = crate::http::Problem), (status = 502, body = crate::http::Problem), (status = 503, body = crate::http::Problem)))]
pub async fn start(
    payments: PaymentsData,
    Json(body): Json<StartInput>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(payments.start(body).await?))
}

/// The browser's callback after Razorpay Checkout: verified by signature, confirmed with
/// Razorpay, applied once.
#[utoipa::path(post, path = "/api/v1/payments/razorpay/verify", tag = "payments", request_body = CallbackInput,
    responses((status = 200, body = CallbackOutcome), (status = 400, body = crate::http::Problem),
        (status = 409, body = crate::http::Problem), (status = 502, body = crate::http::Problem)))]
pub async fn verify(
    payments: PaymentsData,
    Json(body): Json<CallbackInput>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(payments.callback(body).await?))
}

/// Razorpay's webhooks: `X-Razorpay-Signature` verified on the raw body, de-duplicated by
/// `x-razorpay-event-id`, processed through the outbox.
#[utoipa::path(post, path = "/api/v1/payments/razorpay/webhook", tag = "payments",
    request_body(content = String, description = "the event as Razorpay sent it", content_type = "application/json"),
    params(("X-Razorpay-Signature" = String, Header), ("x-razorpay-event-id" = String, Header)),
    responses((status = 200, description = "recorded (or a replay)"), (status = 400, body = crate::http::Problem)))]
pub async fn webhook(
    payments: PaymentsData,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let fresh = payments
        .webhook(
            body,
            header("x-razorpay-signature"),
            header("x-razorpay-event-id"),
        )
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "recorded": fresh })))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
pub struct PaymentsQuery {
    #[param(min_length = 1)]
    pub order_id: String,
}

/// The payments of an order, flagged ones included (staff).
#[utoipa::path(get, path = "/api/v1/payments", tag = "payments", params(PaymentsQuery),
    responses((status = 200, body = Vec<PaymentRow>)))]
pub async fn list(
    payments: PaymentsData,
    _who: Authorized<perm::OrdersReadAll>,
    Query(q): Query<PaymentsQuery>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(payments.of_order(&q.order_id).await?))
}

/// Every payment, newest first, with its order's number; `status=flagged` gives those
/// waiting for staff (staff).
#[utoipa::path(get, path = "/api/v1/payments/recent", tag = "payments", params(RecentQuery),
    responses((status = 200, body = Page<ListedPayment>), (status = 400, body = crate::http::Problem)))]
pub async fn recent(
    payments: PaymentsData,
    _who: Authorized<perm::OrdersReadAll>,
    Query(q): Query<RecentQuery>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(payments.recent(q).await?))
}

/// Refund part or all of a captured payment (`Idempotency-Key` required): never more than
/// is left, never twice for one key; orders issue the credit note.
#[utoipa::path(post, path = "/api/v1/payments/{id}/refunds", tag = "payments", request_body = RefundInput,
    params(("id" = String, Path), ("Idempotency-Key" = String, Header)),
    responses((status = 201, body = RefundRow), (status = 400, body = crate::http::Problem),
        (status = 409, body = crate::http::Problem), (status = 502, body = crate::http::Problem)))]
pub async fn refund(
    payments: PaymentsData,
    idempotency: web::Data<Idempotency>,
    who: Authorized<perm::PaymentsRefund>,
    key: IdempotencyKey,
    id: web::Path<String>,
    Json(body): Json<RefundInput>,
) -> Result<HttpResponse, AppError> {
    let p = who.principal;
    let route = format!("payments/{id}/refunds");
    let refund_key = key.0.clone().unwrap_or_default();
    idempotency
        .once(&p, key, &route, &body.clone(), StatusCode::CREATED, || {
            payments.refund(&id, body, &refund_key)
        })
        .await
}

/// Record money taken by hand for an order's whole balance (`Idempotency-Key` honoured):
/// a bank transfer, cash, card terminal or UPI, or the cash a courier collected. The order
/// becomes paid (and invoiced) from the payment's `PaymentCaptured`.
#[utoipa::path(post, path = "/api/v1/payments/manual", tag = "payments", request_body = ManualInput,
    params(("Idempotency-Key" = Option<String>, Header)),
    responses((status = 201, body = PaymentRow), (status = 400, body = crate::http::Problem),
        (status = 404, body = crate::http::Problem), (status = 409, body = crate::http::Problem)))]
pub async fn manual(
    payments: PaymentsData,
    idempotency: web::Data<Idempotency>,
    who: Authorized<perm::OrdersManage>,
    key: IdempotencyKey,
    Json(body): Json<ManualInput>,
) -> Result<HttpResponse, AppError> {
    let p = who.principal;
    idempotency
        .once(
            &p,
            key,
            "payments/manual",
            &body.clone(),
            StatusCode::CREATED,
            || payments.manual(p.user_id(), body),
        )
        .await
}

/// Refunds of a payment.
#[utoipa::path(get, path = "/api/v1/payments/{id}/refunds", tag = "payments", params(("id" = String, Path)),
    responses((status = 200, body = Vec<RefundRow>)))]
pub async fn refunds(
    payments: PaymentsData,
    _who: Authorized<perm::OrdersReadAll>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(payments.refunds(&id).await?))
}

/// The ways to pay checkout may offer now: Razorpay while it answers, cash on delivery.
#[utoipa::path(get, path = "/api/v1/payments/methods", tag = "payments",
    responses((status = 200, body = Vec<MethodView>)))]
pub async fn methods(payments: PaymentsData) -> HttpResponse {
    HttpResponse::Ok().json(payments.methods())
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
pub struct WindowQuery {
    /// Start of the window (RFC 3339); default 24 hours before `to`.
    #[param(value_type = Option<String>, format = DateTime)]
    pub from: Option<String>,
    /// End of the window (RFC 3339); default now.
    #[param(value_type = Option<String>, format = DateTime)]
    pub to: Option<String>,
}

fn parse_window(
    q: &WindowQuery,
) -> Result<(chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>), AppError> {
    let parse = |raw: &Option<String>,
                 field: &str|
     -> Result<Option<chrono::DateTime<chrono::Utc>>, AppError> {
        raw.as_deref()
            .filter(|s| !s.is_empty())
            .map(|s| {
                chrono::DateTime::parse_from_rfc3339(s)
                    .map(|t| t.with_timezone(&chrono::Utc))
                    .map_err(|_| AppError::invalid(field, "must be an RFC 3339 time"))
            })
            .transpose()
    };
    let to = parse(&q.to, "to")?.unwrap_or_else(chrono::Utc::now);
    let from = parse(&q.from, "from")?.unwrap_or(to - chrono::TimeDelta::hours(24));
    Ok((from, to))
}

/// Compare Razorpay's payments of a window with Kirana's records (also `kirana payments
/// reconcile`).
#[utoipa::path(get, path = "/api/v1/payments/reconciliation", tag = "payments", params(WindowQuery),
    responses((status = 200, body = Reconciliation), (status = 400, body = crate::http::Problem), (status = 409, body = crate::http::Problem, description = "Online payment is not offered"), (status = 502, body = crate::http::Problem)))]
pub async fn reconciliation(
    payments: PaymentsData,
    _who: Authorized<perm::PaymentsRefund>,
    Query(q): Query<WindowQuery>,
) -> Result<HttpResponse, AppError> {
    let (from, to) = parse_window(&q)?;
    Ok(HttpResponse::Ok().json(payments.reconcile(from, to).await?))
}
