//! A source's lifecycle (issue 12, point 8): how long its items are kept
//! ([`Retention`]), and what became of a feed id no source is configured
//! under ([`SourceFate`]).

use std::time::Duration;

/// How long a source's items are kept: `keep` (age, by the item's date)
/// and/or `keep_items` (the newest N, in feed order). Both unset (the
/// default) keeps every item.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Retention {
    /// `keep`: items dated longer ago than this are deleted.
    pub keep: Option<Duration>,
    /// `keep_items`: all but the newest this many items are deleted.
    pub keep_items: Option<usize>,
}

impl Retention {
    /// Whether this keeps every item (nothing to prune).
    pub fn keeps_all(&self) -> bool {
        self.keep.is_none() && self.keep_items.is_none()
    }
}

/// What the database knows of a feed id that no configured source has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceFate {
    /// `previous_ids` renamed it to this id.
    Renamed(String),
    /// It was a source once, since removed from the config (its items are
    /// kept for `[storage] keep_removed`).
    Removed,
    /// Never a source of this database.
    Unknown,
}
