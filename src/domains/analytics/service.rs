//! Reporting rules: how an issued document adds to the facts (one function, used by the
//! event subscriber and by the rebuild alike, so both give the same numbers), and the
//! reports read from those facts.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{Datelike, NaiveDate, TimeDelta};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::store::{self, DailyRow, DocumentRow, PaymentRow, RateRow, VariantRow};
use crate::contracts::catalog::CatalogApi;
use crate::contracts::events::DocumentIssued;
use crate::contracts::orders::OrdersApi;
use crate::db::{Db, DbConnection};
use crate::http::AppError;

/// Adds an issued document to the facts, in the caller's transaction. A document already
/// counted is left alone, so a redelivered event or a rebuild racing the subscriber
/// counts each once.
pub fn apply_in(conn: &mut DbConnection, d: &DocumentIssued) -> Result<(), AppError> {
    if store::has_document(conn, &d.document_id)? {
        return Ok(());
    }
    let credit = d.kind == "credit_note";
    store::insert_document(
        conn,
        &DocumentRow {
            id: d.document_id.clone(),
            day: d.issued_on,
            kind: d.kind.clone(),
            number: d.number.clone(),
            channel: d.channel.clone(),
            customer_id: d.customer_id.clone(),
            buyer_gstin: d.buyer_gstin.clone(),
            place_of_supply: d.place_of_supply.clone(),
            taxable_minor: d.taxable_minor,
            cgst_minor: d.cgst_minor,
            sgst_minor: d.sgst_minor,
            igst_minor: d.igst_minor,
            union_territory: d.union_territory,
            grand_total_minor: d.grand_total_minor,
        },
    )?;
    let mut rates: BTreeMap<(String, i32), RateRow> = BTreeMap::new();
    for l in &d.lines {
        let r = rates
            .entry((l.hsn.clone(), l.rate_bp))
            .or_insert_with(|| RateRow {
                document_id: d.document_id.clone(),
                hsn: l.hsn.clone(),
                rate_bp: l.rate_bp,
                quantity: 0,
                taxable_minor: 0,
                cgst_minor: 0,
                sgst_minor: 0,
                igst_minor: 0,
            });
        r.quantity += l.quantity;
        r.taxable_minor += l.taxable_minor;
        r.cgst_minor += l.cgst_minor;
        r.sgst_minor += l.sgst_minor;
        r.igst_minor += l.igst_minor;
    }
    for r in rates.values() {
        store::insert_rate(conn, r)?;
    }
    let tax = d.cgst_minor + d.sgst_minor + d.igst_minor;
    let goods = d.lines.iter().filter(|l| l.variant_id.is_some());
    let mut day = DailyRow {
        day: d.issued_on,
        channel: d.channel.clone(),
        ..DailyRow::default()
    };
    if credit {
        day.credit_notes = 1;
        day.returned_minor = d.grand_total_minor;
        day.returned_taxable_minor = d.taxable_minor;
        day.returned_tax_minor = tax;
    } else {
        day.orders = 1;
        for l in goods.clone() {
            day.units += l.quantity;
            day.gross_minor += l.gross_minor;
            day.discount_minor += l.discount_minor;
        }
        day.shipping_minor = d
            .lines
            .iter()
            .filter(|l| l.variant_id.is_none())
            .map(|l| l.total_minor)
            .sum();
        day.taxable_minor = d.taxable_minor;
        day.tax_minor = tax;
        day.invoiced_minor = d.grand_total_minor;
    }
    store::add_daily(conn, &day)?;
    for l in goods {
        let (Some(variant), Some(product), Some(seller)) =
            (&l.variant_id, &l.product_id, &l.seller_id)
        else {
            continue;
        };
        let mut v = VariantRow {
            day: d.issued_on,
            channel: d.channel.clone(),
            variant_id: variant.clone(),
            product_id: product.clone(),
            seller_id: seller.clone(),
            ..VariantRow::default()
        };
        if credit {
            v.returned_units = l.quantity;
            v.returned_minor = l.total_minor;
        } else {
            v.units = l.quantity;
            v.gross_minor = l.gross_minor;
            v.discount_minor = l.discount_minor;
            v.net_minor = l.total_minor;
        }
        store::add_variant(conn, &v)?;
        store::add_variant_month(conn, &v)?;
    }
    if !credit {
        let mut by_method: BTreeMap<&str, i64> = BTreeMap::new();
        for (method, amount) in &d.paid_by {
            *by_method.entry(method.as_str()).or_default() += amount;
        }
        for (method, amount) in by_method {
            store::add_payment(
                conn,
                &PaymentRow {
                    day: d.issued_on,
                    method: method.to_string(),
                    invoices: 1,
                    amount_minor: amount,
                },
            )?;
        }
    }
    Ok(())
}

// ---- queries ----

#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
pub struct SalesQuery {
    /// First day (YYYY-MM-DD, the store's local date), included.
    #[param(value_type = String, format = Date)]
    pub from: String,
    /// Last day, included.
    #[param(value_type = String, format = Date)]
    pub to: String,
    /// `day` (default), `week` (from Monday) or `month`.
    #[param(pattern = "^(day|week|month)$")]
    pub interval: Option<String>,
    /// `web` or `pos`; both when left out.
    #[param(pattern = "^(web|pos)$")]
    pub channel: Option<String>,
    /// `json` (default) or `csv`.
    #[param(pattern = "^(json|csv)$")]
    pub format: Option<String>,
}

/// Sales of a period. Sales count when their tax invoice is issued (paid online, at the
/// counter, or cash on delivery when it ships); returns when their credit note is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SalesRow {
    /// The first day of the period.
    pub period: Option<NaiveDate>,
    /// Invoices issued (one per order).
    pub orders: i64,
    pub units: i64,
    /// Goods before discounts, as priced (with GST when prices include it).
    pub gross_sales_minor: i64,
    pub discounts_minor: i64,
    pub shipping_minor: i64,
    /// Credit notes issued (returns, refunds, cancellations of paid orders).
    pub returns_minor: i64,
    /// Invoiced less credited.
    pub net_sales_minor: i64,
    /// GST invoiced less GST credited.
    pub tax_minor: i64,
    pub taxable_minor: i64,
    /// Invoiced ÷ orders, rounded.
    pub average_order_minor: i64,
}

impl SalesRow {
    fn add(&mut self, d: &DailyRow) {
        self.orders += d.orders;
        self.units += d.units;
        self.gross_sales_minor += d.gross_minor;
        self.discounts_minor += d.discount_minor;
        self.shipping_minor += d.shipping_minor;
        self.returns_minor += d.returned_minor;
        self.net_sales_minor += d.invoiced_minor - d.returned_minor;
        self.tax_minor += d.tax_minor - d.returned_tax_minor;
        self.taxable_minor += d.taxable_minor - d.returned_taxable_minor;
        // Kept as the invoiced sum until `finish`.
        self.average_order_minor += d.invoiced_minor;
    }

    fn finish(&mut self) {
        let invoiced = self.average_order_minor;
        self.average_order_minor = if self.orders > 0 {
            (invoiced + self.orders / 2) / self.orders
        } else {
            0
        };
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SalesReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub interval: String,
    pub channel: Option<String>,
    pub rows: Vec<SalesRow>,
    pub totals: SalesRow,
}

#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
pub struct BreakdownQuery {
    /// `channel`, `product`, `variant`, `seller` or `payment_method`.
    #[param(pattern = "^(channel|product|variant|seller|payment_method)$")]
    pub by: String,
    #[param(value_type = String, format = Date)]
    pub from: String,
    #[param(value_type = String, format = Date)]
    pub to: String,
    #[param(pattern = "^(web|pos)$")]
    pub channel: Option<String>,
    #[param(pattern = "^(json|csv)$")]
    pub format: Option<String>,
}

/// Sales of one channel, product, variant, seller or payment method over the period.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BreakdownRow {
    pub key: String,
    /// The product or variant name, where there is one.
    pub name: Option<String>,
    /// Invoices (channel, payment method).
    pub orders: i64,
    pub units: i64,
    pub returned_units: i64,
    pub gross_sales_minor: i64,
    pub discounts_minor: i64,
    pub returns_minor: i64,
    pub net_sales_minor: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Breakdown {
    pub by: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Largest net sales first.
    pub rows: Vec<BreakdownRow>,
}

#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
pub struct GstQuery {
    /// The return period, `YYYY-MM`.
    #[param(pattern = "^[0-9]{4}-(0[1-9]|1[0-2])$")]
    pub month: String,
    /// `json` (default) or `csv`.
    #[param(pattern = "^(json|csv)$")]
    pub format: Option<String>,
    /// With `csv`: `b2b`, `b2cs`, `cdn` or `hsn`.
    #[param(pattern = "^(b2b|b2cs|cdn|hsn)$")]
    pub section: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TaxAmounts {
    pub taxable_minor: i64,
    pub cgst_minor: i64,
    pub sgst_minor: i64,
    pub utgst_minor: i64,
    pub igst_minor: i64,
}

impl TaxAmounts {
    fn add(&mut self, taxable: i64, cgst: i64, sgst: i64, igst: i64, union_territory: bool) {
        self.taxable_minor += taxable;
        self.cgst_minor += cgst;
        if union_territory {
            self.utgst_minor += sgst;
        } else {
            self.sgst_minor += sgst;
        }
        self.igst_minor += igst;
    }
}

/// A B2B invoice (GSTR-1 table 4A): to a buyer with a GSTIN, by rate.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct B2bInvoice {
    pub number: String,
    pub date: NaiveDate,
    pub buyer_gstin: String,
    pub place_of_supply: String,
    pub invoice_value_minor: i64,
    pub rates: Vec<RateAmounts>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RateAmounts {
    pub rate_bp: i32,
    #[serde(flatten)]
    pub tax: TaxAmounts,
}

/// B2C supplies (GSTR-1 table 7) by place of supply and rate.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct B2csRow {
    pub place_of_supply: String,
    pub rate_bp: i32,
    #[serde(flatten)]
    pub tax: TaxAmounts,
}

/// A credit note (GSTR-1 table 9B).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CreditNoteRow {
    pub number: String,
    pub date: NaiveDate,
    pub buyer_gstin: Option<String>,
    pub place_of_supply: String,
    pub note_value_minor: i64,
    #[serde(flatten)]
    pub tax: TaxAmounts,
}

/// The HSN-wise summary (GSTR-1 table 12): invoices less credit notes.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct HsnRow {
    pub hsn: String,
    pub rate_bp: i32,
    pub quantity: i64,
    #[serde(flatten)]
    pub tax: TaxAmounts,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct DocumentTotals {
    pub count: i64,
    pub value_minor: i64,
    #[serde(flatten)]
    pub tax: TaxAmounts,
}

/// What a month's GSTR-1 needs: B2B invoices, B2C supplies, credit notes and the HSN
/// summary, with totals that equal the documents issued in the month.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct GstSummary {
    pub month: String,
    pub b2b: Vec<B2bInvoice>,
    pub b2cs: Vec<B2csRow>,
    pub credit_notes: Vec<CreditNoteRow>,
    pub hsn: Vec<HsnRow>,
    pub invoices_total: DocumentTotals,
    pub credit_notes_total: DocumentTotals,
}

pub struct Analytics {
    db: Db,
    orders: Arc<dyn OrdersApi>,
    catalog: Arc<dyn CatalogApi>,
}

fn date(raw: &str, field: &str) -> Result<NaiveDate, AppError> {
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
        .map_err(|_| AppError::invalid(field, "must be a date, YYYY-MM-DD"))
}

fn window(from: &str, to: &str) -> Result<(NaiveDate, NaiveDate), AppError> {
    let (from, to) = (date(from, "from")?, date(to, "to")?);
    if to < from {
        return Err(AppError::invalid("to", "must not be before from"));
    }
    if (to - from).num_days() > 3 * 366 {
        return Err(AppError::invalid(
            "to",
            "a report covers at most three years",
        ));
    }
    Ok((from, to))
}

fn channel(raw: &Option<String>) -> Result<Option<String>, AppError> {
    match raw.as_deref() {
        None | Some("") => Ok(None),
        Some(c @ ("web" | "pos")) => Ok(Some(c.to_string())),
        Some(_) => Err(AppError::invalid("channel", "must be web or pos")),
    }
}

/// The first day of the period `day` falls in.
fn period_of(day: NaiveDate, interval: &str) -> NaiveDate {
    match interval {
        "week" => day - TimeDelta::days(i64::from(day.weekday().num_days_from_monday())),
        "month" => day.with_day(1).unwrap_or(day),
        _ => day,
    }
}

fn next_period(start: NaiveDate, interval: &str) -> Option<NaiveDate> {
    match interval {
        "week" => start.checked_add_signed(TimeDelta::days(7)),
        "month" => start.checked_add_months(chrono::Months::new(1)),
        _ => start.succ_opt(),
    }
}

impl Analytics {
    pub fn new(db: Db, orders: Arc<dyn OrdersApi>, catalog: Arc<dyn CatalogApi>) -> Self {
        Self {
            db,
            orders,
            catalog,
        }
    }

    /// Sales by day, week or month: every period of the window, empty ones included.
    pub async fn sales(&self, q: &SalesQuery) -> Result<SalesReport, AppError> {
        let (from, to) = window(&q.from, &q.to)?;
        let interval = q.interval.clone().unwrap_or_else(|| "day".into());
        if !matches!(interval.as_str(), "day" | "week" | "month") {
            return Err(AppError::invalid("interval", "must be day, week or month"));
        }
        let channel = channel(&q.channel)?;
        let c = channel.clone();
        let days = self
            .db
            .read(move |conn| store::daily(conn, from, to, c.as_deref()))
            .await?;
        let mut periods: BTreeMap<NaiveDate, SalesRow> = BTreeMap::new();
        let mut start = period_of(from, &interval);
        while start <= to {
            periods.insert(
                start,
                SalesRow {
                    period: Some(start),
                    ..SalesRow::default()
                },
            );
            match next_period(start, &interval) {
                Some(n) => start = n,
                None => break,
            }
        }
        let mut totals = SalesRow::default();
        for d in &days {
            if let Some(row) = periods.get_mut(&period_of(d.day, &interval)) {
                row.add(d);
            }
            totals.add(d);
        }
        let mut rows: Vec<SalesRow> = periods.into_values().collect();
        for r in &mut rows {
            r.finish();
        }
        totals.finish();
        Ok(SalesReport {
            from,
            to,
            interval,
            channel,
            rows,
            totals,
        })
    }

    /// Sales by channel, product, variant, seller or payment method.
    pub async fn breakdown(&self, q: &BreakdownQuery) -> Result<Breakdown, AppError> {
        let (from, to) = window(&q.from, &q.to)?;
        let channel = channel(&q.channel)?;
        let mut rows: BTreeMap<String, BreakdownRow> = BTreeMap::new();
        match q.by.as_str() {
            "channel" => {
                let c = channel.clone();
                let days = self
                    .db
                    .read(move |conn| store::daily(conn, from, to, c.as_deref()))
                    .await?;
                for d in days {
                    let r = rows.entry(d.channel.clone()).or_default();
                    r.orders += d.orders;
                    r.units += d.units;
                    r.gross_sales_minor += d.gross_minor;
                    r.discounts_minor += d.discount_minor;
                    r.returns_minor += d.returned_minor;
                    r.net_sales_minor += d.invoiced_minor - d.returned_minor;
                }
            }
            "product" | "variant" | "seller" => {
                let c = channel.clone();
                let found = self
                    .db
                    .read(move |conn| store::variant_totals(conn, from, to, c.as_deref()))
                    .await?;
                let mut any_variant: BTreeMap<String, String> = BTreeMap::new();
                for v in found {
                    let key = match q.by.as_str() {
                        "product" => v.product_id.clone(),
                        "variant" => v.variant_id.clone(),
                        _ => v.seller_id.clone(),
                    };
                    any_variant
                        .entry(key.clone())
                        .or_insert(v.variant_id.clone());
                    let r = rows.entry(key).or_default();
                    r.units += v.units;
                    r.returned_units += v.returned_units;
                    r.gross_sales_minor += v.gross_minor;
                    r.discounts_minor += v.discount_minor;
                    r.returns_minor += v.returned_minor;
                    r.net_sales_minor += v.net_minor - v.returned_minor;
                }
                if q.by != "seller" && !any_variant.is_empty() {
                    let ids: Vec<String> = any_variant.values().cloned().collect();
                    let infos = self.catalog.variants(&ids).await?;
                    for (key, variant) in &any_variant {
                        if let (Some(info), Some(row)) = (
                            infos.iter().find(|i| &i.variant_id == variant),
                            rows.get_mut(key),
                        ) {
                            row.name = Some(if q.by == "product" {
                                info.name
                                    .split(" / ")
                                    .next()
                                    .unwrap_or(&info.name)
                                    .to_string()
                            } else {
                                format!("{} ({})", info.name, info.sku)
                            });
                        }
                    }
                }
            }
            "payment_method" => {
                if channel.is_some() {
                    return Err(AppError::invalid(
                        "channel",
                        "payment methods are reported for both channels together",
                    ));
                }
                let found = self
                    .db
                    .read(move |conn| store::payments(conn, from, to))
                    .await?;
                for p in found {
                    let r = rows.entry(p.method.clone()).or_default();
                    r.orders += p.invoices;
                    r.gross_sales_minor += p.amount_minor;
                    r.net_sales_minor += p.amount_minor;
                }
            }
            _ => {
                return Err(AppError::invalid(
                    "by",
                    "must be channel, product, variant, seller or payment_method",
                ));
            }
        }
        let mut rows: Vec<BreakdownRow> = rows
            .into_iter()
            .map(|(key, mut r)| {
                r.key = key;
                r
            })
            .collect();
        rows.sort_by(|a, b| {
            b.net_sales_minor
                .cmp(&a.net_sales_minor)
                .then(a.key.cmp(&b.key))
        });
        Ok(Breakdown {
            by: q.by.clone(),
            from,
            to,
            rows,
        })
    }

    /// The month's GSTR-1 figures from the invoices and credit notes issued in it.
    pub async fn gst(&self, q: &GstQuery) -> Result<GstSummary, AppError> {
        let from = NaiveDate::parse_from_str(&format!("{}-01", q.month.trim()), "%Y-%m-%d")
            .map_err(|_| AppError::invalid("month", "must be YYYY-MM"))?;
        let to = from
            .checked_add_months(chrono::Months::new(1))
            .and_then(|d| d.pred_opt())
            .ok_or_else(|| AppError::invalid("month", "is out of range"))?;
        let (docs, rates) = self
            .db
            .read(move |conn| {
                Ok((
                    store::documents(conn, from, to)?,
                    store::rates_of(conn, from, to)?,
                ))
            })
            .await?;
        let by_doc: BTreeMap<&str, &DocumentRow> =
            docs.iter().map(|d| (d.id.as_str(), d)).collect();
        let mut b2b: BTreeMap<&str, B2bInvoice> = BTreeMap::new();
        let mut b2cs: BTreeMap<(String, i32), TaxAmounts> = BTreeMap::new();
        let mut hsn: BTreeMap<(String, i32), (i64, TaxAmounts)> = BTreeMap::new();
        let mut invoices_total = DocumentTotals::default();
        let mut credit_notes_total = DocumentTotals::default();
        let mut credit_notes = Vec::new();
        for d in &docs {
            let totals = if d.kind == "credit_note" {
                let mut tax = TaxAmounts::default();
                tax.add(
                    d.taxable_minor,
                    d.cgst_minor,
                    d.sgst_minor,
                    d.igst_minor,
                    d.union_territory,
                );
                credit_notes.push(CreditNoteRow {
                    number: d.number.clone(),
                    date: d.day,
                    buyer_gstin: d.buyer_gstin.clone(),
                    place_of_supply: d.place_of_supply.clone(),
                    note_value_minor: d.grand_total_minor,
                    tax,
                });
                &mut credit_notes_total
            } else {
                if let Some(gstin) = &d.buyer_gstin {
                    b2b.insert(
                        d.id.as_str(),
                        B2bInvoice {
                            number: d.number.clone(),
                            date: d.day,
                            buyer_gstin: gstin.clone(),
                            place_of_supply: d.place_of_supply.clone(),
                            invoice_value_minor: d.grand_total_minor,
                            rates: Vec::new(),
                        },
                    );
                }
                &mut invoices_total
            };
            totals.count += 1;
            totals.value_minor += d.grand_total_minor;
            totals.tax.add(
                d.taxable_minor,
                d.cgst_minor,
                d.sgst_minor,
                d.igst_minor,
                d.union_territory,
            );
        }
        for (doc_id, r) in &rates {
            let Some(d) = by_doc.get(doc_id.as_str()) else {
                continue;
            };
            let credit = d.kind == "credit_note";
            let sign = if credit { -1 } else { 1 };
            let h = hsn.entry((r.hsn.clone(), r.rate_bp)).or_default();
            h.0 += sign * r.quantity;
            h.1.add(
                sign * r.taxable_minor,
                sign * r.cgst_minor,
                sign * r.sgst_minor,
                sign * r.igst_minor,
                d.union_territory,
            );
            if credit {
                continue;
            }
            if let Some(inv) = b2b.get_mut(doc_id.as_str()) {
                match inv.rates.iter_mut().find(|x| x.rate_bp == r.rate_bp) {
                    Some(x) => x.tax.add(
                        r.taxable_minor,
                        r.cgst_minor,
                        r.sgst_minor,
                        r.igst_minor,
                        d.union_territory,
                    ),
                    None => {
                        let mut tax = TaxAmounts::default();
                        tax.add(
                            r.taxable_minor,
                            r.cgst_minor,
                            r.sgst_minor,
                            r.igst_minor,
                            d.union_territory,
                        );
                        inv.rates.push(RateAmounts {
                            rate_bp: r.rate_bp,
                            tax,
                        });
                    }
                }
            } else {
                b2cs.entry((d.place_of_supply.clone(), r.rate_bp))
                    .or_default()
                    .add(
                        r.taxable_minor,
                        r.cgst_minor,
                        r.sgst_minor,
                        r.igst_minor,
                        d.union_territory,
                    );
            }
        }
        let mut b2b: Vec<B2bInvoice> = b2b.into_values().collect();
        b2b.sort_by(|a, b| a.date.cmp(&b.date).then(a.number.cmp(&b.number)));
        for inv in &mut b2b {
            inv.rates.sort_by_key(|r| r.rate_bp);
        }
        Ok(GstSummary {
            month: from.format("%Y-%m").to_string(),
            b2b,
            b2cs: b2cs
                .into_iter()
                .map(|((place_of_supply, rate_bp), tax)| B2csRow {
                    place_of_supply,
                    rate_bp,
                    tax,
                })
                .collect(),
            credit_notes,
            hsn: hsn
                .into_iter()
                .map(|((hsn, rate_bp), (quantity, tax))| HsnRow {
                    hsn,
                    rate_bp,
                    quantity,
                    tax,
                })
                .collect(),
            invoices_total,
            credit_notes_total,
        })
    }

    /// Recomputes every fact from the orders domain's issued documents. Returns how many
    /// documents were counted.
    pub async fn rebuild(&self) -> Result<usize, AppError> {
        rebuild(&self.db, self.orders.as_ref()).await
    }
}

/// See `Analytics::rebuild`: empties the facts, then applies every issued document with
/// the same function the event subscriber uses, a page per transaction.
pub async fn rebuild(db: &Db, orders: &dyn OrdersApi) -> Result<usize, AppError> {
    db.write(store::clear).await?;
    let mut after: Option<String> = None;
    let mut counted = 0;
    loop {
        let page = orders.issued_documents(after.clone(), 500).await?;
        let Some(last) = page.last() else {
            break;
        };
        after = Some(last.document_id.clone());
        counted += page.len();
        db.write(move |conn| {
            for d in &page {
                apply_in(conn, d)?;
            }
            Ok(())
        })
        .await?;
    }
    Ok(counted)
}

// ---- CSV ----

use crate::http::csv::cell as csv_field;

fn rupees(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let m = minor.unsigned_abs();
    format!("{sign}{}.{:02}", m / 100, m % 100)
}

fn rate(bp: i32) -> String {
    format!("{}.{:02}", bp / 100, bp % 100)
}

pub fn sales_csv(r: &SalesReport) -> String {
    let mut out = String::from(
        "period,orders,units,gross_sales,discounts,shipping,returns,net_sales,taxable_value,tax,average_order\n",
    );
    for row in r.rows.iter().chain(std::iter::once(&r.totals)) {
        let period = row
            .period
            .map_or_else(|| "total".to_string(), |p| p.to_string());
        out.push_str(&format!(
            "{period},{},{},{},{},{},{},{},{},{},{}\n",
            row.orders,
            row.units,
            rupees(row.gross_sales_minor),
            rupees(row.discounts_minor),
            rupees(row.shipping_minor),
            rupees(row.returns_minor),
            rupees(row.net_sales_minor),
            rupees(row.taxable_minor),
            rupees(row.tax_minor),
            rupees(row.average_order_minor),
        ));
    }
    out
}

pub fn breakdown_csv(b: &Breakdown) -> String {
    let mut out = format!(
        "{},name,orders,units,returned_units,gross_sales,discounts,returns,net_sales\n",
        b.by
    );
    for r in &b.rows {
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{}\n",
            csv_field(&r.key),
            csv_field(r.name.as_deref().unwrap_or("")),
            r.orders,
            r.units,
            r.returned_units,
            rupees(r.gross_sales_minor),
            rupees(r.discounts_minor),
            rupees(r.returns_minor),
            rupees(r.net_sales_minor),
        ));
    }
    out
}

fn tax_cells(t: &TaxAmounts) -> String {
    format!(
        "{},{},{},{},{}",
        rupees(t.taxable_minor),
        rupees(t.cgst_minor),
        rupees(t.sgst_minor),
        rupees(t.utgst_minor),
        rupees(t.igst_minor)
    )
}

pub fn gst_csv(g: &GstSummary, section: &str) -> Result<String, AppError> {
    const TAX: &str = "taxable_value,cgst,sgst,utgst,igst";
    let mut out = String::new();
    match section {
        "b2b" => {
            out.push_str(&format!(
                "buyer_gstin,invoice_number,invoice_date,invoice_value,place_of_supply,rate,{TAX}\n"
            ));
            for inv in &g.b2b {
                for r in &inv.rates {
                    out.push_str(&format!(
                        "{},{},{},{},{},{},{}\n",
                        csv_field(&inv.buyer_gstin),
                        csv_field(&inv.number),
                        inv.date.format("%d-%m-%Y"),
                        rupees(inv.invoice_value_minor),
                        inv.place_of_supply,
                        rate(r.rate_bp),
                        tax_cells(&r.tax)
                    ));
                }
            }
        }
        "b2cs" => {
            out.push_str(&format!("place_of_supply,rate,{TAX}\n"));
            for r in &g.b2cs {
                out.push_str(&format!(
                    "{},{},{}\n",
                    r.place_of_supply,
                    rate(r.rate_bp),
                    tax_cells(&r.tax)
                ));
            }
        }
        "cdn" => {
            out.push_str(&format!(
                "buyer_gstin,note_number,note_date,note_value,place_of_supply,{TAX}\n"
            ));
            for n in &g.credit_notes {
                out.push_str(&format!(
                    "{},{},{},{},{},{}\n",
                    csv_field(n.buyer_gstin.as_deref().unwrap_or("")),
                    csv_field(&n.number),
                    n.date.format("%d-%m-%Y"),
                    rupees(n.note_value_minor),
                    n.place_of_supply,
                    tax_cells(&n.tax)
                ));
            }
        }
        "hsn" => {
            out.push_str(&format!("hsn,rate,quantity,{TAX}\n"));
            for h in &g.hsn {
                out.push_str(&format!(
                    "{},{},{},{}\n",
                    csv_field(&h.hsn),
                    rate(h.rate_bp),
                    h.quantity,
                    tax_cells(&h.tax)
                ));
            }
        }
        _ => {
            return Err(AppError::invalid(
                "section",
                "must be b2b, b2cs, cdn or hsn",
            ));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_start_on_monday_and_the_first_of_the_month() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap_or_default(); // a Wednesday
        assert_eq!(period_of(d, "day"), d);
        assert_eq!(period_of(d, "week").to_string(), "2026-11-23");
        assert_eq!(period_of(d, "month").to_string(), "2026-11-01");
        assert_eq!(
            next_period(
                NaiveDate::from_ymd_opt(2026, 1, 31).unwrap_or_default(),
                "month"
            )
            .map(|d| d.to_string()),
            Some("2026-02-28".to_string())
        );
    }

    #[test]
    fn csv_cells_are_quoted_and_defused() {
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_field("-12.5"), "-12.5");
        assert_eq!(rupees(-1_050), "-10.50");
        assert_eq!(rate(250), "2.50");
    }
}
