//! The shop counter: registers (a till at a location), sessions opened with a counted
//! float and closed with a cash count (the Z-report), the session's cart filled by
//! scanning, split tenders with change, and the 80 mm receipt.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::model::{
    CartCustomer, CartDetails, CartRow, CartView, DenominationCount, RegisterRow, RegisterView,
    SessionReport, SessionRow, SessionView,
};
use super::service::Carts;
use super::store;
use crate::config::Registration;
use crate::contracts::auth::Principal;
use crate::contracts::gst::Gstin;
use crate::contracts::money;
use crate::contracts::orders::{Channel, OrderDraft, PlacedOrder, PosSaleDraft, TenderDraft};
use crate::contracts::payments::{PaymentsApi, RecordPayment};
use crate::db::{DbConnection, new_id, now};
use crate::http::{AppError, FieldError};

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterInput {
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    pub name: String,
    pub location_id: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenSessionInput {
    /// Cash counted into the drawer at opening, in minor units.
    #[schema(minimum = 0, maximum = 100_000_000)]
    pub opening_float_minor: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScanInput {
    /// A barcode or SKU as scanned or typed.
    #[schema(min_length = 1, max_length = 64, pattern = r"\S")]
    pub code: String,
    #[serde(default = "one")]
    #[schema(minimum = 1, maximum = 10_000)]
    pub quantity: i64,
}

fn one() -> i64 {
    1
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TenderInput {
    /// `cash`, `card` or `upi`.
    #[schema(pattern = "^(cash|card|upi)$")]
    pub kind: String,
    /// What was handed over: for cash, the notes given (change is worked out); for card
    /// and UPI, the amount charged.
    #[schema(minimum = 1, maximum = 10_000_000_000_000_i64)]
    pub amount_minor: i64,
    /// Card terminal or UPI transaction reference (required for those).
    #[schema(max_length = 100)]
    pub reference: Option<String>,
}

/// A counter sale's payment (`PosSaleInput` in the API description: the catalog's sale
/// prices are `SaleInput`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(as = PosSaleInput)]
#[serde(deny_unknown_fields)]
pub struct SaleInput {
    #[schema(min_items = 1)]
    pub tenders: Vec<TenderInput>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseInput {
    /// The cash in the drawer, by denomination.
    pub counted: Vec<DenominationCount>,
}

/// A tender as applied to a sale.
#[derive(Debug, Clone)]
pub struct TenderLine {
    pub kind: String,
    pub applied_minor: i64,
    pub tendered_minor: i64,
    pub reference: Option<String>,
}

/// What the counter hands checkout: the sale's tenders, applied to the total shown.
pub struct CounterSale {
    pub draft: PosSaleDraft,
    pub tenders: Vec<TenderLine>,
    pub total_minor: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = PosSaleView)]
pub struct SaleView {
    pub order: PlacedOrder,
    pub change_due_minor: i64,
    /// The printable receipt.
    pub receipt_url: String,
}

/// The answer to a completed sale.
pub(super) fn sale_view(order: PlacedOrder, change_due_minor: i64) -> SaleView {
    SaleView {
        receipt_url: format!("/api/v1/pos/sales/{}/receipt", order.id),
        order,
        change_due_minor,
    }
}

/// Applies tenders to `total`: card and UPI first (each at most what is still owed), then
/// cash, whose excess is the change. Short payment or a bad tender names its field.
pub fn apply_tenders(
    total: i64,
    tenders: &[TenderInput],
) -> Result<(Vec<TenderLine>, i64), AppError> {
    if tenders.is_empty() {
        return Err(AppError::invalid("tenders", "must not be empty"));
    }
    let mut problems = Vec::new();
    let mut owed = total;
    let mut out = Vec::new();
    for (i, t) in tenders.iter().enumerate() {
        if !(1..=money::MAX_AMOUNT_MINOR).contains(&t.amount_minor) {
            problems.push(FieldError::new(
                format!("tenders[{i}].amount_minor"),
                format!("must be between 1 and {}", money::MAX_AMOUNT_MINOR),
            ));
            continue;
        }
        let reference = t
            .reference
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(str::to_string);
        match t.kind.as_str() {
            "card" | "upi" => {
                if reference.as_ref().is_none_or(|r| r.chars().count() > 100) {
                    problems.push(FieldError::new(
                        format!("tenders[{i}].reference"),
                        "is required for card and UPI (1 to 100 characters)",
                    ));
                }
                if t.amount_minor > owed {
                    problems.push(FieldError::new(
                        format!("tenders[{i}].amount_minor"),
                        format!("is more than the {owed} still owed"),
                    ));
                    continue;
                }
                owed -= t.amount_minor;
                out.push(TenderLine {
                    kind: t.kind.clone(),
                    applied_minor: t.amount_minor,
                    tendered_minor: t.amount_minor,
                    reference,
                });
            }
            "cash" => {}
            _ => problems.push(FieldError::new(
                format!("tenders[{i}].kind"),
                "must be cash, card or upi",
            )),
        }
    }
    let mut change = 0;
    for (i, t) in tenders.iter().enumerate().filter(|(_, t)| {
        t.kind == "cash" && (1..=money::MAX_AMOUNT_MINOR).contains(&t.amount_minor)
    }) {
        let applied = t.amount_minor.min(owed);
        owed -= applied;
        change = money::add(
            change,
            t.amount_minor - applied,
            &format!("tenders[{i}].amount_minor"),
        )?;
        out.push(TenderLine {
            kind: "cash".into(),
            applied_minor: applied,
            tendered_minor: t.amount_minor,
            reference: None,
        });
    }
    if owed > 0 && problems.is_empty() {
        problems.push(FieldError::new(
            "tenders",
            format!("are {owed} short of the total {total}"),
        ));
    }
    if !problems.is_empty() {
        return Err(AppError::Validation(problems));
    }
    Ok((out, change))
}

/// Records a counter sale's totals on its session cart in checkout's transaction (the
/// tenders: `record_tenders_in`).
pub fn record_sale(
    conn: &mut DbConnection,
    session_id: &str,
    draft: &OrderDraft,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    match store::session(conn, session_id)? {
        Some(s) if s.status == "open" => {}
        _ => {
            return Err(AppError::FieldConflict(
                "the register session is closed".into(),
                vec![FieldError::new("session", "is closed")],
            ));
        }
    }
    let cart =
        store::cart(conn, &draft.cart_id)?.ok_or_else(|| AppError::internal("cart vanished"))?;
    let mut details = cart.details();
    details.sale = Some((draft.totals.grand_total_minor, draft.totals.tax_minor));
    store::set_details(conn, &cart.id, &serde_json::to_string(&details)?, now)
}

/// A counter sale's tenders, in the sale's transaction: the session's own rows (for its
/// Z-report) and captured payments in the payments ledger against the session.
#[allow(clippy::too_many_arguments)]
pub fn record_tenders_in(
    conn: &mut DbConnection,
    payments: Option<&dyn PaymentsApi>,
    session_id: &str,
    order_id: &str,
    currency: &str,
    actor: &str,
    tenders: &[TenderLine],
    now: NaiveDateTime,
) -> Result<(), AppError> {
    for t in tenders {
        store::insert_tender(
            conn,
            &store::NewTender {
                session_id,
                order_id,
                kind: &t.kind,
                amount_minor: t.applied_minor,
                tendered_minor: t.tendered_minor,
                reference: t.reference.as_deref(),
            },
            now,
        )?;
        if let Some(payments) = payments {
            payments.record_in(
                conn,
                &RecordPayment {
                    order_id: order_id.to_string(),
                    method: t.kind.clone(),
                    amount_minor: t.applied_minor,
                    currency: currency.to_string(),
                    reference: t.reference.clone(),
                    session_id: Some(session_id.to_string()),
                    actor: actor.to_string(),
                    announce: false,
                },
            )?;
        }
    }
    Ok(())
}

impl TenderLine {
    /// As the order keeps it.
    pub fn draft(&self) -> TenderDraft {
        TenderDraft {
            kind: self.kind.clone(),
            amount_minor: self.applied_minor,
            tendered_minor: self.tendered_minor,
            reference: self.reference.clone(),
        }
    }
}

/// The session's sales and cash so far.
fn report(conn: &mut DbConnection, session: &SessionRow) -> Result<SessionReport, AppError> {
    let mut r = SessionReport {
        opening_float_minor: session.opening_float_minor,
        ..SessionReport::default()
    };
    for cart in store::session_sales(conn, &session.id)? {
        if let Some((total, tax)) = cart.details().sale {
            r.sales_count += 1;
            r.gross_sales_minor += total;
            r.tax_minor += tax;
        }
    }
    for (kind, _, amount) in store::tenders_of(conn, &session.id)? {
        match kind.as_str() {
            "cash" => r.cash_minor += amount,
            "card" => r.card_minor += amount,
            _ => r.upi_minor += amount,
        }
    }
    r.expected_cash_minor = r.opening_float_minor + r.cash_minor;
    Ok(r)
}

fn session_view(session: SessionRow, report: SessionReport) -> SessionView {
    SessionView {
        id: session.id,
        register_id: session.register_id,
        status: session.status,
        opened_by: session.opened_by,
        opened_at: session.opened_at.and_utc(),
        closed_by: session.closed_by,
        closed_at: session.closed_at.map(|t| t.and_utc()),
        report,
    }
}

impl Carts {
    pub async fn create_register(&self, input: RegisterInput) -> Result<RegisterView, AppError> {
        let name = crate::contracts::fields::text(&input.name, "name", 100)
            .map_err(|e| AppError::Validation(vec![e]))?;
        if !self
            .inventory
            .active_locations()
            .await?
            .iter()
            .any(|(id, _)| *id == input.location_id)
        {
            return Err(AppError::missing(
                "location_id",
                "is not an active location",
            ));
        }
        let now = now();
        let row = RegisterRow {
            id: new_id(),
            name,
            location_id: input.location_id,
            active: true,
            created_at: now,
            updated_at: now,
        };
        let insert = row.clone();
        self.db
            .write(move |c| {
                if store::register_name_taken(c, &insert.name)? {
                    return Err(AppError::FieldConflict(
                        "a register has this name".into(),
                        vec![FieldError::new("name", "is taken")],
                    ));
                }
                store::insert_register(c, &insert)
            })
            .await?;
        Ok(row.into())
    }

    pub async fn registers(&self) -> Result<Vec<RegisterView>, AppError> {
        let (registers, open) = self
            .db
            .read(|c| Ok((store::registers(c)?, store::open_sessions(c)?)))
            .await?;
        Ok(registers
            .into_iter()
            .map(|r| {
                let open_session_id = open
                    .iter()
                    .find(|s| s.register_id == r.id)
                    .map(|s| s.id.clone());
                RegisterView {
                    open_session_id,
                    ..RegisterView::from(r)
                }
            })
            .collect())
    }

    pub async fn open_session(
        &self,
        who: &Principal,
        register_id: &str,
        input: OpenSessionInput,
    ) -> Result<SessionView, AppError> {
        if !(0..=100_000_000).contains(&input.opening_float_minor) {
            return Err(AppError::invalid(
                "opening_float_minor",
                "must be between 0 and 100000000",
            ));
        }
        let (actor, register_id) = (who.user_id().to_string(), register_id.to_string());
        self.db
            .write(move |c| {
                let register = store::register(c, &register_id)?
                    .filter(|r| r.active)
                    .ok_or_else(|| AppError::NotFound("no such register".into()))?;
                if let Some(open) = store::open_session_of(c, &register.id)? {
                    return Err(AppError::FieldConflict(
                        "the register already has an open session".into(),
                        vec![FieldError::new(
                            "register_id",
                            format!("session {} is open; close it first", open.id),
                        )],
                    ));
                }
                let row = SessionRow {
                    id: new_id(),
                    register_id: register.id.clone(),
                    open_register_id: Some(register.id),
                    status: "open".into(),
                    opened_by: actor,
                    opened_at: now(),
                    opening_float_minor: input.opening_float_minor,
                    closed_by: None,
                    closed_at: None,
                    counted_cash_minor: None,
                    expected_cash_minor: None,
                    report: None,
                };
                store::insert_session(c, &row)?;
                let r = report(c, &row)?;
                Ok(session_view(row, r))
            })
            .await
    }

    pub async fn session(&self, id: &str) -> Result<SessionView, AppError> {
        let id = id.to_string();
        self.db
            .read(move |c| {
                let s = store::session(c, &id)?
                    .ok_or_else(|| AppError::NotFound("no such session".into()))?;
                let r = match s.report.as_deref() {
                    Some(stored) => serde_json::from_str(stored)?,
                    None => report(c, &s)?,
                };
                Ok(session_view(s, r))
            })
            .await
    }

    /// The open session and its register, or a 409 when the session is closed.
    async fn open(&self, session_id: &str) -> Result<(SessionRow, RegisterRow), AppError> {
        let id = session_id.to_string();
        let (session, register) = self
            .db
            .read(move |c| {
                let s = store::session(c, &id)?
                    .ok_or_else(|| AppError::NotFound("no such session".into()))?;
                let r = store::register(c, &s.register_id)?
                    .ok_or_else(|| AppError::internal("register vanished"))?;
                Ok((s, r))
            })
            .await?;
        if session.status != "open" {
            return Err(AppError::FieldConflict(
                "the session is closed".into(),
                vec![FieldError::new("session", "is closed")],
            ));
        }
        Ok((session, register))
    }

    /// The session's open cart, made on first use.
    async fn session_cart(&self, session: &SessionRow) -> Result<CartRow, AppError> {
        let id = session.id.clone();
        self.db
            .write(move |c| {
                if let Some(cart) = store::session_cart(c, &id)? {
                    return Ok(cart);
                }
                let now = now();
                let row = CartRow {
                    id: new_id(),
                    token_hash: None,
                    customer_id: None,
                    channel: "pos".into(),
                    register_session_id: Some(id.clone()),
                    status: "open".into(),
                    order_id: None,
                    discount_code: None,
                    details: "{}".into(),
                    created_at: now,
                    updated_at: now,
                };
                store::insert_cart(c, &row)?;
                Ok(row)
            })
            .await
    }

    pub async fn pos_cart(&self, session_id: &str) -> Result<CartView, AppError> {
        let (session, _) = self.open(session_id).await?;
        let cart = self.session_cart(&session).await?;
        self.view(&cart).await
    }

    /// Adds a scanned barcode or SKU to the session's cart.
    pub async fn scan(&self, session_id: &str, input: ScanInput) -> Result<CartView, AppError> {
        if !(1..=super::service::MAX_LINE_QUANTITY).contains(&input.quantity) {
            return Err(AppError::invalid("quantity", "must be at least 1"));
        }
        let code = crate::contracts::fields::text(&input.code, "code", 64)
            .map_err(|e| AppError::Validation(vec![e]))?;
        let code = code.as_str();
        let (session, _) = self.open(session_id).await?;
        let variant = self
            .catalog
            .variant_by_code(code)
            .await?
            .filter(|v| v.status == "active")
            .ok_or_else(|| AppError::invalid("code", "matches no barcode or SKU on sale"))?;
        let cart = self.session_cart(&session).await?;
        let (cart, lines) = self
            .set_cart_line(cart, &variant.variant_id, input.quantity, false)
            .await?;
        Ok(self.quote(&cart, &lines, None, None).await?.view)
    }

    pub async fn set_pos_line(
        &self,
        session_id: &str,
        variant_id: &str,
        quantity: i64,
    ) -> Result<CartView, AppError> {
        let (session, _) = self.open(session_id).await?;
        let cart = self.session_cart(&session).await?;
        let (cart, lines) = self.set_cart_line(cart, variant_id, quantity, true).await?;
        Ok(self.quote(&cart, &lines, None, None).await?.view)
    }

    /// Names the customer of the sale (walk-in when empty).
    pub async fn set_pos_customer(
        &self,
        session_id: &str,
        input: CartCustomer,
    ) -> Result<CartView, AppError> {
        let mut customer = CartCustomer {
            customer_id: input.customer_id.filter(|c| !c.trim().is_empty()),
            name: crate::contracts::fields::optional_text(input.name.as_deref(), "name", 200)
                .map_err(|e| AppError::Validation(vec![e]))?,
            buyer_gstin: None,
        };
        if let Some(g) = input.buyer_gstin.as_deref() {
            customer.buyer_gstin = Some(Gstin::parse(g, "buyer_gstin")?.as_str().to_string());
        }
        let (session, _) = self.open(session_id).await?;
        let cart = self.session_cart(&session).await?;
        let details = CartDetails {
            customer,
            sale: None,
        };
        let id = cart.id.clone();
        let text = serde_json::to_string(&details)?;
        self.db
            .write(move |c| store::set_details(c, &id, &text, now()))
            .await?;
        let cart = CartRow {
            details: serde_json::to_string(&details)?,
            ..cart
        };
        self.view(&cart).await
    }

    /// Sells the session's cart: paid by the tenders, invoiced, and the stock taken from
    /// the register's location, in one transaction.
    pub async fn sell(
        &self,
        who: &Principal,
        session_id: &str,
        input: SaleInput,
    ) -> Result<SaleView, AppError> {
        let (session, register) = self.open(session_id).await?;
        let cart = self.session_cart(&session).await?;
        let id = cart.id.clone();
        let lines = self.db.read(move |c| store::lines(c, &id)).await?;
        if lines.is_empty() {
            return Err(AppError::invalid("lines", "the sale has no items"));
        }
        let total = self
            .quote(&cart, &lines, None, None)
            .await?
            .view
            .totals
            .grand_total_minor;
        let (applied, change) = apply_tenders(total, &input.tenders)?;
        let pos = PosSaleDraft {
            register_session_id: session.id.clone(),
            register_name: register.name.clone(),
            tenders: applied.iter().map(TenderLine::draft).collect(),
            change_due_minor: change,
            sold_at: None,
            offline: false,
        };
        let (placed, _) = self
            .place(
                cart,
                Channel::Pos,
                register.location_id.clone(),
                None,
                None,
                |_| {},
                Some(CounterSale {
                    draft: pos,
                    tenders: applied,
                    total_minor: total,
                }),
                who.user_id(),
            )
            .await?;
        Ok(sale_view(placed, change))
    }

    /// Closes the session with the cash counted by denomination: the Z-report.
    pub async fn close_session(
        &self,
        who: &Principal,
        session_id: &str,
        input: CloseInput,
    ) -> Result<SessionView, AppError> {
        let mut counted = 0i64;
        for (i, d) in input.counted.iter().enumerate() {
            if d.denomination_minor < 1 || !(0..=1_000_000).contains(&d.count) {
                return Err(AppError::invalid(
                    format!("counted[{i}]"),
                    "needs a positive denomination and a count from 0 to 1000000",
                ));
            }
            let field = format!("counted[{i}].denomination_minor");
            counted = money::add(
                counted,
                money::times(d.denomination_minor, d.count, &field)?,
                &field,
            )?;
        }
        let (actor, id) = (who.user_id().to_string(), session_id.to_string());
        self.db
            .write(move |c| {
                let now = now();
                let s = store::session(c, &id)?
                    .ok_or_else(|| AppError::NotFound("no such session".into()))?;
                if s.status != "open" {
                    return Err(AppError::FieldConflict(
                        "the session is already closed".into(),
                        vec![FieldError::new("session", "is closed")],
                    ));
                }
                let mut r = report(c, &s)?;
                r.counted_cash_minor = Some(counted);
                r.variance_minor = Some(counted - r.expected_cash_minor);
                r.denominations = input.counted.clone();
                let text = serde_json::to_string(&r)?;
                if !store::close_session(
                    c,
                    &id,
                    &actor,
                    counted,
                    r.expected_cash_minor,
                    &text,
                    now,
                )? {
                    return Err(AppError::Conflict(
                        "the session was closed meanwhile".into(),
                    ));
                }
                let s = store::session(c, &id)?
                    .ok_or_else(|| AppError::internal("session vanished"))?;
                Ok(session_view(s, r))
            })
            .await
    }

    /// The 80 mm receipt of a counter sale.
    pub async fn receipt(&self, order_id: &str) -> Result<String, AppError> {
        let order = self
            .orders
            .order_json(order_id)
            .await?
            .filter(|o| o.get("channel").and_then(|c| c.as_str()) == Some("pos"))
            .ok_or_else(|| AppError::NotFound("no such sale".into()))?;
        let order: ReceiptOrder = serde_json::from_value(order)?;
        let pos = order
            .pos
            .ok_or_else(|| AppError::NotFound("no such sale".into()))?;
        let mut tax_rows: Vec<crate::documents::TaxRow> = Vec::new();
        for l in &order.lines {
            match tax_rows.iter_mut().find(|r| r.rate_bp == l.rate_bp) {
                Some(r) => {
                    r.taxable_minor += l.taxable_minor;
                    r.cgst_minor += l.cgst_minor;
                    r.sgst_minor += l.sgst_minor + l.utgst_minor;
                    r.igst_minor += l.igst_minor;
                }
                None => tax_rows.push(crate::documents::TaxRow {
                    rate_bp: l.rate_bp,
                    taxable_minor: l.taxable_minor,
                    cgst_minor: l.cgst_minor,
                    sgst_minor: l.sgst_minor + l.utgst_minor,
                    igst_minor: l.igst_minor,
                }),
            }
        }
        tax_rows.sort_by_key(|r| r.rate_bp);
        let store = self.profile.store();
        let local = order.created_at.naive_utc()
            + chrono::TimeDelta::minutes(i64::from(store.utc_offset_mins));
        let cashier = order
            .timeline
            .first()
            .map(|t| t.actor.clone())
            .unwrap_or_default();
        let invoiced = !order.invoices.is_empty();
        let receipt = crate::documents::Receipt {
            title: match store.registration() {
                Registration::Regular if invoiced => "Tax Invoice",
                Registration::Composition if invoiced => "Bill of Supply",
                _ => "Receipt",
            },
            store_name: store.name.clone(),
            store_gstin: (!store.gstin.is_empty()).then(|| store.gstin.clone()),
            store_address_lines: store.address.clone(),
            register_name: pos.register_name,
            cashier,
            order_number: order.number,
            invoice_number: order.invoices.first().map(|i| i.number.clone()),
            issued_at: local.format("%d-%m-%Y %H:%M").to_string(),
            customer_name: order.customer_name,
            lines: order
                .lines
                .iter()
                .map(|l| crate::documents::ReceiptLine {
                    name: l.name.clone(),
                    sku: l.sku.clone(),
                    quantity: l.quantity,
                    unit_price_minor: l.unit_price_minor,
                    total_minor: l.total_minor,
                })
                .collect(),
            tax_rows,
            intra_state: order.supply.as_deref() != Some("inter_state"),
            union_territory: order.supply.as_deref() == Some("intra_territory"),
            subtotal_minor: order.totals.subtotal_minor,
            discount_minor: order.totals.discount_minor,
            tax_minor: order.totals.tax_minor,
            grand_total_minor: order.totals.grand_total_minor,
            tenders: pos
                .tenders
                .iter()
                .map(|t| crate::documents::Tender {
                    kind: t.kind.clone(),
                    amount_minor: t.tendered_minor,
                    reference: t.reference.clone(),
                })
                .collect(),
            change_due_minor: pos.change_due_minor,
            prices_include_tax: order.prices_include_tax,
        };
        Ok(crate::documents::receipt_html(&receipt))
    }
}

/// The parts of the orders domain's order JSON a receipt prints.
#[derive(Deserialize)]
struct ReceiptOrder {
    number: String,
    customer_name: Option<String>,
    prices_include_tax: bool,
    supply: Option<String>,
    lines: Vec<ReceiptOrderLine>,
    totals: crate::contracts::orders::OrderTotals,
    pos: Option<PosSaleDraft>,
    invoices: Vec<ReceiptInvoice>,
    timeline: Vec<ReceiptEvent>,
    created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Deserialize)]
struct ReceiptOrderLine {
    name: String,
    sku: String,
    quantity: i64,
    unit_price_minor: i64,
    rate_bp: i32,
    taxable_minor: i64,
    cgst_minor: i64,
    sgst_minor: i64,
    /// Sales before UTGST was named carry it in `sgst_minor`.
    #[serde(default)]
    utgst_minor: i64,
    igst_minor: i64,
    total_minor: i64,
}

#[derive(Deserialize)]
struct ReceiptInvoice {
    number: String,
}

#[derive(Deserialize)]
struct ReceiptEvent {
    actor: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(kind: &str, amount: i64, reference: Option<&str>) -> TenderInput {
        TenderInput {
            kind: kind.into(),
            amount_minor: amount,
            reference: reference.map(str::to_string),
        }
    }

    #[test]
    fn split_tenders_give_change_from_cash_only() {
        // ₹600 due: ₹120 by UPI, ₹500 note → ₹480 of it applied, ₹20 change.
        let (lines, change) = apply_tenders(
            60_000,
            &[t("cash", 50_000, None), t("upi", 12_000, Some("UPI1"))],
        )
        .unwrap();
        assert_eq!(change, 2_000);
        let cash = lines.iter().find(|l| l.kind == "cash").unwrap();
        assert_eq!((cash.applied_minor, cash.tendered_minor), (48_000, 50_000));
        assert_eq!(lines.iter().map(|l| l.applied_minor).sum::<i64>(), 60_000);
    }

    #[test]
    fn short_or_unreferenced_tenders_are_refused() {
        let short = apply_tenders(10_000, &[t("cash", 5_000, None)]).unwrap_err();
        assert!(matches!(short, AppError::Validation(ref e) if e[0].field == "tenders"));
        let no_ref = apply_tenders(10_000, &[t("card", 10_000, None)]).unwrap_err();
        assert!(
            matches!(no_ref, AppError::Validation(ref e) if e[0].field == "tenders[0].reference")
        );
        let over = apply_tenders(10_000, &[t("upi", 12_000, Some("U"))]).unwrap_err();
        assert!(
            matches!(over, AppError::Validation(ref e) if e[0].field == "tenders[0].amount_minor")
        );
    }
}
