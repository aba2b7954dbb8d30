//! Queries on the inventory tables: locations, per-variant items, levels, the ledger,
//! reservations, suppliers and purchase orders. Stock changes go through `apply` only.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use super::model::{
    LevelRow, LocationRow, MovementKind, MovementRow, PoLineRow, PoRow, ReservationRow, SupplierRow,
};
use crate::db::{Backend, DbConnection, new_id};
use crate::http::AppError;
use crate::schema::{
    inventory_items as items, inventory_levels as levels, inventory_locations as locations,
    inventory_movements as movements, inventory_purchase_order_lines as po_lines,
    inventory_purchase_orders as pos, inventory_reservation_lines as res_lines,
    inventory_reservations as reservations, inventory_suppliers as suppliers,
    inventory_thresholds as thresholds, inventory_transfer_lines as transfer_lines,
    inventory_transfers as transfers,
};

// ---- locations ----

pub fn insert_location(
    conn: &mut DbConnection,
    id: &str,
    name: &str,
    kind: &str,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    diesel::insert_into(locations::table)
        .values((
            locations::id.eq(id),
            locations::name.eq(name),
            locations::kind.eq(kind),
            locations::active.eq(true),
            locations::created_at.eq(now),
            locations::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn location(conn: &mut DbConnection, id: &str) -> Result<Option<LocationRow>, AppError> {
    Ok(locations::table
        .filter(locations::id.eq(id))
        .select(LocationRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn location_name_taken(
    conn: &mut DbConnection,
    name: &str,
    except: Option<&str>,
) -> Result<bool, AppError> {
    let mut q = locations::table
        .filter(locations::name.eq(name))
        .select(locations::id)
        .into_boxed();
    if let Some(id) = except {
        q = q.filter(locations::id.ne(id.to_string()));
    }
    Ok(q.first::<String>(conn).optional()?.is_some())
}

pub fn list_locations(
    conn: &mut DbConnection,
    after: Option<&str>,
    limit: usize,
) -> Result<Vec<LocationRow>, AppError> {
    let mut q = locations::table
        .select(LocationRow::as_select())
        .order(locations::id.asc())
        .limit(limit as i64 + 1)
        .into_boxed();
    if let Some(after) = after {
        q = q.filter(locations::id.gt(after.to_string()));
    }
    Ok(q.load(conn)?)
}

pub fn update_location(
    conn: &mut DbConnection,
    id: &str,
    name: Option<&str>,
    active: Option<bool>,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    if let Some(name) = name {
        diesel::update(locations::table.filter(locations::id.eq(id)))
            .set(locations::name.eq(name))
            .execute(conn)?;
    }
    if let Some(active) = active {
        diesel::update(locations::table.filter(locations::id.eq(id)))
            .set(locations::active.eq(active))
            .execute(conn)?;
    }
    diesel::update(locations::table.filter(locations::id.eq(id)))
        .set(locations::updated_at.eq(now))
        .execute(conn)?;
    Ok(())
}

// ---- items and levels ----

/// Creates the variant's item row and its level rows at `location_ids` if missing.
pub fn ensure_rows(
    conn: &mut DbConnection,
    variant_id: &str,
    location_ids: &[&str],
    now: NaiveDateTime,
) -> Result<(), AppError> {
    let has_item = items::table
        .filter(items::variant_id.eq(variant_id))
        .select(items::variant_id)
        .first::<String>(conn)
        .optional()?
        .is_some();
    if !has_item {
        diesel::insert_into(items::table)
            .values((
                items::variant_id.eq(variant_id),
                items::on_hand.eq(0i64),
                items::reserved.eq(0i64),
                items::avg_unit_cost.eq(0i64),
                items::updated_at.eq(now),
            ))
            .execute(conn)?;
    }
    for location_id in location_ids {
        let has_level = levels::table
            .filter(levels::variant_id.eq(variant_id))
            .filter(levels::location_id.eq(*location_id))
            .select(levels::variant_id)
            .first::<String>(conn)
            .optional()?
            .is_some();
        if !has_level {
            diesel::insert_into(levels::table)
                .values((
                    levels::variant_id.eq(variant_id),
                    levels::location_id.eq(*location_id),
                    levels::on_hand.eq(0i64),
                    levels::reserved.eq(0i64),
                    levels::updated_at.eq(now),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}

/// One stock change, recorded as one ledger row.
#[derive(Debug, Clone)]
pub struct Change<'a> {
    pub variant_id: &'a str,
    pub location_id: &'a str,
    pub kind: MovementKind,
    pub on_hand_delta: i64,
    pub reserved_delta: i64,
    pub unit_cost: Option<i64>,
    pub reason: Option<&'a str>,
    pub reference: Option<&'a str>,
    pub actor: &'a str,
}

/// Applies `change` to the variant's totals and its level at the location, and writes
/// the ledger row. Both updates are conditional: they match no row when the result would
/// leave on_hand − reserved or reserved below zero, and then `Ok(Err(available))` tells
/// what the location has; the caller must roll back. The item row is updated first, so
/// concurrent changes to one variant queue on it in one order (no deadlocks), and every
/// check runs on the latest committed values on both backends.
pub fn apply(
    conn: &mut DbConnection,
    change: &Change<'_>,
    now: NaiveDateTime,
) -> Result<Result<String, i64>, AppError> {
    let (doh, dr) = (change.on_hand_delta, change.reserved_delta);
    let item_rows = diesel::update(
        items::table
            .filter(items::variant_id.eq(change.variant_id))
            .filter(((items::on_hand + doh) - (items::reserved + dr)).ge(0i64))
            .filter((items::reserved + dr).ge(0i64)),
    )
    .set((
        items::on_hand.eq(items::on_hand + doh),
        items::reserved.eq(items::reserved + dr),
        items::updated_at.eq(now),
    ))
    .execute(conn)?;
    let level_rows = if item_rows == 1 {
        diesel::update(
            levels::table
                .filter(levels::variant_id.eq(change.variant_id))
                .filter(levels::location_id.eq(change.location_id))
                .filter(((levels::on_hand + doh) - (levels::reserved + dr)).ge(0i64))
                .filter((levels::reserved + dr).ge(0i64)),
        )
        .set((
            levels::on_hand.eq(levels::on_hand + doh),
            levels::reserved.eq(levels::reserved + dr),
            levels::updated_at.eq(now),
        ))
        .execute(conn)?
    } else {
        0
    };
    if level_rows != 1 {
        let available = level(conn, change.variant_id, change.location_id)?
            .map(|l| l.on_hand - l.reserved)
            .unwrap_or(0);
        return Ok(Err(available));
    }
    let id = new_id();
    diesel::insert_into(movements::table)
        .values((
            movements::id.eq(&id),
            movements::variant_id.eq(change.variant_id),
            movements::location_id.eq(change.location_id),
            movements::kind.eq(change.kind.as_str()),
            movements::on_hand_delta.eq(doh),
            movements::reserved_delta.eq(dr),
            movements::unit_cost.eq(change.unit_cost),
            movements::reason.eq(change.reason),
            movements::reference.eq(change.reference),
            movements::actor.eq(change.actor),
            movements::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(Ok(id))
}

/// Locks the variants' item rows (every stock change updates its item row first), so the
/// levels read after this are current and stay so until the transaction ends.
pub fn lock_items(
    conn: &mut DbConnection,
    variant_ids: &[String],
    now: NaiveDateTime,
) -> Result<(), AppError> {
    diesel::update(items::table.filter(items::variant_id.eq_any(variant_ids)))
        .set(items::updated_at.eq(now))
        .execute(conn)?;
    Ok(())
}

/// (on_hand, reserved, avg_unit_cost) of a variant over every location.
pub fn item(
    conn: &mut DbConnection,
    variant_id: &str,
) -> Result<Option<(i64, i64, i64)>, AppError> {
    Ok(items::table
        .filter(items::variant_id.eq(variant_id))
        .select((items::on_hand, items::reserved, items::avg_unit_cost))
        .first(conn)
        .optional()?)
}

pub fn set_avg_cost(conn: &mut DbConnection, variant_id: &str, cost: i64) -> Result<(), AppError> {
    diesel::update(items::table.filter(items::variant_id.eq(variant_id)))
        .set(items::avg_unit_cost.eq(cost))
        .execute(conn)?;
    Ok(())
}

pub fn level(
    conn: &mut DbConnection,
    variant_id: &str,
    location_id: &str,
) -> Result<Option<LevelRow>, AppError> {
    Ok(levels::table
        .filter(levels::variant_id.eq(variant_id))
        .filter(levels::location_id.eq(location_id))
        .select(LevelRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn levels_of(
    conn: &mut DbConnection,
    variant_ids: &[String],
    location_id: Option<&str>,
) -> Result<Vec<LevelRow>, AppError> {
    let mut q = levels::table
        .filter(levels::variant_id.eq_any(variant_ids))
        .select(LevelRow::as_select())
        .order((levels::variant_id.asc(), levels::location_id.asc()))
        .into_boxed();
    if let Some(location_id) = location_id {
        q = q.filter(levels::location_id.eq(location_id.to_string()));
    }
    Ok(q.load(conn)?)
}

pub fn levels_at(
    conn: &mut DbConnection,
    location_id: &str,
    after: Option<&str>,
    limit: usize,
) -> Result<Vec<LevelRow>, AppError> {
    let mut q = levels::table
        .filter(levels::location_id.eq(location_id.to_string()))
        .select(LevelRow::as_select())
        .order(levels::variant_id.asc())
        .limit(limit as i64 + 1)
        .into_boxed();
    if let Some(after) = after {
        q = q.filter(levels::variant_id.gt(after.to_string()));
    }
    Ok(q.load(conn)?)
}

pub fn all_levels(conn: &mut DbConnection) -> Result<Vec<LevelRow>, AppError> {
    Ok(levels::table
        .select(LevelRow::as_select())
        .order((levels::variant_id.asc(), levels::location_id.asc()))
        .load(conn)?)
}

pub fn all_items(conn: &mut DbConnection) -> Result<Vec<(String, i64, i64)>, AppError> {
    Ok(items::table
        .select((items::variant_id, items::on_hand, items::reserved))
        .order(items::variant_id.asc())
        .load(conn)?)
}

#[derive(QueryableByName)]
pub struct LedgerSum {
    #[diesel(sql_type = Text)]
    pub variant_id: String,
    #[diesel(sql_type = Text)]
    pub location_id: String,
    #[diesel(sql_type = BigInt)]
    pub on_hand: i64,
    #[diesel(sql_type = BigInt)]
    pub reserved: i64,
}

/// The ledger's sums per variant and location.
pub fn ledger_sums(conn: &mut DbConnection) -> Result<Vec<LedgerSum>, AppError> {
    // MySQL sums BIGINTs as DECIMAL; bring them back to BIGINT.
    let (open, close) = match conn.backend() {
        Backend::Sqlite => ("", ""),
        Backend::Mysql => ("CAST(", " AS SIGNED)"),
    };
    let sql = format!(
        "SELECT variant_id, location_id, {open}COALESCE(SUM(on_hand_delta), 0){close} AS on_hand, \
         {open}COALESCE(SUM(reserved_delta), 0){close} AS reserved \
         FROM inventory_movements GROUP BY variant_id, location_id \
         ORDER BY variant_id, location_id"
    );
    Ok(diesel::sql_query(sql).load(conn)?)
}

pub struct MovementFilter<'a> {
    pub variant_id: Option<&'a str>,
    pub location_id: Option<&'a str>,
    pub reference: Option<&'a str>,
}

pub fn list_movements(
    conn: &mut DbConnection,
    filter: &MovementFilter<'_>,
    after: Option<&str>,
    limit: usize,
) -> Result<Vec<MovementRow>, AppError> {
    let mut q = movements::table
        .select(MovementRow::as_select())
        .order(movements::id.asc())
        .limit(limit as i64 + 1)
        .into_boxed();
    if let Some(v) = filter.variant_id {
        q = q.filter(movements::variant_id.eq(v.to_string()));
    }
    if let Some(l) = filter.location_id {
        q = q.filter(movements::location_id.eq(l.to_string()));
    }
    if let Some(r) = filter.reference {
        q = q.filter(movements::reference.eq(r.to_string()));
    }
    if let Some(after) = after {
        q = q.filter(movements::id.gt(after.to_string()));
    }
    Ok(q.load(conn)?)
}

// ---- reservations ----

pub fn reservation(
    conn: &mut DbConnection,
    reference: &str,
) -> Result<Option<ReservationRow>, AppError> {
    Ok(reservations::table
        .filter(reservations::reference.eq(reference))
        .select(ReservationRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn reservation_lines(
    conn: &mut DbConnection,
    reservation_id: &str,
) -> Result<Vec<(String, i64)>, AppError> {
    Ok(res_lines::table
        .filter(res_lines::reservation_id.eq(reservation_id))
        .select((res_lines::variant_id, res_lines::quantity))
        .order(res_lines::variant_id.asc())
        .load(conn)?)
}

pub fn insert_reservation(
    conn: &mut DbConnection,
    id: &str,
    reference: &str,
    location_id: &str,
    expires_at: Option<NaiveDateTime>,
    lines: &[(String, i64)],
    now: NaiveDateTime,
) -> Result<(), AppError> {
    diesel::insert_into(reservations::table)
        .values((
            reservations::id.eq(id),
            reservations::reference.eq(reference),
            reservations::location_id.eq(location_id),
            reservations::status.eq("active"),
            reservations::expires_at.eq(expires_at),
            reservations::created_at.eq(now),
            reservations::updated_at.eq(now),
        ))
        .execute(conn)?;
    for (variant_id, quantity) in lines {
        diesel::insert_into(res_lines::table)
            .values((
                res_lines::reservation_id.eq(id),
                res_lines::variant_id.eq(variant_id),
                res_lines::quantity.eq(quantity),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Moves an active reservation to `status`; false when it was not active (any more).
pub fn close_reservation(
    conn: &mut DbConnection,
    reference: &str,
    status: &str,
    now: NaiveDateTime,
) -> Result<bool, AppError> {
    let n = diesel::update(
        reservations::table
            .filter(reservations::reference.eq(reference))
            .filter(reservations::status.eq("active")),
    )
    .set((
        reservations::status.eq(status),
        reservations::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Takes `quantity` off a reservation line (a partial sale), deleting the line when
/// nothing is left of it; false when the line holds less.
pub fn take_from_reservation_line(
    conn: &mut DbConnection,
    reservation_id: &str,
    variant_id: &str,
    quantity: i64,
) -> Result<bool, AppError> {
    let line = res_lines::table
        .filter(res_lines::reservation_id.eq(reservation_id))
        .filter(res_lines::variant_id.eq(variant_id));
    // The whole line first; the update below only matches when some would be left.
    if diesel::delete(line.filter(res_lines::quantity.eq(quantity))).execute(conn)? == 1 {
        return Ok(true);
    }
    let n = diesel::update(line.filter(res_lines::quantity.gt(quantity)))
        .set(res_lines::quantity.eq(res_lines::quantity - quantity))
        .execute(conn)?;
    Ok(n == 1)
}

/// What active reservations hold, by (variant, location).
pub fn reserved_by_reservations(
    conn: &mut DbConnection,
) -> Result<Vec<(String, String, i64)>, AppError> {
    let rows: Vec<(String, String, i64)> = res_lines::table
        .inner_join(reservations::table)
        .filter(reservations::status.eq("active"))
        .select((
            res_lines::variant_id,
            reservations::location_id,
            res_lines::quantity,
        ))
        .load(conn)?;
    let mut sums: std::collections::BTreeMap<(String, String), i64> = Default::default();
    for (v, l, q) in rows {
        *sums.entry((v, l)).or_default() += q;
    }
    Ok(sums.into_iter().map(|((v, l), q)| (v, l, q)).collect())
}

pub fn expired_references(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    limit: i64,
) -> Result<Vec<String>, AppError> {
    Ok(reservations::table
        .filter(reservations::status.eq("active"))
        .filter(reservations::expires_at.le(now))
        .select(reservations::reference)
        .order(reservations::expires_at.asc())
        .limit(limit)
        .load(conn)?)
}

// ---- suppliers ----

pub struct NewSupplier<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub gstin: Option<&'a str>,
    pub contact_name: Option<&'a str>,
    pub email: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub lead_time_days: Option<i32>,
}

pub fn insert_supplier(
    conn: &mut DbConnection,
    s: &NewSupplier<'_>,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    diesel::insert_into(suppliers::table)
        .values((
            suppliers::id.eq(s.id),
            suppliers::name.eq(s.name),
            suppliers::gstin.eq(s.gstin),
            suppliers::contact_name.eq(s.contact_name),
            suppliers::email.eq(s.email),
            suppliers::phone.eq(s.phone),
            suppliers::lead_time_days.eq(s.lead_time_days),
            suppliers::created_at.eq(now),
            suppliers::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn supplier(conn: &mut DbConnection, id: &str) -> Result<Option<SupplierRow>, AppError> {
    Ok(suppliers::table
        .filter(suppliers::id.eq(id))
        .select(SupplierRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn gstin_taken(conn: &mut DbConnection, gstin: &str) -> Result<bool, AppError> {
    Ok(suppliers::table
        .filter(suppliers::gstin.eq(gstin))
        .select(suppliers::id)
        .first::<String>(conn)
        .optional()?
        .is_some())
}

pub fn list_suppliers(
    conn: &mut DbConnection,
    after: Option<&str>,
    limit: usize,
) -> Result<Vec<SupplierRow>, AppError> {
    let mut q = suppliers::table
        .select(SupplierRow::as_select())
        .order(suppliers::id.asc())
        .limit(limit as i64 + 1)
        .into_boxed();
    if let Some(after) = after {
        q = q.filter(suppliers::id.gt(after.to_string()));
    }
    Ok(q.load(conn)?)
}

// ---- purchase orders ----

pub fn insert_po(
    conn: &mut DbConnection,
    id: &str,
    supplier_id: &str,
    created_by: &str,
    lines: &[(String, i64, i64)],
    now: NaiveDateTime,
) -> Result<(), AppError> {
    diesel::insert_into(pos::table)
        .values((
            pos::id.eq(id),
            pos::supplier_id.eq(supplier_id),
            pos::status.eq("draft"),
            pos::created_by.eq(created_by),
            pos::created_at.eq(now),
            pos::updated_at.eq(now),
        ))
        .execute(conn)?;
    for (position, (variant_id, quantity, unit_cost)) in lines.iter().enumerate() {
        diesel::insert_into(po_lines::table)
            .values((
                po_lines::purchase_order_id.eq(id),
                po_lines::variant_id.eq(variant_id),
                po_lines::quantity_ordered.eq(quantity),
                po_lines::quantity_received.eq(0i64),
                po_lines::unit_cost.eq(unit_cost),
                po_lines::position.eq(position as i32),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn po(conn: &mut DbConnection, id: &str) -> Result<Option<(PoRow, Vec<PoLineRow>)>, AppError> {
    let Some(row) = pos::table
        .filter(pos::id.eq(id))
        .select(PoRow::as_select())
        .first(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let lines = po_lines::table
        .filter(po_lines::purchase_order_id.eq(id))
        .select(PoLineRow::as_select())
        .order(po_lines::position.asc())
        .load(conn)?;
    Ok(Some((row, lines)))
}

pub fn list_pos(
    conn: &mut DbConnection,
    status: Option<&str>,
    after: Option<&str>,
    limit: usize,
) -> Result<Vec<(PoRow, Vec<PoLineRow>)>, AppError> {
    let mut q = pos::table
        .select(PoRow::as_select())
        .order(pos::id.asc())
        .limit(limit as i64 + 1)
        .into_boxed();
    if let Some(status) = status {
        q = q.filter(pos::status.eq(status.to_string()));
    }
    if let Some(after) = after {
        q = q.filter(pos::id.gt(after.to_string()));
    }
    let rows: Vec<PoRow> = q.load(conn)?;
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let lines: Vec<PoLineRow> = po_lines::table
        .filter(po_lines::purchase_order_id.eq_any(&ids))
        .select(PoLineRow::as_select())
        .order((po_lines::purchase_order_id.asc(), po_lines::position.asc()))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let mine = lines
                .iter()
                .filter(|l| l.purchase_order_id == r.id)
                .cloned()
                .collect();
            (r, mine)
        })
        .collect())
}

/// Moves the order from `from` to `to`; false when another request moved it first.
pub fn set_po_status(
    conn: &mut DbConnection,
    id: &str,
    from: &str,
    to: &str,
    now: NaiveDateTime,
) -> Result<bool, AppError> {
    let n = diesel::update(
        pos::table
            .filter(pos::id.eq(id))
            .filter(pos::status.eq(from)),
    )
    .set((pos::status.eq(to), pos::updated_at.eq(now)))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn add_received(
    conn: &mut DbConnection,
    po_id: &str,
    variant_id: &str,
    quantity: i64,
) -> Result<(), AppError> {
    diesel::update(
        po_lines::table
            .filter(po_lines::purchase_order_id.eq(po_id))
            .filter(po_lines::variant_id.eq(variant_id)),
    )
    .set(po_lines::quantity_received.eq(po_lines::quantity_received + quantity))
    .execute(conn)?;
    Ok(())
}

// ---- transfers ----

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = transfers)]
pub struct TransferRow {
    pub id: String,
    pub from_location_id: String,
    pub to_location_id: String,
    pub status: String,
    pub reason: Option<String>,
    pub shipped_by: String,
    pub shipped_at: NaiveDateTime,
    pub received_by: Option<String>,
    pub received_at: Option<NaiveDateTime>,
}

pub struct NewTransfer<'a> {
    pub id: &'a str,
    pub from: &'a str,
    pub to: &'a str,
    pub reason: Option<&'a str>,
    pub actor: &'a str,
}

pub fn insert_transfer(
    conn: &mut DbConnection,
    t: &NewTransfer<'_>,
    lines: &[(String, i64)],
    now: NaiveDateTime,
) -> Result<(), AppError> {
    diesel::insert_into(transfers::table)
        .values((
            transfers::id.eq(t.id),
            transfers::from_location_id.eq(t.from),
            transfers::to_location_id.eq(t.to),
            transfers::status.eq("in_transit"),
            transfers::reason.eq(t.reason),
            transfers::shipped_by.eq(t.actor),
            transfers::shipped_at.eq(now),
        ))
        .execute(conn)?;
    for (variant_id, quantity) in lines {
        diesel::insert_into(transfer_lines::table)
            .values((
                transfer_lines::transfer_id.eq(t.id),
                transfer_lines::variant_id.eq(variant_id),
                transfer_lines::quantity.eq(quantity),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub type TransferWithLines = (TransferRow, Vec<(String, i64)>);

fn transfer_lines_of(
    conn: &mut DbConnection,
    ids: &[String],
) -> Result<Vec<(String, String, i64)>, AppError> {
    Ok(transfer_lines::table
        .filter(transfer_lines::transfer_id.eq_any(ids))
        .select((
            transfer_lines::transfer_id,
            transfer_lines::variant_id,
            transfer_lines::quantity,
        ))
        .order((
            transfer_lines::transfer_id.asc(),
            transfer_lines::variant_id.asc(),
        ))
        .load(conn)?)
}

pub fn transfer(conn: &mut DbConnection, id: &str) -> Result<Option<TransferWithLines>, AppError> {
    let Some(row) = transfers::table
        .filter(transfers::id.eq(id))
        .select(TransferRow::as_select())
        .first(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let lines = transfer_lines_of(conn, &[id.to_string()])?
        .into_iter()
        .map(|(_, v, q)| (v, q))
        .collect();
    Ok(Some((row, lines)))
}

pub fn list_transfers(
    conn: &mut DbConnection,
    status: Option<&str>,
    after: Option<&str>,
    limit: usize,
) -> Result<Vec<TransferWithLines>, AppError> {
    let mut q = transfers::table
        .select(TransferRow::as_select())
        .order(transfers::id.asc())
        .limit(limit as i64 + 1)
        .into_boxed();
    if let Some(status) = status {
        q = q.filter(transfers::status.eq(status.to_string()));
    }
    if let Some(after) = after {
        q = q.filter(transfers::id.gt(after.to_string()));
    }
    let rows: Vec<TransferRow> = q.load(conn)?;
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let lines = transfer_lines_of(conn, &ids)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let mine = lines
                .iter()
                .filter(|(t, _, _)| *t == r.id)
                .map(|(_, v, q)| (v.clone(), *q))
                .collect();
            (r, mine)
        })
        .collect())
}

/// Marks an in-transit transfer received; false when it was not in transit (any more).
/// The conditional update also locks the row, so two receipts queue and one wins.
pub fn mark_transfer_received(
    conn: &mut DbConnection,
    id: &str,
    actor: &str,
    now: NaiveDateTime,
) -> Result<bool, AppError> {
    let n = diesel::update(
        transfers::table
            .filter(transfers::id.eq(id))
            .filter(transfers::status.eq("in_transit")),
    )
    .set((
        transfers::status.eq("received"),
        transfers::received_by.eq(actor),
        transfers::received_at.eq(now),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

// ---- thresholds ----

pub fn threshold(
    conn: &mut DbConnection,
    variant_id: &str,
    location_id: &str,
) -> Result<Option<i64>, AppError> {
    Ok(thresholds::table
        .filter(thresholds::variant_id.eq(variant_id))
        .filter(thresholds::location_id.eq(location_id))
        .select(thresholds::threshold)
        .first(conn)
        .optional()?)
}

/// Sets (or, with `None`, removes) a threshold.
pub fn set_threshold(
    conn: &mut DbConnection,
    variant_id: &str,
    location_id: &str,
    value: Option<i64>,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    let target = thresholds::table
        .filter(thresholds::variant_id.eq(variant_id))
        .filter(thresholds::location_id.eq(location_id));
    let Some(value) = value else {
        diesel::delete(target).execute(conn)?;
        return Ok(());
    };
    let n = diesel::update(target)
        .set((
            thresholds::threshold.eq(value),
            thresholds::updated_at.eq(now),
        ))
        .execute(conn)?;
    if n == 0 {
        diesel::insert_into(thresholds::table)
            .values((
                thresholds::variant_id.eq(variant_id),
                thresholds::location_id.eq(location_id),
                thresholds::threshold.eq(value),
                thresholds::updated_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Thresholds at a location (or every location) as (variant, location, threshold).
/// Levels without a threshold of their own whose available stock is at or below
/// `at_or_below` (the store's default threshold), by location then variant; at most 500.
pub fn unwatched_low_levels(
    conn: &mut DbConnection,
    location_id: Option<&str>,
    at_or_below: i64,
) -> Result<Vec<LevelRow>, AppError> {
    let mut q = levels::table
        .filter((levels::on_hand - levels::reserved).le(at_or_below))
        .filter(diesel::dsl::not(diesel::dsl::exists(
            thresholds::table
                .filter(thresholds::variant_id.eq(levels::variant_id))
                .filter(thresholds::location_id.eq(levels::location_id)),
        )))
        .select(LevelRow::as_select())
        .order((levels::location_id.asc(), levels::variant_id.asc()))
        .limit(500)
        .into_boxed();
    if let Some(l) = location_id {
        q = q.filter(levels::location_id.eq(l.to_string()));
    }
    Ok(q.load(conn)?)
}

pub fn thresholds_at(
    conn: &mut DbConnection,
    location_id: Option<&str>,
) -> Result<Vec<(String, String, i64)>, AppError> {
    let mut q = thresholds::table
        .select((
            thresholds::variant_id,
            thresholds::location_id,
            thresholds::threshold,
        ))
        .order((thresholds::location_id.asc(), thresholds::variant_id.asc()))
        .into_boxed();
    if let Some(l) = location_id {
        q = q.filter(thresholds::location_id.eq(l.to_string()));
    }
    Ok(q.load(conn)?)
}

// ---- sales velocity ----

#[derive(QueryableByName)]
pub struct SoldUnits {
    #[diesel(sql_type = Text)]
    pub variant_id: String,
    #[diesel(sql_type = BigInt)]
    pub sold: i64,
}

/// Units sold (sale movements) per variant at a location since `since`.
pub fn sold_since(
    conn: &mut DbConnection,
    location_id: &str,
    since: NaiveDateTime,
) -> Result<Vec<SoldUnits>, AppError> {
    let (open, close) = match conn.backend() {
        Backend::Sqlite => ("", ""),
        Backend::Mysql => ("CAST(", " AS SIGNED)"),
    };
    let sql = format!(
        "SELECT variant_id, {open}COALESCE(-SUM(on_hand_delta), 0){close} AS sold \
         FROM inventory_movements WHERE kind = 'sale' AND location_id = ? AND created_at >= ? \
         GROUP BY variant_id ORDER BY variant_id"
    );
    Ok(diesel::sql_query(sql)
        .bind::<Text, _>(location_id)
        .bind::<diesel::sql_types::Timestamp, _>(since)
        .load(conn)?)
}

/// The lead time of the supplier a variant was last ordered from, if it has one.
pub fn lead_time_of(conn: &mut DbConnection, variant_id: &str) -> Result<Option<i32>, AppError> {
    Ok(po_lines::table
        .inner_join(pos::table.inner_join(suppliers::table))
        .filter(po_lines::variant_id.eq(variant_id))
        .filter(pos::status.ne("cancelled"))
        .order(pos::created_at.desc())
        .select(suppliers::lead_time_days)
        .first::<Option<i32>>(conn)
        .optional()?
        .flatten())
}
