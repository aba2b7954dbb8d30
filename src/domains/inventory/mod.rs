//! The inventory domain: locations, stock levels and the append-only stock ledger,
//! reservations, transfers, suppliers and purchase orders. It implements `InventoryApi`.

use std::sync::Arc;

use actix_web::web;
use utoipa::OpenApi;

use crate::config::Settings;
use crate::contracts::catalog::CatalogApi;
use crate::db::Db;
use crate::gateway::rbac::RouteRule;

/// Every route of the domain and who may call it.
pub const ROUTES: &[RouteRule] = &[];

#[derive(OpenApi)]
#[openapi(tags((name = "inventory", description = "Locations, stock, the ledger, purchasing")))]
struct InventoryApiDoc;

pub fn openapi() -> utoipa::openapi::OpenApi {
    InventoryApiDoc::openapi()
}

/// The domain as the application wires it.
#[derive(Clone)]
pub struct InventoryDomain {
    #[allow(dead_code)]
    db: Db,
    #[allow(dead_code)]
    catalog: Arc<dyn CatalogApi>,
}

impl InventoryDomain {
    pub async fn build(
        db: Db,
        catalog: Arc<dyn CatalogApi>,
        _settings: &Settings,
    ) -> anyhow::Result<Self> {
        Ok(Self { db, catalog })
    }

    /// Routes under `/api` (the `/api` scope is the caller's).
    pub fn configure_api(&self, _cfg: &mut web::ServiceConfig) {}

    /// The domain's event subscribers.
    pub fn subscribers(&self) -> Vec<Arc<dyn crate::events::Subscriber>> {
        Vec::new()
    }
}
