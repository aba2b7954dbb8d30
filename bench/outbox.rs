//! The outbox dispatcher's throughput and its recovery from a dead instance: enqueues
//! EVENTS (default 5,000) events on a fresh store (SQLite, or the MariaDB server in
//! KIRANA_BENCH_MYSQL_URL), delivers them to three subscribers that each write a row per
//! event in their own table (as the catalog's stock subscriber and the analytics facts
//! do), and reports events/s. Then it enqueues 200 more, claims them as an instance that
//! dies at once would (a lease taken, nothing delivered), starts a dispatcher and reports
//! how long until every one was delivered.
//!
//! Run with `bash bench/outbox.sh` (release build).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::prelude::*;
use kirana::config::Settings;
use kirana::contracts::events::{Event, EventEnvelope};
use kirana::db::{Db, DbConnection};
use kirana::events::{Dispatcher, EventBus, Subscriber, enqueue, status_counts};
use kirana::http::AppError;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
struct Tick {
    n: u64,
}

impl Event for Tick {
    const TYPE: &'static str = "bench.tick";
}

/// Writes one row per event into its own table, as real subscribers do.
struct Recorder(&'static str);

impl Subscriber for Recorder {
    fn name(&self) -> &'static str {
        self.0
    }
    fn interested_in(&self, event_type: &str) -> bool {
        event_type == Tick::TYPE
    }
    fn handle(&self, conn: &mut DbConnection, event: &EventEnvelope) -> Result<(), AppError> {
        diesel::sql_query(format!(
            "INSERT INTO bench_{} (event_id) VALUES (?)",
            self.0
        ))
        .bind::<diesel::sql_types::Text, _>(&event.id)
        .execute(conn)?;
        Ok(())
    }
}

fn settings() -> (Settings, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Settings {
        data_dir: dir.path().to_path_buf(),
        ..Settings::default()
    };
    s.database.url = match std::env::var("KIRANA_BENCH_MYSQL_URL") {
        Ok(server) => {
            let name = format!("kirana_bench_outbox_{}", std::process::id());
            let mut conn = diesel::MysqlConnection::establish(&server).unwrap();
            diesel::sql_query(format!("CREATE DATABASE {name}"))
                .execute(&mut conn)
                .unwrap();
            format!("{server}/{name}")
        }
        Err(_) => format!("sqlite://{}", dir.path().join("bench.db").display()),
    }
    .into();
    (s, dir)
}

fn pending(db: &Db) -> i64 {
    db.read_blocking(status_counts).unwrap().0
}

fn main() {
    let events: u64 = std::env::var("EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5_000);
    let (settings, _dir) = settings();
    let db = Db::open(&settings).unwrap();
    db.migrate().unwrap();
    let names = ["stock", "facts", "mail"];
    for name in names {
        db.write_blocking(|c| {
            diesel::sql_query(format!(
                "CREATE TABLE bench_{name} (event_id VARCHAR(64) PRIMARY KEY)"
            ))
            .execute(c)?;
            Ok(())
        })
        .unwrap();
    }
    let subscribers: Vec<Arc<dyn Subscriber>> = names
        .iter()
        .map(|n| Arc::new(Recorder(n)) as Arc<dyn Subscriber>)
        .collect();
    let bus = EventBus::new(subscribers);
    let enqueue_all = |from: u64, count: u64| {
        for chunk in (from..from + count).collect::<Vec<_>>().chunks(500) {
            db.write_blocking(|c| {
                for n in chunk {
                    enqueue(c, &Tick { n: *n })?;
                }
                Ok(())
            })
            .unwrap();
        }
    };

    enqueue_all(0, events);
    let dispatcher = Dispatcher::new(db.clone(), bus.clone(), settings.outbox.clone());
    let started = Instant::now();
    while dispatcher.run_once().unwrap() > 0 {}
    let took = started.elapsed();
    assert_eq!(pending(&db), 0);
    println!(
        "{}: delivered {events} events to 3 subscribers in {:.2} s: {:.0} events/s",
        db.backend().name(),
        took.as_secs_f64(),
        events as f64 / took.as_secs_f64()
    );

    // A dead instance's claim: the lease is taken, nothing is delivered.
    enqueue_all(events, 200);
    db.write_blocking(|c| {
        use kirana::schema::outbox;
        diesel::update(outbox::table.filter(outbox::status.eq("pending")))
            .set(outbox::locked_until.eq(kirana::db::now() + kirana::events::LEASE))
            .execute(c)?;
        Ok(())
    })
    .unwrap();
    let started = Instant::now();
    loop {
        dispatcher.run_once().unwrap();
        if pending(&db) == 0 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(180),
            "never drained"
        );
        std::thread::sleep(Duration::from_millis(
            settings.outbox.poll_interval_ms.min(500),
        ));
    }
    println!(
        "{}: 200 events claimed by a dead instance drained {:.1} s after a new dispatcher started",
        db.backend().name(),
        started.elapsed().as_secs_f64()
    );
}
