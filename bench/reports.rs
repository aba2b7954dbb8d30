//! Reports over a year of sales: loads ORDERS (default 100,000) invoices, and one credit
//! note for every twentieth, spread over the 365 days before today, into the analytics
//! facts of a fresh SQLite store (the same function the event subscriber uses), then
//! times the reports over HTTP on the running server: the 12-month sales report by month
//! and by day, the breakdown by variant, and a month's GST summary.
//!
//! Run with `bash bench/reports.sh` (release build). Prints, for each report, the median
//! and slowest of RUNS (default 30) requests, and the process's peak RSS.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use chrono::{NaiveDate, TimeDelta, Utc};
use diesel::prelude::*;
use kirana::contracts::events::{DocumentIssued, DocumentLine};
use kirana::schema::users;
use serde_json::{Value, json};

/// A small deterministic generator, so every run loads the same year.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

fn fact(
    i: usize,
    day: NaiveDate,
    rng: &mut Lcg,
    credit_of: Option<&DocumentIssued>,
) -> DocumentIssued {
    if let Some(inv) = credit_of {
        let line = inv.lines[0].clone();
        return DocumentIssued {
            document_id: format!("cn-{i:08}"),
            kind: "credit_note".into(),
            number: format!("CN/2627/{i:06}"),
            issued_on: day,
            lines: vec![line.clone()],
            taxable_minor: line.taxable_minor,
            cgst_minor: line.cgst_minor,
            sgst_minor: line.sgst_minor,
            igst_minor: line.igst_minor,
            grand_total_minor: line.total_minor,
            paid_by: Vec::new(),
            ..inv.clone()
        };
    }
    let n = 1 + rng.next(4) as usize;
    let inter = rng.next(4) == 0;
    let mut lines = Vec::with_capacity(n);
    for _ in 0..n {
        let v = rng.next(300);
        let rate_bp = [500, 1200, 1800][(v % 3) as usize];
        let quantity = 1 + rng.next(3) as i64;
        let gross = (5_000 + (v as i64) * 137) * quantity;
        let tax = gross * i64::from(rate_bp) / (10_000 + i64::from(rate_bp));
        let (cgst, sgst, igst) = if inter {
            (0, 0, tax)
        } else {
            (tax / 2, tax / 2, 0)
        };
        let taxable = gross - cgst - sgst - igst;
        lines.push(DocumentLine {
            product_id: Some(format!("p-{:04}", v / 2)),
            variant_id: Some(format!("v-{v:04}")),
            seller_id: Some(format!("s-{}", v % 7)),
            hsn: format!("09{:02}", v % 40),
            rate_bp,
            quantity,
            gross_minor: gross,
            discount_minor: 0,
            taxable_minor: taxable,
            cgst_minor: cgst,
            sgst_minor: sgst,
            igst_minor: igst,
            total_minor: gross,
        });
    }
    let sum = |f: fn(&DocumentLine) -> i64| lines.iter().map(f).sum::<i64>();
    let total = sum(|l| l.total_minor);
    DocumentIssued {
        document_id: format!("inv-{i:08}"),
        order_id: format!("order-{i:08}"),
        kind: "invoice".into(),
        number: format!("INV/2627/{i:06}"),
        issued_at: day.and_hms_opt(6, 0, 0).unwrap_or_default().and_utc(),
        issued_on: day,
        channel: if rng.next(3) == 0 { "pos" } else { "web" }.into(),
        customer_id: Some(format!("c-{}", rng.next(5_000))),
        buyer_gstin: (rng.next(50) == 0).then(|| "33AABCU9603R1ZM".to_string()),
        place_of_supply: if inter { "33" } else { "29" }.into(),
        currency: "INR".into(),
        taxable_minor: sum(|l| l.taxable_minor),
        cgst_minor: sum(|l| l.cgst_minor),
        sgst_minor: sum(|l| l.sgst_minor),
        igst_minor: sum(|l| l.igst_minor),
        union_territory: false,
        grand_total_minor: total,
        paid_by: vec![(
            ["razorpay", "upi", "cash", "cod"][rng.next(4) as usize].into(),
            total,
        )],
        lines,
    }
}

fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).map(str::to_string))
        })
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    let orders: usize = std::env::var("ORDERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let runs: usize = std::env::var("RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(30);
    let dir = tempfile::tempdir()?;
    let mut settings = kirana::config::Settings {
        data_dir: dir.path().to_path_buf(),
        ..Default::default()
    };
    settings.server.port = 0;
    settings.server.workers = 2;
    settings.rate_limit.per_ip_per_minute = 1_000_000;
    settings.log.level = "warn".into();
    let app = kirana::Application::build(settings).await?;
    let port = app.port();
    let db = app.db();
    let handle = app.handle();
    let server = actix_web::rt::spawn(app.run_until_stopped());
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();

    // Load the year.
    let today = (Utc::now() + TimeDelta::minutes(330)).date_naive();
    let first = today - TimeDelta::days(364);
    let started = Instant::now();
    let mut rng = Lcg(42);
    let mut batch = Vec::with_capacity(5_000);
    for i in 0..orders {
        let day = first + TimeDelta::days((i * 365 / orders) as i64);
        let inv = fact(i, day, &mut rng, None);
        if i % 20 == 0 {
            let note = fact(i, day, &mut rng, Some(&inv));
            batch.push(note);
        }
        batch.push(inv);
        if batch.len() >= 5_000 {
            kirana::domains::analytics::record(&db, std::mem::take(&mut batch)).await?;
        }
    }
    kirana::domains::analytics::record(&db, batch).await?;
    println!(
        "loaded {orders} invoices and {} credit notes over 365 days in {:.1} s",
        orders.div_ceil(20),
        started.elapsed().as_secs_f64()
    );

    // An admin to ask with.
    let email = "bench@example.in";
    let password = "reports-bench-password-1";
    client
        .post(format!("{base}/api/v1/auth/register"))
        .json(&json!({"email": email, "password": password, "name": "Bench"}))
        .send()
        .await?;
    db.write(move |conn| {
        diesel::update(users::table.filter(users::email.eq(email)))
            .set(users::role.eq("admin"))
            .execute(conn)?;
        Ok(())
    })
    .await?;
    let login: Value = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await?
        .json()
        .await?;
    let token = login["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_string();

    let (from, to) = (first.to_string(), today.to_string());
    let month = today.format("%Y-%m").to_string();
    let cases = [
        (
            "sales, 12 months by month",
            format!("/api/v1/reports/sales?from={from}&to={to}&interval=month"),
        ),
        (
            "sales, 12 months by day",
            format!("/api/v1/reports/sales?from={from}&to={to}"),
        ),
        (
            "breakdown by variant, 12 months",
            format!("/api/v1/reports/sales/breakdown?by=variant&from={from}&to={to}"),
        ),
        (
            "GST summary, this month",
            format!("/api/v1/reports/gst?month={month}"),
        ),
    ];
    for (name, path) in &cases {
        let mut times = Vec::with_capacity(runs);
        let mut check = Value::Null;
        for _ in 0..runs {
            let t = Instant::now();
            let resp = client
                .get(format!("{base}{path}"))
                .bearer_auth(&token)
                .send()
                .await?;
            let status = resp.status();
            let body: Value = resp.json().await?;
            times.push(t.elapsed());
            anyhow::ensure!(status.is_success(), "{path}: {status} {body}");
            check = body;
        }
        times.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let orders_seen = check["totals"]["orders"]
            .as_i64()
            .or_else(|| check["invoices_total"]["count"].as_i64());
        println!(
            "{name:<34} median {:>6.2} ms  slowest {:>6.2} ms  ({})",
            ms(times[times.len() / 2]),
            ms(times[times.len() - 1]),
            orders_seen.map_or_else(
                || format!("{} rows", check["rows"].as_array().map_or(0, Vec::len)),
                |n| format!("{n} invoices")
            )
        );
    }
    println!("peak RSS {} MB", peak_rss_kb() / 1024);
    handle.stop(true).await;
    let _ = server.await;
    Ok(())
}
