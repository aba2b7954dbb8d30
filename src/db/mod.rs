//! The relational store: pools, the multi-backend connection, migrations, transactions and
//! gap-free sequences. Blocking diesel work always runs on the blocking pool.

mod connection;
mod migrate;
mod sequence;
mod statements;

use std::sync::Arc;
use std::time::Duration;

#[cfg(feature = "sqlite")]
use diesel::connection::AnsiTransactionManager;
use diesel::connection::TransactionManager;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

pub use connection::{Backend, DbConnection, DbUrl, Role};
pub use sequence::{next_in_named_sequence, next_in_sequence};
pub use statements::statements_executed;

use crate::config::Settings;
use crate::http::AppError;

/// r2d2's view of how to make and check our connections.
#[derive(Debug)]
pub struct Manager {
    url: DbUrl,
    role: Role,
    busy_timeout_ms: u32,
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ManagerError(String);

impl r2d2::ManageConnection for Manager {
    type Connection = DbConnection;
    type Error = ManagerError;

    fn connect(&self) -> Result<DbConnection, ManagerError> {
        connection::establish(&self.url, self.role, self.busy_timeout_ms).map_err(ManagerError)
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), ManagerError> {
        use diesel::connection::SimpleConnection;
        conn.batch_execute("SELECT 1")
            .map_err(|e| ManagerError(e.to_string()))
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        diesel::r2d2::R2D2Connection::is_broken(conn)
    }
}

pub type Pool = r2d2::Pool<Manager>;
pub type PooledConnection = r2d2::PooledConnection<Manager>;

/// Both pools. On SQLite the write pool holds exactly one connection (one writer at a time,
/// queued in the pool rather than fighting over the file lock) and the read pool several
/// `query_only` connections; on MySQL both are the same pool.
#[derive(Clone)]
pub struct Db {
    inner: Arc<Inner>,
}

struct Inner {
    backend: Backend,
    write: Pool,
    read: Pool,
    migrations: usize,
    /// First come, first served turns at the pools: r2d2 wakes waiting threads in no
    /// particular order, so under load some requests starved for hundreds of ms.
    read_slots: Arc<tokio::sync::Semaphore>,
    write_slots: Arc<tokio::sync::Semaphore>,
    acquire_timeout: Duration,
    /// Sequences known to exist, so `ensure_sequence` touches the database once per name.
    sequences: std::sync::Mutex<std::collections::HashSet<String>>,
}

/// Gauges for `/metrics`.
#[derive(Debug, Clone, Copy)]
pub struct PoolStats {
    pub connections: u32,
    pub idle: u32,
    pub max: u32,
}

#[derive(QueryableByName)]
struct TextValue {
    #[diesel(sql_type = Text)]
    value: String,
}

#[derive(QueryableByName)]
struct CountValue {
    #[diesel(sql_type = BigInt)]
    value: i64,
}

impl Db {
    /// Opens the pools and checks the backend's durability settings. Blocking.
    pub fn open(settings: &Settings) -> anyhow::Result<Db> {
        let url = DbUrl::parse(&settings.database_url())
            .map_err(|m| anyhow::anyhow!("configuration error: database.url: {m}"))?;
        let acquire = Duration::from_millis(settings.database.acquire_timeout_ms);
        let busy = settings.database.busy_timeout_ms;
        let manager = |role| Manager {
            url: url.clone(),
            role,
            busy_timeout_ms: busy,
        };
        let (write, read) = match url.backend {
            Backend::Sqlite => {
                let path = std::path::Path::new(&url.target);
                if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                    std::fs::create_dir_all(parent).map_err(|e| {
                        anyhow::anyhow!("cannot create directory {}: {e}", parent.display())
                    })?;
                }
                // The write pool opens first: it switches the file to WAL before readers come.
                let write = r2d2::Pool::builder()
                    .max_size(1)
                    .connection_timeout(acquire)
                    .test_on_check_out(false)
                    .build(manager(Role::Write))?;
                let read = r2d2::Pool::builder()
                    .max_size(settings.database.pool_size)
                    .min_idle(Some(1))
                    .connection_timeout(acquire)
                    .test_on_check_out(false)
                    .build(manager(Role::Read))?;
                (write, read)
            }
            Backend::Mysql => {
                #[cfg(feature = "mysql")]
                connection::create_mysql_database_if_missing(&url).map_err(anyhow::Error::msg)?;
                // No `SELECT 1` on every borrow (r2d2's default): it cost a round trip per
                // database turn, 7 of a checkout's statements. A connection that broke is
                // noticed when it is returned, and none lives past r2d2's 30 minutes, far
                // inside MySQL's `wait_timeout`.
                let pool = r2d2::Pool::builder()
                    .max_size(settings.database.pool_size)
                    .min_idle(Some(1))
                    .connection_timeout(acquire)
                    .test_on_check_out(false)
                    .build(manager(Role::Write))?;
                (pool.clone(), pool)
            }
        };
        let read_slots = Arc::new(tokio::sync::Semaphore::new(read.max_size() as usize));
        let write_slots = Arc::new(tokio::sync::Semaphore::new(write.max_size() as usize));
        let db = Db {
            inner: Arc::new(Inner {
                backend: url.backend,
                write,
                read,
                read_slots,
                write_slots,
                acquire_timeout: acquire,
                migrations: migrate::embedded_count(url.backend)?,
                sequences: Default::default(),
            }),
        };
        db.check_durability()?;
        Ok(db)
    }

    pub fn backend(&self) -> Backend {
        self.inner.backend
    }

    /// Runs pending migrations and returns the names of those applied. Blocking.
    pub fn migrate(&self) -> anyhow::Result<Vec<String>> {
        let mut conn = self.inner.write.get()?;
        migrate::run_pending(&mut conn)
    }

    /// SQLite must be in WAL mode with full fsync and foreign keys on; a MySQL that does not
    /// flush its log at each commit gets a warning naming the setting. Blocking.
    fn check_durability(&self) -> anyhow::Result<()> {
        let mut conn = self.inner.write.get()?;
        match self.inner.backend {
            Backend::Sqlite => {
                let pragma = |conn: &mut DbConnection, name: &str| -> anyhow::Result<String> {
                    let rows: Vec<TextValue> = diesel::sql_query(format!(
                        "SELECT CAST({name} AS TEXT) AS value FROM pragma_{name}"
                    ))
                    .load(conn)?;
                    Ok(rows.into_iter().next().map(|r| r.value).unwrap_or_default())
                };
                let expectations = [
                    ("journal_mode", "wal"),
                    ("synchronous", "2"),
                    ("foreign_keys", "1"),
                ];
                for (name, want) in expectations {
                    let got = pragma(&mut conn, name)?;
                    if !got.eq_ignore_ascii_case(want) {
                        anyhow::bail!("SQLite PRAGMA {name} is '{got}', expected '{want}'");
                    }
                }
            }
            Backend::Mysql => {
                let rows: Vec<TextValue> = diesel::sql_query(
                    "SELECT CAST(@@innodb_flush_log_at_trx_commit AS CHAR) AS value",
                )
                .load(&mut *conn)?;
                let value = rows.into_iter().next().map(|r| r.value).unwrap_or_default();
                if value != "1" {
                    tracing::warn!(
                        setting = "innodb_flush_log_at_trx_commit",
                        value = %value,
                        "MySQL may lose committed orders on a crash: set innodb_flush_log_at_trx_commit=1"
                    );
                }
            }
        }
        Ok(())
    }

    /// Database reachable and every embedded migration applied. Blocking.
    pub fn ready(&self) -> Result<(), String> {
        let mut conn = self
            .inner
            .read
            .get()
            .map_err(|e| format!("no database connection: {e}"))?;
        let rows: Vec<CountValue> =
            diesel::sql_query("SELECT COUNT(*) AS value FROM __diesel_schema_migrations")
                .load(&mut *conn)
                .map_err(|e| format!("cannot read migrations: {e}"))?;
        let applied = rows.first().map(|r| r.value).unwrap_or(0);
        if (applied as usize) < self.inner.migrations {
            return Err(format!(
                "{applied} of {} migrations applied",
                self.inner.migrations
            ));
        }
        Ok(())
    }

    pub fn pool_stats(&self) -> (PoolStats, PoolStats) {
        let stats = |p: &Pool| {
            let s = p.state();
            PoolStats {
                connections: s.connections,
                idle: s.idle_connections,
                max: p.max_size(),
            }
        };
        (stats(&self.inner.write), stats(&self.inner.read))
    }

    fn checkout(pool: &Pool) -> Result<PooledConnection, AppError> {
        pool.get().map_err(|e| {
            tracing::warn!(error = %e, "no database connection available");
            AppError::Unavailable("the database is busy; try again shortly".into())
        })
    }

    /// Runs `f` in one write transaction (`BEGIN IMMEDIATE` on SQLite), blocking.
    pub fn write_blocking<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, AppError>,
    {
        let mut conn = Self::checkout(&self.inner.write)?;
        write_transaction(&mut conn, f)
    }

    /// Runs `f` in a write transaction that is always rolled back: a dry run that sees
    /// exactly what the real run would, and leaves nothing behind. Blocking.
    pub fn dry_run_blocking<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, AppError>,
    {
        let mut conn = Self::checkout(&self.inner.write)?;
        let mut out = None;
        let rolled_back = write_transaction(&mut conn, |conn| {
            out = Some(f(conn));
            Err::<(), AppError>(AppError::internal("dry run"))
        });
        match (out, rolled_back) {
            (Some(result), Err(AppError::Internal(m))) if m == "dry run" => result,
            (_, Err(e)) => Err(e),
            (_, Ok(())) => Err(AppError::internal("a dry run committed")),
        }
    }

    pub async fn dry_run<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let slot = self.turn(&self.inner.write_slots).await?;
        let db = self.clone();
        tokio::task::spawn_blocking(move || {
            let _slot = slot;
            db.dry_run_blocking(f)
        })
        .await
        .map_err(|e| AppError::internal(format!("database task failed: {e}")))?
    }

    /// Runs `f` on a read connection, blocking.
    pub fn read_blocking<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, AppError>,
    {
        let mut conn = Self::checkout(&self.inner.read)?;
        f(&mut conn)
    }

    /// Makes sure sequence `name` exists before a transaction takes numbers from it.
    pub async fn ensure_sequence(&self, name: &str) -> Result<(), AppError> {
        let known = self
            .inner
            .sequences
            .lock()
            .map(|set| set.contains(name))
            .unwrap_or(false);
        if known {
            return Ok(());
        }
        let owned = name.to_string();
        self.write(move |conn| sequence::create_if_missing(conn, &owned))
            .await?;
        if let Ok(mut set) = self.inner.sequences.lock() {
            set.insert(name.to_string());
        }
        Ok(())
    }

    /// Runs `f` on the write connection without a transaction of its own: for one
    /// statement that is atomic by itself, where `BEGIN` and `COMMIT` would only add two
    /// round trips (an idempotency key's first claim, its completion).
    pub async fn write_single<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let slot = self.turn(&self.inner.write_slots).await?;
        let db = self.clone();
        tokio::task::spawn_blocking(move || {
            let _slot = slot;
            let mut conn = Self::checkout(&db.inner.write)?;
            f(&mut conn)
        })
        .await
        .map_err(|e| AppError::internal(format!("database task failed: {e}")))?
    }

    /// Runs `f` in one write transaction on the blocking pool.
    pub async fn write<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let slot = self.turn(&self.inner.write_slots).await?;
        let db = self.clone();
        tokio::task::spawn_blocking(move || {
            let _slot = slot;
            db.write_blocking(f)
        })
        .await
        .map_err(|e| AppError::internal(format!("database task failed: {e}")))?
    }

    /// Waits, in arrival order, for a connection of the pool that `slots` guards.
    async fn turn(
        &self,
        slots: &Arc<tokio::sync::Semaphore>,
    ) -> Result<tokio::sync::OwnedSemaphorePermit, AppError> {
        match tokio::time::timeout(self.inner.acquire_timeout, slots.clone().acquire_owned()).await
        {
            Ok(Ok(permit)) => Ok(permit),
            Ok(Err(_)) => Err(AppError::internal("database slots closed")),
            Err(_) => {
                tracing::warn!("no database connection available");
                Err(AppError::Unavailable(
                    "the database is busy; try again shortly".into(),
                ))
            }
        }
    }

    /// Runs `f` on a read connection on the blocking pool.
    pub async fn read<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let slot = self.turn(&self.inner.read_slots).await?;
        let db = self.clone();
        tokio::task::spawn_blocking(move || {
            let _slot = slot;
            db.read_blocking(f)
        })
        .await
        .map_err(|e| AppError::internal(format!("database task failed: {e}")))?
    }
}

/// A transaction that takes SQLite's write lock at `BEGIN` (so two writers queue on
/// `busy_timeout` instead of deadlocking on a lock upgrade), and a plain one on MySQL.
pub fn write_transaction<T, F>(conn: &mut DbConnection, f: F) -> Result<T, AppError>
where
    F: FnOnce(&mut DbConnection) -> Result<T, AppError>,
{
    type Manager = <DbConnection as Connection>::TransactionManager;
    match conn {
        #[cfg(feature = "sqlite")]
        DbConnection::Sqlite(inner) => {
            AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN IMMEDIATE")?
        }
        #[cfg(feature = "mysql")]
        DbConnection::Mysql(_) => Manager::begin_transaction(conn)?,
    }
    match f(conn) {
        Ok(value) => match Manager::commit_transaction(conn) {
            Ok(()) => Ok(value),
            Err(e) => {
                if let Err(rollback) = Manager::rollback_transaction(conn) {
                    tracing::error!(error = %rollback, "rollback after a failed commit failed");
                }
                Err(e.into())
            }
        },
        Err(e) => {
            if let Err(rollback) = Manager::rollback_transaction(conn) {
                tracing::error!(error = %rollback, "rollback failed");
            }
            Err(e)
        }
    }
}

/// Storage times are naive UTC at microsecond precision, the same on both backends.
pub fn now() -> chrono::NaiveDateTime {
    let now = chrono::Utc::now().naive_utc();
    chrono::DurationRound::duration_trunc(now, chrono::TimeDelta::microseconds(1)).unwrap_or(now)
}

/// A fresh time-ordered identifier.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}
