//! CSV import and export of products and variants, one row per variant. An import checks
//! every row and names each bad cell (`rows[3].price_minor`, rows counted from 1 after
//! the header); only a file without errors is applied, all of it in one transaction.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;
use utoipa::ToSchema;

use super::model::{
    Barcode, Problems, ProductOption, ProductRow, Sku, Slug, check_gst_rate, check_hsn,
    check_price, check_text,
};
use super::store::{self, NewProduct, NewVariant, ProductChanges, VariantChanges};
use crate::contracts::auth::{Permission, Principal, Scope};
use crate::db::{DbConnection, new_id, now};
use crate::http::AppError;

/// The columns, in the order an export writes them. An import needs `product_slug`,
/// `sku` and `price_minor`; the others may be left out or empty (for a new product,
/// `name`, `hsn_code` and `gst_rate_bp` are needed too).
pub const COLUMNS: &[&str] = &[
    "product_slug",
    "name",
    "description",
    "status",
    "hsn_code",
    "gst_rate_bp",
    "categories",
    "options",
    "sku",
    "barcode",
    "price_minor",
    "compare_at_minor",
    "weight_grams",
];

/// What an import did, or would do on a dry run.
#[derive(Debug, Default, Clone, Serialize, ToSchema)]
pub struct ImportSummary {
    pub dry_run: bool,
    pub rows: usize,
    pub products_created: usize,
    pub products_updated: usize,
    pub variants_created: usize,
    pub variants_updated: usize,
}

/// One parsed row; `None` for an empty or absent cell.
#[derive(Debug, Default, Clone)]
struct Row {
    line: usize,
    cells: HashMap<&'static str, String>,
}

impl Row {
    fn get(&self, column: &str) -> Option<&str> {
        self.cells
            .get(column)
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
    }

    fn field(&self, column: &str) -> String {
        format!("rows[{}].{column}", self.line)
    }
}

fn parse(body: &[u8]) -> Result<Vec<Row>, AppError> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .trim(csv::Trim::None)
        .from_reader(body);
    let headers = reader
        .headers()
        .map_err(|e| AppError::invalid("header", format!("is not CSV: {e}")))?
        .clone();
    let mut map = Vec::new();
    for (i, h) in headers.iter().enumerate() {
        let h = h.trim().trim_start_matches('\u{feff}');
        match COLUMNS.iter().find(|c| **c == h) {
            Some(c) => map.push((i, *c)),
            None => {
                return Err(AppError::invalid(
                    "header",
                    format!(
                        "unknown column {h:?}; the columns are {}",
                        COLUMNS.join(", ")
                    ),
                ));
            }
        }
    }
    for required in ["product_slug", "sku", "price_minor"] {
        if !map.iter().any(|(_, c)| *c == required) {
            return Err(AppError::invalid(
                "header",
                format!("needs a {required} column"),
            ));
        }
    }
    let mut rows = Vec::new();
    for (n, record) in reader.records().enumerate() {
        let record = record.map_err(|e| {
            AppError::invalid(format!("rows[{}]", n + 1), format!("is not valid CSV: {e}"))
        })?;
        let mut row = Row {
            line: n + 1,
            ..Row::default()
        };
        for (i, column) in &map {
            if let Some(value) = record.get(*i) {
                row.cells
                    .insert(column, crate::http::csv::unguard(value).to_string());
            }
        }
        rows.push(row);
    }
    if rows.is_empty() {
        return Err(AppError::invalid("rows", "the file has no rows"));
    }
    if rows.len() > 50_000 {
        return Err(AppError::invalid("rows", "at most 50000 rows per file"));
    }
    Ok(rows)
}

/// `Size=1 kg;Colour=Red` → {Size: 1 kg, Colour: Red}, in order.
fn parse_options(raw: Option<&str>) -> Result<Vec<(String, String)>, String> {
    let Some(raw) = raw else {
        return Ok(Vec::new());
    };
    let mut out: Vec<(String, String)> = Vec::new();
    for part in raw.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let (name, value) = part
            .split_once('=')
            .ok_or_else(|| format!("{part:?} is not name=value"))?;
        let (name, value) = (name.trim().to_string(), value.trim().to_string());
        if name.is_empty() || value.is_empty() || name.len() > 40 || value.len() > 60 {
            return Err(format!("{part:?} needs a name and a value"));
        }
        if out.iter().any(|(n, _)| *n == name) {
            return Err(format!("{name} is given twice"));
        }
        out.push((name, value));
    }
    if out.len() > 3 {
        return Err("at most 3 options".into());
    }
    Ok(out)
}

fn int(row: &Row, column: &str, problems: &mut Problems) -> Option<i64> {
    let raw = row.get(column)?;
    match raw.parse::<i64>() {
        Ok(v) => Some(v),
        Err(_) => {
            problems.add(row.field(column), "must be a whole number");
            None
        }
    }
}

/// Checks every row and applies them in the caller's transaction. Errors of all rows
/// come back together; the caller rolls back on any error and on a dry run.
pub fn import(
    conn: &mut DbConnection,
    principal: &Principal,
    body: &[u8],
    gst_rates: &[i32],
) -> Result<ImportSummary, AppError> {
    let rows = parse(body)?;
    let scope = principal.scope(Permission::CatalogManageAll);
    let mut problems = Problems::default();
    let mut summary = ImportSummary {
        rows: rows.len(),
        ..ImportSummary::default()
    };
    let categories: HashMap<String, String> = store::categories(conn)?
        .into_iter()
        .map(|c| (c.slug, c.id))
        .collect();

    // Rows by product, in file order.
    let mut groups: Vec<(String, Vec<&Row>)> = Vec::new();
    let mut seen_skus: HashMap<String, usize> = HashMap::new();
    let mut seen_barcodes: HashMap<String, usize> = HashMap::new();
    for row in &rows {
        let slug = match row.get("product_slug") {
            Some(s) => match Slug::parse(s, &row.field("product_slug")) {
                Ok(s) => s.as_str().to_string(),
                Err(e) => {
                    problems.check::<()>(Err(e));
                    continue;
                }
            },
            None => {
                problems.add(row.field("product_slug"), "is required");
                continue;
            }
        };
        if let Some(sku) = row.get("sku")
            && let Some(first) = seen_skus.insert(sku.to_string(), row.line)
        {
            problems.add(row.field("sku"), format!("repeats row {first}"));
        }
        if let Some(code) = row.get("barcode")
            && let Some(first) = seen_barcodes.insert(code.to_string(), row.line)
        {
            problems.add(row.field("barcode"), format!("repeats row {first}"));
        }
        match groups.iter_mut().find(|(s, _)| *s == slug) {
            Some((_, list)) => list.push(row),
            None => groups.push((slug, vec![row])),
        }
    }

    let stamp = now();
    for (slug, group) in &groups {
        let first = group[0];
        let existing: Option<ProductRow> = store::product(conn, slug)?;
        if let Some(p) = &existing
            && let Scope::Owner(me) = &scope
            && &p.seller_id != me
        {
            problems.add(
                first.field("product_slug"),
                "is used by a product of another seller",
            );
            continue;
        }
        // Product-level cells: the first non-empty one in the group.
        let cell = |column: &str| group.iter().find_map(|r| r.get(column).map(|v| (r, v)));
        let name =
            cell("name").and_then(|(r, v)| problems.check(check_text(v, 200, &r.field("name"))));
        let hsn =
            cell("hsn_code").and_then(|(r, v)| problems.check(check_hsn(v, &r.field("hsn_code"))));
        let rate = cell("gst_rate_bp").and_then(|(r, v)| match v.parse::<i32>() {
            Ok(bp) => problems.check(check_gst_rate(bp, gst_rates, &r.field("gst_rate_bp"))),
            Err(_) => {
                problems.add(r.field("gst_rate_bp"), "must be a whole number");
                None
            }
        });
        let status = cell("status").and_then(|(r, v)| match v {
            "draft" | "active" | "archived" => Some(v.to_string()),
            _ => {
                problems.add(r.field("status"), "must be draft, active or archived");
                None
            }
        });
        let description = cell("description").map(|(_, v)| v.to_string());
        let category_ids: Option<Vec<String>> = cell("categories").map(|(r, v)| {
            v.split('|')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .filter_map(|s| match categories.get(s) {
                    Some(id) => Some(id.clone()),
                    None => {
                        problems.add(
                            r.field("categories"),
                            format!("{s:?} is not a category slug"),
                        );
                        None
                    }
                })
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect()
        });
        if existing.is_none() {
            for (column, missing) in [
                ("name", name.is_none()),
                ("hsn_code", hsn.is_none()),
                ("gst_rate_bp", rate.is_none()),
            ] {
                if missing && cell(column).is_none() {
                    problems.add(first.field(column), "is required for a new product");
                }
            }
        }

        // The product's options: existing ones, extended by new values in the file.
        let mut options: Vec<ProductOption> = existing
            .as_ref()
            .and_then(|p| serde_json::from_str(&p.options).ok())
            .unwrap_or_default();
        let existing_variants = match &existing {
            Some(p) => store::variants_of(conn, std::slice::from_ref(&p.id))?,
            None => Vec::new(),
        };
        let mut new_variants = Vec::new();
        let mut updates = Vec::new();
        for row in group {
            let sku = match row.get("sku") {
                Some(s) => problems.check(Sku::parse(s, &row.field("sku"))),
                None => {
                    problems.add(row.field("sku"), "is required");
                    None
                }
            };
            let price = int(row, "price_minor", &mut problems)
                .and_then(|p| problems.check(check_price(p, &row.field("price_minor"))));
            if row.get("price_minor").is_none() {
                problems.add(row.field("price_minor"), "is required");
            }
            let compare = int(row, "compare_at_minor", &mut problems)
                .and_then(|p| problems.check(check_price(p, &row.field("compare_at_minor"))));
            if let (Some(c), Some(p)) = (compare, price)
                && c <= p
            {
                problems.add(row.field("compare_at_minor"), "must be above the price");
            }
            let weight = int(row, "weight_grams", &mut problems);
            if weight.is_some_and(|w| !(0..=1_000_000).contains(&w)) {
                problems.add(row.field("weight_grams"), "must be between 0 and 1000000");
            }
            let barcode = row
                .get("barcode")
                .and_then(|b| problems.check(Barcode::parse(b, &row.field("barcode"))));
            let opts = match parse_options(row.get("options")) {
                Ok(o) => o,
                Err(m) => {
                    problems.add(row.field("options"), m);
                    continue;
                }
            };
            let Some(sku) = sku else { continue };
            let Some(price) = price else { continue };
            // Where the SKU lives decides create or update.
            let owner_variant =
                store::variant_by_code(conn, sku.as_str())?.filter(|v| v.sku == sku.as_str());
            if let Some(code) = &barcode
                && let Some(other) = store::variant_by_code(conn, code.as_str())?
                && other.barcode.as_deref() == Some(code.as_str())
                && owner_variant.as_ref().is_none_or(|v| v.id != other.id)
            {
                problems.add(row.field("barcode"), "is already used by another variant");
            }
            match owner_variant {
                Some(v) if existing.as_ref().is_some_and(|p| p.id == v.product_id) => {
                    updates.push((
                        v.id.clone(),
                        VariantChanges {
                            price: Some(price),
                            compare_at_price: Some(compare),
                            barcode: row
                                .get("barcode")
                                .map(|_| barcode.as_ref().map(|b| b.as_str().to_string())),
                            weight_grams: weight.map(|w| w as i32),
                            updated_at: Some(stamp),
                            ..VariantChanges::default()
                        },
                    ));
                }
                Some(_) => problems.add(row.field("sku"), "belongs to another product"),
                None => {
                    // A new product takes its option names from its first row; every
                    // other row gives a value for each, and new values extend the lists.
                    if options.is_empty() && existing_variants.is_empty() && new_variants.is_empty()
                    {
                        options = opts
                            .iter()
                            .map(|(name, _)| ProductOption {
                                name: name.clone(),
                                values: Vec::new(),
                            })
                            .collect();
                    }
                    let names: BTreeSet<&str> = options.iter().map(|o| o.name.as_str()).collect();
                    let given: BTreeSet<&str> = opts.iter().map(|(n, _)| n.as_str()).collect();
                    if names != given {
                        problems.add(
                            row.field("options"),
                            format!(
                                "must give one value for each of the product's options ({})",
                                names.into_iter().collect::<Vec<_>>().join(", ")
                            ),
                        );
                        continue;
                    }
                    for (name, value) in &opts {
                        if let Some(o) = options.iter_mut().find(|o| &o.name == name)
                            && !o.values.contains(value)
                        {
                            o.values.push(value.clone());
                        }
                    }
                    let map: BTreeMap<String, String> = opts.iter().cloned().collect();
                    new_variants.push(NewVariant {
                        id: new_id(),
                        sku: sku.as_str().to_string(),
                        barcode: barcode.map(|b| b.as_str().to_string()),
                        title: opts
                            .iter()
                            .map(|(_, v)| v.clone())
                            .collect::<Vec<_>>()
                            .join(" / "),
                        options: serde_json::to_string(&map).unwrap_or_else(|_| "{}".into()),
                        price,
                        compare_at_price: compare,
                        weight_grams: weight.unwrap_or(0) as i32,
                        dimensions: None,
                        position: 0,
                    });
                }
            }
        }
        if options.is_empty() && existing_variants.len() + new_variants.len() > 1 {
            problems.add(
                first.field("options"),
                "a product with several variants needs options to tell them apart",
            );
        }
        let mut combos = BTreeSet::new();
        for v in existing_variants
            .iter()
            .map(|v| &v.options)
            .chain(new_variants.iter().map(|v| &v.options))
        {
            if !combos.insert(v.clone()) && !options.is_empty() {
                problems.add(first.field("options"), "two variants have the same options");
            }
        }
        if !problems.0.is_empty() {
            // Keep checking the other products, but write nothing more.
            continue;
        }

        let options_json = serde_json::to_string(&options).unwrap_or_else(|_| "[]".into());
        let product_id = match &existing {
            Some(p) => {
                let changes = ProductChanges {
                    name,
                    description,
                    status,
                    hsn_code: hsn,
                    gst_rate_bp: rate,
                    updated_at: Some(stamp),
                    ..ProductChanges::default()
                };
                store::update_product(conn, &p.id, &changes)?;
                store::set_options(conn, &p.id, &options_json)?;
                summary.products_updated += 1;
                p.id.clone()
            }
            None => {
                let id = new_id();
                let owner = principal.user_id().to_string();
                store::insert_product(
                    conn,
                    NewProduct {
                        id: &id,
                        slug,
                        name: name.as_deref().unwrap_or_default(),
                        description: description.as_deref().unwrap_or_default(),
                        status: status.as_deref().unwrap_or("draft"),
                        seller_id: &owner,
                        hsn_code: hsn.as_deref().unwrap_or_default(),
                        gst_rate_bp: rate.unwrap_or_default(),
                        options: &options_json,
                        now: stamp,
                    },
                )?;
                summary.products_created += 1;
                id
            }
        };
        if let Some(ids) = &category_ids {
            store::set_product_categories(conn, &product_id, ids)?;
        }
        let first_position = store::max_variant_position(conn, &product_id)? + 1;
        for (position, mut v) in (first_position..).zip(new_variants) {
            v.position = position;
            store::insert_variant(conn, &product_id, &v, stamp)?;
            summary.variants_created += 1;
        }
        for (id, changes) in &updates {
            store::update_variant(conn, id, changes)?;
            summary.variants_updated += 1;
        }
        store::refresh_product(conn, &product_id)?;
    }
    problems.finish()?;
    Ok(summary)
}

pub fn header_line() -> String {
    format!("{}\n", COLUMNS.join(","))
}

/// The rows of a page of products, one line per variant.
pub fn lines(
    conn: &mut DbConnection,
    products: &[ProductRow],
    category_slugs: &HashMap<String, String>,
) -> Result<String, AppError> {
    let ids: Vec<String> = products.iter().map(|p| p.id.clone()).collect();
    let variants = store::variants_of(conn, &ids)?;
    let categories = store::product_categories(conn, &ids)?;
    let mut out = String::new();
    for p in products {
        let mut cats: Vec<&str> = categories
            .get(&p.id)
            .map(|list| {
                list.iter()
                    .filter_map(|c| category_slugs.get(c).map(String::as_str))
                    .collect()
            })
            .unwrap_or_default();
        cats.sort_unstable();
        let options: Vec<ProductOption> = serde_json::from_str(&p.options).unwrap_or_default();
        for v in variants.iter().filter(|v| v.product_id == p.id) {
            let values: BTreeMap<String, String> =
                serde_json::from_str(&v.options).unwrap_or_default();
            let opts: Vec<String> = options
                .iter()
                .filter_map(|o| values.get(&o.name).map(|val| format!("{}={val}", o.name)))
                .collect();
            let fields = [
                p.slug.clone(),
                p.name.clone(),
                p.description.clone(),
                p.status.clone(),
                p.hsn_code.clone(),
                p.gst_rate_bp.to_string(),
                cats.join("|"),
                opts.join(";"),
                v.sku.clone(),
                v.barcode.clone().unwrap_or_default(),
                v.price.to_string(),
                v.compare_at_price
                    .map(|c| c.to_string())
                    .unwrap_or_default(),
                v.weight_grams.to_string(),
            ];
            out.push_str(&crate::http::csv::row(&fields));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_cells_parse_and_refuse_nonsense() {
        assert_eq!(
            parse_options(Some("Size=1 kg; Colour=Red")).unwrap(),
            vec![
                ("Size".into(), "1 kg".into()),
                ("Colour".into(), "Red".into())
            ]
        );
        assert!(parse_options(Some("Size")).is_err());
        assert!(parse_options(Some("Size=1;Size=2")).is_err());
        assert!(parse_options(None).unwrap().is_empty());
    }

    #[test]
    fn cells_are_quoted_only_when_needed() {
        use crate::http::csv::cell;
        assert_eq!(cell("plain"), "plain");
        assert_eq!(cell("a, b"), "\"a, b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
    }
}
