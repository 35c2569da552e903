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
//! site name, language), `explain` (what was removed and why), `pages`
//! (the next-page and single-page links of an article split over pages,
//! for [`article_page`]).
//! Removal never mutates the parsed tree: `dom::Doc` records what was
//! removed and why.

mod clean;
mod comments;
mod dom;
mod embed;
mod explain;
mod fallback;
mod jsonld;
mod landmarks;
pub mod learned;
mod marked;
mod meta;
mod pages;
mod prepass;
mod prune;
mod readability;
mod sanitize;
mod serialize;
mod siblings;
mod site;
pub mod siteconfig;
mod text;
mod vocab;

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::Arc;

use scraper::{Html, Selector};
use url::Url;

use crate::markup::{self, TooComplex};
use crate::model::Article;
use dom::{Doc, NodeRef};
pub use pages::{BlockPrint, PageLinks, join as join_pages};
use siteconfig::{Applied, Body, SiteConfigs, SiteLinks, SiteRun};

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
    /// The site config files of `[extract] site_config_dir`, applied by
    /// the page's host after the rules above (which win).
    pub site_configs: Option<Arc<SiteConfigs>>,
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
    /// A site config rule (`strip`, `strip_id_or_class`,
    /// `strip_image_src`, or a `body` that matched nothing).
    SiteConfig,
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

/// What [`explain`] reports about one page.
#[derive(Debug, Clone)]
pub struct Explanation {
    /// The article extracted.
    pub article: Article,
    /// What was removed and why.
    pub removals: Vec<Removal>,
    /// The site config rules that chose a part of the article (`body`,
    /// `title`, `author`, `date`), each as `what: file:line directive`.
    pub chosen: Vec<String>,
}

/// Extracts the article of a page and lists what was removed and why:
/// first the scripts, styles and drawings cut before parsing, then the
/// removed and outside-the-article elements in document order (an element
/// inside one already listed is not listed again), and the site config
/// rules that chose parts of it. A page beyond the [`markup`] limits is
/// refused unparsed.
pub fn explain(html: &str, url: &Url, rules: &ArticleRules) -> Result<Explanation, TooComplex> {
    extract(html, url, rules, Mode::Explain).map(|done| Explanation {
        article: done.article,
        removals: done.removals,
        chosen: done.chosen,
    })
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
    extract(html, url, rules, Mode::Article).map(|done| done.article)
}

/// One page of an article that may run over several pages.
#[derive(Debug, Clone)]
pub struct ArticlePage {
    /// The page's part of the article, without the story's paging box and
    /// without the blocks an earlier page had.
    pub article: Article,
    /// Where the rest of the story is.
    pub links: PageLinks,
    /// This page's block fingerprints: add them to `earlier` for the next
    /// page.
    pub blocks: Vec<BlockPrint>,
}

/// Extracts one page of a story that may be split over pages: as
/// [`article`], then the page's next-page and single-page links are read
/// (see `pages`; a site config's `next_page_link` and `single_page_link`
/// rules win over detection, read from the same parse), the story's paging box ("Pages: 1 2 3", "Next page ›")
/// leaves the article, and so does every text block whose fingerprint is
/// in `earlier` (the blocks of the pages before: headline, byline). A page
/// without paging links comes out as [`article`] gives it.
pub fn article_page(
    html: &str,
    url: &Url,
    rules: &ArticleRules,
    earlier: &HashSet<BlockPrint>,
) -> Result<ArticlePage, TooComplex> {
    let done = extract(html, url, rules, Mode::Page(earlier))?;
    let (links, blocks) = done.paging.unwrap_or_default();
    Ok(ArticlePage {
        article: done.article,
        links,
        blocks,
    })
}

/// What [`extract`] is asked for besides the article.
#[derive(Clone, Copy)]
enum Mode<'e> {
    /// The article only.
    Article,
    /// The article and what was removed.
    Explain,
    /// One page of a multi-page story, after pages with these blocks.
    Page(&'e HashSet<BlockPrint>),
}

/// What [`extract`] found.
struct Extracted {
    article: Article,
    /// Filled in [`Mode::Explain`].
    removals: Vec<Removal>,
    /// The site config rules that chose parts; filled in [`Mode::Explain`].
    chosen: Vec<String>,
    /// Filled in [`Mode::Page`].
    paging: Option<(PageLinks, Vec<BlockPrint>)>,
}

/// The one extraction path of [`article`], [`explain`] and
/// [`article_page`]; the mode only adds to it. The page's site config
/// (by host, from `rules.site_configs`) rewrites the HTML first, strips
/// after the source's `remove` rules, and chooses the body unless the
/// source's `content` does.
fn extract(
    html: &str,
    url: &Url,
    rules: &ArticleRules,
    mode: Mode<'_>,
) -> Result<Extracted, TooComplex> {
    let site = rules.site_configs.as_deref().and_then(|s| s.for_url(url));
    let html = match &site {
        Some(site) => siteconfig::replace_html(site, html),
        None => Cow::Borrowed(html),
    };
    let (stripped, cuts) = prepass::strip(&html);
    // What html5ever will parse is the page without its scripts and styles.
    let (shape, mut comments) = markup::check_with_comments(&stripped)?;
    let nodes = 3 * shape.elements + comments.len();
    if matches!(mode, Mode::Explain) || site.is_some() {
        comments.clear();
    }
    let parsed = parse_sized(&prepass::parser_input(stripped, &comments), nodes);
    let mut doc = Doc::new(&parsed);
    clean::remove_junk(&mut doc, url);
    clean::remove_selected(&mut doc, &rules.clean.remove);
    let mut site = site.map(|site| SiteRun::new(site, &parsed));
    let site_links = match (&site, mode) {
        (Some(site), Mode::Page(_) | Mode::Explain) => Some(site.page_links(url)),
        _ => None,
    };
    if let Some(site) = &mut site {
        site.strip(&mut doc);
    }
    if !rules.clean.remove_text.is_empty() {
        let main = content_root(&doc, rules);
        clean::remove_texts(&mut doc, &rules.clean.remove_text, main);
    }
    let mut meta = meta::read(&doc, url);
    let body = match &mut site {
        Some(site) if rules.content.is_none() => site.body(&mut doc),
        _ => Body::Generic,
    };
    if let Some(site) = &mut site {
        site.override_meta(&mut meta);
    }
    let root = match body {
        Body::Chosen(root) => root,
        Body::Failed(why) => return Ok(no_article(&doc, meta, (&why, site_links), mode)),
        Body::Generic => generic_root(&mut doc, rules),
    };
    let (applied, prunes) = match site {
        Some(site) => {
            let prunes = site.prunes();
            (site.applied, prunes)
        }
        None => (Applied::default(), true),
    };
    if prunes {
        prune::prune(&mut doc, root, meta.title.as_deref());
    }
    let paging = match mode {
        Mode::Page(earlier) => {
            let (detected, blocks) = pages::paginate(&mut doc, root, url, earlier);
            Some((with_site_links(detected, site_links.as_ref()), blocks))
        }
        _ => None,
    };
    let (removals, chosen) = if matches!(mode, Mode::Explain) {
        let removals = explain::removals(&cuts, &doc, root, &applied);
        let mut chosen = applied.chosen;
        chosen.extend(site_links.iter().flat_map(SiteLinks::explained));
        (removals, chosen)
    } else {
        (Vec::new(), Vec::new())
    };
    let mut text = text::plain_text(&doc, root);
    let html = match fallback::json_ld_body(meta.body.as_deref(), &text, url) {
        Some((body_text, body_html)) => {
            text = body_text;
            body_html
        }
        None => sanitize::safe_html(&doc, root, url),
    };
    Ok(Extracted {
        article: article_of(meta, html, text),
        removals,
        chosen,
        paging,
    })
}

/// Parses a page as `Html::parse_document` does, into a tree with room
/// for the `nodes` it will hold (from `markup`'s count: each element, a
/// text after its start and end tags, the comments): growing the tree
/// copied it over and over. Elements are within `markup::MAX_ELEMENTS`,
/// which bounds the room; untouched room costs no memory.
fn parse_sized(html: &str, nodes: usize) -> Html {
    let tree = ego_tree::Tree::with_capacity(scraper::Node::Document, nodes + 16);
    let mut empty = Html::new_document();
    empty.tree = tree;
    markup::parse::parse_document(html, scraper::HtmlTreeSink::new(empty))
}

/// Parses a fragment as `Html::parse_fragment` does, into a tree with room
/// for its nodes (at most an element and a text per `<`): for HTML
/// already sanitized, whose size the caller bounds.
fn parse_fragment_sized(html: &str) -> Html {
    let nodes = 2 * memchr::memchr_iter(b'<', html.as_bytes()).count() + 16;
    let mut empty = Html::new_fragment();
    empty.tree = ego_tree::Tree::with_capacity(scraper::Node::Fragment, nodes);
    markup::parse::fragment_into(html, empty)
}

/// The generically found body (or the source's `content`), widened to
/// the parts marked `articleBody` or the sibling blocks of the same story.
fn generic_root<'a>(doc: &mut Doc<'a>, rules: &ArticleRules) -> NodeRef<'a> {
    let mut root = content_root(doc, rules);
    if rules.content.is_none() {
        let parts = marked::parts(doc, root);
        if parts.len() > 1 {
            marked::trim_outside(doc, root, &parts);
        } else {
            root = siblings::merge(doc, root);
        }
        comments::cut(doc, root);
    }
    root
}

/// The links the site's paging rules found (`site`), else the
/// `detected` ones (see `siteconfig::links`).
fn with_site_links(detected: PageLinks, site: Option<&SiteLinks<'_>>) -> PageLinks {
    match site {
        Some(site) => site.over(detected),
        None => detected,
    }
}

/// The page's metadata without an article: its site config's `body`
/// rules matched nothing (`why`) and it turned generic extraction off.
/// `explain` lists the whole page as removed by that rule; the site's
/// paging links are still read.
fn no_article(
    doc: &Doc<'_>,
    meta: meta::Meta,
    (why, site_links): (&str, Option<SiteLinks<'_>>),
    mode: Mode<'_>,
) -> Extracted {
    let (removals, chosen) = if matches!(mode, Mode::Explain) {
        let whole = explain::whole(doc, RemovalReason::SiteConfig, format!("body ({why})"));
        let links = site_links.iter().flat_map(SiteLinks::explained).collect();
        (vec![whole], links)
    } else {
        (Vec::new(), Vec::new())
    };
    let paging = matches!(mode, Mode::Page(_)).then(|| {
        let links = with_site_links(PageLinks::default(), site_links.as_ref());
        (links, Vec::new())
    });
    Extracted {
        article: article_of(meta, String::new(), String::new()),
        removals,
        chosen,
        paging,
    }
}

fn article_of(meta: meta::Meta, html: String, text: String) -> Article {
    Article {
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
    }
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
    let parsed = markup::parse::fragment(html);
    let mut doc = Doc::new(&parsed);
    let root = doc.root;
    clean::remove_junk(&mut doc, base);
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
