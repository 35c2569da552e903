//! Items of an RSS 0.9x, 1.0 (RDF) or 2.0 feed, read with the `rss` crate.

use std::collections::HashSet;

use rss::{Channel, Item};
use url::Url;

use super::feed_image::{media_prefix, rss_image};
use super::text::{
    collapse_whitespace, made_up_title, non_empty, plain_title, resolve_http, site_link,
};
use super::{MAX_PAGE_ITEMS, ScrapeError};
use crate::dates;
use crate::model::{ScrapedItem, ScrapedPage};

/// Reads `body`, which starts at its `<rss>` or `<rdf:RDF>` root.
pub(super) fn read(body: &str, base: &Url) -> Result<ScrapedPage, ScrapeError> {
    let channel = Channel::read_from(body.as_bytes()).map_err(|e| ScrapeError::Malformed {
        kind: "RSS",
        message: e.to_string(),
    })?;
    let media = media_prefix(&channel);
    let mut seen = HashSet::new();
    let items = channel
        .items()
        .iter()
        .take(MAX_PAGE_ITEMS)
        .filter_map(|item| scraped_item(item, &media, base))
        .filter(|item| seen.insert(item.link.clone()))
        .collect();
    Ok(ScrapedPage {
        title: non_empty(plain_title(channel.title())),
        site: site_link(base, base, Some(channel.link())),
        items,
        bad_date: None,
        unread: super::unread(channel.items().len()),
    })
}

fn scraped_item(item: &Item, media_prefix: &str, base: &Url) -> Option<ScrapedItem> {
    let link = item_link(item, base)?;
    let summary = item.description().and_then(feed_html);
    let title = item
        .title()
        .map(plain_title)
        .and_then(non_empty)
        .or_else(|| summary.as_deref().and_then(made_up_title))?;
    let dc = item.dublin_core_ext();
    let dc_first = |values: Option<&[String]>| values.and_then(|v| v.first()).cloned();
    Some(ScrapedItem {
        title,
        link,
        summary,
        content: item.content().and_then(feed_html),
        published: item.pub_date().and_then(dates::parse).or_else(|| {
            dc_first(dc.map(|d| d.dates()))
                .as_deref()
                .and_then(dates::parse)
        }),
        updated: None,
        author: item_author(item.author(), dc_first(dc.map(|d| d.creators()))),
        image: rss_image(item, media_prefix, base),
    })
}

/// `<link>`, else a permalink `<guid>` that is an absolute URL (a guid such
/// as WordPress's `https://example.org/?p=123` is one; `tag:` ids are not).
fn item_link(item: &Item, base: &Url) -> Option<Url> {
    if let Some(url) = item.link().and_then(|l| resolve_http(base, l)) {
        return Some(url);
    }
    let guid = item.guid().filter(|g| g.is_permalink())?;
    Url::parse(guid.value().trim())
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https"))
}

/// RSS `<author>` must be an email ("mf@example.org (Margaret Flowers)"); keep
/// the name. A bare email loses to `dc:creator`, which WordPress fills.
fn item_author(author: Option<&str>, creator: Option<String>) -> Option<String> {
    let author = author.map(collapse_whitespace).and_then(non_empty);
    let named = author.as_deref().and_then(name_of_email);
    let creator = creator.map(|c| collapse_whitespace(&c)).and_then(non_empty);
    named.or(creator).or(author)
}

/// "x@y (Name)" and "Name <x@y>" → "Name"; a name without email stays; a
/// bare email gives `None`.
fn name_of_email(author: &str) -> Option<String> {
    let name = if let (Some(open), true) = (author.find('('), author.ends_with(')')) {
        &author[open + 1..author.len() - 1]
    } else if let (Some(open), true) = (author.find('<'), author.ends_with('>')) {
        &author[..open]
    } else if author.contains('@') && !author.contains(' ') {
        ""
    } else {
        author
    };
    non_empty(name.trim().to_owned())
}

/// Summary or content HTML without WordPress's (Yoast SEO) RSS footer,
/// `<p>The post <a…>X</a> appeared first on <a…>Y</a>.</p>`, which is
/// feed boilerplate, not part of the item.
fn feed_html(html: &str) -> Option<String> {
    let html = html.trim();
    let footer = html.rfind("<p>The post ").filter(|&start| {
        let tail = &html[start..];
        tail.contains(" appeared first on ") && tail.ends_with("</p>") && !tail[2..].contains("<p")
    });
    let kept = footer.map_or(html, |start| html[..start].trim_end());
    non_empty(kept.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scrape::feed;
    use crate::scrape::test_support::utc;

    fn base() -> Url {
        Url::parse("https://popularresistance.org/tag/bolivia/feed/").unwrap()
    }

    /// A WordPress 5.x tag feed with Yoast's footer and utm-tagged links.
    const WORDPRESS_RSS: &str = r#"<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"
	xmlns:content="http://purl.org/rss/1.0/modules/content/"
	xmlns:wfw="http://wellformedweb.org/CommentAPI/"
	xmlns:dc="http://purl.org/dc/elements/1.1/"
	xmlns:atom="http://www.w3.org/2005/Atom"
	xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"
	xmlns:slash="http://purl.org/rss/1.0/modules/slash/"
	>
<channel>
	<title>Bolivia Archives - Popular Resistance.Org</title>
	<atom:link href="https://popularresistance.org/tag/bolivia/feed/" rel="self" type="application/rss+xml" />
	<link>https://popularresistance.org</link>
	<description>Daily Movement News and Resources</description>
	<lastBuildDate>Fri, 23 Oct 2020 13:05:12 +0000</lastBuildDate>
	<language>en-US</language>
	<generator>https://wordpress.org/?v=5.5.1</generator>
	<item>
		<title>Bolivia &#038; the OAS: Movement Towards Socialism Wins</title>
		<link>https://popularresistance.org/movement-towards-socialism-wins/?utm_source=rss&#038;utm_medium=rss&#038;utm_campaign=movement-towards-socialism-wins</link>
		<comments>https://popularresistance.org/movement-towards-socialism-wins/#respond</comments>
		<dc:creator><![CDATA[Margaret Flowers]]></dc:creator>
		<pubDate>Fri, 23 Oct 2020 13:00:00 +0000</pubDate>
		<category><![CDATA[Bolivia]]></category>
		<guid isPermaLink="false">https://popularresistance.org/?p=123</guid>
		<description><![CDATA[<p>After 11 months of being ruled by a repressive coup-regime, Bolivians have finally recovered democracy. [&#8230;]</p>
<p>The post <a rel="nofollow" href="https://popularresistance.org/movement-towards-socialism-wins/?utm_source=rss&amp;utm_medium=rss">Movement Towards Socialism Wins</a> appeared first on <a rel="nofollow" href="https://popularresistance.org">Popular Resistance.Org</a>.</p>
]]></description>
		<content:encoded><![CDATA[<p>After 11 months of being ruled by a repressive coup-regime&#8230;</p>
<p>The official results are finally in.</p>
<p>The post <a rel="nofollow" href="https://popularresistance.org/movement-towards-socialism-wins/">Movement Towards Socialism Wins</a> appeared first on <a rel="nofollow" href="https://popularresistance.org">Popular Resistance.Org</a>.</p>
]]></content:encoded>
	</item>
	<item>
		<title>Bolivia &amp;amp; the OAS, &lt;em&gt;again&lt;/em&gt;</title>
		<guid isPermaLink="true">https://popularresistance.org/?p=120</guid>
		<author>editor@popularresistance.org (Kevin Zeese)</author>
		<dc:date>2020-10-20T22:30:00-04:00</dc:date>
	</item>
	<item>
		<title>No link at all</title>
		<guid isPermaLink="false">tag:popularresistance.org,2020:119</guid>
	</item>
	<item>
		<title>Relative link</title>
		<link>/2020/10/18/live-blog/</link>
		<author>editor@popularresistance.org</author>
		<dc:creator>Staff</dc:creator>
		<pubDate>Sun, 18 Oct 2020 09:00:00 EDT</pubDate>
	</item>
</channel>
</rss>
"#;

    #[test]
    fn wordpress_rss_items() {
        let page = feed(WORDPRESS_RSS, &base()).unwrap();
        assert_eq!(
            page.title.as_deref(),
            Some("Bolivia Archives - Popular Resistance.Org")
        );
        let titles: Vec<_> = page.items.iter().map(|i| i.title.as_str()).collect();
        assert_eq!(
            titles,
            [
                "Bolivia & the OAS: Movement Towards Socialism Wins",
                "Bolivia & the OAS, again",
                "Relative link"
            ]
        );
        let first = &page.items[0];
        // utm_ parameters stay: `model::canonical_url` strips them for identity,
        // and the link is kept as the outlet gave it.
        assert_eq!(
            first.link.as_str(),
            "https://popularresistance.org/movement-towards-socialism-wins/?utm_source=rss&utm_medium=rss&utm_campaign=movement-towards-socialism-wins"
        );
        assert_eq!(first.author.as_deref(), Some("Margaret Flowers"));
        assert_eq!(first.published, Some(utc("2020-10-23T13:00:00Z")));
        assert_eq!(first.updated, None);
    }

    #[test]
    fn wordpress_footer_is_dropped_from_summary_and_content() {
        let first = &feed(WORDPRESS_RSS, &base()).unwrap().items[0];
        let summary = first.summary.as_deref().unwrap();
        assert!(summary.starts_with("<p>After 11 months"), "{summary}");
        assert!(summary.ends_with("[&#8230;]</p>"), "{summary}");
        let content = first.content.as_deref().unwrap();
        assert!(
            content.ends_with("<p>The official results are finally in.</p>"),
            "{content}"
        );
        assert!(!content.contains("appeared first on"));
    }

    #[test]
    fn guid_permalink_email_author_and_dc_date() {
        let second = &feed(WORDPRESS_RSS, &base()).unwrap().items[1];
        assert_eq!(second.link.as_str(), "https://popularresistance.org/?p=120");
        assert_eq!(second.author.as_deref(), Some("Kevin Zeese"));
        assert_eq!(second.published, Some(utc("2020-10-21T02:30:00Z")));
        assert_eq!(
            (second.summary.as_ref(), second.content.as_ref()),
            (None, None)
        );
    }

    #[test]
    fn relative_link_obsolete_zone_and_bare_email_author() {
        let third = &feed(WORDPRESS_RSS, &base()).unwrap().items[2];
        assert_eq!(
            third.link.as_str(),
            "https://popularresistance.org/2020/10/18/live-blog/"
        );
        assert_eq!(third.published, Some(utc("2020-10-18T13:00:00Z")));
        assert_eq!(third.author.as_deref(), Some("Staff"));
    }

    #[test]
    fn rdf_rss_1_0_feed() {
        let body = r#"<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
  xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://example.org/">
    <title>Kawsachun News</title>
    <link>https://example.org/</link>
    <description>News</description>
    <items><rdf:Seq><rdf:li resource="https://example.org/a"/></rdf:Seq></items>
  </channel>
  <item rdf:about="https://example.org/a">
    <title>Arce sworn in</title>
    <link>https://example.org/a</link>
    <description>La Paz &lt;b&gt;today&lt;/b&gt;</description>
    <dc:date>2020-11-08T15:00:00-04:00</dc:date>
    <dc:creator>Camila Escalante</dc:creator>
  </item>
</rdf:RDF>"#;
        let page = feed(body, &base()).unwrap();
        assert_eq!(page.title.as_deref(), Some("Kawsachun News"));
        let item = &page.items[0];
        assert_eq!(item.title, "Arce sworn in");
        assert_eq!(item.link.as_str(), "https://example.org/a");
        assert_eq!(item.summary.as_deref(), Some("La Paz <b>today</b>"));
        assert_eq!(item.published, Some(utc("2020-11-08T19:00:00Z")));
        assert_eq!(item.author.as_deref(), Some("Camila Escalante"));
    }

    #[test]
    fn declared_encoding_is_not_applied_twice() {
        // `fetch` already decoded the body; quick-xml would decode it again
        // as windows-1252 and turn "Añez" into "AÃ±ez".
        let body = "<?xml version=\"1.0\" encoding=\"windows-1252\"?><rss version=\"2.0\"><channel>\
            <title>T</title><item><title>Añez concedes</title><link>https://example.org/a</link></item>\
            </channel></rss>";
        assert_eq!(feed(body, &base()).unwrap().items[0].title, "Añez concedes");
    }

    #[test]
    fn untitled_item_takes_the_start_of_its_description() {
        let body = r#"<rss version="2.0"><channel><title>T</title>
            <item><link>https://example.org/a</link><description>&lt;p&gt;Short note.&lt;/p&gt;</description></item>
            <item><link>https://example.org/b</link><description>One two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen</description></item>
            <item><link>https://example.org/c</link></item>
            </channel></rss>"#;
        let titles: Vec<_> = feed(body, &base())
            .unwrap()
            .items
            .into_iter()
            .map(|i| i.title)
            .collect();
        assert_eq!(
            titles,
            [
                "Short note.",
                "One two three four five six seven eight nine ten eleven twelve thirteen fourteen…"
            ]
        );
    }

    #[test]
    fn name_of_email_forms() {
        assert_eq!(name_of_email("a@b.org (Vins)").as_deref(), Some("Vins"));
        assert_eq!(name_of_email("Vins <a@b.org>").as_deref(), Some("Vins"));
        assert_eq!(name_of_email("Vins").as_deref(), Some("Vins"));
        assert_eq!(name_of_email("a@b.org"), None);
    }
}
