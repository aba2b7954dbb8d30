//! Cursor pagination: `?limit=&cursor=`, an opaque cursor holding the last row's sort key.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::AppError;

pub const DEFAULT_LIMIT: usize = 25;
pub const MAX_LIMIT: usize = 100;

/// The query parameters of every collection.
#[derive(Debug, Default, Clone, Deserialize, IntoParams)]
pub struct PageQuery {
    /// How many items to return (1 to 100, default 25).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<usize>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A checked page request: `after` is the sort key of the last item already seen.
#[derive(Debug, Clone, PartialEq)]
pub struct PageRequest<K> {
    pub limit: usize,
    pub after: Option<K>,
}

impl PageQuery {
    pub fn parse<K: DeserializeOwned>(&self) -> Result<PageRequest<K>, AppError> {
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(AppError::invalid(
                "limit",
                format!("must be between 1 and {MAX_LIMIT}"),
            ));
        }
        let after =
            match self.cursor.as_deref().filter(|c| !c.is_empty()) {
                None => None,
                Some(cursor) => Some(decode_cursor(cursor).ok_or_else(|| {
                    AppError::invalid("cursor", "is not a cursor this API returned")
                })?),
            };
        Ok(PageRequest { limit, after })
    }
}

/// One page of a collection.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Builds a page from up to `limit + 1` rows fetched after the cursor: the extra row
    /// only tells that another page exists.
    pub fn from_rows<K: Serialize>(mut rows: Vec<T>, limit: usize, key: impl Fn(&T) -> K) -> Self {
        let more = rows.len() > limit;
        rows.truncate(limit);
        let next_cursor = if more {
            rows.last().map(|last| encode_cursor(&key(last)))
        } else {
            None
        };
        Page {
            items: rows,
            next_cursor,
        }
    }
}

impl<T> Page<T> {
    /// The same page with each item turned into its view.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next_cursor: self.next_cursor,
        }
    }
}

pub fn encode_cursor<K: Serialize>(key: &K) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(key).unwrap_or_default())
}

pub fn decode_cursor<K: DeserializeOwned>(cursor: &str) -> Option<K> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    serde_json::from_slice(&bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_walk_a_collection_without_gaps_or_repeats() {
        let all: Vec<i64> = (1..=7).collect();
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let q = PageQuery {
                limit: Some(3),
                cursor: cursor.clone(),
            };
            let req: PageRequest<i64> = q.parse().unwrap();
            let rows: Vec<i64> = all
                .iter()
                .copied()
                .filter(|v| req.after.is_none_or(|a| *v > a))
                .take(req.limit + 1)
                .collect();
            let page = Page::from_rows(rows, req.limit, |v| *v);
            seen.extend(page.items);
            match page.next_cursor {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        assert_eq!(seen, all);
    }

    #[test]
    fn limits_and_cursors_are_checked() {
        let bad_limit = PageQuery {
            limit: Some(0),
            cursor: None,
        }
        .parse::<i64>();
        assert!(matches!(bad_limit, Err(AppError::Validation(ref e)) if e[0].field == "limit"));
        let too_big = PageQuery {
            limit: Some(101),
            cursor: None,
        }
        .parse::<i64>();
        assert!(too_big.is_err());
        let bad_cursor = PageQuery {
            limit: None,
            cursor: Some("!!".into()),
        }
        .parse::<i64>();
        assert!(matches!(bad_cursor, Err(AppError::Validation(ref e)) if e[0].field == "cursor"));
        assert_eq!(
            PageQuery::default().parse::<i64>().unwrap().limit,
            DEFAULT_LIMIT
        );
    }
}
