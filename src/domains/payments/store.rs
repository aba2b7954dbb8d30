//! Diesel queries for the payments domain's tables: payments and received webhooks.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error};

use crate::db::DbConnection;
use crate::http::AppError;
use crate::schema::{payment_webhooks, payments};

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
