//! Security headers on every response. Handlers that need another Content-Security-Policy
//! (the API docs page) set their own, which is kept.

use actix_web::HttpMessage;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;

use super::network::Https;

/// Fits the bundled web app: its scripts, styles, images and API calls are all same-origin.
const CSP: &str = "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// The pages' Content-Security-Policy and opener policy, fixed at start-up: the bundled app
/// alone, or, with online payment on, also Razorpay Checkout (its script, the frame it
/// opens, the calls it makes) from the configured origins.
#[derive(Debug, Clone)]
pub struct PagePolicy {
    csp: HeaderValue,
    opener: HeaderValue,
}

impl Default for PagePolicy {
    fn default() -> Self {
        Self {
            csp: HeaderValue::from_static(CSP),
            opener: HeaderValue::from_static("same-origin"),
        }
    }
}

impl PagePolicy {
    pub fn from_settings(settings: &crate::config::Settings) -> Self {
        let rzp = &settings.razorpay;
        if rzp.key_id.is_empty() {
            return Self::default();
        }
        let origin = |raw: &str| {
            url::Url::parse(raw)
                .ok()
                .map(|u| u.origin().ascii_serialization())
                .filter(|o| o != "null")
        };
        let mut payment: Vec<String> = [rzp.checkout_script_url.as_str(), rzp.base_url.as_str()]
            .into_iter()
            .filter_map(origin)
            .collect();
        // Razorpay's own Checkout reaches more of its hosts than the two configured (its
        // frames, images and telemetry): all of razorpay.com over https, when it is the one.
        if payment.iter().any(|o| o.ends_with(".razorpay.com")) {
            payment.push("https://*.razorpay.com".into());
        }
        payment.dedup();
        let extra = payment.join(" ");
        let csp = format!(
            "default-src 'self'; img-src 'self' data: blob: {extra}; style-src 'self' 'unsafe-inline'; \
             script-src 'self' {extra}; connect-src 'self' {extra}; frame-src {extra}; font-src 'self'; \
             object-src 'none'; base-uri 'self'; form-action 'self' {extra}; frame-ancestors 'none'"
        );
        match HeaderValue::from_str(&csp) {
            Ok(csp) => Self {
                csp,
                // Payment windows (bank pages, UPI) open from Checkout and report back.
                opener: HeaderValue::from_static("same-origin-allow-popups"),
            },
            Err(_) => Self::default(),
        }
    }
}

pub async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let https = req.extensions().get::<Https>().is_some_and(|h| h.0);
    let policy = req
        .app_data::<actix_web::web::Data<PagePolicy>>()
        .map(|p| p.get_ref().clone())
        .unwrap_or_default();
    let mut res = next.call(req).await?;
    let headers = res.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    headers.insert(
        HeaderName::from_static("cross-origin-opener-policy"),
        policy.opener,
    );
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(header::CONTENT_SECURITY_POLICY, policy.csp);
    }
    if https {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csp(settings: &crate::config::Settings) -> String {
        PagePolicy::from_settings(settings)
            .csp
            .to_str()
            .unwrap_or_default()
            .to_string()
    }

    #[test]
    fn pages_allow_razorpay_checkout_only_when_online_payment_is_on() {
        let mut settings = crate::config::Settings::default();
        assert_eq!(csp(&settings), CSP, "the app alone");
        settings.razorpay.key_id = "rzp_live_x".into();
        let live = csp(&settings);
        assert!(
            live.contains("script-src 'self' https://checkout.razorpay.com"),
            "{live}"
        );
        assert!(
            live.contains("frame-src https://checkout.razorpay.com"),
            "{live}"
        );
        assert!(live.contains("https://*.razorpay.com"), "{live}");
        // A stand-in on loopback (tests) is allowed as configured, and nothing else.
        settings.razorpay.checkout_script_url = "http://127.0.0.1:9/checkout.js".into();
        settings.razorpay.base_url = "http://127.0.0.1:9".into();
        let local = csp(&settings);
        assert!(
            local.contains("script-src 'self' http://127.0.0.1:9;"),
            "{local}"
        );
        assert!(!local.contains("razorpay.com"), "{local}");
    }
}
