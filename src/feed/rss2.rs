//! RSS 2.0 through the `rss` crate: `atom:link rel="self"`, permalink
//! `guid`s, RFC 822 dates, `content:encoded`, `dc:creator`, `language`
//! when known, and an item's image as `enclosure` and `media:thumbnail`. The crate declares the `atom`, `content` and `dc` namespaces
//! itself when those elements are present, and writes HTML as CDATA,
//! splitting a `]]>` inside it.

use std::collections::BTreeMap;

use rss::extension::atom::{AtomExtension, Link};
use rss::extension::dublincore::DublinCoreExtension;
use rss::extension::{Extension, ExtensionMap};
use rss::{Channel, Enclosure, Guid, Item};

use super::{
    FeedInfo, GENERATOR_NAME, GENERATOR_VERSION, Image, clean, item_id, item_image, item_link,
};
use crate::model::StoredItem;

/// The media type of the document, for the self link.
const MEDIA_TYPE: &str = "application/rss+xml";

/// The Media RSS namespace (<https://www.rssboard.org/media-rss>), declared
/// when an item carries `media:thumbnail`.
const MEDIA_RSS: &str = "http://search.yahoo.com/mrss/";

/// Renders the channel; items keep the order given.
pub(super) fn render(info: &FeedInfo, items: &[StoredItem]) -> String {
    let channel = Channel {
        title: clean(&info.title),
        link: clean(&info.link),
        description: clean(&info.description),
        language: info.language.as_deref().map(clean),
        last_build_date: Some(info.updated.to_rfc2822()),
        generator: Some(format!("{GENERATOR_NAME} {GENERATOR_VERSION}")),
        atom_ext: Some(AtomExtension {
            links: atom_links(info),
        }),
        items: items.iter().map(|i| item(info, i)).collect(),
        namespaces: media_namespace(items),
        ..Channel::default()
    };
    super::with_stylesheet(channel.to_string(), info.stylesheet.as_deref())
}

/// `atom:link rel="self"`, and `rel="hub"` when a WebSub hub is configured.
fn atom_links(info: &FeedInfo) -> Vec<Link> {
    let self_link = Link {
        href: clean(&info.self_url),
        rel: "self".into(),
        mime_type: Some(MEDIA_TYPE.into()),
        ..Link::default()
    };
    let hub = info.hub.as_deref().map(|hub| Link {
        href: clean(hub),
        rel: "hub".into(),
        ..Link::default()
    });
    std::iter::once(self_link).chain(hub).collect()
}

/// `xmlns:media` when some item has an image (the crate declares only the
/// namespaces of the extensions it knows).
fn media_namespace(items: &[StoredItem]) -> BTreeMap<String, String> {
    items
        .iter()
        .find_map(item_image)
        .map(|_| ("media".to_owned(), MEDIA_RSS.to_owned()))
        .into_iter()
        .collect()
}

/// An item's image, twice, because readers look in different places: the
/// core `enclosure` (RSS 2.0 §enclosure, `length` "0" as the RSS Advisory
/// Board's profile advises when the size is unknown) is what Thunderbird
/// (as an attachment), feedparser (`entry.enclosures`) and newsboat 2.30+
/// read (older newsboat keeps only audio and video enclosures: newsboat
/// issue 1615, PR 2218); `media:thumbnail` is what Miniflux and feedparser
/// (`entry.media_thumbnail`) take as the item's preview picture. Miniflux
/// merges the two by URL (miniflux/v2 `internal/reader/rss/adapter.go`,
/// `findEntryEnclosures`), so the image is not listed twice. Not
/// `media:content`, which Thunderbird would list as a second attachment.
fn image_elements(image: Option<Image>) -> (Option<Enclosure>, ExtensionMap) {
    let Some(image) = image else {
        return (None, ExtensionMap::default());
    };
    let thumbnail = Extension {
        name: "media:thumbnail".to_owned(),
        attrs: BTreeMap::from([("url".to_owned(), image.url.clone())]),
        ..Extension::default()
    };
    let media = BTreeMap::from([("thumbnail".to_owned(), vec![thumbnail])]);
    let enclosure = Enclosure {
        url: image.url,
        length: "0".to_owned(),
        mime_type: image.mime_type.to_owned(),
    };
    (
        Some(enclosure),
        ExtensionMap::from([("media".to_owned(), media)]),
    )
}

fn item(info: &FeedInfo, item: &StoredItem) -> Item {
    let (enclosure, extensions) = image_elements(item_image(item));
    Item {
        title: Some(clean(&item.title)),
        link: Some(item_link(info, item)),
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
        enclosure,
        extensions,
        ..Item::default()
    }
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;

    use super::*;
    use crate::feed::test_support::{
        bare_item, imaged_item, info, item, nasty_item, relative_item, rtl_item,
    };

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
        assert_eq!(channel.language.as_deref(), Some("es-BO"));
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

    #[test]
    fn unknown_language_is_omitted() {
        let info = FeedInfo {
            language: None,
            ..info()
        };
        assert!(!render(&info, &[]).contains("<language>"));
    }

    #[test]
    fn cdata_end_and_ampersands_in_content_survive_a_round_trip() {
        let mut it = item(1);
        it.content = Some("<p>x ]]> y ]]]]>> &amp; &lt; & z</p>".into());
        it.summary = Some("a ]]> & b".into());
        let got = &parse(&render(&info(), &[it.clone()])).items[0];
        assert_eq!(got.content, it.content);
        assert_eq!(got.description, it.summary);
    }

    #[test]
    fn right_to_left_and_non_latin_text_is_kept_exactly() {
        let want = rtl_item();
        let xml = render(&info(), std::slice::from_ref(&want));
        assert!(xml.contains(&want.title), "written as text, not entities");
        let got = &parse(&xml).items[0];
        assert_eq!(got.title.as_deref(), Some(want.title.as_str()));
        assert_eq!(got.description, want.summary);
        assert_eq!(got.content, want.content);
        let dc = got.dublin_core_ext.as_ref().unwrap();
        assert_eq!(dc.creators, vec![want.author.unwrap()]);
    }

    #[test]
    fn an_image_is_an_enclosure_and_a_media_thumbnail() {
        let xml = render(&info(), &[imaged_item(), item(1)]);
        let url = imaged_item().image.unwrap();
        let escaped = "https://cdn.example/2024/05/photo.png?w=300&amp;h=200";
        assert!(
            xml.contains(&format!(
                "<enclosure url=\"{escaped}\" length=\"0\" type=\"image/png\"/>"
            )),
            "{xml}"
        );
        assert!(
            xml.contains(&format!("<media:thumbnail url=\"{escaped}\">")),
            "{xml}"
        );
        let root = &xml[..xml.find("<channel").unwrap()];
        assert!(
            root.contains(r#"xmlns:media="http://search.yahoo.com/mrss/""#),
            "{root}"
        );
        let channel = parse(&xml);
        let enclosure = channel.items[0].enclosure.as_ref().expect("enclosure");
        assert_eq!(enclosure.url, url);
        assert_eq!(
            (enclosure.length.as_str(), enclosure.mime_type.as_str()),
            ("0", "image/png")
        );
        let thumbnail = &channel.items[0].extensions["media"]["thumbnail"][0];
        assert_eq!(thumbnail.attrs["url"], url);
        assert!(channel.items[1].enclosure.is_none());
        assert!(channel.items[1].extensions.is_empty());
    }

    #[test]
    fn without_images_no_media_namespace_or_enclosure_is_written() {
        let mut relative = item(3);
        relative.image = Some("wp-content/a.jpg".into());
        let xml = render(&info(), &[item(1), relative]);
        assert!(
            !xml.contains("enclosure") && !xml.contains("media"),
            "{xml}"
        );
    }

    #[test]
    fn relative_item_link_is_made_absolute_against_the_site() {
        let got = &parse(&render(&info(), &[relative_item(), item(1)])).items;
        let link = got[0].link.as_deref();
        assert_eq!(link, Some("https://outlet.example/2020/10/post-5/"));
        assert_eq!(got[1].link.as_deref(), Some(item(1).link.as_str()));
    }
}
