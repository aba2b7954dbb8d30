//! The invoice or credit note as a PDF: A4 pages laid out by hand with pdf-writer, text in
//! DejaVu Sans (embedded from `assets/fonts`, subset to the glyphs used, with a ToUnicode
//! map so the text can be searched and extracted).

use std::collections::BTreeMap;

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use subsetter::GlyphRemapper;

use super::{InvoiceDocument, Party, amount_in_words, format_money, format_rate};

static REGULAR_TTF: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
pub(crate) static BOLD_TTF: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
const MARGIN: f32 = 36.0;
const RIGHT: f32 = PAGE_W - MARGIN;
/// Content stops here; the page footer sits below it.
const BOTTOM: f32 = 50.0;
const TABLE_FONT: f32 = 7.5;
const CELL_PAD: f32 = 2.5;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Weight {
    Regular,
    Bold,
}

/// One embedded font: the glyphs used so far, renumbered for the subset.
struct Font {
    data: &'static [u8],
    face: ttf_parser::Face<'static>,
    resource: &'static [u8],
    postscript_name: &'static str,
    /// Dominant stem width for the font descriptor; readers use it when substituting.
    stem_v: f32,
    remapper: GlyphRemapper,
    /// Subset glyph id -> the character it was first used for (the ToUnicode map).
    unicode: BTreeMap<u16, char>,
}

impl Font {
    fn load(
        data: &'static [u8],
        resource: &'static [u8],
        postscript_name: &'static str,
        stem_v: f32,
    ) -> Result<Font, String> {
        let face = ttf_parser::Face::parse(data, 0)
            .map_err(|e| format!("embedded font {postscript_name} is unreadable: {e}"))?;
        Ok(Font {
            data,
            face,
            resource,
            postscript_name,
            stem_v,
            remapper: GlyphRemapper::new(),
            unicode: BTreeMap::new(),
        })
    }

    /// The glyph for `c` and the character it really shows: a character the font lacks
    /// (Devanagari, emoji) is drawn as '?', and must also extract as '?'.
    fn glyph(&self, c: char) -> (ttf_parser::GlyphId, char) {
        let c = if c.is_control() { ' ' } else { c };
        match self.face.glyph_index(c) {
            Some(glyph) => (glyph, c),
            None => (
                self.face.glyph_index('?').unwrap_or(ttf_parser::GlyphId(0)),
                '?',
            ),
        }
    }

    fn units_to_points(&self, size: f32) -> f32 {
        size / f32::from(self.face.units_per_em())
    }

    fn width(&self, text: &str, size: f32) -> f32 {
        let units: u32 = text
            .chars()
            .map(|c| u32::from(self.face.glyph_hor_advance(self.glyph(c).0).unwrap_or(0)))
            .sum();
        units as f32 * self.units_to_points(size)
    }

    /// The text as two-byte subset glyph ids (Identity-H), recording what each glyph means.
    fn encode(&mut self, text: &str) -> Vec<u8> {
        let mut out = Vec::with_capacity(text.len() * 2);
        for c in text.chars() {
            let (glyph, shown) = self.glyph(c);
            let new = self.remapper.remap(glyph.0);
            if glyph.0 != 0 {
                self.unicode.entry(new).or_insert(shown);
            }
            out.extend_from_slice(&new.to_be_bytes());
        }
        out
    }
}

struct Fonts {
    regular: Font,
    bold: Font,
}

impl Fonts {
    fn get(&self, weight: Weight) -> &Font {
        match weight {
            Weight::Regular => &self.regular,
            Weight::Bold => &self.bold,
        }
    }

    fn get_mut(&mut self, weight: Weight) -> &mut Font {
        match weight {
            Weight::Regular => &mut self.regular,
            Weight::Bold => &mut self.bold,
        }
    }
}

#[derive(Clone, Copy)]
enum Align {
    Left,
    Right,
    Center,
}

struct Column {
    title: String,
    width: f32,
    align: Align,
}

/// Pages under construction, top-down with a cursor `y` in PDF points from the bottom.
struct Layout {
    fonts: Fonts,
    pages: Vec<Content>,
    y: f32,
    /// Printed at the top of every page after the first.
    continuation: String,
}

impl Layout {
    fn page(&mut self) -> &mut Content {
        if self.pages.is_empty() {
            self.pages.push(Content::new());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    fn text(&mut self, weight: Weight, size: f32, x: f32, y: f32, text: &str) {
        let encoded = self.fonts.get_mut(weight).encode(text);
        let resource = self.fonts.get(weight).resource;
        let page = self.page();
        page.begin_text();
        page.set_font(Name(resource), size);
        page.set_text_matrix([1.0, 0.0, 0.0, 1.0, x, y]);
        page.show(Str(&encoded));
        page.end_text();
    }

    /// Text aligned within [x, x + width], shrunk (down to 60 %) rather than overflowing.
    fn text_in(
        &mut self,
        weight: Weight,
        size: f32,
        (x, width): (f32, f32),
        y: f32,
        text: &str,
        align: Align,
    ) {
        let natural = self.fonts.get(weight).width(text, size);
        let size = if natural > width && natural > 0.0 {
            (size * width / natural).max(size * 0.6)
        } else {
            size
        };
        let w = self.fonts.get(weight).width(text, size);
        let x = match align {
            Align::Left => x,
            Align::Right => x + width - w,
            Align::Center => x + (width - w) / 2.0,
        };
        self.text(weight, size, x, y, text);
    }

    fn hline(&mut self, x1: f32, x2: f32, y: f32, width: f32) {
        let page = self.page();
        page.set_line_width(width);
        page.move_to(x1, y);
        page.line_to(x2, y);
        page.stroke();
    }

    fn shade(&mut self, x: f32, y: f32, w: f32, h: f32) {
        let page = self.page();
        page.save_state();
        page.set_fill_gray(0.92);
        page.rect(x, y, w, h);
        page.fill_nonzero();
        page.restore_state();
    }

    /// Greedy word wrap by measured width. An over-long word is broken by characters when
    /// `break_words`; otherwise it stays whole and `text_in` shrinks it (column titles).
    fn wrap(
        &self,
        weight: Weight,
        size: f32,
        text: &str,
        width: f32,
        break_words: bool,
    ) -> Vec<String> {
        let font = self.fonts.get(weight);
        let mut lines = Vec::new();
        let mut current = String::new();
        for word in text.split_whitespace() {
            let candidate = if current.is_empty() {
                word.to_string()
            } else {
                format!("{current} {word}")
            };
            if font.width(&candidate, size) <= width {
                current = candidate;
                continue;
            }
            if !current.is_empty() {
                lines.push(std::mem::take(&mut current));
            }
            if !break_words {
                current = word.to_string();
                continue;
            }
            for c in word.chars() {
                current.push(c);
                if font.width(&current, size) > width && current.chars().count() > 1 {
                    current.pop();
                    lines.push(std::mem::take(&mut current));
                    current.push(c);
                }
            }
        }
        if !current.is_empty() || lines.is_empty() {
            lines.push(current);
        }
        lines
    }

    fn new_page(&mut self) {
        self.pages.push(Content::new());
        self.y = PAGE_H - MARGIN;
        let continuation = self.continuation.clone();
        self.text(Weight::Bold, 10.0, MARGIN, self.y - 10.0, &continuation);
        self.y -= 22.0;
    }

    /// Starts a new page unless `height` still fits above the footer.
    fn ensure(&mut self, height: f32) -> bool {
        if self.y - height < BOTTOM {
            self.new_page();
            true
        } else {
            false
        }
    }

    fn table_header(&mut self, columns: &[Column]) {
        let size = TABLE_FONT;
        let wrapped: Vec<Vec<String>> = columns
            .iter()
            .map(|c| {
                self.wrap(
                    Weight::Bold,
                    size,
                    &c.title,
                    c.width - 2.0 * CELL_PAD,
                    false,
                )
            })
            .collect();
        let rows = wrapped.iter().map(Vec::len).max().unwrap_or(1);
        let height = rows as f32 * (size + 1.5) + 2.0 * CELL_PAD;
        self.ensure(height + 14.0);
        let total: f32 = columns.iter().map(|c| c.width).sum();
        self.shade(MARGIN, self.y - height, total, height);
        self.hline(MARGIN, MARGIN + total, self.y, 0.6);
        let mut x = MARGIN;
        for (column, lines) in columns.iter().zip(wrapped) {
            for (i, line) in lines.iter().enumerate() {
                let baseline = self.y - CELL_PAD - size * 0.9 - i as f32 * (size + 1.5);
                self.text_in(
                    Weight::Bold,
                    size,
                    (x + CELL_PAD, column.width - 2.0 * CELL_PAD),
                    baseline,
                    line,
                    column.align,
                );
            }
            x += column.width;
        }
        self.y -= height;
        self.hline(MARGIN, MARGIN + total, self.y, 0.6);
    }

    /// One table row; wraps left-aligned cells and repeats the header after a page break.
    fn table_row(&mut self, columns: &[Column], cells: &[String], weight: Weight) {
        let size = TABLE_FONT;
        let wrapped: Vec<Vec<String>> = columns
            .iter()
            .zip(cells)
            .map(|(c, text)| match c.align {
                Align::Left => self.wrap(weight, size, text, c.width - 2.0 * CELL_PAD, true),
                _ => vec![text.clone()],
            })
            .collect();
        let rows = wrapped.iter().map(Vec::len).max().unwrap_or(1);
        let height = rows as f32 * (size + 1.5) + 2.0 * CELL_PAD;
        if self.ensure(height) {
            self.table_header(columns);
        }
        let mut x = MARGIN;
        for (column, lines) in columns.iter().zip(wrapped) {
            for (i, line) in lines.iter().enumerate() {
                let baseline = self.y - CELL_PAD - size * 0.9 - i as f32 * (size + 1.5);
                self.text_in(
                    weight,
                    size,
                    (x + CELL_PAD, column.width - 2.0 * CELL_PAD),
                    baseline,
                    line,
                    column.align,
                );
            }
            x += column.width;
        }
        self.y -= height;
        let total: f32 = columns.iter().map(|c| c.width).sum();
        self.hline(MARGIN, MARGIN + total, self.y, 0.25);
    }
}

fn column(title: &str, width: f32, align: Align) -> Column {
    Column {
        title: title.to_string(),
        width,
        align,
    }
}

/// Lines of a party block: name first (bold), then address, GSTIN and state.
fn party_lines(party: &Party) -> Vec<String> {
    let mut lines = party.address_lines.clone();
    if let Some(gstin) = &party.gstin {
        lines.push(format!("GSTIN: {gstin}"));
    }
    lines.push(format!(
        "State: {} (code {})",
        party.state_name, party.state_code
    ));
    lines
}

fn draw_party(
    layout: &mut Layout,
    label: &str,
    party: &Party,
    x: f32,
    width: f32,
    mut y: f32,
) -> f32 {
    layout.text(Weight::Bold, 7.0, x, y, label);
    y -= 12.0;
    for line in layout.wrap(Weight::Bold, 10.0, &party.name, width, true) {
        layout.text(Weight::Bold, 10.0, x, y, &line);
        y -= 12.0;
    }
    for text in party_lines(party) {
        for line in layout.wrap(Weight::Regular, 8.5, &text, width, true) {
            layout.text(Weight::Regular, 8.5, x, y, &line);
            y -= 10.5;
        }
    }
    y
}

/// The invoice or credit note as PDF bytes. Long documents run over several A4 pages, each
/// continuing page repeating the document number and the table header.
pub fn invoice_pdf(doc: &InvoiceDocument) -> Result<Vec<u8>, String> {
    let fonts = Fonts {
        regular: Font::load(REGULAR_TTF, b"F1", "DejaVuSans", 80.0)?,
        bold: Font::load(BOLD_TTF, b"F2", "DejaVuSans-Bold", 140.0)?,
    };
    let title = doc.kind.title();
    let mut layout = Layout {
        fonts,
        pages: vec![Content::new()],
        y: PAGE_H - MARGIN,
        continuation: format!("{title} {} (continued)", doc.number),
    };
    let state_tax = doc.state_tax_label();

    // Heading.
    layout.text_in(
        Weight::Bold,
        16.0,
        (MARGIN, RIGHT - MARGIN),
        layout.y - 16.0,
        title,
        Align::Center,
    );
    layout.y -= 30.0;
    if let Some(declaration) = doc.kind.declaration() {
        layout.text_in(
            Weight::Regular,
            9.0,
            (MARGIN, RIGHT - MARGIN),
            layout.y,
            declaration,
            Align::Center,
        );
        layout.y -= 12.0;
    }
    if let Some(original) = &doc.reference_invoice {
        let line = super::original_invoice_line(original, doc.reference_invoice_date);
        layout.text_in(
            Weight::Regular,
            9.0,
            (MARGIN, RIGHT - MARGIN),
            layout.y,
            &line,
            Align::Center,
        );
        layout.y -= 10.0;
    }
    layout.hline(MARGIN, RIGHT, layout.y, 0.8);
    layout.y -= 14.0;

    // Seller (left) and the document's particulars (right), then the buyer.
    let top = layout.y;
    let half = (RIGHT - MARGIN) / 2.0 - 8.0;
    let after_seller = draw_party(&mut layout, "SELLER", &doc.seller, MARGIN, half, top);
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
    let meta_x = MARGIN + half + 16.0;
    let mut y = top;
    for (label, value) in &meta {
        layout.text(Weight::Regular, 8.5, meta_x, y, label);
        layout.text_in(
            Weight::Bold,
            8.5,
            (meta_x + 90.0, RIGHT - meta_x - 90.0),
            y,
            value,
            Align::Left,
        );
        y -= 12.0;
    }
    let after_buyer = draw_party(&mut layout, "BUYER", &doc.buyer, meta_x, half, y - 8.0);
    layout.y = after_seller.min(after_buyer) - 6.0;

    // Line items.
    let width = RIGHT - MARGIN;
    let tax_columns: Vec<Column> = if doc.intra_state {
        vec![
            column("CGST", 44.0, Align::Right),
            column(state_tax, 44.0, Align::Right),
        ]
    } else {
        vec![column("IGST", 50.0, Align::Right)]
    };
    let fixed: f32 = 16.0
        + 38.0
        + 26.0
        + 50.0
        + 42.0
        + 56.0
        + 26.0
        + 58.0
        + tax_columns.iter().map(|c| c.width).sum::<f32>();
    let mut columns = vec![
        column("#", 16.0, Align::Right),
        column("Description", width - fixed, Align::Left),
        column("HSN/SAC", 38.0, Align::Left),
        column("Qty", 26.0, Align::Right),
        column("Unit price", 50.0, Align::Right),
        column("Discount", 42.0, Align::Right),
        column("Taxable value", 56.0, Align::Right),
        column("Rate", 26.0, Align::Right),
    ];
    columns.extend(tax_columns);
    columns.push(column("Total", 58.0, Align::Right));
    layout.table_header(&columns);
    for (i, line) in doc.lines.iter().enumerate() {
        let mut cells = vec![
            (i + 1).to_string(),
            line.description.clone(),
            line.hsn.clone(),
            line.quantity.to_string(),
            format_money(line.unit_price_minor),
            format_money(line.discount_minor),
            format_money(line.taxable_minor),
            format_rate(line.rate_bp),
        ];
        if doc.intra_state {
            cells.push(format_money(line.cgst_minor));
            cells.push(format_money(line.sgst_minor));
        } else {
            cells.push(format_money(line.igst_minor));
        }
        cells.push(format_money(line.total_minor));
        layout.table_row(&columns, &cells, Weight::Regular);
    }

    // HSN-wise summary.
    layout.y -= 12.0;
    layout.ensure(40.0);
    layout.text(Weight::Bold, 8.5, MARGIN, layout.y - 9.0, "HSN/SAC summary");
    layout.y -= 14.0;
    let mut hsn_columns = vec![
        column("HSN/SAC", 80.0, Align::Left),
        column("Rate", 50.0, Align::Right),
        column("Taxable value", 90.0, Align::Right),
    ];
    if doc.intra_state {
        hsn_columns.push(column("CGST", 80.0, Align::Right));
        hsn_columns.push(column(state_tax, 80.0, Align::Right));
    } else {
        hsn_columns.push(column("IGST", 90.0, Align::Right));
    }
    layout.table_header(&hsn_columns);
    for row in &doc.hsn_summary {
        let mut cells = vec![
            row.hsn.clone(),
            format_rate(row.rate_bp),
            format_money(row.taxable_minor),
        ];
        if doc.intra_state {
            cells.push(format_money(row.cgst_minor));
            cells.push(format_money(row.sgst_minor));
        } else {
            cells.push(format_money(row.igst_minor));
        }
        layout.table_row(&hsn_columns, &cells, Weight::Regular);
    }

    // Totals in figures, then in words, then the signature: kept together on one page.
    let t = &doc.totals;
    let mut totals = vec![("Taxable value".to_string(), t.taxable_minor)];
    if doc.intra_state {
        totals.push(("CGST".to_string(), t.cgst_minor));
        totals.push((state_tax.to_string(), t.sgst_minor));
    } else {
        totals.push(("IGST".to_string(), t.igst_minor));
    }
    let words = amount_in_words(t.grand_total_minor);
    let word_lines = layout.wrap(Weight::Bold, 9.0, &words, RIGHT - MARGIN, true);
    let needed =
        16.0 + totals.len() as f32 * 13.0 + 18.0 + 14.0 + word_lines.len() as f32 * 11.0 + 70.0;
    layout.y -= 10.0;
    layout.ensure(needed);
    let label_x = RIGHT - 230.0;
    for (label, amount) in &totals {
        layout.text(Weight::Regular, 9.0, label_x, layout.y - 9.0, label);
        layout.text_in(
            Weight::Regular,
            9.0,
            (label_x + 90.0, 140.0),
            layout.y - 9.0,
            &format!("₹{}", format_money(*amount)),
            Align::Right,
        );
        layout.y -= 13.0;
    }
    layout.hline(label_x, RIGHT, layout.y - 2.0, 0.8);
    layout.y -= 4.0;
    layout.text(Weight::Bold, 11.0, label_x, layout.y - 11.0, "Grand total");
    layout.text_in(
        Weight::Bold,
        11.0,
        (label_x + 80.0, 150.0),
        layout.y - 11.0,
        &format!("₹{}", format_money(t.grand_total_minor)),
        Align::Right,
    );
    layout.y -= 18.0;
    layout.hline(label_x, RIGHT, layout.y, 0.8);
    layout.y -= 14.0;
    layout.text(Weight::Regular, 7.0, MARGIN, layout.y, "AMOUNT IN WORDS");
    layout.y -= 11.0;
    for line in &word_lines {
        layout.text(Weight::Bold, 9.0, MARGIN, layout.y, line);
        layout.y -= 11.0;
    }
    if doc.reverse_charge {
        layout.text(
            Weight::Regular,
            8.5,
            MARGIN,
            layout.y,
            "Tax on this supply is payable by the recipient under reverse charge.",
        );
        layout.y -= 11.0;
    }
    layout.y -= 10.0;
    let seller = format!("for {}", doc.seller.name);
    layout.text_in(
        Weight::Bold,
        9.0,
        (RIGHT - 220.0, 220.0),
        layout.y,
        &seller,
        Align::Right,
    );
    layout.y -= 40.0;
    layout.text_in(
        Weight::Regular,
        9.0,
        (RIGHT - 220.0, 220.0),
        layout.y,
        "Authorised Signatory",
        Align::Right,
    );

    // Footers, now that the page count is known.
    let count = layout.pages.len();
    for index in 0..count {
        let footer = format!("{} {} · Page {} of {}", title, doc.number, index + 1, count);
        let encoded = layout.fonts.regular.encode(&footer);
        let w = layout.fonts.regular.width(&footer, 7.5);
        let page = &mut layout.pages[index];
        page.begin_text();
        page.set_font(Name(b"F1"), 7.5);
        page.set_text_matrix([1.0, 0.0, 0.0, 1.0, (PAGE_W - w) / 2.0, 28.0]);
        page.show(Str(&encoded));
        page.end_text();
    }

    write_pdf(layout, &format!("{title} {}", doc.number))
}

fn deflate(data: &[u8]) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec_zlib(data, 6)
}

/// A six-letter subset tag derived from the glyph set, as PDF readers expect ("ABCDEF+Name").
fn subset_tag(font: &Font) -> String {
    let mut hash: u32 = 0x811c_9dc5;
    for gid in font.remapper.remapped_gids() {
        for byte in gid.to_be_bytes() {
            hash = (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193);
        }
    }
    (0..6)
        .map(|i| char::from(b'A' + ((hash >> (i * 5)) % 26) as u8))
        .collect()
}

fn write_pdf(layout: Layout, title: &str) -> Result<Vec<u8>, String> {
    let mut pdf = Pdf::new();
    let mut next = 1;
    let mut alloc = || {
        let r = Ref::new(next);
        next += 1;
        r
    };
    let catalog = alloc();
    let tree = alloc();
    let info = alloc();
    let font_refs: Vec<[Ref; 5]> = (0..2)
        .map(|_| [alloc(), alloc(), alloc(), alloc(), alloc()])
        .collect();
    let page_refs: Vec<(Ref, Ref)> = layout.pages.iter().map(|_| (alloc(), alloc())).collect();

    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree)
        .kids(page_refs.iter().map(|(page, _)| *page))
        .count(page_refs.len() as i32);
    pdf.document_info(info)
        .title(TextStr(title))
        .producer(TextStr("Kirana"));

    let fonts = [&layout.fonts.regular, &layout.fonts.bold];
    for (font, refs) in fonts.iter().zip(&font_refs) {
        let [type0, cid, descriptor, to_unicode, file] = *refs;
        let base = format!("{}+{}", subset_tag(font), font.postscript_name);
        let subset = subsetter::subset(font.data, 0, &font.remapper)
            .map_err(|e| format!("subsetting {} failed: {e}", font.postscript_name))?;
        let scale = 1000.0 / f32::from(font.face.units_per_em());

        pdf.type0_font(type0)
            .base_font(Name(base.as_bytes()))
            .encoding_predefined(Name(b"Identity-H"))
            .descendant_font(cid)
            .to_unicode(to_unicode);

        let widths: Vec<f32> = font
            .remapper
            .remapped_gids()
            .map(|old| {
                f32::from(
                    font.face
                        .glyph_hor_advance(ttf_parser::GlyphId(old))
                        .unwrap_or(0),
                ) * scale
            })
            .collect();
        let mut cid_font = pdf.cid_font(cid);
        cid_font
            .subtype(CidFontType::Type2)
            .base_font(Name(base.as_bytes()))
            .system_info(SystemInfo {
                registry: Str(b"Adobe"),
                ordering: Str(b"Identity"),
                supplement: 0,
            })
            .font_descriptor(descriptor)
            .cid_to_gid_map_predefined(Name(b"Identity"));
        cid_font.widths().consecutive(0, widths);
        cid_font.finish();

        let bbox = font.face.global_bounding_box();
        let ascent = f32::from(font.face.ascender()) * scale;
        pdf.font_descriptor(descriptor)
            .name(Name(base.as_bytes()))
            .flags(FontFlags::SYMBOLIC)
            .bbox(Rect::new(
                f32::from(bbox.x_min) * scale,
                f32::from(bbox.y_min) * scale,
                f32::from(bbox.x_max) * scale,
                f32::from(bbox.y_max) * scale,
            ))
            .italic_angle(0.0)
            .ascent(ascent)
            .descent(f32::from(font.face.descender()) * scale)
            .cap_height(
                font.face
                    .capital_height()
                    .map_or(ascent, |h| f32::from(h) * scale),
            )
            .stem_v(font.stem_v)
            .font_file2(file);

        let mut cmap = UnicodeCmap::new(
            Name(b"Kirana-UCS"),
            SystemInfo {
                registry: Str(b"Adobe"),
                ordering: Str(b"UCS"),
                supplement: 0,
            },
        );
        for (&gid, &c) in &font.unicode {
            cmap.pair(gid, c);
        }
        let cmap = deflate(cmap.finish().as_slice());
        pdf.stream(to_unicode, &cmap).filter(Filter::FlateDecode);

        let compressed = deflate(&subset);
        let mut stream = pdf.stream(file, &compressed);
        stream.filter(Filter::FlateDecode);
        stream.pair(Name(b"Length1"), subset.len() as i32);
        stream.finish();
    }

    for (content, (page_ref, content_ref)) in layout.pages.into_iter().zip(&page_refs) {
        let mut page = pdf.page(*page_ref);
        page.media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H))
            .parent(tree)
            .contents(*content_ref);
        let mut resources = page.resources();
        let mut font_dict = resources.fonts();
        font_dict.pair(Name(b"F1"), font_refs[0][0]);
        font_dict.pair(Name(b"F2"), font_refs[1][0]);
        font_dict.finish();
        resources.finish();
        page.finish();
        let data = deflate(content.finish().as_slice());
        pdf.stream(*content_ref, &data).filter(Filter::FlateDecode);
    }
    Ok(pdf.finish())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::io::Write as _;
    use std::process::{Command, Stdio};

    use super::super::fixtures::invoice;
    use super::super::{DocumentKind, format_money};
    use super::*;

    fn tool_exists(name: &str) -> bool {
        Command::new(name)
            .arg("-v")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok()
    }

    /// Runs a poppler tool on the PDF bytes (written to a temp file) and returns its stdout.
    fn poppler(tool: &str, pdf: &[u8], extra: &[&str]) -> String {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(pdf).unwrap();
        let mut command = Command::new(tool);
        command.args(extra).arg(file.path());
        if tool == "pdftotext" {
            command.arg("-");
        }
        let output = command.output().unwrap();
        assert!(
            output.status.success(),
            "{tool} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    }

    fn page_objects(pdf: &[u8]) -> usize {
        let needle = b"/Type /Page";
        pdf.windows(needle.len() + 1)
            .filter(|w| &w[..needle.len()] == needle && w[needle.len()] != b's')
            .count()
    }

    #[test]
    fn a_short_invoice_is_a_small_one_page_pdf() {
        let pdf = invoice_pdf(&invoice(3, true)).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        assert!(pdf.ends_with(b"%%EOF") || pdf.ends_with(b"%%EOF\n"));
        assert_eq!(page_objects(&pdf), 1);
        assert!(pdf.len() < 100 * 1024, "{} bytes", pdf.len());
    }

    #[test]
    fn sixty_lines_run_over_several_pages() {
        let pdf = invoice_pdf(&invoice(60, false)).unwrap();
        assert!(page_objects(&pdf) >= 2, "{} pages", page_objects(&pdf));
        if tool_exists("pdfinfo") {
            let info = poppler("pdfinfo", &pdf, &[]);
            let pages: usize = info
                .lines()
                .find_map(|l| l.strip_prefix("Pages:"))
                .map(|n| n.trim().parse().unwrap())
                .unwrap();
            assert!(pages >= 2, "{info}");
        }
    }

    #[test]
    fn extracted_text_carries_the_numbers_and_names() {
        if !tool_exists("pdftotext") {
            eprintln!("pdftotext not on PATH; text extraction not checked");
            return;
        }
        let doc = invoice(3, true);
        let text = poppler("pdftotext", &invoice_pdf(&doc).unwrap(), &["-layout"]);
        assert!(text.contains("Tax Invoice"), "{text}");
        assert!(text.contains("INV/2627/000042"), "{text}");
        assert!(text.contains("KR-000123"), "{text}");
        assert!(text.contains("Zoë Traders"), "{text}");
        let grand = format_money(doc.totals.grand_total_minor);
        assert!(
            text.contains(&format!("₹{grand}")),
            "{grand} missing in {text}"
        );
        assert!(text.contains("CGST") && text.contains("SGST"), "{text}");
        assert!(!text.contains("IGST"), "{text}");
        assert!(text.contains("Authorised Signatory"), "{text}");
        assert!(text.contains("Rupees"), "{text}");
    }

    #[test]
    fn credit_note_pdf_names_the_original_invoice_and_paginates_text() {
        if !tool_exists("pdftotext") {
            return;
        }
        let mut doc = invoice(60, false);
        doc.kind = DocumentKind::CreditNote;
        doc.number = "CN/2627/000003".to_string();
        doc.reference_invoice = Some("INV/2627/000042".to_string());
        doc.reference_invoice_date = chrono::NaiveDate::from_ymd_opt(2026, 12, 5);
        let text = poppler("pdftotext", &invoice_pdf(&doc).unwrap(), &["-layout"]);
        assert!(text.contains("Credit Note"), "{text}");
        assert!(
            text.contains("Original invoice: INV/2627/000042 dated 05-12-2026"),
            "{text}"
        );
        assert!(text.contains("IGST"), "{text}");
        assert!(text.contains("Page 2 of"), "{text}");
        assert!(
            text.contains("Credit Note CN/2627/000003 (continued)"),
            "{text}"
        );
        assert!(
            text.contains(&format_money(doc.totals.grand_total_minor)),
            "{text}"
        );
        // Every line made it onto some page.
        assert!(text.contains("item 59"), "{text}");
    }

    #[test]
    fn union_territory_and_missing_glyphs_extract_honestly() {
        if !tool_exists("pdftotext") {
            return;
        }
        let mut doc = invoice(1, true);
        doc.union_territory = true;
        doc.lines[0].description = "चावल rice? 5 kg".to_string();
        let text = poppler("pdftotext", &invoice_pdf(&doc).unwrap(), &["-layout"]);
        assert!(text.contains("UTGST"), "{text}");
        assert!(!text.contains("SGST"), "{text}");
        // DejaVu Sans has no Devanagari: shown and extracted as '?', and a real '?' stays '?'.
        assert!(text.contains("???? rice? 5 kg"), "{text}");
    }
}
