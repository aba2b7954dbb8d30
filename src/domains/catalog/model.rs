//! Catalog values that carry their own proof (SKU, barcode, slug, HSN code, GST rate,
//! price), the rows as stored, and the views the API returns.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::contracts::catalog::VariantInfo;
use crate::http::AppError;
use crate::http::FieldError;

/// Collects every field error of a request, so one answer names them all.
#[derive(Default)]
pub struct Problems(pub Vec<FieldError>);

impl Problems {
    pub fn check<T>(&mut self, result: Result<T, AppError>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(AppError::Validation(errors)) => {
                self.0.extend(errors);
                None
            }
            Err(other) => {
                self.0.push(FieldError::new("", other.to_string()));
                None
            }
        }
    }

    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }

    pub fn finish(self) -> Result<(), AppError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(AppError::Validation(self.0))
        }
    }
}

/// A stock-keeping unit: 1 to 64 of letters, digits and `-_./`, kept as entered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sku(String);

impl Sku {
    pub fn parse(raw: &str, field: &str) -> Result<Sku, AppError> {
        let sku = raw.trim();
        if sku.is_empty()
            || sku.len() > 64
            || !sku
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c))
        {
            return Err(AppError::invalid(
                field,
                "must be 1 to 64 letters, digits or - _ . /",
            ));
        }
        Ok(Sku(sku.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An EAN-13, EAN-8, UPC-A (12) or GTIN-14 code whose check digit is right.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Barcode(String);

impl Barcode {
    pub fn parse(raw: &str, field: &str) -> Result<Barcode, AppError> {
        let code = raw.trim();
        if !matches!(code.len(), 8 | 12 | 13 | 14) || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(AppError::invalid(
                field,
                "must be an EAN-8, UPC-A, EAN-13 or GTIN-14 code (8, 12, 13 or 14 digits)",
            ));
        }
        if !gtin_check_digit_ok(code) {
            return Err(AppError::invalid(field, "has a wrong check digit"));
        }
        Ok(Barcode(code.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// GS1 mod-10: from the right, excluding the check digit, weights 3, 1, 3, 1...
fn gtin_check_digit_ok(code: &str) -> bool {
    let digits: Vec<u32> = code.bytes().map(|b| u32::from(b - b'0')).collect();
    let Some((check, body)) = digits.split_last() else {
        return false;
    };
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| if i % 2 == 0 { d * 3 } else { *d })
        .sum();
    (10 - sum % 10) % 10 == *check
}

/// A URL slug: lowercase letters, digits and single hyphens, 1 to 120 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slug(String);

impl Slug {
    pub fn parse(raw: &str, field: &str) -> Result<Slug, AppError> {
        let ok = !raw.is_empty()
            && raw.len() <= 120
            && raw
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !raw.starts_with('-')
            && !raw.ends_with('-')
            && !raw.contains("--");
        if !ok {
            return Err(AppError::invalid(
                field,
                "must be lowercase letters, digits and single hyphens (1 to 120)",
            ));
        }
        Ok(Slug(raw.to_string()))
    }

    /// A slug made from a name: "Basmati Rice (5 kg)" → "basmati-rice-5-kg".
    pub fn from_name(name: &str) -> Slug {
        let mut out = String::new();
        for c in name.chars() {
            if c.is_ascii_alphanumeric() {
                out.push(c.to_ascii_lowercase());
            } else if !out.ends_with('-') && !out.is_empty() {
                out.push('-');
            }
            if out.len() >= 100 {
                break;
            }
        }
        let trimmed = out.trim_end_matches('-');
        Slug(if trimmed.is_empty() {
            "item".to_string()
        } else {
            trimmed.to_string()
        })
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An HSN code (goods: 4, 6 or 8 digits) or SAC code (services: 6 digits starting 99).
pub fn check_hsn(raw: &str, field: &str) -> Result<String, AppError> {
    let code = raw.trim();
    if !matches!(code.len(), 4 | 6 | 8) || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(AppError::invalid(
            field,
            "must be an HSN code of 4, 6 or 8 digits, or a 6-digit SAC code",
        ));
    }
    Ok(code.to_string())
}

/// A GST rate in basis points that the store allows (`catalog.gst_rates_bp`).
pub fn check_gst_rate(bp: i32, allowed: &[i32], field: &str) -> Result<i32, AppError> {
    if allowed.contains(&bp) {
        Ok(bp)
    } else {
        let list: Vec<String> = allowed.iter().map(|r| r.to_string()).collect();
        Err(AppError::invalid(
            field,
            format!("must be one of {} (basis points)", list.join(", ")),
        ))
    }
}

/// An amount in minor units (paise): never negative, at most ₹1 crore per unit.
pub fn check_price(minor: i64, field: &str) -> Result<i64, AppError> {
    if !(0..=1_000_000_000).contains(&minor) {
        return Err(AppError::invalid(
            field,
            "must be between 0 and 1000000000 minor units",
        ));
    }
    Ok(minor)
}

/// Trimmed text of 1 to `max` characters (as sent).
pub fn check_text(raw: &str, max: usize, field: &str) -> Result<String, AppError> {
    crate::contracts::fields::text(raw, field, max).map_err(|e| AppError::Validation(vec![e]))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProductStatus {
    Draft,
    Active,
    Archived,
}

impl ProductStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ProductStatus::Draft => "draft",
            ProductStatus::Active => "active",
            ProductStatus::Archived => "archived",
        }
    }
}

/// A product option such as Size with its values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductOption {
    #[schema(min_length = 1, max_length = 40, pattern = r"\S")]
    pub name: String,
    #[schema(min_items = 1, max_items = 100)]
    pub values: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Dimensions {
    #[schema(minimum = 1, maximum = 10_000)]
    pub length_mm: i32,
    #[schema(minimum = 1, maximum = 10_000)]
    pub width_mm: i32,
    #[schema(minimum = 1, maximum = 10_000)]
    pub height_mm: i32,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = crate::schema::catalog_products)]
pub struct ProductRow {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub status: String,
    pub seller_id: String,
    pub hsn_code: String,
    pub gst_rate_bp: i32,
    pub options: String,
    pub min_price: i64,
    pub max_price: i64,
    pub in_stock: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = crate::schema::catalog_variants)]
pub struct VariantRow {
    pub id: String,
    pub product_id: String,
    pub sku: String,
    pub barcode: Option<String>,
    pub title: String,
    pub options: String,
    pub price: i64,
    pub compare_at_price: Option<i64>,
    pub weight_grams: i32,
    pub length_mm: Option<i32>,
    pub width_mm: Option<i32>,
    pub height_mm: Option<i32>,
    pub status: String,
    pub available: i64,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = crate::schema::catalog_categories)]
pub struct CategoryRow {
    pub id: String,
    pub parent_id: Option<String>,
    pub name: String,
    pub slug: String,
    pub position: i32,
    pub path: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A variant as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VariantView {
    pub id: String,
    pub sku: String,
    pub barcode: Option<String>,
    pub title: String,
    pub options: BTreeMap<String, String>,
    /// In minor units (paise).
    pub price_minor: i64,
    pub compare_at_minor: Option<i64>,
    /// What it sells at now for everybody: the price, or a live sale's lower price.
    /// (Customers on a price list may pay less: see `/api/v1/catalog/prices`.)
    pub price_now_minor: i64,
    pub weight_grams: i32,
    pub dimensions_mm: Option<Dimensions>,
    pub status: String,
    /// Units available across locations (kept from inventory's events).
    pub available: i64,
}

impl VariantRow {
    pub fn view(&self) -> VariantView {
        let dimensions_mm = match (self.length_mm, self.width_mm, self.height_mm) {
            (Some(length_mm), Some(width_mm), Some(height_mm)) => Some(Dimensions {
                length_mm,
                width_mm,
                height_mm,
            }),
            _ => None,
        };
        VariantView {
            id: self.id.clone(),
            sku: self.sku.clone(),
            barcode: self.barcode.clone(),
            title: self.title.clone(),
            options: serde_json::from_str(&self.options).unwrap_or_default(),
            price_minor: self.price,
            compare_at_minor: self.compare_at_price,
            price_now_minor: self.price,
            weight_grams: self.weight_grams,
            dimensions_mm,
            status: self.status.clone(),
            available: self.available,
        }
    }

    pub fn info(&self, product: &ProductRow) -> VariantInfo {
        let name = if self.title.is_empty() {
            product.name.clone()
        } else {
            format!("{} / {}", product.name, self.title)
        };
        let status = if self.status == "archived" {
            "archived".to_string()
        } else {
            product.status.clone()
        };
        VariantInfo {
            variant_id: self.id.clone(),
            product_id: product.id.clone(),
            sku: self.sku.clone(),
            barcode: self.barcode.clone(),
            name,
            seller_id: product.seller_id.clone(),
            status,
            price_minor: self.price,
            hsn_code: product.hsn_code.clone(),
            gst_rate_bp: product.gst_rate_bp,
            weight_grams: self.weight_grams,
        }
    }
}

/// A product with its variants and categories.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProductView {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub status: String,
    pub seller_id: String,
    pub hsn_code: String,
    /// GST rate in basis points (1800 = 18 %).
    pub gst_rate_bp: i32,
    pub options: Vec<ProductOption>,
    pub variants: Vec<VariantView>,
    pub images: Vec<super::service::ImageView>,
    pub category_ids: Vec<String>,
    pub min_price_minor: i64,
    pub max_price_minor: i64,
    pub in_stock: bool,
    pub prices_include_tax: bool,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

/// A product in a list.
#[derive(Debug, Clone, Serialize, ToSchema, QueryableByName)]
pub struct ProductSummary {
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub id: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub slug: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub name: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub status: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub seller_id: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub min_price_minor: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub max_price_minor: i64,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    pub in_stock: bool,
    /// The cheapest variant's compare-at price (shown struck through), when above its price.
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::BigInt>)]
    pub compare_at_minor: Option<i64>,
    /// The first image, as `/media/...`.
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    #[serde(rename = "image_url", serialize_with = "media_url")]
    #[schema(value_type = Option<String>)]
    pub image_key: Option<String>,
}

/// A stored file's key as the URL that serves it.
pub fn media_path(key: &str) -> String {
    format!("/media/{key}")
}

fn media_url<S: serde::Serializer>(key: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
    match key {
        Some(k) => s.serialize_some(&media_path(k)),
        None => s.serialize_none(),
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CategoryView {
    pub id: String,
    pub parent_id: Option<String>,
    pub name: String,
    pub slug: String,
    pub position: i32,
    /// Sub-categories, in position order.
    #[schema(no_recursion)]
    pub children: Vec<CategoryView>,
}

pub fn utc(t: NaiveDateTime) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_naive_utc_and_offset(t, chrono::Utc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn barcodes_need_the_right_check_digit() {
        // Check digits worked out by hand with the GS1 weights.
        assert!(Barcode::parse("4006381333931", "b").is_ok()); // EAN-13
        assert!(Barcode::parse("4006381333932", "b").is_err());
        assert!(Barcode::parse("036000291452", "b").is_ok()); // UPC-A
        assert!(Barcode::parse("036000291453", "b").is_err());
        assert!(Barcode::parse("96385074", "b").is_ok()); // EAN-8
        assert!(Barcode::parse("96385075", "b").is_err());
        assert!(Barcode::parse("12345", "b").is_err());
        assert!(Barcode::parse("40063813339a1", "b").is_err());
    }

    #[test]
    fn slugs_are_made_from_names_and_checked() {
        assert_eq!(
            Slug::from_name("Basmati Rice (5 kg)").as_str(),
            "basmati-rice-5-kg"
        );
        assert_eq!(Slug::from_name("!!!").as_str(), "item");
        assert!(Slug::parse("basmati-rice", "slug").is_ok());
        assert!(Slug::parse("Basmati", "slug").is_err());
        assert!(Slug::parse("a--b", "slug").is_err());
    }

    #[test]
    fn skus_hsn_and_rates_are_checked() {
        assert!(Sku::parse("RICE-BAS/5KG", "sku").is_ok());
        assert!(Sku::parse("rice bas", "sku").is_err());
        assert!(check_hsn("1006", "hsn").is_ok());
        assert!(check_hsn("10063020", "hsn").is_ok());
        assert!(check_hsn("10063", "hsn").is_err());
        assert!(check_gst_rate(1800, &[0, 500, 1200, 1800, 2800], "g").is_ok());
        assert!(check_gst_rate(1500, &[0, 500, 1200, 1800, 2800], "g").is_err());
        assert!(check_price(-1, "p").is_err());
    }
}
