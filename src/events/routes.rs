//! The outbox as an operator sees it: events by status (parked ones above all) and a way to
//! put a parked event back in the queue once its cause is fixed.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use super::outbox::{self, OutboxEntry, OutboxStatus};
use crate::contracts::auth::Permission;
use crate::db::Db;
use crate::gateway::rbac::{Access, Authorized, RouteRule, perm};
use crate::http::extract::Query;
use crate::http::pagination::{Page, PageQuery};
use crate::http::{AppError, method_not_allowed};

pub const ROUTES: &[RouteRule] = &[
    RouteRule::new(
        "GET",
        "/api/v1/admin/outbox",
        Access::Permission(Permission::SettingsManage),
    ),
    RouteRule::new(
        "POST",
        "/api/v1/admin/outbox/{id}/retry",
        Access::Permission(Permission::SettingsManage),
    ),
];

#[derive(Debug, Deserialize, IntoParams)]
pub struct OutboxQuery {
    /// `pending`, `delivered` or `parked`; all when absent.
    #[param(pattern = "^(pending|delivered|parked)$")]
    pub status: Option<String>,
    /// 1 to 100, default 25.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<usize>,
    pub cursor: Option<String>,
}

/// One event of the outbox.
#[derive(Debug, Serialize, ToSchema)]
pub struct OutboxEventView {
    pub id: String,
    pub event_type: String,
    pub aggregate_id: Option<String>,
    pub payload: serde_json::Value,
    /// `pending`, `delivered` or `parked`.
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: chrono::DateTime<chrono::Utc>,
    pub last_error: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub delivered_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl From<OutboxEntry> for OutboxEventView {
    fn from(e: OutboxEntry) -> Self {
        Self {
            payload: serde_json::from_str(&e.payload)
                .unwrap_or(serde_json::Value::String(e.payload.clone())),
            id: e.id,
            event_type: e.event_type,
            aggregate_id: e.aggregate_id,
            status: e.status,
            attempts: e.attempts,
            next_attempt_at: e.next_attempt_at.and_utc(),
            last_error: e.last_error,
            created_at: e.created_at.and_utc(),
            delivered_at: e.delivered_at.map(|t| t.and_utc()),
        }
    }
}

/// Outbox events, oldest first.
#[utoipa::path(get, path = "/api/v1/admin/outbox", tag = "admin", params(OutboxQuery),
    responses((status = 200, body = Page<OutboxEventView>), (status = 400, body = crate::http::Problem), (status = 403, body = crate::http::Problem)))]
pub async fn list(
    db: web::Data<Db>,
    _who: Authorized<perm::SettingsManage>,
    Query(q): Query<OutboxQuery>,
) -> Result<HttpResponse, AppError> {
    let status = q
        .status
        .as_deref()
        .map(|s| {
            s.parse::<OutboxStatus>()
                .map_err(|e| AppError::invalid("status", e))
        })
        .transpose()?;
    let page = PageQuery {
        limit: q.limit,
        cursor: q.cursor,
    }
    .parse::<String>()?;
    let page = db
        .read(move |conn| outbox::list(conn, status, &page))
        .await?;
    Ok(HttpResponse::Ok().json(page.map(OutboxEventView::from)))
}

/// Put a parked event back in the queue with a fresh attempt count.
#[utoipa::path(post, path = "/api/v1/admin/outbox/{id}/retry", tag = "admin",
    params(("id" = String, Path, description = "Event id")),
    responses((status = 204, description = "Queued again"), (status = 404, body = crate::http::Problem)))]
pub async fn retry(
    db: web::Data<Db>,
    _who: Authorized<perm::SettingsManage>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    if db
        .write(move |conn| outbox::retry_parked(conn, &id))
        .await?
    {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(AppError::NotFound("no parked event with this id".into()))
    }
}

#[derive(OpenApi)]
#[openapi(paths(list, retry))]
struct OutboxApiDoc;

pub fn openapi() -> utoipa::openapi::OpenApi {
    OutboxApiDoc::openapi()
}

/// Routes under `/api`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/v1/admin/outbox")
            .route(web::get().to(list))
            .default_service(method_not_allowed(&["GET"])),
    )
    .service(
        web::resource("/v1/admin/outbox/{id}/retry")
            .route(web::post().to(retry))
            .default_service(method_not_allowed(&["POST"])),
    );
}
