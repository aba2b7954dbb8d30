//! The shipping domain: zones and rates (the cart's shipping charge), shipments of
//! orders behind a `Carrier` contract (manual, or a courier aggregator's signed webhook),
//! tracking timelines, delivery and return to origin, public tracking, packing slips and
//! labels. It implements `ShippingApi`.

mod carrier;
mod model;
mod rates;
mod routes;
mod service;
mod store;

use std::sync::Arc;

use actix_web::web;
use utoipa::OpenApi;

use crate::config::Settings;
use crate::contracts::auth::Permission;
use crate::contracts::orders::OrdersApi;
use crate::contracts::payments::PaymentsApi;
use crate::contracts::shipping::{ShippingApi, ShippingOption, ShippingQuery};
use crate::db::Db;
use crate::gateway::rbac::{Access, RouteRule};
use crate::http::{AppError, method_not_allowed};

const MANAGE: Access = Access::Permission(Permission::ShippingManage);

/// Every route of the domain and who may call it.
pub const ROUTES: &[RouteRule] = &[
    RouteRule::new("GET", "/api/v1/shipping/zones", MANAGE),
    RouteRule::new("POST", "/api/v1/shipping/zones", MANAGE),
    RouteRule::new("PUT", "/api/v1/shipping/zones/{id}", MANAGE),
    RouteRule::new("DELETE", "/api/v1/shipping/zones/{id}", MANAGE),
    RouteRule::new("GET", "/api/v1/shipping/rates", Access::Public),
    RouteRule::new(
        "POST",
        "/api/v1/shipping/carriers/{carrier}/webhook",
        Access::Public,
    ),
    RouteRule::new("GET", "/api/v1/shipments", MANAGE),
    RouteRule::new("POST", "/api/v1/shipments", MANAGE),
    RouteRule::new("GET", "/api/v1/shipments/{id}", MANAGE),
    RouteRule::new("POST", "/api/v1/shipments/{id}/events", MANAGE),
    RouteRule::new("GET", "/api/v1/shipments/{id}/packing-slip", MANAGE),
    RouteRule::new("GET", "/api/v1/shipments/{id}/label", MANAGE),
    RouteRule::new("GET", "/api/v1/track", Access::Public),
];

#[derive(OpenApi)]
#[openapi(
    paths(
        routes::zones, routes::create_zone, routes::replace_zone, routes::delete_zone,
        routes::rates, routes::create, routes::list, routes::get, routes::record_event,
        routes::packing_slip, routes::label, routes::webhook, routes::track
    ),
    tags((name = "shipping", description = "Shipping zones and rates, shipments, tracking"))
)]
struct ShippingApiDoc;

pub fn openapi() -> utoipa::openapi::OpenApi {
    ShippingApiDoc::openapi()
}

/// The domain as the application wires it.
#[derive(Clone)]
pub struct ShippingDomain {
    shipping: web::Data<service::Shipping>,
}

impl ShippingDomain {
    pub fn build(
        db: Db,
        orders: Arc<dyn OrdersApi>,
        payments: Option<Arc<dyn PaymentsApi>>,
        settings: &Settings,
        profile: &crate::profile::LiveProfile,
    ) -> Self {
        Self {
            shipping: web::Data::new(service::Shipping::new(
                db,
                orders,
                payments,
                profile.clone(),
                &settings.shipping,
            )),
        }
    }

    pub fn api(&self) -> Arc<dyn ShippingApi> {
        Arc::new(self.clone())
    }

    /// Routes under `/api` (the `/api` scope is the caller's).
    pub fn configure_api(&self, cfg: &mut web::ServiceConfig) {
        cfg.app_data(self.shipping.clone())
            .service(
                web::resource("/v1/shipping/zones")
                    .route(web::get().to(routes::zones))
                    .route(web::post().to(routes::create_zone))
                    .default_service(method_not_allowed(&["GET", "POST"])),
            )
            .service(
                web::resource("/v1/shipping/zones/{id}")
                    .route(web::put().to(routes::replace_zone))
                    .route(web::delete().to(routes::delete_zone))
                    .default_service(method_not_allowed(&["PUT", "DELETE"])),
            )
            .service(
                web::resource("/v1/shipping/rates")
                    .route(web::get().to(routes::rates))
                    .default_service(method_not_allowed(&["GET"])),
            )
            .service(
                web::resource("/v1/shipping/carriers/{carrier}/webhook")
                    .route(web::post().to(routes::webhook))
                    .default_service(method_not_allowed(&["POST"])),
            )
            .service(
                web::resource("/v1/shipments")
                    .route(web::get().to(routes::list))
                    .route(web::post().to(routes::create))
                    .default_service(method_not_allowed(&["GET", "POST"])),
            )
            .service(
                web::resource("/v1/shipments/{id}")
                    .route(web::get().to(routes::get))
                    .default_service(method_not_allowed(&["GET"])),
            )
            .service(
                web::resource("/v1/shipments/{id}/events")
                    .route(web::post().to(routes::record_event))
                    .default_service(method_not_allowed(&["POST"])),
            )
            .service(
                web::resource("/v1/shipments/{id}/packing-slip")
                    .route(web::get().to(routes::packing_slip))
                    .default_service(method_not_allowed(&["GET"])),
            )
            .service(
                web::resource("/v1/shipments/{id}/label")
                    .route(web::get().to(routes::label))
                    .default_service(method_not_allowed(&["GET"])),
            )
            .service(
                web::resource("/v1/track")
                    .route(web::get().to(routes::track))
                    .default_service(method_not_allowed(&["GET"])),
            );
    }
}

#[async_trait::async_trait]
impl ShippingApi for ShippingDomain {
    async fn options(&self, query: &ShippingQuery) -> Result<Vec<ShippingOption>, AppError> {
        self.shipping.options(query).await
    }
}
