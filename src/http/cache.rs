//! [`FeedCache`]: feeds rendered once per change and kept in memory,
//! within a byte budget (`[server] cache_bytes`, issue 13).
//!
//! Per feed id it may hold a snapshot (feed facts and the item list, shared
//! by the formats and by filtered requests) and one [`Rendered`] document
//! per format and encoding, each an entry of one least-recently-used map
//! bounded in bytes ([`ByteLru`]): a crawler walking every feed of 10,000
//! sources in every format makes the oldest fall out, and a request for
//! one of those renders it again from the database (the same bytes, so
//! the same `ETag`). An encoding is compressed only when a client asks
//! for it. Filtered requests get a quarter of the budget, in a cache of
//! their own ([`FilteredCache`]). The
//! store's change generation drives invalidation: a request first compares
//! it with the generation the cache last synced to (one atomic read); only
//! when it moved does it ask the store which sources changed (a memory read)
//! and drop those feeds and the combined `all` feed. SQLite is read only to
//! rebuild what was dropped.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::filtered::{FilteredCache, FilteredKey};
use super::lru::ByteLru;
use super::rendered::{Encoding, Rendered};
use super::{ALL_FEED_ID, FeedFormat};
use crate::feed::FeedInfo;
use crate::model::StoredItem;
use crate::store::Store;

/// The facts and items of one feed, before a format is chosen.
#[derive(Debug)]
pub(super) struct Snapshot {
    /// Feed facts; `self_url` is filled in per format.
    pub(super) info: FeedInfo,
    /// The feed's items, newest first, cut to its length.
    pub(super) items: Vec<StoredItem>,
    /// How often its sources refresh (the shortest, for `all`).
    pub(super) refresh_interval: Duration,
}

impl Snapshot {
    /// Heap bytes the snapshot holds (its strings, the item list), for the
    /// cache's byte bound.
    fn heap_bytes(&self) -> usize {
        let info = &self.info;
        let info = [&info.title, &info.description, &info.link, &info.self_url]
            .map(String::capacity)
            .iter()
            .sum::<usize>()
            + [&info.language, &info.hub, &info.stylesheet]
                .map(|s| s.as_ref().map_or(0, String::capacity))
                .iter()
                .sum::<usize>();
        let slots = self.items.capacity() * std::mem::size_of::<StoredItem>();
        let items: usize = self.items.iter().map(item_heap_bytes).sum();
        std::mem::size_of::<Self>() + info + slots + items
    }
}

/// Heap bytes of one item's strings.
fn item_heap_bytes(item: &StoredItem) -> usize {
    let text = [&item.source_id, &item.url, &item.link, &item.title];
    let optional = [&item.summary, &item.content, &item.author, &item.image];
    text.map(String::capacity).iter().sum::<usize>()
        + optional
            .map(|s| s.as_ref().map_or(0, String::capacity))
            .iter()
            .sum::<usize>()
}

/// Default of `[server] cache_bytes`: 64 MiB for every rendered feed
/// together. A full-text feed of 50 items is ~200 KB in identity, a tenth
/// of that compressed; 64 MiB holds a few hundred such documents, or every
/// compressed feed of a thousand short sources. Of it, a quarter
/// ([`FILTERED_SHARE`]) goes to filtered feeds.
pub const DEFAULT_CACHE_BYTES: usize = 64 * 1024 * 1024;

/// The part of the budget given to filtered feeds (`?limit`, `?q`,
/// `?since`): one quarter, 16 MiB of the default.
const FILTERED_SHARE: usize = 4;

/// What one feed id holds in the cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Slot {
    /// The [`Snapshot`] (items and facts, shared by formats and filters).
    Snapshot,
    /// One format in one encoding.
    Document(FeedFormat, Encoding),
}

impl Slot {
    /// Every slot of one feed id: what a change of its source drops.
    fn all() -> impl Iterator<Item = Slot> {
        let documents = FeedFormat::ALL.into_iter().flat_map(|format| {
            [Encoding::Identity, Encoding::Gzip, Encoding::Brotli]
                .map(move |encoding| Slot::Document(format, encoding))
        });
        std::iter::once(Slot::Snapshot).chain(documents)
    }
}

/// A cache key: the feed id and what of it. Hashes like `(&str, Slot)`,
/// which the hot path looks up by (no owned key built per request).
#[derive(Debug, PartialEq, Eq, Hash)]
struct Key {
    id: Box<str>,
    slot: Slot,
}

/// A cached value.
#[derive(Debug, Clone)]
enum Cached {
    Snapshot(Arc<Snapshot>),
    Rendered(Arc<Rendered>),
}

/// Size and activity of the cache, for `/metrics`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CacheStats {
    /// Bytes held (whole feeds, snapshots and filtered feeds), as counted
    /// against the bound: never above [`CacheStats::budget`].
    pub bytes: usize,
    /// Entries held.
    pub entries: usize,
    /// Entries dropped to make room so far.
    pub evictions: u64,
    /// The bound: `[server] cache_bytes`.
    pub budget: usize,
}

/// Rendered feeds in memory; see the module docs.
#[derive(Debug)]
pub struct FeedCache {
    /// The store generation the cache is consistent with.
    synced: AtomicU64,
    /// Serializes invalidation (rare) so no change is applied twice.
    sync_lock: Mutex<()>,
    /// Whole feeds and snapshots, least recently used first.
    feeds: Mutex<ByteLru<Key, Cached>>,
    filtered: FilteredCache,
}

impl Default for FeedCache {
    fn default() -> Self {
        Self::new(DEFAULT_CACHE_BYTES)
    }
}

impl FeedCache {
    /// A cache holding at most `bytes` in all (0: caches nothing, every
    /// request renders); a quarter of it for filtered feeds.
    pub fn new(bytes: usize) -> Self {
        let filtered = bytes / FILTERED_SHARE;
        Self::with_budgets(bytes - filtered, filtered)
    }

    fn with_budgets(whole: usize, filtered: usize) -> Self {
        Self {
            synced: AtomicU64::new(0),
            sync_lock: Mutex::new(()),
            feeds: Mutex::new(ByteLru::new(whole)),
            filtered: FilteredCache::new(filtered),
        }
    }

    /// Drops the feeds whose sources changed since the last sync, and the
    /// combined feed with them. Returns the generation the cache is now
    /// consistent with: pass it to the `put_*` methods.
    pub(super) fn sync(&self, store: &Store) -> u64 {
        let current = store.change_generation();
        if self.synced.load(Ordering::Acquire) == current {
            return current;
        }
        let _guard = self.sync_lock.lock().expect("cache lock");
        let since = self.synced.load(Ordering::Acquire);
        let (changed, generation) = store.changed_since(since);
        if changed.is_empty() && generation == since {
            return generation;
        }
        let mut feeds = self.feeds.lock().expect("cache lock");
        for id in changed.iter().map(String::as_str).chain([ALL_FEED_ID]) {
            for slot in Slot::all() {
                feeds.remove(&Key {
                    id: id.into(),
                    slot,
                });
            }
        }
        drop(feeds);
        self.filtered.clear();
        self.synced.store(generation, Ordering::Release);
        generation
    }

    /// The cached value of `(id, slot)`, now the most recently used.
    fn get(&self, id: &str, slot: Slot) -> Option<Cached> {
        let mut feeds = self.feeds.lock().expect("cache lock");
        let hash = feeds.hash_of(&(id, slot));
        let found = feeds.get_by_hash(hash, |key| &*key.id == id && key.slot == slot);
        found.cloned()
    }

    /// The rendered feed in one encoding, if cached.
    pub(super) fn rendered(
        &self,
        id: &str,
        format: FeedFormat,
        encoding: Encoding,
    ) -> Option<Arc<Rendered>> {
        match self.get(id, Slot::Document(format, encoding))? {
            Cached::Rendered(rendered) => Some(rendered),
            Cached::Snapshot(_) => None,
        }
    }

    /// The feed's snapshot, if cached.
    pub(super) fn snapshot(&self, id: &str) -> Option<Arc<Snapshot>> {
        match self.get(id, Slot::Snapshot)? {
            Cached::Snapshot(snapshot) => Some(snapshot),
            Cached::Rendered(_) => None,
        }
    }

    /// Keeps `value` built from the store at `generation`, unless the store
    /// changed meanwhile (then it may already be stale: not kept), or it
    /// alone outweighs the budget (served, not kept).
    fn put(&self, store: &Store, generation: u64, id: &str, slot: Slot, value: Cached) {
        let key = Key {
            id: id.into(),
            slot,
        };
        let heap = match &value {
            Cached::Snapshot(snapshot) => snapshot.heap_bytes(),
            Cached::Rendered(rendered) => rendered.weight(),
        };
        let weight = ByteLru::<Key, Cached>::weight_of(key.id.len(), heap);
        let mut feeds = self.feeds.lock().expect("cache lock");
        if store.change_generation() == generation {
            feeds.insert(key, value, weight);
        }
    }

    /// Keeps a snapshot; see [`FeedCache::put`].
    pub(super) fn put_snapshot(
        &self,
        store: &Store,
        generation: u64,
        id: &str,
        snapshot: Arc<Snapshot>,
    ) {
        self.put(
            store,
            generation,
            id,
            Slot::Snapshot,
            Cached::Snapshot(snapshot),
        );
    }

    /// Keeps a rendered feed in one encoding; see [`FeedCache::put`].
    pub(super) fn put_rendered(
        &self,
        store: &Store,
        generation: u64,
        (id, format, encoding): (&str, FeedFormat, Encoding),
        rendered: Arc<Rendered>,
    ) {
        let slot = Slot::Document(format, encoding);
        self.put(store, generation, id, slot, Cached::Rendered(rendered));
    }

    /// Bytes, entries and evictions of whole and filtered feeds together.
    pub fn stats(&self) -> CacheStats {
        let feeds = self.feeds.lock().expect("cache lock");
        let filtered = self.filtered.stats();
        CacheStats {
            bytes: feeds.bytes() + filtered.bytes,
            entries: feeds.len() + filtered.entries,
            evictions: feeds.evictions() + filtered.evictions,
            budget: feeds.budget() + filtered.budget,
        }
    }

    /// A cache of the default size whose filtered feeds may hold at most
    /// `bytes` (by default a quarter of [`DEFAULT_CACHE_BYTES`]).
    pub fn with_filtered_budget(bytes: usize) -> Self {
        let whole = DEFAULT_CACHE_BYTES - DEFAULT_CACHE_BYTES / FILTERED_SHARE;
        Self::with_budgets(whole, bytes)
    }

    /// Bytes the filtered feeds hold, as counted against their bound.
    pub fn filtered_bytes(&self) -> usize {
        self.filtered.stats().bytes
    }

    /// Number of filtered feeds held.
    pub fn filtered_len(&self) -> usize {
        self.filtered.stats().entries
    }

    /// A cached filtered feed.
    pub(super) fn filtered(&self, key: &FilteredKey) -> Option<Arc<Rendered>> {
        self.filtered.get(key)
    }

    /// Keeps a filtered feed; same rule as [`FeedCache::put_snapshot`].
    pub(super) fn put_filtered(
        &self,
        store: &Store,
        generation: u64,
        key: FilteredKey,
        rendered: Arc<Rendered>,
    ) {
        let still_valid = || store.change_generation() == generation;
        self.filtered.put(key, rendered, still_valid);
    }

    /// Waits for a turn to render a feed, whole or filtered: renders run at
    /// most cores - 1 at once (see [`FilteredCache`]).
    pub(super) async fn render_permit(&self) -> Option<tokio::sync::SemaphorePermit<'_>> {
        self.filtered.render_permit().await
    }
}

#[cfg(test)]
#[path = "cache_tests.rs"]
mod tests;
