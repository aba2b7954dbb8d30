//! The browser session: access and refresh tokens in `HttpOnly; Secure; SameSite=Strict`
//! cookies, and a readable CSRF cookie whose value cookie-authenticated writes must echo
//! in `X-CSRF-Token` (double submit).

use actix_web::HttpResponseBuilder;
use actix_web::cookie::{Cookie, SameSite, time::Duration};

use crate::contracts::auth::IssuedTokens;

pub const ACCESS_COOKIE: &str = "kirana_access";
pub const REFRESH_COOKIE: &str = "kirana_refresh";
pub const CSRF_COOKIE: &str = "kirana_csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";
/// The refresh cookie goes only to the API (where the gateway refreshes transparently),
/// never to pages or assets.
pub const REFRESH_COOKIE_PATH: &str = "/api";

#[derive(Debug, Clone, Copy)]
pub struct CookiePolicy {
    pub secure: bool,
    pub refresh_max_age_secs: i64,
}

fn cookie(
    name: &'static str,
    value: String,
    path: &'static str,
    max_age: i64,
    http_only: bool,
    secure: bool,
) -> Cookie<'static> {
    Cookie::build(name, value)
        .path(path)
        .http_only(http_only)
        .secure(secure)
        .same_site(SameSite::Strict)
        .max_age(Duration::seconds(max_age))
        .finish()
}

/// The cookies that carry a freshly issued session. The access cookie outlives its token
/// by the refresh lifetime, so an expired token still reaches the gateway to be refreshed.
pub fn session_cookies(
    tokens: &IssuedTokens,
    policy: CookiePolicy,
    csrf: Option<String>,
) -> Vec<Cookie<'static>> {
    let mut out = vec![cookie(
        ACCESS_COOKIE,
        tokens.access_token.clone(),
        "/",
        policy.refresh_max_age_secs,
        true,
        policy.secure,
    )];
    if let Some(refresh) = &tokens.refresh_token {
        out.push(cookie(
            REFRESH_COOKIE,
            refresh.clone(),
            REFRESH_COOKIE_PATH,
            policy.refresh_max_age_secs,
            true,
            policy.secure,
        ));
    }
    if let Some(csrf) = csrf {
        out.push(cookie(
            CSRF_COOKIE,
            csrf,
            "/",
            policy.refresh_max_age_secs,
            false,
            policy.secure,
        ));
    }
    out
}

/// Cookies that remove the session from the browser.
pub fn cleared_cookies(policy: CookiePolicy) -> Vec<Cookie<'static>> {
    [
        (ACCESS_COOKIE, "/", true),
        (REFRESH_COOKIE, REFRESH_COOKIE_PATH, true),
        (CSRF_COOKIE, "/", false),
    ]
    .into_iter()
    .map(|(name, path, http_only)| cookie(name, String::new(), path, 0, http_only, policy.secure))
    .collect()
}

pub fn add_cookies(builder: &mut HttpResponseBuilder, cookies: Vec<Cookie<'static>>) {
    for c in cookies {
        builder.cookie(c);
    }
}

/// Binds an OpenID login to the browser that started it. `SameSite=Lax`, because the
/// provider's redirect back is a cross-site navigation that a Strict cookie would miss.
pub const OIDC_STATE_COOKIE: &str = "kirana_oidc";
pub const OIDC_COOKIE_PATH: &str = "/api/v1/auth/oidc";

pub fn oidc_state_cookie(state: String, max_age_secs: i64, secure: bool) -> Cookie<'static> {
    Cookie::build(OIDC_STATE_COOKIE, state)
        .path(OIDC_COOKIE_PATH)
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .max_age(Duration::seconds(max_age_secs))
        .finish()
}
