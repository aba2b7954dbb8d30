//! HTTP handlers of the shipping domain: thin; parse, call the service.

use actix_web::{HttpRequest, HttpResponse, web};

use super::model::{PublicTracking, ShipmentView, ZoneInput, ZoneView};
use super::service::{EventInput, ShipmentInput, Shipping, TrackQuery};
use crate::contracts::shipping::{ShippingOption, ShippingQuery};
use crate::gateway::rbac::{Authorized, perm};
use crate::http::AppError;
use crate::http::extract::{Json, Query};

type ShippingData = web::Data<Shipping>;

/// Shipping zones with their rate rules.
#[utoipa::path(get, path = "/api/v1/shipping/zones", tag = "shipping",
    responses((status = 200, body = Vec<ZoneView>)))]
pub async fn zones(
    shipping: ShippingData,
    _who: Authorized<perm::ShippingManage>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(shipping.zones().await?))
}

/// Create a zone: an area (country, GST states, PIN prefixes or ranges) and its rate
/// rules (flat, weight slabs, order value slabs; free above; COD surcharge).
#[utoipa::path(post, path = "/api/v1/shipping/zones", tag = "shipping", request_body = ZoneInput,
    responses((status = 201, body = ZoneView), (status = 400, body = crate::http::Problem)))]
pub async fn create_zone(
    shipping: ShippingData,
    _who: Authorized<perm::ShippingManage>,
    Json(body): Json<ZoneInput>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Created().json(shipping.create_zone(body).await?))
}

/// Replace a zone.
#[utoipa::path(put, path = "/api/v1/shipping/zones/{id}", tag = "shipping", request_body = ZoneInput,
    params(("id" = String, Path)),
    responses((status = 200, body = ZoneView), (status = 400, body = crate::http::Problem), (status = 404, body = crate::http::Problem)))]
pub async fn replace_zone(
    shipping: ShippingData,
    _who: Authorized<perm::ShippingManage>,
    id: web::Path<String>,
    Json(body): Json<ZoneInput>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(shipping.replace_zone(&id, body).await?))
}

/// Delete a zone.
#[utoipa::path(delete, path = "/api/v1/shipping/zones/{id}", tag = "shipping", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = crate::http::Problem)))]
pub async fn delete_zone(
    shipping: ShippingData,
    _who: Authorized<perm::ShippingManage>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    shipping.delete_zone(&id).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
pub struct RatesQuery {
    /// Two-digit GST state code.
    /// (The places of supply of the GST table; `tests/api_schema.rs` holds the pattern to it.)
    #[param(pattern = r"^\s*(0[1-9]|1[0-9]|2[0-46-79]|3[0-8]|97)\s*$")]
    pub state_code: String,
    /// Six-digit PIN code.
    #[param(pattern = r"^\s*[1-9][0-9]{5}\s*$")]
    pub pincode: String,
    #[serde(default)]
    #[param(minimum = 0)]
    pub weight_grams: i64,
    #[serde(default)]
    #[param(minimum = 0)]
    pub value_minor: i64,
    #[serde(default)]
    pub cod: bool,
}

/// The shipping methods that reach a PIN code, priced ("do you deliver to me?").
#[utoipa::path(get, path = "/api/v1/shipping/rates", tag = "shipping", params(RatesQuery),
    responses((status = 200, body = Vec<ShippingOption>), (status = 400, body = crate::http::Problem)))]
pub async fn rates(
    shipping: ShippingData,
    Query(q): Query<RatesQuery>,
) -> Result<HttpResponse, AppError> {
    use crate::contracts::fields;
    let mut problems = Vec::new();
    let pincode = fields::pincode(&q.pincode, "pincode").map_err(|e| problems.push(e));
    let state_code = fields::state_code(&q.state_code, "state_code").map_err(|e| problems.push(e));
    for (field, value) in [
        ("weight_grams", q.weight_grams),
        ("value_minor", q.value_minor),
    ] {
        if value < 0 {
            problems.push(crate::http::FieldError::new(field, "must not be negative"));
        }
    }
    let (Ok(pincode), Ok(state_code), true) = (pincode, state_code, problems.is_empty()) else {
        return Err(AppError::Validation(problems));
    };
    let options = shipping
        .options(&ShippingQuery {
            state_code,
            pincode,
            weight_grams: q.weight_grams,
            value_minor: q.value_minor,
            cod: q.cod,
        })
        .await?;
    Ok(HttpResponse::Ok().json(options))
}

/// Ship lines of a paid (or cash-on-delivery) order: their reserved stock is sold, the
/// order becomes partially shipped or shipped.
#[utoipa::path(post, path = "/api/v1/shipments", tag = "shipping", request_body = ShipmentInput,
    responses((status = 201, body = ShipmentView), (status = 400, body = crate::http::Problem), (status = 409, body = crate::http::Problem)))]
pub async fn create(
    shipping: ShippingData,
    who: Authorized<perm::ShippingManage>,
    Json(body): Json<ShipmentInput>,
) -> Result<HttpResponse, AppError> {
    let view = shipping.create(who.principal.user_id(), body).await?;
    Ok(HttpResponse::Created().json(view))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
pub struct ShipmentsQuery {
    #[param(min_length = 1)]
    pub order_id: String,
}

/// The shipments of an order, with their timelines.
#[utoipa::path(get, path = "/api/v1/shipments", tag = "shipping", params(ShipmentsQuery),
    responses((status = 200, body = Vec<ShipmentView>)))]
pub async fn list(
    shipping: ShippingData,
    _who: Authorized<perm::ShippingManage>,
    Query(q): Query<ShipmentsQuery>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(shipping.of_order(&q.order_id).await?))
}

/// One shipment with its tracking timeline.
#[utoipa::path(get, path = "/api/v1/shipments/{id}", tag = "shipping", params(("id" = String, Path)),
    responses((status = 200, body = ShipmentView), (status = 404, body = crate::http::Problem)))]
pub async fn get(
    shipping: ShippingData,
    _who: Authorized<perm::ShippingManage>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(shipping.get(&id).await?))
}

/// Record a tracking step by hand (the manual carrier, or a correction).
#[utoipa::path(post, path = "/api/v1/shipments/{id}/events", tag = "shipping", request_body = EventInput,
    params(("id" = String, Path)),
    responses((status = 200, body = ShipmentView), (status = 400, body = crate::http::Problem), (status = 404, body = crate::http::Problem)))]
pub async fn record_event(
    shipping: ShippingData,
    _who: Authorized<perm::ShippingManage>,
    id: web::Path<String>,
    Json(body): Json<EventInput>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(shipping.record_event(&id, body).await?))
}

/// The packing slip, for printing.
#[utoipa::path(get, path = "/api/v1/shipments/{id}/packing-slip", tag = "shipping", params(("id" = String, Path)),
    responses((status = 200, content_type = "text/html", body = String), (status = 404, body = crate::http::Problem)))]
pub async fn packing_slip(
    shipping: ShippingData,
    _who: Authorized<perm::ShippingManage>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(shipping.packing_slip(&id).await?))
}

/// The 4×6 inch shipping label, with the tracking number as a Code 128 barcode.
#[utoipa::path(get, path = "/api/v1/shipments/{id}/label", tag = "shipping", params(("id" = String, Path)),
    responses((status = 200, content_type = "text/html", body = String), (status = 404, body = crate::http::Problem)))]
pub async fn label(
    shipping: ShippingData,
    _who: Authorized<perm::ShippingManage>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(shipping.label(&id).await?))
}

/// A courier aggregator's tracking events, signed with `X-Carrier-Signature` (hex
/// HMAC-SHA256 of the raw body); a replayed event id is a no-op.
#[utoipa::path(post, path = "/api/v1/shipping/carriers/{carrier}/webhook", tag = "shipping",
    params(("carrier" = String, Path), ("X-Carrier-Signature" = String, Header)),
    request_body(content = String, description = "`{\"events\": [{\"id\", \"tracking_number\", \"status\", \"occurred_at\", \"location\", \"description\"}]}`", content_type = "application/json"),
    responses((status = 200, description = "how many events were new"), (status = 400, body = crate::http::Problem), (status = 404, body = crate::http::Problem)))]
pub async fn webhook(
    shipping: ShippingData,
    req: HttpRequest,
    carrier: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let signature = req
        .headers()
        .get("x-carrier-signature")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let applied = shipping
        .webhook(&carrier, signature.as_deref(), &body)
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "applied": applied })))
}

/// Track an order's parcels with its number and delivery PIN code (or e-mail); no login.
/// Rate-limited like logins.
#[utoipa::path(get, path = "/api/v1/track", tag = "shipping", params(TrackQuery),
    responses((status = 200, body = PublicTracking), (status = 404, body = crate::http::Problem), (status = 429, body = crate::http::Problem)))]
pub async fn track(
    shipping: ShippingData,
    Query(q): Query<TrackQuery>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(shipping.track(q).await?))
}
