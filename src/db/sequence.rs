//! Gap-free sequences (order and invoice numbers): a row incremented inside the same
//! transaction that uses the number, so a rollback gives the number back.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use super::DbConnection;
use crate::http::AppError;
use crate::schema::sequences;

/// Creates sequence `name` (starting at 1) if it does not exist, in a transaction of its
/// own: on MySQL two first uses inside busy transactions would otherwise deadlock on the
/// missing row's gap lock. `Db::ensure_sequence` calls this once per process and name.
pub(super) fn create_if_missing(conn: &mut DbConnection, name: &str) -> Result<(), AppError> {
    if name.is_empty()
        || name.len() > 64
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return Err(AppError::internal(format!("bad sequence name {name:?}")));
    }
    // The name is checked above, so it can be inlined; each backend spells "insert unless
    // present" its own way.
    let sql = match conn.backend() {
        super::Backend::Sqlite => {
            format!("INSERT OR IGNORE INTO sequences (name, next_value) VALUES ('{name}', 1)")
        }
        super::Backend::Mysql => {
            format!("INSERT IGNORE INTO sequences (name, next_value) VALUES ('{name}', 1)")
        }
    };
    conn.batch_execute(&sql)?;
    Ok(())
}

#[derive(QueryableByName)]
struct NextValue {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    value: i64,
}

/// Takes the next number of `name`. Call it inside the write transaction that stores the
/// number, after `Db::ensure_sequence(name)`; the row lock it takes serialises callers. A
/// sequence nobody created is an error, not a silent restart at 1.
pub fn next_in_sequence(conn: &mut DbConnection, name: &str) -> Result<i64, AppError> {
    take_next(conn, name)?.ok_or_else(|| {
        AppError::internal(format!(
            "sequence {name} does not exist; call Db::ensure_sequence first"
        ))
    })
}

/// Like `next_in_sequence`, for a sequence whose name the merchant chooses (an invoice
/// series saved a moment ago, perhaps on another instance): used for the first time, it is
/// created here and starts at 1.
pub fn next_in_named_sequence(conn: &mut DbConnection, name: &str) -> Result<i64, AppError> {
    if let Some(n) = take_next(conn, name)? {
        return Ok(n);
    }
    create_if_missing(conn, name)?;
    take_next(conn, name)?
        .ok_or_else(|| AppError::internal(format!("sequence {name} could not be created")))
}

fn take_next(conn: &mut DbConnection, name: &str) -> Result<Option<i64>, AppError> {
    // SQLite answers the update with the new value (one statement instead of two).
    if conn.backend() == super::Backend::Sqlite {
        let row: Option<NextValue> = diesel::sql_query(
            "UPDATE sequences SET next_value = next_value + 1 WHERE name = ? \
             RETURNING next_value - 1 AS value",
        )
        .bind::<diesel::sql_types::Text, _>(name)
        .get_result(conn)
        .optional()?;
        return Ok(row.map(|r| r.value));
    }
    let updated = diesel::update(sequences::table.filter(sequences::name.eq(name)))
        .set(sequences::next_value.eq(sequences::next_value + 1))
        .execute(conn)?;
    if updated == 0 {
        return Ok(None);
    }
    let next: i64 = sequences::table
        .filter(sequences::name.eq(name))
        .select(sequences::next_value)
        .first(conn)?;
    Ok(Some(next - 1))
}
