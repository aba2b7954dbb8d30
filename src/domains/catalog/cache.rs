//! Anonymous storefront reads (product lists, product pages, the category tree) kept as
//! ready JSON for a short time. Any catalog change in this process empties it at once;
//! changes made by other instances show within the time to live.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::web::Bytes;

/// Beyond this many pages the cache starts over rather than grow.
const MAX_ENTRIES: usize = 20_000;

pub struct PageCache {
    ttl: Duration,
    generation: AtomicU64,
    entries: Mutex<HashMap<String, (u64, Instant, Bytes)>>,
    /// One computation per page at a time: concurrent misses wait for it instead of all
    /// running the same query (a search over thousands of rows, 32 times at once).
    flights: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

/// What the cache holds for a page.
pub enum Lookup {
    Fresh(Bytes),
    /// Older than the time to live but from the current generation (nothing changed
    /// through this instance): good to serve while one request computes a new one.
    Stale(Bytes),
    Miss,
}

impl PageCache {
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            generation: AtomicU64::new(0),
            entries: Mutex::new(HashMap::new()),
            flights: Mutex::new(HashMap::new()),
        }
    }

    pub fn lookup(&self, key: &str) -> Lookup {
        if !self.enabled() {
            return Lookup::Miss;
        }
        let generation = self.generation.load(Ordering::Acquire);
        let Ok(entries) = self.entries.lock() else {
            return Lookup::Miss;
        };
        match entries.get(key) {
            Some((g, at, body)) if *g == generation && at.elapsed() < self.ttl => {
                Lookup::Fresh(body.clone())
            }
            Some((g, _, body)) if *g == generation => Lookup::Stale(body.clone()),
            _ => Lookup::Miss,
        }
    }

    /// The lock that makes computing `key` one request's job.
    pub fn flight(&self, key: &str) -> Arc<tokio::sync::Mutex<()>> {
        let Ok(mut flights) = self.flights.lock() else {
            return Arc::new(tokio::sync::Mutex::new(()));
        };
        if flights.len() >= MAX_ENTRIES {
            flights.clear();
        }
        flights
            .entry(key.to_string())
            .or_insert_with(|| Arc::new(tokio::sync::Mutex::new(())))
            .clone()
    }

    pub fn enabled(&self) -> bool {
        !self.ttl.is_zero()
    }

    /// Stores a page computed under `generation` (read before computing it), so a page
    /// built from data that changed meanwhile is never kept.
    pub fn put(&self, key: String, generation: u64, body: Bytes) {
        if !self.enabled() || generation != self.generation.load(Ordering::Acquire) {
            return;
        }
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
            entries.insert(key, (generation, Instant::now(), body));
        }
    }

    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Something in the catalog changed: every stored page is stale.
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        if let Ok(mut entries) = self.entries.lock() {
            entries.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    impl PageCache {
        fn get(&self, key: &str) -> Option<Bytes> {
            match self.lookup(key) {
                Lookup::Fresh(body) => Some(body),
                _ => None,
            }
        }
    }

    #[test]
    fn pages_expire_and_changes_empty_the_cache() {
        let cache = PageCache::new(Duration::from_secs(60));
        let g = cache.generation();
        cache.put("/a".into(), g, Bytes::from_static(b"1"));
        assert_eq!(cache.get("/a"), Some(Bytes::from_static(b"1")));
        cache.invalidate();
        assert_eq!(cache.get("/a"), None);
        // A page computed before the change is not stored after it.
        cache.put("/a".into(), g, Bytes::from_static(b"old"));
        assert_eq!(cache.get("/a"), None);
        // Past its time a page is stale, still served while one request renews it.
        let short = PageCache::new(Duration::from_millis(1));
        short.put("/b".into(), short.generation(), Bytes::from_static(b"2"));
        std::thread::sleep(Duration::from_millis(5));
        assert!(matches!(short.lookup("/b"), Lookup::Stale(_)));
        short.invalidate();
        assert!(matches!(short.lookup("/b"), Lookup::Miss));
        let off = PageCache::new(Duration::ZERO);
        off.put("/a".into(), off.generation(), Bytes::from_static(b"1"));
        assert_eq!(off.get("/a"), None);
    }
}
