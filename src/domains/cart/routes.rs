//! HTTP handlers of the cart domain: thin; parse, authorize, call the service.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, web};

use super::model::{CartCustomer, CartView, DiscountView, RegisterView, SessionView};
use super::pos::{CloseInput, OpenSessionInput, RegisterInput, SaleInput, SaleView, ScanInput};
use super::service::{
    CartOutcome, CartOwner, Carts, CheckoutInput, DiscountCodeBody, DiscountInput, LineInputBody,
    QuantityBody, hash_token,
};
use super::tickets::{CounterCatalog, TicketInput, TicketList, TicketView};
use crate::contracts::auth::Principal;
use crate::contracts::orders::PlacedOrder;
use crate::gateway::rbac::{Authorized, perm};
use crate::http::extract::{Json, Query};
use crate::http::idempotency::{Idempotency, IdempotencyKey};
use crate::http::pagination::{Page, PageQuery};
use crate::http::{AppError, FieldError};

type CartsData = web::Data<Carts>;

/// The guest cart cookie; API clients may send the token as `X-Cart-Token` instead.
pub const CART_COOKIE: &str = "kirana_cart";
pub const CART_HEADER: &str = "x-cart-token";

fn guest_token(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get(CART_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .or_else(|| req.cookie(CART_COOKIE).map(|c| c.value().to_string()))
        .filter(|t| !t.is_empty() && t.len() <= 100)
}

/// The cart as JSON, handing a new guest token to the browser (cookie) and to API
/// clients (header), or dropping the cookie once the guest cart was merged.
fn respond(outcome: CartOutcome, secure: bool) -> HttpResponse {
    let mut res = HttpResponse::Ok();
    if let Some(token) = &outcome.new_token {
        res.cookie(
            Cookie::build(CART_COOKIE, token.clone())
                .path("/api")
                .http_only(true)
                .secure(secure)
                .same_site(SameSite::Lax)
                .max_age(actix_web::cookie::time::Duration::days(30))
                .finish(),
        );
        res.insert_header((CART_HEADER, token.as_str()));
    } else if outcome.forget_token {
        let mut gone = Cookie::build(CART_COOKIE, "").path("/api").finish();
        gone.make_removal();
        res.cookie(gone);
    }
    res.json(outcome.cart)
}

/// Whose cart a request is about: the signed-in caller's, or the guest token's.
pub struct CartCaller {
    principal: Option<Principal>,
    token: Option<String>,
    secure: bool,
}

impl CartCaller {
    fn owner(&self) -> CartOwner<'_> {
        CartOwner {
            principal: self.principal.as_ref(),
            guest_token: self.token.as_deref(),
        }
    }
}

impl FromRequest for CartCaller {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        // A statement of its own: reading the cookie below borrows the extensions mutably.
        let principal = req.extensions().get::<Principal>().cloned();
        std::future::ready(Ok(CartCaller {
            principal,
            token: guest_token(req),
            secure: req.connection_info().scheme() == "https",
        }))
    }
}

/// Where the buyer says the cart would go, so checkout can show what it would cost there
/// before the order is placed. Nothing is stored.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CartQuery {
    /// The shipping address's two-digit GST state code (29 = Karnataka): taxes are
    /// computed for this place of supply. Empty is the same as left out.
    #[param(value_type = Option<String>, pattern = r"^(\s*[0-9]{2}\s*)?$")]
    pub state_code: Option<String>,
    /// The shipping address's six-digit PIN code: shipping options and charges for it.
    /// Empty is the same as left out.
    #[param(value_type = Option<String>, pattern = r"^(\s*[1-9][0-9]{5}\s*)?$")]
    pub pincode: Option<String>,
    /// One of `shipping_options[].method`; the cheapest when left out.
    // utoipa takes a literal here: `service::SHIPPING_METHOD_MAX`.
    #[param(max_length = 64)]
    pub shipping_method: Option<String>,
    /// `online` (default) or `cod` (adds the rate's cash-on-delivery surcharge).
    #[param(value_type = Option<String>, pattern = "^(online|cod)?$")]
    pub payment_method: Option<String>,
}

/// The caller's cart (a guest's by cookie or `X-Cart-Token`, a customer's when signed in;
/// a guest cart is merged into the customer's at the first call after login). With an
/// address's state and PIN code, it is priced as checkout would price it there.
#[utoipa::path(get, path = "/api/v1/cart", tag = "cart", params(CartQuery),
    responses((status = 200, body = CartView), (status = 400, body = crate::http::Problem)))]
pub async fn get_cart(
    carts: CartsData,
    caller: CartCaller,
    Query(q): Query<CartQuery>,
) -> Result<HttpResponse, AppError> {
    let owner = caller.owner();
    let preview = carts.preview_for(
        q.state_code.as_deref(),
        q.pincode.as_deref(),
        q.shipping_method,
        q.payment_method.as_deref(),
    )?;
    Ok(respond(
        carts.current(&owner, preview).await?,
        caller.secure,
    ))
}

/// Add units of a variant to the cart (a guest gets a cart token).
#[utoipa::path(post, path = "/api/v1/cart/lines", tag = "cart", request_body = LineInputBody,
    responses((status = 200, body = CartView), (status = 400, body = crate::http::Problem)))]
pub async fn add_line(
    carts: CartsData,
    caller: CartCaller,
    Json(body): Json<LineInputBody>,
) -> Result<HttpResponse, AppError> {
    let owner = caller.owner();
    let outcome = carts
        .change_line(&owner, &body.variant_id, body.quantity, false)
        .await?;
    Ok(respond(outcome, caller.secure))
}

/// Set a line's quantity (0 removes it).
#[utoipa::path(patch, path = "/api/v1/cart/lines/{variant_id}", tag = "cart", request_body = QuantityBody,
    params(("variant_id" = String, Path)),
    responses((status = 200, body = CartView), (status = 400, body = crate::http::Problem)))]
pub async fn set_line(
    carts: CartsData,
    caller: CartCaller,
    variant_id: web::Path<String>,
    Json(body): Json<QuantityBody>,
) -> Result<HttpResponse, AppError> {
    let owner = caller.owner();
    let outcome = carts
        .change_line(&owner, &variant_id, body.quantity, true)
        .await?;
    Ok(respond(outcome, caller.secure))
}

/// Remove a line.
#[utoipa::path(delete, path = "/api/v1/cart/lines/{variant_id}", tag = "cart",
    params(("variant_id" = String, Path)), responses((status = 200, body = CartView)))]
pub async fn remove_line(
    carts: CartsData,
    caller: CartCaller,
    variant_id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let owner = caller.owner();
    let outcome = carts.change_line(&owner, &variant_id, 0, true).await?;
    Ok(respond(outcome, caller.secure))
}

/// Apply a discount code (checked again, and its use taken, at checkout).
#[utoipa::path(put, path = "/api/v1/cart/discount", tag = "cart", request_body = DiscountCodeBody,
    responses((status = 200, body = CartView), (status = 400, body = crate::http::Problem)))]
pub async fn set_discount(
    carts: CartsData,
    caller: CartCaller,
    Json(body): Json<DiscountCodeBody>,
) -> Result<HttpResponse, AppError> {
    let owner = caller.owner();
    Ok(respond(
        carts.set_discount(&owner, Some(body.code)).await?,
        caller.secure,
    ))
}

/// Remove the discount code.
#[utoipa::path(delete, path = "/api/v1/cart/discount", tag = "cart",
    responses((status = 200, body = CartView)))]
pub async fn remove_discount(
    carts: CartsData,
    caller: CartCaller,
) -> Result<HttpResponse, AppError> {
    let owner = caller.owner();
    Ok(respond(
        carts.set_discount(&owner, None).await?,
        caller.secure,
    ))
}

/// Check out (`Idempotency-Key` honoured): re-price, reserve the stock, take the discount
/// use and write the order in one transaction. 409 names what stops it (stock, code).
#[utoipa::path(post, path = "/api/v1/cart/checkout", tag = "cart", request_body = CheckoutInput,
    params(("Idempotency-Key" = Option<String>, Header)),
    responses((status = 201, body = PlacedOrder), (status = 200, description = "the cart was already an order", body = PlacedOrder),
        (status = 400, body = crate::http::Problem), (status = 409, body = crate::http::Problem)))]
pub async fn checkout(
    carts: CartsData,
    idempotency: web::Data<Idempotency>,
    caller: CartCaller,
    key: IdempotencyKey,
    Json(body): Json<CheckoutInput>,
) -> Result<HttpResponse, AppError> {
    let scope = match (&caller.principal, &caller.token) {
        (Some(p), _) => p.user_id().to_string(),
        (None, Some(t)) => format!("cart:{}", hash_token(t)),
        (None, None) => {
            return Err(AppError::FieldConflict(
                "the cart is empty".into(),
                vec![FieldError::new("cart", "is empty")],
            ));
        }
    };
    let mut fingerprint = b"cart/checkout\n".to_vec();
    fingerprint.extend(serde_json::to_vec(&body)?);
    idempotency
        .run(
            &scope,
            key,
            false,
            &fingerprint,
            StatusCode::CREATED,
            || async {
                let (placed, new) = carts.checkout(&caller.owner(), body).await?;
                Ok(if new {
                    HttpResponse::Created().json(placed)
                } else {
                    HttpResponse::Ok().json(placed)
                })
            },
        )
        .await
}

/// Create a discount code.
#[utoipa::path(post, path = "/api/v1/discounts", tag = "cart", request_body = DiscountInput,
    responses((status = 201, body = DiscountView), (status = 400, body = crate::http::Problem), (status = 409, body = crate::http::Problem)))]
pub async fn create_discount(
    carts: CartsData,
    _who: Authorized<perm::OrdersManage>,
    Json(body): Json<DiscountInput>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Created().json(carts.create_discount(body).await?))
}

/// Discount codes, by code.
#[utoipa::path(get, path = "/api/v1/discounts", tag = "cart", params(PageQuery),
    responses((status = 200, body = Page<DiscountView>)))]
pub async fn list_discounts(
    carts: CartsData,
    _who: Authorized<perm::OrdersManage>,
    Query(page): Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(carts.discounts(page).await?))
}

/// One discount code with its use count.
#[utoipa::path(get, path = "/api/v1/discounts/{code}", tag = "cart", params(("code" = String, Path)),
    responses((status = 200, body = DiscountView), (status = 404, body = crate::http::Problem)))]
pub async fn get_discount(
    carts: CartsData,
    _who: Authorized<perm::OrdersManage>,
    code: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(carts.discount(&code).await?))
}

/// Change a code's terms: its kind and value, minimum order, dates, limits, or switch it
/// off. The code and its use count stay.
#[utoipa::path(put, path = "/api/v1/discounts/{code}", tag = "cart", params(("code" = String, Path)),
    request_body = super::service::DiscountTerms,
    responses((status = 200, body = DiscountView), (status = 400, body = crate::http::Problem), (status = 404, body = crate::http::Problem)))]
pub async fn update_discount(
    carts: CartsData,
    _who: Authorized<perm::OrdersManage>,
    code: web::Path<String>,
    Json(body): Json<super::service::DiscountTerms>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(carts.update_discount(&code, body).await?))
}

/// Registers (tills).
#[utoipa::path(get, path = "/api/v1/pos/registers", tag = "pos",
    responses((status = 200, body = Vec<RegisterView>)))]
pub async fn list_registers(
    carts: CartsData,
    _who: Authorized<perm::PosOperate>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(carts.registers().await?))
}

/// Create a register at a location.
#[utoipa::path(post, path = "/api/v1/pos/registers", tag = "pos", request_body = RegisterInput,
    responses((status = 201, body = RegisterView), (status = 400, body = crate::http::Problem)))]
pub async fn create_register(
    carts: CartsData,
    _who: Authorized<perm::OrdersManage>,
    Json(body): Json<RegisterInput>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Created().json(carts.create_register(body).await?))
}

/// Open a session on a register with the counted opening float.
#[utoipa::path(post, path = "/api/v1/pos/registers/{id}/sessions", tag = "pos", request_body = OpenSessionInput,
    params(("id" = String, Path)),
    responses((status = 201, body = SessionView), (status = 409, body = crate::http::Problem)))]
pub async fn open_session(
    carts: CartsData,
    who: Authorized<perm::PosOperate>,
    id: web::Path<String>,
    Json(body): Json<OpenSessionInput>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Created().json(carts.open_session(&who.principal, &id, body).await?))
}

/// A session with its running sales report (the Z-report once closed).
#[utoipa::path(get, path = "/api/v1/pos/sessions/{id}", tag = "pos", params(("id" = String, Path)),
    responses((status = 200, body = SessionView), (status = 404, body = crate::http::Problem)))]
pub async fn get_session(
    carts: CartsData,
    _who: Authorized<perm::PosOperate>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(carts.session(&id).await?))
}

/// The session's current sale.
#[utoipa::path(get, path = "/api/v1/pos/sessions/{id}/cart", tag = "pos", params(("id" = String, Path)),
    responses((status = 200, body = CartView), (status = 409, body = crate::http::Problem, description = "The session is closed")))]
pub async fn pos_cart(
    carts: CartsData,
    _who: Authorized<perm::PosOperate>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(carts.pos_cart(&id).await?))
}

/// Scan a barcode or SKU into the current sale.
#[utoipa::path(post, path = "/api/v1/pos/sessions/{id}/scan", tag = "pos", request_body = ScanInput,
    params(("id" = String, Path)),
    responses((status = 200, body = CartView), (status = 400, body = crate::http::Problem)))]
pub async fn scan(
    carts: CartsData,
    _who: Authorized<perm::PosOperate>,
    id: web::Path<String>,
    Json(body): Json<ScanInput>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(carts.scan(&id, body).await?))
}

/// Set a line's quantity in the current sale (0 removes it).
#[utoipa::path(patch, path = "/api/v1/pos/sessions/{id}/lines/{variant_id}", tag = "pos", request_body = QuantityBody,
    params(("id" = String, Path), ("variant_id" = String, Path)),
    responses((status = 200, body = CartView)))]
pub async fn pos_line(
    carts: CartsData,
    _who: Authorized<perm::PosOperate>,
    path: web::Path<(String, String)>,
    Json(body): Json<QuantityBody>,
) -> Result<HttpResponse, AppError> {
    let (id, variant) = path.into_inner();
    Ok(HttpResponse::Ok().json(carts.set_pos_line(&id, &variant, body.quantity).await?))
}

/// Name the customer of the current sale (walk-in when empty; GSTIN for B2B).
#[utoipa::path(put, path = "/api/v1/pos/sessions/{id}/customer", tag = "pos", request_body = CartCustomer,
    params(("id" = String, Path)),
    responses((status = 200, body = CartView), (status = 400, body = crate::http::Problem)))]
pub async fn pos_customer(
    carts: CartsData,
    _who: Authorized<perm::PosOperate>,
    id: web::Path<String>,
    Json(body): Json<CartCustomer>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(carts.set_pos_customer(&id, body).await?))
}

/// Complete the sale with split tenders (`Idempotency-Key` required): paid, invoiced and
/// the stock taken at once; the change due is returned.
#[utoipa::path(post, path = "/api/v1/pos/sessions/{id}/sales", tag = "pos", request_body = SaleInput,
    params(("id" = String, Path), ("Idempotency-Key" = String, Header)),
    responses((status = 201, body = SaleView), (status = 400, body = crate::http::Problem), (status = 409, body = crate::http::Problem)))]
pub async fn sell(
    carts: CartsData,
    idempotency: web::Data<Idempotency>,
    who: Authorized<perm::PosOperate>,
    key: IdempotencyKey,
    id: web::Path<String>,
    Json(body): Json<SaleInput>,
) -> Result<HttpResponse, AppError> {
    let p = who.principal;
    let route = format!("pos/sessions/{id}/sales");
    idempotency
        .once(&p, key, &route, &body.clone(), StatusCode::CREATED, || {
            carts.sell(&p, &id, body)
        })
        .await
}

/// Close the session with the cash counted by denomination: the Z-report.
#[utoipa::path(post, path = "/api/v1/pos/sessions/{id}/close", tag = "pos", request_body = CloseInput,
    params(("id" = String, Path)),
    responses((status = 200, body = SessionView), (status = 409, body = crate::http::Problem)))]
pub async fn close_session(
    carts: CartsData,
    who: Authorized<perm::PosOperate>,
    id: web::Path<String>,
    Json(body): Json<CloseInput>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(carts.close_session(&who.principal, &id, body).await?))
}

/// The printable 80 mm receipt of a counter sale.
#[utoipa::path(get, path = "/api/v1/pos/sales/{id}/receipt", tag = "pos", params(("id" = String, Path)),
    responses((status = 200, content_type = "text/html", body = String), (status = 404, body = crate::http::Problem)))]
pub async fn receipt(
    carts: CartsData,
    _who: Authorized<perm::PosOperate>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(carts.receipt(&id).await?))
}

/// What a counter device keeps to sell offline: active variants with barcodes, walk-in
/// prices (sales live now), GST rates, the favourites (the `counter` collection) and the
/// discount codes a device may apply by itself.
#[utoipa::path(get, path = "/api/v1/pos/catalog", tag = "pos",
    responses((status = 200, body = CounterCatalog)))]
pub async fn counter_catalog(
    carts: CartsData,
    _who: Authorized<perm::PosOperate>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(carts.counter_catalog().await?))
}

/// Record a sale rung up on a device, whole: at once online, or later, in order, from an
/// offline device's queue (`Idempotency-Key` required; a (device, ticket) pair is stored
/// once whatever the key). Dated `sold_at`, at the prices paid; its invoice is issued
/// now. Offline sales the server would have refused (stock the ledger lacks, a changed
/// price, a used-up code, short payment) are recorded and flagged.
#[utoipa::path(post, path = "/api/v1/pos/sessions/{id}/tickets", tag = "pos", request_body = TicketInput,
    params(("id" = String, Path), ("Idempotency-Key" = String, Header)),
    responses((status = 201, body = TicketView, description = "recorded now or before (the same answer)"),
        (status = 400, body = crate::http::Problem), (status = 404, body = crate::http::Problem), (status = 409, body = crate::http::Problem)))]
pub async fn record_ticket(
    carts: CartsData,
    idempotency: web::Data<Idempotency>,
    who: Authorized<perm::PosOperate>,
    key: IdempotencyKey,
    id: web::Path<String>,
    Json(body): Json<TicketInput>,
) -> Result<HttpResponse, AppError> {
    let p = who.principal;
    let route = format!("pos/sessions/{id}/tickets");
    idempotency
        .once(
            &p,
            key,
            &route,
            &body.clone(),
            StatusCode::CREATED,
            || async { Ok(carts.record_ticket(&p, &id, body).await?.0) },
        )
        .await
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TicketQuery {
    /// `true`: only sales flagged for staff (stock counts, price differences).
    pub flagged: Option<bool>,
    /// How many, newest first (1–200, default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
}

/// Counter sales sent by devices, newest first, with what staff should check.
#[utoipa::path(get, path = "/api/v1/pos/tickets", tag = "pos", params(TicketQuery),
    responses((status = 200, body = TicketList), (status = 400, body = crate::http::Problem)))]
pub async fn list_tickets(
    carts: CartsData,
    _who: Authorized<perm::PosOperate>,
    Query(q): Query<TicketQuery>,
) -> Result<HttpResponse, AppError> {
    let limit = q.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(AppError::invalid("limit", "must be between 1 and 200"));
    }
    Ok(HttpResponse::Ok().json(carts.tickets(q.flagged.unwrap_or(false), limit).await?))
}
