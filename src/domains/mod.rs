//! The business domains, each behind its cargo feature. They reach each other only
//! through `crate::contracts`.

#[cfg(feature = "users")]
pub mod users;

use crate::gateway::rbac::RouteRule;

/// The RBAC rules of every enabled domain.
pub fn route_rules() -> Vec<RouteRule> {
    let mut rules = Vec::new();
    #[cfg(feature = "users")]
    rules.extend_from_slice(users::ROUTES);
    rules
}
