//! `Idempotency-Key` for writes that move money or stock (IETF httpapi idempotency draft):
//! keys are scoped per caller; a repeat with the same body replays the stored response,
//! another body is a 422, a repeat while the first is still running a 409. Keys expire
//! after `idempotency.ttl_hours` (24 by default).

use std::future::Future;
use std::time::Duration;

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::http::header::HeaderValue;
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use super::{AppError, FieldError};
use crate::db::{Db, now};
use crate::schema::idempotency_keys as keys;

pub const HEADER: &str = "Idempotency-Key";
/// Set on a response that was replayed from an earlier request.
pub const REPLAYED_HEADER: &str = "Idempotent-Replayed";

/// The `Idempotency-Key` header, if the request carried a well-formed one.
#[derive(Debug, Clone)]
pub struct IdempotencyKey(pub Option<String>);

impl FromRequest for IdempotencyKey {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(parse_key(req.headers().get(HEADER)))
    }
}

fn parse_key(value: Option<&HeaderValue>) -> Result<IdempotencyKey, AppError> {
    let Some(value) = value else {
        return Ok(IdempotencyKey(None));
    };
    let invalid = || {
        AppError::Validation(vec![FieldError::new(
            HEADER,
            "must be 1 to 255 visible ASCII characters",
        )])
    };
    let text = value.to_str().map_err(|_| invalid())?;
    // Structured-field strings arrive quoted; accept the bare form too.
    let text = text
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(text);
    if text.is_empty() || text.len() > 255 || !text.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(invalid());
    }
    Ok(IdempotencyKey(Some(text.to_string())))
}

/// Runs idempotent writes; one per application, shared by every route that needs it.
#[derive(Clone)]
pub struct Idempotency {
    db: Db,
    ttl: chrono::TimeDelta,
    lock_timeout: chrono::TimeDelta,
}

enum Claim {
    Run,
    Replay { status: u16, body: String },
}

#[derive(Queryable)]
struct KeyRow {
    request_hash: String,
    state: String,
    response_status: Option<i32>,
    response_body: Option<String>,
    locked_until: chrono::NaiveDateTime,
    expires_at: chrono::NaiveDateTime,
}

impl Idempotency {
    pub fn new(db: Db, ttl: Duration, lock_timeout: Duration) -> Self {
        let delta = |d: Duration| chrono::TimeDelta::from_std(d).unwrap_or(chrono::TimeDelta::MAX);
        Self {
            db,
            ttl: delta(ttl),
            lock_timeout: delta(lock_timeout),
        }
    }

    /// Runs a money- or stock-moving write of `who` once per `Idempotency-Key` (required):
    /// the request's fingerprint is `route` and the body as the handler parsed it.
    pub async fn once<B, F, Fut>(
        &self,
        who: &crate::contracts::auth::Principal,
        key: IdempotencyKey,
        route: &str,
        body: &B,
        f: F,
    ) -> Result<HttpResponse, AppError>
    where
        B: serde::Serialize,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<HttpResponse, AppError>>,
    {
        let mut fingerprint = route.as_bytes().to_vec();
        fingerprint.push(b'\n');
        fingerprint.extend(serde_json::to_vec(body)?);
        self.run(who.user_id(), key, true, &fingerprint, f).await
    }

    /// Runs `f` at most once per (`scope`, key) and request: `scope` is the caller (a user
    /// id), `fingerprint` the request as the handler parsed it (method, route and body).
    /// Only a response below 500 is stored; an error releases the key so a retry can run.
    pub async fn run<F, Fut>(
        &self,
        scope: &str,
        key: IdempotencyKey,
        required: bool,
        fingerprint: &[u8],
        f: F,
    ) -> Result<HttpResponse, AppError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<HttpResponse, AppError>>,
    {
        let Some(key) = key.0 else {
            if required {
                return Err(AppError::Validation(vec![FieldError::new(
                    HEADER,
                    "this request requires an Idempotency-Key header",
                )]));
            }
            return f().await;
        };
        let hash = hex::encode(Sha256::digest(fingerprint));
        let scope = scope.to_string();

        match self.claim(&scope, &key, &hash).await? {
            Claim::Replay { status, body } => {
                let status =
                    StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                return Ok(HttpResponse::build(status)
                    .content_type(if status.is_success() {
                        "application/json"
                    } else {
                        "application/problem+json"
                    })
                    .insert_header((REPLAYED_HEADER, "true"))
                    .body(body));
            }
            Claim::Run => {}
        }

        let outcome = f().await;
        match outcome {
            Ok(response) if response.status().as_u16() < 500 => {
                let status = response.status();
                let headers = response.headers().clone();
                let body = actix_web::body::to_bytes(response.into_body())
                    .await
                    .map_err(|_| AppError::internal("cannot buffer response body"))?;
                let text = String::from_utf8_lossy(&body).into_owned();
                self.complete(&scope, &key, status.as_u16(), text).await?;
                let mut replayable = HttpResponse::build(status);
                for (name, value) in headers.iter() {
                    replayable.insert_header((name.clone(), value.clone()));
                }
                Ok(replayable.body(body))
            }
            other => {
                self.release(&scope, &key).await?;
                other
            }
        }
    }

    /// Claims the key for this request. A new key (the usual case) is claimed by one
    /// `INSERT`, atomic by itself; only when the key exists does a transaction read it.
    async fn claim(&self, scope: &str, key: &str, hash: &str) -> Result<Claim, AppError> {
        let (s, k, h) = (scope.to_string(), key.to_string(), hash.to_string());
        let (ttl, lock_timeout) = (self.ttl, self.lock_timeout);
        let fresh = self
            .db
            .write_single(move |conn| {
                let now = now();
                let inserted = diesel::insert_into(keys::table)
                    .values((
                        keys::scope.eq(&s),
                        keys::idem_key.eq(&k),
                        keys::request_hash.eq(&h),
                        keys::state.eq("in_progress"),
                        keys::locked_until.eq(now + lock_timeout),
                        keys::created_at.eq(now),
                        keys::expires_at.eq(now + ttl),
                    ))
                    .execute(conn);
                match inserted.map_err(AppError::from) {
                    Ok(_) => Ok(true),
                    // The key exists: decide below, in a transaction.
                    Err(AppError::Conflict(_)) => Ok(false),
                    Err(e) => Err(e),
                }
            })
            .await?;
        if fresh {
            return Ok(Claim::Run);
        }
        self.claim_existing(scope, key, hash).await
    }

    async fn claim_existing(&self, scope: &str, key: &str, hash: &str) -> Result<Claim, AppError> {
        let (scope, key, hash) = (scope.to_string(), key.to_string(), hash.to_string());
        let (ttl, lock_timeout) = (self.ttl, self.lock_timeout);
        self.db
            .write(move |conn| {
                let now = now();
                let existing: Option<KeyRow> = keys::table
                    .filter(keys::scope.eq(&scope).and(keys::idem_key.eq(&key)))
                    .select((
                        keys::request_hash,
                        keys::state,
                        keys::response_status,
                        keys::response_body,
                        keys::locked_until,
                        keys::expires_at,
                    ))
                    .first(conn)
                    .optional()?;
                match existing {
                    Some(row) if row.expires_at > now => {
                        if row.request_hash != hash {
                            return Err(AppError::Unprocessable(
                                "this Idempotency-Key was already used with a different request"
                                    .into(),
                            ));
                        }
                        if row.state == "completed" {
                            return Ok(Claim::Replay {
                                status: row.response_status.unwrap_or(200) as u16,
                                body: row.response_body.unwrap_or_default(),
                            });
                        }
                        if row.locked_until > now {
                            return Err(AppError::Conflict(
                                "a request with this Idempotency-Key is still being processed"
                                    .into(),
                            ));
                        }
                        // The first attempt's process died mid-request; this one takes over.
                        diesel::update(
                            keys::table.filter(keys::scope.eq(&scope).and(keys::idem_key.eq(&key))),
                        )
                        .set(keys::locked_until.eq(now + lock_timeout))
                        .execute(conn)?;
                        Ok(Claim::Run)
                    }
                    expired => {
                        if expired.is_some() {
                            diesel::delete(
                                keys::table
                                    .filter(keys::scope.eq(&scope).and(keys::idem_key.eq(&key))),
                            )
                            .execute(conn)?;
                        }
                        diesel::insert_into(keys::table)
                            .values((
                                keys::scope.eq(&scope),
                                keys::idem_key.eq(&key),
                                keys::request_hash.eq(&hash),
                                keys::state.eq("in_progress"),
                                keys::locked_until.eq(now + lock_timeout),
                                keys::created_at.eq(now),
                                keys::expires_at.eq(now + ttl),
                            ))
                            .execute(conn)
                            .map_err(|e| match AppError::from(e) {
                                // Another instance inserted the same key a moment ago.
                                AppError::Conflict(_) => AppError::Conflict(
                                    "a request with this Idempotency-Key is still being processed"
                                        .into(),
                                ),
                                other => other,
                            })?;
                        Ok(Claim::Run)
                    }
                }
            })
            .await
    }

    async fn complete(
        &self,
        scope: &str,
        key: &str,
        status: u16,
        body: String,
    ) -> Result<(), AppError> {
        let (scope, key) = (scope.to_string(), key.to_string());
        // One UPDATE: no transaction needed around it.
        self.db
            .write_single(move |conn| {
                diesel::update(
                    keys::table.filter(keys::scope.eq(&scope).and(keys::idem_key.eq(&key))),
                )
                .set((
                    keys::state.eq("completed"),
                    keys::response_status.eq(i32::from(status)),
                    keys::response_body.eq(body),
                ))
                .execute(conn)?;
                Ok(())
            })
            .await
    }

    async fn release(&self, scope: &str, key: &str) -> Result<(), AppError> {
        let (scope, key) = (scope.to_string(), key.to_string());
        self.db
            .write_single(move |conn| {
                diesel::delete(
                    keys::table.filter(
                        keys::scope
                            .eq(&scope)
                            .and(keys::idem_key.eq(&key))
                            .and(keys::state.eq("in_progress")),
                    ),
                )
                .execute(conn)?;
                Ok(())
            })
            .await
    }

    /// Deletes expired keys; the purge task calls this periodically.
    pub async fn purge_expired(&self) -> Result<usize, AppError> {
        self.db
            .write(|conn| {
                Ok(diesel::delete(keys::table.filter(keys::expires_at.le(now()))).execute(conn)?)
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_checked() {
        assert!(parse_key(None).unwrap().0.is_none());
        let ok = HeaderValue::from_static("\"8e03978e-40d5-43e8-bc93-6894a57f9324\"");
        assert_eq!(
            parse_key(Some(&ok)).unwrap().0.as_deref(),
            Some("8e03978e-40d5-43e8-bc93-6894a57f9324")
        );
        let spaced = HeaderValue::from_static("a b");
        assert!(parse_key(Some(&spaced)).is_err());
        let long = HeaderValue::from_str(&"k".repeat(256)).unwrap();
        assert!(parse_key(Some(&long)).is_err());
    }
}
