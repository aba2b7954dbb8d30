//! Operational endpoints: `/healthz`, `/readyz`, `/metrics`, and the API description at
//! `/api/openapi.json` with its offline docs page at `/api/docs`.

use actix_web::http::header;
use actix_web::{HttpMessage, HttpResponse, web};
use serde::Serialize;
use utoipa::ToSchema;

use super::{AppError, method_not_allowed};
use crate::db::Db;
use crate::gateway::network::{ClientIp, NetworkPolicy};
use crate::gateway::{Metrics, gauge};

#[derive(Serialize, ToSchema)]
pub struct Status {
    /// `ok` or `ready`.
    status: &'static str,
    /// Services called out to (payment gateways) and their circuit state: `closed`
    /// (working), `open` (failing; calls fail fast) or `half_open` (being probed). A
    /// failing one degrades a feature but does not make the instance unready.
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    #[schema(value_type = Object)]
    dependencies: std::collections::BTreeMap<&'static str, &'static str>,
}

/// The served OpenAPI JSON, rendered once at start-up.
pub struct OpenApiJson(pub String);

const GET: &[&str] = &["GET"];

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/healthz")
            .route(web::get().to(healthz))
            .default_service(method_not_allowed(GET)),
    )
    .service(
        web::resource("/readyz")
            .route(web::get().to(readyz))
            .default_service(method_not_allowed(GET)),
    )
    .service(
        web::resource("/metrics")
            .route(web::get().to(metrics))
            .default_service(method_not_allowed(GET)),
    );
}

pub fn configure_api_docs(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/openapi.json")
            .route(web::get().to(openapi_json))
            .default_service(method_not_allowed(GET)),
    )
    .service(
        web::resource("/docs")
            .route(web::get().to(docs_page))
            .default_service(method_not_allowed(GET)),
    );
}

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "The process is serving", body = Status)))]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(Status {
            status: "ok",
            dependencies: Default::default(),
        })
}

/// The database is reachable and every migration is applied.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses(
        (status = 200, description = "Ready for traffic", body = Status),
        (status = 503, description = "Not ready", body = super::Problem, content_type = "application/problem+json")))]
pub async fn readyz(
    db: web::Data<Db>,
    breakers: web::Data<crate::breaker::Breakers>,
) -> Result<HttpResponse, AppError> {
    let db = db.get_ref().clone();
    tokio::task::spawn_blocking(move || db.ready())
        .await
        .map_err(|e| AppError::internal(format!("readiness task: {e}")))?
        .map_err(AppError::Unavailable)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(Status {
            status: "ready",
            dependencies: breakers
                .0
                .iter()
                .map(|b| (b.name(), b.state().as_str()))
                .collect(),
        }))
}

/// Prometheus metrics: requests by route and status, latency histograms, pool and outbox
/// gauges, resident memory. Only for clients in `metrics.allow` (loopback by default) or
/// with the bearer token `metrics.token`.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "Prometheus text format", body = String, content_type = "text/plain"),
        (status = 403, description = "Not a client allowed to read metrics", body = super::Problem, content_type = "application/problem+json")))]
pub async fn metrics(
    req: actix_web::HttpRequest,
    policy: web::Data<NetworkPolicy>,
    metrics: web::Data<Metrics>,
    db: web::Data<Db>,
    breakers: web::Data<crate::breaker::Breakers>,
) -> Result<HttpResponse, AppError> {
    let ip = req
        .extensions()
        .get::<ClientIp>()
        .map(|c| c.0)
        .or_else(|| req.peer_addr().map(|a| a.ip()));
    let authorization = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    if !ip.is_some_and(|ip| policy.metrics_allowed(ip, authorization)) {
        return Err(AppError::Forbidden(
            "metrics are open only to the configured scrapers (metrics.allow, metrics.token)"
                .into(),
        ));
    }
    let mut out = String::with_capacity(8 * 1024);
    metrics.render(&mut out);
    if !breakers.0.is_empty() {
        let labels: Vec<(String, f64)> = breakers
            .0
            .iter()
            .map(|b| {
                let up = b.state() == crate::breaker::BreakerState::Closed;
                (format!("name=\"{}\"", b.name()), if up { 1.0 } else { 0.0 })
            })
            .collect();
        let refs: Vec<(&str, f64)> = labels.iter().map(|(l, v)| (l.as_str(), *v)).collect();
        gauge(
            &mut out,
            "kirana_dependency_up",
            "1 while calls to the service go through (circuit closed), 0 while it fails.",
            &refs,
        );
    }
    let (write, read) = db.pool_stats();
    gauge(
        &mut out,
        "kirana_db_pool_connections",
        "Open database connections by pool.",
        &[
            ("pool=\"write\"", f64::from(write.connections)),
            ("pool=\"read\"", f64::from(read.connections)),
        ],
    );
    gauge(
        &mut out,
        "kirana_db_pool_idle_connections",
        "Idle database connections by pool.",
        &[
            ("pool=\"write\"", f64::from(write.idle)),
            ("pool=\"read\"", f64::from(read.idle)),
        ],
    );
    gauge(
        &mut out,
        "kirana_db_pool_max_connections",
        "Largest size of each pool.",
        &[
            ("pool=\"write\"", f64::from(write.max)),
            ("pool=\"read\"", f64::from(read.max)),
        ],
    );
    let (pending, parked) = db.read(crate::events::status_counts).await?;
    gauge(
        &mut out,
        "kirana_outbox_events",
        "Outbox events not yet delivered, by status.",
        &[
            ("status=\"pending\"", pending as f64),
            ("status=\"parked\"", parked as f64),
        ],
    );
    if let Some(rss) = resident_memory_bytes() {
        gauge(
            &mut out,
            "process_resident_memory_bytes",
            "Resident memory of this process.",
            &[("", rss as f64)],
        );
    }
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(out))
}

fn resident_memory_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

async fn openapi_json(doc: web::Data<OpenApiJson>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(doc.0.clone())
}

const DOCS_PAGE: &str = include_str!("docs.html");

async fn docs_page() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'",
        ))
        .body(DOCS_PAGE)
}
