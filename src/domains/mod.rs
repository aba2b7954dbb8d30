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
    for part in parts() {
        doc.merge(part);
    }
}

/// Each enabled domain's OpenAPI document.
// One push per feature: `vec![]` cannot hold `#[cfg]` elements.
#[allow(unused_mut, clippy::vec_init_then_push)]
fn parts() -> Vec<utoipa::openapi::OpenApi> {
    let mut parts = Vec::new();
    #[cfg(feature = "users")]
    parts.push(users::openapi());
    #[cfg(feature = "catalog")]
    parts.push(catalog::openapi());
    #[cfg(feature = "inventory")]
    parts.push(inventory::openapi());
    #[cfg(feature = "orders")]
    parts.push(orders::openapi());
    #[cfg(feature = "cart")]
    parts.push(cart::openapi());
    #[cfg(feature = "payments")]
    parts.push(payments::openapi());
    #[cfg(feature = "shipping")]
    parts.push(shipping::openapi());
    #[cfg(feature = "analytics")]
    parts.push(analytics::openapi());
    parts
}

/// Component names that two domains give different schemas: merging keeps only one, so
/// a generated client would send one domain's shape to the other's endpoint.
pub fn schema_collisions() -> Vec<String> {
    let mut seen: std::collections::BTreeMap<String, (usize, String)> = Default::default();
    let mut collisions = Vec::new();
    for (i, part) in parts().into_iter().enumerate() {
        let Some(components) = part.components else {
            continue;
        };
        for (name, schema) in components.schemas {
            let text = serde_json::to_string(&schema).unwrap_or_default();
            match seen.get(&name) {
                Some((j, other)) if *j != i && *other != text => collisions.push(name.clone()),
                _ => {
                    seen.insert(name, (i, text));
                }
            }
        }
    }
    collisions
}

#[cfg(test)]
mod tests {
    #[test]
    fn no_two_domains_give_one_component_name_different_schemas() {
        assert_eq!(super::schema_collisions(), Vec::<String>::new());
    }
}
