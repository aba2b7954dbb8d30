//! Kirana: the online store, point of sale and back office of a small merchant, in one
//! process. `Application::build` starts it, for `kirana serve` and for the tests alike.

pub mod config;
pub mod contracts;
pub mod db;
pub mod events;
pub mod gateway;
pub mod http;
pub mod schema;
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
use crate::db::Db;
use crate::events::{Dispatcher, EventBus, Subscriber};
use crate::gateway::Metrics;
use crate::http::extract::BodyLimit;
use crate::http::idempotency::Idempotency;
use crate::http::{OpenApiJson, api_not_found, configure_api_docs, configure_ops, serve_app};

type RouteHook = Arc<dyn Fn(&mut web::ServiceConfig) + Send + Sync>;

/// How often expired idempotency keys are deleted.
const PURGE_EVERY: Duration = Duration::from_secs(3600);

/// Collects what the application is made of before it starts.
pub struct AppBuilder {
    settings: Settings,
    subscribers: Vec<Arc<dyn Subscriber>>,
    api_routes: Vec<RouteHook>,
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

    /// Opens the database, applies migrations, binds the port and starts the background
    /// tasks. The server runs once the returned application is awaited.
    pub async fn build(self) -> anyhow::Result<Application> {
        let settings = self.settings;
        let db_settings = settings.clone();
        let db = tokio::task::spawn_blocking(move || -> anyhow::Result<Db> {
            let db = Db::open(&db_settings)?;
            let applied = db.migrate()?;
            if !applied.is_empty() {
                tracing::info!(count = applied.len(), "applied database migrations");
            }
            Ok(db)
        })
        .await??;

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
        let db_data = web::Data::new(db.clone());
        let idempotency = web::Data::new(Idempotency::new(
            db.clone(),
            Duration::from_secs(u64::from(settings.idempotency.ttl_hours) * 3600),
            Duration::from_secs(settings.idempotency.lock_timeout_secs),
        ));
        let openapi = web::Data::new(OpenApiJson(serde_json::to_string(
            &http::openapi_document(),
        )?));
        let body_limit = settings.server.body_limit_bytes;
        let api_routes = self.api_routes;

        let server_idempotency = idempotency.clone();
        let mut server = HttpServer::new(move || {
            let api_routes = api_routes.clone();
            App::new()
                .wrap(Compress::default())
                .wrap(from_fn(gateway::observe))
                .app_data(metrics.clone())
                .app_data(db_data.clone())
                .app_data(server_idempotency.clone())
                .app_data(openapi.clone())
                .app_data(BodyLimit(body_limit))
                .app_data(web::PayloadConfig::new(body_limit))
                .configure(configure_ops)
                .service(
                    web::scope("/api")
                        .configure(configure_api_docs)
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
        if settings.outbox.dispatch {
            let dispatcher = Dispatcher::new(
                db.clone(),
                EventBus::new(self.subscribers),
                settings.outbox.clone(),
            );
            tasks.push(tokio::spawn(dispatcher.run(stop_rx.clone())));
        }
        tasks.push(tokio::spawn(purge_idempotency_keys(
            idempotency.get_ref().clone(),
            stop_rx,
        )));

        Ok(Application {
            server,
            port,
            db,
            stop_tx,
            tasks,
        })
    }
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
