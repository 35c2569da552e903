//! The formatting elements closed by something else that html5ever will
//! reopen: counted in the depth until their own end tag or a marker
//! element's end drops them.

use std::collections::HashMap;

/// Formatting elements closed by something else, which html5ever reopens
/// at the next text (the "list of active formatting elements" beyond what
/// is on the stack).
#[derive(Debug, Default)]
pub(super) struct Pending {
    /// In order; `None` once closed by its own end tag.
    pub(super) entries: Vec<Option<(u32, u64)>>,
    pub(super) live: usize,
    /// Indices into `entries` of the live ones, per name.
    by_name: HashMap<u32, Vec<usize>>,
    /// How many identical ones are live (html5ever keeps at most three:
    /// the "Noah's Ark" clause).
    identical: HashMap<(u32, u64), usize>,
}

impl Pending {
    pub(super) fn add(&mut self, name: u32, identity: u64) {
        let same = self.identical.entry((name, identity)).or_default();
        if *same >= 3 {
            return;
        }
        *same += 1;
        self.by_name
            .entry(name)
            .or_default()
            .push(self.entries.len());
        self.entries.push(Some((name, identity)));
        self.live += 1;
    }

    /// Closes the latest one named `name`, if any.
    pub(super) fn close_last(&mut self, name: u32) {
        let Some(index) = self.by_name.get_mut(&name).and_then(Vec::pop) else {
            return;
        };
        if let Some(key) = self.entries[index].take() {
            self.forget(key);
        }
    }

    /// Closes those added after the first `len` (a cell or other marker
    /// element ended: html5ever clears the list up to its marker).
    pub(super) fn truncate(&mut self, len: usize) {
        while self.entries.len() > len {
            if let Some(Some(key)) = self.entries.pop() {
                self.by_name.get_mut(&key.0).and_then(Vec::pop);
                self.forget(key);
            }
        }
    }

    fn forget(&mut self, key: (u32, u64)) {
        if let Some(same) = self.identical.get_mut(&key) {
            *same -= 1;
        }
        self.live -= 1;
    }
}
