//! Gateway concerns as actix middleware. A request passes them in this order (outermost
//! first), and the order matters:
//!
//! 1. `observe`: request id, client address (trusted proxies), tracing span, metrics;
//! 2. `security_headers`: nosniff, frame-ancestors, CSP, HSTS behind TLS;
//! 3. CORS from `gateway.cors_origins` (same origin always allowed);
//! 4. `admin_allowlist`: `/api/v1/admin/*` only from `gateway.admin_allowlist`;
//! 5. `limit`: per-IP quotas (stricter on `/api/v1/auth/*`), before any work is spent;
//! 6. `authenticate`: bearer token, API key or session cookies → `Principal`, with
//!    transparent refresh for browsers;
//! 7. `authorize`: the route table (RBAC) and the per-user write quota;
//! 8. the domain's handler, which takes `Authorized<perm::X>` or `Authenticated`.

pub mod auth;
pub mod cookies;
mod headers;
mod metrics;
pub mod network;
mod observe;
pub mod ratelimit;
pub mod rbac;
pub mod tokens;

pub use headers::{PagePolicy, security_headers};
pub use metrics::{Metrics, gauge};
pub use observe::{REQUEST_ID_HEADER, current_request_id, observe};
