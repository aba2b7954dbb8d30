//! The `Carrier` contract and Kirana's two carriers: `manual` (staff type the AWB and the
//! status changes) and a generic webhook carrier (a courier aggregator posts signed
//! tracking events).
//!
//! The webhook carrier's wire format, which an aggregator (or a small adapter in front of
//! one) posts to `/api/v1/shipping/carriers/{name}/webhook`:
//!
//! ```text
//! X-Carrier-Signature: <hex HMAC-SHA256 of the raw body with a configured secret>
//! {"events": [{"id": "evt_1", "tracking_number": "AWB123", "status": "in_transit",
//!              "occurred_at": "2026-11-25T10:00:00Z", "location": "Bengaluru hub",
//!              "description": "Arrived at hub"}]}
//! ```

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use utoipa::ToSchema;

use crate::http::{AppError, FieldError};

/// Where a parcel is. Moves `label_created → picked_up → in_transit → out_for_delivery →
/// delivered`, with `delivery_failed` (another attempt follows) and `returned_to_origin`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TrackStatus {
    LabelCreated,
    PickedUp,
    InTransit,
    OutForDelivery,
    DeliveryFailed,
    Delivered,
    ReturnedToOrigin,
}

impl TrackStatus {
    pub const ALL: [TrackStatus; 7] = [
        TrackStatus::LabelCreated,
        TrackStatus::PickedUp,
        TrackStatus::InTransit,
        TrackStatus::OutForDelivery,
        TrackStatus::DeliveryFailed,
        TrackStatus::Delivered,
        TrackStatus::ReturnedToOrigin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TrackStatus::LabelCreated => "label_created",
            TrackStatus::PickedUp => "picked_up",
            TrackStatus::InTransit => "in_transit",
            TrackStatus::OutForDelivery => "out_for_delivery",
            TrackStatus::DeliveryFailed => "delivery_failed",
            TrackStatus::Delivered => "delivered",
            TrackStatus::ReturnedToOrigin => "returned_to_origin",
        }
    }

    pub fn parse(s: &str) -> Option<TrackStatus> {
        TrackStatus::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// How far along the journey: breaks ties between events stamped with the same time.
    fn rank(self) -> u8 {
        match self {
            TrackStatus::LabelCreated => 0,
            TrackStatus::PickedUp => 1,
            TrackStatus::InTransit => 2,
            TrackStatus::OutForDelivery | TrackStatus::DeliveryFailed => 3,
            TrackStatus::Delivered | TrackStatus::ReturnedToOrigin => 4,
        }
    }

    /// The journey is over: nothing moves the parcel on.
    pub fn terminal(self) -> bool {
        matches!(self, TrackStatus::Delivered | TrackStatus::ReturnedToOrigin)
    }

    /// Whether an event of status `next` at `next_at` supersedes the current status
    /// (`self` since `at`). Events may arrive out of order: the latest by the carrier's
    /// own time wins, a finished journey stays finished, and the end of a journey wins
    /// even if the carrier's clock put it earlier. The label is Kirana's own step, stamped
    /// by Kirana's clock: any scan of the carrier's moves past it.
    pub fn superseded_by(
        self,
        at: DateTime<Utc>,
        next: TrackStatus,
        next_at: DateTime<Utc>,
    ) -> bool {
        if self.terminal() || next == self {
            return false;
        }
        self == TrackStatus::LabelCreated
            || next.terminal()
            || next_at > at
            || (next_at == at && next.rank() > self.rank())
    }
}

/// One tracking event as a carrier reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackingUpdate {
    /// The carrier's id of the event (a replay carries the same id).
    pub external_id: String,
    pub tracking_number: String,
    pub status: TrackStatus,
    pub occurred_at: DateTime<Utc>,
    pub location: Option<String>,
    pub description: Option<String>,
}

/// A courier as Kirana talks to it.
pub trait Carrier: Send + Sync {
    /// The name shipments are booked under (`manual`, the aggregator's name).
    fn code(&self) -> &str;

    /// Whether tracking events arrive by webhook (else staff enter them).
    fn takes_webhooks(&self) -> bool;

    /// Verifies a webhook's signature over the raw body, then reads its events. A bad
    /// signature is an error and nothing is read.
    fn read_webhook(
        &self,
        signature: Option<&str>,
        body: &[u8],
    ) -> Result<Vec<TrackingUpdate>, AppError>;
}

/// Checks an AWB / tracking number as typed: 4 to 40 letters, digits or dashes.
pub fn check_tracking_number(raw: &str, field: &str) -> Result<String, AppError> {
    let t = raw.trim();
    if t.len() < 4 || t.len() > 40 || !t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Err(AppError::invalid(
            field,
            "must be 4 to 40 letters, digits or dashes",
        ));
    }
    Ok(t.to_ascii_uppercase())
}

/// Staff book the parcel with the courier themselves, type the AWB, and enter its
/// progress.
pub struct ManualCarrier;

impl Carrier for ManualCarrier {
    fn code(&self) -> &str {
        "manual"
    }

    fn takes_webhooks(&self) -> bool {
        false
    }

    fn read_webhook(&self, _: Option<&str>, _: &[u8]) -> Result<Vec<TrackingUpdate>, AppError> {
        Err(AppError::NotFound(
            "the manual carrier takes no webhooks".into(),
        ))
    }
}

/// A courier aggregator posting signed tracking events.
pub struct WebhookCarrier {
    code: String,
    secrets: Vec<String>,
}

#[derive(Deserialize)]
struct WireBody {
    events: Vec<WireEvent>,
}

#[derive(Deserialize)]
struct WireEvent {
    id: String,
    tracking_number: String,
    status: String,
    occurred_at: String,
    location: Option<String>,
    description: Option<String>,
}

type HmacSha256 = Hmac<Sha256>;

/// Whether `signature` (hex) is the HMAC-SHA256 of `body` with one of `secrets`,
/// compared in constant time.
pub fn signature_ok(secrets: &[String], body: &[u8], signature: &str) -> bool {
    let Ok(expected) = hex::decode(signature.trim()) else {
        return false;
    };
    secrets.iter().any(|secret| {
        HmacSha256::new_from_slice(secret.as_bytes()).is_ok_and(|mut mac| {
            mac.update(body);
            mac.verify_slice(&expected).is_ok()
        })
    })
}

fn clip(v: Option<String>, max: usize) -> Option<String> {
    v.map(|s| s.trim().chars().take(max).collect::<String>())
        .filter(|s| !s.is_empty())
}

impl WebhookCarrier {
    pub fn new(code: &str, secrets: &[String]) -> Self {
        Self {
            code: code.to_string(),
            secrets: secrets.to_vec(),
        }
    }
}

impl Carrier for WebhookCarrier {
    fn code(&self) -> &str {
        &self.code
    }

    fn takes_webhooks(&self) -> bool {
        true
    }

    fn read_webhook(
        &self,
        signature: Option<&str>,
        body: &[u8],
    ) -> Result<Vec<TrackingUpdate>, AppError> {
        let Some(signature) = signature else {
            return Err(AppError::invalid(
                "X-Carrier-Signature",
                "is missing; webhooks must be signed",
            ));
        };
        if !signature_ok(&self.secrets, body, signature) {
            return Err(AppError::invalid(
                "X-Carrier-Signature",
                "does not match the body",
            ));
        }
        let wire: WireBody = serde_json::from_slice(body)
            .map_err(|e| AppError::invalid("body", format!("is not a tracking batch: {e}")))?;
        let mut out = Vec::with_capacity(wire.events.len());
        let mut problems = Vec::new();
        for (i, e) in wire.events.into_iter().enumerate() {
            let status = TrackStatus::parse(&e.status);
            let at = DateTime::parse_from_rfc3339(&e.occurred_at).map(|t| t.with_timezone(&Utc));
            if status.is_none() {
                problems.push(FieldError::new(
                    format!("events[{i}].status"),
                    "is not a tracking status",
                ));
            }
            if at.is_err() {
                problems.push(FieldError::new(
                    format!("events[{i}].occurred_at"),
                    "must be an RFC 3339 time",
                ));
            }
            if e.id.trim().is_empty() || e.id.len() > 100 {
                problems.push(FieldError::new(
                    format!("events[{i}].id"),
                    "must be 1 to 100 characters",
                ));
            }
            if let (Some(status), Ok(occurred_at)) = (status, at) {
                out.push(TrackingUpdate {
                    external_id: e.id.trim().to_string(),
                    tracking_number: e.tracking_number.trim().to_ascii_uppercase(),
                    status,
                    occurred_at,
                    location: clip(e.location, 200),
                    description: clip(e.description, 500),
                });
            }
        }
        if !problems.is_empty() {
            return Err(AppError::Validation(problems));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    }

    #[test]
    fn the_latest_event_wins_and_a_finished_journey_stays_finished() {
        use TrackStatus::*;
        let t1 = at("2026-11-25T10:00:00Z");
        let t2 = at("2026-11-25T12:00:00Z");
        assert!(PickedUp.superseded_by(t1, InTransit, t2));
        // An older in-transit scan arriving late changes nothing.
        assert!(!OutForDelivery.superseded_by(t2, InTransit, t1));
        // A failed attempt, then out for delivery again later.
        assert!(DeliveryFailed.superseded_by(t1, OutForDelivery, t2));
        assert!(!Delivered.superseded_by(t1, InTransit, t2));
        assert!(!ReturnedToOrigin.superseded_by(t1, Delivered, t2));
        // Delivery wins even when the carrier's clock stamped it earlier.
        assert!(OutForDelivery.superseded_by(t2, Delivered, t1));
        // A carrier whose clock runs behind Kirana's still moves a new label on.
        assert!(LabelCreated.superseded_by(t2, PickedUp, t1));
        // The same time: the further status wins.
        assert!(PickedUp.superseded_by(t1, InTransit, t1));
        assert!(!InTransit.superseded_by(t1, PickedUp, t1));
    }

    #[test]
    fn webhooks_verify_with_any_current_secret_before_reading() {
        let body = br#"{"events":[{"id":"e1","tracking_number":"awb-1","status":"in_transit","occurred_at":"2026-11-25T10:00:00+05:30"}]}"#;
        let sign = |secret: &str| {
            let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).expect("any key length");
            mac.update(body);
            hex::encode(mac.finalize().into_bytes())
        };
        let carrier = WebhookCarrier::new("courier", &["new".into(), "old".into()]);
        let read = carrier
            .read_webhook(Some(&sign("old")), body)
            .expect("signed with the old secret");
        assert_eq!(read.len(), 1);
        assert_eq!(read[0].tracking_number, "AWB-1");
        assert_eq!(read[0].status, TrackStatus::InTransit);
        assert_eq!(read[0].occurred_at, at("2026-11-25T04:30:00Z"));
        assert!(carrier.read_webhook(Some(&sign("other")), body).is_err());
        assert!(carrier.read_webhook(None, body).is_err());
        assert!(carrier.read_webhook(Some("zz"), body).is_err());
    }

    #[test]
    fn tracking_numbers_are_checked() {
        assert_eq!(
            check_tracking_number(" awb-12345 ", "t").ok().as_deref(),
            Some("AWB-12345")
        );
        assert!(check_tracking_number("a b", "t").is_err());
        assert!(check_tracking_number("123", "t").is_err());
    }
}
