//! Shipping end to end, on SQLite and MariaDB: zone rates priced into checkout against
//! hand-computed figures and refused where no zone reaches; a paid order shipped in two
//! parcels (one line split) with its stock sold and its status following the tracking;
//! signed carrier webhooks (forged, replayed, out of order); cash on delivery invoiced at
//! dispatch and paid at delivery, and returned to origin; public tracking; packing slips
//! and labels.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Backend, TestApp, TestDb, for_each_backend, ledger_is_consistent, level, with_role};
use hmac::{Hmac, Mac};
use kirana::contracts::auth::Role;
use serde_json::{Value, json};
use sha2::Sha256;

const CARRIER: &str = "shipfast";
const SECRET: &str = "whsec-shipfast-1";

async fn spawn(backend: &Backend) -> TestApp {
    TestApp::start(
        TestDb::new(backend),
        |s| {
            s.rate_limit.per_ip_per_minute = 1_000_000;
            s.rate_limit.writes_per_user_per_minute = 1_000_000;
            s.store.gstin = "29AAACK1234M1Z7".into();
            s.store.state_code = "29".into();
            s.shipping.webhook_carrier = CARRIER.into();
            s.shipping.webhook_secrets = vec!["rotated-out".into(), SECRET.into()];
        },
        |b| b,
    )
    .await
}

fn key() -> String {
    uuid::Uuid::now_v7().to_string()
}

async fn send(
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

async fn post(app: &TestApp, token: &str, path: &str, body: Value) -> reqwest::Response {
    send(app, reqwest::Method::POST, token, path, Some(body)).await
}

async fn get(app: &TestApp, token: &str, path: &str) -> Value {
    let resp = send(app, reqwest::Method::GET, token, path, None).await;
    assert_eq!(resp.status(), 200, "{path}");
    resp.json().await.unwrap()
}

/// A product with one variant at `price` (GST-inclusive, 5 %) weighing `grams`.
async fn variant(app: &TestApp, token: &str, sku: &str, price: i64, grams: i64) -> String {
    let resp = post(
        app,
        token,
        "/api/v1/catalog/products",
        json!({
            "name": format!("Item {sku}"),
            "hsn_code": "0902",
            "gst_rate_bp": 500,
            "status": "active",
            "options": [{"name": "Pack", "values": ["1"]}],
            "variants": [{"sku": sku, "price_minor": price, "weight_grams": grams, "options": {"Pack": "1"}}],
        }),
    )
    .await;
    assert_eq!(resp.status(), 201, "{}", resp.text().await.unwrap());
    let body: Value = resp.json().await.unwrap();
    body["variants"][0]["id"].as_str().unwrap().to_string()
}

async fn shop(app: &TestApp, token: &str) -> String {
    let body: Value = post(
        app,
        token,
        "/api/v1/inventory/locations",
        json!({"name": "Shop", "kind": "shop"}),
    )
    .await
    .json()
    .await
    .unwrap();
    body["id"].as_str().unwrap().to_string()
}

async fn stock(app: &TestApp, token: &str, variant: &str, location: &str, quantity: i64) {
    let resp = post(
        app,
        token,
        "/api/v1/inventory/adjustments",
        json!({"variant_id": variant, "location_id": location, "quantity": quantity, "reason": "opening stock"}),
    )
    .await;
    assert_eq!(resp.status(), 201, "{}", resp.text().await.unwrap());
}

fn address(state: &str, pincode: &str) -> Value {
    json!({"name": "Asha Rao", "phone": "+91 98450 12345", "line1": "12 MG Road",
           "city": "Bengaluru", "state_code": state, "pincode": pincode})
}

/// A guest cart with `lines` (variant, quantity); its token.
async fn cart(app: &TestApp, lines: &[(&str, i64)]) -> String {
    let mut token: Option<String> = None;
    for (v, q) in lines {
        let mut req = app
            .client
            .post(app.url("/api/v1/cart/lines"))
            .json(&json!({"variant_id": v, "quantity": q}));
        if let Some(t) = &token {
            req = req.header("x-cart-token", t);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());
        if token.is_none() {
            token = Some(resp.headers()["x-cart-token"].to_str().unwrap().to_string());
        }
    }
    token.unwrap()
}

async fn checkout(app: &TestApp, token: &str, body: Value) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/cart/checkout"))
        .header("x-cart-token", token)
        .header("Idempotency-Key", key())
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// Checks out a guest cart to Bengaluru 560001; the order's id.
async fn order(app: &TestApp, lines: &[(&str, i64)], cod: bool) -> String {
    let token = cart(app, lines).await;
    let mut body = json!({"email": "asha@example.in", "shipping_address": address("29", "560001")});
    if cod {
        body["payment_method"] = json!("cod");
    }
    let resp = checkout(app, &token, body).await;
    assert_eq!(resp.status(), 201, "{}", resp.text().await.unwrap());
    resp.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Polls `path` until `done` holds (events are applied by the outbox dispatcher).
async fn eventually(
    app: &TestApp,
    token: &str,
    path: &str,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let mut last = Value::Null;
    for _ in 0..200 {
        last = get(app, token, path).await;
        if done(&last) {
            return last;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("{path} never got there: {last}");
}

async fn pay(app: &TestApp, staff: &str, id: &str) {
    let order = get(app, staff, &format!("/api/v1/orders/{id}")).await;
    let total = order["totals"]["grand_total_minor"].as_i64().unwrap();
    let resp = post(
        app,
        staff,
        "/api/v1/payments/manual",
        json!({"order_id": id, "method": "manual", "amount_minor": total, "reference": "UTR-77"}),
    )
    .await;
    assert_eq!(resp.status(), 201, "{}", resp.text().await.unwrap());
    eventually(app, staff, &format!("/api/v1/orders/{id}"), |o| {
        o["status"] == "paid"
    })
    .await;
}

async fn ship(app: &TestApp, staff: &str, id: &str, lines: Value, awb: &str) -> Value {
    let resp = post(
        app,
        staff,
        "/api/v1/shipments",
        json!({"order_id": id, "lines": lines, "carrier": CARRIER, "tracking_number": awb,
               "package": {"weight_grams": 900, "length_cm": 30, "width_cm": 20, "height_cm": 10}}),
    )
    .await;
    assert_eq!(resp.status(), 201, "{}", resp.text().await.unwrap());
    resp.json().await.unwrap()
}

fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// Posts tracking events as the carrier would, signed with `secret`.
async fn webhook(app: &TestApp, secret: &str, events: Value) -> reqwest::Response {
    let body = serde_json::to_vec(&json!({ "events": events })).unwrap();
    app.client
        .post(app.url(&format!("/api/v1/shipping/carriers/{CARRIER}/webhook")))
        .header("content-type", "application/json")
        .header("X-Carrier-Signature", sign(secret, &body))
        .body(body)
        .send()
        .await
        .unwrap()
}

fn event(id: &str, awb: &str, status: &str, at: &str) -> Value {
    json!({"id": id, "tracking_number": awb, "status": status, "occurred_at": at,
           "location": "Bengaluru hub", "description": format!("{status} scan")})
}

/// The types of the outbox events about `order`, oldest first.
async fn events_of(app: &TestApp, admin: &str, order: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = "/api/v1/admin/outbox?limit=100".to_string();
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let page = get(app, admin, &path).await;
        for e in page["items"].as_array().unwrap() {
            if e["aggregate_id"] == order {
                out.push(e["event_type"].as_str().unwrap().to_string());
            }
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => return out,
        }
    }
}

fn statuses(order: &Value) -> Vec<String> {
    order["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["to_status"].as_str().unwrap().to_string())
        .collect()
}

/// Replaces the default all-India zone with a Karnataka PIN-prefix zone charging by
/// weight, so addresses elsewhere have no shipping.
async fn karnataka_only(app: &TestApp, admin: &str) {
    let zones = get(app, admin, "/api/v1/shipping/zones").await;
    for z in zones.as_array().unwrap() {
        let resp = send(
            app,
            reqwest::Method::DELETE,
            admin,
            &format!("/api/v1/shipping/zones/{}", z["id"].as_str().unwrap()),
            None,
        )
        .await;
        assert_eq!(resp.status(), 204);
    }
    let resp = post(
        app,
        admin,
        "/api/v1/shipping/zones",
        json!({
            "name": "Bengaluru",
            "area": {"states": ["29"], "pincodes": [{"prefix": "560"}]},
            "rates": [
                {"name": "Standard", "kind": "weight",
                 "slabs": [{"up_to_grams": 500, "amount_minor": 4000},
                           {"up_to_grams": 1000, "amount_minor": 6000},
                           {"up_to_grams": 2000, "amount_minor": 9000}],
                 "extra_per_kg_minor": 3000, "cod_surcharge_minor": 2500},
                {"name": "Express", "kind": "flat", "amount_minor": 15000, "cod_available": false}
            ]
        }),
    )
    .await;
    assert_eq!(resp.status(), 201, "{}", resp.text().await.unwrap());
}

#[actix_web::test]
async fn a_weight_slab_zone_prices_checkout_and_an_address_outside_every_zone_is_refused() {
    for_each_backend(|backend| async move {
        let app = spawn(&backend).await;
        let (_, admin) = with_role(&app, "admin@example.in", Role::Admin).await;
        let loc = shop(&app, &admin).await;
        // 400 g a pack, ₹200 each.
        let tea = variant(&app, &admin, "TEA-400", 20_000, 400).await;
        stock(&app, &admin, &tea, &loc, 20).await;
        karnataka_only(&app, &admin).await;

        // A bad zone is refused, naming the field.
        let resp = post(
            &app,
            &admin,
            "/api/v1/shipping/zones",
            json!({"name": "Bad", "area": {"pincodes": [{"from": "600100", "to": "600001"}]},
                   "rates": [{"name": "X", "kind": "weight", "slabs": []}]}),
        )
        .await;
        assert_eq!(resp.status(), 400);
        let body: Value = resp.json().await.unwrap();
        let fields: Vec<&str> = body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert!(fields.contains(&"area.pincodes[0].to"), "{fields:?}");
        assert!(fields.contains(&"rates[0].slabs"), "{fields:?}");

        // 3 packs = 1200 g: the ≤2000 g slab, ₹90. Express is a flat ₹150.
        let rates: Value = app
            .client
            .get(app.url(
                "/api/v1/shipping/rates?state_code=29&pincode=560034&weight_grams=1200&value_minor=60000",
            ))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(rates[0]["name"], "Standard");
        assert_eq!(rates[0]["amount_minor"], 9000);
        assert_eq!(rates[1]["amount_minor"], 15000);

        let token = cart(&app, &[(&tea, 3)]).await;
        let resp = checkout(
            &app,
            &token,
            json!({"email": "asha@example.in", "shipping_address": address("29", "560034")}),
        )
        .await;
        assert_eq!(resp.status(), 201, "{}", resp.text().await.unwrap());
        let id = resp.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string();
        let placed = get(&app, &admin, &format!("/api/v1/orders/{id}")).await;
        assert_eq!(placed["totals"]["shipping_minor"], 9000);
        // ₹600 of tea + ₹90 shipping, both GST-inclusive.
        assert_eq!(placed["totals"]["grand_total_minor"], 69_000);
        // Shipping (SAC 996812, 18 %, intra-state) with GST inside ₹90: each of CGST and
        // SGST is 9000 × 900 / 11800 = 686.44 → 686; the taxable value is the rest, 7628.
        assert_eq!(placed["shipping"]["sac"], "996812");
        assert_eq!(placed["shipping"]["tax"]["cgst_minor"], 686);
        assert_eq!(placed["shipping"]["tax"]["sgst_minor"], 686);
        assert_eq!(placed["shipping"]["tax"]["taxable_minor"], 7628);
        assert_eq!(placed["shipping"]["amount_minor"], 9000);

        // Cash on delivery: Express takes no COD, Standard adds ₹25.
        let token = cart(&app, &[(&tea, 3)]).await;
        let resp = checkout(
            &app,
            &token,
            json!({"email": "asha@example.in", "shipping_address": address("29", "560034"),
                   "payment_method": "cod"}),
        )
        .await;
        assert_eq!(resp.status(), 201, "{}", resp.text().await.unwrap());
        let cod = resp.json::<Value>().await.unwrap();
        assert_eq!(cod["status"], "confirmed");
        assert_eq!(cod["grand_total_minor"], 60_000 + 9_000 + 2_500);

        // Chennai 600001: no zone reaches it. Nothing is reserved, the cart stays open.
        let before = level(&app, &admin, &tea, &loc).await;
        let token = cart(&app, &[(&tea, 1)]).await;
        let resp = checkout(
            &app,
            &token,
            json!({"email": "asha@example.in", "shipping_address": address("33", "600001")}),
        )
        .await;
        assert_eq!(resp.status(), 400);
        assert!(
            resp.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/problem+json")
        );
        let problem: Value = resp.json().await.unwrap();
        assert_eq!(problem["errors"][0]["field"], "shipping_address.pincode");
        assert_eq!(problem["errors"][0]["message"], "no shipping to this address");
        assert_eq!(level(&app, &admin, &tea, &loc).await, before);
        let still: Value = app
            .client
            .get(app.url("/api/v1/cart"))
            .header("x-cart-token", &token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(still["status"], "open");
        // An unknown method is named as such.
        let resp = checkout(
            &app,
            &token,
            json!({"email": "asha@example.in", "shipping_address": address("29", "560034"),
                   "shipping_method": "nope"}),
        )
        .await;
        assert_eq!(resp.status(), 400);
        assert_eq!(
            resp.json::<Value>().await.unwrap()["errors"][0]["field"],
            "shipping_method"
        );
    })
    .await;
}

#[actix_web::test]
async fn three_lines_in_two_parcels_sell_their_stock_and_the_order_follows_the_tracking() {
    for_each_backend(|backend| async move {
        let app = spawn(&backend).await;
        let (_, admin) = with_role(&app, "admin@example.in", Role::Admin).await;
        let (_, staff) = with_role(&app, "staff@example.in", Role::Staff).await;
        let loc = shop(&app, &admin).await;
        let a = variant(&app, &admin, "A-1", 10_000, 200).await;
        let b = variant(&app, &admin, "B-1", 20_000, 300).await;
        let c = variant(&app, &admin, "C-1", 30_000, 100).await;
        for v in [&a, &b, &c] {
            stock(&app, &admin, v, &loc, 10).await;
        }
        let id = order(&app, &[(&a, 2), (&b, 3), (&c, 1)], false).await;
        // Unpaid orders do not ship.
        let resp = post(
            &app,
            &staff,
            "/api/v1/shipments",
            json!({"order_id": id, "lines": [{"line_no": 1, "quantity": 1}], "carrier": "manual", "tracking_number": "AWB0001"}),
        )
        .await;
        assert_eq!(resp.status(), 409);
        assert_eq!(resp.json::<Value>().await.unwrap()["errors"][0]["field"], "order_id");
        pay(&app, &staff, &id).await;
        assert_eq!(level(&app, &staff, &b, &loc).await, (10, 3));

        // Parcel 1: all of line 1 and 2 of line 2's 3 units (manual carrier).
        let first = post(
            &app,
            &staff,
            "/api/v1/shipments",
            json!({"order_id": id, "lines": [{"line_no": 1, "quantity": 2}, {"line_no": 2, "quantity": 2}],
                   "carrier": "manual", "tracking_number": "man-0001"}),
        )
        .await;
        assert_eq!(first.status(), 201, "{}", first.text().await.unwrap());
        let first: Value = first.json().await.unwrap();
        assert_eq!(first["number"].as_str().unwrap().rsplit('-').next(), Some("S1"));
        assert_eq!(first["tracking_number"], "MAN-0001");
        assert_eq!(level(&app, &staff, &a, &loc).await, (8, 0));
        assert_eq!(level(&app, &staff, &b, &loc).await, (8, 1));
        assert_eq!(level(&app, &staff, &c, &loc).await, (10, 1));
        let o = get(&app, &staff, &format!("/api/v1/orders/{id}")).await;
        assert_eq!(o["status"], "partially_shipped");
        // More than is left on a line is refused and changes nothing.
        let resp = post(
            &app,
            &staff,
            "/api/v1/shipments",
            json!({"order_id": id, "lines": [{"line_no": 3, "quantity": 1}, {"line_no": 2, "quantity": 2}],
                   "carrier": CARRIER, "tracking_number": "SF-999"}),
        )
        .await;
        assert_eq!(resp.status(), 409);
        assert_eq!(
            resp.json::<Value>().await.unwrap()["errors"][0]["field"],
            "lines[1].quantity"
        );
        assert_eq!(level(&app, &staff, &c, &loc).await, (10, 1));

        // Parcel 2: the rest, with the aggregator.
        let second = ship(
            &app,
            &staff,
            &id,
            json!([{"line_no": 2, "quantity": 1}, {"line_no": 3, "quantity": 1}]),
            "SF-1002",
        )
        .await;
        // 30×20×10 cm = 6000 cm³ / 5000 = 1.2 kg, more than the 900 g it weighs.
        assert_eq!(second["chargeable_grams"], 1200);
        assert_eq!(level(&app, &staff, &b, &loc).await, (7, 0));
        assert_eq!(level(&app, &staff, &c, &loc).await, (9, 0));
        let o = get(&app, &staff, &format!("/api/v1/orders/{id}")).await;
        assert_eq!(o["status"], "shipped");
        ledger_is_consistent(&app).await;

        // Parcel 1 delivered by hand: the order waits for parcel 2.
        let s1 = first["id"].as_str().unwrap();
        for status in ["picked_up", "in_transit", "delivered"] {
            let resp = post(
                &app,
                &staff,
                &format!("/api/v1/shipments/{s1}/events"),
                json!({"status": status, "location": "Bengaluru"}),
            )
            .await;
            assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());
        }
        let o = get(&app, &staff, &format!("/api/v1/orders/{id}")).await;
        assert_eq!(o["status"], "shipped");
        // Parcel 2 by the carrier's webhook.
        let resp = webhook(
            &app,
            SECRET,
            json!([
                event("e1", "SF-1002", "picked_up", "2026-11-25T06:00:00Z"),
                event("e2", "SF-1002", "in_transit", "2026-11-25T09:00:00Z"),
                event("e3", "SF-1002", "out_for_delivery", "2026-11-25T11:00:00Z"),
                event("e4", "SF-1002", "delivered", "2026-11-25T13:30:00Z"),
            ]),
        )
        .await;
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.json::<Value>().await.unwrap()["applied"], 4);
        let o = get(&app, &staff, &format!("/api/v1/orders/{id}")).await;
        assert_eq!(o["status"], "completed");
        let steps = statuses(&o);
        let tail: Vec<&str> = steps.iter().map(String::as_str).skip_while(|s| *s != "partially_shipped").collect();
        assert_eq!(tail, ["partially_shipped", "shipped", "delivered", "completed"]);
        let parcels = get(&app, &staff, &format!("/api/v1/shipments?order_id={id}")).await;
        assert_eq!(parcels[1]["status"], "delivered");
        assert_eq!(parcels[1]["timeline"].as_array().unwrap().len(), 5);
        ledger_is_consistent(&app).await;
        // The facts went out through the outbox: two parcels, seven tracking moves (three
        // by hand, four by webhook), one delivery of the order.
        let events = events_of(&app, &admin, &id).await;
        let count = |t: &str| events.iter().filter(|e| *e == t).count();
        assert_eq!(count("shipping.shipment_created"), 2);
        assert_eq!(count("shipping.shipment_status_changed"), 7);
        assert_eq!(count("shipping.order_delivered"), 1);

        // The packing slip lists the parcel's lines; the label carries the AWB as Code 128.
        let s2 = second["id"].as_str().unwrap();
        let slip = send(&app, reqwest::Method::GET, &staff, &format!("/api/v1/shipments/{s2}/packing-slip"), None)
            .await
            .text()
            .await
            .unwrap();
        assert!(slip.contains("B-1") && slip.contains("C-1") && !slip.contains("A-1"));
        let label = send(&app, reqwest::Method::GET, &staff, &format!("/api/v1/shipments/{s2}/label"), None).await;
        assert_eq!(label.status(), 200);
        let label = label.text().await.unwrap();
        assert!(label.contains("<svg") && label.contains("SF-1002"));
        let bars = kirana::documents::code128::modules("SF-1002").unwrap();
        assert!(bars.iter().any(|b| *b));
    })
    .await;
}

#[actix_web::test]
async fn carrier_webhooks_are_verified_replays_are_no_ops_and_late_events_do_not_move_back() {
    for_each_backend(|backend| async move {
        let app = spawn(&backend).await;
        let (_, admin) = with_role(&app, "admin@example.in", Role::Admin).await;
        let loc = shop(&app, &admin).await;
        let a = variant(&app, &admin, "A-1", 10_000, 200).await;
        stock(&app, &admin, &a, &loc, 5).await;
        let id = order(&app, &[(&a, 1)], false).await;
        pay(&app, &admin, &id).await;
        let s = ship(
            &app,
            &admin,
            &id,
            json!([{"line_no": 1, "quantity": 1}]),
            "SF-2001",
        )
        .await;
        let path = format!("/api/v1/shipments/{}", s["id"].as_str().unwrap());

        // A forged signature: 400, nothing recorded.
        let resp = webhook(
            &app,
            "not-the-secret",
            json!([event("f1", "SF-2001", "delivered", "2026-11-25T10:00:00Z")]),
        )
        .await;
        assert_eq!(resp.status(), 400);
        let problem: Value = resp.json().await.unwrap();
        assert_eq!(problem["errors"][0]["field"], "X-Carrier-Signature");
        let now = get(&app, &admin, &path).await;
        assert_eq!(now["status"], "label_created");
        assert_eq!(now["timeline"].as_array().unwrap().len(), 1);
        // Unsigned: refused too.
        let resp = app
            .client
            .post(app.url(&format!("/api/v1/shipping/carriers/{CARRIER}/webhook")))
            .json(&json!({"events": []}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 400);

        // Signed with the older of two current secrets: accepted.
        let batch = json!([event("g1", "SF-2001", "in_transit", "2026-11-25T09:00:00Z")]);
        let resp = webhook(&app, "rotated-out", batch.clone()).await;
        assert_eq!(resp.json::<Value>().await.unwrap()["applied"], 1);
        // The same event again: a no-op.
        let resp = webhook(&app, SECRET, batch).await;
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.json::<Value>().await.unwrap()["applied"], 0);
        assert_eq!(
            get(&app, &admin, &path).await["timeline"]
                .as_array()
                .unwrap()
                .len(),
            2
        );

        // Out of order: out-for-delivery (11:00) arrives, then a late picked-up (07:00).
        webhook(
            &app,
            SECRET,
            json!([event(
                "g3",
                "SF-2001",
                "out_for_delivery",
                "2026-11-25T11:00:00Z"
            )]),
        )
        .await;
        webhook(
            &app,
            SECRET,
            json!([event("g2", "SF-2001", "picked_up", "2026-11-25T07:00:00Z")]),
        )
        .await;
        let now = get(&app, &admin, &path).await;
        assert_eq!(now["status"], "out_for_delivery");
        let order_of: Vec<&str> = now["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["status"].as_str().unwrap())
            .collect();
        // The timeline reads in the carrier's time order (label first: created now, after
        // these 2026-11-25 morning scans only if the clock says so; compare the scans).
        let scans: Vec<&str> = order_of
            .iter()
            .copied()
            .filter(|s| *s != "label_created")
            .collect();
        assert_eq!(scans, ["picked_up", "in_transit", "out_for_delivery"]);
        // Delivered, then a stale in-transit scan: delivered stays, the order completes once.
        webhook(
            &app,
            SECRET,
            json!([event("g5", "SF-2001", "delivered", "2026-11-25T12:00:00Z")]),
        )
        .await;
        webhook(
            &app,
            SECRET,
            json!([event("g4", "SF-2001", "in_transit", "2026-11-25T11:30:00Z")]),
        )
        .await;
        assert_eq!(get(&app, &admin, &path).await["status"], "delivered");
        let o = get(&app, &admin, &format!("/api/v1/orders/{id}")).await;
        assert_eq!(o["status"], "completed");
        assert_eq!(statuses(&o).iter().filter(|s| *s == "delivered").count(), 1);
        // A tracking number no shipment has is ignored, not an error.
        let resp = webhook(
            &app,
            SECRET,
            json!([event("x1", "SF-0000", "delivered", "2026-11-25T12:00:00Z")]),
        )
        .await;
        assert_eq!(resp.json::<Value>().await.unwrap()["applied"], 0);
    })
    .await;
}

#[actix_web::test]
async fn cash_on_delivery_is_invoiced_at_dispatch_paid_at_delivery_and_credited_when_it_comes_back()
{
    for_each_backend(|backend| async move {
        let app = spawn(&backend).await;
        let (_, admin) = with_role(&app, "admin@example.in", Role::Admin).await;
        let loc = shop(&app, &admin).await;
        let a = variant(&app, &admin, "A-1", 10_000, 200).await;
        stock(&app, &admin, &a, &loc, 10).await;

        let id = order(&app, &[(&a, 2)], true).await;
        let o = get(&app, &admin, &format!("/api/v1/orders/{id}")).await;
        assert_eq!(o["status"], "confirmed");
        assert!(o["invoices"].as_array().unwrap().is_empty());
        let total = o["totals"]["grand_total_minor"].as_i64().unwrap();
        // ₹200 of goods + ₹49 shipping (the default zone, not free below ₹499).
        assert_eq!(total, 20_000 + 4_900);
        let s = ship(
            &app,
            &admin,
            &id,
            json!([{"line_no": 1, "quantity": 2}]),
            "SF-3001",
        )
        .await;
        assert_eq!(s["cash_to_collect_minor"], total);
        let o = get(&app, &admin, &format!("/api/v1/orders/{id}")).await;
        assert_eq!(o["status"], "shipped");
        assert_eq!(
            o["invoices"].as_array().unwrap().len(),
            1,
            "invoiced when it left"
        );
        assert_eq!(o["invoices"][0]["kind"], "invoice");
        assert!(o["payments"].as_array().unwrap().is_empty());
        let label = send(
            &app,
            reqwest::Method::GET,
            &admin,
            &format!("/api/v1/shipments/{}/label", s["id"].as_str().unwrap()),
            None,
        )
        .await
        .text()
        .await
        .unwrap();
        assert!(
            label.contains("249.00"),
            "the label asks the courier to collect ₹249"
        );

        webhook(
            &app,
            SECRET,
            json!([event("c1", "SF-3001", "delivered", "2026-11-25T12:00:00Z")]),
        )
        .await;
        let o = eventually(&app, &admin, &format!("/api/v1/orders/{id}"), |o| {
            !o["payments"].as_array().unwrap().is_empty()
        })
        .await;
        assert_eq!(o["status"], "completed");
        assert_eq!(o["payments"][0]["method"], "cod");
        assert_eq!(o["payments"][0]["amount_minor"], total);
        let payments = get(&app, &admin, &format!("/api/v1/payments?order_id={id}")).await;
        assert_eq!(payments.as_array().unwrap().len(), 1);
        assert_eq!(payments[0]["status"], "captured");
        assert_eq!(payments[0]["reference"], "SF-3001");

        // Another COD order comes back undelivered: stock returns through the ledger, the
        // invoice is reversed by a credit note, the order is cancelled, no cash recorded.
        let id = order(&app, &[(&a, 3)], true).await;
        assert_eq!(level(&app, &admin, &a, &loc).await, (8, 3));
        ship(
            &app,
            &admin,
            &id,
            json!([{"line_no": 1, "quantity": 3}]),
            "SF-3002",
        )
        .await;
        assert_eq!(level(&app, &admin, &a, &loc).await, (5, 0));
        let resp = webhook(
            &app,
            SECRET,
            json!([
                event("c2", "SF-3002", "delivery_failed", "2026-11-25T12:00:00Z"),
                event(
                    "c3",
                    "SF-3002",
                    "returned_to_origin",
                    "2026-11-27T12:00:00Z"
                )
            ]),
        )
        .await;
        assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());
        assert_eq!(level(&app, &admin, &a, &loc).await, (8, 0));
        let o = get(&app, &admin, &format!("/api/v1/orders/{id}")).await;
        assert_eq!(o["status"], "cancelled");
        let invoices = o["invoices"].as_array().unwrap();
        assert_eq!(invoices.len(), 2);
        assert_eq!(invoices[1]["kind"], "credit_note");
        assert_eq!(
            invoices[1]["grand_total_minor"],
            invoices[0]["grand_total_minor"]
        );
        assert!(o["payments"].as_array().unwrap().is_empty());
        let moves = get(
            &app,
            &admin,
            &format!("/api/v1/inventory/movements?variant_id={a}"),
        )
        .await;
        let text = moves.to_string();
        assert!(text.contains("\"return\""), "{text}");
        ledger_is_consistent(&app).await;
    })
    .await;
}

#[actix_web::test]
async fn public_tracking_needs_the_order_number_with_its_pin_code_or_email() {
    for_each_backend(|backend| async move {
        let app = spawn(&backend).await;
        let (_, admin) = with_role(&app, "admin@example.in", Role::Admin).await;
        let loc = shop(&app, &admin).await;
        let a = variant(&app, &admin, "A-1", 10_000, 200).await;
        stock(&app, &admin, &a, &loc, 5).await;
        let id = order(&app, &[(&a, 1)], false).await;
        pay(&app, &admin, &id).await;
        ship(
            &app,
            &admin,
            &id,
            json!([{"line_no": 1, "quantity": 1}]),
            "SF-4001",
        )
        .await;
        webhook(
            &app,
            SECRET,
            json!([event("t1", "SF-4001", "in_transit", "2026-11-25T09:00:00Z")]),
        )
        .await;
        let number = get(&app, &admin, &format!("/api/v1/orders/{id}")).await["number"]
            .as_str()
            .unwrap()
            .to_string();

        let track = |q: String| {
            let app = &app;
            async move {
                app.client
                    .get(app.url(&format!("/api/v1/track?{q}")))
                    .send()
                    .await
                    .unwrap()
            }
        };
        let resp = track(format!("order={number}&pincode=560001")).await;
        assert_eq!(resp.status(), 200);
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["order_number"], number.as_str());
        assert_eq!(body["parcels"][0]["tracking_number"], "SF-4001");
        assert_eq!(body["parcels"][0]["status"], "in_transit");
        let steps: Vec<&str> = body["parcels"][0]["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["status"].as_str().unwrap())
            .collect();
        assert!(steps.contains(&"label_created") && steps.contains(&"in_transit"));
        // Nothing else about the order.
        let keys: Vec<&String> = body.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["order_number", "parcels"]);
        assert!(!body.to_string().contains("Asha") && !body.to_string().contains("MG Road"));
        // The e-mail works too, in any case.
        assert_eq!(
            track(format!("order={number}&email=ASHA@example.in"))
                .await
                .status(),
            200
        );
        // A wrong pair is a 404 that says no more.
        for q in [
            format!("order={number}&pincode=560002"),
            format!("order={number}&email=someone@example.in"),
            "order=KR-999999&pincode=560001".to_string(),
        ] {
            assert_eq!(track(q).await.status(), 404);
        }
        // Without PIN code or e-mail: a 400 naming what is missing.
        let resp = track(format!("order={number}")).await;
        assert_eq!(resp.status(), 400);
        assert_eq!(
            resp.json::<Value>().await.unwrap()["errors"][0]["field"],
            "pincode"
        );
    })
    .await;
}

#[actix_web::test]
async fn public_tracking_is_rate_limited_like_logins() {
    let app = TestApp::start(
        TestDb::new(&Backend::Sqlite),
        |s| s.rate_limit.auth_per_ip_per_minute = 5,
        |b| b,
    )
    .await;
    let mut codes = Vec::new();
    for _ in 0..7 {
        let resp = app
            .client
            .get(app.url("/api/v1/track?order=KR-000001&pincode=560001"))
            .send()
            .await
            .unwrap();
        codes.push(resp.status().as_u16());
    }
    assert_eq!(codes[..5], [404; 5]);
    assert_eq!(codes[5..], [429, 429]);
}
