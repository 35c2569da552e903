//! Finds a listing page's items without selectors (issue 10). Pure: one
//! parse of the page in, a [`Survey`] out: what the page offers by each
//! method, for the pipeline (or `refeed try`) to choose from in the order
//! of [`Method::DISCOVERED`].
//!
//! - `feeds`: the feeds the page advertises (`<link rel="alternate">`);
//! - `wordpress`: whether the page is a WordPress archive, and the REST API
//!   query that lists the same posts; reading the API's answer;
//! - `structured`: JSON-LD lists and embedded app state (`__NEXT_DATA__`);
//! - `teasers`: the page's repeated teaser blocks, as CSS selectors.

use url::Url;

use super::ScrapeError;
use crate::markup;
use crate::model::{ScrapedItem, TeaserPattern};

mod feeds;
mod structured;
mod teasers;
mod wordpress;

pub use wordpress::{WpArchive, WpKind, wordpress_posts};

/// Everything one parse of a web page tells about its items.
#[derive(Debug, Clone, Default)]
pub struct Survey {
    /// The page's own title (`og:title`, `<title>`, `og:site_name`).
    pub title: Option<String>,
    /// Feeds the page advertises (`<link rel="alternate">` of an RSS, Atom
    /// or JSON Feed type), absolute, in page order.
    pub feeds: Vec<Url>,
    /// The WordPress archive the page is, when it is one.
    pub wordpress: Option<WpArchive>,
    /// Items from JSON-LD or embedded app state, when the page plainly
    /// holds a list of articles there.
    pub structured: Option<Found>,
    /// Teaser groups, best first: the first is the one to take (it may
    /// join several groups of the page); the others are what was
    /// considered and rejected. Empty when the page has none.
    pub teasers: Vec<TeaserGroup>,
}

/// Items found by one method, with the reason in words.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    /// Items in page order, links absolute, each link once.
    pub items: Vec<ScrapedItem>,
    /// What was found, for logs and `refeed try` ("JSON-LD ItemList of 12
    /// NewsArticle").
    pub why: String,
}

/// A group of teasers: its pattern, its score, and its items.
#[derive(Debug, Clone, PartialEq)]
pub struct TeaserGroup {
    /// The group as CSS selectors; `scrape::listing` with them yields
    /// exactly [`TeaserGroup::items`].
    pub pattern: TeaserPattern,
    /// Higher is more likely the page's list of articles; comparable
    /// between the groups of one page only.
    pub score: f64,
    /// The group's items, in page order.
    pub items: Vec<ScrapedItem>,
    /// Whether the group is good enough to be taken (only the first group
    /// of a survey can be): a page without a list of articles yields
    /// groups that are all rejected.
    pub accepted: bool,
    /// Why it scored as it did, in words ("24 teasers with h2 headlines in
    /// main; 3 in a sidebar 'popular' box").
    pub why: String,
}

/// Surveys a web page (not a feed) for its items by every method.
///
/// A page beyond the [`markup`] limits is refused before it is parsed.
pub fn survey(html: &str, base: &Url) -> Result<Survey, ScrapeError> {
    markup::check(html)?;
    let doc = markup::parse::document(html);
    let base = super::listing::document_base(&doc, base);
    Ok(Survey {
        title: super::listing::page_title(&doc),
        feeds: feeds::advertised(&doc, &base),
        wordpress: wordpress::archive(&doc, &base),
        structured: structured::find(&doc, &base),
        teasers: teasers::find(&doc, &base),
    })
}
