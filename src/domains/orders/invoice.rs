//! The content of tax invoices and credit notes, built once when the document is issued
//! and stored with it: the JSON, the HTML and the PDF all show these same numbers.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime, TimeDelta};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::model::{LineRow, OrderRow};
use crate::config::StoreSettings;
use crate::contracts::gst;
use crate::contracts::tax::Supply;

fn regular() -> String {
    "regular".into()
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PartyData {
    pub name: String,
    pub gstin: Option<String>,
    pub address_lines: Vec<String>,
    pub state_code: String,
    pub state_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DocLineData {
    /// The order line it bills (none for the shipping charge).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line_no: Option<i32>,
    pub description: String,
    /// HSN of goods, SAC of services (shipping).
    pub hsn: String,
    pub quantity: i64,
    pub unit_price_minor: i64,
    pub discount_minor: i64,
    pub taxable_minor: i64,
    pub rate_bp: i32,
    pub cgst_minor: i64,
    pub sgst_minor: i64,
    /// UTGST in a union territory without a legislature. The stored document keeps that
    /// half in `sgst_minor` (with `union_territory`); the API shows it here, with
    /// `sgst_minor` 0.
    #[serde(default)]
    pub utgst_minor: i64,
    pub igst_minor: i64,
    pub total_minor: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct HsnRowData {
    pub hsn: String,
    pub rate_bp: i32,
    pub taxable_minor: i64,
    pub cgst_minor: i64,
    pub sgst_minor: i64,
    /// UTGST in a union territory without a legislature. The stored document keeps that
    /// half in `sgst_minor` (with `union_territory`); the API shows it here, with
    /// `sgst_minor` 0.
    #[serde(default)]
    pub utgst_minor: i64,
    pub igst_minor: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
pub struct DocTotalsData {
    pub taxable_minor: i64,
    pub cgst_minor: i64,
    pub sgst_minor: i64,
    /// UTGST in a union territory without a legislature. The stored document keeps that
    /// half in `sgst_minor` (with `union_territory`); the API shows it here, with
    /// `sgst_minor` 0.
    #[serde(default)]
    pub utgst_minor: i64,
    pub igst_minor: i64,
    pub grand_total_minor: i64,
}

/// A tax invoice or credit note (GST rule 46 / 53 content).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct InvoiceData {
    /// `tax_invoice` (any sale document) or `credit_note`.
    pub kind: String,
    /// The store's GST registration when it was issued (`regular`, `composition`,
    /// `unregistered`): a composition store's sale is a bill of supply, an unregistered
    /// one's a bill. Documents issued before this was kept are `regular`.
    #[serde(default = "regular")]
    pub registration: String,
    pub number: String,
    /// The merchant's local date of issue.
    pub issued_on: NaiveDate,
    pub order_number: String,
    /// Credit notes: the invoice they correct, and its date of issue.
    pub reference_invoice: Option<String>,
    #[serde(default)]
    pub reference_invoice_date: Option<NaiveDate>,
    pub seller: PartyData,
    pub buyer: PartyData,
    /// "29 - Karnataka".
    pub place_of_supply: String,
    pub intra_state: bool,
    /// Intra-state in a union territory without a legislature: UTGST instead of SGST.
    pub union_territory: bool,
    pub currency: String,
    pub lines: Vec<DocLineData>,
    pub hsn_summary: Vec<HsnRowData>,
    pub totals: DocTotalsData,
    pub reverse_charge: bool,
    /// How a tax invoice was paid when issued (`cod` while cash is due at delivery).
    #[serde(default)]
    pub paid_by: Vec<PaidBy>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PaidBy {
    pub method: String,
    pub amount_minor: i64,
}

pub struct Heading {
    pub credit_note: bool,
    pub number: String,
    pub issued_at: NaiveDateTime,
    pub utc_offset_mins: i32,
    /// Credit notes: the invoice they correct, with the time it was issued.
    pub reference_invoice: Option<(String, NaiveDateTime)>,
}

/// The merchant's local date of a stored (UTC) time.
pub fn local_date(at: NaiveDateTime, utc_offset_mins: i32) -> NaiveDate {
    (at + TimeDelta::minutes(i64::from(utc_offset_mins))).date()
}

fn state_name(code: &str) -> String {
    gst::state(code).map(|s| s.name.clone()).unwrap_or_default()
}

/// The document for `quantities[i]` units of each line, of which `already[i]` were on
/// earlier credit notes (so partial credits add up to the line exactly), plus the shipping
/// charge when `with_shipping`.
pub fn build(
    store: &StoreSettings,
    order: &OrderRow,
    lines: &[LineRow],
    quantities: &[i64],
    already: &[i64],
    with_shipping: bool,
    heading: Heading,
) -> InvoiceData {
    let details = order.details();
    let supply = details.supply.unwrap_or(Supply::IntraState);
    let mut doc_lines = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let q = quantities.get(i).copied().unwrap_or(0);
        if q == 0 {
            continue;
        }
        let p = super::service::portion(l, q, already.get(i).copied().unwrap_or(0));
        doc_lines.push(DocLineData {
            line_no: Some(l.line_no),
            description: format!("{} ({})", l.name, l.sku),
            hsn: l.hsn.clone(),
            quantity: q,
            unit_price_minor: l.unit_price_minor,
            discount_minor: p.discount,
            taxable_minor: p.taxable,
            rate_bp: l.rate_bp,
            cgst_minor: p.cgst,
            sgst_minor: p.sgst,
            utgst_minor: 0,
            igst_minor: p.igst,
            total_minor: p.total(),
        });
    }
    if with_shipping && let Some(ship) = details.shipping.as_ref().filter(|s| s.amount_minor > 0) {
        doc_lines.push(DocLineData {
            line_no: None,
            description: ship.description.clone(),
            hsn: ship.sac.clone(),
            quantity: 1,
            unit_price_minor: ship.amount_minor,
            discount_minor: 0,
            taxable_minor: ship.tax.taxable_minor,
            rate_bp: ship.rate_bp,
            cgst_minor: ship.tax.cgst_minor,
            sgst_minor: ship.tax.sgst_minor,
            utgst_minor: 0,
            igst_minor: ship.tax.igst_minor,
            total_minor: ship.tax.total_minor,
        });
    }
    let (hsn_summary, totals) = summarise(&doc_lines);
    let seller_state = store.state_code.clone();
    let seller = PartyData {
        name: if store.legal_name.is_empty() {
            store.name.clone()
        } else {
            store.legal_name.clone()
        },
        gstin: (!store.gstin.is_empty()).then(|| store.gstin.clone()),
        address_lines: store.address.clone(),
        state_name: state_name(&seller_state),
        state_code: seller_state,
    };
    let address = details
        .billing_address
        .clone()
        .or(details.shipping_address.clone());
    let buyer = PartyData {
        name: address
            .as_ref()
            .map(|a| a.name.clone())
            .or(details.customer_name.clone())
            .unwrap_or_else(|| "Walk-in customer".into()),
        gstin: details.buyer_gstin.clone(),
        address_lines: address
            .as_ref()
            .map(|a| {
                let mut v = vec![a.line1.clone()];
                v.extend(a.line2.clone());
                v.push(format!("{} {}", a.city, a.pincode));
                v
            })
            .unwrap_or_default(),
        state_name: state_name(&details.place_of_supply),
        state_code: details.place_of_supply.clone(),
    };
    InvoiceData {
        kind: if heading.credit_note {
            "credit_note"
        } else {
            "tax_invoice"
        }
        .into(),
        registration: store.registration().as_str().into(),
        number: heading.number,
        issued_on: local_date(heading.issued_at, heading.utc_offset_mins),
        order_number: order.number.clone(),
        reference_invoice_date: heading
            .reference_invoice
            .as_ref()
            .map(|(_, at)| local_date(*at, heading.utc_offset_mins)),
        reference_invoice: heading.reference_invoice.map(|(number, _)| number),
        seller,
        buyer,
        place_of_supply: format!(
            "{} - {}",
            details.place_of_supply,
            state_name(&details.place_of_supply)
        ),
        intra_state: supply.is_intra(),
        union_territory: supply == Supply::IntraTerritory,
        currency: order.currency.clone(),
        paid_by: if heading.credit_note {
            Vec::new()
        } else if details.cash_on_delivery && details.payments.is_empty() {
            vec![PaidBy {
                method: "cod".into(),
                amount_minor: totals.grand_total_minor,
            }]
        } else {
            details
                .payments
                .iter()
                .map(|p| PaidBy {
                    method: p.method.clone(),
                    amount_minor: p.amount_minor,
                })
                .collect()
        },
        lines: doc_lines,
        hsn_summary,
        totals,
        reverse_charge: false,
    }
}

/// A credit note for `amount` of `original` (a refund that returns no goods), when
/// `before` of its `total` was refunded already: each tax component of each line gets
/// share(before + amount) − share(before) of itself, and the largest line's taxable value
/// takes the rounding, so every note adds up to its amount and all notes together to each
/// component exactly. Quantities are 0.
pub fn value_note(
    original: &InvoiceData,
    amount: i64,
    before: i64,
    total: i64,
    heading: Heading,
) -> InvoiceData {
    let part = |x: i64| {
        super::service::share(x, before + amount, total) - super::service::share(x, before, total)
    };
    let mut lines: Vec<DocLineData> = original
        .lines
        .iter()
        .map(|l| DocLineData {
            line_no: l.line_no,
            description: format!("Refund: {}", l.description),
            hsn: l.hsn.clone(),
            quantity: 0,
            unit_price_minor: 0,
            discount_minor: 0,
            taxable_minor: part(l.taxable_minor),
            rate_bp: l.rate_bp,
            cgst_minor: part(l.cgst_minor),
            sgst_minor: part(l.sgst_minor),
            utgst_minor: 0,
            igst_minor: part(l.igst_minor),
            total_minor: 0,
        })
        .collect();
    let parts: i64 = lines
        .iter()
        .map(|l| l.taxable_minor + l.cgst_minor + l.sgst_minor + l.igst_minor)
        .sum();
    if let Some(largest) = original
        .lines
        .iter()
        .enumerate()
        .max_by_key(|(_, l)| l.taxable_minor)
        .map(|(i, _)| i)
        && let Some(line) = lines.get_mut(largest)
    {
        line.taxable_minor += amount - parts;
    }
    for l in &mut lines {
        l.total_minor = l.taxable_minor + l.cgst_minor + l.sgst_minor + l.igst_minor;
    }
    lines.retain(|l| l.total_minor != 0);
    let (hsn_summary, totals) = summarise(&lines);
    InvoiceData {
        kind: "credit_note".into(),
        registration: original.registration.clone(),
        number: heading.number,
        issued_on: local_date(heading.issued_at, heading.utc_offset_mins),
        order_number: original.order_number.clone(),
        reference_invoice_date: heading
            .reference_invoice
            .as_ref()
            .map(|(_, at)| local_date(*at, heading.utc_offset_mins)),
        reference_invoice: heading.reference_invoice.map(|(number, _)| number),
        seller: original.seller.clone(),
        buyer: original.buyer.clone(),
        place_of_supply: original.place_of_supply.clone(),
        intra_state: original.intra_state,
        union_territory: original.union_territory,
        currency: original.currency.clone(),
        lines,
        hsn_summary,
        totals,
        reverse_charge: original.reverse_charge,
        paid_by: Vec::new(),
    }
}

/// The HSN-wise summary and the totals of document lines.
fn summarise(lines: &[DocLineData]) -> (Vec<HsnRowData>, DocTotalsData) {
    let mut by_hsn: BTreeMap<(String, i32), HsnRowData> = BTreeMap::new();
    let mut totals = DocTotalsData::default();
    for l in lines {
        let row = by_hsn
            .entry((l.hsn.clone(), l.rate_bp))
            .or_insert_with(|| HsnRowData {
                hsn: l.hsn.clone(),
                rate_bp: l.rate_bp,
                taxable_minor: 0,
                cgst_minor: 0,
                sgst_minor: 0,
                utgst_minor: 0,
                igst_minor: 0,
            });
        row.taxable_minor += l.taxable_minor;
        row.cgst_minor += l.cgst_minor;
        row.sgst_minor += l.sgst_minor;
        row.igst_minor += l.igst_minor;
        totals.taxable_minor += l.taxable_minor;
        totals.cgst_minor += l.cgst_minor;
        totals.sgst_minor += l.sgst_minor;
        totals.igst_minor += l.igst_minor;
        totals.grand_total_minor += l.total_minor;
    }
    (by_hsn.into_values().collect(), totals)
}

/// The reporting facts of an issued document: its stored content, joined to the order's
/// immutable line snapshot for product, variant and seller.
pub fn facts(
    order: &OrderRow,
    lines: &[LineRow],
    row: &super::model::InvoiceRow,
    data: &InvoiceData,
) -> crate::contracts::events::DocumentIssued {
    use crate::contracts::events::{DocumentIssued, DocumentLine};
    let details = order.details();
    DocumentIssued {
        document_id: row.id.clone(),
        order_id: order.id.clone(),
        kind: row.kind.clone(),
        number: row.number.clone(),
        issued_at: row.issued_at.and_utc(),
        issued_on: data.issued_on,
        channel: order.channel.clone(),
        customer_id: order.customer_id.clone(),
        buyer_gstin: data.buyer.gstin.clone(),
        place_of_supply: details.place_of_supply.clone(),
        currency: data.currency.clone(),
        lines: data
            .lines
            .iter()
            .map(|l| {
                let line = l
                    .line_no
                    .and_then(|n| lines.iter().find(|x| x.line_no == n));
                let product = l.line_no.and_then(|n| {
                    usize::try_from(n - 1)
                        .ok()
                        .and_then(|i| details.product_ids.get(i).cloned())
                });
                DocumentLine {
                    product_id: product,
                    variant_id: line.map(|x| x.variant_id.clone()),
                    seller_id: line.map(|x| x.seller_id.clone()),
                    hsn: l.hsn.clone(),
                    rate_bp: l.rate_bp,
                    quantity: l.quantity,
                    gross_minor: l.unit_price_minor * l.quantity,
                    discount_minor: l.discount_minor,
                    taxable_minor: l.taxable_minor,
                    cgst_minor: l.cgst_minor,
                    sgst_minor: l.sgst_minor,
                    igst_minor: l.igst_minor,
                    total_minor: l.total_minor,
                }
            })
            .collect(),
        taxable_minor: data.totals.taxable_minor,
        cgst_minor: data.totals.cgst_minor,
        sgst_minor: data.totals.sgst_minor,
        igst_minor: data.totals.igst_minor,
        union_territory: data.union_territory,
        grand_total_minor: data.totals.grand_total_minor,
        paid_by: data
            .paid_by
            .iter()
            .map(|p| (p.method.clone(), p.amount_minor))
            .collect(),
    }
}
