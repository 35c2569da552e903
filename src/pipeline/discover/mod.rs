//! Finds a source's items from its URL alone (issue 10): feed, WordPress
//! REST API, structured data, teasers, in that order, the first that works.
//! PLACEHOLDER bodies: the pipeline helper replaces them; the public
//! signatures are the contract `refeed try` codes against.

use url::Url;

use super::RefreshError;
use crate::fetch::Fetcher;
use crate::model::{DiscoveryRecord, Method, ScrapedPage, TeaserPattern};

/// One detection run's inputs.
#[derive(Debug, Clone)]
pub struct Detect<'a> {
    /// The source's URL (listing page or feed).
    pub url: &'a Url,
    /// A method to force (`method = "..."`, `refeed try --method`).
    pub pin: Option<Method>,
    /// What the previous refresh found, to reuse.
    pub remembered: Option<&'a DiscoveryRecord>,
    /// Obey robots.txt (for the page and `/wp-json/`).
    pub respect_robots: bool,
    /// The source id (for logs and refusals), if any.
    pub source_id: Option<&'a str>,
}

/// What a method made of the page, for logs and `refeed try`.
#[derive(Debug, Clone, PartialEq)]
pub struct Considered {
    /// The method.
    pub method: Method,
    /// Items it found (0 when it did not apply).
    pub items: usize,
    /// Its score (teaser groups only).
    pub score: Option<f64>,
    /// In words: what it found, or why it did not apply or was rejected.
    pub verdict: String,
    /// For teaser groups: the pattern.
    pub pattern: Option<TeaserPattern>,
}

/// The outcome of detection.
#[derive(Debug, Clone)]
pub struct Discovered {
    /// The method that found the items.
    pub method: Method,
    /// The items, in page order, each canonical URL once.
    pub page: ScrapedPage,
    /// For teasers, the pattern (as CSS selectors).
    pub pattern: Option<TeaserPattern>,
    /// Every method and candidate considered, the chosen one first.
    pub considered: Vec<Considered>,
    /// Why the WordPress API was given up, when it was.
    pub wordpress_refused: Option<String>,
}

/// Detects the items of the page at `request.url`, fetching it (and the
/// WordPress API, when it applies) with `fetcher`.
pub async fn detect(fetcher: &Fetcher, request: &Detect<'_>) -> Result<Discovered, RefreshError> {
    let _ = (fetcher, request);
    Err(RefreshError::NoItems {
        url: request.url.to_string(),
    })
}

/// Detects the items of a saved page, without any network: the WordPress
/// API is not asked (a WordPress archive is reported as such).
pub fn detect_offline(
    body: &str,
    url: &Url,
    pin: Option<Method>,
) -> Result<Discovered, RefreshError> {
    let _ = (body, pin);
    Err(RefreshError::NoItems {
        url: url.to_string(),
    })
}
