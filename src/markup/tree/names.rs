//! Element names to ids, for the model's per-name tables. Every tag looks
//! its name up, so the common path avoids hashing: short names (up to 7
//! bytes: nearly all HTML names) are packed into a `u64` and found in a
//! small direct-mapped cache, and the names the model itself asks about
//! (`p`, `li`, `td`...) have fixed ids.

use std::collections::HashMap;

/// The names the closing rules look up, with ids 0, 1, 2... in this order.
const KNOWN: &[&[u8]] = &[
    b"p", b"li", b"dd", b"dt", b"option", b"td", b"th", b"tr", b"tbody", b"thead", b"tfoot",
    b"table", b"a", b"button", b"select",
];

/// Slots of the cache (a power of two).
const SLOTS: usize = 64;

/// An empty slot's key: no packed name has a length byte of 0xFF.
const EMPTY: u64 = u64::MAX;

/// The names seen in one page.
pub(super) struct Names {
    /// Every name's id. Hashed with foldhash, seeded per page: the random
    /// seed stops crafted names from colliding (SipHash was a fifth of this
    /// pass's time). Names that collide in `recent` only cost a lookup here.
    map: HashMap<Box<[u8]>, u32, foldhash::fast::RandomState>,
    /// Recently looked-up short names, by packed name.
    recent: [(u64, u32); SLOTS],
}

impl Names {
    /// The table with the [`KNOWN`] names; `on_new` is called for each, in
    /// id order.
    pub(super) fn new(mut on_new: impl FnMut(&[u8])) -> Names {
        let mut names = Names {
            map: HashMap::default(),
            recent: [(EMPTY, 0); SLOTS],
        };
        for (id, name) in (0u32..).zip(KNOWN) {
            names.map.insert((*name).into(), id);
            on_new(name);
        }
        names
    }

    /// The id of a lower-case name, if it was seen (the [`KNOWN`] names
    /// without hashing).
    pub(super) fn get(&self, lower: &[u8]) -> Option<u32> {
        match KNOWN.iter().position(|k| *k == lower) {
            Some(at) => u32::try_from(at).ok(),
            None => self.map.get(lower).copied(),
        }
    }

    /// The id of a lower-case name, giving it `next` if it is new (then
    /// `true`).
    pub(super) fn id(&mut self, lower: &[u8], next: u32) -> (u32, bool) {
        let Some(key) = pack(lower) else {
            return self.id_hashed(lower, next);
        };
        let slot = slot(key);
        if self.recent[slot].0 == key {
            return (self.recent[slot].1, false);
        }
        let (id, new) = self.id_hashed(lower, next);
        self.recent[slot] = (key, id);
        (id, new)
    }

    fn id_hashed(&mut self, lower: &[u8], next: u32) -> (u32, bool) {
        if let Some(id) = self.map.get(lower) {
            return (*id, false);
        }
        self.map.insert(lower.into(), next);
        (next, true)
    }
}

/// A name of up to 7 bytes as one number: its bytes, and its length in
/// the top byte.
fn pack(name: &[u8]) -> Option<u64> {
    if name.len() > 7 {
        return None;
    }
    let mut key = (name.len() as u64) << 56;
    for (i, b) in name.iter().enumerate() {
        key |= u64::from(*b) << (8 * i);
    }
    Some(key)
}

/// The cache slot of a packed name (Fibonacci hashing: the top bits of
/// the product).
fn slot(key: u64) -> usize {
    (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - SLOTS.trailing_zeros())) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_keep_their_ids_through_the_cache_and_collisions() {
        let mut seen = Vec::new();
        let mut names = Names::new(|n| seen.push(n.to_vec()));
        assert_eq!(seen.len(), KNOWN.len());
        assert_eq!(names.get(b"li"), Some(1));
        let mut next = KNOWN.len() as u32;
        let mut ids = HashMap::new();
        // Enough short names that many share a cache slot, and long ones.
        let all: Vec<Vec<u8>> = (0..500)
            .map(|i| format!("n{i}").into_bytes())
            .chain((0..20).map(|i| format!("a-long-custom-name-{i}").into_bytes()))
            .chain(KNOWN.iter().map(|k| k.to_vec()))
            .collect();
        for round in 0..3 {
            for name in &all {
                let (id, new) = names.id(name, next);
                if new {
                    next += 1;
                }
                assert_eq!(new, round == 0 && !KNOWN.contains(&name.as_slice()));
                assert_eq!(*ids.entry(name.clone()).or_insert(id), id, "{name:?}");
                assert_eq!(names.get(name), Some(id));
            }
        }
    }
}
