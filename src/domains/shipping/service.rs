//! Shipping rules: zones and quotes, shipments that hand an order's goods to a carrier
//! (selling their reserved stock through orders in the same transaction), tracking
//! events from staff or a carrier's webhook applied once and in the carrier's order, the
//! order's delivery (with the cash of a cash-on-delivery order), return to origin, and
//! public tracking.

use std::sync::Arc;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::carrier::{Carrier, ManualCarrier, TrackStatus, TrackingUpdate, WebhookCarrier};
use super::model::{
    EventRow, Package, PublicParcel, PublicTracking, ShipmentDetails, ShipmentLine, ShipmentRow,
    ShipmentView, ZoneInput, ZoneRow, ZoneView,
};
use super::rates::{self, Parcel, RateRule, ZoneArea, ZoneSpec};
use super::store;
use crate::config::ShippingSettings;
use crate::contracts::events::{OrderDelivered, ShipmentCreated, ShipmentStatusChanged};
use crate::contracts::orders::{OrdersApi, ShipLine, ShippableOrder};
use crate::contracts::payments::{PaymentsApi, RecordPayment};
use crate::contracts::shipping::{ShippingOption, ShippingQuery};
use crate::db::{Db, DbConnection, new_id, now};
use crate::events::enqueue;
use crate::http::{AppError, FieldError};
use crate::profile::LiveProfile;

/// Staff create a shipment: lines of an order (a line may be split across shipments),
/// the carrier and its AWB, and the parcel.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShipmentInput {
    pub order_id: String,
    pub lines: Vec<ShipLine>,
    /// `manual`, or the configured webhook carrier (`shipping.webhook_carrier`).
    pub carrier: String,
    /// The AWB / tracking number the courier gave.
    pub tracking_number: String,
    /// Where the parcel leaves from; the order's stock location when left out.
    pub location_id: Option<String>,
    #[serde(default)]
    pub package: Package,
}

/// A tracking event entered by staff.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventInput {
    /// `picked_up`, `in_transit`, `out_for_delivery`, `delivered`, `delivery_failed` or
    /// `returned_to_origin`.
    #[schema(
        pattern = "^(picked_up|in_transit|out_for_delivery|delivered|delivery_failed|returned_to_origin)$"
    )]
    pub status: String,
    /// When it happened (RFC 3339); now when left out.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub occurred_at: Option<String>,
    pub location: Option<String>,
    pub description: Option<String>,
}

/// Public tracking asks for the order number and its delivery PIN code or e-mail.
#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
pub struct TrackQuery {
    /// The order number, `KR-000123`.
    pub order: String,
    pub pincode: Option<String>,
    pub email: Option<String>,
}

pub struct Shipping {
    db: Db,
    orders: Arc<dyn OrdersApi>,
    payments: Option<Arc<dyn PaymentsApi>>,
    carriers: Vec<Arc<dyn Carrier>>,
    store: LiveProfile,
    divisor: i64,
}

/// Where a tracking event came from (`source` of the timeline row).
const STAFF: &str = "staff";

fn zone_view(row: ZoneRow) -> Result<ZoneView, AppError> {
    Ok(ZoneView {
        area: serde_json::from_str(&row.area)?,
        rates: serde_json::from_str(&row.rates)?,
        id: row.id,
        name: row.name,
        position: row.position,
        active: row.active,
    })
}

fn spec(view: &ZoneView) -> ZoneSpec {
    ZoneSpec {
        id: view.id.clone(),
        name: view.name.clone(),
        position: view.position,
        area: view.area.clone(),
        rates: view.rates.clone(),
    }
}

fn check_zone_input(input: &ZoneInput) -> Result<(String, ZoneArea, Vec<RateRule>), AppError> {
    let mut problems = rates::check_zone(&input.area, &input.rates);
    let name = crate::contracts::fields::text(&input.name, "name", 100).unwrap_or_else(|e| {
        problems.push(e);
        String::new()
    });
    if !problems.is_empty() {
        return Err(AppError::Validation(problems));
    }
    Ok((name, input.area.clone(), input.rates.clone()))
}

fn not_found() -> AppError {
    AppError::NotFound("no such shipment".into())
}

impl Shipping {
    pub fn new(
        db: Db,
        orders: Arc<dyn OrdersApi>,
        payments: Option<Arc<dyn PaymentsApi>>,
        store: LiveProfile,
        settings: &ShippingSettings,
    ) -> Self {
        let mut carriers: Vec<Arc<dyn Carrier>> = vec![Arc::new(ManualCarrier)];
        if !settings.webhook_secrets.is_empty() {
            let secrets: Vec<String> = settings
                .webhook_secrets
                .iter()
                .map(|s| s.expose().to_string())
                .collect();
            carriers.push(Arc::new(WebhookCarrier::new(
                &settings.webhook_carrier,
                &secrets,
            )));
        }
        Self {
            db,
            orders,
            payments,
            carriers,
            store,
            divisor: settings.volumetric_divisor,
        }
    }

    fn carrier(&self, code: &str) -> Option<&Arc<dyn Carrier>> {
        self.carriers.iter().find(|c| c.code() == code)
    }

    // ---- zones and quotes ----

    pub async fn zones(&self) -> Result<Vec<ZoneView>, AppError> {
        self.db
            .read(|c| store::zones(c, false)?.into_iter().map(zone_view).collect())
            .await
    }

    pub async fn create_zone(&self, input: ZoneInput) -> Result<ZoneView, AppError> {
        let (name, area, rates) = check_zone_input(&input)?;
        let now = now();
        let row = ZoneRow {
            id: new_id(),
            name,
            position: input.position,
            active: input.active,
            area: serde_json::to_string(&area)?,
            rates: serde_json::to_string(&rates)?,
            created_at: now,
            updated_at: now,
        };
        let insert = row.clone();
        self.db
            .write(move |c| store::insert_zone(c, &insert))
            .await?;
        zone_view(row)
    }

    pub async fn replace_zone(&self, id: &str, input: ZoneInput) -> Result<ZoneView, AppError> {
        let (name, area, rates) = check_zone_input(&input)?;
        let now = now();
        let row = ZoneRow {
            id: id.to_string(),
            name,
            position: input.position,
            active: input.active,
            area: serde_json::to_string(&area)?,
            rates: serde_json::to_string(&rates)?,
            created_at: now,
            updated_at: now,
        };
        let update = row.clone();
        if !self
            .db
            .write(move |c| store::replace_zone(c, &update))
            .await?
        {
            return Err(AppError::NotFound("no such zone".into()));
        }
        zone_view(row)
    }

    pub async fn delete_zone(&self, id: &str) -> Result<(), AppError> {
        let id = id.to_string();
        if !self.db.write(move |c| store::delete_zone(c, &id)).await? {
            return Err(AppError::NotFound("no such zone".into()));
        }
        Ok(())
    }

    /// The methods that reach an address, cheapest first.
    pub async fn options(&self, q: &ShippingQuery) -> Result<Vec<ShippingOption>, AppError> {
        let zones: Vec<ZoneSpec> = self
            .db
            .read(|c| store::zones(c, true)?.into_iter().map(zone_view).collect())
            .await
            .map(|views: Vec<ZoneView>| views.iter().map(spec).collect())?;
        let parcel = Parcel {
            country: "IN".into(),
            state_code: q.state_code.clone(),
            pincode: q.pincode.clone(),
            weight_grams: q.weight_grams,
            value_minor: q.value_minor,
            cod: q.cod,
        };
        Ok(rates::quote(&zones, &parcel)
            .into_iter()
            .map(|r| ShippingOption {
                method: r.method,
                name: r.name,
                amount_minor: r.amount_minor,
                cod_surcharge_minor: r.cod_surcharge_minor,
                free: r.free,
            })
            .collect())
    }

    // ---- shipments ----

    /// Hands lines of an order to a carrier: one transaction sells their reserved stock,
    /// moves the order on (invoicing a cash-on-delivery order), and records the shipment
    /// with its first tracking step and `ShipmentCreated`.
    pub async fn create(
        &self,
        actor: &str,
        input: ShipmentInput,
    ) -> Result<ShipmentView, AppError> {
        let mut problems = Vec::new();
        if input.lines.is_empty() {
            problems.push(FieldError::new("lines", "must not be empty"));
        }
        for (i, l) in input.lines.iter().enumerate() {
            if l.quantity < 1 {
                problems.push(FieldError::new(
                    format!("lines[{i}].quantity"),
                    "must be at least 1",
                ));
            }
            if input.lines[..i].iter().any(|o| o.line_no == l.line_no) {
                problems.push(FieldError::new(
                    format!("lines[{i}].line_no"),
                    "appears twice",
                ));
            }
        }
        if self.carrier(&input.carrier).is_none() {
            let known: Vec<&str> = self.carriers.iter().map(|c| c.code()).collect();
            problems.push(FieldError::new(
                "carrier",
                format!("must be one of: {}", known.join(", ")),
            ));
        }
        let tracking = match super::carrier::check_tracking_number(
            &input.tracking_number,
            "tracking_number",
        ) {
            Ok(t) => Some(t),
            Err(AppError::Validation(e)) => {
                problems.extend(e);
                None
            }
            Err(e) => return Err(e),
        };
        let p = &input.package;
        for (field, v, max) in [
            ("package.weight_grams", p.weight_grams, 100_000),
            ("package.length_cm", p.length_cm, 300),
            ("package.width_cm", p.width_cm, 300),
            ("package.height_cm", p.height_cm, 300),
        ] {
            if v.is_some_and(|v| v < 1 || v > max) {
                problems.push(FieldError::new(field, format!("must be 1 to {max}")));
            }
        }
        let dims = match (p.length_cm, p.width_cm, p.height_cm) {
            (Some(l), Some(w), Some(h)) => Some((l, w, h)),
            (None, None, None) => None,
            _ => {
                problems.push(FieldError::new(
                    "package",
                    "give all three of length_cm, width_cm and height_cm, or none",
                ));
                None
            }
        };
        if !problems.is_empty() {
            return Err(AppError::Validation(problems));
        }
        let order = self
            .orders
            .shippable(&input.order_id)
            .await?
            .ok_or_else(|| AppError::missing("order_id", "is not an order"))?;
        let location = input
            .location_id
            .clone()
            .unwrap_or_else(|| order.location_id.clone());
        if location != order.location_id {
            return Err(AppError::FieldConflict(
                "the order's stock is held at another location".into(),
                vec![FieldError::new(
                    "location_id",
                    format!(
                        "the order's stock is reserved at {}; transfer it there first or ship from there",
                        order.location_id
                    ),
                )],
            ));
        }
        let chargeable = p
            .weight_grams
            .map(|g| rates::chargeable_grams(g, dims, self.divisor));
        let (orders, actor) = (self.orders.clone(), actor.to_string());
        let tracking = tracking.unwrap_or_default();
        self.db
            .write(move |conn| {
                let now = now();
                let after = orders.ship_in(conn, &order.id, &input.lines, &actor)?;
                let n = store::count_of_order(conn, &order.id)? + 1;
                let lines = input
                    .lines
                    .iter()
                    .filter_map(|want| {
                        after
                            .lines
                            .iter()
                            .find(|l| l.line_no == want.line_no)
                            .map(|l| ShipmentLine {
                                line_no: l.line_no,
                                variant_id: l.variant_id.clone(),
                                sku: l.sku.clone(),
                                name: l.name.clone(),
                                quantity: want.quantity,
                            })
                    })
                    .collect();
                // The parcel that completes a cash-on-delivery order carries its cash.
                let completes = after.lines.iter().all(|l| l.shipped == l.quantity);
                let cash = (after.cash_on_delivery && completes && after.balance_due_minor > 0)
                    .then_some(after.balance_due_minor);
                let row = ShipmentRow {
                    id: new_id(),
                    order_id: order.id.clone(),
                    number: format!("{}-S{n}", order.number),
                    status: TrackStatus::LabelCreated.as_str().into(),
                    carrier: input.carrier.clone(),
                    tracking_number: Some(tracking.clone()),
                    location_id: location.clone(),
                    details: serde_json::to_string(&ShipmentDetails {
                        lines,
                        package: input.package.clone(),
                        chargeable_grams: chargeable,
                        cash_to_collect_minor: cash,
                    })?,
                    created_by: actor.clone(),
                    status_at: now,
                    created_at: now,
                    updated_at: now,
                };
                store::insert_shipment(conn, &row).map_err(|e| match e {
                    AppError::Conflict(_) => AppError::FieldConflict(
                        "another shipment has this tracking number".into(),
                        vec![FieldError::new(
                            "tracking_number",
                            "is already on another shipment of this carrier",
                        )],
                    ),
                    e => e,
                })?;
                store::insert_event(
                    conn,
                    &EventRow {
                        id: new_id(),
                        shipment_id: row.id.clone(),
                        status: row.status.clone(),
                        occurred_at: now,
                        location: None,
                        description: Some("packed; label created".into()),
                        source: STAFF.into(),
                        external_id: None,
                        created_at: now,
                    },
                )?;
                enqueue(
                    conn,
                    &ShipmentCreated {
                        shipment_id: row.id.clone(),
                        order_id: row.order_id.clone(),
                        number: row.number.clone(),
                        carrier: row.carrier.clone(),
                        tracking_number: row.tracking_number.clone(),
                        lines: input.lines.clone(),
                    },
                )?;
                let events = store::events(conn, &row.id)?;
                Ok(ShipmentView::of(row, events))
            })
            .await
    }

    pub async fn get(&self, id: &str) -> Result<ShipmentView, AppError> {
        let id = id.to_string();
        self.db
            .read(move |c| {
                let row = store::shipment(c, &id)?.ok_or_else(not_found)?;
                let events = store::events(c, &row.id)?;
                Ok(ShipmentView::of(row, events))
            })
            .await
    }

    pub async fn of_order(&self, order_id: &str) -> Result<Vec<ShipmentView>, AppError> {
        let id = order_id.to_string();
        self.db
            .read(move |c| {
                store::of_order(c, &id)?
                    .into_iter()
                    .map(|row| {
                        let events = store::events(c, &row.id)?;
                        Ok(ShipmentView::of(row, events))
                    })
                    .collect()
            })
            .await
    }

    /// A tracking step entered by staff (the manual carrier, or a correction).
    pub async fn record_event(
        &self,
        id: &str,
        input: EventInput,
    ) -> Result<ShipmentView, AppError> {
        let status = TrackStatus::parse(&input.status)
            .filter(|s| *s != TrackStatus::LabelCreated)
            .ok_or_else(|| {
                AppError::invalid(
                    "status",
                    "must be picked_up, in_transit, out_for_delivery, delivered, delivery_failed or returned_to_origin",
                )
            })?;
        let occurred_at = match input.occurred_at.as_deref() {
            None => Utc::now(),
            Some(raw) => DateTime::parse_from_rfc3339(raw)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|_| AppError::invalid("occurred_at", "must be an RFC 3339 time"))?,
        };
        if occurred_at > Utc::now() + chrono::TimeDelta::minutes(5) {
            return Err(AppError::invalid(
                "occurred_at",
                "must not be in the future",
            ));
        }
        let clip = |v: Option<String>, max: usize| {
            v.map(|s| s.trim().chars().take(max).collect::<String>())
                .filter(|s| !s.is_empty())
        };
        let update = TrackingUpdate {
            external_id: String::new(),
            tracking_number: String::new(),
            status,
            occurred_at,
            location: clip(input.location, 200),
            description: clip(input.description, 500),
        };
        let id = id.to_string();
        let this = self.parts();
        self.db
            .write(move |conn| {
                let row = store::shipment(conn, &id)?.ok_or_else(not_found)?;
                this.apply_in(conn, row.clone(), &update, STAFF, None)?;
                let row = store::shipment(conn, &id)?.ok_or_else(not_found)?;
                let events = store::events(conn, &row.id)?;
                Ok(ShipmentView::of(row, events))
            })
            .await
    }

    /// A carrier's webhook: verified before anything is read, then every event applied
    /// in one transaction; a replayed event id is skipped. Returns how many were new.
    pub async fn webhook(
        &self,
        carrier: &str,
        signature: Option<&str>,
        body: &[u8],
    ) -> Result<usize, AppError> {
        let carrier = self
            .carrier(carrier)
            .filter(|c| c.takes_webhooks())
            .ok_or_else(|| AppError::NotFound("no such carrier".into()))?;
        let updates = carrier.read_webhook(signature, body)?;
        let code = carrier.code().to_string();
        let this = self.parts();
        self.db
            .write(move |conn| {
                let mut applied = 0;
                for u in &updates {
                    if store::seen(conn, &code, &u.external_id)? {
                        continue;
                    }
                    let Some(row) = store::by_tracking(conn, &code, &u.tracking_number)? else {
                        tracing::warn!(carrier = %code, tracking = %u.tracking_number,
                            "tracking event for an unknown shipment ignored");
                        continue;
                    };
                    if this.apply_in(conn, row, u, &code, Some(&u.external_id))? {
                        applied += 1;
                    }
                }
                Ok(applied)
            })
            .await
    }

    fn parts(&self) -> Applier {
        Applier {
            orders: self.orders.clone(),
            payments: self.payments.clone(),
        }
    }

    // ---- public tracking and documents ----

    /// The parcels of the order with this number, if the PIN code or e-mail is the
    /// order's; a 404 that says nothing more otherwise.
    pub async fn track(&self, q: TrackQuery) -> Result<PublicTracking, AppError> {
        let nope = || AppError::NotFound("no order with this number and PIN code or e-mail".into());
        let pincode = q
            .pincode
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty());
        let email = q.email.as_deref().map(str::trim).filter(|e| !e.is_empty());
        if pincode.is_none() && email.is_none() {
            return Err(AppError::invalid(
                "pincode",
                "give the delivery PIN code or the order's e-mail",
            ));
        }
        if q.order.trim().is_empty() || q.order.len() > 40 {
            return Err(AppError::invalid("order", "must be an order number"));
        }
        let order = self.orders.by_number(&q.order).await?.ok_or_else(nope)?;
        let pin_ok = pincode.is_some_and(|p| {
            order
                .shipping_address
                .as_ref()
                .is_some_and(|a| a.pincode == p)
        });
        let email_ok = email.is_some_and(|e| {
            order
                .email
                .as_deref()
                .is_some_and(|o| o.eq_ignore_ascii_case(e))
        });
        if !(pin_ok || email_ok) {
            return Err(nope());
        }
        let parcels = self.of_order(&order.id).await?;
        Ok(PublicTracking {
            order_number: order.number,
            parcels: parcels
                .into_iter()
                .map(|s| PublicParcel {
                    number: s.number,
                    carrier: s.carrier,
                    tracking_number: s.tracking_number,
                    status: s.status,
                    timeline: s.timeline,
                })
                .collect(),
        })
    }

    async fn document(&self, id: &str) -> Result<crate::documents::ShipmentDoc, AppError> {
        let shipment = self.get(id).await?;
        let order: ShippableOrder = self
            .orders
            .shippable(&shipment.order_id)
            .await?
            .ok_or_else(not_found)?;
        let address = order
            .shipping_address
            .clone()
            .ok_or_else(|| AppError::Conflict("the order has no delivery address".into()))?;
        let mut lines = vec![address.line1.clone()];
        lines.extend(address.line2.clone());
        lines.push(format!(
            "{}, {}",
            address.city,
            crate::contracts::gst::state(&address.state_code)
                .map(|s| s.name.clone())
                .unwrap_or_default()
        ));
        let store = self.store.store();
        let local = order.created_at.naive_utc()
            + chrono::TimeDelta::minutes(i64::from(store.utc_offset_mins));
        Ok(crate::documents::ShipmentDoc {
            store_name: store.name.clone(),
            store_address_lines: store.address.clone(),
            store_phone: None,
            order_number: order.number.clone(),
            shipment_number: shipment.number.clone(),
            ordered_at: local.format("%d %b %Y").to_string(),
            ship_to: crate::documents::ShipTo {
                name: address.name,
                phone: address.phone,
                address_lines: lines,
                pincode: address.pincode,
            },
            carrier: shipment.carrier.clone(),
            tracking_number: shipment.tracking_number.clone(),
            cash_to_collect_minor: shipment.cash_to_collect_minor,
            currency: order.currency.clone(),
            weight_grams: shipment.package.weight_grams,
            dimensions_cm: match (
                shipment.package.length_cm,
                shipment.package.width_cm,
                shipment.package.height_cm,
            ) {
                (Some(l), Some(w), Some(h)) => Some((l, w, h)),
                _ => None,
            },
            lines: shipment
                .lines
                .iter()
                .map(|l| crate::documents::ShipmentDocLine {
                    sku: l.sku.clone(),
                    name: l.name.clone(),
                    quantity: l.quantity,
                })
                .collect(),
        })
    }

    pub async fn packing_slip(&self, id: &str) -> Result<String, AppError> {
        Ok(crate::documents::packing_slip_html(
            &self.document(id).await?,
        ))
    }

    pub async fn label(&self, id: &str) -> Result<String, AppError> {
        crate::documents::shipping_label_html(&self.document(id).await?).map_err(AppError::Conflict)
    }
}

/// What applying a tracking event needs, moved into the write transaction.
struct Applier {
    orders: Arc<dyn OrdersApi>,
    payments: Option<Arc<dyn PaymentsApi>>,
}

impl Applier {
    /// Records the event on the timeline; if it supersedes the shipment's status, moves
    /// the shipment and what follows from it: the order's delivery once every parcel is
    /// delivered (recording the cash of a cash-on-delivery order), or the goods' return
    /// to stock when the parcel came back.
    fn apply_in(
        &self,
        conn: &mut DbConnection,
        row: ShipmentRow,
        u: &TrackingUpdate,
        source: &str,
        external_id: Option<&str>,
    ) -> Result<bool, AppError> {
        store::lock_order_shipments(conn, &row.order_id)?;
        // Read again under the lock: another event of this order may have moved it.
        let row = store::shipment(conn, &row.id)?.ok_or_else(not_found)?;
        let now = now();
        let at: NaiveDateTime = u.occurred_at.naive_utc();
        let fresh = store::insert_event(
            conn,
            &EventRow {
                id: new_id(),
                shipment_id: row.id.clone(),
                status: u.status.as_str().into(),
                occurred_at: at,
                location: u.location.clone(),
                description: u.description.clone(),
                source: source.into(),
                external_id: external_id.map(str::to_string),
                created_at: now,
            },
        )?;
        if !fresh {
            // Recorded meanwhile by another delivery of the same event.
            return Ok(false);
        }
        let current = TrackStatus::parse(&row.status).unwrap_or(TrackStatus::LabelCreated);
        if !current.superseded_by(row.status_at.and_utc(), u.status, u.occurred_at) {
            return Ok(true);
        }
        store::set_status(conn, &row.id, u.status.as_str(), at, now)?;
        enqueue(
            conn,
            &ShipmentStatusChanged {
                shipment_id: row.id.clone(),
                order_id: row.order_id.clone(),
                from: current.as_str().into(),
                to: u.status.as_str().into(),
                occurred_at: u.occurred_at,
            },
        )?;
        let actor = format!("carrier:{source}");
        match u.status {
            TrackStatus::Delivered => {
                let all = store::of_order(conn, &row.order_id)?;
                let every_parcel_done = all.iter().all(|s| {
                    s.id == row.id
                        || TrackStatus::parse(&s.status).is_some_and(TrackStatus::terminal)
                });
                if every_parcel_done && self.orders.delivered_in(conn, &row.order_id, &actor)? {
                    enqueue(
                        conn,
                        &OrderDelivered {
                            order_id: row.order_id.clone(),
                            delivered_at: u.occurred_at,
                        },
                    )?;
                    self.collect_cash_in(conn, &all)?;
                }
            }
            TrackStatus::ReturnedToOrigin => {
                self.orders.returned_to_origin_in(
                    conn,
                    &row.order_id,
                    &row.location_id,
                    &row.ship_lines(),
                    &actor,
                )?;
            }
            _ => {}
        }
        Ok(true)
    }

    /// The cash a courier collected for a cash-on-delivery order, recorded as its payment.
    fn collect_cash_in(
        &self,
        conn: &mut DbConnection,
        shipments: &[ShipmentRow],
    ) -> Result<(), AppError> {
        let Some(payments) = &self.payments else {
            return Ok(());
        };
        for s in shipments {
            let Some(amount) = s.details().cash_to_collect_minor else {
                continue;
            };
            let Some(order) = self
                .orders
                .shippable_in(conn, &s.order_id)?
                .filter(|o| o.balance_due_minor == amount)
            else {
                continue;
            };
            payments.record_in(
                conn,
                &RecordPayment {
                    order_id: s.order_id.clone(),
                    method: "cod".into(),
                    amount_minor: amount,
                    currency: order.currency,
                    reference: s.tracking_number.clone(),
                    session_id: None,
                    actor: format!("carrier:{}", s.carrier),
                    announce: true,
                },
            )?;
        }
        Ok(())
    }
}
