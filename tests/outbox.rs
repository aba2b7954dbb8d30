//! The outbox: an event committed with a state change is delivered even if the process
//! dies before publishing it; subscribers are idempotent; poison events are parked.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{TestApp, TestDb, for_each_backend};
use diesel::prelude::*;
use kirana::contracts::events::{Event, EventEnvelope};
use kirana::db::{Db, DbConnection};
use kirana::events::{self, OutboxStatus, Subscriber};
use kirana::http::AppError;
use kirana::http::pagination::PageRequest;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
struct StockCounted {
    sku: String,
    quantity: i64,
}

impl Event for StockCounted {
    const TYPE: &'static str = "test.stock_counted";
    fn aggregate_id(&self) -> Option<String> {
        Some(self.sku.clone())
    }
}

/// Records what it received, both in memory and in a table of its own written in the
/// delivery transaction.
#[derive(Default)]
struct Recorder {
    seen: Mutex<Vec<StockCounted>>,
    fail_on: Option<String>,
}

impl Subscriber for Recorder {
    fn name(&self) -> &'static str {
        "test.recorder"
    }
    fn interested_in(&self, event_type: &str) -> bool {
        event_type == StockCounted::TYPE
    }
    fn handle(&self, _conn: &mut DbConnection, event: &EventEnvelope) -> Result<(), AppError> {
        let counted: StockCounted = event
            .decode()
            .expect("a stock event")
            .map_err(AppError::from)?;
        if self.fail_on.as_deref() == Some(counted.sku.as_str()) {
            return Err(AppError::internal("the warehouse system is down"));
        }
        self.seen.lock().unwrap().push(counted);
        Ok(())
    }
}

async fn enqueue(db: &Db, sku: &str, quantity: i64) -> String {
    let event = StockCounted {
        sku: sku.into(),
        quantity,
    };
    db.write(move |conn| events::enqueue(conn, &event))
        .await
        .unwrap()
}

async fn status_of(db: &Db, id: &str) -> events::OutboxEntry {
    let id = id.to_string();
    db.read(move |conn| {
        let page = events::list(
            conn,
            None,
            &PageRequest {
                limit: 100,
                after: None,
            },
        )?;
        Ok(page.items.into_iter().find(|e| e.id == id).expect("event"))
    })
    .await
    .unwrap()
}

async fn wait_until(mut check: impl AsyncFnMut() -> bool) -> bool {
    for _ in 0..200 {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    false
}

#[actix_web::test]
async fn an_event_committed_before_a_crash_is_delivered_after_restart() {
    for_each_backend(|backend| async move {
        let test_db = TestDb::new(&backend);

        // First life: the state change commits with its event, then the process dies
        // before any dispatcher runs.
        let first = TestApp::start(test_db.clone(), |s| s.outbox.dispatch = false, |b| b).await;
        let id = enqueue(&first.db, "RICE-5KG", 40).await;
        // A rolled-back transaction leaves no event behind.
        let rolled_back = first
            .db
            .write(|conn| {
                events::enqueue(
                    conn,
                    &StockCounted {
                        sku: "GHOST".into(),
                        quantity: 1,
                    },
                )?;
                Err::<(), _>(AppError::Conflict("order rejected".into()))
            })
            .await;
        assert!(rolled_back.is_err());
        first.kill().await;

        // Second life: the dispatcher finds the committed event and delivers it once.
        let recorder = Arc::new(Recorder::default());
        let second =
            TestApp::start(test_db.clone(), |_| {}, |b| b.subscriber(recorder.clone())).await;
        let delivered = wait_until(async || {
            status_of(&second.db, &id).await.status == OutboxStatus::Delivered.as_str()
        })
        .await;
        assert!(delivered, "event {id} was not delivered after restart");
        let seen = recorder.seen.lock().unwrap().clone();
        assert_eq!(
            seen,
            vec![StockCounted {
                sku: "RICE-5KG".into(),
                quantity: 40
            }]
        );
    })
    .await;
}

#[actix_web::test]
async fn a_redelivered_event_is_not_handled_twice() {
    for_each_backend(|backend| async move {
        let test_db = TestDb::new(&backend);
        let app = TestApp::start(test_db.clone(), |s| s.outbox.dispatch = false, |b| b).await;
        let id = enqueue(&app.db, "DAL-1KG", 7).await;
        // The subscriber handled it and the process died before marking it delivered.
        let handled_id = id.clone();
        app.db
            .write(move |conn| {
                diesel::insert_into(kirana::schema::processed_events::table)
                    .values((
                        kirana::schema::processed_events::subscriber.eq("test.recorder"),
                        kirana::schema::processed_events::event_id.eq(&handled_id),
                        kirana::schema::processed_events::processed_at.eq(kirana::db::now()),
                    ))
                    .execute(conn)?;
                Ok(())
            })
            .await
            .unwrap();
        app.kill().await;

        let recorder = Arc::new(Recorder::default());
        let restarted = TestApp::start(test_db, |_| {}, |b| b.subscriber(recorder.clone())).await;
        assert!(
            wait_until(async || status_of(&restarted.db, &id).await.status == "delivered").await
        );
        assert!(recorder.seen.lock().unwrap().is_empty());
    })
    .await;
}

#[actix_web::test]
async fn a_poison_event_is_parked_and_does_not_block_the_rest() {
    for_each_backend(|backend| async move {
        let recorder = Arc::new(Recorder {
            fail_on: Some("BROKEN".into()),
            ..Recorder::default()
        });
        let app = TestApp::start(
            TestDb::new(&backend),
            |s| {
                s.outbox.max_attempts = 3;
                s.outbox.base_backoff_ms = 10;
                s.outbox.max_backoff_ms = 20;
            },
            |b| b.subscriber(recorder.clone()),
        )
        .await;
        let poison = enqueue(&app.db, "BROKEN", 1).await;
        let good = enqueue(&app.db, "ATTA-10KG", 3).await;

        assert!(wait_until(async || status_of(&app.db, &poison).await.status == "parked").await);
        let parked = status_of(&app.db, &poison).await;
        assert_eq!(parked.attempts, 3);
        assert!(
            parked
                .last_error
                .as_deref()
                .unwrap()
                .contains("test.recorder"),
            "{parked:?}"
        );
        assert_eq!(status_of(&app.db, &good).await.status, "delivered");

        // Parked events are visible as a metric.
        let metrics = app
            .client
            .get(app.url("/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(metrics.contains(r#"kirana_outbox_events{status="parked"} 1"#));

        // An admin sees it through the API and retries it once the cause is fixed... here
        // it fails again and is parked again, with a fresh attempt count.
        let (_, admin) =
            common::with_role(&app, "ops@example.in", kirana::contracts::auth::Role::Admin).await;
        let parked_list: serde_json::Value = app
            .client
            .get(app.url("/api/v1/admin/outbox?status=parked"))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let items = parked_list["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{parked_list}");
        assert_eq!(items[0]["id"], poison.as_str());
        assert_eq!(items[0]["payload"]["sku"], "BROKEN");
        let bad_status = app
            .client
            .get(app.url("/api/v1/admin/outbox?status=lost"))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap();
        assert_eq!(bad_status.status(), 400);
        let retry = app
            .client
            .post(app.url(&format!("/api/v1/admin/outbox/{poison}/retry")))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap();
        assert_eq!(retry.status(), 204);
        let again = app
            .client
            .post(app.url(&format!("/api/v1/admin/outbox/{good}/retry")))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 404, "only parked events can be retried");
        assert!(
            wait_until(async || {
                let e = status_of(&app.db, &poison).await;
                e.status == "parked" && e.attempts == 3
            })
            .await
        );
        let names: Vec<String> = recorder
            .seen
            .lock()
            .unwrap()
            .iter()
            .map(|s| s.sku.clone())
            .collect();
        assert_eq!(names, vec!["ATTA-10KG".to_string()]);
    })
    .await;
}

#[actix_web::test]
async fn events_are_delivered_in_the_order_they_were_committed() {
    for_each_backend(|backend| async move {
        let recorder = Arc::new(Recorder::default());
        let app = TestApp::start(TestDb::new(&backend), |s| s.outbox.dispatch = false, |b| b).await;
        for i in 0..30 {
            enqueue(&app.db, &format!("SKU-{i:02}"), i).await;
        }
        let dispatcher = kirana::events::Dispatcher::new(
            app.db.clone(),
            kirana::events::EventBus::new(vec![recorder.clone()]),
            kirana::config::OutboxSettings {
                batch_size: 12,
                ..Default::default()
            },
        );
        let db = app.db.clone();
        let passes = tokio::task::spawn_blocking(move || {
            let mut claimed = Vec::new();
            loop {
                let n = dispatcher.run_once().unwrap();
                if n == 0 {
                    break;
                }
                claimed.push(n);
            }
            drop(db);
            claimed
        })
        .await
        .unwrap();
        assert_eq!(passes, vec![12, 12, 6]);
        let skus: Vec<String> = recorder
            .seen
            .lock()
            .unwrap()
            .iter()
            .map(|s| s.sku.clone())
            .collect();
        let expected: Vec<String> = (0..30).map(|i| format!("SKU-{i:02}")).collect();
        assert_eq!(skus, expected);
    })
    .await;
}

/// Writes a row for every event it handles, then fails on the poison one: its row must
/// be rolled back with it while the rest of the pass commits.
struct Marker;

impl Subscriber for Marker {
    fn name(&self) -> &'static str {
        "test.marker"
    }
    fn interested_in(&self, event_type: &str) -> bool {
        event_type == StockCounted::TYPE
    }
    fn handle(&self, conn: &mut DbConnection, event: &EventEnvelope) -> Result<(), AppError> {
        let counted: StockCounted = event
            .decode()
            .expect("a stock event")
            .map_err(AppError::from)?;
        diesel::sql_query("INSERT INTO test_marks (sku) VALUES (?)")
            .bind::<diesel::sql_types::Text, _>(&counted.sku)
            .execute(conn)?;
        if counted.sku == "BROKEN" {
            return Err(AppError::internal("the label printer jammed"));
        }
        Ok(())
    }
}

async fn marks(db: &Db) -> Vec<String> {
    db.read(|conn| {
        #[derive(QueryableByName)]
        struct Mark {
            #[diesel(sql_type = diesel::sql_types::Text)]
            sku: String,
        }
        let rows: Vec<Mark> =
            diesel::sql_query("SELECT sku FROM test_marks ORDER BY sku").load(conn)?;
        Ok(rows.into_iter().map(|m| m.sku).collect())
    })
    .await
    .unwrap()
}

#[actix_web::test]
async fn a_failing_event_rolls_back_alone_and_the_rest_of_its_pass_commits() {
    for_each_backend(|backend| async move {
        let test_db = TestDb::new(&backend);
        let app = TestApp::start(
            test_db.clone(),
            |s| s.outbox.dispatch = false,
            |b| b.subscriber(Arc::new(Marker)),
        )
        .await;
        app.db
            .write(|conn| {
                diesel::sql_query("CREATE TABLE test_marks (sku VARCHAR(64) NOT NULL)")
                    .execute(conn)?;
                Ok(())
            })
            .await
            .unwrap();
        // Forty events (more than one chunk), the poison one in the middle.
        let mut ids = Vec::new();
        for i in 0..40 {
            let sku = if i == 17 {
                "BROKEN".to_string()
            } else {
                format!("SKU-{i:02}")
            };
            ids.push(enqueue(&app.db, &sku, 1).await);
        }
        let mut settings = test_db.settings().outbox;
        settings.max_attempts = 1;
        let dispatcher = events::Dispatcher::new(
            app.db.clone(),
            events::EventBus::new(vec![Arc::new(Marker)]),
            settings,
        );
        let db = app.db.clone();
        let claimed = tokio::task::spawn_blocking(move || dispatcher.run_once())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(claimed, 40);
        let mut expected: Vec<String> = (0..40)
            .filter(|i| *i != 17)
            .map(|i| format!("SKU-{i:02}"))
            .collect();
        expected.sort();
        assert_eq!(
            marks(&db).await,
            expected,
            "the poison event's row was rolled back"
        );
        for (i, id) in ids.iter().enumerate() {
            let status = status_of(&db, id).await.status;
            let want = if i == 17 { "parked" } else { "delivered" };
            assert_eq!(status, want, "event {i}");
        }
    })
    .await;
}

#[actix_web::test]
async fn events_a_dead_instance_claimed_are_delivered_once_its_lease_runs_out() {
    for_each_backend(|backend| async move {
        let test_db = TestDb::new(&backend);
        let recorder = Arc::new(Recorder::default());
        let app = TestApp::start(
            test_db.clone(),
            |s| s.outbox.dispatch = false,
            |b| b.subscriber(recorder.clone()),
        )
        .await;
        let id = enqueue(&app.db, "DAL-1KG", 2).await;
        // Claimed by an instance that was then killed: leased, never delivered.
        let claimed_at = std::time::Instant::now();
        app.db
            .write(|conn| {
                use kirana::schema::outbox;
                diesel::update(outbox::table)
                    .set(outbox::locked_until.eq(kirana::db::now() + events::LEASE))
                    .execute(conn)?;
                Ok(())
            })
            .await
            .unwrap();
        app.kill().await;
        let started = std::time::Instant::now();
        let second =
            TestApp::start(test_db.clone(), |_| {}, |b| b.subscriber(recorder.clone())).await;
        let lease = events::LEASE.to_std().unwrap();
        let mut delivered = false;
        while started.elapsed() < lease + Duration::from_secs(5) {
            if status_of(&second.db, &id).await.status == "delivered" {
                delivered = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(delivered, "not delivered within the {lease:?} lease");
        assert!(claimed_at.elapsed() >= lease, "the lease was honoured");
        assert_eq!(recorder.seen.lock().unwrap().len(), 1);
    })
    .await;
}
