//! Diesel queries for the analytics domain's tables only: document facts and the daily
//! aggregates kept from them.

use chrono::{Datelike, NaiveDate};
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::http::AppError;
use crate::schema::{
    analytics_daily, analytics_document_rates, analytics_documents, analytics_payment_daily,
    analytics_variant_daily, analytics_variant_monthly,
};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = analytics_documents)]
pub struct DocumentRow {
    pub id: String,
    pub day: NaiveDate,
    pub kind: String,
    pub number: String,
    pub channel: String,
    pub customer_id: Option<String>,
    pub buyer_gstin: Option<String>,
    pub place_of_supply: String,
    pub taxable_minor: i64,
    pub cgst_minor: i64,
    pub sgst_minor: i64,
    pub igst_minor: i64,
    pub union_territory: bool,
    pub grand_total_minor: i64,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = analytics_document_rates)]
pub struct RateRow {
    pub document_id: String,
    pub hsn: String,
    pub rate_bp: i32,
    pub quantity: i64,
    pub taxable_minor: i64,
    pub cgst_minor: i64,
    pub sgst_minor: i64,
    pub igst_minor: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = analytics_daily)]
pub struct DailyRow {
    pub day: NaiveDate,
    pub channel: String,
    pub orders: i64,
    pub units: i64,
    pub gross_minor: i64,
    pub discount_minor: i64,
    pub shipping_minor: i64,
    pub taxable_minor: i64,
    pub tax_minor: i64,
    pub invoiced_minor: i64,
    pub credit_notes: i64,
    pub returned_minor: i64,
    pub returned_taxable_minor: i64,
    pub returned_tax_minor: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = analytics_variant_daily)]
pub struct VariantRow {
    pub day: NaiveDate,
    pub channel: String,
    pub variant_id: String,
    pub product_id: String,
    pub seller_id: String,
    pub units: i64,
    pub gross_minor: i64,
    pub discount_minor: i64,
    pub net_minor: i64,
    pub returned_units: i64,
    pub returned_minor: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = analytics_payment_daily)]
pub struct PaymentRow {
    pub day: NaiveDate,
    pub method: String,
    pub invoices: i64,
    pub amount_minor: i64,
}

pub fn has_document(conn: &mut DbConnection, id: &str) -> Result<bool, AppError> {
    let n: i64 = analytics_documents::table
        .filter(analytics_documents::id.eq(id))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

pub fn insert_document(conn: &mut DbConnection, row: &DocumentRow) -> Result<(), AppError> {
    diesel::insert_into(analytics_documents::table)
        .values(row.clone())
        .execute(conn)?;
    Ok(())
}

pub fn insert_rate(conn: &mut DbConnection, row: &RateRow) -> Result<(), AppError> {
    diesel::insert_into(analytics_document_rates::table)
        .values(row.clone())
        .execute(conn)?;
    Ok(())
}

/// Adds `add` to the day's row for its channel (read, then update or insert: an update
/// that matches nothing would take a gap lock on MySQL).
pub fn add_daily(conn: &mut DbConnection, add: &DailyRow) -> Result<(), AppError> {
    use analytics_daily as d;
    let key = d::table
        .filter(d::day.eq(add.day))
        .filter(d::channel.eq(&add.channel));
    let found: i64 = key.count().get_result(conn)?;
    if found == 0 {
        diesel::insert_into(d::table)
            .values(add.clone())
            .execute(conn)?;
        return Ok(());
    }
    diesel::update(key)
        .set((
            d::orders.eq(d::orders + add.orders),
            d::units.eq(d::units + add.units),
            d::gross_minor.eq(d::gross_minor + add.gross_minor),
            d::discount_minor.eq(d::discount_minor + add.discount_minor),
            d::shipping_minor.eq(d::shipping_minor + add.shipping_minor),
            d::taxable_minor.eq(d::taxable_minor + add.taxable_minor),
            d::tax_minor.eq(d::tax_minor + add.tax_minor),
            d::invoiced_minor.eq(d::invoiced_minor + add.invoiced_minor),
            d::credit_notes.eq(d::credit_notes + add.credit_notes),
            d::returned_minor.eq(d::returned_minor + add.returned_minor),
            d::returned_taxable_minor.eq(d::returned_taxable_minor + add.returned_taxable_minor),
            d::returned_tax_minor.eq(d::returned_tax_minor + add.returned_tax_minor),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn add_variant(conn: &mut DbConnection, add: &VariantRow) -> Result<(), AppError> {
    use analytics_variant_daily as v;
    let key = v::table
        .filter(v::day.eq(add.day))
        .filter(v::channel.eq(&add.channel))
        .filter(v::variant_id.eq(&add.variant_id));
    let found: i64 = key.count().get_result(conn)?;
    if found == 0 {
        diesel::insert_into(v::table)
            .values(add.clone())
            .execute(conn)?;
        return Ok(());
    }
    diesel::update(key)
        .set((
            v::units.eq(v::units + add.units),
            v::gross_minor.eq(v::gross_minor + add.gross_minor),
            v::discount_minor.eq(v::discount_minor + add.discount_minor),
            v::net_minor.eq(v::net_minor + add.net_minor),
            v::returned_units.eq(v::returned_units + add.returned_units),
            v::returned_minor.eq(v::returned_minor + add.returned_minor),
        ))
        .execute(conn)?;
    Ok(())
}

/// Adds `add` (a day's row) to its month's row too.
pub fn add_variant_month(conn: &mut DbConnection, add: &VariantRow) -> Result<(), AppError> {
    use analytics_variant_monthly as m;
    let month = add.day.with_day(1).unwrap_or(add.day);
    let key = m::table
        .filter(m::month.eq(month))
        .filter(m::channel.eq(&add.channel))
        .filter(m::variant_id.eq(&add.variant_id));
    let found: i64 = key.count().get_result(conn)?;
    if found == 0 {
        diesel::insert_into(m::table)
            .values((
                m::month.eq(month),
                m::channel.eq(&add.channel),
                m::variant_id.eq(&add.variant_id),
                m::product_id.eq(&add.product_id),
                m::seller_id.eq(&add.seller_id),
                m::units.eq(add.units),
                m::gross_minor.eq(add.gross_minor),
                m::discount_minor.eq(add.discount_minor),
                m::net_minor.eq(add.net_minor),
                m::returned_units.eq(add.returned_units),
                m::returned_minor.eq(add.returned_minor),
            ))
            .execute(conn)?;
        return Ok(());
    }
    diesel::update(key)
        .set((
            m::units.eq(m::units + add.units),
            m::gross_minor.eq(m::gross_minor + add.gross_minor),
            m::discount_minor.eq(m::discount_minor + add.discount_minor),
            m::net_minor.eq(m::net_minor + add.net_minor),
            m::returned_units.eq(m::returned_units + add.returned_units),
            m::returned_minor.eq(m::returned_minor + add.returned_minor),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn add_payment(conn: &mut DbConnection, add: &PaymentRow) -> Result<(), AppError> {
    use analytics_payment_daily as p;
    let key = p::table
        .filter(p::day.eq(add.day))
        .filter(p::method.eq(&add.method));
    let found: i64 = key.count().get_result(conn)?;
    if found == 0 {
        diesel::insert_into(p::table)
            .values(add.clone())
            .execute(conn)?;
        return Ok(());
    }
    diesel::update(key)
        .set((
            p::invoices.eq(p::invoices + add.invoices),
            p::amount_minor.eq(p::amount_minor + add.amount_minor),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn daily(
    conn: &mut DbConnection,
    from: NaiveDate,
    to: NaiveDate,
    channel: Option<&str>,
) -> Result<Vec<DailyRow>, AppError> {
    let mut q = analytics_daily::table
        .filter(analytics_daily::day.between(from, to))
        .order((analytics_daily::day.asc(), analytics_daily::channel.asc()))
        .select(DailyRow::as_select())
        .into_boxed();
    if let Some(c) = channel {
        q = q.filter(analytics_daily::channel.eq(c.to_string()));
    }
    Ok(q.load(conn)?)
}

/// A variant's sales over a window, summed by the database.
#[derive(Debug, Clone, QueryableByName)]
pub struct VariantTotal {
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub variant_id: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub product_id: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub seller_id: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub units: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub gross_minor: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub discount_minor: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub net_minor: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub returned_units: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub returned_minor: i64,
}

/// Each variant's sales over `[from, to]`, summed in the database (a year of daily rows
/// stays in it). `CAST(... AS SIGNED)`: MySQL sums integers as decimals; SQLite keeps
/// them integers either way.
pub fn variant_totals(
    conn: &mut DbConnection,
    from: NaiveDate,
    to: NaiveDate,
    channel: Option<&str>,
) -> Result<Vec<VariantTotal>, AppError> {
    // Whole months from the monthly rows, the partial months at the edges from the days.
    let first_whole = if from.day() == 1 {
        Some(from)
    } else {
        from.with_day(1)
            .and_then(|d| d.checked_add_months(chrono::Months::new(1)))
    };
    let after_last_whole = to
        .succ_opt()
        .filter(|next| next.day() == 1)
        .or_else(|| to.with_day(1));
    let mut out = Vec::new();
    match (first_whole, after_last_whole) {
        (Some(a), Some(b)) if a < b => {
            if from < a {
                out.extend(variant_sums(
                    conn,
                    "analytics_variant_daily",
                    "day",
                    from,
                    a.pred_opt().unwrap_or(a),
                    channel,
                )?);
            }
            out.extend(variant_sums(
                conn,
                "analytics_variant_monthly",
                "month",
                a,
                b.pred_opt().unwrap_or(b),
                channel,
            )?);
            if b <= to {
                out.extend(variant_sums(
                    conn,
                    "analytics_variant_daily",
                    "day",
                    b,
                    to,
                    channel,
                )?);
            }
        }
        _ => out.extend(variant_sums(
            conn,
            "analytics_variant_daily",
            "day",
            from,
            to,
            channel,
        )?),
    }
    Ok(out)
}

/// Each variant's sums over `[from, to]` of `table` (daily or monthly rows, keyed by
/// `column`); both names are constants of this module, never input.
fn variant_sums(
    conn: &mut DbConnection,
    table: &str,
    column: &str,
    from: NaiveDate,
    to: NaiveDate,
    channel: Option<&str>,
) -> Result<Vec<VariantTotal>, AppError> {
    use diesel::sql_types::{Date, Text};
    let sum = |c: &str| format!("CAST(SUM({c}) AS SIGNED) AS {c}");
    let sql = format!(
        "SELECT variant_id, product_id, seller_id, {}, {}, {}, {}, {}, {} \
         FROM {table} WHERE {column} >= ? AND {column} <= ?{} \
         GROUP BY variant_id, product_id, seller_id",
        sum("units"),
        sum("gross_minor"),
        sum("discount_minor"),
        sum("net_minor"),
        sum("returned_units"),
        sum("returned_minor"),
        if channel.is_some() {
            " AND channel = ?"
        } else {
            ""
        }
    );
    let mut q = diesel::sql_query(sql)
        .into_boxed()
        .bind::<Date, _>(from)
        .bind::<Date, _>(to);
    if let Some(c) = channel {
        q = q.bind::<Text, _>(c.to_string());
    }
    Ok(q.load(conn)?)
}

pub fn payments(
    conn: &mut DbConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<PaymentRow>, AppError> {
    Ok(analytics_payment_daily::table
        .filter(analytics_payment_daily::day.between(from, to))
        .select(PaymentRow::as_select())
        .load(conn)?)
}

pub fn documents(
    conn: &mut DbConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<DocumentRow>, AppError> {
    Ok(analytics_documents::table
        .filter(analytics_documents::day.between(from, to))
        .order((
            analytics_documents::day.asc(),
            analytics_documents::number.asc(),
        ))
        .select(DocumentRow::as_select())
        .load(conn)?)
}

pub fn rates_of(
    conn: &mut DbConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(String, RateRow)>, AppError> {
    Ok(analytics_document_rates::table
        .inner_join(
            analytics_documents::table
                .on(analytics_documents::id.eq(analytics_document_rates::document_id)),
        )
        .filter(analytics_documents::day.between(from, to))
        .select((analytics_documents::id, RateRow::as_select()))
        .load(conn)?)
}

/// Empties every analytics table (before a rebuild).
pub fn clear(conn: &mut DbConnection) -> Result<(), AppError> {
    diesel::delete(analytics_document_rates::table).execute(conn)?;
    diesel::delete(analytics_documents::table).execute(conn)?;
    diesel::delete(analytics_daily::table).execute(conn)?;
    diesel::delete(analytics_variant_daily::table).execute(conn)?;
    diesel::delete(analytics_variant_monthly::table).execute(conn)?;
    diesel::delete(analytics_payment_daily::table).execute(conn)?;
    Ok(())
}
