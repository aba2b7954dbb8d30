//! The analytics domain: merchant reports (sales over time and by channel, product,
//! variant, seller and payment method; the month's GST summary for GSTR-1) read from
//! facts its event subscriber keeps from every issued invoice and credit note, so a
//! year's report reads a few hundred rows. `rebuild` recomputes the facts from the
//! orders domain's documents with the same function.

mod routes;
mod service;
mod store;

use std::sync::Arc;

use actix_web::web;
use utoipa::OpenApi;

use crate::contracts::auth::Permission;
use crate::contracts::catalog::CatalogApi;
use crate::contracts::events::{DocumentIssued, Event, EventEnvelope};
use crate::contracts::orders::OrdersApi;
use crate::db::{Db, DbConnection};
use crate::events::Subscriber;
use crate::gateway::rbac::{Access, RouteRule};
use crate::http::{AppError, method_not_allowed};

const READ: Access = Access::Permission(Permission::ReportsRead);

/// Every route of the domain and who may call it.
pub const ROUTES: &[RouteRule] = &[
    RouteRule::new("GET", "/api/v1/reports/sales", READ),
    RouteRule::new("GET", "/api/v1/reports/sales/breakdown", READ),
    RouteRule::new("GET", "/api/v1/reports/gst", READ),
    RouteRule::new(
        "POST",
        "/api/v1/reports/rebuild",
        Access::Permission(Permission::SettingsManage),
    ),
];

#[derive(OpenApi)]
#[openapi(
    paths(routes::sales, routes::breakdown, routes::gst, routes::rebuild),
    tags((name = "reports", description = "Sales and GST reports"))
)]
struct AnalyticsApiDoc;

pub fn openapi() -> utoipa::openapi::OpenApi {
    AnalyticsApiDoc::openapi()
}

/// Recomputes the report facts (`kirana analytics rebuild`); how many documents counted.
pub async fn rebuild(db: &Db, orders: &dyn OrdersApi) -> Result<usize, AppError> {
    service::rebuild(db, orders).await
}

/// Adds documents' facts directly, in one transaction, as the subscriber would (for
/// benchmarks that load a year of sales without placing the orders).
pub async fn record(db: &Db, facts: Vec<DocumentIssued>) -> Result<(), AppError> {
    db.write(move |conn| {
        for d in &facts {
            service::apply_in(conn, d)?;
        }
        Ok(())
    })
    .await
}

/// The domain as the application wires it.
#[derive(Clone)]
pub struct AnalyticsDomain {
    analytics: web::Data<service::Analytics>,
}

impl AnalyticsDomain {
    pub fn build(db: Db, orders: Arc<dyn OrdersApi>, catalog: Arc<dyn CatalogApi>) -> Self {
        Self {
            analytics: web::Data::new(service::Analytics::new(db, orders, catalog)),
        }
    }

    /// The subscriber that keeps the facts from `DocumentIssued`.
    pub fn subscribers(&self) -> Vec<Arc<dyn Subscriber>> {
        vec![Arc::new(Facts)]
    }

    /// Routes under `/api` (the `/api` scope is the caller's).
    pub fn configure_api(&self, cfg: &mut web::ServiceConfig) {
        cfg.app_data(self.analytics.clone())
            .service(
                web::resource("/v1/reports/sales")
                    .route(web::get().to(routes::sales))
                    .default_service(method_not_allowed(&["GET"])),
            )
            .service(
                web::resource("/v1/reports/sales/breakdown")
                    .route(web::get().to(routes::breakdown))
                    .default_service(method_not_allowed(&["GET"])),
            )
            .service(
                web::resource("/v1/reports/gst")
                    .route(web::get().to(routes::gst))
                    .default_service(method_not_allowed(&["GET"])),
            )
            .service(
                web::resource("/v1/reports/rebuild")
                    .route(web::post().to(routes::rebuild))
                    .default_service(method_not_allowed(&["POST"])),
            );
    }
}

/// Adds each issued invoice and credit note to the facts.
struct Facts;

impl Subscriber for Facts {
    fn name(&self) -> &'static str {
        "analytics.facts"
    }

    fn interested_in(&self, event_type: &str) -> bool {
        event_type == DocumentIssued::TYPE
    }

    fn handle(&self, conn: &mut DbConnection, event: &EventEnvelope) -> Result<(), AppError> {
        let Some(decoded) = event.decode::<DocumentIssued>() else {
            return Ok(());
        };
        let d = decoded.map_err(|e| AppError::internal(format!("bad event: {e}")))?;
        service::apply_in(conn, &d)
    }
}
