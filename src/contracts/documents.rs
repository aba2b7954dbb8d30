//! The document store: logs, the audit trail, analytics events and product reviews kept as
//! JSON objects in named collections, on the relational database or on MongoDB.
//!
//! The rules here (names, limits, what a filter may say) are the contract: every
//! implementation validates with the functions below, so a caller sees the same errors
//! whichever store is configured.

use chrono::{DateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::http::AppError;

/// Most documents one page may hold.
pub const MAX_LIMIT: u32 = 1000;
/// The page size of a `Query` that does not say.
pub const DEFAULT_LIMIT: u32 = 50;
/// Most string fields one collection may declare indexed.
pub const MAX_INDEXED_STRINGS: usize = 3;
/// Longest value (in characters) of an indexed string field; a longer one is refused.
pub const MAX_INDEXED_STRING_CHARS: usize = 255;
/// Largest body, serialised as JSON.
pub const MAX_BODY_BYTES: usize = 1 << 20;
/// Most equality conditions in one filter.
pub const MAX_EQUALS: usize = 8;
/// Most groups an aggregation returns; more is an error asking for a narrower filter.
pub const MAX_GROUPS: usize = 10_000;
/// Most documents one `insert_many` takes.
pub const MAX_BATCH: usize = 1000;

const MAX_COLLECTION_CHARS: usize = 48;
const MAX_ID_CHARS: usize = 100;
const MAX_FIELD_CHARS: usize = 64;
const MAX_FIELD_DEPTH: usize = 6;

/// One stored document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Document {
    pub id: String,
    /// Millisecond precision on every store.
    pub created_at: DateTime<Utc>,
    /// When retention may delete it (`purge_expired`); until then it stays visible.
    pub expires_at: Option<DateTime<Utc>>,
    /// Always a JSON object.
    pub body: Value,
}

/// A document to insert.
#[derive(Debug, Clone, PartialEq)]
pub struct NewDocument {
    /// A fresh UUIDv7 when `None`.
    pub id: Option<String>,
    /// Now when `None` (imports and tests set it). Truncated to milliseconds.
    pub created_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    /// Must be a JSON object.
    pub body: Value,
}

impl NewDocument {
    pub fn new(body: Value) -> Self {
        NewDocument {
            id: None,
            created_at: None,
            expires_at: None,
            body,
        }
    }

    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    pub fn created_at(mut self, at: DateTime<Utc>) -> Self {
        self.created_at = Some(at);
        self
    }

    pub fn expires_at(mut self, at: DateTime<Utc>) -> Self {
        self.expires_at = Some(at);
        self
    }
}

/// A value a filter compares with. Comparisons are typed on every store: the string "5"
/// never equals the number 5, and `true` never equals 1.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Scalar {
    Bool(bool),
    Num(f64),
    Str(String),
}

impl Scalar {
    fn kind(&self) -> &'static str {
        match self {
            Scalar::Bool(_) => "boolean",
            Scalar::Num(_) => "number",
            Scalar::Str(_) => "string",
        }
    }
}

impl From<&str> for Scalar {
    fn from(v: &str) -> Self {
        Scalar::Str(v.to_string())
    }
}

impl From<String> for Scalar {
    fn from(v: String) -> Self {
        Scalar::Str(v)
    }
}

impl From<bool> for Scalar {
    fn from(v: bool) -> Self {
        Scalar::Bool(v)
    }
}

impl From<f64> for Scalar {
    fn from(v: f64) -> Self {
        Scalar::Num(v)
    }
}

impl From<i64> for Scalar {
    fn from(v: i64) -> Self {
        Scalar::Num(v as f64)
    }
}

impl From<i32> for Scalar {
    fn from(v: i32) -> Self {
        Scalar::Num(f64::from(v))
    }
}

impl From<u32> for Scalar {
    fn from(v: u32) -> Self {
        Scalar::Num(f64::from(v))
    }
}

/// A half-open range `[from, to)` on one field; both bounds of the same type (numbers or
/// strings), either may be open.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Range {
    pub field: String,
    pub from: Option<Scalar>,
    pub to: Option<Scalar>,
}

/// Which documents an operation looks at. All conditions must hold.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Filter {
    /// `field == value` on top-level or dotted fields (`actor`, `entity.type`). Put the most
    /// selective first: on SQLite the first condition on an indexed field picks the index.
    pub equals: Vec<(String, Scalar)>,
    /// `created_at >= created_from`.
    pub created_from: Option<DateTime<Utc>>,
    /// `created_at < created_to`.
    pub created_to: Option<DateTime<Utc>>,
    pub range: Option<Range>,
}

impl Filter {
    pub fn new() -> Self {
        Filter::default()
    }

    pub fn eq(mut self, field: impl Into<String>, value: impl Into<Scalar>) -> Self {
        self.equals.push((field.into(), value.into()));
        self
    }

    /// `[from, to)` on `created_at`.
    pub fn created_between(
        mut self,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
    ) -> Self {
        self.created_from = from;
        self.created_to = to;
        self
    }

    /// `[from, to)` on `field`.
    pub fn range(
        mut self,
        field: impl Into<String>,
        from: Option<Scalar>,
        to: Option<Scalar>,
    ) -> Self {
        self.range = Some(Range {
            field: field.into(),
            from,
            to,
        });
        self
    }

    /// Refuses what no store can answer the same way: bad field paths, mixed range types,
    /// too many conditions, times out of range.
    pub fn validate(&self) -> Result<(), AppError> {
        if self.equals.len() > MAX_EQUALS {
            return Err(AppError::invalid(
                "filter",
                format!("at most {MAX_EQUALS} equality conditions"),
            ));
        }
        for (field, value) in &self.equals {
            validate_field(field)?;
            if let Scalar::Num(n) = value
                && !n.is_finite()
            {
                return Err(AppError::invalid(field.clone(), "must be a finite number"));
            }
        }
        for t in [self.created_from, self.created_to].into_iter().flatten() {
            validate_time("created_at", t)?;
        }
        if let Some(range) = &self.range {
            validate_field(&range.field)?;
            let kinds: Vec<&Scalar> = [&range.from, &range.to].into_iter().flatten().collect();
            for bound in &kinds {
                match bound {
                    Scalar::Bool(_) => {
                        return Err(AppError::invalid(
                            range.field.clone(),
                            "a range takes numbers or strings, not booleans",
                        ));
                    }
                    Scalar::Num(n) if !n.is_finite() => {
                        return Err(AppError::invalid(
                            range.field.clone(),
                            "must be a finite number",
                        ));
                    }
                    _ => {}
                }
            }
            if let [a, b] = kinds.as_slice()
                && a.kind() != b.kind()
            {
                return Err(AppError::invalid(
                    range.field.clone(),
                    "both ends of a range must be of the same type",
                ));
            }
        }
        Ok(())
    }
}

/// What a page is ordered by; ties are always broken by `id` in the same direction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SortBy {
    CreatedAt,
    /// A field declared in the collection's `IndexSpec`. Documents where it is missing or
    /// null sort first ascending and last descending; values are assumed to be of the
    /// declared type (a number in a string field sorts as missing on the relational store).
    Field(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sort {
    pub by: SortBy,
    pub descending: bool,
}

impl Sort {
    pub fn newest_first() -> Self {
        Sort {
            by: SortBy::CreatedAt,
            descending: true,
        }
    }

    pub fn oldest_first() -> Self {
        Sort {
            by: SortBy::CreatedAt,
            descending: false,
        }
    }

    pub fn field(name: impl Into<String>, descending: bool) -> Self {
        Sort {
            by: SortBy::Field(name.into()),
            descending,
        }
    }
}

impl Default for Sort {
    fn default() -> Self {
        Sort::newest_first()
    }
}

/// One page's worth of a filtered, sorted collection.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub filter: Filter,
    pub sort: Sort,
    /// 1..=`MAX_LIMIT`.
    pub limit: u32,
    /// The `next_cursor` of the previous page of the same query (same collection, filter
    /// and sort); a cursor from another query is refused.
    pub cursor: Option<String>,
}

impl Default for Query {
    fn default() -> Self {
        Query {
            filter: Filter::default(),
            sort: Sort::default(),
            limit: DEFAULT_LIMIT,
            cursor: None,
        }
    }
}

impl Query {
    pub fn new(filter: Filter) -> Self {
        Query {
            filter,
            ..Query::default()
        }
    }

    pub fn sort(mut self, sort: Sort) -> Self {
        self.sort = sort;
        self
    }

    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = limit;
        self
    }

    pub fn after(mut self, cursor: Option<String>) -> Self {
        self.cursor = cursor;
        self
    }
}

/// Keyset pagination: `next_cursor` is `Some` while more documents may follow. Documents
/// inserted between pages are neither skipped nor repeated among those already ordered
/// before the cursor; new ones after it appear on later pages.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub items: Vec<Document>,
    pub next_cursor: Option<String>,
}

/// Fields a collection is queried by. The relational store keeps their values in indexed
/// columns (strings in three, one number); MongoDB builds an index for each.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexSpec {
    /// Up to `MAX_INDEXED_STRINGS` fields holding strings (`actor`, `entity.type`).
    pub strings: Vec<String>,
    /// One field holding numbers (`rating`, `amount_minor`).
    pub number: Option<String>,
}

impl IndexSpec {
    pub fn new() -> Self {
        IndexSpec::default()
    }

    pub fn string(mut self, field: impl Into<String>) -> Self {
        self.strings.push(field.into());
        self
    }

    pub fn number(mut self, field: impl Into<String>) -> Self {
        self.number = Some(field.into());
        self
    }

    pub fn validate(&self) -> Result<(), AppError> {
        if self.strings.len() > MAX_INDEXED_STRINGS {
            return Err(AppError::invalid(
                "index",
                format!("at most {MAX_INDEXED_STRINGS} indexed string fields"),
            ));
        }
        let mut seen = std::collections::HashSet::new();
        for field in self.strings.iter().chain(self.number.iter()) {
            validate_field(field)?;
            if !seen.insert(field.as_str()) {
                return Err(AppError::invalid(
                    field.clone(),
                    "is declared more than once",
                ));
            }
        }
        Ok(())
    }

    /// Whether `field` is declared (so a page may be sorted by it).
    pub fn declares(&self, field: &str) -> bool {
        self.strings.iter().any(|f| f == field) || self.number.as_deref() == Some(field)
    }
}

/// Documents per value of a field; `key` is `None` where it is missing or null.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupCount {
    pub key: Option<Scalar>,
    pub count: u64,
}

/// Count, sum, average, minimum and maximum of a numeric field per group. Only numbers
/// count: `count` is how many documents of the group hold a number there.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupStats {
    pub key: Option<Scalar>,
    pub count: u64,
    pub sum: f64,
    pub avg: Option<f64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
}

/// What an upsert did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upserted {
    Created,
    Replaced,
}

#[async_trait::async_trait]
pub trait DocumentStore: Send + Sync {
    /// A short name for logs and `/readyz` ("relational/sqlite", "mongodb").
    fn kind(&self) -> String;

    /// Declares the fields `collection` is filtered and sorted by. Call at start-up; calling
    /// again with the same spec is cheap, a changed spec re-indexes the collection.
    async fn ensure_index(&self, collection: &str, spec: &IndexSpec) -> Result<(), AppError>;

    /// Stores a new document and returns its id; an id already taken is a `Conflict`.
    async fn insert(&self, collection: &str, doc: NewDocument) -> Result<String, AppError>;

    /// Stores several documents, all validated first. On the relational store all or
    /// none are stored; on MongoDB a server failure may leave the first ones stored.
    async fn insert_many(
        &self,
        collection: &str,
        docs: Vec<NewDocument>,
    ) -> Result<Vec<String>, AppError>;

    /// Replaces the body of document `id`, keeping its `created_at` and `expires_at`, or
    /// creates it (created now, no expiry).
    async fn upsert(&self, collection: &str, id: &str, body: Value) -> Result<Upserted, AppError>;

    async fn get(&self, collection: &str, id: &str) -> Result<Option<Document>, AppError>;

    /// Whether there was such a document.
    async fn delete(&self, collection: &str, id: &str) -> Result<bool, AppError>;

    async fn query(&self, collection: &str, query: &Query) -> Result<Page, AppError>;

    async fn count(&self, collection: &str, filter: &Filter) -> Result<u64, AppError>;

    /// Documents per value of `group_by`, ordered by key (missing first, then numbers,
    /// strings, booleans).
    async fn group_count(
        &self,
        collection: &str,
        filter: &Filter,
        group_by: &str,
    ) -> Result<Vec<GroupCount>, AppError>;

    /// Statistics of the numbers in `field`, per value of `group_by` (ordered as in
    /// `group_count`), or over the whole filter as one group with key `None`.
    async fn group_stats(
        &self,
        collection: &str,
        filter: &Filter,
        group_by: Option<&str>,
        field: &str,
    ) -> Result<Vec<GroupStats>, AppError>;

    /// Deletes, in every collection, documents whose `expires_at <= now`; returns how many.
    async fn purge_expired(&self, now: DateTime<Utc>) -> Result<u64, AppError>;

    /// Deletes documents of `collection` created before `cutoff`; returns how many.
    async fn purge_older_than(
        &self,
        collection: &str,
        cutoff: DateTime<Utc>,
    ) -> Result<u64, AppError>;
}

/// Collection names: a lowercase letter, then lowercase letters, digits and `_`.
pub fn validate_collection(name: &str) -> Result<(), AppError> {
    let mut chars = name.chars();
    let ok = name.len() <= MAX_COLLECTION_CHARS
        && chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(AppError::invalid(
            "collection",
            format!(
                "'{}' is not a collection name: use up to {MAX_COLLECTION_CHARS} lowercase letters, digits and '_', starting with a letter",
                printable(name)
            ),
        ))
    }
}

/// Field paths: segments of `[a-z_][a-z0-9_]*` joined by `.`; nothing else ever reaches a
/// query, so a field name cannot carry SQL, a JSON path trick or a MongoDB operator.
pub fn validate_field(path: &str) -> Result<(), AppError> {
    let segment_ok = |s: &str| {
        let mut chars = s.chars();
        chars
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
            && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    };
    let ok = path.len() <= MAX_FIELD_CHARS
        && path.split('.').count() <= MAX_FIELD_DEPTH
        && path.split('.').all(segment_ok);
    if ok {
        Ok(())
    } else {
        Err(AppError::invalid(
            "field",
            format!(
                "'{}' is not a field path: use lowercase letters, digits and '_', segments separated by '.', each starting with a letter or '_'",
                printable(path)
            ),
        ))
    }
}

/// Document ids: 1 to 100 of `[A-Za-z0-9_.:-]` (UUIDs, `product:user` keys).
pub fn validate_id(id: &str) -> Result<(), AppError> {
    let ok = !id.is_empty()
        && id.len() <= MAX_ID_CHARS
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | ':' | '-'));
    if ok {
        Ok(())
    } else {
        Err(AppError::invalid(
            "id",
            format!(
                "'{}' is not a document id: use 1 to {MAX_ID_CHARS} letters, digits, '_', '.', ':' or '-'",
                printable(id)
            ),
        ))
    }
}

/// A JSON object no larger than `MAX_BODY_BYTES`; returns its serialised text.
pub fn validate_body(body: &Value) -> Result<String, AppError> {
    if !body.is_object() {
        return Err(AppError::invalid("body", "must be a JSON object"));
    }
    let text = serde_json::to_string(body)?;
    if text.len() > MAX_BODY_BYTES {
        return Err(AppError::invalid(
            "body",
            format!("is larger than {MAX_BODY_BYTES} bytes"),
        ));
    }
    Ok(text)
}

/// Times every store can hold: 1970 to 9999.
pub fn validate_time(field: &str, t: DateTime<Utc>) -> Result<(), AppError> {
    let earliest = DateTime::<Utc>::UNIX_EPOCH;
    let latest = Utc.with_ymd_and_hms(9999, 12, 31, 23, 59, 59).single();
    if t < earliest || latest.is_some_and(|l| t > l) {
        return Err(AppError::invalid(field, "must be between 1970 and 9999"));
    }
    Ok(())
}

/// Names echoed in errors are cut short and stripped of control characters, so a hostile
/// name cannot forge log lines.
fn printable(s: &str) -> String {
    s.chars()
        .take(80)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_paths_allow_only_safe_segments() {
        for ok in ["actor", "entity.type", "a_b.c2", "_x", "a.b.c.d.e.f"] {
            assert!(validate_field(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "Actor",
            "a..b",
            ".a",
            "a.",
            "1a",
            "a.0",
            "a'b",
            "a b",
            "a;DROP TABLE documents",
            "$where",
            "a.$gt",
            "a[0]",
            "a.b.c.d.e.f.g",
            "é",
        ] {
            assert!(validate_field(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn collections_and_ids_are_checked() {
        assert!(validate_collection("audit").is_ok());
        assert!(validate_collection("_meta").is_err());
        assert!(validate_collection("Audit").is_err());
        assert!(validate_id("0193c0de-0000-7000-8000-000000000001").is_ok());
        assert!(validate_id("review:p1:u1").is_ok());
        assert!(validate_id("a/b").is_err());
        assert!(validate_id("").is_err());
    }

    #[test]
    fn ranges_need_one_type() {
        let f = Filter::new().range("n", Some(1.into()), Some("z".into()));
        assert!(f.validate().is_err());
        let f = Filter::new().range("n", Some(true.into()), None);
        assert!(f.validate().is_err());
        let f = Filter::new().range("n", Some(1.into()), Some(5.5.into()));
        assert!(f.validate().is_ok());
    }

    #[test]
    fn index_specs_are_bounded() {
        let spec = IndexSpec::new()
            .string("a")
            .string("b")
            .string("c")
            .string("d");
        assert!(spec.validate().is_err());
        assert!(IndexSpec::new().string("a").number("a").validate().is_err());
        assert!(IndexSpec::new().string("a").number("n").validate().is_ok());
    }
}
