//! The document store's implementations (the relational database by default, MongoDB with
//! `--features mongo`), what they share (preparing writes, keyset cursors, merging groups)
//! and the conformance suite both must pass.

pub mod conformance;
#[cfg(feature = "mongo")]
pub mod mongo;
pub mod relational;

use std::cmp::Ordering;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::contracts::documents::{
    DocumentStore, GroupCount, GroupStats, IndexSpec, MAX_INDEXED_STRING_CHARS, NewDocument, Query,
    Scalar, Sort, SortBy, validate_body, validate_id, validate_time,
};
use crate::db::Db;
use crate::http::AppError;

pub use relational::RelationalStore;

/// The configured document store: `kind` is `relational` (the default, on `db`) or
/// `mongodb` (at `mongo_url`, in a build with `--features mongo`).
pub async fn open(kind: &str, mongo_url: &str, db: Db) -> anyhow::Result<Arc<dyn DocumentStore>> {
    match kind.trim() {
        "" | "relational" => Ok(Arc::new(RelationalStore::new(db))),
        "mongodb" => open_mongo(mongo_url).await,
        other => anyhow::bail!(
            "configuration error: documents.store: unknown store '{other}' (use \"relational\" or \"mongodb\")"
        ),
    }
}

#[cfg(feature = "mongo")]
async fn open_mongo(url: &str) -> anyhow::Result<Arc<dyn DocumentStore>> {
    if url.trim().is_empty() {
        anyhow::bail!(
            "configuration error: documents.mongo_url: is empty but documents.store is \"mongodb\""
        );
    }
    Ok(Arc::new(mongo::MongoStore::connect(url).await?))
}

#[cfg(not(feature = "mongo"))]
async fn open_mongo(_url: &str) -> anyhow::Result<Arc<dyn DocumentStore>> {
    anyhow::bail!(
        "configuration error: documents.store: \"mongodb\" needs a build with `--features mongo`"
    )
}

/// A validated document ready to store: times at millisecond precision (what MongoDB
/// keeps), declared fields pulled out of the body.
#[derive(Debug, Clone)]
pub(crate) struct Prepared {
    pub id: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    /// MongoDB stores the value, the relational store its text.
    #[cfg_attr(not(feature = "mongo"), allow(dead_code))]
    pub body: Value,
    pub body_text: String,
    pub strings: [Option<String>; 3],
    pub number: Option<f64>,
}

pub(crate) fn prepare(
    doc: NewDocument,
    spec: &IndexSpec,
    now: DateTime<Utc>,
) -> Result<Prepared, AppError> {
    let id = match doc.id {
        Some(id) => {
            validate_id(&id)?;
            id
        }
        None => crate::db::new_id(),
    };
    let created_at = floor_millis(doc.created_at.unwrap_or(now));
    validate_time("created_at", created_at)?;
    let expires_at = doc.expires_at.map(floor_millis);
    if let Some(t) = expires_at {
        validate_time("expires_at", t)?;
    }
    prepare_body(id, created_at, expires_at, doc.body, spec)
}

pub(crate) fn prepare_body(
    id: String,
    created_at: DateTime<Utc>,
    expires_at: Option<DateTime<Utc>>,
    body: Value,
    spec: &IndexSpec,
) -> Result<Prepared, AppError> {
    let body_text = validate_body(&body)?;
    let mut strings: [Option<String>; 3] = Default::default();
    for (slot, field) in spec.strings.iter().enumerate().take(3) {
        if let Some(Value::String(s)) = lookup(&body, field) {
            if s.chars().count() > MAX_INDEXED_STRING_CHARS {
                return Err(AppError::invalid(
                    format!("body.{field}"),
                    format!(
                        "is indexed, so it holds at most {MAX_INDEXED_STRING_CHARS} characters"
                    ),
                ));
            }
            strings[slot] = Some(s.clone());
        }
    }
    let number = spec
        .number
        .as_deref()
        .and_then(|f| indexed_number(&body, f));
    Ok(Prepared {
        id,
        created_at,
        expires_at,
        body,
        body_text,
        strings,
        number,
    })
}

/// The value at a dotted path of an object body.
pub(crate) fn lookup<'a>(body: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(body, |v, segment| v.get(segment))
}

/// What an indexed string column holds for `field`: the string, if it is one short enough.
pub(crate) fn indexed_string(body: &Value, field: &str) -> Option<String> {
    match lookup(body, field) {
        Some(Value::String(s)) if s.chars().count() <= MAX_INDEXED_STRING_CHARS => Some(s.clone()),
        _ => None,
    }
}

/// What the indexed number column holds for `field`: the number, if it is one.
pub(crate) fn indexed_number(body: &Value, field: &str) -> Option<f64> {
    lookup(body, field).and_then(Value::as_f64)
}

pub(crate) fn floor_millis(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(t.timestamp_millis()).unwrap_or(t)
}

/// The first millisecond at or after `t`: `created_at >= t` and `created_at < t` mean the
/// same on millisecond-precision values whether or not the store keeps finer times.
pub(crate) fn ceil_millis(t: DateTime<Utc>) -> DateTime<Utc> {
    let floor = floor_millis(t);
    if floor == t {
        t
    } else {
        floor + TimeDelta::milliseconds(1)
    }
}

/// What a page is ordered by, resolved against the collection's declared fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SortKey<'a> {
    CreatedAt,
    /// A declared string field and its slot (0..3).
    Str(&'a str, usize),
    /// The declared number field.
    Num(&'a str),
}

pub(crate) fn sort_key<'a>(spec: &IndexSpec, sort: &'a Sort) -> Result<SortKey<'a>, AppError> {
    match &sort.by {
        SortBy::CreatedAt => Ok(SortKey::CreatedAt),
        SortBy::Field(field) => {
            crate::contracts::documents::validate_field(field)?;
            if let Some(slot) = spec.strings.iter().position(|f| f == field) {
                Ok(SortKey::Str(field, slot))
            } else if spec.number.as_deref() == Some(field.as_str()) {
                Ok(SortKey::Num(field))
            } else {
                Err(AppError::invalid(
                    "sort",
                    format!(
                        "'{field}' is not an indexed field of this collection; declare it with ensure_index to sort by it"
                    ),
                ))
            }
        }
    }
}

/// Where the previous page ended.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct After {
    pub value: SortValue,
    pub id: String,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum SortValue {
    Time(DateTime<Utc>),
    Str(Option<String>),
    Num(Option<f64>),
}

#[derive(Serialize, Deserialize)]
struct CursorToken {
    /// The query it belongs to.
    q: String,
    v: Value,
    i: String,
}

/// A short digest of collection, filter and sort: a cursor only continues its own query.
fn fingerprint(collection: &str, query: &Query) -> String {
    let mut hasher = Sha256::new();
    hasher.update(collection.as_bytes());
    hasher.update([0]);
    hasher.update(serde_json::to_vec(&query.filter).unwrap_or_default());
    hasher.update([0]);
    hasher.update(serde_json::to_vec(&query.sort).unwrap_or_default());
    hex::encode(&hasher.finalize()[..8])
}

/// The value a document sorts by, as a cursor records it.
pub(crate) fn sort_value(
    key: SortKey<'_>,
    doc: &crate::contracts::documents::Document,
) -> SortValue {
    match key {
        SortKey::CreatedAt => SortValue::Time(doc.created_at),
        SortKey::Str(field, _) => SortValue::Str(indexed_string(&doc.body, field)),
        SortKey::Num(field) => SortValue::Num(indexed_number(&doc.body, field)),
    }
}

pub(crate) fn encode_cursor(collection: &str, query: &Query, after: &After) -> String {
    let v = match &after.value {
        SortValue::Time(t) => Value::from(t.timestamp_millis()),
        SortValue::Str(s) => s.clone().map(Value::String).unwrap_or(Value::Null),
        SortValue::Num(n) => n.map(Value::from).unwrap_or(Value::Null),
    };
    let token = CursorToken {
        q: fingerprint(collection, query),
        v,
        i: after.id.clone(),
    };
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&token).unwrap_or_default())
}

pub(crate) fn decode_cursor(
    collection: &str,
    query: &Query,
    key: SortKey<'_>,
) -> Result<Option<After>, AppError> {
    let Some(cursor) = &query.cursor else {
        return Ok(None);
    };
    let bad = || AppError::invalid("cursor", "is not a cursor of this query");
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
    let token: CursorToken = serde_json::from_slice(&bytes).map_err(|_| bad())?;
    if token.q != fingerprint(collection, query) {
        return Err(AppError::invalid(
            "cursor",
            "belongs to another query (collection, filter and sort must stay the same)",
        ));
    }
    validate_id(&token.i).map_err(|_| bad())?;
    let value = match (key, token.v) {
        (SortKey::CreatedAt, Value::Number(n)) => SortValue::Time(
            n.as_i64()
                .and_then(DateTime::from_timestamp_millis)
                .ok_or_else(bad)?,
        ),
        (SortKey::Str(..), Value::String(s)) => SortValue::Str(Some(s)),
        (SortKey::Str(..), Value::Null) => SortValue::Str(None),
        (SortKey::Num(_), Value::Number(n)) => SortValue::Num(Some(n.as_f64().ok_or_else(bad)?)),
        (SortKey::Num(_), Value::Null) => SortValue::Num(None),
        _ => return Err(bad()),
    };
    Ok(Some(After { value, id: token.i }))
}

/// Validates a query's limit and returns it as a row count.
pub(crate) fn page_limit(query: &Query) -> Result<usize, AppError> {
    use crate::contracts::documents::MAX_LIMIT;
    if query.limit == 0 || query.limit > MAX_LIMIT {
        return Err(AppError::invalid(
            "limit",
            format!("must be between 1 and {MAX_LIMIT}"),
        ));
    }
    Ok(query.limit as usize)
}

/// One group as a store reports it, before groups with equal keys (5 and 5.0) are merged.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RawGroup {
    pub key: Option<Scalar>,
    /// Documents (group_count) or numeric values (group_stats).
    pub count: u64,
    pub sum: f64,
    pub min: Option<f64>,
    pub max: Option<f64>,
}

fn key_rank(key: &Option<Scalar>) -> u8 {
    match key {
        None => 0,
        Some(Scalar::Num(_)) => 1,
        Some(Scalar::Str(_)) => 2,
        Some(Scalar::Bool(_)) => 3,
    }
}

/// Missing first, then numbers, strings and booleans, each in their natural order.
pub(crate) fn compare_keys(a: &Option<Scalar>, b: &Option<Scalar>) -> Ordering {
    match (a, b) {
        (Some(Scalar::Num(x)), Some(Scalar::Num(y))) => x.partial_cmp(y).unwrap_or(Ordering::Equal),
        (Some(Scalar::Str(x)), Some(Scalar::Str(y))) => x.cmp(y),
        (Some(Scalar::Bool(x)), Some(Scalar::Bool(y))) => x.cmp(y),
        _ => key_rank(a).cmp(&key_rank(b)),
    }
}

pub(crate) fn merge_groups(mut raw: Vec<RawGroup>) -> Vec<RawGroup> {
    raw.sort_by(|a, b| compare_keys(&a.key, &b.key));
    let mut merged: Vec<RawGroup> = Vec::with_capacity(raw.len());
    for g in raw {
        match merged.last_mut() {
            Some(last) if compare_keys(&last.key, &g.key) == Ordering::Equal => {
                last.count += g.count;
                last.sum += g.sum;
                last.min = min_opt(last.min, g.min);
                last.max = max_opt(last.max, g.max);
            }
            _ => merged.push(g),
        }
    }
    merged
}

fn min_opt(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

fn max_opt(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

pub(crate) fn to_counts(raw: Vec<RawGroup>) -> Vec<GroupCount> {
    merge_groups(raw)
        .into_iter()
        .map(|g| GroupCount {
            key: g.key,
            count: g.count,
        })
        .collect()
}

pub(crate) fn to_stats(raw: Vec<RawGroup>, grouped: bool) -> Vec<GroupStats> {
    let mut merged = merge_groups(raw);
    if !grouped && merged.is_empty() {
        merged.push(RawGroup {
            key: None,
            count: 0,
            sum: 0.0,
            min: None,
            max: None,
        });
    }
    merged
        .into_iter()
        .map(|g| GroupStats {
            avg: (g.count > 0).then(|| g.sum / g.count as f64),
            key: g.key,
            count: g.count,
            sum: g.sum,
            min: g.min,
            max: g.max,
        })
        .collect()
}

pub(crate) fn too_many_groups() -> AppError {
    AppError::Unprocessable(format!(
        "more than {} groups; narrow the filter",
        crate::contracts::documents::MAX_GROUPS
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contracts::documents::{Filter, MAX_LIMIT};
    use serde_json::json;

    #[test]
    fn times_round_to_milliseconds_the_right_way() {
        let t = DateTime::parse_from_rfc3339("2026-01-02T03:04:05.123456Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default();
        assert_eq!(floor_millis(t).timestamp_micros() % 1000, 0);
        assert_eq!(floor_millis(t).timestamp_millis(), t.timestamp_millis());
        assert_eq!(ceil_millis(t).timestamp_millis(), t.timestamp_millis() + 1);
        let whole = floor_millis(t);
        assert_eq!(ceil_millis(whole), whole);
    }

    #[test]
    fn declared_fields_are_pulled_out() {
        let spec = IndexSpec::new()
            .string("actor")
            .string("entity.type")
            .number("amount");
        let body = json!({"actor": "u1", "entity": {"type": "order"}, "amount": 12.5});
        let p = prepare_body("x".into(), Utc::now(), None, body, &spec).unwrap();
        assert_eq!(p.strings[0].as_deref(), Some("u1"));
        assert_eq!(p.strings[1].as_deref(), Some("order"));
        assert_eq!(p.strings[2], None);
        assert_eq!(p.number, Some(12.5));
        // A number in a string field is not a string key.
        let body = json!({"actor": 5});
        let p = prepare_body("x".into(), Utc::now(), None, body, &spec).unwrap();
        assert_eq!(p.strings[0], None);
        let long = "x".repeat(MAX_INDEXED_STRING_CHARS + 1);
        assert!(prepare_body("x".into(), Utc::now(), None, json!({"actor": long}), &spec).is_err());
        assert!(prepare_body("x".into(), Utc::now(), None, json!([1]), &spec).is_err());
    }

    #[test]
    fn cursors_belong_to_their_query() {
        let q = Query::new(Filter::new().eq("actor", "u1")).limit(10);
        let key = SortKey::CreatedAt;
        let after = After {
            value: SortValue::Time(floor_millis(Utc::now())),
            id: "abc".into(),
        };
        let cursor = encode_cursor("audit", &q, &after);
        let next = q.clone().after(Some(cursor.clone()));
        assert_eq!(decode_cursor("audit", &next, key).unwrap(), Some(after));
        assert!(decode_cursor("security", &next, key).is_err());
        let other = Query::new(Filter::new().eq("actor", "u2")).after(Some(cursor));
        assert!(decode_cursor("audit", &other, key).is_err());
        let garbage = q.clone().after(Some("not-a-cursor!".into()));
        assert!(decode_cursor("audit", &garbage, key).is_err());
        assert!(page_limit(&q.clone().limit(0)).is_err());
        assert!(page_limit(&q.limit(MAX_LIMIT + 1)).is_err());
    }

    #[test]
    fn equal_keys_merge_and_sort() {
        let g = |key: Option<Scalar>, count| RawGroup {
            key,
            count,
            sum: count as f64,
            min: Some(1.0),
            max: Some(count as f64),
        };
        let merged = merge_groups(vec![
            g(Some(Scalar::Str("b".into())), 1),
            g(Some(Scalar::Num(5.0)), 2),
            g(None, 1),
            g(Some(Scalar::Num(5.0)), 3),
            g(Some(Scalar::Bool(true)), 1),
            g(Some(Scalar::Str("a".into())), 1),
        ]);
        let keys: Vec<_> = merged.iter().map(|g| g.key.clone()).collect();
        assert_eq!(
            keys,
            vec![
                None,
                Some(Scalar::Num(5.0)),
                Some(Scalar::Str("a".into())),
                Some(Scalar::Str("b".into())),
                Some(Scalar::Bool(true)),
            ]
        );
        assert_eq!(merged[1].count, 5);
        assert_eq!(merged[1].max, Some(3.0));
    }
}
