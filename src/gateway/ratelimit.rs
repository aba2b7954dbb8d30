//! Rate limits: a per-IP quota on the whole API, a stricter per-IP quota on login,
//! registration, refresh and password reset, and a per-user quota on authenticated writes.
//! Counted in this process (governor) or, with `rate_limit.store = "redis"`, in Redis so
//! that every instance shares them (fixed one-minute windows; if Redis is unreachable the
//! local limiter takes over). A refused request gets a 429 problem with `Retry-After` and
//! the IETF draft's `RateLimit-Policy` / `RateLimit` headers.

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
/// Public order tracking, which guesses could walk through (order number + PIN code):
/// limited like logins.
const TRACK_PATH: &str = "/api/v1/track";

pub struct Limiters {
    per_ip: DefaultKeyedRateLimiter<IpAddr>,
    auth_per_ip: DefaultKeyedRateLimiter<IpAddr>,
    writes_per_user: DefaultKeyedRateLimiter<String>,
    settings: RateLimitSettings,
    #[cfg(feature = "redis")]
    shared: Option<shared::RedisWindows>,
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
    /// In-process limiters only.
    pub fn new(settings: &RateLimitSettings) -> Self {
        Self {
            per_ip: RateLimiter::keyed(quota(settings.per_ip_per_minute)),
            auth_per_ip: RateLimiter::keyed(quota(settings.auth_per_ip_per_minute)),
            writes_per_user: RateLimiter::keyed(quota(settings.writes_per_user_per_minute)),
            settings: settings.clone(),
            #[cfg(feature = "redis")]
            shared: None,
        }
    }

    /// The limiters the settings ask for: in Redis when `store = "redis"`.
    pub async fn from_settings(settings: &RateLimitSettings) -> anyhow::Result<Self> {
        #[allow(unused_mut)]
        let mut limiters = Self::new(settings);
        if settings.store == "redis" {
            #[cfg(feature = "redis")]
            {
                limiters.shared = Some(
                    shared::RedisWindows::connect(&settings.redis_url, &settings.redis_prefix)
                        .await?,
                );
            }
            #[cfg(not(feature = "redis"))]
            anyhow::bail!("configuration error: rate_limit.store: this build has no Redis support");
        }
        Ok(limiters)
    }

    /// Counts one request against `policy` for `key`: in Redis when configured and
    /// reachable, else here.
    #[allow(unused_variables)]
    async fn shared_check(
        &self,
        policy: &'static str,
        key: &str,
        quota: u32,
    ) -> Option<Result<(), Refusal>> {
        #[cfg(feature = "redis")]
        if let Some(shared) = &self.shared {
            match shared.hit(policy, key, quota).await {
                Ok(None) => return Some(Ok(())),
                Ok(Some(retry_after_secs)) => {
                    return Some(Err(Refusal {
                        policy,
                        quota,
                        retry_after_secs,
                    }));
                }
                Err(e) => {
                    tracing::warn!(error = %e, "Redis rate limit unavailable; limiting locally");
                }
            }
        }
        None
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

    async fn check_ip(&self, ip: IpAddr, path: &str) -> Result<(), Refusal> {
        let per_ip = self.settings.per_ip_per_minute;
        match self.shared_check("ip", &ip.to_string(), per_ip).await {
            Some(result) => result?,
            None => Self::check(&self.per_ip, &ip, "ip", per_ip)?,
        }
        if path.starts_with(AUTH_PREFIX) || path == TRACK_PATH {
            let auth = self.settings.auth_per_ip_per_minute;
            match self.shared_check("auth-ip", &ip.to_string(), auth).await {
                Some(result) => result?,
                None => Self::check(&self.auth_per_ip, &ip, "auth-ip", auth)?,
            }
        }
        Ok(())
    }

    /// The per-user write quota; called by RBAC once the caller is known.
    pub async fn check_user_write(&self, user_id: &str) -> Result<(), RateLimited> {
        let quota = self.settings.writes_per_user_per_minute;
        match self.shared_check("user-writes", user_id, quota).await {
            Some(result) => result.map_err(RateLimited),
            None => Self::check(
                &self.writes_per_user,
                &user_id.to_string(),
                "user-writes",
                quota,
            )
            .map_err(RateLimited),
        }
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
            && let Err(refusal) = limiters.check_ip(ip, req.path()).await
        {
            tracing::info!(client_ip = %ip, policy = refusal.policy, "rate limited");
            let response = RateLimited(refusal).error_response();
            return Ok(req.into_response(response).map_into_right_body());
        }
    }
    Ok(next.call(req).await?.map_into_left_body())
}

#[cfg(feature = "redis")]
mod shared {
    use std::time::Duration;

    use redis::aio::ConnectionManager;

    /// Fixed one-minute windows in Redis: `INCR` a key named after the window, expire it
    /// with the window.
    pub struct RedisWindows {
        conn: ConnectionManager,
        prefix: String,
    }

    impl RedisWindows {
        pub async fn connect(url: &str, prefix: &str) -> anyhow::Result<Self> {
            let client = redis::Client::open(url)
                .map_err(|e| anyhow::anyhow!("rate_limit.redis_url: {e}"))?;
            let config = redis::aio::ConnectionManagerConfig::new()
                .set_connection_timeout(Some(Duration::from_secs(2)))
                .set_response_timeout(Some(Duration::from_millis(500)))
                .set_number_of_retries(1);
            let conn = client
                .get_connection_manager_with_config(config)
                .await
                .map_err(|e| anyhow::anyhow!("cannot reach Redis for rate limits: {e}"))?;
            Ok(Self {
                conn,
                prefix: prefix.to_string(),
            })
        }

        /// Counts a hit; `Some(seconds)` when over `quota` (until the window ends).
        pub async fn hit(
            &self,
            policy: &str,
            key: &str,
            quota: u32,
        ) -> redis::RedisResult<Option<u64>> {
            let now = chrono::Utc::now().timestamp().max(0) as u64;
            let window = now / 60;
            let name = format!("{}:rl:{policy}:{key}:{window}", self.prefix);
            let mut conn = self.conn.clone();
            let (count,): (u64,) = redis::pipe()
                .atomic()
                .incr(&name, 1)
                .expire(&name, 61)
                .ignore()
                .query_async(&mut conn)
                .await?;
            Ok((count > u64::from(quota)).then(|| 60 - now % 60))
        }
    }
}
