//! With `rate_limit.store = "redis"`, instances share their quotas.
#![cfg(feature = "redis")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Backend, TestApp, TestDb};

fn redis_url() -> String {
    std::env::var("KIRANA_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

#[actix_web::test]
async fn two_instances_share_one_per_ip_quota_through_redis() {
    // Limits count in one-minute windows; do not straddle a window edge.
    let second = chrono::Utc::now().timestamp() % 60;
    if second >= 50 {
        tokio::time::sleep(std::time::Duration::from_secs((61 - second) as u64)).await;
    }
    let prefix = format!("kirana-test-{}", uuid::Uuid::now_v7().simple());
    let start = |prefix: String| {
        TestApp::start(
            TestDb::new(&Backend::Sqlite),
            move |s| {
                s.rate_limit.store = "redis".into();
                s.rate_limit.redis_url = redis_url().into();
                s.rate_limit.redis_prefix = prefix;
                s.rate_limit.per_ip_per_minute = 10;
            },
            |b| b,
        )
    };
    let a = start(prefix.clone()).await;
    let b = start(prefix).await;
    let mut ok = 0;
    let mut limited = 0;
    for i in 0..12 {
        let app = if i % 2 == 0 { &a } else { &b };
        let resp = app
            .client
            .get(app.url("/api/openapi.json"))
            .send()
            .await
            .unwrap();
        match resp.status().as_u16() {
            200 => ok += 1,
            429 => {
                limited += 1;
                let retry: u64 = resp.headers()["retry-after"]
                    .to_str()
                    .unwrap()
                    .parse()
                    .unwrap();
                assert!((1..=60).contains(&retry), "{retry}");
            }
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(
        (ok, limited),
        (10, 2),
        "the quota is shared, not 10 per instance"
    );
}

#[actix_web::test]
async fn an_unreachable_redis_stops_start_up_with_a_clear_error() {
    let test_db = TestDb::new(&Backend::Sqlite);
    let mut settings = test_db.settings();
    settings.rate_limit.store = "redis".into();
    settings.rate_limit.redis_url = "redis://127.0.0.1:1".into();
    let result = kirana::Application::builder(settings).build().await;
    let err = result.err().expect("start-up fails").to_string();
    assert!(err.contains("Redis"), "{err}");
}
