//! `TestApp`: the real server on a random port with its own fresh database: a temp SQLite
//! file always, and a MariaDB database of its own when `KIRANA_TEST_MYSQL_URL` is set.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod razorpay;

use diesel::prelude::*;
use kirana::schema::users;
use serde_json::{Value, json};

use std::sync::{Arc, Once};

use actix_web::dev::ServerHandle;
use kirana::config::{LogFormat, Settings};
use kirana::db::Db;
use kirana::{AppBuilder, Application};

/// A backend the suite runs on.
#[derive(Debug, Clone)]
pub enum Backend {
    Sqlite,
    /// The server URL without a database, e.g. `mysql://root@127.0.0.1:3306`.
    Mysql(String),
}

impl Backend {
    pub fn name(&self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Mysql(_) => "mysql",
        }
    }
}

/// SQLite always; MariaDB too when `KIRANA_TEST_MYSQL_URL` is set.
pub fn backends() -> Vec<Backend> {
    let mut all = vec![Backend::Sqlite];
    if let Ok(url) = std::env::var("KIRANA_TEST_MYSQL_URL")
        && !url.trim().is_empty()
    {
        if !cfg!(feature = "mysql") {
            panic!(
                "KIRANA_TEST_MYSQL_URL is set but the tests were built without `--features mysql`"
            );
        }
        all.push(Backend::Mysql(url.trim_end_matches('/').to_string()));
    }
    all
}

fn init_logs() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        if std::env::var("TEST_LOG").is_ok_and(|v| v == "1") {
            kirana::telemetry::init(&kirana::config::LogSettings {
                format: LogFormat::Pretty,
                level: "debug".into(),
            });
        }
    });
}

/// A database that lives as long as the test: a temp file, or a MariaDB schema dropped
/// afterwards. Several apps may open it in turn (restart tests).
pub struct TestDb {
    pub backend: Backend,
    pub url: String,
    dir: tempfile::TempDir,
    mysql_name: Option<(String, String)>,
}

impl TestDb {
    pub fn new(backend: &Backend) -> Arc<TestDb> {
        let dir = tempfile::tempdir().expect("temp dir");
        let (url, mysql_name) = match backend {
            Backend::Sqlite => (
                format!("sqlite://{}", dir.path().join("kirana.db").display()),
                None,
            ),
            Backend::Mysql(server) => {
                let name = format!(
                    "kirana_t_{}",
                    &uuid::Uuid::now_v7().simple().to_string()[20..]
                );
                mysql_execute(
                    server,
                    &format!("CREATE DATABASE {name} CHARACTER SET utf8mb4"),
                );
                (format!("{server}/{name}"), Some((server.clone(), name)))
            }
        };
        Arc::new(TestDb {
            backend: backend.clone(),
            url,
            dir,
            mysql_name,
        })
    }

    pub fn settings(&self) -> Settings {
        let mut s = Settings {
            data_dir: self.dir.path().to_path_buf(),
            ..Settings::default()
        };
        s.database.url = self.url.clone().into();
        s.server.port = 0;
        s.server.workers = 1;
        s.server.shutdown_timeout_secs = 1;
        s.outbox.poll_interval_ms = 20;
        // A regular GST registrant in Karnataka, as most tests expect GST on a sale.
        s.store.gstin = kirana::contracts::gst::demo_gstin("29");
        s
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((server, name)) = &self.mysql_name {
            mysql_execute(server, &format!("DROP DATABASE IF EXISTS {name}"));
        }
    }
}

#[cfg(feature = "mysql")]
fn mysql_execute(server: &str, sql: &str) {
    use diesel::Connection;
    use diesel::connection::SimpleConnection;
    let mut conn = diesel::MysqlConnection::establish(server)
        .unwrap_or_else(|e| panic!("cannot reach MariaDB at {server}: {e}"));
    conn.batch_execute(sql).expect(sql);
}

#[cfg(not(feature = "mysql"))]
fn mysql_execute(_server: &str, _sql: &str) {
    panic!("MySQL tests need `--features mysql`");
}

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub db: Db,
    pub test_db: Arc<TestDb>,
    handle: ServerHandle,
}

impl TestApp {
    /// A fresh app on a fresh database.
    pub async fn spawn(backend: &Backend) -> TestApp {
        Self::start(TestDb::new(backend), |_| {}, |b| b).await
    }

    /// An app on `test_db`, with settings and the builder adjusted by the test.
    pub async fn start(
        test_db: Arc<TestDb>,
        tweak: impl FnOnce(&mut Settings),
        extend: impl FnOnce(AppBuilder) -> AppBuilder,
    ) -> TestApp {
        init_logs();
        let mut settings = test_db.settings();
        tweak(&mut settings);
        let app = extend(Application::builder(settings))
            .build()
            .await
            .expect("application builds");
        let base = format!("http://127.0.0.1:{}", app.port());
        let db = app.db();
        let handle = app.handle();
        actix_web::rt::spawn(app.run_until_stopped());
        TestApp {
            base,
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            db,
            test_db,
            handle,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Stops accepting connections and lets requests in flight finish.
    pub fn graceful_stop(&self) -> impl std::future::Future<Output = ()> + use<> {
        self.handle.stop(true)
    }

    /// Stops the server at once, as a crash would (no graceful drain).
    pub async fn kill(self) {
        self.handle.stop(false).await;
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Sends the stop command now; the workers wind down on their own threads.
        drop(self.handle.stop(false));
    }
}

/// Runs `body` once per backend, naming the backend when it fails.
pub async fn for_each_backend<F, Fut>(body: F)
where
    F: Fn(Backend) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for backend in backends() {
        eprintln!("backend: {}", backend.name());
        body(backend).await;
    }
}

/// The password the helpers register accounts with.
pub const PASSWORD: &str = "masala-dosa-at-7am";

pub async fn register(app: &TestApp, email: &str, password: &str) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/auth/register"))
        .json(&json!({"email": email, "password": password, "name": "Asha Rao"}))
        .send()
        .await
        .unwrap()
}

pub async fn login(app: &TestApp, email: &str, password: &str) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap()
}

/// A customer promoted to `role` straight in the database, then logged in.
pub async fn with_role(
    app: &TestApp,
    email: &str,
    role: kirana::contracts::auth::Role,
) -> (String, String) {
    assert_eq!(register(app, email, PASSWORD).await.status(), 201);
    let e = email.to_string();
    app.db
        .write(move |conn| {
            diesel::update(users::table.filter(users::email.eq(e)))
                .set(users::role.eq(role.as_str()))
                .execute(conn)?;
            Ok(())
        })
        .await
        .unwrap();
    let body: Value = login(app, email, PASSWORD).await.json().await.unwrap();
    (
        body["user"]["id"].as_str().unwrap().to_string(),
        body["access_token"].as_str().unwrap().to_string(),
    )
}

/// (on_hand, reserved) of a variant at a location.
pub async fn level(app: &TestApp, token: &str, variant: &str, location: &str) -> (i64, i64) {
    let body: Value = app
        .client
        .get(app.url(&format!("/api/v1/inventory/variants/{variant}/stock")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["locations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["location_id"] == location)
        .map(|l| {
            (
                l["on_hand"].as_i64().unwrap(),
                l["reserved"].as_i64().unwrap(),
            )
        })
        .unwrap_or((0, 0))
}

/// The stock ledger adds up (`kirana inventory verify` finds nothing).
pub async fn ledger_is_consistent(app: &TestApp) {
    let db = app.db.clone();
    let mismatches = tokio::task::spawn_blocking(move || kirana::domains::inventory::verify(&db))
        .await
        .unwrap()
        .unwrap();
    assert!(mismatches.is_empty(), "{mismatches:?}");
}

/// A port nobody listens on now, for a server process a test starts.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
