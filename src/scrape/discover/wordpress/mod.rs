//! WordPress archives and their REST API (issue 10, method 2).
//!
//! A WordPress archive page (tag, category, author, date, search, the blog
//! home) lists the same posts as one query of the site's REST API, which
//! carries each post's full text, GMT dates, author and featured image: no
//! article page need be fetched. This module recognises such a page and
//! writes the query ([`WpArchive::api`]); `posts` reads the API's answer.
//! It never fetches: the pipeline asks the API politely and falls back to
//! the next method when it refuses.
//!
//! Recognition needs real evidence of WordPress (the `https://api.w.org/`
//! link that WordPress prints in every page's head, or the generator meta)
//! plus evidence of the archive kind from the page itself (the term's REST
//! alternate link, or the body classes WordPress prints); a URL that merely
//! looks like `/tag/x/` is never enough.

use std::sync::LazyLock;

use scraper::{Html, Selector};
use url::Url;

mod kind;
mod posts;
mod query;

pub use posts::wordpress_posts;

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

fn selector(css: &str) -> Selector {
    Selector::parse(css).expect("built-in selector is valid")
}

static API_LINK: LazyLock<Selector> =
    LazyLock::new(|| selector(r#"link[rel="https://api.w.org/"][href]"#));
static GENERATOR: LazyLock<Selector> =
    LazyLock::new(|| selector(r#"meta[name="generator"][content]"#));

/// The WordPress archive `doc` is, with the posts query of its REST API;
/// `None` unless the page shows both that it is WordPress and which
/// archive it is.
pub(super) fn archive(doc: &Html, base: &Url) -> Option<WpArchive> {
    let api_link = doc
        .select(&API_LINK)
        .filter_map(|l| l.value().attr("href"))
        .find_map(|href| crate::scrape::text::resolve_http(base, href));
    let generator = generator(doc);
    if api_link.is_none() && generator.is_none() {
        return None;
    }
    let found = kind::recognise(doc, base)?;
    let root = api_link
        .clone()
        .or_else(|| found.root.clone())
        .or_else(|| base.join("/wp-json/").ok())?;
    let api = query::posts(&root, &found.kind)?;
    let wordpress = match (&api_link, &generator) {
        (Some(_), _) => "the api.w.org link".to_owned(),
        (None, Some(g)) => format!("the generator \"{g}\""),
        (None, None) => return None,
    };
    Some(WpArchive {
        why: format!("WordPress ({wordpress}) {}", found.why),
        kind: found.kind,
        api,
    })
}

/// The generator meta when it names WordPress ("WordPress 6.4.2").
fn generator(doc: &Html) -> Option<String> {
    doc.select(&GENERATOR)
        .filter_map(|m| m.value().attr("content"))
        .map(str::trim)
        .find(|g| g.starts_with("WordPress"))
        .map(str::to_owned)
}

#[cfg(test)]
mod tests;
