//! Stored invoice content to the printable documents (HTML, PDF) and the JSON shape that
//! adds the amount in words.

use super::invoice::InvoiceData;
use crate::documents::{self, DocLine, DocTotals, DocumentKind, HsnRow, InvoiceDocument, Party};
use crate::http::AppError;

fn party(p: &super::invoice::PartyData) -> Party {
    Party {
        name: p.name.clone(),
        gstin: p.gstin.clone(),
        address_lines: p.address_lines.clone(),
        state_code: p.state_code.clone(),
        state_name: p.state_name.clone(),
    }
}

fn document(d: &InvoiceData) -> InvoiceDocument {
    InvoiceDocument {
        kind: match (d.kind.as_str(), d.registration.as_str()) {
            ("credit_note", _) => DocumentKind::CreditNote,
            (_, "composition") => DocumentKind::BillOfSupply,
            (_, "unregistered") => DocumentKind::Bill,
            _ => DocumentKind::TaxInvoice,
        },
        number: d.number.clone(),
        issued_on: d.issued_on,
        order_number: d.order_number.clone(),
        reference_invoice: d.reference_invoice.clone(),
        reference_invoice_date: d.reference_invoice_date,
        seller: party(&d.seller),
        buyer: party(&d.buyer),
        place_of_supply: d.place_of_supply.clone(),
        intra_state: d.intra_state,
        union_territory: d.union_territory,
        currency: d.currency.clone(),
        lines: d
            .lines
            .iter()
            .map(|l| DocLine {
                description: l.description.clone(),
                hsn: l.hsn.clone(),
                quantity: l.quantity,
                unit_price_minor: l.unit_price_minor,
                discount_minor: l.discount_minor,
                taxable_minor: l.taxable_minor,
                rate_bp: l.rate_bp,
                cgst_minor: l.cgst_minor,
                sgst_minor: l.sgst_minor,
                igst_minor: l.igst_minor,
                total_minor: l.total_minor,
            })
            .collect(),
        hsn_summary: d
            .hsn_summary
            .iter()
            .map(|h| HsnRow {
                hsn: h.hsn.clone(),
                rate_bp: h.rate_bp,
                taxable_minor: h.taxable_minor,
                cgst_minor: h.cgst_minor,
                sgst_minor: h.sgst_minor,
                igst_minor: h.igst_minor,
            })
            .collect(),
        totals: DocTotals {
            taxable_minor: d.totals.taxable_minor,
            cgst_minor: d.totals.cgst_minor,
            sgst_minor: d.totals.sgst_minor,
            igst_minor: d.totals.igst_minor,
            grand_total_minor: d.totals.grand_total_minor,
        },
        reverse_charge: d.reverse_charge,
    }
}

/// The JSON form: the stored content plus the grand total in words, as printed, with a
/// union territory's tax named UTGST (stored in `sgst_minor` with `union_territory`).
pub fn with_words(d: &InvoiceData) -> serde_json::Value {
    let mut v = serde_json::to_value(d).unwrap_or(serde_json::Value::Null);
    if d.union_territory {
        let mut rows: Vec<&mut serde_json::Value> = Vec::new();
        if let Some(map) = v.as_object_mut() {
            for (key, value) in map.iter_mut() {
                match (key.as_str(), value) {
                    ("lines" | "hsn_summary", serde_json::Value::Array(items)) => {
                        rows.extend(items.iter_mut())
                    }
                    ("totals", totals) => rows.push(totals),
                    _ => {}
                }
            }
        }
        for row in rows {
            if let Some(row) = row.as_object_mut() {
                let state = row.insert("sgst_minor".into(), 0.into());
                row.insert("utgst_minor".into(), state.unwrap_or_else(|| 0.into()));
            }
        }
    }
    if let Some(map) = v.as_object_mut() {
        map.insert(
            "amount_in_words".into(),
            documents::amount_in_words(d.totals.grand_total_minor).into(),
        );
    }
    v
}

pub fn html(d: &InvoiceData) -> String {
    documents::invoice_html(&document(d))
}

/// Blocking: run it off the async workers.
pub fn pdf(d: &InvoiceData) -> Result<Vec<u8>, AppError> {
    documents::invoice_pdf(&document(d)).map_err(AppError::internal)
}
