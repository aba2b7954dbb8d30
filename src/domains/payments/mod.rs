//! The payments domain: payment attempts with Razorpay (orders, the browser callback,
//! webhooks), recorded once and announced to orders as `PaymentCaptured`/`PaymentFailed`.

mod razorpay;
mod routes;
mod service;
mod store;

use std::sync::Arc;

use actix_web::web;
use utoipa::OpenApi;

use crate::config::Settings;
use crate::contracts::auth::Permission;
use crate::contracts::events::PaymentUnapplied;
use crate::contracts::events::{Event, EventEnvelope};
use crate::contracts::orders::OrdersApi;
use crate::contracts::payments::PaymentsApi;
use crate::db::{Db, DbConnection};
use crate::events::Subscriber;
use crate::gateway::rbac::{Access, RouteRule};
use crate::http::{AppError, method_not_allowed};

/// Every route of the domain and who may call it.
pub const ROUTES: &[RouteRule] = &[
    RouteRule::new("GET", "/api/v1/payments/methods", Access::Public),
    RouteRule::new(
        "GET",
        "/api/v1/payments/reconciliation",
        Access::Permission(Permission::PaymentsRefund),
    ),
    RouteRule::new("POST", "/api/v1/payments/razorpay/orders", Access::Public),
    RouteRule::new("POST", "/api/v1/payments/razorpay/verify", Access::Public),
    RouteRule::new("POST", "/api/v1/payments/razorpay/webhook", Access::Public),
    RouteRule::new(
        "GET",
        "/api/v1/payments",
        Access::Permission(Permission::OrdersReadAll),
    ),
    RouteRule::new(
        "GET",
        "/api/v1/payments/recent",
        Access::Permission(Permission::OrdersReadAll),
    ),
    RouteRule::new(
        "POST",
        "/api/v1/payments/manual",
        Access::Permission(Permission::OrdersManage),
    ),
    RouteRule::new(
        "GET",
        "/api/v1/payments/{id}/refunds",
        Access::Permission(Permission::OrdersReadAll),
    ),
    RouteRule::new(
        "POST",
        "/api/v1/payments/{id}/refunds",
        Access::Permission(Permission::PaymentsRefund),
    ),
];

#[derive(OpenApi)]
#[openapi(
    paths(
        routes::methods, routes::reconciliation, routes::start, routes::verify, routes::webhook, routes::list, routes::recent, routes::manual, routes::refund,
        routes::refunds
    ),
    tags((name = "payments", description = "Online payments (Razorpay)"))
)]
struct PaymentsApiDoc;

pub fn openapi() -> utoipa::openapi::OpenApi {
    PaymentsApiDoc::openapi()
}

pub use service::Reconciliation;

/// Compares Razorpay with Kirana's records for `[from, to)` (`kirana payments reconcile`).
pub async fn reconcile(
    db: &Db,
    settings: &Settings,
    from: chrono::DateTime<chrono::Utc>,
    to: chrono::DateTime<chrono::Utc>,
) -> Result<Reconciliation, AppError> {
    if settings.razorpay.key_id.is_empty() {
        return Err(AppError::Unavailable(
            "Razorpay is not configured (razorpay.key_id)".into(),
        ));
    }
    let rzp = razorpay::Razorpay::new(&settings.razorpay)?;
    service::reconcile(db, &rzp, from, to).await
}

/// The domain as the application wires it.
#[derive(Clone)]
pub struct PaymentsDomain {
    payments: web::Data<service::Payments>,
}

impl PaymentsDomain {
    pub fn build(
        db: Db,
        orders: Arc<dyn OrdersApi>,
        settings: &Settings,
        profile: &crate::profile::LiveProfile,
    ) -> anyhow::Result<Self> {
        let payments = service::Payments::new(db, orders, &settings.razorpay, profile.clone())
            .map_err(|e| anyhow::anyhow!("payments: {e}"))?;
        Ok(Self {
            payments: web::Data::new(payments),
        })
    }

    /// The circuit breakers of the providers, for `/readyz` and `/metrics`.
    pub fn breakers(&self) -> Vec<Arc<crate::breaker::CircuitBreaker>> {
        self.payments.breakers()
    }

    /// The domain's event subscribers: recorded webhooks are applied from the outbox, and
    /// payments orders could not apply are flagged.
    pub fn subscribers(&self) -> Vec<Arc<dyn Subscriber>> {
        vec![Arc::new(Webhooks), Arc::new(Unapplied)]
    }

    /// The contract other domains record hand payments through.
    pub fn api(&self) -> Arc<dyn PaymentsApi> {
        self.payments.clone().into_inner()
    }

    /// Routes under `/api` (the `/api` scope is the caller's).
    pub fn configure_api(&self, cfg: &mut web::ServiceConfig) {
        cfg.app_data(self.payments.clone())
            .service(
                web::resource("/v1/payments/reconciliation")
                    .route(web::get().to(routes::reconciliation))
                    .default_service(method_not_allowed(&["GET"])),
            )
            .service(
                web::resource("/v1/payments/methods")
                    .route(web::get().to(routes::methods))
                    .default_service(method_not_allowed(&["GET"])),
            )
            .service(
                web::resource("/v1/payments/razorpay/orders")
                    .route(web::post().to(routes::start))
                    .default_service(method_not_allowed(&["POST"])),
            )
            .service(
                web::resource("/v1/payments/razorpay/verify")
                    .route(web::post().to(routes::verify))
                    .default_service(method_not_allowed(&["POST"])),
            )
            .service(
                web::resource("/v1/payments/razorpay/webhook")
                    .route(web::post().to(routes::webhook))
                    .default_service(method_not_allowed(&["POST"])),
            )
            .service(
                web::resource("/v1/payments/recent")
                    .route(web::get().to(routes::recent))
                    .default_service(method_not_allowed(&["GET"])),
            )
            .service(
                web::resource("/v1/payments/manual")
                    .route(web::post().to(routes::manual))
                    .default_service(method_not_allowed(&["POST"])),
            )
            .service(
                web::resource("/v1/payments")
                    .route(web::get().to(routes::list))
                    .default_service(method_not_allowed(&["GET"])),
            )
            .service(
                web::resource("/v1/payments/{id}/refunds")
                    .route(web::get().to(routes::refunds))
                    .route(web::post().to(routes::refund))
                    .default_service(method_not_allowed(&["GET", "POST"])),
            );
    }
}

/// Applies recorded Razorpay webhooks; a crash between receipt and this loses nothing,
/// because the outbox row was written with the record.
struct Webhooks;

impl Subscriber for Webhooks {
    fn name(&self) -> &'static str {
        "payments.razorpay_webhooks"
    }

    fn interested_in(&self, event_type: &str) -> bool {
        event_type == service::WebhookReceived::TYPE
    }

    fn handle(&self, conn: &mut DbConnection, event: &EventEnvelope) -> Result<(), AppError> {
        let Some(decoded) = event.decode::<service::WebhookReceived>() else {
            return Ok(());
        };
        let received = decoded.map_err(|e| AppError::internal(format!("bad event: {e}")))?;
        service::process_webhook_in(conn, &received.event_id)
    }
}

/// Flags a captured payment the order could not take (cancelled, paid twice, another
/// amount), so staff find it among payments and refund it.
struct Unapplied;

impl Subscriber for Unapplied {
    fn name(&self) -> &'static str {
        "payments.unapplied"
    }

    fn interested_in(&self, event_type: &str) -> bool {
        event_type == PaymentUnapplied::TYPE
    }

    fn handle(&self, conn: &mut DbConnection, event: &EventEnvelope) -> Result<(), AppError> {
        let Some(decoded) = event.decode::<PaymentUnapplied>() else {
            return Ok(());
        };
        let e = decoded.map_err(|e| AppError::internal(format!("bad event: {e}")))?;
        store::flag(conn, &e.payment_id, &e.reason)
    }
}
