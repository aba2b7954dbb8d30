//! The data layer: backend choice, durability settings, read-only readers, gap-free
//! sequences and conditional writes under concurrency.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Backend, TestApp, for_each_backend};
use diesel::prelude::*;
use diesel::sql_types::Text;
use kirana::config::Settings;
use kirana::db::{Db, next_in_sequence};
use kirana::http::AppError;
use kirana::schema::sequences;

#[derive(QueryableByName)]
struct TextValue {
    #[diesel(sql_type = Text)]
    value: String,
}

#[test]
fn an_unknown_scheme_is_an_error_not_a_new_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = Settings {
        data_dir: dir.path().to_path_buf(),
        ..Settings::default()
    };
    settings.database.url = "postgres://localhost/kirana".into();
    let err = Db::open(&settings).err().expect("refused").to_string();
    assert!(
        err.contains("database.url") && err.contains("postgres"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "no file was created"
    );
}

#[actix_web::test]
async fn sqlite_runs_in_wal_with_full_sync_and_readers_cannot_write() {
    let app = TestApp::spawn(&Backend::Sqlite).await;
    let mode: Vec<TextValue> = app
        .db
        .read(|conn| {
            Ok(
                diesel::sql_query("SELECT journal_mode AS value FROM pragma_journal_mode")
                    .load(conn)?,
            )
        })
        .await
        .unwrap();
    assert_eq!(mode[0].value, "wal");
    let sync: Vec<TextValue> = app
        .db
        .write(|conn| {
            Ok(diesel::sql_query(
                "SELECT CAST(synchronous AS TEXT) AS value FROM pragma_synchronous",
            )
            .load(conn)?)
        })
        .await
        .unwrap();
    assert_eq!(sync[0].value, "2", "synchronous = FULL");

    let stray_write = app
        .db
        .read(|conn| {
            diesel::insert_into(sequences::table)
                .values((sequences::name.eq("x"), sequences::next_value.eq(1_i64)))
                .execute(conn)?;
            Ok(())
        })
        .await;
    assert!(
        matches!(stray_write, Err(AppError::Internal(ref m)) if m.contains("readonly")),
        "{stray_write:?}"
    );
}

#[actix_web::test]
async fn sequences_have_no_gaps_when_transactions_roll_back() {
    for_each_backend(|backend| async move {
        let app = TestApp::spawn(&backend).await;
        let mut tasks = Vec::new();
        for i in 0..24 {
            let db = app.db.clone();
            tasks.push(tokio::spawn(async move {
                // Every task is a "first use": creating the row must not deadlock them.
                db.ensure_sequence("invoice_2026_27").await?;
                db.write(move |conn| {
                    let n = next_in_sequence(conn, "invoice_2026_27")?;
                    if i % 3 == 0 {
                        return Err(AppError::Conflict(format!("abandoned {n}")));
                    }
                    Ok(n)
                })
                .await
            }));
        }
        let mut committed = Vec::new();
        for t in tasks {
            if let Ok(n) = t.await.unwrap() {
                committed.push(n);
            }
        }
        committed.sort_unstable();
        assert_eq!(committed, (1..=16).collect::<Vec<i64>>());
        // A sequence nobody created is an error, not a silent restart at 1.
        let missing = app.db.write(|conn| next_in_sequence(conn, "order")).await;
        assert!(matches!(missing, Err(AppError::Internal(_))));
        // Another sequence counts on its own.
        app.db.ensure_sequence("order").await.unwrap();
        let other = app
            .db
            .write(|conn| next_in_sequence(conn, "order"))
            .await
            .unwrap();
        assert_eq!(other, 1);
    })
    .await;
}

#[actix_web::test]
async fn conditional_updates_never_oversell_under_concurrency() {
    for_each_backend(|backend| async move {
        let app = TestApp::spawn(&backend).await;
        app.db
            .write(|conn| {
                diesel::insert_into(sequences::table)
                    .values((
                        sequences::name.eq("stock"),
                        sequences::next_value.eq(10_i64),
                    ))
                    .execute(conn)?;
                Ok(())
            })
            .await
            .unwrap();
        let mut tasks = Vec::new();
        for _ in 0..50 {
            let db = app.db.clone();
            tasks.push(tokio::spawn(async move {
                db.write(|conn| {
                    Ok(diesel::update(
                        sequences::table
                            .filter(sequences::name.eq("stock"))
                            .filter(sequences::next_value.gt(0)),
                    )
                    .set(sequences::next_value.eq(sequences::next_value - 1))
                    .execute(conn)?)
                })
                .await
            }));
        }
        let mut reserved = 0;
        for t in tasks {
            reserved += t.await.unwrap().unwrap();
        }
        assert_eq!(reserved, 10);
        let left: i64 = app
            .db
            .read(|conn| {
                Ok(sequences::table
                    .filter(sequences::name.eq("stock"))
                    .select(sequences::next_value)
                    .first(conn)?)
            })
            .await
            .unwrap();
        assert_eq!(left, 0);
    })
    .await;
}

#[actix_web::test]
async fn migrations_are_applied_once_and_recorded() {
    for_each_backend(|backend| async move {
        let app = TestApp::spawn(&backend).await;
        let again = {
            let db = app.db.clone();
            tokio::task::spawn_blocking(move || db.migrate())
                .await
                .unwrap()
                .unwrap()
        };
        assert!(again.is_empty(), "nothing left to apply: {again:?}");
        let db = app.db.clone();
        assert_eq!(
            tokio::task::spawn_blocking(move || db.ready())
                .await
                .unwrap(),
            Ok(())
        );
    })
    .await;
}
