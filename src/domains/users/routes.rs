//! HTTP handlers of the users domain: thin — parse, take the authorised caller, call the
//! service.

use actix_web::http::header;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::model::{AddressInput, AddressView, ApiKeyView, ProfileUpdate, UserView};
use super::service::{OidcOutcome, Users};
use crate::contracts::auth::{ClientInfo, IssuedTokens, Role};
use crate::gateway::cookies::{
    CookiePolicy, OIDC_STATE_COOKIE, REFRESH_COOKIE, add_cookies, cleared_cookies,
    oidc_state_cookie, session_cookies,
};
use crate::gateway::network::ClientIp;
use crate::gateway::rbac::{Authenticated, Authorized, perm};
use crate::http::AppError;
use crate::http::extract::{Json, OptionalJson, Query};
use crate::http::pagination::{Page, PageQuery};
use crate::secret::Secret;

type UsersData = web::Data<Users>;

fn client(req: &HttpRequest) -> ClientInfo {
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

fn cookie_policy(users: &Users) -> CookiePolicy {
    let auth = users.auth_settings();
    CookiePolicy {
        secure: auth.cookie_secure,
        refresh_max_age_secs: (auth.refresh_ttl_days * 86_400) as i64,
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    #[schema(schema_with = crate::contracts::fields::schema::email)]
    pub email: String,
    /// 8 to 256 characters; common passwords are refused.
    #[schema(value_type = String, format = Password, min_length = 8, max_length = 256)]
    pub password: Secret,
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub name: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    #[schema(schema_with = crate::contracts::fields::schema::email)]
    pub email: String,
    #[schema(value_type = String, format = Password)]
    pub password: Secret,
    /// Browsers: put the tokens in HttpOnly cookies instead of the body.
    #[serde(default)]
    pub use_cookies: bool,
    /// The token an OpenID login handed out when it found this account's e-mail: logging
    /// in with it links that identity to this account.
    pub oidc_link: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    /// Omit when the refresh token is in the session cookie.
    #[schema(value_type = Option<String>, format = Password, min_length = 1)]
    pub refresh_token: Option<Secret>,
}

/// A new session. Token fields are absent when they were set as cookies.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionResponse {
    pub token_type: &'static str,
    pub access_token: Option<String>,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    pub refresh_token: Option<String>,
    pub user: Option<UserView>,
}

fn session_response(
    users: &Users,
    tokens: IssuedTokens,
    user: Option<UserView>,
    as_cookies: bool,
) -> Result<HttpResponse, AppError> {
    let mut builder = HttpResponse::Ok();
    builder.insert_header((header::CACHE_CONTROL, "no-store"));
    if as_cookies {
        let csrf = super::service::random_token()?;
        add_cookies(
            &mut builder,
            session_cookies(&tokens, cookie_policy(users), Some(csrf)),
        );
        return Ok(builder.json(SessionResponse {
            token_type: "Bearer",
            access_token: None,
            expires_in: tokens.access_expires_in,
            refresh_token: None,
            user,
        }));
    }
    Ok(builder.json(SessionResponse {
        token_type: "Bearer",
        access_token: Some(tokens.access_token),
        expires_in: tokens.access_expires_in,
        refresh_token: tokens.refresh_token,
        user,
    }))
}

/// Create a customer account.
#[utoipa::path(post, path = "/api/v1/auth/register", tag = "auth", request_body = RegisterRequest,
    responses((status = 201, body = UserView), (status = 400, body = crate::http::Problem), (status = 409, body = crate::http::Problem)))]
pub async fn register(
    users: UsersData,
    Json(body): Json<RegisterRequest>,
) -> Result<HttpResponse, AppError> {
    let user = users
        .register(&body.email, body.password.expose().to_string(), &body.name)
        .await?;
    Ok(HttpResponse::Created().json(user))
}

/// Log in with e-mail and password.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = SessionResponse), (status = 401, body = crate::http::Problem), (status = 429, body = crate::http::Problem)))]
pub async fn login(
    req: HttpRequest,
    users: UsersData,
    Json(body): Json<LoginRequest>,
) -> Result<HttpResponse, AppError> {
    if let Some(link) = &body.oidc_link {
        users.check_oidc_link(link, &body.email).await?;
    }
    let logged_in = users
        .login(
            &body.email,
            body.password.expose().to_string(),
            client(&req),
        )
        .await?;
    if let Some(link) = &body.oidc_link {
        users.complete_oidc_link(link, &logged_in.user.id).await?;
    }
    session_response(
        &users,
        logged_in.tokens,
        Some(logged_in.user),
        body.use_cookies,
    )
}

/// Exchange a refresh token (body or cookie) for a new pair; the old one stops working.
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses((status = 200, body = SessionResponse), (status = 401, body = crate::http::Problem)))]
pub async fn refresh(
    req: HttpRequest,
    users: UsersData,
    OptionalJson(body): OptionalJson<RefreshRequest>,
) -> Result<HttpResponse, AppError> {
    let from_body = body
        .and_then(|b| b.refresh_token)
        .map(|t| t.expose().to_string());
    let (token, as_cookies) = match from_body {
        Some(t) => (t, false),
        None => (
            req.cookie(REFRESH_COOKIE)
                .map(|c| c.value().to_string())
                .filter(|v| !v.is_empty())
                .ok_or_else(|| AppError::invalid("refresh_token", "is required"))?,
            true,
        ),
    };
    let tokens = users.refresh(&token, client(&req)).await?;
    session_response(&users, tokens, None, as_cookies)
}

/// End this session (the refresh token's family) and clear the session cookies.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", request_body = RefreshRequest,
    responses((status = 204, description = "Logged out")))]
pub async fn logout(
    req: HttpRequest,
    users: UsersData,
    OptionalJson(body): OptionalJson<RefreshRequest>,
) -> Result<HttpResponse, AppError> {
    let token = body
        .and_then(|b| b.refresh_token)
        .map(|t| t.expose().to_string())
        .or_else(|| req.cookie(REFRESH_COOKIE).map(|c| c.value().to_string()))
        .filter(|t| !t.is_empty());
    if let Some(token) = token {
        users.logout(&token).await?;
    }
    let mut builder = HttpResponse::NoContent();
    add_cookies(&mut builder, cleared_cookies(cookie_policy(&users)));
    Ok(builder.finish())
}

/// End every session of the caller, on every device.
#[utoipa::path(post, path = "/api/v1/auth/logout-all", tag = "auth",
    responses((status = 204, description = "Every session ended"), (status = 401, body = crate::http::Problem)))]
pub async fn logout_all(
    users: UsersData,
    Authenticated(who): Authenticated,
) -> Result<HttpResponse, AppError> {
    users.logout_everywhere(who.user_id()).await?;
    let mut builder = HttpResponse::NoContent();
    add_cookies(&mut builder, cleared_cookies(cookie_policy(&users)));
    Ok(builder.finish())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetRequest {
    #[schema(schema_with = crate::contracts::fields::schema::email)]
    pub email: String,
}

/// Send a password-reset link, if the address has an account. Always 202.
#[utoipa::path(post, path = "/api/v1/auth/password-reset", tag = "auth", request_body = ResetRequest,
    responses((status = 202, description = "If the account exists, a link is on its way")))]
pub async fn request_reset(
    users: UsersData,
    Json(body): Json<ResetRequest>,
) -> Result<HttpResponse, AppError> {
    users.request_password_reset(&body.email).await?;
    Ok(HttpResponse::Accepted().finish())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetConfirm {
    #[schema(value_type = String, format = Password)]
    pub token: Secret,
    #[schema(value_type = String, format = Password, min_length = 8, max_length = 256)]
    pub new_password: Secret,
}

/// Set a new password with a reset token; every session ends.
#[utoipa::path(post, path = "/api/v1/auth/password-reset/confirm", tag = "auth", request_body = ResetConfirm,
    responses((status = 204, description = "Password changed"), (status = 400, body = crate::http::Problem)))]
pub async fn confirm_reset(
    users: UsersData,
    Json(body): Json<ResetConfirm>,
) -> Result<HttpResponse, AppError> {
    users
        .confirm_password_reset(body.token.expose(), body.new_password.expose().to_string())
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The caller's profile.
#[utoipa::path(get, path = "/api/v1/me", tag = "account",
    responses((status = 200, body = UserView), (status = 401, body = crate::http::Problem)))]
pub async fn me(
    users: UsersData,
    Authenticated(who): Authenticated,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(users.profile(who.user_id()).await?))
}

/// Change the caller's name or phone. Other fields (role, e-mail) are refused.
#[utoipa::path(patch, path = "/api/v1/me", tag = "account", request_body = ProfileUpdate,
    responses((status = 200, body = UserView), (status = 400, body = crate::http::Problem)))]
pub async fn update_me(
    users: UsersData,
    Authenticated(who): Authenticated,
    Json(body): Json<ProfileUpdate>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(users.update_profile(who.user_id(), body).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    #[schema(value_type = String, format = Password)]
    pub current_password: Secret,
    #[schema(value_type = String, format = Password, min_length = 8, max_length = 256)]
    pub new_password: Secret,
    #[serde(default)]
    pub use_cookies: bool,
}

/// Change the caller's password: every other session ends; this one gets new tokens.
#[utoipa::path(post, path = "/api/v1/me/password", tag = "account", request_body = PasswordChange,
    responses((status = 200, body = SessionResponse), (status = 400, body = crate::http::Problem)))]
pub async fn change_password(
    req: HttpRequest,
    users: UsersData,
    Authenticated(who): Authenticated,
    Json(body): Json<PasswordChange>,
) -> Result<HttpResponse, AppError> {
    let tokens = users
        .change_password(
            &who,
            body.current_password.expose().to_string(),
            body.new_password.expose().to_string(),
            client(&req),
        )
        .await?;
    session_response(&users, tokens, None, body.use_cookies)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct UserFilter {
    /// Part of the name or e-mail, in any case.
    #[param(max_length = 100)]
    pub q: Option<String>,
    /// Only accounts of this role.
    pub role: Option<Role>,
}

/// Every account, oldest first; or those matching a search and a role.
#[utoipa::path(get, path = "/api/v1/admin/users", tag = "admin", params(PageQuery, UserFilter),
    responses((status = 200, body = Page<UserView>), (status = 400, body = crate::http::Problem), (status = 403, body = crate::http::Problem)))]
pub async fn list_users(
    users: UsersData,
    _who: Authorized<perm::UsersManage>,
    Query(page): Query<PageQuery>,
    Query(filter): Query<UserFilter>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(
        users
            .list_users(page.parse()?, filter.q, filter.role)
            .await?,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAccount {
    #[schema(schema_with = crate::contracts::fields::schema::email)]
    pub email: String,
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub name: String,
    pub role: Role,
    #[schema(value_type = String, format = Password, min_length = 8, max_length = 256)]
    pub password: Secret,
}

/// Create a staff, seller, admin or customer account.
#[utoipa::path(post, path = "/api/v1/admin/users", tag = "admin", request_body = NewAccount,
    responses((status = 201, body = UserView), (status = 409, body = crate::http::Problem)))]
pub async fn create_user(
    users: UsersData,
    _who: Authorized<perm::UsersManage>,
    Json(body): Json<NewAccount>,
) -> Result<HttpResponse, AppError> {
    let user = users
        .create_user(
            &body.email,
            Some(body.password.expose().to_string()),
            &body.name,
            body.role,
        )
        .await?;
    Ok(HttpResponse::Created().json(user))
}

/// One account.
#[utoipa::path(get, path = "/api/v1/admin/users/{id}", tag = "admin",
    params(("id" = String, Path, description = "User id")),
    responses((status = 200, body = UserView), (status = 404, body = crate::http::Problem)))]
pub async fn get_user(
    users: UsersData,
    _who: Authorized<perm::UsersManage>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(users.user(&id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccessUpdate {
    pub role: Option<Role>,
    /// `active` or `disabled`.
    #[schema(value_type = Option<String>, pattern = "^(active|disabled)$")]
    pub status: Option<String>,
}

/// Change an account's role or status; its tokens follow at once.
#[utoipa::path(patch, path = "/api/v1/admin/users/{id}", tag = "admin", request_body = AccessUpdate,
    params(("id" = String, Path, description = "User id")),
    responses((status = 200, body = UserView), (status = 404, body = crate::http::Problem), (status = 409, body = crate::http::Problem)))]
pub async fn update_user(
    users: UsersData,
    _who: Authorized<perm::UsersManage>,
    id: web::Path<String>,
    Json(body): Json<AccessUpdate>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(users.update_access(&id, body.role, body.status).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewApiKey {
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    pub name: String,
    /// Permission names, e.g. `catalog.write`; a subset of the creator's.
    #[schema(value_type = Vec<crate::contracts::auth::Permission>)]
    pub permissions: Vec<String>,
}

/// An API key with its secret, shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedApiKey {
    #[serde(flatten)]
    pub key: ApiKeyView,
    pub secret: String,
}

/// Create an API key for an integration.
#[utoipa::path(post, path = "/api/v1/admin/api-keys", tag = "admin", request_body = NewApiKey,
    responses((status = 201, body = CreatedApiKey), (status = 403, body = crate::http::Problem)))]
pub async fn create_api_key(
    users: UsersData,
    who: Authorized<perm::UsersManage>,
    Json(body): Json<NewApiKey>,
) -> Result<HttpResponse, AppError> {
    let (key, secret) = users
        .create_api_key(&who.principal, &body.name, &body.permissions)
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(CreatedApiKey { key, secret }))
}

/// Every API key (without secrets).
#[utoipa::path(get, path = "/api/v1/admin/api-keys", tag = "admin",
    responses((status = 200, body = Vec<ApiKeyView>)))]
pub async fn list_api_keys(
    users: UsersData,
    _who: Authorized<perm::UsersManage>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(users.list_api_keys().await?))
}

/// Revoke an API key; it stops working at once.
#[utoipa::path(delete, path = "/api/v1/admin/api-keys/{id}", tag = "admin",
    params(("id" = String, Path, description = "API key id")),
    responses((status = 204, description = "Revoked"), (status = 404, body = crate::http::Problem)))]
pub async fn revoke_api_key(
    users: UsersData,
    _who: Authorized<perm::UsersManage>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    users.revoke_api_key(&id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A login provider the store offers.
#[derive(Debug, Serialize, ToSchema)]
pub struct OidcProviderView {
    pub name: String,
    pub label: String,
    /// Send the browser here to log in.
    pub start_url: String,
}

/// OpenID Connect providers configured for login.
#[utoipa::path(get, path = "/api/v1/auth/oidc/providers", tag = "auth",
    responses((status = 200, body = Vec<OidcProviderView>)))]
pub async fn oidc_providers(users: UsersData) -> HttpResponse {
    let list: Vec<OidcProviderView> = users
        .oidc_providers()
        .into_iter()
        .map(|(name, label)| OidcProviderView {
            start_url: format!("/api/v1/auth/oidc/{name}/start"),
            name,
            label,
        })
        .collect();
    HttpResponse::Ok().json(list)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct OidcStartQuery {
    /// A path of this site to land on after login (default `/`).
    pub return_to: Option<String>,
}

/// Start a login with an OpenID provider: redirects the browser to it.
#[utoipa::path(get, path = "/api/v1/auth/oidc/{provider}/start", tag = "auth",
    params(("provider" = String, Path), OidcStartQuery),
    responses((status = 303, description = "To the provider's login page"), (status = 404, body = crate::http::Problem), (status = 502, body = crate::http::Problem)))]
pub async fn oidc_start(
    users: UsersData,
    provider: web::Path<String>,
    Query(query): Query<OidcStartQuery>,
) -> Result<HttpResponse, AppError> {
    let start = users
        .oidc_start(&provider, query.return_to.as_deref())
        .await?;
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, start.redirect_to))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .cookie(oidc_state_cookie(
            start.state,
            600,
            users.auth_settings().cookie_secure,
        ))
        .finish())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct OidcCallbackQuery {
    pub code: Option<String>,
    pub state: Option<String>,
    /// RFC 9207 issuer identification.
    pub iss: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
}

/// Where the provider sends the browser back. On success the session cookies are set and
/// the browser goes to `return_to`; when a local account has the same verified e-mail,
/// it goes to `/login?oidc_link=...` to prove that account by logging in once.
#[utoipa::path(get, path = "/api/v1/auth/oidc/{provider}/callback", tag = "auth",
    params(("provider" = String, Path), OidcCallbackQuery),
    responses((status = 303, description = "Logged in, or on to link an existing account"),
        (status = 400, body = crate::http::Problem), (status = 401, body = crate::http::Problem),
        (status = 409, body = crate::http::Problem), (status = 502, body = crate::http::Problem)))]
pub async fn oidc_callback(
    req: HttpRequest,
    users: UsersData,
    provider: web::Path<String>,
    Query(query): Query<OidcCallbackQuery>,
) -> Result<HttpResponse, AppError> {
    if let Some(error) = &query.error {
        let detail = query.error_description.as_deref().unwrap_or("");
        return Err(AppError::Unauthenticated(format!(
            "the identity provider did not log you in: {error} {detail}"
        )));
    }
    let code = query
        .code
        .as_deref()
        .ok_or_else(|| AppError::invalid("code", "is required"))?;
    let state = query
        .state
        .as_deref()
        .ok_or_else(|| AppError::invalid("state", "is required"))?;
    let browser_state = req.cookie(OIDC_STATE_COOKIE).map(|c| c.value().to_string());
    let outcome = users
        .oidc_finish(
            &provider,
            code,
            state,
            query.iss.as_deref(),
            browser_state.as_deref(),
            client(&req),
        )
        .await?;
    let policy = cookie_policy(&users);
    let mut builder = HttpResponse::SeeOther();
    builder
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .cookie(oidc_state_cookie(String::new(), 0, policy.secure));
    match outcome {
        OidcOutcome::LoggedIn { tokens, return_to } => {
            let csrf = super::service::random_token()?;
            add_cookies(&mut builder, session_cookies(&tokens, policy, Some(csrf)));
            builder.insert_header((header::LOCATION, return_to));
        }
        OidcOutcome::LinkRequired { link_token } => {
            builder.insert_header((
                header::LOCATION,
                format!("/login?oidc_link={link_token}&provider={provider}"),
            ));
        }
    }
    Ok(builder.finish())
}

/// The public keys that verify access tokens (JWK Set).
#[utoipa::path(get, path = "/.well-known/jwks.json", tag = "auth",
    responses((status = 200, description = "JWK Set", body = Object)))]
pub async fn jwks(users: UsersData) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .json(users.keys().jwks())
}

/// The caller's addresses.
#[utoipa::path(get, path = "/api/v1/addresses", tag = "account",
    responses((status = 200, body = Vec<AddressView>), (status = 401, body = crate::http::Problem)))]
pub async fn list_addresses(
    users: UsersData,
    Authenticated(who): Authenticated,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(users.addresses(&who).await?))
}

/// Add an address; the first one (or one marked `is_default`) becomes the default.
#[utoipa::path(post, path = "/api/v1/addresses", tag = "account", request_body = AddressInput,
    responses((status = 201, body = AddressView), (status = 400, body = crate::http::Problem)))]
pub async fn add_address(
    users: UsersData,
    Authenticated(who): Authenticated,
    Json(body): Json<AddressInput>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Created().json(users.add_address(&who, body).await?))
}

/// One of the caller's addresses (404 for anyone else's).
#[utoipa::path(get, path = "/api/v1/addresses/{id}", tag = "account",
    params(("id" = String, Path, description = "Address id")),
    responses((status = 200, body = AddressView), (status = 404, body = crate::http::Problem)))]
pub async fn get_address(
    users: UsersData,
    Authenticated(who): Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(users.address(&who, &id).await?))
}

/// Replace one of the caller's addresses.
#[utoipa::path(put, path = "/api/v1/addresses/{id}", tag = "account", request_body = AddressInput,
    params(("id" = String, Path, description = "Address id")),
    responses((status = 200, body = AddressView), (status = 404, body = crate::http::Problem)))]
pub async fn update_address(
    users: UsersData,
    Authenticated(who): Authenticated,
    id: web::Path<String>,
    Json(body): Json<AddressInput>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(users.update_address(&who, &id, body).await?))
}

/// Delete one of the caller's addresses.
#[utoipa::path(delete, path = "/api/v1/addresses/{id}", tag = "account",
    params(("id" = String, Path, description = "Address id")),
    responses((status = 204, description = "Deleted"), (status = 404, body = crate::http::Problem)))]
pub async fn delete_address(
    users: UsersData,
    Authenticated(who): Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    users.delete_address(&who, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_debug_line_of_a_login_or_password_change_shows_no_secret() {
        let login: LoginRequest =
            serde_json::from_str(r#"{"email":"asha@example.in","password":"Tr0ub4dor&3-secret"}"#)
                .unwrap_or_else(|e| panic!("{e}"));
        let change: PasswordChange = serde_json::from_str(
            r#"{"current_password":"Old-pass-9931","new_password":"New-pass-7720"}"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let shown = format!("{login:?} {change:?}");
        for secret in ["Tr0ub4dor", "Old-pass-9931", "New-pass-7720"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert_eq!(login.password.expose(), "Tr0ub4dor&3-secret");
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PhoneQuery {
    /// 10 to 15 digits, an optional leading + (spaces, dashes and brackets allowed).
    // utoipa takes literals: `fields::PHONE_MAX` and `fields::PHONE_PATTERN`.
    #[param(
        max_length = 20,
        pattern = r"^\s*\+?[ ()-]*(?:[0-9][ ()-]*){10,15}\s*$"
    )]
    pub phone: String,
}

/// Customers with this phone number, for attaching a buyer to a counter sale.
#[utoipa::path(get, path = "/api/v1/pos/customers", tag = "pos", params(PhoneQuery),
    responses((status = 200, body = Vec<super::service::CounterCustomer>), (status = 400, body = crate::http::Problem)))]
pub async fn counter_customers(
    users: UsersData,
    _who: Authorized<perm::PosOperate>,
    Query(q): Query<PhoneQuery>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(users.customers_by_phone(&q.phone).await?))
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CounterCustomerInput {
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub name: String,
    #[schema(schema_with = crate::contracts::fields::schema::phone)]
    pub phone: String,
    #[schema(schema_with = crate::contracts::fields::schema::email_or_null)]
    pub email: Option<String>,
}

/// A customer made at the counter: name and phone (an e-mail address if given).
#[utoipa::path(post, path = "/api/v1/pos/customers", tag = "pos", request_body = CounterCustomerInput,
    responses((status = 201, body = super::service::CounterCustomer), (status = 400, body = crate::http::Problem), (status = 409, body = crate::http::Problem)))]
pub async fn create_counter_customer(
    users: UsersData,
    _who: Authorized<perm::PosOperate>,
    Json(body): Json<CounterCustomerInput>,
) -> Result<HttpResponse, AppError> {
    let made = users
        .create_counter_customer(&body.name, &body.phone, body.email.as_deref())
        .await?;
    Ok(HttpResponse::Created().json(made))
}
