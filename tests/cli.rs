//! The `kirana` binary: configuration checks, first start on an empty directory,
//! migrations, and shutdown on SIGTERM.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use actix_web::{HttpResponse, web};
use common::{Backend, TestApp, TestDb, free_port};
use kirana::gateway::rbac::{Access, RouteRule};

const BIN: &str = env!("CARGO_BIN_EXE_kirana");

fn kirana(dir: &Path) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.current_dir(dir)
        .env_remove("RUST_LOG")
        .env_remove("KIRANA_PROFILE");
    for (name, _) in std::env::vars() {
        if name.starts_with("KIRANA__") {
            cmd.env_remove(name);
        }
    }
    cmd
}

fn get(port: u16, path: &str) -> Option<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream
        .write_all(format!("GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n").as_bytes())
        .ok()?;
    let mut out = String::new();
    stream.read_to_string(&mut out).ok()?;
    Some(out)
}

fn wait_ready(port: u16, child: &mut Child) -> Duration {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(20) {
        if let Some(resp) = get(port, "/readyz")
            && resp.starts_with("HTTP/1.0 200")
        {
            return started.elapsed();
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("kirana exited early: {status}");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    panic!("kirana did not become ready");
}

#[test]
fn config_check_names_a_bad_key_and_fails() {
    let dir = tempfile::tempdir().unwrap();
    let out = kirana(dir.path())
        .args(["config", "check"])
        .env("KIRANA__SERVER__PORT", "banana")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "one clear line: {stderr}");
    assert!(stderr.contains("server.port"), "{stderr}");
}

#[test]
fn config_check_prints_the_effective_configuration_with_secrets_masked() {
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("db-url");
    std::fs::write(
        &secret,
        "mysql://kirana:Tr0ub4dor@db.internal:3306/kirana\n",
    )
    .unwrap();
    let out = kirana(dir.path())
        .args(["config", "check"])
        .env("KIRANA__DATABASE__URL_FILE", &secret)
        .env("KIRANA__SERVER__PORT", "9123")
        .env("KIRANA__SERVR__PORT", "1")
        .output()
        .unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("port = 9123"), "{stdout}");
    assert!(stdout.contains("kirana:****@db.internal"), "{stdout}");
    assert!(!stdout.contains("Tr0ub4dor"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("KIRANA__SERVR__PORT"),
        "misspelt variable warned: {stderr}"
    );
}

#[test]
fn an_unknown_database_scheme_stops_the_server_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = kirana(dir.path())
        .arg("serve")
        .env("KIRANA__DATABASE__URL", "postgresql://localhost/kirana")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("database.url"), "{stderr}");
    assert!(!dir.path().join("postgresql:").exists());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn serve_on_an_empty_directory_creates_the_database_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut child = kirana(dir.path())
        .arg("serve")
        .env("KIRANA__SERVER__PORT", port.to_string())
        .env("KIRANA__LOG__FORMAT", "json")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let took = wait_ready(port, &mut child);
    assert!(dir.path().join("data/kirana.db").exists());
    eprintln!("ready after {took:?}");

    let health = get(port, "/healthz").unwrap();
    assert!(health.starts_with("HTTP/1.0 200"));
    let app = get(port, "/").unwrap();
    assert!(app.starts_with("HTTP/1.0 200"));
    // The health subcommand used by the container image agrees.
    let probe = kirana(dir.path())
        .arg("health")
        .env("KIRANA__SERVER__PORT", port.to_string())
        .status()
        .unwrap();
    assert!(probe.success());

    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "no exit after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status}");
    let logs: Vec<serde_json::Value> = BufReader::new(child.stderr.take().unwrap())
        .lines()
        .map_while(Result::ok)
        .filter_map(|l| serde_json::from_str(&l).ok())
        .collect();
    assert!(
        logs.iter()
            .any(|l| l["fields"]["message"] == "kirana stopped"),
        "{logs:?}"
    );
    // Every request log line carries its request id.
    let request_lines: Vec<_> = logs
        .iter()
        .filter(|l| l["fields"]["message"] == "request finished")
        .collect();
    assert!(!request_lines.is_empty(), "{logs:?}");
    assert!(
        request_lines
            .iter()
            .all(|l| l["span"]["request_id"].is_string() && l["span"]["route"].is_string()),
        "{request_lines:?}"
    );

    let after = kirana(dir.path())
        .arg("health")
        .env("KIRANA__SERVER__PORT", port.to_string())
        .status()
        .unwrap();
    assert!(!after.success(), "health fails once the server is gone");
}

#[test]
fn migrate_applies_once_then_reports_up_to_date() {
    let dir = tempfile::tempdir().unwrap();
    let first = kirana(dir.path()).arg("migrate").output().unwrap();
    assert!(first.status.success());
    assert!(String::from_utf8_lossy(&first.stdout).contains("applied"));
    let second = kirana(dir.path()).arg("migrate").output().unwrap();
    assert!(String::from_utf8_lossy(&second.stdout).contains("up to date"));
}

#[test]
fn version_is_printed() {
    let out = Command::new(BIN).arg("--version").output().unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("kirana {}", env!("CARGO_PKG_VERSION"))
    );
}

async fn slow() -> HttpResponse {
    tokio::time::sleep(Duration::from_millis(700)).await;
    HttpResponse::Ok().body("finished")
}

#[actix_web::test]
async fn a_graceful_stop_lets_in_flight_requests_finish() {
    let app = TestApp::start(
        TestDb::new(&Backend::Sqlite),
        |s| s.server.shutdown_timeout_secs = 5,
        |b| {
            b.route_rules([RouteRule::new("GET", "/api/v1/test/slow", Access::Public)])
                .api_routes(|cfg| {
                    cfg.route("/v1/test/slow", web::get().to(slow));
                })
        },
    )
    .await;
    let in_flight = {
        let client = app.client.clone();
        let url = app.url("/api/v1/test/slow");
        tokio::spawn(async move { client.get(url).send().await })
    };
    tokio::time::sleep(Duration::from_millis(150)).await;
    let stop = app.graceful_stop();
    let resp = in_flight
        .await
        .unwrap()
        .expect("the in-flight request completed");
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.text().await.unwrap(), "finished");
    stop.await;
    assert!(
        app.client.get(app.url("/healthz")).send().await.is_err(),
        "no new connections after the stop"
    );
}

#[test]
fn create_admin_bootstraps_an_account_that_can_log_in() {
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("pw");
    std::fs::write(&secret, "first-admin-secret\n").unwrap();
    let out = kirana(dir.path())
        .args([
            "create-admin",
            "--email",
            "Owner@Shop.in",
            "--password-file",
        ])
        .arg(&secret)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("owner@shop.in"));

    // A common password is refused with the rule named; nothing is created.
    let weak = kirana(dir.path())
        .args(["create-admin", "--email", "second@shop.in"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            child.stdin.take().unwrap().write_all(b"password\n")?;
            child.wait_with_output()
        })
        .unwrap();
    assert!(!weak.status.success());
    assert!(String::from_utf8_lossy(&weak.stderr).contains("password"));

    let port = free_port();
    let mut child = kirana(dir.path())
        .arg("serve")
        .env("KIRANA__SERVER__PORT", port.to_string())
        .spawn()
        .unwrap();
    wait_ready(port, &mut child);
    let body = r#"{"email":"owner@shop.in","password":"first-admin-secret"}"#;
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        stream,
        "POST /api/v1/auth/login HTTP/1.0\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut resp = String::new();
    stream.read_to_string(&mut resp).unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert!(resp.starts_with("HTTP/1.0 200"), "{resp}");
    assert!(resp.contains(r#""role":"admin""#), "{resp}");
}

#[test]
fn serve_demo_fills_an_empty_store_once() {
    let dir = tempfile::tempdir().unwrap();
    for round in 0..2 {
        let port = free_port();
        let mut child = kirana(dir.path())
            .args(["serve", "--demo"])
            .env("KIRANA__SERVER__PORT", port.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        wait_ready(port, &mut child);
        let page = get(port, "/api/v1/catalog/products?limit=100").unwrap();
        assert!(page.starts_with("HTTP/1.0 200"), "{page}");
        assert!(page.contains("\"slug\""), "the demo products are listed");
        let categories = get(port, "/api/v1/catalog/categories").unwrap();
        assert!(categories.contains("Grocery"), "{categories}");
        child.kill().unwrap();
        let mut out = String::new();
        std::io::Read::read_to_string(&mut child.stdout.take().unwrap(), &mut out).unwrap();
        child.wait().unwrap();
        if round == 0 {
            assert!(out.contains("password of the demo accounts:"), "{out}");
        } else {
            assert!(
                out.contains("no demo data added"),
                "a second start seeds nothing: {out}"
            );
        }
    }
}

#[actix_web::test]
async fn no_reset_link_reaches_the_log_and_an_admin_can_print_one() {
    let dir = tempfile::tempdir().unwrap();
    let password_file = dir.path().join("pw");
    std::fs::write(&password_file, "Kirana-Owner-2026!").unwrap();
    let created = kirana(dir.path())
        .args([
            "create-admin",
            "--email",
            "owner@shop.in",
            "--password-file",
        ])
        .arg(&password_file)
        .output()
        .unwrap();
    assert!(created.status.success(), "{created:?}");
    let port = free_port();
    let mut child = kirana(dir.path())
        .arg("serve")
        .env("KIRANA__SERVER__PORT", port.to_string())
        .env("KIRANA__LOG__FORMAT", "json")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_ready(port, &mut child);
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let asked = client
        .post(format!("{base}/api/v1/auth/password-reset"))
        .json(&serde_json::json!({"email": "owner@shop.in"}))
        .send()
        .await
        .unwrap();
    assert_eq!(asked.status(), 202);

    let printed = kirana(dir.path())
        .args(["reset-link", "--email", "owner@shop.in"])
        .output()
        .unwrap();
    assert!(printed.status.success(), "{printed:?}");
    let stdout = String::from_utf8_lossy(&printed.stdout).to_string();
    let token = stdout
        .lines()
        .find_map(|l| l.split_once("reset-password?token=").map(|(_, t)| t.trim()))
        .unwrap_or_else(|| panic!("no link in {stdout}"))
        .to_string();
    let confirmed = client
        .post(format!("{base}/api/v1/auth/password-reset/confirm"))
        .json(&serde_json::json!({"token": token, "new_password": "Fresh-Counter-77!"}))
        .send()
        .await
        .unwrap();
    assert!(
        confirmed.status().is_success(),
        "{:?}",
        confirmed.text().await
    );
    let login = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({"email": "owner@shop.in", "password": "Fresh-Counter-77!"}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    let unknown = kirana(dir.path())
        .args(["reset-link", "--email", "nobody@shop.in"])
        .output()
        .unwrap();
    assert!(!unknown.status.success());

    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    child.wait().unwrap();
    let mut logs = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut logs)
        .unwrap();
    assert!(logs.contains("e-mail not sent"), "{logs}");
    assert!(
        !logs.contains("token="),
        "a reset token reached the log: {logs}"
    );
}
