//! The shipping domain as the cart sees it: which shipping methods reach an address, and
//! at what price.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::http::AppError;

/// What is to be shipped, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShippingQuery {
    /// Two-digit GST state code of the address.
    pub state_code: String,
    /// Six-digit PIN code; empty while the buyer has not given an address yet (then only
    /// zones without PIN code rules can answer).
    pub pincode: String,
    /// The goods' weight in grams.
    pub weight_grams: i64,
    /// The goods' value after discounts, in paise (for value slabs and free shipping).
    pub value_minor: i64,
    /// Cash on delivery (only methods that take it, with their surcharge).
    pub cod: bool,
}

/// A shipping method that reaches the address, priced (as entered: with GST when the
/// store's prices include it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ShippingOption {
    /// Pass back as `shipping_method` at checkout.
    pub method: String,
    pub name: String,
    pub amount_minor: i64,
    /// The part of `amount_minor` that is the cash-on-delivery surcharge.
    pub cod_surcharge_minor: i64,
    /// The base charge was waived (free-shipping threshold).
    pub free: bool,
}

#[async_trait::async_trait]
pub trait ShippingApi: Send + Sync {
    /// The methods that reach the address, cheapest first; empty when none does.
    async fn options(&self, query: &ShippingQuery) -> Result<Vec<ShippingOption>, AppError>;
}
