//! The document store on MongoDB (`--features mongo`, MongoDB 5.0 or later): one MongoDB
//! collection per document collection (`docs_<name>`), each document stored as
//! `{_id, created_at, expires_at?, body}` so caller fields never meet ours.
//!
//! Filters are built from validated field paths and typed values (`$eq`, `$gte`, `$lt`),
//! so a value is always data and never an operator.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use chrono::{DateTime, Utc};
use mongodb::bson::{self, Bson, Document as BsonDoc, doc};
use mongodb::error::{ErrorKind, WriteFailure};
use mongodb::options::{ClientOptions, IndexOptions};
use mongodb::{Client, Collection, Database, IndexModel};
use serde_json::Value;

use super::{
    After, Prepared, RawGroup, SortKey, SortValue, ceil_millis, decode_cursor, encode_cursor,
    floor_millis, page_limit, prepare, prepare_body, sort_key, sort_value, to_counts, to_stats,
    too_many_groups,
};
use crate::contracts::documents::{
    Document, DocumentStore, Filter, GroupCount, GroupStats, IndexSpec, MAX_BATCH, MAX_GROUPS,
    NewDocument, Page, Query, Scalar, Upserted, validate_collection, validate_field, validate_id,
};
use crate::http::AppError;

/// Names of MongoDB collections holding documents: the prefix, then the collection name.
const PREFIX: &str = "docs_";
/// Where each collection's `IndexSpec` is kept (`_id` = collection name).
const INDEXES: &str = "docs__indexes";
/// The database used when the URL names none.
const DEFAULT_DATABASE: &str = "kirana";
/// An upsert retries when another writer creates or deletes the document in between.
const UPSERT_ATTEMPTS: usize = 5;
const DUPLICATE_KEY: i32 = 11000;

pub struct MongoStore {
    db: Database,
    specs: RwLock<HashMap<String, Arc<IndexSpec>>>,
}

impl MongoStore {
    /// A store in the database the URL names (`mongodb://host/kirana`), else `kirana`.
    /// The driver connects lazily; the first operation reports an unreachable server.
    pub async fn connect(url: &str) -> anyhow::Result<MongoStore> {
        let masked = crate::config::mask_url(url);
        let mut options = ClientOptions::parse(url)
            .await
            .map_err(|e| anyhow::anyhow!("documents.mongo_url ({masked}): {}", e.kind))?;
        options.app_name = Some("kirana".into());
        let client = Client::with_options(options)
            .map_err(|e| anyhow::anyhow!("documents.mongo_url ({masked}): {}", e.kind))?;
        let db = client
            .default_database()
            .unwrap_or_else(|| client.database(DEFAULT_DATABASE));
        Ok(MongoStore::with_database(db))
    }

    pub fn with_database(db: Database) -> MongoStore {
        MongoStore {
            db,
            specs: RwLock::new(HashMap::new()),
        }
    }

    fn coll(&self, collection: &str) -> Collection<BsonDoc> {
        self.db.collection(&format!("{PREFIX}{collection}"))
    }

    async fn spec(&self, collection: &str) -> Result<Arc<IndexSpec>, AppError> {
        if let Some(spec) = self
            .specs
            .read()
            .ok()
            .and_then(|m| m.get(collection).cloned())
        {
            return Ok(spec);
        }
        let found = self
            .db
            .collection::<BsonDoc>(INDEXES)
            .find_one(doc! {"_id": collection})
            .await
            .map_err(db_error)?;
        let spec = match found.and_then(|d| d.get("spec").cloned()) {
            Some(b) => bson::from_bson::<IndexSpec>(b).map_err(|e| {
                AppError::internal(format!("index declaration of '{collection}': {e}"))
            })?,
            None => IndexSpec::default(),
        };
        let spec = Arc::new(spec);
        self.remember(collection, spec.clone());
        Ok(spec)
    }

    fn remember(&self, collection: &str, spec: Arc<IndexSpec>) {
        if let Ok(mut map) = self.specs.write() {
            map.insert(collection.to_string(), spec);
        }
    }
}

#[async_trait::async_trait]
impl DocumentStore for MongoStore {
    fn kind(&self) -> String {
        "mongodb".into()
    }

    async fn ensure_index(&self, collection: &str, spec: &IndexSpec) -> Result<(), AppError> {
        validate_collection(collection)?;
        spec.validate()?;
        self.coll(collection)
            .create_indexes(index_models(spec))
            .await
            .map_err(db_error)?;
        let spec_bson = bson::to_bson(spec)
            .map_err(|e| AppError::internal(format!("index declaration: {e}")))?;
        self.db
            .collection::<BsonDoc>(INDEXES)
            .replace_one(
                doc! {"_id": collection},
                doc! {"_id": collection, "spec": spec_bson},
            )
            .upsert(true)
            .await
            .map_err(db_error)?;
        self.remember(collection, Arc::new(spec.clone()));
        Ok(())
    }

    async fn insert(&self, collection: &str, doc: NewDocument) -> Result<String, AppError> {
        validate_collection(collection)?;
        let spec = self.spec(collection).await?;
        let p = prepare(doc, &spec, Utc::now())?;
        self.coll(collection)
            .insert_one(stored(&p)?)
            .await
            .map_err(|e| conflict(e, collection, &p.id))?;
        Ok(p.id)
    }

    async fn insert_many(
        &self,
        collection: &str,
        docs: Vec<NewDocument>,
    ) -> Result<Vec<String>, AppError> {
        validate_collection(collection)?;
        if docs.len() > MAX_BATCH {
            return Err(AppError::invalid(
                "documents",
                format!("at most {MAX_BATCH} per call"),
            ));
        }
        let spec = self.spec(collection).await?;
        let now = Utc::now();
        let prepared = docs
            .into_iter()
            .map(|d| prepare(d, &spec, now))
            .collect::<Result<Vec<_>, _>>()?;
        if prepared.is_empty() {
            return Ok(Vec::new());
        }
        let bodies = prepared.iter().map(stored).collect::<Result<Vec<_>, _>>()?;
        self.coll(collection)
            .insert_many(bodies)
            .await
            .map_err(|e| conflict(e, collection, "one of the documents"))?;
        Ok(prepared.into_iter().map(|p| p.id).collect())
    }

    async fn upsert(&self, collection: &str, id: &str, body: Value) -> Result<Upserted, AppError> {
        validate_collection(collection)?;
        validate_id(id)?;
        let spec = self.spec(collection).await?;
        let p = prepare_body(id.to_string(), floor_millis(Utc::now()), None, body, &spec)?;
        let coll = self.coll(collection);
        // A replacement (not `$set`) stores the body exactly as given, whatever its keys;
        // the times are carried over from the stored document.
        for _ in 0..UPSERT_ATTEMPTS {
            let existing = coll.find_one(doc! {"_id": id}).await.map_err(db_error)?;
            match existing {
                Some(old) => {
                    let mut new = stored(&p)?;
                    for key in ["created_at", "expires_at"] {
                        match old.get(key) {
                            Some(v) => new.insert(key, v.clone()),
                            None => new.remove(key),
                        };
                    }
                    let result = coll
                        .replace_one(doc! {"_id": id}, new)
                        .await
                        .map_err(db_error)?;
                    if result.matched_count > 0 {
                        return Ok(Upserted::Replaced);
                    }
                }
                None => match coll.insert_one(stored(&p)?).await {
                    Ok(_) => return Ok(Upserted::Created),
                    Err(e) if is_duplicate(&e) => {}
                    Err(e) => return Err(db_error(e)),
                },
            }
        }
        Err(AppError::Unavailable(
            "the document changed repeatedly while being replaced; try again".into(),
        ))
    }

    async fn get(&self, collection: &str, id: &str) -> Result<Option<Document>, AppError> {
        validate_collection(collection)?;
        validate_id(id)?;
        self.coll(collection)
            .find_one(doc! {"_id": id})
            .await
            .map_err(db_error)?
            .map(from_stored)
            .transpose()
    }

    async fn delete(&self, collection: &str, id: &str) -> Result<bool, AppError> {
        validate_collection(collection)?;
        validate_id(id)?;
        let result = self
            .coll(collection)
            .delete_one(doc! {"_id": id})
            .await
            .map_err(db_error)?;
        Ok(result.deleted_count > 0)
    }

    async fn query(&self, collection: &str, query: &Query) -> Result<Page, AppError> {
        validate_collection(collection)?;
        query.filter.validate()?;
        let limit = page_limit(query)?;
        let spec = self.spec(collection).await?;
        let key = sort_key(&spec, &query.sort)?;
        let after = decode_cursor(collection, query, key)?;
        let filter = page_filter(&query.filter, key, query.sort.descending, after.as_ref());
        let mut cursor = self
            .coll(collection)
            .find(filter)
            .sort(sort_doc(key, query.sort.descending))
            .limit(limit as i64 + 1)
            .await
            .map_err(db_error)?;
        let mut items = Vec::with_capacity(limit + 1);
        while cursor.advance().await.map_err(db_error)? {
            let raw: BsonDoc = cursor.deserialize_current().map_err(db_error)?;
            items.push(from_stored(raw)?);
        }
        let more = items.len() > limit;
        items.truncate(limit);
        let next_cursor = match items.last() {
            Some(last) if more => Some(encode_cursor(
                collection,
                query,
                &After {
                    value: sort_value(key, last),
                    id: last.id.clone(),
                },
            )),
            _ => None,
        };
        Ok(Page { items, next_cursor })
    }

    async fn count(&self, collection: &str, filter: &Filter) -> Result<u64, AppError> {
        validate_collection(collection)?;
        filter.validate()?;
        self.coll(collection)
            .count_documents(filter_doc(filter))
            .await
            .map_err(db_error)
    }

    async fn group_count(
        &self,
        collection: &str,
        filter: &Filter,
        group_by: &str,
    ) -> Result<Vec<GroupCount>, AppError> {
        validate_collection(collection)?;
        filter.validate()?;
        validate_field(group_by)?;
        let rows = self
            .aggregate(collection, count_pipeline(filter, group_by))
            .await?;
        Ok(to_counts(rows))
    }

    async fn group_stats(
        &self,
        collection: &str,
        filter: &Filter,
        group_by: Option<&str>,
        field: &str,
    ) -> Result<Vec<GroupStats>, AppError> {
        validate_collection(collection)?;
        filter.validate()?;
        validate_field(field)?;
        if let Some(g) = group_by {
            validate_field(g)?;
        }
        let rows = self
            .aggregate(collection, stats_pipeline(filter, group_by, field))
            .await?;
        Ok(to_stats(rows, group_by.is_some()))
    }

    async fn purge_expired(&self, now: DateTime<Utc>) -> Result<u64, AppError> {
        let names = self
            .db
            .list_collection_names()
            .filter(doc! {"name": {"$regex": format!("^{PREFIX}[a-z]")}})
            .await
            .map_err(db_error)?;
        let cutoff = bson_time(floor_millis(now));
        let mut total = 0;
        for name in names {
            let result = self
                .db
                .collection::<BsonDoc>(&name)
                .delete_many(doc! {"expires_at": {"$lte": cutoff}})
                .await
                .map_err(db_error)?;
            total += result.deleted_count;
        }
        Ok(total)
    }

    async fn purge_older_than(
        &self,
        collection: &str,
        cutoff: DateTime<Utc>,
    ) -> Result<u64, AppError> {
        validate_collection(collection)?;
        let result = self
            .coll(collection)
            .delete_many(doc! {"created_at": {"$lt": bson_time(ceil_millis(cutoff))}})
            .await
            .map_err(db_error)?;
        Ok(result.deleted_count)
    }
}

impl MongoStore {
    async fn aggregate(
        &self,
        collection: &str,
        pipeline: Vec<BsonDoc>,
    ) -> Result<Vec<RawGroup>, AppError> {
        let mut cursor = self
            .coll(collection)
            .aggregate(pipeline)
            .await
            .map_err(db_error)?;
        let mut rows = Vec::new();
        while cursor.advance().await.map_err(db_error)? {
            let raw: BsonDoc = cursor.deserialize_current().map_err(db_error)?;
            rows.push(group_from_bson(&raw));
            if rows.len() > MAX_GROUPS {
                return Err(too_many_groups());
            }
        }
        Ok(rows)
    }
}

fn is_duplicate(e: &mongodb::error::Error) -> bool {
    match &*e.kind {
        ErrorKind::Write(WriteFailure::WriteError(w)) => w.code == DUPLICATE_KEY,
        ErrorKind::InsertMany(m) => m
            .write_errors
            .as_ref()
            .is_some_and(|errors| errors.iter().any(|w| w.code == DUPLICATE_KEY)),
        _ => false,
    }
}

fn conflict(e: mongodb::error::Error, collection: &str, id: &str) -> AppError {
    if is_duplicate(&e) {
        AppError::Conflict(format!("document '{id}' already exists in '{collection}'"))
    } else {
        db_error(e)
    }
}

fn db_error(e: mongodb::error::Error) -> AppError {
    match &*e.kind {
        ErrorKind::ServerSelection { .. }
        | ErrorKind::Io(_)
        | ErrorKind::ConnectionPoolCleared { .. } => {
            tracing::warn!(error = %e, "MongoDB unreachable");
            AppError::Unavailable("the document store is unreachable; try again shortly".into())
        }
        _ => AppError::internal(format!("mongodb: {e}")),
    }
}

fn bson_time(t: DateTime<Utc>) -> bson::DateTime {
    bson::DateTime::from_millis(t.timestamp_millis())
}

fn chrono_time(t: &bson::DateTime) -> Result<DateTime<Utc>, AppError> {
    DateTime::from_timestamp_millis(t.timestamp_millis())
        .ok_or_else(|| AppError::internal("a stored time is out of range"))
}

fn path(field: &str) -> String {
    format!("body.{field}")
}

fn scalar(value: &Scalar) -> Bson {
    match value {
        Scalar::Str(s) => Bson::String(s.clone()),
        Scalar::Num(n) => Bson::Double(*n),
        Scalar::Bool(b) => Bson::Boolean(*b),
    }
}

fn condition(key: String, value: Bson) -> Bson {
    let mut d = BsonDoc::new();
    d.insert(key, value);
    Bson::Document(d)
}

/// The MongoDB document for a prepared one.
fn stored(p: &Prepared) -> Result<BsonDoc, AppError> {
    let body = bson::to_bson(&p.body)
        .map_err(|e| AppError::invalid("body", format!("cannot be stored: {e}")))?;
    let mut d = doc! {
        "_id": &p.id,
        "created_at": bson_time(p.created_at),
        "body": body,
    };
    if let Some(t) = p.expires_at {
        d.insert("expires_at", bson_time(t));
    }
    Ok(d)
}

fn from_stored(d: BsonDoc) -> Result<Document, AppError> {
    let broken = |what: &str| AppError::internal(format!("stored document without {what}"));
    let id = d.get_str("_id").map_err(|_| broken("_id"))?.to_string();
    let created_at = chrono_time(
        d.get_datetime("created_at")
            .map_err(|_| broken("created_at"))?,
    )?;
    let expires_at = match d.get("expires_at") {
        Some(Bson::DateTime(t)) => Some(chrono_time(t)?),
        _ => None,
    };
    let body = match d.get("body") {
        Some(b @ Bson::Document(_)) => to_json(b.clone()),
        _ => return Err(broken("body")),
    };
    Ok(Document {
        id,
        created_at,
        expires_at,
        body,
    })
}

/// BSON back to JSON. Only what `stored` writes is expected, but a value written by
/// other tools (Decimal128, dates) must not panic the conversion.
fn to_json(value: Bson) -> Value {
    match value {
        Bson::Document(d) => Value::Object(d.into_iter().map(|(k, v)| (k, to_json(v))).collect()),
        Bson::Array(a) => Value::Array(a.into_iter().map(to_json).collect()),
        Bson::Decimal128(d) => Value::String(d.to_string()),
        other => other.into_relaxed_extjson(),
    }
}

fn index_models(spec: &IndexSpec) -> Vec<IndexModel> {
    let mut ttl = IndexOptions::default();
    // Documents go once `expires_at` passes; `purge_expired` deletes the same ones at once.
    ttl.expire_after = Some(Duration::ZERO);
    let mut models = vec![
        IndexModel::builder()
            .keys(doc! {"created_at": 1, "_id": 1})
            .build(),
        IndexModel::builder()
            .keys(doc! {"expires_at": 1})
            .options(ttl)
            .build(),
    ];
    for field in spec.strings.iter().chain(spec.number.iter()) {
        let mut keys = BsonDoc::new();
        keys.insert(path(field), 1);
        keys.insert("created_at", 1);
        keys.insert("_id", 1);
        models.push(IndexModel::builder().keys(keys).build());
    }
    models
}

fn filter_parts(filter: &Filter) -> Vec<Bson> {
    let mut parts = Vec::new();
    for (field, value) in &filter.equals {
        parts.push(condition(
            path(field),
            Bson::Document(doc! {"$eq": scalar(value)}),
        ));
    }
    let mut created = BsonDoc::new();
    if let Some(from) = filter.created_from {
        created.insert("$gte", bson_time(ceil_millis(from)));
    }
    if let Some(to) = filter.created_to {
        created.insert("$lt", bson_time(ceil_millis(to)));
    }
    if !created.is_empty() {
        parts.push(condition("created_at".into(), Bson::Document(created)));
    }
    if let Some(range) = &filter.range {
        let mut bounds = BsonDoc::new();
        if let Some(from) = &range.from {
            bounds.insert("$gte", scalar(from));
        }
        if let Some(to) = &range.to {
            bounds.insert("$lt", scalar(to));
        }
        if !bounds.is_empty() {
            parts.push(condition(path(&range.field), Bson::Document(bounds)));
        }
    }
    parts
}

fn all_of(parts: Vec<Bson>) -> BsonDoc {
    if parts.is_empty() {
        BsonDoc::new()
    } else {
        doc! {"$and": parts}
    }
}

pub(crate) fn filter_doc(filter: &Filter) -> BsonDoc {
    all_of(filter_parts(filter))
}

fn sort_path(key: SortKey<'_>) -> String {
    match key {
        SortKey::CreatedAt => "created_at".into(),
        SortKey::Str(field, _) | SortKey::Num(field) => path(field),
    }
}

pub(crate) fn sort_doc(key: SortKey<'_>, descending: bool) -> BsonDoc {
    let dir = if descending { -1 } else { 1 };
    let mut d = BsonDoc::new();
    d.insert(sort_path(key), dir);
    d.insert("_id", dir);
    d
}

/// The filter of one page: the query's conditions and, after a cursor, the keyset
/// condition "after (value, id)" in the sort's direction. Missing values sort first
/// ascending and last descending, as on the relational store.
pub(crate) fn page_filter(
    filter: &Filter,
    key: SortKey<'_>,
    descending: bool,
    after: Option<&After>,
) -> BsonDoc {
    let mut parts = filter_parts(filter);
    if let Some(after) = after {
        let field = sort_path(key);
        let op = if descending { "$lt" } else { "$gt" };
        let id = Bson::String(after.id.clone());
        let value = match &after.value {
            SortValue::Time(t) => Some(Bson::DateTime(bson_time(*t))),
            SortValue::Str(s) => s.clone().map(Bson::String),
            SortValue::Num(n) => n.map(Bson::Double),
        };
        let missing = || condition(field.clone(), Bson::Document(doc! {"$eq": Bson::Null}));
        let clause = match value {
            Some(v) => {
                let mut beyond = vec![
                    condition(field.clone(), Bson::Document(doc! {op: v.clone()})),
                    {
                        let mut tie = BsonDoc::new();
                        tie.insert(field.clone(), doc! {"$eq": v});
                        tie.insert("_id", doc! {op: id});
                        Bson::Document(tie)
                    },
                ];
                if descending && key != SortKey::CreatedAt {
                    beyond.push(missing());
                }
                doc! {"$or": beyond}
            }
            None if descending => {
                let mut tie = BsonDoc::new();
                tie.insert(field.clone(), doc! {"$eq": Bson::Null});
                tie.insert("_id", doc! {"$lt": id});
                tie
            }
            None => {
                let mut tie = BsonDoc::new();
                tie.insert(field.clone(), doc! {"$eq": Bson::Null});
                tie.insert("_id", doc! {"$gt": id});
                doc! {"$or": [tie, condition(field.clone(), Bson::Document(doc! {"$ne": Bson::Null}))]}
            }
        };
        parts.push(Bson::Document(clause));
    }
    all_of(parts)
}

fn field_ref(field: &str) -> String {
    format!("$body.{field}")
}

pub(crate) fn count_pipeline(filter: &Filter, group_by: &str) -> Vec<BsonDoc> {
    vec![
        doc! {"$match": filter_doc(filter)},
        doc! {"$group": {"_id": field_ref(group_by), "n": {"$sum": 1}}},
        doc! {"$limit": (MAX_GROUPS + 1) as i64},
    ]
}

pub(crate) fn stats_pipeline(filter: &Filter, group_by: Option<&str>, field: &str) -> Vec<BsonDoc> {
    let value = field_ref(field);
    let is_number = doc! {"$isNumber": &value};
    let number_or_null = doc! {"$cond": [is_number.clone(), &value, Bson::Null]};
    let key = match group_by {
        Some(g) => Bson::String(field_ref(g)),
        None => Bson::Null,
    };
    vec![
        doc! {"$match": filter_doc(filter)},
        doc! {"$group": {
            "_id": key,
            "n": {"$sum": {"$cond": [is_number, 1, 0]}},
            "s": {"$sum": &value},
            "lo": {"$min": number_or_null.clone()},
            "hi": {"$max": number_or_null},
        }},
        doc! {"$limit": (MAX_GROUPS + 1) as i64},
    ]
}

fn number(value: Option<&Bson>) -> Option<f64> {
    match value? {
        Bson::Double(n) => Some(*n),
        Bson::Int32(n) => Some(f64::from(*n)),
        Bson::Int64(n) => Some(*n as f64),
        Bson::Decimal128(d) => d.to_string().parse().ok(),
        _ => None,
    }
}

fn group_from_bson(d: &BsonDoc) -> RawGroup {
    let key = match d.get("_id") {
        None | Some(Bson::Null) | Some(Bson::Undefined) => None,
        Some(Bson::String(s)) => Some(Scalar::Str(s.clone())),
        Some(Bson::Boolean(b)) => Some(Scalar::Bool(*b)),
        Some(other) => match number(Some(other)) {
            Some(n) => Some(Scalar::Num(n)),
            None => Some(Scalar::Str(to_json(other.clone()).to_string())),
        },
    };
    RawGroup {
        key,
        count: number(d.get("n")).unwrap_or(0.0).max(0.0) as u64,
        sum: number(d.get("s")).unwrap_or(0.0),
        min: number(d.get("lo")),
        max: number(d.get("hi")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn filters_are_typed_and_nested_under_body() {
        let f = Filter::new()
            .eq("actor", "u1")
            .eq("entity.type", "order")
            .eq("rating", 5)
            .eq("verified", true);
        let d = filter_doc(&f);
        let parts = d.get_array("$and").unwrap();
        assert_eq!(parts.len(), 4);
        assert_eq!(parts[0], Bson::Document(doc! {"body.actor": {"$eq": "u1"}}));
        assert_eq!(
            parts[1],
            Bson::Document(doc! {"body.entity.type": {"$eq": "order"}})
        );
        assert_eq!(parts[2], Bson::Document(doc! {"body.rating": {"$eq": 5.0}}));
        assert_eq!(
            parts[3],
            Bson::Document(doc! {"body.verified": {"$eq": true}})
        );
        assert_eq!(filter_doc(&Filter::new()), doc! {});
    }

    #[test]
    fn operator_looking_values_stay_values() {
        let f = Filter::new()
            .eq("actor", "{\"$ne\": null}")
            .eq("note", "$where");
        let d = filter_doc(&f);
        let parts = d.get_array("$and").unwrap();
        assert_eq!(
            parts[0],
            Bson::Document(doc! {"body.actor": {"$eq": "{\"$ne\": null}"}})
        );
        assert_eq!(
            parts[1],
            Bson::Document(doc! {"body.note": {"$eq": "$where"}})
        );
    }

    #[test]
    fn ranges_and_created_at() {
        let from = DateTime::from_timestamp_millis(1_700_000_000_000).unwrap();
        let f = Filter::new().created_between(Some(from), None).range(
            "rating",
            Some(2.into()),
            Some(4.into()),
        );
        let d = filter_doc(&f);
        let parts = d.get_array("$and").unwrap();
        assert_eq!(
            parts[0],
            Bson::Document(doc! {"created_at": {"$gte": bson_time(from)}})
        );
        assert_eq!(
            parts[1],
            Bson::Document(doc! {"body.rating": {"$gte": 2.0, "$lt": 4.0}})
        );
    }

    #[test]
    fn keyset_after_a_cursor() {
        let t = DateTime::from_timestamp_millis(1_700_000_000_000).unwrap();
        let after = After {
            value: SortValue::Time(t),
            id: "b".into(),
        };
        let d = page_filter(&Filter::new(), SortKey::CreatedAt, true, Some(&after));
        let parts = d.get_array("$and").unwrap();
        assert_eq!(
            parts[0],
            Bson::Document(doc! {"$or": [
                {"created_at": {"$lt": bson_time(t)}},
                {"created_at": {"$eq": bson_time(t)}, "_id": {"$lt": "b"}},
            ]})
        );
        assert_eq!(
            sort_doc(SortKey::CreatedAt, true),
            doc! {"created_at": -1, "_id": -1}
        );
        let after = After {
            value: SortValue::Num(Some(3.0)),
            id: "b".into(),
        };
        let d = page_filter(&Filter::new(), SortKey::Num("rating"), true, Some(&after));
        let parts = d.get_array("$and").unwrap();
        assert_eq!(
            parts[0],
            Bson::Document(doc! {"$or": [
                {"body.rating": {"$lt": 3.0}},
                {"body.rating": {"$eq": 3.0}, "_id": {"$lt": "b"}},
                {"body.rating": {"$eq": null}},
            ]})
        );
        let after = After {
            value: SortValue::Str(None),
            id: "b".into(),
        };
        let d = page_filter(
            &Filter::new(),
            SortKey::Str("actor", 0),
            false,
            Some(&after),
        );
        let parts = d.get_array("$and").unwrap();
        assert_eq!(
            parts[0],
            Bson::Document(doc! {"$or": [
                {"body.actor": {"$eq": null}, "_id": {"$gt": "b"}},
                {"body.actor": {"$ne": null}},
            ]})
        );
    }

    #[test]
    fn documents_round_trip_through_bson() {
        let spec = IndexSpec::default();
        let body = json!({"a": 1, "b": 2.5, "c": "ü🎉", "d": [true, null], "e": {"f": "g"}});
        let p = prepare_body(
            "id1".into(),
            floor_millis(Utc::now()),
            Some(floor_millis(Utc::now())),
            body.clone(),
            &spec,
        )
        .unwrap();
        let back = from_stored(stored(&p).unwrap()).unwrap();
        assert_eq!(back.body, body);
        assert_eq!(back.created_at, p.created_at);
        assert_eq!(back.expires_at, p.expires_at);
        assert_eq!(to_json(Bson::Int32(3)), json!(3));
    }

    #[test]
    fn pipelines_and_groups() {
        let p = stats_pipeline(&Filter::new(), Some("product_id"), "rating");
        let group = p[1].get_document("$group").unwrap();
        assert_eq!(group.get_str("_id").unwrap(), "$body.product_id");
        let p = count_pipeline(&Filter::new().eq("a", "x"), "entity.type");
        assert_eq!(
            p[1].get_document("$group").unwrap().get_str("_id").unwrap(),
            "$body.entity.type"
        );
        let g = group_from_bson(&doc! {"_id": 5_i32, "n": 2_i64, "s": 9_i32, "lo": 4.0, "hi": 5});
        assert_eq!(g.key, Some(Scalar::Num(5.0)));
        assert_eq!(
            (g.count, g.sum, g.min, g.max),
            (2, 9.0, Some(4.0), Some(5.0))
        );
        let models = index_models(&IndexSpec::new().string("actor").number("rating"));
        assert_eq!(models.len(), 4);
        assert_eq!(
            models[1].options.as_ref().and_then(|o| o.expire_after),
            Some(Duration::ZERO)
        );
        assert_eq!(
            models[2].keys,
            doc! {"body.actor": 1, "created_at": 1, "_id": 1}
        );
    }
}
