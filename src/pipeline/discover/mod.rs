//! Finds a source's items from its URL alone (issue 10): feed, WordPress
//! REST API, structured data, teasers, in that order, the first that works
//! (or only the pinned method). Reading the page is `scrape::discover`'s
//! job; this module fetches (the page, the API, the page's own feed),
//! runs the parsing on the blocking pool, and chooses (`choose`, pure).
//!
//! - `choose`: the order of the methods, pins, and reusing a remembered
//!   teaser pattern;
//! - `wordpress`: asking the REST API, and which of its refusals to
//!   remember;
//! - `enrich`: items found on a page take what they lack from the page's
//!   own feed.

use url::Url;

use super::RefreshError;
use super::cpu::Cpu;
use crate::fetch::{FetchOptions, Fetched, Fetcher};
use crate::model::{DiscoveryRecord, Method, ScrapedPage, TeaserPattern};
use crate::scrape::{self, ListingRules, ScrapeError};

mod choose;
mod enrich;
mod wordpress;

pub(crate) use choose::{Look, WpAnswer, choose};

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
    let options = options(request);
    let page = match fetcher
        .fetch(request.url, &options)
        .await
        .map_err(RefreshError::Fetch)?
    {
        Fetched::Page(page) => page,
        // Not asked conditionally: a 304 here is the server's mistake.
        Fetched::NotModified => {
            return Err(RefreshError::NoItems {
                url: request.url.to_string(),
            });
        }
    };
    detect_page(fetcher, &Cpu::per_core(), request, page.body, page.url).await
}

/// Detects the items of a saved page, without any network: the WordPress
/// API is not asked (a WordPress archive is reported as such).
pub fn detect_offline(
    body: &str,
    url: &Url,
    pin: Option<Method>,
) -> Result<Discovered, RefreshError> {
    let look = look(body, url, None).map_err(|err| scrape_error(url, err))?;
    let wordpress = match &look {
        Look::Page { survey, .. } => match &survey.wordpress {
            Some(archive) => WpAnswer::NotAsked(format!(
                "offline: its REST API ({}) was not asked",
                archive.api
            )),
            None => WpAnswer::NotAsked("not a WordPress archive".to_owned()),
        },
        Look::Feed(_) => WpAnswer::NotAsked("a feed".to_owned()),
    };
    choose(url, pin, None, look, wordpress)
}

/// Detects the items of a fetched page (`body` as read from `url`, after
/// redirects): one look at it on the blocking pool, the WordPress API
/// when it applies, the choice, then the page's own feed for what the
/// items lack.
pub(super) async fn detect_page(
    fetcher: &Fetcher,
    cpu: &Cpu,
    request: &Detect<'_>,
    body: String,
    url: Url,
) -> Result<Discovered, RefreshError> {
    let pattern = choose::remembered_pattern(request.pin, request.remembered);
    let (look_url, size) = (url.clone(), body.len());
    let look = cpu
        .run_sized(size, move || look(&body, &look_url, pattern.as_ref()))
        .await
        .map_err(RefreshError::Parse)?
        .map_err(|err| scrape_error(&url, err))?;
    let answer = wordpress::answer(fetcher, cpu, request, &look).await;
    let feeds = match &look {
        Look::Page { survey, .. } => survey.feeds.clone(),
        Look::Feed(_) => Vec::new(),
    };
    let mut found = choose(&url, request.pin, request.remembered, look, answer)?;
    if matches!(found.method, Method::Structured | Method::Teasers) {
        enrich::from_own_feed(fetcher, cpu, request, &feeds, &mut found.page).await;
    }
    Ok(found)
}

/// The fetch options of detection's requests.
fn options(request: &Detect<'_>) -> FetchOptions {
    FetchOptions {
        validators: None,
        ignore_robots: !request.respect_robots,
        linked_from: request.source_id.map(str::to_owned),
    }
}

/// One look at a body: a feed, else a web page surveyed by every method
/// (and by the remembered teaser pattern, when there is one).
fn look(body: &str, url: &Url, pattern: Option<&TeaserPattern>) -> Result<Look, ScrapeError> {
    match scrape::feed(body, url) {
        Ok(page) => return Ok(Look::Feed(page)),
        Err(ScrapeError::NotAFeed { .. }) => {}
        Err(err) => return Err(err),
    }
    let survey = scrape::discover::survey(body, url)?;
    let reused = match pattern.and_then(listing_rules) {
        Some(rules) => Some(scrape::listing(body, url, &rules)?),
        None => None,
    };
    Ok(Look::Page {
        survey: Box::new(survey),
        reused,
    })
}

/// A teaser pattern compiled into listing rules (`None` if a stored
/// selector no longer parses, which makes detection run again).
pub(crate) fn listing_rules(pattern: &TeaserPattern) -> Option<ListingRules> {
    let css = |text: &str| scraper::Selector::parse(text).ok();
    let optional = |text: &Option<String>| match text {
        Some(text) => css(text).map(Some),
        None => Some(None),
    };
    Some(ListingRules {
        item: css(&pattern.item)?,
        title: css(&pattern.title)?,
        link: css(&pattern.link)?,
        summary: optional(&pattern.summary)?,
        date: optional(&pattern.date)?,
        author: optional(&pattern.author)?,
        image: optional(&pattern.image)?,
    })
}

/// Why the page at `url` could not be read.
pub(crate) fn scrape_error(url: &Url, source: ScrapeError) -> RefreshError {
    let url = url.to_string();
    match source {
        ScrapeError::TooComplex(source) => RefreshError::TooComplex { url, source },
        source => RefreshError::Feed { url, source },
    }
}
