//! The checkout load driver behind `bench/checkout.sh`: stocks a few hundred variants, then
//! runs N workers for D seconds, each adding one line to a fresh guest cart and checking it
//! out, and prints throughput, latency percentiles, errors and SQL statements per checkout
//! as one JSON line (a human summary goes to stderr).
//!
//! ```sh
//! KIRANA_BENCH_ADMIN_PASSWORD=... cargo run --release --example checkout_load -- \
//!     --base http://127.0.0.1:18083 --concurrency 16 --duration-secs 20
//! ```

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use clap::Parser;
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

#[derive(Parser)]
struct Args {
    /// The server, without a trailing slash.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    base: String,
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    #[arg(long, default_value_t = 20)]
    duration_secs: u64,
    /// How many variants (the first of as many products) get stock and are bought.
    #[arg(long, default_value_t = 300)]
    variants: usize,
    /// Units added to each variant before the run.
    #[arg(long, default_value_t = 1_000_000)]
    stock: i64,
    #[arg(long, default_value = "admin@demo.kirana.in")]
    admin_email: String,
    /// From the environment so it stays out of `ps`.
    #[arg(long, env = "KIRANA_BENCH_ADMIN_PASSWORD", hide_env_values = true)]
    admin_password: String,
    /// Sequential checkouts on an otherwise quiet server for the exact statement count.
    #[arg(long, default_value_t = 15)]
    quiet_samples: usize,
    /// Names the run in the JSON line (e.g. the backend).
    #[arg(long, default_value = "")]
    label: String,
}

const CHECKOUT_BODY: &str = r#"{"email":"a@example.com","shipping_address":{"name":"Asha Rao","phone":"9845012345","line1":"12 MG Road","city":"Bengaluru","state_code":"29","pincode":"560001"}}"#;

// One thread for the driver, so the server keeps the rest of a small machine.
#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let client = Client::builder()
        .pool_max_idle_per_host(args.concurrency * 2)
        .timeout(Duration::from_secs(60))
        .build()?;
    let base = args.base.trim_end_matches('/').to_string();

    let token = login(&client, &base, &args.admin_email, &args.admin_password).await?;
    let location = web_location(&client, &base, &token).await?;
    let variants = first_variants(&client, &base, args.variants).await?;
    for variant in &variants {
        add_stock(&client, &base, &token, variant, &location, args.stock).await?;
    }
    eprintln!(
        "stocked {} variants with {} units at location {location}",
        variants.len(),
        args.stock
    );
    // The catalog learns of the stock through the outbox; carts may consult it.
    wait_for_outbox(&client, &base).await?;

    for i in 0..5 {
        let cart = add_line(&client, &base, &variants[i % variants.len()])
            .await
            .map_err(|e| anyhow!("warm-up: adding a line failed: {e}"))?;
        let order = checkout(&client, &base, &cart)
            .await
            .map_err(|e| anyhow!("warm-up: checkout failed: {e}"))?;
        if i == 0 {
            eprintln!("warm-up order: {order}");
        }
    }
    wait_for_outbox(&client, &base).await?;
    let quiet = quiet_statement_counts(&client, &base, &variants, args.quiet_samples).await?;

    let statements_before = statements(&client, &base).await?;
    let started = Instant::now();
    let deadline = started + Duration::from_secs(args.duration_secs);
    let variants = Arc::new(variants);
    let mut workers = tokio::task::JoinSet::new();
    for worker in 0..args.concurrency {
        let (client, base, variants) = (client.clone(), base.clone(), variants.clone());
        workers.spawn(async move { run_worker(worker, &client, &base, &variants, deadline).await });
    }
    let mut total = WorkerResult::default();
    while let Some(result) = workers.join_next().await {
        total.merge(result?);
    }
    let elapsed = started.elapsed().as_secs_f64();
    let statements_after = statements(&client, &base).await?;

    let checkouts = total.checkout_us.len() as u64;
    let under_load = statements_after.saturating_sub(statements_before);
    let report = json!({
        "label": args.label,
        "concurrency": args.concurrency,
        "duration_s": round2(elapsed),
        "checkouts": checkouts,
        "checkouts_per_s": round2(checkouts as f64 / elapsed),
        "checkout_ms": percentiles(&mut total.checkout_us),
        "add_and_checkout_ms": percentiles(&mut total.round_trip_us),
        "errors": total.errors,
        "statements": {
            "per_checkout": quiet.checkout_min,
            "per_checkout_median": quiet.checkout_median,
            "per_add_line": quiet.add_min,
            "per_metrics_scrape": quiet.scrape,
            "under_load_total": under_load,
            "under_load_per_checkout": if checkouts == 0 { 0.0 } else { round2(under_load as f64 / checkouts as f64) },
        },
    });
    eprintln!(
        "{}: {checkouts} checkouts in {elapsed:.1} s = {:.1}/s at {} workers; checkout p50 {} ms, p99 {} ms; {} statements per checkout (+{} per add), {:.1} per checkout under load (adds, events, sweeps included); errors {}",
        if args.label.is_empty() {
            "run"
        } else {
            &args.label
        },
        checkouts as f64 / elapsed,
        args.concurrency,
        report["checkout_ms"]["p50"],
        report["checkout_ms"]["p99"],
        quiet.checkout_min,
        quiet.add_min,
        if checkouts == 0 {
            0.0
        } else {
            under_load as f64 / checkouts as f64
        },
        report["errors"],
    );
    println!("{report}");
    Ok(())
}

async fn login(client: &Client, base: &str, email: &str, password: &str) -> anyhow::Result<String> {
    let resp = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await?;
    let body = expect_json(resp, "login").await?;
    body["access_token"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| anyhow!("login answered without access_token: {body}"))
}

/// The location web orders take stock from when `orders.web_location_id` is empty: the
/// first active one, created when there is none.
async fn web_location(client: &Client, base: &str, token: &str) -> anyhow::Result<String> {
    let resp = client
        .get(format!("{base}/api/v1/inventory/locations?limit=100"))
        .bearer_auth(token)
        .send()
        .await?;
    let listed = expect_json(resp, "listing locations").await?;
    let first_active = listed["items"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|l| l["active"].as_bool() == Some(true))
        .and_then(|l| l["id"].as_str());
    if let Some(id) = first_active {
        eprintln!(
            "stocking the existing location {id}; set orders.web_location_id if web orders use another"
        );
        return Ok(id.to_string());
    }
    let resp = client
        .post(format!("{base}/api/v1/inventory/locations"))
        .bearer_auth(token)
        .json(&json!({"name": "Main", "kind": "warehouse"}))
        .send()
        .await?;
    let created = expect_json(resp, "creating a location").await?;
    created["id"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| anyhow!("location created without id: {created}"))
}

/// The first variant of each of the first `want` products (spread over products, so the
/// run does not queue on a handful of stock rows).
async fn first_variants(client: &Client, base: &str, want: usize) -> anyhow::Result<Vec<String>> {
    let mut variants = Vec::with_capacity(want);
    let mut cursor: Option<String> = None;
    while variants.len() < want {
        let mut url = format!("{base}/api/v1/catalog/products?limit=100");
        if let Some(c) = &cursor {
            url.push_str("&cursor=");
            url.push_str(&form_urlencoded::byte_serialize(c.as_bytes()).collect::<String>());
        }
        let page = expect_json(client.get(url).send().await?, "listing products").await?;
        let items = page["items"].as_array().cloned().unwrap_or_default();
        for item in &items {
            if variants.len() >= want {
                break;
            }
            let Some(slug) = item["slug"].as_str() else {
                continue;
            };
            let resp = client
                .get(format!("{base}/api/v1/catalog/products/{slug}"))
                .send()
                .await?;
            let product = expect_json(resp, "reading a product").await?;
            if let Some(id) = product["variants"][0]["id"].as_str() {
                variants.push(id.to_string());
            }
        }
        cursor = page["next_cursor"].as_str().map(str::to_string);
        if cursor.is_none() || items.is_empty() {
            break;
        }
    }
    if variants.is_empty() {
        bail!("the catalog has no products; seed it first (kirana seed --products N)");
    }
    Ok(variants)
}

async fn add_stock(
    client: &Client,
    base: &str,
    token: &str,
    variant: &str,
    location: &str,
    quantity: i64,
) -> anyhow::Result<()> {
    let resp = client
        .post(format!("{base}/api/v1/inventory/adjustments"))
        .bearer_auth(token)
        .header("Idempotency-Key", uuid::Uuid::now_v7().to_string())
        .json(&json!({"variant_id": variant, "location_id": location, "quantity": quantity, "reason": "bench"}))
        .send()
        .await?;
    expect_json(resp, "adjusting stock").await.map(|_| ())
}

/// A fresh guest cart holding one unit of `variant`; its token, or what went wrong as an
/// error-count label.
async fn add_line(client: &Client, base: &str, variant: &str) -> Result<String, String> {
    let resp = client
        .post(format!("{base}/api/v1/cart/lines"))
        .json(&json!({"variant_id": variant, "quantity": 1}))
        .send()
        .await
        .map_err(|e| transport_label("add", &e))?;
    let status = resp.status();
    let token = resp
        .headers()
        .get("x-cart-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    // Read the body either way: the connection goes back to the pool only once it is.
    let body = resp.bytes().await.map_err(|e| transport_label("add", &e))?;
    if !status.is_success() {
        return Err(status_label("add", status, &body));
    }
    token.ok_or_else(|| "add_no_cart_token".to_string())
}

/// Places the cart's order; its number, or an error-count label.
async fn checkout(client: &Client, base: &str, cart: &str) -> Result<String, String> {
    let resp = client
        .post(format!("{base}/api/v1/cart/checkout"))
        .header("X-Cart-Token", cart)
        .header("Idempotency-Key", uuid::Uuid::now_v7().to_string())
        .header("Content-Type", "application/json")
        .body(CHECKOUT_BODY)
        .send()
        .await
        .map_err(|e| transport_label("checkout", &e))?;
    let status = resp.status();
    let body = resp
        .bytes()
        .await
        .map_err(|e| transport_label("checkout", &e))?;
    if status != StatusCode::CREATED {
        return Err(status_label("checkout", status, &body));
    }
    let order: Value =
        serde_json::from_slice(&body).map_err(|_| "checkout_bad_json".to_string())?;
    Ok(order["number"]
        .as_str()
        .unwrap_or("(no number)")
        .to_string())
}

fn transport_label(step: &str, e: &reqwest::Error) -> String {
    if e.is_timeout() {
        format!("{step}_timeout")
    } else {
        format!("{step}_transport")
    }
}

fn status_label(step: &str, status: StatusCode, body: &[u8]) -> String {
    static SHOWN: std::sync::Once = std::sync::Once::new();
    // The first failure's problem document says why; the rest are only counted.
    SHOWN.call_once(|| {
        eprintln!(
            "first failure: {step} answered {status}: {}",
            String::from_utf8_lossy(&body[..body.len().min(500)])
        );
    });
    format!("{step}_{}", status.as_u16())
}

async fn expect_json(resp: reqwest::Response, what: &str) -> anyhow::Result<Value> {
    let status = resp.status();
    let text = resp.text().await?;
    if !status.is_success() {
        bail!("{what}: {status}: {text}");
    }
    serde_json::from_str(&text).with_context(|| format!("{what}: not JSON: {text}"))
}

async fn metrics(client: &Client, base: &str) -> anyhow::Result<String> {
    let resp = client.get(format!("{base}/metrics")).send().await?;
    let status = resp.status();
    let text = resp.text().await?;
    if !status.is_success() {
        bail!("/metrics: {status}");
    }
    Ok(text)
}

fn sample(text: &str, name: &str) -> anyhow::Result<u64> {
    let value = text
        .lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
        .ok_or_else(|| {
            anyhow!("/metrics has no {name}; is the server built with the statement counter?")
        })?;
    // Gauges are rendered as floats.
    Ok(value
        .trim()
        .parse::<f64>()
        .with_context(|| format!("{name} = {value}"))? as u64)
}

async fn statements(client: &Client, base: &str) -> anyhow::Result<u64> {
    sample(&metrics(client, base).await?, "kirana_db_statements_total")
}

/// Waits (up to a minute) until the outbox has delivered everything, so events from the
/// set-up do not run during the measurements.
async fn wait_for_outbox(client: &Client, base: &str) -> anyhow::Result<()> {
    let give_up = Instant::now() + Duration::from_secs(60);
    loop {
        let pending = sample(
            &metrics(client, base).await?,
            r#"kirana_outbox_events{status="pending"}"#,
        )?;
        if pending == 0 {
            return Ok(());
        }
        if Instant::now() > give_up {
            eprintln!("outbox still has {pending} pending events; measuring anyway");
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

struct QuietCounts {
    scrape: u64,
    add_min: u64,
    checkout_min: u64,
    checkout_median: u64,
}

/// Statements of one add and one checkout with nothing else in flight. Background work
/// (outbox polls, expiry sweeps) only adds statements, so the minimum over several samples
/// is the request's own count; the scrape that reads the counter is measured and taken off.
async fn quiet_statement_counts(
    client: &Client,
    base: &str,
    variants: &[String],
    samples: usize,
) -> anyhow::Result<QuietCounts> {
    let mut scrape = u64::MAX;
    let mut last = statements(client, base).await?;
    for _ in 0..6 {
        let next = statements(client, base).await?;
        scrape = scrape.min(next.saturating_sub(last));
        last = next;
    }
    let mut adds = Vec::new();
    let mut checkouts = Vec::new();
    for i in 0..samples.max(1) {
        let s0 = statements(client, base).await?;
        let cart = add_line(client, base, &variants[i % variants.len()])
            .await
            .map_err(|e| anyhow!("quiet add failed: {e}"))?;
        let s1 = statements(client, base).await?;
        checkout(client, base, &cart)
            .await
            .map_err(|e| anyhow!("quiet checkout failed: {e}"))?;
        let s2 = statements(client, base).await?;
        adds.push(s1.saturating_sub(s0).saturating_sub(scrape));
        checkouts.push(s2.saturating_sub(s1).saturating_sub(scrape));
    }
    adds.sort_unstable();
    checkouts.sort_unstable();
    Ok(QuietCounts {
        scrape,
        add_min: adds[0],
        checkout_min: checkouts[0],
        checkout_median: checkouts[checkouts.len() / 2],
    })
}

#[derive(Default)]
struct WorkerResult {
    /// Microseconds of each successful checkout request.
    checkout_us: Vec<u64>,
    /// Microseconds of add + checkout, for the same checkouts.
    round_trip_us: Vec<u64>,
    errors: BTreeMap<String, u64>,
}

impl WorkerResult {
    fn merge(&mut self, other: WorkerResult) {
        self.checkout_us.extend(other.checkout_us);
        self.round_trip_us.extend(other.round_trip_us);
        for (label, n) in other.errors {
            *self.errors.entry(label).or_default() += n;
        }
    }
}

async fn run_worker(
    worker: usize,
    client: &Client,
    base: &str,
    variants: &[String],
    deadline: Instant,
) -> WorkerResult {
    let mut result = WorkerResult::default();
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15_u64.wrapping_mul(worker as u64 + 1));
    while Instant::now() < deadline {
        let variant = &variants[rng.below(variants.len())];
        let started = Instant::now();
        let cart = match add_line(client, base, variant).await {
            Ok(cart) => cart,
            Err(label) => {
                *result.errors.entry(label).or_default() += 1;
                continue;
            }
        };
        let checkout_started = Instant::now();
        match checkout(client, base, &cart).await {
            Ok(_) => {
                result
                    .checkout_us
                    .push(checkout_started.elapsed().as_micros() as u64);
                result
                    .round_trip_us
                    .push(started.elapsed().as_micros() as u64);
            }
            Err(label) => *result.errors.entry(label).or_default() += 1,
        }
    }
    result
}

/// Enough randomness to spread carts over variants; no crate needed.
struct XorShift(u64);

impl XorShift {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

/// Nearest-rank percentiles in milliseconds.
fn percentiles(us: &mut [u64]) -> Value {
    if us.is_empty() {
        return json!(null);
    }
    us.sort_unstable();
    let at = |p: f64| {
        let rank = ((p / 100.0) * us.len() as f64).ceil() as usize;
        round2(us[rank.clamp(1, us.len()) - 1] as f64 / 1000.0)
    };
    json!({"p50": at(50.0), "p90": at(90.0), "p99": at(99.0), "max": round2(us[us.len() - 1] as f64 / 1000.0)})
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}
