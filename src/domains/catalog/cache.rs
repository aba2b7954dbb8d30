//! Anonymous storefront reads (product lists, product pages, the category tree) kept as
//! ready JSON for a short time. Any catalog change in this process empties it at once;
//! changes made by other instances show within the time to live.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use actix_web::web::Bytes;

/// Beyond this many pages the cache starts over rather than grow.
const MAX_ENTRIES: usize = 20_000;

pub struct PageCache {
    ttl: Duration,
    generation: AtomicU64,
    entries: Mutex<HashMap<String, (u64, Instant, Bytes)>>,
}

impl PageCache {
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            generation: AtomicU64::new(0),
            entries: Mutex::new(HashMap::new()),
        }
    }

    pub fn enabled(&self) -> bool {
        !self.ttl.is_zero()
    }

    pub fn get(&self, key: &str) -> Option<Bytes> {
        if !self.enabled() {
            return None;
        }
        let generation = self.generation.load(Ordering::Acquire);
        let entries = self.entries.lock().ok()?;
        entries
            .get(key)
            .filter(|(g, at, _)| *g == generation && at.elapsed() < self.ttl)
            .map(|(_, _, body)| body.clone())
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
        let off = PageCache::new(Duration::ZERO);
        off.put("/a".into(), off.generation(), Bytes::from_static(b"1"));
        assert_eq!(off.get("/a"), None);
    }
}
