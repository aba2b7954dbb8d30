//! The document store: the shared conformance suite on SQLite, on MariaDB when
//! `KIRANA_TEST_MYSQL_URL` is set, and on MongoDB when `KIRANA_TEST_MONGO_URL` is set (with
//! `--features mongo`); plus what only the relational store does (re-indexing, the
//! declarations kept in the database).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use common::{Backend, TestDb, for_each_backend};
use kirana::contracts::documents::{
    DocumentStore, Filter, IndexSpec, NewDocument, Query, Scalar, Sort,
};
use kirana::db::Db;
use kirana::docstore::{self, RelationalStore, conformance};
use serde_json::json;

async fn open_db(test_db: &TestDb) -> Db {
    let settings = test_db.settings();
    tokio::task::spawn_blocking(move || {
        let db = Db::open(&settings)?;
        db.migrate()?;
        Ok::<_, anyhow::Error>(db)
    })
    .await
    .unwrap()
    .unwrap()
}

#[tokio::test]
async fn relational_store_passes_the_conformance_suite() {
    for_each_backend(|backend| async move {
        let test_db = TestDb::new(&backend);
        let db = open_db(&test_db).await;
        let store = docstore::open("relational", "", db).await.unwrap();
        assert_eq!(store.kind(), format!("relational/{}", backend.name()));
        if let Err(failures) = conformance::run(store.as_ref()).await {
            panic!("{failures}");
        }
    })
    .await;
}

#[cfg(feature = "mongo")]
#[tokio::test]
async fn mongodb_store_passes_the_conformance_suite() {
    let url = match std::env::var("KIRANA_TEST_MONGO_URL") {
        Ok(url) if !url.trim().is_empty() => url,
        _ => {
            eprintln!(
                "SKIPPED: the MongoDB conformance run needs KIRANA_TEST_MONGO_URL (e.g. mongodb://127.0.0.1:27017)"
            );
            return;
        }
    };
    let client = mongodb::Client::with_uri_str(&url)
        .await
        .expect("KIRANA_TEST_MONGO_URL is a MongoDB URL");
    let name = format!(
        "kirana_t_{}",
        &uuid::Uuid::now_v7().simple().to_string()[20..]
    );
    let database = client.database(&name);
    let store = docstore::mongo::MongoStore::with_database(database.clone());
    let result = conformance::run(&store).await;
    let _ = database.drop().await;
    if let Err(failures) = result {
        panic!("{failures}");
    }
}

#[tokio::test]
async fn store_kinds_are_chosen_by_name() {
    let test_db = TestDb::new(&Backend::Sqlite);
    let db = open_db(&test_db).await;
    let err = docstore::open("couchdb", "", db.clone())
        .await
        .err()
        .expect("an unknown store is refused");
    assert!(err.to_string().contains("documents.store"), "{err}");
    let err = docstore::open("mongodb", "", db.clone())
        .await
        .err()
        .expect("mongodb without a URL (or without the feature) is refused");
    assert!(err.to_string().contains("documents."), "{err}");
    let store = docstore::open("", "", db).await.unwrap();
    assert_eq!(store.kind(), "relational/sqlite");
}

/// Documents written before a field was declared are found by it once it is, and a
/// declaration made by one process is used by another that never declared it.
#[tokio::test]
async fn declaring_an_index_later_reindexes_and_is_remembered() {
    for_each_backend(|backend| async move {
        let test_db = TestDb::new(&backend);
        let db = open_db(&test_db).await;
        let store = RelationalStore::new(db.clone());
        let c = "reviews";
        for (i, (product, rating)) in [("p1", 5), ("p2", 3), ("p1", 4), ("p3", 1)]
            .into_iter()
            .enumerate()
        {
            store
                .insert(
                    c,
                    NewDocument::new(json!({"product_id": product, "rating": rating}))
                        .id(format!("r{i}")),
                )
                .await
                .unwrap();
        }
        // Not declared yet: filters work through the JSON functions, sorting is refused.
        let by_product = Filter::new().eq("product_id", "p1");
        assert_eq!(store.count(c, &by_product).await.unwrap(), 2);
        assert!(
            store
                .query(c, &Query::default().sort(Sort::field("rating", true)))
                .await
                .is_err()
        );

        store
            .ensure_index(c, &IndexSpec::new().string("product_id").number("rating"))
            .await
            .unwrap();
        let (k1, n1): (Option<String>, Option<f64>) = {
            use diesel::prelude::*;
            use kirana::schema::documents::dsl::*;
            db.read(|conn| {
                Ok(documents
                    .filter(collection.eq("reviews"))
                    .filter(id.eq("r0"))
                    .select((k1, n1))
                    .first(conn)?)
            })
            .await
            .unwrap()
        };
        assert_eq!((k1.as_deref(), n1), (Some("p1"), Some(5.0)));
        assert_eq!(store.count(c, &by_product).await.unwrap(), 2);

        // A fresh store (another process) reads the declaration from the database.
        let other = RelationalStore::new(db.clone());
        let page = other
            .query(
                c,
                &Query::new(Filter::new().range("rating", Some(Scalar::Num(3.0)), None))
                    .sort(Sort::field("rating", true)),
            )
            .await
            .unwrap();
        let ids: Vec<_> = page.items.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(ids, ["r0", "r2", "r1"]);

        // Changing the declaration moves values between columns.
        store
            .ensure_index(c, &IndexSpec::new().string("status").string("product_id"))
            .await
            .unwrap();
        let other = RelationalStore::new(db.clone());
        assert_eq!(other.count(c, &by_product).await.unwrap(), 2);
        assert!(
            other
                .query(c, &Query::default().sort(Sort::field("rating", true)))
                .await
                .is_err(),
            "rating is no longer declared"
        );
    })
    .await;
}

/// Several instances starting at once all declare the same indexes; none fails.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn instances_declaring_at_once_all_succeed() {
    for_each_backend(|backend| async move {
        let test_db = TestDb::new(&backend);
        let db = open_db(&test_db).await;
        let seed = RelationalStore::new(db.clone());
        for i in 0..50 {
            seed.insert(
                "audit",
                NewDocument::new(json!({"actor": format!("u{}", i % 5)})),
            )
            .await
            .unwrap();
        }
        let spec = IndexSpec::new().string("actor");
        let stores: Vec<_> = (0..4)
            .map(|_| Arc::new(RelationalStore::new(db.clone())))
            .collect();
        let tasks: Vec<_> = stores
            .iter()
            .map(|store| {
                let (store, spec) = (store.clone(), spec.clone());
                tokio::spawn(async move { store.ensure_index("audit", &spec).await })
            })
            .collect();
        for task in tasks {
            task.await.unwrap().unwrap();
        }
        let page = stores[0]
            .query(
                "audit",
                &Query::default().sort(Sort::field("actor", false)).limit(50),
            )
            .await
            .unwrap();
        assert_eq!(page.items.len(), 50);
        assert_eq!(
            stores[3]
                .count("audit", &Filter::new().eq("actor", "u3"))
                .await
                .unwrap(),
            10
        );
    })
    .await;
}

/// Insert throughput and filtered queries over 100k documents on SQLite, printed for the
/// record rather than asserted: `cargo nextest run --release -E 'binary(docstore)'
/// --run-ignored only --no-capture`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn measure_relational_sqlite() {
    use std::time::Instant;

    let test_db = TestDb::new(&Backend::Sqlite);
    let db = open_db(&test_db).await;
    let store: Arc<dyn DocumentStore> = docstore::open("relational", "", db).await.unwrap();
    let c = "audit";
    store
        .ensure_index(
            c,
            &IndexSpec::new()
                .string("actor")
                .string("entity.type")
                .string("action")
                .number("amount"),
        )
        .await
        .unwrap();
    let body = |i: usize| {
        json!({
            "actor": format!("user-{}", i % 500),
            "entity": {"type": (["order", "product", "payment", "shipment"][i % 4]), "id": format!("e{i}")},
            "action": (["create", "update", "delete"][i % 3]),
            "amount": (i % 1000) as f64,
            "ip": format!("10.0.{}.{}", i % 250, i % 200),
            "detail": "a line of audit detail that makes the body a realistic size",
        })
    };

    let single = 2_000;
    let started = Instant::now();
    for i in 0..single {
        store.insert(c, NewDocument::new(body(i))).await.unwrap();
    }
    let elapsed = started.elapsed();
    eprintln!(
        "insert one at a time: {single} in {elapsed:.2?} = {:.0}/s",
        single as f64 / elapsed.as_secs_f64()
    );

    let total = 100_000;
    let started = Instant::now();
    for chunk in (single..total).collect::<Vec<_>>().chunks(1000) {
        let docs = chunk.iter().map(|&i| NewDocument::new(body(i))).collect();
        store.insert_many(c, docs).await.unwrap();
    }
    let elapsed = started.elapsed();
    eprintln!(
        "insert_many by 1000: {} in {elapsed:.2?} = {:.0}/s",
        total - single,
        (total - single) as f64 / elapsed.as_secs_f64()
    );

    let time = |label: &'static str| {
        let started = Instant::now();
        move |detail: String| eprintln!("{label}: {:.2?} ({detail})", started.elapsed())
    };
    // user-42 has 200 documents, all of entity type "payment" (25,000 documents).
    let indexed = Filter::new()
        .eq("actor", "user-42")
        .eq("entity.type", "payment");
    let done = time("first page of 50, two indexed equalities, newest first");
    let page = store.query(c, &Query::new(indexed.clone())).await.unwrap();
    done(format!("{} items", page.items.len()));
    let done = time("second page via cursor");
    let page = store
        .query(c, &Query::new(indexed.clone()).after(page.next_cursor))
        .await
        .unwrap();
    done(format!("{} items", page.items.len()));
    let done = time("count, two indexed equalities");
    let n = store.count(c, &indexed).await.unwrap();
    done(format!("{n} documents"));
    let reversed = Filter::new()
        .eq("entity.type", "payment")
        .eq("actor", "user-42");
    let done = time("count, the less selective indexed equality first");
    let n = store.count(c, &reversed).await.unwrap();
    done(format!("{n} documents"));
    let done = time("first page, created_at range and one indexed equality");
    let page = store
        .query(
            c,
            &Query::new(
                Filter::new()
                    .eq("action", "update")
                    .created_between(Some(chrono::Utc::now() - chrono::TimeDelta::hours(1)), None),
            ),
        )
        .await
        .unwrap();
    done(format!("{} items", page.items.len()));
    let unindexed = Filter::new().eq("ip", "10.0.42.42");
    let done = time("first page, equality on a field that is not indexed (JSON scan)");
    let page = store
        .query(c, &Query::new(unindexed.clone()))
        .await
        .unwrap();
    done(format!("{} items", page.items.len()));
    let done = time("count by indexed number range");
    let n = store
        .count(
            c,
            &Filter::new().range("amount", Some(Scalar::Num(100.0)), Some(Scalar::Num(110.0))),
        )
        .await
        .unwrap();
    done(format!("{n} documents"));
    let done = time("group_count by entity.type, all documents");
    let groups = store
        .group_count(c, &Filter::new(), "entity.type")
        .await
        .unwrap();
    done(format!("{} groups", groups.len()));
    let done = time("group_stats of amount by action for one actor");
    let groups = store
        .group_stats(
            c,
            &Filter::new().eq("actor", "user-7"),
            Some("action"),
            "amount",
        )
        .await
        .unwrap();
    done(format!("{} groups", groups.len()));
    let done = time("purge_older_than (nothing to purge)");
    let n = store
        .purge_older_than(c, chrono::Utc::now() - chrono::TimeDelta::days(1))
        .await
        .unwrap();
    done(format!("{n} purged"));
}
