//! Items from structured data (issue 10, method 3): JSON-LD lists
//! (`ItemList`, a `CollectionPage`'s or `Blog`'s `mainEntity`/`hasPart`/
//! `blogPost`, several `Article` objects) and embedded app state
//! (`__NEXT_DATA__` and similar JSON) that plainly holds a list of articles.
//!
//! Pages built by JavaScript often carry their list only there, with no
//! teaser links in the HTML a server sends. Teaser detection comes next, so
//! this module is conservative: a page's own article (one `NewsArticle`)
//! is not a list, and app state counts only when an array of objects each
//! has a title and a same-site link.
//!
//! Costs are bounded: scripts over [`MAX_SCRIPT_BYTES`] are skipped, at
//! most [`MAX_SCRIPTS`] are read, and each JSON tree is walked to at most
//! [`MAX_DEPTH`] levels and [`MAX_NODES`] values.

use scraper::{Html, Selector};
use serde_json::Value;
use url::Url;

use super::Found;
use crate::model::ScrapedItem;

mod app_state;
mod fields;
mod jsonld;
mod walk;

/// Scripts larger than this are not parsed (2 MiB): a real page's JSON-LD
/// is a few kB and a Next.js page's state rarely passes a few hundred kB;
/// a larger one costs more than a miss here (teasers come next).
pub const MAX_SCRIPT_BYTES: usize = 2 * 1024 * 1024;

/// At most this many scripts of each kind are read from one page.
pub const MAX_SCRIPTS: usize = 64;

/// JSON deeper than this is not walked.
pub const MAX_DEPTH: usize = 48;

/// At most this many JSON values are visited per script.
pub const MAX_NODES: usize = 200_000;

/// Fewer items than this are not a list.
const MIN_ITEMS: usize = 2;

fn selector(css: &str) -> Selector {
    Selector::parse(css).expect("built-in selector is valid")
}

/// A candidate list: its items and what it is, in words.
struct List {
    items: Vec<ScrapedItem>,
    what: String,
}

/// Items of the page's JSON-LD list, else of its app state; `None` when
/// neither plainly holds at least two articles.
pub(super) fn find(doc: &Html, base: &Url) -> Option<Found> {
    let lists = [jsonld::lists(doc, base), app_state::lists(doc, base)];
    lists.into_iter().find_map(|candidates| {
        let best = candidates
            .into_iter()
            .map(|l| List {
                items: dedup(l.items, base),
                what: l.what,
            })
            .filter(|l| l.items.len() >= MIN_ITEMS)
            .reduce(|best, l| {
                if l.items.len() > best.items.len() {
                    l
                } else {
                    best
                }
            })?;
        Some(Found {
            why: format!("{} of {} items", best.what, best.items.len()),
            items: best.items,
        })
    })
}

/// Each link once (the first wins), never the page itself.
fn dedup(items: Vec<ScrapedItem>, base: &Url) -> Vec<ScrapedItem> {
    let mut seen = std::collections::HashSet::new();
    let page = without_fragment(base);
    items
        .into_iter()
        .filter(|i| without_fragment(&i.link) != page && seen.insert(i.link.clone()))
        .take(crate::scrape::MAX_PAGE_ITEMS)
        .collect()
}

fn without_fragment(url: &Url) -> Url {
    let mut url = url.clone();
    url.set_fragment(None);
    url
}

/// The JSON of the scripts `sel` matches, parsed, up to the limits.
fn scripts_json(doc: &Html, sel: &Selector) -> Vec<Value> {
    doc.select(sel)
        .take(MAX_SCRIPTS)
        .filter_map(|script| {
            let text: String = script.text().collect();
            (text.len() <= MAX_SCRIPT_BYTES).then_some(text)
        })
        .filter_map(|text| parse_lenient(&text))
        .collect()
}

/// JSON-LD as outlets write it: sometimes wrapped in an HTML comment or
/// CDATA, sometimes with a trailing `;`.
fn parse_lenient(text: &str) -> Option<Value> {
    let text = text.trim();
    let text = text
        .strip_prefix("<!--")
        .and_then(|t| t.strip_suffix("-->"))
        .or_else(|| {
            text.strip_prefix("//<![CDATA[")
                .and_then(|t| t.strip_suffix("//]]>"))
        })
        .unwrap_or(text)
        .trim()
        .trim_end_matches(';');
    serde_json::from_str(text).ok()
}

#[cfg(test)]
mod tests;
