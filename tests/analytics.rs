//! Reports against a scripted day, on SQLite and MariaDB: web orders paid by hand (one to
//! a business buyer in another state), a counter sale with split tenders, a refund, a
//! cancellation of a paid order, a cash-on-delivery order shipped, an unpaid order. Every
//! report's totals must equal what the test recomputes itself from the invoices and
//! credit notes; the GST summary must equal the documents of the month; a rebuild of the
//! facts must give the same reports to the paisa.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;

use chrono::Datelike;

use common::{Backend, TestApp, TestDb, for_each_backend, with_role};
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
            s.outbox.poll_interval_ms = 20;
        },
        |b| b,
    )
    .await
}

fn key() -> String {
    uuid::Uuid::now_v7().to_string()
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

async fn get(app: &TestApp, token: &str, path: &str) -> Value {
    let resp = app
        .client
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "{path}: {}", resp.text().await.unwrap());
    resp.json().await.unwrap()
}

async fn variant(app: &TestApp, token: &str, sku: &str, price: i64, rate_bp: i32) -> String {
    let resp = post(
        app,
        token,
        "/api/v1/catalog/products",
        json!({"name": format!("Item {sku}"), "hsn_code": "0902", "gst_rate_bp": rate_bp, "status": "active",
               "options": [{"name": "Pack", "values": ["1"]}],
               "variants": [{"sku": sku, "price_minor": price, "weight_grams": 250, "options": {"Pack": "1"}}]}),
    )
    .await;
    assert_eq!(resp.status(), 201, "{}", resp.text().await.unwrap());
    resp.json::<Value>().await.unwrap()["variants"][0]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

fn address(state: &str, pincode: &str) -> Value {
    json!({"name": "Asha Rao", "phone": "+91 98450 12345", "line1": "12 MG Road",
           "city": "Bengaluru", "state_code": state, "pincode": pincode})
}

/// A guest web order; its id.
async fn web_order(app: &TestApp, lines: &[(&str, i64)], extra: Value) -> String {
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
        assert_eq!(resp.status(), 200);
        token.get_or_insert_with(|| resp.headers()["x-cart-token"].to_str().unwrap().to_string());
    }
    let mut body = json!({"email": "asha@example.in", "shipping_address": address("29", "560001")});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let resp = app
        .client
        .post(app.url("/api/v1/cart/checkout"))
        .header("x-cart-token", token.unwrap())
        .header("Idempotency-Key", key())
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201, "{}", resp.text().await.unwrap());
    resp.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Waits until the outbox has nothing pending.
async fn settled(app: &TestApp) {
    for _ in 0..400 {
        let (pending, _) = app.db.read(kirana::events::status_counts).await.unwrap();
        if pending == 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("the outbox did not drain");
}

async fn pay(app: &TestApp, staff: &str, id: &str) -> Value {
    let order = get(app, staff, &format!("/api/v1/orders/{id}")).await;
    let total = order["totals"]["grand_total_minor"].as_i64().unwrap();
    let resp = post(app, staff, "/api/v1/payments/manual",
        json!({"order_id": id, "method": "upi", "amount_minor": total, "reference": format!("UPI-{}", &id[..8])})).await;
    assert_eq!(resp.status(), 201, "{}", resp.text().await.unwrap());
    settled(app).await;
    resp.json().await.unwrap()
}

/// What the test recomputes itself from the documents the orders API shows.
#[derive(Debug, Default, PartialEq)]
struct Expected {
    orders: i64,
    units: i64,
    gross: i64,
    discounts: i64,
    shipping: i64,
    returns: i64,
    net: i64,
    tax: i64,
    taxable: i64,
    by_channel: BTreeMap<String, i64>,
    by_method: BTreeMap<String, i64>,
    by_variant: BTreeMap<String, i64>,
    invoices: [i64; 6],
    credit_notes: [i64; 6],
    b2b: Vec<(String, String)>,
}

async fn recompute(app: &TestApp, staff: &str) -> Expected {
    let mut e = Expected::default();
    let list = get(app, staff, "/api/v1/orders?limit=100").await;
    for summary in list["items"].as_array().unwrap() {
        let order = get(
            app,
            staff,
            &format!("/api/v1/orders/{}", summary["id"].as_str().unwrap()),
        )
        .await;
        let channel = order["channel"].as_str().unwrap().to_string();
        let variant_of: BTreeMap<i64, String> = order["lines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| {
                (
                    l["line_no"].as_i64().unwrap(),
                    l["variant_id"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        for r in order["invoices"].as_array().unwrap() {
            let doc = get(
                app,
                staff,
                &format!("/api/v1/invoices/{}", r["id"].as_str().unwrap()),
            )
            .await;
            let t = &doc["totals"];
            let amounts = [
                1,
                t["grand_total_minor"].as_i64().unwrap(),
                t["taxable_minor"].as_i64().unwrap(),
                t["cgst_minor"].as_i64().unwrap(),
                t["sgst_minor"].as_i64().unwrap(),
                t["igst_minor"].as_i64().unwrap(),
            ];
            let tax = amounts[3] + amounts[4] + amounts[5];
            let credit = doc["kind"] == "credit_note";
            let sign = if credit { -1 } else { 1 };
            for l in doc["lines"].as_array().unwrap() {
                let total = l["total_minor"].as_i64().unwrap();
                match l["line_no"].as_i64() {
                    Some(n) => {
                        *e.by_variant.entry(variant_of[&n].clone()).or_default() += sign * total;
                        if !credit {
                            e.units += l["quantity"].as_i64().unwrap();
                            e.gross += l["unit_price_minor"].as_i64().unwrap()
                                * l["quantity"].as_i64().unwrap();
                            e.discounts += l["discount_minor"].as_i64().unwrap();
                        }
                    }
                    None if !credit => e.shipping += total,
                    None => {}
                }
            }
            *e.by_channel.entry(channel.clone()).or_default() += sign * amounts[1];
            e.net += sign * amounts[1];
            e.tax += sign * tax;
            e.taxable += sign * amounts[2];
            if credit {
                e.returns += amounts[1];
                for (i, a) in amounts.iter().enumerate() {
                    e.credit_notes[i] += a;
                }
            } else {
                e.orders += 1;
                for (i, a) in amounts.iter().enumerate() {
                    e.invoices[i] += a;
                }
                for p in doc["paid_by"].as_array().unwrap() {
                    *e.by_method
                        .entry(p["method"].as_str().unwrap().to_string())
                        .or_default() += p["amount_minor"].as_i64().unwrap();
                }
                if let Some(g) = doc["buyer"]["gstin"].as_str() {
                    e.b2b
                        .push((doc["number"].as_str().unwrap().to_string(), g.to_string()));
                }
            }
        }
    }
    e
}

/// Every report the test compares, as JSON, for the window around today.
async fn reports(app: &TestApp, staff: &str, from: &str, to: &str, month: &str) -> Vec<Value> {
    let mut out = vec![
        get(
            app,
            staff,
            &format!("/api/v1/reports/sales?from={from}&to={to}"),
        )
        .await,
        get(
            app,
            staff,
            &format!("/api/v1/reports/sales?from={from}&to={to}&interval=month"),
        )
        .await,
        get(app, staff, &format!("/api/v1/reports/gst?month={month}")).await,
    ];
    for by in ["channel", "product", "variant", "seller", "payment_method"] {
        out.push(
            get(
                app,
                staff,
                &format!("/api/v1/reports/sales/breakdown?by={by}&from={from}&to={to}"),
            )
            .await,
        );
    }
    out
}

#[actix_web::test]
async fn reports_equal_the_documents_and_a_rebuild_reproduces_them() {
    for_each_backend(|backend| async move {
        let app = spawn(&backend).await;
        let (_, admin) = with_role(&app, "admin@example.in", Role::Admin).await;
        let loc: Value = post(&app, &admin, "/api/v1/inventory/locations", json!({"name": "Shop", "kind": "shop"}))
            .await.json().await.unwrap();
        let loc = loc["id"].as_str().unwrap().to_string();
        let tea = variant(&app, &admin, "TEA-1", 24_900, 500).await;
        let soap = variant(&app, &admin, "SOAP-1", 5_900, 1800).await;
        let ghee = variant(&app, &admin, "GHEE-1", 64_000, 1200).await;
        for v in [&tea, &soap, &ghee] {
            let resp = post(&app, &admin, "/api/v1/inventory/adjustments",
                json!({"variant_id": v, "location_id": loc, "quantity": 100, "reason": "opening stock"})).await;
            assert_eq!(resp.status(), 201);
        }

        // A: intra-state, paid by UPI (₹249×2 + ₹59 = ₹557 ships free).
        let a = web_order(&app, &[(&tea, 2), (&soap, 1)], json!({})).await;
        pay(&app, &admin, &a).await;
        // B: a business buyer in Tamil Nadu (IGST), paid.
        let gstin = format!("33AABCU9603R1Z{}", kirana::contracts::gst::gstin_check_char("33AABCU9603R1Z").unwrap());
        let b = web_order(&app, &[(&ghee, 1)], json!({"shipping_address": address("33", "600001"), "buyer_gstin": gstin})).await;
        pay(&app, &admin, &b).await;
        // C: the counter, cash and UPI.
        let register: Value = post(&app, &admin, "/api/v1/pos/registers", json!({"name": "Till", "location_id": loc})).await.json().await.unwrap();
        let session: Value = post(&app, &admin, &format!("/api/v1/pos/registers/{}/sessions", register["id"].as_str().unwrap()),
            json!({"opening_float_minor": 0})).await.json().await.unwrap();
        let sid = session["id"].as_str().unwrap();
        post(&app, &admin, &format!("/api/v1/pos/sessions/{sid}/scan"), json!({"code": "SOAP-1"})).await;
        post(&app, &admin, &format!("/api/v1/pos/sessions/{sid}/scan"), json!({"code": "TEA-1"})).await;
        let resp = post(&app, &admin, &format!("/api/v1/pos/sessions/{sid}/sales"),
            json!({"tenders": [{"kind": "upi", "amount_minor": 10_000, "reference": "UPI-77"}, {"kind": "cash", "amount_minor": 50_000}]})).await;
        assert_eq!(resp.status(), 201, "{}", resp.text().await.unwrap());
        // D: paid, then ₹100 refunded by hand (a value credit note).
        let d = web_order(&app, &[(&soap, 3)], json!({})).await;
        let payment = pay(&app, &admin, &d).await;
        let resp = post(&app, &admin, &format!("/api/v1/payments/{}/refunds", payment["id"].as_str().unwrap()),
            json!({"amount_minor": 10_000, "reason": "late delivery"})).await;
        assert_eq!(resp.status(), 201, "{}", resp.text().await.unwrap());
        // E: paid, then cancelled (a full credit note).
        let e = web_order(&app, &[(&tea, 1)], json!({})).await;
        pay(&app, &admin, &e).await;
        assert_eq!(post(&app, &admin, &format!("/api/v1/orders/{e}/cancel"), json!({"reason": "duplicate"})).await.status(), 200);
        // F: cash on delivery, shipped (invoiced when it leaves).
        let f = web_order(&app, &[(&ghee, 2)], json!({"payment_method": "cod"})).await;
        let resp = post(&app, &admin, "/api/v1/shipments",
            json!({"order_id": f, "lines": [{"line_no": 1, "quantity": 2}], "carrier": "manual", "tracking_number": "AWB-7001"})).await;
        assert_eq!(resp.status(), 201, "{}", resp.text().await.unwrap());
        // G: never paid: no invoice, not a sale.
        web_order(&app, &[(&soap, 1)], json!({})).await;
        settled(&app).await;

        let e_ = recompute(&app, &admin).await;
        assert_eq!(e_.orders, 6, "A, B, C, D, E and F were invoiced");
        let today = (chrono::Utc::now() + chrono::TimeDelta::minutes(330)).date_naive();
        let (from, to) = (today.pred_opt().unwrap(), today.succ_opt().unwrap());
        let month = today.format("%Y-%m").to_string();
        let (from, to) = (from.to_string(), to.to_string());

        let sales = get(&app, &admin, &format!("/api/v1/reports/sales?from={from}&to={to}")).await;
        assert_eq!(sales["rows"].as_array().unwrap().len(), 3, "every day of the window, empty ones too");
        let t = &sales["totals"];
        assert_eq!(t["orders"], e_.orders);
        assert_eq!(t["units"], e_.units);
        assert_eq!(t["gross_sales_minor"], e_.gross);
        assert_eq!(t["discounts_minor"], e_.discounts);
        assert_eq!(t["shipping_minor"], e_.shipping);
        assert_eq!(t["returns_minor"], e_.returns);
        assert_eq!(t["net_sales_minor"], e_.net);
        assert_eq!(t["tax_minor"], e_.tax);
        assert_eq!(t["taxable_minor"], e_.taxable);
        assert_eq!(t["average_order_minor"], (e_.invoices[1] + e_.orders / 2) / e_.orders);
        let by_day: i64 = sales["rows"].as_array().unwrap().iter().map(|r| r["net_sales_minor"].as_i64().unwrap()).sum();
        assert_eq!(by_day, e_.net);

        let breakdown = |by: &str| {
            let path = format!("/api/v1/reports/sales/breakdown?by={by}&from={from}&to={to}");
            let (app, admin) = (&app, &admin);
            async move { get(app, admin, &path).await }
        };
        let as_map = |v: &Value, field: &str| -> BTreeMap<String, i64> {
            v["rows"].as_array().unwrap().iter()
                .map(|r| (r["key"].as_str().unwrap().to_string(), r[field].as_i64().unwrap()))
                .collect()
        };
        assert_eq!(as_map(&breakdown("channel").await, "net_sales_minor"), e_.by_channel);
        assert_eq!(as_map(&breakdown("payment_method").await, "net_sales_minor"), e_.by_method);
        assert_eq!(e_.by_method.get("cod"), Some(&(2 * 64_000)), "F: two tins of ghee ship free");
        let variants = breakdown("variant").await;
        assert_eq!(as_map(&variants, "net_sales_minor"), e_.by_variant);
        assert!(variants["rows"][0]["name"].as_str().unwrap().contains("GHEE-1"), "{variants}");
        // Whole months come from the monthly rows: the same figures.
        let month_start = today.with_day(1).unwrap();
        let (wide_from, wide_to) = (
            month_start.checked_sub_months(chrono::Months::new(1)).unwrap(),
            month_start.checked_add_months(chrono::Months::new(2)).unwrap().pred_opt().unwrap(),
        );
        let wide = get(&app, &admin, &format!("/api/v1/reports/sales/breakdown?by=variant&from={wide_from}&to={wide_to}")).await;
        assert_eq!(as_map(&wide, "net_sales_minor"), e_.by_variant);
        // A window from mid-month to mid-month mixes both.
        let mixed = get(&app, &admin, &format!(
            "/api/v1/reports/sales/breakdown?by=variant&from={}&to={}",
            wide_from + chrono::TimeDelta::days(9), wide_to - chrono::TimeDelta::days(9))).await;
        assert_eq!(as_map(&mixed, "net_sales_minor"), e_.by_variant);

        // The GST summary is the month's documents.
        let gst = get(&app, &admin, &format!("/api/v1/reports/gst?month={month}")).await;
        let totals = |v: &Value| -> [i64; 6] {
            [v["count"].as_i64().unwrap(), v["value_minor"].as_i64().unwrap(), v["taxable_minor"].as_i64().unwrap(),
             v["cgst_minor"].as_i64().unwrap(), v["sgst_minor"].as_i64().unwrap(), v["igst_minor"].as_i64().unwrap()]
        };
        assert_eq!(totals(&gst["invoices_total"]), e_.invoices);
        assert_eq!(totals(&gst["credit_notes_total"]), e_.credit_notes);
        let b2b: Vec<(String, String)> = gst["b2b"].as_array().unwrap().iter()
            .map(|i| (i["number"].as_str().unwrap().to_string(), i["buyer_gstin"].as_str().unwrap().to_string()))
            .collect();
        assert_eq!(b2b, e_.b2b);
        assert_eq!(gst["b2b"][0]["place_of_supply"], "33");
        assert!(gst["b2b"][0]["rates"][0]["igst_minor"].as_i64().unwrap() > 0);
        // B2B + B2C + (nothing else) = every invoice's taxable value.
        let b2b_taxable: i64 = gst["b2b"].as_array().unwrap().iter()
            .flat_map(|i| i["rates"].as_array().unwrap().iter().map(|r| r["taxable_minor"].as_i64().unwrap())).sum();
        let b2cs_taxable: i64 = gst["b2cs"].as_array().unwrap().iter().map(|r| r["taxable_minor"].as_i64().unwrap()).sum();
        assert_eq!(b2b_taxable + b2cs_taxable, e_.invoices[2]);
        let hsn_taxable: i64 = gst["hsn"].as_array().unwrap().iter().map(|r| r["taxable_minor"].as_i64().unwrap()).sum();
        assert_eq!(hsn_taxable, e_.invoices[2] - e_.credit_notes[2]);

        // CSV exports.
        let resp = app.client.get(app.url(&format!("/api/v1/reports/gst?month={month}&format=csv&section=b2b")))
            .bearer_auth(&admin).send().await.unwrap();
        assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
        let text = resp.text().await.unwrap();
        assert!(text.starts_with("buyer_gstin,invoice_number,"));
        assert!(text.contains(&gstin));
        let text = app.client.get(app.url(&format!("/api/v1/reports/sales?from={from}&to={to}&format=csv")))
            .bearer_auth(&admin).send().await.unwrap().text().await.unwrap();
        let last = text.lines().last().unwrap();
        assert!(last.starts_with(&format!("total,{},", e_.orders)), "{last}");
        // Bad input names its field.
        let resp = app.client.get(app.url("/api/v1/reports/sales?from=2026-13-01&to=2026-11-30"))
            .bearer_auth(&admin).send().await.unwrap();
        assert_eq!(resp.status(), 400);
        assert_eq!(resp.json::<Value>().await.unwrap()["errors"][0]["field"], "from");

        // A rebuild from the documents gives the same reports to the paisa.
        let before = reports(&app, &admin, &from, &to, &month).await;
        let resp = post(&app, &admin, "/api/v1/reports/rebuild", json!({})).await;
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.json::<Value>().await.unwrap()["documents"], e_.orders + e_.credit_notes[0]);
        assert_eq!(reports(&app, &admin, &from, &to, &month).await, before);
        // A customer sees no reports.
        let (_, customer) = with_role(&app, "c@example.in", Role::Customer).await;
        let resp = app.client.get(app.url(&format!("/api/v1/reports/sales?from={from}&to={to}")))
            .bearer_auth(&customer).send().await.unwrap();
        assert_eq!(resp.status(), 403);
    })
    .await;
}
