//! The process-wide count of SQL statements sent to the database, for `/metrics`.
//!
//! Every pooled connection carries a [`StatementCounter`]. diesel reports each statement it
//! sends as `StartQuery`, including the `BEGIN`/`COMMIT`/`ROLLBACK`/`SAVEPOINT` that its
//! transaction manager issues through `batch_execute`, so a transaction of n queries
//! counts n + 2. One `batch_execute` call counts once even when its text holds several
//! statements (the connection set-up pragmas).

use std::sync::atomic::{AtomicU64, Ordering};

use diesel::connection::{Instrumentation, InstrumentationEvent};

static STATEMENTS: AtomicU64 = AtomicU64::new(0);

/// Statements started since the process began, on every connection of every pool.
pub fn statements_executed() -> u64 {
    STATEMENTS.load(Ordering::Relaxed)
}

/// Counts statements as they start, so a failing statement still counts (it still cost a
/// round trip). Relaxed: the total is a monotonic counter read by scrapes, not a fence.
pub(crate) struct StatementCounter;

impl Instrumentation for StatementCounter {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        if let InstrumentationEvent::StartQuery { query, .. } = event {
            STATEMENTS.fetch_add(1, Ordering::Relaxed);
            // `log.level = "kirana::sql=trace"` lists every statement, for profiling. The
            // text only: bound values (a password hash, a customer's phone) are cut off.
            if tracing::enabled!(target: "kirana::sql", tracing::Level::TRACE) {
                let text = query.to_string();
                let text = text.split(" -- binds:").next().unwrap_or_default();
                tracing::trace!(target: "kirana::sql", "{text}");
            }
        }
    }
}

#[cfg(all(test, feature = "sqlite"))]
mod tests {
    use super::*;
    use diesel::connection::SimpleConnection;
    use diesel::prelude::*;

    #[test]
    fn transactions_count_their_begin_and_commit() {
        let mut conn = diesel::SqliteConnection::establish(":memory:").unwrap();
        conn.set_instrumentation(StatementCounter);
        conn.batch_execute("CREATE TABLE t (x INTEGER)").unwrap();
        // Tests run in parallel and share the counter, so it only gives a lower bound here;
        // the exact sequence is read from the same events with a closure below.
        let before = statements_executed();
        conn.transaction(|conn| {
            diesel::sql_query("INSERT INTO t (x) VALUES (1)").execute(conn)?;
            diesel::sql_query("INSERT INTO t (x) VALUES (2)").execute(conn)?;
            Ok::<_, diesel::result::Error>(())
        })
        .unwrap();
        assert!(
            statements_executed() - before >= 4,
            "BEGIN, 2 inserts, COMMIT"
        );

        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
        let log = seen.clone();
        conn.set_instrumentation(move |event: InstrumentationEvent<'_>| {
            if let InstrumentationEvent::StartQuery { query, .. } = event {
                log.lock().unwrap().push(query.to_string());
            }
        });
        conn.transaction(|conn| {
            diesel::sql_query("INSERT INTO t (x) VALUES (3)").execute(conn)?;
            Ok::<_, diesel::result::Error>(())
        })
        .unwrap();
        let seen = seen.lock().unwrap().clone();
        assert_eq!(seen.len(), 3, "{seen:?}");
        assert!(seen[0].starts_with("BEGIN"), "{seen:?}");
        assert!(seen[2].starts_with("COMMIT"), "{seen:?}");
    }
}
