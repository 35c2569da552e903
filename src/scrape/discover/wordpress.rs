//! WordPress archives and their REST API.

use scraper::Html;
use url::Url;

use crate::model::ScrapedPage;
use crate::scrape::ScrapeError;

/// A WordPress archive page and the REST API query listing its posts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WpArchive {
    /// Which archive it is.
    pub kind: WpKind,
    /// The absolute posts query (`/wp-json/wp/v2/posts?tags=N&per_page=..&_embed=author`).
    pub api: Url,
    /// How it was recognised, in words.
    pub why: String,
}

/// The kinds of WordPress archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WpKind {
    /// A tag archive, by term id.
    Tag(u64),
    /// A category archive, by term id.
    Category(u64),
    /// An author archive, by user id.
    Author(u64),
    /// A date archive.
    Date {
        /// Year.
        year: i32,
        /// Month, when the archive is of one.
        month: Option<u32>,
        /// Day, when the archive is of one.
        day: Option<u32>,
    },
    /// Search results.
    Search(String),
    /// The blog's home page (latest posts).
    Home,
}

/// PLACEHOLDER (helper replaces).
pub(super) fn archive(_doc: &Html, _base: &Url) -> Option<WpArchive> {
    None
}

/// PLACEHOLDER (helper replaces): reads the REST API's posts array.
pub fn wordpress_posts(_json: &str, _base: &Url) -> Result<ScrapedPage, ScrapeError> {
    Ok(ScrapedPage::default())
}
