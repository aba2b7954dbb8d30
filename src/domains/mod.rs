//! The business domains, each behind its cargo feature. They reach each other only
//! through `crate::contracts`.

#[cfg(feature = "analytics")]
pub mod analytics;
#[cfg(feature = "cart")]
pub mod cart;
#[cfg(feature = "catalog")]
pub mod catalog;
#[cfg(feature = "inventory")]
pub mod inventory;
#[cfg(feature = "orders")]
pub mod orders;
#[cfg(feature = "payments")]
pub mod payments;
#[cfg(feature = "shipping")]
pub mod shipping;
#[cfg(feature = "users")]
pub mod users;

use crate::gateway::rbac::RouteRule;

/// The RBAC rules of every enabled domain.
// Without any domain feature nothing is added.
#[allow(unused_mut)]
pub fn route_rules() -> Vec<RouteRule> {
    let mut rules = Vec::new();
    #[cfg(feature = "users")]
    rules.extend_from_slice(users::ROUTES);
    #[cfg(feature = "catalog")]
    rules.extend_from_slice(catalog::ROUTES);
    #[cfg(feature = "inventory")]
    rules.extend_from_slice(inventory::ROUTES);
    #[cfg(feature = "orders")]
    rules.extend_from_slice(orders::ROUTES);
    #[cfg(feature = "cart")]
    rules.extend_from_slice(cart::ROUTES);
    #[cfg(feature = "payments")]
    rules.extend_from_slice(payments::ROUTES);
    #[cfg(feature = "shipping")]
    rules.extend_from_slice(shipping::ROUTES);
    #[cfg(feature = "analytics")]
    rules.extend_from_slice(analytics::ROUTES);
    rules
}

/// The OpenAPI paths of every enabled domain, merged into `doc`.
pub fn document(doc: &mut utoipa::openapi::OpenApi) {
    #[cfg(feature = "users")]
    doc.merge(users::openapi());
    #[cfg(feature = "catalog")]
    doc.merge(catalog::openapi());
    #[cfg(feature = "inventory")]
    doc.merge(inventory::openapi());
    #[cfg(feature = "orders")]
    doc.merge(orders::openapi());
    #[cfg(feature = "cart")]
    doc.merge(cart::openapi());
    #[cfg(feature = "payments")]
    doc.merge(payments::openapi());
    #[cfg(feature = "shipping")]
    doc.merge(shipping::openapi());
    #[cfg(feature = "analytics")]
    doc.merge(analytics::openapi());
    let _ = doc;
}
