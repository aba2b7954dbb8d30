//! Gap-free sequences (order and invoice numbers): a row incremented inside the same
//! transaction that uses the number, so a rollback gives the number back.

use diesel::prelude::*;

use super::DbConnection;
use crate::http::AppError;
use crate::schema::sequences;

/// Takes the next number of `name` (starting at 1). Call it inside the write transaction
/// that stores the number; the row lock it takes serialises concurrent callers.
pub fn next_in_sequence(conn: &mut DbConnection, name: &str) -> Result<i64, AppError> {
    let updated = diesel::update(sequences::table.filter(sequences::name.eq(name)))
        .set(sequences::next_value.eq(sequences::next_value + 1))
        .execute(conn)?;
    if updated == 0 {
        // First use. A concurrent first use on MySQL fails this insert on the primary key and
        // its transaction retries as a whole; SQLite has one writer, so it cannot race.
        diesel::insert_into(sequences::table)
            .values((sequences::name.eq(name), sequences::next_value.eq(2_i64)))
            .execute(conn)?;
        return Ok(1);
    }
    let next: i64 = sequences::table
        .filter(sequences::name.eq(name))
        .select(sequences::next_value)
        .first(conn)?;
    Ok(next - 1)
}
