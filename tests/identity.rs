//! Identity and the gateway, end to end: accounts, tokens, sessions, RBAC, limits.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use common::{Backend, PASSWORD, TestApp, TestDb, for_each_backend, login, register, with_role};
use diesel::prelude::*;
use kirana::config::Settings;
use kirana::contracts::auth::Role;
use kirana::contracts::mail::Mailer;
use kirana::gateway::rbac::Access;
use kirana::gateway::tokens::{ACCESS_TOKEN_TYPE, AccessClaims, KeyRing};
use kirana::schema::refresh_tokens;
use serde_json::{Value, json};

/// Registers and logs in; returns (user id, access token, refresh token).
async fn customer(app: &TestApp, email: &str) -> (String, String, String) {
    assert_eq!(register(app, email, PASSWORD).await.status(), 201);
    let body: Value = login(app, email, PASSWORD).await.json().await.unwrap();
    (
        body["user"]["id"].as_str().unwrap().to_string(),
        body["access_token"].as_str().unwrap().to_string(),
        body["refresh_token"].as_str().unwrap().to_string(),
    )
}

async fn get_me(app: &TestApp, token: &str) -> reqwest::Response {
    app.client
        .get(app.url("/api/v1/me"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

async fn refresh(app: &TestApp, token: &str) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/auth/refresh"))
        .json(&json!({"refresh_token": token}))
        .send()
        .await
        .unwrap()
}

async fn live_families(app: &TestApp, user_id: &str) -> Vec<String> {
    let id = user_id.to_string();
    app.db
        .read(move |conn| {
            Ok(refresh_tokens::table
                .filter(refresh_tokens::user_id.eq(id))
                .filter(refresh_tokens::revoked_at.is_null())
                .filter(refresh_tokens::rotated_at.is_null())
                .select(refresh_tokens::family_id)
                .load::<String>(conn)?)
        })
        .await
        .unwrap()
}

#[actix_web::test]
async fn register_login_refresh_and_reuse_detection() {
    for_each_backend(|backend| async move {
        let app = TestApp::spawn(&backend).await;
        let (user_id, access, first_refresh) = customer(&app, "Asha@Example.in").await;
        let me: Value = get_me(&app, &access).await.json().await.unwrap();
        assert_eq!(me["email"], "asha@example.in", "e-mail normalised");
        assert_eq!(me["role"], "customer");
        assert_eq!(
            me["permissions"],
            json!([]),
            "a customer may do nothing beyond their own"
        );

        let rotated: Value = refresh(&app, &first_refresh).await.json().await.unwrap();
        let second_refresh = rotated["refresh_token"].as_str().unwrap().to_string();
        assert_ne!(second_refresh, first_refresh);
        let new_access = rotated["access_token"].as_str().unwrap();
        assert_eq!(get_me(&app, new_access).await.status(), 200);

        // Some time later the old token comes back: reuse. (Age the rotation past the
        // grace window that protects parallel requests.)
        let uid = user_id.clone();
        app.db
            .write(move |conn| {
                diesel::update(refresh_tokens::table.filter(refresh_tokens::user_id.eq(uid)))
                    .filter(refresh_tokens::rotated_at.is_not_null())
                    .set(
                        refresh_tokens::rotated_at
                            .eq(kirana::db::now() - chrono::TimeDelta::minutes(5)),
                    )
                    .execute(conn)?;
                Ok(())
            })
            .await
            .unwrap();
        let reused = refresh(&app, &first_refresh).await;
        assert_eq!(reused.status(), 401);
        // ...and the whole family is gone, including the token the thief may hold.
        assert_eq!(refresh(&app, &second_refresh).await.status(), 401);
        assert!(live_families(&app, &user_id).await.is_empty());
    })
    .await;
}

fn parse_set_cookies(resp: &reqwest::Response) -> HashMap<String, String> {
    resp.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| {
            let first = v.split(';').next()?;
            let (name, value) = first.split_once('=')?;
            Some((name.to_string(), value.to_string()))
        })
        .collect()
}

#[actix_web::test]
async fn an_expired_cookie_session_is_refreshed_transparently_even_under_concurrency() {
    for_each_backend(|backend| async move {
        let test_db = TestDb::new(&backend);
        let app = TestApp::start(test_db.clone(), |s| s.auth.cookie_secure = false, |b| b).await;
        assert_eq!(
            register(&app, "ravi@example.in", PASSWORD).await.status(),
            201
        );
        let resp = app
            .client
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({"email": "ravi@example.in", "password": PASSWORD, "use_cookies": true}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        let raw: Vec<String> = resp
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .collect();
        assert!(raw.iter().any(|c| c.starts_with("kirana_access=")
            && c.contains("HttpOnly")
            && c.contains("SameSite=Strict")));
        assert!(
            raw.iter()
                .any(|c| c.starts_with("kirana_refresh=") && c.contains("Path=/api"))
        );
        let cookies = parse_set_cookies(&resp);
        let body: Value = resp.json().await.unwrap();
        assert!(
            body["access_token"].is_null(),
            "tokens stay out of the body"
        );
        let user_id = body["user"]["id"].as_str().unwrap().to_string();

        // An access token that expired an hour ago, signed with the server's key.
        let settings = test_db.settings();
        let keys = KeyRing::load(&settings.auth, &settings.data_dir).unwrap();
        let now = chrono::Utc::now().timestamp();
        let expired = keys
            .sign(&AccessClaims {
                iss: settings.auth.issuer.clone(),
                aud: settings.auth.audience.clone(),
                sub: user_id.clone(),
                iat: now - 7200,
                exp: now - 3600,
                jti: "old".into(),
                typ: ACCESS_TOKEN_TYPE.into(),
                role: Role::Customer,
                ver: 1,
            })
            .unwrap();
        let cookie_header = format!(
            "kirana_access={expired}; kirana_refresh={}; kirana_csrf={}",
            cookies["kirana_refresh"], cookies["kirana_csrf"]
        );

        let mut requests = Vec::new();
        for _ in 0..10 {
            let client = app.client.clone();
            let url = app.url("/api/v1/me");
            let cookie = cookie_header.clone();
            requests.push(tokio::spawn(async move {
                client
                    .get(url)
                    .header("cookie", cookie)
                    .send()
                    .await
                    .unwrap()
            }));
        }
        let mut refreshed_access = 0;
        for r in requests {
            let resp = r.await.unwrap();
            assert_eq!(resp.status(), 200, "{:?}", resp.text().await);
            if parse_set_cookies(&resp).contains_key("kirana_access") {
                refreshed_access += 1;
            }
        }
        assert_eq!(
            refreshed_access, 10,
            "every response carries a fresh access cookie"
        );
        assert_eq!(
            live_families(&app, &user_id).await.len(),
            1,
            "one live session"
        );

        // A cookie-authenticated write without the CSRF header is refused.
        let resp = app
            .client
            .patch(app.url("/api/v1/me"))
            .header("cookie", cookie_header.clone())
            .json(&json!({"name": "Ravi"}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 403);
        let resp = app
            .client
            .patch(app.url("/api/v1/me"))
            .header("cookie", cookie_header)
            .header("x-csrf-token", cookies["kirana_csrf"].clone())
            .json(&json!({"name": "Ravi"}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
    })
    .await;
}

#[actix_web::test]
async fn forged_and_foreign_tokens_are_rejected() {
    for_each_backend(|backend| async move {
        let test_db = TestDb::new(&backend);
        let app = TestApp::start(test_db.clone(), |_| {}, |b| b).await;
        let (user_id, access, _) = customer(&app, "meera@example.in").await;
        let settings = test_db.settings();
        let keys = KeyRing::load(&settings.auth, &settings.data_dir).unwrap();
        let now = chrono::Utc::now().timestamp();
        let claims = AccessClaims {
            iss: settings.auth.issuer.clone(),
            aud: settings.auth.audience.clone(),
            sub: user_id.clone(),
            iat: now,
            exp: now + 600,
            jti: "x".into(),
            typ: ACCESS_TOKEN_TYPE.into(),
            role: Role::Customer,
            ver: 1,
        };
        assert_eq!(
            get_me(&app, &keys.sign(&claims).unwrap()).await.status(),
            200
        );

        let b64 = |v: &Value| {
            use base64::Engine;
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap())
        };
        let parts: Vec<&str> = access.split('.').collect();
        let mut admin_claims = serde_json::to_value(&claims).unwrap();
        admin_claims["role"] = json!("admin");
        let tampered = format!("{}.{}.{}", parts[0], b64(&admin_claims), parts[2]);
        let none = format!(
            "{}.{}.",
            b64(&json!({"alg": "none", "typ": "JWT"})),
            b64(&admin_claims)
        );
        let wrong_aud = keys
            .sign(&AccessClaims {
                aud: "someone-else".into(),
                ..claims.clone()
            })
            .unwrap();
        let wrong_iss = keys
            .sign(&AccessClaims {
                iss: "https://evil.example".into(),
                ..claims.clone()
            })
            .unwrap();
        let expired = keys
            .sign(&AccessClaims {
                exp: now - 3600,
                ..claims.clone()
            })
            .unwrap();
        let refresh_typed = keys
            .sign(&AccessClaims {
                typ: "refresh".into(),
                ..claims.clone()
            })
            .unwrap();
        let stale_version = keys
            .sign(&AccessClaims {
                ver: 0,
                ..claims.clone()
            })
            .unwrap();
        for (name, token) in [
            ("tampered", tampered),
            ("alg none", none),
            ("wrong audience", wrong_aud),
            ("wrong issuer", wrong_iss),
            ("expired", expired),
            ("not an access token", refresh_typed),
            ("stale version", stale_version),
            ("garbage", "abc.def".to_string()),
        ] {
            let resp = get_me(&app, &token).await;
            assert_eq!(resp.status(), 401, "{name}");
            assert!(resp.headers().get("www-authenticate").is_some(), "{name}");
        }
    })
    .await;
}

#[actix_web::test]
async fn every_route_has_a_rule_and_the_rules_hold() {
    for_each_backend(|backend| async move {
        let app = TestApp::spawn(&backend).await;
        let (_, customer_token, _) = customer(&app, "cust@example.in").await;
        let doc: Value = app
            .client
            .get(app.url("/api/openapi.json"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let rules = kirana::route_rules();
        let mut checked = 0;
        for (path, item) in doc["paths"].as_object().unwrap() {
            if !path.starts_with("/api/v1/") {
                continue;
            }
            for method in item.as_object().unwrap().keys() {
                let method = method.to_uppercase();
                let rule = rules
                    .iter()
                    .find(|r| r.path == path && r.method == method)
                    .unwrap_or_else(|| panic!("{method} {path} has no RBAC rule"));
                let concrete = path.replace("{id}", "01938e2a-0000-7000-8000-000000000000");
                let call = |token: Option<&str>| {
                    let mut req = app
                        .client
                        .request(method.parse().unwrap(), app.url(&concrete))
                        .json(&json!({}));
                    if let Some(t) = token {
                        req = req.bearer_auth(t);
                    }
                    req.send()
                };
                match rule.access {
                    Access::Public => {}
                    Access::Authenticated | Access::Permission(_) => {
                        let resp = call(None).await.unwrap();
                        assert_eq!(resp.status(), 401, "anonymous {method} {path}");
                        assert!(resp.headers().get("www-authenticate").is_some());
                    }
                }
                if let Access::Permission(p) = rule.access
                    && !Role::Customer.permissions().contains(p)
                {
                    let resp = call(Some(&customer_token)).await.unwrap();
                    assert_eq!(resp.status(), 403, "customer {method} {path}");
                }
                if path.starts_with("/api/v1/admin/") {
                    assert!(
                        matches!(rule.access, Access::Permission(_)),
                        "{path} must need a permission"
                    );
                }
                checked += 1;
            }
        }
        assert!(checked >= 17, "only {checked} routes checked");
        // Every rule is documented too.
        for rule in &rules {
            let item = &doc["paths"][rule.path];
            assert!(
                item[rule.method.to_lowercase()].is_object(),
                "{} {} is not in the OpenAPI document",
                rule.method,
                rule.path
            );
        }
    })
    .await;
}

#[actix_web::test]
async fn admins_find_accounts_by_part_of_a_name_or_email_and_by_role() {
    for_each_backend(|backend| async move {
        let app = TestApp::spawn(&backend).await;
        let (_, admin) = with_role(&app, "owner@example.in", Role::Admin).await;
        with_role(&app, "ravi.kumar@sellers.in", Role::Seller).await;
        with_role(&app, "meena@shop.in", Role::Staff).await;
        customer(&app, "Kumari.Devi@example.in").await;
        customer(&app, "under_score@example.in").await;
        customer(&app, "underxscore@example.in").await;
        let emails = |q: &str| {
            let app = &app;
            let admin = admin.clone();
            let q = q.to_string();
            async move {
                let resp = app
                    .client
                    .get(app.url("/api/v1/admin/users"))
                    .query(&[("q", q.as_str())])
                    .bearer_auth(&admin)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(resp.status(), 200);
                let body: Value = resp.json().await.unwrap();
                let mut found: Vec<String> = body["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|u| u["email"].as_str().unwrap().to_string())
                    .collect();
                found.sort();
                found
            }
        };
        // Any case, anywhere in the e-mail; a _ typed is a _ and not a wildcard.
        assert_eq!(
            emails("KUMAR").await,
            vec!["kumari.devi@example.in", "ravi.kumar@sellers.in"]
        );
        assert_eq!(emails("under_s").await, vec!["under_score@example.in"]);
        assert_eq!(emails("nobody").await, Vec::<String>::new());
        let sellers: Value = app
            .client
            .get(app.url("/api/v1/admin/users?role=seller"))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let roles: Vec<&str> = sellers["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["role"].as_str().unwrap())
            .collect();
        assert_eq!(roles, vec!["seller"]);
    })
    .await;
}

#[actix_web::test]
async fn role_changes_and_disabling_take_effect_at_once() {
    for_each_backend(|backend| async move {
        let app = TestApp::spawn(&backend).await;
        let (_, admin) = with_role(&app, "owner@example.in", Role::Admin).await;
        let (staff_id, staff_token, _) = customer(&app, "clerk@example.in").await;
        // Each account says what its role may do, as the gateway's table has it.
        let (_, seller) = with_role(&app, "ravi@sellers.in", Role::Seller).await;
        let seller_me: Value = get_me(&app, &seller).await.json().await.unwrap();
        let granted: std::collections::BTreeSet<&str> = seller_me["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap())
            .collect();
        assert_eq!(
            granted,
            ["catalog.write", "inventory.adjust", "orders.read_own_lines"].into()
        );

        // Promote to staff: the customer token stops working until refreshed.
        let resp = app
            .client
            .patch(app.url(&format!("/api/v1/admin/users/{staff_id}")))
            .bearer_auth(&admin)
            .json(&json!({"role": "staff"}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.json::<Value>().await.unwrap()["role"], "staff");
        assert_eq!(get_me(&app, &staff_token).await.status(), 401);

        let body: Value = login(&app, "clerk@example.in", PASSWORD)
            .await
            .json()
            .await
            .unwrap();
        let staff_token = body["access_token"].as_str().unwrap().to_string();
        assert_eq!(
            get_me(&app, &staff_token)
                .await
                .json::<Value>()
                .await
                .unwrap()["role"],
            "staff"
        );
        // Restating the role and status they have changes nothing: their token lives on.
        let resp = app
            .client
            .patch(app.url(&format!("/api/v1/admin/users/{staff_id}")))
            .bearer_auth(&admin)
            .json(&json!({"role": "staff", "status": "active"}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        assert_eq!(get_me(&app, &staff_token).await.status(), 200);
        // Staff cannot manage users.
        let resp = app
            .client
            .get(app.url("/api/v1/admin/users"))
            .bearer_auth(&staff_token)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 403);

        // Disabled: the very next request fails, and login too.
        let resp = app
            .client
            .patch(app.url(&format!("/api/v1/admin/users/{staff_id}")))
            .bearer_auth(&admin)
            .json(&json!({"status": "disabled"}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        assert_eq!(get_me(&app, &staff_token).await.status(), 401);
        assert_eq!(
            login(&app, "clerk@example.in", PASSWORD).await.status(),
            401
        );

        // The last admin cannot demote themselves.
        let me: Value = get_me(&app, &admin).await.json().await.unwrap();
        let resp = app
            .client
            .patch(app.url(&format!(
                "/api/v1/admin/users/{}",
                me["id"].as_str().unwrap()
            )))
            .bearer_auth(&admin)
            .json(&json!({"role": "customer"}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 409);
    })
    .await;
}

#[actix_web::test]
async fn profile_updates_cannot_touch_protected_fields() {
    for_each_backend(|backend| async move {
        let app = TestApp::spawn(&backend).await;
        let (_, token, _) = customer(&app, "neha@example.in").await;
        for body in [
            json!({"name": "Neha", "role": "admin"}),
            json!({"email": "boss@example.in"}),
            json!({"auth_version": 99}),
        ] {
            let resp = app
                .client
                .patch(app.url("/api/v1/me"))
                .bearer_auth(&token)
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 400, "{body}");
        }
        let me: Value = get_me(&app, &token).await.json().await.unwrap();
        assert_eq!(me["role"], "customer");
        assert_eq!(me["email"], "neha@example.in");
        assert_eq!(me["name"], "Asha Rao");

        let resp = app
            .client
            .patch(app.url("/api/v1/me"))
            .bearer_auth(&token)
            .json(&json!({"name": "Neha K", "phone": "+91 98450 12345"}))
            .send()
            .await
            .unwrap();
        let me: Value = resp.json().await.unwrap();
        assert_eq!(me["name"], "Neha K");
        assert_eq!(me["phone"], "+919845012345");
    })
    .await;
}

#[actix_web::test]
async fn passwords_follow_nist_rules_and_are_never_truncated() {
    for_each_backend(|backend| async move {
        let app = TestApp::spawn(&backend).await;
        let long = "a".repeat(64);
        assert_eq!(register(&app, "long@example.in", &long).await.status(), 201);
        assert_eq!(
            login(&app, "long@example.in", &"a".repeat(63))
                .await
                .status(),
            401
        );
        assert_eq!(login(&app, "long@example.in", &long).await.status(), 200);

        let resp = register(&app, "weak@example.in", "password1").await;
        assert_eq!(resp.status(), 400);
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["errors"][0]["field"], "password");
        assert_eq!(
            register(&app, "short@example.in", "Ab1!").await.status(),
            400
        );
        // No composition rules: a long lower-case passphrase is fine.
        assert_eq!(
            register(&app, "phrase@example.in", "chai and samosa at four")
                .await
                .status(),
            201
        );
        // The same address twice (any case) is a conflict.
        assert_eq!(
            register(&app, "LONG@example.in", PASSWORD).await.status(),
            409
        );
    })
    .await;
}

#[actix_web::test]
async fn the_sixth_wrong_password_locks_the_account_even_against_the_right_one() {
    for_each_backend(|backend| async move {
        let app = TestApp::spawn(&backend).await;
        assert_eq!(
            register(&app, "target@example.in", PASSWORD).await.status(),
            201
        );
        for i in 0..5 {
            let resp = login(&app, "target@example.in", "wrong-password-x").await;
            assert_eq!(resp.status(), 401, "attempt {i}");
        }
        let resp = login(&app, "target@example.in", PASSWORD).await;
        assert_eq!(resp.status(), 429);
        assert!(resp.headers().get("retry-after").is_some());
        // Unknown accounts answer exactly like wrong passwords.
        let unknown = login(&app, "nobody@example.in", PASSWORD).await;
        assert_eq!(unknown.status(), 401);
        let wrong = login(&app, "other@example.in", "x").await;
        assert_eq!(wrong.status(), 401);
    })
    .await;
}

#[actix_web::test]
async fn a_burst_over_the_per_ip_quota_gets_429_and_forged_forwarded_for_does_not_help() {
    let app = TestApp::start(
        TestDb::new(&Backend::Sqlite),
        |s| s.rate_limit.per_ip_per_minute = 20,
        |b| b,
    )
    .await;
    let mut statuses = Vec::new();
    for i in 0..30 {
        let resp = app
            .client
            .get(app.url("/api/openapi.json"))
            // Each request claims another address; the peer is not a trusted proxy.
            .header("x-forwarded-for", format!("198.51.100.{i}"))
            .send()
            .await
            .unwrap();
        statuses.push(resp.status().as_u16());
        if resp.status() == 429 {
            assert!(resp.headers().get("retry-after").is_some());
            assert!(resp.headers().get("ratelimit-policy").is_some());
            assert!(resp.headers().get("ratelimit").is_some());
        }
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        20,
        "{statuses:?}"
    );
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 10);
    // Health checks are not API traffic and stay up.
    assert_eq!(
        app.client
            .get(app.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

#[actix_web::test]
async fn admin_routes_are_closed_to_networks_outside_the_allowlist() {
    let app = TestApp::start(
        TestDb::new(&Backend::Sqlite),
        |s| s.gateway.admin_allowlist = vec!["10.20.0.0/16".parse().unwrap()],
        |b| b,
    )
    .await;
    let (_, admin) = with_role(&app, "boss@example.in", Role::Admin).await;
    let resp = app
        .client
        .get(app.url("/api/v1/admin/users"))
        .bearer_auth(&admin)
        .header("x-forwarded-for", "10.20.1.1")
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.status(),
        403,
        "a forged X-Forwarded-For is not believed"
    );
    // Non-admin routes are unaffected.
    assert_eq!(get_me(&app, &admin).await.status(), 200);

    // Behind a trusted proxy, the forwarded address counts.
    let proxied = TestApp::start(
        TestDb::new(&Backend::Sqlite),
        |s| {
            s.gateway.admin_allowlist = vec!["10.20.0.0/16".parse().unwrap()];
            s.gateway.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
        },
        |b| b,
    )
    .await;
    let (_, admin) = with_role(&proxied, "boss@example.in", Role::Admin).await;
    for (forwarded, expected) in [("10.20.1.1", 200), ("192.0.2.5", 403)] {
        let resp = proxied
            .client
            .get(proxied.url("/api/v1/admin/users"))
            .bearer_auth(&admin)
            .header("x-forwarded-for", forwarded)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), expected, "{forwarded}");
    }
}

#[derive(Default)]
struct Outbox {
    sent: Mutex<Vec<(String, String)>>,
}

impl Mailer for Outbox {
    fn send(&self, to: &str, _subject: &str, body: &str) -> Result<(), String> {
        self.sent
            .lock()
            .unwrap()
            .push((to.to_string(), body.to_string()));
        Ok(())
    }
}

#[actix_web::test]
async fn password_reset_is_single_use_and_ends_every_session() {
    for_each_backend(|backend| async move {
        let mail = Arc::new(Outbox::default());
        let app = TestApp::start(TestDb::new(&backend), |_| {}, |b| b.mailer(mail.clone())).await;
        let (user_id, access, refresh_token) = customer(&app, "forgetful@example.in").await;

        for email in ["forgetful@example.in", "nobody@example.in"] {
            let resp = app
                .client
                .post(app.url("/api/v1/auth/password-reset"))
                .json(&json!({ "email": email }))
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 202, "same answer for {email}");
        }
        let sent = mail.sent.lock().unwrap().clone();
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].0, "forgetful@example.in");
        let token = sent[0]
            .1
            .split("token=")
            .nth(1)
            .unwrap()
            .split_whitespace()
            .next()
            .unwrap()
            .to_string();

        let confirm = |token: String, password: &'static str| {
            app.client
                .post(app.url("/api/v1/auth/password-reset/confirm"))
                .json(&json!({"token": token, "new_password": password}))
                .send()
        };
        assert_eq!(
            confirm(token.clone(), "a-brand-new-secret")
                .await
                .unwrap()
                .status(),
            204
        );
        assert_eq!(
            confirm(token, "another-new-secret").await.unwrap().status(),
            400,
            "single use"
        );

        assert_eq!(
            get_me(&app, &access).await.status(),
            401,
            "old access token dead"
        );
        assert_eq!(
            refresh(&app, &refresh_token).await.status(),
            401,
            "old session dead"
        );
        assert!(live_families(&app, &user_id).await.is_empty());
        assert_eq!(
            login(&app, "forgetful@example.in", PASSWORD).await.status(),
            401
        );
        assert_eq!(
            login(&app, "forgetful@example.in", "a-brand-new-secret")
                .await
                .status(),
            200
        );
    })
    .await;
}

#[actix_web::test]
async fn changing_the_password_ends_other_sessions_and_logout_all_ends_all() {
    for_each_backend(|backend| async move {
        let app = TestApp::spawn(&backend).await;
        let (user_id, phone_access, phone_refresh) = customer(&app, "two@example.in").await;
        let laptop: Value = login(&app, "two@example.in", PASSWORD)
            .await
            .json()
            .await
            .unwrap();
        let laptop_access = laptop["access_token"].as_str().unwrap().to_string();

        let resp = app
            .client
            .post(app.url("/api/v1/me/password"))
            .bearer_auth(&laptop_access)
            .json(&json!({"current_password": PASSWORD, "new_password": "better-secret-2026"}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        let fresh: Value = resp.json().await.unwrap();
        let fresh_access = fresh["access_token"].as_str().unwrap().to_string();
        assert_eq!(get_me(&app, &fresh_access).await.status(), 200);
        assert_eq!(get_me(&app, &phone_access).await.status(), 401);
        assert_eq!(refresh(&app, &phone_refresh).await.status(), 401);
        assert_eq!(live_families(&app, &user_id).await.len(), 1);

        let resp = app
            .client
            .post(app.url("/api/v1/me/password"))
            .bearer_auth(&fresh_access)
            .json(&json!({"current_password": "not-it-at-all", "new_password": "whatever-else-99"}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 400);

        let resp = app
            .client
            .post(app.url("/api/v1/auth/logout-all"))
            .bearer_auth(&fresh_access)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 204);
        assert_eq!(get_me(&app, &fresh_access).await.status(), 401);
        assert!(live_families(&app, &user_id).await.is_empty());
    })
    .await;
}

#[actix_web::test]
async fn api_keys_carry_a_subset_of_permissions_and_can_be_revoked() {
    for_each_backend(|backend| async move {
        let app = TestApp::spawn(&backend).await;
        let (_, admin) = with_role(&app, "owner@example.in", Role::Admin).await;
        let resp = app
            .client
            .post(app.url("/api/v1/admin/api-keys"))
            .bearer_auth(&admin)
            .json(&json!({"name": "accounting sync", "permissions": ["users.manage"]}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 201);
        let created: Value = resp.json().await.unwrap();
        let secret = created["secret"].as_str().unwrap().to_string();
        let id = created["id"].as_str().unwrap().to_string();
        assert!(secret.starts_with("kir_"));

        let list = |key: String| {
            app.client
                .get(app.url("/api/v1/admin/users"))
                .header("x-api-key", key)
                .send()
        };
        assert_eq!(list(secret.clone()).await.unwrap().status(), 200);
        // Only the hash is stored.
        let listed: Value = app
            .client
            .get(app.url("/api/v1/admin/api-keys"))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(!listed.to_string().contains(&secret));

        // A key with only catalog.write cannot manage users.
        let narrow: Value = app
            .client
            .post(app.url("/api/v1/admin/api-keys"))
            .bearer_auth(&admin)
            .json(&json!({"name": "catalog feed", "permissions": ["catalog.write"]}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let narrow_secret = narrow["secret"].as_str().unwrap().to_string();
        assert_eq!(list(narrow_secret).await.unwrap().status(), 403);

        let resp = app
            .client
            .delete(app.url(&format!("/api/v1/admin/api-keys/{id}")))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 204);
        assert_eq!(list(secret).await.unwrap().status(), 401);
        assert_eq!(list("kir_made-up".into()).await.unwrap().status(), 401);
    })
    .await;
}

#[actix_web::test]
async fn jwks_publishes_the_verification_key_and_headers_are_set() {
    let app = TestApp::spawn(&Backend::Sqlite).await;
    let resp = app
        .client
        .get(app.url("/.well-known/jwks.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let jwks: Value = resp.json().await.unwrap();
    let key = &jwks["keys"][0];
    assert_eq!(key["kty"], "OKP");
    assert_eq!(key["crv"], "Ed25519");
    assert_eq!(key["alg"], "EdDSA");
    assert!(key["kid"].is_string());

    let page = app.client.get(app.url("/")).send().await.unwrap();
    let h = page.headers();
    assert_eq!(h.get("x-content-type-options").unwrap(), "nosniff");
    assert!(
        h.get("content-security-policy")
            .unwrap()
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
    assert!(
        h.get("strict-transport-security").is_none(),
        "no HSTS over plain HTTP"
    );
}

#[actix_web::test]
async fn cors_allows_configured_origins_only() {
    let app = TestApp::start(
        TestDb::new(&Backend::Sqlite),
        |s: &mut Settings| s.gateway.cors_origins = vec!["https://shop.example.in".into()],
        |b| b,
    )
    .await;
    let preflight = |origin: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, app.url("/api/v1/auth/login"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type")
            .send()
    };
    let ok = preflight("https://shop.example.in").await.unwrap();
    assert_eq!(
        ok.headers().get("access-control-allow-origin").unwrap(),
        "https://shop.example.in"
    );
    let evil = preflight("https://evil.example").await.unwrap();
    assert!(evil.headers().get("access-control-allow-origin").is_none());
}

fn home() -> Value {
    json!({
        "label": "Home",
        "name": "Asha Rao",
        "phone": "+91 98450 12345",
        "line1": "12, 4th Cross, Jayanagar",
        "city": "Bengaluru",
        "state_code": "29",
        "pincode": "560041"
    })
}

#[actix_web::test]
async fn a_customer_never_sees_or_touches_another_customers_address() {
    for_each_backend(|backend| async move {
        let app = TestApp::spawn(&backend).await;
        let (_, asha, _) = customer(&app, "asha@example.in").await;
        let (_, ravi, _) = customer(&app, "ravi@example.in").await;
        let (_, admin) = with_role(&app, "owner@example.in", Role::Admin).await;

        let resp = app
            .client
            .post(app.url("/api/v1/addresses"))
            .bearer_auth(&asha)
            .json(&home())
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 201);
        let created: Value = resp.json().await.unwrap();
        assert_eq!(created["state"], "Karnataka");
        assert_eq!(
            created["is_default"], true,
            "the first address is the default"
        );
        let url = app.url(&format!(
            "/api/v1/addresses/{}",
            created["id"].as_str().unwrap()
        ));

        // Ravi: 404 on every verb, and Asha's address is unchanged.
        let mut hijack = home();
        hijack["line1"] = json!("Somewhere else");
        assert_eq!(
            app.client
                .get(&url)
                .bearer_auth(&ravi)
                .send()
                .await
                .unwrap()
                .status(),
            404
        );
        assert_eq!(
            app.client
                .put(&url)
                .bearer_auth(&ravi)
                .json(&hijack)
                .send()
                .await
                .unwrap()
                .status(),
            404
        );
        assert_eq!(
            app.client
                .delete(&url)
                .bearer_auth(&ravi)
                .send()
                .await
                .unwrap()
                .status(),
            404
        );
        let listed: Value = app
            .client
            .get(app.url("/api/v1/addresses"))
            .bearer_auth(&ravi)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(listed, json!([]));
        let mine: Value = app
            .client
            .get(&url)
            .bearer_auth(&asha)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(mine["line1"], "12, 4th Cross, Jayanagar");

        // users.manage may look (support), and the owner may edit.
        assert_eq!(
            app.client
                .get(&url)
                .bearer_auth(&admin)
                .send()
                .await
                .unwrap()
                .status(),
            200
        );
        let resp = app
            .client
            .put(&url)
            .bearer_auth(&asha)
            .json(&hijack)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        assert_eq!(
            resp.json::<Value>().await.unwrap()["line1"],
            "Somewhere else"
        );
        assert_eq!(
            app.client
                .delete(&url)
                .bearer_auth(&asha)
                .send()
                .await
                .unwrap()
                .status(),
            204
        );
        assert_eq!(
            app.client
                .get(&url)
                .bearer_auth(&asha)
                .send()
                .await
                .unwrap()
                .status(),
            404
        );
    })
    .await;
}

#[actix_web::test]
async fn address_problems_name_every_bad_field() {
    let app = TestApp::spawn(&Backend::Sqlite).await;
    let (_, token, _) = customer(&app, "asha@example.in").await;
    let mut bad = home();
    bad["state_code"] = json!("99");
    bad["pincode"] = json!("05604");
    bad["name"] = json!("  ");
    let resp = app
        .client
        .post(app.url("/api/v1/addresses"))
        .bearer_auth(&token)
        .json(&bad)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await.unwrap();
    let mut fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    fields.sort_unstable();
    assert_eq!(fields, vec!["name", "pincode", "state_code"]);
    let listed: Value = app
        .client
        .get(app.url("/api/v1/addresses"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed, json!([]), "nothing was stored");
}

#[actix_web::test]
async fn stale_session_cookies_do_not_block_logging_in_again() {
    let app = TestApp::start(
        TestDb::new(&Backend::Sqlite),
        |s| s.auth.cookie_secure = false,
        |b| b,
    )
    .await;
    assert_eq!(
        register(&app, "stale@example.in", PASSWORD).await.status(),
        201
    );
    // Old cookies without the CSRF one, as a half-cleared browser might hold.
    let resp = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header(
            "cookie",
            "kirana_access=old.token.here; kirana_refresh=gone",
        )
        .json(&json!({"email": "stale@example.in", "password": PASSWORD, "use_cookies": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    // Elsewhere the same request is refused.
    let resp = app
        .client
        .patch(app.url("/api/v1/me"))
        .header(
            "cookie",
            "kirana_access=old.token.here; kirana_refresh=gone",
        )
        .json(&json!({"name": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
}

#[actix_web::test]
async fn hsts_is_sent_when_a_trusted_proxy_says_the_client_used_tls() {
    let app = TestApp::start(
        TestDb::new(&Backend::Sqlite),
        |s| s.gateway.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()],
        |b| b,
    )
    .await;
    let tls = app
        .client
        .get(app.url("/healthz"))
        .header("x-forwarded-proto", "https")
        .send()
        .await
        .unwrap();
    assert!(
        tls.headers()
            .get("strict-transport-security")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("max-age=")
    );
    let plain = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert!(plain.headers().get("strict-transport-security").is_none());

    // From an untrusted peer the same header is ignored.
    let untrusted = TestApp::spawn(&Backend::Sqlite).await;
    let forged = untrusted
        .client
        .get(untrusted.url("/healthz"))
        .header("x-forwarded-proto", "https")
        .send()
        .await
        .unwrap();
    assert!(forged.headers().get("strict-transport-security").is_none());
}

#[actix_web::test]
async fn logout_takes_no_body_or_a_well_formed_one_and_nothing_else() {
    for_each_backend(|backend| async move {
        let app = TestApp::spawn(&backend).await;
        let (_, _, refresh_token) = customer(&app, "meera@example.com").await;
        let logout = |body: Option<(&'static str, String)>| {
            let app = &app;
            async move {
                let mut req = app.client.post(app.url("/api/v1/auth/logout"));
                if let Some((content_type, body)) = body {
                    req = req.header("content-type", content_type).body(body);
                }
                req.send().await.unwrap()
            }
        };
        // Junk, an unknown field and a non-JSON body are refused; the session lives on.
        for (content_type, body, status) in [
            (
                "application/json",
                "{\"refresh_token\": 7}".to_string(),
                400,
            ),
            (
                "application/json",
                "{\"everything\": true}".to_string(),
                400,
            ),
            ("application/json", "not json".to_string(), 400),
            ("text/plain", "refresh_token".to_string(), 415),
        ] {
            let resp = logout(Some((content_type, body.clone()))).await;
            assert_eq!(resp.status(), status, "{body}");
        }
        assert_eq!(
            refresh(&app, &refresh_token).await.status(),
            200,
            "not logged out"
        );
        // No body at all is a logout of the cookie session (none here): 204.
        assert_eq!(logout(None).await.status(), 204);
    })
    .await;
}
