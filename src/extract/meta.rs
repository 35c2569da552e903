//! Article metadata: title, author, publication and modification dates,
//! from JSON-LD first, then meta tags, then the visible page.
//!
//! Visible date fields are the last resort on purpose: themes print empty
//! ones ("Published: Last Updated on" on Project Censored) while the dates
//! live in JSON-LD and `article:published_time`.

use std::collections::HashMap;
use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use scraper::Selector;

use url::Url;

use super::dom::{Doc, NodeRef, attr, element, tag};
use super::jsonld::JsonLd;
use super::landmarks::Landmarks;
use super::site;
use crate::dates;

/// What the page says about its article.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Meta {
    pub(crate) title: Option<String>,
    pub(crate) author: Option<String>,
    pub(crate) published: Option<DateTime<Utc>>,
    pub(crate) modified: Option<DateTime<Utc>>,
    pub(crate) image: Option<String>,
    pub(crate) site_name: Option<String>,
    pub(crate) language: Option<String>,
    /// `<link rel="canonical">` or `og:url`, absolute.
    pub(crate) canonical: Option<String>,
    /// JSON-LD `articleBody`, for when the visible body is a teaser.
    pub(crate) body: Option<String>,
}

/// Meta tag names holding the publication date, in order of trust.
const PUBLISHED_KEYS: &[&str] = &[
    "article:published_time",
    "datepublished",
    "og:published_time",
    "parsely-pub-date",
    "sailthru.date",
    "dc.date.issued",
    "dcterms.created",
    "pubdate",
    "publishdate",
];

/// Meta tag names holding the modification date, in order of trust.
const MODIFIED_KEYS: &[&str] = &[
    "article:modified_time",
    "og:updated_time",
    "datemodified",
    "dc.date.modified",
    "dcterms.modified",
];

/// Separators between a headline and the site name in `<title>`.
const TITLE_SEPARATORS: &[&str] = &[" | ", " – ", " — ", " - ", " :: ", " · ", " » ", " / "];

static BYLINE: LazyLock<Selector> = LazyLock::new(|| {
    Selector::parse(
        ".byline .author, .author-name, .byline .fn, .author.vcard, .entry-author, .post-author-name, .byline",
    )
    .expect("valid byline selector")
});

static REL_AUTHOR: LazyLock<Selector> =
    LazyLock::new(|| Selector::parse("[rel~=author]").expect("valid rel selector"));

/// Reads the metadata of a cleaned page (JSON-LD is read from the removed
/// scripts too; visible elements only while live). `url` resolves the image
/// and dates the article when nothing else does (`/2020/10/23/`).
pub(crate) fn read(doc: &Doc<'_>, url: &Url) -> Meta {
    let marks = Landmarks::of(doc);
    let tags = MetaTags::from_nodes(&marks.metas);
    let ld = JsonLd::from_scripts(&marks.scripts);
    let site_name = site::site_name(&tags, &ld);
    let published_marks = &["datePublished", "published", "entry-date"];
    Meta {
        title: title(doc, &marks, &tags, &ld, site_name.as_deref()),
        author: author(doc, &marks, &tags, &ld),
        published: date(&[ld.date_published()], &tags, PUBLISHED_KEYS)
            .or_else(|| time_element(doc, &marks, published_marks, true))
            .or_else(|| site::url_date(url)),
        modified: date(&[ld.date_modified()], &tags, MODIFIED_KEYS)
            .or_else(|| time_element(doc, &marks, &["dateModified", "updated"], false)),
        image: site::image(&tags, &ld, url),
        language: site::language(&marks, &tags, &ld),
        canonical: site::canonical(&marks, &tags, url),
        body: ld.article_body().map(str::to_owned),
        site_name,
    }
}

/// `<meta>` contents by lower-cased `property`, `name` or `itemprop`; the
/// first non-empty one of each name wins.
pub(crate) struct MetaTags(HashMap<String, String>);

impl MetaTags {
    /// The meta tags of a page.
    #[cfg(test)]
    pub(crate) fn from_doc(doc: &Doc<'_>) -> MetaTags {
        MetaTags::from_nodes(&Landmarks::of(doc).metas)
    }

    /// The meta tags among `metas` (`<meta>` elements).
    pub(crate) fn from_nodes(metas: &[NodeRef<'_>]) -> MetaTags {
        let mut map = HashMap::new();
        for &node in metas {
            let Some(content) = attr(node, "content")
                .map(str::trim)
                .filter(|c| !c.is_empty())
            else {
                continue;
            };
            for key in ["property", "name", "itemprop"] {
                if let Some(name) = attr(node, key) {
                    map.entry(name.trim().to_ascii_lowercase())
                        .or_insert_with(|| content.to_owned());
                }
            }
        }
        MetaTags(map)
    }

    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }
}

fn title(
    doc: &Doc<'_>,
    marks: &Landmarks<'_>,
    tags: &MetaTags,
    ld: &JsonLd,
    site: Option<&str>,
) -> Option<String> {
    // Read lazily, in order: the `h1` walks the page.
    let candidates: [&dyn Fn() -> Option<String>; 4] = [
        &|| tags.get("og:title").map(|t| trim_site_name(t, site, false)),
        &|| ld.headline().map(|t| trim_site_name(t, site, false)),
        &|| first_text(doc, "h1"),
        &|| document_title(marks).map(|t| trim_site_name(&t, site, true)),
    ];
    candidates
        .into_iter()
        .filter_map(|candidate| candidate())
        .map(|t| collapse(&t))
        .find(|t| !t.is_empty())
}

/// The collapsed text of the first live `name` element of the body.
fn first_text(doc: &Doc<'_>, name: &str) -> Option<String> {
    let body = doc.body();
    let node = doc.elements(body).find(|n| tag(*n) == Some(name))?;
    Some(collapse(&doc.raw_text(node)))
}

/// The `<title>` text, read even though the head is never article content.
fn document_title(marks: &Landmarks<'_>) -> Option<String> {
    let node = marks.title?;
    Some(
        node.children()
            .filter_map(|c| c.value().as_text().map(|t| t.to_string()))
            .collect(),
    )
}

/// Drops " | Site Name" (or "Site Name – ") around a headline. With `guess`,
/// a short last part after a separator is taken for the site name even when
/// the page does not state it (`<title>` nearly always ends with one).
fn trim_site_name(title: &str, site: Option<&str>, guess: bool) -> String {
    let title = title.trim();
    if let Some(site) = site.map(str::trim).filter(|s| !s.is_empty()) {
        for sep in TITLE_SEPARATORS {
            if let Some(rest) = strip_suffix_ci(title, &format!("{sep}{site}")) {
                return rest.trim().to_owned();
            }
            if let Some(rest) = strip_prefix_ci(title, &format!("{site}{sep}")) {
                return rest.trim().to_owned();
            }
        }
    }
    if guess
        && let Some((at, sep)) = TITLE_SEPARATORS
            .iter()
            .filter_map(|sep| title.rfind(sep).map(|at| (at, *sep)))
            .max_by_key(|(at, _)| *at)
    {
        let (head, tail) = (&title[..at], &title[at + sep.len()..]);
        let words = |s: &str| s.split_whitespace().count();
        if words(tail) <= 4 && words(head) >= words(tail) {
            return head.trim().to_owned();
        }
    }
    title.to_owned()
}

fn strip_suffix_ci<'t>(text: &'t str, suffix: &str) -> Option<&'t str> {
    let at = text.len().checked_sub(suffix.len())?;
    let tail = text.get(at..)?;
    tail.eq_ignore_ascii_case(suffix).then(|| &text[..at])
}

fn strip_prefix_ci<'t>(text: &'t str, prefix: &str) -> Option<&'t str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

fn author<'a>(
    doc: &Doc<'a>,
    marks: &Landmarks<'a>,
    tags: &MetaTags,
    ld: &JsonLd,
) -> Option<String> {
    let not_url = |s: &&str| !s.starts_with("http://") && !s.starts_with("https://");
    ld.author()
        .or_else(|| tags.get("author").filter(not_url).map(str::to_owned))
        .or_else(|| {
            tags.get("article:author")
                .filter(not_url)
                .map(str::to_owned)
        })
        .or_else(|| byline(doc, &marks.rels, &REL_AUTHOR))
        .or_else(|| byline(doc, &marks.bylines, &BYLINE))
}

/// The first live match of `selector` that reads like a name ("by " dropped),
/// among `candidates`: the elements of the page with what every match has
/// (a `rel` attribute for [`REL_AUTHOR`], one of the
/// `landmarks::BYLINE_CLASSES` for [`BYLINE`]), which saves most of the
/// cost of matching.
fn byline<'a>(doc: &Doc<'a>, candidates: &[NodeRef<'a>], selector: &Selector) -> Option<String> {
    let mut matches = candidates
        .iter()
        .copied()
        .filter(|node| scraper::ElementRef::wrap(*node).is_some_and(|e| selector.matches(&e)))
        .filter(|node| doc.is_live(*node));
    matches.find_map(|node| {
        let text = collapse(&doc.raw_text(node));
        let name = strip_prefix_ci(&text, "by:")
            .or_else(|| strip_prefix_ci(&text, "by "))
            .unwrap_or(&text)
            .trim();
        (!name.is_empty() && name.chars().count() <= 80).then(|| name.to_owned())
    })
}

/// The first of the JSON-LD values, then the meta tags, that parses as a date.
fn date(ld: &[Option<&str>], tags: &MetaTags, keys: &[&str]) -> Option<DateTime<Utc>> {
    ld.iter()
        .flatten()
        .copied()
        .chain(keys.iter().filter_map(|k| tags.get(k)))
        .find_map(dates::parse)
}

/// The first live `<time datetime>` marked with one of `marks` (an
/// `itemprop` or a class); with `any`, else the first that parses at all.
/// Empty `datetime` attributes are skipped.
fn time_element(
    doc: &Doc<'_>,
    landmarks: &Landmarks<'_>,
    marks: &[&str],
    any: bool,
) -> Option<DateTime<Utc>> {
    let times: Vec<NodeRef<'_>> = landmarks
        .times
        .iter()
        .copied()
        .filter(|n| doc.is_live(*n))
        .collect();
    let parse = |n: &NodeRef<'_>| attr(*n, "datetime").and_then(dates::parse);
    let marked = |n: &&NodeRef<'_>| {
        let el = element(**n).expect("time is an element");
        let itemprop = el.attr("itemprop").unwrap_or_default();
        marks
            .iter()
            .any(|m| itemprop == *m || el.classes().any(|c| c == *m))
    };
    times.iter().filter(marked).find_map(parse).or_else(|| {
        if any {
            times.iter().find_map(parse)
        } else {
            None
        }
    })
}

fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use scraper::Html;

    fn meta(html: &str) -> Meta {
        let parsed = Html::parse_document(html);
        let url = Url::parse("https://outlet.example/news/story").unwrap();
        read(&Doc::new(&parsed), &url)
    }

    fn utc(s: &str) -> Option<DateTime<Utc>> {
        Some(DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc))
    }

    #[test]
    fn byline_matches_are_among_the_candidates_their_search_reads() {
        // No doctype: quirks mode, where class selectors ignore case.
        let html = Html::parse_document(
            r#"<body><div class="byline"><span class="author">A</span><b class=fn>B</b></div>
            <p class="author vcard">C</p><a rel="author nofollow">D</a><a rel=me>E</a>
            <span class="entry-author post-author-name author-name">F</span><i>G</i>
            <div class="Byline x"><em class="AUTHOR">H</em></div></body>"#,
        );
        let doc = Doc::new(&html);
        let marks = Landmarks::of(&doc);
        for (selector, candidates) in [(&*REL_AUTHOR, &marks.rels), (&*BYLINE, &marks.bylines)] {
            let mut matched = 0;
            for node in html.tree.root().descendants() {
                let Some(el) = scraper::ElementRef::wrap(node) else {
                    continue;
                };
                if selector.matches(&el) {
                    assert!(candidates.contains(&node), "{}", el.html());
                    matched += 1;
                }
            }
            assert!(matched > 0);
        }
        assert_eq!(byline(&doc, &marks.bylines, &BYLINE).as_deref(), Some("AB"));
        assert_eq!(byline(&doc, &marks.rels, &REL_AUTHOR).as_deref(), Some("D"));
    }

    #[test]
    fn meta_tags_give_dates_when_there_is_no_json_ld() {
        let m = meta(
            r#"<head><meta property="article:published_time" content="2020-11-02T10:00:00+00:00">
            <meta property="article:modified_time" content="2020-11-03T10:00:00+00:00"></head>
            <body><p>Published: <time class="entry-date published" datetime=""></time>
            Last Updated on <time class="updated" datetime=""></time></p></body>"#,
        );
        assert_eq!(m.published, utc("2020-11-02T10:00:00Z"));
        assert_eq!(m.modified, utc("2020-11-03T10:00:00Z"));
    }

    #[test]
    fn itemprop_meta_and_og_updated_time() {
        let m = meta(
            r#"<body><div itemscope><meta itemprop="datePublished" content="2020-10-20">
            <meta property="og:updated_time" content="2020-10-21T08:00:00Z"></div></body>"#,
        );
        assert_eq!(m.published, utc("2020-10-20T00:00:00Z"));
        assert_eq!(m.modified, utc("2020-10-21T08:00:00Z"));
    }

    #[test]
    fn time_element_is_the_last_resort_and_skips_empty_ones() {
        let m = meta(
            r#"<body><time datetime="">never</time><span>Posted
            <time datetime="2020-10-20T14:03:00+00:00">Oct 20</time></span>
            <time class="updated" datetime="2020-10-22T00:00:00Z"></time></body>"#,
        );
        assert_eq!(m.published, utc("2020-10-20T14:03:00Z"));
        assert_eq!(m.modified, utc("2020-10-22T00:00:00Z"));
    }

    #[test]
    fn json_ld_beats_meta_tags() {
        let m = meta(
            r#"<head><script type="application/ld+json">{"@type":"Article","datePublished":"2020-11-02T10:00:00Z",
            "author":{"@type":"Person","name":"Vins"}}</script>
            <meta property="article:published_time" content="2019-01-01T00:00:00Z">
            <meta name="author" content="Someone Else"></head><body></body>"#,
        );
        assert_eq!(m.published, utc("2020-11-02T10:00:00Z"));
        assert_eq!(m.author.as_deref(), Some("Vins"));
    }

    #[test]
    fn byline_author_without_by() {
        let m = meta(
            r#"<body><div class="byline"><span class="author vcard">By <a href="/author/vins/">Vins</a></span></div></body>"#,
        );
        assert_eq!(m.author.as_deref(), Some("Vins"));
    }

    #[test]
    fn author_meta_that_is_a_url_is_skipped() {
        let m = meta(
            r#"<head><meta property="article:author" content="https://facebook.com/x"></head>
            <body><a rel="author" href="/author/vins/">Vins</a></body>"#,
        );
        assert_eq!(m.author.as_deref(), Some("Vins"));
    }

    #[test]
    fn title_order_and_site_name_trimming() {
        let m = meta(
            r#"<head><title>Democracy Prevails in Bolivia | Project Censored</title>
            <meta property="og:site_name" content="Project Censored">
            <meta property="og:title" content="Democracy Prevails in Bolivia - Project Censored"></head>
            <body><h1>Other</h1></body>"#,
        );
        assert_eq!(m.title.as_deref(), Some("Democracy Prevails in Bolivia"));
        let m = meta(
            "<head><title>Bolivia Elections Live Blog – Popular Resistance.org</title></head>",
        );
        assert_eq!(m.title.as_deref(), Some("Bolivia Elections Live Blog"));
        let m = meta("<head><title>Site</title></head><body><h1> The  Headline </h1></body>");
        assert_eq!(m.title.as_deref(), Some("The Headline"));
    }
}
