//! Carts, checkout, orders, the POS, returns and GST invoices end to end: guest carts
//! merged at login, GST split for intra- and inter-state addresses against hand-computed
//! figures, no overselling under 100 concurrent checkouts, one order per idempotency key,
//! discount limits under concurrency, the counter from float to Z-report, cancellation,
//! returns with credit notes, gap-free invoice numbers and the PDF.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;

use common::{
    Backend, PASSWORD, TestApp, TestDb, for_each_backend, ledger_is_consistent, level, login,
    register, with_role,
};
use kirana::contracts::auth::Role;
use serde_json::{Value, json};

async fn spawn(backend: &Backend) -> TestApp {
    TestApp::start(
        TestDb::new(backend),
        |s| {
            s.rate_limit.per_ip_per_minute = 1_000_000;
            s.rate_limit.writes_per_user_per_minute = 1_000_000;
            s.store.gstin = "29AAACK1234M1Z7".into();
            s.store.state_code = "29".into();
        },
        |b| b,
    )
    .await
}

fn key() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// A product with one variant at `price` (GST-inclusive) and `rate_bp`; its variant id.
async fn variant(
    app: &TestApp,
    token: &str,
    sku: &str,
    barcode: Option<&str>,
    price: i64,
    rate_bp: i32,
) -> String {
    let mut v = json!({"sku": sku, "price_minor": price, "options": {"Pack": "1"}});
    if let Some(b) = barcode {
        v["barcode"] = json!(b);
    }
    let resp = app
        .client
        .post(app.url("/api/v1/catalog/products"))
        .bearer_auth(token)
        .json(&json!({
            "name": format!("Item {sku}"),
            "hsn_code": "1006",
            "gst_rate_bp": rate_bp,
            "status": "active",
            "options": [{"name": "Pack", "values": ["1"]}],
            "variants": [v],
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201, "{}", resp.text().await.unwrap());
    let body: Value = resp.json().await.unwrap();
    body["variants"][0]["id"].as_str().unwrap().to_string()
}

async fn location(app: &TestApp, token: &str, name: &str) -> String {
    let body: Value = app
        .client
        .post(app.url("/api/v1/inventory/locations"))
        .bearer_auth(token)
        .json(&json!({"name": name, "kind": "shop"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["id"].as_str().unwrap().to_string()
}

async fn stock(app: &TestApp, token: &str, variant: &str, location: &str, quantity: i64) {
    let resp = app
        .client
        .post(app.url("/api/v1/inventory/adjustments"))
        .bearer_auth(token)
        .header("Idempotency-Key", key())
        .json(&json!({"variant_id": variant, "location_id": location, "quantity": quantity, "reason": "opening stock"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201, "{}", resp.text().await.unwrap());
}

fn address(state: &str) -> Value {
    json!({"name": "Asha Rao", "phone": "+91 98450 12345", "line1": "12 MG Road",
           "city": "Bengaluru", "state_code": state, "pincode": "560001"})
}

/// A guest cart holding `quantity` of `variant`; its token.
async fn guest_cart(app: &TestApp, variant: &str, quantity: i64) -> String {
    let resp = app
        .client
        .post(app.url("/api/v1/cart/lines"))
        .json(&json!({"variant_id": variant, "quantity": quantity}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());
    resp.headers()["x-cart-token"].to_str().unwrap().to_string()
}

async fn checkout(app: &TestApp, token: &str, idem: &str, state: &str) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/cart/checkout"))
        .header("x-cart-token", token)
        .header("Idempotency-Key", idem)
        .json(&json!({"email": "asha@example.in", "shipping_address": address(state)}))
        .send()
        .await
        .unwrap()
}

async fn get(app: &TestApp, token: &str, path: &str) -> Value {
    let resp = app
        .client
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "{path}");
    resp.json().await.unwrap()
}

/// Records a payment taken by hand (`POST /api/v1/payments/manual`) and, when it was
/// accepted, waits until the order took it (it learns of it from `PaymentCaptured`).
async fn pay_by_hand(
    app: &TestApp,
    token: &str,
    order: &str,
    method: &str,
    amount: i64,
    reference: Option<&str>,
) -> reqwest::Response {
    let resp = app
        .client
        .post(app.url("/api/v1/payments/manual"))
        .bearer_auth(token)
        .header("Idempotency-Key", key())
        .json(&json!({"order_id": order, "method": method, "amount_minor": amount, "reference": reference}))
        .send()
        .await
        .unwrap();
    if resp.status() == 201 {
        for _ in 0..200 {
            let o = get(app, token, &format!("/api/v1/orders/{order}")).await;
            if !o["payments"].as_array().unwrap().is_empty() {
                return resp;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        panic!("order {order} never took its payment");
    }
    resp
}

async fn post(app: &TestApp, token: &str, path: &str, body: Value) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .bearer_auth(token)
        .header("Idempotency-Key", key())
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// A signed-in customer's order of `qty` units; its id.
async fn customer_order(app: &TestApp, customer: &str, v: &str, qty: i64) -> String {
    let resp = app
        .client
        .post(app.url("/api/v1/cart/lines"))
        .bearer_auth(customer)
        .json(&json!({"variant_id": v, "quantity": qty}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let resp = app
        .client
        .post(app.url("/api/v1/cart/checkout"))
        .bearer_auth(customer)
        .header("Idempotency-Key", key())
        .json(&json!({"shipping_address": address("29")}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201, "{}", resp.text().await.unwrap());
    resp.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

fn field(body: &Value) -> String {
    body["errors"][0]["field"]
        .as_str()
        .unwrap_or("")
        .to_string()
}

#[actix_web::test]
async fn guest_cart_merges_at_login_and_checkout_splits_gst_by_place_of_supply() {
    for_each_backend(|backend| async move {
        let app = spawn(&backend).await;
        let (_, staff) = with_role(&app, "staff@shop.in", Role::Staff).await;
        let shop = location(&app, &staff, "Main").await;
        // ₹1,180.00 at 18 % and ₹99.99 at 5 %, prices including GST.
        let a = variant(&app, &staff, "RICE-5", None, 118_000, 1800).await;
        let c = variant(&app, &staff, "TEA-250", None, 9_999, 500).await;
        stock(&app, &staff, &a, &shop, 20).await;
        stock(&app, &staff, &c, &shop, 20).await;

        // A browser with a cookie jar adds as a guest, then logs in.
        let browser = reqwest::Client::builder().cookie_store(true).build().unwrap();
        let resp = browser
            .post(app.url("/api/v1/cart/lines"))
            .json(&json!({"variant_id": a, "quantity": 1}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        assert!(resp.headers().get("set-cookie").unwrap().to_str().unwrap().starts_with("kirana_cart="));
        assert_eq!(register(&app, "asha@example.in", PASSWORD).await.status(), 201);
        let me: Value = login(&app, "asha@example.in", PASSWORD).await.json().await.unwrap();
        let bearer = me["access_token"].as_str().unwrap().to_string();
        // The customer already had a cart with the tea in it.
        let resp = app
            .client
            .post(app.url("/api/v1/cart/lines"))
            .bearer_auth(&bearer)
            .json(&json!({"variant_id": c, "quantity": 1}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        let cart: Value = browser
            .get(app.url("/api/v1/cart"))
            .bearer_auth(&bearer)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let skus: BTreeSet<&str> = cart["lines"].as_array().unwrap().iter().map(|l| l["sku"].as_str().unwrap()).collect();
        assert_eq!(skus, BTreeSet::from(["RICE-5", "TEA-250"]), "guest cart merged: {cart}");

        // Intra-state (Karnataka, the store's state): CGST + SGST.
        // Rice: 118000 × 900 / 11800 = 9000 each half, taxable 100000.
        // Tea: 9999 × 250 / 10500 = 238.07 → 238 each half, taxable 9523.
        // Goods 127999 ≥ 49900: free shipping.
        let resp = browser
            .post(app.url("/api/v1/cart/checkout"))
            .bearer_auth(&bearer)
            .header("Idempotency-Key", key())
            .json(&json!({"shipping_address": address("29")}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 201, "{}", resp.text().await.unwrap());
        let placed: Value = resp.json().await.unwrap();
        assert_eq!(placed["status"], "pending_payment");
        assert!(placed["number"].as_str().unwrap().starts_with("KR-0000"));
        let order = get(&app, &bearer, &format!("/api/v1/orders/{}", placed["id"].as_str().unwrap())).await;
        let lines = order["lines"].as_array().unwrap();
        let rice = lines.iter().find(|l| l["sku"] == "RICE-5").unwrap();
        let tea = lines.iter().find(|l| l["sku"] == "TEA-250").unwrap();
        assert_eq!((rice["cgst_minor"].as_i64(), rice["sgst_minor"].as_i64(), rice["igst_minor"].as_i64()), (Some(9000), Some(9000), Some(0)));
        assert_eq!(rice["taxable_minor"], 100_000);
        assert_eq!((tea["cgst_minor"].as_i64(), tea["sgst_minor"].as_i64()), (Some(238), Some(238)));
        assert_eq!(tea["taxable_minor"], 9_523);
        assert_eq!(order["totals"]["grand_total_minor"], 127_999);
        assert_eq!(order["totals"]["tax_minor"], 18_476);
        assert_eq!(order["totals"]["shipping_minor"], 0);
        assert_eq!(order["supply"], "intra_state");

        // Inter-state (Maharashtra), a guest with one tea: IGST 9999 × 500 / 10500 = 476;
        // goods under ₹499: ₹49 shipping incl. 18 % IGST = 4900 × 1800 / 11800 = 747.46 → 747.
        let token = guest_cart(&app, &c, 1).await;
        let resp = checkout(&app, &token, &key(), "27").await;
        assert_eq!(resp.status(), 201);
        let placed: Value = resp.json().await.unwrap();
        let order = get(&app, &staff, &format!("/api/v1/orders/{}", placed["id"].as_str().unwrap())).await;
        let tea = &order["lines"][0];
        assert_eq!((tea["cgst_minor"].as_i64(), tea["igst_minor"].as_i64(), tea["taxable_minor"].as_i64()), (Some(0), Some(476), Some(9523)));
        assert_eq!(order["shipping"]["tax"]["igst_minor"], 747);
        assert_eq!(order["totals"]["shipping_minor"], 4_900);
        assert_eq!(order["totals"]["grand_total_minor"], 9_999 + 4_900);
        assert_eq!(order["totals"]["tax_minor"], 476 + 747);
        assert_eq!(order["supply"], "inter_state");
        assert_eq!(order["place_of_supply"], "27");

        // Another customer never sees it; a bad address changes nothing and names fields.
        let (_, other) = with_role(&app, "other@example.in", Role::Customer).await;
        let resp = app.client.get(app.url(&format!("/api/v1/orders/{}", placed["id"].as_str().unwrap()))).bearer_auth(&other).send().await.unwrap();
        assert_eq!(resp.status(), 404);
        let token = guest_cart(&app, &c, 1).await;
        let resp = app.client.post(app.url("/api/v1/cart/checkout")).header("x-cart-token", &token)
            .json(&json!({"email": "x@example.in", "shipping_address": {"name": "A", "phone": "9845012345", "line1": "1", "city": "B", "state_code": "99", "pincode": "56001"}}))
            .send().await.unwrap();
        assert_eq!(resp.status(), 400);
        let body: Value = resp.json().await.unwrap();
        let fields: Vec<&str> = body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert_eq!(fields, vec!["shipping_address.state_code", "shipping_address.pincode"]);
        assert_eq!(level(&app, &staff, &c, &shop).await, (20, 2));
        ledger_is_consistent(&app).await;
    })
    .await;
}

#[actix_web::test]
async fn a_hundred_checkouts_for_ten_units_sell_ten_and_one_key_makes_one_order() {
    for_each_backend(|backend| async move {
        let app = spawn(&backend).await;
        let (_, staff) = with_role(&app, "staff@shop.in", Role::Staff).await;
        let shop = location(&app, &staff, "Main").await;
        let v = variant(&app, &staff, "GHEE-1", None, 65_000, 1200).await;
        stock(&app, &staff, &v, &shop, 10).await;
        let mut tokens = Vec::new();
        for _ in 0..100 {
            tokens.push(guest_cart(&app, &v, 1).await);
        }
        let runs = tokens.iter().map(|t| {
            let app = &app;
            async move {
                let resp = checkout(app, t, &key(), "29").await;
                let status = resp.status().as_u16();
                (status, resp.json::<Value>().await.unwrap())
            }
        });
        let results = futures_util::future::join_all(runs).await;
        let ok = results.iter().filter(|(s, _)| *s == 201).count();
        let refused: Vec<&Value> = results
            .iter()
            .filter(|(s, _)| *s == 409)
            .map(|(_, b)| b)
            .collect();
        assert_eq!(
            ok,
            10,
            "{:?}",
            results.iter().map(|r| r.0).collect::<Vec<_>>()
        );
        assert_eq!(refused.len(), 90);
        assert!(refused.iter().all(|b| field(b) == "lines[0].quantity"));
        let numbers: BTreeSet<String> = results
            .iter()
            .filter(|(s, _)| *s == 201)
            .map(|(_, b)| b["number"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(numbers.len(), 10, "order numbers are unique");
        assert_eq!(level(&app, &staff, &v, &shop).await, (10, 10));
        ledger_is_consistent(&app).await;

        // 20 concurrent retries of one checkout with one key: one order.
        stock(&app, &staff, &v, &shop, 5).await;
        let token = guest_cart(&app, &v, 1).await;
        let idem = key();
        let runs = (0..20).map(|_| {
            let (app, token, idem) = (&app, token.clone(), idem.clone());
            async move {
                let resp = checkout(app, &token, &idem, "29").await;
                let status = resp.status().as_u16();
                (status, resp.json::<Value>().await.unwrap())
            }
        });
        let results = futures_util::future::join_all(runs).await;
        let ids: BTreeSet<String> = results
            .iter()
            .filter(|(s, _)| *s < 300)
            .map(|(_, b)| b["id"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(ids.len(), 1, "{results:?}");
        assert!(
            results.iter().all(|(s, _)| *s < 300 || *s == 409),
            "{results:?}"
        );
        let all = get(&app, &staff, "/api/v1/orders?limit=100").await;
        assert_eq!(all["items"].as_array().unwrap().len(), 11);
        assert_eq!(level(&app, &staff, &v, &shop).await, (15, 11));
        ledger_is_consistent(&app).await;
    })
    .await;
}

#[actix_web::test]
async fn a_discount_codes_terms_change_and_a_code_switched_off_is_refused() {
    for_each_backend(|backend| async move {
        let app = spawn(&backend).await;
        let (_, staff) = with_role(&app, "staff@shop.in", Role::Staff).await;
        let shop = location(&app, &staff, "Main").await;
        let v = variant(&app, &staff, "GHEE-1", None, 50_000, 1200).await;
        stock(&app, &staff, &v, &shop, 10).await;
        let created = post(
            &app,
            &staff,
            "/api/v1/discounts",
            json!({"code": "ghee50", "kind": "fixed", "value": 5_000}),
        )
        .await;
        assert_eq!(created.status(), 201);
        let apply = |token: String| {
            let app = &app;
            async move {
                app.client
                    .put(app.url("/api/v1/cart/discount"))
                    .header("x-cart-token", token)
                    .json(&json!({"code": "GHEE50"}))
                    .send()
                    .await
                    .unwrap()
            }
        };
        let cart: Value = apply(guest_cart(&app, &v, 1).await)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(cart["totals"]["discount_minor"], 5_000);
        let put = |body: Value| {
            let app = &app;
            let staff = staff.clone();
            async move {
                app.client
                    .put(app.url("/api/v1/discounts/ghee50"))
                    .bearer_auth(staff)
                    .json(&body)
                    .send()
                    .await
                    .unwrap()
            }
        };
        // 12.5 % instead of ₹50, for orders of ₹400 or more: ₹62.50 off ₹500.
        let changed = put(
            json!({"kind": "percent", "value": 1250, "min_order_minor": 40_000, "active": true}),
        )
        .await;
        assert_eq!(changed.status(), 200);
        let view: Value = changed.json().await.unwrap();
        assert_eq!(
            (
                view["code"].as_str(),
                view["value"].as_i64(),
                view["used_count"].as_i64()
            ),
            (Some("GHEE50"), Some(1250), Some(0))
        );
        let cart: Value = apply(guest_cart(&app, &v, 1).await)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(cart["totals"]["discount_minor"], 50_000 * 1250 / 10_000);
        // Bad terms name their fields and change nothing.
        let bad =
            put(json!({"kind": "percent", "value": 20_000, "active": true, "max_uses": 0})).await;
        assert_eq!(bad.status(), 400);
        let problem: Value = bad.json().await.unwrap();
        let mut named: Vec<&str> = problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        named.sort();
        assert_eq!(named, vec!["max_uses", "value"]);
        assert_eq!(
            get(&app, &staff, "/api/v1/discounts/GHEE50").await["value"],
            1250
        );
        // Switched off: the cart takes no discount and says why.
        assert_eq!(
            put(json!({"kind": "percent", "value": 1250, "active": false}))
                .await
                .status(),
            200
        );
        let off: Value = apply(guest_cart(&app, &v, 1).await)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(off["totals"]["discount_minor"], 0);
        assert_eq!(off["discount_problem"], "is not active");
        // An unknown code is a 404.
        let unknown = app
            .client
            .put(app.url("/api/v1/discounts/NOPE"))
            .bearer_auth(&staff)
            .json(&json!({"kind": "fixed", "value": 100, "active": true}))
            .send()
            .await
            .unwrap();
        assert_eq!(unknown.status(), 404);
    })
    .await;
}

#[actix_web::test]
async fn a_discount_code_for_five_uses_is_used_five_times_by_thirty_checkouts() {
    for_each_backend(|backend| async move {
        let app = spawn(&backend).await;
        let (_, staff) = with_role(&app, "staff@shop.in", Role::Staff).await;
        let shop = location(&app, &staff, "Main").await;
        let v = variant(&app, &staff, "OIL-1", None, 20_000, 500).await;
        stock(&app, &staff, &v, &shop, 1000).await;
        let resp = app
            .client
            .post(app.url("/api/v1/discounts"))
            .bearer_auth(&staff)
            .json(&json!({"code": "diwali10", "kind": "percent", "value": 1000, "max_uses": 5}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 201);
        let mut tokens = Vec::new();
        for _ in 0..30 {
            let t = guest_cart(&app, &v, 1).await;
            let cart: Value = app
                .client
                .put(app.url("/api/v1/cart/discount"))
                .header("x-cart-token", &t)
                .json(&json!({"code": "DIWALI10"}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            // 10 % of ₹200 = ₹20 off, shown before checkout; the use is taken at checkout.
            assert_eq!(cart["totals"]["discount_minor"], 2_000);
            tokens.push(t);
        }
        let runs = tokens.iter().map(|t| {
            let app = &app;
            async move {
                let resp = checkout(app, t, &key(), "29").await;
                let status = resp.status().as_u16();
                (status, resp.json::<Value>().await.unwrap())
            }
        });
        let results = futures_util::future::join_all(runs).await;
        assert_eq!(results.iter().filter(|(s, _)| *s == 201).count(), 5);
        let refused: Vec<&Value> = results
            .iter()
            .filter(|(s, _)| *s == 409)
            .map(|(_, b)| b)
            .collect();
        assert_eq!(refused.len(), 25);
        assert!(
            refused.iter().all(|b| field(b) == "discount_code"),
            "{refused:?}"
        );
        let code = get(&app, &staff, "/api/v1/discounts/DIWALI10").await;
        assert_eq!(code["used_count"], 5);

        // A cancelled order gives its use back (through the outbox), and one of the
        // refused carts, still open, can then use it.
        let (winner_index, _) = results
            .iter()
            .enumerate()
            .find(|(_, (s, _))| *s == 201)
            .unwrap();
        let winner = results[winner_index].1["id"].as_str().unwrap().to_string();
        let resp = post(
            &app,
            &staff,
            &format!("/api/v1/orders/{winner}/cancel"),
            json!({}),
        )
        .await;
        assert_eq!(resp.status(), 200);
        let mut used = 5;
        for _ in 0..100 {
            used = get(&app, &staff, "/api/v1/discounts/DIWALI10").await["used_count"]
                .as_i64()
                .unwrap();
            if used == 4 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert_eq!(used, 4, "the cancelled order's use came back");
        let (loser_index, _) = results
            .iter()
            .enumerate()
            .find(|(_, (s, _))| *s == 409)
            .unwrap();
        let resp = checkout(&app, &tokens[loser_index], &key(), "29").await;
        assert_eq!(resp.status(), 201);
        let code = get(&app, &staff, "/api/v1/discounts/DIWALI10").await;
        assert_eq!(code["used_count"], 5);
        // Refused checkouts left their carts open and their stock free: 5 reserved, one of
        // them released by the cancellation and one taken again.
        assert_eq!(level(&app, &staff, &v, &shop).await, (1000, 5));
        ledger_is_consistent(&app).await;
    })
    .await;
}

#[actix_web::test]
async fn a_device_sends_sales_whole_stored_once_and_offline_shortfalls_flagged() {
    for_each_backend(|backend| async move {
        let app = spawn(&backend).await;
        let (_, staff) = with_role(&app, "till@shop.in", Role::Staff).await;
        let shop = location(&app, &staff, "Front counter").await;
        let a = variant(&app, &staff, "OIL-1", Some("8901234567890"), 118_000, 1800).await;
        let b = variant(&app, &staff, "SALT-1", None, 10_500, 500).await;
        stock(&app, &staff, &a, &shop, 5).await;
        stock(&app, &staff, &b, &shop, 1).await;
        let register: Value = post(&app, &staff, "/api/v1/pos/registers", json!({"name": "Till A", "location_id": shop})).await.json().await.unwrap();
        let rid = register["id"].as_str().unwrap();
        let session: Value = post(&app, &staff, &format!("/api/v1/pos/registers/{rid}/sessions"), json!({"opening_float_minor": 100_000})).await.json().await.unwrap();
        let sid = session["id"].as_str().unwrap().to_string();
        // The till resumes its open session from the register list.
        let registers = get(&app, &staff, "/api/v1/pos/registers").await;
        let listed = registers.as_array().unwrap().iter().find(|r| r["id"] == rid).unwrap();
        assert_eq!(listed["open_session_id"], sid.as_str());

        // The device's copy of the catalog: barcode, walk-in price and rate.
        let catalog = get(&app, &staff, "/api/v1/pos/catalog").await;
        let item = catalog["items"].as_array().unwrap().iter().find(|i| i["variant_id"] == a.as_str()).unwrap();
        assert_eq!((item["barcode"].as_str(), item["unit_price_minor"].as_i64(), item["rate_bp"].as_i64()), (Some("8901234567890"), Some(118_000), Some(1800)));

        // A customer made at the counter and found again by phone in another form.
        let made = post(&app, &staff, "/api/v1/pos/customers", json!({"name": "Meena Iyer", "phone": "98450 12345"})).await;
        assert_eq!(made.status(), 201);
        let customer: Value = made.json().await.unwrap();
        let found = get(&app, &staff, "/api/v1/pos/customers?phone=%2B919845012345").await;
        assert_eq!(found[0]["id"], customer["id"]);
        let twice = post(&app, &staff, "/api/v1/pos/customers", json!({"name": "M", "phone": "+91 98450-12345"})).await;
        assert_eq!(twice.status(), 409);
        let problem: Value = twice.json().await.unwrap();
        assert_eq!(problem["errors"][0]["field"], "phone");

        // Online: 2 × ₹1,180 + ₹105 = ₹2,465; ₹200 UPI, ₹2,500 cash → ₹235 change.
        let t1 = json!({
            "device_id": "dev-1", "ticket_id": "t-1", "sold_at": chrono::Utc::now(),
            "lines": [
                {"variant_id": a, "quantity": 2, "unit_price_minor": 118_000},
                {"variant_id": b, "quantity": 1, "unit_price_minor": 10_500},
            ],
            "customer": {"customer_id": customer["id"], "name": "Meena Iyer"},
            "tenders": [{"kind": "upi", "amount_minor": 20_000, "reference": "UPI-77"}, {"kind": "cash", "amount_minor": 250_000}],
        });
        let resp = post(&app, &staff, &format!("/api/v1/pos/sessions/{sid}/tickets"), t1.clone()).await;
        assert_eq!(resp.status(), 201, "{}", resp.text().await.unwrap());
        let sale: Value = resp.json().await.unwrap();
        assert_eq!(sale["change_due_minor"], 23_500);
        assert_eq!(sale["order"]["grand_total_minor"], 246_500);
        assert_eq!(sale["order"]["status"], "completed");
        assert_eq!(sale["flagged"], false, "{sale}");
        assert_eq!(level(&app, &staff, &a, &shop).await, (3, 0));
        assert_eq!(level(&app, &staff, &b, &shop).await, (0, 0));
        // Sent again under another key (a retry after a crash): the same sale, once.
        let again: Value = post(&app, &staff, &format!("/api/v1/pos/sessions/{sid}/tickets"), t1).await.json().await.unwrap();
        assert_eq!(again["order"]["id"], sale["order"]["id"]);
        assert_eq!(level(&app, &staff, &a, &shop).await, (3, 0));
        let order = get(&app, &staff, &format!("/api/v1/orders/{}", sale["order"]["id"].as_str().unwrap())).await;
        assert_eq!(order["customer_name"], "Meena Iyer");

        // Online, stock the ledger lacks is refused, naming the line.
        let short = post(&app, &staff, &format!("/api/v1/pos/sessions/{sid}/tickets"), json!({
            "device_id": "dev-1", "ticket_id": "t-2", "sold_at": chrono::Utc::now(),
            "lines": [{"variant_id": b, "quantity": 1, "unit_price_minor": 10_500}],
            "tenders": [{"kind": "cash", "amount_minor": 10_500}],
        })).await;
        assert_eq!(short.status(), 409);
        let problem: Value = short.json().await.unwrap();
        assert_eq!(problem["errors"][0]["field"], "lines[0].quantity");

        // Offline ten minutes ago: 2 salt at ₹90 (the device's older price) with none on
        // the shelf per the ledger. Recorded, dated then, stock booked in and flagged.
        let sold_at = chrono::Utc::now() - chrono::TimeDelta::minutes(10);
        let resp = post(&app, &staff, &format!("/api/v1/pos/sessions/{sid}/tickets"), json!({
            "device_id": "dev-1", "ticket_id": "t-3", "sold_at": sold_at, "offline": true,
            "lines": [{"variant_id": b, "quantity": 2, "unit_price_minor": 9_000}],
            "tenders": [{"kind": "cash", "amount_minor": 20_000}],
        })).await;
        assert_eq!(resp.status(), 201, "{}", resp.text().await.unwrap());
        let offline: Value = resp.json().await.unwrap();
        assert_eq!(offline["flagged"], true);
        assert_eq!(offline["change_due_minor"], 2_000);
        assert_eq!(offline["flags"]["stock_added"][0]["quantity"], 2);
        assert_eq!(offline["flags"]["price_differences"][0]["paid_unit_minor"], 9_000);
        assert_eq!(offline["flags"]["price_differences"][0]["store_unit_minor"], 10_500);
        assert_eq!(level(&app, &staff, &b, &shop).await, (0, 0));
        let order = get(&app, &staff, &format!("/api/v1/orders/{}", offline["order"]["id"].as_str().unwrap())).await;
        let created: chrono::DateTime<chrono::Utc> = order["created_at"].as_str().unwrap().parse().unwrap();
        assert!((created - sold_at).num_seconds().abs() <= 1, "dated when sold: {created} vs {sold_at}");
        let moves: Value = get(&app, &staff, &format!("/api/v1/inventory/movements?limit=100&variant_id={b}")).await;
        let cover = moves["items"].as_array().unwrap().iter().find(|m| m["kind"] == "adjustment" && m["on_hand_delta"] == 2);
        assert!(cover.is_some_and(|m| m["reason"].as_str().unwrap().contains("offline")), "{moves}");

        // Staff see the flagged sale; bad input names its field and stores nothing.
        let flagged = get(&app, &staff, "/api/v1/pos/tickets?flagged=true").await;
        let ids: Vec<&str> = flagged["items"].as_array().unwrap().iter().map(|t| t["ticket_id"].as_str().unwrap()).collect();
        assert_eq!(ids, ["t-3"]);
        let bad = post(&app, &staff, &format!("/api/v1/pos/sessions/{sid}/tickets"), json!({
            "device_id": "has space", "ticket_id": "t-4", "sold_at": chrono::Utc::now(),
            "lines": [{"variant_id": a, "quantity": 1, "unit_price_minor": 118_000}],
            "tenders": [{"kind": "cash", "amount_minor": 118_000}],
        })).await;
        assert_eq!(bad.status(), 400);
        let problem: Value = bad.json().await.unwrap();
        assert_eq!(problem["errors"][0]["field"], "device_id");
        assert_eq!(level(&app, &staff, &a, &shop).await, (3, 0));

        // The Z-report counts both sales' cash: 1,000 float + 2,265 + 180 applied.
        let z: Value = post(&app, &staff, &format!("/api/v1/pos/sessions/{sid}/close"), json!({"counted": [{"denomination_minor": 50_000, "count": 7}]})).await.json().await.unwrap();
        assert_eq!(z["report"]["sales_count"], 2);
        assert_eq!(z["report"]["gross_sales_minor"], 246_500 + 18_000);
        assert_eq!(z["report"]["expected_cash_minor"], 100_000 + 226_500 + 18_000);
        assert_eq!(z["report"]["variance_minor"], 350_000 - (100_000 + 226_500 + 18_000));
        ledger_is_consistent(&app).await;
    })
    .await;
}

#[actix_web::test]
async fn the_counter_sells_with_split_tenders_and_the_z_report_counts_the_cash() {
    for_each_backend(|backend| async move {
        let app = spawn(&backend).await;
        let (_, staff) = with_role(&app, "cashier@shop.in", Role::Staff).await;
        let shop = location(&app, &staff, "Counter").await;
        let a = variant(&app, &staff, "RICE-5", Some("4006381333931"), 118_000, 1800).await;
        let b = variant(&app, &staff, "DAL-1", None, 10_500, 500).await;
        stock(&app, &staff, &a, &shop, 5).await;
        stock(&app, &staff, &b, &shop, 5).await;
        let register: Value = post(&app, &staff, "/api/v1/pos/registers", json!({"name": "Till 1", "location_id": shop})).await.json().await.unwrap();
        let resp = post(&app, &staff, &format!("/api/v1/pos/registers/{}/sessions", register["id"].as_str().unwrap()), json!({"opening_float_minor": 100_000})).await;
        assert_eq!(resp.status(), 201);
        let session: Value = resp.json().await.unwrap();
        let sid = session["id"].as_str().unwrap().to_string();
        // A second session on the same till is refused.
        let again = post(&app, &staff, &format!("/api/v1/pos/registers/{}/sessions", register["id"].as_str().unwrap()), json!({"opening_float_minor": 0})).await;
        assert_eq!(again.status(), 409);

        // Scan a barcode and a SKU.
        assert_eq!(post(&app, &staff, &format!("/api/v1/pos/sessions/{sid}/scan"), json!({"code": "4006381333931"})).await.status(), 200);
        let cart: Value = post(&app, &staff, &format!("/api/v1/pos/sessions/{sid}/scan"), json!({"code": "DAL-1"})).await.json().await.unwrap();
        // ₹1,180 + ₹105 = ₹1,285, no shipping at the counter.
        assert_eq!(cart["totals"]["grand_total_minor"], 128_500);
        assert!(cart["shipping"].is_null());

        // ₹200 by UPI, ₹1,100 in cash: ₹1,085 of it applies, ₹15 change.
        let resp = post(&app, &staff, &format!("/api/v1/pos/sessions/{sid}/sales"),
            json!({"tenders": [{"kind": "upi", "amount_minor": 20_000, "reference": "UPI-4471"}, {"kind": "cash", "amount_minor": 110_000}]})).await;
        assert_eq!(resp.status(), 201, "{}", resp.text().await.unwrap());
        let sale: Value = resp.json().await.unwrap();
        assert_eq!(sale["change_due_minor"], 1_500);
        assert_eq!(sale["order"]["status"], "completed");
        let invoice_number = sale["order"]["invoice_number"].as_str().unwrap().to_string();
        assert!(invoice_number.starts_with("INV/") && invoice_number.len() <= 16);
        // The stock left the counter's shelf at once.
        assert_eq!(level(&app, &staff, &a, &shop).await, (4, 0));
        assert_eq!(level(&app, &staff, &b, &shop).await, (4, 0));

        let receipt = app.client.get(app.url(sale["receipt_url"].as_str().unwrap())).bearer_auth(&staff).send().await.unwrap();
        assert_eq!(receipt.status(), 200);
        let html = receipt.text().await.unwrap();
        assert!(html.contains(sale["order"]["number"].as_str().unwrap()));
        assert!(html.contains(&invoice_number));
        assert!(html.contains("1,285.00"), "grand total on the receipt");
        assert!(html.contains("UPI-4471"));
        // The tenders are in the payments ledger, against the register session.
        let order_id = sale["order"]["id"].as_str().unwrap();
        let taken = get(&app, &staff, &format!("/api/v1/payments?order_id={order_id}")).await;
        let taken: Vec<(String, i64, String)> = taken
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                assert_eq!(p["status"], "captured");
                assert_eq!(p["session_id"], sid.as_str());
                (p["method"].as_str().unwrap().to_string(), p["amount_minor"].as_i64().unwrap(), p["reference"].as_str().unwrap_or("").to_string())
            })
            .collect();
        assert_eq!(taken, [("upi".to_string(), 20_000, "UPI-4471".to_string()), ("cash".to_string(), 108_500, String::new())]);

        // A count that overflows is named and closes nothing (it once reported −2).
        let resp = post(&app, &staff, &format!("/api/v1/pos/sessions/{sid}/close"), json!({"counted": [
            {"denomination_minor": i64::MAX, "count": 1},
            {"denomination_minor": i64::MAX, "count": 1},
        ]})).await;
        assert_eq!(resp.status(), 400);
        let problem: Value = resp.json().await.unwrap();
        assert_eq!(problem["errors"][0]["field"], "counted[0].denomination_minor", "{problem}");
        // Close with ₹2,070 counted: expected 1,000 float + 1,085 cash = 2,085 → ₹15 short.
        let resp = post(&app, &staff, &format!("/api/v1/pos/sessions/{sid}/close"), json!({"counted": [
            {"denomination_minor": 50_000, "count": 4},
            {"denomination_minor": 5_000, "count": 1},
            {"denomination_minor": 2_000, "count": 1},
        ]})).await;
        assert_eq!(resp.status(), 200);
        let z: Value = resp.json().await.unwrap();
        assert_eq!(z["status"], "closed");
        assert_eq!(z["report"]["sales_count"], 1);
        assert_eq!(z["report"]["gross_sales_minor"], 128_500);
        assert_eq!(z["report"]["cash_minor"], 108_500);
        assert_eq!(z["report"]["upi_minor"], 20_000);
        assert_eq!(z["report"]["expected_cash_minor"], 208_500);
        assert_eq!(z["report"]["counted_cash_minor"], 207_000);
        assert_eq!(z["report"]["variance_minor"], -1_500);
        // A closed session sells nothing more.
        let resp = post(&app, &staff, &format!("/api/v1/pos/sessions/{sid}/scan"), json!({"code": "DAL-1"})).await;
        assert_eq!(resp.status(), 409);
        ledger_is_consistent(&app).await;
    })
    .await;
}

#[actix_web::test]
async fn cancel_releases_stock_returns_restock_with_a_credit_note_and_illegal_moves_are_409() {
    for_each_backend(|backend| async move {
        let app = spawn(&backend).await;
        let (_, staff) = with_role(&app, "staff@shop.in", Role::Staff).await;
        let shop = location(&app, &staff, "Main").await;
        let v = variant(&app, &staff, "ATTA-10", None, 59_000, 500).await;
        stock(&app, &staff, &v, &shop, 10).await;
        let (_, customer) = with_role(&app, "asha@example.in", Role::Customer).await;
        // Cancel by the customer: stock back.
        let first = customer_order(&app, &customer, &v, 3).await;
        assert_eq!(level(&app, &staff, &v, &shop).await, (10, 3));
        let resp = post(
            &app,
            &customer,
            &format!("/api/v1/orders/{first}/cancel"),
            json!({"reason": "changed my mind"}),
        )
        .await;
        assert_eq!(resp.status(), 200);
        assert_eq!(level(&app, &staff, &v, &shop).await, (10, 0));
        // Cancelled is final: paying it is an illegal transition.
        let resp = pay_by_hand(&app, &staff, &first, "manual", 177_000, Some("NEFT1")).await;
        assert_eq!(resp.status(), 409);
        assert_eq!(field(&resp.json().await.unwrap()), "order_id");

        // Pay, fulfil, ship, deliver; shipping before paying is refused.
        let second = customer_order(&app, &customer, &v, 2).await;
        let resp = post(
            &app,
            &staff,
            &format!("/api/v1/orders/{second}/transitions"),
            json!({"to": "shipped"}),
        )
        .await;
        assert_eq!(resp.status(), 409);
        let order = get(&app, &staff, &format!("/api/v1/orders/{second}")).await;
        let total = order["totals"]["grand_total_minor"].as_i64().unwrap();
        assert_eq!(total, 118_000, "₹1,180 of goods ship free");
        let resp = pay_by_hand(&app, &staff, &second, "manual", total, Some("NEFT-99")).await;
        assert_eq!(resp.status(), 201, "{}", resp.text().await.unwrap());
        let resp = post(
            &app,
            &staff,
            &format!("/api/v1/orders/{second}/fulfilments"),
            json!({"lines": [{"line_no": 1, "quantity": 2}]}),
        )
        .await;
        assert_eq!(resp.status(), 200);
        assert_eq!(level(&app, &staff, &v, &shop).await, (8, 0));
        for to in ["shipped", "delivered"] {
            assert_eq!(
                post(
                    &app,
                    &staff,
                    &format!("/api/v1/orders/{second}/transitions"),
                    json!({"to": to})
                )
                .await
                .status(),
                200
            );
        }

        // The customer returns one bag; staff approve and restock it.
        let resp = post(
            &app,
            &customer,
            &format!("/api/v1/orders/{second}/returns"),
            json!({"lines": [{"line_no": 1, "quantity": 1}], "reason": "torn bag"}),
        )
        .await;
        assert_eq!(resp.status(), 201);
        let ret: Value = resp.json().await.unwrap();
        let rid = ret["id"].as_str().unwrap();
        // More than was delivered is refused.
        let resp = post(
            &app,
            &customer,
            &format!("/api/v1/orders/{second}/returns"),
            json!({"lines": [{"line_no": 1, "quantity": 2}], "reason": "again"}),
        )
        .await;
        assert_eq!(resp.status(), 400);
        assert_eq!(
            post(
                &app,
                &staff,
                &format!("/api/v1/returns/{rid}/approve"),
                json!({})
            )
            .await
            .status(),
            200
        );
        let resp = post(
            &app,
            &staff,
            &format!("/api/v1/returns/{rid}/receive"),
            json!({"disposition": "restock", "location_id": shop}),
        )
        .await;
        assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());
        let received: Value = resp.json().await.unwrap();
        // One of two units: half the line, tax included.
        assert_eq!(received["refund_minor"], 59_000);
        assert_eq!(level(&app, &staff, &v, &shop).await, (9, 0));
        // Credited at once; no money has gone back yet.
        let order = get(&app, &staff, &format!("/api/v1/orders/{second}")).await;
        assert_eq!(order["status"], "partially_returned");
        assert_eq!(order["credited_minor"], 59_000);
        assert_eq!(order["refunded_minor"], 0);
        let invoices = order["invoices"].as_array().unwrap();
        let invoice = invoices.iter().find(|i| i["kind"] == "invoice").unwrap();
        let note = invoices
            .iter()
            .find(|i| i["kind"] == "credit_note")
            .unwrap();
        assert_eq!(note["id"], received["credit_note_id"]);
        let doc = get(
            &app,
            &staff,
            &format!("/api/v1/invoices/{}", note["id"].as_str().unwrap()),
        )
        .await;
        assert_eq!(doc["kind"], "credit_note");
        assert_eq!(doc["reference_invoice"], invoice["number"]);
        assert_eq!(doc["totals"]["grand_total_minor"], 59_000);
        // 5 % intra-state on ₹590: 59000 × 250 / 10500 = 1404.76 → 1405 each half.
        assert_eq!(doc["totals"]["cgst_minor"], 1_405);
        assert!(doc["number"].as_str().unwrap().starts_with("CN/"));
        // The back office's list: the credit note newest, naming what it reverses; found
        // by part of its invoice's number; a number with a wildcard is refused.
        let notes = get(&app, &staff, "/api/v1/invoices?kind=credit_note").await;
        let listed = &notes["items"][0];
        assert_eq!(listed["id"], note["id"]);
        assert_eq!(listed["reference_invoice"], invoice["number"]);
        assert_eq!(listed["order_number"], order["number"]);
        assert_eq!(listed["grand_total_minor"], 59_000);
        let all = get(&app, &staff, "/api/v1/invoices").await;
        let ids: Vec<&Value> = all["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| &i["id"])
            .collect();
        let (at_note, at_invoice) = (
            ids.iter().position(|i| **i == note["id"]).unwrap(),
            ids.iter().position(|i| **i == invoice["id"]).unwrap(),
        );
        assert!(at_note < at_invoice, "newest first");
        let tail = &invoice["number"].as_str().unwrap()[4..];
        let found = get(
            &app,
            &staff,
            &format!("/api/v1/invoices?number={tail}&kind=invoice"),
        )
        .await;
        assert!(
            found["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|i| i["id"] == invoice["id"])
        );
        let bad = app
            .client
            .get(app.url("/api/v1/invoices?number=INV%25"))
            .bearer_auth(&staff)
            .send()
            .await
            .unwrap();
        assert_eq!(bad.status(), 400);
        assert_eq!(
            bad.json::<Value>().await.unwrap()["errors"][0]["field"],
            "number"
        );
        let timeline: Vec<&str> = order["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["to_status"].as_str().unwrap())
            .collect();
        assert_eq!(
            timeline,
            vec![
                "pending_payment",
                "paid",
                "fulfilled",
                "shipped",
                "delivered",
                "partially_returned"
            ]
        );
        // The refund of the return is processed: now the money is back.
        let payments = get(&app, &staff, &format!("/api/v1/payments?order_id={second}")).await;
        let payment = payments.as_array().unwrap()[0]["id"]
            .as_str()
            .unwrap()
            .to_string();
        let resp = post(
            &app,
            &staff,
            &format!("/api/v1/payments/{payment}/refunds"),
            json!({"amount_minor": 59_000, "return_id": rid}),
        )
        .await;
        assert_eq!(resp.status(), 201, "{}", resp.text().await.unwrap());
        let mut order = Value::Null;
        for _ in 0..200 {
            order = get(&app, &staff, &format!("/api/v1/orders/{second}")).await;
            if order["status"] == "partially_refunded" {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        assert_eq!(order["status"], "partially_refunded", "{order}");
        assert_eq!(order["refunded_minor"], 59_000);
        assert_eq!(order["credited_minor"], 59_000, "no second credit note");
        assert_eq!(order["refunds"][0]["return_id"], rid);
        // Receiving it again is refused.
        let resp = post(
            &app,
            &staff,
            &format!("/api/v1/returns/{rid}/receive"),
            json!({"disposition": "restock", "location_id": shop}),
        )
        .await;
        assert_eq!(resp.status(), 409);
        // Movements: a `return` of 1 went through the ledger.
        let moves = get(
            &app,
            &staff,
            &format!("/api/v1/inventory/movements?variant_id={v}&limit=100"),
        )
        .await;
        assert!(
            moves["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|m| m["kind"] == "return" && m["on_hand_delta"] == 1)
        );
        ledger_is_consistent(&app).await;
    })
    .await;
}

#[actix_web::test]
async fn two_hundred_concurrent_payments_take_consecutive_invoice_numbers_and_the_pdf_reads() {
    for_each_backend(|backend| async move {
        let app = spawn(&backend).await;
        let (_, staff) = with_role(&app, "staff@shop.in", Role::Staff).await;
        let shop = location(&app, &staff, "Main").await;
        let v = variant(&app, &staff, "SALT-1", None, 2_800, 0).await;
        stock(&app, &staff, &v, &shop, 1000).await;
        let mut ids = Vec::new();
        for _ in 0..200 {
            let token = guest_cart(&app, &v, 1).await;
            let resp = checkout(&app, &token, &key(), "29").await;
            assert_eq!(resp.status(), 201);
            ids.push(
                resp.json::<Value>().await.unwrap()["id"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            );
        }
        // ₹28 of salt + ₹49 shipping.
        let total = 2_800 + 4_900;
        let runs = ids.iter().map(|id| {
            let (app, staff) = (&app, &staff);
            async move {
                let resp = pay_by_hand(app, staff, id, "cash", total, None).await;
                assert_eq!(resp.status(), 201);
                get(app, staff, &format!("/api/v1/orders/{id}")).await
            }
        });
        let orders = futures_util::future::join_all(runs).await;
        let mut numbers: Vec<i64> = orders
            .iter()
            .map(|o| {
                let n = o["invoices"][0]["number"].as_str().unwrap();
                assert!(n.len() <= 16);
                n.rsplit('/').next().unwrap().parse().unwrap()
            })
            .collect();
        numbers.sort();
        assert_eq!(
            numbers,
            (1..=200).collect::<Vec<i64>>(),
            "no gap, no duplicate"
        );

        // The PDF: pdftotext finds the number and the grand total.
        let inv = &orders[0]["invoices"][0];
        let resp = app
            .client
            .get(app.url(&format!(
                "/api/v1/invoices/{}.pdf",
                inv["id"].as_str().unwrap()
            )))
            .bearer_auth(&staff)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.headers()["content-type"], "application/pdf");
        let bytes = resp.bytes().await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("invoice.pdf");
        std::fs::write(&path, &bytes).unwrap();
        let out = std::process::Command::new("pdftotext")
            .arg(&path)
            .arg("-")
            .output()
            .expect("pdftotext (poppler-utils) is installed");
        assert!(out.status.success());
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains(inv["number"].as_str().unwrap()), "{text}");
        assert!(text.contains("77.00"), "grand total ₹77.00 in {text}");
        let html = app
            .client
            .get(app.url(&format!(
                "/api/v1/invoices/{}.html",
                inv["id"].as_str().unwrap()
            )))
            .bearer_auth(&staff)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains(inv["number"].as_str().unwrap()) && html.contains("77.00"));
        let json = get(
            &app,
            &staff,
            &format!("/api/v1/invoices/{}", inv["id"].as_str().unwrap()),
        )
        .await;
        assert_eq!(json["totals"]["grand_total_minor"], 7_700);
        assert_eq!(json["amount_in_words"], "Rupees Seventy Seven Only");
    })
    .await;
}

#[actix_web::test]
async fn an_exchange_sends_another_size_paid_by_the_credit_note() {
    for_each_backend(|backend| async move {
        let app = spawn(&backend).await;
        let (_, staff) = with_role(&app, "staff@shop.in", Role::Staff).await;
        let shop = location(&app, &staff, "Main").await;
        // One shirt in two sizes at the same price, ₹1,050 incl. 5 %.
        let resp = app
            .client
            .post(app.url("/api/v1/catalog/products"))
            .bearer_auth(&staff)
            .json(&json!({
                "name": "Cotton Kurta",
                "hsn_code": "6205",
                "gst_rate_bp": 500,
                "status": "active",
                "options": [{"name": "Size", "values": ["M", "L"]}],
                "variants": [
                    {"sku": "KURTA-M", "price_minor": 105_000, "options": {"Size": "M"}},
                    {"sku": "KURTA-L", "price_minor": 105_000, "options": {"Size": "L"}},
                ],
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 201);
        let product: Value = resp.json().await.unwrap();
        let m = product["variants"][0]["id"].as_str().unwrap().to_string();
        let l = product["variants"][1]["id"].as_str().unwrap().to_string();
        let other = variant(&app, &staff, "SOAP-1", None, 4_000, 1800).await;
        stock(&app, &staff, &m, &shop, 5).await;
        stock(&app, &staff, &l, &shop, 5).await;
        let (_, customer) = with_role(&app, "asha@example.in", Role::Customer).await;
        let id = customer_order(&app, &customer, &m, 2).await;
        let total = get(&app, &staff, &format!("/api/v1/orders/{id}")).await["totals"]["grand_total_minor"].as_i64().unwrap();
        assert_eq!(pay_by_hand(&app, &staff, &id, "upi", total, Some("UPI-9")).await.status(), 201);
        assert_eq!(post(&app, &staff, &format!("/api/v1/orders/{id}/fulfilments"), json!({"lines": [{"line_no": 1, "quantity": 2}]})).await.status(), 200);
        for to in ["shipped", "delivered"] {
            assert_eq!(post(&app, &staff, &format!("/api/v1/orders/{id}/transitions"), json!({"to": to})).await.status(), 200);
        }

        // Another product is no exchange for a kurta.
        let resp = post(&app, &customer, &format!("/api/v1/orders/{id}/returns"),
            json!({"lines": [{"line_no": 1, "quantity": 1, "exchange_variant_id": other}], "reason": "too small"})).await;
        assert_eq!(resp.status(), 400);
        assert_eq!(field(&resp.json().await.unwrap()), "lines[0].exchange_variant_id");
        let resp = post(&app, &customer, &format!("/api/v1/orders/{id}/returns"),
            json!({"lines": [{"line_no": 1, "quantity": 1, "exchange_variant_id": l}], "reason": "too small"})).await;
        assert_eq!(resp.status(), 201);
        let rid = resp.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string();
        assert_eq!(post(&app, &staff, &format!("/api/v1/returns/{rid}/approve"), json!({})).await.status(), 200);
        let resp = post(&app, &staff, &format!("/api/v1/returns/{rid}/receive"), json!({"disposition": "restock", "location_id": shop})).await;
        assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());
        let received: Value = resp.json().await.unwrap();
        // Like for like: nothing to refund; the credit note pays the exchange order.
        assert_eq!(received["refund_minor"], 0);
        let exchange_id = received["exchange_order_id"].as_str().unwrap();
        let exchange = get(&app, &staff, &format!("/api/v1/orders/{exchange_id}")).await;
        assert_eq!(exchange["status"], "paid");
        assert_eq!(exchange["exchange_of"], rid.as_str());
        assert_eq!(exchange["lines"][0]["sku"], "KURTA-L");
        assert_eq!(exchange["totals"]["grand_total_minor"], 105_000);
        assert_eq!(exchange["payments"][0]["method"], "exchange");
        assert_eq!(exchange["invoices"].as_array().unwrap().len(), 1);
        let original = get(&app, &staff, &format!("/api/v1/orders/{id}")).await;
        let note = original["invoices"].as_array().unwrap().iter().find(|i| i["kind"] == "credit_note").unwrap().clone();
        assert_eq!(note["grand_total_minor"], 105_000);
        assert_eq!(exchange["payments"][0]["reference"], note["number"]);
        assert_eq!(original["refunded_minor"], 0);
        // M came back to the shelf, L is held for the exchange.
        assert_eq!(level(&app, &staff, &m, &shop).await, (4, 0));
        assert_eq!(level(&app, &staff, &l, &shop).await, (5, 1));
        ledger_is_consistent(&app).await;
    })
    .await;
}

#[actix_web::test]
async fn an_unpaid_web_order_expires_and_releases_its_stock() {
    for_each_backend(|backend| async move {
        let app = TestApp::start(
            TestDb::new(&backend),
            |s| {
                s.rate_limit.per_ip_per_minute = 1_000_000;
                s.orders.payment_timeout_secs = 2;
            },
            |b| b,
        )
        .await;
        let (_, staff) = with_role(&app, "staff@shop.in", Role::Staff).await;
        let shop = location(&app, &staff, "Main").await;
        let v = variant(&app, &staff, "JAM-1", None, 25_000, 1200).await;
        stock(&app, &staff, &v, &shop, 3).await;
        let token = guest_cart(&app, &v, 2).await;
        let resp = checkout(&app, &token, &key(), "29").await;
        assert_eq!(resp.status(), 201);
        let id = resp.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string();
        // A paid order is left alone.
        let paid_cart = guest_cart(&app, &v, 1).await;
        let resp = checkout(&app, &paid_cart, &key(), "29").await;
        let paid = resp.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string();
        let total = get(&app, &staff, &format!("/api/v1/orders/{paid}")).await["totals"]["grand_total_minor"].as_i64().unwrap();
        assert_eq!(pay_by_hand(&app, &staff, &paid, "manual", total, Some("UTR-1")).await.status(), 201);
        assert_eq!(level(&app, &staff, &v, &shop).await, (3, 3));

        let mut order = Value::Null;
        for _ in 0..100 {
            order = get(&app, &staff, &format!("/api/v1/orders/{id}")).await;
            if order["status"] == "cancelled" {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(order["status"], "cancelled");
        let last = order["timeline"].as_array().unwrap().last().unwrap().clone();
        assert_eq!(last["actor"], "system");
        assert_eq!(last["note"], "not paid within 2 seconds");
        assert_eq!(level(&app, &staff, &v, &shop).await, (3, 1));
        assert_eq!(get(&app, &staff, &format!("/api/v1/orders/{paid}")).await["status"], "paid");
        ledger_is_consistent(&app).await;
    })
    .await;
}

/// A store in `state` spawned with the given GST registration and GSTIN.
async fn spawn_registered(
    backend: &Backend,
    state: &'static str,
    registration: Option<kirana::config::Registration>,
    gstin: String,
) -> TestApp {
    TestApp::start(
        TestDb::new(backend),
        move |s| {
            s.rate_limit.per_ip_per_minute = 1_000_000;
            s.rate_limit.writes_per_user_per_minute = 1_000_000;
            s.store.registration = registration;
            s.store.gstin = gstin;
            s.store.state_code = state.into();
        },
        |b| b,
    )
    .await
}

/// Sells one 18 % item at ₹118 (GST-inclusive) with ₹49 shipping to `state` and pays for
/// it: the order, and its sale document as JSON and as HTML.
async fn sell_one_taxed_item(app: &TestApp, state: &str) -> (Value, Value, String) {
    let (_, staff) = with_role(app, "staff@shop.in", Role::Staff).await;
    let shop = location(app, &staff, "Main").await;
    let v = variant(app, &staff, "SOAP-1", None, 11_800, 1_800).await;
    stock(app, &staff, &v, &shop, 10).await;
    let token = guest_cart(app, &v, 1).await;
    let resp = checkout(app, &token, &key(), state).await;
    assert_eq!(resp.status(), 201, "{}", resp.text().await.unwrap());
    let id = resp.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let total = 11_800 + 4_900;
    assert_eq!(
        pay_by_hand(app, &staff, &id, "cash", total, None)
            .await
            .status(),
        201
    );
    let order = get(app, &staff, &format!("/api/v1/orders/{id}")).await;
    let invoice = order["invoices"][0]["id"].as_str().unwrap().to_string();
    let document = get(app, &staff, &format!("/api/v1/invoices/{invoice}")).await;
    let html = app
        .client
        .get(app.url(&format!("/api/v1/invoices/{invoice}.html")))
        .bearer_auth(&staff)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    (order, document, html)
}

#[actix_web::test]
async fn a_composition_store_collects_no_gst_and_issues_a_bill_of_supply() {
    use kirana::config::Registration;
    for_each_backend(|backend| async move {
        let gstin = kirana::contracts::gst::demo_gstin("29");
        let app = spawn_registered(&backend, "29", Some(Registration::Composition), gstin).await;
        let (order, _, html) = sell_one_taxed_item(&app, "29").await;
        // The buyer pays the price as shown; none of it is GST.
        assert_eq!(order["totals"]["tax_minor"], 0);
        assert_eq!(order["totals"]["grand_total_minor"], 11_800 + 4_900);
        assert_eq!(order["lines"][0]["rate_bp"], 0);
        assert!(html.contains("Bill of Supply"), "{html}");
        assert!(html.contains("not eligible to collect tax"), "{html}");
        assert!(!html.contains("Tax Invoice"), "{html}");
        assert!(html.contains("29AAACK1234M1ZH"), "the GSTIN is printed");

        // The same sale by a regular registrant carries GST inside the same prices: for
        // each GST-inclusive amount, CGST and SGST are each net × 9 % / 118 %, rounded
        // half-up on their own (the README's rule).
        let gstin = kirana::contracts::gst::demo_gstin("29");
        let app = spawn_registered(&backend, "29", Some(Registration::Regular), gstin).await;
        let (order, _, html) = sell_one_taxed_item(&app, "29").await;
        let half =
            |net: i64, rate: i64| (2 * net * rate + 20_000 + 2 * rate) / (2 * (20_000 + 2 * rate));
        let expected = 2 * half(11_800, 1_800) + 2 * half(4_900, 1_800);
        assert_eq!(order["totals"]["tax_minor"], expected);
        assert!(html.contains("Tax Invoice"), "{html}");
    })
    .await;
}

#[actix_web::test]
async fn a_store_without_a_gstin_is_unregistered_and_issues_a_plain_bill() {
    for_each_backend(|backend| async move {
        let app = spawn_registered(&backend, "29", None, String::new()).await;
        let (order, _, html) = sell_one_taxed_item(&app, "29").await;
        assert_eq!(order["totals"]["tax_minor"], 0);
        assert_eq!(order["totals"]["grand_total_minor"], 11_800 + 4_900);
        assert!(html.contains("<h1>Bill</h1>"), "{html}");
        assert!(html.contains("not registered under GST"), "{html}");
        assert!(!html.contains("AAACK1234M"), "no GSTIN is printed: {html}");
    })
    .await;
}

#[actix_web::test]
async fn a_union_territory_sale_names_utgst_in_the_order_and_the_invoice() {
    for_each_backend(|backend| async move {
        // Chandigarh (04) is a union territory without a legislature: CGST + UTGST.
        let gstin = kirana::contracts::gst::demo_gstin("04");
        let app = spawn_registered(&backend, "04", None, gstin).await;
        let (order, invoice, html) = sell_one_taxed_item(&app, "04").await;
        // Each half of 18 % on a ₹118 GST-inclusive price: 11800 × 900 / 11800 = ₹9.
        let half = 11_800 * 900 / 11_800;
        assert_eq!(order["supply"], "intra_territory");
        assert_eq!(order["lines"][0]["cgst_minor"], half);
        assert_eq!(order["lines"][0]["utgst_minor"], half);
        assert_eq!(order["lines"][0]["sgst_minor"], 0);
        assert_eq!(invoice["lines"][0]["utgst_minor"], half);
        assert_eq!(invoice["lines"][0]["sgst_minor"], 0);
        assert_eq!(
            invoice["totals"]["utgst_minor"], invoice["totals"]["cgst_minor"],
            "the two halves of an intra-territory supply are equal"
        );
        assert_eq!(invoice["totals"]["sgst_minor"], 0);
        assert!(html.contains("UTGST"), "{html}");
    })
    .await;
}

async fn cart_count(app: &TestApp) -> i64 {
    use diesel::prelude::*;
    app.db
        .read(|conn| Ok(kirana::schema::carts::table.count().get_result(conn)?))
        .await
        .unwrap()
}

#[actix_web::test]
async fn a_cart_is_priced_for_the_address_before_checkout_and_looking_stores_no_cart() {
    for_each_backend(|backend| async move {
        let app = spawn(&backend).await;
        let (_, admin) = with_role(&app, "admin@kirana.in", Role::Admin).await;
        // ₹118.00 with 18 % GST inside: taxable 10000, GST 1800 a unit.
        let v = variant(&app, &admin, "SOAP", None, 11_800, 1800).await;
        let loc = location(&app, &admin, "Shop").await;
        stock(&app, &admin, &v, &loc, 10).await;

        // A visitor's look at the cart neither stores a cart nor hands out a token.
        let looked = app
            .client
            .get(app.url("/api/v1/cart"))
            .send()
            .await
            .unwrap();
        assert_eq!(looked.status(), 200);
        assert!(looked.headers().get("x-cart-token").is_none());
        let empty: Value = looked.json().await.unwrap();
        assert_eq!(empty["id"], "");
        assert_eq!(empty["lines"], json!([]));
        assert_eq!(cart_count(&app).await, 0);

        let token = guest_cart(&app, &v, 2).await;
        assert_eq!(cart_count(&app).await, 1);
        let priced = |query: &'static str| {
            let app = &app;
            let token = token.clone();
            async move {
                app.client
                    .get(app.url(&format!("/api/v1/cart{query}")))
                    .header("x-cart-token", token)
                    .send()
                    .await
                    .unwrap()
            }
        };
        // To Maharashtra (27) from Karnataka (29): IGST on 2 × 10000.
        let away: Value = priced("?state_code=27&pincode=400001")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(away["supply"], "inter_state");
        assert_eq!(away["place_of_supply"], "27");
        assert_eq!(away["lines"][0]["igst_minor"], 3600);
        // The split counts the delivery charge's GST too (priced for the PIN code).
        let shipping_igst = away["shipping"]["tax"]["igst_minor"].as_i64().unwrap();
        assert!(shipping_igst > 0, "{away}");
        assert_eq!(away["gst"]["igst_minor"], 3600 + shipping_igst);
        assert_eq!(away["gst"]["cgst_minor"], 0);
        assert_eq!(away["gst"]["sgst_minor"], 0);
        assert_eq!(away["totals"]["tax_minor"], away["gst"]["igst_minor"]);
        // At home: half CGST, half SGST.
        let home: Value = priced("?state_code=29").await.json().await.unwrap();
        assert_eq!(home["supply"], "intra_state");
        assert_eq!(home["lines"][0]["cgst_minor"], 1800);
        assert_eq!(home["lines"][0]["sgst_minor"], 1800);
        let charge = |part: &str| home["shipping"]["tax"][part].as_i64().unwrap_or(0);
        assert_eq!(home["gst"]["cgst_minor"], 1800 + charge("cgst_minor"));
        assert_eq!(home["gst"]["sgst_minor"], 1800 + charge("sgst_minor"));
        assert_eq!(home["gst"]["igst_minor"], 0);
        // Without an address: the store's state, as before.
        let plain: Value = priced("").await.json().await.unwrap();
        assert_eq!(plain["place_of_supply"], "29");

        // Bad values are named and change nothing.
        for (query, field) in [
            ("?pincode=012345", "pincode"),
            ("?state_code=99", "state_code"),
            ("?payment_method=cheque", "payment_method"),
            ("?shipping_method=0000000000000000000000000000000000000000000000000000000000000000x", "shipping_method"),
        ] {
            let resp = priced(query).await;
            assert_eq!(resp.status(), 400, "{query}");
            let problem: Value = resp.json().await.unwrap();
            assert_eq!(self::field(&problem), field, "{query}");
        }
        let after: Value = priced("").await.json().await.unwrap();
        assert_eq!(after["lines"][0]["quantity"], 2);
        assert_eq!(cart_count(&app).await, 1);
    })
    .await;
}
