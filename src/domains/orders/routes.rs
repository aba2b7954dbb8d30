//! HTTP handlers of the orders domain: thin; parse, authorize, call the service.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

use super::invoice::InvoiceData;
use super::model::{OrderSummary, OrderView, ReturnView};
use super::service::{
    CancelInput, Canceller, DocumentListed, DocumentQuery, FulfilInput, OrderQuery, Orders,
    ReceiveReturnInput, ReturnInput, TransitionInput,
};
use crate::contracts::auth::Principal;
use crate::gateway::rbac::{Authenticated, Authorized, perm};
use crate::http::AppError;
use crate::http::extract::{Json, Query};
use crate::http::idempotency::{Idempotency, IdempotencyKey};
use crate::http::pagination::Page;

type OrdersData = web::Data<Orders>;

/// Orders the caller may see, newest first: customers their own, sellers those with their
/// lines, staff all (with filters).
#[utoipa::path(get, path = "/api/v1/orders", tag = "orders", params(OrderQuery),
    responses((status = 200, body = Page<OrderSummary>), (status = 400, body = crate::http::Problem), (status = 401, body = crate::http::Problem)))]
pub async fn list(
    orders: OrdersData,
    who: Authenticated,
    Query(q): Query<OrderQuery>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(orders.list(&who.0, q).await?))
}

/// One order with its lines, totals, invoices and timeline (a seller sees only their lines).
#[utoipa::path(get, path = "/api/v1/orders/{id}", tag = "orders", params(("id" = String, Path)),
    responses((status = 200, body = OrderView), (status = 404, body = crate::http::Problem)))]
pub async fn get(
    orders: OrdersData,
    who: Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(orders.get(&who.0, &id).await?))
}

/// Mark lines fulfilled (`Idempotency-Key` required): their reserved stock is sold.
#[utoipa::path(post, path = "/api/v1/orders/{id}/fulfilments", tag = "orders", request_body = FulfilInput,
    params(("id" = String, Path), ("Idempotency-Key" = String, Header)),
    responses((status = 200, body = OrderView), (status = 400, body = crate::http::Problem), (status = 409, body = crate::http::Problem)))]
pub async fn fulfil(
    orders: OrdersData,
    idempotency: web::Data<Idempotency>,
    who: Authorized<perm::OrdersManage>,
    key: IdempotencyKey,
    id: web::Path<String>,
    Json(body): Json<FulfilInput>,
) -> Result<HttpResponse, AppError> {
    let p = who.principal;
    let route = format!("orders/{id}/fulfilments");
    idempotency
        .once(&p, key, &route, &body.clone(), StatusCode::OK, || {
            orders.fulfil(&p, &id, body)
        })
        .await
}

/// Move an order to `shipped`, `delivered` or `completed` by hand.
#[utoipa::path(post, path = "/api/v1/orders/{id}/transitions", tag = "orders", request_body = TransitionInput,
    params(("id" = String, Path)),
    responses((status = 200, body = OrderView), (status = 400, body = crate::http::Problem), (status = 409, body = crate::http::Problem)))]
pub async fn advance(
    orders: OrdersData,
    who: Authorized<perm::OrdersManage>,
    id: web::Path<String>,
    Json(body): Json<TransitionInput>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(orders.advance(&who.principal, &id, body).await?))
}

/// Cancel an order: its stock is released; a paid order gets a credit note. Customers may
/// cancel their own unpaid orders.
#[utoipa::path(post, path = "/api/v1/orders/{id}/cancel", tag = "orders", request_body = CancelInput,
    params(("id" = String, Path)),
    responses((status = 200, body = OrderView), (status = 404, body = crate::http::Problem), (status = 409, body = crate::http::Problem)))]
pub async fn cancel(
    orders: OrdersData,
    who: Authenticated,
    id: web::Path<String>,
    Json(body): Json<CancelInput>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(
        orders
            .cancel(Canceller::User(&who.0), &id, body.reason)
            .await?,
    ))
}

/// Returns of an order.
#[utoipa::path(get, path = "/api/v1/orders/{id}/returns", tag = "orders", params(("id" = String, Path)),
    responses((status = 200, body = Vec<ReturnView>), (status = 404, body = crate::http::Problem)))]
pub async fn list_returns(
    orders: OrdersData,
    who: Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(orders.returns(&who.0, &id).await?))
}

/// Ask to return delivered lines (the customer of the order, or staff).
#[utoipa::path(post, path = "/api/v1/orders/{id}/returns", tag = "orders", request_body = ReturnInput,
    params(("id" = String, Path)),
    responses((status = 201, body = ReturnView), (status = 400, body = crate::http::Problem), (status = 409, body = crate::http::Problem)))]
pub async fn request_return(
    orders: OrdersData,
    who: Authenticated,
    id: web::Path<String>,
    Json(body): Json<ReturnInput>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Created().json(orders.request_return(&who.0, &id, body).await?))
}

/// Approve a requested return.
#[utoipa::path(post, path = "/api/v1/returns/{id}/approve", tag = "orders", params(("id" = String, Path)),
    responses((status = 200, body = ReturnView), (status = 409, body = crate::http::Problem)))]
pub async fn approve_return(
    orders: OrdersData,
    _who: Authorized<perm::OrdersManage>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(orders.decide_return(&id, true).await?))
}

/// Reject a requested return.
#[utoipa::path(post, path = "/api/v1/returns/{id}/reject", tag = "orders", params(("id" = String, Path)),
    responses((status = 200, body = ReturnView), (status = 409, body = crate::http::Problem)))]
pub async fn reject_return(
    orders: OrdersData,
    _who: Authorized<perm::OrdersManage>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(orders.decide_return(&id, false).await?))
}

/// Receive an approved return (`Idempotency-Key` required): restock or write off, credit
/// note, refund amount from the line snapshots.
#[utoipa::path(post, path = "/api/v1/returns/{id}/receive", tag = "orders", request_body = ReceiveReturnInput,
    params(("id" = String, Path), ("Idempotency-Key" = String, Header)),
    responses((status = 200, body = ReturnView), (status = 400, body = crate::http::Problem), (status = 409, body = crate::http::Problem)))]
pub async fn receive_return(
    orders: OrdersData,
    idempotency: web::Data<Idempotency>,
    who: Authorized<perm::OrdersManage>,
    key: IdempotencyKey,
    id: web::Path<String>,
    Json(body): Json<ReceiveReturnInput>,
) -> Result<HttpResponse, AppError> {
    let p = who.principal;
    let route = format!("returns/{id}/receive");
    idempotency
        .once(&p, key, &route, &body.clone(), StatusCode::OK, || {
            orders.receive_return(&p, &id, body)
        })
        .await
}

/// Every invoice and credit note, newest first, by kind, date and part of the number
/// (staff).
#[utoipa::path(get, path = "/api/v1/invoices", tag = "orders", params(DocumentQuery),
    responses((status = 200, body = Page<DocumentListed>), (status = 400, body = crate::http::Problem)))]
pub async fn documents(
    orders: OrdersData,
    _who: Authorized<perm::OrdersReadAll>,
    Query(q): Query<DocumentQuery>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(orders.documents(q).await?))
}

/// A tax invoice or credit note as JSON. Append `.html` for a printable page or `.pdf`
/// for the PDF; all three show the same numbers.
#[utoipa::path(get, path = "/api/v1/invoices/{id}", tag = "orders", params(("id" = String, Path)),
    responses((status = 200, body = InvoiceData), (status = 404, body = crate::http::Problem)))]
pub async fn invoice(
    orders: OrdersData,
    who: Authenticated,
    file: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let file = file.into_inner();
    if let Some(id) = file.strip_suffix(".pdf") {
        return invoice_pdf(&orders, &who.0, id).await;
    }
    if let Some(id) = file.strip_suffix(".html") {
        return invoice_html(&orders, &who.0, id).await;
    }
    let data = orders.invoice(&who.0, &file).await?;
    Ok(HttpResponse::Ok().json(super::render::with_words(&data)))
}

/// `GET /api/v1/invoices/{id}.pdf`.
#[utoipa::path(get, path = "/api/v1/invoices/{id}.pdf", tag = "orders", params(("id" = String, Path)),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>), (status = 404, body = crate::http::Problem)))]
pub async fn invoice_pdf(
    orders: &Orders,
    who: &Principal,
    id: &str,
) -> Result<HttpResponse, AppError> {
    let data = orders.invoice(who, id).await?;
    let name = data.number.replace('/', "-");
    let bytes = web::block(move || super::render::pdf(&data))
        .await
        .map_err(|e| AppError::internal(format!("PDF task failed: {e}")))??;
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((
            "content-disposition",
            format!("inline; filename=\"{name}.pdf\""),
        ))
        .body(bytes))
}

/// `GET /api/v1/invoices/{id}.html`.
#[utoipa::path(get, path = "/api/v1/invoices/{id}.html", tag = "orders", params(("id" = String, Path)),
    responses((status = 200, content_type = "text/html", body = String), (status = 404, body = crate::http::Problem)))]
pub async fn invoice_html(
    orders: &Orders,
    who: &Principal,
    id: &str,
) -> Result<HttpResponse, AppError> {
    let data = orders.invoice(who, id).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(super::render::html(&data)))
}
