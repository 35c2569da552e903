//! [`FeedCache`]: every feed rendered once per change and kept in memory.
//!
//! Per feed id it holds a snapshot (feed facts and the item list, shared by
//! the formats and by filtered requests) and one [`Rendered`] document per
//! format; filtered requests get a cache of their own, bounded in bytes
//! ([`FilteredCache`]). The
//! store's change generation drives invalidation: a request first compares
//! it with the generation the cache last synced to (one atomic read); only
//! when it moved does it ask the store which sources changed (a memory read)
//! and drop those feeds and the combined `all` feed. SQLite is read only to
//! rebuild what was dropped.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use super::filtered::{FilteredCache, FilteredKey};
use super::rendered::Rendered;
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

#[derive(Debug, Default)]
struct Slots {
    snapshot: Option<Arc<Snapshot>>,
    rendered: [Option<Arc<Rendered>>; 3],
}

/// Rendered feeds in memory; see the module docs.
#[derive(Debug, Default)]
pub struct FeedCache {
    /// The store generation the cache is consistent with.
    synced: AtomicU64,
    /// Serializes invalidation (rare) so no change is applied twice.
    sync_lock: Mutex<()>,
    feeds: RwLock<HashMap<String, Slots>>,
    filtered: FilteredCache,
}

impl FeedCache {
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
        let mut feeds = self.feeds.write().expect("cache lock");
        for id in changed.iter().map(String::as_str).chain([ALL_FEED_ID]) {
            feeds.remove(id);
        }
        drop(feeds);
        self.filtered.clear();
        self.synced.store(generation, Ordering::Release);
        generation
    }

    /// The rendered feed, if cached.
    pub(super) fn rendered(&self, id: &str, format: FeedFormat) -> Option<Arc<Rendered>> {
        let feeds = self.feeds.read().expect("cache lock");
        feeds.get(id)?.rendered[format.index()].clone()
    }

    /// The feed's snapshot, if cached.
    pub(super) fn snapshot(&self, id: &str) -> Option<Arc<Snapshot>> {
        self.feeds
            .read()
            .expect("cache lock")
            .get(id)?
            .snapshot
            .clone()
    }

    /// Keeps a snapshot built from the store at `generation`, unless the
    /// store changed meanwhile (then it may already be stale: not kept).
    pub(super) fn put_snapshot(
        &self,
        store: &Store,
        generation: u64,
        id: &str,
        snapshot: Arc<Snapshot>,
    ) {
        let mut feeds = self.feeds.write().expect("cache lock");
        if store.change_generation() == generation {
            feeds.entry(id.to_string()).or_default().snapshot = Some(snapshot);
        }
    }

    /// Keeps a rendered feed; same rule as [`FeedCache::put_snapshot`].
    pub(super) fn put_rendered(
        &self,
        store: &Store,
        generation: u64,
        id: &str,
        format: FeedFormat,
        rendered: Arc<Rendered>,
    ) {
        let mut feeds = self.feeds.write().expect("cache lock");
        if store.change_generation() == generation {
            feeds.entry(id.to_string()).or_default().rendered[format.index()] = Some(rendered);
        }
    }

    /// A cache whose filtered feeds may hold at most `bytes` (the default
    /// is [`FILTERED_CACHE_BYTES`](super::filtered::FILTERED_CACHE_BYTES)).
    pub fn with_filtered_budget(bytes: usize) -> Self {
        Self {
            filtered: FilteredCache::new(bytes),
            ..Self::default()
        }
    }

    /// Bytes the filtered feeds hold, as counted against their bound.
    pub fn filtered_bytes(&self) -> usize {
        self.filtered.bytes()
    }

    /// Number of filtered feeds held.
    pub fn filtered_len(&self) -> usize {
        self.filtered.len()
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
