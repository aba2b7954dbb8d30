//! HTTP handlers of inventory: parse, take the caller, call the service. Writes that move
//! stock run under `Idempotency-Key`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::model::{
    LevelView, LocationView, MovementView, PoStatus, PurchaseOrderView, SupplierView,
    VariantStockView,
};
use super::service::{
    AdjustmentInput, AdjustmentView, CountInput, CountView, Inventory, LocationInput,
    LocationPatch, LowStockView, PurchaseOrderInput, PurchaseOrderPatch, ReceiptInput,
    ReorderSuggestion, ReservationInput, ReservationView, SupplierInput, ThresholdInput,
    ThresholdsInput, TransferInput, TransferView,
};
use crate::contracts::inventory::StockLine;
use crate::gateway::rbac::{Authorized, perm};
use crate::http::extract::{Json, Query};
use crate::http::idempotency::{Idempotency, IdempotencyKey};
use crate::http::pagination::{Page, PageQuery};
use crate::http::{AppError, FieldError};

type InventoryData = web::Data<Inventory>;

/// Create a location (warehouse or shop).
#[utoipa::path(post, path = "/api/v1/inventory/locations", tag = "inventory", request_body = LocationInput,
    responses((status = 201, body = LocationView), (status = 400, body = crate::http::Problem), (status = 403, body = crate::http::Problem)))]
pub async fn create_location(
    inventory: InventoryData,
    _who: Authorized<perm::CatalogManageAll>,
    Json(body): Json<LocationInput>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Created().json(inventory.create_location(body).await?))
}

/// Locations, by id.
#[utoipa::path(get, path = "/api/v1/inventory/locations", tag = "inventory", params(PageQuery),
    responses((status = 200, body = Page<LocationView>), (status = 403, body = crate::http::Problem)))]
pub async fn list_locations(
    inventory: InventoryData,
    _who: Authorized<perm::CatalogManageAll>,
    Query(page): Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(inventory.locations(page).await?))
}

/// Rename or (de)activate a location.
#[utoipa::path(patch, path = "/api/v1/inventory/locations/{id}", tag = "inventory", request_body = LocationPatch,
    params(("id" = String, Path)),
    responses((status = 200, body = LocationView), (status = 400, body = crate::http::Problem), (status = 404, body = crate::http::Problem)))]
pub async fn update_location(
    inventory: InventoryData,
    _who: Authorized<perm::CatalogManageAll>,
    id: web::Path<String>,
    Json(body): Json<LocationPatch>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(inventory.update_location(&id, body).await?))
}

/// Stock at a location, by variant id.
#[utoipa::path(get, path = "/api/v1/inventory/locations/{id}/stock", tag = "inventory",
    params(("id" = String, Path), PageQuery),
    responses((status = 200, body = Page<LevelView>), (status = 404, body = crate::http::Problem)))]
pub async fn location_stock(
    inventory: InventoryData,
    _who: Authorized<perm::CatalogManageAll>,
    id: web::Path<String>,
    Query(page): Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(inventory.location_stock(&id, page).await?))
}

/// A variant's stock at every location, its totals and average cost (sellers: their own).
#[utoipa::path(get, path = "/api/v1/inventory/variants/{id}/stock", tag = "inventory",
    params(("id" = String, Path)),
    responses((status = 200, body = VariantStockView), (status = 404, body = crate::http::Problem)))]
pub async fn variant_stock(
    inventory: InventoryData,
    who: Authorized<perm::InventoryAdjust>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(inventory.variant_stock(&who.principal, &id).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct MovementQuery {
    /// Required for sellers (one of their variants).
    pub variant_id: Option<String>,
    pub location_id: Option<String>,
    /// An order, purchase order, transfer or reservation reference.
    pub reference: Option<String>,
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<usize>,
    pub cursor: Option<String>,
}

/// The stock ledger, oldest first.
#[utoipa::path(get, path = "/api/v1/inventory/movements", tag = "inventory", params(MovementQuery),
    responses((status = 200, body = Page<MovementView>), (status = 400, body = crate::http::Problem)))]
pub async fn movements(
    inventory: InventoryData,
    who: Authorized<perm::InventoryAdjust>,
    Query(q): Query<MovementQuery>,
) -> Result<HttpResponse, AppError> {
    let page = PageQuery {
        limit: q.limit,
        cursor: q.cursor,
    };
    Ok(HttpResponse::Ok().json(
        inventory
            .movements(
                &who.principal,
                q.variant_id,
                q.location_id,
                q.reference,
                page,
            )
            .await?,
    ))
}

/// Correct stock or take back a return (`Idempotency-Key` required). Sellers: their own
/// variants only.
#[utoipa::path(post, path = "/api/v1/inventory/adjustments", tag = "inventory", request_body = AdjustmentInput,
    params(("Idempotency-Key" = String, Header)),
    responses((status = 201, body = AdjustmentView), (status = 400, body = crate::http::Problem),
        (status = 404, body = crate::http::Problem), (status = 409, body = crate::http::Problem)))]
pub async fn adjust(
    inventory: InventoryData,
    idempotency: web::Data<Idempotency>,
    who: Authorized<perm::InventoryAdjust>,
    key: IdempotencyKey,
    Json(body): Json<AdjustmentInput>,
) -> Result<HttpResponse, AppError> {
    let principal = who.principal;
    idempotency
        .once(
            &principal,
            key,
            "adjustments",
            &body.clone(),
            StatusCode::CREATED,
            || inventory.adjust(&principal, body),
        )
        .await
}

/// Ship stock from one location to another (`Idempotency-Key`): `transfer_out` movements
/// now; the stock is in transit until the transfer is received.
#[utoipa::path(post, path = "/api/v1/inventory/transfers", tag = "inventory", request_body = TransferInput,
    params(("Idempotency-Key" = String, Header)),
    responses((status = 201, body = TransferView), (status = 400, body = crate::http::Problem),
        (status = 404, body = crate::http::Problem), (status = 409, body = crate::http::Problem)))]
pub async fn transfer(
    inventory: InventoryData,
    idempotency: web::Data<Idempotency>,
    who: Authorized<perm::InventoryAdjust>,
    key: IdempotencyKey,
    Json(body): Json<TransferInput>,
) -> Result<HttpResponse, AppError> {
    let principal = who.principal;
    idempotency
        .once(
            &principal,
            key,
            "transfers",
            &body.clone(),
            StatusCode::CREATED,
            || inventory.ship_transfer(&principal, body),
        )
        .await
}

/// Receive an in-transit transfer at its destination (`Idempotency-Key`): `transfer_in`
/// movements. A transfer is received once; receiving it again is a 409.
#[utoipa::path(post, path = "/api/v1/inventory/transfers/{id}/receive", tag = "inventory",
    params(("id" = String, Path), ("Idempotency-Key" = String, Header)),
    responses((status = 200, body = TransferView), (status = 404, body = crate::http::Problem),
        (status = 409, body = crate::http::Problem)))]
pub async fn receive_transfer(
    inventory: InventoryData,
    idempotency: web::Data<Idempotency>,
    who: Authorized<perm::InventoryAdjust>,
    key: IdempotencyKey,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let principal = who.principal;
    let id = id.into_inner();
    idempotency
        .once(
            &principal,
            key,
            "transfer-receipts",
            &id,
            StatusCode::OK,
            || inventory.receive_transfer(&principal, &id),
        )
        .await
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct TransferQuery {
    #[param(pattern = "^(in_transit|received)$")]
    /// in_transit or received.
    pub status: Option<String>,
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<usize>,
    pub cursor: Option<String>,
}

/// Transfers, by id; a seller sees only transfers of their own variants.
#[utoipa::path(get, path = "/api/v1/inventory/transfers", tag = "inventory", params(TransferQuery),
    responses((status = 200, body = Page<TransferView>), (status = 400, body = crate::http::Problem)))]
pub async fn list_transfers(
    inventory: InventoryData,
    who: Authorized<perm::InventoryAdjust>,
    Query(q): Query<TransferQuery>,
) -> Result<HttpResponse, AppError> {
    let page = PageQuery {
        limit: q.limit,
        cursor: q.cursor,
    };
    Ok(HttpResponse::Ok().json(inventory.transfers(&who.principal, q.status, page).await?))
}

/// One transfer.
#[utoipa::path(get, path = "/api/v1/inventory/transfers/{id}", tag = "inventory",
    params(("id" = String, Path)),
    responses((status = 200, body = TransferView), (status = 404, body = crate::http::Problem)))]
pub async fn get_transfer(
    inventory: InventoryData,
    who: Authorized<perm::InventoryAdjust>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(inventory.transfer(&who.principal, &id).await?))
}

/// Record a cycle count at a location (`Idempotency-Key`): each difference from on hand
/// becomes an adjustment with reason `cycle count`.
#[utoipa::path(post, path = "/api/v1/inventory/counts", tag = "inventory", request_body = CountInput,
    params(("Idempotency-Key" = String, Header)),
    responses((status = 201, body = CountView), (status = 400, body = crate::http::Problem),
        (status = 404, body = crate::http::Problem), (status = 409, body = crate::http::Problem)))]
pub async fn count(
    inventory: InventoryData,
    idempotency: web::Data<Idempotency>,
    who: Authorized<perm::InventoryAdjust>,
    key: IdempotencyKey,
    Json(body): Json<CountInput>,
) -> Result<HttpResponse, AppError> {
    let principal = who.principal;
    idempotency
        .once(
            &principal,
            key,
            "counts",
            &body.clone(),
            StatusCode::CREATED,
            || inventory.count(&principal, body),
        )
        .await
}

/// Set or remove low-stock thresholds per variant and location.
#[utoipa::path(put, path = "/api/v1/inventory/thresholds", tag = "inventory", request_body = ThresholdsInput,
    responses((status = 200, body = Vec<ThresholdInput>), (status = 400, body = crate::http::Problem)))]
pub async fn set_thresholds(
    inventory: InventoryData,
    _who: Authorized<perm::CatalogManageAll>,
    Json(body): Json<ThresholdsInput>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(inventory.set_thresholds(body).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct LowStockQuery {
    pub location_id: Option<String>,
}

/// Levels whose available stock is at or below their threshold.
#[utoipa::path(get, path = "/api/v1/inventory/low-stock", tag = "inventory", params(LowStockQuery),
    responses((status = 200, body = Vec<LowStockView>)))]
pub async fn low_stock(
    inventory: InventoryData,
    _who: Authorized<perm::CatalogManageAll>,
    Query(q): Query<LowStockQuery>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(inventory.low_stock(q.location_id).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ReorderQuery {
    pub location_id: String,
    /// The sales window in days (1 to 365, default 30).
    #[param(minimum = 1, maximum = 365)]
    pub days: Option<i64>,
}

/// What to reorder at a location, from recent sales velocity, lead time and threshold.
#[utoipa::path(get, path = "/api/v1/inventory/reorder-suggestions", tag = "inventory", params(ReorderQuery),
    responses((status = 200, body = Vec<ReorderSuggestion>), (status = 400, body = crate::http::Problem)))]
pub async fn reorder_suggestions(
    inventory: InventoryData,
    _who: Authorized<perm::CatalogManageAll>,
    Query(q): Query<ReorderQuery>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(
        inventory
            .reorder_suggestions(q.location_id, q.days.unwrap_or(30))
            .await?,
    ))
}

/// Reserve every line at a location for a reference, or nothing (`Idempotency-Key`).
/// A shortage is a 409 naming the line.
#[utoipa::path(post, path = "/api/v1/inventory/reservations", tag = "inventory", request_body = ReservationInput,
    params(("Idempotency-Key" = String, Header)),
    responses((status = 201, body = ReservationView), (status = 400, body = crate::http::Problem),
        (status = 409, body = crate::http::Problem)))]
pub async fn reserve(
    inventory: InventoryData,
    idempotency: web::Data<Idempotency>,
    who: Authorized<perm::OrdersManage>,
    key: IdempotencyKey,
    Json(body): Json<ReservationInput>,
) -> Result<HttpResponse, AppError> {
    let principal = who.principal;
    idempotency
        .once(
            &principal,
            key,
            "reservations",
            &body.clone(),
            StatusCode::CREATED,
            || async {
                let lines: Vec<StockLine> = body
                    .lines
                    .iter()
                    .map(|l| StockLine {
                        variant_id: l.variant_id.clone(),
                        quantity: l.quantity,
                    })
                    .collect();
                match inventory
                    .reserve(
                        principal.user_id(),
                        &body.reference,
                        &body.location_id,
                        &lines,
                        body.ttl_secs,
                    )
                    .await?
                {
                    Ok(view) => Ok(view),
                    Err((index, short)) => Err(AppError::FieldConflict(
                        "not enough stock; nothing was reserved".into(),
                        vec![FieldError::new(
                            format!("lines[{index}].quantity"),
                            format!(
                                "{} requested but {} available",
                                short.requested, short.available
                            ),
                        )],
                    )),
                }
            },
        )
        .await
}

/// A reservation by reference.
#[utoipa::path(get, path = "/api/v1/inventory/reservations/{reference}", tag = "inventory",
    params(("reference" = String, Path)),
    responses((status = 200, body = ReservationView), (status = 404, body = crate::http::Problem)))]
pub async fn get_reservation(
    inventory: InventoryData,
    _who: Authorized<perm::OrdersManage>,
    reference: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    match inventory.reservation(&reference).await? {
        Some(view) => Ok(HttpResponse::Ok().json(view)),
        None => Err(AppError::NotFound("no such reservation".into())),
    }
}

/// Turn a reservation into sales. Repeating it changes nothing.
#[utoipa::path(post, path = "/api/v1/inventory/reservations/{reference}/commit", tag = "inventory",
    params(("reference" = String, Path)),
    responses((status = 200, body = ReservationView), (status = 404, body = crate::http::Problem), (status = 409, body = crate::http::Problem)))]
pub async fn commit(
    inventory: InventoryData,
    who: Authorized<perm::OrdersManage>,
    reference: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(
        inventory
            .close(who.principal.user_id(), &reference, true)
            .await?,
    ))
}

/// Return a reservation to available stock. Repeating it changes nothing.
#[utoipa::path(post, path = "/api/v1/inventory/reservations/{reference}/release", tag = "inventory",
    params(("reference" = String, Path)),
    responses((status = 200, body = ReservationView), (status = 404, body = crate::http::Problem), (status = 409, body = crate::http::Problem)))]
pub async fn release(
    inventory: InventoryData,
    who: Authorized<perm::OrdersManage>,
    reference: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(
        inventory
            .close(who.principal.user_id(), &reference, false)
            .await?,
    ))
}

/// Add a supplier (GSTIN checked: state code, PAN, check character).
#[utoipa::path(post, path = "/api/v1/inventory/suppliers", tag = "inventory", request_body = SupplierInput,
    responses((status = 201, body = SupplierView), (status = 400, body = crate::http::Problem)))]
pub async fn create_supplier(
    inventory: InventoryData,
    _who: Authorized<perm::CatalogManageAll>,
    Json(body): Json<SupplierInput>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Created().json(inventory.create_supplier(body).await?))
}

/// Suppliers, by id.
#[utoipa::path(get, path = "/api/v1/inventory/suppliers", tag = "inventory", params(PageQuery),
    responses((status = 200, body = Page<SupplierView>)))]
pub async fn list_suppliers(
    inventory: InventoryData,
    _who: Authorized<perm::CatalogManageAll>,
    Query(page): Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(inventory.suppliers(page).await?))
}

/// Create a draft purchase order.
#[utoipa::path(post, path = "/api/v1/inventory/purchase-orders", tag = "inventory", request_body = PurchaseOrderInput,
    responses((status = 201, body = PurchaseOrderView), (status = 400, body = crate::http::Problem)))]
pub async fn create_po(
    inventory: InventoryData,
    who: Authorized<perm::CatalogManageAll>,
    Json(body): Json<PurchaseOrderInput>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Created().json(inventory.create_po(&who.principal, body).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PoQuery {
    pub status: Option<PoStatus>,
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<usize>,
    pub cursor: Option<String>,
}

/// Purchase orders, by id.
#[utoipa::path(get, path = "/api/v1/inventory/purchase-orders", tag = "inventory", params(PoQuery),
    responses((status = 200, body = Page<PurchaseOrderView>)))]
pub async fn list_pos(
    inventory: InventoryData,
    _who: Authorized<perm::CatalogManageAll>,
    Query(q): Query<PoQuery>,
) -> Result<HttpResponse, AppError> {
    let page = PageQuery {
        limit: q.limit,
        cursor: q.cursor,
    };
    Ok(HttpResponse::Ok().json(inventory.pos(q.status, page).await?))
}

/// A purchase order with its lines.
#[utoipa::path(get, path = "/api/v1/inventory/purchase-orders/{id}", tag = "inventory",
    params(("id" = String, Path)),
    responses((status = 200, body = PurchaseOrderView), (status = 404, body = crate::http::Problem)))]
pub async fn get_po(
    inventory: InventoryData,
    _who: Authorized<perm::CatalogManageAll>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(inventory.po(&id).await?))
}

/// Place (`sent`) or cancel a purchase order.
#[utoipa::path(patch, path = "/api/v1/inventory/purchase-orders/{id}", tag = "inventory", request_body = PurchaseOrderPatch,
    params(("id" = String, Path)),
    responses((status = 200, body = PurchaseOrderView), (status = 400, body = crate::http::Problem), (status = 409, body = crate::http::Problem)))]
pub async fn update_po(
    inventory: InventoryData,
    _who: Authorized<perm::CatalogManageAll>,
    id: web::Path<String>,
    Json(body): Json<PurchaseOrderPatch>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(inventory.set_po_status(&id, body).await?))
}

/// Receive goods of a purchase order into a location (`Idempotency-Key`). More than
/// ordered is refused unless `allow_over_receipt` is true.
#[utoipa::path(post, path = "/api/v1/inventory/purchase-orders/{id}/receipts", tag = "inventory", request_body = ReceiptInput,
    params(("id" = String, Path), ("Idempotency-Key" = String, Header)),
    responses((status = 201, body = PurchaseOrderView), (status = 400, body = crate::http::Problem),
        (status = 404, body = crate::http::Problem), (status = 409, body = crate::http::Problem)))]
pub async fn receive(
    inventory: InventoryData,
    idempotency: web::Data<Idempotency>,
    who: Authorized<perm::CatalogManageAll>,
    key: IdempotencyKey,
    id: web::Path<String>,
    Json(body): Json<ReceiptInput>,
) -> Result<HttpResponse, AppError> {
    let principal = who.principal;
    let route = format!("purchase-orders/{id}/receipts");
    idempotency
        .once(
            &principal,
            key,
            &route,
            &body.clone(),
            StatusCode::CREATED,
            || inventory.receive(&principal, &id, body),
        )
        .await
}
