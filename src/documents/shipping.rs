//! Shipping documents as self-contained printable HTML: the A4 packing slip that goes in
//! the box and the 4×6 inch label that goes on it (Code 128 barcodes as inline SVG).
//! Inline CSS only, no scripts or external assets, every caller-supplied string escaped.

use std::fmt::Write as _;

use super::code128;
use super::format_money;
use super::html::escape;

/// One shipment of an order, everything already formatted or computed by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShipmentDoc {
    pub store_name: String,
    pub store_address_lines: Vec<String>,
    pub store_phone: Option<String>,
    /// e.g. "KR-000123".
    pub order_number: String,
    /// e.g. "KR-000123-S1".
    pub shipment_number: String,
    /// Already formatted, e.g. "25 Nov 2026".
    pub ordered_at: String,
    pub ship_to: ShipTo,
    /// The carrier's code: "manual", "delhivery"...
    pub carrier: String,
    pub tracking_number: Option<String>,
    /// Some for cash on delivery: what the courier collects, in minor units.
    pub cash_to_collect_minor: Option<i64>,
    /// e.g. "INR".
    pub currency: String,
    pub weight_grams: Option<i64>,
    /// Length, width, height.
    pub dimensions_cm: Option<(i64, i64, i64)>,
    pub lines: Vec<ShipmentDocLine>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShipTo {
    pub name: String,
    pub phone: String,
    pub address_lines: Vec<String>,
    pub pincode: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShipmentDocLine {
    pub sku: String,
    pub name: String,
    pub quantity: i64,
}

/// Grams as a parcel weight: 850 -> "850 g", 1250 -> "1.25 kg", 2000 -> "2 kg".
fn format_weight(grams: i64) -> String {
    if grams.unsigned_abs() < 1000 {
        return format!("{grams} g");
    }
    let sign = if grams < 0 { "-" } else { "" };
    let abs = grams.unsigned_abs();
    let (kg, rest) = (abs / 1000, abs % 1000);
    if rest == 0 {
        format!("{sign}{kg} kg")
    } else {
        let fraction = format!("{rest:03}");
        format!("{sign}{kg}.{} kg", fraction.trim_end_matches('0'))
    }
}

fn format_dimensions((length, width, height): (i64, i64, i64)) -> String {
    format!("{length} × {width} × {height} cm")
}

/// An amount with the currency's sign: "₹1,234.00" for rupees, "USD 12.50" otherwise.
fn amount(minor: i64, currency: &str) -> String {
    if currency.eq_ignore_ascii_case("INR") {
        format!("₹{}", format_money(minor))
    } else {
        format!("{} {}", escape(currency), format_money(minor))
    }
}

/// The carrier's code as a name: "delhivery" -> "Delhivery".
fn carrier_name(code: &str) -> String {
    let mut chars = code.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Sum of the quantities, saturating rather than overflowing on absurd input.
fn total_units(doc: &ShipmentDoc) -> i64 {
    doc.lines
        .iter()
        .fold(0i64, |sum, line| sum.saturating_add(line.quantity))
}

const SLIP_CSS: &str = "\
@page{size:A4;margin:12mm}\
*{box-sizing:border-box}\
body{font-family:'DejaVu Sans','Noto Sans',Arial,sans-serif;font-size:9.5pt;color:#111;margin:0}\
h1{font-size:16pt;margin:0 0 3mm;text-align:center;letter-spacing:.05em}\
.head{display:flex;gap:4mm;margin-bottom:4mm}\
.head>div{flex:1;border:1px solid #999;padding:2mm}\
.label{font-size:7.5pt;color:#555;text-transform:uppercase}\
.name{font-weight:bold;font-size:11pt}\
table{width:100%;border-collapse:collapse;margin-bottom:3mm}\
th,td{border:1px solid #999;padding:1.5mm;vertical-align:top}\
th{background:#eee;font-size:7.5pt;text-align:left}\
td.n,th.n{text-align:right;white-space:nowrap}\
td.c,th.c{text-align:center;width:12mm}\
thead{display:table-header-group}\
tr{page-break-inside:avoid}\
.box{display:inline-block;width:4mm;height:4mm;border:1px solid #111}\
.meta td{border:none;padding:.4mm 1mm}\
.total td{font-weight:bold;border-top:2px solid #111}\
.sign{display:flex;gap:10mm;margin-top:14mm}\
.sign>div{flex:1;border-top:1px solid #111;padding-top:1mm}\
";

/// The A4 packing slip: store, order and shipment, ship-to, and the items to pack with a
/// tick box for each line, the total number of units and the parcel's size if known.
pub fn packing_slip_html(doc: &ShipmentDoc) -> String {
    let mut out = String::with_capacity(6 * 1024 + doc.lines.len() * 300);
    let _ = write!(
        out,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>Packing slip {}</title><style>{SLIP_CSS}</style></head><body>\
         <h1>Packing Slip</h1><div class=\"head\">",
        escape(&doc.shipment_number)
    );

    // From: the store.
    let _ = write!(
        out,
        "<div><div class=\"label\">From</div><div class=\"name\">{}</div>",
        escape(&doc.store_name)
    );
    for line in &doc.store_address_lines {
        let _ = write!(out, "<div>{}</div>", escape(line));
    }
    if let Some(phone) = &doc.store_phone {
        let _ = write!(out, "<div>Phone: {}</div>", escape(phone));
    }
    out.push_str("</div>");

    // To: the customer.
    let to = &doc.ship_to;
    let _ = write!(
        out,
        "<div><div class=\"label\">Ship to</div><div class=\"name\">{}</div>",
        escape(&to.name)
    );
    for line in &to.address_lines {
        let _ = write!(out, "<div>{}</div>", escape(line));
    }
    let _ = write!(
        out,
        "<div>PIN <b>{}</b></div><div>Phone: {}</div></div>",
        escape(&to.pincode),
        escape(&to.phone)
    );

    // The order and the parcel.
    let mut meta = vec![
        ("Order number", escape(&doc.order_number)),
        ("Shipment", escape(&doc.shipment_number)),
        ("Order date", escape(&doc.ordered_at)),
        ("Carrier", escape(&carrier_name(&doc.carrier))),
    ];
    if let Some(tracking) = &doc.tracking_number {
        meta.push(("Tracking number", escape(tracking)));
    }
    if let Some(grams) = doc.weight_grams {
        meta.push(("Package weight", escape(&format_weight(grams))));
    }
    if let Some(dimensions) = doc.dimensions_cm {
        meta.push((
            "Dimensions (L × W × H)",
            escape(&format_dimensions(dimensions)),
        ));
    }
    if let Some(cash) = doc.cash_to_collect_minor {
        meta.push(("Cash on delivery", amount(cash, &doc.currency)));
    }
    out.push_str("<div><table class=\"meta\">");
    for (label, value) in meta {
        let _ = write!(
            out,
            "<tr><td class=\"label\">{label}</td><td><b>{value}</b></td></tr>"
        );
    }
    out.push_str("</table></div></div>");

    // The items.
    out.push_str(
        "<table class=\"lines\"><thead><tr><th class=\"c\">Packed</th><th>SKU</th>\
         <th>Item</th><th class=\"n\">Quantity</th></tr></thead><tbody>",
    );
    for line in &doc.lines {
        let _ = write!(
            out,
            "<tr><td class=\"c\"><span class=\"box\"></span></td><td>{}</td><td>{}</td>\
             <td class=\"n\">{}</td></tr>",
            escape(&line.sku),
            escape(&line.name),
            line.quantity
        );
    }
    let _ = write!(
        out,
        "</tbody><tfoot><tr class=\"total\"><td></td><td colspan=\"2\">Total units</td>\
         <td class=\"n\">{}</td></tr></tfoot></table>",
        total_units(doc)
    );
    out.push_str(
        "<div class=\"sign\"><div>Packed by</div><div>Checked by</div><div>Date</div></div>\
         </body></html>",
    );
    out
}

const LABEL_CSS: &str = "\
@page{size:4in 6in;margin:0}\
*{box-sizing:border-box}\
html,body{margin:0;padding:0}\
body{width:4in;height:6in;padding:3mm;font-family:'DejaVu Sans','Noto Sans',Arial,sans-serif;font-size:9pt;color:#000;display:flex;flex-direction:column;gap:2mm;overflow:hidden}\
.top{display:flex;justify-content:space-between;align-items:baseline;border-bottom:2px solid #000;padding-bottom:1mm}\
.carrier{font-size:14pt;font-weight:bold;text-transform:uppercase}\
.label{font-size:7pt;text-transform:uppercase;letter-spacing:.05em}\
.to{border:2px solid #000;padding:2mm}\
.to .name{font-size:15pt;font-weight:bold;line-height:1.15}\
.to .addr{font-size:12pt;line-height:1.2}\
.to .pin{font-size:16pt;font-weight:bold;margin-top:1mm}\
.to .phone{font-size:11pt}\
.cod{border:3px solid #000;padding:1.5mm;text-align:center;font-size:18pt;font-weight:bold}\
.prepaid{border:1px solid #000;padding:1mm;text-align:center;font-size:10pt;font-weight:bold}\
.barcode{text-align:center}\
.barcode svg{display:block;margin:0 auto;max-width:100%;height:auto}\
.row{display:flex;gap:2mm;align-items:flex-start}\
.row>div{flex:1}\
.from{font-size:7.5pt;border-top:1px solid #000;padding-top:1mm;margin-top:auto}\
";

/// The 4×6 inch shipping label: ship-to in large type, cash to collect for cash on delivery,
/// the tracking number as a Code 128 barcode, the order number as a smaller one, and the
/// store as return address. Refused until the shipment has a tracking number.
pub fn shipping_label_html(doc: &ShipmentDoc) -> Result<String, String> {
    let tracking = doc
        .tracking_number
        .as_deref()
        .ok_or_else(|| "the shipment has no tracking number yet".to_string())?;
    let tracking_svg = code128::svg(tracking, 2, 70)
        .map_err(|e| format!("the tracking number cannot be printed as a barcode: {e}"))?;
    // The order barcode is a convenience for the packer; the label stands without it.
    let order_svg = code128::svg(&doc.order_number, 1, 34).ok();

    let mut out = String::with_capacity(8 * 1024 + tracking_svg.len());
    let _ = write!(
        out,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>Shipping label {}</title><style>{LABEL_CSS}</style></head><body>",
        escape(&doc.shipment_number)
    );
    let _ = write!(
        out,
        "<div class=\"top\"><div class=\"carrier\">{}</div><div>Order <b>{}</b></div></div>",
        escape(&carrier_name(&doc.carrier)),
        escape(&doc.order_number)
    );

    // Ship to.
    let to = &doc.ship_to;
    let _ = write!(
        out,
        "<div class=\"to\"><div class=\"label\">Ship to</div><div class=\"name\">{}</div>",
        escape(&to.name)
    );
    for line in &to.address_lines {
        let _ = write!(out, "<div class=\"addr\">{}</div>", escape(line));
    }
    let _ = write!(
        out,
        "<div class=\"pin\">PIN {}</div><div class=\"phone\">Phone: {}</div></div>",
        escape(&to.pincode),
        escape(&to.phone)
    );

    match doc.cash_to_collect_minor {
        Some(cash) => {
            let _ = write!(
                out,
                "<div class=\"cod\">COD: collect {}</div>",
                amount(cash, &doc.currency)
            );
        }
        None => out.push_str("<div class=\"prepaid\">Prepaid: do not collect payment</div>"),
    }

    let _ = write!(
        out,
        "<div class=\"barcode\"><div class=\"label\">Tracking number</div>{tracking_svg}</div>"
    );

    // Order barcode and the parcel.
    out.push_str("<div class=\"row\"><div class=\"barcode\">");
    let _ = write!(
        out,
        "<div class=\"label\">Order</div>{}</div><div>",
        order_svg.unwrap_or_else(|| format!("<b>{}</b>", escape(&doc.order_number)))
    );
    let mut facts = vec![
        ("Shipment", escape(&doc.shipment_number)),
        ("Ordered", escape(&doc.ordered_at)),
    ];
    if let Some(grams) = doc.weight_grams {
        facts.push(("Weight", escape(&format_weight(grams))));
    }
    if let Some(dimensions) = doc.dimensions_cm {
        facts.push(("Size", escape(&format_dimensions(dimensions))));
    }
    facts.push(("Units", total_units(doc).to_string()));
    for (label, value) in facts {
        let _ = write!(
            out,
            "<div><span class=\"label\">{label}</span> <b>{value}</b></div>"
        );
    }
    out.push_str("</div></div>");

    // Return address.
    let _ = write!(
        out,
        "<div class=\"from\"><span class=\"label\">If undelivered, return to</span><br>\
         <b>{}</b>",
        escape(&doc.store_name)
    );
    let address: Vec<String> = doc.store_address_lines.iter().map(|l| escape(l)).collect();
    if !address.is_empty() {
        let _ = write!(out, "<br>{}", address.join(", "));
    }
    if let Some(phone) = &doc.store_phone {
        let _ = write!(out, "<br>Phone: {}", escape(phone));
    }
    out.push_str("</div></body></html>");
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> ShipmentDoc {
        ShipmentDoc {
            store_name: "Sharma Kirana Stores".to_string(),
            store_address_lines: vec!["12, MG Road".to_string(), "Bengaluru 560001".to_string()],
            store_phone: Some("+91 80 4000 1234".to_string()),
            order_number: "KR-000123".to_string(),
            shipment_number: "KR-000123-S1".to_string(),
            ordered_at: "25 Nov 2026".to_string(),
            ship_to: ShipTo {
                name: "Zoë Fernandes".to_string(),
                phone: "+91 98450 12345".to_string(),
                address_lines: vec![
                    "Flat 4B, Lake View Apartments".to_string(),
                    "Indiranagar, Bengaluru".to_string(),
                ],
                pincode: "560038".to_string(),
            },
            carrier: "delhivery".to_string(),
            tracking_number: Some("AWB12345678".to_string()),
            cash_to_collect_minor: None,
            currency: "INR".to_string(),
            weight_grams: Some(1250),
            dimensions_cm: Some((30, 20, 10)),
            lines: vec![
                ShipmentDocLine {
                    sku: "TD-1".to_string(),
                    name: "Toor dal 1 kg".to_string(),
                    quantity: 2,
                },
                ShipmentDocLine {
                    sku: "BR-5".to_string(),
                    name: "Basmati rice 5 kg".to_string(),
                    quantity: 1,
                },
                ShipmentDocLine {
                    sku: "SP-75".to_string(),
                    name: "Sandal soap 75 g".to_string(),
                    quantity: 4,
                },
            ],
        }
    }

    /// The `<svg>…</svg>` element whose aria-label names `text`.
    fn svg_for<'a>(html: &'a str, text: &str) -> &'a str {
        let marker = format!("aria-label=\"Code 128 barcode: {text}\"");
        let at = html.find(&marker).expect("barcode present");
        let start = html[..at].rfind("<svg").expect("svg start");
        let end = at + html[at..].find("</svg>").expect("svg end") + "</svg>".len();
        &html[start..end]
    }

    fn bar_count(text: &str) -> usize {
        let modules = code128::modules(text).unwrap();
        modules
            .windows(2)
            .filter(|pair| !pair[0] && pair[1])
            .count()
    }

    #[test]
    fn label_carries_the_tracking_barcode_with_every_bar() {
        let html = shipping_label_html(&doc()).unwrap();
        assert!(html.contains("@page{size:4in 6in;margin:0}"));
        let tracking = svg_for(&html, "AWB12345678");
        // Start B, A, W, B, CODE C, 12, 34, 56, 78, check: ten symbols of three bars each,
        // and the stop pattern's four bars.
        assert_eq!(bar_count("AWB12345678"), 10 * 3 + 4);
        assert_eq!(tracking.matches("<rect x=").count(), 34);
        assert_eq!(tracking, code128::svg("AWB12345678", 2, 70).unwrap());
        // The order number is there too, smaller.
        let order = svg_for(&html, "KR-000123");
        assert_eq!(order.matches("<rect x=").count(), bar_count("KR-000123"));
        assert_eq!(order, code128::svg("KR-000123", 1, 34).unwrap());
        assert!(html.contains("Zoë Fernandes"));
        assert!(html.contains("PIN 560038"));
        assert!(html.contains("Sharma Kirana Stores"));
        assert!(html.contains("12, MG Road, Bengaluru 560001"));
        assert!(html.contains("Delhivery"));
        assert!(html.contains("1.25 kg"));
        assert!(html.contains("30 × 20 × 10 cm"));
        assert!(!html.contains("<script"));
        // Nothing to fetch: the only address is the SVG namespace.
        assert!(
            !html
                .replace("http://www.w3.org/2000/svg", "")
                .contains("http")
        );
    }

    #[test]
    fn the_cod_box_appears_only_for_cash_on_delivery() {
        let prepaid = shipping_label_html(&doc()).unwrap();
        assert!(!prepaid.contains("COD"));
        assert!(!prepaid.contains("class=\"cod\""));
        assert!(prepaid.contains("Prepaid: do not collect payment"));

        let mut cod = doc();
        cod.cash_to_collect_minor = Some(123_400);
        let html = shipping_label_html(&cod).unwrap();
        assert!(html.contains("<div class=\"cod\">COD: collect ₹1,234.00</div>"));
        assert!(!html.contains("Prepaid"));
        let slip = packing_slip_html(&cod);
        assert!(slip.contains("₹1,234.00"));
        assert!(!packing_slip_html(&doc()).contains("Cash on delivery"));
    }

    #[test]
    fn a_label_needs_a_tracking_number() {
        let mut d = doc();
        d.tracking_number = None;
        assert_eq!(
            shipping_label_html(&d),
            Err("the shipment has no tracking number yet".to_string())
        );
        d.tracking_number = Some("AWB-₹".to_string());
        assert!(shipping_label_html(&d).is_err());
        // The slip does not need one.
        assert!(packing_slip_html(&d).contains("Packing Slip"));
    }

    #[test]
    fn names_are_escaped_on_both_documents() {
        let mut d = doc();
        d.ship_to.name = "<script>alert('x')</script> & co".to_string();
        d.lines[0].name = "<img src=x onerror=alert(1)>".to_string();
        d.store_name = "Sharma \"Kirana\" <Stores>".to_string();
        for html in [shipping_label_html(&d).unwrap(), packing_slip_html(&d)] {
            assert!(!html.contains("<script>"), "{html}");
            assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; co"));
            assert!(html.contains("Sharma &quot;Kirana&quot; &lt;Stores&gt;"));
        }
        let slip = packing_slip_html(&d);
        assert!(!slip.contains("<img"));
        assert!(slip.contains("&lt;img src=x onerror=alert(1)&gt;"));
    }

    #[test]
    fn the_slip_lists_every_line_and_the_unit_total() {
        let d = doc();
        let html = packing_slip_html(&d);
        assert!(html.contains("@page{size:A4"));
        for line in &d.lines {
            assert!(html.contains(&format!(
                "<td>{}</td><td>{}</td><td class=\"n\">{}</td>",
                line.sku, line.name, line.quantity
            )));
        }
        assert_eq!(html.matches("<span class=\"box\"></span>").count(), 3);
        assert!(html.contains("Total units</td><td class=\"n\">7</td>"));
        assert!(html.contains("KR-000123-S1"));
        assert!(html.contains("25 Nov 2026"));
        assert!(html.contains("AWB12345678"));
        assert!(html.contains("1.25 kg"));
        assert!(html.contains("30 × 20 × 10 cm"));
        assert!(html.contains("Zoë Fernandes"));
        assert!(html.contains("PIN <b>560038</b>"));

        let mut unknown = d.clone();
        unknown.weight_grams = None;
        unknown.dimensions_cm = None;
        let html = packing_slip_html(&unknown);
        assert!(!html.contains("Package weight"));
        assert!(!html.contains("Dimensions"));
    }

    #[test]
    fn weights_read_naturally() {
        assert_eq!(format_weight(850), "850 g");
        assert_eq!(format_weight(1000), "1 kg");
        assert_eq!(format_weight(1250), "1.25 kg");
        assert_eq!(format_weight(1005), "1.005 kg");
        assert_eq!(format_weight(12_340), "12.34 kg");
        assert_eq!(format_weight(0), "0 g");
    }
}
