//! Queries on the users domain's tables: users, refresh_tokens, password_resets,
//! login_throttle and api_keys.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::{Address, AddressRow, UserRow};
use crate::contracts::auth::Scope;
use crate::db::DbConnection;
use crate::http::AppError;
use crate::http::pagination::{Page, PageRequest};
use crate::schema::{
    addresses, api_keys, login_throttle, oidc_identities, oidc_links, oidc_logins, password_resets,
    refresh_tokens, users,
};

pub fn user_by_id(conn: &mut DbConnection, id: &str) -> Result<Option<UserRow>, AppError> {
    Ok(users::table
        .filter(users::id.eq(id))
        .select(UserRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn user_by_email(conn: &mut DbConnection, email: &str) -> Result<Option<UserRow>, AppError> {
    Ok(users::table
        .filter(users::email.eq(email))
        .select(UserRow::as_select())
        .first(conn)
        .optional()?)
}

/// Active customer accounts with any of these phone numbers (at most 10).
pub fn customers_by_phone(
    conn: &mut DbConnection,
    phones: &[String],
) -> Result<Vec<UserRow>, AppError> {
    Ok(users::table
        .filter(users::phone.eq_any(phones))
        .filter(users::role.eq("customer"))
        .filter(users::status.eq("active"))
        .order(users::created_at.asc())
        .limit(10)
        .select(UserRow::as_select())
        .load(conn)?)
}

/// (role, auth_version, status) of one user: the gateway's per-request check.
pub fn session_row(
    conn: &mut DbConnection,
    id: &str,
) -> Result<Option<(String, i64, String)>, AppError> {
    Ok(users::table
        .filter(users::id.eq(id))
        .select((users::role, users::auth_version, users::status))
        .first(conn)
        .optional()?)
}

pub struct NewUser<'a> {
    pub id: &'a str,
    pub email: &'a str,
    pub name: &'a str,
    pub phone: Option<&'a str>,
    pub password_hash: Option<&'a str>,
    pub role: &'a str,
    pub now: NaiveDateTime,
}

pub fn insert_user(conn: &mut DbConnection, u: NewUser<'_>) -> Result<(), AppError> {
    diesel::insert_into(users::table)
        .values((
            users::id.eq(u.id),
            users::email.eq(u.email),
            users::name.eq(u.name),
            users::phone.eq(u.phone),
            users::password_hash.eq(u.password_hash),
            users::role.eq(u.role),
            users::status.eq("active"),
            users::auth_version.eq(1_i64),
            users::created_at.eq(u.now),
            users::updated_at.eq(u.now),
        ))
        .execute(conn)
        .map_err(|e| match AppError::from(e) {
            AppError::Conflict(_) => {
                AppError::Conflict("an account with this e-mail address already exists".into())
            }
            other => other,
        })?;
    Ok(())
}

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

/// Accounts by id (oldest first), optionally those whose name or e-mail contains `q`
/// (any case) and of one role.
pub fn list_users(
    conn: &mut DbConnection,
    page: &PageRequest<String>,
    q: Option<&str>,
    role: Option<&str>,
) -> Result<Page<UserRow>, AppError> {
    let mut query = users::table.select(UserRow::as_select()).into_boxed();
    if let Some(q) = q {
        // LIKE's own wildcards in what was typed match themselves.
        let escaped = q
            .to_lowercase()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        let pattern = format!("%{escaped}%");
        query = query.filter(
            lower(users::email)
                .like(pattern.clone())
                .escape('\\')
                .or(lower(users::name).like(pattern).escape('\\')),
        );
    }
    if let Some(role) = role {
        query = query.filter(users::role.eq(role.to_string()));
    }
    if let Some(after) = &page.after {
        query = query.filter(users::id.gt(after.clone()));
    }
    let rows = query
        .order(users::id.asc())
        .limit(page.limit as i64 + 1)
        .load(conn)?;
    Ok(Page::from_rows(rows, page.limit, |u| u.id.clone()))
}

pub fn update_profile(
    conn: &mut DbConnection,
    id: &str,
    name: Option<&str>,
    phone: Option<&str>,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    let target = users::table.filter(users::id.eq(id));
    if let Some(name) = name {
        diesel::update(target)
            .set((users::name.eq(name), users::updated_at.eq(now)))
            .execute(conn)?;
    }
    if let Some(phone) = phone {
        diesel::update(target)
            .set((users::phone.eq(phone), users::updated_at.eq(now)))
            .execute(conn)?;
    }
    Ok(())
}

/// Changes role and/or status and bumps the auth version, so tokens issued before stop
/// working on their next request.
pub fn update_access(
    conn: &mut DbConnection,
    id: &str,
    role: Option<&str>,
    status: Option<&str>,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    let target = users::table.filter(users::id.eq(id));
    if let Some(role) = role {
        diesel::update(target)
            .set(users::role.eq(role))
            .execute(conn)?;
    }
    if let Some(status) = status {
        diesel::update(target)
            .set(users::status.eq(status))
            .execute(conn)?;
    }
    bump_auth_version(conn, id, now)
}

pub fn bump_auth_version(
    conn: &mut DbConnection,
    id: &str,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    diesel::update(users::table.filter(users::id.eq(id)))
        .set((
            users::auth_version.eq(users::auth_version + 1),
            users::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn set_password_hash(
    conn: &mut DbConnection,
    id: &str,
    hash: &str,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    diesel::update(users::table.filter(users::id.eq(id)))
        .set((users::password_hash.eq(hash), users::updated_at.eq(now)))
        .execute(conn)?;
    Ok(())
}

pub fn count_admins(conn: &mut DbConnection) -> Result<i64, AppError> {
    Ok(users::table
        .filter(users::role.eq("admin"))
        .filter(users::status.eq("active"))
        .count()
        .get_result(conn)?)
}

// ---- refresh tokens ----

#[derive(Debug, Queryable)]
pub struct RefreshRow {
    pub family_id: String,
    pub user_id: String,
    pub expires_at: NaiveDateTime,
    pub rotated_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

pub struct NewRefresh<'a> {
    pub hash: &'a str,
    pub family_id: &'a str,
    pub user_id: &'a str,
    pub expires_at: NaiveDateTime,
    pub ip: &'a str,
    pub user_agent: Option<&'a str>,
    pub now: NaiveDateTime,
}

pub fn insert_refresh(conn: &mut DbConnection, t: NewRefresh<'_>) -> Result<(), AppError> {
    diesel::insert_into(refresh_tokens::table)
        .values((
            refresh_tokens::token_hash.eq(t.hash),
            refresh_tokens::family_id.eq(t.family_id),
            refresh_tokens::user_id.eq(t.user_id),
            refresh_tokens::expires_at.eq(t.expires_at),
            refresh_tokens::created_at.eq(t.now),
            refresh_tokens::ip.eq(t.ip),
            refresh_tokens::user_agent.eq(t.user_agent),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn refresh_by_hash(
    conn: &mut DbConnection,
    hash: &str,
) -> Result<Option<RefreshRow>, AppError> {
    Ok(refresh_tokens::table
        .filter(refresh_tokens::token_hash.eq(hash))
        .select((
            refresh_tokens::family_id,
            refresh_tokens::user_id,
            refresh_tokens::expires_at,
            refresh_tokens::rotated_at,
            refresh_tokens::revoked_at,
        ))
        .first(conn)
        .optional()?)
}

/// Marks a token rotated, only if nobody rotated it first. Returns whether this call won.
pub fn mark_rotated(
    conn: &mut DbConnection,
    hash: &str,
    now: NaiveDateTime,
) -> Result<bool, AppError> {
    let changed = diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::token_hash.eq(hash))
            .filter(refresh_tokens::rotated_at.is_null()),
    )
    .set(refresh_tokens::rotated_at.eq(now))
    .execute(conn)?;
    Ok(changed == 1)
}

pub fn revoke_family(
    conn: &mut DbConnection,
    family_id: &str,
    now: NaiveDateTime,
) -> Result<usize, AppError> {
    Ok(diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::family_id.eq(family_id))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(now))
    .execute(conn)?)
}

/// Revokes every session of a user.
pub fn revoke_user_families(
    conn: &mut DbConnection,
    user_id: &str,
    now: NaiveDateTime,
) -> Result<usize, AppError> {
    Ok(diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::user_id.eq(user_id))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(now))
    .execute(conn)?)
}

// ---- password resets ----

pub fn insert_reset(
    conn: &mut DbConnection,
    hash: &str,
    user_id: &str,
    expires_at: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    diesel::insert_into(password_resets::table)
        .values((
            password_resets::token_hash.eq(hash),
            password_resets::user_id.eq(user_id),
            password_resets::expires_at.eq(expires_at),
            password_resets::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Uses a reset token once: returns its user if it was unused and unexpired.
pub fn consume_reset(
    conn: &mut DbConnection,
    hash: &str,
    now: NaiveDateTime,
) -> Result<Option<String>, AppError> {
    let user: Option<String> = password_resets::table
        .filter(password_resets::token_hash.eq(hash))
        .filter(password_resets::used_at.is_null())
        .filter(password_resets::expires_at.gt(now))
        .select(password_resets::user_id)
        .first(conn)
        .optional()?;
    if user.is_some() {
        let changed = diesel::update(
            password_resets::table
                .filter(password_resets::token_hash.eq(hash))
                .filter(password_resets::used_at.is_null()),
        )
        .set(password_resets::used_at.eq(now))
        .execute(conn)?;
        if changed != 1 {
            return Ok(None);
        }
    }
    Ok(user)
}

/// Every outstanding reset of a user stops working (after one is used).
pub fn expire_resets(
    conn: &mut DbConnection,
    user_id: &str,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    diesel::update(
        password_resets::table
            .filter(password_resets::user_id.eq(user_id))
            .filter(password_resets::used_at.is_null()),
    )
    .set(password_resets::used_at.eq(now))
    .execute(conn)?;
    Ok(())
}

// ---- login throttle ----

#[derive(Debug, Queryable)]
pub struct ThrottleRow {
    pub failures: i32,
    pub window_started_at: NaiveDateTime,
    pub locked_until: Option<NaiveDateTime>,
    pub lock_count: i32,
}

pub fn throttle(conn: &mut DbConnection, email: &str) -> Result<Option<ThrottleRow>, AppError> {
    Ok(login_throttle::table
        .filter(login_throttle::email.eq(email))
        .select((
            login_throttle::failures,
            login_throttle::window_started_at,
            login_throttle::locked_until,
            login_throttle::lock_count,
        ))
        .first(conn)
        .optional()?)
}

pub fn save_throttle(
    conn: &mut DbConnection,
    email: &str,
    row: &ThrottleRow,
    exists: bool,
) -> Result<(), AppError> {
    if exists {
        diesel::update(login_throttle::table.filter(login_throttle::email.eq(email)))
            .set((
                login_throttle::failures.eq(row.failures),
                login_throttle::window_started_at.eq(row.window_started_at),
                login_throttle::locked_until.eq(row.locked_until),
                login_throttle::lock_count.eq(row.lock_count),
            ))
            .execute(conn)?;
    } else {
        diesel::insert_into(login_throttle::table)
            .values((
                login_throttle::email.eq(email),
                login_throttle::failures.eq(row.failures),
                login_throttle::window_started_at.eq(row.window_started_at),
                login_throttle::locked_until.eq(row.locked_until),
                login_throttle::lock_count.eq(row.lock_count),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn clear_throttle(conn: &mut DbConnection, email: &str) -> Result<(), AppError> {
    diesel::delete(login_throttle::table.filter(login_throttle::email.eq(email))).execute(conn)?;
    Ok(())
}

// ---- API keys ----

#[derive(Debug, Queryable)]
pub struct ApiKeyRow {
    pub id: String,
    pub name: String,
    pub permissions: String,
    pub owner_id: String,
    pub created_at: NaiveDateTime,
    pub last_used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

type ApiKeyColumns = (
    api_keys::id,
    api_keys::name,
    api_keys::permissions,
    api_keys::owner_id,
    api_keys::created_at,
    api_keys::last_used_at,
    api_keys::revoked_at,
);
const API_KEY_COLUMNS: ApiKeyColumns = (
    api_keys::id,
    api_keys::name,
    api_keys::permissions,
    api_keys::owner_id,
    api_keys::created_at,
    api_keys::last_used_at,
    api_keys::revoked_at,
);

pub struct NewApiKey<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub hash: &'a str,
    pub permissions: &'a str,
    pub owner_id: &'a str,
    pub now: NaiveDateTime,
}

pub fn insert_api_key(conn: &mut DbConnection, k: NewApiKey<'_>) -> Result<(), AppError> {
    diesel::insert_into(api_keys::table)
        .values((
            api_keys::id.eq(k.id),
            api_keys::name.eq(k.name),
            api_keys::key_hash.eq(k.hash),
            api_keys::permissions.eq(k.permissions),
            api_keys::owner_id.eq(k.owner_id),
            api_keys::created_at.eq(k.now),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn api_key_by_hash(conn: &mut DbConnection, hash: &str) -> Result<Option<ApiKeyRow>, AppError> {
    Ok(api_keys::table
        .filter(api_keys::key_hash.eq(hash))
        .select(API_KEY_COLUMNS)
        .first(conn)
        .optional()?)
}

pub fn list_api_keys(conn: &mut DbConnection) -> Result<Vec<ApiKeyRow>, AppError> {
    Ok(api_keys::table
        .select(API_KEY_COLUMNS)
        .order(api_keys::id.asc())
        .limit(1000)
        .load(conn)?)
}

pub fn revoke_api_key(
    conn: &mut DbConnection,
    id: &str,
    now: NaiveDateTime,
) -> Result<bool, AppError> {
    let changed = diesel::update(
        api_keys::table
            .filter(api_keys::id.eq(id))
            .filter(api_keys::revoked_at.is_null()),
    )
    .set(api_keys::revoked_at.eq(now))
    .execute(conn)?;
    Ok(changed == 1)
}

// ---- addresses ----

/// The address, if it exists and `scope` may see it.
pub fn address(
    conn: &mut DbConnection,
    id: &str,
    scope: &Scope,
) -> Result<Option<AddressRow>, AppError> {
    let mut query = addresses::table
        .filter(addresses::id.eq(id))
        .select(AddressRow::as_select())
        .into_boxed();
    if let Scope::Owner(owner) = scope {
        query = query.filter(addresses::user_id.eq(owner.clone()));
    }
    Ok(query.first(conn).optional()?)
}

pub fn addresses_of(conn: &mut DbConnection, user_id: &str) -> Result<Vec<AddressRow>, AppError> {
    Ok(addresses::table
        .filter(addresses::user_id.eq(user_id))
        .select(AddressRow::as_select())
        .order(addresses::id.asc())
        .limit(100)
        .load(conn)?)
}

pub fn count_addresses(conn: &mut DbConnection, user_id: &str) -> Result<i64, AppError> {
    Ok(addresses::table
        .filter(addresses::user_id.eq(user_id))
        .count()
        .get_result(conn)?)
}

pub fn clear_default_address(conn: &mut DbConnection, user_id: &str) -> Result<(), AppError> {
    diesel::update(addresses::table.filter(addresses::user_id.eq(user_id)))
        .set(addresses::is_default.eq(false))
        .execute(conn)?;
    Ok(())
}

pub fn insert_address(
    conn: &mut DbConnection,
    id: &str,
    user_id: &str,
    a: &Address,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    diesel::insert_into(addresses::table)
        .values((
            addresses::id.eq(id),
            addresses::user_id.eq(user_id),
            a,
            addresses::created_at.eq(now),
            addresses::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn update_address(
    conn: &mut DbConnection,
    id: &str,
    a: &Address,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    diesel::update(addresses::table.filter(addresses::id.eq(id)))
        .set((a, addresses::updated_at.eq(now)))
        .execute(conn)?;
    Ok(())
}

pub fn delete_address(conn: &mut DbConnection, id: &str) -> Result<(), AppError> {
    diesel::delete(addresses::table.filter(addresses::id.eq(id))).execute(conn)?;
    Ok(())
}

pub struct OidcLogin {
    pub provider: String,
    pub nonce: String,
    pub code_verifier: String,
    pub return_to: String,
    pub expires_at: NaiveDateTime,
}

pub fn insert_oidc_login(
    conn: &mut DbConnection,
    state_hash: &str,
    l: &OidcLogin,
) -> Result<(), AppError> {
    // Abandoned logins are swept as new ones start.
    diesel::delete(oidc_logins::table.filter(oidc_logins::expires_at.lt(crate::db::now())))
        .execute(conn)?;
    diesel::insert_into(oidc_logins::table)
        .values((
            oidc_logins::state_hash.eq(state_hash),
            oidc_logins::provider.eq(&l.provider),
            oidc_logins::nonce.eq(&l.nonce),
            oidc_logins::code_verifier.eq(&l.code_verifier),
            oidc_logins::return_to.eq(&l.return_to),
            oidc_logins::expires_at.eq(l.expires_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Takes a login in progress: a state is good for one callback only.
pub fn take_oidc_login(
    conn: &mut DbConnection,
    state_hash: &str,
) -> Result<Option<OidcLogin>, AppError> {
    let row: Option<(String, String, String, String, NaiveDateTime)> = oidc_logins::table
        .filter(oidc_logins::state_hash.eq(state_hash))
        .select((
            oidc_logins::provider,
            oidc_logins::nonce,
            oidc_logins::code_verifier,
            oidc_logins::return_to,
            oidc_logins::expires_at,
        ))
        .first(conn)
        .optional()?;
    let deleted = diesel::delete(oidc_logins::table.filter(oidc_logins::state_hash.eq(state_hash)))
        .execute(conn)?;
    Ok(row.filter(|_| deleted == 1).map(
        |(provider, nonce, code_verifier, return_to, expires_at)| OidcLogin {
            provider,
            nonce,
            code_verifier,
            return_to,
            expires_at,
        },
    ))
}

/// The user an (issuer, subject) identity belongs to.
pub fn oidc_identity_user(
    conn: &mut DbConnection,
    issuer: &str,
    subject: &str,
) -> Result<Option<String>, AppError> {
    Ok(oidc_identities::table
        .filter(oidc_identities::issuer.eq(issuer))
        .filter(oidc_identities::subject.eq(subject))
        .select(oidc_identities::user_id)
        .first(conn)
        .optional()?)
}

pub fn touch_oidc_identity(
    conn: &mut DbConnection,
    issuer: &str,
    subject: &str,
    email: Option<&str>,
) -> Result<(), AppError> {
    diesel::update(
        oidc_identities::table
            .filter(oidc_identities::issuer.eq(issuer))
            .filter(oidc_identities::subject.eq(subject)),
    )
    .set((
        oidc_identities::last_login_at.eq(crate::db::now()),
        oidc_identities::email.eq(email),
    ))
    .execute(conn)?;
    Ok(())
}

pub fn insert_oidc_identity(
    conn: &mut DbConnection,
    issuer: &str,
    subject: &str,
    user_id: &str,
    email: Option<&str>,
) -> Result<(), AppError> {
    let now = crate::db::now();
    diesel::insert_into(oidc_identities::table)
        .values((
            oidc_identities::id.eq(crate::db::new_id()),
            oidc_identities::issuer.eq(issuer),
            oidc_identities::subject.eq(subject),
            oidc_identities::user_id.eq(user_id),
            oidc_identities::email.eq(email),
            oidc_identities::created_at.eq(now),
            oidc_identities::last_login_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

pub struct OidcLink {
    pub issuer: String,
    pub subject: String,
    pub user_id: String,
    pub email: String,
    pub expires_at: NaiveDateTime,
}

pub fn insert_oidc_link(
    conn: &mut DbConnection,
    token_hash: &str,
    l: &OidcLink,
) -> Result<(), AppError> {
    diesel::delete(oidc_links::table.filter(oidc_links::expires_at.lt(crate::db::now())))
        .execute(conn)?;
    diesel::insert_into(oidc_links::table)
        .values((
            oidc_links::token_hash.eq(token_hash),
            oidc_links::issuer.eq(&l.issuer),
            oidc_links::subject.eq(&l.subject),
            oidc_links::user_id.eq(&l.user_id),
            oidc_links::email.eq(&l.email),
            oidc_links::expires_at.eq(l.expires_at),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn oidc_link(conn: &mut DbConnection, token_hash: &str) -> Result<Option<OidcLink>, AppError> {
    let row: Option<(String, String, String, String, NaiveDateTime)> = oidc_links::table
        .filter(oidc_links::token_hash.eq(token_hash))
        .select((
            oidc_links::issuer,
            oidc_links::subject,
            oidc_links::user_id,
            oidc_links::email,
            oidc_links::expires_at,
        ))
        .first(conn)
        .optional()?;
    Ok(
        row.map(|(issuer, subject, user_id, email, expires_at)| OidcLink {
            issuer,
            subject,
            user_id,
            email,
            expires_at,
        }),
    )
}

pub fn delete_oidc_link(conn: &mut DbConnection, token_hash: &str) -> Result<usize, AppError> {
    Ok(
        diesel::delete(oidc_links::table.filter(oidc_links::token_hash.eq(token_hash)))
            .execute(conn)?,
    )
}
