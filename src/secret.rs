//! A secret string (a password, an API secret, a token) that no `Debug` output, and so no
//! `tracing` field or panic message, can show. Read it with [`Secret::expose`], at the
//! one place that needs the text.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(text: impl Into<String>) -> Self {
        Secret(text.into())
    }

    /// The secret's text.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_empty() {
            "\"\""
        } else {
            "\"****\""
        })
    }
}

impl From<String> for Secret {
    fn from(text: String) -> Self {
        Secret(text)
    }
}

impl From<&str> for Secret {
    fn from(text: &str) -> Self {
        Secret(text.to_string())
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Secret)
    }
}

/// Serialized as its text: the configuration's layers pass through serde. Whoever prints
/// settings masks them first (`Settings::masked_toml`).
impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

/// A URL that may carry a password (`mysql://kirana:pw@db/kirana`, `amqp://guest:guest@…`):
/// `Debug` shows it with the password masked. It reads as the `str` it holds.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SecretUrl(String);

impl SecretUrl {
    /// The URL with its password, for the one place that connects.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The URL with its password replaced by `****`.
    pub fn masked(&self) -> String {
        crate::config::mask_url(&self.0)
    }
}

impl std::ops::Deref for SecretUrl {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.masked())
    }
}

impl From<String> for SecretUrl {
    fn from(text: String) -> Self {
        SecretUrl(text)
    }
}

impl From<&str> for SecretUrl {
    fn from(text: &str) -> Self {
        SecretUrl(text.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_shows_everything_but_its_password() {
        let url = SecretUrl::from("mysql://kirana:hunter2@db:3306/kirana");
        let shown = format!("{url:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("kirana:****@db:3306/kirana"), "{shown}");
        assert_eq!(url.expose(), "mysql://kirana:hunter2@db:3306/kirana");
        assert!(url.starts_with("mysql://"));
    }

    #[test]
    fn debug_never_shows_the_text() {
        let s = Secret::new("hunter2-rzp");
        assert_eq!(format!("{s:?}"), "\"****\"");
        assert!(!format!("{:?}", vec![s.clone()]).contains("hunter2"));
        assert_eq!(s.expose(), "hunter2-rzp");
        let parsed: Secret = serde_json::from_str("\"abc\"").unwrap_or_default();
        assert_eq!(parsed.expose(), "abc");
    }
}
