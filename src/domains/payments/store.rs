//! Diesel queries for the payments domain's tables: payments and received webhooks.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error};

use crate::db::DbConnection;
use crate::http::AppError;
use crate::schema::{payment_refunds, payment_webhooks, payments};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize, utoipa::ToSchema)]
#[diesel(table_name = payments)]
pub struct PaymentRow {
    pub id: String,
    pub order_id: String,
    pub method: String,
    /// `created`, `authorized`, `captured`, `failed` or `flagged` (needs staff).
    pub status: String,
    pub amount_minor: i64,
    pub currency: String,
    pub provider_order_id: Option<String>,
    pub provider_payment_id: Option<String>,
    pub refunded_minor: i64,
    pub flag_reason: Option<String>,
    #[schema(value_type = String)]
    pub created_at: NaiveDateTime,
    #[schema(value_type = String)]
    pub updated_at: NaiveDateTime,
    /// A payment taken by hand: the terminal's, UPI or bank reference, or the AWB.
    pub reference: Option<String>,
    /// Who recorded a payment taken by hand.
    pub recorded_by: Option<String>,
    /// The POS register session a counter tender went into.
    pub session_id: Option<String>,
}

pub fn insert(conn: &mut DbConnection, row: &PaymentRow) -> Result<(), AppError> {
    diesel::insert_into(payments::table)
        .values(row.clone())
        .execute(conn)?;
    Ok(())
}

/// The order's open Razorpay attempt (created or authorized), newest first.
pub fn open_attempt(
    conn: &mut DbConnection,
    order_id: &str,
) -> Result<Option<PaymentRow>, AppError> {
    Ok(payments::table
        .filter(payments::order_id.eq(order_id))
        .filter(payments::method.eq("razorpay"))
        .filter(payments::status.eq_any(["created", "authorized"]))
        .order(payments::created_at.desc())
        .select(PaymentRow::as_select())
        .first(conn)
        .optional()?)
}

/// The order's newest Razorpay attempt, whatever its status.
pub fn latest_attempt(
    conn: &mut DbConnection,
    order_id: &str,
) -> Result<Option<PaymentRow>, AppError> {
    Ok(payments::table
        .filter(payments::order_id.eq(order_id))
        .filter(payments::method.eq("razorpay"))
        .order(payments::created_at.desc())
        .select(PaymentRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn by_provider_order(
    conn: &mut DbConnection,
    provider_order_id: &str,
) -> Result<Option<PaymentRow>, AppError> {
    Ok(payments::table
        .filter(payments::provider_order_id.eq(provider_order_id))
        .select(PaymentRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn of_order(conn: &mut DbConnection, order_id: &str) -> Result<Vec<PaymentRow>, AppError> {
    Ok(payments::table
        .filter(payments::order_id.eq(order_id))
        .order(payments::created_at.asc())
        .select(PaymentRow::as_select())
        .load(conn)?)
}

/// Payments newest first (ids are time-ordered), optionally of one status and method,
/// after the id `after`: up to `limit + 1` rows.
pub fn recent(
    conn: &mut DbConnection,
    status: Option<&str>,
    method: Option<&str>,
    after: Option<&str>,
    limit: usize,
) -> Result<Vec<PaymentRow>, AppError> {
    let mut q = payments::table.select(PaymentRow::as_select()).into_boxed();
    if let Some(s) = status {
        q = q.filter(payments::status.eq(s.to_string()));
    }
    if let Some(m) = method {
        q = q.filter(payments::method.eq(m.to_string()));
    }
    if let Some(after) = after {
        q = q.filter(payments::id.lt(after.to_string()));
    }
    Ok(q.order(payments::id.desc())
        .limit(limit as i64 + 1)
        .load(conn)?)
}

/// Moves a payment that is still open (created or authorized) to `status`; false when
/// it was not open any more, so a payment reported twice (browser and webhook) is applied
/// once.
pub fn settle(
    conn: &mut DbConnection,
    id: &str,
    status: &str,
    provider_payment_id: &str,
    flag_reason: Option<&str>,
    now: NaiveDateTime,
) -> Result<bool, AppError> {
    let n = diesel::update(
        payments::table
            .filter(payments::id.eq(id))
            .filter(payments::status.eq_any(["created", "authorized"])),
    )
    .set((
        payments::status.eq(status),
        payments::provider_payment_id.eq(provider_payment_id),
        payments::flag_reason.eq(flag_reason),
        payments::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Marks a payment for staff's attention with the reason.
pub fn flag(conn: &mut DbConnection, id: &str, reason: &str) -> Result<(), AppError> {
    diesel::update(payments::table.filter(payments::id.eq(id)))
        .set((
            payments::status.eq("flagged"),
            payments::flag_reason.eq(reason),
            payments::updated_at.eq(crate::db::now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Records a webhook by its event id; false when that event was received before.
pub fn record_webhook(
    conn: &mut DbConnection,
    event_id: &str,
    event_type: &str,
    payload: &str,
    now: NaiveDateTime,
) -> Result<bool, AppError> {
    let inserted = diesel::insert_into(payment_webhooks::table)
        .values((
            payment_webhooks::event_id.eq(event_id),
            payment_webhooks::provider.eq("razorpay"),
            payment_webhooks::event_type.eq(event_type),
            payment_webhooks::payload.eq(payload),
            payment_webhooks::received_at.eq(now),
        ))
        .execute(conn);
    match inserted {
        Ok(_) => Ok(true),
        Err(Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

pub fn webhook_payload(
    conn: &mut DbConnection,
    event_id: &str,
) -> Result<Option<String>, AppError> {
    Ok(payment_webhooks::table
        .find(event_id)
        .select(payment_webhooks::payload)
        .first(conn)
        .optional()?)
}

pub fn payment(conn: &mut DbConnection, id: &str) -> Result<Option<PaymentRow>, AppError> {
    Ok(payments::table
        .find(id)
        .select(PaymentRow::as_select())
        .first(conn)
        .optional()?)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize, utoipa::ToSchema)]
#[diesel(table_name = payment_refunds)]
pub struct RefundRow {
    pub id: String,
    pub payment_id: String,
    pub order_id: String,
    pub amount_minor: i64,
    /// `pending` (the provider was asked), `processed` or `failed`.
    pub status: String,
    pub provider_refund_id: Option<String>,
    pub reason: Option<String>,
    pub return_id: Option<String>,
    #[schema(value_type = String)]
    pub created_at: NaiveDateTime,
    #[schema(value_type = String)]
    pub updated_at: NaiveDateTime,
}

pub fn refund(conn: &mut DbConnection, id: &str) -> Result<Option<RefundRow>, AppError> {
    Ok(payment_refunds::table
        .find(id)
        .select(RefundRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn insert_refund(conn: &mut DbConnection, row: &RefundRow) -> Result<(), AppError> {
    diesel::insert_into(payment_refunds::table)
        .values(row.clone())
        .execute(conn)?;
    Ok(())
}

/// Holds `amount` of a captured payment for a refund; false when less than that is left.
pub fn hold_refund(
    conn: &mut DbConnection,
    payment_id: &str,
    amount: i64,
) -> Result<bool, AppError> {
    let n = diesel::update(
        payments::table
            .filter(payments::id.eq(payment_id))
            .filter(payments::status.eq("captured"))
            .filter((payments::refunded_minor + amount).le(payments::amount_minor)),
    )
    .set(payments::refunded_minor.eq(payments::refunded_minor + amount))
    .execute(conn)?;
    Ok(n == 1)
}

/// Marks a pending refund processed; false when it was processed already.
pub fn refund_processed(
    conn: &mut DbConnection,
    id: &str,
    provider_refund_id: &str,
    now: NaiveDateTime,
) -> Result<bool, AppError> {
    let n = diesel::update(
        payment_refunds::table
            .filter(payment_refunds::id.eq(id))
            .filter(payment_refunds::status.eq("pending")),
    )
    .set((
        payment_refunds::status.eq("processed"),
        payment_refunds::provider_refund_id.eq(provider_refund_id),
        payment_refunds::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn refunds_of(conn: &mut DbConnection, payment_id: &str) -> Result<Vec<RefundRow>, AppError> {
    Ok(payment_refunds::table
        .filter(payment_refunds::payment_id.eq(payment_id))
        .order(payment_refunds::created_at.asc())
        .select(RefundRow::as_select())
        .load(conn)?)
}

/// Razorpay attempts created in a window (naive UTC).
pub fn attempts_between(
    conn: &mut DbConnection,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> Result<Vec<PaymentRow>, AppError> {
    Ok(payments::table
        .filter(payments::method.eq("razorpay"))
        .filter(payments::created_at.ge(from))
        .filter(payments::created_at.lt(to))
        .select(PaymentRow::as_select())
        .load(conn)?)
}

pub fn by_provider_orders(
    conn: &mut DbConnection,
    ids: &[String],
) -> Result<Vec<PaymentRow>, AppError> {
    Ok(payments::table
        .filter(payments::provider_order_id.eq_any(ids))
        .select(PaymentRow::as_select())
        .load(conn)?)
}

/// Marks a pending refund failed and frees the amount it held.
pub fn refund_failed(
    conn: &mut DbConnection,
    id: &str,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    let Some(row) = refund(conn, id)?.filter(|r| r.status == "pending") else {
        return Ok(());
    };
    diesel::update(payment_refunds::table.filter(payment_refunds::id.eq(id)))
        .set((
            payment_refunds::status.eq("failed"),
            payment_refunds::updated_at.eq(now),
        ))
        .execute(conn)?;
    diesel::update(payments::table.filter(payments::id.eq(&row.payment_id)))
        .set(payments::refunded_minor.eq(payments::refunded_minor - row.amount_minor))
        .execute(conn)?;
    Ok(())
}
