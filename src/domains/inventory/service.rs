//! Inventory rules: who may move which stock, stock never below zero, every change a
//! ledger row with its `StockChanged` event in the same transaction, reservations all or
//! nothing, purchase orders received no further than ordered unless asked.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::model::{
    Gstin, LevelView, LocationKind, LocationView, MAX_QUANTITY, MovementKind, MovementView,
    PoStatus, PurchaseOrderView, SupplierView, VariantStockView, check_positive, check_text,
    weighted_average,
};
use super::store::{self, Change, MovementFilter};
use crate::contracts::auth::{Permission, Principal, Scope};
use crate::contracts::catalog::CatalogApi;
use crate::contracts::email::Email;
use crate::contracts::events::{StockChanged, StockLow};
use crate::contracts::inventory::{Availability, Shortage, StockLine};
use crate::db::{Db, DbConnection, new_id, now};
use crate::http::idempotency::Answer;
use crate::http::pagination::{Page, PageQuery};
use crate::http::{AppError, FieldError};

/// The actor of changes nobody asked for directly (expiry, other domains).
pub const SYSTEM: &str = "system";
/// The longest a reservation may live before it is released by itself.
const MAX_TTL_SECS: u64 = 30 * 86_400;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LocationInput {
    #[schema(min_length = 1, max_length = 120, pattern = r"\S")]
    pub name: String,
    pub kind: LocationKind,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LocationPatch {
    #[schema(min_length = 1, max_length = 120, pattern = r"\S")]
    pub name: Option<String>,
    /// `false` deactivates: no new stock may arrive or be reserved there.
    pub active: Option<bool>,
}

/// A manual correction or a customer return at one location.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdjustmentInput {
    pub variant_id: String,
    pub location_id: String,
    /// The change of on-hand stock: positive adds, negative removes; never zero.
    #[schema(minimum = -1_000_000_000, maximum = 1_000_000_000)]
    pub quantity: i64,
    /// Why (a count, damage, theft, a return): required.
    #[schema(min_length = 1, max_length = 500, pattern = r"\S")]
    pub reason: String,
    /// `adjustment` (default) or `return`.
    pub kind: Option<MovementKind>,
    /// An order or document the change belongs to.
    #[schema(min_length = 1, max_length = 120, pattern = r"\S")]
    pub reference: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AdjustmentView {
    pub movement_id: String,
    pub level: LevelView,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferLineInput {
    #[schema(min_length = 1, pattern = r"\S")]
    pub variant_id: String,
    #[schema(minimum = 1, maximum = 1_000_000_000)]
    pub quantity: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferInput {
    pub from_location_id: String,
    pub to_location_id: String,
    #[schema(min_items = 1)]
    pub lines: Vec<TransferLineInput>,
    #[schema(min_length = 1, max_length = 500, pattern = r"\S")]
    pub reason: Option<String>,
}

/// A transfer: shipped (stock left `from` and is in neither location) and, later,
/// received at `to`. Its id is the reference on its ledger rows.
#[derive(Debug, Serialize, ToSchema)]
pub struct TransferView {
    pub id: String,
    pub from_location_id: String,
    pub to_location_id: String,
    /// in_transit or received.
    pub status: String,
    pub reason: Option<String>,
    pub lines: Vec<TransferLineView>,
    pub shipped_by: String,
    pub shipped_at: chrono::DateTime<chrono::Utc>,
    pub received_by: Option<String>,
    pub received_at: Option<chrono::DateTime<chrono::Utc>>,
}

fn transfer_view((row, lines): store::TransferWithLines) -> TransferView {
    TransferView {
        id: row.id,
        from_location_id: row.from_location_id,
        to_location_id: row.to_location_id,
        status: row.status,
        reason: row.reason,
        lines: lines
            .into_iter()
            .map(|(variant_id, quantity)| TransferLineView {
                variant_id,
                quantity,
            })
            .collect(),
        shipped_by: row.shipped_by,
        shipped_at: row.shipped_at.and_utc(),
        received_by: row.received_by,
        received_at: row.received_at.map(|t| t.and_utc()),
    }
}

/// A cycle count at one location: what was counted of each variant.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CountInput {
    pub location_id: String,
    #[schema(min_items = 1)]
    pub lines: Vec<CountLineInput>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CountLineInput {
    pub variant_id: String,
    #[schema(minimum = 0, maximum = 1_000_000_000)]
    pub counted: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CountLineView {
    pub variant_id: String,
    pub counted: i64,
    /// On hand before the count.
    pub previous: i64,
    /// counted − previous; an `adjustment` movement with reason `cycle count` unless 0.
    pub difference: i64,
    pub movement_id: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CountView {
    pub location_id: String,
    pub lines: Vec<CountLineView>,
}

/// Low-stock thresholds to set (or, with `threshold: null`, remove).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ThresholdsInput {
    #[schema(min_items = 1, max_items = 500)]
    pub thresholds: Vec<ThresholdInput>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ThresholdInput {
    pub variant_id: String,
    pub location_id: String,
    /// Available at or below this is low stock; null removes the threshold.
    #[schema(minimum = 0, maximum = 1_000_000_000)]
    pub threshold: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LowStockView {
    pub variant_id: String,
    /// The variant's SKU and name, as the catalog has them now.
    pub sku: String,
    pub name: String,
    pub location_id: String,
    pub on_hand: i64,
    pub reserved: i64,
    pub available: i64,
    pub threshold: i64,
}

/// The default lead time when no supplier of the variant states one.
pub const DEFAULT_LEAD_TIME_DAYS: i64 = 14;

#[derive(Debug, Serialize, ToSchema)]
pub struct ReorderSuggestion {
    pub variant_id: String,
    /// The variant's SKU and name as the catalog has them now.
    pub sku: String,
    pub name: String,
    pub location_id: String,
    /// Units sold (sale movements) at the location in the window.
    pub sold: i64,
    pub window_days: i64,
    /// sold / window_days.
    pub daily_velocity: f64,
    pub available: i64,
    /// available / daily_velocity; null when nothing sold.
    pub days_of_cover: Option<f64>,
    pub lead_time_days: i64,
    pub threshold: i64,
    /// ceil(daily_velocity × lead_time_days) + threshold − available.
    pub suggested_quantity: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReservationInput {
    /// The order (or cart) the stock is held for; one reservation per reference.
    #[schema(pattern = r"^\s*[A-Za-z0-9_.:~-]{1,120}\s*$")]
    pub reference: String,
    pub location_id: String,
    #[schema(min_items = 1)]
    pub lines: Vec<TransferLineInput>,
    /// Seconds until an unconfirmed reservation is released by itself; 0 = never.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 2_592_000)]
    pub ttl_secs: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReservationView {
    pub reference: String,
    pub location_id: String,
    /// active, committed or released.
    pub status: String,
    pub lines: Vec<TransferLineView>,
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TransferLineView {
    pub variant_id: String,
    pub quantity: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SupplierInput {
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub name: String,
    /// 15 characters: state code, PAN, registration number, `Z`, check character.
    #[schema(schema_with = crate::contracts::fields::schema::gstin_or_null)]
    pub gstin: Option<String>,
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub contact_name: Option<String>,
    #[schema(schema_with = crate::contracts::fields::schema::email_or_null)]
    pub email: Option<String>,
    #[schema(schema_with = crate::contracts::fields::schema::phone_or_null)]
    pub phone: Option<String>,
    /// Days from sending an order to the goods arriving (0 to 365).
    #[schema(minimum = 0, maximum = 365)]
    pub lead_time_days: Option<i32>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PoLineInput {
    pub variant_id: String,
    #[schema(minimum = 1, maximum = 1_000_000_000)]
    pub quantity: i64,
    /// In paise.
    #[schema(minimum = 0, maximum = 1_000_000_000_000_i64)]
    pub unit_cost_minor: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PurchaseOrderInput {
    pub supplier_id: String,
    #[schema(min_items = 1)]
    pub lines: Vec<PoLineInput>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PurchaseOrderPatch {
    /// `sent` (from draft) or `cancelled`.
    pub status: PoStatus,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiptInput {
    pub location_id: String,
    #[schema(min_items = 1)]
    pub lines: Vec<TransferLineInput>,
    /// Accept more than ordered (the supplier sent extra and it is kept).
    #[serde(default)]
    pub allow_over_receipt: bool,
}

/// One difference between the stock tables and the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LedgerMismatch {
    pub variant_id: String,
    /// `None` for the variant's totals over every location.
    pub location_id: Option<String>,
    /// `on_hand` or `reserved`.
    pub column: &'static str,
    /// What the stock table holds.
    pub recorded: i64,
    /// What the ledger (or the levels, for totals) add up to.
    pub expected: i64,
}

impl std::fmt::Display for LedgerMismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "variant {} at {}: {} is {} but the {} sum to {}",
            self.variant_id,
            self.location_id.as_deref().unwrap_or("all locations"),
            self.column,
            self.recorded,
            if self.location_id.is_some() {
                "movements"
            } else {
                "levels"
            },
            self.expected
        )
    }
}

/// Compares every level with its ledger rows and every variant's totals with its levels.
/// Run it in one transaction so it sees one state.
pub fn verify(conn: &mut DbConnection) -> Result<Vec<LedgerMismatch>, AppError> {
    let mut expected: BTreeMap<(String, String), (i64, i64)> = store::ledger_sums(conn)?
        .into_iter()
        .map(|s| ((s.variant_id, s.location_id), (s.on_hand, s.reserved)))
        .collect();
    let mut totals: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    let mut out = Vec::new();
    let mut compare =
        |variant: &str, location: Option<&str>, recorded: (i64, i64), want: (i64, i64)| {
            for (column, r, e) in [
                ("on_hand", recorded.0, want.0),
                ("reserved", recorded.1, want.1),
            ] {
                if r != e {
                    out.push(LedgerMismatch {
                        variant_id: variant.to_string(),
                        location_id: location.map(str::to_string),
                        column,
                        recorded: r,
                        expected: e,
                    });
                }
            }
        };
    for level in store::all_levels(conn)? {
        let want = expected
            .remove(&(level.variant_id.clone(), level.location_id.clone()))
            .unwrap_or((0, 0));
        compare(
            &level.variant_id,
            Some(&level.location_id),
            (level.on_hand, level.reserved),
            want,
        );
        let t = totals.entry(level.variant_id.clone()).or_default();
        t.0 += level.on_hand;
        t.1 += level.reserved;
    }
    // Movements at a location that has no level row at all.
    for ((variant, location), want) in expected {
        compare(&variant, Some(&location), (0, 0), want);
    }
    for (variant, on_hand, reserved) in store::all_items(conn)? {
        let want = totals.remove(&variant).unwrap_or((0, 0));
        compare(&variant, None, (on_hand, reserved), want);
    }
    for (variant, want) in totals {
        compare(&variant, None, (0, 0), want);
    }
    // Active reservations must hold exactly what the levels say is reserved.
    let mut held: BTreeMap<(String, String), i64> = store::reserved_by_reservations(conn)?
        .into_iter()
        .map(|(v, l, q)| ((v, l), q))
        .collect();
    for level in store::all_levels(conn)? {
        let want = held
            .remove(&(level.variant_id.clone(), level.location_id.clone()))
            .unwrap_or(0);
        if want != level.reserved {
            out.push(LedgerMismatch {
                variant_id: level.variant_id.clone(),
                location_id: Some(level.location_id.clone()),
                column: "reserved (by reservations)",
                recorded: level.reserved,
                expected: want,
            });
        }
    }
    Ok(out)
}

// ---- stock changes inside another domain's transaction (checkout, fulfilment, returns) ----

/// The lines sorted by variant (so concurrent writers lock item rows in one order), each
/// quantity checked; duplicates are added up.
fn sorted_lines(lines: &[StockLine]) -> Result<BTreeMap<String, i64>, AppError> {
    let mut out: BTreeMap<String, i64> = BTreeMap::new();
    for (i, l) in lines.iter().enumerate() {
        if !(1..=MAX_QUANTITY).contains(&l.quantity) {
            return Err(AppError::invalid(
                format!("lines[{i}].quantity"),
                format!("must be between 1 and {MAX_QUANTITY}"),
            ));
        }
        *out.entry(l.variant_id.clone()).or_default() += l.quantity;
    }
    if out.is_empty() {
        return Err(AppError::invalid("lines", "must not be empty"));
    }
    Ok(out)
}

/// Reserves every line at `location_id` for `reference` within the caller's transaction.
/// A shortage is `Ok(Err(_))`; lines before it may already be applied, so the caller must
/// roll back.
pub fn reserve_in(
    conn: &mut DbConnection,
    actor: &str,
    reference: &str,
    location_id: &str,
    lines: &[StockLine],
    ttl_secs: u64,
) -> Result<Result<(), Shortage>, AppError> {
    let reference = check_reference(reference)?;
    let lines = sorted_lines(lines)?;
    if ttl_secs > MAX_TTL_SECS {
        return Err(AppError::invalid(
            "ttl_secs",
            format!("must be at most {MAX_TTL_SECS}"),
        ));
    }
    let now = now();
    let expires_at = (ttl_secs > 0).then(|| now + chrono::TimeDelta::seconds(ttl_secs as i64));
    let rows: Vec<(String, i64)> = lines.iter().map(|(v, q)| (v.clone(), *q)).collect();
    store::insert_reservation(
        conn,
        &new_id(),
        &reference,
        location_id,
        expires_at,
        &rows,
        now,
    )?;
    let mut touched = Touched::default();
    for (variant_id, quantity) in &lines {
        let change = Change {
            variant_id,
            location_id,
            kind: MovementKind::Reservation,
            on_hand_delta: 0,
            reserved_delta: *quantity,
            unit_cost: None,
            reason: None,
            reference: Some(&reference),
            actor,
        };
        if let Err(available) = store::apply(conn, &change, now)? {
            return Ok(Err(Shortage {
                variant_id: variant_id.clone(),
                requested: *quantity,
                available,
            }));
        }
        note_low_stock(conn, &change)?;
        touched.note(variant_id, 0, *quantity);
    }
    touched.publish(conn)?;
    Ok(Ok(()))
}

/// See `InventoryApi::cover_in`.
pub fn cover_in(
    conn: &mut DbConnection,
    actor: &str,
    reference: &str,
    location_id: &str,
    lines: &[StockLine],
    reason: &str,
) -> Result<Vec<StockLine>, AppError> {
    let reference = check_reference(reference)?;
    let now = now();
    let mut touched = Touched::default();
    let mut added = Vec::new();
    for (variant_id, quantity) in sorted_lines(lines)? {
        store::ensure_rows(conn, &variant_id, &[location_id], now)?;
        let available =
            store::level(conn, &variant_id, location_id)?.map_or(0, |l| l.on_hand - l.reserved);
        let short = quantity - available.max(0);
        if short <= 0 {
            continue;
        }
        let change = Change {
            variant_id: &variant_id,
            location_id,
            kind: MovementKind::Adjustment,
            on_hand_delta: short,
            reserved_delta: 0,
            unit_cost: None,
            reason: Some(reason),
            reference: Some(&reference),
            actor,
        };
        apply_or_refuse(conn, &mut touched, &change, "lines", now)?;
        added.push(StockLine {
            variant_id,
            quantity: short,
        });
    }
    touched.publish(conn)?;
    Ok(added)
}

/// Ends an active reservation: what is left of it is sold (`commit`) or returned to
/// available stock. Ending it the same way again is a no-op; the other way, a 409.
pub fn close_in(
    conn: &mut DbConnection,
    actor: &str,
    reference: &str,
    commit: bool,
) -> Result<(), AppError> {
    let status = if commit { "committed" } else { "released" };
    let now = now();
    if !store::close_reservation(conn, reference, status, now)? {
        return match store::reservation(conn, reference)? {
            None => Err(AppError::NotFound("no such reservation".into())),
            Some(r) if r.status == status => Ok(()),
            Some(r) => Err(AppError::Conflict(format!(
                "the reservation is already {}",
                r.status
            ))),
        };
    }
    let row = store::reservation(conn, reference)?
        .ok_or_else(|| AppError::internal("reservation vanished"))?;
    let mut touched = Touched::default();
    for (variant_id, quantity) in store::reservation_lines(conn, &row.id)? {
        let (kind, on_hand_delta) = if commit {
            (MovementKind::Sale, -quantity)
        } else {
            (MovementKind::Release, 0)
        };
        apply_or_refuse(
            conn,
            &mut touched,
            &Change {
                variant_id: &variant_id,
                location_id: &row.location_id,
                kind,
                on_hand_delta,
                reserved_delta: -quantity,
                unit_cost: None,
                reason: None,
                reference: Some(reference),
                actor,
            },
            "reference",
            now,
        )?;
    }
    touched.publish(conn)
}

/// Sells part of an active reservation (lines fulfilled one shipment at a time); the
/// reservation is committed once nothing is left of it. Asking for more than is left of a
/// line is a 409 naming it.
pub fn commit_lines_in(
    conn: &mut DbConnection,
    actor: &str,
    reference: &str,
    lines: &[StockLine],
) -> Result<(), AppError> {
    let lines = sorted_lines(lines)?;
    let row = match store::reservation(conn, reference)? {
        None => return Err(AppError::NotFound("no such reservation".into())),
        Some(r) if r.status != "active" => {
            return Err(AppError::Conflict(format!(
                "the reservation is already {}",
                r.status
            )));
        }
        Some(r) => r,
    };
    let now = now();
    let mut touched = Touched::default();
    for (variant_id, quantity) in &lines {
        if !store::take_from_reservation_line(conn, &row.id, variant_id, *quantity)? {
            return Err(AppError::FieldConflict(
                "more than is reserved".into(),
                vec![FieldError::new(
                    "quantity",
                    format!("variant {variant_id} has less than {quantity} reserved"),
                )],
            ));
        }
        apply_or_refuse(
            conn,
            &mut touched,
            &Change {
                variant_id,
                location_id: &row.location_id,
                kind: MovementKind::Sale,
                on_hand_delta: -quantity,
                reserved_delta: -quantity,
                unit_cost: None,
                reason: None,
                reference: Some(reference),
                actor,
            },
            "quantity",
            now,
        )?;
    }
    if store::reservation_lines(conn, &row.id)?.is_empty() {
        store::close_reservation(conn, reference, "committed", now)?;
    }
    touched.publish(conn)
}

/// Takes returned goods back into stock at `location_id` (`return` movements).
pub fn return_in(
    conn: &mut DbConnection,
    actor: &str,
    reference: &str,
    location_id: &str,
    lines: &[StockLine],
) -> Result<(), AppError> {
    let lines = sorted_lines(lines)?;
    match store::location(conn, location_id)? {
        Some(l) if l.active => {}
        _ => {
            return Err(AppError::invalid(
                "location_id",
                "is not an active location",
            ));
        }
    }
    let now = now();
    let mut touched = Touched::default();
    for (variant_id, quantity) in &lines {
        store::ensure_rows(conn, variant_id, &[location_id], now)?;
        apply_or_refuse(
            conn,
            &mut touched,
            &Change {
                variant_id,
                location_id,
                kind: MovementKind::Return,
                on_hand_delta: *quantity,
                reserved_delta: 0,
                unit_cost: None,
                reason: Some("customer return"),
                reference: Some(reference),
                actor,
            },
            "lines",
            now,
        )?;
    }
    touched.publish(conn)
}

/// Variants whose total available stock a transaction changed, published at its end.
#[derive(Default)]
struct Touched(BTreeMap<String, i64>);

impl Touched {
    fn note(&mut self, variant_id: &str, on_hand_delta: i64, reserved_delta: i64) {
        *self.0.entry(variant_id.to_string()).or_default() += on_hand_delta - reserved_delta;
    }

    fn publish(self, conn: &mut DbConnection) -> Result<(), AppError> {
        for (variant_id, delta) in self.0 {
            if delta == 0 {
                continue;
            }
            let (on_hand, reserved, _) = store::item(conn, &variant_id)?.unwrap_or((0, 0, 0));
            crate::events::enqueue(
                conn,
                &StockChanged {
                    variant_id,
                    available_total: on_hand - reserved,
                },
            )?;
        }
        Ok(())
    }
}

/// After a change was applied: when it took the location's available stock from above
/// the variant's threshold there to at or below it, `StockLow` goes to the outbox in the
/// same transaction. Only the crossing is announced, not every change while low.
fn note_low_stock(conn: &mut DbConnection, change: &Change<'_>) -> Result<(), AppError> {
    let delta = change.on_hand_delta - change.reserved_delta;
    if delta >= 0 {
        return Ok(());
    }
    let Some(threshold) = store::threshold(conn, change.variant_id, change.location_id)? else {
        return Ok(());
    };
    let Some(level) = store::level(conn, change.variant_id, change.location_id)? else {
        return Ok(());
    };
    let after = level.on_hand - level.reserved;
    let before = after - delta;
    if before > threshold && after <= threshold {
        crate::events::enqueue(
            conn,
            &StockLow {
                variant_id: change.variant_id.to_string(),
                location_id: change.location_id.to_string(),
                available: after,
                threshold,
            },
        )?;
    }
    Ok(())
}

/// Applies a change and notes it; a shortage becomes a 409 naming `field`.
fn apply_or_refuse(
    conn: &mut DbConnection,
    touched: &mut Touched,
    change: &Change<'_>,
    field: &str,
    now: NaiveDateTime,
) -> Result<String, AppError> {
    match store::apply(conn, change, now)? {
        Ok(id) => {
            note_low_stock(conn, change)?;
            touched.note(
                change.variant_id,
                change.on_hand_delta,
                change.reserved_delta,
            );
            Ok(id)
        }
        Err(available) => Err(AppError::FieldConflict(
            "stock may not go below zero".into(),
            vec![FieldError::new(
                field,
                format!(
                    "would take available stock below zero ({available} available at this location)"
                ),
            )],
        )),
    }
}

pub struct Inventory {
    db: Db,
    catalog: Arc<dyn CatalogApi>,
    /// The store's default low-stock threshold, as the merchant last set it.
    profile: crate::profile::LiveProfile,
}

impl Inventory {
    pub fn new(db: Db, catalog: Arc<dyn CatalogApi>, profile: crate::profile::LiveProfile) -> Self {
        Self {
            db,
            catalog,
            profile,
        }
    }

    /// Checks that every variant exists and that the caller may act on it: another
    /// seller's variant is a 404, as if it did not exist.
    async fn check_variants(
        &self,
        who: Option<&Principal>,
        ids: &[(String, String)],
    ) -> Result<(), AppError> {
        let wanted: Vec<String> = ids.iter().map(|(id, _)| id.clone()).collect();
        let known = self.catalog.variants(&wanted).await?;
        let scope = who.map(|p| p.scope(Permission::CatalogManageAll));
        let mut problems = Vec::new();
        for (id, field) in ids {
            let visible = known.iter().find(|v| &v.variant_id == id).is_some_and(|v| {
                scope
                    .as_ref()
                    .is_none_or(|s: &Scope| s.allows(&v.seller_id))
            });
            if !visible {
                problems.push(FieldError::new(field.clone(), "no such variant"));
            }
        }
        if problems.is_empty() {
            Ok(())
        } else if who.is_some_and(|p| !p.has(Permission::CatalogManageAll)) {
            // A seller learns nothing about variants that are not theirs.
            Err(AppError::NotFound("no such variant".into()))
        } else {
            Err(AppError::Missing(problems))
        }
    }

    /// The location must exist, and take stock unless `leaving` (stock may still be moved
    /// out of a deactivated location, to empty it).
    async fn check_location(&self, id: &str, field: &str, leaving: bool) -> Result<(), AppError> {
        let owned = id.to_string();
        let row = self.db.read(move |c| store::location(c, &owned)).await?;
        match row {
            Some(l) if l.active || leaving => Ok(()),
            Some(_) => Err(AppError::invalid(field, "this location is deactivated")),
            None => Err(AppError::missing(field, "no such location")),
        }
    }

    /// Creates missing item and level rows before the transaction that moves stock, so
    /// that transaction only updates rows (two instances inserting the same row at once
    /// would otherwise make one of them fail).
    async fn ensure_rows(&self, pairs: Vec<(String, Vec<String>)>) -> Result<(), AppError> {
        for attempt in 0..2 {
            let pairs = pairs.clone();
            let result = self
                .db
                .write(move |conn| {
                    let now = now();
                    for (variant, locations) in &pairs {
                        let refs: Vec<&str> = locations.iter().map(String::as_str).collect();
                        store::ensure_rows(conn, variant, &refs, now)?;
                    }
                    Ok(())
                })
                .await;
            match result {
                Err(AppError::Conflict(_)) if attempt == 0 => continue,
                other => return other,
            }
        }
        Ok(())
    }

    // ---- locations ----

    pub async fn create_location(&self, input: LocationInput) -> Result<LocationView, AppError> {
        let name = check_text(&input.name, "name", 120)?;
        let kind = input.kind;
        self.db
            .write(move |conn| {
                if store::location_name_taken(conn, &name, None)? {
                    return Err(AppError::taken("name", "another location has this name"));
                }
                let id = new_id();
                store::insert_location(conn, &id, &name, kind.as_str(), now())?;
                store::location(conn, &id)?
                    .map(|l| l.view())
                    .ok_or_else(|| AppError::internal("location vanished"))
            })
            .await
    }

    pub async fn update_location(
        &self,
        id: &str,
        patch: LocationPatch,
    ) -> Result<LocationView, AppError> {
        let name = patch
            .name
            .as_deref()
            .map(|n| check_text(n, "name", 120))
            .transpose()?;
        let id = id.to_string();
        self.db
            .write(move |conn| {
                if store::location(conn, &id)?.is_none() {
                    return Err(AppError::NotFound("no such location".into()));
                }
                if let Some(name) = &name
                    && store::location_name_taken(conn, name, Some(&id))?
                {
                    return Err(AppError::taken("name", "another location has this name"));
                }
                store::update_location(conn, &id, name.as_deref(), patch.active, now())?;
                store::location(conn, &id)?
                    .map(|l| l.view())
                    .ok_or_else(|| AppError::internal("location vanished"))
            })
            .await
    }

    pub async fn active_locations(&self) -> Result<Vec<(String, String)>, AppError> {
        let rows = self
            .db
            .read(|c| store::list_locations(c, None, 1000))
            .await?;
        Ok(rows
            .into_iter()
            .filter(|l| l.active)
            .map(|l| (l.id, l.name))
            .collect())
    }

    pub async fn locations(&self, page: PageQuery) -> Result<Page<LocationView>, AppError> {
        let req = page.parse::<String>()?;
        let rows = self
            .db
            .read(move |c| store::list_locations(c, req.after.as_deref(), req.limit))
            .await?;
        let page = Page::from_rows(rows, req.limit, |l| l.id.clone());
        Ok(page.map(|l| l.view()))
    }

    // ---- reading stock ----

    pub async fn variant_stock(
        &self,
        who: &Principal,
        variant_id: &str,
    ) -> Result<VariantStockView, AppError> {
        self.check_variants(Some(who), &[(variant_id.to_string(), "variant_id".into())])
            .await
            .map_err(|e| match e {
                AppError::Validation(_) => AppError::NotFound("no such variant".into()),
                other => other,
            })?;
        let id = variant_id.to_string();
        let id_for_labels = id.clone();
        let mut view = self
            .db
            .read(move |conn| {
                let (on_hand, reserved, avg) = store::item(conn, &id)?.unwrap_or((0, 0, 0));
                let levels = store::levels_of(conn, std::slice::from_ref(&id), None)?;
                Ok(VariantStockView {
                    variant_id: id,
                    on_hand,
                    reserved,
                    available: on_hand - reserved,
                    avg_unit_cost_minor: avg,
                    locations: levels.iter().map(|l| l.view()).collect(),
                })
            })
            .await?;
        let labels = self.variant_labels([id_for_labels]).await?;
        for level in &mut view.locations {
            (level.sku, level.name) = labels.get(&level.variant_id).cloned().unwrap_or_default();
        }
        Ok(view)
    }

    pub async fn location_stock(
        &self,
        location_id: &str,
        page: PageQuery,
    ) -> Result<Page<LevelView>, AppError> {
        let req = page.parse::<String>()?;
        let id = location_id.to_string();
        let rows = self
            .db
            .read(move |conn| {
                if store::location(conn, &id)?.is_none() {
                    return Err(AppError::NotFound("no such location".into()));
                }
                store::levels_at(conn, &id, req.after.as_deref(), req.limit)
            })
            .await?;
        let page = Page::from_rows(rows, req.limit, |l| l.variant_id.clone());
        let mut page = page.map(|l| l.view());
        let labels = self
            .variant_labels(page.items.iter().map(|l| l.variant_id.clone()))
            .await?;
        for level in &mut page.items {
            (level.sku, level.name) = labels.get(&level.variant_id).cloned().unwrap_or_default();
        }
        Ok(page)
    }

    /// The SKU and name of each variant, as the catalog has them now.
    async fn variant_labels(
        &self,
        ids: impl IntoIterator<Item = String>,
    ) -> Result<std::collections::HashMap<String, (String, String)>, AppError> {
        let mut ids: Vec<String> = ids.into_iter().collect();
        ids.sort();
        ids.dedup();
        if ids.is_empty() {
            return Ok(Default::default());
        }
        Ok(self
            .catalog
            .variants(&ids)
            .await?
            .into_iter()
            .map(|i| (i.variant_id, (i.sku, i.name)))
            .collect())
    }

    async fn labelled_po(&self, mut po: PurchaseOrderView) -> Result<PurchaseOrderView, AppError> {
        let labels = self
            .variant_labels(po.lines.iter().map(|l| l.variant_id.clone()))
            .await?;
        label_po(&mut po, &labels);
        Ok(po)
    }

    /// The ledger, oldest first. Sellers must name one of their variants.
    pub async fn movements(
        &self,
        who: &Principal,
        variant_id: Option<String>,
        location_id: Option<String>,
        reference: Option<String>,
        page: PageQuery,
    ) -> Result<Page<MovementView>, AppError> {
        let req = page.parse::<String>()?;
        match &variant_id {
            Some(v) => {
                self.check_variants(Some(who), &[(v.clone(), "variant_id".into())])
                    .await?
            }
            None if !who.has(Permission::CatalogManageAll) => {
                return Err(AppError::invalid(
                    "variant_id",
                    "required unless you manage every seller's stock",
                ));
            }
            None => {}
        }
        let rows = self
            .db
            .read(move |conn| {
                store::list_movements(
                    conn,
                    &MovementFilter {
                        variant_id: variant_id.as_deref(),
                        location_id: location_id.as_deref(),
                        reference: reference.as_deref(),
                    },
                    req.after.as_deref(),
                    req.limit,
                )
            })
            .await?;
        let page = Page::from_rows(rows, req.limit, |m| m.id.clone());
        Ok(page.map(|m| m.view()))
    }

    pub async fn availability(
        &self,
        variant_ids: Vec<String>,
        location_id: Option<String>,
    ) -> Result<Vec<Availability>, AppError> {
        let rows = self
            .db
            .read(move |conn| store::levels_of(conn, &variant_ids, location_id.as_deref()))
            .await?;
        Ok(rows
            .into_iter()
            .map(|l| Availability {
                available: l.on_hand - l.reserved,
                variant_id: l.variant_id,
                location_id: l.location_id,
                on_hand: l.on_hand,
                reserved: l.reserved,
            })
            .collect())
    }

    // ---- changing stock ----

    pub async fn adjust(
        &self,
        who: &Principal,
        input: AdjustmentInput,
    ) -> Result<AdjustmentView, AppError> {
        let kind = input.kind.unwrap_or(MovementKind::Adjustment);
        let mut problems = Vec::new();
        if !matches!(kind, MovementKind::Adjustment | MovementKind::Return) {
            problems.push(FieldError::new("kind", "must be adjustment or return"));
        }
        if input.quantity == 0 || input.quantity.abs() > MAX_QUANTITY {
            problems.push(FieldError::new(
                "quantity",
                format!("must be non-zero and at most {MAX_QUANTITY} either way"),
            ));
        }
        if kind == MovementKind::Return && input.quantity < 0 {
            problems.push(FieldError::new("quantity", "a return adds stock"));
        }
        let reason = match check_text(&input.reason, "reason", 500) {
            Ok(r) => Some(r),
            Err(AppError::Validation(e)) => {
                problems.extend(e);
                None
            }
            Err(e) => return Err(e),
        };
        let reference = match input
            .reference
            .as_deref()
            .map(|r| check_text(r, "reference", 120))
        {
            Some(Err(AppError::Validation(e))) => {
                problems.extend(e);
                None
            }
            Some(Err(e)) => return Err(e),
            Some(Ok(r)) => Some(r),
            None => None,
        };
        if !problems.is_empty() {
            return Err(AppError::Validation(problems));
        }
        self.check_variants(
            Some(who),
            &[(input.variant_id.clone(), "variant_id".into())],
        )
        .await?;
        self.check_location(&input.location_id, "location_id", input.quantity < 0)
            .await?;
        self.ensure_rows(vec![(
            input.variant_id.clone(),
            vec![input.location_id.clone()],
        )])
        .await?;
        let actor = who.user_id().to_string();
        let answer = Answer::current();
        self.db
            .write(move |conn| {
                let now = now();
                let mut touched = Touched::default();
                let movement_id = apply_or_refuse(
                    conn,
                    &mut touched,
                    &Change {
                        variant_id: &input.variant_id,
                        location_id: &input.location_id,
                        kind,
                        on_hand_delta: input.quantity,
                        reserved_delta: 0,
                        unit_cost: None,
                        reason: reason.as_deref(),
                        reference: reference.as_deref(),
                        actor: &actor,
                    },
                    "quantity",
                    now,
                )?;
                touched.publish(conn)?;
                let level = store::level(conn, &input.variant_id, &input.location_id)?
                    .ok_or_else(|| AppError::internal("level vanished"))?;
                let view = AdjustmentView {
                    movement_id,
                    level: level.view(),
                };
                answer.record_in(conn, &view)?;
                Ok(view)
            })
            .await
    }

    /// Creates a transfer and ships it: `transfer_out` movements at the origin; the stock
    /// is in transit (in neither location) until the transfer is received.
    pub async fn ship_transfer(
        &self,
        who: &Principal,
        input: TransferInput,
    ) -> Result<TransferView, AppError> {
        let mut problems = Vec::new();
        if input.from_location_id == input.to_location_id {
            problems.push(FieldError::new(
                "to_location_id",
                "must differ from from_location_id",
            ));
        }
        let lines = check_lines(&input.lines, &mut problems);
        let reason = match input
            .reason
            .as_deref()
            .map(|r| check_text(r, "reason", 500))
        {
            Some(Err(AppError::Validation(e))) => {
                problems.extend(e);
                None
            }
            Some(Err(e)) => return Err(e),
            Some(Ok(r)) => Some(r),
            None => None,
        };
        if !problems.is_empty() {
            return Err(AppError::Validation(problems));
        }
        let ids: Vec<(String, String)> = input
            .lines
            .iter()
            .enumerate()
            .map(|(i, l)| (l.variant_id.clone(), format!("lines[{i}].variant_id")))
            .collect();
        self.check_variants(Some(who), &ids).await?;
        self.check_location(&input.from_location_id, "from_location_id", true)
            .await?;
        self.check_location(&input.to_location_id, "to_location_id", false)
            .await?;
        let (from, to) = (input.from_location_id.clone(), input.to_location_id.clone());
        self.ensure_rows(
            lines
                .keys()
                .map(|v| (v.clone(), vec![from.clone(), to.clone()]))
                .collect(),
        )
        .await?;
        let actor = who.user_id().to_string();
        let answer = Answer::current();
        self.db
            .write(move |conn| {
                let now = now();
                let transfer_id = new_id();
                let mut touched = Touched::default();
                let rows: Vec<(String, i64)> =
                    lines.iter().map(|(v, (_, q))| (v.clone(), *q)).collect();
                store::insert_transfer(
                    conn,
                    &store::NewTransfer {
                        id: &transfer_id,
                        from: &from,
                        to: &to,
                        reason: reason.as_deref(),
                        actor: &actor,
                    },
                    &rows,
                    now,
                )?;
                // Sorted by variant: concurrent writers take the item rows in one order.
                for (variant_id, (index, quantity)) in &lines {
                    apply_or_refuse(
                        conn,
                        &mut touched,
                        &Change {
                            variant_id,
                            location_id: &from,
                            kind: MovementKind::TransferOut,
                            on_hand_delta: -quantity,
                            reserved_delta: 0,
                            unit_cost: None,
                            reason: reason.as_deref(),
                            reference: Some(&transfer_id),
                            actor: &actor,
                        },
                        &format!("lines[{index}].quantity"),
                        now,
                    )?;
                }
                touched.publish(conn)?;
                let view = store::transfer(conn, &transfer_id)?
                    .map(transfer_view)
                    .ok_or_else(|| AppError::internal("transfer vanished"))?;
                answer.record_in(conn, &view)?;
                Ok(view)
            })
            .await
    }

    /// Receives an in-transit transfer at its destination: `transfer_in` movements of
    /// every line. A transfer is received once; a second receipt is a 409.
    pub async fn receive_transfer(
        &self,
        who: &Principal,
        id: &str,
    ) -> Result<TransferView, AppError> {
        let owned = id.to_string();
        let Some((row, lines)) = self.db.read(move |c| store::transfer(c, &owned)).await? else {
            return Err(AppError::NotFound("no such transfer".into()));
        };
        self.check_transfer_visible(who, &lines).await?;
        self.check_location(&row.to_location_id, "to_location_id", false)
            .await?;
        self.ensure_rows(
            lines
                .iter()
                .map(|(v, _)| (v.clone(), vec![row.to_location_id.clone()]))
                .collect(),
        )
        .await?;
        let (actor, id) = (who.user_id().to_string(), id.to_string());
        let answer = Answer::current();
        self.db
            .write(move |conn| {
                let now = now();
                if !store::mark_transfer_received(conn, &id, &actor, now)? {
                    return Err(AppError::FieldConflict(
                        "this transfer was already received".into(),
                        vec![FieldError::new("status", "the transfer is received")],
                    ));
                }
                let mut touched = Touched::default();
                for (variant_id, quantity) in &lines {
                    apply_or_refuse(
                        conn,
                        &mut touched,
                        &Change {
                            variant_id,
                            location_id: &row.to_location_id,
                            kind: MovementKind::TransferIn,
                            on_hand_delta: *quantity,
                            reserved_delta: 0,
                            unit_cost: None,
                            reason: row.reason.as_deref(),
                            reference: Some(&id),
                            actor: &actor,
                        },
                        "lines",
                        now,
                    )?;
                }
                touched.publish(conn)?;
                let view = store::transfer(conn, &id)?
                    .map(transfer_view)
                    .ok_or_else(|| AppError::internal("transfer vanished"))?;
                answer.record_in(conn, &view)?;
                Ok(view)
            })
            .await
    }

    /// One transfer; a seller sees only transfers of their own variants (a 404 otherwise).
    pub async fn transfer(&self, who: &Principal, id: &str) -> Result<TransferView, AppError> {
        let id = id.to_string();
        let found = self.db.read(move |c| store::transfer(c, &id)).await?;
        let Some(found) = found else {
            return Err(AppError::NotFound("no such transfer".into()));
        };
        self.check_transfer_visible(who, &found.1).await?;
        Ok(transfer_view(found))
    }

    /// A transfer is the caller's when every variant on it is: a seller's transfer never
    /// moves another seller's stock (shipping one checks each line), so one line decides.
    async fn check_transfer_visible(
        &self,
        who: &Principal,
        lines: &[(String, i64)],
    ) -> Result<(), AppError> {
        let scope = who.scope(Permission::CatalogManageAll);
        if matches!(scope, Scope::All) {
            return Ok(());
        }
        let ids: Vec<String> = lines.iter().map(|(v, _)| v.clone()).collect();
        let owners = self.catalog.variants(&ids).await?;
        let all_mine = !ids.is_empty()
            && ids.iter().all(|id| {
                owners
                    .iter()
                    .any(|v| &v.variant_id == id && scope.allows(&v.seller_id))
            });
        if all_mine {
            Ok(())
        } else {
            Err(AppError::NotFound("no such transfer".into()))
        }
    }

    /// Transfers by id; a seller's list holds only transfers of their own variants.
    pub async fn transfers(
        &self,
        who: &Principal,
        status: Option<String>,
        page: PageQuery,
    ) -> Result<Page<TransferView>, AppError> {
        if let Some(s) = &status
            && !["in_transit", "received"].contains(&s.as_str())
        {
            return Err(AppError::invalid(
                "status",
                "must be in_transit or received",
            ));
        }
        let req = page.parse::<String>()?;
        let scope = who.scope(Permission::CatalogManageAll);
        let mut after = req.after.clone();
        let mut items = Vec::new();
        // A seller's transfers are a subset: read on in batches until the page is full,
        // within a bound, and hand back a cursor at the last row read.
        let mut more = true;
        for _ in 0..20 {
            let (status, from) = (status.clone(), after.clone());
            let batch = self
                .db
                .read(move |c| store::list_transfers(c, status.as_deref(), from.as_deref(), 200))
                .await?;
            more = batch.len() > 200;
            let owners = if matches!(scope, Scope::All) {
                Vec::new()
            } else {
                let mut ids: Vec<String> = batch
                    .iter()
                    .flat_map(|(_, lines)| lines.iter().map(|(v, _)| v.clone()))
                    .collect();
                ids.sort();
                ids.dedup();
                self.catalog.variants(&ids).await?
            };
            for found in batch.into_iter().take(200) {
                after = Some(found.0.id.clone());
                let visible = matches!(scope, Scope::All)
                    || (!found.1.is_empty()
                        && found.1.iter().all(|(id, _)| {
                            owners
                                .iter()
                                .any(|v| &v.variant_id == id && scope.allows(&v.seller_id))
                        }));
                if visible {
                    items.push(found);
                    if items.len() == req.limit {
                        break;
                    }
                }
            }
            if items.len() == req.limit || !more {
                break;
            }
        }
        let next_cursor = (items.len() == req.limit || more)
            .then(|| after.map(|a| crate::http::pagination::encode_cursor(&a)))
            .flatten();
        Ok(Page {
            items: items.into_iter().map(transfer_view).collect(),
            next_cursor,
        })
    }

    // ---- cycle counts ----

    /// Records what was counted at a location: each difference from on hand becomes an
    /// `adjustment` with reason `cycle count`, all lines in one transaction. A count below
    /// what is reserved there is refused (the reservations would have nothing to take).
    pub async fn count(&self, who: &Principal, input: CountInput) -> Result<CountView, AppError> {
        let mut problems = Vec::new();
        if input.lines.is_empty() {
            problems.push(FieldError::new("lines", "must not be empty"));
        }
        let mut lines: BTreeMap<String, (usize, i64)> = BTreeMap::new();
        for (i, l) in input.lines.iter().enumerate() {
            if !(0..=MAX_QUANTITY).contains(&l.counted) {
                problems.push(FieldError::new(
                    format!("lines[{i}].counted"),
                    format!("must be between 0 and {MAX_QUANTITY}"),
                ));
            }
            if lines.insert(l.variant_id.clone(), (i, l.counted)).is_some() {
                problems.push(FieldError::new(
                    format!("lines[{i}].variant_id"),
                    "appears on another line",
                ));
            }
        }
        if !problems.is_empty() {
            return Err(AppError::Validation(problems));
        }
        let ids: Vec<(String, String)> = input
            .lines
            .iter()
            .enumerate()
            .map(|(i, l)| (l.variant_id.clone(), format!("lines[{i}].variant_id")))
            .collect();
        self.check_variants(Some(who), &ids).await?;
        self.check_location(&input.location_id, "location_id", true)
            .await?;
        let location = input.location_id.clone();
        self.ensure_rows(
            lines
                .keys()
                .map(|v| (v.clone(), vec![location.clone()]))
                .collect(),
        )
        .await?;
        let actor = who.user_id().to_string();
        let answer = Answer::current();
        self.db
            .write(move |conn| {
                let now = now();
                let mut touched = Touched::default();
                let mut out = Vec::new();
                // The differences must be from current on-hand values, not from a snapshot
                // (MySQL's repeatable read) that a concurrent change has moved past.
                let variants: Vec<String> = lines.keys().cloned().collect();
                store::lock_items(conn, &variants, now)?;
                for (variant_id, (index, counted)) in &lines {
                    let level = store::level(conn, variant_id, &location)?
                        .ok_or_else(|| AppError::internal("level vanished"))?;
                    if *counted < level.reserved {
                        return Err(AppError::FieldConflict(
                            "counted below reserved".into(),
                            vec![FieldError::new(
                                format!("lines[{index}].counted"),
                                format!(
                                    "{} are reserved here; release or commit them before counting fewer",
                                    level.reserved
                                ),
                            )],
                        ));
                    }
                    let difference = counted - level.on_hand;
                    let movement_id = if difference == 0 {
                        None
                    } else {
                        Some(apply_or_refuse(
                            conn,
                            &mut touched,
                            &Change {
                                variant_id,
                                location_id: &location,
                                kind: MovementKind::Adjustment,
                                on_hand_delta: difference,
                                reserved_delta: 0,
                                unit_cost: None,
                                reason: Some("cycle count"),
                                reference: None,
                                actor: &actor,
                            },
                            &format!("lines[{index}].counted"),
                            now,
                        )?)
                    };
                    out.push((
                        *index,
                        CountLineView {
                            variant_id: variant_id.clone(),
                            counted: *counted,
                            previous: level.on_hand,
                            difference,
                            movement_id,
                        },
                    ));
                }
                touched.publish(conn)?;
                out.sort_by_key(|(i, _)| *i);
                let view = CountView {
                    location_id: location,
                    lines: out.into_iter().map(|(_, l)| l).collect(),
                };
                answer.record_in(conn, &view)?;
                Ok(view)
            })
            .await
    }

    // ---- thresholds, low stock, reordering ----

    pub async fn set_thresholds(
        &self,
        input: ThresholdsInput,
    ) -> Result<Vec<ThresholdInput>, AppError> {
        let mut problems = Vec::new();
        if input.thresholds.is_empty() || input.thresholds.len() > 500 {
            problems.push(FieldError::new("thresholds", "must hold 1 to 500 entries"));
        }
        let mut seen = BTreeSet::new();
        for (i, t) in input.thresholds.iter().enumerate() {
            if let Some(v) = t.threshold
                && !(0..=MAX_QUANTITY).contains(&v)
            {
                problems.push(FieldError::new(
                    format!("thresholds[{i}].threshold"),
                    format!("must be between 0 and {MAX_QUANTITY}"),
                ));
            }
            if !seen.insert((t.variant_id.clone(), t.location_id.clone())) {
                problems.push(FieldError::new(
                    format!("thresholds[{i}].variant_id"),
                    "appears twice for this location",
                ));
            }
        }
        if !problems.is_empty() {
            return Err(AppError::Validation(problems));
        }
        let ids: Vec<(String, String)> = input
            .thresholds
            .iter()
            .enumerate()
            .map(|(i, t)| (t.variant_id.clone(), format!("thresholds[{i}].variant_id")))
            .collect();
        self.check_variants(None, &ids).await?;
        for (i, t) in input.thresholds.iter().enumerate() {
            self.check_location(
                &t.location_id,
                &format!("thresholds[{i}].location_id"),
                true,
            )
            .await?;
        }
        let entries = input.thresholds.clone();
        self.db
            .write(move |conn| {
                let now = now();
                for t in &entries {
                    store::set_threshold(conn, &t.variant_id, &t.location_id, t.threshold, now)?;
                }
                Ok(())
            })
            .await?;
        Ok(input.thresholds)
    }

    /// Levels at or below their threshold (their own, else the store's default), by
    /// location then variant.
    pub async fn low_stock(
        &self,
        location_id: Option<String>,
    ) -> Result<Vec<LowStockView>, AppError> {
        let default = self.profile.get().low_stock_threshold;
        let mut low = self
            .db
            .read(move |conn| {
                let mut out = Vec::new();
                if let Some(threshold) = default {
                    for l in store::unwatched_low_levels(conn, location_id.as_deref(), threshold)? {
                        out.push(LowStockView {
                            variant_id: l.variant_id,
                            sku: String::new(),
                            name: String::new(),
                            location_id: l.location_id,
                            on_hand: l.on_hand,
                            reserved: l.reserved,
                            available: l.on_hand - l.reserved,
                            threshold,
                        });
                    }
                }
                for (variant, location, threshold) in
                    store::thresholds_at(conn, location_id.as_deref())?
                {
                    let (on_hand, reserved) = store::level(conn, &variant, &location)?
                        .map(|l| (l.on_hand, l.reserved))
                        .unwrap_or((0, 0));
                    if on_hand - reserved <= threshold {
                        out.push(LowStockView {
                            variant_id: variant,
                            sku: String::new(),
                            name: String::new(),
                            location_id: location,
                            on_hand,
                            reserved,
                            available: on_hand - reserved,
                            threshold,
                        });
                    }
                }
                out.sort_by(|a, b| {
                    (&a.location_id, &a.variant_id).cmp(&(&b.location_id, &b.variant_id))
                });
                Ok(out)
            })
            .await?;
        let mut ids: Vec<String> = low.iter().map(|l| l.variant_id.clone()).collect();
        ids.sort();
        ids.dedup();
        let infos = self.catalog.variants(&ids).await?;
        for row in &mut low {
            if let Some(info) = infos.iter().find(|i| i.variant_id == row.variant_id) {
                row.sku = info.sku.clone();
                row.name = info.name.clone();
            }
        }
        Ok(low)
    }

    /// Variants at a location that need reordering: those sold in the last `days` days or
    /// with a threshold there, whose available stock is below what covers the supplier's
    /// lead time at the recent daily velocity plus the threshold.
    pub async fn reorder_suggestions(
        &self,
        location_id: String,
        days: i64,
    ) -> Result<Vec<ReorderSuggestion>, AppError> {
        if !(1..=365).contains(&days) {
            return Err(AppError::invalid("days", "must be between 1 and 365"));
        }
        self.check_location(&location_id, "location_id", true)
            .await?;
        let mut out = self
            .db
            .read(move |conn| {
                let since = now() - chrono::Duration::days(days);
                let mut sold: BTreeMap<String, i64> = store::sold_since(conn, &location_id, since)?
                    .into_iter()
                    .map(|s| (s.variant_id, s.sold))
                    .collect();
                let thresholds: BTreeMap<String, i64> =
                    store::thresholds_at(conn, Some(&location_id))?
                        .into_iter()
                        .map(|(v, _, t)| (v, t))
                        .collect();
                for v in thresholds.keys() {
                    sold.entry(v.clone()).or_insert(0);
                }
                let mut out = Vec::new();
                for (variant, sold) in sold {
                    let threshold = thresholds.get(&variant).copied().unwrap_or(0);
                    let available = store::level(conn, &variant, &location_id)?
                        .map(|l| l.on_hand - l.reserved)
                        .unwrap_or(0);
                    let lead = store::lead_time_of(conn, &variant)?
                        .map(i64::from)
                        .unwrap_or(DEFAULT_LEAD_TIME_DAYS);
                    let suggested = reorder_quantity(sold, days, lead, threshold, available);
                    if suggested <= 0 {
                        continue;
                    }
                    let velocity = sold as f64 / days as f64;
                    out.push(ReorderSuggestion {
                        variant_id: variant,
                        sku: String::new(),
                        name: String::new(),
                        location_id: location_id.clone(),
                        sold,
                        window_days: days,
                        daily_velocity: velocity,
                        available,
                        days_of_cover: (sold > 0).then(|| available as f64 / velocity),
                        lead_time_days: lead,
                        threshold,
                        suggested_quantity: suggested,
                    });
                }
                Ok(out)
            })
            .await?;
        let labels = self
            .variant_labels(out.iter().map(|r| r.variant_id.clone()))
            .await?;
        for row in &mut out {
            (row.sku, row.name) = labels.get(&row.variant_id).cloned().unwrap_or_default();
        }
        Ok(out)
    }

    // ---- reservations ----

    /// Reserves every line or none. `Ok(Err(shortage))` names the first line short of
    /// stock; nothing is recorded then, so the same reference may try again later.
    pub async fn reserve(
        &self,
        actor: &str,
        reference: &str,
        location_id: &str,
        lines: &[StockLine],
        ttl_secs: u64,
    ) -> Result<Result<ReservationView, (usize, Shortage)>, AppError> {
        let reference = check_reference(reference)?;
        let mut problems = Vec::new();
        let input: Vec<TransferLineInput> = lines
            .iter()
            .map(|l| TransferLineInput {
                variant_id: l.variant_id.clone(),
                quantity: l.quantity,
            })
            .collect();
        let lines = check_lines(&input, &mut problems);
        if ttl_secs > MAX_TTL_SECS {
            problems.push(FieldError::new(
                "ttl_secs",
                format!("must be at most {MAX_TTL_SECS}"),
            ));
        }
        if !problems.is_empty() {
            return Err(AppError::Validation(problems));
        }
        if let Some(existing) = self.reservation(&reference).await? {
            return same_lines(existing, location_id, &lines).map(Ok);
        }
        let ids: Vec<(String, String)> = input
            .iter()
            .enumerate()
            .map(|(i, l)| (l.variant_id.clone(), format!("lines[{i}].variant_id")))
            .collect();
        self.check_variants(None, &ids).await?;
        self.check_location(location_id, "location_id", false)
            .await?;
        let shortage: Arc<Mutex<Option<(usize, Shortage)>>> = Arc::default();
        let slot = shortage.clone();
        let wanted = lines.clone();
        let (actor, location, reference_owned) = (
            actor.to_string(),
            location_id.to_string(),
            reference.clone(),
        );
        let answer = Answer::current();
        let outcome = self
            .db
            .write(move |conn| {
                let now = now();
                if store::reservation(conn, &reference_owned)?.is_some() {
                    return Ok(());
                }
                let id = new_id();
                let expires_at =
                    (ttl_secs > 0).then(|| now + chrono::TimeDelta::seconds(ttl_secs as i64));
                let rows: Vec<(String, i64)> =
                    lines.iter().map(|(v, (_, q))| (v.clone(), *q)).collect();
                // The row claims the reference: a concurrent reservation of the same
                // reference waits on it and then fails on the unique key.
                store::insert_reservation(
                    conn,
                    &id,
                    &reference_owned,
                    &location,
                    expires_at,
                    &rows,
                    now,
                )?;
                let mut touched = Touched::default();
                for (variant_id, (index, quantity)) in &lines {
                    let change = Change {
                        variant_id,
                        location_id: &location,
                        kind: MovementKind::Reservation,
                        on_hand_delta: 0,
                        reserved_delta: *quantity,
                        unit_cost: None,
                        reason: None,
                        reference: Some(&reference_owned),
                        actor: &actor,
                    };
                    if let Err(available) = store::apply(conn, &change, now)? {
                        if let Ok(mut s) = slot.lock() {
                            *s = Some((
                                *index,
                                Shortage {
                                    variant_id: variant_id.clone(),
                                    requested: *quantity,
                                    available,
                                },
                            ));
                        }
                        // Rolls back every line reserved so far and the reservation row.
                        return Err(AppError::Conflict("insufficient stock".into()));
                    }
                    note_low_stock(conn, &change)?;
                    touched.note(variant_id, 0, *quantity);
                }
                touched.publish(conn)?;
                let view = reservation_view(conn, &reference_owned)?
                    .ok_or_else(|| AppError::internal("reservation vanished"))?;
                answer.record_in(conn, &view)
            })
            .await;
        let short = shortage.lock().ok().and_then(|mut s| s.take());
        match (outcome, short) {
            (Err(_), Some(short)) => Ok(Err(short)),
            // Lost the race for the reference to a concurrent request: its outcome stands.
            (Err(AppError::Conflict(_)), None) | (Ok(()), None) => {
                match self.reservation(&reference).await? {
                    Some(view) => same_lines(view, location_id, &wanted).map(Ok),
                    None => Err(AppError::Unavailable(
                        "a concurrent reservation conflicted; try again".into(),
                    )),
                }
            }
            (Err(e), None) => Err(e),
            (Ok(()), Some(short)) => Ok(Err(short)),
        }
    }

    pub async fn reservation(&self, reference: &str) -> Result<Option<ReservationView>, AppError> {
        let reference = reference.to_string();
        self.db
            .read(move |conn| reservation_view(conn, &reference))
            .await
    }

    /// Ends an active reservation: `commit` sells it, otherwise it returns to stock.
    /// Repeating the same ending is a no-op; the other ending after it is a 409.
    pub async fn close(
        &self,
        actor: &str,
        reference: &str,
        commit: bool,
    ) -> Result<ReservationView, AppError> {
        let (actor, reference_owned) = (actor.to_string(), reference.to_string());
        self.db
            .write(move |conn| close_in(conn, &actor, &reference_owned, commit))
            .await?;
        self.reservation(reference)
            .await?
            .ok_or_else(|| AppError::NotFound("no such reservation".into()))
    }

    /// Releases reservations whose time ran out; returns how many.
    pub async fn release_expired(&self) -> Result<usize, AppError> {
        let due = self
            .db
            .read(|conn| store::expired_references(conn, now(), 100))
            .await?;
        let mut released = 0;
        for reference in due {
            match self.close(SYSTEM, &reference, false).await {
                Ok(_) => released += 1,
                // Committed in the meantime: nothing to release.
                Err(AppError::Conflict(_)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(released)
    }

    // ---- suppliers ----

    pub async fn create_supplier(&self, input: SupplierInput) -> Result<SupplierView, AppError> {
        let mut problems = Vec::new();
        let mut take = |r: Result<String, AppError>| match r {
            Ok(v) => Some(v),
            Err(AppError::Validation(e)) => {
                problems.extend(e);
                None
            }
            Err(e) => {
                problems.push(FieldError::new("", e.to_string()));
                None
            }
        };
        let name = take(check_text(&input.name, "name", 200));
        let gstin = input
            .gstin
            .as_deref()
            .and_then(|g| take(Gstin::parse(g, "gstin").map(|g| g.as_str().to_string())));
        let contact_name = input
            .contact_name
            .as_deref()
            .and_then(|c| take(check_text(c, "contact_name", 200)));
        let email = input
            .email
            .as_deref()
            .and_then(|e| take(Email::parse(e, "email").map(|e| e.as_str().to_string())));
        let phone = input.phone.as_deref().and_then(|p| {
            take(
                crate::contracts::fields::phone(p, "phone")
                    .map_err(|e| AppError::Validation(vec![e])),
            )
        });
        if let Some(days) = input.lead_time_days
            && !(0..=365).contains(&days)
        {
            problems.push(FieldError::new(
                "lead_time_days",
                "must be between 0 and 365",
            ));
        }
        if !problems.is_empty() {
            return Err(AppError::Validation(problems));
        }
        let name = name.unwrap_or_default();
        let lead_time_days = input.lead_time_days;
        self.db
            .write(move |conn| {
                if let Some(g) = &gstin
                    && store::gstin_taken(conn, g)?
                {
                    return Err(AppError::taken("gstin", "another supplier has this GSTIN"));
                }
                let id = new_id();
                store::insert_supplier(
                    conn,
                    &store::NewSupplier {
                        id: &id,
                        name: &name,
                        gstin: gstin.as_deref(),
                        contact_name: contact_name.as_deref(),
                        email: email.as_deref(),
                        phone: phone.as_deref(),
                        lead_time_days,
                    },
                    now(),
                )?;
                store::supplier(conn, &id)?
                    .map(|s| s.view())
                    .ok_or_else(|| AppError::internal("supplier vanished"))
            })
            .await
    }

    pub async fn suppliers(&self, page: PageQuery) -> Result<Page<SupplierView>, AppError> {
        let req = page.parse::<String>()?;
        let rows = self
            .db
            .read(move |c| store::list_suppliers(c, req.after.as_deref(), req.limit))
            .await?;
        let page = Page::from_rows(rows, req.limit, |s| s.id.clone());
        Ok(page.map(|s| s.view()))
    }

    // ---- purchase orders ----

    pub async fn create_po(
        &self,
        who: &Principal,
        input: PurchaseOrderInput,
    ) -> Result<PurchaseOrderView, AppError> {
        let mut problems = Vec::new();
        if input.lines.is_empty() {
            problems.push(FieldError::new("lines", "must not be empty"));
        }
        let mut seen = BTreeSet::new();
        for (i, l) in input.lines.iter().enumerate() {
            if let Err(AppError::Validation(e)) =
                check_positive(l.quantity, &format!("lines[{i}].quantity"))
            {
                problems.extend(e);
            }
            if !(0..=1_000_000_000_000).contains(&l.unit_cost_minor) {
                problems.push(FieldError::new(
                    format!("lines[{i}].unit_cost_minor"),
                    "must be between 0 and 1000000000000",
                ));
            }
            if !seen.insert(l.variant_id.clone()) {
                problems.push(FieldError::new(
                    format!("lines[{i}].variant_id"),
                    "appears on another line",
                ));
            }
        }
        if !problems.is_empty() {
            return Err(AppError::Validation(problems));
        }
        let ids: Vec<(String, String)> = input
            .lines
            .iter()
            .enumerate()
            .map(|(i, l)| (l.variant_id.clone(), format!("lines[{i}].variant_id")))
            .collect();
        self.check_variants(None, &ids).await?;
        let created_by = who.user_id().to_string();
        let po = self
            .db
            .write(move |conn| {
                if store::supplier(conn, &input.supplier_id)?.is_none() {
                    return Err(AppError::missing("supplier_id", "no such supplier"));
                }
                let id = new_id();
                let lines: Vec<(String, i64, i64)> = input
                    .lines
                    .iter()
                    .map(|l| (l.variant_id.clone(), l.quantity, l.unit_cost_minor))
                    .collect();
                store::insert_po(conn, &id, &input.supplier_id, &created_by, &lines, now())?;
                po_view(conn, &id)
            })
            .await?;
        self.labelled_po(po).await
    }

    pub async fn po(&self, id: &str) -> Result<PurchaseOrderView, AppError> {
        let id = id.to_string();
        let po = self.db.read(move |conn| po_view(conn, &id)).await?;
        self.labelled_po(po).await
    }

    pub async fn pos(
        &self,
        status: Option<PoStatus>,
        page: PageQuery,
    ) -> Result<Page<PurchaseOrderView>, AppError> {
        let req = page.parse::<String>()?;
        let rows = self
            .db
            .read(move |c| {
                store::list_pos(
                    c,
                    status.map(PoStatus::as_str),
                    req.after.as_deref(),
                    req.limit,
                )
            })
            .await?;
        let page = Page::from_rows(rows, req.limit, |(p, _)| p.id.clone());
        let mut page = page.map(|(p, l)| p.view(&l));
        let labels = self
            .variant_labels(
                page.items
                    .iter()
                    .flat_map(|p| p.lines.iter().map(|l| l.variant_id.clone())),
            )
            .await?;
        for po in &mut page.items {
            label_po(po, &labels);
        }
        Ok(page)
    }

    pub async fn set_po_status(
        &self,
        id: &str,
        patch: PurchaseOrderPatch,
    ) -> Result<PurchaseOrderView, AppError> {
        if !matches!(patch.status, PoStatus::Sent | PoStatus::Cancelled) {
            return Err(AppError::invalid(
                "status",
                "may only be set to sent or cancelled; receiving sets the others",
            ));
        }
        let id = id.to_string();
        let po = self
            .db
            .write(move |conn| {
                let (row, _) = store::po(conn, &id)?
                    .ok_or_else(|| AppError::NotFound("no such purchase order".into()))?;
                let current = PoStatus::parse(&row.status)
                    .ok_or_else(|| AppError::internal("unknown purchase order status"))?;
                if current == patch.status {
                    return po_view(conn, &id);
                }
                if !current.can_become(patch.status)
                    || !store::set_po_status(
                        conn,
                        &id,
                        current.as_str(),
                        patch.status.as_str(),
                        now(),
                    )?
                {
                    return Err(AppError::FieldConflict(
                        "the purchase order cannot move to this status".into(),
                        vec![FieldError::new(
                            "status",
                            format!(
                                "a {} order cannot become {}",
                                current.as_str(),
                                patch.status.as_str()
                            ),
                        )],
                    ));
                }
                po_view(conn, &id)
            })
            .await?;
        self.labelled_po(po).await
    }

    /// Receives goods against a sent purchase order into a location: receipt
    /// movements at the line's unit cost, the weighted-average cost, the received
    /// quantities and the order's status, in one transaction.
    pub async fn receive(
        &self,
        who: &Principal,
        po_id: &str,
        input: ReceiptInput,
    ) -> Result<PurchaseOrderView, AppError> {
        let mut problems = Vec::new();
        let lines = check_lines(&input.lines, &mut problems);
        if !problems.is_empty() {
            return Err(AppError::Validation(problems));
        }
        self.check_location(&input.location_id, "location_id", false)
            .await?;
        let po_owned = po_id.to_string();
        let existing = self.db.read(move |c| store::po(c, &po_owned)).await?;
        let Some((_, po_lines)) = existing else {
            return Err(AppError::NotFound("no such purchase order".into()));
        };
        let labels = self
            .variant_labels(po_lines.iter().map(|l| l.variant_id.clone()))
            .await?;
        let mut unknown = Vec::new();
        for (variant, (index, _)) in &lines {
            if !po_lines.iter().any(|l| &l.variant_id == variant) {
                unknown.push(FieldError::new(
                    format!("lines[{index}].variant_id"),
                    "is not on this purchase order",
                ));
            }
        }
        if !unknown.is_empty() {
            return Err(AppError::Validation(unknown));
        }
        let location = input.location_id.clone();
        self.ensure_rows(
            lines
                .keys()
                .map(|v| (v.clone(), vec![location.clone()]))
                .collect(),
        )
        .await?;
        let (actor, po_id, allow_over) = (
            who.user_id().to_string(),
            po_id.to_string(),
            input.allow_over_receipt,
        );
        let answer = Answer::current();
        self.db
            .write(move |conn| {
                let now = now();
                // Locks the order first, so two receipts of it queue and each sees what
                // the other received.
                let mut status = None;
                for s in [PoStatus::Sent, PoStatus::PartiallyReceived] {
                    if store::set_po_status(conn, &po_id, s.as_str(), s.as_str(), now)? {
                        status = Some(s);
                        break;
                    }
                }
                if status.is_none() {
                    let current = store::po(conn, &po_id)?.map(|(p, _)| p.status).unwrap_or_default();
                    return Err(AppError::FieldConflict(
                        "only a sent or partially received purchase order can be received".into(),
                        vec![FieldError::new(
                            "status",
                            format!("the purchase order is {current}"),
                        )],
                    ));
                }
                let (_, po_lines) = store::po(conn, &po_id)?
                    .ok_or_else(|| AppError::NotFound("no such purchase order".into()))?;
                let mut over = Vec::new();
                for (variant, (index, quantity)) in &lines {
                    if let Some(l) = po_lines.iter().find(|l| &l.variant_id == variant)
                        && l.quantity_received + quantity > l.quantity_ordered
                        && !allow_over
                    {
                        over.push(FieldError::new(
                            format!("lines[{index}].quantity"),
                            format!(
                                "{} of {} already received: receiving {quantity} more exceeds the order (send allow_over_receipt: true to accept it)",
                                l.quantity_received, l.quantity_ordered
                            ),
                        ));
                    }
                }
                if !over.is_empty() {
                    return Err(AppError::FieldConflict(
                        "more than ordered".into(),
                        over,
                    ));
                }
                let mut touched = Touched::default();
                for (variant, (index, quantity)) in &lines {
                    let cost = po_lines
                        .iter()
                        .find(|l| &l.variant_id == variant)
                        .map(|l| l.unit_cost)
                        .unwrap_or(0);
                    apply_or_refuse(
                        conn,
                        &mut touched,
                        &Change {
                            variant_id: variant,
                            location_id: &location,
                            kind: MovementKind::Receipt,
                            on_hand_delta: *quantity,
                            reserved_delta: 0,
                            unit_cost: Some(cost),
                            reason: None,
                            reference: Some(&po_id),
                            actor: &actor,
                        },
                        &format!("lines[{index}].quantity"),
                        now,
                    )?;
                    // The item row is ours (locked) since the change above.
                    let (on_hand, _, average) = store::item(conn, variant)?.unwrap_or((0, 0, 0));
                    let average = weighted_average(average, on_hand - quantity, *quantity, cost);
                    store::set_avg_cost(conn, variant, average)?;
                    store::add_received(conn, &po_id, variant, *quantity)?;
                }
                touched.publish(conn)?;
                let (_, after) = store::po(conn, &po_id)?
                    .ok_or_else(|| AppError::NotFound("no such purchase order".into()))?;
                let next = if after.iter().all(|l| l.quantity_received >= l.quantity_ordered) {
                    PoStatus::Received
                } else {
                    PoStatus::PartiallyReceived
                };
                if let Some(current) = status
                    && current != next
                {
                    store::set_po_status(conn, &po_id, current.as_str(), next.as_str(), now)?;
                }
                let mut view = po_view(conn, &po_id)?;
                label_po(&mut view, &labels);
                answer.record_in(conn, &view)?;
                Ok(view)
            })
            .await
    }
}

/// What `seed_demo` created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoStock {
    pub locations: usize,
    /// The shop location (where the demo till sells from).
    pub shop_location_id: String,
    pub stocked_variants: usize,
    pub received_purchase_orders: usize,
}

/// Demo stock for `kirana seed --demo`, in one transaction: two locations, a supplier with
/// a valid GSTIN, one purchase order sent and fully received into the warehouse (receipt
/// movements at cost, so average costs exist), then opening stock of every variant at
/// both locations. Every change goes through the ledger and publishes `StockChanged`, so
/// the catalog shows the variants in stock once the outbox is dispatched.
pub fn seed_demo(
    conn: &mut DbConnection,
    variant_ids: &[String],
    actor: &str,
) -> Result<DemoStock, AppError> {
    let now = now();
    let mut location_ids = Vec::new();
    for (name, kind) in [
        ("Main Warehouse", LocationKind::Warehouse),
        ("Shop Counter", LocationKind::Shop),
    ] {
        if store::location_name_taken(conn, name, None)? {
            return Err(AppError::Conflict(format!(
                "a location named {name} exists already; seed an empty database"
            )));
        }
        let id = new_id();
        store::insert_location(conn, &id, name, kind.as_str(), now)?;
        location_ids.push(id);
    }
    let (warehouse, shop) = (&location_ids[0], &location_ids[1]);
    for variant in variant_ids {
        store::ensure_rows(conn, variant, &[warehouse, shop], now)?;
    }

    let first14 = "27AAPFU0939F1Z";
    let check =
        super::model::gstin_check_char(first14).ok_or_else(|| AppError::internal("demo GSTIN"))?;
    let supplier_id = new_id();
    store::insert_supplier(
        conn,
        &store::NewSupplier {
            id: &supplier_id,
            name: "Deccan Wholesale Foods",
            gstin: Some(&format!("{first14}{check}")),
            contact_name: Some("Suresh Patil"),
            email: Some("orders@deccanwholesale.in"),
            phone: Some("+91 20 2612 3456"),
            lead_time_days: Some(7),
        },
        now,
    )?;

    let mut touched = Touched::default();
    let po_id = new_id();
    let po_lines: Vec<(String, i64, i64)> = variant_ids
        .iter()
        .take(5)
        .enumerate()
        .map(|(i, v)| (v.clone(), 24, 4_500 + 500 * i as i64))
        .collect();
    if !po_lines.is_empty() {
        store::insert_po(conn, &po_id, &supplier_id, actor, &po_lines, now)?;
        store::set_po_status(conn, &po_id, "draft", "sent", now)?;
        for (variant, quantity, cost) in &po_lines {
            apply_or_refuse(
                conn,
                &mut touched,
                &Change {
                    variant_id: variant,
                    location_id: warehouse,
                    kind: MovementKind::Receipt,
                    on_hand_delta: *quantity,
                    reserved_delta: 0,
                    unit_cost: Some(*cost),
                    reason: None,
                    reference: Some(&po_id),
                    actor,
                },
                "lines",
                now,
            )?;
            let (on_hand, _, average) = store::item(conn, variant)?.unwrap_or((0, 0, 0));
            let average = weighted_average(average, on_hand - quantity, *quantity, *cost);
            store::set_avg_cost(conn, variant, average)?;
            store::add_received(conn, &po_id, variant, *quantity)?;
        }
        store::set_po_status(conn, &po_id, "sent", "received", now)?;
    }

    for (i, variant) in variant_ids.iter().enumerate() {
        for (location, quantity) in [
            (warehouse, 20 + (i as i64 * 7) % 40),
            (shop, 4 + (i as i64 % 9)),
        ] {
            apply_or_refuse(
                conn,
                &mut touched,
                &Change {
                    variant_id: variant,
                    location_id: location,
                    kind: MovementKind::Adjustment,
                    on_hand_delta: quantity,
                    reserved_delta: 0,
                    unit_cost: None,
                    reason: Some("opening stock"),
                    reference: None,
                    actor,
                },
                "quantity",
                now,
            )?;
        }
    }
    touched.publish(conn)?;
    Ok(DemoStock {
        locations: location_ids.len(),
        shop_location_id: shop.clone(),
        stocked_variants: variant_ids.len(),
        received_purchase_orders: usize::from(!po_lines.is_empty()),
    })
}

fn label_po(
    po: &mut PurchaseOrderView,
    labels: &std::collections::HashMap<String, (String, String)>,
) {
    for line in &mut po.lines {
        (line.sku, line.name) = labels.get(&line.variant_id).cloned().unwrap_or_default();
    }
}

fn po_view(conn: &mut DbConnection, id: &str) -> Result<PurchaseOrderView, AppError> {
    let (row, lines) =
        store::po(conn, id)?.ok_or_else(|| AppError::NotFound("no such purchase order".into()))?;
    Ok(row.view(&lines))
}

/// Checks quantity lines: non-empty, positive quantities, each variant once. Returns them
/// sorted by variant id with their index in the request.
fn check_lines(
    lines: &[TransferLineInput],
    problems: &mut Vec<FieldError>,
) -> BTreeMap<String, (usize, i64)> {
    let mut out = BTreeMap::new();
    if lines.is_empty() {
        problems.push(FieldError::new("lines", "must not be empty"));
    }
    for (i, l) in lines.iter().enumerate() {
        if let Err(AppError::Validation(e)) =
            check_positive(l.quantity, &format!("lines[{i}].quantity"))
        {
            problems.extend(e);
        }
        if l.variant_id.trim().is_empty() {
            problems.push(FieldError::new(
                format!("lines[{i}].variant_id"),
                "must not be empty",
            ));
        } else if out.insert(l.variant_id.clone(), (i, l.quantity)).is_some() {
            problems.push(FieldError::new(
                format!("lines[{i}].variant_id"),
                "appears on another line",
            ));
        }
    }
    out
}

/// A reservation reference (an order number or id): 1 to 120 visible ASCII characters
/// that need no escaping in a URL path, since it names the reservation there.
fn check_reference(raw: &str) -> Result<String, AppError> {
    let r = raw.trim();
    let ok = !r.is_empty()
        && r.len() <= 120
        && r.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:~".contains(&b));
    if ok {
        Ok(r.to_string())
    } else {
        Err(AppError::invalid(
            "reference",
            "must be 1 to 120 letters, digits and - _ . : ~",
        ))
    }
}

/// A repeated reservation must ask for what the first one holds.
fn same_lines(
    existing: ReservationView,
    location_id: &str,
    lines: &BTreeMap<String, (usize, i64)>,
) -> Result<ReservationView, AppError> {
    let same = existing.location_id == location_id
        && existing.lines.len() == lines.len()
        && existing.lines.iter().all(|l| {
            lines
                .get(&l.variant_id)
                .is_some_and(|(_, q)| *q == l.quantity)
        });
    if same {
        Ok(existing)
    } else {
        Err(AppError::Conflict(
            "this reference already holds a reservation of other lines or at another location"
                .into(),
        ))
    }
}

/// Units to order so that available stock covers the lead time at the recent velocity and
/// still keeps the threshold: ceil(sold × lead_time_days / window_days) + threshold −
/// available (integer arithmetic, no floats in the decision).
fn reorder_quantity(
    sold: i64,
    window_days: i64,
    lead_days: i64,
    threshold: i64,
    available: i64,
) -> i64 {
    let demand = (sold.saturating_mul(lead_days) + window_days - 1) / window_days.max(1);
    demand + threshold - available
}

/// A reservation as the API shows it, read on `conn`.
fn reservation_view(
    conn: &mut DbConnection,
    reference: &str,
) -> Result<Option<ReservationView>, AppError> {
    let Some(row) = store::reservation(conn, reference)? else {
        return Ok(None);
    };
    let lines = store::reservation_lines(conn, &row.id)?;
    Ok(Some(ReservationView {
        reference: row.reference,
        location_id: row.location_id,
        status: row.status,
        expires_at: row.expires_at.map(|t| t.and_utc()),
        lines: lines
            .into_iter()
            .map(|(variant_id, quantity)| TransferLineView {
                variant_id,
                quantity,
            })
            .collect(),
    }))
}

#[cfg(test)]
mod reorder_tests {
    use super::reorder_quantity;

    #[test]
    fn reorder_covers_lead_time_and_threshold() {
        // 30 sold in 30 days, 14 days lead: 14 + 5 threshold − 4 available.
        assert_eq!(reorder_quantity(30, 30, 14, 5, 4), 15);
        // Rounds demand up: 10 × 7 / 30 = 2.33 → 3.
        assert_eq!(reorder_quantity(10, 30, 7, 0, 0), 3);
        // Enough stock: nothing (or negative) to order.
        assert!(reorder_quantity(30, 30, 14, 5, 19) <= 0);
    }
}
