//! Entries of an Atom 1.0 feed, read with the `atom_syndication` crate.

use std::collections::HashSet;

use atom_syndication::{Entry, Feed, FixedDateTime, Text, TextType};
use chrono::{DateTime, Utc};
use url::Url;

use super::feed_image::atom_image;
use super::text::{
    collapse_whitespace, decode_entities, escape_html, html_to_text, non_empty, rebase,
    resolve_http, site_link,
};
use super::{MAX_PAGE_ITEMS, ScrapeError};
use crate::model::{ScrapedItem, ScrapedPage};

/// Reads `body`, which starts at its `<feed>` root.
pub(super) fn read(body: &str, base: &Url) -> Result<ScrapedPage, ScrapeError> {
    let feed = Feed::read_from(body.as_bytes()).map_err(|e| ScrapeError::Malformed {
        kind: "Atom",
        message: e.to_string(),
    })?;
    // The crate keeps `xml:base` of the feed element only (not of entries).
    let feed_url = base;
    let base = rebase(base, feed.base());
    let site = feed
        .links()
        .iter()
        .filter(|l| l.rel() == "alternate")
        .find(|l| l.mime_type().is_none_or(|t| t.contains("html")))
        .and_then(|l| site_link(feed_url, &base, Some(l.href())));
    let mut seen = HashSet::new();
    let items = feed
        .entries()
        .iter()
        .take(MAX_PAGE_ITEMS)
        .filter_map(|entry| scraped_item(entry, &base))
        .filter(|item| seen.insert(item.link.clone()))
        .collect();
    Ok(ScrapedPage {
        title: non_empty(plain_text(feed.title())),
        site,
        items,
        bad_date: None,
        unread: super::unread(feed.entries().len()),
    })
}

fn scraped_item(entry: &Entry, base: &Url) -> Option<ScrapedItem> {
    let link = entry_link(entry, base)?;
    let title = non_empty(plain_text(entry.title()))?;
    let updated = stated(entry.updated());
    Some(ScrapedItem {
        title,
        link,
        summary: entry.summary().and_then(text_html),
        content: entry.content().and_then(content_html),
        published: entry.published().and_then(stated).or(updated),
        updated,
        author: entry
            .authors()
            .first()
            .and_then(|a| non_empty(collapse_whitespace(&a.name))),
        image: atom_image(entry, base),
    })
}

/// The `rel="alternate"` link (the crate reports a link without `rel` as
/// alternate, as RFC 4287 says), preferring an HTML one: some outlets list a
/// PDF or an audio alternate first.
fn entry_link(entry: &Entry, base: &Url) -> Option<Url> {
    let alternates = || entry.links().iter().filter(|l| l.rel() == "alternate");
    let is_html = |mime: Option<&str>| mime.is_none_or(|m| m.contains("html"));
    alternates()
        .filter(|l| is_html(l.mime_type()))
        .chain(alternates())
        .find_map(|l| resolve_http(base, l.href()))
}

/// A missing `<updated>` comes out of the crate as 1970-01-01: not a date.
fn stated(date: &FixedDateTime) -> Option<DateTime<Utc>> {
    (date.timestamp() != 0).then(|| date.with_timezone(&Utc))
}

/// A text construct as plain text. `type="text"` is already text, but
/// double-escaped entities (`&amp;amp;`) are common enough to decode.
fn plain_text(text: &Text) -> String {
    match text.r#type {
        TextType::Text => decode_entities(&text.value),
        TextType::Html | TextType::Xhtml => html_to_text(&text.value),
    }
}

/// A text construct as HTML, for the summary.
fn text_html(text: &Text) -> Option<String> {
    match text.r#type {
        TextType::Text => non_empty(escape_html(text.value.trim())),
        TextType::Html | TextType::Xhtml => non_empty(text.value.trim().to_owned()),
    }
}

/// Inline content as HTML; content given only by `src` is not carried.
fn content_html(content: &atom_syndication::Content) -> Option<String> {
    let value = content.value()?.trim();
    match content.content_type() {
        None | Some("text") => non_empty(escape_html(value)),
        Some(t) if t == "html" || t == "xhtml" || t.contains("html") => non_empty(value.to_owned()),
        // Other media types (base64 or XML payloads) are not article text.
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scrape::feed;
    use crate::scrape::test_support::utc;

    fn base() -> Url {
        Url::parse("https://www.mintpressnews.com/feed/atom/").unwrap()
    }

    const ATOM: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en-US" xml:base="https://www.mintpressnews.com/wp-atom.php">
  <title type="text">MintPress News</title>
  <updated>2020-10-23T13:05:12Z</updated>
  <id>https://www.mintpressnews.com/feed/atom/</id>
  <link rel="self" type="application/atom+xml" href="/feed/atom/"/>
  <entry>
    <author><name>Alan Macleod</name><uri>https://www.mintpressnews.com/author/alan/</uri></author>
    <title type="html"><![CDATA[Media Responds With Apathy &amp; Disappointment <em>As Coup Government Concedes</em>]]></title>
    <link rel="replies" type="text/html" href="/media-responds/#comments"/>
    <link rel="alternate" type="application/pdf" href="/media-responds.pdf"/>
    <link rel="alternate" type="text/html" href="/media-responds/"/>
    <id>https://www.mintpressnews.com/?p=271234</id>
    <updated>2020-10-21T10:00:00-04:00</updated>
    <published>2020-10-20T09:30:00-04:00</published>
    <summary type="html"><![CDATA[<p>Bolivia&#8217;s MAS party is celebrating.</p>]]></summary>
    <content type="html" xml:base="https://www.mintpressnews.com/media-responds/"><![CDATA[<p>Full text.</p><img src="chart.png">]]></content>
  </entry>
  <entry>
    <title>Bolivia &amp;amp; the OAS</title>
    <link href="https://www.mintpressnews.com/bolivia-oas/"/>
    <id>urn:uuid:1</id>
    <updated>2020-10-19T08:00:00Z</updated>
    <summary>Plain &lt;summary&gt; text</summary>
  </entry>
  <entry>
    <title>Only a comments link</title>
    <link rel="replies" href="/x/#comments"/>
    <id>urn:uuid:2</id>
    <updated>2020-10-18T08:00:00Z</updated>
  </entry>
</feed>"#;

    #[test]
    fn atom_entries_with_xml_base_and_html_titles() {
        let page = feed(ATOM, &base()).unwrap();
        assert_eq!(page.title.as_deref(), Some("MintPress News"));
        assert_eq!(
            page.items.len(),
            2,
            "the entry without an alternate link is skipped"
        );
        let first = &page.items[0];
        assert_eq!(
            first.title,
            "Media Responds With Apathy & Disappointment As Coup Government Concedes"
        );
        assert_eq!(
            first.link.as_str(),
            "https://www.mintpressnews.com/media-responds/"
        );
        assert_eq!(first.published, Some(utc("2020-10-20T13:30:00Z")));
        assert_eq!(first.updated, Some(utc("2020-10-21T14:00:00Z")));
        assert_eq!(first.author.as_deref(), Some("Alan Macleod"));
        assert_eq!(
            first.summary.as_deref(),
            Some("<p>Bolivia&#8217;s MAS party is celebrating.</p>")
        );
        assert_eq!(
            first.content.as_deref(),
            Some(r#"<p>Full text.</p><img src="chart.png">"#)
        );
    }

    #[test]
    fn atom_text_title_link_without_rel_and_updated_as_published() {
        let second = &feed(ATOM, &base()).unwrap().items[1];
        assert_eq!(second.title, "Bolivia & the OAS");
        assert_eq!(
            second.link.as_str(),
            "https://www.mintpressnews.com/bolivia-oas/"
        );
        assert_eq!(second.published, Some(utc("2020-10-19T08:00:00Z")));
        assert_eq!(
            second.summary.as_deref(),
            Some("Plain &lt;summary&gt; text")
        );
        assert_eq!(
            (second.content.as_ref(), second.author.as_ref()),
            (None, None)
        );
    }

    #[test]
    fn relative_xml_base_resolves_against_the_feed_url() {
        let body = r#"<feed xmlns="http://www.w3.org/2005/Atom" xml:base="/blog/">
            <title>T</title><id>t</id>
            <entry><title>E</title><id>e</id><link href="2020/post"/></entry></feed>"#;
        let item = &feed(body, &base()).unwrap().items[0];
        assert_eq!(
            item.link.as_str(),
            "https://www.mintpressnews.com/blog/2020/post"
        );
        assert_eq!((item.published, item.updated), (None, None));
    }
}
