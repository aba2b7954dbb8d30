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
            permissions: self.role().permissions().iter().collect(),
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
    /// What the role may do (the gateway's table): the web app shows only what is allowed.
    pub permissions: Vec<crate::contracts::auth::Permission>,
    /// `active` or `disabled`.
    pub status: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

/// A name and phone number as a person may set them.
pub fn check_name(name: &str, field: &str) -> Result<String, AppError> {
    crate::contracts::fields::text(name, field, 200).map_err(|e| AppError::Validation(vec![e]))
}

pub fn check_phone(phone: &str, field: &str) -> Result<String, AppError> {
    crate::contracts::fields::phone(phone, field).map_err(|e| AppError::Validation(vec![e]))
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
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub name: Option<String>,
    #[schema(schema_with = crate::contracts::fields::schema::phone_or_null)]
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
    #[schema(max_length = 50)]
    pub label: Option<String>,
    /// The recipient.
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub name: String,
    #[schema(schema_with = crate::contracts::fields::schema::phone)]
    pub phone: String,
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub line1: String,
    #[schema(max_length = 200)]
    pub line2: Option<String>,
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    pub city: String,
    /// The two-digit GST state code (29 = Karnataka): the place of supply on invoices.
    #[schema(schema_with = crate::contracts::fields::schema::state_code)]
    pub state_code: String,
    /// Six-digit PIN code.
    #[schema(schema_with = crate::contracts::fields::schema::pincode)]
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

impl AddressInput {
    /// Checks every field and reports all problems at once (the rules a checkout's
    /// address follows too).
    pub fn check(&self) -> Result<Address, AppError> {
        let postal = crate::contracts::orders::PostalAddress {
            name: self.name.clone(),
            phone: self.phone.clone(),
            line1: self.line1.clone(),
            line2: self.line2.clone(),
            city: self.city.clone(),
            state_code: self.state_code.clone(),
            pincode: self.pincode.clone(),
        };
        let mut errors = Vec::new();
        let checked = postal.check("").map_err(|e| errors.extend(e));
        let label = crate::contracts::fields::optional_text(self.label.as_deref(), "label", 50)
            .map_err(|e| errors.push(e));
        match (checked, label) {
            (Ok(p), Ok(label)) if errors.is_empty() => Ok(Address {
                label,
                name: p.name,
                phone: p.phone,
                line1: p.line1,
                line2: p.line2,
                city: p.city,
                state_code: p.state_code,
                pincode: p.pincode,
                is_default: self.is_default,
            }),
            _ => Err(AppError::Validation(errors)),
        }
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
