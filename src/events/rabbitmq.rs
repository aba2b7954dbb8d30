//! The event bus on RabbitMQ: the outbox publisher (rows are marked delivered only once the
//! broker confirms them) and a consumer per subscriber on a durable queue that every
//! instance shares, with a retry queue and a dead-letter queue beside it.
//!
//! Topology, for exchange `X` and queue prefix `P` (declared by the publisher and by the
//! consumers, so events published before a consumer first starts are kept):
//! - `X`: durable topic exchange; routing key = event type, message id = event id.
//! - `P.{subscriber}`: durable queue bound to `X` with the subscriber's `event_types`, or
//!   `#` when it lists none (the consumer then filters with `interested_in`).
//! - `P.{subscriber}.retry`: a failed event waits here `events.retry_delay_ms` (a
//!   per-message TTL), then is dead-lettered through the default exchange back to
//!   `P.{subscriber}` only, not to every subscriber; the attempt count rides in a header.
//! - `P.{subscriber}.dead`: where an event goes after `events.max_attempts` failures.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

use futures_util::StreamExt;
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicNackOptions, BasicPublishOptions, BasicQosOptions,
    ConfirmSelectOptions, ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions,
};
use lapin::types::{AMQPValue, FieldTable, ShortString};
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties, Consumer, ExchangeKind};
use tokio::sync::watch;

use super::dispatcher::{EventBus, Subscriber, backoff, deliver_to};
use super::outbox::{self, OutboxEntry};
use crate::breaker::CircuitBreaker;
use crate::config::{EventsSettings, OutboxSettings};
use crate::contracts::events::EventEnvelope;
use crate::db::{Db, DbConnection, now};
use crate::http::AppError;

/// How long the publisher waits for the broker to confirm a batch; far within its lease,
/// so no other instance claims a row while its publication is still undecided.
pub(super) const CONFIRM_TIMEOUT: Duration = Duration::from_secs(12);
/// The publisher's lease on the rows it claims: longer than the in-process dispatcher's,
/// because a busy broker may take seconds to confirm (a shorter wait timed out under load
/// and pushed events into growing backoff); what a dead publisher claimed waits this long.
const PUBLISH_LEASE: chrono::TimeDelta = chrono::TimeDelta::seconds(30);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Every other call to the broker is bounded too: a broker that is starting up or going
/// away can leave a declaration, an acknowledgement or a close unanswered, and a loop
/// waiting on it would never reconnect.
const CALL_TIMEOUT: Duration = Duration::from_secs(10);
/// How often a consumer waiting for its next message checks that its channel still lives.
const LIVENESS_CHECK: Duration = Duration::from_secs(1);
const RECONNECT_MIN: Duration = Duration::from_millis(200);
const RECONNECT_MAX: Duration = Duration::from_secs(5);
/// How many times a consumer failed to handle this message (retry and dead-letter queues).
pub const ATTEMPTS_HEADER: &str = "x-kirana-attempts";
/// The last handling error, on messages in the retry and dead-letter queues.
pub const ERROR_HEADER: &str = "x-kirana-error";

const _: () = assert!(CONFIRM_TIMEOUT.as_secs() * 2 < PUBLISH_LEASE.num_seconds() as u64);

/// `{prefix}.{subscriber}`: the queue a subscriber's consumers share.
pub fn queue_name(prefix: &str, subscriber: &str) -> String {
    format!("{prefix}.{subscriber}")
}

/// The queue a subscriber's failed events wait in before they are handled again.
pub fn retry_queue_name(prefix: &str, subscriber: &str) -> String {
    format!("{prefix}.{subscriber}.retry")
}

/// The queue a subscriber's events go to once they failed `max_attempts` times.
pub fn dead_queue_name(prefix: &str, subscriber: &str) -> String {
    format!("{prefix}.{subscriber}.dead")
}

/// Parts of this instance that hold a broker connection.
pub(super) const PUBLISHER: u8 = 1;
pub(super) const CONSUMERS: u8 = 2;

/// Whether this instance's connections to the broker are up, shown in `/readyz` and
/// `/metrics` as the `rabbitmq` dependency: `closed` = connected, `open` = not.
pub(super) struct Link {
    down: AtomicU8,
    breaker: Arc<CircuitBreaker>,
}

impl Link {
    /// A link whose `parts` are down until they connect.
    pub(super) fn new(parts: u8) -> Arc<Link> {
        // Never half-open on its own: only a connection closes it.
        let breaker = Arc::new(CircuitBreaker::new("rabbitmq", 1, Duration::MAX));
        if parts != 0 {
            breaker.failure();
        }
        Arc::new(Link {
            down: AtomicU8::new(parts),
            breaker,
        })
    }

    pub(super) fn breaker(&self) -> Arc<CircuitBreaker> {
        self.breaker.clone()
    }

    pub(super) fn up(&self, part: u8) {
        if self.down.fetch_and(!part, Ordering::SeqCst) & !part == 0 {
            self.breaker.success();
        }
    }

    fn down(&self, part: u8) {
        self.down.fetch_or(part, Ordering::SeqCst);
        self.breaker.failure();
    }
}

/// Delay before reconnect attempt `failures + 1`.
fn reconnect_delay(failures: u32) -> Duration {
    RECONNECT_MIN
        .saturating_mul(1u32 << failures.min(10))
        .min(RECONNECT_MAX)
}

/// Sleeps `delay` unless asked to stop first; returns whether to stop.
async fn sleep_or_stop(delay: Duration, stop: &mut watch::Receiver<bool>) -> bool {
    if *stop.borrow() {
        return true;
    }
    tokio::select! {
        _ = tokio::time::sleep(delay) => false,
        _ = stop.changed() => true,
    }
}

fn short(value: &str) -> Result<ShortString, String> {
    ShortString::try_new(value).map_err(|e| format!("'{value}': {e}"))
}

async fn connect(url: &str, name: &str) -> Result<Connection, String> {
    let properties = ConnectionProperties::default().with_connection_name(name.into());
    match tokio::time::timeout(CONNECT_TIMEOUT, Connection::connect(url, properties)).await {
        Ok(Ok(connection)) => Ok(connection),
        Ok(Err(e)) => Err(format!("cannot connect to RabbitMQ: {e}")),
        Err(_) => Err(format!(
            "cannot connect to RabbitMQ: no answer within {CONNECT_TIMEOUT:?}"
        )),
    }
}

/// `call` with `CALL_TIMEOUT`; `what` names it in the error.
async fn bounded<T, E: std::fmt::Display>(
    what: impl std::fmt::Display,
    call: impl Future<Output = Result<T, E>>,
) -> Result<T, String> {
    match tokio::time::timeout(CALL_TIMEOUT, call).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => Err(format!("{what}: {e}")),
        Err(_) => Err(format!("{what}: no answer within {CALL_TIMEOUT:?}")),
    }
}

async fn close(connection: Connection) {
    if connection.status().connected() {
        let _ = bounded("closing the connection", connection.close(200, "OK".into())).await;
    }
}

/// Declares the exchange and every subscriber's queues and bindings. Idempotent.
async fn declare_topology(
    channel: &Channel,
    settings: &EventsSettings,
    subscribers: &[Arc<dyn Subscriber>],
) -> Result<(), String> {
    let exchange = short(&settings.exchange)?;
    bounded(
        format!("declaring exchange {exchange}"),
        channel.exchange_declare(
            exchange.clone(),
            ExchangeKind::Topic,
            ExchangeDeclareOptions {
                durable: true,
                ..ExchangeDeclareOptions::default()
            },
            FieldTable::default(),
        ),
    )
    .await?;
    let prefix = &settings.queue_prefix;
    for subscriber in subscribers {
        let main = queue_name(prefix, subscriber.name());
        bounded(
            format!("declaring queue {main}"),
            channel.queue_declare(
                short(&main)?,
                QueueDeclareOptions::durable(),
                FieldTable::default(),
            ),
        )
        .await?;
        let keys: &[&str] = subscriber.event_types().unwrap_or(&["#"]);
        for key in keys {
            bounded(
                format!("binding queue {main} to {key}"),
                channel.queue_bind(
                    short(&main)?,
                    exchange.clone(),
                    short(key)?,
                    QueueBindOptions::default(),
                    FieldTable::default(),
                ),
            )
            .await?;
        }
        // Back through the default exchange to this subscriber's queue alone.
        let mut retry_args = FieldTable::default();
        retry_args.insert(
            "x-dead-letter-exchange".into(),
            AMQPValue::LongString("".into()),
        );
        retry_args.insert(
            "x-dead-letter-routing-key".into(),
            AMQPValue::LongString(main.clone().into()),
        );
        let retry = retry_queue_name(prefix, subscriber.name());
        bounded(
            format!("declaring queue {retry}"),
            channel.queue_declare(short(&retry)?, QueueDeclareOptions::durable(), retry_args),
        )
        .await?;
        let dead = dead_queue_name(prefix, subscriber.name());
        bounded(
            format!("declaring queue {dead}"),
            channel.queue_declare(
                short(&dead)?,
                QueueDeclareOptions::durable(),
                FieldTable::default(),
            ),
        )
        .await?;
    }
    Ok(())
}

/// Publishes claimed outbox rows to the exchange.
pub(super) struct Publisher {
    pub(super) db: Db,
    pub(super) bus: EventBus,
    pub(super) outbox: OutboxSettings,
    pub(super) events: EventsSettings,
    pub(super) link: Arc<Link>,
}

/// What became of one claimed row.
enum Published {
    Confirmed(String),
    /// Not published, or not confirmed: pending again after the outbox backoff.
    Failed(OutboxEntry, String),
    /// Not publishable (its payload is not JSON): retried, then parked like any poison.
    Unreadable(OutboxEntry, String),
}

impl Publisher {
    /// Publishes until `stop` turns true; reconnects with backoff while the broker is away.
    pub(super) async fn run(self, mut stop: watch::Receiver<bool>) {
        let poll = Duration::from_millis(self.outbox.poll_interval_ms);
        let batch = self.outbox.batch_size as usize;
        let mut session: Option<(Connection, Channel)> = None;
        let mut failures = 0u32;
        loop {
            if *stop.borrow() {
                break;
            }
            let usable = session.as_ref().is_some_and(|(connection, channel)| {
                connection.status().connected() && channel.status().connected()
            });
            if !usable {
                if let Some((connection, _)) = session.take() {
                    close(connection).await;
                }
                let opened = tokio::select! {
                    opened = self.open() => opened,
                    _ = stop.changed() => break,
                };
                match opened {
                    Ok(opened) => {
                        if failures > 0 {
                            tracing::info!("outbox publisher reconnected to RabbitMQ");
                        }
                        failures = 0;
                        self.link.up(PUBLISHER);
                        session = Some(opened);
                    }
                    Err(e) => {
                        self.link.down(PUBLISHER);
                        log_connect_failure("outbox publisher", failures, &e);
                        let delay = reconnect_delay(failures);
                        failures = failures.saturating_add(1);
                        if sleep_or_stop(delay, &mut stop).await {
                            break;
                        }
                        continue;
                    }
                }
            }
            let Some((_, channel)) = session.as_ref() else {
                continue;
            };
            let claimed = match self.publish_due(channel).await {
                Ok(n) => n,
                Err(e) => {
                    // The rows of this pass are pending again; drop the connection and
                    // come back through the reconnect path.
                    tracing::warn!(error = %e, "publishing outbox events to RabbitMQ failed");
                    self.link.down(PUBLISHER);
                    if let Some((connection, _)) = session.take() {
                        close(connection).await;
                    }
                    0
                }
            };
            if claimed >= batch {
                continue;
            }
            if sleep_or_stop(poll, &mut stop).await {
                break;
            }
        }
        if let Some((connection, _)) = session.take() {
            close(connection).await;
        }
        tracing::debug!("outbox publisher stopped");
    }

    async fn open(&self) -> Result<(Connection, Channel), String> {
        let connection = connect(&self.events.rabbitmq_url, "kirana outbox publisher").await?;
        let setup = async {
            let channel = bounded("opening a channel", connection.create_channel()).await?;
            declare_topology(&channel, &self.events, self.bus.subscribers()).await?;
            bounded(
                "enabling publisher confirms",
                channel.confirm_select(ConfirmSelectOptions::default()),
            )
            .await?;
            Ok::<_, String>(channel)
        };
        match setup.await {
            Ok(channel) => Ok((connection, channel)),
            Err(e) => {
                close(connection).await;
                Err(e)
            }
        }
    }

    /// Claims due rows, publishes them and records what the broker confirmed. Returns how
    /// many were claimed; an error means the connection is no longer to be trusted.
    async fn publish_due(&self, channel: &Channel) -> Result<usize, String> {
        let db = self.db.clone();
        let batch = i64::from(self.outbox.batch_size);
        let claimed = tokio::task::spawn_blocking(move || {
            db.write_blocking(|conn| outbox::claim_due(conn, batch, PUBLISH_LEASE))
        })
        .await
        .map_err(|e| format!("claim task: {e}"))?;
        let claimed = match claimed {
            Ok(rows) => rows,
            Err(e) => {
                // The database, not the broker: keep the connection.
                tracing::warn!(error = %e, "claiming outbox events failed");
                return Ok(0);
            }
        };
        let count = claimed.len();
        if count == 0 {
            return Ok(0);
        }

        let exchange = short(&self.events.exchange)?;
        let mut outcomes = Vec::with_capacity(count);
        let mut waiting = Vec::with_capacity(count);
        let mut broken: Option<String> = None;
        for entry in claimed {
            if let Some(e) = &broken {
                let error = format!("not published: {e}");
                outcomes.push(Published::Failed(entry, error));
                continue;
            }
            let body = match entry.envelope().map(|env| serde_json::to_vec(&env)) {
                Ok(Ok(body)) => body,
                Ok(Err(e)) | Err(e) => {
                    let error = format!("payload is not valid JSON: {e}");
                    outcomes.push(Published::Unreadable(entry, error));
                    continue;
                }
            };
            let (routing_key, message_id) = match (short(&entry.event_type), short(&entry.id)) {
                (Ok(key), Ok(id)) => (key, id),
                (Err(e), _) | (_, Err(e)) => {
                    outcomes.push(Published::Unreadable(entry, e));
                    continue;
                }
            };
            let properties = BasicProperties::default()
                .with_message_id(message_id)
                .with_type(routing_key.clone())
                .with_content_type("application/json".into())
                .with_delivery_mode(2)
                .with_timestamp(u64::try_from(entry.created_at.and_utc().timestamp()).unwrap_or(0));
            let publish = channel.basic_publish(
                exchange.clone(),
                routing_key,
                BasicPublishOptions::default(),
                &body,
                properties,
            );
            match bounded("publishing", publish).await {
                Ok(confirm) => waiting.push((entry, confirm)),
                Err(e) => {
                    let error = format!("not published: {e}");
                    broken = Some(error.clone());
                    outcomes.push(Published::Failed(entry, error));
                }
            }
        }
        let deadline = tokio::time::Instant::now() + CONFIRM_TIMEOUT;
        for (entry, confirm) in waiting {
            match tokio::time::timeout_at(deadline, confirm).await {
                Ok(Ok(confirmation)) if confirmation.is_ack() => {
                    outcomes.push(Published::Confirmed(entry.id));
                }
                Ok(Ok(_)) => {
                    let error = "the broker did not take it (nack)".to_string();
                    outcomes.push(Published::Failed(entry, error));
                }
                Ok(Err(e)) => {
                    let error = format!("no confirm: {e}");
                    broken.get_or_insert_with(|| error.clone());
                    outcomes.push(Published::Failed(entry, error));
                }
                Err(_) => {
                    let error = format!("no confirm within {CONFIRM_TIMEOUT:?}");
                    broken.get_or_insert_with(|| error.clone());
                    outcomes.push(Published::Failed(entry, error));
                }
            }
        }

        let db = self.db.clone();
        let settings = self.outbox.clone();
        let recorded = tokio::task::spawn_blocking(move || {
            db.write_blocking(|conn| record_outcomes(conn, &outcomes, &settings))
        })
        .await
        .unwrap_or_else(|e| Err(AppError::internal(format!("recording task: {e}"))));
        if let Err(e) = recorded {
            // Confirmed rows left unrecorded stay claimed until the lease runs out and are
            // published again; consumers skip what they handled.
            tracing::warn!(error = %e, "recording published outbox events failed");
        }
        match broken {
            Some(e) => Err(e),
            None => Ok(count),
        }
    }
}

/// Marks confirmed rows delivered and reschedules the rest.
fn record_outcomes(
    conn: &mut DbConnection,
    outcomes: &[Published],
    settings: &OutboxSettings,
) -> Result<(), AppError> {
    for outcome in outcomes {
        match outcome {
            Published::Confirmed(id) => outbox::mark_delivered(conn, id)?,
            Published::Failed(entry, error) => {
                // The broker's trouble, not the event's: never parked.
                let attempts = u32::try_from(entry.attempts).unwrap_or(0) + 1;
                let retry_at = now() + backoff(settings, attempts);
                outbox::mark_failed(conn, &entry.id, error, Some(retry_at))?;
            }
            Published::Unreadable(entry, error) => {
                let attempts = u32::try_from(entry.attempts).unwrap_or(0) + 1;
                let retry_at =
                    (attempts < settings.max_attempts).then(|| now() + backoff(settings, attempts));
                if retry_at.is_none() {
                    tracing::error!(event_id = %entry.id, error = %error, "event parked: it cannot be published");
                }
                outbox::mark_failed(conn, &entry.id, error, retry_at)?;
            }
        }
    }
    Ok(())
}

fn log_connect_failure(who: &str, failures: u32, error: &str) {
    // Loud once, then now and then while the broker stays away.
    if failures.is_multiple_of(20) {
        tracing::warn!(error = %error, failures, "{who}: RabbitMQ unavailable; retrying");
    } else {
        tracing::debug!(error = %error, failures, "{who}: RabbitMQ still unavailable");
    }
}

/// Runs every subscriber as a consumer of its queue, on one connection.
pub(super) struct Consumers {
    pub(super) db: Db,
    pub(super) bus: EventBus,
    pub(super) events: EventsSettings,
    pub(super) link: Arc<Link>,
}

impl Consumers {
    /// Consumes until `stop` turns true; reconnects with backoff while the broker is away.
    pub(super) async fn run(self, mut stop: watch::Receiver<bool>) {
        let this = Arc::new(self);
        let mut failures = 0u32;
        loop {
            if *stop.borrow() {
                break;
            }
            let opened = tokio::select! {
                opened = this.open() => opened,
                _ = stop.changed() => break,
            };
            let connection = match opened {
                Ok(connection) => {
                    failures = 0;
                    connection
                }
                Err(e) => {
                    this.link.down(CONSUMERS);
                    log_connect_failure("event consumers", failures, &e);
                    let delay = reconnect_delay(failures);
                    failures = failures.saturating_add(1);
                    if sleep_or_stop(delay, &mut stop).await {
                        break;
                    }
                    continue;
                }
            };
            let result = this.consume_all(&connection, &stop).await;
            close(connection).await;
            match result {
                Ok(()) => break,
                Err(e) => {
                    this.link.down(CONSUMERS);
                    tracing::warn!(error = %e, "event consumers lost RabbitMQ; reconnecting");
                    if sleep_or_stop(RECONNECT_MIN, &mut stop).await {
                        break;
                    }
                }
            }
        }
        tracing::debug!("event consumers stopped");
    }

    async fn open(&self) -> Result<Connection, String> {
        let connection = connect(&self.events.rabbitmq_url, "kirana event consumers").await?;
        let setup = async {
            let channel = bounded("opening a channel", connection.create_channel()).await?;
            declare_topology(&channel, &self.events, self.bus.subscribers()).await?;
            let _ = bounded("closing a channel", channel.close(200, "OK".into())).await;
            Ok::<_, String>(())
        };
        match setup.await {
            Ok(()) => Ok(connection),
            Err(e) => {
                close(connection).await;
                Err(e)
            }
        }
    }

    /// One channel and consumer per subscriber; returns `Ok` once stopped, or the first
    /// consumer's error (the others are dropped with the connection; what they held
    /// unacknowledged goes back to the queue).
    async fn consume_all(
        self: &Arc<Self>,
        connection: &Connection,
        stop: &watch::Receiver<bool>,
    ) -> Result<(), String> {
        let mut loops = Vec::new();
        for subscriber in self.bus.subscribers() {
            let queue = queue_name(&self.events.queue_prefix, subscriber.name());
            let channel = bounded("opening a channel", connection.create_channel()).await?;
            bounded(
                "setting prefetch",
                channel.basic_qos(self.events.prefetch, BasicQosOptions::default()),
            )
            .await?;
            // Retries and dead letters are published with confirms before the original
            // is acknowledged.
            bounded(
                "enabling publisher confirms",
                channel.confirm_select(ConfirmSelectOptions::default()),
            )
            .await?;
            let consumer = bounded(
                format!("consuming {queue}"),
                channel.basic_consume(
                    short(&queue)?,
                    "".into(),
                    BasicConsumeOptions::default(),
                    FieldTable::default(),
                ),
            )
            .await?;
            loops.push(
                self.clone()
                    .consume(subscriber.clone(), channel, consumer, stop.clone()),
            );
        }
        self.link.up(CONSUMERS);
        tracing::info!(
            subscribers = loops.len(),
            "event consumers connected to RabbitMQ"
        );
        futures_util::future::try_join_all(loops).await.map(|_| ())
    }

    async fn consume(
        self: Arc<Self>,
        subscriber: Arc<dyn Subscriber>,
        channel: Channel,
        mut consumer: Consumer,
        mut stop: watch::Receiver<bool>,
    ) -> Result<(), String> {
        let name = subscriber.name();
        loop {
            if *stop.borrow() {
                return Ok(());
            }
            let next = tokio::select! {
                next = consumer.next() => next,
                _ = stop.changed() => return Ok(()),
                // A connection that died without the stream noticing must not leave this
                // consumer waiting for ever.
                _ = tokio::time::sleep(LIVENESS_CHECK) => {
                    if channel.status().connected() {
                        continue;
                    }
                    return Err(format!("{name}: the channel closed"));
                }
            };
            let delivery = match next {
                Some(Ok(delivery)) => delivery,
                Some(Err(e)) => return Err(format!("{name}: {e}")),
                None => return Err(format!("{name}: the broker cancelled the consumer")),
            };
            self.handle(&subscriber, &channel, delivery)
                .await
                .map_err(|e| format!("{name}: {e}"))?;
        }
    }

    /// Handles one message and acknowledges it once its outcome is safe: handled and
    /// committed, or handed on to the retry or dead-letter queue (confirmed).
    async fn handle(
        &self,
        subscriber: &Arc<dyn Subscriber>,
        channel: &Channel,
        delivery: lapin::message::Delivery,
    ) -> Result<(), String> {
        let envelope: EventEnvelope = match serde_json::from_slice(&delivery.data) {
            Ok(envelope) => envelope,
            Err(e) => {
                let error = format!("not an event envelope: {e}");
                return self
                    .hand_on(subscriber, channel, delivery, &error, true)
                    .await;
            }
        };
        if !subscriber.interested_in(&envelope.event_type) {
            return ack(&delivery).await;
        }
        let (db, to) = (self.db.clone(), subscriber.clone());
        let event = envelope.clone();
        let outcome = tokio::task::spawn_blocking(move || deliver_to(&db, to.as_ref(), &event))
            .await
            .unwrap_or_else(|e| Err(format!("delivery task: {e}")));
        match outcome {
            Ok(_) => ack(&delivery).await,
            Err(error) => {
                let attempts = attempts_of(&delivery.properties).saturating_add(1);
                let dead = attempts >= i64::from(self.events.max_attempts);
                if dead {
                    tracing::error!(
                        event_id = %envelope.id,
                        event_type = %envelope.event_type,
                        attempts,
                        error = %error,
                        "event dead-lettered after repeated handling failures"
                    );
                } else {
                    tracing::warn!(event_id = %envelope.id, attempts, error = %error, "event handling failed; will retry");
                }
                self.hand_on(subscriber, channel, delivery, &error, dead)
                    .await
            }
        }
    }

    /// Republishes a failed message to the subscriber's retry queue (or its dead-letter
    /// queue when `dead`) with the attempt count raised, then acknowledges the original.
    async fn hand_on(
        &self,
        subscriber: &Arc<dyn Subscriber>,
        channel: &Channel,
        delivery: lapin::message::Delivery,
        error: &str,
        dead: bool,
    ) -> Result<(), String> {
        let prefix = &self.events.queue_prefix;
        let queue = if dead {
            dead_queue_name(prefix, subscriber.name())
        } else {
            retry_queue_name(prefix, subscriber.name())
        };
        let attempts = attempts_of(&delivery.properties).saturating_add(1);
        let mut headers = delivery.properties.headers().clone().unwrap_or_default();
        headers.insert(ATTEMPTS_HEADER.into(), AMQPValue::LongLongInt(attempts));
        let error: String = error.chars().take(1000).collect();
        headers.insert(ERROR_HEADER.into(), AMQPValue::LongString(error.into()));
        let mut properties = delivery
            .properties
            .clone()
            .with_headers(headers)
            .with_delivery_mode(2);
        if !dead {
            properties = properties.with_expiration(self.events.retry_delay_ms.to_string().into());
        }
        let confirm = bounded(
            format!("publishing to {queue}"),
            channel.basic_publish(
                "".into(),
                short(&queue)?,
                BasicPublishOptions::default(),
                &delivery.data,
                properties,
            ),
        )
        .await?;
        match tokio::time::timeout(CONFIRM_TIMEOUT, confirm).await {
            Ok(Ok(confirmation)) if confirmation.is_ack() => ack(&delivery).await,
            outcome => {
                // Leave the original with the broker: it comes back after reconnecting.
                let _ = bounded(
                    "requeueing",
                    delivery.nack(BasicNackOptions {
                        requeue: true,
                        ..BasicNackOptions::default()
                    }),
                )
                .await;
                Err(match outcome {
                    Ok(Ok(_)) => format!("the broker did not take the message for {queue}"),
                    Ok(Err(e)) => format!("no confirm for {queue}: {e}"),
                    Err(_) => format!("no confirm for {queue} within {CONFIRM_TIMEOUT:?}"),
                })
            }
        }
    }
}

async fn ack(delivery: &lapin::message::Delivery) -> Result<(), String> {
    bounded("acknowledging", delivery.ack(BasicAckOptions::default()))
        .await
        .map(|_| ())
}

/// The attempt count a message carries (0 on its first delivery).
fn attempts_of(properties: &BasicProperties) -> i64 {
    let Some(headers) = properties.headers() else {
        return 0;
    };
    match headers.inner().get(ATTEMPTS_HEADER) {
        Some(AMQPValue::LongLongInt(n)) => *n,
        Some(AMQPValue::LongInt(n)) => i64::from(*n),
        Some(AMQPValue::LongUInt(n)) => i64::from(*n),
        Some(AMQPValue::ShortInt(n)) => i64::from(*n),
        Some(AMQPValue::ShortUInt(n)) => i64::from(*n),
        Some(AMQPValue::ShortShortInt(n)) => i64::from(*n),
        Some(AMQPValue::ShortShortUInt(n)) => i64::from(*n),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_attempt_count_rides_in_a_header() {
        assert_eq!(attempts_of(&BasicProperties::default()), 0);
        let mut headers = FieldTable::default();
        headers.insert(ATTEMPTS_HEADER.into(), AMQPValue::LongLongInt(3));
        assert_eq!(
            attempts_of(&BasicProperties::default().with_headers(headers)),
            3
        );
    }

    #[test]
    fn reconnecting_backs_off_up_to_a_cap() {
        assert_eq!(reconnect_delay(0), RECONNECT_MIN);
        assert_eq!(reconnect_delay(1), RECONNECT_MIN * 2);
        assert_eq!(reconnect_delay(30), RECONNECT_MAX);
    }

    #[test]
    fn the_link_is_up_only_when_every_part_is() {
        let link = Link::new(PUBLISHER | CONSUMERS);
        assert_eq!(link.breaker.state().as_str(), "open");
        link.up(PUBLISHER);
        assert_eq!(link.breaker.state().as_str(), "open");
        link.up(CONSUMERS);
        assert_eq!(link.breaker.state().as_str(), "closed");
        link.down(CONSUMERS);
        assert_eq!(link.breaker.state().as_str(), "open");
    }
}
