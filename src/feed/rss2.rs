//! RSS 2.0 through the `rss` crate: `atom:link rel="self"`, permalink
//! `guid`s, RFC 822 dates, `content:encoded` and `dc:creator`. The crate
//! declares the `atom`, `content` and `dc` namespaces itself when those
//! elements are present.

use rss::extension::atom::{AtomExtension, Link};
use rss::extension::dublincore::DublinCoreExtension;
use rss::{Channel, Guid, Item};

use super::{FeedInfo, GENERATOR_NAME, GENERATOR_VERSION, clean, item_id};
use crate::model::StoredItem;

/// The media type of the document, for the self link.
const MEDIA_TYPE: &str = "application/rss+xml";

/// Renders the channel; items keep the order given.
pub(super) fn render(info: &FeedInfo, items: &[StoredItem]) -> String {
    let channel = Channel {
        title: clean(&info.title),
        link: clean(&info.link),
        description: clean(&info.description),
        last_build_date: Some(info.updated.to_rfc2822()),
        generator: Some(format!("{GENERATOR_NAME} {GENERATOR_VERSION}")),
        atom_ext: Some(AtomExtension {
            links: vec![Link {
                href: clean(&info.self_url),
                rel: "self".into(),
                mime_type: Some(MEDIA_TYPE.into()),
                ..Link::default()
            }],
        }),
        items: items.iter().map(item).collect(),
        ..Channel::default()
    };
    channel.to_string()
}

fn item(item: &StoredItem) -> Item {
    Item {
        title: Some(clean(&item.title)),
        link: Some(clean(&item.link)),
        // The canonical URL is a real, dereferenceable URL, so a permalink
        // (the crate omits `isPermaLink` for `true`, which is RSS's default).
        guid: Some(Guid {
            value: clean(item_id(item)),
            permalink: true,
        }),
        pub_date: Some(item.published.to_rfc2822()),
        description: item.summary.as_deref().map(clean),
        content: item.content.as_deref().map(clean),
        dublin_core_ext: item.author.as_deref().map(|author| DublinCoreExtension {
            creators: vec![clean(author)],
            ..DublinCoreExtension::default()
        }),
        ..Item::default()
    }
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;

    use super::*;
    use crate::feed::test_support::{bare_item, info, item, nasty_item};

    fn parse(xml: &str) -> Channel {
        Channel::read_from(xml.as_bytes()).unwrap_or_else(|e| panic!("{e}: {xml}"))
    }

    fn date(rfc822: Option<&str>) -> DateTime<chrono::FixedOffset> {
        DateTime::parse_from_rfc2822(rfc822.expect("date present")).unwrap()
    }

    #[test]
    fn channel_fields_round_trip() {
        let channel = parse(&render(&info(), &[item(1)]));
        assert_eq!(channel.title, "Outlet: Bolivia");
        assert_eq!(channel.link, "https://outlet.example/tag/bolivia/");
        assert_eq!(channel.description, "Items of Outlet");
        assert_eq!(date(channel.last_build_date.as_deref()), info().updated);
        assert_eq!(
            channel.generator.as_deref(),
            Some(format!("refeed {}", env!("CARGO_PKG_VERSION")).as_str())
        );
        let links = &channel.atom_ext.as_ref().expect("atom:link").links;
        assert_eq!(links.len(), 1);
        assert_eq!(links[0].rel, "self");
        assert_eq!(links[0].href, info().self_url);
        assert_eq!(links[0].mime_type.as_deref(), Some("application/rss+xml"));
    }

    #[test]
    fn item_fields_round_trip_in_the_given_order() {
        let (newer, older) = (item(2), item(1));
        let channel = parse(&render(&info(), &[newer.clone(), older.clone()]));
        assert_eq!(channel.items.len(), 2);
        for (got, want) in channel.items.iter().zip([&newer, &older]) {
            assert_eq!(got.title.as_deref(), Some(want.title.as_str()));
            assert_eq!(got.link.as_deref(), Some(want.link.as_str()));
            let guid = got.guid.as_ref().expect("guid");
            assert_eq!(guid.value, want.url);
            assert!(guid.permalink);
            assert_eq!(date(got.pub_date.as_deref()), want.published);
            assert_eq!(got.description, want.summary);
            assert_eq!(got.content, want.content);
            let dc = got.dublin_core_ext.as_ref().expect("dc extension");
            assert_eq!(dc.creators, vec![want.author.clone().unwrap()]);
        }
    }

    #[test]
    fn namespaces_are_declared_on_the_root() {
        let xml = render(&info(), &[item(1)]);
        let root = &xml[xml.find("<rss").unwrap()..xml.find("<channel").unwrap()];
        assert!(
            root.contains(r#"xmlns:atom="http://www.w3.org/2005/Atom""#),
            "{root}"
        );
        assert!(root.contains(r#"xmlns:content="http://purl.org/rss/1.0/modules/content/""#));
        assert!(root.contains(r#"xmlns:dc="http://purl.org/dc/elements/1.1/""#));
    }

    #[test]
    fn dates_are_rfc_822() {
        let xml = render(&info(), &[item(1)]);
        assert!(
            xml.contains("<pubDate>Wed, 1 May 2024 10:00:00 +0000</pubDate>"),
            "{xml}"
        );
        assert!(xml.contains("<lastBuildDate>Mon, 6 May 2024 07:08:09 +0000</lastBuildDate>"));
    }

    #[test]
    fn control_characters_are_removed_and_markup_survives_as_text() {
        let xml = render(&info(), &[nasty_item()]);
        assert!(!xml.chars().any(|c| c < ' ' && !"\t\n\r".contains(c)));
        assert!(!xml.contains(['\u{FFFE}', '\u{FFFF}']));
        let channel = parse(&xml);
        let got = &channel.items[0];
        assert_eq!(got.title.as_deref(), Some("<b>x</b> & y"));
        assert_eq!(got.description.as_deref(), Some("<p>a ]]> b &amp; c</p>"));
        assert_eq!(
            got.content.as_deref(),
            Some("<p>]]>]]&gt; &lt;tag&gt; & end</p>")
        );
        let dc = got.dublin_core_ext.as_ref().unwrap();
        assert_eq!(dc.creators, vec!["Ann & <Bob>".to_string()]);
    }

    #[test]
    fn control_characters_in_channel_fields_are_removed() {
        let mut info = info();
        info.title = "Out\u{C}let <i>&</i>".into();
        info.description = "desc\u{0}".into();
        let channel = parse(&render(&info, &[]));
        assert_eq!(channel.title, "Outlet <i>&</i>");
        assert_eq!(channel.description, "desc");
    }

    #[test]
    fn empty_item_list_gives_a_valid_channel() {
        let channel = parse(&render(&info(), &[]));
        assert!(channel.items.is_empty());
        assert_eq!(channel.title, "Outlet: Bolivia");
    }

    #[test]
    fn item_without_author_summary_or_content_omits_those_elements() {
        let xml = render(&info(), &[bare_item()]);
        assert!(!xml.contains("<description><![CDATA["), "{xml}");
        assert!(!xml.contains("content:encoded") && !xml.contains("dc:creator"));
        let got = &parse(&xml).items[0];
        assert_eq!(got.title.as_deref(), Some("Title 1"));
        assert_eq!((&got.description, &got.content), (&None, &None));
        assert!(got.dublin_core_ext.is_none());
    }
}
