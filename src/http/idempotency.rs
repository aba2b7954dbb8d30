//! `Idempotency-Key` for writes that move money or stock (IETF httpapi idempotency draft):
//! keys are scoped per caller; a repeat with the same body replays the stored response,
//! another body is a 422, a repeat while the first is still running a 409. Keys expire
//! after `idempotency.ttl_hours` (24 by default).
//!
//! A write's answer is recorded by the same database transaction that makes its effect
//! ([`Answer::record_in`]), so a crash at any point leaves either the effect and its answer
//! (a retry replays it) or neither (a retry runs the write for the first time).

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::http::header::HeaderValue;
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use super::{AppError, FieldError};
use crate::db::{Db, DbConnection, now};
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
    if text.is_empty() || text.len() > KEY_MAX_LEN || !text.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(invalid());
    }
    Ok(IdempotencyKey(Some(text.to_string())))
}

/// The longest `Idempotency-Key` taken (visible ASCII only).
pub const KEY_MAX_LEN: usize = 255;

/// Runs idempotent writes; one per application, shared by every route that needs it.
#[derive(Clone)]
pub struct Idempotency {
    db: Db,
    ttl: chrono::TimeDelta,
    lock_timeout: chrono::TimeDelta,
}

enum Claim {
    /// This request holds the key until `lease`; the lease's expiry is also the claim's
    /// identity, so an attempt whose lease another attempt took over cannot complete it.
    Run {
        lease: chrono::NaiveDateTime,
    },
    Replay {
        status: u16,
        body: String,
    },
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

/// The key a request holds while its handler runs, for the transaction that makes the
/// request's effect to record the answer in.
struct Pending {
    scope: String,
    key: String,
    lease: chrono::NaiveDateTime,
    status: StatusCode,
    recorded: std::sync::Mutex<Option<String>>,
}

tokio::task_local! {
    static PENDING: Arc<Pending>;
}

/// The answer slot of the request being handled, if it carries an `Idempotency-Key`.
/// Taken in the async part of a service (`Answer::current()`) and moved into the
/// blocking transaction that makes the effect, which calls [`Answer::record_in`].
#[derive(Clone, Default)]
pub struct Answer(Option<Arc<Pending>>);

impl Answer {
    pub fn current() -> Answer {
        Answer(PENDING.try_with(Arc::clone).ok())
    }

    /// Records `value` as this request's answer inside the caller's transaction: the key
    /// becomes completed if and only if the transaction commits. Fails with a 409 (and so
    /// rolls the effect back) when this attempt no longer holds the key: another attempt
    /// took it over after the lease ran out, and may have made the effect already.
    pub fn record_in<T: serde::Serialize>(
        &self,
        conn: &mut DbConnection,
        value: &T,
    ) -> Result<(), AppError> {
        let Some(p) = &self.0 else {
            return Ok(());
        };
        let body = serde_json::to_string(value)?;
        let updated = diesel::update(
            keys::table.filter(
                keys::scope
                    .eq(&p.scope)
                    .and(keys::idem_key.eq(&p.key))
                    .and(keys::state.eq("in_progress"))
                    .and(keys::locked_until.eq(p.lease)),
            ),
        )
        .set((
            keys::state.eq("completed"),
            keys::response_status.eq(i32::from(p.status.as_u16())),
            keys::response_body.eq(&body),
        ))
        .execute(conn)?;
        if updated != 1 {
            return Err(AppError::Conflict(
                "a request with this Idempotency-Key is still being processed".into(),
            ));
        }
        if let Ok(mut slot) = p.recorded.lock() {
            *slot = Some(body);
        }
        Ok(())
    }
}

fn stored_response(status: u16, body: String, replayed: bool) -> HttpResponse {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = HttpResponse::build(status);
    response.content_type(if status.is_success() {
        "application/json"
    } else {
        "application/problem+json"
    });
    if replayed {
        response.insert_header((REPLAYED_HEADER, "true"));
    }
    response.body(body)
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
    /// the request's fingerprint is `route` and the body as the handler parsed it. `f`'s
    /// value is the answer, sent with `status`; the service records it in its effect's
    /// transaction ([`Answer::record_in`]).
    pub async fn once<B, T, F, Fut>(
        &self,
        who: &crate::contracts::auth::Principal,
        key: IdempotencyKey,
        route: &str,
        body: &B,
        status: StatusCode,
        f: F,
    ) -> Result<HttpResponse, AppError>
    where
        B: serde::Serialize,
        T: serde::Serialize,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, AppError>>,
    {
        let mut fingerprint = route.as_bytes().to_vec();
        fingerprint.push(b'\n');
        fingerprint.extend(serde_json::to_vec(body)?);
        self.run(who.user_id(), key, true, &fingerprint, status, || async {
            let value = f().await?;
            Ok(HttpResponse::build(status).json(value))
        })
        .await
    }

    /// Runs `f` at most once per (`scope`, key) and request: `scope` is the caller (a user
    /// id), `fingerprint` the request as the handler parsed it (method, route and body).
    /// An answer recorded by the effect's transaction (sent with `status`) is the answer,
    /// whatever happens after; otherwise a response below 500 is stored (it made no
    /// effect: a refusal), and an error releases the key so a retry can run.
    pub async fn run<F, Fut>(
        &self,
        scope: &str,
        key: IdempotencyKey,
        required: bool,
        fingerprint: &[u8],
        status: StatusCode,
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

        let lease = match self.claim(&scope, &key, &hash).await? {
            Claim::Replay { status, body } => return Ok(stored_response(status, body, true)),
            Claim::Run { lease } => lease,
        };
        let pending = Arc::new(Pending {
            scope: scope.clone(),
            key: key.clone(),
            lease,
            status,
            recorded: std::sync::Mutex::new(None),
        });
        let outcome = PENDING.scope(pending.clone(), f()).await;
        let recorded = pending.recorded.lock().ok().and_then(|mut r| r.take());
        if let Some(body) = recorded {
            return Ok(match outcome {
                // The handler's own response is the recorded one (with its headers).
                Ok(response) if response.status() == status => response,
                Ok(_) => stored_response(status.as_u16(), body, false),
                Err(e) => {
                    tracing::warn!(error = %e, "a step after the committed effect failed; answering with the recorded response");
                    stored_response(status.as_u16(), body, false)
                }
            });
        }
        match outcome {
            Ok(response) if response.status().as_u16() < 500 => {
                let status = response.status();
                let headers = response.headers().clone();
                let body = actix_web::body::to_bytes(response.into_body())
                    .await
                    .map_err(|_| AppError::internal("cannot buffer response body"))?;
                let text = String::from_utf8_lossy(&body).into_owned();
                self.complete(&scope, &key, lease, status.as_u16(), text)
                    .await?;
                let mut replayable = HttpResponse::build(status);
                for (name, value) in headers.iter() {
                    replayable.insert_header((name.clone(), value.clone()));
                }
                Ok(replayable.body(body))
            }
            other => {
                self.release(&scope, &key, lease).await?;
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
                let lease = now + lock_timeout;
                let inserted = diesel::insert_into(keys::table)
                    .values((
                        keys::scope.eq(&s),
                        keys::idem_key.eq(&k),
                        keys::request_hash.eq(&h),
                        keys::state.eq("in_progress"),
                        keys::locked_until.eq(lease),
                        keys::created_at.eq(now),
                        keys::expires_at.eq(now + ttl),
                    ))
                    .execute(conn);
                match inserted.map_err(AppError::from) {
                    Ok(_) => Ok(Some(lease)),
                    // The key exists: decide below, in a transaction.
                    Err(AppError::Conflict(_)) => Ok(None),
                    Err(e) => Err(e),
                }
            })
            .await?;
        if let Some(lease) = fresh {
            return Ok(Claim::Run { lease });
        }
        self.claim_existing(scope, key, hash).await
    }

    async fn claim_existing(&self, scope: &str, key: &str, hash: &str) -> Result<Claim, AppError> {
        let (scope, key, hash) = (scope.to_string(), key.to_string(), hash.to_string());
        let (ttl, lock_timeout) = (self.ttl, self.lock_timeout);
        self.db
            .write(move |conn| {
                let now = now();
                let lease = now + lock_timeout;
                let this_key = || {
                    keys::scope
                        .eq(scope.clone())
                        .and(keys::idem_key.eq(key.clone()))
                };
                let existing: Option<KeyRow> = keys::table
                    .filter(this_key())
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
                let still_running = || {
                    AppError::Conflict(
                        "a request with this Idempotency-Key is still being processed".into(),
                    )
                };
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
                            return Err(still_running());
                        }
                        // The first attempt's process died mid-request (its effect, had it
                        // committed, would have completed the key): this one takes over,
                        // unless a parallel retry took over first.
                        let taken = diesel::update(
                            keys::table.filter(
                                this_key()
                                    .and(keys::state.eq("in_progress"))
                                    .and(keys::locked_until.eq(row.locked_until)),
                            ),
                        )
                        .set(keys::locked_until.eq(lease))
                        .execute(conn)?;
                        if taken != 1 {
                            return Err(still_running());
                        }
                        Ok(Claim::Run { lease })
                    }
                    expired => {
                        if expired.is_some() {
                            diesel::delete(keys::table.filter(this_key())).execute(conn)?;
                        }
                        diesel::insert_into(keys::table)
                            .values((
                                keys::scope.eq(&scope),
                                keys::idem_key.eq(&key),
                                keys::request_hash.eq(&hash),
                                keys::state.eq("in_progress"),
                                keys::locked_until.eq(lease),
                                keys::created_at.eq(now),
                                keys::expires_at.eq(now + ttl),
                            ))
                            .execute(conn)
                            .map_err(|e| match AppError::from(e) {
                                // Another instance inserted the same key a moment ago.
                                AppError::Conflict(_) => still_running(),
                                other => other,
                            })?;
                        Ok(Claim::Run { lease })
                    }
                }
            })
            .await
    }

    /// Stores a response that made no effect (a refusal), while this attempt holds the key.
    async fn complete(
        &self,
        scope: &str,
        key: &str,
        lease: chrono::NaiveDateTime,
        status: u16,
        body: String,
    ) -> Result<(), AppError> {
        let (scope, key) = (scope.to_string(), key.to_string());
        // One UPDATE: no transaction needed around it.
        self.db
            .write_single(move |conn| {
                diesel::update(
                    keys::table.filter(
                        keys::scope
                            .eq(&scope)
                            .and(keys::idem_key.eq(&key))
                            .and(keys::state.eq("in_progress"))
                            .and(keys::locked_until.eq(lease)),
                    ),
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

    async fn release(
        &self,
        scope: &str,
        key: &str,
        lease: chrono::NaiveDateTime,
    ) -> Result<(), AppError> {
        let (scope, key) = (scope.to_string(), key.to_string());
        self.db
            .write_single(move |conn| {
                diesel::delete(
                    keys::table.filter(
                        keys::scope
                            .eq(&scope)
                            .and(keys::idem_key.eq(&key))
                            .and(keys::state.eq("in_progress"))
                            .and(keys::locked_until.eq(lease)),
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
