//! HTTP conventions: problem+json errors, limits, 404/405, request ids, health, metrics,
//! OpenAPI, the docs page and the embedded app.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use actix_web::{HttpResponse, web};
use common::{Backend, TestApp, TestDb, for_each_backend};
use kirana::gateway::rbac::{Access, RouteRule};
use kirana::http::AppError;
use kirana::http::extract::{Json, Query};
use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Deserialize)]
struct Line {
    sku: String,
    quantity: u32,
}

#[derive(Debug, Deserialize)]
struct NewOrder {
    customer: String,
    lines: Vec<Line>,
}

async fn create_order(Json(order): Json<NewOrder>) -> Result<HttpResponse, AppError> {
    let units: u32 = order.lines.iter().map(|l| l.quantity).sum();
    let skus: Vec<&str> = order.lines.iter().map(|l| l.sku.as_str()).collect();
    Ok(HttpResponse::Created()
        .json(serde_json::json!({"customer": order.customer, "units": units, "skus": skus})))
}

#[derive(Debug, Deserialize)]
struct Search {
    page_size: u8,
}

async fn search(Query(q): Query<Search>) -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "page_size": q.page_size }))
}

async fn explode() -> Result<HttpResponse, AppError> {
    Err(AppError::internal(
        "connection to db-primary.internal:3306 refused",
    ))
}

async fn spawn_with_routes(backend: &Backend, body_limit: usize) -> TestApp {
    TestApp::start(
        TestDb::new(backend),
        |s| s.server.body_limit_bytes = body_limit,
        |b| {
            b.route_rules([
                RouteRule::new("POST", "/api/v1/test/orders", Access::Public),
                RouteRule::new("GET", "/api/v1/test/search", Access::Public),
                RouteRule::new("GET", "/api/v1/test/explode", Access::Public),
            ])
            .api_routes(|cfg| {
                cfg.route("/v1/test/orders", web::post().to(create_order))
                    .route("/v1/test/search", web::get().to(search))
                    .route("/v1/test/explode", web::get().to(explode));
            })
        },
    )
    .await
}

async fn problem(resp: reqwest::Response) -> (u16, Value) {
    let status = resp.status().as_u16();
    let ct = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    assert_eq!(ct, "application/problem+json", "status {status}");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["status"].as_u64(), Some(u64::from(status)));
    assert!(body["type"].as_str().unwrap().starts_with("https://"));
    assert!(body["title"].is_string());
    (status, body)
}

#[actix_web::test]
async fn valid_json_reaches_the_handler() {
    for_each_backend(|backend| async move {
        let app = spawn_with_routes(&backend, 4096).await;
        let resp = app
            .client
            .post(app.url("/api/v1/test/orders"))
            .json(&serde_json::json!({"customer": "asha", "lines": [{"sku": "A", "quantity": 2}, {"sku": "B", "quantity": 3}]}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 201);
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["units"], 5);
        assert_eq!(body["skus"], serde_json::json!(["A", "B"]));
    })
    .await;
}

#[actix_web::test]
async fn malformed_json_is_a_400_problem() {
    for_each_backend(|backend| async move {
        let app = spawn_with_routes(&backend, 4096).await;
        let resp = app
            .client
            .post(app.url("/api/v1/test/orders"))
            .header("content-type", "application/json")
            .body(r#"{"customer": "asha", "lines": [ "#)
            .send()
            .await
            .unwrap();
        let (status, body) = problem(resp).await;
        assert_eq!(status, 400);
        assert!(body["detail"].as_str().unwrap().contains("malformed JSON"));
    })
    .await;
}

#[actix_web::test]
async fn a_wrong_field_is_named_in_the_problem() {
    for_each_backend(|backend| async move {
        let app = spawn_with_routes(&backend, 4096).await;
        let resp = app
            .client
            .post(app.url("/api/v1/test/orders"))
            .json(&serde_json::json!({"customer": "asha", "lines": [{"sku": "A", "quantity": 2}, {"sku": "B", "quantity": -1}]}))
            .send()
            .await
            .unwrap();
        let (status, body) = problem(resp).await;
        assert_eq!(status, 400);
        assert_eq!(body["errors"][0]["field"], "lines[1].quantity");

        let resp = app
            .client
            .get(app.url("/api/v1/test/search?page_size=many"))
            .send()
            .await
            .unwrap();
        let (status, body) = problem(resp).await;
        assert_eq!(status, 400);
        assert_eq!(body["errors"][0]["field"], "page_size");
    })
    .await;
}

#[actix_web::test]
async fn an_oversized_body_is_a_413_problem() {
    for_each_backend(|backend| async move {
        let app = spawn_with_routes(&backend, 2048).await;
        let lines: Vec<Value> = (0..200)
            .map(|i| serde_json::json!({"sku": format!("SKU-{i}"), "quantity": 1}))
            .collect();
        let resp = app
            .client
            .post(app.url("/api/v1/test/orders"))
            .json(&serde_json::json!({"customer": "asha", "lines": lines}))
            .send()
            .await
            .unwrap();
        let (status, body) = problem(resp).await;
        assert_eq!(status, 413);
        assert!(body["detail"].as_str().unwrap().contains("2048"));

        // Without a Content-Length (chunked), the limit still holds.
        let chunks: Vec<Result<Vec<u8>, std::io::Error>> = (0..10)
            .map(|i| {
                Ok(if i == 0 {
                    b"{\"customer\":\"".to_vec()
                } else {
                    vec![b'a'; 400]
                })
            })
            .collect();
        let resp = app
            .client
            .post(app.url("/api/v1/test/orders"))
            .header("content-type", "application/json")
            .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
                chunks,
            )))
            .send()
            .await
            .unwrap();
        let (status, _) = problem(resp).await;
        assert_eq!(status, 413);
    })
    .await;
}

#[actix_web::test]
async fn a_non_json_body_is_a_415_problem() {
    for_each_backend(|backend| async move {
        let app = spawn_with_routes(&backend, 4096).await;
        let resp = app
            .client
            .post(app.url("/api/v1/test/orders"))
            .header("content-type", "text/plain")
            .body("customer=asha")
            .send()
            .await
            .unwrap();
        let (status, _) = problem(resp).await;
        assert_eq!(status, 415);
    })
    .await;
}

#[actix_web::test]
async fn unknown_api_routes_are_404_problems_not_the_app() {
    for_each_backend(|backend| async move {
        let app = TestApp::spawn(&backend).await;
        for path in ["/api/v1/nothing-here", "/api", "/api/v2/orders/123"] {
            let resp = app.client.get(app.url(path)).send().await.unwrap();
            let (status, _) = problem(resp).await;
            assert_eq!(status, 404, "{path}");
        }
        let resp = app
            .client
            .delete(app.url("/api/v1/nothing-here"))
            .send()
            .await
            .unwrap();
        assert_eq!(problem(resp).await.0, 404);
        // A method a protected route does not have is a 405, with or without credentials.
        for bearer in [None, Some("not-a-token")] {
            let trace = reqwest::Method::from_bytes(b"TRACE").unwrap();
            let mut req = app.client.request(trace, app.url("/api/v1/orders"));
            if let Some(b) = bearer {
                req = req.bearer_auth(b);
            }
            let (status, _) = problem(req.send().await.unwrap()).await;
            assert_eq!(status, 405, "{bearer:?}");
        }
    })
    .await;
}

#[actix_web::test]
async fn internal_errors_carry_the_request_id_and_nothing_internal() {
    let app = spawn_with_routes(&Backend::Sqlite, 4096).await;
    let resp = app
        .client
        .get(app.url("/api/v1/test/explode"))
        .header("x-request-id", "support-ticket-42")
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.headers().get("x-request-id").unwrap(),
        "support-ticket-42"
    );
    let (status, body) = problem(resp).await;
    assert_eq!(status, 500);
    assert_eq!(body["request_id"], "support-ticket-42");
    let text = body.to_string();
    assert!(!text.contains("db-primary"), "{text}");
    assert!(!text.contains("3306"), "{text}");
}

#[actix_web::test]
async fn request_ids_are_generated_when_missing_or_unsafe() {
    let app = TestApp::spawn(&Backend::Sqlite).await;
    let a = app.client.get(app.url("/healthz")).send().await.unwrap();
    let b = app.client.get(app.url("/healthz")).send().await.unwrap();
    let id_a = a
        .headers()
        .get("x-request-id")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    let id_b = b
        .headers()
        .get("x-request-id")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert_ne!(id_a, id_b);
    assert!(uuid::Uuid::parse_str(&id_a).is_ok());
    let c = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", "bad id with spaces")
        .send()
        .await
        .unwrap();
    let id_c = c.headers().get("x-request-id").unwrap().to_str().unwrap();
    assert_ne!(id_c, "bad id with spaces");
}

#[actix_web::test]
async fn every_documented_route_answers_405_with_allow_for_other_methods() {
    for_each_backend(|backend| async move {
        // Several probes per route: quotas sized for people would cut the walk short.
        let app = TestApp::start(
            TestDb::new(&backend),
            |s| {
                s.rate_limit.per_ip_per_minute = 100_000;
                s.rate_limit.auth_per_ip_per_minute = 100_000;
            },
            |b| b,
        )
        .await;
        let doc: Value = app
            .client
            .get(app.url("/api/openapi.json"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let paths = doc["paths"].as_object().unwrap();
        assert!(paths.contains_key("/healthz") && paths.contains_key("/readyz"));
        for (path, item) in paths {
            let documented: Vec<String> = item
                .as_object()
                .unwrap()
                .keys()
                .map(|m| m.to_uppercase())
                .collect();
            for method in ["GET", "POST", "PUT", "PATCH", "DELETE"] {
                if documented.iter().any(|m| m == method) {
                    continue;
                }
                let resp = app
                    .client
                    .request(method.parse().unwrap(), app.url(path))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(resp.status(), 405, "{method} {path}");
                let allow = resp
                    .headers()
                    .get("allow")
                    .unwrap()
                    .to_str()
                    .unwrap()
                    .to_string();
                for m in &documented {
                    assert!(
                        allow.contains(m.as_str()),
                        "{path}: Allow {allow} lacks {m}"
                    );
                }
                problem(resp).await;
            }
        }
    })
    .await;
}

#[actix_web::test]
async fn health_readiness_and_metrics() {
    for_each_backend(|backend| async move {
        let app = TestApp::spawn(&backend).await;
        let health = app.client.get(app.url("/healthz")).send().await.unwrap();
        assert_eq!(health.status(), 200);
        let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
        assert_eq!(ready.status(), 200);
        assert_eq!(ready.json::<Value>().await.unwrap()["status"], "ready");

        app.client.get(app.url("/api/v1/missing")).send().await.unwrap();
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
            text.contains(r#"kirana_http_requests_total{method="GET",route="/readyz",status="200"} 1"#),
            "{text}"
        );
        assert!(text.contains(r#"status="404"} 1"#), "{text}");
        assert!(text.contains(r#"kirana_http_request_duration_seconds_bucket{method="GET",route="/healthz",status="200",le="+Inf"} 1"#));
        assert!(text.contains(r#"kirana_db_pool_connections{pool="write"}"#));
        assert!(text.contains(r#"kirana_outbox_events{status="parked"} 0"#));
    })
    .await;
}

#[actix_web::test]
async fn metrics_are_served_only_to_the_allowed_networks_or_the_token() {
    for_each_backend(|backend| async move {
        // This client comes from loopback: with loopback off the list it is a stranger.
        let app = TestApp::start(
            TestDb::new(&backend),
            |s| {
                s.metrics.allow = vec!["192.0.2.0/24".parse().unwrap()];
                s.metrics.token = "scrape-7d1f0c".into();
            },
            |b| b,
        )
        .await;
        let stranger = app.client.get(app.url("/metrics")).send().await.unwrap();
        let (status, body) = problem(stranger).await;
        assert_eq!(status, 403);
        assert!(body["detail"].as_str().unwrap().contains("metrics.allow"));
        let wrong = app
            .client
            .get(app.url("/metrics"))
            .bearer_auth("scrape-7d1f0d")
            .send()
            .await
            .unwrap();
        assert_eq!(wrong.status(), 403);
        let scraper = app
            .client
            .get(app.url("/metrics"))
            .bearer_auth("scrape-7d1f0c")
            .send()
            .await
            .unwrap();
        assert_eq!(scraper.status(), 200);
        assert!(
            scraper
                .text()
                .await
                .unwrap()
                .contains("kirana_db_pool_connections")
        );
    })
    .await;
}

#[actix_web::test]
async fn readiness_fails_when_migrations_are_missing() {
    for_each_backend(|backend| async move {
        let app = TestApp::spawn(&backend).await;
        app.db
            .write(|conn| {
                use diesel::RunQueryDsl;
                diesel::sql_query("DELETE FROM __diesel_schema_migrations").execute(conn)?;
                Ok(())
            })
            .await
            .unwrap();
        let resp = app.client.get(app.url("/readyz")).send().await.unwrap();
        let (status, body) = problem(resp).await;
        assert_eq!(status, 503);
        assert!(body["detail"].as_str().unwrap().contains("migrations"));
    })
    .await;
}

#[actix_web::test]
async fn the_docs_page_and_openapi_document_are_served_offline() {
    let app = TestApp::spawn(&Backend::Sqlite).await;
    let doc: Value = app
        .client
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    assert!(doc["components"]["schemas"]["Problem"].is_object());
    // Every operation states its security and its problems, as the gateway enforces them.
    let rules = kirana::route_rules();
    let mut protected = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let security = op["security"]
                .as_array()
                .unwrap_or_else(|| panic!("{method} {path}"));
            let rule = rules
                .iter()
                .find(|r| r.path == path && r.method.eq_ignore_ascii_case(method));
            let public = rule.is_none_or(|r| matches!(r.access, Access::Public));
            assert_eq!(
                security.iter().all(|s| s.as_object().unwrap().is_empty()),
                public,
                "{method} {path}"
            );
            let responses = op["responses"].as_object().unwrap();
            assert!(responses.contains_key("429"), "{method} {path}");
            if !public {
                protected += 1;
                for status in ["401", "403"] {
                    assert_eq!(
                        responses[status]["content"]["application/problem+json"]["schema"]["$ref"],
                        "#/components/schemas/Problem",
                        "{status} of {method} {path}"
                    );
                }
            }
            for (status, response) in responses {
                if status.starts_with('4') {
                    assert!(
                        response["content"].get("application/json").is_none(),
                        "{status} of {method} {path} is problem+json"
                    );
                }
            }
        }
    }
    assert!(protected > 100, "{protected}");
    assert_eq!(
        doc["paths"]["/api/v1/pos/sessions/{id}/sales"]["post"]["requestBody"]["content"]["application/json"]
            ["schema"]["$ref"],
        "#/components/schemas/PosSaleInput"
    );
    let page = app
        .client
        .get(app.url("/api/docs"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("/api/openapi.json"));
    // Everything the page needs is inline: no script, style or font from elsewhere.
    assert!(!page.contains("src=\"http"), "external script");
    assert!(!page.contains("href=\"http"), "external stylesheet");
    assert!(!page.contains("@import"));
}

#[actix_web::test]
async fn the_app_is_served_for_unknown_paths_with_the_right_cache_headers() {
    let app = TestApp::spawn(&Backend::Sqlite).await;
    let root = app.client.get(app.url("/")).send().await.unwrap();
    assert_eq!(root.status(), 200);
    assert_eq!(root.headers().get("cache-control").unwrap(), "no-cache");
    let etag = root
        .headers()
        .get("etag")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    let index = root.text().await.unwrap();
    assert!(index.contains("<title>Kirana</title>"));

    let deep = app
        .client
        .get(app.url("/orders/KR-000123"))
        .send()
        .await
        .unwrap();
    assert_eq!(deep.status(), 200);
    assert_eq!(deep.text().await.unwrap(), index);

    // The built app's stylesheet, named by its hash in index.html.
    let css = index
        .split('"')
        .find(|part| part.starts_with("/assets/") && part.ends_with(".css"))
        .expect("index.html links its stylesheet")
        .to_string();
    let asset = app.client.get(app.url(&css)).send().await.unwrap();
    assert_eq!(asset.status(), 200);
    assert_eq!(
        asset.headers().get("cache-control").unwrap(),
        "public, max-age=31536000, immutable"
    );
    assert!(
        asset
            .headers()
            .get("content-type")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );

    let missing = app
        .client
        .get(app.url("/assets/nope-123.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);

    let revalidated = app
        .client
        .get(app.url("/"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(revalidated.status(), 304);
}
