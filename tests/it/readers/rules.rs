//! The rules the W3C Feed Validation Service would check, applied directly
//! (its validator needs Python 2 and a web service, so it cannot run here):
//! RFC 4287 for Atom, the RSS 2.0 specification for RSS, and the JSON Feed
//! 1.1 specification. Each function panics naming the feed and the rule.

use std::collections::HashSet;

use chrono::DateTime;
use serde_json::Value;

/// RSS 2.0: the channel's required elements, a title or description, guid
/// and RFC 822 `pubDate` on every item, unique guids, `atom:link rel=self`,
/// and an enclosure's three attributes.
pub fn rss(name: &str, text: &str) {
    let channel = crate::support::parse_rss(text);
    for (element, value) in [
        ("title", channel.title()),
        ("link", channel.link()),
        ("description", channel.description()),
    ] {
        assert!(!value.trim().is_empty(), "{name}: channel has no {element}");
    }
    absolute(name, "channel link", channel.link());
    let self_link = crate::checks::self_link_rss(&channel);
    assert!(self_link.is_some(), "{name}: no atom:link rel=self");
    let mut guids = HashSet::new();
    for item in channel.items() {
        assert!(
            item.title().is_some() || item.description().is_some(),
            "{name}: item with neither title nor description"
        );
        let guid = item
            .guid()
            .unwrap_or_else(|| panic!("{name}: item without guid"));
        assert!(
            guids.insert(guid.value()),
            "{name}: duplicate guid {}",
            guid.value()
        );
        if guid.is_permalink() {
            absolute(name, "permalink guid", guid.value());
        }
        let date = item
            .pub_date()
            .unwrap_or_else(|| panic!("{name}: no pubDate"));
        assert!(
            DateTime::parse_from_rfc2822(date).is_ok(),
            "{name}: pubDate {date:?} is not RFC 822"
        );
        absolute(name, "item link", item.link().unwrap_or_default());
        if let Some(enclosure) = item.enclosure() {
            // RSS 2.0: url, length (bytes, an integer) and type are required.
            absolute(name, "enclosure url", enclosure.url());
            let length = enclosure.length();
            assert!(
                length.parse::<u64>().is_ok(),
                "{name}: enclosure length {length:?}"
            );
            let kind = enclosure.mime_type();
            assert!(kind.contains('/'), "{name}: enclosure type {kind:?}");
        }
    }
}

/// RFC 4287: feed id, title, updated and author (on the feed or on every
/// entry); per entry id, title, updated and a `rel="alternate"` link; ids
/// unique and absolute IRIs; dates RFC 3339 (checked in the raw text, since
/// the parser substitutes 1970 for a missing `updated`).
pub fn atom(name: &str, text: &str) {
    let feed = crate::support::parse_atom(text);
    assert!(
        !feed.title().as_str().trim().is_empty(),
        "{name}: feed title"
    );
    absolute(name, "feed id", feed.id());
    let every_entry_has_author = feed.entries().iter().all(|e| !e.authors().is_empty());
    assert!(
        !feed.authors().is_empty() || every_entry_has_author,
        "{name}: RFC 4287 §4.1.1 wants an author on the feed or on every entry"
    );
    assert!(
        feed.links().iter().any(|l| l.rel() == "self"),
        "{name}: no rel=self link"
    );
    let mut ids = HashSet::new();
    for entry in feed.entries() {
        absolute(name, "entry id", entry.id());
        assert!(
            ids.insert(entry.id()),
            "{name}: duplicate id {}",
            entry.id()
        );
        assert!(
            !entry.title().as_str().trim().is_empty(),
            "{name}: entry title"
        );
        let alternate = entry
            .links()
            .iter()
            .find(|l| l.rel() == "alternate")
            .unwrap_or_else(|| panic!("{name}: entry {} has no alternate link", entry.id()));
        absolute(name, "entry link", alternate.href());
    }
    let updated = element_texts(text, "updated");
    assert_eq!(
        updated.len(),
        feed.entries().len() + 1,
        "{name}: one <updated> for the feed and each entry"
    );
    for date in updated.iter().chain(&element_texts(text, "published")) {
        assert!(
            DateTime::parse_from_rfc3339(date).is_ok(),
            "{name}: date {date:?} is not RFC 3339"
        );
    }
}

/// JSON Feed 1.1: version, title, items; per item a unique id, and
/// `content_html` or `content_text`; dates RFC 3339; URLs absolute.
pub fn json(name: &str, text: &str) -> Value {
    let doc: Value =
        serde_json::from_str(text).unwrap_or_else(|e| panic!("{name}: not JSON ({e}):\n{text}"));
    assert_eq!(doc["version"], "https://jsonfeed.org/version/1.1", "{name}");
    assert!(
        doc["title"].as_str().is_some_and(|t| !t.is_empty()),
        "{name}: title"
    );
    absolute(
        name,
        "feed_url",
        doc["feed_url"].as_str().unwrap_or_default(),
    );
    let items = doc["items"]
        .as_array()
        .unwrap_or_else(|| panic!("{name}: items"));
    let mut ids = HashSet::new();
    for item in items {
        let id = item["id"]
            .as_str()
            .unwrap_or_else(|| panic!("{name}: item id"));
        assert!(ids.insert(id.to_owned()), "{name}: duplicate id {id}");
        assert!(
            item["content_html"].is_string() || item["content_text"].is_string(),
            "{name}: {id} has neither content_html nor content_text"
        );
        absolute(name, "item url", item["url"].as_str().unwrap_or_default());
        for key in ["date_published", "date_modified"] {
            if let Some(date) = item[key].as_str() {
                assert!(
                    DateTime::parse_from_rfc3339(date).is_ok(),
                    "{name}: {id} {key} {date:?} is not RFC 3339"
                );
            }
        }
    }
    doc
}

/// Asserts `url` parses as an absolute http(s) URL.
fn absolute(name: &str, what: &str, url: &str) {
    let parsed = url::Url::parse(url);
    assert!(
        parsed.is_ok_and(|u| matches!(u.scheme(), "http" | "https")),
        "{name}: {what} {url:?} is not an absolute URL"
    );
}

/// The text of every `<tag>…</tag>` in a document (no attributes expected).
fn element_texts(text: &str, tag: &str) -> Vec<String> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    text.match_indices(&open)
        .filter_map(|(start, _)| {
            let rest = &text[start + open.len()..];
            rest.find(&close).map(|end| rest[..end].to_owned())
        })
        .collect()
}
