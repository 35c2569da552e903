//! Writes RSS 2.0 and Atom 1.0 documents from stored items. Pure: items in,
//! text out. It does not choose, order or count items (the caller passes them
//! newest first, already cut to the feed's length) and does no I/O.
//!
//! Every string is passed through [`xml_safe`] first: outlets ship control
//! characters in titles and bodies (form feeds and vertical tabs pasted from
//! word processors are common), and the `rss` crate writes them raw, which
//! makes the whole document ill-formed for every reader.

mod atom1;
mod rss2;

use std::borrow::Cow;

use chrono::{DateTime, Utc};

use crate::model::StoredItem;

/// The generator name written into every feed.
pub const GENERATOR_NAME: &str = "refeed";

/// refeed's version, written beside [`GENERATOR_NAME`].
pub const GENERATOR_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Feed-level facts the writer needs.
#[derive(Debug, Clone)]
pub struct FeedInfo {
    /// Feed title.
    pub title: String,
    /// Human-readable description (RSS `description`, Atom `subtitle`).
    pub description: String,
    /// Link to the site or page the feed stands for.
    pub link: String,
    /// Absolute URL this document is served at (`rel="self"`); also the Atom feed id.
    pub self_url: String,
    /// Newest change among the items (or now, for an empty feed).
    pub updated: DateTime<Utc>,
}

/// Renders an RSS 2.0 document.
pub fn rss(info: &FeedInfo, items: &[StoredItem]) -> String {
    rss2::render(info, items)
}

/// Renders an Atom 1.0 document.
pub fn atom(info: &FeedInfo, items: &[StoredItem]) -> String {
    atom1::render(info, items)
}

/// The permanent id of an item in every feed format (RSS `guid`, Atom `id`).
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
        }
    }

    /// A fully populated item; `n` varies url, title and dates.
    pub fn item(n: u32) -> StoredItem {
        StoredItem {
            source_id: "bolivia".into(),
            url: format!("https://outlet.example/post-{n}/"),
            link: format!("https://outlet.example/post-{n}/?utm_source=rss"),
            title: format!("Title {n}"),
            summary: Some(format!("<p>Summary {n}</p>")),
            content: Some(format!("<p>Article {n} &amp; more</p>")),
            author: Some(format!("Author {n}")),
            published: Utc.with_ymd_and_hms(2024, 5, n, 10, 0, 0).unwrap(),
            updated: Utc.with_ymd_and_hms(2024, 5, n, 12, 30, 0).unwrap(),
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
    fn xml_safe_removes_forbidden_characters_and_keeps_the_rest() {
        let text = "a\u{0}b\u{8}c\u{B}\u{C}d\u{1F}e\u{FFFE}\u{FFFF}f\t\n\r g é 😀 \u{FFFD}";
        assert_eq!(xml_safe(text), "abcdef\t\n\r g é 😀 \u{FFFD}");
    }

    #[test]
    fn xml_safe_borrows_clean_text() {
        assert!(matches!(xml_safe("plain <b> & text"), Cow::Borrowed(_)));
    }

    #[test]
    fn item_id_is_the_canonical_url_not_the_link() {
        let item = test_support::item(1);
        assert_eq!(item_id(&item), "https://outlet.example/post-1/");
    }
}
