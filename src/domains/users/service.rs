//! Account rules: registration, login with per-account lockout, refresh-token rotation
//! with reuse detection, logout, password change and reset, roles, API keys.

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::TimeDelta;
use sha2::{Digest, Sha256};

use super::model::{
    AddressInput, AddressRow, AddressView, ApiKeyView, Email, ProfileUpdate, UserRow, UserView,
    check_name, check_phone,
};
use super::oidc::{Callback, OidcClient};
use super::password;
use super::sessions::{NewSession, NextToken, Rotation, SessionStore, expiry};
use super::store::{self, NewApiKey, NewUser, OidcLink, OidcLogin, ThrottleRow};
use crate::config::{AuthSettings, RateLimitSettings};
use crate::contracts::auth::{
    ApiKeyIdentity, ClientInfo, IssuedTokens, Permission, PermissionSet, Principal, Role,
    SessionState,
};
use crate::contracts::mail::Mailer;
use crate::db::{Db, new_id, now};
use crate::gateway::tokens::KeyRing;
use crate::http::pagination::{Page, PageRequest};
use crate::http::{AppError, FieldError};
use serde::Serialize;
use utoipa::ToSchema;

/// Prefix of API keys, so a leaked one is recognisable in logs and secret scanners.
const API_KEY_PREFIX: &str = "kir_";

pub fn random_token() -> Result<String, AppError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| AppError::internal(format!("no randomness: {e}")))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

pub fn sha256_hex(value: &str) -> String {
    hex::encode(Sha256::digest(value.as_bytes()))
}

pub struct Users {
    db: Db,
    sessions: Arc<dyn SessionStore>,
    keys: Arc<KeyRing>,
    auth: AuthSettings,
    limits: RateLimitSettings,
    mailer: Arc<dyn Mailer>,
    /// Verified against when an e-mail is unknown, so both cases cost one argon2 run.
    /// Computed in the background at start-up (see `warm_up`), or on first need.
    dummy_hash: tokio::sync::OnceCell<String>,
    /// Password hashes run at most one per core at a time: a login flood queues here
    /// instead of taking every core and 19 MiB per attempt.
    hash_slots: tokio::sync::Semaphore,
    /// Recent session states by user id (see `auth.session_cache_ms`).
    session_cache:
        std::sync::Mutex<std::collections::HashMap<String, (SessionState, std::time::Instant)>>,
    oidc: OidcClient,
}

/// How long a started OpenID login, and an offer to link an identity, stay valid.
const OIDC_LOGIN_TTL: TimeDelta = TimeDelta::minutes(10);
const OIDC_LINK_TTL: TimeDelta = TimeDelta::minutes(15);

/// Where a finished OpenID login leads.
pub enum OidcOutcome {
    LoggedIn {
        tokens: IssuedTokens,
        return_to: String,
    },
    /// A local account already has this (provider-verified) e-mail: its owner must log in
    /// to it once, with the link token, before the identity logs in to it.
    LinkRequired { link_token: String },
}

/// What the browser must bring back from the provider.
pub struct OidcStart {
    pub redirect_to: String,
    pub state: String,
}

/// Only paths of this site: `/orders`, never `//evil.example` or `https://...`.
fn safe_return_to(raw: Option<&str>) -> String {
    match raw {
        Some(p)
            if p.starts_with('/')
                && !p.starts_with("//")
                && !p.contains('\\')
                && p.len() <= 512
                && !p.chars().any(|c| c.is_control()) =>
        {
            p.to_string()
        }
        _ => "/".to_string(),
    }
}

/// Beyond this many cached users the cache starts over rather than grow.
const SESSION_CACHE_MAX: usize = 50_000;

/// What a successful login or registration by an admin hands back.
pub struct LoggedIn {
    pub user: UserView,
    pub tokens: IssuedTokens,
}

impl Users {
    pub fn new(
        db: Db,
        sessions: Arc<dyn SessionStore>,
        keys: Arc<KeyRing>,
        auth: AuthSettings,
        limits: RateLimitSettings,
        mailer: Arc<dyn Mailer>,
        oidc: OidcClient,
    ) -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self {
            db,
            sessions,
            keys,
            auth,
            limits,
            mailer,
            dummy_hash: tokio::sync::OnceCell::new(),
            hash_slots: tokio::sync::Semaphore::new(cores),
            session_cache: Default::default(),
            oidc,
        }
    }

    pub fn keys(&self) -> &KeyRing {
        &self.keys
    }

    pub fn auth_settings(&self) -> &AuthSettings {
        &self.auth
    }

    async fn hash_password(&self, password: String) -> Result<String, AppError> {
        let _slot = self
            .hash_slots
            .acquire()
            .await
            .map_err(|_| AppError::internal("hash slots closed"))?;
        tokio::task::spawn_blocking(move || password::hash(&password))
            .await
            .map_err(|e| AppError::internal(format!("hashing task: {e}")))?
    }

    /// Prepares the hash that unknown e-mails are checked against.
    pub async fn warm_up(&self) -> Result<(), AppError> {
        self.dummy_hash
            .get_or_try_init(|| self.hash_password("kirana-dummy-password-for-timing".into()))
            .await?;
        Ok(())
    }

    async fn verify_password(&self, password: String, hash: Option<String>) -> bool {
        let hash = match hash {
            Some(h) => h,
            None => match self.warm_up().await {
                Ok(()) => self.dummy_hash.get().cloned().unwrap_or_default(),
                Err(_) => return false,
            },
        };
        let Ok(_slot) = self.hash_slots.acquire().await else {
            return false;
        };
        tokio::task::spawn_blocking(move || password::verify(&password, &hash))
            .await
            .unwrap_or(false)
    }

    /// Customer self-registration.
    pub async fn register(
        &self,
        email: &str,
        password: String,
        name: &str,
    ) -> Result<UserView, AppError> {
        self.create_user(email, Some(password), name, Role::Customer)
            .await
    }

    /// Creates an account with any role (admins creating staff and sellers; the CLI).
    pub async fn create_user(
        &self,
        email: &str,
        password: Option<String>,
        name: &str,
        role: Role,
    ) -> Result<UserView, AppError> {
        let email = Email::parse(email, "email")?;
        let name = check_name(name, "name")?;
        let hash = match password {
            Some(p) => {
                password::check_policy(&p, email.as_str(), "password")?;
                Some(self.hash_password(p).await?)
            }
            None => None,
        };
        let id = new_id();
        let row_id = id.clone();
        self.db
            .write(move |conn| {
                store::insert_user(
                    conn,
                    NewUser {
                        id: &row_id,
                        email: email.as_str(),
                        name: &name,
                        phone: None,
                        password_hash: hash.as_deref(),
                        role: role.as_str(),
                        now: now(),
                    },
                )?;
                store::user_by_id(conn, &row_id)?
                    .map(|u| u.view())
                    .ok_or_else(|| AppError::internal("inserted user vanished"))
            })
            .await
    }

    /// The ways one phone number may have been saved: as given, and for a ten-digit
    /// Indian mobile number also with and without +91.
    fn phone_forms(phone: &str) -> Vec<String> {
        let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
        let mut forms = vec![phone.to_string()];
        if digits.len() == 10 {
            forms.push(format!("+91{digits}"));
            forms.push(digits);
        } else if let Some(local) = phone.strip_prefix("+91").filter(|l| l.len() == 10) {
            forms.push(local.to_string());
        }
        forms
    }

    /// Customers with this phone number (the counter attaching a buyer to a sale).
    pub async fn customers_by_phone(&self, phone: &str) -> Result<Vec<CounterCustomer>, AppError> {
        let phone = check_phone(phone, "phone")?;
        let forms = Self::phone_forms(&phone);
        let rows = self
            .db
            .read(move |conn| store::customers_by_phone(conn, &forms))
            .await?;
        Ok(rows.into_iter().map(CounterCustomer::from).collect())
    }

    /// A customer account made at the counter: a name and a phone number, an e-mail
    /// address if the buyer gives one (else a placeholder at the reserved `.invalid`
    /// domain, which no mail reaches), and no password until they reset one.
    pub async fn create_counter_customer(
        &self,
        name: &str,
        phone: &str,
        email: Option<&str>,
    ) -> Result<CounterCustomer, AppError> {
        let mut problems = Vec::new();
        let name = check_name(name, "name").map_err(|e| problems.extend(fields_of(e)));
        let phone = check_phone(phone, "phone").map_err(|e| problems.extend(fields_of(e)));
        let email = match email.map(str::trim).filter(|e| !e.is_empty()) {
            Some(e) => Email::parse(e, "email")
                .map(|e| Some(e.as_str().to_string()))
                .map_err(|e| problems.extend(fields_of(e))),
            None => Ok(None),
        };
        let (Ok(name), Ok(phone), Ok(email)) = (name, phone, email) else {
            return Err(AppError::Validation(problems));
        };
        let email = email.unwrap_or_else(|| {
            let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
            format!("phone-{digits}@customers.invalid")
        });
        let forms = Self::phone_forms(&phone);
        let id = new_id();
        let row_id = id.clone();
        self.db
            .write(move |conn| {
                if !store::customers_by_phone(conn, &forms)?.is_empty() {
                    return Err(AppError::FieldConflict(
                        "a customer has this phone number".into(),
                        vec![FieldError::new("phone", "belongs to a customer already")],
                    ));
                }
                store::insert_user(
                    conn,
                    NewUser {
                        id: &row_id,
                        email: &email,
                        name: &name,
                        phone: Some(&phone),
                        password_hash: None,
                        role: Role::Customer.as_str(),
                        now: now(),
                    },
                )?;
                store::user_by_id(conn, &row_id)?
                    .map(CounterCustomer::from)
                    .ok_or_else(|| AppError::internal("inserted user vanished"))
            })
            .await
    }

    /// Configured OpenID providers: (name, label).
    pub fn oidc_providers(&self) -> Vec<(String, String)> {
        self.oidc.list()
    }

    /// Starts a login with an OpenID provider: remembers state, nonce and PKCE verifier
    /// for the callback, and returns where to send the browser.
    pub async fn oidc_start(
        &self,
        provider: &str,
        return_to: Option<&str>,
    ) -> Result<OidcStart, AppError> {
        let auth = self.oidc.authorize(provider, random_token).await?;
        let login = OidcLogin {
            provider: provider.to_string(),
            nonce: auth.nonce,
            code_verifier: auth.code_verifier,
            return_to: safe_return_to(return_to),
            expires_at: now() + OIDC_LOGIN_TTL,
        };
        let state_hash = sha256_hex(&auth.state);
        self.db
            .write(move |conn| store::insert_oidc_login(conn, &state_hash, &login))
            .await?;
        Ok(OidcStart {
            redirect_to: auth.url,
            state: auth.state,
        })
    }

    /// Finishes a login with an OpenID provider. `browser_state` is the state this
    /// browser was given at the start (its cookie): a callback carrying any other state
    /// is someone else's login being planted on this browser.
    pub async fn oidc_finish(
        &self,
        provider: &str,
        code: &str,
        state: &str,
        iss: Option<&str>,
        browser_state: Option<&str>,
        client: ClientInfo,
    ) -> Result<OidcOutcome, AppError> {
        if browser_state != Some(state) {
            return Err(AppError::BadRequest(
                "this login was not started in this browser; start again".into(),
            ));
        }
        let state_hash = sha256_hex(state);
        let login = self
            .db
            .write(move |conn| store::take_oidc_login(conn, &state_hash))
            .await?
            .filter(|l| l.expires_at > now() && l.provider == provider)
            .ok_or_else(|| {
                AppError::BadRequest("the login expired or was already used; start again".into())
            })?;
        let identity = self
            .oidc
            .complete(
                provider,
                Callback {
                    code,
                    iss,
                    nonce: &login.nonce,
                    code_verifier: &login.code_verifier,
                },
            )
            .await?;
        let email = identity
            .email
            .as_deref()
            .and_then(|e| Email::parse(e, "email").ok());
        let name = identity
            .name
            .as_deref()
            .and_then(|n| check_name(n, "name").ok());
        enum Found {
            User(Box<UserRow>),
            Link(String),
        }
        let found = self
            .db
            .write(move |conn| {
                let (iss, sub) = (identity.issuer.as_str(), identity.subject.as_str());
                let email_str = email.as_ref().map(|e| e.as_str());
                if let Some(user_id) = store::oidc_identity_user(conn, iss, sub)? {
                    store::touch_oidc_identity(conn, iss, sub, email_str)?;
                    return store::user_by_id(conn, &user_id)?
                        .map(|u| Found::User(Box::new(u)))
                        .ok_or_else(|| AppError::internal("identity without its user"));
                }
                let Some(email) = email else {
                    return Err(AppError::Forbidden(
                        "the identity provider did not share an e-mail address, which an account needs".into(),
                    ));
                };
                if let Some(existing) = store::user_by_email(conn, email.as_str())? {
                    // Never on e-mail alone: the owner of the local account must prove it.
                    if !identity.email_verified {
                        return Err(AppError::Conflict(
                            "an account with this e-mail address exists; log in with its password".into(),
                        ));
                    }
                    let token = random_token()?;
                    store::insert_oidc_link(
                        conn,
                        &sha256_hex(&token),
                        &OidcLink {
                            issuer: identity.issuer.clone(),
                            subject: identity.subject.clone(),
                            user_id: existing.id,
                            email: email.as_str().to_string(),
                            expires_at: now() + OIDC_LINK_TTL,
                        },
                    )?;
                    return Ok(Found::Link(token));
                }
                if !identity.email_verified {
                    return Err(AppError::Forbidden(
                        "the identity provider has not verified this e-mail address".into(),
                    ));
                }
                let id = new_id();
                let fallback = email.as_str().split('@').next().unwrap_or("Customer").to_string();
                store::insert_user(
                    conn,
                    NewUser {
                        id: &id,
                        email: email.as_str(),
                        name: name.as_deref().unwrap_or(&fallback),
                        phone: None,
                        password_hash: None,
                        role: Role::Customer.as_str(),
                        now: now(),
                    },
                )?;
                store::insert_oidc_identity(conn, iss, sub, &id, Some(email.as_str()))?;
                tracing::info!(user_id = %id, issuer = %iss, "customer created from an OpenID login");
                store::user_by_id(conn, &id)?
                    .map(|u| Found::User(Box::new(u)))
                    .ok_or_else(|| AppError::internal("inserted user vanished"))
            })
            .await?;
        match found {
            Found::Link(link_token) => Ok(OidcOutcome::LinkRequired { link_token }),
            Found::User(user) if !user.active() => {
                Err(AppError::Unauthenticated("this account is disabled".into()))
            }
            Found::User(user) => Ok(OidcOutcome::LoggedIn {
                tokens: self.start_session(&user, &client).await?,
                return_to: login.return_to,
            }),
        }
    }

    /// Checks a link token before its password login is attempted: it must be live and
    /// offered for this e-mail.
    pub async fn check_oidc_link(&self, token: &str, email: &str) -> Result<(), AppError> {
        let hash = sha256_hex(token);
        let email = Email::parse(email, "email")?;
        let link = self
            .db
            .read(move |conn| store::oidc_link(conn, &hash))
            .await?;
        match link {
            Some(l) if l.expires_at > now() && l.email == email.as_str() => Ok(()),
            _ => Err(AppError::invalid("oidc_link", "is unknown or expired")),
        }
    }

    /// Links the offered identity to the account that just proved itself by logging in.
    pub async fn complete_oidc_link(&self, token: &str, user_id: &str) -> Result<(), AppError> {
        let hash = sha256_hex(token);
        let user_id = user_id.to_string();
        self.db
            .write(move |conn| {
                let link = store::oidc_link(conn, &hash)?
                    .filter(|l| l.expires_at > now() && l.user_id == user_id)
                    .ok_or_else(|| AppError::invalid("oidc_link", "is unknown or expired"))?;
                store::delete_oidc_link(conn, &hash)?;
                if store::oidc_identity_user(conn, &link.issuer, &link.subject)?.is_none() {
                    store::insert_oidc_identity(
                        conn,
                        &link.issuer,
                        &link.subject,
                        &user_id,
                        Some(&link.email),
                    )?;
                    tracing::info!(user_id = %user_id, issuer = %link.issuer, "OpenID identity linked");
                }
                Ok(())
            })
            .await
    }

    /// Checks a password, with the per-account lockout. A locked account is refused
    /// before its password is looked at.
    pub async fn login(
        &self,
        email: &str,
        password: String,
        client: ClientInfo,
    ) -> Result<LoggedIn, AppError> {
        let email = match Email::parse(email, "email") {
            Ok(e) => e,
            Err(_) => {
                // Same cost as a real attempt, same answer.
                self.verify_password(password, None).await;
                return Err(invalid_credentials());
            }
        };
        let key = email.as_str().to_string();
        let (user, lock) = self
            .db
            .read(move |conn| {
                Ok((
                    store::user_by_email(conn, &key)?,
                    store::throttle(conn, &key)?,
                ))
            })
            .await?;
        let now = now();
        if let Some(until) = lock
            .as_ref()
            .and_then(|t| t.locked_until)
            .filter(|u| *u > now)
        {
            let secs = (until - now).num_seconds().max(1) as u64;
            tracing::warn!(email = %email.as_str(), "login refused: account temporarily locked");
            return Err(AppError::TooManyRequests {
                retry_after_secs: secs,
            });
        }
        let ok = self
            .verify_password(
                password,
                user.as_ref().and_then(|u| u.password_hash.clone()),
            )
            .await;
        match user {
            Some(user) if ok && user.active() => {
                let key = email.as_str().to_string();
                if lock.is_some() {
                    self.db
                        .write(move |conn| store::clear_throttle(conn, &key))
                        .await?;
                }
                let tokens = self.start_session(&user, &client).await?;
                Ok(LoggedIn {
                    user: user.view(),
                    tokens,
                })
            }
            _ => {
                self.record_failure(email.as_str().to_string()).await?;
                Err(invalid_credentials())
            }
        }
    }

    async fn record_failure(&self, email: String) -> Result<(), AppError> {
        let limits = self.limits.clone();
        self.db
            .write(move |conn| {
                let now = now();
                let existing = store::throttle(conn, &email)?;
                let exists = existing.is_some();
                let mut row = existing.unwrap_or(ThrottleRow {
                    failures: 0,
                    window_started_at: now,
                    locked_until: None,
                    lock_count: 0,
                });
                let window = TimeDelta::minutes(limits.login_window_mins as i64);
                if now - row.window_started_at > window {
                    row.failures = 0;
                    row.window_started_at = now;
                    // A quiet window forgives earlier locks, so backoff cannot grow forever.
                    if row.locked_until.is_none_or(|u| now - u > window) {
                        row.lock_count = 0;
                    }
                }
                row.failures += 1;
                if row.failures as u32 >= limits.login_max_failures {
                    let factor = 1u64 << row.lock_count.clamp(0, 16);
                    let secs = limits
                        .login_base_lock_secs
                        .saturating_mul(factor)
                        .min(limits.login_max_lock_secs);
                    row.locked_until = Some(now + TimeDelta::seconds(secs as i64));
                    row.lock_count += 1;
                    row.failures = 0;
                    row.window_started_at = now;
                    tracing::warn!(email = %email, lock_secs = secs, "account locked after repeated failed logins");
                }
                store::save_throttle(conn, &email, &row, exists)
            })
            .await
    }

    /// Issues an access token and a refresh token in a new session family.
    async fn start_session(
        &self,
        user: &UserRow,
        client: &ClientInfo,
    ) -> Result<IssuedTokens, AppError> {
        let refresh = random_token()?;
        self.sessions
            .create(NewSession {
                hash: sha256_hex(&refresh),
                family_id: new_id(),
                user_id: user.id.clone(),
                expires_at: expiry(TimeDelta::days(self.auth.refresh_ttl_days as i64)),
                client: client.clone(),
            })
            .await?;
        Ok(IssuedTokens {
            user_id: user.id.clone(),
            access_token: self.access_token(user)?,
            access_expires_in: self.keys.access_ttl_secs(),
            refresh_token: Some(refresh),
        })
    }

    fn access_token(&self, user: &UserRow) -> Result<String, AppError> {
        self.keys
            .issue(&user.id, user.role(), user.auth_version)
            .map_err(|e| AppError::internal(format!("signing: {e}")))
    }

    /// Rotates a refresh token. A token rotated moments ago (parallel requests) gets a
    /// new access token but no new refresh token; an older rotated token means it was
    /// stolen or replayed, and its whole family is revoked.
    pub async fn refresh(&self, token: &str, client: ClientInfo) -> Result<IssuedTokens, AppError> {
        let new_refresh = random_token()?;
        let next = NextToken {
            hash: sha256_hex(&new_refresh),
            expires_at: expiry(TimeDelta::days(self.auth.refresh_ttl_days as i64)),
            client: client.clone(),
        };
        let grace = TimeDelta::seconds(self.auth.refresh_grace_secs as i64);
        let (user_id, refresh_token) = match self
            .sessions
            .rotate(&sha256_hex(token), next, grace)
            .await?
        {
            Rotation::Rotated { user_id } => (user_id, Some(new_refresh)),
            Rotation::Grace { user_id } => (user_id, None),
            Rotation::Reused { user_id, family_id } => {
                tracing::warn!(
                    security_event = "refresh_token_reuse",
                    user_id = %user_id,
                    family_id = %family_id,
                    ip = %client.ip,
                    "a rotated refresh token was presented again; its session family is revoked"
                );
                return Err(AppError::Unauthorized);
            }
            Rotation::Rejected => return Err(AppError::Unauthorized),
        };
        let id = user_id.clone();
        let user = self
            .db
            .read(move |conn| store::user_by_id(conn, &id))
            .await?
            .filter(UserRow::active)
            .ok_or(AppError::Unauthorized)?;
        Ok(IssuedTokens {
            user_id,
            access_token: self.access_token(&user)?,
            access_expires_in: self.keys.access_ttl_secs(),
            refresh_token,
        })
    }

    /// Ends the session a refresh token belongs to.
    pub async fn logout(&self, refresh_token: &str) -> Result<(), AppError> {
        self.sessions
            .revoke_family_of(&sha256_hex(refresh_token))
            .await
    }

    /// Ends every session and invalidates every access token of the user.
    pub async fn logout_everywhere(&self, user_id: &str) -> Result<(), AppError> {
        // Sessions go first: if the process dies in between, the user is only logged out.
        self.sessions.revoke_user(user_id).await?;
        let id = user_id.to_string();
        self.db
            .write(move |conn| store::bump_auth_version(conn, &id, now()))
            .await?;
        self.forget_session(user_id);
        Ok(())
    }

    pub async fn session_state(&self, user_id: &str) -> Result<Option<SessionState>, AppError> {
        let ttl = std::time::Duration::from_millis(self.auth.session_cache_ms);
        if !ttl.is_zero()
            && let Ok(cache) = self.session_cache.lock()
            && let Some((state, at)) = cache.get(user_id)
            && at.elapsed() < ttl
        {
            return Ok(Some(state.clone()));
        }
        let id = user_id.to_string();
        let row = self
            .db
            .read(move |conn| store::session_row(conn, &id))
            .await?;
        let state = row.map(|(role, auth_version, status)| SessionState {
            role: Role::parse(&role).unwrap_or(Role::Customer),
            auth_version,
            active: status == "active",
        });
        if let Some(state) = &state
            && !ttl.is_zero()
            && let Ok(mut cache) = self.session_cache.lock()
        {
            if cache.len() >= SESSION_CACHE_MAX {
                cache.clear();
            }
            cache.insert(
                user_id.to_string(),
                (state.clone(), std::time::Instant::now()),
            );
        }
        Ok(state)
    }

    /// Drops a user's cached session state after a change to it.
    fn forget_session(&self, user_id: &str) {
        if let Ok(mut cache) = self.session_cache.lock() {
            cache.remove(user_id);
        }
    }

    pub async fn profile(&self, user_id: &str) -> Result<UserView, AppError> {
        let id = user_id.to_string();
        self.db
            .read(move |conn| store::user_by_id(conn, &id))
            .await?
            .map(|u| u.view())
            .ok_or_else(|| AppError::NotFound("no such user".into()))
    }

    pub async fn update_profile(
        &self,
        user_id: &str,
        update: ProfileUpdate,
    ) -> Result<UserView, AppError> {
        let name = update
            .name
            .as_deref()
            .map(|n| check_name(n, "name"))
            .transpose()?;
        let phone = update
            .phone
            .as_deref()
            .map(|p| check_phone(p, "phone"))
            .transpose()?;
        let id = user_id.to_string();
        self.db
            .write(move |conn| {
                store::update_profile(conn, &id, name.as_deref(), phone.as_deref(), now())?;
                store::user_by_id(conn, &id)?
                    .map(|u| u.view())
                    .ok_or_else(|| AppError::NotFound("no such user".into()))
            })
            .await
    }

    /// Changes the password after checking the current one; every session ends and the
    /// caller gets a fresh one.
    pub async fn change_password(
        &self,
        principal: &Principal,
        current: String,
        new: String,
        client: ClientInfo,
    ) -> Result<IssuedTokens, AppError> {
        let user = self.user_row(principal.user_id()).await?;
        if !self
            .verify_password(current, user.password_hash.clone())
            .await
        {
            return Err(AppError::invalid(
                "current_password",
                "is not your current password",
            ));
        }
        password::check_policy(&new, &user.email, "new_password")?;
        let hash = self.hash_password(new).await?;
        self.sessions.revoke_user(&user.id).await?;
        let id = user.id.clone();
        self.db
            .write(move |conn| {
                let now = now();
                store::set_password_hash(conn, &id, &hash, now)?;
                store::bump_auth_version(conn, &id, now)
            })
            .await?;
        self.forget_session(principal.user_id());
        let user = self.user_row(principal.user_id()).await?;
        self.start_session(&user, &client).await
    }

    async fn user_row(&self, user_id: &str) -> Result<UserRow, AppError> {
        let id = user_id.to_string();
        self.db
            .read(move |conn| store::user_by_id(conn, &id))
            .await?
            .ok_or_else(|| AppError::NotFound("no such user".into()))
    }

    /// Sends a single-use reset link if the address has an account; answers the same
    /// either way.
    pub async fn request_password_reset(&self, email: &str) -> Result<(), AppError> {
        // A malformed address is the caller's mistake and says nothing about accounts.
        let email = Email::parse(email, "email")?;
        let key = email.as_str().to_string();
        let Some(user) = self
            .db
            .read(move |conn| store::user_by_email(conn, &key))
            .await?
            .filter(|u| u.active())
        else {
            return Ok(());
        };
        let link = self.new_reset_link(&user.id).await?;
        let body = format!(
            "Someone asked to reset the password of your Kirana account.\n\nOpen this link within {} minutes to choose a new one:\n{link}\n\nIf it was not you, ignore this message.",
            self.auth.password_reset_ttl_mins
        );
        let mailer = self.mailer.clone();
        let to = user.email.clone();
        tokio::task::spawn_blocking(move || mailer.send(&to, "Reset your Kirana password", &body))
            .await
            .map_err(|e| AppError::internal(format!("mail task: {e}")))?
            .map_err(|e| AppError::internal(format!("mail: {e}")))?;
        Ok(())
    }

    /// A single-use password-reset link for an active account, for an admin to hand to its
    /// owner (the `reset-link` command) where no mail server sends it.
    pub async fn reset_link_for(&self, email: &str) -> Result<String, AppError> {
        let email = Email::parse(email, "email")?;
        let key = email.as_str().to_string();
        let user = self
            .db
            .read(move |conn| store::user_by_email(conn, &key))
            .await?
            .filter(|u| u.active())
            .ok_or_else(|| AppError::NotFound("no active account has this e-mail".into()))?;
        self.new_reset_link(&user.id).await
    }

    /// Stores a fresh reset token's hash for `user_id` and returns the link holding it.
    async fn new_reset_link(&self, user_id: &str) -> Result<String, AppError> {
        let token = random_token()?;
        let hash = sha256_hex(&token);
        let ttl = TimeDelta::minutes(self.auth.password_reset_ttl_mins as i64);
        let user_id = user_id.to_string();
        self.db
            .write(move |conn| {
                let now = now();
                store::insert_reset(conn, &hash, &user_id, now + ttl, now)
            })
            .await?;
        Ok(format!(
            "{}/reset-password?token={token}",
            self.auth.public_url.trim_end_matches('/')
        ))
    }

    /// Sets a new password with a reset token; the token works once, every session ends
    /// and any login lock is lifted.
    pub async fn confirm_password_reset(&self, token: &str, new: String) -> Result<(), AppError> {
        let hash = sha256_hex(token);
        let user_id = self
            .db
            .write(move |conn| store::consume_reset(conn, &hash, now()))
            .await?
            .ok_or_else(|| AppError::invalid("token", "is invalid, used or expired"))?;
        let user = self.user_row(&user_id).await?;
        password::check_policy(&new, &user.email, "new_password")?;
        let pw_hash = self.hash_password(new).await?;
        let email = user.email.clone();
        let id = user_id.clone();
        self.sessions.revoke_user(&user_id).await?;
        self.db
            .write(move |conn| {
                let now = now();
                store::set_password_hash(conn, &id, &pw_hash, now)?;
                store::expire_resets(conn, &id, now)?;
                store::clear_throttle(conn, &email)?;
                store::bump_auth_version(conn, &id, now)
            })
            .await?;
        self.forget_session(&user_id);
        Ok(())
    }

    pub async fn list_users(
        &self,
        page: PageRequest<String>,
        q: Option<String>,
        role: Option<Role>,
    ) -> Result<Page<UserView>, AppError> {
        let q = q.map(|q| q.trim().to_string()).filter(|q| !q.is_empty());
        if q.as_ref().is_some_and(|q| q.chars().count() > 100) {
            return Err(AppError::invalid("q", "must be at most 100 characters"));
        }
        let page = self
            .db
            .read(move |conn| {
                store::list_users(conn, &page, q.as_deref(), role.map(|r| r.as_str()))
            })
            .await?;
        Ok(page.map(|u| u.view()))
    }

    /// Changes a user's role or status; the change reaches their tokens at once. The last
    /// active admin cannot demote or disable themselves out of existence.
    pub async fn update_access(
        &self,
        user_id: &str,
        role: Option<Role>,
        status: Option<String>,
    ) -> Result<UserView, AppError> {
        if let Some(s) = status.as_deref()
            && s != "active"
            && s != "disabled"
        {
            return Err(AppError::invalid("status", "must be active or disabled"));
        }
        let disabling = status.as_deref() == Some("disabled");
        let id = user_id.to_string();
        let updated = self
            .db
            .write(move |conn| {
                let user = store::user_by_id(conn, &id)?
                    .ok_or_else(|| AppError::NotFound("no such user".into()))?;
                let losing_admin = user.role() == Role::Admin
                    && user.active()
                    && (role.is_some_and(|r| r != Role::Admin)
                        || status.as_deref() == Some("disabled"));
                if losing_admin && store::count_admins(conn)? <= 1 {
                    return Err(AppError::Conflict(
                        "this is the last active admin; make another admin first".into(),
                    ));
                }
                // Only a real change ends the account's sessions: a PATCH that restates the
                // current role and status leaves its tokens working.
                let role = role.filter(|r| *r != user.role());
                let status = status.filter(|s| *s != user.status);
                if role.is_some() || status.is_some() {
                    let now = now();
                    store::update_access(
                        conn,
                        &id,
                        role.map(Role::as_str),
                        status.as_deref(),
                        now,
                    )?;
                }
                store::user_by_id(conn, &id)?
                    .map(|u| u.view())
                    .ok_or_else(|| AppError::internal("updated user vanished"))
            })
            .await?;
        self.forget_session(user_id);
        // A disabled user's refresh is refused anyway (status is checked); this also clears
        // the sessions themselves.
        if disabling {
            self.sessions.revoke_user(user_id).await?;
        }
        Ok(updated)
    }

    pub async fn user(&self, user_id: &str) -> Result<UserView, AppError> {
        self.profile(user_id).await
    }

    /// Creates an API key with a subset of the creator's permissions. The key is returned
    /// once; only its hash is kept.
    pub async fn create_api_key(
        &self,
        principal: &Principal,
        name: &str,
        permissions: &[String],
    ) -> Result<(ApiKeyView, String), AppError> {
        let name = crate::contracts::fields::text(name, "name", 100)
            .map_err(|e| AppError::Validation(vec![e]))?;
        let name = name.as_str();
        let mut wanted = Vec::new();
        for (i, p) in permissions.iter().enumerate() {
            let perm = Permission::parse(p).ok_or_else(|| {
                AppError::invalid(format!("permissions[{i}]"), "unknown permission")
            })?;
            wanted.push(perm);
        }
        let set = PermissionSet::from_slice(&wanted);
        if !principal.permissions().covers(set) {
            return Err(AppError::Forbidden(
                "an API key cannot have permissions its creator lacks".into(),
            ));
        }
        let secret = format!("{API_KEY_PREFIX}{}", random_token()?);
        let hash = sha256_hex(&secret);
        let id = new_id();
        let perms: Vec<String> = set.iter().map(|p| p.as_str().to_string()).collect();
        let joined = perms.join(",");
        let (row_id, name_owned, owner) = (
            id.clone(),
            name.to_string(),
            principal.user_id().to_string(),
        );
        let created = now();
        self.db
            .write(move |conn| {
                store::insert_api_key(
                    conn,
                    NewApiKey {
                        id: &row_id,
                        name: &name_owned,
                        hash: &hash,
                        permissions: &joined,
                        owner_id: &owner,
                        now: created,
                    },
                )
            })
            .await?;
        Ok((
            ApiKeyView {
                id,
                name: name.to_string(),
                permissions: perms,
                created_at: created.and_utc(),
                last_used_at: None,
                revoked: false,
            },
            secret,
        ))
    }

    pub async fn list_api_keys(&self) -> Result<Vec<ApiKeyView>, AppError> {
        let rows = self.db.read(store::list_api_keys).await?;
        Ok(rows
            .into_iter()
            .map(|r| ApiKeyView {
                id: r.id,
                name: r.name,
                permissions: r
                    .permissions
                    .split(',')
                    .filter(|p| !p.is_empty())
                    .map(str::to_string)
                    .collect(),
                created_at: r.created_at.and_utc(),
                last_used_at: r.last_used_at.map(|t| t.and_utc()),
                revoked: r.revoked_at.is_some(),
            })
            .collect())
    }

    pub async fn revoke_api_key(&self, id: &str) -> Result<(), AppError> {
        let id = id.to_string();
        let revoked = self
            .db
            .write(move |conn| store::revoke_api_key(conn, &id, now()))
            .await?;
        if revoked {
            Ok(())
        } else {
            Err(AppError::NotFound("no such active API key".into()))
        }
    }

    /// A key's id, owner and effective permissions: those it was given that its owner
    /// still has. `None` for unknown, revoked or orphaned keys.
    pub async fn verify_api_key(&self, key: &str) -> Result<Option<ApiKeyIdentity>, AppError> {
        if !key.starts_with(API_KEY_PREFIX) {
            return Ok(None);
        }
        let hash = sha256_hex(key);
        let found = self
            .db
            .read(move |conn| {
                let Some(row) = store::api_key_by_hash(conn, &hash)? else {
                    return Ok(None);
                };
                let owner = store::user_by_id(conn, &row.owner_id)?;
                Ok(Some((row, owner)))
            })
            .await?;
        let Some((row, Some(owner))) = found else {
            return Ok(None);
        };
        if row.revoked_at.is_some() || !owner.active() {
            return Ok(None);
        }
        let granted: Vec<Permission> = row
            .permissions
            .split(',')
            .filter_map(Permission::parse)
            .collect();
        let effective = PermissionSet::from_slice(&granted).intersect(owner.role().permissions());
        Ok(Some(ApiKeyIdentity {
            key_id: row.id,
            owner_id: row.owner_id,
            role: owner.role(),
            permissions: effective,
        }))
    }
}

fn invalid_credentials() -> AppError {
    AppError::Unauthenticated("invalid e-mail or password".into())
}

/// Addresses: a customer sees and edits only their own; `users.manage` sees all.
impl Users {
    pub async fn addresses(&self, principal: &Principal) -> Result<Vec<AddressView>, AppError> {
        let owner = principal.user_id().to_string();
        let rows = self
            .db
            .read(move |conn| store::addresses_of(conn, &owner))
            .await?;
        Ok(rows.iter().map(AddressRow::view).collect())
    }

    pub async fn address(&self, principal: &Principal, id: &str) -> Result<AddressView, AppError> {
        let scope = principal.scope(Permission::UsersManage);
        let id = id.to_string();
        self.db
            .read(move |conn| store::address(conn, &id, &scope))
            .await?
            .map(|a| a.view())
            .ok_or_else(|| AppError::NotFound("no such address".into()))
    }

    pub async fn add_address(
        &self,
        principal: &Principal,
        input: AddressInput,
    ) -> Result<AddressView, AppError> {
        let mut address = input.check()?;
        let owner = principal.user_id().to_string();
        let id = new_id();
        let scope = principal.scope(Permission::UsersManage);
        self.db
            .write(move |conn| {
                let count = store::count_addresses(conn, &owner)?;
                if count >= 50 {
                    return Err(AppError::Conflict(
                        "an account may keep at most 50 addresses".into(),
                    ));
                }
                // The first address is the default one.
                address.is_default |= count == 0;
                if address.is_default {
                    store::clear_default_address(conn, &owner)?;
                }
                store::insert_address(conn, &id, &owner, &address, now())?;
                store::address(conn, &id, &scope)?
                    .map(|a| a.view())
                    .ok_or_else(|| AppError::internal("inserted address vanished"))
            })
            .await
    }

    pub async fn update_address(
        &self,
        principal: &Principal,
        id: &str,
        input: AddressInput,
    ) -> Result<AddressView, AppError> {
        let address = input.check()?;
        let scope = principal.scope(Permission::UsersManage);
        let id = id.to_string();
        self.db
            .write(move |conn| {
                let existing = store::address(conn, &id, &scope)?
                    .ok_or_else(|| AppError::NotFound("no such address".into()))?;
                if address.is_default {
                    store::clear_default_address(conn, &existing.user_id)?;
                }
                store::update_address(conn, &id, &address, now())?;
                store::address(conn, &id, &scope)?
                    .map(|a| a.view())
                    .ok_or_else(|| AppError::internal("updated address vanished"))
            })
            .await
    }

    pub async fn delete_address(&self, principal: &Principal, id: &str) -> Result<(), AppError> {
        let scope = principal.scope(Permission::UsersManage);
        let id = id.to_string();
        self.db
            .write(move |conn| {
                store::address(conn, &id, &scope)?
                    .ok_or_else(|| AppError::NotFound("no such address".into()))?;
                store::delete_address(conn, &id)
            })
            .await
    }
}

fn fields_of(e: AppError) -> Vec<FieldError> {
    match e {
        AppError::Validation(p) => p,
        other => vec![FieldError::new("request", other.to_string())],
    }
}

/// A customer as the counter sees them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CounterCustomer {
    pub id: String,
    pub name: String,
    pub phone: Option<String>,
    /// None when the account has only the placeholder address.
    pub email: Option<String>,
}

impl From<UserRow> for CounterCustomer {
    fn from(u: UserRow) -> Self {
        CounterCustomer {
            id: u.id,
            name: u.name,
            phone: u.phone,
            email: Some(u.email).filter(|e| !e.ends_with(".invalid")),
        }
    }
}
