//! `Idempotency-Key`: replay, mismatch, in-flight duplicates, required keys, per-user scope.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use common::{Backend, TestApp, TestDb, for_each_backend};
use diesel::prelude::*;
use kirana::db::{Db, next_in_sequence};
use kirana::gateway::rbac::{Access, RouteRule};
use kirana::http::AppError;
use kirana::http::extract::Json;
use kirana::http::idempotency::{Answer, Idempotency, IdempotencyKey};
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Serialize, Deserialize)]
struct Capture {
    amount_paise: i64,
    #[serde(default)]
    delay_ms: u64,
    #[serde(default)]
    fail: bool,
    /// Fails after the effect committed: the recorded answer stands.
    #[serde(default)]
    fail_after_commit: bool,
}

/// A stand-in for a money-moving write: takes a gap-free number and records it.
async fn capture(
    req: HttpRequest,
    key: IdempotencyKey,
    idempotency: web::Data<Idempotency>,
    db: web::Data<Db>,
    Json(body): Json<Capture>,
) -> Result<HttpResponse, AppError> {
    let scope = req
        .headers()
        .get("x-test-user")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("anonymous")
        .to_string();
    let fingerprint = serde_json::to_vec(&body)?;
    let db = db.get_ref().clone();
    idempotency
        .run(&scope, key, true, &fingerprint, StatusCode::CREATED, || async move {
            tokio::time::sleep(Duration::from_millis(body.delay_ms)).await;
            if body.fail {
                return Err(AppError::Unavailable(
                    "the payment gateway timed out".into(),
                ));
            }
            db.ensure_sequence("test_payment").await?;
            let answer = Answer::current();
            let taken = db
                .write(move |conn| {
                    let number = next_in_sequence(conn, "test_payment")?;
                    let taken = serde_json::json!({"payment_number": number, "amount_paise": body.amount_paise});
                    answer.record_in(conn, &taken)?;
                    Ok(taken)
                })
                .await?;
            if body.fail_after_commit {
                return Err(AppError::Unavailable("the receipt printer is offline".into()));
            }
            Ok(HttpResponse::Created().json(taken))
        })
        .await
}

async fn spawn(backend: &Backend) -> TestApp {
    spawn_with(backend, |_| {}).await
}

async fn spawn_with(
    backend: &Backend,
    tweak: impl FnOnce(&mut kirana::config::Settings),
) -> TestApp {
    TestApp::start(TestDb::new(backend), tweak, |b| {
        b.route_rules([RouteRule::new(
            "POST",
            "/api/v1/test/captures",
            Access::Public,
        )])
        .api_routes(|cfg| {
            cfg.route("/v1/test/captures", web::post().to(capture));
        })
    })
    .await
}

async fn post(app: &TestApp, user: &str, key: Option<&str>, body: Value) -> reqwest::Response {
    let mut req = app
        .client
        .post(app.url("/api/v1/test/captures"))
        .header("x-test-user", user)
        .json(&body);
    if let Some(key) = key {
        req = req.header("Idempotency-Key", key);
    }
    req.send().await.unwrap()
}

async fn payments_taken(app: &TestApp) -> i64 {
    app.db
        .read(|conn| {
            use kirana::schema::sequences::dsl::*;
            Ok(sequences
                .filter(name.eq("test_payment"))
                .select(next_value)
                .first::<i64>(conn)
                .optional()?
                .map(|n| n - 1)
                .unwrap_or(0))
        })
        .await
        .unwrap()
}

#[actix_web::test]
async fn a_repeat_with_the_same_body_replays_the_first_response() {
    for_each_backend(|backend| async move {
        let app = spawn(&backend).await;
        let body = serde_json::json!({"amount_paise": 49_900});
        let first = post(&app, "u1", Some("pay-1"), body.clone()).await;
        assert_eq!(first.status(), 201);
        assert!(first.headers().get("idempotent-replayed").is_none());
        let first: Value = first.json().await.unwrap();

        let again = post(&app, "u1", Some("pay-1"), body.clone()).await;
        assert_eq!(again.status(), 201);
        assert_eq!(again.headers().get("idempotent-replayed").unwrap(), "true");
        let again: Value = again.json().await.unwrap();
        assert_eq!(first, again);
        assert_eq!(payments_taken(&app).await, 1, "the write ran once");
    })
    .await;
}

#[actix_web::test]
async fn the_same_key_with_another_body_is_a_422() {
    for_each_backend(|backend| async move {
        let app = spawn(&backend).await;
        let first = post(
            &app,
            "u1",
            Some("pay-2"),
            serde_json::json!({"amount_paise": 100}),
        )
        .await;
        assert_eq!(first.status(), 201);
        let other = post(
            &app,
            "u1",
            Some("pay-2"),
            serde_json::json!({"amount_paise": 10_000}),
        )
        .await;
        assert_eq!(other.status(), 422);
        assert_eq!(
            other.headers().get("content-type").unwrap(),
            "application/problem+json"
        );
        assert_eq!(payments_taken(&app).await, 1);
    })
    .await;
}

#[actix_web::test]
async fn a_duplicate_while_the_first_runs_is_a_409() {
    for_each_backend(|backend| async move {
        let app = spawn(&backend).await;
        let body = serde_json::json!({"amount_paise": 500, "delay_ms": 600});
        let slow = {
            let client = app.client.clone();
            let url = app.url("/api/v1/test/captures");
            let body = body.clone();
            tokio::spawn(async move {
                client
                    .post(url)
                    .header("x-test-user", "u1")
                    .header("Idempotency-Key", "pay-3")
                    .json(&body)
                    .send()
                    .await
                    .unwrap()
            })
        };
        tokio::time::sleep(Duration::from_millis(200)).await;
        let duplicate = post(&app, "u1", Some("pay-3"), body.clone()).await;
        assert_eq!(duplicate.status(), 409);
        let first = slow.await.unwrap();
        assert_eq!(first.status(), 201);
        let first: Value = first.json().await.unwrap();
        let after = post(&app, "u1", Some("pay-3"), body).await;
        assert_eq!(after.status(), 201);
        assert_eq!(after.json::<Value>().await.unwrap(), first);
        assert_eq!(payments_taken(&app).await, 1);
    })
    .await;
}

#[actix_web::test]
async fn a_required_key_that_is_missing_or_malformed_is_a_400() {
    for_each_backend(|backend| async move {
        let app = spawn(&backend).await;
        let missing = post(&app, "u1", None, serde_json::json!({"amount_paise": 1})).await;
        assert_eq!(missing.status(), 400);
        let body: Value = missing.json().await.unwrap();
        assert_eq!(body["errors"][0]["field"], "Idempotency-Key");
        let long = "k".repeat(300);
        let malformed = post(
            &app,
            "u1",
            Some(&long),
            serde_json::json!({"amount_paise": 1}),
        )
        .await;
        assert_eq!(malformed.status(), 400);
        assert_eq!(payments_taken(&app).await, 0);
    })
    .await;
}

#[actix_web::test]
async fn keys_are_scoped_per_user() {
    for_each_backend(|backend| async move {
        let app = spawn(&backend).await;
        let body = serde_json::json!({"amount_paise": 700});
        let a: Value = post(&app, "asha", Some("k"), body.clone())
            .await
            .json()
            .await
            .unwrap();
        let b = post(&app, "ravi", Some("k"), body).await;
        assert_eq!(b.status(), 201);
        assert!(b.headers().get("idempotent-replayed").is_none());
        let b: Value = b.json().await.unwrap();
        assert_ne!(a["payment_number"], b["payment_number"]);
        assert_eq!(payments_taken(&app).await, 2);
    })
    .await;
}

#[actix_web::test]
async fn a_failed_attempt_releases_the_key_for_a_retry() {
    for_each_backend(|backend| async move {
        let app = spawn(&backend).await;
        let failing = post(
            &app,
            "u1",
            Some("pay-4"),
            serde_json::json!({"amount_paise": 5, "fail": true}),
        )
        .await;
        assert_eq!(failing.status(), 503);
        // The client fixes nothing and retries the same request: it runs, not replays 503.
        let retry = post(
            &app,
            "u1",
            Some("pay-4"),
            serde_json::json!({"amount_paise": 5, "fail": true}),
        )
        .await;
        assert_eq!(retry.status(), 503);
        assert!(retry.headers().get("idempotent-replayed").is_none());
        assert_eq!(payments_taken(&app).await, 0);
    })
    .await;
}

#[actix_web::test]
async fn expired_keys_are_purged_and_can_be_reused() {
    for_each_backend(|backend| async move {
        let app = spawn(&backend).await;
        let body = serde_json::json!({"amount_paise": 900});
        assert_eq!(
            post(&app, "u1", Some("pay-5"), body.clone()).await.status(),
            201
        );
        // Age the key past its lifetime.
        app.db
            .write(|conn| {
                use kirana::schema::idempotency_keys::dsl::*;
                diesel::update(idempotency_keys)
                    .set(expires_at.eq(kirana::db::now() - chrono::TimeDelta::seconds(1)))
                    .execute(conn)?;
                Ok(())
            })
            .await
            .unwrap();
        let fresh = post(&app, "u1", Some("pay-5"), body).await;
        assert_eq!(fresh.status(), 201);
        assert!(fresh.headers().get("idempotent-replayed").is_none());
        assert_eq!(payments_taken(&app).await, 2);

        let idem = Idempotency::new(
            app.db.clone(),
            Duration::from_secs(0),
            Duration::from_secs(60),
        );
        app.db
            .write(|conn| {
                use kirana::schema::idempotency_keys::dsl::*;
                diesel::update(idempotency_keys)
                    .set(expires_at.eq(kirana::db::now() - chrono::TimeDelta::seconds(1)))
                    .execute(conn)?;
                Ok(())
            })
            .await
            .unwrap();
        assert_eq!(idem.purge_expired().await.unwrap(), 1);
    })
    .await;
}

#[actix_web::test]
async fn a_failure_after_the_effect_committed_answers_with_the_recorded_response() {
    for_each_backend(|backend| async move {
        let app = spawn(&backend).await;
        let body = serde_json::json!({"amount_paise": 1_250, "fail_after_commit": true});
        let first = post(&app, "u1", Some("pay-5"), body.clone()).await;
        assert_eq!(
            first.status(),
            201,
            "the effect committed, so the answer is its own"
        );
        let first: Value = first.json().await.unwrap();
        assert_eq!(first["amount_paise"], 1_250);
        let retry = post(&app, "u1", Some("pay-5"), body).await;
        assert_eq!(retry.status(), 201);
        assert_eq!(retry.headers().get("idempotent-replayed").unwrap(), "true");
        assert_eq!(retry.json::<Value>().await.unwrap(), first);
        assert_eq!(payments_taken(&app).await, 1, "the write ran once");
    })
    .await;
}

#[actix_web::test]
async fn an_attempt_whose_lease_was_taken_over_cannot_commit_its_effect() {
    for_each_backend(|backend| async move {
        let app = spawn_with(&backend, |s| s.idempotency.lock_timeout_secs = 1).await;
        // The first attempt outlives its one-second lease before it writes.
        let slow = {
            let client = app.client.clone();
            let url = app.url("/api/v1/test/captures");
            tokio::spawn(async move {
                client
                    .post(url)
                    .header("x-test-user", "u1")
                    .header("Idempotency-Key", "pay-6")
                    .json(&serde_json::json!({"amount_paise": 300, "delay_ms": 2_000}))
                    .send()
                    .await
                    .unwrap()
            })
        };
        tokio::time::sleep(Duration::from_millis(1_300)).await;
        // Same key and body but for the delay, which the fingerprint covers: so the retry
        // is made with the very same body.
        let retry = post(
            &app,
            "u1",
            Some("pay-6"),
            serde_json::json!({"amount_paise": 300, "delay_ms": 2_000}),
        )
        .await;
        assert_eq!(retry.status(), 201, "the retry took the key over and ran");
        let retry: Value = retry.json().await.unwrap();
        let first = slow.await.unwrap();
        assert_eq!(
            first.status(),
            409,
            "the first attempt lost the key and rolled back"
        );
        assert_eq!(payments_taken(&app).await, 1, "one effect for one key");
        let replay = post(
            &app,
            "u1",
            Some("pay-6"),
            serde_json::json!({"amount_paise": 300, "delay_ms": 2_000}),
        )
        .await;
        assert_eq!(replay.json::<Value>().await.unwrap(), retry);
    })
    .await;
}
