//! Shipping zones, shipments and tracking events as stored and shown.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::rates::{RateRule, ZoneArea};
use crate::contracts::orders::ShipLine;
use crate::schema::{shipment_events, shipments, shipping_zones};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = shipping_zones)]
pub struct ZoneRow {
    pub id: String,
    pub name: String,
    pub position: i32,
    pub active: bool,
    pub area: String,
    pub rates: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A shipping zone with its rate rules.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ZoneView {
    pub id: String,
    pub name: String,
    /// Among equally specific zones, the lower position wins.
    pub position: i32,
    pub active: bool,
    pub area: ZoneArea,
    pub rates: Vec<RateRule>,
}

/// A zone as created or replaced.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ZoneInput {
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    pub name: String,
    #[serde(default)]
    pub position: i32,
    #[serde(default = "yes")]
    pub active: bool,
    pub area: ZoneArea,
    #[schema(min_items = 1)]
    pub rates: Vec<RateRule>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = shipments)]
pub struct ShipmentRow {
    pub id: String,
    pub order_id: String,
    pub number: String,
    pub status: String,
    pub carrier: String,
    pub tracking_number: Option<String>,
    pub location_id: String,
    pub details: String,
    pub created_by: String,
    pub status_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A line of a shipment, with the names printed on the packing slip.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ShipmentLine {
    pub line_no: i32,
    pub variant_id: String,
    pub sku: String,
    pub name: String,
    pub quantity: i64,
}

/// The parcel.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Package {
    #[schema(minimum = 1, maximum = 100_000)]
    pub weight_grams: Option<i64>,
    #[schema(minimum = 1, maximum = 300)]
    pub length_cm: Option<i64>,
    #[schema(minimum = 1, maximum = 300)]
    pub width_cm: Option<i64>,
    #[schema(minimum = 1, maximum = 300)]
    pub height_cm: Option<i64>,
}

/// What a shipment keeps beside its columns.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ShipmentDetails {
    pub lines: Vec<ShipmentLine>,
    pub package: Package,
    /// The courier's chargeable weight (the larger of actual and volumetric).
    pub chargeable_grams: Option<i64>,
    /// Cash the courier collects at delivery (a cash-on-delivery order's balance, on the
    /// parcel that completes it).
    pub cash_to_collect_minor: Option<i64>,
}

impl ShipmentRow {
    pub fn details(&self) -> ShipmentDetails {
        serde_json::from_str(&self.details).unwrap_or_default()
    }

    pub fn ship_lines(&self) -> Vec<ShipLine> {
        self.details()
            .lines
            .iter()
            .map(|l| ShipLine {
                line_no: l.line_no,
                quantity: l.quantity,
            })
            .collect()
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = shipment_events)]
pub struct EventRow {
    pub id: String,
    pub shipment_id: String,
    pub status: String,
    pub occurred_at: NaiveDateTime,
    pub location: Option<String>,
    pub description: Option<String>,
    pub source: String,
    pub external_id: Option<String>,
    pub created_at: NaiveDateTime,
}

/// One step of a parcel's journey.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TrackingEventView {
    pub status: String,
    pub occurred_at: chrono::DateTime<chrono::Utc>,
    pub location: Option<String>,
    pub description: Option<String>,
}

impl From<EventRow> for TrackingEventView {
    fn from(e: EventRow) -> Self {
        Self {
            status: e.status,
            occurred_at: e.occurred_at.and_utc(),
            location: e.location,
            description: e.description,
        }
    }
}

/// A shipment as staff see it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ShipmentView {
    pub id: String,
    pub order_id: String,
    /// `KR-000123-S1`.
    pub number: String,
    pub status: String,
    pub carrier: String,
    pub tracking_number: Option<String>,
    pub location_id: String,
    pub lines: Vec<ShipmentLine>,
    pub package: Package,
    pub chargeable_grams: Option<i64>,
    pub cash_to_collect_minor: Option<i64>,
    pub status_at: chrono::DateTime<chrono::Utc>,
    pub created_by: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// Oldest first.
    pub timeline: Vec<TrackingEventView>,
}

impl ShipmentView {
    pub fn of(row: ShipmentRow, events: Vec<EventRow>) -> Self {
        let d = row.details();
        Self {
            id: row.id,
            order_id: row.order_id,
            number: row.number,
            status: row.status,
            carrier: row.carrier,
            tracking_number: row.tracking_number,
            location_id: row.location_id,
            lines: d.lines,
            package: d.package,
            chargeable_grams: d.chargeable_grams,
            cash_to_collect_minor: d.cash_to_collect_minor,
            status_at: row.status_at.and_utc(),
            created_by: row.created_by,
            created_at: row.created_at.and_utc(),
            timeline: events.into_iter().map(Into::into).collect(),
        }
    }
}

/// A parcel as anyone with the order number and PIN code (or e-mail) sees it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PublicParcel {
    pub number: String,
    pub carrier: String,
    pub tracking_number: Option<String>,
    pub status: String,
    pub timeline: Vec<TrackingEventView>,
}

/// Public tracking: the parcels of an order and nothing else about it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PublicTracking {
    pub order_number: String,
    pub parcels: Vec<PublicParcel>,
}
