//! Order rules: placing (inside checkout's transaction), the status machine with its
//! timeline, payment recording, fulfilment, cancellation, expiry of unpaid orders,
//! invoices and credit notes with gap-free numbers, and returns with refunds computed
//! from the line snapshots.

use std::sync::Arc;

use chrono::{Datelike, NaiveDateTime, TimeDelta};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::invoice::{self, InvoiceData};
use super::model::{
    InvoiceRef, LineRow, OrderDetails, OrderLineView, OrderRow, OrderSummary, OrderView,
    PaymentRecord, RefundRecord, ReturnLine, ReturnRow, ReturnView, Status, TimelineEntry,
};
use super::store::{self, OrderFilter};
use crate::config::OrderSettings;
use crate::contracts::auth::{Permission, Principal};
use crate::contracts::catalog::{CatalogApi, VariantInfo};
use crate::contracts::events::{
    DocumentIssued, OrderPlaced, OrderStatusChanged, PaymentCaptured, PaymentUnapplied,
    RefundProcessed, ReturnReceived,
};
use crate::contracts::inventory::{InventoryApi, StockLine};
use crate::contracts::orders::{
    Channel, OrderDraft, OrderLineDraft, OrderTotals, PayableOrder, PlacedOrder, ShipLine,
    ShippableLine, ShippableOrder,
};
use crate::contracts::tax::{LineTax, Supply};
use crate::db::{Db, DbConnection, new_id, next_in_named_sequence, next_in_sequence, now};
use crate::events::enqueue;
use crate::http::idempotency::Answer;
use crate::http::pagination::{Page, PageQuery};
use crate::http::{AppError, FieldError};
use crate::profile::LiveProfile;

/// The user id recorded for what the system does by itself (expiry).
pub const SYSTEM: &str = "system";

/// Who cancels an order: a signed-in user with their permissions, or the system itself
/// (an unpaid order's timeout). Explicit, so a missing principal never grants staff powers.
#[derive(Clone, Copy)]
pub enum Canceller<'a> {
    System,
    User(&'a Principal),
}

/// What is still owed on an order: nothing once paid, the whole total while unpaid or
/// while a cash-on-delivery order's cash is not collected; nothing when cancelled.
pub(super) fn balance_due(order: &OrderRow) -> i64 {
    match order.status() {
        Status::PendingPayment | Status::Confirmed => order.grand_total_minor,
        Status::Cancelled
        | Status::Refunded
        | Status::PartiallyRefunded
        | Status::Returned
        | Status::PartiallyReturned => 0,
        _ => {
            let details = order.details();
            if details.cash_on_delivery && details.payments.is_empty() {
                order.grand_total_minor
            } else {
                0
            }
        }
    }
}

fn shippable(conn: &mut DbConnection, order: &OrderRow) -> Result<ShippableOrder, AppError> {
    let details = order.details();
    Ok(ShippableOrder {
        id: order.id.clone(),
        number: order.number.clone(),
        status: order.status.clone(),
        location_id: order.location_id.clone(),
        cash_on_delivery: details.cash_on_delivery,
        currency: order.currency.clone(),
        grand_total_minor: order.grand_total_minor,
        balance_due_minor: balance_due(order),
        email: details.email,
        shipping_address: details.shipping_address,
        created_at: order.created_at.and_utc(),
        lines: store::lines(conn, &order.id)?
            .into_iter()
            .map(|l| ShippableLine {
                line_no: l.line_no,
                variant_id: l.variant_id,
                sku: l.sku,
                name: l.name,
                quantity: l.quantity,
                shipped: l.fulfilled_quantity,
            })
            .collect(),
    })
}

/// Who is looking at orders, and so which orders and lines they see.
#[derive(Debug, Clone)]
pub enum Viewer {
    /// Staff and admin: everything.
    All,
    /// A seller: orders with their lines, and only those lines.
    Seller(String),
    /// A customer: their own orders.
    Customer(String),
}

impl Viewer {
    pub fn of(p: &Principal) -> Viewer {
        if p.has(Permission::OrdersReadAll) {
            Viewer::All
        } else if p.has(Permission::OrdersReadOwnLines) {
            Viewer::Seller(p.user_id().to_string())
        } else {
            Viewer::Customer(p.user_id().to_string())
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LineQuantity {
    pub line_no: i32,
    #[schema(minimum = 1, maximum = 1_000_000_000)]
    pub quantity: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FulfilInput {
    #[schema(min_items = 1)]
    pub lines: Vec<LineQuantity>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionInput {
    /// `shipped`, `delivered` or `completed` (until the shipping domain reports these).
    #[schema(pattern = "^(shipped|delivered|completed)$")]
    pub to: String,
    #[schema(max_length = 500)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelInput {
    #[schema(max_length = 500)]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnInput {
    #[schema(min_items = 1)]
    pub lines: Vec<ReturnLine>,
    #[schema(min_length = 1, max_length = 500, pattern = r"\S")]
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiveReturnInput {
    /// `restock` (back into stock at `location_id`) or `write_off` (damaged).
    #[schema(pattern = "^(restock|write_off)$")]
    pub disposition: String,
    pub location_id: Option<String>,
}

/// Filters of `GET /orders`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct OrderQuery {
    #[param(
        pattern = "^(pending_payment|confirmed|paid|partially_fulfilled|fulfilled|partially_shipped|shipped|delivered|completed|cancelled|partially_returned|returned|partially_refunded|refunded)$"
    )]
    pub status: Option<String>,
    /// `web` or `pos`.
    #[param(pattern = "^(web|pos)$")]
    pub channel: Option<String>,
    pub customer_id: Option<String>,
    /// Part of the order number, or of the customer's e-mail or phone (staff).
    #[param(pattern = "^[A-Za-z0-9@.+ _-]{2,60}$")]
    pub q: Option<String>,
    /// Placed at or after (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    pub from: Option<String>,
    /// Placed before (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    pub to: Option<String>,
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<usize>,
    pub cursor: Option<String>,
}

/// Filters of `GET /invoices`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct DocumentQuery {
    /// `invoice` or `credit_note`.
    #[param(pattern = "^(invoice|credit_note)$")]
    pub kind: Option<String>,
    /// Issued at or after (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    pub from: Option<String>,
    /// Issued before (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    pub to: Option<String>,
    /// Part of the number (`000123`, `INV/2627`).
    #[param(pattern = "^[A-Za-z0-9/-]{1,40}$")]
    pub number: Option<String>,
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<usize>,
    pub cursor: Option<String>,
}

/// An invoice or credit note in the back office's list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DocumentListed {
    pub id: String,
    pub number: String,
    /// `invoice` or `credit_note`.
    pub kind: String,
    pub order_id: String,
    pub order_number: String,
    pub buyer_name: String,
    /// A B2B buyer's GSTIN.
    pub buyer_gstin: Option<String>,
    /// The invoice a credit note reverses.
    pub reference_invoice: Option<String>,
    pub grand_total_minor: i64,
    pub issued_at: chrono::DateTime<chrono::Utc>,
}

pub struct Orders {
    db: Db,
    catalog: Arc<dyn CatalogApi>,
    inventory: Arc<dyn InventoryApi>,
    /// The store's name, GSTIN, address and invoice series as the merchant last saved them.
    profile: LiveProfile,
    cfg: OrderSettings,
}

fn conflict(from: Status, to: Status) -> AppError {
    AppError::FieldConflict(
        format!(
            "an order that is {} cannot become {}",
            from.as_str(),
            to.as_str()
        ),
        vec![FieldError::new(
            "status",
            format!(
                "is {}; {} is not allowed from it",
                from.as_str(),
                to.as_str()
            ),
        )],
    )
}

/// Moves `order` to `to` and records the step on its timeline (and as an event), or
/// refuses with a 409 naming the current status.
fn transition(
    conn: &mut DbConnection,
    order: &mut OrderRow,
    to: Status,
    actor: &str,
    note: Option<&str>,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    let from = order.status();
    if !from.can_move_to(to) {
        return Err(conflict(from, to));
    }
    if !store::set_status(conn, &order.id, from, to, now)? {
        return Err(AppError::Conflict(
            "the order changed meanwhile; reload it and try again".into(),
        ));
    }
    store::insert_event(conn, &order.id, Some(from), to, actor, note, now)?;
    enqueue(
        conn,
        &OrderStatusChanged {
            order_id: order.id.clone(),
            from: from.as_str().into(),
            to: to.as_str().into(),
        },
    )?;
    order.status = to.as_str().to_string();
    Ok(())
}

/// `total × k / n`, rounded half-up: the part of a line amount that `k` of its `n` units
/// carry. Refunds of partial returns take share(returned before + now) − share(before), so
/// returning every unit, in any steps, refunds the line exactly.
pub(super) fn share(total: i64, k: i64, n: i64) -> i64 {
    if n <= 0 {
        return 0;
    }
    let wide = i128::from(total) * i128::from(k) * 2 + i128::from(n);
    (wide / (2 * i128::from(n))) as i64
}

/// What `q` units of a line carry when `before` of its units were already credited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Portion {
    pub discount: i64,
    pub taxable: i64,
    pub cgst: i64,
    pub sgst: i64,
    pub igst: i64,
}

impl Portion {
    pub fn total(&self) -> i64 {
        self.taxable + self.cgst + self.sgst + self.igst
    }
}

/// The rule the README states: `q` units after `before` carry share(line total, before +
/// q) − share(line total, before), tax included. The taxes are their own shares and the
/// taxable value is what is left, so a credit note's line adds up (taxable + taxes =
/// total) and every component of a line's credits adds up to the line exactly. The
/// discount is what makes the printed line add up: units × price − discount is the total
/// (prices with tax) or the taxable value (prices before tax), as on the invoice.
pub(super) fn portion(line: &LineRow, q: i64, before: i64) -> Portion {
    let part = |amount: i64| {
        share(amount, before + q, line.quantity) - share(amount, before, line.quantity)
    };
    let total = part(line.total_minor());
    let (cgst, sgst, igst) = (
        part(line.cgst_minor),
        part(line.sgst_minor),
        part(line.igst_minor),
    );
    let taxable = total - cgst - sgst - igst;
    let gross = line.unit_price_minor * q;
    let net_of_discount = line.unit_price_minor * line.quantity - line.discount_minor;
    let discount = if net_of_discount == line.total_minor() {
        gross - total
    } else if net_of_discount == line.taxable_minor {
        gross - taxable
    } else {
        part(line.discount_minor)
    };
    Portion {
        discount,
        taxable,
        cgst,
        sgst,
        igst,
    }
}

fn parse_time(raw: &Option<String>, field: &str) -> Result<Option<NaiveDateTime>, AppError> {
    match raw.as_deref().filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => chrono::DateTime::parse_from_rfc3339(s)
            .map(|t| Some(t.naive_utc()))
            .map_err(|_| AppError::invalid(field, "must be an RFC 3339 time")),
    }
}

impl Orders {
    pub fn new(
        db: Db,
        catalog: Arc<dyn CatalogApi>,
        inventory: Arc<dyn InventoryApi>,
        profile: LiveProfile,
        cfg: OrderSettings,
    ) -> Self {
        Self {
            db,
            catalog,
            inventory,
            profile,
            cfg,
        }
    }

    fn order_sequence(&self) -> String {
        format!("order_{}", self.cfg.number_prefix)
    }

    /// The financial year (April–March, merchant's time) of `at`, as `2627` for 2026-27.
    pub fn financial_year(&self, at: NaiveDateTime) -> String {
        let local =
            (at + TimeDelta::minutes(i64::from(self.profile.get().store.utc_offset_mins))).date();
        let start = if local.month() >= 4 {
            local.year()
        } else {
            local.year() - 1
        };
        format!(
            "{:02}{:02}",
            start.rem_euclid(100),
            (start + 1).rem_euclid(100)
        )
    }

    fn series(&self, credit_note: bool) -> String {
        if credit_note {
            self.cfg.credit_note_series.clone()
        } else {
            self.profile.get().invoice_series.clone()
        }
    }

    fn invoice_sequence(&self, credit_note: bool, fy: &str) -> String {
        format!("invoice_{}_{fy}", self.series(credit_note))
    }

    /// Creates the sequences an order, an invoice or a credit note issued now will take
    /// numbers from (each once per process).
    pub async fn prepare(&self) -> Result<(), AppError> {
        self.db.ensure_sequence(&self.order_sequence()).await?;
        let at = now();
        // Tomorrow's too, so a transaction that starts before midnight on 31 March and
        // ends after it still finds its sequence.
        for fy in [
            self.financial_year(at),
            self.financial_year(at + TimeDelta::days(1)),
        ] {
            for credit in [false, true] {
                self.db
                    .ensure_sequence(&self.invoice_sequence(credit, &fy))
                    .await?;
            }
        }
        Ok(())
    }

    // ---- placing ----

    /// Writes the order (see `OrdersApi::place_in`).
    pub fn place_in(
        &self,
        conn: &mut DbConnection,
        draft: &OrderDraft,
        actor: &str,
    ) -> Result<PlacedOrder, AppError> {
        let now = now();
        // A counter sale sent later by an offline device is dated when it happened; its
        // invoice is issued (and numbered) now.
        let at = draft
            .pos
            .as_ref()
            .and_then(|p| p.sold_at)
            .map_or(now, |t| t.naive_utc().min(now));
        let n = next_in_sequence(conn, &self.order_sequence())?;
        let number = format!("{}-{n:06}", self.cfg.number_prefix);
        let details = OrderDetails {
            cart_id: draft.cart_id.clone(),
            email: draft.email.clone(),
            customer_name: draft.customer_name.clone(),
            buyer_gstin: draft.buyer_gstin.clone(),
            shipping_address: draft.shipping_address.clone(),
            billing_address: draft.billing_address.clone(),
            place_of_supply: draft.place_of_supply.clone(),
            supply: Some(draft.supply),
            prices_include_tax: draft.prices_include_tax,
            discount_code: draft.discount_code.clone(),
            taxable_minor: draft.totals.taxable_minor,
            shipping: draft.shipping.clone(),
            pos: draft.pos.clone(),
            payments: Vec::new(),
            refunds: Vec::new(),
            exchange_of: None,
            product_ids: draft.lines.iter().map(|l| l.product_id.clone()).collect(),
            cash_on_delivery: draft.cash_on_delivery && draft.pos.is_none(),
            rto_units: Default::default(),
        };
        let first = if details.cash_on_delivery {
            Status::Confirmed
        } else {
            Status::PendingPayment
        };
        let mut order = OrderRow {
            id: draft.id.clone(),
            number: number.clone(),
            channel: draft.channel.as_str().to_string(),
            status: first.as_str().to_string(),
            customer_id: draft.customer_id.clone(),
            location_id: draft.location_id.clone(),
            currency: draft.currency.clone(),
            subtotal_minor: draft.totals.subtotal_minor,
            discount_minor: draft.totals.discount_minor,
            shipping_minor: draft.totals.shipping_minor,
            tax_minor: draft.totals.tax_minor,
            grand_total_minor: draft.totals.grand_total_minor,
            refunded_minor: 0,
            details: serde_json::to_string(&details)?,
            created_at: at,
            updated_at: now,
        };
        store::insert_order(conn, &order)?;
        let mut lines = Vec::with_capacity(draft.lines.len());
        for (i, l) in draft.lines.iter().enumerate() {
            let row = LineRow {
                order_id: order.id.clone(),
                line_no: i as i32 + 1,
                variant_id: l.variant_id.clone(),
                seller_id: l.seller_id.clone(),
                sku: l.sku.clone(),
                name: l.name.clone(),
                hsn: l.hsn.clone(),
                quantity: l.quantity,
                unit_price_minor: l.unit_price_minor,
                discount_minor: l.discount_minor,
                rate_bp: l.rate_bp,
                taxable_minor: l.tax.taxable_minor,
                cgst_minor: l.tax.cgst_minor,
                sgst_minor: l.tax.sgst_minor,
                igst_minor: l.tax.igst_minor,
                fulfilled_quantity: 0,
            };
            store::insert_line(conn, &row)?;
            lines.push(row);
        }
        let placed_note = match draft.channel {
            Channel::Web if draft.cash_on_delivery => "placed online, cash on delivery",
            Channel::Web => "placed online",
            Channel::Pos if draft.pos.as_ref().is_some_and(|p| p.offline) => {
                "sold at the counter while offline"
            }
            Channel::Pos => "sold at the counter",
        };
        store::insert_event(conn, &order.id, None, first, actor, Some(placed_note), at)?;
        enqueue(
            conn,
            &OrderPlaced {
                order_id: order.id.clone(),
                number: number.clone(),
                channel: draft.channel.as_str().into(),
                customer_id: draft.customer_id.clone(),
                currency: draft.currency.clone(),
                grand_total_minor: draft.totals.grand_total_minor,
                lines: draft
                    .lines
                    .iter()
                    .map(|l| StockLine {
                        variant_id: l.variant_id.clone(),
                        quantity: l.quantity,
                    })
                    .collect(),
            },
        )?;
        let mut invoice_ref = None;
        if let Some(pos) = &draft.pos {
            // A counter sale is paid, invoiced and handed over in the same transaction.
            let mut details = details;
            details.payments = pos
                .tenders
                .iter()
                .map(|t| PaymentRecord {
                    method: t.kind.clone(),
                    amount_minor: t.amount_minor,
                    reference: t.reference.clone(),
                    recorded_by: actor.to_string(),
                    recorded_at: at.and_utc(),
                })
                .collect();
            order.details = serde_json::to_string(&details)?;
            store::set_details(conn, &order.id, &order.details, now)?;
            transition(
                conn,
                &mut order,
                Status::Paid,
                actor,
                Some("paid at the counter"),
                at,
            )?;
            let inv = self.issue_invoice_in(conn, &order, &lines, now)?;
            invoice_ref = Some((inv.id.clone(), inv.number.clone()));
            self.inventory.close_in(conn, actor, &order.id, true)?;
            for l in &lines {
                store::add_fulfilled(conn, &order.id, l.line_no, l.quantity)?;
            }
            transition(
                conn,
                &mut order,
                Status::Fulfilled,
                actor,
                Some("handed over"),
                now,
            )?;
            transition(conn, &mut order, Status::Completed, actor, None, now)?;
        }
        Ok(PlacedOrder {
            id: order.id,
            number,
            status: order.status,
            grand_total_minor: order.grand_total_minor,
            invoice_id: invoice_ref.as_ref().map(|(id, _)| id.clone()),
            invoice_number: invoice_ref.map(|(_, n)| n),
        })
    }

    /// Records a payment of the whole order: it becomes paid and its invoice is issued.
    fn pay_in(
        &self,
        conn: &mut DbConnection,
        order: &mut OrderRow,
        method: &str,
        reference: Option<String>,
        actor: &str,
        now: NaiveDateTime,
    ) -> Result<InvoiceRef, AppError> {
        let mut details = order.details();
        details.payments.push(PaymentRecord {
            method: method.to_string(),
            amount_minor: order.grand_total_minor,
            reference,
            recorded_by: actor.to_string(),
            recorded_at: now.and_utc(),
        });
        order.details = serde_json::to_string(&details)?;
        store::set_details(conn, &order.id, &order.details, now)?;
        let note = format!("payment recorded ({method})");
        transition(conn, order, Status::Paid, actor, Some(&note), now)?;
        let lines = store::lines(conn, &order.id)?;
        self.issue_invoice_in(conn, order, &lines, now)
    }

    // ---- invoices ----

    /// Issues the tax invoice of a paid order, numbered in this transaction.
    fn issue_invoice_in(
        &self,
        conn: &mut DbConnection,
        order: &OrderRow,
        lines: &[LineRow],
        now: NaiveDateTime,
    ) -> Result<InvoiceRef, AppError> {
        let fy = self.financial_year(now);
        let n = next_in_named_sequence(conn, &self.invoice_sequence(false, &fy))?;
        let number = format!("{}/{fy}/{n:06}", self.series(false));
        let quantities: Vec<i64> = lines.iter().map(|l| l.quantity).collect();
        let data = invoice::build(
            &self.profile.store(),
            order,
            lines,
            &quantities,
            &[],
            true,
            invoice::Heading {
                credit_note: false,
                number: number.clone(),
                issued_at: now,
                utc_offset_mins: self.profile.get().store.utc_offset_mins,
                reference_invoice: None,
            },
        );
        self.insert_document(conn, order, &data, &fy, None, now)
    }

    /// Issues a credit note for `quantities` of each line (and the shipping charge when
    /// `with_shipping`), referencing the order's invoice.
    #[allow(clippy::too_many_arguments)]
    fn issue_credit_note_in(
        &self,
        conn: &mut DbConnection,
        order: &OrderRow,
        lines: &[LineRow],
        quantities: &[i64],
        already: &[i64],
        with_shipping: bool,
        now: NaiveDateTime,
    ) -> Result<(InvoiceRef, InvoiceData), AppError> {
        let original = store::invoices_of(conn, &order.id)?
            .into_iter()
            .find(|i| i.kind == "invoice")
            .ok_or_else(|| AppError::Conflict("the order has no invoice to credit".into()))?;
        let fy = self.financial_year(now);
        let n = next_in_named_sequence(conn, &self.invoice_sequence(true, &fy))?;
        let number = format!("{}/{fy}/{n:06}", self.series(true));
        let data = invoice::build(
            &self.profile.store(),
            order,
            lines,
            quantities,
            already,
            with_shipping,
            invoice::Heading {
                credit_note: true,
                number,
                issued_at: now,
                utc_offset_mins: self.profile.get().store.utc_offset_mins,
                reference_invoice: Some((original.number.clone(), original.issued_at)),
            },
        );
        let r = self.insert_document(conn, order, &data, &fy, Some(&original.id), now)?;
        Ok((r, data))
    }

    fn insert_document(
        &self,
        conn: &mut DbConnection,
        order: &OrderRow,
        data: &InvoiceData,
        fy: &str,
        credits: Option<&str>,
        now: NaiveDateTime,
    ) -> Result<InvoiceRef, AppError> {
        let row = super::model::InvoiceRow {
            id: new_id(),
            number: data.number.clone(),
            kind: if credits.is_some() {
                "credit_note"
            } else {
                "invoice"
            }
            .into(),
            order_id: order.id.clone(),
            // One invoice per order, enforced by a unique key.
            order_invoice: credits.is_none().then(|| order.id.clone()),
            invoice_id: credits.map(str::to_string),
            financial_year: fy.to_string(),
            grand_total_minor: data.totals.grand_total_minor,
            document: serde_json::to_string(data)?,
            issued_at: now,
        };
        store::insert_invoice(conn, &row)?;
        let lines = store::lines(conn, &order.id)?;
        enqueue(conn, &invoice::facts(order, &lines, &row, data))?;
        Ok(InvoiceRef::from(&row))
    }

    /// An invoice or credit note, if the viewer may see its order.
    pub async fn invoice(&self, who: &Principal, id: &str) -> Result<InvoiceData, AppError> {
        let id = id.to_string();
        let viewer = Viewer::of(who);
        self.db
            .read(move |conn| {
                let row = store::invoice(conn, &id)?
                    .ok_or_else(|| AppError::NotFound("no such invoice".into()))?;
                let order = store::order(conn, &row.order_id)?
                    .ok_or_else(|| AppError::NotFound("no such invoice".into()))?;
                let visible = match &viewer {
                    Viewer::All => true,
                    Viewer::Customer(me) => order.customer_id.as_deref() == Some(me),
                    // A seller's documents would show other sellers' lines.
                    Viewer::Seller(_) => false,
                };
                if !visible {
                    return Err(AppError::NotFound("no such invoice".into()));
                }
                Ok(serde_json::from_str(&row.document)?)
            })
            .await
    }

    /// Every invoice and credit note, newest first (staff).
    pub async fn documents(&self, q: DocumentQuery) -> Result<Page<DocumentListed>, AppError> {
        let page = PageQuery {
            limit: q.limit,
            cursor: q.cursor.clone(),
        }
        .parse::<String>()?;
        if let Some(k) = &q.kind
            && !["invoice", "credit_note"].contains(&k.as_str())
        {
            return Err(AppError::invalid("kind", "must be invoice or credit_note"));
        }
        let number = q.number.as_deref().map(str::trim).filter(|n| !n.is_empty());
        if let Some(n) = number
            && (n.len() > 40
                || !n
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '/' || c == '-'))
        {
            return Err(AppError::invalid(
                "number",
                "may hold only letters, digits, / and - (at most 40)",
            ));
        }
        let filter = store::DocumentFilter {
            kind: q.kind.clone(),
            from: parse_time(&q.from, "from")?,
            to: parse_time(&q.to, "to")?,
            number: number.map(str::to_string),
        };
        let rows = self
            .db
            .read(move |conn| store::documents(conn, &filter, page.after.as_deref(), page.limit))
            .await?;
        let page = Page::from_rows(rows, page.limit, |r| r.id.clone());
        let mut items = Vec::with_capacity(page.items.len());
        for row in page.items {
            let doc: InvoiceData = serde_json::from_str(&row.document)?;
            items.push(DocumentListed {
                issued_at: row.issued_at.and_utc(),
                id: row.id,
                number: row.number,
                kind: row.kind,
                order_id: row.order_id,
                order_number: doc.order_number,
                buyer_name: doc.buyer.name,
                buyer_gstin: doc.buyer.gstin,
                reference_invoice: doc.reference_invoice,
                grand_total_minor: row.grand_total_minor,
            });
        }
        Ok(Page {
            items,
            next_cursor: page.next_cursor,
        })
    }

    // ---- reading ----

    pub async fn get(&self, who: &Principal, id: &str) -> Result<OrderView, AppError> {
        let id = id.to_string();
        let viewer = Viewer::of(who);
        self.db
            .read(move |conn| {
                let order = store::order(conn, &id)?
                    .ok_or_else(|| AppError::NotFound("no such order".into()))?;
                view(conn, order, &viewer)
            })
            .await
    }

    pub async fn list(
        &self,
        who: &Principal,
        query: OrderQuery,
    ) -> Result<Page<OrderSummary>, AppError> {
        let viewer = Viewer::of(who);
        let page = PageQuery {
            limit: query.limit,
            cursor: query.cursor.clone(),
        }
        .parse::<String>()?;
        if let Some(s) = &query.status
            && Status::parse(s).is_none()
        {
            return Err(AppError::invalid("status", "is not an order status"));
        }
        if let Some(c) = &query.channel
            && !["web", "pos"].contains(&c.as_str())
        {
            return Err(AppError::invalid("channel", "must be web or pos"));
        }
        let q = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
        if let Some(q) = q
            && (q.chars().count() < 2
                || q.chars().count() > 60
                || !q
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "@.+ _-".contains(c)))
        {
            return Err(AppError::invalid(
                "q",
                "2 to 60 letters, digits, spaces or @ . + _ -",
            ));
        }
        let mut filter = OrderFilter {
            q: q.map(str::to_string),
            status: query.status.clone(),
            channel: query.channel.clone(),
            customer_id: query.customer_id.clone(),
            from: parse_time(&query.from, "from")?,
            to: parse_time(&query.to, "to")?,
            seller_id: None,
        };
        match &viewer {
            Viewer::All => {}
            Viewer::Seller(me) => filter.seller_id = Some(me.clone()),
            Viewer::Customer(me) => filter.customer_id = Some(me.clone()),
        }
        let rows = self
            .db
            .read(move |conn| {
                let rows = store::list(conn, &filter, page.after.as_deref(), page.limit)?;
                let totals = match &filter.seller_id {
                    Some(seller) => {
                        let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
                        store::seller_totals(conn, &ids, seller)?
                    }
                    None => Vec::new(),
                };
                Ok((rows, totals, page.limit))
            })
            .await?;
        let (rows, totals, limit) = rows;
        let seller = matches!(viewer, Viewer::Seller(_));
        Ok(
            Page::from_rows(rows, limit, |r| r.id.clone()).map(|r| OrderSummary {
                // Sellers see their lines, not who bought them.
                customer: if seller {
                    None
                } else {
                    serde_json::from_str::<OrderDetails>(&r.details)
                        .ok()
                        .and_then(|d| {
                            d.customer_name
                                .or_else(|| d.shipping_address.map(|a| a.name))
                                .or(d.email)
                        })
                },
                grand_total_minor: if seller {
                    totals
                        .iter()
                        .find(|(id, _)| *id == r.id)
                        .map(|(_, t)| *t)
                        .unwrap_or(0)
                } else {
                    r.grand_total_minor
                },
                id: r.id,
                number: r.number,
                channel: r.channel,
                status: r.status,
                customer_id: r.customer_id,
                currency: r.currency,
                created_at: r.created_at.and_utc(),
            }),
        )
    }

    /// The order as JSON for receipts (no viewer filter: callers hold the sale).
    pub async fn order_json(&self, id: &str) -> Result<Option<serde_json::Value>, AppError> {
        let id = id.to_string();
        self.db
            .read(move |conn| match store::order(conn, &id)? {
                None => Ok(None),
                Some(order) => Ok(Some(serde_json::to_value(view(
                    conn,
                    order,
                    &Viewer::All,
                )?)?)),
            })
            .await
    }

    pub async fn return_order_id(&self, return_id: &str) -> Result<Option<String>, AppError> {
        let id = return_id.to_string();
        Ok(self
            .db
            .read(move |conn| store::return_row(conn, &id))
            .await?
            .map(|r| r.order_id))
    }

    pub async fn numbers(
        &self,
        ids: Vec<String>,
    ) -> Result<std::collections::HashMap<String, String>, AppError> {
        if ids.is_empty() {
            return Ok(Default::default());
        }
        self.db
            .read(move |conn| store::numbers(conn, &ids))
            .await
            .map(|pairs| pairs.into_iter().collect())
    }

    pub async fn payable(&self, id: &str) -> Result<Option<PayableOrder>, AppError> {
        let id = id.to_string();
        Ok(self
            .db
            .read(move |conn| store::order(conn, &id))
            .await?
            .map(|o| {
                let balance_due = balance_due(&o) > 0;
                PayableOrder {
                    id: o.id,
                    number: o.number,
                    status: o.status,
                    grand_total_minor: o.grand_total_minor,
                    currency: o.currency,
                    customer_id: o.customer_id,
                    balance_due,
                }
            }))
    }

    /// Applies a captured payment, in the event's transaction. An unpaid (or confirmed
    /// cash-on-delivery) order becomes paid and is invoiced; a cash-on-delivery order
    /// already shipped (and so invoiced) records the cash. A payment for a cancelled or
    /// already paid order, or for another amount, is sent back as `PaymentUnapplied` so
    /// staff see it flagged among payments and refund it.
    pub fn mark_paid_in(
        &self,
        conn: &mut DbConnection,
        paid: &PaymentCaptured,
    ) -> Result<(), AppError> {
        let Some(mut order) = store::order(conn, &paid.order_id)? else {
            tracing::warn!(order = %paid.order_id, "payment captured for an unknown order");
            return Ok(());
        };
        let status = order.status();
        let mut details = order.details();
        let unapplied = |conn: &mut DbConnection, reason: String| {
            tracing::warn!(order = %paid.order_id, payment = %paid.payment_id, %reason,
                "captured payment not applied; flagged for staff");
            enqueue(
                conn,
                &PaymentUnapplied {
                    payment_id: paid.payment_id.clone(),
                    order_id: paid.order_id.clone(),
                    reason,
                },
            )
            .map(|_| ())
        };
        if paid.amount_minor != order.grand_total_minor || paid.currency != order.currency {
            return unapplied(
                conn,
                format!(
                    "{} {} captured for an order of {} {}",
                    paid.amount_minor, paid.currency, order.grand_total_minor, order.currency
                ),
            );
        }
        let now = now();
        match status {
            Status::PendingPayment | Status::Confirmed => {
                self.pay_in(
                    conn,
                    &mut order,
                    &paid.method,
                    paid.reference.clone(),
                    SYSTEM,
                    now,
                )?;
                Ok(())
            }
            Status::PartiallyShipped | Status::Shipped | Status::Delivered | Status::Completed
                if details.cash_on_delivery && details.payments.is_empty() =>
            {
                details.payments.push(PaymentRecord {
                    method: paid.method.clone(),
                    amount_minor: paid.amount_minor,
                    reference: paid.reference.clone(),
                    recorded_by: SYSTEM.to_string(),
                    recorded_at: now.and_utc(),
                });
                order.details = serde_json::to_string(&details)?;
                store::set_details(conn, &order.id, &order.details, now)?;
                let note = format!("cash collected ({})", paid.method);
                store::insert_event(
                    conn,
                    &order.id,
                    Some(status),
                    status,
                    SYSTEM,
                    Some(&note),
                    now,
                )?;
                Ok(())
            }
            Status::Cancelled => unapplied(
                conn,
                "the order was cancelled before the payment arrived; refund it".into(),
            ),
            _ => unapplied(
                conn,
                "the order was paid already; refund one payment".into(),
            ),
        }
    }

    /// A refund that returns no goods (`RefundProcessed` without a return): a credit note
    /// for the amount against the invoice, the refunded total and the status, in the
    /// event's transaction. A refund of a received return was credited when it was
    /// received.
    pub fn refund_in(
        &self,
        conn: &mut DbConnection,
        refund: &RefundProcessed,
    ) -> Result<(), AppError> {
        let Some(mut order) = store::order(conn, &refund.order_id)? else {
            return Ok(());
        };
        let mut details = order.details();
        if details
            .refunds
            .iter()
            .any(|r| r.refund_id == refund.refund_id)
        {
            return Ok(());
        }
        details.refunds.push(RefundRecord {
            refund_id: refund.refund_id.clone(),
            amount_minor: refund.amount_minor,
            return_id: refund.return_id.clone(),
        });
        order.details = serde_json::to_string(&details)?;
        store::set_details(conn, &order.id, &order.details, now())?;
        if refund.return_id.is_some() {
            // The return was credited when it was received; now the money is back.
            let refunded: i64 = details.refunds.iter().map(|r| r.amount_minor).sum();
            let to = match order.status() {
                Status::Returned if refunded >= order.refunded_minor => Status::Refunded,
                Status::Returned | Status::PartiallyReturned => Status::PartiallyRefunded,
                _ => return Ok(()),
            };
            let text = format!("refunded {} for the return", refund.amount_minor);
            transition(conn, &mut order, to, SYSTEM, Some(&text), now())?;
            return Ok(());
        }
        let Some(original) = store::invoices_of(conn, &order.id)?
            .into_iter()
            .find(|i| i.kind == "invoice")
        else {
            tracing::warn!(order = %order.id, "refund of an order without an invoice");
            return Ok(());
        };
        let left = order.grand_total_minor - order.refunded_minor;
        if refund.amount_minor > left {
            tracing::warn!(order = %order.id, refund = %refund.refund_id,
                "refund beyond what the invoice has left; no credit note");
            return Ok(());
        }
        let now = now();
        let content: InvoiceData = serde_json::from_str(&original.document)?;
        let fy = self.financial_year(now);
        let n = next_in_named_sequence(conn, &self.invoice_sequence(true, &fy))?;
        let data = invoice::value_note(
            &content,
            refund.amount_minor,
            order.refunded_minor,
            order.grand_total_minor,
            invoice::Heading {
                credit_note: true,
                number: format!("{}/{fy}/{n:06}", self.series(true)),
                issued_at: now,
                utc_offset_mins: self.profile.get().store.utc_offset_mins,
                reference_invoice: Some((original.number.clone(), original.issued_at)),
            },
        );
        let note = self.insert_document(conn, &order, &data, &fy, Some(&original.id), now)?;
        store::add_refunded(conn, &order.id, refund.amount_minor)?;
        let to = if refund.amount_minor == left {
            Status::Refunded
        } else {
            Status::PartiallyRefunded
        };
        let text = format!(
            "refunded {}; credit note {}",
            refund.amount_minor, note.number
        );
        if order.status().can_move_to(to) {
            transition(conn, &mut order, to, SYSTEM, Some(&text), now)?;
        } else {
            let status = order.status();
            store::insert_event(
                conn,
                &order.id,
                Some(status),
                status,
                SYSTEM,
                Some(&text),
                now,
            )?;
        }
        Ok(())
    }

    // ---- changing ----

    // ---- shipping (in the shipping domain's transaction) ----

    pub async fn shippable(&self, id: &str) -> Result<Option<ShippableOrder>, AppError> {
        let id = id.to_string();
        self.db
            .read(move |conn| match store::order(conn, &id)? {
                Some(o) => shippable(conn, &o).map(Some),
                None => Ok(None),
            })
            .await
    }

    /// Every issued document's facts, in id order after `after` (for a reports rebuild).
    pub async fn issued_documents(
        &self,
        after: Option<String>,
        limit: i64,
    ) -> Result<Vec<DocumentIssued>, AppError> {
        self.db
            .read(move |conn| {
                let rows = store::invoices_after(conn, after.as_deref(), limit)?;
                let mut out = Vec::with_capacity(rows.len());
                let mut cache: Option<(OrderRow, Vec<LineRow>)> = None;
                for row in rows {
                    if cache.as_ref().is_none_or(|(o, _)| o.id != row.order_id) {
                        let order = store::order(conn, &row.order_id)?
                            .ok_or_else(|| AppError::internal("invoice without its order"))?;
                        let lines = store::lines(conn, &order.id)?;
                        cache = Some((order, lines));
                    }
                    if let Some((order, lines)) = &cache {
                        let data: InvoiceData = serde_json::from_str(&row.document)?;
                        out.push(invoice::facts(order, lines, &row, &data));
                    }
                }
                Ok(out)
            })
            .await
    }

    pub fn shippable_in(
        &self,
        conn: &mut DbConnection,
        id: &str,
    ) -> Result<Option<ShippableOrder>, AppError> {
        match store::order(conn, id)? {
            Some(o) => shippable(conn, &o).map(Some),
            None => Ok(None),
        }
    }

    pub async fn by_number(&self, number: &str) -> Result<Option<ShippableOrder>, AppError> {
        let number = number.trim().to_ascii_uppercase();
        self.db
            .read(move |conn| match store::by_number(conn, &number)? {
                Some(o) => shippable(conn, &o).map(Some),
                None => Ok(None),
            })
            .await
    }

    /// See `OrdersApi::ship_in`.
    pub fn ship_in(
        &self,
        conn: &mut DbConnection,
        order_id: &str,
        lines: &[ShipLine],
        actor: &str,
    ) -> Result<ShippableOrder, AppError> {
        let now = now();
        let mut order = store::order(conn, order_id)?
            .ok_or_else(|| AppError::NotFound("no such order".into()))?;
        let status = order.status();
        if !matches!(
            status,
            Status::Paid | Status::Confirmed | Status::PartiallyShipped
        ) {
            return Err(AppError::FieldConflict(
                format!("an order that is {} cannot be shipped", status.as_str()),
                vec![FieldError::new(
                    "order_id",
                    format!("the order is {}", status.as_str()),
                )],
            ));
        }
        let before = store::lines(conn, &order.id)?;
        let mut stock = Vec::with_capacity(lines.len());
        for (i, want) in lines.iter().enumerate() {
            let Some(line) = before.iter().find(|l| l.line_no == want.line_no) else {
                return Err(AppError::invalid(
                    format!("lines[{i}].line_no"),
                    "is not a line of this order",
                ));
            };
            if want.quantity < 1 {
                return Err(AppError::invalid(
                    format!("lines[{i}].quantity"),
                    "must be at least 1",
                ));
            }
            if !store::add_fulfilled(conn, &order.id, line.line_no, want.quantity)? {
                return Err(AppError::FieldConflict(
                    "more than is left to ship".into(),
                    vec![FieldError::new(
                        format!("lines[{i}].quantity"),
                        format!(
                            "is more than the {} left to ship on this line",
                            line.quantity - line.fulfilled_quantity
                        ),
                    )],
                ));
            }
            stock.push(StockLine {
                variant_id: line.variant_id.clone(),
                quantity: want.quantity,
            });
        }
        self.inventory
            .commit_lines_in(conn, actor, &order.id, &stock)?;
        let after = store::lines(conn, &order.id)?;
        let all = after.iter().all(|l| l.fulfilled_quantity == l.quantity);
        let details = order.details();
        // Cash on delivery: the goods leaving is the time of supply, so the invoice now.
        if details.cash_on_delivery
            && !store::invoices_of(conn, &order.id)?
                .iter()
                .any(|i| i.kind == "invoice")
        {
            self.issue_invoice_in(conn, &order, &after, now)?;
        }
        let to = if all {
            Status::Shipped
        } else {
            Status::PartiallyShipped
        };
        transition(conn, &mut order, to, actor, None, now)?;
        shippable(conn, &order)
    }

    /// See `OrdersApi::delivered_in`.
    pub fn delivered_in(
        &self,
        conn: &mut DbConnection,
        order_id: &str,
        actor: &str,
    ) -> Result<bool, AppError> {
        let now = now();
        let Some(mut order) = store::order(conn, order_id)? else {
            return Ok(false);
        };
        if order.status() != Status::Shipped {
            return Ok(false);
        }
        transition(conn, &mut order, Status::Delivered, actor, None, now)?;
        transition(
            conn,
            &mut order,
            Status::Completed,
            actor,
            Some("every parcel delivered"),
            now,
        )?;
        Ok(true)
    }

    /// See `OrdersApi::returned_to_origin_in`.
    pub fn returned_to_origin_in(
        &self,
        conn: &mut DbConnection,
        order_id: &str,
        location_id: &str,
        lines: &[ShipLine],
        actor: &str,
    ) -> Result<(), AppError> {
        let now = now();
        let mut order = store::order(conn, order_id)?
            .ok_or_else(|| AppError::NotFound("no such order".into()))?;
        let before = store::lines(conn, &order.id)?;
        let mut stock = Vec::new();
        let mut quantities = vec![0; before.len()];
        for want in lines {
            let Some((i, line)) = before
                .iter()
                .enumerate()
                .find(|(_, l)| l.line_no == want.line_no)
            else {
                return Err(AppError::internal("returned line is not on the order"));
            };
            if !store::take_fulfilled(conn, &order.id, line.line_no, want.quantity)? {
                return Err(AppError::internal("more returned than was shipped"));
            }
            quantities[i] += want.quantity;
            stock.push(StockLine {
                variant_id: line.variant_id.clone(),
                quantity: want.quantity,
            });
        }
        self.inventory
            .return_in(conn, actor, &order.id, location_id, &stock)?;
        let details = order.details();
        let after = store::lines(conn, &order.id)?;
        let nothing_out = after.iter().all(|l| l.fulfilled_quantity == 0);
        let mut note = "parcel returned to origin; goods back in stock".to_string();
        if details.cash_on_delivery && details.payments.is_empty() {
            // Never paid: the invoice issued at dispatch is reversed for what came back.
            let credited: Vec<i64> = before
                .iter()
                .map(|l| details.rto_units.get(&l.line_no).copied().unwrap_or(0))
                .collect();
            let (r, data) = self.issue_credit_note_in(
                conn,
                &order,
                &before,
                &quantities,
                &credited,
                nothing_out,
                now,
            )?;
            let mut details = details.clone();
            for (l, q) in before.iter().zip(&quantities) {
                *details.rto_units.entry(l.line_no).or_default() += q;
            }
            order.details = serde_json::to_string(&details)?;
            store::set_details(conn, &order.id, &order.details, now)?;
            store::add_refunded(conn, &order.id, data.totals.grand_total_minor)?;
            note = format!("{note}; credit note {}", r.number);
        }
        // A cash-on-delivery order never paid and with nothing left out for delivery is
        // over; one already paid by hand stays, with the refund due to the buyer.
        if nothing_out && details.cash_on_delivery && details.payments.is_empty() {
            // What was never shipped is still reserved: it goes back too.
            if before.iter().any(|l| l.quantity > l.fulfilled_quantity) {
                self.inventory.close_in(conn, actor, &order.id, false)?;
            }
            transition(conn, &mut order, Status::Cancelled, actor, Some(&note), now)?;
        } else {
            let status = order.status();
            store::insert_event(
                conn,
                &order.id,
                Some(status),
                status,
                actor,
                Some(&note),
                now,
            )?;
        }
        Ok(())
    }

    /// Marks lines handed over for delivery: their reserved stock becomes sales.
    pub async fn fulfil(
        &self,
        who: &Principal,
        id: &str,
        input: FulfilInput,
    ) -> Result<OrderView, AppError> {
        if input.lines.is_empty() {
            return Err(AppError::invalid("lines", "must not be empty"));
        }
        for (i, l) in input.lines.iter().enumerate() {
            if l.quantity < 1 {
                return Err(AppError::invalid(
                    format!("lines[{i}].quantity"),
                    "must be at least 1",
                ));
            }
        }
        let (actor, id) = (who.user_id().to_string(), id.to_string());
        let inventory = self.inventory.clone();
        let answer = Answer::current();
        self.db
            .write(move |conn| {
                let now = now();
                let mut order = store::order(conn, &id)?
                    .ok_or_else(|| AppError::NotFound("no such order".into()))?;
                if !matches!(order.status(), Status::Paid | Status::PartiallyFulfilled) {
                    return Err(conflict(order.status(), Status::Fulfilled));
                }
                let lines = store::lines(conn, &order.id)?;
                let mut stock = Vec::new();
                for (i, want) in input.lines.iter().enumerate() {
                    let Some(line) = lines.iter().find(|l| l.line_no == want.line_no) else {
                        return Err(AppError::invalid(
                            format!("lines[{i}].line_no"),
                            "is not a line of this order",
                        ));
                    };
                    if !store::add_fulfilled(conn, &order.id, line.line_no, want.quantity)? {
                        return Err(AppError::FieldConflict(
                            "more than is left to fulfil".into(),
                            vec![FieldError::new(
                                format!("lines[{i}].quantity"),
                                "is more than is left to fulfil on this line",
                            )],
                        ));
                    }
                    stock.push(StockLine {
                        variant_id: line.variant_id.clone(),
                        quantity: want.quantity,
                    });
                }
                inventory.commit_lines_in(conn, &actor, &order.id, &stock)?;
                let done = store::lines(conn, &order.id)?
                    .iter()
                    .all(|l| l.fulfilled_quantity == l.quantity);
                let to = if done {
                    Status::Fulfilled
                } else {
                    Status::PartiallyFulfilled
                };
                transition(conn, &mut order, to, &actor, None, now)?;
                let view = view(conn, order, &Viewer::All)?;
                answer.record_in(conn, &view)?;
                Ok(view)
            })
            .await
    }

    /// Moves an order along the delivery path by hand (`shipped`, `delivered`,
    /// `completed`): for orders handed over without shipments (collected at the store).
    /// Shipments move orders themselves.
    pub async fn advance(
        &self,
        who: &Principal,
        id: &str,
        input: TransitionInput,
    ) -> Result<OrderView, AppError> {
        let to = match Status::parse(&input.to) {
            Some(s @ (Status::Shipped | Status::Delivered | Status::Completed)) => s,
            _ => {
                return Err(AppError::invalid(
                    "to",
                    "must be shipped, delivered or completed",
                ));
            }
        };
        let note = crate::contracts::fields::optional_text(input.note.as_deref(), "note", 500)
            .map_err(|e| AppError::Validation(vec![e]))?;
        let (actor, id) = (who.user_id().to_string(), id.to_string());
        self.db
            .write(move |conn| {
                let now = now();
                let mut order = store::order(conn, &id)?
                    .ok_or_else(|| AppError::NotFound("no such order".into()))?;
                transition(conn, &mut order, to, &actor, note.as_deref(), now)?;
                view(conn, order, &Viewer::All)
            })
            .await
    }

    /// Cancels an order that has not been handed over: its stock goes back, and a paid
    /// order's invoice is reversed by a credit note. Customers may cancel their own
    /// unpaid orders; staff any order not yet fulfilled; the system (an unpaid order's
    /// timeout) any unpaid order.
    pub async fn cancel(
        &self,
        who: Canceller<'_>,
        id: &str,
        reason: Option<String>,
    ) -> Result<OrderView, AppError> {
        self.prepare().await?;
        let (actor, staff) = match who {
            Canceller::System => (SYSTEM.to_string(), true),
            Canceller::User(p) => (p.user_id().to_string(), p.has(Permission::OrdersManage)),
        };
        let id = id.to_string();
        let this = self.clone_parts();
        let reason = crate::contracts::fields::optional_text(reason.as_deref(), "reason", 500)
            .map_err(|e| AppError::Validation(vec![e]))?;
        self.db
            .write(move |conn| {
                let now = now();
                let mut order = store::order(conn, &id)?
                    .ok_or_else(|| AppError::NotFound("no such order".into()))?;
                if !staff {
                    if order.customer_id.as_deref() != Some(actor.as_str()) {
                        return Err(AppError::NotFound("no such order".into()));
                    }
                    if order.status() != Status::PendingPayment {
                        return Err(AppError::FieldConflict(
                            "only an unpaid order can be cancelled online; ask the store".into(),
                            vec![FieldError::new(
                                "status",
                                format!("is {}", order.status().as_str()),
                            )],
                        ));
                    }
                }
                if matches!(
                    order.status(),
                    Status::PartiallyShipped | Status::Shipped
                ) {
                    return Err(AppError::FieldConflict(
                        "goods of this order are with the carrier; they come back as a return to origin".into(),
                        vec![FieldError::new(
                            "status",
                            format!("is {}", order.status().as_str()),
                        )],
                    ));
                }
                let was_paid = order.status() == Status::Paid;
                transition(
                    conn,
                    &mut order,
                    Status::Cancelled,
                    &actor,
                    reason.as_deref(),
                    now,
                )?;
                this.inventory.close_in(conn, &actor, &order.id, false)?;
                if was_paid {
                    let lines = store::lines(conn, &order.id)?;
                    let all: Vec<i64> = lines.iter().map(|l| l.quantity).collect();
                    let none = vec![0; lines.len()];
                    let (_, data) =
                        this.issue_credit_note_in(conn, &order, &lines, &all, &none, true, now)?;
                    store::add_refunded(conn, &order.id, data.totals.grand_total_minor)?;
                    order.refunded_minor += data.totals.grand_total_minor;
                }
                view(conn, order, &Viewer::All)
            })
            .await
    }

    /// Cancels web orders left unpaid past `orders.payment_timeout_secs`; returns how many.
    pub async fn expire_unpaid(&self) -> Result<usize, AppError> {
        let before = now() - TimeDelta::seconds(i64::from(self.cfg.payment_timeout_secs));
        let due = self
            .db
            .read(move |conn| store::unpaid_before(conn, before, 100))
            .await?;
        let mut expired = 0;
        for id in due {
            let note = format!("not paid within {} seconds", self.cfg.payment_timeout_secs);
            match self.cancel(Canceller::System, &id, Some(note)).await {
                Ok(_) => expired += 1,
                // Paid (or cancelled) in the meantime.
                Err(AppError::Conflict(_) | AppError::FieldConflict(..)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(expired)
    }

    // ---- returns ----

    pub async fn request_return(
        &self,
        who: &Principal,
        order_id: &str,
        input: ReturnInput,
    ) -> Result<ReturnView, AppError> {
        let reason = crate::contracts::fields::text(&input.reason, "reason", 500)
            .map_err(|e| AppError::Validation(vec![e]))?;
        if input.lines.is_empty() {
            return Err(AppError::invalid("lines", "must not be empty"));
        }
        let staff = who.has(Permission::OrdersManage);
        let exchanges = self.exchange_variants(&input.lines).await?;
        let (actor, order_id) = (who.user_id().to_string(), order_id.to_string());
        self.db
            .write(move |conn| {
                let now = now();
                let order = store::order(conn, &order_id)?
                    .ok_or_else(|| AppError::NotFound("no such order".into()))?;
                if !staff && order.customer_id.as_deref() != Some(actor.as_str()) {
                    return Err(AppError::NotFound("no such order".into()));
                }
                let product_ids = order.details().product_ids;
                for (i, want) in input.lines.iter().enumerate() {
                    let Some(wanted) = &want.exchange_variant_id else {
                        continue;
                    };
                    let original = usize::try_from(want.line_no - 1)
                        .ok()
                        .and_then(|n| product_ids.get(n));
                    let same_product = exchanges
                        .iter()
                        .find(|v| &v.variant_id == wanted)
                        .is_some_and(|v| v.status == "active" && Some(&v.product_id) == original);
                    if !same_product {
                        return Err(AppError::invalid(
                            format!("lines[{i}].exchange_variant_id"),
                            "must be an active variant of the same product",
                        ));
                    }
                }
                if !order.status().returnable() {
                    return Err(AppError::FieldConflict(
                        "only delivered orders can be returned".into(),
                        vec![FieldError::new(
                            "status",
                            format!("is {}", order.status().as_str()),
                        )],
                    ));
                }
                let lines = store::lines(conn, &order.id)?;
                let taken = returned_so_far(conn, &order.id, false)?;
                let mut seen = std::collections::BTreeSet::new();
                for (i, want) in input.lines.iter().enumerate() {
                    let Some(line) = lines.iter().find(|l| l.line_no == want.line_no) else {
                        return Err(AppError::invalid(
                            format!("lines[{i}].line_no"),
                            "is not a line of this order",
                        ));
                    };
                    if !seen.insert(want.line_no) {
                        return Err(AppError::invalid(
                            format!("lines[{i}].line_no"),
                            "appears twice",
                        ));
                    }
                    let left =
                        line.fulfilled_quantity - taken.get(&want.line_no).copied().unwrap_or(0);
                    if want.quantity < 1 || want.quantity > left {
                        return Err(AppError::invalid(
                            format!("lines[{i}].quantity"),
                            format!("must be between 1 and {left} (not yet returned)"),
                        ));
                    }
                }
                let row = ReturnRow {
                    id: new_id(),
                    order_id: order.id.clone(),
                    status: "requested".into(),
                    reason,
                    items: serde_json::to_string(&input.lines)?,
                    refund_minor: 0,
                    location_id: None,
                    disposition: None,
                    credit_note_id: None,
                    exchange_order_id: None,
                    requested_by: actor,
                    created_at: now,
                    updated_at: now,
                };
                store::insert_return(conn, &row)?;
                Ok(ReturnView::from(row))
            })
            .await
    }

    /// The catalog's view of the variants a return asks for in exchange.
    async fn exchange_variants(&self, lines: &[ReturnLine]) -> Result<Vec<VariantInfo>, AppError> {
        let ids: Vec<String> = lines
            .iter()
            .filter_map(|l| l.exchange_variant_id.clone())
            .collect();
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        self.catalog.variants(&ids).await
    }

    /// Staff's decision on a requested return.
    pub async fn decide_return(&self, id: &str, approve: bool) -> Result<ReturnView, AppError> {
        let id = id.to_string();
        self.db
            .write(move |conn| {
                let to = if approve { "approved" } else { "rejected" };
                if !store::set_return_status(conn, &id, "requested", to, now())? {
                    return match store::return_row(conn, &id)? {
                        None => Err(AppError::NotFound("no such return".into())),
                        Some(r) => Err(AppError::FieldConflict(
                            format!("the return is already {}", r.status),
                            vec![FieldError::new("status", format!("is {}", r.status))],
                        )),
                    };
                }
                store::return_row(conn, &id)?
                    .map(ReturnView::from)
                    .ok_or_else(|| AppError::internal("return vanished"))
            })
            .await
    }

    /// Receives the goods of an approved return: restocked (through the ledger) or
    /// written off, the refund computed from the line snapshots, a credit note issued and
    /// the order marked (partially) refunded, all in one transaction.
    pub async fn receive_return(
        &self,
        who: &Principal,
        id: &str,
        input: ReceiveReturnInput,
    ) -> Result<ReturnView, AppError> {
        let restock = match input.disposition.as_str() {
            "restock" => true,
            "write_off" => false,
            _ => {
                return Err(AppError::invalid(
                    "disposition",
                    "must be restock or write_off",
                ));
            }
        };
        if restock && input.location_id.as_deref().is_none_or(str::is_empty) {
            return Err(AppError::invalid("location_id", "is required to restock"));
        }
        self.prepare().await?;
        let lookup = id.to_string();
        let asked: Vec<ReturnLine> = match self
            .db
            .read(move |conn| store::return_row(conn, &lookup))
            .await?
        {
            Some(r) => serde_json::from_str(&r.items)?,
            None => return Err(AppError::NotFound("no such return".into())),
        };
        let exchanges = self.exchange_variants(&asked).await?;
        let (actor, id) = (who.user_id().to_string(), id.to_string());
        let this = self.clone_parts();
        let answer = Answer::current();
        self.db
            .write(move |conn| {
                let now = now();
                if !store::set_return_status(conn, &id, "approved", "received", now)? {
                    return match store::return_row(conn, &id)? {
                        None => Err(AppError::NotFound("no such return".into())),
                        Some(r) => Err(AppError::FieldConflict(
                            format!("a return that is {} cannot be received", r.status),
                            vec![FieldError::new("status", format!("is {}", r.status))],
                        )),
                    };
                }
                let ret = store::return_row(conn, &id)?
                    .ok_or_else(|| AppError::internal("return vanished"))?;
                let mut order = store::order(conn, &ret.order_id)?
                    .ok_or_else(|| AppError::internal("order vanished"))?;
                let lines = store::lines(conn, &order.id)?;
                let wanted: Vec<ReturnLine> = serde_json::from_str(&ret.items)?;
                // What earlier received returns took, so this one's refund is its share.
                let before = returned_so_far(conn, &order.id, true)?;
                let before_this: Vec<i64> = lines
                    .iter()
                    .map(|l| {
                        let all = before.get(&l.line_no).copied().unwrap_or(0);
                        let mine = wanted
                            .iter()
                            .filter(|w| w.line_no == l.line_no)
                            .map(|w| w.quantity)
                            .sum::<i64>();
                        all - mine
                    })
                    .collect();
                let quantities: Vec<i64> = lines
                    .iter()
                    .map(|l| {
                        wanted
                            .iter()
                            .filter(|w| w.line_no == l.line_no)
                            .map(|w| w.quantity)
                            .sum()
                    })
                    .collect();
                let (note, data) = this.issue_credit_note_in(
                    conn,
                    &order,
                    &lines,
                    &quantities,
                    &before_this,
                    false,
                    now,
                )?;
                // An exchange is paid by the credit; only the rest is refunded.
                let exchange = if wanted.iter().any(|w| w.exchange_variant_id.is_some()) {
                    Some(this.exchange_in(
                        conn,
                        &order,
                        &lines,
                        &wanted,
                        &before_this,
                        &exchanges,
                        (&note.number, &ret.id),
                        &actor,
                        now,
                    )?)
                } else {
                    None
                };
                let refund = data.totals.grand_total_minor
                    - exchange.as_ref().map_or(0, |e| e.grand_total_minor);
                let location = input.location_id.clone().filter(|_| restock);
                if let Some(location) = &location {
                    let stock: Vec<StockLine> = lines
                        .iter()
                        .zip(&quantities)
                        .filter(|(_, q)| **q > 0)
                        .map(|(l, q)| StockLine {
                            variant_id: l.variant_id.clone(),
                            quantity: *q,
                        })
                        .collect();
                    this.inventory
                        .return_in(conn, &actor, &ret.id, location, &stock)?;
                }
                store::mark_return_received(
                    conn,
                    &ret.id,
                    &store::ReceivedReturn {
                        refund_minor: refund,
                        location_id: location.as_deref(),
                        disposition: &input.disposition,
                        credit_note_id: &note.id,
                        exchange_order_id: exchange.as_ref().map(|e| e.id.as_str()),
                    },
                    now,
                )?;
                store::add_refunded(conn, &order.id, refund)?;
                let everything_back = lines
                    .iter()
                    .all(|l| before.get(&l.line_no).copied().unwrap_or(0) >= l.quantity);
                // Credited now; refunded when its refund is processed (`refund_in`).
                let to = if everything_back {
                    Status::Returned
                } else {
                    Status::PartiallyReturned
                };
                let note_text = format!(
                    "return received; credit note {} for {refund}; refund due",
                    note.number
                );
                transition(conn, &mut order, to, &actor, Some(&note_text), now)?;
                enqueue(
                    conn,
                    &ReturnReceived {
                        order_id: order.id.clone(),
                        return_id: ret.id.clone(),
                        credit_note_id: note.id.clone(),
                        refund_minor: refund,
                    },
                )?;
                let view = store::return_row(conn, &ret.id)?
                    .map(ReturnView::from)
                    .ok_or_else(|| AppError::internal("return vanished"))?;
                answer.record_in(conn, &view)?;
                Ok(view)
            })
            .await
    }

    /// The linked order that sends the exchanged variants: its lines are the returned
    /// units' snapshot (same price, tax and rate; another variant of the same product),
    /// its stock reserved at the original order's location, and it is paid by the credit
    /// note (`exchange`), in the receiving transaction.
    #[allow(clippy::too_many_arguments)]
    fn exchange_in(
        &self,
        conn: &mut DbConnection,
        order: &OrderRow,
        lines: &[LineRow],
        wanted: &[ReturnLine],
        before: &[i64],
        variants: &[VariantInfo],
        (credit_note, return_id): (&str, &str),
        actor: &str,
        now: NaiveDateTime,
    ) -> Result<PlacedOrder, AppError> {
        let details = order.details();
        let mut drafts = Vec::new();
        let mut fields = Vec::new();
        let mut totals = OrderTotals::default();
        for (i, w) in wanted.iter().enumerate() {
            let Some(variant_id) = &w.exchange_variant_id else {
                continue;
            };
            let field = format!("lines[{i}].exchange_variant_id");
            let (index, line) = lines
                .iter()
                .enumerate()
                .find(|(_, l)| l.line_no == w.line_no)
                .ok_or_else(|| AppError::internal("returned line vanished"))?;
            let info = variants
                .iter()
                .find(|v| &v.variant_id == variant_id && v.status == "active")
                .ok_or_else(|| AppError::invalid(field.clone(), "is no longer sold"))?;
            let p = portion(line, w.quantity, before.get(index).copied().unwrap_or(0));
            totals.subtotal_minor += line.unit_price_minor * w.quantity;
            totals.discount_minor += p.discount;
            totals.taxable_minor += p.taxable;
            totals.tax_minor += p.cgst + p.sgst + p.igst;
            totals.grand_total_minor += p.total();
            fields.push(field);
            drafts.push(OrderLineDraft {
                variant_id: info.variant_id.clone(),
                product_id: info.product_id.clone(),
                seller_id: info.seller_id.clone(),
                sku: info.sku.clone(),
                name: info.name.clone(),
                hsn: line.hsn.clone(),
                quantity: w.quantity,
                unit_price_minor: line.unit_price_minor,
                price_source: "exchange".into(),
                rate_bp: line.rate_bp,
                discount_minor: p.discount,
                tax: LineTax {
                    taxable_minor: p.taxable,
                    cgst_minor: p.cgst,
                    sgst_minor: p.sgst,
                    igst_minor: p.igst,
                    total_minor: p.total(),
                },
            });
        }
        let draft = OrderDraft {
            id: new_id(),
            channel: if order.channel == "pos" {
                Channel::Pos
            } else {
                Channel::Web
            },
            cart_id: details.cart_id.clone(),
            customer_id: order.customer_id.clone(),
            email: details.email.clone(),
            customer_name: details.customer_name.clone(),
            buyer_gstin: details.buyer_gstin.clone(),
            shipping_address: details.shipping_address.clone(),
            billing_address: details.billing_address.clone(),
            place_of_supply: details.place_of_supply.clone(),
            supply: details.supply.unwrap_or(Supply::IntraState),
            prices_include_tax: details.prices_include_tax,
            currency: order.currency.clone(),
            location_id: order.location_id.clone(),
            lines: drafts,
            shipping: None,
            discount_code: None,
            cash_on_delivery: false,
            totals,
            pos: None,
        };
        let stock = draft.stock_lines();
        if let Err(short) =
            self.inventory
                .reserve_in(conn, actor, &draft.id, &order.location_id, &stock, 0)?
        {
            let index = draft
                .lines
                .iter()
                .position(|l| l.variant_id == short.variant_id)
                .unwrap_or(0);
            return Err(AppError::FieldConflict(
                "not enough stock for the exchange".into(),
                vec![FieldError::new(
                    fields.get(index).cloned().unwrap_or_default(),
                    format!(
                        "only {} available at the order's location",
                        short.available.max(0)
                    ),
                )],
            ));
        }
        let placed = self.place_in(conn, &draft, actor)?;
        let mut row = store::order(conn, &placed.id)?
            .ok_or_else(|| AppError::internal("exchange order vanished"))?;
        let mut d = row.details();
        d.exchange_of = Some(return_id.to_string());
        row.details = serde_json::to_string(&d)?;
        store::set_details(conn, &row.id, &row.details, now)?;
        let invoice = self.pay_in(
            conn,
            &mut row,
            "exchange",
            Some(credit_note.to_string()),
            actor,
            now,
        )?;
        Ok(PlacedOrder {
            status: row.status,
            invoice_id: Some(invoice.id),
            invoice_number: Some(invoice.number),
            ..placed
        })
    }

    pub async fn returns(
        &self,
        who: &Principal,
        order_id: &str,
    ) -> Result<Vec<ReturnView>, AppError> {
        // Visibility follows the order's.
        self.get(who, order_id).await?;
        let order_id = order_id.to_string();
        self.db
            .read(move |conn| {
                Ok(store::returns_of(conn, &order_id)?
                    .into_iter()
                    .map(ReturnView::from)
                    .collect())
            })
            .await
    }

    /// A cheap handle for the blocking closures (settings and the inventory contract).
    fn clone_parts(&self) -> Orders {
        Orders {
            db: self.db.clone(),
            catalog: self.catalog.clone(),
            inventory: self.inventory.clone(),
            profile: self.profile.clone(),
            cfg: self.cfg.clone(),
        }
    }
}

/// Units of each line already in returns: received ones only, or every return not rejected.
fn returned_so_far(
    conn: &mut DbConnection,
    order_id: &str,
    received_only: bool,
) -> Result<std::collections::BTreeMap<i32, i64>, AppError> {
    let mut out = std::collections::BTreeMap::new();
    for r in store::returns_of(conn, order_id)? {
        let counts = if received_only {
            r.status == "received"
        } else {
            r.status != "rejected"
        };
        if !counts {
            continue;
        }
        let lines: Vec<ReturnLine> = serde_json::from_str(&r.items)?;
        for l in lines {
            *out.entry(l.line_no).or_default() += l.quantity;
        }
    }
    Ok(out)
}

/// The order as `viewer` may see it.
fn view(conn: &mut DbConnection, order: OrderRow, viewer: &Viewer) -> Result<OrderView, AppError> {
    let mut lines = store::lines(conn, &order.id)?;
    match viewer {
        Viewer::All => {}
        Viewer::Customer(me) => {
            if order.customer_id.as_deref() != Some(me) {
                return Err(AppError::NotFound("no such order".into()));
            }
        }
        Viewer::Seller(me) => {
            lines.retain(|l| &l.seller_id == me);
            if lines.is_empty() {
                return Err(AppError::NotFound("no such order".into()));
            }
        }
    }
    let details = order.details();
    let seller = matches!(viewer, Viewer::Seller(_));
    let totals = if seller {
        // Only their lines: no shipping, no order-level figures of other sellers.
        let mut t = OrderTotals::default();
        for l in &lines {
            t.subtotal_minor += l.quantity * l.unit_price_minor;
            t.discount_minor += l.discount_minor;
            t.taxable_minor += l.taxable_minor;
            t.tax_minor += l.cgst_minor + l.sgst_minor + l.igst_minor;
            t.grand_total_minor += l.total_minor();
        }
        t
    } else {
        OrderTotals {
            subtotal_minor: order.subtotal_minor,
            discount_minor: order.discount_minor,
            shipping_minor: order.shipping_minor,
            taxable_minor: details.taxable_minor,
            tax_minor: order.tax_minor,
            grand_total_minor: order.grand_total_minor,
        }
    };
    let invoices = if seller {
        Vec::new()
    } else {
        store::invoices_of(conn, &order.id)?
            .iter()
            .map(InvoiceRef::from)
            .collect()
    };
    let timeline: Vec<TimelineEntry> = store::events(conn, &order.id)?
        .into_iter()
        .map(TimelineEntry::from)
        .collect();
    Ok(OrderView {
        id: order.id,
        number: order.number,
        channel: order.channel,
        status: order.status,
        customer_id: order.customer_id,
        email: details.email,
        customer_name: details.customer_name,
        buyer_gstin: details.buyer_gstin,
        location_id: order.location_id,
        currency: order.currency,
        prices_include_tax: details.prices_include_tax,
        place_of_supply: details.place_of_supply,
        supply: details.supply,
        shipping_address: details.shipping_address,
        billing_address: details.billing_address,
        discount_code: if seller { None } else { details.discount_code },
        lines: lines
            .iter()
            .map(|l| {
                let mut view = OrderLineView::from(l);
                // Stored as the state half; shown under the tax it is.
                if details.supply == Some(Supply::IntraTerritory) {
                    view.utgst_minor = std::mem::take(&mut view.sgst_minor);
                }
                view
            })
            .collect(),
        shipping: if seller { None } else { details.shipping },
        totals,
        credited_minor: if seller { 0 } else { order.refunded_minor },
        refunded_minor: if seller {
            0
        } else {
            details.refunds.iter().map(|r| r.amount_minor).sum()
        },
        refunds: if seller { Vec::new() } else { details.refunds },
        payments: if seller { Vec::new() } else { details.payments },
        pos: if seller { None } else { details.pos },
        exchange_of: details.exchange_of,
        invoices,
        timeline,
        created_at: order.created_at.and_utc(),
        updated_at: order.updated_at.and_utc(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_of_a_line_add_up_whatever_the_steps() {
        // 3 units, ₹100.00 total: returning 1 then 2 refunds 33.33 + 66.67 = 100.00.
        let first = share(10_000, 1, 3) - share(10_000, 0, 3);
        let rest = share(10_000, 3, 3) - share(10_000, 1, 3);
        assert_eq!((first, rest), (3_333, 6_667));
        assert_eq!(first + rest, 10_000);
        assert_eq!(share(999, 2, 2), 999);
        assert_eq!(share(5, 1, 2), 3, "half a paisa rounds up");
    }

    fn line(quantity: i64, unit: i64, discount: i64, taxable: i64, half_tax: i64) -> LineRow {
        LineRow {
            order_id: "o".into(),
            line_no: 1,
            variant_id: "v".into(),
            seller_id: "s".into(),
            sku: "TEA".into(),
            name: "Tea".into(),
            hsn: "0902".into(),
            quantity,
            unit_price_minor: unit,
            discount_minor: discount,
            rate_bp: 500,
            taxable_minor: taxable,
            cgst_minor: half_tax,
            sgst_minor: half_tax,
            igst_minor: 0,
            fulfilled_quantity: quantity,
        }
    }

    #[test]
    fn credits_follow_the_written_rule_and_each_note_adds_up() {
        // 3 × ₹99.99 with GST included at 5 %, ₹99.98 off: the line is ₹199.99, of which
        // tax 199.99 × 5/105 = 9.52 (4.76 + 4.76) and taxable 190.47.
        let total = 3 * 9_999 - 9_998;
        let tax = (total * 500 + 105 * 100 / 2) / (105 * 100);
        let l = line(3, 9_999, 9_998, total - tax, tax / 2);
        assert_eq!(l.total_minor(), total);
        // One unit at a time: the rule gives share(k) − share(k − 1) of the total.
        let rule = |k: i64| (total * k * 2 + 3) / 6;
        let mut sums = (0, 0, 0, 0);
        for k in 1..=3 {
            let p = portion(&l, 1, k - 1);
            assert_eq!(p.total(), rule(k) - rule(k - 1), "return {k}");
            assert_eq!(p.taxable + p.cgst + p.sgst + p.igst, p.total());
            // The printed line: 1 × 99.99 − discount = total (prices include tax).
            assert_eq!(9_999 - p.discount, p.total(), "return {k}");
            sums = (
                sums.0 + p.total(),
                sums.1 + p.taxable,
                sums.2 + p.cgst,
                sums.3 + p.discount,
            );
        }
        assert_eq!(
            sums,
            (total, total - tax, tax / 2, 9_998),
            "the credits add up to the line"
        );
        // Prices before tax: units × price − discount is the taxable value.
        let taxable = 3 * 9_999 - 9_998;
        let ex = line(3, 9_999, 9_998, taxable, 500);
        let p = portion(&ex, 2, 0);
        assert_eq!(2 * 9_999 - p.discount, p.taxable);
        assert_eq!(p.total(), ((taxable + 1_000) * 2 * 2 + 3) / 6);
    }
}
