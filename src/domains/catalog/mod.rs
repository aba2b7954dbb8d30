//! The catalog domain: products with variants, categories, search and the pricing
//! function. It implements `CatalogApi` and keeps its "in stock" flags from inventory's
//! `StockChanged` events.

mod cache;
mod csv_io;
mod model;
mod routes;
mod seed;
mod service;
mod store;

use std::sync::Arc;

use actix_web::web;
use utoipa::OpenApi;

use crate::config::Settings;
use crate::contracts::auth::Permission;
use crate::contracts::blob::BlobStore;
use crate::contracts::catalog::{CatalogApi, PriceContext, ResolvedPrice, VariantInfo};
use crate::contracts::events::{EventEnvelope, StockChanged};
use crate::db::{Db, DbConnection};
use crate::events::Subscriber;
use crate::gateway::rbac::{Access, RouteRule};
use crate::http::{AppError, method_not_allowed};

pub use seed::SeedReport;
pub use service::search_words;

/// Every route of the domain and who may call it.
pub const ROUTES: &[RouteRule] = &[
    RouteRule::new("GET", "/api/v1/catalog/products", Access::Public),
    RouteRule::new(
        "POST",
        "/api/v1/catalog/products",
        Access::Permission(Permission::CatalogWrite),
    ),
    RouteRule::new("GET", "/api/v1/catalog/products/{id}", Access::Public),
    RouteRule::new(
        "PATCH",
        "/api/v1/catalog/products/{id}",
        Access::Permission(Permission::CatalogWrite),
    ),
    RouteRule::new(
        "DELETE",
        "/api/v1/catalog/products/{id}",
        Access::Permission(Permission::CatalogWrite),
    ),
    RouteRule::new(
        "POST",
        "/api/v1/catalog/products/{id}/variants",
        Access::Permission(Permission::CatalogWrite),
    ),
    RouteRule::new(
        "PATCH",
        "/api/v1/catalog/variants/{id}",
        Access::Permission(Permission::CatalogWrite),
    ),
    RouteRule::new(
        "DELETE",
        "/api/v1/catalog/variants/{id}",
        Access::Permission(Permission::CatalogWrite),
    ),
    RouteRule::new(
        "GET",
        "/api/v1/catalog/lookup",
        Access::Permission(Permission::PosOperate),
    ),
    RouteRule::new(
        "POST",
        "/api/v1/catalog/products/{id}/images",
        Access::Permission(Permission::CatalogWrite),
    ),
    RouteRule::new(
        "DELETE",
        "/api/v1/catalog/images/{id}",
        Access::Permission(Permission::CatalogWrite),
    ),
    RouteRule::new(
        "PATCH",
        "/api/v1/catalog/images/{id}",
        Access::Permission(Permission::CatalogWrite),
    ),
    RouteRule::new(
        "POST",
        "/api/v1/catalog/import",
        Access::Permission(Permission::CatalogWrite),
    ),
    RouteRule::new(
        "GET",
        "/api/v1/catalog/export",
        Access::Permission(Permission::CatalogWrite),
    ),
    RouteRule::new("GET", "/api/v1/catalog/prices", Access::Authenticated),
    RouteRule::new(
        "GET",
        "/api/v1/catalog/price-lists",
        Access::Permission(Permission::CatalogManageAll),
    ),
    RouteRule::new(
        "POST",
        "/api/v1/catalog/price-lists",
        Access::Permission(Permission::CatalogManageAll),
    ),
    RouteRule::new(
        "PUT",
        "/api/v1/catalog/price-lists/{id}/prices",
        Access::Permission(Permission::CatalogManageAll),
    ),
    RouteRule::new(
        "PUT",
        "/api/v1/catalog/price-lists/{id}/members",
        Access::Permission(Permission::CatalogManageAll),
    ),
    RouteRule::new(
        "GET",
        "/api/v1/catalog/variants/{id}/sales",
        Access::Permission(Permission::CatalogWrite),
    ),
    RouteRule::new(
        "POST",
        "/api/v1/catalog/variants/{id}/sales",
        Access::Permission(Permission::CatalogWrite),
    ),
    RouteRule::new(
        "DELETE",
        "/api/v1/catalog/sales/{id}",
        Access::Permission(Permission::CatalogWrite),
    ),
    RouteRule::new("GET", "/api/v1/catalog/collections", Access::Public),
    RouteRule::new("GET", "/api/v1/catalog/collections/{id}", Access::Public),
    RouteRule::new(
        "POST",
        "/api/v1/catalog/collections",
        Access::Permission(Permission::CatalogManageAll),
    ),
    RouteRule::new(
        "PATCH",
        "/api/v1/catalog/collections/{id}",
        Access::Permission(Permission::CatalogManageAll),
    ),
    RouteRule::new(
        "DELETE",
        "/api/v1/catalog/collections/{id}",
        Access::Permission(Permission::CatalogManageAll),
    ),
    RouteRule::new(
        "PUT",
        "/api/v1/catalog/collections/{id}/products",
        Access::Permission(Permission::CatalogManageAll),
    ),
    RouteRule::new("GET", "/api/v1/catalog/categories", Access::Public),
    RouteRule::new(
        "POST",
        "/api/v1/catalog/categories",
        Access::Permission(Permission::CatalogManageAll),
    ),
    RouteRule::new(
        "PATCH",
        "/api/v1/catalog/categories/{id}",
        Access::Permission(Permission::CatalogManageAll),
    ),
    RouteRule::new(
        "DELETE",
        "/api/v1/catalog/categories/{id}",
        Access::Permission(Permission::CatalogManageAll),
    ),
];

#[derive(OpenApi)]
#[openapi(
    paths(
        routes::list_products, routes::create_product, routes::get_product,
        routes::update_product, routes::archive_product, routes::add_variant,
        routes::update_variant, routes::archive_variant, routes::lookup, routes::categories,
        routes::create_category, routes::update_category, routes::delete_category,
        routes::prices, routes::price_lists, routes::create_price_list, routes::set_list_prices,
        routes::set_list_members, routes::sales, routes::add_sale, routes::delete_sale,
        routes::import_csv, routes::export_csv, routes::add_image, routes::delete_image, routes::move_image,
        routes::collections, routes::collection, routes::create_collection,
        routes::update_collection, routes::delete_collection, routes::set_collection_products
    ),
    // A query parameter's enum, which `paths` alone does not bring in.
    components(schemas(service::SortOrder)),
    tags((name = "catalog", description = "Products, variants, categories, search"))
)]
struct CatalogApiDoc;

pub fn openapi() -> utoipa::openapi::OpenApi {
    CatalogApiDoc::openapi()
}

/// The domain as the application wires it.
#[derive(Clone)]
pub struct CatalogDomain {
    catalog: web::Data<service::Catalog>,
}

impl CatalogDomain {
    /// `identity` tells who may own products (a seller, staff or an admin).
    pub fn build(
        db: Db,
        settings: &Settings,
        blobs: Arc<dyn BlobStore>,
        identity: Option<Arc<dyn crate::contracts::auth::IdentityApi>>,
        profile: &crate::profile::LiveProfile,
    ) -> Self {
        Self {
            catalog: web::Data::new(service::Catalog::new(
                db,
                settings.catalog.clone(),
                blobs,
                identity,
                profile.clone(),
            )),
        }
    }

    /// Routes outside `/api`: the image files.
    pub fn configure_root(&self, cfg: &mut web::ServiceConfig) {
        cfg.service(
            web::resource("/media/{folder}/{file}")
                .app_data(self.catalog.clone())
                .route(web::get().to(routes::media))
                .default_service(method_not_allowed(&["GET"])),
        );
    }

    pub async fn product_count(db: &Db) -> Result<i64, AppError> {
        db.read(store::count_products).await
    }

    /// Fills an empty catalog: the demo store's shelves, or `generated` products for
    /// benchmarks. Products belong to `sellers` in turn.
    pub async fn seed(
        db: &Db,
        sellers: &[String],
        generated: Option<usize>,
        blobs: &dyn BlobStore,
    ) -> Result<SeedReport, AppError> {
        let existing = db.read(store::count_products).await?;
        if existing > 0 {
            return Err(AppError::Conflict(format!(
                "the catalog already has {existing} products; seed an empty database"
            )));
        }
        match generated {
            Some(count) => seed::generated(db, sellers, count).await,
            None => seed::demo(db, sellers, blobs).await,
        }
    }

    /// The demo store's counter favourites: the `counter` collection with its first
    /// `count` products (what a till shows as buttons beside the scanner).
    pub async fn seed_counter(db: &Db, count: usize) -> Result<usize, AppError> {
        db.write(move |conn| {
            let mut products: Vec<String> = Vec::new();
            for v in store::active_variant_ids(conn, 500)? {
                let Some(info) = store::variants_by_ids(conn, std::slice::from_ref(&v))?
                    .into_iter()
                    .next()
                else {
                    continue;
                };
                if !products.contains(&info.product_id) {
                    products.push(info.product_id);
                }
                if products.len() >= count {
                    break;
                }
            }
            let now = crate::db::now();
            let row = store::CollectionRow {
                id: crate::db::new_id(),
                name: "Counter favourites".into(),
                slug: crate::contracts::catalog::COUNTER_COLLECTION.into(),
                description: "Shown as buttons on the till, for goods sold without a barcode."
                    .into(),
                position: 99,
                created_at: now,
                updated_at: now,
            };
            store::save_collection(conn, &row, true)?;
            store::set_collection_products(conn, &row.id, &products)?;
            Ok(products.len())
        })
        .await
    }

    pub fn api(&self) -> Arc<dyn CatalogApi> {
        Arc::new(self.clone())
    }

    /// Keeps the catalog's stock flags from inventory's events.
    pub fn stock_subscriber(&self) -> Arc<dyn Subscriber> {
        Arc::new(StockFlags {
            cache: self.catalog.cache.clone(),
        })
    }

    /// Routes under `/api` (the `/api` scope is the caller's).
    pub fn configure_api(&self, cfg: &mut web::ServiceConfig) {
        cfg.app_data(self.catalog.clone())
            .service(
                web::resource("/v1/catalog/products")
                    .route(web::get().to(routes::list_products))
                    .route(web::post().to(routes::create_product))
                    .default_service(method_not_allowed(&["GET", "POST"])),
            )
            .service(
                web::resource("/v1/catalog/products/{id}")
                    .route(web::get().to(routes::get_product))
                    .route(web::patch().to(routes::update_product))
                    .route(web::delete().to(routes::archive_product))
                    .default_service(method_not_allowed(&["GET", "PATCH", "DELETE"])),
            )
            .service(
                web::resource("/v1/catalog/products/{id}/variants")
                    .route(web::post().to(routes::add_variant))
                    .default_service(method_not_allowed(&["POST"])),
            )
            .service(
                web::resource("/v1/catalog/variants/{id}")
                    .route(web::patch().to(routes::update_variant))
                    .route(web::delete().to(routes::archive_variant))
                    .default_service(method_not_allowed(&["PATCH", "DELETE"])),
            )
            .service(
                web::resource("/v1/catalog/lookup")
                    .route(web::get().to(routes::lookup))
                    .default_service(method_not_allowed(&["GET"])),
            )
            .service(
                web::resource("/v1/catalog/products/{id}/images")
                    .app_data(web::PayloadConfig::new(service::MAX_IMAGE_BYTES + 1024))
                    .route(web::post().to(routes::add_image))
                    .default_service(method_not_allowed(&["POST"])),
            )
            .service(
                web::resource("/v1/catalog/images/{id}")
                    .route(web::delete().to(routes::delete_image))
                    .route(web::patch().to(routes::move_image))
                    .default_service(method_not_allowed(&["DELETE", "PATCH"])),
            )
            .service(
                web::resource("/v1/catalog/import")
                    // Catalog files are larger than API bodies.
                    .app_data(web::PayloadConfig::new(20 * 1024 * 1024))
                    .route(web::post().to(routes::import_csv))
                    .default_service(method_not_allowed(&["POST"])),
            )
            .service(
                web::resource("/v1/catalog/export")
                    .route(web::get().to(routes::export_csv))
                    .default_service(method_not_allowed(&["GET"])),
            )
            .service(
                web::resource("/v1/catalog/prices")
                    .route(web::get().to(routes::prices))
                    .default_service(method_not_allowed(&["GET"])),
            )
            .service(
                web::resource("/v1/catalog/price-lists")
                    .route(web::get().to(routes::price_lists))
                    .route(web::post().to(routes::create_price_list))
                    .default_service(method_not_allowed(&["GET", "POST"])),
            )
            .service(
                web::resource("/v1/catalog/price-lists/{id}/prices")
                    .route(web::put().to(routes::set_list_prices))
                    .default_service(method_not_allowed(&["PUT"])),
            )
            .service(
                web::resource("/v1/catalog/price-lists/{id}/members")
                    .route(web::put().to(routes::set_list_members))
                    .default_service(method_not_allowed(&["PUT"])),
            )
            .service(
                web::resource("/v1/catalog/variants/{id}/sales")
                    .route(web::get().to(routes::sales))
                    .route(web::post().to(routes::add_sale))
                    .default_service(method_not_allowed(&["GET", "POST"])),
            )
            .service(
                web::resource("/v1/catalog/sales/{id}")
                    .route(web::delete().to(routes::delete_sale))
                    .default_service(method_not_allowed(&["DELETE"])),
            )
            .service(
                web::resource("/v1/catalog/collections")
                    .route(web::get().to(routes::collections))
                    .route(web::post().to(routes::create_collection))
                    .default_service(method_not_allowed(&["GET", "POST"])),
            )
            .service(
                web::resource("/v1/catalog/collections/{id}")
                    .route(web::get().to(routes::collection))
                    .route(web::patch().to(routes::update_collection))
                    .route(web::delete().to(routes::delete_collection))
                    .default_service(method_not_allowed(&["GET", "PATCH", "DELETE"])),
            )
            .service(
                web::resource("/v1/catalog/collections/{id}/products")
                    .route(web::put().to(routes::set_collection_products))
                    .default_service(method_not_allowed(&["PUT"])),
            )
            .service(
                web::resource("/v1/catalog/categories")
                    .route(web::get().to(routes::categories))
                    .route(web::post().to(routes::create_category))
                    .default_service(method_not_allowed(&["GET", "POST"])),
            )
            .service(
                web::resource("/v1/catalog/categories/{id}")
                    .route(web::patch().to(routes::update_category))
                    .route(web::delete().to(routes::delete_category))
                    .default_service(method_not_allowed(&["PATCH", "DELETE"])),
            );
    }
}

#[async_trait::async_trait]
impl CatalogApi for CatalogDomain {
    async fn variants(&self, ids: &[String]) -> Result<Vec<VariantInfo>, AppError> {
        self.catalog.variant_infos(ids.to_vec()).await
    }

    async fn variant_by_code(&self, code: &str) -> Result<Option<VariantInfo>, AppError> {
        self.catalog.variant_info_by_code(code).await
    }

    async fn prices(
        &self,
        ids: &[String],
        ctx: &PriceContext,
    ) -> Result<Vec<ResolvedPrice>, AppError> {
        self.catalog.prices(ids.to_vec(), ctx).await
    }

    async fn priced_variants(
        &self,
        ids: &[String],
        ctx: &PriceContext,
    ) -> Result<(Vec<VariantInfo>, Vec<ResolvedPrice>), AppError> {
        self.catalog.priced(ids.to_vec(), ctx).await
    }

    async fn counter_stock(
        &self,
        limit: i64,
    ) -> Result<crate::contracts::catalog::CounterStock, AppError> {
        self.catalog.counter_stock(limit).await
    }
}

struct StockFlags {
    cache: Arc<cache::PageCache>,
}

impl Subscriber for StockFlags {
    fn name(&self) -> &'static str {
        "catalog.stock_flags"
    }

    fn interested_in(&self, event_type: &str) -> bool {
        event_type == <StockChanged as crate::contracts::events::Event>::TYPE
    }

    fn handle(&self, conn: &mut DbConnection, event: &EventEnvelope) -> Result<(), AppError> {
        let Some(decoded) = event.decode::<StockChanged>() else {
            return Ok(());
        };
        let change = decoded.map_err(|e| AppError::internal(format!("bad event: {e}")))?;
        if let Some(product_id) =
            store::set_available(conn, &change.variant_id, change.available_total)?
        {
            store::refresh_product(conn, &product_id)?;
        }
        Ok(())
    }

    fn committed(&self, _event: &EventEnvelope) {
        self.cache.invalidate();
    }
}
