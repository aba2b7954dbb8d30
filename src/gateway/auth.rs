//! Authentication: turns a bearer token, an API key or the session cookies into a
//! `Principal`, checking the user's current auth version on every request so that a
//! disabled account or a changed role takes effect at once. A browser whose access token
//! expired is refreshed on the fly: the request goes through and the response carries the
//! new cookies.

use std::sync::Arc;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, ResponseError, web};

use super::cookies::{
    ACCESS_COOKIE, CSRF_COOKIE, CSRF_HEADER, CookiePolicy, REFRESH_COOKIE, session_cookies,
};
use super::network::ClientIp;
use super::tokens::{KeyRing, TokenError};
use crate::contracts::auth::{ClientInfo, Credential, IdentityApi, IssuedTokens, Principal};
use crate::http::AppError;

pub const API_KEY_HEADER: &str = "x-api-key";
/// Login, registration, refresh, logout and password reset.
const AUTH_PATHS: &str = "/api/v1/auth/";

pub struct Authenticator {
    pub keys: Arc<KeyRing>,
    pub identity: Option<Arc<dyn IdentityApi>>,
    pub cookies: CookiePolicy,
}

struct Resolved {
    principal: Option<Principal>,
    refreshed: Option<IssuedTokens>,
}

impl Resolved {
    fn anonymous() -> Self {
        Resolved {
            principal: None,
            refreshed: None,
        }
    }
}

fn is_unsafe(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn client_info(req: &ServiceRequest) -> ClientInfo {
    ClientInfo {
        ip: req
            .extensions()
            .get::<ClientIp>()
            .map(|c| c.0.to_string())
            .unwrap_or_default(),
        user_agent: req
            .headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|s| s.chars().take(255).collect()),
    }
}

fn cookie_value(req: &ServiceRequest, name: &str) -> Option<String> {
    req.cookie(name)
        .map(|c| c.value().to_string())
        .filter(|v| !v.is_empty())
}

impl Authenticator {
    async fn resolve(&self, req: &ServiceRequest) -> Result<Resolved, AppError> {
        let Some(identity) = self.identity.clone() else {
            return Ok(Resolved::anonymous());
        };
        let bearer = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                let (scheme, token) = v.split_once(' ')?;
                scheme
                    .eq_ignore_ascii_case("bearer")
                    .then(|| token.trim().to_string())
            });
        let api_key = req
            .headers()
            .get(API_KEY_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);

        if let Some(key) = api_key.or_else(|| bearer.clone().filter(|b| b.starts_with("kir_"))) {
            let found = identity.verify_api_key(&key).await?;
            let Some(found) = found else {
                return Err(AppError::Unauthenticated(
                    "unknown or revoked API key".into(),
                ));
            };
            return Ok(Resolved {
                principal: Some(Principal::verified(
                    found.owner_id,
                    found.role,
                    found.permissions,
                    Credential::ApiKey {
                        key_id: found.key_id,
                    },
                )),
                refreshed: None,
            });
        }
        if let Some(token) = bearer {
            return match self.keys.verify(&token) {
                Ok(claims) => {
                    let principal = self
                        .session(identity.as_ref(), &claims.sub, claims.ver, false)
                        .await?
                        .ok_or_else(|| {
                            AppError::Unauthenticated("the session has ended; log in again".into())
                        })?;
                    Ok(Resolved {
                        principal: Some(principal),
                        refreshed: None,
                    })
                }
                Err(TokenError::Expired { .. }) => Err(AppError::Unauthenticated(
                    "the access token has expired; refresh it".into(),
                )),
                Err(TokenError::Invalid(why)) => {
                    tracing::info!(reason = why, "rejected access token");
                    Err(AppError::Unauthenticated(
                        "the access token is not valid".into(),
                    ))
                }
            };
        }

        let access = cookie_value(req, ACCESS_COOKIE);
        let refresh = cookie_value(req, REFRESH_COOKIE);
        if access.is_none() && refresh.is_none() {
            return Ok(Resolved::anonymous());
        }
        if is_unsafe(req.method()) {
            let sent = req
                .headers()
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            let expected = cookie_value(req, CSRF_COOKIE).unwrap_or_default();
            if expected.is_empty() || !constant_time_eq(sent.as_bytes(), expected.as_bytes()) {
                // Logging in again, or out, must work with stale cookies in the jar: there
                // the cookies are ignored rather than trusted.
                if req.path().starts_with(AUTH_PATHS) {
                    return Ok(Resolved::anonymous());
                }
                return Err(AppError::Forbidden(
                    "cookie-authenticated writes need the X-CSRF-Token header".into(),
                ));
            }
        }
        if let Some(token) = access {
            match self.keys.verify(&token) {
                Ok(claims) => {
                    if let Some(principal) = self
                        .session(identity.as_ref(), &claims.sub, claims.ver, true)
                        .await?
                    {
                        return Ok(Resolved {
                            principal: Some(principal),
                            refreshed: None,
                        });
                    }
                    // A role change or similar: a refresh picks up the new state.
                }
                Err(TokenError::Expired { .. }) => {}
                Err(TokenError::Invalid(why)) => {
                    tracing::info!(reason = why, "rejected access cookie");
                    return Err(AppError::Unauthenticated(
                        "the session cookie is not valid; log in again".into(),
                    ));
                }
            }
        }
        let Some(refresh) = refresh else {
            return Err(AppError::Unauthenticated(
                "the session has expired; log in again".into(),
            ));
        };
        let tokens = identity
            .refresh(&refresh, client_info(req))
            .await
            .map_err(|_| AppError::Unauthenticated("the session has ended; log in again".into()))?;
        let claims = self
            .keys
            .verify(&tokens.access_token)
            .map_err(|_| AppError::internal("a token we just issued does not verify"))?;
        let principal = self
            .session(identity.as_ref(), &claims.sub, claims.ver, true)
            .await?
            .ok_or_else(|| {
                AppError::Unauthenticated("the session has ended; log in again".into())
            })?;
        Ok(Resolved {
            principal: Some(principal),
            refreshed: Some(tokens),
        })
    }

    /// The principal for a user whose token carries `version`, if the account is active
    /// and nothing changed since the token was issued.
    async fn session(
        &self,
        identity: &dyn IdentityApi,
        user_id: &str,
        version: i64,
        via_cookie: bool,
    ) -> Result<Option<Principal>, AppError> {
        let Some(state) = identity.session_state(user_id).await? else {
            return Ok(None);
        };
        if !state.active || state.auth_version != version {
            return Ok(None);
        }
        Ok(Some(Principal::verified(
            user_id.to_string(),
            state.role,
            state.role.permissions(),
            Credential::User { via_cookie },
        )))
    }
}

pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub async fn authenticate(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let auth = if req.path().starts_with("/api/") {
        req.app_data::<web::Data<Authenticator>>().cloned()
    } else {
        None
    };
    let Some(auth) = auth else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    // A path or method the API does not have is a 404 or 405 whatever the credentials:
    // the authorization layer answers it without anyone being resolved.
    let lookup = req
        .app_data::<web::Data<super::rbac::RouteTable>>()
        .map(|table| table.lookup(req.method(), req.path()));
    let routed = lookup
        .as_ref()
        .is_none_or(|l| matches!(l, super::rbac::Lookup::Found(_)));
    if let Some(lookup) = lookup {
        // Looked up once per request: the authorization layer reads it back.
        req.extensions_mut().insert(lookup);
    }
    if !routed {
        return Ok(next.call(req).await?.map_into_left_body());
    }
    match auth.resolve(&req).await {
        Ok(resolved) => {
            if let Some(principal) = resolved.principal {
                tracing::Span::current().record("user_id", principal.user_id());
                req.extensions_mut().insert(principal);
            }
            let mut res = next.call(req).await?;
            if let Some(tokens) = resolved.refreshed {
                for cookie in session_cookies(&tokens, auth.cookies, None) {
                    if let Err(e) = res.response_mut().add_cookie(&cookie) {
                        tracing::warn!(error = %e, "cannot set refreshed session cookie");
                    }
                }
            }
            Ok(res.map_into_left_body())
        }
        Err(error) => Ok(req
            .into_response(error.error_response())
            .map_into_right_body()),
    }
}
