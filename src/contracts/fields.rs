//! Rules for the text fields many requests share (names, phones, PIN codes, state codes,
//! e-mail addresses, GSTINs), each written once with the schema that documents it, so the
//! OpenAPI document says exactly what the server checks and a generated form can check the
//! same before sending.
//!
//! Text is trimmed before it is stored, but a length limit applies to the text as sent, so
//! the schema's `maxLength` is the server's limit exactly.

use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
use utoipa::openapi::{Object, RefOr, Schema};

use crate::http::FieldError;

/// A pattern for "not blank": at least one character that is not white space.
pub const NOT_BLANK: &str = r"\S";
/// A six-digit Indian PIN code (not starting with 0), white space around it allowed.
pub const PIN_PATTERN: &str = r"^\s*[1-9][0-9]{5}\s*$";
/// A phone number: an optional leading `+`, then 10 to 15 digits, with spaces, dashes and
/// brackets between them allowed.
pub const PHONE_PATTERN: &str = r"^\s*\+?[ ()-]*(?:[0-9][ ()-]*){10,15}\s*$";
pub const PHONE_MAX: usize = 20;
/// One `@`, a local part of 1 to 64 characters, a dotted domain; no white space or control
/// characters inside, white space around it allowed.
pub const EMAIL_PATTERN: &str = r"^\s*[^\s@\x00-\x1f\x7f-\x9f]{1,64}@[^\s@.\x00-\x1f\x7f-\x9f]+(?:\.[^\s@.\x00-\x1f\x7f-\x9f]+)+\s*$";
pub const EMAIL_MAX: usize = 254;
/// The shape of a GSTIN (the check character is checked too: see `format: gstin`).
pub const GSTIN_PATTERN: &str =
    r"^\s*[0-9]{2}[A-Za-z]{5}[0-9]{4}[A-Za-z][1-9A-Za-z][A-Za-z0-9]{2}\s*$";

/// `raw` trimmed, when it is at most `max` characters as sent and not blank.
pub fn text(raw: &str, field: &str, max: usize) -> Result<String, FieldError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() || raw.chars().count() > max {
        return Err(FieldError::new(
            field,
            format!("must be 1 to {max} characters"),
        ));
    }
    Ok(trimmed.to_string())
}

/// Like `text`, but absent or blank is `None`.
pub fn optional_text(
    raw: Option<&str>,
    field: &str,
    max: usize,
) -> Result<Option<String>, FieldError> {
    match raw {
        None => Ok(None),
        Some(r) if r.trim().is_empty() && r.chars().count() <= max => Ok(None),
        Some(r) => text(r, field, max).map(Some),
    }
}

/// A phone number stored as its digits with the leading `+` if it had one.
pub fn phone(raw: &str, field: &str) -> Result<String, FieldError> {
    let invalid = || {
        FieldError::new(
            field,
            "must be a phone number: 10 to 15 digits, an optional leading +",
        )
    };
    if raw.chars().count() > PHONE_MAX {
        return Err(invalid());
    }
    let trimmed = raw.trim();
    let (plus, body) = match trimmed.strip_prefix('+') {
        Some(rest) => ("+", rest),
        None => ("", trimmed),
    };
    if !body
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '(' | ')' | '-'))
    {
        return Err(invalid());
    }
    let digits: String = body.chars().filter(char::is_ascii_digit).collect();
    if !(10..=15).contains(&digits.len()) {
        return Err(invalid());
    }
    Ok(format!("{plus}{digits}"))
}

/// A six-digit PIN code not starting with 0.
pub fn pincode(raw: &str, field: &str) -> Result<String, FieldError> {
    let pin = raw.trim();
    if pin.len() != 6 || !pin.bytes().all(|b| b.is_ascii_digit()) || pin.starts_with('0') {
        return Err(FieldError::new(
            field,
            "must be a six-digit PIN code not starting with 0",
        ));
    }
    Ok(pin.to_string())
}

/// A GST state code that may be a place of supply.
pub fn state_code(raw: &str, field: &str) -> Result<String, FieldError> {
    let code = raw.trim();
    if !super::gst::is_place_of_supply(code) {
        return Err(FieldError::new(
            field,
            "is not a GST state code (e.g. 29 for Karnataka)",
        ));
    }
    Ok(code.to_string())
}

fn string(nullable: bool) -> ObjectBuilder {
    let kind = if nullable {
        SchemaType::from_iter([Type::String, Type::Null])
    } else {
        SchemaType::Type(Type::String)
    };
    ObjectBuilder::new().schema_type(kind)
}

fn finish(object: ObjectBuilder) -> RefOr<Schema> {
    RefOr::T(Schema::Object(Object::from(object)))
}

pub mod schema {
    //! `#[schema(schema_with = ...)]` functions for the fields above.
    use super::*;

    fn email_of(nullable: bool) -> RefOr<Schema> {
        finish(
            // No `format: email`: addresses may hold any non-space characters (RFC 6531),
            // which strict format checkers refuse; the pattern says what is taken.
            string(nullable)
                .max_length(Some(EMAIL_MAX))
                .pattern(Some(EMAIL_PATTERN))
                .description(Some("An e-mail address; compared without regard to case")),
        )
    }

    pub fn email() -> RefOr<Schema> {
        email_of(false)
    }

    pub fn email_or_null() -> RefOr<Schema> {
        email_of(true)
    }

    fn phone_of(nullable: bool) -> RefOr<Schema> {
        finish(
            string(nullable)
                .max_length(Some(PHONE_MAX))
                .pattern(Some(PHONE_PATTERN))
                .description(Some(
                    "10 to 15 digits with an optional leading +; spaces, dashes and brackets are dropped",
                )),
        )
    }

    pub fn phone() -> RefOr<Schema> {
        phone_of(false)
    }

    pub fn phone_or_null() -> RefOr<Schema> {
        phone_of(true)
    }

    pub fn pincode() -> RefOr<Schema> {
        finish(
            string(false)
                .max_length(Some(20))
                .pattern(Some(PIN_PATTERN))
                .description(Some("A six-digit PIN code")),
        )
    }

    /// The codes that may be a place of supply, from the same table the server checks.
    pub fn state_code() -> RefOr<Schema> {
        let codes: Vec<&str> = crate::contracts::gst::places_of_supply().collect();
        finish(
            string(false)
                .enum_values(Some(codes))
                .description(Some("The two-digit GST state code (29 = Karnataka)")),
        )
    }

    fn gstin_of(nullable: bool) -> RefOr<Schema> {
        finish(
            string(nullable)
                .format(Some(utoipa::openapi::SchemaFormat::Custom("gstin".into())))
                .max_length(Some(40))
                .pattern(Some(GSTIN_PATTERN))
                .description(Some(
                    "A GSTIN: state code, PAN, registration number, Z and a mod-36 check character",
                )),
        )
    }

    pub fn gstin() -> RefOr<Schema> {
        gstin_of(false)
    }

    pub fn gstin_or_null() -> RefOr<Schema> {
        gstin_of(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_keep_their_digits_and_plus() {
        assert_eq!(phone(" +91 98450-12345 ", "p").unwrap(), "+919845012345");
        assert_eq!(phone("(080) 2345 6789", "p").unwrap(), "08023456789");
        for bad in [
            "98450",
            "+91 98450 12345 678901",
            "12ab567890",
            "( +919845012345",
        ] {
            assert!(phone(bad, "p").is_err(), "{bad}");
        }
    }

    #[test]
    fn length_limits_count_the_text_as_sent() {
        assert_eq!(text("  Asha  ", "name", 8).unwrap(), "Asha");
        assert!(text("  Asha   ", "name", 8).is_err());
        assert!(text("   ", "name", 8).is_err());
        assert_eq!(optional_text(Some("  "), "x", 8).unwrap(), None);
    }
}
