//! Where a request comes from: the client address (believing `X-Forwarded-For` only from
//! configured proxies), whether it arrived over TLS, and the admin IP allowlist.

use std::net::IpAddr;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, ResponseError, web};
use ipnet::IpNet;

use crate::http::AppError;

/// The client's address as the limits and the allowlist see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

/// Whether the client's connection was TLS (directly or at a trusted proxy).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Https(pub bool);

#[derive(Debug, Clone, Default)]
pub struct NetworkPolicy {
    pub trusted_proxies: Vec<IpNet>,
    pub admin_allowlist: Vec<IpNet>,
    /// Clients that may read `/metrics`.
    pub metrics_allow: Vec<IpNet>,
    /// A bearer token that opens `/metrics` from anywhere; empty = none.
    pub metrics_token: crate::secret::Secret,
}

impl NetworkPolicy {
    fn trusted(&self, ip: IpAddr) -> bool {
        self.trusted_proxies.iter().any(|net| net.contains(&ip))
    }

    /// The peer, unless the peer is a trusted proxy: then the right-most address in
    /// `X-Forwarded-For` that is not itself a trusted proxy.
    pub fn client_ip(&self, peer: IpAddr, forwarded_for: Option<&str>) -> IpAddr {
        if !self.trusted(peer) {
            return peer;
        }
        let Some(list) = forwarded_for else {
            return peer;
        };
        let mut client = peer;
        for hop in list.rsplit(',') {
            match hop.trim().parse::<IpAddr>() {
                Ok(ip) => {
                    client = ip;
                    if !self.trusted(ip) {
                        break;
                    }
                }
                Err(_) => break,
            }
        }
        client
    }

    /// `/metrics` is for the scraper: a client in `metrics.allow`, or one that presents
    /// `metrics.token` (compared in constant time).
    pub fn metrics_allowed(&self, ip: IpAddr, authorization: Option<&str>) -> bool {
        if self.metrics_allow.iter().any(|n| n.contains(&ip)) {
            return true;
        }
        let presented = authorization
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(str::trim);
        match presented {
            Some(token) if !self.metrics_token.is_empty() => super::auth::constant_time_eq(
                token.as_bytes(),
                self.metrics_token.expose().as_bytes(),
            ),
            _ => false,
        }
    }

    pub fn admin_allowed(&self, ip: IpAddr) -> bool {
        self.admin_allowlist.is_empty() || self.admin_allowlist.iter().any(|n| n.contains(&ip))
    }
}

/// Records `ClientIp` and `Https` on the request for every later layer.
pub fn classify(req: &ServiceRequest, policy: &NetworkPolicy) {
    let peer = req
        .peer_addr()
        .map(|a| a.ip())
        .unwrap_or(IpAddr::from([127, 0, 0, 1]));
    let forwarded = req
        .headers()
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok());
    let ip = policy.client_ip(peer, forwarded);
    let https = if policy.trusted(peer) {
        req.headers()
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("https"))
    } else {
        // Not `connection_info()`: it believes X-Forwarded-Proto from anyone.
        req.app_config().secure()
    };
    let mut ext = req.extensions_mut();
    ext.insert(ClientIp(ip));
    ext.insert(Https(https));
}

/// Refuses `/api/v1/admin/*` to clients outside the allowlist.
pub async fn admin_allowlist(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    if req.path().starts_with("/api/v1/admin/") || req.path() == "/api/v1/admin" {
        let policy = req.app_data::<web::Data<NetworkPolicy>>().cloned();
        let ip = req.extensions().get::<ClientIp>().copied();
        if let (Some(policy), Some(ClientIp(ip))) = (policy, ip)
            && !policy.admin_allowed(ip)
        {
            tracing::warn!(client_ip = %ip, path = %req.path(), "admin route refused by IP allowlist");
            let response = AppError::Forbidden("admin routes are not open to this network".into())
                .error_response();
            return Ok(req.into_response(response).map_into_right_body());
        }
    }
    Ok(next.call(req).await?.map_into_left_body())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let policy = NetworkPolicy {
            trusted_proxies: vec!["10.0.0.0/8".parse().unwrap()],
            admin_allowlist: vec![],
            ..Default::default()
        };
        // An untrusted peer cannot pretend to be someone else.
        assert_eq!(
            policy.client_ip(ip("203.0.113.9"), Some("1.2.3.4")),
            ip("203.0.113.9")
        );
        // Through our proxy, the right-most untrusted hop is the client; anything the
        // client wrote further left is ignored.
        assert_eq!(
            policy.client_ip(ip("10.0.0.2"), Some("1.2.3.4, 198.51.100.7, 10.0.0.3")),
            ip("198.51.100.7")
        );
        assert_eq!(
            policy.client_ip(ip("10.0.0.2"), Some("garbage")),
            ip("10.0.0.2")
        );
    }

    #[test]
    fn an_empty_allowlist_allows_everyone() {
        let open = NetworkPolicy::default();
        assert!(open.admin_allowed(ip("203.0.113.9")));
        let closed = NetworkPolicy {
            trusted_proxies: vec![],
            admin_allowlist: vec!["192.168.1.0/24".parse().unwrap()],
            ..Default::default()
        };
        assert!(closed.admin_allowed(ip("192.168.1.20")));
        assert!(!closed.admin_allowed(ip("127.0.0.1")));
    }

    #[test]
    fn metrics_open_to_the_allowed_networks_or_the_token() {
        let policy = NetworkPolicy {
            metrics_allow: vec!["127.0.0.0/8".parse().unwrap()],
            metrics_token: "s3cret-scrape".into(),
            ..Default::default()
        };
        assert!(policy.metrics_allowed(ip("127.0.0.1"), None));
        assert!(!policy.metrics_allowed(ip("203.0.113.9"), None));
        assert!(policy.metrics_allowed(ip("203.0.113.9"), Some("Bearer s3cret-scrape")));
        assert!(!policy.metrics_allowed(ip("203.0.113.9"), Some("Bearer s3cret-scrapf")));
        assert!(!policy.metrics_allowed(ip("203.0.113.9"), Some("Bearer ")));
        let tokenless = NetworkPolicy::default();
        assert!(!tokenless.metrics_allowed(ip("127.0.0.1"), Some("Bearer ")));
    }
}
