//! The event bus on RabbitMQ: several instances publish the outbox to one broker and share
//! each subscriber's queue; every event is handled once per subscriber, across a broker
//! restart; failing handlers are retried and finally dead-lettered. Needs a broker at
//! `KIRANA_TEST_RABBITMQ_URL` (default `amqp://guest:guest@127.0.0.1:5672/%2f`); the
//! restart is done with the local `rabbitmqctl` (`stop_app`, `start_app`).
#![cfg(feature = "rabbitmq")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{Backend, TestApp, TestDb, for_each_backend};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use kirana::config::Settings;
use kirana::contracts::events::{Event, EventEnvelope};
use kirana::db::{Db, DbConnection};
use kirana::events::rabbitmq::{ATTEMPTS_HEADER, dead_queue_name, queue_name, retry_queue_name};
use kirana::events::{self, Subscriber};
use kirana::http::AppError;
use lapin::options::{BasicGetOptions, QueueDeclareOptions, QueueDeleteOptions};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{Connection, ConnectionProperties};
use serde::{Deserialize, Serialize};

fn broker_url() -> String {
    std::env::var("KIRANA_TEST_RABBITMQ_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| "amqp://guest:guest@127.0.0.1:5672/%2f".into())
}

/// Tests that restart the broker take this exclusively, the others shared, so that a
/// restart never lands in the middle of another test's retry count.
struct BrokerLock(#[allow(dead_code)] std::fs::File);

impl BrokerLock {
    fn take(exclusive: bool) -> BrokerLock {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(std::env::temp_dir().join("kirana-rabbitmq-tests.lock"))
            .unwrap();
        #[cfg(all(target_os = "linux", target_env = "gnu"))]
        {
            use std::os::fd::AsRawFd;
            let operation = if exclusive {
                libc::LOCK_EX
            } else {
                libc::LOCK_SH
            };
            // SAFETY: flock on a descriptor this function owns; released when it closes.
            let rc = unsafe { libc::flock(file.as_raw_fd(), operation) };
            assert_eq!(rc, 0, "flock: {}", std::io::Error::last_os_error());
        }
        #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
        let _ = exclusive;
        BrokerLock(file)
    }
}

/// This test's own exchange and queue prefix, so runs and tests never meet.
#[derive(Clone)]
struct Names {
    prefix: String,
    exchange: String,
}

impl Names {
    fn new(backend: &Backend) -> Names {
        let unique = &uuid::Uuid::now_v7().simple().to_string()[20..];
        let prefix = format!("kt{}{unique}", &backend.name()[..2]);
        Names {
            exchange: format!("{prefix}.events"),
            prefix,
        }
    }

    fn apply(&self, s: &mut Settings) {
        s.events.bus = "rabbitmq".into();
        s.events.rabbitmq_url = broker_url().into();
        s.events.exchange = self.exchange.clone();
        s.events.queue_prefix = self.prefix.clone();
        s.events.retry_delay_ms = 100;
        s.events.max_attempts = 3;
        s.outbox.base_backoff_ms = 50;
        s.outbox.max_backoff_ms = 500;
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Ping {
    n: u32,
}

impl Event for Ping {
    const TYPE: &'static str = "test.ping";
}

/// Counts what it handles in a table written in the delivery transaction (so a handling
/// that rolled back leaves no row), and calls and commits in memory.
struct Counter {
    name: &'static str,
    /// Bind only `test.ping` (else `#`, filtered by `interested_in`).
    bind_types: bool,
    fail_first: u32,
    always_fail: bool,
    calls: Mutex<HashMap<String, u32>>,
    committed: Mutex<HashMap<String, u32>>,
}

impl Counter {
    fn new(name: &'static str) -> Counter {
        Counter {
            name,
            bind_types: true,
            fail_first: 0,
            always_fail: false,
            calls: Mutex::default(),
            committed: Mutex::default(),
        }
    }

    fn calls(&self, id: &str) -> u32 {
        self.calls.lock().unwrap().get(id).copied().unwrap_or(0)
    }

    fn committed_count(&self) -> usize {
        self.committed.lock().unwrap().len()
    }
}

impl Subscriber for Counter {
    fn name(&self) -> &'static str {
        self.name
    }

    fn interested_in(&self, event_type: &str) -> bool {
        event_type == Ping::TYPE
    }

    fn event_types(&self) -> Option<&'static [&'static str]> {
        self.bind_types.then_some(&[Ping::TYPE])
    }

    fn handle(&self, conn: &mut DbConnection, event: &EventEnvelope) -> Result<(), AppError> {
        let calls = {
            let mut calls = self.calls.lock().unwrap();
            let n = calls.entry(event.id.clone()).or_default();
            *n += 1;
            *n
        };
        if self.always_fail || calls <= self.fail_first {
            return Err(AppError::internal(format!(
                "the ledger is down (call {calls})"
            )));
        }
        diesel::sql_query("INSERT INTO rmq_handled (subscriber, event_id) VALUES (?, ?)")
            .bind::<Text, _>(self.name)
            .bind::<Text, _>(&event.id)
            .execute(conn)?;
        Ok(())
    }

    fn committed(&self, event: &EventEnvelope) {
        *self
            .committed
            .lock()
            .unwrap()
            .entry(event.id.clone())
            .or_default() += 1;
    }
}

#[derive(QueryableByName)]
struct HandledCount {
    #[diesel(sql_type = Text)]
    event_id: String,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

async fn create_handled_table(db: &Db) {
    db.write(|conn| {
        diesel::sql_query(
            "CREATE TABLE rmq_handled (subscriber VARCHAR(64) NOT NULL, \
             event_id VARCHAR(64) NOT NULL)",
        )
        .execute(conn)?;
        Ok(())
    })
    .await
    .unwrap();
}

/// Rows in `rmq_handled` per event id, for one subscriber.
async fn handled(db: &Db, subscriber: &'static str) -> HashMap<String, i64> {
    db.read(move |conn| {
        let rows: Vec<HandledCount> = diesel::sql_query(
            "SELECT event_id, COUNT(*) AS n FROM rmq_handled WHERE subscriber = ? \
             GROUP BY event_id",
        )
        .bind::<Text, _>(subscriber)
        .load(conn)?;
        Ok(rows.into_iter().map(|r| (r.event_id, r.n)).collect())
    })
    .await
    .unwrap()
}

async fn processed(db: &Db, subscriber: &'static str) -> i64 {
    use kirana::schema::processed_events;
    db.read(move |conn| {
        Ok(processed_events::table
            .filter(processed_events::subscriber.eq(subscriber))
            .count()
            .get_result(conn)?)
    })
    .await
    .unwrap()
}

/// Commits `count` pings, `per_tx` to a transaction; returns their ids.
async fn enqueue_pings(db: &Db, from: u32, count: u32, per_tx: u32) -> Vec<String> {
    let mut ids = Vec::new();
    let mut n = from;
    while n < from + count {
        let end = (n + per_tx).min(from + count);
        let batch: Vec<String> = db
            .write(move |conn| {
                (n..end)
                    .map(|i| events::enqueue(conn, &Ping { n: i }))
                    .collect()
            })
            .await
            .unwrap();
        ids.extend(batch);
        n = end;
    }
    ids
}

async fn outbox_counts(db: &Db) -> (i64, i64) {
    db.read(events::status_counts).await.unwrap()
}

async fn wait_for(what: &str, limit: Duration, check: impl AsyncFnMut() -> bool) {
    assert!(
        wait_until(limit, check).await,
        "timed out after {limit:?} waiting for {what}"
    );
}

/// Whether `check` turned true within `limit`.
async fn wait_until(limit: Duration, mut check: impl AsyncFnMut() -> bool) -> bool {
    let started = Instant::now();
    while started.elapsed() < limit {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

async fn broker() -> Connection {
    Connection::connect(&broker_url(), ConnectionProperties::default())
        .await
        .unwrap_or_else(|e| {
            panic!(
                "no RabbitMQ at {} ({e}); start it with `rabbitmq-server -detached`",
                broker_url()
            )
        })
}

/// Messages ready in `queue`, or `None` while it does not exist.
async fn ready_in(connection: &Connection, queue: &str) -> Option<u32> {
    let channel = connection.create_channel().await.unwrap();
    let declared = channel
        .queue_declare(
            queue.into(),
            QueueDeclareOptions {
                passive: true,
                ..QueueDeclareOptions::default()
            },
            FieldTable::default(),
        )
        .await;
    // A failed passive declare closes the channel itself.
    if declared.is_ok() {
        let _ = channel.close(200, "OK".into()).await;
    }
    declared.ok().map(|q| q.message_count())
}

/// Deletes every queue and the exchange of this test (its subscribers' and the domains').
async fn clean_up(names: &Names) {
    let connection = broker().await;
    let channel = connection.create_channel().await.unwrap();
    let listed = std::process::Command::new("rabbitmqctl")
        .args(["list_queues", "-q", "--no-table-headers", "name"])
        .output();
    if let Ok(out) = listed {
        for queue in String::from_utf8_lossy(&out.stdout).lines() {
            let queue = queue.trim();
            if queue.starts_with(&format!("{}.", names.prefix)) {
                let _ = channel
                    .queue_delete(queue.into(), QueueDeleteOptions::default())
                    .await;
            }
        }
    }
    let _ = channel
        .exchange_delete(names.exchange.as_str().into(), Default::default())
        .await;
    let _ = connection.close(200, "OK".into()).await;
}

fn rabbitmqctl(args: &[&str]) {
    let status = std::process::Command::new("rabbitmqctl")
        .args(args)
        .stdout(std::process::Stdio::null())
        .status()
        .expect("rabbitmqctl runs");
    assert!(status.success(), "rabbitmqctl {args:?} failed");
}

/// The broker application stopped; started again when dropped, even by a failing test.
struct BrokerStopped;

impl BrokerStopped {
    fn stop() -> BrokerStopped {
        rabbitmqctl(&["stop_app"]);
        BrokerStopped
    }
}

impl Drop for BrokerStopped {
    fn drop(&mut self) {
        // No panic here: this may run while a failing test unwinds.
        for args in [["start_app"], ["await_startup"]] {
            let _ = std::process::Command::new("rabbitmqctl")
                .args(args)
                .stdout(std::process::Stdio::null())
                .status();
        }
    }
}

#[actix_web::test]
async fn a_thousand_events_across_a_broker_restart_are_handled_once_per_subscriber() {
    let _lock = BrokerLock::take(true);
    for_each_backend(|backend| async move {
        let started = Instant::now();
        let names = Names::new(&backend);
        let audit = Arc::new(Counter::new("rmq.audit"));
        // The other group binds `#` and filters by `interested_in`.
        let mailer = Arc::new(Counter {
            bind_types: false,
            ..Counter::new("rmq.mailer")
        });
        let test_db = TestDb::new(&backend);
        let start = |test_db: Arc<TestDb>| {
            let (names, audit, mailer) = (names.clone(), audit.clone(), mailer.clone());
            TestApp::start(
                test_db,
                move |s| names.apply(s),
                move |b| b.subscriber(audit).subscriber(mailer),
            )
        };
        let first = start(test_db.clone()).await;
        create_handled_table(&first.db).await;
        let second = start(test_db.clone()).await;

        // Both instances publish and consume; /readyz shows the broker link.
        wait_for("both instances to connect", Duration::from_secs(10), async || {
            let mut ready = true;
            for app in [&first, &second] {
                let body: serde_json::Value = app
                    .client
                    .get(app.url("/readyz"))
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                ready &= body["dependencies"]["rabbitmq"] == "closed";
            }
            ready
        })
        .await;

        let mut ids = enqueue_pings(&first.db, 0, 250, 25).await;
        ids.extend(enqueue_pings(&second.db, 250, 250, 25).await);
        wait_for("some events handled", Duration::from_secs(30), async || {
            audit.committed_count() >= 100 && mailer.committed_count() >= 100
        })
        .await;

        // The broker goes away mid-stream; events committed meanwhile wait in the outbox.
        let at_stop = (audit.committed_count(), mailer.committed_count());
        let stopped = BrokerStopped::stop();
        let down_at = Instant::now();
        ids.extend(enqueue_pings(&first.db, 500, 250, 25).await);
        ids.extend(enqueue_pings(&second.db, 750, 250, 25).await);
        wait_for("/readyz to see the broker gone", Duration::from_secs(10), async || {
            let body: serde_json::Value = first
                .client
                .get(first.url("/readyz"))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            body["dependencies"]["rabbitmq"] == "open"
        })
        .await;
        let (pending, _) = outbox_counts(&first.db).await;
        assert!(pending >= 500, "{pending} pending while the broker is down");
        drop(stopped);
        eprintln!(
            "broker down for {:?}; handled before it went: {at_stop:?}",
            down_at.elapsed()
        );

        let all_handled = wait_until(Duration::from_secs(90), async || {
            audit.committed_count() == 1000 && mailer.committed_count() == 1000
        })
        .await;
        if !all_handled {
            // What was still missing, and where: in the outbox or with the consumers.
            panic!(
                "timed out after 90s waiting for all 1000 events handled by both groups: \
                 audit {}, mailer {}, outbox (pending, parked) {:?}",
                audit.committed_count(),
                mailer.committed_count(),
                outbox_counts(&first.db).await
            );
        }
        wait_for("the outbox to drain", Duration::from_secs(30), async || {
            outbox_counts(&first.db).await == (0, 0)
        })
        .await;
        let handled_at = started.elapsed();
        // Give any duplicate publication or redelivery time to show itself.
        tokio::time::sleep(Duration::from_secs(1)).await;

        assert_eq!(ids.len(), 1000);
        for subscriber in [&audit, &mailer] {
            let rows = handled(&first.db, subscriber.name).await;
            assert_eq!(rows.len(), 1000, "{}", subscriber.name);
            for id in &ids {
                assert_eq!(rows.get(id), Some(&1), "{} handled {id}", subscriber.name);
            }
            assert_eq!(processed(&first.db, subscriber.name).await, 1000);
            let committed = subscriber.committed.lock().unwrap();
            assert!(committed.values().all(|n| *n == 1), "{}", subscriber.name);
        }
        let connection = broker().await;
        for subscriber in ["rmq.audit", "rmq.mailer"] {
            let dead = dead_queue_name(&names.prefix, subscriber);
            assert_eq!(ready_in(&connection, &dead).await, Some(0));
        }
        let _ = connection.close(200, "OK".into()).await;
        eprintln!(
            "{}: 1000 events x 2 subscribers on 2 instances across a broker restart in {handled_at:?}",
            backend.name()
        );
        drop((first, second));
        clean_up(&names).await;
    })
    .await;
}

#[actix_web::test]
async fn a_handler_that_fails_twice_is_handled_once_after_retries() {
    let _lock = BrokerLock::take(false);
    for_each_backend(|backend| async move {
        let names = Names::new(&backend);
        let flaky = Arc::new(Counter {
            fail_first: 2,
            ..Counter::new("rmq.flaky")
        });
        let app = {
            let (names, flaky) = (names.clone(), flaky.clone());
            TestApp::start(
                TestDb::new(&backend),
                move |s| names.apply(s),
                move |b| b.subscriber(flaky),
            )
            .await
        };
        create_handled_table(&app.db).await;
        let id = enqueue_pings(&app.db, 0, 1, 1).await.remove(0);

        wait_for(
            "the third call to succeed",
            Duration::from_secs(20),
            async || flaky.committed_count() == 1,
        )
        .await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(flaky.calls(&id), 3, "two failures, then success");
        assert_eq!(handled(&app.db, "rmq.flaky").await.get(&id), Some(&1));
        assert_eq!(processed(&app.db, "rmq.flaky").await, 1);
        let connection = broker().await;
        for queue in [
            retry_queue_name(&names.prefix, "rmq.flaky"),
            dead_queue_name(&names.prefix, "rmq.flaky"),
            queue_name(&names.prefix, "rmq.flaky"),
        ] {
            assert_eq!(ready_in(&connection, &queue).await, Some(0), "{queue}");
        }
        let _ = connection.close(200, "OK".into()).await;
        drop(app);
        clean_up(&names).await;
    })
    .await;
}

#[actix_web::test]
async fn a_handler_that_always_fails_ends_in_the_dead_letter_queue() {
    let _lock = BrokerLock::take(false);
    for_each_backend(|backend| async move {
        let names = Names::new(&backend);
        let broken = Arc::new(Counter {
            always_fail: true,
            ..Counter::new("rmq.broken")
        });
        let healthy = Arc::new(Counter::new("rmq.healthy"));
        let app = {
            let (names, broken, healthy) = (names.clone(), broken.clone(), healthy.clone());
            TestApp::start(
                TestDb::new(&backend),
                move |s| names.apply(s),
                move |b| b.subscriber(broken).subscriber(healthy),
            )
            .await
        };
        create_handled_table(&app.db).await;
        let id = enqueue_pings(&app.db, 0, 1, 1).await.remove(0);

        let connection = broker().await;
        let dead = dead_queue_name(&names.prefix, "rmq.broken");
        wait_for(
            "the event in the dead-letter queue",
            Duration::from_secs(20),
            async || ready_in(&connection, &dead).await == Some(1),
        )
        .await;
        assert_eq!(broken.calls(&id), 3, "events.max_attempts");
        assert!(handled(&app.db, "rmq.broken").await.is_empty());
        assert_eq!(
            processed(&app.db, "rmq.broken").await,
            0,
            "not marked processed"
        );
        // The other subscriber group is not held back by it.
        assert_eq!(processed(&app.db, "rmq.healthy").await, 1);
        assert_eq!(healthy.calls(&id), 1);
        // The outbox row was published (the broker has it); the failure is the consumer's.
        assert_eq!(outbox_counts(&app.db).await, (0, 0));

        // The dead letter is the event, with its attempts and last error.
        let channel = connection.create_channel().await.unwrap();
        let message = channel
            .basic_get(dead.as_str().into(), BasicGetOptions { no_ack: true })
            .await
            .unwrap()
            .expect("a dead letter");
        let envelope: EventEnvelope = serde_json::from_slice(&message.delivery.data).unwrap();
        assert_eq!(envelope.id, id);
        assert_eq!(
            message
                .delivery
                .properties
                .message_id()
                .as_ref()
                .map(|m| m.as_str()),
            Some(id.as_str())
        );
        let headers = message.delivery.properties.headers().clone().unwrap();
        assert_eq!(
            headers.inner().get(ATTEMPTS_HEADER),
            Some(&AMQPValue::LongLongInt(3))
        );
        let _ = connection.close(200, "OK".into()).await;
        drop(app);
        clean_up(&names).await;
    })
    .await;
}
