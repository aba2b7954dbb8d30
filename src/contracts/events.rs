//! Domain events. A domain writes its event to the outbox in the transaction that changes
//! its state; the dispatcher delivers each at least once to every interested subscriber.

use serde::Serialize;
use serde::de::DeserializeOwned;

/// A fact a domain publishes. `TYPE` is the stable name subscribers match on
/// (`orders.order_placed`); the payload is the serde form of the value.
pub trait Event: Serialize + DeserializeOwned {
    const TYPE: &'static str;

    /// The entity the event is about (an order id), for tracing and ordering.
    fn aggregate_id(&self) -> Option<String> {
        None
    }
}

/// An event as stored and delivered.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct EventEnvelope {
    pub id: String,
    pub event_type: String,
    pub aggregate_id: Option<String>,
    pub payload: serde_json::Value,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl EventEnvelope {
    /// The typed event, if this envelope carries one of type `E`.
    pub fn decode<E: Event>(&self) -> Option<Result<E, serde_json::Error>> {
        (self.event_type == E::TYPE).then(|| serde_json::from_value(self.payload.clone()))
    }
}

/// Inventory: the total available stock of a variant (all locations) changed.
/// The catalog keeps its "in stock" flag from these.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct StockChanged {
    pub variant_id: String,
    pub available_total: i64,
}

impl Event for StockChanged {
    const TYPE: &'static str = "inventory.stock_changed";

    fn aggregate_id(&self) -> Option<String> {
        Some(self.variant_id.clone())
    }
}

/// Inventory: available stock of a variant at a location fell to or below the threshold
/// set for it there (sent once per crossing, not on every change while low).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct StockLow {
    pub variant_id: String,
    pub location_id: String,
    pub available: i64,
    pub threshold: i64,
}

impl Event for StockLow {
    const TYPE: &'static str = "inventory.stock_low";

    fn aggregate_id(&self) -> Option<String> {
        Some(self.variant_id.clone())
    }
}

/// Orders: an order was placed (web checkout or POS sale).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct OrderPlaced {
    pub order_id: String,
    pub number: String,
    pub channel: String,
    pub customer_id: Option<String>,
    pub currency: String,
    pub grand_total_minor: i64,
    pub lines: Vec<crate::contracts::inventory::StockLine>,
}

impl Event for OrderPlaced {
    const TYPE: &'static str = "orders.order_placed";

    fn aggregate_id(&self) -> Option<String> {
        Some(self.order_id.clone())
    }
}

/// Orders: an order moved from one status to another (the timeline, as events).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct OrderStatusChanged {
    pub order_id: String,
    pub from: String,
    pub to: String,
}

impl Event for OrderStatusChanged {
    const TYPE: &'static str = "orders.status_changed";

    fn aggregate_id(&self) -> Option<String> {
        Some(self.order_id.clone())
    }
}

/// Orders: returned goods were received and a credit note issued; the refund is due.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct ReturnReceived {
    pub order_id: String,
    pub return_id: String,
    pub credit_note_id: String,
    pub refund_minor: i64,
}

impl Event for ReturnReceived {
    const TYPE: &'static str = "orders.return_received";

    fn aggregate_id(&self) -> Option<String> {
        Some(self.order_id.clone())
    }
}

/// Payments: money for an order was captured (online, or recorded by staff). Orders
/// become paid from this and issue their invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct PaymentCaptured {
    pub payment_id: String,
    pub order_id: String,
    pub amount_minor: i64,
    pub currency: String,
    /// `razorpay`, `cod`, `manual`...
    pub method: String,
    /// The provider's payment id (`pay_...`) or the staff's reference.
    pub reference: Option<String>,
}

impl Event for PaymentCaptured {
    const TYPE: &'static str = "payments.payment_captured";

    fn aggregate_id(&self) -> Option<String> {
        Some(self.order_id.clone())
    }
}

/// Payments: an attempt to pay an order failed (the order stays unpaid).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct PaymentFailed {
    pub payment_id: String,
    pub order_id: String,
    pub reason: Option<String>,
}

impl Event for PaymentFailed {
    const TYPE: &'static str = "payments.payment_failed";

    fn aggregate_id(&self) -> Option<String> {
        Some(self.order_id.clone())
    }
}

/// Payments: money went back to the buyer. For a refund of a received return the credit
/// note exists already (`return_id`); otherwise orders issue one for the amount.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct RefundProcessed {
    pub refund_id: String,
    pub payment_id: String,
    pub order_id: String,
    pub amount_minor: i64,
    pub return_id: Option<String>,
}

impl Event for RefundProcessed {
    const TYPE: &'static str = "payments.refund_processed";

    fn aggregate_id(&self) -> Option<String> {
        Some(self.order_id.clone())
    }
}

/// Orders: a captured payment could not be applied (the order was cancelled, is paid
/// already, or the amount differs); payments flag it for staff to refund or settle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct PaymentUnapplied {
    pub payment_id: String,
    pub order_id: String,
    pub reason: String,
}

impl Event for PaymentUnapplied {
    const TYPE: &'static str = "orders.payment_unapplied";

    fn aggregate_id(&self) -> Option<String> {
        Some(self.order_id.clone())
    }
}

/// Shipping: goods of an order were handed to a carrier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct ShipmentCreated {
    pub shipment_id: String,
    pub order_id: String,
    pub number: String,
    pub carrier: String,
    pub tracking_number: Option<String>,
    pub lines: Vec<crate::contracts::orders::ShipLine>,
}

impl Event for ShipmentCreated {
    const TYPE: &'static str = "shipping.shipment_created";

    fn aggregate_id(&self) -> Option<String> {
        Some(self.order_id.clone())
    }
}

/// Shipping: a shipment's tracking status changed (`picked_up`, `in_transit`,
/// `out_for_delivery`, `delivered`, `delivery_failed`, `returned_to_origin`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct ShipmentStatusChanged {
    pub shipment_id: String,
    pub order_id: String,
    pub from: String,
    pub to: String,
    pub occurred_at: chrono::DateTime<chrono::Utc>,
}

impl Event for ShipmentStatusChanged {
    const TYPE: &'static str = "shipping.shipment_status_changed";

    fn aggregate_id(&self) -> Option<String> {
        Some(self.order_id.clone())
    }
}

/// Shipping: every parcel of an order was delivered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct OrderDelivered {
    pub order_id: String,
    pub delivered_at: chrono::DateTime<chrono::Utc>,
}

impl Event for OrderDelivered {
    const TYPE: &'static str = "shipping.order_delivered";

    fn aggregate_id(&self) -> Option<String> {
        Some(self.order_id.clone())
    }
}

/// Orders: a tax invoice or credit note was issued. Carries what sales and GST reports
/// need, derived only from the stored document and the order's immutable snapshot, so
/// `OrdersApi::issued_documents` gives the same facts again for a rebuild.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct DocumentIssued {
    pub document_id: String,
    pub order_id: String,
    /// `invoice` or `credit_note`.
    pub kind: String,
    pub number: String,
    pub issued_at: chrono::DateTime<chrono::Utc>,
    /// The merchant's local date of issue (reports group by it).
    pub issued_on: chrono::NaiveDate,
    /// `web` or `pos`.
    pub channel: String,
    pub customer_id: Option<String>,
    pub buyer_gstin: Option<String>,
    /// Two-digit GST state code.
    pub place_of_supply: String,
    pub currency: String,
    pub lines: Vec<DocumentLine>,
    pub taxable_minor: i64,
    pub cgst_minor: i64,
    /// SGST, or UTGST in a union territory without a legislature (`union_territory`).
    pub sgst_minor: i64,
    pub igst_minor: i64,
    pub union_territory: bool,
    pub grand_total_minor: i64,
    /// How an invoice was paid when issued (`cod` while cash is due at delivery).
    pub paid_by: Vec<(String, i64)>,
}

/// One line of an issued document. Goods lines name their product, variant and seller;
/// the shipping charge names none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct DocumentLine {
    pub product_id: Option<String>,
    pub variant_id: Option<String>,
    pub seller_id: Option<String>,
    pub hsn: String,
    pub rate_bp: i32,
    pub quantity: i64,
    /// Before the discount: unit price × quantity, as entered.
    pub gross_minor: i64,
    pub discount_minor: i64,
    pub taxable_minor: i64,
    pub cgst_minor: i64,
    pub sgst_minor: i64,
    pub igst_minor: i64,
    pub total_minor: i64,
}

impl Event for DocumentIssued {
    const TYPE: &'static str = "orders.document_issued";

    fn aggregate_id(&self) -> Option<String> {
        Some(self.order_id.clone())
    }
}
