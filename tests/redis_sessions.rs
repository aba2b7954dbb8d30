//! With `auth.refresh_store = "redis"`, sessions live in Redis and behave as in the
//! database: rotation, reuse detection, grace for parallel requests, revocation.
#![cfg(feature = "redis")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Backend, PASSWORD, TestApp, TestDb};
use serde_json::{Value, json};

fn redis_url() -> String {
    std::env::var("KIRANA_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

async fn spawn(grace_secs: u64) -> (TestApp, String) {
    let prefix = format!("kirana-test-{}", uuid::Uuid::now_v7().simple());
    let p = prefix.clone();
    let app = TestApp::start(
        TestDb::new(&Backend::Sqlite),
        move |s| {
            s.auth.refresh_store = "redis".into();
            s.auth.refresh_redis_url = redis_url().into();
            s.auth.refresh_redis_prefix = p;
            s.auth.refresh_grace_secs = grace_secs;
            s.auth.cookie_secure = false;
        },
        |b| b,
    )
    .await;
    (app, prefix)
}

/// Registers and logs in; returns the session body.
async fn login(app: &TestApp, email: &str) -> Value {
    assert_eq!(common::register(app, email, PASSWORD).await.status(), 201);
    common::login(app, email, PASSWORD)
        .await
        .json()
        .await
        .unwrap()
}

async fn refresh(app: &TestApp, token: &str) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/auth/refresh"))
        .json(&json!({ "refresh_token": token }))
        .send()
        .await
        .unwrap()
}

async fn families(prefix: &str, user_id: &str) -> Vec<String> {
    let client = redis::Client::open(redis_url()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let all: Vec<String> = redis::cmd("SMEMBERS")
        .arg(format!("{prefix}:user:{user_id}"))
        .query_async(&mut conn)
        .await
        .unwrap();
    let mut live = Vec::new();
    for f in all {
        let revoked: bool = redis::cmd("EXISTS")
            .arg(format!("{prefix}:famrev:{f}"))
            .query_async(&mut conn)
            .await
            .unwrap();
        if !revoked {
            live.push(f);
        }
    }
    live
}

#[actix_web::test]
async fn rotation_and_reuse_detection_in_redis() {
    let (app, prefix) = spawn(0).await;
    let session = login(&app, "asha@example.in").await;
    let user_id = session["user"]["id"].as_str().unwrap().to_string();
    let first = session["refresh_token"].as_str().unwrap().to_string();
    assert_eq!(families(&prefix, &user_id).await.len(), 1);

    let rotated: Value = refresh(&app, &first).await.json().await.unwrap();
    let second = rotated["refresh_token"].as_str().unwrap().to_string();
    let access = rotated["access_token"].as_str().unwrap().to_string();
    let me = app
        .client
        .get(app.url("/api/v1/me"))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);

    // Past the (zero) grace window, the old token is a replay.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(refresh(&app, &first).await.status(), 401);
    assert_eq!(
        refresh(&app, &second).await.status(),
        401,
        "the family is revoked"
    );
    assert!(families(&prefix, &user_id).await.is_empty());
}

#[actix_web::test]
async fn parallel_refreshes_within_grace_keep_one_session() {
    let (app, prefix) = spawn(30).await;
    let session = login(&app, "ravi@example.in").await;
    let user_id = session["user"]["id"].as_str().unwrap().to_string();
    let token = session["refresh_token"].as_str().unwrap().to_string();
    let mut calls = Vec::new();
    for _ in 0..10 {
        let client = app.client.clone();
        let url = app.url("/api/v1/auth/refresh");
        let token = token.clone();
        calls.push(tokio::spawn(async move {
            client
                .post(url)
                .json(&json!({ "refresh_token": token }))
                .send()
                .await
                .unwrap()
        }));
    }
    let mut new_refresh_tokens = 0;
    for c in calls {
        let resp = c.await.unwrap();
        assert_eq!(resp.status(), 200);
        let body: Value = resp.json().await.unwrap();
        assert!(body["access_token"].is_string());
        if body["refresh_token"].is_string() {
            new_refresh_tokens += 1;
        }
    }
    assert_eq!(
        new_refresh_tokens, 1,
        "exactly one request rotated the token"
    );
    assert_eq!(families(&prefix, &user_id).await.len(), 1);
}

#[actix_web::test]
async fn logout_everywhere_and_password_change_end_redis_sessions() {
    let (app, prefix) = spawn(30).await;
    let session = login(&app, "meera@example.in").await;
    let user_id = session["user"]["id"].as_str().unwrap().to_string();
    let access = session["access_token"].as_str().unwrap().to_string();
    let refresh_token = session["refresh_token"].as_str().unwrap().to_string();

    let resp = app
        .client
        .post(app.url("/api/v1/me/password"))
        .bearer_auth(&access)
        .json(&json!({"current_password": PASSWORD, "new_password": "better-secret-2026"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let fresh: Value = resp.json().await.unwrap();
    assert_eq!(refresh(&app, &refresh_token).await.status(), 401);
    assert_eq!(
        families(&prefix, &user_id).await.len(),
        1,
        "only the new session"
    );

    let resp = app
        .client
        .post(app.url("/api/v1/auth/logout-all"))
        .bearer_auth(fresh["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    assert!(families(&prefix, &user_id).await.is_empty());
    assert_eq!(
        refresh(&app, fresh["refresh_token"].as_str().unwrap())
            .await
            .status(),
        401
    );
}
