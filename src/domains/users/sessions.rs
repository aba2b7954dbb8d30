//! Where refresh tokens live: the relational database (default) or Redis
//! (`auth.refresh_store = "redis"`). Either way only a token's SHA-256 is stored, with its
//! family (one per login), user, expiry and device, and rotation is atomic: of two
//! requests presenting the same token, one rotates it and the other sees it rotated.

use chrono::{NaiveDateTime, TimeDelta};

use super::store::{self, NewRefresh};
use crate::contracts::auth::ClientInfo;
use crate::db::{Db, now};
use crate::http::AppError;

/// A new refresh token's record.
pub struct NewSession {
    pub hash: String,
    pub family_id: String,
    pub user_id: String,
    pub expires_at: NaiveDateTime,
    pub client: ClientInfo,
}

/// The token that replaces a rotated one; family and user come from the old token.
pub struct NextToken {
    pub hash: String,
    pub expires_at: NaiveDateTime,
    pub client: ClientInfo,
}

/// What presenting a refresh token led to.
#[derive(Debug, PartialEq, Eq)]
pub enum Rotation {
    /// The token was live and is now replaced by the new one.
    Rotated { user_id: String },
    /// It was rotated moments ago by a parallel request: no new refresh token.
    Grace { user_id: String },
    /// It was rotated long ago: stolen or replayed. Its family is now revoked.
    Reused { user_id: String, family_id: String },
    /// Unknown, expired or revoked.
    Rejected,
}

#[async_trait::async_trait]
pub trait SessionStore: Send + Sync {
    async fn create(&self, session: NewSession) -> Result<(), AppError>;

    /// Rotates `old_hash` into `next`, in the old token's family.
    async fn rotate(
        &self,
        old_hash: &str,
        next: NextToken,
        grace: TimeDelta,
    ) -> Result<Rotation, AppError>;

    /// Ends the session the token belongs to.
    async fn revoke_family_of(&self, hash: &str) -> Result<(), AppError>;

    /// Ends every session of a user.
    async fn revoke_user(&self, user_id: &str) -> Result<(), AppError>;
}

pub struct DbSessions {
    pub db: Db,
}

#[async_trait::async_trait]
impl SessionStore for DbSessions {
    async fn create(&self, s: NewSession) -> Result<(), AppError> {
        self.db
            .write(move |conn| {
                store::insert_refresh(
                    conn,
                    NewRefresh {
                        hash: &s.hash,
                        family_id: &s.family_id,
                        user_id: &s.user_id,
                        expires_at: s.expires_at,
                        ip: &s.client.ip,
                        user_agent: s.client.user_agent.as_deref(),
                        now: now(),
                    },
                )
            })
            .await
    }

    async fn rotate(
        &self,
        old_hash: &str,
        next: NextToken,
        grace: TimeDelta,
    ) -> Result<Rotation, AppError> {
        let old_hash = old_hash.to_string();
        self.db
            .write(move |conn| {
                let now = now();
                let Some(row) = store::refresh_by_hash(conn, &old_hash)? else {
                    return Ok(Rotation::Rejected);
                };
                if row.revoked_at.is_some() || row.expires_at <= now {
                    return Ok(Rotation::Rejected);
                }
                match row.rotated_at {
                    None if store::mark_rotated(conn, &old_hash, now)? => {
                        store::insert_refresh(
                            conn,
                            NewRefresh {
                                hash: &next.hash,
                                family_id: &row.family_id,
                                user_id: &row.user_id,
                                expires_at: next.expires_at,
                                ip: &next.client.ip,
                                user_agent: next.client.user_agent.as_deref(),
                                now,
                            },
                        )?;
                        Ok(Rotation::Rotated {
                            user_id: row.user_id,
                        })
                    }
                    // Read as not rotated, but the conditional update found it rotated:
                    // a parallel request rotated it after this transaction's read (MySQL
                    // reads a snapshot; SQLite's single writer never gets here). That is
                    // the parallel use the grace period is for, not reuse.
                    None => Ok(Rotation::Grace {
                        user_id: row.user_id,
                    }),
                    Some(rotated) if now - rotated <= grace => Ok(Rotation::Grace {
                        user_id: row.user_id,
                    }),
                    _ => {
                        store::revoke_family(conn, &row.family_id, now)?;
                        Ok(Rotation::Reused {
                            user_id: row.user_id,
                            family_id: row.family_id,
                        })
                    }
                }
            })
            .await
    }

    async fn revoke_family_of(&self, hash: &str) -> Result<(), AppError> {
        let hash = hash.to_string();
        self.db
            .write(move |conn| {
                if let Some(row) = store::refresh_by_hash(conn, &hash)? {
                    store::revoke_family(conn, &row.family_id, now())?;
                }
                Ok(())
            })
            .await
    }

    async fn revoke_user(&self, user_id: &str) -> Result<(), AppError> {
        let id = user_id.to_string();
        self.db
            .write(move |conn| {
                store::revoke_user_families(conn, &id, now())?;
                Ok(())
            })
            .await
    }
}

#[cfg(feature = "redis")]
pub use redis_store::RedisSessions;

#[cfg(feature = "redis")]
mod redis_store {
    use std::time::Duration;

    use chrono::TimeDelta;
    use redis::aio::ConnectionManager;

    use super::{NewSession, NextToken, Rotation, SessionStore};
    use crate::http::AppError;

    /// Keys: `{p}:rt:{hash}` (hash: family, user, exp, rotated, ip, ua), `{p}:fam:{family}`
    /// (set of token hashes), `{p}:famrev:{family}` (revoked marker), `{p}:user:{user}`
    /// (set of families). Every key expires with the sessions it describes.
    pub struct RedisSessions {
        conn: ConnectionManager,
        prefix: String,
        ttl_secs: i64,
    }

    const CREATE: &str = r#"
local p, hash, family, user, exp, ip, ua = ARGV[1], ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5]), ARGV[6], ARGV[7]
redis.call('HSET', p..':rt:'..hash, 'family', family, 'user', user, 'exp', exp, 'ip', ip, 'ua', ua)
redis.call('EXPIREAT', p..':rt:'..hash, exp)
redis.call('SADD', p..':fam:'..family, hash)
redis.call('EXPIREAT', p..':fam:'..family, exp)
redis.call('SADD', p..':user:'..user, family)
redis.call('EXPIREAT', p..':user:'..user, exp)
return 1
"#;

    const ROTATE: &str = r#"
local p, old, now, grace, new, exp, ip, ua, ttl = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5], tonumber(ARGV[6]), ARGV[7], ARGV[8], tonumber(ARGV[9])
local key = p..':rt:'..old
local family = redis.call('HGET', key, 'family')
if not family then return {'rejected'} end
local user = redis.call('HGET', key, 'user')
if redis.call('EXISTS', p..':famrev:'..family) == 1 then return {'rejected'} end
if tonumber(redis.call('HGET', key, 'exp')) <= now then return {'rejected'} end
local rotated = redis.call('HGET', key, 'rotated')
if not rotated then
  redis.call('HSET', key, 'rotated', now)
  local nk = p..':rt:'..new
  redis.call('HSET', nk, 'family', family, 'user', user, 'exp', exp, 'ip', ip, 'ua', ua)
  redis.call('EXPIREAT', nk, exp)
  redis.call('SADD', p..':fam:'..family, new)
  redis.call('EXPIREAT', p..':fam:'..family, exp)
  redis.call('SADD', p..':user:'..user, family)
  redis.call('EXPIREAT', p..':user:'..user, exp)
  return {'rotated', user, family}
end
if now - tonumber(rotated) <= grace then return {'grace', user, family} end
redis.call('SET', p..':famrev:'..family, '1', 'EX', ttl)
return {'reused', user, family}
"#;

    const REVOKE_FAMILY_OF: &str = r#"
local p, hash, ttl = ARGV[1], ARGV[2], tonumber(ARGV[3])
local family = redis.call('HGET', p..':rt:'..hash, 'family')
if family then redis.call('SET', p..':famrev:'..family, '1', 'EX', ttl) end
return 1
"#;

    const REVOKE_USER: &str = r#"
local p, user, ttl = ARGV[1], ARGV[2], tonumber(ARGV[3])
for _, family in ipairs(redis.call('SMEMBERS', p..':user:'..user)) do
  redis.call('SET', p..':famrev:'..family, '1', 'EX', ttl)
end
return 1
"#;

    fn unavailable(e: redis::RedisError) -> AppError {
        tracing::error!(error = %e, "Redis session store failed");
        AppError::Unavailable("the session store is unavailable; try again shortly".into())
    }

    impl RedisSessions {
        pub async fn connect(url: &str, prefix: &str, ttl: TimeDelta) -> anyhow::Result<Self> {
            let client = redis::Client::open(url)
                .map_err(|e| anyhow::anyhow!("auth.refresh_redis_url: {e}"))?;
            let config = redis::aio::ConnectionManagerConfig::new()
                .set_connection_timeout(Some(Duration::from_secs(2)))
                .set_response_timeout(Some(Duration::from_secs(2)))
                .set_number_of_retries(2);
            let conn = client
                .get_connection_manager_with_config(config)
                .await
                .map_err(|e| anyhow::anyhow!("cannot reach Redis for sessions: {e}"))?;
            Ok(Self {
                conn,
                prefix: prefix.to_string(),
                ttl_secs: ttl.num_seconds().max(60),
            })
        }
    }

    #[async_trait::async_trait]
    impl SessionStore for RedisSessions {
        async fn create(&self, s: NewSession) -> Result<(), AppError> {
            let mut conn = self.conn.clone();
            redis::Script::new(CREATE)
                .arg(&self.prefix)
                .arg(&s.hash)
                .arg(&s.family_id)
                .arg(&s.user_id)
                .arg(s.expires_at.and_utc().timestamp())
                .arg(&s.client.ip)
                .arg(s.client.user_agent.as_deref().unwrap_or(""))
                .invoke_async::<i64>(&mut conn)
                .await
                .map_err(unavailable)?;
            Ok(())
        }

        async fn rotate(
            &self,
            old_hash: &str,
            next: NextToken,
            grace: TimeDelta,
        ) -> Result<Rotation, AppError> {
            let mut conn = self.conn.clone();
            let reply: Vec<String> = redis::Script::new(ROTATE)
                .arg(&self.prefix)
                .arg(old_hash)
                .arg(chrono::Utc::now().timestamp())
                .arg(grace.num_seconds())
                .arg(&next.hash)
                .arg(next.expires_at.and_utc().timestamp())
                .arg(&next.client.ip)
                .arg(next.client.user_agent.as_deref().unwrap_or(""))
                .arg(self.ttl_secs)
                .invoke_async(&mut conn)
                .await
                .map_err(unavailable)?;
            let field = |i: usize| reply.get(i).cloned().unwrap_or_default();
            Ok(match reply.first().map(String::as_str) {
                Some("rotated") => Rotation::Rotated { user_id: field(1) },
                Some("grace") => Rotation::Grace { user_id: field(1) },
                Some("reused") => Rotation::Reused {
                    user_id: field(1),
                    family_id: field(2),
                },
                _ => Rotation::Rejected,
            })
        }

        async fn revoke_family_of(&self, hash: &str) -> Result<(), AppError> {
            let mut conn = self.conn.clone();
            redis::Script::new(REVOKE_FAMILY_OF)
                .arg(&self.prefix)
                .arg(hash)
                .arg(self.ttl_secs)
                .invoke_async::<i64>(&mut conn)
                .await
                .map_err(unavailable)?;
            Ok(())
        }

        async fn revoke_user(&self, user_id: &str) -> Result<(), AppError> {
            let mut conn = self.conn.clone();
            redis::Script::new(REVOKE_USER)
                .arg(&self.prefix)
                .arg(user_id)
                .arg(self.ttl_secs)
                .invoke_async::<i64>(&mut conn)
                .await
                .map_err(unavailable)?;
            Ok(())
        }
    }
}

/// `expires_at` for a token created now.
pub fn expiry(ttl: TimeDelta) -> NaiveDateTime {
    now() + ttl
}
