//! What other domains may ask of inventory: availability, and reservations that turn into
//! sales (commit) or go back to stock (release). All stock changes are ledger movements.

use serde::{Deserialize, Serialize};

use crate::db::DbConnection;
use crate::http::AppError;

/// One line to reserve.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockLine {
    pub variant_id: String,
    pub quantity: i64,
}

/// Stock of one variant at one location.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Availability {
    pub variant_id: String,
    pub location_id: String,
    pub on_hand: i64,
    pub reserved: i64,
    /// on_hand − reserved.
    pub available: i64,
}

/// Why a reservation failed: the first line short of stock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shortage {
    pub variant_id: String,
    pub requested: i64,
    pub available: i64,
}

#[async_trait::async_trait]
pub trait InventoryApi: Send + Sync {
    /// Availability of `variant_ids`, at one location or at each location.
    async fn availability(
        &self,
        variant_ids: &[String],
        location_id: Option<&str>,
    ) -> Result<Vec<Availability>, AppError>;

    /// Reserves every line at `location_id` for `reference` (an order id), or none of them.
    /// Repeating a reservation for the same reference returns the first one's outcome
    /// without holding more (the same lines and location, else a 409). A refusal records
    /// nothing, so the same reference may try again once stock arrives.
    /// `ttl_secs`: when an unconfirmed reservation is released by itself (0 = never).
    /// A shortage is `Ok(Err(shortage))`; only failures of the system are `Err`.
    async fn reserve(
        &self,
        reference: &str,
        location_id: &str,
        lines: &[StockLine],
        ttl_secs: u64,
    ) -> Result<Result<(), Shortage>, AppError>;

    /// The active locations, oldest first: `(id, name)`.
    async fn active_locations(&self) -> Result<Vec<(String, String)>, AppError>;

    /// Turns the reference's reservation into sale movements. Idempotent.
    async fn commit(&self, reference: &str) -> Result<(), AppError>;

    /// Returns the reference's reservation to available stock. Idempotent.
    async fn release(&self, reference: &str) -> Result<(), AppError>;

    // Within the caller's write transaction. Checkout, fulfilment, cancellation and
    // returns change an order and its stock together: one commit, or neither. (A domain
    // split out as a service would replace these with a reservation saga.) `actor` is
    // recorded on the ledger rows.

    /// `reserve`, in the caller's transaction. After `Ok(Err(shortage))` the caller must
    /// roll back: lines before the short one were already applied.
    fn reserve_in(
        &self,
        conn: &mut DbConnection,
        actor: &str,
        reference: &str,
        location_id: &str,
        lines: &[StockLine],
        ttl_secs: u64,
    ) -> Result<Result<(), Shortage>, AppError>;

    /// Sells part of the reference's reservation (fulfilled lines); the reservation is
    /// committed once nothing is left of it.
    fn commit_lines_in(
        &self,
        conn: &mut DbConnection,
        actor: &str,
        reference: &str,
        lines: &[StockLine],
    ) -> Result<(), AppError>;

    /// Ends the reservation: what is left is sold (`commit`) or released. Idempotent.
    fn close_in(
        &self,
        conn: &mut DbConnection,
        actor: &str,
        reference: &str,
        commit: bool,
    ) -> Result<(), AppError>;

    /// Books an adjustment (with `reason`, under `reference`) for each line whose stock
    /// available at `location_id` is less than asked for, so a sale that already happened
    /// (rung up offline at the counter) can then be reserved and sold without stock going
    /// below zero. Returns what was added, per variant; nothing when the stock was there.
    fn cover_in(
        &self,
        conn: &mut DbConnection,
        actor: &str,
        reference: &str,
        location_id: &str,
        lines: &[StockLine],
        reason: &str,
    ) -> Result<Vec<StockLine>, AppError>;

    /// Puts returned goods back into stock at `location_id`.
    fn return_in(
        &self,
        conn: &mut DbConnection,
        actor: &str,
        reference: &str,
        location_id: &str,
        lines: &[StockLine],
    ) -> Result<(), AppError>;
}
