//! What other domains may ask of orders: place an order from a priced cart (in the
//! checkout's own transaction), and the order data a receipt needs.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::tax::{LineTax, Supply};
use crate::db::DbConnection;
use crate::http::{AppError, FieldError};

/// Where an order was placed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Web,
    Pos,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Web => "web",
            Channel::Pos => "pos",
        }
    }
}

/// A delivery or billing address on an order (an immutable copy).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PostalAddress {
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub name: String,
    #[schema(schema_with = super::fields::schema::phone)]
    pub phone: String,
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub line1: String,
    #[serde(default)]
    #[schema(max_length = 200)]
    pub line2: Option<String>,
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    pub city: String,
    /// Two-digit GST state code (29 = Karnataka): the place of supply.
    #[schema(schema_with = super::fields::schema::state_code)]
    pub state_code: String,
    /// Six-digit Indian PIN code.
    #[schema(schema_with = super::fields::schema::pincode)]
    pub pincode: String,
}

impl PostalAddress {
    /// The address trimmed, or every problem named under `prefix` (`shipping_address`;
    /// empty for an address that is the whole body).
    pub fn check(&self, prefix: &str) -> Result<PostalAddress, Vec<FieldError>> {
        use super::fields;
        let under = |mut e: FieldError| {
            if !prefix.is_empty() {
                e.field = format!("{prefix}.{}", e.field);
            }
            e
        };
        let mut errors = Vec::new();
        let mut keep = |r: Result<String, FieldError>| {
            r.unwrap_or_else(|e| {
                errors.push(under(e));
                String::new()
            })
        };
        let name = keep(fields::text(&self.name, "name", 200));
        let line1 = keep(fields::text(&self.line1, "line1", 200));
        let city = keep(fields::text(&self.city, "city", 100));
        let phone = keep(fields::phone(&self.phone, "phone"));
        let state_code = keep(fields::state_code(&self.state_code, "state_code"));
        let pincode = keep(fields::pincode(&self.pincode, "pincode"));
        let line2 = match fields::optional_text(self.line2.as_deref(), "line2", 200) {
            Ok(l) => l,
            Err(e) => {
                errors.push(under(e));
                None
            }
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(PostalAddress {
            name,
            phone,
            line1,
            line2,
            city,
            state_code,
            pincode,
        })
    }
}

/// One priced line of a cart, as it becomes an immutable order line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLineDraft {
    pub variant_id: String,
    pub product_id: String,
    pub seller_id: String,
    pub sku: String,
    pub name: String,
    pub hsn: String,
    pub quantity: i64,
    /// As entered (tax-inclusive or not per `prices_include_tax`).
    pub unit_price_minor: i64,
    /// `list`, `sale` or `price_list:{name}`.
    pub price_source: String,
    pub rate_bp: i32,
    /// The line's share of the discount.
    pub discount_minor: i64,
    pub tax: LineTax,
}

/// A charge that is not a product (shipping), taxed like a line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ChargeDraft {
    pub description: String,
    /// SAC of the service (996812: courier services).
    pub sac: String,
    /// As entered (same convention as prices).
    pub amount_minor: i64,
    pub rate_bp: i32,
    #[schema(value_type = Object)]
    pub tax: LineTax,
}

/// Money taken at the counter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TenderDraft {
    /// `cash`, `card` or `upi`.
    pub kind: String,
    /// What this tender pays of the sale.
    pub amount_minor: i64,
    /// Cash handed over (≥ amount; the rest is change). Equal to amount otherwise.
    pub tendered_minor: i64,
    /// Card terminal or UPI transaction reference.
    pub reference: Option<String>,
}

/// A sale at the counter: paid and handed over at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PosSaleDraft {
    pub register_session_id: String,
    pub register_name: String,
    pub tenders: Vec<TenderDraft>,
    pub change_due_minor: i64,
    /// When the sale happened, for one rung up on a device and sent later (offline):
    /// the order is dated then; its invoice is issued when it reaches the server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sold_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Rung up while the device had no connection.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub offline: bool,
}

/// Money totals of an order, in minor units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
pub struct OrderTotals {
    /// Σ quantity × unit price, as entered.
    pub subtotal_minor: i64,
    pub discount_minor: i64,
    /// The shipping charge as entered.
    pub shipping_minor: i64,
    pub taxable_minor: i64,
    /// Every GST component of lines and shipping.
    pub tax_minor: i64,
    pub grand_total_minor: i64,
}

/// Everything checkout knows about the order it is placing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderDraft {
    /// Chosen by the caller: the stock reservation's reference too.
    pub id: String,
    pub channel: Channel,
    pub cart_id: String,
    pub customer_id: Option<String>,
    pub email: Option<String>,
    pub customer_name: Option<String>,
    /// B2B buyer's GSTIN (printed on the invoice).
    pub buyer_gstin: Option<String>,
    pub shipping_address: Option<PostalAddress>,
    pub billing_address: Option<PostalAddress>,
    pub place_of_supply: String,
    pub supply: Supply,
    pub prices_include_tax: bool,
    pub currency: String,
    /// Where the stock is reserved.
    pub location_id: String,
    pub lines: Vec<OrderLineDraft>,
    pub shipping: Option<ChargeDraft>,
    pub discount_code: Option<String>,
    pub totals: OrderTotals,
    pub pos: Option<PosSaleDraft>,
    /// Cash on delivery: the order is confirmed unpaid, invoiced when it ships.
    pub cash_on_delivery: bool,
}

impl OrderDraft {
    /// The stock the order takes: one line per order line.
    pub fn stock_lines(&self) -> Vec<super::inventory::StockLine> {
        self.lines
            .iter()
            .map(|l| super::inventory::StockLine {
                variant_id: l.variant_id.clone(),
                quantity: l.quantity,
            })
            .collect()
    }
}

/// The order checkout wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PlacedOrder {
    pub id: String,
    pub number: String,
    pub status: String,
    pub grand_total_minor: i64,
    /// POS sales are invoiced at once.
    pub invoice_id: Option<String>,
    pub invoice_number: Option<String>,
}

#[async_trait::async_trait]
pub trait OrdersApi: Send + Sync {
    /// Makes sure the numbering sequences `place_in` will use today exist; call it before
    /// the checkout transaction (see `Db::ensure_sequence`).
    async fn prepare(&self, channel: Channel) -> Result<(), AppError>;

    /// Writes the order in the caller's write transaction: its number, immutable line
    /// snapshots, the first timeline entry and `OrderPlaced` in the outbox. The stock is
    /// already reserved under `draft.id`. A POS sale is also paid, invoiced and handed
    /// over (its reservation sold) in the same transaction.
    fn place_in(
        &self,
        conn: &mut DbConnection,
        draft: &OrderDraft,
        actor: &str,
    ) -> Result<PlacedOrder, AppError>;

    /// The order `id` as the store shows it (receipts), whoever asks.
    async fn order_json(&self, id: &str) -> Result<Option<serde_json::Value>, AppError>;

    /// What a payment for order `id` must be: its amount and state.
    async fn payable(&self, id: &str) -> Result<Option<PayableOrder>, AppError>;

    /// The order a return belongs to, if the return exists.
    async fn return_order_id(&self, return_id: &str) -> Result<Option<String>, AppError>;

    /// The order as shipping needs it (lines with what has shipped so far).
    async fn shippable(&self, id: &str) -> Result<Option<ShippableOrder>, AppError>;

    /// The facts of every issued invoice and credit note, in id order after `after`
    /// (the same `DocumentIssued` sent when each was issued): reports rebuild from these.
    async fn issued_documents(
        &self,
        after: Option<String>,
        limit: i64,
    ) -> Result<Vec<crate::contracts::events::DocumentIssued>, AppError>;

    /// The numbers (`KR-000123`) of the orders among `ids` that exist, by id: one read for
    /// a whole list.
    async fn numbers(
        &self,
        ids: Vec<String>,
    ) -> Result<std::collections::HashMap<String, String>, AppError>;

    /// The order with this number (`KR-000123`), for public tracking.
    async fn by_number(&self, number: &str) -> Result<Option<ShippableOrder>, AppError>;

    // Within the shipping domain's write transaction, so a shipment and the order's stock
    // and status change together.

    /// `shippable`, read in the caller's transaction.
    fn shippable_in(
        &self,
        conn: &mut DbConnection,
        id: &str,
    ) -> Result<Option<ShippableOrder>, AppError>;

    /// Hands `lines` to a carrier: their reserved stock is sold, the order becomes
    /// partially shipped or shipped, and a cash-on-delivery order gets its invoice (the
    /// time of supply). Errors name `lines[i].line_no` / `lines[i].quantity`.
    fn ship_in(
        &self,
        conn: &mut DbConnection,
        order_id: &str,
        lines: &[ShipLine],
        actor: &str,
    ) -> Result<ShippableOrder, AppError>;

    /// Every parcel of a shipped order was delivered: it becomes delivered, then
    /// completed. False when the order was not waiting for that (already delivered).
    fn delivered_in(
        &self,
        conn: &mut DbConnection,
        order_id: &str,
        actor: &str,
    ) -> Result<bool, AppError>;

    /// A parcel came back undelivered: its goods go back into stock at `location_id`
    /// through the ledger; a cash-on-delivery order's invoice is reversed for them by a
    /// credit note, and an order with nothing left out for delivery is cancelled.
    fn returned_to_origin_in(
        &self,
        conn: &mut DbConnection,
        order_id: &str,
        location_id: &str,
        lines: &[ShipLine],
        actor: &str,
    ) -> Result<(), AppError>;
}

/// Part of an order line handed to (or back from) a carrier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ShipLine {
    pub line_no: i32,
    pub quantity: i64,
}

/// An order as the shipping domain needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShippableOrder {
    pub id: String,
    pub number: String,
    pub status: String,
    /// Where its stock is reserved.
    pub location_id: String,
    pub cash_on_delivery: bool,
    pub currency: String,
    pub grand_total_minor: i64,
    /// What is still to be paid (a cash-on-delivery order before the courier collects).
    pub balance_due_minor: i64,
    pub email: Option<String>,
    pub shipping_address: Option<PostalAddress>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub lines: Vec<ShippableLine>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShippableLine {
    pub line_no: i32,
    pub variant_id: String,
    pub sku: String,
    pub name: String,
    pub quantity: i64,
    /// Handed to carriers (or over the counter) so far, less what came back.
    pub shipped: i64,
}

/// An order as the payments domain needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayableOrder {
    pub id: String,
    pub number: String,
    /// Only `pending_payment` orders take payments.
    pub status: String,
    pub grand_total_minor: i64,
    pub currency: String,
    pub customer_id: Option<String>,
    /// True while money is owed: unpaid, or cash on delivery not yet collected.
    pub balance_due: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address() -> PostalAddress {
        PostalAddress {
            name: "Asha Rao".into(),
            phone: "+91 98450 12345".into(),
            line1: "12 MG Road".into(),
            line2: None,
            city: "Bengaluru".into(),
            state_code: "29".into(),
            pincode: "560001".into(),
        }
    }

    #[test]
    fn addresses_name_each_bad_field() {
        assert!(address().check("shipping_address").is_ok());
        let mut bad = address();
        bad.pincode = "05600".into();
        bad.state_code = "99".into();
        let errors = bad.check("shipping_address").unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            vec!["shipping_address.state_code", "shipping_address.pincode"]
        );
    }
}
