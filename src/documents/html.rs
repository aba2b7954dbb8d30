//! Self-contained printable HTML: an A4 invoice or credit note and an 80 mm POS receipt.
//! Inline CSS only (no external assets), every caller-supplied string escaped.

use std::fmt::Write as _;

use super::{InvoiceDocument, Party, Receipt, amount_in_words, format_money, format_rate};

/// Escapes text for both element content and quoted attribute values.
pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

fn money(minor: i64) -> String {
    format_money(minor)
}

fn rupees(minor: i64) -> String {
    format!("₹{}", format_money(minor))
}

const INVOICE_CSS: &str = "\
@page{size:A4;margin:12mm}\
*{box-sizing:border-box}\
body{font-family:'DejaVu Sans','Noto Sans',Arial,sans-serif;font-size:9pt;color:#111;margin:0}\
h1{font-size:16pt;margin:0 0 2mm;text-align:center;letter-spacing:.05em}\
.sub{text-align:center;margin:-1mm 0 2mm}\
.parties{display:flex;gap:4mm;margin-bottom:3mm}\
.parties>div{flex:1;border:1px solid #999;padding:2mm}\
.label{font-size:7.5pt;color:#555;text-transform:uppercase}\
.name{font-weight:bold;font-size:10.5pt}\
table{width:100%;border-collapse:collapse;margin-bottom:3mm}\
th,td{border:1px solid #999;padding:1mm 1.2mm;vertical-align:top}\
th{background:#eee;font-size:7.5pt}\
td.n,th.n{text-align:right;white-space:nowrap}\
thead{display:table-header-group}\
tr{page-break-inside:avoid}\
.meta td{border:none;padding:.4mm 1mm}\
.totals{width:55%;margin-left:auto}\
.totals td{border:none;border-bottom:1px solid #ddd}\
.grand td{font-weight:bold;font-size:11pt;border-bottom:2px solid #111}\
.words{margin:2mm 0 6mm}\
.sign{text-align:right;margin-top:14mm}\
.sign .line{margin-top:12mm}\
";

fn party_block(out: &mut String, label: &str, party: &Party) {
    let _ = write!(
        out,
        "<div><div class=\"label\">{}</div><div class=\"name\">{}</div>",
        escape(label),
        escape(&party.name)
    );
    for line in &party.address_lines {
        let _ = write!(out, "<div>{}</div>", escape(line));
    }
    if let Some(gstin) = &party.gstin {
        let _ = write!(out, "<div>GSTIN: <b>{}</b></div>", escape(gstin));
    }
    let _ = write!(
        out,
        "<div>State: {} (code {})</div></div>",
        escape(&party.state_name),
        escape(&party.state_code)
    );
}

/// The A4 tax invoice or credit note (GST Rule 46 contents) as one HTML page.
pub fn invoice_html(doc: &InvoiceDocument) -> String {
    let title = doc.kind.title();
    let state_tax = doc.state_tax_label();
    let mut out = String::with_capacity(8 * 1024 + doc.lines.len() * 600);
    let _ = write!(
        out,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>{} {}</title><style>{INVOICE_CSS}</style></head><body>",
        title,
        escape(&doc.number)
    );
    let _ = write!(out, "<h1>{title}</h1>");
    if let Some(declaration) = doc.kind.declaration() {
        let _ = write!(out, "<p class=\"declaration\">{declaration}</p>");
    }
    if let Some(original) = &doc.reference_invoice {
        let _ = write!(
            out,
            "<div class=\"sub\">{}</div>",
            escape(&super::original_invoice_line(
                original,
                doc.reference_invoice_date
            ))
        );
    }

    out.push_str("<div class=\"parties\">");
    party_block(&mut out, "Seller", &doc.seller);
    party_block(&mut out, "Buyer", &doc.buyer);
    out.push_str("<div><table class=\"meta\">");
    let number_label = doc.kind.number_label();
    let mut meta = vec![
        (number_label, doc.number.clone()),
        ("Date", doc.issued_on.format("%d-%m-%Y").to_string()),
        ("Order number", doc.order_number.clone()),
    ];
    meta.push(("Place of supply", doc.place_of_supply.clone()));
    meta.push((
        "Reverse charge",
        if doc.reverse_charge { "Yes" } else { "No" }.to_string(),
    ));
    meta.push(("Currency", doc.currency.clone()));
    for (label, value) in meta {
        let _ = write!(
            out,
            "<tr><td class=\"label\">{label}</td><td><b>{}</b></td></tr>",
            escape(&value)
        );
    }
    out.push_str("</table></div></div>");

    // Line items.
    out.push_str(
        "<table class=\"lines\"><thead><tr><th class=\"n\">#</th><th>Description</th>\
         <th>HSN/SAC</th><th class=\"n\">Qty</th><th class=\"n\">Unit price</th>\
         <th class=\"n\">Discount</th><th class=\"n\">Taxable value</th><th class=\"n\">Rate</th>",
    );
    if doc.intra_state {
        let _ = write!(
            out,
            "<th class=\"n\">CGST</th><th class=\"n\">{state_tax}</th>"
        );
    } else {
        out.push_str("<th class=\"n\">IGST</th>");
    }
    out.push_str("<th class=\"n\">Total</th></tr></thead><tbody>");
    for (i, line) in doc.lines.iter().enumerate() {
        let _ = write!(
            out,
            "<tr><td class=\"n\">{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td>\
             <td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
             <td class=\"n\">{}</td>",
            i + 1,
            escape(&line.description),
            escape(&line.hsn),
            line.quantity,
            money(line.unit_price_minor),
            money(line.discount_minor),
            money(line.taxable_minor),
            format_rate(line.rate_bp),
        );
        if doc.intra_state {
            let _ = write!(
                out,
                "<td class=\"n\">{}</td><td class=\"n\">{}</td>",
                money(line.cgst_minor),
                money(line.sgst_minor)
            );
        } else {
            let _ = write!(out, "<td class=\"n\">{}</td>", money(line.igst_minor));
        }
        let _ = write!(out, "<td class=\"n\">{}</td></tr>", money(line.total_minor));
    }
    out.push_str("</tbody></table>");

    // HSN-wise summary.
    out.push_str(
        "<table class=\"hsn\"><thead><tr><th>HSN/SAC</th><th class=\"n\">Rate</th>\
         <th class=\"n\">Taxable value</th>",
    );
    if doc.intra_state {
        let _ = write!(
            out,
            "<th class=\"n\">CGST</th><th class=\"n\">{state_tax}</th>"
        );
    } else {
        out.push_str("<th class=\"n\">IGST</th>");
    }
    out.push_str("</tr></thead><tbody>");
    for row in &doc.hsn_summary {
        let _ = write!(
            out,
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>",
            escape(&row.hsn),
            format_rate(row.rate_bp),
            money(row.taxable_minor)
        );
        if doc.intra_state {
            let _ = write!(
                out,
                "<td class=\"n\">{}</td><td class=\"n\">{}</td>",
                money(row.cgst_minor),
                money(row.sgst_minor)
            );
        } else {
            let _ = write!(out, "<td class=\"n\">{}</td>", money(row.igst_minor));
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");

    // Totals in figures and words.
    let t = &doc.totals;
    out.push_str("<table class=\"totals\">");
    let mut total_rows = vec![("Taxable value".to_string(), t.taxable_minor)];
    if doc.intra_state {
        total_rows.push(("CGST".to_string(), t.cgst_minor));
        total_rows.push((state_tax.to_string(), t.sgst_minor));
    } else {
        total_rows.push(("IGST".to_string(), t.igst_minor));
    }
    for (label, amount) in total_rows {
        let _ = write!(
            out,
            "<tr><td>{label}</td><td class=\"n\">{}</td></tr>",
            rupees(amount)
        );
    }
    let _ = write!(
        out,
        "<tr class=\"grand\"><td>Grand total</td><td class=\"n\">{}</td></tr></table>",
        rupees(t.grand_total_minor)
    );
    let _ = write!(
        out,
        "<div class=\"words\"><span class=\"label\">Amount in words</span><br><b>{}</b></div>",
        escape(&amount_in_words(t.grand_total_minor))
    );
    if doc.reverse_charge {
        out.push_str(
            "<div>Tax on this supply is payable by the recipient under reverse charge.</div>",
        );
    }
    let _ = write!(
        out,
        "<div class=\"sign\">for {}<div class=\"line\">Authorised Signatory</div></div>",
        escape(&doc.seller.name)
    );
    out.push_str("</body></html>");
    out
}

const RECEIPT_CSS: &str = "\
@page{size:80mm auto;margin:0}\
*{box-sizing:border-box}\
body{width:76mm;margin:0 auto;padding:2mm;font-family:'DejaVu Sans Mono','Noto Sans Mono',monospace;font-size:8.5pt;color:#000}\
.c{text-align:center}\
.store{font-weight:bold;font-size:11pt}\
hr{border:none;border-top:1px dashed #000;margin:1.5mm 0}\
table{width:100%;border-collapse:collapse}\
td{padding:.3mm 0;vertical-align:top}\
td.n{text-align:right;white-space:nowrap;padding-left:1.5mm}\
.sku{font-size:7pt}\
.grand td{font-weight:bold;font-size:10.5pt}\
.tax{font-size:7.5pt}\
";

/// An 80 mm thermal receipt: items, GST by rate, tenders and change due.
pub fn receipt_html(r: &Receipt) -> String {
    let mut out = String::with_capacity(4 * 1024 + r.lines.len() * 300);
    let _ = write!(
        out,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>Receipt {}</title><style>{RECEIPT_CSS}</style></head><body>",
        escape(&r.order_number)
    );
    let _ = write!(
        out,
        "<div class=\"c store\">{}</div>",
        escape(&r.store_name)
    );
    for line in &r.store_address_lines {
        let _ = write!(out, "<div class=\"c\">{}</div>", escape(line));
    }
    if let Some(gstin) = &r.store_gstin {
        let _ = write!(out, "<div class=\"c\">GSTIN: {}</div>", escape(gstin));
    }
    let _ = write!(out, "<div class=\"c\"><b>{}</b></div><hr>", r.title);
    let mut meta: Vec<(&str, &str)> = Vec::new();
    if let Some(number) = &r.invoice_number {
        meta.push(("Invoice", number));
    }
    meta.push(("Order", &r.order_number));
    meta.push(("Date", &r.issued_at));
    meta.push(("Register", &r.register_name));
    meta.push(("Cashier", &r.cashier));
    if let Some(customer) = &r.customer_name {
        meta.push(("Customer", customer));
    }
    out.push_str("<table>");
    for (label, value) in meta {
        let _ = write!(
            out,
            "<tr><td>{label}</td><td class=\"n\">{}</td></tr>",
            escape(value)
        );
    }
    out.push_str("</table><hr><table>");
    for line in &r.lines {
        let _ = write!(
            out,
            "<tr><td colspan=\"2\">{}<div class=\"sku\">{}</div></td></tr>\
             <tr><td>{} × {}</td><td class=\"n\">{}</td></tr>",
            escape(&line.name),
            escape(&line.sku),
            line.quantity,
            money(line.unit_price_minor),
            money(line.total_minor)
        );
    }
    out.push_str("</table><hr><table>");
    let _ = write!(
        out,
        "<tr><td>Subtotal</td><td class=\"n\">{}</td></tr>",
        money(r.subtotal_minor)
    );
    if r.discount_minor != 0 {
        let _ = write!(
            out,
            "<tr><td>Discount</td><td class=\"n\">-{}</td></tr>",
            money(r.discount_minor)
        );
    }
    let tax_label = if r.prices_include_tax {
        "GST (included)"
    } else {
        "GST"
    };
    let _ = write!(
        out,
        "<tr><td>{tax_label}</td><td class=\"n\">{}</td></tr>\
         <tr class=\"grand\"><td>Total</td><td class=\"n\">{}</td></tr></table>",
        money(r.tax_minor),
        rupees(r.grand_total_minor)
    );

    if !r.tax_rows.is_empty() {
        out.push_str("<hr><table class=\"tax\"><tr><td>GST</td><td class=\"n\">Taxable</td>");
        if r.intra_state {
            let state_tax = if r.union_territory { "UTGST" } else { "SGST" };
            let _ = write!(
                out,
                "<td class=\"n\">CGST</td><td class=\"n\">{state_tax}</td>"
            );
        } else {
            out.push_str("<td class=\"n\">IGST</td>");
        }
        out.push_str("</tr>");
        for row in &r.tax_rows {
            let _ = write!(
                out,
                "<tr><td>{}</td><td class=\"n\">{}</td>",
                format_rate(row.rate_bp),
                money(row.taxable_minor)
            );
            if r.intra_state {
                let _ = write!(
                    out,
                    "<td class=\"n\">{}</td><td class=\"n\">{}</td>",
                    money(row.cgst_minor),
                    money(row.sgst_minor)
                );
            } else {
                let _ = write!(out, "<td class=\"n\">{}</td>", money(row.igst_minor));
            }
            out.push_str("</tr>");
        }
        out.push_str("</table>");
    }

    out.push_str("<hr><table>");
    for tender in &r.tenders {
        let kind = match tender.kind.as_str() {
            "cash" => "Cash".to_string(),
            "card" => "Card".to_string(),
            "upi" => "UPI".to_string(),
            other => other.to_string(),
        };
        let reference = tender
            .reference
            .as_deref()
            .map(|r| format!(" <span class=\"sku\">{}</span>", escape(r)))
            .unwrap_or_default();
        let _ = write!(
            out,
            "<tr><td>{}{reference}</td><td class=\"n\">{}</td></tr>",
            escape(&kind),
            money(tender.amount_minor)
        );
    }
    let _ = write!(
        out,
        "<tr class=\"grand\"><td>Change due</td><td class=\"n\">{}</td></tr></table>",
        rupees(r.change_due_minor)
    );
    out.push_str("<hr><div class=\"c\">Thank you!</div></body></html>");
    out
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::invoice;
    use super::super::{DocumentKind, ReceiptLine, TaxRow, Tender};
    use super::*;

    #[test]
    fn product_names_are_escaped() {
        let mut doc = invoice(1, true);
        doc.lines[0].description = "<script>alert('x')</script> & \"more\"".to_string();
        let html = invoice_html(&doc);
        assert!(!html.contains("<script>"), "{html}");
        assert!(
            html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;more&quot;")
        );
    }

    #[test]
    fn intra_state_shows_cgst_and_sgst_not_igst() {
        let html = invoice_html(&invoice(2, true));
        assert!(html.contains("<th class=\"n\">CGST</th><th class=\"n\">SGST</th>"));
        assert!(!html.contains("IGST"));
        assert!(html.contains("Tax Invoice"));
        assert!(html.contains("INV/2627/000042"));
        assert!(html.contains("Zoë Traders"));
        assert!(html.contains("Authorised Signatory"));
        assert!(html.contains("for Sharma Kirana Stores"));
    }

    #[test]
    fn union_territory_labels_the_state_half_utgst() {
        let mut doc = invoice(1, true);
        doc.union_territory = true;
        let html = invoice_html(&doc);
        assert!(html.contains("<th class=\"n\">UTGST</th>"));
        assert!(!html.contains("SGST"));
    }

    #[test]
    fn inter_state_shows_only_igst() {
        let doc = invoice(2, false);
        let html = invoice_html(&doc);
        assert!(html.contains("<th class=\"n\">IGST</th>"));
        assert!(!html.contains("CGST"));
        assert!(!html.contains("SGST"));
        assert!(html.contains(&rupees(doc.totals.grand_total_minor)));
        assert!(html.contains(&amount_in_words(doc.totals.grand_total_minor)));
    }

    #[test]
    fn credit_note_names_the_original_invoice() {
        let mut doc = invoice(1, true);
        doc.kind = DocumentKind::CreditNote;
        doc.number = "CN/2627/000003".to_string();
        doc.reference_invoice = Some("INV/2627/000042".to_string());
        doc.reference_invoice_date = chrono::NaiveDate::from_ymd_opt(2026, 12, 5);
        let html = invoice_html(&doc);
        assert!(html.contains("<h1>Credit Note</h1>"));
        assert!(html.contains("Original invoice: INV/2627/000042 dated 05-12-2026"));
    }

    fn receipt(intra: bool) -> Receipt {
        Receipt {
            store_name: "Sharma Kirana <Stores>".to_string(),
            title: "Tax Invoice",
            store_gstin: Some("29ABCDE1234F1Z5".to_string()),
            store_address_lines: vec!["12, MG Road".to_string()],
            register_name: "Counter 1".to_string(),
            cashier: "Priya".to_string(),
            order_number: "KR-000124".to_string(),
            invoice_number: Some("INV/2627/000043".to_string()),
            issued_at: "07-04-2026 18:42".to_string(),
            customer_name: None,
            lines: vec![
                ReceiptLine {
                    name: "Toor dal 1 kg".to_string(),
                    sku: "TD-1".to_string(),
                    quantity: 2,
                    unit_price_minor: 16_000,
                    total_minor: 32_000,
                },
                ReceiptLine {
                    name: "Soap".to_string(),
                    sku: "SP-75".to_string(),
                    quantity: 1,
                    unit_price_minor: 4_720,
                    total_minor: 4_720,
                },
            ],
            tax_rows: vec![
                TaxRow {
                    rate_bp: 500,
                    taxable_minor: 30_476,
                    cgst_minor: if intra { 762 } else { 0 },
                    sgst_minor: if intra { 762 } else { 0 },
                    igst_minor: if intra { 0 } else { 1_524 },
                },
                TaxRow {
                    rate_bp: 1800,
                    taxable_minor: 4_000,
                    cgst_minor: if intra { 360 } else { 0 },
                    sgst_minor: if intra { 360 } else { 0 },
                    igst_minor: if intra { 0 } else { 720 },
                },
            ],
            intra_state: intra,
            union_territory: false,
            subtotal_minor: 36_720,
            discount_minor: 0,
            tax_minor: 2_244,
            grand_total_minor: 36_720,
            tenders: vec![
                Tender {
                    kind: "upi".to_string(),
                    amount_minor: 20_000,
                    reference: Some("UTR 4242".to_string()),
                },
                Tender {
                    kind: "cash".to_string(),
                    amount_minor: 20_000,
                    reference: None,
                },
            ],
            change_due_minor: 3_280,
            prices_include_tax: true,
        }
    }

    #[test]
    fn receipt_fits_80mm_and_breaks_gst_down_by_rate() {
        let html = receipt_html(&receipt(true));
        assert!(html.contains("@page{size:80mm auto"));
        assert!(html.contains("width:76mm"));
        assert!(html.contains("Sharma Kirana &lt;Stores&gt;"));
        assert!(html.contains("<td>5%</td><td class=\"n\">304.76</td><td class=\"n\">7.62</td>"));
        assert!(html.contains("<td>18%</td><td class=\"n\">40.00</td><td class=\"n\">3.60</td>"));
        assert!(html.contains("GST (included)"));
        assert!(html.contains("UPI <span class=\"sku\">UTR 4242</span>"));
        assert!(html.contains("Change due</td><td class=\"n\">₹32.80"));
        assert!(html.contains("₹367.20"));
    }

    #[test]
    fn a_union_territory_receipt_says_utgst() {
        let mut r = receipt(true);
        assert!(receipt_html(&r).contains("<td class=\"n\">SGST</td>"));
        r.union_territory = true;
        let html = receipt_html(&r);
        assert!(html.contains("<td class=\"n\">CGST</td><td class=\"n\">UTGST</td>"));
        assert!(!html.contains(">SGST<"));
    }

    #[test]
    fn inter_state_receipt_shows_igst() {
        let html = receipt_html(&receipt(false));
        assert!(html.contains("<td class=\"n\">IGST</td>"));
        assert!(html.contains("<td class=\"n\">15.24</td>"));
        assert!(!html.contains("CGST"));
    }
}
