//! Kirana: the online store, point of sale and back office of a small merchant, in one
//! process. `Application::build` starts it, for `kirana serve` and for the tests alike.

pub mod blob;
pub mod breaker;
pub mod config;
pub mod contracts;
pub mod db;
pub mod docstore;
pub mod documents;
pub mod domains;
pub mod events;
pub mod gateway;
pub mod http;
pub mod mail;
pub mod profile;
pub mod schema;
pub mod secret;
pub mod telemetry;

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::{Compress, from_fn};
use actix_web::{App, HttpServer, web};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::config::Settings;
use crate::contracts::auth::IdentityApi;
use crate::contracts::mail::{LogMailer, Mailer};
use crate::db::Db;
use crate::events::{EventBus, Subscriber};
use crate::gateway::Metrics;
use crate::gateway::auth::Authenticator;
use crate::gateway::cookies::CookiePolicy;
use crate::gateway::network::NetworkPolicy;
use crate::gateway::ratelimit::Limiters;
use crate::gateway::rbac::{RouteRule, RouteTable};
use crate::gateway::tokens::KeyRing;
use crate::http::extract::BodyLimit;
use crate::http::idempotency::Idempotency;
use crate::http::{OpenApiJson, api_not_found, configure_api_docs, configure_ops, serve_app};

type RouteHook = Arc<dyn Fn(&mut web::ServiceConfig) + Send + Sync>;

/// Every built-in API route's RBAC rule: the platform's own and every enabled domain's.
pub fn route_rules() -> Vec<RouteRule> {
    let mut rules = events::routes::ROUTES.to_vec();
    rules.extend_from_slice(http::store::ROUTES);
    rules.extend(domains::route_rules());
    rules
}

/// The OpenAPI document as `/api/openapi.json` serves it and `kirana openapi` prints it:
/// every enabled domain's operations, with the security and problems of each.
pub fn api_document() -> serde_json::Value {
    http::finished_document(&assembled_document(), &route_rules())
}

fn assembled_document() -> utoipa::openapi::OpenApi {
    let mut doc = http::openapi_document();
    doc.merge(events::routes::openapi());
    domains::document(&mut doc);
    doc
}

/// How often expired idempotency keys are deleted.
const PURGE_EVERY: Duration = Duration::from_secs(3600);
/// How often idle rate-limit keys are forgotten.
const SHRINK_LIMITERS_EVERY: Duration = Duration::from_secs(60);

/// Collects what the application is made of before it starts.
pub struct AppBuilder {
    settings: Settings,
    subscribers: Vec<Arc<dyn Subscriber>>,
    api_routes: Vec<RouteHook>,
    route_rules: Vec<RouteRule>,
    mailer: Option<Arc<dyn Mailer>>,
}

impl AppBuilder {
    /// Adds an in-process event subscriber.
    pub fn subscriber(mut self, subscriber: Arc<dyn Subscriber>) -> Self {
        self.subscribers.push(subscriber);
        self
    }

    /// Mounts more routes under `/api` (integrations embedding Kirana, and the tests).
    pub fn api_routes(
        mut self,
        f: impl Fn(&mut web::ServiceConfig) + Send + Sync + 'static,
    ) -> Self {
        self.api_routes.push(Arc::new(f));
        self
    }

    /// Declares who may call routes added with `api_routes` (RBAC); a route without a
    /// rule is unreachable.
    pub fn route_rules(mut self, rules: impl IntoIterator<Item = RouteRule>) -> Self {
        self.route_rules.extend(rules);
        self
    }

    /// Replaces the mailer that sends password-reset links (the default logs them).
    pub fn mailer(mut self, mailer: Arc<dyn Mailer>) -> Self {
        self.mailer = Some(mailer);
        self
    }

    /// Opens the database, applies migrations, binds the port and starts the background
    /// tasks. The server runs once the returned application is awaited.
    pub async fn build(self) -> anyhow::Result<Application> {
        let settings = self.settings;
        let db_settings = settings.clone();
        let (db, keys) = tokio::task::spawn_blocking(move || -> anyhow::Result<(Db, KeyRing)> {
            let db = Db::open(&db_settings)?;
            let applied = db.migrate()?;
            if !applied.is_empty() {
                tracing::info!(count = applied.len(), "applied database migrations");
            }
            let keys = KeyRing::load(&db_settings.auth, &db_settings.data_dir)?;
            Ok((db, keys))
        })
        .await??;
        let keys = Arc::new(keys);
        // The store's profile: the configuration's, unless the back office saved one.
        let profile = profile::LiveProfile::from_settings(&settings);
        profile.refresh(&db).await?;
        if profile.view().source == "database" {
            tracing::info!(
                "store settings saved in the back office are in force over the configuration's"
            );
        }
        let mailer: Arc<dyn Mailer> = match self.mailer {
            Some(m) => m,
            None if settings.mail.smtp_url.is_empty() => Arc::new(LogMailer),
            None => Arc::new(mail::SmtpMailer::new(&settings.mail).map_err(anyhow::Error::msg)?),
        };
        let mut route_rules = self.route_rules;
        route_rules.extend(crate::route_rules());
        let openapi_doc = assembled_document();

        #[cfg(feature = "users")]
        let users = {
            let (db, keys, settings) = (db.clone(), keys.clone(), settings.clone());
            domains::users::UsersDomain::build(db, keys, &settings, mailer).await?
        };
        #[cfg(feature = "users")]
        let identity: Option<Arc<dyn IdentityApi>> = Some(users.identity());
        #[cfg(not(feature = "users"))]
        let identity: Option<Arc<dyn IdentityApi>> = {
            let _ = mailer;
            None
        };

        #[cfg(feature = "catalog")]
        let catalog = domains::catalog::CatalogDomain::build(
            db.clone(),
            &settings,
            Arc::new(blob::LocalBlobStore::new(settings.data_dir.join("blobs"))),
            identity.clone(),
            &profile,
        );
        #[cfg(feature = "catalog")]
        let mut subscribers = {
            let mut all = self.subscribers;
            all.push(catalog.stock_subscriber());
            all
        };
        #[cfg(not(feature = "catalog"))]
        let mut subscribers = self.subscribers;
        #[cfg(feature = "inventory")]
        let inventory = domains::inventory::InventoryDomain::build(
            db.clone(),
            catalog.api(),
            &settings,
            &profile,
        )
        .await?;
        #[cfg(feature = "inventory")]
        subscribers.extend(inventory.subscribers());
        #[cfg(feature = "inventory")]
        let inventory_tasks = inventory.clone();
        #[cfg(feature = "orders")]
        let orders = domains::orders::OrdersDomain::build(
            db.clone(),
            catalog.api(),
            inventory.api(),
            &settings,
            &profile,
        );
        #[cfg(feature = "orders")]
        let orders_tasks = orders.clone();
        #[cfg(feature = "orders")]
        subscribers.extend(orders.subscribers());
        #[cfg(feature = "payments")]
        let payments = domains::payments::PaymentsDomain::build(
            db.clone(),
            orders.api(),
            &settings,
            &profile,
        )?;
        #[cfg(feature = "payments")]
        subscribers.extend(payments.subscribers());
        // Used by shipping and the cart; a build without them leaves it unused.
        #[cfg(feature = "payments")]
        #[allow(unused_variables)]
        let payments_contract: Option<Arc<dyn contracts::payments::PaymentsApi>> =
            Some(payments.api());
        #[cfg(all(feature = "orders", not(feature = "payments")))]
        #[allow(unused_variables)]
        let payments_contract: Option<Arc<dyn contracts::payments::PaymentsApi>> = None;
        #[cfg(feature = "shipping")]
        let shipping = domains::shipping::ShippingDomain::build(
            db.clone(),
            orders.api(),
            payments_contract.clone(),
            &settings,
            &profile,
        );
        #[cfg(feature = "cart")]
        let cart = domains::cart::CartDomain::build(
            db.clone(),
            catalog.api(),
            inventory.api(),
            orders.api(),
            shipping.api(),
            payments_contract,
            &settings,
            &profile,
        );
        #[cfg(feature = "cart")]
        subscribers.extend(cart.subscribers());
        #[cfg(feature = "analytics")]
        let analytics =
            domains::analytics::AnalyticsDomain::build(db.clone(), orders.api(), catalog.api());
        #[cfg(feature = "analytics")]
        subscribers.extend(analytics.subscribers());
        #[allow(unused_mut)]
        let mut breakers = breaker::Breakers::default();
        #[cfg(feature = "payments")]
        breakers.0.extend(payments.breakers());
        let event_delivery = events::Delivery::new(&settings);
        breakers.0.extend(event_delivery.breakers());
        let breakers = web::Data::new(breakers);
        let subscribers = std::mem::take(&mut subscribers);

        let listener = TcpListener::bind((settings.server.host.as_str(), settings.server.port))
            .map_err(|e| {
                anyhow::anyhow!(
                    "cannot listen on {}:{}: {e}",
                    settings.server.host,
                    settings.server.port
                )
            })?;
        let port = listener.local_addr()?.port();

        let metrics = web::Data::new(Metrics::default());
        let store_info = web::Data::new(http::store::StoreInfoSource::new(
            &settings,
            profile.clone(),
        ));
        let page_policy = web::Data::new(gateway::PagePolicy::from_settings(&settings));
        let db_data = web::Data::new(db.clone());
        let idempotency = web::Data::new(Idempotency::new(
            db.clone(),
            Duration::from_secs(u64::from(settings.idempotency.ttl_hours) * 3600),
            Duration::from_secs(settings.idempotency.lock_timeout_secs),
        ));
        let openapi = web::Data::new(OpenApiJson(serde_json::to_string(
            &http::finished_document(&openapi_doc, &route_rules),
        )?));
        let route_table = web::Data::new(RouteTable::new(route_rules));
        let limiters = web::Data::new(Limiters::from_settings(&settings.rate_limit).await?);
        let network = web::Data::new(NetworkPolicy {
            trusted_proxies: settings.gateway.trusted_proxies.clone(),
            admin_allowlist: settings.gateway.admin_allowlist.clone(),
            metrics_allow: settings.metrics.allow.clone(),
            metrics_token: settings.metrics.token.clone(),
        });
        let authenticator = web::Data::new(Authenticator {
            keys: keys.clone(),
            identity,
            cookies: CookiePolicy {
                secure: settings.auth.cookie_secure,
                refresh_max_age_secs: (settings.auth.refresh_ttl_days * 86_400) as i64,
            },
        });
        let cors_origins = Arc::new(settings.gateway.cors_origins.clone());
        let body_limit = settings.server.body_limit_bytes;
        let api_routes = self.api_routes;

        let server_idempotency = idempotency.clone();
        let server_limiters = limiters.clone();
        let mut server = HttpServer::new(move || {
            let api_routes = api_routes.clone();
            #[cfg(feature = "users")]
            let (users_api, users_root) = (users.clone(), users.clone());
            #[cfg(feature = "catalog")]
            let (catalog_api, catalog_root) = (catalog.clone(), catalog.clone());
            #[cfg(feature = "inventory")]
            let inventory_api = inventory.clone();
            #[cfg(feature = "orders")]
            let orders_api = orders.clone();
            #[cfg(feature = "cart")]
            let cart_api = cart.clone();
            #[cfg(feature = "payments")]
            let payments_api = payments.clone();
            #[cfg(feature = "shipping")]
            let shipping_api = shipping.clone();
            #[cfg(feature = "analytics")]
            let analytics_api = analytics.clone();
            App::new()
                .wrap(from_fn(gateway::rbac::authorize))
                .wrap(from_fn(gateway::auth::authenticate))
                .wrap(from_fn(gateway::ratelimit::limit))
                .wrap(from_fn(gateway::network::admin_allowlist))
                .wrap(cors(cors_origins.clone()))
                .wrap(from_fn(gateway::security_headers))
                .wrap(Compress::default())
                .wrap(from_fn(gateway::observe))
                .app_data(route_table.clone())
                .app_data(server_limiters.clone())
                .app_data(network.clone())
                .app_data(authenticator.clone())
                .app_data(metrics.clone())
                .app_data(db_data.clone())
                .app_data(server_idempotency.clone())
                .app_data(openapi.clone())
                .app_data(store_info.clone())
                .app_data(page_policy.clone())
                .app_data(breakers.clone())
                .app_data(BodyLimit(body_limit))
                .app_data(web::PayloadConfig::new(body_limit))
                .configure(configure_ops)
                .configure(move |cfg| {
                    #[cfg(feature = "users")]
                    users_root.configure_root(cfg);
                    #[cfg(feature = "catalog")]
                    catalog_root.configure_root(cfg);
                    let _ = cfg;
                })
                .service(
                    web::scope("/api")
                        .configure(configure_api_docs)
                        .configure(http::store::configure)
                        .configure(events::routes::configure)
                        .configure(move |cfg| {
                            #[cfg(feature = "users")]
                            users_api.configure_api(cfg);
                            #[cfg(feature = "catalog")]
                            catalog_api.configure_api(cfg);
                            #[cfg(feature = "inventory")]
                            inventory_api.configure_api(cfg);
                            #[cfg(feature = "orders")]
                            orders_api.configure_api(cfg);
                            #[cfg(feature = "cart")]
                            cart_api.configure_api(cfg);
                            #[cfg(feature = "payments")]
                            payments_api.configure_api(cfg);
                            #[cfg(feature = "shipping")]
                            shipping_api.configure_api(cfg);
                            #[cfg(feature = "analytics")]
                            analytics_api.configure_api(cfg);
                            let _ = cfg;
                        })
                        .configure(move |cfg| {
                            for hook in &api_routes {
                                hook(cfg);
                            }
                        })
                        .default_service(web::to(api_not_found)),
                )
                .default_service(web::to(serve_app))
        })
        .shutdown_timeout(settings.server.shutdown_timeout_secs)
        .listen(listener)?;
        if settings.server.workers > 0 {
            server = server.workers(settings.server.workers);
        }
        let server = server.run();

        let (stop_tx, stop_rx) = watch::channel(false);
        let mut tasks = Vec::new();
        tasks.extend(event_delivery.start(db.clone(), EventBus::new(subscribers), stop_rx.clone()));
        tasks.push(tokio::spawn(purge_idempotency_keys(
            idempotency.get_ref().clone(),
            stop_rx.clone(),
        )));
        #[cfg(feature = "inventory")]
        tasks.push(tokio::spawn(
            inventory_tasks.release_expired_reservations(stop_rx.clone()),
        ));
        #[cfg(feature = "orders")]
        tasks.push(tokio::spawn(
            orders_tasks.expire_unpaid_orders(stop_rx.clone()),
        ));
        tasks.push(tokio::spawn(profile.follow(db.clone(), stop_rx.clone())));
        tasks.push(tokio::spawn(shrink_limiters(limiters.clone(), stop_rx)));

        Ok(Application {
            server,
            port,
            db,
            stop_tx,
            tasks,
        })
    }
}

async fn shrink_limiters(limiters: web::Data<Limiters>, mut stop: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(SHRINK_LIMITERS_EVERY) => limiters.shrink(),
            _ = stop.changed() => break,
        }
    }
}

/// CORS: the configured origins, and the app's own origin (a same-origin `fetch` still
/// sends `Origin` on writes).
fn cors(origins: Arc<Vec<String>>) -> actix_cors::Cors {
    actix_cors::Cors::default()
        .allowed_origin_fn(move |origin, head| {
            let Ok(origin) = origin.to_str() else {
                return false;
            };
            if origins.iter().any(|o| o == origin) {
                return true;
            }
            let host = head
                .headers()
                .get(actix_web::http::header::HOST)
                .and_then(|h| h.to_str().ok())
                .unwrap_or("");
            origin
                .split_once("://")
                .is_some_and(|(_, rest)| !host.is_empty() && rest == host)
        })
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers([
            "authorization",
            "content-type",
            "idempotency-key",
            "x-csrf-token",
            "x-request-id",
            "x-api-key",
            "x-cart-token",
        ])
        .expose_headers([
            "x-request-id",
            "retry-after",
            "idempotent-replayed",
            "x-cart-token",
        ])
        .supports_credentials()
        .max_age(3600)
}

async fn purge_idempotency_keys(idempotency: Idempotency, mut stop: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(PURGE_EVERY) => {}
            _ = stop.changed() => break,
        }
        match idempotency.purge_expired().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(count = n, "purged expired idempotency keys"),
            Err(e) => tracing::warn!(error = %e, "purging idempotency keys failed"),
        }
    }
}

/// A built application: its server, the port it listens on, and its background tasks.
pub struct Application {
    server: Server,
    port: u16,
    db: Db,
    stop_tx: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Application {
    pub fn builder(settings: Settings) -> AppBuilder {
        AppBuilder {
            settings,
            subscribers: Vec::new(),
            api_routes: Vec::new(),
            route_rules: Vec::new(),
            mailer: None,
        }
    }

    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        Self::builder(settings).build().await
    }

    /// The port actually bound (useful with port 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn db(&self) -> Db {
        self.db.clone()
    }

    /// Stops the server from elsewhere (tests, embedding programs).
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until SIGTERM/SIGINT or `handle().stop()`, letting in-flight requests finish,
    /// then stops the background tasks after their current pass.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let result = self.server.await;
        let _ = self.stop_tx.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
        result
    }
}
