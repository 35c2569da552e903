//! Turns an article page into clean, safe article HTML, plain text and
//! metadata, and cleans summary fragments. Pure: `&str` + URL + rules in,
//! values out.
//!
//! Order matters: scripts, styles and drawings are cut before parsing
//! (`prepass`: most of a news page's bytes, none of its text), hidden
//! elements and structural junk go next, then the source's own rules, then
//! the sanitizer (which drops `style` and would turn `display:none` spam
//! links into visible text if it ran first).
//!
//! Steps, each in its own file: `prepass`, `clean` (junk, hidden, the
//! source's rules, feed footers), `readability` (candidate scoring without a
//! selector, using `vocab`), `marked` (a body whose parts are marked
//! `itemprop="articleBody"`), `siblings` (blocks of the same article beside
//! the winner), `prune` (share bars, related links, ad labels inside the
//! body), `fallback` (JSON-LD `articleBody` when the page shows a teaser),
//! `serialize` and `sanitize` (the HTML), `text` (the plain text, read from
//! the tree), `meta`, `site` and `jsonld` (title, author, dates, image,
//! site name, language), `explain` (what was removed and why).
//! Removal never mutates the parsed tree: `dom::Doc` records what was
//! removed and why.

mod clean;
mod comments;
mod dom;
mod explain;
mod fallback;
mod jsonld;
pub mod learned;
mod marked;
mod meta;
mod prepass;
mod prune;
mod readability;
mod sanitize;
mod serialize;
mod siblings;
mod site;
mod text;
mod vocab;

use scraper::{Html, Selector};
use url::Url;

use crate::markup::{self, TooComplex};
use crate::model::Article;
use dom::{Doc, NodeRef};

/// A source's `[source.clean]` rules, compiled.
#[derive(Debug, Clone, Default)]
pub struct CleanRules {
    /// Elements removed wherever they match.
    pub remove: Vec<Selector>,
    /// Texts whose enclosing box is removed; stored normalized
    /// (lower-cased, whitespace collapsed).
    pub remove_text: Vec<String>,
}

/// A source's `[source.article]` rules plus its clean rules.
#[derive(Debug, Clone, Default)]
pub struct ArticleRules {
    /// CSS selector of the article body; `None` finds it generically.
    pub content: Option<Selector>,
    /// Clean rules applied inside the article.
    pub clean: CleanRules,
}

/// Why a part of a page was left out of its article.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RemovalReason {
    /// Hidden from readers (`display:none`, `hidden`, `aria-hidden`).
    Hidden,
    /// Structural junk: scripts, styles, forms, navigation, comments.
    Junk,
    /// The source's own `remove` / `remove_text` rules.
    Rule,
    /// Boilerplate recognised by its class/id vocabulary or link density
    /// (share bars, related posts, newsletter boxes...).
    Vocabulary,
    /// Outside the chosen article body.
    OutsideArticle,
    /// Learned: repeated on many of this source's pages.
    Learned,
}

/// One removed part of a page, as `refeed explain` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Removal {
    /// Why it went.
    pub reason: RemovalReason,
    /// What matched: a tag with id/classes (`div#x.share`), the rule or the
    /// vocabulary word.
    pub what: String,
    /// Size of the removed HTML in bytes.
    pub bytes: usize,
    /// The start of its text, whitespace collapsed (at most ~80 characters).
    pub excerpt: String,
}

/// Extracts the article of a page and lists what was removed and why:
/// first the scripts, styles and drawings cut before parsing, then the
/// removed and outside-the-article elements in document order (an element
/// inside one already listed is not listed again). A page beyond the
/// [`markup`] limits is refused unparsed.
pub fn explain(
    html: &str,
    url: &Url,
    rules: &ArticleRules,
) -> Result<(Article, Vec<Removal>), TooComplex> {
    extract(html, url, rules, true)
}

/// Extracts the article of a page.
///
/// Scripts, styles and drawings are cut before parsing; then junk and
/// hidden elements go, then the source's `remove` selectors and
/// `remove_text` boxes (a box holding the article itself only loses the
/// matching block), then the body is chosen (`rules.content`, else
/// generically) and cleared of share bars, related posts and the like, then
/// sanitized with links made absolute against `url`.
///
/// A page beyond the [`markup`] limits (nesting depth, elements,
/// attributes) is refused before it is parsed: html5ever's time and the
/// tree's memory would grow without bound with it.
pub fn article(html: &str, url: &Url, rules: &ArticleRules) -> Result<Article, TooComplex> {
    extract(html, url, rules, false).map(|(article, _)| article)
}

/// The one extraction path of [`article`] and [`explain`]; `explain` only
/// decides whether the removals are read back.
fn extract(
    html: &str,
    url: &Url,
    rules: &ArticleRules,
    explain: bool,
) -> Result<(Article, Vec<Removal>), TooComplex> {
    let (stripped, cuts) = prepass::strip(html);
    // What html5ever will parse is the page without its scripts and styles.
    markup::check(&stripped)?;
    let parsed = Html::parse_document(&stripped);
    let mut doc = Doc::new(&parsed);
    clean::remove_junk(&mut doc);
    clean::remove_selected(&mut doc, &rules.clean.remove);
    if !rules.clean.remove_text.is_empty() {
        let main = content_root(&doc, rules);
        clean::remove_texts(&mut doc, &rules.clean.remove_text, main);
    }
    let meta = meta::read(&doc, url);
    // Chosen again: removed appeal boxes may have changed the scores.
    let mut root = content_root(&doc, rules);
    if rules.content.is_none() {
        let parts = marked::parts(&doc, root);
        if parts.len() > 1 {
            marked::trim_outside(&mut doc, root, &parts);
        } else {
            root = siblings::merge(&mut doc, root);
        }
        comments::cut(&mut doc, root);
    }
    prune::prune(&mut doc, root, meta.title.as_deref());
    let removals = if explain {
        explain::removals(&cuts, &doc, root)
    } else {
        Vec::new()
    };
    let mut text = text::plain_text(&doc, root);
    let html = match fallback::json_ld_body(meta.body.as_deref(), &text, url) {
        Some((body_text, body_html)) => {
            text = body_text;
            body_html
        }
        None => sanitize::safe_html(&doc, root, url),
    };
    let article = Article {
        html,
        text,
        title: meta.title,
        author: meta.author,
        published: meta.published,
        modified: meta.modified,
        image: meta.image,
        site_name: meta.site_name,
        language: meta.language,
        canonical: meta.canonical,
    };
    Ok((article, removals))
}

/// The article body: the first live match of the source's selector, else
/// the generic choice.
fn content_root<'a>(doc: &Doc<'a>, rules: &ArticleRules) -> NodeRef<'a> {
    rules
        .content
        .as_ref()
        .and_then(|selector| doc.select(selector).into_iter().next())
        .unwrap_or_else(|| readability::find_root(doc))
}

/// Cleans a summary fragment from a listing page or feed: hidden elements,
/// junk and the source's rules removed, sanitized, links made absolute.
///
/// WordPress feed footers ("The post X appeared first on Y.") and "Continue
/// reading" links go too. Returns `""` when nothing is left, and refuses a
/// fragment beyond the [`markup`] limits unparsed (a feed item's summary is
/// outlet markup like any page).
pub fn clean_fragment(html: &str, base: &Url, clean: &CleanRules) -> Result<String, TooComplex> {
    markup::check(html)?;
    let parsed = Html::parse_fragment(html);
    let mut doc = Doc::new(&parsed);
    let root = doc.root;
    clean::remove_junk(&mut doc);
    clean::remove_selected(&mut doc, &clean.remove);
    clean::remove_texts(&mut doc, &clean.remove_text, root);
    clean::remove_feed_footers(&mut doc);
    Ok(sanitize::safe_html(&doc, root, base))
}

/// Normalizes a text the way `clean.remove_text` entries are stored and
/// matched: lower-cased, whitespace (non-breaking spaces included) collapsed.
pub fn normalize_text(text: &str) -> String {
    dom::normalize(text)
}

#[cfg(test)]
mod tests;
