//! The payments domain as other domains see it: recording money taken outside an online
//! provider (cash at delivery, tenders at the counter) in the caller's transaction.

use crate::db::DbConnection;
use crate::http::AppError;

/// Money taken for an order by hand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordPayment {
    pub order_id: String,
    /// `cash`, `card`, `upi`, `manual` (bank transfer) or `cod` (cash at delivery).
    pub method: String,
    pub amount_minor: i64,
    pub currency: String,
    /// The card terminal's or UPI reference, the bank transfer's UTR, the AWB.
    pub reference: Option<String>,
    /// The POS register session the money went into.
    pub session_id: Option<String>,
    /// Who took the money (a user id, or `system`).
    pub actor: String,
    /// True to send `PaymentCaptured` so the order becomes paid; false when the caller's
    /// transaction records the payment on the order itself (a counter sale).
    pub announce: bool,
}

pub trait PaymentsApi: Send + Sync {
    /// Records a captured payment in `conn`'s transaction and returns its id.
    fn record_in(
        &self,
        conn: &mut DbConnection,
        payment: &RecordPayment,
    ) -> Result<String, AppError>;
}
