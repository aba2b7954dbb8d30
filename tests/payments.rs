//! Razorpay end to end against a faithful fake of its API on loopback: an order paid
//! through the browser callback becomes paid and invoiced; the same payment reported by
//! the webhook before, after or at the same time is applied once; forged signatures and
//! replayed webhooks change nothing; an amount mismatch is flagged, never paid; a webhook
//! recorded before a crash is applied after the restart.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::razorpay::FakeRazorpay;
use common::{TestApp, TestDb, for_each_backend, with_role};
use kirana::contracts::auth::Role;
use serde_json::{Value, json};

const KEY_ID: &str = "rzp_test_kirana01";
const KEY_SECRET: &str = "test-key-secret-0123456789";
const WEBHOOK_SECRET: &str = "test-webhook-secret";

async fn start(test_db: Arc<TestDb>, fake: &FakeRazorpay, dispatch: bool) -> TestApp {
    start_with(test_db, fake, dispatch, |_| {}).await
}

async fn start_with(
    test_db: Arc<TestDb>,
    fake: &FakeRazorpay,
    dispatch: bool,
    tweak: impl FnOnce(&mut kirana::config::Settings),
) -> TestApp {
    let base = fake.base_url();
    TestApp::start(
        test_db,
        move |s| {
            s.rate_limit.per_ip_per_minute = 1_000_000;
            s.outbox.dispatch = dispatch;
            s.outbox.poll_interval_ms = 50;
            s.razorpay.key_id = KEY_ID.into();
            s.razorpay.key_secret = KEY_SECRET.into();
            s.razorpay.webhook_secrets = vec!["an-older-secret".into(), WEBHOOK_SECRET.into()];
            s.razorpay.base_url = base;
            tweak(s);
        },
        |b| b,
    )
    .await
}

fn key() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Staff, a stocked variant, and a function to place guest orders of it.
struct Shop {
    staff: String,
    variant: String,
    location: String,
}

async fn shop(app: &TestApp) -> Shop {
    let (_, staff) = with_role(app, "staff@shop.in", Role::Staff).await;
    let location: Value = app
        .client
        .post(app.url("/api/v1/inventory/locations"))
        .bearer_auth(&staff)
        .json(&json!({"name": "Main", "kind": "warehouse"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let product: Value = app
        .client
        .post(app.url("/api/v1/catalog/products"))
        .bearer_auth(&staff)
        .json(&json!({
            "name": "Filter Coffee", "hsn_code": "0901", "gst_rate_bp": 500, "status": "active",
            "options": [{"name": "Pack", "values": ["500 g"]}],
            "variants": [{"sku": "COFFEE-500", "price_minor": 60_000, "options": {"Pack": "500 g"}}],
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let variant = product["variants"][0]["id"].as_str().unwrap().to_string();
    let resp = app
        .client
        .post(app.url("/api/v1/inventory/adjustments"))
        .bearer_auth(&staff)
        .header("Idempotency-Key", key())
        .json(&json!({"variant_id": variant, "location_id": location["id"], "quantity": 100, "reason": "opening stock"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let location = location["id"].as_str().unwrap().to_string();
    Shop {
        staff,
        variant,
        location,
    }
}

/// A guest order of one pack (₹600 ships free); its id.
async fn order(app: &TestApp, shop: &Shop) -> String {
    let resp = app
        .client
        .post(app.url("/api/v1/cart/lines"))
        .json(&json!({"variant_id": shop.variant, "quantity": 1}))
        .send()
        .await
        .unwrap();
    let token = resp.headers()["x-cart-token"].to_str().unwrap().to_string();
    let resp = app
        .client
        .post(app.url("/api/v1/cart/checkout"))
        .header("x-cart-token", token)
        .json(&json!({"email": "asha@example.in", "shipping_address": {
            "name": "Asha Rao", "phone": "9845012345", "line1": "12 MG Road",
            "city": "Bengaluru", "state_code": "29", "pincode": "560001"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    resp.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Starts Razorpay Checkout for the order; the Razorpay order id.
async fn start_payment(app: &TestApp, order_id: &str) -> String {
    let resp = app
        .client
        .post(app.url("/api/v1/payments/razorpay/orders"))
        .json(&json!({"order_id": order_id}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["key_id"], KEY_ID);
    assert_eq!(body["amount_minor"], 60_000);
    body["razorpay_order_id"].as_str().unwrap().to_string()
}

async fn callback(
    app: &TestApp,
    order_id: &str,
    rzp_order: &str,
    payment: &str,
    signature: &str,
) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/payments/razorpay/verify"))
        .json(
            &json!({"order_id": order_id, "razorpay_order_id": rzp_order,
                      "razorpay_payment_id": payment, "razorpay_signature": signature}),
        )
        .send()
        .await
        .unwrap()
}

fn webhook_url(app: &TestApp) -> String {
    app.url("/api/v1/payments/razorpay/webhook")
}

async fn order_view(app: &TestApp, shop: &Shop, id: &str) -> Value {
    app.client
        .get(app.url(&format!("/api/v1/orders/{id}")))
        .bearer_auth(&shop.staff)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// The order once it is paid (events are applied by the outbox), or as it is after 5 s.
async fn paid(app: &TestApp, shop: &Shop, id: &str) -> Value {
    let mut view = Value::Null;
    for _ in 0..100 {
        view = order_view(app, shop, id).await;
        if view["status"] == "paid" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    view
}

/// The outbox is drained (nothing pending): later events cannot still change the order.
async fn settled(app: &TestApp) {
    for _ in 0..100 {
        let db = app.db.clone();
        let (pending, _) = db.read(kirana::events::status_counts).await.unwrap();
        if pending == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the outbox did not drain");
}

fn paid_once(view: &Value) {
    assert_eq!(view["status"], "paid", "{view}");
    let invoices = view["invoices"].as_array().unwrap();
    assert_eq!(invoices.len(), 1, "one invoice: {view}");
    let paid_steps = view["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["to_status"] == "paid")
        .count();
    assert_eq!(paid_steps, 1);
    assert_eq!(view["payments"].as_array().unwrap().len(), 1);
    assert_eq!(view["payments"][0]["method"], "razorpay");
}

#[actix_web::test]
async fn a_payment_is_applied_once_whether_callback_or_webhook_comes_first_or_both_at_once() {
    for_each_backend(|backend| async move {
        let fake = FakeRazorpay::start(KEY_ID, KEY_SECRET, WEBHOOK_SECRET).await;
        let app = start(TestDb::new(&backend), &fake, true).await;
        let shop = shop(&app).await;

        // Callback first, then the webhook.
        let a = order(&app, &shop).await;
        let rzp = start_payment(&app, &a).await;
        // Starting again reuses the Razorpay order.
        assert_eq!(start_payment(&app, &a).await, rzp);
        assert_eq!(fake.orders_created(), 1);
        assert_eq!(
            fake.order(&rzp).unwrap()["receipt"],
            order_view(&app, &shop, &a).await["number"]
        );
        let (pay, sig) = fake.pay(&rzp, None);
        let resp = callback(&app, &a, &rzp, &pay, &sig).await;
        assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());
        assert_eq!(resp.json::<Value>().await.unwrap()["status"], "captured");
        let view = paid(&app, &shop, &a).await;
        assert_eq!(view["payments"][0]["reference"], pay.as_str());
        let hook = fake.webhook("payment.captured", &pay);
        assert_eq!(fake.deliver(&webhook_url(&app), &hook).await, 200);
        settled(&app).await;
        paid_once(&order_view(&app, &shop, &a).await);

        // The webhook first (order.paid), then the callback.
        let b = order(&app, &shop).await;
        let rzp = start_payment(&app, &b).await;
        let (pay, sig) = fake.pay(&rzp, None);
        assert_eq!(
            fake.deliver(&webhook_url(&app), &fake.webhook("order.paid", &pay))
                .await,
            200
        );
        paid(&app, &shop, &b).await;
        let resp = callback(&app, &b, &rzp, &pay, &sig).await;
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.json::<Value>().await.unwrap()["status"], "captured");
        settled(&app).await;
        paid_once(&order_view(&app, &shop, &b).await);

        // Both at once, with the webhook retried.
        let c = order(&app, &shop).await;
        let rzp = start_payment(&app, &c).await;
        let (pay, sig) = fake.pay(&rzp, None);
        let hook = fake.webhook("payment.captured", &pay);
        let (cb, h1, h2) = tokio::join!(
            callback(&app, &c, &rzp, &pay, &sig),
            fake.deliver(&webhook_url(&app), &hook),
            fake.deliver(&webhook_url(&app), &hook),
        );
        assert_eq!((cb.status().as_u16(), h1, h2), (200, 200, 200));
        paid(&app, &shop, &c).await;
        settled(&app).await;
        let view = order_view(&app, &shop, &c).await;
        paid_once(&view);
        let payments: Value = app
            .client
            .get(app.url(&format!("/api/v1/payments?order_id={c}")))
            .bearer_auth(&shop.staff)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(payments.as_array().unwrap().len(), 1);
        assert_eq!(payments[0]["status"], "captured");
        assert_eq!(payments[0]["provider_payment_id"], pay.as_str());
    })
    .await;
}

#[actix_web::test]
async fn forged_signatures_and_replays_change_nothing_and_a_wrong_amount_is_flagged() {
    for_each_backend(|backend| async move {
        let fake = FakeRazorpay::start(KEY_ID, KEY_SECRET, WEBHOOK_SECRET).await;
        let app = start(TestDb::new(&backend), &fake, true).await;
        let shop = shop(&app).await;

        // A callback signed with another secret, or over another Razorpay order.
        let a = order(&app, &shop).await;
        let rzp = start_payment(&app, &a).await;
        let (pay, _) = fake.pay(&rzp, None);
        let forged = common::razorpay::payment_signature("not-the-secret", &rzp, &pay);
        let resp = callback(&app, &a, &rzp, &pay, &forged).await;
        assert_eq!(resp.status(), 400);
        assert_eq!(
            resp.json::<Value>().await.unwrap()["errors"][0]["field"],
            "razorpay_signature"
        );
        let other = order(&app, &shop).await;
        let other_rzp = start_payment(&app, &other).await;
        let (other_pay, other_sig) = fake.pay(&other_rzp, None);
        // A valid signature for another order's payment, claimed for this one.
        let resp = callback(&app, &a, &other_rzp, &other_pay, &other_sig).await;
        assert_eq!(resp.status(), 400);
        // A webhook with a bad signature.
        let mut hook = fake.webhook("payment.captured", &pay);
        let good_signature = hook.signature.clone();
        hook.signature = common::razorpay::payment_signature("wrong", "x", "y");
        assert_eq!(fake.deliver(&webhook_url(&app), &hook).await, 400);
        // The body changed under a valid signature.
        hook.signature = good_signature;
        hook.body = hook.body.replace("60000", "6000");
        assert_eq!(fake.deliver(&webhook_url(&app), &hook).await, 400);
        settled(&app).await;
        assert_eq!(
            order_view(&app, &shop, &a).await["status"],
            "pending_payment"
        );

        // A replayed webhook is recorded once and applied once.
        let hook = fake.webhook("payment.captured", &pay);
        let first = app
            .client
            .post(webhook_url(&app))
            .header("content-type", "application/json")
            .header("x-razorpay-signature", &hook.signature)
            .header("x-razorpay-event-id", &hook.event_id)
            .body(hook.body.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(first.json::<Value>().await.unwrap()["recorded"], true);
        let replay = app
            .client
            .post(webhook_url(&app))
            .header("content-type", "application/json")
            .header("x-razorpay-signature", &hook.signature)
            .header("x-razorpay-event-id", &hook.event_id)
            .body(hook.body.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(replay.status(), 200);
        assert_eq!(replay.json::<Value>().await.unwrap()["recorded"], false);
        paid(&app, &shop, &a).await;
        settled(&app).await;
        paid_once(&order_view(&app, &shop, &a).await);

        // Razorpay reports ₹599 for a ₹600 order: flagged, not paid, by callback or webhook.
        let b = order(&app, &shop).await;
        let rzp = start_payment(&app, &b).await;
        let (pay, sig) = fake.pay(&rzp, Some(59_900));
        assert_eq!(
            fake.deliver(&webhook_url(&app), &fake.webhook("payment.captured", &pay))
                .await,
            200
        );
        settled(&app).await;
        let resp = callback(&app, &b, &rzp, &pay, &sig).await;
        assert_eq!(resp.status(), 409);
        assert_eq!(
            resp.json::<Value>().await.unwrap()["errors"][0]["field"],
            "amount"
        );
        let payments: Value = app
            .client
            .get(app.url(&format!("/api/v1/payments?order_id={b}")))
            .bearer_auth(&shop.staff)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(payments[0]["status"], "flagged");
        assert!(
            payments[0]["flag_reason"]
                .as_str()
                .unwrap()
                .contains("59900")
        );
        let view = order_view(&app, &shop, &b).await;
        assert_eq!(view["status"], "pending_payment");
        assert!(view["invoices"].as_array().unwrap().is_empty());

        // The back office's list: the flagged one alone under `status=flagged`, with its
        // order's number; all three attempts newest first, two to a page.
        let get = |path: String| {
            let req = app.client.get(app.url(&path)).bearer_auth(&shop.staff);
            async move { req.send().await.unwrap() }
        };
        let flagged: Value = get("/api/v1/payments/recent?status=flagged".into())
            .await
            .json()
            .await
            .unwrap();
        let items = flagged["items"].as_array().unwrap();
        assert_eq!(items.len(), 1);
        assert_eq!(items[0]["id"], payments[0]["id"]);
        assert_eq!(items[0]["order_number"], view["number"]);
        let first: Value = get("/api/v1/payments/recent?limit=2".into())
            .await
            .json()
            .await
            .unwrap();
        let order_of = |page: &Value| -> Vec<String> {
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["order_id"].as_str().unwrap().to_string())
                .collect()
        };
        assert_eq!(order_of(&first), vec![b.clone(), other.clone()]);
        let cursor = first["next_cursor"].as_str().unwrap();
        let second: Value = get(format!("/api/v1/payments/recent?limit=2&cursor={cursor}"))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(order_of(&second), vec![a.clone()]);
        assert!(second["next_cursor"].is_null());
        let captured: Value = get("/api/v1/payments/recent?status=captured".into())
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(order_of(&captured), vec![a.clone()]);
        let bad = get("/api/v1/payments/recent?status=lost".into()).await;
        assert_eq!(bad.status(), 400);
        assert_eq!(
            bad.json::<Value>().await.unwrap()["errors"][0]["field"],
            "status"
        );
        let anonymous = app
            .client
            .get(app.url("/api/v1/payments/recent"))
            .send()
            .await
            .unwrap();
        assert_eq!(anonymous.status(), 401);
    })
    .await;
}

#[actix_web::test]
async fn a_webhook_recorded_before_a_crash_is_applied_after_the_restart() {
    for_each_backend(|backend| async move {
        let fake = FakeRazorpay::start(KEY_ID, KEY_SECRET, WEBHOOK_SECRET).await;
        let test_db = TestDb::new(&backend);
        // No dispatcher: the webhook is recorded and answered, then the process dies.
        let first = start(test_db.clone(), &fake, false).await;
        let shop = shop(&first).await;
        let id = order(&first, &shop).await;
        let rzp = start_payment(&first, &id).await;
        let (pay, _) = fake.pay(&rzp, None);
        assert_eq!(
            fake.deliver(
                &webhook_url(&first),
                &fake.webhook("payment.captured", &pay)
            )
            .await,
            200
        );
        assert_eq!(
            order_view(&first, &shop, &id).await["status"],
            "pending_payment"
        );
        first.kill().await;

        let restarted = start(test_db, &fake, true).await;
        let view = paid(&restarted, &shop, &id).await;
        paid_once(&view);
    })
    .await;
}

/// An order paid through Razorpay: (order id, Razorpay payment id, Kirana payment id).
async fn paid_order(app: &TestApp, fake: &FakeRazorpay, shop: &Shop) -> (String, String, String) {
    let id = order(app, shop).await;
    let rzp = start_payment(app, &id).await;
    let (pay, sig) = fake.pay(&rzp, None);
    assert_eq!(callback(app, &id, &rzp, &pay, &sig).await.status(), 200);
    paid_once(&paid(app, shop, &id).await);
    let payments: Value = app
        .client
        .get(app.url(&format!("/api/v1/payments?order_id={id}")))
        .bearer_auth(&shop.staff)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let payment = payments[0]["id"].as_str().unwrap().to_string();
    (id, pay, payment)
}

async fn refund(
    app: &TestApp,
    shop: &Shop,
    payment: &str,
    amount: i64,
    idem: &str,
) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/api/v1/payments/{payment}/refunds")))
        .bearer_auth(&shop.staff)
        .header("Idempotency-Key", idem)
        .json(&json!({"amount_minor": amount, "reason": "customer asked"}))
        .send()
        .await
        .unwrap()
}

#[actix_web::test]
async fn partial_then_full_refund_issue_credit_notes_and_never_exceed_the_capture() {
    for_each_backend(|backend| async move {
        let fake = FakeRazorpay::start(KEY_ID, KEY_SECRET, WEBHOOK_SECRET).await;
        let app = start(TestDb::new(&backend), &fake, true).await;
        let shop = shop(&app).await;
        let (id, pay, payment) = paid_order(&app, &fake, &shop).await;
        let invoice_number = order_view(&app, &shop, &id).await["invoices"][0]["number"]
            .as_str()
            .unwrap()
            .to_string();

        // ₹200 back; the same key again replays it without a second refund at Razorpay.
        let first = refund(&app, &shop, &payment, 20_000, "refund-key-0001").await;
        assert_eq!(first.status(), 201);
        let first: Value = first.json().await.unwrap();
        assert_eq!(first["status"], "processed");
        let again: Value = refund(&app, &shop, &payment, 20_000, "refund-key-0001")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(again["id"], first["id"]);
        assert_eq!(fake.refunds(&pay).len(), 1);
        // A return that does not exist (or could not fit its column) is named, not a 500.
        for return_id in [
            "0190aaaa-0000-7000-8000-000000000000".to_string(),
            "r".repeat(80),
        ] {
            let resp = app
                .client
                .post(app.url(&format!("/api/v1/payments/{payment}/refunds")))
                .bearer_auth(&shop.staff)
                .header("Idempotency-Key", format!("refund-ret-{}", return_id.len()))
                .json(&json!({"amount_minor": 100, "return_id": return_id}))
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 400);
            let problem: Value = resp.json().await.unwrap();
            assert_eq!(problem["errors"][0]["field"], "return_id", "{problem}");
        }
        assert_eq!(fake.refunds(&pay).len(), 1);
        // More than the ₹400 left is refused and changes nothing.
        let resp = refund(&app, &shop, &payment, 40_001, "refund-key-0002").await;
        assert_eq!(resp.status(), 409);
        assert_eq!(
            resp.json::<Value>().await.unwrap()["errors"][0]["field"],
            "amount_minor"
        );
        assert_eq!(fake.refunds(&pay).len(), 1);
        // The rest.
        assert_eq!(
            refund(&app, &shop, &payment, 40_000, "refund-key-0003")
                .await
                .status(),
            201
        );
        assert_eq!(fake.payment(&pay).unwrap()["amount_refunded"], 60_000);
        assert_eq!(
            refund(&app, &shop, &payment, 1, "refund-key-0004")
                .await
                .status(),
            409
        );

        let mut view = Value::Null;
        for _ in 0..100 {
            view = order_view(&app, &shop, &id).await;
            if view["status"] == "refunded" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(view["status"], "refunded", "{view}");
        assert_eq!(view["refunded_minor"], 60_000);
        let notes: Vec<Value> = view["invoices"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["kind"] == "credit_note")
            .cloned()
            .collect();
        assert_eq!(notes.len(), 2);
        // ₹600 incl. 5 %: taxable 57142, CGST 1429, SGST 1429. The ₹200 note takes a third
        // of each (476.33 → 476 per half; the taxable value takes the rest: 19048), the
        // ₹400 note the remainder, so both together reverse the invoice exactly.
        let mut taxable = 0;
        let mut cgst = 0;
        for (note, (total, note_cgst, note_taxable)) in notes
            .iter()
            .zip([(20_000, 476, 19_048), (40_000, 953, 38_094)])
        {
            let doc: Value = app
                .client
                .get(app.url(&format!(
                    "/api/v1/invoices/{}",
                    note["id"].as_str().unwrap()
                )))
                .bearer_auth(&shop.staff)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            assert_eq!(doc["reference_invoice"], invoice_number.as_str());
            assert_eq!(doc["totals"]["grand_total_minor"], total);
            assert_eq!(doc["totals"]["cgst_minor"], note_cgst);
            assert_eq!(doc["totals"]["sgst_minor"], note_cgst);
            assert_eq!(doc["totals"]["taxable_minor"], note_taxable);
            taxable += doc["totals"]["taxable_minor"].as_i64().unwrap();
            cgst += doc["totals"]["cgst_minor"].as_i64().unwrap();
        }
        assert_eq!((taxable, cgst), (57_142, 1_429));
    })
    .await;
}

#[actix_web::test]
async fn a_failing_razorpay_opens_the_circuit_checkout_offers_cod_and_it_recovers() {
    for_each_backend(|backend| async move {
        let fake = FakeRazorpay::start(KEY_ID, KEY_SECRET, WEBHOOK_SECRET).await;
        let app = start_with(TestDb::new(&backend), &fake, true, |s| {
            s.razorpay.breaker_failures = 3;
            s.razorpay.breaker_open_secs = 1;
        })
        .await;
        let shop = shop(&app).await;
        let methods = |app: &TestApp| {
            let req = app.client.get(app.url("/api/v1/payments/methods")).send();
            async move { req.await.unwrap().json::<Value>().await.unwrap() }
        };
        let readyz = |app: &TestApp| {
            let req = app.client.get(app.url("/readyz")).send();
            async move {
                let resp = req.await.unwrap();
                assert_eq!(resp.status(), 200, "a failing gateway does not make the shop unready");
                resp.json::<Value>().await.unwrap()
            }
        };
        let metric = |app: &TestApp| {
            let req = app.client.get(app.url("/metrics")).send();
            async move {
                let text = req.await.unwrap().text().await.unwrap();
                text.lines()
                    .find(|l| l.starts_with("kirana_dependency_up{name=\"razorpay\"}"))
                    .unwrap()
                    .to_string()
            }
        };
        assert_eq!(methods(&app).await, json!([{"method": "razorpay", "available": true}, {"method": "cod", "available": true}]));
        assert_eq!(readyz(&app).await["dependencies"]["razorpay"], "closed");

        fake.set_down(true);
        let mut statuses = Vec::new();
        for _ in 0..4 {
            let id = order(&app, &shop).await;
            let resp = app.client.post(app.url("/api/v1/payments/razorpay/orders"))
                .json(&json!({"order_id": id})).send().await.unwrap();
            statuses.push(resp.status().as_u16());
        }
        // Three failures open the circuit; the fourth call fails fast without a request.
        assert_eq!(statuses, vec![502, 502, 502, 503]);
        assert_eq!(fake.requests(), 3);
        assert_eq!(methods(&app).await, json!([{"method": "razorpay", "available": false}, {"method": "cod", "available": true}]));
        assert_eq!(readyz(&app).await["dependencies"]["razorpay"], "open");
        assert!(metric(&app).await.ends_with(" 0"));
        // While it is open, checkout takes cash on delivery: confirmed, not waiting to pay.
        let resp = app.client.post(app.url("/api/v1/cart/lines"))
            .json(&json!({"variant_id": shop.variant, "quantity": 1})).send().await.unwrap();
        let token = resp.headers()["x-cart-token"].to_str().unwrap().to_string();
        let resp = app.client.post(app.url("/api/v1/cart/checkout"))
            .header("x-cart-token", token)
            .json(&json!({"email": "asha@example.in", "payment_method": "cod", "shipping_address": {
                "name": "Asha Rao", "phone": "9845012345", "line1": "12 MG Road",
                "city": "Bengaluru", "state_code": "29", "pincode": "560001"}}))
            .send().await.unwrap();
        assert_eq!(resp.status(), 201, "{}", resp.text().await.unwrap());
        assert_eq!(resp.json::<Value>().await.unwrap()["status"], "confirmed");
        assert_eq!(fake.requests(), 3, "cash on delivery asks nothing of Razorpay");

        // Razorpay is back: after the open time one probe goes through and closes it.
        fake.set_down(false);
        tokio::time::sleep(Duration::from_millis(1_100)).await;
        let id = order(&app, &shop).await;
        start_payment(&app, &id).await;
        assert_eq!(readyz(&app).await["dependencies"]["razorpay"], "closed");
        assert!(metric(&app).await.ends_with(" 1"));
        assert_eq!(methods(&app).await[0]["available"], true);
    })
    .await;
}

#[actix_web::test]
async fn reconciliation_reports_what_razorpay_and_kirana_disagree_on() {
    for_each_backend(|backend| async move {
        let fake = FakeRazorpay::start(KEY_ID, KEY_SECRET, WEBHOOK_SECRET).await;
        let app = start(TestDb::new(&backend), &fake, true).await;
        let shop = shop(&app).await;
        // A: paid and recorded; then refunded in Razorpay's dashboard, behind Kirana's back.
        let a = order(&app, &shop).await;
        let rzp_a = start_payment(&app, &a).await;
        let (pay_a, sig_a) = fake.pay(&rzp_a, None);
        assert_eq!(
            callback(&app, &a, &rzp_a, &pay_a, &sig_a).await.status(),
            200
        );
        paid(&app, &shop, &a).await;
        let resp = reqwest::Client::new()
            .post(format!("{}/v1/payments/{pay_a}/refund", fake.base_url()))
            .basic_auth(KEY_ID, Some(KEY_SECRET))
            .json(&json!({"amount": 10_000}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        // B: paid at Razorpay, but neither the browser nor the webhook told Kirana.
        let b = order(&app, &shop).await;
        let rzp_b = start_payment(&app, &b).await;
        let (pay_b, _) = fake.pay(&rzp_b, None);
        // C: paid and recorded, nothing wrong.
        let c = order(&app, &shop).await;
        let rzp_c = start_payment(&app, &c).await;
        let (pay_c, sig_c) = fake.pay(&rzp_c, None);
        assert_eq!(
            callback(&app, &c, &rzp_c, &pay_c, &sig_c).await.status(),
            200
        );

        let report: Value = app
            .client
            .get(app.url("/api/v1/payments/reconciliation"))
            .bearer_auth(&shop.staff)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(report["checked"], 3, "{report}");
        let mut found: Vec<(String, String)> = report["differences"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                (
                    d["kind"].as_str().unwrap().to_string(),
                    d["provider_payment_id"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        found.sort();
        let mut want = vec![
            ("not_recorded".to_string(), pay_b.clone()),
            ("refunded".to_string(), pay_a.clone()),
        ];
        want.sort();
        assert_eq!(found, want, "{report}");
        let refunded = report["differences"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["kind"] == "refunded")
            .unwrap();
        assert_eq!(
            (refunded["kirana"].as_str(), refunded["razorpay"].as_str()),
            (Some("0"), Some("10000"))
        );
        // A bad window is refused.
        let resp = app
            .client
            .get(app.url("/api/v1/payments/reconciliation?from=yesterday"))
            .bearer_auth(&shop.staff)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 400);
    })
    .await;
}

#[actix_web::test]
async fn a_refund_razorpay_refuses_frees_its_hold_and_one_without_an_answer_is_retried_safely() {
    for_each_backend(|backend| async move {
        let fake = FakeRazorpay::start(KEY_ID, KEY_SECRET, WEBHOOK_SECRET).await;
        let app = start(TestDb::new(&backend), &fake, true).await;
        let shop = shop(&app).await;
        let (id, pay, payment) = paid_order(&app, &fake, &shop).await;

        // Razorpay does not answer: the refund stays pending, holding its amount...
        fake.set_down(true);
        let resp = refund(&app, &shop, &payment, 15_000, "refund-key-down-1").await;
        assert_eq!(resp.status(), 502);
        let held: Value = app
            .client
            .get(app.url(&format!("/api/v1/payments/{payment}/refunds")))
            .bearer_auth(&shop.staff)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(held[0]["status"], "pending");
        // ...so only ₹450 is left to refund meanwhile.
        fake.set_down(false);
        let resp = refund(&app, &shop, &payment, 45_001, "refund-key-other").await;
        assert_eq!(resp.status(), 409);
        // The retry with the same key asks Razorpay again under the same idempotency key.
        let resp = refund(&app, &shop, &payment, 15_000, "refund-key-down-1").await;
        assert_eq!(resp.status(), 201);
        assert_eq!(resp.json::<Value>().await.unwrap()["status"], "processed");
        assert_eq!(fake.refunds(&pay).len(), 1);

        // Refunded in full at Razorpay behind Kirana's back: Razorpay refuses the next one,
        // and its hold is given back.
        let resp = reqwest::Client::new()
            .post(format!("{}/v1/payments/{pay}/refund", fake.base_url()))
            .basic_auth(KEY_ID, Some(KEY_SECRET))
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        let resp = refund(&app, &shop, &payment, 10_000, "refund-key-refused").await;
        assert_eq!(resp.status(), 502);
        let refunds: Value = app
            .client
            .get(app.url(&format!("/api/v1/payments/{payment}/refunds")))
            .bearer_auth(&shop.staff)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let statuses: Vec<&str> = refunds
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["status"].as_str().unwrap())
            .collect();
        assert_eq!(statuses, vec!["processed", "failed"]);
        let payments: Value = app
            .client
            .get(app.url(&format!("/api/v1/payments?order_id={id}")))
            .bearer_auth(&shop.staff)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(payments[0]["refunded_minor"], 15_000);
    })
    .await;
}

#[actix_web::test]
async fn a_refund_whose_answer_was_lost_is_completed_by_razorpays_webhook() {
    for_each_backend(|backend| async move {
        let fake = FakeRazorpay::start(KEY_ID, KEY_SECRET, WEBHOOK_SECRET).await;
        let app = start_with(TestDb::new(&backend), &fake, true, |s| {
            s.razorpay.timeout_ms = 300;
            s.razorpay.breaker_failures = 10;
        })
        .await;
        let shop = shop(&app).await;
        let (id, pay, payment) = paid_order(&app, &fake, &shop).await;

        // Razorpay refunds, but its answers come after Kirana stopped waiting.
        fake.set_delay(Duration::from_millis(600));
        assert_eq!(
            refund(&app, &shop, &payment, 20_000, "refund-key-slow-1")
                .await
                .status(),
            502
        );
        fake.set_delay(Duration::ZERO);
        for _ in 0..40 {
            if !fake.refunds(&pay).is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(
            fake.refunds(&pay).len(),
            1,
            "one refund despite three tries"
        );
        let refunds: Value = app
            .client
            .get(app.url(&format!("/api/v1/payments/{payment}/refunds")))
            .bearer_auth(&shop.staff)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(refunds[0]["status"], "pending");

        // Its webhook completes it: processed, and the order gets its credit note.
        assert_eq!(
            fake.deliver(&webhook_url(&app), &fake.webhook("refund.processed", &pay))
                .await,
            200
        );
        let mut view = Value::Null;
        for _ in 0..100 {
            view = order_view(&app, &shop, &id).await;
            if view["refunded_minor"] == 20_000 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(view["refunded_minor"], 20_000);
        assert_eq!(view["status"], "partially_refunded");
        let refunds: Value = app
            .client
            .get(app.url(&format!("/api/v1/payments/{payment}/refunds")))
            .bearer_auth(&shop.staff)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(refunds[0]["status"], "processed");
        assert_eq!(
            refunds[0]["provider_refund_id"],
            fake.refunds(&pay)[0]["id"]
        );
    })
    .await;
}

#[actix_web::test]
async fn with_auto_capture_off_kirana_captures_the_verified_payment() {
    for_each_backend(|backend| async move {
        let fake = FakeRazorpay::start(KEY_ID, KEY_SECRET, WEBHOOK_SECRET).await;
        let app = start_with(TestDb::new(&backend), &fake, true, |s| {
            s.razorpay.auto_capture = false;
        })
        .await;
        let shop = shop(&app).await;
        let id = order(&app, &shop).await;
        let rzp = start_payment(&app, &id).await;
        let (pay, sig) = fake.pay(&rzp, None);
        assert_eq!(fake.payment(&pay).unwrap()["status"], "authorized");
        // The authorization's webhook alone does not pay the order.
        assert_eq!(
            fake.deliver(
                &webhook_url(&app),
                &fake.webhook("payment.authorized", &pay)
            )
            .await,
            200
        );
        settled(&app).await;
        assert_eq!(
            order_view(&app, &shop, &id).await["status"],
            "pending_payment"
        );
        let resp = callback(&app, &id, &rzp, &pay, &sig).await;
        assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());
        assert_eq!(fake.payment(&pay).unwrap()["status"], "captured");
        paid_once(&paid(&app, &shop, &id).await);
    })
    .await;
}

#[actix_web::test]
async fn staff_record_hand_payments_and_a_payment_for_a_cancelled_order_is_flagged() {
    for_each_backend(|backend| async move {
        let fake = FakeRazorpay::start(KEY_ID, KEY_SECRET, WEBHOOK_SECRET).await;
        let app = start(TestDb::new(&backend), &fake, true).await;
        let shop = shop(&app).await;
        let manual = |body: Value| {
            let req = app
                .client
                .post(app.url("/api/v1/payments/manual"))
                .bearer_auth(&shop.staff)
                .header("Idempotency-Key", key())
                .json(&body)
                .send();
            async move { req.await.unwrap() }
        };
        let payments_of = |id: String| {
            let req = app
                .client
                .get(app.url(&format!("/api/v1/payments?order_id={id}")))
                .bearer_auth(&shop.staff)
                .send();
            async move { req.await.unwrap().json::<Value>().await.unwrap() }
        };

        // A bank transfer needs its UTR and the exact balance; bad input changes nothing.
        let a = order(&app, &shop).await;
        let resp = manual(json!({"order_id": a, "method": "manual", "amount_minor": 60_000})).await;
        assert_eq!(resp.status(), 400);
        assert_eq!(resp.json::<Value>().await.unwrap()["errors"][0]["field"], "reference");
        let resp = manual(json!({"order_id": a, "method": "manual", "amount_minor": 59_999, "reference": "UTR1"})).await;
        assert_eq!(resp.status(), 400);
        assert_eq!(resp.json::<Value>().await.unwrap()["errors"][0]["field"], "amount_minor");
        let resp = manual(json!({"order_id": a, "method": "cheque", "amount_minor": 60_000, "reference": "UTR1"})).await;
        assert_eq!(resp.status(), 400);
        assert!(payments_of(a.clone()).await.as_array().unwrap().is_empty());
        let resp = manual(json!({"order_id": a, "method": "manual", "amount_minor": 60_000, "reference": "UTR-HDFC-991"})).await;
        assert_eq!(resp.status(), 201, "{}", resp.text().await.unwrap());
        let payment: Value = resp.json().await.unwrap();
        assert_eq!(payment["status"], "captured");
        assert_eq!(payment["reference"], "UTR-HDFC-991");
        assert!(payment["recorded_by"].is_string());
        let view = paid(&app, &shop, &a).await;
        assert_eq!(view["status"], "paid");
        assert_eq!(view["invoices"].as_array().unwrap().len(), 1);
        assert_eq!(view["payments"][0]["method"], "manual");
        // The paid order's unit stays held for it (sold from the shelf when it ships).
        let stock: Value = app
            .client
            .get(app.url(&format!("/api/v1/inventory/variants/{}/stock", shop.variant)))
            .bearer_auth(&shop.staff)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let here = stock["locations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["location_id"] == shop.location.as_str())
            .unwrap();
        assert_eq!((here["on_hand"].as_i64(), here["reserved"].as_i64()), (Some(100), Some(1)));
        // Nothing is left to pay.
        let resp = manual(json!({"order_id": a, "method": "cash", "amount_minor": 60_000})).await;
        assert_eq!(resp.status(), 409);
        assert_eq!(resp.json::<Value>().await.unwrap()["errors"][0]["field"], "order_id");

        // Money taken by hand is refunded by hand: processed at once, with a credit note,
        // and Razorpay is never asked.
        let asked = fake.requests();
        let resp = app
            .client
            .post(app.url(&format!("/api/v1/payments/{}/refunds", payment["id"].as_str().unwrap())))
            .bearer_auth(&shop.staff)
            .header("Idempotency-Key", key())
            .json(&json!({"amount_minor": 10_000, "reason": "damaged lid"}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 201, "{}", resp.text().await.unwrap());
        assert_eq!(resp.json::<Value>().await.unwrap()["status"], "processed");
        assert_eq!(fake.requests(), asked);
        settled(&app).await;
        let view = order_view(&app, &shop, &a).await;
        assert_eq!(view["status"], "partially_refunded");
        assert_eq!(view["refunded_minor"], 10_000);
        assert_eq!(view["invoices"][1]["kind"], "credit_note");
        assert_eq!(view["invoices"][1]["grand_total_minor"], 10_000);

        // B is cancelled while its buyer is on Razorpay's page; the capture arrives after:
        // the order stays cancelled and the payment is flagged for a refund.
        let b = order(&app, &shop).await;
        let rzp = start_payment(&app, &b).await;
        let resp = app
            .client
            .post(app.url(&format!("/api/v1/orders/{b}/cancel")))
            .bearer_auth(&shop.staff)
            .json(&json!({"reason": "out of stock at the counter"}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        let (pay, _) = fake.pay(&rzp, None);
        assert_eq!(fake.deliver(&webhook_url(&app), &fake.webhook("payment.captured", &pay)).await, 200);
        settled(&app).await;
        let view = order_view(&app, &shop, &b).await;
        assert_eq!(view["status"], "cancelled");
        assert!(view["invoices"].as_array().unwrap().is_empty());
        let list = payments_of(b.clone()).await;
        assert_eq!(list[0]["status"], "flagged");
        assert!(list[0]["flag_reason"].as_str().unwrap().contains("cancelled"), "{list}");
    })
    .await;
}

#[actix_web::test]
async fn a_store_without_online_payment_answers_a_4xx_not_a_server_fault() {
    for_each_backend(|backend| async move {
        let app = TestApp::spawn(&backend).await;
        for path in [
            "/api/v1/payments/razorpay/orders",
            "/api/v1/payments/razorpay/verify",
        ] {
            let body = json!({"order_id": "0190f1c2-0000-7000-8000-000000000000",
                "razorpay_order_id": "order_x", "razorpay_payment_id": "pay_x",
                "razorpay_signature": "00"});
            let resp = app
                .client
                .post(app.url(path))
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = resp.status().as_u16();
            let problem: Value = resp.json().await.unwrap();
            assert!((400..500).contains(&status), "{path}: {status} {problem}");
            if status == 409 {
                assert_eq!(problem["errors"][0]["field"], "payment_method", "{problem}");
            }
        }
        let resp = app
            .client
            .post(app.url("/api/v1/payments/razorpay/orders"))
            .json(&json!({"order_id": "0190f1c2-0000-7000-8000-000000000000"}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 409);
    })
    .await;
}
