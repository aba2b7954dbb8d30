//! Request ids (`X-Request-Id` accepted or generated, echoed, in every log line of the
//! request), the per-request tracing span, and the request metrics.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web;
use tracing::Instrument;

use super::Metrics;
use super::network::{NetworkPolicy, classify};

pub const REQUEST_ID_HEADER: &str = "x-request-id";

tokio::task_local! {
    static REQUEST_ID: String;
}

/// The id of the request being served on this task, for error bodies and logs.
pub fn current_request_id() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

fn accepted_id(value: Option<&HeaderValue>) -> Option<String> {
    let text = value?.to_str().ok()?;
    let ok = !text.is_empty()
        && text.len() <= 128
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'));
    ok.then(|| text.to_string())
}

/// Quiet routes that load balancers and scrapers call every few seconds.
fn is_probe(path: &str) -> bool {
    matches!(path, "/healthz" | "/readyz" | "/metrics")
}

pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let request_id = accepted_id(req.headers().get(REQUEST_ID_HEADER))
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    let metrics = req.app_data::<web::Data<Metrics>>().cloned();
    if let Some(policy) = req.app_data::<web::Data<NetworkPolicy>>() {
        classify(&req, policy);
    }
    let method = req.method().clone();
    let path = req.path().to_string();
    let span = tracing::info_span!(
        "request",
        request_id = %request_id,
        method = %method,
        path = %path,
        route = tracing::field::Empty,
        status = tracing::field::Empty,
        latency_ms = tracing::field::Empty,
        user_id = tracing::field::Empty,
    );

    let result = REQUEST_ID
        .scope(request_id.clone(), next.call(req).instrument(span.clone()))
        .await;
    let mut response = result?;

    let route = response
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_string());
    let status = response.status();
    let elapsed = started.elapsed();
    if let Some(metrics) = metrics {
        metrics.observe(method.as_str(), &route, status.as_u16(), elapsed);
    }
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response
            .headers_mut()
            .insert(HeaderName::from_static(REQUEST_ID_HEADER), value);
    }
    let latency_ms = elapsed.as_secs_f64() * 1000.0;
    span.record("route", route.as_str());
    span.record("status", status.as_u16());
    span.record("latency_ms", latency_ms);
    span.in_scope(|| {
        if status.is_server_error() {
            tracing::error!("request failed");
        } else if is_probe(&path) {
            tracing::debug!("request finished");
        } else {
            tracing::info!("request finished");
        }
    });
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_sane_request_ids_are_accepted() {
        let ok = HeaderValue::from_static("req-123_abc.def:9");
        assert_eq!(accepted_id(Some(&ok)).as_deref(), Some("req-123_abc.def:9"));
        let injected = HeaderValue::from_static("abc\" injected=\"1");
        assert_eq!(accepted_id(Some(&injected)), None);
        let long = HeaderValue::from_str(&"a".repeat(129)).unwrap();
        assert_eq!(accepted_id(Some(&long)), None);
    }
}
