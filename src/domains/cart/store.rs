//! Diesel queries for the cart domain's tables: carts and their lines, discount codes and
//! their redemptions, POS registers, sessions and tenders.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::{CartRow, DiscountRow, RegisterRow, SessionRow};
use crate::db::{DbConnection, new_id};
use crate::http::AppError;
use crate::schema::{
    cart_lines, carts, discount_codes, discount_redemptions, pos_registers, pos_sessions,
    pos_tenders, pos_tickets,
};

pub fn insert_cart(conn: &mut DbConnection, row: &CartRow) -> Result<(), AppError> {
    diesel::insert_into(carts::table)
        .values(row.clone())
        .execute(conn)?;
    Ok(())
}

pub fn cart(conn: &mut DbConnection, id: &str) -> Result<Option<CartRow>, AppError> {
    Ok(carts::table
        .find(id)
        .select(CartRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn cart_by_token(conn: &mut DbConnection, hash: &str) -> Result<Option<CartRow>, AppError> {
    Ok(carts::table
        .filter(carts::token_hash.eq(hash))
        .select(CartRow::as_select())
        .first(conn)
        .optional()?)
}

/// The customer's open web cart (the newest, should there be two).
pub fn customer_cart(
    conn: &mut DbConnection,
    customer_id: &str,
) -> Result<Option<CartRow>, AppError> {
    Ok(carts::table
        .filter(carts::customer_id.eq(customer_id))
        .filter(carts::channel.eq("web"))
        .filter(carts::status.eq("open"))
        .order(carts::id.desc())
        .select(CartRow::as_select())
        .first(conn)
        .optional()?)
}

/// The open cart of a POS session.
pub fn session_cart(
    conn: &mut DbConnection,
    session_id: &str,
) -> Result<Option<CartRow>, AppError> {
    Ok(carts::table
        .filter(carts::register_session_id.eq(session_id))
        .filter(carts::status.eq("open"))
        .select(CartRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn lines(conn: &mut DbConnection, cart_id: &str) -> Result<Vec<(String, i64)>, AppError> {
    Ok(cart_lines::table
        .filter(cart_lines::cart_id.eq(cart_id))
        .order(cart_lines::added_at.asc())
        .select((cart_lines::variant_id, cart_lines::quantity))
        .load(conn)?)
}

/// Sets a line's quantity (0 removes it); the caller touches the cart. `exists` says whether the line is there (the
/// caller read the lines in this transaction): an `UPDATE` that matches nothing would take
/// a gap lock on MySQL, and two carts inserting into that gap then deadlock.
pub fn set_line(
    conn: &mut DbConnection,
    cart_id: &str,
    variant_id: &str,
    quantity: i64,
    exists: bool,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    let target = cart_lines::table
        .filter(cart_lines::cart_id.eq(cart_id))
        .filter(cart_lines::variant_id.eq(variant_id));
    if quantity == 0 {
        if exists {
            diesel::delete(target).execute(conn)?;
        }
    } else if exists {
        diesel::update(target)
            .set(cart_lines::quantity.eq(quantity))
            .execute(conn)?;
    } else {
        diesel::insert_into(cart_lines::table)
            .values((
                cart_lines::cart_id.eq(cart_id),
                cart_lines::variant_id.eq(variant_id),
                cart_lines::quantity.eq(quantity),
                cart_lines::added_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Makes a guest cart the customer's; its token no longer finds it.
pub fn adopt_cart(
    conn: &mut DbConnection,
    cart_id: &str,
    customer_id: &str,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    diesel::update(carts::table.filter(carts::id.eq(cart_id)))
        .set((
            carts::customer_id.eq(customer_id),
            carts::token_hash.eq(None::<String>),
            carts::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn touch(conn: &mut DbConnection, cart_id: &str, now: NaiveDateTime) -> Result<(), AppError> {
    diesel::update(carts::table.filter(carts::id.eq(cart_id)))
        .set(carts::updated_at.eq(now))
        .execute(conn)?;
    Ok(())
}

pub fn set_discount_code(
    conn: &mut DbConnection,
    cart_id: &str,
    code: Option<&str>,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    diesel::update(carts::table.filter(carts::id.eq(cart_id)))
        .set((carts::discount_code.eq(code), carts::updated_at.eq(now)))
        .execute(conn)?;
    Ok(())
}

pub fn set_details(
    conn: &mut DbConnection,
    cart_id: &str,
    details: &str,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    diesel::update(carts::table.filter(carts::id.eq(cart_id)))
        .set((carts::details.eq(details), carts::updated_at.eq(now)))
        .execute(conn)?;
    Ok(())
}

/// Moves an open cart to `status` (`converted` with its order, or `merged`); false when it
/// was not open any more: a concurrent checkout took it.
pub fn close_cart(
    conn: &mut DbConnection,
    cart_id: &str,
    status: &str,
    order_id: Option<&str>,
    now: NaiveDateTime,
) -> Result<bool, AppError> {
    let n = diesel::update(
        carts::table
            .filter(carts::id.eq(cart_id))
            .filter(carts::status.eq("open")),
    )
    .set((
        carts::status.eq(status),
        carts::order_id.eq(order_id),
        carts::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

// ---- discount codes ----

pub fn insert_discount(conn: &mut DbConnection, row: &DiscountRow) -> Result<(), AppError> {
    diesel::insert_into(discount_codes::table)
        .values(row.clone())
        .execute(conn)?;
    Ok(())
}

/// Writes a code's terms (never its use count, which checkouts move).
pub fn update_discount_terms(conn: &mut DbConnection, row: &DiscountRow) -> Result<(), AppError> {
    diesel::update(discount_codes::table.filter(discount_codes::id.eq(&row.id)))
        .set((
            discount_codes::kind.eq(&row.kind),
            discount_codes::value.eq(row.value),
            discount_codes::min_order_minor.eq(row.min_order_minor),
            discount_codes::starts_at.eq(row.starts_at),
            discount_codes::ends_at.eq(row.ends_at),
            discount_codes::max_uses.eq(row.max_uses),
            discount_codes::max_uses_per_customer.eq(row.max_uses_per_customer),
            discount_codes::active.eq(row.active),
            discount_codes::updated_at.eq(row.updated_at),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn discount_by_code(
    conn: &mut DbConnection,
    code: &str,
) -> Result<Option<DiscountRow>, AppError> {
    Ok(discount_codes::table
        .filter(discount_codes::code.eq(code))
        .select(DiscountRow::as_select())
        .first(conn)
        .optional()?)
}

/// Active discount codes (at most 500, by code): what counter devices may apply.
pub fn active_discounts(conn: &mut DbConnection) -> Result<Vec<DiscountRow>, AppError> {
    Ok(discount_codes::table
        .filter(discount_codes::active.eq(true))
        .order(discount_codes::code.asc())
        .limit(500)
        .select(DiscountRow::as_select())
        .load(conn)?)
}

pub fn list_discounts(
    conn: &mut DbConnection,
    after: Option<&str>,
    limit: usize,
) -> Result<Vec<DiscountRow>, AppError> {
    let mut q = discount_codes::table
        .select(DiscountRow::as_select())
        .order(discount_codes::code.asc())
        .limit(limit as i64 + 1)
        .into_boxed();
    if let Some(after) = after {
        q = q.filter(discount_codes::code.gt(after.to_string()));
    }
    Ok(q.load(conn)?)
}

/// Takes one use of the code if any is left and it is live at `now`; false otherwise.
/// The conditional update is the lock: concurrent checkouts queue on the row and the
/// limit holds on both backends.
pub fn take_discount_use(
    conn: &mut DbConnection,
    id: &str,
    now: NaiveDateTime,
) -> Result<bool, AppError> {
    let n = diesel::update(
        discount_codes::table
            .filter(discount_codes::id.eq(id))
            .filter(discount_codes::active.eq(true))
            .filter(
                discount_codes::max_uses
                    .is_null()
                    .or(discount_codes::used_count.lt(discount_codes::max_uses.assume_not_null())),
            )
            .filter(
                discount_codes::starts_at
                    .is_null()
                    .or(discount_codes::starts_at.le(now)),
            )
            .filter(
                discount_codes::ends_at
                    .is_null()
                    .or(discount_codes::ends_at.gt(now)),
            ),
    )
    .set((
        discount_codes::used_count.eq(discount_codes::used_count + 1),
        discount_codes::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn redemptions_by(
    conn: &mut DbConnection,
    discount_id: &str,
    customer_id: &str,
) -> Result<i64, AppError> {
    Ok(discount_redemptions::table
        .filter(discount_redemptions::discount_id.eq(discount_id))
        .filter(discount_redemptions::customer_id.eq(customer_id))
        .count()
        .get_result(conn)?)
}

pub fn insert_redemption(
    conn: &mut DbConnection,
    discount_id: &str,
    order_id: &str,
    customer_id: Option<&str>,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    diesel::insert_into(discount_redemptions::table)
        .values((
            discount_redemptions::id.eq(new_id()),
            discount_redemptions::discount_id.eq(discount_id),
            discount_redemptions::order_id.eq(order_id),
            discount_redemptions::customer_id.eq(customer_id),
            discount_redemptions::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Gives back the discount use an order took (the order was cancelled); false when it
/// took none or it was given back already.
pub fn give_back_discount(conn: &mut DbConnection, order_id: &str) -> Result<bool, AppError> {
    let Some(discount_id) = discount_redemptions::table
        .filter(discount_redemptions::order_id.eq(order_id))
        .select(discount_redemptions::discount_id)
        .first::<String>(conn)
        .optional()?
    else {
        return Ok(false);
    };
    diesel::delete(discount_redemptions::table.filter(discount_redemptions::order_id.eq(order_id)))
        .execute(conn)?;
    diesel::update(
        discount_codes::table
            .filter(discount_codes::id.eq(&discount_id))
            .filter(discount_codes::used_count.gt(0)),
    )
    .set(discount_codes::used_count.eq(discount_codes::used_count - 1))
    .execute(conn)?;
    Ok(true)
}

// ---- POS ----

pub fn insert_register(conn: &mut DbConnection, row: &RegisterRow) -> Result<(), AppError> {
    diesel::insert_into(pos_registers::table)
        .values(row.clone())
        .execute(conn)?;
    Ok(())
}

pub fn register(conn: &mut DbConnection, id: &str) -> Result<Option<RegisterRow>, AppError> {
    Ok(pos_registers::table
        .find(id)
        .select(RegisterRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn registers(conn: &mut DbConnection) -> Result<Vec<RegisterRow>, AppError> {
    Ok(pos_registers::table
        .order(pos_registers::name.asc())
        .limit(500)
        .select(RegisterRow::as_select())
        .load(conn)?)
}

pub fn register_name_taken(conn: &mut DbConnection, name: &str) -> Result<bool, AppError> {
    Ok(pos_registers::table
        .filter(pos_registers::name.eq(name))
        .count()
        .get_result::<i64>(conn)?
        > 0)
}

pub fn insert_session(conn: &mut DbConnection, row: &SessionRow) -> Result<(), AppError> {
    diesel::insert_into(pos_sessions::table)
        .values(row.clone())
        .execute(conn)?;
    Ok(())
}

pub fn session(conn: &mut DbConnection, id: &str) -> Result<Option<SessionRow>, AppError> {
    Ok(pos_sessions::table
        .find(id)
        .select(SessionRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn open_session_of(
    conn: &mut DbConnection,
    register_id: &str,
) -> Result<Option<SessionRow>, AppError> {
    Ok(pos_sessions::table
        .filter(pos_sessions::open_register_id.eq(register_id))
        .select(SessionRow::as_select())
        .first(conn)
        .optional()?)
}

/// Closes an open session with its count and report; false when it was not open.
pub fn close_session(
    conn: &mut DbConnection,
    id: &str,
    closed_by: &str,
    counted: i64,
    expected: i64,
    report: &str,
    now: NaiveDateTime,
) -> Result<bool, AppError> {
    let n = diesel::update(
        pos_sessions::table
            .filter(pos_sessions::id.eq(id))
            .filter(pos_sessions::status.eq("open")),
    )
    .set((
        pos_sessions::status.eq("closed"),
        pos_sessions::open_register_id.eq(None::<String>),
        pos_sessions::closed_by.eq(closed_by),
        pos_sessions::closed_at.eq(now),
        pos_sessions::counted_cash_minor.eq(counted),
        pos_sessions::expected_cash_minor.eq(expected),
        pos_sessions::report.eq(report),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

pub struct NewTender<'a> {
    pub session_id: &'a str,
    pub order_id: &'a str,
    pub kind: &'a str,
    pub amount_minor: i64,
    pub tendered_minor: i64,
    pub reference: Option<&'a str>,
}

pub fn insert_tender(
    conn: &mut DbConnection,
    t: &NewTender<'_>,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    diesel::insert_into(pos_tenders::table)
        .values((
            pos_tenders::id.eq(new_id()),
            pos_tenders::session_id.eq(t.session_id),
            pos_tenders::order_id.eq(t.order_id),
            pos_tenders::kind.eq(t.kind),
            pos_tenders::amount_minor.eq(t.amount_minor),
            pos_tenders::tendered_minor.eq(t.tendered_minor),
            pos_tenders::reference.eq(t.reference),
            pos_tenders::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// (kind, order id, amount applied) of every tender of a session.
pub fn tenders_of(
    conn: &mut DbConnection,
    session_id: &str,
) -> Result<Vec<(String, String, i64)>, AppError> {
    Ok(pos_tenders::table
        .filter(pos_tenders::session_id.eq(session_id))
        .select((
            pos_tenders::kind,
            pos_tenders::order_id,
            pos_tenders::amount_minor,
        ))
        .load(conn)?)
}

/// The carts a session sold (their details carry each sale's totals).
pub fn session_sales(conn: &mut DbConnection, session_id: &str) -> Result<Vec<CartRow>, AppError> {
    Ok(carts::table
        .filter(carts::register_session_id.eq(session_id))
        .filter(carts::status.eq("converted"))
        .select(CartRow::as_select())
        .load(conn)?)
}

/// A counter sale sent whole by a device.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = pos_tickets)]
pub struct TicketRow {
    pub id: String,
    pub device_id: String,
    pub ticket_id: String,
    pub session_id: String,
    pub order_id: String,
    pub offline: bool,
    pub flagged: bool,
    pub flags: String,
    pub sold_at: NaiveDateTime,
    pub received_at: NaiveDateTime,
}

pub fn ticket(
    conn: &mut DbConnection,
    device_id: &str,
    ticket_id: &str,
) -> Result<Option<TicketRow>, AppError> {
    Ok(pos_tickets::table
        .filter(pos_tickets::device_id.eq(device_id))
        .filter(pos_tickets::ticket_id.eq(ticket_id))
        .select(TicketRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn insert_ticket(conn: &mut DbConnection, row: &TicketRow) -> Result<(), AppError> {
    diesel::insert_into(pos_tickets::table)
        .values(row.clone())
        .execute(conn)?;
    Ok(())
}

/// The newest `limit` tickets; only flagged ones with `flagged`.
pub fn tickets(
    conn: &mut DbConnection,
    flagged: bool,
    limit: i64,
) -> Result<Vec<TicketRow>, AppError> {
    let mut q = pos_tickets::table
        .select(TicketRow::as_select())
        .order((pos_tickets::received_at.desc(), pos_tickets::id.desc()))
        .limit(limit)
        .into_boxed();
    if flagged {
        q = q.filter(pos_tickets::flagged.eq(true));
    }
    Ok(q.load(conn)?)
}

/// Open sessions by register id.
pub fn open_sessions(conn: &mut DbConnection) -> Result<Vec<SessionRow>, AppError> {
    Ok(pos_sessions::table
        .filter(pos_sessions::status.eq("open"))
        .limit(500)
        .select(SessionRow::as_select())
        .load(conn)?)
}
