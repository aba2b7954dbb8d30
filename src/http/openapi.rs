//! The OpenAPI document (utoipa), assembled from the enabled domains.

use utoipa::OpenApi;

use super::{FieldError, Problem};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Kirana API",
        description = "Online store, point of sale and back office for small merchants."
    ),
    paths(super::ops::healthz, super::ops::readyz, super::ops::metrics),
    components(schemas(Problem, FieldError)),
    tags((name = "operations", description = "Health, readiness and metrics"))
)]
pub struct ApiDoc;

/// The whole document, as served at `/api/openapi.json`.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").to_string();
    doc
}
