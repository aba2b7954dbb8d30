//! Rate limits (governor, in this process): a per-IP quota on the whole API, a stricter
//! per-IP quota on login, registration, refresh and password reset, and a per-user quota on
//! authenticated writes. A refused request gets a 429 problem with `Retry-After` and the
//! IETF draft's `RateLimit-Policy` / `RateLimit` headers.

use std::net::IpAddr;
use std::num::NonZeroU32;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, ResponseError, web};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::network::ClientIp;
use crate::config::RateLimitSettings;
use crate::http::AppError;

/// Paths whose requests try credentials or create accounts.
const AUTH_PREFIX: &str = "/api/v1/auth/";

pub struct Limiters {
    per_ip: DefaultKeyedRateLimiter<IpAddr>,
    auth_per_ip: DefaultKeyedRateLimiter<IpAddr>,
    writes_per_user: DefaultKeyedRateLimiter<String>,
    settings: RateLimitSettings,
}

/// A refusal: which policy, its quota, and when to come back.
struct Refusal {
    policy: &'static str,
    quota: u32,
    retry_after_secs: u64,
}

fn quota(per_minute: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(per_minute).unwrap_or(NonZeroU32::MIN))
}

impl Limiters {
    pub fn new(settings: &RateLimitSettings) -> Self {
        Self {
            per_ip: RateLimiter::keyed(quota(settings.per_ip_per_minute)),
            auth_per_ip: RateLimiter::keyed(quota(settings.auth_per_ip_per_minute)),
            writes_per_user: RateLimiter::keyed(quota(settings.writes_per_user_per_minute)),
            settings: settings.clone(),
        }
    }

    fn check<K: std::hash::Hash + Eq + Clone>(
        limiter: &DefaultKeyedRateLimiter<K>,
        key: &K,
        policy: &'static str,
        quota: u32,
    ) -> Result<(), Refusal> {
        limiter.check_key(key).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            Refusal {
                policy,
                quota,
                retry_after_secs: wait.as_secs() + u64::from(wait.subsec_nanos() > 0),
            }
        })
    }

    fn check_ip(&self, ip: IpAddr, path: &str) -> Result<(), Refusal> {
        Self::check(&self.per_ip, &ip, "ip", self.settings.per_ip_per_minute)?;
        if path.starts_with(AUTH_PREFIX) {
            Self::check(
                &self.auth_per_ip,
                &ip,
                "auth-ip",
                self.settings.auth_per_ip_per_minute,
            )?;
        }
        Ok(())
    }

    /// The per-user write quota; called by RBAC once the caller is known.
    pub fn check_user_write(&self, user_id: &str) -> Result<(), RateLimited> {
        Self::check(
            &self.writes_per_user,
            &user_id.to_string(),
            "user-writes",
            self.settings.writes_per_user_per_minute,
        )
        .map_err(RateLimited)
    }

    /// Forgets keys that are back to a full quota, so memory does not grow with every
    /// address ever seen.
    pub fn shrink(&self) {
        self.per_ip.retain_recent();
        self.auth_per_ip.retain_recent();
        self.writes_per_user.retain_recent();
    }
}

/// A 429 with the rate-limit headers.
pub struct RateLimited(Refusal);

impl RateLimited {
    pub fn error_response(&self) -> actix_web::HttpResponse {
        let r = &self.0;
        let mut response = AppError::TooManyRequests {
            retry_after_secs: r.retry_after_secs.max(1),
        }
        .error_response();
        let headers = response.headers_mut();
        if let Ok(v) = HeaderValue::from_str(&format!("\"{}\";q={};w=60", r.policy, r.quota)) {
            headers.insert(HeaderName::from_static("ratelimit-policy"), v);
        }
        if let Ok(v) = HeaderValue::from_str(&format!(
            "\"{}\";r=0;t={}",
            r.policy,
            r.retry_after_secs.max(1)
        )) {
            headers.insert(HeaderName::from_static("ratelimit"), v);
        }
        response
    }
}

pub async fn limit(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    if req.path().starts_with("/api/")
        && let Some(limiters) = req.app_data::<web::Data<Limiters>>()
    {
        let ip = req.extensions().get::<ClientIp>().map(|c| c.0);
        if let Some(ip) = ip
            && let Err(refusal) = limiters.check_ip(ip, req.path())
        {
            tracing::info!(client_ip = %ip, policy = refusal.policy, "rate limited");
            let response = RateLimited(refusal).error_response();
            return Ok(req.into_response(response).map_into_right_body());
        }
    }
    Ok(next.call(req).await?.map_into_left_body())
}
