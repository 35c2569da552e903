//! Writes RSS 2.0, Atom 1.0 and JSON Feed 1.1 documents from stored items,
//! and the OPML 2.0 list of every feed. Pure: items in, text out. It does
//! not choose, order or count items (the caller passes them newest first,
//! already cut to the feed's length) and does no I/O.
//!
//! An item's image goes out in every format (JSON Feed `image`, Atom and
//! RSS enclosures, Media RSS thumbnail), and only as an absolute http(s)
//! URL.
//!
//! Every string is passed through [`xml_safe`] first: outlets ship control
//! characters in titles and bodies (form feeds and vertical tabs pasted from
//! word processors are common), and the `rss` crate writes them raw, which
//! makes the whole document ill-formed for every reader.

mod atom1;
mod jsonfeed;
mod opml;
mod rss2;
mod stylesheet;

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use url::Url;

use crate::model::{StoredItem, link_without_tracking};
use stylesheet::with_stylesheet;

/// The generator name written into every feed.
pub const GENERATOR_NAME: &str = "refeed";

/// refeed's version, written beside [`GENERATOR_NAME`].
pub const GENERATOR_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Feed-level facts the writer needs.
#[derive(Debug, Clone, Default)]
pub struct FeedInfo {
    /// Feed title.
    pub title: String,
    /// Human-readable description (RSS `description`, Atom `subtitle`).
    pub description: String,
    /// Link to the site or page the feed stands for.
    pub link: String,
    /// Absolute URL this document is served at (`rel="self"`); also the Atom feed id.
    pub self_url: String,
    /// Newest change among the items (for an empty feed, a fixed time the
    /// caller picks, so the document stays byte-identical).
    pub updated: DateTime<Utc>,
    /// Language tag of the outlet (`en`, `es-BO`, `ar`), when known: RSS
    /// `language`, Atom `xml:lang`, JSON Feed `language`. `None` omits it
    /// rather than guess, since a wrong tag picks a wrong font or direction.
    pub language: Option<String>,
    /// WebSub hub URL (`[server] websub_hub`): written as RSS/Atom
    /// `link rel="hub"` and JSON Feed `hubs`, so readers can subscribe to
    /// pushes. `None` omits it.
    pub hub: Option<String>,
    /// URL of an XSLT stylesheet for browsers (`<?xml-stylesheet?>` at the
    /// top of RSS and Atom documents; readers ignore it). `None` omits it.
    pub stylesheet: Option<String>,
}

/// Renders an RSS 2.0 document.
pub fn rss(info: &FeedInfo, items: &[StoredItem]) -> String {
    rss2::render(info, items)
}

/// Renders an Atom 1.0 document.
pub fn atom(info: &FeedInfo, items: &[StoredItem]) -> String {
    atom1::render(info, items)
}

/// Renders a JSON Feed 1.1 document (<https://jsonfeed.org/version/1.1>).
pub fn json_feed(info: &FeedInfo, items: &[StoredItem]) -> String {
    jsonfeed::render(info, items)
}

/// One feed in the OPML subscription list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpmlEntry {
    /// The feed's title.
    pub title: String,
    /// Absolute URL of the feed document (`xmlUrl`).
    pub xml_url: String,
    /// The page the feed stands for (`htmlUrl`).
    pub html_url: String,
    /// `rss` for RSS and Atom alike (OPML's convention), kept for clarity.
    pub kind: &'static str,
}

/// Renders an OPML 2.0 subscription list of every feed, so a reader imports
/// all sources in one step.
pub fn opml(title: &str, entries: &[OpmlEntry], created: DateTime<Utc>) -> String {
    opml::render(title, entries, created)
}

/// The permanent id of an item in every feed format (RSS `guid`, Atom `id`,
/// JSON Feed `id`).
///
/// It is the canonical URL, never a row id, so it survives restarts, rule
/// changes and a rebuilt database. Should it ever become a `tag:` URI, it must
/// stay derived from this URL alone (and RSS must then mark the guid as not a
/// permalink).
pub fn item_id(item: &StoredItem) -> &str {
    &item.url
}

/// `text` without the characters XML 1.0 forbids (`Char` production): C0
/// controls other than tab, line feed and carriage return, and U+FFFE/U+FFFF.
/// Surrogates cannot occur in a Rust string. Borrows when nothing is removed.
pub fn xml_safe(text: &str) -> Cow<'_, str> {
    if text.chars().all(is_xml_char) {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(text.chars().filter(|&c| is_xml_char(c)).collect())
    }
}

/// [`xml_safe`] into an owned `String`, for the crates' setters.
fn clean(text: &str) -> String {
    xml_safe(text).into_owned()
}

/// `link` as an absolute URL: kept when it already is one, else resolved
/// against `base` (the feed's site link). Scraped links are absolute by
/// construction, but a reader resolves a relative item link against the
/// *feed's* URL (refeed's host), which would send it nowhere; this is the
/// last guard. Left as it is when neither parses.
pub fn absolute_url(link: &str, base: &str) -> String {
    match Url::parse(link) {
        Ok(_) => link.to_owned(),
        Err(_) => Url::parse(base)
            .and_then(|base| base.join(link))
            .map_or_else(|_| link.to_owned(), Into::into),
    }
}

/// An item's link for readers: XML-safe, absolute and without tracking
/// tags (links stored before refeed removed them are served clean too).
fn item_link(info: &FeedInfo, item: &StoredItem) -> String {
    link_without_tracking(&absolute_url(&clean(&item.link), &info.link))
}

/// An item's image as every format publishes it (JSON Feed `image`, Atom
/// `link rel="enclosure"`, RSS `enclosure` and `media:thumbnail`).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Image {
    /// Absolute http(s) URL, as the `url` crate writes it (percent-encoded).
    url: String,
    /// The media type guessed from the file name ([`image_type`]).
    mime_type: &'static str,
}

/// The item's image, when it is an absolute http(s) URL. Anything else is
/// left out: a relative address would be resolved against refeed's host,
/// and a `data:` or `javascript:` one (lazy-loading placeholders) is no
/// image a reader should fetch or run.
fn item_image(item: &StoredItem) -> Option<Image> {
    let url = Url::parse(&clean(item.image.as_deref()?)).ok()?;
    matches!(url.scheme(), "http" | "https").then(|| Image {
        mime_type: image_type(&url),
        url: url.into(),
    })
}

/// The media type of an image from its file name's extension; JPEG, the
/// most common format of news thumbnails, when there is none (CDN addresses
/// such as `/img/12345?w=300`) or it is unknown.
fn image_type(url: &Url) -> &'static str {
    let name = url.path_segments().and_then(|mut s| s.next_back());
    let extension = name.and_then(|n| n.rsplit_once('.')).map(|(_, e)| e);
    match extension.map(str::to_ascii_lowercase).as_deref() {
        Some("png") => "image/png",
        Some("gif") => "image/gif",
        Some("webp") => "image/webp",
        Some("avif") => "image/avif",
        Some("svg") => "image/svg+xml",
        _ => "image/jpeg",
    }
}

fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{FFFD}' | '\u{10000}'..)
}

#[cfg(test)]
pub(crate) mod test_support {
    //! Items and infos shared by the RSS and Atom tests.
    use chrono::TimeZone;

    use super::*;

    pub fn info() -> FeedInfo {
        FeedInfo {
            title: "Outlet: Bolivia".into(),
            description: "Items of Outlet".into(),
            link: "https://outlet.example/tag/bolivia/".into(),
            self_url: "http://127.0.0.1:8080/refeed/feeds/bolivia.rss".into(),
            updated: Utc.with_ymd_and_hms(2024, 5, 6, 7, 8, 9).unwrap(),
            language: Some("es-BO".into()),
            hub: None,
            stylesheet: None,
        }
    }

    /// A fully populated item; `n` varies url, title and dates.
    pub fn item(n: u32) -> StoredItem {
        StoredItem {
            source_id: "bolivia".into(),
            url: format!("https://outlet.example/post-{n}/"),
            link: format!("https://outlet.example/post-{n}/?from=rss"),
            title: format!("Title {n}"),
            summary: Some(format!("<p>Summary {n}</p>")),
            content: Some(format!("<p>Article {n} &amp; more</p>")),
            author: Some(format!("Author {n}")),
            published: Utc.with_ymd_and_hms(2024, 5, n, 10, 0, 0).unwrap(),
            updated: Utc.with_ymd_and_hms(2024, 5, n, 12, 30, 0).unwrap(),
            image: None,
        }
    }

    /// An item with an image whose address needs escaping in XML.
    pub fn imaged_item() -> StoredItem {
        StoredItem {
            image: Some("https://cdn.example/2024/05/photo.png?w=300&h=200".into()),
            ..item(2)
        }
    }

    /// An item with only the required fields.
    pub fn bare_item() -> StoredItem {
        StoredItem {
            summary: None,
            content: None,
            author: None,
            ..item(1)
        }
    }

    /// An item in Arabic and Japanese with a Hebrew author: right-to-left
    /// and non-Latin text, including a right-to-left mark and an emoji.
    pub fn rtl_item() -> StoredItem {
        StoredItem {
            title: "لغة العربية \u{200F}— 日本語のニュース 📰".into(),
            summary: Some("<p dir=\"rtl\">ملخص &amp; 要約</p>".into()),
            content: Some("<p dir=\"rtl\">المقال 記事</p>".into()),
            author: Some("דוד כהן".into()),
            ..item(4)
        }
    }

    /// An item whose link is relative (a broken outlet feed).
    pub fn relative_item() -> StoredItem {
        StoredItem {
            link: "/2020/10/post-5/".into(),
            ..item(5)
        }
    }

    /// An item whose every string carries markup, entities, CDATA ends and
    /// control characters.
    pub fn nasty_item() -> StoredItem {
        StoredItem {
            title: "<b>x</b> & y\u{0}\u{B}\u{C}\u{1F}\u{FFFE}".into(),
            summary: Some("<p>a ]]> b &amp; c\u{8}</p>".into()),
            content: Some("<p>]]>]]&gt; &lt;tag&gt; & \u{FFFF}end\u{7}</p>".into()),
            author: Some("Ann\u{1} & <Bob>".into()),
            ..item(3)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_websub_hub_is_advertised_in_every_format_only_when_configured() {
        let items = [test_support::item(1)];
        let hub = "https://hub.example/";
        let with_hub = FeedInfo {
            hub: Some(hub.into()),
            ..test_support::info()
        };
        let channel = rss::Channel::read_from(rss(&with_hub, &items).as_bytes()).unwrap();
        let rss_links = &channel.atom_ext.as_ref().unwrap().links;
        assert!(rss_links.iter().any(|l| l.rel == "hub" && l.href == hub));
        assert!(rss_links.iter().any(|l| l.rel == "self"));
        let feed = atom_syndication::Feed::read_from(atom(&with_hub, &items).as_bytes()).unwrap();
        assert!(feed.links.iter().any(|l| l.rel == "hub" && l.href == hub));
        let json: serde_json::Value = serde_json::from_str(&json_feed(&with_hub, &items)).unwrap();
        assert_eq!(json["hubs"][0]["type"], "WebSub");
        assert_eq!(json["hubs"][0]["url"], hub);

        let plain = test_support::info();
        assert!(!rss(&plain, &items).contains("rel=\"hub\""));
        assert!(!atom(&plain, &items).contains("rel=\"hub\""));
        assert!(!json_feed(&plain, &items).contains("hubs"));
    }

    #[test]
    fn xml_safe_removes_forbidden_characters_and_keeps_the_rest() {
        let text = "a\u{0}b\u{8}c\u{B}\u{C}d\u{1F}e\u{FFFE}\u{FFFF}f\t\n\r g é 😀 \u{FFFD}";
        assert_eq!(xml_safe(text), "abcdef\t\n\r g é 😀 \u{FFFD}");
    }

    #[test]
    fn xml_safe_borrows_clean_text() {
        assert!(matches!(xml_safe("plain <b> & text"), Cow::Borrowed(_)));
    }

    #[test]
    fn absolute_url_keeps_absolute_links_and_resolves_relative_ones() {
        let base = "https://outlet.example/tag/bolivia/";
        let kept = "https://other.example/a?b=1";
        assert_eq!(absolute_url(kept, base), kept);
        assert_eq!(
            absolute_url("/2020/10/post/", base),
            "https://outlet.example/2020/10/post/"
        );
        assert_eq!(absolute_url("../x/", base), "https://outlet.example/tag/x/");
        assert_eq!(absolute_url("/a", "not a url"), "/a");
    }

    #[test]
    fn item_link_is_absolute_and_xml_safe() {
        let info = test_support::info();
        let mut item = test_support::item(1);
        item.link = "/post-1/\u{1}".into();
        assert_eq!(item_link(&info, &item), "https://outlet.example/post-1/");
    }

    #[test]
    fn only_absolute_http_images_are_published_with_a_guessed_type() {
        let image = |url: &str| {
            let item = StoredItem {
                image: Some(url.to_owned()),
                ..test_support::item(1)
            };
            item_image(&item).map(|i| (i.url, i.mime_type))
        };
        let jpeg = "https://cdn.example/a/photo.JPG";
        assert_eq!(image(jpeg), Some((jpeg.to_owned(), "image/jpeg")));
        let png = "http://cdn.example/x.y/thumb.png?w=300&h=200";
        assert_eq!(image(png), Some((png.to_owned(), "image/png")));
        let cases = [
            ("https://cdn.example/t.webp", "image/webp"),
            ("https://cdn.example/t.gif#x", "image/gif"),
            ("https://cdn.example/t.avif", "image/avif"),
            ("https://cdn.example/logo.svg", "image/svg+xml"),
            ("https://cdn.example/img/12345", "image/jpeg"),
            ("https://cdn.example/v1.2/", "image/jpeg"),
        ];
        for (url, want) in cases {
            assert_eq!(image(url).map(|i| i.1), Some(want), "{url}");
        }
        assert_eq!(
            image("https://cdn.example/a b\u{1}.jpg").map(|i| i.0),
            Some("https://cdn.example/a%20b.jpg".to_owned()),
            "encoded and XML-safe"
        );
        for refused in [
            "/img/a.jpg",
            "data:image/gif;base64,R0lGOD",
            "javascript:x()",
            "ftp://h/a.jpg",
        ] {
            assert_eq!(image(refused), None, "{refused}");
        }
        assert_eq!(item_image(&test_support::item(1)), None);
    }

    #[test]
    fn stored_links_with_tracking_tags_are_served_without_them_in_every_format() {
        let tracked = StoredItem {
            link: "https://outlet.example/post-1/?utm_source=rss&p=1&fbclid=x&_hsenc=y".into(),
            ..test_support::item(1)
        };
        let want = "https://outlet.example/post-1/?p=1";
        let info = test_support::info();
        assert_eq!(item_link(&info, &tracked), want);
        let items = [tracked];
        let channel = rss::Channel::read_from(rss(&info, &items).as_bytes()).unwrap();
        assert_eq!(channel.items()[0].link(), Some(want));
        let feed = atom_syndication::Feed::read_from(atom(&info, &items).as_bytes()).unwrap();
        assert_eq!(feed.entries()[0].links()[0].href(), want);
        let json: serde_json::Value = serde_json::from_str(&json_feed(&info, &items)).unwrap();
        assert_eq!(json["items"][0]["url"], want);
    }

    #[test]
    fn item_id_is_the_canonical_url_not_the_link() {
        let item = test_support::item(1);
        assert_eq!(item_id(&item), "https://outlet.example/post-1/");
    }
}
