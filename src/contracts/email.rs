//! E-mail addresses, checked one way everywhere (accounts, checkout, suppliers).

use crate::http::AppError;

/// A normalised e-mail address: trimmed and lower-cased, with one `@` and a dotted domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str, field: &str) -> Result<Email, AppError> {
        let invalid = || AppError::invalid(field, "is not an e-mail address");
        // The limits apply to the address as sent (`fields::EMAIL_PATTERN` says the same).
        if raw.chars().count() > super::fields::EMAIL_MAX {
            return Err(invalid());
        }
        let email = raw.trim().to_lowercase();
        if email.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(invalid());
        }
        let (local, domain) = email.split_once('@').ok_or_else(invalid)?;
        if local.is_empty()
            || raw
                .trim()
                .split_once('@')
                .map_or(0, |(l, _)| l.chars().count())
                > 64
            || domain.contains('@')
            || !domain.contains('.')
            || domain.starts_with('.')
            || domain.ends_with('.')
            || domain.contains("..")
        {
            return Err(invalid());
        }
        Ok(Email(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}
