//! The document store on the project's database (SQLite, or MySQL/MariaDB): one
//! `documents` table with bodies as JSON text; the fields a collection declares are copied
//! into the indexed columns `k1`..`k3` (strings) and `n1` (a number).
//!
//! Every value reaches SQL as a bound parameter, JSON paths included; the only text spliced
//! into statements is this module's own (column names, operators, validated limits).

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use diesel::query_builder::{BoxedSqlQuery, SqlQuery};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::sql_types::{BigInt, Double, Nullable, Text, Timestamp};
use serde_json::Value;

use super::{
    After, Prepared, RawGroup, SortKey, SortValue, ceil_millis, decode_cursor, encode_cursor,
    floor_millis, page_limit, prepare, prepare_body, sort_key, sort_value, to_counts, to_stats,
    too_many_groups,
};
use crate::contracts::documents::{
    Document, DocumentStore, Filter, GroupCount, GroupStats, IndexSpec, MAX_BATCH, MAX_GROUPS,
    MAX_INDEXED_STRING_CHARS, NewDocument, Page, Query, Scalar, Upserted, validate_collection,
    validate_field, validate_id,
};
use crate::db::{Backend, Db, DbConnection};
use crate::http::AppError;
use crate::schema::documents;

/// Rows of this pseudo-collection hold each collection's `IndexSpec` (id = collection).
/// A leading `_` is no valid collection name, so callers can neither read nor clobber it.
const INDEXES: &str = "_indexes";
/// Rows one purge statement deletes: a big purge never holds SQLite's one writer for long.
const PURGE_BATCH: usize = 2000;

type MultiBackend = <DbConnection as diesel::Connection>::Backend;

pub struct RelationalStore {
    db: Db,
    /// Index declarations per collection, read from `_indexes` once per process.
    specs: RwLock<HashMap<String, Arc<IndexSpec>>>,
}

impl RelationalStore {
    pub fn new(db: Db) -> Self {
        RelationalStore {
            db,
            specs: RwLock::new(HashMap::new()),
        }
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
        let c = collection.to_string();
        let spec = Arc::new(
            self.db
                .read(move |conn| load_spec(conn, &c))
                .await?
                .unwrap_or_default(),
        );
        self.remember(collection, spec.clone());
        Ok(spec)
    }

    fn remember(&self, collection: &str, spec: Arc<IndexSpec>) {
        if let Ok(mut map) = self.specs.write() {
            map.insert(collection.to_string(), spec);
        }
    }

    /// Records `spec` for `collection` and re-extracts its documents, unless that is the
    /// declaration already recorded.
    async fn declare(&self, collection: &str, spec: &IndexSpec) -> Result<(), AppError> {
        let (c, s, backend) = (collection.to_string(), spec.clone(), self.db.backend());
        self.db
            .write(move |conn| {
                if load_spec(conn, &c)?.as_ref() == Some(&s) {
                    return Ok(());
                }
                diesel::delete(
                    documents::table
                        .filter(documents::collection.eq(INDEXES))
                        .filter(documents::id.eq(&c)),
                )
                .execute(conn)?;
                let declaration = Prepared {
                    id: c.clone(),
                    created_at: floor_millis(Utc::now()),
                    expires_at: None,
                    body: Value::Null,
                    body_text: serde_json::to_string(&s)?,
                    strings: Default::default(),
                    number: None,
                };
                insert_row(conn, backend, INDEXES, &declaration)?;
                let rows = boxed(backfill(backend, &c, &s)).execute(conn)?;
                tracing::info!(collection = %c, rows, "document index declaration changed; re-indexed");
                Ok(())
            })
            .await
    }

    async fn load(&self, sql: Sql) -> Result<Vec<DocRow>, AppError> {
        self.db
            .read(move |conn| Ok(boxed(sql).load::<DocRow>(conn)?))
            .await
    }

    async fn purge(&self, condition: Sql) -> Result<u64, AppError> {
        let backend = self.db.backend();
        let mut total = 0u64;
        loop {
            let mut q = Sql::new(backend);
            match backend {
                Backend::Sqlite => {
                    q.push(
                        "DELETE FROM documents WHERE rowid IN (SELECT rowid FROM documents WHERE ",
                    );
                    q.append(condition.clone());
                    q.push(&format!(" LIMIT {PURGE_BATCH})"));
                }
                Backend::Mysql => {
                    q.push("DELETE FROM documents WHERE ");
                    q.append(condition.clone());
                    q.push(&format!(" LIMIT {PURGE_BATCH}"));
                }
            }
            let deleted = self
                .db
                .write_single(move |conn| Ok(boxed(q).execute(conn)?))
                .await?;
            total += deleted as u64;
            if deleted < PURGE_BATCH {
                return Ok(total);
            }
        }
    }
}

#[async_trait::async_trait]
impl DocumentStore for RelationalStore {
    fn kind(&self) -> String {
        format!("relational/{}", self.db.backend().name())
    }

    async fn ensure_index(&self, collection: &str, spec: &IndexSpec) -> Result<(), AppError> {
        validate_collection(collection)?;
        spec.validate()?;
        // Instances starting together may declare at once; on MySQL one of them can lose a
        // deadlock over the declaration row, and its retry finds the declaration made.
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.declare(collection, spec).await {
                Err(AppError::Unavailable(_) | AppError::Conflict(_)) if attempt < 3 => {
                    tokio::time::sleep(std::time::Duration::from_millis(50 * attempt)).await;
                }
                result => break result?,
            }
        }
        self.remember(collection, Arc::new(spec.clone()));
        Ok(())
    }

    async fn insert(&self, collection: &str, doc: NewDocument) -> Result<String, AppError> {
        validate_collection(collection)?;
        let spec = self.spec(collection).await?;
        let p = prepare(doc, &spec, Utc::now())?;
        let (c, backend) = (collection.to_string(), self.db.backend());
        self.db
            .write_single(move |conn| {
                insert_row(conn, backend, &c, &p).map_err(|e| conflict(e, &c, &p.id))?;
                Ok(p.id)
            })
            .await
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
        let (c, backend) = (collection.to_string(), self.db.backend());
        self.db
            .write(move |conn| {
                let mut ids = Vec::with_capacity(prepared.len());
                for p in prepared {
                    insert_row(conn, backend, &c, &p).map_err(|e| conflict(e, &c, &p.id))?;
                    ids.push(p.id);
                }
                Ok(ids)
            })
            .await
    }

    async fn upsert(&self, collection: &str, id: &str, body: Value) -> Result<Upserted, AppError> {
        validate_collection(collection)?;
        validate_id(id)?;
        let spec = self.spec(collection).await?;
        let p = prepare_body(id.to_string(), floor_millis(Utc::now()), None, body, &spec)?;
        let (c, backend) = (collection.to_string(), self.db.backend());
        self.db
            .write(move |conn| {
                if replace_body(conn, &c, &p)? > 0 {
                    return Ok(Upserted::Replaced);
                }
                match insert_row(conn, backend, &c, &p) {
                    Ok(_) => Ok(Upserted::Created),
                    // Created by another instance since the update found nothing.
                    Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => {
                        replace_body(conn, &c, &p)?;
                        Ok(Upserted::Replaced)
                    }
                    Err(e) => Err(e.into()),
                }
            })
            .await
    }

    async fn get(&self, collection: &str, id: &str) -> Result<Option<Document>, AppError> {
        validate_collection(collection)?;
        validate_id(id)?;
        let (c, i) = (collection.to_string(), id.to_string());
        let row = self
            .db
            .read(move |conn| {
                Ok(documents::table
                    .filter(documents::collection.eq(&c))
                    .filter(documents::id.eq(&i))
                    .select((
                        documents::id,
                        documents::created_at,
                        documents::expires_at,
                        documents::body,
                    ))
                    .first::<(String, NaiveDateTime, Option<NaiveDateTime>, String)>(conn)
                    .optional()?)
            })
            .await?;
        row.map(|(id, created_at, expires_at, body)| {
            DocRow {
                id,
                created_at,
                expires_at,
                body,
            }
            .into_document()
        })
        .transpose()
    }

    async fn delete(&self, collection: &str, id: &str) -> Result<bool, AppError> {
        validate_collection(collection)?;
        validate_id(id)?;
        let (c, i) = (collection.to_string(), id.to_string());
        let deleted = self
            .db
            .write_single(move |conn| {
                Ok(diesel::delete(
                    documents::table
                        .filter(documents::collection.eq(&c))
                        .filter(documents::id.eq(&i)),
                )
                .execute(conn)?)
            })
            .await?;
        Ok(deleted > 0)
    }

    async fn query(&self, collection: &str, query: &Query) -> Result<Page, AppError> {
        validate_collection(collection)?;
        query.filter.validate()?;
        let limit = page_limit(query)?;
        let spec = self.spec(collection).await?;
        let key = sort_key(&spec, &query.sort)?;
        let after = decode_cursor(collection, query, key)?;
        let sql = select_page(
            self.db.backend(),
            &spec,
            collection,
            &query.filter,
            key,
            query.sort.descending,
            after.as_ref(),
            limit,
        );
        let mut rows = self.load(sql).await?;
        let more = rows.len() > limit;
        rows.truncate(limit);
        let items = rows
            .into_iter()
            .map(DocRow::into_document)
            .collect::<Result<Vec<_>, _>>()?;
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
        let spec = self.spec(collection).await?;
        let mut q = Sql::new(self.db.backend());
        q.push("SELECT COUNT(*) AS n FROM documents WHERE ");
        push_filter(&mut q, &spec, collection, filter);
        let n = self
            .db
            .read(move |conn| Ok(boxed(q).get_result::<CountRow>(conn)?.n))
            .await?;
        Ok(n.max(0) as u64)
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
        let spec = self.spec(collection).await?;
        let backend = self.db.backend();
        let json = Json(backend);
        let mut q = Sql::new(backend);
        q.push("SELECT ");
        json.type_of(&mut q, group_by);
        q.push(" AS t, ");
        json.key_text(&mut q, group_by);
        q.push(" AS v, COUNT(*) AS n, NULL AS s, NULL AS lo, NULL AS hi FROM documents WHERE ");
        push_filter(&mut q, &spec, collection, filter);
        q.push(&format!(" GROUP BY t, v LIMIT {}", MAX_GROUPS + 1));
        let rows = self
            .db
            .read(move |conn| Ok(boxed(q).load::<GroupRow>(conn)?))
            .await?;
        if rows.len() > MAX_GROUPS {
            return Err(too_many_groups());
        }
        Ok(to_counts(
            rows.into_iter().map(GroupRow::into_raw).collect(),
        ))
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
        let spec = self.spec(collection).await?;
        let backend = self.db.backend();
        let json = Json(backend);
        let value = if spec.number.as_deref() == Some(field) {
            Operand::Column("n1".into())
        } else {
            Operand::JsonNumber(field.to_string())
        };
        let mut q = Sql::new(backend);
        q.push("SELECT ");
        match group_by {
            Some(g) => {
                json.type_of(&mut q, g);
                q.push(" AS t, ");
                json.key_text(&mut q, g);
                q.push(" AS v, ");
            }
            None => {
                q.push("NULL AS t, NULL AS v, ");
            }
        }
        let aggregate = |q: &mut Sql, prefix: &str, suffix: &str| {
            q.push(prefix);
            value.write(q, &json);
            q.push(suffix);
        };
        aggregate(&mut q, "COUNT(", ") AS n, ");
        match backend {
            Backend::Sqlite => {
                aggregate(&mut q, "TOTAL(", ") AS s, ");
                aggregate(&mut q, "CAST(MIN(", ") AS REAL) AS lo, ");
                aggregate(&mut q, "CAST(MAX(", ") AS REAL) AS hi");
            }
            Backend::Mysql => {
                aggregate(&mut q, "COALESCE(SUM(", "), 0e0) AS s, ");
                aggregate(&mut q, "MIN(", ") AS lo, ");
                aggregate(&mut q, "MAX(", ") AS hi");
            }
        }
        q.push(" FROM documents WHERE ");
        push_filter(&mut q, &spec, collection, filter);
        if group_by.is_some() {
            q.push(&format!(" GROUP BY t, v LIMIT {}", MAX_GROUPS + 1));
        }
        let rows = self
            .db
            .read(move |conn| Ok(boxed(q).load::<GroupRow>(conn)?))
            .await?;
        if rows.len() > MAX_GROUPS {
            return Err(too_many_groups());
        }
        Ok(to_stats(
            rows.into_iter().map(GroupRow::into_raw).collect(),
            group_by.is_some(),
        ))
    }

    async fn purge_expired(&self, now: DateTime<Utc>) -> Result<u64, AppError> {
        let mut condition = Sql::new(self.db.backend());
        condition
            .push("expires_at IS NOT NULL AND expires_at <= ")
            .param(Bind::Time(naive(floor_millis(now))));
        self.purge(condition).await
    }

    async fn purge_older_than(
        &self,
        collection: &str,
        cutoff: DateTime<Utc>,
    ) -> Result<u64, AppError> {
        validate_collection(collection)?;
        let mut condition = Sql::new(self.db.backend());
        condition
            .push("collection = ")
            .param(Bind::Text(collection.to_string()))
            .push(" AND created_at < ")
            .param(Bind::Time(naive(ceil_millis(cutoff))));
        self.purge(condition).await
    }
}

fn naive(t: DateTime<Utc>) -> NaiveDateTime {
    t.naive_utc()
}

fn load_spec(conn: &mut DbConnection, collection: &str) -> Result<Option<IndexSpec>, AppError> {
    let body: Option<String> = documents::table
        .filter(documents::collection.eq(INDEXES))
        .filter(documents::id.eq(collection))
        .select(documents::body)
        .first(conn)
        .optional()?;
    match body {
        Some(text) => Ok(Some(serde_json::from_str(&text).map_err(|e| {
            AppError::internal(format!("index declaration of '{collection}': {e}"))
        })?)),
        None => Ok(None),
    }
}

fn insert_row(
    conn: &mut DbConnection,
    backend: Backend,
    collection: &str,
    p: &Prepared,
) -> QueryResult<usize> {
    let mut q = Sql::new(backend);
    q.push("INSERT INTO documents (collection, id, created_at, expires_at, body, k1, k2, k3, n1) VALUES (")
        .param(Bind::Text(collection.to_string()))
        .push(", ")
        .param(Bind::Text(p.id.clone()))
        .push(", ")
        .param(Bind::Time(naive(p.created_at)));
    let optional = [
        p.expires_at.map(|t| Bind::Time(naive(t))),
        Some(Bind::Text(p.body_text.clone())),
        p.strings[0].clone().map(Bind::Text),
        p.strings[1].clone().map(Bind::Text),
        p.strings[2].clone().map(Bind::Text),
        p.number.map(Bind::Num),
    ];
    for value in optional {
        q.push(", ");
        match value {
            Some(bind) => q.param(bind),
            None => q.push("NULL"),
        };
    }
    q.push(")");
    boxed(q).execute(conn)
}

fn replace_body(conn: &mut DbConnection, collection: &str, p: &Prepared) -> QueryResult<usize> {
    diesel::update(
        documents::table
            .filter(documents::collection.eq(collection))
            .filter(documents::id.eq(&p.id)),
    )
    .set((
        documents::body.eq(&p.body_text),
        documents::k1.eq(p.strings[0].as_deref()),
        documents::k2.eq(p.strings[1].as_deref()),
        documents::k3.eq(p.strings[2].as_deref()),
        documents::n1.eq(p.number),
    ))
    .execute(conn)
}

fn conflict(e: DieselError, collection: &str, id: &str) -> AppError {
    match e {
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
            AppError::Conflict(format!("document '{id}' already exists in '{collection}'"))
        }
        other => other.into(),
    }
}

/// A bound parameter.
#[derive(Debug, Clone, PartialEq)]
enum Bind {
    Text(String),
    Num(f64),
    Time(NaiveDateTime),
}

/// A statement and its parameters, built together so a `?` never goes without its value.
#[derive(Debug, Clone)]
struct Sql {
    backend: Backend,
    text: String,
    binds: Vec<Bind>,
}

impl Sql {
    fn new(backend: Backend) -> Self {
        Sql {
            backend,
            text: String::new(),
            binds: Vec::new(),
        }
    }

    fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    fn param(&mut self, bind: Bind) -> &mut Self {
        self.text.push('?');
        self.binds.push(bind);
        self
    }

    fn append(&mut self, other: Sql) -> &mut Self {
        self.text.push_str(&other.text);
        self.binds.extend(other.binds);
        self
    }
}

fn boxed(sql: Sql) -> BoxedSqlQuery<'static, MultiBackend, SqlQuery> {
    let mut query = diesel::sql_query(sql.text).into_boxed();
    for bind in sql.binds {
        query = match bind {
            Bind::Text(s) => query.bind::<Text, _>(s),
            Bind::Num(n) => query.bind::<Double, _>(n),
            // A MySQL `TIMESTAMP` parameter (what diesel sends for `Timestamp`) past
            // 2038-01-19 arrives as NULL on MariaDB; as text it fills a DATETIME(6) whole.
            Bind::Time(t) if sql.backend == Backend::Mysql => {
                query.bind::<Text, _>(t.format("%Y-%m-%d %H:%M:%S%.6f").to_string())
            }
            Bind::Time(t) => query.bind::<Timestamp, _>(t),
        };
    }
    query
}

/// Each backend's JSON functions, always typed so that a string comparison sees only
/// strings and a number comparison only numbers (as MongoDB compares).
struct Json(Backend);

impl Json {
    /// Field paths are validated (`[a-z_][a-z0-9_]*` segments), so `$.a.b` is a valid
    /// path on both backends; it is still bound, never spliced.
    fn path(field: &str) -> Bind {
        Bind::Text(format!("$.{field}"))
    }

    fn type_of(&self, q: &mut Sql, field: &str) {
        match self.0 {
            Backend::Sqlite => q
                .push("json_type(body, ")
                .param(Self::path(field))
                .push(")"),
            Backend::Mysql => q
                .push("JSON_TYPE(JSON_EXTRACT(body, ")
                .param(Self::path(field))
                .push("))"),
        };
    }

    /// The value as SQL text for strings, numbers as the backend spells them.
    fn raw(&self, q: &mut Sql, field: &str) {
        match self.0 {
            Backend::Sqlite => q
                .push("json_extract(body, ")
                .param(Self::path(field))
                .push(")"),
            Backend::Mysql => q
                .push("JSON_UNQUOTE(JSON_EXTRACT(body, ")
                .param(Self::path(field))
                .push("))"),
        };
    }

    fn is_string(&self) -> &'static str {
        match self.0 {
            Backend::Sqlite => " = 'text'",
            Backend::Mysql => " = 'STRING'",
        }
    }

    fn is_number(&self) -> &'static str {
        match self.0 {
            Backend::Sqlite => " IN ('integer', 'real')",
            Backend::Mysql => " IN ('INTEGER', 'UNSIGNED INTEGER', 'DOUBLE', 'DECIMAL')",
        }
    }

    /// The field's value if it is a string, else NULL.
    fn string(&self, q: &mut Sql, field: &str) {
        q.push("CASE WHEN ");
        self.type_of(q, field);
        q.push(self.is_string()).push(" THEN ");
        self.raw(q, field);
        q.push(" END");
    }

    /// The field's value if it is a string short enough for an indexed column, else NULL.
    fn short_string(&self, q: &mut Sql, field: &str) {
        q.push("CASE WHEN ");
        self.type_of(q, field);
        q.push(self.is_string()).push(match self.0 {
            Backend::Sqlite => " AND length(",
            Backend::Mysql => " AND CHAR_LENGTH(",
        });
        self.raw(q, field);
        q.push(&format!(") <= {MAX_INDEXED_STRING_CHARS} THEN "));
        self.raw(q, field);
        q.push(" END");
    }

    /// The field's value as a double if it is a number, else NULL.
    fn number(&self, q: &mut Sql, field: &str) {
        q.push("CASE WHEN ");
        self.type_of(q, field);
        q.push(self.is_number()).push(" THEN ");
        match self.0 {
            Backend::Sqlite => self.raw(q, field),
            Backend::Mysql => {
                q.push("(");
                self.raw(q, field);
                q.push(" + 0e0)");
            }
        }
        q.push(" END");
    }

    fn is_bool(&self, q: &mut Sql, field: &str, value: bool) {
        match self.0 {
            Backend::Sqlite => {
                self.type_of(q, field);
                q.push(if value { " = 'true'" } else { " = 'false'" });
            }
            Backend::Mysql => {
                q.push("(");
                self.type_of(q, field);
                q.push(" = 'BOOLEAN' AND ");
                self.raw(q, field);
                q.push(if value { " = 'true')" } else { " = 'false')" });
            }
        }
    }

    /// A group key as text; `type_of` says how to read it back.
    fn key_text(&self, q: &mut Sql, field: &str) {
        match self.0 {
            Backend::Sqlite => {
                q.push("CAST(");
                self.raw(q, field);
                q.push(" AS TEXT)");
            }
            Backend::Mysql => self.raw(q, field),
        }
    }
}

/// Something a condition compares: an indexed column or a typed JSON value.
enum Operand {
    Column(String),
    JsonString(String),
    JsonNumber(String),
}

impl Operand {
    fn write(&self, q: &mut Sql, json: &Json) {
        match self {
            Operand::Column(c) => {
                q.push(c);
            }
            Operand::JsonString(f) => json.string(q, f),
            Operand::JsonNumber(f) => json.number(q, f),
        }
    }

    fn string(spec: &IndexSpec, field: &str, value: &str) -> Operand {
        match spec.strings.iter().position(|f| f == field) {
            // Longer strings are never in an indexed column; the JSON still has them.
            Some(slot) if value.chars().count() <= MAX_INDEXED_STRING_CHARS => {
                Operand::Column(format!("k{}", slot + 1))
            }
            _ => Operand::JsonString(field.to_string()),
        }
    }

    fn number(spec: &IndexSpec, field: &str) -> Operand {
        if spec.number.as_deref() == Some(field) {
            Operand::Column("n1".into())
        } else {
            Operand::JsonNumber(field.to_string())
        }
    }
}

fn scalar_bind(value: &Scalar) -> Bind {
    match value {
        Scalar::Str(s) => Bind::Text(s.clone()),
        Scalar::Num(n) => Bind::Num(*n),
        Scalar::Bool(b) => Bind::Text(b.to_string()),
    }
}

/// `collection = ? AND ...` for `filter`, using indexed columns where the spec allows.
fn push_filter(q: &mut Sql, spec: &IndexSpec, collection: &str, filter: &Filter) {
    let json = Json(q.backend);
    q.push("collection = ")
        .param(Bind::Text(collection.to_string()));
    // Without statistics SQLite may pick the index of the least selective of several
    // indexed conditions (measured: 21 ms instead of under 1 ms over 100k documents). The
    // first indexed condition keeps its index; a unary `+` keeps SQLite off the others.
    let mut index_chosen = false;
    let mut pick_index = |q: &mut Sql, operand: &Operand| {
        if let Operand::Column(_) = operand {
            if index_chosen && q.backend == Backend::Sqlite {
                q.push("+");
            }
            index_chosen = true;
        }
    };
    for (field, value) in &filter.equals {
        q.push(" AND ");
        let operand = match value {
            Scalar::Str(s) => Operand::string(spec, field, s),
            Scalar::Num(_) => Operand::number(spec, field),
            Scalar::Bool(b) => {
                json.is_bool(q, field, *b);
                continue;
            }
        };
        pick_index(q, &operand);
        operand.write(q, &json);
        q.push(" = ").param(scalar_bind(value));
    }
    if let Some(from) = filter.created_from {
        q.push(" AND created_at >= ")
            .param(Bind::Time(naive(ceil_millis(from))));
    }
    if let Some(to) = filter.created_to {
        q.push(" AND created_at < ")
            .param(Bind::Time(naive(ceil_millis(to))));
    }
    if let Some(range) = &filter.range {
        let operand = match range.from.as_ref().or(range.to.as_ref()) {
            Some(Scalar::Str(_)) => Operand::string(spec, &range.field, ""),
            Some(Scalar::Num(_)) => Operand::number(spec, &range.field),
            // Validation refuses boolean ranges; an open range is no condition.
            Some(Scalar::Bool(_)) | None => return,
        };
        let skip_index =
            index_chosen && q.backend == Backend::Sqlite && matches!(operand, Operand::Column(_));
        for (bound, op) in [(&range.from, " >= "), (&range.to, " < ")] {
            if let Some(bound) = bound {
                q.push(if skip_index { " AND +" } else { " AND " });
                operand.write(q, &json);
                q.push(op).param(scalar_bind(bound));
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn select_page(
    backend: Backend,
    spec: &IndexSpec,
    collection: &str,
    filter: &Filter,
    key: SortKey<'_>,
    descending: bool,
    after: Option<&After>,
    limit: usize,
) -> Sql {
    let mut q = Sql::new(backend);
    q.push("SELECT id, created_at, expires_at, body FROM documents WHERE ");
    push_filter(&mut q, spec, collection, filter);
    let column = match key {
        SortKey::CreatedAt => "created_at".to_string(),
        SortKey::Str(_, slot) => format!("k{}", slot + 1),
        SortKey::Num(_) => "n1".to_string(),
    };
    if let Some(after) = after {
        let id = Bind::Text(after.id.clone());
        let value = match &after.value {
            SortValue::Time(t) => Some(Bind::Time(naive(*t))),
            SortValue::Str(s) => s.clone().map(Bind::Text),
            SortValue::Num(n) => n.map(Bind::Num),
        };
        // NULLs (missing values) sort first ascending and last descending, on SQLite,
        // MySQL and MongoDB alike.
        match (value, descending) {
            (Some(v), false) => {
                q.push(&format!(" AND ({column} > "))
                    .param(v.clone())
                    .push(&format!(" OR ({column} = "))
                    .param(v)
                    .push(" AND id > ")
                    .param(id)
                    .push("))");
            }
            (Some(v), true) => {
                q.push(&format!(" AND ({column} < "))
                    .param(v.clone())
                    .push(&format!(" OR ({column} = "))
                    .param(v)
                    .push(" AND id < ")
                    .param(id)
                    .push(&format!(") OR {column} IS NULL)"));
            }
            (None, false) => {
                q.push(&format!(" AND (({column} IS NULL AND id > "))
                    .param(id)
                    .push(&format!(") OR {column} IS NOT NULL)"));
            }
            (None, true) => {
                q.push(&format!(" AND ({column} IS NULL AND id < "))
                    .param(id)
                    .push(")");
            }
        }
    }
    let dir = if descending { "DESC" } else { "ASC" };
    q.push(&format!(
        " ORDER BY {column} {dir}, id {dir} LIMIT {}",
        limit + 1
    ));
    q
}

/// Re-extracts the declared fields of every document of `collection` into the indexed
/// columns, with the same rules as `prepare` (over-long strings stay out).
fn backfill(backend: Backend, collection: &str, spec: &IndexSpec) -> Sql {
    let json = Json(backend);
    let mut q = Sql::new(backend);
    q.push("UPDATE documents SET ");
    for slot in 0..3 {
        q.push(&format!("k{} = ", slot + 1));
        match spec.strings.get(slot) {
            Some(field) => json.short_string(&mut q, field),
            None => {
                q.push("NULL");
            }
        }
        q.push(", ");
    }
    q.push("n1 = ");
    match &spec.number {
        Some(field) => json.number(&mut q, field),
        None => {
            q.push("NULL");
        }
    }
    q.push(" WHERE collection = ")
        .param(Bind::Text(collection.to_string()));
    q
}

#[derive(QueryableByName)]
struct DocRow {
    #[diesel(sql_type = Text)]
    id: String,
    #[diesel(sql_type = Timestamp)]
    created_at: NaiveDateTime,
    #[diesel(sql_type = Nullable<Timestamp>)]
    expires_at: Option<NaiveDateTime>,
    #[diesel(sql_type = Text)]
    body: String,
}

impl DocRow {
    fn into_document(self) -> Result<Document, AppError> {
        let body: Value = serde_json::from_str(&self.body)
            .map_err(|e| AppError::internal(format!("document {}: body: {e}", self.id)))?;
        Ok(Document {
            id: self.id,
            created_at: self.created_at.and_utc(),
            expires_at: self.expires_at.map(|t| t.and_utc()),
            body,
        })
    }
}

#[derive(QueryableByName)]
struct CountRow {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct GroupRow {
    #[diesel(sql_type = Nullable<Text>)]
    t: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    v: Option<String>,
    #[diesel(sql_type = BigInt)]
    n: i64,
    #[diesel(sql_type = Nullable<Double>)]
    s: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    lo: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    hi: Option<f64>,
}

impl GroupRow {
    fn into_raw(self) -> RawGroup {
        RawGroup {
            key: parse_key(self.t.as_deref(), self.v),
            count: self.n.max(0) as u64,
            sum: self.s.unwrap_or(0.0),
            min: self.lo,
            max: self.hi,
        }
    }
}

/// A group key from its JSON type (as `json_type` or `JSON_TYPE` names it) and text.
fn parse_key(json_type: Option<&str>, text: Option<String>) -> Option<Scalar> {
    let text = text?;
    match json_type? {
        "text" | "STRING" => Some(Scalar::Str(text)),
        "integer" | "real" | "INTEGER" | "UNSIGNED INTEGER" | "DOUBLE" | "DECIMAL" => {
            text.parse().ok().map(Scalar::Num)
        }
        "true" => Some(Scalar::Bool(true)),
        "false" => Some(Scalar::Bool(false)),
        "BOOLEAN" => Some(Scalar::Bool(text == "true")),
        "null" | "NULL" => None,
        // Objects and arrays group by their JSON text.
        _ => Some(Scalar::Str(text)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> IndexSpec {
        IndexSpec::new()
            .string("actor")
            .string("entity.type")
            .number("rating")
    }

    #[test]
    fn declared_fields_use_their_columns() {
        for backend in [Backend::Sqlite, Backend::Mysql] {
            let mut q = Sql::new(backend);
            let f = Filter::new()
                .eq("actor", "u1")
                .eq("entity.type", "order")
                .eq("rating", 5)
                .eq("other", "x");
            push_filter(&mut q, &spec(), "audit", &f);
            assert!(q.text.contains(" AND k1 = ?"), "{}", q.text);
            // Only the first indexed condition may choose SQLite's index.
            let others = if backend == Backend::Sqlite { "+" } else { "" };
            assert!(
                q.text.contains(&format!(" AND {others}k2 = ?")),
                "{}",
                q.text
            );
            assert!(
                q.text.contains(&format!(" AND {others}n1 = ?")),
                "{}",
                q.text
            );
            assert_eq!(q.text.matches('?').count(), q.binds.len());
            assert!(q.binds.contains(&Bind::Text("$.other".into())));
        }
    }

    #[test]
    fn values_and_paths_are_bound_never_spliced() {
        let hostile = "x' OR '1'='1";
        for backend in [Backend::Sqlite, Backend::Mysql] {
            let mut q = Sql::new(backend);
            let f = Filter::new()
                .eq("note", hostile)
                .range("title", Some(hostile.into()), None);
            push_filter(&mut q, &IndexSpec::default(), "reviews", &f);
            assert!(!q.text.contains(hostile));
            assert!(!q.text.contains("note"));
            assert!(!q.text.contains("reviews"));
            assert_eq!(q.text.matches('?').count(), q.binds.len());
        }
    }

    #[test]
    fn keyset_conditions_handle_missing_values() {
        let s = spec();
        let after = After {
            value: SortValue::Str(None),
            id: "a".into(),
        };
        let q = select_page(
            Backend::Sqlite,
            &s,
            "audit",
            &Filter::new(),
            SortKey::Str("actor", 0),
            false,
            Some(&after),
            10,
        );
        assert!(
            q.text
                .contains("((k1 IS NULL AND id > ?) OR k1 IS NOT NULL)")
        );
        assert!(q.text.ends_with("ORDER BY k1 ASC, id ASC LIMIT 11"));
        assert_eq!(q.text.matches('?').count(), q.binds.len());
    }

    #[test]
    fn group_keys_read_back_typed() {
        assert_eq!(
            parse_key(Some("integer"), Some("5".into())),
            Some(Scalar::Num(5.0))
        );
        assert_eq!(
            parse_key(Some("DOUBLE"), Some("4.5".into())),
            Some(Scalar::Num(4.5))
        );
        assert_eq!(
            parse_key(Some("STRING"), Some("5".into())),
            Some(Scalar::Str("5".into()))
        );
        assert_eq!(
            parse_key(Some("true"), Some("1".into())),
            Some(Scalar::Bool(true))
        );
        assert_eq!(
            parse_key(Some("BOOLEAN"), Some("false".into())),
            Some(Scalar::Bool(false))
        );
        assert_eq!(parse_key(Some("null"), Some("".into())), None);
        assert_eq!(parse_key(None, None), None);
    }
}
