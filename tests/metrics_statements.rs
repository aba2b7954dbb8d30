//! `kirana_db_statements_total`: every SQL statement counts, transactions' BEGIN and COMMIT
//! included. Alone in its binary because the counter is process-wide: apps of parallel
//! tests would move it too.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{PASSWORD, TestApp, TestDb, for_each_backend, register};

async fn statements(app: &TestApp) -> u64 {
    let text = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.contains("# TYPE kirana_db_statements_total counter\n"),
        "{text}"
    );
    text.lines()
        .find_map(|l| l.strip_prefix("kirana_db_statements_total "))
        .unwrap_or_else(|| panic!("no kirana_db_statements_total in {text}"))
        .parse()
        .unwrap()
}

/// The fewest statements `request` cost over a few tries, minus the scrape that read the
/// counter first. Background sweeps (expired reservations every second) only ever add
/// statements, so the minimum is the request's own cost.
async fn cost_of<F, Fut>(app: &TestApp, scrape: u64, mut request: F) -> u64
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut least = u64::MAX;
    for attempt in 0..5 {
        let before = statements(app).await;
        request(attempt).await;
        let after = statements(app).await;
        least = least.min(after - before - scrape);
    }
    least
}

#[actix_web::test]
async fn statements_are_counted_with_their_transactions() {
    for_each_backend(|backend| async move {
        let app = TestApp::start(TestDb::new(&backend), |s| s.outbox.dispatch = false, |b| b).await;

        // What a scrape itself costs after reading the counter (the outbox gauges).
        let mut scrape = u64::MAX;
        let mut last = statements(&app).await;
        for _ in 0..5 {
            let next = statements(&app).await;
            assert!(next >= last, "a counter never goes down");
            scrape = scrape.min(next - last);
            last = next;
        }
        assert!((1..=4).contains(&scrape), "a scrape cost {scrape}");

        let readyz = cost_of(&app, scrape, |_| async {
            let resp = app.client.get(app.url("/readyz")).send().await.unwrap();
            assert_eq!(resp.status(), 200);
        })
        .await;
        // One SELECT on either backend: pools lend connections without a `SELECT 1` check.
        assert_eq!(readyz, 1, "statements for /readyz");

        // A registration is a write transaction: BEGIN, at least one INSERT, COMMIT.
        let registration = cost_of(&app, scrape, |i| {
            let app = &app;
            async move {
                let resp = register(app, &format!("count{i}@example.in"), PASSWORD).await;
                assert_eq!(resp.status(), 201);
            }
        })
        .await;
        assert!(
            (3..=60).contains(&registration),
            "a registration cost {registration} statements"
        );
    })
    .await;
}
