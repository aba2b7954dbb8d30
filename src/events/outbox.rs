//! The `outbox` table: written by domains inside their transactions, read by the dispatcher.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use serde::Serialize;

use crate::contracts::events::{Event, EventEnvelope};
use crate::db::{DbConnection, new_id, now};
use crate::http::AppError;
use crate::http::pagination::{Page, PageRequest};
use crate::schema::outbox;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OutboxStatus {
    Pending,
    Delivered,
    Parked,
}

impl OutboxStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxStatus::Pending => "pending",
            OutboxStatus::Delivered => "delivered",
            OutboxStatus::Parked => "parked",
        }
    }
}

impl std::str::FromStr for OutboxStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "pending" => Ok(OutboxStatus::Pending),
            "delivered" => Ok(OutboxStatus::Delivered),
            "parked" => Ok(OutboxStatus::Parked),
            other => Err(format!(
                "unknown outbox status '{other}' (pending, delivered, parked)"
            )),
        }
    }
}

/// One outbox row as an operator sees it.
#[derive(Debug, Clone, Queryable, Serialize)]
pub struct OutboxEntry {
    pub id: String,
    pub event_type: String,
    pub aggregate_id: Option<String>,
    pub payload: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub delivered_at: Option<NaiveDateTime>,
}

type EntryColumns = (
    outbox::id,
    outbox::event_type,
    outbox::aggregate_id,
    outbox::payload,
    outbox::status,
    outbox::attempts,
    outbox::next_attempt_at,
    outbox::last_error,
    outbox::created_at,
    outbox::delivered_at,
);

const ENTRY_COLUMNS: EntryColumns = (
    outbox::id,
    outbox::event_type,
    outbox::aggregate_id,
    outbox::payload,
    outbox::status,
    outbox::attempts,
    outbox::next_attempt_at,
    outbox::last_error,
    outbox::created_at,
    outbox::delivered_at,
);

impl OutboxEntry {
    pub fn envelope(&self) -> Result<EventEnvelope, serde_json::Error> {
        Ok(EventEnvelope {
            id: self.id.clone(),
            event_type: self.event_type.clone(),
            aggregate_id: self.aggregate_id.clone(),
            payload: serde_json::from_str(&self.payload)?,
            created_at: self.created_at.and_utc(),
        })
    }
}

/// Records `event` in the caller's transaction; it is delivered only if that commits.
pub fn enqueue<E: Event>(conn: &mut DbConnection, event: &E) -> Result<String, AppError> {
    let id = new_id();
    let now = now();
    diesel::insert_into(outbox::table)
        .values((
            outbox::id.eq(&id),
            outbox::event_type.eq(E::TYPE),
            outbox::aggregate_id.eq(event.aggregate_id()),
            outbox::payload.eq(serde_json::to_string(event)?),
            outbox::status.eq(OutboxStatus::Pending.as_str()),
            outbox::attempts.eq(0),
            outbox::next_attempt_at.eq(now),
            outbox::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(id)
}

/// Claims up to `batch` due events for `lease`, so that another dispatcher (another
/// instance) skips them until the lease runs out. Call inside a write transaction.
///
/// This is safe across processes on both backends, which is why it needs no lock column
/// of its own or `FOR UPDATE SKIP LOCKED`:
/// - SQLite: the write transaction is `BEGIN IMMEDIATE`, which takes the database's one
///   write lock before the first read, so no other process claims between this read and
///   these updates.
/// - MySQL/MariaDB (InnoDB): the `SELECT` is a non-locking snapshot read, so two instances
///   may pick the same rows, but each `UPDATE ... WHERE locked_until IS NULL OR < now` is a
///   locking read of the latest committed row: the second instance waits on the row lock
///   until the first commits, then sees the lease taken and matches nothing. Only an
///   update that still matched claims the row. Both claim in id order, so two claimers
///   wait on each other in one direction only (no deadlock).
///
/// A lease, not a lock: a dispatcher that kept a row past the lease could see another
/// claim it too. A pass normally ends well within it (the RabbitMQ publisher waits for
/// confirms at most `CONFIRM_TIMEOUT`), and subscribers are idempotent anyway.
pub(super) fn claim_due(
    conn: &mut DbConnection,
    batch: i64,
    lease: TimeDelta,
) -> Result<Vec<OutboxEntry>, AppError> {
    let now = now();
    let due: Vec<OutboxEntry> = outbox::table
        .filter(outbox::status.eq(OutboxStatus::Pending.as_str()))
        .filter(outbox::next_attempt_at.le(now))
        .filter(
            outbox::locked_until
                .is_null()
                .or(outbox::locked_until.lt(now)),
        )
        .order(outbox::id.asc())
        .limit(batch)
        .select(ENTRY_COLUMNS)
        .load(conn)?;
    let mut claimed = Vec::with_capacity(due.len());
    for entry in due {
        // Conditional on the lease still being free: on MySQL two instances may have read
        // the same rows, and only one update matches.
        let won = diesel::update(
            outbox::table.filter(outbox::id.eq(&entry.id)).filter(
                outbox::locked_until
                    .is_null()
                    .or(outbox::locked_until.lt(now)),
            ),
        )
        .set(outbox::locked_until.eq(now + lease))
        .execute(conn)?;
        if won == 1 {
            claimed.push(entry);
        }
    }
    Ok(claimed)
}

/// Extends the lease of events a pass still holds (`ids`), so a long pass keeps them.
pub(super) fn renew_lease(
    conn: &mut DbConnection,
    ids: &[&str],
    lease: TimeDelta,
) -> Result<(), AppError> {
    if ids.is_empty() {
        return Ok(());
    }
    diesel::update(
        outbox::table
            .filter(outbox::id.eq_any(ids))
            .filter(outbox::status.eq(OutboxStatus::Pending.as_str())),
    )
    .set(outbox::locked_until.eq(now() + lease))
    .execute(conn)?;
    Ok(())
}

/// Gives up the lease of events a pass could not deliver, so the next pass takes them.
pub(super) fn release(conn: &mut DbConnection, ids: &[&str]) -> Result<(), AppError> {
    if ids.is_empty() {
        return Ok(());
    }
    diesel::update(
        outbox::table
            .filter(outbox::id.eq_any(ids))
            .filter(outbox::status.eq(OutboxStatus::Pending.as_str())),
    )
    .set(outbox::locked_until.eq(None::<NaiveDateTime>))
    .execute(conn)?;
    Ok(())
}

pub(super) fn mark_delivered(conn: &mut DbConnection, id: &str) -> Result<(), AppError> {
    diesel::update(outbox::table.filter(outbox::id.eq(id)))
        .set((
            outbox::status.eq(OutboxStatus::Delivered.as_str()),
            outbox::delivered_at.eq(Some(now())),
            outbox::locked_until.eq(None::<NaiveDateTime>),
            outbox::attempts.eq(outbox::attempts + 1),
        ))
        .execute(conn)?;
    Ok(())
}

/// Records a failed delivery: retried at `retry_at`, or parked when that is `None`.
pub(super) fn mark_failed(
    conn: &mut DbConnection,
    id: &str,
    error: &str,
    retry_at: Option<NaiveDateTime>,
) -> Result<(), AppError> {
    let error: String = error.chars().take(2000).collect();
    let target = outbox::table.filter(outbox::id.eq(id));
    match retry_at {
        Some(at) => diesel::update(target)
            .set((
                outbox::attempts.eq(outbox::attempts + 1),
                outbox::next_attempt_at.eq(at),
                outbox::locked_until.eq(None::<NaiveDateTime>),
                outbox::last_error.eq(Some(error)),
            ))
            .execute(conn)?,
        None => diesel::update(target)
            .set((
                outbox::attempts.eq(outbox::attempts + 1),
                outbox::status.eq(OutboxStatus::Parked.as_str()),
                outbox::locked_until.eq(None::<NaiveDateTime>),
                outbox::last_error.eq(Some(error)),
            ))
            .execute(conn)?,
    };
    Ok(())
}

/// Outbox rows, oldest first, optionally of one status.
pub fn list(
    conn: &mut DbConnection,
    status: Option<OutboxStatus>,
    page: &PageRequest<String>,
) -> Result<Page<OutboxEntry>, AppError> {
    let mut query = outbox::table.select(ENTRY_COLUMNS).into_boxed();
    if let Some(status) = status {
        query = query.filter(outbox::status.eq(status.as_str()));
    }
    if let Some(after) = &page.after {
        query = query.filter(outbox::id.gt(after.clone()));
    }
    let rows: Vec<OutboxEntry> = query
        .order(outbox::id.asc())
        .limit(page.limit as i64 + 1)
        .load(conn)?;
    Ok(Page::from_rows(rows, page.limit, |e| e.id.clone()))
}

/// Puts a parked event back in the queue with a fresh attempt count. Returns whether an
/// event with that id was parked.
pub fn retry_parked(conn: &mut DbConnection, id: &str) -> Result<bool, AppError> {
    let changed = diesel::update(
        outbox::table
            .filter(outbox::id.eq(id))
            .filter(outbox::status.eq(OutboxStatus::Parked.as_str())),
    )
    .set((
        outbox::status.eq(OutboxStatus::Pending.as_str()),
        outbox::attempts.eq(0),
        outbox::next_attempt_at.eq(now()),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Number of (pending, parked) events.
pub fn status_counts(conn: &mut DbConnection) -> Result<(i64, i64), AppError> {
    let count = |conn: &mut DbConnection, status: OutboxStatus| -> Result<i64, AppError> {
        Ok(outbox::table
            .filter(outbox::status.eq(status.as_str()))
            .count()
            .get_result(conn)?)
    };
    Ok((
        count(conn, OutboxStatus::Pending)?,
        count(conn, OutboxStatus::Parked)?,
    ))
}
