//! Diesel queries for the shipping domain's tables only.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::{EventRow, ShipmentRow, ZoneRow};
use crate::db::DbConnection;
use crate::http::AppError;
use crate::schema::{shipment_events, shipments, shipping_zones};

pub fn zones(conn: &mut DbConnection, active_only: bool) -> Result<Vec<ZoneRow>, AppError> {
    let mut q = shipping_zones::table
        .select(ZoneRow::as_select())
        .order((shipping_zones::position.asc(), shipping_zones::id.asc()))
        .into_boxed();
    if active_only {
        q = q.filter(shipping_zones::active.eq(true));
    }
    Ok(q.load(conn)?)
}

pub fn insert_zone(conn: &mut DbConnection, row: &ZoneRow) -> Result<(), AppError> {
    diesel::insert_into(shipping_zones::table)
        .values(row.clone())
        .execute(conn)?;
    Ok(())
}

pub fn replace_zone(conn: &mut DbConnection, row: &ZoneRow) -> Result<bool, AppError> {
    let n = diesel::update(shipping_zones::table.filter(shipping_zones::id.eq(&row.id)))
        .set((
            shipping_zones::name.eq(&row.name),
            shipping_zones::position.eq(row.position),
            shipping_zones::active.eq(row.active),
            shipping_zones::area.eq(&row.area),
            shipping_zones::rates.eq(&row.rates),
            shipping_zones::updated_at.eq(row.updated_at),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

pub fn delete_zone(conn: &mut DbConnection, id: &str) -> Result<bool, AppError> {
    Ok(diesel::delete(shipping_zones::table.filter(shipping_zones::id.eq(id))).execute(conn)? == 1)
}

pub fn insert_shipment(conn: &mut DbConnection, row: &ShipmentRow) -> Result<(), AppError> {
    diesel::insert_into(shipments::table)
        .values(row.clone())
        .execute(conn)?;
    Ok(())
}

pub fn shipment(conn: &mut DbConnection, id: &str) -> Result<Option<ShipmentRow>, AppError> {
    Ok(shipments::table
        .filter(shipments::id.eq(id))
        .select(ShipmentRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn by_tracking(
    conn: &mut DbConnection,
    carrier: &str,
    tracking_number: &str,
) -> Result<Option<ShipmentRow>, AppError> {
    Ok(shipments::table
        .filter(shipments::carrier.eq(carrier))
        .filter(shipments::tracking_number.eq(tracking_number))
        .select(ShipmentRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn of_order(conn: &mut DbConnection, order_id: &str) -> Result<Vec<ShipmentRow>, AppError> {
    Ok(shipments::table
        .filter(shipments::order_id.eq(order_id))
        .order(shipments::created_at.asc())
        .select(ShipmentRow::as_select())
        .load(conn)?)
}

pub fn count_of_order(conn: &mut DbConnection, order_id: &str) -> Result<i64, AppError> {
    Ok(shipments::table
        .filter(shipments::order_id.eq(order_id))
        .count()
        .get_result(conn)?)
}

/// Locks the order's shipments (an update that changes nothing visible), so two tracking
/// events of one order are applied one after the other and the last parcel's delivery
/// sees every other parcel's.
pub fn lock_order_shipments(conn: &mut DbConnection, order_id: &str) -> Result<(), AppError> {
    diesel::update(shipments::table.filter(shipments::order_id.eq(order_id)))
        .set(shipments::order_id.eq(order_id))
        .execute(conn)?;
    Ok(())
}

pub fn set_status(
    conn: &mut DbConnection,
    id: &str,
    status: &str,
    status_at: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    diesel::update(shipments::table.filter(shipments::id.eq(id)))
        .set((
            shipments::status.eq(status),
            shipments::status_at.eq(status_at),
            shipments::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn events(conn: &mut DbConnection, shipment_id: &str) -> Result<Vec<EventRow>, AppError> {
    Ok(shipment_events::table
        .filter(shipment_events::shipment_id.eq(shipment_id))
        .order((
            shipment_events::occurred_at.asc(),
            shipment_events::created_at.asc(),
        ))
        .select(EventRow::as_select())
        .load(conn)?)
}

/// Whether the carrier's event was recorded before.
pub fn seen(conn: &mut DbConnection, source: &str, external_id: &str) -> Result<bool, AppError> {
    let n: i64 = shipment_events::table
        .filter(shipment_events::source.eq(source))
        .filter(shipment_events::external_id.eq(external_id))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Records a tracking event; false when the carrier's event id was recorded already (a
/// replay racing this one).
pub fn insert_event(conn: &mut DbConnection, row: &EventRow) -> Result<bool, AppError> {
    use diesel::result::{DatabaseErrorKind, Error};
    match diesel::insert_into(shipment_events::table)
        .values(row.clone())
        .execute(conn)
    {
        Ok(_) => Ok(true),
        Err(Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => Ok(false),
        Err(e) => Err(e.into()),
    }
}
