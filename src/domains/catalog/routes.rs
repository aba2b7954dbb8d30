//! HTTP handlers of the catalog: parse, take the caller, call the service.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::cache::Lookup;
use super::model::{CategoryView, ProductStatus, ProductView};
use super::service::{
    Catalog, CategoryInput, CategoryPatch, CollectionInput, CollectionProducts, CollectionView,
    ListRequest, LookupView, PriceListInput, PriceListMembers, PriceListPrices, PriceListView,
    ProductInput, ProductPage, ProductPatch, SaleInput, SaleView, SortOrder, VariantInput,
    VariantPatch,
};
use crate::gateway::rbac::{Authorized, Viewer, perm};
use crate::http::AppError;
use crate::http::extract::{Json, Query};
use crate::http::pagination::{DEFAULT_LIMIT, MAX_LIMIT};

type CatalogData = web::Data<Catalog>;

/// A JSON body already serialized (from the page cache or just computed).
fn json_bytes(body: web::Bytes, cache_control: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "application/json"))
        .insert_header((header::CACHE_CONTROL, cache_control))
        .body(body)
}

/// Serves an anonymous read from the page cache, or computes, stores and serves it.
/// Signed-in callers (who may see drafts) always get a fresh answer.
async fn storefront_read<T, F>(
    catalog: &Catalog,
    req: &actix_web::HttpRequest,
    anonymous: bool,
    compute: F,
) -> Result<HttpResponse, AppError>
where
    T: serde::Serialize,
    F: std::future::Future<Output = Result<T, AppError>>,
{
    if !anonymous || !catalog.cache.enabled() {
        let body = serialize(&compute.await?)?;
        let cache_control = if anonymous {
            "public, max-age=30"
        } else {
            "private, no-store"
        };
        return Ok(json_bytes(body, cache_control));
    }
    let key = req.uri().to_string();
    let flight = catalog.cache.flight(&key);
    let _turn = match catalog.cache.lookup(&key) {
        Lookup::Fresh(body) => return Ok(json_bytes(body, "public, max-age=30")),
        // One request renews a stale page; the others serve it meanwhile.
        Lookup::Stale(body) => match flight.try_lock() {
            Ok(turn) => turn,
            Err(_) => return Ok(json_bytes(body, "public, max-age=30")),
        },
        Lookup::Miss => {
            let turn = flight.lock().await;
            if let Lookup::Fresh(body) = catalog.cache.lookup(&key) {
                return Ok(json_bytes(body, "public, max-age=30"));
            }
            turn
        }
    };
    let generation = catalog.cache.generation();
    let body = serialize(&compute.await?)?;
    catalog.cache.put(key, generation, body.clone());
    Ok(json_bytes(body, "public, max-age=30"))
}

fn serialize<T: serde::Serialize>(value: &T) -> Result<web::Bytes, AppError> {
    Ok(web::Bytes::from(
        serde_json::to_vec(value).map_err(|e| AppError::internal(format!("json: {e}")))?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Full-text search over name, description, SKUs and barcodes (every word must match).
    pub q: Option<String>,
    /// A category id or slug; its sub-categories are included.
    pub category: Option<String>,
    /// Lowest price in minor units (a product matches when any variant is in range).
    #[param(minimum = 0)]
    pub min_price: Option<i64>,
    #[param(minimum = 0)]
    pub max_price: Option<i64>,
    pub in_stock: Option<bool>,
    pub seller_id: Option<String>,
    /// `active` (default); sellers and staff may ask for `draft` or `archived`.
    pub status: Option<ProductStatus>,
    pub sort: Option<SortOrder>,
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<usize>,
    pub cursor: Option<String>,
    /// Also count products per category, price band and in stock.
    #[serde(default)]
    pub facets: bool,
}

/// List and search products.
#[utoipa::path(get, path = "/api/v1/catalog/products", tag = "catalog", params(ListQuery),
    responses((status = 200, body = ProductPage), (status = 400, body = crate::http::Problem), (status = 403, body = crate::http::Problem, description = "Drafts and archived products are listed only with catalog.write")))]
pub async fn list_products(
    req: actix_web::HttpRequest,
    catalog: CatalogData,
    Viewer(viewer): Viewer,
    Query(q): Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(AppError::invalid(
            "limit",
            format!("must be between 1 and {MAX_LIMIT}"),
        ));
    }
    for (field, value) in [("min_price", q.min_price), ("max_price", q.max_price)] {
        if value.is_some_and(|v| v < 0) {
            return Err(AppError::invalid(field, "must not be negative"));
        }
    }
    let request = ListRequest {
        q: q.q,
        category: q.category,
        min_price: q.min_price,
        max_price: q.max_price,
        in_stock: q.in_stock,
        seller_id: q.seller_id,
        status: q.status,
        sort: q.sort.unwrap_or_default(),
        limit,
        cursor: q.cursor,
        facets: q.facets,
    };
    storefront_read(
        &catalog,
        &req,
        viewer.is_none(),
        catalog.list(viewer.as_ref(), request),
    )
    .await
}

/// Create a product with its variants (sellers own what they create).
#[utoipa::path(post, path = "/api/v1/catalog/products", tag = "catalog", request_body = ProductInput,
    responses((status = 201, body = ProductView), (status = 400, body = crate::http::Problem), (status = 403, body = crate::http::Problem)))]
pub async fn create_product(
    catalog: CatalogData,
    who: Authorized<perm::CatalogWrite>,
    Json(body): Json<ProductInput>,
) -> Result<HttpResponse, AppError> {
    let product = catalog.create_product(&who.principal, body).await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/catalog/products/{}", product.id),
        ))
        .json(product))
}

/// A product by id or slug (drafts only for their seller and staff).
#[utoipa::path(get, path = "/api/v1/catalog/products/{id}", tag = "catalog",
    params(("id" = String, Path, description = "Id or slug")),
    responses((status = 200, body = ProductView), (status = 404, body = crate::http::Problem)))]
pub async fn get_product(
    req: actix_web::HttpRequest,
    catalog: CatalogData,
    Viewer(viewer): Viewer,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    storefront_read(
        &catalog,
        &req,
        viewer.is_none(),
        catalog.product_for(viewer.as_ref(), &id),
    )
    .await
}

/// Change a product (another seller's product is a 404).
#[utoipa::path(patch, path = "/api/v1/catalog/products/{id}", tag = "catalog", request_body = ProductPatch,
    params(("id" = String, Path)),
    responses((status = 200, body = ProductView), (status = 400, body = crate::http::Problem), (status = 404, body = crate::http::Problem)))]
pub async fn update_product(
    catalog: CatalogData,
    who: Authorized<perm::CatalogWrite>,
    id: web::Path<String>,
    Json(body): Json<ProductPatch>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(catalog.update_product(&who.principal, &id, body).await?))
}

/// Archive a product (it stays for past orders, hidden from the store).
#[utoipa::path(delete, path = "/api/v1/catalog/products/{id}", tag = "catalog",
    params(("id" = String, Path)),
    responses((status = 204, description = "Archived"), (status = 404, body = crate::http::Problem)))]
pub async fn archive_product(
    catalog: CatalogData,
    who: Authorized<perm::CatalogWrite>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    catalog.archive_product(&who.principal, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Add a variant to a product.
#[utoipa::path(post, path = "/api/v1/catalog/products/{id}/variants", tag = "catalog", request_body = VariantInput,
    params(("id" = String, Path)),
    responses((status = 201, body = ProductView), (status = 400, body = crate::http::Problem), (status = 404, body = crate::http::Problem)))]
pub async fn add_variant(
    catalog: CatalogData,
    who: Authorized<perm::CatalogWrite>,
    id: web::Path<String>,
    Json(body): Json<VariantInput>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Created().json(catalog.add_variant(&who.principal, &id, body).await?))
}

/// Change a variant: SKU, barcode, price, weight, dimensions.
#[utoipa::path(patch, path = "/api/v1/catalog/variants/{id}", tag = "catalog", request_body = VariantPatch,
    params(("id" = String, Path)),
    responses((status = 200, body = ProductView), (status = 400, body = crate::http::Problem), (status = 404, body = crate::http::Problem)))]
pub async fn update_variant(
    catalog: CatalogData,
    who: Authorized<perm::CatalogWrite>,
    id: web::Path<String>,
    Json(body): Json<VariantPatch>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(
        catalog
            .update_variant(&who.principal, &id, body, false)
            .await?,
    ))
}

/// Archive a variant.
#[utoipa::path(delete, path = "/api/v1/catalog/variants/{id}", tag = "catalog",
    params(("id" = String, Path)),
    responses((status = 204, description = "Archived"), (status = 404, body = crate::http::Problem)))]
pub async fn archive_variant(
    catalog: CatalogData,
    who: Authorized<perm::CatalogWrite>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    catalog
        .update_variant(&who.principal, &id, VariantPatch::default(), true)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct LookupQuery {
    /// A barcode or SKU, exactly as scanned.
    #[param(min_length = 1)]
    pub code: String,
}

/// The POS scanner: the active variant with this barcode or SKU.
#[utoipa::path(get, path = "/api/v1/catalog/lookup", tag = "catalog", params(LookupQuery),
    responses((status = 200, body = LookupView), (status = 404, body = crate::http::Problem)))]
pub async fn lookup(
    catalog: CatalogData,
    _who: Authorized<perm::PosOperate>,
    Query(q): Query<LookupQuery>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(catalog.lookup(&q.code).await?))
}

/// The category tree.
#[utoipa::path(get, path = "/api/v1/catalog/categories", tag = "catalog",
    responses((status = 200, body = Vec<CategoryView>)))]
pub async fn categories(
    req: actix_web::HttpRequest,
    catalog: CatalogData,
) -> Result<HttpResponse, AppError> {
    storefront_read(&catalog, &req, true, catalog.categories()).await
}

/// Create a category.
#[utoipa::path(post, path = "/api/v1/catalog/categories", tag = "catalog", request_body = CategoryInput,
    responses((status = 201, body = CategoryView), (status = 400, body = crate::http::Problem)))]
pub async fn create_category(
    catalog: CatalogData,
    _who: Authorized<perm::CatalogManageAll>,
    Json(body): Json<CategoryInput>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Created().json(catalog.create_category(body).await?))
}

/// Rename, reorder or move a category (never under itself).
#[utoipa::path(patch, path = "/api/v1/catalog/categories/{id}", tag = "catalog", request_body = CategoryPatch,
    params(("id" = String, Path)),
    responses((status = 200, body = CategoryView), (status = 400, body = crate::http::Problem), (status = 404, body = crate::http::Problem)))]
pub async fn update_category(
    catalog: CatalogData,
    _who: Authorized<perm::CatalogManageAll>,
    id: web::Path<String>,
    Json(body): Json<CategoryPatch>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(catalog.update_category(&id, body).await?))
}

/// Delete a category without sub-categories (its products stay, unlinked).
#[utoipa::path(delete, path = "/api/v1/catalog/categories/{id}", tag = "catalog",
    params(("id" = String, Path)),
    responses((status = 204, description = "Deleted"), (status = 409, body = crate::http::Problem)))]
pub async fn delete_category(
    catalog: CatalogData,
    _who: Authorized<perm::CatalogManageAll>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    catalog.delete_category(&id).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PricesQuery {
    /// Comma-separated variant ids (at most 100).
    #[param(min_length = 1)]
    pub variant_ids: String,
    /// Whose price lists apply; staff may ask for any customer, others get their own.
    pub customer_id: Option<String>,
    /// When (RFC 3339); now by default.
    pub at: Option<chrono::DateTime<chrono::Utc>>,
}

/// What variants sell at for a customer: list, sale or price-list price, the lowest.
#[utoipa::path(get, path = "/api/v1/catalog/prices", tag = "catalog", params(PricesQuery),
    responses((status = 200, body = Vec<PriceView>), (status = 400, body = crate::http::Problem)))]
pub async fn prices(
    catalog: CatalogData,
    who: crate::gateway::rbac::Authenticated,
    Query(q): Query<PricesQuery>,
) -> Result<HttpResponse, AppError> {
    let ids: Vec<String> = q
        .variant_ids
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    if ids.is_empty() || ids.len() > 100 {
        return Err(AppError::invalid(
            "variant_ids",
            "must list 1 to 100 variant ids",
        ));
    }
    let me = who.0.user_id().to_string();
    let customer = match q.customer_id {
        // Another customer's prices are for the counter.
        Some(c) if c != me => {
            who.0
                .require(crate::contracts::auth::Permission::PosOperate)?;
            c
        }
        Some(c) => c,
        None => me,
    };
    let prices = catalog
        .prices(
            ids,
            &crate::contracts::catalog::PriceContext {
                customer_id: Some(customer),
                at: q.at,
            },
        )
        .await?;
    let views: Vec<PriceView> = prices
        .into_iter()
        .map(|p| PriceView {
            variant_id: p.variant_id,
            unit_price_minor: p.unit_price_minor,
            list_price_minor: p.list_price_minor,
            source: p.source,
            prices_include_tax: p.prices_include_tax,
        })
        .collect();
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .json(views))
}

/// A resolved price.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct PriceView {
    pub variant_id: String,
    pub unit_price_minor: i64,
    pub list_price_minor: i64,
    /// `list`, `sale` or `price_list:{name}`.
    pub source: String,
    pub prices_include_tax: bool,
}

/// Price lists (e.g. wholesale) with their prices and members.
#[utoipa::path(get, path = "/api/v1/catalog/price-lists", tag = "catalog",
    responses((status = 200, body = Vec<PriceListView>)))]
pub async fn price_lists(
    catalog: CatalogData,
    _who: Authorized<perm::CatalogManageAll>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(catalog.price_lists().await?))
}

/// Create a price list.
#[utoipa::path(post, path = "/api/v1/catalog/price-lists", tag = "catalog", request_body = PriceListInput,
    responses((status = 201, body = PriceListView), (status = 400, body = crate::http::Problem)))]
pub async fn create_price_list(
    catalog: CatalogData,
    _who: Authorized<perm::CatalogManageAll>,
    Json(body): Json<PriceListInput>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Created().json(catalog.create_price_list(body).await?))
}

/// Set variants' prices in a list (`null` removes one).
#[utoipa::path(put, path = "/api/v1/catalog/price-lists/{id}/prices", tag = "catalog", request_body = PriceListPrices,
    params(("id" = String, Path)),
    responses((status = 200, body = PriceListView), (status = 400, body = crate::http::Problem), (status = 404, body = crate::http::Problem)))]
pub async fn set_list_prices(
    catalog: CatalogData,
    _who: Authorized<perm::CatalogManageAll>,
    id: web::Path<String>,
    Json(body): Json<PriceListPrices>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(catalog.set_list_prices(&id, body).await?))
}

/// Replace the customers a price list applies to.
#[utoipa::path(put, path = "/api/v1/catalog/price-lists/{id}/members", tag = "catalog", request_body = PriceListMembers,
    params(("id" = String, Path)),
    responses((status = 200, body = PriceListView), (status = 400, body = crate::http::Problem), (status = 404, body = crate::http::Problem)))]
pub async fn set_list_members(
    catalog: CatalogData,
    _who: Authorized<perm::CatalogManageAll>,
    id: web::Path<String>,
    Json(body): Json<PriceListMembers>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(catalog.set_list_members(&id, body).await?))
}

/// A variant's scheduled sale prices.
#[utoipa::path(get, path = "/api/v1/catalog/variants/{id}/sales", tag = "catalog",
    params(("id" = String, Path)),
    responses((status = 200, body = Vec<SaleView>), (status = 404, body = crate::http::Problem)))]
pub async fn sales(
    catalog: CatalogData,
    who: Authorized<perm::CatalogWrite>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(catalog.sales(&who.principal, &id).await?))
}

/// Schedule a sale price (below the variant's price) from `starts_at` to `ends_at`.
#[utoipa::path(post, path = "/api/v1/catalog/variants/{id}/sales", tag = "catalog", request_body = SaleInput,
    params(("id" = String, Path)),
    responses((status = 201, body = SaleView), (status = 400, body = crate::http::Problem), (status = 404, body = crate::http::Problem)))]
pub async fn add_sale(
    catalog: CatalogData,
    who: Authorized<perm::CatalogWrite>,
    id: web::Path<String>,
    Json(body): Json<SaleInput>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Created().json(catalog.add_sale(&who.principal, &id, body).await?))
}

/// Cancel a scheduled sale.
#[utoipa::path(delete, path = "/api/v1/catalog/sales/{id}", tag = "catalog",
    params(("id" = String, Path)),
    responses((status = 204, description = "Deleted"), (status = 404, body = crate::http::Problem)))]
pub async fn delete_sale(
    catalog: CatalogData,
    who: Authorized<perm::CatalogWrite>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    catalog.delete_sale(&who.principal, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    /// Check every row and report what would happen, writing nothing.
    #[serde(default)]
    pub dry_run: bool,
}

/// Import products and variants from CSV (one row per variant; see the export's columns).
/// Rows are matched by `product_slug` and `sku`: new ones are created, known ones updated.
/// Every bad cell is reported as `rows[N].column`; nothing is written unless all rows are
/// good, and then all of them are written in one transaction.
#[utoipa::path(post, path = "/api/v1/catalog/import", tag = "catalog", params(ImportQuery),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = super::csv_io::ImportSummary), (status = 400, body = crate::http::Problem), (status = 415, body = crate::http::Problem)))]
pub async fn import_csv(
    req: actix_web::HttpRequest,
    catalog: CatalogData,
    who: Authorized<perm::CatalogWrite>,
    Query(q): Query<ImportQuery>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !content_type.starts_with("text/csv") {
        return Err(AppError::UnsupportedMediaType(
            "send the file as text/csv".into(),
        ));
    }
    let summary = catalog
        .import_csv(&who.principal, body.to_vec(), q.dry_run)
        .await?;
    Ok(HttpResponse::Ok().json(summary))
}

/// Export products and variants as CSV (sellers get their own), streamed page by page.
#[utoipa::path(get, path = "/api/v1/catalog/export", tag = "catalog",
    responses((status = 200, description = "CSV, one row per variant", content_type = "text/csv")))]
pub async fn export_csv(
    catalog: CatalogData,
    who: Authorized<perm::CatalogWrite>,
) -> Result<HttpResponse, AppError> {
    let principal = who.principal;
    let first = super::csv_io::header_line();
    let stream = futures_util::stream::unfold(
        (Some(first), Some(None::<String>)),
        move |(pending, next)| {
            let catalog = catalog.clone();
            let principal = principal.clone();
            async move {
                if let Some(header) = pending {
                    return Some((Ok::<_, AppError>(web::Bytes::from(header)), (None, next)));
                }
                let after = next?;
                match catalog.export_page(&principal, after).await {
                    Ok((text, last)) => {
                        let following = last.map(Some);
                        Some((Ok(web::Bytes::from(text)), (None, following)))
                    }
                    Err(e) => Some((Err(e), (None, None))),
                }
            }
        },
    );
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"products.csv\"",
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .streaming(stream))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ImageQuery {
    /// Text for screen readers.
    pub alt: Option<String>,
}

/// Upload a product image: the body is the file, with its Content-Type (JPEG, PNG or
/// WebP, at most 5 MiB).
#[utoipa::path(post, path = "/api/v1/catalog/products/{id}/images", tag = "catalog",
    params(("id" = String, Path), ImageQuery),
    request_body(content = Vec<u8>, content_type = "image/png"),
    responses((status = 201, body = super::service::ImageView), (status = 400, body = crate::http::Problem),
        (status = 404, body = crate::http::Problem), (status = 415, body = crate::http::Problem)))]
pub async fn add_image(
    req: actix_web::HttpRequest,
    catalog: CatalogData,
    who: Authorized<perm::CatalogWrite>,
    id: web::Path<String>,
    Query(q): Query<ImageQuery>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let image = catalog
        .add_image(&who.principal, &id, &content_type, body, q.alt)
        .await?;
    Ok(HttpResponse::Created().json(image))
}

/// Remove a product image.
#[utoipa::path(delete, path = "/api/v1/catalog/images/{id}", tag = "catalog",
    params(("id" = String, Path)),
    responses((status = 204, description = "Removed"), (status = 404, body = crate::http::Problem)))]
pub async fn delete_image(
    catalog: CatalogData,
    who: Authorized<perm::CatalogWrite>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    catalog.delete_image(&who.principal, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImageMove {
    /// Where the image goes among the product's images, from 0 (the cover); past the end
    /// means last.
    #[schema(minimum = 0, maximum = 1000)]
    pub position: u16,
}

/// Move a product image: its new place among the product's images (0 is the cover that
/// listings show). Returns the product's images in their new order.
#[utoipa::path(patch, path = "/api/v1/catalog/images/{id}", tag = "catalog",
    params(("id" = String, Path)), request_body = ImageMove,
    responses((status = 200, body = Vec<super::service::ImageView>), (status = 400, body = crate::http::Problem),
        (status = 404, body = crate::http::Problem)))]
pub async fn move_image(
    catalog: CatalogData,
    who: Authorized<perm::CatalogWrite>,
    id: web::Path<String>,
    Json(body): Json<ImageMove>,
) -> Result<HttpResponse, AppError> {
    let images = catalog
        .move_image(&who.principal, &id, usize::from(body.position))
        .await?;
    Ok(HttpResponse::Ok().json(images))
}

/// A stored image. Names are content hashes, so browsers may keep them for a year.
pub async fn media(
    catalog: CatalogData,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (folder, file) = path.into_inner();
    let blob = catalog.media(&format!("{folder}/{file}")).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, blob.content_type))
        .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(blob.bytes))
}

/// Collections for merchandising.
#[utoipa::path(get, path = "/api/v1/catalog/collections", tag = "catalog",
    responses((status = 200, body = Vec<CollectionView>)))]
pub async fn collections(
    req: actix_web::HttpRequest,
    catalog: CatalogData,
) -> Result<HttpResponse, AppError> {
    storefront_read(&catalog, &req, true, catalog.collections()).await
}

/// A collection (by id or slug) with its active products in the merchant's order.
#[utoipa::path(get, path = "/api/v1/catalog/collections/{id}", tag = "catalog",
    params(("id" = String, Path, description = "Id or slug")),
    responses((status = 200, body = CollectionView), (status = 404, body = crate::http::Problem)))]
pub async fn collection(
    req: actix_web::HttpRequest,
    catalog: CatalogData,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    storefront_read(&catalog, &req, true, catalog.collection(&id)).await
}

/// Create a collection.
#[utoipa::path(post, path = "/api/v1/catalog/collections", tag = "catalog", request_body = CollectionInput,
    responses((status = 201, body = CollectionView), (status = 400, body = crate::http::Problem)))]
pub async fn create_collection(
    catalog: CatalogData,
    _who: Authorized<perm::CatalogManageAll>,
    Json(body): Json<CollectionInput>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Created().json(catalog.save_collection(None, body).await?))
}

/// Rename, describe or reorder a collection.
#[utoipa::path(patch, path = "/api/v1/catalog/collections/{id}", tag = "catalog", request_body = CollectionInput,
    params(("id" = String, Path)),
    responses((status = 200, body = CollectionView), (status = 400, body = crate::http::Problem), (status = 404, body = crate::http::Problem)))]
pub async fn update_collection(
    catalog: CatalogData,
    _who: Authorized<perm::CatalogManageAll>,
    id: web::Path<String>,
    Json(body): Json<CollectionInput>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(catalog.save_collection(Some(&id), body).await?))
}

/// Delete a collection (its products stay).
#[utoipa::path(delete, path = "/api/v1/catalog/collections/{id}", tag = "catalog",
    params(("id" = String, Path)),
    responses((status = 204, description = "Deleted"), (status = 404, body = crate::http::Problem)))]
pub async fn delete_collection(
    catalog: CatalogData,
    _who: Authorized<perm::CatalogManageAll>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    catalog.delete_collection(&id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Set a collection's products, in order.
#[utoipa::path(put, path = "/api/v1/catalog/collections/{id}/products", tag = "catalog", request_body = CollectionProducts,
    params(("id" = String, Path)),
    responses((status = 200, body = CollectionView), (status = 400, body = crate::http::Problem), (status = 404, body = crate::http::Problem)))]
pub async fn set_collection_products(
    catalog: CatalogData,
    _who: Authorized<perm::CatalogManageAll>,
    id: web::Path<String>,
    Json(body): Json<CollectionProducts>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(catalog.set_collection_products(&id, body).await?))
}
