//! Lists of articles in a JavaScript front end's embedded state: Next.js's
//! `<script id="__NEXT_DATA__" type="application/json">`, other JSON
//! scripts, and `window.__INITIAL_STATE__ = {...}` style assignments.
//!
//! State holds much besides articles (menus, tags, authors, settings), so
//! a list counts only when it plainly is one of articles: an array of at
//! least [`MIN_ARTICLES`] objects, most of them with a headline-like title
//! (several words) and a link to the same site.

use std::sync::LazyLock;

use scraper::{ElementRef, Html, Selector};
use serde_json::Value;
use url::Url;

use super::fields::{self, APP, Ids};
use super::{List, MAX_SCRIPT_BYTES, MAX_SCRIPTS, parse_lenient, selector, walk};
use crate::model::ScrapedItem;

/// Fewer objects than this are not a list of articles.
const MIN_ARTICLES: usize = 3;

/// A title with fewer words is a label (a menu's "World", a tag's
/// "Climate Change"), not a headline.
const MIN_TITLE_WORDS: usize = 3;

/// Headlines run long; a list whose titles average fewer words than this
/// is a menu or a list of sections.
const MIN_MEAN_TITLE_WORDS: f64 = 5.0;

/// At most this many `__NAME__ = {` assignments are parsed per script.
const MAX_ASSIGNMENTS: usize = 4;

static JSON_SCRIPT: LazyLock<Selector> =
    LazyLock::new(|| selector(r#"script[type="application/json" i]"#));
static INLINE_SCRIPT: LazyLock<Selector> = LazyLock::new(|| selector("script:not([src])"));

/// The article lists in the page's app state, in document order.
pub(super) fn lists(doc: &Html, base: &Url) -> Vec<List> {
    let mut states: Vec<(String, Value)> = doc
        .select(&JSON_SCRIPT)
        .take(MAX_SCRIPTS)
        .filter_map(|s| Some((script_name(s), parse_lenient(&bounded_text(s)?)?)))
        .collect();
    states.extend(
        doc.select(&INLINE_SCRIPT)
            .take(MAX_SCRIPTS)
            .filter_map(|s| bounded_text(s))
            .flat_map(|text| assignments(&text)),
    );
    let ids = Ids::new();
    states
        .iter()
        .flat_map(|(name, state)| {
            walk::values(state)
                .into_iter()
                .filter_map(Value::as_array)
                .filter_map(|array| article_list(array, base, &ids))
                .map(|items| List {
                    items,
                    what: format!("app state ({name})"),
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

fn bounded_text(script: ElementRef<'_>) -> Option<String> {
    let text: String = script.text().collect();
    (text.len() <= MAX_SCRIPT_BYTES).then_some(text)
}

fn script_name(script: ElementRef<'_>) -> String {
    script
        .value()
        .id()
        .map_or_else(|| "JSON script".to_owned(), str::to_owned)
}

/// The JSON objects assigned to `__NAME__` globals in a script
/// (`window.__INITIAL_STATE__ = {...};`). JavaScript that is not JSON
/// (functions, `undefined`) does not parse and is skipped.
fn assignments(script: &str) -> Vec<(String, Value)> {
    let mut found = Vec::new();
    let mut rest = script;
    let mut attempts = 0;
    while attempts < MAX_ASSIGNMENTS {
        let Some(at) = rest.find("__ =").or_else(|| rest.find("__=")) else {
            break;
        };
        let name_start = rest[..at]
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .map_or(0, |i| i + 1);
        let name = format!("{}__", &rest[name_start..at]);
        let after = rest[at..].trim_start_matches(['_', ' ', '=']);
        rest = after;
        if !after.starts_with('{') || !name.starts_with("__") {
            continue;
        }
        attempts += 1;
        let mut stream = serde_json::Deserializer::from_str(after).into_iter::<Value>();
        if let Some(Ok(value)) = stream.next() {
            found.push((name, value));
        }
    }
    found
}

/// The array's items, when it plainly is a list of articles.
fn article_list(array: &[Value], base: &Url, ids: &Ids<'_>) -> Option<Vec<ScrapedItem>> {
    if array.len() < MIN_ARTICLES {
        return None;
    }
    let items: Vec<ScrapedItem> = array
        .iter()
        .filter(|v| v.is_object())
        .filter_map(|v| fields::item(v, &APP, None, base, ids))
        .filter(|i| same_site(&i.link, base) && words(&i.title) >= MIN_TITLE_WORDS)
        .collect();
    let mean_words =
        items.iter().map(|i| words(&i.title)).sum::<usize>() as f64 / items.len().max(1) as f64;
    let plainly = items.len() >= MIN_ARTICLES
        && items.len() * 3 >= array.len() * 2
        && mean_words >= MIN_MEAN_TITLE_WORDS;
    plainly.then_some(items)
}

fn words(title: &str) -> usize {
    title.split_whitespace().count()
}

/// Same host, `www.` aside, and not the site's home page.
fn same_site(link: &Url, base: &Url) -> bool {
    let host = |u: &Url| {
        u.host_str()
            .map(|h| h.trim_start_matches("www.").to_owned())
    };
    host(link) == host(base) && link.path() != "/"
}
