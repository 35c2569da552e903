//! Why a refresh failed, and the guard that turns a panic in a refresh into
//! such a failure. Recording the failure is `Pipeline::refresh`'s job.

use chrono::Utc;
use futures::FutureExt;

use crate::fetch::FetchError;
use crate::scrape::ScrapeError;
use crate::store::StoreError;

/// Why a refresh failed. The message is what the store records and the index
/// page shows, so each variant says which step failed; causes live in `source`.
#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    /// The listing page or feed could not be fetched. Its message is the
    /// fetch error's, which names the URL and leads with the cause
    /// ("connection refused (URL)", "URL answered HTTP 500"): a prefix
    /// such as "cannot fetch the source page" would push the cause out of
    /// a narrow status column and repeat what the URL says (issue 12).
    #[error(transparent)]
    Fetch(FetchError),
    /// The source has no `[source.items]`, so its URL must be a feed, and it is not one.
    #[error("cannot read {url} as a feed (add [source.items] selectors if it is a web page)")]
    Feed {
        /// The URL that was read.
        url: String,
        /// What the feed reader said.
        #[source]
        source: ScrapeError,
    },
    /// The listing page or feed is a parse bomb (beyond the `markup`
    /// limits): it was refused unparsed.
    #[error("refusing to parse {url}")]
    TooComplex {
        /// The URL that was read.
        url: String,
        /// Which limit it broke.
        #[source]
        source: crate::markup::TooComplex,
    },
    /// No method found a list of articles on the page (issue 10), or the
    /// user's selectors matched no item with a title and a link.
    #[error(
        "found no list of articles on {url}: add [source.items] selectors (refeed try {url} shows what was considered)"
    )]
    NoItems {
        /// The page's URL.
        url: String,
    },
    /// The source pins a method (`method = "..."`) that does not apply to
    /// its URL, or finds nothing there.
    #[error(
        "method = \"{method}\" found no items on {url}: {reason} (refeed try {url} shows what was considered)"
    )]
    Pinned {
        /// The page's URL.
        url: String,
        /// The pinned method.
        method: crate::model::Method,
        /// Why it did not apply.
        reason: String,
    },
    /// A new source's `[source.items]` selectors matched no item with a
    /// title and a link (issue 10: not "ok, 0 seen"). A source that yielded
    /// items before gets the stale warning instead (issue 5).
    #[error(
        "the [source.items] selectors find no item with a title and a link on {url} \
         (item = {item:?}, title = {title:?}, link = {link:?}): \
         refeed try {url} shows what the page holds"
    )]
    NoSelectedItems {
        /// The page's URL.
        url: String,
        /// The `item` selector.
        item: String,
        /// The `title` selector.
        title: String,
        /// The `link` selector.
        link: String,
    },
    /// Parsing work on the blocking pool died (a bug; logged in full).
    #[error("parsing the page failed unexpectedly")]
    Parse(#[source] tokio::task::JoinError),
    /// The database refused the refresh; stored items are unchanged.
    #[error("cannot store the refresh")]
    Store(#[from] StoreError),
    /// The refresh panicked: a bug in refeed, caught so that the worker
    /// and the source's schedule survive it (logged in full).
    #[error("the refresh failed on an internal error (a bug in refeed): {0}")]
    Panicked(String),
}

impl RefreshError {
    /// The error and its causes on one line, as recorded and shown to users.
    pub fn chain(&self) -> String {
        error_chain(self)
    }

    /// When the outlet asked to be left alone until (`Retry-After` on a
    /// 429 or 503), if it did.
    pub fn retry_at(&self) -> Option<chrono::DateTime<Utc>> {
        match self {
            Self::Fetch(err) => err.retry_at(),
            _ => None,
        }
    }
}

/// Runs a refresh, turning a panic in it into [`RefreshError::Panicked`].
/// Without this a panic in async code (the fetcher, the store) would end
/// the worker's task with the source still marked as running: it would be
/// skipped as "still running" until a restart, with no failure recorded.
pub(super) async fn catch_panic<F>(refresh: F) -> Result<crate::model::RefreshCounts, RefreshError>
where
    F: std::future::Future<Output = Result<crate::model::RefreshCounts, RefreshError>>,
{
    // Unwind safety: after a panic nothing of the refresh is reused but
    // shared handles (the client's pool, the store's pool, the per-host
    // gates), whose locks are held only for single map operations.
    match std::panic::AssertUnwindSafe(refresh).catch_unwind().await {
        Ok(result) => result,
        Err(panic) => {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "panic without a message".to_owned());
            Err(RefreshError::Panicked(message))
        }
    }
}

/// An error and its causes on one line (`a: b: c`), for records and logs.
pub(super) fn error_chain(err: &dyn std::error::Error) -> String {
    let mut message = err.to_string();
    let mut cause = err.source();
    while let Some(err) = cause {
        message.push_str(": ");
        message.push_str(&err.to_string());
        cause = err.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::RefreshCounts;

    #[tokio::test]
    async fn a_panicking_refresh_is_an_error_not_a_dead_worker() {
        let ok = catch_panic(async { Ok(RefreshCounts::default()) }).await;
        assert!(ok.is_ok());
        // As an overflowing date made chrono panic inside the fetcher.
        let panicked = catch_panic(async { panic!("a limit was set") }).await;
        let err = panicked.unwrap_err();
        assert!(matches!(err, RefreshError::Panicked(_)), "{err:?}");
        assert_eq!(
            err.chain(),
            "the refresh failed on an internal error (a bug in refeed): a limit was set"
        );
        let formatted = catch_panic(async { panic!("page {} of {}", 2, 3) }).await;
        assert!(formatted.unwrap_err().chain().ends_with("page 2 of 3"));
    }

    #[test]
    fn error_chain_joins_causes() {
        let err = RefreshError::Feed {
            url: "https://example.org/feed".into(),
            source: ScrapeError::NotAFeed {
                root: "html".into(),
            },
        };
        let chain = err.chain();
        assert!(chain.starts_with("cannot read https://example.org/feed as a feed"));
        assert!(chain.ends_with(": not an RSS or Atom feed (root element: html)"));
    }
}
