//! Delivers outbox events to in-process subscribers, at least once, in id order per pass,
//! and holds the per-subscriber delivery step that the RabbitMQ consumers share.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::time::Duration;

use chrono::TimeDelta;
use diesel::prelude::*;

use super::outbox::{self, OutboxEntry};
use crate::config::OutboxSettings;
use crate::contracts::events::EventEnvelope;
use crate::db::{Db, DbConnection, now};
use crate::http::AppError;
use crate::schema::processed_events;

/// How long a claimed event is reserved for the dispatcher that claimed it: what events a
/// dead instance had claimed wait at most this long for another. A pass renews the lease
/// of what it still holds after each chunk. (The RabbitMQ publisher claims with a lease
/// of its own, `rabbitmq::PUBLISH_LEASE`, that covers the broker's confirms.)
pub const LEASE: TimeDelta = TimeDelta::seconds(10);

/// Events delivered per write transaction: one commit (an fsync on SQLite) for many events,
/// without holding SQLite's one write lock long enough to stall checkouts.
const CHUNK: usize = 32;

/// Something that reacts to events. `handle` runs inside the write transaction that also
/// records the event as processed for this subscriber, so its own writes and that record
/// commit together and a redelivered event is skipped.
pub trait Subscriber: Send + Sync + 'static {
    /// A stable name: it keys the processed-events record.
    fn name(&self) -> &'static str;
    fn interested_in(&self, event_type: &str) -> bool;

    /// The event types to route to this subscriber's queue when the bus is RabbitMQ.
    /// `None` (the default) binds every type (`#`); either way a consumer hands the
    /// subscriber only what `interested_in` accepts and acknowledges the rest unhandled.
    fn event_types(&self) -> Option<&'static [&'static str]> {
        None
    }
    fn handle(&self, conn: &mut DbConnection, event: &EventEnvelope) -> Result<(), AppError>;

    /// Runs after `handle`'s transaction committed (e.g. to drop caches of what it
    /// changed). Not run when the event had been handled before.
    fn committed(&self, _event: &EventEnvelope) {}
}

/// The in-process subscribers.
#[derive(Clone, Default)]
pub struct EventBus {
    subscribers: Arc<Vec<Arc<dyn Subscriber>>>,
}

impl EventBus {
    pub fn new(subscribers: Vec<Arc<dyn Subscriber>>) -> Self {
        Self {
            subscribers: Arc::new(subscribers),
        }
    }

    pub fn len(&self) -> usize {
        self.subscribers.len()
    }

    pub fn is_empty(&self) -> bool {
        self.subscribers.is_empty()
    }

    pub(super) fn subscribers(&self) -> &[Arc<dyn Subscriber>] {
        &self.subscribers
    }
}

#[derive(Clone)]
pub struct Dispatcher {
    db: Db,
    bus: EventBus,
    settings: OutboxSettings,
}

impl Dispatcher {
    pub fn new(db: Db, bus: EventBus, settings: OutboxSettings) -> Self {
        Self { db, bus, settings }
    }

    /// Delivers the events due now; returns how many were claimed. Blocking.
    ///
    /// Events go in chunks, each in one write transaction: every event in a savepoint of
    /// its own (its subscribers' handling, their processed records and its delivered mark),
    /// so a failing event is rolled back alone and recorded as failed after the commit.
    pub fn run_once(&self) -> Result<usize, AppError> {
        let batch = i64::from(self.settings.batch_size);
        let claimed = self
            .db
            .write_blocking(|conn| outbox::claim_due(conn, batch, LEASE))?;
        let count = claimed.len();
        let chunks: Vec<&[OutboxEntry]> = claimed.chunks(CHUNK).collect();
        for (i, chunk) in chunks.iter().enumerate() {
            let later: Vec<&str> = chunks[i + 1..]
                .iter()
                .flat_map(|c| c.iter().map(|e| e.id.as_str()))
                .collect();
            let mut failed = Vec::new();
            let mut handled = Vec::new();
            let delivered = self.db.write_blocking(|conn| {
                failed.clear();
                handled.clear();
                for entry in chunk.iter() {
                    let mut now_handled = Vec::new();
                    let outcome = conn.transaction::<_, AppError, _>(|c| {
                        self.deliver_in(c, entry, &mut now_handled)?;
                        outbox::mark_delivered(c, &entry.id)
                    });
                    match outcome {
                        Ok(()) => handled.append(&mut now_handled),
                        // A lock timeout or deadlock may have ended the whole transaction
                        // (InnoDB rolls it all back): give up on this chunk.
                        Err(e @ AppError::Unavailable(_)) => return Err(e),
                        Err(AppError::Internal(message)) => failed.push((entry, message)),
                        Err(other) => failed.push((entry, other.to_string())),
                    }
                }
                outbox::renew_lease(conn, &later, LEASE)?;
                Ok(())
            });
            if let Err(e) = delivered {
                // Nothing of this chunk committed: free it for the next pass at once.
                let ids: Vec<&str> = chunks[i..]
                    .iter()
                    .flat_map(|c| c.iter().map(|e| e.id.as_str()))
                    .collect();
                self.db.write_blocking(|conn| outbox::release(conn, &ids))?;
                return Err(e);
            }
            for (subscriber, envelope) in &handled {
                subscriber.committed(envelope);
            }
            for (entry, error) in failed {
                self.record_failure(entry, &error)?;
            }
        }
        Ok(count)
    }

    fn record_failure(&self, entry: &OutboxEntry, error: &str) -> Result<(), AppError> {
        let attempts = u32::try_from(entry.attempts).unwrap_or(0) + 1;
        let retry_at = (attempts < self.settings.max_attempts)
            .then(|| now() + backoff(&self.settings, attempts));
        if retry_at.is_none() {
            tracing::error!(
                event_id = %entry.id,
                event_type = %entry.event_type,
                attempts,
                error = %error,
                "event parked after repeated delivery failures"
            );
        } else {
            tracing::warn!(event_id = %entry.id, attempts, error = %error, "event delivery failed; will retry");
        }
        self.db
            .write_blocking(|conn| outbox::mark_failed(conn, &entry.id, error, retry_at))
    }

    /// Hands one event to every interested subscriber on `conn` (inside the caller's
    /// transaction), noting in `handled` the subscribers that handled it now.
    fn deliver_in(
        &self,
        conn: &mut DbConnection,
        entry: &OutboxEntry,
        handled: &mut Vec<(Arc<dyn Subscriber>, EventEnvelope)>,
    ) -> Result<(), AppError> {
        let envelope = entry
            .envelope()
            .map_err(|e| AppError::internal(format!("payload is not valid JSON: {e}")))?;
        for subscriber in self.bus.subscribers() {
            if subscriber.interested_in(&envelope.event_type)
                && handle_in(conn, subscriber.as_ref(), &envelope)
                    .map_err(|e| AppError::internal(format!("{}: {e}", subscriber.name())))?
            {
                handled.push((subscriber.clone(), envelope.clone()));
            }
        }
        Ok(())
    }

    /// Polls until `stop` turns true; finishes the pass in progress before returning.
    pub async fn run(self, mut stop: tokio::sync::watch::Receiver<bool>) {
        let poll = Duration::from_millis(self.settings.poll_interval_ms);
        let batch = self.settings.batch_size as usize;
        loop {
            if *stop.borrow() {
                break;
            }
            let this = self.clone();
            let claimed = match tokio::task::spawn_blocking(move || this.run_once()).await {
                Ok(Ok(n)) => n,
                Ok(Err(e)) => {
                    tracing::warn!(error = %e, "outbox pass failed");
                    0
                }
                Err(e) => {
                    tracing::error!(error = %e, "outbox pass panicked");
                    0
                }
            };
            if claimed >= batch {
                continue;
            }
            tokio::select! {
                _ = tokio::time::sleep(poll) => {}
                _ = stop.changed() => break,
            }
        }
        tracing::debug!("outbox dispatcher stopped");
    }
}

/// Delay before attempt `attempts + 1`: doubling from the base, capped.
pub(super) fn backoff(settings: &OutboxSettings, attempts: u32) -> TimeDelta {
    let ms = settings
        .base_backoff_ms
        .saturating_mul(1u64 << attempts.saturating_sub(1).min(30))
        .min(settings.max_backoff_ms);
    TimeDelta::milliseconds(i64::try_from(ms).unwrap_or(i64::MAX))
}

/// Hands `envelope` to one subscriber: its `handle` and the `processed_events` record
/// commit in one write transaction, so a redelivered event is skipped. Returns whether it
/// was handled now (false: handled before). Blocking. The RabbitMQ consumers deliver
/// through here; the in-process dispatcher batches the same step (`handle_in`).
#[cfg(feature = "rabbitmq")]
pub(super) fn deliver_to(
    db: &Db,
    subscriber: &dyn Subscriber,
    envelope: &EventEnvelope,
) -> Result<bool, String> {
    let name = subscriber.name();
    let handled = db
        .write_blocking(|conn| handle_in(conn, subscriber, envelope))
        .map_err(|e| format!("{name}: {e}"))?;
    if handled {
        subscriber.committed(envelope);
    }
    Ok(handled)
}

/// One subscriber's handling of `envelope` and its processed record, on `conn` inside the
/// caller's transaction; false when it was handled before.
fn handle_in(
    conn: &mut DbConnection,
    subscriber: &dyn Subscriber,
    envelope: &EventEnvelope,
) -> Result<bool, AppError> {
    let name = subscriber.name();
    if already_processed(conn, name, &envelope.id)? {
        return Ok(false);
    }
    match catch_unwind(AssertUnwindSafe(|| subscriber.handle(conn, envelope))) {
        Ok(result) => result?,
        Err(_) => {
            return Err(AppError::internal(format!("subscriber {name} panicked")));
        }
    }
    diesel::insert_into(processed_events::table)
        .values((
            processed_events::subscriber.eq(name),
            processed_events::event_id.eq(&envelope.id),
            processed_events::processed_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(true)
}

fn already_processed(
    conn: &mut DbConnection,
    subscriber: &str,
    event_id: &str,
) -> Result<bool, AppError> {
    let done: i64 = processed_events::table
        .filter(processed_events::subscriber.eq(subscriber))
        .filter(processed_events::event_id.eq(event_id))
        .count()
        .get_result(conn)?;
    Ok(done > 0)
}
