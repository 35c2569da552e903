//! What the refreshes of one pipeline have fetched so far: items read off
//! listings and feeds, article pages requested. `refeed once` shows it as
//! its progress on a terminal (issue 12); counters only, cheap to bump.

use std::sync::atomic::{AtomicUsize, Ordering};

/// Running totals, shared by every clone of a pipeline.
#[derive(Debug, Default)]
pub struct Tally {
    items: AtomicUsize,
    articles: AtomicUsize,
}

impl Tally {
    /// Items read off listings and feeds so far (after `max_new_items`).
    pub fn items(&self) -> usize {
        self.items.load(Ordering::Relaxed)
    }

    /// Article pages requested so far (a 304 or a failure counts too).
    pub fn articles(&self) -> usize {
        self.articles.load(Ordering::Relaxed)
    }

    /// Counts `n` items read.
    pub(super) fn add_items(&self, n: usize) {
        self.items.fetch_add(n, Ordering::Relaxed);
    }

    /// Counts one article page requested.
    pub(super) fn add_article(&self) {
        self.articles.fetch_add(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_add_up() {
        let tally = Tally::default();
        tally.add_items(3);
        tally.add_items(2);
        tally.add_article();
        assert_eq!((tally.items(), tally.articles()), (5, 1));
    }
}
