//! The store's profile: the settings a merchant edits in the back office (name, legal
//! name, GSTIN and registration, state, address, invoice series, cash on delivery, whether
//! prices include GST, the default low-stock threshold). The configuration gives the first
//! values; once saved from the back office they live in the database (`store_settings`)
//! and win over the configuration. Every instance holds the current profile, takes a
//! change it saves at once, and re-reads the row's version every few seconds so the
//! others follow.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use tokio::sync::watch;
use utoipa::ToSchema;

use crate::config::{Registration, Settings, StoreSettings};
use crate::db::{Db, now};
use crate::http::{AppError, FieldError};
use crate::schema::store_settings;

const ROW: &str = "store";
/// How often an instance looks for a change another instance saved.
pub const REFRESH_EVERY: Duration = Duration::from_secs(5);

/// What the back office edits, as stored (JSON in `store_settings.body`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileInput {
    /// Shown on the storefront, receipts and invoices.
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    /// The registered name printed on tax invoices; empty means the name above.
    #[serde(default)]
    #[schema(max_length = 200)]
    pub legal_name: String,
    /// The store's GSTIN (checksum verified); empty for an unregistered store.
    #[serde(default)]
    pub gstin: String,
    /// `regular`, `composition` or `unregistered`; left out, what the GSTIN implies.
    #[serde(default)]
    pub registration: Option<Registration>,
    /// Two-digit GST state code; must be the GSTIN's first two digits.
    #[schema(min_length = 2, max_length = 2)]
    pub state_code: String,
    /// Address lines printed on invoices and receipts (1 to 5).
    #[schema(min_items = 1, max_items = 5)]
    pub address: Vec<String>,
    /// Invoice numbers are `{series}/{financial year}/{n}`: 1 to 4 letters or digits. A new
    /// series starts its own numbering at 1.
    #[schema(min_length = 1, max_length = 4)]
    pub invoice_series: String,
    /// Cash on delivery is offered at checkout.
    pub cod_enabled: bool,
    /// Catalog prices include GST (India's usual retail display) or GST is added on top.
    pub prices_include_tax: bool,
    /// Available stock at or below this is low stock wherever a variant has no threshold
    /// of its own; null: only variants with a threshold are watched.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 1000000)]
    pub low_stock_threshold: Option<i64>,
}

/// The profile with where it came from. The settings are nested rather than flattened:
/// the edited body refuses unknown fields, and a flattened copy would carry that rule
/// into this answer's schema.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProfileView {
    pub settings: ProfileInput,
    /// `configuration` until saved in the back office, then `database`.
    pub source: &'static str,
    pub updated_at: Option<DateTime<Utc>>,
    pub updated_by: Option<String>,
}

/// The settings in force, for the services that use them.
#[derive(Debug, Clone)]
pub struct Effective {
    pub store: StoreSettings,
    pub invoice_series: String,
    pub cod_enabled: bool,
    pub prices_include_tax: bool,
    pub low_stock_threshold: Option<i64>,
}

struct Current {
    effective: Arc<Effective>,
    view: ProfileView,
    version: i64,
}

/// The profile in force, shared by every service of this instance (a cheap clone).
#[derive(Clone)]
pub struct LiveProfile {
    base: Arc<Settings>,
    current: Arc<RwLock<Arc<Current>>>,
}

#[derive(Queryable)]
struct Row {
    body: String,
    version: i64,
    updated_at: chrono::NaiveDateTime,
    updated_by: String,
}

impl ProfileInput {
    fn from_settings(settings: &Settings) -> Self {
        Self {
            name: settings.store.name.clone(),
            legal_name: settings.store.legal_name.clone(),
            gstin: settings.store.gstin.clone(),
            registration: settings.store.registration,
            state_code: settings.store.state_code.clone(),
            address: settings.store.address.clone(),
            invoice_series: settings.orders.invoice_series.clone(),
            cod_enabled: settings.orders.cod_enabled,
            prices_include_tax: settings.catalog.prices_include_tax,
            low_stock_threshold: None,
        }
    }

    /// The configuration with this profile applied.
    fn apply(&self, base: &Settings) -> Settings {
        let mut s = base.clone();
        s.store.name = self.name.clone();
        s.store.legal_name = self.legal_name.clone();
        s.store.gstin = self.gstin.clone();
        s.store.registration = self.registration;
        s.store.state_code = self.state_code.clone();
        s.store.address = self.address.clone();
        s.orders.invoice_series = self.invoice_series.clone();
        s.orders.cod_enabled = self.cod_enabled;
        s.catalog.prices_include_tax = self.prices_include_tax;
        s
    }

    /// Trims what people type and upper-cases codes.
    fn normalized(mut self) -> Self {
        self.name = self.name.trim().to_string();
        self.legal_name = self.legal_name.trim().to_string();
        self.gstin = self.gstin.trim().to_ascii_uppercase();
        self.state_code = self.state_code.trim().to_string();
        self.invoice_series = self.invoice_series.trim().to_ascii_uppercase();
        self.address = self
            .address
            .iter()
            .map(|l| l.trim().to_string())
            .filter(|l| !l.is_empty())
            .collect();
        self
    }

    /// Every rule the configuration is held to, each error named by this form's field.
    fn check(&self, base: &Settings) -> Result<(), AppError> {
        let mut problems = Vec::new();
        if self.name.is_empty() || self.name.chars().count() > 100 {
            problems.push(FieldError::new("name", "must be 1 to 100 characters"));
        }
        if self.legal_name.chars().count() > 200 {
            problems.push(FieldError::new(
                "legal_name",
                "must be at most 200 characters",
            ));
        }
        if self.address.is_empty() || self.address.len() > 5 {
            problems.push(FieldError::new("address", "must be 1 to 5 lines"));
        }
        for (i, line) in self.address.iter().enumerate() {
            if line.chars().count() > 120 {
                problems.push(FieldError::new(
                    format!("address[{i}]"),
                    "must be at most 120 characters",
                ));
            }
        }
        if let Some(t) = self.low_stock_threshold
            && !(0..=1_000_000).contains(&t)
        {
            problems.push(FieldError::new(
                "low_stock_threshold",
                "must be between 0 and 1000000",
            ));
        }
        if problems.is_empty()
            && let Err(e) = self.apply(base).validate()
        {
            let field = match e.key.as_str() {
                "store.gstin" => "gstin",
                "store.state_code" => "state_code",
                "store.registration" => "registration",
                "orders.invoice_series" | "orders.credit_note_series" => "invoice_series",
                "orders.cod_enabled" => "cod_enabled",
                "catalog.prices_include_tax" => "prices_include_tax",
                _ => "body",
            };
            let message = e
                .message
                .replace("store.gstin", "the GSTIN")
                .replace("store.state_code", "the state")
                .replace("store.registration", "the registration")
                .replace("orders.invoice_series", "the invoice series")
                .replace("orders.credit_note_series", "the credit note series");
            problems.push(FieldError::new(field, message));
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(AppError::Validation(problems))
        }
    }
}

fn effective(settings: &Settings, profile: &ProfileInput) -> Effective {
    let applied = profile.apply(settings);
    Effective {
        store: applied.store,
        invoice_series: applied.orders.invoice_series,
        cod_enabled: applied.orders.cod_enabled,
        prices_include_tax: applied.catalog.prices_include_tax,
        low_stock_threshold: profile.low_stock_threshold,
    }
}

impl LiveProfile {
    /// The configuration's values, until `load` finds saved ones.
    pub fn from_settings(settings: &Settings) -> Self {
        let profile = ProfileInput::from_settings(settings);
        let current = Current {
            effective: Arc::new(effective(settings, &profile)),
            view: ProfileView {
                settings: profile,
                source: "configuration",
                updated_at: None,
                updated_by: None,
            },
            version: 0,
        };
        Self {
            base: Arc::new(settings.clone()),
            current: Arc::new(RwLock::new(Arc::new(current))),
        }
    }

    /// The settings in force now.
    pub fn get(&self) -> Arc<Effective> {
        self.snapshot().effective.clone()
    }

    /// The store's name, GSTIN, state and address in force now.
    pub fn store(&self) -> StoreSettings {
        self.get().store.clone()
    }

    pub fn view(&self) -> ProfileView {
        self.snapshot().view.clone()
    }

    fn snapshot(&self) -> Arc<Current> {
        match self.current.read() {
            Ok(c) => c.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn replace(&self, next: Current) {
        let next = Arc::new(next);
        match self.current.write() {
            Ok(mut c) => *c = next,
            Err(poisoned) => *poisoned.into_inner() = next,
        }
    }

    fn current_of(&self, row: Row) -> Result<Current, AppError> {
        let profile: ProfileInput = serde_json::from_str(&row.body)
            .map_err(|e| AppError::internal(format!("stored store settings: {e}")))?;
        Ok(Current {
            effective: Arc::new(effective(&self.base, &profile)),
            view: ProfileView {
                settings: profile,
                source: "database",
                updated_at: Some(row.updated_at.and_utc()),
                updated_by: Some(row.updated_by),
            },
            version: row.version,
        })
    }

    /// Reads the saved profile, if any, when it is newer than the one held.
    pub async fn refresh(&self, db: &Db) -> Result<(), AppError> {
        let held = self.snapshot().version;
        let row: Option<Row> = db
            .read(move |conn| {
                // The version alone first: the usual answer is "unchanged".
                let version: Option<i64> = store_settings::table
                    .filter(store_settings::id.eq(ROW))
                    .select(store_settings::version)
                    .first(conn)
                    .optional()?;
                if version.is_none_or(|v| v == held) {
                    return Ok(None);
                }
                Ok(store_settings::table
                    .filter(store_settings::id.eq(ROW))
                    .select((
                        store_settings::body,
                        store_settings::version,
                        store_settings::updated_at,
                        store_settings::updated_by,
                    ))
                    .first(conn)
                    .optional()?)
            })
            .await?;
        if let Some(row) = row {
            let next = self.current_of(row)?;
            if next.version > self.snapshot().version {
                self.replace(next);
            }
        }
        Ok(())
    }

    /// Validates and saves a new profile; it is in force here at once.
    pub async fn save(
        &self,
        db: &Db,
        actor: &str,
        input: ProfileInput,
    ) -> Result<ProfileView, AppError> {
        let input = input.normalized();
        input.check(&self.base)?;
        let body = serde_json::to_string(&input)
            .map_err(|e| AppError::internal(format!("store settings: {e}")))?;
        let actor = actor.to_string();
        let row = db
            .write(move |conn| {
                let at = now();
                let version: Option<i64> = store_settings::table
                    .filter(store_settings::id.eq(ROW))
                    .select(store_settings::version)
                    .first(conn)
                    .optional()?;
                let next = version.unwrap_or(0) + 1;
                match version {
                    Some(v) => {
                        diesel::update(
                            store_settings::table
                                .filter(store_settings::id.eq(ROW))
                                .filter(store_settings::version.eq(v)),
                        )
                        .set((
                            store_settings::body.eq(&body),
                            store_settings::version.eq(next),
                            store_settings::updated_at.eq(at),
                            store_settings::updated_by.eq(&actor),
                        ))
                        .execute(conn)?;
                    }
                    None => {
                        diesel::insert_into(store_settings::table)
                            .values((
                                store_settings::id.eq(ROW),
                                store_settings::body.eq(&body),
                                store_settings::version.eq(next),
                                store_settings::updated_at.eq(at),
                                store_settings::updated_by.eq(&actor),
                            ))
                            .execute(conn)?;
                    }
                }
                Ok(Row {
                    body,
                    version: next,
                    updated_at: at,
                    updated_by: actor,
                })
            })
            .await?;
        let next = self.current_of(row)?;
        let view = next.view.clone();
        self.replace(next);
        Ok(view)
    }

    /// Follows changes saved by other instances until `stop` changes.
    pub async fn follow(self, db: Db, mut stop: watch::Receiver<bool>) {
        loop {
            tokio::select! {
                _ = tokio::time::sleep(REFRESH_EVERY) => {}
                _ = stop.changed() => break,
            }
            if let Err(e) = self.refresh(&db).await {
                tracing::warn!(error = %e, "reading the store settings failed");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Settings {
        let mut s = Settings::default();
        s.store.gstin = crate::contracts::gst::demo_gstin("29");
        s.store.state_code = "29".into();
        s
    }

    fn input(s: &Settings) -> ProfileInput {
        ProfileInput::from_settings(s)
    }

    fn fields(e: AppError) -> Vec<String> {
        match e {
            AppError::Validation(list) => list.into_iter().map(|f| f.field).collect(),
            other => vec![format!("{other:?}")],
        }
    }

    #[test]
    fn the_configurations_rules_hold_and_name_the_forms_field() {
        let s = base();
        assert!(input(&s).normalized().check(&s).is_ok());
        let mut bad = input(&s);
        let last = bad.gstin.pop().map(|c| if c == 'A' { 'B' } else { 'A' });
        bad.gstin.extend(last);
        assert_eq!(
            fields(bad.normalized().check(&s).unwrap_err()),
            vec!["gstin"]
        );
        let mut other_state = input(&s);
        other_state.state_code = "27".into();
        assert_eq!(
            fields(other_state.normalized().check(&s).unwrap_err()),
            vec!["state_code"]
        );
        let mut series = input(&s);
        series.invoice_series = "INVOICE".into();
        assert_eq!(
            fields(series.normalized().check(&s).unwrap_err()),
            vec!["invoice_series"]
        );
        let mut same_as_credit = input(&s);
        same_as_credit.invoice_series = s.orders.credit_note_series.to_lowercase();
        assert_eq!(
            fields(same_as_credit.normalized().check(&s).unwrap_err()),
            vec!["invoice_series"]
        );
        let mut empty = input(&s);
        empty.name = "  ".into();
        empty.address = vec![" ".into()];
        assert_eq!(
            fields(empty.normalized().check(&s).unwrap_err()),
            vec!["name", "address"]
        );
    }

    #[test]
    fn an_unregistered_store_has_no_gstin_and_charges_no_gst() {
        let s = base();
        let mut p = input(&s);
        p.gstin = String::new();
        p.registration = Some(Registration::Unregistered);
        let p = p.normalized();
        assert!(p.check(&s).is_ok());
        let e = effective(&s, &p);
        assert!(!e.store.charges_gst());
        let mut with_gstin = p.clone();
        with_gstin.gstin = s.store.gstin.clone();
        assert_eq!(fields(with_gstin.check(&s).unwrap_err()), vec!["gstin"]);
    }
}
