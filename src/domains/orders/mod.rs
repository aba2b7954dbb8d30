//! The orders domain: orders with their immutable line snapshots, the status machine and
//! timeline, payments recorded by staff, fulfilment, cancellation and expiry, returns, and
//! GST invoices and credit notes. It implements `OrdersApi`.

mod invoice;
mod model;
mod render;
mod routes;
mod service;
mod store;

use std::sync::Arc;
use std::time::Duration;

use actix_web::web;
use tokio::sync::watch;
use utoipa::OpenApi;

use crate::config::Settings;
use crate::contracts::auth::Permission;
use crate::contracts::catalog::CatalogApi;
use crate::contracts::events::{Event, EventEnvelope, PaymentCaptured, RefundProcessed};
use crate::contracts::inventory::InventoryApi;
use crate::contracts::orders::{
    Channel, OrderDraft, OrdersApi, PayableOrder, PlacedOrder, ShipLine, ShippableOrder,
};
use crate::db::{Db, DbConnection};
use crate::events::Subscriber;
use crate::gateway::rbac::{Access, RouteRule};
use crate::http::{AppError, method_not_allowed};

const MANAGE: Access = Access::Permission(Permission::OrdersManage);
const SIGNED_IN: Access = Access::Authenticated;

/// Every route of the domain and who may call it.
pub const ROUTES: &[RouteRule] = &[
    RouteRule::new("GET", "/api/v1/orders", SIGNED_IN),
    RouteRule::new("GET", "/api/v1/orders/{id}", SIGNED_IN),
    RouteRule::new("POST", "/api/v1/orders/{id}/fulfilments", MANAGE),
    RouteRule::new("POST", "/api/v1/orders/{id}/transitions", MANAGE),
    RouteRule::new("POST", "/api/v1/orders/{id}/cancel", SIGNED_IN),
    RouteRule::new("GET", "/api/v1/orders/{id}/returns", SIGNED_IN),
    RouteRule::new("POST", "/api/v1/orders/{id}/returns", SIGNED_IN),
    RouteRule::new("POST", "/api/v1/returns/{id}/approve", MANAGE),
    RouteRule::new("POST", "/api/v1/returns/{id}/reject", MANAGE),
    RouteRule::new("POST", "/api/v1/returns/{id}/receive", MANAGE),
    RouteRule::new(
        "GET",
        "/api/v1/invoices",
        Access::Permission(Permission::OrdersReadAll),
    ),
    RouteRule::new("GET", "/api/v1/invoices/{id}", SIGNED_IN),
    RouteRule::new("GET", "/api/v1/invoices/{id}.pdf", SIGNED_IN),
    RouteRule::new("GET", "/api/v1/invoices/{id}.html", SIGNED_IN),
];

#[derive(OpenApi)]
#[openapi(
    paths(
        routes::list, routes::get, routes::fulfil, routes::advance,
        routes::cancel, routes::list_returns, routes::request_return, routes::approve_return,
        routes::reject_return, routes::receive_return, routes::documents, routes::invoice, routes::invoice_pdf,
        routes::invoice_html
    ),
    tags((name = "orders", description = "Orders, returns, GST invoices and credit notes"))
)]
struct OrdersApiDoc;

pub fn openapi() -> utoipa::openapi::OpenApi {
    OrdersApiDoc::openapi()
}

/// How often unpaid orders are looked for, at most: a quarter of the payment time when
/// that is shorter, so an order is cancelled soon after its time runs out.
const EXPIRY_SWEEP_AT_MOST: Duration = Duration::from_secs(15);

/// The domain as the application wires it.
#[derive(Clone)]
pub struct OrdersDomain {
    orders: web::Data<service::Orders>,
    sweep_every: Duration,
}

impl OrdersDomain {
    pub fn build(
        db: Db,
        catalog: Arc<dyn CatalogApi>,
        inventory: Arc<dyn InventoryApi>,
        settings: &Settings,
        profile: &crate::profile::LiveProfile,
    ) -> Self {
        Self {
            orders: web::Data::new(service::Orders::new(
                db,
                catalog,
                inventory,
                profile.clone(),
                settings.orders.clone(),
            )),
            sweep_every: (Duration::from_secs(u64::from(settings.orders.payment_timeout_secs)) / 4)
                .clamp(Duration::from_secs(1), EXPIRY_SWEEP_AT_MOST),
        }
    }

    pub fn api(&self) -> Arc<dyn OrdersApi> {
        Arc::new(self.clone())
    }

    /// Cancels unpaid web orders past their time until `stop` changes.
    pub async fn expire_unpaid_orders(self, mut stop: watch::Receiver<bool>) {
        loop {
            tokio::select! {
                _ = tokio::time::sleep(self.sweep_every) => {}
                _ = stop.changed() => break,
            }
            // Numbering sequences for a new day (a financial year starts on 1 April)
            // exist before a payment event needs them.
            if let Err(e) = self.orders.prepare().await {
                tracing::warn!(error = %e, "preparing numbering sequences failed");
            }
            match self.orders.expire_unpaid().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(count = n, "cancelled unpaid orders"),
                Err(e) => tracing::warn!(error = %e, "expiring unpaid orders failed"),
            }
        }
    }

    /// The domain's event subscribers: orders become paid from `PaymentCaptured`.
    pub fn subscribers(&self) -> Vec<Arc<dyn Subscriber>> {
        vec![Arc::new(PaidOrders {
            orders: self.orders.clone(),
        })]
    }

    /// Routes under `/api` (the `/api` scope is the caller's).
    pub fn configure_api(&self, cfg: &mut web::ServiceConfig) {
        cfg.app_data(self.orders.clone())
            .service(
                web::resource("/v1/orders")
                    .route(web::get().to(routes::list))
                    .default_service(method_not_allowed(&["GET"])),
            )
            .service(
                web::resource("/v1/orders/{id}")
                    .route(web::get().to(routes::get))
                    .default_service(method_not_allowed(&["GET"])),
            )
            .service(
                web::resource("/v1/orders/{id}/fulfilments")
                    .route(web::post().to(routes::fulfil))
                    .default_service(method_not_allowed(&["POST"])),
            )
            .service(
                web::resource("/v1/orders/{id}/transitions")
                    .route(web::post().to(routes::advance))
                    .default_service(method_not_allowed(&["POST"])),
            )
            .service(
                web::resource("/v1/orders/{id}/cancel")
                    .route(web::post().to(routes::cancel))
                    .default_service(method_not_allowed(&["POST"])),
            )
            .service(
                web::resource("/v1/orders/{id}/returns")
                    .route(web::get().to(routes::list_returns))
                    .route(web::post().to(routes::request_return))
                    .default_service(method_not_allowed(&["GET", "POST"])),
            )
            .service(
                web::resource("/v1/returns/{id}/approve")
                    .route(web::post().to(routes::approve_return))
                    .default_service(method_not_allowed(&["POST"])),
            )
            .service(
                web::resource("/v1/returns/{id}/reject")
                    .route(web::post().to(routes::reject_return))
                    .default_service(method_not_allowed(&["POST"])),
            )
            .service(
                web::resource("/v1/returns/{id}/receive")
                    .route(web::post().to(routes::receive_return))
                    .default_service(method_not_allowed(&["POST"])),
            )
            .service(
                web::resource("/v1/invoices")
                    .route(web::get().to(routes::documents))
                    .default_service(method_not_allowed(&["GET"])),
            )
            .service(
                web::resource("/v1/invoices/{file}")
                    .route(web::get().to(routes::invoice))
                    .default_service(method_not_allowed(&["GET"])),
            );
    }
}

#[async_trait::async_trait]
impl OrdersApi for OrdersDomain {
    async fn prepare(&self, _channel: Channel) -> Result<(), AppError> {
        self.orders.prepare().await
    }

    fn place_in(
        &self,
        conn: &mut DbConnection,
        draft: &OrderDraft,
        actor: &str,
    ) -> Result<PlacedOrder, AppError> {
        self.orders.place_in(conn, draft, actor)
    }

    async fn order_json(&self, id: &str) -> Result<Option<serde_json::Value>, AppError> {
        self.orders.order_json(id).await
    }

    async fn payable(&self, id: &str) -> Result<Option<PayableOrder>, AppError> {
        self.orders.payable(id).await
    }

    async fn shippable(&self, id: &str) -> Result<Option<ShippableOrder>, AppError> {
        self.orders.shippable(id).await
    }

    async fn return_order_id(&self, return_id: &str) -> Result<Option<String>, AppError> {
        self.orders.return_order_id(return_id).await
    }

    async fn issued_documents(
        &self,
        after: Option<String>,
        limit: i64,
    ) -> Result<Vec<crate::contracts::events::DocumentIssued>, AppError> {
        self.orders.issued_documents(after, limit).await
    }

    async fn by_number(&self, number: &str) -> Result<Option<ShippableOrder>, AppError> {
        self.orders.by_number(number).await
    }

    async fn numbers(
        &self,
        ids: Vec<String>,
    ) -> Result<std::collections::HashMap<String, String>, AppError> {
        self.orders.numbers(ids).await
    }

    fn shippable_in(
        &self,
        conn: &mut DbConnection,
        id: &str,
    ) -> Result<Option<ShippableOrder>, AppError> {
        self.orders.shippable_in(conn, id)
    }

    fn ship_in(
        &self,
        conn: &mut DbConnection,
        order_id: &str,
        lines: &[ShipLine],
        actor: &str,
    ) -> Result<ShippableOrder, AppError> {
        self.orders.ship_in(conn, order_id, lines, actor)
    }

    fn delivered_in(
        &self,
        conn: &mut DbConnection,
        order_id: &str,
        actor: &str,
    ) -> Result<bool, AppError> {
        self.orders.delivered_in(conn, order_id, actor)
    }

    fn returned_to_origin_in(
        &self,
        conn: &mut DbConnection,
        order_id: &str,
        location_id: &str,
        lines: &[ShipLine],
        actor: &str,
    ) -> Result<(), AppError> {
        self.orders
            .returned_to_origin_in(conn, order_id, location_id, lines, actor)
    }
}

/// Marks orders paid (and invoices them) when the payments domain captured their money,
/// and credits refunds it processed.
struct PaidOrders {
    orders: web::Data<service::Orders>,
}

impl Subscriber for PaidOrders {
    fn name(&self) -> &'static str {
        "orders.paid"
    }

    fn interested_in(&self, event_type: &str) -> bool {
        event_type == PaymentCaptured::TYPE || event_type == RefundProcessed::TYPE
    }

    fn handle(&self, conn: &mut DbConnection, event: &EventEnvelope) -> Result<(), AppError> {
        let bad = |e: serde_json::Error| AppError::internal(format!("bad event: {e}"));
        if let Some(decoded) = event.decode::<PaymentCaptured>() {
            return self.orders.mark_paid_in(conn, &decoded.map_err(bad)?);
        }
        if let Some(decoded) = event.decode::<RefundProcessed>() {
            return self.orders.refund_in(conn, &decoded.map_err(bad)?);
        }
        Ok(())
    }
}
