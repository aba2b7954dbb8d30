//! Inventory rows, the values they carry (movement kinds, purchase-order states, GSTINs)
//! and the views the API returns.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::http::AppError;
use crate::schema::{
    inventory_levels, inventory_locations, inventory_movements, inventory_purchase_order_lines,
    inventory_purchase_orders, inventory_reservations, inventory_suppliers,
};

/// The largest quantity one line may move: far beyond any shop, far below overflow.
pub const MAX_QUANTITY: i64 = 1_000_000_000;

pub fn utc(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}

/// What a ledger row records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MovementKind {
    Receipt,
    Sale,
    Return,
    Adjustment,
    TransferOut,
    TransferIn,
    Reservation,
    Release,
}

impl MovementKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MovementKind::Receipt => "receipt",
            MovementKind::Sale => "sale",
            MovementKind::Return => "return",
            MovementKind::Adjustment => "adjustment",
            MovementKind::TransferOut => "transfer_out",
            MovementKind::TransferIn => "transfer_in",
            MovementKind::Reservation => "reservation",
            MovementKind::Release => "release",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LocationKind {
    Warehouse,
    Shop,
}

impl LocationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LocationKind::Warehouse => "warehouse",
            LocationKind::Shop => "shop",
        }
    }
}

/// The life of a purchase order: draft → sent → partially_received → received, or
/// cancelled before it is fully received.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PoStatus {
    Draft,
    Sent,
    PartiallyReceived,
    Received,
    Cancelled,
}

impl PoStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PoStatus::Draft => "draft",
            PoStatus::Sent => "sent",
            PoStatus::PartiallyReceived => "partially_received",
            PoStatus::Received => "received",
            PoStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<PoStatus> {
        [
            PoStatus::Draft,
            PoStatus::Sent,
            PoStatus::PartiallyReceived,
            PoStatus::Received,
            PoStatus::Cancelled,
        ]
        .into_iter()
        .find(|p| p.as_str() == s)
    }

    /// Whether a person may move an order from `self` to `next` (receiving moves it by
    /// itself).
    pub fn can_become(self, next: PoStatus) -> bool {
        use PoStatus::*;
        matches!(
            (self, next),
            (Draft, Sent) | (Draft, Cancelled) | (Sent, Cancelled) | (PartiallyReceived, Cancelled)
        )
    }
}

pub use crate::contracts::gst::{Gstin, gstin_check_char};

/// Trimmed text of 1 to `max` characters (as sent).
pub fn check_text(raw: &str, field: &str, max: usize) -> Result<String, AppError> {
    crate::contracts::fields::text(raw, field, max).map_err(|e| AppError::Validation(vec![e]))
}

pub fn check_positive(q: i64, field: &str) -> Result<i64, AppError> {
    if !(1..=MAX_QUANTITY).contains(&q) {
        return Err(AppError::invalid(
            field,
            format!("must be between 1 and {MAX_QUANTITY}"),
        ));
    }
    Ok(q)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = inventory_locations)]
pub struct LocationRow {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LocationView {
    pub id: String,
    pub name: String,
    /// `warehouse` or `shop`.
    pub kind: String,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl LocationRow {
    pub fn view(&self) -> LocationView {
        LocationView {
            id: self.id.clone(),
            name: self.name.clone(),
            kind: self.kind.clone(),
            active: self.active,
            created_at: utc(self.created_at),
            updated_at: utc(self.updated_at),
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = inventory_levels)]
pub struct LevelRow {
    pub variant_id: String,
    pub location_id: String,
    pub on_hand: i64,
    pub reserved: i64,
}

/// Stock of a variant at a location.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LevelView {
    pub variant_id: String,
    /// The variant's SKU and name as the catalog has them now (empty where not looked up).
    pub sku: String,
    pub name: String,
    pub location_id: String,
    pub on_hand: i64,
    pub reserved: i64,
    /// on_hand − reserved.
    pub available: i64,
}

impl LevelRow {
    pub fn view(&self) -> LevelView {
        LevelView {
            variant_id: self.variant_id.clone(),
            sku: String::new(),
            name: String::new(),
            location_id: self.location_id.clone(),
            on_hand: self.on_hand,
            reserved: self.reserved,
            available: self.on_hand - self.reserved,
        }
    }
}

/// A variant's stock everywhere, and what a unit cost on average.
#[derive(Debug, Serialize, ToSchema)]
pub struct VariantStockView {
    pub variant_id: String,
    pub on_hand: i64,
    pub reserved: i64,
    pub available: i64,
    /// Weighted-average unit cost of received stock, in paise.
    pub avg_unit_cost_minor: i64,
    pub locations: Vec<LevelView>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = inventory_movements)]
pub struct MovementRow {
    pub id: String,
    pub variant_id: String,
    pub location_id: String,
    pub kind: String,
    pub on_hand_delta: i64,
    pub reserved_delta: i64,
    pub unit_cost: Option<i64>,
    pub reason: Option<String>,
    pub reference: Option<String>,
    pub actor: String,
    pub created_at: NaiveDateTime,
}

/// One ledger row.
#[derive(Debug, Serialize, ToSchema)]
pub struct MovementView {
    pub id: String,
    pub variant_id: String,
    pub location_id: String,
    /// receipt, sale, return, adjustment, transfer_out, transfer_in, reservation, release.
    pub kind: String,
    pub on_hand_delta: i64,
    pub reserved_delta: i64,
    /// For receipts, in paise.
    pub unit_cost_minor: Option<i64>,
    pub reason: Option<String>,
    /// An order, purchase order, transfer or reservation reference.
    pub reference: Option<String>,
    /// The user who caused it, or `system`.
    pub actor: String,
    pub created_at: DateTime<Utc>,
}

impl MovementRow {
    pub fn view(&self) -> MovementView {
        MovementView {
            id: self.id.clone(),
            variant_id: self.variant_id.clone(),
            location_id: self.location_id.clone(),
            kind: self.kind.clone(),
            on_hand_delta: self.on_hand_delta,
            reserved_delta: self.reserved_delta,
            unit_cost_minor: self.unit_cost,
            reason: self.reason.clone(),
            reference: self.reference.clone(),
            actor: self.actor.clone(),
            created_at: utc(self.created_at),
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = inventory_reservations)]
pub struct ReservationRow {
    pub id: String,
    pub reference: String,
    pub location_id: String,
    pub status: String,
    pub expires_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = inventory_suppliers)]
pub struct SupplierRow {
    pub id: String,
    pub name: String,
    pub gstin: Option<String>,
    pub contact_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub created_at: NaiveDateTime,
    pub lead_time_days: Option<i32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SupplierView {
    pub id: String,
    pub name: String,
    pub gstin: Option<String>,
    pub contact_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// Days from sending an order to the goods arriving.
    pub lead_time_days: Option<i32>,
    pub created_at: DateTime<Utc>,
}

impl SupplierRow {
    pub fn view(&self) -> SupplierView {
        SupplierView {
            id: self.id.clone(),
            name: self.name.clone(),
            gstin: self.gstin.clone(),
            contact_name: self.contact_name.clone(),
            email: self.email.clone(),
            phone: self.phone.clone(),
            lead_time_days: self.lead_time_days,
            created_at: utc(self.created_at),
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = inventory_purchase_orders)]
pub struct PoRow {
    pub id: String,
    pub supplier_id: String,
    pub status: String,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = inventory_purchase_order_lines)]
pub struct PoLineRow {
    pub purchase_order_id: String,
    pub variant_id: String,
    pub quantity_ordered: i64,
    pub quantity_received: i64,
    pub unit_cost: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PoLineView {
    pub variant_id: String,
    /// The variant's SKU and name as the catalog has them now.
    pub sku: String,
    pub name: String,
    pub quantity_ordered: i64,
    pub quantity_received: i64,
    /// In paise.
    pub unit_cost_minor: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PurchaseOrderView {
    pub id: String,
    pub supplier_id: String,
    /// draft, sent, partially_received, received or cancelled.
    pub status: String,
    pub created_by: String,
    pub lines: Vec<PoLineView>,
    /// Sum of quantity × unit cost over the lines, in paise.
    pub total_cost_minor: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl PoRow {
    pub fn view(&self, lines: &[PoLineRow]) -> PurchaseOrderView {
        PurchaseOrderView {
            id: self.id.clone(),
            supplier_id: self.supplier_id.clone(),
            status: self.status.clone(),
            created_by: self.created_by.clone(),
            total_cost_minor: lines
                .iter()
                .map(|l| l.quantity_ordered.saturating_mul(l.unit_cost))
                .fold(0i64, i64::saturating_add),
            lines: lines
                .iter()
                .map(|l| PoLineView {
                    variant_id: l.variant_id.clone(),
                    sku: String::new(),
                    name: String::new(),
                    quantity_ordered: l.quantity_ordered,
                    quantity_received: l.quantity_received,
                    unit_cost_minor: l.unit_cost,
                })
                .collect(),
            created_at: utc(self.created_at),
            updated_at: utc(self.updated_at),
        }
    }
}

/// Weighted-average unit cost after receiving `quantity` at `unit_cost` onto `on_hand`
/// units costing `average` each, rounded half up. Stock below zero counts as none.
pub fn weighted_average(average: i64, on_hand: i64, quantity: i64, unit_cost: i64) -> i64 {
    let held = i128::from(on_hand.max(0));
    let total = held + i128::from(quantity);
    if total <= 0 {
        return average;
    }
    let value = i128::from(average) * held + i128::from(quantity) * i128::from(unit_cost);
    let rounded = (value * 2 + total) / (total * 2);
    i64::try_from(rounded).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gstin_check_characters_match_published_numbers() {
        // Numbers printed on real invoices and in GSTN's own examples.
        assert_eq!(gstin_check_char("27AAPFU0939F1Z"), Some('V'));
        assert_eq!(gstin_check_char("24AAACC1206D1Z"), Some('M'));
        assert!(Gstin::parse("27aapfu0939f1zv", "gstin").is_ok());
    }

    #[test]
    fn gstins_with_a_wrong_part_are_refused_naming_the_field() {
        for bad in [
            "27AAPFU0939F1ZW", // check character
            "42AAPFU0939F1ZV", // no such state
            "27AAPF00939F1ZV", // PAN shape
            "27AAPFU0939F1Z",  // length
            "27AAPFU0939F0ZV", // registration number 0
        ] {
            match Gstin::parse(bad, "gstin") {
                Err(AppError::Validation(e)) => assert_eq!(e[0].field, "gstin", "{bad}"),
                other => panic!("{bad} accepted: {other:?}"),
            }
        }
    }

    #[test]
    fn every_single_character_typo_changes_the_check() {
        let good = "27AAPFU0939F1ZV";
        for i in 0..14 {
            let mut chars: Vec<u8> = good.as_bytes().to_vec();
            chars[i] = if chars[i] == b'A' { b'B' } else { b'A' };
            let typo = String::from_utf8(chars).unwrap();
            assert_ne!(gstin_check_char(&typo[..14]), Some('V'), "{typo}");
        }
    }

    #[test]
    fn weighted_average_costs() {
        assert_eq!(weighted_average(0, 0, 10, 1000), 1000);
        // 10 at ₹10 and 30 at ₹20: ₹17.50.
        assert_eq!(weighted_average(1000, 10, 30, 2000), 1750);
        assert_eq!(weighted_average(1000, -5, 10, 2000), 2000);
        // 2 at 1 paisa and 1 at 2 paise: 1.33 rounds to 1; 1 at 1 and 1 at 2: 1.5 up to 2.
        assert_eq!(weighted_average(1, 2, 1, 2), 1);
        assert_eq!(weighted_average(1, 1, 1, 2), 2);
    }

    #[test]
    fn purchase_orders_move_forward_only() {
        assert!(PoStatus::Draft.can_become(PoStatus::Sent));
        assert!(!PoStatus::Received.can_become(PoStatus::Cancelled));
        assert!(!PoStatus::Cancelled.can_become(PoStatus::Sent));
        assert!(!PoStatus::Sent.can_become(PoStatus::Draft));
    }
}
