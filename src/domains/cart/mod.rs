//! The cart domain: web and counter carts priced by the catalog's pricing function,
//! discount codes, checkout into the orders domain, and the POS (registers, sessions,
//! tenders, receipts, Z-reports).

mod model;
mod pos;
mod routes;
mod service;
mod store;
mod tickets;

use std::sync::Arc;

use actix_web::web;
use utoipa::OpenApi;

use crate::config::Settings;
use crate::contracts::auth::Permission;
use crate::contracts::catalog::CatalogApi;
use crate::contracts::events::{Event, EventEnvelope, OrderStatusChanged};
use crate::contracts::inventory::InventoryApi;
use crate::contracts::orders::OrdersApi;
use crate::contracts::payments::PaymentsApi;
use crate::contracts::shipping::ShippingApi;
use crate::db::{Db, DbConnection};
use crate::events::Subscriber;
use crate::gateway::rbac::{Access, RouteRule};
use crate::http::{AppError, method_not_allowed};

const POS: Access = Access::Permission(Permission::PosOperate);
const MANAGE: Access = Access::Permission(Permission::OrdersManage);

/// Every route of the domain and who may call it.
pub const ROUTES: &[RouteRule] = &[
    RouteRule::new("GET", "/api/v1/cart", Access::Public),
    RouteRule::new("POST", "/api/v1/cart/lines", Access::Public),
    RouteRule::new("PATCH", "/api/v1/cart/lines/{variant_id}", Access::Public),
    RouteRule::new("DELETE", "/api/v1/cart/lines/{variant_id}", Access::Public),
    RouteRule::new("PUT", "/api/v1/cart/discount", Access::Public),
    RouteRule::new("DELETE", "/api/v1/cart/discount", Access::Public),
    RouteRule::new("POST", "/api/v1/cart/checkout", Access::Public),
    RouteRule::new("GET", "/api/v1/discounts", MANAGE),
    RouteRule::new("POST", "/api/v1/discounts", MANAGE),
    RouteRule::new("GET", "/api/v1/discounts/{code}", MANAGE),
    RouteRule::new("PUT", "/api/v1/discounts/{code}", MANAGE),
    RouteRule::new("GET", "/api/v1/pos/registers", POS),
    RouteRule::new("POST", "/api/v1/pos/registers", MANAGE),
    RouteRule::new("POST", "/api/v1/pos/registers/{id}/sessions", POS),
    RouteRule::new("GET", "/api/v1/pos/sessions/{id}", POS),
    RouteRule::new("GET", "/api/v1/pos/sessions/{id}/cart", POS),
    RouteRule::new("POST", "/api/v1/pos/sessions/{id}/scan", POS),
    RouteRule::new("PATCH", "/api/v1/pos/sessions/{id}/lines/{variant_id}", POS),
    RouteRule::new("PUT", "/api/v1/pos/sessions/{id}/customer", POS),
    RouteRule::new("POST", "/api/v1/pos/sessions/{id}/sales", POS),
    RouteRule::new("POST", "/api/v1/pos/sessions/{id}/close", POS),
    RouteRule::new("GET", "/api/v1/pos/sales/{id}/receipt", POS),
    RouteRule::new("GET", "/api/v1/pos/catalog", POS),
    RouteRule::new("POST", "/api/v1/pos/sessions/{id}/tickets", POS),
    RouteRule::new("GET", "/api/v1/pos/tickets", POS),
];

#[derive(OpenApi)]
#[openapi(
    paths(
        routes::get_cart, routes::add_line, routes::set_line, routes::remove_line,
        routes::set_discount, routes::remove_discount, routes::checkout,
        routes::create_discount, routes::list_discounts, routes::get_discount, routes::update_discount,
        routes::list_registers, routes::create_register, routes::open_session,
        routes::get_session, routes::pos_cart, routes::scan, routes::pos_line,
        routes::pos_customer, routes::sell, routes::close_session, routes::receipt,
        routes::counter_catalog, routes::record_ticket, routes::list_tickets
    ),
    tags(
        (name = "cart", description = "Carts, discount codes and checkout"),
        (name = "pos", description = "The shop counter: registers, sessions, sales, receipts")
    )
)]
struct CartApiDoc;

pub fn openapi() -> utoipa::openapi::OpenApi {
    CartApiDoc::openapi()
}

/// The demo store's till: one register at the shop location.
pub async fn seed_register(db: &Db, name: &str, location_id: &str) -> Result<(), AppError> {
    let now = crate::db::now();
    let row = model::RegisterRow {
        id: crate::db::new_id(),
        name: name.to_string(),
        location_id: location_id.to_string(),
        active: true,
        created_at: now,
        updated_at: now,
    };
    db.write(move |c| store::insert_register(c, &row)).await
}

/// The domain as the application wires it.
#[derive(Clone)]
pub struct CartDomain {
    carts: web::Data<service::Carts>,
}

impl CartDomain {
    #[allow(clippy::too_many_arguments)]
    pub fn build(
        db: Db,
        catalog: Arc<dyn CatalogApi>,
        inventory: Arc<dyn InventoryApi>,
        orders: Arc<dyn OrdersApi>,
        shipping: Arc<dyn ShippingApi>,
        payments: Option<Arc<dyn PaymentsApi>>,
        settings: &Settings,
        profile: &crate::profile::LiveProfile,
    ) -> Self {
        Self {
            carts: web::Data::new(service::Carts::new(
                db,
                catalog,
                inventory,
                orders,
                shipping,
                payments,
                settings,
                profile.clone(),
            )),
        }
    }

    /// The domain's event subscribers.
    pub fn subscribers(&self) -> Vec<Arc<dyn Subscriber>> {
        vec![Arc::new(DiscountGiveBack)]
    }

    /// Routes under `/api` (the `/api` scope is the caller's).
    pub fn configure_api(&self, cfg: &mut web::ServiceConfig) {
        let r = |path: &str| web::resource(path.to_string());
        cfg.app_data(self.carts.clone())
            .service(
                r("/v1/cart")
                    .route(web::get().to(routes::get_cart))
                    .default_service(method_not_allowed(&["GET"])),
            )
            .service(
                r("/v1/cart/lines")
                    .route(web::post().to(routes::add_line))
                    .default_service(method_not_allowed(&["POST"])),
            )
            .service(
                r("/v1/cart/lines/{variant_id}")
                    .route(web::patch().to(routes::set_line))
                    .route(web::delete().to(routes::remove_line))
                    .default_service(method_not_allowed(&["PATCH", "DELETE"])),
            )
            .service(
                r("/v1/cart/discount")
                    .route(web::put().to(routes::set_discount))
                    .route(web::delete().to(routes::remove_discount))
                    .default_service(method_not_allowed(&["PUT", "DELETE"])),
            )
            .service(
                r("/v1/cart/checkout")
                    .route(web::post().to(routes::checkout))
                    .default_service(method_not_allowed(&["POST"])),
            )
            .service(
                r("/v1/discounts")
                    .route(web::get().to(routes::list_discounts))
                    .route(web::post().to(routes::create_discount))
                    .default_service(method_not_allowed(&["GET", "POST"])),
            )
            .service(
                r("/v1/discounts/{code}")
                    .route(web::get().to(routes::get_discount))
                    .route(web::put().to(routes::update_discount))
                    .default_service(method_not_allowed(&["GET", "PUT"])),
            )
            .service(
                r("/v1/pos/registers")
                    .route(web::get().to(routes::list_registers))
                    .route(web::post().to(routes::create_register))
                    .default_service(method_not_allowed(&["GET", "POST"])),
            )
            .service(
                r("/v1/pos/registers/{id}/sessions")
                    .route(web::post().to(routes::open_session))
                    .default_service(method_not_allowed(&["POST"])),
            )
            .service(
                r("/v1/pos/sessions/{id}")
                    .route(web::get().to(routes::get_session))
                    .default_service(method_not_allowed(&["GET"])),
            )
            .service(
                r("/v1/pos/sessions/{id}/cart")
                    .route(web::get().to(routes::pos_cart))
                    .default_service(method_not_allowed(&["GET"])),
            )
            .service(
                r("/v1/pos/sessions/{id}/scan")
                    .route(web::post().to(routes::scan))
                    .default_service(method_not_allowed(&["POST"])),
            )
            .service(
                r("/v1/pos/sessions/{id}/lines/{variant_id}")
                    .route(web::patch().to(routes::pos_line))
                    .default_service(method_not_allowed(&["PATCH"])),
            )
            .service(
                r("/v1/pos/sessions/{id}/customer")
                    .route(web::put().to(routes::pos_customer))
                    .default_service(method_not_allowed(&["PUT"])),
            )
            .service(
                r("/v1/pos/sessions/{id}/sales")
                    .route(web::post().to(routes::sell))
                    .default_service(method_not_allowed(&["POST"])),
            )
            .service(
                r("/v1/pos/sessions/{id}/close")
                    .route(web::post().to(routes::close_session))
                    .default_service(method_not_allowed(&["POST"])),
            )
            .service(
                r("/v1/pos/catalog")
                    .route(web::get().to(routes::counter_catalog))
                    .default_service(method_not_allowed(&["GET"])),
            )
            .service(
                r("/v1/pos/sessions/{id}/tickets")
                    .route(web::post().to(routes::record_ticket))
                    .default_service(method_not_allowed(&["POST"])),
            )
            .service(
                r("/v1/pos/tickets")
                    .route(web::get().to(routes::list_tickets))
                    .default_service(method_not_allowed(&["GET"])),
            )
            .service(
                r("/v1/pos/sales/{id}/receipt")
                    .route(web::get().to(routes::receipt))
                    .default_service(method_not_allowed(&["GET"])),
            );
    }
}

/// A cancelled order (by the customer, staff, or the expiry of an unpaid order) gives its
/// discount use back, so a limited code is not used up by orders that never happened.
struct DiscountGiveBack;

impl Subscriber for DiscountGiveBack {
    fn name(&self) -> &'static str {
        "cart.discount_give_back"
    }

    fn interested_in(&self, event_type: &str) -> bool {
        event_type == OrderStatusChanged::TYPE
    }

    fn handle(&self, conn: &mut DbConnection, event: &EventEnvelope) -> Result<(), AppError> {
        let Some(decoded) = event.decode::<OrderStatusChanged>() else {
            return Ok(());
        };
        let change = decoded.map_err(|e| AppError::internal(format!("bad event: {e}")))?;
        if change.to == "cancelled" {
            store::give_back_discount(conn, &change.order_id)?;
        }
        Ok(())
    }
}
