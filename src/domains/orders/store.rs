//! Diesel queries for the orders domain's tables: orders, their lines and timeline,
//! invoices and credit notes, and returns.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::{EventRow, InvoiceRow, LineRow, OrderRow, ReturnRow, Status};
use crate::db::{DbConnection, new_id};
use crate::http::AppError;
use crate::schema::{invoices, order_events, order_lines, order_returns, orders};

pub fn insert_order(conn: &mut DbConnection, row: &OrderRow) -> Result<(), AppError> {
    diesel::insert_into(orders::table)
        .values(row.clone())
        .execute(conn)?;
    Ok(())
}

pub fn insert_line(conn: &mut DbConnection, row: &LineRow) -> Result<(), AppError> {
    diesel::insert_into(order_lines::table)
        .values(row.clone())
        .execute(conn)?;
    Ok(())
}

pub fn insert_event(
    conn: &mut DbConnection,
    order_id: &str,
    from: Option<Status>,
    to: Status,
    actor: &str,
    note: Option<&str>,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    diesel::insert_into(order_events::table)
        .values(EventRow {
            id: new_id(),
            order_id: order_id.to_string(),
            from_status: from.map(|s| s.as_str().to_string()),
            to_status: to.as_str().to_string(),
            actor: actor.to_string(),
            note: note.map(str::to_string),
            created_at: now,
        })
        .execute(conn)?;
    Ok(())
}

pub fn order(conn: &mut DbConnection, id: &str) -> Result<Option<OrderRow>, AppError> {
    Ok(orders::table
        .find(id)
        .select(OrderRow::as_select())
        .first(conn)
        .optional()?)
}

/// (id, number) of the orders among `ids`.
pub fn numbers(conn: &mut DbConnection, ids: &[String]) -> Result<Vec<(String, String)>, AppError> {
    Ok(orders::table
        .filter(orders::id.eq_any(ids))
        .select((orders::id, orders::number))
        .load(conn)?)
}

pub fn lines(conn: &mut DbConnection, order_id: &str) -> Result<Vec<LineRow>, AppError> {
    Ok(order_lines::table
        .filter(order_lines::order_id.eq(order_id))
        .order(order_lines::line_no.asc())
        .select(LineRow::as_select())
        .load(conn)?)
}

pub fn events(conn: &mut DbConnection, order_id: &str) -> Result<Vec<EventRow>, AppError> {
    Ok(order_events::table
        .filter(order_events::order_id.eq(order_id))
        .order((order_events::created_at.asc(), order_events::id.asc()))
        .select(EventRow::as_select())
        .load(conn)?)
}

/// Moves the order from `from` to `to`; false when it is no longer in `from` (a
/// concurrent change won), so two writers can never both move it.
pub fn set_status(
    conn: &mut DbConnection,
    id: &str,
    from: Status,
    to: Status,
    now: NaiveDateTime,
) -> Result<bool, AppError> {
    let n = diesel::update(
        orders::table
            .filter(orders::id.eq(id))
            .filter(orders::status.eq(from.as_str())),
    )
    .set((orders::status.eq(to.as_str()), orders::updated_at.eq(now)))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn set_details(
    conn: &mut DbConnection,
    id: &str,
    details: &str,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    diesel::update(orders::table.filter(orders::id.eq(id)))
        .set((orders::details.eq(details), orders::updated_at.eq(now)))
        .execute(conn)?;
    Ok(())
}

pub fn add_refunded(conn: &mut DbConnection, id: &str, amount: i64) -> Result<(), AppError> {
    diesel::update(orders::table.filter(orders::id.eq(id)))
        .set(orders::refunded_minor.eq(orders::refunded_minor + amount))
        .execute(conn)?;
    Ok(())
}

/// Marks `quantity` more of a line fulfilled; false when that would exceed the line.
pub fn add_fulfilled(
    conn: &mut DbConnection,
    order_id: &str,
    line_no: i32,
    quantity: i64,
) -> Result<bool, AppError> {
    let n = diesel::update(
        order_lines::table
            .filter(order_lines::order_id.eq(order_id))
            .filter(order_lines::line_no.eq(line_no))
            .filter((order_lines::fulfilled_quantity + quantity).le(order_lines::quantity)),
    )
    .set(order_lines::fulfilled_quantity.eq(order_lines::fulfilled_quantity + quantity))
    .execute(conn)?;
    Ok(n == 1)
}

/// Takes `quantity` back off a line's fulfilled count (goods that came back undelivered);
/// false when fewer were fulfilled.
pub fn take_fulfilled(
    conn: &mut DbConnection,
    order_id: &str,
    line_no: i32,
    quantity: i64,
) -> Result<bool, AppError> {
    let n = diesel::update(
        order_lines::table
            .filter(order_lines::order_id.eq(order_id))
            .filter(order_lines::line_no.eq(line_no))
            .filter(order_lines::fulfilled_quantity.ge(quantity)),
    )
    .set(order_lines::fulfilled_quantity.eq(order_lines::fulfilled_quantity - quantity))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn by_number(conn: &mut DbConnection, number: &str) -> Result<Option<OrderRow>, AppError> {
    Ok(orders::table
        .filter(orders::number.eq(number))
        .select(OrderRow::as_select())
        .first(conn)
        .optional()?)
}

/// Filters of the staff order list.
#[derive(Debug, Clone, Default)]
pub struct OrderFilter {
    /// Part of the number, e-mail or phone (checked: no `%`).
    pub q: Option<String>,
    pub status: Option<String>,
    pub channel: Option<String>,
    pub customer_id: Option<String>,
    pub from: Option<NaiveDateTime>,
    pub to: Option<NaiveDateTime>,
    /// Only orders with a line of this seller.
    pub seller_id: Option<String>,
}

/// Newest first, `limit + 1` rows after the cursor id.
pub fn list(
    conn: &mut DbConnection,
    filter: &OrderFilter,
    after: Option<&str>,
    limit: usize,
) -> Result<Vec<OrderRow>, AppError> {
    let mut q = orders::table.select(OrderRow::as_select()).into_boxed();
    if let Some(s) = &filter.status {
        q = q.filter(orders::status.eq(s.clone()));
    }
    if let Some(c) = &filter.channel {
        q = q.filter(orders::channel.eq(c.clone()));
    }
    if let Some(text) = &filter.q {
        q = q.filter(
            orders::number
                .like(format!("%{}%", text.to_ascii_uppercase()))
                .or(orders::details.like(format!("%{text}%"))),
        );
    }
    if let Some(c) = &filter.customer_id {
        q = q.filter(orders::customer_id.eq(c.clone()));
    }
    if let Some(from) = filter.from {
        q = q.filter(orders::created_at.ge(from));
    }
    if let Some(to) = filter.to {
        q = q.filter(orders::created_at.lt(to));
    }
    if let Some(seller) = &filter.seller_id {
        q = q.filter(
            orders::id.eq_any(
                order_lines::table
                    .filter(order_lines::seller_id.eq(seller.clone()))
                    .select(order_lines::order_id),
            ),
        );
    }
    if let Some(after) = after {
        q = q.filter(orders::id.lt(after.to_string()));
    }
    Ok(q.order(orders::id.desc())
        .limit(limit as i64 + 1)
        .load(conn)?)
}

/// Σ line totals per order over one seller's lines.
pub fn seller_totals(
    conn: &mut DbConnection,
    order_ids: &[String],
    seller_id: &str,
) -> Result<Vec<(String, i64)>, AppError> {
    let rows: Vec<(String, i64, i64, i64, i64)> = order_lines::table
        .filter(order_lines::order_id.eq_any(order_ids))
        .filter(order_lines::seller_id.eq(seller_id))
        .select((
            order_lines::order_id,
            order_lines::taxable_minor,
            order_lines::cgst_minor,
            order_lines::sgst_minor,
            order_lines::igst_minor,
        ))
        .load(conn)?;
    let mut sums: std::collections::BTreeMap<String, i64> = Default::default();
    for (id, a, b, c, d) in rows {
        *sums.entry(id).or_default() += a + b + c + d;
    }
    Ok(sums.into_iter().collect())
}

/// Web orders still unpaid that were placed before `before`.
pub fn unpaid_before(
    conn: &mut DbConnection,
    before: NaiveDateTime,
    limit: i64,
) -> Result<Vec<String>, AppError> {
    Ok(orders::table
        .filter(orders::status.eq(Status::PendingPayment.as_str()))
        .filter(orders::created_at.lt(before))
        .filter(orders::channel.eq("web"))
        .select(orders::id)
        .order(orders::created_at.asc())
        .limit(limit)
        .load(conn)?)
}

// ---- invoices ----

pub fn insert_invoice(conn: &mut DbConnection, row: &InvoiceRow) -> Result<(), AppError> {
    diesel::insert_into(invoices::table)
        .values(row.clone())
        .execute(conn)?;
    Ok(())
}

pub fn invoice(conn: &mut DbConnection, id: &str) -> Result<Option<InvoiceRow>, AppError> {
    Ok(invoices::table
        .find(id)
        .select(InvoiceRow::as_select())
        .first(conn)
        .optional()?)
}

/// Invoices and credit notes in id order after `after`.
pub fn invoices_after(
    conn: &mut DbConnection,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<InvoiceRow>, AppError> {
    let mut q = invoices::table
        .order(invoices::id.asc())
        .limit(limit)
        .select(InvoiceRow::as_select())
        .into_boxed();
    if let Some(a) = after {
        q = q.filter(invoices::id.gt(a.to_string()));
    }
    Ok(q.load(conn)?)
}

/// Invoices and credit notes newest first (ids are time-ordered): of one kind, issued in
/// `[from, to)`, whose number contains `number`, after the id `after`; up to `limit + 1`.
pub fn documents(
    conn: &mut DbConnection,
    filter: &DocumentFilter,
    after: Option<&str>,
    limit: usize,
) -> Result<Vec<InvoiceRow>, AppError> {
    let mut q = invoices::table.select(InvoiceRow::as_select()).into_boxed();
    if let Some(k) = &filter.kind {
        q = q.filter(invoices::kind.eq(k.clone()));
    }
    if let Some(from) = filter.from {
        q = q.filter(invoices::issued_at.ge(from));
    }
    if let Some(to) = filter.to {
        q = q.filter(invoices::issued_at.lt(to));
    }
    if let Some(n) = &filter.number {
        // Checked by the service: letters, digits, `/` and `-` only, so no LIKE wildcard.
        q = q.filter(invoices::number.like(format!("%{}%", n.to_ascii_uppercase())));
    }
    if let Some(after) = after {
        q = q.filter(invoices::id.lt(after.to_string()));
    }
    Ok(q.order(invoices::id.desc())
        .limit(limit as i64 + 1)
        .load(conn)?)
}

#[derive(Debug, Default)]
pub struct DocumentFilter {
    pub kind: Option<String>,
    pub from: Option<NaiveDateTime>,
    pub to: Option<NaiveDateTime>,
    pub number: Option<String>,
}

pub fn invoices_of(conn: &mut DbConnection, order_id: &str) -> Result<Vec<InvoiceRow>, AppError> {
    Ok(invoices::table
        .filter(invoices::order_id.eq(order_id))
        .order(invoices::issued_at.asc())
        .select(InvoiceRow::as_select())
        .load(conn)?)
}

// ---- returns ----

pub fn insert_return(conn: &mut DbConnection, row: &ReturnRow) -> Result<(), AppError> {
    diesel::insert_into(order_returns::table)
        .values(row.clone())
        .execute(conn)?;
    Ok(())
}

pub fn return_row(conn: &mut DbConnection, id: &str) -> Result<Option<ReturnRow>, AppError> {
    Ok(order_returns::table
        .find(id)
        .select(ReturnRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn returns_of(conn: &mut DbConnection, order_id: &str) -> Result<Vec<ReturnRow>, AppError> {
    Ok(order_returns::table
        .filter(order_returns::order_id.eq(order_id))
        .order(order_returns::created_at.asc())
        .select(ReturnRow::as_select())
        .load(conn)?)
}

/// Moves a return from `from` to `to`; false when a concurrent change moved it first.
pub fn set_return_status(
    conn: &mut DbConnection,
    id: &str,
    from: &str,
    to: &str,
    now: NaiveDateTime,
) -> Result<bool, AppError> {
    let n = diesel::update(
        order_returns::table
            .filter(order_returns::id.eq(id))
            .filter(order_returns::status.eq(from)),
    )
    .set((
        order_returns::status.eq(to),
        order_returns::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

pub struct ReceivedReturn<'a> {
    pub refund_minor: i64,
    pub location_id: Option<&'a str>,
    pub disposition: &'a str,
    pub credit_note_id: &'a str,
    pub exchange_order_id: Option<&'a str>,
}

pub fn mark_return_received(
    conn: &mut DbConnection,
    id: &str,
    r: &ReceivedReturn<'_>,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    diesel::update(order_returns::table.filter(order_returns::id.eq(id)))
        .set((
            order_returns::refund_minor.eq(r.refund_minor),
            order_returns::location_id.eq(r.location_id),
            order_returns::disposition.eq(r.disposition),
            order_returns::credit_note_id.eq(r.credit_note_id),
            order_returns::exchange_order_id.eq(r.exchange_order_id),
            order_returns::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}
