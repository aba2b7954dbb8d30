//! HTTP conventions shared by every domain: errors as problem+json, extractors, pagination,
//! idempotency, the OpenAPI document, operational endpoints and the embedded web app.

mod assets;
pub mod csv;
mod error;
pub mod extract;
pub mod idempotency;
mod openapi;
mod ops;
pub mod pagination;
pub mod store;

use actix_web::{HttpResponse, Route, web};

pub use assets::serve_app;
pub use error::{AppError, FieldError, MISSING_REFERENCE, Problem};
pub use openapi::{ApiDoc, finished_document, openapi_document};
pub use ops::{OpenApiJson, configure as configure_ops, configure_api_docs};

/// The default service of a resource: a 405 problem with `Allow` listing what it serves.
pub fn method_not_allowed(allow: &'static [&'static str]) -> Route {
    web::to(move || async move {
        Err::<HttpResponse, _>(AppError::MethodNotAllowed {
            allow: allow.to_vec(),
        })
    })
}

/// The default service of `/api`: every unknown API path is a 404 problem, never the app.
pub async fn api_not_found() -> Result<HttpResponse, AppError> {
    Err(AppError::NotFound("no such API endpoint".into()))
}
