//! What other domains may ask the catalog: variants by id or scanned code (with owner and
//! tax data), and the one pricing function the cart and the POS both call.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::http::AppError;

/// A sellable variant as other domains see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariantInfo {
    pub variant_id: String,
    pub product_id: String,
    pub sku: String,
    pub barcode: Option<String>,
    /// Product name and variant title, e.g. "Basmati rice / 5 kg".
    pub name: String,
    /// The seller who owns the product.
    pub seller_id: String,
    /// `draft`, `active` or `archived` (of the product; an archived variant is archived).
    pub status: String,
    /// List price in minor units (paise), as entered.
    pub price_minor: i64,
    pub hsn_code: String,
    /// GST rate in basis points (1800 = 18 %).
    pub gst_rate_bp: i32,
    pub weight_grams: i32,
}

/// Whom and when a price is for.
#[derive(Debug, Clone, Default)]
pub struct PriceContext {
    /// The customer, whose price lists (e.g. wholesale) apply.
    pub customer_id: Option<String>,
    /// When the price applies (sale windows); `None` = now.
    pub at: Option<DateTime<Utc>>,
}

/// The price a variant sells at, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResolvedPrice {
    pub variant_id: String,
    /// What the customer pays per unit, in minor units, as entered (tax-inclusive or not
    /// per `catalog.prices_include_tax`).
    pub unit_price_minor: i64,
    /// The list price, for showing a strike-through when lower.
    pub list_price_minor: i64,
    /// `list`, `sale` or `price_list:{name}`.
    pub source: String,
    pub prices_include_tax: bool,
}

/// What a counter device keeps to sell without a connection: the active variants with
/// their walk-in prices (sales live now included), and which products the merchant put
/// in the `counter` collection (the till's favourites grid: loose goods without barcodes).
#[derive(Debug, Clone, Default)]
pub struct CounterStock {
    pub variants: Vec<VariantInfo>,
    pub prices: Vec<ResolvedPrice>,
    pub favourite_products: Vec<String>,
    /// More active variants exist than a device is sent.
    pub truncated: bool,
}

/// The collection whose products are the counter's favourites.
pub const COUNTER_COLLECTION: &str = "counter";

#[async_trait::async_trait]
pub trait CatalogApi: Send + Sync {
    /// The variants among `ids` that exist (in any status), in no particular order.
    async fn variants(&self, ids: &[String]) -> Result<Vec<VariantInfo>, AppError>;

    /// The variant with this exact barcode or SKU (the POS scanner).
    async fn variant_by_code(&self, code: &str) -> Result<Option<VariantInfo>, AppError>;

    /// Prices for `ids`: the lowest of the list price, a sale price live at `ctx.at`, and
    /// the prices of the customer's price lists. Unknown or non-active variants are left out.
    async fn prices(
        &self,
        ids: &[String],
        ctx: &PriceContext,
    ) -> Result<Vec<ResolvedPrice>, AppError>;

    /// `variants` and `prices` of the same ids in one call (one database turn): what a
    /// cart needs on every change and at checkout.
    async fn priced_variants(
        &self,
        ids: &[String],
        ctx: &PriceContext,
    ) -> Result<(Vec<VariantInfo>, Vec<ResolvedPrice>), AppError>;

    /// Every active variant (up to `limit`) priced for a walk-in buyer now, with the
    /// counter's favourites, in one database turn.
    async fn counter_stock(&self, limit: i64) -> Result<CounterStock, AppError>;
}
