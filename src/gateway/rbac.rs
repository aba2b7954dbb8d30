//! Role-based access control. Every API route has an entry in one table (method, path,
//! access), checked before the handler runs; a route without an entry is unreachable.
//! Handlers then take `Authorized<perm::X>` or `Authenticated`, which exist only once the
//! check passed, so a handler cannot forget it.

use std::future::{Ready, ready};
use std::marker::PhantomData;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ResourceDef, ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, ResponseError, web};

use super::ratelimit::Limiters;
use crate::contracts::auth::{Permission, Principal};
use crate::http::AppError;

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Public,
    /// Any signed-in user or API key; the domain limits them to what they own.
    Authenticated,
    Permission(Permission),
}

/// One entry of the table: the method, the path as in the OpenAPI document, the access.
#[derive(Debug, Clone, Copy)]
pub struct RouteRule {
    pub method: &'static str,
    pub path: &'static str,
    pub access: Access,
}

impl RouteRule {
    pub const fn new(method: &'static str, path: &'static str, access: Access) -> Self {
        Self {
            method,
            path,
            access,
        }
    }
}

/// Only paths under this prefix are governed by the table (documentation, health and the
/// web app are public).
pub const GOVERNED_PREFIX: &str = "/api/v1/";

pub struct RouteTable {
    rules: Vec<(Method, ResourceDef, RouteRule)>,
}

#[derive(Debug, Clone)]
pub enum Lookup {
    Found(Access),
    /// The path exists with other methods.
    WrongMethod(Vec<&'static str>),
    Unknown,
}

impl RouteTable {
    pub fn new(rules: impl IntoIterator<Item = RouteRule>) -> Self {
        let rules = rules
            .into_iter()
            .filter_map(|rule| {
                let method = Method::from_bytes(rule.method.as_bytes()).ok()?;
                Some((method, ResourceDef::new(rule.path), rule))
            })
            .collect();
        Self { rules }
    }

    pub fn rules(&self) -> impl Iterator<Item = &RouteRule> {
        self.rules.iter().map(|(_, _, r)| r)
    }

    pub fn lookup(&self, method: &Method, path: &str) -> Lookup {
        let mut allowed = Vec::new();
        for (m, def, rule) in &self.rules {
            if def.is_match(path) {
                if m == method {
                    return Lookup::Found(rule.access);
                }
                allowed.push(rule.method);
            }
        }
        if allowed.is_empty() {
            Lookup::Unknown
        } else {
            Lookup::WrongMethod(allowed)
        }
    }
}

fn is_write(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The RBAC middleware; runs after authentication.
pub async fn authorize(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let path = req.path().to_string();
    if !path.starts_with(GOVERNED_PREFIX) {
        return Ok(next.call(req).await?.map_into_left_body());
    }
    let Some(table) = req.app_data::<web::Data<RouteTable>>().cloned() else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    let principal = req.extensions().get::<Principal>().cloned();
    let lookup = req
        .extensions_mut()
        .remove::<Lookup>()
        .unwrap_or_else(|| table.lookup(req.method(), &path));
    let denied = match lookup {
        Lookup::Unknown => Some(AppError::NotFound("no such API endpoint".into())),
        Lookup::WrongMethod(allow) => Some(AppError::MethodNotAllowed { allow }),
        Lookup::Found(Access::Public) => None,
        Lookup::Found(Access::Authenticated) => {
            principal.is_none().then_some(AppError::Unauthorized)
        }
        Lookup::Found(Access::Permission(p)) => match &principal {
            None => Some(AppError::Unauthorized),
            Some(who) if !who.has(p) => Some(AppError::Forbidden(format!(
                "this needs the {} permission",
                p.as_str()
            ))),
            Some(_) => None,
        },
    };
    if let Some(error) = denied {
        return Ok(req
            .into_response(error.error_response())
            .map_into_right_body());
    }
    // Per-user quota on writes, now that we know the user.
    if let Some(who) = &principal
        && is_write(req.method())
        && let Some(limiters) = req.app_data::<web::Data<Limiters>>().cloned()
        && let Err(error) = limiters.check_user_write(who.user_id()).await
    {
        return Ok(req
            .into_response(error.error_response())
            .map_into_right_body());
    }
    Ok(next.call(req).await?.map_into_left_body())
}

/// A permission a handler requires, as a type.
pub trait RequiredPermission {
    const PERMISSION: Permission;
}

/// Marker types for `Authorized<perm::X>`.
pub mod perm {
    use super::RequiredPermission;
    use crate::contracts::auth::Permission;

    macro_rules! markers {
        ($($name:ident),* $(,)?) => {
            $(
                pub struct $name;
                impl RequiredPermission for $name {
                    const PERMISSION: Permission = Permission::$name;
                }
            )*
        };
    }

    markers!(
        CatalogWrite,
        CatalogManageAll,
        InventoryAdjust,
        OrdersReadAll,
        OrdersReadOwnLines,
        OrdersManage,
        UsersManage,
        PosOperate,
        ReportsRead,
        PaymentsRefund,
        ShippingManage,
        SettingsManage,
    );
}

/// A caller holding permission `P`.
pub struct Authorized<P> {
    pub principal: Principal,
    _permission: PhantomData<P>,
}

impl<P: RequiredPermission> FromRequest for Authorized<P> {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let result = match req.extensions().get::<Principal>() {
            None => Err(AppError::Unauthorized),
            Some(p) => p.require(P::PERMISSION).map(|()| Authorized {
                principal: p.clone(),
                _permission: PhantomData,
            }),
        };
        ready(result)
    }
}

/// Any verified caller.
pub struct Authenticated(pub Principal);

impl FromRequest for Authenticated {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            req.extensions()
                .get::<Principal>()
                .cloned()
                .map(Authenticated)
                .ok_or(AppError::Unauthorized),
        )
    }
}

/// The caller when one is signed in: public routes that show more to staff take this.
pub struct Viewer(pub Option<Principal>);

impl FromRequest for Viewer {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Viewer(req.extensions().get::<Principal>().cloned())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups_match_path_templates_and_methods() {
        let table = RouteTable::new([
            RouteRule::new("GET", "/api/v1/users/{id}", Access::Authenticated),
            RouteRule::new(
                "PATCH",
                "/api/v1/users/{id}",
                Access::Permission(Permission::UsersManage),
            ),
        ]);
        assert!(matches!(
            table.lookup(&Method::PATCH, "/api/v1/users/abc"),
            Lookup::Found(Access::Permission(Permission::UsersManage))
        ));
        assert!(matches!(
            table.lookup(&Method::DELETE, "/api/v1/users/abc"),
            Lookup::WrongMethod(ref m) if m == &vec!["GET", "PATCH"]
        ));
        assert!(matches!(
            table.lookup(&Method::GET, "/api/v1/users"),
            Lookup::Unknown
        ));
        assert!(matches!(
            table.lookup(&Method::GET, "/api/v1/users/a/b"),
            Lookup::Unknown
        ));
    }
}
