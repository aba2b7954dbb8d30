//! The business domains, each behind its cargo feature. They reach each other only
//! through `crate::contracts`.

#[cfg(feature = "users")]
pub mod users;
