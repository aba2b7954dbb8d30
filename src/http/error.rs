//! `AppError`: every failure a request can meet, mapped once to an RFC 9457 problem.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

/// One invalid input: the field (a JSON path such as `lines[2].quantity`, a query
/// parameter or a header) and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// The body of every error response (`application/problem+json`).
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// For validation failures: each invalid field.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// The request id, also in the `X-Request-Id` header and the log line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("the request has invalid fields")]
    Validation(Vec<FieldError>),
    #[error("{0}")]
    BadRequest(String),
    #[error("authentication required")]
    Unauthorized,
    /// A 401 with a reason: bad credentials, an expired or revoked token.
    #[error("{0}")]
    Unauthenticated(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    /// A 404 naming the fields that refer to something that does not exist (a body's
    /// `variant_id` that names no variant): well-formed, but nothing to act on.
    #[error("the request refers to something that does not exist")]
    Missing(Vec<FieldError>),
    #[error("method not allowed")]
    MethodNotAllowed { allow: Vec<&'static str> },
    #[error("{0}")]
    Conflict(String),
    /// A 409 naming the fields whose values the current state refuses (a quantity that
    /// would take stock below zero).
    #[error("{0}")]
    FieldConflict(String, Vec<FieldError>),
    #[error("request body is larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{0}")]
    Unprocessable(String),
    #[error("too many requests")]
    TooManyRequests { retry_after_secs: u64 },
    #[error("{0}")]
    Unavailable(String),
    /// A service we depend on (identity provider, payment gateway) failed or answered
    /// something we cannot use.
    #[error("{0}")]
    BadGateway(String),
    /// Anything unexpected. The message is logged, never sent.
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    pub fn internal(message: impl Into<String>) -> Self {
        AppError::Internal(message.into())
    }

    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::Validation(vec![FieldError::new(field, message)])
    }

    /// `field` holds a value another record already has (a slug, a name, a GSTIN): a 409
    /// naming the field, since the same request could succeed against another state.
    pub fn taken(field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::FieldConflict(
            "a record with this value already exists".into(),
            vec![FieldError::new(field, message)],
        )
    }

    /// `field` names something that does not exist: a 404 naming the field.
    pub fn missing(field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::Missing(vec![FieldError::new(field, message)])
    }

    fn slug(&self) -> &'static str {
        match self {
            AppError::Validation(_) => "validation",
            AppError::BadRequest(_) => "bad-request",
            AppError::Unauthorized | AppError::Unauthenticated(_) => "unauthorized",
            AppError::Forbidden(_) => "forbidden",
            AppError::NotFound(_) | AppError::Missing(_) => "not-found",
            AppError::MethodNotAllowed { .. } => "method-not-allowed",
            AppError::Conflict(_) | AppError::FieldConflict(..) => "conflict",
            AppError::PayloadTooLarge { .. } => "payload-too-large",
            AppError::UnsupportedMediaType(_) => "unsupported-media-type",
            AppError::Unprocessable(_) => "unprocessable",
            AppError::TooManyRequests { .. } => "rate-limited",
            AppError::Unavailable(_) => "unavailable",
            AppError::BadGateway(_) => "bad-gateway",
            AppError::Internal(_) => "internal",
        }
    }

    /// The problem document for this error, as a client sees it.
    pub fn problem(&self) -> Problem {
        let status = self.status_code();
        let detail = match self {
            AppError::Internal(_) => {
                "an unexpected error occurred; quote the request id when reporting it".into()
            }
            other => other.to_string(),
        };
        let errors = match self {
            AppError::Validation(errors)
            | AppError::Missing(errors)
            | AppError::FieldConflict(_, errors) => errors.clone(),
            _ => Vec::new(),
        };
        Problem {
            kind: format!("https://kirana.dev/problems/{}", self.slug()),
            title: status.canonical_reason().unwrap_or("Error").to_string(),
            status: status.as_u16(),
            detail,
            errors,
            request_id: crate::gateway::current_request_id(),
        }
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::Validation(_) | AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Unauthorized | AppError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound(_) | AppError::Missing(_) => StatusCode::NOT_FOUND,
            AppError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            AppError::Conflict(_) | AppError::FieldConflict(..) => StatusCode::CONFLICT,
            AppError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::BadGateway(_) => StatusCode::BAD_GATEWAY,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let AppError::Internal(message) = self {
            tracing::error!(error = %message, "internal error");
        }
        let problem = self.problem();
        let mut response = HttpResponse::build(self.status_code());
        response.insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        ));
        match self {
            AppError::MethodNotAllowed { allow } => {
                response.insert_header((header::ALLOW, allow.join(", ")));
            }
            AppError::TooManyRequests { retry_after_secs } => {
                response.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
            }
            AppError::Unavailable(_) => {
                response.insert_header((header::RETRY_AFTER, "1"));
            }
            AppError::Unauthorized => {
                response.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"kirana\""));
            }
            AppError::Unauthenticated(_) => {
                response.insert_header((
                    header::WWW_AUTHENTICATE,
                    "Bearer realm=\"kirana\", error=\"invalid_token\"",
                ));
            }
            _ => {}
        }
        let body = serde_json::to_vec(&problem).unwrap_or_else(|_| b"{}".to_vec());
        response.body(body)
    }
}

/// The detail of a write refused by a foreign key: a service that relies on the key to
/// find what does not exist matches on it to name its field.
pub const MISSING_REFERENCE: &str = "the request refers to something that does not exist";

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match e {
            Error::NotFound => AppError::NotFound("not found".into()),
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                AppError::Conflict("a record with the same unique value already exists".into())
            }
            // A service checks what it refers to and names the field; this is the net
            // under a reference that vanished in between: still the client's request.
            Error::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => {
                AppError::BadRequest(MISSING_REFERENCE.into())
            }
            Error::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => {
                AppError::Unavailable("a concurrent change conflicted; try again".into())
            }
            Error::DatabaseError(_, info) if is_lock_timeout(info.message()) => {
                AppError::Unavailable("the database is busy; try again shortly".into())
            }
            other => AppError::Internal(format!("database: {other}")),
        }
    }
}

fn is_lock_timeout(message: &str) -> bool {
    message.contains("database is locked")
        || message.contains("Lock wait timeout")
        || message.contains("Deadlock found")
}

impl From<serde_json::Error> for AppError {
    fn from(e: serde_json::Error) -> Self {
        AppError::Internal(format!("json: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_errors_never_leak_their_message() {
        let e = AppError::internal("password=hunter2 in SQL");
        let p = e.problem();
        assert_eq!(p.status, 500);
        assert!(!p.detail.contains("hunter2"));
    }

    #[test]
    fn validation_problems_list_fields() {
        let e = AppError::invalid("lines[0].quantity", "must be positive");
        let p = e.problem();
        assert_eq!(p.status, 400);
        assert_eq!(p.errors[0].field, "lines[0].quantity");
    }

    #[test]
    fn lock_timeouts_are_unavailable_not_internal() {
        let e: AppError = diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::Unknown,
            Box::new("database is locked".to_string()),
        )
        .into();
        assert_eq!(e.status_code(), StatusCode::SERVICE_UNAVAILABLE);
    }
}
