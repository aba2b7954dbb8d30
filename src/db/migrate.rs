//! Embedded migrations, one folder per backend, applied at start-up and by `kirana migrate`.

#[cfg(feature = "mysql")]
use diesel::connection::SimpleConnection;
use diesel_migrations::MigrationHarness;

use super::{Backend, DbConnection};

#[cfg(feature = "sqlite")]
const SQLITE: diesel_migrations::EmbeddedMigrations =
    diesel_migrations::embed_migrations!("migrations/sqlite");
#[cfg(feature = "mysql")]
const MYSQL: diesel_migrations::EmbeddedMigrations =
    diesel_migrations::embed_migrations!("migrations/mysql");

pub(super) fn embedded_count(backend: Backend) -> anyhow::Result<usize> {
    use diesel::migration::MigrationSource;
    match backend {
        #[cfg(feature = "sqlite")]
        Backend::Sqlite => Ok(
            MigrationSource::<diesel::sqlite::Sqlite>::migrations(&SQLITE)
                .map_err(|e| anyhow::anyhow!("embedded migrations: {e}"))?
                .len(),
        ),
        #[cfg(feature = "mysql")]
        Backend::Mysql => Ok(MigrationSource::<diesel::mysql::Mysql>::migrations(&MYSQL)
            .map_err(|e| anyhow::anyhow!("embedded migrations: {e}"))?
            .len()),
        #[allow(unreachable_patterns)]
        other => anyhow::bail!("this build has no {} support", other.name()),
    }
}

pub(super) fn run_pending(conn: &mut DbConnection) -> anyhow::Result<Vec<String>> {
    let applied = match conn {
        #[cfg(feature = "sqlite")]
        DbConnection::Sqlite(c) => c
            .run_pending_migrations(SQLITE)
            .map_err(|e| anyhow::anyhow!("migration failed: {e}"))?
            .into_iter()
            .map(|v| v.to_string())
            .collect(),
        #[cfg(feature = "mysql")]
        DbConnection::Mysql(c) => {
            // Several instances may start together; one migrates while the others wait.
            c.batch_execute("DO GET_LOCK('kirana_migrations', 120)")?;
            let result = c
                .run_pending_migrations(MYSQL)
                .map(|vs| vs.into_iter().map(|v| v.to_string()).collect::<Vec<_>>())
                .map_err(|e| anyhow::anyhow!("migration failed: {e}"));
            c.batch_execute("DO RELEASE_LOCK('kirana_migrations')")?;
            result?
        }
    };
    Ok(applied)
}
