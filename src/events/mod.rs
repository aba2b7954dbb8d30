//! The transactional outbox and its dispatcher: events are rows written with the state
//! change, delivered afterwards to in-process subscribers at least once, retried with
//! backoff, and parked when they keep failing.

mod dispatcher;
mod outbox;
pub mod routes;

pub use dispatcher::{Dispatcher, EventBus, Subscriber};
pub use outbox::{OutboxEntry, OutboxStatus, enqueue, list, retry_parked, status_counts};
