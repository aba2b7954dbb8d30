//! The inventory domain: locations, stock levels and the append-only stock ledger,
//! reservations, transfers, suppliers and purchase orders. It implements `InventoryApi`.

mod model;
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
use crate::contracts::inventory::{Availability, InventoryApi, Shortage, StockLine};
use crate::db::{Db, DbConnection};
use crate::gateway::rbac::{Access, RouteRule};
use crate::http::{AppError, method_not_allowed};

pub use service::{DemoStock, LedgerMismatch};

const MANAGE_ALL: Access = Access::Permission(Permission::CatalogManageAll);
const ADJUST: Access = Access::Permission(Permission::InventoryAdjust);
const ORDERS: Access = Access::Permission(Permission::OrdersManage);

/// Every route of the domain and who may call it.
pub const ROUTES: &[RouteRule] = &[
    RouteRule::new("GET", "/api/v1/inventory/locations", MANAGE_ALL),
    RouteRule::new("POST", "/api/v1/inventory/locations", MANAGE_ALL),
    RouteRule::new("PATCH", "/api/v1/inventory/locations/{id}", MANAGE_ALL),
    RouteRule::new("GET", "/api/v1/inventory/locations/{id}/stock", MANAGE_ALL),
    RouteRule::new("GET", "/api/v1/inventory/variants/{id}/stock", ADJUST),
    RouteRule::new("GET", "/api/v1/inventory/movements", ADJUST),
    RouteRule::new("POST", "/api/v1/inventory/adjustments", ADJUST),
    RouteRule::new("GET", "/api/v1/inventory/transfers", ADJUST),
    RouteRule::new("POST", "/api/v1/inventory/transfers", ADJUST),
    RouteRule::new("GET", "/api/v1/inventory/transfers/{id}", ADJUST),
    RouteRule::new("POST", "/api/v1/inventory/transfers/{id}/receive", ADJUST),
    RouteRule::new("POST", "/api/v1/inventory/counts", ADJUST),
    RouteRule::new("PUT", "/api/v1/inventory/thresholds", MANAGE_ALL),
    RouteRule::new("GET", "/api/v1/inventory/low-stock", MANAGE_ALL),
    RouteRule::new("GET", "/api/v1/inventory/reorder-suggestions", MANAGE_ALL),
    RouteRule::new("POST", "/api/v1/inventory/reservations", ORDERS),
    RouteRule::new("GET", "/api/v1/inventory/reservations/{reference}", ORDERS),
    RouteRule::new(
        "POST",
        "/api/v1/inventory/reservations/{reference}/commit",
        ORDERS,
    ),
    RouteRule::new(
        "POST",
        "/api/v1/inventory/reservations/{reference}/release",
        ORDERS,
    ),
    RouteRule::new("GET", "/api/v1/inventory/suppliers", MANAGE_ALL),
    RouteRule::new("POST", "/api/v1/inventory/suppliers", MANAGE_ALL),
    RouteRule::new("GET", "/api/v1/inventory/purchase-orders", MANAGE_ALL),
    RouteRule::new("POST", "/api/v1/inventory/purchase-orders", MANAGE_ALL),
    RouteRule::new("GET", "/api/v1/inventory/purchase-orders/{id}", MANAGE_ALL),
    RouteRule::new(
        "PATCH",
        "/api/v1/inventory/purchase-orders/{id}",
        MANAGE_ALL,
    ),
    RouteRule::new(
        "POST",
        "/api/v1/inventory/purchase-orders/{id}/receipts",
        MANAGE_ALL,
    ),
];

#[derive(OpenApi)]
#[openapi(
    paths(
        routes::list_locations, routes::create_location, routes::update_location,
        routes::location_stock, routes::variant_stock, routes::movements, routes::adjust,
        routes::transfer, routes::receive_transfer, routes::list_transfers,
        routes::get_transfer, routes::count, routes::set_thresholds, routes::low_stock,
        routes::reorder_suggestions, routes::reserve, routes::get_reservation, routes::commit,
        routes::release, routes::list_suppliers, routes::create_supplier, routes::list_pos,
        routes::create_po, routes::get_po, routes::update_po, routes::receive
    ),
    tags((name = "inventory", description = "Locations, stock, the ledger, purchasing"))
)]
struct InventoryApiDoc;

pub fn openapi() -> utoipa::openapi::OpenApi {
    InventoryApiDoc::openapi()
}

/// How often expired reservations are looked for (a cheap indexed read when none are).
const EXPIRY_SWEEP_EVERY: Duration = Duration::from_secs(1);

/// Compares the stock tables with the ledger in one transaction; empty when consistent.
/// Blocking (the `kirana inventory verify` command and tests).
pub fn verify(db: &Db) -> Result<Vec<LedgerMismatch>, AppError> {
    db.write_blocking(service::verify)
}

/// Stocks the demo catalog (`kirana seed --demo`): see `service::seed_demo`.
pub async fn seed_demo(
    db: &Db,
    variant_ids: Vec<String>,
    actor_id: String,
) -> Result<DemoStock, AppError> {
    db.write(move |conn| service::seed_demo(conn, &variant_ids, &actor_id))
        .await
}

/// The domain as the application wires it.
#[derive(Clone)]
pub struct InventoryDomain {
    inventory: web::Data<service::Inventory>,
}

impl InventoryDomain {
    pub async fn build(
        db: Db,
        catalog: Arc<dyn CatalogApi>,
        _settings: &Settings,
        profile: &crate::profile::LiveProfile,
    ) -> anyhow::Result<Self> {
        Ok(Self {
            inventory: web::Data::new(service::Inventory::new(db, catalog, profile.clone())),
        })
    }

    pub fn api(&self) -> Arc<dyn InventoryApi> {
        Arc::new(self.clone())
    }

    /// Releases reservations whose time ran out until `stop` changes.
    pub async fn release_expired_reservations(self, mut stop: watch::Receiver<bool>) {
        loop {
            tokio::select! {
                _ = tokio::time::sleep(EXPIRY_SWEEP_EVERY) => {}
                _ = stop.changed() => break,
            }
            match self.inventory.release_expired().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(count = n, "released expired reservations"),
                Err(e) => tracing::warn!(error = %e, "releasing expired reservations failed"),
            }
        }
    }

    /// Routes under `/api` (the `/api` scope is the caller's).
    pub fn configure_api(&self, cfg: &mut web::ServiceConfig) {
        cfg.app_data(self.inventory.clone())
            .service(
                web::resource("/v1/inventory/locations")
                    .route(web::get().to(routes::list_locations))
                    .route(web::post().to(routes::create_location))
                    .default_service(method_not_allowed(&["GET", "POST"])),
            )
            .service(
                web::resource("/v1/inventory/locations/{id}")
                    .route(web::patch().to(routes::update_location))
                    .default_service(method_not_allowed(&["PATCH"])),
            )
            .service(
                web::resource("/v1/inventory/locations/{id}/stock")
                    .route(web::get().to(routes::location_stock))
                    .default_service(method_not_allowed(&["GET"])),
            )
            .service(
                web::resource("/v1/inventory/variants/{id}/stock")
                    .route(web::get().to(routes::variant_stock))
                    .default_service(method_not_allowed(&["GET"])),
            )
            .service(
                web::resource("/v1/inventory/movements")
                    .route(web::get().to(routes::movements))
                    .default_service(method_not_allowed(&["GET"])),
            )
            .service(
                web::resource("/v1/inventory/adjustments")
                    .route(web::post().to(routes::adjust))
                    .default_service(method_not_allowed(&["POST"])),
            )
            .service(
                web::resource("/v1/inventory/transfers")
                    .route(web::get().to(routes::list_transfers))
                    .route(web::post().to(routes::transfer))
                    .default_service(method_not_allowed(&["GET", "POST"])),
            )
            .service(
                web::resource("/v1/inventory/transfers/{id}")
                    .route(web::get().to(routes::get_transfer))
                    .default_service(method_not_allowed(&["GET"])),
            )
            .service(
                web::resource("/v1/inventory/transfers/{id}/receive")
                    .route(web::post().to(routes::receive_transfer))
                    .default_service(method_not_allowed(&["POST"])),
            )
            .service(
                web::resource("/v1/inventory/counts")
                    .route(web::post().to(routes::count))
                    .default_service(method_not_allowed(&["POST"])),
            )
            .service(
                web::resource("/v1/inventory/thresholds")
                    .route(web::put().to(routes::set_thresholds))
                    .default_service(method_not_allowed(&["PUT"])),
            )
            .service(
                web::resource("/v1/inventory/low-stock")
                    .route(web::get().to(routes::low_stock))
                    .default_service(method_not_allowed(&["GET"])),
            )
            .service(
                web::resource("/v1/inventory/reorder-suggestions")
                    .route(web::get().to(routes::reorder_suggestions))
                    .default_service(method_not_allowed(&["GET"])),
            )
            .service(
                web::resource("/v1/inventory/reservations")
                    .route(web::post().to(routes::reserve))
                    .default_service(method_not_allowed(&["POST"])),
            )
            .service(
                web::resource("/v1/inventory/reservations/{reference}")
                    .route(web::get().to(routes::get_reservation))
                    .default_service(method_not_allowed(&["GET"])),
            )
            .service(
                web::resource("/v1/inventory/reservations/{reference}/commit")
                    .route(web::post().to(routes::commit))
                    .default_service(method_not_allowed(&["POST"])),
            )
            .service(
                web::resource("/v1/inventory/reservations/{reference}/release")
                    .route(web::post().to(routes::release))
                    .default_service(method_not_allowed(&["POST"])),
            )
            .service(
                web::resource("/v1/inventory/suppliers")
                    .route(web::get().to(routes::list_suppliers))
                    .route(web::post().to(routes::create_supplier))
                    .default_service(method_not_allowed(&["GET", "POST"])),
            )
            .service(
                web::resource("/v1/inventory/purchase-orders")
                    .route(web::get().to(routes::list_pos))
                    .route(web::post().to(routes::create_po))
                    .default_service(method_not_allowed(&["GET", "POST"])),
            )
            .service(
                web::resource("/v1/inventory/purchase-orders/{id}")
                    .route(web::get().to(routes::get_po))
                    .route(web::patch().to(routes::update_po))
                    .default_service(method_not_allowed(&["GET", "PATCH"])),
            )
            .service(
                web::resource("/v1/inventory/purchase-orders/{id}/receipts")
                    .route(web::post().to(routes::receive))
                    .default_service(method_not_allowed(&["POST"])),
            );
    }

    /// The domain's event subscribers.
    pub fn subscribers(&self) -> Vec<Arc<dyn crate::events::Subscriber>> {
        Vec::new()
    }
}

#[async_trait::async_trait]
impl InventoryApi for InventoryDomain {
    async fn availability(
        &self,
        variant_ids: &[String],
        location_id: Option<&str>,
    ) -> Result<Vec<Availability>, AppError> {
        self.inventory
            .availability(variant_ids.to_vec(), location_id.map(str::to_string))
            .await
    }

    async fn reserve(
        &self,
        reference: &str,
        location_id: &str,
        lines: &[StockLine],
        ttl_secs: u64,
    ) -> Result<Result<(), Shortage>, AppError> {
        Ok(self
            .inventory
            .reserve(service::SYSTEM, reference, location_id, lines, ttl_secs)
            .await?
            .map(|_| ())
            .map_err(|(_, short)| short))
    }

    async fn active_locations(&self) -> Result<Vec<(String, String)>, AppError> {
        self.inventory.active_locations().await
    }

    async fn commit(&self, reference: &str) -> Result<(), AppError> {
        self.inventory
            .close(service::SYSTEM, reference, true)
            .await
            .map(|_| ())
    }

    async fn release(&self, reference: &str) -> Result<(), AppError> {
        self.inventory
            .close(service::SYSTEM, reference, false)
            .await
            .map(|_| ())
    }

    fn reserve_in(
        &self,
        conn: &mut DbConnection,
        actor: &str,
        reference: &str,
        location_id: &str,
        lines: &[StockLine],
        ttl_secs: u64,
    ) -> Result<Result<(), Shortage>, AppError> {
        service::reserve_in(conn, actor, reference, location_id, lines, ttl_secs)
    }

    fn commit_lines_in(
        &self,
        conn: &mut DbConnection,
        actor: &str,
        reference: &str,
        lines: &[StockLine],
    ) -> Result<(), AppError> {
        service::commit_lines_in(conn, actor, reference, lines)
    }

    fn close_in(
        &self,
        conn: &mut DbConnection,
        actor: &str,
        reference: &str,
        commit: bool,
    ) -> Result<(), AppError> {
        service::close_in(conn, actor, reference, commit)
    }

    fn cover_in(
        &self,
        conn: &mut DbConnection,
        actor: &str,
        reference: &str,
        location_id: &str,
        lines: &[StockLine],
        reason: &str,
    ) -> Result<Vec<StockLine>, AppError> {
        service::cover_in(conn, actor, reference, location_id, lines, reason)
    }

    fn return_in(
        &self,
        conn: &mut DbConnection,
        actor: &str,
        reference: &str,
        location_id: &str,
        lines: &[StockLine],
    ) -> Result<(), AppError> {
        service::return_in(conn, actor, reference, location_id, lines)
    }
}
