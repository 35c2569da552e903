//! Reads items out of an outlet's listing page (by CSS selectors) or out of its
//! own RSS/Atom feed. Pure: text in, [`ScrapedPage`] out.
//!
//! It does not fetch, clean or sanitize: summaries and contents come out as
//! the outlet wrote them, and the pipeline cleans them. Links come out
//! absolute and http(s); items without one are dropped here.

mod atom_feed;
mod detect;
pub mod discover;
mod feed_image;
mod json_feed;
mod listing;
mod rss_feed;
#[cfg(test)]
mod test_support;
mod text;

use scraper::Selector;
use url::Url;

use crate::markup::{self, TooComplex};
use crate::model::ScrapedPage;

/// The most entries (listing matches, feed items or entries) read from one
/// page, in document order. Pages list newest first (feeds by convention,
/// listings by design), and a real one holds tens of items, a few thousand
/// for a podcast's whole archive; a page holding more is broken or hostile
/// (issue 9: a 100,000-item feed). Entries past this are counted in
/// [`ScrapedPage::unread`] but not turned into items, so their titles,
/// links and dates cost nothing. The pipeline then takes far fewer
/// (`max_new_items`).
pub const MAX_PAGE_ITEMS: usize = 10_000;

/// How many of `total` entries a reader leaves unread (see [`MAX_PAGE_ITEMS`]).
fn unread(total: usize) -> usize {
    total.saturating_sub(MAX_PAGE_ITEMS)
}

/// Compiled selectors of a source's `[source.items]` table.
#[derive(Debug, Clone)]
pub struct ListingRules {
    /// One match per item.
    pub item: Selector,
    /// Title text, relative to the item.
    pub title: Selector,
    /// Element whose `href` is the item link, relative to the item.
    pub link: Selector,
    /// Summary element (its inner HTML is kept).
    pub summary: Option<Selector>,
    /// Date element: its `datetime` attribute, else its text.
    pub date: Option<Selector>,
    /// Author element (text).
    pub author: Option<Selector>,
    /// Thumbnail: an `<img>` (its `src`, else a lazy-loading `data-src` or
    /// the first `srcset` candidate), or an element holding one.
    pub image: Option<Selector>,
}

/// Why a feed body could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ScrapeError {
    /// The body is neither RSS nor Atom (nor JSON). `root` is the name of
    /// its first element as written (`"html"` for a web page), or `"(none)"`
    /// when the body holds no element at all (empty, plain text).
    #[error("not an RSS or Atom feed (root element: {root})")]
    NotAFeed { root: String },
    /// The body claimed to be a feed but did not parse; `kind` is `"RSS"`,
    /// `"Atom"` or `"JSON"` (a JSON body that is not a JSON Feed, such as a
    /// REST API's error object, is one too).
    #[error("malformed {kind} feed: {message}")]
    Malformed { kind: &'static str, message: String },
    /// A WordPress REST API answered a posts query with something other
    /// than a list of posts (an HTML page, an error object, broken JSON):
    /// the API is disabled or refuses, and the next method should be tried.
    #[error("the WordPress REST API gave no list of posts: {message}")]
    WordPressApi { message: String },
    /// The page or feed is beyond the [`markup`] limits (a parse bomb):
    /// refused before parsing.
    #[error(transparent)]
    TooComplex(#[from] TooComplex),
}

/// Scrapes a listing page with the source's selectors.
///
/// Items come in page order, each link once (the first occurrence wins:
/// WordPress themes repeat a post in "featured" and "latest" blocks). Items
/// without a title or an http(s) link are skipped. Relative links are
/// resolved against the page's `<base href>`, else `base`.
///
/// A page beyond the [`markup`] limits (nesting depth, elements,
/// attributes) is refused before it is parsed.
pub fn listing(html: &str, base: &Url, rules: &ListingRules) -> Result<ScrapedPage, ScrapeError> {
    listing::scrape(html, base, rules)
}

/// Reads an RSS (0.9x, 1.0/RDF, 2.0), Atom or JSON Feed (1.0, 1.1), detected
/// from the body (not the URL or the Content-Type, which outlets get wrong):
/// a body opening with `{` or `[` (after a byte-order mark) is JSON and must
/// be a JSON Feed; any other is XML, read by its root element.
///
/// The body must already be decoded to UTF-8 (`fetch` does that); an
/// `encoding` in its XML declaration is ignored.
///
/// A feed nested deeper than [`markup::MAX_DEPTH`] (or beyond the other
/// limits) is refused before it is read. Item HTML (summaries, contents)
/// comes out unparsed and is bounded where it is parsed; titles holding
/// markup beyond the limits come out empty.
pub fn feed(body: &str, base: &Url) -> Result<ScrapedPage, ScrapeError> {
    if json_feed::is_json(body) {
        return json_feed::read(body, base);
    }
    markup::check_xml(body)?;
    let root = detect::root_element(body);
    match root.name {
        Some("rss" | "rdf:RDF") => rss_feed::read(&body[root.offset..], base),
        Some("feed") => atom_feed::read(&body[root.offset..], base),
        other => Err(ScrapeError::NotAFeed {
            root: other.unwrap_or("(none)").to_owned(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Url {
        Url::parse("https://popularresistance.org/feed/").unwrap()
    }

    #[test]
    fn each_feed_format_names_the_outlet_site_not_its_own_address() {
        let site = |body: &str| feed(body, &base()).unwrap().site.map(String::from);
        let home = Some("https://popularresistance.org/".to_owned());
        let rss = r#"<rss version="2.0"><channel><title>T</title>
            <link>https://popularresistance.org/?utm_source=rss</link></channel></rss>"#;
        assert_eq!(site(rss), home);
        let atom = r#"<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><id>t</id>
            <link rel="self" href="https://popularresistance.org/feed/"/>
            <link rel="alternate" type="text/html" href="/"/></feed>"#;
        assert_eq!(site(atom), home);
        let json = r#"{"version": "https://jsonfeed.org/version/1.1", "title": "T",
            "home_page_url": "https://popularresistance.org/", "items": []}"#;
        assert_eq!(site(json), home);
        // A feed whose link is itself, or none, names no site.
        let to_itself = r#"<rss version="2.0"><channel><title>T</title>
            <link>https://popularresistance.org/feed/</link></channel></rss>"#;
        assert_eq!(site(to_itself), None);
        let only_self = r#"<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><id>t</id>
            <link rel="self" href="https://popularresistance.org/feed/"/></feed>"#;
        assert_eq!(site(only_self), None);
    }

    /// Pages of `MAX_PAGE_ITEMS + 3` entries in each format, newest first.
    #[test]
    fn pages_are_read_only_up_to_max_page_items() {
        let n = MAX_PAGE_ITEMS + 3;
        let entries = |each: &dyn Fn(usize) -> String| (1..=n).map(each).collect::<String>();
        let rss = format!(
            "<rss version=\"2.0\"><channel><title>T</title>{}</channel></rss>",
            entries(&|i| format!("<item><title>S{i}</title><link>/s/{i}</link></item>"))
        );
        let atom = format!(
            "<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>T</title>{}</feed>",
            entries(&|i| format!(
                "<entry><title>S{i}</title><link href=\"/s/{i}\"/><id>{i}</id>\
                 <updated>2024-05-01T00:00:00Z</updated></entry>"
            ))
        );
        let html = format!(
            "<html><body>{}</body></html>",
            entries(&|i| format!("<article><a href=\"/s/{i}\">S{i}</a></article>"))
        );
        let css = |s: &str| Selector::parse(s).unwrap();
        let rules = ListingRules {
            item: css("article"),
            title: css("a"),
            link: css("a"),
            summary: None,
            date: None,
            author: None,
            image: None,
        };
        let pages = [
            feed(&rss, &base()).unwrap(),
            feed(&atom, &base()).unwrap(),
            listing(&html, &base(), &rules).unwrap(),
        ];
        for page in pages {
            assert_eq!((page.items.len(), page.unread), (MAX_PAGE_ITEMS, 3));
            assert_eq!(page.items[0].title, "S1");
            let last = &page.items[MAX_PAGE_ITEMS - 1];
            assert_eq!(last.title, format!("S{MAX_PAGE_ITEMS}"));
        }
    }

    #[test]
    fn html_page_is_not_a_feed() {
        let html = "<!DOCTYPE html>\n<html lang=\"en-US\"><head><title>Bolivia</title></head>\
                    <body><article>x</article></body></html>";
        match feed(html, &base()) {
            Err(ScrapeError::NotAFeed { root }) => assert_eq!(root, "html"),
            other => panic!("expected NotAFeed, got {other:?}"),
        }
    }

    #[test]
    fn body_without_element_is_not_a_feed() {
        let err = feed("Service temporarily unavailable", &base()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "not an RSS or Atom feed (root element: (none))"
        );
    }

    #[test]
    fn malformed_rss_and_atom() {
        let rss = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>T</title>\
                   <item><title>A</titl></item></channel></rss>";
        let atom = "<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>T</title>\
                    <entry><title>E</entry></feed>";
        for (body, expected) in [(rss, "RSS"), (atom, "Atom")] {
            match feed(body, &base()) {
                Err(ScrapeError::Malformed { kind, message }) => {
                    assert_eq!(kind, expected);
                    assert!(!message.is_empty());
                }
                other => panic!("expected Malformed {expected}, got {other:?}"),
            }
        }
    }

    #[test]
    fn a_deeply_nested_feed_is_refused_unparsed() {
        let body = format!(
            "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>T</title>{}{}</channel></rss>",
            "<x>".repeat(200_000),
            "</x>".repeat(200_000)
        );
        match feed(&body, &base()) {
            Err(ScrapeError::TooComplex(err)) => assert_eq!(
                err.to_string(),
                "page too deeply nested: depth 200002, limit 1000"
            ),
            other => panic!("expected TooComplex, got {other:?}"),
        }
    }

    #[test]
    fn escaped_bombs_in_items_are_not_parsed_here() {
        let bomb = "&lt;div&gt;".repeat(100_000);
        let body = format!(
            "<rss version=\"2.0\"><channel><title>T</title>\
             <item><link>https://example.org/untitled</link><description>{bomb}</description></item>\
             <item><title>Titled</title><link>https://example.org/titled</link>\
             <description>{bomb}</description></item></channel></rss>"
        );
        let page = feed(&body, &base()).unwrap();
        // No title can be made from a bomb: the untitled item goes. The
        // titled one keeps its summary as written, for the pipeline's
        // bounded cleaning to refuse.
        assert_eq!(page.items.len(), 1);
        assert_eq!(page.items[0].title, "Titled");
        assert!(
            page.items[0]
                .summary
                .as_deref()
                .is_some_and(|s| s.len() == 500_000)
        );
    }

    #[test]
    fn rss_without_channel_is_malformed() {
        let err = feed("<rss version=\"2.0\"></rss>", &base()).unwrap_err();
        assert!(
            matches!(err, ScrapeError::Malformed { kind: "RSS", .. }),
            "{err:?}"
        );
    }
}
