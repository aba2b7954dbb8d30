//! Counter sales rung up on a device and sent whole: at once when the device is online,
//! or later, in order, when it was not. The device keeps its own cart, priced from its
//! copy of the catalog (`GET /pos/catalog`) with the same GST rule as here; a sale it
//! sends is stored once per (device, ticket) whatever the retries, dated when it
//! happened, at the prices the customer paid. What the server would have done
//! differently (a price changed meanwhile, stock the ledger did not have, a discount code
//! used up) does not refuse a sale that already happened: it is booked and flagged for
//! staff.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::model::{CartCustomer, CartDetails, CartRow};
use super::pos::{TenderInput, TenderLine, apply_tenders, record_tenders_in};
use super::service::{Carts, MAX_LINE_QUANTITY, MAX_LINES, not_enough_stock, take_discount};
use super::store;
use crate::contracts::auth::Principal;
use crate::contracts::catalog::PriceContext;
use crate::contracts::gst::Gstin;
use crate::contracts::money;
use crate::contracts::orders::{
    Channel, OrderDraft, OrderLineDraft, OrderTotals, PlacedOrder, PosSaleDraft,
};
use crate::contracts::tax::{self, Supply};
use crate::db::{new_id, now};
use crate::http::idempotency::Answer;
use crate::http::{AppError, FieldError};
use diesel::Connection;

/// Most active variants a device is sent.
pub const COUNTER_ITEMS_MAX: i64 = 20_000;
/// Why the stock booked in for an offline sale was added (the ledger's reason).
pub const COVER_REASON: &str =
    "counter sale made offline: the ledger had less stock than was sold; count this item";

const ID_PATTERN: &str = r"^[A-Za-z0-9_-]{1,64}$";

fn device_id_ok(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketLineInput {
    #[schema(min_length = 1, max_length = 36)]
    pub variant_id: String,
    #[schema(minimum = 1, maximum = 10_000)]
    pub quantity: i64,
    /// The unit price charged, as the store enters prices (with or without GST).
    #[schema(minimum = 0, maximum = 10_000_000_000_000_i64)]
    pub unit_price_minor: i64,
}

/// A sale as the device rang it up.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketInput {
    /// The device's own id (made once per browser).
    #[schema(pattern = r"^[A-Za-z0-9_-]{1,64}$")]
    pub device_id: String,
    /// The sale's id on the device: a sale sent again under it is stored once.
    #[schema(pattern = r"^[A-Za-z0-9_-]{1,64}$")]
    pub ticket_id: String,
    /// When the sale happened on the device (not after now).
    pub sold_at: DateTime<Utc>,
    /// Rung up without a connection.
    #[serde(default)]
    pub offline: bool,
    #[schema(min_items = 1, max_items = 200)]
    pub lines: Vec<TicketLineInput>,
    #[schema(max_length = 40)]
    pub discount_code: Option<String>,
    /// The order discount the device took off (0 without a code).
    #[serde(default)]
    #[schema(minimum = 0, maximum = 10_000_000_000_000_i64)]
    pub discount_minor: i64,
    pub customer: Option<CartCustomer>,
    #[schema(min_items = 1, max_items = 10)]
    pub tenders: Vec<TenderInput>,
}

/// A line named in a flag.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FlagLine {
    pub variant_id: String,
    pub sku: String,
    pub name: String,
    pub quantity: i64,
}

/// A line sold at another price than the store's at the time of sale.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PriceDifference {
    pub variant_id: String,
    pub sku: String,
    pub name: String,
    pub quantity: i64,
    /// What the customer paid per unit.
    pub paid_unit_minor: i64,
    /// The store's price per unit when the sale happened (0: no longer sold).
    pub store_unit_minor: i64,
}

/// What staff should look at about a sale.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TicketFlags {
    /// Stock booked in just before the sale because the ledger had less (count these).
    #[serde(default)]
    pub stock_added: Vec<FlagLine>,
    #[serde(default)]
    pub price_differences: Vec<PriceDifference>,
    /// Why the discount code would not have applied (the discount given is kept).
    #[serde(default)]
    pub discount_problem: Option<String>,
    /// The order discount the store's rule gives for this sale, when the device's differs.
    #[serde(default)]
    pub store_discount_minor: Option<i64>,
    /// Paid less than the sale's total (offline only; online sales must be paid in full).
    #[serde(default)]
    pub short_paid_minor: i64,
    /// The sale reached the server after its session was closed: not in that Z-report.
    #[serde(default)]
    pub after_session_closed: bool,
}

impl TicketFlags {
    pub fn any(&self) -> bool {
        !self.stock_added.is_empty()
            || !self.price_differences.is_empty()
            || self.discount_problem.is_some()
            || self.store_discount_minor.is_some()
            || self.short_paid_minor > 0
            || self.after_session_closed
    }
}

/// A recorded counter sale.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TicketView {
    pub device_id: String,
    pub ticket_id: String,
    pub session_id: String,
    pub order: PlacedOrder,
    pub change_due_minor: i64,
    pub receipt_url: String,
    pub offline: bool,
    pub sold_at: DateTime<Utc>,
    pub received_at: DateTime<Utc>,
    pub flagged: bool,
    pub flags: TicketFlags,
}

/// An item as a counter device keeps it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CounterItem {
    pub variant_id: String,
    pub product_id: String,
    pub sku: String,
    pub barcode: Option<String>,
    /// Product name and variant title.
    pub name: String,
    /// The walk-in price now (a live sale price included), as the store enters prices.
    pub unit_price_minor: i64,
    pub list_price_minor: i64,
    /// `list` or `sale`.
    pub price_source: String,
    /// GST rate in basis points; 0 where the store may not charge GST.
    pub rate_bp: i32,
    pub hsn: String,
    /// In the `counter` collection: shown on the favourites grid.
    pub favourite: bool,
}

/// A discount code a device may apply by itself (no per-customer limit).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CounterDiscount {
    pub code: String,
    /// `percent` (value in basis points) or `fixed` (value in minor units).
    pub kind: String,
    pub value: i64,
    pub min_order_minor: i64,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
}

/// What a counter device needs to sell with no connection.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CounterCatalog {
    pub generated_at: DateTime<Utc>,
    pub currency: String,
    pub prices_include_tax: bool,
    /// The store's GST state: counter sales are intra-state supplies.
    pub state_code: String,
    /// `intra_state` or `intra_territory` (a union territory without a legislature).
    pub supply: String,
    pub store_name: String,
    /// Minutes east of UTC of the store: receipts are dated in its time.
    pub utc_offset_mins: i32,
    pub items: Vec<CounterItem>,
    /// More active variants exist than were sent.
    pub truncated: bool,
    pub discounts: Vec<CounterDiscount>,
}

/// A page of recorded counter sales.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TicketList {
    pub items: Vec<TicketView>,
}

fn supply_name(s: Supply) -> &'static str {
    match s {
        Supply::IntraState => "intra_state",
        Supply::IntraTerritory => "intra_territory",
        Supply::InterState => "inter_state",
    }
}

struct Checked {
    input: TicketInput,
    customer: CartCustomer,
    discount_code: Option<String>,
}

fn check(input: TicketInput) -> Result<Checked, AppError> {
    let mut problems = Vec::new();
    if !device_id_ok(&input.device_id) {
        problems.push(FieldError::new(
            "device_id",
            format!("must match {ID_PATTERN}"),
        ));
    }
    if !device_id_ok(&input.ticket_id) {
        problems.push(FieldError::new(
            "ticket_id",
            format!("must match {ID_PATTERN}"),
        ));
    }
    let now = Utc::now();
    if input.sold_at > now + chrono::TimeDelta::minutes(5) {
        problems.push(FieldError::new("sold_at", "is in the future"));
    }
    if input.sold_at < now - chrono::TimeDelta::days(30) {
        problems.push(FieldError::new("sold_at", "is more than 30 days ago"));
    }
    if input.lines.is_empty() || input.lines.len() > MAX_LINES {
        problems.push(FieldError::new(
            "lines",
            format!("must hold 1 to {MAX_LINES} lines"),
        ));
    }
    for (i, l) in input.lines.iter().enumerate() {
        if l.variant_id.is_empty() || l.variant_id.len() > 36 {
            problems.push(FieldError::new(
                format!("lines[{i}].variant_id"),
                "must be a variant id",
            ));
        }
        if input.lines[..i]
            .iter()
            .any(|o| o.variant_id == l.variant_id)
        {
            problems.push(FieldError::new(
                format!("lines[{i}].variant_id"),
                "appears twice; send one line per variant",
            ));
        }
        if !(1..=MAX_LINE_QUANTITY).contains(&l.quantity) {
            problems.push(FieldError::new(
                format!("lines[{i}].quantity"),
                format!("must be between 1 and {MAX_LINE_QUANTITY}"),
            ));
        }
        if !(0..=money::MAX_AMOUNT_MINOR).contains(&l.unit_price_minor) {
            problems.push(FieldError::new(
                format!("lines[{i}].unit_price_minor"),
                format!("must be between 0 and {}", money::MAX_AMOUNT_MINOR),
            ));
        }
    }
    if !(0..=money::MAX_AMOUNT_MINOR).contains(&input.discount_minor) {
        problems.push(FieldError::new(
            "discount_minor",
            "must not be negative or larger than an amount may be",
        ));
    }
    if input.tenders.len() > 10 {
        problems.push(FieldError::new("tenders", "at most 10"));
    }
    let discount_code = input
        .discount_code
        .as_deref()
        .map(|c| c.trim().to_ascii_uppercase())
        .filter(|c| !c.is_empty());
    if discount_code.as_ref().is_some_and(|c| c.len() > 40) {
        problems.push(FieldError::new("discount_code", "at most 40 characters"));
    }
    if discount_code.is_none() && input.discount_minor > 0 {
        problems.push(FieldError::new(
            "discount_minor",
            "needs the discount code it came from",
        ));
    }
    let given = input.customer.clone().unwrap_or_default();
    let mut customer = CartCustomer {
        customer_id: given
            .customer_id
            .filter(|c| !c.trim().is_empty())
            .map(|c| c.trim().to_string()),
        name: None,
        buyer_gstin: None,
    };
    if customer.customer_id.as_ref().is_some_and(|c| c.len() > 36) {
        problems.push(FieldError::new("customer.customer_id", "must be an id"));
    }
    match crate::contracts::fields::optional_text(given.name.as_deref(), "customer.name", 200) {
        Ok(n) => customer.name = n,
        Err(e) => problems.push(e),
    }
    if let Some(g) = given
        .buyer_gstin
        .as_deref()
        .filter(|g| !g.trim().is_empty())
    {
        match Gstin::parse(g, "customer.buyer_gstin") {
            Ok(g) => customer.buyer_gstin = Some(g.as_str().to_string()),
            Err(AppError::Validation(e)) => problems.extend(e),
            Err(e) => return Err(e),
        }
    }
    if !problems.is_empty() {
        return Err(AppError::Validation(problems));
    }
    Ok(Checked {
        input,
        customer,
        discount_code,
    })
}

/// The tenders as applied; offline, a short payment is recorded as paid and flagged
/// (the customer has left), where online it is refused.
fn tenders_for(
    total: i64,
    tenders: &[TenderInput],
    offline: bool,
    flags: &mut TicketFlags,
) -> Result<(Vec<TenderLine>, i64), AppError> {
    match apply_tenders(total, tenders) {
        Ok(ok) => Ok(ok),
        Err(AppError::Validation(e))
            if offline && e.len() == 1 && e[0].field == "tenders" && !tenders.is_empty() =>
        {
            let paid: i64 = tenders.iter().map(|t| t.amount_minor).sum();
            flags.short_paid_minor = total - paid;
            apply_tenders(paid, tenders)
        }
        Err(e) => Err(e),
    }
}

impl Carts {
    /// What a counter device keeps to sell offline.
    pub async fn counter_catalog(&self) -> Result<CounterCatalog, AppError> {
        let stock = self.catalog.counter_stock(COUNTER_ITEMS_MAX).await?;
        let profile = self.profile.get();
        let charges_gst = profile.store.charges_gst();
        let supply = Supply::between(&profile.store.state_code, &profile.store.state_code);
        let mut items = Vec::with_capacity(stock.prices.len());
        for p in &stock.prices {
            let Some(v) = stock.variants.iter().find(|v| v.variant_id == p.variant_id) else {
                continue;
            };
            items.push(CounterItem {
                variant_id: v.variant_id.clone(),
                product_id: v.product_id.clone(),
                sku: v.sku.clone(),
                barcode: v.barcode.clone(),
                name: v.name.clone(),
                unit_price_minor: p.unit_price_minor,
                list_price_minor: p.list_price_minor,
                price_source: p.source.clone(),
                rate_bp: if charges_gst { v.gst_rate_bp } else { 0 },
                hsn: v.hsn_code.clone(),
                favourite: stock.favourite_products.contains(&v.product_id),
            });
        }
        let now = now();
        let discounts = self
            .db
            .read(store::active_discounts)
            .await?
            .into_iter()
            .filter(|d| d.max_uses_per_customer.is_none() && d.ends_at.is_none_or(|e| e > now))
            .filter(|d| d.max_uses.is_none_or(|m| d.used_count < m))
            .map(|d| CounterDiscount {
                code: d.code,
                kind: d.kind,
                value: d.value,
                min_order_minor: d.min_order_minor,
                starts_at: d.starts_at.map(|t| t.and_utc()),
                ends_at: d.ends_at.map(|t| t.and_utc()),
            })
            .collect();
        Ok(CounterCatalog {
            generated_at: now.and_utc(),
            currency: self.currency.clone(),
            prices_include_tax: self.prices_include_tax(),
            state_code: profile.store.state_code.clone(),
            supply: supply_name(supply).into(),
            store_name: profile.store.name.clone(),
            utc_offset_mins: profile.store.utc_offset_mins,
            items,
            truncated: stock.truncated,
            discounts,
        })
    }

    /// The sale already stored for this device and ticket, if any.
    async fn ticket(&self, device: &str, ticket: &str) -> Result<Option<TicketView>, AppError> {
        let (device, ticket) = (device.to_string(), ticket.to_string());
        let row = self
            .db
            .read(move |c| store::ticket(c, &device, &ticket))
            .await?;
        match row {
            Some(r) => Ok(Some(self.ticket_view(r).await?)),
            None => Ok(None),
        }
    }

    async fn ticket_view(&self, row: store::TicketRow) -> Result<TicketView, AppError> {
        let order = self.orders.order_json(&row.order_id).await?;
        let pos: Option<PosSaleDraft> = order
            .as_ref()
            .and_then(|o| o.get("pos").cloned())
            .and_then(|p| serde_json::from_value(p).ok());
        let placed = super::service::placed_from_json(order.as_ref(), &row.order_id);
        Ok(TicketView {
            receipt_url: format!("/api/v1/pos/sales/{}/receipt", row.order_id),
            change_due_minor: pos.map_or(0, |p| p.change_due_minor),
            device_id: row.device_id,
            ticket_id: row.ticket_id,
            session_id: row.session_id,
            order: placed,
            offline: row.offline,
            sold_at: row.sold_at.and_utc(),
            received_at: row.received_at.and_utc(),
            flagged: row.flagged,
            flags: serde_json::from_str(&row.flags).unwrap_or_default(),
        })
    }

    /// Recorded counter sales, newest first; only flagged ones with `flagged`.
    pub async fn tickets(&self, flagged: bool, limit: i64) -> Result<TicketList, AppError> {
        let rows = self
            .db
            .read(move |c| store::tickets(c, flagged, limit))
            .await?;
        let mut items = Vec::with_capacity(rows.len());
        for r in rows {
            items.push(self.ticket_view(r).await?);
        }
        Ok(TicketList { items })
    }

    /// Records a sale rung up on a device (see the module's comment). `Ok((view, true))`
    /// when this call stored it, `false` when it was already stored.
    pub async fn record_ticket(
        &self,
        who: &Principal,
        session_id: &str,
        input: TicketInput,
    ) -> Result<(TicketView, bool), AppError> {
        let Checked {
            input,
            customer,
            discount_code,
        } = check(input)?;
        if let Some(done) = self.ticket(&input.device_id, &input.ticket_id).await? {
            return Ok((done, false));
        }
        let sid = session_id.to_string();
        let (session, register) = self
            .db
            .read(move |c| {
                let s = store::session(c, &sid)?
                    .ok_or_else(|| AppError::NotFound("no such session".into()))?;
                let r = store::register(c, &s.register_id)?
                    .ok_or_else(|| AppError::internal("register vanished"))?;
                Ok((s, r))
            })
            .await?;
        let mut flags = TicketFlags::default();
        if session.status != "open" {
            if !input.offline {
                return Err(AppError::FieldConflict(
                    "the session is closed".into(),
                    vec![FieldError::new("session", "is closed")],
                ));
            }
            flags.after_session_closed = true;
        }
        let ids: Vec<String> = input.lines.iter().map(|l| l.variant_id.clone()).collect();
        let ctx = PriceContext {
            customer_id: customer.customer_id.clone(),
            at: Some(input.sold_at),
        };
        let (variants, prices) = self.catalog.priced_variants(&ids, &ctx).await?;
        let profile = self.profile.get();
        let charges_gst = profile.store.charges_gst();
        let supply = Supply::between(&profile.store.state_code, &profile.store.state_code);
        let mut problems = Vec::new();
        let mut gross = Vec::with_capacity(input.lines.len());
        for (i, l) in input.lines.iter().enumerate() {
            let Some(v) = variants.iter().find(|v| v.variant_id == l.variant_id) else {
                problems.push(FieldError::new(
                    format!("lines[{i}].variant_id"),
                    "is not a product variant",
                ));
                continue;
            };
            // Online, the device's copy should be current: a variant no longer sold is
            // refused. Offline, the goods have left the shop: the sale is recorded.
            if v.status != "active" && !input.offline {
                problems.push(FieldError::new(
                    format!("lines[{i}].variant_id"),
                    "is no longer sold; remove it from the sale",
                ));
            }
            let store_price = prices
                .iter()
                .find(|p| p.variant_id == v.variant_id)
                .map_or(0, |p| p.unit_price_minor);
            if store_price != l.unit_price_minor {
                flags.price_differences.push(PriceDifference {
                    variant_id: v.variant_id.clone(),
                    sku: v.sku.clone(),
                    name: v.name.clone(),
                    quantity: l.quantity,
                    paid_unit_minor: l.unit_price_minor,
                    store_unit_minor: store_price,
                });
            }
            let line_gross = money::times(
                l.unit_price_minor,
                l.quantity,
                &format!("lines[{i}].unit_price_minor"),
            )?;
            gross.push((line_gross, if charges_gst { v.gst_rate_bp } else { 0 }));
        }
        if !problems.is_empty() {
            return Err(AppError::Validation(problems));
        }
        let mut subtotal = 0i64;
        for (g, _) in &gross {
            subtotal = money::add(subtotal, *g, "lines")?;
        }
        if input.discount_minor > subtotal {
            return Err(AppError::invalid(
                "discount_minor",
                "is more than the goods are worth",
            ));
        }
        let discount_row = match &discount_code {
            Some(code) => {
                let code = code.clone();
                self.db
                    .read(move |c| store::discount_by_code(c, &code))
                    .await?
            }
            None => None,
        };
        if let Some(code) = &discount_code {
            let at = input.sold_at.naive_utc();
            match &discount_row {
                None => flags.discount_problem = Some(format!("{code} is not a discount code")),
                Some(d) => match d.refusal(subtotal, at) {
                    Some(why) => flags.discount_problem = Some(format!("{code} {why}")),
                    None if d.amount(subtotal) != input.discount_minor => {
                        flags.store_discount_minor = Some(d.amount(subtotal));
                    }
                    None => {}
                },
            }
        }
        let taxed = tax::lines_tax(
            &gross,
            input.discount_minor,
            supply,
            self.prices_include_tax(),
        );
        let mut totals = OrderTotals {
            subtotal_minor: subtotal,
            discount_minor: input.discount_minor,
            ..OrderTotals::default()
        };
        let mut drafts = Vec::with_capacity(input.lines.len());
        for ((l, (_, rate)), (line_discount, t)) in input.lines.iter().zip(&gross).zip(&taxed) {
            let Some(v) = variants.iter().find(|v| v.variant_id == l.variant_id) else {
                continue;
            };
            totals.taxable_minor += t.taxable_minor;
            totals.tax_minor += t.tax_minor();
            totals.grand_total_minor += t.total_minor;
            let source = prices
                .iter()
                .find(|p| p.variant_id == v.variant_id && p.unit_price_minor == l.unit_price_minor)
                .map_or_else(|| "counter".to_string(), |p| p.source.clone());
            drafts.push(OrderLineDraft {
                variant_id: v.variant_id.clone(),
                product_id: v.product_id.clone(),
                seller_id: v.seller_id.clone(),
                sku: v.sku.clone(),
                name: v.name.clone(),
                hsn: v.hsn_code.clone(),
                quantity: l.quantity,
                unit_price_minor: l.unit_price_minor,
                price_source: source,
                rate_bp: *rate,
                discount_minor: *line_discount,
                tax: *t,
            });
        }
        let (applied, change) = tenders_for(
            totals.grand_total_minor,
            &input.tenders,
            input.offline,
            &mut flags,
        )?;
        self.orders.prepare(Channel::Pos).await?;
        let order_id = new_id();
        let draft = OrderDraft {
            id: order_id.clone(),
            channel: Channel::Pos,
            cart_id: new_id(),
            customer_id: customer.customer_id.clone(),
            email: None,
            customer_name: customer.name.clone(),
            buyer_gstin: customer.buyer_gstin.clone(),
            shipping_address: None,
            billing_address: None,
            place_of_supply: profile.store.state_code.clone(),
            supply,
            prices_include_tax: self.prices_include_tax(),
            currency: self.currency.clone(),
            location_id: register.location_id.clone(),
            lines: drafts,
            shipping: None,
            discount_code: discount_code.clone(),
            totals,
            pos: Some(PosSaleDraft {
                register_session_id: session.id.clone(),
                register_name: register.name.clone(),
                tenders: applied.iter().map(TenderLine::draft).collect(),
                change_due_minor: change,
                sold_at: Some(input.sold_at),
                offline: input.offline,
            }),
            cash_on_delivery: false,
        };
        let stock = draft.stock_lines();
        let (inventory, orders, payments) = (
            self.inventory.clone(),
            self.orders.clone(),
            self.payments.clone(),
        );
        let actor = who.user_id().to_string();
        let answer = Answer::current();
        let cart = CartRow {
            id: draft.cart_id.clone(),
            token_hash: None,
            customer_id: customer.customer_id.clone(),
            channel: "pos".into(),
            register_session_id: Some(session.id.clone()),
            status: "converted".into(),
            order_id: Some(order_id.clone()),
            discount_code: discount_code.clone(),
            details: serde_json::to_string(&CartDetails {
                customer: customer.clone(),
                sale: Some((totals.grand_total_minor, totals.tax_minor)),
            })?,
            created_at: input.sold_at.naive_utc(),
            updated_at: input.sold_at.naive_utc(),
        };
        let names: Vec<(String, String, String)> = draft
            .lines
            .iter()
            .map(|l| (l.variant_id.clone(), l.sku.clone(), l.name.clone()))
            .collect();
        let (device_id, ticket_id) = (input.device_id.clone(), input.ticket_id.clone());
        let (offline, sold_at) = (input.offline, input.sold_at);
        let session_id = session.id.clone();
        let outcome = self
            .db
            .write(move |conn| {
                let now = now();
                if store::ticket(conn, &device_id, &ticket_id)?.is_some() {
                    return Ok(None);
                }
                store::insert_cart(conn, &cart)?;
                if let Some(d) = &discount_row
                    && flags.discount_problem.is_none()
                {
                    // A used-up code does not undo a sale made offline: the savepoint
                    // drops the failed redemption and the sale is flagged instead.
                    let taken = conn.transaction(|c| {
                        take_discount(c, d, &draft.id, draft.customer_id.as_deref(), now)
                    });
                    if let Err(e) = taken {
                        if !offline {
                            return Err(e);
                        }
                        flags.discount_problem = Some(e.to_string());
                    }
                }
                if offline {
                    for added in inventory.cover_in(
                        conn,
                        &actor,
                        &draft.id,
                        &draft.location_id,
                        &stock,
                        COVER_REASON,
                    )? {
                        let (_, sku, name) = names
                            .iter()
                            .find(|(v, _, _)| *v == added.variant_id)
                            .cloned()
                            .unwrap_or_default();
                        flags.stock_added.push(FlagLine {
                            variant_id: added.variant_id,
                            sku,
                            name,
                            quantity: added.quantity,
                        });
                    }
                }
                if let Err(short) =
                    inventory.reserve_in(conn, &actor, &draft.id, &draft.location_id, &stock, 0)?
                {
                    let ids: Vec<&str> = stock.iter().map(|l| l.variant_id.as_str()).collect();
                    return Err(not_enough_stock(&ids, &short));
                }
                let placed = orders.place_in(conn, &draft, &actor)?;
                record_tenders_in(
                    conn,
                    payments.as_deref(),
                    &session_id,
                    &placed.id,
                    &draft.currency,
                    &actor,
                    &applied,
                    now,
                )?;
                let row = store::TicketRow {
                    id: new_id(),
                    device_id: device_id.clone(),
                    ticket_id: ticket_id.clone(),
                    session_id: session_id.clone(),
                    order_id: placed.id.clone(),
                    offline,
                    flagged: flags.any(),
                    flags: serde_json::to_string(&flags)?,
                    sold_at: sold_at.naive_utc().min(now),
                    received_at: now,
                };
                store::insert_ticket(conn, &row)?;
                let view = TicketView {
                    device_id,
                    ticket_id,
                    session_id,
                    receipt_url: format!("/api/v1/pos/sales/{}/receipt", placed.id),
                    order: placed,
                    change_due_minor: change,
                    offline,
                    sold_at: row.sold_at.and_utc(),
                    received_at: now.and_utc(),
                    flagged: row.flagged,
                    flags,
                };
                answer.record_in(conn, &view)?;
                Ok(Some(view))
            })
            .await;
        match outcome {
            Ok(Some(view)) => Ok((view, true)),
            // Stored meanwhile by another attempt (the unique index is the last word).
            Ok(None) | Err(AppError::Conflict(_)) => {
                match self.ticket(&input.device_id, &input.ticket_id).await? {
                    Some(done) => Ok((done, false)),
                    None => Err(AppError::Conflict("the sale could not be stored".into())),
                }
            }
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> TicketInput {
        TicketInput {
            device_id: "dev-1".into(),
            ticket_id: "t-1".into(),
            sold_at: Utc::now(),
            offline: true,
            lines: vec![TicketLineInput {
                variant_id: "v1".into(),
                quantity: 1,
                unit_price_minor: 100,
            }],
            discount_code: None,
            discount_minor: 0,
            customer: None,
            tenders: vec![TenderInput {
                kind: "cash".into(),
                amount_minor: 100,
                reference: None,
            }],
        }
    }

    fn fields(e: AppError) -> Vec<String> {
        match e {
            AppError::Validation(p) => p.into_iter().map(|f| f.field).collect(),
            other => panic!("not a validation error: {other:?}"),
        }
    }

    #[test]
    fn bad_tickets_name_their_fields() {
        let mut t = input();
        t.device_id = "has space".into();
        t.sold_at = Utc::now() + chrono::TimeDelta::hours(1);
        t.lines.push(t.lines[0].clone());
        t.discount_minor = 5;
        let got = fields(check(t).err().expect("refused"));
        assert_eq!(
            got,
            [
                "device_id",
                "sold_at",
                "lines[1].variant_id",
                "discount_minor"
            ]
        );
    }

    #[test]
    fn an_offline_short_payment_is_kept_and_flagged() {
        let mut flags = TicketFlags::default();
        let cash = [TenderInput {
            kind: "cash".into(),
            amount_minor: 900,
            reference: None,
        }];
        let (lines, change) = tenders_for(1_000, &cash, true, &mut flags).unwrap();
        assert_eq!((lines[0].applied_minor, change), (900, 0));
        assert_eq!(flags.short_paid_minor, 100);
        assert!(flags.any());
        let online = tenders_for(1_000, &cash, false, &mut TicketFlags::default());
        assert!(matches!(online, Err(AppError::Validation(_))));
    }
}
