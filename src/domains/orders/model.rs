//! Orders as stored and shown: the status machine, rows, the JSON details kept with an
//! order, and the views the API returns.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::contracts::orders::{ChargeDraft, OrderTotals, PosSaleDraft, PostalAddress};
use crate::contracts::tax::Supply;
use crate::schema::{invoices, order_events, order_lines, order_returns, orders};

/// Where an order is in its life. Moves only along `can_move_to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    PendingPayment,
    /// Cash on delivery: confirmed without payment; paid when the courier collects.
    Confirmed,
    Paid,
    PartiallyFulfilled,
    Fulfilled,
    PartiallyShipped,
    Shipped,
    Delivered,
    Completed,
    Cancelled,
    /// Some goods came back and were credited (a credit note); the money is not yet
    /// refunded.
    PartiallyReturned,
    /// Every unit came back and was credited; the money is not yet refunded.
    Returned,
    PartiallyRefunded,
    Refunded,
}

impl Status {
    pub const ALL: [Status; 14] = [
        Status::PendingPayment,
        Status::Confirmed,
        Status::Paid,
        Status::PartiallyFulfilled,
        Status::Fulfilled,
        Status::PartiallyShipped,
        Status::Shipped,
        Status::Delivered,
        Status::Completed,
        Status::Cancelled,
        Status::PartiallyReturned,
        Status::Returned,
        Status::PartiallyRefunded,
        Status::Refunded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::PendingPayment => "pending_payment",
            Status::Confirmed => "confirmed",
            Status::Paid => "paid",
            Status::PartiallyFulfilled => "partially_fulfilled",
            Status::Fulfilled => "fulfilled",
            Status::PartiallyShipped => "partially_shipped",
            Status::Shipped => "shipped",
            Status::Delivered => "delivered",
            Status::Completed => "completed",
            Status::Cancelled => "cancelled",
            Status::PartiallyReturned => "partially_returned",
            Status::Returned => "returned",
            Status::PartiallyRefunded => "partially_refunded",
            Status::Refunded => "refunded",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// The state machine: every transition an order may make. Anything else is a 409.
    pub fn can_move_to(self, to: Status) -> bool {
        use Status::*;
        matches!(
            (self, to),
            (PendingPayment, Paid | Cancelled)
                | (Confirmed, Paid | PartiallyShipped | Shipped | Cancelled)
                | (
                    Paid,
                    PartiallyFulfilled | Fulfilled | PartiallyShipped | Shipped | Cancelled
                )
                | (
                    PartiallyFulfilled,
                    PartiallyFulfilled | Fulfilled | PartiallyShipped
                )
                | (Fulfilled, PartiallyShipped | Shipped | Completed)
                | (PartiallyShipped, PartiallyShipped | Shipped)
                | (Shipped, Delivered)
                // Every parcel came back to the store (return to origin).
                | (PartiallyShipped | Shipped, Cancelled)
                // Money given back without goods (a price adjustment, a lost parcel).
                | (
                    Paid | PartiallyFulfilled | Fulfilled | PartiallyShipped | Shipped,
                    PartiallyRefunded | Refunded
                )
                | (Delivered, Completed | PartiallyRefunded | Refunded)
                | (Completed, PartiallyRefunded | Refunded)
                | (PartiallyRefunded, PartiallyRefunded | Refunded)
                // Goods back and credited, then the money refunded.
                | (
                    Delivered | Completed | PartiallyReturned | PartiallyRefunded,
                    PartiallyReturned | Returned
                )
                | (PartiallyReturned | Returned, PartiallyRefunded | Refunded)
        )
    }

    /// Goods have been handed over (so they may come back as a return).
    pub fn returnable(self) -> bool {
        matches!(
            self,
            Status::Delivered
                | Status::Completed
                | Status::PartiallyReturned
                | Status::PartiallyRefunded
        )
    }
}

/// What an order keeps beside its columns: immutable copies taken at checkout, and the
/// payments recorded against it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct OrderDetails {
    pub cart_id: String,
    pub email: Option<String>,
    pub customer_name: Option<String>,
    pub buyer_gstin: Option<String>,
    pub shipping_address: Option<PostalAddress>,
    pub billing_address: Option<PostalAddress>,
    pub place_of_supply: String,
    pub supply: Option<Supply>,
    pub prices_include_tax: bool,
    pub discount_code: Option<String>,
    pub taxable_minor: i64,
    pub shipping: Option<ChargeDraft>,
    pub pos: Option<PosSaleDraft>,
    #[serde(default)]
    pub payments: Vec<PaymentRecord>,
    /// Money given back (`RefundProcessed`), each once.
    #[serde(default)]
    pub refunds: Vec<RefundRecord>,
    /// Set on an exchange order: the return it replaces goods for.
    pub exchange_of: Option<String>,
    /// Product ids by line number (for links; not part of the tax snapshot).
    #[serde(default)]
    pub product_ids: Vec<String>,
    /// Cash on delivery: confirmed unpaid, invoiced at dispatch, paid at delivery.
    #[serde(default)]
    pub cash_on_delivery: bool,
    /// Units of each line (by number) credited because their parcel came back unpaid.
    #[serde(default)]
    pub rto_units: std::collections::BTreeMap<i32, i64>,
}

/// Money given back on an order: a refund the payments domain processed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RefundRecord {
    pub refund_id: String,
    pub amount_minor: i64,
    /// The return it pays for, if any.
    pub return_id: Option<String>,
}

/// A payment recorded against an order (until the payments domain records them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PaymentRecord {
    /// `manual`, `cash`, `card`, `upi` or `exchange`.
    pub method: String,
    pub amount_minor: i64,
    pub reference: Option<String>,
    pub recorded_by: String,
    pub recorded_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = orders)]
pub struct OrderRow {
    pub id: String,
    pub number: String,
    pub channel: String,
    pub status: String,
    pub customer_id: Option<String>,
    pub location_id: String,
    pub currency: String,
    pub subtotal_minor: i64,
    pub discount_minor: i64,
    pub shipping_minor: i64,
    pub tax_minor: i64,
    pub grand_total_minor: i64,
    pub refunded_minor: i64,
    pub details: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl OrderRow {
    pub fn status(&self) -> Status {
        Status::parse(&self.status).unwrap_or(Status::Cancelled)
    }

    pub fn details(&self) -> OrderDetails {
        serde_json::from_str(&self.details).unwrap_or_default()
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = order_lines)]
pub struct LineRow {
    pub order_id: String,
    pub line_no: i32,
    pub variant_id: String,
    pub seller_id: String,
    pub sku: String,
    pub name: String,
    pub hsn: String,
    pub quantity: i64,
    pub unit_price_minor: i64,
    pub discount_minor: i64,
    pub rate_bp: i32,
    pub taxable_minor: i64,
    pub cgst_minor: i64,
    pub sgst_minor: i64,
    pub igst_minor: i64,
    pub fulfilled_quantity: i64,
}

impl LineRow {
    pub fn total_minor(&self) -> i64 {
        self.taxable_minor + self.cgst_minor + self.sgst_minor + self.igst_minor
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = order_events)]
pub struct EventRow {
    pub id: String,
    pub order_id: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub actor: String,
    pub note: Option<String>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = invoices)]
pub struct InvoiceRow {
    pub id: String,
    pub number: String,
    pub kind: String,
    pub order_id: String,
    pub order_invoice: Option<String>,
    pub invoice_id: Option<String>,
    pub financial_year: String,
    pub grand_total_minor: i64,
    pub document: String,
    pub issued_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = order_returns)]
pub struct ReturnRow {
    pub id: String,
    pub order_id: String,
    pub status: String,
    pub reason: String,
    pub items: String,
    pub refund_minor: i64,
    pub location_id: Option<String>,
    pub disposition: Option<String>,
    pub credit_note_id: Option<String>,
    pub exchange_order_id: Option<String>,
    pub requested_by: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A line of a return request: how many of an order line come back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ReturnLine {
    pub line_no: i32,
    #[schema(minimum = 1, maximum = 1_000_000_000)]
    pub quantity: i64,
    /// Exchange: the variant to send instead (same product), if any.
    #[serde(default)]
    pub exchange_variant_id: Option<String>,
}

// ---- views ----

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrderLineView {
    pub line_no: i32,
    pub variant_id: String,
    pub seller_id: String,
    pub sku: String,
    pub name: String,
    pub hsn: String,
    pub quantity: i64,
    pub unit_price_minor: i64,
    pub discount_minor: i64,
    pub rate_bp: i32,
    pub taxable_minor: i64,
    pub cgst_minor: i64,
    /// SGST: the state half of an intra-state supply.
    pub sgst_minor: i64,
    /// UTGST: the union-territory half, in a union territory without a legislature
    /// (`supply` is `intra_territory`); 0 elsewhere.
    pub utgst_minor: i64,
    pub igst_minor: i64,
    pub total_minor: i64,
    pub fulfilled_quantity: i64,
}

impl From<&LineRow> for OrderLineView {
    fn from(l: &LineRow) -> Self {
        OrderLineView {
            line_no: l.line_no,
            variant_id: l.variant_id.clone(),
            seller_id: l.seller_id.clone(),
            sku: l.sku.clone(),
            name: l.name.clone(),
            hsn: l.hsn.clone(),
            quantity: l.quantity,
            unit_price_minor: l.unit_price_minor,
            discount_minor: l.discount_minor,
            rate_bp: l.rate_bp,
            taxable_minor: l.taxable_minor,
            cgst_minor: l.cgst_minor,
            sgst_minor: l.sgst_minor,
            utgst_minor: 0,
            igst_minor: l.igst_minor,
            total_minor: l.total_minor(),
            fulfilled_quantity: l.fulfilled_quantity,
        }
    }
}

/// One step of the order timeline.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TimelineEntry {
    pub from_status: Option<String>,
    pub to_status: String,
    pub actor: String,
    pub note: Option<String>,
    pub at: chrono::DateTime<chrono::Utc>,
}

impl From<EventRow> for TimelineEntry {
    fn from(e: EventRow) -> Self {
        TimelineEntry {
            from_status: e.from_status,
            to_status: e.to_status,
            actor: e.actor,
            note: e.note,
            at: e.created_at.and_utc(),
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InvoiceRef {
    pub id: String,
    pub number: String,
    /// `invoice` or `credit_note`.
    pub kind: String,
    pub grand_total_minor: i64,
    pub issued_at: chrono::DateTime<chrono::Utc>,
}

impl From<&InvoiceRow> for InvoiceRef {
    fn from(i: &InvoiceRow) -> Self {
        InvoiceRef {
            id: i.id.clone(),
            number: i.number.clone(),
            kind: i.kind.clone(),
            grand_total_minor: i.grand_total_minor,
            issued_at: i.issued_at.and_utc(),
        }
    }
}

/// An order as its customer and staff see it. A seller sees only their own lines, and
/// totals over those lines.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrderView {
    pub id: String,
    pub number: String,
    pub channel: String,
    pub status: String,
    pub customer_id: Option<String>,
    pub email: Option<String>,
    pub customer_name: Option<String>,
    pub buyer_gstin: Option<String>,
    pub location_id: String,
    pub currency: String,
    pub prices_include_tax: bool,
    /// Two-digit GST state code.
    pub place_of_supply: String,
    /// `intra_state`, `intra_territory` or `inter_state`.
    #[schema(value_type = String)]
    pub supply: Option<Supply>,
    pub shipping_address: Option<PostalAddress>,
    pub billing_address: Option<PostalAddress>,
    pub discount_code: Option<String>,
    pub lines: Vec<OrderLineView>,
    pub shipping: Option<ChargeDraft>,
    pub totals: OrderTotals,
    /// Credited by credit notes (a received return, a refund without goods).
    pub credited_minor: i64,
    /// Money actually given back: the refunds processed. A received return is credited at
    /// once and refunded when its refund is processed.
    pub refunded_minor: i64,
    pub refunds: Vec<RefundRecord>,
    pub payments: Vec<PaymentRecord>,
    #[schema(value_type = Object)]
    pub pos: Option<PosSaleDraft>,
    pub exchange_of: Option<String>,
    pub invoices: Vec<InvoiceRef>,
    pub timeline: Vec<TimelineEntry>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

/// An order in a list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrderSummary {
    pub id: String,
    pub number: String,
    pub channel: String,
    pub status: String,
    pub customer_id: Option<String>,
    /// The buyer's name (or e-mail) as the order has it; not shown to sellers.
    pub customer: Option<String>,
    pub currency: String,
    /// For a seller: the total of their own lines.
    pub grand_total_minor: i64,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReturnView {
    pub id: String,
    pub order_id: String,
    /// `requested`, `approved`, `rejected` or `received`.
    pub status: String,
    pub reason: String,
    pub lines: Vec<ReturnLine>,
    /// Computed from the order's line snapshots (tax included) when received.
    pub refund_minor: i64,
    pub location_id: Option<String>,
    /// `restock` or `write_off`.
    pub disposition: Option<String>,
    pub credit_note_id: Option<String>,
    pub exchange_order_id: Option<String>,
    pub requested_by: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl From<ReturnRow> for ReturnView {
    fn from(r: ReturnRow) -> Self {
        ReturnView {
            lines: serde_json::from_str(&r.items).unwrap_or_default(),
            id: r.id,
            order_id: r.order_id,
            status: r.status,
            reason: r.reason,
            refund_minor: r.refund_minor,
            location_id: r.location_id,
            disposition: r.disposition,
            credit_note_id: r.credit_note_id,
            exchange_order_id: r.exchange_order_id,
            requested_by: r.requested_by,
            created_at: r.created_at.and_utc(),
            updated_at: r.updated_at.and_utc(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_state_machine_allows_only_its_paths() {
        use Status::*;
        assert!(PendingPayment.can_move_to(Paid));
        assert!(PendingPayment.can_move_to(Cancelled));
        assert!(!PendingPayment.can_move_to(Shipped));
        assert!(!PendingPayment.can_move_to(Fulfilled));
        assert!(Paid.can_move_to(Fulfilled));
        assert!(!Fulfilled.can_move_to(Cancelled));
        assert!(!Cancelled.can_move_to(Paid));
        assert!(!Refunded.can_move_to(PartiallyRefunded));
        assert!(Paid.can_move_to(Refunded));
        assert!(!PendingPayment.can_move_to(Refunded));
        assert!(Shipped.can_move_to(Delivered));
        assert!(!Shipped.can_move_to(Completed));
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
            assert!(!Cancelled.can_move_to(s));
        }
    }
}
