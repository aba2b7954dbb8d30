//! Login with OpenID Connect against a real provider: the npm package `oidc-provider`
//! (a certified implementation) on loopback, driven through its login and consent pages
//! like a browser would.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::Stdio;

use common::{PASSWORD, TestApp, TestDb, for_each_backend, register};
use diesel::prelude::*;
use kirana::config::OidcProviderSettings;
use kirana::schema::{oidc_identities, users};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};

const PUBLIC_URL: &str = "http://kirana.test";
const SECRET: &str = "provider-test-secret";

/// The provider process; killed when dropped.
struct Provider {
    issuer: String,
    _child: tokio::process::Child,
}

async fn start_provider() -> Provider {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/oidc");
    assert!(
        std::path::Path::new(dir)
            .join("node_modules/oidc-provider")
            .exists(),
        "run `npm ci --prefix tests/oidc` first (scripts/test does)"
    );
    let mut child = tokio::process::Command::new("node")
        .arg("provider.mjs")
        .current_dir(dir)
        .env(
            "REDIRECT_URI",
            format!("{PUBLIC_URL}/api/v1/auth/oidc/local/callback"),
        )
        .env("CLIENT_SECRET", SECRET)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("node runs");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let issuer = tokio::time::timeout(std::time::Duration::from_secs(20), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(issuer) = line.strip_prefix("listening ") {
                return issuer.to_string();
            }
        }
        panic!("the provider exited before listening")
    })
    .await
    .expect("the provider starts within 20 s");
    // Keep its stdout drained: a closed pipe would kill it at its next log line.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Provider {
        issuer,
        _child: child,
    }
}

async fn app_with(provider: &Provider, backend: &common::Backend) -> TestApp {
    let issuer = provider.issuer.clone();
    TestApp::start(
        TestDb::new(backend),
        move |s| {
            s.auth.public_url = PUBLIC_URL.into();
            s.oidc.insert(
                "local".into(),
                OidcProviderSettings {
                    label: "Loopback provider".into(),
                    issuer,
                    client_id: "kirana".into(),
                    client_secret: SECRET.into(),
                    ..OidcProviderSettings::default()
                },
            );
        },
        |b| b,
    )
    .await
}

fn set_cookie(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix(&format!("{name}=")))
        .map(|rest| rest.split(';').next().unwrap_or("").to_string())
        .filter(|v| !v.is_empty())
}

fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get(reqwest::header::LOCATION)
        .unwrap_or_else(|| panic!("no Location in a {} response", response.status()))
        .to_str()
        .unwrap()
        .to_string()
}

/// Starts a login at Kirana, logs in at the provider as `account` and consents, and
/// returns Kirana's callback URL (on the test server) with the browser's state cookie.
async fn through_provider(app: &TestApp, provider: &Provider, account: &str) -> (String, String) {
    let start = app
        .client
        .get(app.url("/api/v1/auth/oidc/local/start?return_to=/orders"))
        .send()
        .await
        .unwrap();
    assert_eq!(start.status(), StatusCode::SEE_OTHER);
    let state_cookie = set_cookie(&start, "kirana_oidc").expect("state cookie");
    let mut next = location(&start);
    assert!(next.starts_with(&provider.issuer), "{next}");
    assert!(next.contains("code_challenge_method=S256"), "{next}");

    let browser = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let base = url::Url::parse(&provider.issuer).unwrap();
    for _ in 0..12 {
        if next.starts_with(PUBLIC_URL) {
            let back = next.replacen(PUBLIC_URL, &app.base, 1);
            return (back, state_cookie);
        }
        let url = base.join(&next).unwrap();
        let page = browser.get(url.clone()).send().await.unwrap();
        if page.status().is_redirection() {
            next = location(&page);
            continue;
        }
        assert_eq!(page.status(), StatusCode::OK, "{url}");
        let html = page.text().await.unwrap();
        let form: Vec<(&str, &str)> = if html.contains("name=\"login\"") {
            vec![("prompt", "login"), ("login", account), ("password", "any")]
        } else {
            vec![("prompt", "consent")]
        };
        let posted = browser.post(url).form(&form).send().await.unwrap();
        assert!(posted.status().is_redirection(), "{}", posted.status());
        next = location(&posted);
    }
    panic!("the provider never redirected back");
}

async fn callback(app: &TestApp, url: &str, state_cookie: Option<&str>) -> reqwest::Response {
    let mut request = app.client.get(url);
    if let Some(state) = state_cookie {
        request = request.header(reqwest::header::COOKIE, format!("kirana_oidc={state}"));
    }
    request.send().await.unwrap()
}

async fn me(app: &TestApp, access: &str) -> Value {
    let response = app
        .client
        .get(app.url("/api/v1/me"))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

async fn identities(app: &TestApp) -> i64 {
    app.db
        .read(|conn| Ok(oidc_identities::table.count().get_result(conn)?))
        .await
        .unwrap()
}

async fn user_count(app: &TestApp) -> i64 {
    app.db
        .read(|conn| Ok(users::table.count().get_result(conn)?))
        .await
        .unwrap()
}

#[actix_web::test]
async fn an_openid_login_creates_a_customer_and_logs_them_in() {
    let provider = start_provider().await;
    for_each_backend(|backend| {
        let provider = &provider;
        async move {
            let app = app_with(provider, &backend).await;
            let listed: Value = app
                .client
                .get(app.url("/api/v1/auth/oidc/providers"))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            assert_eq!(listed[0]["name"], "local");
            assert_eq!(listed[0]["label"], "Loopback provider");

            let (url, state) = through_provider(&app, provider, "meera@example.com").await;
            let done = callback(&app, &url, Some(&state)).await;
            assert_eq!(done.status(), StatusCode::SEE_OTHER);
            assert_eq!(location(&done), "/orders");
            let access = set_cookie(&done, "kirana_access").expect("session cookie");
            assert!(set_cookie(&done, "kirana_refresh").is_some());
            let profile = me(&app, &access).await;
            assert_eq!(profile["email"], "meera@example.com");
            assert_eq!(profile["role"], "customer");
            assert_eq!(profile["name"], "Test meera");
            assert_eq!(identities(&app).await, 1);

            // The same callback again (a replay) is refused: its state was used.
            let replay = callback(&app, &url, Some(&state)).await;
            assert_eq!(replay.status(), StatusCode::BAD_REQUEST);

            // Logging in again finds the same account by (issuer, subject).
            let (url, state) = through_provider(&app, provider, "meera@example.com").await;
            let again = callback(&app, &url, Some(&state)).await;
            assert_eq!(again.status(), StatusCode::SEE_OTHER);
            let access = set_cookie(&again, "kirana_access").unwrap();
            assert_eq!(me(&app, &access).await["id"], profile["id"]);
            assert_eq!(identities(&app).await, 1);
            assert_eq!(user_count(&app).await, 1);
        }
    })
    .await;
}

#[actix_web::test]
async fn a_callback_from_another_browser_or_with_a_forged_state_is_refused() {
    let provider = start_provider().await;
    let app = app_with(&provider, &common::Backend::Sqlite).await;
    let (url, state) = through_provider(&app, &provider, "ravi@example.com").await;
    // The victim's browser has no (or another) state cookie: login CSRF is refused.
    let planted = callback(&app, &url, None).await;
    assert_eq!(planted.status(), StatusCode::BAD_REQUEST);
    let other = callback(&app, &url, Some("someone-elses-state")).await;
    assert_eq!(other.status(), StatusCode::BAD_REQUEST);
    // A code for another provider name is refused too.
    let elsewhere = url.replace("/oidc/local/", "/oidc/nosuch/");
    assert_eq!(
        callback(&app, &elsewhere, Some(&state)).await.status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(user_count(&app).await, 0);
    // An unknown provider is a 404 at the start.
    let unknown = app
        .client
        .get(app.url("/api/v1/auth/oidc/nosuch/start"))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn an_existing_account_is_linked_only_after_its_owner_logs_in() {
    let provider = start_provider().await;
    for_each_backend(|backend| {
        let provider = &provider;
        async move {
            let app = app_with(provider, &backend).await;
            assert_eq!(
                register(&app, "asha@example.com", PASSWORD).await.status(),
                201
            );
            let (url, state) = through_provider(&app, provider, "asha@example.com").await;
            let offered = callback(&app, &url, Some(&state)).await;
            assert_eq!(offered.status(), StatusCode::SEE_OTHER);
            assert!(
                set_cookie(&offered, "kirana_access").is_none(),
                "no session before the password"
            );
            let to = location(&offered);
            let link = url::Url::parse(&format!("{PUBLIC_URL}{to}"))
                .unwrap()
                .query_pairs()
                .find(|(k, _)| k == "oidc_link")
                .map(|(_, v)| v.to_string())
                .expect("a link token");
            assert_eq!(identities(&app).await, 0);

            // The wrong password links nothing.
            let wrong = app
                .client
                .post(app.url("/api/v1/auth/login"))
                .json(&json!({"email": "asha@example.com", "password": "not-her-password", "oidc_link": link}))
                .send()
                .await
                .unwrap();
            assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
            assert_eq!(identities(&app).await, 0);
            // The link is for Asha's e-mail only.
            assert_eq!(
                register(&app, "mallory@example.com", PASSWORD).await.status(),
                201
            );
            let hijack = app
                .client
                .post(app.url("/api/v1/auth/login"))
                .json(&json!({"email": "mallory@example.com", "password": PASSWORD, "oidc_link": link}))
                .send()
                .await
                .unwrap();
            assert_eq!(hijack.status(), StatusCode::BAD_REQUEST);
            let problem: Value = hijack.json().await.unwrap();
            assert_eq!(problem["errors"][0]["field"], "oidc_link");
            assert_eq!(identities(&app).await, 0);

            let proved = app
                .client
                .post(app.url("/api/v1/auth/login"))
                .json(&json!({"email": "asha@example.com", "password": PASSWORD, "oidc_link": link}))
                .send()
                .await
                .unwrap();
            assert_eq!(proved.status(), StatusCode::OK);
            let asha: Value = proved.json().await.unwrap();
            assert_eq!(identities(&app).await, 1);

            // From now on the provider logs in to Asha's account directly.
            let (url, state) = through_provider(&app, provider, "asha@example.com").await;
            let direct = callback(&app, &url, Some(&state)).await;
            assert_eq!(location(&direct), "/orders");
            let access = set_cookie(&direct, "kirana_access").unwrap();
            assert_eq!(me(&app, &access).await["id"], asha["user"]["id"]);
        }
    })
    .await;
}

#[actix_web::test]
async fn an_unverified_email_neither_takes_over_nor_creates_an_account() {
    let provider = start_provider().await;
    for_each_backend(|backend| {
        let provider = &provider;
        async move {
            let app = app_with(provider, &backend).await;
            let email = "unverified.bob@example.com";
            assert_eq!(register(&app, email, PASSWORD).await.status(), 201);
            let (url, state) = through_provider(&app, provider, email).await;
            let taken = callback(&app, &url, Some(&state)).await;
            assert_eq!(taken.status(), StatusCode::CONFLICT);
            assert!(set_cookie(&taken, "kirana_access").is_none());

            let (url, state) = through_provider(&app, provider, "unverified.new@example.com").await;
            let fresh = callback(&app, &url, Some(&state)).await;
            assert_eq!(fresh.status(), StatusCode::FORBIDDEN);
            assert_eq!(user_count(&app).await, 1);
            assert_eq!(identities(&app).await, 0);
        }
    })
    .await;
}
