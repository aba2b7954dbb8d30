//! Printable documents: GST tax invoices and credit notes (HTML and PDF), 80 mm POS
//! receipts, and A4 packing slips and 4×6 inch shipping labels with Code 128 barcodes.
//! The caller supplies every number already computed; nothing here computes tax, so the
//! JSON API, the HTML and the PDF cannot disagree.

pub mod code128;
mod html;
mod money;
pub(crate) mod pdf;
mod shipping;

pub use html::{invoice_html, receipt_html};
pub use money::{amount_in_words, format_money};
pub use pdf::invoice_pdf;
pub use shipping::{ShipTo, ShipmentDoc, ShipmentDocLine, packing_slip_html, shipping_label_html};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentKind {
    /// A sale by a regular GST registrant.
    TaxInvoice,
    /// A sale by a composition-scheme registrant, who may not collect GST.
    BillOfSupply,
    /// A sale by a merchant not registered under GST.
    Bill,
    CreditNote,
}

impl DocumentKind {
    pub fn title(self) -> &'static str {
        match self {
            DocumentKind::TaxInvoice => "Tax Invoice",
            DocumentKind::BillOfSupply => "Bill of Supply",
            DocumentKind::Bill => "Bill",
            DocumentKind::CreditNote => "Credit Note",
        }
    }

    /// The label of the document's number.
    pub fn number_label(self) -> &'static str {
        match self {
            DocumentKind::CreditNote => "Credit note number",
            DocumentKind::BillOfSupply | DocumentKind::Bill => "Bill number",
            DocumentKind::TaxInvoice => "Invoice number",
        }
    }

    /// The statement the law asks such a document to carry, if any.
    pub fn declaration(self) -> Option<&'static str> {
        match self {
            DocumentKind::BillOfSupply => {
                Some("Composition taxable person, not eligible to collect tax on supplies")
            }
            DocumentKind::Bill => Some("Supplier not registered under GST: no GST is charged"),
            DocumentKind::TaxInvoice | DocumentKind::CreditNote => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Party {
    pub name: String,
    pub gstin: Option<String>,
    pub address_lines: Vec<String>,
    pub state_code: String,
    pub state_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocLine {
    pub description: String,
    pub hsn: String,
    pub quantity: i64,
    pub unit_price_minor: i64,
    pub discount_minor: i64,
    pub taxable_minor: i64,
    /// GST rate in basis points: 1800 is 18 %.
    pub rate_bp: i32,
    pub cgst_minor: i64,
    pub sgst_minor: i64,
    pub igst_minor: i64,
    pub total_minor: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HsnRow {
    pub hsn: String,
    pub rate_bp: i32,
    pub taxable_minor: i64,
    pub cgst_minor: i64,
    pub sgst_minor: i64,
    pub igst_minor: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocTotals {
    pub taxable_minor: i64,
    pub cgst_minor: i64,
    pub sgst_minor: i64,
    pub igst_minor: i64,
    pub grand_total_minor: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceDocument {
    pub kind: DocumentKind,
    /// e.g. "INV/2627/000042"; GST allows at most 16 characters.
    pub number: String,
    /// The merchant's local date.
    pub issued_on: chrono::NaiveDate,
    pub order_number: String,
    /// Credit notes: the invoice they correct, and its date.
    pub reference_invoice: Option<String>,
    pub reference_invoice_date: Option<chrono::NaiveDate>,
    pub seller: Party,
    pub buyer: Party,
    /// e.g. "29 - Karnataka".
    pub place_of_supply: String,
    /// CGST + SGST columns when true, one IGST column otherwise.
    pub intra_state: bool,
    /// Intra-state supply in a union territory without a legislature: "UTGST", not "SGST".
    pub union_territory: bool,
    pub currency: String,
    pub lines: Vec<DocLine>,
    pub hsn_summary: Vec<HsnRow>,
    pub totals: DocTotals,
    pub reverse_charge: bool,
}

impl InvoiceDocument {
    /// The label of the state half of an intra-state tax.
    fn state_tax_label(&self) -> &'static str {
        if self.union_territory {
            "UTGST"
        } else {
            "SGST"
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tender {
    /// "cash", "card" or "upi".
    pub kind: String,
    pub amount_minor: i64,
    pub reference: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaxRow {
    pub rate_bp: i32,
    pub taxable_minor: i64,
    pub cgst_minor: i64,
    pub sgst_minor: i64,
    pub igst_minor: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptLine {
    pub name: String,
    pub sku: String,
    pub quantity: i64,
    pub unit_price_minor: i64,
    pub total_minor: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// "Tax Invoice", "Bill of Supply" or "Receipt", as the store's registration and the
    /// sale's invoice decide.
    pub title: &'static str,
    pub store_name: String,
    pub store_gstin: Option<String>,
    pub store_address_lines: Vec<String>,
    pub register_name: String,
    pub cashier: String,
    pub order_number: String,
    pub invoice_number: Option<String>,
    /// Already formatted in the merchant's time zone.
    pub issued_at: String,
    pub customer_name: Option<String>,
    pub lines: Vec<ReceiptLine>,
    pub tax_rows: Vec<TaxRow>,
    pub intra_state: bool,
    /// Intra-state in a union territory without a legislature: "UTGST", not "SGST".
    pub union_territory: bool,
    pub subtotal_minor: i64,
    pub discount_minor: i64,
    pub tax_minor: i64,
    pub grand_total_minor: i64,
    pub tenders: Vec<Tender>,
    pub change_due_minor: i64,
    pub prices_include_tax: bool,
}

/// A GST rate in basis points as people write it: 1800 -> "18%", 250 -> "2.5%".
fn format_rate(bp: i32) -> String {
    let sign = if bp < 0 { "-" } else { "" };
    let bp = bp.unsigned_abs();
    let (whole, frac) = (bp / 100, bp % 100);
    if frac == 0 {
        format!("{sign}{whole}%")
    } else if frac.is_multiple_of(10) {
        format!("{sign}{whole}.{}%", frac / 10)
    } else {
        format!("{sign}{whole}.{frac:02}%")
    }
}

/// "Original invoice: INV/2627/000042 dated 05-12-2026", as a credit note names it.
pub fn original_invoice_line(number: &str, date: Option<chrono::NaiveDate>) -> String {
    match date {
        Some(d) => format!("Original invoice: {number} dated {}", d.format("%d-%m-%Y")),
        None => format!("Original invoice: {number}"),
    }
}

#[cfg(test)]
pub(crate) mod fixtures {
    use super::*;

    pub fn party(name: &str, gstin: Option<&str>, code: &str, state: &str) -> Party {
        Party {
            name: name.to_string(),
            gstin: gstin.map(str::to_string),
            address_lines: vec!["12, MG Road".to_string(), "Bengaluru 560001".to_string()],
            state_code: code.to_string(),
            state_name: state.to_string(),
        }
    }

    pub fn line(i: usize, intra: bool) -> DocLine {
        let taxable = 100_000 + i as i64 * 100;
        let tax = taxable * 18 / 100;
        DocLine {
            description: format!("Basmati rice 5 kg pack, item {i}"),
            hsn: "1006".to_string(),
            quantity: 2,
            unit_price_minor: taxable / 2,
            discount_minor: 0,
            taxable_minor: taxable,
            rate_bp: 1800,
            cgst_minor: if intra { tax / 2 } else { 0 },
            sgst_minor: if intra { tax - tax / 2 } else { 0 },
            igst_minor: if intra { 0 } else { tax },
            total_minor: taxable + tax,
        }
    }

    /// An invoice with `n` lines; the totals add up so the documents look real.
    pub fn invoice(n: usize, intra: bool) -> InvoiceDocument {
        let lines: Vec<DocLine> = (0..n).map(|i| line(i, intra)).collect();
        let sum = |f: fn(&DocLine) -> i64| lines.iter().map(f).sum::<i64>();
        let totals = DocTotals {
            taxable_minor: sum(|l| l.taxable_minor),
            cgst_minor: sum(|l| l.cgst_minor),
            sgst_minor: sum(|l| l.sgst_minor),
            igst_minor: sum(|l| l.igst_minor),
            grand_total_minor: sum(|l| l.total_minor),
        };
        InvoiceDocument {
            kind: DocumentKind::TaxInvoice,
            number: "INV/2627/000042".to_string(),
            issued_on: chrono::NaiveDate::from_ymd_opt(2026, 4, 7).unwrap_or_default(),
            order_number: "KR-000123".to_string(),
            reference_invoice: None,
            reference_invoice_date: None,
            seller: party(
                "Sharma Kirana Stores",
                Some("29ABCDE1234F1Z5"),
                "29",
                "Karnataka",
            ),
            buyer: party(
                "Zoë Traders",
                Some("33ABCDE9876G1Z2"),
                if intra { "29" } else { "33" },
                if intra { "Karnataka" } else { "Tamil Nadu" },
            ),
            place_of_supply: if intra {
                "29 - Karnataka"
            } else {
                "33 - Tamil Nadu"
            }
            .to_string(),
            intra_state: intra,
            union_territory: false,
            currency: "INR".to_string(),
            hsn_summary: vec![HsnRow {
                hsn: "1006".to_string(),
                rate_bp: 1800,
                taxable_minor: totals.taxable_minor,
                cgst_minor: totals.cgst_minor,
                sgst_minor: totals.sgst_minor,
                igst_minor: totals.igst_minor,
            }],
            lines,
            totals,
            reverse_charge: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_print_as_people_write_them() {
        assert_eq!(format_rate(1800), "18%");
        assert_eq!(format_rate(900), "9%");
        assert_eq!(format_rate(250), "2.5%");
        assert_eq!(format_rate(125), "1.25%");
        assert_eq!(format_rate(0), "0%");
    }
}
