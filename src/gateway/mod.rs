//! Gateway concerns as actix middleware, applied outermost first:
//! request id and tracing span → metrics → (later: security headers, CORS, IP rules, rate
//! limits, authentication, RBAC) → the domain.

mod metrics;
mod observe;
pub mod tokens;

pub use metrics::{Metrics, gauge};
pub use observe::{REQUEST_ID_HEADER, current_request_id, observe};
