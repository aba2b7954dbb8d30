//! The users domain: accounts, roles, sessions (refresh tokens), password resets and API
//! keys. It implements `IdentityApi` for the gateway and registers its routes.

mod model;
mod oidc;
mod password;
mod routes;
mod service;
mod sessions;
mod store;

use std::sync::Arc;

use actix_web::web;
use utoipa::OpenApi;

use crate::config::Settings;
use crate::contracts::auth::{
    ApiKeyIdentity, ClientInfo, IdentityApi, IssuedTokens, Permission, Role, SessionState,
};
use crate::contracts::mail::Mailer;
use crate::db::Db;
use crate::gateway::rbac::{Access, RouteRule};
use crate::gateway::tokens::KeyRing;
use crate::http::{AppError, method_not_allowed};

/// Every route of the domain and who may call it.
pub const ROUTES: &[RouteRule] = &[
    RouteRule::new("POST", "/api/v1/auth/register", Access::Public),
    RouteRule::new("POST", "/api/v1/auth/login", Access::Public),
    RouteRule::new("POST", "/api/v1/auth/refresh", Access::Public),
    RouteRule::new("POST", "/api/v1/auth/logout", Access::Public),
    RouteRule::new("POST", "/api/v1/auth/logout-all", Access::Authenticated),
    RouteRule::new("POST", "/api/v1/auth/password-reset", Access::Public),
    RouteRule::new(
        "POST",
        "/api/v1/auth/password-reset/confirm",
        Access::Public,
    ),
    RouteRule::new("GET", "/api/v1/auth/oidc/providers", Access::Public),
    RouteRule::new("GET", "/api/v1/auth/oidc/{provider}/start", Access::Public),
    RouteRule::new(
        "GET",
        "/api/v1/auth/oidc/{provider}/callback",
        Access::Public,
    ),
    RouteRule::new("GET", "/api/v1/me", Access::Authenticated),
    RouteRule::new("PATCH", "/api/v1/me", Access::Authenticated),
    RouteRule::new("POST", "/api/v1/me/password", Access::Authenticated),
    RouteRule::new("GET", "/api/v1/addresses", Access::Authenticated),
    RouteRule::new("POST", "/api/v1/addresses", Access::Authenticated),
    RouteRule::new("GET", "/api/v1/addresses/{id}", Access::Authenticated),
    RouteRule::new("PUT", "/api/v1/addresses/{id}", Access::Authenticated),
    RouteRule::new("DELETE", "/api/v1/addresses/{id}", Access::Authenticated),
    RouteRule::new(
        "GET",
        "/api/v1/admin/users",
        Access::Permission(Permission::UsersManage),
    ),
    RouteRule::new(
        "POST",
        "/api/v1/admin/users",
        Access::Permission(Permission::UsersManage),
    ),
    RouteRule::new(
        "GET",
        "/api/v1/admin/users/{id}",
        Access::Permission(Permission::UsersManage),
    ),
    RouteRule::new(
        "PATCH",
        "/api/v1/admin/users/{id}",
        Access::Permission(Permission::UsersManage),
    ),
    RouteRule::new(
        "GET",
        "/api/v1/admin/api-keys",
        Access::Permission(Permission::UsersManage),
    ),
    RouteRule::new(
        "POST",
        "/api/v1/admin/api-keys",
        Access::Permission(Permission::UsersManage),
    ),
    RouteRule::new(
        "DELETE",
        "/api/v1/admin/api-keys/{id}",
        Access::Permission(Permission::UsersManage),
    ),
    RouteRule::new(
        "GET",
        "/api/v1/pos/customers",
        Access::Permission(Permission::PosOperate),
    ),
    RouteRule::new(
        "POST",
        "/api/v1/pos/customers",
        Access::Permission(Permission::PosOperate),
    ),
];

#[derive(OpenApi)]
#[openapi(
    paths(
        routes::register, routes::login, routes::refresh, routes::logout, routes::logout_all,
        routes::request_reset, routes::confirm_reset, routes::me, routes::update_me,
        routes::change_password, routes::list_users, routes::create_user, routes::get_user,
        routes::update_user, routes::create_api_key, routes::list_api_keys,
        routes::revoke_api_key, routes::jwks, routes::list_addresses, routes::add_address,
        routes::get_address, routes::update_address, routes::delete_address,
        routes::oidc_providers, routes::oidc_start, routes::oidc_callback,
        routes::counter_customers, routes::create_counter_customer
    ),
    tags(
        (name = "auth", description = "Registration, login, sessions, password reset"),
        (name = "account", description = "The signed-in user's own account"),
        (name = "admin", description = "Accounts, roles and API keys (users.manage)")
    )
)]
struct UsersApiDoc;

/// A random password (24 URL-safe characters) for generated accounts.
pub fn random_password() -> Result<String, AppError> {
    Ok(service::random_token()?.chars().take(24).collect())
}

pub fn openapi() -> utoipa::openapi::OpenApi {
    UsersApiDoc::openapi()
}

/// The domain as the application wires it.
#[derive(Clone)]
pub struct UsersDomain {
    users: web::Data<service::Users>,
}

impl UsersDomain {
    /// Builds the service and connects the session store; the hash that makes unknown
    /// e-mails cost as much as wrong passwords is prepared in the background.
    pub async fn build(
        db: Db,
        keys: Arc<KeyRing>,
        settings: &Settings,
        mailer: Arc<dyn Mailer>,
    ) -> anyhow::Result<Self> {
        let sessions: Arc<dyn sessions::SessionStore> = match settings.auth.refresh_store.as_str() {
            #[cfg(feature = "redis")]
            "redis" => Arc::new(
                sessions::RedisSessions::connect(
                    &settings.auth.refresh_redis_url,
                    &settings.auth.refresh_redis_prefix,
                    chrono::TimeDelta::days(settings.auth.refresh_ttl_days as i64),
                )
                .await?,
            ),
            _ => Arc::new(sessions::DbSessions { db: db.clone() }),
        };
        let users = web::Data::new(service::Users::new(
            db,
            sessions,
            keys,
            settings.auth.clone(),
            settings.rate_limit.clone(),
            mailer,
            oidc::OidcClient::new(&settings.oidc, &settings.auth.public_url)?,
        ));
        let warm = users.clone();
        tokio::spawn(async move {
            if let Err(e) = warm.warm_up().await {
                tracing::warn!(error = %e, "could not prepare the login timing hash");
            }
        });
        Ok(Self { users })
    }

    /// Routes under `/api` (the `/api` scope is the caller's).
    pub fn configure_api(&self, cfg: &mut web::ServiceConfig) {
        const POST: &[&str] = &["POST"];
        cfg.app_data(self.users.clone())
            .service(
                web::resource("/v1/pos/customers")
                    .route(web::get().to(routes::counter_customers))
                    .route(web::post().to(routes::create_counter_customer))
                    .default_service(method_not_allowed(&["GET", "POST"])),
            )
            .service(
                web::resource("/v1/auth/register")
                    .route(web::post().to(routes::register))
                    .default_service(method_not_allowed(POST)),
            )
            .service(
                web::resource("/v1/auth/login")
                    .route(web::post().to(routes::login))
                    .default_service(method_not_allowed(POST)),
            )
            .service(
                web::resource("/v1/auth/refresh")
                    .route(web::post().to(routes::refresh))
                    .default_service(method_not_allowed(POST)),
            )
            .service(
                web::resource("/v1/auth/logout")
                    .route(web::post().to(routes::logout))
                    .default_service(method_not_allowed(POST)),
            )
            .service(
                web::resource("/v1/auth/logout-all")
                    .route(web::post().to(routes::logout_all))
                    .default_service(method_not_allowed(POST)),
            )
            .service(
                web::resource("/v1/auth/password-reset")
                    .route(web::post().to(routes::request_reset))
                    .default_service(method_not_allowed(POST)),
            )
            .service(
                web::resource("/v1/auth/password-reset/confirm")
                    .route(web::post().to(routes::confirm_reset))
                    .default_service(method_not_allowed(POST)),
            )
            .service(
                web::resource("/v1/auth/oidc/providers")
                    .route(web::get().to(routes::oidc_providers))
                    .default_service(method_not_allowed(&["GET"])),
            )
            .service(
                web::resource("/v1/auth/oidc/{provider}/start")
                    .route(web::get().to(routes::oidc_start))
                    .default_service(method_not_allowed(&["GET"])),
            )
            .service(
                web::resource("/v1/auth/oidc/{provider}/callback")
                    .route(web::get().to(routes::oidc_callback))
                    .default_service(method_not_allowed(&["GET"])),
            )
            .service(
                web::resource("/v1/me")
                    .route(web::get().to(routes::me))
                    .route(web::patch().to(routes::update_me))
                    .default_service(method_not_allowed(&["GET", "PATCH"])),
            )
            .service(
                web::resource("/v1/me/password")
                    .route(web::post().to(routes::change_password))
                    .default_service(method_not_allowed(POST)),
            )
            .service(
                web::resource("/v1/addresses")
                    .route(web::get().to(routes::list_addresses))
                    .route(web::post().to(routes::add_address))
                    .default_service(method_not_allowed(&["GET", "POST"])),
            )
            .service(
                web::resource("/v1/addresses/{id}")
                    .route(web::get().to(routes::get_address))
                    .route(web::put().to(routes::update_address))
                    .route(web::delete().to(routes::delete_address))
                    .default_service(method_not_allowed(&["GET", "PUT", "DELETE"])),
            )
            .service(
                web::resource("/v1/admin/users")
                    .route(web::get().to(routes::list_users))
                    .route(web::post().to(routes::create_user))
                    .default_service(method_not_allowed(&["GET", "POST"])),
            )
            .service(
                web::resource("/v1/admin/users/{id}")
                    .route(web::get().to(routes::get_user))
                    .route(web::patch().to(routes::update_user))
                    .default_service(method_not_allowed(&["GET", "PATCH"])),
            )
            .service(
                web::resource("/v1/admin/api-keys")
                    .route(web::get().to(routes::list_api_keys))
                    .route(web::post().to(routes::create_api_key))
                    .default_service(method_not_allowed(&["GET", "POST"])),
            )
            .service(
                web::resource("/v1/admin/api-keys/{id}")
                    .route(web::delete().to(routes::revoke_api_key))
                    .default_service(method_not_allowed(&["DELETE"])),
            );
    }

    /// Routes outside `/api`.
    pub fn configure_root(&self, cfg: &mut web::ServiceConfig) {
        cfg.service(
            web::resource("/.well-known/jwks.json")
                .app_data(self.users.clone())
                .route(web::get().to(routes::jwks))
                .default_service(method_not_allowed(&["GET"])),
        );
    }

    pub fn identity(&self) -> Arc<dyn IdentityApi> {
        Arc::new(self.clone())
    }

    /// Creates an account with any role (seeding a demo store); returns its id.
    pub async fn create_account(
        &self,
        email: &str,
        password: String,
        name: &str,
        role: Role,
    ) -> Result<String, AppError> {
        Ok(self
            .users
            .create_user(email, Some(password), name, role)
            .await?
            .id)
    }

    /// A single-use password-reset link for the account with `email` (the `reset-link`
    /// command): printed for the admin, never logged.
    pub async fn reset_link(&self, email: &str) -> Result<String, AppError> {
        self.users.reset_link_for(email).await
    }

    /// Bootstraps an admin (the `create-admin` command); returns its id and e-mail.
    pub async fn create_admin(
        &self,
        email: &str,
        password: String,
        name: &str,
    ) -> Result<(String, String), AppError> {
        let user = self
            .users
            .create_user(email, Some(password), name, Role::Admin)
            .await?;
        Ok((user.id, user.email))
    }
}

#[async_trait::async_trait]
impl IdentityApi for UsersDomain {
    async fn session_state(&self, user_id: &str) -> Result<Option<SessionState>, AppError> {
        self.users.session_state(user_id).await
    }

    async fn refresh(
        &self,
        refresh_token: &str,
        client: ClientInfo,
    ) -> Result<IssuedTokens, AppError> {
        self.users.refresh(refresh_token, client).await
    }

    async fn verify_api_key(&self, key: &str) -> Result<Option<ApiKeyIdentity>, AppError> {
        self.users.verify_api_key(key).await
    }
}
