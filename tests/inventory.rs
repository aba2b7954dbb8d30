//! Inventory end to end: locations, adjustments and the ledger, ownership, transfers,
//! purchase orders and costs, suppliers' GSTINs, reservations (all or none, idempotent,
//! expiring, and never over-reserved under 50 concurrent requests), the `StockChanged`
//! event reaching the catalog, and `kirana inventory verify`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::{Backend, TestApp, TestDb, for_each_backend, with_role};
use diesel::prelude::*;
use kirana::contracts::auth::Role;
use kirana::domains::inventory::LedgerMismatch;
use serde_json::{Value, json};

async fn spawn(backend: &Backend) -> TestApp {
    TestApp::start(
        TestDb::new(backend),
        |s| {
            s.rate_limit.per_ip_per_minute = 100_000;
            s.rate_limit.writes_per_user_per_minute = 100_000;
        },
        |b| b,
    )
    .await
}

async fn staff(app: &TestApp) -> (String, String) {
    with_role(app, "staff@shop.in", Role::Staff).await
}

/// A product with one variant per SKU; returns the product id and the variant ids.
async fn product(app: &TestApp, token: &str, skus: &[&str]) -> (String, Vec<String>) {
    let values: Vec<String> = skus.iter().map(|s| format!("v-{s}")).collect();
    let variants: Vec<Value> = skus
        .iter()
        .zip(&values)
        .map(|(sku, v)| json!({"sku": sku, "price_minor": 12000, "options": {"Size": v}}))
        .collect();
    let resp = app
        .client
        .post(app.url("/api/v1/catalog/products"))
        .bearer_auth(token)
        .json(&json!({
            "name": format!("Basmati Rice {}", skus[0]),
            "hsn_code": "1006",
            "gst_rate_bp": 500,
            "status": "active",
            "options": [{"name": "Size", "values": values}],
            "variants": variants,
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let body: Value = resp.json().await.unwrap();
    let ids = body["variants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_string())
        .collect();
    (body["id"].as_str().unwrap().to_string(), ids)
}

async fn location(app: &TestApp, token: &str, name: &str) -> String {
    let resp = app
        .client
        .post(app.url("/api/v1/inventory/locations"))
        .bearer_auth(token)
        .json(&json!({"name": name, "kind": "warehouse"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let body: Value = resp.json().await.unwrap();
    body["id"].as_str().unwrap().to_string()
}

async fn post(
    app: &TestApp,
    token: &str,
    path: &str,
    key: Option<&str>,
    body: Value,
) -> reqwest::Response {
    let mut req = app
        .client
        .post(app.url(path))
        .bearer_auth(token)
        .json(&body);
    if let Some(key) = key {
        req = req.header("Idempotency-Key", key);
    }
    req.send().await.unwrap()
}

async fn get(app: &TestApp, token: &str, path: &str) -> reqwest::Response {
    app.client
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

async fn adjust(
    app: &TestApp,
    token: &str,
    variant: &str,
    location: &str,
    quantity: i64,
) -> reqwest::Response {
    post(
        app,
        token,
        "/api/v1/inventory/adjustments",
        Some(&uuid::Uuid::now_v7().to_string()),
        json!({"variant_id": variant, "location_id": location, "quantity": quantity, "reason": "stock count"}),
    )
    .await
}

/// (on_hand, reserved, available) of a variant at a location.
async fn level(app: &TestApp, token: &str, variant: &str, location: &str) -> (i64, i64, i64) {
    let body: Value = get(
        app,
        token,
        &format!("/api/v1/inventory/variants/{variant}/stock"),
    )
    .await
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
                l["available"].as_i64().unwrap(),
            )
        })
        .unwrap_or((0, 0, 0))
}

async fn movements(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let body: Value = get(
        app,
        token,
        &format!("/api/v1/inventory/movements?limit=100&{query}"),
    )
    .await
    .json()
    .await
    .unwrap();
    body["items"].as_array().unwrap().clone()
}

async fn verify(app: &TestApp) -> Vec<LedgerMismatch> {
    let db = app.db.clone();
    tokio::task::spawn_blocking(move || kirana::domains::inventory::verify(&db))
        .await
        .unwrap()
        .unwrap()
}

fn field_of(body: &Value) -> String {
    body["errors"][0]["field"]
        .as_str()
        .unwrap_or("")
        .to_string()
}

#[actix_web::test]
async fn adjustments_write_the_ledger_and_stock_never_goes_negative() {
    for_each_backend(|backend| async move {
        let app = spawn(&backend).await;
        let (staff_id, token) = staff(&app).await;
        let (_, variants) = product(&app, &token, &["RICE-1"]).await;
        let (v, loc) = (&variants[0], location(&app, &token, "Main warehouse").await);

        assert_eq!(adjust(&app, &token, v, &loc, 10).await.status(), 201);
        let resp = adjust(&app, &token, v, &loc, -3).await;
        assert_eq!(resp.status(), 201);
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["level"]["on_hand"], 7);
        assert_eq!(level(&app, &token, v, &loc).await, (7, 0, 7));

        // More than there is: a 409 naming the field, and nothing changes.
        let resp = adjust(&app, &token, v, &loc, -8).await;
        assert_eq!(resp.status(), 409);
        let body: Value = resp.json().await.unwrap();
        assert_eq!(field_of(&body), "quantity");
        assert_eq!(level(&app, &token, v, &loc).await, (7, 0, 7));

        let ledger = movements(&app, &token, &format!("variant_id={v}")).await;
        assert_eq!(ledger.len(), 2);
        assert_eq!(ledger[0]["kind"], "adjustment");
        assert_eq!(ledger[0]["on_hand_delta"], 10);
        assert_eq!(ledger[1]["on_hand_delta"], -3);
        assert_eq!(ledger[1]["reason"], "stock count");
        assert_eq!(ledger[1]["actor"], staff_id.as_str());

        // Bad input names the field and changes nothing.
        let no_key = post(
            &app,
            &token,
            "/api/v1/inventory/adjustments",
            None,
            json!({"variant_id": v, "location_id": loc, "quantity": 1, "reason": "x"}),
        )
        .await;
        assert_eq!(no_key.status(), 400);
        assert_eq!(field_of(&no_key.json().await.unwrap()), "Idempotency-Key");
        let no_reason = post(
            &app,
            &token,
            "/api/v1/inventory/adjustments",
            Some("k-reason"),
            json!({"variant_id": v, "location_id": loc, "quantity": 1, "reason": "  "}),
        )
        .await;
        assert_eq!(no_reason.status(), 400);
        assert_eq!(field_of(&no_reason.json().await.unwrap()), "reason");
        let zero = post(
            &app,
            &token,
            "/api/v1/inventory/adjustments",
            Some("k-zero"),
            json!({"variant_id": v, "location_id": loc, "quantity": 0, "reason": "x"}),
        )
        .await;
        assert_eq!(field_of(&zero.json().await.unwrap()), "quantity");
        let nowhere = post(
            &app,
            &token,
            "/api/v1/inventory/adjustments",
            Some("k-nowhere"),
            json!({"variant_id": v, "location_id": "nope", "quantity": 1, "reason": "x"}),
        )
        .await;
        assert_eq!(field_of(&nowhere.json().await.unwrap()), "location_id");

        // The same key and body replay the first response without a second movement.
        let body = json!({"variant_id": v, "location_id": loc, "quantity": 5, "reason": "found"});
        let first = post(
            &app,
            &token,
            "/api/v1/inventory/adjustments",
            Some("k-1"),
            body.clone(),
        )
        .await;
        assert_eq!(first.status(), 201);
        let first: Value = first.json().await.unwrap();
        let again = post(
            &app,
            &token,
            "/api/v1/inventory/adjustments",
            Some("k-1"),
            body,
        )
        .await;
        assert_eq!(again.status(), 201);
        assert_eq!(again.headers()["idempotent-replayed"], "true");
        let again: Value = again.json().await.unwrap();
        assert_eq!(first["movement_id"], again["movement_id"]);
        assert_eq!(level(&app, &token, v, &loc).await, (12, 0, 12));
        assert_eq!(
            movements(&app, &token, &format!("variant_id={v}"))
                .await
                .len(),
            3
        );

        // A customer return adds stock as its own kind, with the order it came from.
        let resp = post(
            &app,
            &token,
            "/api/v1/inventory/adjustments",
            Some("k-return"),
            json!({"variant_id": v, "location_id": loc, "quantity": 1, "reason": "damaged box",
                "kind": "return", "reference": "KR-000123"}),
        )
        .await;
        assert_eq!(resp.status(), 201);
        let ledger = movements(&app, &token, "reference=KR-000123").await;
        assert_eq!(ledger.len(), 1);
        assert_eq!(ledger[0]["kind"], "return");
        let sale = post(
            &app,
            &token,
            "/api/v1/inventory/adjustments",
            Some("k-sale"),
            json!({"variant_id": v, "location_id": loc, "quantity": -1, "reason": "x", "kind": "sale"}),
        )
        .await;
        assert_eq!(sale.status(), 400);
        assert_eq!(field_of(&sale.json().await.unwrap()), "kind");
        assert_eq!(level(&app, &token, v, &loc).await, (13, 0, 13));

        assert_eq!(verify(&app).await, vec![]);
    })
    .await;
}

#[actix_web::test]
async fn sellers_adjust_only_their_own_variants() {
    for_each_backend(|backend| async move {
        let app = spawn(&backend).await;
        let (_, staff_token) = staff(&app).await;
        let loc = location(&app, &staff_token, "Shop floor").await;
        let (_, alice) = with_role(&app, "alice@sellers.in", Role::Seller).await;
        let (_, bob) = with_role(&app, "bob@sellers.in", Role::Seller).await;
        let (_, alices) = product(&app, &alice, &["ALICE-1"]).await;
        let v = &alices[0];

        let resp = adjust(&app, &bob, v, &loc, 5).await;
        assert_eq!(resp.status(), 404);
        assert_eq!(
            get(&app, &bob, &format!("/api/v1/inventory/variants/{v}/stock"))
                .await
                .status(),
            404
        );
        assert_eq!(level(&app, &staff_token, v, &loc).await, (0, 0, 0));

        assert_eq!(adjust(&app, &alice, v, &loc, 5).await.status(), 201);
        assert_eq!(adjust(&app, &staff_token, v, &loc, 2).await.status(), 201);
        assert_eq!(level(&app, &alice, v, &loc).await, (7, 0, 7));
        // Sellers read the ledger of their own variants only.
        assert_eq!(
            movements(&app, &alice, &format!("variant_id={v}"))
                .await
                .len(),
            2
        );
        assert_eq!(
            get(
                &app,
                &bob,
                &format!("/api/v1/inventory/movements?variant_id={v}")
            )
            .await
            .status(),
            404
        );
        // Locations belong to the store: sellers cannot create them.
        let resp = post(
            &app,
            &alice,
            "/api/v1/inventory/locations",
            None,
            json!({"name": "Mine", "kind": "shop"}),
        )
        .await;
        assert_eq!(resp.status(), 403);
    })
    .await;
}

#[actix_web::test]
async fn sellers_see_and_receive_only_their_own_transfers() {
    for_each_backend(|backend| async move {
        let app = spawn(&backend).await;
        let (_, staff_token) = staff(&app).await;
        let here = location(&app, &staff_token, "Shop floor").await;
        let there = location(&app, &staff_token, "Back room").await;
        let (_, alice) = with_role(&app, "alice@sellers.in", Role::Seller).await;
        let (_, bob) = with_role(&app, "bob@sellers.in", Role::Seller).await;
        let (_, alices) = product(&app, &alice, &["ALICE-T"]).await;
        let (_, bobs) = product(&app, &bob, &["BOB-T"]).await;
        assert_eq!(
            adjust(&app, &alice, &alices[0], &here, 5).await.status(),
            201
        );
        assert_eq!(adjust(&app, &bob, &bobs[0], &here, 5).await.status(), 201);
        let ship = |token: String, variant: String, key: &'static str| {
            let (app, here, there) = (&app, here.clone(), there.clone());
            async move {
                let resp = post(
                    app,
                    &token,
                    "/api/v1/inventory/transfers",
                    Some(key),
                    json!({"from_location_id": here, "to_location_id": there,
                           "lines": [{"variant_id": variant, "quantity": 2}]}),
                )
                .await;
                assert_eq!(resp.status(), 201);
                resp.json::<Value>().await.unwrap()["id"]
                    .as_str()
                    .unwrap()
                    .to_string()
            }
        };
        let alices_transfer = ship(alice.clone(), alices[0].clone(), "ta").await;
        let bobs_transfer = ship(bob.clone(), bobs[0].clone(), "tb").await;

        let ids = |page: Value| -> Vec<String> {
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["id"].as_str().unwrap().to_string())
                .collect()
        };
        let listed = |token: String| {
            let app = &app;
            async move {
                get(app, &token, "/api/v1/inventory/transfers")
                    .await
                    .json::<Value>()
                    .await
                    .unwrap()
            }
        };
        assert_eq!(ids(listed(bob.clone()).await), vec![bobs_transfer.clone()]);
        assert_eq!(
            ids(listed(alice.clone()).await),
            vec![alices_transfer.clone()]
        );
        let mut all = ids(listed(staff_token.clone()).await);
        all.sort();
        let mut both = vec![alices_transfer.clone(), bobs_transfer.clone()];
        both.sort();
        assert_eq!(all, both, "staff see every transfer");

        let path = format!("/api/v1/inventory/transfers/{alices_transfer}");
        assert_eq!(get(&app, &bob, &path).await.status(), 404);
        assert_eq!(get(&app, &alice, &path).await.status(), 200);
        let receive = format!("/api/v1/inventory/transfers/{alices_transfer}/receive");
        let refused = post(&app, &bob, &receive, Some("rb"), json!(null)).await;
        assert_eq!(refused.status(), 404);
        assert_eq!(
            level(&app, &staff_token, &alices[0], &there).await.0,
            0,
            "bob's attempt moved nothing"
        );
        let received = post(&app, &alice, &receive, Some("ra"), json!(null)).await;
        assert_eq!(received.status(), 200);
        assert_eq!(level(&app, &staff_token, &alices[0], &there).await.0, 2);
    })
    .await;
}

#[actix_web::test]
async fn locations_are_renamed_deactivated_and_list_their_stock_by_page() {
    for_each_backend(|backend| async move {
        let app = spawn(&backend).await;
        let (_, token) = staff(&app).await;
        let loc = location(&app, &token, "Godown").await;
        let dup = post(
            &app,
            &token,
            "/api/v1/inventory/locations",
            None,
            json!({"name": "Godown", "kind": "shop"}),
        )
        .await;
        // A name another location has is a conflict with what exists, not a bad request.
        assert_eq!(dup.status(), 409);
        assert_eq!(field_of(&dup.json().await.unwrap()), "name");

        let (_, variants) = product(&app, &token, &["P-1", "P-2", "P-3"]).await;
        for v in &variants {
            assert_eq!(adjust(&app, &token, v, &loc, 4).await.status(), 201);
        }
        let first: Value = get(
            &app,
            &token,
            &format!("/api/v1/inventory/locations/{loc}/stock?limit=2"),
        )
        .await
        .json()
        .await
        .unwrap();
        assert_eq!(first["items"].as_array().unwrap().len(), 2);
        let cursor = first["next_cursor"].as_str().unwrap();
        let second: Value = get(
            &app,
            &token,
            &format!("/api/v1/inventory/locations/{loc}/stock?limit=2&cursor={cursor}"),
        )
        .await
        .json()
        .await
        .unwrap();
        assert_eq!(second["items"].as_array().unwrap().len(), 1);
        assert!(second["next_cursor"].is_null());
        let mut seen: Vec<String> = first["items"]
            .as_array()
            .unwrap()
            .iter()
            .chain(second["items"].as_array().unwrap())
            .map(|l| l["variant_id"].as_str().unwrap().to_string())
            .collect();
        seen.sort();
        let mut all = variants.clone();
        all.sort();
        assert_eq!(seen, all);

        let renamed: Value = app
            .client
            .patch(app.url(&format!("/api/v1/inventory/locations/{loc}")))
            .bearer_auth(&token)
            .json(&json!({"name": "Back room", "active": false}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(renamed["name"], "Back room");
        assert_eq!(renamed["active"], false);
        let list: Value = get(&app, &token, "/api/v1/inventory/locations")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(list["items"][0]["name"], "Back room");
        // A deactivated location takes no new stock.
        let resp = adjust(&app, &token, &variants[0], &loc, 1).await;
        assert_eq!(resp.status(), 400);
        assert_eq!(field_of(&resp.json().await.unwrap()), "location_id");
        assert_eq!(level(&app, &token, &variants[0], &loc).await, (4, 0, 4));
    })
    .await;
}

#[actix_web::test]
async fn transfers_ship_then_receive_once() {
    for_each_backend(|backend| async move {
        let app = spawn(&backend).await;
        let (_, token) = staff(&app).await;
        let (_, variants) = product(&app, &token, &["T-1", "T-2"]).await;
        let (a, b) = (
            location(&app, &token, "Warehouse").await,
            location(&app, &token, "Shop").await,
        );
        assert_eq!(adjust(&app, &token, &variants[0], &a, 10).await.status(), 201);
        assert_eq!(adjust(&app, &token, &variants[1], &a, 3).await.status(), 201);

        let body = json!({"from_location_id": a, "to_location_id": b, "lines": [
            {"variant_id": variants[0], "quantity": 4}, {"variant_id": variants[1], "quantity": 3}]});
        let resp = post(&app, &token, "/api/v1/inventory/transfers", Some("t-1"), body.clone()).await;
        assert_eq!(resp.status(), 201);
        let transfer: Value = resp.json().await.unwrap();
        let id = transfer["id"].as_str().unwrap().to_string();
        assert_eq!(transfer["status"], "in_transit");
        // The same key and body: the same transfer, shipped once.
        let again = post(&app, &token, "/api/v1/inventory/transfers", Some("t-1"), body).await;
        assert_eq!(again.json::<Value>().await.unwrap()["id"], id.as_str());
        // In transit: in neither location.
        assert_eq!(level(&app, &token, &variants[0], &a).await, (6, 0, 6));
        assert_eq!(level(&app, &token, &variants[0], &b).await, (0, 0, 0));
        let stock: Value = get(&app, &token, &format!("/api/v1/inventory/variants/{}/stock", variants[0]))
            .await.json().await.unwrap();
        assert_eq!(stock["on_hand"], 6, "{stock}");
        let rows = movements(&app, &token, &format!("reference={id}")).await;
        let kinds: Vec<&str> = rows.iter().map(|m| m["kind"].as_str().unwrap()).collect();
        assert_eq!(kinds, vec!["transfer_out", "transfer_out"]);
        let listed: Value = get(&app, &token, "/api/v1/inventory/transfers?status=in_transit")
            .await.json().await.unwrap();
        assert_eq!(listed["items"].as_array().unwrap().len(), 1);
        assert_eq!(verify(&app).await, vec![]);

        let receive_path = format!("/api/v1/inventory/transfers/{id}/receive");
        let resp = post(&app, &token, &receive_path, Some("r-1"), json!(null)).await;
        assert_eq!(resp.status(), 200);
        let received: Value = resp.json().await.unwrap();
        assert_eq!(received["status"], "received");
        assert_eq!(level(&app, &token, &variants[0], &b).await, (4, 0, 4));
        assert_eq!(level(&app, &token, &variants[1], &b).await, (3, 0, 3));
        // The same key: the first response, nothing received twice.
        let resp = post(&app, &token, &receive_path, Some("r-1"), json!(null)).await;
        assert_eq!(resp.status(), 200);
        assert_eq!(level(&app, &token, &variants[0], &b).await, (4, 0, 4));
        // Another key: the transfer was received already.
        let resp = post(&app, &token, &receive_path, Some("r-2"), json!(null)).await;
        assert_eq!(resp.status(), 409);
        assert_eq!(level(&app, &token, &variants[0], &b).await, (4, 0, 4));
        let rows = movements(&app, &token, &format!("reference={id}")).await;
        assert_eq!(rows.iter().filter(|m| m["kind"] == "transfer_in").count(), 2);
        let shown: Value = get(&app, &token, &format!("/api/v1/inventory/transfers/{id}"))
            .await.json().await.unwrap();
        assert_eq!(shown["status"], "received");
        assert_eq!(shown["lines"].as_array().unwrap().len(), 2);
        assert_eq!(get(&app, &token, "/api/v1/inventory/transfers/nope").await.status(), 404);
        let resp = app.client.delete(app.url(&receive_path)).bearer_auth(&token).send().await.unwrap();
        assert_eq!(resp.status(), 405);

        // One line short: nothing ships, no transfer is left behind.
        let body = json!({"from_location_id": a, "to_location_id": b, "lines": [
            {"variant_id": variants[0], "quantity": 1}, {"variant_id": variants[1], "quantity": 1}]});
        let resp = post(&app, &token, "/api/v1/inventory/transfers", Some("t-2"), body).await;
        assert_eq!(resp.status(), 409);
        assert_eq!(field_of(&resp.json().await.unwrap()), "lines[1].quantity");
        assert_eq!(level(&app, &token, &variants[0], &a).await, (6, 0, 6));
        let listed: Value = get(&app, &token, "/api/v1/inventory/transfers").await.json().await.unwrap();
        assert_eq!(listed["items"].as_array().unwrap().len(), 1);

        let same = json!({"from_location_id": a, "to_location_id": a, "lines": [
            {"variant_id": variants[0], "quantity": 1}]});
        let resp = post(&app, &token, "/api/v1/inventory/transfers", Some("t-3"), same).await;
        assert_eq!(resp.status(), 400);
        assert_eq!(field_of(&resp.json().await.unwrap()), "to_location_id");
        assert_eq!(verify(&app).await, vec![]);
    })
    .await;
}

#[actix_web::test]
async fn ten_concurrent_receipts_of_a_transfer_receive_it_once() {
    for_each_backend(|backend| async move {
        let app = spawn(&backend).await;
        let (_, token) = staff(&app).await;
        let (_, v) = product(&app, &token, &["TC-1"]).await;
        let (a, b) = (
            location(&app, &token, "Warehouse").await,
            location(&app, &token, "Shop").await,
        );
        assert_eq!(adjust(&app, &token, &v[0], &a, 9).await.status(), 201);
        let body = json!({"from_location_id": a, "to_location_id": b,
            "lines": [{"variant_id": v[0], "quantity": 7}]});
        let resp = post(
            &app,
            &token,
            "/api/v1/inventory/transfers",
            Some("tc"),
            body,
        )
        .await;
        let id = resp.json::<Value>().await.unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
        let path = format!("/api/v1/inventory/transfers/{id}/receive");
        let attempts = (0..10).map(|i| {
            let (app, token, path) = (&app, &token, &path);
            async move {
                post(app, token, path, Some(&format!("rc-{i}")), json!(null))
                    .await
                    .status()
                    .as_u16()
            }
        });
        let mut statuses = futures_util::future::join_all(attempts).await;
        statuses.sort();
        assert_eq!(statuses, [vec![200], vec![409; 9]].concat());
        assert_eq!(level(&app, &token, &v[0], &b).await, (7, 0, 7));
        assert_eq!(level(&app, &token, &v[0], &a).await, (2, 0, 2));
        assert_eq!(verify(&app).await, vec![]);
    })
    .await;
}

#[actix_web::test]
async fn cycle_counts_adjust_the_difference_and_never_below_reserved() {
    for_each_backend(|backend| async move {
        let app = spawn(&backend).await;
        let (_, token) = staff(&app).await;
        let (_, v) = product(&app, &token, &["C-1", "C-2", "C-3"]).await;
        let loc = location(&app, &token, "Store").await;
        for (variant, q) in [(&v[0], 10), (&v[1], 5), (&v[2], 8)] {
            assert_eq!(adjust(&app, &token, variant, &loc, q).await.status(), 201);
        }
        let held = json!({"reference": "o-1", "location_id": loc, "lines": [{"variant_id": v[2], "quantity": 6}]});
        assert_eq!(reserve(&app, &token, held).await.status(), 201);

        // Counted below reserved: refused, naming the line; nothing changes.
        let body = json!({"location_id": loc, "lines": [
            {"variant_id": v[0], "counted": 7}, {"variant_id": v[2], "counted": 5}]});
        let resp = post(&app, &token, "/api/v1/inventory/counts", Some("c-0"), body).await;
        assert_eq!(resp.status(), 409);
        assert_eq!(field_of(&resp.json().await.unwrap()), "lines[1].counted");
        assert_eq!(level(&app, &token, &v[0], &loc).await, (10, 0, 10));

        let body = json!({"location_id": loc, "lines": [
            {"variant_id": v[0], "counted": 7}, {"variant_id": v[1], "counted": 5},
            {"variant_id": v[2], "counted": 9}]});
        let resp = post(&app, &token, "/api/v1/inventory/counts", Some("c-1"), body.clone()).await;
        assert_eq!(resp.status(), 201);
        let counted: Value = resp.json().await.unwrap();
        assert_eq!(counted["lines"][0]["difference"], -3);
        assert_eq!(counted["lines"][1]["difference"], 0);
        assert!(counted["lines"][1]["movement_id"].is_null());
        assert_eq!(counted["lines"][2]["difference"], 1);
        // Replayed with the key: counted once.
        let resp = post(&app, &token, "/api/v1/inventory/counts", Some("c-1"), body).await;
        assert_eq!(resp.status(), 201);
        assert_eq!(level(&app, &token, &v[0], &loc).await, (7, 0, 7));
        assert_eq!(level(&app, &token, &v[1], &loc).await, (5, 0, 5));
        assert_eq!(level(&app, &token, &v[2], &loc).await, (9, 6, 3));
        let rows = movements(&app, &token, &format!("variant_id={}", v[0])).await;
        let last = rows.last().unwrap();
        assert_eq!(last["reason"], "cycle count");
        assert_eq!(last["kind"], "adjustment");
        assert_eq!(last["on_hand_delta"], -3);
        // No movement for an equal count.
        assert_eq!(movements(&app, &token, &format!("variant_id={}", v[1])).await.len(), 1);

        let bad = json!({"location_id": loc, "lines": [{"variant_id": v[0], "counted": -1}]});
        let resp = post(&app, &token, "/api/v1/inventory/counts", Some("c-2"), bad).await;
        assert_eq!(resp.status(), 400);
        assert_eq!(field_of(&resp.json().await.unwrap()), "lines[0].counted");
        let resp = post(&app, &token, "/api/v1/inventory/counts", None,
            json!({"location_id": loc, "lines": [{"variant_id": v[0], "counted": 1}]})).await;
        assert_eq!(resp.status(), 400);
        assert_eq!(level(&app, &token, &v[0], &loc).await, (7, 0, 7));
        assert_eq!(verify(&app).await, vec![]);
    })
    .await;
}

async fn stock_low_events(app: &TestApp) -> Vec<Value> {
    use kirana::schema::outbox;
    app.db
        .read(|c| {
            Ok(outbox::table
                .filter(outbox::event_type.eq("inventory.stock_low"))
                .order(outbox::id.asc())
                .select(outbox::payload)
                .load::<String>(c)?)
        })
        .await
        .unwrap()
        .iter()
        .map(|p| serde_json::from_str(p).unwrap())
        .collect()
}

async fn put_thresholds(app: &TestApp, token: &str, body: Value) -> reqwest::Response {
    app.client
        .put(app.url("/api/v1/inventory/thresholds"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

#[actix_web::test]
async fn crossing_a_threshold_announces_low_stock_once() {
    for_each_backend(|backend| async move {
        let app = spawn(&backend).await;
        let (_, token) = staff(&app).await;
        let (_, v) = product(&app, &token, &["L-1", "L-2"]).await;
        let loc = location(&app, &token, "Store").await;
        assert_eq!(adjust(&app, &token, &v[0], &loc, 10).await.status(), 201);
        assert_eq!(adjust(&app, &token, &v[1], &loc, 10).await.status(), 201);

        let resp = put_thresholds(&app, &token, json!({"thresholds": [
            {"variant_id": v[0], "location_id": loc, "threshold": -1}]})).await;
        assert_eq!(resp.status(), 400);
        assert_eq!(field_of(&resp.json().await.unwrap()), "thresholds[0].threshold");
        let resp = put_thresholds(&app, &token, json!({"thresholds": [
            {"variant_id": v[0], "location_id": loc, "threshold": 4}]})).await;
        assert_eq!(resp.status(), 200);

        // 10 → 6: still above.
        assert_eq!(adjust(&app, &token, &v[0], &loc, -4).await.status(), 201);
        assert!(stock_low_events(&app).await.is_empty());
        // A reservation takes it to 4: the crossing.
        let held = json!({"reference": "o-1", "location_id": loc, "lines": [{"variant_id": v[0], "quantity": 2}]});
        assert_eq!(reserve(&app, &token, held).await.status(), 201);
        let events = stock_low_events(&app).await;
        assert_eq!(events, vec![json!({"variant_id": v[0], "location_id": loc, "available": 4, "threshold": 4})]);
        // Further down while low: no new event.
        assert_eq!(adjust(&app, &token, &v[0], &loc, -1).await.status(), 201);
        assert_eq!(stock_low_events(&app).await.len(), 1);
        let low: Value = get(&app, &token, &format!("/api/v1/inventory/low-stock?location_id={loc}"))
            .await.json().await.unwrap();
        assert_eq!(low.as_array().unwrap().len(), 1, "{low}");
        assert_eq!(low[0]["variant_id"], v[0].as_str());
        assert_eq!(low[0]["available"], 3);
        // Named as the catalog names it, so a screen can show it.
        assert_eq!(low[0]["sku"], "L-1");
        assert_eq!(low[0]["name"], "Basmati Rice L-1 / v-L-1");
        // Back above, then down again: a second crossing.
        assert_eq!(adjust(&app, &token, &v[0], &loc, 5).await.status(), 201);
        let low: Value = get(&app, &token, "/api/v1/inventory/low-stock").await.json().await.unwrap();
        assert!(low.as_array().unwrap().is_empty());
        assert_eq!(adjust(&app, &token, &v[0], &loc, -5).await.status(), 201);
        assert_eq!(stock_low_events(&app).await.len(), 2);
        // No threshold for the other variant: no event.
        assert_eq!(adjust(&app, &token, &v[1], &loc, -10).await.status(), 201);
        assert_eq!(stock_low_events(&app).await.len(), 2);
    })
    .await;
}

#[actix_web::test]
async fn reorder_suggestions_cover_lead_time_from_sales_velocity() {
    for_each_backend(|backend| async move {
        let app = spawn(&backend).await;
        let (_, token) = staff(&app).await;
        let (_, v) = product(&app, &token, &["S-1", "S-2"]).await;
        let loc = location(&app, &token, "Store").await;
        assert_eq!(adjust(&app, &token, &v[0], &loc, 40).await.status(), 201);
        assert_eq!(adjust(&app, &token, &v[1], &loc, 100).await.status(), 201);
        let resp = post(
            &app,
            &token,
            "/api/v1/inventory/suppliers",
            None,
            json!({"name": "Quick Foods", "lead_time_days": 10, "email": "orders@quick.in"}),
        )
        .await;
        assert_eq!(resp.status(), 201);
        let supplier_id = resp.json::<Value>().await.unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
        purchase_order(
            &app,
            &token,
            &supplier_id,
            json!([{"variant_id": v[0], "quantity": 1, "unit_cost_minor": 100}]),
        )
        .await;
        // 30 units of each sold (reserved and committed).
        for (i, variant) in v.iter().enumerate() {
            let body = json!({"reference": format!("sale-{i}"), "location_id": loc,
                "lines": [{"variant_id": variant, "quantity": 30}]});
            assert_eq!(reserve(&app, &token, body).await.status(), 201);
            let resp = post(
                &app,
                &token,
                &format!("/api/v1/inventory/reservations/sale-{i}/commit"),
                None,
                json!(null),
            )
            .await;
            assert_eq!(resp.status(), 200);
        }
        assert_eq!(
            put_thresholds(
                &app,
                &token,
                json!({"thresholds": [
            {"variant_id": v[0], "location_id": loc, "threshold": 5}]})
            )
            .await
            .status(),
            200
        );

        let list: Value = get(
            &app,
            &token,
            &format!("/api/v1/inventory/reorder-suggestions?location_id={loc}&days=30"),
        )
        .await
        .json()
        .await
        .unwrap();
        // S-1: 1/day × 10 days lead + 5 threshold − 10 available = 5. S-2: 70 available
        // covers 14 days (no lead time known) at 1/day: not listed.
        let list = list.as_array().unwrap();
        assert_eq!(list.len(), 1, "{list:?}");
        assert_eq!(list[0]["variant_id"], v[0].as_str());
        assert_eq!(list[0]["sold"], 30);
        assert_eq!(list[0]["available"], 10);
        assert_eq!(list[0]["lead_time_days"], 10);
        assert_eq!(list[0]["suggested_quantity"], 5);
        assert_eq!(list[0]["days_of_cover"], 10.0);

        let resp = get(
            &app,
            &token,
            &format!("/api/v1/inventory/reorder-suggestions?location_id={loc}&days=0"),
        )
        .await;
        assert_eq!(resp.status(), 400);
        assert_eq!(field_of(&resp.json().await.unwrap()), "days");
        let resp = post(
            &app,
            &token,
            "/api/v1/inventory/suppliers",
            None,
            json!({"name": "Slow Foods", "lead_time_days": 400}),
        )
        .await;
        assert_eq!(resp.status(), 400);
        assert_eq!(field_of(&resp.json().await.unwrap()), "lead_time_days");
    })
    .await;
}

#[actix_web::test]
async fn suppliers_need_a_valid_gstin() {
    for_each_backend(|backend| async move {
        let app = spawn(&backend).await;
        let (_, token) = staff(&app).await;
        for bad in [
            "27AAPFU0939F1ZW",
            "99AAPFU0939F1Z",
            "42AAPFU0939F1ZV",
            "27AAPF10939F1ZV",
        ] {
            let resp = post(
                &app,
                &token,
                "/api/v1/inventory/suppliers",
                None,
                json!({"name": "Sharma Traders", "gstin": bad}),
            )
            .await;
            assert_eq!(resp.status(), 400, "{bad}");
            assert_eq!(field_of(&resp.json().await.unwrap()), "gstin", "{bad}");
        }
        // E-mails are checked as accounts' are.
        for bad in ["a b@c.in", "a@b", "@sharma.in", "orders@sharma..in"] {
            let resp = post(
                &app,
                &token,
                "/api/v1/inventory/suppliers",
                None,
                json!({"name": "Sharma Traders", "email": bad}),
            )
            .await;
            assert_eq!(resp.status(), 400, "{bad}");
            assert_eq!(field_of(&resp.json().await.unwrap()), "email", "{bad}");
        }
        let resp = post(
            &app,
            &token,
            "/api/v1/inventory/suppliers",
            None,
            json!({"name": "Sharma Traders", "gstin": "27aapfu0939f1zv", "email": "a@sharma.in"}),
        )
        .await;
        assert_eq!(resp.status(), 201);
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["gstin"], "27AAPFU0939F1ZV");
        let list: Value = get(&app, &token, "/api/v1/inventory/suppliers")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(list["items"].as_array().unwrap().len(), 1);
    })
    .await;
}

async fn supplier(app: &TestApp, token: &str) -> String {
    let resp = post(
        app,
        token,
        "/api/v1/inventory/suppliers",
        None,
        json!({"name": "Sharma Traders"}),
    )
    .await;
    assert_eq!(resp.status(), 201);
    resp.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn purchase_order(app: &TestApp, token: &str, supplier: &str, lines: Value) -> String {
    let resp = post(
        app,
        token,
        "/api/v1/inventory/purchase-orders",
        None,
        json!({"supplier_id": supplier, "lines": lines}),
    )
    .await;
    assert_eq!(resp.status(), 201);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["status"], "draft");
    body["id"].as_str().unwrap().to_string()
}

async fn place(app: &TestApp, token: &str, po: &str) {
    let resp = app
        .client
        .patch(app.url(&format!("/api/v1/inventory/purchase-orders/{po}")))
        .bearer_auth(token)
        .json(&json!({"status": "sent"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
}

async fn receive(app: &TestApp, token: &str, po: &str, body: Value) -> reqwest::Response {
    post(
        app,
        token,
        &format!("/api/v1/inventory/purchase-orders/{po}/receipts"),
        Some(&uuid::Uuid::now_v7().to_string()),
        body,
    )
    .await
}

async fn avg_cost(app: &TestApp, token: &str, variant: &str) -> i64 {
    let body: Value = get(
        app,
        token,
        &format!("/api/v1/inventory/variants/{variant}/stock"),
    )
    .await
    .json()
    .await
    .unwrap();
    body["avg_unit_cost_minor"].as_i64().unwrap()
}

#[actix_web::test]
async fn purchase_orders_are_received_with_costs_and_never_beyond_the_order_unasked() {
    for_each_backend(|backend| async move {
        let app = spawn(&backend).await;
        let (_, token) = staff(&app).await;
        let (_, variants) = product(&app, &token, &["PO-1"]).await;
        let v = &variants[0];
        let loc = location(&app, &token, "Receiving bay").await;
        let sup = supplier(&app, &token).await;
        let po = purchase_order(&app, &token, &sup, json!([{"variant_id": v, "quantity": 10, "unit_cost_minor": 1000}])).await;

        // A draft is not received.
        let resp = receive(&app, &token, &po, json!({"location_id": loc, "lines": [{"variant_id": v, "quantity": 1}]})).await;
        assert_eq!(resp.status(), 409);
        place(&app, &token, &po).await;

        let resp = receive(&app, &token, &po, json!({"location_id": loc, "lines": [{"variant_id": v, "quantity": 4}]})).await;
        assert_eq!(resp.status(), 201);
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["status"], "partially_received");
        assert_eq!(body["lines"][0]["quantity_received"], 4);
        // Lines name their variant as the catalog does, so a screen needs no second call.
        assert_eq!(body["lines"][0]["sku"], "PO-1");
        assert_eq!(body["lines"][0]["name"], "Basmati Rice PO-1 / v-PO-1");
        assert_eq!(level(&app, &token, v, &loc).await, (4, 0, 4));
        assert_eq!(avg_cost(&app, &token, v).await, 1000);
        let listed: Value = get(&app, &token, "/api/v1/inventory/purchase-orders")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(listed["items"][0]["lines"][0]["sku"], "PO-1");
        let stocked: Value = get(&app, &token, &format!("/api/v1/inventory/locations/{loc}/stock"))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(stocked["items"][0]["variant_id"], v.as_str());
        assert_eq!(stocked["items"][0]["sku"], "PO-1");
        assert_eq!(stocked["items"][0]["on_hand"], 4);

        // 4 + 7 > 10: refused, naming the line, and nothing changes.
        let resp = receive(&app, &token, &po, json!({"location_id": loc, "lines": [{"variant_id": v, "quantity": 7}]})).await;
        assert_eq!(resp.status(), 409);
        let body: Value = resp.json().await.unwrap();
        assert_eq!(field_of(&body), "lines[0].quantity");
        assert!(body["errors"][0]["message"].as_str().unwrap().contains("allow_over_receipt"));
        assert_eq!(level(&app, &token, v, &loc).await, (4, 0, 4));

        let resp = receive(&app, &token, &po, json!({"location_id": loc, "lines": [{"variant_id": v, "quantity": 6}]})).await;
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["status"], "received");
        assert_eq!(level(&app, &token, v, &loc).await, (10, 0, 10));
        let receipts = movements(&app, &token, &format!("reference={po}")).await;
        assert_eq!(receipts.len(), 2);
        assert!(receipts.iter().all(|m| m["kind"] == "receipt" && m["unit_cost_minor"] == 1000));

        // 10 at ₹10 and 10 at ₹20 average ₹15.
        let po2 = purchase_order(&app, &token, &sup, json!([{"variant_id": v, "quantity": 10, "unit_cost_minor": 2000}])).await;
        place(&app, &token, &po2).await;
        let resp = receive(&app, &token, &po2, json!({"location_id": loc, "lines": [{"variant_id": v, "quantity": 10}]})).await;
        assert_eq!(resp.status(), 201);
        assert_eq!(avg_cost(&app, &token, v).await, 1500);

        // With the flag, more than ordered is accepted: (20 × 1500 + 3 × 500) / 23 = 1369.6.
        let po3 = purchase_order(&app, &token, &sup, json!([{"variant_id": v, "quantity": 2, "unit_cost_minor": 500}])).await;
        place(&app, &token, &po3).await;
        let resp = receive(&app, &token, &po3, json!({"location_id": loc, "allow_over_receipt": true, "lines": [{"variant_id": v, "quantity": 3}]})).await;
        assert_eq!(resp.status(), 201);
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["status"], "received");
        assert_eq!(body["lines"][0]["quantity_received"], 3);
        assert_eq!(avg_cost(&app, &token, v).await, 1370);
        assert_eq!(level(&app, &token, v, &loc).await, (23, 0, 23));

        // A received order cannot be cancelled; a variant not on the order is refused.
        let resp = app
            .client
            .patch(app.url(&format!("/api/v1/inventory/purchase-orders/{po}")))
            .bearer_auth(&token)
            .json(&json!({"status": "cancelled"}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 409);
        assert_eq!(field_of(&resp.json().await.unwrap()), "status");
        let bad = purchase_order(&app, &token, &sup, json!([{"variant_id": v, "quantity": 1, "unit_cost_minor": 1}])).await;
        place(&app, &token, &bad).await;
        let resp = receive(&app, &token, &bad, json!({"location_id": loc, "lines": [{"variant_id": "other", "quantity": 1}]})).await;
        assert_eq!(resp.status(), 400);
        assert_eq!(field_of(&resp.json().await.unwrap()), "lines[0].variant_id");
        assert_eq!(verify(&app).await, vec![]);
    })
    .await;
}

async fn reserve(app: &TestApp, token: &str, body: Value) -> reqwest::Response {
    post(
        app,
        token,
        "/api/v1/inventory/reservations",
        Some(&uuid::Uuid::now_v7().to_string()),
        body,
    )
    .await
}

#[actix_web::test]
async fn reservations_take_all_lines_or_none_and_commit_and_release_once() {
    for_each_backend(|backend| async move {
        let app = spawn(&backend).await;
        let (_, token) = staff(&app).await;
        let (_, variants) = product(&app, &token, &["R-1", "R-2"]).await;
        let (v1, v2) = (&variants[0], &variants[1]);
        let loc = location(&app, &token, "Store").await;
        // A variant that does not exist is named (it was a foreign-key 500): a 404 with the
        // field, since the request is well-formed.
        let unknown = reserve(
            &app,
            &token,
            json!({"reference": "order-x", "location_id": loc,
                   "lines": [{"variant_id": v1, "quantity": 1},
                             {"variant_id": "0190aaaa-0000-7000-8000-000000000000", "quantity": 1}]}),
        )
        .await;
        assert_eq!(unknown.status(), 404);
        assert_eq!(field_of(&unknown.json().await.unwrap()), "lines[1].variant_id");
        assert_eq!(adjust(&app, &token, v1, &loc, 10).await.status(), 201);
        assert_eq!(adjust(&app, &token, v2, &loc, 2).await.status(), 201);

        let short = json!({"reference": "order-1", "location_id": loc, "lines": [
            {"variant_id": v1, "quantity": 5}, {"variant_id": v2, "quantity": 3}]});
        let resp = reserve(&app, &token, short).await;
        assert_eq!(resp.status(), 409);
        let body: Value = resp.json().await.unwrap();
        assert_eq!(field_of(&body), "lines[1].quantity");
        // The first line was not kept either.
        assert_eq!(level(&app, &token, v1, &loc).await, (10, 0, 10));
        assert_eq!(level(&app, &token, v2, &loc).await, (2, 0, 2));

        let fits = json!({"reference": "order-1", "location_id": loc, "lines": [
            {"variant_id": v1, "quantity": 5}, {"variant_id": v2, "quantity": 2}]});
        let resp = reserve(&app, &token, fits.clone()).await;
        assert_eq!(resp.status(), 201);
        assert_eq!(level(&app, &token, v1, &loc).await, (10, 5, 5));
        // The same reference again (another key): the first outcome, not a second hold.
        let resp = reserve(&app, &token, fits).await;
        assert_eq!(resp.status(), 201);
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["status"], "active");
        assert_eq!(level(&app, &token, v1, &loc).await, (10, 5, 5));
        assert_eq!(level(&app, &token, v2, &loc).await, (2, 2, 0));

        for _ in 0..2 {
            let resp = post(
                &app,
                &token,
                "/api/v1/inventory/reservations/order-1/commit",
                None,
                json!({}),
            )
            .await;
            assert_eq!(resp.status(), 200);
            assert_eq!(resp.json::<Value>().await.unwrap()["status"], "committed");
            assert_eq!(level(&app, &token, v1, &loc).await, (5, 0, 5));
            assert_eq!(level(&app, &token, v2, &loc).await, (0, 0, 0));
        }
        let sales = movements(&app, &token, "reference=order-1").await;
        assert_eq!(sales.iter().filter(|m| m["kind"] == "sale").count(), 2);
        let resp = post(
            &app,
            &token,
            "/api/v1/inventory/reservations/order-1/release",
            None,
            json!({}),
        )
        .await;
        assert_eq!(resp.status(), 409);

        let resp = reserve(
            &app,
            &token,
            json!({"reference": "order-2", "location_id": loc, "lines": [
            {"variant_id": v1, "quantity": 2}]}),
        )
        .await;
        assert_eq!(resp.status(), 201);
        assert_eq!(level(&app, &token, v1, &loc).await, (5, 2, 3));
        for _ in 0..2 {
            let resp = post(
                &app,
                &token,
                "/api/v1/inventory/reservations/order-2/release",
                None,
                json!({}),
            )
            .await;
            assert_eq!(resp.status(), 200);
            assert_eq!(level(&app, &token, v1, &loc).await, (5, 0, 5));
        }
        let resp = post(
            &app,
            &token,
            "/api/v1/inventory/reservations/order-2/commit",
            None,
            json!({}),
        )
        .await;
        assert_eq!(resp.status(), 409);
        let resp = reserve(
            &app,
            &token,
            json!({"reference": "a/b", "location_id": loc, "lines": [{"variant_id": v1, "quantity": 1}]}),
        )
        .await;
        assert_eq!(resp.status(), 400);
        assert_eq!(field_of(&resp.json().await.unwrap()), "reference");
        let resp = post(
            &app,
            &token,
            "/api/v1/inventory/reservations/nope/commit",
            None,
            json!({}),
        )
        .await;
        assert_eq!(resp.status(), 404);

        // Sellers do not reserve: that is for orders and the POS.
        let (_, seller) = with_role(&app, "s@sellers.in", Role::Seller).await;
        let resp = reserve(
            &app,
            &seller,
            json!({"reference": "x", "location_id": loc, "lines": [
            {"variant_id": v1, "quantity": 1}]}),
        )
        .await;
        assert_eq!(resp.status(), 403);
        assert_eq!(verify(&app).await, vec![]);
    })
    .await;
}

#[actix_web::test]
async fn expired_reservations_are_released_by_themselves() {
    for_each_backend(|backend| async move {
        let app = spawn(&backend).await;
        let (_, token) = staff(&app).await;
        let (_, variants) = product(&app, &token, &["E-1"]).await;
        let v = &variants[0];
        let loc = location(&app, &token, "Store").await;
        assert_eq!(adjust(&app, &token, v, &loc, 3).await.status(), 201);
        let resp = reserve(
            &app,
            &token,
            json!({"reference": "cart-9", "location_id": loc, "ttl_secs": 1,
            "lines": [{"variant_id": v, "quantity": 3}]}),
        )
        .await;
        assert_eq!(resp.status(), 201);
        assert_eq!(level(&app, &token, v, &loc).await, (3, 3, 0));

        let started = Instant::now();
        while level(&app, &token, v, &loc).await != (3, 0, 3) {
            assert!(started.elapsed() < Duration::from_secs(10), "not released");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let body: Value = get(&app, &token, "/api/v1/inventory/reservations/cart-9")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(body["status"], "released");
        let rows = movements(&app, &token, "reference=cart-9").await;
        let release = rows.iter().find(|m| m["kind"] == "release").unwrap();
        assert_eq!(release["actor"], "system");
        assert_eq!(release["reserved_delta"], -3);
        assert_eq!(verify(&app).await, vec![]);
    })
    .await;
}

#[actix_web::test]
async fn fifty_concurrent_reservations_of_ten_units_reserve_exactly_ten() {
    for_each_backend(|backend| async move {
        let app = spawn(&backend).await;
        let (_, token) = staff(&app).await;
        let (_, variants) = product(&app, &token, &["HOT-1"]).await;
        let v = variants[0].clone();
        let loc = location(&app, &token, "Store").await;
        assert_eq!(adjust(&app, &token, &v, &loc, 10).await.status(), 201);

        let mut tasks = Vec::new();
        for i in 0..50 {
            let (client, url, token, v, loc) = (
                app.client.clone(),
                app.url("/api/v1/inventory/reservations"),
                token.clone(),
                v.clone(),
                loc.clone(),
            );
            tasks.push(tokio::spawn(async move {
                client
                    .post(url)
                    .bearer_auth(token)
                    .header("Idempotency-Key", format!("rush-{i}"))
                    .json(
                        &json!({"reference": format!("order-{i}"), "location_id": loc,
                        "lines": [{"variant_id": v, "quantity": 1}]}),
                    )
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            }));
        }
        let mut statuses = Vec::new();
        for t in tasks {
            statuses.push(t.await.unwrap());
        }
        let reserved = statuses.iter().filter(|s| **s == 201).count();
        let refused = statuses.iter().filter(|s| **s == 409).count();
        assert_eq!((reserved, refused), (10, 40), "{statuses:?}");
        assert_eq!(level(&app, &token, &v, &loc).await, (10, 10, 0));
        assert_eq!(
            movements(&app, &token, &format!("variant_id={v}"))
                .await
                .iter()
                .filter(|m| m["kind"] == "reservation")
                .count(),
            10
        );
        assert_eq!(verify(&app).await, vec![]);
    })
    .await;
}

#[actix_web::test]
async fn stock_changes_reach_the_catalog() {
    for_each_backend(|backend| async move {
        let app = spawn(&backend).await;
        let (_, token) = staff(&app).await;
        let (product_id, variants) = product(&app, &token, &["CAT-1"]).await;
        let loc = location(&app, &token, "Store").await;
        let path = format!("/api/v1/catalog/products/{product_id}");
        let before: Value = get(&app, &token, &path).await.json().await.unwrap();
        assert_eq!(before["in_stock"], false);

        assert_eq!(
            adjust(&app, &token, &variants[0], &loc, 5).await.status(),
            201
        );
        let started = Instant::now();
        loop {
            let p: Value = get(&app, &token, &path).await.json().await.unwrap();
            if p["in_stock"] == true && p["variants"][0]["available"] == 5 {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "catalog not updated: {p}"
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        // Reserving everything takes it out of stock again.
        let resp = reserve(
            &app,
            &token,
            json!({"reference": "o-1", "location_id": loc,
            "lines": [{"variant_id": variants[0], "quantity": 5}]}),
        )
        .await;
        assert_eq!(resp.status(), 201);
        let started = Instant::now();
        loop {
            let p: Value = get(&app, &token, &path).await.json().await.unwrap();
            if p["in_stock"] == false && p["variants"][0]["available"] == 0 {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "catalog not updated: {p}"
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    })
    .await;
}

async fn run_verify(app: &TestApp) -> std::process::Output {
    let url = app.test_db.url.clone();
    tokio::task::spawn_blocking(move || verify_command(&url))
        .await
        .unwrap()
}

fn verify_command(url: &str) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_kirana"));
    cmd.current_dir(dir.path())
        .env_remove("RUST_LOG")
        .env_remove("KIRANA_PROFILE");
    for (name, _) in std::env::vars() {
        if name.starts_with("KIRANA__") {
            cmd.env_remove(name);
        }
    }
    cmd.env("KIRANA__DATABASE__URL", url)
        .args(["inventory", "verify"])
        .output()
        .unwrap()
}

#[actix_web::test]
async fn the_verify_command_exits_non_zero_listing_each_mismatch() {
    for_each_backend(|backend| async move {
        let app = spawn(&backend).await;
        let (_, token) = staff(&app).await;
        let (_, variants) = product(&app, &token, &["V-1"]).await;
        let v = variants[0].clone();
        let loc = location(&app, &token, "Store").await;
        assert_eq!(adjust(&app, &token, &v, &loc, 8).await.status(), 201);

        let ok = run_verify(&app).await;
        assert!(
            ok.status.success(),
            "{}",
            String::from_utf8_lossy(&ok.stderr)
        );

        // Someone edits a level behind the ledger's back.
        let (vv, ll) = (v.clone(), loc.clone());
        app.db
            .write(move |conn| {
                use kirana::schema::inventory_levels as levels;
                diesel::update(
                    levels::table
                        .filter(levels::variant_id.eq(vv))
                        .filter(levels::location_id.eq(ll)),
                )
                .set(levels::on_hand.eq(9i64))
                .execute(conn)?;
                Ok(())
            })
            .await
            .unwrap();
        let bad = run_verify(&app).await;
        assert!(!bad.status.success());
        let stdout = String::from_utf8_lossy(&bad.stdout);
        assert!(stdout.contains(&v) && stdout.contains(&loc), "{stdout}");
        assert!(stdout.contains("on_hand is 9"), "{stdout}");
        let found = verify(&app).await;
        // The level differs from the ledger, and the variant's total from its levels.
        assert_eq!(found.len(), 2, "{found:?}");
    })
    .await;
}

#[actix_web::test]
async fn the_inventory_api_reserves_all_or_nothing_under_fifty_concurrent_callers() {
    use kirana::contracts::inventory::{InventoryApi, StockLine};
    use std::sync::Arc;
    for_each_backend(|backend| async move {
        let app = spawn(&backend).await;
        let (_, token) = staff(&app).await;
        let (_, variants) = product(&app, &token, &["API-1", "API-2"]).await;
        let loc = location(&app, &token, "Store").await;
        assert_eq!(
            adjust(&app, &token, &variants[0], &loc, 10).await.status(),
            201
        );
        assert_eq!(
            adjust(&app, &token, &variants[1], &loc, 100).await.status(),
            201
        );

        // The same contract orders and the POS will hold, on the test's database.
        let settings = app.test_db.settings();
        let profile = kirana::profile::LiveProfile::from_settings(&settings);
        let catalog = kirana::domains::catalog::CatalogDomain::build(
            app.db.clone(),
            &settings,
            Arc::new(kirana::blob::LocalBlobStore::new(
                settings.data_dir.join("blobs"),
            )),
            None,
            &profile,
        );
        let inventory: Arc<dyn InventoryApi> = kirana::domains::inventory::InventoryDomain::build(
            app.db.clone(),
            catalog.api(),
            &settings,
            &profile,
        )
        .await
        .unwrap()
        .api();

        let mut tasks = Vec::new();
        for i in 0..50 {
            let (inventory, loc) = (inventory.clone(), loc.clone());
            let lines = vec![
                StockLine {
                    variant_id: variants[1].clone(),
                    quantity: 1,
                },
                StockLine {
                    variant_id: variants[0].clone(),
                    quantity: 1,
                },
            ];
            tasks.push(tokio::spawn(async move {
                inventory
                    .reserve(&format!("pos-{i}"), &loc, &lines, 0)
                    .await
            }));
        }
        let mut held = 0;
        let mut short = 0;
        for t in tasks {
            match t.await.unwrap().unwrap() {
                Ok(()) => held += 1,
                Err(shortage) => {
                    assert_eq!(shortage.variant_id, variants[0]);
                    short += 1;
                }
            }
        }
        assert_eq!((held, short), (10, 40));
        let levels = inventory.availability(&variants, Some(&loc)).await.unwrap();
        let of = |v: &str| levels.iter().find(|a| a.variant_id == v).unwrap().clone();
        assert_eq!(
            (of(&variants[0]).reserved, of(&variants[0]).available),
            (10, 0)
        );
        // The refused reservations did not keep their first line either.
        assert_eq!(of(&variants[1]).reserved, 10);

        // Twenty callers racing with one reference hold its stock once, and all see it.
        let mut racers = Vec::new();
        for _ in 0..20 {
            let (inventory, loc) = (inventory.clone(), loc.clone());
            let lines = vec![StockLine {
                variant_id: variants[1].clone(),
                quantity: 3,
            }];
            racers.push(tokio::spawn(async move {
                inventory.reserve("pos-dup", &loc, &lines, 0).await
            }));
        }
        for r in racers {
            assert_eq!(r.await.unwrap().unwrap(), Ok(()));
        }
        let a = inventory
            .availability(&variants[1..], Some(&loc))
            .await
            .unwrap();
        assert_eq!(a[0].reserved, 13);

        // A repeated reference is the first outcome, not a second hold.
        let again = vec![
            StockLine {
                variant_id: variants[1].clone(),
                quantity: 1,
            },
            StockLine {
                variant_id: variants[0].clone(),
                quantity: 1,
            },
        ];
        let held_refs: Vec<String> =
            movements(&app, &token, &format!("variant_id={}", variants[0]))
                .await
                .into_iter()
                .filter(|m| m["kind"] == "reservation")
                .map(|m| m["reference"].as_str().unwrap().to_string())
                .collect();
        assert_eq!(held_refs.len(), 10);
        assert_eq!(
            inventory
                .reserve(&held_refs[0], &loc, &again, 0)
                .await
                .unwrap(),
            Ok(())
        );
        let mut other = again.clone();
        other[0].quantity = 2;
        assert!(
            inventory
                .reserve(&held_refs[0], &loc, &other, 0)
                .await
                .is_err()
        );
        assert_eq!(
            inventory
                .availability(&variants[..1], Some(&loc))
                .await
                .unwrap()[0]
                .reserved,
            10
        );

        inventory.commit(&held_refs[0]).await.unwrap();
        inventory.commit(&held_refs[0]).await.unwrap();
        inventory.release(&held_refs[1]).await.unwrap();
        inventory.release(&held_refs[1]).await.unwrap();
        assert!(inventory.release(&held_refs[0]).await.is_err());
        let a = &inventory
            .availability(&variants[..1], Some(&loc))
            .await
            .unwrap()[0];
        assert_eq!((a.on_hand, a.reserved, a.available), (9, 8, 1));
        assert_eq!(verify(&app).await, vec![]);
    })
    .await;
}

#[actix_web::test]
async fn stock_can_leave_a_deactivated_location_but_not_arrive() {
    for_each_backend(|backend| async move {
        let app = spawn(&backend).await;
        let (_, token) = staff(&app).await;
        let (_, variants) = product(&app, &token, &["D-1"]).await;
        let v = &variants[0];
        let (old, new) = (
            location(&app, &token, "Old shop").await,
            location(&app, &token, "New shop").await,
        );
        assert_eq!(adjust(&app, &token, v, &old, 6).await.status(), 201);
        let resp = app
            .client
            .patch(app.url(&format!("/api/v1/inventory/locations/{old}")))
            .bearer_auth(&token)
            .json(&json!({"active": false}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        let back = json!({"from_location_id": new, "to_location_id": old, "lines": [{"variant_id": v, "quantity": 1}]});
        let resp = post(&app, &token, "/api/v1/inventory/transfers", Some("d-1"), back).await;
        assert_eq!(resp.status(), 400);
        assert_eq!(field_of(&resp.json().await.unwrap()), "to_location_id");
        let out = json!({"from_location_id": old, "to_location_id": new, "lines": [{"variant_id": v, "quantity": 5}]});
        let resp = post(&app, &token, "/api/v1/inventory/transfers", Some("d-2"), out).await;
        assert_eq!(resp.status(), 201);
        let id = resp.json::<Value>().await.unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(level(&app, &token, v, &new).await, (0, 0, 0));
        let path = format!("/api/v1/inventory/transfers/{id}/receive");
        let resp = post(&app, &token, &path, Some("d-3"), json!(null)).await;
        assert_eq!(resp.status(), 200);
        assert_eq!(adjust(&app, &token, v, &old, -1).await.status(), 201);
        assert_eq!(level(&app, &token, v, &old).await, (0, 0, 0));
        assert_eq!(level(&app, &token, v, &new).await, (5, 0, 5));
    })
    .await;
}

#[actix_web::test]
async fn the_demo_seed_stocks_two_locations_and_receives_one_purchase_order() {
    use kirana::schema::{
        inventory_locations as locations, inventory_movements as movements,
        inventory_purchase_orders as pos,
    };
    for_each_backend(|backend| async move {
        let test_db = TestDb::new(&backend);
        let url = test_db.url.clone();
        let out = tokio::task::spawn_blocking(move || {
            let dir = tempfile::tempdir().unwrap();
            let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_kirana"));
            cmd.current_dir(dir.path())
                .env_remove("RUST_LOG")
                .env_remove("KIRANA_PROFILE");
            for (name, _) in std::env::vars() {
                if name.starts_with("KIRANA__") {
                    cmd.env_remove(name);
                }
            }
            cmd.env("KIRANA__DATABASE__URL", &url)
                .args(["seed", "--demo"])
                .output()
                .unwrap()
        })
        .await
        .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(
            out.status.success(),
            "{stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let catalog_line = stdout.lines().find(|l| l.starts_with("catalog:")).unwrap();
        let products: usize = catalog_line
            .split(", ")
            .find(|p| p.ends_with(" products"))
            .and_then(|p| p.trim_end_matches(" products").parse().ok())
            .unwrap();
        assert!(products > 150, "{catalog_line}");
        let inventory_line = stdout
            .lines()
            .find(|l| l.starts_with("inventory:"))
            .unwrap();
        assert!(
            inventory_line.starts_with("inventory: 2 locations, ")
                && inventory_line.ends_with(" stocked variants, 1 received purchase order"),
            "{inventory_line}"
        );

        let url = test_db.url.clone();
        let verified = tokio::task::spawn_blocking(move || verify_command(&url))
            .await
            .unwrap();
        assert!(
            verified.status.success(),
            "{}",
            String::from_utf8_lossy(&verified.stdout)
        );

        let app = TestApp::start(test_db, |_| {}, |b| b).await;
        let (names, received, opening) = app
            .db
            .read(|c| {
                let names: Vec<String> = locations::table
                    .select(locations::name)
                    .order(locations::name.asc())
                    .load(c)?;
                let received: Vec<String> = pos::table.select(pos::status).load(c)?;
                let opening: i64 = movements::table
                    .filter(movements::reason.eq("opening stock"))
                    .count()
                    .get_result(c)?;
                Ok((names, received, opening))
            })
            .await
            .unwrap();
        assert_eq!(names, vec!["Main Warehouse", "Shop Counter"]);
        assert_eq!(received, vec!["received"]);
        assert!(opening > 300, "{opening} opening-stock movements");

        // The dispatcher delivers the seed's StockChanged events: the catalog shows stock.
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let listed: Value = app
                .client
                .get(app.url("/api/v1/catalog/products?limit=20"))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let items = listed["items"].as_array().unwrap();
            if !items.is_empty() && items.iter().all(|p| p["in_stock"] == true) {
                break;
            }
            assert!(Instant::now() < deadline, "not in stock: {listed}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await;
}
