//! [`ByteLru`]: a least-recently-used map bounded in bytes, for the
//! rendered-feed caches (issue 13: a crawler walking 10,000 sources' feeds
//! must not grow memory without bound).
//!
//! The order is kept by `hashlink`'s `LinkedHashMap` (already in the build
//! through sqlx): O(1) lookup, move-to-back and pop-oldest. This file only
//! adds the byte accounting: each entry is inserted with its weight (what
//! its key and value hold on the heap plus the map's per-entry overhead),
//! and inserting past the budget drops the least recently used entries
//! until the total fits again. An entry heavier than the whole budget is
//! refused (its caller serves it anyway, uncached). Lookups by hash and a
//! match function let the hot path find `(id, format, encoding)` without
//! building an owned key.
//!
//! No locking here: the caller wraps it in a mutex (every hit moves its
//! entry, so even reads write).

use std::hash::{BuildHasher, Hash};

use hashlink::LinkedHashMap;
use hashlink::linked_hash_map::RawEntryMut;

/// Bytes the map itself spends per entry beyond the key and value: the
/// list's two links, the hash table's slot pointer and control byte,
/// rounded up to a word.
const NODE_OVERHEAD: usize = 4 * std::mem::size_of::<usize>();

/// A map whose entries' weights add up to at most a budget; see the
/// module docs.
#[derive(Debug)]
pub(super) struct ByteLru<K, V> {
    /// Entries, least recently used first, each with its weight.
    map: LinkedHashMap<K, (V, usize)>,
    /// The bound on [`ByteLru::bytes`].
    budget: usize,
    /// Sum of the weights held.
    bytes: usize,
    /// Entries dropped to make room, since creation (not those removed by
    /// invalidation or replaced).
    evictions: u64,
}

impl<K: Hash + Eq, V> ByteLru<K, V> {
    /// An empty map holding at most `budget` bytes (0: holds nothing).
    pub(super) fn new(budget: usize) -> Self {
        Self {
            map: LinkedHashMap::new(),
            budget,
            bytes: 0,
            evictions: 0,
        }
    }

    /// What an entry of `key_bytes` and `value_bytes` (heap bytes the key
    /// and value own) is counted as: those plus the inline key and value
    /// and the map's node.
    pub(super) fn weight_of(key_bytes: usize, value_bytes: usize) -> usize {
        let inline = std::mem::size_of::<K>() + std::mem::size_of::<(V, usize)>();
        key_bytes + value_bytes + inline + NODE_OVERHEAD
    }

    /// The hash under which a key equal to `borrowed` is found, for
    /// [`ByteLru::get_by_hash`]: `borrowed` must hash as the key does.
    pub(super) fn hash_of(&self, borrowed: &impl Hash) -> u64 {
        self.map.hasher().hash_one(borrowed)
    }

    /// The entry with `hash` that `is_match` accepts, now the most recently
    /// used.
    pub(super) fn get_by_hash(
        &mut self,
        hash: u64,
        is_match: impl FnMut(&K) -> bool,
    ) -> Option<&V> {
        match self.map.raw_entry_mut().from_hash(hash, is_match) {
            RawEntryMut::Occupied(mut entry) => {
                entry.to_back();
                Some(&entry.into_mut().0)
            }
            RawEntryMut::Vacant(_) => None,
        }
    }

    /// The entry under `key`, now the most recently used.
    pub(super) fn get(&mut self, key: &K) -> Option<&V> {
        let hash = self.hash_of(key);
        self.get_by_hash(hash, |k| k == key)
    }

    /// Keeps `value` under `key` as the most recently used entry (replacing
    /// any), counted as `weight` bytes, then drops the least recently used
    /// entries until the total fits the budget. Returns `false`, keeping
    /// nothing, when `weight` alone exceeds the budget.
    pub(super) fn insert(&mut self, key: K, value: V, weight: usize) -> bool {
        self.remove(&key);
        if weight > self.budget {
            return false;
        }
        self.map.insert(key, (value, weight));
        self.bytes += weight;
        while self.bytes > self.budget {
            let Some((_, (_, dropped))) = self.map.pop_front() else {
                break;
            };
            self.bytes -= dropped;
            self.evictions += 1;
        }
        true
    }

    /// Drops the entry under `key`, if any.
    pub(super) fn remove(&mut self, key: &K) {
        if let Some((_, weight)) = self.map.remove(key) {
            self.bytes -= weight;
        }
    }

    /// Drops every entry.
    pub(super) fn clear(&mut self) {
        self.map.clear();
        self.bytes = 0;
    }

    /// Bytes held, as counted against the budget: never above it.
    pub(super) fn bytes(&self) -> usize {
        self.bytes
    }

    /// Entries held.
    pub(super) fn len(&self) -> usize {
        self.map.len()
    }

    /// Entries dropped to make room so far.
    pub(super) fn evictions(&self) -> u64 {
        self.evictions
    }

    /// The bound on [`ByteLru::bytes`].
    pub(super) fn budget(&self) -> usize {
        self.budget
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lru(budget: usize) -> ByteLru<u32, &'static str> {
        ByteLru::new(budget)
    }

    fn keys(lru: &ByteLru<u32, &'static str>) -> Vec<u32> {
        lru.map.keys().copied().collect()
    }

    #[test]
    fn the_least_recently_used_entry_goes_first() {
        let mut lru = lru(300);
        for key in 0..3 {
            assert!(lru.insert(key, "x", 100));
        }
        assert_eq!(lru.get(&0), Some(&"x"), "0 is now the most recent");
        assert!(lru.insert(3, "x", 100));
        assert_eq!(keys(&lru), [2, 0, 3], "1 was the least recent");
        assert!(lru.insert(4, "x", 150));
        assert_eq!(keys(&lru), [3, 4], "2 and 0 made room for 150 bytes");
        assert_eq!((lru.bytes(), lru.evictions()), (250, 3));
    }

    #[test]
    fn bytes_count_every_entry_once_and_never_pass_the_budget() {
        let mut lru = lru(1_000);
        for n in 0..500u32 {
            lru.insert(n % 37, "x", (n as usize * 7) % 400 + 1);
            assert!(lru.bytes() <= 1_000, "{n}: {}", lru.bytes());
            let sum: usize = lru.map.values().map(|(_, w)| w).sum();
            assert_eq!(lru.bytes(), sum, "{n}");
        }
        lru.insert(1, "x", 10);
        lru.insert(1, "y", 20);
        assert_eq!(lru.get(&1), Some(&"y"), "replaced, not added");
        let sum: usize = lru.map.values().map(|(_, w)| w).sum();
        assert_eq!(lru.bytes(), sum);
    }

    #[test]
    fn an_entry_larger_than_the_budget_is_refused_without_evicting() {
        let mut lru = lru(100);
        assert!(lru.insert(1, "x", 60));
        assert!(!lru.insert(2, "big", 101));
        assert_eq!(keys(&lru), [1]);
        assert!(lru.insert(3, "x", 40), "exactly full is within the budget");
        assert_eq!(lru.bytes(), 100);
        let mut none = ByteLru::<u32, u32>::new(0);
        assert!(!none.insert(1, 1, 1), "a zero budget holds nothing");
        assert_eq!(none.len(), 0);
    }

    #[test]
    fn removal_gives_its_bytes_back() {
        let mut lru = lru(1_000);
        for key in 0..10 {
            lru.insert(key, "x", 10 * (key as usize + 1));
        }
        lru.remove(&9);
        lru.remove(&42);
        assert_eq!(lru.bytes(), 450);
        assert_eq!(keys(&lru), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(lru.evictions(), 0, "invalidation is not eviction");
        lru.clear();
        assert_eq!((lru.len(), lru.bytes()), (0, 0));
    }

    #[test]
    fn lookup_by_hash_finds_what_hashes_like_the_key() {
        #[derive(Hash, PartialEq, Eq)]
        struct Key {
            id: Box<str>,
            n: u8,
        }
        let mut lru = ByteLru::<Key, u8>::new(1_000);
        let key = Key {
            id: "source".into(),
            n: 2,
        };
        lru.insert(key, 7, 10);
        let hash = lru.hash_of(&("source", 2u8));
        let found = lru.get_by_hash(hash, |k| &*k.id == "source" && k.n == 2);
        assert_eq!(found, Some(&7));
        let hash = lru.hash_of(&("source", 3u8));
        assert_eq!(lru.get_by_hash(hash, |k| k.n == 3), None);
    }

    #[test]
    fn weights_include_the_inline_key_value_and_node() {
        let weight = ByteLru::<u32, u64>::weight_of(5, 100);
        assert_eq!(weight, 5 + 100 + 4 + 16 + NODE_OVERHEAD);
    }
}
