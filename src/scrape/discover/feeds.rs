//! The feeds a page advertises: `<link rel="alternate">` with an RSS, Atom
//! or JSON Feed type, as browsers' and readers' autodiscovery reads them.

use std::sync::LazyLock;

use scraper::{Html, Selector};
use url::Url;

use crate::scrape::text::resolve_http;

static ALTERNATE: LazyLock<Selector> = LazyLock::new(|| {
    Selector::parse(r#"link[rel~="alternate"][href][type]"#).expect("valid selector")
});

/// The types autodiscovery accepts (RSS, Atom, JSON Feed; `application/json`
/// only with a feed-like title is too loose, so it is left out).
const FEED_TYPES: [&str; 4] = [
    "application/rss+xml",
    "application/atom+xml",
    "application/feed+json",
    "application/rdf+xml",
];

/// Advertised feeds, absolute, in page order, each once. Comment feeds
/// (WordPress advertises one per post) are left out.
pub(super) fn advertised(doc: &Html, base: &Url) -> Vec<Url> {
    let mut feeds: Vec<Url> = Vec::new();
    for link in doc.select(&ALTERNATE) {
        let el = link.value();
        let kind = el
            .attr("type")
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        let title = el.attr("title").unwrap_or_default().to_lowercase();
        let href = el.attr("href").unwrap_or_default();
        if !FEED_TYPES.contains(&kind.as_str()) || is_comment_feed(&title, href) {
            continue;
        }
        if let Some(url) = resolve_http(base, href).filter(|u| !feeds.contains(u)) {
            feeds.push(url);
        }
    }
    feeds
}

fn is_comment_feed(title: &str, href: &str) -> bool {
    title.contains("comments") || href.contains("/comments/feed")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_rss_atom_and_json_feeds_but_not_comment_feeds() {
        let html = r#"<html><head>
            <link rel="alternate" type="application/rss+xml" title="Site &raquo; Feed" href="/feed/">
            <link rel="alternate" type="application/rss+xml" title="Site &raquo; Comments Feed" href="/comments/feed/">
            <link rel="alternate" type="application/rss+xml" title="Bolivia Tag Feed" href="https://example.org/tag/bolivia/feed/">
            <link rel="alternate" type="application/json" href="/wp-json/wp/v2/tags/7">
            <link rel="alternate" type="application/feed+json" href="/feed.json">
            <link rel="alternate" hreflang="de" href="/de/">
            </head><body></body></html>"#;
        let doc = Html::parse_document(html);
        let base = Url::parse("https://example.org/tag/bolivia/").unwrap();
        let found: Vec<String> = advertised(&doc, &base).iter().map(Url::to_string).collect();
        assert_eq!(
            found,
            [
                "https://example.org/feed/",
                "https://example.org/tag/bolivia/feed/",
                "https://example.org/feed.json"
            ]
        );
    }
}
