//! Accounts as stored and as shown.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::contracts::auth::Role;
use crate::http::AppError;

pub use crate::contracts::email::Email;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = crate::schema::users)]
pub struct UserRow {
    pub id: String,
    pub email: String,
    pub name: String,
    pub phone: Option<String>,
    pub password_hash: Option<String>,
    pub role: String,
    pub status: String,
    pub auth_version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl UserRow {
    pub fn role(&self) -> Role {
        // The column has a CHECK constraint; an unknown value grants nothing.
        Role::parse(&self.role).unwrap_or(Role::Customer)
    }

    pub fn active(&self) -> bool {
        self.status == "active"
    }

    pub fn view(&self) -> UserView {
        UserView {
            id: self.id.clone(),
            email: self.email.clone(),
            name: self.name.clone(),
            phone: self.phone.clone(),
            role: self.role(),
            status: self.status.clone(),
            created_at: self.created_at.and_utc(),
            updated_at: self.updated_at.and_utc(),
        }
    }
}

/// An account as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UserView {
    pub id: String,
    pub email: String,
    pub name: String,
    pub phone: Option<String>,
    pub role: Role,
    /// `active` or `disabled`.
    pub status: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

/// A name and phone number as a person may set them.
pub fn check_name(name: &str, field: &str) -> Result<String, AppError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(AppError::invalid(field, "must be 1 to 200 characters"));
    }
    Ok(name.to_string())
}

pub fn check_phone(phone: &str, field: &str) -> Result<String, AppError> {
    let digits: String = phone
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '(' | ')'))
        .collect();
    let body = digits.strip_prefix('+').unwrap_or(&digits);
    if body.len() < 8 || body.len() > 15 || !body.bytes().all(|b| b.is_ascii_digit()) {
        return Err(AppError::invalid(field, "is not a phone number"));
    }
    Ok(digits)
}

/// An API key as listed (the secret itself is shown once, at creation).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApiKeyView {
    pub id: String,
    pub name: String,
    pub permissions: Vec<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub last_used_at: Option<chrono::DateTime<chrono::Utc>>,
    pub revoked: bool,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileUpdate {
    pub name: Option<String>,
    pub phone: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised() {
        assert_eq!(
            Email::parse("  Asha.Rao@Example.IN ", "email")
                .unwrap()
                .as_str(),
            "asha.rao@example.in"
        );
        for bad in [
            "asha",
            "asha@",
            "@example.in",
            "a@b",
            "a b@example.in",
            "a@@b.in",
            "a@b..in",
        ] {
            assert!(Email::parse(bad, "email").is_err(), "{bad}");
        }
    }

    #[test]
    fn phones_keep_digits_and_a_leading_plus() {
        assert_eq!(
            check_phone("+91 98450-12345", "phone").unwrap(),
            "+919845012345"
        );
        assert!(check_phone("12ab5678", "phone").is_err());
    }
}

/// A delivery or billing address as a customer enters it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddressInput {
    /// A short name such as "Home".
    pub label: Option<String>,
    /// The recipient.
    pub name: String,
    pub phone: String,
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    /// The two-digit GST state code (29 = Karnataka): the place of supply on invoices.
    pub state_code: String,
    /// Six-digit PIN code.
    pub pincode: String,
    #[serde(default)]
    pub is_default: bool,
}

/// An address, checked: every field is within its rules.
#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = crate::schema::addresses, treat_none_as_null = true)]
pub struct Address {
    pub label: Option<String>,
    pub name: String,
    pub phone: String,
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    pub state_code: String,
    pub pincode: String,
    pub is_default: bool,
}

fn text(value: &str, field: &str, max: usize) -> Result<String, AppError> {
    let value = value.trim();
    if value.is_empty() || value.chars().count() > max {
        return Err(AppError::invalid(
            field,
            format!("must be 1 to {max} characters"),
        ));
    }
    Ok(value.to_string())
}

fn optional(value: Option<&str>, field: &str, max: usize) -> Result<Option<String>, AppError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => text(v, field, max).map(Some),
    }
}

impl AddressInput {
    /// Checks every field and reports all problems at once.
    pub fn check(&self) -> Result<Address, AppError> {
        let mut errors = Vec::new();
        let mut keep = |r: Result<String, AppError>| match r {
            Ok(v) => v,
            Err(AppError::Validation(mut e)) => {
                errors.append(&mut e);
                String::new()
            }
            Err(_) => String::new(),
        };
        let name = keep(text(&self.name, "name", 200));
        let phone = keep(check_phone(&self.phone, "phone"));
        let line1 = keep(text(&self.line1, "line1", 200));
        let city = keep(text(&self.city, "city", 100));
        let state_code = self.state_code.trim().to_string();
        if !crate::contracts::gst::is_place_of_supply(&state_code) {
            errors.push(crate::http::FieldError::new(
                "state_code",
                "is not a GST state code (e.g. 29 for Karnataka)",
            ));
        }
        let pincode = self.pincode.trim().to_string();
        if pincode.len() != 6
            || !pincode.bytes().all(|b| b.is_ascii_digit())
            || pincode.starts_with('0')
        {
            errors.push(crate::http::FieldError::new(
                "pincode",
                "must be a six-digit PIN code",
            ));
        }
        let label = optional(self.label.as_deref(), "label", 50);
        let line2 = optional(self.line2.as_deref(), "line2", 200);
        for r in [&label, &line2] {
            if let Err(AppError::Validation(e)) = r {
                errors.extend(e.iter().cloned());
            }
        }
        if !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }
        Ok(Address {
            label: label.unwrap_or(None),
            name,
            phone,
            line1,
            line2: line2.unwrap_or(None),
            city,
            state_code,
            pincode,
            is_default: self.is_default,
        })
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = crate::schema::addresses)]
pub struct AddressRow {
    pub id: String,
    pub user_id: String,
    pub label: Option<String>,
    pub name: String,
    pub phone: String,
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    pub state_code: String,
    pub pincode: String,
    pub is_default: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AddressView {
    pub id: String,
    pub label: Option<String>,
    pub name: String,
    pub phone: String,
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    pub state_code: String,
    /// The state's name, from the GST table.
    pub state: String,
    pub pincode: String,
    pub is_default: bool,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl AddressRow {
    pub fn view(&self) -> AddressView {
        AddressView {
            id: self.id.clone(),
            label: self.label.clone(),
            name: self.name.clone(),
            phone: self.phone.clone(),
            line1: self.line1.clone(),
            line2: self.line2.clone(),
            city: self.city.clone(),
            state_code: self.state_code.clone(),
            state: crate::contracts::gst::state(&self.state_code)
                .map(|s| s.name.clone())
                .unwrap_or_default(),
            pincode: self.pincode.clone(),
            is_default: self.is_default,
            created_at: self.created_at.and_utc(),
            updated_at: self.updated_at.and_utc(),
        }
    }
}
