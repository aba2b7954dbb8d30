//! Catalog rules: products and variants with their checks, ownership (a seller acts only
//! on their own products), visibility (the public sees active products), categories as a
//! tree without cycles, listing and search, and the pricing function.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};
use sha2::Digest;
use utoipa::ToSchema;

use super::model::{
    Barcode, CategoryRow, CategoryView, Dimensions, Problems, ProductOption, ProductRow,
    ProductStatus, ProductSummary, ProductView, Sku, Slug, VariantRow, VariantView, check_gst_rate,
    check_hsn, check_price, check_text, utc,
};
use super::store::{self, Bind, NewProduct, NewVariant, ProductChanges, VariantChanges, Where};
use crate::config::CatalogSettings;
use crate::contracts::auth::{Permission, Principal, Scope};
use crate::contracts::catalog::{PriceContext, ResolvedPrice, VariantInfo};
use crate::db::{Db, DbConnection, new_id, now};
use crate::http::AppError;
use crate::http::pagination::encode_cursor;

/// `Some(None)` when the field is `null`, `None` when it is absent.
fn double_option<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Some(Option::deserialize(d)?))
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VariantInput {
    #[schema(pattern = r"^\s*[A-Za-z0-9._/-]{1,64}\s*$")]
    pub sku: String,
    /// EAN-8, UPC-A, EAN-13 or GTIN-14, check digit verified.
    #[schema(format = "gtin", pattern = r"^\s*(?:[0-9]{8}|[0-9]{12,14})\s*$")]
    pub barcode: Option<String>,
    /// In minor units (paise).
    #[schema(minimum = 0, maximum = 1_000_000_000)]
    pub price_minor: i64,
    /// A higher "was" price, shown struck through.
    #[schema(minimum = 0, maximum = 1_000_000_000)]
    pub compare_at_minor: Option<i64>,
    /// One value per product option, e.g. {"Size": "M"}.
    #[serde(default)]
    pub options: BTreeMap<String, String>,
    #[serde(default)]
    #[schema(minimum = 0, maximum = 1_000_000)]
    pub weight_grams: i32,
    pub dimensions_mm: Option<Dimensions>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductInput {
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub name: String,
    /// Made from the name when absent.
    #[schema(
        min_length = 1,
        max_length = 120,
        pattern = "^[a-z0-9]+(?:-[a-z0-9]+)*$"
    )]
    pub slug: Option<String>,
    #[serde(default)]
    #[schema(max_length = 20_000)]
    pub description: String,
    /// `draft` by default.
    pub status: Option<ProductStatus>,
    /// The owning seller; only with `catalog.manage_all` (others own what they create).
    pub seller_id: Option<String>,
    #[schema(pattern = r"^\s*(?:[0-9]{4}|[0-9]{6}|[0-9]{8})\s*$")]
    pub hsn_code: String,
    /// GST rate in basis points (1800 = 18 %), one of `catalog.gst_rates_bp`.
    #[schema(minimum = 0, maximum = 10_000)]
    pub gst_rate_bp: i32,
    #[serde(default)]
    #[schema(max_items = 20)]
    pub category_ids: Vec<String>,
    #[serde(default)]
    #[schema(max_items = 3)]
    pub options: Vec<ProductOption>,
    #[schema(min_items = 1, max_items = 100)]
    pub variants: Vec<VariantInput>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductPatch {
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub name: Option<String>,
    #[schema(
        min_length = 1,
        max_length = 120,
        pattern = "^[a-z0-9]+(?:-[a-z0-9]+)*$"
    )]
    pub slug: Option<String>,
    #[schema(max_length = 20_000)]
    pub description: Option<String>,
    pub status: Option<ProductStatus>,
    #[schema(pattern = r"^\s*(?:[0-9]{4}|[0-9]{6}|[0-9]{8})\s*$")]
    pub hsn_code: Option<String>,
    #[schema(minimum = 0, maximum = 10_000)]
    pub gst_rate_bp: Option<i32>,
    /// Replaces the product's categories.
    #[schema(max_items = 20)]
    pub category_ids: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VariantPatch {
    #[schema(pattern = r"^\s*[A-Za-z0-9._/-]{1,64}\s*$")]
    pub sku: Option<String>,
    /// `null` removes the barcode.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub barcode: Option<Option<String>>,
    #[schema(minimum = 0, maximum = 1_000_000_000)]
    pub price_minor: Option<i64>,
    /// `null` removes the compare-at price.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>)]
    pub compare_at_minor: Option<Option<i64>>,
    #[schema(minimum = 0, maximum = 1_000_000)]
    pub weight_grams: Option<i32>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Dimensions>)]
    pub dimensions_mm: Option<Option<Dimensions>>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CategoryInput {
    #[schema(min_length = 1, max_length = 120, pattern = r"\S")]
    pub name: String,
    #[schema(
        min_length = 1,
        max_length = 120,
        pattern = "^[a-z0-9]+(?:-[a-z0-9]+)*$"
    )]
    pub slug: Option<String>,
    pub parent_id: Option<String>,
    #[serde(default)]
    pub position: i32,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CategoryPatch {
    #[schema(min_length = 1, max_length = 120, pattern = r"\S")]
    pub name: Option<String>,
    #[schema(
        min_length = 1,
        max_length = 120,
        pattern = "^[a-z0-9]+(?:-[a-z0-9]+)*$"
    )]
    pub slug: Option<String>,
    /// Moves the category; `null` makes it a root. It cannot go under itself.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub parent_id: Option<Option<String>>,
    pub position: Option<i32>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SortOrder {
    /// Newest first (the default).
    #[default]
    Newest,
    PriceAsc,
    PriceDesc,
    Name,
}

/// A checked product listing request.
#[derive(Debug, Clone, Default)]
pub struct ListRequest {
    pub q: Option<String>,
    pub category: Option<String>,
    pub min_price: Option<i64>,
    pub max_price: Option<i64>,
    pub in_stock: Option<bool>,
    pub seller_id: Option<String>,
    pub status: Option<ProductStatus>,
    pub sort: SortOrder,
    pub limit: usize,
    pub cursor: Option<String>,
    pub facets: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FacetValue {
    pub key: String,
    pub count: i64,
}

/// Counts for the storefront's filters, under the other filters of the request.
#[derive(Debug, Serialize, ToSchema)]
pub struct Facets {
    /// Products directly in each category.
    pub categories: Vec<FacetValue>,
    /// Products by lowest price band, keys `from-to` in minor units (`from-` = and up).
    pub price_bands: Vec<FacetValue>,
    pub in_stock: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProductPage {
    pub items: Vec<ProductSummary>,
    pub next_cursor: Option<String>,
    pub facets: Option<Facets>,
}

/// A scanned code's variant with its product.
#[derive(Debug, Serialize, ToSchema)]
pub struct LookupView {
    pub product_id: String,
    pub product_name: String,
    pub hsn_code: String,
    pub gst_rate_bp: i32,
    pub variant: VariantView,
}

/// The price bands of the facet counts, in minor units: under ₹500, ₹500–1,000,
/// ₹1,000–5,000, ₹5,000 and up.
const PRICE_BANDS: &[(i64, Option<i64>)] = &[
    (0, Some(50_000)),
    (50_000, Some(100_000)),
    (100_000, Some(500_000)),
    (500_000, None),
];

/// The sort key a cursor carries: the sort it belongs to, the last row's value, its id.
#[derive(Debug, Serialize, Deserialize)]
struct Cursor {
    s: SortOrder,
    v: serde_json::Value,
    id: String,
}

/// The statements of one listing page: the filter for facet counts, the page's filter
/// (with its cursor), its order and what it reads from.
struct ListPlan {
    filter: Where,
    page: Where,
    order_by: String,
    from: store::ListFrom,
}

impl ListPlan {
    fn new(
        backend: crate::db::Backend,
        base: &Where,
        status: &str,
        category: Option<String>,
        sort: SortOrder,
        cursor: Option<Cursor>,
    ) -> Result<ListPlan, AppError> {
        // A category page (sub-categories included) walks the listing rows of that one
        // category in the page's order: one index range scan, whatever the subtree's size.
        let mut filter = base.clone();
        let mut page_filter = base.clone();
        if let Some(id) = &category {
            filter.push(
                    "p.id IN (SELECT l.product_id FROM catalog_listing l WHERE l.category_id = ? AND l.status = ?)",
                    [Bind::Text(id.clone()), Bind::Text(status.into())],
                );
            page_filter.push(
                "l.category_id = ? AND l.status = ?",
                [Bind::Text(id.clone()), Bind::Text(status.into())],
            );
        }
        // The listing row carries copies of the sort columns; sorting on them keeps the
        // scan in the index.
        let (id_col, price_col, name_col) = if category.is_some() {
            ("l.product_id", "l.min_price", "l.name")
        } else {
            ("p.id", "p.min_price", "p.name")
        };
        if let Some(cursor) = cursor {
            let id = Bind::Text(cursor.id.clone());
            match sort {
                SortOrder::Newest => page_filter.push(format!("{id_col} < ?"), [id]),
                SortOrder::PriceAsc | SortOrder::PriceDesc => {
                    let v = cursor
                        .v
                        .as_i64()
                        .ok_or_else(|| AppError::invalid("cursor", "is damaged"))?;
                    let cmp = if sort == SortOrder::PriceAsc {
                        ">"
                    } else {
                        "<"
                    };
                    page_filter.push(
                        format!("({price_col} {cmp} ? OR ({price_col} = ? AND {id_col} {cmp} ?))"),
                        [Bind::Int(v), Bind::Int(v), id],
                    );
                }
                SortOrder::Name => {
                    let v = cursor
                        .v
                        .as_str()
                        .ok_or_else(|| AppError::invalid("cursor", "is damaged"))?
                        .to_string();
                    page_filter.push(
                        format!("({name_col} > ? OR ({name_col} = ? AND {id_col} > ?))"),
                        [Bind::Text(v.clone()), Bind::Text(v), id],
                    );
                }
            }
        }
        let order_by = match sort {
            SortOrder::Newest => format!("{id_col} DESC"),
            SortOrder::PriceAsc => format!("{price_col} ASC, {id_col} ASC"),
            SortOrder::PriceDesc => format!("{price_col} DESC, {id_col} DESC"),
            SortOrder::Name => format!("{name_col} ASC, {id_col} ASC"),
        };
        Ok(ListPlan {
            filter,
            page: page_filter,
            order_by,
            from: store::ListFrom::new(backend, category.is_some()),
        })
    }
}

pub struct Catalog {
    db: Db,
    settings: CatalogSettings,
    /// Whether prices include GST, as the merchant last set it.
    profile: crate::profile::LiveProfile,
    pub cache: std::sync::Arc<super::cache::PageCache>,
    blobs: std::sync::Arc<dyn crate::contracts::blob::BlobStore>,
    /// Who may own products (a seller, staff or an admin); absent in a build without
    /// the users domain, where the database's foreign key still refuses unknown users.
    identity: Option<std::sync::Arc<dyn crate::contracts::auth::IdentityApi>>,
}

/// Largest product image accepted.
pub const MAX_IMAGE_BYTES: usize = 5 * 1024 * 1024;

/// An image as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImageView {
    pub id: String,
    /// Served with a year-long cache lifetime: the name is the file's SHA-256.
    pub url: String,
    pub alt: String,
    pub content_type: String,
    pub size_bytes: i64,
}

fn image_view(row: &store::ImageRow) -> ImageView {
    ImageView {
        id: row.id.clone(),
        url: format!("/media/{}", row.blob_key),
        alt: row.alt.clone(),
        content_type: row.content_type.clone(),
        size_bytes: row.size_bytes,
    }
}

/// The file extension for an image whose bytes really are of `content_type`.
fn image_kind(content_type: &str, bytes: &[u8]) -> Option<&'static str> {
    let base = content_type.split(';').next().unwrap_or("").trim();
    match base {
        "image/jpeg" if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) => Some("jpg"),
        "image/png" if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) => {
            Some("png")
        }
        "image/webp" if bytes.len() > 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" => {
            Some("webp")
        }
        _ => None,
    }
}

/// The largest image side accepted: a phone photo fits; a decoded image stays under
/// about 100 MB while it is checked.
const MAX_IMAGE_SIDE: u32 = 6_000;

/// Decodes the whole image (header and pixels) so a truncated or forged file is refused;
/// its width and height. Blocking: runs on the blocking pool.
fn decode_image(ext: &'static str, bytes: &[u8]) -> Result<(u32, u32), AppError> {
    let format = match ext {
        "jpg" => image::ImageFormat::Jpeg,
        "png" => image::ImageFormat::Png,
        _ => image::ImageFormat::WebP,
    };
    let mut reader = image::ImageReader::with_format(std::io::Cursor::new(bytes), format);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_IMAGE_SIDE);
    limits.max_image_height = Some(MAX_IMAGE_SIDE);
    limits.max_alloc = Some(160 * 1024 * 1024);
    reader.limits(limits);
    let decoded = reader.decode().map_err(|e| match e {
        image::ImageError::Limits(_) => AppError::invalid(
            "body",
            format!("the image must be at most {MAX_IMAGE_SIDE} pixels on each side"),
        ),
        _ => AppError::invalid("body", "is not a complete JPEG, PNG or WebP image"),
    })?;
    Ok((decoded.width(), decoded.height()))
}

/// Words of a search: lowercased runs of letters and digits, at most 8.
pub fn search_words(q: &str) -> Vec<String> {
    q.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase().chars().take(40).collect())
        .take(8)
        .collect()
}

impl Catalog {
    pub fn new(
        db: Db,
        settings: CatalogSettings,
        blobs: std::sync::Arc<dyn crate::contracts::blob::BlobStore>,
        identity: Option<std::sync::Arc<dyn crate::contracts::auth::IdentityApi>>,
        profile: crate::profile::LiveProfile,
    ) -> Self {
        let ttl = std::time::Duration::from_millis(settings.page_cache_ms);
        Self {
            db,
            settings,
            cache: std::sync::Arc::new(super::cache::PageCache::new(ttl)),
            blobs,
            identity,
            profile,
        }
    }

    /// Whether `user_id` is an active account that may own products.
    async fn may_sell(&self, user_id: &str) -> Result<bool, AppError> {
        let Some(identity) = &self.identity else {
            return Ok(true);
        };
        Ok(identity
            .session_state(user_id)
            .await?
            .is_some_and(|s| s.active && s.role.permissions().contains(Permission::CatalogWrite)))
    }

    /// Runs a catalog write, then empties the storefront's page cache.
    async fn change<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let out = self.db.write(f).await;
        if out.is_ok() {
            self.cache.invalidate();
        }
        out
    }

    /// Adds an image to a product: JPEG, PNG or WebP whose bytes match the declared
    /// type, up to 5 MiB, stored under its SHA-256.
    pub async fn add_image(
        &self,
        principal: &Principal,
        product_id: &str,
        content_type: &str,
        bytes: bytes::Bytes,
        alt: Option<String>,
    ) -> Result<ImageView, AppError> {
        if bytes.is_empty() || bytes.len() > MAX_IMAGE_BYTES {
            return Err(AppError::invalid(
                "body",
                "an image must be 1 byte to 5 MiB",
            ));
        }
        let Some(ext) = image_kind(content_type, &bytes) else {
            return Err(AppError::UnsupportedMediaType(
                "send a JPEG, PNG or WebP image with its own Content-Type".into(),
            ));
        };
        let checked = bytes.clone();
        tokio::task::spawn_blocking(move || decode_image(ext, &checked))
            .await
            .map_err(|e| AppError::internal(format!("image task: {e}")))??;
        let alt = match alt {
            Some(a) if a.chars().count() > 200 => {
                return Err(AppError::invalid("alt", "at most 200 characters"));
            }
            Some(a) => a.trim().to_string(),
            None => String::new(),
        };
        // Ownership first, so nobody stores files against another seller's product.
        let principal_c = principal.clone();
        let key = product_id.to_string();
        let product = self
            .db
            .read(move |conn| Self::owned(conn, &principal_c, &key))
            .await?;
        let digest = hex::encode(sha2::Sha256::digest(&bytes));
        let blob_key = format!("products/{digest}.{ext}");
        let content_type = match ext {
            "jpg" => "image/jpeg",
            "png" => "image/png",
            _ => "image/webp",
        };
        let size = bytes.len() as i64;
        self.blobs.put(&blob_key, bytes, content_type).await?;
        let row = self
            .change(move |conn| {
                let position = store::images_of(conn, &product.id)?.len() as i32;
                let row = store::ImageRow {
                    id: new_id(),
                    product_id: product.id,
                    blob_key,
                    content_type: content_type.to_string(),
                    size_bytes: size,
                    alt,
                    position,
                    created_at: now(),
                };
                store::insert_image(conn, &row)?;
                Ok(row)
            })
            .await?;
        Ok(image_view(&row))
    }

    /// Moves an image to `position` among its product's images and numbers them all
    /// again from 0, so the order is exactly what the merchant sees.
    pub async fn move_image(
        &self,
        principal: &Principal,
        image_id: &str,
        position: usize,
    ) -> Result<Vec<ImageView>, AppError> {
        let principal = principal.clone();
        let id = image_id.to_string();
        let rows = self
            .change(move |conn| {
                let image = store::image(conn, &id)?
                    .ok_or_else(|| AppError::NotFound("no such image".into()))?;
                Self::owned(conn, &principal, &image.product_id)
                    .map_err(|_| AppError::NotFound("no such image".into()))?;
                let mut images = store::images_of(conn, &image.product_id)?;
                images.retain(|i| i.id != image.id);
                let at = position.min(images.len());
                images.insert(at, image.clone());
                store::renumber_images(conn, &image.product_id, &images)?;
                store::images_of(conn, &image.product_id)
            })
            .await?;
        Ok(rows.iter().map(image_view).collect())
    }

    pub async fn delete_image(
        &self,
        principal: &Principal,
        image_id: &str,
    ) -> Result<(), AppError> {
        let principal = principal.clone();
        let id = image_id.to_string();
        let (key, still_used) = self
            .change(move |conn| {
                let image = store::image(conn, &id)?
                    .ok_or_else(|| AppError::NotFound("no such image".into()))?;
                Self::owned(conn, &principal, &image.product_id)
                    .map_err(|_| AppError::NotFound("no such image".into()))?;
                let still_used = store::delete_image(conn, &image)?;
                Ok((image.blob_key, still_used))
            })
            .await?;
        if still_used == 0 {
            self.blobs.delete(&key).await?;
        }
        Ok(())
    }

    /// A stored image file, for `/media/...`.
    pub async fn media(&self, key: &str) -> Result<crate::contracts::blob::Blob, AppError> {
        self.blobs
            .get(key)
            .await?
            .ok_or_else(|| AppError::NotFound("no such file".into()))
    }

    fn scope(principal: &Principal) -> Scope {
        principal.scope(Permission::CatalogManageAll)
    }

    /// Whether `viewer` may see a product that is not active.
    fn sees_unpublished(viewer: Option<&Principal>, product: &ProductRow) -> bool {
        viewer.is_some_and(|p| {
            p.has(Permission::CatalogWrite) && Self::scope(p).allows(&product.seller_id)
        })
    }

    fn check_variant(
        input: &VariantInput,
        options: &[ProductOption],
        field: &str,
        problems: &mut Problems,
    ) -> Option<NewVariant> {
        let sku = problems.check(Sku::parse(&input.sku, &format!("{field}.sku")));
        let barcode = match &input.barcode {
            Some(b) => problems
                .check(Barcode::parse(b, &format!("{field}.barcode")))
                .map(Some),
            None => Some(None),
        };
        let price = problems.check(check_price(
            input.price_minor,
            &format!("{field}.price_minor"),
        ));
        if let Some(compare) = input.compare_at_minor
            && problems
                .check(check_price(compare, &format!("{field}.compare_at_minor")))
                .is_some()
            && compare <= input.price_minor
        {
            problems.add(
                format!("{field}.compare_at_minor"),
                "must be above the price",
            );
        }
        if !(0..=1_000_000).contains(&input.weight_grams) {
            problems.add(
                format!("{field}.weight_grams"),
                "must be between 0 and 1000000",
            );
        }
        if let Some(d) = input.dimensions_mm
            && [d.length_mm, d.width_mm, d.height_mm]
                .iter()
                .any(|v| !(1..=10_000).contains(v))
        {
            problems.add(
                format!("{field}.dimensions_mm"),
                "each side must be 1 to 10000 mm",
            );
        }
        let names: BTreeSet<&str> = options.iter().map(|o| o.name.as_str()).collect();
        let given: BTreeSet<&str> = input.options.keys().map(String::as_str).collect();
        if names != given {
            problems.add(
                format!("{field}.options"),
                if names.is_empty() {
                    "must be empty: the product has no options".to_string()
                } else {
                    format!(
                        "must give one value for each of: {}",
                        names.into_iter().collect::<Vec<_>>().join(", ")
                    )
                },
            );
        } else {
            for o in options {
                if let Some(v) = input.options.get(&o.name)
                    && !o.values.contains(v)
                {
                    problems.add(
                        format!("{field}.options.{}", o.name),
                        format!(
                            "must be one of the option's values: {}",
                            o.values.join(", ")
                        ),
                    );
                }
            }
        }
        let title = options
            .iter()
            .filter_map(|o| input.options.get(&o.name).cloned())
            .collect::<Vec<_>>()
            .join(" / ");
        Some(NewVariant {
            id: new_id(),
            sku: sku?.as_str().to_string(),
            barcode: barcode?.map(|b| b.as_str().to_string()),
            title,
            options: serde_json::to_string(&input.options).unwrap_or_else(|_| "{}".into()),
            price: price?,
            compare_at_price: input.compare_at_minor,
            weight_grams: input.weight_grams,
            dimensions: input
                .dimensions_mm
                .map(|d| (d.length_mm, d.width_mm, d.height_mm)),
            position: 0,
        })
    }

    fn check_options(options: &[ProductOption], problems: &mut Problems) -> Vec<ProductOption> {
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        if options.len() > 3 {
            problems.add("options", "at most 3 options");
        }
        for (i, o) in options.iter().enumerate() {
            let name = problems.check(check_text(&o.name, 40, &format!("options[{i}].name")));
            if let Some(n) = &name
                && !seen.insert(n.to_lowercase())
            {
                problems.add(format!("options[{i}].name"), "is repeated");
            }
            let mut values = Vec::new();
            let mut distinct = BTreeSet::new();
            if o.values.is_empty() || o.values.len() > 100 {
                problems.add(format!("options[{i}].values"), "must have 1 to 100 values");
            }
            for (j, v) in o.values.iter().enumerate() {
                if let Some(v) =
                    problems.check(check_text(v, 60, &format!("options[{i}].values[{j}]")))
                {
                    if !distinct.insert(v.to_lowercase()) {
                        problems.add(format!("options[{i}].values[{j}]"), "is repeated");
                    }
                    values.push(v);
                }
            }
            if let Some(name) = name {
                out.push(ProductOption { name, values });
            }
        }
        out
    }

    /// Checks that SKUs and barcodes are unique among `variants` and in the database.
    fn check_codes_unique(
        conn: &mut DbConnection,
        variants: &[(usize, &NewVariant)],
        except: Option<&str>,
        field_prefix: &str,
    ) -> Result<(), AppError> {
        let mut problems = Problems::default();
        let mut skus = HashMap::new();
        let mut barcodes = HashMap::new();
        for (i, v) in variants {
            if skus.insert(v.sku.clone(), *i).is_some() {
                problems.add(format!("{field_prefix}[{i}].sku"), "is repeated");
            }
            if let Some(b) = &v.barcode
                && barcodes.insert(b.clone(), *i).is_some()
            {
                problems.add(format!("{field_prefix}[{i}].barcode"), "is repeated");
            }
        }
        let sku_list: Vec<String> = skus.keys().cloned().collect();
        for taken in store::skus_taken(conn, &sku_list, except)? {
            if let Some(i) = skus.get(&taken) {
                problems.add(
                    format!("{field_prefix}[{i}].sku"),
                    "is already used by another variant",
                );
            }
        }
        let code_list: Vec<String> = barcodes.keys().cloned().collect();
        if !code_list.is_empty() {
            for taken in store::barcodes_taken(conn, &code_list, except)? {
                if let Some(i) = barcodes.get(&taken) {
                    problems.add(
                        format!("{field_prefix}[{i}].barcode"),
                        "is already used by another variant",
                    );
                }
            }
        }
        problems.finish()
    }

    fn check_categories(conn: &mut DbConnection, ids: &[String]) -> Result<Vec<String>, AppError> {
        let unique: Vec<String> = ids
            .iter()
            .cloned()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        if unique.len() > 20 {
            return Err(AppError::invalid("category_ids", "at most 20 categories"));
        }
        let found: BTreeSet<String> = store::category_ids_existing(conn, &unique)?
            .into_iter()
            .collect();
        if let Some((i, _)) = ids.iter().enumerate().find(|(_, id)| !found.contains(*id)) {
            return Err(AppError::invalid(
                format!("category_ids[{i}]"),
                "is not a category",
            ));
        }
        Ok(unique)
    }

    pub async fn create_product(
        &self,
        principal: &Principal,
        input: ProductInput,
    ) -> Result<ProductView, AppError> {
        let mut problems = Problems::default();
        let name = problems.check(check_text(&input.name, 200, "name"));
        let slug = match &input.slug {
            Some(s) => problems.check(Slug::parse(s, "slug")),
            None => name.as_deref().map(Slug::from_name),
        };
        if input.description.chars().count() > 20_000 {
            problems.add("description", "at most 20000 characters");
        }
        let hsn = problems.check(check_hsn(&input.hsn_code, "hsn_code"));
        let rate = problems.check(check_gst_rate(
            input.gst_rate_bp,
            &self.settings.gst_rates_bp,
            "gst_rate_bp",
        ));
        let seller_id = match &input.seller_id {
            Some(id) if id != principal.user_id() => {
                // Only staff create products for another seller, and only for a seller.
                principal.require(Permission::CatalogManageAll)?;
                if !self.may_sell(id).await? {
                    problems.add("seller_id", "is not an active seller");
                }
                id.clone()
            }
            _ => principal.user_id().to_string(),
        };
        let options = Self::check_options(&input.options, &mut problems);
        if input.variants.is_empty() || input.variants.len() > 100 {
            problems.add("variants", "must have 1 to 100 variants");
        }
        if options.is_empty() && input.variants.len() > 1 {
            problems.add(
                "options",
                "a product with several variants needs options to tell them apart",
            );
        }
        let mut variants = Vec::new();
        let mut combos = BTreeSet::new();
        for (i, v) in input.variants.iter().enumerate() {
            let field = format!("variants[{i}]");
            if !combos.insert(v.options.clone()) && !options.is_empty() {
                problems.add(
                    format!("{field}.options"),
                    "repeats another variant's options",
                );
            }
            if let Some(mut nv) = Self::check_variant(v, &options, &field, &mut problems) {
                nv.position = i as i32;
                variants.push(nv);
            }
        }
        problems.finish()?;
        let (name, slug, hsn, rate) = match (name, slug, hsn, rate) {
            (Some(n), Some(s), Some(h), Some(r)) => (n, s, h, r),
            _ => return Err(AppError::internal("checked fields missing")),
        };
        let status = input.status.unwrap_or(ProductStatus::Draft);
        let options_json = serde_json::to_string(&options)
            .map_err(|e| AppError::internal(format!("options: {e}")))?;
        let category_ids = input.category_ids;
        let description = input.description.trim().to_string();
        let id = new_id();
        let product_id = id.clone();
        self.change(move |conn| {
            let indexed: Vec<(usize, &NewVariant)> = variants.iter().enumerate().collect();
            Self::check_codes_unique(conn, &indexed, None, "variants")?;
            let categories = Self::check_categories(conn, &category_ids)?;
            let mut slug = slug.as_str().to_string();
            if store::slug_taken(conn, &slug, None)? {
                if input.slug.is_some() {
                    return Err(AppError::taken(
                        "slug",
                        "is already used by another product",
                    ));
                }
                // A generated slug gets a short suffix from the id instead.
                slug = format!("{slug}-{}", &product_id[product_id.len() - 6..]);
            }
            let now = now();
            store::insert_product(
                conn,
                NewProduct {
                    id: &product_id,
                    slug: &slug,
                    name: &name,
                    description: &description,
                    status: status.as_str(),
                    seller_id: &seller_id,
                    hsn_code: &hsn,
                    gst_rate_bp: rate,
                    options: &options_json,
                    now,
                },
            )?;
            for v in &variants {
                store::insert_variant(conn, &product_id, v, now)?;
            }
            store::set_product_categories(conn, &product_id, &categories)?;
            store::refresh_product(conn, &product_id)
        })
        .await?;
        self.product_for(Some(principal), &id).await
    }

    /// A product as `viewer` may see it: active ones for everybody, others only for the
    /// seller who owns them and for staff. Anything else is a 404.
    pub async fn product_for(
        &self,
        viewer: Option<&Principal>,
        id_or_slug: &str,
    ) -> Result<ProductView, AppError> {
        let key = id_or_slug.to_string();
        let (product, variants, categories, (sales, images)) = self
            .db
            .read(move |conn| {
                let Some(p) = store::product(conn, &key)? else {
                    return Ok((None, Vec::new(), Vec::new(), (Vec::new(), Vec::new())));
                };
                let ids = vec![p.id.clone()];
                let variants = store::variants_of(conn, &ids)?;
                let categories = store::product_categories(conn, &ids)?
                    .remove(&p.id)
                    .unwrap_or_default();
                let variant_ids: Vec<String> = variants.iter().map(|v| v.id.clone()).collect();
                let sales = store::live_sales(conn, &variant_ids, now())?;
                let images = store::images_of(conn, &p.id)?;
                Ok((Some(p), variants, categories, (sales, images)))
            })
            .await?;
        let product = product
            .filter(|p| p.status == "active" || Self::sees_unpublished(viewer, p))
            .ok_or_else(|| AppError::NotFound("no such product".into()))?;
        let public = product.status == "active"
            && !viewer.is_some_and(|p| Self::sees_unpublished(Some(p), &product));
        let mut view = self.view(product, variants, categories, public);
        view.images = images.iter().map(image_view).collect();
        for v in &mut view.variants {
            if let Some(lowest) = sales
                .iter()
                .filter(|s| s.variant_id == v.id)
                .map(|s| s.price)
                .min()
            {
                v.price_now_minor = v.price_now_minor.min(lowest);
            }
        }
        Ok(view)
    }

    fn view(
        &self,
        p: ProductRow,
        variants: Vec<VariantRow>,
        mut category_ids: Vec<String>,
        public: bool,
    ) -> ProductView {
        category_ids.sort();
        ProductView {
            options: serde_json::from_str(&p.options).unwrap_or_default(),
            variants: variants
                .iter()
                .filter(|v| !public || v.status == "active")
                .map(VariantRow::view)
                .collect(),
            images: Vec::new(),
            category_ids,
            min_price_minor: p.min_price,
            max_price_minor: p.max_price,
            in_stock: p.in_stock,
            prices_include_tax: self.profile.get().prices_include_tax,
            created_at: utc(p.created_at),
            updated_at: utc(p.updated_at),
            id: p.id,
            slug: p.slug,
            name: p.name,
            description: p.description,
            status: p.status,
            seller_id: p.seller_id,
            hsn_code: p.hsn_code,
            gst_rate_bp: p.gst_rate_bp,
        }
    }

    /// Loads a product for a change by `principal`: another seller's is a 404.
    fn owned(
        conn: &mut DbConnection,
        principal: &Principal,
        id: &str,
    ) -> Result<ProductRow, AppError> {
        let product = store::product(conn, id)?
            .ok_or_else(|| AppError::NotFound("no such product".into()))?;
        Self::scope(principal).check(&product.seller_id)?;
        Ok(product)
    }

    pub async fn update_product(
        &self,
        principal: &Principal,
        id: &str,
        patch: ProductPatch,
    ) -> Result<ProductView, AppError> {
        let mut problems = Problems::default();
        let mut changes = ProductChanges::default();
        if let Some(n) = &patch.name {
            changes.name = problems.check(check_text(n, 200, "name"));
        }
        if let Some(s) = &patch.slug {
            changes.slug = problems
                .check(Slug::parse(s, "slug"))
                .map(|s| s.as_str().to_string());
        }
        if let Some(d) = &patch.description {
            if d.chars().count() > 20_000 {
                problems.add("description", "at most 20000 characters");
            }
            changes.description = Some(d.trim().to_string());
        }
        if let Some(h) = &patch.hsn_code {
            changes.hsn_code = problems.check(check_hsn(h, "hsn_code"));
        }
        if let Some(r) = patch.gst_rate_bp {
            changes.gst_rate_bp = problems.check(check_gst_rate(
                r,
                &self.settings.gst_rates_bp,
                "gst_rate_bp",
            ));
        }
        changes.status = patch.status.map(|s| s.as_str().to_string());
        problems.finish()?;
        changes.updated_at = Some(now());
        let principal_c = principal.clone();
        let key = id.to_string();
        let product_id = self
            .change(move |conn| {
                let product = Self::owned(conn, &principal_c, &key)?;
                if let Some(slug) = &changes.slug
                    && store::slug_taken(conn, slug, Some(&product.id))?
                {
                    return Err(AppError::taken(
                        "slug",
                        "is already used by another product",
                    ));
                }
                if changes.status.as_deref() == Some("active") {
                    let live = store::variants_of(conn, std::slice::from_ref(&product.id))?
                        .iter()
                        .any(|v| v.status == "active");
                    if !live {
                        return Err(AppError::invalid(
                            "status",
                            "a product needs an active variant to be active",
                        ));
                    }
                }
                if let Some(ids) = &patch.category_ids {
                    let categories = Self::check_categories(conn, ids)?;
                    store::set_product_categories(conn, &product.id, &categories)?;
                }
                store::update_product(conn, &product.id, &changes)?;
                store::refresh_product(conn, &product.id)?;
                Ok(product.id)
            })
            .await?;
        self.product_for(Some(principal), &product_id).await
    }

    pub async fn archive_product(&self, principal: &Principal, id: &str) -> Result<(), AppError> {
        self.update_product(
            principal,
            id,
            ProductPatch {
                status: Some(ProductStatus::Archived),
                ..ProductPatch::default()
            },
        )
        .await
        .map(|_| ())
    }

    pub async fn add_variant(
        &self,
        principal: &Principal,
        product_id: &str,
        input: VariantInput,
    ) -> Result<ProductView, AppError> {
        let principal_c = principal.clone();
        let key = product_id.to_string();
        let id = self
            .change(move |conn| {
                let product = Self::owned(conn, &principal_c, &key)?;
                let options: Vec<ProductOption> =
                    serde_json::from_str(&product.options).unwrap_or_default();
                let existing = store::variants_of(conn, std::slice::from_ref(&product.id))?;
                if options.is_empty() && !existing.is_empty() {
                    return Err(AppError::invalid(
                        "options",
                        "the product has no options, so it cannot have a second variant",
                    ));
                }
                let mut problems = Problems::default();
                let nv = Self::check_variant(&input, &options, "variant", &mut problems);
                problems.finish()?;
                let mut nv = nv.ok_or_else(|| AppError::internal("checked variant missing"))?;
                let opts = serde_json::to_string(&input.options).unwrap_or_default();
                if existing.iter().any(|v| v.options == opts) {
                    return Err(AppError::invalid(
                        "options",
                        "another variant has these options",
                    ));
                }
                Self::check_codes_unique(conn, &[(0, &nv)], None, "variant")
                    .map_err(|e| rename_field(e, "variant[0]", "variant"))?;
                nv.position = store::max_variant_position(conn, &product.id)? + 1;
                store::insert_variant(conn, &product.id, &nv, now())?;
                store::refresh_product(conn, &product.id)?;
                Ok(product.id)
            })
            .await?;
        self.product_for(Some(principal), &id).await
    }

    pub async fn update_variant(
        &self,
        principal: &Principal,
        variant_id: &str,
        patch: VariantPatch,
        archive: bool,
    ) -> Result<ProductView, AppError> {
        let mut problems = Problems::default();
        let mut changes = VariantChanges::default();
        if let Some(s) = &patch.sku {
            changes.sku = problems
                .check(Sku::parse(s, "sku"))
                .map(|s| s.as_str().to_string());
        }
        if let Some(b) = &patch.barcode {
            changes.barcode = match b {
                Some(code) => problems
                    .check(Barcode::parse(code, "barcode"))
                    .map(|b| Some(b.as_str().to_string())),
                None => Some(None),
            };
        }
        if let Some(p) = patch.price_minor {
            changes.price = problems.check(check_price(p, "price_minor"));
        }
        if let Some(c) = patch.compare_at_minor {
            if let Some(c) = c {
                problems.check(check_price(c, "compare_at_minor"));
            }
            changes.compare_at_price = Some(c);
        }
        if let Some(w) = patch.weight_grams {
            if !(0..=1_000_000).contains(&w) {
                problems.add("weight_grams", "must be between 0 and 1000000");
            }
            changes.weight_grams = Some(w);
        }
        if let Some(d) = patch.dimensions_mm {
            if let Some(d) = d
                && [d.length_mm, d.width_mm, d.height_mm]
                    .iter()
                    .any(|v| !(1..=10_000).contains(v))
            {
                problems.add("dimensions_mm", "each side must be 1 to 10000 mm");
            }
            changes.length_mm = Some(d.map(|d| d.length_mm));
            changes.width_mm = Some(d.map(|d| d.width_mm));
            changes.height_mm = Some(d.map(|d| d.height_mm));
        }
        problems.finish()?;
        if archive {
            changes.status = Some("archived".into());
        }
        changes.updated_at = Some(now());
        let principal_c = principal.clone();
        let key = variant_id.to_string();
        let product_id = self
            .change(move |conn| {
                let variant = store::variant(conn, &key)?
                    .ok_or_else(|| AppError::NotFound("no such variant".into()))?;
                let product = Self::owned(conn, &principal_c, &variant.product_id)?;
                let price = changes.price.unwrap_or(variant.price);
                let compare = changes.compare_at_price.unwrap_or(variant.compare_at_price);
                if compare.is_some_and(|c| c <= price) {
                    return Err(AppError::invalid(
                        "compare_at_minor",
                        "must be above the price",
                    ));
                }
                if let Some(sku) = &changes.sku
                    && !store::skus_taken(conn, std::slice::from_ref(sku), Some(&variant.id))?
                        .is_empty()
                {
                    return Err(AppError::taken("sku", "is already used by another variant"));
                }
                if let Some(Some(code)) = &changes.barcode
                    && !store::barcodes_taken(conn, std::slice::from_ref(code), Some(&variant.id))?
                        .is_empty()
                {
                    return Err(AppError::taken(
                        "barcode",
                        "is already used by another variant",
                    ));
                }
                store::update_variant(conn, &variant.id, &changes)?;
                store::refresh_product(conn, &product.id)?;
                Ok(product.id)
            })
            .await?;
        self.product_for(Some(principal), &product_id).await
    }

    /// Lists products. The public sees active products only; sellers may list their own
    /// in any status, staff everybody's.
    pub async fn list(
        &self,
        viewer: Option<&Principal>,
        req: ListRequest,
    ) -> Result<ProductPage, AppError> {
        let backend = self.db.backend();
        let mut base = Where::default();
        let status = req.status.unwrap_or(ProductStatus::Active).as_str();
        base.push("p.status = ?", [Bind::Text(status.into())]);
        if status != ProductStatus::Active.as_str() {
            // Drafts and archived products are for sellers and staff.
            let Some(p) = viewer else {
                return Err(AppError::Unauthorized);
            };
            p.require(Permission::CatalogWrite)?;
            if let Scope::Owner(me) = Self::scope(p) {
                base.push("p.seller_id = ?", [Bind::Text(me)]);
            }
        }
        if let Some(seller) = &req.seller_id {
            base.push("p.seller_id = ?", [Bind::Text(seller.clone())]);
        }
        if let Some(min) = req.min_price {
            base.push("p.max_price >= ?", [Bind::Int(min)]);
        }
        if let Some(max) = req.max_price {
            base.push("p.min_price <= ?", [Bind::Int(max)]);
        }
        if let Some(in_stock) = req.in_stock {
            base.push(
                if in_stock {
                    "p.in_stock <> 0"
                } else {
                    "p.in_stock = 0"
                },
                [],
            );
        }
        if let Some(q) = &req.q {
            let words = search_words(q);
            if words.is_empty() {
                return Err(AppError::invalid("q", "needs a word or code to search for"));
            }
            // MySQL's full-text index skips words below 3 letters, so there those match
            // the name and the codes (SKUs, barcodes) as text; SQLite's FTS5 indexes every
            // word, so a short part of a code ("1l" of GHEE-1L-500) is found there too.
            let (long, short): (Vec<String>, Vec<String>) = match backend {
                crate::db::Backend::Sqlite => (words, Vec::new()),
                crate::db::Backend::Mysql => {
                    words.into_iter().partition(|w| w.chars().count() >= 3)
                }
            };
            if !long.is_empty() {
                let (sql, bind) = store::search_condition(backend, &long);
                base.push(sql, [bind]);
            }
            for w in short {
                base.push(
                    "(LOWER(p.name) LIKE ? OR p.id IN (SELECT s.product_id FROM catalog_search s WHERE LOWER(s.codes) LIKE ?))",
                    [Bind::Text(format!("%{w}%")), Bind::Text(format!("%{w}%"))],
                );
            }
        }
        let cursor = match &req.cursor {
            Some(raw) => Some(
                crate::http::pagination::decode_cursor(raw)
                    .filter(|c: &Cursor| c.s == req.sort)
                    .ok_or_else(|| {
                        AppError::invalid("cursor", "is not a cursor of this listing")
                    })?,
            ),
            None => None,
        };
        let category_key = req.category.clone();
        let limit = req.limit;
        let sort = req.sort;
        let want_facets = req.facets;
        let (mut rows, facets) = self
            .db
            .read(move |conn| {
                // The category is found in the same turn on the database as the page.
                let category = match &category_key {
                    Some(key) => Some(
                        store::category_id_by_key(conn, key)?
                            .ok_or_else(|| AppError::missing("category", "is not a category"))?,
                    ),
                    None => None,
                };
                let plan = ListPlan::new(backend, &base, status, category, sort, cursor)?;
                let filter = plan.filter;
                let rows =
                    store::list_products(conn, plan.from, &plan.page, &plan.order_by, limit + 1)?;
                let facets = if want_facets {
                    let categories = store::category_counts(conn, &base)?;
                    let bands = store::band_counts(conn, &filter, PRICE_BANDS)?;
                    Some(Facets {
                        categories: categories
                            .into_iter()
                            .map(|c| FacetValue {
                                key: c.key,
                                count: c.count,
                            })
                            .collect(),
                        in_stock: bands
                            .iter()
                            .find(|b| b.key == "in_stock")
                            .map_or(0, |b| b.count),
                        price_bands: bands
                            .into_iter()
                            .filter(|b| b.key != "in_stock" && b.key != "other")
                            .map(|b| FacetValue {
                                key: b.key,
                                count: b.count,
                            })
                            .collect(),
                    })
                } else {
                    None
                };
                Ok((rows, facets))
            })
            .await?;
        let more = rows.len() > limit;
        rows.truncate(limit);
        let next_cursor = match (more, rows.last()) {
            (true, Some(last)) => Some(encode_cursor(&Cursor {
                s: sort,
                v: match sort {
                    SortOrder::Newest => serde_json::Value::Null,
                    SortOrder::PriceAsc | SortOrder::PriceDesc => last.min_price_minor.into(),
                    SortOrder::Name => last.name.clone().into(),
                },
                id: last.id.clone(),
            })),
            _ => None,
        };
        Ok(ProductPage {
            items: rows,
            next_cursor,
            facets,
        })
    }

    /// The POS scanner: an active variant by exact barcode or SKU.
    pub async fn lookup(&self, code: &str) -> Result<LookupView, AppError> {
        let code = code.trim().to_string();
        if code.is_empty() || code.len() > 64 {
            return Err(AppError::invalid("code", "must be a barcode or SKU"));
        }
        let found = self
            .db
            .read(move |conn| {
                let Some(v) = store::variant_by_code(conn, &code)? else {
                    return Ok(None);
                };
                let p = store::product(conn, &v.product_id)?;
                Ok(p.map(|p| (v, p)))
            })
            .await?;
        match found {
            Some((v, p)) if v.status == "active" && p.status == "active" => Ok(LookupView {
                product_id: p.id,
                product_name: p.name,
                hsn_code: p.hsn_code,
                gst_rate_bp: p.gst_rate_bp,
                variant: v.view(),
            }),
            _ => Err(AppError::NotFound("no active product has this code".into())),
        }
    }

    pub async fn categories(&self) -> Result<Vec<CategoryView>, AppError> {
        let rows = self.db.read(store::categories).await?;
        Ok(tree(&rows, None))
    }

    pub async fn create_category(&self, input: CategoryInput) -> Result<CategoryView, AppError> {
        let mut problems = Problems::default();
        let name = problems.check(check_text(&input.name, 120, "name"));
        let slug = match &input.slug {
            Some(s) => problems.check(Slug::parse(s, "slug")),
            None => name.as_deref().map(Slug::from_name),
        };
        problems.finish()?;
        let (Some(name), Some(slug)) = (name, slug) else {
            return Err(AppError::internal("checked fields missing"));
        };
        self.change(move |conn| {
            if store::category_slug_taken(conn, slug.as_str(), None)? {
                return Err(AppError::taken(
                    "slug",
                    "is already used by another category",
                ));
            }
            let id = new_id();
            let path = match &input.parent_id {
                Some(parent) => {
                    let parent = store::category(conn, parent)?
                        .ok_or_else(|| AppError::missing("parent_id", "is not a category"))?;
                    format!("{}{id}/", parent.path)
                }
                None => format!("/{id}/"),
            };
            if path.matches('/').count() > 9 {
                return Err(AppError::invalid(
                    "parent_id",
                    "categories nest at most 8 deep",
                ));
            }
            let now = now();
            let row = CategoryRow {
                id,
                parent_id: input.parent_id.clone(),
                name,
                slug: slug.as_str().to_string(),
                position: input.position,
                path,
                created_at: now,
                updated_at: now,
            };
            store::insert_category(conn, &row)?;
            Ok(category_view(&row))
        })
        .await
    }

    /// Renames, reorders or moves a category; a move carries its subtree along and is
    /// refused when the new parent is the category itself or one of its descendants.
    pub async fn update_category(
        &self,
        id: &str,
        patch: CategoryPatch,
    ) -> Result<CategoryView, AppError> {
        let mut problems = Problems::default();
        let name = patch
            .name
            .as_ref()
            .and_then(|n| problems.check(check_text(n, 120, "name")));
        let slug = patch
            .slug
            .as_ref()
            .and_then(|s| problems.check(Slug::parse(s, "slug")));
        problems.finish()?;
        let id = id.to_string();
        self.change(move |conn| {
            let mut row = store::category(conn, &id)?
                .ok_or_else(|| AppError::NotFound("no such category".into()))?;
            if let Some(name) = name {
                row.name = name;
            }
            if let Some(slug) = slug {
                if store::category_slug_taken(conn, slug.as_str(), Some(&row.id))? {
                    return Err(AppError::taken(
                        "slug",
                        "is already used by another category",
                    ));
                }
                row.slug = slug.as_str().to_string();
            }
            if let Some(position) = patch.position {
                row.position = position;
            }
            row.updated_at = now();
            if let Some(parent) = patch.parent_id {
                let old_path = row.path.clone();
                let new_path = match &parent {
                    Some(parent_id) => {
                        let parent = store::category(conn, parent_id)?
                            .ok_or_else(|| AppError::missing("parent_id", "is not a category"))?;
                        if parent.path.starts_with(&old_path) {
                            return Err(AppError::invalid(
                                "parent_id",
                                "would put the category under itself (a cycle)",
                            ));
                        }
                        format!("{}{}/", parent.path, row.id)
                    }
                    None => format!("/{}/", row.id),
                };
                let all = store::categories(conn)?;
                let depth = |p: &str| p.matches('/').count();
                let deepest = all
                    .iter()
                    .filter(|c| c.path.starts_with(&old_path))
                    .map(|c| depth(&c.path) - depth(&old_path))
                    .max()
                    .unwrap_or(0);
                if depth(&new_path) + deepest > 9 {
                    return Err(AppError::invalid(
                        "parent_id",
                        "categories nest at most 8 deep",
                    ));
                }
                let subtree: Vec<String> = all
                    .iter()
                    .filter(|c| c.path.starts_with(&old_path))
                    .map(|c| c.id.clone())
                    .collect();
                for mut child in all
                    .into_iter()
                    .filter(|c| c.path.starts_with(&old_path) && c.id != row.id)
                {
                    child.path = format!("{new_path}{}", &child.path[old_path.len()..]);
                    store::save_category(conn, &child)?;
                }
                row.parent_id = parent;
                row.path = new_path;
                store::save_category(conn, &row)?;
                // The moved products now sit under other ancestors.
                let moved = store::products_in_categories(conn, &subtree)?;
                store::rebuild_listing(conn, &moved)?;
                return Ok(category_view(&row));
            }
            store::save_category(conn, &row)?;
            Ok(category_view(&row))
        })
        .await
    }

    pub async fn delete_category(&self, id: &str) -> Result<(), AppError> {
        let id = id.to_string();
        self.change(move |conn| {
            let row = store::category(conn, &id)?
                .ok_or_else(|| AppError::NotFound("no such category".into()))?;
            let has_children = store::categories(conn)?
                .iter()
                .any(|c| c.parent_id.as_deref() == Some(row.id.as_str()));
            if has_children {
                return Err(AppError::Conflict(
                    "the category has sub-categories; move or delete them first".into(),
                ));
            }
            store::delete_category(conn, &row.id)
        })
        .await
    }

    pub async fn variant_infos(&self, ids: Vec<String>) -> Result<Vec<VariantInfo>, AppError> {
        self.db.read(move |conn| variant_infos(conn, &ids)).await
    }

    pub async fn variant_info_by_code(&self, code: &str) -> Result<Option<VariantInfo>, AppError> {
        let code = code.trim().to_string();
        self.db
            .read(move |conn| {
                let Some(v) = store::variant_by_code(conn, &code)? else {
                    return Ok(None);
                };
                Ok(store::product(conn, &v.product_id)?.map(|p| v.info(&p)))
            })
            .await
    }

    /// The one pricing function, which the cart and the POS both call: each active
    /// variant's lowest price among its list price, a sale live at `ctx.at`, and the
    /// prices of the price lists the customer belongs to.
    pub async fn prices(
        &self,
        ids: Vec<String>,
        ctx: &PriceContext,
    ) -> Result<Vec<ResolvedPrice>, AppError> {
        Ok(self.priced(ids, ctx).await?.1)
    }

    /// See `CatalogApi::counter_stock`.
    pub async fn counter_stock(
        &self,
        limit: i64,
    ) -> Result<crate::contracts::catalog::CounterStock, AppError> {
        let (ids, truncated, favourite_products) = self
            .db
            .read(move |conn| {
                let mut ids = store::active_variant_ids(conn, limit + 1)?;
                let truncated = ids.len() as i64 > limit;
                ids.truncate(usize::try_from(limit).unwrap_or(0));
                let favourites =
                    match store::collection(conn, crate::contracts::catalog::COUNTER_COLLECTION)? {
                        Some(c) => store::collection_products(conn, &c.id)?
                            .into_iter()
                            .map(|p| p.id)
                            .collect(),
                        None => Vec::new(),
                    };
                Ok((ids, truncated, favourites))
            })
            .await?;
        let (variants, prices) = self.priced(ids, &PriceContext::default()).await?;
        Ok(crate::contracts::catalog::CounterStock {
            variants,
            prices,
            favourite_products,
            truncated,
        })
    }

    /// The variants among `ids` (any status) and the prices of the active ones, read in
    /// one connection turn: what a cart needs to show and to check out.
    pub async fn priced(
        &self,
        ids: Vec<String>,
        ctx: &PriceContext,
    ) -> Result<(Vec<VariantInfo>, Vec<ResolvedPrice>), AppError> {
        let include_tax = self.profile.get().prices_include_tax;
        let at = ctx.at.map_or_else(now, |t| t.naive_utc());
        let customer = ctx.customer_id.clone();
        // One connection turn for the whole answer: the cart and POS call this per line change.
        let (infos, sales, lists) = self
            .db
            .read(move |conn| {
                let infos = variant_infos(conn, &ids)?;
                let sales = store::live_sales(conn, &ids, at)?;
                let lists = match &customer {
                    Some(c) => store::member_prices(conn, c, &ids)?,
                    None => Vec::new(),
                };
                Ok((infos, sales, lists))
            })
            .await?;
        let prices = infos
            .iter()
            .filter(|v| v.status == "active")
            .map(|v| {
                let mut best = (v.price_minor, "list".to_string());
                for sale in sales.iter().filter(|s| s.variant_id == v.variant_id) {
                    if sale.price < best.0 {
                        best = (sale.price, "sale".into());
                    }
                }
                for (_, price, list) in lists.iter().filter(|(id, _, _)| *id == v.variant_id) {
                    if *price < best.0 {
                        best = (*price, format!("price_list:{list}"));
                    }
                }
                ResolvedPrice {
                    variant_id: v.variant_id.clone(),
                    unit_price_minor: best.0,
                    list_price_minor: v.price_minor,
                    source: best.1,
                    prices_include_tax: include_tax,
                }
            })
            .collect();
        Ok((infos, prices))
    }

    /// Imports products from CSV: every row is checked and all errors returned; a clean
    /// file is applied in one transaction (or only tried, and rolled back, on a dry run).
    pub async fn import_csv(
        &self,
        principal: &Principal,
        body: Vec<u8>,
        dry_run: bool,
    ) -> Result<super::csv_io::ImportSummary, AppError> {
        let principal = principal.clone();
        let rates = self.settings.gst_rates_bp.clone();
        let run =
            move |conn: &mut DbConnection| super::csv_io::import(conn, &principal, &body, &rates);
        let mut summary = if dry_run {
            self.db.dry_run(run).await?
        } else {
            self.change(run).await?
        };
        summary.dry_run = dry_run;
        Ok(summary)
    }

    /// One page of the CSV export (products after `after`, by id), and the last id.
    pub async fn export_page(
        &self,
        principal: &Principal,
        after: Option<String>,
    ) -> Result<(String, Option<String>), AppError> {
        let seller = match Self::scope(principal) {
            Scope::All => None,
            Scope::Owner(me) => Some(me),
        };
        self.db
            .read(move |conn| {
                let products =
                    store::products_after(conn, after.as_deref(), seller.as_deref(), 500)?;
                let slugs: HashMap<String, String> = store::categories(conn)?
                    .into_iter()
                    .map(|c| (c.id, c.slug))
                    .collect();
                let text = super::csv_io::lines(conn, &products, &slugs)?;
                let last = if products.len() == 500 {
                    products.last().map(|p| p.id.clone())
                } else {
                    None
                };
                Ok((text, last))
            })
            .await
    }

    pub async fn collections(&self) -> Result<Vec<CollectionView>, AppError> {
        let rows = self.db.read(store::collections).await?;
        Ok(rows.iter().map(|c| collection_view(c, None)).collect())
    }

    /// A collection with its active products in order (public).
    pub async fn collection(&self, id_or_slug: &str) -> Result<CollectionView, AppError> {
        let key = id_or_slug.to_string();
        self.db
            .read(move |conn| {
                let row = store::collection(conn, &key)?
                    .ok_or_else(|| AppError::NotFound("no such collection".into()))?;
                let products = store::collection_products(conn, &row.id)?;
                Ok(collection_view(&row, Some(products)))
            })
            .await
    }

    pub async fn save_collection(
        &self,
        id: Option<&str>,
        input: CollectionInput,
    ) -> Result<CollectionView, AppError> {
        let mut problems = Problems::default();
        let name = input
            .name
            .as_deref()
            .and_then(|n| problems.check(check_text(n, 120, "name")));
        if id.is_none() && input.name.is_none() {
            problems.add("name", "is required");
        }
        let slug = match (&input.slug, &name) {
            (Some(s), _) => problems.check(Slug::parse(s, "slug")),
            (None, Some(n)) if id.is_none() => Some(Slug::from_name(n)),
            _ => None,
        };
        if input
            .description
            .as_ref()
            .is_some_and(|d| d.chars().count() > 5_000)
        {
            problems.add("description", "at most 5000 characters");
        }
        problems.finish()?;
        let id = id.map(str::to_string);
        self.change(move |conn| {
            let now = now();
            let (mut row, new) = match &id {
                Some(id) => (
                    store::collection(conn, id)?
                        .ok_or_else(|| AppError::NotFound("no such collection".into()))?,
                    false,
                ),
                None => (
                    store::CollectionRow {
                        id: new_id(),
                        name: String::new(),
                        slug: String::new(),
                        description: String::new(),
                        position: 0,
                        created_at: now,
                        updated_at: now,
                    },
                    true,
                ),
            };
            if let Some(n) = name {
                row.name = n;
            }
            if let Some(s) = slug {
                if store::collection_slug_taken(conn, s.as_str(), Some(&row.id))? {
                    return Err(AppError::taken(
                        "slug",
                        "is already used by another collection",
                    ));
                }
                row.slug = s.as_str().to_string();
            }
            if let Some(d) = input.description {
                row.description = d.trim().to_string();
            }
            if let Some(p) = input.position {
                row.position = p;
            }
            row.updated_at = now;
            store::save_collection(conn, &row, new)?;
            Ok(collection_view(&row, None))
        })
        .await
    }

    /// Replaces a collection's products, in the given order.
    pub async fn set_collection_products(
        &self,
        id: &str,
        input: CollectionProducts,
    ) -> Result<CollectionView, AppError> {
        if input.product_ids.len() > 500 {
            return Err(AppError::invalid("product_ids", "at most 500 products"));
        }
        let mut seen = BTreeSet::new();
        if let Some(i) = input
            .product_ids
            .iter()
            .position(|p| !seen.insert(p.clone()))
        {
            return Err(AppError::invalid(
                format!("product_ids[{i}]"),
                "is repeated",
            ));
        }
        let id = id.to_string();
        self.change(move |conn| {
            let row = store::collection(conn, &id)?
                .ok_or_else(|| AppError::NotFound("no such collection".into()))?;
            let found: BTreeSet<String> = store::products_by_ids(conn, &input.product_ids)?
                .into_iter()
                .map(|p| p.id)
                .collect();
            if let Some(i) = input.product_ids.iter().position(|p| !found.contains(p)) {
                return Err(AppError::missing(
                    format!("product_ids[{i}]"),
                    "is not a product",
                ));
            }
            store::set_collection_products(conn, &row.id, &input.product_ids)?;
            let products = store::collection_products(conn, &row.id)?;
            Ok(collection_view(&row, Some(products)))
        })
        .await
    }

    pub async fn delete_collection(&self, id: &str) -> Result<(), AppError> {
        let id = id.to_string();
        self.change(move |conn| {
            let row = store::collection(conn, &id)?
                .ok_or_else(|| AppError::NotFound("no such collection".into()))?;
            store::delete_collection(conn, &row.id)
        })
        .await
    }

    pub async fn price_lists(&self) -> Result<Vec<PriceListView>, AppError> {
        self.db
            .read(|conn| {
                let lists = store::price_lists(conn)?;
                lists
                    .into_iter()
                    .map(|l| price_list_view(conn, l))
                    .collect()
            })
            .await
    }

    pub async fn create_price_list(
        &self,
        input: PriceListInput,
    ) -> Result<PriceListView, AppError> {
        let name = check_text(&input.name, 100, "name")?;
        self.db
            .write(move |conn| {
                let now = now();
                let row = store::PriceListRow {
                    id: new_id(),
                    name,
                    active: input.active.unwrap_or(true),
                    created_at: now,
                    updated_at: now,
                };
                store::insert_price_list(conn, &row)?;
                price_list_view(conn, row)
            })
            .await
    }

    /// Sets prices in a list; a `null` price takes the variant out of the list.
    pub async fn set_list_prices(
        &self,
        list_id: &str,
        input: PriceListPrices,
    ) -> Result<PriceListView, AppError> {
        let mut problems = Problems::default();
        if input.prices.is_empty() || input.prices.len() > 1000 {
            problems.add("prices", "must have 1 to 1000 entries");
        }
        for (i, p) in input.prices.iter().enumerate() {
            if let Some(price) = p.price_minor {
                problems.check(check_price(price, &format!("prices[{i}].price_minor")));
            }
        }
        problems.finish()?;
        let list_id = list_id.to_string();
        self.db
            .write(move |conn| {
                let list = store::price_list(conn, &list_id)?
                    .ok_or_else(|| AppError::NotFound("no such price list".into()))?;
                let ids: Vec<String> = input.prices.iter().map(|p| p.variant_id.clone()).collect();
                let known: BTreeSet<String> = store::variants_by_ids(conn, &ids)?
                    .into_iter()
                    .map(|v| v.id)
                    .collect();
                if let Some(i) = ids.iter().position(|id| !known.contains(id)) {
                    return Err(AppError::missing(
                        format!("prices[{i}].variant_id"),
                        "is not a variant",
                    ));
                }
                for p in &input.prices {
                    store::set_list_price(conn, &list.id, &p.variant_id, p.price_minor)?;
                }
                price_list_view(conn, list)
            })
            .await
    }

    /// Replaces the customers a price list applies to.
    pub async fn set_list_members(
        &self,
        list_id: &str,
        input: PriceListMembers,
    ) -> Result<PriceListView, AppError> {
        if input.user_ids.len() > 10_000 {
            return Err(AppError::invalid("user_ids", "at most 10000 members"));
        }
        let list_id = list_id.to_string();
        self.db
            .write(move |conn| {
                let list = store::price_list(conn, &list_id)?
                    .ok_or_else(|| AppError::NotFound("no such price list".into()))?;
                let unique: Vec<String> = input
                    .user_ids
                    .iter()
                    .cloned()
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect();
                // Accounts are the users domain's: the foreign key tells us which exist.
                store::set_members(conn, &list.id, &unique).map_err(|e| match e {
                    AppError::BadRequest(m) if m == crate::http::MISSING_REFERENCE => {
                        AppError::missing("user_ids", "names an account that does not exist")
                    }
                    other => other,
                })?;
                price_list_view(conn, list)
            })
            .await
    }

    /// Schedules a sale price for a variant of the caller's (or, for staff, any) product.
    pub async fn add_sale(
        &self,
        principal: &Principal,
        variant_id: &str,
        input: SaleInput,
    ) -> Result<SaleView, AppError> {
        let mut problems = Problems::default();
        problems.check(check_price(input.price_minor, "price_minor"));
        if let Some(end) = input.ends_at
            && end <= input.starts_at
        {
            problems.add("ends_at", "must be after starts_at");
        }
        problems.finish()?;
        let principal = principal.clone();
        let variant_id = variant_id.to_string();
        self.change(move |conn| {
            let variant = store::variant(conn, &variant_id)?
                .ok_or_else(|| AppError::NotFound("no such variant".into()))?;
            Self::owned(conn, &principal, &variant.product_id)?;
            if input.price_minor >= variant.price {
                return Err(AppError::invalid(
                    "price_minor",
                    "must be below the variant's price",
                ));
            }
            let row = store::SaleRow {
                id: new_id(),
                variant_id: variant.id,
                price: input.price_minor,
                starts_at: input.starts_at.naive_utc(),
                ends_at: input.ends_at.map(|t| t.naive_utc()),
                created_at: now(),
            };
            store::insert_sale(conn, &row)?;
            Ok(sale_view(&row))
        })
        .await
    }

    pub async fn sales(
        &self,
        principal: &Principal,
        variant_id: &str,
    ) -> Result<Vec<SaleView>, AppError> {
        let principal = principal.clone();
        let variant_id = variant_id.to_string();
        self.db
            .read(move |conn| {
                let variant = store::variant(conn, &variant_id)?
                    .ok_or_else(|| AppError::NotFound("no such variant".into()))?;
                Self::owned(conn, &principal, &variant.product_id)?;
                Ok(store::sales_of(conn, &variant.id)?
                    .iter()
                    .map(sale_view)
                    .collect())
            })
            .await
    }

    pub async fn delete_sale(&self, principal: &Principal, id: &str) -> Result<(), AppError> {
        let principal = principal.clone();
        let id = id.to_string();
        self.change(move |conn| {
            let sale =
                store::sale(conn, &id)?.ok_or_else(|| AppError::NotFound("no such sale".into()))?;
            let variant = store::variant(conn, &sale.variant_id)?
                .ok_or_else(|| AppError::NotFound("no such sale".into()))?;
            Self::owned(conn, &principal, &variant.product_id)?;
            store::delete_sale(conn, &sale.id)
        })
        .await
    }
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CollectionInput {
    /// Required when creating.
    #[schema(min_length = 1, max_length = 120, pattern = r"\S")]
    pub name: Option<String>,
    #[schema(
        min_length = 1,
        max_length = 120,
        pattern = "^[a-z0-9]+(?:-[a-z0-9]+)*$"
    )]
    pub slug: Option<String>,
    #[schema(max_length = 5_000)]
    pub description: Option<String>,
    pub position: Option<i32>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CollectionProducts {
    /// In the order the storefront shows them.
    #[schema(max_items = 500)]
    pub product_ids: Vec<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CollectionView {
    pub id: String,
    pub name: String,
    pub slug: String,
    pub description: String,
    pub position: i32,
    /// The active products, in order (on a single collection's page).
    pub products: Option<Vec<ProductSummary>>,
}

fn collection_view(
    c: &store::CollectionRow,
    products: Option<Vec<ProductSummary>>,
) -> CollectionView {
    CollectionView {
        id: c.id.clone(),
        name: c.name.clone(),
        slug: c.slug.clone(),
        description: c.description.clone(),
        position: c.position,
        products,
    }
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PriceListInput {
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    pub name: String,
    pub active: Option<bool>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PriceEntry {
    pub variant_id: String,
    /// `null` removes the variant from the list.
    #[schema(minimum = 0, maximum = 1_000_000_000)]
    pub price_minor: Option<i64>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PriceListPrices {
    #[schema(min_items = 1, max_items = 1000)]
    pub prices: Vec<PriceEntry>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PriceListMembers {
    #[schema(max_items = 10_000)]
    pub user_ids: Vec<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ListPrice {
    pub variant_id: String,
    pub price_minor: i64,
    pub sku: String,
    /// The variant's option values (`500 g`), empty for a product without options.
    pub variant_title: String,
    pub product_name: String,
    /// The variant's own price, for comparison.
    pub base_price_minor: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PriceListView {
    pub id: String,
    pub name: String,
    pub active: bool,
    pub prices: Vec<ListPrice>,
    pub member_ids: Vec<String>,
}

fn price_list_view(
    conn: &mut DbConnection,
    l: store::PriceListRow,
) -> Result<PriceListView, AppError> {
    Ok(PriceListView {
        prices: store::list_prices(conn, &l.id)?
            .into_iter()
            .map(
                |(variant_id, price_minor, sku, variant_title, product_name, base_price_minor)| {
                    ListPrice {
                        variant_id,
                        price_minor,
                        sku,
                        variant_title,
                        product_name,
                        base_price_minor,
                    }
                },
            )
            .collect(),
        member_ids: store::members(conn, &l.id)?,
        id: l.id,
        name: l.name,
        active: l.active,
    })
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SaleInput {
    #[schema(minimum = 0, maximum = 1_000_000_000)]
    pub price_minor: i64,
    pub starts_at: chrono::DateTime<chrono::Utc>,
    /// Open-ended when absent.
    pub ends_at: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SaleView {
    pub id: String,
    pub variant_id: String,
    pub price_minor: i64,
    pub starts_at: chrono::DateTime<chrono::Utc>,
    pub ends_at: Option<chrono::DateTime<chrono::Utc>>,
}

fn sale_view(s: &store::SaleRow) -> SaleView {
    SaleView {
        id: s.id.clone(),
        variant_id: s.variant_id.clone(),
        price_minor: s.price,
        starts_at: utc(s.starts_at),
        ends_at: s.ends_at.map(utc),
    }
}

/// Variants with their products' data, as other domains see them.
fn variant_infos(conn: &mut DbConnection, ids: &[String]) -> Result<Vec<VariantInfo>, AppError> {
    let variants = store::variants_by_ids(conn, ids)?;
    let product_ids: Vec<String> = variants.iter().map(|v| v.product_id.clone()).collect();
    let products: HashMap<String, ProductRow> = store::products_by_ids(conn, &product_ids)?
        .into_iter()
        .map(|p| (p.id.clone(), p))
        .collect();
    Ok(variants
        .iter()
        .filter_map(|v| products.get(&v.product_id).map(|p| v.info(p)))
        .collect())
}

/// Moves a field name in a validation error (`variant[0].sku` → `variant.sku`).
fn rename_field(e: AppError, from: &str, to: &str) -> AppError {
    match e {
        AppError::Validation(errors) => AppError::Validation(
            errors
                .into_iter()
                .map(|mut f| {
                    f.field = f.field.replacen(from, to, 1);
                    f
                })
                .collect(),
        ),
        other => other,
    }
}

fn category_view(c: &CategoryRow) -> CategoryView {
    CategoryView {
        id: c.id.clone(),
        parent_id: c.parent_id.clone(),
        name: c.name.clone(),
        slug: c.slug.clone(),
        position: c.position,
        children: Vec::new(),
    }
}

fn tree(rows: &[CategoryRow], parent: Option<&str>) -> Vec<CategoryView> {
    let mut level: Vec<&CategoryRow> = rows
        .iter()
        .filter(|c| c.parent_id.as_deref() == parent)
        .collect();
    level.sort_by(|a, b| {
        a.position
            .cmp(&b.position)
            .then_with(|| a.name.cmp(&b.name))
    });
    level
        .into_iter()
        .map(|c| CategoryView {
            children: tree(rows, Some(&c.id)),
            ..category_view(c)
        })
        .collect()
}
