//! What domains share: contract traits, plain data types and events. Never feature-gated,
//! so a domain can be swapped for a remote client implementing the same trait.

pub mod auth;
pub mod blob;
pub mod catalog;
pub mod documents;
pub mod email;
pub mod events;
pub mod fields;
pub mod gst;
pub mod inventory;
pub mod mail;
pub mod money;
pub mod orders;
pub mod payments;
pub mod shipping;
pub mod tax;
