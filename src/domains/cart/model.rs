//! Carts, discount codes and the POS as stored and shown.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::contracts::orders::{ChargeDraft, OrderTotals};
use crate::schema::{carts, discount_codes, pos_registers, pos_sessions};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = carts)]
pub struct CartRow {
    pub id: String,
    pub token_hash: Option<String>,
    pub customer_id: Option<String>,
    pub channel: String,
    pub register_session_id: Option<String>,
    pub status: String,
    pub order_id: Option<String>,
    pub discount_code: Option<String>,
    pub details: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Who a POS sale is for (a walk-in customer has none of these).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CartCustomer {
    pub customer_id: Option<String>,
    #[schema(max_length = 200)]
    pub name: Option<String>,
    #[schema(schema_with = crate::contracts::fields::schema::gstin_or_null)]
    pub buyer_gstin: Option<String>,
}

/// What a cart keeps beside its columns.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CartDetails {
    #[serde(default)]
    pub customer: CartCustomer,
    /// Once sold at the counter: (grand total, tax) of the sale, for the session report.
    #[serde(default)]
    pub sale: Option<(i64, i64)>,
}

impl CartRow {
    /// A new open web cart: a guest's (by the token's hash) or a customer's.
    pub fn web(
        id: String,
        token_hash: Option<String>,
        customer_id: Option<String>,
        now: chrono::NaiveDateTime,
    ) -> CartRow {
        CartRow {
            id,
            token_hash,
            customer_id,
            channel: "web".into(),
            register_session_id: None,
            status: "open".into(),
            order_id: None,
            discount_code: None,
            details: "{}".into(),
            created_at: now,
            updated_at: now,
        }
    }

    pub fn details(&self) -> CartDetails {
        serde_json::from_str(&self.details).unwrap_or_default()
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = discount_codes)]
pub struct DiscountRow {
    pub id: String,
    pub code: String,
    pub kind: String,
    pub value: i64,
    pub min_order_minor: i64,
    pub starts_at: Option<NaiveDateTime>,
    pub ends_at: Option<NaiveDateTime>,
    pub max_uses: Option<i64>,
    pub max_uses_per_customer: Option<i64>,
    pub used_count: i64,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl DiscountRow {
    /// Why the code does not apply to goods worth `subtotal` at `now`, if it does not.
    pub fn refusal(&self, subtotal: i64, now: NaiveDateTime) -> Option<String> {
        if !self.active {
            return Some("is not active".into());
        }
        if self.starts_at.is_some_and(|s| now < s) {
            return Some("is not valid yet".into());
        }
        if self.ends_at.is_some_and(|e| now >= e) {
            return Some("has expired".into());
        }
        if self.max_uses.is_some_and(|m| self.used_count >= m) {
            return Some("has been used up".into());
        }
        if subtotal < self.min_order_minor {
            return Some(format!(
                "needs an order of at least {} (minor units)",
                self.min_order_minor
            ));
        }
        None
    }

    /// The discount on goods worth `subtotal`: a percentage (basis points, rounded
    /// half-up) or a fixed amount, never more than the goods.
    pub fn amount(&self, subtotal: i64) -> i64 {
        let raw = if self.kind == "percent" {
            (i128::from(subtotal) * i128::from(self.value) * 2 + 10_000) / 20_000
        } else {
            i128::from(self.value)
        };
        (raw as i64).clamp(0, subtotal.max(0))
    }

    pub fn view(&self) -> DiscountView {
        DiscountView {
            id: self.id.clone(),
            code: self.code.clone(),
            kind: self.kind.clone(),
            value: self.value,
            min_order_minor: self.min_order_minor,
            starts_at: self.starts_at.map(|t| t.and_utc()),
            ends_at: self.ends_at.map(|t| t.and_utc()),
            max_uses: self.max_uses,
            max_uses_per_customer: self.max_uses_per_customer,
            used_count: self.used_count,
            active: self.active,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DiscountView {
    pub id: String,
    pub code: String,
    /// `percent` (value in basis points) or `fixed` (value in minor units).
    pub kind: String,
    pub value: i64,
    pub min_order_minor: i64,
    pub starts_at: Option<chrono::DateTime<chrono::Utc>>,
    pub ends_at: Option<chrono::DateTime<chrono::Utc>>,
    pub max_uses: Option<i64>,
    pub max_uses_per_customer: Option<i64>,
    pub used_count: i64,
    pub active: bool,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = pos_registers)]
pub struct RegisterRow {
    pub id: String,
    pub name: String,
    pub location_id: String,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RegisterView {
    pub id: String,
    pub name: String,
    pub location_id: String,
    pub active: bool,
    /// The session open on it now, if any (a till resumes it).
    pub open_session_id: Option<String>,
}

impl From<RegisterRow> for RegisterView {
    fn from(r: RegisterRow) -> Self {
        RegisterView {
            id: r.id,
            name: r.name,
            location_id: r.location_id,
            active: r.active,
            open_session_id: None,
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = pos_sessions)]
pub struct SessionRow {
    pub id: String,
    pub register_id: String,
    pub open_register_id: Option<String>,
    pub status: String,
    pub opened_by: String,
    pub opened_at: NaiveDateTime,
    pub opening_float_minor: i64,
    pub closed_by: Option<String>,
    pub closed_at: Option<NaiveDateTime>,
    pub counted_cash_minor: Option<i64>,
    pub expected_cash_minor: Option<i64>,
    pub report: Option<String>,
}

/// Counted notes and coins of one denomination.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DenominationCount {
    /// The face value in minor units (50000 = a ₹500 note).
    #[schema(minimum = 1, maximum = 10_000_000_000_000_i64)]
    pub denomination_minor: i64,
    #[schema(minimum = 0, maximum = 1_000_000)]
    pub count: i64,
}

/// Sales of a register session: the X-report while open, the Z-report once closed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SessionReport {
    pub sales_count: i64,
    /// Σ grand totals of the session's sales.
    pub gross_sales_minor: i64,
    pub tax_minor: i64,
    pub cash_minor: i64,
    pub card_minor: i64,
    pub upi_minor: i64,
    pub opening_float_minor: i64,
    /// Opening float + cash taken (net of change given).
    pub expected_cash_minor: i64,
    pub counted_cash_minor: Option<i64>,
    /// Counted − expected (negative: cash short).
    pub variance_minor: Option<i64>,
    pub denominations: Vec<DenominationCount>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SessionView {
    pub id: String,
    pub register_id: String,
    pub status: String,
    pub opened_by: String,
    pub opened_at: chrono::DateTime<chrono::Utc>,
    pub closed_by: Option<String>,
    pub closed_at: Option<chrono::DateTime<chrono::Utc>>,
    pub report: SessionReport,
}

/// One line of a cart, priced now.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CartLineView {
    pub variant_id: String,
    pub product_id: String,
    pub sku: String,
    pub name: String,
    pub quantity: i64,
    /// False when the variant is no longer sold; such lines are left out of the totals
    /// and stop checkout.
    pub available: bool,
    pub unit_price_minor: i64,
    pub list_price_minor: i64,
    pub price_source: String,
    pub hsn: String,
    pub rate_bp: i32,
    pub discount_minor: i64,
    pub taxable_minor: i64,
    pub cgst_minor: i64,
    /// SGST: the state half of an intra-state supply.
    pub sgst_minor: i64,
    /// UTGST: the union-territory half, in a union territory without a legislature.
    pub utgst_minor: i64,
    pub igst_minor: i64,
    pub total_minor: i64,
}

/// A cart's GST by component, lines and shipping together (they add up to
/// `totals.tax_minor`).
#[derive(Debug, Clone, Copy, Default, Serialize, ToSchema)]
pub struct GstSplit {
    pub cgst_minor: i64,
    pub sgst_minor: i64,
    /// In a union territory without a legislature, in place of SGST.
    pub utgst_minor: i64,
    pub igst_minor: i64,
}

impl GstSplit {
    pub fn add(&mut self, tax: &crate::contracts::tax::LineTax, union_territory: bool) {
        self.cgst_minor += tax.cgst_minor;
        if union_territory {
            self.utgst_minor += tax.sgst_minor;
        } else {
            self.sgst_minor += tax.sgst_minor;
        }
        self.igst_minor += tax.igst_minor;
    }
}

/// A cart with every amount computed by the server.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CartView {
    /// Empty while the caller has no cart yet (the first line added creates one).
    pub id: String,
    /// `web` or `pos`.
    pub channel: String,
    pub status: String,
    pub currency: String,
    pub prices_include_tax: bool,
    /// The state the taxes were computed for (the store's until an address is given).
    pub place_of_supply: String,
    /// `intra_state`, `intra_territory` or `inter_state`.
    pub supply: String,
    pub lines: Vec<CartLineView>,
    pub discount_code: Option<String>,
    /// Why the code does not apply now, if it does not.
    pub discount_problem: Option<String>,
    pub shipping: Option<ChargeDraft>,
    /// The shipping methods that reach the address (or, before one is given, the
    /// store's state), cheapest first.
    pub shipping_options: Vec<crate::contracts::shipping::ShippingOption>,
    /// Why the cart cannot ship as it is ("no shipping to this address").
    pub shipping_problem: Option<String>,
    pub totals: OrderTotals,
    /// `totals.tax_minor` by component.
    pub gst: GstSplit,
    pub customer: CartCustomer,
    /// Set once the cart became an order.
    pub order_id: Option<String>,
}
