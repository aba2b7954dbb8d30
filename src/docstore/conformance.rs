//! The conformance suite every `DocumentStore` must pass, whatever is behind it: the same
//! cases run on SQLite, MariaDB and MongoDB from `tests/docstore.rs`.
//!
//! `run` expects a store with no documents and returns every failed case with its reason.
//! It never panics, so it can live in the library next to the stores it checks.

use std::collections::{BTreeSet, HashSet};

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Value, json};

use crate::contracts::documents::{
    Document, DocumentStore, Filter, GroupCount, IndexSpec, MAX_BODY_BYTES,
    MAX_INDEXED_STRING_CHARS, MAX_LIMIT, NewDocument, Query, Scalar, Sort, SortBy, Upserted,
};
use crate::http::AppError;

type Check = Result<(), String>;

macro_rules! ensure {
    ($cond:expr, $($arg:tt)+) => {
        if !$cond {
            return Err(format!($($arg)+));
        }
    };
}

/// Runs every case; `Err` lists each failed case and why.
pub async fn run(store: &dyn DocumentStore) -> Result<(), String> {
    let mut failures = Vec::new();
    let mut record = |name: &str, result: Check| {
        if let Err(why) = result {
            failures.push(format!("{name}: {why}"));
        }
    };
    record("insert_get_delete", insert_get_delete(store).await);
    record("upsert_replaces", upsert_replaces(store).await);
    record("equality_filters", equality_filters(store).await);
    record("created_at_ranges", created_at_ranges(store).await);
    record("field_ranges", field_ranges(store).await);
    record("sort_with_ties", sort_with_ties(store).await);
    record("cursor_pagination", cursor_pagination(store).await);
    record("group_count", group_count(store).await);
    record("group_stats", group_stats(store).await);
    record("ttl_purge", ttl_purge(store).await);
    record("retention_purge", retention_purge(store).await);
    record("injection", injection(store).await);
    record("large_pages", large_pages(store).await);
    record("unicode", unicode(store).await);
    if failures.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} on {}:\n{}",
            failures.len(),
            store.kind(),
            failures.join("\n")
        ))
    }
}

fn ok<T>(result: Result<T, AppError>, what: &str) -> Result<T, String> {
    result.map_err(|e| format!("{what}: {e} ({e:?})"))
}

/// The call must fail validation, naming what was wrong.
fn refused<T: std::fmt::Debug>(result: Result<T, AppError>, what: &str, needle: &str) -> Check {
    match result {
        Err(AppError::Validation(errors))
            if errors
                .iter()
                .any(|e| e.message.contains(needle) || e.field.contains(needle)) =>
        {
            Ok(())
        }
        other => Err(format!(
            "{what}: expected a validation error mentioning '{needle}', got {other:?}"
        )),
    }
}

/// A fixed instant (in 2030) plus `ms` milliseconds.
fn t0_plus(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(1_900_000_000_000 + ms).unwrap_or_default()
}

const MINUTE: i64 = 60_000;
const DAY: i64 = 86_400_000;

fn micros(t: DateTime<Utc>, us: i64) -> DateTime<Utc> {
    t + TimeDelta::microseconds(us)
}

async fn all(store: &dyn DocumentStore, c: &str, query: Query) -> Result<Vec<Document>, String> {
    let mut out = Vec::new();
    let mut query = query;
    for _ in 0..10_000 {
        let page = ok(store.query(c, &query).await, "query")?;
        out.extend(page.items);
        match page.next_cursor {
            Some(cursor) => query.cursor = Some(cursor),
            None => return Ok(out),
        }
    }
    Err("pagination never ended".into())
}

async fn ids(
    store: &dyn DocumentStore,
    c: &str,
    filter: Filter,
) -> Result<BTreeSet<String>, String> {
    let docs = all(
        store,
        c,
        Query::new(filter.clone())
            .sort(Sort::oldest_first())
            .limit(MAX_LIMIT),
    )
    .await?;
    let found: BTreeSet<String> = docs.into_iter().map(|d| d.id).collect();
    let counted = ok(store.count(c, &filter).await, "count")?;
    ensure!(
        counted == found.len() as u64,
        "count says {counted} but the query found {} for {filter:?}",
        found.len()
    );
    Ok(found)
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

async fn insert_get_delete(store: &dyn DocumentStore) -> Check {
    let c = "conf_basic";
    let before = Utc::now() - TimeDelta::seconds(1);
    let body = json!({"actor": "u1", "n": 1, "nested": {"deep": [1, 2, {"x": null}]}});
    let id = ok(
        store.insert(c, NewDocument::new(body.clone())).await,
        "insert",
    )?;
    let after = Utc::now() + TimeDelta::seconds(1);
    let version = uuid::Uuid::parse_str(&id).map(|u| u.get_version_num());
    ensure!(version == Ok(7), "a generated id is a UUIDv7, got {id}");
    let doc = ok(store.get(c, &id).await, "get")?.ok_or("inserted document not found")?;
    ensure!(doc.body == body, "body changed: {}", doc.body);
    ensure!(doc.id == id, "id changed");
    ensure!(doc.expires_at.is_none(), "no expiry was given");
    ensure!(
        doc.created_at >= before && doc.created_at <= after,
        "created_at {} is not now",
        doc.created_at
    );
    ensure!(
        doc.created_at.timestamp_subsec_micros() % 1000 == 0,
        "created_at keeps milliseconds only"
    );

    let created = micros(t0_plus(123), 456);
    let expires = t0_plus(DAY * 365 * 900);
    let fixed = NewDocument::new(json!({"k": "v"}))
        .id("fixed:1")
        .created_at(created)
        .expires_at(expires);
    let got = ok(store.insert(c, fixed.clone()).await, "insert with id")?;
    ensure!(got == "fixed:1", "the given id is kept, got {got}");
    let doc = ok(store.get(c, "fixed:1").await, "get")?.ok_or("fixed:1 not found")?;
    ensure!(
        doc.created_at == t0_plus(123),
        "created_at truncated to milliseconds, got {}",
        doc.created_at
    );
    ensure!(
        doc.expires_at == Some(expires),
        "expires_at kept: {:?}, expected {expires}",
        doc.expires_at
    );
    match store.insert(c, fixed).await {
        Err(AppError::Conflict(_)) => {}
        other => return Err(format!("a taken id is a conflict, got {other:?}")),
    }
    // The same id in another collection is another document.
    ok(
        store
            .insert(
                "conf_basic_other",
                NewDocument::new(json!({})).id("fixed:1"),
            )
            .await,
        "same id elsewhere",
    )?;

    ensure!(
        ok(store.get(c, "nope").await, "get missing")?.is_none(),
        "a missing document is None"
    );
    ensure!(
        ok(store.delete(c, &id).await, "delete")?,
        "delete says it deleted"
    );
    ensure!(
        !ok(store.delete(c, &id).await, "delete again")?,
        "a second delete finds nothing"
    );
    ensure!(
        ok(store.get(c, &id).await, "get deleted")?.is_none(),
        "a deleted document is gone"
    );
    ensure!(
        ok(store.get("conf_basic_other", "fixed:1").await, "get other")?.is_some(),
        "deleting in one collection leaves the other"
    );

    refused(
        store.insert(c, NewDocument::new(json!([1, 2]))).await,
        "array body",
        "body",
    )?;
    refused(
        store.insert(c, NewDocument::new(json!("text"))).await,
        "string body",
        "body",
    )?;
    refused(
        store
            .insert(c, NewDocument::new(json!({})).id("has space"))
            .await,
        "bad id",
        "id",
    )?;
    refused(store.get(c, "a/b").await, "bad id on get", "id")?;
    Ok(())
}

async fn upsert_replaces(store: &dyn DocumentStore) -> Check {
    let c = "conf_reviews";
    let spec = IndexSpec::new()
        .string("product_id")
        .string("status")
        .number("rating");
    ok(store.ensure_index(c, &spec).await, "ensure_index")?;
    ok(store.ensure_index(c, &spec).await, "ensure_index again")?;
    let id = "review:p1:u1";
    let first = json!({"product_id": "p1", "rating": 4, "title": "ok", "status": "published"});
    let r = ok(store.upsert(c, id, first.clone()).await, "upsert new")?;
    ensure!(r == Upserted::Created, "first upsert creates, got {r:?}");
    let doc = ok(store.get(c, id).await, "get")?.ok_or("upserted review missing")?;
    ensure!(doc.body == first, "body as given");
    let created = doc.created_at;

    let by = |rating: i64| Filter::new().eq("product_id", "p1").eq("rating", rating);
    ensure!(
        ok(store.count(c, &by(4)).await, "count")? == 1,
        "rating 4 found"
    );

    let second = json!({"product_id": "p1", "rating": 2, "text": "changed my mind"});
    let r = ok(store.upsert(c, id, second.clone()).await, "upsert again")?;
    ensure!(r == Upserted::Replaced, "second upsert replaces, got {r:?}");
    let doc = ok(store.get(c, id).await, "get")?.ok_or("review missing")?;
    ensure!(doc.body == second, "body replaced whole: {}", doc.body);
    ensure!(doc.created_at == created, "created_at kept on replace");
    ensure!(
        ok(store.count(c, &by(4)).await, "count")? == 0,
        "old rating gone from the index"
    );
    ensure!(
        ok(store.count(c, &by(2)).await, "count")? == 1,
        "new rating indexed"
    );
    ensure!(
        ok(
            store
                .count(c, &Filter::new().eq("status", "published"))
                .await,
            "count"
        )? == 0,
        "a field dropped from the body is dropped from the index"
    );

    let expires = t0_plus(DAY * 365 * 900);
    ok(
        store
            .insert(
                c,
                NewDocument::new(json!({"product_id": "p2"}))
                    .id("review:p2:u1")
                    .expires_at(expires),
            )
            .await,
        "insert expiring",
    )?;
    let r = ok(
        store
            .upsert(c, "review:p2:u1", json!({"product_id": "p2", "rating": 5}))
            .await,
        "upsert expiring",
    )?;
    ensure!(r == Upserted::Replaced, "existing document replaced");
    let doc = ok(store.get(c, "review:p2:u1").await, "get")?.ok_or("missing")?;
    ensure!(
        doc.expires_at == Some(expires),
        "expires_at kept on replace: {:?}, expected {expires}",
        doc.expires_at
    );
    refused(
        store.upsert(c, id, json!(5)).await,
        "non-object upsert",
        "body",
    )?;
    Ok(())
}

async fn equality_filters(store: &dyn DocumentStore) -> Check {
    let c = "conf_audit";
    let spec = IndexSpec::new().string("actor").string("entity.type");
    ok(store.ensure_index(c, &spec).await, "ensure_index")?;
    let docs = [
        (
            "e1",
            json!({"actor": "Asha", "entity": {"type": "order", "id": "o1"}, "action": "create", "amount": 5, "ok": true}),
        ),
        (
            "e2",
            json!({"actor": "asha", "entity": {"type": "order", "id": "o2"}, "action": "update", "amount": "5", "ok": 1}),
        ),
        (
            "e3",
            json!({"actor": "ravi", "entity": {"type": "product", "id": "p1"}, "action": "create", "amount": 5.0, "ok": false}),
        ),
        (
            "e4",
            json!({"actor": "ravi", "entity": {"type": "order"}, "action": "delete"}),
        ),
        (
            "e5",
            json!({"actor": null, "entity": "flat", "action": "create", "amount": 7}),
        ),
    ];
    for (id, body) in docs {
        ok(
            store.insert(c, NewDocument::new(body).id(id)).await,
            "insert",
        )?;
    }
    let cases: Vec<(Filter, &[&str])> = vec![
        (Filter::new().eq("actor", "Asha"), &["e1"]),
        (Filter::new().eq("actor", "ravi"), &["e3", "e4"]),
        (
            Filter::new().eq("entity.type", "order"),
            &["e1", "e2", "e4"],
        ),
        (Filter::new().eq("entity.id", "o2"), &["e2"]),
        (Filter::new().eq("action", "create"), &["e1", "e3", "e5"]),
        (Filter::new().eq("amount", 5), &["e1", "e3"]),
        (Filter::new().eq("amount", 5.0), &["e1", "e3"]),
        (Filter::new().eq("amount", "5"), &["e2"]),
        (Filter::new().eq("ok", true), &["e1"]),
        (Filter::new().eq("ok", false), &["e3"]),
        (Filter::new().eq("ok", 1), &["e2"]),
        (
            Filter::new().eq("actor", "ravi").eq("entity.type", "order"),
            &["e4"],
        ),
        (
            Filter::new()
                .eq("action", "create")
                .eq("entity.type", "product"),
            &["e3"],
        ),
        (Filter::new().eq("actor", ""), &[]),
        (Filter::new().eq("missing.field", "x"), &[]),
        (Filter::new().eq("entity", "flat"), &["e5"]),
        (Filter::new(), &["e1", "e2", "e3", "e4", "e5"]),
    ];
    for (filter, expected) in cases {
        let found = ids(store, c, filter.clone()).await?;
        ensure!(
            found == set(expected),
            "{filter:?} found {found:?}, expected {expected:?}"
        );
    }
    Ok(())
}

async fn created_at_ranges(store: &dyn DocumentStore) -> Check {
    let c = "conf_times";
    for i in 0..10 {
        ok(
            store
                .insert(
                    c,
                    NewDocument::new(json!({"parity": if i % 2 == 0 { "even" } else { "odd" }}))
                        .id(format!("t{i}"))
                        .created_at(t0_plus(i * MINUTE)),
                )
                .await,
            "insert",
        )?;
    }
    let names =
        |r: std::ops::Range<i64>| -> BTreeSet<String> { r.map(|i| format!("t{i}")).collect() };
    let at = |i: i64| Some(t0_plus(i * MINUTE));
    let cases = vec![
        (Filter::new().created_between(at(3), None), names(3..10)),
        (Filter::new().created_between(None, at(3)), names(0..3)),
        (Filter::new().created_between(at(2), at(5)), names(2..5)),
        (Filter::new().created_between(at(5), at(5)), names(0..0)),
        (
            Filter::new().created_between(Some(micros(t0_plus(3 * MINUTE), 500)), None),
            names(4..10),
        ),
        (
            Filter::new().created_between(None, Some(micros(t0_plus(3 * MINUTE), 500))),
            names(0..4),
        ),
        (
            Filter::new()
                .created_between(at(2), at(7))
                .eq("parity", "even"),
            ["t2", "t4", "t6"].iter().map(|s| s.to_string()).collect(),
        ),
    ];
    for (filter, expected) in cases {
        let found = ids(store, c, filter.clone()).await?;
        ensure!(
            found == expected,
            "{filter:?} found {found:?}, expected {expected:?}"
        );
    }
    Ok(())
}

async fn field_ranges(store: &dyn DocumentStore) -> Check {
    let c = "conf_orders";
    ok(
        store
            .ensure_index(c, &IndexSpec::new().string("city").number("total"))
            .await,
        "ensure_index",
    )?;
    let rows = [
        (
            "r1",
            json!({"total": 100, "city": "Agra", "weight": 1.5, "sku": "A-1"}),
        ),
        (
            "r2",
            json!({"total": 250.5, "city": "Bhopal", "weight": 3, "sku": "B-2"}),
        ),
        (
            "r3",
            json!({"total": 400, "city": "Chennai", "weight": "heavy", "sku": "C-3"}),
        ),
        ("r4", json!({"total": "900", "city": 12, "sku": 7})),
        ("r5", json!({"city": "Delhi", "weight": 10})),
    ];
    for (id, body) in rows {
        ok(
            store.insert(c, NewDocument::new(body).id(id)).await,
            "insert",
        )?;
    }
    let num = |v: f64| Some(Scalar::Num(v));
    let text = |v: &str| Some(Scalar::Str(v.into()));
    let cases: Vec<(Filter, &[&str])> = vec![
        // Indexed number.
        (
            Filter::new().range("total", num(100.0), num(400.0)),
            &["r1", "r2"],
        ),
        (
            Filter::new().range("total", num(250.5), None),
            &["r2", "r3"],
        ),
        (Filter::new().range("total", None, num(100.0)), &[]),
        // Indexed string: only strings take part.
        (
            Filter::new().range("city", text("B"), text("D")),
            &["r2", "r3"],
        ),
        (Filter::new().range("city", None, text("C")), &["r1", "r2"]),
        // Not indexed: typed JSON comparisons.
        (
            Filter::new().range("weight", num(1.5), num(10.0)),
            &["r1", "r2"],
        ),
        (
            Filter::new().range("weight", None, num(100.0)),
            &["r1", "r2", "r5"],
        ),
        (Filter::new().range("sku", text("B"), None), &["r2", "r3"]),
        (
            Filter::new()
                .range("weight", num(0.0), None)
                .eq("city", "Delhi"),
            &["r5"],
        ),
    ];
    for (filter, expected) in cases {
        let found = ids(store, c, filter.clone()).await?;
        ensure!(
            found == set(expected),
            "{filter:?} found {found:?}, expected {expected:?}"
        );
    }
    refused(
        store
            .count(c, &Filter::new().range("total", num(1.0), text("9")))
            .await,
        "mixed range",
        "same type",
    )?;
    Ok(())
}

/// The order the contract promises: by key (missing first), ties by id.
fn expected_order(docs: &[Document], key: &dyn Fn(&Document) -> SortKeyValue) -> Vec<String> {
    let mut sorted: Vec<&Document> = docs.iter().collect();
    sorted.sort_by(|a, b| {
        key(a)
            .partial_cmp(&key(b))
            .unwrap_or(std::cmp::Ordering::Equal)
            .then_with(|| a.id.cmp(&b.id))
    });
    sorted.into_iter().map(|d| d.id.clone()).collect()
}

#[derive(Debug, Clone, PartialEq, PartialOrd)]
enum SortKeyValue {
    Missing,
    Num(f64),
    Str(String),
    Time(DateTime<Utc>),
}

fn key_of(sort: &SortBy, doc: &Document) -> SortKeyValue {
    match sort {
        SortBy::CreatedAt => SortKeyValue::Time(doc.created_at),
        SortBy::Field(f) => match doc.body.get(f.as_str()) {
            Some(Value::Number(n)) => n.as_f64().map_or(SortKeyValue::Missing, SortKeyValue::Num),
            Some(Value::String(s)) => SortKeyValue::Str(s.clone()),
            _ => SortKeyValue::Missing,
        },
    }
}

async fn sort_with_ties(store: &dyn DocumentStore) -> Check {
    let c = "conf_sort";
    ok(
        store
            .ensure_index(c, &IndexSpec::new().string("name").number("rating"))
            .await,
        "ensure_index",
    )?;
    // Inserted out of order; three distinct times, ratings and names with ties and gaps.
    let order = [7, 2, 11, 0, 5, 9, 3, 10, 1, 6, 8, 4];
    for i in order {
        let mut body = json!({"i": i});
        if i % 4 != 0 {
            body["rating"] = json!((i % 3) as f64 + 0.5);
        }
        if i % 5 != 0 {
            body["name"] = json!(["mango", "apple", "kiwi"][i % 3]);
        }
        ok(
            store
                .insert(
                    c,
                    NewDocument::new(body)
                        .id(format!("s{i:02}"))
                        .created_at(t0_plus((i % 3) as i64 * 1000)),
                )
                .await,
            "insert",
        )?;
    }
    let everything = all(store, c, Query::default().limit(MAX_LIMIT)).await?;
    ensure!(
        everything.len() == 12,
        "12 documents, found {}",
        everything.len()
    );
    for by in [
        SortBy::CreatedAt,
        SortBy::Field("rating".into()),
        SortBy::Field("name".into()),
    ] {
        let ascending = expected_order(&everything, &|d| key_of(&by, d));
        for descending in [false, true] {
            let sort = Sort {
                by: by.clone(),
                descending,
            };
            let page = ok(
                store
                    .query(c, &Query::default().sort(sort.clone()).limit(100))
                    .await,
                "query",
            )?;
            let got: Vec<String> = page.items.iter().map(|d| d.id.clone()).collect();
            let mut want = ascending.clone();
            if descending {
                want.reverse();
            }
            ensure!(got == want, "{sort:?}: got {got:?}, expected {want:?}");
            ensure!(page.next_cursor.is_none(), "one page holds everything");
        }
    }
    refused(
        store
            .query(c, &Query::default().sort(Sort::field("i", false)))
            .await,
        "sort by an undeclared field",
        "sort",
    )?;
    Ok(())
}

async fn cursor_pagination(store: &dyn DocumentStore) -> Check {
    let c = "conf_pages";
    ok(
        store
            .ensure_index(c, &IndexSpec::new().string("kind").number("score"))
            .await,
        "ensure_index",
    )?;
    let mut docs = Vec::new();
    for i in 0..30i64 {
        let mut body = json!({"kind": if i % 2 == 0 { "a" } else { "b" }});
        if i % 5 != 0 {
            body["score"] = json!(i % 4);
        }
        docs.push(NewDocument::new(body).created_at(t0_plus((i / 3) * 1000)));
    }
    ok(store.insert_many(c, docs).await, "insert_many")?;

    let sorts = [
        Sort::newest_first(),
        Sort::oldest_first(),
        Sort::field("score", false),
        Sort::field("score", true),
    ];
    let mut extra = 0i64;
    for filter in [Filter::new(), Filter::new().eq("kind", "a")] {
        for sort in &sorts {
            let base = Query::new(filter.clone()).sort(sort.clone());
            let before: HashSet<String> = all(store, c, base.clone().limit(MAX_LIMIT))
                .await?
                .into_iter()
                .map(|d| d.id)
                .collect();
            let mut query = base.clone().limit(7);
            let mut seen: Vec<Document> = Vec::new();
            let mut pages = 0;
            loop {
                let page = ok(store.query(c, &query).await, "page")?;
                pages += 1;
                ensure!(page.items.len() <= 7, "a page holds at most the limit");
                seen.extend(page.items);
                let Some(cursor) = page.next_cursor else {
                    break;
                };
                if pages <= 2 {
                    // Writes between pages: before everything, after everything, and
                    // into the middle of a tie.
                    for (at, score) in [(-5_000, 1), (60_000, 2), (4_000, 3)] {
                        extra += 1;
                        ok(
                            store
                                .insert(
                                    c,
                                    NewDocument::new(
                                        json!({"kind": "a", "score": score, "extra": extra}),
                                    )
                                    .created_at(t0_plus(at)),
                                )
                                .await,
                            "insert between pages",
                        )?;
                    }
                }
                query.cursor = Some(cursor);
                ensure!(pages < 100, "pagination does not end");
            }
            let seen_ids: Vec<&String> = seen.iter().map(|d| &d.id).collect();
            let unique: HashSet<&String> = seen_ids.iter().copied().collect();
            ensure!(
                unique.len() == seen_ids.len(),
                "{sort:?} {filter:?}: a document was repeated"
            );
            for id in &before {
                ensure!(unique.contains(id), "{sort:?} {filter:?}: {id} was skipped");
            }
            for pair in seen.windows(2) {
                let (a, b) = (key_of(&sort.by, &pair[0]), key_of(&sort.by, &pair[1]));
                let in_order = if sort.descending {
                    a > b || (a == b && pair[0].id > pair[1].id)
                } else {
                    a < b || (a == b && pair[0].id < pair[1].id)
                };
                ensure!(
                    in_order,
                    "{sort:?} {filter:?}: {} before {} is out of order",
                    pair[0].id,
                    pair[1].id
                );
            }
        }
    }

    let first = ok(
        store.query(c, &Query::default().limit(5)).await,
        "first page",
    )?;
    let cursor = first.next_cursor.ok_or("more pages expected")?;
    refused(
        store
            .query(
                c,
                &Query::new(Filter::new().eq("kind", "b"))
                    .limit(5)
                    .after(Some(cursor.clone())),
            )
            .await,
        "cursor of another filter",
        "cursor",
    )?;
    refused(
        store
            .query(
                c,
                &Query::default()
                    .sort(Sort::oldest_first())
                    .limit(5)
                    .after(Some(cursor.clone())),
            )
            .await,
        "cursor of another sort",
        "cursor",
    )?;
    refused(
        store
            .query(
                "conf_other",
                &Query::default().limit(5).after(Some(cursor.clone())),
            )
            .await,
        "cursor of another collection",
        "cursor",
    )?;
    refused(
        store
            .query(
                c,
                &Query::default().limit(5).after(Some(format!("{cursor}x"))),
            )
            .await,
        "tampered cursor",
        "cursor",
    )?;
    // Another limit is the same query: page sizes may change along the way.
    ok(
        store
            .query(c, &Query::default().limit(9).after(Some(cursor)))
            .await,
        "another page size",
    )?;
    Ok(())
}

async fn group_count(store: &dyn DocumentStore) -> Check {
    let c = "conf_events";
    ok(
        store
            .ensure_index(c, &IndexSpec::new().string("event").number("value"))
            .await,
        "ensure_index",
    )?;
    let rows = vec![
        json!({"event": "view", "page": 1, "ctx": {"channel": "web"}, "device": "ios"}),
        json!({"event": "view", "page": 1.0, "ctx": {"channel": "web"}, "device": "ios"}),
        json!({"event": "view", "page": 2, "ctx": {"channel": "pos"}}),
        json!({"event": "view", "page": "2", "ctx": {"channel": "web"}}),
        json!({"event": "view", "ctx": {"channel": "web"}, "device": "ios"}),
        json!({"event": "cart", "page": true, "ctx": {"channel": "pos"}}),
        json!({"event": "cart", "ctx": {"channel": "web"}}),
        json!({"event": "cart", "ctx": {}}),
        json!({"event": "buy", "ctx": {"channel": "web"}, "device": "ios"}),
        json!({"event": "buy", "page": null}),
        json!({"note": "no event"}),
    ];
    let docs = rows.into_iter().map(NewDocument::new).collect();
    ok(store.insert_many(c, docs).await, "insert_many")?;
    let g = |key: Option<Scalar>, count| GroupCount { key, count };
    let s = |v: &str| Some(Scalar::Str(v.into()));
    let got = ok(
        store.group_count(c, &Filter::new(), "event").await,
        "group_count",
    )?;
    let want = vec![g(None, 1), g(s("buy"), 2), g(s("cart"), 3), g(s("view"), 5)];
    ensure!(got == want, "by event: got {got:?}, expected {want:?}");

    let got = ok(
        store
            .group_count(c, &Filter::new().eq("device", "ios"), "event")
            .await,
        "group_count filtered",
    )?;
    let want = vec![g(s("buy"), 1), g(s("view"), 3)];
    ensure!(got == want, "filtered: got {got:?}, expected {want:?}");

    let got = ok(
        store.group_count(c, &Filter::new(), "page").await,
        "group_count page",
    )?;
    let want = vec![
        g(None, 6),
        g(Some(Scalar::Num(1.0)), 2),
        g(Some(Scalar::Num(2.0)), 1),
        g(s("2"), 1),
        g(Some(Scalar::Bool(true)), 1),
    ];
    ensure!(
        got == want,
        "by page (1 and 1.0 are one key; \"2\" is not 2): got {got:?}, expected {want:?}"
    );

    let got = ok(
        store.group_count(c, &Filter::new(), "ctx.channel").await,
        "group_count dotted",
    )?;
    let want = vec![g(None, 3), g(s("pos"), 2), g(s("web"), 6)];
    ensure!(
        got == want,
        "by ctx.channel: got {got:?}, expected {want:?}"
    );

    let got = ok(
        store
            .group_count(c, &Filter::new().eq("event", "nothing"), "event")
            .await,
        "group_count empty",
    )?;
    ensure!(got.is_empty(), "no documents, no groups: {got:?}");
    Ok(())
}

async fn group_stats(store: &dyn DocumentStore) -> Check {
    let c = "conf_sales";
    ok(
        store
            .ensure_index(c, &IndexSpec::new().string("channel").number("amount"))
            .await,
        "ensure_index",
    )?;
    let rows = vec![
        json!({"channel": "web", "amount": 1, "price": 1}),
        json!({"channel": "web", "amount": 2, "price": 2}),
        json!({"channel": "web", "amount": 3.5, "price": 3.5}),
        json!({"channel": "web", "amount": 4, "price": 4}),
        json!({"channel": "web", "amount": 4.5, "price": 4.5}),
        json!({"channel": "pos", "amount": 10, "price": 10}),
        json!({"channel": "pos", "amount": -20, "price": -20}),
        json!({"channel": "pos", "amount": "x", "price": "x"}),
        json!({"channel": "pos", "amount": true, "price": true}),
        json!({"channel": "app"}),
        json!({"amount": 7, "price": 7}),
    ];
    let docs = rows.into_iter().map(NewDocument::new).collect();
    ok(store.insert_many(c, docs).await, "insert_many")?;
    // `amount` is the indexed number column; `price` goes through the JSON functions.
    for field in ["amount", "price"] {
        let got = ok(
            store
                .group_stats(c, &Filter::new(), Some("channel"), field)
                .await,
            "group_stats",
        )?;
        let shape: Vec<_> = got
            .iter()
            .map(|g| (g.key.clone(), g.count, g.sum, g.avg, g.min, g.max))
            .collect();
        let s = |v: &str| Some(Scalar::Str(v.into()));
        let want = vec![
            (None, 1, 7.0, Some(7.0), Some(7.0), Some(7.0)),
            (s("app"), 0, 0.0, None, None, None),
            (s("pos"), 2, -10.0, Some(-5.0), Some(-20.0), Some(10.0)),
            (s("web"), 5, 15.0, Some(3.0), Some(1.0), Some(4.5)),
        ];
        ensure!(
            shape == want,
            "{field} by channel: got {shape:?}, expected {want:?}"
        );

        let total = ok(
            store.group_stats(c, &Filter::new(), None, field).await,
            "group_stats total",
        )?;
        let shape: Vec<_> = total
            .iter()
            .map(|g| (g.key.clone(), g.count, g.sum, g.min, g.max))
            .collect();
        let want = vec![(None, 8, 12.0, Some(-20.0), Some(10.0))];
        ensure!(
            shape == want,
            "{field} total: got {shape:?}, expected {want:?}"
        );
        ensure!(
            total[0].avg == Some(1.5),
            "{field} average: {:?}",
            total[0].avg
        );

        let none = ok(
            store
                .group_stats(c, &Filter::new().eq("channel", "nothing"), None, field)
                .await,
            "group_stats none",
        )?;
        let shape: Vec<_> = none.iter().map(|g| (g.count, g.sum, g.avg)).collect();
        ensure!(
            shape == vec![(0, 0.0, None)],
            "no documents: one empty total, got {shape:?}"
        );
        let none = ok(
            store
                .group_stats(
                    c,
                    &Filter::new().eq("channel", "nothing"),
                    Some("channel"),
                    field,
                )
                .await,
            "group_stats none grouped",
        )?;
        ensure!(none.is_empty(), "no documents, no groups");
    }
    Ok(())
}

async fn ttl_purge(store: &dyn DocumentStore) -> Check {
    let now = crate::docstore::floor_millis(Utc::now());
    let hour = TimeDelta::hours(1);
    let rows = [
        ("conf_ttl", "soon", Some(now + hour)),
        ("conf_ttl_other", "soon2", Some(now + hour)),
        ("conf_ttl", "later", Some(now + hour * 3)),
        ("conf_ttl", "never", None),
    ];
    for (c, id, expires) in rows {
        let mut doc = NewDocument::new(json!({"session": id})).id(id);
        doc.expires_at = expires;
        ok(store.insert(c, doc).await, "insert")?;
    }
    let n = ok(store.purge_expired(now).await, "purge now")?;
    ensure!(n == 0, "nothing has expired yet, purged {n}");
    let doc = ok(store.get("conf_ttl", "soon").await, "get")?.ok_or("soon missing")?;
    ensure!(doc.expires_at == Some(now + hour), "expires_at as given");
    let n = ok(store.purge_expired(now + hour * 2).await, "purge in 2h")?;
    ensure!(n == 2, "two documents expired, purged {n}");
    for (c, id, present) in [
        ("conf_ttl", "soon", false),
        ("conf_ttl_other", "soon2", false),
        ("conf_ttl", "later", true),
        ("conf_ttl", "never", true),
    ] {
        let found = ok(store.get(c, id).await, "get")?.is_some();
        ensure!(
            found == present,
            "{c}/{id}: present {found}, expected {present}"
        );
    }
    // `expires_at <= now` is expired: the boundary itself goes.
    let n = ok(
        store.purge_expired(now + hour * 3).await,
        "purge at the boundary",
    )?;
    ensure!(
        n == 1,
        "a document expiring exactly now is purged, purged {n}"
    );
    let n = ok(store.purge_expired(now + hour * 3).await, "purge again")?;
    ensure!(n == 0, "purging twice deletes nothing more, purged {n}");
    Ok(())
}

async fn retention_purge(store: &dyn DocumentStore) -> Check {
    for c in ["conf_logs", "conf_logs_other"] {
        let docs = (0..6)
            .map(|i| {
                NewDocument::new(json!({"line": i}))
                    .id(format!("l{i}"))
                    .created_at(t0_plus(i * DAY))
            })
            .collect();
        ok(store.insert_many(c, docs).await, "insert_many")?;
    }
    let n = ok(
        store.purge_older_than("conf_logs", t0_plus(3 * DAY)).await,
        "purge_older_than",
    )?;
    ensure!(n == 3, "three older documents purged, got {n}");
    let left = ids(store, "conf_logs", Filter::new()).await?;
    ensure!(left == set(&["l3", "l4", "l5"]), "left {left:?}");
    let other = ok(
        store.count("conf_logs_other", &Filter::new()).await,
        "count",
    )?;
    ensure!(other == 6, "other collection untouched, has {other}");
    let n = ok(
        store
            .purge_older_than("conf_logs", micros(t0_plus(3 * DAY), 1))
            .await,
        "purge_older_than with microseconds",
    )?;
    ensure!(
        n == 1,
        "created_at < cutoff holds for a cutoff 1 µs later, got {n}"
    );
    Ok(())
}

async fn injection(store: &dyn DocumentStore) -> Check {
    let c = "conf_inject";
    ok(
        store
            .ensure_index(c, &IndexSpec::new().string("actor"))
            .await,
        "ensure_index",
    )?;
    let hostile_fields = [
        "actor' OR '1'='1",
        "a;DROP TABLE documents",
        "actor) --",
        "$where",
        "a.$gt",
        "a[0]",
        "$.actor",
        "Actor",
        "",
        "a..b",
        "entity.type'); DELETE FROM documents; --",
        "a\nb",
    ];
    for field in hostile_fields {
        let what = format!("field {field:?}");
        refused(
            store.count(c, &Filter::new().eq(field, "x")).await,
            &what,
            "field path",
        )?;
        refused(
            store
                .query(
                    c,
                    &Query::new(Filter::new().range(field, Some(1.into()), None)),
                )
                .await,
            &what,
            "field path",
        )?;
        refused(
            store
                .query(c, &Query::default().sort(Sort::field(field, true)))
                .await,
            &what,
            "field path",
        )?;
        refused(
            store.group_count(c, &Filter::new(), field).await,
            &what,
            "field path",
        )?;
        refused(
            store.group_stats(c, &Filter::new(), Some(field), "n").await,
            &what,
            "field path",
        )?;
        refused(
            store.group_stats(c, &Filter::new(), None, field).await,
            &what,
            "field path",
        )?;
        refused(
            store.ensure_index(c, &IndexSpec::new().string(field)).await,
            &what,
            "field path",
        )?;
    }
    for collection in [
        "documents; DROP TABLE documents",
        "Audit",
        "_indexes",
        "../x",
        "",
    ] {
        refused(
            store.insert(collection, NewDocument::new(json!({}))).await,
            &format!("collection {collection:?}"),
            "collection",
        )?;
    }

    let values = [
        "' OR '1'='1",
        "\"; DROP TABLE documents; --",
        "{\"$ne\": null}",
        "$where",
        "$.actor",
        "%",
        "_",
        "\\",
        "') OR 1=1 --",
        "null",
    ];
    for (i, v) in values.iter().enumerate() {
        let body = json!({"actor": v, "note": v, "we'ird \"key\"": v, "i": i});
        ok(
            store
                .insert(c, NewDocument::new(body).id(format!("v{i}")))
                .await,
            "insert hostile value",
        )?;
    }
    ok(
        store
            .insert(
                c,
                NewDocument::new(json!({"actor": "plain", "note": "plain"})).id("plain"),
            )
            .await,
        "insert plain",
    )?;
    for (i, v) in values.iter().enumerate() {
        for field in ["actor", "note"] {
            let found = ids(store, c, Filter::new().eq(field, *v)).await?;
            ensure!(
                found == set(&[&format!("v{i}")]),
                "{field} = {v:?} matched {found:?}"
            );
        }
        let doc = ok(store.get(c, &format!("v{i}")).await, "get")?.ok_or("missing")?;
        ensure!(
            doc.body["we'ird \"key\""] == json!(v),
            "odd keys and values stored as given"
        );
    }
    let total = ok(store.count(c, &Filter::new()).await, "count")?;
    ensure!(
        total == values.len() as u64 + 1,
        "nothing lost or dropped: {total}"
    );

    let long = "x".repeat(MAX_INDEXED_STRING_CHARS + 1);
    refused(
        store
            .insert(c, NewDocument::new(json!({"actor": long})))
            .await,
        "over-long indexed value",
        "actor",
    )?;
    ok(
        store
            .insert(c, NewDocument::new(json!({"note": long})).id("long-note"))
            .await,
        "a long value in a field that is not indexed",
    )?;
    let found = ids(store, c, Filter::new().eq("note", long.as_str())).await?;
    ensure!(found == set(&["long-note"]), "long value matched {found:?}");
    let huge = "y".repeat(MAX_BODY_BYTES);
    refused(
        store
            .insert(c, NewDocument::new(json!({"note": huge})))
            .await,
        "oversized body",
        "body",
    )?;
    Ok(())
}

async fn large_pages(store: &dyn DocumentStore) -> Check {
    let c = "conf_large";
    ok(
        store
            .ensure_index(c, &IndexSpec::new().string("batch"))
            .await,
        "ensure_index",
    )?;
    let mut inserted = HashSet::new();
    for (batch, size) in [(0, 1000), (1, 1000), (2, 500)] {
        let docs = (0..size)
            .map(|i| {
                NewDocument::new(
                    json!({"batch": format!("b{batch}"), "i": i, "pad": "-".repeat(200)}),
                )
            })
            .collect();
        let ids = ok(store.insert_many(c, docs).await, "insert_many")?;
        ensure!(ids.len() == size, "insert_many returns one id per document");
        inserted.extend(ids);
    }
    ensure!(inserted.len() == 2500, "2500 distinct ids");
    let mut query = Query::default().sort(Sort::oldest_first()).limit(MAX_LIMIT);
    let mut sizes = Vec::new();
    let mut seen = HashSet::new();
    loop {
        let page = ok(store.query(c, &query).await, "page")?;
        sizes.push(page.items.len());
        for d in page.items {
            ensure!(seen.insert(d.id.clone()), "{} repeated", d.id);
        }
        match page.next_cursor {
            Some(cursor) => query.cursor = Some(cursor),
            None => break,
        }
        ensure!(sizes.len() < 10, "too many pages");
    }
    ensure!(sizes == vec![1000, 1000, 500], "page sizes {sizes:?}");
    ensure!(seen == inserted, "every document seen once");
    let n = ok(
        store.count(c, &Filter::new().eq("batch", "b1")).await,
        "count",
    )?;
    ensure!(n == 1000, "count by indexed field: {n}");
    refused(
        store.query(c, &Query::default().limit(MAX_LIMIT + 1)).await,
        "limit too large",
        "limit",
    )?;
    refused(
        store.query(c, &Query::default().limit(0)).await,
        "limit 0",
        "limit",
    )?;
    let too_many = (0..=1000).map(|_| NewDocument::new(json!({}))).collect();
    refused(
        store.insert_many(c, too_many).await,
        "batch too large",
        "documents",
    )?;
    let clash = vec![
        NewDocument::new(json!({})).id("dup"),
        NewDocument::new(json!({})).id("dup"),
    ];
    match store.insert_many(c, clash).await {
        Err(AppError::Conflict(_)) => {}
        other => {
            return Err(format!(
                "a duplicate id in a batch is a conflict, got {other:?}"
            ));
        }
    }
    Ok(())
}

async fn unicode(store: &dyn DocumentStore) -> Check {
    let c = "conf_unicode";
    ok(
        store
            .ensure_index(c, &IndexSpec::new().string("name"))
            .await,
        "ensure_index",
    )?;
    let names = [
        "a",
        "z",
        "é",
        "e\u{301}",
        "अनार",
        "😀",
        "ñandú",
        "東京",
        "Zoë",
        "ключ",
    ];
    for (i, name) in names.iter().enumerate() {
        let body = json!({
            "name": name,
            "text": format!("{name} 🎉 नमस्ते"),
            "nested": {"ключ": name},
        });
        ok(
            store
                .insert(c, NewDocument::new(body).id(format!("u{i}")))
                .await,
            "insert",
        )?;
    }
    for (i, name) in names.iter().enumerate() {
        let want = set(&[&format!("u{i}")]);
        let found = ids(store, c, Filter::new().eq("name", *name)).await?;
        ensure!(found == want, "name = {name:?} matched {found:?}");
        let found = ids(
            store,
            c,
            Filter::new().eq("text", format!("{name} 🎉 नमस्ते")),
        )
        .await?;
        ensure!(found == want, "text with {name:?} matched {found:?}");
        let doc = ok(store.get(c, &format!("u{i}")).await, "get")?.ok_or("missing")?;
        ensure!(
            doc.body["nested"]["ключ"] == json!(name),
            "unicode keys round trip"
        );
    }
    let page = ok(
        store
            .query(c, &Query::default().sort(Sort::field("name", false)))
            .await,
        "sorted by name",
    )?;
    let got: Vec<String> = page
        .items
        .iter()
        .filter_map(|d| d.body["name"].as_str().map(str::to_string))
        .collect();
    let mut want: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    want.sort();
    ensure!(
        got == want,
        "code point order: got {got:?}, expected {want:?}"
    );
    let groups = ok(
        store.group_count(c, &Filter::new(), "name").await,
        "group_count",
    )?;
    let keys: Vec<String> = groups
        .iter()
        .filter_map(|g| match &g.key {
            Some(Scalar::Str(s)) => Some(s.clone()),
            _ => None,
        })
        .collect();
    ensure!(keys == want, "unicode group keys: {keys:?}");
    Ok(())
}
