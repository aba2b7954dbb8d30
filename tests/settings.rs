//! The store's settings as the back office edits them: checked as the configuration is,
//! kept in the database over the configuration, in force on the next invoice, receipt and
//! checkout, followed by another instance on the same database, and for admins only.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Backend, TestApp, TestDb, for_each_backend, with_role};
use kirana::contracts::auth::Role;
use serde_json::{Value, json};

fn gstin(state: &str) -> String {
    kirana::contracts::gst::demo_gstin(state)
}

async fn spawn(backend: &Backend) -> TestApp {
    TestApp::start(
        TestDb::new(backend),
        |s| {
            s.rate_limit.per_ip_per_minute = 1_000_000;
            s.rate_limit.writes_per_user_per_minute = 1_000_000;
            s.store.name = "Kirana Store".into();
            s.store.gstin = gstin("29");
            s.store.state_code = "29".into();
        },
        |b| b,
    )
    .await
}

fn key() -> String {
    uuid::Uuid::now_v7().to_string()
}

async fn call(
    app: &TestApp,
    method: reqwest::Method,
    token: &str,
    path: &str,
    body: Option<Value>,
) -> reqwest::Response {
    let mut req = app
        .client
        .request(method, app.url(path))
        .bearer_auth(token)
        .header("Idempotency-Key", key());
    if let Some(b) = body {
        req = req.json(&b);
    }
    req.send().await.unwrap()
}

async fn json_of(resp: reqwest::Response) -> Value {
    let status = resp.status();
    let text = resp.text().await.unwrap();
    assert!(status.is_success(), "{status}: {text}");
    serde_json::from_str(&text).unwrap()
}

/// A counter sale of one unit of a fresh product; its order (with its invoice).
async fn counter_sale(app: &TestApp, token: &str, sku: &str) -> Value {
    use reqwest::Method;
    let product = json_of(
        call(app, Method::POST, token, "/api/v1/catalog/products", Some(json!({
            "name": format!("Item {sku}"), "hsn_code": "1006", "gst_rate_bp": 500, "status": "active",
            "variants": [{"sku": sku, "price_minor": 10_500}]
        })))
        .await,
    )
    .await;
    let variant = product["variants"][0]["id"].as_str().unwrap().to_string();
    let shop = json_of(
        call(
            app,
            Method::POST,
            token,
            "/api/v1/inventory/locations",
            Some(json!({"name": format!("Counter {sku}"), "kind": "shop"})),
        )
        .await,
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    json_of(
        call(app, Method::POST, token, "/api/v1/inventory/adjustments",
            Some(json!({"variant_id": variant, "location_id": shop, "quantity": 5, "reason": "opening stock"}))).await,
    )
    .await;
    let register = json_of(
        call(
            app,
            Method::POST,
            token,
            "/api/v1/pos/registers",
            Some(json!({"name": format!("Till {sku}"), "location_id": shop})),
        )
        .await,
    )
    .await;
    let session = json_of(
        call(
            app,
            Method::POST,
            token,
            &format!(
                "/api/v1/pos/registers/{}/sessions",
                register["id"].as_str().unwrap()
            ),
            Some(json!({"opening_float_minor": 0})),
        )
        .await,
    )
    .await;
    let sid = session["id"].as_str().unwrap();
    json_of(
        call(
            app,
            Method::POST,
            token,
            &format!("/api/v1/pos/sessions/{sid}/scan"),
            Some(json!({"code": sku})),
        )
        .await,
    )
    .await;
    let sale = json_of(
        call(
            app,
            Method::POST,
            token,
            &format!("/api/v1/pos/sessions/{sid}/sales"),
            Some(json!({"tenders": [{"kind": "cash", "amount_minor": 10_500}]})),
        )
        .await,
    )
    .await;
    sale["order"].clone()
}

async fn invoice_of(app: &TestApp, token: &str, order: &Value) -> Value {
    let path = format!("/api/v1/orders/{}", order["id"].as_str().unwrap());
    for _ in 0..100 {
        let now = json_of(call(app, reqwest::Method::GET, token, &path, None).await).await;
        if let Some(id) = now["invoices"][0]["id"].as_str() {
            return json_of(
                call(
                    app,
                    reqwest::Method::GET,
                    token,
                    &format!("/api/v1/invoices/{id}"),
                    None,
                )
                .await,
            )
            .await;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("order {} has no invoice", order["number"]);
}

fn fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| e["field"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[actix_web::test]
async fn store_settings_saved_in_the_back_office_win_and_show_on_the_next_invoice() {
    use reqwest::Method;
    for_each_backend(|backend| async move {
        let app = spawn(&backend).await;
        let (_, admin) = with_role(&app, "owner@shop.in", Role::Admin).await;
        let (_, staff) = with_role(&app, "meena@shop.in", Role::Staff).await;

        // Until saved, the configuration's values, and only admins see or change them.
        let first =
            json_of(call(&app, Method::GET, &admin, "/api/v1/settings/store", None).await).await;
        assert_eq!(first["source"], "configuration");
        assert_eq!(first["settings"]["name"], "Kirana Store");
        assert_eq!(first["settings"]["gstin"], gstin("29"));
        assert_eq!(first["settings"]["invoice_series"], "INV");
        assert_eq!(
            call(&app, Method::GET, &staff, "/api/v1/settings/store", None)
                .await
                .status(),
            403
        );
        assert_eq!(
            call(
                &app,
                Method::PUT,
                &staff,
                "/api/v1/settings/store",
                Some(first.clone())
            )
            .await
            .status(),
            403
        );
        let first_sale = counter_sale(&app, &admin, "DAL-1").await;
        let before = invoice_of(&app, &admin, &first_sale).await;
        assert_eq!(before["seller"]["name"], "Kirana Store");
        assert!(before["number"].as_str().unwrap().starts_with("INV/"));

        // A GSTIN with a wrong check character, one of another state, an invoice series too
        // long: each refused at its field, and nothing changes.
        let body = first["settings"].clone();
        let ours = gstin("29");
        let wrong_check = format!(
            "{}{}",
            &ours[..14],
            if ours.ends_with('7') { "8" } else { "7" }
        );
        for (patch, field) in [
            (json!({"gstin": wrong_check}), "gstin"),
            (json!({"gstin": gstin("27")}), "state_code"),
            (json!({"state_code": "27"}), "state_code"),
            (json!({"invoice_series": "INVOICE"}), "invoice_series"),
            (json!({"name": " "}), "name"),
        ] {
            let mut bad = body.clone();
            for (k, v) in patch.as_object().unwrap() {
                bad[k] = v.clone();
            }
            let resp = call(
                &app,
                Method::PUT,
                &admin,
                "/api/v1/settings/store",
                Some(bad),
            )
            .await;
            assert_eq!(resp.status(), 400, "{patch}");
            let problem: Value = resp.json().await.unwrap();
            assert_eq!(
                fields(&problem),
                vec![field.to_string()],
                "{patch}: {problem}"
            );
        }
        let unchanged =
            json_of(call(&app, Method::GET, &admin, "/api/v1/settings/store", None).await).await;
        assert_eq!(unchanged["source"], "configuration");

        // A new name, legal name left empty, a new series and cash on delivery off.
        let mut next = body.clone();
        next["name"] = json!("Sharma General Stores");
        next["legal_name"] = json!("");
        next["invoice_series"] = json!("sgs");
        next["cod_enabled"] = json!(false);
        next["low_stock_threshold"] = json!(4);
        let saved = json_of(
            call(
                &app,
                Method::PUT,
                &admin,
                "/api/v1/settings/store",
                Some(next),
            )
            .await,
        )
        .await;
        assert_eq!(saved["source"], "database");
        assert_eq!(
            saved["settings"]["invoice_series"], "SGS",
            "codes are upper-cased"
        );
        assert!(saved["updated_by"].is_string());
        let store: Value = app
            .client
            .get(app.url("/api/v1/store"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(store["name"], "Sharma General Stores");
        let methods: Value = app
            .client
            .get(app.url("/api/v1/payments/methods"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(
            !methods.to_string().contains("\"cod\""),
            "cash on delivery is no longer offered: {methods}"
        );

        // The next invoice carries the new name and starts the new series at 1.
        let after = invoice_of(&app, &admin, &counter_sale(&app, &admin, "DAL-2").await).await;
        assert_eq!(after["seller"]["name"], "Sharma General Stores");
        let number = after["number"].as_str().unwrap();
        assert!(
            number.starts_with("SGS/") && number.ends_with("/000001"),
            "{number}"
        );
        // The invoice already issued keeps what it said.
        let again = invoice_of(&app, &admin, &first_sale).await;
        assert_eq!(again["seller"]["name"], "Kirana Store");

        // The store's default threshold watches every level without one of its own: each
        // item has 4 of its 5 left, at the default of 4.
        let low = json_of(
            call(
                &app,
                Method::GET,
                &admin,
                "/api/v1/inventory/low-stock",
                None,
            )
            .await,
        )
        .await;
        let mut listed: Vec<(String, i64, i64)> = low
            .as_array()
            .unwrap()
            .iter()
            .map(|l| {
                (
                    l["sku"].as_str().unwrap().to_string(),
                    l["available"].as_i64().unwrap(),
                    l["threshold"].as_i64().unwrap(),
                )
            })
            .collect();
        listed.sort();
        assert_eq!(
            listed,
            vec![("DAL-1".to_string(), 4, 4), ("DAL-2".to_string(), 4, 4)]
        );

        // Another instance on the same database follows what this one saved.
        let other = kirana::profile::LiveProfile::from_settings(&app.test_db.settings());
        assert_eq!(other.store().name, app.test_db.settings().store.name);
        other.refresh(&app.db).await.unwrap();
        assert_eq!(other.store().name, "Sharma General Stores");
        assert_eq!(other.get().invoice_series, "SGS");
        assert!(!other.get().cod_enabled);
    })
    .await;
}
