//! The one connection type over SQLite and MySQL, built from the URL scheme by our code.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use super::statements::StatementCounter;

#[cfg(not(any(feature = "sqlite", feature = "mysql")))]
compile_error!("enable at least one database backend: feature `sqlite` or `mysql`");

// The MultiConnection derive does not carry `#[cfg]` on variants, so each combination of
// backends gets its own enum.
#[cfg(all(feature = "sqlite", feature = "mysql"))]
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Sqlite(diesel::SqliteConnection),
    Mysql(diesel::MysqlConnection),
}

#[cfg(all(feature = "sqlite", not(feature = "mysql")))]
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Sqlite(diesel::SqliteConnection),
}

#[cfg(all(feature = "mysql", not(feature = "sqlite")))]
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Mysql(diesel::MysqlConnection),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Mysql,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Mysql => "mysql",
        }
    }
}

/// A database URL whose backend we recognised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbUrl {
    pub backend: Backend,
    /// A file path for SQLite, the full URL for MySQL.
    pub target: String,
}

impl DbUrl {
    /// `sqlite://PATH`, `sqlite:PATH` or a bare path are SQLite; `mysql://` is MySQL; any
    /// other scheme is an error rather than a surprise SQLite file named after the URL.
    pub fn parse(url: &str) -> Result<DbUrl, String> {
        let url = url.trim();
        if url.is_empty() {
            return Err("is empty".into());
        }
        if let Some(path) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            return sqlite_target(path);
        }
        if url.starts_with("mysql://") || url.starts_with("mariadb://") {
            let normalised = url.replacen("mariadb://", "mysql://", 1);
            url::Url::parse(&normalised).map_err(|e| format!("is not a valid MySQL URL: {e}"))?;
            return Ok(DbUrl {
                backend: Backend::Mysql,
                target: normalised,
            });
        }
        if let Some((scheme, _)) = url.split_once("://") {
            return Err(format!(
                "unsupported scheme '{scheme}' (use sqlite://PATH or mysql://USER:PASSWORD@HOST/DB)"
            ));
        }
        if url.contains(':') && !url.starts_with('/') && !url.starts_with('.') {
            return Err(format!(
                "'{url}' looks like a URL without '//' (use sqlite://PATH or mysql://...)"
            ));
        }
        sqlite_target(url)
    }
}

fn sqlite_target(path: &str) -> Result<DbUrl, String> {
    if path.is_empty() {
        return Err("names no SQLite file".into());
    }
    if path.contains(":memory:") || path.starts_with("file:") {
        return Err(
            "in-memory SQLite cannot be shared between the read and write pools; name a file"
                .into(),
        );
    }
    Ok(DbUrl {
        backend: Backend::Sqlite,
        target: path.to_string(),
    })
}

/// What a pooled connection is for; read connections refuse writes on SQLite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Write,
    Read,
}

pub(crate) fn establish(
    url: &DbUrl,
    role: Role,
    busy_timeout_ms: u32,
) -> Result<DbConnection, String> {
    // MySQL has no read-only pool of its own, so only SQLite looks at the role.
    let _ = role;
    match url.backend {
        #[cfg(feature = "sqlite")]
        Backend::Sqlite => {
            let mut conn = diesel::SqliteConnection::establish(&url.target)
                .map_err(|e| format!("cannot open SQLite database {}: {e}", url.target))?;
            conn.set_instrumentation(StatementCounter);
            // busy_timeout first, so the pragmas after it wait for a lock instead of failing.
            let mut setup = format!(
                "PRAGMA busy_timeout = {busy_timeout_ms}; PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL;"
            );
            if role == Role::Write {
                setup.push_str(" PRAGMA journal_mode = WAL;");
            } else {
                setup.push_str(" PRAGMA query_only = ON;");
            }
            conn.batch_execute(&setup)
                .map_err(|e| format!("cannot configure SQLite connection: {e}"))?;
            Ok(DbConnection::Sqlite(conn))
        }
        #[cfg(feature = "mysql")]
        Backend::Mysql => {
            let mut conn = diesel::MysqlConnection::establish(&url.target).map_err(|e| {
                format!(
                    "cannot connect to MySQL at {}: {e}",
                    crate::config::mask_url(&url.target)
                )
            })?;
            conn.set_instrumentation(StatementCounter);
            conn.batch_execute(&format!(
                "SET time_zone = '+00:00'; SET SESSION innodb_lock_wait_timeout = {};",
                busy_timeout_ms.div_ceil(1000).max(1)
            ))
            .map_err(|e| format!("cannot configure MySQL session: {e}"))?;
            Ok(DbConnection::Mysql(conn))
        }
        #[allow(unreachable_patterns)]
        other => Err(format!(
            "this build has no {} support; rebuild with `--features {}`",
            other.name(),
            other.name()
        )),
    }
}

/// Creates the MySQL database named in the URL if the server does not have it yet, so a
/// first start needs nothing but a server and an account allowed to create databases.
#[cfg(feature = "mysql")]
pub(crate) fn create_mysql_database_if_missing(url: &DbUrl) -> Result<(), String> {
    use diesel::connection::SimpleConnection;
    let parsed = url::Url::parse(&url.target).map_err(|e| e.to_string())?;
    let name = parsed.path().trim_start_matches('/').to_string();
    if name.is_empty() {
        return Err("the MySQL URL names no database (mysql://user@host/DATABASE)".into());
    }
    if !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return Err(format!(
            "database name '{name}' may hold only letters, digits and _"
        ));
    }
    match diesel::MysqlConnection::establish(&url.target) {
        Ok(_) => Ok(()),
        Err(e) if e.to_string().contains("Unknown database") => {
            let mut server = parsed.clone();
            server.set_path("");
            let mut conn = diesel::MysqlConnection::establish(server.as_str()).map_err(|e| {
                format!(
                    "cannot connect to MySQL at {}: {e}",
                    crate::config::mask_url(server.as_str())
                )
            })?;
            conn.batch_execute(&format!(
                "CREATE DATABASE IF NOT EXISTS `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
            ))
            .map_err(|e| format!("cannot create database {name}: {e}"))?;
            tracing::info!(database = %name, "created MySQL database");
            Ok(())
        }
        Err(e) => Err(format!(
            "cannot connect to MySQL at {}: {e}",
            crate::config::mask_url(&url.target)
        )),
    }
}

impl DbConnection {
    pub fn backend(&self) -> Backend {
        match self {
            #[cfg(feature = "sqlite")]
            DbConnection::Sqlite(_) => Backend::Sqlite,
            #[cfg(feature = "mysql")]
            DbConnection::Mysql(_) => Backend::Mysql,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_choose_the_backend() {
        assert_eq!(
            DbUrl::parse("sqlite://data/k.db").unwrap(),
            DbUrl {
                backend: Backend::Sqlite,
                target: "data/k.db".into()
            }
        );
        assert_eq!(
            DbUrl::parse("./k.db").unwrap().backend,
            Backend::Sqlite,
            "a bare path is a SQLite file"
        );
        assert_eq!(
            DbUrl::parse("mysql://root@127.0.0.1/k").unwrap().backend,
            Backend::Mysql
        );
        assert_eq!(
            DbUrl::parse("mariadb://root@127.0.0.1/k").unwrap().target,
            "mysql://root@127.0.0.1/k"
        );
    }

    #[test]
    fn unknown_schemes_are_errors_not_files() {
        assert!(
            DbUrl::parse("postgres://x/y")
                .unwrap_err()
                .contains("postgres")
        );
        assert!(DbUrl::parse("mysql:/x").is_err());
        assert!(DbUrl::parse("sqlite::memory:").is_err());
        assert!(DbUrl::parse("").is_err());
    }
}
