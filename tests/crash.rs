//! Crashes under load: the real `kirana` binary is killed with SIGKILL while clients send
//! stock writes with `Idempotency-Key`s, then restarted; every key is retried until it
//! answers. No key's effect may be applied twice, and every committed effect must be
//! answered for its key (replayed, not run again).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{TestDb, for_each_backend, free_port};
use diesel::prelude::*;
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_kirana");
const CYCLES: usize = 20;
const WORKERS: usize = 6;

fn kirana(dir: &Path, url: &str) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.current_dir(dir)
        .env_remove("RUST_LOG")
        .env_remove("KIRANA_PROFILE");
    for (name, _) in std::env::vars() {
        if name.starts_with("KIRANA__") {
            cmd.env_remove(name);
        }
    }
    cmd.env("KIRANA__DATABASE__URL", url)
        .env("KIRANA__IDEMPOTENCY__LOCK_TIMEOUT_SECS", "1")
        .env("KIRANA__RATE_LIMIT__PER_IP_PER_MINUTE", "1000000")
        .env("KIRANA__RATE_LIMIT__WRITES_PER_USER_PER_MINUTE", "1000000")
        .env("KIRANA__AUTH__COOKIE_SECURE", "false")
        .env("KIRANA__SERVER__WORKERS", "2");
    cmd
}

struct Server {
    child: Child,
    base: String,
}

async fn start(dir: &Path, url: &str, port: u16) -> Server {
    let child = kirana(dir, url)
        .arg("serve")
        .env("KIRANA__SERVER__PORT", port.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let started = Instant::now();
    loop {
        if let Ok(r) = client.get(format!("{base}/readyz")).send().await
            && r.status() == 200
        {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "kirana did not start"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    Server { child, base }
}

/// A tiny deterministic generator, so a failing cycle can be told apart from the others.
fn pseudo_random(seed: u64) -> u64 {
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    x ^= x >> 33;
    x
}

#[derive(Clone, Debug)]
enum Write {
    /// +1 at the first location.
    Adjust,
    /// 1 unit from the first location to the second.
    Transfer,
}

/// Key -> (what it asked, the answer received before a kill, if any).
type Sent = BTreeMap<String, (Write, Option<Value>)>;

#[derive(Clone)]
struct Fixture {
    token: String,
    variant: String,
    from: String,
    to: String,
}

fn request(
    client: &reqwest::Client,
    base: &str,
    f: &Fixture,
    kind: &Write,
    key: &str,
) -> reqwest::RequestBuilder {
    let (path, body) = match kind {
        Write::Adjust => (
            "/api/v1/inventory/adjustments",
            json!({"variant_id": f.variant, "location_id": f.from, "quantity": 1, "reason": key}),
        ),
        Write::Transfer => (
            "/api/v1/inventory/transfers",
            json!({"from_location_id": f.from, "to_location_id": f.to, "reason": key,
                   "lines": [{"variant_id": f.variant, "quantity": 1}]}),
        ),
    };
    client
        .post(format!("{base}{path}"))
        .bearer_auth(&f.token)
        .header("Idempotency-Key", key)
        .json(&body)
}

async fn get_json(client: &reqwest::Client, token: &str, url: String) -> Value {
    client
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn login(base: &str, password: &str) -> String {
    let body: Value = reqwest::Client::new()
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": "admin@demo.kirana.in", "password": password}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["access_token"]
        .as_str()
        .expect("logged in")
        .to_string()
}

#[actix_web::test]
async fn killed_mid_request_no_key_is_applied_twice_and_every_effect_is_answered() {
    for_each_backend(|backend| async move {
        let test_db = TestDb::new(&backend);
        let dir = tempfile::tempdir().unwrap();
        let url = test_db.url.clone();
        let seeded = kirana(dir.path(), &url)
            .args(["seed", "--demo"])
            .output()
            .unwrap();
        assert!(seeded.status.success(), "{seeded:?}");
        let stdout = String::from_utf8_lossy(&seeded.stdout).to_string();
        let password = stdout
            .lines()
            .find_map(|l| l.strip_prefix("password of the demo accounts: "))
            .expect("the seed prints the demo password")
            .trim()
            .to_string();

        let port = free_port();
        let mut server = start(dir.path(), &url, port).await;
        let client = reqwest::Client::new();
        let token = login(&server.base, &password).await;
        let locations: Value = get_json(&client, &token, format!("{}/api/v1/inventory/locations", server.base)).await;
        let locations = locations["items"]
            .as_array()
            .or(locations.as_array())
            .unwrap()
            .clone();
        assert!(locations.len() >= 2, "{locations:?}");
        let products: Value = get_json(&client, &token, format!("{}/api/v1/catalog/products?limit=1", server.base)).await;
        let product: Value = get_json(&client, &token, format!(
                "{}/api/v1/catalog/products/{}",
                server.base,
                products["items"][0]["id"].as_str().expect("a product")
            )).await;
        let fixture = Fixture {
            token,
            variant: product["variants"][0]["id"]
                .as_str()
                .expect("a product with a variant")
                .to_string(),
            from: locations[0]["id"].as_str().unwrap().to_string(),
            to: locations[1]["id"].as_str().unwrap().to_string(),
        };
        // Enough stock at the origin for every transfer the cycles can send.
        let stocked = client
            .post(format!("{}/api/v1/inventory/adjustments", server.base))
            .bearer_auth(&fixture.token)
            .header("Idempotency-Key", "stock-up")
            .json(&json!({"variant_id": fixture.variant, "location_id": fixture.from,
                          "quantity": 100_000, "reason": "stock-up"}))
            .send()
            .await
            .unwrap();
        assert_eq!(stocked.status(), 201, "{:?}", stocked.text().await);

        let sent: Arc<Mutex<Sent>> = Arc::default();
        for cycle in 0..CYCLES {
            let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
            let mut workers = Vec::new();
            for w in 0..WORKERS {
                let (sent, stop, fixture) = (sent.clone(), stop.clone(), fixture.clone());
                let base = server.base.clone();
                workers.push(tokio::spawn(async move {
                    let client = reqwest::Client::new();
                    let mut n = 0;
                    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                        n += 1;
                        let key = format!("c{cycle}-w{w}-{n}");
                        let kind = if (n + w) % 2 == 0 {
                            Write::Adjust
                        } else {
                            Write::Transfer
                        };
                        sent.lock()
                            .unwrap()
                            .insert(key.clone(), (kind.clone(), None));
                        let Ok(resp) = request(&client, &base, &fixture, &kind, &key).send().await
                        else {
                            break;
                        };
                        let status = resp.status();
                        let Ok(body) = resp.json::<Value>().await else {
                            break;
                        };
                        // A busy database (503) changed nothing: the key stays unanswered
                        // and is retried below like one cut off by a kill.
                        if status == 503 {
                            continue;
                        }
                        assert!(status.is_success(), "{key}: {status} {body}");
                        sent.lock().unwrap().get_mut(&key).unwrap().1 = Some(body);
                    }
                }));
            }
            let delay = 80 + pseudo_random(cycle as u64) % 400;
            tokio::time::sleep(Duration::from_millis(delay)).await;
            server.child.kill().unwrap();
            server.child.wait().unwrap();
            stop.store(true, std::sync::atomic::Ordering::Relaxed);
            for w in workers {
                w.await.unwrap();
            }
            server = start(dir.path(), &url, port).await;
        }

        // Every key, answered before a kill or not, is retried until it answers.
        let keys: Vec<(String, Write, Option<Value>)> = sent
            .lock()
            .unwrap()
            .iter()
            .map(|(k, (w, a))| (k.clone(), w.clone(), a.clone()))
            .collect();
        let answered_before = keys.iter().filter(|k| k.2.is_some()).count();
        assert!(
            keys.len() > answered_before && answered_before > CYCLES,
            "the kills must land mid-request: {} keys, {answered_before} answered",
            keys.len()
        );
        let mut answers: HashMap<String, Value> = HashMap::new();
        let mut replayed = 0;
        for (key, kind, before) in &keys {
            let started = Instant::now();
            let answer = loop {
                let resp = request(&client, &server.base, &fixture, kind, key)
                    .send()
                    .await
                    .unwrap();
                let status = resp.status();
                let replay = resp.headers().get("idempotent-replayed").is_some();
                let body: Value = resp.json().await.unwrap();
                if status.is_success() {
                    if replay {
                        replayed += 1;
                    }
                    break body;
                }
                // A key whose attempt died waits out its one-second lease, then runs (a
                // busy database, 503, changes nothing either).
                assert!(status == 409 || status == 503, "{key}: {status} {body}");
                assert!(started.elapsed() < Duration::from_secs(15), "{key} stuck");
                tokio::time::sleep(Duration::from_millis(100)).await;
            };
            if let Some(before) = before {
                assert_eq!(&answer, before, "{key}: the replay differs from the answer");
            }
            answers.insert(key.clone(), answer);
        }
        assert!(replayed >= answered_before, "{replayed} < {answered_before}");
        server.child.kill().unwrap();
        server.child.wait().unwrap();

        // The ledger: exactly one effect per key, and it is the one the key answers with.
        let mut settings = test_db.settings();
        settings.database.url = url.clone().into();
        let db = kirana::db::Db::open(&settings).unwrap();
        let movements: Vec<(String, String, Option<String>)> = db
            .read(|conn| {
                use kirana::schema::inventory_movements as m;
                Ok(m::table
                    .select((m::id, m::kind, m::reason))
                    .load::<(String, String, Option<String>)>(conn)?)
            })
            .await
            .unwrap();
        let mut by_key: HashMap<String, Vec<(String, String)>> = HashMap::new();
        for (id, kind, reason) in movements {
            if let Some(reason) = reason {
                by_key.entry(reason).or_default().push((id, kind));
            }
        }
        for (key, kind, _) in &keys {
            let effects = by_key.get(key).cloned().unwrap_or_default();
            let answer = &answers[key];
            match kind {
                Write::Adjust => {
                    assert_eq!(effects.len(), 1, "{key}: {effects:?}");
                    assert_eq!(effects[0].0, answer["movement_id"].as_str().unwrap(), "{key}");
                }
                Write::Transfer => {
                    assert_eq!(effects.len(), 1, "{key}: {effects:?}");
                    assert_eq!(effects[0].1, "transfer_out", "{key}");
                    let transfer = answer["id"].as_str().unwrap();
                    let transfers: i64 = {
                        let t = transfer.to_string();
                        db.read(move |conn| {
                            use kirana::schema::inventory_transfers as tr;
                            Ok(tr::table.filter(tr::id.eq(t)).count().get_result(conn)?)
                        })
                        .await
                        .unwrap()
                    };
                    assert_eq!(transfers, 1, "{key}: its transfer exists");
                }
            }
        }
        let verified = kirana::domains::inventory::verify(&db).unwrap();
        assert!(verified.is_empty(), "{verified:?}");
        eprintln!(
            "{}: {} keys over {CYCLES} kills, {answered_before} answered before a kill, {replayed} replayed",
            test_db.backend.name(),
            keys.len()
        );
    })
    .await;
}
