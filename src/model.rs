//! Domain types shared by every layer, and the one rule about them that is
//! pure enough to live here: what makes two item URLs the same item (the
//! id, [`canonical_url`], and the looser matching key of [`dedup`]).
//!
//! Nothing in this module performs I/O; `fetch` and `store` convert their own
//! types into these at their edges.

use chrono::{DateTime, Utc};
use url::Url;

pub mod dedup;
pub mod discovery;
pub mod health;
pub mod lifecycle;
pub mod tracking;

pub use dedup::dedup_key;
pub use discovery::{DiscoveryRecord, Method, TeaserPattern};
pub use health::{
    FailureNotice, HealthTally, RefreshRecord, ScheduledRun, SourceHealth, StaleKind, StaleVerdict,
    StaleWarning, failure_notice_after,
};
pub use lifecycle::{Retention, SourceFate};
pub use tracking::{link_without_tracking, without_tracking};

/// An item as read from a listing page or an outlet's feed, before storage.
///
/// `summary` is raw HTML straight from the page or feed; the pipeline cleans
/// and sanitizes it before it is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScrapedItem {
    /// Title as plain text, whitespace collapsed.
    pub title: String,
    /// Absolute link to the item's page.
    pub link: Url,
    /// Raw (unsanitized) summary HTML, if the page or feed has one.
    pub summary: Option<String>,
    /// Full content HTML carried by the feed itself (`content:encoded`,
    /// Atom `content`), unsanitized.
    pub content: Option<String>,
    /// Publication date given by the listing or feed.
    pub published: Option<DateTime<Utc>>,
    /// Last-modified date given by the feed.
    pub updated: Option<DateTime<Utc>>,
    /// Author name given by the listing or feed.
    pub author: Option<String>,
    /// The item's image (a teaser's thumbnail, a feed's enclosure or
    /// `media:thumbnail`), absolute.
    pub image: Option<Url>,
}

/// What a listing page or feed yielded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScrapedPage {
    /// The page's or feed's own title, used when a source sets none.
    pub title: Option<String>,
    /// The outlet's site as a feed names it (its own `<link>`), absolute;
    /// `None` for a listing page, whose own address is its site link.
    pub site: Option<Url>,
    /// Items in page order (normally newest first).
    pub items: Vec<ScrapedItem>,
    /// Entries the page held past `scrape::MAX_PAGE_ITEMS`, left unread
    /// (0 for any real page).
    pub unread: usize,
    /// The first text a listing's `date` selector matched that is not a
    /// date (the selector probably points at the wrong element): the
    /// pipeline warns about it once per refresh.
    pub bad_date: Option<String>,
}

/// An article extracted from an item's own page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Article {
    /// Headline found on the page.
    pub title: Option<String>,
    /// Cleaned, sanitized article HTML with absolute links.
    pub html: String,
    /// The article as plain text: paragraphs separated by blank lines.
    pub text: String,
    /// Author from JSON-LD, meta tags or a byline.
    pub author: Option<String>,
    /// Publication date from JSON-LD, `article:published_time` or `<time>`.
    pub published: Option<DateTime<Utc>>,
    /// Modification date from the same places.
    pub modified: Option<DateTime<Utc>>,
    /// Lead image URL (`og:image`, JSON-LD `image`), absolute.
    pub image: Option<String>,
    /// The outlet's name (`og:site_name`, JSON-LD publisher).
    pub site_name: Option<String>,
    /// Language tag (`<html lang>`, `og:locale`, JSON-LD `inLanguage`).
    pub language: Option<String>,
    /// The page's own URL for itself (`<link rel="canonical">`, else
    /// `og:url`), absolute, as written: whether to believe it is the
    /// pipeline's call ([`dedup::accepted_canonical`]).
    pub canonical: Option<String>,
}

/// An item ready to be stored: scraped, cleaned, and merged with its article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewItem {
    /// Canonical URL (see [`canonical_url`]): the item's identity within a source.
    pub url: String,
    /// The absolute link as the outlet gave it, for readers to open.
    pub link: String,
    /// Plain-text title.
    pub title: String,
    /// Sanitized summary HTML.
    pub summary: Option<String>,
    /// Sanitized full article HTML (when the source has `full_text`).
    pub content: Option<String>,
    /// Author name.
    pub author: Option<String>,
    /// The item's own date, or its article's; `None` means "first seen".
    pub published: Option<DateTime<Utc>>,
    /// Last modification date when the outlet states one.
    pub modified: Option<DateTime<Utc>>,
    /// The item's image URL (absolute http(s)), served as its enclosure /
    /// JSON Feed `image`.
    pub image: Option<String>,
    /// The article page's canonical URL, when it was fetched and names a
    /// plausible page of the same site: the item is matched against it too
    /// (its [`dedup_key`]), so two links that lead to one article make one
    /// item. Not the item's id.
    pub canonical: Option<String>,
}

/// An item as kept by the store and republished.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredItem {
    /// The source the item belongs to.
    pub source_id: String,
    /// Canonical URL; also the item's permanent id in every feed format.
    pub url: String,
    /// Link for readers to open.
    pub link: String,
    /// Plain-text title.
    pub title: String,
    /// Sanitized summary HTML.
    pub summary: Option<String>,
    /// Sanitized article HTML.
    pub content: Option<String>,
    /// Author name.
    pub author: Option<String>,
    /// Publication date: the outlet's, else the moment refeed first saw the
    /// item. Fixed at first sight, so the item never comes back as new.
    pub published: DateTime<Utc>,
    /// When the item last changed (its modification date, or the refresh
    /// that saw its title or summary change).
    pub updated: DateTime<Utc>,
    /// The item's image URL, absolute.
    pub image: Option<String>,
}

/// What the store already holds of an item, so the pipeline can tell new and
/// changed items from unchanged ones before fetching any article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownItem {
    /// Stored title.
    pub title: String,
    /// Stored summary.
    pub summary: Option<String>,
    /// Whether an article body is stored.
    pub has_content: bool,
}

/// Counts from one successful refresh of one source.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RefreshCounts {
    /// Distinct items the listing or feed held.
    pub seen: u32,
    /// Items stored for the first time.
    pub new: u32,
    /// Known items whose title, summary, content or image changed.
    pub updated: u32,
    /// The outlet answered `304 Not Modified`: nothing was parsed or
    /// written beyond the refresh record (the counts above are then 0).
    pub not_modified: bool,
    /// Distinct items the page listed beyond the source's `max_new_items`,
    /// left out of this refresh (issue 9). Known to the refresh that made
    /// them only: the refresh record keeps the counts above, not this.
    pub items_cut: u32,
    /// Articles left for later refreshes by `max_article_fetches` (their
    /// items are stored without content and retried). Not kept in the
    /// refresh record either.
    pub articles_deferred: u32,
}

/// HTTP validators of a stored response (RFC 9110 §8.8), sent back as
/// `If-None-Match` / `If-Modified-Since` so an unchanged page costs a 304.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    /// The `ETag` header, verbatim (quotes and `W/` included).
    pub etag: Option<String>,
    /// The `Last-Modified` header, verbatim.
    pub last_modified: Option<String>,
}

impl Validators {
    /// True when there is nothing to send back.
    pub fn is_empty(&self) -> bool {
        self.etag.is_none() && self.last_modified.is_none()
    }
}

/// An origin's robots.txt answer kept across restarts (RFC 9309 §2.4 lets
/// a crawler reuse it for up to 24 hours), so that each new process, such
/// as a `refeed once` run from cron, does not ask every host again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedRobots {
    /// The origin, e.g. `https://example.org` or `http://127.0.0.2:8080`.
    pub origin: String,
    /// 200 for a fetched file, else the final status that decided the
    /// rules (a 404 allows everything, a 5xx or 429 disallows everything).
    pub status: u16,
    /// The file as fetched (empty unless `status` is 2xx).
    pub body: Vec<u8>,
    /// When the answer stops counting.
    pub expires: DateTime<Utc>,
}

/// What the HTTP layer and the feed writer need to know of a source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceMeta {
    /// Source id, used in feed URLs.
    pub id: String,
    /// Title from the config, if set (else the store's scraped title is used).
    pub title: Option<String>,
    /// The outlet page or feed the source reads.
    pub url: Url,
    /// Items per served feed.
    pub max_items: usize,
    /// The shortest gap between the schedule's coming runs: how long a
    /// served feed stays fresh, for `Cache-Control: max-age` (issue 4).
    pub refresh_interval: std::time::Duration,
}

/// The refresh interval assumed for a schedule that stops firing (and for
/// the combined feed when no source is configured).
pub const FALLBACK_REFRESH_INTERVAL: std::time::Duration = std::time::Duration::from_secs(3600);

/// Query parameters that identify tracking, not content
/// (`utm_*` is matched by prefix).
const TRACKING_PARAMS: &[&str] = &["fbclid", "gclid", "mc_cid", "mc_eid"];

/// The canonical form of an item URL, used as its identity.
///
/// Scheme and host are lower-cased and the default port dropped (both done by
/// the `url` crate's parser); credentials (`user:pw@`), the fragment and
/// tracking parameters (`utm_*`, `fbclid`, `gclid`, `mc_cid`, `mc_eid`) are
/// removed. The order of the remaining parameters is kept: some CMSs route
/// on it. Stored ids keep this form forever; looser matching (http and
/// https, AMP forms, referral tags) is [`dedup_key`]'s job.
pub fn canonical_url(url: &Url) -> String {
    let mut url = dedup::without_credentials(url);
    url.set_fragment(None);
    if url.query().is_some() {
        let kept: Vec<(String, String)> = url
            .query_pairs()
            .filter(|(key, _)| !is_tracking_param(key))
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        if kept.is_empty() {
            url.set_query(None);
        } else {
            url.query_pairs_mut().clear().extend_pairs(kept);
        }
    }
    url.into()
}

fn is_tracking_param(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    key.starts_with("utm_") || TRACKING_PARAMS.contains(&key.as_str())
}

/// FNV-1a, 64 bits: a tiny hash whose values never change, unlike std's
/// `DefaultHasher`, which promises nothing across Rust releases. Used where
/// a hash is stored or must agree between processes and builds: learned
/// boilerplate fingerprints, per-source schedule offsets, the digest of a
/// source's parsing rules.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    const OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    bytes.iter().fold(OFFSET_BASIS, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(PRIME)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_gives_the_published_test_vectors() {
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(b"foobar"), 0x8594_4171_f739_67e8);
    }

    fn canon(s: &str) -> String {
        canonical_url(&Url::parse(s).unwrap())
    }

    #[test]
    fn canonical_url_lowercases_scheme_and_host_and_drops_default_port() {
        assert_eq!(
            canon("HTTPS://Example.ORG:443/Path/Case?x=1"),
            "https://example.org/Path/Case?x=1"
        );
        assert_eq!(canon("http://example.org:80/a"), "http://example.org/a");
        assert_eq!(
            canon("http://example.org:8080/a"),
            "http://example.org:8080/a"
        );
    }

    #[test]
    fn canonical_url_drops_fragment_and_tracking_parameters() {
        assert_eq!(
            canon("https://example.org/post/?utm_source=rss&utm_medium=feed&p=7&fbclid=x#comments"),
            "https://example.org/post/?p=7"
        );
        assert_eq!(
            canon("https://example.org/a?gclid=1&mc_cid=2&mc_eid=3&UTM_Campaign=4"),
            "https://example.org/a"
        );
    }

    #[test]
    fn canonical_url_drops_credentials() {
        assert_eq!(
            canon("http://user:pw@example.org/a?x=1"),
            "http://example.org/a?x=1"
        );
    }

    #[test]
    fn canonical_url_keeps_parameter_order() {
        assert_eq!(
            canon("https://example.org/?b=2&a=1"),
            "https://example.org/?b=2&a=1"
        );
    }
}
